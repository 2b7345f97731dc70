/* explain.c - see explain.h. Main thread only (a static URI buffer). */
#include "explain.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "embedded.h"

#ifndef SIGIL_DOCS_URL
#define SIGIL_DOCS_URL ""
#endif

/* github-slugger: lower case; letters, digits, '-' and '_' stay; spaces
 * become '-'; everything else goes. */
static void slug(const char *s, size_t n, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') out[k++] = '-';
        else if (isalnum(c) || c == '-' || c == '_') out[k++] = (char)tolower(c);
    }
    out[k] = 0;
}

bool sg_explain(const char *code, SgExplain *out) {
    memset(out, 0, sizeof *out);
    if (!sg_embedded_docs_count || strlen(code) != 4) return false;
    const char *doc = sg_embedded_docs[0].text, *end = doc + sg_embedded_docs[0].len;
    char head[16];
    snprintf(head, sizeof head, "\n## %s: ", code);
    const char *h = strstr(doc, head);
    if (!h) return false;
    h++;
    const char *next = strstr(h + 3, "\n## ");
    out->section = h;
    out->section_len = (size_t)((next ? next + 1 : end) - h);
    out->title = h + strlen(head) - 1;
    const char *eol = strchr(out->title, '\n');
    out->title_len = (size_t)(eol - out->title);
    slug(h + 3, (size_t)(eol - (h + 3)), out->anchor, sizeof out->anchor);
    /* the first paragraph: from the first non-empty line to the next empty one */
    const char *p = eol + 1;
    while (*p == '\n') p++;
    const char *q = strstr(p, "\n\n");
    out->summary = p;
    out->summary_len = (size_t)((q ? q : end) - p);
    return true;
}

const char *sg_explain_index_uri(void) {
    static char uri[PATH_MAX + 16];
    static bool done;
    if (done) return *uri ? uri : NULL;
    done = true;
    if (*SIGIL_DOCS_URL) {
        snprintf(uri, sizeof uri, "%s", SIGIL_DOCS_URL);
        return uri;
    }
    char exe[PATH_MAX];
    size_t n = sizeof exe;
    if (uv_exepath(exe, &n) != 0) return NULL;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    /* installed; build/sigil in the source tree; build/VARIANT/sigil */
    static const char *const rel[] = {"/../share/doc/sigil/errors.md", "/../docs/errors.md", "/../../docs/errors.md"};
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        char buf[PATH_MAX + 64], real[PATH_MAX];
        snprintf(buf, sizeof buf, "%s%s", exe, rel[i]);
        if (access(buf, R_OK) != 0 || !realpath(buf, real)) continue;
        /* percent-encode what a path may hold and a URI may not */
        size_t k = (size_t)snprintf(uri, sizeof uri, "file://");
        for (const unsigned char *c = (const unsigned char *)real; *c && k + 4 < sizeof uri; c++)
            k += (size_t)(isalnum(*c) || strchr("-._~/", *c) ? snprintf(uri + k, 2, "%c", *c)
                                                              : snprintf(uri + k, 4, "%%%02X", *c));
        return uri;
    }
    return NULL;
}
