--- The command line's words: flags (anywhere, before or after the operation) and positional arguments.
--
-- `--name value` and `--name=value` both work (`--name` never takes a word spelled as a flag, known or
-- not, for its value); `--` ends the flags, so a positional argument may start with a dash. Problems raise
-- `{ usage = message }`. No message ever repeats a flag's value: a mistyped flag may carry a key
-- (`--rest-api-kye=…`), and the name of one it does not know is quoted through onesignal.quote: on one
-- line, and by its length alone when long (`--rest-api-keyKEY`, the space left out, is all one name).
-- @module onesignal.cli.args

local quote = require("onesignal.quote")
local suggest = require("onesignal.cli.suggest")

local M = {}

-- Who may use a flag: "global" (every command), "call" (API operations and the shortcuts), "list"
-- (paged lists), "export" (export_subscriptions, export_events), or the shortcuts it belongs to.
-- `value`: the placeholder of its value in help (absent: a switch); `many`: may repeat (values in a list).
M.FLAGS = {
  ["rest-api-key"] = { value = "KEY", who = "global", help = "REST API key (default: $ONESIGNAL_REST_API_KEY)" },
  ["organization-api-key"] = { value = "KEY", who = "global",
    help = "Organization API key (default: $ONESIGNAL_ORGANIZATION_API_KEY)" },
  ["app-id"] = { value = "ID", who = "global", help = "default app id (default: $ONESIGNAL_APP_ID)" },
  ["api-url"] = { value = "URL", who = "global",
    help = "API base URL (default: $ONESIGNAL_API_URL or https://api.onesignal.com)" },
  ["allow-http"] = { who = "global", help = "allow a plain http:// --api-url to a host other than this machine" },
  ["ca-file"] = { value = "FILE", who = "global", help = "PEM file of the CAs to trust (default: the system's)" },
  ["dry-run"] = { who = "global", help = "print the request (key redacted) instead of sending it" },
  ["timeout"] = { value = "SECONDS", who = "global", help = "seconds per attempt (default 30)" },
  ["max-retries"] = { value = "N", who = "global", help = "retries after the first attempt (default 3)" },
  ["compact"] = { who = "global", help = "print JSON on one line" },
  ["verbose"] = { who = "global", help = "status, attempts, retries and progress on standard error" },
  ["help"] = { who = "global", help = "this help, or the operation's" },
  ["version"] = { who = "global", help = "the version of onesignal-lua" },

  ["json"] = { value = "BODY", who = "call", help = "request body: JSON text, @FILE, or - for standard input" },
  ["query"] = { value = "NAME=VALUE", who = "call", many = true,
    help = "an optional query parameter (repeat a list's name for each item)" },
  ["all"] = { who = "list", help = "every item of every page, as one JSON array" },
  ["download"] = { value = "FILE", who = "export",
    help = "wait for the CSV file and save it to FILE (a file's name, not -)" },
  ["export-timeout"] = { value = "SECONDS", who = "export",
    help = "longest wait for the file (default 600; 0: check once)" },
  ["poll-interval"] = { value = "SECONDS", who = "export", help = "first wait between checks (default 2)" },

  ["to"] = { value = "LABEL:ID", who = "push email sms", many = true,
    help = "a user by alias, e.g. external_id:u-1 (repeatable)" },
  ["subscription"] = { value = "ID", who = "push email sms", many = true, help = "a subscription id (repeatable)" },
  ["segment"] = { value = "NAME", who = "push email sms", many = true, help = "a segment (repeatable)" },
  ["exclude-segment"] = { value = "NAME", who = "push email sms", many = true,
    help = "a segment to leave out (repeatable)" },
  ["message"] = { value = "TEXT", who = "push email sms", help = "the text (email: the HTML body)" },
  ["title"] = { value = "TEXT", who = "push", help = "the heading" },
  ["subtitle"] = { value = "TEXT", who = "push", help = "the subtitle (iOS)" },
  ["url"] = { value = "URL", who = "push", help = "URL opened on click" },
  ["data"] = { value = "JSON", who = "push", help = "custom data: a JSON object" },
  ["language"] = { value = "CODE", who = "push sms", help = "language of the texts given by flags (default en)" },
  ["subject"] = { value = "TEXT", who = "email", help = "the subject" },
  ["from-name"] = { value = "NAME", who = "email", help = "sender name" },
  ["from-email"] = { value = "ADDRESS", who = "email", help = "sender address" },
  ["from"] = { value = "NUMBER", who = "sms", help = "sending phone number (E.164)" },
  ["media-url"] = { value = "URL", who = "sms", many = true, help = "MMS media URL (repeatable)" },
  ["template"] = { value = "ID", who = "push email sms", help = "a template id instead of the content flags" },
  ["send-after"] = { value = "TIME", who = "push email sms", help = "schedule, e.g. \"2030-01-01 10:00:00 GMT+0000\"" },
  ["name"] = { value = "NAME", who = "push email sms", help = "internal name of the message" },
  ["idempotency-key"] = { value = "UUID", who = "push email sms",
    help = "repeat a send safely with the same key (default: a new one)" },
}

--- One-letter spellings (`-h`), by letter.
M.SHORT = { h = "help" }
local SHORT = M.SHORT

local function fail(message) error({ usage = message }, 0) end

