-- core.uuid4: random version 4 UUIDs.
local core = require("onesignal.core")

describe("core.uuid4", function()
  it("has the canonical lower-case form with version and variant bits", function()
    for _ = 1, 1000 do
      local id = core.uuid4()
      assert.is_truthy(id:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"), id)
      assert.same(id:lower(), id)
    end
  end)

  it("does not repeat over 10,000 draws", function()
    local seen, count = {}, 0
    for _ = 1, 10000 do
      local id = core.uuid4()
      if not seen[id] then count = count + 1 end
      seen[id] = true
    end
    assert.same(10000, count)
  end)

  it("uses every hex digit in the random positions", function()
    local digits = {}
    for _ = 1, 200 do
      for c in core.uuid4():gsub("-", ""):gmatch(".") do digits[c] = true end
    end
    for c in ("0123456789abcdef"):gmatch(".") do assert.is_true(digits[c], c) end
  end)
end)
