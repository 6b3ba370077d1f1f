--- Sequential mode: blocking create_notification calls one after another on one client.
local M = {}

function M.run(client, s, common)
  local notification = common.notification()
  local check = common.check
  for _ = 1, s.warmup do check(client:create_notification(notification)) end
  local from = common.mark()
  for _ = 1, s.count do check(client:create_notification(notification)) end
  local to = common.mark()
  common.report(common.peer_name(), "sequential", s.count, from, to)
end

return M
