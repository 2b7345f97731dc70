/* dispatch.c - the server's front desk: the dispatch table (method ->
 * handler), the lifecycle (initialize, initialized, shutdown, exit, the
 * process's start and end), the capabilities we advertise, $/progress for
 * the start-up check, and $/cancelRequest. Malformed messages, and params
 * of the wrong shape for their request, are answered here with the
 * JSON-RPC error the specification names.
 *
 * Threads: the loop thread only. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../include/sigil.h"
#include "../lsp.h"
#include "internal.h"

Lsp *srv;

void lsp_progress(const char *kind, const char *message, int percent) {
    if (!srv->client_progress || srv->progress_state != 2) return;   /* only on a token the client created */
    cJSON *params = cJSON_CreateObject();
    cJSON_AddStringToObject(params, "token", "sigil-index");
    cJSON *v = cJSON_AddObjectToObject(params, "value");
    cJSON_AddStringToObject(v, "kind", kind);
    if (strcmp(kind, "begin") == 0) {
        cJSON_AddStringToObject(v, "title", "sigil: checking workspace");
        cJSON_AddBoolToObject(v, "cancellable", 0);
    }
    if (message) cJSON_AddStringToObject(v, "message", message);
    if (percent >= 0 && strcmp(kind, "end") != 0) cJSON_AddNumberToObject(v, "percentage", percent);
    lsp_send(lsp_notification("$/progress", params));
}

/* The remote cache the start-up run reads through (CONTRACT.md):
 * initializationOptions.remoteCache, a URL or {"url", "write", "timeoutMs"},
 * else $SIGIL_REMOTE_CACHE and SIGIL_REMOTE_CACHE_WRITE=1. A bad setting is
 * logged, never fatal. */
static void open_remote(const cJSON *params) {
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "initializationOptions"),
                                                       "remoteCache");
    SgRemoteOptions o = {0};
    const char *env = getenv("SIGIL_REMOTE_CACHE"), *w = getenv("SIGIL_REMOTE_CACHE_WRITE");
    if (cJSON_IsString(rc)) {
        o.url = rc->valuestring;
    } else if (cJSON_IsObject(rc)) {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(rc, "url");
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(rc, "timeoutMs");
        o.url = cJSON_IsString(url) ? url->valuestring : NULL;
        o.write = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rc, "write"));
        if (cJSON_IsNumber(ms) && ms->valuedouble >= 1 && ms->valuedouble <= 600000) o.timeout_ms = (int)ms->valuedouble;
    } else if (env && *env) {
        o.url = env;
        o.write = w && strcmp(w, "1") == 0;
    }
    if (!o.url || !*o.url) return;
    const char *err;
    SgRemote *r = sg_remote_open(&o, &err);     /* only to check the URL */
    if (!r) {
        lsp_log("remote cache %s: %s; starting without it", o.url, err);
        return;
    }
    sg_remote_close(r);
    o.url = sg_xstrdup(o.url);
    srv->remote = o;
}

