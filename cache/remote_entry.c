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

/* ---- packs ----
 *
 * Pack payload: "SGPK", u32 number of entries, then per entry its key (16
 * bytes) and u32 length, keys strictly increasing; then the entries' bytes
 * in the same order. */

static const uint8_t PACK_MAGIC[4] = {'S', 'G', 'P', 'K'};
#define PACK_MAX_ENTRIES (1u << 20)
#define PACK_HEAD 20u

static uint32_t pack_count(const uint8_t *pack) {
    const uint8_t *p = pack + 4;
    uint32_t n = 0;
    get_u32(&p, p + 4, &n);
    return n;
}

bool sg_remote_pack_valid(const uint8_t *pack, size_t len, uint32_t *n) {
    const uint8_t *p = pack, *end = pack + len;
    if (len < 8 || memcmp(p, PACK_MAGIC, 4) != 0) return false;
    p += 4;
    uint32_t count = 0;
    get_u32(&p, end, &count);
    if (count > PACK_MAX_ENTRIES || (size_t)(end - p) / PACK_HEAD < count) return false;
    size_t data = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *h = p + (size_t)i * PACK_HEAD;
        if (i && memcmp(h - PACK_HEAD, h, 16) >= 0) return false;
        const uint8_t *lp = h + 16;
        uint32_t l = 0;
        get_u32(&lp, end, &l);
        data += l;
    }
    if (data != (size_t)(end - p) - (size_t)count * PACK_HEAD) return false;
    *n = count;
    return true;
}

