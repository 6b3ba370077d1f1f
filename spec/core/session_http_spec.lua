-- The engine against the real test server: what goes on the wire and what comes back.
local core = require("onesignal.core")
local cjson = require("cjson")
local server = require("support.server")
local support = require("core.support")
local compress = require("support.compress")
local runtime = require("support.runtime")

describe("session round trips", function()
  local srv, s

  support.server_and_session(function(new_srv, new_s) srv, s = new_srv, new_s end)

  local function only_request(path)
    local list = srv:recorded(path, "path")
    assert.same(1, #list, "requests recorded for " .. path)
    return list[1]
  end

  it("sends every method with its body and headers", function()
    local user = "/apps/" .. srv.app_id .. "/users/by/external_id/u-1"
    local cases = {
      { method = "GET", path = support.segments_path(srv, "limit=5&offset=0"), credential = "rest" },
      { method = "POST", path = "/notifications", credential = "rest",
        body = cjson.encode({ app_id = srv.app_id, contents = { en = "héllo" }, included_segments = { "All" } }) },
      { method = "PUT", path = "/apps/" .. srv.app_id, credential = "organization", body = '{"name":"renamed"}' },
      { method = "PATCH", path = user, credential = "rest", body = '{"properties":{"tags":{"a":"1"}}}' },
      { method = "DELETE", path = "/notifications/" .. core.uuid4() .. "?app_id=" .. srv.app_id,
        credential = "rest" },
    }
    for _, req in ipairs(cases) do
      req.headers = { "X-Spec-Trace: " .. req.method }
      local result = s:wait(s:submit(req))
      assert.is_nil(result.error, req.method .. ": " .. tostring(result.message))
      assert.is_true(result.status >= 200 and result.status < 500, req.method .. " status " .. result.status)
      local path, query = req.path:match("^([^?]*)%??(.*)$")
      local seen = only_request(path)
      assert.same(req.method, seen.method)
      assert.same(query, seen.query)
      assert.same(req.body or "", seen.body)
      local h = seen.headers
      assert.same("X-Spec-Trace: " .. req.method, "X-Spec-Trace: " .. h["x-spec-trace"])
      assert.same("application/json", h["accept"])
      assert.same("kind=sdk, sdk=lua-core-spec", h["os-usage-data"])
      assert.same("onesignal-lua-core-spec/1", h["user-agent"])
      assert.is_nil(h["expect"])
      if req.body then
        assert.same("application/json; charset=utf-8", h["content-type"])
        assert.same(tostring(#req.body), h["content-length"])
      else
        assert.is_nil(h["content-type"])
      end
    end
  end)

  -- The session writes User-Agent and Accept-Encoding into its own header list (libcurl would format
  -- its own afresh for every request); a session line of the same name stands instead, never beside.
  it("sends User-Agent and Accept-Encoding once, a session line of that name instead of its own", function()
    local path = support.segments_path(srv, "limit=1&offset=0")
    assert.is_nil(s:wait(s:submit({ method = "GET", path = path, credential = "rest" })).error)
    local h = only_request(path:match("^[^?]*")).headers
    assert.same("onesignal-lua-core-spec/1", h["user-agent"])
    assert.matches("gzip", h["accept-encoding"])
    assert.same(core.features.accept_encoding, h["accept-encoding"])

    srv:reset()
    local own = support.session(srv, { headers = { "Accept: application/json", "User-Agent: mine/2",
      "Accept-Encoding: gzip" } })
    assert.is_nil(own:wait(own:submit({ method = "GET", path = path, credential = "rest" })).error)
    own:close()
    h = only_request(path:match("^[^?]*")).headers
    assert.same("mine/2", h["user-agent"])
    assert.same("gzip", h["accept-encoding"])
  end)

  it("sends Content-Length: 0 for a POST without body", function()
    local path = "/notifications/" .. core.uuid4() .. "/history"
    s:wait(s:submit({ method = "POST", path = path, credential = "rest" }))
    local seen = only_request(path)
    assert.same("0", seen.headers["content-length"])
    assert.is_nil(seen.headers["content-type"])
  end)

  it("authorizes with the key the credential names, and sends none without one", function()
    s:wait(s:submit(support.get_segments(srv, "offset=1")))
    s:wait(s:submit({ method = "GET", path = "/apps", credential = "organization" }))
    local anonymous = support.get_segments(srv, "offset=2")
    anonymous.credential = nil
    s:wait(s:submit(anonymous))
    local rest = srv:recorded(support.segments_path(srv), "path")
    local org = only_request("/apps")
    assert.same("Key " .. srv.rest_key, rest[1].headers.authorization)
    assert.same("Key " .. srv.org_key, org.headers.authorization)
    assert.is_nil(rest[2].headers.authorization)
  end)

  it("returns status, lower-cased headers and body", function()
    local result = s:wait(s:submit(support.get_segments(srv, "offset=3")))
    assert.same(200, math.floor(result.status / 100) * 100)
    assert.same(3, cjson.decode(result.body).offset)
    assert.truthy(result.headers["content-type"]:match("^application/json"))
    assert.same(tostring(#result.body), result.headers["content-length"])
    for name in pairs(result.headers) do assert.same(name:lower(), name) end
    assert.same(1, result.attempts)
    assert.is_false(result.replayed)
    assert.is_falsy(result.maybe_sent)
    assert.is_nil(result.gave_up)
    assert.is_nil(result.retry_after)
    assert.is_true(result.elapsed >= 0 and result.elapsed < 10)
  end)

  -- session:request is submit and wait in one call; the body is kept alive only by the caller's stack
  -- frame, so a collection during the call (in the hook, between a failed attempt and its retry) must not
  -- take it: the retry sends it again.
  it("request(req) submits and waits in one call, and the body outlives a collection meanwhile", function()
    srv:fault({ match = { method = "POST" }, steps = { { status = 503, body = "{}" } } })
    local collected = 0
    s:set_hook(function()
      collectgarbage()
      collected = collected + 1
    end)
    local result = s:request({ method = "POST", path = "/notifications", credential = "rest",
      idempotency_key = core.uuid4(),
      body = table.concat({ '{"app_id":"', srv.app_id, '","contents":{"en":"one call"},',
        '"included_segments":["All"]}' }) })
    s:set_hook(nil)
    assert.is_nil(result.error, tostring(result.message))
    assert.same(200, result.status)
    assert.same(2, result.attempts)
    assert.is_nil(rawget(result, "id")) -- no id was given out, so the result carries none
    assert.same(2, collected)
    local sent = srv:recorded("/notifications", "path")
    assert.same(2, #sent)
    for _, r in ipairs(sent) do assert.same("one call", cjson.decode(r.body).contents.en) end
    assert.same(0, s:pending())
  end)

  it("request(req) takes no context and refuses to run from a hook", function()
    assert.has_error(function() s:request(support.get_segments(srv), "context") end,
      "onesignal.core: a blocking request takes no context")
    local inner, driving_in_hook
    s:set_hook(function()
      driving_in_hook = s:driving()
      inner = select(2, pcall(s.request, s, support.get_segments(srv)))
    end)
    assert.is_false(s:driving())
    s:request(support.get_segments(srv))
    s:set_hook(nil)
    assert.matches("cannot be called from a hook", inner)
    -- driving() tells beforehand, for callers that would start requests before they drive (send_many)
    assert.is_true(driving_in_hook)
    assert.is_false(s:driving())
    assert.same(0, s:pending())
  end)

  -- The owner of the session phrases the refusal (the libcurl transport: naming the call, at its caller's
  -- line): its function gets the request and whether the hook is running; should it return, the core's
  -- error stands. Either way nothing is sent.
  it("request(req) from a hook raises the error of the refusal function, given the request", function()
    local refused, inner = {}, {}
    s:set_refusal(function(req, in_hook)
      refused[#refused + 1] = { req = req, in_hook = in_hook }
      if #refused == 1 then error("refused: " .. req.operation, 0) end
    end)
    local req = support.get_segments(srv)
    req.operation = "get_segments"
    s:set_hook(function()
      if #inner == 0 then
        inner[1] = select(2, pcall(s.request, s, req))
        inner[2] = select(2, pcall(s.request, s, req))
      end
    end)
    s:request(support.get_segments(srv))
    s:set_hook(nil)
    assert.same({ "refused: get_segments" }, { inner[1] })
    assert.matches("cannot be called from a hook", inner[2])
    assert.same(2, #refused)
    assert.are.equal(req, refused[1].req)
    assert.is_true(refused[1].in_hook)
    assert.same(1, #srv:requests())
    -- Not from the hook, the function is not asked; nil takes it away.
    assert.error_matches(function() s:set_refusal("print") end,
      support.bad_argument(1, "function expected, got string"))
    s:request(support.get_segments(srv))
    s:set_refusal(nil)
    assert.same(2, #refused)
    assert.same(0, s:pending())
  end)

  -- poll, wait, finished and close are refused the same way, the function given the method's name (the
  -- libcurl transport names the client's method from it); driving() tells whether the hook runs too.
  it("poll, wait, finished and close from a hook raise the refusal function's error, given the name", function()
    local refused, errs, driving = {}, {}, nil
    s:set_refusal(function(what, in_hook)
      refused[#refused + 1] = tostring(what) .. (in_hook and " in the hook" or "")
      error("refused " .. tostring(what), 0)
    end)
    s:set_hook(function()
      if driving then return end
      driving = { s:driving() }
      errs[1] = select(2, pcall(s.poll, s, 0))
      errs[2] = select(2, pcall(s.wait, s, 1))
      errs[3] = select(2, pcall(s.finished, s))
      errs[4] = select(2, pcall(s.close, s))
    end)
    s:request(support.get_segments(srv))
    s:set_hook(nil)
    s:set_refusal(nil)
    assert.same({ "refused poll", "refused wait", "refused finished", "refused close" }, errs)
    assert.same({ "poll in the hook", "wait in the hook", "finished in the hook", "close in the hook" }, refused)
    assert.same({ true, true }, driving)
    assert.same({ false, false }, { s:driving() })
    assert.same(0, s:pending()) -- the session stayed open
  end)

  -- A result keeps a copy of its header block and makes `headers` on first read (most callers never
  -- read them; bench/README.md); from then on it is a plain table.
  it("makes headers on first read, from its own copy of the block", function()
    local steps = {}
    for i, order in ipairs({ "first", "second", "third" }) do
      steps[i] = { status = 200, body = "{}", headers = { ["X-Spec-Order"] = order } }
    end
    srv:fault({ match = { method = "GET" }, steps = steps })
    local first = s:wait(s:submit(support.get_segments(srv)))
    local second = s:wait(s:submit(support.get_segments(srv))) -- the engine's own block is reused by now
    assert.is_nil(rawget(first, "headers"))
    assert.same("first", first.headers["x-spec-order"])
    assert.is_nil(getmetatable(first))
    assert.are.equal(first.headers, rawget(first, "headers"))
    assert.same("second", second.headers["x-spec-order"])

    local third = s:wait(s:submit(support.get_segments(srv)))
    -- its metamethods, set on another table, do not take that table's [1] for a header block
    local borrowed = getmetatable(third)
    local foreign = setmetatable({}, { "\255\255\255\255\255\255\255\127x", 1, true,
      __index = borrowed.__index, __pairs = borrowed.__pairs })
    assert.is_nil(foreign.headers)
    if _VERSION ~= "Lua 5.1" then -- pairs shows it unread where __pairs exists (not on LuaJIT)
      local seen
      for name, value in pairs(third) do
        if name == "headers" then seen = value end
      end
      assert.same("third", seen["x-spec-order"])
    end
    assert.same("third", third.headers["x-spec-order"])
  end)

  -- Until `headers` is read, a result's header block waits in a side table with weak keys in the registry,
  -- and every result shares one metatable: Lua code can reach both and put anything there.
  local function shared(result)
    local blocks, meta
    for key, value in pairs(debug.getregistry()) do
      if type(value) == "table" and type(rawget(value, result)) == "string" then blocks = key end
      if value == getmetatable(result) then meta = key end
    end
    assert.is_not_nil(blocks, "the block is no longer kept in a side table in the registry: rewrite this spec")
    assert.is_not_nil(meta, "the metatable is no longer kept in the registry: rewrite this spec")
    return blocks, meta
  end

  it("reads a header block replaced by Lua code only as far as the block's own length", function()
    local result = s:wait(s:submit(support.get_segments(srv)))
    local blocks = debug.getregistry()[shared(result)]
    local function size_t(n) -- as the core writes lengths: 8 bytes, little-endian (x86-64)
      local bytes = {}
      for i = 1, 8 do
        bytes[i] = string.char(n % 256)
        n = math.floor(n / 256)
      end
      return table.concat(bytes)
    end
    local function entry(name_len, value_len, text) return size_t(name_len) .. size_t(value_len) .. text end
    -- a good entry, then one whose lengths run past the end of the string
    blocks[result] = entry(1, 2, "abc") .. entry(100000, 1, "xy")
    assert.same({ a = "bc" }, result.headers)
    assert.is_nil(getmetatable(result))
    local other = s:wait(s:submit(support.get_segments(srv)))
    blocks[other] = string.rep("\255", 11) -- shorter than one entry's two lengths
    assert.same({}, other.headers)
    local third = s:wait(s:submit(support.get_segments(srv)))
    blocks[third] = 42 -- not a string: no headers
    assert.is_nil(third.headers)
  end)

  it("survives Lua code replacing the shared tables or calling the metamethods on anything", function()
    local result = s:wait(s:submit(support.get_segments(srv)))
    local blocks, meta = shared(result)
    local index, pairs_of = getmetatable(result).__index, getmetatable(result).__pairs
    assert.is_nil(index("text", "headers"))
    assert.is_nil(index(42, "headers"))
    assert.is_nil(index({}, "headers"))
    assert.error_matches(function() pairs_of("text") end, support.bad_argument(1, "table expected, got string"))
    local registry = debug.getregistry()
    registry[blocks], registry[meta] = "not a table", false
    assert.is_nil(result.headers) -- its block went with the table it was in
    local fresh = s:wait(s:submit(support.get_segments(srv))) -- made again
    assert.is_string(fresh.headers["content-type"])
    assert.is_nil(getmetatable(fresh))
    -- a metatable Lua code set instead of the shared one stays
    local later = s:wait(s:submit(support.get_segments(srv)))
    local own = { __index = getmetatable(later).__index }
    setmetatable(later, own)
    assert.is_string(later.headers["content-type"])
    assert.are.equal(own, getmetatable(later))
  end)

  it("lets an unread result go, and reads results made on other coroutines", function()
    local weak = setmetatable({ s:wait(s:submit(support.get_segments(srv))) }, { __mode = "v" })
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
    local made = coroutine.wrap(function() return s:wait(s:submit(support.get_segments(srv))) end)()
    local read = coroutine.wrap(function(r) return r.headers end)(made)
    assert.is_string(read["content-type"])
    local mine = s:wait(s:submit(support.get_segments(srv)))
    assert.is_string(coroutine.wrap(function() return mine.headers end)()["content-type"])
  end)

  it("passes an absolute url as given, without the base", function()
    local result = s:wait(s:submit({ method = "GET", url = srv.url .. support.segments_path(srv, "offset=4"),
      credential = "rest" }))
    assert.same(4, cjson.decode(result.body).offset)
  end)

  it("sends a path exactly as given, dot segments included", function()
    local path = "/apps/" .. srv.app_id .. "/users/by/external_id/./x/../" .. core.escape("a b/%2E")
    s:wait(s:submit({ method = "GET", path = path, credential = "rest" }))
    assert.same(1, #srv:recorded(path, "path"))
  end)

  it("reports Idempotent-Replayed and Retry-After of the final response", function()
    srv:fault({ match = { method = "GET" }, steps = {
      { status = 200, body = "{}", headers = { ["Idempotent-Replayed"] = "true", ["Retry-After"] = "17" } } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.is_true(result.replayed)
    assert.same(17, result.retry_after)
  end)

  it("decodes a gzip response", function()
    local text = cjson.encode({ offset = 0, limit = 300, padding = string.rep("compress me ", 500) })
    local packed = compress.gzip(text)
    assert.is_true(#packed < #text / 4)
    srv:fault({ match = { method = "GET" }, steps = {
      { status = 200, body = packed, headers = { ["Content-Encoding"] = "gzip" } } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.is_nil(result.error, result.message)
    assert.same(text, result.body)
    assert.matches("gzip", only_request(support.segments_path(srv)).headers["accept-encoding"])
  end)

  it("fails with too_large beyond max_body, without retrying", function()
    s:close()
    s = support.session(srv, { max_body = 1000 })
    srv:fault({ match = { method = "GET" }, steps = { { status = 200, body = string.rep("x", 1001) } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same("too_large", result.error)
    assert.matches("max_body", result.message)
    assert.same(1, result.attempts)
    srv:fault({ match = { method = "GET" }, steps = { { status = 200, body = string.rep("x", 1000) } } })
    result = s:wait(s:submit(support.get_segments(srv)))
    assert.is_nil(result.error)
    assert.same(1000, #result.body)
  end)

  it("applies max_body to decoded bytes", function()
    s:close()
    s = support.session(srv, { max_body = 10000 })
    local packed = compress.gzip(string.rep("0", 200000))
    assert.is_true(#packed < 10000)
    srv:fault({ match = { method = "GET" }, steps = {
      { status = 200, body = packed, headers = { ["Content-Encoding"] = "gzip" } } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same("too_large", result.error)
  end)

  it("hands a 2xx body to on_body as it arrives, past max_body, keeping an error's body as before", function()
    s:close()
    s = support.session(srv, { max_body = 1000 })
    local big = string.rep("0123456789", 100000)
    srv:fault({ match = { method = "GET" }, steps = {
      { status = 200, body = big },
      { status = 503, body = string.rep("e", 999) },
      { status = 500, body = string.rep("e", 1001) },
    } })
    local pieces, offsets, totals = {}, {}, {}
    local function on_body(piece, offset, total)
      pieces[#pieces + 1], offsets[#offsets + 1], totals[#totals + 1] = piece, offset, total
      return true
    end
    local req = support.get_segments(srv)
    req.on_body, req.max_retries = on_body, 0
    -- blocking and submitted alike
    local result = s:request(req)
    assert.is_nil(result.error, result.message)
    assert.same("", result.body)
    assert.same(#big, result.streamed)
    assert.is_true(#pieces > 1)
    assert.same(big, table.concat(pieces))
    local at = 0
    for i, piece in ipairs(pieces) do
      assert.same(at, offsets[i])
      assert.same(#big, totals[i])
      at = at + #piece
    end
    pieces = {}
    result = s:wait(s:submit(req))
    assert.same(503, result.status)
    assert.same(999, #result.body)
    assert.same(0, result.streamed)
    result = s:wait(s:submit(req))
    assert.same("too_large", result.error)
    assert.same({}, pieces)
  end)

  -- libcurl adds no handle from inside its write callback (CURLM_RECURSIVE_API_CALL): a request submitted
  -- by on_body waits for the engine's next turn, as a retry due now does, rather than failing at once. The
  -- first piece's and the last's: the turn after the last still comes before the drive ends.
  it("starts a request submitted from on_body once the callback has returned", function()
    for _, last in ipairs({ false, true }) do
      srv:clear()
      srv:fault({ match = { method = "GET" }, steps = { { status = 200, body = string.rep("x", 500000) } } })
      local id
      local req = support.get_segments(srv)
      req.max_retries = 0
      req.on_body = function(piece, offset, total)
        if not id and (not last or offset + #piece == total) then
          id = s:submit({ method = "POST", path = "/notifications", credential = "rest", body = "{}" })
        end
        return true
      end
      local result = s:request(req)
      assert.is_nil(result.error, result.message)
      local posted = s:wait(id)
      assert.is_nil(posted.error, posted.message)
      assert.same(1, posted.attempts)
      assert.same(1, #srv:recorded("/notifications", "path"))
    end
  end)

  it("stops the transfer, never retried, when on_body refuses or raises", function()
    local big = string.rep("x", 500000)
    for _, answer in ipairs({ false, "raise" }) do
      srv:fault({ match = { method = "GET" }, steps = { { status = 200, body = big } } })
      local calls = 0
      local req = support.get_segments(srv)
      req.max_retries = 3
      req.on_body = function()
        calls = calls + 1
        if answer == "raise" then error("boom") end
        return answer
      end
      local result = s:wait(s:submit(req))
      assert.same("other", result.error)
      assert.same("the receiver of the response body stopped the transfer", result.message)
      assert.same(1, result.attempts)
      assert.same(1, calls)
    end
    local ok, err = pcall(s.submit, s, { method = "GET", path = "/x", on_body = "file.csv" })
    assert.is_false(ok)
    assert.matches("'on_body' must be a function", err)
  end)

  it("starts on_body's offsets again at 0 when a cut attempt is retried", function()
    local big = string.rep("y", 400000)
    srv:fault({ match = { method = "GET" }, steps = {
      { status = 200, body = big, truncate = true }, { status = 200, body = big } } })
    local offsets = {}
    local req = support.get_segments(srv)
    req.max_retries = 1
    req.on_body = function(_, offset)
      offsets[#offsets + 1] = offset
      return true
    end
    local result = s:wait(s:submit(req))
    assert.is_nil(result.error, result.message)
    assert.same(2, result.attempts)
    assert.same(#big, result.streamed)
    local starts = 0
    for _, offset in ipairs(offsets) do if offset == 0 then starts = starts + 1 end end
    assert.same(2, starts)
  end)

  it("keeps connections alive between requests", function()
    for i = 1, 5 do s:wait(s:submit(support.get_segments(srv, "offset=" .. i))) end
    assert.same(1, s:stats().connects)
    local list = srv:recorded(support.segments_path(srv), "path")
    assert.same(5, #list)
    for i = 2, 5 do assert.same(list[1].connection, list[i].connection) end
  end)

  it("goes through a proxy when given one", function()
    s:close()
    s = support.session(srv, { base_url = "http://api.onesignal.invalid", proxy = srv.url })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.is_nil(result.error, result.message)
    local seen = only_request(support.segments_path(srv))
    assert.same("api.onesignal.invalid", seen.headers.host)
    assert.is_false(s:env_proxy()) -- the option wins: no variable is read
  end)

  -- A session reads the proxy variables when it is made, so each case runs in a process of its own.
  local function in_process_with(env, base_url)
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write([[
      local core = require("onesignal.core")
      local s = core.session({ base_url = arg[1], rest_key = arg[2], timeout = 10, connect_timeout = 5,
        max_retries = 0 })
      local r = s:wait(s:submit({ method = "GET", path = arg[3], credential = "rest" }))
      io.write(tostring(r.error), " ", r.status, " ", tostring(s:env_proxy()))
    ]])
    f:close()
    local vars = {}
    for name, value in pairs(env) do vars[#vars + 1] = name .. "='" .. value .. "'" end
    local command = string.format("env -u http_proxy -u HTTP_PROXY -u https_proxy -u HTTPS_PROXY -u all_proxy"
      .. " -u ALL_PROXY -u no_proxy -u NO_PROXY %s LUA_CPATH='%s' %s %s '%s' '%s' '%s'", table.concat(vars, " "),
      package.cpath, runtime.command, script, base_url, srv.rest_key, support.segments_path(srv))
      .. " 2>&1"
    local p = io.popen(command)
    local out = p:read("*a")
    p:close()
    os.remove(script)
    return out
  end

  -- (The third word is env_proxy(): whether the session's transfers read the proxy variables at all.)
  it("goes through a proxy the environment names, unless no_proxy exempts the host", function()
    assert.same("nil 201 true", in_process_with({ http_proxy = srv.url }, "http://api.onesignal.invalid"))
    assert.same("api.onesignal.invalid", only_request(support.segments_path(srv)).headers.host)
    srv:reset()
    local dead = "http://127.0.0.1:1"
    assert.same("connect 0 true", in_process_with({ http_proxy = dead }, srv.url))
    assert.same("nil 201 true", in_process_with({ http_proxy = dead, no_proxy = "127.0.0.1" }, srv.url))
    assert.same("connect 0 true", in_process_with({ ALL_PROXY = dead }, srv.url))
    assert.same("nil 201 false", in_process_with({}, srv.url))
  end)

  it("reports a proxy that refuses the tunnel as proxy, without retrying", function()
    s:close()
    s = support.session(srv, { base_url = "https://api.onesignal.invalid", proxy = srv.url })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same("proxy", result.error)
    assert.matches("CONNECT", result.message)
    assert.same(1, result.attempts)
  end)

  it("caps the number of connections when asked", function()
    s:close()
    s = support.session(srv, { max_connections = 2 })
    srv:fault({ match = { method = "GET" }, steps = { { delay = 0.2 }, { delay = 0.2 }, { delay = 0.2 },
      { delay = 0.2 } } })
    local ids = {}
    for i = 1, 8 do ids[i] = s:submit(support.get_segments(srv, "offset=" .. i)) end
    for _, r in pairs(support.collect(s, ids)) do assert.is_nil(r.error, r.message) end
    local connections = {}
    for _, seen in ipairs(srv:recorded(support.segments_path(srv), "path")) do connections[seen.connection] = true end
    local count = 0
    for _ in pairs(connections) do count = count + 1 end
    assert.same(2, count)
    assert.same(2, s:stats().connects)
  end)

  -- libcurl's low-speed check runs only once a transfer has a connection: one queued for a free one
  -- would wait, with no overall limit, for as long as the others hold them.
  it("ends an attempt with only an idle limit that waits that long for a free connection", function()
    s:close()
    s = support.session(srv, { max_connections = 1 })
    srv:fault({ match = { method = "GET" }, steps = { { delay = 3 } } })
    local holder = s:submit(support.get_segments(srv, "offset=1"))
    local queued = s:submit(support.get_segments(srv, "offset=2",
      { timeout = math.huge, idle_timeout = 0.3, max_retries = 0 }))
    local results = support.collect(s, { holder, queued })
    assert.is_nil(results[holder].error, results[holder].message)
    local r = results[queued]
    assert.same("timeout", r.error)
    assert.matches("waiting for a free connection %(max_connections%)", r.message)
    assert.is_true(r.elapsed >= 0.3 and r.elapsed < 2, tostring(r.elapsed))
    assert.same({ "offset=1" }, { srv:requests()[1].query, srv:requests()[2] })
  end)

  it("does not follow redirects", function()
    srv:fault({ match = { method = "GET" }, steps = {
      { status = 302, body = "", headers = { Location = srv.url .. "/apps" } } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same(302, result.status)
    assert.same(0, #srv:recorded("/apps", "path"))
  end)
end)

describe("session over TLS", function()
  local srv

  setup(function() srv = server.start({ tls = true, h2 = true }) end)
  teardown(function() if srv then srv:stop() end end)

  it("verifies the server against ca_file", function()
    local s = support.session(srv, { base_url = srv.https_url, ca_file = srv.ca_file })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.is_nil(result.error, result.message)
    s:close()
  end)

  it("fails with tls, once, when the certificate cannot be verified", function()
    local s = support.session(srv, { base_url = srv.https_url, ca_file = "/dev/null" })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same("tls", result.error)
    assert.same(1, result.attempts)
    assert.is_falsy(result.maybe_sent)
    s:close()
  end)

  it("skips verification only when told", function()
    local s = support.session(srv, { base_url = srv.https_url, verify = false })
    assert.is_nil(s:wait(s:submit(support.get_segments(srv))).error)
    s:close()
  end)

  it("speaks HTTP/2 when asked, and HTTP/1.1 when asked", function()
    if not core.features.http2 then return pending("libcurl without HTTP/2") end
    for version, expected in pairs({ ["2"] = "2.0", ["1.1"] = "1.1" }) do
      srv:clear()
      local s = support.session(srv, { base_url = srv.https_url, ca_file = srv.ca_file, http_version = version })
      local ids = {}
      for i = 1, 5 do ids[i] = s:submit(support.get_segments(srv, "offset=" .. i)) end
      for _, r in pairs(support.collect(s, ids)) do assert.is_nil(r.error, r.message) end
      for _, seen in ipairs(srv:recorded(support.segments_path(srv), "path")) do
        assert.same(expected, seen.http_version)
      end
      s:close()
    end
  end)
end)
