/* Binding the timeline (module tend.timeline) to one account's history
 * for the length of one evaluation. */
#ifndef TEND_TIMELINE_H
#define TEND_TIMELINE_H

#include <lua.h>
#include <stdint.h>

#include "data/history.h"

/* Points the state's timeline at account history ah (may be NULL: no
 * events) as of time now. Call with h == NULL to unbind after evaluating.
 * Must run in protected mode (sets fields of a Lua table). */
void tend_timeline_bind(lua_State *L, const tend_history *h, const tend_account_history *ah, int64_t now);

/* Pops a table and makes it the state's t.facts (the population pass). */
void tend_timeline_set_facts(lua_State *L);

#endif