static void on_initialize(const cJSON *id, const cJSON *params) {
    open_remote(params);
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(params, "capabilities");
    const cJSON *encs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(caps, "general"), "positionEncodings");
    srv->enc = LSP_UTF16;
    const cJSON *e;
    cJSON_ArrayForEach(e, encs) {
        if (cJSON_IsString(e) && strcmp(e->valuestring, "utf-8") == 0) srv->enc = LSP_UTF8;
    }
    srv->client_related = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(caps, "textDocument"), "publishDiagnostics"),
        "relatedInformation"));
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(caps, "workspace");
    srv->dynamic_watch = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ws, "didChangeWatchedFiles"), "dynamicRegistration"));
    /* Diagnostics of open files are pushed and can be pulled (CONTRACT.md).
     * A client that shows both twice can choose one model with
     * initializationOptions.diagnosticMode: "push" (no diagnosticProvider)
     * or "pull" (open files are not pushed; refreshes are sent). */
    const char *mode = lsp_str_at(params, "initializationOptions", "diagnosticMode");
    srv->client_pull = mode && strcmp(mode, "pull") == 0;
    srv->push_only = mode && strcmp(mode, "push") == 0;
    srv->client_refresh = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ws, "diagnostics"), "refreshSupport"));
    srv->client_progress = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(caps, "window"), "workDoneProgress"));

    cJSON *res = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(res, "capabilities");
    cJSON_AddStringToObject(c, "positionEncoding", srv->enc == LSP_UTF8 ? "utf-8" : "utf-16");
    cJSON *sync = cJSON_AddObjectToObject(c, "textDocumentSync");
    cJSON_AddBoolToObject(sync, "openClose", 1);
    cJSON_AddNumberToObject(sync, "change", 2);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(sync, "save"), "includeText", cJSON_CreateFalse());
    if (!srv->push_only) {
        cJSON *dp = cJSON_AddObjectToObject(c, "diagnosticProvider");
        cJSON_AddStringToObject(dp, "identifier", "sigil");
        cJSON_AddBoolToObject(dp, "interFileDependencies", 1);
        cJSON_AddBoolToObject(dp, "workspaceDiagnostics", 0);
    }
    cJSON_AddBoolToObject(c, "documentSymbolProvider", 1);
    cJSON_AddBoolToObject(c, "hoverProvider", 1);
    cJSON_AddBoolToObject(c, "definitionProvider", 1);
    cJSON_AddBoolToObject(c, "referencesProvider", 1);
    cJSON_AddBoolToObject(c, "documentHighlightProvider", 1);
    cJSON_AddBoolToObject(c, "foldingRangeProvider", 1);
    cJSON_AddBoolToObject(c, "selectionRangeProvider", 1);
    cJSON_AddBoolToObject(c, "inlayHintProvider", 1);
    cJSON *sh = cJSON_AddObjectToObject(c, "signatureHelpProvider");
    cJSON *shtrig = cJSON_AddArrayToObject(sh, "triggerCharacters");
    cJSON_AddItemToArray(shtrig, cJSON_CreateString("("));
    cJSON_AddItemToArray(shtrig, cJSON_CreateString(","));
    cJSON *rp = cJSON_AddObjectToObject(c, "renameProvider");
    cJSON_AddBoolToObject(rp, "prepareProvider", 1);
    cJSON *cap = cJSON_AddObjectToObject(c, "codeActionProvider");
    cJSON *cak = cJSON_AddArrayToObject(cap, "codeActionKinds");
    cJSON_AddItemToArray(cak, cJSON_CreateString("quickfix"));
    cJSON_AddBoolToObject(c, "workspaceSymbolProvider", 1);
    cJSON_AddBoolToObject(c, "callHierarchyProvider", 1);
    cJSON *wf = cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "workspace"), "workspaceFolders");
    cJSON_AddBoolToObject(wf, "supported", 1);
    cJSON_AddBoolToObject(wf, "changeNotifications", 1);
    cJSON *st = cJSON_AddObjectToObject(c, "semanticTokensProvider");
    cJSON *legend = cJSON_AddObjectToObject(st, "legend");
    cJSON *tt = cJSON_AddArrayToObject(legend, "tokenTypes");
    for (size_t i = 0; i < lsp_ntoken_types; i++) cJSON_AddItemToArray(tt, cJSON_CreateString(lsp_token_types[i]));
    cJSON_AddArrayToObject(legend, "tokenModifiers");
    cJSON_AddBoolToObject(st, "full", 1);
    cJSON *cp = cJSON_AddObjectToObject(c, "completionProvider");
    cJSON *trig = cJSON_AddArrayToObject(cp, "triggerCharacters");
    cJSON_AddItemToArray(trig, cJSON_CreateString("."));
    cJSON *info = cJSON_AddObjectToObject(res, "serverInfo");
    cJSON_AddStringToObject(info, "name", "sigil");
    cJSON_AddStringToObject(info, "version", SIGIL_VERSION);
    lsp_send(lsp_response(id, res));
    /* the folders after the answer: what is wrong with one is told then */
    lsp_roots_from_initialize(params);
    srv->state = 1;
    for (uint32_t i = 0; i < srv->nroots; i++)
        lsp_log("initialized: root %s, positions %s", srv->roots[i]->path, srv->enc == LSP_UTF8 ? "utf-8" : "utf-16");
}

