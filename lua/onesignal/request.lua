--- Turns an operation and the caller's arguments into a request (`req`, see docs/design.md).
--
-- Pure: no I/O. Every transport, dry-run and the CLI go through `build`, so a request is checked and
-- encoded the same way wherever it is sent. Bad arguments raise `{ usage = message }` before anything is
-- sent; the client turns that into an ordinary Lua error at the caller's line.
-- @module onesignal.request

local core = require("onesignal.core")
local json = require("onesignal.json")
local operations = require("onesignal.operations")
local quote = require("onesignal.quote")
local order = require("onesignal.order")
local VERSION = require("onesignal.version")

local M = {}

local escape = core.escape
local math_type = math.type -- nil on LuaJIT, whose numbers are all floats
local utf8_error = core.utf8_error

--- Header lines every request carries, whatever the transport (Authorization is added by the transport).
M.HEADERS = {
  "Accept: application/json",
  "OS-Usage-Data: kind=sdk, sdk-name=onesignal-lua, version=" .. VERSION,
}
--- Header lines added when a request has a body.
M.BODY_HEADERS = { "Content-Type: application/json" }

--- The User-Agent: the caller's product first when given, then this library and what it runs on.
function M.user_agent(custom, engine)
  local own = "onesignal-lua/" .. VERSION .. " (" .. (jit and jit.version or _VERSION) .. "; " .. engine .. ")"
  return custom and (custom .. " " .. own) or own
end

-- `quoted`: the message quotes the caller's own names, where a key given by mistake would show (see
-- usage.rethrow).
local function usage(op, message, quoted)
  error({ usage = "onesignal." .. op.name .. ": " .. message, quoted = quoted }, 0)
end

-- The type of a wrong value, for a message: onesignal.null by its name (a decoded answer's null, such as a
-- last page's cursor, is one), as "userdata" says nothing a caller could recognise.
local function type_name(value)
  if value == json.null then return "onesignal.null" end
  return type(value)
end

local function argument(param, index)
  return "argument '" .. param.name .. "'" .. (index and (" (#" .. index .. ")") or "")
end

-- Per operation, computed once: how errors in its body are introduced, and whether its path has no
-- parameters (then the template is the path).
local BODY_LABEL, STATIC_PATH = {}, {}
for _, op in ipairs(operations.list) do
  if op.body then BODY_LABEL[op] = "onesignal." .. op.name .. ": " .. argument(op.body) end
  STATIC_PATH[op] = not op.path:find("{", 1, true)
end

local array_mt = json.array_mt

-- How a message names the value: the argument, or (`item`) one item of a query option's list.
local function value_name(param, index, item)
  return argument(param, index) .. (item and (": item " .. item) or "")
end

-- Text of a path or query value: strings as they are, integral numbers without a fraction. `item`: the
-- value's place in a query option's list, for messages ("argument 'app_ids': item 2 must not be empty").
local function scalar_text(op, param, index, value, item)
  local t = type(value)
  if t == "string" then
    if value == "" then usage(op, value_name(param, index, item) .. " must not be empty") end
    -- Percent-encoding could carry any bytes, but the API reads a path or query value as UTF-8 text and
    -- compares it with strings it got as JSON: other bytes could only be mangled or refused, never match.
    local bad = utf8_error(value)
    if bad then usage(op, value_name(param, index, item) .. " is not valid UTF-8 (byte " .. bad .. ")") end
    return value
  elseif t == "number" then
    if value ~= value or value == math.huge or value == -math.huge then
      usage(op, value_name(param, index, item) .. " must be a finite number")
    end
    -- A float from 2^53 on (any number there on LuaJIT) may have lost digits an id written with more had:
    -- 2^53 + 1 reads as 2^53, and the call would name something else (delete another user). Below, every
    -- integer is exact and no other reads as it; a Lua 5.3/5.4 integer keeps every digit. The typed
    -- options (limit, offset) have their own bounds (check_typed).
    if (value >= 2 ^ 53 or value <= -2 ^ 53) and not param.type
      and not (math_type and math_type(value) == "integer") then
      usage(op, value_name(param, index, item) .. " is a number of 2^53 or more, which cannot keep every digit"
        .. " of an id: pass it as a string, got " .. json.number_text(value))
    end
    -- Written as in a JSON body: integral values without a fraction, others as the shortest text that reads
    -- back as the number, with '.' whatever the C locale (%.17g made 0.1 "0.10000000000000001", and 1.5
    -- "1,5" under a decimal-comma locale).
    return json.number_text(value)
  elseif t == "boolean" and param.optional then
    -- Only a query option may be a flag. A required query value names something, as a path value does
    -- (an app_id, a token, outcome names): `false` there would be sent as the text "false".
    return tostring(value)
  end
  usage(op, value_name(param, index, item) .. " must be a string" .. (param.optional and ", number or boolean"
    or " or number") .. ", got " .. type_name(value))
end

-- The range an integer query option takes, in words: "between 1 and 50", "at least 0" (operations.lua).
local function range_text(param)
  if param.min and param.max then return "between " .. param.min .. " and " .. param.max end
  return param.max and ("at most " .. param.max) or ("at least " .. param.min)
end

-- A typed query option's value (see operations.query_types): an integer, exact in a double (beyond 2^53
-- the text sent would not be the number meant), within the option's bounds, or a boolean. The server
-- would answer 400 to anything else, or (a page size beyond its largest) fewer items than asked.
local function check_typed(op, param, value)
  if param.type == "integer" then
    if type(value) ~= "number" or value ~= math.floor(value) or value < -2 ^ 53 or value > 2 ^ 53 then
      usage(op, argument(param) .. " must be an integer, got " .. (type(value) == "number"
        and json.number_text(value) or type_name(value)))
    end
    if (param.min and value < param.min) or (param.max and value > param.max) then
      usage(op, argument(param) .. " must be " .. range_text(param) .. ", got " .. json.number_text(value))
    end
  elseif type(value) ~= "boolean" then
    usage(op, argument(param) .. " must be a boolean, got " .. type_name(value))
  end
