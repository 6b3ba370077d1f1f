.PHONY: demo
demo: deps build ## create a user, notify them, read them back, delete them (local test server, or live with keys set)
	$(LUA_ENV) $(LUA) examples/demo.lua
