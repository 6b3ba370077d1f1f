-- Counters behind GET /__control/stats. Cheap enough to stay on in bench mode.
local json = require("server.json")

local stats = {}

function stats.reset()
  stats.requests = 0
  stats.notifications_created = 0
  stats.connection_ids = {}
  stats.connections = 0
  stats.by_operation = {}
end

function stats.count(connection, operation)
  stats.requests = stats.requests + 1
  if not stats.connection_ids[connection] then
    stats.connection_ids[connection] = true
    stats.connections = stats.connections + 1
  end
  if operation then
    stats.by_operation[operation] = (stats.by_operation[operation] or 0) + 1
  end
end

function stats.notification_created()
  stats.notifications_created = stats.notifications_created + 1
end

function stats.snapshot()
  local by_operation = json.object()
  for k, v in pairs(stats.by_operation) do by_operation[k] = v end
  return {
    requests = stats.requests,
    notifications_created = stats.notifications_created,
    connections = stats.connections,
    by_operation = by_operation,
  }
end

stats.reset()

return stats
