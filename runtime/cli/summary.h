/* --format summary: what a CS lead reads after a run — accounts per
 * segment, stage and band, who is flagged and why, what would be sent. */
#ifndef TEND_SUMMARY_H
#define TEND_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

typedef struct tend_summary tend_summary;

tend_summary *tend_summary_new(void);
/* Adds one result line (DESIGN's result object as JSON). */
void tend_summary_add(tend_summary *s, const char *line, size_t len);
void tend_summary_print(tend_summary *s, FILE *out);
void tend_summary_free(tend_summary *s);

#endif
