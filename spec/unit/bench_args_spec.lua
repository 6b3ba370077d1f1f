-- bench/run.lua's arguments: a name that selects nothing is refused before anything runs (a misspelt
-- scenario or peer used to measure nothing and exit 0, which reads as a passing run).
local shared = require("support.shared")
local shell = require("server.harness.shell")

local function run(args)
  return shell.capture(string.format("cd %s && LUA_PATH='./bench/?.lua;./spec/?.lua;./lua/?.lua;;' lua5.4"
    .. " bench/run.lua %s 2>&1", shell.quote(shared.root), args))
end

describe("bench/run.lua", function()
  it("refuses an --only name that is no scenario or transport", function()
    local out, code = run("--only sequentail")
    assert.equal(2, code, out)
    assert.matches("no scenario or transport is named sequentail", out, 1, true)
  end)

  it("refuses a --peers name that is no peer", function()
    local out, code = run("--peers lua54")
    assert.equal(2, code, out)
    assert.matches("no peer is named lua54", out, 1, true)
  end)

  it("takes the names its usage lists", function()
    -- (--from a file that is not there: the names pass, and the run stops at reading the file)
    local out, code = run("--only sequential,concurrent-256/h2,h2 --peers c,lua5.4/send_many --from /nonexistent.json")
    assert.equal(1, code, out)
    assert.matches("cannot read /nonexistent.json", out, 1, true)
  end)
end)
