-- A client dropped without close() is collected like any table, also while a coroutine it spawned is
-- suspended (on LuaJIT too, whose weak tables are no ephemerons: see client.lua's `spawned`). No request is
-- made, so no server is needed.
local onesignal = require("onesignal")

describe("a client dropped without close", function()
  local function dropped_clients(start)
    local probe = setmetatable({}, { __mode = "k" })
    for _ = 1, 3 do
      local client = onesignal.new({ base_url = "http://127.0.0.1:9", allow_http = true, rest_api_key = "k",
        app_id = "a" })
      start(client)
      probe[client] = true
    end
    collectgarbage()
    collectgarbage()
    local alive = 0
    for _ in pairs(probe) do alive = alive + 1 end
    return alive
  end

  it("is collected when it did nothing", function()
    assert.are.equal(0, dropped_clients(function() end))
  end)

  it("is collected while a coroutine it spawned sleeps", function()
    assert.are.equal(0, dropped_clients(function(client) client:spawn(function() client:sleep(1000) end) end))
  end)

  it("is collected while a coroutine of a derived client sleeps", function()
    assert.are.equal(0, dropped_clients(function(client)
      local derived = client:with({ timeout = 5 })
      derived:spawn(function() derived:sleep(1000) end)
    end))
  end)
end)
