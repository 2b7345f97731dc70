/* symbols.c - textDocument/documentSymbol (from a parse of the buffer or
 * the file) and workspace/symbol (the definitions of every folder's index
 * and of the open modules, matched fuzzily, on the pool).
 *
 * Threads: the handlers run on the loop thread; symbols_work on the pool,
 * reading only its job (the indexes it holds, its copies). */
#include <limits.h>
#include <stdlib.h>

#include "../../checker/ast.h"
#include "internal.h"

static cJSON *symbol(const char *text, size_t len, SgName name, int kind, SgSpan full, SgSpan sel) {
    cJSON *s = cJSON_CreateObject();
    char *n = sg_xmalloc(name.len + 1);
    memcpy(n, name.s, name.len);
    n[name.len] = 0;
    cJSON_AddStringToObject(s, "name", n);
    free(n);
    cJSON_AddNumberToObject(s, "kind", kind);
    cJSON_AddItemToObject(s, "range", lsp_span_range(text, len, full));
    cJSON_AddItemToObject(s, "selectionRange", lsp_span_range(text, len, sel));
    return s;
}

void lsp_on_document_symbol(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    char *path = uri ? lsp_uri_to_path(uri) : NULL;
    if (!path) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "textDocument.uri must be a file URI"));
        return;
    }
    free(path);
    LspParsed p;
    if (!lsp_parse_document(uri, &p)) {
        lsp_send(lsp_response(id, cJSON_CreateArray()));
        return;
    }
    const char *text = p.text;
    size_t len = p.len;
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < p.ast.nitems; i++) {
        SgItem *it = p.ast.items[i];
        if (it->kind == IT_IMPORT || !it->name.len) continue;
        cJSON *s = symbol(text, len, it->name, lsp_item_symbol_kind(it), it->span, it->name_span);
        cJSON *kids = NULL;
        if (it->kind == IT_STRUCT && it->nfields) {
            kids = cJSON_AddArrayToObject(s, "children");
            for (uint32_t k = 0; k < it->nfields; k++) {
                SgParam *f = &it->fields[k];
                SgSpan full = {f->name_span.start, f->type ? f->type->span.end : f->name_span.end};
                cJSON_AddItemToArray(kids, symbol(text, len, f->name, LSP_SK_FIELD, full, f->name_span));
            }
        } else if (it->kind == IT_ENUM && it->nvariants) {
            kids = cJSON_AddArrayToObject(s, "children");
            for (uint32_t k = 0; k < it->nvariants; k++)
                cJSON_AddItemToArray(kids, symbol(text, len, it->variants[k].name, LSP_SK_ENUM_MEMBER, it->variants[k].full,
                                                  it->variants[k].span));
        }
        cJSON_AddItemToArray(arr, s);
    }
    lsp_parsed_free(&p);
    lsp_send(lsp_response(id, arr));
}

/* ---- workspace/symbol: the index's definitions, matched fuzzily ----
 * A name matches when the query's characters appear in it in order,
 * ignoring case. Ranked as other servers do: the name itself, then names
 * that start with the query, then the query at a word's start (after `_`,
 * at a capital after a small letter, at a digit after a letter), then
 * every query character at a word's start (`nsc` for `new_sensor_count`),
 * then the query anywhere, then scattered; within one rank shorter names
 * first, then by name. At most MAX_SYMBOLS answers. */
#define MAX_SYMBOLS 100

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static bool word_start(const char *s, uint32_t i) {
    if (i == 0) return true;
    char p = s[i - 1], c = s[i];
    if (p == '_') return c != '_';
    if (p >= 'a' && p <= 'z' && c >= 'A' && c <= 'Z') return true;
    return !(p >= '0' && p <= '9') && c >= '0' && c <= '9';
}

