/* report.c - a check run's diagnostics as human text, JSON, SARIF or GitHub
 * workflow commands (CONTRACT.md). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "../checker/related.h"
#include "../include/sigil.h"
#include "explain.h"
#include "report.h"

/* JSON must be valid UTF-8 whatever the file names and sources contain:
 * invalid bytes become U+FFFD. Returns a malloc'd string. */
static char *utf8_clean(const char *s) {
    SgBuf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = n > 0;
        uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (int i = 1; ok && i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) ok = false;
            else v = (v << 6) | (p[i] & 0x3F);
        }
        if (ok && n > 1) {
            static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
            if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ok = false;
        }
        if (ok) {
            sg_buf_put(&b, p, (size_t)n);
            p += n;
        } else {
            sg_buf_puts(&b, "\xEF\xBF\xBD");
            p++;
        }
    }
    char *r = sg_xstrdup(b.data ? b.data : "");
    sg_buf_free(&b);
    return r;
}

static void add_clean(cJSON *o, const char *key, const char *s) {
    char *c = utf8_clean(s);
    cJSON_AddStringToObject(o, key, c);
    free(c);
}

/* A diagnostic's related location as reported: in its own file, or in
 * another module's text as it is now (checker/related.h). */
typedef struct Related {
    const char *file;       /* relative to the root; NULL: none to report */
    char *shown;            /* human: relative to the current directory (malloc'd) */
    const char *src;        /* that file's text, for its snippet (may be NULL) */
    uint32_t len;
    SgDiagSpan at;
    const char *label;
} Related;

typedef struct Item {
    const char *file;       /* relative to the root */
    char *shown;            /* human and github: relative to the current directory (malloc'd) */
    const char *module;     /* NULL for stray files */
    const char *src;        /* source text, for snippets (may be NULL) */
    uint32_t len;
    const SgDiag *d;
    SgLevel level;          /* error or warning, after sigil.json's "diagnostics" */
    Related rel;
} Item;

static int cmp_item(const void *a, const void *b) {
    const Item *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    if (x->d->line != y->d->line) return x->d->line < y->d->line ? -1 : 1;
    if (x->d->col != y->d->col) return x->d->col < y->d->col ? -1 : 1;
    return strcmp(x->d->code, y->d->code);
}

char *sg_report_relpath(const char *path, const char *from) {
    /* the longest common prefix that ends at a '/' boundary */
    size_t common = 0;
    for (size_t i = 0;; i++) {
        bool pend = !path[i] || path[i] == '/', fend = !from[i] || from[i] == '/';
        if (pend && fend) common = i;
        if (!path[i] || !from[i] || path[i] != from[i]) break;
    }
    SgBuf b = {0};
    for (const char *f = from + common; *f;) {
        if (*f == '/') f++;
        if (!*f) break;
        sg_buf_puts(&b, "../");
        while (*f && *f != '/') f++;
    }
    const char *rest = path + common;
    if (*rest == '/') rest++;
    sg_buf_puts(&b, rest);
    if (b.len && b.data[b.len - 1] == '/') b.data[--b.len] = 0;
    char *r = sg_xstrdup(b.len ? b.data : ".");
    sg_buf_free(&b);
    return r;
}

static char *shown_path(const SgReportOptions *opt, const char *rel) {
    if (!opt->cwd_abs || !opt->root_abs) return sg_xstrdup(rel);
    SgBuf abs = {0};
    sg_buf_printf(&abs, "%s/%s", strcmp(opt->root_abs, "/") ? opt->root_abs : "", rel);
    char *r = sg_report_relpath(abs.data, opt->cwd_abs);
    sg_buf_free(&abs);
    return r;
}

bool sg_report_has_file(const SgEngineRun *run, const char *rel) {
    for (uint32_t i = 0; i < run->prog.n; i++)
        if (!run->prog.mods[i]->is_std && strcmp(run->prog.mods[i]->rel, rel) == 0) return true;
    for (uint32_t i = 0; i < run->nstrays; i++)
        if (strcmp(run->strays[i].rel, rel) == 0) return true;
    return false;
}

/* A module reused from the cache was not read: its snippets need the text. */
static void load_text(SgModule *m) {
    char *data;
    size_t len;
    const char *err;
    if (m->src || !sg_read_file(m->path, &data, &len, &err)) return;
    m->src = data;
    m->len = (uint32_t)len;
}

