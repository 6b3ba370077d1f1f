/* The Lua tables the engine hands out: results (the `result` contract of docs/design.md) and the reports
 * the attempt hook receives (see lua_results.h). */
#include "lua_results.h"

#include <string.h>

#include "lua_fields.h"

/* Whether an entry before offset `until` has this name (headers are few, so a scan beats a Lua lookup). */
static int seen_before(const os_transfer *t, size_t until, const char *name, size_t name_len)
{
    size_t at = 0, other_len, value_len;
    const char *other, *value;
    while (at < until) {
        size_t next = os_header_block_at(&t->headers, at, &other, &other_len, &value, &value_len);
        if (other_len == name_len && memcmp(other, name, name_len) == 0) return 1;
        at = next;
    }
    return 0;
}

/* Names are lower-cased already; repeated names are joined with ", " as HTTP allows. */
static void push_headers(lua_State *L, const os_transfer *t)
{
    size_t at = 0, next, name_len, value_len;
    const char *name, *value;
    lua_createtable(L, 0, (int)t->headers.count);
    while ((next = os_header_block_at(&t->headers, at, &name, &name_len, &value, &value_len)) != OS_NO_ENTRY) {
        lua_pushlstring(L, name, name_len);
        if (seen_before(t, at, name, name_len)) {
            lua_pushvalue(L, -1);
            lua_rawget(L, -3);
            lua_pushliteral(L, ", ");
            lua_pushlstring(L, value, value_len);
            lua_concat(L, 3);
        } else {
            lua_pushlstring(L, value, value_len);
        }
        lua_rawset(L, -3);
        at = next;
    }
}

void os_push_result(lua_State *L, const os_transfer *t)
{
    /* A result without error becomes the call's response table (lua/onesignal/response.lua): its seven
     * fields plus the idempotency_key added there fit eight slots, so that addition never resizes it. */
    lua_createtable(L, 0, t->error == OS_ERR_NONE ? 8 : 13);
    os_set_integer(L, "id", (lua_Integer)t->id);
    os_set_integer(L, "status", (lua_Integer)t->status);
    if (t->headers.count > 0) {
        push_headers(L, t);
        lua_setfield(L, -2, "headers");
    }
    lua_pushlstring(L, t->response.len ? t->response.data : "", t->response.len);
    lua_setfield(L, -2, "body");
    os_set_integer(L, "attempts", t->attempt);
    os_set_boolean(L, "replayed", t->headers.replayed);
    if (t->has_retry_after) os_set_number(L, "retry_after", t->retry_after);
    os_set_string(L, "error", os_error_class_name(t->error));
    if (t->error != OS_ERR_NONE) os_set_string(L, "message", t->message);
    if (t->maybe_sent) os_set_boolean(L, "maybe_sent", 1);
    os_set_string(L, "gave_up", os_gave_up_name(t->gave_up));
    os_set_number(L, "elapsed", t->elapsed);
}

static void push_redacted(lua_State *L, const os_session *s, const char *text, size_t len)
{
    size_t n = os_session_redact(s, text, len, NULL, 0);
    char *out = lua_newuserdata(L, n + 1);
    os_session_redact(s, text, len, out, n);
    lua_pushlstring(L, out, n);
    lua_remove(L, -2);
}

void os_push_attempt(lua_State *L, const os_session *s, const os_attempt_report *r, int uv)
{
    const os_transfer *t = r->t;
    lua_createtable(L, 0, 11);
    if (t->operation_ref >= 0) {
        lua_rawgeti(L, uv, t->operation_ref);
        lua_setfield(L, -2, "operation");
    }
    os_set_string(L, "method", os_method_name(t->method));
    push_redacted(L, s, t->url.data, t->url.len); /* a key passed as data in the path stays hidden */
    lua_setfield(L, -2, "url");
    os_set_integer(L, "attempt", r->attempt);
    if (r->status > 0) os_set_integer(L, "status", (lua_Integer)r->status);
    os_set_string(L, "error", os_error_class_name(r->error));
    if (r->error != OS_ERR_NONE) os_set_string(L, "message", r->message);
    os_set_boolean(L, "retry", r->retry);
    if (r->retry) os_set_number(L, "wait", r->wait);
    os_set_number(L, "elapsed", r->elapsed);
    os_set_number(L, "attempt_elapsed", r->attempt_elapsed);
}
