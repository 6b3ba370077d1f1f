--- Shared FFI plumbing of the cosocket transport's body decoders (LuaJIT only).
--
-- Declarations go through `declare`, one at a time and protected: another library in the same nginx
-- worker (lua-ffi-zlib, lua-resty-*) may have declared the same C function already, and LuaJIT keeps
-- the first declaration. That is why every pointer parameter is declared `void *` here: a `void *`
-- argument converts to whatever pointer type an earlier declaration names.
-- @module onesignal.transport.ngx_ffi

local ffi = require("ffi")

local M = {}

--- Declares C text; a declaration that already exists is kept.
function M.declare(...)
  for i = 1, select("#", ...) do pcall(ffi.cdef, (select(i, ...))) end
end

--- The first library that resolves `symbol`: the process itself (nginx links zlib; libcurl, loaded with
-- the C core, links brotli and zstd), then each name in `names`. Returns nil when none does.
function M.library(symbol, names)
  if pcall(function() return ffi.C[symbol] end) then return ffi.C end
  for _, name in ipairs(names) do
    local ok, lib = pcall(ffi.load, name)
    if ok and pcall(function() return lib[symbol] end) then return lib end
  end
  return nil
end

--- Output space shared by every decoder of this Lua state: a decoder fills it and copies it out without
-- yielding in between, so one buffer serves all.
M.OUT_SIZE = 65536
M.out = ffi.new("uint8_t[?]", M.OUT_SIZE)

return M
