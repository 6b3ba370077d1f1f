--- zstd response bodies through libzstd (LuaJIT FFI).
-- @module onesignal.transport.ngx_zstd

local ffi = require("ffi")
local shared = require("onesignal.transport.ngx_ffi")

local M = {}

shared.declare(
  "struct onesignal_zstd_in { const void *src; size_t size; size_t pos; };",
  "struct onesignal_zstd_out { void *dst; size_t size; size_t pos; };",
  "void *ZSTD_createDStream(void);",
  "size_t ZSTD_freeDStream(void *zds);",
  "size_t ZSTD_initDStream(void *zds);",
  "size_t ZSTD_decompressStream(void *zds, void *output, void *input);",
  "unsigned ZSTD_isError(size_t code);",
  "const char *ZSTD_getErrorName(size_t code);"
)

local lib = shared.library("ZSTD_createDStream", { "zstd", "libzstd.so.1" })

--- Whether libzstd could be loaded in this process.
function M.available() return lib ~= nil end

local Decoder = {}
Decoder.__index = Decoder

function M.new()
  local stream = lib.ZSTD_createDStream()
  if stream == nil then return nil, "zstd could not start (out of memory)" end
  stream = ffi.gc(stream, lib.ZSTD_freeDStream)
  if lib.ZSTD_isError(lib.ZSTD_initDStream(stream)) ~= 0 then
    lib.ZSTD_freeDStream(ffi.gc(stream, nil))
    return nil, "zstd could not start"
  end
  return setmetatable({
    stream = stream,
    input = ffi.new("struct onesignal_zstd_in"),
    output = ffi.new("struct onesignal_zstd_out"),
    -- A frame is complete when the last call returned 0; nothing fed yet counts as incomplete.
    complete = false,
  }, Decoder)
end

--- Decodes `data`, handing every decoded piece to `put` (which returns false to stop). Returns true, or
-- nil and a message (nil and nil when `put` stopped).
function Decoder:feed(data, put)
  if #data == 0 then return true end
  local input, output, out, size = self.input, self.output, shared.out, shared.OUT_SIZE
  input.src = ffi.cast("const void *", data) -- `data` stays referenced for the whole loop
  input.size = #data
  input.pos = 0
  while true do
    output.dst = out
    output.size = size
    output.pos = 0
    local rc = lib.ZSTD_decompressStream(self.stream, output, input)
    if lib.ZSTD_isError(rc) ~= 0 then return nil, ffi.string(lib.ZSTD_getErrorName(rc)) end
    local n = tonumber(output.pos)
    if n > 0 and not put(ffi.string(out, n)) then return nil, nil end
    self.complete = rc == 0
    -- Done with this piece when all input is used and the output did not fill up (nothing is held back).
    if input.pos == input.size and n < size then return true end
  end
end

function Decoder:finish()
  if self.complete then return true end
  return nil, "the zstd stream ended early"
end

function Decoder:close()
  local stream = self.stream
  if stream then
    self.stream = nil
    lib.ZSTD_freeDStream(ffi.gc(stream, nil))
  end
end

return M
