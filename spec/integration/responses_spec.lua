-- Response bodies through the public client, over real sockets: gzip and brotli, the size cap, and
-- bodies that are not what the call expects (truncated, an HTML error page, empty, not JSON), each a
-- clear error that keeps the raw text. Operations that answer without content return {}.
local onesignal = require("onesignal")
local server = require("support.server")
local compress = require("support.compress")
local cjson = require("cjson")

describe("response bodies", function()
  local srv, client
  local opened = {}

  local function new_client(options)
    local settings = { base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      retry_base_delay = 0.01 }
    for k, v in pairs(options or {}) do settings[k] = v end
    local c = onesignal.new(settings)
    opened[#opened + 1] = c
    return c
  end




  -- A JSON object text of exactly `size` bytes.
  local function json_of_size(size)
    return '{"p":"' .. string.rep("x", size - 8) .. '"}'
  end

  setup(function()
    srv = server.start({})
    client = new_client()
  end)
  teardown(function()
    for _, c in ipairs(opened) do c:close() end
    srv:stop()
  end)
  before_each(function() srv:reset() end)

  describe("content encodings", function()
    local text = cjson.encode({ total_count = 1, offset = 0, limit = 300,
      segments = { { id = "s-1", name = string.rep("compress me ", 400) } } })

    it("asks for gzip and brotli", function()
      assert(client:get_segments(nil))
      local accepted = srv:recorded("get_segments")[1].headers["accept-encoding"]
      assert.matches("gzip", accepted)
      assert.matches("br", accepted)
    end)

    for _, encoding in ipairs({ { name = "gzip", pack = compress.gzip }, { name = "br", pack = compress.brotli } }) do
      it("decodes a " .. encoding.name .. " body", function()
        local packed = encoding.pack(text)
        assert.is_true(#packed < #text / 4, "the body really is compressed")
        srv:fault_on("get_segments",
          { { status = 201, body = packed, headers = { ["Content-Encoding"] = encoding.name } } })
        local body, res = client:get_segments(nil)
        assert.is_table(body, tostring(res))
        assert.are.same(cjson.decode(text), body)
        assert.are.equal(encoding.name, res.headers["content-encoding"])
      end)

      it("decodes a " .. encoding.name .. " error body into messages", function()
        srv:fault_on("get_segments", { { status = 400, body = encoding.pack('{"errors":["compressed complaint"]}'),
          headers = { ["Content-Encoding"] = encoding.name } } })
        local _, err = client:get_segments(nil)
        assert.are.equal(400, err.status)
        assert.are.same({ "compressed complaint" }, err.messages)
      end)
    end
  end)

  describe("the size cap (max_body_size)", function()
    it("fails a larger body clearly, without retrying, and lets one at the cap through", function()
      local capped = new_client({ max_body_size = 1000 })
      srv:fault_on("get_segments", server.times(2, { status = 201, body = json_of_size(1001) }))
      local body, err = capped:get_segments(nil)
      assert.is_nil(body)
      assert.are.equal("decode", err.kind)
      assert.are.equal("too_large", err.reason)
      assert.are.equal(1, err.attempts)
      assert.matches("response body larger than max_body_size (1000 bytes)", tostring(err), 1, true)
      assert.matches("1000", tostring(err))
      assert.are.equal(1, #srv:recorded("get_segments"))

      srv:reset()
      srv:fault_on("get_segments", { { status = 201, body = json_of_size(1000) } })
      local ok, res = capped:get_segments(nil)
      assert.is_table(ok, tostring(res))
      assert.are.equal(992, #ok.p)
    end)

    for _, encoding in ipairs({ { name = "gzip", pack = compress.gzip }, { name = "br", pack = compress.brotli } }) do
      it("counts decoded bytes, so a small " .. encoding.name .. " bomb cannot get past it", function()
        local capped = new_client({ max_body_size = 64 * 1024 })
        local packed = encoding.pack(json_of_size(4 * 1024 * 1024))
        assert.is_true(#packed < 64 * 1024)
        srv:fault_on("get_segments",
          { { status = 201, body = packed, headers = { ["Content-Encoding"] = encoding.name } } })
        local _, err = capped:get_segments(nil)
        assert.are.equal("decode", err.kind)
        assert.are.equal("too_large", err.reason)
      end)
    end

    it("lets a body of some megabytes through under the default cap", function()
      srv:fault_on("get_segments", { { status = 201, body = json_of_size(3 * 1024 * 1024) } })
      local body, res = client:get_segments(nil)
      assert.is_table(body, tostring(res))
      assert.are.equal(3 * 1024 * 1024 - 8, #body.p)
    end)
  end)

  describe("bodies that are not what the call expects", function()
    it("reports a truncated body with the part that arrived", function()
      local text = cjson.encode({ total_count = 0, segments = {}, padding = string.rep("p", 400) })
      srv:fault_on("get_segments", server.times(4, { status = 201, body = text, truncate = true }))
      local body, err = client:get_segments(nil)
      assert.is_nil(body)
      assert.are.equal("network", err.kind)
      assert.are.equal("partial", err.reason)
      assert.are.equal(201, err.status)
      assert.are.equal(text:sub(1, math.floor(#text / 2)), err.body)
      assert.are.equal(4, err.attempts) -- a GET is safe to repeat
      assert.matches("get_segments failed: network error (partial)", tostring(err), 1, true)
    end)

    it("does not repeat a truncated create_user, which was applied", function()
      srv:fault_on("create_user", server.times(2, { truncate = true }))
      local _, err = client:create_user(nil, { identity = { external_id = "cut" } })
      assert.are.equal("partial", err.reason)
      assert.are.equal(1, err.attempts)
      assert.is_true(err.maybe_sent)
      assert.is_string(err.body)
      assert.matches("^{", err.body)
      assert.is_table((client:get_user(nil, "external_id", "cut")))
    end)

    it("reports a proxy's HTML 502 page as an API error with the page kept", function()
      local page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
        .. "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
      srv:fault_on("get_segments", server.times(4, { status = 502, body = page, content_type = "text/html" }))
      local body, err = client:get_segments(nil)
      assert.is_nil(body)
      assert.are.equal("api", err.kind)
      assert.are.equal(502, err.status)
      assert.are.equal(page, err.body)
      assert.are.same({ "502 Bad Gateway" }, err.messages)
      assert.are.equal(4, err.attempts)
      assert.matches("^onesignal: get_segments failed: HTTP 502: 502 Bad Gateway %[4 attempts%]$", tostring(err))
    end)

    it("reports an HTML page with status 200 as a decode error keeping the page", function()
      local page = "<!doctype html><html><head><title>Maintenance</title></head><body>back soon</body></html>"
      srv:fault_on("get_segments", { { status = 200, body = page, content_type = "text/html" } })
      local _, err = client:get_segments(nil)
      assert.are.equal("decode", err.kind)
      assert.are.equal("json", err.reason)
      assert.are.equal(200, err.status)
      assert.are.equal(page, err.body)
      assert.are.equal(1, err.attempts)
    end)

    it("reports an empty 200 where JSON was due", function()
      srv:fault_on("get_segments", { { status = 200 } })
      local body, err = client:get_segments(nil)
      assert.is_nil(body)
      assert.are.equal("decode", err.kind)
      assert.are.equal("empty", err.reason)
      assert.are.equal(200, err.status)
      assert.are.equal("", err.body)
      assert.matches("decode error (empty): the response body is empty", tostring(err), 1, true)
    end)

    -- A proxy or framework may answer a bare line break: there is no value in it, as in an empty body.
    it("reports a 200 of only whitespace where JSON was due as empty, keeping the text", function()
      srv:fault_on("get_segments", { { status = 200, body = "\r\n" } })
      local body, err = client:get_segments(nil)
      assert.is_nil(body)
      assert.are.equal("decode", err.kind)
      assert.are.equal("empty", err.reason)
      assert.are.equal("\r\n", err.body)
      assert.matches("decode error (empty): the response body is empty (only whitespace)", tostring(err), 1, true)
    end)

    it("reports invalid JSON with the raw text", function()
      local text = '{"id": "b7e1", "recipients": '
      srv:fault_on("create_notification", { { status = 200, body = text } })
      local body, err = client:create_notification({ contents = { en = "x" }, included_segments = { "All" } })
      assert.is_nil(body)
      assert.are.equal("decode", err.kind)
      assert.are.equal("json", err.reason)
      assert.are.equal(text, err.body)
      assert.is_string(err.idempotency_key)
      assert.matches("decode error (json): the response body is not JSON", tostring(err), 1, true)
    end)

    it("keeps a non-JSON error body as text and as the message", function()
      srv:fault_on("get_segments",
        { { status = 400, body = "bad request: no\nsegments today", content_type = "text/plain" } })
      local _, err = client:get_segments(nil)
      assert.are.equal("api", err.kind)
      assert.are.equal("bad request: no\nsegments today", err.body)
      assert.are.same({ "bad request: no segments today" }, err.messages)
      assert.is_nil(tostring(err):find("\n", 1, true))
    end)

    -- Every row of api/error-catalog.tsv, at each status it lists, in the API's envelope: the message
    -- comes back verbatim (its double space too), alone in err.messages and in tostring(err).
    it("flattens every message of the error catalog, at each of its statuses", function()
      local once = new_client({ max_retries = 0 })
      local rows = require("support.shared").error_catalog()
      assert.is_true(#rows >= 5)
      for _, row in ipairs(rows) do
        for status in row.status:gmatch("%d+") do
          status = tonumber(status)
          local body = cjson.encode({ errors = { row.message } })
          if status < 300 then
            srv:fault_on("create_notification", { { status = status, body = '{"id":"",' .. body:sub(2) } })
            local answer = once:create_notification({ contents = { en = "x" }, included_segments = { "All" } })
            assert.is_true(onesignal.is_message_not_sent(answer), row.name)
            assert.are.same({ row.message }, answer.errors, row.name)
          else
            srv:fault_on("get_segments", { { status = status, body = body } })
            local _, err = once:get_segments(nil)
            assert.are.same({ row.message }, err.messages, row.name)
            assert.is_true(err:has(onesignal.errors[row.name]), row.name)
            assert.are.equal("onesignal: get_segments failed: HTTP " .. status .. ": " .. row.message .. " [1 attempt]",
              tostring(err))
          end
        end
      end
    end)

    -- The same rows with a retry to spare, for a GET and for a POST without an idempotency key: a row the
    -- catalog marks retryable is tried again whatever the method, any other is not; err.retry_after is
    -- the Retry-After of the last answer when that is a refusal or a server error, and a definite answer's
    -- (another 4xx) is left out: no wait would change it. (Only the answer after which no retry is due
    -- carries one, so no test waits for it.)
    it("retries exactly the error catalog's retryable rows and reports their Retry-After", function()
      local twice = new_client({ max_retries = 1 })
      local calls = {
        get_segments = function() return twice:get_segments(nil) end,
        create_user = function() return twice:create_user(nil, { identity = { external_id = "catalog" } }) end,
      }
      for _, row in ipairs(require("support.shared").error_catalog()) do
        assert.is_truthy(row.retryable == "yes" or row.retryable == "no", row.name)
        local retryable = row.retryable == "yes"
        for status in row.status:gmatch("%d+") do
          status = tonumber(status)
          for name, call in pairs(calls) do
            local what = row.name .. " " .. status .. " " .. name
            srv:reset()
            local body = cjson.encode({ errors = { row.message } })
            srv:fault_on(name, {
              { status = status, body = body, headers = not retryable and { ["Retry-After"] = "7" } or nil },
              { status = status, body = body, headers = { ["Retry-After"] = "7" } } })
            local answer, err = call()
            local attempts = retryable and 2 or 1
            assert.are.equal(attempts, #srv:recorded(name), what)
            if status < 300 then
              assert.are.same({ row.message }, answer.errors, what)
            else
              assert.is_nil(answer, what)
              assert.are.equal("api", err.kind, what)
              assert.are.equal(status, err.status, what)
              assert.are.same({ row.message }, err.messages, what)
              assert.are.equal(attempts, err.attempts, what)
              local asked = (status >= 500 or status == 429) and 7 or nil
              assert.are.equal(asked, err.retry_after, what)
              assert.are.equal(7, tonumber(err.headers["retry-after"]), what)
              assert.are.equal(retryable and "max_retries" or nil, err.gave_up, what)
              assert.is_nil(err.maybe_sent, what)
              assert.are.equal("onesignal: " .. name .. " failed: HTTP " .. status .. ": " .. row.message
                .. " [" .. attempts .. " attempt" .. (retryable and "s" or "") .. (asked and "; retry after 7 s" or "")
                .. "]", tostring(err))
            end
          end
        end
      end
    end)

    it("turns an envelope with null, numbers or objects where text is due into string messages", function()
      srv:fault_on("get_segments", { { status = 422,
        body = '{"errors":[{"code":"c-1","title":null},{"code":4221}],"reference":null}' } })
      local ok, body, err = pcall(client.get_segments, client, nil)
      assert.is_true(ok, tostring(body))
      assert.is_nil(body)
      assert.are.same({ "c-1", "4221" }, err.messages)
      assert.are.equal("onesignal: get_segments failed: HTTP 422: c-1; 4221 [1 attempt]", tostring(err))

      srv:fault_on("get_segments", { { status = 400, body = '{"errors":{"name":{"title":{"en":"too long"}}}}' } })
      ok, body, err = pcall(client.get_segments, client, nil)
      assert.is_true(ok, tostring(body))
      assert.are.same({ "name: title: en: too long" }, err.messages)
    end)
  end)

  -- Envelopes seen in the wild besides the API's usual ones: the API's words reach err.messages and the
  -- one line of tostring(err), and err.body keeps the decoded body (the raw text when it is not JSON).
  describe("odd error bodies", function()
    local once
    setup(function() once = new_client({ max_retries = 0 }) end)

    local cases = {
      { status = 400, body = '{"errors":null,"error":"bad thing"}', messages = { "bad thing" } },
      { status = 400, body = '{"errors":[],"error":"empty list"}', messages = { "empty list" } },
      { status = 400, body = '{"error":{"message":"nested msg","code":123}}', messages = { "nested msg" } },
      { status = 422, body = '{"errors":[{"title":"Invalid alias","code":"c-9"}]}', messages = { "Invalid alias" } },
      { status = 400, body = '{"errors":{"invalid_external_user_ids":["u-1","u-2"]}}',
        messages = { "invalid_external_user_ids: u-1, u-2" } },
      { status = 502, body = "upstream connect error\nor disconnect", text = true,
        messages = { "upstream connect error or disconnect" } },
      { status = 502, body = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        text = true, messages = { "502 Bad Gateway" } },
      { status = 404, body = "", text = true, messages = {} },
    }
    for _, case in ipairs(cases) do
      it("reads " .. case.status .. " " .. (case.body == "" and "with an empty body" or case.body), function()
        local body = case.body
        srv:fault_on("get_segments", { { status = case.status, body = body,
          content_type = case.text and "text/html" or nil } })
        local answer, err = once:get_segments(nil)
        assert.is_nil(answer)
        assert.are.equal("api", err.kind)
        assert.are.equal(case.status, err.status)
        assert.are.same(case.messages, err.messages)
        if case.text then
          assert.are.equal(body, err.body)
        else
          assert.are.same(cjson.decode(body), err.body)
        end
        local detail = #case.messages > 0 and ": " .. table.concat(case.messages, "; ") or ""
        assert.are.equal("onesignal: get_segments failed: HTTP " .. case.status .. detail .. " [1 attempt]",
          tostring(err))
      end)
    end

    it("cuts a long list of the API's words in the line, not in err.messages", function()
      local ids = {}
      for i = 1, 2000 do ids[i] = "ext-" .. i end
      srv:fault_on("create_notification", { { status = 400,
        body = cjson.encode({ errors = { invalid_external_user_ids = ids } }) } })
      local _, err = once:create_notification({ contents = { en = "x" }, include_aliases = { external_id = ids },
        target_channel = "push" })
      assert.are.same({ "invalid_external_user_ids: " .. table.concat(ids, ", ") }, err.messages)
      local line = tostring(err)
      assert.is_true(#line < 600, #line)
      assert.matches("^onesignal: create_notification failed: HTTP 400: invalid_external_user_ids: ext%-1, ext%-2, "
        .. ".*… %[1 attempt", line)
    end)
  end)

  -- A 2xx body that is JSON but neither an object nor an array would be returned as the body: `false` or
  -- `null` would read as a failure with no error (`local body, err = client:op()`), a number or a string
  -- as an answer without any of its fields.
  describe("a 2xx body that is not an object or array", function()
    for _, case in ipairs({ { "false", "false" }, { "null", "null" }, { "true", "true" }, { "42", "a number" },
      { '"ok"', "a string" } }) do
      it("is a decode error keeping the raw text: " .. case[1], function()
        srv:fault_on("get_segments", { { status = 200, body = case[1] } })
        local body, err = client:get_segments(nil)
        assert.is_nil(body)
        assert.are.equal("decode", err.kind)
        assert.are.equal("json", err.reason)
        assert.are.equal(200, err.status)
        assert.are.equal(case[1], err.body)
        assert.are.equal("onesignal: get_segments failed: decode error (json): the response body is " .. case[2]
          .. ", not a JSON object or array [1 attempt]", tostring(err))
      end)
    end

    it("is not one for an array (get_apps answers one) or an empty object", function()
      srv:fault_on("get_segments", { { status = 200, body = "[]" } })
      local body, res = client:get_segments(nil)
      assert.are.same({}, body, tostring(res))
      srv:fault_on("get_segments", { { status = 200, body = "{}" } })
      body, res = client:get_segments(nil)
      assert.are.same({}, body, tostring(res))
    end)
  end)

  describe("operations without content", function()
    it("return {} for the empty answers the API gives", function()
      assert(client:create_user(nil, { identity = { external_id = "quiet" } }))
      local sub = assert(client:create_subscription(nil, "external_id", "quiet",
        { subscription = { type = "Email", token = "quiet@example.com" } }))
      local id = sub.subscription.id

      local body, res = client:update_subscription(nil, id, { subscription = { enabled = false } })
      assert.are.same({}, body, tostring(res))
      assert.are.equal(200, res.status)
      body, res = client:delete_subscription(nil, id)
      assert.are.same({}, body, tostring(res))
      assert.are.equal(202, res.status)
      body, res = client:delete_user(nil, "external_id", "quiet")
      assert.are.same({}, body, tostring(res))
      assert.are.equal(200, res.status)
    end)

    it("return {} for 204 from any operation", function()
      srv:fault_on("get_segments", { { status = 204 } })
      local body, res = client:get_segments(nil)
      assert.are.same({}, body, tostring(res))
      assert.are.equal(204, res.status)
    end)

    -- The deletion or update was applied: a blank line where no content is due must not fail the call.
    it("return {} for a body of only whitespace where no content is due", function()
      assert(client:create_user(nil, { identity = { external_id = "blank" } }))
      srv:fault_on("delete_user", { { status = 200, body = "\r\n" } })
      local body, res = client:delete_user(nil, "external_id", "blank")
      assert.are.same({}, body, tostring(res))
      assert.are.equal(200, res.status)
      srv:fault_on("get_segments", { { status = 200, body = " \n" } })
      local _, err = client:get_segments(nil)
      assert.are.equal("decode", err.kind)
      assert.are.equal(" \n", err.body)
    end)

    it("still decode a body when one comes", function()
      assert(client:create_user(nil, { identity = { external_id = "talkative" } }))
      srv:fault_on("delete_user", { { status = 200, body = '{"deleted":true}' } })
      local body = assert(client:delete_user(nil, "external_id", "talkative"))
      assert.are.same({ deleted = true }, body)
    end)
  end)
end)
