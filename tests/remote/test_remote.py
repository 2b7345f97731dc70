#!/usr/bin/env python3
"""Tests of the remote cache layer (cache/remote.h) against real servers:
redis-server and nginx (WebDAV PUT) started here on 127.0.0.1 on free ports
with temporary configurations, and a fault-injecting HTTP server. The layer
is driven through build/remote-driver (tests/remote/driver.c).

    python3 tests/remote/test_remote.py --driver build/remote-driver [-k NAME] [-v]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from testlib import check, eq, fail, run_tests, test  # noqa: E402
from servers import FaultHTTP, Nginx, Redis, free_port  # noqa: E402

DRIVER = None
WARNING = "sigil: warning: remote cache "


class Driver:
    """One remote-driver process: one SgRemote, i.e. one run's worth."""

    def __init__(self, url, *opts):
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        self.p = subprocess.Popen([DRIVER, url] + list(opts), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env)

    def do(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline()
        if not out:
            fail("remote-driver died on %r: %s" % (line, self.p.stderr.read()))
        return json.loads(out)

    def finish(self):
        """Ends the driver; returns (stats, stderr lines)."""
        stats = self.do("stats")
        self.p.stdin.close()
        err = self.p.stderr.read()
        code = self.p.wait(timeout=60)
        eq(code, 0, "remote-driver exit status (stderr: %s)" % err)
        return stats, [l for l in err.split("\n") if l]


def one_warning(lines, *needles):
    eq(len(lines), 1, "stderr lines %r" % lines)
    check(lines[0].startswith(WARNING), "not a remote-cache warning: %r" % lines[0])
    for n in needles:
        check(n in lines[0], "warning %r lacks %r" % (lines[0], n))


def hexkey(name):
    d = Driver("redis://127.0.0.1:1")
    h = d.do("key " + name)["hex"]
    d.finish()
    return h


def frame(name, fmt, value):
    d = Driver("redis://127.0.0.1:1")
    h = d.do("frame %s %s %s" % (name, fmt, value))["hex"]
    d.finish()
    return bytes.fromhex(h)


# ---- backends behind one shape: url(), raw_get(hex), raw_set(hex, bytes), count() ----

class RedisBackend:
    def __init__(self, tmp, **kw):
        self.s = Redis(tmp, **kw)

    def url(self):
        return self.s.url()

    def raw_get(self, h):
        return self.s.cmd("GET", "sigil:" + h)

    def raw_set(self, h, data):
        self.s.cmd("SET", "sigil:" + h, data)

    def count(self):
        return self.s.cmd("DBSIZE")


class NginxBackend:
    def __init__(self, tmp):
        self.s = Nginx(tmp)

    def url(self):
        return self.s.url()

    def raw_get(self, h):
        try:
            with open(self.s.entry_path(h), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def raw_set(self, h, data):
        p = self.s.entry_path(h)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)

    def count(self):
        return len(self.s.entries())


BACKENDS = [("redis", RedisBackend), ("nginx", NginxBackend)]


def both(fn):
    """Registers fn(tmp, backend) once per backend."""
    for name, cls in BACKENDS:
        def t(tmp, fn=fn, cls=cls):
            b = cls(tmp)
            try:
                fn(tmp, b)
            finally:
                b.s.stop()
        t.__name__ = "%s_%s" % (name, fn.__name__)
        test(t)
    return fn


@both
def roundtrip_and_stats(tmp, b):
    d = Driver(b.url(), "--write")
    d.do("put alpha hello")
    d.do("put beta @5000")
    eq(d.do("get alpha beta gamma"), {"found": [True, True, False], "values": ["hello", "@5000", None]}, "get")
    eq(d.do("has alpha gamma")["found"], [True, False], "has")
    stats, err = d.finish()
    eq(err, [], "stderr")
    eq((stats["hits"], stats["misses"], stats["errors"], stats["puts"]), (2, 1, 0, 2), "hits, misses, errors, puts")
    frames = 2 * 40 + 5 + 5000
    eq((stats["bytes_read"], stats["bytes_written"]), (frames, frames), "bytes read, written")
    # a second process (another clone, another run) reads the same entries
    d = Driver(b.url())
    eq(d.do("get beta alpha")["values"], ["@5000", "hello"], "values in a new process")
    d.finish()


@both
def long_values(tmp, b):
    # longer than the first read of an entry (64 KiB): the rest comes in a second pass
    d = Driver(b.url(), "--write")
    d.do("put long @200000")
    d.do("put edge @65496")             # a frame of exactly 64 KiB
    d.do("putn many 30 70000")
    eq(d.do("get long edge")["values"], ["@200000", "@65496"], "values")
    eq(d.do("getn many 30 70000"), {"hits": 30, "good": 30}, "getn")
    stats, err = d.finish()
    eq((stats["errors"], stats["rejected"], err), (0, 0, []), "errors, rejected, stderr")


@both
def read_only_client_writes_nothing(tmp, b):
    d = Driver(b.url())
    d.do("put alpha hello")
    d.do("putn many 50 100")
    eq(d.do("get alpha")["found"], [False], "found after a read-only put")
    stats, err = d.finish()
    eq((stats["puts"], stats["bytes_written"], err), (0, 0, []), "puts, bytes written, stderr")
    eq(b.count(), 0, "entries on the server")


@both
def batches_of_thousands(tmp, b):
    d = Driver(b.url(), "--write")
    d.do("putn m 3000 300")
    eq(d.do("getn m 3000 300"), {"hits": 3000, "good": 3000}, "getn")
    eq(d.do("getn other 700 300"), {"hits": 0, "good": 0}, "getn of absent keys")
    stats, err = d.finish()
    eq((stats["hits"], stats["misses"], stats["errors"], err), (3000, 700, 0, []), "stats")
    eq(b.count(), 3000, "entries on the server")


@both
def damaged_entries_are_misses(tmp, b):
    d = Driver(b.url(), "--write")
    for n in ("flip", "trunc", "swap-a", "swap-b", "foreign", "empty", "junk", "good"):
        d.do("put %s @300" % n)
    d.finish()
    flip = bytearray(b.raw_get(hexkey("flip")))
    flip[100] ^= 1
    b.raw_set(hexkey("flip"), bytes(flip))
    b.raw_set(hexkey("trunc"), b.raw_get(hexkey("trunc"))[:-9])
    b.raw_set(hexkey("swap-a"), b.raw_get(hexkey("swap-b")))     # a valid entry of another key
    b.raw_set(hexkey("foreign"), frame("foreign", 99, "@300"))    # a valid frame of another format
    b.raw_set(hexkey("empty"), b"")
    b.raw_set(hexkey("junk"), b"SGRC" + b"\xff" * 60)
    # bytes that are a well-formed frame, but for a value of 40 MiB
    b.raw_set(hexkey("huge"), frame("huge", "current", "@%d" % (40 << 20)))
    d = Driver(b.url())
    got = d.do("get flip trunc swap-a foreign empty junk huge good swap-b")
    eq(got["found"], [False] * 7 + [True, True], "found")
    eq(got["values"][7:], ["@300", "@300"], "the good entries")
    stats, err = d.finish()
    # Redis has no empty values: GETRANGE answers "" for a missing key
    rejected = 6 if isinstance(b, RedisBackend) else 7
    eq((stats["hits"], stats["misses"], stats["rejected"], stats["errors"]), (2, 7, rejected, 0),
       "hits, misses, rejected, errors")
    eq(err, [], "stderr")
    check(stats["bytes_read"] < (33 << 20), "read %d bytes: the huge entry was not cut off" % stats["bytes_read"])


@both
def server_killed_mid_run(tmp, b):
    d = Driver(b.url(), "--write", "--timeout", "1000")
    d.do("putn k 200 100")
    eq(d.do("getn k 200 100"), {"hits": 200, "good": 200}, "before the kill")
    b.s.kill()
    eq(d.do("getn k 200 100"), {"hits": 0, "good": 0}, "after the kill")
    d.do("putn j 10 100")
    eq(d.do("getn k 200 100"), {"hits": 0, "good": 0}, "later")
    stats, err = d.finish()
    check(stats["disabled"], "still trying after the server died")
    check(1 <= stats["errors"] <= 16, "errors: %d (one batch's requests in flight at most)" % stats["errors"])
    one_warning(err, "continuing without it")


@both
def stopped_server_times_out_once(tmp, b):
    d = Driver(b.url(), "--write", "--timeout", "300")
    d.do("put alpha hello")
    b.s.pause()
    eq(d.do("get alpha")["found"], [False], "found while stopped")
    errors = d.do("stats")["errors"]
    eq(d.do("getn k 100 10")["hits"], 0, "later gets")
    d.do("put beta x")
    stats, err = d.finish()
    b.s.resume()
    check(stats["disabled"], "still trying after a timeout")
    eq(stats["errors"], errors, "errors after being disabled (requests were still sent)")
    one_warning(err, "timed out after 300 ms")


@test
def redis_no_server(tmp):
    d = Driver("redis://:secret@127.0.0.1:%d" % free_port(), "--write")
    eq(d.do("get alpha beta")["found"], [False, False], "found")
    d.do("putn k 10 10")
    d.do("get alpha")
    stats, err = d.finish()
    eq((stats["errors"], stats["disabled"]), (1, True), "errors, disabled")
    one_warning(err, "cannot connect", "Connection refused", "redis://:***@127.0.0.1")
    check("secret" not in err[0], "the password is shown: %r" % err[0])


@test
def http_no_server(tmp):
    d = Driver("http://user:secret@127.0.0.1:%d/c" % free_port(), "--write")
    eq(d.do("get alpha beta")["found"], [False, False], "found")
    d.do("put a b")
    stats, err = d.finish()
    check(stats["disabled"] and 1 <= stats["errors"] <= 2, "stats %r" % stats)
    one_warning(err, "http://user:***@127.0.0.1")
    check("secret" not in err[0], "the password is shown: %r" % err[0])


@test
def redis_auth(tmp):
    with Redis(tmp, password="s3cret") as s:
        d = Driver(s.url(password="s3cret"), "--write")
        d.do("put alpha hello")
        eq(d.do("get alpha")["values"], ["hello"], "with the password")
        stats, err = d.finish()
        eq((stats["errors"], err), (0, []), "errors, stderr")
        for url, needle in ((s.url(password="wrong"), "authentication failed"), (s.url(), "NOAUTH")):
            d = Driver(url, "--write")
            eq(d.do("get alpha")["found"], [False], "found with %s" % url)
            d.do("put beta x")
            d.do("get alpha")
            stats, err = d.finish()
            eq((stats["errors"], stats["disabled"]), (1, True), "errors, disabled with %s" % url)
            one_warning(err, needle)
        eq(s.cmd("DBSIZE"), 1, "entries (beta must not have been written)")


@test
def redis_full_with_noeviction(tmp):
    with Redis(tmp, conf="maxmemory 2mb\nmaxmemory-policy noeviction") as s:
        d = Driver(s.url(), "--write")
        d.do("putn k 400 20000")          # 8 MB into 2 MB
        stats = d.do("stats")
        check(stats["writes_disabled"] and not stats["disabled"], "stats %r" % stats)
        stored = stats["puts"]
        check(0 < stored < 400, "puts: %d" % stored)
        eq(stats["errors"], 400 - stored, "errors (the refused SETs of the pipeline)")
        d.do("putn later 5 10")
        eq(d.do("getn k 400 20000"), {"hits": stored, "good": stored}, "reads go on")
        stats, err = d.finish()
        eq((stats["errors"], stats["puts"]), (400 - stored, stored), "errors, puts at the end: no more writes")
        one_warning(err, "OOM", "not writing to it")


@test
def redis_unix_socket_and_database(tmp):
    with Redis(tmp, unix=True) as s:
        d = Driver("redis+unix://%s?db=3" % s.unix, "--write")
        d.do("put alpha hello")
        eq(d.do("get alpha")["values"], ["hello"], "get")
        stats, err = d.finish()
        eq((stats["errors"], err), (0, []), "errors, stderr")
        c = s.client()
        eq(c.cmd("DBSIZE"), 0, "entries in database 0")
        c.cmd("SELECT", 3)
        eq(c.cmd("EXISTS", "sigil:" + hexkey("alpha")), 1, "the entry in database 3")
        c.close()
        d = Driver(s.url(db=3))
        eq(d.do("get alpha")["values"], ["hello"], "over TCP, database 3")
        d.finish()


@test
def redis_wrong_type_is_an_error_not_a_crash(tmp):
    with Redis(tmp) as s:
        s.cmd("RPUSH", "sigil:" + hexkey("alpha"), "x")
        d = Driver(s.url())
        eq(d.do("get alpha")["found"], [False], "found")
        stats, err = d.finish()
        eq((stats["errors"], stats["disabled"]), (1, False), "errors, disabled")
        one_warning(err, "WRONGTYPE")


@test
def http_layout_is_ccache_like(tmp):
    with Nginx(tmp) as s:
        d = Driver(s.url() + "/", "--write")
        d.do("put alpha hello")
        d.finish()
        h = hexkey("alpha")
        eq(s.entries(), [os.path.join(s.root, h[:2], h)], "files")


def fault(mode, fn, **kw):
    with FaultHTTP(mode, **kw) as srv:
        fn(srv)


@test
def http_404_is_a_miss(tmp):
    def go(srv):
        d = Driver(srv.url(), "--write")
        d.do("put alpha hello")
        eq(d.do("get alpha beta")["found"], [False, False], "found")
        eq(d.do("has alpha")["found"], [False], "has")
        stats, err = d.finish()
        eq((stats["misses"], stats["errors"], err), (2, 0, []), "misses, errors, stderr")
    fault("404", go)


@test
def http_500_stops_after_three_in_a_row(tmp):
    def go(srv):
        d = Driver(srv.url(), "--write")
        eq(d.do("get a")["found"], [False], "get")
        eq(d.do("get b")["found"], [False], "get")
        stats = d.do("stats")
        eq((stats["errors"], stats["disabled"]), (2, False), "after two failures")
        d.do("get c")
        d.do("getn k 50 10")
        stats, err = d.finish()
        eq((stats["errors"], stats["disabled"]), (3, True), "errors, disabled")
        one_warning(err, "HTTP status 500")
        eq(len(srv.requests), 3, "requests sent")
    fault("500", go)


@test
def http_put_refusals_stop_only_writes(tmp):
    def go(srv):
        d = Driver(srv.url(), "--write")
        srv.mode = "500"
        d.do("putn k 20 10")
        stats = d.do("stats")
        check(stats["writes_disabled"] and not stats["disabled"], "stats %r" % stats)
        check(3 <= stats["errors"] <= 16, "errors: %d" % stats["errors"])
        srv.mode = "ok"
        srv.store["/c/%s/%s" % (hexkey("x")[:2], hexkey("x"))] = frame("x", "current", "hi")
        eq(d.do("get x")["values"], ["hi"], "reads go on")
        d.finish()
    fault("ok", go)


@test
def http_redirects_are_followed(tmp):
    def go(srv):
        d = Driver(srv.url(), "--write")
        d.do("put alpha @1000")
        eq(d.do("get alpha")["values"], ["@1000"], "get through a redirect")
        eq(d.do("has alpha")["found"], [True], "head through a redirect")
        stats, err = d.finish()
        eq((stats["errors"], err), (0, []), "errors, stderr")
        check(any(p.startswith("/moved/") for m, p in srv.requests if m == "PUT"), "the PUT was not redirected")
    fault("redirect", go)


@test
def http_redirect_loop_is_an_error(tmp):
    def go(srv):
        d = Driver(srv.url())
        eq(d.do("get alpha")["found"], [False], "found")
        stats, err = d.finish()
        eq(stats["errors"], 1, "errors")
        one_warning(err, "redirect")
    fault("redirect-loop", go)


@test
def http_slow_server_times_out(tmp):
    def go(srv):
        d = Driver(srv.url(), "--timeout", "300")
        eq(d.do("getn k 40 10")["hits"], 0, "hits")
        d.do("get alpha")
        stats, err = d.finish()
        check(stats["disabled"], "still trying after a timeout")
        check(1 <= stats["errors"] <= 16, "errors %d" % stats["errors"])
        one_warning(err, "timed out after 300 ms")
    fault("slow", go, delay=3.0)


@test
def http_huge_responses_are_cut_off(tmp):
    for mode in ("huge", "huge-chunked"):
        def go(srv):
            d = Driver(srv.url())
            eq(d.do("get alpha beta")["found"], [False, False], "found (%s)" % mode)
            stats, err = d.finish()
            eq((stats["misses"], stats["rejected"], stats["errors"], stats["disabled"]), (2, 2, 0, False),
               "misses, rejected, errors, disabled (%s)" % mode)
            eq(err, [], "stderr (%s)" % mode)
        fault(mode, go)


def main():
    global DRIVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build", "remote-driver"))
    ap.add_argument("-k", default="")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    DRIVER = os.path.abspath(a.driver)
    if not os.access(DRIVER, os.X_OK):
        print("%s: no remote-driver binary" % DRIVER)
        print("0 passed, 1 failed")
        return 1
    return run_tests("sigil-remote-", a.k, a.v)


if __name__ == "__main__":
    sys.exit(main())
