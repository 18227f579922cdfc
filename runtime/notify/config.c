/* Connector settings and routing (see config.h). */
#include "notify/config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "connectors/host.h"
#include "lua/datafile.h"

static int valid_name(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.'))
            return 0;
    return 1;
}

tend_connector_instance *tend_notify_find(tend_notify_config *c, const char *name) {
    for (size_t i = 0; i < c->ninst; i++)
        if (!strcmp(c->inst[i].name, name)) return &c->inst[i];
    return NULL;
}

static const char *route_of(const tend_notify_config *c, const char *key) {
    for (size_t i = c->nroutes; i-- > 0;) /* later routes (the environment's) win */
        if (!strcmp(c->routes[i].key, key)) return c->routes[i].to;
    return NULL;
}

static void add_route(tend_notify_config *c, const char *key, const char *to) {
    tend_route *r = tend_realloc(c->routes, (c->nroutes + 1) * sizeof *r);
    c->routes = r;
    r[c->nroutes].key = tend_strdup(key);
    r[c->nroutes].to = tend_strdup(to);
    c->nroutes++;
}

/* The host's common settings of one connector. */
static tend_status common_settings(tend_connector_instance *in, json_t *o, const char *source, tend_error *err) {
    tend_retry_standard(&in->retry);
    in->timeout_ms = 15000;
    json_t *v = json_object_get(o, "retry");
    if (v) {
        if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > TEND_RETRY_MAX)
            return tend_fail(err, TEND_EPLAYBOOK,
                             "%s: connector '%s': \"retry\" must list 1 to %d delays, e.g. [\"0s\", \"5s\", \"5m\"]",
                             source, in->name, TEND_RETRY_MAX);
        size_t i;
        json_t *d;
        json_array_foreach(v, i, d) {
            double s = -1;
            if (json_is_number(d)) s = json_number_value(d);
            else if (!json_is_string(d) || tend_retry_parse_duration(json_string_value(d), &s) != 0) s = -1;
            if (!(s >= 0))
                return tend_fail(err, TEND_EPLAYBOOK,
                                 "%s: connector '%s': retry delay %zu is not a duration (\"500ms\", \"5s\", \"5m\", "
                                 "\"2h\", \"1d\")",
                                 source, in->name, i + 1);
            in->retry.delays[i] = s;
        }
        in->retry.n = (int)json_array_size(v);
    }
    if ((v = json_object_get(o, "jitter"))) {
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
            return tend_fail(err, TEND_EPLAYBOOK, "%s: connector '%s': \"jitter\" must be a number from 0 to 1",
                             source, in->name);
        in->retry.jitter = json_number_value(v);
    }
    if ((v = json_object_get(o, "timeout"))) {
        double s = -1;
        if (json_is_number(v)) s = json_number_value(v);
        else if (!json_is_string(v) || tend_retry_parse_duration(json_string_value(v), &s) != 0) s = -1;
        if (!(s >= 0.001) || s > 3600)
            return tend_fail(err, TEND_EPLAYBOOK,
                             "%s: connector '%s': \"timeout\" must be a duration from 1ms to 1h, e.g. \"15s\"",
                             source, in->name);
        in->timeout_ms = (long)(s * 1000 + 0.5);
    }
    return TEND_OK;
}

static int is_lua(const char *path) {
    size_t n = strlen(path);
    return n > 4 && !strcmp(path + n - 4, ".lua");
}

static int word_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Whether line declares the key `name` ("name =" or ["name"] =). */
static int declares(const char *line, const char *name) {
    size_t n = strlen(name);
    for (const char *p = strstr(line, name); p; p = strstr(p + 1, name)) {
        const char *e = p + n;
        int quoted = p > line && (p[-1] == '"' || p[-1] == '\'') && (*e == '"' || *e == '\'');
        if (quoted) e++, e += *e == ']';
        else if ((p > line && word_char(p[-1])) || word_char(*e)) continue;
        while (*e == ' ' || *e == '\t') e++;
        if (e[0] == '=' && e[1] != '=') return 1;
    }
    return 0;
}

