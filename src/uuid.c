/* Random (version 4) UUIDs (see uuid.h). */
#include "uuid.h"

void os_uuid4_format(const unsigned char bytes[16], char out[OS_UUID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    int i, o = 0;
    for (i = 0; i < 16; i++) b[i] = bytes[i];
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4: random */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* variant 10: RFC 4122 */
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0F];
    }
    out[o] = '\0';
}

int os_uuid4(os_random_pool *pool, char out[OS_UUID_LEN + 1])
{
    unsigned char bytes[16];
    if (os_random_pool_take(pool, bytes, sizeof bytes) != 0) return -1;
    os_uuid4_format(bytes, out);
    return 0;
}
