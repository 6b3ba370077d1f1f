--- Paged lists: the client's `each_page` and `each_*` iterators, methods of the client (client.lua's
-- EXTENSIONS), so the reference shows them on the client's page (config.ld's `merge`: hence the module's
-- name below).
-- @module onesignal.client

--- Paged lists.
-- Iterators over the API's paged lists: every item of every page, one request per page.
--
--     for notification, err in client:each_notification(app_id, { kind = 1 }) do
--       if not notification then error(tostring(err)) end   -- a page failed
--       print(notification.id)
--     end
--
-- Each iterator takes the same arguments as the operation it walks (`each_notification` those of
-- `get_notifications`, …). The options' `limit` is the page size (default and upper bound: the API's
-- maximum for that list); `offset`, `cursor` or `time_offset` says where to start.
--
-- **Errors.** Bad arguments raise at the `each_*` call, before anything is sent. When a page fails, the
-- iterator yields `false, err` once (`err` as any call returns it) and then ends: a loop written
-- `for item in …` without looking at `err` still fails loudly at its first use of `item`, and one that
-- looks can stop, log or retry. A generic `for` stops at a `nil` first value, so `nil, err` could not
-- reach the loop body.
--
-- The iterators call the client's ordinary methods, so inside `client:spawn` each page is fetched
-- without blocking the other coroutines. A dry-run client has no pages to walk: the iterators raise there.
-- @section pages

local operations = require("onesignal.operations")
local request = require("onesignal.request")
local unpack = table.unpack or unpack
local fail = require("onesignal.response").fail
local usage = require("onesignal.usage")
local json = require("onesignal.json")
local quote = require("onesignal.quote")

local M = {}

-- How each list pages. `items`: the field holding the page's items; `max` (set below): the API's
-- largest page.
--   offset  offset/limit; the last page is the one shorter than the page size, or (`total`) the one
--           reaching the answer's total_count. Only get_notifications declares total_count as the size of
--           the whole list; get_segments' is "the number of Segments in the response", so it ends nothing.
--           get_notifications with time_offset instead follows next_time_offset to an empty page, as the
--           API asks.
--   cursor  the answer's `next_cursor` leads to the next page; has_more = false or no new cursor ends the
--           list. An empty page ends it too unless the answer says has_more = true (a filtered scan of the
--           audit log can have empty pages before later events).
local LISTS = {
  get_notifications = { items = "notifications", style = "offset", total = true },
  view_templates = { items = "templates", style = "offset" },
  get_segments = { items = "segments", style = "offset" },
  view_journeys = { items = "journeys", style = "cursor" },
  list_audit_logs = { items = "audit_logs", style = "cursor" },
}
-- The largest page: the bound the operations table sets on the operation's `limit`.
for name, list in pairs(LISTS) do list.max = operations.by_name[name].option_set.limit.max end

local function copy(t)
  local out = {}
  for k, v in pairs(t or {}) do out[k] = v end
  return out
end

-- The options of a walk's first page: a copy of `options` with the page size set, the API's maximum
-- unless smaller. A larger one is lowered to it, because the API would answer with fewer items than asked
-- and the short page would look like the last one. (Any other value, not a number or below 1, is left
-- for the request builder to refuse.)
local function first_page(list, options)
  options = copy(options)
  local limit = options.limit
  if limit == nil or (type(limit) == "number" and limit > list.max) then options.limit = list.max end
  return options
end

