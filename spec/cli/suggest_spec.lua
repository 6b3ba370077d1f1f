-- "Did you mean": a mistyped operation, flag or query option gets the one close word the command knows,
-- in the usage error (exit 2, nothing sent), and nothing of the word typed is shown again by it.
local server = require("support.server")
local run = require("cli.run")
local exit = require("onesignal.cli.exit")
local suggest = require("onesignal.cli.suggest")

describe("onesignal.cli.suggest", function()
  local OPS = { "get_user", "get_users", "get_segment", "get_segments", "create_user", "push", "help" }

  it("takes the one word a typo away: an edit, a swap, case and _ / - alike", function()
    assert.are.equal("create_user", suggest.closest("creat_user", OPS))
    assert.are.equal("create_user", suggest.closest("craete_user", OPS))
    assert.are.equal("get_segment", suggest.closest("get_segmnt", OPS)) -- get_segments is 2 away
    assert.are.equal("get_user", suggest.closest("Get-User", OPS))
    assert.are.equal("push", suggest.closest("psuh", OPS))
    assert.are.equal("max-retries", suggest.closest("max-retires", { "max-retries", "timeout" }))
    assert.are.equal("max-retries", suggest.closest("max_retries", { "max-retries", "timeout" }))
  end)

  it("takes a word that begins exactly one of them", function()
    assert.are.equal("idempotency-key", suggest.closest("idempotency", { "idempotency-key", "timeout" }))
    assert.is_nil(suggest.closest("get_seg", OPS), "two begin with it") -- and get_user is 2 edits away
    assert.are.equal("get_segment", suggest.closest("get_segmen", OPS)) -- it begins two, one a typo away
    assert.is_nil(suggest.closest("ti", { "timeout" }), "too short a beginning")
  end)

  it("makes no guess when nothing is close, or two are equally close", function()
    assert.is_nil(suggest.closest("delete_everything", OPS))
    assert.is_nil(suggest.closest("xyz", { "to", "url" }))
    assert.is_nil(suggest.closest("get_usr", { "get_user", "get_usa" }))
    assert.is_nil(suggest.closest(("get_user"):rep(10), OPS))
  end)
end)

describe("a CLI usage error for a mistyped word", function()
  local srv, env

  setup(function()
    srv = server.start({})
    env = run.env_for(srv)
  end)

  teardown(function() srv:stop() end)

  before_each(function() srv:reset() end)

  local cases = {
    { "an operation", { "get_usr", "external_id", "u-1" },
      "unknown operation 'get_usr'; did you mean get_user? (onesignal help lists them)" },
    { "an operation written with dashes", { "get-notifications" },
      "unknown operation 'get-notifications'; did you mean get_notifications?" },
    { "a shortcut", { "psuh", "--segment", "All", "--message", "hi" }, "unknown operation 'psuh'; did you mean push?" },
    { "help on an operation", { "help", "view_templtes" },
      "unknown operation 'view_templtes'; did you mean view_templates?" },
    { "a flag", { "get_notifications", "--max-retires", "1" },
      "unknown flag --max-retires; did you mean --max-retries? (see onesignal help)" },
    { "a flag with its value after =", { "get_notifications", "--max-retires=1" },
      "unknown flag --max-retires; did you mean --max-retries?" },
    { "the beginning of a flag", { "push", "--segment", "All", "--message", "hi", "--idempotency", "k" },
      "unknown flag --idempotency; did you mean --idempotency-key?" },
    { "a long flag written with one dash", { "get_apps", "-verbose" },
      "unknown flag -verbose; did you mean --verbose? (see onesignal help)" },
    { "a query option", { "get_notifications", "--query", "limt=5" },
      "unknown query option 'limt' for get_notifications; did you mean limit? (known: limit, offset, kind," },
  }
  for _, case in ipairs(cases) do
    it("suggests for " .. case[1], function()
      local r = run.cli(case[2], env)
      assert.are.equal(exit.USAGE, r.code, r.stderr)
      assert.are.equal("onesignal: ", r.stderr:sub(1, 11))
      assert.is_truthy(r.stderr:find(case[3], 12, true), r.stderr)
      assert.are.equal(0, #srv:requests(), "a request reached the server")
    end)
  end

  it("suggests nothing when nothing is close", function()
    for _, words in ipairs({ { "launch_rockets" }, { "get_apps", "--colour" }, { "get_apps", "-x" } }) do
      local r = run.cli(words, env)
      assert.are.equal(exit.USAGE, r.code, r.stderr)
      assert.is_nil(r.stderr:find("did you mean", 1, true), r.stderr)
    end
  end)

  -- The suggestion is a word of the command's: a key pasted for an operation or a flag is no closer to
  -- one than any other text, and a key close to a flag's name is not shown by its suggestion.
  it("never shows a key again", function()
    local key = "os_v2_app_" .. ("k"):rep(40)
    -- as an operation's or a flag's name (of at most 64 bytes) it is quoted once, as it always was
    for _, case in ipairs({ { { key }, 1 }, { { "get_apps", "--" .. key }, 1 },
      { { "get_apps", "--rest-api-kye=" .. key }, 0 }, { { "get_apps", "--rest-api-kye", key }, 0 } }) do
      local r = run.cli(case[1], env)
      assert.are.equal(exit.USAGE, r.code, r.stderr)
      local _, seen = r.stderr:gsub(key, "")
      assert.are.equal(case[2], seen, r.stderr)
    end
    local r = run.cli({ "get_apps", "--rest-api-kye=" .. key }, env)
    assert.matches("unknown flag %-%-rest%-api%-kye; did you mean %-%-rest%-api%-key%?", r.stderr)
    assert.is_nil(r.stderr:find(key, 1, true), r.stderr)
  end)
end)
