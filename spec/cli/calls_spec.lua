-- bin/onesignal making real calls against the test server: every operation sends what the library sends
-- for the same arguments, the shortcuts build the right bodies, and the answers are printed as sent.
local json = require("onesignal.json")
local operations = require("onesignal.operations")
local server = require("support.server")
local files = require("support.files")
local samples = require("support.samples")
local run = require("cli.run")
local exit = require("onesignal.cli.exit")
local cjson = require("cjson")

local function scalar(v)
  if type(v) == "number" and v == math.floor(v) then return string.format("%d", v) end
  return tostring(v)
end

-- The command line for a sample call: nil app ids left out (the environment gives one), the body as
-- --json, the options as --query.
local function words_for(name, sample)
  local op = operations.by_name[name]
  local words = { name }
  for i, param in ipairs(op.positional) do
    local value = sample.args[i]
    if param.where == "body" then
      if value ~= nil then
        words[#words + 1] = "--json"
        words[#words + 1] = json.encode(value, "sample")
      end
    elseif value ~= nil then
      words[#words + 1] = scalar(value)
    end
  end
  local names = {}
  for option in pairs(sample.options or {}) do names[#names + 1] = option end
  table.sort(names)
  for _, option in ipairs(names) do
    local value = sample.options[option]
    for _, item in ipairs(type(value) == "table" and value or { value }) do
      words[#words + 1] = "--query"
      words[#words + 1] = option .. "=" .. scalar(item)
    end
  end
  return words
end

local function without_key(text)
  if not text or text == "" then return nil end
  local body = cjson.decode(text)
  if type(body) == "table" then body.idempotency_key = nil end
  return body
end

describe("onesignal against the test server", function()
  local srv, client, env

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end,
    function(s) return { organization_api_key = s.org_key, max_retries = 0 } end)

  setup(function() env = run.env_for(srv) end)

  describe("sends what the library sends for", function()
    local all = samples.all({})
    for _, op in ipairs(operations.list) do
      it(op.name, function()
        local sample = samples.all({ app_id = srv.app_id, org_id = srv.org_id })[op.name]
        assert.is_table(all[op.name], "no sample")
        local r = run.cli(words_for(op.name, sample), env)
        assert.is_true(r.code == exit.OK or r.code == exit.API, r.stderr)
        samples.call(client, op.name, sample)
        local recorded = srv:requests()
        assert.are.equal(2, #recorded)
        local by_cli, by_library = recorded[1], recorded[2]
        assert.are.equal(op.name, by_cli.operation)
        assert.are.equal(by_library.method, by_cli.method)
        assert.are.equal(by_library.path, by_cli.path)
        assert.are.equal(by_library.query, by_cli.query)
        assert.are.equal(by_library.headers.authorization, by_cli.headers.authorization)
        assert.are.same(without_key(by_library.body), without_key(by_cli.body))
      end)
    end
  end)

  it("prints the answer as the server wrote it: key order, [] and {} kept", function()
    local r = run.cli({ "create_user", "--json", '{"identity":{"external_id":"u-1"},"subscriptions":[]}',
      "--compact" }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches('^{"identity":{"external_id":"u%-1","onesignal_id":"[%x%-]+"},"properties":{"tags":{}},'
      .. '"subscriptions":%[%]}\n$', r.stdout)
  end)

  -- Raw control characters in a string are not JSON, yet the decoder takes them: printed as they came, an
  -- escape sequence reached the terminal and `| jq` refused the answer. They are printed escaped.
  it("prints a control character the server left raw in a string as its JSON escape", function()
    local body = '{"name":"\27[2J\27]0;title\7 tab\9end","list":["\0"]}'
    for _, case in ipairs({ { status = 200, code = exit.OK }, { status = 400, code = exit.API } }) do
      srv:fault({ match = { operation = "get_segments" },
        steps = { { status = case.status, body = body, content_type = "application/json" } } })
      local r = run.cli({ "get_segments", "--compact" }, env)
      assert.are.equal(case.code, r.code, r.stderr)
      assert.are.equal('{"name":"\\u001b[2J\\u001b]0;title\\u0007 tab\\u0009end","list":["\\u0000"]}\n', r.stdout)
      assert.are.same({ name = "\27[2J\27]0;title\7 tab\9end", list = { "\0" } }, cjson.decode(r.stdout))
    end
  end)

  it("takes APP_ID from the command line when given, and from --app-id over the environment", function()
    assert.are.equal(exit.OK, run.cli({ "get_segments", "app-from-words" }, env).code)
    assert.are.equal(exit.OK, run.cli({ "get_segments", "--app-id", "app-from-flag" }, env).code)
    local recorded = srv:requests()
    assert.are.equal("/apps/app-from-words/segments", recorded[1].path)
    assert.are.equal("/apps/app-from-flag/segments", recorded[2].path)
  end)

  -- With a UTF-8 byte order mark in front too: editors on Windows save one, and RFC 8259 lets a reader
  -- ignore it.
  for _, case in ipairs({ { "", "" }, { "\239\187\191", ", after a UTF-8 byte order mark" } }) do
    local mark = case[1]
    it("reads --json from a file and from standard input" .. case[2], function()
      local file = files.temp(mark .. '{ "identity": { "external_id": "from-file" } }')
      assert.are.equal(exit.OK, run.cli({ "create_user", "--json", "@" .. file }, env).code)
      os.remove(file)
      assert.are.equal(exit.OK, run.cli({ "create_user", "--json", "-" }, env,
        { stdin = mark .. '{"identity":{"external_id":"from-stdin"}}' }).code)
      local recorded = srv:requests()
      assert.are.equal("from-file", cjson.decode(recorded[1].body).identity.external_id)
      assert.are.equal("from-stdin", cjson.decode(recorded[2].body).identity.external_id)
    end)
  end

  describe("shortcuts", function()
    local function sent_body(words)
      local r = run.cli(words, env)
      assert.are.equal(exit.OK, r.code, r.stderr)
      local recorded = srv:requests()
      assert.are.equal("create_notification", recorded[#recorded].operation)
      local body = cjson.decode(recorded[#recorded].body)
      assert.matches("^[%x%-]+$", body.idempotency_key)
      body.idempotency_key = nil
      return body, r
    end

    it("push: aliases, segments, title, message, url, data and language", function()
      local body = sent_body({ "push", "--to", "external_id:u-1", "--to", "external_id:u-2", "--to", "crm_id:c-9",
        "--segment", "VIP", "--exclude-segment", "Churned", "--title", "Bonjour", "--message", "Salut",
        "--language", "fr", "--url", "https://example.com/x", "--data", '{"order":1234,"tags":[]}',
        "--name", "welcome" })
      assert.are.same({
        app_id = srv.app_id, target_channel = "push",
        include_aliases = { external_id = { "u-1", "u-2" }, crm_id = { "c-9" } },
        included_segments = { "VIP" }, excluded_segments = { "Churned" },
        headings = { fr = "Bonjour" }, contents = { fr = "Salut" }, url = "https://example.com/x",
        data = { order = 1234, tags = {} }, name = "welcome",
      }, body)
    end)

    it("email: subject, HTML body and sender", function()
      local body = sent_body({ "email", "--subscription", "sub-1", "--subject", "Your order",
        "--message", "<p>Shipped</p>", "--from-name", "Shop", "--from-email", "shop@example.com" })
      assert.are.same({
        app_id = srv.app_id, target_channel = "email", include_subscription_ids = { "sub-1" },
        email_subject = "Your order", email_body = "<p>Shipped</p>", email_from_name = "Shop",
        email_from_address = "shop@example.com",
      }, body)
    end)

    it("sms: message, sender and media; a template instead of content", function()
      local body = sent_body({ "sms", "--segment", "Subscribed Users", "--message", "Code 1234", "--from",
        "+15555550100", "--media-url", "https://example.com/a.png" })
      assert.are.same({
        app_id = srv.app_id, target_channel = "sms", included_segments = { "Subscribed Users" },
        contents = { en = "Code 1234" }, sms_from = "+15555550100", sms_media_urls = { "https://example.com/a.png" },
      }, body)
      body = sent_body({ "sms", "--to", "external_id:u-1", "--template", "tpl-1", "--send-after",
        "2030-01-01 10:00:00 GMT+0000" })
      assert.are.same({ app_id = srv.app_id, target_channel = "sms", include_aliases = { external_id = { "u-1" } },
        template_id = "tpl-1", send_after = "2030-01-01 10:00:00 GMT+0000" }, body)
    end)

    it("start from --json and add the flags to it", function()
      local body = sent_body({ "push", "--json", '{"included_segments":["A"],"contents":{"de":"Hallo"},"ttl":60}',
        "--segment", "B", "--message", "Hello" })
      assert.are.same({ app_id = srv.app_id, target_channel = "push", included_segments = { "A", "B" },
        contents = { de = "Hallo", en = "Hello" }, ttl = 60 }, body)
    end)

    it("repeat a send with the same idempotency key, which the server replays", function()
      local words = { "push", "--segment", "All", "--message", "once", "--idempotency-key",
        "5e0c7f0e-8a3b-4d5e-9f60-718293a4b5c6", "--verbose" }
      local first = run.cli(words, env)
      local second = run.cli(words, env)
      assert.are.equal(exit.OK, second.code, second.stderr)
      assert.are.equal(first.stdout, second.stdout)
      assert.matches("replayed", second.stderr)
      assert.are.equal(1, srv:stats().notifications_created)
    end)
  end)

  it("--all prints every item of every page as one array", function()
    srv:seed({ kind = "templates", count = 7 })
    local r = run.cli({ "view_templates", "--all", "--query", "limit=3", "--verbose" }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    local items = cjson.decode(r.stdout)
    assert.are.equal(7, #items)
    local seen = {}
    for _, item in ipairs(items) do seen[item.id] = true end
    local count = 0
    for _ in pairs(seen) do count = count + 1 end
    assert.are.equal(7, count)
    assert.are.equal(3, #srv:requests())
    local _, lines = r.stderr:gsub("HTTP 200", "")
    assert.are.equal(3, lines)
  end)

  it("--all on an empty list prints []", function()
    local r = run.cli({ "view_journeys", "--all" }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.are.equal("[]\n", r.stdout)
  end)

  it("--all takes a list written as null for an empty page", function()
    srv:fault({ match = { operation = "get_segments" },
      steps = { { status = 200, body = '{"total_count":0,"offset":0,"limit":300,"segments":null}' } } })
    local r = run.cli({ "get_segments", "--all" }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.are.equal("[]\n", r.stdout)
  end)

  it("--all prints the items as the server wrote them, a key it echoes redacted", function()
    -- The items were decoded and encoded again: an empty array came out as {}, keys in another order,
    -- and a key the server echoed unredacted (the single-page answer is printed redacted).
    local item = '{"z":1,"id":"t-1","a":[],"o":{},"n":1.0,"echo":"' .. srv.rest_key .. '"}'
    srv:fault({ match = { operation = "view_templates" },
      steps = { { status = 200, body = '{"templates":[' .. item .. ', ' .. item .. ']}' } } })
    local r = run.cli({ "view_templates", "--all", "--compact" }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    local printed = '{"z":1,"id":"t-1","a":[],"o":{},"n":1.0,"echo":"[REDACTED]"}'
    assert.are.equal("[" .. printed .. "," .. printed .. "]\n", r.stdout)
  end)

  -- As a single failed call reports it: the error on stderr, the failed page's error body (as the server
  -- wrote it, a key it echoes redacted) on stdout, and none of the items of the pages before it.
  it("--all stops at a failed page with its error and its error body", function()
    srv:seed({ kind = "segments", count = 5 })
    local body = '{"errors":["limit too large"],"echo":"' .. srv.rest_key .. '"}'
    srv:fault({ match = { operation = "get_segments" }, steps = { { pass = true },
      { status = 400, body = body, content_type = "application/json" } } })
    local r = run.cli({ "get_segments", "--all", "--query", "limit=2", "--compact" }, env)
    assert.are.equal(exit.API, r.code)
    assert.are.equal("onesignal: get_segments failed: HTTP 400: limit too large [1 attempt]\n", r.stderr)
    assert.are.equal('{"errors":["limit too large"],"echo":"[REDACTED]"}\n', r.stdout)
  end)

  it("--all prints no error body when the failed page has none", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { status = 500, body = "" } } })
    local r = run.cli({ "get_segments", "--all", "--max-retries", "0" }, env)
    assert.are.equal(exit.API, r.code)
    assert.matches("get_segments failed: HTTP 500", r.stderr)
    assert.are.equal("", r.stdout)
  end)

  it("--download waits for the export and saves it", function()
    srv:set({ export_ready_after = 1 })
    local file = os.tmpname()
    local r = run.cli({ "export_subscriptions", "--download", file, "--poll-interval", "0.05", "--verbose" }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("export not ready %(HTTP 404, check 1%); next check in 0.05 s", r.stderr)
    assert.matches("saved %d+ bytes to " .. file:gsub("%p", "%%%0"), r.stderr)
    local f = assert(io.open(file))
    local csv = f:read("*a")
    f:close()
    os.remove(file)
    assert.matches("^id,identifier,", csv)
    local fetches = 0
    for _, req in ipairs(srv:requests()) do
      if req.path:match("^/__files/") then
        fetches = fetches + 1
        assert.is_nil(req.headers.authorization, "the key went to the file host")
      end
    end
    assert.are.equal(2, fetches)
  end)
end)

-- An https endpoint behind a private CA (the test server's own): the system's CAs refuse its
-- certificate, and --ca-file names the one that signed it.
describe("onesignal --ca-file", function()
  local srv

  setup(function() srv = server.start({ tls = true }) end)
  teardown(function() srv:stop() end)

  it("trusts the CAs of the file it names, and only the system's without it", function()
    local env = run.env_for(srv, { ONESIGNAL_API_URL = srv.https_url })
    local refused = run.cli({ "get_segments", "--max-retries", "0" }, env)
    assert.are.equal(exit.NETWORK, refused.code, refused.stderr)
    assert.matches("tls", refused.stderr)
    local r = run.cli({ "get_segments", "--ca-file", srv.ca_file }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches('"segments"', r.stdout)
  end)
end)

describe("onesignal --verbose", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() srv:stop() end)

  -- A retry's wait would look like a hang: each attempt that another follows gets a line on stderr.
  it("says which attempts are retried, and after what", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { status = 503 }, { drop = "after_read" } } })
    local r = run.cli({ "get_segments", "--verbose" }, run.env_for(srv))
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("^onesignal: attempt 1: HTTP 503; again in %d+%.%d%d s\n"
      .. "onesignal: attempt 2: reset: [^\n]+; again in %d+%.%d%d s\n"
      .. "onesignal: HTTP %d+, 3 attempts, ", r.stderr)
  end)

  it("says nothing of attempts without --verbose", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { status = 503 } } })
    local r = run.cli({ "get_segments" }, run.env_for(srv))
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.are.equal("", r.stderr)
  end)
end)
