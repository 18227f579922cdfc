/* Building an e-mail (see mail.h). */
#include "connectors/mail.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "connectors/signature.h"

#define B64_LINE 57 /* bytes per 76-character base64 line (RFC 2045) */
#define WORD_BYTES 45 /* bytes per encoded word: 60 base64 characters + 12 = 72 <= 75 (RFC 2047) */

int tend_mail_address_ok(const char *addr) {
    const char *at = addr ? strchr(addr, '@') : NULL;
    if (!at || at == addr || !at[1] || strchr(at + 1, '@') || strlen(addr) > 254) return 0;
    for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("<>\",;()[]\\", *p)) return 0;
    return 1;
}

int tend_mail_address(const char *from, char *out, size_t cap) {
    const char *open = strrchr(from, '<'), *start = from, *end = from + strlen(from);
    if (open) {
        const char *close = strchr(open, '>');
        if (!close) return -1;
        start = open + 1, end = close;
    }
    while (start < end && *start == ' ') start++;
    while (end > start && end[-1] == ' ') end--;
    size_t n = (size_t)(end - start);
    if (n == 0 || n >= cap) return -1;
    memcpy(out, start, n);
    out[n] = 0;
    return tend_mail_address_ok(out) ? 0 : -1;
}

static int plain_ascii(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < ' ' || *p > '~') return 0;
    return strstr(s, "=?") == NULL && strlen(s) <= 900;
}

/* Bytes of the UTF-8 character starting with c (1 for a stray byte). */
static size_t char_len(unsigned char c) {
    return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

void tend_mail_subject(tend_buf *out, const char *subject) {
    tend_buf clean = {0};
    for (const char *p = subject; *p; p++) tend_buf_addc(&clean, *p == '\r' || *p == '\n' ? ' ' : *p);
    const char *s = tend_buf_cstr(&clean);
    if (plain_ascii(s)) {
        tend_buf_adds(out, s);
        tend_buf_free(&clean);
        return;
    }
    size_t len = clean.len, i = 0;
    int first = 1;
    while (i < len) {
        size_t n = 0;
        while (i + n < len) {
            size_t c = char_len((unsigned char)s[i + n]);
            if (i + n + c > len) c = len - i - n;
            if (n + c > WORD_BYTES) break;
            n += c;
        }
        char word[WORD_BYTES * 2];
        tend_base64(s + i, n, word, sizeof word);
        tend_buf_printf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", word);
        first = 0;
        i += n;
    }
    tend_buf_free(&clean);
}

/* Text with \n line ends as base64 of its CRLF form, 76-character lines. */
static void base64_part(tend_buf *out, const char *text) {
    tend_buf crlf = {0};
    for (const char *p = text; *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r')) tend_buf_addc(&crlf, '\r');
        tend_buf_addc(&crlf, *p);
    }
    char line[80];
    for (size_t i = 0; i < crlf.len; i += B64_LINE) {
        size_t n = crlf.len - i < B64_LINE ? crlf.len - i : B64_LINE;
        tend_base64(crlf.data + i, n, line, sizeof line);
        tend_buf_adds(out, line);
        tend_buf_adds(out, "\r\n");
    }
    tend_buf_free(&crlf);
}

static void escape_html(tend_buf *out, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': tend_buf_adds(out, "&amp;"); break;
        case '<': tend_buf_adds(out, "&lt;"); break;
        case '>': tend_buf_adds(out, "&gt;"); break;
        case '"': tend_buf_adds(out, "&quot;"); break;
        case '\'': tend_buf_adds(out, "&#39;"); break;
        default: tend_buf_addc(out, s[i]);
        }
    }
}

