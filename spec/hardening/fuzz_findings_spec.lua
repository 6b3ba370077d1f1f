-- What fuzzing found in the C core (fuzz/README.md), kept as ordinary specs so it stays fixed.
local core = require("onesignal.core")

-- Unix seconds of a UTC date (the days-from-civil algorithm, written with math.floor for LuaJIT).
local function utc(year, month, day)
  local floor = math.floor
  local y = month <= 2 and year - 1 or year
  local era = floor(y / 400)
  local yoe = y - era * 400
  local doy = floor((153 * (month + (month > 2 and -3 or 9)) + 2) / 5) + day - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return (era * 146097 + doe - 719468) * 86400
end

describe("fuzz findings", function()
  describe("an RFC 850 date's two-digit year", function()
    it("is the latest year with those digits at most 50 years after now", function()
      -- in 1970, "00" is 2000 (30 years ahead), not 1900
      assert.are.equal(utc(2000, 11, 6), core.parse_retry_after("Monday, 06-Nov-00 00:00:00 GMT", 0))
      -- in 2080, "10" is 2110 (30 years ahead), not 2010
      local now = utc(2080, 1, 1)
      assert.are.equal(utc(2110, 11, 6) - now, core.parse_retry_after("Thursday, 06-Nov-10 00:00:00 GMT", now))
      -- more than 50 years ahead goes back a century: in 2020, "94" is 1994 (already past: 0)
      assert.are.equal(0, core.parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", utc(2020, 1, 1)))
      -- exactly 50 years ahead is still ahead
      assert.are.equal(utc(2070, 1, 1) - utc(2020, 1, 1),
        core.parse_retry_after("Wednesday, 01-Jan-70 00:00:00 GMT", utc(2020, 1, 1)))
    end)
  end)

  describe("the backoff", function()
    it("is never NaN, even for infinite delays and a zero draw", function()
      local wait = core.backoff(1, math.huge, math.huge, 0)
      assert.is_true(wait == wait, "NaN")
      assert.are.equal(math.huge, wait)
    end)

    it("never rounds above max_delay, even for the smallest delays", function()
      local tiny = 1.26e-321 -- subnormal: halving it rounds
      assert.is_true(core.backoff(1, 1e300, tiny, 0.9999999999) <= tiny)
      for _, r in ipairs({ 0, 0.25, 0.5, 0.999999, 0.9999999999999999 }) do
        assert.is_true(core.backoff(3, 0.5, 1, r) <= 1)
        assert.is_true(core.backoff(3, 0.5, 1, r) >= 0.5)
      end
    end)

    it("treats a NaN max_delay as no delay rather than passing the base through", function()
      assert.are.equal(0, core.backoff(1, 10, 0 / 0, 0.5))
    end)
  end)
end)
