/* A small program embedding Lua 5.4, for the hardening specs: runs one Lua script in N OS threads at
 * once, each thread with a Lua state of its own, and gives scripts fork() and waitpid(), which plain
 * Lua lacks.
 *
 *   lua_host [-t THREADS] SCRIPT [ARG...]
 *
 * Every thread runs SCRIPT with `...` = ARG... and a global `host` table: thread (1..N), threads (N),
 * fork() → pid (0 in the child), wait(pid) → exit status, exit(code) (_exit: no atexit handlers and no
 * flushing of the parent's stdio buffers in a child). The threads wait for each other at a barrier before
 * running anything, so their first require("onesignal") (and libcurl's global initialisation) happen at
 * the same moment. A script returns a string, printed as "thread I: TEXT"; an error is printed as
 * "thread I failed: MESSAGE" and makes the exit status 1. Both states are closed before exit, so
 * leak checkers see everything freed.
 *
 * host.fail_allocations(n) makes the state's allocator refuse every allocation that grows memory after
 * the next n (until host.fail_allocations(nil)): out-of-memory errors where the code under test
 * allocates, for scripts that check what such an error leaves behind. */
#define _DEFAULT_SOURCE
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_THREADS 16
#define RESULT_SIZE 4096

typedef struct {
    int index, count, argc;
    long allow; /* allocations left before they fail; -1: no limit */
    char **argv; /* script, then its arguments */
    pthread_barrier_t *barrier;
    int ok;
    char result[RESULT_SIZE];
} job;

static int l_fork(lua_State *L)
{
    pid_t pid;
    fflush(NULL); /* buffered output must not be written twice */
    pid = fork();
    if (pid < 0) return luaL_error(L, "fork failed");
    lua_pushinteger(L, (lua_Integer)pid);
    return 1;
}

static int l_wait(lua_State *L)
{
    pid_t pid = (pid_t)luaL_checkinteger(L, 1);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return luaL_error(L, "waitpid failed");
    lua_pushinteger(L, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 1;
}

static int l_exit(lua_State *L)
{
    _exit((int)luaL_optinteger(L, 1, 0));
    return 0;
}

static void *allocate(void *ud, void *ptr, size_t osize, size_t nsize)
{
    job *j = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    /* osize is a type tag, not a size, when ptr is NULL */
    if (j->allow >= 0 && (ptr == NULL || nsize > osize)) {
        if (j->allow == 0) return NULL;
        j->allow--;
    }
    return realloc(ptr, nsize);
}

static int l_fail_allocations(lua_State *L)
{
    void *ud;
    job *j;
    lua_getallocf(L, &ud);
    j = ud;
    j->allow = lua_isnoneornil(L, 1) ? -1 : (long)luaL_checkinteger(L, 1);
    return 0;
}

static int panic(lua_State *L)
{
    fprintf(stderr, "lua_host: unprotected error: %s\n", lua_tostring(L, -1));
    return 0; /* then abort() */
}

static void record(job *j, int ok, const char *text)
{
    j->ok = ok;
    snprintf(j->result, sizeof j->result, "%s", text ? text : "(no text)");
}

static const luaL_Reg HOST_FUNCTIONS[] = {
    {"fail_allocations", l_fail_allocations}, {"fork", l_fork}, {"wait", l_wait}, {"exit", l_exit}, {NULL, NULL}};

static void *run(void *arg)
{
    job *j = arg;
    lua_State *L;
    int i;
    j->allow = -1;
    L = lua_newstate(allocate, j);
    if (L != NULL) lua_atpanic(L, panic);
    if (L == NULL) {
        record(j, 0, "cannot create a Lua state");
        pthread_barrier_wait(j->barrier);
        return NULL;
    }
    luaL_openlibs(L);
    lua_createtable(L, 0, 6);
    luaL_setfuncs(L, HOST_FUNCTIONS, 0);
    lua_pushinteger(L, j->index);
    lua_setfield(L, -2, "thread");
    lua_pushinteger(L, j->count);
    lua_setfield(L, -2, "threads");
    lua_setglobal(L, "host");
    pthread_barrier_wait(j->barrier);
    if (luaL_loadfile(L, j->argv[0]) != LUA_OK) {
        record(j, 0, lua_tostring(L, -1));
    } else {
        for (i = 1; i < j->argc; i++) lua_pushstring(L, j->argv[i]);
        if (lua_pcall(L, j->argc - 1, 1, 0) != LUA_OK)
            record(j, 0, lua_tostring(L, -1));
        else
            record(j, 1, lua_tostring(L, -1));
    }
    lua_close(L);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = 1, first = 1, i, failed = 0;
    pthread_t ids[MAX_THREADS];
    job jobs[MAX_THREADS];
    pthread_barrier_t barrier;

    if (argc > 2 && strcmp(argv[1], "-t") == 0) {
        threads = atoi(argv[2]);
        first = 3;
    }
    if (threads < 1 || threads > MAX_THREADS || first >= argc) {
        fprintf(stderr, "usage: lua_host [-t THREADS (1-%d)] SCRIPT [ARG...]\n", MAX_THREADS);
        return 2;
    }
    pthread_barrier_init(&barrier, NULL, (unsigned)threads);
    for (i = 0; i < threads; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].index = i + 1;
        jobs[i].count = threads;
        jobs[i].argc = argc - first;
        jobs[i].argv = argv + first;
        jobs[i].barrier = &barrier;
        if (pthread_create(&ids[i], NULL, run, &jobs[i]) != 0) {
            fprintf(stderr, "lua_host: cannot start thread %d\n", i + 1);
            return 2; /* the started threads wait at the barrier forever: exit ends them */
        }
    }
    for (i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (i = 0; i < threads; i++) {
        printf("thread %d%s: %s\n", jobs[i].index, jobs[i].ok ? "" : " failed", jobs[i].result);
        if (!jobs[i].ok) failed = 1;
    }
    return failed;
}
