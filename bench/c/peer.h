/* What the plain libcurl peers share: their settings (from the environment, like every peer, so that
 * the key never shows in a process list), the notification they send, the clocks they read and the one
 * JSON line they print. See bench/README.md for the contract every peer follows. */
#ifndef BENCH_PEER_H
#define BENCH_PEER_H

#include <stddef.h>

#include <curl/curl.h>

typedef struct {
    const char *url;     /* BENCH_URL: the server's base URL */
    const char *key;     /* BENCH_KEY: REST API key of the test server */
    const char *app_id;  /* BENCH_APP_ID */
    const char *ca_file; /* BENCH_CA_FILE: the test CA, for https (optional) */
    long count;          /* BENCH_COUNT: measured requests (or calls, in audience mode) */
    long warmup;         /* BENCH_WARMUP: requests before the measurement */
    long inflight;       /* BENCH_INFLIGHT: requests kept in flight (multi peer) */
    long audience;       /* BENCH_AUDIENCE: external ids in audience mode */
    const char *request_headers; /* BENCH_REQUEST_HEADERS: more header lines, newline-separated (optional) */
} peer_config;

/* A point in time of this process: monotonic wall clock and getrusage(RUSAGE_SELF) user + system. */
typedef struct {
    double wall, cpu;
} peer_mark;

/* Exits with a message on a missing or bad setting. */
void peer_config_load(peer_config *c);

void peer_mark_now(peer_mark *m);

/* Prints the result line: {"peer":…,"mode":…,"count":…,"wall_s":…,"cpu_s":…,"maxrss_kib":…,"http":…}. */
void peer_report(const char *peer, const char *mode, long count, const peer_mark *from, const peer_mark *to,
                 const char *http);

/* "1.1" or "2" for a finished transfer. */
const char *peer_http_version(CURL *easy);

/* The small notification every peer sends, with a fresh idempotency key: writes at most cap bytes and
 * returns the length (exits if cap is too small). */
size_t peer_small_body(char *out, size_t cap, const char *app_id);

/* The external ids of the audience notification: "bench-user-1" … (the caller's data, made once). */
char **peer_audience_ids(long n);
void peer_free_ids(char **ids, long n);

/* Encodes the audience notification (ids as a JSON array, fresh idempotency key) into *buf, growing it
 * as needed; returns the length. */
size_t peer_audience_body(char **buf, size_t *cap, const char *app_id, char *const *ids, long n);

/* Authorization, Content-Type and Accept, then the lines of `request_headers` (newline-separated, may be
 * NULL): the runner passes the other lines the Lua SDK must send (User-Agent, OS-Usage-Data,
 * Accept-Encoding), so that the floor sends the same request as the SDK. */
struct curl_slist *peer_headers(const char *key, const char *request_headers);

/* The common options of an easy handle: URL, headers, CA, response sink. */
void peer_setup_easy(CURL *easy, const peer_config *c, const char *url, struct curl_slist *headers);

/* The status of a finished transfer, or exits with its error. */
long peer_check(CURL *easy, CURLcode rc);

#endif
