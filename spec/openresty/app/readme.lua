-- luacheck: globals ngx
-- README's OpenResty block inside nginx, for spec/openresty/readme_spec.lua: the block is two handlers, and
-- each runs where its first comment puts it, with the names it leaves to the reader: `push` (the module of
-- examples/openresty/push.lua, loaded by init_by_lua as README says), `user` (the request's ?user=) and,
-- for the timer, `welcome` (a notification for that user). Errors name README.md's lines.
local readme = require("support.readme")

local M = {}

-- The block's two parts, each a block of its own at its lines of README.md: the content_by_lua_file one,
-- then, after an empty line, the log_by_lua_file one.
local function part(which)
  local block = readme.lua_block("OpenResty", 1)
  local content, log = block.code:match("^(%-%- content_by_lua_file:.-\n)\n(%-%- log_by_lua_file:.*)$")
  assert(content, "README's OpenResty block is no longer a content_by_lua_file part, an empty line and a "
    .. "log_by_lua_file part")
  if which == "content" then return { code = content, line = block.line } end
  local _, lines = content:gsub("\n", "")
  return { code = log, line = block.line + lines + 1 }
end

local function names()
  local user = ngx.var.arg_user
  return { ngx = ngx, push = require("push"), user = user,
    welcome = { contents = { en = "Welcome!" }, include_aliases = { external_id = { user } },
      target_channel = "push" } }
end

--- content_by_lua: the first part, then "done" (the part answers nothing itself).
function M.content()
  readme.run(part("content"), names())
  ngx.say("done")
end

--- log_by_lua: the second part.
function M.log()
  readme.run(part("log"), names())
end

return M
