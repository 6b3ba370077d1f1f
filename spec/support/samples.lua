--- Realistic arguments for every operation, as a user would pass them: `args` positionally (app_id left nil
-- where the client has a default, to exercise that path) and `options` for the trailing query table.
-- Used by the per-operation spec, the contract spec against Prism and the OpenResty equality spec.
--
-- `ctx` gives ids that exist on the server at hand: app_id, org_id, and optional notification_id,
-- template_id, segment_id, subscription_id, journey_id, token_id.
local M = {}

local function id(ctx, name, fallback) return ctx[name] or fallback end

function M.all(ctx)
  local app = ctx.app_id
  local notification = id(ctx, "notification_id", "b98881cc-1e94-4366-bbd9-db8f3429292b")
  local template = id(ctx, "template_id", "6c7a5a1e-2b0e-4b4a-9c6e-5f1d2c3b4a59")
  local segment = id(ctx, "segment_id", "1d6c2f3e-4a5b-4c7d-8e9f-0a1b2c3d4e5f")
  local subscription = id(ctx, "subscription_id", "e4e87830-b954-4363-b7bc-1f01dbaee5c8")
  local journey = id(ctx, "journey_id", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")
  local token_id = id(ctx, "token_id", "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d")
  local node = id(ctx, "node_id", "node-welcome-1")
  local org = ctx.org_id

  return {
    cancel_notification = { args = { nil, notification } },
    copy_template_to_app = { args = { template, app, { target_app_id = ctx.other_app_id or app } } },
    create_alias = { args = { nil, "external_id", "user-42", { identity = { custom_crm_id = "crm-42" } } } },
    create_alias_by_subscription = { args = { nil, subscription, { identity = { custom_crm_id = "crm-43" } } } },
    create_api_key = { args = { app, { name = "CI deploy key", ip_allowlist_mode = "disabled" } } },
    create_app = { args = { { name = "Lua SDK test app", site_name = "Lua SDK",
      chrome_web_origin = "https://example.com" } } },
    create_custom_events = { args = { nil, { events = {
      { name = "level_completed", external_id = "user-42", timestamp = "2026-11-22T10:00:00Z",
        payload = { level = 7, stars = 3 } },
    } } } },
    create_journey = { args = { nil, { name = "Welcome series" } } },
    create_notification = { args = { {
      contents = { en = "Your order has shipped 📦", es = "Tu pedido ha sido enviado" },
      headings = { en = "Good news" },
      include_aliases = { external_id = { "user-42" } },
      target_channel = "push",
      data = { order_id = 1234 },
    } } },
    create_segment = { args = { nil, { name = "Level 7 players",
      filters = { { field = "tag", key = "level", relation = "=", value = "7" } } } } },
    create_subscription = { args = { nil, "external_id", "user-42",
      { subscription = { type = "Email", token = "player42@example.com", enabled = true } } } },
    create_template = { args = { { name = "Order shipped", contents = { en = "Your order has shipped" } } } },
    create_user = { args = { nil, {
      identity = { external_id = "user-42" },
      properties = { tags = { level = "7" }, language = "en", timezone_id = "Europe/Berlin" },
      subscriptions = { { type = "Email", token = "player42@example.com", enabled = true } },
    } } },
    delete_alias = { args = { nil, "external_id", "user-42", "custom_crm_id" } },
    delete_api_key = { args = { app, token_id } },
    delete_journey = { args = { nil, journey } },
    delete_segment = { args = { nil, segment } },
    delete_subscription = { args = { nil, subscription } },
    delete_template = { args = { template, nil } },
    delete_user = { args = { nil, "external_id", "user-42" } },
    estimate_notification_recipients = { args = { { included_segments = { "Subscribed Users" } } } },
    export_events = { args = { notification, nil } },
    export_subscriptions = { args = { nil, { extra_fields = { "location", "country" },
      segment_name = "Subscribed Users" } } },
    get_aliases = { args = { nil, "external_id", "user-42" } },
    get_aliases_by_subscription = { args = { nil, subscription } },
    get_app = { args = { app } },
    get_apps = { args = {} },
    get_email_reputation = { args = { nil } },
    get_notification = { args = { nil, notification } },
    get_notification_history = { args = { notification, { id = notification, events = "clicked",
      email = "ops@example.com" } } },
    get_notifications = { args = { nil }, options = { limit = 10, offset = 0, kind = 1 } },
    get_outcomes = { args = { nil, "os__click.count,os__session_duration.sum" },
      options = { outcome_time_range = "1d", outcome_platforms = "0,1", outcome_attribution = "direct" } },
    get_segment = { args = { nil, segment }, options = { ["include-segment-detail"] = true } },
    get_segments = { args = { nil }, options = { offset = 0, limit = 20 } },
    get_user = { args = { nil, "external_id", "user-42" } },
    list_audit_logs = { args = { org }, options = { limit = 50, app_ids = { app }, actions = { "app.update" } } },
    rotate_api_key = { args = { app, token_id } },
    start_live_activity = { args = { nil, "OrderTracking", {
      name = "order-1234", event = "start", activity_id = "order-1234",
      event_attributes = { order_id = "1234" }, event_updates = { status = "preparing" },
      contents = { en = "Order received" }, headings = { en = "Order 1234" },
      include_aliases = { external_id = { "user-42" } },
    } } },
    transfer_subscription = { args = { nil, subscription, { identity = { external_id = "user-43" } } } },
    unsubscribe_email_with_token = { args = { nil, notification, "unsub-token-1" } },
    update_api_key = { args = { app, token_id, { name = "CI deploy key (renamed)" } } },
    update_app = { args = { app, { name = "Lua SDK test app (renamed)" } } },
    update_journey = { args = { nil, journey, { name = "Welcome series v2" } } },
    update_journey_node = { args = { nil, journey, node, { annotation = "first touch" } } },
    update_live_activity = { args = { nil, "order-1234", {
      name = "order-1234", event = "update", event_updates = { status = "on its way" },
    } } },
    update_segment = { args = { nil, segment, { name = "Level 7+ players" } } },
    update_subscription = { args = { nil, subscription, { subscription = { enabled = false } } } },
    update_subscription_by_token = { args = { nil, "Email", "player42@example.com",
      { subscription = { enabled = true } } } },
    update_template = { args = { template, nil, { name = "Order shipped v2" } } },
    update_user = { args = { nil, "external_id", "user-42", { properties = { tags = { level = "8" } } } } },
    view_api_keys = { args = { app } },
    view_journey = { args = { nil, journey } },
    view_journey_stats = { args = { nil, journey } },
    view_journeys = { args = { nil }, options = { limit = 10 } },
    view_template = { args = { template, nil } },
    view_templates = { args = { nil }, options = { limit = 10, offset = 0, channel = "push" } },
  }
end

--- Calls `client:<name>` with the sample's arguments and options; returns what the call returned.
function M.call(client, name, sample)
  local args = {}
  local n = 0
  for i, v in pairs(sample.args) do
    args[i] = v
    if i > n then n = i end
  end
  local op = require("onesignal.operations").by_name[name]
  n = math.max(n, #op.positional)
  if sample.options then
    n = n + 1
    args[n] = sample.options
  end
  return client[name](client, (table.unpack or unpack)(args, 1, n))
end

return M
