-- `make docs`: writes the reference's Operations page (Markdown, an LDoc topic) from the operations table,
-- so that the page lists exactly the methods the client makes: one row of lua/onesignal/operations.lua,
-- one entry. The page is written to build/ at every `make docs` and never committed.
--
--   lua5.4 mk/operations_doc.lua build/docs/operations.md      (from the repository root)
package.path = "./lua/?.lua;" .. package.path
local operations = require("onesignal.operations")

local output = assert(arg[1], "usage: lua5.4 mk/operations_doc.lua OUTPUT.md")

local CREDENTIAL = { rest = "the REST API key", organization = "the Organization API key" }

local lines = {}
local function add(text) lines[#lines + 1] = text or "" end

local function code(text) return "`" .. text .. "`" end

-- What one positional argument is.
local function argument_line(param)
  local what
  if param.where == "body" then
    what = "the JSON body, a table" .. (param.optional and " (optional: without it no body is sent)" or "")
  elseif param.where == "path" then
    what = "path, a string or a number"
  else
    what = "query, a string or a number"
  end
  if param.name == "app_id" then what = what .. "; nil: the client's default `app_id`" end
  return "- " .. code(param.name) .. ": " .. what
end

-- What one query option of the trailing table takes.
local function option_line(op, param)
  local notes = {}
  if param.list then
    notes[#notes + 1] = "a list" .. (param.max_items and (" of at most " .. param.max_items) or "")
      .. ", sent as the name repeated"
  elseif param.type == "integer" then
    local bounds = ""
    if param.min and param.max then
      bounds = " from " .. param.min .. " to " .. param.max
    elseif param.min then
      bounds = " from " .. param.min
    end
    notes[#notes + 1] = "an integer" .. bounds
  elseif param.type == "boolean" then
    notes[#notes + 1] = "a boolean"
  elseif not param.values_text then
    notes[#notes + 1] = "a string, a number or a boolean"
  end
  if param.values_text then notes[#notes + 1] = "one of " .. param.values_text end
  for name, other in pairs(op.excludes or {}) do
    if name == param.name then notes[#notes + 1] = "not with " .. code(other) end
    if other == param.name then notes[#notes + 1] = "not with " .. code(name) end
  end
  return "- " .. code(param.name) .. (notes[1] and (": " .. table.concat(notes, "; ")) or "")
end

-- What the operation's traits mean to a caller, one sentence each.
local function trait_lines(op)
  local out = {}
  if op.idempotency_key then
    out[#out + 1] = "The body always carries an `idempotency_key`, which the API deduplicates by: yours"
      .. (op.legacy_key and (" (or the older " .. code(op.legacy_key) .. ")") or "")
      .. ", else a new UUIDv4 made once per call and sent unchanged on every retry."
  end
  if op.body_app_id then
    out[#out + 1] = "The body needs an `app_id`: without one it gets the client's default `app_id`."
  end
  if op.keyed_items then
    out[#out + 1] = "Repeated after an unknown outcome only when every item of " .. code(op.keyed_items)
      .. " carries its own `idempotency_key`."
  end
  if op.max_body_bytes then
    out[#out + 1] = "The body may be at most " .. op.max_body_bytes .. " bytes of JSON (the API's limit)."
  end
  if op.max_item_bytes then
    out[#out + 1] = "Each item of " .. code(op.max_item_bytes[1]) .. " may be at most " .. op.max_item_bytes[2]
      .. " bytes of JSON (the API's limit)."
  end
  if op.no_content then
    out[#out + 1] = "The API may answer without content: the call then returns `{}`."
  end
  if op.note_429 then
    out[#out + 1] = "A 429 to it holds back the new items of "
      .. "[`client:send_many`](../modules/onesignal.client.html#Client:send_many)."
  end
  return out
end

-- `client:name(a, b[, options])`: an optional argument in brackets, as LDoc writes them.
local function signature(op, suffix, last)
  local text = ""
  local function put(name, optional)
    local sep = text == "" and "" or ", "
    text = text .. (optional and ("[" .. sep .. name .. "]") or (sep .. name))
  end
  for _, param in ipairs(op.positional) do put(param.name, param.optional) end
  if op.options[1] then put("options", true) end
  if last then put(last, false) end
  return "client:" .. op.name .. suffix .. "(" .. text .. ")"
end

add("# Operations")
add()
add("Every operation of OneSignal's REST API is a method of the client, under the official SDKs' name. The")
add("required arguments come positionally, in the API's order (path parameters, required query parameters,")
add("the body); the optional query parameters together in one trailing table, `options`, keyed by their wire")
add("names. Each method has an `_async` form taking a callback last, and `client:call(name, ...)` and")
add("`client:call_async(name, ..., callback)` call one by name. A call returns `body, response`, or")
add("`nil, err`; mistakes in calling raise before anything is sent (@{onesignal.client|the client's page}")
add("says more).")
add()
add("This page is made from the operations table (`lua/onesignal/operations.lua`) by `make docs`, and lists")
add("its " .. #operations.list .. " operations in its order (the contents on the left name them all).")

for _, op in ipairs(operations.list) do
  add()
  add("## " .. op.name)
  add()
  add("`" .. signature(op, "") .. "`, non-blocking")
  add("`" .. signature(op, "_async", "callback") .. "`: sends")
  add("`" .. op.method .. " " .. op.path .. "` with " .. CREDENTIAL[op.credential] .. ".")
  if op.positional[1] then
    add()
    for _, param in ipairs(op.positional) do add(argument_line(param)) end
  end
  if op.options[1] then
    add()
    add("Options:")
    add()
    for _, param in ipairs(op.options) do add(option_line(op, param)) end
  end
  local traits = trait_lines(op)
  if traits[1] then
    add()
    add(table.concat(traits, " "))
  end
end

local file = assert(io.open(output, "w"))
file:write(table.concat(lines, "\n"), "\n")
file:close()
