-- LuaRocks build of onesignal for Lua 5.4, Lua 5.3 and LuaJIT 2.1 (OpenResty):
--   luarocks --lua-version=5.4 make --deps-mode=none
--   luarocks --lua-version=5.3 make --deps-mode=none
--   luarocks --lua-version=5.1 make --deps-mode=none LUA_INCDIR=/usr/include/luajit-2.1   (LuaJIT)
rockspec_format = "3.0"
package = "onesignal"
version = "0.1.0-1"
source = {
  url = "git+https://github.com/OneSignal/onesignal-lua.git",
  tag = "v0.1.0",
}
description = {
  summary = "OneSignal server SDK: push, email, SMS, Live Activities, users and apps over the REST API",
  detailed = [[
All 56 operations of OneSignal's REST API from Lua 5.4, LuaJIT and OpenResty: a C core on libcurl
(curl multi: blocking, non-blocking, bulk and event-loop use on one engine), safe retries with
idempotency built in, and a cosocket transport for nginx.
]],
  homepage = "https://github.com/OneSignal/onesignal-lua",
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson >= 2.1.0",
}
external_dependencies = {
  -- Only the library is looked up: Debian keeps curl/curl.h under a multiarch include directory that
  -- LuaRocks does not search, while the compiler finds it by itself.
  CURL = { library = "curl" },
}
build = {
  type = "builtin",
  modules = {
    ["onesignal"] = "lua/onesignal.lua",
    ["onesignal.cli.args"] = "lua/onesignal/cli/args.lua",
    ["onesignal.cli.arguments"] = "lua/onesignal/cli/arguments.lua",
    ["onesignal.cli.exit"] = "lua/onesignal/cli/exit.lua",
    ["onesignal.cli.help"] = "lua/onesignal/cli/help.lua",
    ["onesignal.cli.json_text"] = "lua/onesignal/cli/json_text.lua",
    ["onesignal.cli.main"] = "lua/onesignal/cli/main.lua",
    ["onesignal.cli.shortcuts"] = "lua/onesignal/cli/shortcuts.lua",
    ["onesignal.cli.suggest"] = "lua/onesignal/cli/suggest.lua",
    ["onesignal.cli.typed"] = "lua/onesignal/cli/typed.lua",
    ["onesignal.bulk"] = "lua/onesignal/bulk.lua",
    ["onesignal.client"] = "lua/onesignal/client.lua",
    ["onesignal.config"] = "lua/onesignal/config.lua",
    ["onesignal.dry_run"] = "lua/onesignal/dry_run.lua",
    ["onesignal.errors"] = "lua/onesignal/errors.lua",
    ["onesignal.exports"] = "lua/onesignal/exports.lua",
    ["onesignal.json"] = "lua/onesignal/json.lua",
    ["onesignal.operations"] = "lua/onesignal/operations.lua",
    ["onesignal.order"] = "lua/onesignal/order.lua",
    ["onesignal.pages"] = "lua/onesignal/pages.lua",
    ["onesignal.quote"] = "lua/onesignal/quote.lua",
    ["onesignal.request"] = "lua/onesignal/request.lua",
    ["onesignal.response"] = "lua/onesignal/response.lua",
    ["onesignal.sleepers"] = "lua/onesignal/sleepers.lua",
    ["onesignal.usage"] = "lua/onesignal/usage.lua",
    ["onesignal.version"] = "lua/onesignal/version.lua",
    ["onesignal.transport.curl"] = "lua/onesignal/transport/curl.lua",
    ["onesignal.transport.ngx"] = "lua/onesignal/transport/ngx.lua",
    ["onesignal.transport.ngx_body"] = "lua/onesignal/transport/ngx_body.lua",
    ["onesignal.transport.ngx_brotli"] = "lua/onesignal/transport/ngx_brotli.lua",
    ["onesignal.transport.ngx_exchange"] = "lua/onesignal/transport/ngx_exchange.lua",
    ["onesignal.transport.ngx_ffi"] = "lua/onesignal/transport/ngx_ffi.lua",
    ["onesignal.transport.ngx_http"] = "lua/onesignal/transport/ngx_http.lua",
    ["onesignal.transport.ngx_send"] = "lua/onesignal/transport/ngx_send.lua",
    ["onesignal.transport.ngx_target"] = "lua/onesignal/transport/ngx_target.lua",
    ["onesignal.transport.ngx_zlib"] = "lua/onesignal/transport/ngx_zlib.lua",
    ["onesignal.transport.ngx_zstd"] = "lua/onesignal/transport/ngx_zstd.lua",
    ["onesignal.core"] = {
      sources = {
        "src/core.c", "src/curl_info.c", "src/session_lua.c", "src/session_lua_submit.c", "src/session_lua_hooks.c",
        "src/session_lua_results.c", "src/session_lua_close.c", "src/lua_fields.c", "src/lua_results.c",
        "src/session.c",
        "src/session_multi.c", "src/session_attempt.c", "src/session_fork.c", "src/transfer.c", "src/classify.c",
        "src/config.c", "src/policy.c", "src/retry_after.c", "src/escape.c", "src/headers.c", "src/redact.c",
        "src/uuid.c", "src/random.c", "src/clock.c", "src/buf.c", "src/idmap.c", "src/timer_heap.c", "src/fdset.c",
        "src/fork_guard.c", "src/poller_epoll.c", "src/poller_poll.c", "src/json_encode.c", "src/json_decode.c",
        "src/utf8.c",
      },
      libraries = { "curl", "m", "pthread", "dl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
  },
  install = {
    bin = { onesignal = "bin/onesignal" },
  },
}
