/* The engine's life cycle and its requests (see session.h; the rest of the engine is in
 * session_multi.c, session_attempt.c and session_fork.c). */
#define _DEFAULT_SOURCE
#include "session_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "curl_info.h"
#include "fork_guard.h"
#include "headers.h"

/* ---- header lists and keys ---- */

static void free_list(struct curl_slist *l)
{
    struct curl_slist *n;
    for (n = l; n != NULL; n = n->next)
        if (strncmp(n->data, "Authorization:", 14) == 0) os_wipe(n->data, strlen(n->data));
    curl_slist_free_all(l);
}

static int append(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    if (n == NULL) return -1;
    *l = n;
    return 0;
}

static int names_header(const struct curl_slist *l, const char *lower_name)
{
    for (; l != NULL; l = l->next)
        if (os_header_line_names(l->data, lower_name)) return 1;
    return 0;
}

/* Appends the line "<prefix><value>". The copy made on the way is wiped, since value may be a key. */
static int append_joined(struct curl_slist **l, const char *prefix, const char *value)
{
    size_t n = strlen(prefix) + strlen(value) + 1;
    char *line = malloc(n);
    int failed;
    if (line == NULL) return -1;
    snprintf(line, n, "%s%s", prefix, value);
    failed = append(l, line);
    os_wipe(line, n);
    free(line);
    return failed;
}

/* User-Agent and Accept-Encoding as lines of our own list rather than libcurl options. For an option
 * libcurl formats the line into a string of its own on every request and then formats that into the
 * request, both through its printf engine a character at a time (~100 instructions a character); a list
 * line goes through it once. For these two lines that is ~9k instructions a request saved.
 * CURLOPT_ACCEPT_ENCODING stays set: it is what makes libcurl decode the answer. A session line of the
 * same name (core.session{ headers = … }) stands instead of ours. */
static int add_identity_lines(const os_config *cfg, struct curl_slist **l)
{
    const char *encodings = os_curl_info_get()->accept_encoding;
    if (cfg->user_agent != NULL && cfg->user_agent[0] != '\0' && !names_header(*l, "user-agent") &&
        append_joined(l, "User-Agent: ", cfg->user_agent) != 0)
        return -1;
    if (encodings[0] != '\0' && !names_header(*l, "accept-encoding") &&
        append_joined(l, "Accept-Encoding: ", encodings) != 0)
        return -1;
    return 0;
}

static int build_list(const os_config *cfg, const char *key, int has_body, struct curl_slist **out)
{
    struct curl_slist *l = NULL;
    size_t i;
    int failed = 0;
    for (i = 0; i < cfg->n_headers && !failed; i++) failed = append(&l, cfg->headers[i]);
    if (!failed) failed = add_identity_lines(cfg, &l);
    if (has_body) {
        for (i = 0; i < cfg->n_body_headers && !failed; i++) failed = append(&l, cfg->body_headers[i]);
        /* No "Expect: 100-continue" round trip before a body. */
        if (!failed) failed = append(&l, "Expect:");
    }
    /* libcurl would call any POST form-encoded; only the Lua layer's own lines name a content type. */
    if (!failed && !names_header(l, "content-type")) failed = append(&l, "Content-Type:");
    if (key != NULL && !failed) failed = append_joined(&l, "Authorization: Key ", key);
    *out = l;
    return failed ? -1 : 0;
}

static int build_lists(os_session *s)
{
    const char *keys[OS_CRED_COUNT];
    int c, b;
    keys[OS_CRED_NONE] = NULL;
    keys[OS_CRED_REST] = s->cfg.rest_key;
    keys[OS_CRED_ORG] = s->cfg.org_key;
    for (c = 0; c < OS_CRED_COUNT; c++) {
        if (c != OS_CRED_NONE && keys[c] == NULL) continue;
        for (b = 0; b < 2; b++)
            if (build_list(&s->cfg, keys[c], b, &s->lists[c][b]) != 0) return -1;
    }
    return 0;
}

static void add_secret(os_session *s, const char *key)
{
    if (key == NULL || key[0] == '\0') return;
    s->secrets[s->n_secrets].ptr = key;
    s->secrets[s->n_secrets].len = strlen(key);
    s->n_secrets++;
}

