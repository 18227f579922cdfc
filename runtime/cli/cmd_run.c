/* tend run: being built (issue 4). */
#include <stdio.h>

#include "cli/cli.h"

const char tend_help_run[] = "usage: tend run nightly [options]\n\nNot available yet in this build.\n";

int tend_cmd_run(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "tend run: not available yet in this build\n");
    return 2;
}
