-- Hostile input: each case raises a clear error (naming what is wrong, never echoing a key) and sends
-- nothing; path parameters that look like paths, queries or escapes stay one encoded segment.
local server = require("support.server")
local onesignal = require("onesignal")

local CONTROL = { ["CR"] = "\r", ["LF"] = "\n", ["NUL"] = "\0", ["CRLF header"] = "\r\nX-Injected: 1",
  ["tab"] = "\t", ["DEL"] = "\127" }

describe("hostile input", function()
  local srv, client

  local function new(options)
    local o = { base_url = srv.url, rest_api_key = srv.rest_key, organization_api_key = srv.org_key,
      app_id = srv.app_id }
    for k, v in pairs(options or {}) do o[k] = v end
    return onesignal.new(o)
  end

  -- Runs fn, which must raise; returns the message after checking nothing reached the server.
  local function refused(fn)
    local ok, err = pcall(fn)
    assert.is_false(ok, "expected an error")
    assert.are.equal(0, #srv:requests(), "something was sent")
    return tostring(err)
  end

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)
  before_each(function()
    srv:reset()
    client = new()
  end)

  describe("a control character in a header value", function()
    for label, bad in pairs(CONTROL) do
      for _, option in ipairs({ "rest_api_key", "organization_api_key", "user_agent", "app_id" }) do
        it("is refused in " .. option .. " (" .. label .. ")", function()
          local value = "value-" .. option .. bad
          local message = refused(function() new({ [option] = value }):get_segments() end)
          assert.matches("option '" .. option .. "' contains a control character", message, 1, true)
          assert.is_nil(message:find(value, 1, true))
        end)
      end

      it("is refused in an idempotency key (" .. label .. ")", function()
        local message = refused(function()
          client:create_notification({ contents = { en = "x" }, included_segments = { "All" },
            idempotency_key = "key" .. bad })
        end)
        assert.matches("idempotency_key", message, 1, true)
        assert.matches("control character", message, 1, true)
      end)

      it("is refused in the older external_id key (" .. label .. ")", function()
        local message = refused(function()
          client:create_notification({ contents = { en = "x" }, included_segments = { "All" },
            external_id = "key" .. bad })
        end)
        assert.matches("external_id", message, 1, true)
        assert.matches("control character", message, 1, true)
      end)
    end

    it("refuses an empty idempotency key, which would make a resend look safe", function()
      local message = refused(function()
        client:create_notification({ contents = { en = "x" }, included_segments = { "All" }, idempotency_key = "" })
      end)
      assert.matches("non%-empty", message)
    end)

    it("refuses a bad idempotency key before any transport sees it (dry runs and cosockets too)", function()
      local dry = onesignal.new({ dry_run = true, rest_api_key = "k", app_id = "a" })
      for _, key in ipairs({ "", "a\r\nX-Evil: 1", "a\0b", 42 }) do
        local ok, err = pcall(dry.create_notification, dry,
          { contents = { en = "x" }, included_segments = { "All" }, idempotency_key = key })
        assert.is_false(ok, tostring(key))
        assert.matches("field idempotency_key must be a non%-empty string without control characters", err)
      end
    end)

    it("refuses header lines with a line break or without a name in the C core", function()
      local core = require("onesignal.core")
      for _, line in ipairs({ "X-A: 1\r\nX-B: 2", "X-A: 1\n", "X-A\0: 1", ": no name", "No colon", "Bad Name: 1" }) do
        local ok, err = pcall(core.session, { base_url = srv.url, headers = { line } })
        assert.is_false(ok, line)
        assert.matches("'Name: value' lines", err, 1, true)
      end
    end)
  end)

  describe("settings", function()
    it("refuses infinite retry delays, which would park a retry forever", function()
      for _, name in ipairs({ "retry_base_delay", "retry_max_delay" }) do
        local message = refused(function() client:with({ [name] = math.huge }):get_segments() end)
        assert.matches("'" .. name .. "' must be a non-negative number of seconds, at most 2147483 (24.8 days),"
          .. " got inf", message, 1, true)
      end
    end)
  end)

  describe("a body JSON cannot carry", function()
    local cases = {
      ["a function"] = { function() end, "is a function" },
      ["userdata"] = { io.stdout, "is a userdata" },
      ["NaN"] = { 0 / 0, "NaN" },
      ["infinity"] = { math.huge, "is infinite" },
      ["minus infinity"] = { -math.huge, "is infinite" },
      ["a coroutine"] = { coroutine.create(function() end), "is a thread" },
    }
    for label, case in pairs(cases) do
      it("is refused when a field is " .. label, function()
        local message = refused(function()
          client:create_notification({ contents = { en = "x" }, included_segments = { "All" },
            data = { nested = { case[1] } } })
        end)
        assert.matches("create_notification", message, 1, true)
        assert.matches("data.nested[1]", message, 1, true)
        assert.matches(case[2], message, 1, true)
      end)
    end

    it("is refused when a table contains itself", function()
      local cyclic = { name = "loop" }
      cyclic.self = cyclic
      local message = refused(function()
        client:create_notification({ contents = { en = "x" }, included_segments = { "All" }, data = cyclic })
      end)
      assert.matches("cyclic", message, 1, true)
    end)

    it("is refused when a key is not a string or a number", function()
      local message = refused(function()
        client:create_notification({ contents = { en = "x" }, included_segments = { "All" },
          data = { [true] = 1 } })
      end)
      assert.matches("key of type boolean", message, 1, true)
    end)
  end)

  describe("custom events over the API's documented limits", function()
    local function event(size)
      return { name = "purchase", external_id = "u-1", properties = { blob = string.rep("x", size) } }
    end

    it("refuses an event over 2,024 bytes", function()
      local message = refused(function() client:create_custom_events(nil, { events = { event(10), event(2100) } }) end)
      assert.matches("events[2]", message, 1, true)
      assert.matches("at most 2024", message, 1, true)
    end)

    it("refuses a request over 1 MB", function()
      local events = {}
      for i = 1, 600 do events[i] = event(1900) end -- each under 2,024 bytes, together over 1 MB
      local message = refused(function() client:create_custom_events(nil, { events = events }) end)
      assert.matches("at most 1048576", message, 1, true)
    end)

    it("sends a request within both limits", function()
      local body, err = client:create_custom_events(nil, { events = { event(1900), event(10) } })
      assert.is_table(body, tostring(err))
      assert.are.equal(1, #srv:requests())
    end)
  end)

  describe("path parameters", function()
    local values = {
      "../../apps", "..", ".", "a?b#c", "100%", "a/b", "%2F", "ünïcødé", "用户", "a b+c", "x;y=z", "&limit=1",
    }
    for _, value in ipairs(values) do
      it("keeps " .. string.format("%q", value) .. " one encoded segment", function()
        local _, err = client:get_user(nil, "external_id", value)
        -- the test server answers 404 for a user it does not know: the route was still found
        assert.are.equal(404, err and err.status, tostring(err))
        local seen = srv:requests()
        assert.are.equal(1, #seen)
        local req = seen[1]
        assert.are.equal("get_user", req.operation)
        assert.is_nil(req.query ~= "" and req.query or nil, "a query appeared")
        local segments = {}
        for segment in req.path:gmatch("[^/]+") do segments[#segments + 1] = segment end
        local unpack = table.unpack or unpack
        assert.are.same({ "apps", srv.app_id, "users", "by", "external_id" }, { unpack(segments, 1, 5) })
        assert.are.equal(6, #segments, req.path)
        assert.is_nil(segments[6]:find("[^%w%-%._~%%]"), "unencoded byte in " .. segments[6])
        local decoded = segments[6]:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
        assert.are.equal(value, decoded)
      end)
    end
  end)
end)
