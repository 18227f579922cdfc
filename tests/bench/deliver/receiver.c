/* The benchmark's receiver: a single-threaded epoll HTTP/1.1 server on
 * 127.0.0.1 that answers every request "200 OK" at once over kept-alive
 * connections and remembers each webhook-id, so the benchmark can check
 * that every message arrived exactly once. With --secret it verifies each
 * Standard Webhooks signature (OpenSSL HMAC) and counts the bad ones. It
 * costs little CPU per request, so it is not what limits either client;
 * tend and the plain-libcurl baseline send to the same program.
 *
 *   bench_receiver --port-file F --ids F [--secret whsec_...]
 *
 * Writes the port to --port-file; on SIGTERM or SIGINT writes one
 * webhook-id per request to --ids, then "requests N bad M" to stdout, and
 * exits. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_CAP (1 << 20)

typedef struct {
    int fd;
    size_t len;
    char buf[BUF_CAP + 1];
} conn;

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig, stop = 1; }

static unsigned char key[256];
static int key_len = -1;
static unsigned long long requests, bad;
static char *ids;
static size_t ids_len, ids_cap;

static void keep_id(const char *id, size_t n) {
    if (ids_len + n + 1 > ids_cap) {
        ids_cap = ids_cap ? 2 * ids_cap + n + 1 : (1 << 20);
        if (!(ids = realloc(ids, ids_cap))) abort();
    }
    memcpy(ids + ids_len, id, n);
    ids_len += n;
    ids[ids_len++] = '\n';
}

/* The value of header `name` in the head (without CRLF), or NULL. */
static const char *header(const char *head, size_t head_len, const char *name, size_t *vlen) {
    size_t nl = strlen(name);
    const char *end = head + head_len;
    for (const char *p = memchr(head, '\n', head_len); p && p + 1 < end; p = memchr(p + 1, '\n', (size_t)(end - p - 1))) {
        const char *line = p + 1;
        if ((size_t)(end - line) > nl && line[nl] == ':' && !strncasecmp(line, name, nl)) {
            const char *v = line + nl + 1;
            while (v < end && *v == ' ') v++;
            const char *e = v;
            while (e < end && *e != '\r' && *e != '\n') e++;
            *vlen = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}

static int verified(const char *head, size_t head_len, const char *body, size_t blen) {
    size_t il, tl, sl;
    const char *id = header(head, head_len, "webhook-id", &il), *ts = header(head, head_len, "webhook-timestamp", &tl),
               *sig = header(head, head_len, "webhook-signature", &sl);
    if (!id || !ts || !sig) return 0;
    size_t n = il + tl + blen + 2;
    char *content = malloc(n);
    if (!content) abort();
    memcpy(content, id, il);
    content[il] = '.';
    memcpy(content + il + 1, ts, tl);
    content[il + 1 + tl] = '.';
    memcpy(content + il + 2 + tl, body, blen);
    unsigned char mac[32];
    unsigned ml = 0;
    HMAC(EVP_sha256(), key, key_len, (const unsigned char *)content, n, mac, &ml);
    free(content);
    char want[64];
    int wl = EVP_EncodeBlock((unsigned char *)want, mac, 32);
    /* "v1,<sig>" possibly several, space-separated */
    for (const char *p = sig, *e = sig + sl; p < e;) {
        const char *q = memchr(p, ' ', (size_t)(e - p));
        if (!q) q = e;
        if (q - p == wl + 3 && !memcmp(p, "v1,", 3) && !memcmp(p + 3, want, (size_t)wl)) return 1;
        p = q + 1;
    }
    return 0;
}

/* Serves every complete request in c's buffer; -1 to close. */
static int serve(conn *c) {
    static const char OK[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
    char out[64 * (sizeof OK)];
    size_t olen = 0, off = 0;
    for (;;) {
        char *start = c->buf + off;
        c->buf[c->len] = 0;
        char *end = strstr(start, "\r\n\r\n");
        if (!end) break;
        size_t head_len = (size_t)(end - start) + 4, vl;
        const char *v = header(start, head_len, "Content-Length", &vl);
        size_t blen = v ? (size_t)strtoul(v, NULL, 10) : 0;
        if (head_len + blen > BUF_CAP) return -1;
        if (off + head_len + blen > c->len) break;
        const char *id = header(start, head_len, "webhook-id", &vl);
        if (id) keep_id(id, vl);
        else keep_id("-", 1);
        requests++;
        if (key_len > 0 && !verified(start, head_len, start + head_len, blen)) bad++;
        if (olen + sizeof OK > sizeof out) {
            if (send(c->fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) return -1;
            olen = 0;
        }
        memcpy(out + olen, OK, sizeof OK - 1);
        olen += sizeof OK - 1;
        off += head_len + blen;
    }
    if (olen && send(c->fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) return -1;
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    return 0;
}

static int unb64(const char *in, unsigned char *out, size_t cap) {
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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

int main(int argc, char **argv) {
    const char *port_file = NULL, *ids_file = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port-file")) port_file = argv[i + 1];
        else if (!strcmp(argv[i], "--ids")) ids_file = argv[i + 1];
        else if (!strcmp(argv[i], "--secret")) {
            const char *s = argv[i + 1];
            key_len = unb64(strncmp(s, "whsec_", 6) ? s : s + 6, key, sizeof key);
        } else {
            fprintf(stderr, "bench_receiver: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!port_file || !ids_file) {
        fprintf(stderr, "usage: bench_receiver --port-file F --ids F [--secret whsec_...]\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024) || getsockname(ls, (struct sockaddr *)&a, &alen)) {
        perror("bench_receiver");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f) return 1;
    fprintf(f, "%d\n", ntohs(a.sin_port));
    fclose(f);
    rename(tmp, port_file);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[256];
    while (!stop) {
        int n = epoll_wait(ep, evs, 256, 1000);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = malloc(sizeof *nc);
                    if (!nc) abort();
                    nc->fd = fd, nc->len = 0;
                    struct epoll_event ce = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
                }
                continue;
            }
            int closing = 0;
            for (;;) {
                ssize_t r = recv(c->fd, c->buf + c->len, BUF_CAP - c->len, 0);
                if (r > 0) {
                    c->len += (size_t)r;
                    if (serve(c) != 0 || c->len == BUF_CAP) {
                        closing = 1;
                        break;
                    }
                    continue;
                }
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
                closing = 1;
                break;
            }
            if (closing) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                free(c);
            }
        }
    }
    FILE *o = fopen(ids_file, "w");
    if (!o || fwrite(ids, 1, ids_len, o) != ids_len || fclose(o) != 0) {
        perror(ids_file);
        return 1;
    }
    printf("requests %llu bad %llu\n", requests, bad);
    return 0;
}
