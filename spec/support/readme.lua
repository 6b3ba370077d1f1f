--- README.md's fenced code blocks, for the specs that keep its Lua blocks true to the code: each block is
-- found by its section and place, and run as written with only the names it leaves to the reader supplied.
--
--   local readme = require("support.readme")
--   local block = readme.lua_block("Pagination", 1)          -- the first Lua block under "## Pagination"
--   local printed, env = readme.run(block, { client = client })  -- what it printed, its globals
local shared = require("support.shared")

local M = {}

--- Where each Lua block of README.md is run: `"<section> #<n>"` (the n-th Lua block under the `## <section>`
-- heading, its `###` subsections included) to the file that reads it with `readme.lua_block("<section>", <n>)`
-- (a spec, or the nginx app module a spec runs it in). spec/integration/readme_spec.lua fails on a Lua block
-- missing here.
M.checked = {
  ["Quick start #1"] = "spec/integration/readme_spec.lua",
  ["Calling convention #1"] = "spec/integration/readme_spec.lua",
  ["Errors #1"] = "spec/integration/readme_blocks_spec.lua",
  ["Retries and idempotency #1"] = "spec/integration/readme_blocks_spec.lua",
  ["Retries and idempotency #2"] = "spec/integration/readme_blocks_spec.lua",
  ["Non-blocking calls, coroutines and bulk sends #1"] = "spec/integration/readme_blocks_spec.lua",
  ["Non-blocking calls, coroutines and bulk sends #2"] = "spec/integration/readme_blocks_spec.lua",
  ["Non-blocking calls, coroutines and bulk sends #3"] = "spec/integration/readme_blocks_spec.lua",
  ["Non-blocking calls, coroutines and bulk sends #4"] = "spec/integration/readme_blocks_spec.lua",
  ["OpenResty #1"] = "spec/openresty/app/readme.lua", -- run by spec/openresty/readme_spec.lua
  ["Pagination #1"] = "spec/integration/readme_blocks_spec.lua",
  ["Exports #1"] = "spec/integration/readme_blocks_spec.lua",
}

--- The languages of README's other blocks, which no spec runs: shell commands and nginx.conf.
M.not_lua = { sh = true, nginx = true }

--- Every fenced code block of README.md (or of `text`), in order, however far its fence is indented (inside
-- a list item, say; the indentation is taken off its lines): `{ lang, code, section, n, line, key }`, where
-- `lang` is the fence's first word in lower case ("" when it has none), `section` the `## ` heading above it,
-- `n` its place among that section's blocks of the same language, `line` the line of its opening fence and
-- `key` is `"<section> #<n>"`. An unclosed fence is an error.
function M.blocks(text)
  text = text or shared.read_repo_file("README.md")
  local blocks, counts = {}, {}
  local section, open = "(before any section)", nil
  local number = 0
  if text:sub(-1) ~= "\n" then text = text .. "\n" end
  for line in text:gmatch("([^\n]*)\n") do
    number = number + 1
    if open then
      local fence = line:match("^%s*([`~]+)%s*$")
      if fence and fence:sub(1, 1) == open.char and #fence >= open.length
        and not fence:find("[^" .. open.char .. "]") then
        open.block.code = table.concat(open.lines, "\n") .. (#open.lines > 0 and "\n" or "")
        open = nil
      else
        -- the opening fence's indentation, as far as the line has it
        open.lines[#open.lines + 1] = line:sub(math.min(#line:match("^%s*"), open.indent) + 1)
      end
    else
      local heading = line:match("^##%s+(.-)%s*$")
      if heading then section = heading end
      local indent, fence, info = line:match("^(%s*)(```+)%s*([^`]*)$")
      if not fence then indent, fence, info = line:match("^(%s*)(~~~+)%s*(.*)$") end
      if fence then
        local lang = (info:match("^(%S*)") or ""):lower()
        counts[section .. "\0" .. lang] = (counts[section .. "\0" .. lang] or 0) + 1
        local n = counts[section .. "\0" .. lang]
        local block = { lang = lang, section = section, n = n, line = number, key = section .. " #" .. n }
        blocks[#blocks + 1] = block
        open = { block = block, char = fence:sub(1, 1), length = #fence, indent = #indent, lines = {} }
      end
    end
  end
  if open then error("README.md:" .. open.block.line .. ": a code fence that is never closed", 0) end
  return blocks
end

--- The n-th Lua block (default the first) of README's section `section`, as M.blocks gives it.
function M.lua_block(section, n)
  n = n or 1
  for _, block in ipairs(M.blocks()) do
    if block.lang == "lua" and block.section == section and block.n == n then return block end
  end
  error(string.format("README.md has no Lua block #%d in a section %q", n, section), 2)
end

-- What a block finds of Lua's own (busted's globals are no part of it).
local STANDARD = { "assert", "error", "getmetatable", "ipairs", "load", "next", "pairs", "pcall", "print",
  "rawequal", "rawget", "rawlen", "rawset", "require", "select", "setmetatable", "tonumber", "tostring", "type",
  "xpcall", "coroutine", "io", "math", "os", "string", "table", "utf8" }

--- A block compiled as README.md's own lines, so that an error names README's line: `env` its globals.
function M.load(block, env)
  -- the lines before the block, left empty, put each of its lines at its line in README.md
  return assert(load(("\n"):rep(block.line) .. block.code, "@README.md", "t", env))
end

--- Runs `block` with `names` as its globals (the names it leaves to the reader; the table itself, so that a
-- function of the spec's can change one while the block runs), to which Lua's standard library is added
-- where `names` has no value of that name, and a `print` that collects, unless `names` has one; `...` are
-- its arguments. Returns the lines it printed (print's arguments through tostring, tab-separated) and its
-- globals, any it set included. An error it raises is raised again.
function M.run(block, names, ...)
  local printed, env = {}, names or {}
  if env.print == nil then
    env.print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      printed[#printed + 1] = table.concat(parts, "\t")
    end
  end
  for _, name in ipairs(STANDARD) do
    if env[name] == nil then env[name] = _G[name] end
  end
  M.load(block, env)(...)
  return printed, env
end

return M
