/* Module tend.timeline: what a rule may ask about one account's history —
 * days since an event, counts in a window, metric latest/avg/trend — read
 * straight from the shared C history, so no event becomes a Lua table
 * unless a rule asks for it. Each answer is noted, so the engine can say
 * why a rule fired ("days_since(login) = 8") without the playbook saying so.
 *
 * The module is one table of C closures sharing a context userdata; it
 * works with both t.days_since("login") and t:days_since("login"). Outside
 * an evaluation it is unbound and every accessor raises. */
#include "lua/timeline.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/isotime.h"
#include "data/flatjson.h"
#include "lua/json.h"
#include "lua/modules.h"
#include "lua/sandbox.h"

#define CTX_KEY "tend.timeline.ctx"
#define TABLE_KEY "tend.timeline.table"
#define MAX_NOTES 8

/* What an accessor answered; formatted only if the engine asks why. */
typedef struct {
    const char *fmt; /* takes a and b */
    char a[48], b[16];
    double value;
} note;

typedef struct {
    const tend_history *h;
    tend_account_history ah; /* a copy: valid for the whole evaluation */
    int has_ah;
    int64_t now;
    note notes[MAX_NOTES];
    int nnotes;
} timeline;

static timeline *get(lua_State *L) {
    timeline *t = lua_touserdata(L, lua_upvalueindex(1));
    if (!t->h) luaL_error(L, "the timeline is only available while an account is evaluated");
    /* Accept t:fn(...) as well as t.fn(...): no accessor takes a table first. */
    if (lua_type(L, 1) == LUA_TTABLE) lua_remove(L, 1);
    return t;
}

