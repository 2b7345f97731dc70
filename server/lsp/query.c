/* query.c - what every query starts from: the module of an open document
 * in its folder's last run (with its facts), a request's position as a
 * byte offset, the fact (or the key, cache/xref.h) at an offset, a location
 * in another module; and the modules an index query reads (units).
 *
 * Threads: the loop thread (it reads the folders' `last`, which only the
 * loop thread modifies), but for lsp_unit_text, lsp_units_free and the
 * locations of units, which index jobs call on the pool on their own
 * units. */
#include <stdlib.h>

#include "internal.h"

SgModule *lsp_open_module(const char *uri) {
    char *path = uri ? lsp_uri_to_path(uri) : NULL;
    if (!path) return NULL;
    LspDoc *d = lsp_doc_of_uri(uri);
    SgEngineRun *run = lsp_run_of(d ? d->path : path);
    SgModule *r = run ? sg_engine_module_at(run, path) : NULL;
    if (!r && run && d) r = sg_engine_module_at(run, d->path);
    free(path);
    return r && r->facts ? r : NULL;
}

bool lsp_request_offset(const cJSON *params, SgModule *m, size_t *off) {
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    double line, ch;
    if (!lsp_num_at(pos, "line", &line) || !lsp_num_at(pos, "character", &ch) || line < 0 || ch < 0) return false;
    *off = lsp_offset_of(m->src, m->len, lsp_u32(line), lsp_u32(ch), srv->enc);
    return true;
}

SgFact *lsp_fact_at(SgModule *m, size_t off) {
    SgFact *best = NULL;
    for (uint32_t i = 0; i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (off < f->span.start || off > f->span.end || f->span.end == f->span.start) continue;
        if (!best || f->span.end - f->span.start < best->span.end - best->span.start ||
            (f->span.end - f->span.start == best->span.end - best->span.start && f->type && !best->type))
            best = f;
    }
    return best;
}

size_t lsp_doc_offset(const LspDoc *d, const cJSON *params) {
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    double line = 0, ch = 0;
    lsp_num_at(pos, "line", &line);
    lsp_num_at(pos, "character", &ch);
    return lsp_offset_of(d->text, d->len, lsp_u32(line), lsp_u32(ch), srv->enc);
}

SgSpan lsp_fact_name_span(const SgFact *f) {
    SgSpan s = f->span;
    size_t nl = strlen(f->name);
    if (s.end - s.start > nl) s.start = s.end - (uint32_t)nl;
    return s;
}

bool lsp_same_target(const SgFact *x, const char *target_path, SgSpan target_span) {
    return x->target && x->target->st->abs_path && strcmp(x->target->st->abs_path, target_path) == 0 &&
           x->target_span.start == target_span.start && x->target_span.end == target_span.end;
}

cJSON *lsp_location(SgModule *target, SgSpan span) {
    if (!target || !target->st->abs_path) return NULL;
    size_t len;
    char *text = target->src ? memcpy(sg_xmalloc(target->len + 1), target->src, target->len + 1)
                             : lsp_module_text(target->st->abs_path, target->path, &len);
    if (target->src) len = target->len;
    LspDoc *d = lsp_doc_at_path(target->st->abs_path);
    cJSON *loc = cJSON_CreateObject();
    char *uri = lsp_path_to_uri(target->st->abs_path);
    cJSON_AddStringToObject(loc, "uri", d ? d->uri : uri);
    free(uri);
    cJSON_AddItemToObject(loc, "range", lsp_span_range(text, len, span));
    free(text);
    return loc;
}

/* ---- what index queries start from ---- */
static SgName copy_name(SgArena *a, SgName n) { return sg_name(sg_arena_strndup(a, n.len ? n.s : "", n.len), n.len); }

static void copy_key(SgArena *a, const SgXrefKey *k, LspTarget *t) {
    t->key = (SgXrefKey){copy_name(a, k->module), k->kind, copy_name(a, k->name), copy_name(a, k->parent)};
    t->hash = sg_xref_key_hash(&t->key);
}

bool lsp_target_at(SgModule *m, size_t off, SgArena *a, LspTarget *t) {
    memset(t, 0, sizeof *t);
    SgFact *f = lsp_fact_at(m, off);
    if (f && f->kind == FACT_LOCAL) {
        t->local = f;
        t->at = lsp_fact_name_span(f);
        return true;
    }
    if (f) {
        SgXrefNames *names = sg_xref_names_new();
        SgXrefKey k;
        bool ok = sg_xref_fact_key(names, f, m->src, m->len, &k, &t->at);
        if (ok) copy_key(a, &k, t);
        sg_xref_names_free(names);
        if (ok) return true;
    }
    /* no use here: the declaration of an item, a field or a constructor */
    SgXref x;
    if (!m->st->xref.len || !sg_xref_decode((const uint8_t *)m->st->xref.data, m->st->xref.len, a, &x)) return false;
    for (uint32_t i = 0; i < x.ndefs; i++) {
        SgXrefKey k;
        if (off < x.defs[i].span.start || off > x.defs[i].span.end || !sg_xref_def_key(&x, i, m->mname, &k)) continue;
        copy_key(a, &k, t);
        t->at = x.defs[i].span;
        return true;
    }
    return false;
}

