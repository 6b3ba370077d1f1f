--- The OneSignal REST API as data: one row per operation.
--
-- Each row is: name, HTTP method, path template, credential, parameters in calling order, and optional
-- traits. Parameters are written `name:where` (where = path, query or body); a leading `?` marks an optional
-- one. The client turns every row into a method `client:<name>(...)`; adding an endpoint is adding a row.
--
-- Traits:
--   no_content       the API may answer 2xx with an empty body (the spec declares no content)
--   idempotency_key  the API deduplicates by the body's `idempotency_key`; one is generated when the caller
--                    gives none
--   legacy_key       an older body field the API still honours as that key when `idempotency_key` is absent
--   body_app_id      the body carries `app_id` (required); the client's default fills it when missing
--   max_body_bytes   the API's documented limit for the whole JSON body
--   max_item_bytes   { field, bytes }: the documented limit for each element of an array field
--   keyed_items      array field whose elements the API deduplicates by their own `idempotency_key`: when
--                    every element carries one, repeating the request is harmless
--   list_options     query options that take a list (sent as the name repeated, OpenAPI's exploded form
--                    style); every other query parameter takes one value. `name:n`: the list takes at most
--                    n items (the spec's maxItems)
--   query_max        { name = n }: the largest value of an integer query option, here the API's largest
--                    page (the spec's `maximum`, or its description's "Max is 50" where it has none: the
--                    API answers fewer items than asked, so an `offset` advanced by the limit skips some)
--   excludes         { option = other }: a query option the API refuses together with another one
--   note_429         a 429 to it is the app's rate limit on sending: it holds back the new items of
--                    client:send_many (the engine notes the wait; request field `note_429`)
-- @module onesignal.operations

local ROWS = {
  { "cancel_notification", "DELETE", "/notifications/{notification_id}", "rest",
    "app_id:query notification_id:path" },
  { "copy_template_to_app", "POST", "/templates/{template_id}/copy_to_app", "organization",
    "template_id:path app_id:query copy_template_request:body" },
  { "create_alias", "PATCH", "/apps/{app_id}/users/by/{alias_label}/{alias_id}/identity", "rest",
    "app_id:path alias_label:path alias_id:path user_identity_body:body" },
  { "create_alias_by_subscription", "PATCH", "/apps/{app_id}/subscriptions/{subscription_id}/user/identity", "rest",
    "app_id:path subscription_id:path user_identity_body:body" },
  { "create_api_key", "POST", "/apps/{app_id}/auth/tokens", "organization",
    "app_id:path create_api_key_request:body" },
  { "create_app", "POST", "/apps", "organization",
    "app:body" },
  { "create_custom_events", "POST", "/apps/{app_id}/custom_events", "rest",
    "app_id:path custom_events_request:body",
    { max_body_bytes = 1024 * 1024, max_item_bytes = { "events", 2024 }, keyed_items = "events" } },
  { "create_journey", "POST", "/apps/{app_id}/journeys", "rest",
    "app_id:path create_journey_request:body" },
  { "create_notification", "POST", "/notifications", "rest",
    "notification:body", { idempotency_key = true, legacy_key = "external_id", body_app_id = true, note_429 = true } },
  { "create_segment", "POST", "/apps/{app_id}/segments", "rest",
    "app_id:path ?segment:body" },
  { "create_subscription", "POST", "/apps/{app_id}/users/by/{alias_label}/{alias_id}/subscriptions", "rest",
    "app_id:path alias_label:path alias_id:path subscription_body:body" },
  { "create_template", "POST", "/templates", "rest",
    "create_template_request:body", { body_app_id = true } },
  { "create_user", "POST", "/apps/{app_id}/users", "rest",
    "app_id:path user:body" },
  { "delete_alias", "DELETE", "/apps/{app_id}/users/by/{alias_label}/{alias_id}/identity/{alias_label_to_delete}",
    "rest", "app_id:path alias_label:path alias_id:path alias_label_to_delete:path" },
  { "delete_api_key", "DELETE", "/apps/{app_id}/auth/tokens/{token_id}", "organization",
    "app_id:path token_id:path" },
  { "delete_journey", "DELETE", "/apps/{app_id}/journeys/{journey_id}", "rest",
    "app_id:path journey_id:path" },
  { "delete_segment", "DELETE", "/apps/{app_id}/segments/{segment_id}", "rest",
    "app_id:path segment_id:path" },
  { "delete_subscription", "DELETE", "/apps/{app_id}/subscriptions/{subscription_id}", "rest",
    "app_id:path subscription_id:path", { no_content = true } },
  { "delete_template", "DELETE", "/templates/{template_id}", "rest",
    "template_id:path app_id:query" },
  { "delete_user", "DELETE", "/apps/{app_id}/users/by/{alias_label}/{alias_id}", "rest",
    "app_id:path alias_label:path alias_id:path", { no_content = true } },
  { "estimate_notification_recipients", "POST", "/notifications/count-unsaved", "rest",
    "estimate_notification_recipients_request:body", { body_app_id = true } },
  { "export_events", "POST", "/notifications/{notification_id}/export_events", "rest",
    "notification_id:path app_id:query" },
  { "export_subscriptions", "POST", "/players/csv_export", "rest",
    "app_id:query ?export_subscriptions_request_body:body" },
  { "get_aliases", "GET", "/apps/{app_id}/users/by/{alias_label}/{alias_id}/identity", "rest",
    "app_id:path alias_label:path alias_id:path" },
  { "get_aliases_by_subscription", "GET", "/apps/{app_id}/subscriptions/{subscription_id}/user/identity", "rest",
    "app_id:path subscription_id:path" },
  { "get_app", "GET", "/apps/{app_id}", "organization",
    "app_id:path" },
  { "get_apps", "GET", "/apps", "organization",
    "" },
  { "get_email_reputation", "GET", "/apps/{app_id}/email_analytics/delivery_metrics", "rest",
    "app_id:path" },
  { "get_notification", "GET", "/notifications/{notification_id}", "rest",
    "app_id:query notification_id:path" },
  { "get_notification_history", "POST", "/notifications/{notification_id}/history", "rest",
    "notification_id:path get_notification_history_request_body:body", { body_app_id = true } },
  { "get_notifications", "GET", "/notifications", "rest",
    "app_id:query ?limit:query ?offset:query ?kind:query ?time_offset:query",
    -- "When [time_offset is] set, … the standard offset parameter cannot be used."
    { query_max = { limit = 50 }, excludes = { offset = "time_offset" } } },
  { "get_outcomes", "GET", "/apps/{app_id}/outcomes", "rest",
    "app_id:path outcome_names:query ?outcome_names[]:query ?outcome_time_range:query ?outcome_platforms:query"
    .. " ?outcome_attribution:query",
    { list_options = "outcome_names[]" } },
  { "get_segment", "GET", "/apps/{app_id}/segments/{segment_id}", "rest",
    "app_id:path segment_id:path ?include-segment-detail:query" },
  { "get_segments", "GET", "/apps/{app_id}/segments", "rest",
    "app_id:path ?offset:query ?limit:query", { query_max = { limit = 300 } } },
  { "get_user", "GET", "/apps/{app_id}/users/by/{alias_label}/{alias_id}", "rest",
    "app_id:path alias_label:path alias_id:path" },
  { "list_audit_logs", "GET", "/organizations/{organization_id}/audit_logs", "organization",
    "organization_id:path ?start_time:query ?end_time:query ?cursor:query ?limit:query ?app_ids:query"
    .. " ?actions:query ?actor_ids:query ?actor_emails:query ?target_types:query ?target_ids:query"
    .. " ?ip_addresses:query",
    { list_options = "app_ids:10 actions:20 actor_ids:10 actor_emails:10 target_types:10 target_ids:10"
      .. " ip_addresses:10", query_max = { limit = 100 } } },
  { "rotate_api_key", "POST", "/apps/{app_id}/auth/tokens/{token_id}/rotate", "organization",
    "app_id:path token_id:path" },
  { "start_live_activity", "POST", "/apps/{app_id}/activities/activity/{activity_type}", "rest",
    "app_id:path activity_type:path start_live_activity_request:body", { idempotency_key = true } },
  { "transfer_subscription", "PATCH", "/apps/{app_id}/subscriptions/{subscription_id}/owner", "rest",
    "app_id:path subscription_id:path transfer_subscription_request_body:body" },
  { "unsubscribe_email_with_token", "POST", "/apps/{app_id}/notifications/{notification_id}/unsubscribe", "rest",
    "app_id:path notification_id:path token:query" },
  { "update_api_key", "PATCH", "/apps/{app_id}/auth/tokens/{token_id}", "organization",
    "app_id:path token_id:path update_api_key_request:body" },
  { "update_app", "PUT", "/apps/{app_id}", "organization",
    "app_id:path app:body" },
  { "update_journey", "PATCH", "/apps/{app_id}/journeys/{journey_id}", "rest",
    "app_id:path journey_id:path update_journey_request:body" },
  { "update_journey_node", "PATCH", "/apps/{app_id}/journeys/{journey_id}/nodes/{node_id}", "rest",
    "app_id:path journey_id:path node_id:path update_journey_node_request:body" },
  { "update_live_activity", "POST", "/apps/{app_id}/live_activities/{activity_id}/notifications", "rest",
    "app_id:path activity_id:path update_live_activity_request:body" },
  { "update_segment", "PATCH", "/apps/{app_id}/segments/{segment_id}", "rest",
    "app_id:path segment_id:path ?update_segment_request:body" },
  { "update_subscription", "PATCH", "/apps/{app_id}/subscriptions/{subscription_id}", "rest",
    "app_id:path subscription_id:path subscription_body:body", { no_content = true } },
  { "update_subscription_by_token", "PATCH", "/apps/{app_id}/subscriptions_by_token/{token_type}/{token}", "rest",
    "app_id:path token_type:path token:path subscription_body:body" },
  { "update_template", "PATCH", "/templates/{template_id}", "rest",
    "template_id:path app_id:query update_template_request:body" },
  { "update_user", "PATCH", "/apps/{app_id}/users/by/{alias_label}/{alias_id}", "rest",
    "app_id:path alias_label:path alias_id:path update_user_request:body" },
  { "view_api_keys", "GET", "/apps/{app_id}/auth/tokens", "organization",
    "app_id:path" },
  { "view_journey", "GET", "/apps/{app_id}/journeys/{journey_id}", "rest",
    "app_id:path journey_id:path" },
  { "view_journey_stats", "GET", "/apps/{app_id}/journeys/{journey_id}/stats", "rest",
    "app_id:path journey_id:path" },
  { "view_journeys", "GET", "/apps/{app_id}/journeys", "rest",
    "app_id:path ?cursor:query ?limit:query", { query_max = { limit = 50 } } },
  { "view_template", "GET", "/templates/{template_id}", "rest",
    "template_id:path app_id:query" },
  { "view_templates", "GET", "/templates", "rest",
    "app_id:query ?limit:query ?offset:query ?channel:query", { query_max = { limit = 50 } } },
}

-- Query options the API declares as integers or booleans, by wire name (OneSignal's OpenAPI spec); every
-- other query parameter is text. The request builder and the command line both check values against it.
local QUERY_TYPES = {
  limit = "integer",
  offset = "integer",
  kind = "integer",
  ["include-segment-detail"] = "boolean",
}

-- Query options whose values the API enumerates (the spec's `enum`), by wire name, as the text each is sent
-- as: any other value is refused before sending. The API answers 400 to it; a lenient server would match
-- nothing and answer an empty page, which reads as "there are none".
local QUERY_VALUES = {
  kind = "0 1 3",               -- get_notifications: dashboard, API, automated
  channel = "push email sms",   -- view_templates
}

-- The smallest value of integer query options, by wire name: a page of no items, or one before the
-- first. (Each operation's largest is its `query_max` trait.)
local QUERY_MIN = { limit = 1, offset = 0 }

-- Turns a row into the shape the request builder works with:
--   positional  parameters taken positionally (everything but optional query ones), in calling order
--   options     optional query parameters, in declared order (taken from one trailing table)
--   path_parts  the template split into literal text and parameter names, for quick assembly
local function compile(row)
  local name, method, path, credential, params, traits = row[1], row[2], row[3], row[4], row[5], row[6] or {}
  local op = {
    name = name, method = method, path = path, credential = credential,
    positional = {}, options = {}, option_set = {}, path_parts = {},
  }
  for k, v in pairs(traits) do op[k] = v end
  local lists = {}
  for pname, most in (traits.list_options or ""):gmatch("([^%s:]+):?(%d*)") do lists[pname] = tonumber(most) or true end
  for spec in params:gmatch("%S+") do
    local optional, pname, where = spec:match("^(%??)([^:]+):(%a+)$")
    assert(pname, "bad parameter spec " .. spec .. " in " .. name)
    local list = lists[pname]
    local param = { name = pname, where = where, optional = optional == "?", list = list ~= nil or nil,
      max_items = list ~= true and list or nil, type = where == "query" and QUERY_TYPES[pname] or nil }
    if param.type == "integer" then
      param.min, param.max = QUERY_MIN[pname], traits.query_max and traits.query_max[pname]
    end
    local values = where == "query" and QUERY_VALUES[pname]
    if values then
      param.values, param.values_text = {}, values:gsub(" ", ", ")
      for text in values:gmatch("%S+") do param.values[text] = true end
    end
    lists[pname] = nil
    if param.optional and where == "query" then
      op.options[#op.options + 1] = param
      op.option_set[pname] = param
    else
      op.positional[#op.positional + 1] = param
    end
    if where == "body" then op.body = param end
  end
  local pos = 1
  while true do
    local s, e, pname = path:find("{([^}]+)}", pos)
    if not s then break end
    if s > pos then op.path_parts[#op.path_parts + 1] = path:sub(pos, s - 1) end
    op.path_parts[#op.path_parts + 1] = { param = pname }
    pos = e + 1
  end
  if pos <= #path then op.path_parts[#op.path_parts + 1] = path:sub(pos) end
  assert(next(lists) == nil, "list_options of " .. name .. " names an unknown parameter")
  for pname, other in pairs(traits.excludes or {}) do
    assert(op.option_set[pname] and op.option_set[other], "excludes of " .. name .. " names no query option")
  end
  for pname in pairs(traits.query_max or {}) do
    assert(op.option_set[pname] and op.option_set[pname].type == "integer",
      "query_max of " .. name .. " names no integer query option")
  end
  return op
end

local M = { list = {}, by_name = {}, query_types = QUERY_TYPES, query_values = QUERY_VALUES }
for i, row in ipairs(ROWS) do
  local op = compile(row)
  M.list[i] = op
  M.by_name[op.name] = op
end

return M
