-- Every exit path of bin/onesignal, run as a real process against the test server: the code, what goes
-- to stdout and stderr, and that usage errors send nothing.
local server = require("support.server")
local run = require("cli.run")
local shell = require("server.harness.shell")
local shared = require("support.shared")
local runtime = require("support.runtime")
local exit = require("onesignal.cli.exit")
local main = require("onesignal.cli.main")

describe("onesignal exits", function()
  local srv, env

  setup(function()
    srv = server.start({})
    env = run.env_for(srv)
  end)

  teardown(function() srv:stop() end)

  before_each(function() srv:reset() end)

  local function nothing_sent()
    assert.are.equal(0, #srv:requests(), "a request reached the server")
  end

  it("0 on success, with the answer as JSON on stdout and nothing on stderr", function()
    local r = run.cli({ "create_user", "--json", '{"identity":{"external_id":"u-1"}}' }, env)
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.are.equal("", r.stderr)
    assert.matches('^{\n  "identity": {\n    "external_id": "u%-1",', r.stdout)
  end)

  it("0 for help and --version, printed on stdout", function()
    for _, words in ipairs({ { "help" }, { "--help" }, { "help", "get_user" }, { "get_user", "--help" },
      { "help", "push" }, { "help", "help" }, { "--version" } }) do
      local r = run.cli(words, {})
      assert.are.equal(exit.OK, r.code, table.concat(words, " "))
      assert.are_not.equal("", r.stdout)
      assert.are.equal("", r.stderr)
    end
  end)

  -- `ln -s "$PWD/bin/onesignal" ~/bin/`: arg[0] is the link, beside which there is no clone. Run from
  -- elsewhere, with a module path that holds no onesignal, so only the clone the link points to can serve.
  it("finds the clone through a symbolic link to bin/onesignal", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. run.quote(dir)))
    local link = dir .. "/onesignal"
    local pipe = io.popen("cd " .. run.quote(shared.root) .. " && pwd")
    local target = pipe:read("*l") .. "/bin/onesignal"
    pipe:close()
    assert(os.execute("ln -s " .. run.quote(target) .. " " .. run.quote(link)))
    pipe = io.popen("cd / && LUA_PATH='/nonexistent/?.lua' " .. runtime.command .. " " .. run.quote(link)
      .. " --version 2>&1")
    local out = pipe:read("*a")
    pipe:close()
    os.execute("rm -rf " .. run.quote(dir))
    assert.matches("^onesignal%-lua/", out)
  end)

  it("0 with numbers written in decimal: seconds with a fraction or without, a count of retries", function()
    for _, words in ipairs({ { "get_segments", "--timeout", "2.5", "--max-retries", "0" },
      { "get_segments", "--timeout=.5", "--max-retries=10" }, { "get_segments", "--timeout", "30" } }) do
      local r = run.cli(words, env)
      assert.are.equal(exit.OK, r.code, r.stderr)
    end
  end)

  it("help on help is the general help", function()
    assert.are.equal(run.cli({ "help" }, {}).stdout, run.cli({ "help", "help" }, {}).stdout)
  end)

  describe("2 on usage errors, sending nothing", function()
    local cases = {
      { "no operation", {}, "no operation given" },
      { "an unknown operation", { "get_usr" }, "unknown operation 'get_usr'" },
      { "help on an unknown operation", { "help", "nope" }, "unknown operation 'nope'" },
      { "an unknown flag", { "get_apps", "--colour" }, "unknown flag %-%-colour" },
      -- named as typed: it was "unknown flag -h", which is a flag the command knows
      { "an unknown single-dash flag", { "get_apps", "-help" }, "unknown flag %-help; did you mean %-%-help%? " },
      { "a flag without its value", { "get_apps", "--timeout" }, "flag %-%-timeout needs a value" },
      -- "—verbose" (an em dash a word processor put for "--") was taken for the timeout
      { "a flag with a typographic dash as a value", { "get_user", "a", "external_id", "u", "--timeout", "—verbose" },
        "flag %-%-timeout needs a value %(SECONDS%), not —verbose, which looks like the flag %-%-verbose written with"
        .. " a typographic dash" },
      { "a switch with a value", { "get_apps", "--dry-run=yes" }, "flag %-%-dry%-run takes no value" },
      { "a flag given twice", { "get_apps", "--timeout", "1", "--timeout", "2" }, "given twice" },
      { "a flag of another command", { "get_user", "external_id", "u", "--title", "x" },
        "%-%-title does not apply to get_user" },
      -- it said "create_notification has no query options", naming an operation the command line did not
      { "--query on a shortcut", { "push", "--segment", "All", "--message", "hi", "--query", "limit=1" },
        "flag %-%-query does not apply to push\n" },
      { "--all on a list that does not page", { "get_user", "external_id", "u", "--all" },
        "%-%-all does not apply" },
      { "too few arguments", { "get_user", "u-1" },
        "get_user takes 3 arguments %(APP_ID ALIAS_LABEL ALIAS_ID%), got 1" },
      { "too many arguments", { "get_apps", "x" }, "get_apps takes no arguments, got 1" },
      { "a missing body", { "create_user" }, "create_user needs a body: %-%-json BODY %(user%)" },
      { "a body where none is taken", { "get_apps", "--json", "{}" }, "get_apps takes no body" },
      -- said before standard input or the file is read: a terminal's input was awaited first, for nothing
      { "a body from standard input where none is taken", { "get_apps", "--json", "-" },
        "get_apps takes no body %(%-%-json%)\n" },
      { "a body from a file where none is taken", { "get_apps", "--json", "@/nonexistent/u.json" },
        "get_apps takes no body %(%-%-json%)\n" },
      { "too few arguments, the body from standard input", { "update_user", "external_id", "--json", "-" },
        "update_user takes 3 arguments %(APP_ID ALIAS_LABEL ALIAS_ID%), got 1\n" },
      { "arguments to a shortcut, the body from standard input", { "push", "x", "--json", "-" },
        "push takes flags only, no arguments\n" },
      { "JSON that does not parse", { "create_user", "--json", "{identity:" }, "%-%-json: not valid JSON" },
      { "a --json file that does not exist", { "create_user", "--json", "@/nonexistent/u.json" },
        "%-%-json: cannot read /nonexistent/u%.json: No such file or directory\n" },
      -- it said "cannot read : No such file or directory"
      { "a --json @ without a file's name", { "create_user", "--json", "@" },
        "%-%-json @ needs the name of a file %(%-%-json @FILE%)\n" },
      -- it read as empty text: "not valid JSON: unexpected end of text"
      { "a --json file that is a directory", { "create_user", "--json", "@/" },
        "%-%-json: cannot read /: Is a directory\n" },
      { "a query option the operation lacks", { "get_notifications", "--query", "colour=red" },
        "unknown query option 'colour' for get_notifications %(known: limit, offset, kind, time_offset%)" },
      { "a query option without '='", { "get_notifications", "--query", "limit" }, "%-%-query wants NAME=VALUE" },
      { "a non-integer where the API wants one", { "get_notifications", "--query", "limit=ten" },
        "%-%-query limit must be an integer" },
      -- 20 digits would become a float and be sent as limit=1e+20
      { "an integer too long to send as typed", { "get_notifications", "--query", "limit=99999999999999999999" },
        "%-%-query limit must be an integer of at most 15 digits, got '99999999999999999999'" },
      { "a value the API does not enumerate", { "view_templates", "--query", "channel=web" },
        "%-%-query channel must be one of push, email, sms, got 'web'\n" },
      { "a page size outside the API's bounds", { "get_segments", "--query", "limit=0" },
        "%-%-query limit must be between 1 and 300, got 0\n" },
      { "more filter values than the API takes", { "list_audit_logs", "org-1", "--query", "start_time=2000",
        "--query", "target_types=1", "--query", "target_types=2", "--query", "target_types=3", "--query",
        "target_types=4", "--query", "target_types=5", "--query", "target_types=6", "--query", "target_types=7",
        "--query", "target_types=8", "--query", "target_types=9", "--query", "target_types=10", "--query",
        "target_types=11" }, "%-%-query target_types takes at most 10 items, got 11\n" },
      { "a one-value query option given twice", { "get_notifications", "--query", "limit=5", "--query", "limit=6" },
        "%-%-query limit takes one value; it was given twice" },
      -- zero is refused too (below): the words said "non-negative"
      { "a bad number flag", { "get_apps", "--timeout", "soon" },
        "%-%-timeout must be a number of seconds in decimal digits %(30 or 2%.5%), got 'soon'" },
      { "a negative time", { "get_apps", "--timeout", "-1" },
        "%-%-timeout must be a positive number of seconds, at most 2147483 %(24%.8 days%), got '%-1'" },
      -- 2^31 ms or more was no limit at all
      { "a time beyond 2^31 ms", { "get_apps", "--timeout", "2147484" },
        "%-%-timeout must be a positive number of seconds, at most 2147483 %(24%.8 days%), got '2147484'" },
      { "an export wait beyond 2^31 ms, before the export is asked for",
        { "export_subscriptions", "--download", "/tmp/never.csv", "--export-timeout", "3000000" },
        "%-%-export%-timeout must be a non%-negative number of seconds, at most 2147483 %(24%.8 days%),"
          .. " got '3000000'" },
      -- Numbers are written in decimal, as README says: tonumber took 1e1 and 0x10 for 10 and 16, and
      -- text around the digits (an unquoted variable's " 5")
      { "a count in exponent notation", { "get_apps", "--max-retries", "1e1" },
        "%-%-max%-retries must be a non%-negative integer %(decimal digits%), got '1e1'\n" },
      { "a count in hexadecimal", { "get_apps", "--max-retries", "0x3" },
        "%-%-max%-retries must be a non%-negative integer %(decimal digits%), got '0x3'\n" },
      { "a count with a fraction of zero", { "get_apps", "--max-retries", "3.0" },
        "%-%-max%-retries must be a non%-negative integer %(decimal digits%), got '3%.0'\n" },
      -- it was "must be an integer of at most 2^53, got 1e+20", for a flag whose bound is 1000000
      { "a count too long for an integer", { "get_apps", "--max-retries", "99999999999999999999" },
        "%-%-max%-retries must be at most 1000000, got '99999999999999999999'\n" },
      { "seconds in exponent notation", { "get_apps", "--timeout", "1e1" },
        "%-%-timeout must be a number of seconds in decimal digits %(30 or 2%.5%), got '1e1'\n" },
      { "seconds in hexadecimal", { "get_apps", "--timeout", "0x10" },
        "%-%-timeout must be a number of seconds in decimal digits %(30 or 2%.5%), got '0x10'\n" },
      { "seconds with spaces around", { "get_apps", "--timeout", " 5" },
        "%-%-timeout must be a number of seconds in decimal digits %(30 or 2%.5%), got ' 5'\n" },
      { "an export wait in exponent notation, before the export is asked for",
        { "export_subscriptions", "--download", "/tmp/never.csv", "--export-timeout", "6e2" },
        "%-%-export%-timeout must be a number of seconds in decimal digits %(30 or 2%.5%), got '6e2'\n" },
      { "a poll interval in hexadecimal, before the export is asked for",
        { "export_subscriptions", "--download", "/tmp/never.csv", "--poll-interval", "0x2" },
        "%-%-poll%-interval must be a number of seconds in decimal digits %(30 or 2%.5%), got '0x2'\n" },
      { "a negative count", { "get_apps", "--max-retries", "-1" },
        "%-%-max%-retries must be a non%-negative integer %(decimal digits%), got '%-1'\n" },
      -- No environment variable sets --timeout or --max-retries, so their messages name the flag alone.
      { "a zero timeout", { "get_apps", "--timeout", "0" }, "%-%-timeout must be a positive number" },
      { "too many retries", { "get_apps", "--max-retries", "2000000" }, "%-%-max%-retries must be at most" },
      { "a bad --download wait, before the export is asked for",
        { "export_subscriptions", "--download", "/tmp/never.csv", "--poll-interval", "0" },
        "%-%-poll%-interval must be a positive number" },
      -- without --download there is no file to wait for: the flag was ignored (its value unchecked) and
      -- the export asked for as if it would be awaited
      { "a --download wait without --download", { "export_subscriptions", "--export-timeout", "60" },
        "%-%-export%-timeout applies only with %-%-download FILE" },
      { "a --poll-interval without --download", { "export_events", "n-1", "--poll-interval", "soon" },
        "%-%-poll%-interval applies only with %-%-download FILE" },
      -- "-" made a file named "-"; "" was "a directory" (it opened "/.")
      { "--download - (no standard output for the file), before the export is asked for",
        { "export_subscriptions", "--download", "-" }, "%-%-download needs the name of a file to save %(standard"
        .. " output, %-, cannot take the file: it is written whole, then moved into place%)" },
      { "an empty --download, before the export is asked for", { "export_events", "n-1", "--download=" },
        "flag %-%-download is empty" },
      -- found only once the export had been asked for (exit 1), leaving an export behind
      { "a --download file that cannot be written, before the export is asked for",
        { "export_subscriptions", "--download", "/nonexistent/dir/subs.csv" },
        "%-%-download: cannot write /nonexistent/dir/subs%.csv %(/nonexistent/dir/subs%.csv%.part: No such file" },
      { "a push without a target", { "push", "--message", "hi" }, "push needs a target" },
      { "a push without content", { "push", "--to", "external_id:u-1" }, "push needs %-%-message" },
      { "an email without subject", { "email", "--to", "external_id:u-1", "--message", "hi" },
        "email needs %-%-subject and %-%-message" },
      { "a bad --to", { "sms", "--to", "u-1", "--message", "hi" }, "%-%-to wants LABEL:ID" },
      -- arrays are not objects: '[1,2]' was sent as "data":[1,2], and '["x"]' as a field "1":"x"
      { "a --data that is an array", { "push", "--segment", "All", "--message", "hi", "--data", "[1,2]" },
        "%-%-data must be a JSON object" },
      { "a shortcut's --json that is an array", { "push", "--segment", "All", "--message", "hi", "--json", '["x"]' },
        "%-%-json must be a JSON object" },
      { "a shortcut's --json that is an empty array", { "sms", "--segment", "All", "--message", "hi", "--json",
        "[]" }, "%-%-json must be a JSON object" },
      -- the flags add to --json's fields, which must then be of the right kind: '{"contents":["a"]}' and
      -- --message were sent as "contents":{"1":"a","en":"hi"}
      { "a --json text field that is an array", { "push", "--segment", "All", "--message", "hi", "--json",
        '{"contents":["a"]}' }, "%-%-json: field contents must be an object of texts by language" },
      { "a --json list field that is an object", { "push", "--segment", "All", "--message", "hi", "--json",
        '{"included_segments":{"a":1}}' }, "%-%-json: field included_segments must be a list" },
      { "a --json include_aliases that is an array", { "push", "--to", "external_id:u-1", "--message", "hi",
        "--json", '{"include_aliases":["a"]}' }, "%-%-json: field include_aliases must be an object" },
      { "a --json alias that is not a list", { "push", "--to", "external_id:u-1", "--message", "hi",
        "--json", '{"include_aliases":{"external_id":"u-0"}}' },
        "%-%-json: field include_aliases.external_id must be a list" },
      -- an empty value (most often an unset variable: --template "$ID") was sent as it came: an empty
      -- template_id passed for content, and "" went as a segment, a subscription id or a language
      { "an empty --template standing for content", { "push", "--to", "external_id:u-1", "--template", "" },
        "flag %-%-template is empty %(an unset variable%?%)" },
      { "an empty --segment", { "push", "--segment", "", "--message", "hi" }, "flag %-%-segment is empty" },
      { "an empty --subscription among others", { "sms", "--subscription", "s-1", "--subscription=",
        "--message", "hi" }, "flag %-%-subscription is empty" },
      { "an empty --language", { "push", "--segment", "All", "--message", "hi", "--language", "" },
        "flag %-%-language is empty" },
      { "an empty --subject", { "email", "--to", "external_id:u-1", "--subject", "", "--message", "<p>x</p>" },
        "flag %-%-subject is empty" },
      -- for a flag that an environment variable backs, an empty value counted as not given: --app-id "$STAGING"
      -- (unset) called the environment's app, and an empty key flag sent the environment's key
      { "an empty --app-id", { "get_user", "external_id", "u-1", "--app-id", "" },
        "flag %-%-app%-id is empty %(an unset variable%?%)" },
      { "an empty --rest-api-key", { "get_segments", "--rest-api-key=" }, "flag %-%-rest%-api%-key is empty" },
      { "an empty --organization-api-key", { "get_apps", "--organization-api-key", "" },
        "flag %-%-organization%-api%-key is empty" },
      { "a shortcut with arguments", { "push", "extra", "--segment", "All", "--message", "hi" },
        "push takes flags only" },
      { "an argument the library refuses", { "get_user", "external_id", "" },
        "ALIAS_ID must not be empty\n" },
      -- JSON input is decoded and written again, so the writer's UTF-8 check covers it (bytes pass the reader)
      { "a --json string that is not UTF-8", { "create_notification", "--json",
        '{"contents":{"en":"bad \255 byte"},"included_segments":["All"]}' },
        "the body: field contents%.en is not valid UTF%-8 %(byte 5%)" },
      { "a --message that is not UTF-8", { "push", "--segment", "All", "--message", "bad \192\175" },
        "field contents%.en is not valid UTF%-8 %(byte 5%)" },
      { "a path argument that is not UTF-8", { "get_user", "external_id", "u\237\160\128" },
        "ALIAS_ID is not valid UTF%-8 %(byte 2%)\n" },
      { "plain http to a remote host", { "get_apps", "--api-url", "http://example.com" },
        "%-%-api%-url uses plain http to example%.com; keys would travel unencrypted %(use https, or"
          .. " %-%-allow%-http%)" },
    }
    for _, case in ipairs(cases) do
      it("for " .. case[1], function()
        local r = run.cli(case[2], env)
        assert.are.equal(exit.USAGE, r.code, r.stderr)
        assert.matches("^onesignal: .*" .. case[3], r.stderr)
        -- in the command line's words: no library prefix ("onesignal.get_user: "), no argument numbers
        assert.is_nil(r.stderr:find("onesignal%.[%w_]+: ") or r.stderr:find("%(#%d+%)"), r.stderr)
        assert.matches("Run 'onesignal help' for usage%.\n$", r.stderr)
        assert.are.equal("", r.stdout)
        nothing_sent()
      end)
    end

    -- Each said "not valid JSON: unexpected end of text at byte 1", as if some JSON had been cut short.
    it("for a --json with no text: standard input empty or closed, an empty file, blank text", function()
      local empty = os.tmpname()
      for _, case in ipairs({
        { { "create_user", "--json", "-" }, { stdin = "" }, "--json -: standard input was empty" },
        { { "create_user", "--json", "-" }, { stdin = " \n\t\r\n" },
          "--json -: standard input held only white space" },
        { { "push", "--segment", "All", "--message", "hi", "--json", "-" }, { stdin = "\239\187\191\n" },
          "--json -: standard input held only white space" },
        { { "create_user", "--json", "-" }, { stdin = false },
          "--json -: cannot read standard input: Bad file descriptor" },
        { { "create_user", "--json", "@" .. empty }, {}, "--json @" .. empty .. ": the file was empty" },
        { { "create_user", "--json", " " }, {}, "--json: the text held only white space" },
      }) do
        local r = run.cli(case[1], env, case[2])
        assert.are.equal(exit.USAGE, r.code, r.stderr)
        assert.are.equal("onesignal: " .. case[3] .. "\nRun 'onesignal help' for usage.\n", r.stderr)
      end
      os.remove(empty)
      nothing_sent()
    end)

    -- A value the environment gave is named by its variable: the command line had no flag of it.
    it("for a bad $ONESIGNAL_API_URL, named as the variable", function()
      local r = run.cli({ "get_apps" }, run.env_for(srv, { ONESIGNAL_API_URL = "http://example.com" }))
      assert.are.equal(exit.USAGE, r.code, r.stderr)
      assert.matches("^onesignal: %$ONESIGNAL_API_URL uses plain http to example%.com; keys would travel", r.stderr)
      nothing_sent()
    end)

    -- A directory cannot be replaced by the file: that was found only once the export had been asked for
    -- and fetched (exit 1, the export left behind).
    it("for a --download FILE that is a directory, before the export is asked for", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(shell.run("mkdir " .. run.quote(dir)), "cannot create " .. dir)
      local r = run.cli({ "export_subscriptions", "--download", dir }, env)
      local part = io.open(dir .. ".part")
      os.execute("rm -rf " .. run.quote(dir) .. " " .. run.quote(dir .. ".part"))
      assert.are.equal(exit.USAGE, r.code, r.stderr)
      assert.are.equal("onesignal: --download: " .. dir .. " is a directory (give the name of the file to save)\n"
        .. "Run 'onesignal help' for usage.\n", r.stderr)
      assert.is_nil(part, "the probe's " .. dir .. ".part was left behind")
      nothing_sent()
    end)

    it("for a missing key, naming the variable and the flag", function()
      local r = run.cli({ "get_apps" }, run.env_for(srv, { ONESIGNAL_ORGANIZATION_API_KEY = false }))
      assert.are.equal(exit.USAGE, r.code)
      assert.matches("get_apps needs an Organization API key: set ONESIGNAL_ORGANIZATION_API_KEY or pass "
        .. "%-%-organization%-api%-key", r.stderr)
      r = run.cli({ "get_segments" }, run.env_for(srv, { ONESIGNAL_REST_API_KEY = false }))
      assert.are.equal(exit.USAGE, r.code)
      assert.matches("needs a REST API key", r.stderr)
      -- before standard input is read: said only once it had been (on a terminal, awaited for nothing)
      r = run.cli({ "create_user", "--json", "-" }, run.env_for(srv, { ONESIGNAL_REST_API_KEY = false }))
      assert.are.equal(exit.USAGE, r.code)
      assert.matches("create_user needs a REST API key", r.stderr)
      nothing_sent()
    end)

    -- A key pasted where a name or a value goes is quoted back by the message about it, redacted: a key
    -- from the environment, or one given by a flag (parsed or not yet).
    it("for a key given as a query option's name or a body field's, without the key", function()
      local flag_key = "flag-key-" .. string.rep("x", 24)
      for _, words in ipairs({ { "get_segments", "--query", srv.rest_key .. "=1" },
        { "create_user", "--json", '{"identity":{"' .. srv.rest_key .. '":"bad \255"}}' },
        { "get_notifications", "--query", srv.org_key .. "=1" },
        { srv.rest_key },
        { "get_segments", "--timeout", srv.org_key },
        { "get_segments", "--rest-api-key", flag_key, "--max-retries", flag_key },
        { "get_segments", "--organization-api-key=" .. flag_key, "--timeout", flag_key } }) do
        local r = run.cli(words, env)
        assert.are.equal(exit.USAGE, r.code, r.stderr)
        assert.matches("%[REDACTED%]", r.stderr)
        assert.is_nil(r.stderr:find(srv.rest_key, 1, true), r.stderr)
        assert.is_nil(r.stderr:find(srv.org_key, 1, true), r.stderr)
        assert.is_nil(r.stderr:find(flag_key, 1, true), r.stderr)
      end
      nothing_sent()
    end)

    it("for a missing APP_ID when no default app id is set", function()
      local r = run.cli({ "get_user", "external_id", "u-1" }, run.env_for(srv, { ONESIGNAL_APP_ID = false }))
      assert.are.equal(exit.USAGE, r.code)
      assert.matches("APP_ID may be left out only when %-%-app%-id or ONESIGNAL_APP_ID gives one", r.stderr)
      nothing_sent()
    end)
  end)

  it("3 on an API error, with the error on stderr and the error body on stdout", function()
    local r = run.cli({ "get_user", "external_id", "nobody" }, env)
    assert.are.equal(exit.API, r.code)
    assert.are.equal("onesignal: get_user failed: HTTP 404: User not found [1 attempt]\n", r.stderr)
    assert.matches('"code": "user%-not%-found"', r.stdout)
  end)

  it("3 on a wrong key (403), without the key anywhere", function()
    local r = run.cli({ "get_segments", "--rest-api-key", "wrong-key-1234567890" }, env)
    assert.are.equal(exit.API, r.code)
    assert.matches("HTTP 403", r.stderr)
    assert.is_nil((r.stdout .. r.stderr):find("wrong-key-1234567890", 1, true))
  end)

  it("3 when the API answers that a message reached nobody", function()
    local r = run.cli({ "push", "--segment", "Empty Segment", "--message", "hi" }, env)
    assert.are.equal(exit.API, r.code)
    assert.matches('"id": ""', r.stdout)
    assert.matches("nothing was sent: All included players are not subscribed", r.stderr)
  end)

  -- `errors` beside an empty id takes every shape of the API's error envelopes (the spec calls it
  -- polymorphic); the reason is read as err.messages reads it, not only as a list of strings.
  it("3 with the reason when the API says why nobody was reached in another shape", function()
    local cases = {
      { '{"id":"","errors":{"invalid_aliases":{"external_id":["u-9"]}}}', "invalid_aliases: " },
      { '{"id":"","errors":[{"code":"no-subscribers","title":"No subscribed users"}]}', "No subscribed users" },
      { '{"id":"","errors":"All included players are not subscribed"}', "All included players are not subscribed" },
      { '{"id":""}', "no reason given" },
    }
    for _, case in ipairs(cases) do
      srv:fault({ match = { operation = "create_notification" },
        steps = { { status = 200, body = case[1], content_type = "application/json" } } })
      local r = run.cli({ "push", "--to", "external_id:u-9", "--message", "hi" }, env)
      assert.are.equal(exit.API, r.code, case[1] .. ": " .. r.stderr)
      assert.are.equal("onesignal: nothing was sent: " .. case[2],
        r.stderr:sub(1, #"onesignal: nothing was sent: " + #case[2]), case[1])
      assert.is_nil(r.stderr:find("internal error", 1, true), r.stderr)
    end
  end)

  -- The reason is the server's text, on a terminal: a key it echoes must not show (a 2xx body is not
  -- redacted by the library) and escape sequences or line breaks must not reach the terminal raw.
  it("3 with a reason that carries no key and no control characters", function()
    local body = '{"id":"","errors":["\\u001b[2J\\u001b]0;title\\u0007 cleared\\nInjected:\\u009b key '
      .. srv.rest_key .. '"]}'
    srv:fault({ match = { operation = "create_notification" },
      steps = { { status = 200, body = body, content_type = "application/json" } } })
    local r = run.cli({ "push", "--to", "external_id:u-9", "--message", "hi" }, env)
    assert.are.equal(exit.API, r.code, r.stderr)
    assert.are.equal("onesignal: nothing was sent:  [2J ]0;title  cleared Injected:  key [REDACTED]\n", r.stderr)
    assert.is_nil(r.stdout:find(srv.rest_key, 1, true))
  end)

  it("4 on a network error", function()
    local r = run.cli({ "get_segments", "--api-url", "http://127.0.0.1:1", "--max-retries", "0" }, env)
    assert.are.equal(exit.NETWORK, r.code)
    assert.matches("^onesignal: get_segments failed: network error %(connect%)", r.stderr)
    assert.are.equal("", r.stdout)
  end)

  it("4 on a timeout", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 3 } } })
    local r = run.cli({ "get_segments", "--timeout", "0.2", "--max-retries", "0" }, env)
    assert.are.equal(exit.NETWORK, r.code)
    assert.matches("timeout error", r.stderr)
  end)

  it("4 when an export never becomes ready", function()
    srv:set({ export_ready_after = 100 })
    local file = os.tmpname()
    os.remove(file)
    local r = run.cli({ "export_subscriptions", "--download", file, "--export-timeout", "0.3",
      "--poll-interval", "0.1" }, env)
    assert.are.equal(exit.NETWORK, r.code, r.stderr)
    assert.matches("export file was not ready after %d+ checks", r.stderr)
    assert.matches('"csv_file_url"', r.stdout)
    assert.is_nil(io.open(file))
  end)

  -- An empty or relative csv_file_url was refused by download_export as a usage error, which the command
  -- line reported as an internal error (exit 1) although the answer was at fault.
  it("5 when the export's answer has no URL to download, the answer printed", function()
    local cases = {
      { '{"csv_file_url":null}', "the answer has no csv_file_url to download" },
      { '{"csv_file_url":""}', "the answer's csv_file_url is not an http(s) URL to download" },
      { '{"csv_file_url":"/exports/subs.csv.gz"}', "the answer's csv_file_url is not an http(s) URL to download" },
    }
    for _, case in ipairs(cases) do
      srv:fault({ match = { operation = "export_subscriptions" }, steps = { { status = 200, body = case[1] } } })
      local file = os.tmpname()
      os.remove(file)
      local r = run.cli({ "export_subscriptions", "--download", file, "--compact" }, env)
      assert.are.equal(exit.DECODE, r.code, case[1] .. ": " .. r.stderr)
      assert.are.equal("onesignal: " .. case[2] .. "\n", r.stderr, case[1])
      assert.are.equal(case[1] .. "\n", r.stdout)
      assert.is_nil(io.open(file .. ".part"), "a .part file was left behind")
    end
  end)

  it("5 when a 2xx answer is not JSON", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { status = 200, body = "<html>hi</html>" } } })
    local r = run.cli({ "get_segments" }, env)
    assert.are.equal(exit.DECODE, r.code)
    assert.matches("decode error %(json%)", r.stderr)
  end)

  it("1 when the downloaded file cannot be saved", function()
    -- FILE.part can be opened (a missing directory is a usage error, found before the export is asked
    -- for), but the disk is full: FILE.part is a link to /dev/full, which refuses every byte written.
    srv:set({ export_ready_after = 0 })
    local file = os.tmpname()
    os.remove(file)
    assert(shell.run("ln -s /dev/full " .. run.quote(file .. ".part")), "cannot link " .. file .. ".part")
    local r = run.cli({ "export_subscriptions", "--download", file }, env)
    local part = io.open(file .. ".part")
    os.remove(file .. ".part")
    assert.are.equal(exit.INTERNAL, r.code, r.stderr)
    assert.matches("download_export failed: io error %(file%): cannot write the export: No space left on device",
      r.stderr)
    assert.is_nil(io.open(file), "a file was saved")
    assert.is_nil(part, "FILE.part was left behind")
  end)

  -- A script that saves the answer (`onesignal get_segments > segments.json`) must hear of a full disk.
  it("1 when the answer cannot be written to standard output", function()
    for _, words in ipairs({ { "get_segments" }, { "get_segments", "--dry-run" }, { "help" }, { "--version" } }) do
      local r = run.cli(words, env, { stdout = "/dev/full" })
      assert.are.equal(exit.INTERNAL, r.code, table.concat(words, " "))
      assert.matches("^onesignal: cannot write to standard output: No space left on device\n$", r.stderr)
    end
    -- an error's own code stays; the write problem is said too
    srv:fault({ match = { operation = "get_segments" }, steps = { { status = 400 } } })
    local r = run.cli({ "get_segments" }, env, { stdout = "/dev/full" })
    assert.are.equal(exit.API, r.code)
    assert.matches("HTTP 400", r.stderr)
    assert.matches("cannot write to standard output", r.stderr)
  end)

  -- `onesignal … | head -c1`, the reader gone when the answer comes (the server waits first). With SIGPIPE
  -- ignored, as some parents leave it (and as specs before this one may leave busted), the write fails: one
  -- line and exit 1, never a Lua traceback. With SIGPIPE as a shell leaves it, the signal ends the command
  -- silently, as any Unix tool: nothing of the command's own to test.
  it("1 on a closed pipe, in one line", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 0.3 } } })
    local err, status = os.tmpname(), os.tmpname()
    local words = { "cd", run.quote(shared.root), "&& ( trap '' PIPE; env -u ONESIGNAL_DEBUG" }
    for name, value in pairs(env) do words[#words + 1] = run.quote(name .. "=" .. value) end
    words[#words + 1] = runtime.command .. " bin/onesignal get_segments 2>" .. run.quote(err)
      .. "; echo $? >" .. run.quote(status) .. ") | true"
    os.execute(table.concat(words, " "))
    local code, message = tonumber(shell.read_file(status)), shell.read_file(err)
    os.remove(err)
    os.remove(status)
    assert.are.equal(exit.INTERNAL, code)
    assert.are.equal("onesignal: cannot write to standard output: Broken pipe\n", message)
  end)

  it("1 on an internal error, reported in one line", function()
    local errors = {}
    local broken = { write = function() error("disk on fire") end, flush = function() end }
    local code = main.main({ "--version" }, { stdout = broken, stdin = io.stdin,
      stderr = { write = function(_, ...) for _, s in ipairs({ ... }) do errors[#errors + 1] = s end end } })
    assert.are.equal(exit.INTERNAL, code)
    assert.matches("^onesignal: internal error: .*disk on fire\n$", table.concat(errors))
  end)
end)