/* Where in a connectors.lua a connector's problem stands, best effort: the
 * line of the placeholder the message quotes, or of the setting it names
 * ("timeout"), after the line declaring the connector; else that line; 0
 * when the connector's line is not found. */
static int lua_line_of(const char *path, const char *name, const char *why) {
    char quoted[256] = "", setting[64] = "";
    const char *open = strstr(why, "{{"), *close = open ? strstr(open, "}}") : NULL;
    if (close && close - open < (long)sizeof quoted - 3)
        snprintf(quoted, sizeof quoted, "%.*s", (int)(close - open + 2), open);
    const char *q = strchr(why, '"'), *qe = q ? strchr(q + 1, '"') : NULL;
    if (!quoted[0] && qe && qe - q - 1 > 0 && qe - q - 1 < (long)sizeof setting) {
        snprintf(setting, sizeof setting, "%.*s", (int)(qe - q - 1), q + 1);
        for (const char *c = setting; *c; c++)
            if (!word_char(*c)) setting[0] = 0;
    }
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[4096];
    int at = 0, found = 0;
    for (int n = 1; fgets(line, sizeof line, f); n++) {
        if (!found && declares(line, name)) {
            found = at = n;
            if (setting[0] && declares(line, setting)) break; /* a one-line declaration */
        } else if (found && ((quoted[0] && strstr(line, quoted)) || (setting[0] && declares(line, setting)))) {
            at = n;
            break;
        }
    }
    fclose(f);
    return at;
}

static tend_status add_instance(tend_notify_config *c, const char *name, json_t *o, const char *source,
                                tend_error *err) {
    if (!valid_name(name))
        return tend_fail(err, TEND_EPLAYBOOK, "%s: connector name '%s' must be letters, digits, '_', '-' or '.'",
                         source, name);
    if (tend_notify_find(c, name)) return TEND_OK; /* the file's wins over the environment's */
    if (!json_is_object(o))
        return tend_fail(err, TEND_EPLAYBOOK, "%s: connector '%s' must be an object with a \"type\"", source, name);
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!type) return tend_fail(err, TEND_EPLAYBOOK, "%s: connector '%s' has no \"type\"", source, name);
    const tend_connector_entry *e = tend_connector_registry_find(&c->registry, type);
    if (!e) {
        char known[256] = "";
        for (size_t i = 0; i < c->registry.n; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                     c->registry.items[i].type->name);
        return tend_fail(err, TEND_EPLAYBOOK, "%s: connector '%s': unknown type '%s' (known: %s)", source, name, type,
                         known);
    }
    tend_connector_instance *in = tend_realloc(c->inst, (c->ninst + 1) * sizeof *in);
    c->inst = in;
    in = &c->inst[c->ninst];
    memset(in, 0, sizeof *in);
    in->name = tend_strdup(name);
    in->type = e->type;
    in->origin = e->origin;
    c->ninst++;
    char why[512] = "";
    tend_error common;
    if (common_settings(in, o, source, &common) != TEND_OK) { /* "source: connector 'x': ..." */
        size_t skip = strlen(source) + 2;
        snprintf(why, sizeof why, "%.500s", strlen(common.msg) > skip ? common.msg + skip : common.msg);
    } else {
        char *text = json_dumps(o, JSON_COMPACT);
        int ok = text && e->type->configure(&c->host, name, text, &in->state, why, sizeof why) == 0;
        free(text);
        if (ok) return TEND_OK;
        in->state = NULL;
        if (!why[0]) snprintf(why, sizeof why, "connector '%s' rejected its settings", name);
    }
    int line = is_lua(source) ? lua_line_of(source, name, why) : 0;
    if (line > 0) return tend_fail(err, TEND_EPLAYBOOK, "%s:%d: %s", source, line, why);
    return tend_fail(err, TEND_EPLAYBOOK, "%s: %s", source, why);
}

