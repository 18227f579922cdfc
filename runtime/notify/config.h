/* Which connectors exist and where each outbox row goes.
 *
 * Settings come from a JSON file — `--connectors FILE`, else
 * $TEND_CONNECTORS, else connectors.json in the playbook folder — or from
 * a Lua file returning the same structure (a FILE ending in .lua, or the
 * playbook's connectors.lua; both in one folder is an error), evaluated
 * once in a sandbox of its own (lua/datafile.h), and from the environment:
 *
 *   {"connectors": {"crm":  {"type": "webhook", "url_env": "CRM_URL", "secret_env": "CRM_SECRET",
 *                            "retry": ["0s", "5s", "5m"], "timeout": "10s"},
 *                   "file": {"type": "file", "path": "outbox/{tenant}.jsonl"}},
 *    "routes": {"webhook": "crm", "notify:csm_slack": "crm", "*": "file"}}
 *
 *   TEND_WEBHOOK_URL, TEND_WEBHOOK_SECRET  define the connector "webhook"
 *                                          (unless the file defines one)
 *   TEND_ROUTES="webhook=webhook,*=file"   routes, over the file's
 *
 * A `file` connector writing $TEND_HOME/outbox/<tenant>.jsonl always
 * exists unless configured otherwise, and is where rows go by default.
 *
 * Routing a row: its `connector` column (the action's `connector` option)
 * names a route or a connector; else a route for "<kind>:<name>" (name:
 * the notify channel, webhook target or email template), then for the
 * kind, then a connector named like the kind; else the route "*", else
 * `file`.
 *
 * Each connector has the host's common settings: "retry" (the schedule of
 * attempts, default Standard Webhooks'), "jitter" (0.1), "timeout" (15s). */
#ifndef TEND_NOTIFY_CONFIG_H
#define TEND_NOTIFY_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "base/status.h"
#include "connectors/registry.h"
#include "notify/retry.h"

typedef struct {
    char *name;
    const tend_connector_type *type;
    const char *origin; /* "built-in" or the plugin's path (the registry's) */
    void *state;
    tend_retry_policy retry;
    long timeout_ms;
    int disabled; /* gone (HTTP 410): rows are held until `tend outbox enable` */
} tend_connector_instance;

typedef struct {
    char *key, *to;
} tend_route;

typedef struct {
    tend_connector_registry registry;
    tend_connector_host host;
    char data_dir[PATH_MAX];
    char source[PATH_MAX + 64]; /* where the settings came from, for messages */
    tend_connector_instance *inst;
    size_t ninst;
    tend_route *routes;
    size_t nroutes;
} tend_notify_config;

typedef struct {
    const char *file;         /* --connectors, or NULL */
    const char *playbook_dir; /* for connectors.json, or NULL */
    const char *data_dir;     /* absolute $TEND_HOME */
} tend_notify_config_opts;

/* Loads types (with plugins from TEND_CONNECTOR_PATH), settings, and
 * configures every connector. Bad settings: TEND_EPLAYBOOK (exit 3). */
tend_status tend_notify_config_load(tend_notify_config *c, const tend_notify_config_opts *o, tend_error *err);

tend_connector_instance *tend_notify_find(tend_notify_config *c, const char *name);

/* Where a row goes (see above); NULL with a reason in why. */
tend_connector_instance *tend_notify_route(tend_notify_config *c, const char *kind, const char *name,
                                           const char *connector, char *why, size_t cap);

void tend_notify_config_free(tend_notify_config *c);

#endif
