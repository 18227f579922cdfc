/* Errors as values: every fallible host function returns a tend_status and,
 * when it fails, fills a tend_error with one line that names what went wrong
 * (file:line: field: reason). Exit codes of the CLI derive from the status. */
#ifndef TEND_STATUS_H
#define TEND_STATUS_H

#include <stddef.h>

typedef enum {
    TEND_OK = 0,
    TEND_EUSAGE,    /* bad command line */
    TEND_EINPUT,    /* malformed input record */
    TEND_EPLAYBOOK, /* playbook failed to load or validate */
    TEND_ERUNTIME,  /* a Lua error while evaluating */
    TEND_ETIMEOUT,  /* time budget exhausted */
    TEND_EMEMORY,   /* memory cap reached */
    TEND_EIO,       /* file or stream error */
    TEND_EDB        /* database unavailable */
} tend_status;

#define TEND_ERROR_MAX 4096

typedef struct {
    tend_status status;
    char msg[TEND_ERROR_MAX];
} tend_error;

/* Sets err (when not NULL) and returns status, so callers can write
 * `return tend_fail(err, TEND_EIO, "%s: %s", path, strerror(errno));` */
tend_status tend_fail(tend_error *err, tend_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Exit code the CLI contract gives for a status (DESIGN "CLI"). */
int tend_exit_code(tend_status status);

const char *tend_status_name(tend_status status);

#endif
