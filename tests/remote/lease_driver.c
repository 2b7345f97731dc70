/* lease_driver.c - takes a workspace lease (cache/lease.h) for the tests
 * in test_lease.py:
 *
 *   lease-driver DIR ROOT HOLD_MS
 *
 * Prints {"waiting":true,"holder":PID} if it finds the lease held, then
 * one JSON line when it has the lease (or gave up waiting):
 *   {"held":B,"waited":B,"expired":B,"holder":PID,"pid":PID,"at":MS}
 * then, if held, holds it for HOLD_MS (-1: until killed) and prints {"released":true,"at":MS} after letting go. "at" is the
 * CLOCK_MONOTONIC time in ms, so the tests can order events between
 * processes without timing them. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../cache/lease.h"

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void on_wait(const SgLeaseWait *w, void *ctx) {
    printf("{\"waiting\":true,\"holder\":%lld}\n", (long long)w->holder_pid);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: lease-driver DIR ROOT HOLD_MS\n");
        return 2;
    }
    int hold = atoi(argv[3]);
    SgLeaseWait w = {.on_wait = on_wait};
    SgLease *l = sg_lease_acquire(argv[1], argv[2], &w);
    printf("{\"held\":%s,\"waited\":%s,\"expired\":%s,\"holder\":%lld,\"pid\":%d,\"at\":%.3f}\n",
           l ? "true" : "false", w.waited ? "true" : "false", w.expired ? "true" : "false",
           (long long)w.holder_pid, (int)getpid(), mono_ms());
    fflush(stdout);
    if (!l) return 0;
    for (int t = 0; hold < 0 || t < hold; t += 20) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    sg_lease_release(l);
    printf("{\"released\":true,\"at\":%.3f}\n", mono_ms());
    return 0;
}
