-- The API surface, read from ../shared/api/operations.tsv (never from the SDK's own table, so the SDK
-- is checked against an independent source), and the matcher that maps a request onto it.
local routes = {}

local function split_path(path)
  local segments = {}
  -- "/a/b" -> {"a", "b"}; empty segments are kept so "/a//b" cannot match "/a/{x}/b"
  for seg in (path:sub(2) .. "/"):gmatch("([^/]*)/") do segments[#segments + 1] = seg end
  return segments
end

-- Path parameters are percent-decoded exactly once; '+' stays a plus (it is not form encoding).
function routes.percent_decode(s)
  if not s:find("%", 1, true) then return s end
  local bad = false
  local out = s:gsub("%%(%x?%x?)", function(h)
    if #h ~= 2 then bad = true; return nil end
    return string.char(tonumber(h, 16))
  end)
  if bad then return nil end
  return out
end

local function parse_row(line)
  local fields = {}
  for f in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = f end
  return fields
end

-- Returns a list of routes: { name, method, template, auth, segments = { {literal=} | {param=} } }
function routes.load(tsv_path)
  local fh, err = io.open(tsv_path, "r")
  if not fh then error("cannot read operations table: " .. tostring(err)) end
  local list = {}
  local first = true
  for line in fh:lines() do
    line = line:gsub("\r$", "")
    if first then
      first = false
    elseif line ~= "" then
      local f = parse_row(line)
      local name, method, template, auth = f[1], f[2], f[3], f[4]
      if not (name and method and template and auth) or template:sub(1, 1) ~= "/" then
        fh:close()
        error("malformed row in operations table: " .. line)
      end
      local route = { name = name, method = method, template = template, auth = auth, segments = {},
        literals = 0 }
      for _, seg in ipairs(split_path(template)) do
        local param = seg:match("^{(.+)}$")
        if param then
          route.segments[#route.segments + 1] = { param = param }
        else
          route.segments[#route.segments + 1] = { literal = seg }
          route.literals = route.literals + 1
        end
      end
      list[#list + 1] = route
    end
  end
  fh:close()
  if #list == 0 then error("operations table is empty: " .. tsv_path) end
  -- literal segments win over parameters ("/notifications/count-unsaved" before "/{id}")
  table.sort(list, function(a, b)
    if a.literals ~= b.literals then return a.literals > b.literals end
    return a.name < b.name
  end)
  return list
end

-- Builds a matcher over a route list: match(method, raw_path) -> route, params | nil.
function routes.matcher(list)
  local by_method = {}
  for _, r in ipairs(list) do
    by_method[r.method] = by_method[r.method] or {}
    table.insert(by_method[r.method], r)
  end
  return function(method, raw_path)
    local candidates = by_method[method]
    if not candidates then return nil end
    local segs = split_path(raw_path)
    for _, r in ipairs(candidates) do
      if #r.segments == #segs then
        local params, ok = {}, true
        for i, s in ipairs(r.segments) do
          local got = segs[i]
          if s.literal then
            if got ~= s.literal then ok = false; break end
          else
            local value = got ~= "" and routes.percent_decode(got)
            if not value or value == "" then ok = false; break end
            params[s.param] = value
          end
        end
        if ok then return r, params end
      end
    end
    return nil
  end
end

return routes
