/* tend: entry point. Dispatches `tend <command>`; every command's work
 * happens in its own file, and nothing below main calls exit(). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "connectors/connector.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        tend_cmd_help(0, NULL);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("tend %s (connector ABI %d)\n", TEND_VERSION, TEND_CONNECTOR_ABI);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) return tend_cmd_help(argc - 1, argv + 1);
    const tend_command *c = tend_command_find(cmd);
    if (!c) {
        fprintf(stderr, "tend: unknown command '%s' (see 'tend help')\n", cmd);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