static void copy_arg(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void remember(timeline *t, double value, const char *fmt, const char *a, const char *b) {
    if (t->nnotes == MAX_NOTES) return;
    note *n = &t->notes[t->nnotes++];
    n->fmt = fmt;
    copy_arg(n->a, sizeof n->a, a);
    copy_arg(n->b, sizeof n->b, b);
    n->value = value;
}

static int64_t window_arg(lua_State *L, int idx, int64_t dflt, const char **text) {
    *text = NULL;
    if (lua_isnoneornil(L, idx)) return dflt;
    if (lua_type(L, idx) == LUA_TNUMBER) return (int64_t)(lua_tonumber(L, idx) * 86400);
    int64_t s;
    *text = luaL_checkstring(L, idx);
    if (tend_duration_parse(*text, &s) != 0)
        luaL_argerror(L, idx, lua_pushfstring(L, "window '%s' is not a duration like '7d' or '24h'", *text));
    return s;
}

/* Events of the account with at <= now, as [first, end). */
static void visible_events(const timeline *t, const tend_event **first, const tend_event **end) {
    if (!t->has_ah) { *first = *end = NULL; return; }
    *first = t->h->events + t->ah.ev_first;
    const tend_event *e = *first + t->ah.ev_count;
    while (e > *first && e[-1].at > t->now) e--;
    *end = e;
}

static lua_Integer calendar_days(int64_t from, int64_t to);

static const tend_event *last_of(const timeline *t, uint32_t type) {
    const tend_event *first, *e;
    visible_events(t, &first, &e);
    while (e > first) {
        e--;
        if (e->type == type) return e;
    }
    return NULL;
}

/* days_since(type): calendar days since the last such event (math.huge if never). */
static int l_days_since(lua_State *L) {
    timeline *t = get(L);
    const char *type = luaL_checkstring(L, 1);
    const tend_event *e = last_of(t, tend_history_type(t->h, type));
    if (!e) {
        remember(t, HUGE_VAL, "days_since(%s)%s", type, "");
        lua_pushnumber(L, HUGE_VAL);
        return 1;
    }
    lua_Integer days = calendar_days(e->at, t->now);
    remember(t, (double)days, "days_since(%s)%s", type, "");
    lua_pushinteger(L, days);
    return 1;
}

static int l_count(lua_State *L) {
    timeline *t = get(L);
    const char *type = luaL_checkstring(L, 1), *wtext;
    int64_t w = window_arg(L, 2, INT64_MAX, &wtext);
    uint32_t ty = tend_history_type(t->h, type);
    const tend_event *first, *e;
    visible_events(t, &first, &e);
    lua_Integer n = 0;
    while (e > first) {
        e--;
        if (w != INT64_MAX && e->at <= t->now - w) break;
        if (e->type == ty) n++;
    }
    remember(t, (double)n, wtext ? "count(%s, %s)" : "count(%s)%s", type, wtext ? wtext : "");
    lua_pushinteger(L, n);
    return 1;
}

/* Pushes an event's data: flat objects straight from their text, anything
 * nested through the JSON bridge. */
static void push_data(lua_State *L, const char *text) {
    tend_flat_record r;
    if (!text || tend_flat_scan(text, strlen(text), &r) != 0) {
        if (text) tend_json_push_text(L, text, strlen(text));
        else lua_newtable(L);
        if (!text) {
            tend_json_push_object_mt(L);
            lua_setmetatable(L, -2);
        }
        return;
    }
    lua_createtable(L, 0, r.n);
    for (int i = 0; i < r.n; i++) {
        const tend_flat_field *f = &r.f[i];
        lua_pushlstring(L, f->key, f->klen);
        switch (f->type) {
        case FLAT_STRING: lua_pushlstring(L, f->text, f->len); break;
        case FLAT_NUMBER:
            if (f->is_int) lua_pushinteger(L, (lua_Integer)f->ival);
            else lua_pushnumber(L, f->num);
            break;
        case FLAT_TRUE: lua_pushboolean(L, 1); break;
        case FLAT_FALSE: lua_pushboolean(L, 0); break;
        case FLAT_NULL: lua_pushlightuserdata(L, NULL); break;
        default: tend_json_push_text(L, f->text, f->len); break;
        }
        lua_rawset(L, -3);
    }
}

/* Whether an event's data has every field of the match table at idx
 * (strings, numbers and booleans compared by value). */
static int data_matches(lua_State *L, int idx, const char *text) {
    tend_flat_record r;
    if (!text || tend_flat_scan(text, strlen(text), &r) != 0) return 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        const tend_flat_field *f = k ? tend_flat_get(&r, k) : NULL;
        int ok = 0;
        if (f) switch (lua_type(L, -1)) {
            case LUA_TSTRING: {
                size_t n;
                const char *v = lua_tolstring(L, -1, &n);
                ok = f->type == FLAT_STRING && f->len == n && memcmp(f->text, v, n) == 0;
                break;
            }
            case LUA_TNUMBER: ok = f->type == FLAT_NUMBER && f->num == lua_tonumber(L, -1); break;
            case LUA_TBOOLEAN: ok = f->type == (lua_toboolean(L, -1) ? FLAT_TRUE : FLAT_FALSE); break;
            default: break;
            }
        lua_pop(L, 1);
        if (!ok) {
            lua_pop(L, 1);
            return 0;
        }
    }
    return 1;
}

static void push_event(lua_State *L, const timeline *t, const tend_event *e) {
    char at[21];
    tend_time_format(e->at, at);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, t->h->type_names[e->type]);
    lua_setfield(L, -2, "type");
    lua_pushstring(L, at);
    lua_setfield(L, -2, "at");
    const char *user = tend_history_string(t->h, e->user);
    if (user) {
        lua_pushstring(L, user);
        lua_setfield(L, -2, "user");
    }
    push_data(L, tend_history_string(t->h, e->data));
    lua_setfield(L, -2, "data");
}

/* last(type [, match]) -> the latest such event (whose data has every
 * field of match, e.g. {dimension = "technical"}), or nil. */
static int l_last(lua_State *L) {
    timeline *t = get(L);
    const char *type = luaL_checkstring(L, 1);
    int match = lua_istable(L, 2);
    uint32_t ty = tend_history_type(t->h, type);
    const tend_event *first, *e;
    visible_events(t, &first, &e);
    while (e > first) {
        e--;
        if (e->type != ty) continue;
        if (match && !data_matches(L, 2, tend_history_string(t->h, e->data))) continue;
        push_event(L, t, e);
        return 1;
    }
    return 0;
}

