-- core.uuid4 draws kernel randomness a pool at a time; a forked child must never hand out the bytes its
-- parent still holds (the same idempotency key from two processes would make the server drop one of the
-- notifications). Forking from Lua needs LuaJIT's FFI: these run under `make test-core-luajit`.
local core = require("onesignal.core")
local support = require("core.support")

-- More than one pool's worth (4,096 bytes, 16 per key), so a refill happens on both sides.
local DRAWS = 300

local function draw(n)
  local out = {}
  for i = 1, n do out[i] = core.uuid4() end
  return out
end

describe("core.uuid4 across fork()", function()
  it("gives parent and child keys of their own, though the parent's pool was part used", function()
    if not support.can_fork then
      pending("needs LuaJIT's FFI to fork")
      return
    end
    draw(3) -- the pool is filled, and most of it is still unused
    local path = os.tmpname()
    local code = support.in_child(function()
      local f = assert(io.open(path, "w"))
      f:write(table.concat(draw(DRAWS), "\n"))
      f:close()
      return true
    end)
    assert.are.equal(0, code)
    local parent = draw(DRAWS)
    local f = assert(io.open(path))
    local child_text = f:read("*a")
    f:close()
    os.remove(path)
    local seen = {}
    for _, key in ipairs(parent) do seen[key] = true end
    local count = 0
    for key in child_text:gmatch("[^\n]+") do
      count = count + 1
      assert.is_nil(seen[key], "the child repeated the parent's key " .. key)
    end
    assert.are.equal(DRAWS, count)
  end)
end)
