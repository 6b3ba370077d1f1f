/* The Lua tables the engine hands out: results and attempt reports. */
#ifndef ONESIGNAL_LUA_RESULTS_H
#define ONESIGNAL_LUA_RESULTS_H

#include "compat.h"
#include "session.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

/* Pushes the result table of a finished request (the `result` contract of docs/design.md). */
void os_push_result(lua_State *L, const os_transfer *t);

/* Pushes `text` with the session's keys replaced by "[REDACTED]". */
void os_push_redacted(lua_State *L, const os_session *s, const char *text, size_t len);

/* Pushes the table the attempt hook receives. Keys are redacted from the url. */
void os_push_attempt(lua_State *L, const os_session *s, const os_attempt_report *r);

OS_HIDDEN_END

#endif
