-- core.parse_retry_after: delta-seconds and the three HTTP-date forms, strictly.
local core = require("onesignal.core")
local support = require("core.support")

local parse = core.parse_retry_after
local EPOCH_1994 = 784111777 -- Sun, 06 Nov 1994 08:49:37 GMT

describe("core.parse_retry_after", function()
  it("reads delta-seconds", function()
    assert.same(120, parse("120"))
    assert.same(0, parse("0"))
    assert.same(7, parse("007"))
    assert.same(1, parse("1", 0))
  end)

  it("allows surrounding spaces and tabs", function()
    assert.same(5, parse("  5 "))
    assert.same(7, parse("\t7\t"))
    assert.same(60, parse("  Sun, 06 Nov 1994 08:49:37 GMT\t", EPOCH_1994 - 60))
  end)

  it("clamps huge delta-seconds instead of overflowing", function()
    assert.same(2147483648, parse("2147483648"))
    assert.same(2147483648, parse("99999999999999999999999999999999999999999999"))
    assert.same(2147483647, parse("2147483647"))
  end)

  -- RFC 9110 has digits only, but a fraction still says how long to wait: ignored, it left the default
  -- backoff (a quarter of a second) in place of the 1.5 s asked for.
  it("reads delta-seconds with a fraction, rounded up to whole seconds", function()
    assert.same(2, parse("1.5"))
    assert.same(1, parse("0.001"))
    assert.same(1, parse("1.0"))
    assert.same(0, parse("0.000"))
    assert.same(3, parse(" 2.25\t"))
    assert.same(1, parse("0." .. string.rep("0", 400) .. "1"))
    -- the cap holds, and a fraction cannot cross it
    assert.same(2147483648, parse("2147483647.5"))
    assert.same(2147483648, parse("2147483648.5"))
    assert.same(2147483648, parse(string.rep("9", 50) .. ".9"))
  end)

  it("rejects what is not delta-seconds", function()
    for _, v in ipairs({ "", " ", "-1", "+1", "1e3", "12a", "0x10", "1 2", "abc", "\0", "5\n",
      "1.", ".5", "1..5", "1.5.0", "1,5", "1. 5", "1.5e3", "1.-5", "-1.5", ".", "1.5 s" }) do
      assert.is_nil(parse(v), string.format("%q", v))
    end
  end)

  it("reads an IMF-fixdate relative to now", function()
    assert.same(60, parse("Sun, 06 Nov 1994 08:49:37 GMT", EPOCH_1994 - 60))
    assert.same(0.5, parse("Sun, 06 Nov 1994 08:49:37 GMT", EPOCH_1994 - 0.5))
    assert.same(86400, parse("Thu, 29 Feb 2024 00:00:00 GMT", 1709078400))
    assert.same(1, parse("Thu, 01 Jan 1970 00:00:01 GMT", 0))
    assert.same(1, parse("Sat, 01 Jan 2000 00:00:00 GMT", 946684799))
    -- a leap second is the second before the next minute's first
    assert.same(1, parse("Sat, 31 Dec 2016 23:59:60 GMT", 1483228799))
  end)

  it("knows every month's length, February's by the leap year rules", function()
    local months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }
    local lengths = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
    local function at(day, month, year) -- seconds from 1970 to that midnight
      return parse(string.format("Mon, %02d %s %04d 00:00:00 GMT", day, months[month], year), 0)
    end
    for _, year in ipairs({ 2023, 2024 }) do
      for m = 1, 12 do
        local last = lengths[m] + ((m == 2 and year == 2024) and 1 or 0)
        assert.is_nil(at(last + 1, m, year), months[m] .. " " .. year)
        -- the first of the next month is the day after the last of this one
        local next_first = m < 12 and at(1, m + 1, year) or at(1, 1, year + 1)
        assert.same(86400, next_first - at(last, m, year), months[m] .. " " .. year)
      end
    end
    assert.same(86400, at(1, 3, 2000) - at(29, 2, 2000)) -- divisible by 400: a leap year
    assert.is_nil(at(29, 2, 2100)) -- by 100 but not 400: not one
  end)

  it("counts leap years the same way before year 1", function()
    assert.same(10, parse("Sat, 01 Jan 0000 00:00:00 GMT", -62167219200 - 10))
    -- on 1 January of the year -100, "30" is the year -70, thirty years (seven of them leap) later
    assert.same((30 * 365 + 7) * 86400, parse("Sunday, 01-Jan-30 00:00:00 GMT", -65322892800))
  end)

  it("takes now's year right on the last day of a leap year", function()
    local dec_31_2072 = 3250368000 -- the year length 365.2425 puts this day in 2073
    assert.same(0, parse("Sunday, 01-Jan-23 00:00:00 GMT", dec_31_2072)) -- 2023, not 2123
    assert.same(4796668800 - dec_31_2072, parse("Sunday, 01-Jan-22 00:00:00 GMT", dec_31_2072)) -- 2122
  end)

  it("reads an RFC 850 date with a two-digit year", function()
    assert.same(30, parse("Sunday, 06-Nov-94 08:49:37 GMT", EPOCH_1994 - 30))
    -- the century that puts the date within 50 years of now
    assert.same(10, parse("Friday, 01-Jan-30 00:00:00 GMT", 1893456000 - 10))
  end)

  it("reads an asctime date, space-padded or two-digit day", function()
    assert.same(90, parse("Sun Nov  6 08:49:37 1994", EPOCH_1994 - 90))
    assert.same(10 * 86400 + 90, parse("Wed Nov 16 08:49:37 1994", EPOCH_1994 - 90))
  end)

  it("clamps a date in the past to 0", function()
    assert.same(0, parse("Sun, 06 Nov 1994 08:49:37 GMT", EPOCH_1994 + 3600))
    assert.same(0, parse("Sun, 06 Nov 1994 08:49:37 GMT"))
  end)

  it("dates nothing against a clock 10^13 seconds or more away, and still reads delta-seconds", function()
    for _, now in ipairs({ 1e13, -1e13, 1e14 }) do
      assert.is_nil(parse("Sun, 06 Nov 1994 08:49:37 GMT", now), now)
      assert.same(5, parse("5", now))
    end
  end)

  it("uses the current time by default", function()
    local wait = parse("Fri, 01 Jan 2100 00:00:00 GMT")
    assert.is_true(wait > 0 and wait < 4102444800 - os.time() + 5)
  end)

  it("rejects malformed dates", function()
    local bad = {
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37",
      "Sun, 06 Nov 1994 08:49:37 GMT junk",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "Sun 06 Nov 1994 08:49:37 GMT",
      "Foo, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Noo 1994 08:49:37 GMT",
      "Sun, 31 Feb 1994 08:49:37 GMT",
      "Sun, 29 Feb 1900 08:49:37 GMT",
      "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      "Sun, 06 Nov 1994 08:49:3: GMT",
      "Sun, 0: Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "sun, 06 nov 1994 08:49:37 gmt",
      "Sunday, 06-Nov-1994 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun Nov  6 08:49:37 94",
      "Sun Nov  6 08:49:37 1994 GMT",
    }
    for _, v in ipairs(bad) do assert.is_nil(parse(v, EPOCH_1994), v) end
  end)

  it("gives nil for nil and refuses other types", function()
    assert.is_nil(parse(nil))
    assert.error_matches(function() parse({}) end, support.bad_argument(1, "string expected"))
  end)
end)
