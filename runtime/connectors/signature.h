/* Standard Webhooks signatures (https://www.standardwebhooks.com): the
 * signed content is "<webhook-id>.<webhook-timestamp>.<body>", the
 * signature "v1,<base64 HMAC-SHA256>" with the secret's bytes as key; a
 * secret is written "whsec_<base64>". Also the base64 both need. */
#ifndef TEND_CONNECTORS_SIGNATURE_H
#define TEND_CONNECTORS_SIGNATURE_H

#include <stddef.h>

/* Standard base64 with padding; NUL-terminated. Returns the text length,
 * or -1 when cap is too small. */
int tend_base64(const void *in, size_t len, char *out, size_t cap);
/* Decodes standard base64 (padding optional, no whitespace). Returns the
 * number of bytes, or -1 on bad input or when cap is too small. */
int tend_base64_decode(const char *in, unsigned char *out, size_t cap);

/* HMAC-SHA256 via libcrypto. Returns 0, or -1. */
int tend_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char out[32]);

/* A secret's key bytes: "whsec_<base64>" (or bare base64). Returns the
 * key length, or -1 when it is not such a secret. */
int tend_swh_secret_key(const char *secret, unsigned char *key, size_t cap);

/* "v1,<base64>" for one key into out (at least 48 bytes). Returns 0, or -1. */
int tend_swh_sign(const unsigned char *key, size_t key_len, const char *msg_id, long long timestamp,
                  const char *body, size_t body_len, char *out, size_t cap);

#endif