/* connectors.json as it is, or connectors.lua evaluated once in a sandbox
 * of its own into the same structure (see lua/datafile.h). */
static tend_status load_settings(const char *path, json_t **root, tend_error *err) {
    json_error_t je;
    if (!is_lua(path)) {
        *root = json_load_file(path, 0, &je);
        return *root ? TEND_OK : tend_fail(err, TEND_EPLAYBOOK, "%s:%d: %s", path, je.line, je.text);
    }
    tend_buf text = {0};
    char dir[PATH_MAX]; /* `require` finds modules next to the file */
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    tend_datafile_opts o = {.playbook_dir = dir};
    tend_status rc = tend_datafile_eval(path, &o, &text, err);
    if (rc == TEND_OK) {
        *root = json_loadb(text.data ? text.data : "", text.len, 0, &je);
        if (!*root) rc = tend_fail(err, TEND_EPLAYBOOK, "%s: %s", path, je.text);
    }
    tend_buf_free(&text);
    return rc;
}

/* An empty Lua table comes out as [], which stands for {} here. */
static int is_empty_array(const json_t *v) { return json_is_array(v) && json_array_size(v) == 0; }

static tend_status read_file(tend_notify_config *c, const char *path, tend_error *err) {
    json_t *root = NULL;
    tend_status rc = load_settings(path, &root, err);
    if (rc != TEND_OK) return rc;
    const char *key;
    json_t *v;
    if (is_empty_array(root)) { /* connectors.lua returned {} */
        json_decref(root);
        root = json_object();
    }
    if (!json_is_object(root)) rc = tend_fail(err, TEND_EPLAYBOOK, "%s: must be a JSON object", path);
    else
        json_object_foreach(root, key, v) {
            if (strcmp(key, "connectors") && strcmp(key, "routes")) {
                rc = tend_fail(err, TEND_EPLAYBOOK, "%s: unknown key \"%s\" (known: connectors, routes)", path, key);
                break;
            }
            if (!json_is_object(v) && !is_empty_array(v)) {
                rc = tend_fail(err, TEND_EPLAYBOOK, "%s: \"%s\" must be an object", path, key);
                break;
            }
        }
    json_t *conns = json_object_get(root, "connectors"), *routes = json_object_get(root, "routes");
    if (is_empty_array(conns)) conns = NULL;
    if (is_empty_array(routes)) routes = NULL;
    if (rc == TEND_OK && conns)
        json_object_foreach(conns, key, v) {
            if ((rc = add_instance(c, key, v, path, err)) != TEND_OK) break;
        }
    if (rc == TEND_OK && routes)
        json_object_foreach(routes, key, v) {
            if (!json_is_string(v)) {
                rc = tend_fail(err, TEND_EPLAYBOOK, "%s: route \"%s\" must name a connector", path, key);
                break;
            }
            add_route(c, key, json_string_value(v));
        }
    json_decref(root);
    return rc;
}

/* TEND_ROUTES="kind=connector,kind:name=connector,*=connector". */
static tend_status env_routes(tend_notify_config *c, const char *text, tend_error *err) {
    char *copy = tend_strdup(text), *save = NULL;
    tend_status rc = TEND_OK;
    for (char *r = strtok_r(copy, ", ", &save); r && rc == TEND_OK; r = strtok_r(NULL, ", ", &save)) {
        char *eq = strchr(r, '=');
        if (!eq || eq == r || !eq[1])
            rc = tend_fail(err, TEND_EPLAYBOOK, "TEND_ROUTES: '%s' is not KEY=CONNECTOR", r);
        else {
            *eq = 0;
            add_route(c, r, eq + 1);
        }
    }
    free(copy);
    return rc;
}

static int exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

