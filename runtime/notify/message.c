/* The message id and envelope (see message.h). */
#include "notify/message.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/isotime.h"
#include "base/jsontext.h"

void tend_message_id(const char *tenant, const char *key, char out[TEND_MESSAGE_ID_SIZE]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, tenant, strlen(tenant)) &&
             EVP_DigestUpdate(ctx, "\n", 1) && EVP_DigestUpdate(ctx, key, strlen(key)) &&
             EVP_DigestFinal_ex(ctx, md, &n) && n >= 16;
    EVP_MD_CTX_free(ctx);
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "msg_", 4);
    for (int i = 0; i < 16; i++) {
        out[4 + 2 * i] = ok ? hex[md[i] >> 4] : '0';
        out[5 + 2 * i] = ok ? hex[md[i] & 15] : '0';
    }
    out[36] = 0;
}

static void quote(tend_buf *b, const char *s) { tend_json_quote(b, s, strlen(s)); }

void tend_message_envelope(tend_buf *b, const char *id, const char *kind, long long created_at, const char *tenant,
                           const char *account_id, const char *key, const char *payload) {
    char ts[21];
    tend_time_format((int64_t)created_at, ts);
    tend_buf_adds(b, "{\"id\":");
    quote(b, id);
    tend_buf_adds(b, ",\"type\":\"tend.");
    /* kind is a plain word (the outbox's CHECK-free column): escape it anyway */
    tend_buf printed = {0};
    quote(&printed, kind);
    tend_buf_add(b, printed.data + 1, printed.len - 1);
    tend_buf_free(&printed);
    tend_buf_adds(b, ",\"timestamp\":");
    quote(b, ts);
    tend_buf_adds(b, ",\"tenant\":");
    quote(b, tenant);
    tend_buf_adds(b, ",\"account_id\":");
    quote(b, account_id);
    tend_buf_adds(b, ",\"key\":");
    quote(b, key);
    tend_buf_adds(b, ",\"data\":");
    tend_buf_adds(b, payload && *payload ? payload : "{}");
    tend_buf_addc(b, '}');
}
