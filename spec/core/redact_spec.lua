-- core.redact: secrets never survive into text meant for people.
local core = require("onesignal.core")
local support = require("core.support")

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

  -- A key given as a path or query value reaches a URL percent-encoded (escape writes "+" as %2B), and a
  -- server may echo it so, in either case of hex digits, or encode bytes that need none.
  it("replaces a secret spelled with percent-encoded bytes", function()
    local key = "Ab+cd/ef=="
    assert.same("/users/[REDACTED]?x=1", core.redact("/users/" .. core.escape(key) .. "?x=1", key))
    assert.same("Ab%2Bcd%2Fef%3D%3D", core.escape(key)) -- the form the URL carried
    assert.same("[REDACTED] [REDACTED] [REDACTED]", core.redact("Ab%2bcd%2fef%3d%3d %41b+cd/ef%3D= Ab+cd/ef==", key))
    assert.same("[REDACTED]%6b", core.redact("k%6B%6b", "kk"))
    -- a '%' that is not a whole escape, or one for another byte, is text
    assert.same("Ab%2 Ab%2Xcd Ab%2Ccd/ef==", core.redact("Ab%2 Ab%2Xcd Ab%2Ccd/ef==", key))
    assert.same("Ab+cd/ef=%3", core.redact("Ab+cd/ef=%3", key))
  end)

  -- A '%' of a secret is spelled one way through an occurrence: as itself, or as %25 (the whole secret
  -- percent-encoded, as a URL carries it when it is a path or query value).
  it("replaces a secret with a '%' as itself or percent-encoded", function()
    assert.same("[REDACTED]", core.redact("p%40ss", "p%40ss")) -- a proxy URL's password, as libcurl quotes it
    assert.same("x[REDACTED]", core.redact("x%70%40ss", "p%40ss")) -- its other bytes may be encoded
    assert.same("/users/[REDACTED]", core.redact("/users/" .. core.escape("k%e\\y%"), "k%e\\y%"))
    assert.same("[REDACTED] [REDACTED]", core.redact("p%2540ss p%2540%73s", "p%40ss"))
    -- the two spellings of '%' are not mixed in one occurrence
    assert.same("a%b%25c", core.redact("a%b%25c", "a%b%c"))
    assert.same("%25", core.redact("%25", "%%"))
  end)

  -- A server echoing a key inside a JSON string may escape any of its bytes (some encoders write '/' as
  -- "\/", others every byte as "\u00XX"); the decoded body would hold the key whole.
  it("replaces a secret spelled with JSON escapes", function()
    local key = "Ab+cd/ef=="
    assert.same('{"key":"[REDACTED]"}', core.redact('{"key":"Ab+cd\\/ef=="}', key))
    assert.same('"[REDACTED]" "[REDACTED]"', core.redact('"\\u0041\\u0062\\u002B\\u0063\\u0064\\u002f\\u0065\\u0066'
      .. '\\u003d\\u003D" "A\\u0062+cd\\/e%66=="', key))
    assert.same("[REDACTED]", core.redact('a\\"b', 'a"b'))
    -- an escape for another byte, or one cut short, is text
    assert.same("Ab+cd\\u002Eef==", core.redact("Ab+cd\\u002Eef==", key))
    assert.same("Ab+cd\\u002", core.redact("Ab+cd\\u002", key))
    assert.same("Ab\\+cd/ef==", core.redact("Ab\\+cd/ef==", key))
  end)

  -- A backslash of a secret is spelled one way through an occurrence: as itself, or JSON-escaped as "\\"
  -- or "\u005C" (the whole secret in a JSON string, as a body, the CLI's dry run or a server carries it).
  it("replaces a secret with a backslash as itself or JSON-escaped", function()
    assert.same("[REDACTED] [REDACTED] [REDACTED]", core.redact("a\\b a\\\\b a\\u005cb", "a\\b"))
    local key = 'k\\e"y%'
    assert.same('{"key":"[REDACTED]"}', core.redact(require("onesignal.json").encode({ key = key }), key))
    assert.same("[REDACTED]", core.redact('k\\\\e\\"y\\u0025', key))
    -- the two spellings of a backslash are not mixed in one occurrence
    assert.same("a\\b\\\\c", core.redact("a\\b\\\\c", "a\\b\\c"))
  end)

  -- onesignal.quote shows a name that is not UTF-8 with its bytes above 0x7F as \xHH; a key put there
  -- by mistake would show so.
  it("replaces a secret whose bytes above 0x7F are written as \\xHH", function()
    local key = "k\255\128y"
    assert.same("'[REDACTED]'", core.redact("'" .. require("onesignal.quote").word(key) .. "'", key))
    assert.same("[REDACTED] [REDACTED]", core.redact("k\\xff\\x80y k\\xFF\128y", key))
    assert.same("\\x6By", core.redact("\\x6By", "ky")) -- only bytes above 0x7F are so written
  end)

  it("prefers the longest spelling where secrets overlap", function()
    assert.same("x[REDACTED]x", core.redact("xa%62cdefx", "abc", "abcdef"))
    assert.same("x[REDACTED]def", core.redact("xa%62cdef", "abc", "abcdeg"))
  end)

  it("refuses secrets that are not strings", function()
    assert.error_matches(function() core.redact("text", {}) end, support.bad_argument(2, "string or nil expected"))
  end)
end)