static void on_initialized(void) {
    if (srv->dynamic_watch) {
        cJSON *params = cJSON_CreateObject();
        cJSON *regs = cJSON_AddArrayToObject(params, "registrations");
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "id", "sigil-watch");
        cJSON_AddStringToObject(r, "method", "workspace/didChangeWatchedFiles");
        cJSON *opts = cJSON_AddObjectToObject(r, "registerOptions");
        cJSON *ws = cJSON_AddArrayToObject(opts, "watchers");
        cJSON *w1 = cJSON_CreateObject(), *w2 = cJSON_CreateObject();
        cJSON_AddStringToObject(w1, "globPattern", "**/*.sg");
        cJSON_AddStringToObject(w2, "globPattern", "**/sigil.json");
        cJSON_AddItemToArray(ws, w1);
        cJSON_AddItemToArray(ws, w2);
        cJSON_AddItemToArray(regs, r);
        lsp_send_request("client/registerCapability", params);
    } else if (!srv->sink) {
        lsp_roots_watch();
    }
    if (srv->client_progress) {
        cJSON *params = cJSON_CreateObject();
        cJSON_AddStringToObject(params, "token", "sigil-index");
        srv->progress_id = lsp_send_request("window/workDoneProgress/create", params);
        srv->progress_state = 1;
    }
    /* after the debounce, so that the didOpen that usually follows at once
     * is part of the start-up run instead of making it stale */
    lsp_changed_at(NULL);
}

static void on_cancel(const cJSON *params) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(params, "id");
    if (!lsp_cancel_pending(id)) lsp_index_cancel(id);
}

/* ---- the dispatch table ----
 * Each request names the params it needs; params of the wrong shape are
 * answered with -32602 and a message saying which field is wrong, so a
 * handler only sees the shapes it asked for. */
enum {
    NEED_DOC = 1,           /* textDocument: {uri: string} */
    NEED_POSITION = 2,      /* position: {line, character: non-negative integers} */
    NEED_RANGE = 4,         /* range: {start, end: positions} */
    NEED_POSITIONS = 8,     /* positions: [positions] */
    NEED_QUERY = 16,        /* query: string */
    NEED_NEW_NAME = 32,     /* newName: string */
    NEED_DIAGNOSTICS = 64,  /* context: {diagnostics: [objects]} */
    OPT_CONTEXT = 128,      /* context: an object if present */
    NEED_ITEM = 256,        /* item: a call hierarchy item {name, uri, range, selectionRange} */
};

typedef struct LspRequestHandler {
    const char *method;
    void (*fn)(const cJSON *id, const cJSON *params);
    unsigned need;
} LspRequestHandler;

enum { AT_POS = NEED_DOC | NEED_POSITION };

static const LspRequestHandler requests[] = {
    {"textDocument/diagnostic", lsp_on_pull_diagnostics, NEED_DOC},
    {"textDocument/documentSymbol", lsp_on_document_symbol, NEED_DOC},
    {"textDocument/hover", lsp_on_hover, AT_POS},
    {"textDocument/definition", lsp_on_definition, AT_POS},
    {"textDocument/references", lsp_on_references, AT_POS | OPT_CONTEXT},
    {"textDocument/documentHighlight", lsp_on_document_highlight, AT_POS},
    {"textDocument/inlayHint", lsp_on_inlay_hints, NEED_DOC | NEED_RANGE},
    {"textDocument/completion", lsp_on_completion, AT_POS | OPT_CONTEXT},
    {"textDocument/signatureHelp", lsp_on_signature_help, AT_POS | OPT_CONTEXT},
    {"textDocument/prepareRename", lsp_on_prepare_rename, AT_POS},
    {"textDocument/rename", lsp_on_rename, AT_POS | NEED_NEW_NAME},
    {"textDocument/codeAction", lsp_on_code_action, NEED_DOC | NEED_RANGE | NEED_DIAGNOSTICS},
    {"textDocument/semanticTokens/full", lsp_on_semantic_tokens, NEED_DOC},
    {"textDocument/foldingRange", lsp_on_folding_range, NEED_DOC},
    {"textDocument/selectionRange", lsp_on_selection_range, NEED_DOC | NEED_POSITIONS},
    {"workspace/symbol", lsp_on_workspace_symbol, NEED_QUERY},
    {"textDocument/prepareCallHierarchy", lsp_on_prepare_call_hierarchy, AT_POS},
    {"callHierarchy/incomingCalls", lsp_on_incoming_calls, NEED_ITEM},
    {"callHierarchy/outgoingCalls", lsp_on_outgoing_calls, NEED_ITEM},
};

