# Hardening (issue 6): the C core under sanitizers and valgrind, fuzzing, a soak run, and the
# hardening specs (spec/hardening/). All but fuzz-long run in CI through `check` (end of this file).
#
#   make sanitize     every busted spec with the C core built with ASan + UBSan, LeakSanitizer on
#   make valgrind     the C-core specs (and the two-thread host) under valgrind memcheck
#   make fuzz         every libFuzzer target of fuzz/ for FUZZ_RUNS executions (100,000)
#   make fuzz-long    the same with 10,000,000 executions each (not in CI; results in fuzz/README.md)
#   make tsan         the two-thread host and the C core under ThreadSanitizer
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
FUZZ_TARGETS = retry_after http_date header_line header_block escape redact config_strings policy lua_binding json_decode \
               json_shape

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
FUZZ_SRC_json_decode    = $(CORE_SOURCES)
FUZZ_LIBS_json_decode   = -I$(LUA54_INC) -llua5.4 -lcurl -pthread
FUZZ_SRC_json_shape     = $(CORE_SOURCES)
FUZZ_LIBS_json_shape    = -I$(LUA54_INC) -llua5.4 -lcurl -pthread

define fuzz_target
$(FUZZ_BUILD)/$(1): fuzz/$(1).c fuzz/check.h fuzz/lua_state.h $(FUZZ_SRC_$(1)) $(CORE_HEADERS)
	@mkdir -p $$(@D)
	clang $(FUZZ_FLAGS) -o $$@ $$< $(FUZZ_SRC_$(1)) $(FUZZ_LIBS_$(1)) -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

.PHONY: fuzz-build fuzz fuzz-long

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%) ## every libFuzzer target, without running it

fuzz: fuzz-build ## every libFuzzer target for FUZZ_RUNS (100,000) executions; fails on any finding
	fuzz/run.sh $(FUZZ_RUNS) $(FUZZ_TARGETS)

fuzz-long: fuzz-build ## every libFuzzer target for 10,000,000 executions (not in CI; see fuzz/README.md)
	fuzz/run.sh 10000000 $(FUZZ_TARGETS)

# ---- sanitizers ----

# The host interpreter (lua5.4) is not instrumented: the shared ASan runtime (which carries UBSan too)
# is preloaded, with keep_loaded.so, whose dlclose() keeps libraries loaded, so that LeakSanitizer sees
# libcurl's one-time global state as reachable and symbolises our stacks (spec/hardening/keep_loaded.c).
# busted closes the Lua state at exit (os.exit(code, true)), so every session, buffer and handle of
# ours must have been freed by then. Child processes inherit all this (nginx, curl and openssl are
# started without it by the server harness).
ASAN_RUNTIME = $(shell clang -print-file-name=libclang_rt.asan-x86_64.so)
SANITIZE_ENV = LD_PRELOAD='$(ASAN_RUNTIME) $(CURDIR)/$(HARDENING_BUILD)/keep_loaded.so' \
               ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
               LSAN_OPTIONS=suppressions=$(CURDIR)/spec/hardening/lsan.supp:print_suppressions=0 \
               UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(HARDENING_BUILD)/keep_loaded.so: spec/hardening/keep_loaded.c
	@mkdir -p $(@D)
	$(CC) $(CORE_WARN) -fPIC -shared -o $@ $<

$(HARDENING_BUILD)/sanitizer_canary.so: spec/hardening/sanitizer_canary.c
	@mkdir -p $(@D)
	clang $(CORE_ASAN_FLAGS) -shared -I$(LUA54_INC) -o $@ $<

# $(call canary,FUNCTION,TEXT THE SANITIZER MUST PRINT)
define canary
	@if $(SANITIZE_ENV) LUA_CPATH='./$(HARDENING_BUILD)/?.so' $(LUA) -e 'require("sanitizer_canary").$(1)()' \
	    >$(HARDENING_BUILD)/canary-$(1).log 2>&1; then \
	  echo "sanitize: the planted $(1) went unnoticed: the sanitizers are not working" >&2; exit 1; fi
	@grep -q '$(2)' $(HARDENING_BUILD)/canary-$(1).log && grep -q 'sanitizer_canary.c' $(HARDENING_BUILD)/canary-$(1).log \
	  || { cat $(HARDENING_BUILD)/canary-$(1).log >&2; echo "sanitize: no report with a stack for the planted $(1)" >&2; exit 1; }
	@echo "sanitize: planted $(1) caught ($(2))"
