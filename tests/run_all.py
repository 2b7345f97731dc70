#!/usr/bin/env python3
"""Runs every test suite (`make test`) and prints one summary line.

Each suite is a program that ends its output with `N passed, N failed`
(optionally `, N skipped`). A suite that exits non-zero without such a line
counts as one failure. The last line here is the sum over all suites.
"""
import argparse, os, re, subprocess, sys

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    build = os.path.join(root, a.build)
    sigil = os.path.join(build, "sigil")
    py = sys.executable or "python3"
    suites = [
        ("unit", [os.path.join(build, "unit-tests")]),
        ("conformance", [py, os.path.join(here, "conformance.py"), "--sigil", sigil]),
        ("cli", [py, os.path.join(here, "cli", "test_cli.py"), "--sigil", sigil]),
        ("cache", [py, os.path.join(here, "cache", "test_cache.py"), "--sigil", sigil]),
        ("per-name", [py, os.path.join(here, "cache", "per_name.py"), "--sigil", sigil, "--steps", "40", "--sessions", "4"]),
        ("hostile", [py, os.path.join(here, "hostile", "test_hostile.py"), "--sigil", sigil]),
        ("remote", [py, os.path.join(here, "remote", "test_remote.py"), "--driver", os.path.join(build, "remote-driver")]),
        ("remote-cli", [py, os.path.join(here, "remote", "test_remote_cli.py"), "--sigil", sigil,
                        "--driver", os.path.join(build, "remote-driver")]),
        ("lease", [py, os.path.join(here, "remote", "test_lease.py"), "--driver", os.path.join(build, "lease-driver"),
                   "--sigil", sigil]),
        ("std", [py, os.path.join(here, "std_clean.py"), "--sigil", sigil]),
        ("watch", [py, os.path.join(here, "watch", "test_watch.py"), "--sigil", sigil]),
        ("sarif", ["node", os.path.join(here, "sarif", "test_sarif.mjs")]),
        ("lsp", ["bash", os.path.join(here, "lsp", "run.sh")]),
        ("lsp-soak", ["node", os.path.join(here, "lsp", "soak", "soak.mjs")]),
        # the differential tests, briefly (make soak runs them long)
        ("diff-cli", ["node", os.path.join(here, "diff", "cli.mjs"), "--sigil", sigil, "--steps", "250", "--time", "30", "--max-minimize", "1", "--minimize-time", "30"]),
        ("diff-selftest", ["node", os.path.join(here, "diff", "selftest.mjs"), "--sigil", sigil]),
        ("diff-lsp", ["node", os.path.join(here, "diff", "lsp.mjs"), "--sigil", sigil, "--steps", "40", "--time", "30", "--max-minimize", "1", "--minimize-time", "60"]),
        ("nvim", ["bash", os.path.join(here, "nvim", "run.sh")]),
        ("editors", ["bash", os.path.join(here, "editors", "run.sh")]),
    ]
    total = [0, 0, 0]
    for name, cmd in suites:
        if not os.path.exists(cmd[0] if name == "unit" else cmd[1]):
            print("== %s: missing (%s)" % (name, cmd[1] if name != "unit" else cmd[0]))
            total[1] += 1
            continue
        print("== %s" % name, flush=True)
        env = dict(os.environ, SIGIL=sigil)
        p = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        out = p.stdout.decode(errors="replace").rstrip("\n").split("\n")
        m = SUMMARY.match(out[-1].strip()) if out else None
        for line in out[:-1] if m else out:
            if line.strip():
                print("   " + line)
        if not m:
            print("   %s: no summary line (exit status %d)" % (name, p.returncode))
            total[1] += 1
            continue
        counts = [int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)]
        print("   %s" % out[-1].strip())
        if p.returncode != 0 and counts[1] == 0:
            counts[1] = 1
        for i in range(3):
            total[i] += counts[i]
    line = "%d passed, %d failed" % (total[0], total[1])
    if total[2]:
        line += ", %d skipped" % total[2]
    print(line)
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