static const char *const proxy_variables[OS_PROXY_SOURCES] = {"http_proxy", "HTTP_PROXY", "https_proxy",
                                                               "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL};

/* Whether the environment names a proxy libcurl would use for http or https (its own rules: http_proxy
 * in lower case only, https_proxy in either, all_proxy in either; HTTP_PROXY too, to stay on the safe
 * side). Without one, no_proxy has nothing to exempt. */
static int proxy_in_environment(void)
{
    int i;
    for (i = 0; proxy_variables[i] != NULL; i++) {
        const char *v = getenv(proxy_variables[i]);
        if (v != NULL && v[0] != '\0') return 1;
    }
    return 0;
}

/* A proxy URL's credentials are secrets as the keys are: libcurl quotes a proxy URL it cannot use whole in
 * its message ("Unsupported proxy scheme for 'htp://user:password@host'"), which reaches errors and the
 * hook. What lies between "scheme://" and the last '@' is taken (user:password, however malformed the
 * rest), and the password alone too, should a message show it apart. Returns -1 when out of memory. */
static int add_proxy_secrets(os_session *s, const char *url)
{
    const char *start, *at, *colon;
    char *copy;
    size_t len;
    if (url == NULL) return 0;
    start = strstr(url, "://");
    start = start != NULL ? start + 3 : url;
    at = strrchr(start, '@');
    if (at == NULL || at == start) return 0;
    len = (size_t)(at - start);
    copy = malloc(len + 1);
    if (copy == NULL) return -1;
    memcpy(copy, start, len);
    copy[len] = '\0';
    s->proxy_credentials[s->n_proxy_credentials++] = copy;
    add_secret(s, copy);
    colon = strchr(copy, ':');
    if (colon != NULL) add_secret(s, colon + 1);
    return 0;
}

static int add_all_proxy_secrets(os_session *s)
{
    int i;
    if (add_proxy_secrets(s, s->cfg.proxy) != 0) return -1;
    for (i = 0; proxy_variables[i] != NULL; i++)
        if (add_proxy_secrets(s, getenv(proxy_variables[i])) != 0) return -1;
    return 0;
}

/* ---- life cycle ---- */

os_session *os_session_new(const os_config *cfg, char *err, size_t errlen)
{
    os_session *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (os_config_copy(&s->cfg, cfg) != 0) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Read once: libcurl would read the proxy variables again for every transfer (transfer.c). */
    s->cfg.env_proxy = s->cfg.proxy == NULL && proxy_in_environment();
    s->generation = os_fork_generation();
    s->curl_due = -1;
    s->expiry_due = -1;
    add_secret(s, s->cfg.rest_key);
    add_secret(s, s->cfg.org_key);
    s->poller = os_poller_new();
    if (s->poller == NULL || add_all_proxy_secrets(s) != 0 || build_lists(s) != 0
        || os_session_build_multi(s) != 0) {
        snprintf(err, errlen, "could not set up libcurl (out of memory or descriptors)");
        os_session_free(s);
        return NULL;
    }
    return s;
}

static void free_transfers(os_transfer *t)
{
    while (t != NULL) {
        os_transfer *next = t->next;
        os_transfer_free(t);
        t = next;
    }
}

void os_session_free(os_session *s)
{
    int c, b;
    if (s == NULL) return;
    /* Closing in a forked child must not send anything (TLS close, HTTP/2 GOAWAY) on the parent's behalf. */
    os_session_check_fork(s);
    if (s->multi) os_session_stop_active(s, 0);
    os_session_teardown_curl(s);
    free_transfers(s->done.head);
    free_transfers(s->pool);
    os_timer_heap_free(&s->timers);
    os_idmap_free(&s->ids);
    for (c = 0; c < OS_CRED_COUNT; c++)
        for (b = 0; b < 2; b++) free_list(s->lists[c][b]);
    os_poller_free(s->poller);
    os_session_close_sockets(s);
    os_config_free(&s->cfg);
    for (c = 0; c < (int)s->n_proxy_credentials; c++) {
        os_wipe(s->proxy_credentials[c], strlen(s->proxy_credentials[c]));
        free(s->proxy_credentials[c]);
    }
    os_wipe(s->secrets, sizeof s->secrets);
    free(s);
}

void os_session_set_attempt_fn(os_session *s, os_attempt_fn fn, void *ud)
{
    s->on_attempt = fn;
    s->on_attempt_ud = ud;
}

const os_config *os_session_config(const os_session *s)
{
    return &s->cfg;
}

int os_session_has_key(const os_session *s, os_credential c)
{
    return c == OS_CRED_NONE || (c == OS_CRED_REST && s->cfg.rest_key) || (c == OS_CRED_ORG && s->cfg.org_key);
}

size_t os_session_redact(const os_session *s, const char *text, size_t len, char *out, size_t out_cap)
{
    return os_redact(text, len, s->secrets, s->n_secrets, out, out_cap);
}

struct curl_slist *os_session_headers(const os_session *s, os_credential c, int has_body)
{
    return s->lists[c][has_body ? 1 : 0];
}

/* ---- requests ---- */

os_transfer *os_session_acquire(os_session *s)
{
    os_transfer *t;
    os_session_check_fork(s);
    t = s->pool;
    if (t != NULL) {
        s->pool = t->next;
    } else {
        t = calloc(1, sizeof *t);
        if (t == NULL) return NULL;
        os_header_block_clear(&t->headers, 0);
    }
    t->next = t->prev = NULL;
    t->session = s;
    if (t->easy == NULL) {
        int failed = os_transfer_init_easy(t, &s->cfg, s->share) != 0;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETFUNCTION, os_session_on_open_socket) != CURLE_OK;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, (void *)t) != CURLE_OK;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_CLOSESOCKETFUNCTION, os_session_on_close_socket) != CURLE_OK;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_CLOSESOCKETDATA, (void *)s) != CURLE_OK;
        if (failed) {
            os_transfer_free(t);
            return NULL;
        }
    }
    t->state = OS_T_IDLE;
    t->credential = OS_CRED_NONE;
    t->safe = 0;
    t->timeout = s->cfg.timeout;
    t->has_deadline = 0;
    t->deadline = 0;
    t->idle_timeout = 0;
    t->max_retries = s->cfg.max_retries;
    t->retry_base_delay = s->cfg.retry_base_delay;
    t->retry_max_delay = s->cfg.retry_max_delay;
    t->maybe_sent = 0;
    t->applied = 0;
    t->gave_up = OS_GAVE_UP_NONE;
    t->elapsed = 0;
    return t;
}

