/* A webhook receiver for the delivery tests: plain sockets on 127.0.0.1,
 * an ephemeral port, a thread per connection (keep-alive), and its own
 * SHA-256 / HMAC / base64 written from FIPS 180-4 and RFC 2104 — an
 * independent path from tend's libcrypto signing — to verify Standard
 * Webhooks signatures.
 *
 *   deliver_receiver --port-file F --log F [--secret whsec_...] [--seed N]
 *                    [--fail PCT] [--stall PCT] [--stall-ms MS]
 *
 * Prints "listening 127.0.0.1:PORT" and writes PORT to --port-file. Every
 * request is logged as one tab-separated line:
 *   connection  webhook-id  status  check  webhook-timestamp  webhook-signature  path  body
 * where check is ok, bad, stale (timestamp off by more than 5 min) or none
 * (no webhook-signature header), and status is what was answered ("stall"
 * when it held the answer --stall-ms first).
 *
 * Answers: POST / answers 200, except that with --seed a request answers
 * 500 with probability --fail % and stalls --stall-ms with probability
 * --stall % (decided per request from the seed and the request number).
 * /status/CODE always answers CODE; /status/CODE/retry-after/S adds
 * Retry-After: S; /status/CODE/body/WORD answers WORD as its body (Slack's
 * "no_service"); /flaky/N answers 503 to the first N requests of each
 * webhook-id, then 200; /stall/MS answers 200 after MS milliseconds. A request with a bad signature answers 401.
 * --requests F also logs every request whole, one tab-separated line:
 *   method  path  headers  body
 * headers being "Name: value" joined by " | " in the order received.
 * Without a webhook-id, /flaky/N counts by the Idempotency-Key header.
 * SIGTERM or SIGINT: exits. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- SHA-256 (FIPS 180-4) ----------------------------------------------------------- */

typedef struct {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t n;
} sha256;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(sha256 *s, const unsigned char *p) {
    uint32_t w[64], a, b, c, d, e, f, g, h;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha_init(sha256 *s) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0, s->n = 0;
}

static void sha_update(sha256 *s, const void *data, size_t len) {
    const unsigned char *p = data;
    s->len += len;
    while (len) {
        size_t take = 64 - s->n < len ? 64 - s->n : len;
        memcpy(s->buf + s->n, p, take);
        s->n += take, p += take, len -= take;
        if (s->n == 64) sha_block(s, s->buf), s->n = 0;
    }
}

