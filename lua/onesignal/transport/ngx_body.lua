--- Where the cosocket transport puts a response body: undoes its Content-Encoding (gzip, deflate, br,
-- zstd, stacked in any order) and keeps the decoded bytes under the size cap, so a small compressed body
-- cannot grow past `max_body_size` in memory; or hands them, as they come, to a request's `on_body`
-- (docs/design.md), which keeps nothing here and so has no cap.
-- @module onesignal.transport.ngx_body

local M = {}

-- Content-Encoding token → decoder module, in the order libcurl names them in Accept-Encoding.
local CODECS = {
  { "deflate", "onesignal.transport.ngx_zlib" },
  { "gzip", "onesignal.transport.ngx_zlib" },
  { "br", "onesignal.transport.ngx_brotli" },
  { "zstd", "onesignal.transport.ngx_zstd" },
}

local available -- token → decoder module, for the codecs whose library loads here

-- Content-Encodings accepted on one response, "identity" included: libcurl's limit (it answers more with
-- CURLE_BAD_CONTENT_ENCODING, class "other"). Each one is a decoder, so thousands of stacked layers would
-- grow the worker by hundreds of MB, or overflow its stack.
local MAX_ENCODINGS = 5

local function codecs()
  if not available then
    available = {}
    for _, codec in ipairs(CODECS) do
      local ok, mod = pcall(require, codec[2])
      if ok and mod.available() then available[codec[1]] = mod end
    end
    available["x-gzip"] = available.gzip
  end
  return available
end

--- The Accept-Encoding value: every encoding this process can decode, in libcurl's order (with the same
-- libraries present that is exactly the text libcurl sends).
function M.accept_encoding()
  local have, names = codecs(), {}
  for _, codec in ipairs(CODECS) do
    if have[codec[1]] then names[#names + 1] = codec[1] end
  end
  return table.concat(names, ", ")
end

local Sink = {}
Sink.__index = Sink

--- A sink for a body sent with `content_encoding` (nil: none), keeping at most `max` decoded bytes; or,
-- with `on_body`, handing them to `on_body(piece, offset, total)` (total: `length`, the Content-Length,
-- when nothing is decoded, else nil), which answers whether to go on. Returns the sink, or nil, a
-- transport class and a message.
function M.new(content_encoding, max, on_body, length)
  local tokens = {}
  for token in (content_encoding or ""):gmatch("[^,%s]+") do
    if #tokens == MAX_ENCODINGS then
      return nil, "other", "Reject response due to more than " .. MAX_ENCODINGS .. " content encodings"
    end
    tokens[#tokens + 1] = token:lower()
  end
  local self = setmetatable({ parts = {}, size = 0, max = max, decoders = {} }, Sink)
  local function keep(piece)
    if self.size + #piece > max then
      self.too_large = true
      return false
    end
    self.size = self.size + #piece
    self.parts[#self.parts + 1] = piece
    return true
  end
  local function give(piece)
    if piece == "" then return true end
    if not on_body(piece, self.size, self.total) then
      self.refused = true
      return false
    end
    self.size = self.size + #piece
    return true
  end
  local put = on_body and give or keep
  -- "gzip, br" was gzipped first: the raw bytes go to the br decoder, its output to the gzip one.
  for _, token in ipairs(tokens) do
    if token ~= "identity" then
      local codec = codecs()[token]
      if not codec then
        self:close()
        return nil, "other", "unrecognized content encoding '" .. token .. "' (known: " .. M.accept_encoding() .. ")"
      end
      local decoder, err = codec.new(token)
      if not decoder then
        self:close()
        return nil, "other", err
      end
      local inner = put
      put = function(data)
        local ok, problem = decoder:feed(data, inner)
        if not ok and problem then self.problem = token .. ": " .. problem end
        return ok
      end
      self.decoders[#self.decoders + 1] = decoder
    end
  end
  self.put_raw = put
  if #self.decoders == 0 then self.total = length end
  return self
end

local function failure(self)
  if self.refused then return "other", "the receiver of the response body stopped the transfer" end
  if self.too_large then
    return "too_large", "response body larger than max_body_size (" .. self.max .. " bytes)"
  end
  return "other", "could not decode the response body (" .. tostring(self.problem) .. ")"
end

--- Takes bytes as they arrived. Returns true, or nil, a transport class and a message.
function Sink:put(data)
  if #data > 0 then self.received = true end
  if self.put_raw(data) then return true end
  return nil, failure(self)
end

--- The whole decoded body, after checking that every compressed stream ended. Returns the text, or nil,
-- a transport class and a message. An empty body is empty whatever its encoding says (as in libcurl).
function Sink:finish()
  if not self.received then return "" end
  for i = #self.decoders, 1, -1 do
    local ok, problem = self.decoders[i]:finish()
    if not ok then
      self.problem = problem
      return nil, failure(self)
    end
  end
  return table.concat(self.parts)
end

--- Bytes handed to `on_body`.
function Sink:streamed() return self.size end

--- What was decoded so far (the partial body of a failed transfer).
function Sink:text() return table.concat(self.parts) end

--- Frees the decoders' C state.
function Sink:close()
  for _, decoder in ipairs(self.decoders) do decoder:close() end
end

return M
