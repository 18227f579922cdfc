/* The data contract's field types (DESIGN "Data contract"): coercion of CSV
 * text and validation of JSON values, so a bad field is reported by name
 * and unknown fields survive (accounts: in attrs; events: in data). */
#ifndef TEND_FIELDS_H
#define TEND_FIELDS_H

#include <jansson.h>
#include <stdint.h>

#include "base/status.h"

/* Returns a new normalized account object, or NULL with err set to
 * "field 'x': reason". from_csv: every value is text to coerce. */
json_t *tend_account_normalize(json_t *in, int from_csv, tend_error *err);

/* A validated event: pointers into `obj` (valid while obj lives). */
typedef struct {
    const char *account_id, *type, *user, *id;
    int64_t at;
    json_t *data; /* object or NULL */
} tend_event_fields;

tend_status tend_event_fields_read(json_t *obj, int from_csv, tend_event_fields *out, tend_error *err);

/* A validated metric row: account, day, and every other field a number. */
typedef struct {
    const char *account_id;
    int64_t day; /* epoch seconds of the date's midnight UTC */
} tend_metric_fields;

tend_status tend_metric_fields_read(json_t *obj, int from_csv, tend_metric_fields *out, tend_error *err);

/* Parses text as a JSON number: integer if it has no '.', 'e' or 'E'. */
json_t *tend_number_from_text(const char *s);

#endif
