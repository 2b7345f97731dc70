/* update.c - the language server's incremental path: one module of the
 * last run re-checked against that run and swapped into it (see engine.h).
 *
 * Why it is sound: a module's diagnostics depend only on its source and on
 * the states of the names it used in its imports (LANGUAGE.md section 7).
 * The new record is linked to the run's current record of each of its
 * imports, with the same statuses (its import list is unchanged, and
 * nothing but buffer edits and these re-checks changed since the run: the
 * caller sends every other change to a whole run), so it sees what a whole
 * run would give it. When a swap changes a module's signature, the modules
 * whose usage record of it no longer holds are stale
 * (sg_engine_stale_importers); the caller re-checks them, imports first.
 * The others keep pointing at the old record: the names they used have the
 * same fingerprints there, and named types are nominal (checker/types.h),
 * so the old record serves them as the new one would. It lives on as a
 * zombie until the run is freed. */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "sig.h"

/* Zombies a run may collect before it asks for a whole run (which starts
 * from scratch and frees them all). */
#define MAX_ZOMBIES 1024
#define MAX_ZOMBIE_BYTES (64u << 20)

static SgUpdate full(const char *why) { return (SgUpdate){.kind = SG_UPDATE_FULL, .why = why}; }

static bool same_imports(const SgModule *a, const SgModule *b) {
    if (a->nimport_paths != b->nimport_paths || a->nimports != b->nimports) return false;
    for (uint32_t k = 0; k < a->nimport_paths; k++)
        if (strcmp(a->import_paths[k], b->import_paths[k]) != 0) return false;
    return true;
}

/* A new record of `old` for source text (owned by the caller), checked
 * against the run's current records of its imports. `open`: an editor's
 * buffer (facts for queries, never in the file index). */
static SgUpdate recheck(const SgEngineRun *run, SgModule *old, const char *text, size_t len, bool open, bool force) {
    SgProgram *p = (SgProgram *)&run->prog;    /* read only: see engine.h */
    if (old->is_std) return full("a module of the standard library");
    if (old->st->dup_rel) return full("a duplicate module name");
    if (p->prelude && (!p->prelude->resolved || !p->prelude->st->have_fp)) return full("the prelude is not resolved");
    SgHash h = sg_hash(text, len);
    if (!force && sg_hash_eq(&h, &old->st->source_hash)) return (SgUpdate){.kind = SG_UPDATE_SAME};

    SgSourceFile f = {.path = old->path, .rel = old->rel, .module = old->name};
    SgModule *m = sg_module_new(&f, old->is_std, NULL);
    m->st->abs_path = sg_xstrdup(old->st->abs_path);
    m->st->abs_name = sg_name_c(m->st->abs_path);
    m->index = old->index;
    m->scc = old->scc;
    m->cyclic = old->cyclic;
    m->st->overlay = open;
    m->st->read_this_run = true;
    m->src = sg_xmalloc(len + 1);
    memcpy(m->src, text, len);
    m->src[len] = 0;
    m->len = len > UINT32_MAX - 16 ? UINT32_MAX - 16 : (uint32_t)len;
    m->st->source_hash = h;
    sg_eng_parse(m);
    sg_eng_import_paths_from_ast(m, &m->ast);
    m->nimports = m->nimport_paths;
    if (!same_imports(m, old)) {
        sg_module_free(m);
        return full("its imports changed");
    }
    m->imports = sg_xcalloc(m->nimports + 1, sizeof *m->imports);
    for (uint32_t k = 0; k < m->nimports; k++) {
        SgImport *imp = &m->imports[k];
        imp->path = sg_name_c(m->import_paths[k]);
        imp->target = old->imports[k].target ? p->mods[old->imports[k].target->index] : NULL;
        imp->status = old->imports[k].status;
        imp->has_error = old->imports[k].has_error;
        if (imp->status == IMP_OK && (!imp->target->resolved || !imp->target->st->have_fp)) {
            sg_module_free(m);
            return full("an import's tables are not loaded");
        }
    }
    sg_eng_keys(p, m);
    if (open) m->facts = sg_xcalloc(1, sizeof *m->facts);
    sg_eng_want_xref(m);    /* a closed module's record carries its entry for the index */
    m->st->checked = true;
    sg_eng_link_diags(m);
    sg_resolve_module(p, m);
    sg_eng_fingerprint(m, sg_eng_table_if_known, NULL);
    sg_check_module(p, m);
    sg_eng_finish(m, true);
    bool same = sg_hash_eq(&m->st->export_hash, &old->st->export_hash);
    return (SgUpdate){.kind = same ? SG_UPDATE_BODY : SG_UPDATE_SIG, .m = m};
}

