-- A randomized sweep of bad and odd input over every operation, on a dry-run client, with a fixed seed.
--
-- Every call must either raise a string error, at this file's line, that starts with "onesignal.<op>:" and
-- names an argument or option (never a key of the client), or return a dry-run description whose URL stays
-- within the operation's route (each path value one percent-encoded segment, the query only the
-- operation's own names), whose body is a JSON object holding exactly the given table (plus the app_id and
-- idempotency key the SDK adds), and whose header lines carry no CR or LF. The first call that breaks this
-- is reported with its arguments. 1,000 calls per operation (56,000 in all), about a second.
local onesignal = require("onesignal")
local json = require("onesignal.json")
local core = require("onesignal.core")
local operations = require("onesignal.operations")

local unpack = table.unpack or unpack -- luacheck: ignore 143 (LuaJIT's global)

local SEED = 20261123
local CALLS_PER_OPERATION = 1000
-- Keys of unreserved characters only, so that one given as a path or query value would show unescaped.
local REST_KEY = "rk-sweep-9f2c41d0a7b3e6"
local ORG_KEY = "ok-sweep-5e8d7706c1aa42"
local APP_ID = "5eb5a37e-b458-11e3-ac11-000c2940e62c"
local BASE = "https://api.onesignal.com"
local MININTEGER = math.mininteger or -2 ^ 63
local MAXINTEGER = math.maxinteger or 2 ^ 53

-- Park-Miller: exact in doubles, so the sequence is the same on Lua 5.4 and LuaJIT.
local function new_random(seed)
  local state = seed % 2147483646 + 1
  return function(n)
    state = state * 48271 % 2147483647
    return state % n + 1
  end
end

-- ---------------------------------------------------------------------------------------------------
-- The values drawn from.

local STRINGS = {
  "", "a", "abc", APP_ID, string.rep("x", 5000), "a\r\nX-Injected: 1", "\r", "\n", "\0", "nul\0in", "\t", "\127",
  "%", "%2F", "%00", "%zz", "/", "a/b", "/../", "?", "?x=1", "#", "#frag", "..", ".", "../..", "a b", "+", "&",
  "=", "&a=1", "[]", "{app_id}", "\255", "ok\200", "\192\128", "\237\160\128", "\244\144\128\128", "é", "中文",
  "😀", "\u{FEFF}", "\u{2028}", "  ", "Key " .. REST_KEY, REST_KEY, "pre-" .. ORG_KEY .. "-post", "1", "-1",
  "1e3", "true", "null",
}

local NUMBERS = { 0, -1, 1, 7, 2.0, 2 ^ 31, MAXINTEGER, MININTEGER, 2 ^ 53, 2 ^ 53 + 2, 2 ^ 63, -2 ^ 63, 1.5, -2.25,
  0.1, 1e300, 1e-300, 0 / 0, math.huge, -math.huge, -0.0 }

local STDOUT = io.stdout

-- Builds tables (fresh each time: the SDK must not change them, and some are cyclic).
local TABLE_MAKERS = {
  function() return {} end,
  function() return { "a", "b" } end,
  function() return { 1, nil, 3 } end,
  function() return { [1] = "a", [3] = "c" } end,
  function() return { [2] = "x" } end,
  function() return { [1] = "a", [40] = "b" } end,
  function() return { a = 1, [1] = "x" } end,
  function() return { name = "x", value = 2 } end,
  function() return { [1.5] = "x" } end,
  function() return { [-1] = "x" } end,
  function() return { [0] = "x" } end,
  function() return { [true] = 1 } end,
  function() return { [math.huge] = 1 } end,
  function() return { [STDOUT] = 1 } end,
  function() return { f = print } end,
  function() return { co = coroutine.create(print) } end,
  function() return { u = STDOUT } end,
  function() return { n = 0 / 0 } end,
  function() return { s = "\255" } end,
  function() return { ["\255"] = 1 } end,
  function() return { ["a\r\nb"] = "c\0d" } end,
  function() return { x = json.null } end,
  function() return { key = REST_KEY } end,
  function() return { [ORG_KEY] = true } end,
  function()
    local t = {}
    t.self = t
    return t
  end,
  function()
    local t = {}
    t[1] = t
    return t
  end,
  function()
    local root = {}
    local t = root
    for _ = 1, 70 do
      t.next = {}
      t = t.next
    end
    return root
  end,
  function() return setmetatable({}, json.array_mt) end,
  function() return setmetatable({ a = 1 }, { __metatable = "locked" }) end,
  function() return setmetatable({}, { __pairs = function() return next, { hidden = 1 }, nil end }) end,
  -- A "default table": every key has a value. Bounded, lest a loop that trusts it run for ever.
  function()
    local reads = 0
    return setmetatable({}, { __index = function()
      reads = reads + 1
      if reads > 100000 then error("runaway __index") end
      return "dflt"
    end })
  end,
  function() return setmetatable({}, { __index = { app_id = "from-index", idempotency_key = "k-index",
    external_id = "e-index", [1] = "one" } }) end,
  function() return setmetatable({}, { __len = function() return 3 end }) end,
}

-- Field names a body is built from: ordinary ones, the ones the SDK itself reads, and odd ones.
local FIELDS = { "name", "contents", "included_segments", "app_id", "idempotency_key", "external_id", "events",
  "filters", "include_aliases", "tags", "", "\255", "a\nb", "é", REST_KEY, 1, 2, 3, 1.5 }

local any

local function body_table(random, depth)
  if random(6) == 1 then return TABLE_MAKERS[random(#TABLE_MAKERS)]() end
  local t = {}
  for _ = 1, random(5) - 1 do
    local value
    if depth < 3 and random(3) == 1 then value = body_table(random, depth + 1) else value = any(random, depth + 1) end
    t[FIELDS[random(#FIELDS)]] = value
  end
  return t
end

-- Any value at all.
function any(random, depth)
  local kind = random(10)
  if kind == 1 then return nil
  elseif kind == 2 then return random(2) == 1
  elseif kind <= 4 then return NUMBERS[random(#NUMBERS)]
  elseif kind <= 7 then return STRINGS[random(#STRINGS)]
  elseif kind == 8 then return depth < 3 and body_table(random, depth + 1) or TABLE_MAKERS[random(#TABLE_MAKERS)]()
  elseif kind == 9 then return TABLE_MAKERS[random(#TABLE_MAKERS)]()
  end
  local odd = { print, coroutine.create(print), STDOUT, json.null }
  return odd[random(#odd)]
end

-- A value of roughly the kind the parameter takes (most still odd), or anything.
local function for_param(random, param)
  if random(3) == 1 then return any(random, 0) end
  if param.where == "body" then return body_table(random, 0) end
  if random(4) == 1 then return NUMBERS[random(#NUMBERS)] end
  return STRINGS[random(#STRINGS)]
end

local function options_table(random, op)
  if random(5) == 1 then return any(random, 0) end
  local t = {}
  for _ = 1, random(4) - 1 do
    local name
    if op.options[1] and random(6) > 1 then
      name = op.options[random(#op.options)].name
    else
      name = ({ "nope", "", REST_KEY, 1, true, "limit\n" })[random(6)]
    end
    local value = any(random, 0)
    if random(3) == 1 then value = { STRINGS[random(#STRINGS)], NUMBERS[random(#NUMBERS)] } end
    t[name] = value
  end
  return t
end

-- ---------------------------------------------------------------------------------------------------
-- Readable arguments for a report.

local function show(value, seen, depth, limit)
  local t = type(value)
  limit = limit or 40
  if t == "string" then
    local s = #value > limit and value:sub(1, limit) or value
    s = string.format("%q", s):gsub("\\\n", "\\n"):gsub("[%z\1-\31\127-\255]", function(c)
      return string.format("\\%d", c:byte())
    end)
    return #value > limit and (s .. "..(" .. #value .. " bytes)") or s
  elseif t == "number" then
    if value ~= value then return "0/0" end
    if value == math.huge then return "math.huge" end
    if value == -math.huge then return "-math.huge" end
    if math.type and math.type(value) == "integer" then return string.format("%d", value) end
    return string.format("%.17g", value)
  elseif value == json.null then
    return "json.null"
  elseif t ~= "table" then
    return "<" .. t .. ">"
  end
  if seen[value] then return "<cycle>" end
  if depth > 4 then return "{...}" end
  seen[value] = true
  local parts = {}
  for k, v in next, value do
    if #parts == 8 then parts[#parts + 1] = "..." break end
    parts[#parts + 1] = "[" .. show(k, seen, depth + 1) .. "] = " .. show(v, seen, depth + 1)
  end
  seen[value] = nil
  local mt = getmetatable(value)
  local text = "{ " .. table.concat(parts, ", ") .. " }"
  if mt == json.array_mt then return "onesignal.array(" .. text .. ")" end
  if mt ~= nil then
    local names = {}
    if type(mt) == "table" then for k in pairs(mt) do names[#names + 1] = tostring(k) end end
    return "setmetatable(" .. text .. ", { " .. table.concat(names, ", ") .. " })"
  end
  return text
end

local function show_call(name, args, n)
  local parts = {}
  for i = 1, n do parts[i] = show(args[i], {}, 0) end
  return "client:" .. name .. "(" .. table.concat(parts, ", ") .. ")"
end

-- ---------------------------------------------------------------------------------------------------
-- What a correct answer looks like, worked out independently of the SDK.

local function redact(text) return core.redact(text, REST_KEY, ORG_KEY) end

local function unescape(text)
  return (text:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Percent-encoded text: unreserved bytes and %XX only ("[REDACTED]" where a key was).
local function well_escaped(text)
  local rest = text:gsub("%[REDACTED%]", ""):gsub("%%%x%x", "")
  return not rest:find("[^%w%-%._~]")
end

-- Whether text is well-formed UTF-8 (Lua 5.4's utf8.len refuses surrogates and values beyond U+10FFFF).
local function is_utf8(text)
  if utf8 then return utf8.len(text) ~= nil end -- luacheck: ignore 113 (absent on LuaJIT)
  return core.utf8_error(text) == nil
end

-- Whether `got` (a decoded path or query value) is how `given` (a string, number or boolean) is sent: the
-- API reads it as UTF-8 text.
local function same_scalar(got, given)
  local t = type(given)
  if t == "string" then return got == redact(given) and is_utf8(got) end
  if t == "number" then return tonumber(got) == given and not got:find("[^%d%-%.eE+]") end
  return got == tostring(given)
end

local function number_key(k)
  if (math.type and math.type(k) == "integer") or (k == math.floor(k) and math.abs(k) < 2 ^ 53) then
    return string.format("%d", k)
  end
  for digits = 14, 17 do
    local text = string.format("%." .. digits .. "g", k)
    if tonumber(text) == k then return text end
  end
end

-- cjson's reading of a table (raw): its length when every key is a positive integer, else nil.
local function array_length(t)
  local max = 0
  for k in next, t do
    if type(k) ~= "number" or k < 1 or k ~= math.floor(k) then return nil end
    if k > max then max = k end
  end
  return max > 0 and max or nil
end

-- Whether the decoded JSON value `got` holds exactly the Lua value `given`; returns false and where not.
local function same(got, given, where)
  local t = type(given)
  if given == json.null then return got == json.null, where end
  if t == "string" then return got == redact(given), where end
  if t == "number" or t == "boolean" then return got == given, where end
  if t ~= "table" or type(got) ~= "table" then return false, where end
  local n = array_length(given)
  local count = 0
  for _ in next, got do count = count + 1 end
  if n then
    if count ~= #got or #got ~= n then return false, where .. " (array length)" end
    for i = 1, n do
      local v = rawget(given, i)
      local ok, at = same(got[i], v == nil and json.null or v, where .. "[" .. i .. "]")
      if not ok then return false, at end
    end
    return true
  end
  local given_count = 0
  for k, v in next, given do
    given_count = given_count + 1
    local key = type(k) == "string" and redact(k) or number_key(k)
    local ok, at = same(got[key], v, where .. "." .. tostring(key))
    if not ok then return false, at end
  end
  return given_count == count, where .. " (member count)"
end

-- The path and query the arguments must produce; `values[i]` is the i-th argument.
local function check_url(op, url, values, options)
  if url:sub(1, #BASE) ~= BASE then return "url does not start with the base URL" end
  local path, query = url:sub(#BASE + 1):match("^([^?#]*)(.*)$")
  if query:find("#", 1, true) then return "url has a '#'" end
  local given = {}
  for i, param in ipairs(op.positional) do
    local value = values[i]
    if value == nil and param.name == "app_id" then value = APP_ID end
    given[param.name] = value
  end
  -- The path: the template's segments, each parameter one well-escaped segment holding its value.
  local want, got = {}, {}
  for segment in op.path:gmatch("[^/]+") do want[#want + 1] = segment end
  if path:sub(1, 1) ~= "/" then return "path does not start with '/'" end
  for segment in (path:sub(2) .. "/"):gmatch("([^/]*)/") do got[#got + 1] = segment end
  if #got ~= #want then return "path has " .. #got .. " segments, the route " .. #want end
  for i, segment in ipairs(want) do
    local name = segment:match("^{(.+)}$")
    if name then
      if not well_escaped(got[i]) then return "segment " .. i .. " is not percent-encoded" end
      if got[i] == "." or got[i] == ".." then return "segment " .. i .. " is a dot segment" end
      if not same_scalar(unescape(got[i]), given[name]) then return "segment " .. i .. " is not the value" end
    elseif got[i] ~= segment then
      return "segment " .. i .. " is not the route's " .. segment
    end
  end
  -- The query: the required query parameters in order, then the options in the operation's order.
  local expected = {}
  for i, param in ipairs(op.positional) do
    if param.where == "query" then expected[#expected + 1] = { param.name, given[param.name] or values[i] } end
  end
  for _, param in ipairs(op.options) do
    local value -- options are read as any Lua table is (a metatable's __index may supply defaults)
    if type(options) == "table" then value = options[param.name] end
    if value ~= nil then
      if type(value) == "table" then
        for _, item in ipairs(value) do expected[#expected + 1] = { param.name, item } end
      else
        expected[#expected + 1] = { param.name, value }
      end
    end
  end
  local pairs_got = {}
  if query ~= "" then
    if query:sub(1, 1) ~= "?" then return "query does not start with '?'" end
    for pair in (query:sub(2) .. "&"):gmatch("([^&]*)&") do pairs_got[#pairs_got + 1] = pair end
  end
  if #pairs_got ~= #expected then return "query has " .. #pairs_got .. " values, expected " .. #expected end
  for i, pair in ipairs(pairs_got) do
    local name, value = pair:match("^([^=]+)=(.*)$")
    if not name or not well_escaped(name) or not well_escaped(value) then
      return "query pair " .. i .. " is not percent-encoded"
    end
    if unescape(name) ~= expected[i][1] then return "query pair " .. i .. " is not " .. expected[i][1] end
    if not same_scalar(unescape(value), expected[i][2]) then return "query value " .. i .. " is not the value" end
  end
end

local function check_body(op, description, body)
  if body == nil then
    if description.body ~= nil then return "a body was sent although none was given" end
    return nil
  end
  local text = description.body
  if type(text) ~= "string" or text:sub(1, 1) ~= "{" then return "the body is not a JSON object" end
  local decoded = json.decode(text)
  if type(decoded) ~= "table" then return "the body is not valid JSON" end
  -- What the SDK adds: the client's app_id where the body has none, a fresh idempotency key.
  local expected = {}
  for k, v in next, body do expected[k] = v end
  if op.body_app_id and rawget(body, "app_id") == nil then expected.app_id = APP_ID end
  if op.idempotency_key and rawget(body, "idempotency_key") == nil
    and not (op.legacy_key and type(rawget(body, op.legacy_key)) == "string") then
    expected.idempotency_key = description.idempotency_key
  end
  if op.idempotency_key then
    local key = decoded.idempotency_key or decoded[op.legacy_key]
    if type(key) ~= "string" or key ~= redact(description.idempotency_key) then
      return "the body's idempotency key is not the request's"
    end
  end
  local ok, at = same(decoded, expected, "body")
  if not ok then return "the body does not hold the given table: " .. at end
end

local function check_description(op, description, args, n)
  if type(description) ~= "table" or description.dry_run ~= true then return "no dry-run description" end
  if description.operation ~= op.name or description.method ~= op.method then return "wrong operation or method" end
  for _, line in ipairs(description.headers) do
    if line:find("[\r\n]") then return "a header line has CR or LF" end
    if line:find(REST_KEY, 1, true) or line:find(ORG_KEY, 1, true) then return "a header line shows a key" end
  end
  local count = #op.positional
  local problem = check_url(op, description.url, args, n > count and args[count + 1] or nil)
  if problem then return problem end
  local body
  for i, param in ipairs(op.positional) do
    if param.where == "body" then body = args[i] end
  end
  return check_body(op, description, body)
end

local function check_error(op, err)
  if type(err) ~= "string" then return "the error is a " .. type(err) .. ", not a string" end
  if err:find(REST_KEY, 1, true) or err:find(ORG_KEY, 1, true) then return "the error shows a key" end
  local message = err:match("^[^\n]-bad_input_sweep_spec%.lua:%d+: (.*)$")
  if not message then return "the error is not raised at the caller's line" end
  local prefix = "onesignal." .. op.name .. ": "
  if message:sub(1, #prefix) ~= prefix then return "the error does not start with " .. prefix end
  if not (message:find("argument", 1, true) or message:find("option", 1, true)) then
    return "the error names no argument or option"
  end
end

-- The call itself, from this file (usage errors point at the caller's line): a method, by name through
-- client:call, or non-blocking (a dry run hands the description to the callback at once).
local function call(client, name, args, n, how)
  if how == 1 then return client:call(name, unpack(args, 1, n)) end
  if how == 2 then
    local description
    args[n + 1] = function(d) description = d end
    client[name .. "_async"](client, unpack(args, 1, n + 1))
    args[n + 1] = nil
    return description
  end
  return client[name](client, unpack(args, 1, n))
end

describe("a randomized sweep of bad and odd input over every operation (dry run)", function()
  local client = onesignal.new({ rest_api_key = REST_KEY, organization_api_key = ORG_KEY, app_id = APP_ID,
    base_url = BASE, dry_run = true })

  for index, op in ipairs(operations.list) do
    it("keeps " .. op.name .. " within its checks (seed " .. SEED .. ")", function()
      local random = new_random(SEED + index)
      local count = #op.positional
      local described, refused = 0, 0
      for _ = 1, CALLS_PER_OPERATION do
        local n = count + random(4) - 2 + (random(4) == 1 and 1 or 0)
        if n < 0 then n = 0 end
        local args = {}
        for i = 1, n do
          if i <= count then
            args[i] = for_param(random, op.positional[i])
          elseif i == count + 1 then
            args[i] = options_table(random, op)
          else
            args[i] = any(random, 0)
          end
        end
        local how = random(4)
        local ok, result = pcall(call, client, op.name, args, n, how)
        local problem
        if ok then
          described = described + 1
          problem = check_description(op, result, args, n)
        else
          refused = refused + 1
          problem = check_error(op, result)
        end
        if problem then
          local outcome = ok and ("returned: url " .. show(result.url, {}, 0) .. ", body " .. show(result.body, {}, 0))
            or ("raised: " .. show(result, {}, 0, 400))
          local shown = show_call(op.name .. (({ " (through client:call)", " (_async)" })[how] or ""), args, n)
          error(problem .. "\n  call: " .. shown .. "\n  " .. outcome, 0)
        end
      end
      -- Both checks ran (with this seed each operation gets a few dozen descriptions at least): a sweep whose
      -- every call was refused would have checked no URL or body at all.
      assert.is_true(described > 0, op.name .. ": no call was described")
      assert.is_true(refused > 0, op.name .. ": no call was refused")
    end)
  end
end)
