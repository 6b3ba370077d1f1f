-- HTTP/2 tells a client which requests the server did not process: a stream reset with REFUSED_STREAM
-- (RFC 9113 8.7), and the streams above a GOAWAY's last-stream-id (6.8). libcurl sends those again by
-- itself on a new connection, and the engine lets it do so whatever the method: a create_user (a POST
-- without an idempotency key) refused so is not "maybe sent" but goes through, each send counted as an
-- attempt; when libcurl gives up after its fifth resend, or a resend cannot connect in time, nothing was
-- applied either, and the policy retries the call as one never sent. Any other end without an answer (a
-- stream reset with another code, a connection reset or, over HTTP/1.1, closed) may follow processing, and
-- an unsafe request is not repeated after it.
--
-- Against spec/support/h2_peer.js (Node's http2 module) over TLS on loopback, one server per case.
local cjson = require("cjson")
local socket = require("socket")
local onesignal = require("onesignal")
local core = require("onesignal.core")
local shell = require("server.harness.shell")
local tls = require("server.harness.tls")

local PEER = "spec/support/h2_peer.js"
local NGHTTP2_INTERNAL_ERROR, NGHTTP2_CANCEL = 2, 8

local has_node = shell.run("command -v node >/dev/null 2>&1")

local function skip()
  if not has_node then return "node (Node.js) is not installed: make deps" end
  if not core.features.http2 then return "libcurl without HTTP/2" end
end

describe("HTTP/2 streams the server refused", function()
  local dir, certs
  local peer -- the server of the running case

  setup(function()
    if skip() then return end
    dir = os.tmpname()
    os.remove(dir)
    certs = tls.generate(dir .. "/tls")
  end)
  teardown(function()
    if dir then shell.run("rm -rf " .. shell.quote(dir)) end
  end)
  after_each(function()
    if peer then shell.terminate(peer.pid) end
    peer = nil
  end)

  -- Starts a server in `mode` (see h2_peer.js).
  local function start(mode)
    local run = dir .. "/" .. mode:gsub("%W", "_")
    assert(shell.run("rm -rf " .. shell.quote(run) .. " && mkdir -p " .. shell.quote(run)))
    local port_file, log_file = run .. "/port", run .. "/log"
    local out = shell.capture(table.concat({ "node", PEER, shell.quote(certs.cert), shell.quote(certs.key),
      shell.quote(mode), shell.quote(port_file), shell.quote(log_file), "120" }, " ")
      .. " >" .. shell.quote(run .. "/out") .. " 2>&1 & echo $!")
    peer = { pid = tonumber(out:match("%d+")), log_file = log_file }
    for _ = 1, 200 do
      local port = shell.read_file(port_file)
      if port then
        peer.url = "https://127.0.0.1:" .. port:gsub("%s+", "")
        return peer
      end
      socket.sleep(0.025)
    end
    error("h2_peer.js did not start: " .. (shell.read_file(run .. "/out") or ""))
  end

  -- What the server saw, in order; with `event`, only those.
  local function events(event)
    local list = {}
    for line in (shell.read_file(peer.log_file) or ""):gmatch("[^\n]+") do
      local e = cjson.decode(line)
      if event == nil or e.event == event then list[#list + 1] = e end
    end
    return list
  end

  -- A client of the running server; `attempts` gets every on_attempt report.
  local function new_client(attempts, options)
    local o = { base_url = peer.url, ca_file = certs.ca_file, rest_api_key = "h2-key", app_id = "h2-app",
      retry_base_delay = 0.01, on_attempt = function(a) attempts[#attempts + 1] = a end }
    for k, v in pairs(options or {}) do o[k] = v end
    return onesignal.new(o)
  end

  local function create_user(client, i)
    return client:create_user(nil, { identity = { external_id = "user-" .. i } })
  end

  -- The on_attempt reports as "attempt status-or-error retry" lines.
  local function summary(attempts)
    local out = {}
    for i, a in ipairs(attempts) do
      out[i] = string.format("%d %s %s", a.attempt, a.status or a.error, a.retry and "retry" or "final")
    end
    return out
  end

  describe("a POST without an idempotency key", function()
    it("is sent again when its stream is refused as its headers come, and counted", function()
      if skip() then return pending(skip()) end
      start("refuse:1")
      local attempts = {}
      local client = new_client(attempts)
      local body, res = create_user(client, 1)
      client:close()
      assert.is_table(body, tostring(res))
      assert.are.equal("2-1", body.id, "the first stream was refused: the answer came on a new connection")
      assert.are.equal(2, res.attempts)
      assert.are.same({ "1 reset retry", "2 200 final" }, summary(attempts))
      assert.are.equal(0, attempts[1].wait)
      assert.are.same({ "refused", "answered" }, { events()[2].event, events()[4].event })
      local seen = events("request")
      assert.are.equal(2, #seen)
      assert.are.same({ 1, 2 }, { seen[1].conn, seen[2].conn })
      assert.are.equal(cjson.null, seen[1].body)
      assert.are.same({ identity = { external_id = "user-1" } }, cjson.decode(seen[2].body))
    end)

    it("is sent again when its stream is refused after its whole body came", function()
      if skip() then return pending(skip()) end
      start("refuse_body:1")
      local attempts = {}
      local client = new_client(attempts)
      local body, res = create_user(client, 1)
      client:close()
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)
      assert.are.same({ "1 reset retry", "2 200 final" }, summary(attempts))
      local seen = events("request")
      assert.are.equal(2, #seen)
      assert.are.equal(seen[1].body, seen[2].body)
      assert.are.equal(1, #events("answered"))
    end)

    it("is sent again when its stream on a reused connection is refused", function()
      if skip() then return pending(skip()) end
      start("refuse:2")
      local attempts = {}
      local client = new_client(attempts)
      assert.is_table((create_user(client, 1)))
      local body, res = create_user(client, 2)
      local third = create_user(client, 3)
      client:close()
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)
      assert.is_table(third)
      assert.are.same({ "1 200 final", "1 reset retry", "2 200 final", "1 200 final" }, summary(attempts))
      local seen = events("request")
      assert.are.same({ 1, 1, 2, 2 }, { seen[1].conn, seen[2].conn, seen[3].conn, seen[4].conn })
      assert.are.equal(cjson.null, seen[2].body, "refused as its headers came")
      assert.are.same({ "user-1", "user-2", "user-3" }, { cjson.decode(seen[1].body).identity.external_id,
        cjson.decode(seen[3].body).identity.external_id, cjson.decode(seen[4].body).identity.external_id })
      assert.are.equal(3, #events("answered"))
    end)

    it("is sent again when it is above a GOAWAY's last-stream-id; those below are answered once", function()
      if skip() then return pending(skip()) end
      start("goaway:4:2")
      local attempts = {}
      local client = new_client(attempts)
      local results = {}
      for i = 1, 4 do
        client:create_user_async(nil, { identity = { external_id = "user-" .. i } }, function(body, res)
          results[i] = { body = body, res = res }
        end)
      end
      assert.is_true(client:run(20))
      client:close()
      local goaway = events("goaway")
      assert.are.equal(1, #goaway)
      local first_conn = {} -- external_id -> stream on the first connection
      for _, e in ipairs(events("request")) do
        if e.conn == 1 then first_conn[cjson.decode(e.body).identity.external_id] = e.stream end
      end
      local again = 0
      for i = 1, 4 do
        local r = results[i]
        assert.is_table(r.body, tostring(r.res))
        local stream = first_conn["user-" .. i]
        if stream <= goaway[1].last then
          assert.are.equal(1, r.res.attempts, "user-" .. i .. " was below the GOAWAY's last-stream-id")
          assert.matches("^1%-", r.body.id)
        else
          again = again + 1
          assert.are.equal(2, r.res.attempts, "user-" .. i .. " was above the GOAWAY's last-stream-id")
          assert.does_not.match("^1%-", r.body.id)
        end
      end
      assert.are.equal(2, again)
      assert.are.equal(2, #events("unanswered"))
      assert.are.equal(4, #events("answered"), "each user was created once")
      assert.are.equal(6, #events("request"))
      local lines = summary(attempts)
      table.sort(lines)
      assert.are.same({ "1 200 final", "1 200 final", "1 reset retry", "1 reset retry", "2 200 final",
        "2 200 final" }, lines)
    end)

    it("is sent again by libcurl five times at most, each send an attempt, even beyond max_retries, " ..
      "and was not applied", function()
      if skip() then return pending(skip()) end
      start("refuse_all")
      local attempts = {}
      local client = new_client(attempts, { max_retries = 0 })
      local body, err = create_user(client, 1)
      client:close()
      assert.is_nil(body)
      assert.are.equal("reset", err.reason)
      assert.are.equal(6, err.attempts)
      assert.are.equal(6, #attempts)
      assert.are.equal(6, #events("refused"))
      assert.are.equal(6, events("refused")[6].conn, "each send on a new connection")
      assert.is_nil(err.maybe_sent, "every copy was refused unprocessed: nothing was applied")
      assert.are.equal("max_retries", err.gave_up)
      assert.matches("refused the request's HTTP/2 stream unprocessed each of the 6 times", err.message, 1, true)
      assert.does_not.match("may have been applied", tostring(err), 1, true)
    end)

    it("is retried by the policy when libcurl gives up resending it, none of its copies processed", function()
      if skip() then return pending(skip()) end
      start("refuse_first:6")
      local attempts = {}
      local client = new_client(attempts, { max_retries = 6 })
      local body, res = create_user(client, 1)
      client:close()
      assert.is_table(body, tostring(res))
      assert.are.equal(7, res.attempts)
      assert.are.same({ "1 reset retry", "2 reset retry", "3 reset retry", "4 reset retry", "5 reset retry",
        "6 reset retry", "7 200 final" }, summary(attempts))
      assert.are.equal(0, attempts[5].wait, "libcurl's own resends")
      assert.is_true(attempts[6].wait > 0, "the policy's retry waits its backoff")
      assert.are.equal(6, #events("refused"))
      assert.are.equal(1, #events("answered"), "the user was created once")
    end)

    it("may have been applied when the stream of libcurl's last resend is reset with another code", function()
      if skip() then return pending(skip()) end
      start("refuse_first:5:" .. NGHTTP2_INTERNAL_ERROR)
      local attempts = {}
      local client = new_client(attempts, { max_retries = 6 })
      local body, err = create_user(client, 1)
      client:close()
      assert.is_nil(body)
      assert.are.equal("reset", err.reason)
      assert.is_true(err.maybe_sent)
      assert.are.equal(6, err.attempts)
      assert.matches("INTERNAL_ERROR", err.message, 1, true)
      assert.are.same({ 5, 1 }, { #events("refused"), #events("reset") })
    end)

    it("was not applied when the resend after its refused stream cannot connect in time", function()
      if skip() then return pending(skip()) end
      start("stall_after_refuse:1")
      local attempts = {}
      local client = new_client(attempts, { timeout = 1, max_retries = 1 })
      local body, err = create_user(client, 1)
      client:close()
      assert.is_nil(body)
      assert.are.equal("timeout", err.reason)
      assert.is_nil(err.maybe_sent, "the only copy sent was refused unprocessed")
      assert.are.same({ "1 timeout retry", "2 timeout final" },
        summary(attempts), "retried as a request that was never sent")
      assert.are.equal(1, #events("refused"))
      assert.are.equal(1, #events("request"))
    end)

    for _, case in ipairs({ { "INTERNAL_ERROR", NGHTTP2_INTERNAL_ERROR }, { "CANCEL", NGHTTP2_CANCEL } }) do
      it("is not sent again when its stream is reset with " .. case[1] .. " after its body came", function()
        if skip() then return pending(skip()) end
        start("reset:1:" .. case[2])
        local attempts = {}
        local client = new_client(attempts)
        local body, err = create_user(client, 1)
        client:close()
        assert.is_nil(body)
        assert.are.equal("reset", err.reason)
        assert.is_true(err.maybe_sent)
        assert.are.equal(1, err.attempts)
        assert.matches(case[1], err.message, 1, true)
        assert.are.same({ "1 reset final" }, summary(attempts))
        assert.are.equal(1, #events("request"))
      end)
    end

    it("is not sent again when the HTTP/2 connection is reset after it came", function()
      if skip() then return pending(skip()) end
      start("cut:2")
      local attempts = {}
      local client = new_client(attempts)
      assert.is_table((create_user(client, 1)))
      local body, err = create_user(client, 2) -- libcurl would resend it on a new connection: not allowed
      client:close()
      assert.is_nil(body)
      assert.are.equal("reset", err.reason)
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, err.attempts)
      assert.are.same({ "1 200 final", "1 reset final" }, summary(attempts))
      assert.are.equal(2, #events("request"))
    end)

    it("is not sent again when an HTTP/1.1 connection is closed after it came", function()
      if skip() then return pending(skip()) end
      start("cut:2")
      local attempts = {}
      local client = new_client(attempts, { http_version = "1.1" })
      assert.is_table((create_user(client, 1)))
      local body, err = create_user(client, 2)
      client:close()
      assert.is_nil(body)
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, err.attempts)
      local seen = events("request")
      assert.are.same({ "1.1", "1.1" }, { seen[1].version, seen[2].version })
      assert.are.equal(2, #seen)
    end)
  end)

  describe("a request safe to repeat", function()
    local function notification() return { contents = { en = "h2" }, included_segments = { "All" } } end

    it("is sent again with its idempotency key when its stream is refused", function()
      if skip() then return pending(skip()) end
      start("refuse_body:1")
      local attempts = {}
      local client = new_client(attempts)
      local body, res = client:create_notification(notification())
      client:close()
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)
      assert.are.same({ "1 reset retry", "2 200 final" }, summary(attempts))
      local seen = events("request")
      assert.are.equal(cjson.decode(seen[1].body).idempotency_key, cjson.decode(seen[2].body).idempotency_key)
    end)

    for _, case in ipairs({ { "INTERNAL_ERROR", NGHTTP2_INTERNAL_ERROR }, { "CANCEL", NGHTTP2_CANCEL } }) do
      it("is retried by the policy when its stream is reset with " .. case[1], function()
        if skip() then return pending(skip()) end
        start("reset:1:" .. case[2])
        local attempts = {}
        local client = new_client(attempts)
        local body, res = client:create_notification(notification())
        client:close()
        assert.is_table(body, tostring(res))
        assert.are.equal(2, res.attempts)
        assert.are.same({ "1 reset retry", "2 200 final" }, summary(attempts))
        assert.is_true(attempts[1].wait > 0, "a retry of the policy waits its backoff")
        local seen = events("request")
        assert.are.equal(2, #seen)
        assert.are.equal(seen[1].conn, seen[2].conn, "a reset stream leaves the connection usable")
      end)
    end
  end)
end)
