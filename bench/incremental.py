#!/usr/bin/env python3
"""Incremental benchmark (part of `make bench`).

On a copy of a generated workspace (mtimes preserved, so the file index can
trust unchanged files), each measurement is a new `sigil --check` process
with the on-disk cache:

  cold         no cache yet (builds it)
  warm no-op   nothing changed
  comment      a comment edit in the bottom-layer module l00/m0000
  body         a body-only edit there
  signature    a new pub fn there (export hash changes; no importer used it)
  param        a parameter added to its constructor function, then removed:
               only the modules that call it are re-checked
  field        a field type of its struct changed, then back: the modules
               that use the struct, directly or through signatures that
               mention it
(the last two leave diagnostics in the workspace, the others keep it clean)

Prints wall time, peak RSS and the number of modules re-checked. Each edit
scenario is repeated RUNS times (edit, then measure) and the best time kept;
the no-op likewise.

    python3 bench/incremental.py --sigil build/sigil --ws build/bench/ws10000 [--runs 3] [--jobs 2]
"""
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(sigil, ws, jobs, clean=True):
    t0 = time.perf_counter()
    p = subprocess.Popen([sigil, "--check", "--format", "json", "-j", str(jobs), ws],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    _, _, ru = os.wait4(p.pid, 0) if False else (0, 0, None)
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode not in (0, 1):
        sys.exit("incremental: sigil failed (%d): %s" % (p.returncode, err.decode(errors="replace")[-500:]))
    rep = json.loads(out)
    if clean and rep["diagnostics"]:
        sys.exit("incremental: workspace not clean: %s" % rep["diagnostics"][:3])
    return wall, rss_kib, len(rep["modules"]["checked"])


def measure(sigil, ws, jobs, clean=True):
    # ru_maxrss of RUSAGE_CHILDREN is a maximum over all children so far, so
    # each measurement runs in a fresh python child to get its own peak.
    code = ("import sys, json; sys.path.insert(0, %r); import incremental as m; "
            "print(json.dumps(m.run(%r, %r, %d, %r)))" % (HERE, sigil, ws, jobs, clean))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    return json.loads(out)


def edit(ws, kind):
    subprocess.run([sys.executable, os.path.join(HERE, "edit.py"), ws, kind], check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", required=True)
    ap.add_argument("--ws", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    sigil = os.path.abspath(a.sigil)
    tmp = tempfile.mkdtemp(prefix="sigil-inc-")
    try:
        ws = os.path.join(tmp, "ws")
        shutil.copytree(a.ws, ws, copy_function=shutil.copy2,
                        ignore=shutil.ignore_patterns(".sigil-cache"))
        rows = [("cold (builds the cache)",) + tuple(measure(sigil, ws, a.jobs))]
        time.sleep(2.1)  # past the racy-mtime window of the cold run's index
        best = min((measure(sigil, ws, a.jobs) for _ in range(a.runs)), key=lambda r: r[0])
        rows.append(("warm no-op",) + tuple(best))
        for kind in ("comment", "body", "signature"):
            results = []
            for _ in range(a.runs):
                edit(ws, kind)
                results.append(measure(sigil, ws, a.jobs))
            rows.append((kind + " edit of l00/m0000",) + tuple(min(results, key=lambda r: r[0])))
        for kind in ("param", "field"):
            for step in ("", " (back)"):
                edit(ws, kind)
                rows.append((kind + " edit of l00/m0000" + step,) + tuple(measure(sigil, ws, a.jobs, clean=False)))
        print("incremental runs, -j%d, new process each, best of %d (%s)" % (a.jobs, a.runs, a.ws))
        print("%-28s %10s %10s %10s" % ("scenario", "wall (ms)", "RSS (MiB)", "re-checked"))
        for name, wall, rss, checked in rows:
            print("%-28s %10.1f %10.1f %10d" % (name, wall * 1000, rss / 1024, checked))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
