/* The connector extension interface: how a notification leaves tend.
 *
 * A connector type is a small vtable. The built-ins (file.c, webhook.c,
 * slack.c, smtp.c, http.c: the declarative HTTP/JSON connector) use it
 * exactly as a plugin does; a plugin is a shared object in a folder of
 * TEND_CONNECTOR_PATH that exports
 *
 *     const tend_connector_type *tend_connector_entry(int abi);
 *
 * returning its type (or NULL when it does not speak `abi`). This header is
 * the whole contract: a plugin includes nothing else of tend, and everything
 * it needs from the host comes through the tend_connector_host table handed
 * to configure(). See README.md in this folder for a guide.
 *
 * The delivery loop (runtime/notify/deliver.c) calls, for each outbox row:
 *   - prepare(): build an HTTP request through the host's setters; the host
 *     sends it with libcurl multi (keep-alive, bounded concurrency, the
 *     connector's timeout), then asks classify() what the answer means; or
 *   - send(): deliver synchronously without HTTP (a local file, a queue)
 *     and say how it went.
 * A type implements exactly one of the two. Both must be idempotent per
 * message id: after a crash the same message (same `id`) may come again.
 *
 * Threads: all calls come from the one delivery thread. A plugin's calls
 * run under a deadline (the connector's timeout): one that overruns it,
 * crashes, or outlasts a stop request ends the process, and the row it was
 * on counts the attempt (README.md: Containment). Errors are values:
 * a function that fails writes one line into err (never a secret) and
 * returns -1.
 */
#ifndef TEND_CONNECTOR_H
#define TEND_CONNECTOR_H

#include <stddef.h>

#define TEND_CONNECTOR_ABI 3 /* 2: tend_connector_type gained sync(); 3: the host gained url() */
/* The oldest ABI the host still serves: tend_connector_entry(abi) is asked
 * for TEND_CONNECTOR_ABI first, then each older one down to this, and the
 * first type returned is used (its `abi` must be the one asked for). A
 * plugin that answers only its own ABI keeps loading after additions to
 * the end of the host's table; one built for ABI 2 must not call url(). */
#define TEND_CONNECTOR_ABI_OLDEST 2

/* One notification, as the delivery loop hands it to a connector. Strings
 * are NUL-terminated and live until the call returns. */
typedef struct {
    const char *id;         /* "msg_<32 hex>": derived from tenant and intent key,
                               the same on every attempt (receivers dedupe by it) */
    const char *tenant;
    const char *account_id;
    const char *kind;       /* the intent's kind, one stdlib/tend/intents.lua queues:
                               email, notify, webhook, or one added there */
    const char *key;        /* the intent's dedupe key */
    long long outbox_id;
    int attempt;            /* 1 for the first attempt of this row */
    long long created_at;   /* when the intent was queued, epoch seconds */
    const char *payload;    /* the intent object as stored, JSON text */
    const char *body;       /* the envelope every built-in sends, JSON text:
                               {"id","type":"tend.<kind>","timestamp","tenant",
                                "account_id","key","data":<payload>} */
    size_t body_len;
} tend_message;

/* What happened, decided by classify() or send(). */
typedef enum {
    TEND_DELIVERED = 0, /* done: the row is marked sent */
    TEND_RETRY,         /* try again on the connector's schedule (dead after the last) */
    TEND_FAILED,        /* final: the row is dead-lettered now */
    TEND_GONE           /* the endpoint is gone (HTTP 410): the connector is disabled
                           and its rows are held until `tend outbox enable NAME` */
} tend_verdict_kind;

typedef struct {
    tend_verdict_kind kind;
    double retry_after; /* seconds the receiver asked us to wait (Retry-After); < 0: none */
    char error[256];    /* for a failed attempt: one line, recorded and shown */
} tend_verdict;

/* An HTTP answer (or the lack of one). */
typedef struct tend_response {
    long status;                 /* HTTP: the status, 0 when no answer (see transport_error).
                                    Other protocols (SMTP): the server's last reply code, kept
                                    even when the transfer failed (a refusal is an error to
                                    libcurl): check transport_error before counting 2xx */
    const char *transport_error; /* non-NULL: timeout, refused, TLS... (one line) */
    int timed_out;
    double retry_after;          /* the Retry-After header in seconds, < 0 if absent */
    const char *body;            /* the first bytes of the body (an excerpt) */
    size_t body_len;
    double seconds;              /* how long the request took */
    const void *host_data;       /* the host's: pass back to host->header() */
} tend_response;

/* What prepare() returns when a message can never be sent as it is: the
 * row is dead-lettered at once, with err as its last error. */
#define TEND_PREPARE_FAILED (-2)

/* Owned by the host; built with the setters of tend_connector_host. */
typedef struct tend_request tend_request;

/* What the host offers a connector. Setter functions return 0, or -1 when
 * out of memory or given a bad value. */