endef

.PHONY: sanitize valgrind

sanitize: build contract-deps $(BUILD)/asan/onesignal/core.so $(HARDENING_PROGRAMS) $(HARDENING_BUILD)/keep_loaded.so $(HARDENING_BUILD)/sanitizer_canary.so ## every busted spec with the C core under ASan + UBSan + LeakSanitizer
	$(call canary,leak,LeakSanitizer: detected memory leaks)
	$(call canary,overflow,AddressSanitizer: heap-buffer-overflow)
	$(call canary,undefined,runtime error: signed integer overflow)
	$(SANITIZE_ENV) $(LUA_ENV) $(BUSTED) --cpath='./$(BUILD)/asan/?.so'

# ---- valgrind ----

# The C-core specs, the hardening specs that drive the core's checks and TLS, and the two-thread host
# (run by threads_spec under memcheck through HARDENING_HOST_WRAPPER). Suppressions: spec/core/valgrind.supp
# (libldap and SASL, initialised by curl_version()), each entry explained in its file.
VALGRIND = valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
           --errors-for-leak-kinds=definite,indirect --keep-debuginfo=yes \
           --suppressions=$(CURDIR)/spec/core/valgrind.supp --error-exitcode=99

valgrind: $(BUILD)/5.4/onesignal/core.so $(HARDENING_PROGRAMS) ## C-core specs and the two-thread host under valgrind memcheck
	$(LUA_ENV) $(VALGRIND) $(BUSTED) spec/core spec/hardening/hostile_input_spec.lua spec/hardening/tls_spec.lua
	$(LUA_ENV) HARDENING_HOST_WRAPPER='$(VALGRIND)' $(BUSTED) spec/hardening/threads_spec.lua spec/hardening/fork_spec.lua spec/hardening/oom_spec.lua

# ---- ThreadSanitizer ----

# The two-thread host and the core built with -fsanitize=thread (liblua, libcurl and OpenSSL are not
# instrumented, so only our code and what it hands libcurl is watched); threads_spec runs them through
# HARDENING_HOST / HARDENING_HOST_CPATH. Any report fails the host with exit code 66.
TSAN_FLAGS = $(CORE_WARN) -fPIC -pthread -O1 -g -fno-omit-frame-pointer -fsanitize=thread

$(eval $(call core_flavour,tsan,clang,$(TSAN_FLAGS),$(LUA54_INC)))

$(HARDENING_BUILD)/tsan/lua_host: spec/hardening/lua_host.c
	@mkdir -p $(@D)
	clang $(TSAN_FLAGS) -I$(LUA54_INC) -o $@ $< -llua5.4

.PHONY: tsan
tsan: build $(BUILD)/tsan/onesignal/core.so $(HARDENING_BUILD)/tsan/lua_host $(HARDENING_PROGRAMS) ## two threads, a Lua state each, under ThreadSanitizer
	$(LUA_ENV) TSAN_OPTIONS=halt_on_error=1:exitcode=66 HARDENING_HOST=$(CURDIR)/$(HARDENING_BUILD)/tsan/lua_host 	  HARDENING_HOST_CPATH='$(CURDIR)/$(BUILD)/tsan/?.so;;' $(BUSTED) spec/hardening/threads_spec.lua

# ---- soak ----

SOAK_CALLS ?= 500000

.PHONY: soak
soak: build ## 500,000 calls through one client with faults: RSS growth < 2 MiB, no descriptor growth
	$(LUA_ENV) $(LUA) spec/hardening/soak.lua $(SOAK_CALLS)

# ---- CI ----

# test-core-luajit runs the core's fork specs (they fork through LuaJIT's FFI).
