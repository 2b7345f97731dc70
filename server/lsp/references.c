/* references.c - textDocument/references, prepareRename and rename, from
 * the folder's index (index.c) and the open modules' records. A local
 * stays in its module, whose facts answer; an item, field or constructor
 * is looked up by key: the modules that use it, their spans decoded and
 * their files read (and compared with the text indexed) on the pool.
 *
 * A rename is refused, with a message saying why, when the new name is not
 * an identifier or is a keyword, when the target is built in, in the
 * standard library or a module, and when the new name would clash: a
 * definition or import of the same name and namespace in the defining
 * module or in a module that imports the name selectively, a use there of
 * another item of that name written unqualified (the renamed one would
 * shadow it), a local or type parameter of that name where the old name is
 * used unqualified (it would capture the use), or one selective import
 * name that stands for the renamed item and another one. For a local: any
 * use of the new name in its scope, or a binding of it visible at one of
 * its uses.
 *
 * Threads: the handlers run on the loop thread; the work functions
 * (refs_work, rename_work) on the pool, reading only their job. */
#include <stdlib.h>

#include "../../checker/lex.h"
#include "internal.h"

/* Why s cannot be a new name (static text with %s for the name), or NULL. */
static const char *bad_name(const char *s) {
    size_t n = strlen(s);
    if (!n) return "the new name is empty";
    if (strcmp(s, "_") == 0) return "`_` is the wildcard: it cannot be a name";
    if (sg_is_keyword(s, n)) return "`%s` is a keyword: a name must be an identifier that is not a keyword";
    if ((s[0] >= '0' && s[0] <= '9') || lsp_ident_end(s, n, 0) != n)
        return "`%s` is not an identifier: a name starts with a letter or `_` and has only letters, digits and `_`";
    return NULL;
}

/* The query's module: the open document at params' position, current. */
static SgModule *request_module(const cJSON *id, const cJSON *params, LspHandler fn, LspRoot **root) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    char *path = uri ? lsp_uri_to_path(uri) : NULL;
    LspDoc *d = uri ? lsp_doc_of_uri(uri) : NULL;
    *root = path && !srv->sink ? lsp_root_of(d ? d->path : path) : NULL;
    free(path);
    if (*root && !lsp_index_ready(*root)) {
        lsp_index_wait(*root, id, params, fn);
        return NULL;
    }
    return lsp_open_module(uri);
}

typedef struct Query {
    SgArena arena;
    LspTarget target;
    LspUnit *units;
    uint32_t n;
    bool decl;              /* references: with the declaration */
    const char *new_name;   /* rename */
    cJSON *result;
    char *error;            /* rename refused: why */
    /* a local's rename: its uses, and the other names written in the module */
    SgSpan *spans;
    uint32_t nspans;
    SgSpan *others;         /* uses of the new name */
    uint32_t nothers;
} Query;

static Query *query_new(void) {
    Query *q = sg_xcalloc(1, sizeof *q);
    sg_arena_init(&q->arena);
    return q;
}

static void query_free(void *p) {
    Query *q = p;
    lsp_units_free(q->units, q->n);
    cJSON_Delete(q->result);
    free(q->error);
    sg_arena_free(&q->arena);
    free(q);
}

/* The uses of the target in unit u (and its definition there, when u
 * defines it and `decl`), sorted. */
static uint32_t spans_in(const Query *q, const SgXref *x, const LspUnit *u, bool decl, SgSpan **out, SgArena *a) {
    const SgXrefTarget *t = sg_xref_find(x, &q->target.key, q->target.hash);
    uint32_t n = t ? t->n : 0;
    SgSpan *s = SG_NEW_N(a, SgSpan, n + 2);
    uint32_t k = 0;
    if (decl && sg_xref_name_eq(u->module, q->target.key.module))
        for (uint32_t i = 0; i < x->ndefs; i++) {
            SgXrefKey dk;
            if (sg_xref_def_key(x, i, u->module, &dk) && sg_xref_key_eq(&dk, &q->target.key)) {
                s[k++] = x->defs[i].span;
                break;
            }
        }
    for (uint32_t i = 0; i < n; i++) {
        SgSpan v = x->spans[t->first + i];
        uint32_t j = k;
        while (j > 0 && s[j - 1].start > v.start) s[j] = s[j - 1], j--;
        s[j] = v;
        k++;
    }
    *out = s;
    return k;
}

