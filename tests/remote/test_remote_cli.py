#!/usr/bin/env python3
"""The remote cache through real sigil processes (CONTRACT.md "Shared remote
cache"): clones at different paths sharing results through redis-server and
nginx (WebDAV), read-only clients, and faults, each ending with the
diagnostics and exit code of a --no-cache check. Servers are started here on
127.0.0.1 on free ports with temporary configurations.

    python3 tests/remote/test_remote_cli.py --sigil build/sigil --driver build/remote-driver [-k NAME] [-v]
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from testlib import check, eq, fail, run_tests, test  # noqa: E402
from servers import FaultHTTP, Nginx, Redis, free_port  # noqa: E402

SIGIL = None
DRIVER = None
WARNING = "sigil: warning: remote cache "


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if "proxy" not in k.lower() and not k.startswith("SIGIL_REMOTE") and k != "SIGIL_CACHE_DIR"}
    env.update(extra)
    return env


def make_workspace(tmp, name="a", n=60):
    """A generated workspace plus a module with a type error and one with a warning."""
    ws = os.path.join(tmp, name)
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen.py"), "--modules", str(n), "--out", ws],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(ws, "zbad.sg"), "w") as f:
        f.write("fn f() -> Int {\n    return true\n}\n")
    return ws


def clone(tmp, ws, name):
    """Another checkout of the same sources at another path, without a cache."""
    dst = os.path.join(tmp, name)
    shutil.copytree(ws, dst, ignore=shutil.ignore_patterns(".sigil-cache"))
    return dst


def run(ws, *args, env=None):
    p = subprocess.run([SIGIL, "--check", "--format", "json"] + list(args) + [ws], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=env or clean_env(), timeout=300)
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        fail("not JSON (exit %d): %r; stderr %r" % (p.returncode, p.stdout[:300], p.stderr))
    return p.returncode, rep, [l for l in p.stderr.split("\n") if l]


def diags(rep):
    return sorted((d["file"], d["line"], d["column"], d["code"], d["message"]) for d in rep["diagnostics"])


def reference(ws):
    code, rep, _ = run(ws, "--no-cache")
    check(rep["diagnostics"], "the workspace has diagnostics")
    return code, diags(rep), rep["modules"]["total"]


def same_as_no_cache(ws, got, what):
    code, rep, err = got
    want_code, want_diags, _ = reference(ws)
    eq((code, diags(rep)), (want_code, want_diags), "%s: exit code and diagnostics" % what)


def warm_remote(tmp, url, *extra):
    """Clone a checks with writing on; returns its workspace and module count."""
    a = make_workspace(tmp)
    code, rep, err = run(a, "--remote-cache", url, "--remote-cache-write", *extra)
    eq(err, [], "the writer's stderr")
    st = rep["stats"]
    eq((st["remote_hits"], st["remote_errors"]), (0, 0), "the writer's remote hits and errors")
    check(st["remote_bytes_written"] > 0, "the writer wrote nothing")
    return a, rep["modules"]["total"]


def second_clone_served(tmp, url):
    a, total = warm_remote(tmp, url)
    b = clone(tmp, a, "b-elsewhere")
    got = run(b, "--remote-cache", url, "--stats")
    code, rep, err = got
    eq(err, [], "stderr")
    eq((rep["stats"]["remote_hits"], rep["stats"]["remote_misses"]), (total, 0), "remote hits, misses")
    eq((rep["modules"]["checked"], rep["stats"]["remote_bytes_written"]), ([], 0), "checked, written")
    same_as_no_cache(b, got, "the second clone")
    # the hits went into its local cache: the next run asks the remote nothing
    code, rep, err = run(b, "--remote-cache", url)
    eq((rep["stats"]["remote_hits"], rep["stats"]["remote_misses"], rep["modules"]["checked"]), (0, 0, []),
       "a warm run")


@test
def redis_second_clone_is_served_from_the_remote(tmp):
    with Redis(tmp) as s:
        second_clone_served(tmp, s.url())


@test
def nginx_second_clone_is_served_from_the_remote(tmp):
    with Nginx(tmp) as s:
        second_clone_served(tmp, s.url())


@test
def stats_line(tmp):
    with Redis(tmp) as s:
        a, total = warm_remote(tmp, s.url())
        b = clone(tmp, a, "b")
        p = subprocess.run([SIGIL, "--check", "--stats", "--remote-cache", s.url(), b], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=clean_env())
        line = [l for l in p.stdout.split("\n") if l.startswith("Remote cache: ")]
        eq(len(line), 1, "remote cache lines in %r" % p.stdout)
        check(line[0].startswith("Remote cache: %d/%d hits (100.0%%), " % (total, total)) and " MB read in " in line[0],
              "the line: %r" % line[0])


@test
def read_only_client_writes_nothing(tmp):
    with Redis(tmp) as s:
        a = make_workspace(tmp)
        code, rep, err = run(a, "--remote-cache", s.url())
        eq((rep["stats"]["remote_bytes_written"], err), (0, []), "bytes written, stderr")
        eq(s.cmd("DBSIZE"), 0, "keys on the server")
        # the environment, too
        b = clone(tmp, a, "b")
        run(b, env=clean_env(SIGIL_REMOTE_CACHE=s.url()))
        eq(s.cmd("DBSIZE"), 0, "keys on the server")
        run(clone(tmp, a, "c"), env=clean_env(SIGIL_REMOTE_CACHE=s.url(), SIGIL_REMOTE_CACHE_WRITE="1"))
        check(s.cmd("DBSIZE") > 0, "SIGIL_REMOTE_CACHE_WRITE=1 wrote nothing")


@test
def no_remote_cache_ignores_the_environment(tmp):
    with Redis(tmp) as s:
        a = make_workspace(tmp)
        code, rep, err = run(a, "--no-remote-cache", "--remote-cache-write",
                             env=clean_env(SIGIL_REMOTE_CACHE=s.url()))
        check("remote_hits" not in rep["stats"], "remote stats without a remote: %r" % rep["stats"])
        eq(s.cmd("DBSIZE"), 0, "keys on the server")


@test
def no_server(tmp):
    a = make_workspace(tmp)
    got = run(a, "--remote-cache", "redis://127.0.0.1:%d" % free_port(), "--remote-cache-write")
    eq(len(got[2]), 1, "stderr lines %r" % got[2])
    check(got[2][0].startswith(WARNING) and "continuing without it" in got[2][0], "warning %r" % got[2][0])
    eq(got[1]["stats"]["remote_errors"], 1, "remote errors")
    same_as_no_cache(a, got, "no server")


@test
def stopped_server_times_out(tmp):
    for kind in (Redis, Nginx):
        with kind(tmp) as s:
            a, total = warm_remote_in(tmp, kind.__name__, s)
            b = clone(tmp, a, "b-" + kind.__name__)
            s.pause()
            try:
                got = run(b, "--remote-cache", s.url(), "--remote-cache-timeout", "300")
            finally:
                s.resume()
            eq(len(got[2]), 1, "stderr lines %r" % got[2])
            check("timed out after 300 ms" in got[2][0], "warning %r" % got[2][0])
            eq(got[1]["stats"]["remote_hits"], 0, "hits")
            same_as_no_cache(b, got, "stopped %s" % kind.__name__)


def warm_remote_in(tmp, sub, s):
    d = os.path.join(tmp, sub)
    os.makedirs(d)
    return warm_remote(d, s.url())


def keys(s):
    return s.cmd("KEYS", "sigil:*")


def is_pack(value):
    """A pack of entries (cache/remote.h): its payload, after the 32-byte
    frame header, starts with "SGPK"."""
    return value[32:36] == b"SGPK"


def entries(s):
    return [k for k in keys(s) if not is_pack(s.cmd("GET", k))]


def packs(s):
    return [k for k in keys(s) if is_pack(s.cmd("GET", k))]


def redis_calls(s, command):
    stats = s.cmd("INFO", "commandstats").decode()
    line = next((l for l in stats.split("\r\n") if l.startswith("cmdstat_%s:" % command)), "calls=0,")
    return int(line.split("calls=")[1].split(",")[0])


def driver(url, *lines):
    p = subprocess.run([DRIVER, url, "--write"], input="\n".join(lines) + "\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=clean_env())
    eq(p.returncode, 0, "remote-driver (stderr %r)" % p.stderr)
    return [json.loads(l) for l in p.stdout.split("\n") if l]


@test
def damaged_entries_are_misses(tmp):
    with Redis(tmp) as s:
        a, total = warm_remote(tmp, s.url())
        eq(len(entries(s)), total, "entries")
        check(packs(s), "no packs")
        # the packs are damaged too: else they would serve the entries
        all_keys = sorted(keys(s))
        values = {k: s.cmd("GET", k) for k in all_keys}
        cases = {}
        # flipped bytes, truncations, swaps between keys, another format, absurdly large
        for i, k in enumerate(all_keys):
            v = values[k]
            mode = 4 if i == len(all_keys) - 1 else i % 4
            if mode == 0:
                b = bytearray(v)
                b[len(b) // 2] ^= 0x40
                v = bytes(b)
            elif mode == 1:
                v = v[: len(v) // 2]
            elif mode == 2:
                v = values[all_keys[(i + 1) % len(all_keys)]]
            elif mode == 3:     # the same payload in a well-formed frame of another format
                payload = v[32:-8]
                v = bytes.fromhex(driver("redis://127.0.0.1:1", "frame #%s 99 x:%s" % (k[6:].decode(), payload.hex()))[0]["hex"])
            else:   # a frame header claiming a 40 MiB value, and the 40 MiB
                big = 40 << 20
                v = b"SGRC" + struct.pack("<I", 1) + bytes.fromhex(k[6:].decode()) + struct.pack("<Q", big)
                v += b"\0" * big + b"\0" * 8
            s.cmd("SET", k, v)
            cases[mode] = cases.get(mode, 0) + 1
        check(all(cases.get(m) for m in range(5)), "every kind of damage: %r" % cases)
        b = clone(tmp, a, "b")
        got = run(b, "--remote-cache", s.url())
        eq(got[2], [], "stderr")
        eq((got[1]["stats"]["remote_hits"], got[1]["stats"]["remote_errors"]), (0, 0), "hits, errors")
        check(got[1]["stats"]["remote_bytes_read"] < 40 << 20, "the large entries were read whole")
        eq(sorted(got[1]["modules"]["checked"]), sorted(got[1]["modules"]["checked"] + got[1]["modules"]["reused"]),
           "every module checked")
        same_as_no_cache(b, got, "damaged entries")


def served_by_packs(tmp, s, edit=None):
    """A 300-module workspace written to `s`, then a clone of it (changed by
    edit(clone) first) read through it: its run, the GETRANGE calls it made,
    and how many packs the server holds."""
    a = make_workspace(tmp, n=300)
    run(a, "--remote-cache", s.url(), "--remote-cache-write")
    npacks = len(packs(s))
    check(0 < npacks <= 64, "packs: %d" % npacks)
    eq(len(entries(s)), 302, "entries")
    b = clone(tmp, a, "b")
    if edit:
        edit(b)
    s.cmd("CONFIG", "RESETSTAT")
    got = run(b, "--remote-cache", s.url())
    same_as_no_cache(b, got, "the clone")
    return got, redis_calls(s, "getrange"), npacks


@test
def packs_serve_a_clone_in_few_requests(tmp):
    # 300 modules in at most 64 packs: a clone with the same sources asks
    # for the packs and nothing else
    with Redis(tmp) as s:
        got, calls, npacks = served_by_packs(tmp, s)
        eq((got[2], got[1]["stats"]["remote_hits"], got[1]["modules"]["checked"]), ([], 302, []),
           "stderr, hits, checked")
        # GETRANGE: a pack's first 64 KiB, then the rest of the longer ones
        check(npacks <= calls <= 2 * npacks, "GETRANGE calls: %d for %d packs" % (calls, npacks))


@test
def a_clone_that_differs_misses_one_pack(tmp):
    # one file edited: its group's pack key changes, so that group's
    # modules are asked for on their own; the others come from packs
    def edit(b):
        with open(os.path.join(b, "zbad.sg"), "a") as f:
            f.write("\nfn added() -> Int {\n    return 2\n}\n")

    with Redis(tmp) as s:
        got, calls, npacks = served_by_packs(tmp, s, edit)
        eq((got[2], got[1]["stats"]["remote_hits"], got[1]["modules"]["checked"]), ([], 301, ["zbad"]),
           "stderr, hits, checked")
        check(npacks < calls < npacks + 302 // 8, "GETRANGE calls: %d for %d packs" % (calls, npacks))


@test
def damaged_packs_fall_back_to_entries(tmp):
    # every pack flipped, truncated, or made to hold another pack: the
    # entries are asked for on their own and serve every module
    with Redis(tmp) as s:
        a = make_workspace(tmp, n=120)
        run(a, "--remote-cache", s.url(), "--remote-cache-write")
        ps = sorted(packs(s))
        values = [s.cmd("GET", k) for k in ps]
        for i, k in enumerate(ps):
            v = values[i]
            if i % 3 == 0:
                b = bytearray(v)
                b[len(b) // 2] ^= 0x10
                v = bytes(b)
            elif i % 3 == 1:
                v = v[: len(v) - 100]
            else:
                v = values[(i + 1) % len(values)]
            s.cmd("SET", k, v)
        b = clone(tmp, a, "b")
        got = run(b, "--remote-cache", s.url())
        eq((got[2], got[1]["stats"]["remote_hits"], got[1]["modules"]["checked"]), ([], 122, []),
           "stderr, hits, checked")
        same_as_no_cache(b, got, "damaged packs")
        # a writer puts back the packs it found damaged
        w = clone(tmp, a, "w")
        run(w, "--remote-cache", s.url(), "--remote-cache-write")
        eq(sorted(packs(s)), ps, "packs after a writer's run")
        eq([s.cmd("GET", k) for k in ps], values, "the packs a writer wrote again")


@test
def entries_whose_results_no_longer_hold(tmp):
    # the clone differs: a module everything builds on is gone, another edited.
    # Its importers' entries are found (their import lists spare parsing
    # them to link), but their results do not hold: they are checked.
    with Redis(tmp) as s:
        a, total = warm_remote(tmp, s.url())
        b = clone(tmp, a, "b")
        bottom = os.path.join(b, sorted(d for d in os.listdir(b) if d.startswith("l"))[0])
        first, second = sorted(os.listdir(bottom))[:2]
        os.remove(os.path.join(bottom, first))
        with open(os.path.join(bottom, second), "a") as f:
            f.write("\npub fn added_here() -> Int {\n    return 1\n}\n")
        got = run(b, "--remote-cache", s.url())
        eq(got[2], [], "stderr")
        check(0 < got[1]["stats"]["remote_hits"] < total - 2, "remote hits: %d" % got[1]["stats"]["remote_hits"])
        check(len(got[1]["modules"]["checked"]) > 1, "checked: %r" % got[1]["modules"]["checked"])
        same_as_no_cache(b, got, "a changed clone")


@test
def result_of_other_sources_is_not_used(tmp):
    # an entry written for one version of a module, under another version's key
    with Redis(tmp) as s:
        a, total = warm_remote(tmp, s.url())
        before = set(keys(s))
        path = os.path.join(a, "zbad.sg")
        with open(path, "a") as f:
            f.write("\nfn g() -> Int {\n    return 1\n}\n")
        run(a, "--remote-cache", s.url(), "--remote-cache-write")
        new = set(entries(s)) - before
        eq(len(new), 1, "new entries")
        new_key = new.pop()
        with open(path) as f:
            src = f.read()
        with open(path, "w") as f:
            f.write(src.replace("\nfn g() -> Int {\n    return 1\n}\n", ""))
        old_keys = [k for k in before if s.cmd("GET", k)]
        # every old entry and pack now holds the new version's entry (valid
        # frames, wrong keys inside)
        for k in old_keys:
            s.cmd("SET", k, s.cmd("GET", new_key))
        b = clone(tmp, a, "b")
        got = run(b, "--remote-cache", s.url())
        eq(got[1]["stats"]["remote_hits"], 0, "hits")
        same_as_no_cache(b, got, "swapped entries")


@test
def redis_auth_failure(tmp):
    with Redis(tmp, password="right") as s:
        a = make_workspace(tmp)
        for url in (s.url(password="wrong"), s.url()):
            got = run(clone(tmp, a, "c%d" % len(url)), "--remote-cache", url, "--remote-cache-write")
            eq(len(got[2]), 1, "stderr %r" % got[2])
            check("authentication failed" in got[2][0] or "NOAUTH" in got[2][0], "warning %r" % got[2][0])
            same_as_no_cache(a, got, url)
        eq(s.cmd("DBSIZE"), 0, "keys written without the password")
        got = run(clone(tmp, a, "ok"), "--remote-cache", s.url(password="right"), "--remote-cache-write")
        eq(got[2], [], "stderr with the password")
        check(s.cmd("DBSIZE") > 0, "nothing written with the password")


@test
def redis_full_with_noeviction(tmp):
    with Redis(tmp, conf="maxmemory 1200kb\nmaxmemory-policy noeviction") as s:
        a = make_workspace(tmp, n=200)
        got = run(a, "--remote-cache", s.url(), "--remote-cache-write")
        eq(len(got[2]), 1, "stderr %r" % got[2])
        check("OOM" in got[2][0] and "not writing to it" in got[2][0], "warning %r" % got[2][0])
        same_as_no_cache(a, got, "a full Redis")
        stored = s.cmd("DBSIZE")
        check(0 < stored < got[1]["modules"]["total"], "entries stored: %d" % stored)
        # what fitted is served
        b = clone(tmp, a, "b")
        got = run(b, "--remote-cache", s.url())
        eq(got[1]["stats"]["remote_hits"], stored, "hits")
        same_as_no_cache(b, got, "reading a full Redis")


@test
def http_faults(tmp):
    a = make_workspace(tmp)
    for mode, needle in (("500", "HTTP status 500"), ("404", None), ("redirect", None),
                         ("redirect-loop", "redirect"), ("slow", "timed out after 300 ms")):
        with FaultHTTP(mode, delay=3.0) as srv:
            w = clone(tmp, a, "w-" + mode)
            # a slow server is slower than the limit; the others answer well within it
            limit = "300" if mode == "slow" else "5000"
            got_w = run(w, "--remote-cache", srv.url(), "--remote-cache-write", "--remote-cache-timeout", limit)
            b = clone(tmp, a, "b-" + mode)
            got = run(b, "--remote-cache", srv.url(), "--remote-cache-timeout", limit)
            same_as_no_cache(w, got_w, "writer, %s" % mode)
            same_as_no_cache(b, got, "reader, %s" % mode)
            if needle:
                eq(len(got[2]), 1, "%s: stderr %r" % (mode, got[2]))
                check(needle in got[2][0], "%s: warning %r" % (mode, got[2][0]))
            else:
                eq(got[2], [], "%s: stderr" % mode)
            if mode == "redirect":
                eq(got[1]["stats"]["remote_hits"], got[1]["modules"]["total"], "hits through redirects")
            if mode == "404":
                eq((got[1]["stats"]["remote_hits"], got[1]["stats"]["remote_errors"]), (0, 0), "404: hits, errors")


@test
def watch_reads_through_it_on_start_up(tmp):
    with Redis(tmp) as s:
        a, total = warm_remote(tmp, s.url())
        b = clone(tmp, a, "b")
        p = subprocess.Popen([SIGIL, "--watch", "--format", "json", b], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=clean_env(SIGIL_REMOTE_CACHE=s.url()))
        try:
            rep = json.loads(p.stdout.readline())
        finally:
            p.terminate()
            p.communicate(timeout=30)
        eq((rep["stats"]["remote_hits"], rep["modules"]["checked"]), (total, []), "remote hits, checked")
        want_code, want_diags, _ = reference(b)
        eq(diags(rep), want_diags, "diagnostics")


def lsp_message(p):
    length = None
    while True:
        line = p.stdout.readline()
        if not line:
            fail("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(p.stdout.read(length))


def lsp_send(p, msg):
    body = json.dumps(msg).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    p.stdin.flush()


@test
def language_server_reads_through_it_on_start_up(tmp):
    with Redis(tmp) as s:
        a, total = warm_remote(tmp, s.url())
        b = clone(tmp, a, "b")
        log = os.path.join(tmp, "lsp.log")
        p = subprocess.Popen([SIGIL, "--lsp", "--log", log], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=clean_env())
        try:
            lsp_send(p, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"processId": None, "rootUri": "file://" + b, "capabilities": {},
                                    "initializationOptions": {"remoteCache": {"url": s.url(), "timeoutMs": 5000}}}})
            while lsp_message(p).get("id") != 1:
                pass
            lsp_send(p, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
            # the start-up run's log line
            end = time.time() + 120
            line = None
            while not line and time.time() < end:
                with open(log) as f:
                    line = next((l for l in f if " modules (" in l), None)
                time.sleep(0.01)
            check(line, "no start-up run in the log")
            lsp_send(p, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            while lsp_message(p).get("id") != 2:
                pass
            lsp_send(p, {"jsonrpc": "2.0", "method": "exit"})
            eq(p.wait(timeout=30), 0, "the server's exit status")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        check("(%d from cache)" % total in line, "the start-up run: %r" % line)
        eq(len(entries(s)), total, "entries (the server wrote none)")
        # what it read went into the clone's local cache
        code, rep, err = run(b)
        eq(rep["modules"]["checked"], [], "modules a CLI run checks after the server")


@test
def bad_options(tmp):
    a = make_workspace(tmp, n=5)
    for args, needle in ((["--remote-cache", "ftp://h/x"], "unknown remote cache scheme"),
                         (["--remote-cache="], "needs a URL"),
                         (["--remote-cache-timeout", "0"], "milliseconds"),
                         (["--no-cache", "--remote-cache", "redis://h"], "not with --no-cache")):
        p = subprocess.run([SIGIL, "--check"] + args + [a], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=clean_env())
        eq(p.returncode, 2, "exit code of %r" % args)
        check(needle in p.stderr, "%r: stderr %r" % (args, p.stderr))
    # a bad URL in the environment is a warning, not bad usage
    code, rep, err = run(a, env=clean_env(SIGIL_REMOTE_CACHE="nonsense"))
    eq(code, 1, "exit code")
    eq(len(err), 1, "stderr %r" % err)
    check("$SIGIL_REMOTE_CACHE" in err[0], "warning %r" % err[0])


def main():
    global SIGIL, DRIVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", default=os.path.join(ROOT, "build", "sigil"))
    ap.add_argument("--driver", default=os.path.join(ROOT, "build", "remote-driver"))
    ap.add_argument("-k", default="")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    SIGIL, DRIVER = os.path.abspath(a.sigil), os.path.abspath(a.driver)
    for path in (SIGIL, DRIVER):
        if not os.access(path, os.X_OK):
            print("%s: no such binary" % path)
            print("0 passed, 1 failed")
            return 1
    return run_tests("sigil-remote-cli-", a.k, a.v)


if __name__ == "__main__":
    sys.exit(main())
