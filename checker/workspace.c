/* workspace.c - workspace discovery: sigil.json, source directories,
 * excludes and module names.
 *
 * Hostile workspaces (issue 10): every real directory is visited once
 * (device and inode), whatever links lead to it; a link out of the root is
 * not followed; an unreadable directory is not a silent hole. Each of these
 * is a warning in ws->warnings. sigil.json is validated: unknown fields and
 * source directories that are absolute, leave the root or do not exist are
 * errors naming the file and the key. */
#include "workspace.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lex.h"

/* ---- globs ----
 * A pattern is compiled to tokens and run as an NFA over the path, one set
 * of states per character: time O(path x pattern) whatever the pattern
 * (backtracking took exponential time on `********************x`). */
typedef enum GlobTok {
    G_LIT,      /* one character */
    G_ANY,      /* `?`: one character but `/` */
    G_STAR,     /* `*`: any run of characters but `/` */
    G_DSTAR,    /* `**` not before `/`: any run of characters */
    G_SEGS,     /* `**` before `/`: nothing, or any run of characters ending in `/` */
} GlobTok;

bool sg_glob_match(const char *pat, const char *path) {
    size_t plen = strlen(pat);
    /* states: 0..n for "before token i" (n: matched), then n+1+i for the
     * inside of a G_SEGS token i */
    uint8_t tok_small[64], on_small[2 * 64 + 2], next_small[2 * 64 + 2];
    char lit_small[64];
    bool big = plen > 64;
    uint8_t *tok = big ? sg_xmalloc(plen) : tok_small;
    char *lit = big ? sg_xmalloc(plen) : lit_small;
    uint32_t n = 0;
    for (size_t i = 0; i < plen;) {
        if (pat[i] == '*' && pat[i + 1] == '*') {
            bool segs = pat[i + 2] == '/';
            tok[n++] = segs ? G_SEGS : G_DSTAR;
            i += segs ? 3 : 2;
        } else {
            tok[n] = pat[i] == '*' ? G_STAR : pat[i] == '?' ? G_ANY : G_LIT;
            lit[n++] = pat[i++];
        }
    }
    size_t nstates = 2 * (size_t)n + 2;
    uint8_t *on = big ? sg_xcalloc(nstates, 1) : memset(on_small, 0, nstates);
    uint8_t *next = big ? sg_xcalloc(nstates, 1) : next_small;
    uint8_t *inside = on + n + 1;
    on[0] = 1;
    for (const char *s = path;; s++) {
        /* the tokens that may match nothing: in order, so one pass closes */
        for (uint32_t i = 0; i < n; i++)
            if (on[i] && tok[i] >= G_STAR) {
                on[i + 1] = 1;
                if (tok[i] == G_SEGS) inside[i] = 1;
            }
        if (!*s) break;
        char c = *s;
        memset(next, 0, nstates);
        uint8_t *next_inside = next + n + 1;
        for (uint32_t i = 0; i < n; i++) {
            if (on[i]) {
                switch (tok[i]) {
                case G_LIT: if (c == lit[i]) next[i + 1] = 1; break;
                case G_ANY: if (c != '/') next[i + 1] = 1; break;
                case G_STAR: if (c != '/') next[i] = 1; break;
                case G_DSTAR: next[i] = 1; break;
                case G_SEGS: break;     /* its inside consumes */
                }
            }
            if (inside[i]) {
                next_inside[i] = 1;
                if (c == '/') next[i + 1] = 1;
            }
        }
        uint8_t *t = on;
        on = next;
        next = t;
        inside = on + n + 1;
    }
    bool match = on[n];
    if (big) {
        free(tok);
        free(lit);
        free(on);
        free(next);
    }
    return match;
}

bool sg_valid_segment(const char *s, size_t n) {
    if (!n) return false;
    if (n == 1 && s[0] == '_') return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return !sg_is_keyword(s, n);
}

/* A directory's identity, so that it is visited once. */
typedef struct DirId {
    dev_t dev;
    ino_t ino;
} DirId;

typedef struct Scan {
    SgWorkspace *ws;
    uint32_t cap;
    char **srcs;            /* source dirs relative to root ("" for the root) */
    uint32_t nsrcs;
    char **excludes;
    uint32_t nexcludes;
    char *root_real;        /* realpath of the root: links must stay under it */
    const char *const *extra;   /* unsaved editor buffers (sg_workspace_scan_extra) */
    uint32_t nextra;
    DirId *seen;            /* open addressing; ino 0 marks a free slot */
    uint32_t nseen, seen_cap;
    uint32_t depth;
} Scan;

