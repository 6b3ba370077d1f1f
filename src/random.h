/* Randomness: bytes from the kernel for identifiers, and a small seeded generator for retry jitter. */
#ifndef ONESIGNAL_RANDOM_H
#define ONESIGNAL_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with len bytes from getrandom() (or /dev/urandom where it is missing). Returns 0, or -1 when
 * no source answered; buf is then unusable. Never buffered, so a forked child never repeats its parent. */
int os_random_bytes(void *buf, size_t len);

/* A fast generator for jitter only (not for secrets). It reseeds itself from the kernel when first used
 * and whenever the process id changed, so parent and forked child do not draw the same delays. */
typedef struct os_prng {
    uint64_t state;
    long pid; /* process that seeded state; 0 = not seeded yet */
} os_prng;

/* A uniformly distributed number in [0, 1). */
double os_prng_next01(os_prng *g);

#endif
