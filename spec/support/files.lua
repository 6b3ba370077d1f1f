--- Temporary files for specs.
local M = {}

--- Writes `text` to a new temporary file and returns its path; the caller removes it.
function M.temp(text)
  local path = os.tmpname()
  local fh = assert(io.open(path, "wb"))
  fh:write(text)
  fh:close()
  return path
end

return M
