/* The connector types tend knows: the built-ins (one list, like Lua's
 * linit.c) and plugins, shared objects found in the folders of
 * TEND_CONNECTOR_PATH (colon-separated; an entry may also name one .so). */
#ifndef TEND_CONNECTORS_REGISTRY_H
#define TEND_CONNECTORS_REGISTRY_H

#include <stddef.h>

#include "base/status.h"
#include "connectors/connector.h"

typedef struct {
    const tend_connector_type *type;
    char *origin; /* "built-in" or the plugin's path */
} tend_connector_entry;

typedef struct {
    tend_connector_entry *items;
    size_t n, cap;
    void **handles; /* dlopen handles, closed by free */
    size_t nhandles;
} tend_connector_registry;

/* The built-ins, then every plugin of `path` (NULL or "": none). A plugin
 * that does not load, lacks the entry point, speaks another ABI or reuses a
 * type name is a configuration error (TEND_EPLAYBOOK) naming its file. */
tend_status tend_connector_registry_load(tend_connector_registry *r, const char *path, tend_error *err);

const tend_connector_entry *tend_connector_registry_find(const tend_connector_registry *r, const char *type);

void tend_connector_registry_free(tend_connector_registry *r);

#endif
