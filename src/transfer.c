/* One request and its current attempt (see transfer.h). */
#include "transfer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "clock.h"
#include "retry_after.h"

/* Buffers keep this much memory between requests; a rare huge response gives the rest back. */
#define KEEP_HEADERS 16384
#define KEEP_RESPONSE 262144

static const char *const METHOD_NAMES[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

const char *os_method_name(os_method m)
{
    return METHOD_NAMES[m];
}

/* ---- libcurl callbacks ---- */

/* The length of the body as on_body will get it: the Content-Length, unless libcurl decodes the body (a
 * Content-Encoding other than identity), which leaves it unknown (-1). */
static long long announced_length(const os_transfer *t)
{
    curl_off_t length = -1;
    const char *name, *value;
    size_t name_len, value_len, at = 0, next;
    while ((next = os_header_block_at(&t->headers, at, &name, &name_len, &value, &value_len)) != OS_NO_ENTRY) {
        if (os_header_name_is(name, name_len, "content-encoding") && !os_header_name_is(value, value_len, "identity"))
            return -1;
        at = next;
    }
    if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) != CURLE_OK) return -1;
    return length < 0 ? -1 : (long long)length;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    os_transfer *t = userdata;
    size_t n = size * nmemb;
    if (t->on_body != NULL) {
        /* The header block holds the final status line by the time body bytes come (there is no 1xx
         * body, and no redirect is followed), so no curl_easy_getinfo per chunk: only the body of a 2xx
         * answer goes on; any other is kept, for the error. */
        int status = t->headers.status;
        if (status >= 200 && status < 300) {
            if (t->streamed == 0) t->announced = announced_length(t);
            if (t->on_body(t->on_body_ud, t, data, n, t->streamed) != 0) {
                t->body_refused = 1;
                return 0;
            }
            t->streamed += n;
            return n;
        }
    }
    /* The cap applies to decoded bytes: libcurl calls this after content decoding. */
    if (n > t->max_body - t->response.len) {
        t->too_large = 1;
        return 0;
    }
    if (os_buf_append(&t->response, data, n) != 0) {
        t->out_of_memory = 1;
        return 0;
    }
    return n;
}

static void clear_headers(os_transfer *t)
{
    os_header_block_clear(&t->headers, KEEP_HEADERS);
}

/* The first transfer coding of the final answer's Transfer-Encoding fields other than chunked and identity
 * (see os_header_unasked_coding), or 0 when there is none. */
static int unasked_coding(const os_transfer *t, const char **coding, size_t *coding_len)
{
    const char *name, *value;
    size_t name_len, value_len, at = 0, next;
    while ((next = os_header_block_at(&t->headers, at, &name, &name_len, &value, &value_len)) != OS_NO_ENTRY) {
        if (os_header_name_is(name, name_len, "transfer-encoding") &&
            os_header_unasked_coding(value, value_len, coding, coding_len))
            return 1;
        at = next;
    }
    return 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    os_transfer *t = userdata;
    size_t n = size * nmemb;
    int was_complete = t->headers.complete;
    const char *coding;
    size_t coding_len;
    if (os_header_block_feed(&t->headers, data, n) != 0) {
        t->out_of_memory = 1;
        return 0;
    }
    /* No request says TE, so the only transfer coding an answer may use is chunked (RFC 9110 section
     * 10.1.4). What libcurl makes of another depends on its version: 7.88 decodes gzip and deflate, 8.1
     * to 8.13 hand the coded bytes on as the body, later ones fail. Refused here on every version, as the
     * cosocket transport refuses it (ngx_http.lua), once the final answer's block has ended. */
    if (!was_complete && t->headers.complete && t->headers.transfer_coded && unasked_coding(t, &coding, &coding_len)) {
        t->coding_refused = 1;
        return 0;
    }
    return n;
}

static size_t on_read(char *buffer, size_t size, size_t nitems, void *userdata)
{
    os_transfer *t = userdata;
    size_t n = size * nitems, left = t->body_len - t->body_pos;
    if (n > left) n = left;
    if (n == 0) return 0;
    memcpy(buffer, t->body + t->body_pos, n);
    t->body_pos += n;
    return n;
}

