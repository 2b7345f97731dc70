/* report.c - human and JSON reports of a check run (CONTRACT.md). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

typedef struct Item {
    const char *file;       /* relative to the root */
    const char *module;     /* NULL for stray files */
    const char *src;        /* source text, for snippets (may be NULL) */
    uint32_t len;
    const SgDiag *d;
} Item;

static int cmp_item(const void *a, const void *b) {
    const Item *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    if (x->d->line != y->d->line) return x->d->line < y->d->line ? -1 : 1;
    if (x->d->col != y->d->col) return x->d->col < y->d->col ? -1 : 1;
    return strcmp(x->d->code, y->d->code);
}

static Item *collect(const SgEngineRun *run, uint32_t *count) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < run->prog.n; i++)
        if (!run->prog.mods[i]->is_std) n += run->prog.mods[i]->diags.len;
    for (uint32_t i = 0; i < run->nstrays; i++) n += run->strays[i].diags.len;
    Item *items = sg_xmalloc(sizeof *items * (n + 1));
    uint32_t k = 0;
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        if (m->is_std) continue;
        for (uint32_t j = 0; j < m->diags.len; j++)
            items[k++] = (Item){m->rel, m->name, m->src, m->len, &m->diags.items[j]};
    }
    for (uint32_t i = 0; i < run->nstrays; i++)
        for (uint32_t j = 0; j < run->strays[i].diags.len; j++)
            items[k++] = (Item){run->strays[i].rel, NULL, NULL, 0, &run->strays[i].diags.items[j]};
    qsort(items, k, sizeof *items, cmp_item);
    *count = k;
    return items;
}

/* Prints the source line of the diagnostic with a caret under its range. */
static void snippet(FILE *out, const Item *it, bool color) {
    if (!it->src) return;
    const char *s = it->src;
    uint32_t line = 1, pos = 0;
    while (pos < it->len && line < it->d->line) {
        if (s[pos] == '\n') line++;
        pos++;
    }
    if (line != it->d->line) return;
    uint32_t end = pos;
    while (end < it->len && s[end] != '\n') end++;
    if (end > pos && s[end - 1] == '\r') end--;
    int w = snprintf(NULL, 0, "%u", it->d->line) + 4;
    fprintf(out, "%*u | ", w, it->d->line);
    /* tabs are shown as single spaces so the caret lines up */
    for (uint32_t i = pos; i < end; i++) fputc(s[i] == '\t' ? ' ' : s[i], out);
    fputc('\n', out);
    fprintf(out, "%*s | ", w, "");
    for (uint32_t c = 1; c < it->d->col; c++) fputc(' ', out);
    uint32_t width = 1;
    if (it->d->end_line == it->d->line && it->d->end_col > it->d->col) width = it->d->end_col - it->d->col;
    if (color) fputs(sg_diag_severity(it->d) == SG_ERROR ? "\x1b[1;31m" : "\x1b[1;33m", out);
    for (uint32_t c = 0; c < width; c++) fputc('^', out);
    if (color) fputs("\x1b[0m", out);
    fputc('\n', out);
}

static void module_lists(const SgEngineRun *run, cJSON *mods) {
    cJSON *checked = cJSON_AddArrayToObject(mods, "checked");
    cJSON_AddArrayToObject(mods, "reused");
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        if (!m->is_std) cJSON_AddItemToArray(checked, cJSON_CreateString(m->name));
    }
}

SgReportCounts sg_report(const SgEngineRun *run, const SgReportOptions *opt, FILE *out) {
    uint32_t n;
    Item *items = collect(run, &n);
    SgReportCounts counts = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (sg_diag_severity(items[i].d) == SG_ERROR) counts.errors++;
        else counts.warnings++;
    }
    if (opt->format == FMT_JSON) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, "version", 1);
        cJSON_AddStringToObject(root, "root", opt->root_abs);
        cJSON *diags = cJSON_AddArrayToObject(root, "diagnostics");
        for (uint32_t i = 0; i < n; i++) {
            const SgDiag *d = items[i].d;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "file", items[i].file);
            if (items[i].module) cJSON_AddStringToObject(o, "module", items[i].module);
            else cJSON_AddNullToObject(o, "module");
            cJSON_AddNumberToObject(o, "line", d->line);
            cJSON_AddNumberToObject(o, "column", d->col);
            cJSON_AddNumberToObject(o, "endLine", d->end_line);
            cJSON_AddNumberToObject(o, "endColumn", d->end_col);
            cJSON_AddStringToObject(o, "severity", sg_diag_severity(d) == SG_ERROR ? "error" : "warning");
            cJSON_AddStringToObject(o, "code", d->code);
            cJSON_AddStringToObject(o, "message", d->message);
            cJSON_AddItemToArray(diags, o);
        }
        cJSON *mods = cJSON_AddObjectToObject(root, "modules");
        cJSON_AddNumberToObject(mods, "total", run->nworkspace);
        module_lists(run, mods);
        cJSON *stats = cJSON_AddObjectToObject(root, "stats");
        cJSON_AddNumberToObject(stats, "files", run->ws.nfiles);
        cJSON_AddNumberToObject(stats, "cache_hits", 0);
        cJSON_AddNumberToObject(stats, "cache_misses", run->nworkspace);
        cJSON_AddNumberToObject(stats, "elapsed_ms", (double)(int64_t)(run->elapsed_ms * 1000) / 1000.0);
        char *s = cJSON_PrintUnformatted(root);
        fputs(s, out);
        fputc('\n', out);
        cJSON_free(s);
        cJSON_Delete(root);
    } else {
        bool c = opt->color;
        for (uint32_t i = 0; i < n; i++) {
            const SgDiag *d = items[i].d;
            bool err = sg_diag_severity(d) == SG_ERROR;
            fprintf(out, "%s%s:%u:%u:%s %s%s[%s]:%s %s\n", c ? "\x1b[1m" : "", items[i].file, d->line, d->col,
                    c ? "\x1b[0m" : "", c ? (err ? "\x1b[1;31m" : "\x1b[1;33m") : "", err ? "error" : "warning",
                    d->code, c ? "\x1b[0m" : "", d->message);
            snippet(out, &items[i], c);
        }
        fprintf(out, "checked %u module%s (%u from cache) in %.1f ms: %u error%s, %u warning%s\n", run->nworkspace,
                run->nworkspace == 1 ? "" : "s", 0u, run->elapsed_ms, counts.errors, counts.errors == 1 ? "" : "s",
                counts.warnings, counts.warnings == 1 ? "" : "s");
        if (opt->stats)
            fprintf(out, "Cache: 0/%u modules cached (0.0%% hit rate)\n", run->nworkspace);
    }
    free(items);
    return counts;
}