static void warn(Scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(Scan *s, const char *fmt, ...) {
    SgBuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    SgWorkspace *ws = s->ws;
    ws->warnings = sg_xrealloc(ws->warnings, sizeof *ws->warnings * (ws->nwarnings + 1));
    ws->warnings[ws->nwarnings++] = b.data;
}

/* Marks a directory visited; false if it already was. */
static bool first_visit(Scan *s, dev_t dev, ino_t ino) {
    if ((s->nseen + 1) * 2 > s->seen_cap) {
        uint32_t cap = s->seen_cap ? s->seen_cap * 2 : 64;
        DirId *t = sg_xcalloc(cap, sizeof *t);
        for (uint32_t i = 0; i < s->seen_cap; i++) {
            if (!s->seen[i].ino) continue;
            uint32_t j = (uint32_t)(s->seen[i].ino * 2654435761u) & (cap - 1);
            while (t[j].ino) j = (j + 1) & (cap - 1);
            t[j] = s->seen[i];
        }
        free(s->seen);
        s->seen = t;
        s->seen_cap = cap;
    }
    if (!ino) ino = (ino_t)-1;      /* 0 marks a free slot */
    uint32_t j = (uint32_t)(ino * 2654435761u) & (s->seen_cap - 1);
    for (; s->seen[j].ino; j = (j + 1) & (s->seen_cap - 1))
        if (s->seen[j].ino == ino && s->seen[j].dev == dev) return false;
    s->seen[j] = (DirId){dev, ino};
    s->nseen++;
    return true;
}

/* Is the real path `real` the root or under it? */
static bool under_root(const Scan *s, const char *real) {
    size_t n = strlen(s->root_real);
    if (n == 1) return true;    /* the root is `/` */
    return strncmp(real, s->root_real, n) == 0 && (real[n] == 0 || real[n] == '/');
}

static void add_file(Scan *s, const char *path, const char *rel, const char *modrel) {
    SgWorkspace *ws = s->ws;
    if (ws->nfiles == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        ws->files = sg_xrealloc(ws->files, sizeof *ws->files * s->cap);
    }
    SgSourceFile *f = &ws->files[ws->nfiles++];
    memset(f, 0, sizeof *f);
    f->path = sg_xstrdup(path);
    f->rel = sg_xstrdup(rel);
    /* module name: modrel without ".sg", '/' -> '.' */
    size_t n = strlen(modrel) - 3;
    char *mod = sg_xmalloc(n + 1);
    memcpy(mod, modrel, n);
    mod[n] = 0;
    const char *why = NULL;
    size_t start = 0;
    for (size_t i = 0; i <= n && !why; i++) {
        if (i == n || mod[i] == '/') {
            if (!sg_valid_segment(mod + start, i - start)) {
                const char *seg = mod + start;
                size_t len = i - start;
                bool dotted = memchr(seg, '.', len) != NULL;
                why = dotted ? "a path segment contains `.`"
                      : sg_is_keyword(seg, len) ? "a path segment is a keyword"
                      : (len == 1 && seg[0] == '_') ? "a path segment is `_`"
                                                   : "a path segment is not an identifier";
            }
            if (i < n) mod[i] = '.';
            start = i + 1;
        }
    }
    if (!why && (strcmp(mod, "std") == 0 || strncmp(mod, "std.", 4) == 0)) why = "the name `std` is reserved for the standard library";
    if (why) {
        free(mod);
        f->why = why;
    } else {
        f->module = mod;
    }
}

static bool excluded(Scan *s, const char *rel) {
    for (uint32_t i = 0; i < s->nexcludes; i++)
        if (sg_glob_match(s->excludes[i], rel)) return true;
    return false;
}

static bool is_other_src(Scan *s, const char *rel, uint32_t self) {
    for (uint32_t i = 0; i < s->nsrcs; i++)
        if (i != self && strcmp(s->srcs[i], rel) == 0) return true;
    return false;
}

/* dir/name, or name alone when dir is empty and `always` is false. Not
 * printf: a warm run of a large workspace joins tens of thousands. */
static void path_join(SgBuf *b, const char *dir, const char *name, bool always) {
    size_t dl = strlen(dir), nl = strlen(name);
    sg_buf_reserve(b, dl + nl + 2);
    sg_buf_put(b, dir, dl);
    if (always || dl) sg_buf_putc(b, '/');
    sg_buf_put(b, name, nl);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a + 1, *(char *const *)b + 1); }

