-- The rockspec lists every module of the tree and the same C sources the Makefile builds, so
-- `luarocks make` installs exactly what the tests ran.
local shared = require("support.shared")

local read = shared.read_repo_file

local function rockspec()
  local pipe = assert(io.popen("ls " .. shared.root .. "/*.rockspec"))
  local name = pipe:read("*l")
  pipe:close()
  local env = {}
  assert(load(read(name:match("[^/]+$")), "rockspec", "t", env))()
  return env, name
end

describe("the rockspec", function()
  local spec, name = rockspec()

  it("is named after the library's version", function()
    assert.matches("onesignal%-" .. require("onesignal.version"):gsub("%.", "%%.") .. "%-%d+%.rockspec$", name)
    assert.are.equal(require("onesignal.version"), spec.version:match("^(.-)%-"))
  end)

  it("installs every Lua module under lua/", function()
    local pipe = assert(io.popen("cd " .. shared.root .. "/lua && find . -name '*.lua' | sort"))
    local count = 0
    for file in pipe:lines() do
      local module = file:gsub("^%./", ""):gsub("%.lua$", ""):gsub("/", ".")
      assert.are.equal("lua/" .. file:gsub("^%./", ""), spec.build.modules[module], module)
      count = count + 1
    end
    pipe:close()
    local listed = 0
    for _, v in pairs(spec.build.modules) do if type(v) == "string" then listed = listed + 1 end end
    assert.are.equal(count, listed)
  end)

  it("builds the C core from the sources the Makefile builds", function()
    local sources = {}
    local mk = read("mk/core.mk"):match("CORE_SOURCES%s*=%s*(.-[^\\])\n")
    for file in mk:gmatch("src/[%w_]+%.c") do sources[#sources + 1] = file end
    assert.are.same(sources, spec.build.modules["onesignal.core"].sources)
  end)
end)