end

local function add_query(op, param, value, query)
  if param.type then check_typed(op, param, value) end
  local name = escape(param.name)
  if type(value) == "table" and param.list then
    -- Lists explode into repeated names (OpenAPI form style): app_ids=a&app_ids=b; an empty one sends none.
    -- Its entries are counted first, and items 1 to count + 1 looked at: anything else (a key, or an item
    -- after a hole) would be left out without a word, and ipairs over a table whose __index answers every
    -- key would never end.
    local entries = 0
    for _ in pairs(value) do entries = entries + 1 end
    for i = 1, entries + 1 do
      local item = value[i]
      if (item == nil) ~= (i > entries) then
        usage(op, argument(param) .. " must be a scalar or an array of scalars without holes")
      end
      if item ~= nil then query[#query + 1] = name .. "=" .. escape(scalar_text(op, param, nil, item, i)) end
    end
    -- The API's maxItems (operations.lua): a longer filter is refused with a 400.
    if param.max_items and entries > param.max_items then
      usage(op, argument(param) .. " takes at most " .. param.max_items .. " items, got " .. entries)
    end
  else
    local text = scalar_text(op, param, nil, value)
    -- One of the values the API enumerates (operations.query_values), compared as sent.
    if param.values and not param.values[text] then
      usage(op, argument(param) .. " must be one of " .. param.values_text .. ", got '" .. text .. "'", true)
    end
    query[#query + 1] = name .. "=" .. escape(text)
  end
end

-- What the body needs added before it is sent: the client's default app_id and, where the API
-- deduplicates by it, a fresh idempotency key. Returns the key the request carries and the fields to add.
-- The caller's table is never changed (see encode_body), so reusing it for another send cannot repeat an
-- old key.
-- Only operations the API deduplicates (op.idempotency_key) have a key that makes a resend harmless; an
-- `idempotency_key` field in any other body is just data.
-- A key the caller gave must be one the engine can carry (checked here, so that nothing of a batch is sent
-- before a bad key is found).
local function check_key(op, key, field)
  if type(key) ~= "string" or key == "" or key:find("%c") then
    usage(op, argument(op.body) .. ": field " .. field .. " must be a non-empty string without control"
      .. " characters (a UUID)")
  end
  return key
end

-- The body is read raw, as the JSON writer reads it: a field only a metatable's __index supplies is not
-- sent, so it can neither stand in for the app_id nor be the key the request claims to carry. (`plain`:
-- the body has no metatable, so plain indexing is raw, without a call to rawget.)
local function additions(op, client, body, plain)
  local app_id, given
  if plain then given = body.app_id else given = rawget(body, "app_id") end
  if op.body_app_id and given == nil then
    app_id = client.app_id
    -- The API needs it to know the app; without it the request could only come back 400.
    if not app_id then
      usage(op, argument(op.body) .. ": field app_id is required (or give the client a default app_id)")
    end
  elseif op.body_app_id and given == json.null then
    -- No app_id either, yet the writer would send it as null, and the client's default could not go in
    -- beside it: the API could only answer 400.
    usage(op, argument(op.body) .. ": field app_id is null, which names no app (" .. (client.app_id
      and "leave it out to send the client's default)" or "give one, or leave it out and give the client a"
      .. " default app_id)"))
  end
  local key, new_key
  if op.idempotency_key then
    if plain then key = body.idempotency_key else key = rawget(body, "idempotency_key") end
    if key ~= nil then
      check_key(op, key, "idempotency_key")
    elseif op.legacy_key then
      -- Read as the key above is; the usual body has no such field, and then no call to type is made.
      local legacy
      if plain then legacy = body[op.legacy_key] else legacy = rawget(body, op.legacy_key) end
      if legacy ~= nil and type(legacy) == "string" then key = check_key(op, legacy, op.legacy_key) end
    end
    if key == nil then
      key = core.uuid4()
      new_key = key
    end
  end
  return key, app_id, new_key
end

-- The JSON text of the body with the additions in front of its own fields, written without setting them
-- in the caller's table: a string, or from 64 KiB on a large text (json.encode_body).
local function encode_body(body, where, app_id, new_key)
  if not app_id and not new_key then return json.encode_body(body, where) end
  return json.encode_body(body, where, "app_id", app_id, "idempotency_key", new_key)
end

-- create_custom_events: every event carrying its own key makes repeating the batch harmless.
-- A key an event does carry is checked like any other. Read raw, as the writer reads it (a table whose
-- __index answers every key would also keep ipairs going for ever).
local function every_item_keyed(op, list, field)
  if type(list) ~= "table" or rawget(list, 1) == nil then return nil end
  local all, i = true, 1
  local item = rawget(list, 1)
  repeat
    local key = type(item) == "table" and rawget(item, "idempotency_key")
    if type(key) == "string" then check_key(op, key, field .. "[" .. i .. "].idempotency_key") else all = false end
    i = i + 1
    item = rawget(list, i)
  until item == nil
  return all and rawget(rawget(list, 1), "idempotency_key") or nil
end

local function check_limits(op, body, text)
  if op.max_body_bytes and #text > op.max_body_bytes then
    local size = #text
    json.release(text) -- not sent: freed now rather than by the collector
    usage(op, argument(op.body) .. " is " .. size .. " bytes of JSON; the API accepts at most "
      .. op.max_body_bytes)
  end
  local limit = op.max_item_bytes
  local items = limit and rawget(body, limit[1])
  if type(items) == "table" then
    local i, item = 1, rawget(items, 1)
    while item ~= nil do
      local size = #json.encode(item, "")
      if size > limit[2] then
        usage(op, argument(op.body) .. ": " .. limit[1] .. "[" .. i .. "] is " .. size
          .. " bytes of JSON; the API accepts at most " .. limit[2] .. " per item")
      end
      i = i + 1
      item = rawget(items, i)
    end
  end
end

-- Whether a body table is a list rather than a JSON object: it has an element 1, or every key is a
-- positive integer (the JSON writer makes { [2] = "x" } the array [null,"x"]). Without a metatable
-- value[1] is raw, so most bodies cost no call to rawget, and one whose first key is a string no walk.
-- Returns that, and whether the table has no metatable (its fields can then be read without rawget).
local function is_list(value)
  local mt = getmetatable(value)
  local plain = mt == nil
  if plain then
    if value[1] ~= nil then return true, plain end
  elseif mt == array_mt or rawget(value, 1) ~= nil then
    return true, plain
  end
  if type(next(value)) ~= "number" then return false, plain end
  for k in next, value do
    if type(k) ~= "number" or k < 1 or k ~= math.floor(k) then return false, plain end
  end
  return true, plain
end

-- See M.build and M.build_into.
local function build(req, op, client, n, ...)
  local positional = op.positional
  local count = #positional
  local values, query, body -- the tables only when the operation has path or query parameters
  local plain -- the body has no metatable
  local max_args = count + (op.options[1] and 1 or 0)
  -- Trailing nils are no arguments (a wrapper passing its own optional ones on): only values count.
  while n > max_args and select(n, ...) == nil do n = n - 1 end
  if n > max_args then
    usage(op, "takes " .. max_args .. " argument" .. (max_args == 1 and "" or "s") .. ", got " .. n)
  end
  for i = 1, count do
    local param = positional[i]
    local value
    if i == 1 then value = ... else value = (select(i, ...)) end -- the first without a call to select
    if value == nil and param.name == "app_id" then value = client.app_id end
    if param.where == "body" then
      if value == nil then
        if not param.optional then usage(op, argument(param, i) .. " (a table) is required") end
      elseif type(value) ~= "table" then
        usage(op, argument(param, i) .. " must be a table, got " .. type_name(value))
      else
        local list
        list, plain = is_list(value)
        -- Every body of the API is a JSON object: a list would go out as an array, or, with app_id or an
        -- idempotency key added in front, as an object with members "1", "2", …
        if list then
          usage(op, argument(param, i) .. " must be a table of named fields (a JSON object), got a list")
        end
        body = value
      end
    elseif value == nil then
      usage(op, argument(param, i) .. " is required" ..
        (param.name == "app_id" and " (or give the client a default app_id)" or ""))
    else
      local text = scalar_text(op, param, i, value)
      if param.where == "path" then
        values = values or {}
        values[param.name] = escape(text)
      else
        query = query or {}
        query[#query + 1] = escape(param.name) .. "=" .. escape(text)
      end
    end
  end
  local options
  if n > count then options = select(count + 1, ...) end
  if options ~= nil then
    if type(options) ~= "table" then
      usage(op, "the last argument (query options) must be a table, got " .. type_name(options))
    end
    -- Of several unknown ones, the first by name (onesignal.order), not pairs' first: the same every run.
    local unknown = order.first_unknown(options, op.option_set)
    if unknown ~= nil then
      local known = {}
      for _, param in ipairs(op.options) do known[#known + 1] = param.name end
      usage(op, "unknown query option '" .. quote.key(unknown) .. "' (known: " .. table.concat(known, ", ") .. ")",
        true)
    end
    for _, param in ipairs(op.options) do
      local value = options[param.name]
      if value ~= nil then
        query = query or {}
        add_query(op, param, value, query)
      end
    end
    -- Pairs the API refuses together (operations.lua), in the options' declared order: the same one
    -- named on every run.
    local excludes = op.excludes
    if excludes then
      for _, param in ipairs(op.options) do
        local other = excludes[param.name]
        if other and options[param.name] ~= nil and options[other] ~= nil then
          usage(op, "query option '" .. param.name .. "' cannot be used with '" .. other .. "'")
        end
      end
    end
  end

  local credential = op.credential
  if not client.has_key[credential] then
    usage(op, credential == "organization"
      and "needs an Organization API key (organization_api_key or ONESIGNAL_ORGANIZATION_API_KEY)"
      or "needs a REST API key (rest_api_key or ONESIGNAL_REST_API_KEY)")
  end

  local path = op.path
  if not STATIC_PATH[op] then
    local parts = {}
    for i, part in ipairs(op.path_parts) do
      parts[i] = type(part) == "table" and values[part.param] or part
    end
    path = table.concat(parts)
  end
  if query and query[1] then path = path .. "?" .. table.concat(query, "&") end

  local text, key
  if body then
    local app_id, new_key
    key, app_id, new_key = additions(op, client, body, plain)
    text = encode_body(body, BODY_LABEL[op], app_id, new_key)
    if op.max_body_bytes or op.max_item_bytes then check_limits(op, body, text) end
    if op.keyed_items then key = every_item_keyed(op, rawget(body, op.keyed_items), op.keyed_items) end
  end

  local overrides = client.overrides
  if req and not overrides then
    -- Every field a request of any operation has is set, absent ones to nil, so nothing of the request
    -- this table carried before stays.
    req.operation, req.method, req.path, req.credential = op.name, op.method, path, credential
    req.body, req.idempotency_key, req.no_content, req.note_429 = text, key, op.no_content, op.note_429
    return req
  end
  req = {
    operation = op.name,
    method = op.method,
    path = path,
    credential = credential,
    body = text,
    idempotency_key = key,
    no_content = op.no_content,
    note_429 = op.note_429,
  }
  if overrides then
    for k, v in pairs(overrides) do req[k] = v end
  end
  return req
end

--- Builds the request for `op` from the caller's arguments: the `n` values after `n` (as arguments
-- rather than in a table, which would be one more allocation per call).
-- `client` supplies `app_id` (default), `has_key` (credential name → bool) and `overrides` (per-client
-- deadline, timeout, retry settings).
function M.build(op, client, n, ...)
  return build(nil, op, client, n, ...)
end

--- M.build, written into `req` (a table a request of an earlier call was built in, or nil for a new
-- one) when `client` has no overrides: a blocking call reuses one table instead of making one per call.
-- Returns the request.
M.build_into = build

return M
