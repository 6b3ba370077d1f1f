/* Percent-encoding of one URL path segment or query value. */
#ifndef ONESIGNAL_ESCAPE_H
#define ONESIGNAL_ESCAPE_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

/* Upper bound of the encoded length of len input bytes (every byte may become "%XX"). */
#define OS_ESCAPE_MAX(len) ((len) * 3)

/* Encodes every byte of in except the unreserved A-Z a-z 0-9 - . _ ~ into out (which holds at least
 * OS_ESCAPE_MAX(len) bytes; no NUL is written) and returns the encoded length. An input that is
 * exactly "." or ".." has its dots encoded too, so it cannot act as a dot-segment in a path. */
size_t os_escape(const char *in, size_t len, char *out);

OS_HIDDEN_END

#endif
