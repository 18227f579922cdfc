/* The scheduler's cron API, as first published on this path: it lives in
 * base/cron.h (pure time arithmetic, no Lua, no libpq), so the playbook
 * loader below sched/ can validate schedules with the same parser. */
#ifndef TEND_SCHED_CRON_H
#define TEND_SCHED_CRON_H

#include "base/cron.h"

#endif
