# `make test`: what CI runs (.ci/run) and what the README promises — install what is missing, build,
# run every test. Each part is also a target of its own.

CONTRACT_DIR = tools/contract

.PHONY: test check lint specs test-lua53 contract-deps test-luarocks

test: deps ## install missing packages, build, run every test
	$(MAKE) check

# Everything but the package installation, for machines that have it all; in this order (the lists of
# the other mk files' targets live here so that what needs Prism comes after contract-deps).
check: build contract-deps lint specs test-lua53 test-luajit test-core-noepoll test-core-luajit test-luarocks examples docs sanitize valgrind tsan fuzz soak ## everything make test runs, without installing packages

lint: ## luacheck over the Lua code and specs
	luacheck -q .

specs: build contract-deps ## all busted specs under Lua 5.4 (C core, test server, Lua layer, integration, contract)
	$(LUA_ENV) $(BUSTED)

# Lua 5.3 gets the same library from its own build of the core. The specs that need no other runtime run
# under it; the server's, the hardening and the OpenResty ones test what does not depend on the Lua.
test-lua53: $(BUILD)/5.3/onesignal/core.so contract-deps ## the core, unit, integration and CLI specs under Lua 5.3
	LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' LUA_CPATH='./$(BUILD)/5.3/?.so;;' \
	  $(LUA53) /usr/bin/busted --cpath='./$(BUILD)/5.3/?.so' spec/core spec/unit spec/integration spec/cli

contract-deps: $(CONTRACT_DIR)/node_modules/.bin/prism ## Prism for the contract spec (npm, pinned)
$(CONTRACT_DIR)/node_modules/.bin/prism: $(CONTRACT_DIR)/package.json $(CONTRACT_DIR)/package-lock.json
	cd $(CONTRACT_DIR) && npm ci --no-audit --no-fund
	@touch $@

# The rockspec builds and installs for Lua 5.4, Lua 5.3 and LuaJIT, and what it installs loads and runs (the
# `onesignal` command too). LuaRocks builds in the source tree, so it works on a copy of the files the
# rockspec names, leaving no objects behind here. For 5.1 LuaRocks picks `lua5.1` to run the command
# (which cannot load the core), so the LuaJIT install is told its interpreter as README's Install says,
# in a private configuration.
test-luarocks: ## `luarocks make` into a temporary tree, for Lua 5.4, 5.3 and LuaJIT
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -r lua src bin onesignal-*.rockspec "$$tmp/" && cd "$$tmp" && \
	luarocks --lua-version=5.4 --tree="$$tmp/tree" make --deps-mode=none onesignal-*.rockspec >/dev/null && \
	LUA_PATH="$$tmp/tree/share/lua/5.4/?.lua;;" LUA_CPATH="$$tmp/tree/lib/lua/5.4/?.so;;" \
	  $(LUA) -e 'local o = require("onesignal"); assert(#o.operations == 56); print("luarocks (Lua 5.4): onesignal " .. o._VERSION)' && \
	LUA_PATH="$$tmp/tree/share/lua/5.4/?.lua;;" LUA_CPATH="$$tmp/tree/lib/lua/5.4/?.so;;" \
	  "$$tmp/tree/bin/onesignal" --version && \
	rm -f src/*.o onesignal/core.so && \
	luarocks --lua-version=5.3 --tree="$$tmp/tree53" make --deps-mode=none onesignal-*.rockspec >/dev/null && \
	LUA_PATH="$$tmp/tree53/share/lua/5.3/?.lua;;" LUA_CPATH="$$tmp/tree53/lib/lua/5.3/?.so;;" \
	  $(LUA53) -e 'local o = require("onesignal"); assert(#o.operations == 56); print("luarocks (Lua 5.3): onesignal " .. o._VERSION)' && \
	LUA_PATH="$$tmp/tree53/share/lua/5.3/?.lua;;" LUA_CPATH="$$tmp/tree53/lib/lua/5.3/?.so;;" \
	  "$$tmp/tree53/bin/onesignal" --version | grep "Lua 5.3" && \
	rm -f src/*.o onesignal/core.so && \
	touch "$$tmp/config-5.1.lua" && export LUAROCKS_CONFIG="$$tmp/config-5.1.lua" && \
	luarocks --lua-version=5.1 config lua_interpreter luajit >/dev/null && \
	luarocks --lua-version=5.1 --tree="$$tmp/tree51" make --deps-mode=none onesignal-*.rockspec LUA_INCDIR=$(LUAJIT_INC) >/dev/null && \
	LUA_PATH="$$tmp/tree51/share/lua/5.1/?.lua;;" LUA_CPATH="$$tmp/tree51/lib/lua/5.1/?.so;;" \
	  $(LUAJIT) -e 'local o = require("onesignal"); assert(#o.operations == 56); print("luarocks (LuaJIT): onesignal " .. o._VERSION)' && \
	LUA_PATH="$$tmp/tree51/share/lua/5.1/?.lua;;" LUA_CPATH="$$tmp/tree51/lib/lua/5.1/?.so;;" \
	  "$$tmp/tree51/bin/onesignal" --version | grep LuaJIT
