/* documents.c - the open documents: URIs <-> paths, didOpen, didChange
 * (whole and incremental edits), didClose, didSave, files changed on disk
 * as the client reports them (didChangeWatchedFiles) or as our own
 * directory watcher sees them, and the text of a module as the user sees it.
 * Each change is handed to the scheduler (lsp_changed).
 *
 * Threads: the loop thread only (the scheduler copies the buffers it checks). */
#include <limits.h>
#include <stdlib.h>

#include "internal.h"

/* ---- URIs ---- */
char *lsp_uri_to_path(const char *uri) {
    if (strncmp(uri, "file://", 7) != 0) return NULL;
    const char *p = uri + 7;
    if (*p != '/') {    /* file://host/path: only localhost is ours */
        if (strncmp(p, "localhost/", 10) != 0) return NULL;
        p += 9;
    }
    SgBuf b = {0};
    for (; *p; p++) {
        int h1, h2;
        if (*p == '%' && p[1] && p[2] && (h1 = (p[1] >= 'a' ? p[1] - 'a' + 10 : p[1] >= 'A' ? p[1] - 'A' + 10 : p[1] - '0')) >= 0 &&
            h1 < 16 && (h2 = (p[2] >= 'a' ? p[2] - 'a' + 10 : p[2] >= 'A' ? p[2] - 'A' + 10 : p[2] - '0')) >= 0 && h2 < 16) {
            sg_buf_putc(&b, (char)(h1 * 16 + h2));
            p += 2;
        } else {
            sg_buf_putc(&b, *p);
        }
    }
    char *r = sg_xstrdup(b.data ? b.data : "/");
    sg_buf_free(&b);
    return r;
}

char *lsp_path_to_uri(const char *path) {
    SgBuf b = {0};
    sg_buf_puts(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
            sg_buf_putc(&b, (char)*p);
        else
            sg_buf_printf(&b, "%%%02X", *p);
    }
    char *r = sg_xstrdup(b.data);
    sg_buf_free(&b);
    return r;
}

/* ---- documents ---- */
LspDoc *lsp_doc_at_path(const char *path) {
    for (uint32_t i = 0; i < srv->ndocs; i++)
        if (strcmp(srv->docs[i]->path, path) == 0) return srv->docs[i];
    return NULL;
}

LspDoc *lsp_doc_of_uri(const char *uri) {
    for (uint32_t i = 0; i < srv->ndocs; i++)
        if (strcmp(srv->docs[i]->uri, uri) == 0) return srv->docs[i];
    return NULL;
}

void lsp_doc_free(LspDoc *d) {
    free(d->uri);
    free(d->path);
    free(d->text);
    free(d);
}

char *lsp_module_text(const char *abs, const char *disk_path, size_t *len) {
    LspDoc *d = lsp_doc_at_path(abs);
    if (d) {
        *len = d->len;
        return memcpy(sg_xmalloc(d->len + 1), d->text, d->len + 1);
    }
    char *data;
    const char *err;
    if (sg_read_file(disk_path, &data, len, &err)) return data;
    *len = 0;
    return sg_xstrdup("");
}

char *lsp_document_text(const char *uri, size_t *len) {
    LspDoc *d = lsp_doc_of_uri(uri);
    if (d) {
        *len = d->len;
        return memcpy(sg_xmalloc(d->len + 1), d->text, d->len + 1);
    }
    char *path = lsp_uri_to_path(uri);
    if (!path) return NULL;
    char *text;
    const char *err;
    bool ok = sg_read_file(path, &text, len, &err);
    free(path);
    return ok ? text : NULL;
}

/* ---- notifications ---- */
void lsp_on_did_open(const cJSON *params) {
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const char *uri = lsp_str_at(td, "uri", NULL), *text = lsp_str_at(td, "text", NULL);
    double version = 0;
    lsp_num_at(td, "version", &version);
    if (!uri || !text) {
        lsp_log("didOpen without textDocument.uri/text: ignored");
        return;
    }
    char *path = lsp_uri_to_path(uri);
    if (!path) {
        lsp_log("didOpen of a non-file URI %s: ignored", uri);
        return;
    }
    char real[PATH_MAX];
    if (realpath(path, real)) {
        free(path);
        path = sg_xstrdup(real);
    }
    LspDoc *d = lsp_doc_of_uri(uri);
    if (!d) {
        d = sg_xcalloc(1, sizeof *d);
        d->uri = sg_xstrdup(uri);
        d->path = path;
        srv->docs = sg_xrealloc(srv->docs, sizeof *srv->docs * (srv->ndocs + 1));
        srv->docs[srv->ndocs++] = d;
    } else {
        free(path);
        free(d->text);
    }
    d->len = strlen(text);
    d->text = sg_xstrdup(text);
    d->version = lsp_i64(version);
    d->root = lsp_root_of(d->path);
    lsp_changed_at(d->path);
}

