/* The evaluation pipeline. The calling thread reads batches of records and
 * writes finished batches in order; workers decode, normalize and evaluate.
 * With one job everything runs on the calling thread. */
#include "eval/runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "data/fields.h"

#define BATCH_RECORDS 256

typedef struct {
    tend_buf text;     /* records, each NUL-terminated */
    size_t offs[BATCH_RECORDS];
    size_t lens[BATCH_RECORDS];
    long lines[BATCH_RECORDS];
    const tend_history *hist[BATCH_RECORDS]; /* NULL: the run's history */
    size_t n;
    tend_buf out, errs;
    size_t evaluated, failed, rejected;
    int done;
} batch;

typedef enum { PASS_EVALUATE, PASS_COLLECT } pass_kind;

/* One pass over the accounts: the population pass collects, the main pass
 * evaluates; both stream through the same pipeline. */
typedef struct {
    const tend_run_opts *o;
    pass_kind kind;
    void (*emit)(void *ud, const char *line, size_t len);
    void *emit_ud;
} pass;

typedef struct {
    const pass *ps;
    const tend_reader *reader; /* format and CSV header, read-only here */
    pthread_mutex_t mu;
    pthread_cond_t work, finished;
    batch **queue; /* batches waiting for a worker */
    size_t qhead, qlen, qcap;
    int closing;
} pipeline;

static void process(const pass *ps, const tend_reader *rd, tend_playbook *pb, batch *b) {
    const tend_run_opts *o = ps->o;
    b->out.len = b->errs.len = 0;
    b->evaluated = b->failed = b->rejected = 0;
    for (size_t i = 0; i < b->n; i++) {
        tend_error e;
        const char *text = b->text.data + b->offs[i];
        json_t *raw = tend_record_decode(rd->format, &rd->header, text, b->lens[i], &e);
        json_t *acc = raw ? tend_account_normalize(raw, rd->format == TEND_FMT_CSV, &e) : NULL;
        json_decref(raw);
        const tend_history *h = b->hist[i] ? b->hist[i] : o->history;
        if (!acc) {
            /* Reported once, by the evaluation pass. */
            if (ps->kind == PASS_EVALUATE) tend_buf_printf(&b->errs, "%s:%ld: %s\n", rd->path, b->lines[i], e.msg);
            b->rejected++;
            continue;
        }
        if (ps->kind == PASS_COLLECT) {
            if (tend_playbook_collect(pb, acc, h, o->now, &b->out, &e) == TEND_OK) {
                b->evaluated++;
            } else {
                const char *nl = strchr(e.msg, '\n');
                tend_buf_printf(&b->errs, "%s:%ld: account '%s': population pass failed: %.*s\n", rd->path,
                                b->lines[i], json_string_value(json_object_get(acc, "id")),
                                (int)(nl ? (size_t)(nl - e.msg) : strlen(e.msg)), e.msg);
                b->failed++;
            }
        } else if (tend_playbook_evaluate(pb, acc, h, o->now, &b->out, &e) == TEND_OK) {
            b->evaluated++;
        } else {
            const char *nl = strchr(e.msg, '\n');
            tend_buf_printf(&b->errs, "%s:%ld: account '%s' failed: %.*s\n", rd->path, b->lines[i],
                            json_string_value(json_object_get(acc, "id")),
                            (int)(nl ? (size_t)(nl - e.msg) : strlen(e.msg)), e.msg);
            b->failed++;
        }
        json_decref(acc);
    }
}

typedef struct {
    pipeline *p;
    tend_playbook *pb;
} worker_args;

static void *worker(void *arg) {
    worker_args *w = arg;
    pipeline *p = w->p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->qlen == 0 && !p->closing) pthread_cond_wait(&p->work, &p->mu);
        if (p->qlen == 0) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        batch *b = p->queue[p->qhead];
        p->qhead = (p->qhead + 1) % p->qcap;
        p->qlen--;
        pthread_mutex_unlock(&p->mu);
        process(p->ps, p->reader, w->pb, b);
        pthread_mutex_lock(&p->mu);
        b->done = 1;
        pthread_cond_broadcast(&p->finished);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Fills b with up to BATCH_RECORDS records from the file or the source;
 * returns -1 on read error. */
