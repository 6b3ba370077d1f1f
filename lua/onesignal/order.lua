--- A fixed order for the keys of a caller's table, for the usage errors that name one of several wrong
-- ones. `pairs` walks a table in an order that changes from one process to the next (the seed of the
-- string hash), so a check that raised at the first wrong key it met named one key on one run and another
-- on the next. The walks here cost nothing more while nothing is wrong: only the wrong keys are compared.
-- @module onesignal.order

local M = {}

-- Numbers first, then strings, then booleans, then the other types by their names.
local RANK = { number = 1, string = 2, boolean = 3 }

--- Whether key `a` comes before key `b`: numbers and strings by value, false before true; two tables (or
-- functions, …) are equal here, as a message shows each by its type alone.
function M.before(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local ra, rb = RANK[ta] or 4, RANK[tb] or 4
    if ra ~= rb then return ra < rb end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  if ta == "boolean" then return b and not a end
  return false
end

--- The keys of `t` in that order: as `pairs` gives them, or as `next` does when `raw` (a __pairs of the
-- table's is then not called).
function M.keys(t, raw)
  local keys = {}
  if raw then
    for k in next, t do keys[#keys + 1] = k end
  else
    for k in pairs(t) do keys[#keys + 1] = k end
  end
  table.sort(keys, M.before)
  return keys
end

--- The first key of `t` (walked with `pairs`), in that order, for which `wrong(key, arg)` is true; nil when
-- there is none.
function M.first(t, wrong, arg)
  local first
  for k in pairs(t) do
    if wrong(k, arg) and (first == nil or M.before(k, first)) then first = k end
  end
  return first
end

local function unknown(k, known) return not known[k] end

--- The first key of `t`, in that order, that the set `known` has not; nil when there is none.
function M.first_unknown(t, known)
  return M.first(t, unknown, known)
end

return M
