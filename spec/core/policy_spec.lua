-- core.policy and core.backoff: every rule of the retry policy (docs/design.md), deterministic
-- through an explicit `random`.
local core = require("onesignal.core")
local support = require("core.support")

local function decide(t)
  local input = { attempt = 1, max_retries = 3, base_delay = 0.5, max_delay = 30, random = 0 }
  for k, v in pairs(t) do input[k] = v end
  local retry, wait, maybe_sent, gave_up = core.policy(input)
  return { retry = retry, wait = wait, maybe_sent = maybe_sent, gave_up = gave_up }
end

describe("core.policy", function()
  it("never retries a definite answer (2xx, 3xx, 4xx other than 429)", function()
    for _, status in ipairs({ 200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422 }) do
      for _, safe in ipairs({ true, false }) do
        local d = decide({ status = status, sent = true, safe = safe })
        assert.same({ retry = false, wait = 0, maybe_sent = false }, d, "status " .. status)
      end
    end
  end)

  it("ends a transfer whose on_body stopped a 2xx answer: not retried, nothing in doubt", function()
    local d = decide({ status = 200, error = "other", sent = true, safe = true, body_refused = true })
    assert.same({ retry = false, wait = 0, maybe_sent = false }, d)
    -- The same failure without the refusal is an unknown outcome, retried when safe.
    assert.is_true(decide({ status = 200, error = "other", sent = true, safe = true }).retry)
  end)

  it("retries 429 and 503 whatever the method", function()
    for _, status in ipairs({ 429, 503 }) do
      local d = decide({ status = status, sent = true, safe = false })
      assert.is_true(d.retry, "status " .. status)
      assert.is_false(d.maybe_sent)
      assert.is_nil(d.gave_up)
    end
  end)

  it("retries failures where nothing was sent whatever the method", function()
    for _, class in ipairs({ "connect", "resolve", "timeout", "reset" }) do
      local d = decide({ error = class, sent = false, safe = false })
      assert.is_true(d.retry, class)
      assert.is_false(d.maybe_sent, class)
    end
  end)

  it("retries 500, 502, 504 only when repeating is safe", function()
    for _, status in ipairs({ 500, 502, 504 }) do
      -- a retry is not the end of the call: nothing is reported maybe_sent yet
      local d = decide({ status = status, sent = true, safe = true })
      assert.same({ retry = true, wait = 0.25, maybe_sent = false }, d, "status " .. status)
      d = decide({ status = status, sent = true, safe = false })
      assert.same({ retry = false, wait = 0, maybe_sent = true }, d, "status " .. status)
    end
  end)

  it("retries failures after the request was written only when safe, else reports maybe_sent", function()
    for _, class in ipairs({ "reset", "partial", "timeout", "other" }) do
      assert.is_true(decide({ error = class, sent = true, safe = true }).retry, class)
      local d = decide({ error = class, sent = true, safe = false })
      assert.same({ retry = false, wait = 0, maybe_sent = true }, d, class)
    end
  end)

  -- The status line is the server's decision; a body cut short, stalled or reset after it loses only text.
  it("judges a failure after the status line by that status", function()
    for _, class in ipairs({ "reset", "partial", "timeout", "other" }) do
      for _, status in ipairs({ 429, 503 }) do -- declined: nothing applied, repeated whatever the method
        local d = decide({ status = status, error = class, sent = true, safe = false })
        assert.same({ retry = true, wait = 0.25, maybe_sent = false }, d, class .. " " .. status)
        assert.is_false(select(5, core.policy({ status = status, error = class, sent = true, random = 0 })))
      end
      for _, status in ipairs({ 301, 400, 404, 409, 501 }) do -- definite: never repeated, nothing applied
        for _, safe in ipairs({ true, false }) do
          local d = decide({ status = status, error = class, sent = true, safe = safe })
          assert.same({ retry = false, wait = 0, maybe_sent = false }, d, class .. " " .. status)
        end
      end
      for _, status in ipairs({ 200, 201, 500, 502, 504 }) do -- applied, or maybe: as before the status
        assert.is_true(decide({ status = status, error = class, sent = true, safe = true }).retry, class .. status)
        assert.same({ retry = false, wait = 0, maybe_sent = true },
          decide({ status = status, error = class, sent = true, safe = false }), class .. " " .. status)
      end
    end
  end)

  it("does not repeat an unclassified failure that happened before sending", function()
    assert.same({ retry = false, wait = 0, maybe_sent = false }, decide({ error = "other", sent = false, safe = true }))
  end)

  it("never retries tls, too_large, proxy or closed", function()
    for _, class in ipairs({ "tls", "too_large", "proxy", "closed" }) do
      for _, sent in ipairs({ true, false }) do
        local d = decide({ error = class, sent = sent, safe = true })
        assert.same({ retry = false, wait = 0, maybe_sent = false }, d, class)
      end
    end
  end)

  it("stops after max_retries retries", function()
    assert.is_true(decide({ status = 503, attempt = 3, max_retries = 3 }).retry)
    local d = decide({ status = 503, attempt = 4, max_retries = 3 })
    assert.same({ retry = false, wait = 0, maybe_sent = false, gave_up = "max_retries" }, d)
    assert.same("max_retries", decide({ status = 503, attempt = 1, max_retries = 0 }).gave_up)
  end)

  it("reports maybe_sent when giving up on an unknown outcome, safe or not", function()
    local d = decide({ status = 502, safe = true, attempt = 4, max_retries = 3 })
    assert.same({ retry = false, wait = 0, maybe_sent = true, gave_up = "max_retries" }, d)
    d = decide({ error = "timeout", sent = true, safe = true, attempt = 2, max_retries = 1 })
    assert.is_true(d.maybe_sent)
    d = decide({ error = "connect", sent = false, safe = true, attempt = 2, max_retries = 1 })
    assert.is_false(d.maybe_sent)
  end)

  it("carries an attempt that may have been applied over to the end of the call", function()
    -- the fifth value: this attempt or an earlier one may have been applied
    assert.is_true(select(5, core.policy({ status = 502, safe = true, random = 0 })))
    assert.is_false(select(5, core.policy({ status = 503, safe = true, random = 0 })))
    assert.is_true(select(5, core.policy({ status = 503, safe = true, random = 0, applied_before = true })))
    -- a later refusal, connect failure or error status leaves the outcome unknown; only a 2xx settles it
    local d = decide({ status = 503, safe = true, attempt = 4, max_retries = 3, applied_before = true })
    assert.same({ retry = false, wait = 0, maybe_sent = true, gave_up = "max_retries" }, d)
    d = decide({ status = 429, safe = true, retry_after = 60, max_delay = 30, applied_before = true })
    assert.same({ retry = false, wait = 0, maybe_sent = true, gave_up = "retry_after_too_long" }, d)
    assert.is_true(decide({ error = "connect", safe = true, attempt = 2, max_retries = 1,
      applied_before = true }).maybe_sent)
    assert.is_true(decide({ status = 404, safe = true, applied_before = true }).maybe_sent)
    assert.is_false(decide({ status = 200, safe = true, applied_before = true }).maybe_sent)
    assert.is_false(decide({ status = 299, safe = true, applied_before = true }).maybe_sent)
    assert.is_true(decide({ status = 300, safe = true, applied_before = true }).maybe_sent)
    assert.is_true(decide({ status = 503, safe = true, applied_before = true }).retry)
    -- what is not safe to repeat is not repeated once it may have been applied, whatever comes after
    assert.same({ retry = false, wait = 0, maybe_sent = true },
      decide({ status = 503, safe = false, applied_before = true }))
  end)

  it("waits what Retry-After asks plus up to half the backoff's ceiling, never less", function()
    -- attempt 1, base 0.5: d = 0.5, so 0 to 0.25 s on top
    assert.same({ retry = true, wait = 7, maybe_sent = false }, decide({ status = 429, retry_after = 7, random = 0 }))
    assert.same(7.125, decide({ status = 503, retry_after = 7, random = 0.5 }).wait)
    assert.is_true(decide({ status = 503, retry_after = 7, random = 0.99 }).wait < 7.25)
    -- refused again and again, the spread grows as the backoff does: attempt 3, d = 2, 0 to 1 s on top
    assert.same(7.5, decide({ status = 429, retry_after = 7, attempt = 3, random = 0.5 }).wait)
    assert.same(0, decide({ status = 503, retry_after = 0, random = 0 }).wait)
    assert.same(0.125, decide({ status = 503, retry_after = 0, random = 0.5 }).wait) -- "now" is spread too
    assert.same(0.125, decide({ status = 503, retry_after = -5, random = 0.5 }).wait) -- never below zero
    -- never beyond max_delay, and never below what was asked to stay under it
    assert.same(30, decide({ status = 503, retry_after = 30, max_delay = 30, random = 0.99 }).wait)
    assert.same(30, decide({ status = 503, retry_after = 29.9, max_delay = 30, random = 0.99 }).wait)
  end)

  it("spreads the retries of calls told the same Retry-After", function()
    local waits, distinct = {}, 0
    for _ = 1, 100 do
      local _, wait = core.policy({ status = 429, retry_after = 1, attempt = 1, base_delay = 0.5, max_delay = 30 })
      assert.is_true(wait >= 1 and wait <= 1.25, "wait " .. wait)
      if not waits[wait] then waits[wait], distinct = true, distinct + 1 end
    end
    assert.is_true(distinct > 90, distinct .. " distinct waits in 100")
  end)

  it("stops at once when Retry-After exceeds max_delay", function()
    local d = decide({ status = 429, retry_after = 31, max_delay = 30 })
    assert.same({ retry = false, wait = 0, maybe_sent = false, gave_up = "retry_after_too_long" }, d)
  end)

  it("says how long a 429 holds the other requests of the same limit back, and nothing else does", function()
    local function hold(t)
      local input = { attempt = 1, max_retries = 3, base_delay = 0.5, max_delay = 30, random = 0.5 }
      for k, v in pairs(t) do input[k] = v end
      local retry, wait, _, _, _, held = core.policy(input)
      return held, retry, wait
    end
    -- retried: exactly its own retry's wait, Retry-After and the spread on it included
    local held, retry, wait = hold({ status = 429, retry_after = 2 })
    assert.is_true(retry)
    assert.is_true(held > 2 and held == wait, "hold " .. held .. ", wait " .. wait)
    held, retry, wait = hold({ status = 429 })
    assert.same({ 0.375, true, 0.375 }, { held, retry, wait })
    -- not retried: the Retry-After it carries, up to max_delay; without one, nothing to go by
    assert.same(5, hold({ status = 429, retry_after = 5, attempt = 4 }))
    assert.same(30, hold({ status = 429, retry_after = 120, max_delay = 30 }))
    assert.same(0, hold({ status = 429, attempt = 4 }))
    assert.same(0, hold({ status = 429, retry_after = 0, attempt = 4 }))
    -- another refusal or failure is no rate limit
    assert.same(0, hold({ status = 503, retry_after = 5 }))
    assert.same(0, hold({ status = 0, error = "connect" }))
    assert.same(0, hold({ status = 200 }))
  end)

  it("backs off exponentially with jitter in [d/2, d] when there is no Retry-After", function()
    assert.same(0.25, decide({ status = 503, attempt = 1, random = 0 }).wait)
    assert.same(0.375, decide({ status = 503, attempt = 1, random = 0.5 }).wait)
    assert.same(1, decide({ status = 503, attempt = 3, random = 0 }).wait)
    assert.same(1.5, decide({ status = 503, attempt = 3, random = 0.5 }).wait)
    assert.same(15, decide({ status = 503, attempt = 3, random = 0, max_retries = 10, max_delay = 30,
      base_delay = 10 }).wait)
  end)

  it("gives up when the wait would cross the deadline", function()
    local d = decide({ status = 503, elapsed = 9, deadline = 10, retry_after = 1 })
    assert.same({ retry = false, wait = 0, maybe_sent = false, gave_up = "deadline" }, d)
    assert.is_true(decide({ status = 503, elapsed = 8.5, deadline = 10, retry_after = 1 }).retry)
    -- the spread on top of Retry-After is dropped rather than the retry
    d = decide({ status = 429, elapsed = 8.9, deadline = 10, retry_after = 1, random = 0.99 })
    assert.same({ retry = true, wait = 1, maybe_sent = false }, d)
    d = decide({ status = 500, safe = true, elapsed = 9.9, deadline = 10 })
    assert.same({ retry = false, wait = 0, maybe_sent = true, gave_up = "deadline" }, d)
  end)

  it("draws its own jitter when no random is given", function()
    for _ = 1, 200 do
      local _, wait = core.policy({ status = 503, attempt = 2, max_retries = 3, base_delay = 1, max_delay = 30 })
      assert.is_true(wait >= 1 and wait <= 2, "wait " .. wait)
    end
  end)

  it("uses the documented defaults for missing fields", function()
    local retry, wait = core.policy({ status = 503, random = 0 })
    assert.is_true(retry)
    assert.same(0.25, wait) -- attempt 1, base 0.5
    assert.same("max_retries", select(4, core.policy({ status = 503, attempt = 4 })))
  end)

  it("rejects an unknown transport class and a non-table", function()
    assert.has_error(function() core.policy({ status = 0, error = "bogus" }) end,
      "onesignal.core: policy field 'error' is not a transport class")
    assert.error_matches(function() core.policy("503") end, support.bad_argument(1, "table expected, got string"))
  end)
end)

