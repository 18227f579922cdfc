/* tend ingest: being built (issue 4). */
#include <stdio.h>

#include "cli/cli.h"

const char tend_help_ingest[] = "usage: tend ingest accounts|events|metrics FILE|-\n\nNot available yet in this build.\n";

int tend_cmd_ingest(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "tend ingest: not available yet in this build\n");
    return 2;
}
