/* libFuzzer harness: the input readers (JSON Lines and CSV, record.c), the
 * data contract's fields (fields.c) and the flat JSON scanner of ingest's
 * fast path (flatjson.c). The first byte picks the format and the kind of
 * record; the rest is the file. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "data/fields.h"
#include "data/flatjson.h"
#include "data/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int csv = data[0] & 1, kind = (data[0] >> 1) % 3; /* accounts, events, metrics */
    FILE *f = fmemopen((void *)(data + 1), size - 1, "r");
    if (!f) return 0;
    tend_reader r;
    tend_error err;
    if (tend_reader_open_stream(&r, f, 0, "fuzz", csv ? TEND_FMT_CSV : TEND_FMT_JSONL, &err) != TEND_OK) {
        fclose(f);
        return 0;
    }
    const char *text;
    size_t len;
    long line, last = 0;
    while (tend_reader_next(&r, &text, &len, &line, &err) == 1) {
        if (line <= last) __builtin_trap(); /* records start on later and later lines */
        last = line;
        if (!csv) {
            static tend_flat_record flat;
            if (tend_flat_scan(text, len, &flat) == 0) (void)tend_flat_finite(&flat);
        }
        json_t *rec = tend_record_decode(r.format, &r.header, text, len, &err);
        if (!rec) continue;
        if (kind == 0) {
            json_t *acc = tend_account_normalize(rec, csv, &err);
            json_decref(acc);
        } else if (kind == 1) {
            tend_event_fields ev;
            (void)tend_event_fields_read(rec, csv, &ev, &err);
        } else {
            tend_metric_fields mf;
            (void)tend_metric_fields_read(rec, csv, &mf, &err);
        }
        json_decref(rec);
    }
    tend_reader_close(&r);
    fclose(f);
    return 0;
}