describe("core.backoff", function()
  it("doubles from base and caps at max", function()
    assert.same(0.25, core.backoff(1, 0.5, 30, 0))
    assert.same(0.5, core.backoff(2, 0.5, 30, 0))
    assert.same(1, core.backoff(3, 0.5, 30, 0))
    assert.same(15, core.backoff(10, 0.5, 30, 0))
    assert.same(15, core.backoff(1000000, 0.5, 30, 0))
    assert.same(15, core.backoff(2147483647, 0.5, 30, 0))
  end)

  it("spreads uniformly over [d/2, d)", function()
    assert.same(0.5, core.backoff(2, 0.5, 30, 0))
    assert.same(0.75, core.backoff(2, 0.5, 30, 0.5))
    local top = core.backoff(2, 0.5, 30, 0.999999)
    assert.is_true(top < 1 and top > 0.99)
  end)

  it("takes a random outside [0, 1) as the nearest end of it, NaN as 0", function()
    assert.same(0.5, core.backoff(2, 0.5, 30, -1))
    assert.same(0.5, core.backoff(2, 0.5, 30, 0 / 0))
    for _, r in ipairs({ 1, 7, math.huge }) do
      local w = core.backoff(2, 0.5, 30, r)
      assert.is_true(w > 0.99 and w < 1, "random " .. r .. ": wait " .. w)
    end
  end)

  it("stays within bounds with its own randomness", function()
    local seen = {}
    for _ = 1, 500 do
      local w = core.backoff(4, 0.5, 30)
      assert.is_true(w >= 2 and w <= 4, "wait " .. w)
      seen[math.floor(w * 4)] = true
    end
    assert.is_true(seen[8] and seen[9] and seen[10] and seen[11] and true or false, "jitter covers the range")
  end)

  it("treats zero and negative delays as no wait", function()
    assert.same(0, core.backoff(5, 0, 30, 0.5))
    assert.same(0, core.backoff(5, 0.5, 0, 0.5))
    assert.same(0, core.backoff(5, 0.5, -1, 0.5))
    assert.same(0, core.backoff(5, -0.5, 30, 0.5))
    assert.same(0, core.backoff(5, 0.5, 0 / 0, 0.5))
  end)
end)
