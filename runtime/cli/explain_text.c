/* The text of tend explain. Sections in the order a CS person asks: where
 * the account stands, why (flags, rules), what it asked for, what changed. */
#include "cli/explain_text.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "eval/intents.h"
#include "store/changes.h"

#define WHY_BRIEF 100 /* characters of a rule's why when it did not fire */

static const char *str(json_t *obj, const char *key) { return json_string_value(json_object_get(obj, key)); }
static const char *or_dash(const char *s) { return s && *s ? s : "-"; }

/* A number as the result shows it; "-" for null (not known). */
static const char *num(json_t *v, char *buf, size_t cap) {
    if (json_is_integer(v)) snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, cap, "%.10g", json_real_value(v));
    else snprintf(buf, cap, "-");
    return buf;
}

/* A scorecard total: always one decimal, as the summary prints it. */
static const char *total(json_t *v, char *buf, size_t cap) {
    if (json_is_number(v)) snprintf(buf, cap, "%.1f", json_number_value(v));
    else snprintf(buf, cap, "-");
    return buf;
}

void tend_print_clipped(FILE *out, const char *s, size_t max) {
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80) continue; /* continuation byte */
        if (chars == max) break;
        chars++;
    }
    if (!s[i]) {
        fputs(s, out);
        return;
    }
    /* Cut one character earlier to make room for the ellipsis. */
    size_t cut = i;
    do cut--;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80);
    fprintf(out, "%.*s…", (int)cut, s);
}

char *tend_flag_why(json_t *result, const char *flag) {
    tend_buf b = {0};
    size_t i, j;
    json_t *t, *f;
    /* A trace from before rules said which flags they set names none:
     * then every rule that fired may have set it. */
    int named = 0, has = 0;
    json_array_foreach(json_object_get(result, "flags"), i, f) has |= json_is_string(f) && !strcmp(json_string_value(f), flag);
    if (!has) return NULL;
    json_array_foreach(json_object_get(result, "trace"), i, t) named |= json_object_get(t, "flags") != NULL;
    json_array_foreach(json_object_get(result, "trace"), i, t) {
        if (!json_is_true(json_object_get(t, "fired"))) continue;
        int sets = !named;
        json_array_foreach(json_object_get(t, "flags"), j, f) {
            sets |= json_is_string(f) && !strcmp(json_string_value(f), flag);
        }
        if (sets) tend_buf_printf(&b, "%s%s: %s", b.len ? "; " : "", or_dash(str(t, "rule")), or_dash(str(t, "why")));
    }
    if (!b.len) return NULL;
    tend_buf_cstr(&b);
    return b.data;
}

static void print_list(FILE *out, json_t *list, const char *sep, const char *empty) {
    size_t i;
    json_t *v;
    if (!json_array_size(list)) fputs(empty, out);
    json_array_foreach(list, i, v) fprintf(out, "%s%s", i ? sep : "", or_dash(json_string_value(v)));
}

/* "email reengagement to champion, in pt-BR" and the like. */
static void print_intent(FILE *out, const tend_intents *in, json_t *a) {
    const char *kind = or_dash(str(a, "kind"));
    const tend_intent_kind *k = tend_intents_find(in, kind);
    const char *name = k ? str(a, k->name) : NULL;
    if (k && k->quoted) fprintf(out, "%s \"%s\"", kind, or_dash(name));
    else fprintf(out, "%s %s", kind, or_dash(name));
    if (str(a, "to")) fprintf(out, " to %s", str(a, "to"));
    if (str(a, "owner")) fprintf(out, " for %s", str(a, "owner"));
    if (str(a, "due")) fprintf(out, ", due %s", str(a, "due"));
    if (str(a, "locale")) fprintf(out, ", in %s", str(a, "locale"));
}

