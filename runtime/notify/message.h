/* What a notification looks like on the wire, the same for every built-in
 * connector (the file connector writes exactly what a webhook receives):
 *
 *   {"id":"msg_…","type":"tend.email","timestamp":"2026-11-21T09:00:00Z",
 *    "tenant":"default","account_id":"acme","key":"welcome:acme:…","data":{the intent}}
 *
 * The id is derived from the tenant and the intent's dedupe key, so every
 * attempt of a row (and any re-queue of the same intent) carries the same
 * webhook-id and a receiver that dedupes by it sees each intent once. */
#ifndef TEND_NOTIFY_MESSAGE_H
#define TEND_NOTIFY_MESSAGE_H

#include <stddef.h>

#include "base/buf.h"

#define TEND_MESSAGE_ID_SIZE 37 /* "msg_" + 32 hex + NUL */

/* "msg_" + the first 16 bytes of SHA-256(tenant "\n" key) in hex. */
void tend_message_id(const char *tenant, const char *key, char out[TEND_MESSAGE_ID_SIZE]);

/* Appends the envelope; payload is JSON text (the intent object as stored). */
void tend_message_envelope(tend_buf *b, const char *id, const char *kind, long long created_at, const char *tenant,
                           const char *account_id, const char *key, const char *payload);

#endif
