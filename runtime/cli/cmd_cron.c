/* tend cron next: a schedule's next occurrences in its time zone, as the
 * scheduler will compute them (sched/cron.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cron.h"
#include "base/isotime.h"
#include "cli/cli.h"

#define COUNT_MAX 10000

const char tend_help_cron[] =
    "usage: tend cron next EXPR [--tz ZONE] [--from TIME] [--count N]\n"
    "\n"
    "Prints the next N occurrences of a schedule's cron expression, one ISO-8601\n"
    "local time with its UTC offset per line (2026-11-01T03:30:00-03:00), exactly\n"
    "as the scheduler computes them.\n"
    "\n"
    "EXPR has five fields, minute hour day-of-month month day-of-week, each a\n"
    "list of values, ranges A-B and steps (*/15, 1-5/2); months and weekdays may\n"
    "be named (jan-dec, sun-sat); 0 and 7 are Sunday. When both day fields are\n"
    "restricted a day matching either runs (\"0 9 1 * mon\": the 1st and every\n"
    "Monday); when one starts with '*' both must match. Or one of @hourly,\n"
    "@daily, @weekly, @monthly, @yearly.\n"
    "\n"
    "  --tz ZONE      an IANA time zone such as America/Sao_Paulo, read from the\n"
    "                 system's tzdata (default UTC)\n"
    "  --from TIME    list occurrences strictly after this ISO-8601 time (default:\n"
    "                 now); without an offset it is UTC\n"
    "  --count N      how many (default 5, at most 10000)\n"
    "\n"
    "Daylight saving: a time the clocks skip runs once, shifted forward by the gap\n"
    "(02:30 on a spring-forward night runs at 03:30); a time the clocks repeat runs\n"
    "once, at its first occurrence.\n"
    "\n"
    "Exit: 0 printed; 2 usage; 3 a bad expression (the message names the field and\n"
    "what it expected) or an unknown time zone.\n";

static int cron_next(int argc, char **argv) {
    static const struct option opts[] = {
        {"tz", required_argument, NULL, 'z'},
        {"from", required_argument, NULL, 'f'},
        {"count", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *zone_name = NULL, *expr = NULL;
    int64_t from = (int64_t)time(NULL);
    long count = 5;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'z': zone_name = optarg; break;
        case 'f':
            if (tend_time_parse(optarg, strlen(optarg), &from))
                return tend_usage_error("cron", "--from: '%s' is not an ISO-8601 time", optarg);
            break;
        case 'n': {
            char *end;
            count = strtol(optarg, &end, 10);
            if (end == optarg || *end || count < 1 || count > COUNT_MAX)
                return tend_usage_error("cron", "--count: '%s' is not a number from 1 to %d", optarg, COUNT_MAX);
            break;
        }
        case 'h': fputs(tend_help_cron, stdout); return 0;
        default: return tend_usage_error("cron", "unknown option");
        }
    }
    if (optind < argc) expr = argv[optind++]; /* getopt moved it after the options */
    if (!expr) return tend_usage_error("cron", "next: expected a cron expression, e.g. \"0 2 * * *\"");
    if (optind < argc) return tend_usage_error("cron", "next: unexpected argument '%s' (quote the expression)",
                                              argv[optind]);

    tend_error err = {0};
    tend_cron *cron = NULL;
    tend_zone *zone = NULL;
    tend_status st = tend_cron_parse(expr, &cron, &err);
    if (!st) st = tend_zone_load(zone_name, &zone, &err);
    for (long i = 0; !st && i < count; i++) {
        char when[TEND_ZONE_TIME_MAX];
        if ((st = tend_cron_next(cron, zone, from, &from, &err))) break;
        tend_zone_format(zone, from, when);
        printf("%s\n", when);
    }
    tend_cron_free(cron);
    tend_zone_free(zone);
    if (st) {
        fprintf(stderr, "tend cron: %s\n", err.msg);
        return tend_exit_code(st);
    }
    return 0;
}

int tend_cmd_cron(int argc, char **argv) {
    if (argc < 2) return tend_usage_error("cron", "expected a subcommand: next");
    if (!strcmp(argv[1], "next")) return cron_next(argc - 1, argv + 1);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(tend_help_cron, stdout);
        return 0;
    }
    return tend_usage_error("cron", "unknown subcommand '%s' (expected next)", argv[1]);
}
