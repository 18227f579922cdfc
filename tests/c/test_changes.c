/* What changed between two evaluations (store/changes.c), and stored
 * results read back in tend eval's key order (store/read.c). No database. */
#include <stdlib.h>

#include "check.h"
#include "store/changes.h"
#include "store/read.h"

static json_t *parse(const char *text) {
    json_t *v = json_loads(text, 0, NULL);
    if (!v) fprintf(stderr, "bad test JSON: %s\n", text);
    return v;
}

/* The compact JSON of obj[key] (or of obj when key is NULL), in a static buffer. */
static const char *dump(json_t *obj, const char *key) {
    static char buf[4096];
    char *s = tend_read_dump(key ? json_object_get(obj, key) : obj);
    if (!s) s = strdup(json_is_null(json_object_get(obj, key)) ? "null" : "(none)");
    snprintf(buf, sizeof buf, "%s", s);
    free(s);
    return buf;
}

static const char PREV[] =
    "{\"segment\":\"mid_market\",\"touch\":\"low\",\"stages\":[\"adoption\"],"
    "\"scorecards\":{\"graduation\":{\"total\":0.6,\"band\":\"not_ready\"},\"old\":{\"total\":5,\"band\":\"b\"},"
    "\"same\":{\"total\":1,\"band\":\"x\"}},"
    "\"health\":{\"score\":44,\"band\":\"yellow\"},\"flags\":[\"needs_followup\",\"graduation_blocked\"],"
    "\"actions\":[{\"kind\":\"email\",\"key\":\"k1\"}],"
    "\"trace\":[{\"rule\":\"a\",\"fired\":true},{\"rule\":\"b\",\"fired\":false}],\"errors\":[]}";
static const char CUR[] =
    "{\"segment\":\"enterprise\",\"touch\":\"low\",\"stages\":[\"retention\",\"renewal\"],"
    "\"scorecards\":{\"graduation\":{\"total\":8.3,\"band\":\"close\"},\"new\":{\"total\":2,\"band\":\"c\"},"
    "\"same\":{\"total\":1,\"band\":\"x\"}},"
    "\"health\":{\"score\":69,\"band\":\"yellow\"},\"flags\":[\"graduation_blocked\",\"at_risk\"],"
    "\"actions\":[{\"kind\":\"email\",\"key\":\"k1\"},{\"kind\":\"task\",\"key\":\"k2\"}],"
    "\"trace\":[{\"rule\":\"a\",\"fired\":false},{\"rule\":\"b\",\"fired\":true},{\"rule\":\"b\",\"fired\":true}],"
    "\"errors\":[]}";

static void test_changes(void) {
    json_t *p = parse(PREV), *c = parse(CUR);
    json_t *ch = tend_changes(p, c);
    CHECK_STR(dump(ch, "segment"), "{\"from\":\"mid_market\",\"to\":\"enterprise\"}");
    CHECK_STR(dump(ch, "touch"), "null");
    CHECK_STR(dump(ch, "stages"), "{\"entered\":[\"retention\",\"renewal\"],\"left\":[\"adoption\"]}");
    CHECK_STR(dump(ch, "scorecards"),
              "{\"graduation\":{\"band\":{\"from\":\"not_ready\",\"to\":\"close\"},\"total\":{\"from\":0.6,\"to\":8.3}},"
              "\"new\":{\"band\":{\"from\":null,\"to\":\"c\"},\"total\":{\"from\":null,\"to\":2}},"
              "\"old\":{\"band\":{\"from\":\"b\",\"to\":null},\"total\":{\"from\":5,\"to\":null}}}");
    CHECK_STR(dump(ch, "health"), "{\"from\":{\"score\":44,\"band\":\"yellow\"},\"to\":{\"score\":69,\"band\":\"yellow\"}}");
    CHECK_STR(dump(ch, "flags"), "{\"added\":[\"at_risk\"],\"removed\":[\"needs_followup\"]}");
    CHECK_STR(dump(ch, "new_intents"), "[{\"kind\":\"task\",\"key\":\"k2\"}]");
    CHECK_STR(dump(ch, "rules"), "{\"started_firing\":[\"b\"],\"stopped_firing\":[\"a\"]}");
    CHECK_STR(dump(ch, "failed"), "null");
    CHECK(tend_changes_any(ch));
    json_decref(ch);

    /* The same result twice: nothing changed, every key still there. */
    ch = tend_changes(c, c);
    CHECK(!tend_changes_any(ch));
    CHECK_STR(dump(ch, NULL),
              "{\"segment\":null,\"touch\":null,\"stages\":{\"entered\":[],\"left\":[]},\"scorecards\":{},"
              "\"health\":null,\"flags\":{\"added\":[],\"removed\":[]},\"new_intents\":[],"
              "\"rules\":{\"started_firing\":[],\"stopped_firing\":[]},\"failed\":null}");
    json_decref(ch);

    /* A failure, then a recovery; health gone and back. */
    json_t *f = parse("{\"segment\":null,\"stages\":[],\"scorecards\":{},\"health\":null,\"flags\":[],"
                      "\"actions\":[],\"trace\":[],\"errors\":[{\"kind\":\"runtime\",\"message\":\"x\"}]}");
    ch = tend_changes(c, f);
    CHECK_STR(dump(ch, "failed"), "{\"from\":false,\"to\":true}");
    CHECK_STR(dump(ch, "health"), "{\"from\":{\"score\":69,\"band\":\"yellow\"},\"to\":null}");
    json_decref(ch);
    ch = tend_changes(f, c);
    CHECK_STR(dump(ch, "failed"), "{\"from\":true,\"to\":false}");
    CHECK_STR(dump(ch, "new_intents"), "[{\"kind\":\"email\",\"key\":\"k1\"},{\"kind\":\"task\",\"key\":\"k2\"}]");
    json_decref(ch);
    json_decref(f);
    json_decref(p);
    json_decref(c);
}

