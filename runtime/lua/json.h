/* The JSON bridge: jansson values into Lua, Lua values out as JSON text.
 *
 * Determinism: objects are written with their keys in byte order, except
 * keys a table's metatable lists in `__jsonorder`, which come first in that
 * order. Integers stay integers, floats print in the shortest form that
 * reads back to the same double (8.3, not 8.3000000000000007), and a float
 * with an integral value keeps its ".0". JSON null is the light userdata
 * `json.null`; an empty table is an array unless its metatable says
 * `__jsontype = "object"` (json.object() makes one). */
#ifndef TEND_JSON_H
#define TEND_JSON_H

#include <jansson.h>
#include <lua.h>

#include "base/buf.h"
#include "base/jsontext.h"

#define TEND_JSON_MAX_DEPTH 64

/* Pushes v onto L as a Lua value. May raise (stack, depth). */
void tend_json_push(lua_State *L, const json_t *v);

/* Appends the Lua value at idx to out as JSON. Raises a Lua error naming
 * the path of the offending value (NaN, cycle, bad key, invalid UTF-8). */
void tend_json_encode(lua_State *L, int idx, tend_buf *out);
/* The same, calling the top value `root` in error messages ("actions"). */
void tend_json_encode_as(lua_State *L, int idx, tend_buf *out, const char *root);

/* Pushes the metatable that marks an empty table as an object. */
void tend_json_push_object_mt(lua_State *L);

int tend_open_json(lua_State *L);

/* Decodes JSON text and pushes it; raises a Lua error if it is invalid.
 * Frees the intermediate jansson value even when Lua raises. */
void tend_json_push_text(lua_State *L, const char *text, size_t len);
#endif
