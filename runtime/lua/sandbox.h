/* A sandboxed lua_State for one tenant's playbook (DESIGN "Sandbox and
 * limits"): an allow-list of base functions and the string, table, math,
 * utf8 and coroutine libraries, shared tables read-only, text chunks only,
 * `require` confined to the playbook and stdlib folders, a memory cap, and
 * a time budget that pattern matching and coroutines cannot escape. */
#ifndef TEND_SANDBOX_H
#define TEND_SANDBOX_H

#include <lua.h>
#include <stddef.h>

#include "base/status.h"

typedef struct {
    size_t mem_limit;         /* bytes */
    const char *playbook_dir; /* modules searched first; may be NULL */
    const char *stdlib_dir;   /* holds the tend/ modules */
} tend_sandbox_opts;

lua_State *tend_sandbox_new(const tend_sandbox_opts *o, tend_error *err);
void tend_sandbox_close(lua_State *L);

/* The metatable field that marks a read-only view; its __index is the
 * table it shows. */
#define TEND_READONLY_MARK "__tend_readonly"

/* Pushes a read-only view of the table at idx (deep: nested tables are
 * replaced by views too). Used for every table shared across evaluations. */
void tend_sandbox_push_readonly(lua_State *L, int idx, const char *name);

/* Whether the value at idx is a read-only view or a frozen table (its
 * metatable carries TEND_READONLY_MARK). */
int tend_sandbox_is_readonly(lua_State *L, int idx);

/* __pairs and __len of a read-only table: closures whose upvalue 1 is the
 * table shown (also used by isolate.c's frozen tables). */
int tend_readonly_pairs(lua_State *L);
int tend_readonly_len(lua_State *L);

/* Pushes the contents of the file at path as a string; raises if it
 * cannot be read. Safe against memory errors (nothing leaks). */
int tend_push_file(lua_State *L, const char *path);

/* The stdlib folder: $TEND_STDLIB, else the build's source tree, else
 * <exe>/../share/tend/stdlib. */
const char *tend_stdlib_dir(void);

#endif
