/* usage_filter.c - the usage filter of a file index row: a 128-bit Bloom
 * filter (3 bits per key) of the names a result's usage record holds a
 * state of, each keyed by the imported module's name, namespace and name;
 * and the keys of the names whose state differs between two tables of one
 * module. engine.c ("usage filters") says when a result holds by them. Pure
 * functions: any thread. */
#include "../checker/base.h"
#include "engine_impl.h"
#include "sig.h"

const SgHash SG_FILTER_ALL = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

uint64_t sg_filter_key(const char *module, size_t ml, uint8_t ns, const char *name, size_t nl) {
    uint64_t a = sg_checksum64(module, ml), b = sg_checksum64(name, nl);
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)ns << 56)) * 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 31);
}

static void filter_add(SgHash *f, uint64_t key) {
    for (int j = 0; j < 3; j++) {
        uint32_t bit = (uint32_t)(key >> (7 * j)) & 127u;
        f->b[bit >> 3] |= (uint8_t)(1u << (bit & 7));
    }
}

bool sg_filter_may_have(const SgHash *f, uint64_t key) {
    for (int j = 0; j < 3; j++) {
        uint32_t bit = (uint32_t)(key >> (7 * j)) & 127u;
        if (!(f->b[bit >> 3] & (1u << (bit & 7)))) return false;
    }
    return true;
}

typedef struct FilterOf {
    const SgModule *m;
    SgHash f;
    bool bad;
} FilterOf;

static void filter_name(void *ctx, uint32_t k, uint8_t ns, const char *name, uint32_t len) {
    FilterOf *fo = ctx;
    if (k >= fo->m->nimport_paths) {
        fo->bad = true;
        return;
    }
    const char *mod = fo->m->import_paths[k];
    filter_add(&fo->f, sg_filter_key(mod, strlen(mod), ns, name, len));
}

SgHash sg_usage_filter_of(const SgModule *m, const uint8_t *res, size_t len) {
    SgResultView v;
    FilterOf fo = {.m = m};
    if (!sg_result_open(res, len, &v) || !sg_result_usage_names(&v, filter_name, &fo) || fo.bad) return SG_FILTER_ALL;
    return fo.f;
}

static void changed_add(uint64_t **keys, uint32_t *n, const char *module, const SgFpEntry *e) {
    if (!(*n & (*n + 1))) *keys = sg_xrealloc(*keys, sizeof **keys * (2 * (size_t)*n + 2));
    (*keys)[(*n)++] = sg_filter_key(module, strlen(module), e->ns, e->name.s, e->name.len);
}

void sg_filter_changed(const SgFpTable *then, const SgFpTable *now, const char *module, uint64_t **keys,
                       uint32_t *n) {
    SgHash a_fp, b_fp;
    /* the states compared as a usage record's are (sg_fp_state) */
    for (uint32_t i = 0; i < then->n; i++) {
        const SgFpEntry *e = &then->items[i];
        SgNameState was = sg_fp_state(then, (SgNs)e->ns, e->name, &a_fp);
        if (sg_fp_state(now, (SgNs)e->ns, e->name, &b_fp) != was || !sg_hash_eq(&a_fp, &b_fp))
            changed_add(keys, n, module, e);
    }
    for (uint32_t i = 0; i < now->n; i++)
        if (!sg_fp_find(then, (SgNs)now->items[i].ns, now->items[i].name)) changed_add(keys, n, module, &now->items[i]);
}
