-- The worker's OneSignal client, made once when nginx starts (init_by_lua). Keys, app id and base URL
-- come from the environment (the `env` lines of nginx.conf). Inside nginx the client picks the cosocket
-- transport by itself.
local onesignal = require("onesignal")

return {
  client = onesignal.new{},
  is_message_sent = onesignal.is_message_sent,
}
