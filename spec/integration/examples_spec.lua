-- The examples as a user copies them, against answers that `make examples` (mk/run_examples.lua, every
-- example once against a plain test server) never meets: what the live API answers that the test server
-- does not say on its own. And what each does to the app, which must be nothing a real person receives
-- and nothing left behind (the last block).
local server = require("support.server")
local shared = require("support.shared")

-- Another app of the organization, for templates.lua's copy (the test server takes any app id).
local OTHER_APP_ID = "00000000-0000-4000-8000-00000000a99b"

-- Runs examples/<name> against `srv` through the environment variables its header documents (and
-- EXPORT_POLL_INTERVAL, which `make examples` sets too); `extra` (optional) adds variables or replaces
-- these ({ ONESIGNAL_ORGANIZATION_API_KEY = "" }).
local function run_example(srv, name, extra)
  local vars = { ONESIGNAL_API_URL = srv.url, ONESIGNAL_REST_API_KEY = srv.rest_key, ONESIGNAL_APP_ID = srv.app_id,
    ONESIGNAL_ORGANIZATION_API_KEY = srv.org_key, EXPORT_POLL_INTERVAL = "0.05" }
  for k, v in pairs(extra or {}) do vars[k] = v end
  local environment = {}
  for k, v in pairs(vars) do environment[#environment + 1] = string.format("%s=%q", k, v) end
  return shared.run_lua(table.concat(environment, " "), "examples/" .. name)
end

-- A client of `srv`'s app (or of `app_id`), to look at what an example left behind.
local function client_of(srv, app_id)
  return require("onesignal").new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = app_id or srv.app_id })
end

