/* libcurl result code -> failure class (see classify.h). */
#include "classify.h"

os_error_class os_classify_curl(CURLcode code, int too_large)
{
    switch (code) {
    case CURLE_OK: return OS_ERR_NONE;
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR: /* handshake failed before any request byte: treat like a refused connect */
        return OS_ERR_CONNECT;
    case CURLE_COULDNT_RESOLVE_HOST: return OS_ERR_RESOLVE;
    case CURLE_OPERATION_TIMEDOUT: return OS_ERR_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED: return OS_ERR_TLS;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3: return OS_ERR_RESET;
    case CURLE_PARTIAL_FILE: return OS_ERR_PARTIAL;
    case CURLE_FILESIZE_EXCEEDED: return OS_ERR_TOO_LARGE;
    case CURLE_WRITE_ERROR: return too_large ? OS_ERR_TOO_LARGE : OS_ERR_OTHER;
    case CURLE_COULDNT_RESOLVE_PROXY:
#if LIBCURL_VERSION_NUM >= 0x074900
    case CURLE_PROXY:
#endif
        return OS_ERR_PROXY;
    default: return OS_ERR_OTHER;
    }
}
