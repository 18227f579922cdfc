/* tend check: load and validate a playbook without any data. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "eval/playbook.h"

const char tend_help_check[] =
    "usage: tend check DIR\n"
    "\n"
    "Loads the playbook in DIR in the sandbox and validates every declaration:\n"
    "unknown keys, scorecard weights that do not sum to 1, bands not in descending\n"
    "order, duplicate names, no fallback segment, actions of unknown kind, rules\n"
    "naming undeclared segments or stages. Every problem is printed as\n"
    "file:line: message. On success prints the playbook digest and what it declares.\n"
    "\n"
    "Exit: 0 valid; 3 problems found; 2 usage.\n";

int tend_cmd_check(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return tend_cmd_help(2, (char *[]){"help", "check", NULL});
    if (argc != 2) return tend_usage_error("check", "expected one playbook folder");
    tend_playbook_opts po = {0};
    tend_playbook *pb;
    tend_buf problems = {0};
    tend_error err;
    tend_status st = tend_playbook_open(argv[1], &po, &pb, &problems, &err);
    int code = 0;
    if (st != TEND_OK) {
        if (problems.len) fputs(tend_buf_cstr(&problems), stderr);
        fprintf(stderr, "tend check: %s\n", err.msg);
        code = tend_exit_code(st == TEND_EPLAYBOOK ? TEND_EPLAYBOOK : st);
    } else {
        printf("%s: ok (%s)\n%s", argv[1], tend_playbook_digest(pb), tend_playbook_summary(pb));
        tend_playbook_close(pb);
    }
    tend_buf_free(&problems);
    return code;
}
