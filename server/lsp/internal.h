/* internal.h - what the language server's files share: the server's state
 * (`srv`), the open documents, the check jobs, and each file's entry points.
 * The public entry (`sg_lsp_main`) is in ../lsp.h.
 *
 * Layout (one job per file; each file's header says what it owns and which
 * threads touch it):
 *   transport.c    framing in, messages out (write queue), the log
 *   dispatch.c     method -> handler, lifecycle, capabilities, progress, cancel
 *   roots.c        the workspace folders (one engine each), added and removed
 *   documents.c    URIs, open buffers and their edits, files changed on disk
 *   scheduler.c    generations, debounce, whole and fast runs, early publish,
 *                  results stored behind (the fast path's invariants)
 *   diagnostics.c  publishing (push) and pull requests
 *   convert.c      positions, ranges, kinds, identifiers, params
 *   query.c        the open module of a URI, the fact at a position, locations
 *   syntax.c       the document as it is now: parsed, walked, its comments
 *   index.c        the project-wide index of each folder (cross-reference
 *                  entries), requests waiting for it, query jobs on the pool
 *   scopes.c       where each local binding of a tree is visible (rename)
 *   hover.c, references.c, highlight.c, completion.c, signature.c,
 *   symbols.c, calls.c, semantic.c, actions.c, inlay.c, folding.c,
 *   selection.c: one feature each
 *
 * Threads: everything runs on the libuv loop thread, except the work
 * functions of the scheduler's jobs and of the index's (libuv's thread
 * pool), which touch only their own job (see scheduler.c and index.c). */
#ifndef SG_LSP_INTERNAL_H
#define SG_LSP_INTERNAL_H

#include <stdatomic.h>
#include <stdio.h>
#include <uv.h>

#include "../../cache/engine.h"
#include "../../cache/xref.h"
#include "../../checker/ast.h"
#include "../../checker/severity.h"
#include "../../protocol/jsonrpc.h"
#include "../../protocol/position.h"
#include "../dirwatch.h"

/* An open document: the buffer wins over the file on disk. */
typedef struct LspDoc {
    char *uri;
    char *path;         /* absolute */
    char *text;
    size_t len;
    int64_t version;
    uint64_t changed_gen;   /* generation of its last edit */
    uint64_t changed_ns;    /* when it arrived (uv_hrtime), for the log */
    uint64_t early_gen;     /* the run whose results were published early for it */
    bool fast_pending;      /* edited since the fast path last took it */
    struct LspRoot *root;   /* the workspace folder it belongs to (NULL: none) */
} LspDoc;

/* The scheduler's (scheduler.c). */
typedef struct LspCheckJob LspCheckJob;
typedef struct LspEarlyResult LspEarlyResult;

/* A request handler (dispatch.c's table; requests that wait are called again). */
typedef void (*LspHandler)(const cJSON *id, const cJSON *params);
/* A request's work on the pool (index.c). */
typedef struct LspJob LspJob;

/* A definition of an entry, for workspace/symbol. */
typedef struct LspSym {
    uint32_t name;          /* offset of its name in the entry's names */
    uint32_t mask;          /* the letters in it (case folded): a query's must all be there */
    SgSpan span;            /* of the name */
    uint32_t parent;        /* a field's struct, a constructor's enum: 1 + its index in syms; else 0 */
    uint32_t line;          /* where the name starts (UINT32_MAX: a column too wide to keep) */
    uint16_t col8, col16;   /* ... in bytes and in UTF-16 units */
    uint16_t len;
    uint8_t kind;           /* SgXrefDefKind */
} LspSym;

/* One module's cross-reference entry in an index (index.c). Immutable once
 * made; shared by the indexes that hold it (reference counts: loop thread).
 * The entry itself is read from the cache when a query needs it: only what
 * lookups need stays in memory (its keys, its definitions' names), and the
 * blob when the cache has not got it (a result stored behind, no cache). */
typedef struct LspIndexEntry {
    uint32_t refs;
    char *path;             /* absolute: the file's identity (URIs) */
    char *disk;             /* the path to read */
    char *name;             /* the module */
    SgName mname;
    SgHash result_id;       /* the result it belongs to (its key in the cache) */
    SgHash source_hash;     /* of the text its spans are offsets in */
    bool is_std;
    /* the file as the run found it (stat), when it was read from one: while
     * it is unchanged (sg_file_unchanged) its text is the one indexed */
    bool stamped;
    int64_t size, mtime_ns, ctime_ns, ino, indexed_at_ns;
    uint8_t *blob;          /* the encoded entry (cache/xref.h), or NULL: in the cache */
    size_t len;
    uint32_t *keys;         /* the low 32 bits of its uses' key hashes */
    uint32_t nkeys;
    LspSym *syms;
    uint32_t nsyms;
    char *names;
} LspIndexEntry;