/* The entries of a directory the walk looks at (not hidden, not
 * node_modules), sorted by name, each malloc'd with its type in the first
 * byte: 'f' (regular file), 'd' (directory), 'l' (symbolic link), '?'
 * (unknown: ask). So a regular file needs no stat of its own. */
static void list_dir(DIR *d, SgVec *names) {
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "node_modules") == 0) continue;
        size_t n = strlen(de->d_name);
        char *e = sg_xmalloc(n + 2);
        e[0] = de->d_type == DT_REG ? 'f' : de->d_type == DT_DIR ? 'd' : de->d_type == DT_LNK ? 'l' : '?';
        memcpy(e + 1, de->d_name, n + 1);
        sg_vec_push(names, e);
    }
    sg_qsort(names->items, names->len, sizeof(char *), cmp_str);
}

/* Directory nesting the walk follows (it recurses); deeper is a warning. */
#define MAX_WALK_DEPTH 1024

static void walk(Scan *s, uint32_t src, const char *dirpath, const char *rel, const char *modrel);

static bool visited(const Scan *s, dev_t dev, ino_t ino) {
    if (!ino) ino = (ino_t)-1;
    for (uint32_t j = s->seen_cap ? (uint32_t)(ino * 2654435761u) & (s->seen_cap - 1) : 0; s->seen_cap && s->seen[j].ino;
         j = (j + 1) & (s->seen_cap - 1))
        if (s->seen[j].ino == ino && s->seen[j].dev == dev) return true;
    return false;
}

/* One directory entry: `type` is 'f' (regular file), 'd' (directory), 'l'
 * (symbolic link) or '?' (unknown: ask). */
static void walk_entry(Scan *s, uint32_t src, char type, bool sg, const char *path, const char *rel,
                       const char *modrel) {
    struct stat st;
    if (type == 'f') st.st_mode = S_IFREG;
    else if (type == 'd') st.st_mode = S_IFDIR;
    else if (type == '?' && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) type = 'l';
    if ((type == 'l' || type == '?') && stat(path, &st) != 0) return;     /* dangling, or gone */
    bool dir = S_ISDIR(st.st_mode);
    if (!dir && !(S_ISREG(st.st_mode) && sg)) return;
    if (excluded(s, rel) || (dir && is_other_src(s, rel, src))) return;
    if (type == 'l') {
        /* a link may lead anywhere: not out of the root, nor twice into a
         * directory, without a word */
        char real[PATH_MAX];
        if (!realpath(path, real)) return;
        if (!under_root(s, real)) {
            warn(s, "%s is a symbolic link to %s, outside the workspace; not followed", path, real);
            return;
        }
        if (dir && visited(s, st.st_dev, st.st_ino)) {
            warn(s, "%s is a symbolic link to %s, a directory already scanned; not followed", path, real);
            return;
        }
    }
    if (dir) walk(s, src, path, rel, modrel);
    else add_file(s, path, rel, modrel);
}

/* Walks dir (path `dirpath`, `rel` relative to root, `modrel` relative to
 * the source dir). */
static void walk(Scan *s, uint32_t src, const char *dirpath, const char *rel, const char *modrel) {
    struct stat self;
    if (stat(dirpath, &self) != 0 || !first_visit(s, self.st_dev, self.st_ino)) return;
    if (s->depth >= MAX_WALK_DEPTH) {
        warn(s, "%s: directories nested more than %d deep; not scanned further", dirpath, MAX_WALK_DEPTH);
        return;
    }
    DIR *d = opendir(dirpath);
    if (!d) {
        if (errno != ENOENT) warn(s, "cannot read directory %s: %s; its files are not checked", dirpath, strerror(errno));
        return;
    }
    s->depth++;
    SgVec names = {0};
    list_dir(d, &names);
    closedir(d);
    for (uint32_t i = 0; i < names.len; i++) {
        char *entry = names.items[i], *name = entry + 1;
        size_t n = strlen(name);
        bool sg = n > 3 && strcmp(name + n - 3, ".sg") == 0;
        if (entry[0] == 'f' && !sg) {
            free(entry);
            continue;
        }
        SgBuf p = {0}, r = {0}, mr = {0};
        path_join(&p, dirpath, name, true);
        path_join(&r, rel, name, false);
        path_join(&mr, modrel, name, false);
        walk_entry(s, src, entry[0], sg, p.data, r.data, mr.data);
        sg_buf_free(&p);
        sg_buf_free(&r);
        sg_buf_free(&mr);
        free(entry);
    }
    sg_vec_free(&names);
    s->depth--;
}