static void print_delivery(FILE *out, const tend_intents *in, json_t *d) {
    const char *queue = str(d, "queue"), *status = or_dash(str(d, "status")), *kind = or_dash(str(d, "kind"));
    const tend_intent_kind *k = tend_intents_find(in, kind);
    char buf[32];
    if (!queue) {
        if (k && !k->queued && !k->kept_in) fprintf(out, "a %s change: nothing to queue", kind);
        else fprintf(out, "not in the %s (no row with this key)", k && k->kept_in ? k->kept_in : "outbox");
        return;
    }
    json_t *run = json_object_get(d, "run_id");
    fprintf(out, "%s #%s", !strcmp(queue, "tasks") ? "task" : "outbox", num(json_object_get(d, "id"), buf, sizeof buf));
    if (json_is_integer(run)) fprintf(out, " (run %lld)", (long long)json_integer_value(run));
    fprintf(out, ": ");
    if (!strcmp(queue, "tasks")) {
        fputs(status, out);
        if (str(d, "owner")) fprintf(out, ", owner %s", str(d, "owner"));
        if (str(d, "due_at")) fprintf(out, ", due %s", str(d, "due_at"));
        if (str(d, "closed_at")) fprintf(out, ", closed %s", str(d, "closed_at"));
        return;
    }
    json_int_t attempts = json_integer_value(json_object_get(d, "attempts"));
    json_int_t max = json_integer_value(json_object_get(d, "max_attempts"));
    if (!strcmp(status, "sent")) {
        fprintf(out, "sent %s", or_dash(str(d, "sent_at")));
        if (attempts > 1) fprintf(out, " (attempt %lld)", (long long)attempts);
        if (str(d, "held_until")) fprintf(out, ", after quiet hours until %s", str(d, "held_until"));
    } else if (!strcmp(status, "capped")) { /* the send policy's: final */
        fprintf(out, "capped, never sent: %s", or_dash(str(d, "policy_reason")));
        return;
    } else if (!strcmp(status, "pending") && json_is_true(json_object_get(d, "quiet"))) {
        fprintf(out, "held until %s (%s)", or_dash(str(d, "held_until")), or_dash(str(d, "policy_reason")));
        return;
    } else if (!strcmp(status, "dead")) {
        fprintf(out, "gave up after %lld attempt%s", (long long)attempts, attempts == 1 ? "" : "s");
    } else if (!strcmp(status, "pending")) {
        /* next_attempt_at 'infinity' (shown as null): held until released. */
        const char *next = str(d, "next_attempt_at");
        if (attempts == 0) fputs(next ? "waiting to be sent" : "on hold, not sent yet", out);
        else if (next) fprintf(out, "pending, %lld of %lld attempts made, next %s", (long long)attempts, (long long)max,
                               next);
        else fprintf(out, "on hold after %lld of %lld attempts", (long long)attempts, (long long)max);
    } else {
        fputs(status, out);
    }
    if (str(d, "last_error") && strcmp(status, "sent")) {
        fprintf(out, "; last error: ");
        tend_print_clipped(out, str(d, "last_error"), WHY_BRIEF);
    }
}

static void print_header(FILE *out, const char *tenant, const tend_stored_eval *e) {
    json_t *r = e->result;
    fprintf(out, "%s (tenant %s)\n", or_dash(str(r, "account_id")), tenant);
    fprintf(out, "Evaluated %s by run %lld", or_dash(str(r, "evaluated_at")), e->run_id);
    if (*e->schedule) fprintf(out, " (%s %s)", e->schedule, e->occurrence);
    fprintf(out, ", playbook %s\n", or_dash(str(r, "playbook")));
}

static void print_errors(FILE *out, json_t *r) {
    size_t i;
    json_t *e;
    fprintf(out, "\nThe evaluation failed: no decision was made for this account\n");
    json_array_foreach(json_object_get(r, "errors"), i, e) {
        fprintf(out, "  %s: %s\n", or_dash(str(e, "kind")), or_dash(str(e, "message")));
        const char *tb = str(e, "traceback");
        while (tb && *tb) {
            size_t n = strcspn(tb, "\n");
            const char *line = tb;
            while (n && (*line == '\t' || *line == ' ')) line++, n--;
            if (n) fprintf(out, "      %.*s\n", (int)n, line);
            tb = line + n + (line[n] == '\n');
        }
    }
}

static void print_health(FILE *out, json_t *h) {
    char b[32];
    if (!json_is_object(h)) {
        fputs("-", out);
        return;
    }
    fprintf(out, "%s (%s)", num(json_object_get(h, "score"), b, sizeof b), or_dash(str(h, "band")));
}

