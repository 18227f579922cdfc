/* The evaluation pipeline. The calling thread reads batches of records and
 * writes finished batches in order; workers decode, normalize and evaluate.
 * With one job everything runs on the calling thread. */
#include "eval/runner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eval/fields.h"

#define BATCH_RECORDS 256

typedef struct {
    tend_buf text;     /* records, each NUL-terminated */
    size_t offs[BATCH_RECORDS];
    size_t lens[BATCH_RECORDS];
    long lines[BATCH_RECORDS];
    size_t n;
    tend_buf out, errs;
    size_t evaluated, failed, rejected;
    int done;
} batch;

typedef struct {
    const tend_run_opts *o;
    const tend_reader *reader; /* format and CSV header, read-only here */
    pthread_mutex_t mu;
    pthread_cond_t work, finished;
    batch **queue; /* batches waiting for a worker */
    size_t qhead, qlen, qcap;
    int closing;
} pipeline;

static void process(const tend_run_opts *o, const tend_reader *rd, tend_playbook *pb, batch *b) {
    b->out.len = b->errs.len = 0;
    b->evaluated = b->failed = b->rejected = 0;
    for (size_t i = 0; i < b->n; i++) {
        tend_error e;
        const char *text = b->text.data + b->offs[i];
        json_t *raw = tend_record_decode(rd->format, &rd->header, text, b->lens[i], &e);
        json_t *acc = raw ? tend_account_normalize(raw, rd->format == TEND_FMT_CSV, &e) : NULL;
        json_decref(raw);
        if (!acc) {
            tend_buf_printf(&b->errs, "%s:%ld: %s\n", rd->path, b->lines[i], e.msg);
            b->rejected++;
            continue;
        }
        if (tend_playbook_evaluate(pb, acc, o->history, o->now, &b->out, &e) == TEND_OK) {
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
        process(p->o, p->reader, w->pb, b);
        pthread_mutex_lock(&p->mu);
        b->done = 1;
        pthread_cond_broadcast(&p->finished);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Fills b with up to BATCH_RECORDS records; returns -1 on read error. */
static int fill(tend_reader *r, batch *b, tend_error *err) {
    b->n = 0;
    b->text.len = 0;
    b->done = 0;
    while (b->n < BATCH_RECORDS) {
        const char *text;
        size_t len;
        long line;
        int rc = tend_reader_next(r, &text, &len, &line, err);
        if (rc < 0) return -1;
        if (rc == 0) break;
        b->offs[b->n] = b->text.len;
        b->lens[b->n] = len;
        b->lines[b->n] = line;
        tend_buf_add(&b->text, text, len + 1);
        b->n++;
    }
    return 0;
}

static void drain(const tend_run_opts *o, batch *b, tend_run_stats *st) {
    if (b->errs.len) fwrite(b->errs.data, 1, b->errs.len, stderr);
    /* Results go out line by line so the caller may reformat them. */
    size_t start = 0;
    for (size_t i = 0; i < b->out.len; i++) {
        if (b->out.data[i] != '\n') continue;
        o->emit(o->emit_ud, b->out.data + start, i + 1 - start);
        start = i + 1;
    }
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
    tend_reader r;
    if (rc == TEND_OK) rc = tend_reader_open(&r, o->accounts_path, o->accounts_format, err);
    if (rc != TEND_OK) goto close_playbooks;

    if (jobs == 1) {
        batch *b = calloc(1, sizeof *b);
        for (;;) {
            if (fill(&r, b, err) < 0) { rc = TEND_EIO; break; }
            if (b->n == 0) break;
            process(o, &r, pbs[0], b);
            drain(o, b, st);
        }
        free_batch(b);
    } else {
        /* A ring of batches in flight, written in the order they were read. */
        size_t inflight_max = (size_t)jobs * 3;
        pipeline p = {.o = o, .reader = &r, .qcap = inflight_max};
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
                if (fill(&r, b, err) < 0) { rc = TEND_EIO; eof = 1; continue; }
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
            drain(o, oldest, st);
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
    tend_reader_close(&r);
close_playbooks:
    for (int i = 0; i < jobs; i++) tend_playbook_close(pbs[i]);
    free(pbs);
    return rc;
}
