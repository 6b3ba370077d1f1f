-- luacheck: globals ngx
-- Compressed bytes for the fixtures, made by the encoders of zlib, libbrotlienc and libzstd through
-- LuaJIT's FFI (the SDK only has decoders). gzip answers come from nginx's own gzip filter instead.
local ffi = require("ffi")

local M = {}

pcall(ffi.cdef, [[
struct fixture_z_stream {
  const uint8_t *next_in; unsigned int avail_in; unsigned long total_in;
  uint8_t *next_out; unsigned int avail_out; unsigned long total_out;
  const char *msg; void *state; void *zalloc; void *zfree; void *opaque;
  int data_type; unsigned long adler; unsigned long reserved;
};
const char *zlibVersion(void);
int deflateInit2_(void *strm, int level, int method, int windowBits, int memLevel, int strategy,
                  const char *version, int stream_size);
int deflate(void *strm, int flush);
int deflateEnd(void *strm);
unsigned long deflateBound(void *strm, unsigned long sourceLen);
int BrotliEncoderCompress(int quality, int lgwin, int mode, size_t input_size, const uint8_t *input,
                          size_t *encoded_size, uint8_t *encoded);
size_t BrotliEncoderMaxCompressedSize(size_t input_size);
size_t ZSTD_compress(void *dst, size_t dstCapacity, const void *src, size_t srcSize, int level);
size_t ZSTD_compressBound(size_t srcSize);
unsigned ZSTD_isError(size_t code);
]])

local function load(names)
  for _, name in ipairs(names) do
    local ok, lib = pcall(ffi.load, name)
    if ok then return lib end
  end
  error("cannot load any of " .. table.concat(names, ", "))
end

local zlib = load({ "z", "libz.so.1" })
local brotli = load({ "brotlienc", "libbrotlienc.so.1" })
local zstd = load({ "zstd", "libzstd.so.1" })

-- windowBits: 31 gzip, 15 zlib-wrapped deflate, -15 raw deflate.
local function deflate(text, bits)
  local z = ffi.new("struct fixture_z_stream")
  assert(zlib.deflateInit2_(z, 6, 8, bits, 8, 0, zlib.zlibVersion(), ffi.sizeof(z)) == 0)
  local cap = tonumber(zlib.deflateBound(z, #text)) + 64
  local out = ffi.new("uint8_t[?]", cap)
  z.next_in, z.avail_in = ffi.cast("const uint8_t *", text), #text
  z.next_out, z.avail_out = out, cap
  local rc = zlib.deflate(z, 4) -- Z_FINISH
  local n = cap - z.avail_out
  zlib.deflateEnd(z)
  assert(rc == 1, "deflate did not finish")
  return ffi.string(out, n)
end

function M.gzip(text) return deflate(text, 31) end
function M.deflate(text) return deflate(text, 15) end
function M.raw_deflate(text) return deflate(text, -15) end

function M.br(text)
  local cap = tonumber(brotli.BrotliEncoderMaxCompressedSize(#text)) + 64
  local out = ffi.new("uint8_t[?]", cap)
  local size = ffi.new("size_t[1]", cap)
  assert(brotli.BrotliEncoderCompress(5, 22, 0, #text, ffi.cast("const uint8_t *", text), size, out) == 1)
  return ffi.string(out, size[0])
end

function M.zstd(text)
  local cap = tonumber(zstd.ZSTD_compressBound(#text))
  local out = ffi.new("uint8_t[?]", cap)
  local n = zstd.ZSTD_compress(out, cap, text, #text, 3)
  assert(zstd.ZSTD_isError(n) == 0)
  return ffi.string(out, n)
end

return M
