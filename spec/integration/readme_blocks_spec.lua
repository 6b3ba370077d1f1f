-- README's Lua blocks after the quick start and the calling convention (readme_spec.lua), each run as written
-- against the test server with only the names it leaves to the reader supplied (spec/support/readme.lua), and
-- judged by what it did: what it printed or raised, what the server saw, what it handed to the reader's
-- functions. (The OpenResty block runs in nginx: spec/openresty/readme_spec.lua.)
local server = require("support.server")
local readme = require("support.readme")
local onesignal = require("onesignal")

describe("the README's Lua blocks", function()
  local srv, clients

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)
  before_each(function()
    srv:reset()
    clients = {}
  end)
  after_each(function()
    for _, client in ipairs(clients) do client:close() end
  end)

  -- A client of the test server, with `options` added to its settings; closed when the test ends.
  local function new_client(options)
    local settings = { base_url = srv.url, rest_api_key = srv.rest_key, organization_api_key = srv.org_key,
      app_id = srv.app_id }
    for k, v in pairs(options or {}) do settings[k] = v end
    clients[#clients + 1] = onesignal.new(settings)
    return clients[#clients]
  end

  describe("Errors", function()
    it("raises for a refused key, and for nothing else", function()
      local block = readme.lua_block("Errors", 1)
      local function run(client)
        local ok, problem = pcall(readme.run, block, { client = client, app_id = srv.app_id, onesignal = onesignal })
        return ok or problem
      end
      local refused = run(new_client({ rest_api_key = "not-the-key" }))
      local answered = run(new_client())
      srv:fault_on("get_segments", { { status = 400, body = '{"errors":["Invalid app_id"]}',
        content_type = "application/json" } })
      local failed = run(new_client())
      -- raised at README's line of the block's `error` call, its third (the fence is block.line)
      assert.are.equal("README.md:" .. (block.line + 3) .. ": OneSignal refused the REST API key: check"
        .. " ONESIGNAL_REST_API_KEY", refused)
      assert.are.same({ true, true }, { answered, failed })
      assert.are.equal(3, #srv:recorded("get_segments"))
    end)
  end)

  describe("Retries and idempotency", function()
    it("hands a send that may have been applied, or was refused for long, to schedule_retry, which sends it at "
      .. "most once", function()
      local block = readme.lua_block("Retries and idempotency", 1)
      local scheduled = {}
      local function run()
        -- (a new client, so that a drop hits a new connection: on a kept one, libcurl would resend it itself)
        readme.run(block, { client = new_client({ max_retries = 0 }), onesignal = onesignal,
          schedule_retry = function(n, wait) scheduled[#scheduled + 1] = { n = n, wait = wait } end })
      end
      run()                                                                      -- sent
      srv:fault_on("create_notification", { { status = 400 } })
      run()                                                                      -- a definite no
      assert.are.same({}, scheduled)
      srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "120" } } })
      run()                                                                      -- wait 2 minutes
      srv:fault_on("create_notification", { { drop = "after_read" } })
      run()                                                                      -- applied, unanswered
      assert.are.equal(2, #scheduled)
      assert.are.same({ 120, 60 }, { scheduled[1].wait, scheduled[2].wait })
      assert.are.equal(2, srv:stats().notifications_created)
      -- "same table, same key": sent again, the dropped one is answered as the first time, not created
      local client, again = new_client(), {}
      for i, retry in ipairs(scheduled) do
        assert.matches("^%x+%-%x+%-4%x+%-%x+%-%x+$", retry.n.idempotency_key)
        local body, res = assert(client:create_notification(retry.n))
        again[i] = { onesignal.is_message_sent(body), res.replayed }
      end
      assert.are.same({ { true, false }, { true, true } }, again)
      assert.are.equal(3, srv:stats().notifications_created)
    end)

    it("logs each attempt that will be retried, with its status or error and the wait", function()
      local logged = {}
      local _, env = readme.run(readme.lua_block("Retries and idempotency", 2),
        { log = { warn = function(format, ...) logged[#logged + 1] = string.format(format, ...) end } })
      local client = new_client({ on_attempt = env.on_attempt, retry_base_delay = 0.01 })
      srv:fault_on("get_segments", { { status = 503 }, { drop = "before_read" } })
      assert(client:get_segments(nil))
      assert.are.equal(2, #logged)
      assert.matches("^get_segments attempt 1: 503, again in 0%.0%d s$", logged[1])
      assert.matches("^get_segments attempt 2: reset, again in 0%.0%d s$", logged[2])
    end)
  end)

  describe("Non-blocking calls, coroutines and bulk sends", function()
    -- A create_notification body for the user `external_id`.
    local function push_to(external_id, text)
      return { contents = { en = text or "Hello" }, include_aliases = { external_id = { external_id } },
        target_channel = "push" }
    end

    it("sends from a game loop that polls, and the callback logs a failure", function()
      local block = readme.lua_block("Non-blocking calls, coroutines and bulk sends", 1)
      -- Runs the block; its game ends once nothing is pending. Returns what `log` got.
      local function game(notification)
        local client, logged = new_client({ max_retries = 0 }), {}
        local give_up = os.time() + 10
        local names = { client = client, notification = notification, running = true,
          log = function(line) logged[#logged + 1] = line end }
        function names.update_world()
          if client:pending() == 0 then names.running = false end
          assert(os.time() < give_up, "the game loop never finished the call")
        end
        readme.run(block, names)
        return logged
      end
      assert.are.same({}, game(push_to("u-1", "Level up!")))
      srv:fault_on("create_notification", { { status = 400 } })
      local logged = game(push_to("u-1", "Level up!"))
      assert.are.equal(1, #logged)
      assert.matches("^onesignal: create_notification failed: HTTP 400", logged[1])
      local sent = srv:recorded("create_notification")
      assert.are.equal(2, #sent)
      assert.matches('"Level up!"', sent[1].body, 1, true)
    end)

    it("welcomes back, from one coroutine per player, every player who is a user", function()
      local client = new_client()
      for _, player in ipairs({ "p-1", "p-2" }) do
        assert(client:create_user(nil, { identity = { external_id = player } }))
      end
      srv:clear()
      -- each lookup answered after 0.1 s: one running meanwhile cannot have its connection
      srv:fault_on("get_user", { { delay = 0.1 }, { delay = 0.1 }, { delay = 0.1 } })
      local welcomed = {}
      local block = readme.lua_block("Non-blocking calls, coroutines and bulk sends", 2)
      readme.run(block, { client = client, players = { "p-1", "p-2", "p-3" },
        welcome_back = function(user)
          welcomed[#welcomed + 1] = user.identity.external_id
          return push_to(user.identity.external_id, "Welcome back")
        end })
      table.sort(welcomed)
      assert.are.same({ "p-1", "p-2" }, welcomed)
      assert.are.equal(0, client:pending())
      local sent = {}
      for _, r in ipairs(srv:recorded("create_notification")) do sent[#sent + 1] = r.body:match('"(p%-%d)"') end
      table.sort(sent)
      assert.are.same({ "p-1", "p-2" }, sent)
      -- the three lookups were under way together, each on a connection of its own
      local connections = {}
      for _, r in ipairs(srv:recorded("get_user")) do connections[r.connection] = true end
      local count = 0
      for _ in pairs(connections) do count = count + 1 end
      assert.are.equal(3, count)
    end)

    it("sends a batch, printing each item as it finishes and then each result", function()
      local client = new_client()
      local notifications = { push_to("u-1", "one"), { contents = { en = "nobody targeted" } },
        push_to("u-3", "three") }
      local block = readme.lua_block("Non-blocking calls, coroutines and bulk sends", 3)
      local printed = readme.run(block, { client = client, notifications = notifications })
      assert.are.equal(6, #printed)
      local progress, finished = {}, {}
      for k = 1, 3 do
        local done, i, outcome = printed[k]:match("^(%d)/3\t(%d)\t(%a+)$")
        progress[k], finished[tonumber(i)] = tonumber(done), outcome
      end
      assert.are.same({ 1, 2, 3 }, progress)
      assert.are.same({ "sent", "failed", "sent" }, finished)
      assert.matches("^1\t%x+%-%x+%-%x+%-%x+%-%x+$", printed[4])
      assert.matches("^2\tonesignal: create_notification failed: HTTP 400: ", printed[5])
      assert.matches("^3\t%x+%-%x+%-%x+%-%x+%-%x+$", printed[6])
      assert.are.equal(2, srv:stats().notifications_created)
    end)

    it("drives the client from a luv loop, which returns once nothing is pending", function()
      local has_luv, uv = pcall(require, "luv")
      if not has_luv then return pending("luv is not installed (Debian: lua-luv)") end
      local client = new_client()
      -- luv as it is, but keeping the handles the block makes, to close them afterwards
      local handles = {}
      local function kept(handle) handles[#handles + 1] = handle return handle end
      local luv = setmetatable({ new_timer = function() return kept(uv.new_timer()) end,
        new_poll = function(fd) return kept(uv.new_poll(fd)) end }, { __index = uv })
      local answers = {}
      client:create_user_async(nil, { identity = { external_id = "luv-1" } }, function(created, err)
        answers[#answers + 1] = created and "created" or tostring(err)
        -- started in a callback: the block's step re-arms its timer for it
        client:get_user_async(nil, "external_id", "luv-1", function(user, problem)
          answers[#answers + 1] = user and user.identity.external_id or tostring(problem)
        end)
      end)
      -- luv's default loop has been idle since the last spec that ran it: timers count from its time of then
      uv.update_time()
      readme.run(readme.lua_block("Non-blocking calls, coroutines and bulk sends", 4),
        { client = client, uv = luv })
      -- a loop kept alive by a handle the block forgot to let go of ends here, failing
      uv.update_time()
      local guard, timed_out = kept(uv.new_timer()), false
      guard:start(5000, 0, function() timed_out = true uv.stop() end)
      guard:unref()
      uv.run()
      local pending_after = client:pending()
      for _, handle in ipairs(handles) do handle:close() end
      uv.run() -- lets libuv finish closing them, before the client closes its descriptor
      assert.is_false(timed_out, "uv.run() still ran 5 s on")
      assert.are.same({ "created", "luv-1" }, answers)
      assert.are.equal(0, pending_after)
      assert.are.equal(3, #handles) -- the block's timer and watcher, and the guard
    end)
  end)

  describe("Pagination", function()
    it("prints every notification of kind 1, page after page, and raises at a page that fails", function()
      local block = readme.lua_block("Pagination", 1)
      local client = new_client({ max_retries = 0 })
      local want = {}
      for i, id in ipairs(srv:seed({ kind = "notifications", count = 60 }).ids) do
        want[#want + 1] = id .. "\tSeeded notification " .. i
      end
      srv:seed({ kind = "notifications", count = 3, attributes = { kind = 0 } })
      -- an email sent through the API has no contents to read
      local email = srv:seed({ kind = "notifications", count = 1,
        attributes = { contents = onesignal.null, email_subject = "Seeded email" } }).ids[1]
      want[#want + 1] = email .. "\tSeeded email"
      local printed = readme.run(block, { client = client })
      table.sort(want)
      table.sort(printed)
      assert.are.same(want, printed)
      assert.are.equal(2, #srv:recorded("get_notifications")) -- pages of 50 and 11
      srv:fault_on("get_notifications", { { pass = true }, { status = 400,
        body = '{"errors":["kind is not available for this app"]}', content_type = "application/json" } })
      local ok, problem = pcall(readme.run, block, { client = client })
      assert.is_false(ok)
      assert.matches("^README%.md:%d+: onesignal: get_notifications failed: HTTP 400: kind is not available for this "
        .. "app", problem)
    end)
  end)

  describe("Exports", function()
    -- Run in a directory of its own, since the block saves subscriptions.csv where it runs.
    local SCRIPT = [[
local readme = require("support.readme")
local onesignal = require("onesignal")
local client = onesignal.new({}) -- from the environment
readme.run(readme.lua_block("Exports", 1), { client = client, print = print })
client:close()
]]

    it("saves the export once it is ready, saying when it was not", function()
      local shell = require("server.harness.shell")
      local shared = require("support.shared")
      srv:set({ export_ready_after = 1 }) -- one check answered 404, then the file
      local dir = os.tmpname()
      os.remove(dir)
      assert(shell.run("mkdir " .. dir), "cannot create " .. dir)
      finally(function() shell.run("rm -rf " .. shell.quote(dir)) end) -- (the test's only finally: busted keeps one)
      shell.write_file(dir .. "/run.lua", SCRIPT)
      local ok, out = shared.run_lua(string.format("ONESIGNAL_API_URL=%q ONESIGNAL_REST_API_KEY=%q"
        .. " ONESIGNAL_APP_ID=%q", srv.url, srv.rest_key, srv.app_id), dir .. "/run.lua", nil, dir)
      assert.is_true(ok, out)
      assert.are.equal("not ready, next check in 2 s\n", out)
      assert.are.same({ "run.lua", "subscriptions.csv" }, (function()
        local names = {}
        for name in shell.capture("ls -A " .. shell.quote(dir)):gmatch("[^\n]+") do names[#names + 1] = name end
        return names
      end)())
      local asked = srv:recorded("export_subscriptions")
      assert.are.equal(1, #asked)
      assert.are.same({ "country" }, require("cjson").decode(asked[1].body).extra_fields)
      local files = srv:recorded("GET", "method")
      assert.are.equal(2, #files)
      local csv = assert(new_client():fetch_export(srv.url .. files[2].path))
      assert.are.equal(csv, shell.read_file(dir .. "/subscriptions.csv"))
    end)
  end)
end)
