-- download_export on the cosocket transport, inside nginx: the file streams to disk as it arrives, past
-- the client's max_body_size, starts again from empty when an attempt is retried, and leaves no partial
-- file behind when the call fails (spec/integration/exports_spec.lua has the same for libcurl).
local openresty = require("support.openresty")
local onesignal = require("onesignal")

local read = require("server.harness.shell").read_file

describe("download_export on the ngx transport", function()
  local srv, app, client

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end)

  setup(function()
    client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      transport = "curl", max_retries = 0 })
  end)

  teardown(function() client:close() end)

  before_each(function() srv:reset() end)

  -- A big export's URL and its content, as served.
  local function big_export(rows)
    srv:set({ export_ready_after = 0, export_rows = rows })
    local url = assert(client:export_subscriptions(nil)).csv_file_url
    return url, assert(client:fetch_export(url))
  end

  local function download(url, path, extra)
    local args = { url = url, path = path, options = { max_body_size = 100, max_retries = 0 } }
    for k, v in pairs(extra or {}) do
      if k == "options" then
        for name, value in pairs(v) do args.options[name] = value end
      else
        args[k] = v
      end
    end
    return app:case("download", args)
  end

  -- Downloads a big export whose file's host answers the URL with one 403 carrying `body`: the outcome,
  -- and the path the file was to go to.
  local function download_after_403(body, extra)
    local url = big_export(40)
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { status = 403, body = body } } })
    srv:clear()
    local path = os.tmpname()
    os.remove(path)
    return download(url, path, extra), path
  end

  it("streams a file of several MB past max_body_size, byte for byte, reporting progress", function()
    local url, expected = big_export(60000)
    assert.is_true(#expected > 5 * 1024 * 1024)
    local path = os.tmpname()
    local out = download(url, path)
    local saved = read(path)
    os.remove(path)
    assert.is_true(out.ok, out.text or out.raised)
    assert.is_true(saved == expected, "the saved file differs from the served one")
    assert.are.equal(#expected, out.bytes)
    assert.is_nil(read(path .. ".part"))
    local writing, last = 0, 0
    for _, event in ipairs(out.events) do
      if event.phase == "writing" then
        writing = writing + 1
        assert.is_true(event.bytes > last)
        assert.are.equal(#expected, event.total)
        last = event.bytes
      end
    end
    assert.is_true(writing >= 5, tostring(writing))
    assert.are.equal(#expected, last)
  end)

  it("starts the file again from empty when a cut attempt is retried", function()
    local url, expected = big_export(30000)
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { truncate = true } } })
    local path = os.tmpname()
    local out = download(url, path, { options = { max_retries = 2, retry_base_delay = 0.01, retry_max_delay = 0.01 } })
    local saved = read(path)
    os.remove(path)
    assert.is_true(out.ok, out.text or out.raised)
    assert.are.equal(#expected, #saved)
    assert.is_true(saved == expected, "the saved file differs from the served one")
    assert.is_nil(read(path .. ".part"))
  end)

  it("leaves neither file nor .part when the connection is lost in the body", function()
    local url = big_export(30000)
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { truncate = true } } })
    local path = os.tmpname()
    os.remove(path)
    local out = download(url, path)
    assert.is_false(out.ok)
    assert.are.equal("network", out.kind)
    assert.are.equal("partial", out.reason)
    assert.is_true(#out.events >= 1, "no byte of the body was written before the cut")
    assert.is_nil(read(path))
    assert.is_nil(read(path .. ".part"))
  end)

  it("leaves no partial file when the progress function raises while the body arrives", function()
    local url = big_export(30000)
    local path = os.tmpname()
    os.remove(path)
    srv:clear()
    local out = download(url, path, { raise_at_writing = true, options = { max_retries = 3 } })
    assert.are.equal("cancelled by the user", out.raised)
    assert.are.equal(1, #srv:requests()) -- a stopped transfer is not retried
    assert.are.equal(1, #out.events)
    assert.is_true(out.events[1].bytes < 30000 * 100, "the error came only after the whole body")
    assert.is_nil(read(path))
    assert.is_nil(read(path .. ".part"))
  end)

  -- The progress function runs in the download's own thread, not inside an engine as with libcurl: a
  -- blocking call there is sent and answered, and so are an _async call and a call in client:spawn.
  it("sends a blocking call, an _async call and a call in client:spawn from the progress function", function()
    local url = big_export(30000)
    local path = os.tmpname()
    os.remove(path)
    local out = download(url, path, { calls_at_writing = true, options = { max_body_size = 64 * 1024 } })
    os.remove(path)
    assert.is_true(out.ok, out.text or out.raised)
    assert.is_true(out.calls.run)
    for _, name in ipairs({ "blocking", "async", "spawned" }) do
      assert.is_true(out.calls[name].ok, name .. ": " .. tostring(out.calls[name].text))
    end
    assert.are.equal(2, #srv:recorded("get_segments"))
    assert.are.equal(1, #srv:recorded("view_templates"))
  end)

  -- The file drips (spec/server: the headers, then 10 pieces with a wait before each): a download fails
  -- when the transfer stalls for the client's timeout, not when the whole of it lasts longer.
  describe("time limits", function()
    local function drip(every, steps)
      local url, expected = big_export(40)
      local list = {}
      for i, wait in ipairs(steps or { every }) do list[i] = { drip = wait } end
      srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = list })
      return url, expected
    end

    it("saves a file whose transfer outlasts the client's timeout but never stalls", function()
      local url, expected = drip(0.12)
      local path = os.tmpname()
      local out = download(url, path, { options = { timeout = 0.5 } })
      local saved = read(path)
      os.remove(path)
      assert.is_true(out.ok, out.text or out.raised)
      assert.is_true(saved == expected, "the saved file differs from the served one")
      assert.is_true(out.took > 1, "the transfer took only " .. tostring(out.took) .. " s")
      assert.are.equal(1, #out.hooks)
    end)

    it("fails an attempt that stalls for the timeout of client:with as a timeout, and retries it", function()
      local url, expected = drip(nil, { 5, 0.12 })
      local path = os.tmpname()
      local out = download(url, path, { with = { timeout = 0.5 },
        options = { max_retries = 1, retry_base_delay = 0.01, retry_max_delay = 0.01 } })
      local saved = read(path)
      os.remove(path)
      assert.is_true(out.ok, out.text or out.raised)
      assert.is_true(saved == expected, "the saved file differs from the served one")
      assert.are.equal(2, #out.hooks)
      assert.are.equal("timeout", out.hooks[1].error)
      assert.is_true(out.hooks[1].retry)
      assert.is_true(out.hooks[1].attempt_elapsed < 3, "the stall was not cut short: "
        .. tostring(out.hooks[1].attempt_elapsed) .. " s")
    end)

    it("fails a stalled transfer as a timeout once the retries are spent", function()
      local url = drip(5)
      local path = os.tmpname()
      os.remove(path)
      local out = download(url, path, { options = { timeout = 0.5 } })
      assert.is_false(out.ok)
      assert.are.equal("timeout", out.kind)
      assert.are.equal(1, out.attempts)
      assert.is_nil(read(path .. ".part"))
    end)

    it("keeps request_timeout, when given, as a limit on the whole GET", function()
      local url = drip(0.12)
      local path = os.tmpname()
      os.remove(path)
      local out = download(url, path, { download = { request_timeout = 0.5 } })
      assert.is_false(out.ok)
      assert.are.equal("timeout", out.kind)
      assert.is_nil(read(path .. ".part"))
    end)
  end)

  -- A presigned URL's query is a credential: the hook sees it redacted, as from the libcurl engine.
  it("shows the on_attempt hook the file's URL with its query redacted", function()
    local bare = big_export(40)
    local url = bare .. "?X-Amz-Expires=3600&X-Amz-Signature=5ec2e7516a7e"
    local path = os.tmpname()
    local out = download(url, path)
    os.remove(path)
    assert.is_true(out.ok, out.text or out.raised)
    assert.are.equal(1, #out.hooks)
    assert.are.equal(bare .. "?[REDACTED]", out.hooks[1].url)
  end)

  -- The 403 body that says so is read here too, though a 2xx body would go to the file.
  it("fails at once when the URL has expired (S3's 403 'Request has expired')", function()
    local out, path = download_after_403(
      "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
    assert.is_false(out.ok)
    assert.are.equal("export_expired", out.reason)
    assert.are.equal(1, #srv:requests())
    assert.is_nil(read(path .. ".part"))
  end)

  it("fails at once when S3 refuses the URL for good (a bad signature)", function()
    local out, path = download_after_403(
      "<Error><Code>SignatureDoesNotMatch</Code><Message>Check your key</Message></Error>")
    assert.is_false(out.ok)
    assert.are.same({ "api", "export_refused" }, { out.kind, out.reason })
    assert.matches("HTTP 403: the file's host refused the export's URL (SignatureDoesNotMatch: Check your key)",
      out.text, 1, true)
    assert.are.equal(1, #srv:requests())
    assert.is_nil(read(path .. ".part"))
  end)

  -- S3's own 403 bodies run to a few hundred bytes, past this client's max_body_size of 100: unread, the
  -- body cannot tell a missing file from an expired URL, which the error says rather than waiting.
  it("fails at once on a 403 whose body is larger than max_body_size, naming both", function()
    local out, path = download_after_403('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
      .. '<Message>Request has expired</Message><X-Amz-Expires>3600</X-Amz-Expires><RequestId>4442587FB7D0A2F9'
      .. '</RequestId></Error>', { download = { timeout = 60 } })
    assert.is_false(out.ok)
    assert.are.same({ "api", "http" }, { out.kind, out.reason })
    assert.matches("HTTP 403: the file's host answered 403 with a response body larger than max_body_size (100"
      .. " bytes), so whether the file is not written yet or the URL is refused cannot be told; raise"
      .. " max_body_size [1 attempt]", out.text, 1, true)
    assert.are.equal(1, #srv:requests())
    assert.is_nil(read(path .. ".part"))
  end)

  it("fails with an io error when the directory does not exist", function()
    local url = big_export(40)
    local out = download(url, "/nonexistent-dir/subs.csv")
    assert.is_false(out.ok)
    assert.are.equal("io", out.kind)
    assert.matches("cannot write the export", out.text)
  end)
end)
