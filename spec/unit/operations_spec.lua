local operations = require("onesignal.operations")
local shared = require("support.shared")

describe("the operations table", function()
  local rows = shared.operations()

  it("has the 56 operations of api/operations.tsv", function()
    assert.are.equal(56, #rows)
    assert.are.equal(#rows, #operations.list)
  end)

  it("matches every row: method, path, credential and parameters in calling order", function()
    for _, row in ipairs(rows) do
      local op = operations.by_name[row.name]
      assert.is_table(op, row.name)
      assert.are.equal(row.method, op.method, row.name)
      assert.are.equal(row.path, op.path, row.name)
      assert.are.equal(row.credential, op.credential, row.name)
      -- Optional query parameters move to the trailing table; the others keep their order.
      local expected_positional, expected_options = {}, {}
      for _, p in ipairs(row.params) do
        local list = (p.optional and p.where == "query") and expected_options or expected_positional
        list[#list + 1] = p.name .. ":" .. p.where .. (p.optional and "?" or "")
      end
      local got_positional, got_options = {}, {}
      for _, p in ipairs(op.positional) do
        got_positional[#got_positional + 1] = p.name .. ":" .. p.where .. (p.optional and "?" or "")
      end
      for _, p in ipairs(op.options) do
        got_options[#got_options + 1] = p.name .. ":" .. p.where .. (p.optional and "?" or "")
      end
      assert.are.same(expected_positional, got_positional, row.name)
      assert.are.same(expected_options, got_options, row.name)
    end
  end)

  it("splits every path template into text and parameters that rebuild it", function()
    for _, op in ipairs(operations.list) do
      local parts = {}
      for i, part in ipairs(op.path_parts) do
        parts[i] = type(part) == "table" and ("{" .. part.param .. "}") or part
      end
      assert.are.equal(op.path, table.concat(parts), op.name)
    end
  end)
end)
