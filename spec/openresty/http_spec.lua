-- The cosocket transport's HTTP/1.1 reader and body decoders, against upstream answers made inside the
-- app (spec/openresty/app/fixtures.lua): every Content-Encoding libcurl accepts, bodies framed by
-- length, chunks and connection close, and the ways a response can go wrong.
local openresty = require("support.openresty")
local NULL = require("cjson").null

describe("responses on the ngx transport", function()
  local app

  -- get_notification against a fixture of the app; returns the outcome.
  local function fetch(base, options)
    local settings = { max_retries = 0 }
    for k, v in pairs(options or {}) do settings[k] = v end
    local out = app:case("call", { operation = "get_notification", args = { NULL, "n-1" }, base = base,
      options = settings })
    return out.results[1]
  end

  local PADDING = string.rep("onesignal lua ", 3000)

  openresty.server_and_app(function(_, new_app) app = new_app end)

  -- fixture → the Content-Encoding it answers with (gzip_zlib: a zlib stream said to be gzip, which
  -- libcurl's gzip decoder takes too, by its header)
  local ENCODINGS = { identity = false, gzip = "gzip", deflate = "deflate", deflate_raw = "deflate", br = "br",
    zstd = "zstd", gzip_br = "gzip, br", gzip_zlib = "gzip" }
  for _, fixture in ipairs({ "identity", "gzip", "deflate", "deflate_raw", "br", "zstd", "gzip_br", "gzip_zlib" }) do
    it("decodes a body sent by fixture " .. fixture, function()
      local r = fetch("/fixture/" .. fixture)
      assert.is_true(r.ok, r.text)
      assert.are.equal(ENCODINGS[fixture] or nil, r.headers["content-encoding"])
      assert.are.equal(fixture, r.body.label)
      assert.are.equal(PADDING, r.body.padding)
    end)
  end

  it("got the gzip body from nginx's gzip filter, chunked", function()
    local r = fetch("/fixture/gzip")
    assert.are.equal("gzip", r.headers["content-encoding"])
    assert.are.equal("chunked", r.headers["transfer-encoding"])
  end)

  it("stops a compressed body at max_body_size after decoding, without holding the rest", function()
    local r = fetch("/fixture/bomb", { max_body_size = 1024 * 1024 })
    assert.is_false(r.ok)
    assert.are.equal("decode", r.kind)
    assert.are.equal("too_large", r.reason)
    assert.matches("max_body_size", r.message)
  end)

  it("refuses a body whose announced length exceeds max_body_size before reading it", function()
    local r = fetch("/raw/huge_length")
    assert.is_false(r.ok)
    assert.are.equal("too_large", r.reason)
    assert.are.equal(200, r.status)
  end)

  it("keeps what arrived of a plain body larger than max_body_size", function()
    local r = fetch("/fixture/identity", { max_body_size = 1000 })
    assert.is_false(r.ok)
    assert.are.equal("too_large", r.reason)
  end)

  it("fails clearly on a body that is not what its encoding says, or ends early", function()
    local r = fetch("/fixture/bad")
    assert.is_false(r.ok)
    assert.are.equal("other", r.reason)
    assert.matches("could not decode the response body %(gzip", r.message)
    r = fetch("/fixture/cut")
    assert.is_false(r.ok)
    assert.are.equal("other", r.reason)
    assert.matches("zstd stream ended early", r.message, 1, true)
  end)

  it("reads a body that ends with the connection (HTTP/1.0, no length)", function()
    local r = fetch("/raw/close_delimited")
    assert.is_true(r.ok, r.text)
    assert.are.equal(PADDING, r.body.padding)
  end)

  it("skips a 100 Continue, joins folded and repeated headers", function()
    local r = fetch("/raw/continue_folded")
    assert.is_true(r.ok, r.text)
    assert.are.equal("first second", r.headers["x-folded"])
    assert.are.equal("1, 2 more", r.headers["x-twice"])
    assert.is_nil(r.headers["x-interim"])
  end)

  -- As the C engine reports them (spec/core/session_wire_spec.lua): nothing proves such an answer whole.
  it("reports a header block cut before its empty line as reset, with its status", function()
    local r = fetch("/raw/head_cut")
    assert.is_false(r.ok)
    assert.are.equal("reset", r.reason)
    assert.are.equal(200, r.status)
    assert.are.equal("the connection closed before the response headers arrived", r.message)
    r = fetch("/raw/head_cut_429")
    assert.is_false(r.ok)
    assert.are.equal("reset", r.reason)
    assert.are.equal(429, r.status)
    assert.is_nil(r.retry_after)
  end)

  it("reports an interim answer and then a close as reset, with no status", function()
    for _, fixture in ipairs({ "interim_close", "interim_cut" }) do
      local r = fetch("/raw/" .. fixture)
      assert.is_false(r.ok)
      assert.are.equal("reset", r.reason, fixture)
      assert.is_nil(r.status, fixture)
    end
  end)

  -- As the C engine (spec/core/session_wire_spec.lua): chunked is the only transfer coding an answer may use.
  it("refuses a transfer coding other than chunked, which it never asked for", function()
    for fixture, coding in pairs({ te_gzip = "gzip", te_gzip_chunked = "gzip", te_second_field = "Deflate" }) do
      local r = fetch("/raw/" .. fixture)
      assert.is_false(r.ok)
      assert.are.equal("other", r.reason, fixture)
      assert.are.equal(200, r.status, fixture)
      assert.are.equal("Transfer-Encoding '" .. coding .. "' in the response, which was not asked for"
        .. " (only chunked is accepted)", r.message, fixture)
    end
    local r = fetch("/raw/te_allowed")
    assert.is_true(r.ok, r.text)
  end)

  it("joins thousands of repeats and folds of one name, in order", function()
    local r = fetch("/raw/many_repeats")
    assert.is_true(r.ok, r.text)
    local many, other = {}, {}
    for i = 1, 2000 do
      many[i] = "v" .. i .. (i % 10 == 0 and " f" .. i or "")
      other[i] = "o"
    end
    assert.are.equal(table.concat(many, ", "), r.headers["x-many"])
    assert.are.equal(table.concat(other, ", "), r.headers["x-other"])
  end)

  it("reads chunks with extensions and trailers", function()
    local r = fetch("/raw/chunked_trailers")
    assert.is_true(r.ok, r.text)
    assert.are.equal(PADDING, r.body.padding)
  end)

  it("reports chunks cut off by a closed connection as a partial transfer", function()
    local r = fetch("/raw/truncated_chunked")
    assert.is_false(r.ok)
    assert.are.equal("partial", r.reason)
    assert.are.equal(200, r.status)
    assert.are.equal(5000, #r.body)
  end)

  it("says so when the other end does not speak HTTP", function()
    local r = fetch("/raw/not_http")
    assert.is_false(r.ok)
    assert.are.equal("other", r.reason)
    assert.matches("not an HTTP response", r.message, 1, true)
  end)
end)
