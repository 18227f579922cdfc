/* `tend eval` as a library call: stream accounts from a file, evaluate each
 * against its history in N Lua states on N threads, and write the results
 * in input order, whatever order the threads finish in. */
#ifndef TEND_RUNNER_H
#define TEND_RUNNER_H

#include <stdint.h>
#include <stdio.h>

#include "data/history.h"
#include "eval/playbook.h"
#include "data/record.h"

/* Accounts from somewhere other than a file (the database): JSON objects,
 * one per record, each with the history it is evaluated against (so a
 * source can load history a slice of accounts at a time, and memory stays
 * flat however many accounts there are). open starts (again) from the
 * first record: a playbook with a population pass reads the accounts twice. */
typedef struct {
    tend_status (*open)(void *ud, tend_error *err);
    /* 1 and a record (text valid until the next call) with its history
     * (NULL: the run's), 0 at the end, -1 on error */
    int (*next)(void *ud, const char **text, size_t *len, long *n, const tend_history **history, tend_error *err);
    /* The record's result was emitted: its history may go. */
    void (*release)(void *ud, const tend_history *history);
    void (*close)(void *ud);
    void *ud;
    const char *name; /* in messages, where a file would have its path */
} tend_account_source;

typedef struct {
    const char *playbook_dir;
    tend_playbook_opts playbook;
    const char *accounts_path; /* "-" for stdin */
    const tend_account_source *source; /* instead of accounts_path, when set */
    tend_format accounts_format;
    const tend_history *history;
    int64_t now;
    int jobs;
    /* Called on the calling thread, in input order, with each result line
     * (JSON, ending in '\n'). */
    void (*emit)(void *ud, const char *line, size_t len);
    void *emit_ud;
} tend_run_opts;

typedef struct {
    size_t accounts;  /* records read */
    size_t evaluated; /* results written without errors */
    size_t failed;    /* results written with errors */
    size_t rejected;  /* records that never became accounts */
    size_t population_failed; /* accounts whose population pass failed */
} tend_run_stats;

/* Problems with the records go to stderr as "FILE:LINE: reason". Returns
 * TEND_OK when the run completed (see stats for failures), otherwise the
 * status that stopped it (unreadable input, broken playbook). */
tend_status tend_run_eval(const tend_run_opts *o, tend_run_stats *st, tend_buf *problems, tend_error *err);

#endif
