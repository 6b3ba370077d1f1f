--- The secrets check's scenarios, shared by spec/hardening/secrets_spec.lua (libcurl transport, in
-- busted and in a child process) and spec/hardening/ngx_secrets.lua (cosocket transport, inside nginx).
-- Every scenario ends in something a program may print or log: an error, its fields, a Lua error
-- message, a hook's table, a dump of a client. `run` returns all of it as text, for the caller to search
-- for the keys.
local onesignal = require("onesignal")

local M = {}

--- Fault scripts the test server must hold before `run` (one per operation, each used once): the
-- server echoes the key back in every place an answer can carry it.
function M.faults(key)
  local json_echo = '{"errors":["invalid key ' .. key .. '"],"key":"' .. key .. '"}'
  -- The key of the client with + / = in it, JSON-escaped as encoders write it: every byte as \u00XX, or
  -- only '/' as \/. Decoded, the body would hold the key itself.
  local every_byte = (key .. "+/="):gsub(".", function(c) return string.format("\\u%04x", c:byte()) end)
  local json_escaped = '{"errors":["invalid key ' .. every_byte .. '"],"key":"' .. key .. '+\\/="}'
  -- The key of the client with % and \ in it, as a server may echo it: inside a JSON string (its backslash
  -- doubled) and percent-encoded (its % as %25, as the request's path carried it).
  local percent_backslash = '{"errors":["invalid key ' .. key .. '%\\\\"],"path":"/users/' .. key .. '%25%5C"}'
  return {
    { match = { operation = "get_segments" },
      -- the key as a header's value, and as a header's name (an echo of the request's headers turned around)
      steps = { { status = 500, body = json_echo, headers = { ["X-Echo"] = "Key " .. key, [key] = "echo" } } } },
    { match = { operation = "view_templates" },
      steps = { { status = 502, content_type = "text/html",
        body = "<html><head><title>Denied " .. key .. "</title></head><body>" .. key .. "</body></html>" } } },
    { match = { operation = "view_journeys" }, steps = { { status = 200, body = "not json " .. key } } },
    { match = { operation = "get_notifications" },
      steps = { { status = 503, body = json_echo }, { status = 503, body = json_echo } } },
    { match = { operation = "view_journey" }, steps = { { delay = 1 } } },
    { match = { operation = "get_app" }, steps = { { drop = "after_read" } } },
    { match = { operation = "get_segment" }, steps = { { status = 400, body = json_escaped } } },
    { match = { operation = "get_email_reputation" }, steps = { { status = 400, body = percent_backslash } } },
  }
end

-- Every string reachable from a value through table keys, values and metatables, and what tostring
-- makes of tables with __tostring: what a debug printer (inspect, serpent, a logger) would show.
local function strings_in(value, out, seen)
  out, seen = out or {}, seen or {}
  local t = type(value)
  if t == "string" then
    out[#out + 1] = value
  elseif t == "number" or t == "boolean" then
    out[#out + 1] = tostring(value)
  elseif t == "table" and not seen[value] then
    seen[value] = true
    local mt = getmetatable(value)
    if type(mt) == "table" and mt.__tostring then out[#out + 1] = tostring(value) end
    for k, v in pairs(value) do
      strings_in(k, out, seen)
      strings_in(v, out, seen)
    end
    if type(mt) == "table" then strings_in(mt, out, seen) end
  end
  return out
end
M.strings_in = strings_in

--- Runs every scenario. o: url, rest_key, org_key, app_id, transport (nil: automatic), hook_raises (the
-- attempt hook raises an error holding everything it was given, and the key it had at hand, so that it
-- ends up in a log).
-- Returns a list of { where = label, text = string }.
function M.run(o)
  local texts = {}
  local function add(where, value)
    for _, s in ipairs(strings_in(value)) do texts[#texts + 1] = { where = where, text = s } end
  end
  local attempts = {}
  -- The hook of a client whose REST key is `key` (the one it quotes).
  local function hook_for(key)
    return function(a)
      attempts[#attempts + 1] = a
      if o.hook_raises then
        local parts = {}
        for _, s in ipairs(strings_in(a)) do parts[#parts + 1] = s end
        error("hook saw: " .. table.concat(parts, " ") .. " with key " .. key)
      end
    end
  end
  local options = { base_url = o.url, rest_api_key = o.rest_key, organization_api_key = o.org_key,
    app_id = o.app_id, transport = o.transport, max_retries = 0, on_attempt = hook_for(o.rest_key) }
  local client = onesignal.new(options)

  local function failure(where, body, err)
    if body then error(where .. ": expected a failure, got an answer", 0) end
    add(where .. ": tostring(err)", tostring(err))
    add(where .. ": err", err)
  end

  failure("json error echoing the key", client:get_segments())
  failure("html page echoing the key", client:view_templates())
  failure("non-JSON 2xx echoing the key", client:view_journeys())
  failure("retries echoing the key", client:with({ max_retries = 1, retry_base_delay = 0.01 }):get_notifications())
  failure("timeout", client:with({ timeout = 0.3 }):view_journey(nil, "journey-1"))
  failure("dropped connection", client:get_app())
  failure("key as a path parameter", client:get_user(nil, "external_id", o.rest_key))
  add("client after a key as a path parameter", client) -- what the client keeps of its last call
  failure("key as a query value", client:view_template("template-1", o.rest_key))
  add("client after a key as a query value", client)

  local unreachable = onesignal.new({ base_url = "http://127.0.0.1:1", rest_api_key = o.rest_key,
    organization_api_key = o.org_key, app_id = o.app_id, transport = o.transport, max_retries = 0 })
  failure("connection refused", unreachable:get_segments())
  -- A URL from an answer (an export's file) whose host is a key: the transport's own failure message
  -- names the host, so the key reaches the hook and the error unless the transport redacts it. Names
  -- under .localhost are this machine for both transports (no resolver): the connection is refused.
  -- A client of its own (with the same hook), as the cosocket transport keeps the hosts it has been to.
  failure("key as the host of a URL", onesignal.new(options):fetch_export("http://" .. o.rest_key
    .. ".localhost:1/export.csv", { timeout = 0 }))

  -- Non-blocking calls hand the same errors to callbacks.
  local async_done = false
  client:get_user_async(nil, "external_id", o.org_key, function(body, err)
    failure("callback error", body, err)
    async_done = true
  end)
  client:run(10)
  if not async_done then error("the non-blocking call did not finish", 0) end

  -- Keys with bytes a URL escapes (base64 keys hold + / =): as a path or query value such a key reaches
  -- the URL as %2B, %2F, %3D, which the hook's url, err.path and dry runs show unless redaction reads
  -- escapes. The server refuses these keys (403): the errors are what is looked at.
  local plus = { base_url = o.url, rest_api_key = o.rest_key .. "+/=", organization_api_key = o.org_key .. "=/+",
    app_id = o.app_id, transport = o.transport, max_retries = 0, on_attempt = hook_for(o.rest_key .. "+/=") }
  local escaped = onesignal.new(plus)
  failure("key with + / = as a path parameter", escaped:get_user(nil, "external_id", plus.rest_api_key))
  failure("key with + / = as a query value", escaped:view_template("template-1", plus.organization_api_key))
  failure("JSON-escaped echo of a key with + / =", escaped:get_segment(nil, "segment-1"))
  add("client after a key with + / = as a query value", escaped)
  plus.dry_run, plus.on_attempt = true, nil
  add("dry-run description (key with + / = as a path parameter)",
    { onesignal.new(plus):get_user(nil, "external_id", plus.rest_api_key) })
  escaped:close()

  -- Keys with a % and a backslash, the two bytes whose escapes start with themselves: a URL carries the
  -- key's % as %25, a JSON text (a body, a dry run's, a server's echo) its backslash as \\.
  local odd = { base_url = o.url, rest_api_key = o.rest_key .. "%\\", organization_api_key = o.org_key .. "\\%",
    app_id = o.app_id, transport = o.transport, max_retries = 0, on_attempt = hook_for(o.rest_key .. "%\\") }
  local percent = onesignal.new(odd)
  failure("key with % and \\ as a path parameter", percent:get_user(nil, "external_id", odd.rest_api_key))
  failure("key with \\ and % as a query value", percent:view_template("template-1", odd.organization_api_key))
  failure("escaped echo of a key with % and \\", percent:get_email_reputation())
  add("client after a key with % and \\", percent)
  percent:close()
  odd.dry_run, odd.on_attempt = true, nil
  local dry_odd = onesignal.new(odd)
  add("dry-run description (key with % and \\ as a path parameter)",
    { dry_odd:get_user(nil, "external_id", odd.rest_api_key) })
  add("dry-run description (key with % and \\ in the body)",
    { dry_odd:create_notification({ contents = { en = odd.rest_api_key }, included_segments = { "All" } }) })

  -- Lua errors: mistakes in calling.
  local function raised(where, fn)
    local ok, err = pcall(fn)
    if ok then error(where .. ": expected a Lua error", 0) end
    add(where, tostring(err))
  end
  raised("key with a line break", function() onesignal.new({ rest_api_key = o.rest_key .. "\n" }) end)
  raised("unknown option beside the key", function() onesignal.new({ rest_api_key = o.rest_key, bogus = 1 }) end)
  -- A key where the base URL belongs (ONESIGNAL_API_URL set to it, options mixed up): the message quotes
  -- the URL, or its host.
  raised("key as the base URL", function() onesignal.new({ rest_api_key = o.rest_key, base_url = o.rest_key }) end)
  raised("key in the base URL's host", function()
    onesignal.new({ organization_api_key = o.org_key, base_url = "http://" .. o.org_key .. ".example.com" })
  end)
  raised("missing argument", function() client:get_user() end)
  raised("no organization key", function()
    onesignal.new({ base_url = o.url, rest_api_key = o.rest_key, transport = o.transport }):get_apps()
  end)
  raised("body JSON cannot carry", function()
    client:create_notification({ contents = { en = o.rest_key }, data = { f = print } })
  end)
  if client.transport.name == "curl" then
    -- The C core refuses such a key; the cosocket transport sends it inside the JSON body, where a line
    -- break is harmless, so there is no error to look at there.
    raised("idempotency key with a line break", function()
      client:create_notification({ contents = { en = "x" }, included_segments = { "All" },
        idempotency_key = o.rest_key .. "\r\n" })
    end)
  end

  -- Hooks, dumps of clients and answers, dry runs.
  add("hook tables", attempts)
  add("client", client)
  add("derived client", client:with({ deadline = 5 }))
  add("tostring(client)", tostring(client))
  local body, res = client:view_api_keys()
  add("answer", { body, res })
  local dry = onesignal.new({ base_url = o.url, rest_api_key = o.rest_key, organization_api_key = o.org_key,
    app_id = o.app_id, dry_run = true })
  add("dry-run client", dry)
  add("dry-run description", { dry:create_notification({ contents = { en = "x" }, included_segments = { "All" } }) })
  add("dry-run description (organization)", { dry:get_apps() })
  client:close()
  add("closed client", client)
  return texts
end

return M
