/* Standard Webhooks signing and base64 (see signature.h). */
#include "connectors/signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int tend_base64(const void *in, size_t len, char *out, size_t cap) {
    const unsigned char *p = in;
    size_t need = (len + 2) / 3 * 4;
    if (cap < need + 1) return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len) v |= p[i + 2];
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? B64[v & 63] : '=';
    }
    out[o] = 0;
    return (int)o;
}

static int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int tend_base64_decode(const char *in, unsigned char *out, size_t cap) {
    size_t len = strlen(in);
    while (len > 0 && in[len - 1] == '=') len--;
    if (len % 4 == 1) return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap) return -1;
            out[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    return (int)o;
}

int tend_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char out[32]) {
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &n) || n != 32) return -1;
    return 0;
}

int tend_swh_secret_key(const char *secret, unsigned char *key, size_t cap) {
    if (!secret) return -1;
    if (!strncmp(secret, "whsec_", 6)) secret += 6;
    if (!*secret) return -1;
    int n = tend_base64_decode(secret, key, cap);
    return n > 0 ? n : -1;
}

int tend_swh_sign(const unsigned char *key, size_t key_len, const char *msg_id, long long timestamp,
                  const char *body, size_t body_len, char *out, size_t cap) {
    char ts[32];
    int tl = snprintf(ts, sizeof ts, "%lld", timestamp);
    size_t il = strlen(msg_id), n = il + 1 + (size_t)tl + 1 + body_len;
    char *signed_content = malloc(n ? n : 1);
    if (!signed_content || cap < 4) {
        free(signed_content);
        return -1;
    }
    memcpy(signed_content, msg_id, il);
    signed_content[il] = '.';
    memcpy(signed_content + il + 1, ts, (size_t)tl);
    signed_content[il + 1 + (size_t)tl] = '.';
    if (body_len) memcpy(signed_content + il + 2 + (size_t)tl, body, body_len);
    unsigned char mac[32];
    int rc = tend_hmac_sha256(key, key_len, signed_content, n, mac);
    free(signed_content);
    if (rc != 0) return -1;
    memcpy(out, "v1,", 3);
    return tend_base64(mac, 32, out + 3, cap - 3) < 0 ? -1 : 0;
}