static int fill(tend_reader *r, const tend_account_source *src, batch *b, tend_error *err) {
    b->n = 0;
    b->text.len = 0;
    b->done = 0;
    while (b->n < BATCH_RECORDS) {
        const char *text;
        size_t len;
        long line;
        const tend_history *hist = NULL;
        int rc = src ? src->next(src->ud, &text, &len, &line, &hist, err) : tend_reader_next(r, &text, &len, &line, err);
        if (rc < 0) return -1;
        if (rc == 0) break;
        b->offs[b->n] = b->text.len;
        b->lens[b->n] = len;
        b->lines[b->n] = line;
        b->hist[b->n] = hist;
        tend_buf_add(&b->text, text, len + 1);
        b->n++;
    }
    return 0;
}

static void drain(const pass *ps, batch *b, tend_run_stats *st) {
    const tend_account_source *src = ps->o->source;
    if (b->errs.len) fwrite(b->errs.data, 1, b->errs.len, stderr);
    /* Results go out line by line so the caller may reformat them. */
    size_t start = 0;
    for (size_t i = 0; i < b->out.len; i++) {
        if (b->out.data[i] != '\n') continue;
        ps->emit(ps->emit_ud, b->out.data + start, i + 1 - start);
        start = i + 1;
    }
    if (src && src->release)
        for (size_t i = 0; i < b->n; i++) src->release(src->ud, b->hist[i]);
    st->accounts += b->n;
    st->evaluated += b->evaluated;
    st->failed += b->failed;
    st->rejected += b->rejected;
}

static void free_batch(batch *b) {
    tend_buf_free(&b->text);
    tend_buf_free(&b->out);
    tend_buf_free(&b->errs);
    free(b);
}

/* Streams the accounts at path through the pipeline once. */
static tend_status run_pass(const pass *ps, tend_playbook **pbs, int jobs, const char *path, tend_run_stats *st,
                            tend_error *err) {
    const tend_run_opts *o = ps->o;
    const tend_account_source *src = o->source;
    tend_reader r;
    tend_status rc;
    if (src) {
        memset(&r, 0, sizeof r); /* only the format and name are used */
        r.format = TEND_FMT_JSONL;
        r.path = src->name;
        if ((rc = src->open(src->ud, err)) != TEND_OK) return rc;
    } else {
        if ((rc = tend_reader_open(&r, path, o->accounts_format, err)) != TEND_OK) return rc;
        r.path = o->accounts_path; /* name the input as the user gave it */
    }
    if (jobs == 1) {
        batch *b = calloc(1, sizeof *b);
        for (;;) {
            if (fill(&r, src, b, err) < 0) { rc = err->status != TEND_OK ? err->status : TEND_EIO; break; }
            if (b->n == 0) break;
            process(ps, &r, pbs[0], b);
            drain(ps, b, st);
        }
        free_batch(b);
    } else {
        /* A ring of batches in flight, written in the order they were read. */
        size_t inflight_max = (size_t)jobs * 3;
        pipeline p = {.ps = ps, .reader = &r, .qcap = inflight_max};
        pthread_mutex_init(&p.mu, NULL);
        pthread_cond_init(&p.work, NULL);
        pthread_cond_init(&p.finished, NULL);
        p.queue = calloc(inflight_max, sizeof *p.queue);
        batch **ring = calloc(inflight_max, sizeof *ring);
        for (size_t i = 0; i < inflight_max; i++) ring[i] = calloc(1, sizeof(batch));
        pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
        worker_args *args = calloc((size_t)jobs, sizeof *args);
        for (int i = 0; i < jobs; i++) {
            args[i] = (worker_args){&p, pbs[i]};
            pthread_create(&threads[i], NULL, worker, &args[i]);
        }
        size_t head = 0, count = 0; /* ring[head] is the oldest in flight */
        int eof = 0;
        while (!eof || count > 0) {
            if (!eof && count < inflight_max) {
                batch *b = ring[(head + count) % inflight_max];
                if (fill(&r, src, b, err) < 0) { rc = err->status != TEND_OK ? err->status : TEND_EIO; eof = 1; continue; }
                if (b->n == 0) { eof = 1; continue; }
                pthread_mutex_lock(&p.mu);
                p.queue[(p.qhead + p.qlen) % p.qcap] = b;
                p.qlen++;
                pthread_cond_signal(&p.work);
                pthread_mutex_unlock(&p.mu);
                count++;
                continue;
            }
            batch *oldest = ring[head];
            pthread_mutex_lock(&p.mu);
            while (!oldest->done) pthread_cond_wait(&p.finished, &p.mu);
            pthread_mutex_unlock(&p.mu);
            drain(ps, oldest, st);
            head = (head + 1) % inflight_max;
            count--;
        }
        pthread_mutex_lock(&p.mu);
        p.closing = 1;
        pthread_cond_broadcast(&p.work);
        pthread_mutex_unlock(&p.mu);
        for (int i = 0; i < jobs; i++) pthread_join(threads[i], NULL);
        for (size_t i = 0; i < inflight_max; i++) free_batch(ring[i]);
        free(ring);
        free(p.queue);
        free(threads);
        free(args);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.work);
        pthread_cond_destroy(&p.finished);
    }
    if (src) src->close(src->ud);
    else tend_reader_close(&r);
    return rc;
}

