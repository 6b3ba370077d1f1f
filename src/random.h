/* Randomness: bytes from the kernel for identifiers, and a small seeded generator for retry jitter. */
#ifndef ONESIGNAL_RANDOM_H
#define ONESIGNAL_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

/* Fills buf with len bytes from getrandom() (or /dev/urandom where it is missing). Returns 0, or -1 when
 * no source answered; buf is then unusable. Never buffered, so a forked child never repeats its parent. */
int os_random_bytes(void *buf, size_t len);

/* Kernel randomness drawn OS_RANDOM_POOL_SIZE bytes at a time, so that making an identifier costs no
 * system call most of the time. Not thread-safe: one pool per Lua state (a state runs on one thread at a
 * time). Fork-safe: bytes drawn before a fork() are thrown away, unused, on both sides' next take, so a
 * child never hands out what its parent will (two processes sending the same idempotency key would make
 * the server drop one of the notifications). Zero-initialise before first use. */
#define OS_RANDOM_POOL_SIZE 4096

typedef struct os_random_pool {
    unsigned char bytes[OS_RANDOM_POOL_SIZE];
    size_t left;              /* unused bytes, at the end of bytes */
    unsigned long generation; /* os_fork_generation() when the bytes were drawn */
} os_random_pool;

/* Copies len (at most OS_RANDOM_POOL_SIZE) fresh bytes into out and wipes them from the pool. Returns 0,
 * or -1 when the kernel gave no randomness. */
int os_random_pool_take(os_random_pool *p, void *out, size_t len);

/* A fast generator for jitter only (not for secrets). It reseeds itself from the kernel when first used
 * and whenever the process id changed, so parent and forked child do not draw the same delays. */
typedef struct os_prng {
    uint64_t state;
    long pid; /* process that seeded state; 0 = not seeded yet */
} os_prng;

/* A uniformly distributed number in [0, 1). */
double os_prng_next01(os_prng *g);

OS_HIDDEN_END

#endif
