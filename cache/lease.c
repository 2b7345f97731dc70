/* lease.c - a workspace's lease on a cache directory (lease.h). Owns the
 * lease file descriptor of one run and its heartbeat thread (the only
 * thread that writes the heartbeat record; the caller's thread only starts
 * and stops it). The file itself is shared between processes through the
 * kernel's locks and the heartbeat record. */
#include "lease.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../checker/base.h"
#include "engine.h"
#include "hash.h"

/* Beats per expiry period: a waiter sees several before it would give up. */
#define BEATS_PER_EXPIRY 20

struct SgLease {
    int fd;
    uint64_t beats;         /* heartbeat thread only */
    int period_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;              /* under mu */
};

/* The heartbeat record at the start of the file: the holder's pid and a
 * counter it bumps at each sign of progress. */
typedef struct Beat {
    uint64_t pid, count;
} Beat;

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int expiry_ms(void) {
    const char *e = getenv("SIGIL_LEASE_EXPIRY_MS");
    int v = e && *e ? atoi(e) : 0;
    return v > 0 ? v : SG_LEASE_EXPIRY_MS;
}

static bool lock_byte0(int fd) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

static Beat read_beat(int fd) {
    Beat b = {0, 0};
    if (pread(fd, &b, sizeof b, 0) != (ssize_t)sizeof b) memset(&b, 0, sizeof b);
    return b;
}

static void write_beat(SgLease *l) {
    Beat b = {(uint64_t)getpid(), ++l->beats};
    /* a failed write only makes waiters give up sooner */
    if (pwrite(l->fd, &b, sizeof b, 0) != (ssize_t)sizeof b) {
    }
}

static int open_lease_file(const char *dir, const char *root) {
    char path[4096], hex[33];
    SgHash h = sg_hash(root, strlen(root));
    sg_hash_hex(&h, hex);
    /* the first run on a cache directory creates it: that is when two cold runs meet */
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) return -1;
    if (snprintf(path, sizeof path, "%s/leases", dir) >= (int)sizeof path) return -1;
    if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
    if (snprintf(path, sizeof path, "%s/leases/%.16s", dir, hex) >= (int)sizeof path) return -1;
    return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
}

static void *beat_thread(void *arg) {
    SgLease *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)l->period_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT) {
        }
        if (!l->stop) write_beat(l);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

SgLease *sg_lease_acquire(const char *dir, const char *root, SgLeaseWait *w) {
    w->waited = w->expired = false;
    w->ms = 0;
    w->holder_pid = 0;
    int fd = open_lease_file(dir, root);
    if (fd < 0) return NULL;
    double start = mono_ms(), idle_since = start;
    Beat last = {0, 0};
    int pause_ms = 1, expiry = expiry_ms();
    while (!lock_byte0(fd)) {
        if (errno != EAGAIN && errno != EACCES) {   /* no locks here (EINVAL, ENOLCK) */
            close(fd);
            return NULL;
        }
        if (!w->waited) {
            last = read_beat(fd);
            w->waited = true;
            w->holder_pid = (int64_t)last.pid;
            if (w->on_wait) w->on_wait(w, w->ctx);
        }
        struct timespec ts = {0, (long)pause_ms * 1000000L};
        nanosleep(&ts, NULL);
        if (pause_ms < 20) pause_ms *= 2;
        double now = mono_ms();
        Beat b = read_beat(fd);
        if (b.pid != last.pid || b.count != last.count) {
            last = b;
            idle_since = now;
        }
        w->holder_pid = (int64_t)last.pid;
        w->ms = now - start;
        if (now - idle_since > expiry) {
            w->expired = true;
            close(fd);
            return NULL;
        }
    }
    w->ms = mono_ms() - start;
    SgLease *l = sg_xcalloc(1, sizeof *l);
    l->fd = fd;
    l->period_ms = expiry / BEATS_PER_EXPIRY > 0 ? expiry / BEATS_PER_EXPIRY : 1;
    write_beat(l);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&l->mu, NULL);
    if (pthread_create(&l->thread, NULL, beat_thread, l) != 0) {
        /* no heartbeat: waiters will give up after the expiry, not block */
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        close(fd);
        free(l);
        return NULL;
    }
    return l;
}

void sg_lease_release(SgLease *l) {
    if (!l) return;
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    close(l->fd);   /* drops the lock */
    free(l);
}

static void say_waiting(const SgLeaseWait *w, void *ctx) {
    fprintf(stderr, "sigil: note: waiting for another sigil process (pid %lld) checking this workspace into the "
                    "same cache\n", (long long)w->holder_pid);
}

bool sg_lease_engine_run(const SgEngineOptions *opt, SgEngineRun *run, char **err) {
    SgLeaseWait w = {.on_wait = say_waiting};
    char root[PATH_MAX];
    /* the lease is the workspace's, whatever path named it */
    SgLease *l = opt->cache_dir && realpath(opt->root, root) ? sg_lease_acquire(opt->cache_dir, root, &w) : NULL;
    bool ok = sg_engine_run(opt, run, err);
    sg_lease_release(l);
    return ok;
}