/* libcurl sends a request again by itself, on a new connection, when no byte of an answer came: after a
 * reused kept-alive connection turned out dead, and over HTTP/2 after the server refused the request's
 * stream unprocessed, with RST_STREAM(REFUSED_STREAM) or a GOAWAY whose last-stream-id is below it (RFC 9113
 * 8.7 and 6.8; nghttp2 closes such a stream as refused). The server may have applied the first kind's
 * copy, so that resend is only allowed for requests safe to repeat; the second kind's copy was not
 * processed, so any request may go out again (five times at most: libcurl then gives up).
 * libcurl 7.88 tells the two apart in nothing it returns. A dead connection is a failure, which it writes
 * to the error buffer (so is a stream reset with another code, never resent); a refused stream ends with
 * none. But over HTTP/1.1 a kept-alive connection closed after the request ends with none either, and
 * whether a send went out on an HTTP/2 stream libcurl says only in an info line, which only a debug
 * function gets, with CURLOPT_VERBOSE on: so that is on for the requests that are not safe to repeat
 * where HTTP/2 may be used (os_transfer_apply_request), the others being resent either way. Nothing of
 * what the function is shown is kept (the request's header lines are among it). */
#define H2_SEND_LINE "Using Stream ID: "

/* After the fifth resend libcurl gives up: the last copy, refused like the others, ends the attempt in a
 * failure ("Connection died, tried 5 times before giving up", CURLE_RECV_ERROR) that reads like any lost
 * connection, whose copy may have been applied. What tells it apart is the info line libcurl writes when
 * it finds a stream refused with no byte of an answer, before it decides whether to resend: it comes after
 * every send that was refused so, the last one included. Were its wording to change, no send would count as
 * refused and the attempt would stay "maybe sent" as before: never the other way round. */
#define H2_REFUSED_LINE "REFUSED_STREAM, retrying a fresh connect"

static int starts_with(const char *data, size_t size, const char *prefix, size_t prefix_len)
{
    return size >= prefix_len && memcmp(data, prefix, prefix_len) == 0;
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userdata)
{
    os_transfer *t = userdata;
    (void)easy;
    if (type != CURLINFO_TEXT) return 0;
    if (starts_with(data, size, H2_SEND_LINE, sizeof H2_SEND_LINE - 1))
        t->h2_sends++;
    /* The latest send was refused unprocessed; counted only while every earlier send was, and no failure
     * has been written (none_processed). */
    else if (starts_with(data, size, H2_REFUSED_LINE, sizeof H2_REFUSED_LINE - 1) && t->errbuf[0] == '\0' &&
             t->refused_sends == t->sends - 1)
        t->refused_sends = t->sends;
    return 0;
}

/* Every send of this attempt before the one at hand went out on an HTTP/2 stream, and none ended in a
 * failure: each was refused unprocessed, so sending the request again cannot apply it twice. `earlier` is
 * how many sends came before. */
static int none_processed(const os_transfer *t, int earlier)
{
    return t->h2_sends >= earlier && t->errbuf[0] == '\0';
}

/* libcurl rewinds to resend the body (see on_debug). libcurl 7.88 asks this before on_prereq counts the
 * resend, a later one may ask after: on_prereq, asked for every send, is what stops a resend that is not
 * allowed, and that of a request without a body, which is never rewound. */
