/* Loading a playbook into a sandbox and evaluating accounts through it. */
#define _GNU_SOURCE
#include "eval/playbook.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/isotime.h"
#include "lua/isolate.h"
#include "lua/json.h"
#include "lua/protect.h"
#include "lua/sandbox.h"
#include "lua/timeline.h"

struct tend_playbook {
    lua_State *L;
    int evaluate_ref, collect_ref, summarize_ref; /* LUA_NOREF when absent */
    double timeout_ms;
    char digest[7 + 64 + 1];
    tend_buf summary;
    tend_buf send_policy; /* the declared send policy as JSON; empty: none */
    char broken[512];     /* non-empty: why no more accounts can be evaluated */
};

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The playbook's top-level *.lua files, sorted by name. */
static tend_status list_files(const char *dir, char ***out, size_t *n, tend_error *err) {
    DIR *d = opendir(dir);
    if (!d) return tend_fail(err, TEND_EPLAYBOOK, "%s: cannot open playbook folder: %s", dir, strerror(errno));
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0 || e->d_name[0] == '.') continue;
        if (strcmp(e->d_name, "connectors.lua") == 0) continue; /* settings for tend deliver, not rules */
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        names = realloc(names, (count + 1) * sizeof *names);
        if (!names) abort();
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    if (count) qsort(names, count, sizeof *names, cmp_names);
    *out = names;
    *n = count;
    return TEND_OK;
}

int tend_playbook_has_files(const char *dir) {
    char **names;
    size_t n;
    tend_error err;
    if (list_files(dir, &names, &n, &err) != TEND_OK) return 1;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return n > 0;
}

/* Every file of the playbook but its specs: the top-level files, modules it
 * requires (lib/...) and templates all change what it decides. */
static void collect_files(const char *dir, const char *rel, char ***names, size_t *n) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || (!*rel && strcmp(e->d_name, "spec") == 0)) continue;
        char sub[4096], full[8192];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, sub);
        struct stat st;
        if (stat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            collect_files(dir, sub, names, n);
        } else if (S_ISREG(st.st_mode)) {
            *names = realloc(*names, (*n + 1) * sizeof **names);
            if (!*names) abort();
            (*names)[(*n)++] = strdup(sub);
        }
    }
    closedir(d);
}

static void digest_playbook(const char *dir, char out[7 + 64 + 1]) {
    char **names = NULL;
    size_t n = 0;
    collect_files(dir, "", &names, &n);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        EVP_DigestUpdate(ctx, names[i], strlen(names[i]) + 1);
        FILE *f = fopen(path, "rb");
        if (f) {
            char buf[8192];
            size_t got;
            while ((got = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, got);
            fclose(f);
        }
        EVP_DigestUpdate(ctx, "", 1);
        free(names[i]);
    }
    free(names);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    strcpy(out, "sha256:");
    for (unsigned i = 0; i < 32; i++) sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

/* Appends each line of the error message (the problems of a failed load). */
static void add_problem(tend_buf *problems, const char *msg) {
    const char *tb = strstr(msg, "\nstack traceback:");
    tend_buf_add(problems, msg, tb ? (size_t)(tb - msg) : strlen(msg));
    tend_buf_addc(problems, '\n');
}

/* Starting the DSL and validating run the host's own stdlib, not playbook
 * code: they get a budget of their own, so a tight --eval-timeout (or a
 * slow, sanitized build) limits the playbook, not tend's start-up. */
#define TEND_STDLIB_BUDGET_MS 10000.0

static double stdlib_budget(const tend_playbook *pb) {
    return pb->timeout_ms > TEND_STDLIB_BUDGET_MS ? pb->timeout_ms : TEND_STDLIB_BUDGET_MS;
}

/* require("tend.boot").begin(_G) -> builder, kept on the stack. */
static tend_status begin(tend_playbook *pb, tend_error *err) {
    lua_State *L = pb->L;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "tend.boot");
    tend_status st = tend_lua_pcall(L, 1, 1, stdlib_budget(pb), err);
    if (st != TEND_OK) return st;
    lua_getfield(L, -1, "begin");
    lua_pushglobaltable(L);
    return tend_lua_pcall(L, 1, 1, stdlib_budget(pb), err); /* stack: boot, builder */
}

static tend_status load_file(tend_playbook *pb, const char *path, tend_buf *problems) {
    lua_State *L = pb->L;
    tend_error e;
    if (luaL_loadfilex(L, path, "t") != LUA_OK) {
        add_problem(problems, lua_tostring(L, -1));
        lua_pop(L, 1);
        return TEND_EPLAYBOOK;
    }
    if (tend_lua_pcall(L, 0, 0, pb->timeout_ms, &e) != TEND_OK) {
        if (e.status != TEND_ERUNTIME) tend_buf_printf(problems, "%s: while loading: ", path);
        add_problem(problems, e.msg);
        return TEND_EPLAYBOOK;
    }
    return TEND_OK;
}

