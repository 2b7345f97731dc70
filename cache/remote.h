/* remote.h - the second-level cache: check results shared through a Redis
 * server or a plain HTTP server (GET/PUT/HEAD), as ccache and sccache do.
 *
 * The caller computes the keys (16-byte content hashes) and owns what the
 * values mean; this layer moves opaque blobs. Every blob is framed on the
 * wire (format version, the key it belongs to, length, checksum) and the
 * frame is verified before a value is handed out: a damaged, truncated,
 * foreign-version, swapped or absurdly large entry is a miss, never data.
 *
 * Failure is never fatal. The first failure prints one warning line on
 * stderr; a broken connection, a timeout, an authentication failure or
 * SG_REMOTE_MAX_FAILURES failed requests in a row disable the remote for
 * the rest of the SgRemote's life (a run), after which every call is a
 * quick no-op (gets are misses, puts are dropped). Refused writes (Redis
 * out of memory under `noeviction`, an HTTP server refusing PUT) stop only
 * the writing.
 *
 * Nothing touches the network before the first get/put/has: opening only
 * parses the URL. An SgRemote is used by one thread at a time (the engine's
 * thread of a run); separate SgRemotes may be used on separate threads. */
#ifndef SG_REMOTE_H
#define SG_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"

#define SG_REMOTE_DEFAULT_TIMEOUT_MS 2000
/* The largest value accepted or sent: bigger ones are misses (and are not
 * even downloaded in full) or are not written. */
#define SG_REMOTE_MAX_VALUE (32u << 20)
/* Failed requests in a row after which a run stops trying. */
#define SG_REMOTE_MAX_FAILURES 3

typedef enum SgRemoteScheme {
    SG_REMOTE_REDIS,        /* redis://[[user]:password@]host[:port][/db] */
    SG_REMOTE_REDIS_UNIX,   /* redis+unix://[[user]:password@]/path/to/socket[?db=N] */
    SG_REMOTE_HTTP,         /* http://[user:password@]host[:port][/prefix], https://... */
} SgRemoteScheme;

/* A parsed URL; every string is malloc'd (sg_remote_url_free). */
typedef struct SgRemoteUrl {
    SgRemoteScheme scheme;
    char *host;             /* REDIS, HTTP: the host (IPv6 without brackets) */
    int port;               /* REDIS: 6379 by default; HTTP: 0 = the scheme's default */
    char *socket_path;      /* REDIS_UNIX */
    int db;                 /* REDIS*: database number (SELECT), 0 by default */
    char *user, *password;  /* percent-decoded; NULL when absent */
    char *base;             /* HTTP: the URL without userinfo and trailing '/' */
    char *display;          /* the URL with the password replaced by "***": for messages */
} SgRemoteUrl;

/* Parses `url`. On failure returns false with *err set to a static
 * explanation. */
bool sg_remote_url_parse(const char *url, SgRemoteUrl *out, const char **err);
void sg_remote_url_free(SgRemoteUrl *u);

typedef struct SgRemoteOptions {
    const char *url;
    int timeout_ms;         /* per request; <= 0 means SG_REMOTE_DEFAULT_TIMEOUT_MS */
    bool write;             /* false: puts are refused (read-only client) */
    bool quiet;             /* no warning line (tests of the failure paths) */
} SgRemoteOptions;

typedef struct SgRemoteStats {
    uint64_t hits;          /* gets answered with a verified value */
    uint64_t misses;        /* gets answered "absent", including rejected entries */
    uint64_t rejected;      /* ... of which the entry was there but failed verification */
    uint64_t errors;        /* requests that failed (and gets skipped once disabled) */
    uint64_t puts;          /* values stored */
    uint64_t bytes_read;    /* entry bytes received (frames, as on the wire) */
    uint64_t bytes_written; /* entry bytes sent */
    double ms;              /* wall time spent in this layer */
    bool disabled;          /* stopped trying after failures */
    bool writes_disabled;   /* stopped writing after refused writes (a full server); reads go on */
} SgRemoteStats;

typedef struct SgRemote SgRemote;

/* Returns NULL with *err (static) when the URL cannot be parsed. */
SgRemote *sg_remote_open(const SgRemoteOptions *opt, const char **err);
void sg_remote_close(SgRemote *r);
const SgRemoteStats *sg_remote_stats(const SgRemote *r);
/* The URL as shown in messages (password hidden). */
const char *sg_remote_display(const SgRemote *r);
bool sg_remote_writable(const SgRemote *r);

/* One key of a batch. For a get, `value`/`len` are outputs (malloc'd,
 * unframed; NULL on a miss or error); for a put they are inputs. */
typedef struct SgRemoteItem {
    SgHash key;
    uint8_t *value;
    size_t len;
    bool found;             /* get: a verified value; has: present */
} SgRemoteItem;

/* Fetches every item's value in one batch (pipelined or parallel). */
void sg_remote_get(SgRemote *r, SgRemoteItem *items, size_t n);
/* Stores every item's value (framed); values over SG_REMOTE_MAX_VALUE are
 * skipped. Does nothing on a read-only client. */
