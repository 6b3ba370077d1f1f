-- The pagination iterators against the test server: every item once, across page boundaries, for the
-- offset lists and the cursor lists; a failed page yields `false, err` once and ends the loop.
local cjson = require("cjson")
local onesignal = require("onesignal")
local server = require("support.server")

describe("paged lists", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end,
    function(s) return { organization_api_key = s.org_key, max_retries = 0 } end)

  -- Every item of an iterator, failing the test on an error.
  local function collect(iterator)
    local items = {}
    for item, err in iterator do
      assert.is_truthy(item, tostring(err))
      items[#items + 1] = item
    end
    return items
  end

  local function ids(items)
    local out = {}
    for i, item in ipairs(items) do out[i] = item.id end
    return out
  end

  local function queries()
    local out = {}
    for _, r in ipairs(srv:requests()) do out[#out + 1] = r.query end
    return out
  end

  local function seeded(kind, count, attributes)
    return srv:seed({ kind = kind, count = count, attributes = attributes }).ids
  end

  describe("with offset and limit", function()
    it("templates: every item in order across pages, one request per page", function()
      local created = seeded("templates", 7)
      local items = collect(client:each_template(nil, { limit = 3 }))
      assert.are.same(created, ids(items))
      assert.are.same({ "app_id=" .. srv.app_id .. "&limit=3", "app_id=" .. srv.app_id .. "&limit=3&offset=3",
        "app_id=" .. srv.app_id .. "&limit=3&offset=6" }, queries())
    end)

    it("stops after a full last page when total_count says so, without asking for an empty page", function()
      seeded("notifications", 6)
      local items = collect(client:each_notification(nil, { limit = 3 }))
      assert.are.equal(6, #items)
      assert.are.equal(2, #srv:requests())
    end)

    it("segments: a total_count that counts only the page (as the spec words it) ends nothing", function()
      local created = seeded("segments", 5)
      -- The first page as the OpenAPI text describes it: total_count is the number in this answer.
      local first = { total_count = 3, offset = 0, limit = 3, segments = {} }
      for i = 1, 3 do first.segments[i] = { id = created[i], name = "s" .. i } end
      srv:fault({ match = { operation = "get_segments" }, steps = { { status = 201, body = cjson.encode(first) } } })
      assert.are.same(created, ids(collect(client:each_segment(nil, { limit = 3 }))))
      assert.are.same({ "limit=3", "offset=3&limit=3" }, queries())
    end)

    it("lowers a page size above the API's largest to it, so the API's short page does not end the walk", function()
      local created = seeded("templates", 60)
      assert.are.same(created, ids(collect(client:each_template(nil, { limit = 100 }))))
      local q = queries()
      assert.are.equal(2, #q)
      for _, query in ipairs(q) do assert.matches("limit=50", query) end
    end)

    it("notifications by time_offset: follows next_time_offset past a short page, to an empty one", function()
      local created = seeded("notifications", 5)
      local items = collect(client:each_notification(nil, { time_offset = "2000-01-01T00:00:00.000Z", limit = 2 }))
      assert.are.same(created, ids(items))
      -- pages of 2, 2 and 1, then the empty page the API says ends the list
      assert.are.equal(4, #srv:requests())
    end)

    it("asks once more after a full last page when the list gives no total (templates)", function()
      seeded("templates", 4)
      assert.are.equal(4, #collect(client:each_template(nil, { limit = 2 })))
      assert.are.equal(3, #srv:requests())
    end)

    it("notifications: filters stay on every page, newest first, from a starting offset", function()
      local push = seeded("notifications", 5, { kind = 1 })
      seeded("notifications", 3, { kind = 0 })
      local items = collect(client:each_notification(nil, { kind = 1, limit = 2, offset = 1 }))
      assert.are.same({ push[4], push[3], push[2], push[1] }, ids(items))
      for _, query in ipairs(queries()) do assert.matches("kind=1", query) end
    end)

    it("uses the API's largest page when no limit is given", function()
      seeded("segments", 3)
      assert.are.equal(3, #collect(client:each_segment()))
      assert.matches("limit=300", srv:requests()[1].query)
      assert.matches("limit=50", (function()
        srv:clear()
        collect(client:each_notification())
        return srv:requests()[1].query
      end)())
    end)

    -- A server (or a cache before it) that ignores `offset` answers every page with the first: an offset
    -- list without total_count asked for the next page for ever.
    it("fails at a page that repeats the one before twice, without yielding its items again", function()
      local page = cjson.encode({ templates = { { id = "t1" }, { id = "t2" } } })
      local steps = {}
      for i = 1, 5 do steps[i] = { status = 200, body = page } end
      srv:fault({ match = { operation = "view_templates" }, steps = steps })
      local seen, failures, err = {}, 0, nil
      for template, problem in client:each_template(nil, { limit = 2 }) do
        if template then seen[#seen + 1] = template.id else failures, err = failures + 1, problem end
      end
      assert.are.same({ "t1", "t2" }, seen)
      assert.are.equal(1, failures)
      assert.are.equal("decode", err.kind)
      assert.are.equal("view_templates", err.operation)
      assert.matches("the answer repeats the page before it", tostring(err))
      assert.are.equal(3, #srv:requests())
    end)

    -- A live list, newest first, that gained exactly a page of items between two fetches answers the next
    -- offset with the page just yielded; the list goes on after it.
    it("leaves out a page that repeats the one before once, and goes on after it", function()
      local first = cjson.encode({ templates = { { id = "t4" }, { id = "t3" } } })
      local last = cjson.encode({ templates = { { id = "t2" } } })
      srv:fault({ match = { operation = "view_templates" }, steps = {
        { status = 200, body = first }, { status = 200, body = first }, { status = 200, body = last } } })
      local seen = {}
      for template, problem in client:each_template(nil, { limit = 2 }) do
        assert.is_truthy(template, tostring(problem))
        seen[#seen + 1] = template.id
      end
      assert.are.same({ "t4", "t3", "t2" }, seen)
      assert.are.equal(3, #srv:requests())
      assert.matches("offset=4", srv:requests()[3].query)
    end)

    it("yields nothing for an empty list", function()
      assert.are.same({}, collect(client:each_template()))
      assert.are.equal(1, #srv:requests())
    end)
  end)

  describe("with a cursor", function()
    it("journeys: follows next_cursor until it is null", function()
      local created = seeded("journeys", 5)
      local items = collect(client:each_journey(nil, { limit = 2 }))
      assert.are.same(created, ids(items))
      local q = queries()
      assert.are.equal(3, #q)
      assert.are.equal("limit=2", q[1])
      assert.matches("^cursor=[^&]+&limit=2$", q[2])
    end)

    it("goes past an empty page that says has_more = true", function()
      local created = seeded("audit_logs", 2)
      -- An empty first page of a filtered scan. Its cursor is the test server's own (spec/server/cursor.lua:
      -- base64 of "audit:999999", a position before every event), so the next page holds them all.
      local empty = '{"audit_logs":[],"has_more":true,"next_cursor":"YXVkaXQ6OTk5OTk5"}'
      srv:fault({ match = { operation = "list_audit_logs" }, steps = { { status = 200, body = empty } } })
      local items = collect(client:each_audit_log(srv.org_id, { start_time = "2000-01-01T00:00:00Z" }))
      assert.are.same({ created[2], created[1] }, ids(items))
      assert.are.equal(2, #srv:requests())
    end)

    it("fails after a page that says has_more = true without a new next_cursor, its items yielded first", function()
      -- The API sends next_cursor whenever has_more is true: ending quietly would pass a cut list for whole.
      local pages = {
        '{"journeys":[{"id":"j1"}],"has_more":true}',
        '{"journeys":[{"id":"j1"}],"has_more":true,"next_cursor":""}',
      }
      for _, page in ipairs(pages) do
        srv:reset()
        srv:fault({ match = { operation = "view_journeys" }, steps = { { status = 200, body = page } } })
        local seen, err = {}, nil
        for journey, problem in client:each_journey() do
          if journey then seen[#seen + 1] = journey.id else err = problem end
        end
        assert.are.same({ "j1" }, seen)
        assert.are.equal("decode", err.kind)
        assert.are.equal("view_journeys", err.operation)
        assert.matches("has_more but gives no new next_cursor", tostring(err))
        assert.are.equal(1, #srv:requests())
      end
      -- The same cursor again would fetch the same page for ever.
      srv:reset()
      local again = '{"journeys":[{"id":"j2"}],"has_more":true,"next_cursor":"c1"}'
      srv:fault({ match = { operation = "view_journeys" }, steps = { { status = 200, body = again },
        { status = 200, body = again } } })
      local pages_seen, failure = 0, nil
      for body, problem in client:each_page("view_journeys", nil, { cursor = "c0" }) do
        if body then pages_seen = pages_seen + 1 else failure = problem end
      end
      assert.are.equal(2, pages_seen)
      assert.matches("no new next_cursor", failure.message)
      assert.are.equal(2, #srv:requests())
    end)

    -- Only the cursor just sent was compared: cursors going round (c1, c2, c1, …) fetched the same pages
    -- for ever.
    it("a next_cursor leading back to an earlier page fails the walk rather than go round for ever", function()
      local a = '{"journeys":[{"id":"j1"}],"has_more":true,"next_cursor":"c1"}'
      local b = '{"journeys":[{"id":"j2"}],"has_more":true,"next_cursor":"c2"}'
      local steps = {}
      for i = 1, 6 do steps[i] = { status = 200, body = i % 2 == 1 and a or b } end
      srv:fault({ match = { operation = "view_journeys" }, steps = steps })
      local seen, failure = {}, nil
      for journey, problem in client:each_journey() do
        if journey then seen[#seen + 1] = journey.id else failure = problem end
      end
      assert.are.same({ "j1", "j2", "j1" }, seen)
      assert.matches("has_more but gives no new next_cursor", failure.message)
      assert.are.equal(3, #srv:requests())
    end)

    it("notifications by time_offset: a next_time_offset leading back to an earlier page ends the walk", function()
      local function page(id, nxt)
        return { status = 200, body = cjson.encode({ notifications = { { id = id } }, next_time_offset = nxt }) }
      end
      srv:fault({ match = { operation = "get_notifications" }, steps = { page("n1", "t1"), page("n2", "t2"),
        page("n1", "t1"), page("n2", "t2"), page("n1", "t1") } })
      local items = collect(client:each_notification(nil, { time_offset = "2000-01-01T00:00:00.000Z" }))
      assert.are.same({ "n1", "n2", "n1" }, ids(items))
      assert.are.equal(3, #srv:requests())
    end)

    it("audit logs: newest first, the filters kept with the cursor", function()
      local created = seeded("audit_logs", 5)
      local items = collect(client:each_audit_log(srv.org_id, { start_time = "2000-01-01T00:00:00Z", limit = 2,
        app_ids = { srv.app_id } }))
      assert.are.same({ created[5], created[4], created[3], created[2], created[1] }, ids(items))
      for _, query in ipairs(queries()) do assert.is_truthy(query:find("app_ids=" .. srv.app_id, 1, true)) end
    end)
  end)

  describe("errors", function()
    it("a failed page yields false and the error once, after the items before it, then ends", function()
      seeded("templates", 5)
      srv:fault({ match = { operation = "view_templates" }, steps = { { pass = true }, { status = 400 } } })
      local seen, failures, err = 0, 0, nil
      for template, problem in client:each_template(nil, { limit = 2 }) do
        if template then
          seen = seen + 1
        else
          failures = failures + 1
          err = problem
        end
      end
      assert.are.equal(2, seen)
      assert.are.equal(1, failures)
      assert.are.equal("api", err.kind)
      assert.are.equal(400, err.status)
      assert.are.equal("view_templates", err.operation)
      assert.are.equal(2, #srv:requests())
    end)

    it("a loop that ignores the error still fails loudly at its first use of the item", function()
      srv:fault({ match = { operation = "view_journeys" }, steps = { { status = 404 } } })
      local ok, err = pcall(function()
        for journey in client:each_journey() do local _ = journey.id end
      end)
      assert.is_false(ok)
      -- the false the failed page yields, indexed (not some other failure of the loop)
      assert.matches("pages_spec%.lua:%d+: attempt to index .*a boolean value", err)
    end)

    -- An object where the list belongs is no page either: its length of 0 ended the walk as if the list
    -- were empty.
    for _, case in ipairs({
      { "without the list", '{"total_count":3}' },
      { "whose list is an object", '{"segments":{"id":"s-1","name":"one"},"total_count":1}' },
    }) do
      it("an answer " .. case[1] .. " is a decode error", function()
        srv:fault({ match = { operation = "get_segments" }, steps = { { status = 201, body = case[2] } } })
        local first, err = client:each_segment()()
        assert.is_false(first)
        assert.are.equal("decode", err.kind)
        assert.matches("no 'segments' list", tostring(err))
      end)
    end

    it("an answer whose list is an empty object is an empty list", function()
      srv:fault({ match = { operation = "get_segments" }, steps = { { status = 200,
        body = '{"segments":{},"total_count":0}' } } })
      local first, err = client:each_segment()()
      assert.is_nil(first)
      assert.is_nil(err)
    end)

    it("an answer without the list gives an error whose headers carry no key", function()
      -- The error was made from the response's headers as they came, without the redaction every other
      -- error gets: a server echoing the key in a header put it into err.headers.
      srv:fault({ match = { operation = "get_segments" }, steps = { { status = 200,
        headers = { ["X-Echo"] = "key=" .. srv.rest_key }, body = '{"total_count":3}' } } })
      local first, err = client:each_segment()()
      assert.is_false(first)
      assert.are.equal("key=[REDACTED]", err.headers["x-echo"])
      assert.are.equal("GET", err.method)
      assert.matches("^/apps/[^?]+/segments$", err.path)

      -- nor does its path, when a key was passed as data in it
      srv:fault({ match = { operation = "get_segments" }, steps = { { status = 200, body = '{"total_count":3}' } } })
      first, err = client:each_segment(srv.rest_key)()
      assert.is_false(first)
      assert.are.equal("/apps/[REDACTED]/segments", err.path)
    end)

    it("a list written as null is an empty page, which ends the walk", function()
      srv:fault({ match = { operation = "get_segments" },
        steps = { { status = 200, body = '{"total_count":0,"offset":0,"limit":300,"segments":null}' } } })
      local seen = 0
      for segment, err in client:each_segment() do
        assert(segment, tostring(err))
        seen = seen + 1
      end
      assert.are.equal(0, seen)
      srv:fault({ match = { operation = "get_segments" },
        steps = { { status = 200, body = '{"total_count":0,"offset":0,"limit":300,"segments":null}' } } })
      local pages = 0
      for body in client:each_page("get_segments") do
        assert.are.same({}, body.segments)
        pages = pages + 1
      end
      assert.are.equal(1, pages)
    end)

    it("the iterator is done after its error", function()
      srv:fault({ match = { operation = "view_templates" }, steps = { { status = 500 } } })
      local next_item = client:each_template()
      assert.is_false((next_item()))
      assert.is_nil(next_item())
      assert.is_nil(next_item())
      assert.are.equal(1, #srv:requests())
    end)

    it("bad arguments raise at the each_* call, before anything is sent", function()
      local ok, err = pcall(function() client:each_template(nil, { colour = "red" }) end)
      assert.is_false(ok)
      assert.matches("pages_spec%.lua:%d+: onesignal%.view_templates: unknown query option 'colour'", err)
      ok, err = pcall(function() client:each_audit_log() end)
      assert.is_false(ok)
      assert.matches("pages_spec%.lua:%d+: onesignal%.list_audit_logs: argument 'organization_id' %(#1%) is required$",
        err)
      ok, err = pcall(function() client:each_page("get_user", nil, "external_id", "u") end)
      assert.is_false(ok)
      assert.matches("pages_spec%.lua:%d+: onesignal%.each_page: 'get_user' is not a paged list %(paged: ", err)
      assert.are.equal(0, #srv:requests())
    end)

    -- Only a page size above the largest is lowered (see above); one below 1 or an offset before the first
    -- is refused as the operation refuses it, and a page size as text is no number to lower.
    it("a page size below 1, a negative offset or a page size as text raises at the each_* call", function()
      for _, case in ipairs({
        { "each_notification", { limit = 0 }, "get_notifications: argument 'limit' must be between 1 and 50, got 0" },
        { "each_segment", { offset = -1 }, "get_segments: argument 'offset' must be at least 0, got -1" },
        { "each_template", { limit = "100" }, "view_templates: argument 'limit' must be an integer, got string" },
        { "each_journey", { limit = -5 }, "view_journeys: argument 'limit' must be between 1 and 50, got -5" },
      }) do
        local ok, err = pcall(function() client[case[1]](client, nil, case[2]) end)
        assert.is_false(ok, case[1])
        assert.matches("pages_spec.lua:%d+: onesignal." .. case[3]:gsub("%p", "%%%0"), err)
      end
      local ok, err = pcall(function() client:each_audit_log(srv.org_id, { limit = 0 }) end)
      assert.is_false(ok)
      assert.matches("list_audit_logs: argument 'limit' must be between 1 and 100, got 0", err, 1, true)
      assert.are.equal(0, #srv:requests())
    end)

    it("a dry-run client has no pages to walk", function()
      local dry = onesignal.new({ base_url = srv.url, rest_api_key = "k", app_id = "a", dry_run = true })
      local ok, err = pcall(function() dry:each_template() end)
      assert.is_false(ok)
      assert.matches("pages_spec%.lua:%d+: onesignal%.each_template: a dry%-run client sends nothing, so it has no"
        .. " pages to walk$", err)
    end)
  end)

  it("each_page yields the answer of every page with its response", function()
    seeded("segments", 5)
    local counts = {}
    for body, res in client:each_page("get_segments", nil, { limit = 2 }) do
      assert.is_truthy(body, tostring(res))
      assert.are.equal(201, res.status)
      counts[#counts + 1] = #body.segments
    end
    assert.are.same({ 2, 2, 1 }, counts)
  end)

  it("leaves the caller's options table as it was", function()
    seeded("templates", 3)
    local options = { limit = 2 }
    collect(client:each_template(nil, options))
    assert.are.same({ limit = 2 }, options)
  end)

  it("fetches pages without blocking inside client:spawn", function()
    seeded("templates", 5)
    local got
    client:spawn(function()
      got = collect(client:each_template(nil, { limit = 2 }))
    end)
    assert.is_nil(got)
    assert.is_true(client:run(10))
    assert.are.equal(5, #got)
  end)
end)
