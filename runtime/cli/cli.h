/* The command table and the option helpers every subcommand shares. Each
 * subcommand lives in its own cmd_<name>.c and returns an exit code
 * (DESIGN "CLI": 0 ok, 1 some accounts failed or were rejected, 2 usage,
 * 3 configuration/playbook, 4 database unavailable). */
#ifndef TEND_CLI_H
#define TEND_CLI_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `tend help` */
    const char *help;    /* the whole text of `tend help <name>` */
} tend_command;

extern const tend_command tend_commands[];
const tend_command *tend_command_find(const char *name);

int tend_cmd_eval(int argc, char **argv);
int tend_cmd_check(int argc, char **argv);
int tend_cmd_test(int argc, char **argv);
int tend_cmd_db(int argc, char **argv);
int tend_cmd_ingest(int argc, char **argv);
int tend_cmd_run(int argc, char **argv);
int tend_cmd_explain(int argc, char **argv);
int tend_cmd_status(int argc, char **argv);
int tend_cmd_deliver(int argc, char **argv);
int tend_cmd_outbox(int argc, char **argv);
int tend_cmd_connectors(int argc, char **argv);
int tend_cmd_cron(int argc, char **argv);
int tend_cmd_endpoint(int argc, char **argv);
int tend_cmd_serve(int argc, char **argv);
int tend_cmd_help(int argc, char **argv);

/* Each command's help text lives beside it: tend_help_<name> in its
 * cmd_<name>.c, named in the command table (cmd_help.c). */
extern const char tend_help_eval[], tend_help_check[], tend_help_test[], tend_help_db[];
extern const char tend_help_ingest[], tend_help_run[], tend_help_explain[], tend_help_status[];
extern const char tend_help_deliver[], tend_help_outbox[], tend_help_cron[], tend_help_connectors[],
    tend_help_endpoint[], tend_help_serve[];

/* Prints "tend <cmd>: message" and a hint to stderr; returns 2. */
int tend_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "64M", "512K", "1G" or bytes. Returns 0 on success. */
int tend_parse_size(const char *s, size_t *out);
/* A positive number. Returns 0 on success. */
int tend_parse_positive(const char *s, double *out);

#endif
