-- `make help` lists every target that has a `## description` (README: "`make help` | every target"), and
-- every `make TARGET` the README names is one of them.
local shared = require("support.shared")
local shell = require("server.harness.shell")

-- Target → true for every `target: … ## description` line of the Makefile and mk/*.mk.
local function documented_targets()
  local targets = {}
  local files = assert(shell.capture("cd " .. shell.quote(shared.root) .. " && ls Makefile mk/*.mk"))
  for file in files:gmatch("[^\n]+") do
    for line in shared.read_repo_file(file):gmatch("[^\n]+") do
      local target = line:match("^([%w_.-]+):[^=].*## ")
      if target then targets[target] = true end
    end
  end
  return targets
end

-- (Through shell.capture, which keeps a sanitizer runtime preloaded into busted from make and grep.)
local function help_targets()
  local out, code = shell.capture("make -s --no-print-directory -C " .. shell.quote(shared.root) .. " help")
  assert(code == 0, "make help failed: " .. out)
  local targets = {}
  for line in out:gmatch("[^\n]+") do targets[line:match("^[^\t]+")] = true end
  return targets
end

describe("make help", function()
  local help = help_targets()

  it("lists every target that has a description", function()
    local documented = documented_targets()
    assert.is_true(documented["test-lua53"] ~= nil, "no target with a description found")
    assert.are.same(documented, help)
  end)

  it("lists every make target the README names", function()
    local missing, named = {}, 0
    for target in shared.read_repo_file("README.md"):gmatch("`make ([%w_-]+)") do
      if not help[target] then missing[#missing + 1] = target end
      named = named + 1
    end
    -- (a pattern that found no `make TARGET` would leave nothing missing)
    assert.is_true(named > 1, "README names no `make TARGET`")
    assert.are.same({}, missing)
  end)
end)
