--- Where the Lua SDK spends CPU per create_notification outside the network: each stage of a call timed
-- on its own, in a loop, beside the bare lua-cjson call that is its floor. No server is needed.
--
--   make bench-breakdown      (or: lua5.4 / luajit bench/sdk/breakdown.lua, module paths as in bench.mk)
--
-- It reaches into the SDK's internal modules (request, json, response) on purpose: it is a profile for
-- the people changing them, not a use of the public API.
local probe = require("benchprobe")
local cjson = require("cjson")
local onesignal = require("onesignal")
local request = require("onesignal.request")
local json = require("onesignal.json")
local response = require("onesignal.response")
local operations = require("onesignal.operations")

local function per_call_us(n, fn)
  for _ = 1, math.max(1, math.floor(n / 10)) do fn() end -- warm-up (and LuaJIT traces)
  collectgarbage()
  local from = probe.cpu()
  for _ = 1, n do fn() end
  return (probe.cpu() - from) * 1e6 / n
end

local client = onesignal.new{ rest_api_key = "breakdown-key", app_id = "00000000-0000-4000-8000-000000000000",
  base_url = "http://127.0.0.1:9" } -- never contacted
local op = operations.by_name.create_notification

local function small()
  return { contents = { en = "Benchmark message" }, include_aliases = { external_id = { "bench-user-1" } },
    target_channel = "push" }
end
local notification = small()
local sent = small()
sent.app_id = client.app_id
sent.idempotency_key = onesignal.new_idempotency_key()

local ids = {}
for i = 1, 20000 do ids[i] = "bench-user-" .. i end
local audience = small()
audience.include_aliases.external_id = ids
audience.app_id, audience.idempotency_key = sent.app_id, sent.idempotency_key
-- As request.build encodes it: without app_id and key, which are written in front with a fresh key per
-- call, and through json.encode_body, which keeps a text this long in C memory (a large text, freed once
-- sent). The fresh key matters for json.encode on LuaJIT: it interns strings, so encoding the same table
-- again finds the text of the previous call still in its string table and allocates nothing, which hides
-- the cost of making a new ~380 KB string (a fresh mmap of its own there, page faults and all).
local audience_own = small()
audience_own.include_aliases.external_id = ids

local answer = '{"id":"b98881cc-1e94-4366-bbd9-db8f3429292b","external_id":null}'
local req = request.build(op, client, 1, notification)
-- A fresh result per call, as a transport hands out: response.finish turns it into the response.
local function result()
  return { status = 200, body = answer, attempts = 1, elapsed = 0.001,
    headers = { ["content-type"] = "application/json; charset=utf-8", ["content-length"] = "64" } }
end
local redact = function(text) return text end

local rows = {
  { "client method lookup (client.create_notification_async)", 1e6,
    function() return client.create_notification_async end },
  { "client field miss (client.overrides, nil)", 1e6, function() return client.overrides end },
  { "uuid4 (idempotency key)", 2e5, function() return onesignal.new_idempotency_key() end },
  { "request.build (validation, copy, key, encode)", 1e5,
    function() return request.build(op, client, 1, notification) end },
  { "json.encode, small notification", 1e5, function() return json.encode(sent, "x") end },
  { "  floor: cjson.encode, same table", 1e5, function() return cjson.encode(sent) end },
  { "response.finish (decode; the result made first)", 1e5,
    function() return response.finish(req, result(), redact) end },
  { "  floor: cjson.decode, same answer", 1e5, function() return cjson.decode(answer) end },
  { "json.encode_body, 20,000 external ids, a fresh key (as sent)", 50, function()
    json.release(json.encode_body(audience_own, "x", "app_id", sent.app_id, "idempotency_key",
      onesignal.new_idempotency_key()))
  end },
  { "json.encode, the same as a Lua string", 50, function()
    return json.encode(audience_own, "x", "app_id", sent.app_id, "idempotency_key", onesignal.new_idempotency_key())
  end },
  { "json.encode, 20,000 external ids, the same text again", 50, function() return json.encode(audience, "x") end },
  { "  floor: cjson.encode, same table", 50, function() return cjson.encode(audience) end },
}

io.write(string.format("%s: CPU µs per call\n", rawget(_G, "jit") and "LuaJIT" or _VERSION))
for _, row in ipairs(rows) do
  io.write(string.format("  %-58s %10.2f\n", row[1], per_call_us(row[2], row[3])))
end