/* jsonb's key order (shortest first) back to tend eval's. */
static void test_read_result(void) {
    json_t *r = tend_read_result(
        "{\"why\":1,\"flags\":[],\"trace\":[{\"why\":\"w\",\"rule\":\"r\",\"flags\":[\"f\"],\"fired\":true}],"
        "\"health\":{\"band\":\"green\",\"score\":97},\"errors\":[],\"actions\":[{\"key\":\"k\",\"kind\":\"email\","
        "\"data\":{\"z\":1,\"a\":{\"y\":2,\"b\":3}},\"rule\":\"r\",\"locale\":\"en\",\"template\":\"t\",\"to\":\"c\"}],"
        "\"scorecards\":{\"g\":{\"band\":\"b\",\"total\":8.3,\"blockers\":[],\"dimensions\":{\"v\":1,\"a\":0.5}}},"
        "\"touch\":\"high\",\"stages\":[\"s2\",\"s1\"],\"tenant\":\"default\",\"segment\":\"e\",\"playbook\":\"p\","
        "\"account_id\":\"acme\",\"evaluated_at\":\"2026-11-22T02:00:00Z\"}");
    CHECK(r != NULL);
    CHECK_STR(dump(r, NULL),
              "{\"account_id\":\"acme\",\"tenant\":\"default\",\"evaluated_at\":\"2026-11-22T02:00:00Z\","
              "\"playbook\":\"p\",\"segment\":\"e\",\"touch\":\"high\",\"stages\":[\"s2\",\"s1\"],"
              "\"scorecards\":{\"g\":{\"dimensions\":{\"a\":0.5,\"v\":1},\"total\":8.3,\"band\":\"b\",\"blockers\":[]}},"
              "\"health\":{\"score\":97,\"band\":\"green\"},\"flags\":[],"
              "\"actions\":[{\"kind\":\"email\",\"template\":\"t\",\"to\":\"c\",\"locale\":\"en\",\"key\":\"k\","
              "\"rule\":\"r\",\"data\":{\"a\":{\"b\":3,\"y\":2},\"z\":1}}],"
              "\"trace\":[{\"rule\":\"r\",\"fired\":true,\"why\":\"w\",\"flags\":[\"f\"]}],\"errors\":[],"
              "\"why\":1}");
    json_decref(r);
    /* jsonb writes 1e+20 as 100000000000000000000: still readable (as reals). */
    r = tend_read_result("{\"account_id\":\"a\",\"n\":100000000000000000000}");
    CHECK_STR(dump(r, NULL), "{\"account_id\":\"a\",\"n\":1e20}");
    json_decref(r);
    CHECK(tend_read_result("[1,2]") == NULL);
    CHECK(tend_read_result("not json") == NULL);
}

int main(void) {
    test_changes();
    test_read_result();
    return check_report();
}
