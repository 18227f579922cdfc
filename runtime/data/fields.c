/* Field coercion and validation for accounts, events and metrics. */
#include "data/fields.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/isotime.h"

/* F_COUNT: a number that cannot be negative (people, money). */
typedef enum { F_STRING, F_NUMBER, F_BOOL, F_DATE, F_OBJECT, F_COUNT } field_type;

typedef struct {
    const char *name;
    field_type type;
} field_spec;

static const field_spec account_fields[] = {
    {"id", F_STRING},           {"name", F_STRING},
    {"tenant", F_STRING},       {"employees", F_COUNT},
    {"acv", F_COUNT},           {"industry", F_STRING},
    {"technical", F_BOOL},      {"product_type", F_STRING},
    {"locale", F_STRING},       {"licensed_users", F_COUNT},
    {"contract_signed_at", F_DATE}, {"onboarding_target_at", F_DATE},
    {"renewal_date", F_DATE},   {"csm", F_STRING},
    {"champion", F_STRING},     {"attrs", F_OBJECT},
    {NULL, F_STRING},
};

/* A JSON number's shape (leading zeros allowed: spreadsheets write them):
 * no '+', no hex, no inf or nan, nothing around it. strtod and strtoll
 * alone accept all of those. */
static int number_shaped(const char *s) {
    if (*s == '-') s++;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9') s++;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9') return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (*s < '0' || *s > '9') return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    return *s == '\0';
}

json_t *tend_number_from_text(const char *s) {
    if (!number_shaped(s)) return NULL;
    char *end;
    if (!strpbrk(s, ".eE")) {
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (*end == '\0' && errno == 0) return json_integer(v);
    }
    double d = strtod(s, &end);
    if (*end != '\0' || !isfinite(d)) return NULL;
    return json_real(d);
}

/* The contract's booleans: true/false (any case) or 1/0, as JSON has them;
 * "yes", "y" or "on" are refused rather than guessed. */
static json_t *bool_from_text(const char *s) {
    if (!strcasecmp(s, "true") || !strcmp(s, "1")) return json_true();
    if (!strcasecmp(s, "false") || !strcmp(s, "0")) return json_false();
    return NULL;
}

static const char *describe(json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* Coerces v to the field's type; returns a new reference or NULL (err). */
static json_t *coerce(const char *name, field_type t, json_t *v, tend_error *err) {
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    json_t *r = NULL;
    switch (t) {
    case F_STRING:
        if (s) return json_incref(v);
        if (json_is_integer(v)) return json_sprintf("%lld", (long long)json_integer_value(v));
        break;
    case F_NUMBER:
    case F_COUNT:
        if (json_is_number(v)) r = json_incref(v);
        else if (s && !(r = tend_number_from_text(s))) {
            tend_fail(err, TEND_EINPUT, "field '%s': expected a number, got \"%.40s\"", name, s);
            return NULL;
        }
        if (r && t == F_COUNT && json_number_value(r) < 0) {
            tend_fail(err, TEND_EINPUT, "field '%s': expected a number >= 0, got %g", name, json_number_value(r));
            json_decref(r);
            return NULL;
        }
        if (r) return r;
        break;
    case F_BOOL:
        if (json_is_boolean(v)) return json_incref(v);
        if (s && (r = bool_from_text(s))) return r;
        if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
            return json_boolean(json_integer_value(v));
        if (s) {
            tend_fail(err, TEND_EINPUT, "field '%s': expected true or false, got \"%.40s\"", name, s);
            return NULL;
        }
        break;
    case F_DATE: {
        int64_t e;
        if (s && tend_time_parse(s, strlen(s), &e) == 0) return json_incref(v);
        if (s) {
            tend_fail(err, TEND_EINPUT, "field '%s': expected an ISO-8601 date or time, got \"%.40s\"", name, s);
            return NULL;
        }
        break;
    }
    case F_OBJECT:
        if (json_is_object(v)) return json_incref(v);
        if (s) {
            json_error_t je;
            r = json_loads(s, JSON_REJECT_DUPLICATES, &je);
            if (r && json_is_object(r)) return r;
            json_decref(r);
            tend_fail(err, TEND_EINPUT, "field '%s': expected a JSON object", name);
            return NULL;
        }
        break;
    }
    static const char *const names[] = {"a string", "a number", "a boolean", "an ISO-8601 date", "an object",
                                        "a number"};
    tend_fail(err, TEND_EINPUT, "field '%s': expected %s, got %s", name, names[t], describe(v));
    return NULL;
}

static const field_spec *lookup(const field_spec *specs, const char *k) {
    for (const field_spec *f = specs; f->name; f++)
        if (strcmp(f->name, k) == 0) return f;
    return NULL;
}

json_t *tend_account_normalize(json_t *in, int from_csv, tend_error *err) {
    (void)from_csv; /* contract fields are coerced alike from both formats; the rest stays as given */
    json_t *out = json_object(), *attrs = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v) {
        if (json_is_null(v)) continue;
        const field_spec *f = lookup(account_fields, k);
        if (!f) {
            /* Outside the contract a CSV cell stays text, as JSON Lines
             * keeps its strings: ZIP 01310, +5511999990000, 007. */
            json_object_set_new(attrs, k, json_incref(v));
            continue;
        }
        json_t *c = coerce(k, f->type, v, err);
        if (!c) goto fail;
        if (f->type == F_OBJECT) {
            json_object_update(attrs, c);
            json_decref(c);
        } else {
            json_object_set_new(out, k, c);
        }
    }
    const char *id = json_string_value(json_object_get(out, "id"));
    if (!id || !*id) {
        tend_fail(err, TEND_EINPUT, "field 'id': required");
        goto fail;
    }
    json_object_set_new(out, "attrs", attrs);
    return out;
fail:
    json_decref(out);
    json_decref(attrs);
    return NULL;
}