/* The index of a folder (index.c): immutable once built, shared by the
 * queries that read it (reference counts: loop thread). */
typedef struct LspIndex {
    uint32_t refs;
    uint64_t gen;           /* the folder's index_gen it was built for */
    LspIndexEntry **entries;    /* sorted by path */
    uint32_t n;
    SgMap by_path, by_name;
    /* key -> users: the distinct (low 32 bits of) key hashes, sorted; the
     * users of khash[i] are postings[kfirst[i] .. kfirst[i + 1]) */
    uint32_t *khash, *kfirst, *postings;
    uint32_t nkeys;
    uint32_t nsyms;
    uint32_t nmissing;      /* modules whose result has no entry */
} LspIndex;

/* A workspace folder, with its own engine runs (roots.c creates and frees
 * them; scheduler.c schedules their checks). A file belongs to the folder
 * with the longest path that holds it. */
typedef struct LspRoot {
    char *path;         /* absolute (real when it exists) */
    char *uri;          /* as the client named it */
    char *cache_dir;
    SgEngineRun *last;  /* the latest published run, with the fast path's swaps */
    /* Scheduling (scheduler.c). An edit of an open document goes to the
     * fast path; every other change (open, close, files on disk) needs a
     * whole run, and until one that has seen it is installed the fast path
     * waits: its soundness rests on `last` being current but for the edited
     * modules. */
    uv_timer_t debounce, store_timer;
    bool full_needed, full_running, fast_running, store_running;
    LspCheckJob *full_done;     /* a whole run that finished while a fast job read `last` */
    SgStoredResult *to_store;   /* the fast path's results, not yet in the on-disk cache */
    uint32_t nto_store;
    uint64_t nonfast_gen;       /* generation of the last change the fast path cannot take */
    uint64_t last_full_gen;     /* snapshot generation of the whole run in `last` */
    bool run_unpublished;       /* `last` came from a run older than some buffer edit: published
                                 * once the fast path has shown those edits kept their signatures */
    char *failed_err;           /* the last whole run could not read the folder: why (told once per cause) */
    uint64_t failed_gen;        /* ... and its snapshot generation */
    SgSeverityConfig levels;    /* sigil.json's "diagnostics", read at each whole run */
    char *levels_err;           /* why it could not be read (told to the user once) */
    char **stale;               /* files of modules to re-check: an import's signature changed in a
                                 * name they used (cleared when a whole run is installed) */
    uint32_t nstale;
    /* The index (index.c): built for `index_gen`, which counts the changes
     * of `last` in modules that are not open. */
    LspIndex *index;
    uint64_t index_gen;
    bool index_building;
    uint32_t queries_running;   /* index jobs on the pool */
    bool fill_asked;            /* a whole run was asked to make the entries the cache lacks */
    char **fill;                /* ... the files of those modules, until the run takes them */
    uint32_t nfill;
    bool fill_running;
    struct SgStore *index_store;    /* the cache, read by query jobs (one at a time: index_store_mu) */
    uv_mutex_t index_store_mu;
    SgDirWatch dirs;            /* our own watcher, when the client does not watch */
    bool removed;               /* its folder was removed: freed once its jobs are over */
    int open_timers;            /* embedded timers not closed yet (a removed root waits for them) */
} LspRoot;

