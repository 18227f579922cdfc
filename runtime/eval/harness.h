/* The trusted state `tend test` runs busted in. Specs `require "tend"` to
 * get the spec API; each playbook they open runs in its own sandboxed state
 * through the same facade as `tend eval`, never in the harness state. */
#ifndef TEND_HARNESS_H
#define TEND_HARNESS_H

#include <lua.h>

/* Opens a full (unsandboxed) state with the spec API preloaded as "tend"
 * and default_playbook (may be NULL) used by tend.evaluate. */
lua_State *tend_harness_new(const char *default_playbook);

/* Runs require("busted.runner")({standalone = false}) with `arg` set to
 * args[0..n). Returns the exit code busted asked for. */
int tend_harness_run_busted(lua_State *L, char **args, int n);

/* Lets specs under dir require their own helpers (dir/?.lua). */
void tend_harness_add_path(lua_State *L, const char *dir);

void tend_harness_close(lua_State *L);

#endif
