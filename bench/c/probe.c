/* Lua module `benchprobe` for the benchmark scripts: a monotonic clock and this process's own
 * getrusage figures, so the Lua figures come from the same system calls as the C and Node peers'
 * (os.clock has no wall time, and Lua has no way to read ru_maxrss).
 *
 *   probe.now()         seconds on CLOCK_MONOTONIC
 *   probe.cpu()         user + system CPU seconds of this process (getrusage RUSAGE_SELF)
 *   probe.maxrss_kib()  peak resident set size in KiB (ru_maxrss, the kernel's VmHWM)
 *
 * Builds against Lua 5.4 and LuaJIT 2.1 alike: only Lua 5.1 API calls, and luaL_newlib, which LuaJIT 2.1
 * has too. */
#define _POSIX_C_SOURCE 200809L
#include <sys/resource.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

static int l_now(lua_State *L)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return luaL_error(L, "benchprobe: clock_gettime failed");
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

static int self_usage(lua_State *L, struct rusage *ru)
{
    if (getrusage(RUSAGE_SELF, ru) != 0) return luaL_error(L, "benchprobe: getrusage failed");
    return 0;
}

static int l_cpu(lua_State *L)
{
    struct rusage ru;
    self_usage(L, &ru);
    lua_pushnumber(L, (lua_Number)ru.ru_utime.tv_sec + (lua_Number)ru.ru_utime.tv_usec / 1e6 +
                          (lua_Number)ru.ru_stime.tv_sec + (lua_Number)ru.ru_stime.tv_usec / 1e6);
    return 1;
}

static int l_maxrss_kib(lua_State *L)
{
    struct rusage ru;
    self_usage(L, &ru);
    lua_pushnumber(L, (lua_Number)ru.ru_maxrss);
    return 1;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((visibility("default")))
#endif
int luaopen_benchprobe(lua_State *L);

static const luaL_Reg PROBE[] = {{"now", l_now}, {"cpu", l_cpu}, {"maxrss_kib", l_maxrss_kib}, {NULL, NULL}};

int luaopen_benchprobe(lua_State *L)
{
    luaL_newlib(L, PROBE);
    return 1;
}
