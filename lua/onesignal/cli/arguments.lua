--- Turns the command line's words into an operation's arguments, in the library's calling convention
-- (positional parameters in order, the body at its place, optional query parameters in one table).
-- @module onesignal.cli.arguments

local typed = require("onesignal.cli.typed")
local quote = require("onesignal.quote")
local suggest = require("onesignal.cli.suggest")

local M = {}

local function fail(message) error({ usage = message }, 0) end

--- How the command line names a positional parameter in help and messages: APP_ID for app_id.
function M.placeholder(param) return (param.name:upper():gsub("[^%w]", "_")) end

--- A mistake as the library words it for a program ("onesignal.get_segments: argument 'limit' must be
-- …") in the words of the command line that made it ("--query limit must be …", "ALIAS_ID must not be
-- empty", "the body: field contents.en …"): whoever typed the command wrote no argument list, and the
-- operation's name was already theirs.
function M.in_cli_words(op, message)
  local rest = message:match("^onesignal%.[%w_]+: (.*)$")
  if not rest then return message end
  local name, tail = rest:match("^argument '([%w_]+)'(.*)$")
  if not name then return rest end
  tail = tail:gsub("^ %(#%d+%)", "", 1)
  if op.option_set[name] then return "--query " .. name .. tail end
  for _, param in ipairs(op.positional) do
    if param.name == name then
      return (param.where == "body" and "the body" or M.placeholder(param)) .. tail
    end
  end
  return rest
end

-- The operation's text parameters (path and required query ones), in calling order.
local function text_params(op)
  local list = {}
  for _, param in ipairs(op.positional) do
    if param.where ~= "body" then list[#list + 1] = param end
  end
  return list
end

local function query_options(op, queries)
  if not queries then return nil end
  if not op.options[1] then fail(op.name .. " has no query options") end
  local options = {}
  for _, item in ipairs(queries) do
    local name, text = item:match("^([^=]+)=(.*)$")
    if not name then fail("--query wants NAME=VALUE, got '" .. quote.word(item) .. "'") end
    if not op.option_set[name] then
      local known = {}
      for _, param in ipairs(op.options) do known[#known + 1] = param.name end
      fail("unknown query option '" .. quote.word(name) .. "' for " .. op.name .. suggest.hint(name, known)
        .. " (known: " .. table.concat(known, ", ") .. ")")
    end
    local value = typed.query_value(name, text)
    local previous = options[name]
    if previous == nil then
      options[name] = value
    elseif not op.option_set[name].list then
      fail("--query " .. name .. " takes one value; it was given twice")
    elseif type(previous) == "table" then
      previous[#previous + 1] = value
    else
      options[name] = { previous, value }
    end
  end
  return options
end

--- Raises a usage error unless `words` are as many as the operation's text parameters, or one fewer with
-- APP_ID left out and `default_app_id` given; returns whether it is left out.
function M.check_words(op, words, default_app_id)
  local params = text_params(op)
  local skip_app_id = false
  if #words ~= #params then
    local has_app_id = false
    for _, param in ipairs(params) do has_app_id = has_app_id or param.name == "app_id" end
    local names = {}
    for _, param in ipairs(params) do names[#names + 1] = M.placeholder(param) end
    local wanted = #params == 0 and "no arguments" or (#params .. " argument" .. (#params == 1 and "" or "s")
      .. " (" .. table.concat(names, " ") .. ")")
    if #words == #params - 1 and has_app_id and default_app_id then
      skip_app_id = true
    elseif #words == #params - 1 and has_app_id then
      fail(op.name .. " takes " .. wanted .. ", got " .. #words .. "; APP_ID may be left out only when --app-id"
        .. " or ONESIGNAL_APP_ID gives one")
    else
      fail(op.name .. " takes " .. wanted .. ", got " .. #words)
    end
  end
  return skip_app_id
end

--- `args, n` for request.build. `words`: the positional words after the operation, checked by check_words,
-- whose answer is `skip_app_id`; `body`: the decoded --json value or nil (the caller refused --json for an
-- operation without a body before reading it); `queries`: the --query items or nil.
function M.build(op, words, skip_app_id, body, queries)
  if body == nil and op.body and not op.body.optional then
    fail(op.name .. " needs a body: --json BODY (" .. op.body.name .. ")")
  end
  if body ~= nil and type(body) ~= "table" then fail("--json must be a JSON object or array") end

  local args, next_word = {}, 1
  for i, param in ipairs(op.positional) do
    if param.where == "body" then
      args[i] = body
    elseif param.name == "app_id" and skip_app_id then
      args[i] = nil
    else
      args[i] = words[next_word]
      next_word = next_word + 1
    end
  end
  local n = #op.positional
  local options = query_options(op, queries)
  if options then
    n = n + 1
    args[n] = options
  end
  return args, n
end

return M
