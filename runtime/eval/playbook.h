/* The narrow facade between the engine and Lua (STYLE 2): open a playbook
 * folder into its own sandboxed state, evaluate accounts, close. Nothing
 * outside runtime/lua and this file touches the Lua stack. */
#ifndef TEND_PLAYBOOK_H
#define TEND_PLAYBOOK_H

#include <jansson.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"
#include "data/history.h"

typedef struct {
    size_t mem_limit;       /* bytes per state; default 64 MiB */
    double eval_timeout_ms; /* per account, and for loading; default 5000 */
    const char *stdlib_dir; /* NULL: tend_stdlib_dir() */
} tend_playbook_opts;

#define TEND_DEFAULT_MEM_LIMIT ((size_t)64 << 20)
#define TEND_DEFAULT_EVAL_TIMEOUT_MS 5000.0

typedef struct tend_playbook tend_playbook;

/* Loads every *.lua file of dir in name order (but connectors.lua, the
 * settings of tend deliver) and validates the result.
 * On TEND_EPLAYBOOK, problems holds one "file:line: message" per line. */
tend_status tend_playbook_open(const char *dir, const tend_playbook_opts *o, tend_playbook **out,
                               tend_buf *problems, tend_error *err);

/* Whether dir holds files tend_playbook_open would load (a folder with only
 * connectors.lua does not); 1 when dir cannot be read, so that opening it
 * says why. */
int tend_playbook_has_files(const char *dir);

/* "sha256:<hex>" of the playbook's file names and contents. */
const char *tend_playbook_digest(const tend_playbook *pb);
/* One line per declaration kind, for `tend check`. */
const char *tend_playbook_summary(const tend_playbook *pb);
/* The playbook's send_policy { } as JSON ({"caps": [{"per", "kinds", "max",
 * "within", "within_seconds", "where"}], "quiet_hours": {"from", "to",
 * "timezone", "kinds", "where"}}), or NULL when it declares none. */
const char *tend_playbook_send_policy(const tend_playbook *pb);

/* Evaluates one normalized account (see fields.h) against its history as
 * of now, appending one JSON line (with '\n') to out. A failing account
 * still gets a line, with `errors` filled; the status then says why. */
tend_status tend_playbook_evaluate(tend_playbook *pb, json_t *account, const tend_history *h, int64_t now,
                                   tend_buf *out, tend_error *err);

/* The population pass (facts about the whole account set, DOMAIN S3):
 * whether the playbook declares any; each account's collected values as
 * one JSON array line appended to out; all rows (a JSON array of those
 * arrays) summarized into facts (a JSON object); facts handed to a state,
 * where rules read them as t.facts. */
int tend_playbook_has_population(const tend_playbook *pb);
tend_status tend_playbook_collect(tend_playbook *pb, json_t *account, const tend_history *h, int64_t now,
                                  tend_buf *out, tend_error *err);
tend_status tend_playbook_summarize(tend_playbook *pb, const char *rows, size_t len, tend_buf *facts,
                                    tend_error *err);
tend_status tend_playbook_set_facts(tend_playbook *pb, const char *facts, size_t len, tend_error *err);

void tend_playbook_close(tend_playbook *pb);

#endif
