/* calls.c - the call hierarchy: textDocument/prepareCallHierarchy (the
 * function at a position), callHierarchy/incomingCalls (the items whose
 * bodies use it, each with the places) and callHierarchy/outgoingCalls (the
 * functions its body uses), from the folder's index (index.c) and the open
 * modules' records. An item carries its function's key in `data` (module,
 * name), so the calls are found by lookup whatever the client kept of it.
 * A use counts as a call wherever it is in a body: passing a function is
 * calling it later.
 *
 * Threads: the handlers run on the loop thread; the work functions on the
 * pool, reading only their job. */
#include <stdlib.h>

#include "internal.h"

typedef struct Calls {
    SgArena arena;
    SgXrefKey key;
    uint64_t hash;
    LspUnit *units;         /* the open modules of the folder, then the index's users of the key */
    uint32_t n;
    SgVec made;             /* units of other modules of the index, made by the job */
    cJSON *result;
} Calls;

static void calls_free(void *p) {
    Calls *c = p;
    lsp_units_free(c->units, c->n);
    for (uint32_t i = 0; i < c->made.len; i++) lsp_units_free(c->made.items[i], 1);
    sg_vec_free(&c->made);
    cJSON_Delete(c->result);
    sg_arena_free(&c->arena);
    free(c);
}

static bool is_function(uint8_t k) { return k == SG_XDEF_FN || k == SG_XDEF_EXTERN_FN; }

static cJSON *call_item(const LspUnit *u, const SgXref *x, uint32_t d) {
    const SgXrefDef *def = &x->defs[d];
    cJSON *o = cJSON_CreateObject();
    char *name = sg_xmalloc(def->name.len + 1);
    memcpy(name, def->name.s, def->name.len);
    name[def->name.len] = 0;
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddNumberToObject(o, "kind", lsp_def_symbol_kind(def->kind));
    cJSON_AddStringToObject(o, "detail", u->module.s);
    cJSON *loc = lsp_unit_location(u, def->full);
    cJSON_AddItemToObject(o, "uri", cJSON_DetachItemFromObjectCaseSensitive(loc, "uri"));
    cJSON_AddItemToObject(o, "range", cJSON_DetachItemFromObjectCaseSensitive(loc, "range"));
    cJSON_Delete(loc);
    cJSON_AddItemToObject(o, "selectionRange", lsp_unit_range(u, def->span));
    cJSON *data = cJSON_AddObjectToObject(o, "data");
    cJSON_AddStringToObject(data, "module", u->module.s);
    cJSON_AddStringToObject(data, "name", name);
    free(name);
    return o;
}

/* The unit of a module: the job's, else one made from its entry in the index. */
static LspUnit *unit_of(Calls *c, const LspIndex *ix, SgName module) {
    for (uint32_t i = 0; i < c->n; i++)
        if (sg_xref_name_eq(c->units[i].module, module)) return &c->units[i];
    for (uint32_t i = 0; i < c->made.len; i++)
        if (sg_xref_name_eq(((LspUnit *)c->made.items[i])->module, module)) return c->made.items[i];
    const LspIndexEntry *e = lsp_index_module(ix, module);
    if (!e) return NULL;
    LspUnit *u = SG_NEW(&c->arena, LspUnit);
    *u = lsp_entry_unit(e);
    sg_vec_push(&c->made, u);
    return u;
}

/* The definition of a key in a unit's entry, or -1. */
static int32_t def_of(const SgXref *x, SgName module, const SgXrefKey *k) {
    for (uint32_t i = 0; i < x->ndefs; i++) {
        SgXrefKey dk;
        if (sg_xref_def_key(x, i, module, &dk) && sg_xref_key_eq(&dk, k)) return (int32_t)i;
    }
    return -1;
}

