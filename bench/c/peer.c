/* See peer.h. */
#define _POSIX_C_SOURCE 200809L
#include "peer.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench peer: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') die("missing setting", name);
    return v;
}

static long number(const char *name, long dflt)
{
    const char *v = getenv(name);
    char *end;
    long n;
    if (v == NULL || v[0] == '\0') return dflt;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < 0) die("not a count", name);
    return n;
}

void peer_config_load(peer_config *c)
{
    c->url = need("BENCH_URL");
    c->key = need("BENCH_KEY");
    c->app_id = need("BENCH_APP_ID");
    c->ca_file = getenv("BENCH_CA_FILE");
    if (c->ca_file != NULL && c->ca_file[0] == '\0') c->ca_file = NULL;
    c->count = number("BENCH_COUNT", 1000);
    c->warmup = number("BENCH_WARMUP", 100);
    c->inflight = number("BENCH_INFLIGHT", 1);
    c->audience = number("BENCH_AUDIENCE", 20000);
    c->request_headers = getenv("BENCH_REQUEST_HEADERS");
    if (c->count == 0 || c->inflight == 0) die("count and inflight must be positive", NULL);
}

void peer_mark_now(peer_mark *m)
{
    struct timespec ts;
    struct rusage ru;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    getrusage(RUSAGE_SELF, &ru);
    m->wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    m->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             (double)ru.ru_stime.tv_usec / 1e6;
}

void peer_report(const char *peer, const char *mode, long count, const peer_mark *from, const peer_mark *to,
                 const char *http)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"peer\":\"%s\",\"mode\":\"%s\",\"count\":%ld,\"wall_s\":%.6f,\"cpu_s\":%.6f,\"maxrss_kib\":%ld,"
           "\"http\":\"%s\"}\n",
           peer, mode, count, to->wall - from->wall, to->cpu - from->cpu, ru.ru_maxrss, http);
    fflush(stdout);
}

const char *peer_http_version(CURL *easy)
{
    long v = 0;
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v);
    return v == CURL_HTTP_VERSION_2_0 ? "2" : "1.1";
}

/* xorshift64*: idempotency keys only need to differ, not to be unpredictable. */
static uint64_t rng_state;

static uint64_t next_random(void)
{
    if (rng_state == 0) {
        FILE *f = fopen("/dev/urandom", "rb");
        if (f == NULL || fread(&rng_state, sizeof rng_state, 1, f) != 1) die("cannot read /dev/urandom", NULL);
        fclose(f);
        rng_state |= 1;
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* A UUIDv4 in its 36-character form. */
static void uuid4(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t hi = next_random(), lo = next_random();
    unsigned char b[16];
    int i, o = 0;
    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char)(hi >> (8 * i));
        b[8 + i] = (unsigned char)(lo >> (8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

size_t peer_small_body(char *out, size_t cap, const char *app_id)
{
    char key[37];
    int n;
    uuid4(key);
    n = snprintf(out, cap,
                 "{\"app_id\":\"%s\",\"contents\":{\"en\":\"Benchmark message\"},"
                 "\"include_aliases\":{\"external_id\":[\"bench-user-1\"]},\"target_channel\":\"push\","
                 "\"idempotency_key\":\"%s\"}",
                 app_id, key);
    if (n < 0 || (size_t)n >= cap) die("body buffer too small", NULL);
    return (size_t)n;
}

char **peer_audience_ids(long n)
{
    char **ids = calloc((size_t)n, sizeof *ids);
    long i;
    if (ids == NULL) die("out of memory", NULL);
    for (i = 0; i < n; i++) {
        char tmp[32];
        int len = snprintf(tmp, sizeof tmp, "bench-user-%ld", i + 1);
        ids[i] = malloc((size_t)len + 1);
        if (ids[i] == NULL) die("out of memory", NULL);
        memcpy(ids[i], tmp, (size_t)len + 1);
    }
    return ids;
}

void peer_free_ids(char **ids, long n)
{
    long i;
    for (i = 0; i < n; i++) free(ids[i]);
    free(ids);
}

static void put(char **buf, size_t *cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap : 4096;
        char *grown;
        while (want < *len + n + 1) want *= 2;
        grown = realloc(*buf, want);
        if (grown == NULL) die("out of memory", NULL);
        *buf = grown;
        *cap = want;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

#define PUT_LITERAL(lit) put(buf, cap, &len, (lit), sizeof(lit) - 1)

/* The ids are the benchmark's own ASCII names, so no character needs JSON escaping. */
size_t peer_audience_body(char **buf, size_t *cap, const char *app_id, char *const *ids, long n)
{
    size_t len = 0;
    char key[37];
    long i;
    uuid4(key);
    PUT_LITERAL("{\"app_id\":\"");
    put(buf, cap, &len, app_id, strlen(app_id));
    PUT_LITERAL("\",\"contents\":{\"en\":\"Benchmark message\"},\"include_aliases\":{\"external_id\":[");
    for (i = 0; i < n; i++) {
        if (i > 0) PUT_LITERAL(",");
        PUT_LITERAL("\"");
        put(buf, cap, &len, ids[i], strlen(ids[i]));
        PUT_LITERAL("\"");
    }
    PUT_LITERAL("]},\"target_channel\":\"push\",\"idempotency_key\":\"");
    put(buf, cap, &len, key, strlen(key));
    PUT_LITERAL("\"}");
    return len;
}

/* Appends each line of a newline-separated list. */
static struct curl_slist *append_lines(struct curl_slist *l, const char *lines)
{
    while (lines != NULL && *lines != '\0') {
        size_t len = strcspn(lines, "\n");
        char *line = malloc(len + 1);
        struct curl_slist *n;
        if (line == NULL) die("out of memory", NULL);
        memcpy(line, lines, len);
        line[len] = '\0';
        n = len > 0 ? curl_slist_append(l, line) : l;
        free(line);
        if (n == NULL) die("out of memory", NULL);
        l = n;
        lines += len + (lines[len] == '\n');
    }
    return l;
}

struct curl_slist *peer_headers(const char *key, const char *request_headers)
{
    struct curl_slist *l = NULL, *n;
    size_t size = strlen(key) + 32;
    char *auth = malloc(size);
    if (auth == NULL) die("out of memory", NULL);
    snprintf(auth, size, "Authorization: Key %s", key);
    n = curl_slist_append(l, auth);
    free(auth);
    if (n == NULL) die("out of memory", NULL);
    l = n;
    if ((n = curl_slist_append(l, "Content-Type: application/json")) == NULL) die("out of memory", NULL);
    l = n;
    if ((n = curl_slist_append(l, "Accept: application/json")) == NULL) die("out of memory", NULL);
    return append_lines(n, request_headers);
}

/* The answer is read and dropped: a floor does not decode what it does not need. */
static size_t sink(char *data, size_t size, size_t nmemb, void *ud)
{
    (void)data;
    (void)ud;
    return size * nmemb;
}

void peer_setup_easy(CURL *easy, const peer_config *c, const char *url, struct curl_slist *headers)
{
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, 60L); /* a stalled transfer fails the run instead of hanging it */
    if (c->ca_file != NULL) curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_file);
}

long peer_check(CURL *easy, CURLcode rc)
{
    long status = 0;
    if (rc != CURLE_OK) die("transfer failed", curl_easy_strerror(rc));
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        char text[32];
        snprintf(text, sizeof text, "HTTP %ld", status);
        die("unexpected status", text);
    }
    return status;
}
