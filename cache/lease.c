/* lease.c - a workspace's lease on a cache directory (lease.h). Owns the
 * lease file descriptor of one run; the file itself is shared between
 * processes through the kernel's locks and its heartbeat record. */
#include "lease.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../checker/base.h"
#include "hash.h"

struct SgLease {
    int fd;
    uint64_t beats;
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
    if (snprintf(path, sizeof path, "%s/leases", dir) >= (int)sizeof path) return -1;
    if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
    if (snprintf(path, sizeof path, "%s/leases/%.16s", dir, hex) >= (int)sizeof path) return -1;
    return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
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
    write_beat(l);
    return l;
}

void sg_lease_beat(SgLease *l) {
    if (l) write_beat(l);
}

void sg_lease_release(SgLease *l) {
    if (!l) return;
    close(l->fd);   /* drops the lock */
    free(l);
}
