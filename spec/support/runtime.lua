--- The Lua running the specs, so that a spec which starts another Lua process starts the same one, with
-- the C core built for it: `command` is lua5.4, lua5.3 or luajit, `flavour` its directory under build/.
local jit = rawget(_G, "jit")
local version = _VERSION:match("%d+%.%d+")

return {
  command = jit and "luajit" or "lua" .. version,
  flavour = jit and "luajit" or version,
}
