/* The connector types compiled into tend, listed once in registry.c. */
#ifndef TEND_CONNECTORS_BUILTIN_H
#define TEND_CONNECTORS_BUILTIN_H

#include "connectors/connector.h"

extern const tend_connector_type tend_connector_file;
extern const tend_connector_type tend_connector_webhook;
extern const tend_connector_type tend_connector_http;
extern const tend_connector_type tend_connector_smtp;
extern const tend_connector_type tend_connector_slack;

#endif