/* The rank of name for q (lower case), or -1 when it does not match. */
static int rank_of(const char *name, uint32_t n, const char *q, uint32_t qn) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && k < qn; i++) k += lower(name[i]) == q[k];
    if (k < qn) return -1;
    if (!qn) return 0;
    bool prefix = true;
    for (uint32_t i = 0; i < qn && prefix; i++) prefix = lower(name[i]) == q[i];
    if (prefix) return n == qn ? 0 : 1;
    int at = -1;
    bool at_word = false;
    for (uint32_t i = 0; i + qn <= n && !at_word; i++) {
        uint32_t j = 0;
        while (j < qn && lower(name[i + j]) == q[j]) j++;
        if (j < qn) continue;
        if (at < 0) at = (int)i;
        at_word = word_start(name, i);
    }
    if (at_word) return 2;
    /* every character at a word start, in order */
    k = 0;
    for (uint32_t i = 0; i < n && k < qn; i++)
        if (word_start(name, i) && lower(name[i]) == q[k]) k++;
    if (k == qn) return 3;
    return at >= 0 ? 4 : 5;
}

typedef struct Hit {
    int rank;
    const char *name;
    uint32_t len;
    uint8_t kind;
    uint32_t unit;          /* the unit (open modules, then the index's entries) */
    SgSpan span;            /* of the name */
    const char *container;  /* a member's struct or enum, else NULL */
    uint32_t clen;
    uint32_t line;          /* where the name starts (UINT32_MAX: not kept) */
    uint32_t col8, col16;
} Hit;

static int cmp_hit(const Hit *a, const Hit *b) {
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    int c = memcmp(a->name, b->name, a->len);
    if (c) return c;
    return a->unit < b->unit ? -1 : a->unit > b->unit;
}

typedef struct SymQuery {
    SgArena arena;
    char *q;
    uint32_t qn;
    LspUnit *open;          /* the open modules of every folder (their defs replace their entries') */
    uint32_t nopen;
    LspIndex **ixs;         /* every folder's index (references held) */
    uint32_t nix;
    uint32_t *base;         /* unit number of each index's first entry */
    bool **skip;            /* per index: its entries of open modules */
    Hit best[MAX_SYMBOLS];
    uint32_t nbest;
    cJSON *result;
} SymQuery;

static void offer(SymQuery *s, Hit h) {
    if (s->nbest == MAX_SYMBOLS && cmp_hit(&h, &s->best[MAX_SYMBOLS - 1]) >= 0) return;
    uint32_t i = s->nbest < MAX_SYMBOLS ? s->nbest++ : MAX_SYMBOLS - 1;
    while (i > 0 && cmp_hit(&h, &s->best[i - 1]) < 0) {
        s->best[i] = s->best[i - 1];
        i--;
    }
    s->best[i] = h;
}

static void free_symquery(void *p) {     /* on the loop thread (index references) */
    SymQuery *s = p;
    lsp_units_free(s->open, s->nopen);
    cJSON_Delete(s->result);
    for (uint32_t i = 0; i < s->nix; i++) {
        lsp_index_unref(s->ixs[i]);
        free(s->skip[i]);
    }
    free(s->ixs);
    free(s->skip);
    free(s->base);
    sg_arena_free(&s->arena);
    free(s);
}

