# The local test server (spec/server/, spec/support/server.lua): nginx + Lua, routes from
# ../shared/api/operations.tsv. See spec/server/README.md for its control API.

.PHONY: test-server server-run

test-server: ## specs of the local test server itself (needs nginx-core, libnginx-mod-http-lua, curl, openssl)
	$(LUA_ENV) $(BUSTED) spec/server_spec.lua

# make server-run [TLS=1] [H2=1] [BENCH=1] [DELAY=0.05] [WORKERS=n]
server-run: ## start a test server by hand and keep it until Enter (prints its URL and keys)
	@TLS='$(TLS)' H2='$(H2)' BENCH='$(BENCH)' DELAY='$(DELAY)' WORKERS='$(WORKERS)' \
	  $(LUA_ENV) $(LUA) spec/server/harness/run.lua
