/* Ingest: accounts, events and daily metrics from JSON Lines or CSV into
 * the database (DESIGN "Data contract", "Persistence"). Each record is read
 * and checked by the code `tend eval` uses (eval/record.h, eval/fields.h,
 * the flat fast path of eval/flatjson.h), streamed with COPY into a
 * temporary staging table, then stored in one transaction (a first load
 * of a tenant's accounts or metrics from a file is copied straight into
 * its table, and goes through the staging table only if that fails on a
 * duplicate key or a missing tenant):
 *
 *   accounts  upserted by (tenant, id); a row is rewritten (and updated_at
 *             moves) only when a column differs;
 *   events    appended with ON CONFLICT DO NOTHING against the two dedupe
 *             indexes (by id; else by account, type, at, user and data);
 *   metrics   upserted by (tenant, account_id, date), rewritten only when
 *             the metrics object differs.
 *
 * So loading the same input twice changes nothing. A later record with the
 * same key as an earlier one in the same input replaces it. Malformed
 * records are reported as FILE:LINE: reason and skipped. */
#ifndef TEND_STORE_INGEST_H
#define TEND_STORE_INGEST_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#include "base/status.h"
#include "data/record.h"

typedef enum { TEND_INGEST_ACCOUNTS, TEND_INGEST_EVENTS, TEND_INGEST_METRICS } tend_ingest_kind;

typedef struct {
    size_t read;      /* records (non-blank lines; CSV: rows after the header) */
    size_t stored;    /* rows inserted, or updated because they changed */
    size_t unchanged; /* valid records that changed nothing: already stored, or duplicates */
    size_t rejected;  /* malformed records */
} tend_ingest_stats;

typedef struct {
    tend_ingest_kind kind;
    const char *path;      /* "-" is standard input */
    tend_format format;    /* auto: .csv is CSV */
    const char *tenant;    /* events, metrics, and accounts without a tenant field */
    FILE *report;          /* rejected records, one "FILE:LINE: reason" line each */
    /* Called every `progress_every` records read, when set. */
    void (*progress)(void *ud, size_t read);
    void *progress_ud;
    /* A first load of events drops repeats within the file by remembering
     * their keys, at most this many (0: two million, 64 MiB); past that the
     * file goes through the staging table. */
    size_t remember_events;
    size_t progress_every;
    /* Input from memory instead of `path` (which then only names it in
     * reports): `data_len` bytes of JSON Lines (format must be auto or
     * jsonl), not copied, kept by the caller until tend_ingest_close. */
    const char *data;
    size_t data_len;
    /* Called for each rejected record instead of writing it to `report`:
     * its line and the reason ("field 'at': ..."). */
    void (*reject)(void *ud, long line, const char *reason);
    void *reject_ud;
    /* Called inside the ingest's transaction after the rows are stored,
     * before COMMIT, with the stats as they will be returned; what it
     * writes commits with the rows, and a failure rolls everything back. */
    tend_status (*before_commit)(void *ud, PGconn *c, const tend_ingest_stats *st, tend_error *err);
    void *commit_ud;
} tend_ingest_opts;

const char *tend_ingest_kind_name(tend_ingest_kind k);
/* "accounts", "events", "metrics" -> kind; returns 0 on success. */
int tend_ingest_kind_parse(const char *s, tend_ingest_kind *out);

/* Opens the input first (TEND_EIO when it cannot be opened; TEND_EINPUT
 * for a CSV file without a header), so a wrong path is reported before any
 * database work. */
typedef struct tend_ingest tend_ingest;
tend_status tend_ingest_open(tend_ingest **out, const tend_ingest_opts *o, tend_error *err);

/* Stores what the input holds through connection c, all in one
 * transaction. TEND_OK also when records were rejected (see stats);
 * TEND_EDB when a statement fails (nothing is stored); TEND_EIO when the
 * input cannot be read to its end (nothing is stored). */
tend_status tend_ingest_run(tend_ingest *in, PGconn *c, tend_ingest_stats *st, tend_error *err);

void tend_ingest_close(tend_ingest *in);

#endif
