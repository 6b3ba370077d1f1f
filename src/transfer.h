/* One request of a session: its libcurl easy handle (reused from a pool), the request body reader, and
 * the response of the current attempt (status, headers, body) and its classified outcome. */
#ifndef ONESIGNAL_TRANSFER_H
#define ONESIGNAL_TRANSFER_H

#include <curl/curl.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "headers.h"
#include "policy.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

typedef enum { OS_GET, OS_POST, OS_PUT, OS_PATCH, OS_DELETE } os_method;
typedef enum { OS_CRED_NONE, OS_CRED_REST, OS_CRED_ORG, OS_CRED_COUNT } os_credential;
typedef enum { OS_T_IDLE, OS_T_RUNNING, OS_T_WAITING, OS_T_DONE } os_transfer_state;

#define OS_MESSAGE_SIZE 256

struct os_transfer;

/* Takes len bytes of a 2xx body that start at byte offset of this attempt's body (0: the attempt's first
 * bytes, so whatever an earlier attempt delivered is void). Returns 0 to go on, anything else to stop the
 * transfer (it then ends with error "other", never retried). */
typedef int (*os_body_fn)(void *ud, struct os_transfer *t, const char *data, size_t len, size_t offset);

typedef struct os_transfer {
    CURL *easy; /* NULL until first used (and again after a fork dropped it) */
    unsigned long long id;
    os_transfer_state state;
    struct os_transfer *prev, *next; /* in exactly one of: pool, active list, done queue */

    /* The request, filled in by the submitter. */
    os_method method;
    os_credential credential;
    os_buf url; /* NUL-terminated */
    size_t url_shown; /* how much of url the attempt hook shows: a URL of its own stops before its query */
    const char *body;
    size_t body_len;
    int has_body;
    struct curl_slist *extra_headers; /* own nodes ahead of a shared list; one allocation, or NULL */
    int safe;
    double timeout;
    int has_deadline;
    double deadline;
    double idle_timeout; /* seconds without a byte before the attempt fails as a timeout; 0: no such limit */
    int max_retries;
    double retry_base_delay;
    double retry_max_delay;
    int note_429; /* its 429 answers set the session's hold (os_session_hold_429) */
    size_t max_body;
    /* Where a 2xx body goes instead of `response` (NULL: into `response`, under max_body). Such a body is
     * not held in memory, so max_body does not bound it; any other answer's body is kept and bounded. */
    os_body_fn on_body;
    void *on_body_ud;
    long http_version; /* the session's, as a CURL_HTTP_VERSION_* value */
    int body_ref, context_ref, on_body_ref; /* the Lua binding's references; opaque here */
    int id_given; /* the Lua binding: the submitter was given the id, so the result carries it */
    void *session;             /* the session it belongs to, for its open-socket callback; opaque here */
    /* The request's operation name, for the attempt hook's reports: a copy in memory this transfer keeps
     * from request to request costs less than a reference to the Lua string. */
    os_buf operation;
    int has_operation;

    /* What the easy handle was last given, so that a request like the previous one sets nothing again. */
    os_buf applied_url;
    CURLU *url_handle; /* applied_url parsed (see set_url in transfer.c), or NULL */
    struct curl_slist *applied_headers;
    int applied_send_body; /* -1: nothing applied yet */
    const char *applied_method;
    long applied_pipewait;
    long applied_timeout_ms;
    long applied_idle_s; /* CURLOPT_LOW_SPEED_TIME as set (0: the low-speed check is off) */
    long applied_verbose; /* CURLOPT_VERBOSE as set (see on_debug in transfer.c) */
    int applied_unlimited; /* CURLOPT_MAXFILESIZE is off (for on_body) rather than max_body */

    /* Progress. */
    int attempt;
    int sends; /* times libcurl put this attempt's request on the wire (it resends on a dead reused connection) */
    int h2_sends; /* of those, the ones libcurl said went out on an HTTP/2 stream (see on_debug) */
    int refused_sends; /* the first this many sends, libcurl said, were refused unprocessed (see on_debug) */
    int all_refused; /* the attempt failed, every send of it refused so: nothing was applied */
    int resent_after_loss; /* libcurl sent it again after a copy that the server may have applied (on_prereq) */
    double submitted_at;
    double attempt_started_at;
    double attempt_ends; /* when the attempt's time limit (timeout cut to the deadline) runs out; 0: none */
    /* With idle_timeout: when the attempt must have left libcurl's queue for a free connection
     * (max_connections), where no byte comes and libcurl's low-speed check does not run; 0: no such limit. */
    double queue_ends;
    int dequeued; /* it left that queue: its name lookup or a socket of its own began (a reused connection
                   * shows as `sends` instead) */
    size_t body_pos;

    /* Response of the current attempt. */
    os_header_block headers;
    os_buf response;
    size_t streamed; /* bytes of this attempt's 2xx body handed to on_body */
    long long announced; /* what that body will come to, known at its first bytes (-1: unknown) */
    int body_refused; /* on_body asked to stop */
    int too_large;
    int rewind_refused;
    int out_of_memory;
    int head_cut; /* the connection closed inside the final answer's header block, which libcurl took as whole */
    int coding_refused; /* the final answer named a transfer coding that was not asked for (on_header) */
    int socket_errno; /* why the session's open-socket callback could not make a socket for it, or 0 */
    char errbuf[CURL_ERROR_SIZE];

    /* Outcome of the current attempt, then of the request. */
    long status;
    os_error_class error;
    int sent;
    char message[OS_MESSAGE_SIZE];
    int has_retry_after;
    double retry_after;
    int maybe_sent;
    int applied; /* an attempt so far may have been applied (os_policy_decision.applied) */
    os_gave_up gave_up;
    double elapsed;
} os_transfer;

/* Creates the easy handle and sets every option that never changes for this session. Returns 0 or -1. */
int os_transfer_init_easy(os_transfer *t, const os_config *cfg, CURLSH *share);

/* Builds url = base + path (base may be NULL when path is absolute). Returns 0 or -1. */
int os_transfer_set_url(os_transfer *t, const char *base, const char *path, size_t path_len);

/* Copies lines ahead of shared (which is not copied and must outlive the transfer) into extra_headers.
 * Returns 0 or -1. */
int os_transfer_set_extra_headers(os_transfer *t, const char *const *lines, const size_t *lens, size_t n,
                                  struct curl_slist *shared);

/* Applies the request (URL, method, body, header list) to the easy handle. Returns 0 or -1. */
int os_transfer_apply_request(os_transfer *t, struct curl_slist *headers);

/* Forgets the last attempt's outcome: response, headers, status, error, message, Retry-After. */
void os_transfer_clear_outcome(os_transfer *t);

/* Prepares attempt number t->attempt + 1: clears the previous response, rewinds the body, sets the
 * attempt's timeout (0: none). Returns 0 or -1. */
int os_transfer_begin_attempt(os_transfer *t, long timeout_ms, double now);

/* Reads the outcome of the finished attempt from the easy handle and code: status, error class, message,
 * whether anything was sent, Retry-After (an HTTP-date counts from the current wall-clock time). */
void os_transfer_conclude_attempt(os_transfer *t, CURLcode code);

/* Forgets the request (not the easy handle), so the transfer can serve another one. */
void os_transfer_reset(os_transfer *t);

void os_transfer_free(os_transfer *t);


const char *os_method_name(os_method m);

OS_HIDDEN_END

#endif
