# Benchmarks (bench/, see bench/README.md): the Lua SDK against a plain libcurl C program and the official
# Node SDK, all against the local test server in bench mode. Not part of `make test`.
#
#   make bench                 the full run: every figure, medians of BENCH_REPS runs, targets checked
#   make bench-smoke           tiny counts, one run: every peer and scenario works (no figures)
#   make bench-breakdown       CPU per stage of a call (build, encode, finish) beside bare lua-cjson
#   make bench BENCH_ARGS='--only concurrent-256,concurrent-1024 --reps 3'   see `lua5.4 bench/run.lua --help`

BENCH_BUILD = $(BUILD)/bench
BENCH_CFLAGS = -std=c99 -Wall -Wextra -Werror -O2 -g
BENCH_PEERS = $(BENCH_BUILD)/easy_loop $(BENCH_BUILD)/multi_loop
BENCH_PROBES = $(BENCH_BUILD)/5.4/benchprobe.so $(BENCH_BUILD)/luajit/benchprobe.so
BENCH_NODE_SDK = bench/node/node_modules/@onesignal/node-onesignal/package.json
BENCH_ARGS ?=

.PHONY: bench bench-smoke bench-build bench-breakdown

bench-build: build $(BENCH_PEERS) $(BENCH_PROBES) $(BENCH_NODE_SDK) ## the benchmark peers and probes, without running them

bench: bench-build ## benchmarks: Lua SDK vs plain libcurl vs the Node SDK (bench/README.md)
	$(LUA) bench/run.lua $(BENCH_ARGS)

bench-smoke: bench-build ## every benchmark peer and scenario once with tiny counts (checks, no figures)
	$(LUA) bench/run.lua --smoke $(BENCH_ARGS)

bench-breakdown: build $(BENCH_PROBES) ## CPU per stage of a create_notification call, Lua 5.4 and LuaJIT
	LUA_PATH='./lua/?.lua;./lua/?/init.lua;./bench/?.lua;;' \
	  LUA_CPATH='./$(BUILD)/5.4/?.so;./$(BENCH_BUILD)/5.4/?.so;;' $(LUA) bench/sdk/breakdown.lua
	LUA_PATH='./lua/?.lua;./lua/?/init.lua;./bench/?.lua;;' \
	  LUA_CPATH='./$(BUILD)/luajit/?.so;./$(BENCH_BUILD)/luajit/?.so;;' $(LUAJIT) bench/sdk/breakdown.lua

$(BENCH_BUILD)/%: bench/c/%.c bench/c/peer.c bench/c/peer.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< bench/c/peer.c -lcurl

$(BENCH_BUILD)/5.4/benchprobe.so: bench/c/probe.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -fPIC -shared -I$(LUA54_INC) -o $@ $<

$(BENCH_BUILD)/luajit/benchprobe.so: bench/c/probe.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -fPIC -shared -I$(LUAJIT_INC) -o $@ $<

$(BENCH_NODE_SDK): bench/node/package.json bench/node/package-lock.json
	cd bench/node && npm ci --no-audit --no-fund
	@touch $@
