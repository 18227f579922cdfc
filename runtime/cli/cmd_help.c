/* tend help [COMMAND]: the command table. Each command's help text is
 * tend_help_<name> in its own cmd_<name>.c; a new command adds its row here
 * (tests/cli/help checks that every row has help). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const tend_command tend_commands[] = {
    {"eval", tend_cmd_eval, "evaluate accounts against a playbook (stateless: files in, JSON Lines out)",
     tend_help_eval},
    {"check", tend_cmd_check, "load and validate a playbook without data", tend_help_check},
    {"test", tend_cmd_test, "run busted specs with the host API loaded", tend_help_test},
    {"db", tend_cmd_db, "the database: start/stop the embedded PostgreSQL, migrate, status", tend_help_db},
    {"ingest", tend_cmd_ingest, "load accounts, events or metrics into the database (JSON Lines or CSV)",
     tend_help_ingest},
    {"run", tend_cmd_run, "run a job once, e.g. the nightly evaluation (idempotent per occurrence)", tend_help_run},
    {"explain", tend_cmd_explain, "an account's latest decision, its trace in plain words, what changed",
     tend_help_explain},
    {"status", tend_cmd_status, "the latest run's summary and the at-risk list", tend_help_status},
    {"deliver", tend_cmd_deliver, "send the outbox through its connectors (once, for cron)", tend_help_deliver},
    {"outbox", tend_cmd_outbox, "inspect and replay notifications: list, show, dead, retry, enable",
     tend_help_outbox},
    {"connectors", tend_cmd_connectors, "the connector types known: built-ins and plugins, their ABI, from where",
     tend_help_connectors},
    {"cron", tend_cmd_cron, "a cron expression's next occurrences in a time zone", tend_help_cron},
    {"serve", tend_cmd_serve, "the long-running process: schedules, events within a second, delivery",
     tend_help_serve},
    {"endpoint", tend_cmd_endpoint, "serve the HTTP endpoint alone: ingest, health, metrics", tend_help_endpoint},
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
    int w = 0;
    for (const tend_command *c = tend_commands; c->name; c++)
        if ((int)strlen(c->name) > w) w = (int)strlen(c->name);
    for (const tend_command *c = tend_commands; c->name; c++) printf("  %-*s  %s\n", w, c->name, c->summary);
    printf("\n'tend help <command>' shows a command's options. 'tend --version' prints the version.\n"
           "Exit codes: 0 ok, 1 some accounts failed, 2 usage error, 3 configuration/playbook\n"
           "error, 4 database unavailable.\n");
    return 0;
}
