-- The README's quick start runs as written, against the test server through the environment variables
-- it documents; every Lua block of README.md is run by some spec (this one, readme_blocks_spec.lua beside
-- it, spec/openresty/readme_spec.lua), as spec/support/readme.lua lists them.
local server = require("support.server")
local shared = require("support.shared")
local readme = require("support.readme")

-- Runs the quick start as a script with the environment variables it documents; returns whether it
-- exited 0 and what it printed.
local function run_quick_start(srv)
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(readme.lua_block("Quick start", 1).code)
  f:close()
  local ok, out = shared.run_lua(string.format("ONESIGNAL_API_URL=%q ONESIGNAL_REST_API_KEY=%q"
    .. " ONESIGNAL_APP_ID=%q", srv.url, srv.rest_key, srv.app_id), script)
  os.remove(script)
  return ok, out
end

describe("the README quick start", function()
  it("sends a push as written", function()
    local srv = server.start({})
    local ok, out = run_quick_start(srv)
    local stats = srv:stats()
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("^sent\t%x+%-%x+%-%x+%-%x+%-%x+\tattempts:\t1\n$", out)
    assert.are.equal(1, stats.notifications_created)
  end)

  -- A 200 with an empty id carries `errors` in any of the API's envelope shapes (the spec calls the
  -- field polymorphic), or none; the branch for it must print the reason, not fail or print nil.
  it("says why nothing was sent, whatever shape the answer's errors take", function()
    local srv = server.start({})
    local cases = {
      { '{"id":"","errors":["All included players are not subscribed"]}', "All included players are not subscribed" },
      { '{"id":"","errors":"All included players are not subscribed"}', "All included players are not subscribed" },
      { '{"id":"","errors":[{"code":"no-subscribers","title":"No subscribed users"}]}', "No subscribed users" },
      { '{"id":"","errors":{"invalid_aliases":{"external_id":["user-42"]}}}', "invalid_aliases: " },
      { '{"id":""}', "" },
    }
    local problems = {}
    for _, case in ipairs(cases) do
      srv:fault({ match = { operation = "create_notification" },
        steps = { { status = 200, body = case[1], content_type = "application/json" } } })
      local ok, out = run_quick_start(srv)
      local want = "nobody to send to:\t" .. case[2]
      if not ok or out:sub(1, #want) ~= want or out:find("nil", 1, true) then
        problems[#problems + 1] = case[1] .. " -> " .. out
      end
    end
    srv:stop()
    assert.are.same({}, problems)
  end)
end)

describe("the README calling convention", function()
  it("answers every example call as written", function()
    local onesignal = require("onesignal")
    local srv = server.start({})
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key,
      organization_api_key = srv.org_key, app_id = srv.app_id, max_retries = 0 })
    local ok, problem = pcall(function()
      assert(client:create_user(srv.app_id, { identity = { external_id = "u-1" } }))
      local segment = assert(client:create_segment(srv.app_id, { name = "README", filters = {} }))
      -- The names the examples leave to the reader.
      local env = { client = client, app_id = srv.app_id, org_id = srv.org_id, segment_id = segment.id,
        app_a = srv.app_id, app_b = "another-app", since = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 86400) }
      local calls = 0
      -- Every line of the Lua block of "Calling convention" is a call whose answer must be a success.
      for line in readme.lua_block("Calling convention", 1).code:gmatch("[^\n]+") do
        local call = line:gsub("%-%-.*$", "")
        local chunk = assert(load("return " .. call, "=README", "t", env))
        local body, err = chunk()
        assert(body, line .. " -> " .. tostring(err))
        calls = calls + 1
      end
      assert.are.equal(6, calls)
    end)
    client:close()
    srv:stop()
    assert(ok, problem)
  end)
end)