/* Lists the entries of a folder (sorted, no dotfiles) into names. */
static size_t list_dir(const char *path, char ***names) {
    *names = NULL;
    DIR *d = opendir(path);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        *names = realloc(*names, (n + 1) * sizeof **names);
        if (!*names) abort();
        (*names)[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(*names, n, sizeof **names, cmp_names);
    return n;
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* <root>/<locale>/<name>.txt -> { [locale] = { [name] = {text=, path=} } },
 * for the playbook's templates/ and the stdlib's catalogue alike (one file
 * format, one reader). Paths are gathered in C first; Lua is called only
 * with no folder open, and the lists are freed whatever Lua raises. */
typedef struct {
    const char *root;  /* the folder read */
    const char *label; /* the folder as errors name it */
    char **locales;
    size_t nlocales;
    char ***files;
    size_t *nfiles;
} template_list;

static int push_templates(lua_State *L) {
    template_list *t = lua_touserdata(L, 1);
    lua_newtable(L);
    for (size_t i = 0; i < t->nlocales; i++) {
        lua_newtable(L);
        for (size_t j = 0; j < t->nfiles[i]; j++) {
            const char *file = t->files[i][j];
            size_t len = strlen(file);
            if (len < 5 || strcmp(file + len - 4, ".txt") != 0) continue;
            lua_createtable(L, 0, 2);
            lua_pushfstring(L, "%s/%s/%s", t->root, t->locales[i], file);
            tend_push_file(L, lua_tostring(L, -1));
            lua_pushfstring(L, "%s/%s/%s", t->label, t->locales[i], file);
            lua_replace(L, -3);
            lua_setfield(L, -3, "text");
            lua_setfield(L, -2, "path");
            lua_pushlstring(L, file, len - 4);
            lua_insert(L, -2);
            lua_settable(L, -3);
        }
        lua_setfield(L, -2, t->locales[i]);
    }
    return 1;
}

/* Pushes the template files under root (see push_templates); on failure
 * pushes nothing. */
static tend_status push_template_dir(tend_playbook *pb, const char *root, const char *label, tend_error *err) {
    lua_State *L = pb->L;
    template_list tl = {.root = root, .label = label};
    tl.nlocales = list_dir(root, &tl.locales);
    tl.files = calloc(tl.nlocales + 1, sizeof *tl.files);
    tl.nfiles = calloc(tl.nlocales + 1, sizeof *tl.nfiles);
    for (size_t i = 0; i < tl.nlocales; i++) {
        char sub[8192];
        snprintf(sub, sizeof sub, "%s/%s", root, tl.locales[i]);
        tl.nfiles[i] = list_dir(sub, &tl.files[i]);
    }
    lua_pushcfunction(L, push_templates);
    lua_pushlightuserdata(L, &tl);
    tend_status st = tend_lua_pcall(L, 1, 1, pb->timeout_ms, err);
    for (size_t i = 0; i < tl.nlocales; i++) free_names(tl.files[i], tl.nfiles[i]);
    free_names(tl.locales, tl.nlocales);
    free(tl.files);
    free(tl.nfiles);
    return st;
}

/* boot.finish(builder, templates, stdlib_templates) -> compiled | nil, problems, summary */
static tend_status finish(tend_playbook *pb, const char *dir, const char *stdlib_dir, tend_buf *problems,
                          tend_error *err) {
    lua_State *L = pb->L; /* stack: boot, builder */
    lua_getfield(L, -2, "finish");
    lua_pushvalue(L, -2);
    char root[4096], sroot[4096];
    snprintf(root, sizeof root, "%s/templates", dir);
    snprintf(sroot, sizeof sroot, "%s/tend/templates", stdlib_dir);
    tend_status st = push_template_dir(pb, root, root, err);
    if (st == TEND_OK && (st = push_template_dir(pb, sroot, "stdlib/tend/templates", err)) != TEND_OK) lua_pop(L, 1);
    if (st != TEND_OK) {
        lua_pop(L, 2);
        return st;
    }
    st = tend_lua_pcall(L, 3, 3, stdlib_budget(pb), err);
    if (st != TEND_OK) return st;
    for (lua_Integer i = 1; lua_rawgeti(L, -2, i) == LUA_TSTRING; i++) {
        tend_buf_adds(problems, lua_tostring(L, -1));
        tend_buf_addc(problems, '\n');
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* summary.counts: { {"segments", n}, ... } in the order boot.lua gives. */
    lua_getfield(L, -1, "counts");
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TTABLE; i++) {
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        if (lua_type(L, -2) == LUA_TSTRING)
            tend_buf_printf(&pb->summary, "%-12s %lld\n", lua_tostring(L, -2), (long long)lua_tointeger(L, -1));
        lua_pop(L, 3);
    }
    lua_pop(L, 2); /* nil, counts */
    if (lua_getfield(L, -1, "send_policy") == LUA_TSTRING)
        tend_buf_printf(&pb->summary, "send_policy  %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, -1, "schedules");
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        tend_buf_printf(&pb->summary, "schedule     %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 4); /* nil, schedules, summary, problems */
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return TEND_EPLAYBOOK;
    }
    int *refs[] = {&pb->evaluate_ref, &pb->collect_ref, &pb->summarize_ref};
    const char *names[] = {"evaluate", "collect", "summarize"};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, -1, names[i]);
        *refs[i] = lua_isfunction(L, -1) ? luaL_ref(L, LUA_REGISTRYINDEX) : (lua_pop(L, 1), LUA_NOREF);
    }
    size_t len;
    if (lua_getfield(L, -1, "send_policy") == LUA_TSTRING) {
        const char *json = lua_tolstring(L, -1, &len);
        tend_buf_add(&pb->send_policy, json, len);
        tend_buf_cstr(&pb->send_policy);
    }
    lua_pop(L, 2);
    return TEND_OK;
}

tend_status tend_playbook_open(const char *dir, const tend_playbook_opts *o, tend_playbook **out,
                               tend_buf *problems, tend_error *err) {
    *out = NULL;
    char **names = NULL;
    size_t n = 0;
    tend_status st = list_files(dir, &names, &n, err);
    if (st != TEND_OK) return st;
    tend_playbook *pb = calloc(1, sizeof *pb);
    if (!pb) abort();
    pb->evaluate_ref = pb->collect_ref = pb->summarize_ref = LUA_NOREF;
    pb->timeout_ms = o->eval_timeout_ms > 0 ? o->eval_timeout_ms : TEND_DEFAULT_EVAL_TIMEOUT_MS;
    tend_sandbox_opts so = {
        .mem_limit = o->mem_limit ? o->mem_limit : TEND_DEFAULT_MEM_LIMIT,
        .playbook_dir = dir,
        .stdlib_dir = o->stdlib_dir ? o->stdlib_dir : tend_stdlib_dir(),
    };
    pb->L = tend_sandbox_new(&so, err);
    if (!pb->L) {
        st = TEND_EPLAYBOOK;
        goto done;
    }
    if (n == 0) {
        st = tend_fail(err, TEND_EPLAYBOOK, "%s: no .lua files: a playbook is a folder of Lua files", dir);
        goto done;
    }
    digest_playbook(dir, pb->digest);
    if ((st = begin(pb, err)) != TEND_OK) {
        tend_error cause = *err; /* tend_fail must not read what it writes */
        st = tend_fail(err, TEND_EPLAYBOOK, "cannot start the playbook DSL: %s", cause.msg);
        goto done;
    }
    int broken = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        if (load_file(pb, path, problems) != TEND_OK) broken = 1;
    }
    /* Validate what did load even after a broken file: one run shows all. */
    if ((st = finish(pb, dir, so.stdlib_dir, problems, err)) != TEND_OK || problems->len > 0 || broken) {
        if (st == TEND_OK || st == TEND_EPLAYBOOK) st = tend_fail(err, TEND_EPLAYBOOK, "%s: the playbook is invalid", dir);
        else {
            tend_error cause = *err;
            st = tend_fail(err, TEND_EPLAYBOOK, "%s: validating the playbook failed: %s", dir, cause.msg);
        }
        goto done;
    }
    lua_settop(pb->L, 0);
    /* From here on no account may change what the next one sees.
     * TEND_BENCH_UNISOLATED=1 is for tests/bench/eval only: it measures
     * what isolation costs, and says so on stderr. */
    if (getenv("TEND_BENCH_UNISOLATED") && strcmp(getenv("TEND_BENCH_UNISOLATED"), "1") == 0)
        fprintf(stderr, "tend: TEND_BENCH_UNISOLATED=1: accounts are NOT isolated (benchmark only)\n");
    else if ((st = tend_lua_cpcall(pb->L, tend_isolate_freeze, NULL, err)) != TEND_OK) {
        tend_error cause = *err;
        st = tend_fail(err, TEND_EPLAYBOOK, "%s: cannot freeze the playbook after loading: %s", dir, cause.msg);
        goto done;
    }
    lua_gc(pb->L, LUA_GCCOLLECT);
done:
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (st != TEND_OK) {
        tend_playbook_close(pb);
        return st;
    }
    *out = pb;
    return TEND_OK;
}

