/* The e-mail the smtp connector sends (runtime/connectors/mail.c): subject
 * encoding, the HTML part, addresses, the message's shape. */
#include "connectors/mail.h"
#include "connectors/signature.h"
#include "check.h"

static const char *subject(tend_buf *b, const char *s) {
    b->len = 0;
    tend_mail_subject(b, s);
    return tend_buf_cstr(b);
}

static const char *html(tend_buf *b, const char *text) {
    b->len = 0;
    tend_mail_html(b, text);
    const char *s = tend_buf_cstr(b);
    const char *body = strstr(s, "<body>\n");
    return body ? body + 7 : s;
}

/* Decodes every "=?UTF-8?B?...?=" word of an encoded subject, back to back. */
static void decode_words(const char *enc, char *out, size_t cap) {
    size_t o = 0;
    for (const char *p = strstr(enc, "=?UTF-8?B?"); p; p = strstr(p, "=?UTF-8?B?")) {
        p += 10;
        const char *end = strstr(p, "?=");
        char word[128];
        snprintf(word, sizeof word, "%.*s", (int)(end - p), p);
        int n = tend_base64_decode(word, (unsigned char *)out + o, cap - o - 1);
        if (n < 0) break;
        o += (size_t)n;
        p = end + 2;
    }
    out[o] = 0;
}

