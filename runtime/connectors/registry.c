/* Built-in connector types and plugins (see registry.h). */
#include "connectors/registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "connectors/builtin.h"

static const tend_connector_type *const builtins[] = {
    &tend_connector_file,
    &tend_connector_webhook,
    &tend_connector_http,
    &tend_connector_smtp,
    &tend_connector_slack,
    NULL,
};

const tend_connector_entry *tend_connector_registry_find(const tend_connector_registry *r, const char *type) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->items[i].type->name, type)) return &r->items[i];
    return NULL;
}

static tend_status add(tend_connector_registry *r, const tend_connector_type *t, const char *origin,
                       tend_error *err) {
    if (!t->name || !*t->name || !t->configure || !t->free || (!t->prepare == !t->send))
        return tend_fail(err, TEND_EPLAYBOOK,
                         "%s: a connector type needs a name, configure, free, and exactly one of prepare or send",
                         origin);
    const tend_connector_entry *dup = tend_connector_registry_find(r, t->name);
    if (dup)
        return tend_fail(err, TEND_EPLAYBOOK, "%s: connector type '%s' is already defined (%s)", origin, t->name,
                         dup->origin);
    r->items = tend_grow(r->items, &r->cap, r->n + 1, sizeof *r->items);
    char *o = tend_strdup(origin);
    r->items[r->n].type = t;
    r->items[r->n++].origin = o;
    return TEND_OK;
}

static tend_status load_plugin(tend_connector_registry *r, const char *file, tend_error *err) {
    void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!h) return tend_fail(err, TEND_EPLAYBOOK, "connector plugin %s does not load: %s", file, dlerror());
    void **handles = tend_realloc(r->handles, (r->nhandles + 1) * sizeof *handles);
    r->handles = handles;
    r->handles[r->nhandles++] = h;
    tend_connector_entry_fn entry;
    *(void **)&entry = dlsym(h, TEND_CONNECTOR_ENTRY);
    if (!entry)
        return tend_fail(err, TEND_EPLAYBOOK, "connector plugin %s has no %s function", file, TEND_CONNECTOR_ENTRY);
    /* The newest ABI the plugin speaks, down to the oldest this host still
     * serves (later ABIs only added to the end of the host's table). */
    const tend_connector_type *t = NULL;
    int abi = TEND_CONNECTOR_ABI;
    for (; abi >= TEND_CONNECTOR_ABI_OLDEST && !t; abi--) t = entry(abi);
    abi++;
    if (!t)
        return tend_fail(err, TEND_EPLAYBOOK,
                         "connector plugin %s speaks no connector ABI this tend serves (%d to %d): rebuild it "
                         "against this tend's connector.h",
                         file, TEND_CONNECTOR_ABI_OLDEST, TEND_CONNECTOR_ABI);
    if (t->abi != abi)
        return tend_fail(err, TEND_EPLAYBOOK,
                         "connector plugin %s was asked for connector ABI %d and answered with a type of ABI %d "
                         "(this tend serves %d to %d)",
                         file, abi, t->abi, TEND_CONNECTOR_ABI_OLDEST, TEND_CONNECTOR_ABI);
    return add(r, t, file, err);
}

static int is_so(const char *name) {
    size_t n = strlen(name);
    return n > 3 && !strcmp(name + n - 3, ".so");
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }
static int so_filter(const struct dirent *d) { return d->d_name[0] != '.' && is_so(d->d_name); }

static tend_status load_entry(tend_connector_registry *r, const char *entry, tend_error *err) {
    struct stat sb;
    if (stat(entry, &sb) != 0)
        return tend_fail(err, TEND_EPLAYBOOK, "TEND_CONNECTOR_PATH: %s does not exist", entry);
    if (!S_ISDIR(sb.st_mode)) return load_plugin(r, entry, err);
    struct dirent **names = NULL;
    int n = scandir(entry, &names, so_filter, by_name);
    if (n < 0) return tend_fail(err, TEND_EPLAYBOOK, "TEND_CONNECTOR_PATH: cannot read %s", entry);
    tend_status rc = TEND_OK;
    for (int i = 0; i < n; i++) {
        if (rc == TEND_OK) {
            char file[PATH_MAX];
            snprintf(file, sizeof file, "%s/%s", entry, names[i]->d_name);
            rc = load_plugin(r, file, err);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

tend_status tend_connector_registry_load(tend_connector_registry *r, const char *path, tend_error *err) {
    memset(r, 0, sizeof *r);
    tend_status rc = TEND_OK;
    for (int i = 0; builtins[i] && rc == TEND_OK; i++) rc = add(r, builtins[i], "built-in", err);
    if (rc != TEND_OK || !path || !*path) return rc;
    char *copy = tend_strdup(path), *save = NULL;
    for (char *e = strtok_r(copy, ":", &save); e && rc == TEND_OK; e = strtok_r(NULL, ":", &save))
        rc = load_entry(r, e, err);
    free(copy);
    return rc;
}

void tend_connector_registry_free(tend_connector_registry *r) {
    for (size_t i = 0; i < r->n; i++) free(r->items[i].origin);
    free(r->items);
    /* TEND_NO_DLCLOSE keeps plugins mapped, so leak checkers can name their frames */
    if (!getenv("TEND_NO_DLCLOSE"))
        for (size_t i = r->nhandles; i-- > 0;) dlclose(r->handles[i]);
    free(r->handles);
    memset(r, 0, sizeof *r);
}
