-- Of several wrong entries in a caller's table, a usage error names the same one in every process: the
-- first by name (onesignal.order; numbers before strings). The checks raised at the first wrong key pairs
-- (or next) met, and that order changes from one process to the next with the string hash's seed, so
-- each case is run in several processes. Every case has two wrong entries and one with many (with two,
-- pairs' order is the expected one on about half of the runs).
local shared = require("support.shared")
local order = require("onesignal.order")

-- Each line: a call whose message the child prints (the part after the position).
local SCRIPT = [[
local onesignal = require("onesignal")
local client = onesignal.new({ rest_api_key = "rest-key-of-order-spec", app_id = "a", base_url = "http://127.0.0.1:9" })
local org = onesignal.new({ organization_api_key = "org-key-of-order-spec", dry_run = true })
-- A table of `n` keys "name_01".."name_n" (backwards, so the first is inserted last), all `value`.
local function many(name, n, value, t)
  t = t or {}
  for i = n, 1, -1 do t[string.format("%s_%02d", name, i)] = value end
  return t
end
local function notifications(n)
  local list = {}
  for i = 1, n do list[i] = { contents = { en = "x" }, included_segments = { "All" } } end
  return list
end
local cases = {
  function() onesignal.new({ rest_api_key = "k", zeta = 1, alpha = 1 }) end,
  function() onesignal.new(many("option", 16, 1, { rest_api_key = "k" })) end,
  function() client:with({ zeta = 1, alpha = 1 }) end,
  function() client:with(many("setting", 16, 1)) end,
  function() client:with({ timeout = 0, deadline = -1 }) end,
  function() client:with({ timeout = 0, deadline = -1, retry_base_delay = -1, retry_max_delay = -1,
    max_retries = -1 }) end,
  function() client:create_notification_with_retry({}, { zeta = 1, alpha = 1 }) end,
  function() client:create_notification_with_retry({}, { max_retries = -1, base_delay = -1, max_delay = -1,
    deadline = -1 }) end,
  function() client:fetch_export("https://example.com/x.csv", { zeta = 1, alpha = 1 }) end,
  function() client:fetch_export("https://example.com/x.csv", many("option", 16, 1)) end,
  function() client:fetch_export("https://example.com/x.csv", { timeout = -1, interval = 0 }) end,
  function() client:download_export("https://example.com/x.csv", "x.csv", { timeout = -1, interval = 0,
    max_interval = 0, request_timeout = 0, progress = 1, sleep = 1 }) end,
  function() client:send_many(notifications(1), { zeta = 1, alpha = 1 }) end,
  function() client:send_many(notifications(1), many("option", 16, 1)) end,
  function() local list = notifications(2); list.zeta, list.alpha = 1, 1; client:send_many(list) end,
  function() local list = many("key", 16, 1, notifications(2)); list[9], list[1.5] = 1, 1; client:send_many(list) end,
  function() client:get_notifications(nil, { zeta = 1, alpha = 1 }) end,
  function() client:get_notifications(nil, many("option", 16, 1)) end,
  function() org:list_audit_logs("org-1", many("option", 16, 1)) end,
  function() client:create_notification({ contents = { en = "x" }, zeta = print, alpha = print }) end,
  function() client:create_notification(many("field", 16, print, { contents = { en = "x" } })) end,
  function() client:create_notification({ contents = many("lang", 16, 0 / 0) }) end,
  function() client:create_notification({ data = { [2] = print, x = print, [1.5] = print } }) end,
}
for i, case in ipairs(cases) do
  local ok, err = pcall(case)
  print(i, not ok and (tostring(err):gsub("^[^\n]-:%d+: ", "")) or "no error")
end
]]

-- The lines it prints, in the order of its cases.
local EXPECTED = {
  "onesignal.new: unknown option 'alpha'",
  "onesignal.new: unknown option 'option_01'",
  "onesignal.with: unknown setting 'alpha'",
  "onesignal.with: unknown setting 'setting_01'",
  "onesignal.with: setting 'deadline' must be a positive number",
  "onesignal.with: setting 'deadline' must be a positive number",
  "onesignal.create_notification_with_retry: unknown option 'alpha'",
  "onesignal.create_notification_with_retry: option 'base_delay' must be a non-negative number",
  "onesignal.fetch_export: unknown option 'alpha'",
  "onesignal.fetch_export: unknown option 'option_01'",
  "onesignal.fetch_export: option 'interval' must be a positive number",
  "onesignal.download_export: option 'interval' must be a positive number",
  "onesignal.send_many: unknown option 'alpha'",
  "onesignal.send_many: unknown option 'option_01'",
  "onesignal.send_many: argument 'notifications' must be a list (keys 1 to n), found key 'alpha'",
  "onesignal.send_many: argument 'notifications' must be a list (keys 1 to n), found key '1.5'",
  "onesignal.get_notifications: unknown query option 'alpha'",
  "onesignal.get_notifications: unknown query option 'option_01'",
  "onesignal.list_audit_logs: unknown query option 'option_01'",
  "onesignal.create_notification: argument 'notification': field alpha is a function",
  "onesignal.create_notification: argument 'notification': field field_01 is a function",
  "onesignal.create_notification: argument 'notification': field contents.lang_01 is NaN",
  "onesignal.create_notification: argument 'notification': field data[1.5] is a function",
}

describe("a usage error naming one of several wrong entries", function()
  it("names the first by name, the same in every process", function()
    local script = os.tmpname()
    local file = assert(io.open(script, "w"))
    file:write(SCRIPT)
    file:close()
    for _ = 1, 6 do
      local ok, out = shared.run_lua("", script)
      assert(ok, out)
      -- each line cut to its expected length (the rest says what the value must be)
      local lines = {}
      for line in out:gmatch("[^\n]+") do
        local i, text = line:match("^(%d+)\t(.*)$")
        if i then lines[#lines + 1] = text:sub(1, #(EXPECTED[tonumber(i)] or "")) end
      end
      assert.are.same(EXPECTED, lines)
    end
    os.remove(script)
  end)
end)

describe("onesignal.order", function()
  it("puts numbers first, then strings, then booleans, then other types; each by value", function()
    local t, f = {}, function() end
    local keys = order.keys({ b = 1, [2] = 1, a = 1, [true] = 1, [1.5] = 1, [false] = 1, [t] = 1, [f] = 1, [-3] = 1 })
    assert.are.same({ -3, 1.5, 2, "a", "b", false, true }, { table.unpack(keys, 1, 7) })
    assert.are.same({ "function", "table" }, { type(keys[8]), type(keys[9]) })
  end)

  it("finds the first wrong key without sorting, and nil when none is", function()
    assert.are.equal("a", order.first_unknown({ z = 1, a = 1, known = 1 }, { known = true }))
    assert.is_nil(order.first_unknown({ known = 1 }, { known = true }))
    assert.are.equal(3, order.first({ 5, 6, 7, 8 }, function(k, min) return k >= min end, 3))
  end)
end)