tend_status tend_notify_config_load(tend_notify_config *c, const tend_notify_config_opts *o, tend_error *err) {
    memset(c, 0, sizeof *c);
    snprintf(c->data_dir, sizeof c->data_dir, "%s", o->data_dir);
    tend_connector_host_init(&c->host, c->data_dir);
    tend_status rc = tend_connector_registry_load(&c->registry, getenv("TEND_CONNECTOR_PATH"), err);
    if (rc != TEND_OK) return rc;
    char path[PATH_MAX] = "";
    const char *env_file = getenv("TEND_CONNECTORS");
    if (o->file) snprintf(path, sizeof path, "%s", o->file);
    else if (env_file && *env_file) snprintf(path, sizeof path, "%s", env_file);
    else if (o->playbook_dir && *o->playbook_dir) {
        char lua[PATH_MAX];
        snprintf(path, sizeof path, "%s/connectors.json", o->playbook_dir);
        snprintf(lua, sizeof lua, "%s/connectors.lua", o->playbook_dir);
        if (exists(path) && exists(lua))
            return tend_fail(err, TEND_EPLAYBOOK,
                             "%s: the playbook has both connectors.json and connectors.lua: keep one", o->playbook_dir);
        if (!exists(path)) snprintf(path, sizeof path, "%s", exists(lua) ? lua : "");
    }
    if (path[0]) {
        if (!exists(path)) return tend_fail(err, TEND_EPLAYBOOK, "%s: no such file", path);
        snprintf(c->source, sizeof c->source, "%s", path);
        if ((rc = read_file(c, path, err)) != TEND_OK) return rc;
    } else {
        snprintf(c->source, sizeof c->source, "the defaults");
    }
    const char *url = getenv("TEND_WEBHOOK_URL");
    if (url && *url && !tend_notify_find(c, "webhook")) {
        json_t *w = json_pack("{s:s, s:s, s:s}", "type", "webhook", "url_env", "TEND_WEBHOOK_URL", "secret_env",
                              "TEND_WEBHOOK_SECRET");
        rc = add_instance(c, "webhook", w, "TEND_WEBHOOK_URL", err);
        json_decref(w);
        if (rc != TEND_OK) return rc;
    }
    if (!tend_notify_find(c, "file")) {
        json_t *f = json_pack("{s:s}", "type", "file");
        rc = add_instance(c, "file", f, "the default file connector", err);
        json_decref(f);
        if (rc != TEND_OK) return rc;
    }
    const char *routes = getenv("TEND_ROUTES");
    if (routes && *routes && (rc = env_routes(c, routes, err)) != TEND_OK) return rc;
    for (size_t i = 0; i < c->nroutes; i++)
        if (!tend_notify_find(c, c->routes[i].to))
            return tend_fail(err, TEND_EPLAYBOOK, "route \"%s\" names connector '%s', which is not configured",
                             c->routes[i].key, c->routes[i].to);
    return TEND_OK;
}

tend_connector_instance *tend_notify_route(tend_notify_config *c, const char *kind, const char *name,
                                           const char *connector, char *why, size_t cap) {
    const char *to;
    if (connector && *connector) {
        to = route_of(c, connector);
        tend_connector_instance *in = tend_notify_find(c, to ? to : connector);
        if (!in) snprintf(why, cap, "no connector or route named '%s' is configured", connector);
        return in;
    }
    if (name && *name) {
        char key[512];
        snprintf(key, sizeof key, "%s:%s", kind, name);
        if ((to = route_of(c, key))) return tend_notify_find(c, to);
    }
    if ((to = route_of(c, kind))) return tend_notify_find(c, to);
    tend_connector_instance *in = tend_notify_find(c, kind);
    if (in) return in;
    if ((to = route_of(c, "*"))) return tend_notify_find(c, to);
    return tend_notify_find(c, "file");
}

void tend_notify_config_free(tend_notify_config *c) {
    for (size_t i = 0; i < c->ninst; i++) {
        if (c->inst[i].state) c->inst[i].type->free(c->inst[i].state);
        free(c->inst[i].name);
    }
    free(c->inst);
    for (size_t i = 0; i < c->nroutes; i++) free(c->routes[i].key), free(c->routes[i].to);
    free(c->routes);
    tend_connector_registry_free(&c->registry);
    memset(c, 0, sizeof *c);
}