/* Where item `it`'s related location is: its own file's range, or found by
 * name in the other module's text (a related location in the standard
 * library, or one the text no longer has, is not reported). */
static void locate_related(const SgEngineRun *run, Item *it) {
    const SgRelated *r = it->d->related;
    if (!r) return;
    it->rel.label = r->label;
    if (!r->module) {
        it->rel = (Related){it->file, NULL, it->src, it->len, r->at, r->label};
        return;
    }
    SgModule *t = sg_map_get(&run->prog.by_name, sg_name_c(r->module));
    if (!t || t->is_std) return;
    load_text(t);
    if (sg_related_find(t->src, t->len, r, &it->rel.at)) {
        it->rel.file = t->rel;
        it->rel.src = t->src;
        it->rel.len = t->len;
    }
}

static Item *collect(const SgEngineRun *run, const SgReportOptions *opt, uint32_t *count) {
    for (uint32_t i = 0; i < run->prog.n; i++)
        if (!run->prog.mods[i]->is_std && run->prog.mods[i]->diags.len) load_text(run->prog.mods[i]);
    uint32_t n = 0;
    for (uint32_t i = 0; i < run->prog.n; i++)
        if (!run->prog.mods[i]->is_std) n += run->prog.mods[i]->diags.len;
    for (uint32_t i = 0; i < run->nstrays; i++) n += run->strays[i].diags.len;
    Item *items = sg_xmalloc(sizeof *items * (n + 1));
    uint32_t k = 0;
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        if (m->is_std || (opt->only_rel && strcmp(opt->only_rel, m->rel) != 0)) continue;
        for (uint32_t j = 0; j < m->diags.len; j++) {
            SgLevel level = sg_severity_of(opt->levels, &m->diags.items[j]);
            if (level != SG_LEVEL_OFF) items[k++] = (Item){m->rel, NULL, m->name, m->src, m->len, &m->diags.items[j], level, {0}};
        }
    }
    for (uint32_t i = 0; i < run->nstrays; i++) {
        if (opt->only_rel && strcmp(opt->only_rel, run->strays[i].rel) != 0) continue;
        for (uint32_t j = 0; j < run->strays[i].diags.len; j++) {
            SgLevel level = sg_severity_of(opt->levels, &run->strays[i].diags.items[j]);
            if (level != SG_LEVEL_OFF)
                items[k++] = (Item){run->strays[i].rel, NULL, NULL, NULL, 0, &run->strays[i].diags.items[j], level, {0}};
        }
    }
    sg_qsort(items, k, sizeof *items, cmp_item);
    for (uint32_t i = 0; i < k; i++) locate_related(run, &items[i]);
    if (opt->format == FMT_HUMAN || opt->format == FMT_GITHUB)
        for (uint32_t i = 0; i < k; i++) {
            items[i].shown = i && items[i - 1].file == items[i].file ? items[i - 1].shown : shown_path(opt, items[i].file);
            if (items[i].rel.file) items[i].rel.shown = shown_path(opt, items[i].rel.file);
        }
    *count = k;
    return items;
}

/* What a source excerpt shows: a range of a text, underlined with `mark`. */
typedef struct Excerpt {
    const char *src;
    uint32_t len;
    uint32_t line, col, end_line, end_col;
    char mark;              /* '^' for the diagnostic, '-' for a related location */
    const char *color;      /* of the mark, when in colour */
} Excerpt;

/* The byte offset where the excerpt's line starts; false if there is no
 * source text or no such line. */
static bool line_start(const Excerpt *x, uint32_t *start) {
    if (!x->src) return false;
    uint32_t line = 1, pos = 0;
    while (pos < x->len && line < x->line) {
        if (x->src[pos] == '\n') line++;
        pos++;
    }
    *start = pos;
    return line == x->line;
}

static Excerpt excerpt_of(const Item *it) {
    return (Excerpt){it->src, it->len, it->d->line, it->d->col, it->d->end_line, it->d->end_col, '^',
                     it->level == SG_LEVEL_ERROR ? "\x1b[1;31m" : "\x1b[1;33m"};
}

