/* related.c - see related.h. Pure: parses the text it is given. */
#include "related.h"

#include "module.h"

/* The part of item `it` that r names: a parameter or a field, from its
 * name to the end of its type. */
static bool part_of(const SgItem *it, const SgRelated *r, SgSpan *out) {
    const SgParam *p = NULL;
    if (r->part == SG_REL_PARAM && it->kind == IT_FN && r->index < it->nfields) {
        p = &it->fields[r->index];
    } else if (r->part == SG_REL_FIELD && it->kind == IT_STRUCT) {
        /* a repeated field (E107) keeps its first declaration */
        for (uint32_t k = 0; k < it->nfields && !p; k++)
            if (sg_name_is(it->fields[k].name, r->field)) p = &it->fields[k];
    }
    if (!p) return false;
    *out = (SgSpan){p->name_span.start, p->type && p->type->span.end > p->name_span.end ? p->type->span.end
                                                                                        : p->name_span.end};
    return true;
}

/* Whether `it` binds r->item in r's namespace (the first such item of the
 * module holds the name; an enum binds its constructors as values). */
static bool binds(const SgItem *it, const SgRelated *r) {
    bool type = it->kind == IT_STRUCT || it->kind == IT_ENUM || it->kind == IT_ALIAS || it->kind == IT_EXTERN_TYPE;
    if (r->ns == SG_NS_TYPE) return type && sg_name_is(it->name, r->item);
    if ((it->kind == IT_FN || it->kind == IT_CONST) && sg_name_is(it->name, r->item)) return true;
    for (uint32_t k = 0; it->kind == IT_ENUM && k < it->nvariants; k++)
        if (sg_name_is(it->variants[k].name, r->item)) return true;
    return false;
}

bool sg_related_find(const char *src, uint32_t len, const SgRelated *r, SgDiagSpan *out) {
    if (!src || !r->module || !r->item) return false;
    SgArena a;
    sg_arena_init(&a);
    SgDiags scratch = {.arena = &a};
    SgAst ast;
    sg_parse(&a, src, len, &ast, &scratch);
    SgSpan s;
    bool found = false;
    for (uint32_t i = 0; i < ast.nitems; i++)
        if (ast.items[i]->kind != IT_IMPORT && binds(ast.items[i], r)) {
            found = part_of(ast.items[i], r, &s);
            break;
        }
    if (found) {
        out->start = s.start;
        out->end = s.end;
        sg_offset_to_line_col(src, len, s.start, &out->line, &out->col);
        sg_offset_to_line_col(src, len, s.end, &out->end_line, &out->end_col);
    }
    sg_diags_free(&scratch);
    sg_arena_free(&a);
    return found;
}
