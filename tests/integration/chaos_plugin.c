/* A misbehaving connector plugin for deliver_plugin_chaos.sh: it posts the
 * envelope with a webhook-id, except for a message whose payload contains
 * "poison", on which prepare() crashes ("mode": "crash") or never returns
 * ("mode": "hang").
 *   cc -shared -fPIC -I runtime/connectors -o chaos.so chaos_plugin.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connector.h"

typedef struct {
    const tend_connector_host *host;
    char url[512];
    int hang;
} chaos;

static int configure(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap) {
    chaos *c = calloc(1, sizeof *c);
    char mode[16] = "crash";
    if (!c) return snprintf(err, cap, "out of memory"), -1;
    c->host = host;
    if (host->url(config, instance, "http://", 0, c->url, sizeof c->url, err, cap) != 0 ||
        host->setting(config, "mode", mode, sizeof mode) < 0) {
        free(c);
        return -1;
    }
    c->hang = !strcmp(mode, "hang");
    *state = c;
    return 0;
}

static int prepare(void *state, const tend_message *m, tend_request *req, char *err, size_t cap) {
    chaos *c = state;
    if (strstr(m->payload, "poison")) {
        if (c->hang)
            for (;;) sleep(1); /* signals interrupt sleep: it must not matter */
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
    const tend_connector_host *h = c->host;
    if (h->set_url(req, c->url) || h->add_header(req, "Content-Type", "application/json") ||
        h->add_header(req, "webhook-id", m->id) || h->set_body(req, m->body, m->body_len))
        return snprintf(err, cap, "could not build the request"), -1;
    return 0;
}

static void release(void *state) { free(state); }

static const tend_connector_type type = {
    .abi = TEND_CONNECTOR_ABI, .name = "chaos", .configure = configure, .prepare = prepare, .free = release};

const tend_connector_type *tend_connector_entry(int abi) { return abi == TEND_CONNECTOR_ABI ? &type : NULL; }
