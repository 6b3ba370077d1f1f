# OpenResty / nginx: the cosocket transport (lua/onesignal/transport/ngx*.lua) tested inside real nginx
# (Debian's libnginx-mod-http-lua + lua-resty-core, LuaJIT) against the local test server, and the Lua
# layer's unit specs under LuaJIT. Both also run in `make specs` (spec/openresty/).

.PHONY: test-openresty test-luajit

test-openresty: $(BUILD)/luajit/onesignal/core.so ## the OpenResty specs: the SDK in an nginx app, on cosockets
	$(LUA_ENV) $(BUSTED) spec/openresty

# busted itself runs under luajit here, with the libcurl transport (OpenResty's cosockets are
# test-openresty's); the one unit check of Lua 5.4's integer subtype is left out.
test-luajit: $(BUILD)/luajit/onesignal/core.so contract-deps ## the unit, integration and CLI specs under LuaJIT
	LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' LUA_CPATH='./$(BUILD)/luajit/?.so;;' $(LUAJIT) \
	  /usr/bin/busted --cpath='./$(BUILD)/luajit/?.so' --filter-out='beyond 14 digits' spec/unit spec/integration spec/cli