static int on_seek(void *userdata, curl_off_t offset, int origin)
{
    os_transfer *t = userdata;
    if (!t->safe && !none_processed(t, t->sends - 1)) {
        t->rewind_refused = 1;
        return CURL_SEEKFUNC_FAIL;
    }
    if (origin != SEEK_SET || offset < 0 || (curl_off_t)t->body_len < offset) return CURL_SEEKFUNC_FAIL;
    t->body_pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* Runs each time libcurl is about to send the request, including its own resends (see on_debug), so that
 * a resend can be counted as the attempt it really is. A request that is not safe to repeat is stopped
 * here unless every earlier send was refused unprocessed. */
static int on_prereq(void *userdata, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    os_transfer *t = userdata;
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    if (t->sends > 0 && !none_processed(t, t->sends)) {
        if (!t->safe) {
            t->rewind_refused = 1;
            return CURL_PREREQFUNC_ABORT;
        }
        t->resent_after_loss = 1;
    }
    t->sends++;
    return CURL_PREREQFUNC_OK;
}

/* A name lookup starts only once the attempt is out of libcurl's queue for a free connection. */
static int on_resolver_start(void *resolver_state, void *reserved, void *userdata)
{
    os_transfer *t = userdata;
    (void)resolver_state;
    (void)reserved;
    t->dequeued = 1;
    return 0;
}

/* ---- setup ---- */

static long to_ms(double seconds)
{
    double ms = seconds * 1000.0;
    if (!(ms > 0)) return 0;
    if (ms >= 2147483647.0) return 0; /* beyond any real limit: none */
    return ms < 1 ? 1 : (long)(ms + 0.5);
}

/* The low-speed check counts whole seconds: a limit is rounded up (never down to "off"), and one beyond
 * any real wait is none. */
static long idle_seconds(double seconds)
{
    if (!(seconds > 0) || seconds >= 2147483647.0) return 0;
    return (long)ceil(seconds);
}

#define SET(opt, val)                                                                                          \
    do {                                                                                                       \
        if (curl_easy_setopt(e, opt, val) != CURLE_OK) failed = 1;                                             \
    } while (0)

int os_transfer_init_easy(os_transfer *t, const os_config *cfg, CURLSH *share)
{
    CURL *e = curl_easy_init();
    int failed = 0;
    if (e == NULL) return -1;
    SET(CURLOPT_PRIVATE, (void *)t);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SHARE, share);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)t);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, (void *)t);
    SET(CURLOPT_SEEKFUNCTION, on_seek);
    SET(CURLOPT_SEEKDATA, (void *)t);
    SET(CURLOPT_PREREQFUNCTION, on_prereq);
    SET(CURLOPT_PREREQDATA, (void *)t);
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, (void *)t);
    SET(CURLOPT_RESOLVER_START_FUNCTION, on_resolver_start);
    SET(CURLOPT_RESOLVER_START_DATA, (void *)t);
#if LIBCURL_VERSION_NUM >= 0x075700
    /* A transfer ended while its name lookup still runs (its connect timeout or deadline passed, or the
     * client was closed) would otherwise wait, inside poll(0) or close, for getaddrinfo to return: seconds
     * on end against a resolver that does not answer. The lookup thread is detached instead and frees its
     * own data when getaddrinfo returns; in a forked child, whose lookup threads stayed in the parent,
     * nothing waits for one that is not there. (Not an error when the libcurl loaded is older than 7.87.) */
    (void)curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
#endif
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* An Authorization header must never travel to whatever host a redirect names. */
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PATH_AS_IS, 1L);
    /* Decode every encoding this libcurl can; the Accept-Encoding line itself is in the header list. */
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_HEADEROPT, (long)CURLHEADER_SEPARATE); /* request headers are not shown to a proxy */
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, to_ms(cfg->connect_timeout));
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body);
    if (cfg->ca_file) SET(CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->proxy) {
        SET(CURLOPT_PROXY, cfg->proxy);
        /* The request's User-Agent is a line of the session's header list (session.c); this one is for
         * the proxy's CONNECT, which never sees that list (CURLHEADER_SEPARATE). */
        if (cfg->user_agent) SET(CURLOPT_USERAGENT, cfg->user_agent);
    } else if (!cfg->env_proxy) {
        /* No proxy variable was set when the session was made: "" tells libcurl there is no proxy and
         * nothing to exempt, so it stops looking the variables up for every transfer (~2k instructions of
         * a ~140k request; bench/README.md). */
        SET(CURLOPT_PROXY, "");
        SET(CURLOPT_NOPROXY, "");
    }
    SET(CURLOPT_SSL_VERIFYPEER, cfg->verify ? 1L : 0L);
    SET(CURLOPT_SSL_VERIFYHOST, cfg->verify ? 2L : 0L);
    if (cfg->http_version != CURL_HTTP_VERSION_NONE) SET(CURLOPT_HTTP_VERSION, cfg->http_version);
    if (failed) {
        curl_easy_cleanup(e);
        return -1;
    }
    t->easy = e;
    t->applied_url.len = 0;
    t->applied_headers = NULL;
    t->applied_send_body = -1;
    t->applied_method = NULL;
    t->applied_pipewait = 0;
    t->applied_timeout_ms = 0;
    t->applied_idle_s = 0;
    t->applied_unlimited = 0;
    t->applied_verbose = 0;
    t->max_body = cfg->max_body;
    t->http_version = cfg->http_version;
    return 0;
}