/* ---- the parallel walk ----
 * With more than one job, several threads read directories: each takes a
 * directory from a shared list, lists it, stats its .sg files relative to
 * it (cheaper than a whole path; the file index wants the stat anyway),
 * adds its subdirectories to the list and keeps its files in a list of its
 * own. The files are sorted afterwards (cmp_file), so the result is the
 * sequential walk's, as long as nothing depends on the sequential walk's
 * order: a symbolic link or an entry of unknown type, a directory reached
 * twice, anything that would be a warning. Then the parallel result is
 * dropped and the sequential walk decides (such workspaces are rare). */
typedef struct PDir {
    char *path, *rel, *modrel;
    uint32_t src, depth;
} PDir;

typedef struct PWalk {
    Scan *s;                /* srcs and excludes: read-only; seen: under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    PDir *q;                /* directories to read (under mu) */
    uint32_t nq, capq;
    uint32_t busy;          /* threads reading a directory (under mu) */
    bool bail;              /* the sequential walk must decide (under mu) */
} PWalk;

typedef struct PWorker {
    PWalk *w;
    SgWorkspace part;       /* the files this thread found */
    Scan s;                 /* add_file's view of part */
    const SgScanSide *side; /* run before walking, or NULL */
} PWorker;

static void pdir_free(PDir *d) {
    free(d->path);
    free(d->rel);
    free(d->modrel);
}

