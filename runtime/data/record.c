/* Reading JSON Lines and CSV records (RFC 4180: quoted cells may hold
 * commas, doubled quotes and newlines). A damaged CSV line costs that line
 * only: a quote inside an unquoted cell does not open a quoted cell, and a
 * record that spans lines but does not parse (an unclosed quote) is cut
 * back to its first line, the reader going on at the line after it. */
#define _GNU_SOURCE
#include "data/record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

tend_status tend_format_parse(const char *s, tend_format *out) {
    if (strcmp(s, "auto") == 0) *out = TEND_FMT_AUTO;
    else if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0) *out = TEND_FMT_JSONL;
    else if (strcmp(s, "csv") == 0) *out = TEND_FMT_CSV;
    else return TEND_EUSAGE;
    return TEND_OK;
}

/* Why a CSV record does not split into cells. */
typedef enum { CSV_OK, CSV_UNCLOSED, CSV_BARE_QUOTE, CSV_AFTER_QUOTE } csv_fault;

/* Splits one CSV record into cells appended to out (NUL-separated).
 * Returns the number of cells, or -1 with *fault and *cell (0-based) set. */
static long csv_split(const char *s, size_t len, tend_buf *out, size_t *offsets, size_t max, csv_fault *fault,
                      long *cell) {
    size_t i = 0;
    long n = 0;
    for (;;) {
        if ((size_t)n < max) offsets[n] = out->len;
        *cell = n++;
        if (i < len && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) return *fault = CSV_UNCLOSED, -1;
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') { tend_buf_addc(out, '"'); i += 2; continue; }
                    i++;
                    break;
                }
                tend_buf_addc(out, s[i++]);
            }
            if (i < len && s[i] != ',') return *fault = CSV_AFTER_QUOTE, -1;
        } else {
            while (i < len && s[i] != ',') {
                if (s[i] == '"') return *fault = CSV_BARE_QUOTE, -1;
                tend_buf_addc(out, s[i++]);
            }
        }
        tend_buf_addc(out, '\0');
        if (i >= len) break;
        i++; /* the comma */
    }
    *fault = CSV_OK;
    return n;
}

/* Whether a quoted cell is still open at the end of this physical line,
 * given whether one was open at its start. Only a quote at the start of a
 * cell opens one (RFC 4180); a quote inside an unquoted cell is damage to
 * that line, not the start of a cell that swallows the lines after it. */
static int csv_still_open(const char *s, size_t len, int open) {
    int cell_start = !open;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (open) {
            if (c == '"') {
                if (i + 1 < len && s[i + 1] == '"') i++;
                else open = 0;
            }
        } else if (c == ',') {
            cell_start = 1;
        } else {
            if (c == '"' && cell_start) open = 1;
            cell_start = 0;
        }
    }
    return open;
}

/* Whether a record that spans lines splits into the header's cells. */
static int csv_record_ok(const tend_reader *r, const char *s, size_t len) {
    tend_buf cells = {0};
    size_t offs[1];
    csv_fault fault;
    long cell, n = csv_split(s, len, &cells, offs, 0, &fault, &cell);
    tend_buf_free(&cells);
    return n >= 0 && (r->header.count == 0 || (size_t)n == r->header.count);
}

/* The next physical line (lines given back by a cut record first). */
static int read_line(tend_reader *r) {
    if (r->back_off < r->back.len) {
        const char *start = r->back.data + r->back_off;
        const char *nl = memchr(start, '\n', r->back.len - r->back_off);
        size_t n = nl ? (size_t)(nl - start) : r->back.len - r->back_off;
        tend_buf_add(&r->rec, start, n);
        r->back_off += n + (nl ? 1 : 0);
        r->line++;
        return 1;
    }
    ssize_t n = getline(&r->linebuf, &r->linecap, r->f);
    if (n < 0) return 0;
    r->line++;
    while (n > 0 && (r->linebuf[n - 1] == '\n' || r->linebuf[n - 1] == '\r')) n--;
    tend_buf_add(&r->rec, r->linebuf, (size_t)n);
    return 1;
}

/* A record spanning lines that does not parse: keep its first line as the
 * record (its own error will say why) and give the others back. */
static void cut_to_first_line(tend_reader *r, size_t first_len, long first_line) {
    tend_buf rest = {0};
    tend_buf_add(&rest, r->rec.data + first_len + 1, r->rec.len - first_len - 1);
    if (r->back_off < r->back.len) {
        tend_buf_addc(&rest, '\n');
        tend_buf_add(&rest, r->back.data + r->back_off, r->back.len - r->back_off);
    }
    tend_buf_free(&r->back);
    r->back = rest;
    r->back_off = 0;
    r->rec.len = first_len;
    r->line = first_line;
}

/* How far a quoted cell may run over lines before the record is taken for
 * damage: far beyond any real note, well short of a whole file in memory. */
#define CSV_MAX_RECORD_LINES 10000
#define CSV_MAX_RECORD_BYTES ((size_t)4 << 20)

