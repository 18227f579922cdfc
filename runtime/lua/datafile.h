/* A declarative Lua file (a playbook's connectors.lua): evaluated once in a
 * fresh sandbox of its own, under a memory cap and a time budget, and what
 * it returns handed back as JSON text. The caller never touches Lua: the
 * settings go on as if they had been read from a JSON file. */
#ifndef TEND_DATAFILE_H
#define TEND_DATAFILE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

typedef struct {
    size_t mem_limit;         /* bytes; 0: 16 MiB */
    double timeout_ms;        /* 0: 2000 */
    const char *playbook_dir; /* where `require` looks first; may be NULL */
} tend_datafile_opts;

/* Runs the file at path (text only, chunk named after path, so errors read
 * "path:line: message") and appends the table it returns to json. A load
 * or run error, a timeout, the memory cap, or a result that is not a table
 * of plain data (no functions, NaN, cycles) is TEND_EPLAYBOOK, one line
 * naming the file (and the line, or the path of the bad value). */
tend_status tend_datafile_eval(const char *path, const tend_datafile_opts *o, tend_buf *json, tend_error *err);

#endif