int os_transfer_set_url(os_transfer *t, const char *base, const char *path, size_t path_len)
{
    t->url.len = 0;
    if (base != NULL && os_buf_append(&t->url, base, strlen(base)) != 0) return -1;
    if (os_buf_append(&t->url, path, path_len) != 0 || os_buf_append(&t->url, "", 1) != 0) return -1;
    t->url.len--; /* the NUL stays in memory but not in the length */
    /* A URL given whole (an export's file) may be presigned: its query is then a credential for as long as
     * it lives, so only what comes before it is shown. */
    t->url_shown = t->url.len;
    if (base == NULL) {
        const char *query = memchr(t->url.data, '?', t->url.len);
        if (query != NULL) t->url_shown = (size_t)(query - t->url.data);
    }
    return 0;
}

int os_transfer_set_extra_headers(os_transfer *t, const char *const *lines, const size_t *lens, size_t n,
                                  struct curl_slist *shared)
{
    size_t bytes = n * sizeof(struct curl_slist), i;
    struct curl_slist *nodes;
    char *text;
    for (i = 0; i < n; i++) bytes += lens[i] + 1;
    free(t->extra_headers);
    t->extra_headers = NULL;
    if (n == 0) return 0;
    nodes = malloc(bytes);
    if (nodes == NULL) return -1;
    /* libcurl only reads the list, so our nodes may lead into the session's prebuilt one. */
    text = (char *)(nodes + n);
    for (i = 0; i < n; i++) {
        memcpy(text, lines[i], lens[i]);
        text[lens[i]] = '\0';
        nodes[i].data = text;
        nodes[i].next = i + 1 < n ? &nodes[i + 1] : shared;
        text += lens[i] + 1;
    }
    t->extra_headers = nodes;
    return 0;
}

/* Given a URL as text, libcurl parses it for every transfer and writes it back out as text: ~12k
 * instructions of a ~210k sequential request over h2 (bench/README.md). Given a URL handle
 * (CURLOPT_CURLU) it copies the handle instead. So a new URL is parsed here, once, into a handle kept for
 * the requests that repeat it. The text is set as well: that makes libcurl take its own copy of the URL
 * (the effective URL) from the new handle once, not keep the previous one. Where no handle can be had
 * (no memory, or a URL the parser refuses), libcurl parses the text as before and reports any problem
 * itself. */
static int set_url(os_transfer *t)
{
    CURL *e = t->easy;
    int failed = 0;
#if LIBCURL_VERSION_NUM >= 0x073f00
    CURLU *parsed = NULL;
    if (t->url_handle == NULL) t->url_handle = curl_url();
    /* As libcurl parses the text: CURLOPT_PATH_AS_IS is set (os_transfer_init_easy). */
    if (t->url_handle != NULL &&
        curl_url_set(t->url_handle, CURLUPART_URL, t->url.data, CURLU_PATH_AS_IS) == CURLUE_OK)
        parsed = t->url_handle;
    SET(CURLOPT_CURLU, parsed);
#endif
    SET(CURLOPT_URL, t->url.data);
    return failed;
}

