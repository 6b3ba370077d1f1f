.PHONY: demo
demo: deps build ## create a user, notify them, read them back (local test server, or live with keys set)
	$(LUA_ENV) $(LUA) examples/demo.lua
