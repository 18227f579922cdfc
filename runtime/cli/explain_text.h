/* tend explain in plain words for a CS person: the decision, why, what it
 * asked for and where that stands, and what changed since last time. */
#ifndef TEND_EXPLAIN_TEXT_H
#define TEND_EXPLAIN_TEXT_H

#include <jansson.h>
#include <stdio.h>

#include "store/explain.h"

/* changes: tend_changes(previous, current), NULL without a previous one. */
void tend_explain_print(FILE *out, const char *tenant, const tend_explain *x, json_t *changes);

/* Why a result has flag: "rule: why" of each fired rule whose trace entry
 * says it set the flag (a trace from before rules named their flags: every
 * rule that fired), joined with "; ". NULL when the result does not have
 * the flag or no rule set it. Free it. The one explanation of a flag, for
 * explain, status and the summary. */
char *tend_flag_why(json_t *result, const char *flag);

/* Prints s, cut to at most max characters (UTF-8) with "…" when cut. */
void tend_print_clipped(FILE *out, const char *s, size_t max);

#endif
