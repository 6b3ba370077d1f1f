/* What the linked libcurl says about itself, read once per process. */
#ifndef ONESIGNAL_CURL_INFO_H
#define ONESIGNAL_CURL_INFO_H

#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct {
    char version[256];        /* curl_version(): "libcurl/7.88.1 OpenSSL/… nghttp2/…" */
    char accept_encoding[64]; /* every content encoding it decodes, as it names them: "deflate, gzip, br, zstd" */
    int http2;
    int brotli;
    /* HTTP/2 with prior knowledge over plain http works on a reused connection. libcurl 7.88 sets HTTP/2
     * up a second time each time such a connection is reused, so every request after its first fails at
     * once with "Error in the HTTP2 framing layer" (curl issue #10634, fixed in 8.0.0). */
    int h2c;
} os_curl_info;

/* The facts, read on the first call. Safe from any thread: curl_version() and curl_version_info() fill
 * static buffers of libcurl on every call, so reading them once is what keeps two Lua states loading the
 * module at the same moment from racing (ThreadSanitizer saw it in spec/hardening/threads_spec.lua). */
const os_curl_info *os_curl_info_get(void);

OS_HIDDEN_END

#endif