static int is_blank(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

int tend_reader_next(tend_reader *r, const char **text, size_t *len, long *line, tend_error *err) {
    for (;;) {
        r->rec.len = 0;
        if (!read_line(r)) {
            if (ferror(r->f)) {
                tend_fail(err, TEND_EIO, "%s: read error: %s", r->path, strerror(errno));
                return -1;
            }
            return 0;
        }
        *line = r->line;
        if (r->format == TEND_FMT_CSV) {
            /* A quoted cell may span lines: keep reading until it closes. */
            size_t first_len = r->rec.len;
            int open = csv_still_open(r->rec.data, r->rec.len, 0);
            long lines = 1;
            while (open && lines < CSV_MAX_RECORD_LINES && r->rec.len < CSV_MAX_RECORD_BYTES) {
                size_t from = r->rec.len + 1;
                tend_buf_addc(&r->rec, '\n');
                if (!read_line(r)) {
                    r->rec.len = from - 1; /* end of input inside a quoted cell */
                    break;
                }
                lines++;
                open = csv_still_open(r->rec.data + from, r->rec.len - from, 1);
            }
            if (lines > 1 && (open || !csv_record_ok(r, r->rec.data, r->rec.len))) cut_to_first_line(r, first_len, *line);
        }
        if (is_blank(r->rec.data, r->rec.len)) continue;
        *text = tend_buf_cstr(&r->rec);
        *len = r->rec.len;
        return 1;
    }
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

tend_status tend_reader_open(tend_reader *r, const char *path, tend_format fmt, tend_error *err) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        memset(r, 0, sizeof *r);
        return tend_fail(err, TEND_EIO, "%s: %s", path, strerror(errno));
    }
    return tend_reader_open_stream(r, f, f != stdin, path, fmt, err);
}

tend_status tend_reader_open_stream(tend_reader *r, FILE *f, int owns_file, const char *path, tend_format fmt,
                                    tend_error *err) {
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = f;
    r->owns_file = owns_file;
    if (fmt == TEND_FMT_AUTO) fmt = ends_with(path, ".csv") || ends_with(path, ".CSV") ? TEND_FMT_CSV : TEND_FMT_JSONL;
    r->format = fmt;
    if (fmt == TEND_FMT_CSV) {
        const char *text;
        size_t len;
        long line;
        int rc = tend_reader_next(r, &text, &len, &line, err);
        if (rc <= 0) {
            if (rc == 0) tend_fail(err, TEND_EINPUT, "%s: empty CSV file: the first row must name the columns", path);
            tend_reader_close(r);
            return TEND_EINPUT;
        }
        tend_buf cells = {0};
        size_t offs[512];
        csv_fault fault;
        long cell, n = csv_split(text, len, &cells, offs, 512, &fault, &cell);
        if (n < 0 || n > 512) {
            tend_buf_free(&cells);
            tend_fail(err, TEND_EINPUT, "%s:%ld: malformed CSV header", path, line);
            tend_reader_close(r);
            return TEND_EINPUT;
        }
        r->header.names = calloc((size_t)n, sizeof(char *));
        r->header.count = (size_t)n;
        for (long i = 0; i < n; i++) {
            char *name = strdup(cells.data + offs[i]);
            /* Strip a UTF-8 byte-order mark spreadsheets like to write. */
            if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0) memmove(name, name + 3, strlen(name) - 2);
            r->header.names[i] = name;
        }
        tend_buf_free(&cells);
    }
    return TEND_OK;
}

void tend_reader_close(tend_reader *r) {
    if (r->owns_file && r->f) fclose(r->f);
    for (size_t i = 0; i < r->header.count; i++) free(r->header.names[i]);
    free(r->header.names);
    tend_buf_free(&r->rec);
    tend_buf_free(&r->back);
    free(r->linebuf);
    memset(r, 0, sizeof *r);
}

json_t *tend_record_decode(tend_format fmt, const tend_csv_header *h, const char *text, size_t len,
                           tend_error *err) {
    if (fmt != TEND_FMT_CSV) {
        json_error_t jerr;
        json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!v) {
            tend_fail(err, TEND_EINPUT, "invalid JSON (column %d): %s", jerr.column, jerr.text);
            return NULL;
        }
        if (!json_is_object(v)) {
            json_decref(v);
            tend_fail(err, TEND_EINPUT, "expected a JSON object");
            return NULL;
        }
        return v;
    }
    tend_buf cells = {0};
    size_t offs[512];
    csv_fault fault;
    long cell;
    long n = csv_split(text, len, &cells, offs, 512, &fault, &cell);
    json_t *obj = NULL;
    if (n < 0) {
        static const char *const why[] = {
            [CSV_UNCLOSED] = "a quoted cell is never closed",
            [CSV_BARE_QUOTE] = "a quote inside an unquoted cell (quote the whole cell and double the quote: \"12\"\" monitor\")",
            [CSV_AFTER_QUOTE] = "text after the closing quote of a quoted cell",
        };
        if ((size_t)cell < h->count)
            tend_fail(err, TEND_EINPUT, "field '%s': malformed CSV: %s", h->names[cell], why[fault]);
        else
            tend_fail(err, TEND_EINPUT, "malformed CSV: cell %ld: %s", cell + 1, why[fault]);
    } else if ((size_t)n != h->count) {
        tend_fail(err, TEND_EINPUT, "CSV row has %ld cells, the header names %zu", n, h->count);
    } else {
        obj = json_object();
        for (long i = 0; i < n; i++) {
            const char *cell = cells.data + offs[i];
            if (!*cell) continue;
            json_t *s = json_string(cell);
            if (!s) {
                tend_fail(err, TEND_EINPUT, "field '%s': invalid UTF-8", h->names[i]);
                json_decref(obj);
                obj = NULL;
                break;
            }
            json_object_set_new(obj, h->names[i], s);
        }
    }
    tend_buf_free(&cells);
    return obj;
}