static void symbols_work(LspJob *j) {
    SymQuery *s = lsp_job_data(j);
    uint32_t nopen = s->nopen;
    /* the open modules' definitions, decoded for the job */
    SgXref *ox = SG_NEW_N(&s->arena, SgXref, nopen + 1);
    for (uint32_t u = 0; u < nopen; u++) {
        if (!sg_xref_decode(s->open[u].blob, s->open[u].len, &s->arena, &ox[u])) memset(&ox[u], 0, sizeof ox[u]);
        for (uint32_t d = 0; d < ox[u].ndefs; d++) {
            const SgXrefDef *x = &ox[u].defs[d];
            if (x->kind == SG_XDEF_IMPORT || x->kind == SG_XDEF_IMPORTED) continue;
            int r = rank_of(x->name.s, x->name.len, s->q, s->qn);
            const SgXrefDef *p = x->parent ? &ox[u].defs[x->parent - 1] : NULL;
            if (r >= 0)
                offer(s, (Hit){r, x->name.s, x->name.len, x->kind, u, x->span, p ? p->name.s : NULL, p ? p->name.len : 0,
                               x->line, x->col8, x->col16});
        }
    }
    uint32_t mask = 0;
    for (uint32_t i = 0; i < s->qn; i++)
        if (s->q[i] >= 'a' && s->q[i] <= 'z') mask |= 1u << (s->q[i] - 'a');
    for (uint32_t k = 0; k < s->nix && !lsp_job_cancelled(j); k++)
        for (uint32_t i = 0; i < s->ixs[k]->n; i++) {
            const LspIndexEntry *e = s->ixs[k]->entries[i];
            if (s->skip[k][i]) continue;
            for (uint32_t y = 0; y < e->nsyms; y++) {
                const LspSym *sym = &e->syms[y];
                if ((sym->mask & mask) != mask) continue;   /* a letter of the query is not in it */
                const char *name = e->names + sym->name;
                int r = rank_of(name, sym->len, s->q, s->qn);
                const LspSym *p = sym->parent ? &e->syms[sym->parent - 1] : NULL;
                if (r >= 0)
                    offer(s, (Hit){r, name, sym->len, sym->kind, s->base[k] + i, sym->span, p ? e->names + p->name : NULL,
                                   p ? p->len : 0, sym->line, sym->col8, sym->col16});
            }
        }
    /* the answers' modules: a file unchanged since the run that indexed it
     * (sg_file_unchanged) gives its positions from the index; another one is
     * read, and its hash tells that it is still the one indexed */
    s->result = cJSON_CreateArray();
    LspUnit *units = SG_NEW_N(&s->arena, LspUnit, s->nbest + 1);
    uint32_t *which = SG_NEW_N(&s->arena, uint32_t, s->nbest + 1), *of = SG_NEW_N(&s->arena, uint32_t, s->nbest + 1);
    uint32_t nu = 0;
    for (uint32_t h = 0; h < s->nbest; h++) {
        uint32_t u = 0;
        while (u < nu && which[u] != s->best[h].unit) u++;
        of[h] = u;
        if (u < nu) continue;
        which[nu] = s->best[h].unit;
        if (s->best[h].unit < nopen) {
            units[nu] = s->open[s->best[h].unit];
            s->open[s->best[h].unit].text = NULL;      /* moved */
        } else {
            uint32_t k = s->nix - 1;
            while (s->base[k] > s->best[h].unit) k--;
            units[nu] = lsp_entry_unit(s->ixs[k]->entries[s->best[h].unit - s->base[k]]);
        }
        nu++;
    }
    bool *kept = SG_NEW_N(&s->arena, bool, nu + 1);
    for (uint32_t u = 0; u < nu; u++) {
        const LspIndexEntry *e = units[u].entry;
        kept[u] = e && e->stamped && sg_file_unchanged(e->disk, e->size, e->mtime_ns, e->ctime_ns, e->ino, e->indexed_at_ns);
    }
    for (uint32_t h = 0; h < s->nbest; h++) kept[of[h]] &= s->best[h].line != UINT32_MAX;
    bool ok = true;
    for (uint32_t u = 0; u < nu && ok; u++) ok = kept[u] || lsp_unit_text(j, &units[u]);   /* false: stale, asked again */
    for (uint32_t h = 0; h < s->nbest && ok && !lsp_job_cancelled(j); h++) {
        const Hit *x = &s->best[h];
        LspUnit *u = &units[of[h]];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", sg_arena_strndup(&s->arena, x->name, x->len));
        cJSON_AddNumberToObject(o, "kind", lsp_def_symbol_kind(x->kind));
        SgBuf c = {0};
        sg_buf_printf(&c, "%.*s", (int)u->module.len, u->module.s);
        if (x->container) sg_buf_printf(&c, ".%.*s", (int)x->clen, x->container);
        cJSON_AddStringToObject(o, "containerName", c.data);
        sg_buf_free(&c);
        if (kept[of[h]]) {
            /* an identifier: as many UTF-16 units as bytes */
            uint32_t col = srv->enc == LSP_UTF8 ? x->col8 : x->col16;
            cJSON *loc = cJSON_AddObjectToObject(o, "location");
            char *uri = lsp_path_to_uri(u->path);
            cJSON_AddStringToObject(loc, "uri", uri);
            free(uri);
            cJSON *range = cJSON_AddObjectToObject(loc, "range");
            cJSON_AddItemToObject(range, "start", lsp_position_json(x->line, col));
            cJSON_AddItemToObject(range, "end", lsp_position_json(x->line, col + x->len));
        } else {
            cJSON_AddItemToObject(o, "location", lsp_unit_location(u, x->span));
        }
        cJSON_AddItemToArray(s->result, o);
    }
    lsp_units_free(units, nu);
}

