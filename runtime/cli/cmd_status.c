/* tend status: being built (issue 4). */
#include <stdio.h>

#include "cli/cli.h"

const char tend_help_status[] = "usage: tend status\n\nNot available yet in this build.\n";

int tend_cmd_status(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "tend status: not available yet in this build\n");
    return 2;
}
