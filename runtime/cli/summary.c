/* The run summary: counts kept in small jansson objects, printed sorted by
 * name so the same run prints the same summary. Lists keep a count and only
 * the accounts they print, so memory does not grow with the run. */
#include "cli/summary.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/explain_text.h"
#include "eval/intents.h"

#define MAX_LISTED 8    /* accounts named per flag or band before "and N more" */
#define MAX_FAILURES 50 /* failed accounts named before "and N more" */

struct tend_summary {
    size_t accounts, failed;
    const char *first_at;
    json_t *segments, *stages, *bands, *health, *flags, *sends, *failures, *meta;
    tend_intents intents; /* which field names each kind's intents */
};

tend_summary *tend_summary_new(void) {
    tend_summary *s = tend_calloc(1, sizeof *s);
    tend_error err; /* a stdlib that does not load has already stopped the run: names show as "?" */
    tend_intents_load(NULL, &s->intents, &err);
    s->segments = json_object();
    s->stages = json_object();
    s->bands = json_object();    /* scorecard -> band -> {n, first: [ids]} */
    s->health = json_object();
    s->flags = json_object();    /* flag -> {n, first: [[id, why]]} */
    s->sends = json_object();    /* "kind name" -> {count, locales{}, unsendable, why} */
    s->failures = json_array();  /* the first MAX_FAILURES [id, message] */
    s->meta = json_object();
    return s;
}

static void count(json_t *obj, const char *key) {
    json_int_t n = json_integer_value(json_object_get(obj, key));
    json_object_set_new(obj, key, json_integer(n + 1));
}

static json_t *child(json_t *obj, const char *key, json_t *(*make)(void)) {
    json_t *c = json_object_get(obj, key);
    if (!c) {
        c = make();
        json_object_set_new(obj, key, c);
    }
    return c;
}

static json_int_t listed_count(json_t *list) { return json_integer_value(json_object_get(list, "n")); }

/* Counts one more member of list ({n, first}); returns the array to append
 * it to while fewer than max are kept, else NULL. */
static json_t *list_add(json_t *obj, const char *key, size_t max) {
    json_t *list = child(obj, key, json_object);
    count(list, "n");
    json_t *first = child(list, "first", json_array);
    return json_array_size(first) < max ? first : NULL;
}

void tend_summary_add(tend_summary *s, const char *line, size_t len) {
    json_t *r = json_loadb(line, len, 0, NULL);
    if (!r) return;
    s->accounts++;
    const char *id = json_string_value(json_object_get(r, "account_id"));
    if (!json_object_get(s->meta, "evaluated_at")) {
        json_object_set(s->meta, "evaluated_at", json_object_get(r, "evaluated_at"));
        json_object_set(s->meta, "playbook", json_object_get(r, "playbook"));
    }
    json_t *errors = json_object_get(r, "errors");
    if (json_array_size(errors)) {
        s->failed++;
        json_t *e = json_array_get(errors, 0);
        if (json_array_size(s->failures) < MAX_FAILURES)
            json_array_append_new(s->failures, json_pack("[sO]", id, json_object_get(e, "message")));
        json_decref(r);
        return;
    }
    const char *seg = json_string_value(json_object_get(r, "segment"));
    count(s->segments, seg ? seg : "(none)");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "stages"), i, v) count(s->stages, json_string_value(v));
    const char *name;
    json_object_foreach(json_object_get(r, "scorecards"), name, v) {
        const char *band = json_string_value(json_object_get(v, "band"));
        json_t *first = band ? list_add(child(s->bands, name, json_object), band, MAX_LISTED) : NULL;
        if (first) json_array_append_new(first, json_string(id));
    }
    const char *hb = json_string_value(json_object_get(json_object_get(r, "health"), "band"));
    if (hb) count(s->health, hb);
    json_array_foreach(json_object_get(r, "flags"), i, v) {
        json_t *first = list_add(s->flags, json_string_value(v), MAX_LISTED);
        if (!first) continue;
        char *why = tend_flag_why(r, json_string_value(v));
        json_array_append_new(first, json_pack("[ss]", id, why ? why : ""));
        free(why);
    }
    json_array_foreach(json_object_get(r, "actions"), i, v) {
        const char *kind = json_string_value(json_object_get(v, "kind"));
        const tend_intent_kind *k = tend_intents_find(&s->intents, kind);
        const char *what = k ? json_string_value(json_object_get(v, k->name)) : NULL;
        char key[256];
        snprintf(key, sizeof key, "%-7s %s", kind ? kind : "?", what ? what : "?");
        json_t *entry = child(s->sends, key, json_object);
        count(entry, "count");
        const char *loc = json_string_value(json_object_get(v, "locale"));
        if (loc) count(child(entry, "locales", json_object), loc);
        /* A message that could not be rendered is queued but never sent:
         * say so here, with the first reason. */
        json_t *error = json_object_get(v, "error");
        if (json_is_string(error)) {
            count(entry, "unsendable");
            if (!json_object_get(entry, "why")) json_object_set(entry, "why", error);
        }
    }
    json_decref(r);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Keys of obj in byte order (jansson keeps insertion order). */