describe("the README's list of examples", function()
  it("names every example, so a reader finds each", function()
    local quick_start = shared.read_repo_file("README.md"):match("\n## Quick start\n(.-)\n## ")
    local listed = assert((quick_start .. "\n\n"):match("More in `examples/`(.-)\n\n"), "no list of examples")
    local missing, seen = {}, 0
    local pipe = assert(io.popen("cd " .. shared.root .. " && ls examples/*.lua && ls -d examples/*/"))
    for path in pipe:lines() do
      local name = path:match("^examples/(.+)$")
      if not listed:find("`" .. name .. "`", 1, true) then missing[#missing + 1] = name end
      seen = seen + 1
    end
    pipe:close()
    -- (a listing that found nothing would leave nothing missing)
    assert.is_true(seen > 1, "no examples listed in " .. shared.root .. "/examples")
    assert.are.same({}, missing)
  end)
end)

describe("the README's code blocks", function()
  it("are found wherever their fence is, indented in a list item or made of tildes", function()
    local blocks = readme.blocks(table.concat({
      "## One", "```lua", "print(1)", "```", "", "- a list item:", "", "  ```lua", "  if x then", "    y()", "  end",
      "  ```", "## Two", "~~~ Lua", "```", "~~~", "````sh", "ls", "```", "````", "```", "no language", "```" }, "\n"))
    local found = {}
    for _, b in ipairs(blocks) do found[#found + 1] = { b.key, b.lang, b.line, b.code } end
    assert.are.same({
      { "One #1", "lua", 2, "print(1)\n" },
      { "One #2", "lua", 8, "if x then\n  y()\nend\n" },
      { "Two #1", "lua", 14, "```\n" },
      { "Two #1", "sh", 17, "ls\n```\n" },
      { "Two #1", "", 21, "no language\n" },
    }, found)
    local ok, problem = pcall(readme.blocks, "## One\n```lua\nx()\n")
    assert.are.same({ false, "README.md:2: a code fence that is never closed" }, { ok, problem })
  end)

  -- A Lua block no spec runs can drift from the code unnoticed: spec/support/readme.lua lists each with the
  -- spec that runs it, and a block added to README.md fails here, named, until one does.
  it("are each run by a spec, unless they are shell or nginx.conf", function()
    local text = shared.read_repo_file("README.md")
    local blocks = readme.blocks(text)
    local problems, present, counts = {}, {}, {}
    for _, block in ipairs(blocks) do
      local where = string.format("README.md:%d, section %q, %s block #%d (%s)", block.line, block.section,
        block.lang == "" and "unmarked" or block.lang, block.n, block.code:match("^%s*([^\n]*)"))
      counts[block.lang] = (counts[block.lang] or 0) + 1
      if block.lang == "lua" then
        present[block.key] = true
        local spec = readme.checked[block.key]
        local reads = string.format("lua_block(%q, %d)", block.section, block.n)
        if not spec then
          problems[#problems + 1] = where .. ": no spec runs it (run it in one, and list it in spec/support/readme.lua)"
        elseif not (select(2, pcall(shared.read_repo_file, spec)) or ""):find(reads, 1, true) then
          problems[#problems + 1] = where .. ": listed as read by " .. spec .. ", which never calls " .. reads
        end
      elseif not readme.not_lua[block.lang] then
        problems[#problems + 1] = where .. ": neither Lua nor a language known not to be (mark Lua ```lua)"
      end
    end
    for key, spec in pairs(readme.checked) do
      if not present[key] then
        problems[#problems + 1] = key .. ": listed as read by " .. spec .. ", but README.md has no such Lua block"
      end
    end
    table.sort(problems)
    assert.are.same({}, problems)
    -- every line that opens or closes a fence, however indented, belongs to a block found
    local fences = 0
    for line in text:gmatch("[^\n]+") do
      if line:match("^%s*```") or line:match("^%s*~~~") then fences = fences + 1 end
    end
    assert.are.equal(2 * #blocks, fences, "a fence the blocks were not read from")
    -- the 12 Lua blocks, 4 of shell commands and an nginx.conf
    assert.are.same({ lua = 12, sh = 4, nginx = 1 }, counts)
  end)
end)