static void print_standing(FILE *out, json_t *r) {
    char b1[32], b2[32];
    fprintf(out, "\n%-12s %s", "Segment", or_dash(str(r, "segment")));
    if (str(r, "touch")) fprintf(out, " (%s touch)", str(r, "touch"));
    fprintf(out, "\n%-12s ", "Stages");
    print_list(out, json_object_get(r, "stages"), ", ", "none");
    fprintf(out, "\n%-12s ", "Health");
    print_health(out, json_object_get(r, "health"));
    fputc('\n', out);

    json_t *cards = json_object_get(r, "scorecards"), *c, *v;
    const char *name, *dim;
    fprintf(out, "%s\n", json_object_size(cards) ? "Scorecards" : "Scorecards   none");
    json_object_foreach(cards, name, c) {
        fprintf(out, "  %-12s %s %s\n", name, total(json_object_get(c, "total"), b1, sizeof b1),
                or_dash(str(c, "band")));
        size_t i = 0;
        json_object_foreach(json_object_get(c, "dimensions"), dim, v)
            fprintf(out, "%s%s %s", i++ ? " · " : "               ", dim, num(v, b2, sizeof b2));
        if (i) fputc('\n', out);
        json_array_foreach(json_object_get(c, "blockers"), i, v)
            fprintf(out, "               blocked: %s\n", or_dash(json_string_value(v)));
    }

    json_t *flags = json_object_get(r, "flags");
    size_t i;
    fprintf(out, "%s\n", json_array_size(flags) ? "Flags" : "Flags        none");
    json_array_foreach(flags, i, v) {
        const char *flag = or_dash(json_string_value(v));
        char *why = tend_flag_why(r, flag);
        fprintf(out, "  %-20s %s%s\n", flag, why ? "set by " : "", why ? why : "no rule set it in this evaluation");
        free(why);
    }
}

static void print_intents(FILE *out, const tend_intents *in, json_t *r, json_t *delivery) {
    json_t *actions = json_object_get(r, "actions"), *a;
    size_t i;
    size_t n = json_array_size(actions);
    fprintf(out, "\nIntents (%zu)%s\n", n, n ? "" : ": nothing asked for");
    json_array_foreach(actions, i, a) {
        fprintf(out, "  ");
        print_intent(out, in, a);
        if (str(a, "rule")) fprintf(out, " (rule %s)", str(a, "rule"));
        fputc('\n', out);
        /* what goes out, as rendered at evaluation (stdlib/tend/messages.lua) */
        if (str(a, "address")) fprintf(out, "    to %s\n", str(a, "address"));
        if (str(a, "subject")) {
            fprintf(out, "    subject \"");
            tend_print_clipped(out, str(a, "subject"), WHY_BRIEF);
            fprintf(out, "\"\n");
        }
        if (str(a, "text")) {
            fprintf(out, "    \"");
            tend_print_clipped(out, str(a, "text"), WHY_BRIEF);
            fprintf(out, "\"\n");
        }
        if (str(a, "error")) {
            fprintf(out, "    not sendable: ");
            tend_print_clipped(out, str(a, "error"), WHY_BRIEF);
            fputc('\n', out);
        }
        fprintf(out, "    key %s\n    ", or_dash(str(a, "key")));
        print_delivery(out, in, json_array_get(delivery, i));
        fputc('\n', out);
    }
}

static int same_entry(json_t *a, json_t *b) {
    const char *ra = str(a, "rule"), *rb = str(b, "rule"), *wa = str(a, "why"), *wb = str(b, "why");
    return ra && rb && wa && wb && !strcmp(ra, rb) && !strcmp(wa, wb);
}

/* Trace entries that fired (or not); the same rule with the same why in a
 * row (an `on` handler for two events) printed once, with "×N". */
static void print_rules(FILE *out, json_t *r, int fired, const char *title) {
    json_t *trace = json_object_get(r, "trace"), *t;
    size_t i, n = 0, size = json_array_size(trace);
    json_array_foreach(trace, i, t) n += json_is_true(json_object_get(t, "fired")) == fired;
    fprintf(out, "%s (%zu)%s\n", title, n, n ? "" : ": none");
    for (i = 0; i < size; i++) {
        t = json_array_get(trace, i);
        if (json_is_true(json_object_get(t, "fired")) != fired) continue;
        size_t same = 1;
        while (i + same < size && same_entry(t, json_array_get(trace, i + same)) &&
               json_is_true(json_object_get(json_array_get(trace, i + same), "fired")) == fired)
            same++;
        i += same - 1;
        fprintf(out, "  %-22s ", or_dash(str(t, "rule")));
        if (fired) fputs(or_dash(str(t, "why")), out);
        else tend_print_clipped(out, or_dash(str(t, "why")), WHY_BRIEF);
        if (same > 1) fprintf(out, " (×%zu)", same);
        fputc('\n', out);
    }
}