const char *tend_playbook_digest(const tend_playbook *pb) { return pb->digest; }

const char *tend_playbook_summary(const tend_playbook *pb) {
    return pb->summary.data ? pb->summary.data : "";
}

const char *tend_playbook_send_policy(const tend_playbook *pb) {
    return pb->send_policy.len ? pb->send_policy.data : NULL;
}

/* ---- evaluation --------------------------------------------------------- */

typedef struct {
    tend_playbook *pb;
    json_t *account;
    const tend_history *h;
    int64_t now;
    tend_buf *out;
} run_args;

static void write_head(tend_buf *out, json_t *account, int64_t now, const char *digest) {
    const char *id = json_string_value(json_object_get(account, "id"));
    const char *tenant = json_string_value(json_object_get(account, "tenant"));
    char at[21];
    tend_time_format(now, at);
    tend_buf_adds(out, "{\"account_id\":");
    tend_json_quote(out, id, strlen(id));
    tend_buf_adds(out, ",\"tenant\":");
    if (!tenant) tenant = "default";
    tend_json_quote(out, tenant, strlen(tenant));
    tend_buf_printf(out, ",\"evaluated_at\":\"%s\",\"playbook\":\"%s\"", at, digest);
}

/* The result's keys after the head, in DESIGN's order, with what an
 * absent value is written as. */