/* ---- references ---- */
static void refs_work(LspJob *j) {
    Query *q = lsp_job_data(j);
    if (!lsp_job_load(j, q->units, q->n)) return;
    SgBuf b = {0};
    sg_buf_putc(&b, '[');
    bool first = true;
    for (uint32_t i = 0; i < q->n && !lsp_job_cancelled(j); i++) {
        LspUnit *u = &q->units[i];
        SgArena a;
        sg_arena_init(&a);
        SgSpan *s = NULL;
        uint32_t n = 0;
        if (q->decl && sg_xref_name_eq(u->module, q->target.key.module)) {
            SgXref x;   /* the defining module: its definition too */
            if (sg_xref_decode(u->blob, u->len, &a, &x)) n = spans_in(q, &x, u, true, &s, &a);
        } else {
            sg_xref_uses(u->blob, u->len, &q->target.key, &a, &s, &n);
        }
        bool ok = !n || lsp_unit_text(j, u);
        for (uint32_t k = 0; k < n && ok; k++) {
            if (!first) sg_buf_putc(&b, ',');
            first = false;
            lsp_unit_location_json(&b, u, s[k]);
        }
        sg_arena_free(&a);
        lsp_units_free(u, 1);   /* one module's text and entry at a time */
        if (!ok) {      /* stale: asked again after the next check */
            sg_buf_free(&b);
            return;
        }
    }
    sg_buf_putc(&b, ']');
    q->result = cJSON_CreateRaw(sg_buf_cstr(&b));
    sg_buf_free(&b);
}

static void refs_done(LspJob *j) {
    Query *q = lsp_job_data(j);
    lsp_send(lsp_response(lsp_job_id(j), q->result));
    q->result = NULL;
}

/* A local's uses (and declaration), from its module's facts. */
static cJSON *local_refs(SgModule *m, const SgFact *f, bool decl, bool edits, const char *new_name) {
    cJSON *arr = cJSON_CreateArray();
    SgSpan *seen = sg_xcalloc(m->facts->len + 1, sizeof *seen);
    uint32_t nseen = 0;
    for (uint32_t k = 0; k < m->facts->len; k++) {
        const SgFact *x = &m->facts->items[k];
        if (x->kind != FACT_LOCAL || x->target_span.start != f->target_span.start || x->target_span.end != f->target_span.end)
            continue;
        if (x->decl && !decl) continue;
        SgSpan s = lsp_fact_name_span(x);
        bool dup = false;
        for (uint32_t i = 0; i < nseen && !dup; i++) dup = seen[i].start == s.start;
        if (dup) continue;
        seen[nseen++] = s;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "range", lsp_span_range(m->src, m->len, s));
        if (edits) {
            cJSON_AddStringToObject(o, "newText", new_name);
        } else {
            LspDoc *d = lsp_doc_at_path(m->st->abs_path);
            cJSON_AddStringToObject(o, "uri", d->uri);
        }
        cJSON_AddItemToArray(arr, o);
    }
    free(seen);
    return arr;
}

void lsp_on_references(const cJSON *id, const cJSON *params) {
    LspRoot *r;
    SgModule *m = request_module(id, params, lsp_on_references, &r);
    if (!m) {
        if (!r || lsp_index_ready(r)) lsp_send(lsp_response(id, cJSON_CreateArray()));
        return;
    }
    size_t off;
    Query *q = query_new();
    q->decl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "context"),
                                                            "includeDeclaration"));
    if (!lsp_request_offset(params, m, &off) || !lsp_target_at(m, off, &q->arena, &q->target)) {
        query_free(q);
        lsp_send(lsp_response(id, cJSON_CreateArray()));
        return;
    }
    if (q->target.local) {
        lsp_send(lsp_response(id, local_refs(m, q->target.local, q->decl, false, NULL)));
        query_free(q);
        return;
    }
    q->n = lsp_units(r, r->index, q->target.hash, &q->target.key.module, &q->arena, &q->units);
    LspJob *j = lsp_job_new(r, id, params, lsp_on_references);
    lsp_job_start(j, refs_work, refs_done, q, query_free);
}

