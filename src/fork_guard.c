/* Fork detection (see fork_guard.h). getpid() is a system call on current glibc (no cached pid), which
 * costs a measurable part of a request; a counter bumped by a pthread_atfork child handler costs a load.
 * glibc removes the handler when the module is unloaded (dlclose at lua_close); elsewhere that is not
 * guaranteed, so other C libraries compare process ids instead. */
#define _DEFAULT_SOURCE
#include "fork_guard.h"

#include <pthread.h>
#include <unistd.h>

#if defined(__GLIBC__)

static unsigned long generation;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

/* Runs in the child only, before fork() returns there: the child has a single thread at that point. */
static void on_child(void)
{
    generation++;
}

static void install(void)
{
    pthread_atfork(NULL, NULL, on_child);
}

unsigned long os_fork_generation(void)
{
    pthread_once(&installed, install);
    return generation;
}

#else

unsigned long os_fork_generation(void)
{
    return (unsigned long)getpid();
}

#endif
