#!/usr/bin/env python3
"""Remote cache and shared-work benchmark (part of `make bench`).

Servers are started here on 127.0.0.1 (tests/remote/servers.py). Each
measurement is a new `sigil --check` process; wall time is the best of RUNS,
CPU time (user + system of the process) is taken from its rusage.

  cold          --no-cache: the reference
  redis         a fresh clone (other path, empty local cache) whose remote was
                warmed by another clone's check with --remote-cache-write
  http          the same through nginx (WebDAV PUT)
  two at once   two cold checks of one workspace into one cache directory,
                started together: total CPU of both vs one cold check
  server down   a fresh clone with a remote that refuses connections, and one
                that does not answer (SIGSTOP, --remote-cache-timeout 2000),
                vs the same clone without a remote cache

    python3 bench/remote.py --sigil build/sigil --ws build/bench/ws10000 [--runs 3] [--jobs 2]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "remote"))
from servers import Nginx, Redis, free_port  # noqa: E402


def env():
    return {k: v for k, v in os.environ.items()
            if "proxy" not in k.lower() and not k.startswith("SIGIL_REMOTE") and k != "SIGIL_CACHE_DIR"}


def start(sigil, ws, jobs, *args):
    return subprocess.Popen([sigil, "--check", "--format", "json", "-j", str(jobs)] + list(args) + [ws],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())


def finish(p, t0):
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 1):
        sys.exit("remote bench: sigil failed (%d): %s" % (p.returncode, err.decode(errors="replace")[-500:]))
    return wall, ru.ru_utime + ru.ru_stime, json.loads(out)


def once(sigil, ws, jobs, *args):
    t0 = time.perf_counter()
    return finish(start(sigil, ws, jobs, *args), t0)


def fresh_clone(src, dst):
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".sigil-cache"))
    return dst


def best(runs, fn):
    """Runs fn() `runs` times; the result with the least wall time."""
    return min((fn() for _ in range(runs)), key=lambda r: r[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", required=True)
    ap.add_argument("--ws", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    sigil = os.path.abspath(a.sigil)
    tmp = tempfile.mkdtemp(prefix="sigil-bench-remote-")
    rows = []
    try:
        src = os.path.join(tmp, "src")
        fresh_clone(a.ws, src)
        clone = os.path.join(tmp, "clone")
        cold = best(a.runs, lambda: once(sigil, fresh_clone(src, clone), a.jobs, "--no-cache"))
        total = cold[2]["modules"]["total"]
        rows.append(("cold, --no-cache", cold, None))

        def served(server, name):
            writer = fresh_clone(src, os.path.join(tmp, "writer-" + name))
            once(sigil, writer, a.jobs, "--remote-cache", server.url(), "--remote-cache-write")
            r = best(a.runs, lambda: once(sigil, fresh_clone(src, clone), a.jobs, "--remote-cache", server.url()))
            st = r[2]["stats"]
            rows.append(("fresh clone, %s warm" % name, r, "%d/%d remote hits, %.1f MB in %.0f ms" % (
                st["remote_hits"], total, st["remote_bytes_read"] / 1e6, st["remote_ms"])))

        with Redis(tmp) as s:
            served(s, "Redis")
        with Nginx(tmp) as s:
            served(s, "nginx WebDAV")

        # two cold checks together, one cache directory
        def two():
            ws = fresh_clone(src, clone)
            cache = os.path.join(tmp, "shared-cache")
            shutil.rmtree(cache, ignore_errors=True)
            t0 = time.perf_counter()
            p1 = start(sigil, ws, a.jobs, "--cache-dir", cache)
            p2 = start(sigil, ws, a.jobs, "--cache-dir", cache)
            r1, r2 = finish(p1, t0), finish(p2, t0)
            checked = len(r1[2]["modules"]["checked"]) + len(r2[2]["modules"]["checked"])
            return max(r1[0], r2[0]), r1[1] + r2[1], r1[2], checked
        one_cached = best(a.runs, lambda: once(sigil, fresh_clone(src, clone), a.jobs))
        rows.append(("cold, with a local cache", one_cached, None))
        pair = best(a.runs, two)
        rows.append(("two cold checks together", pair[:3], "CPU %.2fx one cold check; %d modules checked in all" % (
            pair[1] / one_cached[1], pair[3])))

        # server down
        down = "redis://127.0.0.1:%d" % free_port()
        r = best(a.runs, lambda: once(sigil, fresh_clone(src, clone), a.jobs, "--remote-cache", down))
        rows.append(("remote refuses connections", r, "%d error(s)" % r[2]["stats"]["remote_errors"]))
        with Redis(tmp) as s:
            s.pause()
            try:
                r = best(1, lambda: once(sigil, fresh_clone(src, clone), a.jobs, "--remote-cache", s.url()))
            finally:
                s.resume()
        rows.append(("remote stopped (SIGSTOP)", r, "%d error(s), timeout 2000 ms" % r[2]["stats"]["remote_errors"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("remote cache and shared work: %d modules, -j%d, best wall of %d (server down, stopped: 1 run)"
          % (total, a.jobs, a.runs))
    print()
    print("%-30s %9s %9s %8s  %s" % ("scenario", "wall (s)", "CPU (s)", "vs cold", "notes"))
    print("%-30s %9s %9s %8s  %s" % ("--------", "--------", "-------", "-------", "-----"))
    for name, r, notes in rows:
        print("%-30s %9.3f %9.3f %7.0f%%  %s" % (name, r[0], r[1], 100 * r[0] / cold[0], notes or ""))


if __name__ == "__main__":
    main()