/* ---- rename ---- */
static bool renamable(const LspTarget *t, const LspIndex *ix, const char **why) {
    if (t->local) return true;
    if (t->key.kind == SG_XREF_MODULE) {
        *why = "`%s` is a module: rename its file instead";
        return false;
    }
    const LspIndexEntry *e = lsp_index_module(ix, t->key.module);
    if ((e && e->is_std) || (t->key.module.len >= 4 && memcmp(t->key.module.s, "std.", 4) == 0)) {
        *why = "`%s` is defined by the standard library: it cannot be renamed";
        return false;
    }
    return true;
}

static char *printf_name(const char *fmt, SgName n) {
    SgBuf b = {0};
    char *name = sg_xmalloc(n.len + 1);
    memcpy(name, n.s, n.len);
    name[n.len] = 0;
    sg_buf_printf(&b, fmt, name);
    free(name);
    return b.data;
}

void lsp_on_prepare_rename(const cJSON *id, const cJSON *params) {
    LspRoot *r;
    SgModule *m = request_module(id, params, lsp_on_prepare_rename, &r);
    if (!m) {
        if (!r || lsp_index_ready(r)) lsp_send(lsp_response(id, NULL));
        return;
    }
    size_t off;
    SgArena a;
    sg_arena_init(&a);
    LspTarget t;
    const char *why = NULL;
    if (!lsp_request_offset(params, m, &off) || !lsp_target_at(m, off, &a, &t)) {
        lsp_send(lsp_response(id, NULL));
    } else if (!renamable(&t, r->index, &why)) {
        char *msg = printf_name(why, t.key.kind == SG_XREF_MODULE ? t.key.module : t.key.name);
        lsp_send(lsp_error(id, LSP_REQUEST_FAILED, msg));
        free(msg);
    } else {
        cJSON *res = cJSON_CreateObject();
        cJSON_AddItemToObject(res, "range", lsp_span_range(m->src, m->len, t.at));
        char *ph = sg_arena_strndup(&a, m->src + t.at.start, t.at.end - t.at.start);
        cJSON_AddStringToObject(res, "placeholder", ph);
        lsp_send(lsp_response(id, res));
    }
    sg_arena_free(&a);
}

/* ---- the clash checks of a rename (on the pool) ---- */
static bool same_text(SgName a, const char *b) { return a.len == strlen(b) && memcmp(a.s, b, a.len) == 0; }

static uint32_t line_of(const char *t, size_t len, uint32_t off) {
    uint32_t l = 1;
    for (uint32_t i = 0; i < off && i < len; i++) l += t[i] == '\n';
    return l;
}

/* Is the use at s written `alias.name`? */
static bool qualified(const LspUnit *u, SgSpan s) {
    uint32_t i = s.start;
    while (i > 0 && (u->text[i - 1] == ' ' || u->text[i - 1] == '\t')) i--;
    return i > 0 && u->text[i - 1] == '.';
}

/* Is `name` written in u's text, as a whole identifier? */
static bool written(const LspUnit *u, const char *name) {
    size_t n = strlen(name);
    for (const char *p = u->text, *end = u->text + u->tlen; (p = memmem(p, (size_t)(end - p), name, n)); p++) {
        bool before = p > u->text && lsp_is_ident_char(p[-1]), after = p + n < end && lsp_is_ident_char(p[n]);
        if (!before && !after) return true;
    }
    return false;
}

/* Does definition kind k bind a name in the namespace of key kind `kind`? */
static bool binds(uint8_t k, uint8_t kind) {
    if (k == SG_XDEF_IMPORTED) return true;     /* either namespace */
    return kind == SG_XREF_VALUE ? sg_xref_def_is_value(k) : kind == SG_XREF_TYPE && sg_xref_def_is_type(k);
}

