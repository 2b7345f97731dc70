/* remote_entry.c - check results on the remote cache: the entry of a
 * module (a list of results for one source, like a ccache manifest), its
 * key, and the batches a run makes (remote.h). Called on the engine's
 * thread; owns the fetched entries until sg_remote_fetch_free. */
#include <stdlib.h>

#include "../checker/base.h"
#include "../include/sigil.h"
#include "engine.h"
#include "remote.h"
#include "sig.h"

/* Entry payload (little endian): u32 number of imports, each u32 length +
 * path; u32 number of results, each u32 length + result blob, u32 length +
 * signature blob. The frame around it (remote.c) carries the format, the
 * key and a checksum. */

#define MAX_IMPORTS 65536
#define MAX_PATH_LEN 4096

static void put_u32(SgBuf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    sg_buf_put(b, x, 4);
}

static bool get_u32(const uint8_t **p, const uint8_t *end, uint32_t *v) {
    if (end - *p < 4) return false;
    *v = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 | (uint32_t)(*p)[3] << 24;
    *p += 4;
    return true;
}

typedef struct EntryResult {
    const uint8_t *res, *sig;
    uint32_t rlen, slen;
} EntryResult;

typedef struct Entry {
    const uint8_t *imports;     /* the first import's length field */
    uint32_t nimports;
    EntryResult rs[SG_REMOTE_RESULTS];
    uint32_t nrs;
} Entry;

/* Splits an entry into its parts; false if it is malformed. */
static bool entry_parse(const uint8_t *e, size_t len, Entry *out) {
    const uint8_t *p = e, *end = e + len;
    if (!get_u32(&p, end, &out->nimports) || out->nimports > MAX_IMPORTS) return false;
    out->imports = p;
    for (uint32_t i = 0; i < out->nimports; i++) {
        uint32_t l;
        if (!get_u32(&p, end, &l) || l == 0 || l > MAX_PATH_LEN || (size_t)(end - p) < l || memchr(p, 0, l))
            return false;
        p += l;
    }
    if (!get_u32(&p, end, &out->nrs) || out->nrs > SG_REMOTE_RESULTS) return false;
    for (uint32_t i = 0; i < out->nrs; i++) {
        EntryResult *r = &out->rs[i];
        if (!get_u32(&p, end, &r->rlen) || (size_t)(end - p) < r->rlen) return false;
        r->res = p;
        p += r->rlen;
        if (!get_u32(&p, end, &r->slen) || (size_t)(end - p) < r->slen) return false;
        r->sig = p;
        p += r->slen;
    }
    return p == end;
}

static void entry_add(SgBuf *b, const uint8_t *res, size_t rlen, const uint8_t *sig, size_t slen) {
    put_u32(b, (uint32_t)rlen);
    sg_buf_put(b, res, rlen);
    put_u32(b, (uint32_t)slen);
    sg_buf_put(b, sig, slen);
}

static SgHash module_key(const SgModule *m) {
    SgHasher *h = sg_hasher_new();
    sg_hasher_str(h, "sigil-remote-entry", 18);
    sg_hasher_str(h, SIGIL_CHECKER_VERSION, strlen(SIGIL_CHECKER_VERSION));
    sg_hasher_str(h, m->name, strlen(m->name));
    sg_hasher_u64(h, m->is_std);
    sg_hasher_str(h, m->rel, strlen(m->rel));
    sg_hasher_bytes(h, m->st->source_hash.b, 16);
    return sg_hasher_done(h);
}

void sg_remote_fetch(SgRemoteFetch *f, SgRemote *r, SgModule *const *mods, uint32_t n,
                     bool (*want)(const SgModule *m, void *ctx), void *ctx) {
    f->r = r;
    f->n = n;
    f->items = sg_xcalloc(n + 1, sizeof *f->items);
    f->wanted = sg_xcalloc(n + 1, sizeof *f->wanted);
    SgRemoteItem *batch = sg_xcalloc(n + 1, sizeof *batch);
    uint32_t *which = sg_xcalloc(n + 1, sizeof *which);
    uint32_t nb = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!want(mods[i], ctx)) continue;
        f->wanted[i] = true;
        f->items[i].key = module_key(mods[i]);
        batch[nb].key = f->items[i].key;
        which[nb++] = i;
    }
    sg_remote_get(r, batch, nb);
    for (uint32_t k = 0; k < nb; k++) f->items[which[k]] = batch[k];
    free(batch);
    free(which);
}