static const char **sorted_keys(json_t *obj, size_t *n) {
    *n = json_object_size(obj);
    const char **keys = calloc(*n + 1, sizeof *keys);
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) keys[i++] = k;
    qsort(keys, *n, sizeof *keys, cmp_str);
    return keys;
}

static void print_counts(FILE *out, const char *label, json_t *obj) {
    size_t n;
    const char **keys = sorted_keys(obj, &n);
    fprintf(out, "%-14s", label);
    if (!n) fprintf(out, " -");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s %s %lld", i ? " ·" : "", keys[i], (long long)json_integer_value(json_object_get(obj, keys[i])));
    fputc('\n', out);
    free(keys);
}

static void print_ids(FILE *out, json_t *list) {
    json_t *ids = json_object_get(list, "first");
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) fprintf(out, "%s%s", i ? ", " : " ", json_string_value(v));
    json_int_t more = listed_count(list) - (json_int_t)json_array_size(ids);
    if (more > 0) fprintf(out, " and %lld more", (long long)more);
    fputc('\n', out);
}

/* The [id, why] pairs listed, one a line, then "… and N more" of total. */
static void print_pairs(FILE *out, const char *indent, json_t *pairs, long long total) {
    size_t i;
    json_t *e;
    json_array_foreach(pairs, i, e)
        fprintf(out, "%s%-16s %.110s\n", indent, json_string_value(json_array_get(e, 0)),
                json_string_value(json_array_get(e, 1)));
    if (total > (long long)json_array_size(pairs))
        fprintf(out, "%s… and %lld more\n", indent, total - (long long)json_array_size(pairs));
}

void tend_summary_print(tend_summary *s, FILE *out) {
    const char *at = json_string_value(json_object_get(s->meta, "evaluated_at"));
    const char *pb = json_string_value(json_object_get(s->meta, "playbook"));
    fprintf(out, "%zu accounts as of %s (playbook %.19s…)\n\n", s->accounts, at ? at : "-", pb ? pb : "-");
    print_counts(out, "Segments", s->segments);
    print_counts(out, "Stages", s->stages);
    print_counts(out, "Health", s->health);
    size_t n, nb;
    const char **cards = sorted_keys(s->bands, &n);
    for (size_t c = 0; c < n; c++) {
        json_t *bands = json_object_get(s->bands, cards[c]);
        const char **names = sorted_keys(bands, &nb);
        fprintf(out, "%-14s", cards[c]);
        for (size_t b = 0; b < nb; b++)
            fprintf(out, "%s %s %lld", b ? " ·" : "", names[b], (long long)listed_count(json_object_get(bands, names[b])));
        fputc('\n', out);
        for (size_t b = 0; b < nb; b++) {
            fprintf(out, "  %-12s", names[b]);
            print_ids(out, json_object_get(bands, names[b]));
        }
        free(names);
    }
    free(cards);

    fprintf(out, "\nFlagged, and why\n");
    const char **flags = sorted_keys(s->flags, &n);
    if (!n) fprintf(out, "  (no flags)\n");
    for (size_t f = 0; f < n; f++) {
        json_t *list = json_object_get(s->flags, flags[f]);
        json_t *first = json_object_get(list, "first");
        fprintf(out, "  %s (%lld)\n", flags[f], (long long)listed_count(list));
        print_pairs(out, "    ", first, (long long)listed_count(list));
    }
    free(flags);

    fprintf(out, "\nWould send (intents with dedupe keys; nothing is sent by eval)\n");
    const char **sends = sorted_keys(s->sends, &n);
    if (!n) fprintf(out, "  (nothing)\n");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object_get(s->sends, sends[i]);
        fprintf(out, "  %-40s ×%lld", sends[i], (long long)json_integer_value(json_object_get(e, "count")));
        json_t *locs = json_object_get(e, "locales");
        if (locs) {
            size_t nl;
            const char **ls = sorted_keys(locs, &nl);
            fprintf(out, "  (");
            for (size_t l = 0; l < nl; l++)
                fprintf(out, "%s%s %lld", l ? ", " : "", ls[l], (long long)json_integer_value(json_object_get(locs, ls[l])));
            fprintf(out, ")");
            free(ls);
        }
        json_int_t unsendable = json_integer_value(json_object_get(e, "unsendable"));
        if (unsendable)
            fprintf(out, "\n    %lld not sendable, e.g. %.110s", (long long)unsendable,
                    json_string_value(json_object_get(e, "why")));
        fputc('\n', out);
    }
    free(sends);
    if (s->failed) {
        fprintf(out, "\nFailed (%zu)\n", s->failed);
        print_pairs(out, "  ", s->failures, (long long)s->failed);
    }
}

void tend_summary_free(tend_summary *s) {
    if (!s) return;
    json_t *parts[] = {s->segments, s->stages, s->bands, s->health, s->flags, s->sends, s->failures, s->meta};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) json_decref(parts[i]);
    tend_intents_free(&s->intents);
    free(s);
}