static Excerpt related_excerpt(const Item *it) {
    const SgDiagSpan *a = &it->rel.at;
    return (Excerpt){it->rel.src, it->rel.len, a->line, a->col, a->end_line, a->end_col, '-', "\x1b[1;36m"};
}

/* Lines a diagnostic takes in human output: its own, its excerpt's, and
 * its related location's. */
static uint32_t item_lines(const Item *it) {
    uint32_t pos, n = 1;
    Excerpt x = excerpt_of(it), r = related_excerpt(it);
    if (line_start(&x, &pos)) n += 2;
    if (it->rel.file) n += 1 + (line_start(&r, &pos) ? 2 : 0);
    return n;
}

/* Columns of a source excerpt around the caret (issue 10 item 13: a 10 MB
 * line was printed whole for each of its diagnostics). */
#define SNIPPET_WIDTH 120
#define SNIPPET_BEFORE 40

/* One character of the line as shown: a tab as a space, a control or
 * bidirectional-override character escaped (issue 10 item 14), a byte that
 * is not UTF-8 as `\x..`. Returns the bytes it takes in the source. */
static uint32_t shown_char(const char *s, uint32_t n, char buf[16], uint32_t *width) {
    if (s[0] > 0x20 && s[0] < 0x7f) {      /* the common case, fast */
        buf[0] = s[0];
        buf[1] = 0;
        *width = 1;
        return 1;
    }
    size_t k = s[0] == '\t' ? 0 : sg_escape_char(s, n, buf);
    if (s[0] == '\t') {
        strcpy(buf, " ");
        k = 1;
    } else if (!k) {
        unsigned char c = (unsigned char)s[0];
        k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        for (size_t i = 1; i < k; i++)
            if (i >= n || ((unsigned char)s[i] & 0xC0) != 0x80) k = 0;
        if (k) {
            memcpy(buf, s, k);
            buf[k] = 0;
        } else {
            snprintf(buf, 16, "\\x%02x", c);
            k = 1;
        }
    }
    *width = (uint32_t)strlen(buf);
    if (buf[0] & 0x80) *width = 1;      /* one code point */
    return (uint32_t)k;
}

/* Prints the source line of an excerpt with marks under its range: a
 * window of SNIPPET_WIDTH columns around the mark on a long line. */
static void snippet(FILE *out, const Excerpt *it, bool color) {
    uint32_t pos;
    if (!line_start(it, &pos)) return;
    const char *s = it->src;
    uint32_t end = pos;
    while (end < it->len && s[end] != '\n') end++;
    if (end > pos && s[end - 1] == '\r') end--;
    /* where the caret goes, in columns as shown; past the caret and a
     * window's width, the rest of the line does not matter */
    uint32_t col = 1, from = 0, to = 0, total = 0;
    uint32_t last = it->end_line == it->line && it->end_col > it->col ? it->end_col : it->col + 1;
    for (uint32_t i = pos; i < end && !(col > last && total > from + SNIPPET_WIDTH);) {
        char buf[16];
        uint32_t cw;
        if (col == it->col) from = total;
        if (col == last) to = total;
        i += shown_char(s + i, end - i, buf, &cw);
        total += cw;
        col++;
    }
    if (col <= it->col) from = total + (it->col - col);
    if (col <= last) to = total + (last - col);
    if (to <= from) to = from + 1;
    /* the window: the line, or SNIPPET_WIDTH columns from a little before the caret */
    uint32_t lo = 0, hi = total;
    if (total > SNIPPET_WIDTH) {
        lo = from > SNIPPET_BEFORE ? from - SNIPPET_BEFORE : 0;
        hi = lo + SNIPPET_WIDTH < total ? lo + SNIPPET_WIDTH : total;
    }
    int lw = snprintf(NULL, 0, "%u", it->line) + 4;
    fprintf(out, "%*u | ", lw, it->line);
    uint32_t shift = 0;     /* columns of the `…` before the window */
    if (lo) {
        fputs("…", out);
        shift = 1;
    }
    uint32_t at = 0;
    for (uint32_t i = pos; i < end && at < hi;) {
        char buf[16];
        uint32_t cw;
        i += shown_char(s + i, end - i, buf, &cw);
        if (at >= lo) fputs(buf, out);
        else if (at + cw > lo) shift += at + cw - lo;   /* an escape cut by the window's start: spaces */
        at += cw;
    }
    if (hi < total) fputs("…", out);
    fputc('\n', out);
    fprintf(out, "%*s | ", lw, "");
    uint32_t first = from > lo ? from - lo : 0;
    for (uint32_t c = 0; c < first + shift; c++) fputc(' ', out);
    uint32_t width = (to < hi ? to : hi) - (from > lo ? from : lo);
    if (!width || from >= hi) width = 1;
    if (color) fputs(it->color, out);
    for (uint32_t c = 0; c < width; c++) fputc(it->mark, out);
    if (color) fputs("\x1b[0m", out);
    fputc('\n', out);
}

