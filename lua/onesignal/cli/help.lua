--- Help texts of the command line, generated from the operations table and the flag table, so they
-- cannot drift from what the tool accepts.
-- @module onesignal.cli.help

local operations = require("onesignal.operations")
local args = require("onesignal.cli.args")
local arguments = require("onesignal.cli.arguments")
local exit = require("onesignal.cli.exit")
local pages = require("onesignal.pages")
local shortcuts = require("onesignal.cli.shortcuts")
local typed = require("onesignal.cli.typed")

local M = {}

local EXPORTS = { export_subscriptions = true, export_events = true }

local CREDENTIAL = {
  rest = "REST API key ($ONESIGNAL_REST_API_KEY or --rest-api-key)",
  organization = "Organization API key ($ONESIGNAL_ORGANIZATION_API_KEY or --organization-api-key)",
}

--- The groups of flags an operation (or shortcut) takes, as args.check_allowed wants them.
function M.kinds(command)
  if shortcuts.CHANNELS[command] then return { call = true, [command] = true } end
  return { call = true, list = pages.LISTS[command] ~= nil, export = EXPORTS[command] == true }
end

local function flag_lines(out, who)
  local names = {}
  for name, spec in pairs(args.FLAGS) do
    for w in spec.who:gmatch("%S+") do
      if w == who then names[#names + 1] = name end
    end
  end
  table.sort(names)
  local letter_of = {}
  for letter, name in pairs(args.SHORT) do letter_of[name] = "-" .. letter .. ", " end
  for _, name in ipairs(names) do
    local spec = args.FLAGS[name]
    local left = (letter_of[name] or "") .. "--" .. name .. (spec.value and (" " .. spec.value) or "")
    out[#out + 1] = string.format("  %-28s %s", left, spec.help)
  end
end

local function columns(names, width, per_line)
  local lines, line = {}, {}
  for i, name in ipairs(names) do
    line[#line + 1] = string.format("%-" .. width .. "s", name)
    if #line == per_line or i == #names then
      lines[#lines + 1] = "  " .. table.concat(line, " "):gsub("%s+$", "")
      line = {}
    end
  end
  return table.concat(lines, "\n")
end

local function exit_code_lines(out)
  for _, row in ipairs(exit.TABLE) do
    out[#out + 1] = string.format("  %d  %s", row[1], row[2])
  end
end

--- The general help.
function M.general()
  local names = {}
  for _, op in ipairs(operations.list) do names[#names + 1] = op.name end
  table.sort(names)
  local out = {
    "Usage: onesignal OPERATION [ARGUMENT...] [--json BODY] [--query NAME=VALUE...] [FLAGS]",
    "       onesignal push|email|sms --to LABEL:ID|--segment NAME --message TEXT [FLAGS]",
    "       onesignal help [OPERATION|push|email|sms]",
    "",
    "Calls one operation of OneSignal's REST API and prints the answer as JSON. Arguments are the",
    "operation's path and required query parameters, in order (see onesignal help OPERATION); an APP_ID",
    "may be left out when --app-id or $ONESIGNAL_APP_ID gives one. Flags may stand anywhere; -- ends them,",
    "for an argument that starts with a dash.",
    "",
    "Flags for every command:",
  }
  flag_lines(out, "global")
  out[#out + 1] = ""
  out[#out + 1] = "Flags of operations:"
  flag_lines(out, "call")
  out[#out + 1] = "  --all, --download FILE: see onesignal help of a paged list or an export"
  out[#out + 1] = ""
  out[#out + 1] = "Operations:"
  out[#out + 1] = columns(names, 32, 3)
  out[#out + 1] = ""
  out[#out + 1] = "Exit codes:"
  exit_code_lines(out)
  return table.concat(out, "\n") .. "\n"
end

local function shortcut_help(channel)
  local out = {
    "Usage: onesignal " .. channel .. " [FLAGS]",
    "",
    "Sends " .. (channel == "push" and "a push notification" or channel == "email" and "an email" or "an SMS")
      .. " with create_notification (target_channel \"" .. channel .. "\"). --json gives a",
    "starting body; the flags below add to it. Needs a target, and content or --template.",
    "",
    "Example:",
    "  onesignal " .. channel .. " --to external_id:u-1 "
      .. (channel == "email" and "--subject 'Your order' --message '<p>Shipped</p>'"
        or channel == "push" and "--title 'Your order' --message 'Shipped'" or "--message 'Your order shipped'"),
    "",
    "Flags:",
  }
  flag_lines(out, channel)
  out[#out + 1] = "  --json BODY                  a create_notification body to start from (JSON, @FILE or -)"
  out[#out + 1] = ""
  out[#out + 1] = "Exit code 3 also when the API answers that nothing was sent (no subscribed recipient)."
  out[#out + 1] = "Global flags and exit codes: onesignal help"
  return table.concat(out, "\n") .. "\n"
end

local function argument_lines(op)
  local lines, words = {}, {}
  for _, param in ipairs(op.positional) do
    if param.where ~= "body" then
      local name = arguments.placeholder(param)
      if param.name == "app_id" then
        words[#words + 1] = "[" .. name .. "]"
        lines[#lines + 1] = string.format("  %-24s %s parameter; may be left out when --app-id or $ONESIGNAL_APP_ID"
          .. " is set", name, param.where)
      else
        words[#words + 1] = name
        lines[#lines + 1] = string.format("  %-24s %s parameter", name, param.where)
      end
    end
  end
  return words, lines
end

local function library_call(op)
  local names = {}
  for _, param in ipairs(op.positional) do names[#names + 1] = param.name end
  if op.options[1] then names[#names + 1] = "{ options }" end
  return "client:" .. op.name .. "(" .. table.concat(names, ", ") .. ")"
end

--- The help of one operation, or nil when `name` is neither an operation nor a shortcut.
function M.operation(name)
  if shortcuts.CHANNELS[name] then return shortcut_help(name) end
  local op = operations.by_name[name]
  if not op then return nil end
  local words, lines = argument_lines(op)
  local usage = "Usage: onesignal " .. op.name
  if words[1] then usage = usage .. " " .. table.concat(words, " ") end
  if op.body then usage = usage .. (op.body.optional and " [--json BODY]" or " --json BODY") end
  if op.options[1] then usage = usage .. " [--query NAME=VALUE...]" end
  local out = {
    usage .. " [FLAGS]",
    "",
    "  " .. op.method .. " " .. op.path,
    "  Credential: " .. CREDENTIAL[op.credential],
  }
  if lines[1] then
    out[#out + 1] = ""
    out[#out + 1] = "Arguments (text, sent as given):"
    for _, line in ipairs(lines) do out[#out + 1] = line end
  end
  if op.body then
    out[#out + 1] = ""
    out[#out + 1] = "Body (--json JSON text, @FILE or - for standard input): " .. op.body.name
      .. (op.body.optional and " (optional)" or " (required)")
    if op.body_app_id then out[#out + 1] = "  its app_id defaults to --app-id / $ONESIGNAL_APP_ID" end
    if op.idempotency_key then out[#out + 1] = "  an idempotency_key is added when it has none" end
  end
  if op.options[1] then
    out[#out + 1] = ""
    out[#out + 1] = "Query options (--query NAME=VALUE; repeat a list's name for each item):"
    for _, param in ipairs(op.options) do
      local kind = param.list and "list" or typed.QUERY[param.name]
      if param.values_text then kind = (kind and kind .. ": " or "") .. "one of " .. param.values_text
      elseif param.max then kind = kind .. ": " .. param.min .. " to " .. param.max
      elseif param.min then kind = kind .. ": at least " .. param.min
      elseif param.max_items then kind = kind .. ": at most " .. param.max_items end
      out[#out + 1] = "  " .. param.name .. (kind and (" (" .. kind .. ")") or "")
    end
  end
  local kinds = M.kinds(op.name)
  if kinds.list or kinds.export then
    out[#out + 1] = ""
    out[#out + 1] = "Flags of this operation:"
    flag_lines(out, kinds.list and "list" or "export")
  end
  out[#out + 1] = ""
  out[#out + 1] = "Library: " .. library_call(op)
  out[#out + 1] = "Global flags and exit codes: onesignal help"
  return table.concat(out, "\n") .. "\n"
end

return M
