/* A session's configuration, as the engine keeps it (its own copies; keys wiped when freed). */
#ifndef ONESIGNAL_CONFIG_H
#define ONESIGNAL_CONFIG_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct os_config {
    char *base_url; /* "http(s)://host[:port][/prefix]"; NULL: every request gives an absolute URL */
    char *rest_key; /* NULL when absent */
    char *org_key;  /* NULL when absent */
    char *user_agent;
    char *ca_file;
    char *proxy;
    char **headers; /* "Name: value" lines sent with every request */
    size_t n_headers;
    char **body_headers; /* lines sent only with a request body */
    size_t n_body_headers;
    int verify;
    long http_version; /* a CURL_HTTP_VERSION_* value; CURL_HTTP_VERSION_NONE leaves libcurl's default */
    double timeout;    /* per attempt, seconds */
    double connect_timeout;
    size_t max_body;
    int max_retries;
    double retry_base_delay;
    double retry_max_delay;
    long max_connections; /* 0: no cap */
    int env_proxy; /* set by the session: a proxy variable was in the environment when it was made */
} os_config;

void os_config_defaults(os_config *c);

/* Deep copy of src into dst. Returns 0, or -1 when memory ran out (dst then owns nothing). */
int os_config_copy(os_config *dst, const os_config *src);

/* Frees what os_config_copy allocated, overwriting the keys first. */
void os_config_free(os_config *c);

/* Overwrites n bytes in a way the compiler may not drop as a dead store. */
void os_wipe(void *p, size_t n);

/* Checks of the strings a caller hands the engine (pure; each returns 1 when the text is acceptable). */

/* 1 when any of len bytes is a control character (below 0x20, or DEL): CR, LF and NUL among them. */
int os_has_control(const char *s, size_t len);

/* 1 when s starts like an absolute http:// or https:// URL. */
int os_is_http_url(const char *s, size_t len);

/* A base URL: "http(s)://host[:port][/prefix]" without a trailing slash, query, fragment, space or
 * control character. */
int os_valid_base_url(const char *s, size_t len);

/* A header line "Name: value": a non-empty token name, a colon, no control character anywhere (so no
 * line can end early and start another header). */
int os_valid_header_line(const char *s, size_t len);

/* A request path relative to the base URL: starts with "/", already encoded (no space or control). */
int os_valid_path(const char *s, size_t len);

/* An absolute request URL: http(s), already encoded (no space or control). */
int os_valid_url(const char *s, size_t len);

/* An idempotency key: not empty (an empty key deduplicates nothing, yet would make a resend look safe),
 * no control character. */
int os_valid_idempotency_key(const char *s, size_t len);

OS_HIDDEN_END

#endif