/* The first thing wrong with a position, or NULL. */
static const char *bad_position(const cJSON *p) {
    if (!cJSON_IsObject(p)) return "must be an object {line, character}";
    static const char *const keys[] = {"line", "character"};
    for (int i = 0; i < 2; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(p, keys[i]);
        if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble != floor(x->valuedouble))
            return i == 0 ? "line must be a non-negative integer" : "character must be a non-negative integer";
    }
    return NULL;
}

/* Why params do not have the shape `need` asks for (in buf), or NULL. */
static const char *bad_params(const cJSON *params, unsigned need, char *buf, size_t n) {
    const char *why;
    if (!cJSON_IsObject(params)) return "params must be an object";
    if (need & NEED_DOC) {
        const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
        if (!cJSON_IsObject(td)) return "textDocument must be an object {uri}";
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(td, "uri"))) return "textDocument.uri must be a string";
    }
    if ((need & NEED_POSITION) && (why = bad_position(cJSON_GetObjectItemCaseSensitive(params, "position")))) {
        snprintf(buf, n, "position: %s", why);
        return buf;
    }
    if (need & NEED_RANGE) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(params, "range");
        if (!cJSON_IsObject(r)) return "range must be an object {start, end}";
        if ((why = bad_position(cJSON_GetObjectItemCaseSensitive(r, "start"))) ||
            (why = bad_position(cJSON_GetObjectItemCaseSensitive(r, "end")))) {
            snprintf(buf, n, "range: %s", why);
            return buf;
        }
    }
    if (need & NEED_POSITIONS) {
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(params, "positions"), *p;
        if (!cJSON_IsArray(ps)) return "positions must be an array of positions";
        int i = 0;
        cJSON_ArrayForEach(p, ps) {
            if ((why = bad_position(p))) {
                snprintf(buf, n, "positions[%d]: %s", i, why);
                return buf;
            }
            i++;
        }
    }
    if ((need & NEED_QUERY) && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(params, "query")))
        return "query must be a string";
    if ((need & NEED_NEW_NAME) && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(params, "newName")))
        return "newName must be a string";
    if (need & NEED_ITEM) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(params, "item");
        if (!cJSON_IsObject(it)) return "item must be a call hierarchy item {name, uri, range, selectionRange}";
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "name"))) return "item.name must be a string";
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "uri"))) return "item.uri must be a string";
        static const char *const ranges[] = {"range", "selectionRange"};
        for (int i = 0; i < 2; i++) {
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(it, ranges[i]);
            if (!cJSON_IsObject(r) || (why = bad_position(cJSON_GetObjectItemCaseSensitive(r, "start"))) ||
                (why = bad_position(cJSON_GetObjectItemCaseSensitive(r, "end")))) {
                snprintf(buf, n, "item.%s: %s", ranges[i], why ? why : "must be an object {start, end}");
                return buf;
            }
        }
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(it, "data");
        if (data && !cJSON_IsObject(data)) return "item.data must be an object";
        const char *mod = lsp_str_at(data, "module", NULL), *name = lsp_str_at(data, "name", NULL);
        if (!mod || !*mod || !name || !*name) return "item.data must be what prepareCallHierarchy gave: {module, name}";
    }
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(params, "context");
    if ((need & OPT_CONTEXT) && ctx && !cJSON_IsObject(ctx)) return "context must be an object";
    if (need & NEED_DIAGNOSTICS) {
        const cJSON *ds = cJSON_GetObjectItemCaseSensitive(ctx, "diagnostics"), *d;
        if (!cJSON_IsObject(ctx) || !cJSON_IsArray(ds)) return "context must be an object {diagnostics: [...]}";
        cJSON_ArrayForEach(d, ds) {
            if (!cJSON_IsObject(d)) return "context.diagnostics must hold diagnostic objects";
        }
    }
    return NULL;
}

