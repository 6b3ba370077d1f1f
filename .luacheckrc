-- luacheck configuration: `luacheck .` (see `make lint`).
std = "max"
max_line_length = 120
include_files = { "**/*.lua", "bin/onesignal", "*.rockspec", ".luacheckrc" }
exclude_files = { "build/", "tools/contract/node_modules/", "bench/node/node_modules/", "node_modules/" }

-- OpenResty code may use the `ngx` global; nothing may define globals.
read_globals = { "ngx", "jit" }

files["spec/"] = { std = "+busted" }
files["spec/server/"] = { std = "max+ngx_lua" }
files["examples/openresty/"] = { std = "max+ngx_lua" }
