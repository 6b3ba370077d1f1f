/* Preloaded by `make sanitize`: dlclose() that keeps the library loaded.
 *
 * lua_close() unloads every C module, and with onesignal.core go libcurl, OpenSSL and the rest. Their
 * one-time global state (allocated by curl_global_init, never freed, by design) then looks leaked to
 * LeakSanitizer, and the stacks of real leaks point into unloaded code that cannot be symbolised.
 * Keeping libraries loaded leaves that global state reachable, so LeakSanitizer reports only memory
 * that nothing points to any more: exactly the leaks of our code. */
#include <dlfcn.h>

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