static bool entry_of(const SgRemoteFetch *f, const SgModule *m, Entry *e) {
    if (!f->items || m->index >= f->n || !f->items[m->index].found) return false;
    const SgRemoteItem *it = &f->items[m->index];
    return entry_parse(it->value, it->len, e);
}

bool sg_remote_entry_imports(const SgRemoteFetch *f, const SgModule *m, char ***paths, uint32_t *n) {
    Entry e;
    if (!entry_of(f, m, &e)) return false;
    const uint8_t *p = e.imports, *end = p + f->items[m->index].len;
    char **out = sg_xcalloc(e.nimports + 1, sizeof *out);
    for (uint32_t i = 0; i < e.nimports; i++) {
        uint32_t l = 0;
        get_u32(&p, end, &l);   /* checked by entry_parse */
        out[i] = sg_xmalloc(l + 1);
        memcpy(out[i], p, l);
        out[i][l] = 0;
        p += l;
    }
    *paths = out;
    *n = e.nimports;
    return true;
}

bool sg_remote_each_result(const SgRemoteFetch *f, const SgModule *m,
                           bool (*fn)(void *ctx, const uint8_t *res, size_t rlen, const uint8_t *sig, size_t slen),
                           void *ctx) {
    Entry e;
    if (!entry_of(f, m, &e)) return false;
    for (uint32_t i = 0; i < e.nrs; i++)
        if (fn(ctx, e.rs[i].res, e.rs[i].rlen, e.rs[i].sig, e.rs[i].slen)) return true;
    return false;
}

static bool result_id(const uint8_t *res, size_t len, SgHash *id) {
    SgResultView v;
    if (!sg_result_open(res, len, &v)) return false;
    *id = sg_result_id(&v);
    return true;
}

void sg_remote_publish(SgRemoteFetch *f, const SgRemotePublish *ps, uint32_t n) {
    if (!n || !f->items || !sg_remote_writable(f->r)) return;
    /* the entries not looked up at the start of the run, so that writing
     * keeps their older results */
    SgRemoteItem *late = sg_xcalloc(n + 1, sizeof *late);
    uint32_t *which = sg_xcalloc(n + 1, sizeof *which);
    uint32_t nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t mi = ps[i].m->index;
        if (mi >= f->n || f->wanted[mi]) continue;
        f->wanted[mi] = true;
        f->items[mi].key = module_key(ps[i].m);
        late[nl].key = f->items[mi].key;
        which[nl++] = mi;
    }
    sg_remote_get(f->r, late, nl);
    for (uint32_t k = 0; k < nl; k++) f->items[which[k]] = late[k];
    free(late);
    free(which);

    SgRemoteItem *puts = sg_xcalloc(n + 1, sizeof *puts);
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++) {
        const SgRemotePublish *q = &ps[i];
        uint32_t mi = q->m->index;
        if (mi >= f->n) continue;
        SgHash id, old_id;
        if (!result_id(q->result, q->rlen, &id)) continue;
        Entry old = {0};
        const SgRemoteItem *it = &f->items[mi];
        if (!it->found || !entry_parse(it->value, it->len, &old)) old.nrs = 0;
        bool have = false;
        for (uint32_t k = 0; k < old.nrs && !have; k++)
            have = result_id(old.rs[k].res, old.rs[k].rlen, &old_id) && sg_hash_eq(&id, &old_id);
        if (have) continue;
        SgBuf b = {0};
        put_u32(&b, q->m->nimport_paths);
        for (uint32_t k = 0; k < q->m->nimport_paths; k++) {
            size_t l = strlen(q->m->import_paths[k]);
            put_u32(&b, (uint32_t)l);
            sg_buf_put(&b, q->m->import_paths[k], l);
        }
        uint32_t keep = old.nrs < SG_REMOTE_RESULTS - 1 ? old.nrs : SG_REMOTE_RESULTS - 1;
        put_u32(&b, keep + 1);
        entry_add(&b, q->result, q->rlen, q->sig, q->slen);
        for (uint32_t k = 0; k < keep; k++) entry_add(&b, old.rs[k].res, old.rs[k].rlen, old.rs[k].sig, old.rs[k].slen);
        puts[np].key = it->key;
        puts[np].value = (uint8_t *)b.data;
        puts[np].len = b.len;
        np++;
    }
    sg_remote_put(f->r, puts, np);
    for (uint32_t i = 0; i < np; i++) free(puts[i].value);
    free(puts);
}

void sg_remote_fetch_free(SgRemoteFetch *f) {
    for (uint32_t i = 0; f->items && i < f->n; i++) free(f->items[i].value);
    free(f->items);
    free(f->wanted);
    memset(f, 0, sizeof *f);
}