int os_transfer_apply_request(os_transfer *t, struct curl_slist *headers)
{
    CURL *e = t->easy;
    int failed = 0;
    int send_body = t->has_body || t->method == OS_POST || t->method == OS_PUT || t->method == OS_PATCH;
    /* libcurl names the request after its mode (GET without a body, POST with one); anything else is
     * named explicitly. */
    const char *method = (t->method == OS_POST || (t->method == OS_GET && !send_body)) ? NULL : os_method_name(t->method);
    /* Waiting for a connection that may multiplex pays only where HTTP/2 can happen (TLS with ALPN, or
     * prior knowledge); over plain HTTP/1.1 it would hold every request back until a first answer. */
    long pipewait = (t->http_version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE ||
                     (t->http_version != CURL_HTTP_VERSION_1_1 && strncmp(t->url.data, "https:", 6) == 0))
                        ? 1L
                        : 0L;
    struct curl_slist *list = t->extra_headers ? t->extra_headers : headers;
    long idle = idle_seconds(t->idle_timeout);
    /* libcurl's info lines tell whether a send went out on an HTTP/2 stream (see on_debug). */
    long verbose = pipewait && !t->safe;

    /* Options persist on the handle: only what differs from the previous request is set. */
    if (t->applied_url.len != t->url.len || memcmp(t->applied_url.data, t->url.data, t->url.len) != 0) {
        failed |= set_url(t);
        t->applied_url.len = 0;
        if (os_buf_append(&t->applied_url, t->url.data, t->url.len) != 0) t->applied_url.len = 0;
    }
    /* Same address, same list: libcurl keeps only the pointer and reads it when sending. */
    if (list != t->applied_headers || t->applied_send_body < 0) SET(CURLOPT_HTTPHEADER, list);
    if (pipewait != t->applied_pipewait || t->applied_send_body < 0) SET(CURLOPT_PIPEWAIT, pipewait);
    if (send_body != t->applied_send_body) {
        if (send_body)
            SET(CURLOPT_POST, 1L);
        else
            SET(CURLOPT_HTTPGET, 1L);
    }
    if (send_body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body_len);
        /* A request that is safe to repeat hands libcurl the body itself (not copied), which lets it go
         * out with the headers in one write, as in any plain libcurl program. Any other goes through
         * on_read, because only then does libcurl ask on_seek before resending it. */
        SET(CURLOPT_POSTFIELDS, t->safe ? (t->body ? t->body : "") : NULL);
    }
    if (method != t->applied_method || t->applied_send_body < 0) SET(CURLOPT_CUSTOMREQUEST, method);
    /* An announced length above max_body fails before any byte, unless the 2xx body is not kept (on_body
     * still bounds what it keeps of any other answer). */
    if ((t->on_body != NULL) != t->applied_unlimited || t->applied_send_body < 0)
        SET(CURLOPT_MAXFILESIZE_LARGE, t->on_body != NULL ? (curl_off_t)0 : (curl_off_t)t->max_body);
    /* The idle limit: slower than 1 byte/s for `idle` seconds fails with CURLE_OPERATION_TIMEDOUT, as the
     * overall timeout does. libcurl averages the speed over the last few seconds (up to 5), so a stall
     * after bytes is noticed up to that much later than one before any. Off again for a request without. */
    if (idle != t->applied_idle_s || t->applied_send_body < 0) {
        SET(CURLOPT_LOW_SPEED_LIMIT, idle > 0 ? 1L : 0L);
        SET(CURLOPT_LOW_SPEED_TIME, idle);
    }
    if (verbose != t->applied_verbose || t->applied_send_body < 0) SET(CURLOPT_VERBOSE, verbose);
    if (failed) {
        t->applied_send_body = -1; /* unknown state: set everything next time */
        t->applied_url.len = 0;
        return -1;
    }
    t->applied_headers = list;
    t->applied_pipewait = pipewait;
    t->applied_send_body = send_body;
    t->applied_method = method;
    t->applied_unlimited = t->on_body != NULL;
    t->applied_idle_s = idle;
    t->applied_verbose = verbose;
    return 0;
}

