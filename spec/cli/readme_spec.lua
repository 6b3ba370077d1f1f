-- The README's command-line examples run as written (with --dry-run added, so nothing is sent): each
-- line of the shell block in "Command-line tool" must exit 0.
local shared = require("support.shared")
local run = require("cli.run")
local shell = require("server.harness.shell")

local function examples()
  local f = assert(io.open(shared.root .. "/README.md"))
  local text = f:read("*a")
  f:close()
  local section = assert(text:match("\n## Command%-line tool\n(.-)\n## "), "no Command-line tool section")
  local block = assert(section:match("```sh\n(.-)```"), "no shell block")
  local lines = {}
  for line in block:gmatch("[^\n]+") do
    if line:match("^onesignal ") then lines[#lines + 1] = line:gsub("%s+#.*$", "") end
  end
  return lines
end

local function absolute(path)
  local pipe = assert(io.popen("cd " .. run.quote(path) .. " && pwd"))
  local out = pipe:read("*l")
  pipe:close()
  return out
end

describe("the README's command-line examples", function()
  local dir
  local bin = absolute(shared.root) .. "/bin"

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(shell.run("mkdir " .. run.quote(dir)), "cannot create " .. dir)
    local f = assert(io.open(dir .. "/notification.json", "w"))
    f:write('{"included_segments":["Subscribed Users"],"contents":{"en":"Hello"}}')
    f:close()
  end)

  teardown(function() os.execute("rm -rf " .. run.quote(dir)) end)

  local lines = examples()
  it("are there", function() assert.is_true(#lines >= 10) end)

  for _, line in ipairs(lines) do
    it("run: " .. line, function()
      local command = table.concat({
        "cd", run.quote(dir), "&& env",
        "PATH=" .. run.quote(bin .. ":" .. os.getenv("PATH")),
        "ONESIGNAL_REST_API_KEY=readme-rest-key ONESIGNAL_ORGANIZATION_API_KEY=readme-org-key",
        "ONESIGNAL_APP_ID=readme-app ORG_ID=readme-org",
        "sh -c", run.quote(line .. " --dry-run"), ">/dev/null 2>&1",
      }, " ")
      local ok, _, code = os.execute(command)
      assert.is_true(ok == true or ok == 0, line .. " exited " .. tostring(code or ok)) -- LuaJIT: the status
    end)
  end
end)