typedef struct Lsp {
    uv_loop_t *loop;
    uv_stream_t *in, *out;
    LspFramer framer;
    bool read_paused;   /* back-pressure: the client is not reading our replies */
    int state;          /* 0 before initialize, 1 running, 2 after shutdown */
    LspEncoding enc;
    char *std_dir;
    /* the remote cache (a checked URL): each folder's start-up run opens
     * its own SgRemote on it, used on the pool thread of that run only */
    SgRemoteOptions remote;
    LspRoot **roots;    /* the workspace folders */
    uint32_t nroots;
    LspDoc **docs;
    uint32_t ndocs;
    uint64_t gen;       /* bumped by every change that can affect a result */
    uv_async_t early_async;     /* worker -> loop: `early` has results */
    uv_mutex_t early_mu;
    LspEarlyResult **early;
    uint32_t nearly;
    char **published;   /* URIs whose last published diagnostics were not empty */
    uint32_t npublished;
    bool dynamic_watch, client_progress;
    bool own_watch;         /* we watch the folders ourselves (the client does not) */
    bool first_done;        /* the start-up checks (of every folder) have completed */
    int progress_id;        /* id of our window/workDoneProgress/create request */
    int progress_state;     /* 0 none, 1 asked, 2 accepted, 3 refused */
    int next_request_id;
    FILE *log;
    int exit_code;
    bool stopping;      /* exit received: finish writes, start nothing */
    SgBuf *sink;        /* fuzzing: replies go here, no checks, no watching */
    bool client_related;    /* accepts diagnostics' relatedInformation */
    bool client_pull;       /* open files' diagnostics only on request (diagnosticMode "pull") */
    bool push_only;         /* diagnosticMode "push": no diagnosticProvider */
    bool client_refresh;    /* ... and accepts workspace/diagnostic/refresh */
    cJSON **pending;        /* pull requests waiting for a current check */
    uint32_t npending;
} Lsp;

/* The server's state; one per process (set by sg_lsp_main). */
extern Lsp *srv;