void os_transfer_clear_outcome(os_transfer *t)
{
    clear_headers(t);
    os_buf_clear(&t->response, KEEP_RESPONSE);
    t->streamed = 0;
    t->announced = -1;
    t->body_refused = t->too_large = t->rewind_refused = t->out_of_memory = t->head_cut = t->coding_refused = 0;
    t->socket_errno = 0;
    t->errbuf[0] = '\0';
    t->body_pos = 0;
    t->sends = 0;
    t->h2_sends = 0;
    t->refused_sends = 0;
    t->all_refused = 0;
    t->resent_after_loss = 0;
    t->dequeued = 0;
    t->status = 0;
    t->error = OS_ERR_NONE;
    t->sent = 0;
    t->message[0] = '\0';
    t->has_retry_after = 0;
    t->retry_after = 0;
}

int os_transfer_begin_attempt(os_transfer *t, long timeout_ms, double now)
{
    CURL *e = t->easy;
    int failed = 0;
    os_transfer_clear_outcome(t);
    t->attempt_started_at = now;
    if (timeout_ms != t->applied_timeout_ms) {
        SET(CURLOPT_TIMEOUT_MS, timeout_ms);
        t->applied_timeout_ms = failed ? -1 : timeout_ms;
    }
    return failed ? -1 : 0;
}

#undef SET

/* Longest part of a server's coding name quoted in a message. */
#define CODING_SHOWN 40

static void set_message(os_transfer *t, CURLcode code)
{
    char *p;
    const char *coding;
    size_t coding_len;
    if (t->coding_refused && unasked_coding(t, &coding, &coding_len)) /* the cosocket transport's words */
        snprintf(t->message, sizeof t->message,
                 "Transfer-Encoding '%.*s' in the response, which was not asked for (only chunked is accepted)",
                 (int)(coding_len < CODING_SHOWN ? coding_len : CODING_SHOWN), coding);
    else if (t->too_large)
        snprintf(t->message, sizeof t->message, "response body larger than max_body_size (%lu bytes)",
                 (unsigned long)t->max_body);
    else if (t->rewind_refused) /* libcurl wanted to send it again after a kept connection died (a refused
                                 * stream is resent, see on_debug) */
        snprintf(t->message, sizeof t->message,
                 "the connection was lost before an answer; not resent because the request is not safe to repeat");
    else if (t->all_refused && t->error == OS_ERR_RESET) /* libcurl gave up resending it (see on_debug) */
        snprintf(t->message, sizeof t->message,
                 "the server refused the request's HTTP/2 stream unprocessed each of the %d times it was sent, "
                 "and libcurl stopped sending it again",
                 t->sends);
    else if (t->body_refused)
        snprintf(t->message, sizeof t->message, "the receiver of the response body stopped the transfer");
    else if (t->out_of_memory)
        snprintf(t->message, sizeof t->message, "out of memory while receiving the response");
    else if (t->head_cut) /* the cosocket transport's words (ngx_http.lua) */
        snprintf(t->message, sizeof t->message, "the connection closed before the response headers arrived");
    /* libcurl's "Empty reply from server" also follows an interim 1xx answer: in the cosocket transport's
     * words, which fit both, a reset means the same on either transport. */
    else if (code == CURLE_GOT_NOTHING)
        snprintf(t->message, sizeof t->message, "the connection closed before the response arrived");
    /* libcurl says only "Couldn't connect to server" when no socket could be made: the cause is local, and
     * so is the way out. */
    else if (code == CURLE_COULDNT_CONNECT && t->socket_errno == EMFILE)
        snprintf(t->message, sizeof t->message,
                 "could not open a socket: this process has reached its limit of open files (EMFILE); send "
                 "fewer requests at once (concurrency) or raise the limit (ulimit -n)");
    else if (code == CURLE_COULDNT_CONNECT && t->socket_errno == ENFILE)
        snprintf(t->message, sizeof t->message,
                 "could not open a socket: the system has reached its limit of open files (ENFILE); send "
                 "fewer requests at once (concurrency)");
    else if (t->errbuf[0] != '\0')
        snprintf(t->message, sizeof t->message, "%s", t->errbuf);
    else
        snprintf(t->message, sizeof t->message, "%s", curl_easy_strerror(code));
    for (p = t->message; *p; p++)
        if (*p == '\r' || *p == '\n') *p = ' ';
}

