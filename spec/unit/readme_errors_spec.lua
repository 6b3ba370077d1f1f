-- README's Errors section names the message constants of onesignal.errors: every one the module has, and
-- no other, so a reader finds them without opening the module.
local shared = require("support.shared")
local errors = require("onesignal.errors")

describe("README's list of the onesignal.errors constants", function()
  it("names every constant of the module, and no other", function()
    local section = assert(shared.read_repo_file("README.md"):match("\n## Errors\n(.-)\n## "), "no Errors section")
    local list = assert(section:match("as constants\n?%s*%((.-)%)"), "no list of constants")
    local listed, constants = {}, {}
    for name in list:gmatch("`([%u_]+)`") do listed[#listed + 1] = name end
    for name, value in pairs(errors) do
      if name:match("^[%u_]+$") and type(value) == "string" then constants[#constants + 1] = name end
    end
    table.sort(listed)
    table.sort(constants)
    assert.is_true(#constants > 0)
    assert.are.same(constants, listed)
  end)
end)
