/* The sequential floor: one libcurl easy handle (so one kept-alive connection) sending create_notification
 * requests one after another.
 *
 *   easy_loop sequential   BENCH_WARMUP requests, then BENCH_COUNT measured ones (small notification)
 *   easy_loop audience     the same with a notification aimed at BENCH_AUDIENCE external ids, encoded
 *                          afresh for every call (encoding is part of the figure)
 *
 * Settings come from the environment (peer.h); prints one JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

typedef struct {
    const peer_config *cfg;
    CURL *easy;
    char small[512];
    char *big;
    size_t big_cap;
    char **ids;
} loop_state;

static void send_one(loop_state *s)
{
    const char *body = s->small;
    size_t len;
    if (s->ids != NULL) {
        len = peer_audience_body(&s->big, &s->big_cap, s->cfg->app_id, s->ids, s->cfg->audience);
        body = s->big;
    } else {
        len = peer_small_body(s->small, sizeof s->small, s->cfg->app_id);
    }
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    peer_check(s->easy, curl_easy_perform(s->easy));
}

int main(int argc, char **argv)
{
    peer_config cfg;
    loop_state s;
    peer_mark from, to;
    struct curl_slist *headers;
    char url[1024];
    const char *mode = argc > 1 ? argv[1] : "";
    long i;
    int audience = strcmp(mode, "audience") == 0;

    if (!audience && strcmp(mode, "sequential") != 0) {
        fprintf(stderr, "usage: easy_loop sequential|audience (settings in BENCH_* variables)\n");
        return 2;
    }
    peer_config_load(&cfg);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 2;
    snprintf(url, sizeof url, "%s/notifications", cfg.url);
    memset(&s, 0, sizeof s);
    s.cfg = &cfg;
    s.easy = curl_easy_init();
    if (s.easy == NULL) return 2;
    headers = peer_headers(cfg.key, cfg.request_headers);
    peer_setup_easy(s.easy, &cfg, url, headers);
    if (audience) s.ids = peer_audience_ids(cfg.audience);

    for (i = 0; i < cfg.warmup; i++) send_one(&s);
    peer_mark_now(&from);
    for (i = 0; i < cfg.count; i++) send_one(&s);
    peer_mark_now(&to);
    peer_report("c", mode, cfg.count, &from, &to, peer_http_version(s.easy));

    if (s.ids != NULL) peer_free_ids(s.ids, cfg.audience);
    free(s.big);
    curl_easy_cleanup(s.easy);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    return 0;
}
