/* tend outbox: inspect and replay notifications (list, show, dead,
 * retry, enable). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "notify/message.h"
#include "notify/outbox.h"
#include "store/db.h"

const char tend_help_outbox[] =
    "usage: tend outbox list [--status S] [--tenant T] [--limit N]\n"
    "       tend outbox show ID\n"
    "       tend outbox dead [--tenant T] [--limit N]\n"
    "       tend outbox retry ID... [--force] | --dead [--tenant T]\n"
    "       tend outbox enable CONNECTOR\n"
    "\n"
    "The notifications nightly runs queued and what became of them.\n"
    "\n"
    "  list     the newest rows first: id, status, attempts, kind, connector, when\n"
    "           the next attempt is due, key and the last error. --status pending,\n"
    "           sending (leased right now), held (by a disabled connector), quiet\n"
    "           (waiting for the end of quiet hours), sent, dead or capped (over a\n"
    "           cap of the send policy: never sent); quiet and capped rows show\n"
    "           the policy's reason\n"
    "  show     one row: its message id (the webhook-id), payload, and every\n"
    "           attempt with its connector, HTTP status, latency, error and an\n"
    "           excerpt of the answer\n"
    "  dead     the dead-letter queue: rows whose last attempt failed\n"
    "  retry    replay: the rows get a new round of attempts on their connector's\n"
    "           schedule, due now, with the same message id (a receiver that\n"
    "           dedupes by webhook-id still sees each once). --dead: every dead\n"
    "           row. A sent row is only replayed with --force; a capped one goes\n"
    "           back before the send policy (sent if its windows have room)\n"
    "  enable   re-enable a connector disabled by a 410 Gone; its held rows are\n"
    "           due again\n"
    "\n"
    "  --tenant T    only this tenant (default: every tenant)\n"
    "  --limit N     rows to list (default 50)\n"
    "\n"
    "Exit: 0 ok; 1 no such row (or a row not replayed); 2 usage; 3 schema;\n"
    "4 database unavailable.\n";

static int fail_db(const char *what, const tend_error *err, tend_status st) {
    fprintf(stderr, "tend outbox %s: %s\n", what, err->msg);
    return tend_exit_code(st);
}

static void cut(const char *s, int width, char *out) {
    int n = (int)strlen(s);
    if (n <= width) {
        strcpy(out, s);
        return;
    }
    memcpy(out, s, (size_t)(width - 3));
    strcpy(out + width - 3, "...");
}

static void print_rows(PGresult *r) {
    int n = PQntuples(r);
    if (n == 0) {
        printf("(no rows)\n");
        return;
    }
    printf("%-8s %-10s %-8s %-8s %-10s %-20s %-42s %s\n", "ID", "TENANT", "STATUS", "ATTEMPTS", "CONNECTOR",
           "NEXT ATTEMPT", "KEY", "LAST ERROR");
    for (int i = 0; i < n; i++) {
        char tenant[16], key[64], error[64], conn[16], attempts[16];
        cut(PQgetvalue(r, i, 1), 10, tenant);
        cut(PQgetvalue(r, i, 6), 42, key);
        cut(PQgetvalue(r, i, 7), 60, error);
        cut(PQgetisnull(r, i, 4) ? "-" : PQgetvalue(r, i, 4), 10, conn);
        snprintf(attempts, sizeof attempts, "%s/%s", PQgetvalue(r, i, 3), PQgetvalue(r, i, 8));
        printf("%-8s %-10s %-8s %-8s %-10s %-20s %-42s %s\n", PQgetvalue(r, i, 0), tenant, PQgetvalue(r, i, 2),
               attempts, conn, PQgetvalue(r, i, 5), key, error);
    }
}

static int cmd_list(PGconn *c, const char *status, const char *tenant, const char *limit, int dead) {
    const char *p[3] = {dead ? "dead" : status, tenant, limit};
    PGresult *r;
    tend_error err;
    tend_status st = tend_outbox_list(c, p[0], p[1], p[2], &r, &err);
    if (st != TEND_OK) return fail_db(dead ? "dead" : "list", &err, st);
    print_rows(r);
    PQclear(r);
    return 0;
}

static int cmd_show(PGconn *c, const char *id) {
    PGresult *r, *d;
    tend_error err;
    tend_status st = tend_outbox_show(c, id, &r, &err);
    if (st != TEND_OK) return fail_db("show", &err, st);
    if (PQntuples(r) == 0) {
        PQclear(r);
        fprintf(stderr, "tend outbox show: no outbox row %s\n", id);
        return 1;
    }
    char msg_id[TEND_MESSAGE_ID_SIZE];
    tend_message_id(PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 9), msg_id);
    const char *state = PQgetvalue(r, 0, 3);
    int attempts = atoi(PQgetvalue(r, 0, 4)), round = atoi(PQgetvalue(r, 0, 5)), maxa = atoi(PQgetvalue(r, 0, 6));
    printf("outbox %s: %s %s for account %s (tenant %s", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 7),
           PQgetvalue(r, 0, 9), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 1));
    if (!PQgetisnull(r, 0, 18)) printf(", run %s", PQgetvalue(r, 0, 18));
    printf(")\n");
    printf("  status      %s", state);
    if (!strcmp(state, "sent")) printf(" at %s", PQgetvalue(r, 0, 12));
    else if (!strcmp(state, "pending")) printf(", next attempt at %s", PQgetvalue(r, 0, 11));
    else if (!strcmp(state, "held")) printf(" until connector %s is enabled (tend outbox enable %s)",
                                            PQgetvalue(r, 0, 14), PQgetvalue(r, 0, 14));
    else if (!strcmp(state, "sending")) printf(" by %s, lease until %s", PQgetvalue(r, 0, 15), PQgetvalue(r, 0, 16));
    else if (!strcmp(state, "quiet")) printf(": held until %s by the send policy", PQgetvalue(r, 0, 20));
    else if (!strcmp(state, "capped")) printf(" by the send policy: never sent (retry puts it back before the policy)");
    printf("\n  attempts    %d of %d in this round", attempts - round, maxa - round);
    if (round) printf(" (%d before the last replay)", round);
    printf("\n  message id  %s (webhook-id, the same on every attempt)\n", msg_id);
    printf("  connector   %s\n", PQgetisnull(r, 0, 8) ? "(routed by kind)" : PQgetvalue(r, 0, 8));
    printf("  queued      %s\n", PQgetvalue(r, 0, 10));
    if (!PQgetisnull(r, 0, 13)) printf("  last error  %s\n", PQgetvalue(r, 0, 13));
    if (!PQgetisnull(r, 0, 19)) printf("  policy      %s\n", PQgetvalue(r, 0, 19));
    if (!PQgetisnull(r, 0, 21)) printf("  contact     %s\n", PQgetvalue(r, 0, 21));
    printf("  payload     ");
    for (const char *s = PQgetvalue(r, 0, 17); *s; s++) {
        putchar(*s);
        if (*s == '\n') fputs("              ", stdout);
    }
    putchar('\n');
    st = tend_outbox_attempts(c, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 0), &d, &err);
    PQclear(r);
    if (st != TEND_OK) return fail_db("show", &err, st);
    printf("attempts:\n");
    if (PQntuples(d) == 0) printf("  (none yet)\n");
    for (int i = 0; i < PQntuples(d); i++) {
        printf("  #%-3s %s  %-10s %-10s HTTP %-4s %-9s %s\n", PQgetvalue(d, i, 0), PQgetvalue(d, i, 1),
               PQgetvalue(d, i, 2), PQgetvalue(d, i, 3), PQgetvalue(d, i, 4), PQgetvalue(d, i, 5),
               PQgetvalue(d, i, 6));
        const char *resp = PQgetvalue(d, i, 7);
        if (*resp) {
            char line[160];
            size_t n = strcspn(resp, "\n");
            snprintf(line, sizeof line, "%.*s%s", (int)(n < 120 ? n : 120), resp, n > 120 || resp[n] ? " ..." : "");
            printf("       answer: %s\n", line);
        }
    }
    PQclear(d);
    return 0;
}

static int parse_id(const char *s, long long *id) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v <= 0) return -1;
    *id = v;
    return 0;
}

int tend_cmd_outbox(int argc, char **argv) {
    static const struct option longopts[] = {
        {"status", required_argument, NULL, 's'}, {"tenant", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'n'},  {"force", no_argument, NULL, 'f'},
        {"dead", no_argument, NULL, 'd'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *status = NULL, *tenant = NULL, *limit = "50";
    int force = 0, all_dead = 0, c;
    double v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (strcmp(optarg, "pending") && strcmp(optarg, "sending") && strcmp(optarg, "held") &&
                strcmp(optarg, "quiet") && strcmp(optarg, "sent") && strcmp(optarg, "dead") &&
                strcmp(optarg, "capped"))
                return tend_usage_error("outbox",
                                        "--status must be pending, sending, held, quiet, sent, dead or capped, not '%s'",
                                        optarg);
            status = optarg;
            break;
        case 't': tenant = optarg; break;
        case 'n':
            if (tend_parse_positive(optarg, &v) || v != (int)v)
                return tend_usage_error("outbox", "--limit must be a whole number, not '%s'", optarg);
            limit = optarg;
            break;
        case 'f': force = 1; break;
        case 'd': all_dead = 1; break;
        case 'h': return tend_cmd_help(2, (char *[]){"help", "outbox", NULL});
        default: return tend_usage_error("outbox", "unknown option");
        }
    }
    if (optind >= argc) return tend_usage_error("outbox", "which? list, show ID, dead, retry ID, enable CONNECTOR");
    const char *sub = argv[optind++];
    int nargs = argc - optind;
    long long id = 0;
    if (!strcmp(sub, "list") || !strcmp(sub, "dead")) {
        if (nargs) return tend_usage_error("outbox", "unexpected argument '%s'", argv[optind]);
    } else if (!strcmp(sub, "show")) {
        if (nargs != 1 || parse_id(argv[optind], &id))
            return tend_usage_error("outbox", "show takes one outbox id (a number)");
    } else if (!strcmp(sub, "retry")) {
        if (all_dead && nargs) return tend_usage_error("outbox", "retry takes ids or --dead, not both");
        if (!all_dead && !nargs) return tend_usage_error("outbox", "retry which? give outbox ids, or --dead");
        for (int i = optind; i < argc; i++)
            if (parse_id(argv[i], &id)) return tend_usage_error("outbox", "'%s' is not an outbox id", argv[i]);
    } else if (!strcmp(sub, "enable")) {
        if (nargs != 1) return tend_usage_error("outbox", "enable takes one connector name");
    } else {
        return tend_usage_error("outbox", "unknown subcommand '%s' (list, show, dead, retry, enable)", sub);
    }

    tend_error err;
    PGconn *db;
    tend_status st = tend_db_open(&db, &err);
    if (st != TEND_OK) return fail_db(sub, &err, st);
    int code = 0;
    if (!strcmp(sub, "list")) code = cmd_list(db, status, tenant, limit, 0);
    else if (!strcmp(sub, "dead")) code = cmd_list(db, NULL, tenant, limit, 1);
    else if (!strcmp(sub, "show")) code = cmd_show(db, argv[optind]);
    else if (!strcmp(sub, "enable")) {
        long long n = 0;
        st = tend_outbox_enable(db, argv[optind], &n, &err);
        if (st != TEND_OK) code = fail_db(sub, &err, st);
        else printf("connector %s enabled: %lld held rows are due again\n", argv[optind], n);
    } else if (all_dead) {
        long long n = 0;
        st = tend_outbox_retry_dead(db, tenant, &n, &err);
        if (st != TEND_OK) code = fail_db(sub, &err, st);
        else printf("%lld dead rows are due again (a new round of attempts each)\n", n);
    } else {
        for (int i = optind; i < argc && code != 4; i++) {
            int found = 0;
            parse_id(argv[i], &id);
            st = tend_outbox_retry(db, id, force, &found, &err);
            if (st != TEND_OK) code = fail_db(sub, &err, st);
            else if (found == 1) printf("outbox %lld: due again (a new round of attempts)\n", id);
            else {
                code = 1;
                if (found == 0) fprintf(stderr, "tend outbox retry: no outbox row %lld\n", id);
                else if (found == 2)
                    fprintf(stderr, "tend outbox retry: outbox %lld was sent; --force sends it again\n", id);
                else fprintf(stderr, "tend outbox retry: outbox %lld is being sent right now\n", id);
            }
        }
    }
    PQfinish(db);
    return code;
}
