--- gzip and deflate response bodies through zlib (LuaJIT FFI).
--
-- `deflate` is meant to be zlib-wrapped, but some servers send raw deflate; like libcurl, a body whose
-- first bytes are not a zlib header is read again as raw deflate. `gzip` is read as libcurl reads it:
-- zlib tells a gzip header from a zlib one, so a zlib stream labelled gzip decodes too.
-- @module onesignal.transport.ngx_zlib

local ffi = require("ffi")
local shared = require("onesignal.transport.ngx_ffi")

local M = {}

shared.declare(
  [[struct onesignal_z_stream {
      const uint8_t *next_in; unsigned int avail_in; unsigned long total_in;
      uint8_t *next_out; unsigned int avail_out; unsigned long total_out;
      const char *msg; void *state; void *zalloc; void *zfree; void *opaque;
      int data_type; unsigned long adler; unsigned long reserved;
    };]],
  "const char *zlibVersion(void);",
  "int inflateInit2_(void *strm, int windowBits, const char *version, int stream_size);",
  "int inflate(void *strm, int flush);",
  "int inflateEnd(void *strm);"
)

local Z_OK, Z_STREAM_END, Z_BUF_ERROR, Z_DATA_ERROR = 0, 1, -5, -3
local GZIP_BITS, ZLIB_BITS, RAW_BITS = 47, 15, -15 -- 47: 15 + 32, a gzip or zlib header (libcurl's)

local lib = shared.library("inflate", { "z", "libz.so.1" })

--- Whether zlib could be loaded in this process.
function M.available() return lib ~= nil end

local Decoder = {}
Decoder.__index = Decoder

local function start(self, bits)
  local z = ffi.new("struct onesignal_z_stream")
  if lib.inflateInit2_(z, bits, lib.zlibVersion(), ffi.sizeof(z)) ~= Z_OK then
    return nil, "zlib could not start (out of memory)"
  end
  -- The finalizer only matters when a caller drops the decoder without close().
  self.z = ffi.gc(z, lib.inflateEnd)
  self.bits = bits
  return true
end

--- A decoder for `kind` ("gzip" or "deflate").
function M.new(kind)
  local self = setmetatable({ kind = kind, produced = false, done = false }, Decoder)
  local ok, err = start(self, kind == "deflate" and ZLIB_BITS or GZIP_BITS)
  if not ok then return nil, err end
  return self
end

local function message(z, rc)
  if z.msg ~= nil then return ffi.string(z.msg) end
  return "zlib error " .. rc
end

--- Decodes `data`, handing every decoded piece to `put` (which returns false to stop). Returns true, or
-- nil and a message (nil and nil when `put` stopped).
function Decoder:feed(data, put)
  if self.done or #data == 0 then return true end
  local z, out, size = self.z, shared.out, shared.OUT_SIZE
  z.next_in = ffi.cast("const uint8_t *", data) -- `data` stays referenced for the whole loop
  z.avail_in = #data
  while true do
    z.next_out = out
    z.avail_out = size
    local rc = lib.inflate(z, 0)
    local n = size - z.avail_out
    if rc == Z_DATA_ERROR and self.bits == ZLIB_BITS and not self.produced then
      -- Not zlib-wrapped: start over with the same bytes as raw deflate.
      self:close()
      local ok, err = start(self, RAW_BITS)
      if not ok then return nil, err end
      return self:feed(data, put)
    end
    if rc ~= Z_OK and rc ~= Z_STREAM_END and rc ~= Z_BUF_ERROR then return nil, message(z, rc) end
    if n > 0 then
      self.produced = true
      if not put(ffi.string(out, n)) then return nil, nil end
    end
    if rc == Z_STREAM_END then
      self.done = true -- bytes after the end of the stream are ignored, as libcurl does
      return true
    end
    if z.avail_in == 0 and z.avail_out ~= 0 then return true end
    if rc == Z_BUF_ERROR and n == 0 then return true end -- no progress possible without more input
  end
end

--- Whether the compressed stream ended properly. Returns true, or nil and a message.
function Decoder:finish()
  if self.done then return true end
  return nil, "the " .. self.kind .. " stream ended early"
end

--- Frees zlib's state now rather than at garbage collection.
function Decoder:close()
  local z = self.z
  if z then
    self.z = nil
    lib.inflateEnd(ffi.gc(z, nil))
  end
end

return M