/* prepare: the function's own item. */
static void prepare_work(LspJob *j) {
    Calls *c = lsp_job_data(j);
    SgXref x;
    LspUnit *u = unit_of(c, lsp_job_index(j), c->key.module);
    if (u && !lsp_job_load(j, u, 1)) return;
    int32_t d = u && sg_xref_decode(u->blob, u->len, &c->arena, &x) ? def_of(&x, u->module, &c->key) : -1;
    if (d < 0 || !is_function(x.defs[d].kind) || !lsp_unit_text(j, u)) return;     /* not a function: null */
    c->result = cJSON_CreateArray();
    cJSON_AddItemToArray(c->result, call_item(u, &x, (uint32_t)d));
}

/* incoming: every use of the function, grouped by the item whose body holds it. */
static void incoming_work(LspJob *j) {
    Calls *c = lsp_job_data(j);
    if (!lsp_job_load(j, c->units, c->n)) return;
    c->result = cJSON_CreateArray();
    for (uint32_t i = 0; i < c->n && !lsp_job_cancelled(j); i++) {
        LspUnit *u = &c->units[i];
        SgArena a;
        sg_arena_init(&a);
        SgXref x;
        const SgXrefTarget *t = sg_xref_decode(u->blob, u->len, &a, &x) ? sg_xref_find(&x, &c->key, c->hash) : NULL;
        if (t && !lsp_unit_text(j, u)) {
            sg_arena_free(&a);
            return;     /* stale */
        }
        /* the uses are sorted by place: those of one item are together */
        for (uint32_t k = 0; t && k < t->n;) {
            int32_t from = sg_xref_container(&x, x.spans[t->first + k].start);
            uint32_t end = k;
            while (end < t->n && sg_xref_container(&x, x.spans[t->first + end].start) == from) end++;
            if (from >= 0) {
                cJSON *call = cJSON_CreateObject();
                cJSON_AddItemToObject(call, "from", call_item(u, &x, (uint32_t)from));
                cJSON *ranges = cJSON_AddArrayToObject(call, "fromRanges");
                for (uint32_t m = k; m < end; m++) cJSON_AddItemToArray(ranges, lsp_unit_range(u, x.spans[t->first + m]));
                cJSON_AddItemToArray(c->result, call);
            }
            k = end;
        }
        sg_arena_free(&a);
    }
}

/* outgoing: the functions the body uses, each with the places. */
static void outgoing_work(LspJob *j) {
    Calls *c = lsp_job_data(j);
    const LspIndex *ix = lsp_job_index(j);
    SgXref x;
    LspUnit *u = unit_of(c, ix, c->key.module);
    if (u && !lsp_job_load(j, u, 1)) return;
    int32_t d = u && sg_xref_decode(u->blob, u->len, &c->arena, &x) ? def_of(&x, u->module, &c->key) : -1;
    c->result = cJSON_CreateArray();
    if (d < 0 || !lsp_unit_text(j, u)) return;
    SgSpan body = x.defs[d].full;
    for (uint32_t t = 0; t < x.ntargets && !lsp_job_cancelled(j); t++) {
        const SgXrefTarget *g = &x.targets[t];
        if (g->key.kind != SG_XREF_VALUE) continue;
        uint32_t first = g->n;
        for (uint32_t k = 0; k < g->n && first == g->n; k++)
            if (x.spans[g->first + k].start >= body.start && x.spans[g->first + k].end <= body.end) first = k;
        if (first == g->n) continue;
        /* a function, where it is defined (the built-in library has no file) */
        LspUnit *tu = unit_of(c, ix, g->key.module);
        if (tu && !lsp_job_load(j, tu, 1)) return;
        SgXref tx;
        int32_t td = tu && sg_xref_decode(tu->blob, tu->len, &c->arena, &tx) ? def_of(&tx, tu->module, &g->key) : -1;
        if (td < 0 || !is_function(tx.defs[td].kind)) continue;
        if (!lsp_unit_text(j, tu)) return;
        cJSON *call = cJSON_CreateObject();
        cJSON_AddItemToObject(call, "to", call_item(tu, &tx, (uint32_t)td));
        cJSON *ranges = cJSON_AddArrayToObject(call, "fromRanges");
        for (uint32_t k = first; k < g->n; k++) {
            SgSpan s = x.spans[g->first + k];
            if (s.start >= body.start && s.end <= body.end) cJSON_AddItemToArray(ranges, lsp_unit_range(u, s));
        }
        cJSON_AddItemToArray(c->result, call);
    }
}

