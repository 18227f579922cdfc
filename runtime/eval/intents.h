/* The intent kinds as the stdlib declares them (stdlib/tend/intents.lua,
 * the one place that names them): which go through the outbox, which the
 * host keeps elsewhere, and which field names each. The nightly writer,
 * the send policy, `tend explain` and the summary read this instead of
 * lists of their own. */
#ifndef TEND_INTENTS_H
#define TEND_INTENTS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

typedef struct {
    char *kind;    /* "email" */
    char *name;    /* the field its name is in: "template" */
    int queued;    /* 1: written to the outbox and sent by tend deliver */
    char *kept_in; /* not queued: the table the host keeps it in ("tasks"), or NULL */
    int quoted;    /* its name is free text: shown in quotes */
} tend_intent_kind;

typedef struct {
    tend_intent_kind *kinds; /* in the declaration's order */
    size_t n;
} tend_intents;

/* Reads the declaration from the stdlib at stdlib_dir (NULL: the default). */
tend_status tend_intents_load(const char *stdlib_dir, tend_intents *out, tend_error *err);

/* The entry of kind, or NULL when none is declared. */
const tend_intent_kind *tend_intents_find(const tend_intents *in, const char *kind);

/* The queued kinds as a PostgreSQL text[] literal: {email,notify,webhook}. */
void tend_intents_queued_array(const tend_intents *in, tend_buf *out);

void tend_intents_free(tend_intents *in);

#endif
