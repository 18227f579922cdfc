/* The two halves of the nightly run that talk to PostgreSQL while Lua
 * evaluates: the account stream (nightly_stream.c) reads the next slice of
 * accounts with their history on its own thread and connection, and the
 * result writer (nightly_writer.c) stores finished batches on another. The
 * run (nightly.c) wires them to the evaluation pipeline, so reading,
 * evaluating and writing overlap instead of taking turns. */
#ifndef TEND_STORE_NIGHTLY_PARTS_H
#define TEND_STORE_NIGHTLY_PARTS_H

#include <libpq-fe.h>
#include <pthread.h>

#include "base/buf.h"
#include "eval/runner.h"
#include "sched/nightly.h"

/* ---- the account stream --------------------------------------------------- */

typedef struct nightly_slice nightly_slice;

typedef struct {
    PGconn *c;
    const tend_nightly_opts *o;
    char from[21];     /* events window start, ISO */
    char from_day[11]; /* metrics window start */
    char until[21];    /* the evaluation time: nothing after it is read */
    char run_id[32];   /* this run's fires are not "earlier" fires; its evaluations are done */
    char hash_lo[24], hash_hi[24]; /* the shard: hashtext(id) in [lo, hi) */
    int cut;           /* the stop flag ended the stream before its end */

    /* The prefetching thread and the slices it has ready. */
    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t changed;
    nightly_slice *ready_head, *ready_tail;
    int nready, stop, eof;
    tend_status failed;
    tend_error err;

    /* The consumer's side (the pipeline's reading thread). */
    nightly_slice *current, *live;
    int row;
    long n;
} nightly_stream;

void nightly_stream_init(nightly_stream *s, PGconn *c, const tend_nightly_opts *o);
void nightly_stream_destroy(nightly_stream *s);
/* The stream as the pipeline's account source. */
tend_account_source nightly_stream_source(nightly_stream *s);

/* ---- the result writer ---------------------------------------------------- */

typedef struct {
    PGconn *c;
    const tend_nightly_opts *o;
    tend_nightly_stats *st; /* tasks, outbox, stage_changes: the writer's own */
    char run_id[32], now[21], digest[80];
    int backfill;  /* store evaluations only: no state, stages, ledger, tasks or outbox */

    tend_buf filling; /* batch_results rows in COPY text format */
    int pending;

    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t changed;
    tend_buf handed; /* a full batch waiting for (or being written by) the thread */
    int busy, closing;
    tend_status failed;
    tend_error err;
} nightly_writer;

/* Starts the writer thread on w->c; fill in c, o, st, run_id, now, digest first. */
void nightly_writer_start(nightly_writer *w);
/* Takes one result line (the pipeline's emit callback). */
void nightly_writer_line(void *w, const char *line, size_t len);
/* Writes what is left, stops the thread; returns the first failure. */
tend_status nightly_writer_finish(nightly_writer *w, tend_error *err);

#endif
