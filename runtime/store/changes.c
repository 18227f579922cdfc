/* The difference of two result objects, key by key. */
#include "store/changes.h"

#include <string.h>

static json_t *from_to(json_t *from, json_t *to) {
    return json_pack("{s:O,s:O}", "from", from ? from : json_null(), "to", to ? to : json_null());
}

static int same(json_t *p, json_t *c, const char *key) {
    json_t *a = json_object_get(p, key), *b = json_object_get(c, key);
    return json_equal(a ? a : json_null(), b ? b : json_null());
}

/* {"from", "to"} when the values differ (a missing key is null), else null. */
static json_t *change(json_t *prev, json_t *cur, const char *key) {
    if (same(prev, cur, key)) return json_null();
    return from_to(json_object_get(prev, key), json_object_get(cur, key));
}

static int has_string(json_t *list, const char *s) {
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return 1;
    return 0;
}

/* The strings of a that b lacks, once each, in a's order. */
static json_t *minus(json_t *a, json_t *b) {
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(a, i, v) {
        const char *s = json_string_value(v);
        if (s && !has_string(b, s) && !has_string(out, s)) json_array_append(out, v);
    }
    return out;
}

static json_t *added_removed(json_t *prev, json_t *cur, const char *key, const char *plus, const char *less) {
    json_t *p = json_object_get(prev, key), *c = json_object_get(cur, key);
    return json_pack("{s:o,s:o}", plus, minus(c, p), less, minus(p, c));
}

/* Band and total of a scorecard that changed (or appeared, or went), else NULL. */
static json_t *card_change(json_t *p, json_t *c) {
    if (p && c && same(p, c, "band") && same(p, c, "total")) return NULL;
    return json_pack("{s:o,s:o}", "band", from_to(json_object_get(p, "band"), json_object_get(c, "band")), "total",
                     from_to(json_object_get(p, "total"), json_object_get(c, "total")));
}

static json_t *scorecards(json_t *prev, json_t *cur) {
    json_t *p = json_object_get(prev, "scorecards"), *c = json_object_get(cur, "scorecards");
    json_t *out = json_object(), *v, *d;
    const char *name;
    json_object_foreach(c, name, v) {
        if ((d = card_change(json_object_get(p, name), v))) json_object_set_new(out, name, d);
    }
    json_object_foreach(p, name, v) {
        if (!json_object_get(c, name) && (d = card_change(v, NULL))) json_object_set_new(out, name, d);
    }
    return out;
}

/* The intents of cur whose key none of prev's intents has. */
static json_t *new_intents(json_t *prev, json_t *cur) {
    json_t *keys = json_array(), *out = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(prev, "actions"), i, a) json_array_append(keys, json_object_get(a, "key"));
    json_array_foreach(json_object_get(cur, "actions"), i, a) {
        const char *k = json_string_value(json_object_get(a, "key"));
        if (!k || !has_string(keys, k)) json_array_append(out, a);
    }
    json_decref(keys);
    return out;
}

/* The names of the rules that fired, once each. */
static json_t *fired(json_t *r) {
    json_t *out = json_array(), *t;
    size_t i;
    json_array_foreach(json_object_get(r, "trace"), i, t) {
        json_t *rule = json_object_get(t, "rule");
        if (json_is_true(json_object_get(t, "fired")) && json_is_string(rule) &&
            !has_string(out, json_string_value(rule)))
            json_array_append(out, rule);
    }
    return out;
}

static int failed(json_t *r) { return json_array_size(json_object_get(r, "errors")) > 0; }

json_t *tend_changes(json_t *prev, json_t *cur) {
    json_t *fp = fired(prev), *fc = fired(cur);
    json_t *out = json_object();
    json_object_set_new(out, "segment", change(prev, cur, "segment"));
    json_object_set_new(out, "touch", change(prev, cur, "touch"));
    json_object_set_new(out, "stages", added_removed(prev, cur, "stages", "entered", "left"));
    json_object_set_new(out, "scorecards", scorecards(prev, cur));
    json_object_set_new(out, "health", change(prev, cur, "health"));
    json_object_set_new(out, "flags", added_removed(prev, cur, "flags", "added", "removed"));
    json_object_set_new(out, "new_intents", new_intents(prev, cur));
    json_object_set_new(out, "rules", json_pack("{s:o,s:o}", "started_firing", minus(fc, fp), "stopped_firing",
                                                minus(fp, fc)));
    json_object_set_new(out, "failed", failed(prev) == failed(cur)
                                           ? json_null()
                                           : json_pack("{s:b,s:b}", "from", failed(prev), "to", failed(cur)));
    json_decref(fp);
    json_decref(fc);
    return out;
}

static int nonempty(json_t *obj, const char *a, const char *b) {
    return json_array_size(json_object_get(obj, a)) || json_array_size(json_object_get(obj, b));
}

int tend_changes_any(json_t *ch) {
    return !json_is_null(json_object_get(ch, "segment")) || !json_is_null(json_object_get(ch, "touch")) ||
           nonempty(json_object_get(ch, "stages"), "entered", "left") ||
           json_object_size(json_object_get(ch, "scorecards")) || !json_is_null(json_object_get(ch, "health")) ||
           nonempty(json_object_get(ch, "flags"), "added", "removed") ||
           json_array_size(json_object_get(ch, "new_intents")) ||
           nonempty(json_object_get(ch, "rules"), "started_firing", "stopped_firing") ||
           !json_is_null(json_object_get(ch, "failed"));
}
