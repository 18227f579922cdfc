/* The built-in connectors' shared reading of settings (see settings.h). */
#include "connectors/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

json_t *tend_settings_open(const char *config, const char *instance, char *err, size_t cap) {
    json_error_t je;
    json_t *o = json_loads(config, 0, &je);
    if (json_is_object(o)) return o;
    json_decref(o);
    snprintf(err, cap, "connector '%s': settings must be an object", instance);
    return NULL;
}

int tend_settings_unknown(const tend_connector_host *host, const char *instance, const char *type, const char *key,
                          const char *takes, char *err, size_t cap) {
    if (host->is_common_key(key)) return 0;
    snprintf(err, cap, "connector '%s': unknown setting \"%s\" (%s takes %s)", instance, key, type, takes);
    return -1;
}

int tend_settings_secret_in_file(const char *instance, const char *what, const char *env_key, char *err, size_t cap) {
    snprintf(err, cap,
             "connector '%s': %s are read from the environment, never from the file: name the variable with \"%s\"",
             instance, what, env_key);
    return -1;
}

int tend_settings_configure(const tend_connector_host *host, const char *instance, const char *config,
                            size_t state_size, tend_settings_reader read, void (*release)(void *), void **state,
                            char *err, size_t cap) {
    json_t *o = tend_settings_open(config, instance, err, cap);
    void *s = tend_calloc(1, state_size);
    int rc = o ? read(host, instance, config, o, s, err, cap) : -1;
    if (rc == 0) *state = s;
    else release(s);
    json_decref(o);
    return rc;
}

void tend_secret_free(char *secret) {
    if (secret) memset(secret, 0, strlen(secret));
    free(secret);
}
