/* UTF-8 validation (see utf8.h). */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

size_t os_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i], lo = 0x80, hi = 0xBF;
        size_t n, k;
        if (c < 0x80) {
            uint64_t word;
            /* ASCII runs eight bytes at a time: text with an accent here and there is mostly ASCII. */
            while (len - i >= 8 && (memcpy(&word, s + i, 8), (word & UINT64_C(0x8080808080808080)) == 0)) i += 8;
            while (i < len && s[i] < 0x80) i++;
            continue;
        }
        /* The ranges of RFC 3629 section 4: the second byte's range rules out overlong forms (after E0 and
         * F0), surrogates (after ED) and code points above U+10FFFF (after F4); C0, C1 and F5-FF never
         * start a sequence. */
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return i;
        }
        if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi) return i;
        for (k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += n + 1;
    }
    return len;
}

int os_lua_utf8_error(lua_State *L)
{
    size_t len, at;
    const char *s = luaL_checklstring(L, 1, &len);
    at = os_utf8_check((const unsigned char *)s, len);
    if (at == len)
        lua_pushnil(L);
    else
        lua_pushinteger(L, (lua_Integer)at + 1);
    return 1;
}
