-- Read, modify, write against the test server: a model fetched with an empty array in its answer, changed
-- and sent back with an update, goes out with that array as [] (the server's record of the request says so),
-- in a field the SDK does not know by name.
local cjson = require("cjson")
local json = require("onesignal.json")
local server = require("support.server")

describe("an answer sent back", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end, { max_retries = 0 })

  it("keeps an empty array of the answer as [] in the update's body", function()
    -- Seeded from JSON text, so the empty array is the server's own and not something this SDK wrote.
    local id = srv:control("POST", "seed", '{"kind":"templates","count":1,"attributes":'
      .. '{"name":"Welcome","dynamic_content":{"langs":[],"blocks":{"hero":[]}}}}').ids[1]
    local t = assert(client:view_template(id, nil))
    assert.is_nil(next(t.content.dynamic_content.langs))
    t.name = "Welcome back"
    assert(client:update_template(id, nil, { name = t.name, dynamic_content = t.content.dynamic_content }))
    local sent = srv:recorded("update_template")[1].body
    assert.matches('"langs":[]', sent, 1, true)
    assert.matches('"hero":[]', sent, 1, true)
    assert.are.same({ name = "Welcome back", dynamic_content = { langs = {}, blocks = { hero = {} } } },
      cjson.decode(sent))
    -- and what the server stored comes back the same way, to be sent again
    local again = assert(client:view_template(id, nil))
    local text = json.encode({ dynamic_content = again.content.dynamic_content }, "x")
    assert.matches('"langs":[]', text, 1, true)
    assert.matches('"hero":[]', text, 1, true)
  end)
end)
