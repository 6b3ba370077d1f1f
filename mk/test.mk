# `make test`: what CI runs (.ci/run) and what the README promises — install what is missing, build,
# run every test. Each part is also a target of its own.

CONTRACT_DIR = tools/contract

.PHONY: test check lint specs contract-deps test-luarocks

test: deps ## install missing packages, build, run every test
	$(MAKE) check

# Everything but the package installation, for machines that have it all; in this order (the lists of
# the other mk files' targets live here so that what needs Prism comes after contract-deps).
check: build contract-deps lint specs test-core-noepoll test-core-luajit test-luarocks examples docs \
  sanitize valgrind tsan fuzz soak

lint: ## luacheck over the Lua code and specs
	luacheck -q .

specs: build contract-deps ## all busted specs under Lua 5.4 (C core, test server, Lua layer, integration, contract)
	$(LUA_ENV) $(BUSTED)

contract-deps: $(CONTRACT_DIR)/node_modules/.bin/prism ## Prism for the contract spec (npm, pinned)
$(CONTRACT_DIR)/node_modules/.bin/prism: $(CONTRACT_DIR)/package.json $(CONTRACT_DIR)/package-lock.json
	cd $(CONTRACT_DIR) && npm ci --no-audit --no-fund
	@touch $@

# The rockspec builds and installs for Lua 5.4 and LuaJIT, and what it installs loads.
test-luarocks: ## `luarocks make` into a temporary tree, for Lua 5.4 and LuaJIT
	@tree=$$(mktemp -d) && trap 'rm -rf "$$tree"' EXIT && \
	luarocks --lua-version=5.4 --tree="$$tree" make --deps-mode=none onesignal-*.rockspec >/dev/null && \
	LUA_PATH="$$tree/share/lua/5.4/?.lua;;" LUA_CPATH="$$tree/lib/lua/5.4/?.so;;" \
	  $(LUA) -e 'local o = require("onesignal"); assert(#o.operations == 56); print("luarocks (Lua 5.4): onesignal " .. o._VERSION)' && \
	luarocks --lua-version=5.1 --tree="$$tree" make --deps-mode=none onesignal-*.rockspec LUA_INCDIR=$(LUAJIT_INC) >/dev/null && \
	LUA_PATH="$$tree/share/lua/5.1/?.lua;;" LUA_CPATH="$$tree/lib/lua/5.1/?.so;;" \
	  $(LUAJIT) -e 'local o = require("onesignal"); assert(#o.operations == 56); print("luarocks (LuaJIT): onesignal " .. o._VERSION)'
