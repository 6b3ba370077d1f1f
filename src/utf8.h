/* Well-formed UTF-8 (RFC 3629), as JSON text (RFC 8259) and the API's strings require it. */
#ifndef ONESIGNAL_UTF8_H
#define ONESIGNAL_UTF8_H

#include <stddef.h>

#include "compat.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

/* The offset of the first byte of the first ill-formed sequence in the len bytes at s, or len when
 * they are all well-formed: no overlong form, no surrogate (U+D800-DFFF), nothing above U+10FFFF, no
 * sequence cut short by the end or by a byte that does not continue it. */
size_t os_utf8_check(const unsigned char *s, size_t len);

/* core.utf8_error(s) -> nil when s is well-formed UTF-8, else the 1-based position of the byte where the
 * first ill-formed sequence starts. */
int os_lua_utf8_error(lua_State *L);

OS_HIDDEN_END

#endif
