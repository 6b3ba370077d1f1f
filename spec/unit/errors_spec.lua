local errors = require("onesignal.errors")
local shared = require("support.shared")

describe("onesignal.errors", function()
  it("has every message of api/error-catalog.tsv as a constant, verbatim", function()
    local rows = shared.error_catalog()
    assert.is_true(#rows >= 5)
    for _, row in ipairs(rows) do
      assert.are.equal(row.message, errors[row.name], row.name)
    end
  end)

  describe("messages()", function()
    it("reads {errors: [strings]}", function()
      assert.are.same({ "a", "b" }, errors.messages({ errors = { "a", "b" } }))
    end)
    it("reads {errors: string}", function()
      assert.are.same({ "bad" }, errors.messages({ errors = "bad" }))
    end)
    it("reads {errors: [{code, title}]}", function()
      assert.are.same({ "User not found", "x-2" },
        errors.messages({ errors = { { code = "x-1", title = "User not found" }, { code = "x-2" } } }))
    end)
    it("reads {errors: {key: value}} in key order", function()
      assert.are.same({ "external_id: taken", "invalid_ids: a, b" },
        errors.messages({ errors = { invalid_ids = { "a", "b" }, external_id = "taken" } }))
    end)
    it("reads maps inside {errors: {key: value}}, such as invalid_aliases", function()
      -- The API's polymorphic `errors` may hold {"invalid_aliases": {"external_id": [...]}}: the ids are
      -- the useful part, not "invalid".
      assert.are.same({ "invalid_aliases: external_id: u-1, u-2; onesignal_id: o-1" },
        errors.messages({ errors = {
          invalid_aliases = { external_id = { "u-1", "u-2" }, onesignal_id = { "o-1" } } } }))
      assert.are.same({ "a: b: c: d: deep" }, errors.messages({ errors = { a = { b = { c = { d = "deep" } } } } }))
      assert.are.same({ "a: invalid" },
        errors.messages({ errors = { a = { b = { c = { d = { e = "too deep" } } } } } }))
    end)
    -- `errors` present but saying nothing (null, an empty list or map) must not hide the words under `error`.
    it("reads {error: …} when errors is null or empty", function()
      local null = require("onesignal.json").null
      assert.are.same({ "bad thing" }, errors.messages({ errors = null, error = "bad thing" }))
      assert.are.same({ "bad thing" }, errors.messages({ errors = {}, error = "bad thing" }))
      assert.are.same({ "bad thing" }, errors.messages({ errors = "", error = "bad thing" }))
      assert.are.same({ "a", "b" }, errors.messages({ errors = null, error = { "a", "b" } }))
      assert.are.same({ "first" }, errors.messages({ errors = { "first" }, error = "second" }))
    end)
    it("reads one error object under error or errors as its message", function()
      assert.are.same({ "nested msg" }, errors.messages({ error = { message = "nested msg", code = 123 } }))
      assert.are.same({ "Not Found" }, errors.messages({ errors = { title = "Not Found", status = 404,
        detail = "no such user", meta = { x = 1 } } }))
      -- a map of keys to their errors stays one, even when one key is called message
      assert.are.same({ "external_id: taken", "message: too long" },
        errors.messages({ errors = { message = "too long", external_id = "taken" } }))
    end)
    it("reads {success: false} without errors", function()
      assert.are.same({ "the API answered success: false" }, errors.messages({ success = false }))
    end)
    it("summarises an HTML page by its title", function()
      assert.are.same({ "502 Bad Gateway" },
        errors.messages("<html><head><title>502 Bad Gateway</title></head><body>x</body></html>"))
    end)
    it("shortens a long page to 200 bytes at most, cut between characters", function()
      for lead = 0, 3 do -- the cut falls on each byte of the four of "😀"
        local text = string.rep("x", lead) .. string.rep("😀", 60)
        local summary = errors.messages("<title>" .. text .. "</title>")[1]
        assert.is_true(#summary <= 200 + #"…", lead)
        assert.are.equal(text:sub(1, #summary - #"…"), summary:sub(1, -1 - #"…"), lead)
        assert.is_nil(require("onesignal.core").utf8_error(summary), lead)
      end
      assert.are.equal(string.rep("a", 200) .. "…", errors.messages(string.rep("a", 300))[1])
      -- a page that is not UTF-8 at all is still cut, near 200 bytes
      assert.are.equal(string.rep("\128", 197) .. "…", errors.messages(string.rep("\128", 300))[1])
    end)
    it("gives nothing for an empty body", function()
      assert.are.same({}, errors.messages(""))
    end)
    -- Decoded JSON can hold null (a userdata), numbers and tables where text is expected: each message
    -- must still be a string, or tostring(err) (table.concat) raises, and a table there made the call raise.
    it("gives only strings, whatever the values in the envelope are", function()
      local null = require("onesignal.json").null
      assert.are.same({ "c-1", "404", "true" }, errors.messages({ errors = {
        { title = null, code = "c-1" }, { code = 404 }, true, null, { title = { en = "x" } }, { { "nested" } } } }))
      assert.are.same({ "field: c-2", "other: title: en: x", "third: invalid" }, errors.messages({ errors = {
        field = { title = null, message = { "x" }, code = "c-2" }, other = { title = { en = "x" } }, third = null } }))
      assert.are.same({ "id: 7" }, errors.messages({ errors = { id = { 7, null, { x = 1 } } } }))
      local err = errors.new({ kind = "api", status = 400, operation = "get_user", attempts = 1,
        messages = errors.messages({ errors = { { title = null, code = "c-1" } } }) })
      assert.are.equal("onesignal: get_user failed: HTTP 400: c-1 [1 attempt]", tostring(err))
    end)
  end)

  it("prints one line with operation, status, messages and attempts", function()
    local err = errors.new({ kind = "api", status = 400, operation = "create_notification", attempts = 1,
      messages = { errors.NO_TARGETING_SPECIFIED } })
    local line = tostring(err)
    assert.are.equal("onesignal: create_notification failed: HTTP 400: " .. errors.NO_TARGETING_SPECIFIED
      .. " [1 attempt]", line)
    assert.is_true(err:has(errors.NO_TARGETING_SPECIFIED))
    assert.is_false(err:has(errors.NO_SUBSCRIBERS))
    assert.is_true(errors.is_error(err))
  end)

  -- The server's words go to terminals and logs: no escape sequence (ESC, or CSI as the C1 control
  -- U+009B in UTF-8) and no line break may come through, while other text, é and NBSP included, stays.
  it("prints the server's control characters as spaces, C1 ones too", function()
    local err = errors.new({ kind = "api", status = 400, operation = "get_user", attempts = 1,
      messages = { "\27[2Jred\194\1552Jcsi\r\n\194\133nel\127é\194\160nbsp" } })
    assert.are.equal("onesignal: get_user failed: HTTP 400:  [2Jred 2Jcsi nel é\194\160nbsp [1 attempt]",
      tostring(err))
  end)

  -- A 400 can list thousands of invalid ids: the line is cut (between characters), the messages are not.
  it("cuts the server's words to 500 bytes in the line, keeping them whole in messages", function()
    local ids = {}
    for i = 1, 2000 do ids[i] = string.format("id-%04d", i) end
    local messages = errors.messages({ errors = { invalid_external_user_ids = ids } })
    local err = errors.new({ kind = "api", status = 400, operation = "create_notification", attempts = 1,
      messages = messages })
    local line = tostring(err)
    assert.are.equal(#"invalid_external_user_ids: " + 2000 * 7 + 1999 * 2, #messages[1])
    assert.are.equal("onesignal: create_notification failed: HTTP 400: " .. messages[1]:sub(1, 500) .. "… [1 attempt]",
      line)
    for lead = 0, 3 do -- the cut falls on each byte of the four of "😀"
      local text = string.rep("x", lead) .. string.rep("😀", 150)
      local cut = tostring(errors.new({ kind = "api", status = 400, operation = "get_user", attempts = 1,
        messages = { text } })):match("^onesignal: get_user failed: HTTP 400: (.*)… %[1 attempt%]$")
      assert.is_true(#cut <= 500 and #cut >= 497, lead)
      assert.are.equal(text:sub(1, #cut), cut, lead)
      assert.is_nil(require("onesignal.core").utf8_error(cut), lead)
    end
    local short = string.rep("y", 500)
    assert.are.equal("onesignal: get_user failed: HTTP 400: " .. short .. " [1 attempt]", tostring(errors.new({
      kind = "api", status = 400, operation = "get_user", attempts = 1, messages = { short } })))
  end)

  it("says when a request may have been applied and when to come back", function()
    local line = tostring(errors.new({ kind = "network", reason = "reset", operation = "create_user",
      attempts = 1, message = "Empty reply\nfrom server", maybe_sent = true, retry_after = 120 }))
    assert.are.equal("onesignal: create_user failed: network error (reset): Empty reply from server"
      .. " [1 attempt; retry after 120 s; the request may have been applied]", line)
  end)
end)
