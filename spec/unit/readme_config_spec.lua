-- The options of `onesignal.new` as README's Configuration table and the LDoc comment of `onesignal.new`
-- give them are the ones lua/onesignal/config.lua takes, with the same defaults: a user reads the table to
-- learn what exists, and an option left out of it is one nobody finds.
local shared = require("support.shared")

local read = shared.read_repo_file

-- name → default (nil when the option has none), read from the OPTIONS table of config.lua.
local function options_in_code()
  local block = assert(read("lua/onesignal/config.lua"):match("\nlocal OPTIONS = {\n(.-)\n}\n"), "no OPTIONS table")
  local options, names = {}, {}
  for line in block:gmatch("[^\n]+") do
    local name, spec = line:match("^%s*([%w_]+) = (%b{}),")
    assert(name, "unreadable line of OPTIONS: " .. line)
    local value = assert(load("return " .. spec, "=OPTIONS", "t", {}))()
    options[name] = { default = value[2] }
    names[#names + 1] = name
  end
  table.sort(names)
  return options, names
end

-- name → text of its default cell, from README's Configuration table (a row may name several options,
-- with as many defaults separated by commas).
local function options_in_readme()
  local section = assert(read("README.md"):match("\n## Configuration\n(.-)\n## "), "no Configuration section")
  local rows, names = {}, {}
  for line in section:gmatch("[^\n]+") do
    local first, default = line:match("^| (`[^|]-`) |%s*([^|]-)%s*|")
    if first then
      local i, defaults = 0, {}
      for part in (default .. ","):gmatch("%s*([^,]*),") do defaults[#defaults + 1] = part end
      for name in first:gmatch("`([%w_]+)`") do
        i = i + 1
        rows[name] = #defaults > 1 and defaults[i] or default
        names[#names + 1] = name
      end
    end
  end
  table.sort(names)
  return rows, names
end

-- How README writes a default: sizes in MiB, other numbers and booleans as Lua prints them.
local function written(value)
  local mib = 1024 * 1024
  if type(value) == "number" and value >= mib and value % mib == 0 then
    return string.format("%d MiB", value / mib)
  end
  return tostring(value)
end

describe("README's Configuration table", function()
  local code, code_names = options_in_code()
  local readme, readme_names = options_in_readme()

  it("lists every option of onesignal.new, and no other", function()
    assert.are.same(code_names, readme_names)
  end)

  it("gives each option's default as config.lua has it", function()
    for name, option in pairs(code) do
      if option.default ~= nil then
        assert.are.equal(written(option.default), readme[name], name)
      end
    end
  end)
end)

describe("the doc comment of onesignal.new", function()
  it("names every option", function()
    local comment = assert(read("lua/onesignal.lua"):match("%-%-%- Makes a client%. Options: (.-)\nM%.new"))
    local names = {}
    for name in comment:gmatch("[%w_]+") do names[#names + 1] = name end
    table.sort(names)
    local _, code_names = options_in_code()
    assert.are.same(code_names, names)
  end)
end)

-- README said "1 MB" for the custom events body while the check refuses above 1024 * 1024 bytes.
describe("README's Input paragraph", function()
  it("gives the custom events limits the request check enforces, sizes in MiB", function()
    local row = assert(read("lua/onesignal/operations.lua"):match("\n[^\n]*max_body_bytes = ([^\n]+)"))
    local body = assert(load("return " .. row:match("^([%d%s%*]+),")))()
    local item = tonumber(row:match('max_item_bytes = { "events", (%d+) }'))
    local text = assert(read("README.md"):match("custom events: ([^)]*)%)"), "no custom events limits")
    assert.are.equal(written(body) .. " per request, " .. string.format("%d,%03d", math.floor(item / 1000), item % 1000)
      .. " bytes per event", text)
  end)
end)
