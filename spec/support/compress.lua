--- Real gzip and brotli bytes for Content-Encoding checks, made by the system's command-line tools
-- (Debian packages gzip and brotli), so the SDK decodes what an encoder really produced.
local files = require("support.files")

local M = {}

local function through(command, text)
  local plain = files.temp(text)
  local pipe = assert(io.popen(command .. " < '" .. plain .. "'", "r"))
  local packed = pipe:read("*a")
  local ok = pipe:close()
  os.remove(plain)
  assert(ok and #packed > 0, command .. " failed (is its Debian package installed?)")
  return packed
end

function M.gzip(text) return through("gzip -c -9", text) end
function M.brotli(text) return through("brotli -c -q 11", text) end

return M
