/* The concurrent floor: BENCH_INFLIGHT create_notification requests kept in flight on one libcurl multi
 * handle, driven the efficient way libcurl documents (curl_multi_socket_action with epoll), so the floor
 * is as low as plain libcurl gets. A finished handle is refilled with the next request at once.
 *
 *   multi_loop concurrent   BENCH_WARMUP requests (connections get opened), then BENCH_COUNT measured
 *
 * Over https every handle waits for multiplexing (CURLOPT_PIPEWAIT) as an HTTP/2 client should; over
 * http libcurl opens one HTTP/1.1 keep-alive connection per request in flight. With BENCH_MAX_CONNECTIONS
 * set, CURLMOPT_MAX_TOTAL_CONNECTIONS caps the connections (the "capped" variant, https only: over
 * HTTP/1.1 a cap would cap concurrency). Prints one JSON line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

/* Transfer failures sent again per run before the run fails. */
#define MAX_RETRIES 100

typedef struct {
    CURL *easy;
    char body[512];
} slot;

typedef struct {
    const peer_config *cfg;
    CURLM *multi;
    int epfd;
    long timeout_ms; /* what libcurl last asked for; -1: no timer */
    slot *slots;
    long started, finished, goal;
    long retries;
    const char *http;
} engine;

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    engine *e = userp;
    struct epoll_event ev;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    memset(&ev, 0, sizeof ev);
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (socketp == NULL) {
        if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return -1;
        curl_multi_assign(e->multi, fd, e); /* marks the socket as registered */
    } else if (epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev) != 0) {
        return -1;
    }
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    engine *e = userp;
    (void)multi;
    e->timeout_ms = timeout_ms;
    return 0;
}

static void start(engine *e, slot *s)
{
    size_t len = peer_small_body(s->body, sizeof s->body, e->cfg->app_id);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (curl_multi_add_handle(e->multi, s->easy) != CURLM_OK) {
        fprintf(stderr, "bench peer: curl_multi_add_handle failed\n");
        exit(2);
    }
    e->started++;
}

static void reap(engine *e)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
        slot *s = NULL;
        CURLcode rc = m->data.result; /* m does not outlive curl_multi_remove_handle */
        if (m->msg != CURLMSG_DONE) continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        curl_multi_remove_handle(e->multi, s->easy);
        if (rc != CURLE_OK && e->retries < MAX_RETRIES) {
            /* A transfer failure (curl 92, a reset stream, happens now and then in a burst of new HTTP/2
             * connections) is sent again with the same body and idempotency key, as any client would;
             * the server's request count shows it. HTTP statuses are never retried. */
            e->retries++;
            if (curl_multi_add_handle(e->multi, s->easy) != CURLM_OK) peer_check(s->easy, rc);
            continue;
        }
        peer_check(s->easy, rc);
        e->http = peer_http_version(s->easy);
        e->finished++;
        if (e->started < e->goal) start(e, s);
    }
}

/* Sends n requests with at most cfg->inflight in flight and returns when all are answered. */
static void run(engine *e, long n)
{
    long i, first = n < e->cfg->inflight ? n : e->cfg->inflight;
    int running = 0;
    struct epoll_event events[256];
    e->started = e->finished = 0;
    e->goal = n;
    for (i = 0; i < first; i++) start(e, &e->slots[i]);
    curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    reap(e);
    while (e->finished < n) {
        int k, ready = epoll_wait(e->epfd, events, 256, e->timeout_ms < 0 ? 1000 : (int)e->timeout_ms);
        if (ready <= 0) {
            curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        } else {
            for (k = 0; k < ready; k++) {
                int mask = ((events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ? CURL_CSELECT_IN : 0) |
                           ((events[k].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0);
                curl_multi_socket_action(e->multi, events[k].data.fd, mask, &running);
            }
        }
        reap(e);
    }
}

int main(int argc, char **argv)
{
    peer_config cfg;
    engine e;
    peer_mark from, to;
    struct curl_slist *headers;
    char url[1024];
    long i, max_connections;
    int https;

    if (argc < 2 || strcmp(argv[1], "concurrent") != 0) {
        fprintf(stderr, "usage: multi_loop concurrent (settings in BENCH_* variables)\n");
        return 2;
    }
    peer_config_load(&cfg);
    max_connections = getenv("BENCH_MAX_CONNECTIONS") ? atol(getenv("BENCH_MAX_CONNECTIONS")) : 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 2;
    https = strncmp(cfg.url, "https:", 6) == 0;
    snprintf(url, sizeof url, "%s/notifications", cfg.url);
    headers = peer_headers(cfg.key, cfg.request_headers);

    memset(&e, 0, sizeof e);
    e.cfg = &cfg;
    e.timeout_ms = -1;
    e.http = "?";
    e.epfd = epoll_create1(EPOLL_CLOEXEC);
    e.multi = curl_multi_init();
    e.slots = calloc((size_t)cfg.inflight, sizeof *e.slots);
    if (e.epfd < 0 || e.multi == NULL || e.slots == NULL) return 2;
    curl_multi_setopt(e.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(e.multi, CURLMOPT_SOCKETDATA, (void *)&e);
    curl_multi_setopt(e.multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(e.multi, CURLMOPT_TIMERDATA, (void *)&e);
    curl_multi_setopt(e.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    /* Only for the capped variant: libcurl 7.88 opens a new connection for every request that finds the
     * known HTTP/2 connections full (100 streams each) rather than waiting for one being set up, so a
     * burst of 1,024 opens ~925 TLS connections; a total cap makes the rest queue and multiplex. */
    if (max_connections > 0) curl_multi_setopt(e.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_connections);
    for (i = 0; i < cfg.inflight; i++) {
        slot *s = &e.slots[i];
        s->easy = curl_easy_init();
        if (s->easy == NULL) return 2;
        peer_setup_easy(s->easy, &cfg, url, headers);
        curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (void *)s);
        if (https) curl_easy_setopt(s->easy, CURLOPT_PIPEWAIT, 1L);
    }

    if (cfg.warmup > 0) run(&e, cfg.warmup);
    peer_mark_now(&from);
    run(&e, cfg.count);
    peer_mark_now(&to);
    peer_report(max_connections > 0 ? "c-capped" : "c", "concurrent", cfg.count, &from, &to, e.http);

    for (i = 0; i < cfg.inflight; i++) curl_easy_cleanup(e.slots[i].easy);
    free(e.slots);
    curl_multi_cleanup(e.multi);
    close(e.epfd);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    return 0;
}
