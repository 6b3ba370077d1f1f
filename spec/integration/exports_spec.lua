-- Exports against the test server, whose CSV files answer 404 for their first `export_ready_after` GETs:
-- waiting with backoff, downloading with progress, giving up in time, and never sending a key.
local onesignal = require("onesignal")
local server = require("support.server")
local compress = require("support.compress")
local core = require("onesignal.core")

local shell = require("server.harness.shell")
local read = shell.read_file

describe("exports", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end, { max_retries = 0 })

  local function export_url()
    local answer = assert(client:export_subscriptions(nil))
    return answer.csv_file_url
  end

  local function file_path_of(url) return url:match("^https?://[^/]+(/.*)$") end

  local function file_requests()
    local out = {}
    for _, r in ipairs(srv:requests()) do
      if r.path:match("^/__files/") then out[#out + 1] = r end
    end
    return out
  end

  -- A sleep that only records, so the specs do not wait for real.
  local function recorder()
    local waits = {}
    return waits, function(seconds) waits[#waits + 1] = seconds end
  end

  it("download_export waits with doubling waits, then saves the file, reporting progress", function()
    srv:set({ export_ready_after = 3 })
    local url = export_url()
    local waits, sleep = recorder()
    local events = {}
    local path = os.tmpname()
    local info, err = client:download_export(url, path, {
      interval = 1, max_interval = 3, sleep = sleep,
      progress = function(event) events[#events + 1] = event end,
    })
    assert.is_table(info, tostring(err))
    assert.are.same({ 1, 2, 3 }, waits)
    local csv = read(path)
    os.remove(path)
    assert.matches("^id,identifier,session_count", csv)
    assert.are.equal(#csv, info.bytes)
    assert.are.equal(path, info.path)
    assert.are.equal(4, info.polls)
    assert.are.equal(200, info.status)

    local phases = {}
    for i, event in ipairs(events) do phases[i] = event.phase end
    assert.are.same({ "waiting", "waiting", "waiting", "writing", "done" }, phases)
    assert.are.same({ 1, 2, 3 }, { events[1].polls, events[2].polls, events[3].polls })
    assert.are.equal(404, events[1].status)
    assert.are.same({ 1, 2, 3 }, { events[1].wait, events[2].wait, events[3].wait })
    assert.are.equal(#csv, events[4].bytes)
    assert.are.equal(#csv, events[4].total)
    assert.are.equal(#csv, events[5].bytes)

    local gets = file_requests()
    assert.are.equal(4, #gets)
    for _, r in ipairs(gets) do assert.is_nil(r.headers.authorization, "the key went to the file host") end
  end)

  it("fetch_export returns the text of export_events' file", function()
    srv:set({ export_ready_after = 1 })
    local sent = assert(client:create_notification({ included_segments = { "Subscribed Users" },
      contents = { en = "hi" } }))
    local answer = assert(client:export_events(sent.id, nil))
    local _, sleep = recorder()
    local csv, info = client:fetch_export(answer.csv_file_url, { sleep = sleep, interval = 0.01 })
    assert.is_string(csv, tostring(info))
    assert.matches("^notification_id,subscription_id,event", csv)
    assert.are.equal(2, info.polls)
  end)

  it("cuts the last wait to what is left of the timeout, checks once more, then gives up", function()
    srv:set({ export_ready_after = 100 })
    local url = export_url()
    local waits, sleep = recorder()
    local path = os.tmpname()
    os.remove(path)
    local info, err = client:download_export(url, path, { timeout = 10, interval = 2, sleep = sleep })
    assert.is_nil(info)
    -- 2 and 4 s, then not 8 but what is left of 10 s (less the few ms the checks took)
    assert.are.equal(3, #waits)
    assert.are.same({ 2, 4 }, { waits[1], waits[2] })
    assert.is_true(waits[3] > 3.5 and waits[3] <= 4, tostring(waits[3]))
    assert.are.equal("timeout", err.kind)
    assert.are.equal("export_not_ready", err.reason)
    assert.are.equal(404, err.status)
    assert.are.equal(4, err.attempts)
    assert.matches("download_export failed: timeout error %(export_not_ready%): the export file was not ready"
      .. " after 4 checks", tostring(err))
    assert.is_nil(read(path))
    assert.is_nil(read(path .. ".part"))
  end)

  -- README: timeout = 0 is "is it there now?": one check, no wait, the file when it is there.
  it("checks once, without waiting, when timeout is 0", function()
    srv:set({ export_ready_after = 1 })
    local url = export_url()
    local waits, sleep = recorder()
    local csv, err = client:fetch_export(url, { timeout = 0, sleep = sleep })
    assert.is_nil(csv)
    assert.are.equal("export_not_ready", err.reason)
    assert.are.equal(1, err.attempts)
    assert.are.same({}, waits)
    -- the file is there by the second check
    local text, info = client:fetch_export(url, { timeout = 0, sleep = sleep })
    assert.is_string(text, tostring(info))
    assert.are.equal(1, info.polls)
    assert.are.same({}, waits)
    assert.are.equal(2, #file_requests())
  end)

  -- README: each check is a call with the client's retry policy; the client's deadline bounds each check,
  -- not the waits between them, which the option `timeout` bounds.
  it("retries a check like any call, and takes the client's deadline per check, not for the whole wait", function()
    srv:set({ export_ready_after = 0 })
    local url = export_url()
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { status = 503 } } })
    local retrying = client:with({ max_retries = 1, retry_base_delay = 0.01 })
    local csv, info = retrying:fetch_export(url, { interval = 0.01 })
    assert.is_string(csv, tostring(info))
    assert.are.equal(1, info.polls)
    assert.are.equal(2, #file_requests())

    srv:set({ export_ready_after = 100 })
    url = export_url()
    local started = core.monotonic()
    local _, err = client:with({ deadline = 0.2 }):fetch_export(url, { timeout = 0.6, interval = 0.1 })
    local took = core.monotonic() - started
    assert.are.equal("export_not_ready", err.reason)
    assert.is_true(took >= 0.6 and took < 3, tostring(took))
    assert.is_true(err.attempts >= 4, tostring(err.attempts))
  end)

  -- err.attempts counts the GETs the call made, as for any call (a check retried after a 503 is two),
  -- and err.polls the checks, as info.polls does on success.
  it("counts every GET in err.attempts and the checks in err.polls, whatever ends the wait", function()
    srv:set({ export_ready_after = 100 })
    local url = export_url()
    srv:fault({ match = { path = file_path_of(url) }, steps = { { status = 503 } } })
    local retrying = client:with({ max_retries = 1, retry_base_delay = 0.01, retry_max_delay = 0.01 })
    local _, sleep = recorder()
    local _, err = retrying:fetch_export(url, { timeout = 3, interval = 1, sleep = sleep })
    assert.are.equal("export_not_ready", err.reason)
    assert.are.same({ 4, 3 }, { err.attempts, err.polls })
    assert.matches("not ready after 3 checks in 3 s %[4 attempts%]$", tostring(err))

    srv:clear()
    srv:fault({ match = { path = file_path_of(url) }, steps = { { status = 404 }, { status = 404 },
      { status = 410 } } })
    _, err = retrying:fetch_export(url, { sleep = sleep })
    assert.are.equal(410, err.status)
    assert.are.same({ 3, 3 }, { err.attempts, err.polls })
    assert.are.equal(3, #file_requests())
  end)

  it("waits for real with the default sleep", function()
    srv:set({ export_ready_after = 1 })
    local csv, info = client:fetch_export(export_url(), { interval = 0.05 })
    assert.is_string(csv, tostring(info))
    assert.are.equal(2, info.polls)
    assert.is_true(info.waited >= 0.05)
  end)

  it("takes 403 for 'not written yet' too, as S3 answers for a missing object", function()
    srv:set({ export_ready_after = 0 })
    local url = export_url()
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { status = 403 }, { status = 403 } } })
    local waits, sleep = recorder()
    local events = {}
    local csv, info = client:fetch_export(url, { interval = 1, sleep = sleep,
      progress = function(event) events[#events + 1] = event end })
    assert.is_string(csv, tostring(info))
    assert.are.equal(3, info.polls)
    assert.are.same({ 1, 2 }, waits)
    assert.are.same({ "waiting", 403 }, { events[1].phase, events[1].status })
  end)

  -- S3's XML error bodies: a presigned URL past its X-Amz-Expires, and a missing object the reader may
  -- not list (both 403).
  local EXPIRED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    .. '<Message>Request has expired</Message><X-Amz-Expires>3600</X-Amz-Expires>'
    .. '<Expires>2026-01-01T10:00:00Z</Expires><ServerTime>2026-01-01T10:00:05Z</ServerTime>'
    .. '<RequestId>4442587FB7D0A2F9</RequestId></Error>'
  local MISSING = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    .. '<Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>'

  it("fails at once, with no more checks, when the URL has expired (S3's 403 'Request has expired')", function()
    srv:set({ export_ready_after = 0 })
    local url = export_url()
    srv:fault({ match = { path = file_path_of(url) }, steps = {
      { status = 403, body = EXPIRED, content_type = "application/xml" },
      { status = 403, body = EXPIRED, content_type = "application/xml" } } })
    local waits, sleep = recorder()
    local path = os.tmpname()
    os.remove(path)
    local info, err = client:download_export(url .. "?X-Amz-Expires=3600&X-Amz-Signature=5ec2e7516a7e", path,
      { sleep = sleep })
    assert.is_nil(info)
    assert.are.same({}, waits)
    assert.are.equal(1, #file_requests())
    assert.are.equal("api", err.kind)
    assert.are.equal("export_expired", err.reason)
    assert.are.equal(403, err.status)
    assert.are.equal(EXPIRED, err.body)
    assert.are.equal(file_path_of(url), err.path)
    assert.are.equal("onesignal: download_export failed: HTTP 403: the export's URL has expired (the file's host"
      .. ' answered 403 "Request has expired"): no later check can fetch it; ask for a new export [1 attempt]',
      tostring(err))
    assert.is_nil(read(path))
    assert.is_nil(read(path .. ".part"))
  end)

  it("keeps waiting on S3's 403 for a missing object, which is no expiry", function()
    srv:set({ export_ready_after = 0 })
    -- Within one AWS account S3's AccessDenied may name the IAM action denied instead of "Access Denied".
    local LIST_DENIED = MISSING:gsub("Access Denied", "User: arn:aws:iam::123456789012:user/exports is not"
      .. " authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::exports\" because no"
      .. " identity-based policy allows the s3:ListBucket action")
    for _, body in ipairs({ MISSING, LIST_DENIED }) do
      local url = export_url()
      srv:fault({ match = { path = file_path_of(url) }, steps = {
        { status = 403, body = body, content_type = "application/xml" } } })
      local waits, sleep = recorder()
      local csv, info = client:fetch_export(url, { sleep = sleep })
      assert.is_string(csv, tostring(info))
      assert.are.equal(2, info.polls)
      assert.are.equal(1, #waits)
      srv:clear_faults()
    end
  end)

  -- S3 answers these to a URL it will never serve (a bad signature or key, a disabled bucket or account, a
  -- missing bucket): unlike "Access Denied" for a missing object, no later check can change them.
  local function s3_error(code, message)
    return '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' .. code .. '</Code><Message>' .. message
      .. '</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>'
  end
  local REFUSED = {
    { 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you"
      .. " provided. Check your key and signing method." },
    { 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records." },
    { 403, "AllAccessDisabled", "All access to this Amazon S3 resource has been disabled." },
    { 403, "ExpiredToken", "The provided token has expired." }, -- 400 from S3 itself; 403 from others
    { 404, "NoSuchBucket", "The specified bucket does not exist" },
  }

  it("fails at once, with no more checks, when S3 refuses the URL for good (a bad signature, key, bucket)", function()
    srv:set({ export_ready_after = 0 })
    for _, case in ipairs(REFUSED) do
      local status, code, message = case[1], case[2], case[3]
      local url = export_url()
      local body = s3_error(code, message)
      srv:clear()
      srv:fault({ match = { path = file_path_of(url) }, steps = {
        { status = status, body = body, content_type = "application/xml" },
        { status = status, body = body, content_type = "application/xml" } } })
      local waits, sleep = recorder()
      local path = os.tmpname()
      os.remove(path)
      local info, err = client:download_export(url .. "?X-Amz-Signature=5ec2e7516a7e", path, { sleep = sleep })
      assert.is_nil(info, code)
      assert.are.same({}, waits, code)
      assert.are.equal(1, #file_requests(), code)
      assert.are.same({ "api", "export_refused", status, body }, { err.kind, err.reason, err.status, err.body })
      assert.are.equal("onesignal: download_export failed: HTTP " .. status .. ": the file's host refused the"
        .. " export's URL (" .. code .. ": " .. message .. "): no later check can fetch it; ask for a new export"
        .. " [1 attempt]", tostring(err))
      assert.is_nil(read(path .. ".part"))
      srv:clear_faults()
    end
  end)

  it("puts the file at its path only once it is complete, replacing what was there", function()
    srv:set({ export_ready_after = 0 })
    local path = os.tmpname()
    local old = io.open(path, "wb")
    old:write("the previous export")
    old:close()
    local during = {}
    local info, err = client:download_export(export_url(), path, { progress = function(event)
      if event.phase == "writing" then during[#during + 1] = read(path) end
    end })
    local csv = read(path)
    local leftover = read(path .. ".part")
    os.remove(path)
    assert.is_table(info, tostring(err))
    assert.are.same({ "the previous export" }, during)
    assert.matches("^id,identifier,session_count", csv)
    assert.is_nil(leftover)
  end)

  it("checks with the settings of a client made with :with", function()
    local url = export_url()
    -- The GET has no overall limit: the timeout of :with is its idle limit, which libcurl counts in whole
    -- seconds and checks about once a second (so 1 to 2 s here), well before the 4 s the answer waits.
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { delay = 4 } } })
    local csv, err = client:with({ timeout = 0.2 }):fetch_export(url, { sleep = function() end })
    assert.is_nil(csv)
    assert.are.equal("timeout", err.kind)
    assert.are.equal(1, err.attempts)
  end)

  it("fails at once on an answer that is neither the file nor 'not yet'", function()
    local url = export_url()
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { status = 410 } } })
    local _, sleep = recorder()
    local csv, err = client:fetch_export(url, { sleep = sleep })
    assert.is_nil(csv)
    assert.are.equal("api", err.kind)
    assert.are.equal(410, err.status)
    assert.are.equal("fetch_export", err.operation)
  end)

  it("reports a network failure like any call", function()
    local csv, err = client:fetch_export("http://127.0.0.1:1/x.csv", { sleep = function() end })
    assert.is_nil(csv)
    assert.are.equal("network", err.kind)
    assert.are.equal("connect", err.reason)
  end)

  it("bounds each check by request_timeout", function()
    local url = export_url()
    srv:fault({ match = { path = url:match("^https?://[^/]+(/.*)$") }, steps = { { delay = 2 } } })
    local csv, err = client:fetch_export(url, { request_timeout = 0.2, sleep = function() end })
    assert.is_nil(csv)
    assert.are.equal("timeout", err.kind)
    assert.are.equal("fetch_export", err.operation)
  end)

  it("returns an io error when the file cannot be written, leaving nothing behind", function()
    srv:set({ export_ready_after = 0 })
    local info, err = client:download_export(export_url(), "/nonexistent-dir/subs.csv")
    assert.is_nil(info)
    assert.are.equal("io", err.kind)
    assert.matches("cannot write the export", tostring(err))
  end)

  -- README: `polls` counts checks, "and in an error err.polls too, while err.attempts counts every GET
  -- made". An io error came without them (tostring said "[1 attempt]" after three GETs), and without
  -- the method and path every other error of the call names.
  it("counts the GETs and checks in an io error too, and names the request", function()
    srv:set({ export_ready_after = 2 })
    local url = export_url()
    local _, sleep = recorder()
    local info, err = client:download_export(url, "/nonexistent-dir/subs.csv", { sleep = sleep })
    assert.is_nil(info)
    assert.are.equal("io", err.kind)
    assert.are.same({ 3, 3, "GET", file_path_of(url):match("^[^?]*") },
      { err.attempts, err.polls, err.method, err.path })
    assert.matches("%[3 attempts%]$", tostring(err))

    -- The file written, then not moved into place (the path is a directory).
    local dir = os.tmpname()
    os.remove(dir)
    assert(shell.run("mkdir " .. dir), "cannot create " .. dir)
    info, err = client:download_export(export_url(), dir, { sleep = sleep })
    os.remove(dir)
    assert.is_nil(info)
    assert.are.equal("io", err.kind)
    assert.are.same({ 3, 3, "GET" }, { err.attempts, err.polls, err.method })
  end)

  -- OneSignal's files are .csv.gz. One served as it is stored is saved as it is (gzip bytes, which is
  -- what the README says); one served with Content-Encoding: gzip is decoded on the way, as any answer.
  it("saves a .csv.gz file as the host serves it", function()
    srv:set({ export_ready_after = 0 })
    local url = export_url()
    local csv = assert(client:fetch_export(url))
    local packed = compress.gzip(csv)
    local file_path = url:match("^https?://[^/]+(/.*)$")
    srv:fault({ match = { path = file_path }, steps = {
      { status = 200, body = packed, content_type = "application/x-gzip" },
      { status = 200, body = packed, content_type = "text/csv", headers = { ["Content-Encoding"] = "gzip" } },
    } })
    local path = os.tmpname()
    local totals = {}
    local function progress(event)
      if event.phase == "writing" then totals[#totals + 1] = event.total or "unknown" end
    end
    local info = assert(client:download_export(url, path, { progress = progress }))
    assert.are.equal(packed, read(path))
    assert.are.equal(#packed, info.bytes)
    assert.are.equal("application/x-gzip", info.headers["content-type"])
    info = assert(client:download_export(url, path, { progress = progress }))
    assert.are.equal(csv, read(path))
    assert.are.equal(#csv, info.bytes)
    assert.are.equal("gzip", info.headers["content-encoding"])
    -- Content-Length counts the bytes as sent: decoded ones have no known total.
    assert.are.same({ #packed, "unknown" }, totals)
    os.remove(path)
  end)

  -- A client whose bodies held in memory stay small: a download streams past that limit, a fetch cannot.
  local function capped_client(options)
    local cfg = { base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id, max_body_size = 100 }
    for k, v in pairs(options or {}) do cfg[k] = v end
    return onesignal.new(cfg)
  end


  it("fetch_export keeps the max_body_size limit, as the file is held in memory", function()
    srv:set({ export_ready_after = 0 })
    local capped = capped_client()
    local csv, err = capped:fetch_export(export_url())
    capped:close()
    assert.is_nil(csv)
    assert.are.equal("decode", err.kind)
    assert.are.equal("too_large", err.reason)
    assert.matches("fetch_export failed: decode error (too_large): response body larger than max_body_size"
      .. " (100 bytes)", tostring(err), 1, true)
  end)

  -- A 403's body says whether the file is missing or the URL refused; one too large to read says neither,
  -- and waiting would only hide that until the timeout (the file itself streams past the limit).
  it("fails at once on a 403 whose body is larger than max_body_size, naming both", function()
    srv:set({ export_ready_after = 0 })
    local big = s3_error("AccessDenied", string.rep("Access Denied ", 20))
    local capped = capped_client({ max_retries = 0 })
    finally(function() capped:close() end)
    -- fetch_export refuses the announced length at once; download_export, whose 2xx body has no limit,
    -- stops once the bytes kept pass it.
    for _, call in ipairs({ "fetch_export", "download_export" }) do
      local url = export_url()
      srv:clear()
      srv:fault({ match = { path = file_path_of(url) }, steps = { { status = 403, body = big } } })
      local waits, sleep = recorder()
      local path = os.tmpname()
      os.remove(path)
      local options = { sleep = sleep, timeout = 60 }
      local out, err
      if call == "fetch_export" then
        out, err = capped:fetch_export(url, options)
      else
        out, err = capped:download_export(url, path, options)
      end
      assert.is_nil(out, call)
      assert.are.same({}, waits, call)
      assert.are.equal(1, #file_requests(), call)
      assert.are.same({ "api", "http", 403 }, { err.kind, err.reason, err.status }, call)
      assert.are.equal("onesignal: " .. call .. " failed: HTTP 403: the file's host answered 403 with a"
        .. " response body larger than max_body_size (100 bytes), so whether the file is not written yet or the URL"
        .. " is refused cannot be told; raise max_body_size [1 attempt]", tostring(err), call)
      assert.is_nil(read(path .. ".part"), call)
    end
  end)

  it("keeps waiting on a 404 whose body is larger than max_body_size: the status says it is not there", function()
    srv:set({ export_ready_after = 0 })
    local url = export_url()
    srv:fault({ match = { path = file_path_of(url) }, steps = { { status = 404, body = string.rep("x", 500) } } })
    local capped = capped_client({ max_retries = 0 })
    finally(function() capped:close() end)
    local waits, sleep = recorder()
    local path = os.tmpname()
    local info, err = capped:download_export(url, path, { sleep = sleep })
    os.remove(path)
    assert.is_table(info, tostring(err))
    assert.are.equal(2, info.polls)
    assert.are.equal(1, #waits)
  end)

  it("download_export streams a file of several MB to disk, past max_body_size, byte for byte", function()
    srv:set({ export_ready_after = 1, export_rows = 60000 })
    local url = export_url()
    local expected = assert(client:fetch_export(url, { sleep = function() end }))
    assert.is_true(#expected > 5 * 1024 * 1024, tostring(#expected))
    local capped = capped_client()
    local path = os.tmpname()
    local events, parts = {}, {}
    local info, err = capped:download_export(url, path, { progress = function(event)
      events[#events + 1] = event
      if event.phase == "writing" then parts[#parts + 1] = read(path .. ".part") and true or false end
    end })
    capped:close()
    local saved = read(path)
    os.remove(path)
    assert.is_table(info, tostring(err))
    assert.is_true(saved == expected, "the saved file differs from the served one")
    assert.are.equal(#expected, info.bytes)
    assert.are.equal(200, info.status)
    assert.is_nil(read(path .. ".part"))
    -- "writing" events come while the body arrives (the .part file exists), bytes growing to the total.
    local writing, last = 0, 0
    for _, event in ipairs(events) do
      if event.phase == "writing" then
        writing = writing + 1
        assert.is_true(event.bytes > last and event.bytes <= #expected)
        assert.are.equal(#expected, event.total)
        assert.are.equal(path, event.path)
        last = event.bytes
      end
    end
    assert.is_true(writing >= 5, tostring(writing))
    assert.are.equal(#expected, last)
    for _, exists in ipairs(parts) do assert.is_true(exists) end
    assert.are.equal("done", events[#events].phase)
    assert.are.equal(#expected, events[#events].bytes)
  end)

  it("a connection lost in the middle of the body leaves neither the file nor a .part", function()
    srv:set({ export_ready_after = 0, export_rows = 30000 })
    local url = export_url()
    srv:fault({ match = { path = file_path_of(url) }, steps = { { truncate = true } } })
    local capped = capped_client({ max_retries = 0 })
    local path = os.tmpname()
    local writing = 0
    local info, err = capped:download_export(url, path, { progress = function(event)
      if event.phase == "writing" then writing = writing + 1 end
    end })
    capped:close()
    assert.is_nil(info)
    assert.are.equal("network", err.kind)
    assert.are.equal("partial", err.reason)
    assert.is_true(writing >= 1, "no byte of the body was written before the cut")
    assert.is_nil(read(path .. ".part"))
    -- os.tmpname made the file, empty: it is left as it was
    assert.are.equal("", read(path))
    os.remove(path)
  end)

  it("a retried attempt starts the file again from empty, never appending a second copy", function()
    srv:set({ export_ready_after = 0, export_rows = 30000 })
    local url = export_url()
    local expected = assert(client:fetch_export(url))
    srv:fault({ match = { path = file_path_of(url) }, steps = { { truncate = true } } })
    local capped = capped_client({ max_retries = 2, retry_base_delay = 0.01, retry_max_delay = 0.01 })
    local path = os.tmpname()
    local info, err = capped:download_export(url, path)
    capped:close()
    local saved = read(path)
    os.remove(path)
    assert.is_table(info, tostring(err))
    assert.are.equal(#expected, #saved)
    assert.is_true(saved == expected, "the saved file differs from the served one")
    assert.are.equal(#expected, info.bytes)
    assert.is_nil(read(path .. ".part"))
    local gets = file_requests()
    assert.are.equal(3, #gets) -- the fetch above, the cut attempt, the retry
  end)

  it("an error answer's body never reaches the file, and 'not ready' polls never touch it", function()
    srv:set({ export_ready_after = 2 })
    local url = export_url()
    local path = os.tmpname()
    local old = io.open(path, "wb")
    old:write("the previous export")
    old:close()
    local seen = {}
    local info, err = client:download_export(url, path, { sleep = function() end, progress = function(event)
      seen[#seen + 1] = { event.phase, read(path .. ".part") }
    end })
    assert.is_table(info, tostring(err))
    assert.are.same({ { "waiting" }, { "waiting" } }, { seen[1], seen[2] })

    srv:fault({ match = { path = file_path_of(url) }, steps = { { status = 500, body = "storage is down" } } })
    info, err = client:download_export(url, path)
    assert.is_nil(info)
    assert.are.equal("api", err.kind)
    assert.are.equal(500, err.status)
    assert.are.equal("storage is down", err.body)
    assert.is_nil(read(path .. ".part"))
    assert.matches("^id,identifier,session_count", read(path))
    os.remove(path)
  end)

  it("fails with an io error when a write fails (a full disk), leaving nothing behind", function()
    local full = io.open("/dev/full", "wb")
    if not full then return pending("no writable /dev/full here") end
    full:close()
    srv:set({ export_ready_after = 0, export_rows = 30000 })
    local path = os.tmpname()
    os.remove(path)
    assert(shell.run("ln -s /dev/full " .. path .. ".part"), "cannot link " .. path .. ".part")
    local info, err = client:download_export(export_url(), path)
    local status = os.execute("test -L " .. path .. ".part")
    local link_left = status == true or status == 0 -- Lua 5.4 and 5.3, or LuaJIT
    os.remove(path .. ".part")
    assert.is_nil(info)
    assert.are.equal("io", err.kind)
    assert.matches("cannot write the export: .*No space left on device", tostring(err))
    assert.is_nil(read(path))
    assert.is_falsy(link_left)
  end)

  it("names the path when it cannot be replaced (a directory), leaving nothing behind", function()
    srv:set({ export_ready_after = 0 })
    local dir = os.tmpname()
    os.remove(dir)
    assert(shell.run("mkdir " .. dir), "cannot create " .. dir)
    local info, err = client:download_export(export_url(), dir)
    assert.is_nil(info)
    assert.are.equal("io", err.kind)
    assert.are.equal("cannot move the export into place at " .. dir .. ": ", err.message:sub(1, #dir + 39))
    assert.is_nil(read(dir .. ".part"))
    assert.is_true(os.remove(dir)) -- still there, still an empty directory
  end)

  it("leaves no partial file when the progress function raises while the file is written", function()
    srv:set({ export_ready_after = 0 })
    local path = os.tmpname()
    os.remove(path)
    local ok, err = pcall(client.download_export, client, export_url(), path, {
      progress = function(event) if event.phase == "writing" then error("cancelled by the user", 0) end end,
    })
    assert.is_false(ok)
    assert.are.equal("cancelled by the user", err)
    assert.is_nil(read(path .. ".part"))
    assert.is_nil(read(path))
  end)

  it("stops the transfer, not retried, when the progress function raises while the body arrives", function()
    srv:set({ export_ready_after = 0, export_rows = 30000 })
    local url = export_url()
    local patient = capped_client({ max_retries = 3, retry_base_delay = 0.01 })
    local path = os.tmpname()
    os.remove(path)
    local events = {}
    local ok, err = pcall(patient.download_export, patient, url, path, { progress = function(event)
      events[#events + 1] = event
      if event.phase == "writing" then error({ cancelled = true }) end
    end })
    patient:close()
    assert.is_false(ok)
    assert.are.same({ cancelled = true }, err) -- the very value raised
    assert.are.equal(1, #events)
    assert.is_true(events[1].bytes < events[1].total, "the error came only after the whole body")
    assert.are.equal(1, #file_requests()) -- the one GET, stopped
    assert.is_nil(read(path))
    assert.is_nil(read(path .. ".part"))
  end)

  -- download_export of a large file, with `call` made from its progress function as the file arrives (the
  -- first "writing" event and every later one): what pcall returned, and the file's path.
  local function download_calling(call)
    srv:set({ export_ready_after = 0, export_rows = 30000 })
    local path = os.tmpname()
    os.remove(path)
    local ok, err = pcall(client.download_export, client, export_url(), path, { progress = function(event)
      if event.phase == "writing" then call() end
    end })
    return ok, err, path
  end

  -- The progress function runs as the body arrives, inside libcurl's write callback: a blocking call there
  -- cannot wait for its own answer: it is refused, naming it and what works there, at the caller's line.
  -- Nothing is sent.
  it("refuses a blocking call from the progress function while the file arrives, naming it", function()
    local ok, err, path = download_calling(function() client:get_segments(nil) end)
    assert.is_false(ok)
    assert.matches("exports_spec%.lua:%d+: onesignal%.get_segments: cannot be called while the client receives"
      .. " an answer, as from download_export's progress function %(the client is busy with that answer%);"
      .. " make the call once download_export has returned, or use get_segments_async there, or make the call"
      .. " in client:spawn, where it suspends$", err)
    assert.are.same({}, srv:recorded("get_segments"))
    assert.is_nil(read(path .. ".part"))
  end)

  -- libcurl adds no transfer from inside its write callback: a request started there (an _async call, or
  -- a call or send_many in client:spawn, which suspend) starts at the engine's next turn, while the file goes on
  -- arriving. They failed at once ("libcurl could not start the request").
  it("sends an _async call and a call in client:spawn made from the progress function as the file arrives",
    function()
    srv:set({ export_ready_after = 0, export_rows = 30000 })
    local url = export_url()
    local path = os.tmpname()
    os.remove(path)
    local inside, async, spawned = nil, {}, {}
    local info, err = client:download_export(url, path, { progress = function(event)
      if event.phase == "writing" and inside == nil then
        inside = not client:_can_drive() -- inside the engine (libcurl's write callback), not after it
        client:get_segments_async(nil, function(body, e) async.body, async.err = body, e end)
        client:spawn(function() spawned.body, spawned.err = client:view_templates(nil) end)
        client:spawn(function()
          spawned.items = client:send_many({ { included_segments = { "All" }, contents = { en = "hi" } } })
        end)
      end
    end })
    assert.is_table(info, tostring(err))
    assert.is_true(inside)
    assert.is_true(client:run(5))
    assert.is_table(async.body, tostring(async.err))
    assert.is_table(spawned.body, tostring(spawned.err))
    assert.are.equal(1, #srv:recorded("get_segments"))
    assert.are.equal(1, #srv:recorded("view_templates"))
    assert.is_table(spawned.items[1].body, tostring(spawned.items[1].err)) -- send_many, in a spawn there
    os.remove(path)
  end)

  it("refuses send_many from the progress function as the blocking calls, before sending anything", function()
    local ok, err, path = download_calling(function()
      client:send_many({ { included_segments = { "All" }, contents = { en = "hi" } } })
    end)
    assert.is_false(ok)
    assert.matches("exports_spec%.lua:%d+: onesignal%.send_many: cannot be called while the client receives"
      .. " an answer.*; make the call once download_export has returned, or run it in client:spawn there"
      .. " instead, where it suspends$", err)
    assert.are.same({}, srv:recorded("create_notification"))
    assert.is_nil(read(path .. ".part"))
  end)

  -- A presigned URL (S3's, say) carries its signature in the query: a credential to the whole file for as
  -- long as it lives. The on_attempt hook, often a logger, sees the URL with the query redacted.
  it("shows the on_attempt hook the file's URL with its query redacted, and puts it in no error", function()
    srv:set({ export_ready_after = 1 })
    local bare = export_url()
    local url = bare .. "?X-Amz-Expires=3600&X-Amz-Signature=5ec2e7516a7e&X-Amz-Credential=AKIAEXAMPLE"
    local reports = {}
    local watched = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      on_attempt = function(info) reports[#reports + 1] = info.url end })
    local csv, info = watched:fetch_export(url, { sleep = function() end })
    assert.is_string(csv, tostring(info))
    srv:fault({ match = { path = file_path_of(bare) }, steps = { { status = 410, body = "gone" } } })
    local _, err = watched:fetch_export(url, { sleep = function() end })
    watched:close()
    assert.are.same({ bare .. "?[REDACTED]", bare .. "?[REDACTED]", bare .. "?[REDACTED]" }, reports)
    assert.are.equal(410, err.status)
    assert.is_nil(tostring(err):find("5ec2e7516a7e", 1, true), tostring(err))
    assert.is_nil(err.path:find("?", 1, true), err.path)
    -- the file's host got the whole URL
    local got = file_requests()
    assert.are.equal(3, #got)
    assert.matches("X%-Amz%-Signature=5ec2e7516a7e", got[1].query)
  end)

  -- Files that drip (spec/server: 10 pieces, a wait before each): a download fails when the transfer
  -- stalls for the client's timeout, not when the whole transfer lasts longer than that.
  describe("time limits of a download", function()
    -- A ready export (a few KB) and its content as served.
    local function ready_export()
      srv:set({ export_ready_after = 0 })
      local url = export_url()
      return url, assert(client:fetch_export(url))
    end

    -- A client with `settings` whose on_attempt reports go to the list returned with it.
    local function reporting_client(settings)
      local reports = {}
      local cfg = { base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
        on_attempt = function(info) reports[#reports + 1] = info end }
      for k, v in pairs(settings) do cfg[k] = v end
      return onesignal.new(cfg), reports
    end

    it("saves a file whose transfer outlasts the client's timeout but never stalls", function()
      local url, expected = ready_export()
      srv:fault({ match = { path = file_path_of(url) }, steps = { { drip = 0.12 } } })
      local slow, reports = reporting_client({ timeout = 0.3, max_retries = 0 })
      local path = os.tmpname()
      local started = core.monotonic()
      local info, err = slow:download_export(url, path)
      local took = core.monotonic() - started
      slow:close()
      local saved = read(path)
      os.remove(path)
      assert.is_table(info, tostring(err))
      assert.is_true(saved == expected, "the saved file differs from the served one")
      assert.is_true(took > 1, "the transfer took only " .. took .. " s: it did not outlast the timeout")
      assert.are.equal(1, #reports)
    end)

    it("fails an attempt that stalls for the timeout of client:with as a timeout, and retries it", function()
      local url, expected = ready_export()
      -- The first GET stalls after its headers (5 s before any body byte), the retry drips along.
      srv:fault({ match = { path = file_path_of(url) }, steps = { { drip = 5 }, { drip = 0.12 } } })
      local slow, reports = reporting_client({ max_retries = 1, retry_base_delay = 0.01, retry_max_delay = 0.01 })
      local path = os.tmpname()
      -- libcurl counts the idle limit in whole seconds (0.3 s is 1 s there) and checks it about once a
      -- second: the stall fails after 1 to 2 s.
      local info, err = slow:with({ timeout = 0.3 }):download_export(url, path)
      slow:close()
      local saved = read(path)
      os.remove(path)
      assert.is_table(info, tostring(err))
      assert.is_true(saved == expected, "the saved file differs from the served one")
      assert.are.equal(2, #reports)
      assert.are.equal("timeout", reports[1].error)
      assert.is_true(reports[1].retry)
      assert.is_true(reports[1].attempt_elapsed < 4.5, "the stall was not cut short: "
        .. reports[1].attempt_elapsed .. " s")
      assert.is_nil(reports[2].error)
    end)

    it("fails a stalled transfer as a timeout once the retries are spent", function()
      local url = ready_export()
      srv:fault({ match = { path = file_path_of(url) }, steps = { { drip = 5 } } })
      local slow = reporting_client({ timeout = 0.3, max_retries = 0 })
      local path = os.tmpname()
      os.remove(path)
      local info, err = slow:download_export(url, path)
      slow:close()
      assert.is_nil(info)
      assert.are.equal("timeout", err.kind)
      assert.are.equal(1, err.attempts)
      assert.is_nil(read(path))
      assert.is_nil(read(path .. ".part"))
    end)

    -- No byte comes while the GET waits for a free connection either: the idle limit bounds that wait,
    -- which libcurl's own check (only once connected) does not, and nothing else would without a deadline.
    it("fails a GET that waits for a free connection for the client's timeout, as a stall", function()
      local url, expected = ready_export()
      -- The only connection carries a transfer that drips for 6 s, never stalling.
      srv:fault({ match = { path = file_path_of(url) }, steps = { { drip = 0.6 } } })
      local capped, reports = reporting_client({ max_connections = 1, timeout = 1, max_retries = 0 })
      local first
      capped:spawn(function() first = { capped:fetch_export(url) } end)
      capped:run(0.3)
      local started = core.monotonic()
      local csv, err = capped:fetch_export(url)
      local took = core.monotonic() - started
      assert.is_true(capped:run(10))
      capped:close()
      assert.is_nil(csv)
      assert.are.equal("timeout", err.kind)
      assert.matches("waiting for a free connection %(max_connections%)", err.message)
      assert.is_true(took >= 0.9 and took < 3, tostring(took))
      assert.are.equal(expected, first[1], tostring(first[2]))
      assert.are.equal(2, #reports)
    end)

    it("keeps request_timeout, when given, as a limit on the whole GET", function()
      local url = ready_export()
      srv:fault({ match = { path = file_path_of(url) }, steps = { { drip = 0.12 } } })
      local path = os.tmpname()
      os.remove(path)
      local info, err = client:download_export(url, path, { request_timeout = 0.5 })
      assert.is_nil(info)
      assert.are.equal("timeout", err.kind)
      assert.is_nil(read(path .. ".part"))
    end)
  end)

  it("refuses bad arguments before sending anything", function()
    srv:clear()
    local not_url = "argument 'url' (#1) must be an absolute http(s) URL (the csv_file_url of the export's answer)"
    for _, case in ipairs({
      { function() client:download_export(nil, "x.csv") end, "download_export: " .. not_url },
      { function() client:download_export("ftp://example.com/x.csv", "x.csv") end, "download_export: " .. not_url },
      -- libcurl would send the password to the file's host and show it to the hook; cosockets cannot
      -- send it at all. The message does not quote it.
      { function() client:fetch_export("https://user:s3cr3t@example.com/x.csv") end, "fetch_export: argument"
        .. " 'url' (#1) must not carry a user name or password (user@host): an export's file is fetched with no"
        .. " credential" },
      { function() client:download_export("http://a@b@example.com/x.csv", "x.csv") end, "download_export:"
        .. " argument 'url' (#1) must not carry a user name or password" },
      { function() client:download_export("https://example.com/x.csv", nil) end,
        "download_export: argument 'path' (#2) must be a file name" },
      { function() client:fetch_export("https://example.com/x.csv", { intervall = 1 }) end,
        "fetch_export: unknown option 'intervall'" },
      { function() client:fetch_export("https://example.com/x.csv", { timeout = -1 }) end,
        "fetch_export: option 'timeout' must be a non-negative number of seconds" },
      { function() client:fetch_export("https://example.com/x.csv", { progress = "yes" }) end,
        "fetch_export: option 'progress' must be a function" },
    }) do
      local ok, err = pcall(case[1])
      assert.is_false(ok)
      assert.matches("exports_spec%.lua:%d+: onesignal%." .. case[2]:gsub("%p", "%%%0"), err)
      assert.is_nil(err:find("s3cr3t", 1, true), err)
    end
    assert.are.equal(0, #srv:requests())
  end)

  it("a dry-run client fetches nothing", function()
    local dry = onesignal.new({ base_url = srv.url, rest_api_key = "k", app_id = "a", dry_run = true })
    local ok, err = pcall(function() dry:fetch_export(srv.url .. "/__files/x.csv") end)
    assert.is_false(ok)
    assert.matches("exports_spec%.lua:%d+: onesignal%.fetch_export: a dry%-run client sends nothing, so no export"
      .. " can be fetched$", err)
  end)
end)