static void module_lists(const SgEngineRun *run, cJSON *mods) {
    cJSON *checked = cJSON_AddArrayToObject(mods, "checked");
    cJSON *reused = cJSON_AddArrayToObject(mods, "reused");
    /* prog.mods is sorted by name */
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        if (!m->is_std) cJSON_AddItemToArray(m->st->reused ? reused : checked, cJSON_CreateString(m->name));
    }
}

/* GitHub Actions workflow commands: values and properties are escaped as
 * the runner expects (%, CR, LF; and `:` `,` in properties). */
static void gh_escape(FILE *out, const char *s, bool property) {
    for (; *s; s++) {
        if (*s == '%') fputs("%25", out);
        else if (*s == '\r') fputs("%0D", out);
        else if (*s == '\n') fputs("%0A", out);
        else if (property && *s == ':') fputs("%3A", out);
        else if (property && *s == ',') fputs("%2C", out);
        else fputc(*s, out);
    }
}

static void github(FILE *out, const Item *it) {
    const SgDiag *d = it->d;
    fprintf(out, "::%s file=", it->level == SG_LEVEL_ERROR ? "error" : "warning");
    gh_escape(out, it->shown, true);
    fprintf(out, ",line=%u,col=%u,endLine=%u,endColumn=%u,title=%s::", d->line, d->col, d->end_line, d->end_col,
            d->code);
    gh_escape(out, d->message, false);
    fputc('\n', out);
}

/* A path as a URI reference: RFC 3986 unreserved characters and '/' stay,
 * every other byte is percent-encoded (spaces, '#', '%', non-ASCII). */
static void uri_escape(SgBuf *b, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~/", (int)c))
            sg_buf_putc(b, (char)c);
        else
            sg_buf_printf(b, "%%%02X", c);
    }
}

/* o[key] = s[0..n), as one line of plain text when `one_line`. */
static void add_slice(cJSON *o, const char *key, const char *s, size_t n, bool one_line) {
    char *t = sg_xmalloc(n + 1);
    memcpy(t, s, n);
    t[n] = 0;
    for (char *c = t; one_line && *c; c++)
        if (*c == '\n') *c = ' ';
    add_clean(o, key, t);
    free(t);
}

/* A code's rule: what the error index (docs/errors.md) says about it. */
static cJSON *sarif_rule(const char *code) {
    cJSON *rule = cJSON_CreateObject();
    cJSON_AddStringToObject(rule, "id", code);
    SgExplain e;
    if (!sg_explain(code, &e)) return rule;
    add_slice(cJSON_AddObjectToObject(rule, "shortDescription"), "text", e.title, e.title_len, true);
    add_slice(cJSON_AddObjectToObject(rule, "fullDescription"), "text", e.summary, e.summary_len, true);
    cJSON *help = cJSON_AddObjectToObject(rule, "help");
    add_slice(help, "text", e.summary, e.summary_len, true);
    add_slice(help, "markdown", e.section, e.section_len, false);
    const char *uri = sg_explain_index_uri();
    if (uri) {
        SgBuf b = {0};
        sg_buf_printf(&b, "%s#%s", uri, e.anchor);
        cJSON_AddStringToObject(rule, "helpUri", b.data);
        sg_buf_free(&b);
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "defaultConfiguration"), "level",
                            code[0] == 'W' ? "warning" : "error");
    return rule;
}

