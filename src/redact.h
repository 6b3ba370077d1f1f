/* Removal of secrets (API keys) from text before it can reach an error, a log or a hook. */
#ifndef ONESIGNAL_REDACT_H
#define ONESIGNAL_REDACT_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

#define OS_REDACTED "[REDACTED]"

typedef struct {
    const char *ptr;
    size_t len;
} os_span;

/* Copies text into out with every occurrence of every non-empty secret replaced by "[REDACTED]" (where
 * secrets overlap, the longest occurrence starting first wins) and returns the length of the whole result.
 * An occurrence may have any of the secret's bytes but '%' percent-encoded (%2B or %2b for '+', as a URL
 * carries a key given as a path or query value, or as a server may echo it), any but a backslash
 * JSON-escaped (\u0041 for 'A', \/ for '/', \" for '"', as a server may echo it inside a JSON string), and
 * any above 0x7F as \xHH (as onesignal.quote shows text that is not UTF-8). The secret's '%' bytes may
 * instead all be "%25" (the whole secret percent-encoded), or its backslashes all "\\" or "\u005C" (the
 * whole secret in a JSON string): each is one way through an occurrence, never mixed.
 * Writes at most out_cap bytes and no NUL; call with out = NULL first to learn the size. */
size_t os_redact(const char *text, size_t len, const os_span *secrets, size_t count, char *out, size_t out_cap);

OS_HIDDEN_END

#endif
