/* workspace.c - workspace discovery: sigil.json, source directories,
 * excludes and module names. */
#include "workspace.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lex.h"

bool sg_glob_match(const char *pat, const char *path) {
    for (;;) {
        if (!*pat) return !*path;
        if (pat[0] == '*' && pat[1] == '*') {
            const char *rest = pat + 2;
            if (*rest == '/') {
                /* `**` + `/`: zero or more whole segments */
                rest++;
                if (sg_glob_match(rest, path)) return true;
                for (const char *s = path; *s; s++)
                    if (*s == '/' && sg_glob_match(rest, s + 1)) return true;
                return false;
            }
            for (const char *s = path;; s++) {
                if (sg_glob_match(rest, s)) return true;
                if (!*s) return false;
            }
        }
        if (*pat == '*') {
            for (const char *s = path;; s++) {
                if (sg_glob_match(pat + 1, s)) return true;
                if (!*s || *s == '/') return false;
            }
        }
        if (!*path) return false;
        if (*pat == '?') {
            if (*path == '/') return false;
        } else if (*pat != *path) {
            return false;
        }
        pat++, path++;
    }
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

typedef struct Scan {
    SgWorkspace *ws;
    uint32_t cap;
    char **srcs;            /* source dirs relative to root ("" for the root) */
    uint32_t nsrcs;
    char **excludes;
    uint32_t nexcludes;
} Scan;

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

/* Directories on the current walk path, so a symlink loop is not followed. */
typedef struct DirId {
    dev_t dev;
    ino_t ino;
} DirId;

/* Walks dir (path `dirpath`, `rel` relative to root, `modrel` relative to
 * the source dir). */
static void walk(Scan *s, uint32_t src, const char *dirpath, const char *rel, const char *modrel) {
    static _Thread_local DirId path[256];
    static _Thread_local uint32_t depth;
    struct stat self;
    if (stat(dirpath, &self) != 0 || depth >= SG_ARRAY_LEN(path)) return;
    for (uint32_t i = 0; i < depth; i++)
        if (path[i].dev == self.st_dev && path[i].ino == self.st_ino) return;
    DIR *d = opendir(dirpath);
    if (!d) return;
    path[depth++] = (DirId){self.st_dev, self.st_ino};
    SgVec names = {0};
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "node_modules") == 0) continue;
        /* the entry type rides along in the name's first byte, so a regular
         * file needs no stat of its own */
        size_t n = strlen(de->d_name);
        char *e = sg_xmalloc(n + 2);
        e[0] = de->d_type == DT_REG ? 'f' : de->d_type == DT_DIR ? 'd' : '?';
        memcpy(e + 1, de->d_name, n + 1);
        sg_vec_push(&names, e);
    }
    closedir(d);
    sg_qsort(names.items, names.len, sizeof(char *), cmp_str);
    for (uint32_t i = 0; i < names.len; i++) {
        char *entry = names.items[i], *name = entry + 1;
        SgBuf p = {0}, r = {0}, mr = {0};
        path_join(&p, dirpath, name, true);
        path_join(&r, rel, name, false);
        path_join(&mr, modrel, name, false);
        struct stat st;
        if (entry[0] == 'f') st.st_mode = S_IFREG;
        else if (entry[0] == 'd') st.st_mode = S_IFDIR;
        if (entry[0] != '?' || stat(p.data, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (!is_other_src(s, r.data, src) && !excluded(s, r.data)) walk(s, src, p.data, r.data, mr.data);
            } else if (S_ISREG(st.st_mode)) {
                size_t n = strlen(name);
                if (n > 3 && strcmp(name + n - 3, ".sg") == 0 && !excluded(s, r.data)) add_file(s, p.data, r.data, mr.data);
            }
        }
        sg_buf_free(&p);
        sg_buf_free(&r);
        sg_buf_free(&mr);
        free(entry);
    }
    sg_vec_free(&names);
    depth--;
}

