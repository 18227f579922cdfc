/* JSON text without Lua: the one UTF-8 check and the one string quoter the
 * host uses (the Lua bridge, flat JSON, connectors' templates, the CLI). */
#include "base/jsontext.h"

int tend_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) { p++; continue; }
        int n;
        unsigned min;
        if ((c & 0xE0) == 0xC0) { n = 1; c &= 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { n = 2; c &= 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { n = 3; c &= 0x07; min = 0x10000; }
        else return 0;
        if (end - p <= n) return 0;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
        p += n + 1;
    }
    return 1;
}

void tend_json_escape(tend_buf *out, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    tend_buf_reserve(out, len);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        tend_buf_add(out, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': tend_buf_add(out, "\\\"", 2); break;
        case '\\': tend_buf_add(out, "\\\\", 2); break;
        case '\n': tend_buf_add(out, "\\n", 2); break;
        case '\r': tend_buf_add(out, "\\r", 2); break;
        case '\t': tend_buf_add(out, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            tend_buf_add(out, u, 6);
        }
        }
    }
    tend_buf_add(out, s + start, len - start);
}

void tend_json_quote(tend_buf *out, const char *s, size_t len) {
    tend_buf_reserve(out, len + 2);
    tend_buf_addc(out, '"');
    tend_json_escape(out, s, len);
    tend_buf_addc(out, '"');
}
