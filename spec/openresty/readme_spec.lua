-- README's OpenResty block runs in nginx as written (spec/openresty/app/readme.lua): its content_by_lua_file
-- part serving a request, its log_by_lua_file part after one, with examples/openresty/push.lua as `push`,
-- made from the environment its nginx.conf lets through, against the test server.
local openresty = require("support.openresty")
local server = require("support.server")
local shell = require("server.harness.shell")
local cjson = require("cjson")

local q = shell.quote

-- An nginx.conf in the README's shape: the `env` lines, push loaded by init_by_lua, and the block's two
-- handlers behind /shipped (content) and /welcome (log, after a plain answer).
local function conf(o)
  local lpath, cpath = openresty.package_paths(o.root)
  local lines = openresty.conf_head(o, { "ONESIGNAL_REST_API_KEY", "ONESIGNAL_APP_ID", "ONESIGNAL_API_URL" }, 64)
  for _, line in ipairs({
    "  lua_package_path " .. q(o.root .. "/examples/openresty/?.lua;" .. lpath) .. ";",
    "  lua_package_cpath " .. q(cpath) .. ";",
    "  init_by_lua_block { require(\"push\") }",
    "  server {",
    "    listen 127.0.0.1:" .. o.port .. ";",
    "    location = /shipped { content_by_lua_block { require(\"openresty.app.readme\").content() } }",
    "    location = /welcome {",
    "      content_by_lua_block { ngx.say(\"welcome!\") }",
    "      log_by_lua_block { require(\"openresty.app.readme\").log() }",
    "    }",
    "  }",
    "}",
  }) do lines[#lines + 1] = line end
  return table.concat(lines, "\n") .. "\n"
end

describe("the README's OpenResty block", function()
  local srv, app

  setup(function()
    srv = server.start({})
    app = openresty.start({ conf = conf, env = { ONESIGNAL_API_URL = srv.url,
      ONESIGNAL_REST_API_KEY = srv.rest_key, ONESIGNAL_APP_ID = srv.app_id } })
  end)
  teardown(function()
    if app then app:stop() end
    if srv then srv:stop() end
  end)
  before_each(function()
    srv:reset()
    shell.write_file(app.prefix .. "/logs/error.log", "") -- nginx writes on at the end: its own lines only
  end)

  local NOBODY = { status = 200, body = '{"id":"","errors":["All included players are not subscribed"]}',
    content_type = "application/json" }

  -- The create_notification requests naming `user`.
  local function notifications_for(user)
    local out = {}
    for _, r in ipairs(srv:recorded("create_notification")) do
      if r.body:find('"' .. user .. '"', 1, true) then out[#out + 1] = r end
    end
    return out
  end

  -- The lines of the app's error log that contain `text`, once there is one (waiting up to 5 s for it).
  local function logged(text)
    local lines = {}
    for _ = 1, 250 do
      for line in app:error_log():gmatch("[^\n]+") do
        if line:find(text, 1, true) then lines[#lines + 1] = line end
      end
      if #lines > 0 then break end
      shell.sleep(0.02)
    end
    return lines
  end

  it("sends while serving a request, and logs why nobody was reached or the call failed", function()
    local status, text = app:get("/shipped?user=user-42")
    assert.are.same({ 200, "done\n" }, { status, text })
    local sent = notifications_for("user-42")
    assert.are.equal(1, #sent)
    local body = cjson.decode(sent[1].body)
    assert.are.same({ { en = "Shipped" }, { external_id = { "user-42" } }, "push" },
      { body.contents, body.include_aliases, body.target_channel })

    srv:fault_on("create_notification", { NOBODY, { status = 400 } })
    assert.are.equal(200, (app:get("/shipped?user=user-43")))
    assert.are.equal(200, (app:get("/shipped?user=user-44")))
    -- one line each: nothing logged for the push that was sent
    local nobody, failed = logged("nobody to send to"), logged("create_notification failed")
    assert.are.equal(1, #nobody)
    assert.matches("%[warn%].- README%.md:%d+: nobody to send to: All included players are not subscribed", nobody[1])
    assert.are.equal(1, #failed)
    assert.matches("%[error%].- README%.md:%d+: onesignal: create_notification failed: HTTP 400", failed[1])
    assert.is_nil(app:error_log():find(srv.rest_key, 1, true))
  end)

  it("sends from a timer after the response, and logs why nobody was reached or the send failed", function()
    local status, text = app:get("/welcome?user=user-7")
    assert.are.same({ 200, "welcome!\n" }, { status, text })
    local sent
    for _ = 1, 250 do
      sent = notifications_for("user-7")
      if #sent > 0 then break end
      shell.sleep(0.02)
    end
    assert.are.equal(1, #sent)
    assert.are.equal("Welcome!", cjson.decode(sent[1].body).contents.en)
    shell.sleep(0.2) -- the timer logs right after the answer: nothing, for a push that was sent
    assert.are.same({}, app:error_log():match("welcome push") and { app:error_log() } or {})

    srv:fault_on("create_notification", { NOBODY, { status = 400 } })
    app:get("/welcome?user=user-8")
    logged("welcome push reached nobody") -- (waits for that timer's line)
    app:get("/welcome?user=user-9")
    local failed = logged("welcome push failed")
    -- every timer has run by now: each request waited for the line of the one before
    local nobody = logged("welcome push reached nobody")
    assert.are.equal(1, #nobody)
    assert.matches("%[warn%].- README%.md:%d+: welcome push reached nobody", nobody[1])
    assert.are.equal(1, #failed)
    assert.matches("%[error%].- README%.md:%d+: welcome push failed: onesignal: create_notification failed: HTTP 400",
      failed[1])
    assert.is_nil(app:error_log():find(srv.rest_key, 1, true))
  end)
end)