/* A location's physicalLocation: the file relative to %SRCROOT%, the range. */
static void sarif_region(cJSON *loc, const char *file, const SgDiagSpan *a) {
    cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
    SgBuf rel = {0};
    uri_escape(&rel, file);
    cJSON_AddStringToObject(art, "uri", rel.data);
    sg_buf_free(&rel);
    cJSON_AddStringToObject(art, "uriBaseId", "%SRCROOT%");
    cJSON *region = cJSON_AddObjectToObject(phys, "region");
    cJSON_AddNumberToObject(region, "startLine", a->line);
    cJSON_AddNumberToObject(region, "startColumn", a->col);
    cJSON_AddNumberToObject(region, "endLine", a->end_line);
    cJSON_AddNumberToObject(region, "endColumn", a->end_col);
}

/* SARIF 2.1.0: one run, one result per diagnostic, the codes as rules.
 * Result locations are relative to the base id %SRCROOT%, the workspace
 * root, whose absolute file URI is in originalUriBaseIds (SARIF 3.14.14). */
static void sarif(const SgReportOptions *opt, Item *items, uint32_t n, FILE *out) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    cJSON_AddStringToObject(root, "version", "2.1.0");
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToArray(runs, r);
    cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "tool"), "driver");
    cJSON_AddStringToObject(driver, "name", "sigil");
    cJSON_AddStringToObject(driver, "version", SIGIL_VERSION);
    cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
    SgBuf uri = {0};
    sg_buf_puts(&uri, "file://");
    uri_escape(&uri, strcmp(opt->root_abs, "/") ? opt->root_abs : "");
    sg_buf_putc(&uri, '/');
    cJSON *base = cJSON_AddObjectToObject(r, "originalUriBaseIds");
    cJSON *srcroot = cJSON_AddObjectToObject(base, "%SRCROOT%");
    cJSON_AddStringToObject(srcroot, "uri", uri.data);
    add_clean(cJSON_AddObjectToObject(srcroot, "description"), "text", "the workspace root");
    sg_buf_free(&uri);
    cJSON *results = cJSON_AddArrayToObject(r, "results");
    const char *seen[64];
    uint32_t nseen = 0;
    for (uint32_t i = 0; i < n; i++) {
        const SgDiag *d = items[i].d;
        bool have = false;
        for (uint32_t k = 0; k < nseen && !have; k++) have = strcmp(seen[k], d->code) == 0;
        if (!have && nseen < 64) {
            seen[nseen++] = d->code;
            cJSON_AddItemToArray(rules, sarif_rule(d->code));
        }
        cJSON *res = cJSON_CreateObject();
        cJSON_AddStringToObject(res, "ruleId", d->code);
        cJSON_AddStringToObject(res, "level", items[i].level == SG_LEVEL_ERROR ? "error" : "warning");
        add_clean(cJSON_AddObjectToObject(res, "message"), "text", d->message);
        cJSON *loc = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "locations"), loc);
        sarif_region(loc, items[i].file, &(SgDiagSpan){d->start, d->end, d->line, d->col, d->end_line, d->end_col});
        if (items[i].rel.file) {
            const Related *r = &items[i].rel;
            cJSON *rl = cJSON_CreateObject();
            cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "relatedLocations"), rl);
            cJSON_AddNumberToObject(rl, "id", 0);
            sarif_region(rl, r->file, &r->at);
            add_clean(cJSON_AddObjectToObject(rl, "message"), "text", r->label);
        }
        cJSON_AddItemToArray(results, res);
    }
    char *s = cJSON_Print(root);
    fputs(s, out);
    fputc('\n', out);
    cJSON_free(s);
    cJSON_Delete(root);
}

static const char *plural(uint32_t n) { return n == 1 ? "" : "s"; }

void sg_report_summary(const SgEngineRun *run, const SgReportOptions *opt, SgReportCounts c, FILE *out) {
    if (opt->watch)
        fprintf(out, "%u module%s, %u error%s, %u warning%s, %.1f ms, %u/%u from cache", run->nworkspace,
                plural(run->nworkspace), c.errors, plural(c.errors), c.warnings, plural(c.warnings), run->elapsed_ms,
                run->nreused, run->nworkspace);
    else
        fprintf(out, "checked %u module%s (%u from cache) in %.1f ms: %u error%s, %u warning%s", run->nworkspace,
                plural(run->nworkspace), run->nreused, run->elapsed_ms, c.errors, plural(c.errors), c.warnings,
                plural(c.warnings));
    /* the exit status is 1 although there is no error: say why */
    if (opt->werror && c.warnings) fputs(" (-W error: warnings count as errors)", out);
}