void os_session_discard(os_session *s, os_transfer *t)
{
    os_transfer_reset(t);
    t->next = s->pool;
    s->pool = t;
}

int os_session_submit(os_session *s, os_transfer *t)
{
    double now;
    if (s->multi == NULL) return -1;
    t->id = ++s->next_id;
    if (os_idmap_put(&s->ids, t->id, t) != 0) return -1;
    if (os_transfer_apply_request(t, os_session_headers(s, t->credential, t->has_body)) != 0) {
        os_idmap_remove(&s->ids, t->id);
        return -1;
    }
    now = os_monotonic();
    t->submitted_at = now;
    t->attempt = 0;
    os_list_push(&s->active, t);
    s->pending++;
    os_session_start_attempt(s, t, now);
    return 0;
}

os_transfer *os_session_find(const os_session *s, unsigned long long id)
{
    return os_idmap_get(&s->ids, id);
}

os_transfer *os_session_first_done(const os_session *s)
{
    return s->done.head;
}

void os_session_each_pending(const os_session *s, void (*fn)(void *ud, const os_transfer *t), void *ud)
{
    const os_transfer *t;
    for (t = s->active.head; t != NULL; t = t->next) fn(ud, t);
    for (t = s->done.head; t != NULL; t = t->next) fn(ud, t);
}

void os_session_take(os_session *s, os_transfer *t)
{
    os_list_remove(&s->done, t);
    os_idmap_remove(&s->ids, t->id);
    s->pending--;
}

int os_session_untake(os_session *s, os_transfer *t)
{
    if (os_idmap_put(&s->ids, t->id, t) != 0) return -1;
    os_list_push_front(&s->done, t);
    s->pending++;
    return 0;
}

/* Seconds an outer loop may sleep while attempts are on the wire when the poller offers it no descriptor
 * (poll(2) builds): nothing else would wake it when an answer comes, and libcurl's next timer is often
 * its connect or request timeout, seconds away. */
#define NO_FD_RECHECK 0.01

double os_session_next_timeout(const os_session *s)
{
    double next, wait;
    if (s->done.head != NULL) return 0;
    if (s->in_flight == 0 && s->waiting == 0) return -1;
    next = os_session_earliest(s, -1);
    if (next < 0) {
        /* Work in flight without any timer only waits for sockets; an outer loop should still look again. */
        wait = 1;
    } else {
        double now = os_monotonic();
        wait = next > now ? next - now : 0;
    }
    if (s->in_flight > 0 && wait > NO_FD_RECHECK && os_poller_fd(s->poller) < 0) wait = NO_FD_RECHECK;
    return wait;
}

double os_session_hold_429(const os_session *s)
{
    double left = s->hold_429_until - os_monotonic();
    return left > 0 ? left : 0;
}

int os_session_env_proxy(const os_session *s)
{
    return s->cfg.env_proxy;
}

int os_session_fd(const os_session *s)
{
    return os_poller_fd(s->poller);
}

void os_session_get_stats(const os_session *s, os_session_stats *st)
{
    st->connects = s->connects;
    st->in_flight = s->in_flight;
    st->waiting = s->waiting;
    st->pending = s->pending;
}
