/* What the built-in connectors share when they read their settings (a
 * plugin gets the same through tend_connector_host): the settings object,
 * the refusals every connector words alike, and wiping a secret. */
#ifndef TEND_CONNECTORS_SETTINGS_H
#define TEND_CONNECTORS_SETTINGS_H

#include <jansson.h>
#include <stddef.h>

#include "connectors/connector.h"

/* The settings object parsed from config, or NULL with "connector 'NAME':
 * settings must be an object" in err. */
json_t *tend_settings_open(const char *config, const char *instance, char *err, size_t cap);

/* A key the connector does not read itself: 0 when it is one of the
 * host's common settings (type, retry, jitter, timeout); else -1 with
 * "unknown setting \"KEY\" (TYPE takes TAKES)" in err. */
int tend_settings_unknown(const tend_connector_host *host, const char *instance, const char *type, const char *key,
                          const char *takes, char *err, size_t cap);

/* A secret written into the file: -1 with "WHAT are read from the
 * environment, never from the file: name the variable with \"ENV_KEY\"". */
int tend_settings_secret_in_file(const char *instance, const char *what, const char *env_key, char *err, size_t cap);

/* Reads an instance's settings object o into state (zeroed, fresh); 0 or
 * -1 with one line in err. */
typedef int (*tend_settings_reader)(const tend_connector_host *host, const char *instance, const char *config,
                                    json_t *o, void *state, char *err, size_t cap);

/* A built-in's configure(): the settings object, a zeroed state of
 * state_size, read by read; on failure the state is released. */
int tend_settings_configure(const tend_connector_host *host, const char *instance, const char *config,
                            size_t state_size, tend_settings_reader read, void (*release)(void *), void **state,
                            char *err, size_t cap);

/* Wipes a secret's bytes, then frees it (NULL: nothing). */
void tend_secret_free(char *secret);

#endif
