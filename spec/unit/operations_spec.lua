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

  -- The query parameters of the OpenAPI spec, by operationId and name: { maximum, minimum, maxItems,
  -- description }. Read by line: the file's keys are sorted, so an operation's operationId comes before its
  -- parameters, and each parameter's fields sit at fixed indents.
  local function spec_query_parameters()
    local out, op, param = {}, nil, nil
    local f = assert(io.open(shared.path("api/onesignal-openapi-5.12.0.yaml")))
    for line in f:lines() do
      local id = line:match("^      operationId: (%S+)$")
      if id then op, param = id, nil; out[id] = {} end
      if op and line:match("^      %- ") then param = { description = "" } end
      if line:match("^      [%a]") and not line:match("^      parameters:") then param = nil end
      if param then
        local text = line:match("^      %- description: (.*)$") or line:match("^          (%S.*)$")
        if text and not param.name then param.description = param.description .. " " .. text end
        local name = line:match("^        name: \"?([^\"]+)\"?$")
        if name then param.name = name end
        if line == "        in: query" then param.query = true end
        for _, key in ipairs({ "maximum", "minimum", "maxItems" }) do
          local n = line:match("^          " .. key .. ": (%d+)$")
          if n then param[key] = tonumber(n) end
        end
        if param.query and param.name then out[op][param.name] = param end
      end
    end
    f:close()
    return out
  end

  -- The bounds of query values are data in the table; these must not drift from the spec's.
  it("bounds every query value the OpenAPI spec bounds, as the spec does", function()
    local spec = spec_query_parameters()
    local checked = 0
    for _, op in ipairs(operations.list) do
      for _, param in ipairs(op.options) do
        local declared = assert(spec[op.name] and spec[op.name][param.name], op.name .. " " .. param.name)
        assert.are.equal(declared.maxItems, param.max_items, op.name .. " " .. param.name)
        if declared.maximum then assert.are.equal(declared.maximum, param.max, op.name .. " " .. param.name) end
        if declared.minimum then assert.are.equal(declared.minimum, param.min, op.name .. " " .. param.name) end
        -- a largest page only the description gives ("Max is 50", "Maximum 300"): said there
        if param.max and not declared.maximum then
          assert.matches("%f[%d]" .. param.max .. "%f[%D]", declared.description, 1, false,
            op.name .. " " .. param.name)
        end
        if param.max or param.max_items then checked = checked + 1 end
      end
    end
    assert.are.equal(12, checked) -- five page sizes and seven audit log filters
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
