-- The cosocket transport's response reader (ngx_http.reader) over a scripted socket, without nginx: lines
-- and pieces split at every place a read can split them, the line limit enforced while reading, and the
-- time checked before every read.
local http = require("onesignal.transport.ngx_http")

-- A socket whose `receiveany` hands out the given pieces one per call, then "closed".
local function socket(pieces)
  local i = 0
  return {
    reads = 0,
    receiveany = function(self, max)
      assert(max > 0)
      self.reads = self.reads + 1
      i = i + 1
      if pieces[i] == nil then return nil, "closed" end
      return pieces[i]
    end,
  }
end

local function reader(pieces, arm)
  local sock = socket(pieces)
  return http.reader(sock, arm or function() return true end), sock
end

-- Every way of cutting `text` into two reads, and into reads of one byte.
local function cuts(text)
  local out = { { text } }
  for i = 1, #text - 1 do out[#out + 1] = { text:sub(1, i), text:sub(i + 1) } end
  local bytes = {}
  for i = 1, #text do bytes[i] = text:sub(i, i) end
  out[#out + 1] = bytes
  return out
end

describe("the ngx transport's response reader", function()
  it("reads CR LF and bare LF lines however the reads cut them, keeping what follows", function()
    for _, pieces in ipairs(cuts("HTTP/1.1 200 OK\r\nA: b\n\r\nrest")) do
      local r = reader(pieces)
      assert.are.equal("HTTP/1.1 200 OK", r:line(100))
      assert.are.equal("A: b", r:line(100))
      assert.are.equal("", r:line(100))
      local rest = {}
      for piece in function() return r:piece(100) end do rest[#rest + 1] = piece end
      assert.are.equal("rest", table.concat(rest))
    end
  end)

  it("fails a line as soon as it passes the limit, without reading the rest", function()
    local r, sock = reader({ "abc", "def", "ghi", "jkl\r\n" })
    assert.are.same({ nil, "too long" }, { r:line(4) })
    assert.are.equal(2, sock.reads)
    -- exactly the limit passes, the CR of CR LF not counted; one more byte does not
    assert.are.equal("abcde", reader({ "abc", "de\r", "\n" }):line(5))
    assert.are.same({ nil, "too long" }, { reader({ "abcdef\r\n" }):line(5) })
    assert.are.equal("", reader({ "\r\n" }):line(0))
    assert.are.same({ nil, "too long" }, { reader({ "x\r\n" }):line(0) })
  end)

  it("hands out pieces of at most the size asked, from what was read before first", function()
    local r = reader({ "line\r\n0123456789", "abc" })
    assert.are.equal("line", r:line(10))
    assert.are.equal("0123", r:piece(4))
    assert.are.equal("456789", r:piece(100))
    assert.is_false(r:leftover())
    assert.are.equal("ab", r:piece(2))
    assert.is_true(r:leftover())
    assert.are.equal("c", r:piece(100))
    assert.are.same({ nil, "closed" }, { r:piece(100) })
  end)

  it("reports the socket's end and errors, and whether any byte came", function()
    local r = reader({ "HTTP/1.1 2" })
    assert.are.same({ nil, "closed" }, { r:line(100) })
    assert.is_true(r.got)
    r = reader({})
    assert.are.same({ nil, "closed" }, { r:line(100) })
    assert.is_false(r.got)
  end)

  it("asks for the time left before every read, and stops when none is left", function()
    local allowed = 3
    local r, sock = reader({ "a", "b", "c", "d", "\n" }, function()
      allowed = allowed - 1
      return allowed >= 0
    end)
    assert.are.same({ nil, "timeout" }, { r:line(100) })
    assert.are.equal(3, sock.reads)
  end)
end)

-- The heads spec/core/session_wire_spec.lua gives the C engine, read by the cosocket transport's reader: the two
-- transports must see the same fields, Retry-After (parsed by the same core function as ngx_send does) and
-- replay mark.
describe("the ngx transport's response head", function()
  local core = require("onesignal.core")
  local header_cases = require("support.header_cases")

  for _, c in ipairs(header_cases.cases) do
    it("reads " .. c.name .. ", as the C engine does", function()
      local head, class, message = http.read_head(reader({ c.head .. "\r\n\r\n" }))
      assert.is_table(head, tostring(class) .. ": " .. tostring(message))
      local retry_after = head.retry_after and core.parse_retry_after(head.retry_after)
      header_cases.check(c, head.headers, retry_after, head.replayed == true)
    end)
  end
end)