static void stats_line(const SgEngineRun *run, FILE *out) {
    fprintf(out, "Cache: %u/%u modules cached (%.1f%% hit rate)\n", run->nreused, run->nworkspace,
            run->nworkspace ? 100.0 * run->nreused / run->nworkspace : 0.0);
    if (!run->remote_used) return;
    const SgRemoteStats *r = &run->remote;
    uint64_t asked = r->hits + r->misses;
    fprintf(out, "Remote cache: %llu/%llu hits (%.1f%%), %.1f MB read in %.0f ms", (unsigned long long)r->hits,
            (unsigned long long)asked, asked ? 100.0 * (double)r->hits / (double)asked : 0.0,
            (double)r->bytes_read / 1e6, r->ms);
    if (r->bytes_written) fprintf(out, ", %.1f MB written", (double)r->bytes_written / 1e6);
    if (r->errors) fprintf(out, ", %llu error%s", (unsigned long long)r->errors, r->errors == 1 ? "" : "s");
    fputc('\n', out);
}

static void add_range(cJSON *o, const SgDiagSpan *a) {
    cJSON_AddNumberToObject(o, "line", a->line);
    cJSON_AddNumberToObject(o, "column", a->col);
    cJSON_AddNumberToObject(o, "endLine", a->end_line);
    cJSON_AddNumberToObject(o, "endColumn", a->end_col);
}

static void json_report(const SgEngineRun *run, const SgReportOptions *opt, Item *items, uint32_t n, FILE *out) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    add_clean(root, "root", opt->root_abs);
    cJSON *diags = cJSON_AddArrayToObject(root, "diagnostics");
    for (uint32_t i = 0; i < n; i++) {
        const SgDiag *d = items[i].d;
        cJSON *o = cJSON_CreateObject();
        add_clean(o, "file", items[i].file);
        SgBuf abs = {0};
        sg_buf_printf(&abs, "%s/%s", strcmp(opt->root_abs, "/") ? opt->root_abs : "", items[i].file);
        add_clean(o, "path", abs.data);
        sg_buf_free(&abs);
        if (items[i].module) cJSON_AddStringToObject(o, "module", items[i].module);
        else cJSON_AddNullToObject(o, "module");
        cJSON_AddNumberToObject(o, "line", d->line);
        cJSON_AddNumberToObject(o, "column", d->col);
        cJSON_AddNumberToObject(o, "endLine", d->end_line);
        cJSON_AddNumberToObject(o, "endColumn", d->end_col);
        cJSON_AddStringToObject(o, "severity", items[i].level == SG_LEVEL_ERROR ? "error" : "warning");
        cJSON_AddStringToObject(o, "code", d->code);
        add_clean(o, "message", d->message);
        const Related *r = &items[i].rel;
        if (r->file) {
            cJSON *rel = cJSON_CreateObject();
            cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "related"), rel);
            add_clean(rel, "file", r->file);
            sg_buf_printf(&abs, "%s/%s", strcmp(opt->root_abs, "/") ? opt->root_abs : "", r->file);
            add_clean(rel, "path", abs.data);
            sg_buf_free(&abs);
            add_range(rel, &r->at);
            add_clean(rel, "message", r->label);
        }
        cJSON_AddItemToArray(diags, o);
    }
    cJSON *mods = cJSON_AddObjectToObject(root, "modules");
    cJSON_AddNumberToObject(mods, "total", run->nworkspace);
    module_lists(run, mods);
    cJSON *stats = cJSON_AddObjectToObject(root, "stats");
    cJSON_AddNumberToObject(stats, "files", run->ws.nfiles);
    cJSON_AddNumberToObject(stats, "cache_hits", run->nreused);
    cJSON_AddNumberToObject(stats, "cache_misses", run->nworkspace - run->nreused);
    cJSON_AddNumberToObject(stats, "elapsed_ms", (double)(int64_t)(run->elapsed_ms * 1000) / 1000.0);
    if (run->remote_used) {
        cJSON_AddNumberToObject(stats, "remote_hits", (double)run->remote.hits);
        cJSON_AddNumberToObject(stats, "remote_misses", (double)run->remote.misses);
        cJSON_AddNumberToObject(stats, "remote_errors", (double)run->remote.errors);
        cJSON_AddNumberToObject(stats, "remote_bytes_read", (double)run->remote.bytes_read);
        cJSON_AddNumberToObject(stats, "remote_bytes_written", (double)run->remote.bytes_written);
        cJSON_AddNumberToObject(stats, "remote_ms", (double)(int64_t)(run->remote.ms * 1000) / 1000.0);
    }
    char *s = cJSON_PrintUnformatted(root);
    fputs(s, out);
    fputc('\n', out);
    cJSON_free(s);
    cJSON_Delete(root);
}

