-- luacheck: globals ngx
-- POST /orders/shipped?user=<external id>&order=<number>: tells the customer, then answers with what
-- OneSignal said. While this request waits, nginx goes on serving every other one.
local cjson = require("cjson")
local push = require("push")

local args = ngx.req.get_uri_args()
local user, order = args.user, args.order
if type(user) ~= "string" or type(order) ~= "string" then
  ngx.status = ngx.HTTP_BAD_REQUEST
  return ngx.say('{"error":"user and order are required"}')
end

local body, res = push.client:create_notification{
  target_channel = "push",
  include_aliases = { external_id = { user } },
  headings = { en = "Your order has shipped" },
  contents = { en = "Order " .. order .. " is on its way." },
  data = { order = order },
}

ngx.header.content_type = "application/json"
if not body then
  -- tostring(err) is one line and never contains the key
  ngx.log(ngx.ERR, tostring(res))
  ngx.status = ngx.HTTP_BAD_GATEWAY
  return ngx.say(cjson.encode({ error = tostring(res) }))
end
ngx.say(cjson.encode({
  notification_id = body.id,
  delivered = push.is_message_sent(body),
  attempts = res.attempts,
}))
