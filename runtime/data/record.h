/* Input records: JSON Lines or CSV with a header row (DESIGN "Data
 * contract"), read one record at a time from a file or standard input, each
 * with the line it starts on so errors can say FILE:LINE. */
#ifndef TEND_RECORD_H
#define TEND_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/status.h"

typedef enum { TEND_FMT_AUTO, TEND_FMT_JSONL, TEND_FMT_CSV } tend_format;

/* Column names of a CSV input; read-only once the header is read, so
 * worker threads can decode rows concurrently. */
typedef struct {
    char **names;
    size_t count;
} tend_csv_header;

typedef struct {
    FILE *f;
    int owns_file;
    const char *path; /* as given; "-" is standard input */
    tend_format format;
    tend_csv_header header;
    long line;   /* physical lines read so far */
    tend_buf rec; /* the current record */
    tend_buf back; /* lines given back by a record cut to its first line */
    size_t back_off; /* read position in back */
    char *linebuf;
    size_t linecap;
} tend_reader;

/* "auto" picks CSV for *.csv, JSON Lines otherwise. */
tend_status tend_format_parse(const char *s, tend_format *out);

/* Opens path ("-" for stdin); for CSV reads the header row. */
tend_status tend_reader_open(tend_reader *r, const char *path, tend_format fmt, tend_error *err);
/* The same on an open stream (named path in messages); closed with the
 * reader when owns_file. */
tend_status tend_reader_open_stream(tend_reader *r, FILE *f, int owns_file, const char *path, tend_format fmt,
                                    tend_error *err);
void tend_reader_close(tend_reader *r);

/* Reads the next non-blank record. Returns 1 and sets *text and *len (valid
 * until the next call) and *line, 0 at end of input, -1 on a read error. */
int tend_reader_next(tend_reader *r, const char **text, size_t *len, long *line, tend_error *err);

/* Decodes one record into a new JSON object. CSV cells become strings
 * (empty cells are left out); callers coerce known fields. On failure
 * returns NULL with err holding the reason (without FILE:LINE). */
json_t *tend_record_decode(tend_format fmt, const tend_csv_header *h, const char *text, size_t len,
                           tend_error *err);

#endif
