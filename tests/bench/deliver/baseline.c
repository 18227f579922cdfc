/* The benchmark's baseline: plain libcurl multi sending the same signed
 * requests tend deliver sends — the same envelope, Standard Webhooks
 * headers signed per request with OpenSSL's HMAC, the same curl options
 * (kept-alive connections, no Expect: 100-continue) — at a given
 * concurrency, with no database. What tend's delivery loop costs on top
 * of this is its bookkeeping: claims, leases, attempts, acks.
 *
 *   bench_baseline --url URL --secret whsec_... --concurrency C --messages FILE
 *
 * FILE has one message a line, tab-separated, as run.sh exports it from the
 * outbox: id, tenant, account_id, kind, key, created_at (epoch s), payload
 * (JSON). Prints "baseline: N requests in S s: R/s (K new connections)";
 * exits 1 if any answer is not 200. */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *id, *body;
    size_t body_len;
} message;

typedef struct {
    CURL *easy;
    struct curl_slist *headers;
    int busy;
} slot;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fputc('\\', f), fputc(*p, f);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p == '\r') fputs("\\r", f);
        else if (*p == '\t') fputs("\\t", f);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

/* The envelope, as runtime/notify/message.c writes it. */
static char *envelope(char **f, size_t *len) {
    char *out = NULL;
    FILE *m = open_memstream(&out, len);
    time_t t = (time_t)strtoll(f[5], NULL, 10);
    struct tm tm;
    char ts[32];
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fputs("{\"id\":", m), json_string(m, f[0]);
    fputs(",\"type\":\"tend.", m);
    fputs(f[3], m);
    fputs("\",\"timestamp\":", m), json_string(m, ts);
    fputs(",\"tenant\":", m), json_string(m, f[1]);
    fputs(",\"account_id\":", m), json_string(m, f[2]);
    fputs(",\"key\":", m), json_string(m, f[4]);
    fputs(",\"data\":", m), fputs(f[6], m), fputc('}', m);
    fclose(m);
    return out;
}

static size_t discard(char *p, size_t size, size_t n, void *ud) {
    (void)p, (void)ud;
    return size * n;
}

int main(int argc, char **argv) {
    const char *url = NULL, *secret = NULL, *file = NULL;
    int concurrency = 32;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url")) url = argv[i + 1];
        else if (!strcmp(argv[i], "--secret")) secret = argv[i + 1];
        else if (!strcmp(argv[i], "--concurrency")) concurrency = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--messages")) file = argv[i + 1];
    }
    if (!url || !secret || !file || concurrency < 1) {
        fprintf(stderr, "usage: bench_baseline --url URL --secret whsec_... --concurrency C --messages FILE\n");
        return 2;
    }
    unsigned char key[256];
    const char *s64 = strncmp(secret, "whsec_", 6) ? secret : secret + 6;
    int key_len = EVP_DecodeBlock(key, (const unsigned char *)s64, (int)strlen(s64));
    for (size_t n = strlen(s64); n > 0 && s64[n - 1] == '='; n--) key_len--;
    if (key_len <= 0) {
        fprintf(stderr, "bench_baseline: bad secret\n");
        return 2;
    }

    FILE *in = fopen(file, "r");
    if (!in) {
        perror(file);
        return 2;
    }
    message *msgs = NULL;
    size_t n = 0, cap = 0, llen = 0;
    char *line = NULL;
    ssize_t got;
    while ((got = getline(&line, &llen, in)) > 0) {
        if (line[got - 1] == '\n') line[--got] = 0;
        char *f[7], *save = NULL, *p = line;
        int k = 0;
        for (; k < 7 && (f[k] = strtok_r(p, "\t", &save)); k++) p = NULL;
        if (k < 7) continue;
        if (n == cap) msgs = realloc(msgs, (cap = cap ? 2 * cap : 1024) * sizeof *msgs);
        msgs[n].id = strdup(f[0]);
        msgs[n].body = envelope(f, &msgs[n].body_len);
        n++;
    }
    free(line);
    fclose(in);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)concurrency * 2);
    slot *slots = calloc((size_t)concurrency, sizeof *slots);
    size_t next = 0, done = 0, failed = 0;
    long connects = 0;
    int inflight = 0;
    double t0 = now_s();
    while (done < n) {
        for (int i = 0; i < concurrency && next < n; i++) {
            slot *s = &slots[i];
            if (s->busy) continue;
            message *m = &msgs[next++];
            if (!s->easy) s->easy = curl_easy_init();
            else curl_easy_reset(s->easy);
            curl_slist_free_all(s->headers);
            char ts[32], content_hdr[64], h[256];
            long long t = (long long)time(NULL);
            snprintf(ts, sizeof ts, "%lld", t);
            size_t il = strlen(m->id), tl = strlen(ts), cl = il + tl + 2 + m->body_len;
            char *content = malloc(cl);
            memcpy(content, m->id, il), content[il] = '.';
            memcpy(content + il + 1, ts, tl), content[il + 1 + tl] = '.';
            memcpy(content + il + 2 + tl, m->body, m->body_len);
            unsigned char mac[32];
            unsigned ml = 0;
            HMAC(EVP_sha256(), key, key_len, (unsigned char *)content, cl, mac, &ml);
            free(content);
            char sig[64];
            EVP_EncodeBlock((unsigned char *)sig, mac, 32);
            struct curl_slist *hs = curl_slist_append(NULL, "Content-Type: application/json");
            hs = curl_slist_append(hs, "User-Agent: tend-bench-baseline");
            snprintf(h, sizeof h, "webhook-id: %s", m->id), hs = curl_slist_append(hs, h);
            snprintf(content_hdr, sizeof content_hdr, "webhook-timestamp: %s", ts), hs = curl_slist_append(hs, content_hdr);
            snprintf(h, sizeof h, "webhook-signature: v1,%s", sig), hs = curl_slist_append(hs, h);
            hs = curl_slist_append(hs, "Expect:");
            s->headers = hs;
            CURL *e = s->easy;
            curl_easy_setopt(e, CURLOPT_URL, url);
            curl_easy_setopt(e, CURLOPT_PRIVATE, s);
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 15000L);
            curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
            curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs);
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m->body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, m->body);
            curl_multi_add_handle(multi, e);
            s->busy = 1;
            inflight++;
        }
        int running = 0, left = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            slot *s = NULL;
            long status = 0, c = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_NUM_CONNECTS, &c);
            connects += c;
            if (msg->data.result != CURLE_OK || status != 200) failed++;
            curl_multi_remove_handle(multi, s->easy);
            s->busy = 0;
            inflight--;
            done++;
        }
        if (inflight > 0) curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    double secs = now_s() - t0;
    printf("baseline: %zu requests in %.3f s: %.0f/s (%ld new connections)\n", n, secs, (double)n / secs, connects);
    for (int i = 0; i < concurrency; i++) {
        if (slots[i].easy) curl_easy_cleanup(slots[i].easy);
        curl_slist_free_all(slots[i].headers);
    }
    for (size_t i = 0; i < n; i++) free(msgs[i].id), free(msgs[i].body);
    free(msgs), free(slots);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    if (failed) fprintf(stderr, "bench_baseline: %zu requests not answered 200\n", failed);
    return failed ? 1 : 0;
}
