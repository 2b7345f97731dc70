/* completion.c - textDocument/completion: members after `alias.`, fields
 * after `value.`, otherwise locals declared before the cursor, the module's
 * items, the prelude, builtin types and keywords. The word being typed is
 * read from the buffer as it is now; what names mean, from the last check.
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "../../checker/lex.h"
#include "internal.h"

enum { CK_FUNCTION = 3, CK_FIELD = 5, CK_VARIABLE = 6, CK_CLASS = 7, CK_MODULE = 9, CK_KEYWORD = 14,
       CK_ENUM = 13, CK_ENUM_MEMBER = 20, CK_CONSTANT = 21, CK_STRUCT = 22, CK_TYPE_PARAM = 25 };

static void add_item(cJSON *arr, const char *label, size_t n, int kind, const char *detail) {
    for (int i = cJSON_GetArraySize(arr) - 1; i >= 0; i--) {
        const char *l = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(arr, i), "label")->valuestring;
        if (strlen(l) == n && memcmp(l, label, n) == 0) return;
    }
    cJSON *it = cJSON_CreateObject();
    char *s = sg_xmalloc(n + 1);
    memcpy(s, label, n);
    s[n] = 0;
    cJSON_AddStringToObject(it, "label", s);
    free(s);
    cJSON_AddNumberToObject(it, "kind", kind);
    if (detail) cJSON_AddStringToObject(it, "detail", detail);
    cJSON_AddItemToArray(arr, it);
}

static int value_kind(const SgValue *v) {
    return v->kind == V_CTOR ? CK_ENUM_MEMBER : v->kind == V_CONST ? CK_CONSTANT : v->kind == V_MODULE ? CK_MODULE : CK_FUNCTION;
}

static int type_kind(const SgTypeEntry *e) {
    if (e->kind == TENT_DEF) return e->def->kind == DEF_ENUM ? CK_ENUM : e->def->kind == DEF_STRUCT ? CK_STRUCT : CK_CLASS;
    return CK_CLASS;
}

/* Members of module t that m may name: its public items. */
static void module_members(cJSON *arr, SgModule *t) {
    for (uint32_t i = 0; i < t->values.cap; i++) {
        SgValue *v = t->values.slots[i].value;
        if (t->values.slots[i].key.s && v->pub && !v->import && v->kind != V_MODULE && v->kind != V_ERROR)
            add_item(arr, v->name.s, v->name.len, value_kind(v), NULL);
    }
    for (uint32_t i = 0; i < t->types.cap; i++) {
        SgTypeEntry *e = t->types.slots[i].value;
        if (t->types.slots[i].key.s && e->pub && !e->import && e->kind != TENT_BAD)
            add_item(arr, e->name.s, e->name.len, type_kind(e), NULL);
    }
}

/* The struct a rendered type names, looked up as module m writes it. */
static SgTypeDef *struct_of(SgModule *m, const char *type) {
    if (!type) return NULL;
    const char *br = strchr(type, '[');
    size_t n = br ? (size_t)(br - type) : strlen(type);
    const char *dot = memchr(type, '.', n);
    SgTypeEntry *e = NULL;
    if (dot) {
        SgValue *v = sg_map_get(&m->values, sg_name(type, (size_t)(dot - type)));
        if (v && v->kind == V_MODULE) e = sg_map_get(&v->target->types, sg_name(dot + 1, n - (size_t)(dot - type) - 1));
    } else {
        e = sg_lookup_type(&lsp_run_of(m->st->abs_path)->prog, m, sg_name(type, n));
    }
    return e && e->kind == TENT_DEF && e->def->kind == DEF_STRUCT ? e->def : NULL;
}

void lsp_on_completion(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    SgModule *m = lsp_open_module(uri);
    LspDoc *d = uri ? lsp_doc_of_uri(uri) : NULL;
    cJSON *arr = cJSON_CreateArray();
    if (!m || !d) {
        lsp_send(lsp_response(id, arr));
        return;
    }
    /* the word being typed and what stands before it, in the buffer as it is
     * now (the facts may be from the text before the last keystrokes) */
    const char *t = d->text;
    size_t off = lsp_doc_offset(d, params);
    size_t w = lsp_ident_start(t, off);
    if (w > 0 && t[w - 1] == '.') {
        size_t e = w - 1, s0 = lsp_ident_start(t, e);
        SgValue *v = s0 < e ? sg_map_get(&m->values, sg_name(t + s0, e - s0)) : NULL;
        if (v && v->kind == V_MODULE) {
            module_members(arr, v->target);
        } else {
            /* a field of the name before the dot: the last declaration of that
             * name (a local, a parameter) before here says its type */
            SgFact *f = NULL;
            for (uint32_t i = 0; s0 < e && i < m->facts->len; i++) {
                SgFact *x = &m->facts->items[i];
                if (x->type && x->kind == FACT_LOCAL && x->decl && strlen(x->name) == e - s0 &&
                    memcmp(x->name, t + s0, e - s0) == 0 && (!f || x->span.start > f->span.start))
                    f = x;
            }
            SgTypeDef *sd = f ? struct_of(m, f->type) : NULL;
            for (uint32_t i = 0; sd && i < sd->nfields; i++)
                add_item(arr, sd->fields[i].name.s, sd->fields[i].name.len, CK_FIELD, NULL);
        }
        lsp_send(lsp_response(id, arr));
        return;
    }
    /* locals declared before the cursor in the same item, then items, prelude, keywords */
    SgSpan item = {0, (uint32_t)m->len};
    for (uint32_t i = 0; i < m->facts->len; i++) {
        SgFact *x = &m->facts->items[i];
        if (x->decl && x->kind != FACT_LOCAL && x->span.start <= off && x->span.start >= item.start) item.start = x->span.start;
    }
    for (uint32_t i = 0; i < m->facts->len; i++) {
        SgFact *x = &m->facts->items[i];
        if (x->kind == FACT_LOCAL && x->decl && x->span.end <= off && x->span.start >= item.start)
            add_item(arr, x->name, strlen(x->name), CK_VARIABLE, x->type);
    }
    for (uint32_t i = 0; i < m->values.cap; i++) {
        SgValue *v = m->values.slots[i].value;
        if (m->values.slots[i].key.s && v->kind != V_ERROR) add_item(arr, v->name.s, v->name.len, value_kind(v), NULL);
    }
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (m->types.slots[i].key.s && e->kind != TENT_BAD) add_item(arr, e->name.s, e->name.len, type_kind(e), NULL);
    }
    SgEngineRun *run = lsp_run_of(m->st->abs_path);
    if (run->prog.prelude) module_members(arr, run->prog.prelude);
    static const char *const builtins[] = {"Int", "Float", "Bool", "String", "Unit", "List"};
    for (size_t i = 0; i < SG_ARRAY_LEN(builtins); i++) add_item(arr, builtins[i], strlen(builtins[i]), CK_CLASS, NULL);
    for (size_t i = 0; i < SG_LEX_NKEYWORDS; i++)
        add_item(arr, sg_lex_keywords[i], strlen(sg_lex_keywords[i]), CK_KEYWORD, NULL);
    lsp_send(lsp_response(id, arr));
}
