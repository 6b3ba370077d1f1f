-- Identifiers the server hands out: UUIDv4 strings and opaque random tokens.
local ids = {}

local hex = "0123456789abcdef"

local function hex_digit(n)
  return hex:sub(n + 1, n + 1)
end

-- Called once per worker: workers fork from one master and would otherwise share a sequence.
function ids.seed(n)
  math.randomseed(n)
end

function ids.uuid()
  local out = {}
  for i = 1, 32 do
    local d = math.random(0, 15)
    if i == 13 then d = 4 end                    -- version 4
    if i == 17 then d = 8 + d % 4 end            -- variant 10xx
    out[#out + 1] = hex_digit(d)
    if i == 8 or i == 12 or i == 16 or i == 20 then out[#out + 1] = "-" end
  end
  return table.concat(out)
end

function ids.token(len)
  local out = {}
  for i = 1, len do out[i] = hex_digit(math.random(0, 15)) end
  return table.concat(out)
end

return ids