/* A line of text as HTML: escaped, http(s) links as <a>. */
static void inline_html(tend_buf *out, const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        const char *rest = s + i;
        size_t left = n - i, scheme = 0;
        if (left > 8 && !strncmp(rest, "https://", 8)) scheme = 8;
        else if (left > 7 && !strncmp(rest, "http://", 7)) scheme = 7;
        if (scheme && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '(' || s[i - 1] == ':')) {
            size_t u = scheme;
            while (u < left && rest[u] != ' ' && rest[u] != '\t' && rest[u] != '<' && rest[u] != '>' && rest[u] != '"')
                u++;
            while (u > scheme && strchr(".,;:!?)'", rest[u - 1])) u--; /* sentence punctuation after a link */
            if (u > scheme) {
                tend_buf_adds(out, "<a href=\"");
                escape_html(out, rest, u);
                tend_buf_adds(out, "\">");
                escape_html(out, rest, u);
                tend_buf_adds(out, "</a>");
                i += u;
                continue;
            }
        }
        size_t j = i + 1;
        while (j < n && s[j] != 'h') j++;
        escape_html(out, s + i, j - i);
        i = j;
    }
}

void tend_mail_html(tend_buf *out, const char *text) {
    enum { NONE, PARA, LIST } in = NONE;
    tend_buf_adds(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n");
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        size_t len = n;
        if (len && p[len - 1] == '\r') len--;
        size_t lead = 0;
        while (lead < len && (p[lead] == ' ' || p[lead] == '\t')) lead++;
        int blank = lead == len;
        int item = len - lead >= 2 && (p[lead] == '-' || p[lead] == '*') && p[lead + 1] == ' ';
        if (blank) {
            if (in == PARA) tend_buf_adds(out, "</p>\n");
            if (in == LIST) tend_buf_adds(out, "</ul>\n");
            in = NONE;
        } else if (item) {
            if (in == PARA) tend_buf_adds(out, "</p>\n");
            if (in != LIST) tend_buf_adds(out, "<ul>\n");
            in = LIST;
            tend_buf_adds(out, "<li>");
            inline_html(out, p + lead + 2, len - lead - 2);
            tend_buf_adds(out, "</li>\n");
        } else {
            if (in == LIST) tend_buf_adds(out, "</ul>\n");
            tend_buf_adds(out, in == PARA ? "<br>\n" : "<p>");
            in = PARA;
            inline_html(out, p, len);
        }
        p += n;
        if (*p == '\n') p++;
    }
    if (in == PARA) tend_buf_adds(out, "</p>\n");
    if (in == LIST) tend_buf_adds(out, "</ul>\n");
    tend_buf_adds(out, "</body></html>\n");
}

static void rfc5322_date(long long when, char out[40]) {
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The From value as configured; a display name that is not plain ASCII
 * ("Sucesso do Cliente – Açúcar <cs@…>") is RFC 2047-encoded. */
static void from_header(tend_buf *out, const char *from) {
    const char *open = strrchr(from, '<');
    int ascii = 1;
    for (const unsigned char *p = (const unsigned char *)from; *p; p++) ascii &= *p >= ' ' && *p <= '~';
    if (ascii || !open) {
        tend_buf_adds(out, from);
        return;
    }
    const char *end = open;
    while (end > from && end[-1] == ' ') end--;
    tend_buf name = {0};
    tend_buf_add(&name, from, (size_t)(end - from));
    tend_mail_subject(out, tend_buf_cstr(&name));
    tend_buf_free(&name);
    tend_buf_printf(out, " %s", open);
}

void tend_mail_build(const tend_mail *m, tend_buf *out) {
    char date[40], from_addr[256];
    rfc5322_date(m->date, date);
    const char *domain = "tend.invalid";
    if (tend_mail_address(m->from, from_addr, sizeof from_addr) == 0) domain = strchr(from_addr, '@') + 1;
    /* "=_" never occurs in base64, so the boundary cannot appear in a part */
    char boundary[64];
    snprintf(boundary, sizeof boundary, "=_tend_%s", m->message_id);
    tend_buf_printf(out, "Date: %s\r\nFrom: ", date);
    from_header(out, m->from);
    tend_buf_printf(out, "\r\nTo: <%s>\r\nSubject: ", m->to);
    tend_mail_subject(out, m->subject);
    tend_buf_printf(out,
                    "\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
                    m->message_id, domain, boundary);
    tend_buf_printf(out, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                    boundary);
    base64_part(out, m->text);
    tend_buf html = {0};
    tend_mail_html(&html, m->text);
    tend_buf_printf(out, "--%s\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                    boundary);
    base64_part(out, tend_buf_cstr(&html));
    tend_buf_free(&html);
    tend_buf_printf(out, "--%s--\r\n", boundary);
}