static void add_unit(SgVec *v, SgArena *a, const char *path, const char *disk, const char *uri, SgName module,
                     const SgHash *source_hash, const uint8_t *blob, size_t len, const char *text, size_t tlen,
                     const LspIndexEntry *e) {
    LspUnit *u = SG_NEW(a, LspUnit);
    u->path = sg_arena_strndup(a, path, strlen(path));
    u->disk = sg_arena_strndup(a, disk, strlen(disk));
    u->uri = uri ? sg_arena_strndup(a, uri, strlen(uri)) : NULL;
    u->module = copy_name(a, module);
    u->source_hash = *source_hash;
    u->open = text != NULL;
    u->entry = e;
    if (text) {     /* an open module's record belongs to the loop: copies */
        u->blob = sg_arena_dup(a, blob, len);
        u->text = sg_xmalloc(tlen + 1);
        memcpy(u->text, text, tlen);
        u->text[tlen] = 0;
        u->tlen = tlen;
    } else {
        u->blob = blob;
    }
    u->len = len;
    sg_vec_push(v, u);
}

static LspUnit *units_of(SgVec *v, SgArena *a, uint32_t *n) {
    LspUnit *out = SG_NEW_N(a, LspUnit, v->len + 1);
    for (uint32_t i = 0; i < v->len; i++) out[i] = *(LspUnit *)v->items[i];
    *n = v->len;
    sg_vec_free(v);
    return out;
}

static void open_units(LspRoot *r, SgArena *a, SgVec *v) {
    for (uint32_t i = 0; r->last && i < srv->ndocs; i++) {
        LspDoc *d = srv->docs[i];
        SgModule *m = d->root == r ? sg_engine_module_at(r->last, d->path) : NULL;
        if (!m || !m->facts || !m->st->xref.len) continue;
        add_unit(v, a, d->path, m->path, d->uri, m->mname, &m->st->source_hash, (const uint8_t *)m->st->xref.data,
                 m->st->xref.len, m->src, m->len, NULL);
    }
}

LspUnit *lsp_units_open(LspRoot *r, SgArena *a, uint32_t *n) {
    SgVec v = {0};
    open_units(r, a, &v);
    return units_of(&v, a, n);
}

uint32_t lsp_units(LspRoot *r, const LspIndex *ix, uint64_t hash, const SgName *defining, SgArena *a, LspUnit **out) {
    SgVec v = {0};
    open_units(r, a, &v);
    SgMap open = {0};
    bool have_defining = false;
    for (uint32_t i = 0; i < v.len; i++) {
        const LspUnit *u = v.items[i];
        sg_map_put(&open, sg_name_c(u->path), v.items[i]);
        have_defining |= defining && sg_xref_name_eq(u->module, *defining);
    }
    const uint32_t *users;
    uint32_t n = ix ? lsp_index_users(ix, hash, &users) : 0;
    for (uint32_t i = 0; i < n; i++) {
        const LspIndexEntry *e = ix->entries[users[i]];
        if (sg_map_get(&open, sg_name_c(e->path))) continue;
        add_unit(&v, a, e->path, e->disk, NULL, e->mname, &e->source_hash, e->blob, e->len, NULL, 0, e);
        have_defining |= defining && sg_xref_name_eq(e->mname, *defining);
    }
    const LspIndexEntry *d = defining && !have_defining ? lsp_index_module(ix, *defining) : NULL;
    if (d && !sg_map_get(&open, sg_name_c(d->path)))
        add_unit(&v, a, d->path, d->disk, NULL, d->mname, &d->source_hash, d->blob, d->len, NULL, 0, d);
    sg_map_free(&open);
    *out = units_of(&v, a, &n);
    return n;
}

bool lsp_unit_text(LspJob *j, LspUnit *u) {
    return u->text || lsp_job_text(j, u->path, u->disk, &u->source_hash, &u->text, &u->tlen);
}

void lsp_units_free(LspUnit *us, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        free(us[i].text);
        us[i].text = NULL;
        if (us[i].own_blob) free((uint8_t *)us[i].blob);
        free(us[i].file_uri);
        us[i].file_uri = NULL;
        us[i].blob = NULL;
        us[i].own_blob = false;
    }
}

LspUnit lsp_entry_unit(const LspIndexEntry *e) {
    return (LspUnit){.path = e->path, .disk = e->disk, .module = e->mname, .source_hash = e->source_hash, .entry = e,
                     .blob = e->blob, .len = e->len};
}

cJSON *lsp_unit_range(const LspUnit *u, SgSpan s) { return lsp_span_range(u->text, u->tlen, s); }

cJSON *lsp_unit_location(const LspUnit *u, SgSpan s) {
    cJSON *loc = cJSON_CreateObject();
    char *uri = u->uri ? NULL : lsp_path_to_uri(u->path);
    cJSON_AddStringToObject(loc, "uri", u->uri ? u->uri : uri);
    free(uri);
    cJSON_AddItemToObject(loc, "range", lsp_unit_range(u, s));
    return loc;
}

void lsp_unit_location_json(SgBuf *b, LspUnit *u, SgSpan s) {
    if (!u->uri && !u->file_uri) u->file_uri = lsp_path_to_uri(u->path);
    const char *uri = u->uri ? u->uri : u->file_uri;
    sg_buf_puts(b, "{\"uri\":");
    lsp_json_str(b, uri, strlen(uri));
    sg_buf_puts(b, ",\"range\":");
    lsp_json_range(b, u->text, u->tlen, s);
    sg_buf_putc(b, '}');
}
