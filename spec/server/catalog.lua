-- Error messages the live API returns verbatim, read from ../shared/api/error-catalog.tsv so the
-- server never drifts from the wording the SDK is tested against.
local catalog = {}

function catalog.load(tsv_path)
  local fh, err = io.open(tsv_path, "r")
  if not fh then error("cannot read error catalog: " .. tostring(err)) end
  local messages = {}
  local first = true
  for line in fh:lines() do
    if first then
      first = false
    else
      local name, _, _, message = line:match("^([^\t]+)\t([^\t]*)\t([^\t]*)\t(.*)$")
      if name then messages[name] = message:gsub("\r$", "") end
    end
  end
  fh:close()
  for _, required in ipairs({ "INVALID_API_KEY", "NO_TARGETING_SPECIFIED", "NO_SUBSCRIBERS",
    "NOTIFICATION_NOT_FOUND", "SERVICE_UNAVAILABLE" }) do
    if not messages[required] then error("error catalog lacks " .. required .. ": " .. tsv_path) end
  end
  return messages
end

return catalog
