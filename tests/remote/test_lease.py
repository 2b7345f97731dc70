#!/usr/bin/env python3
"""Tests of the workspace lease (cache/lease.h) between real processes:
build/lease-driver takes the lease of a root in a cache directory and holds
it. Events are ordered by the drivers' CLOCK_MONOTONIC stamps, never timed.

    python3 tests/remote/test_lease.py --driver build/lease-driver [-k NAME] [-v]
"""
import argparse
import json
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from testlib import check, eq, fail, run_tests, test  # noqa: E402

DRIVER = None


class Holder:
    def __init__(self, cache, root, hold_ms, env=None):
        self.p = subprocess.Popen([DRIVER, cache, root, str(hold_ms)], stdout=subprocess.PIPE, text=True,
                                  env=dict(os.environ, **(env or {})))

    def line(self):
        out = self.p.stdout.readline()
        if not out:
            fail("lease-driver ended early (status %s)" % self.p.wait())
        return json.loads(out)

    def end(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGCONT)
            self.p.kill()
        self.p.wait()
        self.p.stdout.close()


def holders(*hs):
    class Ctx:
        def __enter__(self):
            return hs

        def __exit__(self, *exc):
            for h in hs:
                h.end()
    return Ctx()


@test
def second_process_waits_for_the_first(tmp):
    a = Holder(tmp, "/work/ws", 600)
    with holders(a):
        got_a = a.line()
        check(got_a["held"] and not got_a["waited"], "first: %r" % got_a)
        b = Holder(tmp, "/work/ws", 0)
        with holders(b):
            eq(b.line(), {"waiting": True, "holder": got_a["pid"]}, "the second's first line")
            got_b = b.line()
            rel_a = a.line()
            check(got_b["held"] and got_b["waited"] and not got_b["expired"], "second: %r" % got_b)
            eq(got_b["holder"], got_a["pid"], "the holder the second waited for")
            check(got_b["at"] >= rel_a["at"], "the second had the lease at %.3f, before the first let go at %.3f"
                  % (got_b["at"], rel_a["at"]))


@test
def killed_holder_releases_at_once(tmp):
    a = Holder(tmp, "/work/ws", -1)
    with holders(a):
        got_a = a.line()
        check(got_a["held"], "first: %r" % got_a)
        # the waiter would give up only after an hour: only the kernel can let it in
        b = Holder(tmp, "/work/ws", 0, env={"SIGIL_LEASE_EXPIRY_MS": "3600000"})
        with holders(b):
            eq(b.line(), {"waiting": True, "holder": got_a["pid"]}, "the second's first line")
            a.p.send_signal(signal.SIGKILL)
            got_b = b.line()
            check(got_b["held"] and got_b["waited"] and not got_b["expired"], "second: %r" % got_b)
            eq(got_b["holder"], got_a["pid"], "holder")


@test
def stopped_holder_expires(tmp):
    a = Holder(tmp, "/work/ws", -1)
    with holders(a):
        check(a.line()["held"], "first holds")
        a.p.send_signal(signal.SIGSTOP)
        b = Holder(tmp, "/work/ws", 0, env={"SIGIL_LEASE_EXPIRY_MS": "200"})
        with holders(b):
            eq(b.line(), {"waiting": True, "holder": a.p.pid}, "the second's first line")
            got_b = b.line()
            check(not got_b["held"] and got_b["waited"] and got_b["expired"], "second: %r" % got_b)
            eq(got_b["holder"], a.p.pid, "holder")


@test
def a_beating_holder_does_not_expire(tmp):
    # the holder holds for 600 ms; expiry is 200 ms without a beat (its
    # thread beats every 10 ms when its own expiry is 200 ms too)
    a = Holder(tmp, "/work/ws", 600, env={"SIGIL_LEASE_EXPIRY_MS": "200"})
    with holders(a):
        check(a.line()["held"], "first holds")
        b = Holder(tmp, "/work/ws", 0, env={"SIGIL_LEASE_EXPIRY_MS": "200"})
        with holders(b):
            eq(b.line()["waiting"], True, "the second waits")
            got_b = b.line()
            rel_a = a.line()
            check(got_b["held"] and not got_b["expired"], "second: %r" % got_b)
            check(got_b["at"] >= rel_a["at"], "the second did not wait for the first")


@test
def other_roots_and_caches_do_not_wait(tmp):
    a = Holder(tmp, "/work/ws", -1)
    with holders(a):
        check(a.line()["held"], "first holds")
        other_cache = os.path.join(tmp, "other")
        os.mkdir(other_cache)
        for cache, root in ((tmp, "/work/other-ws"), (other_cache, "/work/ws")):
            b = Holder(cache, root, 0)
            with holders(b):
                got = b.line()
                check(got["held"] and not got["waited"], "%s %s: %r" % (cache, root, got))


@test
def the_first_run_creates_the_cache_directory(tmp):
    cache = os.path.join(tmp, "ws", ".sigil-cache")
    os.mkdir(os.path.join(tmp, "ws"))
    a = Holder(cache, "/work/ws", -1)
    with holders(a):
        check(a.line()["held"], "first holds")
        b = Holder(cache, "/work/ws", 0, env={"SIGIL_LEASE_EXPIRY_MS": "3600000"})
        with holders(b):
            eq(b.line()["waiting"], True, "the second waits")
            a.p.send_signal(signal.SIGKILL)
            check(b.line()["held"], "the second holds")


@test
def unusable_cache_directory_runs_without_a_lease(tmp):
    not_a_dir = os.path.join(tmp, "file", "cache")
    open(os.path.join(tmp, "file"), "w").close()
    b = Holder(not_a_dir, "/work/ws", 0)
    with holders(b):
        got = b.line()
        check(not got["held"] and not got["waited"], "got %r" % got)


def main():
    global DRIVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build", "lease-driver"))
    ap.add_argument("-k", default="")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    DRIVER = os.path.abspath(a.driver)
    if not os.access(DRIVER, os.X_OK):
        print("%s: no lease-driver binary" % DRIVER)
        print("0 passed, 1 failed")
        return 1
    return run_tests("sigil-lease-", a.k, a.v)


if __name__ == "__main__":
    sys.exit(main())