static void symbols_done(LspJob *j) {
    SymQuery *s = lsp_job_data(j);
    lsp_send(lsp_response(lsp_job_id(j), s->result));
    s->result = NULL;
}

/* Every folder's definitions, in one job (held by the first folder; it
 * holds every folder's index). */
void lsp_on_workspace_symbol(const cJSON *id, const cJSON *params) {
    const char *q = lsp_str_at(params, "query", NULL);
    LspRoot *r = srv->nroots && !srv->sink ? srv->roots[0] : NULL;
    for (uint32_t i = 0; r && i < srv->nroots; i++)
        if (!lsp_index_ready(srv->roots[i])) {
            lsp_index_wait(srv->roots[i], id, params, lsp_on_workspace_symbol);
            return;
        }
    if (!r) {
        lsp_send(lsp_response(id, cJSON_CreateArray()));
        return;
    }
    SymQuery *s = sg_xcalloc(1, sizeof *s);
    sg_arena_init(&s->arena);
    s->qn = (uint32_t)strlen(q);
    s->q = sg_arena_strndup(&s->arena, q, s->qn);
    for (uint32_t i = 0; i < s->qn; i++) s->q[i] = lower(s->q[i]);
    s->ixs = sg_xcalloc(srv->nroots, sizeof *s->ixs);
    s->skip = sg_xcalloc(srv->nroots, sizeof *s->skip);
    s->base = sg_xcalloc(srv->nroots, sizeof *s->base);
    SgVec open = {0};
    for (uint32_t k = 0; k < srv->nroots; k++) {
        uint32_t n;
        LspUnit *us = lsp_units_open(srv->roots[k], &s->arena, &n);
        for (uint32_t i = 0; i < n; i++) sg_vec_push(&open, &us[i]);
    }
    s->nopen = open.len;
    s->open = SG_NEW_N(&s->arena, LspUnit, open.len + 1);
    for (uint32_t i = 0; i < open.len; i++) s->open[i] = *(LspUnit *)open.items[i];
    sg_vec_free(&open);
    uint32_t base = s->nopen;
    for (uint32_t k = 0; k < srv->nroots; k++) {
        LspIndex *ix = srv->roots[k]->index;
        ix->refs++;
        s->ixs[s->nix] = ix;
        s->base[s->nix] = base;
        s->skip[s->nix] = sg_xcalloc(ix->n + 1, sizeof **s->skip);
        for (uint32_t i = 0; i < ix->n; i++)
            for (uint32_t u = 0; u < s->nopen && !s->skip[s->nix][i]; u++)
                s->skip[s->nix][i] = strcmp(s->open[u].path, ix->entries[i]->path) == 0;
        base += ix->n;
        s->nix++;
    }
    LspJob *j = lsp_job_new(r, id, params, lsp_on_workspace_symbol);
    lsp_job_start(j, symbols_work, symbols_done, s, free_symquery);
}