typedef struct {
    int abi;
    const char *version;  /* tend's version, e.g. for a User-Agent */
    const char *data_dir; /* absolute $TEND_HOME: local connectors write under it */

    /* Building a request in prepare(). Default method POST, no headers,
     * empty body, the connector's timeout. */
    int (*set_url)(tend_request *r, const char *url);
    int (*set_method)(tend_request *r, const char *method);
    int (*add_header)(tend_request *r, const char *name, const char *value);
    int (*set_body)(tend_request *r, const void *body, size_t len);

    /* Reading an answer in classify(): a response header's value (first
     * occurrence, name case-insensitive), or NULL. */
    const char *(*header)(const tend_response *resp, const char *name);
    /* The default verdict on an HTTP answer: 2xx delivered; 410 gone; 408,
     * 429, 3xx, 5xx and no answer retried (Retry-After kept); other 4xx
     * failed. Connectors that only refine it call it first. */
    void (*classify_http)(const tend_response *resp, tend_verdict *v);

    /* A secret: the value of the environment variable `env_name`, or NULL.
     * Secrets live only in the environment: never print, log or store one. */
    const char *(*secret)(const char *env_name);

    /* Crypto for signing connectors (libcrypto underneath). base64 writes
     * NUL-terminated text and returns its length, or -1 if cap is short;
     * base64_decode returns the byte count, or -1 on bad input. */
    int (*hmac_sha256)(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char out[32]);
    int (*base64)(const void *in, size_t len, char *out, size_t cap);
    int (*base64_decode)(const char *in, unsigned char *out, size_t cap);

    /* Reads a top-level string setting from configure()'s JSON text:
     * returns 1 and copies it into out, 0 when absent, -1 when it is not a
     * string or does not fit. */
    int (*setting)(const char *config, const char *key, char *out, size_t cap);
    /* Settings every connector has, handled by the host (a connector's
     * configure() should accept them silently): "type", "retry", "jitter",
     * "timeout". Returns 1 for those names. */
    int (*is_common_key)(const char *name);

    /* The instance's URL, read from configure()'s JSON text: its "url"
     * setting, or the value of the environment variable its "url_env"
     * names (a URL that carries a token), never both; env_only: "url_env"
     * only (the URL is a secret). schemes lists the accepted beginnings,
     * space-separated ("http:// https://"); a URL with a space or a line
     * break is refused. Returns 0 with the URL copied into out, or -1 with
     * one line in err naming the instance. A configure() that uses it
     * accepts "url" and "url_env" among its keys. (ABI 3.) */
    int (*url)(const char *config, const char *instance, const char *schemes, int env_only, char *out, size_t cap,
               char *err, size_t err_cap);
} tend_connector_host;

typedef struct tend_connector_type {
    int abi;          /* TEND_CONNECTOR_ABI */
    const char *name; /* the "type" that selects it in connectors.json */

    /* Reads one configured instance. `instance` is its name in
     * connectors.json (also how routes and rows name it), `config` the JSON
     * text of its settings object. Keep `host`: it stays valid until free().
     * Secrets come from environment variables named in the config
     * ("secret_env"), through host->secret(). */
    int (*configure)(const tend_connector_host *host, const char *instance, const char *config, void **state,
                     char *err, size_t cap);

    /* HTTP connectors: build the request for m. Returns 0; -1 when it
     * cannot now (retried on the connector's schedule); or
     * TEND_PREPARE_FAILED when m can never be sent as it is (a field its
     * template needs is missing, an email intent with no rendered
     * message): dead-lettered now with err as its last error. */
    int (*prepare)(void *state, const tend_message *m, tend_request *req, char *err, size_t cap);
    /* Optional: the verdict on the answer to a prepared request. NULL:
     * host->classify_http. */
    void (*classify)(void *state, const tend_message *m, const tend_response *resp, tend_verdict *v);
    /* Optional: protocol options on the libcurl easy handle (a CURL *) after
     * the host applied the request, e.g. SMTP's MAIL FROM, RCPT TO and
     * upload callback. The handle is reused: set every option you use. */
    int (*setup_curl)(void *state, const tend_message *m, void *curl_easy, char *err, size_t cap);

    /* Local connectors: deliver m now, instead of prepare(). */
    void (*send)(void *state, const tend_message *m, tend_verdict *v);
    /* Optional, with send(): make durable everything send() called
     * delivered since the last sync(), e.g. one fdatasync per file for a
     * whole batch instead of one per message. The host calls it after each
     * batch of sends and records none of their verdicts before it returns;
     * -1 (with one line in err) turns that batch's deliveries through this
     * instance into retries. NULL: send() itself makes each one durable. */
    int (*sync)(void *state, char *err, size_t cap);

    void (*free)(void *state);
} tend_connector_type;

/* What a plugin exports (see the top of this file). */
typedef const tend_connector_type *(*tend_connector_entry_fn)(int abi);
#define TEND_CONNECTOR_ENTRY "tend_connector_entry"

#endif
