/* severity.c - see severity.h. */
#include "severity.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"

static bool fail(char **err, const char *path, const char *fmt, const char *a, const char *b) {
    SgBuf m = {0};
    sg_buf_printf(&m, "%s: ", path);
    sg_buf_printf(&m, fmt, a, b);
    *err = m.data;
    return false;
}

bool sg_severity_load(const char *root, SgSeverityConfig *cfg, char **err) {
    memset(cfg, 0, sizeof *cfg);
    *err = NULL;
    SgBuf path = {0};
    sg_buf_printf(&path, "%s/sigil.json", strcmp(root, "/") ? root : "");
    char *data;
    size_t len;
    const char *rerr;
    if (!sg_read_file(path.data, &data, &len, &rerr)) {
        bool missing = errno == ENOENT;
        if (!missing) fail(err, path.data, "cannot read it: %s%s", rerr, "");
        sg_buf_free(&path);
        return missing;
    }
    cJSON *j = cJSON_ParseWithLength(data, len);
    free(data);
    bool ok = true;
    cJSON *diags = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "diagnostics") : NULL;
    if (diags && !cJSON_IsObject(diags)) {
        ok = fail(err, path.data, "\"diagnostics\" must be an object of codes and levels, as in "
                                  "{\"W001\": \"off\", \"W002\": \"error\"}%s%s", "", "");
        diags = NULL;
    }
    cJSON *it;
    cJSON_ArrayForEach(it, diags) {
        const char *code = sg_diag_code_known(it->string, strlen(it->string));
        if (!code) {
            ok = fail(err, path.data, "\"diagnostics\": unknown code \"%s\"%s (docs/errors.md lists them)", it->string, "");
            break;
        }
        const char *v = cJSON_IsString(it) ? it->valuestring : "";
        SgLevel level = strcmp(v, "off") == 0 ? SG_LEVEL_OFF : strcmp(v, "warning") == 0 ? SG_LEVEL_WARNING
                        : strcmp(v, "error") == 0 ? SG_LEVEL_ERROR : (SgLevel)-1;
        if ((int)level < 0) {
            ok = fail(err, path.data, "\"diagnostics\": \"%s\" must be \"off\", \"warning\" or \"error\"%s", it->string, "");
            break;
        }
        if (cfg->n < SG_ARRAY_LEN(cfg->codes)) {
            cfg->codes[cfg->n] = code;
            cfg->levels[cfg->n++] = (uint8_t)level;
        }
    }
    cJSON_Delete(j);
    sg_buf_free(&path);
    if (!ok) cfg->n = 0;
    return ok;
}

SgLevel sg_severity_of(const SgSeverityConfig *cfg, const SgDiag *d) {
    for (uint32_t i = 0; cfg && i < cfg->n; i++)
        if (strcmp(cfg->codes[i], d->code) == 0) return (SgLevel)cfg->levels[i];
    return (SgLevel)sg_diag_severity(d);
}
