/* Randomness (see random.h). */
#define _DEFAULT_SOURCE
#include "random.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/random.h>
#endif

#include "fork_guard.h"

static int read_urandom(unsigned char *p, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int os_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
#ifdef __linux__
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break; /* ENOSYS on old kernels: fall back to the device */
        p += n;
        len -= (size_t)n;
    }
    if (len == 0) return 0;
#endif
    return read_urandom(p, len);
}

int os_random_pool_take(os_random_pool *p, void *out, size_t len)
{
    unsigned long generation = os_fork_generation();
    unsigned char *from;
    if (len > sizeof p->bytes) return -1;
    if (generation != p->generation) {
        /* Drawn before a fork: the other process holds the same bytes. */
        memset(p->bytes, 0, sizeof p->bytes);
        p->left = 0;
        p->generation = generation;
    }
    if (p->left < len) {
        if (os_random_bytes(p->bytes, sizeof p->bytes) != 0) {
            p->left = 0;
            return -1;
        }
        p->left = sizeof p->bytes;
    }
    from = p->bytes + (sizeof p->bytes - p->left);
    memcpy(out, from, len);
    memset(from, 0, len); /* a byte is handed out once, and does not linger in memory */
    p->left -= len;
    return 0;
}

/* splitmix64: one add and a few multiply-xorshift steps; plenty for spreading retries apart. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double os_prng_next01(os_prng *g)
{
    long pid = (long)getpid();
    if (g->pid != pid) {
        uint64_t seed;
        if (os_random_bytes(&seed, sizeof seed) != 0) {
            /* No kernel randomness: time and pid still keep processes apart. */
            seed = (uint64_t)time(NULL) ^ ((uint64_t)pid << 32) ^ (uint64_t)(uintptr_t)g;
        }
        g->state = seed;
        g->pid = pid;
    }
    /* 53 random bits scaled into [0, 1): exactly representable, never reaches 1. */
    return (double)(splitmix64(&g->state) >> 11) * (1.0 / 9007199254740992.0);
}
