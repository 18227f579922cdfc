/* The host's side of connector.h: the request a connector builds, the
 * table of host functions it is given, the default HTTP classification. */
#ifndef TEND_CONNECTORS_HOST_H
#define TEND_CONNECTORS_HOST_H

#include <curl/curl.h>

#include "base/buf.h"
#include "connectors/connector.h"

struct tend_request {
    char method[16];
    char *url;
    struct curl_slist *headers;
    tend_buf body;
    int bad; /* a setter failed: the attempt fails with `why` */
    char why[128];
};

/* Back to the defaults (POST, nothing set), keeping the body's memory. */
void tend_request_reset(tend_request *r);
void tend_request_free(tend_request *r);

/* Fills the table handed to connectors. data_dir must outlive it. */
void tend_connector_host_init(tend_connector_host *h, const char *data_dir);

/* The default verdict (connector.h: classify_http). */
void tend_classify_http(const tend_response *resp, tend_verdict *v);

/* A header's value in a raw header block ("Name: value\r\n..."), copied
 * into buf; NULL when absent. */
const char *tend_header_find(const char *block, size_t len, const char *name, char *buf, size_t cap);

#endif
