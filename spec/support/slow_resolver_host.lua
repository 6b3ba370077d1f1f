-- Run by spec/integration/slow_resolver_spec.lua in lua_host (spec/hardening/lua_host.c) with two threads,
-- inside the namespace whose resolver never answers (see slow_resolver.lua): thread 1 starts a call whose
-- name lookup is still running when its Lua state is closed (the state closes once this returns: its
-- client is collected then, and the lookup thread is let go, CURLOPT_QUICK_EXIT); thread 2, which never
-- loads the module, keeps the process running past the moment getaddrinfo returns (3 s). The lookup
-- thread then goes on in libcurl's code, which must still be loaded although no Lua state uses it.
if host.thread == 2 then -- luacheck: ignore (global of lua_host)
  os.execute("sleep 4")
  return "waited"
end
local onesignal = require("onesignal")
local core = require("onesignal.core")
local client = onesignal.new({ base_url = "https://name-nobody-answers.example:8443/api/v1",
  rest_api_key = "slow-resolver-key", app_id = "00000000-0000-0000-0000-000000000000", max_retries = 0 })
client:cancel_notification_async(nil, "00000000-0000-0000-0000-000000000001", function() end)
client:poll(0)
core.sleep(0.2)
return "closing with the lookup running"