/* The entry of `key` in a valid pack, or false. */
static bool pack_find(const uint8_t *pack, const SgHash *key, const uint8_t **e, size_t *len) {
    uint32_t n = pack_count(pack);
    const uint8_t *heads = pack + 8;
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(heads + (size_t)mid * PACK_HEAD, key->b, 16);
        if (c == 0) {
            /* the offset of an entry is the sum of the lengths before it:
             * a pack is read once per run, so summing is cheaper than an
             * index kept beside it */
            const uint8_t *data = heads + (size_t)n * PACK_HEAD;
            size_t off = 0;
            uint32_t l = 0;
            for (uint32_t i = 0; i <= mid; i++) {
                const uint8_t *lp = heads + (size_t)i * PACK_HEAD + 16;
                get_u32(&lp, lp + 4, &l);
                if (i < mid) off += l;
            }
            *e = data + off;
            *len = l;
            return true;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

static int cmp_key(const void *a, const void *b) { return memcmp(a, b, 16); }

static uint32_t group_of(const SgModule *m) {
    return (uint32_t)(sg_checksum64(m->rel, strlen(m->rel)) % SG_REMOTE_PACKS);
}

/* Every module's key and every group's pack key: H(checker version, group,
 * the sorted keys of the group's modules). */
static void compute_keys(SgRemoteFetch *f) {
    if (f->keyed) return;
    f->keyed = true;
    SgHash *keys = sg_xcalloc(f->n + 1, sizeof *keys);
    uint32_t *start = sg_xcalloc(SG_REMOTE_PACKS + 1, sizeof *start), *fill = sg_xcalloc(SG_REMOTE_PACKS, sizeof *fill);
    for (uint32_t i = 0; i < f->n; i++) {
        if (f->role[i] == SG_REMOTE_NONE) continue;
        f->items[i].key = module_key(f->mods[i]);
        start[group_of(f->mods[i]) + 1]++;
    }
    for (uint32_t g = 0; g < SG_REMOTE_PACKS; g++) start[g + 1] += start[g];
    for (uint32_t i = 0; i < f->n; i++) {
        if (f->role[i] == SG_REMOTE_NONE) continue;
        uint32_t g = group_of(f->mods[i]);
        keys[start[g] + fill[g]++] = f->items[i].key;
    }
    for (uint32_t g = 0; g < SG_REMOTE_PACKS; g++) {
        uint32_t k = start[g + 1] - start[g];
        qsort(keys + start[g], k, sizeof *keys, cmp_key);
        SgHasher *h = sg_hasher_new();
        sg_hasher_str(h, "sigil-remote-pack", 17);
        sg_hasher_str(h, SIGIL_CHECKER_VERSION, strlen(SIGIL_CHECKER_VERSION));
        sg_hasher_u64(h, g);
        sg_hasher_u64(h, k);
        sg_hasher_bytes(h, keys + start[g], (size_t)k * sizeof *keys);
        f->pack_key[g] = sg_hasher_done(h);
    }
    free(keys);
    free(start);
    free(fill);
}

/* Fetches, in one batch, the entries of the modules marked in `which`
 * (not fetched before), on their own. */
static void fetch_alone(SgRemoteFetch *f, const bool *which) {
    SgRemoteItem *batch = sg_xcalloc(f->n + 1, sizeof *batch);
    uint32_t *idx = sg_xcalloc(f->n + 1, sizeof *idx), nb = 0;
    for (uint32_t i = 0; i < f->n; i++) {
        if (!which[i] || f->fetched[i]) continue;
        f->fetched[i] = true;
        batch[nb].key = f->items[i].key;
        idx[nb++] = i;
    }
    sg_remote_get(f->r, batch, nb);
    for (uint32_t k = 0; k < nb; k++) f->items[idx[k]] = batch[k];
    free(batch);
    free(idx);
}

/* Fetches the packs of the groups marked in `groups` and takes from them
 * the entries of the modules marked in `which`. */
static void fetch_packs(SgRemoteFetch *f, const bool *groups, const bool *which) {
    SgRemoteItem batch[SG_REMOTE_PACKS];
    uint32_t idx[SG_REMOTE_PACKS], nb = 0;
    for (uint32_t g = 0; g < SG_REMOTE_PACKS; g++) {
        if (!groups[g] || f->pack_tried[g]) continue;
        f->pack_tried[g] = true;
        batch[nb] = (SgRemoteItem){.key = f->pack_key[g]};
        idx[nb++] = g;
    }
    sg_remote_get(f->r, batch, nb);
    for (uint32_t k = 0; k < nb; k++) {
        uint32_t count;
        if (batch[k].found && !sg_remote_pack_valid(batch[k].value, batch[k].len, &count)) {
            free(batch[k].value);
            batch[k] = (SgRemoteItem){.key = batch[k].key};
        }
        f->packs[idx[k]] = batch[k];
    }
    for (uint32_t i = 0; i < f->n; i++) {
        if (!which[i] || f->fetched[i]) continue;
        const SgRemoteItem *pk = &f->packs[group_of(f->mods[i])];
        const uint8_t *e;
        size_t len;
        if (!pk->found || !pack_find(pk->value, &f->items[i].key, &e, &len)) continue;
        f->fetched[i] = f->borrowed[i] = f->items[i].found = true;
        f->items[i].value = (uint8_t *)e;
        f->items[i].len = len;
    }
}

void sg_remote_fetch(SgRemoteFetch *f, SgRemote *r, SgModule *const *mods, uint32_t n,
                     SgRemoteRole (*role)(const SgModule *m, void *ctx), void *ctx) {
    memset(f, 0, sizeof *f);
    f->r = r;
    f->mods = mods;
    f->n = n;
    f->items = sg_xcalloc(n + 1, sizeof *f->items);
    f->role = sg_xcalloc(n + 1, sizeof *f->role);
    f->wanted = sg_xcalloc(n + 1, sizeof *f->wanted);
    f->fetched = sg_xcalloc(n + 1, sizeof *f->fetched);
    f->borrowed = sg_xcalloc(n + 1, sizeof *f->borrowed);
    bool groups[SG_REMOTE_PACKS] = {0}, any = false;
    for (uint32_t i = 0; i < n; i++) {
        f->role[i] = (uint8_t)role(mods[i], ctx);
        any |= f->wanted[i] = f->role[i] == SG_REMOTE_WANT;
    }
    if (!any) return;   /* a warm run asks nothing */
    compute_keys(f);
    for (uint32_t i = 0; i < n; i++)
        if (f->wanted[i]) groups[group_of(mods[i])] = true;
    fetch_packs(f, groups, f->wanted);
    fetch_alone(f, f->wanted);
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

/* The packs of the groups marked, from the entries at hand (fetched or
 * just written); a pack over SG_REMOTE_MAX_VALUE keeps the entries that fit. */
static void write_packs(SgRemoteFetch *f, const bool *groups) {
    SgRemoteItem puts[SG_REMOTE_PACKS];
    uint32_t np = 0;
    typedef struct { SgHash key; uint32_t mi; } Member;
    Member *ms = sg_xcalloc(f->n + 1, sizeof *ms);
    for (uint32_t g = 0; g < SG_REMOTE_PACKS; g++) {
        if (!groups[g]) continue;
        uint32_t k = 0;
        size_t bytes = 8;
        for (uint32_t i = 0; i < f->n; i++) {
            if (!f->items[i].found || f->role[i] == SG_REMOTE_NONE || group_of(f->mods[i]) != g) continue;
            if (bytes + PACK_HEAD + f->items[i].len > SG_REMOTE_MAX_VALUE - 64) continue;
            bytes += PACK_HEAD + f->items[i].len;
            ms[k++] = (Member){f->items[i].key, i};
        }
        if (!k) continue;
        qsort(ms, k, sizeof *ms, cmp_key);
        SgBuf b = {0};
        sg_buf_put(&b, PACK_MAGIC, 4);
        put_u32(&b, k);
        for (uint32_t j = 0; j < k; j++) {
            sg_buf_put(&b, ms[j].key.b, 16);
            put_u32(&b, (uint32_t)f->items[ms[j].mi].len);
        }
        for (uint32_t j = 0; j < k; j++) sg_buf_put(&b, f->items[ms[j].mi].value, f->items[ms[j].mi].len);
        puts[np++] = (SgRemoteItem){.key = f->pack_key[g], .value = (uint8_t *)b.data, .len = b.len};
    }
    free(ms);
    sg_remote_put(f->r, puts, np);
    for (uint32_t i = 0; i < np; i++) free(puts[i].value);
}

void sg_remote_publish(SgRemoteFetch *f, const SgRemotePublish *ps, uint32_t n) {
    if (!f->items || !sg_remote_writable(f->r)) return;
    bool groups[SG_REMOTE_PACKS] = {0};
    /* a pack looked for and not found is written again, even if no entry
     * of its group changed (evicted by the server, or damaged) */
    for (uint32_t g = 0; g < SG_REMOTE_PACKS; g++) groups[g] = f->pack_tried[g] && !f->packs[g].found;
    if (n) {
        compute_keys(f);
        /* the entries not looked up at the start of the run, so that
         * writing keeps their older results */
        bool *late = sg_xcalloc(f->n + 1, sizeof *late);
        for (uint32_t i = 0; i < n; i++)
            if (ps[i].m->index < f->n && f->role[ps[i].m->index] != SG_REMOTE_NONE) late[ps[i].m->index] = true;
        fetch_alone(f, late);
        free(late);
    }

    SgRemoteItem *puts = sg_xcalloc(n + 1, sizeof *puts);
    uint32_t *which = sg_xcalloc(n + 1, sizeof *which);
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++) {
        const SgRemotePublish *q = &ps[i];
        uint32_t mi = q->m->index;
        if (mi >= f->n || f->role[mi] == SG_REMOTE_NONE) continue;
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
        puts[np] = (SgRemoteItem){.key = it->key, .value = (uint8_t *)b.data, .len = b.len};
        which[np++] = mi;
    }
    sg_remote_put(f->r, puts, np);
    /* the new entries replace the old ones at hand, for the packs */
    for (uint32_t k = 0; k < np; k++) {
        SgRemoteItem *it = &f->items[which[k]];
        if (!f->borrowed[which[k]]) free(it->value);
        f->borrowed[which[k]] = false;
        *it = puts[k];
        it->found = true;
        groups[group_of(f->mods[which[k]])] = true;
    }
    free(puts);
    free(which);

    bool any = false;
    for (uint32_t g = 0; g < SG_REMOTE_PACKS; g++) any |= groups[g];
    if (!any || !sg_remote_writable(f->r)) return;
    /* a pack holds every entry of its group: the ones not at hand first,
     * from the pack being replaced if there is one (its sources are the
     * same, only results were added), else on their own */
    bool *rest = sg_xcalloc(f->n + 1, sizeof *rest);
    for (uint32_t i = 0; i < f->n; i++)
        rest[i] = f->role[i] != SG_REMOTE_NONE && groups[group_of(f->mods[i])];
    fetch_packs(f, groups, rest);
    fetch_alone(f, rest);
    free(rest);
    write_packs(f, groups);
}

void sg_remote_fetch_free(SgRemoteFetch *f) {
    for (uint32_t i = 0; f->items && i < f->n; i++)
        if (!f->borrowed[i]) free(f->items[i].value);
    for (uint32_t g = 0; g < SG_REMOTE_PACKS; g++) free(f->packs[g].value);
    free(f->items);
    free(f->role);
    free(f->wanted);
    free(f->fetched);
    free(f->borrowed);
    memset(f, 0, sizeof *f);
}
