/* tend_status helpers: formatting an error and mapping it to an exit code. */
#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>

tend_status tend_fail(tend_error *err, tend_status status, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

int tend_exit_code(tend_status status) {
    switch (status) {
    case TEND_OK: return 0;
    case TEND_EUSAGE: return 2;
    case TEND_EPLAYBOOK: return 3;
    case TEND_EDB: return 4;
    default: return 1;
    }
}

const char *tend_status_name(tend_status status) {
    switch (status) {
    case TEND_OK: return "ok";
    case TEND_EUSAGE: return "usage";
    case TEND_EINPUT: return "input";
    case TEND_EPLAYBOOK: return "playbook";
    case TEND_ERUNTIME: return "runtime";
    case TEND_ETIMEOUT: return "timeout";
    case TEND_EMEMORY: return "memory";
    case TEND_EIO: return "io";
    case TEND_EDB: return "database";
    }
    return "unknown";
}