static void pwalk_bail(PWalk *w) {
    pthread_mutex_lock(&w->mu);
    w->bail = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void pwalk_push(PWalk *w, PDir d) {
    pthread_mutex_lock(&w->mu);
    if (w->nq == w->capq) {
        w->capq = w->capq ? w->capq * 2 : 64;
        w->q = sg_xrealloc(w->q, sizeof *w->q * w->capq);
    }
    w->q[w->nq++] = d;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* One directory, as walk() reads it; false: the sequential walk must decide. */
static bool pwalk_dir(PWorker *k, const PDir *d) {
    PWalk *w = k->w;
    Scan *s = w->s;
    if (d->depth >= MAX_WALK_DEPTH) return false;
    int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat self;
    bool first = fstat(fd, &self) == 0;
    if (first) {
        pthread_mutex_lock(&w->mu);
        first = first_visit(s, self.st_dev, self.st_ino);
        pthread_mutex_unlock(&w->mu);
    }
    DIR *dir = first ? fdopendir(fd) : NULL;
    if (!dir) {
        close(fd);
        return false;
    }
    SgVec names = {0};
    list_dir(dir, &names);
    bool ok = true;     /* links and unknown types: the sequential walk decides */
    for (uint32_t i = 0; i < names.len && ok; i++) {
        const char *entry = names.items[i];
        ok = entry[0] == 'f' || entry[0] == 'd';
    }
    SgBuf p = {0}, r = {0}, mr = {0};     /* reused: add_file copies what it keeps */
    for (uint32_t i = 0; i < names.len; i++) {
        char *entry = names.items[i], *name = entry + 1;
        size_t n = strlen(name);
        bool sg = n > 3 && strcmp(name + n - 3, ".sg") == 0;
        if (!ok || (entry[0] == 'f' && !sg)) {
            free(entry);
            continue;
        }
        p.len = r.len = mr.len = 0;
        path_join(&p, d->path, name, true);
        path_join(&r, d->rel, name, false);
        path_join(&mr, d->modrel, name, false);
        if (excluded(s, r.data) || (entry[0] == 'd' && is_other_src(s, r.data, d->src))) {
            /* not walked */
        } else if (entry[0] == 'd') {
            pwalk_push(w, (PDir){sg_xstrdup(p.data), sg_xstrdup(r.data), sg_xstrdup(mr.data), d->src, d->depth + 1});
        } else {
            add_file(&k->s, p.data, r.data, mr.data);
            SgSourceFile *f = &k->part.files[k->part.nfiles - 1];
            struct stat st;
            if (fstatat(fd, name, &st, 0) == 0 && S_ISREG(st.st_mode)) {
                f->stat_ok = true;
                f->size = (int64_t)st.st_size;
                f->mtime_ns = sg_ns(st.st_mtim);
                f->ctime_ns = sg_ns(st.st_ctim);
                f->ino = (int64_t)st.st_ino;
            }
        }
        free(entry);
    }
    sg_buf_free(&p);
    sg_buf_free(&r);
    sg_buf_free(&mr);
    sg_vec_free(&names);
    closedir(dir);
    return ok;
}

static void *pwalk_worker(void *arg) {
    PWorker *k = arg;
    PWalk *w = k->w;
    if (k->side) k->side->run(k->side->arg);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->nq && w->busy && !w->bail) pthread_cond_wait(&w->cv, &w->mu);
        if (w->bail || !w->nq) break;
        PDir d = w->q[--w->nq];
        w->busy++;
        pthread_mutex_unlock(&w->mu);
        bool ok = pwalk_dir(k, &d);
        pdir_free(&d);
        if (!ok) pwalk_bail(w);
        pthread_mutex_lock(&w->mu);
        w->busy--;
        if (!w->nq && !w->busy) pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void part_free(SgWorkspace *part) {
    for (uint32_t i = 0; i < part->nfiles; i++) {
        free(part->files[i].path);
        free(part->files[i].rel);
        free(part->files[i].module);
    }
    free(part->files);
}

/* The source directories' files into s->ws with `jobs` threads; false: the
 * sequential walk must do it (nothing was added, s->seen is empty again).
 * The second thread runs `side` first; *side_done: it did. */
static bool walk_parallel(Scan *s, int jobs, const SgScanSide *side, bool *side_done) {
    PWalk w = {.s = s};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    for (uint32_t i = 0; i < s->nsrcs; i++) {
        SgBuf p = {0};
        sg_buf_printf(&p, "%s%s%s", s->ws->root, *s->srcs[i] ? "/" : "", s->srcs[i]);
        pwalk_push(&w, (PDir){p.data, sg_xstrdup(s->srcs[i]), sg_xstrdup(""), i, 0});
    }
    PWorker *k = sg_xcalloc((size_t)jobs, sizeof *k);
    pthread_t *th = sg_xcalloc((size_t)jobs, sizeof *th);
    int started = 0;
    for (int i = 0; i < jobs; i++) {
        k[i].w = &w;
        k[i].s = (Scan){.ws = &k[i].part};
    }
    k[1].side = side;
    for (int i = 1; i < jobs; i++)
        if (pthread_create(&th[started], NULL, pwalk_worker, &k[i]) == 0) started++;
        else if (i == 1) k[1].side = NULL;
    *side_done = k[1].side != NULL;
    pwalk_worker(&k[0]);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    bool ok = !w.bail;
    for (uint32_t i = 0; i < w.nq; i++) pdir_free(&w.q[i]);
    free(w.q);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    for (int i = 0; i < jobs; i++) {
        SgWorkspace *part = &k[i].part;
        for (uint32_t f = 0; ok && f < part->nfiles; f++) {
            if (s->ws->nfiles == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 64;
                s->ws->files = sg_xrealloc(s->ws->files, sizeof *s->ws->files * s->cap);
            }
            s->ws->files[s->ws->nfiles++] = part->files[f];
        }
        if (ok) free(part->files);
        else part_free(part);
    }
    free(k);
    free(th);
    if (!ok) {
        free(s->seen);
        s->seen = NULL;
        s->nseen = s->seen_cap = 0;
    }
    return ok;
}

/* "./src/" -> "src", "." -> "", "a/../b" -> "b"; NULL when the path leaves
 * the root ("..", "a/../.."). */
static char *normalize_rel(const char *in) {
    SgBuf b = {0};
    const char *p = in;
    bool out = false;
    while (*p && !out) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (!b.len) out = true;
            while (b.len && b.data[b.len - 1] != '/') b.len--;
            if (b.len) b.len--;
        } else if (n && !(n == 1 && p[0] == '.')) {
            if (b.len) sg_buf_putc(&b, '/');
            sg_buf_put(&b, p, n);
        }
        p += n;
        if (*p == '/') p++;
    }
    char *r = out ? NULL : sg_xstrdup(b.len ? sg_buf_cstr(&b) : "");
    sg_buf_free(&b);
    return r;
}

