--- `onesignal push|email|sms`: a create_notification body from a few flags.
--
-- `--json` gives a starting body; the flags add to it (targets are appended, texts set). The result is
-- sent with create_notification like any other body, so --dry-run shows it exactly.
-- @module onesignal.cli.shortcuts

local json = require("onesignal.json")
local quote = require("onesignal.quote")

local M = {}

M.CHANNELS = { push = true, email = true, sms = true }

-- Fields that name who receives a message; a send without any of them cannot reach anyone.
local TARGETS = {
  "include_aliases", "include_subscription_ids", "included_segments", "filters", "email_to",
  "include_player_ids", "include_external_user_ids", "include_email_tokens", "include_phone_numbers",
}

local function fail(message) error({ usage = message }, 0) end

-- Whether a decoded JSON value is an object: a table, but not an array (json_text marks an empty one).
local function is_object(value)
  return type(value) == "table" and getmetatable(value) ~= json.array_mt and value[1] == nil
end

-- body[field] as a list to append to (made when absent); `name` for messages (default: field).
local function list_field(body, field, name)
  local list = body[field]
  if list == nil then
    list = setmetatable({}, json.array_mt)
    body[field] = list
  elseif type(list) ~= "table" or (list[1] == nil and next(list) ~= nil) then
    fail("--json: field " .. (name or field) .. " must be a list")
  end
  return list
end

local function text_field(body, field, language, text)
  local map = body[field]
  if map == nil then
    map = {}
    body[field] = map
  elseif not is_object(map) then
    fail("--json: field " .. field .. " must be an object of texts by language")
  end
  map[language] = text
end

local function add_targets(body, flags)
  for _, target in ipairs(flags.to or {}) do
    local label, id = target:match("^([^:]+):(.+)$")
    if not label then fail("--to wants LABEL:ID, e.g. external_id:u-1 (got '" .. quote.word(target) .. "')") end
    local aliases = body.include_aliases
    if aliases == nil then
      aliases = {}
      body.include_aliases = aliases
    elseif not is_object(aliases) then
      fail("--json: field include_aliases must be an object")
    end
    table.insert(list_field(aliases, label, "include_aliases." .. quote.word(label)), id)
  end
  for _, id in ipairs(flags.subscription or {}) do table.insert(list_field(body, "include_subscription_ids"), id) end
  for _, name in ipairs(flags.segment or {}) do table.insert(list_field(body, "included_segments"), name) end
  for _, name in ipairs(flags["exclude-segment"] or {}) do
    table.insert(list_field(body, "excluded_segments"), name)
  end
end

local function has_target(body)
  for _, field in ipairs(TARGETS) do
    local value = body[field]
    if type(value) == "table" and next(value) ~= nil then return true end
  end
  return false
end

local function add_content(channel, body, flags, decode)
  local language = flags.language or "en"
  if channel == "push" then
    if flags.title then text_field(body, "headings", language, flags.title) end
    if flags.subtitle then text_field(body, "subtitle", language, flags.subtitle) end
    if flags.message then text_field(body, "contents", language, flags.message) end
    if flags.url then body.url = flags.url end
    if flags.data then
      local data, problem = decode(flags.data)
      if not is_object(data) then fail("--data must be a JSON object" .. (problem and (": " .. problem) or "")) end
      body.data = data
    end
  elseif channel == "email" then
    if flags.subject then body.email_subject = flags.subject end
    if flags.message then body.email_body = flags.message end
    if flags["from-name"] then body.email_from_name = flags["from-name"] end
    if flags["from-email"] then body.email_from_address = flags["from-email"] end
  else
    if flags.message then text_field(body, "contents", language, flags.message) end
    if flags.from then body.sms_from = flags.from end
    for _, url in ipairs(flags["media-url"] or {}) do table.insert(list_field(body, "sms_media_urls"), url) end
  end
end

-- What a channel needs besides a target, unless a template supplies the content.
local function check_content(channel, body)
  if body.template_id ~= nil then return end
  if channel == "email" then
    if body.email_subject == nil or body.email_body == nil then
      fail("email needs --subject and --message (or --template)")
    end
  elseif type(body.contents) ~= "table" or next(body.contents) == nil then
    fail(channel .. " needs --message (or --template)")
  end
end

--- The create_notification body for `channel` from the parsed flags; `base` is the decoded --json body or
-- nil; `decode` decodes JSON text (for --data).
function M.body(channel, flags, base, decode)
  local body = base or {}
  if not is_object(body) then fail("--json must be a JSON object") end
  body.target_channel = channel
  add_targets(body, flags)
  add_content(channel, body, flags, decode)
  if flags.template then body.template_id = flags.template end
  if flags["send-after"] then body.send_after = flags["send-after"] end
  if flags.name then body.name = flags.name end
  if flags["idempotency-key"] then body.idempotency_key = flags["idempotency-key"] end
  if not has_target(body) then
    fail(channel .. " needs a target: --to LABEL:ID, --subscription ID or --segment NAME (or one in --json)")
  end
  check_content(channel, body)
  return body
end

return M
