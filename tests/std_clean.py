#!/usr/bin/env python3
"""The standard library must check clean (LANGUAGE.md section 9): check std/
as a workspace of its own (modules `prelude`, `list`, ...; their imports of
`std.*` resolve to the real standard library) and expect no diagnostics."""
import argparse, json, os, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--sigil", required=True)
a = ap.parse_args()
std = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "std")
p = subprocess.run([a.sigil, "--check", "--format", "json", "--no-cache", std], capture_output=True)
ok = p.returncode == 0
try:
    diags = json.loads(p.stdout)["diagnostics"]
except ValueError:
    diags, ok = ["unparsable output"], False
if diags or not ok:
    print("FAIL std checks clean: exit %d, %s" % (p.returncode, diags[:5]))
    print("0 passed, 1 failed")
    sys.exit(1)
print("1 passed, 0 failed")