int main(void) {
    tend_buf b = {0};

    /* RFC 2047: plain ASCII as is; UTF-8 in words of at most 75 characters,
     * folded, never splitting a character; line breaks cannot inject headers. */
    CHECK_STR(subject(&b, "Planning Acme's renewal"), "Planning Acme's renewal");
    CHECK_STR(subject(&b, "Olá"), "=?UTF-8?B?T2zDoQ==?=");
    CHECK_STR(subject(&b, "a\r\nBcc: x@y"), "a  Bcc: x@y");
    CHECK_STR(subject(&b, "=?looks encoded?="), "=?UTF-8?B?PT9sb29rcyBlbmNvZGVkPz0=?=");
    const char *long_pt = "Parabéns por concluir Administração básica: o próximo é Relatórios e painéis avançados ção";
    subject(&b, long_pt);
    char decoded[512];
    decode_words(b.data, decoded, sizeof decoded);
    CHECK_STR(decoded, long_pt);
    CHECK(strstr(b.data, "?=\r\n =?UTF-8?B?") != NULL);
    int longest = 0, cur = 0;
    for (const char *p = b.data; *p; p++) cur = (*p == '\n') ? 0 : cur + 1, longest = cur > longest ? cur : longest;
    CHECK(longest <= 76);
    /* each word decodes to whole characters */
    for (const char *p = strstr(b.data, "=?UTF-8?B?"); p; p = strstr(p + 1, "=?UTF-8?B?")) {
        char one[128];
        const char *end = strstr(p, "?=");
        snprintf(one, sizeof one, "%.*s", (int)(end - p + 2), p);
        decode_words(one, decoded, sizeof decoded);
        size_t n = strlen(decoded);
        CHECK(n > 0 && ((unsigned char)decoded[n - 1] < 0x80 || ((unsigned char)decoded[n - 1] & 0xc0) == 0x80));
        CHECK(((unsigned char)decoded[0] & 0xc0) != 0x80);
    }

    /* The HTML part: escaped, paragraphs, line breaks, lists, links. */
    CHECK_STR(html(&b, "Hi <Ana> & co,\n\nline one\nline two\n\nItems:\n- a\n- b & c\n\nBye"),
              "<p>Hi &lt;Ana&gt; &amp; co,</p>\n<p>line one<br>\nline two</p>\n<p>Items:</p>\n<ul>\n<li>a</li>\n"
              "<li>b &amp; c</li>\n</ul>\n<p>Bye</p>\n</body></html>\n");
    CHECK_STR(html(&b, "See: https://help.example/a?b=1&c=2."),
              "<p>See: <a href=\"https://help.example/a?b=1&amp;c=2\">https://help.example/a?b=1&amp;c=2</a>.</p>\n"
              "</body></html>\n");
    CHECK_STR(html(&b, "- only\n- items"), "<ul>\n<li>only</li>\n<li>items</li>\n</ul>\n</body></html>\n");
    CHECK_STR(html(&b, "x\"javascript:alert(1)\" http://a.example/\"onmouseover=x"),
              "<p>x&quot;javascript:alert(1)&quot; <a href=\"http://a.example/\">http://a.example/</a>&quot;"
              "onmouseover=x</p>\n</body></html>\n");

    /* Addresses. */
    char addr[64];
    CHECK(tend_mail_address("Customer Success <cs@example.com>", addr, sizeof addr) == 0);
    CHECK_STR(addr, "cs@example.com");
    CHECK(tend_mail_address("cs@example.com", addr, sizeof addr) == 0);
    CHECK_STR(addr, "cs@example.com");
    CHECK(tend_mail_address("Nobody <>", addr, sizeof addr) == -1);
    CHECK(tend_mail_address("no-at-sign", addr, sizeof addr) == -1);
    CHECK(tend_mail_address_ok("joao.silva@acme.example"));
    CHECK(!tend_mail_address_ok("a@b.example>\r\nRCPT TO:<x@y"));
    CHECK(!tend_mail_address_ok("a b@c.example"));
    CHECK(!tend_mail_address_ok("a@b@c"));
    CHECK(!tend_mail_address_ok("@b.example"));

    /* The message: headers, the two parts, CRLF, the Message-ID. */
    tend_mail m = {.from = "CS <cs@tend.example>", .to = "jo@acme.example", .subject = "Olá",
                   .text = "Olá,\n\n- um\n", .message_id = "msg_0123", .date = 1795312800};
    b.len = 0;
    tend_mail_build(&m, &b);
    const char *s = tend_buf_cstr(&b);
    CHECK(strstr(s, "Date: Sun, 22 Nov 2026 02:00:00 +0000\r\n") == s);
    CHECK(strstr(s, "\r\nFrom: CS <cs@tend.example>\r\nTo: <jo@acme.example>\r\nSubject: =?UTF-8?B?T2zDoQ==?=\r\n"));
    CHECK(strstr(s, "\r\nMessage-ID: <msg_0123@tend.example>\r\nMIME-Version: 1.0\r\n"));
    CHECK(strstr(s, "Content-Type: multipart/alternative; boundary=\"=_tend_msg_0123\"\r\n\r\n--=_tend_msg_0123\r\n"
                    "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
    /* "Olá,\r\n\r\n- um\r\n" in base64 */
    CHECK(strstr(s, "\r\n\r\nT2zDoSwNCg0KLSB1bQ0K\r\n--=_tend_msg_0123\r\nContent-Type: text/html; charset=UTF-8\r\n"));
    size_t n = strlen(s);
    CHECK(n > 21 && !strcmp(s + n - 21, "--=_tend_msg_0123--\r\n"));
    for (const char *p = strchr(s, '\n'); p; p = strchr(p + 1, '\n')) CHECK(p[-1] == '\r');

    /* A display name in UTF-8 is encoded; the address stays as it is. */
    m.from = "Sucesso do Cliente <cs@tend.example>";
    b.len = 0;
    tend_mail_build(&m, &b);
    CHECK(strstr(tend_buf_cstr(&b), "\r\nFrom: Sucesso do Cliente <cs@tend.example>\r\n"));
    m.from = "Atendimento Açúcar <cs@tend.example>";
    b.len = 0;
    tend_mail_build(&m, &b);
    CHECK(strstr(tend_buf_cstr(&b), "\r\nFrom: =?UTF-8?B?QXRlbmRpbWVudG8gQcOnw7pjYXI=?= <cs@tend.example>\r\n"));

    tend_buf_free(&b);
    return check_report();
}
