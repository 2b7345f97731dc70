#!/usr/bin/env python3
"""Conformance runner: runs every case of tests/conformance/ and, when it
exists, of ../shared/conformance/ (new cases are picked up from there).

A plain case passes when the multiset of (file, line, code) reported by
`sigil --check --format json --no-cache CASE` equals the `//~ CODE` annotations.
Cases with steps/ exercise the incremental engine: each step's files are
applied in a scratch copy and `sigil --check --format json ROOT` (default
cache location) must report exactly the step's diagnostics and, when given,
the `checked` modules. SIGIL_CONFORMANCE_STEPS=0 skips them.

A directory's `pending.json` lists under `checked_superset` cases whose
`checked` lists were written ahead of the engine: a step of such a case passes
when the reported list is a superset of the expected one (more work, never
less), and the case is reported as pending rather than passed.

Ends with `N passed, N failed, N skipped`; exit 1 if anything failed.
"""
import argparse, collections, json, os, re, shutil, subprocess, sys, tempfile

ANNOTATION = re.compile(r"//~((?:\s+[EW]\d{3})+)\s*$")


def expected(case):
    want = collections.Counter()
    for dirpath, dirs, files in os.walk(case):
        dirs[:] = [d for d in dirs if d != "steps" and not d.startswith(".")]
        for name in files:
            if not name.endswith(".sg"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, case).replace(os.sep, "/")
            text = open(path, "rb").read().decode("utf-8", "replace")
            for lineno, line in enumerate(text.split("\n"), 1):
                m = ANNOTATION.search(line)
                if m:
                    for code in m.group(1).split():
                        want[(rel, lineno, code)] += 1
    return want


def check(sigil, root, no_cache):
    cmd = [sigil, "--check", "--format", "json"] + (["--no-cache"] if no_cache else []) + [root]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    if p.returncode not in (0, 1):
        return None, "exit status %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[-400:])
    try:
        report = json.loads(p.stdout)
    except ValueError as e:
        return None, "output is not JSON (%s)" % e
    has_errors = any(d["severity"] == "error" for d in report["diagnostics"])
    if (p.returncode == 1) != has_errors:
        return None, "exit status %d does not match the diagnostics" % p.returncode
    return report, None


def reported(report):
    return collections.Counter((d["file"], d["line"], d["code"]) for d in report["diagnostics"])


def compare(want, got):
    parts = []
    if want - got:
        parts.append("missing " + ", ".join("%s:%d %s" % k for k in sorted(want - got)))
    if got - want:
        parts.append("unexpected " + ", ".join("%s:%d %s" % k for k in sorted(got - want)))
    return "; ".join(parts)


def run_plain(sigil, case):
    report, err = check(sigil, case, True)
    return err or compare(expected(case), reported(report))


def apply_step(step_dir, ws):
    for dirpath, _, files in os.walk(step_dir):
        for name in files:
            src = os.path.join(dirpath, name)
            rel = os.path.relpath(src, step_dir)
            if rel == ".delete":
                for line in open(src):
                    line = line.strip()
                    if line and os.path.exists(os.path.join(ws, line)):
                        os.remove(os.path.join(ws, line))
                continue
            dst = os.path.join(ws, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)


def run_steps(sigil, case, superset=False, inexact=None):
    inexact = [] if inexact is None else inexact
    tmp = tempfile.mkdtemp(prefix="sigil-conf-")
    try:
        ws = os.path.join(tmp, "ws")
        shutil.copytree(case, ws, ignore=shutil.ignore_patterns("steps", "CASE.md"))
        n = 0
        while os.path.exists(os.path.join(case, "steps", "%d.json" % n)):
            if n > 0 and os.path.isdir(os.path.join(case, "steps", str(n))):
                apply_step(os.path.join(case, "steps", str(n)), ws)
            exp = json.load(open(os.path.join(case, "steps", "%d.json" % n)))
            report, err = check(sigil, ws, False)
            if err:
                return "step %d: %s" % (n, err)
            want = collections.Counter(tuple(x) for x in exp.get("diagnostics", []))
            diff = compare(want, reported(report))
            if diff:
                return "step %d: %s" % (n, diff)
            if "checked" in exp:
                got_checked, want_checked = sorted(report["modules"]["checked"]), sorted(exp["checked"])
                ok = set(want_checked) <= set(got_checked) if superset else got_checked == want_checked
                if superset and got_checked != want_checked:
                    inexact.append("step %d: checked %s, expected %s" % (n, got_checked, want_checked))
                if not ok:
                    return "step %d: checked %s, expected %s%s" % (n, got_checked, want_checked,
                                                                  " or a superset" if superset else "")
            n += 1
        return "" if n else "no steps/0.json"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", required=True)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    # the shared cases (copied), then sigil's own cases in the same format
    dirs = a.dirs or [os.path.join(here, "conformance"), os.path.join(here, "cases")]
    shared = os.path.normpath(os.path.join(here, "..", "..", "shared", "conformance"))
    if not a.dirs and os.path.isdir(shared):
        dirs.append(shared)
    steps_enabled = os.environ.get("SIGIL_CONFORMANCE_STEPS", "1") == "1"
    passed = failed = skipped = pending = 0
    for d in dirs:
        pending_names = set()
        if os.path.exists(os.path.join(d, "pending.json")):
            pending_names = set(json.load(open(os.path.join(d, "pending.json"))).get("checked_superset", []))
        for name in sorted(os.listdir(d)):
            case = os.path.join(d, name)
            if not os.path.isdir(case):
                continue
            label = "%s/%s" % (os.path.basename(os.path.dirname(case)), name)
            if os.path.isdir(os.path.join(case, "steps")):
                if not steps_enabled:
                    skipped += 1
                    if a.verbose:
                        print("skip %s (incremental case)" % label)
                    continue
                inexact = []
                msg = run_steps(a.sigil, case, name in pending_names, inexact)
            else:
                msg = run_plain(a.sigil, case)
            if msg:
                failed += 1
                print("FAIL conformance %s: %s" % (label, msg[:600]))
            elif name in pending_names:
                passed += 1
                pending += 1
                print("pending %s: checked lists compared as supersets (pending.json); %s" %
                      (label, "; ".join(inexact) if inexact else "they are also exact"))
            else:
                passed += 1
                if a.verbose:
                    print("ok   %s" % label)
    if pending:
        print("%d of the passed cases are pending (pending.json)" % pending)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