static const struct { const char *key, *absent; } result_keys[] = {
    {"segment", "null"}, {"touch", "null"},   {"stages", "[]"}, {"scorecards", "{}"}, {"health", "null"},
    {"flags", "[]"},     {"actions", "[]"},   {"trace", "[]"},  {"errors", "[]"},     {NULL, NULL},
};

/* Binds the account's timeline and calls the compiled function ref with
 * (account, now), leaving its result on the stack. */
static void call_with_account(lua_State *L, const run_args *r, int ref) {
    const char *id = json_string_value(json_object_get(r->account, "id"));
    tend_account_history ah;
    tend_timeline_bind(L, r->h, tend_history_find(r->h, id, &ah) ? &ah : NULL, r->now);
    tend_isolate_begin_account(L, id);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    tend_json_push(L, r->account);
    lua_pushinteger(L, r->now);
    lua_call(L, 2, 1);
}

static int run_account(lua_State *L) {
    run_args *r = lua_touserdata(L, 1);
    call_with_account(L, r, r->pb->evaluate_ref);
    if (!lua_istable(L, -1)) return luaL_error(L, "the evaluator returned a %s, not a result table", luaL_typename(L, -1));
    int res = lua_gettop(L);
    write_head(r->out, r->account, r->now, r->pb->digest);
    for (int i = 0; result_keys[i].key; i++) {
        tend_buf_printf(r->out, ",\"%s\":", result_keys[i].key);
        lua_pushstring(L, result_keys[i].key);
        if (lua_rawget(L, res) == LUA_TNIL) tend_buf_adds(r->out, result_keys[i].absent);
        else tend_json_encode_as(L, -1, r->out, result_keys[i].key);
        lua_pop(L, 1);
    }
    tend_buf_adds(r->out, "}\n");
    return 0;
}

static void write_failure(tend_buf *out, json_t *account, int64_t now, const char *digest, const tend_error *e) {
    write_head(out, account, now, digest);
    for (int i = 0; result_keys[i].key; i++) {
        if (strcmp(result_keys[i].key, "errors") == 0) break;
        tend_buf_printf(out, ",\"%s\":%s", result_keys[i].key, result_keys[i].absent);
    }
    const char *tb = strstr(e->msg, "\nstack traceback:\n");
    size_t mlen = tb ? (size_t)(tb - e->msg) : strlen(e->msg);
    tend_buf_printf(out, ",\"errors\":[{\"kind\":\"%s\",\"message\":", tend_status_name(e->status));
    tend_json_quote(out, e->msg, mlen);
    if (tb) {
        tb += strlen("\nstack traceback:\n");
        tend_buf_adds(out, ",\"traceback\":");
        tend_json_quote(out, tb, strlen(tb));
    }
    tend_buf_adds(out, "}]}\n");
}

/* After a call into the playbook: what it changed that is not frozen
 * (captured locals, metatables) is put back, so the next account starts
 * from the state the playbook loaded into. If that fails (memory), the
 * state can no longer be trusted and every later call fails. */