static const char *ns_word(uint8_t kind) { return kind == SG_XREF_TYPE ? "type" : "value"; }

static void refuse(Query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(Query *q, const char *fmt, ...) {
    if (q->error) return;
    SgBuf b = {0};
    sg_buf_printf(&b, "cannot rename `%.*s` to `%s`: ", (int)q->target.key.name.len, q->target.key.name.s, q->new_name);
    va_list ap;
    va_start(ap, fmt);
    sg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    q->error = b.data;
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The checks in one module where the new name would be written (u, its
 * entry x, its uses of the target s[0..n)). */
static void check_module(Query *q, LspUnit *u, const SgXref *x, const SgSpan *s, uint32_t n, bool defining) {
    const SgXrefKey *k = &q->target.key;
    /* a field: the other fields of its struct */
    if (k->kind == SG_XREF_FIELD) {
        for (uint32_t i = 0; defining && i < x->ndefs; i++) {
            const SgXrefDef *d = &x->defs[i];
            if (d->kind == SG_XDEF_FIELD && sg_xref_name_eq(x->defs[d->parent - 1].name, k->parent) && same_text(d->name, q->new_name))
                refuse(q, "struct `%.*s` already has a field `%s` (%s line %u)", (int)k->parent.len, k->parent.s,
                       q->new_name, base_name(u->path), line_of(u->text, u->tlen, d->span.start));
        }
        return;
    }
    /* where the name is written unqualified: the defining module, and the
     * modules that import it by name */
    bool imports = false;
    for (uint32_t i = 0; i < x->ndefs && !defining; i++)
        for (uint32_t m = 0; m < n && x->defs[i].kind == SG_XDEF_IMPORTED; m++)
            imports |= x->defs[i].span.start == s[m].start;
    if (!defining && !imports) return;
    for (uint32_t i = 0; i < x->ndefs; i++) {
        const SgXrefDef *d = &x->defs[i];
        if (d->parent || !binds(d->kind, k->kind) || !same_text(d->name, q->new_name)) continue;
        refuse(q, "%s already %s `%s` (%s line %u)", u->module.s,
               d->kind == SG_XDEF_IMPORTED || d->kind == SG_XDEF_IMPORT ? "imports" : "defines", q->new_name,
               base_name(u->path), line_of(u->text, u->tlen, d->span.start));
    }
    /* one selective import name for the renamed item and another */
    for (uint32_t t = 0; t < x->ntargets; t++) {
        const SgXrefTarget *o = &x->targets[t];
        if (sg_xref_key_eq(&o->key, k)) continue;
        for (uint32_t a = 0; a < o->n; a++)
            for (uint32_t m = 0; m < n; m++)
                if (x->spans[o->first + a].start == s[m].start)
                    refuse(q, "the import at %s line %u also imports the %s `%.*s`: both would need the new name",
                           base_name(u->path), line_of(u->text, u->tlen, s[m].start), ns_word(o->key.kind),
                           (int)o->key.name.len, o->key.name.s);
        /* another item of the new name, used unqualified: it would be shadowed */
        if (o->key.kind != k->kind || !same_text(o->key.name, q->new_name)) continue;
        for (uint32_t a = 0; a < o->n; a++)
            if (!qualified(u, x->spans[o->first + a]))
                refuse(q, "%s uses `%s` of %.*s at line %u, which the new name would shadow", u->module.s, q->new_name,
                       (int)o->key.module.len, o->key.module.s, line_of(u->text, u->tlen, x->spans[o->first + a].start));
    }
    /* a local or type parameter of the new name where the old one is used
     * (parsed only when the new name is written there at all) */
    if (!written(u, q->new_name)) return;
    LspParsed p;
    char *copy = memcpy(sg_xmalloc(u->tlen + 1), u->text, u->tlen + 1);
    lsp_parse_text(&p, copy, u->tlen);
    LspBinding *bs;
    uint32_t nb = lsp_bindings(&p.ast, &p.arena, &bs);
    SgName nn = sg_name(q->new_name, strlen(q->new_name));
    for (uint32_t m = 0; m < n; m++) {
        if (qualified(u, s[m])) continue;
        const LspBinding *b = lsp_binding_at(bs, nb, nn, k->kind == SG_XREF_TYPE, s[m].start);
        if (b)
            refuse(q, "the %s `%s` (%s line %u) would capture the use at line %u", b->type ? "type parameter" : "local",
                   q->new_name, base_name(u->path), line_of(u->text, u->tlen, b->decl.start),
                   line_of(u->text, u->tlen, s[m].start));
    }
    lsp_parsed_free(&p);
}

static void rename_work(LspJob *j) {
    Query *q = lsp_job_data(j);
    if (!lsp_job_load(j, q->units, q->n)) return;
    q->result = cJSON_CreateObject();
    cJSON *changes = cJSON_AddObjectToObject(q->result, "changes");
    for (uint32_t i = 0; i < q->n && !lsp_job_cancelled(j) && !q->error; i++) {
        LspUnit *u = &q->units[i];
        SgArena a;
        sg_arena_init(&a);
        SgXref x;
        SgSpan *s = NULL;
        uint32_t n = 0;
        bool defining = sg_xref_name_eq(u->module, q->target.key.module), decoded = false;
        if (defining) decoded = sg_xref_decode(u->blob, u->len, &a, &x), n = decoded ? spans_in(q, &x, u, true, &s, &a) : 0;
        else sg_xref_uses(u->blob, u->len, &q->target.key, &a, &s, &n);
        if ((n || defining) && !lsp_unit_text(j, u)) {
            sg_arena_free(&a);
            return;     /* stale: asked again after the next check */
        }
        /* where the name is written unqualified (the defining module, a
         * selective import) the clashes are looked for */
        bool bare = defining;
        for (uint32_t k = 0; k < n && !bare; k++) bare = !qualified(u, s[k]);
        if (bare && (decoded || sg_xref_decode(u->blob, u->len, &a, &x))) check_module(q, u, &x, s, n, defining);
        cJSON *edits = NULL;
        for (uint32_t k = 0; k < n; k++) {
            if (!edits) {
                char *uri = u->uri ? NULL : lsp_path_to_uri(u->path);
                edits = cJSON_AddArrayToObject(changes, u->uri ? u->uri : uri);
                free(uri);
            }
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToObject(e, "range", lsp_unit_range(u, s[k]));
            cJSON_AddStringToObject(e, "newText", q->new_name);
            cJSON_AddItemToArray(edits, e);
        }
        sg_arena_free(&a);
        lsp_units_free(u, 1);
    }
}

/* A local: its scope, and what would capture or be captured in it. */
static void rename_local_work(LspJob *j) {
    Query *q = lsp_job_data(j);
    LspUnit *u = &q->units[0];
    LspParsed p;
    char *copy = memcpy(sg_xmalloc(u->tlen + 1), u->text, u->tlen + 1);
    lsp_parse_text(&p, copy, u->tlen);
    LspBinding *bs;
    uint32_t nb = lsp_bindings(&p.ast, &p.arena, &bs);
    SgSpan decl = q->target.local->target_span, scope = {0, 0};
    for (uint32_t i = 0; i < nb; i++)
        if (!bs[i].type && bs[i].decl.start == decl.start) scope = bs[i].scope;
    SgName nn = sg_name(q->new_name, strlen(q->new_name));
    for (uint32_t i = 0; i < q->nothers; i++)
        if (q->others[i].start >= scope.start && q->others[i].start < scope.end)
            refuse(q, "`%s` is used at line %u, where the renamed local would capture it", q->new_name,
                   line_of(u->text, u->tlen, q->others[i].start));
    for (uint32_t i = 0; i < q->nspans; i++) {
        const LspBinding *b = lsp_binding_at(bs, nb, nn, false, q->spans[i].start);
        /* one declared inside the local's scope would capture its use */
        if (b && b->decl.start != decl.start && b->decl.start >= scope.start && b->decl.start < scope.end)
            refuse(q, "the local `%s` (line %u) would capture the use at line %u", q->new_name,
                   line_of(u->text, u->tlen, b->decl.start), line_of(u->text, u->tlen, q->spans[i].start));
    }
    lsp_parsed_free(&p);
}

static void rename_done(LspJob *j) {
    Query *q = lsp_job_data(j);
    if (q->error) {
        lsp_send(lsp_error(lsp_job_id(j), LSP_REQUEST_FAILED, q->error));
        return;
    }
    lsp_send(lsp_response(lsp_job_id(j), q->result));
    q->result = NULL;
}

static void rename_local(LspRoot *r, const cJSON *id, const cJSON *params, SgModule *m, Query *q) {
    const SgFact *f = q->target.local;
    q->spans = SG_NEW_N(&q->arena, SgSpan, m->facts->len + 1);
    q->others = SG_NEW_N(&q->arena, SgSpan, m->facts->len + 1);
    size_t nl = strlen(q->new_name);
    for (uint32_t k = 0; k < m->facts->len; k++) {
        const SgFact *x = &m->facts->items[k];
        SgSpan s = lsp_fact_name_span(x);
        if (x->kind == FACT_LOCAL && x->target_span.start == f->target_span.start) q->spans[q->nspans++] = s;
        else if (!x->decl && s.end - s.start == nl && memcmp(m->src + s.start, q->new_name, nl) == 0)
            q->others[q->nothers++] = s;
    }
    LspDoc *d = lsp_doc_at_path(m->st->abs_path);
    q->units = SG_NEW_N(&q->arena, LspUnit, 1);
    q->n = 1;
    q->units[0] = (LspUnit){.uri = sg_arena_strndup(&q->arena, d->uri, strlen(d->uri)),
                            .text = memcpy(sg_xmalloc(m->len + 1), m->src, m->len + 1), .tlen = m->len, .open = true};
    q->result = cJSON_CreateObject();
    cJSON_AddItemToObject(cJSON_AddObjectToObject(q->result, "changes"), q->units[0].uri,
                          local_refs(m, f, true, true, q->new_name));
    LspJob *j = lsp_job_new(r, id, params, lsp_on_rename);
    lsp_job_start(j, rename_local_work, rename_done, q, query_free);
}

void lsp_on_rename(const cJSON *id, const cJSON *params) {
    const char *new_name = lsp_str_at(params, "newName", NULL);
    const char *why = bad_name(new_name);
    if (why) {
        char *msg = printf_name(why, sg_name_c(new_name));
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, msg));
        free(msg);
        return;
    }
    LspRoot *r;
    SgModule *m = request_module(id, params, lsp_on_rename, &r);
    if (!m) {
        if (!r || lsp_index_ready(r)) lsp_send(lsp_error(id, LSP_REQUEST_FAILED, "nothing to rename here: the file is not open in a workspace folder"));
        return;
    }
    size_t off;
    Query *q = query_new();
    q->new_name = sg_arena_strndup(&q->arena, new_name, strlen(new_name));
    if (!lsp_request_offset(params, m, &off) || !lsp_target_at(m, off, &q->arena, &q->target)) {
        query_free(q);
        lsp_send(lsp_error(id, LSP_REQUEST_FAILED, "nothing to rename here"));
        return;
    }
    if (!renamable(&q->target, r->index, &why)) {
        char *msg = printf_name(why, q->target.key.kind == SG_XREF_MODULE ? q->target.key.module : q->target.key.name);
        lsp_send(lsp_error(id, LSP_REQUEST_FAILED, msg));
        free(msg);
        query_free(q);
        return;
    }
    if (q->target.local) {
        rename_local(r, id, params, m, q);
        return;
    }
    q->n = lsp_units(r, r->index, q->target.hash, &q->target.key.module, &q->arena, &q->units);
    LspJob *j = lsp_job_new(r, id, params, lsp_on_rename);
    lsp_job_start(j, rename_work, rename_done, q, query_free);
}
