-- A name the caller gave (an option's, a setting's, a query option's, an operation's, a list's key) is
-- quoted by a usage error through onesignal.quote: on one line, whatever bytes it holds, never with a key.
-- These messages printed the name raw (tostring), so a terminal escape or a line break in it reached the
-- log or terminal as such, and a key pasted there showed whole.
local onesignal = require("onesignal")
local quote = require("onesignal.quote")

local REST_KEY = "rk-quoted-5f3a9c0e17d24b"
local ORG_KEY = "ok-quoted-8e2d61b4a0c97f"

local function new()
  return onesignal.new({ rest_api_key = REST_KEY, organization_api_key = ORG_KEY, app_id = "app-1",
    dry_run = true })
end

local function body() return { contents = { en = "x" }, included_segments = { "All" } } end

-- Every entry point that quotes a caller's name, each given `name` where it quotes it.
local ENTRIES = {
  { "onesignal.new: unknown option", function(name)
    onesignal.new({ rest_api_key = REST_KEY, organization_api_key = ORG_KEY, [name] = 1 })
  end },
  { "onesignal.with: unknown setting", function(name) new():with({ [name] = 1 }) end },
  { "onesignal.create_notification_with_retry: unknown option", function(name)
    new():create_notification_with_retry(body(), { [name] = 1 })
  end },
  { "onesignal.send_many: unknown option", function(name) new():send_many({ body() }, { [name] = 1 }) end },
  { "onesignal.send_many: argument 'notifications' must be a list (keys 1 to n), found key", function(name)
    new():send_many({ body(), [name] = body() })
  end },
  { "onesignal.get_segments: unknown query option", function(name) new():get_segments(nil, { [name] = 1 }) end },
  { "onesignal.fetch_export: unknown option", function(name)
    new():fetch_export("https://example.com/export.csv.gz", { [name] = 1 })
  end },
  { "onesignal.download_export: unknown option", function(name)
    new():download_export("https://example.com/export.csv.gz", "export.csv", { [name] = 1 })
  end },
  { "onesignal.call: unknown operation", function(name) new():call(name) end, "name" },
  { "onesignal.call_async: unknown operation", function(name) new():call_async(name, function() end) end, "name" },
  { "onesignal.each_page:", function(name) new():each_page(name) end, "name" },
}

-- name given → what the message shows of it.
local CASES = {
  { "an escape sequence and a line break", "\27[2J\nx", "\\x1B[2J\\nx" },
  { "a C1 control (CSI)", "\194\155" .. "31m", "\\u{9B}31m" },
  { "bytes that are not UTF-8", "\255\155ab", "\\xFF\\x9Bab" },
  { "a key", REST_KEY, "[REDACTED]" },
  { "a key inside", "x-" .. ORG_KEY, "x-[REDACTED]" },
  { "a name too long to show", ("p"):rep(50) .. REST_KEY, function(noun)
    return "<a " .. noun .. " of " .. 50 + #REST_KEY .. " bytes>"
  end },
}

describe("a usage error quoting the caller's name", function()
  for _, entry in ipairs(ENTRIES) do
    local prefix, call, noun = entry[1], entry[2], entry[3] or "key"
    for _, case in ipairs(CASES) do
      it(prefix .. ": " .. case[1], function()
        local ok, err = pcall(call, case[2])
        assert.is_false(ok)
        assert.is_string(err)
        local shown = type(case[3]) == "function" and case[3](noun) or case[3]
        assert.matches("^[^\n]*quoted_names_spec%.lua:%d+: ", err)
        assert.matches(prefix .. " '" .. shown .. "'", err, 1, true)
        assert.is_nil(err:find("[%z\1-\31\127-\255]"), err)
        assert.is_nil(err:find(REST_KEY, 1, true), err)
        assert.is_nil(err:find(ORG_KEY, 1, true), err)
        assert.is_nil(err:find(REST_KEY:sub(1, 12), 1, true), err)
      end)
    end
  end
end)

describe("onesignal.quote", function()
  it("shows a plain name as it is, up to 64 bytes", function()
    assert.are.equal("rest_key", quote.key("rest_key"))
    assert.are.equal(("k"):rep(64), quote.key(("k"):rep(64)))
    assert.are.equal("<a key of 65 bytes>", quote.key(("k"):rep(65)))
    assert.are.equal("<a name of 65 bytes>", quote.name(("k"):rep(65)))
  end)

  it("keeps UTF-8 text that is not a control", function()
    assert.are.equal("clé 用户", quote.key("clé 用户"))
  end)

  it("escapes every control as a Lua string would", function()
    assert.are.equal("\\x00\\t\\r\\n\\x7F\\u{85}", quote.key("\0\t\r\n\127\194\133"))
  end)

  it("shows a key that is no string by its type, running none of its metamethods", function()
    assert.are.equal("1", quote.key(1))
    assert.are.equal("true", quote.key(true))
    local called = false
    local t = setmetatable({}, { __tostring = function() called = true return REST_KEY end })
    assert.are.equal("<a table>", quote.key(t))
    assert.are.equal("<a table>", quote.name(t))
    assert.is_false(called)
  end)

  it("redacts what it shows, when given the client's redaction", function()
    local client = new()
    assert.are.equal("[REDACTED]", quote.key(REST_KEY, client.redact))
    assert.are.equal("x[REDACTED]", quote.name("x" .. ORG_KEY, client.redact))
  end)
end)