static const struct {
    const char *method;
    void (*fn)(const cJSON *params);
} notifications[] = {
    {"textDocument/didOpen", lsp_on_did_open},
    {"textDocument/didChange", lsp_on_did_change},
    {"textDocument/didClose", lsp_on_did_close},
    {"textDocument/didSave", lsp_on_did_save},
    {"workspace/didChangeWatchedFiles", lsp_on_watched_files},
    {"workspace/didChangeWorkspaceFolders", lsp_on_workspace_folders},
    {"$/cancelRequest", on_cancel},
};

static const LspRequestHandler *find_request(const char *method) {
    for (size_t i = 0; i < SG_ARRAY_LEN(requests); i++)
        if (strcmp(method, requests[i].method) == 0) return &requests[i];
    return NULL;
}

void lsp_dispatch(cJSON *msg) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
    if (cJSON_IsNull(params)) params = NULL;    /* `"params": null` is no params */
    bool is_request = id != NULL;
    if (id && !cJSON_IsNumber(id) && !cJSON_IsString(id)) {
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "the id must be a number or a string"));
        return;
    }
    if (!method) {
        /* a response to one of our requests (registerCapability, progress) */
        bool has_result = cJSON_GetObjectItemCaseSensitive(msg, "result") != NULL;
        bool has_error = cJSON_GetObjectItemCaseSensitive(msg, "error") != NULL;
        if (id && (has_result || has_error)) {
            if (cJSON_IsNumber(id) && id->valuedouble == (double)srv->progress_id && srv->progress_state == 1) {
                srv->progress_state = has_error ? 3 : 2;
                if (srv->progress_state == 2) {
                    /* the start-up check may already be over: report it whole */
                    lsp_progress("begin", "indexing", 0);
                    if (srv->first_done) lsp_progress("end", "done", -1);
                    else lsp_progress("report", "checking modules", 10);
                }
            }
            return;
        }
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "a request needs a method"));
        else lsp_log("message without a method: ignored");
        return;
    }
    if (!cJSON_IsString(method)) {
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "the method must be a string"));
        return;
    }
    const char *m = method->valuestring;
    if (params && !cJSON_IsObject(params) && !cJSON_IsArray(params)) {
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "params must be an object or an array"));
        return;
    }
    if (strcmp(m, "exit") == 0) {
        srv->exit_code = srv->state == 2 ? 0 : 1;
        srv->stopping = true;
        if (srv->loop) uv_stop(srv->loop);
        return;
    }
    if (srv->state == 0) {
        if (strcmp(m, "initialize") == 0 && is_request) {
            if (params && !cJSON_IsObject(params)) {
                lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "initialize params must be an object"));
                return;
            }
            on_initialize(id, params);
        } else if (is_request) {
            lsp_send(lsp_error(id, LSP_SERVER_NOT_INITIALIZED, "the server is not initialized yet"));
        }
        return;
    }
    if (srv->state == 2) {
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "the server is shutting down"));
        return;
    }
    if (is_request) {
        if (strcmp(m, "initialize") == 0) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "initialize was already called"));
        else if (strcmp(m, "shutdown") == 0) {
            srv->state = 2;
            lsp_send(lsp_response(id, NULL));
        } else {
            const LspRequestHandler *h = find_request(m);
            char buf[256];
            const char *why = h ? bad_params(params, h->need, buf, sizeof buf) : NULL;
            if (why) {
                char msg[400];
                snprintf(msg, sizeof msg, "%s: %s", m, why);
                lsp_send(lsp_error(id, LSP_INVALID_PARAMS, msg));
            } else if (h) {
                h->fn(id, params);
            } else {
                char buf[256];
                snprintf(buf, sizeof buf, "method not found: %.200s", m);
                lsp_send(lsp_error(id, LSP_METHOD_NOT_FOUND, buf));
            }
        }
        return;
    }
    if (strcmp(m, "initialized") == 0) {
        on_initialized();
        return;
    }
    for (size_t i = 0; i < SG_ARRAY_LEN(notifications); i++)
        if (strcmp(m, notifications[i].method) == 0) {
            notifications[i].fn(params);
            return;
        }
    if (strncmp(m, "$/", 2) != 0) lsp_log("notification %s: ignored", m);
}

