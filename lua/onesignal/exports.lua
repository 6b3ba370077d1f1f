--- Exports: the client's `fetch_export` and `download_export`, methods of the client (client.lua's
-- EXTENSIONS), so the reference shows them on the client's page (config.ld's `merge`: hence the module's
-- name below).
-- @module onesignal.client

--- Exports.
-- Wait until an export's CSV file exists, then fetch it or save it to a file.
--
--     local answer = assert(client:export_subscriptions(app_id))
--     local info, err = client:download_export(answer.csv_file_url, "subscriptions.csv", {
--       progress = function(event) print(event.phase, event.polls, event.bytes) end,
--     })
--
-- `export_subscriptions` and `export_events` answer at once with the URL of a CSV file that the API
-- writes later; until then the URL answers 404 (or 403, as S3 does for a missing object). The helpers poll
-- it with exponential backoff, bounded by `timeout` seconds of waiting in all (the last wait is cut short,
-- so the last check comes as `timeout` ends). The file is fetched with no credential: the API key is
-- never sent to the storage host. The URL's query (a presigned URL's signature, a credential to the file)
-- is in no error's message or path (`path` stops before it) and the on_attempt hook sees it as
-- `?[REDACTED]`; `err.body` is the host's answer as sent (S3's `SignatureDoesNotMatch` quotes the
-- signature it refused, which opens nothing). Its bytes
-- are kept as served: OneSignal's files are .csv.gz, which stay gzip-compressed unless the host sends
-- them with Content-Encoding: gzip (then they are decoded).
--
-- Options (all optional):
--
-- * `timeout`: seconds to wait for the file in all (default 600; 0: one check); then `nil, err` with `kind = "timeout"`
--   and `reason = "export_not_ready"`
-- * `interval`, `max_interval`: the first wait between polls and the longest (default 2 and 30 seconds);
--   each wait doubles the one before
-- * `request_timeout`: seconds for each GET, transfer included. Without it a GET has no overall limit
--   and fails (`kind = "timeout"`, retried as usual) only when it stalls: when no byte arrives for the
--   client's `timeout` (that of `client:with` if set), a wait for a free connection included. With
--   libcurl a stall is noticed up to about 6 s later, when bytes came before it (libcurl averages the
--   speed over its last seconds). The client's `deadline` still bounds each call, and `connect_timeout`
--   the connecting.
-- * `progress`: function called with one event table per step: `{ phase = "waiting", polls, waited,
--   wait, status }` before each wait, `{ phase = "writing", bytes, total, path }` as the file arrives
--   (download_export: about every MiB and once at the end; `total` is the Content-Length, nil when unknown
--   or when a Content-Encoding is decoded on the way), `{ phase = "done", bytes, polls, waited, path }` at
--   the end. The "writing" events come while the transfer runs (with libcurl, from inside the C engine):
--   there it must not yield or call the client; an error it raises stops the transfer (not retried), and
--   download_export raises it again once the partial file is removed.
-- * `sleep`: function(seconds) that waits; default `client:sleep`, which keeps driving the client's other
--   requests (and inside `client:spawn` suspends only the coroutine). Pass your event loop's own to use it.
--
-- `download_export` streams the body to `path .. ".part"` as it arrives, on both transports: the file is
-- never held in memory, so `max_body_size` does not bound it. Only a 2xx answer's body goes there; "not
-- ready" answers and errors never touch it. A retried attempt starts the .part file again from empty; it is
-- renamed to `path` only once the transfer is complete, and removed on any failure, so `path` never holds
-- half a file. `fetch_export` returns the content as a string, held in memory under `max_body_size`.
--
-- Failures return `nil, err` like any call: `kind = "api"` for an answer other than 2xx/403/404 (and,
-- with `reason = "export_expired"`, for S3's 403 to a presigned URL past its expiry; `"export_refused"`
-- for S3's 403 or 404 naming another lasting cause, an error code other than NoSuchKey and AccessDenied
-- such as SignatureDoesNotMatch or NoSuchBucket; `"http"` for a 403 whose body is larger than
-- `max_body_size`, which cannot say whether the file is missing or the URL refused); `"network"`
-- (`reason = "proxy"` before any GET when, with the libcurl transport and no option `proxy`, the proxy
-- variable libcurl would use for the file's host has a scheme it cannot use: the message names the
-- variable, as onesignal.new does for the API's host), `"timeout"`, `"tls"`; `"decode"` (`reason =
-- "too_large"`) for fetch_export's file larger than the client's `max_body_size`; `kind = "io"` when the
-- file cannot be written (`message` says why). Every
-- error, an io one too, counts every GET made in `attempts` (a check's retries included) and the checks
-- in `polls`.
-- @section exports

local response = require("onesignal.response")
local errors = require("onesignal.errors")
local json = require("onesignal.json")
local usage = require("onesignal.usage")
local config = require("onesignal.config")
local quote = require("onesignal.quote")
local order = require("onesignal.order")

local M = {}

local DEFAULTS = { timeout = 600, interval = 2, max_interval = 30 }
local CHUNK = 1024 * 1024      -- bytes written between two "writing" progress events

-- Answers that mean "not written yet": S3 answers 403 rather than 404 for a missing object when the
-- reader may not list the bucket.
local NOT_READY = { [403] = true, [404] = true }

-- The code and message of S3's (or an S3-compatible host's) XML error body, or nil when it has no code.
local function s3_error(result)
  local body = result.body
  if type(body) ~= "string" then return nil end
  local code = body:match("<Error>.-<Code>([^<]*)</Code>")
  return code, code and body:match("<Message>([^<]*)</Message>")
end

-- Whether a "not ready" status is S3's answer to a URL it will never serve. NoSuchKey, and AccessDenied
-- (S3's answer for a missing object to a reader that may not list the bucket, whose message may be "Access
-- Denied" or, within one AWS account, may name the IAM action denied), mean the object may not be there
-- yet; AccessDenied "Request has expired" is told apart before. Every other code of a 403 or 404 —
-- SignatureDoesNotMatch, InvalidAccessKeyId, AllAccessDisabled, NoSuchBucket… (S3's documented codes) —
-- comes from the URL or the account, which no wait mends. A body with no S3 code is taken for "not there".
local function refused(code)
  return code ~= nil and code ~= "NoSuchKey" and code ~= "AccessDenied"
end

-- The helpers' options and the kind of value each takes; checked in the order of their names, so of several
-- wrong ones the same is named on every run (see onesignal.order).
local OPTIONS = { progress = "function", sleep = "function", timeout = "seconds", interval = "seconds",
  max_interval = "seconds", request_timeout = "seconds" }
local OPTION_NAMES = order.keys(OPTIONS)

local function check_options(self, caller, options)
  if options == nil then return {} end
  if type(options) ~= "table" then usage.raise("onesignal." .. caller .. ": options must be a table") end
  local unknown = order.first_unknown(options, OPTIONS)
  if unknown ~= nil then
    usage.raise("onesignal." .. caller .. ": unknown option '" .. quote.key(unknown, self.redact) .. "'")
  end
  for _, name in ipairs(OPTION_NAMES) do
    local value = options[name]
    if value ~= nil and OPTIONS[name] == "function" then
      if type(value) ~= "function" then usage.raise("onesignal." .. caller .. ": option '" .. name
        .. "' must be a function") end
    elseif value ~= nil then
      -- Only the total may be zero (one check, no wait): a zero wait would poll without pause.
      local problem = config.seconds_problem(value, name ~= "timeout")
      if problem then usage.raise("onesignal." .. caller .. ": option '" .. name .. "' " .. problem) end
    end
  end
  return options
end

-- Whether `url` is an absolute http(s) URL without spaces or control bytes.
local function is_http_url(url)
  return type(url) == "string" and url:match("^[Hh][Tt][Tt][Pp][Ss]?://[^/%s]+") ~= nil and not url:find("[%s%c]")
end

-- Whether the absolute URL `url` names a user (and so perhaps a password) before its host.
local function has_userinfo(url)
  return url:match("^%a+://([^/?#]*)"):find("@", 1, true) ~= nil
end

-- Whether `url` is one the helpers can fetch: an absolute http(s) URL without spaces, control bytes or a
-- user name and password (which libcurl would send to the file's host and show in the attempt hook's url,
-- and cosockets cannot send: as for base_url, none is taken).
local function is_url(url)
  return is_http_url(url) and not has_userinfo(url)
end

-- Readable as `require("onesignal.exports").is_url` (the CLI's --download checks the answer's URL with
-- it) without becoming a client method: the client takes every field of this module's table as a method.
setmetatable(M, { __index = { is_url = is_url } })

local function check_url(caller, url)
  if is_url(url) then return end
  if is_http_url(url) then
    -- The message does not quote the URL: its password would show.
    usage.raise("onesignal." .. caller .. ": argument 'url' (#1) must not carry a user name or password"
      .. " (user@host): an export's file is fetched with no credential")
  end
  usage.raise("onesignal." .. caller .. ": argument 'url' (#1) must be an absolute http(s) URL"
    .. " (the csv_file_url of the export's answer)")
end

-- The URL's path as errors name the request (without its query, a presigned URL's signature).
local function request_path(url)
  local path = url:match("^%a+://[^/]+([^?#]*)")
  return path == "" and "/" or path
end

local function notify(options, event)
  if options.progress then options.progress(event) end
end

-- The error `response` made of one check's answer, as an error of the whole wait: `attempts` counts every
-- GET the call made (a check's retries included), as it does for any call, and `polls` the checks.
local function of_whole_wait(attempts, polls, _, err)
  err.attempts, err.polls = attempts, polls
  return nil, err
end

-- Polls `url` until the file is there. Returns its text (or, with `on_body`, which then takes a 2xx body
-- as it arrives, "") and what the wait took, plus the bytes handed to `on_body` and the GETs made; or nil
-- and an error.
local function fetch(self, caller, url, options, on_body)
  if self.dry_run then
    usage.raise("onesignal." .. caller .. ": a dry-run client sends nothing, so no export can be fetched")
  end
  local timeout = options.timeout or DEFAULTS.timeout
  local wait = options.interval or DEFAULTS.interval
  local max_wait = options.max_interval or DEFAULTS.max_interval
  local sleep = options.sleep or function(seconds) self:sleep(seconds) end
  local path = request_path(url) -- for errors
  local where = { operation = caller, method = "GET", path = path } -- the request, as errors name it
  -- A proxy variable that libcurl cannot use for the file's host would fail every GET as a connection not
  -- made, retried: said before any, as onesignal.new says it for the API's host.
  local proxy_problem = self.transport.file_proxy_problem and self.transport:file_proxy_problem(url)
  if proxy_problem then
    return nil, errors.new({ kind = "network", reason = "proxy", operation = caller, method = "GET", path = path,
      attempts = 0, polls = 0, message = proxy_problem .. ", or set the client's option 'proxy' (\"\" for none)" })
  end
  -- No credential: the file's host gets no key. Settings from client:with{} apply as to any call.
  local req = { operation = caller, method = "GET", url = url, on_body = on_body }
  for k, v in pairs(self.overrides or {}) do req[k] = v end
  if options.request_timeout then
    req.timeout = options.request_timeout
  else
    -- A large file may take longer than any call's timeout to arrive: the GET then has no overall limit
    -- and fails only when no byte comes for that long (the timeout of client:with, else the client's).
    -- math.huge is "no limit" to both transports; users cannot give it (their timeouts are finite).
    req.idle_timeout = req.timeout or self.attempt_timeout
    req.timeout = math.huge
  end
  local polls, attempts, waited = 0, 0, 0
  while true do
    polls = polls + 1
    local result = self:_perform(req)
    attempts = attempts + (result.attempts or 1)
    waited = waited + (result.elapsed or 0)
    local status = result.status or 0
    if not result.error and status >= 200 and status < 300 then
      return result.body or "", { polls = polls, waited = waited, status = status, headers = result.headers },
        result.streamed or 0, attempts
    end
    -- A "not ready" answer whose body was too large to keep: its status alone has to tell.
    local unread = result.error == "too_large" and NOT_READY[status]
    if unread and status == 403 then
      -- The body that would tell a missing file from a refused URL was not read: waiting could only end
      -- in a timeout that hides why.
      return of_whole_wait(attempts, polls, response.fail(where, result, { kind = "api", reason = "http",
        message = "the file's host answered 403 with a " .. tostring(result.message) .. ", so whether the file"
          .. " is not written yet or the URL is refused cannot be told; raise max_body_size" }, self.redact))
    end
    if (result.error and not unread) or not NOT_READY[status] then
      -- Anything else fails as the same answer to an API call would. A 404 says "not there" by itself.
      return of_whole_wait(attempts, polls, response.finish(where, result, self.redact))
    end
    local code, message = s3_error(result)
    if status == 403 and code == "AccessDenied" and message == "Request has expired" then
      -- S3 checks a presigned URL's X-Amz-Expires before it looks for the object.
      return of_whole_wait(attempts, polls, response.fail(where, result, { kind = "api",
        reason = "export_expired", body = result.body,
        message = "the export's URL has expired (the file's host answered 403 \"Request has expired\"):"
          .. " no later check can fetch it; ask for a new export" }, self.redact))
    end
    if refused(code) then
      return of_whole_wait(attempts, polls, response.fail(where, result, { kind = "api",
        reason = "export_refused", body = result.body,
        message = "the file's host refused the export's URL (" .. code .. (message and ": " .. message or "")
          .. "): no later check can fetch it; ask for a new export" }, self.redact))
    end
    if waited >= timeout then
      return nil, errors.new({
        kind = "timeout", reason = "export_not_ready", operation = caller, method = "GET", path = path,
        status = status, attempts = attempts, polls = polls,
        message = string.format("the export file was not ready after %d check%s in %s s", polls,
          polls == 1 and "" or "s", json.number_text(waited, 1)),
      })
    end
    -- The last wait is cut to what is left, so the file gets one more check at the end of `timeout`.
    local pause = math.min(wait, timeout - waited)
    notify(options, { phase = "waiting", polls = polls, waited = waited, wait = pause, status = status })
    sleep(pause)
    waited = waited + pause
    wait = math.min(wait * 2, max_wait)
  end
end

-- `wait`: what the wait for the file made, for the error to count as any error of the wait does:
-- `attempts` (every GET) and `polls` (the checks), and the request's `method` and `path`.
local function io_error(caller, message, wait)
  return nil, errors.new({ kind = "io", reason = "file", operation = caller, message = message,
    method = wait.method, path = wait.path, attempts = wait.attempts, polls = wait.polls })
end

-- The file a download streams into: `path .. ".part"`, started afresh (truncated) at the first bytes of
-- each attempt, so a retried transfer never appends a second copy. `on_body(chunk, offset, total)` is
-- the request's `on_body` (docs/design.md): the transport calls it with each piece of a 2xx body as it
-- arrives, and it answers whether to go on. It never raises (the libcurl transport calls it from inside
-- the C engine): a write error or a progress function that raises is kept here, the transfer stops, and
-- `download_export` reports it once the call has returned.
local function file_sink(path, options)
  local partial = path .. ".part"
  local sink = { bytes = 0, reported = -1 }
  local function receive(chunk, offset, total)
    if offset == 0 then
      if sink.file then sink.file:close() end
      local file, problem = io.open(partial, "wb")
      sink.file, sink.bytes, sink.reported, sink.total = file, 0, -1, total
      if not file then
        sink.problem = "cannot write the export: " .. tostring(problem)
        return false
      end
    end
    local ok, problem = sink.file:write(chunk)
    if not ok then
      sink.problem = "cannot write the export: " .. tostring(problem)
      return false
    end
    sink.bytes = sink.bytes + #chunk
    if sink.bytes - math.max(sink.reported, 0) >= CHUNK then
      sink.reported = sink.bytes
      notify(options, { phase = "writing", bytes = sink.bytes, total = sink.total, path = path })
    end
    return true
  end
  function sink.on_body(chunk, offset, total)
    local ok, go_on = pcall(receive, chunk, offset, total)
    if ok then return go_on end
    sink.raised = go_on
    return false
  end
  -- Closes and removes the partial file, whatever state it is in.
  function sink.discard()
    if sink.file then pcall(sink.file.close, sink.file) end
    sink.file = nil
    os.remove(partial)
  end
  -- The transfer completed with `streamed` bytes in its last attempt: the file gets its last progress
  -- event, is closed and moved into place. Returns true, or nil and a message (the file is then removed).
  function sink.finish(streamed)
    if streamed == 0 then
      -- An empty body calls no on_body; an earlier, failed attempt may have left bytes.
      if sink.file then sink.file:close() end
      sink.file, sink.bytes, sink.total = io.open(partial, "wb"), 0, 0
      if not sink.file then return nil, "cannot write the export: cannot create " .. partial end
    end
    if sink.reported ~= sink.bytes then
      sink.reported = sink.bytes
      -- A progress function that raises (to cancel, say) must not leave the partial file behind.
      local notified, raised = pcall(notify, options, { phase = "writing", bytes = sink.bytes, total = sink.total,
        path = path })
      if not notified then
        sink.discard()
        error(raised, 0)
      end
    end
    local file = sink.file
    sink.file = nil
    local closed, close_problem = file:close()
    if not closed then
      os.remove(partial)
      return nil, "cannot write the export: " .. tostring(close_problem)
    end
    local renamed, rename_problem = os.rename(partial, path)
    if not renamed then
      os.remove(partial)
      return nil, "cannot move the export into place at " .. path .. ": " .. tostring(rename_problem)
    end
    return true
  end
  return sink
end

--- Waits for an export's file and returns its content, held in memory (under the client's `max_body_size`).
-- @function Client:fetch_export
-- @string url the file's URL: the `csv_file_url` in the answer of `export_subscriptions` or `export_events`
-- @tparam[opt] table options `timeout`, `interval`, `max_interval`, `request_timeout`, `progress`, `sleep`
-- (above)
-- @return `csv, info` (info: `polls`, `waited`, `status`, `headers`), or `nil, err`
function M.fetch_export(self, url, options)
  check_url("fetch_export", url)
  options = check_options(self, "fetch_export", options)
  local text, info = fetch(self, "fetch_export", url, options)
  if not text then return nil, info end
  notify(options, { phase = "done", bytes = #text, polls = info.polls, waited = info.waited })
  return text, info
end

--- Waits for an export's file and saves it at `path`; the bytes go to a file named `path` with ".part"
-- added as they arrive, renamed to `path` once complete.
-- @function Client:download_export
-- @string url the file's URL: the `csv_file_url` in the answer of `export_subscriptions` or `export_events`
-- @string path the file to write
-- @tparam[opt] table options `timeout`, `interval`, `max_interval`, `request_timeout`, `progress`, `sleep`
-- (above)
-- @return `info` (`path`, `bytes`, `polls`, `waited`, `status`, `headers`), or `nil, err`
function M.download_export(self, url, path, options)
  check_url("download_export", url)
  if type(path) ~= "string" or path == "" then
    usage.raise("onesignal.download_export: argument 'path' (#2) must be a file name")
  end
  options = check_options(self, "download_export", options)
  local sink = file_sink(path, options)
  -- Whatever ends the call early (an error raised by `sleep` too) leaves no partial file behind.
  local ok, text, info, streamed, attempts = pcall(fetch, self, "download_export", url, options, sink.on_body)
  if not ok then
    sink.discard()
    error(text, 0)
  end
  if sink.raised ~= nil then
    sink.discard()
    error(sink.raised, 0)
  end
  -- The file's failure counts the GETs and checks the wait made, as an error of the wait would (which
  -- `info` is, when writing stopped the transfer).
  local wait = { method = "GET", path = request_path(url), polls = info.polls,
    attempts = text and attempts or info.attempts }
  if sink.problem then
    sink.discard()
    return io_error("download_export", sink.problem, wait)
  end
  if not text then
    sink.discard()
    return nil, info
  end
  local written, problem = sink.finish(streamed)
  if not written then return io_error("download_export", problem, wait) end
  info.path, info.bytes = path, sink.bytes
  notify(options, { phase = "done", bytes = sink.bytes, polls = info.polls, waited = info.waited, path = path })
  return info
end

return M
