/* tend help [COMMAND]: the command table and every command's help text. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const tend_command tend_commands[] = {
    {"eval", tend_cmd_eval, "evaluate accounts against a playbook (stateless: files in, JSON Lines out)",
     "usage: tend eval --playbook DIR --accounts FILE [options]\n"
     "\n"
     "Evaluates every account in FILE against the playbook in DIR and prints one\n"
     "JSON object per account per line, in input order (DESIGN's result object:\n"
     "segment, touch, stages, scorecards, health, flags, actions, trace, errors).\n"
     "Nothing is sent: actions are intents, each with a dedupe key. An email\n"
     "intent carries the message it will send, rendered in its locale (address,\n"
     "subject, text), or in `error` why it cannot be sent (a placeholder with no\n"
     "value, no address); a notify intent carries its text.\n"
     "\n"
     "  --playbook DIR        the playbook folder (*.lua loaded in name order)\n"
     "  --accounts FILE       accounts as JSON Lines or CSV; '-' reads standard input\n"
     "  --events FILE         events (account_id, type, at, user, data)\n"
     "  --metrics FILE        daily metrics (account_id, date, numeric fields)\n"
     "  --now TIME            evaluate as of this ISO-8601 time or date (default: now);\n"
     "                        fix it for reproducible, byte-identical output\n"
     "  --format F            jsonl (default: one result per line), table (a row per\n"
     "                        account) or summary (per segment, stage and band; who\n"
     "                        is flagged and why; what would be sent)\n"
     "  --jobs N              evaluate with N Lua states on N threads (output order\n"
     "                        is still the input order)\n"
     "  --input-format F      auto (by extension: .csv is CSV), jsonl or csv\n"
     "  --mem-limit SIZE      memory cap per Lua state (default 64M)\n"
     "  --eval-timeout MS     time budget per account, and for loading (default 5000)\n"
     "\n"
     "A malformed input line is reported as FILE:LINE: reason on stderr and skipped.\n"
     "An account whose evaluation fails still gets a line, with `errors` filled.\n"
     "\n"
     "Exit: 0 all evaluated; 1 some lines rejected or accounts failed; 2 usage;\n"
     "3 the playbook does not load or validate.\n"},
    {"check", tend_cmd_check, "load and validate a playbook without data",
     "usage: tend check DIR\n"
     "\n"
     "Loads the playbook in DIR in the sandbox and validates every declaration:\n"
     "unknown keys, scorecard weights that do not sum to 1, bands not in descending\n"
     "order, duplicate names, no fallback segment, actions of unknown kind, rules\n"
     "naming undeclared segments or stages. Every problem is printed as\n"
     "file:line: message. On success prints the playbook digest and what it declares.\n"
     "\n"
     "Exit: 0 valid; 3 problems found; 2 usage.\n"},
    {"test", tend_cmd_test, "run busted specs with the host API loaded",
     "usage: tend test [--playbook DIR] [busted options] [PATH...]\n"
     "\n"
     "Runs busted specs in a trusted harness state. A spec can `require \"tend\"` and\n"
     "call tend.evaluate(account, {events = {...}, metrics = {...}, now = \"...\"}) to\n"
     "get the result object from the playbook, which runs in its own sandboxed state\n"
     "through the same path as `tend eval` (a spec never shares a state with it).\n"
     "\n"
     "PATH is a playbook folder (its spec/ folder is run against it), a spec folder\n"
     "or a spec file; default: the current folder. --playbook sets the playbook when\n"
     "PATH is not one. Other options pass to busted: -o TAP, -o json, --filter, ...\n"
     "\n"
     "Also in the spec API: tend.playbook(DIR) opens another playbook,\n"
     "tend.check(DIR) returns ok, problems; tend.json encodes and decodes.\n"
     "\n"
     "Exit: 0 all specs pass; 1 any failure or error; 3 the playbook does not load.\n"},
    {"db", tend_cmd_db, "the database: start/stop the embedded PostgreSQL, migrate, status",
     "usage: tend db up|down|migrate|status\n"
     "\n"
     "The PostgreSQL database behind nightly runs, the outbox and explain.\n"
     "With TEND_DATABASE_URL set (postgresql://user:password@host:port/db, or\n"
     "key=value pairs) tend uses that server, any PostgreSQL 13+. Without it tend\n"
     "manages a private cluster under $TEND_HOME/pg (default .tend/pg in the current\n"
     "folder), reachable only through a Unix socket in its data folder, never over\n"
     "TCP; as root the server runs as user postgres.\n"
     "\n"
     "  up       create the embedded cluster (initdb, the first time), start it,\n"
     "           create the tend database and apply pending migrations; running it\n"
     "           again is fine. With TEND_DATABASE_URL set: only the migrations.\n"
     "  down     stop the embedded cluster (fast shutdown: clients are disconnected)\n"
     "  migrate  apply pending migrations, all in one transaction under an advisory\n"
     "           lock (concurrent runs are safe); a no-op when up to date\n"
     "  status   where tend connects, whether the server answers, the schema\n"
     "           version and the pending migrations\n"
     "\n"
     "Migrations are built into tend and recorded in schema_migrations with their\n"
     "checksum; a migration whose text changed after it was applied is an error.\n"
     "\n"
     "Environment:\n"
     "  TEND_DATABASE_URL  the server to use instead of the embedded cluster\n"
     "  TEND_HOME          where the embedded cluster lives (it holds pg/: data/,\n"
     "                     server.log); default .tend\n"
     "  TEND_PG_BINDIR     the folder of initdb and pg_ctl (default: pg_config\n"
     "                     --bindir, then /usr/lib/postgresql/*/bin, then PATH)\n"
     "\n"
     "Exit: 0 ok; 2 usage; 3 an applied migration differs from this tend's, or the\n"
     "database was migrated by a newer tend; 4 the database cannot be reached or\n"
     "started.\n"},
    {"ingest", tend_cmd_ingest, "load accounts, events or metrics into the database (JSON Lines or CSV)",
     tend_help_ingest},
    {"run", tend_cmd_run, "run a job once, e.g. the nightly evaluation (idempotent per occurrence)", tend_help_run},
    {"explain", tend_cmd_explain, "an account's latest decision, its trace in plain words, what changed",
     tend_help_explain},
    {"status", tend_cmd_status, "the latest run's summary and the at-risk list", tend_help_status},
    {"deliver", tend_cmd_deliver, "send the outbox through its connectors (once, for cron)", tend_help_deliver},
    {"outbox", tend_cmd_outbox, "inspect and replay notifications: list, show, dead, retry, enable",
     tend_help_outbox},
    {"cron", tend_cmd_cron, "a cron expression's next occurrences in a time zone", tend_help_cron},
    {"serve", tend_cmd_serve, "the long-running process: schedules, events within a second, delivery",
     tend_help_serve},
    {"help", tend_cmd_help, "show help for a command",
     "usage: tend help [COMMAND]\n\nLists the commands, or shows one command's help.\n"},
    {NULL, NULL, NULL, NULL},
};

const tend_command *tend_command_find(const char *name) {
    for (const tend_command *c = tend_commands; c->name; c++)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

int tend_cmd_help(int argc, char **argv) {
    if (argc >= 2) {
        const tend_command *c = tend_command_find(argv[1]);
        if (!c) {
            fprintf(stderr, "tend help: unknown command '%s'\n", argv[1]);
            return 2;
        }
        fputs(c->help, stdout);
        return 0;
    }
    printf("tend %s: a scriptable rules runtime for customer success operations\n\n"
           "usage: tend <command> [options]\n\ncommands:\n",
           TEND_VERSION);
    for (const tend_command *c = tend_commands; c->name; c++) printf("  %-8s %s\n", c->name, c->summary);
    printf("\n'tend help <command>' shows a command's options. 'tend --version' prints the version.\n"
           "Exit codes: 0 ok, 1 some accounts failed, 2 usage error, 3 configuration/playbook\n"
           "error, 4 database unavailable.\n");
    return 0;
}
