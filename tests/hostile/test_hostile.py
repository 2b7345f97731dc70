#!/usr/bin/env python3
"""Hostile input (issue 10): sources, workspaces and caches an attacker would
write, through the real binary in child processes. Each test pins down a
failure that was seen (a crash, a hang, a blow-up, a wrong answer) and the
behaviour that replaced it: a clear diagnostic or error, and exit 0, 1 or 2,
never a signal.

    python3 tests/hostile/test_hostile.py --sigil build/sigil [-k NAME] [-v]

Ends with `N passed, N failed`. Standard library only.
"""

import argparse
import json
import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import inputs  # noqa: E402
from testlib import Skip, binary_ok, check, eq, fail, run_tests, test  # noqa: E402

TIMEOUT = 60
SIGIL = None
ASAN = False    # the binary is built with AddressSanitizer: no address-space limit


class Result:
    def __init__(self, args, p):
        self.args = args
        self.rc = p.returncode
        self.out_b = p.stdout
        self.err_b = p.stderr
        self.out = p.stdout.decode("utf-8", "replace")
        self.err = p.stderr.decode("utf-8", "replace")

    def brief(self):
        def clip(s):
            return s if len(s) < 400 else s[:400] + "...(%d chars)" % len(s)
        return "[sigil %s -> rc=%s, stdout=%r, stderr=%r]" % (
            " ".join(self.args)[:200], self.rc, clip(self.out), clip(self.err))


def env():
    e = dict(os.environ)
    for k in ("SIGIL_STD", "SIGIL_CACHE_DIR", "NO_COLOR", "FORCE_COLOR"):
        e.pop(k, None)
    return e


def run(args, cwd=None, limits=None, timeout=TIMEOUT):
    """Runs sigil; `limits` maps resource.RLIMIT_* to a soft and hard limit."""
    def preexec():
        for what, value in (limits or {}).items():
            resource.setrlimit(what, (value, value))
    try:
        p = subprocess.run([SIGIL] + list(args), cwd=cwd, env=env(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           preexec_fn=preexec if limits else None)
    except subprocess.TimeoutExpired:
        fail("sigil %s: still running after %d s" % (" ".join(args)[:200], timeout))
    r = Result(list(args), p)
    if r.rc < 0:
        fail("sigil %s: killed by signal %d %s" % (" ".join(args)[:200], -r.rc, r.brief()))
    return r


def check_json(root, *extra, limits=None, rc=None):
    r = run(["--check", "--no-cache", "--format", "json"] + list(extra) + [root], limits=limits)
    if rc is not None and r.rc != rc:
        fail("exit status %d, expected %d %s" % (r.rc, rc, r.brief()))
    try:
        return r, json.loads(r.out)
    except ValueError as e:
        fail("stdout is not JSON (%s) %s" % (e, r.brief()))


def codes(obj):
    return sorted(d["code"] for d in obj["diagnostics"])


def write(root, files):
    for rel, text in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)


def workspace(tmp, name, files):
    root = os.path.join(tmp, name)
    os.makedirs(root, exist_ok=True)
    write(root, files)
    return root


# ------------------------------------------------------------ 1. deep nesting


@test
def test_deep_statement_nesting_is_one_e010(tmp):
    # issue 10 item 1: 100,000 nested `while` bodies overflowed the stack (exit 139)
    for construct in sorted(inputs.NESTING):
        root = workspace(tmp, construct, {"a.sg": inputs.nesting(construct, 100000)})
        r, obj = check_json(root, rc=1)
        got = [(d["code"], d["message"]) for d in obj["diagnostics"]]
        check(len(got) >= 1 and got[0][0] == "E010" and "too deeply" in got[0][1],
              "%s: expected one E010 for the nesting, got %r" % (construct, got[:3]))
    # the chain forms: operators, and chains inside chains
    for name, text in (("chain", inputs.chain(100000)), ("chains", inputs.chains_in_parens(199, 799))):
        root = workspace(tmp, name, {"a.sg": text})
        r, obj = check_json(root, rc=1)
        eq(codes(obj), ["E010"], "%s: diagnostics" % name)


@test
def test_nesting_within_the_limits_checks_normally(tmp):
    files = {"w.sg": inputs.nesting("while", 150), "e.sg": inputs.nesting("else_if", 900),
             "c.sg": inputs.chain(900)}
    root = workspace(tmp, "ok", files)
    r, obj = check_json(root, rc=0)
    eq(codes(obj), [], "diagnostics")


def main():
    global SIGIL, ASAN
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", default=os.environ.get("SIGIL", "build/sigil"))
    ap.add_argument("-k", default="")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    SIGIL = os.path.abspath(a.sigil)
    if not binary_ok(SIGIL):
        return 1
    with open(SIGIL, "rb") as f:
        ASAN = b"AddressSanitizer" in f.read()
    return run_tests("sigil-hostile-", a.k, a.v)


if __name__ == "__main__":
    sys.exit(main())