/* Collected rows become one JSON array of arrays. */
static void gather_row(void *ud, const char *line, size_t len) {
    tend_buf *rows = ud;
    tend_buf_addc(rows, rows->len ? ',' : '[');
    tend_buf_add(rows, line, len - 1); /* without the newline */
}

/* Standard input can be read only once: the population pass needs two
 * reads, so it is copied to a temporary file first. */
static tend_status spool_stdin(char *path, size_t cap, tend_error *err) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/tend-accounts-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return tend_fail(err, TEND_EIO, "cannot create a temporary file in %s: %s", dir ? dir : "/tmp", strerror(errno));
    FILE *f = fdopen(fd, "w");
    char buf[65536];
    size_t n;
    int bad = !f;
    while (!bad && (n = fread(buf, 1, sizeof buf, stdin)) > 0) bad = fwrite(buf, 1, n, f) != n;
    if (f && fclose(f) != 0) bad = 1;
    if (bad || ferror(stdin)) {
        unlink(path);
        return tend_fail(err, TEND_EIO, "cannot copy standard input to %s", path);
    }
    return TEND_OK;
}

tend_status tend_run_eval(const tend_run_opts *o, tend_run_stats *st, tend_buf *problems, tend_error *err) {
    memset(st, 0, sizeof *st);
    int jobs = o->jobs > 0 ? o->jobs : 1;
    tend_playbook **pbs = calloc((size_t)jobs, sizeof *pbs);
    tend_status rc = TEND_OK;
    /* Each worker gets its own state; the first load reports the problems. */
    for (int i = 0; i < jobs && rc == TEND_OK; i++) {
        tend_buf scratch = {0};
        rc = tend_playbook_open(o->playbook_dir, &o->playbook, &pbs[i], i == 0 ? problems : &scratch, err);
        tend_buf_free(&scratch);
    }
    const char *path = o->accounts_path;
    char spooled[4096] = "";
    if (rc == TEND_OK && tend_playbook_has_population(pbs[0])) {
        if (!o->source && strcmp(path, "-") == 0 && (rc = spool_stdin(spooled, sizeof spooled, err)) == TEND_OK)
            path = spooled;
        tend_buf rows = {0}, facts = {0};
        tend_run_stats collected = {0};
        pass collect = {o, PASS_COLLECT, gather_row, &rows};
        if (rc == TEND_OK) rc = run_pass(&collect, pbs, jobs, path, &collected, err);
        if (rc == TEND_OK) {
            tend_buf_adds(&rows, rows.len ? "]" : "[]");
            st->population_failed = collected.failed;
            rc = tend_playbook_summarize(pbs[0], rows.data, rows.len, &facts, err);
            if (rc != TEND_OK) {
                tend_error cause = *err; /* tend_fail must not read what it writes */
                rc = tend_fail(err, TEND_EPLAYBOOK, "the population pass failed: %s", cause.msg);
            }
        }
        for (int i = 0; i < jobs && rc == TEND_OK; i++) rc = tend_playbook_set_facts(pbs[i], facts.data, facts.len, err);
        tend_buf_free(&rows);
        tend_buf_free(&facts);
    }
    if (rc == TEND_OK) {
        pass evaluate = {o, PASS_EVALUATE, o->emit, o->emit_ud};
        rc = run_pass(&evaluate, pbs, jobs, path, st, err);
    }
    if (spooled[0]) unlink(spooled);
    for (int i = 0; i < jobs; i++) tend_playbook_close(pbs[i]);
    free(pbs);
    return rc;
}