static int cmp_file(const void *a, const void *b) {
    return strcmp(((const SgSourceFile *)a)->rel, ((const SgSourceFile *)b)->rel);
}

static const char *const config_keys[] = {"src", "exclude", "diagnostics"};

/* Edit distance of two short strings, for "did you mean". */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32) return 99;
    size_t row[33];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* A source directory as written in sigil.json: relative, inside the root,
 * an existing directory, and not a link out of the root. Returns the
 * normalized path, or NULL with the message in *m. */
static char *check_src(Scan *s, const char *root, const char *path, const char *given, SgBuf *m) {
    if (given[0] == '/') {
        sg_buf_printf(m, "%s: \"src\": \"%s\" is an absolute path; source directories are relative to the workspace root",
                      path, given);
        return NULL;
    }
    char *rel = normalize_rel(given);
    if (!rel) {
        sg_buf_printf(m, "%s: \"src\": \"%s\" leaves the workspace root", path, given);
        return NULL;
    }
    SgBuf dir = {0};
    sg_buf_printf(&dir, "%s%s%s", root, *rel ? "/" : "", rel);
    struct stat st;
    char real[PATH_MAX];
    /* a directory not on disk yet holding an editor's unsaved buffer is fine */
    size_t rl = strlen(rel);
    bool pending = false;
    for (uint32_t i = 0; i < s->nextra && !pending; i++)
        pending = strncmp(s->extra[i], rel, rl) == 0 && s->extra[i][rl] == '/';
    if (stat(dir.data, &st) != 0) {
        if (!pending)
            sg_buf_printf(m, "%s: \"src\": \"%s\" does not exist (%s: %s)", path, given, dir.data, strerror(errno));
    } else if (!S_ISDIR(st.st_mode))
        sg_buf_printf(m, "%s: \"src\": \"%s\" is not a directory", path, given);
    else if (realpath(dir.data, real) && !under_root(s, real))
        sg_buf_printf(m, "%s: \"src\": \"%s\" leaves the workspace root through a symbolic link (to %s)", path,
                      given, real);
    sg_buf_free(&dir);
    if (m->len) {
        free(rel);
        return NULL;
    }
    return rel;
}

static bool read_config(Scan *s, const char *root, char **err) {
    SgBuf path = {0};
    sg_buf_printf(&path, "%s/sigil.json", root);
    char *data;
    size_t len;
    const char *rerr;
    bool have = sg_read_file(path.data, &data, &len, &rerr);
    if (!have) {
        bool missing = errno == ENOENT;
        if (!missing) {
            SgBuf m = {0};
            sg_buf_printf(&m, "cannot read %s: %s", path.data, rerr);
            *err = m.data;
        }
        sg_buf_free(&path);
        return missing;
    }
    cJSON *j = cJSON_ParseWithLength(data, len);
    free(data);
    SgBuf m = {0};
    if (!j || !cJSON_IsObject(j)) {
        sg_buf_printf(&m, "%s: not a valid JSON object", path.data);
    } else {
        /* like ruff's "unknown field": a misspelt key must not pass unseen */
        cJSON *it;
        cJSON_ArrayForEach(it, j) {
            const char *near = NULL;
            bool known = false;
            for (size_t k = 0; k < SG_ARRAY_LEN(config_keys); k++) {
                known |= strcmp(it->string, config_keys[k]) == 0;
                if (!near && edit_distance(it->string, config_keys[k]) <= 2) near = config_keys[k];
            }
            if (known) continue;
            sg_buf_printf(&m, "%s: unknown field \"%s\"", path.data, it->string);
            if (near) sg_buf_printf(&m, " (did you mean \"%s\"?)", near);
            sg_buf_puts(&m, "; expected one of \"src\", \"exclude\", \"diagnostics\"");
            break;
        }
    }
    cJSON *src = m.len ? NULL : cJSON_GetObjectItemCaseSensitive(j, "src");
    if (src && !cJSON_IsString(src) && !cJSON_IsArray(src))
        sg_buf_printf(&m, "%s: \"src\" must be a string or an array of strings", path.data);
    if (src && !m.len) {
        s->srcs = sg_xmalloc(sizeof(char *) * ((size_t)cJSON_GetArraySize(src) + 1));
        cJSON *one = cJSON_IsString(src) ? src : src->child;
        for (; one && !m.len; one = cJSON_IsString(src) ? NULL : one->next) {
            if (!cJSON_IsString(one)) {
                sg_buf_printf(&m, "%s: \"src\" must be a string or an array of strings", path.data);
                break;
            }
            char *rel = check_src(s, root, path.data, one->valuestring, &m);
            if (rel) s->srcs[s->nsrcs++] = rel;
        }
    }
    cJSON *ex = m.len ? NULL : cJSON_GetObjectItemCaseSensitive(j, "exclude");
    if (ex && !cJSON_IsArray(ex)) sg_buf_printf(&m, "%s: \"exclude\" must be an array of glob patterns", path.data);
    if (ex && !m.len) {
        s->excludes = sg_xmalloc(sizeof(char *) * ((size_t)cJSON_GetArraySize(ex) + 1));
        cJSON *it;
        cJSON_ArrayForEach(it, ex) {
            if (!cJSON_IsString(it)) {
                sg_buf_printf(&m, "%s: \"exclude\" must be an array of glob patterns", path.data);
                break;
            }
            char *pat = it->valuestring[0] == '/' ? NULL : normalize_rel(it->valuestring);
            if (!pat) {
                sg_buf_printf(&m, "%s: \"exclude\": \"%s\" %s; patterns are relative to the workspace root", path.data,
                              it->valuestring, it->valuestring[0] == '/' ? "is an absolute path" : "leaves the workspace root");
                break;
            }
            s->excludes[s->nexcludes++] = pat;
        }
    }
    cJSON_Delete(j);
    sg_buf_free(&path);
    bool ok = !m.len;
    if (!ok) *err = m.data;
    else sg_buf_free(&m);
    return ok;
}

