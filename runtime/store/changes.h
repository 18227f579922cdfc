/* What changed between two evaluations of one account (two result
 * objects), as `tend explain` reports it. Pure: no database. */
#ifndef TEND_STORE_CHANGES_H
#define TEND_STORE_CHANGES_H

#include <jansson.h>

/* A new object, every key always present, in this order:
 *   segment, touch   {"from", "to"} or null when unchanged
 *   stages           {"entered": [...], "left": [...]}
 *   scorecards       {name: {"band": {"from", "to"}, "total": {"from", "to"}}}
 *                    for each scorecard whose band or total changed (null
 *                    on the side where it was not computed)
 *   health           {"from", "to"} (the health objects) or null
 *   flags            {"added": [...], "removed": [...]}
 *   new_intents      the intents of cur whose key prev did not have
 *   rules            {"started_firing": [...], "stopped_firing": [...]}
 *   failed           {"from", "to"} (booleans: errors non-empty) or null */
json_t *tend_changes(json_t *prev, json_t *cur);

/* Whether a changes object says anything changed. */
int tend_changes_any(json_t *changes);

#endif
