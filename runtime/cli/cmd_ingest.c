/* tend ingest accounts|events|metrics FILE|-: input files into the database
 * (DESIGN "Data contract", "Persistence"). The work is in store/ingest.c;
 * this file parses the command line and says what happened. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/db.h"
#include "store/ingest.h"

const char tend_help_ingest[] =
    "usage: tend ingest accounts|events|metrics FILE [--tenant T] [--input-format F]\n"
    "                  [--first-load-keys N]\n"
    "\n"
    "Loads accounts, events or daily metrics into the database. FILE holds JSON\n"
    "Lines or CSV with a header row, the same fields as `tend eval` reads (DESIGN's\n"
    "data contract); '-' reads standard input. Every record is checked by the same\n"
    "code as in `tend eval`: a malformed one is reported as FILE:LINE: reason on\n"
    "stderr and skipped, and the rest goes in. The valid records are copied into a\n"
    "temporary table, then stored in one transaction: all of them, or, when the\n"
    "database fails, none. A first load (the tenant has no rows of that kind yet)\n"
    "of a regular file is copied straight into the table, as `psql \\copy` would.\n"
    "\n"
    "  accounts  upserted by (tenant, id): a record that differs from the stored\n"
    "            account replaces it (and moves updated_at); fields outside the\n"
    "            contract are kept in attrs. The tenant is the record's `tenant`\n"
    "            field, else --tenant.\n"
    "  events    appended, unless already stored: the same `id`, or, for events\n"
    "            without one, the same account_id, type, at, user and data.\n"
    "            Fields outside the contract are kept in data.\n"
    "  metrics   one row per (tenant, account_id, date) holding the numeric\n"
    "            fields; a record that differs replaces the stored row.\n"
    "\n"
    "Loading the same input again changes nothing. Within one input, a later\n"
    "account or metrics record with the same key replaces an earlier one; an\n"
    "event repeated (by the keys above) is stored once, the first. Events and metrics may\n"
    "arrive before their account: they are kept (nothing checks that the account\n"
    "exists). Times are stored as UTC; the contract's dates and metric dates as\n"
    "calendar days in UTC.\n"
    "\n"
    "  --tenant T          the tenant (default \"default\"), created if missing\n"
    "  --input-format F    auto (by extension: .csv is CSV), jsonl or csv\n"
    "  --first-load-keys N a first load of events drops repeats within the file by\n"
    "                      remembering up to N keys (32 bytes each; default\n"
    "                      2097152); a longer file goes through the temporary table\n"
    "\n"
    "Prints one summary line on stderr, e.g.\n"
    "  tend ingest events: 1000 read, 990 stored, 8 unchanged/duplicate, 2 rejected\n"
    "(stored: new or changed rows; unchanged/duplicate: valid records already\n"
    "stored, or repeated in the input).\n"
    "\n"
    "The database: TEND_DATABASE_URL, else the embedded cluster under $TEND_HOME\n"
    "(see 'tend help db'; 'tend db up' starts it and applies the schema).\n"
    "\n"
    "Exit: 0 every record stored or already there; 1 some records rejected, or\n"
    "the input could not be read to its end (then nothing is stored); 2 usage,\n"
    "or FILE cannot be opened; 3 the database schema is not up to date (run\n"
    "'tend db migrate'); 4 the database cannot be reached or a statement fails\n"
    "(nothing is stored).\n";

static void progress(void *ud, size_t read) {
    fprintf(stderr, "\rtend ingest %s: %zu read", (const char *)ud, read);
    fflush(stderr);
}

int tend_cmd_ingest(int argc, char **argv) {
    static const struct option longopts[] = {
        {"tenant", required_argument, NULL, 't'},
        {"input-format", required_argument, NULL, 'i'},
        {"first-load-keys", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    tend_ingest_opts o = {.format = TEND_FMT_AUTO, .tenant = "default", .report = stderr};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!*optarg) return tend_usage_error("ingest", "--tenant must not be empty");
            o.tenant = optarg;
            break;
        case 'i':
            if (tend_format_parse(optarg, &o.format) != TEND_OK)
                return tend_usage_error("ingest", "--input-format must be auto, jsonl or csv, not '%s'", optarg);
            break;
        case 'k': {
            char *end;
            long long n = strtoll(optarg, &end, 10);
            if (*end || n < 1) return tend_usage_error("ingest", "--first-load-keys must be a positive number, not '%s'", optarg);
            o.remember_events = (size_t)n;
            break;
        }
        case 'h': return tend_cmd_help(2, (char *[]){"help", "ingest", NULL});
        default: return tend_usage_error("ingest", "unknown option");
        }
    }
    if (optind >= argc) return tend_usage_error("ingest", "expected what to load: accounts, events or metrics");
    if (tend_ingest_kind_parse(argv[optind], &o.kind))
        return tend_usage_error("ingest", "unknown kind '%s' (expected accounts, events or metrics)", argv[optind]);
    if (optind + 1 >= argc) return tend_usage_error("ingest", "expected FILE ('-' reads standard input)");
    if (optind + 2 < argc) return tend_usage_error("ingest", "unexpected argument '%s'", argv[optind + 2]);
    o.path = argv[optind + 1];
    const char *kind = tend_ingest_kind_name(o.kind);
    if (isatty(STDERR_FILENO)) {
        o.progress = progress;
        o.progress_ud = (void *)kind;
        o.progress_every = 100000;
    }

    tend_error err;
    tend_ingest *in = NULL;
    PGconn *conn = NULL;
    tend_ingest_stats st = {0};
    int code;
    tend_status s = tend_ingest_open(&in, &o, &err);
    if (s != TEND_OK) {
        fprintf(stderr, "tend ingest %s: %s\n", kind, err.msg);
        return s == TEND_EIO ? 2 : 1;
    }
    if ((s = tend_db_open(&conn, &err)) == TEND_OK) s = tend_ingest_run(in, conn, &st, &err);
    if (o.progress && st.read >= o.progress_every) fputs("\r\033[K", stderr);
    if (s != TEND_OK) {
        fprintf(stderr, "tend ingest %s: %s\n", kind, err.msg);
        code = s == TEND_EPLAYBOOK ? 3 : s == TEND_EDB || s == TEND_ERUNTIME ? 4 : 1;
    } else {
        fprintf(stderr, "tend ingest %s: %zu read, %zu stored, %zu unchanged/duplicate, %zu rejected\n", kind, st.read,
                st.stored, st.unchanged, st.rejected);
        code = st.rejected ? 1 : 0;
    }
    PQfinish(conn);
    tend_ingest_close(in);
    return code;
}
