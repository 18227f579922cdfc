/* An e-mail as the smtp connector uploads it: an RFC 5322 message with a
 * MIME multipart/alternative body (text/plain, then text/html built from
 * the text), UTF-8 throughout, base64 parts, an RFC 2047 subject, and a
 * Message-ID derived from tend's message id (the same on every attempt, so
 * a mail system that dedupes by it drops a resend). */
#ifndef TEND_CONNECTORS_MAIL_H
#define TEND_CONNECTORS_MAIL_H

#include <stddef.h>

#include "base/buf.h"

typedef struct {
    const char *from;       /* the From header as configured: "addr" or "Name <addr>" */
    const char *to;         /* the recipient's address */
    const char *subject;    /* UTF-8 */
    const char *text;       /* UTF-8, lines separated by \n */
    const char *message_id; /* tend's message id, "msg_…" */
    long long date;         /* epoch seconds, for the Date header */
} tend_mail;

/* Appends the whole message, CRLF line ends. */
void tend_mail_build(const tend_mail *m, tend_buf *out);

/* The Subject header's value: as is when it is plain printable ASCII,
 * else RFC 2047 "=?UTF-8?B?…?=" words of at most 75 characters, folded,
 * never splitting a UTF-8 character. CR and LF become spaces. */
void tend_mail_subject(tend_buf *out, const char *subject);

/* The HTML part: the text escaped, blank-line separated paragraphs as
 * <p> (line breaks kept), runs of "- " lines as <ul>, links clickable. */
void tend_mail_html(tend_buf *out, const char *text);

/* The address inside a From value ("Name <a@b>" -> "a@b", "a@b" -> "a@b").
 * Returns 0, or -1 when there is none or it does not fit. */
int tend_mail_address(const char *from, char *out, size_t cap);

/* An address safe to put in a header and an SMTP command: one @, no
 * spaces, controls, quotes, angle brackets or commas. */
int tend_mail_address_ok(const char *addr);

#endif
