-- core.redact: secrets never survive into text meant for people.
local core = require("onesignal.core")

describe("core.redact", function()
  it("replaces every occurrence", function()
    assert.same("a [REDACTED] b [REDACTED]", core.redact("a sekret b sekret", "sekret"))
  end)

  it("replaces each of several secrets", function()
    assert.same("[REDACTED]/[REDACTED]", core.redact("rest-key/org-key", "rest-key", "org-key"))
  end)

  it("prefers the longest secret where two overlap", function()
    assert.same("x[REDACTED]x", core.redact("xabcdefx", "abc", "abcdef"))
    assert.same("x[REDACTED]x", core.redact("xabcdefx", "abcdef", "abc"))
  end)

  it("ignores nil and empty secrets", function()
    assert.same("nothing here", core.redact("nothing here", nil, ""))
    assert.same("a [REDACTED]", core.redact("a key", nil, "key"))
    assert.same("plain", core.redact("plain"))
  end)

  it("handles binary text and secrets at the edges", function()
    assert.same("[REDACTED]\0[REDACTED]", core.redact("k\0k", "k"))
    assert.same("", core.redact("", "k"))
  end)

  it("refuses secrets that are not strings", function()
    assert.has_error(function() core.redact("text", {}) end)
  end)
end)
