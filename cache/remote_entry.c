/* remote_entry.c - check results on the remote cache: the entry of a
 * module (a list of results for one source, like a ccache manifest), its
 * key, and the batches a run makes (remote.h). Called on the engine's
 * thread; owns the fetched entries until sg_remote_fetch_free. */
#include <stdlib.h>

#include "../checker/base.h"
#include "engine.h"
#include "engine_impl.h"
#include "remote.h"
#include "sig.h"

/* Entry payload: u32 count, then per result u32 length + result blob,
 * u32 length + signature blob (little endian). The frame around it
 * (remote.c) carries the format, the key and a checksum. */

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

/* Splits an entry into its results; false if it is malformed. */
static bool entry_parse(const uint8_t *e, size_t len, EntryResult out[SG_REMOTE_RESULTS], uint32_t *n) {
    const uint8_t *p = e, *end = e + len;
    uint32_t count;
    if (!get_u32(&p, end, &count) || count > SG_REMOTE_RESULTS) return false;
    for (uint32_t i = 0; i < count; i++) {
        EntryResult *r = &out[i];
        if (!get_u32(&p, end, &r->rlen) || (size_t)(end - p) < r->rlen) return false;
        r->res = p;
        p += r->rlen;
        if (!get_u32(&p, end, &r->slen) || (size_t)(end - p) < r->slen) return false;
        r->sig = p;
        p += r->slen;
    }
    *n = count;
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
    sg_hasher_bytes(h, m->st->source_key.b, 16);
    sg_hasher_u64(h, m->is_std);
    sg_hasher_str(h, m->rel, strlen(m->rel));
    return sg_hasher_done(h);
}

void sg_remote_fetch(SgRemoteFetch *f, SgRemote *r, const SgProgram *p, bool (*want)(const SgModule *m)) {
    SgModule *const *mods = p->mods;
    uint32_t n = p->n;
    f->r = r;
    f->n = n;
    f->items = sg_xcalloc(n + 1, sizeof *f->items);
    f->wanted = sg_xcalloc(n + 1, sizeof *f->wanted);
    SgRemoteItem *batch = sg_xcalloc(n + 1, sizeof *batch);
    uint32_t *which = sg_xcalloc(n + 1, sizeof *which);
    uint32_t nb = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!want(mods[i])) continue;
        sg_eng_keys(p, mods[i]);
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

bool sg_remote_each_result(const SgRemoteFetch *f, const SgModule *m,
                           bool (*fn)(void *ctx, const uint8_t *res, size_t rlen, const uint8_t *sig, size_t slen),
                           void *ctx) {
    if (!f->items || m->index >= f->n || !f->items[m->index].found) return false;
    EntryResult rs[SG_REMOTE_RESULTS];
    uint32_t nr;
    const SgRemoteItem *it = &f->items[m->index];
    if (!entry_parse(it->value, it->len, rs, &nr)) return false;
    for (uint32_t i = 0; i < nr; i++)
        if (fn(ctx, rs[i].res, rs[i].rlen, rs[i].sig, rs[i].slen)) return true;
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
        EntryResult old[SG_REMOTE_RESULTS];
        uint32_t nold = 0;
        const SgRemoteItem *it = &f->items[mi];
        if (it->found && !entry_parse(it->value, it->len, old, &nold)) nold = 0;
        bool have = false;
        for (uint32_t k = 0; k < nold && !have; k++) have = result_id(old[k].res, old[k].rlen, &old_id) && sg_hash_eq(&id, &old_id);
        if (have) continue;
        SgBuf b = {0};
        uint32_t keep = nold < SG_REMOTE_RESULTS - 1 ? nold : SG_REMOTE_RESULTS - 1;
        put_u32(&b, keep + 1);
        entry_add(&b, q->result, q->rlen, q->sig, q->slen);
        for (uint32_t k = 0; k < keep; k++) entry_add(&b, old[k].res, old[k].rlen, old[k].sig, old[k].slen);
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