-- The dashes a word processor puts for "--" (or for "-" before "-"): an em dash and an en dash, in UTF-8.
local TYPOGRAPHIC_DASHES = { "\226\128\148", "\226\128\147" }

-- `word` spelled as a flag with a typographic dash in front (`—verbose`, `–timeout=5`, `—-verbose`): that
-- dash and the flag's name; nil otherwise.
local function typographic_flag(word)
  for _, dash in ipairs(TYPOGRAPHIC_DASHES) do
    if word:sub(1, #dash) == dash then
      local rest = word:sub(#dash + 1)
      local name = rest:match("^%-?(%a[%w_-]*)$") or rest:match("^%-?(%a[%w_-]*)=")
      if name then return word:sub(1, #dash + (rest:sub(1, 1) == "-" and 1 or 0)), name end
    end
  end
  return nil
end

local flag_names
-- "; did you mean --NAME?" for a flag name it does not know (a long one written with one dash too), or "".
local function hint(name)
  if not flag_names then
    flag_names = {}
    for known in pairs(M.FLAGS) do flag_names[#flag_names + 1] = known end
    table.sort(flag_names) -- the same guess on every run
  end
  return suggest.hint(name, flag_names, "--")
end

--- Splits `argv` into `{ words = { positional… }, flags = { name → value | true | { values… } } }`.
function M.parse(argv)
  local words, flags = {}, {}
  local i, only_words = 1, false
  while i <= #argv do
    local word = argv[i]
    local name, value
    if only_words or word == "-" or word:sub(1, 1) ~= "-" then
      words[#words + 1] = word
    elseif word == "--" then
      only_words = true
    else
      if word:sub(1, 2) == "--" then
        name, value = word:match("^%-%-([^=]*)=(.*)$")
        name = name or word:sub(3)
      else
        name = SHORT[word:sub(2)]
        if not name then
          fail("unknown flag -" .. quote.word(word:sub(2)) .. hint(word:sub(2)) .. " (see onesignal help)")
        end
      end
      local spec = M.FLAGS[name]
      if not spec then fail("unknown flag --" .. quote.word(name) .. hint(name) .. " (see onesignal help)") end
      if spec.value then
        if value == nil then
          i = i + 1
          value = argv[i]
          if value == nil then fail("flag --" .. name .. " needs a value (" .. spec.value .. ")") end
          -- A flag left without its value (`--app-id $EMPTY --rest-api-key KEY`) must not take the next
          -- flag as its value: that flag's value, a key, would then be a positional argument, printed by
          -- --dry-run and sent in a URL. A misspelled one (`--rest-api-kye KEY`, `--rest_api_key KEY` as the
          -- library spells its option) no less, so any word spelled as a flag counts.
          -- A known one written with one dash too (`-rest-api-key KEY`, as other tools spell flags); any
          -- other word after one dash may be a value (`--message -hello`).
          local next_flag = SHORT[value:match("^%-(%a)$") or ""] or value:match("^%-%-(%a[%w_-]*)$")
            or value:match("^%-%-(%a[%w_-]*)=")
          next_flag = next_flag and "--" .. next_flag
          local single = value:match("^%-(%a[%w-]*)$") or value:match("^%-(%a[%w-]*)=")
          if single and M.FLAGS[single] then next_flag = "-" .. single end
          if next_flag then
            fail("flag --" .. name .. " needs a value (" .. spec.value .. "), not the flag " .. quote.word(next_flag)
              .. " (write --" .. name .. "=VALUE for a value that starts with a dash)")
          end
          -- Nor one whose "--" a word processor made a typographic dash (`--timeout —verbose`, pasted
          -- from a document): said as such, as nothing else would show why the value is wrong.
          local dash, typed = typographic_flag(value)
          if dash then
            fail("flag --" .. name .. " needs a value (" .. spec.value .. "), not " .. quote.word(dash .. typed)
              .. ", which looks like the flag " .. quote.word("--" .. typed) .. " written with a typographic dash"
              .. " (— or – where -- belongs, as word processors replace it; write --" .. name .. "=VALUE for a"
              .. " value that starts with one)")
          end
        end
        -- Most often an unset variable (`--app-id "$STAGING"`). Taken as not given, the environment's app
        -- id or key would be used instead; sent, "" would go as a segment, a language or a template id.
        if value == "" then fail("flag --" .. name .. " is empty (an unset variable?)") end
        if spec.many then
          flags[name] = flags[name] or {}
          table.insert(flags[name], value)
        elseif flags[name] ~= nil then
          fail("flag --" .. name .. " is given twice")
        else
          flags[name] = value
        end
      else
        if value ~= nil then fail("flag --" .. name .. " takes no value") end
        flags[name] = true
      end
    end
    i = i + 1
  end
  return { words = words, flags = flags }
end

--- Raises a usage error for any flag that `command` does not take. `kinds` is a set of the groups the
-- command belongs to ("call", "list", "export", or a shortcut name).
function M.check_allowed(flags, command, kinds)
  local names = {}
  for name in pairs(flags) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local ok = false
    for who in M.FLAGS[name].who:gmatch("%S+") do
      if who == "global" or kinds[who] then ok = true end
    end
    if not ok then fail("flag --" .. name .. " does not apply to " .. command) end
  end
end

return M
