/* Session configuration and the checks of caller-supplied strings (see config.h). */
#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "headers.h"

void os_config_defaults(os_config *c)
{
    memset(c, 0, sizeof *c);
    c->verify = 1;
    c->http_version = CURL_HTTP_VERSION_NONE;
    c->timeout = 30;
    c->connect_timeout = 10;
    c->max_body = (size_t)64 * 1024 * 1024;
    c->max_retries = 3;
    c->retry_base_delay = 0.5;
    c->retry_max_delay = 30;
}

void os_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--) *v++ = 0;
}

static int dup_string(char **dst, const char *src)
{
    size_t n;
    *dst = NULL;
    if (src == NULL) return 0;
    n = strlen(src) + 1;
    *dst = malloc(n);
    if (*dst == NULL) return -1;
    memcpy(*dst, src, n);
    return 0;
}

static int dup_lines(char ***dst, char *const *src, size_t n)
{
    size_t i;
    *dst = NULL;
    if (n == 0) return 0;
    *dst = calloc(n, sizeof **dst);
    if (*dst == NULL) return -1;
    for (i = 0; i < n; i++)
        if (dup_string(&(*dst)[i], src[i]) != 0) return -1;
    return 0;
}

static void free_lines(char **lines, size_t n)
{
    size_t i;
    if (lines == NULL) return;
    for (i = 0; i < n; i++) free(lines[i]);
    free(lines);
}

static void free_secret(char *s)
{
    if (s == NULL) return;
    os_wipe(s, strlen(s));
    free(s);
}

int os_config_copy(os_config *dst, const os_config *src)
{
    int failed = 0;
    *dst = *src;
    /* Every pointer is replaced (by a copy or NULL) before anything can fail, so freeing is always safe. */
    failed |= dup_string(&dst->base_url, src->base_url);
    failed |= dup_string(&dst->rest_key, src->rest_key);
    failed |= dup_string(&dst->org_key, src->org_key);
    failed |= dup_string(&dst->user_agent, src->user_agent);
    failed |= dup_string(&dst->ca_file, src->ca_file);
    failed |= dup_string(&dst->proxy, src->proxy);
    failed |= dup_lines(&dst->headers, src->headers, src->n_headers);
    failed |= dup_lines(&dst->body_headers, src->body_headers, src->n_body_headers);
    if (failed) {
        os_config_free(dst);
        return -1;
    }
    return 0;
}

void os_config_free(os_config *c)
{
    free(c->base_url);
    free_secret(c->rest_key);
    free_secret(c->org_key);
    free(c->user_agent);
    free(c->ca_file);
    free(c->proxy);
    free_lines(c->headers, c->n_headers);
    free_lines(c->body_headers, c->n_body_headers);
    memset(c, 0, sizeof *c);
}

/* ---- checks of caller-supplied strings ---- */

int os_has_control(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 1;
    return 0;
}

int os_is_http_url(const char *s, size_t len)
{
    return (len > 7 && strncmp(s, "http://", 7) == 0) || (len > 8 && strncmp(s, "https://", 8) == 0);
}

static int has_any(const char *s, size_t len, const char *set)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (strchr(set, s[i]) != NULL) return 1; /* s has no NUL here: callers check controls first */
    return 0;
}

int os_valid_base_url(const char *s, size_t len)
{
    return os_is_http_url(s, len) && !os_has_control(s, len) && !has_any(s, len, " ?#") && s[len - 1] != '/';
}

int os_valid_header_line(const char *s, size_t len)
{
    size_t colon = 0;
    if (os_has_control(s, len)) return 0;
    while (colon < len && os_is_tchar((unsigned char)s[colon])) colon++;
    return colon > 0 && colon < len && s[colon] == ':';
}

/* Checked on every request: one pass, a byte at a time, rather than a pass per kind of bad byte. */
int os_valid_path(const char *s, size_t len)
{
    size_t i;
    if (len == 0 || s[0] != '/') return 0;
    for (i = 1; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) return 0; /* spaces and control characters */
    return 1;
}

int os_valid_url(const char *s, size_t len)
{
    return os_is_http_url(s, len) && !os_has_control(s, len) && !has_any(s, len, " ");
}

int os_valid_idempotency_key(const char *s, size_t len)
{
    return len > 0 && !os_has_control(s, len);
}
