-- The module table of onesignal.core.
local core = require("onesignal.core")
local support = require("core.support")

describe("onesignal.core", function()
  it("has a version and names its libcurl", function()
    assert.same("0.1.0", core._VERSION)
    assert.is_truthy(core.curl_version:match("^libcurl/%d"))
  end)

  it("reports features as booleans", function()
    for _, name in ipairs({ "http2", "brotli", "epoll" }) do
      assert.same("boolean", type(core.features[name]), name)
    end
  end)

  it("has a monotonic clock in seconds", function()
    local a = core.monotonic()
    local b = core.monotonic()
    assert.same("number", type(a))
    assert.is_true(b >= a)
  end)

  it("sleeps for fractions of a second", function()
    local before = core.monotonic()
    core.sleep(0.05)
    assert.is_true(core.monotonic() - before >= 0.05)
    core.sleep(0)
    assert.error_matches(function() core.sleep(-1) end, support.bad_argument(1, "seconds must not be negative"))
    assert.error_matches(function() core.sleep("soon") end, support.bad_argument(1, "number expected, got string"))
  end)

  it("can be required again and returns the same table", function()
    assert.equal(core, require("onesignal.core"))
  end)

  -- src/visibility.h: everything else is shared between the core's own files only.
  it("exports luaopen_onesignal_core and nothing else", function()
    local path = assert(package.searchpath("onesignal.core", package.cpath))
    local nm = assert(io.popen("nm -D --defined-only '" .. path .. "' 2>&1"))
    local names = {}
    for line in nm:lines() do names[#names + 1] = line:match("(%S+)$") end
    assert.is_true(nm:close(), table.concat(names, "\n"))
    assert.same({ "luaopen_onesignal_core" }, names)
  end)
end)
