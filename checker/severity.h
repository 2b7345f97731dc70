/* severity.h - per-code severity from sigil.json:
 *
 *     {"diagnostics": {"W001": "off", "W002": "error"}}
 *
 * Applied when diagnostics are reported or published, never stored in the
 * cache (a cached result does not depend on it). The command line and the
 * language server both go through sg_severity_of. */
#ifndef SG_SEVERITY_H
#define SG_SEVERITY_H

#include "diag.h"

typedef enum SgLevel {
    SG_LEVEL_ERROR = SG_ERROR,
    SG_LEVEL_WARNING = SG_WARNING,
    SG_LEVEL_OFF,               /* not reported at all */
} SgLevel;

typedef struct SgSeverityConfig {
    const char *codes[64];      /* static codes (sg_diag_code_known) */
    uint8_t levels[64];
    uint32_t n;
} SgSeverityConfig;

/* Reads the "diagnostics" member of ROOT/sigil.json into *cfg (no file or
 * no member: no overrides). On an unknown code or level, or a value of the
 * wrong type, returns false with a message naming the file and the key in
 * *err (malloc'd). */
bool sg_severity_load(const char *root, SgSeverityConfig *cfg, char **err);

/* How a diagnostic is reported: its code's default (E: error, W: warning)
 * unless `cfg` (may be NULL) says otherwise. */
SgLevel sg_severity_of(const SgSeverityConfig *cfg, const SgDiag *d);

#endif
