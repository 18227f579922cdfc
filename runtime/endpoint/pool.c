/* The endpoint's connection pool (see pool.h). */
#include "endpoint/pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "store/db.h"

struct tend_pool {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    tend_db_target target;
    PGconn **idle;
    int nidle, used, size; /* used: handed out or being connected */
};

tend_status tend_pool_new(int size, tend_pool **out, tend_error *err) {
    *out = NULL;
    tend_pool *p = calloc(1, sizeof *p);
    if (!p) abort();
    tend_status st = tend_db_target_resolve(&p->target, err);
    if (st != TEND_OK) {
        free(p);
        return st;
    }
    p->size = size > 0 ? size : 8;
    p->idle = calloc((size_t)p->size, sizeof *p->idle);
    if (!p->idle) abort();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->freed, NULL);
    *out = p;
    return TEND_OK;
}

void tend_pool_free(tend_pool *p) {
    if (!p) return;
    for (int i = 0; i < p->nidle; i++) PQfinish(p->idle[i]);
    free(p->idle);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

tend_status tend_pool_get(tend_pool *p, PGconn **out, tend_error *err) {
    *out = NULL;
    pthread_mutex_lock(&p->mu);
    while (p->nidle == 0 && p->used >= p->size) pthread_cond_wait(&p->freed, &p->mu);
    if (p->nidle > 0) {
        *out = p->idle[--p->nidle];
        p->used++;
        pthread_mutex_unlock(&p->mu);
        return TEND_OK;
    }
    p->used++;
    pthread_mutex_unlock(&p->mu);
    /* Connecting takes a while: outside the lock. */
    tend_status st = tend_db_connect(&p->target, out, err);
    if (st != TEND_OK) {
        pthread_mutex_lock(&p->mu);
        p->used--;
        pthread_cond_signal(&p->freed);
        pthread_mutex_unlock(&p->mu);
    }
    return st;
}

void tend_pool_put(tend_pool *p, PGconn *c) {
    if (!c) return;
    int broken = PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE;
    if (broken) PQfinish(c);
    pthread_mutex_lock(&p->mu);
    p->used--;
    if (!broken) p->idle[p->nidle++] = c;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
}
