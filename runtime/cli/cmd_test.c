/* placeholder replaced below */
#include "cli/cli.h"
int tend_cmd_test(int argc, char **argv) { (void)argc; (void)argv; return 2; }