/* Would the walk have taken the file at `rel` had it existed? Then add it. */
static void add_extra(Scan *s, const char *root, const char *rel) {
    size_t n = strlen(rel);
    if (n <= 3 || strcmp(rel + n - 3, ".sg") != 0 || excluded(s, rel)) return;
    for (uint32_t i = 0; i < s->ws->nfiles; i++)
        if (strcmp(s->ws->files[i].rel, rel) == 0) return;
    /* the innermost source directory that holds it, as the walk would: an
     * inner source directory is not walked as part of an outer one */
    int src = -1;
    size_t best = 0;
    for (uint32_t i = 0; i < s->nsrcs; i++) {
        size_t k = strlen(s->srcs[i]);
        bool inside = k == 0 || (strncmp(rel, s->srcs[i], k) == 0 && rel[k] == '/');
        if (inside && (src < 0 || k > best)) src = (int)i, best = k;
    }
    if (src < 0) return;
    /* the walk skips hidden and node_modules directories inside a source
     * directory (not the source directory itself, whatever its name) */
    for (const char *seg = rel + best + (best ? 1 : 0); seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
        if (seg[0] == '.' || strncmp(seg, "node_modules/", 13) == 0) return;
    /* no directory on the way may be excluded */
    char *dir = sg_xstrdup(rel);
    for (char *slash = strchr(dir + best + (best ? 1 : 0), '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        bool ex = excluded(s, dir);
        *slash = '/';
        if (ex) {
            free(dir);
            return;
        }
    }
    free(dir);
    SgBuf p = {0};
    sg_buf_printf(&p, "%s/%s", root, rel);
    add_file(s, p.data, rel, rel + best + (best ? 1 : 0));
    sg_buf_free(&p);
}

bool sg_workspace_scan(const char *root, SgWorkspace *ws, char **err) {
    return sg_workspace_scan_jobs(root, NULL, 0, 1, NULL, ws, err);
}

bool sg_workspace_scan_extra(const char *root, const char *const *extra, uint32_t nextra, SgWorkspace *ws, char **err) {
    return sg_workspace_scan_jobs(root, extra, nextra, 1, NULL, ws, err);
}

static bool scan(const char *root, const char *const *extra, uint32_t nextra, int jobs, const SgScanSide *side,
                 bool *side_done, SgWorkspace *ws, char **err);

bool sg_workspace_scan_jobs(const char *root, const char *const *extra, uint32_t nextra, int jobs,
                            const SgScanSide *side, SgWorkspace *ws, char **err) {
    bool side_done = false;
    bool ok = scan(root, extra, nextra, jobs, side, &side_done, ws, err);
    if (side && !side_done) side->run(side->arg);
    return ok;
}

static bool scan(const char *root, const char *const *extra, uint32_t nextra, int jobs, const SgScanSide *side,
                 bool *side_done, SgWorkspace *ws, char **err) {
    memset(ws, 0, sizeof *ws);
    *err = NULL;
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        SgBuf m = {0};
        sg_buf_printf(&m, "cannot open workspace root %s: %s", root,
                      stat(root, &st) != 0 ? strerror(errno) : "not a directory");
        *err = m.data;
        return false;
    }
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') rl--;
    ws->root = sg_xmalloc(rl + 1);
    memcpy(ws->root, root, rl);
    ws->root[rl] = 0;
    Scan s = {.ws = ws, .extra = extra, .nextra = nextra};
    char real[PATH_MAX];
    s.root_real = sg_xstrdup(realpath(ws->root, real) ? real : ws->root);
    bool configured = false;
    bool ok = read_config(&s, ws->root, err);
    if (ok) {
        configured = s.nsrcs > 0;
        if (!s.nsrcs) {
            s.srcs = sg_xmalloc(sizeof(char *));
            s.srcs[s.nsrcs++] = sg_xstrdup("");
        }
        SgBuf where = {0};
        bool walked = jobs > 1 && walk_parallel(&s, jobs, side, side_done);
        for (uint32_t i = 0; i < s.nsrcs; i++) {
            SgBuf p = {0};
            sg_buf_printf(&p, "%s%s%s", ws->root, *s.srcs[i] ? "/" : "", s.srcs[i]);
            sg_buf_printf(&where, "%s%s", i ? ", " : "", p.data);
            if (!walked) walk(&s, i, p.data, s.srcs[i], "");
            sg_buf_free(&p);
        }
        if (configured) sg_buf_printf(&where, " (\"src\" in %s/sigil.json)", ws->root);
        if (s.nexcludes) sg_buf_puts(&where, ", less what \"exclude\" leaves out");
        ws->searched = where.data;
        for (uint32_t i = 0; i < nextra; i++) add_extra(&s, ws->root, extra[i]);
        sg_qsort(ws->files, ws->nfiles, sizeof *ws->files, cmp_file);
    }
    for (uint32_t i = 0; i < s.nsrcs; i++) free(s.srcs[i]);
    for (uint32_t i = 0; i < s.nexcludes; i++) free(s.excludes[i]);
    free(s.srcs);
    free(s.excludes);
    free(s.seen);
    free(s.root_real);
    return ok;
}

bool sg_workspace_scan_std(const char *dir, SgWorkspace *ws, char **err) {
    memset(ws, 0, sizeof *ws);
    *err = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        SgBuf m = {0};
        sg_buf_printf(&m, "cannot open the standard library at %s: %s", dir, strerror(errno));
        *err = m.data;
        return false;
    }
    ws->root = sg_xstrdup(dir);
    Scan s = {.ws = ws};
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' || n <= 3 || strcmp(de->d_name + n - 3, ".sg") != 0) continue;
        SgBuf p = {0}, mr = {0};
        sg_buf_printf(&p, "%s/%s", dir, de->d_name);
        sg_buf_printf(&mr, "std/%s", de->d_name);
        add_file(&s, p.data, mr.data, mr.data);
        SgSourceFile *f = &ws->files[ws->nfiles - 1];
        /* std.* is reserved for exactly these files */
        if (f->why && strcmp(f->why, "the name `std` is reserved for the standard library") == 0) {
            char *mod = sg_xmalloc(n + 2);
            snprintf(mod, n + 2, "std.%.*s", (int)(n - 3), de->d_name);
            f->module = mod;
            f->why = NULL;
        }
        sg_buf_free(&p);
        sg_buf_free(&mr);
    }
    closedir(d);
    sg_qsort(ws->files, ws->nfiles, sizeof *ws->files, cmp_file);
    return true;
}

void sg_workspace_free(SgWorkspace *ws) {
    for (uint32_t i = 0; i < ws->nfiles; i++) {
        free(ws->files[i].path);
        free(ws->files[i].rel);
        free(ws->files[i].module);
    }
    for (uint32_t i = 0; i < ws->nwarnings; i++) free(ws->warnings[i]);
    free(ws->warnings);
    free(ws->files);
    free(ws->root);
    free(ws->searched);
    memset(ws, 0, sizeof *ws);
}
