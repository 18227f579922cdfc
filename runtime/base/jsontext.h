/* JSON text helpers that need no Lua and no jansson. */
#ifndef TEND_JSONTEXT_H
#define TEND_JSONTEXT_H

#include <stddef.h>

#include "base/buf.h"

/* Whether s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int tend_utf8_valid(const char *s, size_t len);

/* Appends s as a JSON string literal (quoted, escaped); s must be UTF-8. */
void tend_json_quote(tend_buf *out, const char *s, size_t len);
/* The same without the quotes: the inside of a literal (templates). */
void tend_json_escape(tend_buf *out, const char *s, size_t len);

#endif