-- Readable as `require("onesignal.pages").LISTS` and `.first_page(name, options)` (the CLI's --all, whose
-- --dry-run prints the first page's request) without becoming client methods: the client takes every
-- field of this module's table as a method.
setmetatable(M, { __index = { LISTS = LISTS,
  first_page = function(name, options) return first_page(LISTS[name], options) end } })

local function is_cursor(value)
  return type(value) == "string" and value ~= ""
end

-- The ids of a page's items in order, as one string; nil for an empty page or when an item has no id.
local function ids_of(items)
  local out = {}
  for i, item in ipairs(items) do
    local id = type(item) == "table" and item.id
    if type(id) ~= "string" and type(id) ~= "number" then return nil end
    out[i] = tostring(id)
  end
  return out[1] and table.concat(out, "\0") or nil
end

-- An answer that is not a page of this list is a failure of the call, like any other undecodable answer
-- (redacted as every error is). The page was fetched with `op` and `args` (n of them).
local function not_a_page(self, op, args, n, response, message)
  local req = request.build(op, self, n, unpack(args, 1, n))
  local _, err = fail(req, response, { kind = "decode", reason = "json", message = message }, self.redact)
  return err
end

-- Decides the options of the page after `body` (which answered `options`), or nil when `body` was the last;
-- nil and a message when the answer asks for a page it gives no way to fetch. `seen`: the cursors (or
-- time offsets) this walk has sent, so one leading back to an earlier page counts as no new one: cursors
-- going round would fetch the same pages for ever.
local function next_options(list, options, body, count, seen)
  local nxt = copy(options)
  if list.style == "cursor" then
    if body.has_more == false or (count == 0 and body.has_more ~= true) then return nil end
    if not is_cursor(body.next_cursor) or seen[body.next_cursor] then
      -- The API sends next_cursor whenever has_more is true: ending here would pass a cut list for whole.
      if body.has_more == true then return nil, "the answer says has_more but gives no new next_cursor" end
      return nil
    end
    nxt.cursor = body.next_cursor
    seen[nxt.cursor] = true
    return nxt
  end
  if count == 0 then return nil end
  if options.time_offset ~= nil then
    -- get_notifications with time_offset pages by the opaque next_time_offset instead of offset, until an
    -- empty page: a short page is not the last one there.
    if not is_cursor(body.next_time_offset) or seen[body.next_time_offset] then return nil end
    nxt.time_offset = body.next_time_offset
    seen[nxt.time_offset] = true
    return nxt
  end
  local limit = type(body.limit) == "number" and body.limit or tonumber(options.limit)
  if limit and count < limit then return nil end
  local offset = (tonumber(options.offset) or 0) + count
  if list.total and type(body.total_count) == "number" and offset >= body.total_count then return nil end
  nxt.offset = offset
  return nxt
end

-- Checks the arguments as the operation itself would (raising at the caller's line), and returns the
-- positional arguments and a private copy of the options with the page size set. The options are
-- checked with that page size: a `limit` above the API's largest is lowered, not refused.
local function prepare(self, caller, op, list, args, n)
  if self.dry_run then
    usage.raise("onesignal." .. caller .. ": a dry-run client sends nothing, so it has no pages to walk")
  end
  local count = #op.positional
  local options = args[count + 1]
  if options == nil or type(options) == "table" then
    args[count + 1] = first_page(list, options)
    if n < count + 1 then n = count + 1 end
  end
  local ok, problem = pcall(request.build, op, self, n, unpack(args, 1, n))
  if not ok then usage.rethrow(problem, self.redact) end
  local positional = {}
  for i = 1, count do positional[i] = args[i] end
  return positional, count, args[count + 1]
end

-- The page iterator behind every item iterator: yields `body, response` per page, `false, err` once on
-- a failed page (or after a page that asks for another without saying how to fetch it), then nil.
local function page_iterator(self, caller, name, ...)
  local op = operations.by_name[name]
  local list = LISTS[name]
  local positional, count, options = prepare(self, caller, op, list, { ... }, select("#", ...))
  local done, broken = false, nil
  local seen = {} -- the cursors or time offsets sent (next_options)
  if options.cursor ~= nil then seen[options.cursor] = true end
  if options.time_offset ~= nil then seen[options.time_offset] = true end
  local previous_ids -- of the page before, in an offset walk
  local skipped = false -- whether the page before repeated the one before it (and was left out)
  local function fetch()
    positional[count + 1] = options
    local body, response = self:call(name, unpack(positional, 1, count + 1))
    if not body then
      done = true
      return false, response
    end
    local items = type(body) == "table" and body[list.items]
    -- `null` where the list belongs is an empty list (an answer with nothing in it), not a broken answer;
    -- the page gets an empty array there, so no caller of each_page meets the null.
    if items == json.null then
      items = setmetatable({}, json.array_mt)
      body[list.items] = items
    end
    -- An object where the list belongs (`{"segments": {"a": …}}`) is no page either: its length of 0
    -- would otherwise end the walk as if the list were empty. An empty `{}` reads as an empty list.
    if type(items) ~= "table" or (next(items) ~= nil and rawget(items, 1) == nil) then
      done = true
      local problem = "the answer has no '" .. list.items .. "' list"
      return false, not_a_page(self, op, positional, count + 1, response, problem)
    end
    -- An offset page of the same items as the one before: as many items came in at the head of a live list
    -- (newest first) as a page holds, or a server (or a cache) ignored `offset`, and asking on would fetch
    -- it for ever. Either way its items were all yielded already: it is left out, and the walk goes on to
    -- the next page, failing only if that one is the same again.
    local repeated = false
    if list.style == "offset" and options.time_offset == nil then
      local page_ids = ids_of(items)
      repeated = page_ids ~= nil and page_ids == previous_ids
      if repeated and skipped then
        done = true
        return false, not_a_page(self, op, positional, count + 1, response, "the answer repeats the page before it")
      end
      skipped, previous_ids = repeated, page_ids
    end
    local problem
    options, problem = next_options(list, options, body, #items, seen)
    done = options == nil
    if problem then
      -- This page's items are good: yielded now, the failure after them.
      broken = not_a_page(self, op, positional, count + 1, response, problem)
    end
    if repeated then return nil end
    return body, response
  end
  return function()
    while true do
      if broken then
        local err = broken
        broken = nil
        return false, err
      end
      if done then return nil end
      local body, response = fetch()
      if body ~= nil then return body, response end -- nil: a page left out
    end
  end, list
end

local function item_iterator(self, caller, name, ...)
  local pages, list = page_iterator(self, caller, name, ...)
  local items, index = {}, 0
  return function()
    while index >= #items do
      local body, err = pages()
      if not body then return body, err end
      items, index = body[list.items], 0
    end
    index = index + 1
    return items[index]
  end
end

--- Every page of a paged list, one request per page. On a failed page it yields `false, err` once, then
-- ends:
--
--     for body, response in client:each_page("view_templates", app_id) do ... end
-- @function Client:each_page
-- @string name the list's operation: `get_notifications`, `view_templates`, `get_segments`, `view_journeys`
-- or `list_audit_logs`
-- @param ... that operation's arguments
-- @return an iterator yielding each page's `body, response`
function M.each_page(self, name, ...)
  if not LISTS[name] then
    local names = {}
    for list_name in pairs(LISTS) do names[#names + 1] = list_name end
    table.sort(names)
    usage.raise("onesignal.each_page: '" .. quote.name(name, self.redact) .. "' is not a paged list (paged: "
      .. table.concat(names, ", ") .. ")")
  end
  return (page_iterator(self, "each_page", name, ...))
end

--- Every notification, newest first (get_notifications' pages).
-- @function Client:each_notification
-- @string app_id the app (nil: the client's `app_id`)
-- @tparam[opt] table options get_notifications' query options (@{operations.md|Operations})
-- @return an iterator yielding each notification
function M.each_notification(self, ...)
  return item_iterator(self, "each_notification", "get_notifications", ...)
end

--- Every template (view_templates' pages).
-- @function Client:each_template
-- @string app_id the app (nil: the client's `app_id`)
-- @tparam[opt] table options view_templates' query options (@{operations.md|Operations})
-- @return an iterator yielding each template
function M.each_template(self, ...)
  return item_iterator(self, "each_template", "view_templates", ...)
end

--- Every segment (get_segments' pages).
-- @function Client:each_segment
-- @string app_id the app (nil: the client's `app_id`)
-- @tparam[opt] table options get_segments' query options (@{operations.md|Operations})
-- @return an iterator yielding each segment
function M.each_segment(self, ...)
  return item_iterator(self, "each_segment", "get_segments", ...)
end

--- Every journey (view_journeys' pages).
-- @function Client:each_journey
-- @string app_id the app (nil: the client's `app_id`)
-- @tparam[opt] table options view_journeys' query options (@{operations.md|Operations})
-- @return an iterator yielding each journey
function M.each_journey(self, ...)
  return item_iterator(self, "each_journey", "view_journeys", ...)
end

--- Every audit log event (list_audit_logs' pages).
-- @function Client:each_audit_log
-- @string organization_id the organization
-- @tparam table options list_audit_logs' query options (@{operations.md|Operations}); the API wants
-- `start_time` unless a `cursor` is given
-- @return an iterator yielding each event
function M.each_audit_log(self, ...)
  return item_iterator(self, "each_audit_log", "list_audit_logs", ...)
end

return M