static void sha_final(sha256 *s, unsigned char out[32]) {
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80, zero = 0, lenbuf[8];
    sha_update(s, &pad, 1);
    while (s->n != 56) sha_update(s, &zero, 1);
    for (int i = 0; i < 8; i++) lenbuf[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha_update(s, lenbuf, 8);
    for (int i = 0; i < 8; i++)
        out[4 * i] = (unsigned char)(s->h[i] >> 24), out[4 * i + 1] = (unsigned char)(s->h[i] >> 16),
                out[4 * i + 2] = (unsigned char)(s->h[i] >> 8), out[4 * i + 3] = (unsigned char)s->h[i];
}

/* HMAC (RFC 2104) over the parts id "." ts "." body. */
static void hmac(const unsigned char *key, size_t klen, const char *const *parts, const size_t *lens, int nparts,
                 unsigned char out[32]) {
    unsigned char k[64] = {0}, ipad[64], opad[64], inner[32];
    if (klen > 64) {
        sha256 s;
        sha_init(&s);
        sha_update(&s, key, klen);
        sha_final(&s, k);
    } else {
        memcpy(k, key, klen);
    }
    for (int i = 0; i < 64; i++) ipad[i] = k[i] ^ 0x36, opad[i] = k[i] ^ 0x5c;
    sha256 s;
    sha_init(&s);
    sha_update(&s, ipad, 64);
    for (int i = 0; i < nparts; i++) sha_update(&s, parts[i], lens[i]);
    sha_final(&s, inner);
    sha_init(&s);
    sha_update(&s, opad, 64);
    sha_update(&s, inner, 32);
    sha_final(&s, out);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64(const unsigned char *in, size_t len, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        out[o++] = B64[v >> 18 & 63], out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < len ? B64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? B64[v & 63] : '=';
    }
    out[o] = 0;
}

static int unb64(const char *in, unsigned char *out, size_t cap) {
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        const char *p = strchr(B64, *in);
        if (!p) return -1;
        acc = acc << 6 | (unsigned)(p - B64);
        if ((bits += 6) >= 8) {
            bits -= 8;
            if (o == cap) return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (int)o;
}

/* ---- the server --------------------------------------------------------------------- */

static unsigned char key[256];
static int key_len = -1;
static unsigned long long seed;
static int fail_pct, stall_pct, stall_ms = 1500;
static FILE *logf, *requests_log;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long requests, connections;
/* /flaky/N: answers given per id */
static struct {
    char id[80];
    int n;
} flaky[65536];

static uint64_t mix(uint64_t x) {
    x ^= x >> 33, x *= 0xff51afd7ed558ccdULL, x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ULL, x ^= x >> 33;
    return x;
}

static const char *header(const char *head, const char *name, char *buf, size_t cap) {
    size_t nl = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (!strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *v = line + nl + 1, *e = strstr(v, "\r\n");
            while (*v == ' ') v++;
            snprintf(buf, cap, "%.*s", (int)(e - v), v);
            return buf;
        }
    }
    return NULL;
}

static const char *verify(const char *head, const char *body, size_t blen) {
    char id[256], ts[64], sig[1024];
    if (!header(head, "webhook-signature", sig, sizeof sig)) return "none";
    if (key_len < 0 || !header(head, "webhook-id", id, sizeof id) || !header(head, "webhook-timestamp", ts, sizeof ts))
        return "bad";
    long long t = atoll(ts), now = (long long)time(NULL);
    if (t < now - 300 || t > now + 300) return "stale";
    const char *parts[5] = {id, ".", ts, ".", body};
    size_t lens[5] = {strlen(id), 1, strlen(ts), 1, blen};
    unsigned char mac[32];
    char want[64];
    hmac(key, (size_t)key_len, parts, lens, 5, mac);
    b64(mac, 32, want);
    char *save = NULL;
    for (char *tok = strtok_r(sig, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        if (!strncmp(tok, "v1,", 3) && !strcmp(tok + 3, want)) return "ok";
    return "bad";
}

static int flaky_count(const char *id) {
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = id; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (size_t i = h & 65535;; i = (i + 1) & 65535) {
        if (!flaky[i].id[0]) snprintf(flaky[i].id, sizeof flaky[i].id, "%s", id);
        if (!strcmp(flaky[i].id, id)) return flaky[i].n++;
    }
}

static void answer(int fd, int code, const char *extra, const char *text) {
    const char *reason = code == 200 ? "OK" : code == 500 ? "Internal Server Error" : "Status";
    char out[512];
    const char *body = text ? text : code == 200 ? "received" : "no";
    int n = snprintf(out, sizeof out, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n%s",
                     code, reason, strlen(body), extra ? extra : "", body);
    ssize_t w = send(fd, out, (size_t)n, MSG_NOSIGNAL);
    (void)w;
}

static void *serve(void *arg) {
    int fd = (int)(intptr_t)arg;
    pthread_mutex_lock(&mu);
    unsigned long long conn = ++connections;
    pthread_mutex_unlock(&mu);
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        char *end = NULL;
        while (!(buf[len] = 0, end = strstr(buf, "\r\n\r\n"))) {
            if (len == cap) goto out;
            ssize_t n = recv(fd, buf + len, cap - len, 0);
            if (n <= 0) goto out;
            len += (size_t)n;
        }
        size_t head_len = (size_t)(end - buf) + 4;
        char head[16384], v[64], path[512] = "/";
        snprintf(head, sizeof head, "%.*s", (int)head_len, buf);
        size_t blen = header(head, "Content-Length", v, sizeof v) ? (size_t)atol(v) : 0;
        if (header(head, "Expect", v, sizeof v)) {
            ssize_t w = send(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, MSG_NOSIGNAL);
            (void)w;
        }
        if (head_len + blen > cap) goto out;
        while (len < head_len + blen) {
            ssize_t n = recv(fd, buf + len, cap - len, 0);
            if (n <= 0) goto out;
            len += (size_t)n;
        }
        sscanf(head, "%*s %511s", path);
        char id[256] = "-", ts[64] = "-", sigh[1024] = "-";
        if (!header(head, "webhook-id", id, sizeof id)) header(head, "Idempotency-Key", id, sizeof id);
        header(head, "webhook-timestamp", ts, sizeof ts);
        header(head, "webhook-signature", sigh, sizeof sigh);
        char *body = buf + head_len;
        char saved = body[blen];
        body[blen] = 0;
        const char *sig = verify(head, body, blen);
        int code = 200, stall = 0, ms = stall_ms;
        char extra[128] = "";
        pthread_mutex_lock(&mu);
        if (requests_log) {
            char method[16] = "-";
            sscanf(head, "%15s", method);
            fprintf(requests_log, "%s\t%s\t", method, path);
            const char *line = strstr(head, "\r\n");
            for (int first = 1; line && line[2] && line[2] != '\r'; first = 0) {
                const char *e = strstr(line + 2, "\r\n");
                fprintf(requests_log, "%s%.*s", first ? "" : " | ", (int)(e - line - 2), line + 2);
                line = e;
            }
            fprintf(requests_log, "\t%s\n", body);
            fflush(requests_log);
        }
        unsigned long long nreq = ++requests;
        int code_arg = 0, ra = -1;
        char text[64] = "";
        if (!strcmp(sig, "bad") || !strcmp(sig, "stale")) code = 401;
        else if (sscanf(path, "/status/%d/body/%63[a-z_]", &code_arg, text) == 2) {
            code = code_arg;
        } else if (sscanf(path, "/status/%d/retry-after/%d", &code_arg, &ra) >= 1) {
            code = code_arg;
            if (ra >= 0) snprintf(extra, sizeof extra, "Retry-After: %d\r\n", ra);
        } else if (sscanf(path, "/flaky/%d", &code_arg) == 1) {
            code = flaky_count(id) < code_arg ? 503 : 200;
        } else if (sscanf(path, "/stall/%d", &code_arg) == 1) {
            stall = 1, ms = code_arg;
        } else if (seed) {
            uint64_t r = mix(seed * 0x9e3779b97f4a7c15ULL + nreq) % 100;
            if ((int)r < fail_pct) code = 500;
            else if ((int)r < fail_pct + stall_pct) stall = 1;
        }
        if (!stall) {
            fprintf(logf, "%llu\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", conn, id, code, sig, ts, sigh, path, body);
            fflush(logf);
        }
        pthread_mutex_unlock(&mu);
        if (stall) {
            usleep((useconds_t)ms * 1000);
            pthread_mutex_lock(&mu);
            fprintf(logf, "%llu\t%s\tstall\t%s\t%s\t%s\t%s\t%s\n", conn, id, sig, ts, sigh, path, body);
            fflush(logf);
            pthread_mutex_unlock(&mu);
        }
        body[blen] = saved;
        answer(fd, code, extra, text[0] ? text : NULL);
        memmove(buf, buf + head_len + blen, len - head_len - blen);
        len -= head_len + blen;
    }
out:
    free(buf);
    close(fd);
    return NULL;
}

static void on_term(int sig) {
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv) {
    const char *port_file = NULL, *log_path = "/dev/stdout";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port-file")) port_file = argv[i + 1];
        else if (!strcmp(argv[i], "--log")) log_path = argv[i + 1];
        else if (!strcmp(argv[i], "--secret")) {
            const char *s = argv[i + 1];
            if (!strncmp(s, "whsec_", 6)) s += 6;
            key_len = unb64(s, key, sizeof key);
        } else if (!strcmp(argv[i], "--requests")) {
            if (!(requests_log = fopen(argv[i + 1], "a"))) {
                perror(argv[i + 1]);
                return 1;
            }
        } else if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--fail")) fail_pct = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--stall")) stall_pct = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--stall-ms")) stall_ms = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "deliver_receiver: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!(logf = fopen(log_path, "a"))) {
        perror(log_path);
        return 1;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 256) || getsockname(ls, (struct sockaddr *)&a, &alen)) {
        perror("deliver_receiver");
        return 1;
    }
    int port = ntohs(a.sin_port);
    printf("listening 127.0.0.1:%d\n", port);
    fflush(stdout);
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f) return 1;
        fprintf(f, "%d\n", port);
        fclose(f);
        rename(tmp, port_file);
    }
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            perror("accept");
            return 1;
        }
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, serve, (void *)(intptr_t)fd)) close(fd);
        pthread_attr_destroy(&attr);
    }
}
