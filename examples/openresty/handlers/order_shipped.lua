-- luacheck: globals ngx
-- POST /orders/shipped?user=<external id>&order=<number>: tells the customer, then answers with what
-- OneSignal said. While this request waits, nginx goes on serving every other one.
local cjson = require("cjson")
local push = require("push")

-- Every answer is JSON, the refusal of a bad request included.
ngx.header.content_type = "application/json"

local args = ngx.req.get_uri_args()
local user, order = args.user, args.order
if type(user) ~= "string" or type(order) ~= "string" then
  ngx.status = ngx.HTTP_BAD_REQUEST
  return ngx.say(cjson.encode({ error = "user and order are required" }))
end

local body, res = push.client:create_notification{
  target_channel = "push",
  include_aliases = { external_id = { user } },
  headings = { en = "Your order has shipped" },
  contents = { en = "Order " .. order .. " is on its way." },
  data = { order = order },
}

if not body then
  -- tostring(err) is one line and never contains the key
  ngx.log(ngx.ERR, tostring(res))
  ngx.status = ngx.HTTP_BAD_GATEWAY
  return ngx.say(cjson.encode({ error = tostring(res) }))
end
if not push.is_message_sent(body) then
  -- 200 with an empty id: OneSignal reached nobody (the user has no subscription, say), and says why
  return ngx.say(cjson.encode({ delivered = false, reason = table.concat(push.messages(body), "; "),
    attempts = res.attempts }))
end
ngx.say(cjson.encode({ notification_id = body.id, delivered = true, attempts = res.attempts }))
