-- The cosocket transport against servers that misbehave on purpose (raw answers made inside the app,
-- spec/openresty/app/fixtures.lua): each is met as the libcurl transport meets it, and none may hold the
-- worker, its memory or its sockets beyond the call's limits.
local openresty = require("support.openresty")
local NULL = require("cjson").null

describe("hostile servers on the ngx transport", function()
  local app

  -- get_notification against a raw fixture of the app; returns the outcome and the whole case answer.
  local function fetch(fixture, options, extra)
    local settings = { max_retries = 0 }
    for k, v in pairs(options or {}) do settings[k] = v end
    local args = { operation = "get_notification", args = { NULL, "n-1" }, base = "/raw/" .. fixture,
      options = settings }
    for k, v in pairs(extra or {}) do args[k] = v end
    local out = app:case("call", args)
    return out.results[1], out
  end

  -- What a fixture recorded in the app's shared dict, waiting up to `seconds` for it.
  local function recorded(key, seconds)
    local deadline = os.time() + (seconds or 5)
    repeat
      local got = app:case("collect", { key = key })
      if got.found then return got.value end
      os.execute("sleep 0.1")
    until os.time() > deadline
    return nil
  end

  openresty.server_and_app(function(_, new_app) app = new_app end)

  -- nginx restarts a cosocket's timeout on every byte: a read that waits for a whole line or length would
  -- last as long as the server trickles. libcurl times out when the attempt's time is up.
  for _, fixture in ipairs({ "trickle_body", "trickle_head" }) do
    it("times out on schedule while the server trickles (" .. fixture .. ")", function()
      local r = fetch(fixture, { timeout = 1 })
      assert.is_false(r.ok)
      assert.are.equal("timeout", r.reason)
      assert.is_true(r.elapsed < 2, "took " .. r.elapsed .. " s")
    end)
  end

  it("keeps a deadline while the server trickles, and starts no retry after it", function()
    local r = fetch("trickle_body", { timeout = 30, max_retries = 3, deadline = 1 })
    assert.is_false(r.ok)
    assert.are.equal("timeout", r.reason)
    assert.are.equal(1, r.attempts)
    assert.is_true(r.elapsed < 2, "took " .. r.elapsed .. " s")
  end)

  -- The same for a request body the server takes slowly: the send gets the attempt's time, not that much
  -- again after every piece the server took.
  it("times out on schedule while the server reads the request slowly", function()
    local out = app:case("call", { operation = "create_notification", base = "/raw/slow_reader",
      args = { { contents = { en = "<big>" }, included_segments = { "All" } } }, big = 8 * 1024 * 1024,
      options = { timeout = 2, max_retries = 0 } })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal("timeout", r.reason, r.text)
    assert.matches("timed out while sending the request", r.message, 1, true)
    assert.is_true(r.maybe_sent) -- part of it went out: the server may act on what it read
    assert.is_true(r.elapsed < 3, "took " .. r.elapsed .. " s")
  end)

  -- A line is read up to its limit, not buffered whole first: an endless one cannot grow the worker.
  for _, case in ipairs({ { "long_header", "response headers" }, { "long_chunk_size", "chunk size line" },
    { "long_trailer", "response trailers" } }) do
    it("stops reading a line that does not end at the limit (" .. case[1] .. ")", function()
      local r = fetch(case[1], { timeout = 10 })
      assert.is_false(r.ok)
      assert.are.equal("other", r.reason)
      assert.matches(case[2] .. " larger than 102400 bytes", r.message, 1, true)
      assert.is_true(r.elapsed < 2, "took " .. r.elapsed .. " s")
    end)
  end

  -- libcurl's answers to the same bytes: status code of three digits and at least 100, a colon in
  -- every header line.
  for _, fixture in ipairs({ "status_099", "status_2000" }) do
    it("refuses a status code libcurl refuses (" .. fixture .. ")", function()
      local r = fetch(fixture)
      assert.is_false(r.ok)
      assert.are.equal("other", r.reason)
      assert.is_nil(r.status) -- none arrived
      assert.matches("Unsupported response code in HTTP response", r.message, 1, true)
    end)
  end

  it("refuses a header line without a colon, with the status that came", function()
    local r = fetch("no_colon")
    assert.is_false(r.ok)
    assert.are.equal("other", r.reason)
    assert.are.equal(200, r.status)
    assert.matches("Header without colon", r.message, 1, true)
  end)

  it("takes an unasked-for 101 as final and reads its body to the end of the connection", function()
    local r = fetch("switching")
    assert.is_false(r.ok)
    assert.are.equal(101, r.status)
    assert.are.equal("switched", r.body)
  end)

  it("trims a header value full of spaces in linear time", function()
    local r = fetch("spaced_value")
    assert.is_true(r.ok, r.text)
    assert.are.equal("a" .. string.rep(" ", 60000) .. "b", r.headers["x-spaced"])
    assert.is_true(r.elapsed < 1, "took " .. r.elapsed .. " s")
  end)

  -- result.headers joins repeats ("1, 1"), as the C engine's table does; the engine decides by the last.
  it("waits what the last of two Retry-After headers asks", function()
    local r, out = fetch("retry_after_twice", { max_retries = 1, retry_base_delay = 0.01 }, { hook = true })
    assert.is_false(r.ok)
    assert.are.equal(429, r.status)
    assert.are.equal(2, r.attempts)
    assert.are.equal(1, r.retry_after)
    -- Retry-After plus at most half the backoff's ceiling (0.005 s here)
    assert.is_true(out.hooks[1].wait >= 1 and out.hooks[1].wait <= 1.005, "wait " .. out.hooks[1].wait)
  end)

  it("reads the last of two Idempotent-Replayed headers", function()
    local r = fetch("replayed_twice")
    assert.is_true(r.ok, r.text)
    assert.are.equal("true, true", r.headers["idempotent-replayed"])
    assert.is_true(r.replayed)
  end)

  -- Folded lines as the C engine reads them (spec/core/session_wire_spec.lua): no space before the first
  -- part of an empty value, a line whose name is not a token left out with its folds, the replay mark read
  -- from the whole folded value.
  it("folds onto empty values, leaves out a bad name with its folds, and reads a folded replay mark", function()
    local r = fetch("folded_fields")
    assert.is_true(r.ok, r.text)
    assert.are.equal("a", r.headers["x-empty"])
    assert.are.equal("a", r.headers["x-a"])
    assert.is_nil(r.headers["bad name"])
    assert.is_nil(r.headers["x-b "])
    assert.are.equal("true", r.headers["idempotent-replayed"])
    assert.is_true(r.replayed)
    r = fetch("folded_not_replayed")
    assert.is_true(r.ok, r.text)
    assert.are.equal("true really", r.headers["idempotent-replayed"])
    assert.is_false(r.replayed)
    r = fetch("retry_after_folded")
    assert.are.equal(429, r.status)
    assert.are.equal(1, r.retry_after)
  end)

  -- Each Content-Encoding is a decoder: thousands of stacked gzip layers grew the worker by hundreds of MB
  -- or overflowed its stack. libcurl takes at most 5, and refuses more before decoding any.
  it("decodes five stacked encodings and refuses six, as libcurl does", function()
    local r = fetch("stacked_5")
    assert.is_true(r.ok, r.text)
    assert.are.equal("stacked", r.body.id)
    r = fetch("stacked_6")
    assert.is_false(r.ok)
    assert.are.equal("other", r.reason)
    assert.are.equal(200, r.status)
    assert.matches("Reject response due to more than 5 content encodings", r.message, 1, true)
  end)

  -- Two lengths that disagree leave the end of the body unknown: taking the first would read a body that
  -- is not the one sent, and leave the rest to be taken for the next answer.
  it("refuses Content-Length headers that disagree, and takes repeats of one value", function()
    local r = fetch("length_twice")
    assert.is_false(r.ok)
    assert.are.equal("other", r.reason)
    assert.are.equal(200, r.status)
    assert.matches("bad Content-Length in the response: 2, 16", r.message, 1, true)
    r = fetch("length_same_twice")
    assert.is_true(r.ok, r.text)
  end)

  it("closes a connection that cannot go back to the pool (stray bytes after the answer) at once", function()
    local r = fetch("stray_bytes", nil, { linger = 1.5 })
    assert.is_true(r.ok, r.text)
    -- the server saw the close while the app's request still lingered, not when it ended
    local waited = recorded("raw:stray_bytes")
    assert.is_number(waited)
    assert.is_true(waited < 0.5, "the connection stayed open " .. tostring(waited) .. " s")
  end)
end)