static void calls_done(LspJob *j) {
    Calls *c = lsp_job_data(j);
    lsp_send(lsp_response(lsp_job_id(j), c->result));
    c->result = NULL;
}

static Calls *calls_new(void) {
    Calls *c = sg_xcalloc(1, sizeof *c);
    sg_arena_init(&c->arena);
    return c;
}

void lsp_on_prepare_call_hierarchy(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    char *path = lsp_uri_to_path(uri);
    LspDoc *doc = lsp_doc_of_uri(uri);
    LspRoot *r = path && !srv->sink ? lsp_root_of(doc ? doc->path : path) : NULL;
    free(path);
    if (r && !lsp_index_ready(r)) {
        lsp_index_wait(r, id, params, lsp_on_prepare_call_hierarchy);
        return;
    }
    SgModule *m = r ? lsp_open_module(uri) : NULL;
    Calls *c = calls_new();
    LspTarget t;
    size_t off;
    if (!m || !lsp_request_offset(params, m, &off) || !lsp_target_at(m, off, &c->arena, &t) || t.local ||
        t.key.kind != SG_XREF_VALUE) {
        calls_free(c);
        lsp_send(lsp_response(id, NULL));
        return;
    }
    c->key = t.key;
    c->hash = t.hash;
    c->units = lsp_units_open(r, &c->arena, &c->n);
    LspJob *j = lsp_job_new(r, id, params, lsp_on_prepare_call_hierarchy);
    lsp_job_start(j, prepare_work, calls_done, c, calls_free);
}

/* The function of an item, from its data (dispatch checked its shape); its
 * folder is its file's. */
static LspRoot *item_key(const cJSON *id, const cJSON *params, LspHandler fn, Calls *c) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(params, "item");
    const char *module = lsp_str_at(item, "data", "module"), *name = lsp_str_at(item, "data", "name");
    char *path = lsp_uri_to_path(lsp_str_at(item, "uri", NULL));
    LspRoot *r = path && !srv->sink ? lsp_root_of(path) : NULL;
    free(path);
    if (!r) {
        lsp_send(lsp_response(id, cJSON_CreateArray()));
        return NULL;
    }
    if (!lsp_index_ready(r)) {
        lsp_index_wait(r, id, params, fn);
        return NULL;
    }
    c->key = (SgXrefKey){.module = sg_name_c(sg_arena_strndup(&c->arena, module, strlen(module))), .kind = SG_XREF_VALUE,
                         .name = sg_name_c(sg_arena_strndup(&c->arena, name, strlen(name)))};
    c->hash = sg_xref_key_hash(&c->key);
    return r;
}

void lsp_on_incoming_calls(const cJSON *id, const cJSON *params) {
    Calls *c = calls_new();
    LspRoot *r = item_key(id, params, lsp_on_incoming_calls, c);
    if (!r) {
        calls_free(c);
        return;
    }
    c->n = lsp_units(r, r->index, c->hash, NULL, &c->arena, &c->units);
    LspJob *j = lsp_job_new(r, id, params, lsp_on_incoming_calls);
    lsp_job_start(j, incoming_work, calls_done, c, calls_free);
}

void lsp_on_outgoing_calls(const cJSON *id, const cJSON *params) {
    Calls *c = calls_new();
    LspRoot *r = item_key(id, params, lsp_on_outgoing_calls, c);
    if (!r) {
        calls_free(c);
        return;
    }
    c->units = lsp_units_open(r, &c->arena, &c->n);
    LspJob *j = lsp_job_new(r, id, params, lsp_on_outgoing_calls);
    lsp_job_start(j, outgoing_work, calls_done, c, calls_free);
}