/* Human text. In watch mode, diagnostics are grouped under a header per
 * file, and those that would not fit in opt->max_lines are left out (their
 * number is counted in `hidden`); the caller prints the summary. */
static void human(const SgEngineRun *run, const SgReportOptions *opt, Item *items, uint32_t n, FILE *out,
                  SgReportCounts *counts) {
    bool c = opt->color;
    uint32_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        const SgDiag *d = items[i].d;
        bool new_file = i == 0 || strcmp(items[i].file, items[i - 1].file) != 0;
        if (opt->watch && opt->max_lines) {
            uint32_t need = (new_file ? 2 : 0) + item_lines(&items[i]);
            if (used + need > opt->max_lines) {
                counts->hidden = n - i;
                break;
            }
            used += need;
        }
        if (opt->watch && new_file)
            fprintf(out, "\n%s── %s%s\n", c ? "\x1b[1;36m" : "", items[i].shown, c ? "\x1b[0m" : "");
        bool err = items[i].level == SG_LEVEL_ERROR;
        fprintf(out, "%s%s:%u:%u:%s %s%s[%s]:%s %s\n", c ? "\x1b[1m" : "", items[i].shown, d->line, d->col,
                c ? "\x1b[0m" : "", c ? (err ? "\x1b[1;31m" : "\x1b[1;33m") : "", err ? "error" : "warning", d->code,
                c ? "\x1b[0m" : "", d->message);
        uint32_t e, w;
        Excerpt x = excerpt_of(&items[i]);
        if (!sg_diag_hidden(d, &e, &w)) snippet(out, &x, c);
        if (items[i].rel.file) {
            /* a second labelled span, as rustc's notes */
            const Related *r = &items[i].rel;
            fprintf(out, "%s%s:%u:%u:%s %snote:%s %s\n", c ? "\x1b[1m" : "", r->shown, r->at.line, r->at.col,
                    c ? "\x1b[0m" : "", c ? "\x1b[1;36m" : "", c ? "\x1b[0m" : "", r->label);
            x = related_excerpt(&items[i]);
            snippet(out, &x, c);
        }
    }
    if (opt->watch) return;
    sg_report_summary(run, opt, *counts, out);
    fputc('\n', out);
    if (opt->stats) stats_line(run, out);
}

SgReportCounts sg_report(const SgEngineRun *run, const SgReportOptions *opt, FILE *out) {
    uint32_t n;
    Item *items = collect(run, opt, &n);
    SgReportCounts counts = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e, w;
        if (sg_diag_hidden(items[i].d, &e, &w)) {     /* past a file's cap: those it stands for */
            counts.errors += e;
            counts.warnings += w;
        } else if (items[i].level == SG_LEVEL_ERROR) {
            counts.errors++;
        } else {
            counts.warnings++;
        }
    }
    if (opt->format == FMT_JSON) {
        json_report(run, opt, items, n, out);
    } else if (opt->format == FMT_SARIF) {
        sarif(opt, items, n, out);
    } else if (opt->format == FMT_GITHUB) {
        for (uint32_t i = 0; i < n; i++) github(out, &items[i]);
        fprintf(out, "checked %u module%s: %u error%s, %u warning%s", run->nworkspace, plural(run->nworkspace),
                counts.errors, plural(counts.errors), counts.warnings, plural(counts.warnings));
        if (opt->werror && counts.warnings) fputs(" (-W error: warnings count as errors)", out);
        fputc('\n', out);
        if (opt->stats) stats_line(run, out);
    } else {
        human(run, opt, items, n, out, &counts);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i == 0 || items[i].shown != items[i - 1].shown) free(items[i].shown);
        free(items[i].rel.shown);
    }
    free(items);
    return counts;
}
