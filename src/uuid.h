/* Random (version 4) UUIDs, used as idempotency keys. */
#ifndef ONESIGNAL_UUID_H
#define ONESIGNAL_UUID_H

#include "random.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

#define OS_UUID_LEN 36

/* Writes a lower-case UUIDv4 ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx") and a NUL into out, from a
 * pool of kernel randomness (see random.h: no system call for most identifiers, fork-safe). Returns 0,
 * or -1 when the kernel gave no randomness (out is then unchanged). */
int os_uuid4(os_random_pool *pool, char out[OS_UUID_LEN + 1]);

/* The formatting step alone, for tests and fuzzing: 16 bytes in, version and variant bits forced. */
void os_uuid4_format(const unsigned char bytes[16], char out[OS_UUID_LEN + 1]);

OS_HIDDEN_END

#endif
