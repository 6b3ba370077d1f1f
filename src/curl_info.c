/* What the linked libcurl says about itself, read once (see curl_info.h). */
#include "curl_info.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static os_curl_info info;

static void append(char *out, size_t cap, const char *token)
{
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s%s", used ? ", " : "", token);
}

static void read_info(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    snprintf(info.version, sizeof info.version, "%s", curl_version());
    info.http2 = (v->features & CURL_VERSION_HTTP2) != 0;
    info.brotli = (v->features & CURL_VERSION_BROTLI) != 0;
    info.h2c = info.http2 && !(v->version_num >= 0x075800 && v->version_num < 0x080000);
    /* The order libcurl itself uses for CURLOPT_ACCEPT_ENCODING "". */
    if (v->features & CURL_VERSION_LIBZ) {
        append(info.accept_encoding, sizeof info.accept_encoding, "deflate");
        append(info.accept_encoding, sizeof info.accept_encoding, "gzip");
    }
    if (info.brotli) append(info.accept_encoding, sizeof info.accept_encoding, "br");
#ifdef CURL_VERSION_ZSTD
    if (v->features & CURL_VERSION_ZSTD) append(info.accept_encoding, sizeof info.accept_encoding, "zstd");
#endif
}

const os_curl_info *os_curl_info_get(void)
{
    pthread_once(&once, read_info);
    return &info;
}
