# `make examples`: every examples/*.lua (but demo.lua) under Lua 5.4, Lua 5.3 and LuaJIT, and every
# examples/*/run.lua, against a local test server (mk/run_examples.lua); fails if one fails.

EXAMPLES_LUAS ?= $(LUA) $(LUA53) luajit

.PHONY: examples
examples: build ## run every example against a local test server (Lua 5.4, 5.3 and LuaJIT); fails if one fails
	$(LUA_ENV) $(LUA) mk/run_examples.lua $(EXAMPLES_LUAS)

# What CI runs (`make check`, see mk/test.mk) includes the examples.
