-- A word of the command line that a usage error quotes back (an operation's or a flag's name, a --query
-- item, a value) is shown as the library shows a caller's name (onesignal.quote): on one line whatever
-- bytes it holds, and by its length alone when long. These messages printed the word raw, so an escape
-- sequence or a line break in it reached the terminal as such, and a key that neither the environment nor
-- a key flag gave (`--rest-api-keyKEY`, the space left out) showed whole.
local server = require("support.server")
local run = require("cli.run")
local exit = require("onesignal.cli.exit")
local core = require("onesignal.core")

-- A key the command line does not know as one, so only the length rule keeps it out of the message.
local KEY = "os_v2_app_" .. ("k"):rep(100)

-- Every message that quotes a word, given `w` where it quotes it.
local ENTRIES = {
  { "an unknown operation", function(w) return { w } end },
  { "help on an unknown operation", function(w) return { "help", w } end },
  { "an unknown flag", function(w) return { "get_apps", "--" .. w } end },
  { "a --query item without '='", function(w) return { "get_notifications", "--query", w } end },
  { "an unknown query option", function(w) return { "get_notifications", "--query", w .. "=1" } end },
  { "an integer query value", function(w) return { "get_notifications", "--query", "limit=" .. w } end },
  { "a boolean query value", function(w)
    return { "get_segment", "s-1", "--query", "include-segment-detail=" .. w }
  end },
  { "a --timeout", function(w) return { "get_apps", "--timeout", w } end },
  { "a --max-retries", function(w) return { "get_apps", "--max-retries", w } end },
  { "a --to without LABEL:", function(w) return { "push", "--message", "hi", "--to", w } end },
}

-- word given → what the message shows of it.
local CASES = {
  { "an escape sequence and a line break", "\27[2J\nx", "\\x1B[2J\\nx" },
  { "a C1 control (CSI)", "\194\155" .. "31m", "\\u{9B}31m" },
  { "bytes that are not UTF-8", "\255\155ab", "\\xFF\\x9Bab" },
  { "a word too long to show, a key inside", "x" .. KEY, "<a word of " .. #KEY + 1 .. " bytes>" },
}

-- The message's line, checked to be one line of UTF-8 without control characters.
local function message_line(stderr)
  local line, rest = stderr:match("^onesignal: ([^\n]*)\n(.*)$")
  assert.is_string(line, stderr)
  assert.are.equal("Run 'onesignal help' for usage.\n", rest)
  assert.is_nil(line:find("[%z\1-\31\127]"), line)
  assert.is_nil(line:find("\194[\128-\159]"), line)
  assert.is_nil(core.utf8_error(line), line)
  return line
end

describe("a CLI usage error quoting a word of the command line", function()
  local srv, env

  setup(function()
    srv = server.start({})
    env = run.env_for(srv)
  end)

  teardown(function() srv:stop() end)

  before_each(function() srv:reset() end)

  for _, entry in ipairs(ENTRIES) do
    for _, case in ipairs(CASES) do
      it(entry[1] .. ": " .. case[1], function()
        local r = run.cli(entry[2](case[2]), env)
        assert.are.equal(exit.USAGE, r.code, r.stderr)
        local line = message_line(r.stderr)
        assert.is_truthy(line:find(case[3], 1, true), line)
        assert.is_nil(r.stderr:find(KEY, 1, true), r.stderr)
        assert.are.equal(0, #srv:requests(), "a request reached the server")
      end)
    end
  end

  it("shows an unknown one-letter flag's byte escaped, and the alias label of --to", function()
    local r = run.cli({ "get_apps", "-\255" }, env)
    assert.are.equal("unknown flag -\\xFF (see onesignal help)", message_line(r.stderr))
    r = run.cli({ "push", "--message", "hi", "--to", "a\27b:u-1", "--json",
      '{"include_aliases":{"a\\u001bb":"u-0"}}' }, env)
    assert.are.equal("--json: field include_aliases.a\\x1Bb must be a list", message_line(r.stderr))
    assert.are.equal(0, #srv:requests(), "a request reached the server")
  end)

  -- A file's name is shown whatever its length (it is no place for a key), but on one line: it was
  -- written raw, a line break and an escape sequence in it included.
  it("shows the name of a --json @FILE or a --download FILE on one line", function()
    local name = "/nonexistent/\27[2J\n\255x"
    local shown = "/nonexistent/\\x1B[2J\\n\\xFFx"
    local r = run.cli({ "create_user", "--json", "@" .. name }, env)
    assert.are.equal("--json: cannot read " .. shown .. ": No such file or directory", message_line(r.stderr))
    r = run.cli({ "export_subscriptions", "--download", name }, env)
    assert.are.equal("--download: cannot write " .. shown .. " (" .. shown .. ".part: No such file or directory)",
      message_line(r.stderr))
    local file = os.tmpname() .. "\27[1m\n"
    for _, case in ipairs({ { "{", ": not valid JSON: " }, { "", ": the file was empty" } }) do
      local f = assert(io.open(file, "wb"))
      f:write(case[1])
      f:close()
      r = run.cli({ "create_user", "--json", "@" .. file }, env)
      local line = message_line(r.stderr)
      local expected = "--json @" .. file:gsub("\27", "\\x1B"):gsub("\n", "\\n") .. case[2]
      assert.are.equal(expected, line:sub(1, #expected))
    end
    os.remove(file)
    assert.are.equal(0, #srv:requests(), "a request reached the server")
  end)

  it("still quotes a short word as it is", function()
    local r = run.cli({ "get_notifications", "--query", "colour=red" }, env)
    assert.matches("^unknown query option 'colour' for get_notifications", message_line(r.stderr))
  end)
end)