/* ---- transport.c ---- */
void lsp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lsp_send(cJSON *msg);      /* frames and queues msg, and frees it */
/* Tells the user (window/showMessage) and logs it. */
enum { LSP_MESSAGE_ERROR = 1, LSP_MESSAGE_WARNING = 2, LSP_MESSAGE_INFO = 3 };
void lsp_show_message(int type, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends a request of ours (the id is the next of ours); returns the id. */
int lsp_send_request(const char *method, cJSON *params);
void lsp_on_frame(void *ctx, LspFrameEvent ev, const char *body, size_t len);
/* Opens stdin and stdout and starts reading; false unless they are pipes
 * or terminals. */
bool lsp_transport_open(void);
void lsp_transport_stop(void);     /* stops reading */

/* ---- dispatch.c ---- */
void lsp_dispatch(cJSON *msg);
void lsp_progress(const char *kind, const char *message, int percent);

/* ---- documents.c ---- */
char *lsp_uri_to_path(const char *uri);     /* NULL unless a file URI (malloc'd) */
char *lsp_path_to_uri(const char *path);
LspDoc *lsp_doc_at_path(const char *path);
LspDoc *lsp_doc_of_uri(const char *uri);
void lsp_doc_free(LspDoc *d);
/* Text of a module as the user sees it: the open buffer, else the file. */
char *lsp_module_text(const char *abs, const char *disk_path, size_t *len);
/* The text of a document (its buffer, else its file; malloc'd), or NULL. */
char *lsp_document_text(const char *uri, size_t *len);
void lsp_on_did_open(const cJSON *params);
void lsp_on_did_change(const cJSON *params);
void lsp_on_did_close(const cJSON *params);
void lsp_on_did_save(const cJSON *params);
void lsp_on_watched_files(const cJSON *params);

/* ---- roots.c ---- */
void lsp_roots_from_initialize(const cJSON *params);
void lsp_on_workspace_folders(const cJSON *params);
LspRoot *lsp_root_add(const char *uri, const char *path);
void lsp_root_remove(LspRoot *r);
void lsp_root_release(LspRoot *r);      /* frees a removed root once it is idle */
void lsp_roots_watch(void);             /* our own watchers, for every folder */
void lsp_roots_free(void);
bool lsp_in_root(const LspRoot *r, const char *path);
/* The folder a file belongs to (the first folder for a file outside them
 * all; NULL when there is none), and its last run. */
LspRoot *lsp_root_of(const char *path);
SgEngineRun *lsp_run_of(const char *path);

/* ---- scheduler.c ---- */
/* Every change goes through one of these: an edit of an open document (the
 * fast path may take it), a change at a path (open, close, files on disk;
 * NULL: anything), a change somewhere in one folder. */
void lsp_changed(LspDoc *d);
void lsp_changed_at(const char *path);
void lsp_changed_root(LspRoot *r);
/* Have the runs seen every change so far? (Pull requests wait until then.) */
bool lsp_is_current(void);
/* ... every change of one folder (its files and its open documents)? */
bool lsp_root_current(const LspRoot *r);
/* A whole run that checks these modules again, whatever the cache holds
 * (their results have no cross-reference entry); takes the paths. */
void lsp_scheduler_fill(LspRoot *r, char **paths, uint32_t n);
bool lsp_scheduler_filling(const LspRoot *r);
void lsp_free_run(SgEngineRun *r);
void lsp_scheduler_init(void);
void lsp_scheduler_root_init(LspRoot *r);
void lsp_scheduler_root_stop(LspRoot *r);   /* timers closed, pending results written */
bool lsp_scheduler_root_idle(const LspRoot *r);
void lsp_scheduler_root_free(LspRoot *r);   /* its runs and jobs (pending results written) */
void lsp_scheduler_stop(void);      /* at exit: every root's timers closed */
void lsp_scheduler_free(void);      /* after the loop and the roots */

/* ---- scheduler.c (also) ---- */
/* Whether the module at path waits to be re-checked because an import's
 * signature changed under it. */
bool lsp_is_stale(const LspRoot *r, const char *path);

/* ---- diagnostics.c ---- */
/* The LSP form of diagnostics, with the per-code severities of the folder
 * the file belongs to (a code turned off is left out). */
cJSON *lsp_diag_array(const char *path, const SgDiags *ds, const char *text, size_t len);
/* What `run` says of the file at `path` (a module or a file that is not
 * one), and the path to read its text from; NULL if it is not in the run. */
const SgDiags *lsp_run_diags(SgEngineRun *run, const char *path, const char **disk);
/* Pushes the diagnostics of one file (NULL: an empty list). */
void lsp_publish(const char *path, const char *disk, const SgDiags *ds);
/* Pushes what `last` says of one file (an empty list when nothing). */
void lsp_publish_file(const char *path);
/* Pushes a whole run's results (see diagnostics.c for which). */
void lsp_publish_run(LspRoot *r, uint64_t snapshot_gen);
/* After the fast path swapped the records `now[i]` into r->last in place of
 * `old[i]` (not freed yet): pushes again the other files whose diagnostics
 * have a related location in one of them that moved (kept by name, found
 * in the old and the new text), but for the stale ones (re-checked and
 * published later). */
void lsp_publish_related_into(LspRoot *r, SgModule *const *old, SgModule *const *now, uint32_t n);
void lsp_on_pull_diagnostics(const cJSON *id, const cJSON *params);
void lsp_answer_pending(void);
bool lsp_cancel_pending(const cJSON *id);

/* ---- convert.c ---- */
const char *lsp_str_at(const cJSON *o, const char *a, const char *b);
bool lsp_num_at(const cJSON *o, const char *k, double *out);
uint32_t lsp_u32(double v);
int64_t lsp_i64(double v);
/* 1-based line and code-point column pairs -> an LSP range */
cJSON *lsp_columns_range(const char *text, size_t len, uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2);
cJSON *lsp_span_range(const char *text, size_t len, SgSpan s);
cJSON *lsp_position_json(uint32_t line, uint32_t ch);
/* The identifier character class of the lexer ([A-Za-z0-9_]). */
static inline bool lsp_is_ident_char(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
/* Start of the run of identifier characters that ends at `end`. */
size_t lsp_ident_start(const char *t, size_t end);
/* End of the run of identifier characters that starts at `start`. */
size_t lsp_ident_end(const char *t, size_t len, size_t start);
/* An identifier that is not a keyword (nor `_`). */
bool lsp_valid_identifier(const char *s);
/* SymbolKind values of LSP 3.17 */
enum { LSP_SK_MODULE = 2, LSP_SK_FIELD = 8, LSP_SK_ENUM = 10, LSP_SK_FUNCTION = 12, LSP_SK_CONSTANT = 14,
       LSP_SK_STRUCT = 23, LSP_SK_ENUM_MEMBER = 22, LSP_SK_TYPE_PARAMETER = 26 };
int lsp_item_symbol_kind(const SgItem *it);
int lsp_def_symbol_kind(uint8_t kind);     /* of an SgXrefDefKind */
/* JSON text written directly: a string (escaped), a range. */
void lsp_json_str(SgBuf *b, const char *s, size_t n);
void lsp_json_range(SgBuf *b, const char *text, size_t len, SgSpan s);

/* ---- query.c ---- */
/* The module of an open document in `last`, with its facts; else NULL. */
SgModule *lsp_open_module(const char *uri);
/* The position of a request as a byte offset in the text the facts were
 * made from; false when params have no usable position. */
bool lsp_request_offset(const cJSON *params, SgModule *m, size_t *off);
SgFact *lsp_fact_at(SgModule *m, size_t off);
/* A request's position as a byte offset in the buffer as it is now (the
 * position's shape was checked by dispatch). */
size_t lsp_doc_offset(const LspDoc *d, const cJSON *params);
/* The name alone, even when the fact covers `alias.Name`. */
SgSpan lsp_fact_name_span(const SgFact *f);
/* Does fact x name the definition at target_span of the file target_path?
 * (By path: records of different runs are different objects.) */
bool lsp_same_target(const SgFact *x, const char *target_path, SgSpan target_span);
cJSON *lsp_location(SgModule *target, SgSpan span);
/* What a position of an open module names, by key (cache/xref.h), with
 * the key's names copied into `a`; or the fact of a local. False when it
 * names nothing (or something built in). */
typedef struct LspTarget {
    SgXrefKey key;
    uint64_t hash;
    SgSpan at;              /* the name at the position */
    const SgFact *local;    /* a local of the module (no key) */
} LspTarget;
bool lsp_target_at(SgModule *m, size_t off, SgArena *a, LspTarget *t);
/* A module as an index query reads it on the pool: its entry (the job's
 * index's, or a copy of an open module's) and its text (an open module's
 * as checked, copied; a closed module's read by the job). */
typedef struct LspUnit {
    char *path, *disk, *uri;
    SgName module;
    SgHash source_hash;
    const LspIndexEntry *entry;     /* a closed module's (the job's index holds it) */
    const uint8_t *blob;            /* NULL until lsp_job_load for an entry in the cache */
    size_t len;
    bool own_blob;                  /* read by the job */
    char *text;
    size_t tlen;
    bool open;
    char *file_uri;                 /* a closed module's URI, made once by the job */
} LspUnit;
/* The units of a query of folder r (in a): every open module of r, then
 * the index's modules that use `hash`, then the module named `defining`
 * (if given) when not there yet. */
uint32_t lsp_units(LspRoot *r, const LspIndex *ix, uint64_t hash, const SgName *defining, SgArena *a, LspUnit **out);
/* The open modules of r alone. */
LspUnit *lsp_units_open(LspRoot *r, SgArena *a, uint32_t *n);
/* The unit of an index entry (its strings are the entry's). */
LspUnit lsp_entry_unit(const LspIndexEntry *e);
/* On the pool: the unit's text (false: the job is stale) and a location in it. */
bool lsp_unit_text(LspJob *j, LspUnit *u);
void lsp_units_free(LspUnit *us, uint32_t n);
cJSON *lsp_unit_location(const LspUnit *u, SgSpan s);
/* The same as JSON text: {"uri":...,"range":...} */
void lsp_unit_location_json(SgBuf *b, LspUnit *u, SgSpan s);
cJSON *lsp_unit_range(const LspUnit *u, SgSpan s);

/* ---- syntax.c ---- */
typedef enum LspNodeKind {
    LSP_NODE_ITEM,      /* sub: SgItemKind */
    LSP_NODE_BLOCK,     /* `{ ... }` */
    LSP_NODE_STMT,      /* sub: SgStmtKind */
    LSP_NODE_EXPR,      /* sub: SgExprKind */
    LSP_NODE_PATTERN,
    LSP_NODE_TYPE,      /* a type expression */
    LSP_NODE_NAME,      /* a name (declared or used) */
    LSP_NODE_PART,      /* a field, parameter, variant or field init (sub 0), a match arm (sub 1) */
} LspNodeKind;
/* Called for every node, parents first; returns whether to visit its
 * children. `node` is the SgItem, SgBlock, SgStmt, SgExpr, SgPattern or
 * SgTypeExpr (NULL for names and parts). */
typedef bool (*LspVisit)(void *ctx, LspNodeKind kind, int sub, SgSpan span, const void *node);
void lsp_walk(const SgAst *ast, LspVisit visit, void *ctx);
/* A document's text as it is now (buffer, else file), parsed. */
typedef struct LspParsed {
    char *text;
    size_t len;
    SgArena arena;
    SgDiags diags;
    SgAst ast;
} LspParsed;
bool lsp_parse_document(const char *uri, LspParsed *out);
void lsp_parse_text(LspParsed *out, char *text, size_t len);   /* takes the text (malloc'd) */
void lsp_parsed_free(LspParsed *p);
/* The next comment at or after *pos, skipping string literals: its bytes
 * [*start, *end), and *pos moves past it; false when there is none. */
bool lsp_next_comment(const char *t, size_t n, size_t *pos, size_t *start, size_t *end);

/* ---- index.c ---- */
/* `last` changed in a module that is not open: the index is rebuilt. */
void lsp_index_changed(LspRoot *r);
/* Is the folder's index current (and the folder itself)? */
bool lsp_index_ready(const LspRoot *r);
/* A request answered from the index waits until its folder's is current:
 * fn(id, params) is called again then (or when the folder is removed). */
void lsp_index_wait(LspRoot *r, const cJSON *id, const cJSON *params, LspHandler fn);
void lsp_index_resume(void);
/* $/cancelRequest of a waiting or running request. */
bool lsp_index_cancel(const cJSON *id);
void lsp_index_unref(LspIndex *ix);
void lsp_index_free_root(LspRoot *r);
void lsp_index_stop(void);     /* at exit: waiting requests dropped */
const LspIndexEntry *lsp_index_entry_at(const LspIndex *ix, const char *path);
const LspIndexEntry *lsp_index_module(const LspIndex *ix, SgName module);
/* The entries that use a key (indexes into entries, ascending). */
uint32_t lsp_index_users(const LspIndex *ix, uint64_t hash, const uint32_t **which);
void lsp_index_root_init(LspRoot *r);
/* A query on the pool: made on the loop thread (it holds the folder's
 * index), its work runs on the pool, `done` answers on the loop thread.
 * A job cancelled is answered with RequestCancelled; a job that found a
 * file changed since it was indexed (lsp_job_text) waits for the run that
 * checks it and asks fn again. */
typedef void (*LspJobWork)(LspJob *j);
typedef void (*LspJobDone)(LspJob *j);
LspJob *lsp_job_new(LspRoot *r, const cJSON *id, const cJSON *params, LspHandler fn);
void lsp_job_start(LspJob *j, LspJobWork work, LspJobDone done, void *data, void (*free_data)(void *));
void lsp_job_free(LspJob *j);   /* a job not started */
const LspIndex *lsp_job_index(const LspJob *j);
void *lsp_job_data(const LspJob *j);
const cJSON *lsp_job_id(const LspJob *j);
bool lsp_job_cancelled(LspJob *j);
/* The text of a module's file if it is still the one indexed (its hash);
 * else false and the job is stale. */
bool lsp_job_text(LspJob *j, const char *path, const char *disk, const SgHash *want, char **text, size_t *len);
/* The entries of units that are in the cache, read in one transaction;
 * false when one is not there (the job asks for it to be made, then again). */
bool lsp_job_load(LspJob *j, struct LspUnit *us, uint32_t n);

/* ---- scopes.c ---- */
/* A local binding (let, for, parameter, pattern) or type parameter, and
 * the text where it is visible. */
typedef struct LspBinding {
    SgName name;
    SgSpan decl;
    SgSpan scope;
    bool type;          /* a type parameter */
} LspBinding;
uint32_t lsp_bindings(const SgAst *ast, SgArena *a, LspBinding **out);
/* A binding named `name` (of types or of values) visible at `at`, or NULL. */
const LspBinding *lsp_binding_at(const LspBinding *bs, uint32_t n, SgName name, bool type, uint32_t at);

/* ---- one file per feature ---- */
void lsp_on_hover(const cJSON *id, const cJSON *params);
void lsp_on_definition(const cJSON *id, const cJSON *params);
void lsp_on_references(const cJSON *id, const cJSON *params);
void lsp_on_prepare_rename(const cJSON *id, const cJSON *params);
void lsp_on_rename(const cJSON *id, const cJSON *params);
void lsp_on_completion(const cJSON *id, const cJSON *params);
void lsp_on_signature_help(const cJSON *id, const cJSON *params);
void lsp_on_document_symbol(const cJSON *id, const cJSON *params);
void lsp_on_workspace_symbol(const cJSON *id, const cJSON *params);
void lsp_on_semantic_tokens(const cJSON *id, const cJSON *params);
void lsp_on_code_action(const cJSON *id, const cJSON *params);
void lsp_on_inlay_hints(const cJSON *id, const cJSON *params);
void lsp_on_document_highlight(const cJSON *id, const cJSON *params);
void lsp_on_folding_range(const cJSON *id, const cJSON *params);
void lsp_on_selection_range(const cJSON *id, const cJSON *params);
void lsp_on_prepare_call_hierarchy(const cJSON *id, const cJSON *params);
void lsp_on_incoming_calls(const cJSON *id, const cJSON *params);
void lsp_on_outgoing_calls(const cJSON *id, const cJSON *params);
/* The semantic tokens legend (semantic.c), advertised by initialize. */
extern const char *const lsp_token_types[];
extern const size_t lsp_ntoken_types;

#endif
