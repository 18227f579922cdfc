/* Bearer tokens, one per tenant: which tenant a request's Authorization
 * header names. Only the tokens' SHA-256 digests are kept, and every
 * digest is compared in constant time, all of them every time, so neither
 * a token's content nor which tenant matched shows in the time taken. */
#ifndef TEND_ENDPOINT_AUTH_H
#define TEND_ENDPOINT_AUTH_H

#include <stddef.h>

#include "endpoint/endpoint.h"

typedef struct tend_auth tend_auth;

tend_auth *tend_auth_new(const tend_endpoint_token *tokens, size_t n);
void tend_auth_free(tend_auth *a);

/* The tenant whose token the header ("Bearer <token>") carries; NULL
 * when the header is missing, malformed or carries no known token. */
const char *tend_auth_tenant(const tend_auth *a, const char *authorization);

#endif
