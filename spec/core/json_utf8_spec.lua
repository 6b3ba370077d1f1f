-- The UTF-8 check of the C core (src/utf8.c): core.utf8_error, and core.json_encode, which must refuse a
-- string or key that is not well-formed UTF-8 (RFC 3629) and pass well-formed text through unchanged.
local core = require("onesignal.core")

local ARRAY_MT = {}
local function encode(value, ...) return core.json_encode(value, {}, {}, ARRAY_MT, 64, ...) end

-- Well-formed: every boundary between sequence lengths, around the surrogates, and the last code point.
local VALID = {
  { "U+007F", "\x7F" }, { "U+0080", "\xC2\x80" }, { "U+07FF", "\xDF\xBF" }, { "U+0800", "\xE0\xA0\x80" },
  { "U+D7FF", "\xED\x9F\xBF" }, { "U+E000", "\xEE\x80\x80" }, { "U+FFFF", "\xEF\xBF\xBF" },
  { "U+10000", "\xF0\x90\x80\x80" }, { "U+10FFFF", "\xF4\x8F\xBF\xBF" }, { "emoji U+1F680", "\xF0\x9F\x9A\x80" },
  { "accents", "été à Zürich" }, { "CJK", "中文 日本語 한국어" }, { "mixed", "a é 中 🚀 z" },
}

-- Ill-formed, each class of RFC 3629; every one breaks at its first byte.
local INVALID = {
  { "a lone continuation byte", "\x80" }, { "a continuation byte 0xBF", "\xBF" },
  { "0xFE", "\xFE" }, { "0xFF", "\xFF" },
  { "an overlong 2-byte '/' (C0)", "\xC0\xAF" }, { "an overlong 2-byte U+007F (C1)", "\xC1\xBF" },
  { "an overlong 3-byte U+07FF", "\xE0\x9F\xBF" }, { "an overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF" },
  { "the surrogate U+D800", "\xED\xA0\x80" }, { "the surrogate U+DFFF", "\xED\xBF\xBF" },
  { "a surrogate pair written as two sequences (CESU-8)", "\xED\xA0\xBD\xED\xB8\x80" },
  { "U+110000", "\xF4\x90\x80\x80" }, { "a lead byte F5", "\xF5\x80\x80\x80" },
  { "a lead byte F7", "\xF7\xBF\xBF\xBF" }, { "a 5-byte form", "\xF8\x88\x80\x80\x80" },
  { "a 2-byte sequence cut short by the end", "\xC3" }, { "a 3-byte one", "\xE4\xB8" },
  { "a 4-byte one", "\xF0\x9F\x9A" }, { "a sequence cut short by ASCII", "\xE4\xB8x" },
  { "a 4-byte sequence whose last byte is ASCII", "\xF0\x9F\x9Ax" },
  { "a sequence cut short by a lead byte", "\xC3\xC3\xA9" },
}

describe("core.utf8_error", function()
  it("passes well-formed text of every sequence length and boundary", function()
    for _, case in ipairs(VALID) do
      assert.is_nil(core.utf8_error(case[2]), case[1])
    end
    assert.is_nil(core.utf8_error(""))
  end)

  it("gives the position where the first ill-formed sequence starts, after ASCII and after UTF-8", function()
    for _, case in ipairs(INVALID) do
      assert.are.equal(1, core.utf8_error(case[2]), case[1])
      assert.are.equal(3, core.utf8_error("ab" .. case[2]), case[1])
      assert.are.equal(21, core.utf8_error(("x"):rep(20) .. case[2] .. "yy"), case[1]) -- past the 8-byte skip
      assert.are.equal(8, core.utf8_error("é 🚀" .. case[2]), case[1])
    end
  end)

  it("finds one bad byte at every place of a string up to three words long", function()
    for length = 1, 24 do
      for at = 1, length do
        local s = ("x"):rep(at - 1) .. "\xFF" .. ("y"):rep(length - at)
        assert.are.equal(at, core.utf8_error(s))
      end
    end
  end)
end)

describe("core.json_encode and UTF-8", function()
  it("writes well-formed text unchanged as a value, a key, and a member given beside the table", function()
    for _, case in ipairs(VALID) do
      local s = case[2]
      assert.are.equal('{"s":"' .. s .. '"}', encode({ s = s }), case[1])
      assert.are.equal('{"' .. s .. '":1}', encode({ [s] = 1 }), case[1])
      assert.are.equal('["' .. s .. '"]', encode({ s }), case[1])
      assert.are.equal('{"k":"' .. s .. '"}', encode({}, "k", s), case[1])
    end
  end)

  -- The writer looks at eight bytes at a time and only checks a string that has a byte at or above 0x80:
  -- a sequence at any place of a word, and with bytes to escape beside it, must come out as it was.
  it("writes a multi-byte sequence at every place of a long string, escapes beside it", function()
    for _, seq in ipairs({ "\xC2\x80", "\xE0\xA0\x80", "\xF4\x8F\xBF\xBF" }) do
      for at = 1, 17 do
        local s = ("x"):rep(at - 1) .. seq .. ("y"):rep(17 - at)
        assert.are.equal('["' .. s .. '"]', encode({ s }))
        local quoted = ('"'):rep(at - 1) .. seq .. "\n"
        assert.are.equal('["' .. ('\\"'):rep(at - 1) .. seq .. '\\n"]', encode({ quoted }))
      end
    end
  end)

  it("refuses every ill-formed class as a value, a key, an array element or a member, whatever surrounds it", function()
    for _, case in ipairs(INVALID) do
      for _, s in ipairs({ case[2], "ab" .. case[2], ("x"):rep(20) .. case[2] .. "\n", "é" .. case[2] }) do
        for _, value in ipairs({ { s = s }, { [s] = 1 }, { "ok", s }, { a = { b = { s } } }, s }) do
          local text, problem = encode(value)
          assert.is_nil(text, case[1])
          assert.are.equal("a string is not valid UTF-8", problem, case[1])
        end
        assert.is_nil((encode({}, "k", s)), case[1])
        assert.is_nil((encode({}, s, "v")), case[1])
      end
    end
  end)

  it("refuses one bad byte at every place of a string, also in a list longer than the first buffer", function()
    for length = 1, 24 do
      for at = 1, length do
        local s = ("x"):rep(at - 1) .. "\xFF" .. ("y"):rep(length - at)
        assert.is_nil((encode({ s })))
      end
    end
    local ids = {}
    for i = 1, 1000 do ids[i] = "id-" .. i end
    assert.is_string((encode({ ids = ids })))
    ids[999] = "id-\xC0\xAF"
    local text, problem = encode({ ids = ids })
    assert.is_nil(text)
    assert.are.equal("a string is not valid UTF-8", problem)
  end)
end)
