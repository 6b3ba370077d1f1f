-- The command line's words: flags anywhere, both spellings of values, `--`, repeats, and messages that
-- never repeat a value.
local args = require("onesignal.cli.args")

local function usage_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "no error")
  assert.is_table(err)
  return err.usage
end

describe("onesignal.cli.args", function()
  it("takes flags before, between and after the words, as --name value or --name=value", function()
    local parsed = args.parse({ "--dry-run", "get_user", "--app-id", "a1", "external_id", "--timeout=5", "u-1",
      "--verbose" })
    assert.are.same({ "get_user", "external_id", "u-1" }, parsed.words)
    assert.are.same({ ["dry-run"] = true, ["app-id"] = "a1", timeout = "5", verbose = true }, parsed.flags)
  end)

  it("collects repeatable flags in order, keeps '=' inside values, and takes -h for --help", function()
    local parsed = args.parse({ "x", "--query", "a=1", "--query=b=2=3", "-h" })
    assert.are.same({ "a=1", "b=2=3" }, parsed.flags.query)
    assert.is_true(parsed.flags.help)
  end)

  it("treats everything after -- (and a lone -) as words", function()
    local parsed = args.parse({ "get_user", "--", "external_id", "--not-a-flag", "-" })
    assert.are.same({ "get_user", "external_id", "--not-a-flag", "-" }, parsed.words)
    assert.are.same({}, parsed.flags)
  end)

  it("refuses unknown flags, missing values, values on switches and repeated single flags", function()
    assert.are.equal("unknown flag --nope (see onesignal help)", usage_of(args.parse, { "--nope" }))
    assert.are.equal("unknown flag -x (see onesignal help)", usage_of(args.parse, { "-x" }))
    assert.are.equal("unknown flag -help; did you mean --help? (see onesignal help)", usage_of(args.parse, { "-help" }))
    assert.are.equal("flag --app-id is empty (an unset variable?)", usage_of(args.parse, { "--app-id=" }))
    assert.are.equal("flag --segment is empty (an unset variable?)",
      usage_of(args.parse, { "--segment", "a", "--segment", "" }))
    assert.are.equal("flag --json needs a value (BODY)", usage_of(args.parse, { "create_user", "--json" }))
    assert.are.equal("flag --all takes no value", usage_of(args.parse, { "--all=yes" }))
    assert.are.equal("flag --app-id is given twice", usage_of(args.parse, { "--app-id", "a", "--app-id=b" }))
  end)

  it("never takes a known flag for the value of the flag before it", function()
    assert.are.equal("flag --app-id needs a value (ID), not the flag --rest-api-key (write --app-id=VALUE for"
      .. " a value that starts with a dash)", usage_of(args.parse, { "--app-id", "--rest-api-key", "K" }))
    local message = usage_of(args.parse, { "--json", "--organization-api-key=SECRET-3" })
    assert.matches("not the flag %-%-organization%-api%-key ", message)
    assert.is_nil(message:find("SECRET-3", 1, true))
    assert.matches("not the flag %-%-help ", usage_of(args.parse, { "--app-id", "-h" }))
    -- nor one it does not know: `--app-id --rest-api-kye KEY` made KEY a positional argument
    assert.matches("not the flag %-%-rest%-api%-kye ", usage_of(args.parse, { "--app-id", "--rest-api-kye", "K" }))
    assert.matches("not the flag %-%-not%-a%-flag ", usage_of(args.parse, { "--message", "--not-a-flag=x" }))
    assert.matches("not the flag %-%-rest_api_key ", usage_of(args.parse, { "--app-id", "--rest_api_key", "K" }))
    assert.matches("not the flag %-%-Rest_Api_Key ", usage_of(args.parse, { "--app-id", "--Rest_Api_Key=K" }))
    -- one dash before a flag's name: only a name the command knows, for a value may start with a dash
    assert.matches("not the flag %-rest%-api%-key ", usage_of(args.parse, { "--app-id", "-rest-api-key", "K" }))
    assert.matches("not the flag %-segment ", usage_of(args.parse, { "--message", "-segment=All" }))
    assert.are.same({ message = "-hello", title = "-rest-api-kye" },
      args.parse({ "--message", "-hello", "--title", "-rest-api-kye" }).flags)
    -- other values that start with a dash stay values, and after '=' any value
    assert.are.same({ message = "-- see below", subject = "-", language = "-x" },
      args.parse({ "--message", "-- see below", "--subject", "-", "--language", "-x" }).flags)
    assert.are.same({ message = "--rest-api-key" }, args.parse({ "--message=--rest-api-key" }).flags)
  end)

  -- `--timeout —verbose` (a command pasted from a document whose "--" became an em dash) took "—verbose" for
  -- the timeout, and `--app-id –rest-api-key KEY` made KEY a positional argument.
  it("never takes a flag written with a typographic dash for the value of the flag before it", function()
    assert.are.equal("flag --timeout needs a value (SECONDS), not —verbose, which looks like the flag --verbose"
      .. " written with a typographic dash (— or – where -- belongs, as word processors replace it; write"
      .. " --timeout=VALUE for a value that starts with one)",
      usage_of(args.parse, { "get_user", "a", "external_id", "u", "--timeout", "—verbose" }))
    local message = usage_of(args.parse, { "--app-id", "–rest-api-key=SECRET-4" })
    assert.matches("^flag %-%-app%-id needs a value %(ID%), not –rest%-api%-key, which looks like the flag"
      .. " %-%-rest%-api%-key written", message)
    assert.is_nil(message:find("SECRET-4", 1, true))
    assert.matches("not —%-rest_api_kye, which looks like the flag %-%-rest_api_kye ",
      usage_of(args.parse, { "--app-id", "—-rest_api_kye", "K" }))
    -- a value with a dash that is no flag's spelling stays a value, and after '=' any value
    assert.are.same({ message = "— see below", title = "—", subject = "–5%", language = "—x" },
      args.parse({ "--message", "— see below", "--title", "—", "--subject", "–5%", "--language=—x" }).flags)
  end)

  it("never repeats the value of a flag it refuses", function()
    for _, word in ipairs({ "--rest-api-kye=SECRET-1", "--rest-api-key-SECRET-1=SECRET-1" }) do
      local message = usage_of(args.parse, { "get_apps", word })
      assert.is_nil(message:find("SECRET-1=", 1, true), message)
      assert.is_nil(message:find("=SECRET-1", 1, true), message)
    end
    local message = usage_of(args.parse, { "--dry-run=SECRET-2" })
    assert.is_nil(message:find("SECRET-2", 1, true))
  end)

  it("checks which commands a flag applies to", function()
    args.check_allowed({ ["dry-run"] = true, json = "{}" }, "create_user", { call = true })
    args.check_allowed({ title = "t", to = { "a:b" } }, "push", { call = true, push = true })
    assert.are.equal("flag --title does not apply to sms",
      usage_of(args.check_allowed, { title = "t" }, "sms", { call = true, sms = true }))
    assert.are.equal("flag --download does not apply to get_user",
      usage_of(args.check_allowed, { download = "f" }, "get_user", { call = true }))
  end)

  it("documents every flag with a help line and a group", function()
    for name, spec in pairs(args.FLAGS) do
      assert.is_string(spec.help, name)
      assert.is_string(spec.who, name)
    end
  end)
end)
