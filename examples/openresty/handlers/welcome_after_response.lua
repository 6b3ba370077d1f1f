-- log_by_lua of GET /welcome?user=<external id>: the answer is out already; the welcome push goes from
-- a timer, because nginx allows no network I/O (cosockets) in the log phase. A call made right here
-- would raise an error that says so.
local push = require("push")

local user = ngx.var.arg_user
if not user or user == "" then return end

local function send_welcome(premature, external_id)
  if premature then return end -- nginx is shutting down
  local body, err = push.client:create_notification{
    target_channel = "push",
    include_aliases = { external_id = { external_id } },
    contents = { en = "Welcome aboard!" },
  }
  if not body then
    ngx.log(ngx.ERR, "welcome push for ", external_id, " failed: ", tostring(err))
  elseif push.is_message_sent(body) then
    ngx.log(ngx.NOTICE, "welcome push for ", external_id, ": ", body.id)
  else
    -- 200 with an empty id: nobody was reached, and OneSignal says why
    ngx.log(ngx.WARN, "welcome push for ", external_id, " reached nobody: ",
      table.concat(push.messages(body), "; "))
  end
end

-- The timer may not start (too many pending: lua_max_pending_timers); then nothing is sent, so say so.
local ok, err = ngx.timer.at(0, send_welcome, ngx.unescape_uri(user))
if not ok then ngx.log(ngx.ERR, "cannot start the welcome timer: ", err) end
