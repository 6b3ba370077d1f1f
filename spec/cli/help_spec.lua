-- `onesignal help`: generated from the operations table (checked here against OneSignal's own table in
-- ../shared), with every operation, flag and exit code.
local help = require("onesignal.cli.help")
local args = require("onesignal.cli.args")
local exit = require("onesignal.cli.exit")
local shared = require("support.shared")

local function has(text, plain) return text:find(plain, 1, true) ~= nil end

describe("onesignal help", function()
  it("lists every operation, every global flag and every exit code", function()
    local text = help.general()
    for _, row in ipairs(shared.operations()) do
      assert.matches("%f[%w_]" .. row.name:gsub("%p", "%%%0") .. "%f[^%w_]", text, row.name)
    end
    for name, spec in pairs(args.FLAGS) do
      if spec.who == "global" then assert.is_true(has(text, "--" .. name), name) end
    end
    for _, row in ipairs(exit.TABLE) do assert.is_true(has(text, "  " .. row[1] .. "  " .. row[2]), row[2]) end
  end)

  -- The parser took `--` (and -h), but neither help nor README said so: an id starting with a dash was
  -- "unknown flag" with no way out in sight.
  it("says how to give an argument that starts with a dash, as the parser takes it", function()
    local text = help.general()
    assert.is_true(has(text, "Flags may stand anywhere; -- ends them,\nfor an argument that starts with a dash"), text)
    assert.is_true(has(text, "-h, --help"), text)
    assert.are.same({ "get_user", "external_id", "-u-1" },
      args.parse({ "get_user", "--", "external_id", "-u-1" }).words)
  end)

  for _, row in ipairs(shared.operations()) do
    it("explains " .. row.name .. " from the operations table", function()
      local text = assert(help.operation(row.name))
      assert.is_true(has(text, "Usage: onesignal " .. row.name), "usage line")
      assert.is_true(has(text, row.method .. " " .. row.path), "method and path")
      assert.is_true(has(text, row.credential == "organization" and "Organization API key" or "REST API key"))
      local usage = text:match("^Usage: ([^\n]*)")
      for _, p in ipairs(row.params) do
        if p.where == "body" then
          assert.is_true(has(usage, p.optional and "[--json BODY]" or " --json BODY"), p.name)
          assert.is_true(has(text, ": " .. p.name .. (p.optional and " (optional)" or " (required)")), p.name)
        elseif p.optional then
          assert.is_true(has(text, "\n  " .. p.name), p.name)
        else
          local word = p.name:upper():gsub("[^%w]", "_")
          assert.is_true(has(usage, p.name == "app_id" and "[APP_ID]" or word), p.name)
        end
      end
    end)
  end

  it("explains the shortcuts with their own flags", function()
    for _, channel in ipairs({ "push", "email", "sms" }) do
      local text = assert(help.operation(channel))
      assert.is_true(has(text, "Usage: onesignal " .. channel), channel)
      assert.is_true(has(text, "--to LABEL:ID"), channel)
      -- it listed its own flags under "Flags:" as if they were all: --dry-run, keys and the rest apply too
      assert.is_true(has(text, "\nGlobal flags and exit codes: onesignal help\n"), channel)
    end
    assert.is_true(has(help.operation("push"), "--title TEXT"))
    assert.is_false(has(help.operation("sms"), "--title TEXT"))
    assert.is_true(has(help.operation("email"), "--subject TEXT"))
  end)

  it("names in a shortcut's help only flags that shortcut takes", function()
    for _, channel in ipairs({ "push", "email", "sms" }) do
      for name in help.operation(channel):gmatch("%-%-([%w-]+)") do
        local who = assert(args.FLAGS[name], name).who
        assert.is_true(who == "global" or who == "call" or has(" " .. who .. " ", " " .. channel .. " "),
          channel .. " help names --" .. name)
      end
    end
  end)

  it("offers --all on paged lists and --download on exports only", function()
    assert.is_true(has(help.operation("view_journeys"), "--all"))
    assert.is_true(has(help.operation("export_events"), "--download FILE"))
    assert.is_true(has(help.operation("export_events"), "save it to FILE (a file's name, not -)"))
    assert.is_false(has(help.operation("get_user"), "--all"))
    assert.is_false(has(help.operation("get_user"), "--download"))
  end)

  it("marks the query options that take a list", function()
    local text = help.operation("list_audit_logs")
    assert.is_true(has(text, "\n  app_ids (list: at most 10)\n"))
    assert.is_true(has(text, "\n  actions (list: at most 20)\n"))
    assert.is_true(has(help.operation("get_outcomes"), "\n  outcome_names[] (list)\n"))
  end)

  it("gives the bounds of the integer query options", function()
    assert.is_true(has(help.operation("list_audit_logs"), "\n  limit (integer: 1 to 100)\n"))
    assert.is_true(has(help.operation("get_segments"), "\n  limit (integer: 1 to 300)\n"))
    assert.is_true(has(help.operation("view_templates"), "\n  offset (integer: at least 0)\n"))
  end)

  it("lists the values of the query options the API enumerates", function()
    assert.is_true(has(help.operation("get_notifications"), "\n  kind (integer: one of 0, 1, 3)\n"))
    assert.is_true(has(help.operation("view_templates"), "\n  channel (one of push, email, sms)\n"))
  end)

  it("knows no operation that does not exist", function()
    assert.is_nil(help.operation("get_usr"))
  end)
end)
