/* The file connector: each message as one JSON line (exactly the body a
 * webhook would receive) appended to a file under the data directory —
 * the quickstart default, so a new user sees what would be sent.
 *
 *   "file": {"type": "file", "path": "outbox/{tenant}.jsonl"}
 *
 * `path` is relative to $TEND_HOME and may not leave it; {tenant} is the
 * row's tenant (characters other than letters, digits, '.', '_', '-'
 * become '_'). Each line is written with one write(); sync() flushes the
 * files written since the last one to disk (one fdatasync per file per
 * claimed batch, not per line), and the delivery loop marks no row sent
 * before that. A crash between the two may repeat a line on the next
 * attempt: readers dedupe by "id". */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "connectors/builtin.h"
#include "connectors/settings.h"

#define OPEN_FILES 16

typedef struct {
    const tend_connector_host *host;
    char *pattern;
    struct {
        char *path;
        int fd;
        int dirty; /* written since the last sync */
    } open[OPEN_FILES];
    int next_slot;
    char sync_error[200]; /* a file closed early failed its sync: the next sync() fails */
} file_state;

/* Flushes a slot's file if written to; 0, or -1 noting why. */
static int sync_slot(file_state *s, int i) {
    if (!s->open[i].dirty) return 0;
    s->open[i].dirty = 0;
    if (fdatasync(s->open[i].fd) == 0) return 0;
    if (!s->sync_error[0])
        snprintf(s->sync_error, sizeof s->sync_error, "%.150s: %s", s->open[i].path, strerror(errno));
    return -1;
}

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    json_t *o = tend_settings_open(config, instance, err, cap);
    const char *path = "outbox/{tenant}.jsonl";
    const char *key;
    json_t *v;
    int rc = -1;
    if (!o) goto done;
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "path")) {
            if (!json_is_string(v) || !*json_string_value(v)) {
                snprintf(err, cap, "connector '%s': \"path\" must be a non-empty string", instance);
                goto done;
            }
            path = json_string_value(v);
        } else if (tend_settings_unknown(host, instance, "file", key, "\"path\"", err, cap) != 0) {
            goto done;
        }
    }
    if (path[0] == '/' || !strcmp(path, "..") || !strncmp(path, "../", 3) || strstr(path, "/../") ||
        (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/.."))) {
        snprintf(err, cap, "connector '%s': \"path\" must stay under the data directory ($TEND_HOME): %s", instance,
                 path);
        goto done;
    }
    file_state *s = tend_calloc(1, sizeof *s);
    s->pattern = tend_strdup(path);
    for (int i = 0; i < OPEN_FILES; i++) s->open[i].fd = -1;
    s->host = host;
    *state = s;
    rc = 0;
done:
    json_decref(o);
    return rc;
}

/* data_dir/pattern with {tenant} replaced. */
static void resolve(const file_state *s, const char *tenant, tend_buf *out) {
    tend_buf_printf(out, "%s/", s->host->data_dir);
    for (const char *p = s->pattern; *p;) {
        if (!strncmp(p, "{tenant}", 8)) {
            for (const char *t = tenant; *t; t++) {
                char c = *t;
                int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                         c == '-' || (c == '.' && t != tenant);
                tend_buf_addc(out, ok ? c : '_');
            }
            if (!*tenant) tend_buf_addc(out, '_');
            p += 8;
        } else {
            tend_buf_addc(out, *p++);
        }
    }
    tend_buf_cstr(out);
}

static int mkdirs(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

static int open_file(file_state *s, const char *path) {
    for (int i = 0; i < OPEN_FILES; i++)
        if (s->open[i].path && !strcmp(s->open[i].path, path)) return s->open[i].fd;
    char *copy = strdup(path);
    if (!copy) return -1;
    if (mkdirs(copy) != 0) {
        free(copy);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        free(copy);
        return -1;
    }
    int slot = s->next_slot;
    s->next_slot = (slot + 1) % OPEN_FILES;
    if (s->open[slot].fd >= 0) sync_slot(s, slot), close(s->open[slot].fd);
    free(s->open[slot].path);
    s->open[slot].path = copy;
    s->open[slot].fd = fd;
    return fd;
}

static void send(void *state, const tend_message *m, tend_verdict *v) {
    file_state *s = state;
    tend_buf path = {0}, line = {0};
    resolve(s, m->tenant, &path);
    tend_buf_add(&line, m->body, m->body_len);
    tend_buf_addc(&line, '\n');
    v->kind = TEND_DELIVERED;
    v->retry_after = -1;
    v->error[0] = 0;
    int fd = open_file(s, path.data);
    for (int i = 0; fd >= 0 && i < OPEN_FILES; i++)
        if (s->open[i].fd == fd) s->open[i].dirty = 1;
    size_t off = 0;
    while (fd >= 0 && off < line.len) {
        ssize_t n = write(fd, line.data + off, line.len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    if (fd < 0 || off < line.len) {
        v->kind = TEND_RETRY;
        snprintf(v->error, sizeof v->error, "%s: %s", path.data, strerror(errno ? errno : EIO));
    }
    tend_buf_free(&path);
    tend_buf_free(&line);
}

static int sync_files(void *state, char *err, size_t cap) {
    file_state *s = state;
    for (int i = 0; i < OPEN_FILES; i++)
        if (s->open[i].fd >= 0) sync_slot(s, i);
    if (!s->sync_error[0]) return 0;
    snprintf(err, cap, "%s", s->sync_error);
    s->sync_error[0] = 0;
    return -1;
}

static void release(void *state) {
    file_state *s = state;
    if (!s) return;
    for (int i = 0; i < OPEN_FILES; i++) {
        if (s->open[i].fd >= 0) sync_slot(s, i), close(s->open[i].fd);
        free(s->open[i].path);
    }
    free(s->pattern);
    free(s);
}

const tend_connector_type tend_connector_file = {
    .abi = TEND_CONNECTOR_ABI, .name = "file",
    .configure = configure, .send = send, .sync = sync_files, .free = release,
};
