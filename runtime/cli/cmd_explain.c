/* tend explain: being built (issue 4). */
#include <stdio.h>

#include "cli/cli.h"

const char tend_help_explain[] = "usage: tend explain ACCOUNT [--run ID] [--format text|json]\n\nNot available yet in this build.\n";

int tend_cmd_explain(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "tend explain: not available yet in this build\n");
    return 2;
}
