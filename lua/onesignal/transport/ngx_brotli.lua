--- br (brotli) response bodies through libbrotlidec (LuaJIT FFI).
-- @module onesignal.transport.ngx_brotli

local ffi = require("ffi")
local shared = require("onesignal.transport.ngx_ffi")

local M = {}

shared.declare(
  "void *BrotliDecoderCreateInstance(void *alloc_func, void *free_func, void *opaque);",
  "void BrotliDecoderDestroyInstance(void *state);",
  "int BrotliDecoderDecompressStream(void *state, size_t *available_in, const uint8_t **next_in,"
    .. " size_t *available_out, uint8_t **next_out, size_t *total_out);",
  "int BrotliDecoderGetErrorCode(const void *state);",
  "const char *BrotliDecoderErrorString(int c);"
)

local ERROR, SUCCESS, NEEDS_MORE_INPUT = 0, 1, 2

local lib = shared.library("BrotliDecoderCreateInstance", { "brotlidec", "libbrotlidec.so.1" })

--- Whether libbrotlidec could be loaded in this process.
function M.available() return lib ~= nil end

local Decoder = {}
Decoder.__index = Decoder

function M.new()
  local state = lib.BrotliDecoderCreateInstance(nil, nil, nil)
  if state == nil then return nil, "brotli could not start (out of memory)" end
  return setmetatable({
    state = ffi.gc(state, lib.BrotliDecoderDestroyInstance),
    avail_in = ffi.new("size_t[1]"), next_in = ffi.new("const uint8_t *[1]"),
    avail_out = ffi.new("size_t[1]"), next_out = ffi.new("uint8_t *[1]"),
    done = false,
  }, Decoder)
end

--- Decodes `data`, handing every decoded piece to `put` (which returns false to stop). Returns true, or
-- nil and a message (nil and nil when `put` stopped).
function Decoder:feed(data, put)
  if self.done or #data == 0 then return true end
  local out, size = shared.out, shared.OUT_SIZE
  self.avail_in[0] = #data
  self.next_in[0] = ffi.cast("const uint8_t *", data) -- `data` stays referenced for the whole loop
  while true do
    self.avail_out[0] = size
    self.next_out[0] = out
    local rc = lib.BrotliDecoderDecompressStream(self.state, self.avail_in, self.next_in, self.avail_out,
      self.next_out, nil)
    local n = size - tonumber(self.avail_out[0])
    if rc == ERROR then
      return nil, ffi.string(lib.BrotliDecoderErrorString(lib.BrotliDecoderGetErrorCode(self.state)))
    end
    if n > 0 and not put(ffi.string(out, n)) then return nil, nil end
    if rc == SUCCESS then
      self.done = true
      return true
    end
    if rc == NEEDS_MORE_INPUT then return true end
    -- NEEDS_MORE_OUTPUT: go round with an empty buffer
  end
end

function Decoder:finish()
  if self.done then return true end
  return nil, "the br stream ended early"
end

function Decoder:close()
  local state = self.state
  if state then
    self.state = nil
    lib.BrotliDecoderDestroyInstance(ffi.gc(state, nil))
  end
end

return M