static char *normalize_rel(const char *in) {
    /* "./src/" -> "src", "." -> "" */
    SgBuf b = {0};
    const char *p = in;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && !(n == 1 && p[0] == '.')) {
            if (b.len) sg_buf_putc(&b, '/');
            sg_buf_put(&b, p, n);
        }
        p += n;
        if (*p == '/') p++;
    }
    char *r = sg_xstrdup(b.data ? b.data : "");
    sg_buf_free(&b);
    return r;
}

static int cmp_file(const void *a, const void *b) {
    return strcmp(((const SgSourceFile *)a)->rel, ((const SgSourceFile *)b)->rel);
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
    bool ok = true;
    SgBuf m = {0};
    if (!j || !cJSON_IsObject(j)) {
        sg_buf_printf(&m, "%s: not a valid JSON object", path.data);
        ok = false;
    } else {
        cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "src");
        if (src && cJSON_IsString(src)) {
            s->srcs = sg_xmalloc(sizeof(char *));
            s->srcs[s->nsrcs++] = normalize_rel(src->valuestring);
        } else if (src && cJSON_IsArray(src)) {
            s->srcs = sg_xmalloc(sizeof(char *) * ((size_t)cJSON_GetArraySize(src) + 1));
            cJSON *it;
            cJSON_ArrayForEach(it, src) {
                if (!cJSON_IsString(it)) {
                    sg_buf_printf(&m, "%s: \"src\" must be a string or an array of strings", path.data);
                    ok = false;
                    break;
                }
                s->srcs[s->nsrcs++] = normalize_rel(it->valuestring);
            }
        } else if (src) {
            sg_buf_printf(&m, "%s: \"src\" must be a string or an array of strings", path.data);
            ok = false;
        }
        cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "exclude");
        if (ok && ex) {
            if (!cJSON_IsArray(ex)) {
                sg_buf_printf(&m, "%s: \"exclude\" must be an array of glob patterns", path.data);
                ok = false;
            } else {
                s->excludes = sg_xmalloc(sizeof(char *) * ((size_t)cJSON_GetArraySize(ex) + 1));
                cJSON *it;
                cJSON_ArrayForEach(it, ex) {
                    if (!cJSON_IsString(it)) {
                        sg_buf_printf(&m, "%s: \"exclude\" must be an array of glob patterns", path.data);
                        ok = false;
                        break;
                    }
                    s->excludes[s->nexcludes++] = normalize_rel(it->valuestring);
                }
            }
        }
    }
    cJSON_Delete(j);
    sg_buf_free(&path);
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
    for (const char *seg = rel; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
        if (seg[0] == '.' || strncmp(seg, "node_modules/", 13) == 0) return;
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
    return sg_workspace_scan_extra(root, NULL, 0, ws, err);
}

bool sg_workspace_scan_extra(const char *root, const char *const *extra, uint32_t nextra, SgWorkspace *ws, char **err) {
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
    Scan s = {.ws = ws};
    bool ok = read_config(&s, ws->root, err);
    if (ok) {
        if (!s.nsrcs) {
            s.srcs = sg_xmalloc(sizeof(char *));
            s.srcs[s.nsrcs++] = sg_xstrdup("");
        }
        for (uint32_t i = 0; i < s.nsrcs; i++) {
            SgBuf p = {0};
            sg_buf_printf(&p, "%s%s%s", ws->root, *s.srcs[i] ? "/" : "", s.srcs[i]);
            bool dup = false;
            for (uint32_t j = 0; j < i; j++) dup |= strcmp(s.srcs[i], s.srcs[j]) == 0;
            if (!dup) walk(&s, i, p.data, s.srcs[i], "");
            sg_buf_free(&p);
        }
        for (uint32_t i = 0; i < nextra; i++) add_extra(&s, ws->root, extra[i]);
        sg_qsort(ws->files, ws->nfiles, sizeof *ws->files, cmp_file);
    }
    for (uint32_t i = 0; i < s.nsrcs; i++) free(s.srcs[i]);
    for (uint32_t i = 0; i < s.nexcludes; i++) free(s.excludes[i]);
    free(s.srcs);
    free(s.excludes);
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
    free(ws->files);
    free(ws->root);
    memset(ws, 0, sizeof *ws);
}
