/* What cron.c needs from a zone beyond cron.h: where its offset changes.
 * The zone itself (zone.c) reads a TZif file (RFC 8536) and the POSIX TZ
 * string of its footer. */
#ifndef TEND_BASE_ZONE_H
#define TEND_BASE_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "base/cron.h"

/* The first instant strictly after t where the zone's offset may change,
 * and the offset from then on. Returns 0 when the offset never changes
 * after t. */
int tend_zone_transition_after(const tend_zone *z, int64_t t, int64_t *when, int32_t *offset);

/* The smallest and largest UTC offsets the zone ever uses: a wall time L
 * is the instant of some t in [L - max, L - min]. */
void tend_zone_offset_range(const tend_zone *z, int32_t *min, int32_t *max);

/* Parses a TZif image (exposed for the unit test and the fuzzer); `name`
 * only labels errors and the zone. */
tend_status tend_zone_parse(const char *name, const unsigned char *data, size_t len, tend_zone **out,
                            tend_error *err);

#endif
