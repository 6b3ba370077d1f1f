--- Response heads that both transports must read alike: the C engine (src/headers.c, spec/core/session_wire_spec.lua)
-- and the cosocket reader (ngx_http.read_head, spec/openresty/reader_spec.lua). Each `head` is a status line and
-- fields, without the empty line that ends them. `headers` names fields and their values (false: absent);
-- `retry_after` is the seconds the policy gets (nil: none), `replayed` the replay mark.
local assert = require("luassert")

local M = {}

local function case(name, head, want) want.name, want.head = name, head return want end

M.cases = {
  case("repeated names, joined in order", "HTTP/1.1 200 OK\r\nX-Dup: a\r\nx-dup: b\r\nX-DUP: c",
    { headers = { ["x-dup"] = "a, b, c" }, replayed = false }),
  case("a name of every token character, and none for a line without a name",
    "HTTP/1.1 200 OK\r\nX!#$%&'*+-.^_`|~9: t\r\n: nameless",
    { headers = { ["x!#$%&'*+-.^_`|~9"] = "t", [""] = false }, replayed = false }),
  case("a status line without a reason phrase, after an interim one without either",
    "HTTP/1.1 100\r\nX-Interim: 1\r\n\r\nHTTP/1.1 200\r\nX-Final: yes",
    { headers = { ["x-interim"] = false, ["x-final"] = "yes" }, replayed = false }),
  case("folds onto a value, onto an empty one (no leading space), and of nothing but spaces",
    "HTTP/1.1 200 OK\r\nX-Fold: first\r\n   second\r\nX-Empty: \t\r\n\t a \r\nX-Blank: kept\r\n \t ",
    { headers = { ["x-fold"] = "first second", ["x-empty"] = "a", ["x-blank"] = "kept" }, replayed = false }),
  case("a value without the spaces and tabs around it", "HTTP/1.1 200 OK\r\nX-Pad: \t padded \t",
    { headers = { ["x-pad"] = "padded" }, replayed = false }),
  case("a name that is not a token, left out with its fold", "HTTP/1.1 200 OK\r\nX-A: a\r\nBad Name: x\r\n 000",
    { headers = { ["bad name"] = false, ["x-a"] = "a" }, replayed = false }),
  case("the last of two Retry-After", "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nRetry-After: 2",
    { headers = { ["retry-after"] = "1, 2" }, retry_after = 2, replayed = false }),
  case("a folded Retry-After", "HTTP/1.1 429 Too Many Requests\r\nRetry-After:\r\n 7",
    { headers = { ["retry-after"] = "7" }, retry_after = 7, replayed = false }),
  case("Retry-After by its whole name, not by its length", "HTTP/1.1 503 Busy\r\nRetry-Aftex: 5",
    { headers = { ["retry-aftex"] = "5" }, replayed = false }),
  case("the replay mark in any case", "HTTP/1.1 200 OK\r\nIdempotent-Replayed: TRUE",
    { headers = { ["idempotent-replayed"] = "TRUE" }, replayed = true }),
  case("the last of two replay marks", "HTTP/1.1 200 OK\r\nIdempotent-Replayed: true\r\nIdempotent-Replayed: no",
    { headers = { ["idempotent-replayed"] = "true, no" }, replayed = false }),
  case("no replay mark in a prefix of true", "HTTP/1.1 200 OK\r\nIdempotent-Replayed: tru",
    { headers = { ["idempotent-replayed"] = "tru" }, replayed = false }),
  case("no replay mark in an empty value", "HTTP/1.1 200 OK\r\nIdempotent-Replayed:",
    { headers = { ["idempotent-replayed"] = "" }, replayed = false }),
  case("a replay mark folded onto an empty value", "HTTP/1.1 200 OK\r\nIdempotent-Replayed:\r\n true",
    { headers = { ["idempotent-replayed"] = "true" }, replayed = true }),
  case("no replay mark in a longer folded value", "HTTP/1.1 200 OK\r\nIdempotent-Replayed: true\r\n really",
    { headers = { ["idempotent-replayed"] = "true really" }, replayed = false }),
}

--- Checks what a transport read (its headers table, Retry-After in seconds, replay mark) against `c`.
function M.check(c, headers, retry_after, replayed)
  for name, value in pairs(c.headers) do
    assert.are.equal(value or nil, headers[name], c.name .. ": " .. name)
  end
  assert.are.equal(c.retry_after, retry_after, c.name .. ": retry_after")
  assert.are.equal(c.replayed, replayed, c.name .. ": replayed")
end

return M
