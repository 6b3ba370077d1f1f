-- Opaque pagination cursors: base64 of a tag and the sequence number of the last item returned, so
-- deleting items between pages neither skips nor repeats any.
local cursor = {}

function cursor.encode(tag, seq)
  return ngx.encode_base64(string.format("%s:%d", tag, seq))
end

-- Returns the sequence number, or nil when the cursor is not one of ours for this tag.
function cursor.decode(tag, s)
  local raw = ngx.decode_base64(s)
  local got_tag, seq = (raw or ""):match("^([%w_]+):(%d+)$")
  if got_tag ~= tag then return nil end
  return tonumber(seq)
end

-- One page of `items` (already in listing order) after the cursor's item.
-- `after(item, seq)` says whether item comes after the cursor position.
function cursor.page(items, limit, after_seq, after)
  local out = {}
  local more = false
  for _, item in ipairs(items) do
    if after_seq == nil or after(item, after_seq) then
      if #out < limit then out[#out + 1] = item else more = true break end
    end
  end
  return out, more
end

return cursor