/* ---- lifecycle of the process ---- */
static void close_free(uv_handle_t *h) { free(h); }

static void close_all(uv_handle_t *h, void *arg) {
    (void)arg;
    if (uv_is_closing(h)) return;
    if ((void *)h == (void *)&srv->early_async) uv_close(h, NULL);     /* a member of the state */
    else uv_close(h, close_free);
}

static void free_state(void) {
    free((char *)srv->remote.url);
    for (uint32_t i = 0; i < srv->npending; i++) cJSON_Delete(srv->pending[i]);
    free(srv->pending);
    for (uint32_t i = 0; i < srv->ndocs; i++) lsp_doc_free(srv->docs[i]);
    free(srv->docs);
    for (uint32_t i = 0; i < srv->npublished; i++) free(srv->published[i]);
    free(srv->published);
    lsp_framer_free(&srv->framer);
    free(srv->std_dir);
}

int sg_lsp_main(const char *std_dir, const char *log_path) {
    Lsp state;
    memset(&state, 0, sizeof state);
    srv = &state;
    srv->log = stderr;
    if (log_path) {
        FILE *f = fopen(log_path, "a");
        if (f) srv->log = f;
        else fprintf(stderr, "sigil: cannot open log file %s: %s; logging to stderr\n", log_path, strerror(errno));
    }
    srv->std_dir = std_dir ? sg_xstrdup(std_dir) : NULL;    /* NULL: the built-in std */
    srv->loop = uv_default_loop();
    srv->exit_code = 1;
    lsp_framer_init(&srv->framer, LSP_MAX_MESSAGE);
    lsp_scheduler_init();
    if (!lsp_transport_open()) {
        fprintf(stderr, "sigil: --lsp needs stdin and stdout to be pipes or terminals\n");
        return 2;
    }
    lsp_log("sigil %s language server started", SIGIL_VERSION);
    uv_run(srv->loop, UV_RUN_DEFAULT);
    /* drain pending writes (the reply to shutdown, last diagnostics) */
    lsp_transport_stop();
    lsp_scheduler_stop();
    for (uint32_t i = 0; i < srv->nroots; i++) sg_dirwatch_close(&srv->roots[i]->dirs);
    uv_run(srv->loop, UV_RUN_NOWAIT);
    uv_walk(srv->loop, close_all, NULL);
    uv_run(srv->loop, UV_RUN_DEFAULT);    /* also waits for a running check */
    uv_loop_close(srv->loop);
    int code = srv->exit_code;
    lsp_index_stop();
    lsp_roots_free();
    lsp_scheduler_free();
    free_state();
    if (srv->log != stderr) fclose(srv->log);
    return code;
}

/* Feeds one byte stream through framing and dispatch with replies kept in
 * memory: the libFuzzer target (tests/fuzz/fuzz_lsp.c). No checks run and no
 * file is watched, so the input cannot reach outside the process. */
size_t sg_lsp_fuzz_one(const uint8_t *data, size_t len) {
    Lsp state;
    memset(&state, 0, sizeof state);
    srv = &state;
    SgBuf out = {0};
    srv->sink = &out;
    FILE *devnull = fopen("/dev/null", "w");
    srv->log = devnull ? devnull : stderr;
    srv->std_dir = sg_xstrdup("std");
    lsp_framer_init(&srv->framer, 1u << 20);
    /* in pieces, as reads would deliver them */
    size_t step = len > 7 ? (size_t)(data[0] % 7) + 1 : len;
    for (size_t i = 0; i < len && !srv->stopping; i += step)
        lsp_framer_feed(&srv->framer, (const char *)data + i, len - i < step ? len - i : step, lsp_on_frame, NULL);
    size_t produced = out.len;
    lsp_index_stop();
    lsp_roots_free();
    free_state();
    sg_buf_free(&out);
    if (devnull) fclose(devnull);
    srv = NULL;
    return produced;
}
