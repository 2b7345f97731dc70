/* lease.h - no duplicated work between processes on one machine.
 *
 * Two processes that check the same workspace into the same cache
 * directory at the same time (the editor's server and a `sigil --check`,
 * two CI jobs) would check every module twice. Instead, a run that may
 * write the cache takes the workspace's lease first; a second run waits
 * until the first is done and then finds its results in the cache (a warm
 * run), so each module is checked once between them.
 *
 * The lease is an open-file-description lock (fcntl F_OFD_SETLK) on
 * DIR/leases/<hash of the root>: the kernel drops it the moment its holder
 * exits, even under `kill -9`, so a dead holder blocks nobody. A live
 * holder shows it is alive by a heartbeat (a counter in the file, bumped by
 * a thread of the lease twenty times per expiry time); a waiter that sees
 * no heartbeat for the expiry time (10 s, or $SIGIL_LEASE_EXPIRY_MS) stops
 * waiting and runs without the lease: a stopped (SIGSTOP) process delays
 * others by at most that much. Anything that prevents leasing (a read-only
 * cache directory, a filesystem without locks) means running without one.
 *
 * Take the lease before the run opens the cache, so the waiter's run reads
 * what the holder stored; release it once the run has stored its results.
 * One SgLease is used by one thread; the lease file is shared with other
 * processes (and other runs of this process, which wait the same way). */
#ifndef SG_LEASE_H
#define SG_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#define SG_LEASE_EXPIRY_MS 10000

typedef struct SgLease SgLease;

typedef struct SgLeaseWait {
    /* in: called once, when the lease is found held, before waiting */
    void (*on_wait)(const struct SgLeaseWait *w, void *ctx);
    void *ctx;
    /* out: */
    bool waited;        /* another process held the lease when we asked */
    bool expired;       /* ... and stopped making progress: we run without the lease */
    double ms;          /* time spent waiting */
    int64_t holder_pid; /* the holder we waited for (from its heartbeat), or 0 */
} SgLeaseWait;

/* Takes the lease of workspace `root` (an absolute path) in cache
 * directory `dir`, waiting while another process holds it and makes
 * progress. Returns NULL when running without the lease (*w says why).
 * The caller sets w->on_wait and w->ctx (or zeroes them). */
SgLease *sg_lease_acquire(const char *dir, const char *root, SgLeaseWait *w);
/* Releases and frees the lease; NULL is allowed. */
void sg_lease_release(SgLease *l);

/* sg_engine_run under the lease of its root on its cache directory (no
 * lease without an on-disk cache): what the CLI and --watch call. */
struct SgEngineOptions;
struct SgEngineRun;
bool sg_lease_engine_run(const struct SgEngineOptions *opt, struct SgEngineRun *run, char **err);

#endif
