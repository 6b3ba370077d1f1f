-- In-memory state of one server (one worker's Lua VM). `reset` brings it back to what a fresh
-- server holds: one app, nothing else.
local clock = require("server.clock")

local store = {}

-- An id-keyed collection that remembers creation order (listing and pagination need a stable order).
local Collection = {}
Collection.__index = Collection

function store.collection()
  return setmetatable({ by_id = {}, order = {} }, Collection)
end

function Collection:add(id, item)
  if not self.by_id[id] then self.order[#self.order + 1] = id end
  self.by_id[id] = item
  return item
end

function Collection:get(id)
  return id and self.by_id[id] or nil
end

function Collection:remove(id)
  if not self.by_id[id] then return nil end
  local item = self.by_id[id]
  self.by_id[id] = nil
  for i, x in ipairs(self.order) do
    if x == id then table.remove(self.order, i) break end
  end
  return item
end

-- Items in creation order, optionally filtered.
function Collection:list(keep)
  local out = {}
  for _, id in ipairs(self.order) do
    local item = self.by_id[id]
    if not keep or keep(item) then out[#out + 1] = item end
  end
  return out
end

function Collection:count()
  return #self.order
end

local function new_space(app_id)
  return {
    app_id = app_id,
    users = {},            -- onesignal_id -> user
    aliases = {},          -- label -> alias id -> onesignal_id
    subscriptions = {},    -- subscription id -> subscription
    tokens = {},           -- type .. "\0" .. token -> subscription id
    segments = store.collection(),
    templates = store.collection(),
    notifications = store.collection(),
    idempotency = {},      -- idempotency_key -> { status =, body = }
    journeys = store.collection(),
    api_keys = store.collection(),
    activities = {},       -- activity id -> live activity
    custom_events = {},
  }
end

function store.space(app_id)
  local s = store.spaces[app_id]
  if not s then
    s = new_space(app_id)
    store.spaces[app_id] = s
  end
  return s
end

-- A strictly increasing number: ties in time stamps never reorder lists.
function store.next_seq()
  store.seq = store.seq + 1
  return store.seq
end

function store.reset(settings)
  store.seq = 0
  store.spaces = {}
  store.apps = store.collection()
  store.audit_logs = store.collection()
  store.files = {}
  local now = clock.iso()
  store.apps:add(settings.app_id, {
    id = settings.app_id,
    name = "Test App",
    players = 0,
    messageable_players = 0,
    organization_id = settings.org_id,
    created_at = now,
    updated_at = now,
    additional_data_is_root_payload = false,
  })
end

return store