SgUpdate sg_engine_update(const SgEngineRun *run, const SgOverlay *o) {
    SgModule *old = sg_engine_module_at(run, o->path);
    if (!old) return (SgUpdate){.kind = SG_UPDATE_NONE};
    if (!old->st->overlay || !old->facts || !old->st->checked) return full("not checked as an open module in the last run");
    return recheck(run, old, o->text, o->len, true, false);
}

SgUpdate sg_engine_recheck(const SgEngineRun *run, const char *abs_path, const SgOverlay *o) {
    SgModule *old = sg_engine_module_at(run, abs_path);
    if (!old) return (SgUpdate){.kind = SG_UPDATE_NONE};
    if (o) {
        if (!old->st->overlay || !old->facts) return full("not checked as an open module in the last run");
        return recheck(run, old, o->text, o->len, true, true);
    }
    if (old->st->overlay) return full("closed since the last run");
    char *data;
    size_t len;
    const char *err;
    if (!sg_read_file(old->path, &data, &len, &err)) return full("its file cannot be read");
    SgHash h = sg_hash(data, len);
    SgUpdate u = sg_hash_eq(&h, &old->st->source_hash) ? recheck(run, old, data, len, false, true)
                                                       : full("its file changed on disk");
    free(data);
    return u;
}

uint32_t sg_engine_stale_importers(const SgEngineRun *run, const SgModule *m, char ***paths) {
    const SgProgram *p = &run->prog;
    uint32_t n = 0;
    *paths = NULL;
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *x = p->mods[i];
        if (x == m) continue;
        for (uint32_t k = 0; k < x->nimports; k++) {
            const SgImport *imp = &x->imports[k];
            if (imp->status != IMP_OK || !imp->target || imp->target->index != m->index) continue;
            SgResultView v;
            bool holds = m->st->have_fp && sg_result_reopen((const uint8_t *)x->st->result.data, x->st->result.len, &v) &&
                         sg_result_import_holds(&v, k, &m->st->export_hash, &m->st->fp);
            if (holds || !x->st->abs_path) continue;
            *paths = sg_xrealloc(*paths, sizeof **paths * (n + 1));
            (*paths)[n++] = sg_xstrdup(x->st->abs_path);
            break;
        }
    }
    return n;
}

/* ---- the swap (the thread that owns the run) ---- */
static bool span_eq(SgSpan a, SgSpan b) { return a.start == b.start && a.end == b.end; }

/* Where the item, field or constructor of `old` at span s is in `nw`, found
 * by name. False when there is none (the fact keeps pointing at old). */