void sg_remote_put(SgRemote *r, const SgRemoteItem *items, size_t n);
/* Asks which keys are present (EXISTS; HEAD) without downloading them; a
 * writer uses it to skip uploads the server already has. */
void sg_remote_has(SgRemote *r, SgRemoteItem *items, size_t n);

/* ---- the frame, exposed for tests ---- */
#define SG_REMOTE_FORMAT 2
/* A framed value (malloc'd) for `key`, written in format `format`. */
uint8_t *sg_remote_frame(const SgHash *key, uint32_t format, const void *value, size_t len, size_t *out_len);
/* Checks a frame for `key`: on success returns true and points *value at
 * the payload inside `frame`. */
bool sg_remote_unframe(const SgHash *key, const uint8_t *frame, size_t len, const uint8_t **value, size_t *vlen);

/* ---- check results on the remote (remote_entry.c) ----
 *
 * A module's entry is keyed by content only: H(checker version, module
 * name, path relative to the root, source hash), so clones anywhere share
 * it, and it can be asked for as soon as a file is hashed. Like a ccache
 * manifest, an entry holds the source's import list (so a fresh clone need
 * not parse a file to link it) and up to SG_REMOTE_RESULTS results for that
 * source, newest first, each with its signature: the engine validates each
 * result (its source key, its usage record) exactly as a local one
 * (LANGUAGE.md section 7).
 *
 * Packs: one request per module costs a fresh clone of 10,000 modules
 * more than its check over HTTP, so entries are also grouped into
 * SG_REMOTE_PACKS packs by their relative path. A pack's key is a hash of
 * the keys of every entry of its group in this workspace, so a clone with
 * the same sources asks for 64 packs instead of 10,000 entries, and a clone
 * that differs in a file misses only that file's pack. A pack holds copies
 * of its entries (under their keys), each used exactly as if fetched alone;
 * a module the pack lacks, or a damaged pack, is asked for on its own. A
 * writer rewrites the pack of every group whose entries it changed (and one
 * it found missing), so packs stay as fresh as entries. Used by the
 * engine's thread. */
#define SG_REMOTE_RESULTS 4
#define SG_REMOTE_PACKS 64

struct SgModule;

/* What a run does with a module's entry. */
typedef enum SgRemoteRole {
    SG_REMOTE_NONE,     /* not on the remote: the standard library, an unreadable file */
    SG_REMOTE_KNOWN,    /* answered locally (or an editor's buffer): only counted in its pack's key */
    SG_REMOTE_WANT,     /* looked up */
} SgRemoteRole;

typedef struct SgRemoteFetch {
    SgRemote *r;
    struct SgModule *const *mods;   /* the program's modules, by index (borrowed) */
    uint32_t n;
    SgRemoteItem *items;        /* per module: key, entry (unframed), found */
    uint8_t *role;              /* per module: SgRemoteRole */
    bool *wanted;               /* asked for by the engine (its hits and misses) */
    bool *fetched;              /* items[i] was looked up (wanted, or before a write) */
    bool *borrowed;             /* items[i].value points into a pack */
    bool keyed;                 /* items[].key and pack_key[] computed */
    SgHash pack_key[SG_REMOTE_PACKS];
    SgRemoteItem packs[SG_REMOTE_PACKS];    /* fetched packs (found: verified and parsed) */
    bool pack_tried[SG_REMOTE_PACKS];
} SgRemoteFetch;

/* Fetches the entries of the modules for which `role` says SG_REMOTE_WANT
 * (their source hashes must be known, as must those of SG_REMOTE_KNOWN
 * modules): their packs in one batch, then the entries the packs lacked in
 * another. */
void sg_remote_fetch(SgRemoteFetch *f, SgRemote *r, struct SgModule *const *mods, uint32_t n,
                     SgRemoteRole (*role)(const struct SgModule *m, void *ctx), void *ctx);
/* The import list of m's fetched entry (malloc'd paths), or false. */
bool sg_remote_entry_imports(const SgRemoteFetch *f, const struct SgModule *m, char ***paths, uint32_t *n);
/* Calls fn on each result of m's fetched entry, newest first, until fn
 * returns true; returns whether one did. A damaged entry has no results. */
bool sg_remote_each_result(const SgRemoteFetch *f, const struct SgModule *m,
                           bool (*fn)(void *ctx, const uint8_t *res, size_t rlen, const uint8_t *sig, size_t slen),
                           void *ctx);
/* Writes the results of `ps[i].m` (result, signature; the module's import
 * paths) into their entries, before the older results of each entry; an
 * entry that already holds the result is left alone. Entries not fetched
 * yet are fetched first (one batch) so their older results are kept. Then
 * rewrites the packs of the groups changed (see above). */
typedef struct SgRemotePublish {
    const struct SgModule *m;
    const uint8_t *result, *sig;
    size_t rlen, slen;
} SgRemotePublish;
void sg_remote_publish(SgRemoteFetch *f, const SgRemotePublish *ps, uint32_t n);
void sg_remote_fetch_free(SgRemoteFetch *f);

/* ---- packs, exposed for tests ---- */
/* Checks a pack's payload; on success *n is its number of entries. */
bool sg_remote_pack_valid(const uint8_t *pack, size_t len, uint32_t *n);

#endif