/* events([type [, window]]) -> list of events, oldest first. */
static int l_events(lua_State *L) {
    timeline *t = get(L);
    const char *type = luaL_optstring(L, 1, NULL), *wtext;
    int64_t w = window_arg(L, 2, INT64_MAX, &wtext);
    uint32_t ty = type ? tend_history_type(t->h, type) : TEND_NONE;
    const tend_event *first, *end;
    visible_events(t, &first, &end);
    lua_newtable(L);
    lua_Integer n = 0;
    for (const tend_event *e = first; e < end; e++) {
        if (type && e->type != ty) continue;
        if (w != INT64_MAX && e->at <= t->now - w) continue;
        push_event(L, t, e);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

static int metric_value(const timeline *t, const tend_metric_row *r, uint32_t field, double *out) {
    const tend_metric_value *v = t->h->values + r->first;
    for (uint32_t i = 0; i < r->count; i++)
        if (v[i].field == field) {
            *out = v[i].value;
            return 1;
        }
    return 0;
}

/* Mean of field over rows with day in (to - w, to]; returns rows used. */
static int mean(const timeline *t, uint32_t field, int64_t to, int64_t w, double *out) {
    if (!t->has_ah) return 0;
    const tend_metric_row *first = t->h->rows + t->ah.m_first, *r = first + t->ah.m_count;
    double sum = 0;
    int n = 0;
    while (r > first) {
        r--;
        if (r->day > to) continue;
        if (r->day <= to - w) break;
        double v;
        if (metric_value(t, r, field, &v)) { sum += v; n++; }
    }
    if (n) *out = sum / n;
    return n;
}

static int l_latest(lua_State *L) {
    timeline *t = get(L);
    const char *name = luaL_checkstring(L, 1);
    uint32_t f = tend_history_field(t->h, name);
    if (t->has_ah && f != TEND_NONE) {
        const tend_metric_row *first = t->h->rows + t->ah.m_first, *r = first + t->ah.m_count;
        while (r > first) {
            r--;
            double v;
            if (r->day <= t->now && metric_value(t, r, f, &v)) {
                remember(t, v, "latest(%s)%s", name, "");
                lua_pushnumber(L, v);
                return 1;
            }
        }
    }
    remember(t, NAN, "latest(%s)%s", name, "");
    return 0;
}

static int l_avg(lua_State *L) {
    timeline *t = get(L);
    const char *name = luaL_checkstring(L, 1), *wtext;
    int64_t w = window_arg(L, 2, 7 * 86400, &wtext);
    double m;
    int n = mean(t, tend_history_field(t->h, name), t->now, w, &m);
    remember(t, n ? m : NAN, "avg(%s, %s)", name, wtext ? wtext : "7d");
    if (!n) return 0;
    lua_pushnumber(L, m);
    return 1;
}

/* trend(field [, window]): change of the mean over the last window against
 * the window before it, as a fraction (-0.25 = down 25% week over week). */
static int l_trend(lua_State *L) {
    timeline *t = get(L);
    const char *name = luaL_checkstring(L, 1), *wtext;
    int64_t w = window_arg(L, 2, 7 * 86400, &wtext);
    uint32_t f = tend_history_field(t->h, name);
    double cur, prev;
    if (!mean(t, f, t->now, w, &cur) || !mean(t, f, t->now - w, w, &prev) || prev == 0) {
        remember(t, NAN, "trend(%s, %s)", name, wtext ? wtext : "7d");
        return 0;
    }
    double r = (cur - prev) / prev;
    remember(t, r, "trend(%s, %s)", name, wtext ? wtext : "7d");
    lua_pushnumber(L, r);
    return 1;
}

static int64_t date_arg(lua_State *L, int idx) {
    size_t len;
    const char *s = luaL_checklstring(L, idx, &len);
    int64_t e;
    if (tend_time_parse(s, len, &e) != 0)
        luaL_argerror(L, idx, lua_pushfstring(L, "'%s' is not an ISO-8601 date or time", s));
    return e;
}

/* Calendar days (UTC) between two times: what people mean by "8 days ago"
 * or "renewal in 120 days", whatever the hour of the nightly run. */
static lua_Integer calendar_days(int64_t from, int64_t to) {
    return (lua_Integer)(floor((double)to / 86400.0) - floor((double)from / 86400.0));
}

/* days_until(date): calendar days from today until date (negative once past). */
static int l_days_until(lua_State *L) {
    timeline *t = get(L);
    lua_Integer d = calendar_days(t->now, date_arg(L, 1));
    remember(t, (double)d, "days_until(%s)%s", lua_tostring(L, 1), "");
    lua_pushinteger(L, d);
    return 1;
}

/* days_since_date(date): calendar days from date until today. */
static int l_days_since_date(lua_State *L) {
    timeline *t = get(L);
    lua_Integer d = calendar_days(date_arg(L, 1), t->now);
    remember(t, (double)d, "days_since_date(%s)%s", lua_tostring(L, 1), "");
    lua_pushinteger(L, d);
    return 1;
}

/* date_in(days) -> the calendar date that many days from today
 * ("2026-11-29"): due dates for tasks, new targets for extensions. */
static int l_date_in(lua_State *L) {
    timeline *t = get(L);
    char out[11];
    tend_date_format(t->now + (int64_t)luaL_checkinteger(L, 1) * 86400, out);
    lua_pushstring(L, out);
    return 1;
}

/* _why() -> what the accessors answered since the last call, then forgets. */
static int l_why(lua_State *L) {
    timeline *t = lua_touserdata(L, lua_upvalueindex(1));
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < t->nnotes; i++) {
        char v[48];
        double x = t->notes[i].value;
        if (isinf(x)) snprintf(v, sizeof v, "never");
        else if (isnan(x)) snprintf(v, sizeof v, "no data");
        else if (x == floor(x) && fabs(x) < 1e15) snprintf(v, sizeof v, "%.0f", x);
        else snprintf(v, sizeof v, "%.4g", x);
        char what[128];
        snprintf(what, sizeof what, t->notes[i].fmt, t->notes[i].a, t->notes[i].b);
        if (i) luaL_addstring(&b, "; ");
        luaL_addstring(&b, what);
        luaL_addstring(&b, " = ");
        luaL_addstring(&b, v);
    }
    t->nnotes = 0;
    luaL_pushresult(&b);
    return 1;
}

static const luaL_Reg timeline_funcs[] = {
    {"days_since", l_days_since}, {"count", l_count},   {"last", l_last},
    {"events", l_events},         {"latest", l_latest}, {"avg", l_avg},
    {"trend", l_trend},           {"days_until", l_days_until},
    {"days_since_date", l_days_since_date}, {"date_in", l_date_in},
    {"_why", l_why},              {NULL, NULL},
};

int tend_open_timeline(lua_State *L) {
    lua_newtable(L);
    timeline *t = lua_newuserdatauv(L, sizeof *t, 0);
    memset(t, 0, sizeof *t); /* created unbound ("closed") */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, CTX_KEY);
    luaL_setfuncs(L, timeline_funcs, 1);
    lua_newtable(L); /* no population pass yet: no facts */
    lua_setfield(L, -2, "facts");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, TABLE_KEY);
    return 1;
}

