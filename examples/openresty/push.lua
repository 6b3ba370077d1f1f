-- The worker's OneSignal client, made once when nginx starts (init_by_lua). Keys, app id and base URL
-- come from the environment (the `env` lines of nginx.conf). Inside nginx the client picks the cosocket
-- transport by itself.
local onesignal = require("onesignal")

return {
  client = onesignal.new{},
  -- A create_notification answer: whether anyone was reached, and if not, why (a list of strings).
  is_message_sent = onesignal.is_message_sent,
  messages = onesignal.errors.messages,
}