static bool remap(SgModule *old, SgModule *nw, SgFact *f) {
    SgSpan s = f->target_span;
    if (span_eq(s, (SgSpan){0, 0})) return true;
    for (uint32_t i = 0; i < old->values.cap; i++) {
        SgValue *v = old->values.slots[i].value;
        if (!old->values.slots[i].key.s || v->owner != old || !span_eq(v->span, s)) continue;
        SgValue *w = sg_map_get(&nw->values, v->name);
        if (!w || w->owner != nw || w->kind != v->kind) return false;
        f->target_span = w->span;
        f->doc = w->doc;
        return true;
    }
    for (uint32_t i = 0; i < old->types.cap; i++) {
        SgTypeEntry *e = old->types.slots[i].value;
        if (!old->types.slots[i].key.s || e->owner != old) continue;
        SgTypeEntry *w = NULL;
        if (span_eq(e->span, s) || (e->kind == TENT_DEF && span_eq(e->def->span, s))) {
            w = sg_map_get(&nw->types, e->name);
            if (!w || w->owner != nw || w->kind != e->kind) return false;
            bool def = e->kind == TENT_DEF && span_eq(e->def->span, s);
            f->target_span = def ? w->def->span : w->span;
            f->doc = def ? w->def->doc : w->doc;
            return true;
        }
        if (e->kind != TENT_DEF) continue;
        SgTypeDef *d = e->def;
        for (uint32_t k = 0; k < d->nfields + d->nctors; k++) {
            bool field = k < d->nfields;
            SgName name = field ? d->fields[k].name : d->ctors[k - d->nfields].name;
            if (!span_eq(field ? d->fields[k].span : d->ctors[k - d->nfields].span, s)) continue;
            w = sg_map_get(&nw->types, e->name);
            if (!w || w->kind != TENT_DEF) return false;
            for (uint32_t j = 0; j < w->def->nfields + w->def->nctors; j++) {
                bool wf = j < w->def->nfields;
                if (wf != field) continue;
                SgName wn = wf ? w->def->fields[j].name : w->def->ctors[j - w->def->nfields].name;
                if (!sg_name_eq(wn, name)) continue;
                f->target_span = wf ? w->def->fields[j].span : w->def->ctors[j - w->def->nfields].span;
                return true;
            }
            return false;
        }
    }
    return false;
}

bool sg_engine_swap(SgEngineRun *run, SgUpdate *u) {
    SgModule *m = u->m, *old = run->prog.mods[m->index];
    SgProgram *p = &run->prog;
    p->mods[m->index] = m;
    sg_map_set(&p->by_name, m->mname, m);
    sg_map_set(&run->by_path, m->st->abs_name, m);
    /* other open modules' facts that name old's items: the same items by
     * name, with new spans and docs (an importer whose use of a removed
     * item makes it stale is re-checked, which rebuilds its facts) */
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *x = p->mods[i];
        for (uint32_t k = 0; x != m && x->facts && k < x->facts->len; k++) {
            SgFact *f = &x->facts->items[k];
            if (f->target == old && remap(old, m, f)) f->target = m;
        }
    }
    u->m = NULL;
    /* Kept until sg_engine_collect: importers' tables, and the new records
     * of the same job not swapped in yet, may point into it. What nobody
     * can reach goes now. */
    sg_diags_free(&old->diags);
    sg_arena_free(&old->diag_arena);
    sg_arena_free(&old->tree_arena);
    sg_buf_free(&old->st->sig_blob);
    if (old->facts) free(old->facts->items);
    free(old->facts);
    old->facts = NULL;
    run->zombies = sg_xrealloc(run->zombies, sizeof *run->zombies * (run->nzombies + 1));
    run->zombies[run->nzombies++] = old;
    return true;
}

/* Marks what the records' imports and facts reach, through old records too. */
static void mark(SgModule *m, SgVec *work) {
    if (!m || m->st->reachable) return;
    m->st->reachable = true;
    sg_vec_push(work, m);
}

bool sg_engine_collect(SgEngineRun *run) {
    SgProgram *p = &run->prog;
    SgVec work = {0};
    for (uint32_t i = 0; i < p->n; i++) mark(p->mods[i], &work);
    for (uint32_t w = 0; w < work.len; w++) {
        SgModule *m = work.items[w];
        for (uint32_t k = 0; k < m->nimports; k++) mark(m->imports[k].target, &work);
        for (uint32_t k = 0; m->facts && k < m->facts->len; k++) mark(m->facts->items[k].target, &work);
    }
    uint32_t kept = 0;
    run->zombie_bytes = 0;
    for (uint32_t i = 0; i < run->nzombies; i++) {
        SgModule *z = run->zombies[i];
        if (z->st->reachable) {
            run->zombies[kept++] = z;
            run->zombie_bytes += z->len + z->sig_arena.total;
        } else {
            sg_module_free(z);
        }
    }
    run->nzombies = kept;
    for (uint32_t w = 0; w < work.len; w++) ((SgModule *)work.items[w])->st->reachable = false;
    sg_vec_free(&work);
    return run->nzombies <= MAX_ZOMBIES && run->zombie_bytes <= MAX_ZOMBIE_BYTES;
}
