/* What every fuzz target shares: CHECK, which turns a broken invariant into a crash libFuzzer records
 * (with the input that caused it), and a reader that takes typed values off the front of an input. */
#ifndef ONESIGNAL_FUZZ_CHECK_H
#define ONESIGNAL_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                            \
    do {                                                                                                       \
        if (!(cond)) {                                                                                         \
            fprintf(stderr, "invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                      \
            abort();                                                                                           \
        }                                                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Typed values from the front of the input; past its end every value reads as zero, so any input is
 * usable and short inputs still reach the code under test. */
typedef struct {
    const uint8_t *p;
    size_t left;
} fuzz_reader;

static inline uint64_t fuzz_bits(fuzz_reader *r, int bytes)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < bytes; i++) {
        v = (v << 8) | (r->left > 0 ? *r->p : 0);
        if (r->left > 0) {
            r->p++;
            r->left--;
        }
    }
    return v;
}

/* Any double, NaN and infinities included: the raw 64 bits. */
static inline double fuzz_double(fuzz_reader *r)
{
    uint64_t bits = fuzz_bits(r, 8);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

#endif
