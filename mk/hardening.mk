# Hardening (issue 6): the C core under sanitizers and valgrind, fuzzing, a soak run, and the
# hardening specs (spec/hardening/). All but fuzz-long run in CI through `check` (end of this file).
#
#   make sanitize     every busted spec with the C core built with ASan + UBSan, LeakSanitizer on
#   make valgrind     the C-core specs (and the two-thread host) under valgrind memcheck
#   make fuzz         every libFuzzer target of fuzz/ for FUZZ_RUNS executions (100,000)
#   make fuzz-long    the same with 10,000,000 executions each (not in CI; results in fuzz/README.md)
#   make soak         500,000 requests through one client with faults: memory and descriptors stay flat

HARDENING_BUILD = $(BUILD)/hardening

# ---- programs the hardening specs run ----

# lua_host: Lua 5.4 embedded in a C program, N threads with a state each, fork() for scripts.
HARDENING_PROGRAMS = $(HARDENING_BUILD)/lua_host

$(HARDENING_BUILD)/lua_host: spec/hardening/lua_host.c
	@mkdir -p $(@D)
	$(CC) $(CORE_WARN) $(OPTFLAGS) -pthread -I$(LUA54_INC) -o $@ $< -llua5.4

# Every busted run includes spec/hardening, which needs them.
specs: $(HARDENING_PROGRAMS)

# ---- fuzzing (fuzz/README.md) ----

FUZZ_BUILD   = $(BUILD)/fuzz
FUZZ_RUNS   ?= 100000
FUZZ_FLAGS   = $(CORE_WARN) -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined
FUZZ_TARGETS = retry_after http_date header_line header_block escape redact config_strings policy lua_binding

# The files of src/ each target exercises.
FUZZ_SRC_retry_after    = src/retry_after.c
FUZZ_SRC_http_date      = src/retry_after.c
FUZZ_SRC_header_line    = src/headers.c src/buf.c
FUZZ_SRC_header_block   = src/headers.c src/buf.c
FUZZ_SRC_escape         = src/escape.c
FUZZ_SRC_redact         = src/redact.c
FUZZ_SRC_config_strings = src/config.c src/headers.c src/buf.c
FUZZ_SRC_policy         = src/policy.c
FUZZ_SRC_lua_binding    = $(CORE_SOURCES)
FUZZ_LIBS_lua_binding   = -I$(LUA54_INC) -llua5.4 -lcurl -pthread

define fuzz_target
$(FUZZ_BUILD)/$(1): fuzz/$(1).c fuzz/check.h $(FUZZ_SRC_$(1)) $(CORE_HEADERS)
	@mkdir -p $$(@D)
	clang $(FUZZ_FLAGS) -o $$@ $$< $(FUZZ_SRC_$(1)) $(FUZZ_LIBS_$(1)) -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

.PHONY: fuzz-build fuzz fuzz-long

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

fuzz: fuzz-build ## every libFuzzer target for FUZZ_RUNS (100,000) executions; fails on any finding
	fuzz/run.sh $(FUZZ_RUNS) $(FUZZ_TARGETS)

fuzz-long: fuzz-build ## every libFuzzer target for 10,000,000 executions (not in CI; see fuzz/README.md)
	fuzz/run.sh 10000000 $(FUZZ_TARGETS)
