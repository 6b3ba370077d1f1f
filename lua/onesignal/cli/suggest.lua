--- "Did you mean …?": the one word of a closed set (operations, flags, query options) that a mistyped word
-- was most likely meant to be, as git and cargo offer it. Only a word of the set is ever returned, never
-- the caller's, so a suggestion shows nothing of a key typed in the wrong place.
--
-- Words compare with case and `_` / `-` ignored (`get-user`, `--max_retries`), by the edit distance that
-- counts a swap of two neighbours as one edit (`--max-retires`). A word is close when at most a third of
-- its length, and at most 2, edits away (rustc's rule, with cargo's cap); when several are equally close
-- there is no guess. A word of 3 or more letters that begins words of the set is taken for one of them:
-- the one it begins (`--idempotency` for --idempotency-key), or the one of those it is close to
-- (`view_templat` for view_template, not view_templates), or none (`get_seg`).
-- @module onesignal.cli.suggest

local M = {}

-- Longer words are shown by their length alone (onesignal.quote), and are no typo of a name.
local LONGEST = 64

local function folded(word) return (word:lower():gsub("_", "-")) end

-- The optimal string alignment distance of `a` and `b`, or `limit` + 1 once it is sure to be above it.
local function distance(a, b, limit)
  if math.abs(#a - #b) > limit then return limit + 1 end
  local before, previous = nil, {}
  for j = 0, #b do previous[j] = j end
  for i = 1, #a do
    local row, lowest = { [0] = i }, i
    for j = 1, #b do
      local d = math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a:byte(i) == b:byte(j) and 0 or 1))
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d = math.min(d, before[j - 2] + 1)
      end
      row[j] = d
      if d < lowest then lowest = d end
    end
    if lowest > limit then return limit + 1 end
    before, previous = previous, row
  end
  return previous[#b]
end

-- The one of `candidates` fewest edits from `typed` (folded), at most `limit`; nil when none is or several are.
local function nearest(typed, candidates, limit)
  local best, best_distance, tie
  for _, candidate in ipairs(candidates) do
    local d = distance(typed, folded(candidate), limit)
    if d <= limit then
      if not best_distance or d < best_distance then
        best, best_distance, tie = candidate, d, false
      elseif d == best_distance then
        tie = true
      end
    end
  end
  return not tie and best or nil
end

--- The word of `candidates` (a list) that `word` was likely meant to be, or nil.
function M.closest(word, candidates)
  if #word > LONGEST then return nil end
  local typed = folded(word)
  local limit = math.min(2, math.floor(math.max(#typed, 3) / 3))
  local begun = {}
  for _, candidate in ipairs(candidates) do
    local name = folded(candidate)
    if name == typed then return candidate end
    if #typed >= 3 and name:sub(1, #typed) == typed then begun[#begun + 1] = candidate end
  end
  if #begun == 1 then return begun[1] end
  return nearest(typed, begun[1] and begun or candidates, limit)
end

--- "; did you mean SUGGESTION?" for `word`, with `prefix` before the suggestion (e.g. "--"), or "".
function M.hint(word, candidates, prefix)
  local found = M.closest(word, candidates)
  return found and ("; did you mean " .. (prefix or "") .. found .. "?") or ""
end

return M