void os_transfer_conclude_attempt(os_transfer *t, CURLcode code)
{
    long status = 0, request_size = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &request_size);
    /* An answer is a final response whose header block ended with its empty line. libcurl 7.88 ends a
     * transfer whose connection closed before that line without an error, as if the answer were whole
     * (or as a body cut short, when a Content-Length came), and gives an interim 1xx's status as the
     * response code when no final one followed. Neither proves anything: such a transfer is a reset, as
     * on the cosocket transport; a final status line that came whole stays (the policy judges it as after
     * a body cut short), an interim one does not, and no field of a cut block counts (a Retry-After or a
     * replay mark may be cut or missing). An announced length over max_body is refused once the whole
     * block came, before its empty line is handed over: that block stays. */
    if (!t->headers.complete && code != CURLE_FILESIZE_EXCEEDED) {
        if (!os_status_is_final(status)) status = 0;
        if (code == CURLE_OK || code == CURLE_PARTIAL_FILE) {
            t->head_cut = 1;
            code = CURLE_RECV_ERROR;
        }
        clear_headers(t);
    }
    t->status = status;
    /* Every copy went out on an HTTP/2 stream that the server refused unprocessed (see on_debug), however
     * the attempt ended after: nothing of it was applied. */
    t->all_refused = code != CURLE_OK && !t->rewind_refused && t->sends > 0 && t->refused_sends == t->sends &&
                     t->h2_sends >= t->sends;
    t->sent = !t->all_refused && (request_size > 0 || t->body_pos > 0 || t->rewind_refused);
    /* Whatever libcurl made of the refusal (an abort from on_prereq, or nothing), it is a lost connection. */
    if (t->rewind_refused) code = CURLE_SEND_FAIL_REWIND;
    if (code == CURLE_FILESIZE_EXCEEDED) t->too_large = 1; /* the announced length was already too much */
    t->error = t->out_of_memory ? OS_ERR_OTHER : os_classify_curl(code, t->too_large);
    if (t->error != OS_ERR_NONE && t->error != OS_ERR_TOO_LARGE) {
        /* A proxy that refused the tunnel shows up as a receive error; its CONNECT answer tells. */
        long connect_code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
        if (connect_code >= 300) t->error = OS_ERR_PROXY;
    }
    if (t->error != OS_ERR_NONE) set_message(t, code);
    if (t->headers.retry_after_entry != OS_NO_ENTRY) {
        const char *name, *value;
        size_t name_len, value_len;
        os_header_block_at(&t->headers, t->headers.retry_after_entry, &name, &name_len, &value, &value_len);
        t->has_retry_after = os_parse_retry_after(value, value_len, os_wall(), &t->retry_after);
    }
}

void os_transfer_reset(os_transfer *t)
{
    free(t->extra_headers);
    t->extra_headers = NULL;
    t->body = NULL;
    t->body_len = 0;
    t->has_body = 0;
    t->on_body = NULL;
    t->on_body_ud = NULL;
    t->has_operation = 0;
    /* Keeps os_buf's first block (256 bytes, buf.c), so a usual name costs no allocation; a long one goes. */
    os_buf_clear(&t->operation, 256);
    t->id = 0;
    t->attempt = 0;
    t->state = OS_T_IDLE;
    clear_headers(t);
    os_buf_clear(&t->response, KEEP_RESPONSE);
}

void os_transfer_free(os_transfer *t)
{
    if (t == NULL) return;
    if (t->easy) curl_easy_cleanup(t->easy);
#if LIBCURL_VERSION_NUM >= 0x073f00
    curl_url_cleanup(t->url_handle); /* after the handle that may still point at it */
#endif
    free(t->extra_headers);
    os_buf_free(&t->url);
    os_buf_free(&t->applied_url);
    os_buf_free(&t->operation);
    os_header_block_free(&t->headers);
    os_buf_free(&t->response);
    free(t);
}
