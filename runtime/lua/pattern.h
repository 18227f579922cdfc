/* Lua's pattern matching (string.find, match, gmatch, gsub) with the host's
 * time budget polled inside the matcher. The stock matcher is pure C that
 * backtracks without bound and never returns to the VM, so neither the
 * count hook nor anything else can stop it; see pattern.c. */
#ifndef TEND_PATTERN_H
#define TEND_PATTERN_H

#include <lua.h>

/* Replaces find, match, gmatch and gsub in the table at index idx (the
 * string library table) with budgeted copies. */
void tend_pattern_install(lua_State *L, int idx);

#endif
