/* signature.c - textDocument/signatureHelp: the innermost open call
 * around the cursor (in the buffer as it is now), its callee's type from
 * the facts or the module's tables, and the active parameter.
 *
 * Threads: the loop thread only. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Splits "fn(A, B[C, D]) -> E" into its parameter types and return type. */
static uint32_t split_fn_type(const char *t, const char **params, size_t *lens, uint32_t max, const char **ret) {
    *ret = NULL;
    if (strncmp(t, "fn(", 3) != 0) return 0;
    const char *p = t + 3, *start = p;
    int depth = 0;
    uint32_t n = 0;
    for (; *p; p++) {
        if (*p == '(' || *p == '[') depth++;
        else if ((*p == ')' || *p == ']') && depth > 0) depth--;
        else if ((*p == ',' || *p == ')') && depth == 0) {
            if (p > start && n < max) {
                params[n] = start;
                lens[n++] = (size_t)(p - start);
            }
            if (*p == ')') break;
            start = p + 2;
        }
    }
    if (*p == ')' && strncmp(p, ") -> ", 5) == 0) *ret = p + 5;
    return n;
}

/* The parameter names of the function declared at `name` in `owner`, read
 * from its source (the signature keeps types only): how many, at most max
 * (0 when there is no such function, e.g. a lambda). */
static uint32_t param_names(const SgModule *owner, SgSpan name, SgBuf *names, uint32_t max) {
    if (!owner) return 0;
    size_t len = owner->len;
    char *text = owner->src ? memcpy(sg_xmalloc(owner->len + 1), owner->src, owner->len + 1)
                : owner->st->abs_path ? lsp_module_text(owner->st->abs_path, owner->path, &len) : NULL;
    if (!text) return 0;
    LspParsed p;
    lsp_parse_text(&p, text, len);
    uint32_t n = 0;
    for (uint32_t i = 0; i < p.ast.nitems; i++) {
        const SgItem *it = p.ast.items[i];
        if (it->kind != IT_FN || it->name_span.start != name.start || it->name_span.end != name.end) continue;
        for (uint32_t k = 0; k < it->nfields && n < max; k++) sg_buf_put(&names[n++], it->fields[k].name.s, it->fields[k].name.len);
        break;
    }
    lsp_parsed_free(&p);
    return n;
}

void lsp_on_signature_help(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    SgModule *m = lsp_open_module(uri);
    LspDoc *d = uri ? lsp_doc_of_uri(uri) : NULL;
    if (!m || !d) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    /* the innermost open call around the cursor in the buffer as it is now */
    const char *t = d->text;
    size_t off = lsp_doc_offset(d, params);
    int depth = 0;
    uint32_t active = 0;
    size_t open = (size_t)-1;
    for (size_t i = off; i-- > 0;) {
        char ch = t[i];
        if (ch == ')' || ch == ']' || ch == '}') depth++;
        else if ((ch == '(' || ch == '[' || ch == '{') && depth > 0) depth--;
        else if (ch == '(' && depth == 0) {
            open = i;
            break;
        } else if ((ch == '[' || ch == '{') && depth == 0) break;
        else if (ch == ',' && depth == 0) active++;
    }
    /* the callee by name (`f(` or `alias.f(`): a fact of that name whose type is a function */
    size_t ne = open == (size_t)-1 ? 0 : open, ns = lsp_ident_start(t, ne);
    SgFact *callee = NULL;
    static SgFact tmp;      /* a callee found in the tables, not in the facts */
    const SgModule *owner = NULL;   /* where the callee is declared, and its name there */
    SgSpan decl = {0, 0};
    for (uint32_t i = 0; ns < ne && i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (f->type && strncmp(f->type, "fn(", 3) == 0 && strlen(f->name) == ne - ns && memcmp(f->name, t + ns, ne - ns) == 0 &&
            (!callee || f->decl || f->kind != FACT_LOCAL))
            callee = f;
    }
    if (!callee && ns < ne) {
        /* not used yet in the checked text: look the name up in the module's tables */
        SgName nm = sg_name(t + ns, ne - ns);
        SgValue *v = NULL;
        if (ns > 1 && t[ns - 1] == '.') {
            size_t as = lsp_ident_start(t, ns - 1);
            SgValue *mod = sg_map_get(&m->values, sg_name(t + as, ns - 1 - as));
            if (mod && mod->kind == V_MODULE) v = sg_map_get(&mod->target->values, nm);
            if (v && !v->pub) v = NULL;
        } else {
            v = sg_lookup_value(&lsp_run_of(m->st->abs_path)->prog, m, nm);
        }
        if (v && v->type && v->type->kind == TY_FN) {
            SgBuf tb = {0};
            sg_type_print(&tb, &lsp_run_of(m->st->abs_path)->prog, m, v->type);
            static char name[128], type[1024];
            snprintf(name, sizeof name, "%.*s", (int)(ne - ns), t + ns);
            snprintf(type, sizeof type, "%s", tb.data ? tb.data : "");
            sg_buf_free(&tb);
            tmp = (SgFact){.name = name, .type = type, .doc = v->doc};
            callee = &tmp;
            const SgValue *o = v->orig ? v->orig : v;
            owner = o->owner;
            decl = o->span;
        }
    }
    if (!callee) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    if (callee != &tmp) {
        owner = callee->target;
        decl = callee->target_span;
    }
    const char *ps[64], *ret;
    size_t ls[64];
    uint32_t n = split_fn_type(callee->type, ps, ls, 64, &ret);
    SgBuf names[64] = {{0}};
    uint32_t nnames = param_names(owner, decl, names, 64);
    SgBuf label = {0};
    sg_buf_printf(&label, "%s(", callee->name);
    cJSON *plist = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++) {
        if (i) sg_buf_puts(&label, ", ");
        cJSON *pi = cJSON_CreateObject();
        cJSON *lab = cJSON_AddArrayToObject(pi, "label");
        cJSON_AddItemToArray(lab, cJSON_CreateNumber((double)label.len));
        if (nnames == n) sg_buf_printf(&label, "%s: ", names[i].data ? names[i].data : "_");
        sg_buf_put(&label, ps[i], ls[i]);
        cJSON_AddItemToArray(lab, cJSON_CreateNumber((double)label.len));
        cJSON_AddItemToArray(plist, pi);
    }
    sg_buf_printf(&label, ") -> %s", ret ? ret : "Unit");
    cJSON *res = cJSON_CreateObject();
    cJSON *sigs = cJSON_AddArrayToObject(res, "signatures");
    cJSON *sig = cJSON_CreateObject();
    cJSON_AddStringToObject(sig, "label", label.data);
    if (callee->doc) {
        cJSON *doc = cJSON_AddObjectToObject(sig, "documentation");
        cJSON_AddStringToObject(doc, "kind", "markdown");
        cJSON_AddStringToObject(doc, "value", callee->doc);
    }
    cJSON_AddItemToObject(sig, "parameters", plist);
    cJSON_AddItemToArray(sigs, sig);
    cJSON_AddNumberToObject(res, "activeSignature", 0);
    cJSON_AddNumberToObject(res, "activeParameter", n ? (active < n ? active : n - 1) : 0);
    sg_buf_free(&label);
    for (uint32_t i = 0; i < nnames; i++) sg_buf_free(&names[i]);
    lsp_send(lsp_response(id, res));
}