static const char *required_string(json_t *obj, const char *name, tend_error *err) {
    json_t *v = json_object_get(obj, name);
    if (json_is_string(v) && json_string_length(v) > 0) return json_string_value(v);
    if (!v || json_is_null(v)) tend_fail(err, TEND_EINPUT, "field '%s': required", name);
    else tend_fail(err, TEND_EINPUT, "field '%s': expected a string, got %s", name, describe(v));
    return NULL;
}

static int required_time(json_t *obj, const char *name, int64_t *out, tend_error *err) {
    const char *s = required_string(obj, name, err);
    if (!s) return -1;
    if (tend_time_parse(s, strlen(s), out) != 0) {
        tend_fail(err, TEND_EINPUT, "field '%s': expected an ISO-8601 date or time, got \"%.40s\"", name, s);
        return -1;
    }
    return 0;
}

tend_status tend_event_fields_read(json_t *obj, int from_csv, tend_event_fields *out, tend_error *err) {
    (void)from_csv; /* as in tend_account_normalize */
    memset(out, 0, sizeof *out);
    if (!(out->account_id = required_string(obj, "account_id", err))) return TEND_EINPUT;
    if (!(out->type = required_string(obj, "type", err))) return TEND_EINPUT;
    if (required_time(obj, "at", &out->at, err)) return TEND_EINPUT;
    json_t *u = json_object_get(obj, "user");
    if (u && !json_is_null(u)) {
        if (!json_is_string(u)) return tend_fail(err, TEND_EINPUT, "field 'user': expected a string, got %s", describe(u));
        out->user = json_string_value(u);
    }
    json_t *id = json_object_get(obj, "id");
    if (json_is_string(id)) out->id = json_string_value(id);
    json_t *d = json_object_get(obj, "data");
    if (d && !json_is_null(d)) {
        json_t *c = coerce("data", F_OBJECT, d, err);
        if (!c) return TEND_EINPUT;
        if (c != d) json_object_set_new(obj, "data", c); /* parsed from CSV text: obj keeps it */
        else json_decref(c);
        out->data = json_object_get(obj, "data");
    }
    /* Fields outside the contract are kept in data. */
    const char *k;
    json_t *v;
    json_t *extra = NULL;
    json_object_foreach(obj, k, v) {
        if (!strcmp(k, "account_id") || !strcmp(k, "type") || !strcmp(k, "at") || !strcmp(k, "user") ||
            !strcmp(k, "id") || !strcmp(k, "data"))
            continue;
        if (!extra) extra = out->data ? json_deep_copy(out->data) : json_object();
        json_object_set_new(extra, k, json_incref(v)); /* CSV text stays text, as in attrs */
    }
    if (extra) {
        json_object_set_new(obj, "data", extra);
        out->data = extra;
    }
    return TEND_OK;
}

tend_status tend_metric_fields_read(json_t *obj, int from_csv, tend_metric_fields *out, tend_error *err) {
    memset(out, 0, sizeof *out);
    if (!(out->account_id = required_string(obj, "account_id", err))) return TEND_EINPUT;
    if (required_time(obj, "date", &out->day, err)) return TEND_EINPUT;
    out->day -= ((out->day % 86400) + 86400) % 86400;
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v) {
        if (!strcmp(k, "account_id") || !strcmp(k, "date")) continue;
        if (json_is_null(v)) {
            json_object_del(obj, k);
            continue;
        }
        if (json_is_number(v)) continue;
        json_t *n = from_csv && json_is_string(v) ? tend_number_from_text(json_string_value(v)) : NULL;
        if (!n) {
            if (json_is_string(v))
                return tend_fail(err, TEND_EINPUT, "field '%s': expected a number, got \"%.40s\"", k, json_string_value(v));
            return tend_fail(err, TEND_EINPUT, "field '%s': expected a number, got %s", k, describe(v));
        }
        json_object_set_new(obj, k, n);
    }
    return TEND_OK;
}
