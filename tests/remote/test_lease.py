#!/usr/bin/env python3
"""Tests of the workspace lease (cache/lease.h) between real processes:
build/lease-driver takes the lease of a root in a cache directory and holds
it; then two real `sigil --check` processes on one cold workspace. Events
are ordered (driver stamps, SIGSTOP, the waiting note), never timed.

    python3 tests/remote/test_lease.py --driver build/lease-driver --sigil build/sigil [-k NAME] [-v]
"""
import argparse
import glob
import json
import os
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from testlib import check, eq, fail, run_tests, test  # noqa: E402

DRIVER = None
SIGIL = None
ROOT = os.path.dirname(os.path.dirname(HERE))


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


# ---- two sigil processes ----

def workspace(tmp, n=120):
    """A generated workspace plus one module with a type error."""
    ws = os.path.join(tmp, "ws")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen.py"), "--modules", str(n), "--out", ws],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(ws, "zbad.sg"), "w") as f:
        f.write("fn f() -> Int {\n    return true\n}\n")
    return ws


def check_json(ws, *extra):
    p = subprocess.run([SIGIL, "--check", "--format", "json"] + list(extra) + [ws], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, json.loads(p.stdout), p.stderr


def start_check(ws, cache, env=None):
    return subprocess.Popen([SIGIL, "--check", "--format", "json", "--cache-dir", cache, ws],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))


def wait_for_holder(cache, pid, proc):
    """Until `pid` has written its heartbeat in a lease file of `cache`."""
    end = time.time() + 60
    while time.time() < end and proc.poll() is None:
        for f in glob.glob(os.path.join(cache, "leases", "*")):
            with open(f, "rb") as fh:
                head = fh.read(8)
            if len(head) == 8 and struct.unpack("<Q", head)[0] == pid:
                return
        time.sleep(0.001)
    fail("process %d never held the lease (exit status %s)" % (pid, proc.poll()))


def diagnostics(report):
    return sorted((d["file"], d["line"], d["column"], d["code"], d["message"]) for d in report["diagnostics"])


def reference(ws):
    code, rep, _ = check_json(ws, "--no-cache")
    return code, diagnostics(rep), sorted(rep["modules"]["checked"] + rep["modules"]["reused"])


@test
def two_cold_checks_check_each_module_once(tmp):
    ws = workspace(tmp)
    want_code, want_diags, modules = reference(ws)
    check(want_diags, "the workspace has an error")
    cache = os.path.join(tmp, "cache")
    a = start_check(ws, cache)
    try:
        wait_for_holder(cache, a.pid, a)
        a.send_signal(signal.SIGSTOP)   # so the second surely finds the lease held
        b = start_check(ws, cache)
        note = b.stderr.readline()
        check("waiting for another sigil process (pid %d)" % a.pid in note, "the second's note: %r" % note)
        a.send_signal(signal.SIGCONT)
        outs = []
        for p in (a, b):
            out, err = p.communicate(timeout=120)
            eq(p.returncode, want_code, "exit status (stderr %r)" % err)
            rep = json.loads(out)
            eq(diagnostics(rep), want_diags, "diagnostics")
            outs.append(rep["modules"])
    finally:
        a.send_signal(signal.SIGCONT)
        a.kill()
        a.wait()
    eq(sorted(outs[0]["checked"]), modules, "modules the first checked")
    eq(outs[1]["checked"], [], "modules the second checked")


@test
def killed_first_check_leaves_the_second_correct(tmp):
    ws = workspace(tmp)
    want_code, want_diags, modules = reference(ws)
    cache = os.path.join(tmp, "cache")
    a = start_check(ws, cache)
    b = None
    try:
        wait_for_holder(cache, a.pid, a)
        a.send_signal(signal.SIGSTOP)
        # the second would wait an hour for a stopped holder: only the kill lets it in
        b = start_check(ws, cache, env={"SIGIL_LEASE_EXPIRY_MS": "3600000"})
        note = b.stderr.readline()
        check("waiting for another sigil process (pid %d)" % a.pid in note, "the second's note: %r" % note)
        a.send_signal(signal.SIGKILL)
        out, err = b.communicate(timeout=120)
        eq(b.returncode, want_code, "exit status (stderr %r)" % err)
        rep = json.loads(out)
        eq(diagnostics(rep), want_diags, "diagnostics")
        eq(sorted(rep["modules"]["checked"] + rep["modules"]["reused"]), modules, "modules")
    finally:
        a.kill()
        a.wait()
        if b and b.poll() is None:
            b.kill()
            b.wait()
    # and the cache it left is right for a third run
    code, rep, _ = check_json(ws, "--cache-dir", cache)
    eq((code, diagnostics(rep), rep["modules"]["checked"]), (want_code, want_diags, []), "a warm run after")


@test
def stopped_first_check_expires(tmp):
    ws = workspace(tmp, n=40)
    want_code, want_diags, modules = reference(ws)
    cache = os.path.join(tmp, "cache")
    a = start_check(ws, cache)
    try:
        wait_for_holder(cache, a.pid, a)
        a.send_signal(signal.SIGSTOP)
        b = start_check(ws, cache, env={"SIGIL_LEASE_EXPIRY_MS": "300"})
        out, err = b.communicate(timeout=120)
        eq(b.returncode, want_code, "exit status (stderr %r)" % err)
        eq(diagnostics(json.loads(out)), want_diags, "diagnostics")
        check("waiting for another sigil process" in err, "no waiting note: %r" % err)
        a.send_signal(signal.SIGCONT)
        out, err = a.communicate(timeout=120)
        eq((a.returncode, diagnostics(json.loads(out))), (want_code, want_diags), "the first, resumed")
    finally:
        a.send_signal(signal.SIGCONT)
        a.kill()
        a.wait()


def main():
    global DRIVER, SIGIL
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build", "lease-driver"))
    ap.add_argument("--sigil", default=os.path.join(ROOT, "build", "sigil"))
    ap.add_argument("-k", default="")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    DRIVER = os.path.abspath(a.driver)
    SIGIL = os.path.abspath(a.sigil)
    for path in (DRIVER, SIGIL):
        if not os.access(path, os.X_OK):
            print("%s: no such binary" % path)
            print("0 passed, 1 failed")
            return 1
    return run_tests("sigil-lease-", a.k, a.v)


if __name__ == "__main__":
    sys.exit(main())