describe("the examples that send a message", function()
  -- A 200 with an empty id carries `errors` in any of the API's envelope shapes (README, Errors): a list,
  -- a string, or an object such as the invalid_aliases one the live API gives for external ids nobody
  -- has. Each example must print the reason and go on, not fail or print an empty reason.
  local shapes = {
    { '{"id":"","errors":"All included players are not subscribed"}', "All included players are not subscribed" },
    { '{"id":"","errors":{"invalid_aliases":{"external_id":["user-42"]}}}', "invalid_aliases: external_id: user-42" },
    { '{"id":"","errors":["All included players are not subscribed"]}', "All included players are not subscribed" },
  }
  local examples = {
    { "push.lua", "reached nobody: " },
    { "email.lua", "email reached nobody: " },
    { "sms.lua", "SMS reached nobody: " },
  }

  for _, example in ipairs(examples) do
    it("examples/" .. example[1] .. " says why nobody was reached, whatever shape the errors take", function()
      local srv = server.start({})
      local problems = {}
      for _, shape in ipairs(shapes) do
        srv:reset()
        srv:fault({ match = { operation = "create_notification" },
          steps = { { status = 200, body = shape[1], content_type = "application/json" } } })
        local ok, out = run_example(srv, example[1])
        local want = example[2] .. shape[2] .. "\n"
        if not ok or not out:find(want, 1, true) then problems[#problems + 1] = shape[1] .. " -> " .. out end
      end
      srv:stop()
      assert.are.same({}, problems)
    end)
  end
end)

describe("examples/exports.lua", function()
  -- OneSignal stores exports gzip-compressed (.csv.gz) and serves them as stored (README, Exports): the
  -- example must not count the lines of compressed bytes as if they were CSV text.
  it("tells a gzip-compressed file from CSV text", function()
    local compress = require("support.compress")
    local srv = server.start({})
    srv:set({ export_ready_after = 0 })
    srv:seed({ kind = "notifications", count = 1 })
    local csv = "notification_id,subscription_id,event\n" .. ("a,b,sent\n"):rep(500)
    -- the example's GETs: the subscriptions file as the server writes it, the list of notifications, then
    -- the events file
    srv:fault({ match = { method = "GET" }, steps = { { pass = true }, { pass = true },
      { status = 200, body = compress.gzip(csv), content_type = "application/x-gzip" } } })
    local ok, out = run_example(srv, "exports.lua")
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("saved %d+ bytes to ", out)
    assert.matches("events of [%x-]+: %d+ bytes of gzip%-compressed CSV %(decompress them to read it%)\n", out)
  end)

  it("counts the lines of a file served as CSV text", function()
    local srv = server.start({})
    srv:set({ export_rows = 7 })
    srv:seed({ kind = "notifications", count = 1 })
    local ok, out = run_example(srv, "exports.lua")
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("events of [%x-]+: 8 lines of CSV\n", out) -- the header and 7 rows
  end)

  -- It sends nothing: the events are those of a notification the app sent before, the latest that went
  -- out (not one scheduled for later or cancelled, such as push.lua leaves in the history).
  it("exports the events of the latest notification that went out, and sends nothing", function()
    local srv = server.start({})
    local sent = srv:seed({ kind = "notifications", count = 2 }).ids[2]
    local client = client_of(srv)
    local canceled = assert(client:create_notification({ included_segments = { "Subscribed Users" },
      contents = { en = "later" }, send_after = "2035-01-01 09:00:00 GMT+0000" }))
    assert(client:cancel_notification(nil, canceled.id))
    client:close()
    srv:clear()
    local ok, out = run_example(srv, "exports.lua")
    local created = #srv:recorded("create_notification")
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("events of " .. sent:gsub("%-", "%%-") .. ": ", out)
    assert.are.equal(0, created)
  end)

  it("says so when no notification has gone out yet", function()
    local srv = server.start({})
    local ok, out = run_example(srv, "exports.lua")
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("no notification has gone out yet: no events to export\n", out, 1, true)
  end)
end)

describe("examples/pagination.lua", function()
  it("stops at a failed page saying why, as README's loop does", function()
    local srv = server.start({})
    srv:fault({ match = { operation = "get_notifications" }, steps = { { status = 400,
      body = '{"errors":["kind is not available for this app"]}', content_type = "application/json" } } })
    local ok, out = run_example(srv, "pagination.lua")
    srv:stop()
    assert.is_false(ok, out)
    assert.matches("listing notifications failed: .*HTTP 400: kind is not available for this app", out)
    assert.is_nil(out:find("notifications sent through the API", 1, true), out)
  end)
end)

describe("examples/templates.lua", function()
  -- An empty variable is no key to onesignal.new; the example must not then try the copy, which needs one.
  -- Nor without the other app, or without its REST API key: the copy could not be deleted.
  for _, case in ipairs({
    { "leaves the copy out when ONESIGNAL_ORGANIZATION_API_KEY is empty", "ONESIGNAL_ORGANIZATION_API_KEY" },
    { "leaves the copy out without ONESIGNAL_OTHER_APP_ID", "ONESIGNAL_OTHER_APP_ID" },
    { "leaves the copy out without ONESIGNAL_OTHER_REST_API_KEY", "ONESIGNAL_OTHER_REST_API_KEY" },
  }) do
    it(case[1], function()
      local srv = server.start({})
      local extra = { ONESIGNAL_OTHER_APP_ID = OTHER_APP_ID, ONESIGNAL_OTHER_REST_API_KEY = srv.rest_key }
      extra[case[2]] = ""
      local ok, out = run_example(srv, "templates.lua", extra)
      local copies = #srv:recorded("copy_template_to_app")
      srv:stop()
      assert.is_true(ok, out)
      assert.matches("not copied to another app", out, 1, true)
      assert.matches("\ndeleted ", out, 1, true)
      assert.are.equal(0, copies)
    end)
  end

  local function left_in_other_app(srv)
    local client = client_of(srv, OTHER_APP_ID)
    local names = {}
    for template, err in client:each_template() do
      assert(template, tostring(err))
      names[#names + 1] = template.name
    end
    client:close()
    table.sort(names)
    return names
  end

  it("copies the template to the other app and deletes the copy there", function()
    local srv = server.start({})
    local ok, out = run_example(srv, "templates.lua", { ONESIGNAL_OTHER_APP_ID = OTHER_APP_ID,
      ONESIGNAL_OTHER_REST_API_KEY = srv.rest_key })
    local copies = #srv:recorded("copy_template_to_app")
    local left = left_in_other_app(srv)
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("copied to app " .. OTHER_APP_ID .. " as ", out, 1, true)
    assert.are.equal(1, copies)
    assert.are.same({}, left)
  end)

  -- OneSignal's docs show the answer as {"success": true}, without the copy's id: the example then finds
  -- the copy by its name (the seeded templates stand in for the copy: one has the name the example gives
  -- its template in the second it runs).
  it("finds the copy by its name when the answer carries no id", function()
    local srv = server.start({})
    srv:fault({ match = { operation = "copy_template_to_app" },
      steps = { { status = 200, body = '{"success":true}', content_type = "application/json" } } })
    local now = os.time()
    for t = now, now + 20 do
      srv:seed({ kind = "templates", count = 1, app_id = OTHER_APP_ID, attributes = { name = "Order shipped " .. t } })
    end
    local ok, out = run_example(srv, "templates.lua", { ONESIGNAL_OTHER_APP_ID = OTHER_APP_ID,
      ONESIGNAL_OTHER_REST_API_KEY = srv.rest_key })
    local deleted = #srv:recorded("delete_template")
    local left = left_in_other_app(srv)
    srv:stop()
    assert.is_true(ok, out)
    assert.are.equal(2, deleted) -- the copy, then the template
    assert.are.equal(20, #left)
  end)
end)

describe("examples/push.lua", function()
  -- A new app's "Subscribed Users" has nobody in it: the live API answers the segment send (and its repeat)
  -- with an empty id. There is then nothing to cancel, and the example must say so rather than pass "" on.
  it("goes on when the segment send reaches nobody", function()
    local srv = server.start({})
    local nobody = { status = 200, body = '{"id":"","errors":["All included players are not subscribed"]}',
      content_type = "application/json" }
    srv:fault({ match = { operation = "create_notification" }, steps = { { pass = true }, nobody, nobody } })
    local ok, out = run_example(srv, "push.lua")
    local cancels = #srv:recorded("cancel_notification")
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("repeated with key ", out, 1, true)
    assert.matches("the segment reached nobody: All included players are not subscribed\n", out, 1, true)
    assert.are.equal(0, cancels)
  end)
end)

-- Each example's header says it may be run against a real app with live keys: then it must reach nobody
-- and leave nothing behind. Run against the test server as it would run live, every message it sends goes
-- to external ids of its own ("onesignal-lua-…", which no real user has) or, to a segment, only scheduled
-- for later and then cancelled; and the users, templates (the copy in the other app too) and segments it
-- creates are gone at the end.
describe("every example, run as against a live app", function()
  local cjson = require("cjson")
  local TARGETING = { "included_segments", "include_aliases", "include_subscription_ids", "filters", "email_to",
    "include_email_tokens", "include_phone_numbers", "include_ios_tokens", "include_wp_wns_uris",
    "include_amazon_reg_ids", "include_chrome_reg_ids", "include_chrome_web_reg_ids", "include_android_reg_ids",
    "include_player_ids", "include_external_user_ids", "include_unsubscribed" }

  -- What is wrong with one message the example sent (nil: nothing).
  local function unsafe(body)
    for _, field in ipairs(TARGETING) do
      local v = body[field]
      if v ~= nil and (field == "included_segments" or field == "filters") then
        if not body.send_after then return field .. " without send_after" end
      elseif field == "include_aliases" then
        for label, ids in pairs(v or {}) do
          if label ~= "external_id" then return "an alias other than external_id: " .. label end
          for _, id in ipairs(ids) do
            if not id:match("^onesignal%-lua%-") then return "an external id a real user may have: " .. id end
          end
        end
      elseif v ~= nil then
        return "targets by " .. field
      end
    end
  end

  local pipe = assert(io.popen("cd " .. shared.root .. " && ls examples/*.lua"))
  local names = {}
  for path in pipe:lines() do names[#names + 1] = path:match("^examples/(.+)$") end
  pipe:close()

  for _, name in ipairs(names) do
    local needs_luv = name == "luv_loop.lua"
    local test = (needs_luv and not pcall(require, "luv")) and pending or it
    test(name .. " reaches nobody and leaves nothing behind", function()
      local srv = server.start({})
      local seeded = srv:seed({ kind = "notifications", count = 1 }).ids[1]
      local ok, out = run_example(srv, name, { ONESIGNAL_OTHER_APP_ID = OTHER_APP_ID,
        ONESIGNAL_OTHER_REST_API_KEY = srv.rest_key })
      local problems, users = {}, {}
      for _, r in ipairs(srv:requests()) do
        if r.operation == "create_notification" or r.operation == "start_live_activity" then
          local problem = unsafe(cjson.decode(r.body))
          if problem then problems[#problems + 1] = r.operation .. ": " .. problem end
        elseif r.operation == "create_user" then
          users[#users + 1] = cjson.decode(r.body).identity.external_id
        end
      end
      local client, other = client_of(srv), client_of(srv, OTHER_APP_ID)
      for notification, err in client:each_notification() do
        assert(notification, tostring(err))
        if notification.id ~= seeded and notification.included_segments and notification.canceled ~= true then
          problems[#problems + 1] = "a segment send not cancelled: " .. notification.id
        end
      end
      for _, c in ipairs({ client, other }) do
        for template, err in c:each_template() do
          assert(template, tostring(err))
          problems[#problems + 1] = "a template left behind in " .. c.app_id .. ": " .. tostring(template.name)
        end
      end
      for segment, err in client:each_segment() do
        assert(segment, tostring(err))
        problems[#problems + 1] = "a segment left behind: " .. tostring(segment.name)
      end
      for _, external_id in ipairs(users) do
        local user, err = client:get_user(nil, "external_id", external_id)
        if user or err.status ~= 404 then problems[#problems + 1] = "a user left behind: " .. external_id end
      end
      client:close()
      other:close()
      srv:stop()
      assert.is_true(ok, out)
      assert.are.same({}, problems)
    end)
  end
end)
