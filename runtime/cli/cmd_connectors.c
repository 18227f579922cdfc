/* tend connectors list: the connector types this tend knows, from where. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "connectors/registry.h"

const char tend_help_connectors[] =
    "usage: tend connectors list\n"
    "\n"
    "The connector types this tend knows: the built-ins, then the plugins found\n"
    "in the folders (or .so files) of TEND_CONNECTOR_PATH, colon-separated. One\n"
    "line per type: its name (the \"type\" of connectors.json), the connector ABI\n"
    "it speaks, and where it comes from (built-in, or the plugin's file).\n"
    "A plugin that does not load is an error naming its file, as it is for\n"
    "tend deliver: a stray .so in a plugin folder stops delivery, so it is\n"
    "found here first.\n"
    "\n"
    "The host's ABI is in `tend --version`; plugins build against the installed\n"
    "kit: `pkg-config --cflags tend-connector` (include/tend/connector.h).\n"
    "\n"
    "Exit: 0 ok; 2 usage; 3 a plugin that does not load.\n";

int tend_cmd_connectors(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(tend_help_connectors, stdout);
        return 0;
    }
    if (argc != 2 || strcmp(argv[1], "list"))
        return tend_usage_error("connectors", "want 'list'%s%s", argc >= 2 ? ", not " : "", argc >= 2 ? argv[1] : "");
    tend_connector_registry r = {0};
    tend_error err = {0};
    const char *path = getenv("TEND_CONNECTOR_PATH");
    tend_status st = tend_connector_registry_load(&r, path, &err);
    int code = 0;
    if (st != TEND_OK) {
        fprintf(stderr, "tend connectors: %s\n", err.msg);
        code = tend_exit_code(st);
    } else {
        printf("%-16s %-4s %s\n", "TYPE", "ABI", "FROM");
        for (size_t i = 0; i < r.n; i++)
            printf("%-16s %-4d %s\n", r.items[i].type->name, r.items[i].type->abi, r.items[i].origin);
    }
    tend_connector_registry_free(&r);
    return code;
}
