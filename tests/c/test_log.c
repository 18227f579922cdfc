/* base/log: text and JSON lines, levels, fields that need escaping, and
 * bytes that are not UTF-8 (a log line stays valid JSON). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "check.h"

static char *capture(tend_log_format f, tend_log_level min, void (*emit)(tend_log *)) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    tend_log *l = tend_log_new(out, f, min);
    emit(l);
    tend_log_free(l);
    fclose(out);
    return text;
}

static void some(tend_log *l) {
    tend_log(l, TEND_LOG_INFO, "run finished", TEND_LOG_S("tenant", "acme"), TEND_LOG_I("run", 42),
             TEND_LOG_N("seconds", 1.5), TEND_LOG_S("skipped", NULL), TEND_LOG_S("why", "a \"b\"\nc"));
    tend_log_msg(l, TEND_LOG_DEBUG, "hidden below info");
    tend_log(l, TEND_LOG_ERROR, "bad \xff bytes", TEND_LOG_S("k", "v\x01"));
}

int main(void) {
    char *j = capture(TEND_LOG_JSON, TEND_LOG_INFO, some);
    char *line2 = strchr(j, '\n');
    CHECK(line2 != NULL);
    json_error_t e;
    json_t *a = json_loadb(j, (size_t)(line2 - j), 0, &e);
    json_t *b = json_loads(line2 + 1, JSON_DISABLE_EOF_CHECK, &e);
    CHECK(a && b);
    CHECK_STR(json_string_value(json_object_get(a, "msg")), "run finished");
    CHECK_STR(json_string_value(json_object_get(a, "level")), "info");
    CHECK_STR(json_string_value(json_object_get(a, "tenant")), "acme");
    CHECK(json_integer_value(json_object_get(a, "run")) == 42);
    CHECK(json_real_value(json_object_get(a, "seconds")) == 1.5);
    CHECK(!json_object_get(a, "skipped"));
    CHECK_STR(json_string_value(json_object_get(a, "why")), "a \"b\"\nc");
    const char *ts = json_string_value(json_object_get(a, "ts"));
    CHECK(ts && strlen(ts) == 24 && ts[10] == 'T' && ts[23] == 'Z');
    CHECK_STR(json_string_value(json_object_get(b, "msg")), "bad ? bytes");
    CHECK_STR(json_string_value(json_object_get(b, "k")), "v\x01");
    CHECK(strstr(j, "hidden") == NULL);
    int lines = 0;
    for (const char *p = j; *p; p++) lines += *p == '\n';
    CHECK(lines == 2);
    json_decref(a);
    json_decref(b);
    free(j);

    char *t = capture(TEND_LOG_TEXT, TEND_LOG_DEBUG, some);
    CHECK(strstr(t, " info run finished tenant=acme run=42 seconds=1.5 why=\"a \\\"b\\\"\\nc\"\n") != NULL);
    CHECK(strstr(t, " debug hidden below info\n") != NULL);
    free(t);

    tend_log_format f;
    tend_log_level lv;
    CHECK(tend_log_format_parse("json", &f) == 0 && f == TEND_LOG_JSON);
    CHECK(tend_log_format_parse("xml", &f) == -1);
    CHECK(tend_log_level_parse("warn", &lv) == 0 && lv == TEND_LOG_WARN);
    CHECK(tend_log_level_parse("loud", &lv) == -1);
    tend_log_msg(NULL, TEND_LOG_ERROR, "a NULL logger logs nothing");
    return check_report();
}
