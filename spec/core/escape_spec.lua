-- core.escape: percent-encoding of one path segment or query value.
local core = require("onesignal.core")
local support = require("core.support")

describe("core.escape", function()
  it("encodes separators, spaces and percent signs", function()
    assert.same("a%2Fb%20c", core.escape("a/b c"))
    assert.same("100%25", core.escape("100%"))
    assert.same("%3F%26%3D%23%2B%3A%40", core.escape("?&=#+:@"))
  end)

  it("keeps unreserved characters", function()
    local unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    assert.same(unreserved, core.escape(unreserved))
  end)

  it("keeps dots inside a segment but encodes a whole dot-segment", function()
    assert.same("..%2Fx", core.escape("../x"))
    assert.same("%2E%2E", core.escape(".."))
    assert.same("%2E", core.escape("."))
    assert.same("...", core.escape("..."))
    assert.same("a.b", core.escape("a.b"))
  end)

  it("encodes UTF-8 byte by byte, upper-case hex", function()
    assert.same("%C3%A9t%C3%A9", core.escape("été"))
    assert.same("%F0%9F%94%94", core.escape("🔔"))
  end)

  it("encodes control bytes and NUL", function()
    assert.same("%00%0D%0A%7F", core.escape("\0\r\n\127"))
  end)

  it("handles the empty string and long strings", function()
    assert.same("", core.escape(""))
    local long = string.rep("a b", 10000)
    assert.same(string.rep("a%20b", 10000), core.escape(long))
  end)

  it("accepts numbers like Lua strings do and refuses other types", function()
    assert.same("42", core.escape(42))
    assert.error_matches(function() core.escape(nil) end, support.bad_argument(1, "string expected, got nil"))
  end)
end)
