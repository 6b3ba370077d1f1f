# The C core, Lua module `onesignal.core` (src/), built for Lua 5.4, Lua 5.3 and LuaJIT 2.1.
# Included by the top Makefile, which defines LUA, BUSTED, BUILD, CC, OPTFLAGS, LUA54_INC, LUA53_INC, LUAJIT_INC,
# LUA_ENV.
# The module is not linked against liblua: the host process provides the Lua symbols.

# Every source of the module, in link order (the rockspec is written from this list).
CORE_SOURCES = src/core.c src/curl_info.c src/session_lua.c src/session_lua_submit.c src/session_lua_hooks.c \
               src/session_lua_results.c src/session_lua_close.c src/lua_fields.c src/lua_results.c src/session.c src/session_multi.c \
               src/session_attempt.c src/session_fork.c src/transfer.c src/classify.c src/config.c \
               src/policy.c src/retry_after.c src/escape.c src/headers.c src/redact.c src/uuid.c \
               src/random.c src/clock.c src/buf.c src/idmap.c src/timer_heap.c src/fdset.c src/fork_guard.c \
               src/poller_epoll.c src/poller_poll.c src/json_encode.c src/json_decode.c \
               src/utf8.c
CORE_HEADERS = $(wildcard src/*.h)

CORE_WARN    = -std=c99 -Wall -Wextra -Werror
CORE_CFLAGS  = $(CORE_WARN) -fPIC -pthread $(OPTFLAGS)
CORE_LDFLAGS = -shared -pthread
CORE_LIBS    = -lcurl -lm -ldl

# The spec run of a variant build: busted's --cpath wins over the one in .busted.
CORE_SPEC = $(LUA_ENV) $(BUSTED) spec/core

.PHONY: build test-core test-core-luajit test-core-noepoll sanitize-core valgrind-core

build: $(BUILD)/5.4/onesignal/core.so $(BUILD)/5.3/onesignal/core.so $(BUILD)/luajit/onesignal/core.so ## the C core for Lua 5.4, 5.3 and LuaJIT

# $(call core_flavour,NAME,COMPILER,FLAGS,INCLUDE): objects under $(BUILD)/NAME/obj, module in $(BUILD)/NAME.
define core_flavour
$(BUILD)/$(1)/obj/%.o: src/%.c $(CORE_HEADERS)
	@mkdir -p $$(@D)
	$(2) $(3) -I$(4) -c $$< -o $$@

$(BUILD)/$(1)/onesignal/core.so: $(CORE_SOURCES:src/%.c=$(BUILD)/$(1)/obj/%.o)
	@mkdir -p $$(@D)
	$(2) $(CORE_LDFLAGS) $(filter-out -O%,$(3)) -o $$@ $$^ $(CORE_LIBS)
endef

CORE_ASAN_FLAGS = $(CORE_WARN) -fPIC -pthread -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=undefined -shared-libasan

$(eval $(call core_flavour,5.4,$(CC),$(CORE_CFLAGS),$(LUA54_INC)))
$(eval $(call core_flavour,5.3,$(CC),$(CORE_CFLAGS),$(LUA53_INC)))
$(eval $(call core_flavour,luajit,$(CC),$(CORE_CFLAGS),$(LUAJIT_INC)))
$(eval $(call core_flavour,noepoll,$(CC),$(CORE_CFLAGS) -DONESIGNAL_NO_EPOLL,$(LUA54_INC)))
$(eval $(call core_flavour,asan,clang,$(CORE_ASAN_FLAGS),$(LUA54_INC)))

test-core: $(BUILD)/5.4/onesignal/core.so ## unit and engine specs of the C core (Lua 5.4)
	$(CORE_SPEC)

test-core-luajit: $(BUILD)/luajit/onesignal/core.so ## the core specs on LuaJIT
	$(LUA_ENV) $(LUAJIT) /usr/bin/busted spec/core --cpath='./$(BUILD)/luajit/?.so'

test-core-noepoll: $(BUILD)/noepoll/onesignal/core.so ## the core specs against the poll(2) build
	$(CORE_SPEC) --cpath='./$(BUILD)/noepoll/?.so'

# The host (lua5.4) is not instrumented, so the shared ASan runtime is preloaded into it. Leak checking
# is valgrind's job (valgrind-core): LeakSanitizer would also report the interpreter's own exit path.
sanitize-core: $(BUILD)/asan/onesignal/core.so ## the core specs under AddressSanitizer and UBSan
	LD_PRELOAD=$$(clang -print-file-name=libclang_rt.asan-x86_64.so) ASAN_OPTIONS=detect_leaks=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(CORE_SPEC) --cpath='./$(BUILD)/asan/?.so'

valgrind-core: $(BUILD)/5.4/onesignal/core.so ## the core specs under valgrind (memory errors and leaks)
	$(LUA_ENV) valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  --keep-debuginfo=yes --suppressions=spec/core/valgrind.supp --error-exitcode=99 $(BUSTED) spec/core
