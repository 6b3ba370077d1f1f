--- Audience mode: one notification aimed at BENCH_AUDIENCE external ids, sent BENCH_COUNT times one after
-- another. The id list is the caller's data, made once; the SDK encodes it on every call, and that
-- encoding is part of the figure.
local M = {}

function M.run(client, s, common)
  local ids = {}
  for i = 1, s.audience do ids[i] = "bench-user-" .. i end
  local notification = common.notification()
  notification.include_aliases.external_id = ids
  local check = common.check
  for _ = 1, s.warmup do check(client:create_notification(notification)) end
  local from = common.mark()
  for _ = 1, s.count do check(client:create_notification(notification)) end
  local to = common.mark()
  common.report(common.peer_name(), "audience", s.count, from, to)
end

return M