void tend_timeline_set_facts(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, TABLE_KEY);
    if (!lua_istable(L, -1)) {
        /* the module was never required: require it now so facts have a home */
        lua_pop(L, 1);
        lua_getglobal(L, "require");
        lua_pushliteral(L, "tend.timeline");
        lua_call(L, 1, 0);
        lua_getfield(L, LUA_REGISTRYINDEX, TABLE_KEY);
    }
    lua_insert(L, -2);
    tend_sandbox_push_readonly(L, -1, "t.facts");
    lua_remove(L, -2);
    lua_setfield(L, -2, "facts");
    lua_pop(L, 1);
}

void tend_timeline_bind(lua_State *L, const tend_history *h, const tend_account_history *ah, int64_t now) {
    lua_getfield(L, LUA_REGISTRYINDEX, CTX_KEY);
    timeline *t = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!t) return;
    t->h = h;
    t->has_ah = ah != NULL;
    if (ah) t->ah = *ah;
    t->now = now;
    t->nnotes = 0;
    if (!h) return;
    char today[11];
    tend_date_format(now, today);
    lua_getfield(L, LUA_REGISTRYINDEX, TABLE_KEY);
    lua_pushinteger(L, now);
    lua_setfield(L, -2, "now");
    lua_pushstring(L, today);
    lua_setfield(L, -2, "today");
    lua_pop(L, 1);
}
