--- The `onesignal` command: one operation of the API per run, the answer printed as JSON.
--
-- `main(argv, streams)` returns the exit code (see onesignal.cli.exit) instead of exiting, so specs and
-- other programs can run it in-process. The call goes through the same layers as the library (request
-- builder, dry run, curl transport, response) and the answer is printed from the text the server sent.
-- @module onesignal.cli.main

local onesignal = require("onesignal")
local core = require("onesignal.core")
local config = require("onesignal.config")
local operations = require("onesignal.operations")
local request = require("onesignal.request")
local response = require("onesignal.response")
local dry_run = require("onesignal.dry_run")
local json = require("onesignal.json")
local args = require("onesignal.cli.args")
local arguments = require("onesignal.cli.arguments")
local exit = require("onesignal.cli.exit")
local help = require("onesignal.cli.help")
local json_text = require("onesignal.cli.json_text")
local shortcuts = require("onesignal.cli.shortcuts")
local typed = require("onesignal.cli.typed")
local pages = require("onesignal.pages")
local exports = require("onesignal.exports")
local quote = require("onesignal.quote")
local suggest = require("onesignal.cli.suggest")

local M = {}

local unpack = table.unpack or unpack

local function fail(message) error({ usage = message }, 0) end

-- What may stand where an operation's name goes, for "did you mean".
local COMMANDS = { "help", "push", "email", "sms" }
for _, op in ipairs(operations.list) do COMMANDS[#COMMANDS + 1] = op.name end

local function unknown_operation(name)
  fail("unknown operation '" .. quote.word(name) .. "'" .. suggest.hint(name, COMMANDS)
    .. " (onesignal help lists them)")
end

-- Library option names in configuration errors, as the flags that set them (a value that came from an
-- environment variable is named by the library with its variable, which the message then names alone).
local FLAG_OF = {
  rest_api_key = "--rest-api-key",
  organization_api_key = "--organization-api-key",
  app_id = "--app-id",
  base_url = "--api-url",
  ca_file = "--ca-file",
  timeout = "--timeout",
  max_retries = "--max-retries",
}

local function client_options(flags)
  return {
    rest_api_key = flags["rest-api-key"],
    organization_api_key = flags["organization-api-key"],
    app_id = flags["app-id"],
    base_url = flags["api-url"],
    allow_http = flags["allow-http"] == true,
    ca_file = flags["ca-file"],
    timeout = flags.timeout and typed.number_flag("timeout", flags.timeout, false, true),
    max_retries = flags["max-retries"]
      and typed.number_flag("max-retries", flags["max-retries"], true, false, config.MAX_RETRIES),
    dry_run = flags["dry-run"] == true,
  }
end

local function resolve(options)
  local ok, cfg = pcall(config.resolve, options)
  if not ok then
    local message = type(cfg) == "table" and cfg.usage or tostring(cfg)
    message = message:gsub("^onesignal%.new: ", ""):gsub("allow_http = true", "--allow-http")
      :gsub("option '[%w_]+' %(from (%$[%w_]+)%)", "%1")
      :gsub("option '([%w_]+)'", function(name) return FLAG_OF[name] or ("option '" .. name .. "'") end)
    fail(message)
  end
  return cfg
end

local file_name = quote.file_name

-- io.open's "PATH: reason", or a read's bare reason, as "NAME: reason", NAME shown by file_name.
local function file_problem(path, problem)
  problem = tostring(problem)
  if problem:sub(1, #path + 2) == path .. ": " then problem = problem:sub(#path + 3) end
  return file_name(path) .. ": " .. problem
end

local function read_json(spec, stdin)
  local text, source, what = spec, "--json", "--json: the text"
  if spec == "-" then
    local problem
    text, problem = stdin:read("*a") -- nil, "Bad file descriptor" when it is closed
    if not text then fail("--json -: cannot read standard input: " .. tostring(problem)) end
    source, what = "--json - (standard input)", "--json -: standard input"
  elseif spec:sub(1, 1) == "@" then
    local path = spec:sub(2)
    if path == "" then fail("--json @ needs the name of a file (--json @FILE)") end
    local file, problem = io.open(path, "rb") -- its problem names the file
    text, source, what = nil, "--json @" .. file_name(path), "--json @" .. file_name(path) .. ": the file"
    if file then
      text, problem = file:read("*a") -- a directory opens, and only reading it fails
      file:close()
    end
    if not text then fail("--json: cannot read " .. file_problem(path, problem)) end
  end
  -- A UTF-8 byte order mark (Windows editors save one) is not JSON; RFC 8259 lets a reader skip it.
  text = text:gsub("^\239\187\191", "")
  -- The decoder's "unexpected end of text at byte 1" read as if some JSON had been cut short.
  if text == "" then fail(what .. " was empty") end
  if not text:find("%S") then fail(what .. " held only white space") end
  local value, problem = json_text.decode(text)
  if problem then fail(source .. ": not valid JSON: " .. problem) end
  return value
end

local function print_json(streams, flags, text)
  streams.stdout:write(json_text.format(text, not flags.compact and "  " or nil), "\n")
  streams.stdout:flush() -- before any line on stderr, so a terminal shows both in order
end

local function print_request(streams, description)
  local out = { description.method .. " " .. description.url }
  for _, line in ipairs(description.headers) do out[#out + 1] = line end
  out[#out + 1] = ""
  if description.body then out[#out + 1] = description.body end
  streams.stdout:write(table.concat(out, "\n"), "\n")
end

local function plural(n, word) return n .. " " .. word .. (n == 1 and "" or "s") end

local function report(streams, res)
  local parts = { "HTTP " .. res.status, plural(res.attempts or 1, "attempt"),
    string.format("%.3f s", res.elapsed or 0) }
  if res.idempotency_key then parts[#parts + 1] = "idempotency key " .. res.idempotency_key end
  if res.replayed then parts[#parts + 1] = "replayed" end
  streams.stderr:write("onesignal: ", table.concat(parts, ", "), "\n")
end

-- --verbose: a line for each attempt that another follows (the last is reported with the answer or the
-- error), so that the wait for a retry does not look like a hang. The hook's message has the keys removed;
-- it is made one line, as the server's words are.
local function report_retries(streams)
  return function(a)
    if not a.retry then return end
    local what = a.status and ("HTTP " .. a.status)
      or (tostring(a.error) .. (a.message and (": " .. onesignal.errors.one_line(a.message)) or ""))
    streams.stderr:write(string.format("onesignal: attempt %d: %s; again in %.2f s\n", a.attempt, what, a.wait or 0))
  end
end

local function failed(streams, err)
  streams.stderr:write(tostring(err), "\n")
  return err.kind == "io" and exit.INTERNAL or exit.for_error(err)
end

-- A failed call: its answer's text (already redacted), when it is JSON, on stdout, then the error.
local function failed_with_body(streams, flags, text, err)
  if text ~= "" and json.decode(text) ~= nil then print_json(streams, flags, text) end
  return failed(streams, err)
end

-- --all: every item of every page, printed as one array once the last page has arrived. The items are
-- taken from each page's text as the server wrote it, as a single answer is printed (key order, [] and
-- {} kept, a key the server echoes redacted): decoded and encoded again they would lose all three.
local function print_all(streams, flags, options, op, call_args, n)
  local client = onesignal.new(options)
  local perform, text = client._perform, nil
  client._perform = function(self, req) -- the page's text, before the client decodes it
    local result = perform(self, req)
    text = result.body
    return result
  end
  local items = {}
  local field = pages.LISTS[op.name].items
  for body, res in client:each_page(op.name, unpack(call_args, 1, n)) do
    if not body then
      -- Reported as a single failed call is: the failed page's error body too (the items of the pages
      -- before it are not printed: the list is incomplete).
      local error_text = client.redact(text or "")
      client:close()
      return failed_with_body(streams, flags, error_text, res)
    end
    if flags.verbose then report(streams, res) end
    -- each_page checked that the field holds a list (or null: no item)
    for _, item in ipairs(json_text.items(text, field) or {}) do items[#items + 1] = client.redact(item) end
  end
  client:close()
  print_json(streams, flags, "[" .. table.concat(items, ",") .. "]")
  return exit.OK
end

-- --download: the export's answer is printed first; then the file is awaited and saved.
local function download(streams, flags, options, body)
  local url = type(body) == "table" and body.csv_file_url
  if type(url) ~= "string" then
    streams.stderr:write("onesignal: the answer has no csv_file_url to download\n")
    return exit.DECODE
  end
  -- download_export would raise a usage error for it, which here is no mistake of the command line.
  if not exports.is_url(url) then
    streams.stderr:write("onesignal: the answer's csv_file_url is not an http(s) URL to download\n")
    return exit.DECODE
  end
  local client = onesignal.new(options)
  local progress
  if flags.verbose then
    progress = function(event)
      if event.phase == "waiting" then
        streams.stderr:write(string.format("onesignal: export not ready (HTTP %d, check %d); next check in %g s\n",
          event.status, event.polls, event.wait))
      end
    end
  end
  local info, err = client:download_export(url, flags.download, {
    timeout = flags.export_waits.timeout, interval = flags.export_waits.interval, progress = progress,
  })
  client:close()
  if not info then return failed(streams, err) end
  streams.stderr:write(string.format("onesignal: saved %s to %s\n", plural(info.bytes, "byte"), file_name(info.path)))
  return exit.OK
end

local function send(streams, flags, options, cfg, op, req)
  local transport = require("onesignal.transport.curl").new(cfg)
  local result = transport:request(req)
  transport:close()
  local function redact(text) return transport:redact(text) end
  -- The text as the server wrote it (key order, [] and {}), taken before finish turns the result into
  -- the response.
  local text = redact(result.body or "")
  local body, res = response.finish(req, result, redact)
  if not body then return failed_with_body(streams, flags, text, res) end
  print_json(streams, flags, text ~= "" and text or "{}")
  if flags.verbose then report(streams, res) end
  if op.name == "create_notification" and not onesignal.is_message_sent(body) then
    -- `errors` comes in every shape of the API's error envelopes (a list of strings or of objects, a
    -- string, an object such as invalid_aliases): read it as err.messages is read. They are the server's
    -- words, written to a terminal: redacted (the body of a 2xx answer is not) and made one line as
    -- tostring(err) makes them, so an escape sequence or a line break in them cannot reach it raw.
    local reasons = onesignal.errors.messages(body)
    reasons = #reasons > 0 and onesignal.errors.one_line(redact(table.concat(reasons, "; "))) or "no reason given"
    streams.stderr:write("onesignal: nothing was sent: ", reasons, "\n")
    return exit.API
  end
  if flags.download then return download(streams, flags, options, body) end
  return exit.OK
end

-- The request the command line asks for: its body (--json, a shortcut's flags), arguments and query
-- options, checked and built as the library builds it. Returns it with the call's arguments.
local function build(streams, command, channel, op, words, flags, cfg)
  -- What the words and the keys get wrong is said before standard input is read: on a terminal, it
  -- would be awaited for nothing.
  if flags.json and not op.body then fail(op.name .. " takes no body (--json)") end
  if channel and words[1] then fail(command .. " takes flags only, no arguments") end
  local skip_app_id = arguments.check_words(op, words, cfg.app_id)
  local key = cfg.rest_api_key
  if op.credential == "organization" then key = cfg.organization_api_key end
  if not key then
    fail(command .. " needs " .. (op.credential == "organization"
      and "an Organization API key: set ONESIGNAL_ORGANIZATION_API_KEY or pass --organization-api-key"
      or "a REST API key: set ONESIGNAL_REST_API_KEY or pass --rest-api-key"))
  end

  local body = flags.json and read_json(flags.json, streams.stdin)
  if channel then body = shortcuts.body(channel, flags, body, json_text.decode) end
  local call_args, n = arguments.build(op, words, skip_app_id, body, flags.query)
  if flags.all then
    -- The walk's first request, with the page size each_page sets: the one --dry-run prints.
    n = #op.positional + 1
    call_args[n] = pages.first_page(op.name, call_args[n])
  end
  local context = { app_id = cfg.app_id, has_key = { rest = cfg.rest_api_key ~= nil,
    organization = cfg.organization_api_key ~= nil } }
  local ok, req = pcall(request.build, op, context, n, unpack(call_args, 1, n))
  if not ok then fail(type(req) == "table" and arguments.in_cli_words(op, req.usage) or tostring(req)) end
  return req, call_args, n
end

local function call(streams, command, words, flags)
  local channel = shortcuts.CHANNELS[command] and command
  local op = channel and operations.by_name.create_notification or operations.by_name[command]
  if not op then unknown_operation(command) end
  args.check_allowed(flags, command, help.kinds(command))
  -- create_notification, which a shortcut calls, has none: the message named it, not the command typed
  if channel and flags.query then fail("flag --query does not apply to " .. command) end
  local options = client_options(flags)
  if flags.verbose then options.on_attempt = report_retries(streams) end
  local cfg = resolve(options)
  -- As onesignal.new refuses it for a client that sends (a dry run sends nothing, through no proxy).
  local proxy_problem = not cfg.dry_run and config.environment_proxy_problem(cfg)
  if proxy_problem then fail(proxy_problem) end
  for _, wait in ipairs({ "export-timeout", "poll-interval" }) do
    -- Without --download nothing is awaited: the flag would be ignored, its value unchecked.
    if flags[wait] and not flags.download then fail("--" .. wait .. " applies only with --download FILE") end
  end
  if flags.download then
    -- Checked now: a mistake found after the export request was sent would leave an export behind.
    -- "-" is no standard output here (as it is standard input for --json): the answer's JSON is printed
    -- there, and the file is written to FILE.part, started again from empty when a transfer is retried,
    -- and moved into place only once whole, which a stream cannot do. It would have been a file named "-".
    if flags.download == "-" then
      fail("--download needs the name of a file to save (standard output, -, cannot take the file: it is"
        .. " written whole, then moved into place)")
    end
    flags.export_waits = {
      timeout = flags["export-timeout"] and typed.number_flag("export-timeout", flags["export-timeout"]),
      interval = flags["poll-interval"] and typed.number_flag("poll-interval", flags["poll-interval"], false, true),
    }
    -- The file is written as FILE.part first: a directory that is missing or not writable shows now. It
    -- is then renamed to FILE, which fails when FILE is a directory (opening "FILE/." succeeds only then).
    local is_directory = io.open(flags.download .. "/.", "rb")
    if is_directory then
      is_directory:close()
      fail("--download: " .. file_name(flags.download) .. " is a directory (give the name of the file to save)")
    end
    local part = flags.download .. ".part"
    local existing = io.open(part, "rb")
    if existing then existing:close() end
    local probe, problem = io.open(part, "ab")
    if not probe then
      fail("--download: cannot write " .. file_name(flags.download) .. " (" .. file_problem(part, problem) .. ")")
    end
    probe:close()
    if not existing then os.remove(part) end
  end
  local ok, req, call_args, n = pcall(build, streams, command, channel, op, words, flags, cfg)
  if not ok then
    if type(req) == "table" and req.usage then fail(req.usage) end -- redacted by outcome, as every usage error
    error(req, 0)
  end

  if cfg.dry_run then
    print_request(streams, dry_run.new(cfg)(req))
    return exit.OK
  end
  if flags.all then return print_all(streams, flags, options, op, call_args, n) end
  return send(streams, flags, options, cfg, op, req)
end

local function run(argv, streams)
  local parsed = args.parse(argv)
  local flags, words = parsed.flags, parsed.words
  if flags.version then
    streams.stdout:write(request.user_agent(nil, core.curl_version:match("^%S+") or "libcurl"), "\n")
    return exit.OK
  end
  local command = table.remove(words, 1)
  if command == "help" or flags.help then
    local topic = command
    if command == "help" then
      if words[2] then fail("help takes one operation name") end
      topic = words[1]
      if topic == "help" then topic = nil end -- `onesignal help help`: the general help
    end
    local text = topic and help.operation(topic) or (not topic and help.general())
    if not text then unknown_operation(topic) end
    streams.stdout:write(text)
    return exit.OK
  end
  if not command then fail("no operation given") end
  return call(streams, command, words, flags)
end

-- `stream` (standard output) as an object that keeps the first failure of a write or flush (a full
-- disk): an answer that was not written must not end in exit code 0. Returns it and a function that
-- flushes and returns the failure, if any.
local function checked(stream)
  local failure
  local out = {}
  function out.write(_, ...)
    local ok, err = stream:write(...)
    if not ok then failure = failure or err end
    return out
  end
  function out.flush()
    local ok, err = stream:flush()
    if not ok then failure = failure or err end
    return ok, err
  end
  return out, function()
    out.flush()
    return failure
  end
end

-- The keys a command line may carry, from the environment and from its words (whether or not they parse):
-- usage errors quote the caller's words (an operation's name, a flag's value, a JSON field), and a key
-- pasted in the wrong place must not show there; nor in an internal error, whose message may quote
-- anything the command held.
local KEY_FLAGS = { ["--rest-api-key"] = true, ["--organization-api-key"] = true }

local function redact_keys(text, argv)
  text = core.redact(text, os.getenv("ONESIGNAL_REST_API_KEY") or "", os.getenv("ONESIGNAL_ORGANIZATION_API_KEY") or "")
  for i, word in ipairs(argv) do
    local flag, value = word:match("^(%-%-[%w-]+)=(.*)$")
    if not flag then flag, value = word, argv[i + 1] end
    if KEY_FLAGS[flag] and value then text = core.redact(text, value, "") end
  end
  return text
end

local function outcome(argv, streams)
  local ok, code = xpcall(run, function(err)
    if type(err) == "table" and err.usage then return err end
    return { internal = tostring(err), traceback = debug.traceback() }
  end, argv, streams)
  if ok then return code end
  if code.usage then
    streams.stderr:write("onesignal: ", redact_keys(code.usage, argv), "\nRun 'onesignal help' for usage.\n")
    return exit.USAGE
  end
  streams.stderr:write("onesignal: internal error: ", redact_keys(code.internal, argv), "\n")
  if os.getenv("ONESIGNAL_DEBUG") then streams.stderr:write(redact_keys(code.traceback, argv), "\n") end
  return exit.INTERNAL
end

--- Runs the command line `argv` (the words after the program name); `streams` = { stdout, stderr, stdin }
-- (default: the process's). Returns the exit code: an error's own, or else INTERNAL when standard output
-- could not be written.
function M.main(argv, streams)
  streams = streams or { stdout = io.stdout, stderr = io.stderr, stdin = io.stdin }
  local stdout, write_failure = checked(streams.stdout)
  local code = outcome(argv, { stdout = stdout, stderr = streams.stderr, stdin = streams.stdin })
  local failure = write_failure()
  if failure then
    streams.stderr:write("onesignal: cannot write to standard output: ", tostring(failure), "\n")
    if code == exit.OK then code = exit.INTERNAL end
  end
  return code
end

return M