static tend_status restore(tend_playbook *pb, tend_status st, tend_error *err) {
    tend_error e;
    if (pb->broken[0] == 0 && tend_lua_cpcall(pb->L, tend_isolate_restore, NULL, &e) != TEND_OK) {
        lua_gc(pb->L, LUA_GCCOLLECT);
        if (tend_lua_cpcall(pb->L, tend_isolate_restore, NULL, &e) != TEND_OK)
            snprintf(pb->broken, sizeof pb->broken, "the playbook's state could not be restored after an account: %.400s",
                     e.msg);
    }
    if (st == TEND_OK && pb->broken[0]) st = tend_fail(err, TEND_ERUNTIME, "%s", pb->broken);
    return st;
}

/* Runs f(r) under the account budget; the timeline is unbound after. */
static tend_status run_protected(tend_playbook *pb, lua_CFunction f, run_args *r, tend_error *err) {
    static const tend_history empty_history; /* read-only: no events, no metrics */
    if (!r->h) r->h = &empty_history;
    if (pb->broken[0]) return tend_fail(err, TEND_ERUNTIME, "%s", pb->broken);
    lua_pushcfunction(pb->L, f);
    lua_pushlightuserdata(pb->L, r);
    tend_status st = tend_lua_pcall(pb->L, 1, 0, pb->timeout_ms, err);
    tend_timeline_bind(pb->L, NULL, NULL, 0);
    return restore(pb, st, err);
}

tend_status tend_playbook_evaluate(tend_playbook *pb, json_t *account, const tend_history *h, int64_t now,
                                   tend_buf *out, tend_error *err) {
    size_t mark = out->len;
    run_args r = {pb, account, h, now, out};
    tend_status st = run_protected(pb, run_account, &r, err);
    if (st != TEND_OK) {
        out->len = mark;
        write_failure(out, account, now, pb->digest, err);
    }
    return st;
}

/* ---- the population pass ------------------------------------------------ */

int tend_playbook_has_population(const tend_playbook *pb) { return pb->collect_ref != LUA_NOREF; }

static int run_collect(lua_State *L) {
    run_args *r = lua_touserdata(L, 1);
    call_with_account(L, r, r->pb->collect_ref);
    tend_json_encode_as(L, -1, r->out, "collected");
    tend_buf_addc(r->out, '\n');
    return 0;
}

tend_status tend_playbook_collect(tend_playbook *pb, json_t *account, const tend_history *h, int64_t now,
                                  tend_buf *out, tend_error *err) {
    size_t mark = out->len;
    run_args r = {pb, account, h, now, out};
    tend_status st = run_protected(pb, run_collect, &r, err);
    if (st != TEND_OK) out->len = mark;
    return st;
}

typedef struct {
    tend_playbook *pb;
    const char *text;
    size_t len;
    tend_buf *out;
} facts_args;

static int run_summarize(lua_State *L) {
    facts_args *f = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, f->pb->summarize_ref);
    tend_json_push_text(L, f->text, f->len);
    lua_call(L, 1, 1);
    tend_json_encode_as(L, -1, f->out, "facts");
    return 0;
}

tend_status tend_playbook_summarize(tend_playbook *pb, const char *rows, size_t len, tend_buf *facts,
                                    tend_error *err) {
    facts_args f = {pb, rows, len, facts};
    lua_pushcfunction(pb->L, run_summarize);
    lua_pushlightuserdata(pb->L, &f);
    /* One call over the whole population: a budget per account would be
     * too tight, none at all unsafe; allow 100 evaluations' worth. */
    return restore(pb, tend_lua_pcall(pb->L, 1, 0, pb->timeout_ms * 100, err), err);
}

static int run_set_facts(lua_State *L) {
    facts_args *f = lua_touserdata(L, 1);
    tend_json_push_text(L, f->text, f->len);
    tend_timeline_set_facts(L);
    return 0;
}

tend_status tend_playbook_set_facts(tend_playbook *pb, const char *facts, size_t len, tend_error *err) {
    facts_args f = {pb, facts, len, NULL};
    lua_pushcfunction(pb->L, run_set_facts);
    lua_pushlightuserdata(pb->L, &f);
    return tend_lua_pcall(pb->L, 1, 0, pb->timeout_ms, err);
}

void tend_playbook_close(tend_playbook *pb) {
    if (!pb) return;
    if (pb->L) tend_sandbox_close(pb->L);
    tend_buf_free(&pb->summary);
    tend_buf_free(&pb->send_policy);
    free(pb);
}