static void print_card_change(FILE *out, const char *name, json_t *d) {
    json_t *band = json_object_get(d, "band"), *tot = json_object_get(d, "total");
    const char *from = str(band, "from"), *to = str(band, "to");
    char b1[32], b2[32];
    fprintf(out, "  %-12s ", name);
    if (!from) fprintf(out, "now computed: %s %s\n", total(json_object_get(tot, "to"), b1, sizeof b1), or_dash(to));
    else if (!to)
        fprintf(out, "no longer computed (was %s %s)\n", total(json_object_get(tot, "from"), b1, sizeof b1), from);
    else if (strcmp(from, to))
        fprintf(out, "%s → %s (total %s → %s)\n", from, to, total(json_object_get(tot, "from"), b1, sizeof b1),
                total(json_object_get(tot, "to"), b2, sizeof b2));
    else
        fprintf(out, "total %s → %s (still %s)\n", total(json_object_get(tot, "from"), b1, sizeof b1),
                total(json_object_get(tot, "to"), b2, sizeof b2), to);
}

/* "added x; removed y", skipping an empty side. */
static void print_both(FILE *out, const char *label, json_t *obj, const char *a, const char *b, const char *la,
                       const char *lb) {
    json_t *x = json_object_get(obj, a), *y = json_object_get(obj, b);
    if (!json_array_size(x) && !json_array_size(y)) return;
    fprintf(out, "  %-12s ", label);
    if (json_array_size(x)) {
        fprintf(out, "%s ", la);
        print_list(out, x, ", ", "");
    }
    if (json_array_size(y)) {
        fprintf(out, "%s%s ", json_array_size(x) ? "; " : "", lb);
        print_list(out, y, ", ", "");
    }
    fputc('\n', out);
}

static void print_changes(FILE *out, const tend_intents *in, const tend_stored_eval *prev, json_t *ch) {
    if (!prev->result) {
        fprintf(out, "\nWhat changed: nothing to compare with, this is the account's first evaluation\n");
        return;
    }
    const char *since = str(prev->result, "evaluated_at");
    fprintf(out, "\nWhat changed since %s (run %lld)\n", since ? since : prev->evaluated_at, prev->run_id);
    if (!tend_changes_any(ch)) {
        fprintf(out, "  nothing\n");
        return;
    }
    json_t *failed = json_object_get(ch, "failed");
    if (json_is_object(failed))
        fprintf(out, "  %-12s %s\n", "Evaluation",
                json_is_true(json_object_get(failed, "to")) ? "failed this time (it worked before)"
                                                            : "worked again (it failed before)");
    const char *keys[] = {"segment", "touch"}, *labels[] = {"Segment", "Touch"};
    for (int k = 0; k < 2; k++) {
        json_t *d = json_object_get(ch, keys[k]);
        if (json_is_object(d))
            fprintf(out, "  %-12s %s → %s\n", labels[k], or_dash(str(d, "from")), or_dash(str(d, "to")));
    }
    print_both(out, "Stages", json_object_get(ch, "stages"), "entered", "left", "entered", "left");
    const char *name;
    json_t *d;
    json_object_foreach(json_object_get(ch, "scorecards"), name, d) print_card_change(out, name, d);
    json_t *h = json_object_get(ch, "health");
    if (json_is_object(h)) {
        fprintf(out, "  %-12s ", "Health");
        print_health(out, json_object_get(h, "from"));
        fprintf(out, " → ");
        print_health(out, json_object_get(h, "to"));
        fputc('\n', out);
    }
    print_both(out, "Flags", json_object_get(ch, "flags"), "added", "removed", "added", "removed");
    json_t *fresh = json_object_get(ch, "new_intents"), *a;
    size_t i;
    json_array_foreach(fresh, i, a) {
        fprintf(out, "  %-12s ", i ? "" : "New intents");
        print_intent(out, in, a);
        fputc('\n', out);
    }
    print_both(out, "Rules", json_object_get(ch, "rules"), "started_firing", "stopped_firing", "now firing:",
               "no longer firing:");
}

void tend_explain_print(FILE *out, const char *tenant, const tend_explain *x, json_t *changes) {
    json_t *r = x->current.result;
    int failed = json_array_size(json_object_get(r, "errors")) > 0;
    tend_intents in;
    tend_error err; /* a stdlib that does not load shows names as "-" */
    tend_intents_load(NULL, &in, &err);
    print_header(out, tenant, &x->current);
    if (failed) print_errors(out, r);
    /* A failed evaluation usually decided nothing: no empty sections then. */
    if (!failed || str(r, "segment") || json_array_size(json_object_get(r, "trace"))) {
        print_standing(out, r);
        print_intents(out, &in, r, x->delivery);
        fputc('\n', out);
        print_rules(out, r, 1, "Rules that fired");
        fputc('\n', out);
        print_rules(out, r, 0, "Rules that did not fire");
    }
    print_changes(out, &in, &x->previous, changes);
    tend_intents_free(&in);
}