static bool apply_change(LspDoc *d, const cJSON *ch) {
    const char *text = lsp_str_at(ch, "text", NULL);
    if (!text) return false;
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(ch, "range");
    size_t tl = strlen(text);
    if (!range) {
        free(d->text);
        d->text = sg_xstrdup(text);
        d->len = tl;
        return true;
    }
    double l1, c1, l2, c2;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(range, "start"), *e = cJSON_GetObjectItemCaseSensitive(range, "end");
    if (!lsp_num_at(s, "line", &l1) || !lsp_num_at(s, "character", &c1) || !lsp_num_at(e, "line", &l2) || !lsp_num_at(e, "character", &c2) ||
        l1 < 0 || c1 < 0 || l2 < 0 || c2 < 0)
        return false;
    size_t a = lsp_offset_of(d->text, d->len, lsp_u32(l1), lsp_u32(c1), srv->enc);
    size_t b = lsp_offset_of(d->text, d->len, lsp_u32(l2), lsp_u32(c2), srv->enc);
    if (b < a) {
        size_t t = a;
        a = b;
        b = t;
    }
    char *n = sg_xmalloc(d->len - (b - a) + tl + 1);
    memcpy(n, d->text, a);
    memcpy(n + a, text, tl);
    memcpy(n + a + tl, d->text + b, d->len - b);
    d->len = d->len - (b - a) + tl;
    n[d->len] = 0;
    free(d->text);
    d->text = n;
    return true;
}

void lsp_on_did_change(const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    LspDoc *d = uri ? lsp_doc_of_uri(uri) : NULL;
    if (!d) {
        lsp_log("didChange of a document that is not open (%s): ignored", uri ? uri : "no uri");
        return;
    }
    double version;
    if (lsp_num_at(cJSON_GetObjectItemCaseSensitive(params, "textDocument"), "version", &version)) d->version = lsp_i64(version);
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "contentChanges"), *ch;
    cJSON_ArrayForEach(ch, changes) {
        if (!apply_change(d, ch)) lsp_log("malformed content change for %s: ignored", uri);
    }
    lsp_changed(d);
}

void lsp_on_did_close(const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    for (uint32_t i = 0; uri && i < srv->ndocs; i++) {
        if (strcmp(srv->docs[i]->uri, uri) != 0) continue;
        char *path = sg_xstrdup(srv->docs[i]->path);
        lsp_doc_free(srv->docs[i]);
        srv->docs[i] = srv->docs[--srv->ndocs];
        lsp_changed_at(path);   /* the file on disk counts again */
        free(path);
        return;
    }
}

/* A saved buffer changes nothing we check (the buffer already won over the
 * file), unless the client saved a document it had not opened with us. */
void lsp_on_did_save(const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    if (uri && lsp_doc_of_uri(uri)) return;
    char *path = uri ? lsp_uri_to_path(uri) : NULL;
    lsp_changed_at(path);
    free(path);
}

/* Files changed on disk; a change to a file open in the editor is not one
 * for us (its buffer wins), its creation or deletion may be. */
void lsp_on_watched_files(const cJSON *params) {
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "changes"), *c;
    if (!cJSON_IsArray(changes) || cJSON_GetArraySize(changes) == 0) lsp_changed_at(NULL);
    cJSON_ArrayForEach(c, changes) {
        const char *uri = lsp_str_at(c, "uri", NULL);
        double type = 0;
        lsp_num_at(c, "type", &type);
        if (uri && lsp_doc_of_uri(uri) && type == 2) continue;
        char *path = uri ? lsp_uri_to_path(uri) : NULL;
        lsp_changed_at(path);
        free(path);
    }
}
