--- The machine side of a benchmark run: what the machine is, how loaded, CPU pinning, and running one
-- peer process with its settings.
local shell = require("server.harness.shell")

local M = {}
local q = shell.quote

local PEER_TIME_LIMIT = 600 -- seconds

local function trim(s) return ((s or ""):gsub("^%s+", ""):gsub("%s+$", "")) end

local function first_line(cmd)
  local out = shell.capture(cmd .. " 2>&1")
  return trim(out:match("^[^\n]*"))
end

--- The 1, 5 and 15 minute load averages.
function M.load()
  local text = shell.read_file("/proc/loadavg") or ""
  local a, b, c = text:match("^(%S+) (%S+) (%S+)")
  return { tonumber(a), tonumber(b), tonumber(c) }
end

function M.cores()
  return tonumber(first_line("nproc")) or 1
end

--- The commit measured: BENCH_SDK_COMMIT (for a copy made with git archive), else git's HEAD, marked when
-- the SDK's files differ from it.
function M.commit()
  local given = os.getenv("BENCH_SDK_COMMIT")
  if given and given ~= "" then return given end
  local head, code = shell.capture("git rev-parse --short HEAD 2>/dev/null")
  if code ~= 0 then return "unknown commit" end
  local dirty = shell.capture("git status --porcelain -- lua src 2>/dev/null")
  return trim(head) .. (trim(dirty) ~= "" and " with local changes to lua/ or src/" or "")
end

--- CPU, kernel, date and the versions of everything compared.
function M.describe()
  local cpuinfo = shell.read_file("/proc/cpuinfo") or ""
  local sdk_pkg = shell.read_file("bench/node/node_modules/@onesignal/node-onesignal/package.json") or ""
  local ok, core = pcall(require, "onesignal.core")
  return {
    date = first_line("date -u '+%Y-%m-%d %H:%M UTC'"),
    cpu = trim(cpuinfo:match("model name%s*:%s*([^\n]+)")) .. " (" .. M.cores() .. " cores)",
    kernel = first_line("uname -sr"),
    libcurl = ok and core.curl_version or "?",
    lua = first_line("lua5.4 -v"),
    luajit = first_line("luajit -v"),
    node = first_line("node --version"),
    node_sdk = "@onesignal/node-onesignal " .. (sdk_pkg:match('"version"%s*:%s*"([^"]+)"') or "?"),
    nginx = first_line("nginx -v"),
    sdk = "onesignal " .. require("onesignal.version") .. " at " .. M.commit(),
  }
end

--- Pins every thread of a process to one CPU; returns whether it worked.
function M.pin(pid, cpu)
  return shell.run("taskset -a -p -c " .. cpu .. " " .. pid .. " >/dev/null 2>&1")
end

--- Pins an nginx master and its workers to one CPU.
function M.pin_server(srv, cpu)
  local pid = srv:pid()
  if not pid or not M.pin(pid, cpu) then return false end
  for _, child in ipairs(shell.children(pid)) do
    if not M.pin(child, cpu) then return false end
  end
  return true
end

--- Runs one peer: `command` from the repository root with `env` (written to a private file, so that the
-- key never shows in a process list), pinned to `cpu` when given. Returns the decoded result line, or
-- nil and the peer's own words.
function M.run_peer(command, env, scratch, cpu)
  local env_file, err_file = scratch .. "/peer.env", scratch .. "/peer.err"
  local lines = {}
  for k, v in pairs(env) do lines[#lines + 1] = "export " .. k .. "=" .. q(v) end
  shell.write_file(env_file, table.concat(lines, "\n") .. "\n")
  shell.run("chmod 600 " .. q(env_file))
  local pin = cpu and ("taskset -c " .. cpu .. " ") or ""
  -- a peer that hangs (a server that stops answering) must not hang the whole run
  local limit = "timeout " .. PEER_TIME_LIMIT .. " "
  local out, code = shell.capture("( . " .. q(env_file) .. " && " .. limit .. pin .. command .. " ) 2>"
    .. q(err_file))
  os.remove(env_file)
  local line = out:match("(%b{})%s*$")
  if code ~= 0 or not line then
    return nil, trim((shell.read_file(err_file) or "") .. "\n" .. out) .. " (exit " .. tostring(code) .. ")"
  end
  return require("cjson").decode(line)
end

return M
