#!/usr/bin/env python3
"""Command-line tests for `sigil` (README.md, docs/sigil.1, docs/language.md, docs/errors.md).

Runs the real binary in child processes on workspaces written to fresh
temporary directories. Standard library only.

    python3 tests/cli/test_cli.py --sigil build/sigil [-k SUBSTRING] [-v]

Prints one line per failing test and ends with `N passed, N failed`; exits 1
if anything failed. Skipped tests are reported on stderr only.
"""

import argparse
import json
import os
import pty
import re
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import Skip, TestFailure, TESTS, binary_ok, check, eq, fail, run_tests, test  # noqa: E402
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60

SIGIL = None  # absolute path of the binary under test, set in main()
CUR_TMP = None  # the running test's temporary directory: the default working directory

SUMMARY_RE = re.compile(
    r"^checked (\d+) modules? \((\d+) from cache\) in (\d+(?:\.\d+)?) ms: "
    r"(\d+) errors?, (\d+) warnings?$")
CACHE_LINE_RE = re.compile(r"^Cache: (\d+)/(\d+) modules cached \((\d+(?:\.\d+)?)% hit rate\)$")
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ELAPSED_RE = re.compile(rb'("elapsed_ms"\s*:\s*)-?[0-9.eE+-]+')
HUMAN_TIME_RE = re.compile(rb"in \d+(?:\.\d+)? ms:")

MISMATCH_FI = "type mismatch: expected Float, found Int"


# ---------------------------------------------------------------- framework


class Result:
    def __init__(self, args, rc, out_b, err_b):
        self.args = args
        self.rc = rc
        self.out_b = out_b
        self.err_b = err_b
        self.out = out_b.decode("utf-8", "replace")
        self.err = err_b.decode("utf-8", "replace")

    def brief(self):
        return "[sigil %s -> rc=%s, stdout=%r, stderr=%r]" % (
            " ".join(self.args), self.rc, clip(self.out), clip(self.err))


def clip(s, n=300):
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def base_env(**extra):
    env = dict(os.environ)
    for k in ("SIGIL_STD", "SIGIL_CACHE_DIR", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"):
        env.pop(k, None)
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run(args, cwd=None, env=None):
    """Runs the binary with stdin from /dev/null and stdout/stderr as pipes,
    in `cwd` (default: the test's temporary directory)."""
    try:
        p = subprocess.run([SIGIL] + list(args), cwd=cwd or CUR_TMP, env=env or base_env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        fail("sigil %s: timed out after %ds" % (" ".join(args), TIMEOUT))
    r = Result(list(args), p.returncode, p.stdout, p.stderr)
    if r.rc < 0:
        fail("sigil %s: killed by signal %d (crash) %s" % (" ".join(args), -r.rc, r.brief()))
    return r


def run_pty(args, cwd=None, env=None):
    """Runs the binary with stdout and stderr on a pseudo-terminal."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([SIGIL] + list(args), cwd=cwd or CUR_TMP, env=env or base_env(),
                             stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    chunks = []
    deadline = time.time() + TIMEOUT
    try:
        while True:
            left = deadline - time.time()
            if left <= 0:
                p.kill()
                p.wait()
                fail("sigil %s (on a tty): timed out" % " ".join(args))
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    rc = p.wait()
    if rc < 0:
        fail("sigil %s (on a tty): killed by signal %d" % (" ".join(args), -rc))
    return rc, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def write(root, files):
    for rel, content in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)


def run_json(args, cwd=None, env=None, expect_rc=None):
    r = run(["--check", "--format", "json"] + list(args), cwd=cwd, env=env)
    if expect_rc is not None and r.rc != expect_rc:
        fail("exit status %d, expected %d %s" % (r.rc, expect_rc, r.brief()))
    try:
        text = r.out_b.decode("utf-8")  # strict: JSON output must be UTF-8
    except UnicodeDecodeError as e:
        fail("JSON output is not valid UTF-8: %s %s" % (e, r.brief()))
    try:
        obj = json.loads(text)
    except ValueError as e:
        fail("stdout is not one JSON document: %s %s" % (e, r.brief()))
    check(isinstance(obj, dict), "JSON output is not an object %s" % r.brief())
    return r, obj


def diag_tuples(obj, keys=("file", "line", "column", "code")):
    return [tuple(d.get(k) for k in keys) for d in obj.get("diagnostics", [])]


def col_of(line_text, needle, nth=0):
    """1-based code-point column of the nth occurrence of needle in line_text."""
    i = -1
    for _ in range(nth + 1):
        i = line_text.index(needle, i + 1)
    return i + 1


def human_lines(r):
    return r.out.split("\n")[:-1] if r.out.endswith("\n") else r.out.split("\n")


def last_summary(r):
    lines = [l for l in human_lines(r) if l.strip()]
    check(lines, "no output at all %s" % r.brief())
    m = SUMMARY_RE.match(lines[-1])
    check(m, "last line %r does not match the summary format %s" % (lines[-1], r.brief()))
    return m


# ---------------------------------------------------------------- workspaces

CLEAN_WS = {
    "geo/point.sg": (
        "pub struct Point { x: Float, y: Float }\n"
        "\n"
        "pub fn origin() -> Point {\n"
        "    Point { x: 0.0, y: 0.0 }\n"
        "}\n"),
    "geo/shape.sg": (
        "import geo.point.{Point}\n"
        "import std.math\n"
        "\n"
        "pub enum Shape { Circle(Point, Float), Empty }\n"
        "\n"
        "pub fn area(s: Shape) -> Float {\n"
        "    match s {\n"
        "        Circle(_, r) => math.PI * r * r,\n"
        "        Empty => 0.0,\n"
        "    }\n"
        "}\n"),
    "main.sg": (
        "import geo.point\n"
        "import geo.shape\n"
        "\n"
        "fn main() {\n"
        "    let s = shape.Circle(point.origin(), 2.0)\n"
        "    print(float_to_string(shape.area(s)))\n"
        "}\n"),
}
CLEAN_MODULES = ["geo.point", "geo.shape", "main"]

# One E201 on a line that has multi-byte characters before the error.
E201_LINE = '    print(float_to_string(util.take("h\u00e9llo w\u00f6rld \u20ac5 \U0001F600", 3)))'
E201_WS = {
    "util.sg": "pub fn take(label: String, x: Float) -> Float { x }\n",
    "main.sg": "import util\n\nfn main() {\n" + E201_LINE + "\n}\n",
}
E201_COL = col_of(E201_LINE, "3)")  # code points, not bytes

# Several diagnostics in several files, some in a subdirectory.
JSON_WS = {
    "app.sg": (
        "import geo.shape\n"
        "fn main() {\n"
        "    let unused = 1\n"                                   # W002 3:9-15
        "    print(float_to_string(shape.area(shape.Empty)))\n"
        "}\n"),
    "geo/point.sg": (
        "pub struct Point { x: Float, y: Float }\n"
        "fn take2(a: Float, b: Float) -> Float { a + b }\n"
        "pub fn make() -> Point {\n"
        "    let _t = take2(1, 2)\n"                             # E201 x2 on line 4
        "    Point { x: 1.5, y: 2.0 }\n"
        "}\n"
        "pub fn unit_radius() -> Float { 1 }\n"),                # E201 7:33
    "geo/shape.sg": (
        "import geo.point\n"
        "import std.math\n"
        "pub enum Shape { Circle(point.Point, Float), Empty }\n"
        "pub fn area(s: Shape) -> Float {\n"
        "    match s {\n"
        "        Circle(_, r) => math.PI * r * r,\n"
        "        Empty => 0.0,\n"
        "    }\n"
        "}\n"),
    "zeta.sg": (
        "pub fn z() -> Int {\n"
        '    let _s: String = 5\n'                               # E201 String/Int
        "    0\n"
        "}\n"),
}
JSON_MODULES = ["app", "geo.point", "geo.shape", "zeta"]


def json_expected():
    l4 = "    let _t = take2(1, 2)"
    l7 = "pub fn unit_radius() -> Float { 1 }"
    return [
        ("app.sg", "app", 3, 9, 3, 15, "warning", "W002", None),
        ("geo/point.sg", "geo.point", 4, col_of(l4, "1,"), 4, col_of(l4, "1,") + 1, "error", "E201", MISMATCH_FI),
        ("geo/point.sg", "geo.point", 4, col_of(l4, "2)"), 4, col_of(l4, "2)") + 1, "error", "E201", MISMATCH_FI),
        ("geo/point.sg", "geo.point", 7, col_of(l7, "1"), 7, col_of(l7, "1") + 1, "error", "E201", MISMATCH_FI),
        ("zeta.sg", "zeta", 2, 22, 2, 23, "error", "E201", "type mismatch: expected String, found Int"),
    ]


# ---------------------------------------------------------------- tests: human format

@test
def test_clean_human_summary(tmp):
    write(tmp, CLEAN_WS)
    r = run(["--check", tmp])
    eq(r.rc, 0, "exit status on a clean workspace " + r.brief())
    lines = [l for l in human_lines(r) if l.strip()]
    eq(len(lines), 1, "number of non-empty output lines on a clean workspace " + r.brief())
    m = last_summary(r)
    eq(m.group(0), "checked 3 modules (0 from cache) in %s ms: 0 errors, 0 warnings" % m.group(3),
       "summary line")


@test
def test_e201_human_format(tmp):
    write(tmp, E201_WS)
    r = run(["--check", tmp])
    eq(r.rc, 1, "exit status with one E201 " + r.brief())
    check("\x1b" not in r.out and "\x1b" not in r.err, "ANSI escape in piped output " + r.brief())
    lines = human_lines(r)
    eq(len(lines), 7, "number of output lines (diagnostic, source, caret, note, its source and marks, summary) "
       + r.brief())
    eq(lines[0], "main.sg:4:%d: error[E201]: %s" % (E201_COL, MISMATCH_FI), "diagnostic line")
    src = re.match(r"^( *)4 \| (.*)$", lines[1])
    check(src, "source line %r does not look like '   4 | <source>'" % lines[1])
    eq(src.group(2), E201_LINE, "quoted source line")
    bar = lines[1].index("|")
    car = re.match(r"^( *)\| ( *)(\^+) *$", lines[2])
    check(car, "caret line %r does not look like '     | <spaces>^'" % lines[2])
    eq(lines[2].index("|"), bar, "column of '|' in the caret line vs the source line")
    eq(len(car.group(2)) + 1, E201_COL, "caret column (code points) under %r" % E201_LINE)
    eq(len(car.group(3)), 1, "number of carets under the one-character literal")
    eq(lines[3:6], ["util.sg:1:28: note: expected because of this parameter",
                    "    1 | pub fn take(label: String, x: Float) -> Float { x }",
                    "      |                            --------"], "the note on the parameter")
    m = last_summary(r)
    eq(m.group(0), "checked 2 modules (0 from cache) in %s ms: 1 error, 0 warnings" % m.group(3),
       "summary line")


@test
def test_no_color_when_piped_or_no_color(tmp):
    write(tmp, E201_WS)
    plain = run(["--check", "--no-cache", tmp])
    r = run(["--check", "--no-cache", tmp], env=base_env(NO_COLOR="1"))
    eq(r.rc, 1, "exit status " + r.brief())
    check("\x1b" not in r.out and "\x1b" not in r.err, "ANSI escape with NO_COLOR=1 " + r.brief())
    eq(HUMAN_TIME_RE.sub(b"", r.out_b), HUMAN_TIME_RE.sub(b"", plain.out_b),
       "output with NO_COLOR=1 vs plain piped output")


@test
def test_no_color_on_terminal(tmp):
    write(tmp, E201_WS)
    rc, out = run_pty(["--check", tmp], env=base_env(NO_COLOR="1", TERM="xterm-256color"))
    eq(rc, 1, "exit status on a tty with NO_COLOR=1")
    check("\x1b" not in out, "ANSI escape on a terminal with NO_COLOR=1: %r" % clip(out))


@test
def test_colour_on_terminal_same_text(tmp):
    # Colour may be used on a terminal, but must not change the text.
    write(tmp, E201_WS)
    plain = run(["--check", "--no-cache", tmp])
    rc, out = run_pty(["--check", "--no-cache", tmp], env=base_env(TERM="xterm-256color"))
    eq(rc, 1, "exit status on a tty")
    stripped = ANSI_RE.sub("", out)
    check("\x1b" not in stripped, "stray escape sequence on a tty: %r" % clip(out))
    norm = lambda s: re.sub(r"in \d+(?:\.\d+)? ms:", "", s)
    eq(norm(stripped), norm(plain.out), "tty output with colours removed vs piped output")


@test
def test_stats_line(tmp):
    write(tmp, CLEAN_WS)
    r = run(["--check", "--stats", tmp])
    eq(r.rc, 0, "exit status " + r.brief())
    lines = [l for l in human_lines(r) if l.strip()]
    eq(len(lines), 2, "lines with --stats (summary, cache line) " + r.brief())
    check(SUMMARY_RE.match(lines[0]), "summary line %r" % lines[0])
    m = CACHE_LINE_RE.match(lines[1])
    check(m, "cache line %r does not match 'Cache: H/N modules cached (P%% hit rate)'" % lines[1])
    eq(int(m.group(2)), 3, "module count in the cache line")
    eq(int(m.group(1)), int(SUMMARY_RE.match(lines[0]).group(2)),
       "cached modules in the cache line vs '(K from cache)'")


# ---------------------------------------------------------------- tests: JSON format

def check_json_report(obj, root_real, expected, modules):
    eq(obj.get("version"), 1, "version")
    eq(obj.get("root"), root_real, "root")
    check(os.path.isabs(obj["root"]), "root is not absolute")
    diags = obj.get("diagnostics")
    check(isinstance(diags, list), "diagnostics is not a list")
    keys = ["file", "module", "line", "column", "endLine", "endColumn", "severity", "code", "message"]
    for d in diags:
        for k in keys:
            check(k in d, "diagnostic %r lacks key %r" % (d, k))
        for k in ("line", "column", "endLine", "endColumn"):
            check(type(d[k]) is int and d[k] >= 1, "%s of %r is not a positive integer" % (k, d))
        check((d["endLine"], d["endColumn"]) > (d["line"], d["column"]),
              "range of %r is empty or reversed (endColumn is exclusive)" % d)
        check(d["severity"] in ("error", "warning"), "severity of %r" % d)
        check(isinstance(d["message"], str) and d["message"], "message of %r" % d)
        check("\\" not in d["file"] and not os.path.isabs(d["file"]),
              "file of %r is not relative with '/' separators" % d)
    got = [tuple(d[k] for k in keys) for d in diags]
    # an expected message of None means "any message"
    got_cmp = [g[:8] + (g[8] if e[8] is not None else None,) for g, e in zip(got, expected)]
    if len(got) != len(expected) or got_cmp != list(expected):
        fail("diagnostics: expected %r, got %r" % (list(expected), got))
    sort_key = lambda d: (d["file"], d["line"], d["column"], d["code"])
    eq([sort_key(d) for d in diags], sorted(sort_key(d) for d in diags), "diagnostic order")
    mods = obj.get("modules")
    check(isinstance(mods, dict), "modules is not an object")
    eq(mods.get("total"), len(modules), "modules.total")
    checked, reused = mods.get("checked"), mods.get("reused")
    check(isinstance(checked, list) and isinstance(reused, list), "modules.checked/reused are not lists")
    eq(checked, sorted(checked), "modules.checked is sorted")
    eq(reused, sorted(reused), "modules.reused is sorted")
    eq(sorted(checked + reused), sorted(modules), "modules.checked + modules.reused")
    stats = obj.get("stats")
    check(isinstance(stats, dict), "stats is not an object")
    for k in ("files", "cache_hits", "cache_misses"):
        check(type(stats.get(k)) is int and stats[k] >= 0, "stats.%s = %r" % (k, stats.get(k)))
    check(type(stats.get("elapsed_ms")) in (int, float) and stats["elapsed_ms"] >= 0,
          "stats.elapsed_ms = %r" % stats.get("elapsed_ms"))
    eq(stats["cache_hits"] + stats["cache_misses"], len(modules), "cache_hits + cache_misses")
    eq(stats["cache_hits"], len(reused), "stats.cache_hits vs len(modules.reused)")
    return checked, reused


@test
def test_json_report(tmp):
    write(tmp, JSON_WS)
    r, obj = run_json([tmp], expect_rc=1)
    checked, reused = check_json_report(obj, os.path.realpath(tmp), json_expected(), JSON_MODULES)
    eq(reused, [], "modules.reused on a first run")
    eq(checked, JSON_MODULES, "modules.checked on a first run")
    eq(obj["stats"]["files"], 4, "stats.files")
    eq(r.err, "", "stderr")


@test
def test_json_format_equals_form(tmp):
    write(tmp, JSON_WS)
    a = run(["--check", "--format", "json", "--no-cache", tmp])
    b = run(["--check", "--format=json", "--no-cache", tmp])
    eq(b.rc, a.rc, "exit status of --format=json vs --format json")
    eq(ELAPSED_RE.sub(rb"\1 0", b.out_b), ELAPSED_RE.sub(rb"\1 0", a.out_b),
       "output of --format=json vs --format json")
    obj = json.loads(b.out)
    check_json_report(obj, os.path.realpath(tmp), json_expected(), JSON_MODULES)


@test
def test_json_root_is_realpath(tmp):
    ws = os.path.join(tmp, "w\u00f6rk space")
    os.makedirs(ws)
    write(ws, CLEAN_WS)
    os.symlink(ws, os.path.join(tmp, "link"))
    real = os.path.realpath(ws)
    _, obj = run_json(["w\u00f6rk space"], cwd=tmp, expect_rc=0)
    eq(obj.get("root"), real, "root given as a relative path")
    _, obj = run_json(["link/"], cwd=tmp, expect_rc=0)
    eq(obj.get("root"), real, "root given through a symlink")
    _, obj = run_json([], cwd=ws, expect_rc=0)
    eq(obj.get("root"), real, "root defaulting to the current directory")
    eq(obj["modules"]["total"], 3, "modules.total with the default root")


@test
def test_check_subcommand_same_as_option(tmp):
    write(tmp, JSON_WS)
    a = run(["--check", "--format", "json", "--no-cache", tmp])
    b = run(["check", "--format", "json", "--no-cache", tmp])
    eq(b.rc, a.rc, "exit status of `sigil check` vs `sigil --check` " + b.brief())
    eq(ELAPSED_RE.sub(rb"\1 0", b.out_b), ELAPSED_RE.sub(rb"\1 0", a.out_b),
       "output of `sigil check` vs `sigil --check`")


@test
def test_second_run_same_diagnostics(tmp):
    # Whatever the cache does, a second run reports exactly the same.
    write(tmp, JSON_WS)
    _, first = run_json([tmp], expect_rc=1)
    r, second = run_json([tmp], expect_rc=1)
    eq(second["diagnostics"], first["diagnostics"], "diagnostics of the second run")
    check_json_report(second, os.path.realpath(tmp), json_expected(), JSON_MODULES)
    h = run(["--check", tmp])
    eq(h.rc, 1, "exit status of a third run " + h.brief())
    m = last_summary(h)
    eq(int(m.group(1)), 4, "module count in the summary of a third run")
    check(int(m.group(2)) <= 4, "more modules from cache than modules: %r" % m.group(0))
    eq((m.group(4), m.group(5)), ("4", "1"), "errors and warnings in the summary of a third run")


@test
def test_no_cache_writes_nothing(tmp):
    write(tmp, CLEAN_WS)
    before = sorted(os.listdir(tmp))
    r = run(["--check", "--no-cache", tmp])
    eq(r.rc, 0, "exit status " + r.brief())
    eq(sorted(os.listdir(tmp)), before, "workspace root entries after a --no-cache run")


# ---------------------------------------------------------------- tests: warnings and -W error

WARN_WS = {
    "main.sg": (
        "import std.list\n"                                     # W001 1:1
        "\n"
        "fn main() {\n"
        "    let unused_name = \"x\"\n"                          # W002 4:9
        "    print(\"hi\")\n"
        "}\n"),
    "other.sg": "pub fn one() -> Int { 1 }\n",
}


@test
def test_warnings_only(tmp):
    write(tmp, WARN_WS)
    r = run(["--check", tmp])
    eq(r.rc, 0, "exit status with warnings only " + r.brief())
    lines = human_lines(r)
    heads = [l for l in lines if re.match(r"^\S+:\d+:\d+: ", l)]
    check(len(heads) == 2, "expected 2 diagnostic lines, got %r" % heads)
    check(heads[0].startswith("main.sg:1:1: warning[W001]: "), "first diagnostic %r" % heads[0])
    check(heads[1].startswith("main.sg:4:9: warning[W002]: "), "second diagnostic %r" % heads[1])
    eq(len(lines), 7, "output lines (3 per diagnostic, then the summary) " + r.brief())
    check(re.match(r"^ *1 \| import std\.list$", lines[1]), "source line of W001: %r" % lines[1])
    check(re.match(r"^ *\| \^+$", lines[2]), "caret line of W001: %r" % lines[2])
    check(re.match(r"^ *4 \|     let unused_name = \"x\"$", lines[4]), "source line of W002: %r" % lines[4])
    car = re.match(r"^ *\| ( *)(\^+)$", lines[5])
    check(car, "caret line of W002: %r" % lines[5])
    eq((len(car.group(1)) + 1, len(car.group(2))), (9, len("unused_name")), "W002 caret column and width")
    m = last_summary(r)
    eq(m.group(0), "checked 2 modules (0 from cache) in %s ms: 0 errors, 2 warnings" % m.group(3),
       "summary line")
    _, obj = run_json(["--no-cache", tmp], expect_rc=0)
    eq(diag_tuples(obj, ("file", "line", "column", "severity", "code")),
       [("main.sg", 1, 1, "warning", "W001"), ("main.sg", 4, 9, "warning", "W002")], "diagnostics")


@test
def test_warnings_as_errors(tmp):
    write(tmp, WARN_WS)
    r = run(["--check", "-W", "error", tmp])
    eq(r.rc, 1, "exit status with warnings and -W error " + r.brief())
    r, obj = run_json(["-W", "error", tmp], expect_rc=1)
    eq([d["severity"] for d in obj["diagnostics"]], ["warning", "warning"],
       "severities with -W error (it only changes the exit code)")


@test
def test_werror_clean_is_zero(tmp):
    write(tmp, CLEAN_WS)
    r = run(["--check", "-W", "error", tmp])
    eq(r.rc, 0, "exit status of a clean workspace with -W error " + r.brief())


# ---------------------------------------------------------------- tests: bad usage

def expect_usage_error(r, what):
    eq(r.rc, 2, "exit status for %s %s" % (what, r.brief()))
    check(r.err.strip(), "no message on stderr for %s %s" % (what, r.brief()))
    eq(r.out, "", "stdout for %s" % what)


@test
def test_usage_errors(tmp):
    write(tmp, CLEAN_WS)
    write(tmp, {"notes.txt": "not Sigil\n"})
    other = tempfile.mkdtemp(prefix="sigil-cli-other-")
    try:
        cases = [
            (["--check", "--no-such-option", tmp], "an unknown option"),
            (["--check", "--format", "xml", tmp], "--format xml"),
            (["--check", "--format=xml", tmp], "--format=xml"),
            (["--check", tmp, "--format"], "--format without a value"),
            (["--check", "-j", "0", tmp], "-j 0"),
            (["--check", "--jobs", "0", tmp], "--jobs 0"),
            (["--check", "-j", "many", tmp], "-j many"),
            (["--check", "-j", "-3", tmp], "-j -3"),
            (["--check", tmp, "-j"], "-j without a value"),
            (["--check", tmp, "--cache-dir"], "--cache-dir without a value"),
            (["--check", "-W", "nonsense", tmp], "-W nonsense"),
            (["--check", tmp, other], "two roots"),
            (["--check", os.path.join(tmp, "does-not-exist")], "a root that does not exist"),
            (["--check", os.path.join(tmp, "notes.txt")], "a path that is neither a directory nor a .sg file"),
            (["--bogus"], "an unknown command"),
        ]
        for args, what in cases:
            expect_usage_error(run(args), what)
    finally:
        shutil.rmtree(other, ignore_errors=True)


@test
def test_no_arguments(tmp):
    r = run([], cwd=tmp)
    eq(r.rc, 2, "exit status with no arguments " + r.brief())
    check(r.err.strip(), "no message on stderr with no arguments")


@test
def test_help(tmp):
    r = run(["--help"], cwd=tmp)
    eq(r.rc, 0, "exit status of --help " + r.brief())
    for word in ("--check", "--format", "-j"):
        check(word in r.out, "--help output does not mention %s %s" % (word, r.brief()))


@test
def test_help_agrees_with_man_page(tmp):
    # every command and option `sigil --help` lists is documented in docs/sigil.1, and the
    # reverse: the man page documents no option the binary does not know
    r = run(["--help"], cwd=tmp)
    man = open(os.path.join(REPO, "docs", "sigil.1"), encoding="utf-8").read().replace("\\-", "-")
    opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-j|-W)\b", r.out))
    check(len(opts) >= 10, "--help lists its options %s" % sorted(opts))
    for o in sorted(opts):
        check(o in man, "%s is in --help but not in docs/sigil.1" % o)
    for o in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)\b", man))):
        check(o in r.out, "%s is in docs/sigil.1 but not in --help" % o)
    for sub in ("stats", "clear", "verify"):
        check(sub in r.out and sub in man, "cache %s in both" % sub)


@test
def test_version(tmp):
    r = run(["--version"], cwd=tmp)
    eq(r.rc, 0, "exit status of --version " + r.brief())
    check(re.match(r"^sigil \d+(\.\d+)*\S*\n?$", r.out), "--version output %r" % r.out)


# ---------------------------------------------------------------- tests: input files

@test
def test_invalid_utf8(tmp):
    write(tmp, {
        "main.sg": "fn main() {\n    print(\"ok\")\n}\n",
        "bad.sg": b"pub fn f() -> Int { 1 }\n// caf\xff and more\npub fn g() -> Int { 2 }\n",
    })
    r, obj = run_json([tmp], expect_rc=1)
    eq(diag_tuples(obj, ("file", "line", "severity", "code")), [("bad.sg", 2, "error", "E001")],
       "diagnostics for a file with a 0xff byte in a comment on line 2")
    eq(sorted(obj["modules"]["checked"] + obj["modules"]["reused"]), ["bad", "main"], "modules")
    h = run(["--check", "--no-cache", tmp])
    eq(h.rc, 1, "exit status (human) " + h.brief())
    check(h.out.startswith("bad.sg:2:") and "error[E001]" in h.out.split("\n")[0],
          "first human line %r" % h.out.split("\n")[0])
    m = last_summary(h)
    eq((m.group(4), m.group(5)), ("1", "0"), "errors and warnings in the summary")


@test
def test_truncated_utf8_at_eof(tmp):
    write(tmp, {"trunc.sg": b"pub fn f() -> Int { 1 }\n// \xe2\x82"})
    r, obj = run_json([tmp], expect_rc=1)
    codes = [d["code"] for d in obj["diagnostics"]]
    check(codes and set(codes) == {"E001"}, "diagnostics for a truncated UTF-8 sequence at EOF: %r" % codes)
    h = run(["--check", "--no-cache", tmp])
    eq(h.rc, 1, "exit status (human) " + h.brief())


@test
def test_empty_file_is_clean(tmp):
    write(tmp, {"empty.sg": b"", "main.sg": "fn main() {\n    print(\"ok\")\n}\n"})
    r, obj = run_json([tmp], expect_rc=0)
    eq(obj["diagnostics"], [], "diagnostics")
    eq(sorted(obj["modules"]["checked"] + obj["modules"]["reused"]), ["empty", "main"], "modules")
    h = run(["--check", "--no-cache", tmp])
    eq(h.rc, 0, "exit status (human) " + h.brief())


@test
def test_unreadable_file(tmp):
    if os.geteuid() == 0:
        raise Skip("running as root: a chmod 000 file is still readable")
    write(tmp, {"main.sg": "fn main() {\n    print(\"ok\")\n}\n",
                "secret.sg": "pub fn f() -> Int { 1 }\n"})
    path = os.path.join(tmp, "secret.sg")
    os.chmod(path, 0)
    try:
        r = run(["--check", "--no-cache", tmp])
        check(r.rc in (1, 2), "exit status for an unreadable file: %s" % r.brief())
        check("secret.sg" in r.out + r.err, "the unreadable file is not named in the output " + r.brief())
        if r.rc == 1:
            m = last_summary(r)
            check(int(m.group(4)) >= 1, "summary counts no error " + r.brief())
        else:
            check(r.err.strip(), "exit 2 without a message " + r.brief())
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


# ---------------------------------------------------------------- tests: workspace layout

@test
def test_sigil_json_src_and_exclude(tmp):
    write(tmp, {
        "sigil.json": '{ "src": "src", "exclude": ["src/gen/**"] }\n',
        "src/app.sg": "import general\nfn main() {\n    let unused = general.g()\n}\n",
        "src/general.sg": "pub fn g() -> Int { 1 }\n",
        "src/gen/bad.sg": "pub fn b() -> Float { 1 }\n",
        "src/gen/deep/worse.sg": "pub fn w() -> Float { 1 }\n",
        "src/.hidden/h.sg": "pub fn h() -> Float { 1 }\n",
        "src/node_modules/n.sg": "pub fn n() -> Float { 1 }\n",
        "outside.sg": "pub fn o() -> Float { 1 }\n",
    })
    r, obj = run_json([tmp], expect_rc=0)
    eq(diag_tuples(obj, ("file", "module", "line", "column", "code")),
       [("src/app.sg", "app", 3, 9, "W002")], "diagnostics (file relative to the root)")
    eq(sorted(obj["modules"]["checked"] + obj["modules"]["reused"]), ["app", "general"], "modules")
    eq(obj["modules"]["total"], 2, "modules.total")


@test
def test_hidden_and_node_modules_skipped(tmp):
    write(tmp, {
        "main.sg": "fn main() {\n    print(\"ok\")\n}\n",
        ".hidden/x.sg": "pub fn x() -> Float { 1 }\n",
        "node_modules/y.sg": "pub fn y() -> Float { 1 }\n",
        "lib/node_modules/z.sg": "pub fn z() -> Float { 1 }\n",
    })
    r, obj = run_json([tmp], expect_rc=0)
    eq(obj["diagnostics"], [], "diagnostics")
    eq(obj["modules"]["total"], 1, "modules.total")


@test
def test_malformed_sigil_json(tmp):
    write(tmp, {"sigil.json": '{ "src": "src", ', "src/main.sg": "fn main() {}\n"})
    for fmt in ("human", "json"):
        r = run(["--check", "--format", fmt, tmp])
        expect_usage_error(r, "a malformed sigil.json (%s)" % fmt)
        check("sigil.json" in r.err, "stderr does not mention sigil.json: %r" % r.err)


@test
def test_invalid_module_name(tmp):
    write(tmp, {"main.sg": "fn main() {\n    print(\"ok\")\n}\n",
                "my-file.sg": "pub fn helper() -> Int { 1 }\n"})
    r, obj = run_json([tmp], expect_rc=1)
    eq(diag_tuples(obj, ("file", "line", "column", "severity", "code")),
       [("my-file.sg", 1, 1, "error", "E100")], "diagnostics")
    eq(obj["modules"]["checked"] + obj["modules"]["reused"], ["main"], "modules (my-file is skipped)")


@test
def test_duplicate_module_across_src_dirs(tmp):
    write(tmp, {
        "sigil.json": '{ "src": ["lib", "app"] }\n',
        "app/main.sg": "fn main() {\n    print(\"ok\")\n}\n",
        "app/util.sg": "\n\npub fn two() -> Int { 2 }\n",
        "lib/util.sg": "// one\n\npub fn one() -> Int { 1 }\n",
    })
    r, obj = run_json([tmp], expect_rc=1)
    eq(diag_tuples(obj, ("file", "line", "column", "severity", "code")),
       [("app/util.sg", 1, 1, "error", "E107"), ("lib/util.sg", 1, 1, "error", "E107")], "diagnostics")


# ---------------------------------------------------------------- tests: parallel determinism

def big_workspace():
    files = {}
    for i in range(30):
        pkg = "pkg%d" % (i % 4)
        imports = ""
        body = "    %d\n" % i
        if i >= 4:
            dep = i - 4
            imports = "import pkg%d.m%02d\n" % (dep % 4, dep)
            body = "    m%02d.value() + %d\n" % (dep, i)
        extra = ""
        if i in (3, 11, 17, 25):
            extra += "pub fn bad() -> Float { %d }\n" % i                     # E201
        if i in (6, 22):
            extra += "fn unused_local() {\n    let dead = 1\n}\n"           # W002
        if i == 29:
            extra += "fn broken() -> Int {\n    missing_name + 1\n}\n"      # E103
        files["%s/m%02d.sg" % (pkg, i)] = (
            imports + "pub fn value() -> Int {\n" + body + "}\n" + extra)
    files["main.sg"] = "import pkg1.m29\n\nfn main() {\n    print(int_to_string(m29.value()))\n}\n"
    return files


@test
def test_parallel_determinism(tmp):
    write(tmp, big_workspace())
    outs = []
    for j in ("1", "2", "8", "2", "1"):
        r = run(["--check", "--format", "json", "--no-cache", "-j", j, tmp])
        eq(r.rc, 1, "exit status with -j %s %s" % (j, r.brief()))
        outs.append((j, ELAPSED_RE.sub(rb"\1 0", r.out_b)))
    obj = json.loads(outs[0][1])
    eq(len(obj["diagnostics"]), 7, "number of diagnostics (4 E201, 2 W002, 1 E103)")
    eq(obj["modules"]["total"], 31, "modules.total")
    for j, out in outs[1:]:
        if out != outs[0][1]:
            fail("JSON output of -j %s differs from -j 1: %r vs %r" % (j, clip(out.decode()), clip(outs[0][1].decode())))
    h1 = run(["--check", "--no-cache", "-j", "1", tmp])
    h4 = run(["--check", "--no-cache", "--jobs", "4", tmp])
    eq(HUMAN_TIME_RE.sub(b"", h4.out_b), HUMAN_TIME_RE.sub(b"", h1.out_b), "human output of --jobs 4 vs -j 1")


# ---------------------------------------------------------------- tests: standard library

STD_WS = {
    "main.sg": (
        "import std.list\n"
        "import std.string as str\n"
        "import std.map\n"
        "import std.math.{sqrt}\n"
        "import std.io\n"
        "\n"
        "fn main() {\n"
        "    let xs = list.range(1, 4)\n"
        "    let m = map.insert(map.empty(), \"k\", 1)\n"
        "    print(str.join(list.map(xs, int_to_string), \",\"))\n"
        "    print(float_to_string(sqrt(2.0)) + int_to_string(map.size(m) + len(io.args())))\n"
        "}\n"),
}


@test
def test_std_found_relative_to_binary(tmp):
    write(tmp, STD_WS)
    r, obj = run_json([], cwd=tmp, env=base_env(), expect_rc=0)
    eq(obj["diagnostics"], [], "diagnostics of a workspace using every std module")
    eq(obj["modules"]["checked"] + obj["modules"]["reused"], ["main"], "modules (std modules are in neither list)")
    eq(obj["modules"]["total"], 1, "modules.total")


@test
def test_sigil_std_missing_dir(tmp):
    write(tmp, STD_WS)
    env = base_env(SIGIL_STD=os.path.join(tmp, "no-such-std"))
    for fmt in ("human", "json"):
        r = run(["--check", "--format", fmt, tmp], env=env)
        expect_usage_error(r, "SIGIL_STD pointing at a missing directory (%s)" % fmt)


@test
def test_sigil_std_is_used(tmp):
    std_src = os.path.join(REPO, "std")
    if not os.path.isfile(os.path.join(std_src, "prelude.sg")):
        raise Skip("no std/ directory in the repository")
    std = os.path.join(tmp, "mystd")
    shutil.copytree(std_src, std)
    with open(os.path.join(std, "math.sg"), "a", encoding="utf-8") as f:
        f.write("\npub fn cli_test_marker() -> Int { 7 }\n")
    ws = os.path.join(tmp, "ws")
    write(ws, {"main.sg": "import std.math\n\nfn main() {\n    print(int_to_string(math.cli_test_marker()))\n}\n"})
    _, obj = run_json([ws], env=base_env(SIGIL_STD=std), expect_rc=0)
    eq(obj["diagnostics"], [], "diagnostics with SIGIL_STD pointing at a modified std copy")
    _, obj = run_json([ws], env=base_env(), expect_rc=1)
    eq([d["code"] for d in obj["diagnostics"]], ["E105"], "diagnostics with the bundled std")


@test
def test_copied_binary_has_its_standard_library(tmp):
    # the standard library is built into the binary: a copy works anywhere
    bindir = os.path.join(tmp, "x")
    os.makedirs(bindir)
    exe = os.path.join(bindir, "sigil")
    shutil.copy2(SIGIL, exe)
    ws = os.path.join(tmp, "ws")
    write(ws, STD_WS)
    p = subprocess.run([exe, "--check", "--format", "json", ws], env=base_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT)
    eq((p.returncode, p.stderr), (0, b""), "exit status and stderr of a copied binary on a workspace using every std module")
    eq(json.loads(p.stdout)["diagnostics"], [], "diagnostics with the built-in standard library")
    ex = os.path.join(tmp, "examples")
    shutil.copytree(os.path.join(REPO, "examples"), ex, ignore=shutil.ignore_patterns(".sigil-cache"))
    p = subprocess.run([exe, "--check", "examples"], cwd=tmp, env=base_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT)
    eq(p.returncode, 1, "exit status of `/tmp/x/sigil --check examples` (stderr %r)" % p.stderr)
    check(p.stdout.startswith(b"examples/main.sg:65:24: error[E201]"), "the example's one error: %r" % p.stdout[:200])
    p = subprocess.run([exe, "--lsp"], input=lsp_session(), cwd=tmp, env=base_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT)
    eq(p.returncode, 0, "a copied binary's language server starts and exits (stderr %r)" % p.stderr[-300:])


# ---------------------------------------------------------------- tests: bundled example

@test
def test_bundled_example(tmp):
    ex = os.path.join(REPO, "examples")
    if not os.path.isdir(ex):
        fail("no examples/ directory at %s" % ex)
    with open(os.path.join(ex, "main.sg"), encoding="utf-8") as f:
        src = f.read().split("\n")
    lines = [i for i, l in enumerate(src) if "//~ E201" in l]
    eq(len(lines), 1, "lines marked //~ E201 in examples/main.sg")
    line_no = lines[0] + 1
    col = col_of(src[lines[0]], "catalog.count_books")
    r, obj = run_json(["--no-cache", "examples/"], cwd=REPO, expect_rc=1)
    eq(diag_tuples(obj, ("file", "line", "column", "severity", "code", "message")),
       [("main.sg", line_no, col, "error", "E201", MISMATCH_FI)], "diagnostics of examples/")
    eq(obj["root"], os.path.realpath(ex), "root")
    eq(obj["modules"]["total"], 6, "modules.total of examples/")
    h = run(["--check", "--no-cache", "examples/"], cwd=REPO)
    eq(h.rc, 1, "exit status " + h.brief())
    eq(human_lines(h)[0], "examples/main.sg:%d:%d: error[E201]: %s" % (line_no, col, MISMATCH_FI),
       "first line (the path is relative to the current directory)")
    m = last_summary(h)
    eq((m.group(1), m.group(4), m.group(5)), ("6", "1", "0"), "modules, errors, warnings in the summary")


# ---------------------------------------------------------------- tests: robustness and odd inputs

@test
def test_crlf_source_line(tmp):
    line = "    let _r: Float = 3"
    write(tmp, {"main.sg": "fn main() {\r\n" + line + "\r\n}\r\n"})
    r = run(["--check", tmp])
    eq(r.rc, 1, "exit status " + r.brief())
    lines = human_lines(r)
    eq(lines[0], "main.sg:2:%d: error[E201]: %s" % (col_of(line, "3"), MISMATCH_FI), "diagnostic line")
    check("\r" not in r.out, "carriage return in the human output: %r" % r.out)
    src = re.match(r"^ *2 \| (.*)$", lines[1])
    check(src and src.group(1) == line, "quoted source line of a CRLF file: %r" % lines[1])


@test
def test_json_escapes_file_names(tmp):
    write(tmp, {"main.sg": "fn main() {}\n",
                'we"ird.sg': "pub fn a() -> Int { 1 }\n",
                "tab\tname.sg": "pub fn b() -> Int { 1 }\n",
                "back\\slash.sg": "pub fn c() -> Int { 1 }\n",
                "caf\u00e9.sg": "pub fn d() -> Int { 1 }\n"})
    _, obj = run_json([tmp], expect_rc=1)
    eq(diag_tuples(obj, ("file", "line", "column", "code")),
       sorted([("back\\slash.sg", 1, 1, "E100"), ("caf\u00e9.sg", 1, 1, "E100"),
               ("tab\tname.sg", 1, 1, "E100"), ('we"ird.sg', 1, 1, "E100")]),
       "E100 diagnostics for file names that need JSON escaping")
    eq(obj["modules"]["checked"] + obj["modules"]["reused"], ["main"], "modules")


@test
def test_json_non_utf8_file_name(tmp):
    write(tmp, {"main.sg": "fn main() {}\n"})
    with open(os.path.join(tmp.encode(), b"bad\xff.sg"), "wb") as f:
        f.write(b"pub fn b() -> Int { 1 }\n")
    r, obj = run_json([tmp], expect_rc=1)  # fails if the JSON is not valid UTF-8
    diags = obj["diagnostics"]
    eq([(d["line"], d["column"], d["code"]) for d in diags], [(1, 1, "E100")], "diagnostics")
    check(diags[0]["file"].startswith("bad") and diags[0]["file"].endswith(".sg"),
          "file of the E100: %r" % diags[0]["file"])


@test
def test_sort_order_is_by_code_point(tmp):
    bad = "pub fn f() -> Float { 1 }\n"
    write(tmp, {"Beta.sg": bad, "a/x.sg": bad, "a_b.sg": bad, "ab.sg": bad, "main.sg": "fn main() {}\n"})
    _, obj = run_json([tmp], expect_rc=1)
    eq([d["file"] for d in obj["diagnostics"]], ["Beta.sg", "a/x.sg", "a_b.sg", "ab.sg"], "order of files")
    eq(obj["modules"]["checked"], ["Beta", "a.x", "a_b", "ab", "main"], "modules.checked order")


@test
def test_empty_workspace(tmp):
    # issue 14: a workspace without .sg files is a broken configuration, not
    # a passing check (exit 2, saying where it looked)
    for fmt in ("human", "json"):
        r = run(["--check", "--format", fmt, tmp])
        eq(r.rc, 2, "exit status of an empty workspace " + r.brief())
        eq(r.out, "", "nothing on stdout " + r.brief())
        eq(r.err, "sigil: no .sg files in %s\n" % os.path.realpath(tmp), "the message " + r.brief())


@test
def test_options_after_root(tmp):
    write(tmp, WARN_WS)
    _, obj = run_json([tmp, "-j", "2", "-W", "error"], expect_rc=1)
    eq(len(obj["diagnostics"]), 2, "diagnostics with options after ROOT")


@test
def test_json_with_stats_is_one_document(tmp):
    write(tmp, JSON_WS)
    _, obj = run_json(["--stats", tmp], expect_rc=1)
    check_json_report(obj, os.path.realpath(tmp), json_expected(), JSON_MODULES)


@test
def test_deep_nesting_does_not_crash(tmp):
    n = 100000
    for name, expr in (("parens", "(" * n + "1" + ")" * n), ("lists", "[" * n + "1" + "]" * n),
                       ("blocks", "{" * n + "1" + "}" * n), ("unary", "-" * n + "1"),
                       ("calls", "f" + "(" * n + ")" * n)):
        write(tmp, {"main.sg": "fn main() {\n    let _x = " + expr + "\n}\n"})
        r = run(["--check", "--no-cache", tmp])  # run() fails on a signal
        check(r.rc in (0, 1), "deeply nested %s: exit status %d %s" % (name, r.rc, r.brief()))


@test
def test_std_install_layout(tmp):
    std_src = os.path.join(REPO, "std")
    if not os.path.isfile(os.path.join(std_src, "prelude.sg")):
        raise Skip("no std/ directory in the repository")
    prefix = os.path.join(tmp, "prefix")
    os.makedirs(os.path.join(prefix, "bin"))
    shutil.copy2(SIGIL, os.path.join(prefix, "bin", "sigil"))
    shutil.copytree(std_src, os.path.join(prefix, "share", "sigil", "std"))
    # a marker only the installed copy has: it is used rather than the built-in one
    with open(os.path.join(prefix, "share", "sigil", "std", "math.sg"), "a", encoding="utf-8") as f:
        f.write("\npub fn installed_marker() -> Int { 7 }\n")
    ws = os.path.join(tmp, "ws")
    write(ws, STD_WS)
    write(ws, {"marker.sg": "import std.math\n\npub fn m() -> Int { math.installed_marker() }\n"})
    p = subprocess.run([os.path.join(prefix, "bin", "sigil"), "--check", ws], env=base_env(),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    eq(p.returncode, 0, "exit status of PREFIX/bin/sigil with PREFIX/share/sigil/std (stderr %r)" % p.stderr)
    lone = os.path.join(tmp, "lone")
    os.makedirs(lone)
    shutil.copy2(SIGIL, os.path.join(lone, "sigil"))
    p = subprocess.run([os.path.join(lone, "sigil"), "--check", "--format", "json", ws], env=base_env(),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    eq(p.returncode, 1, "exit status of a binary with no standard library beside it (stderr %r)" % p.stderr)
    eq([(d["file"], d["code"]) for d in json.loads(p.stdout)["diagnostics"]], [("marker.sg", "E105")],
       "a lone binary uses its built-in standard library")


# ---------------------------------------------------------------- tests: other formats

@test
def test_sarif_and_github_formats_accepted(tmp):
    write(tmp, E201_WS)
    r = run(["--check", "--format", "sarif", "--no-cache", tmp])
    eq(r.rc, 1, "exit status of --format sarif with one error " + r.brief())
    try:
        obj = json.loads(r.out)
    except ValueError:
        fail("--format sarif output is not JSON " + r.brief())
    check(isinstance(obj, dict) and "runs" in obj, "--format sarif output has no 'runs' " + r.brief())
    r = run(["--check", "--format", "github", "--no-cache", tmp])
    eq(r.rc, 1, "exit status of --format github with one error " + r.brief())
    check("::error" in r.out and "main.sg" in r.out, "--format github output has no ::error annotation " + r.brief())


# ---------------------------------------------------------------- tests: finding the workspace, paths

NESTED_WS = {
    "sigil.json": "{}\n",
    "lib/a.sg": "pub fn f() -> Int { 1.0 }\n",                          # E201 1:21
    "main.sg": "import lib.a\n\nfn main() {\n    let x: Int = a.f()\n}\n",  # W002 4:9
}


@test
def test_root_found_upward_from_a_subdirectory(tmp):
    ws = os.path.join(tmp, "ws")
    write(ws, NESTED_WS)
    lib = os.path.join(ws, "lib")
    r = run(["--check"], cwd=lib)
    eq(r.rc, 1, "exit status from a subdirectory " + r.brief())
    heads = [l for l in human_lines(r) if re.match(r"^\S+:\d+:\d+: (error|warning)\[", l)]
    eq(heads, ["a.sg:1:21: error[E201]: type mismatch: expected Int, found Float",
               "../main.sg:4:9: warning[W002]: unused local variable `x`"],
       "diagnostics of the whole workspace, paths relative to the current directory (no false E101)")
    check(not os.path.exists(os.path.join(lib, ".sigil-cache")), "a stray .sigil-cache/ in the subdirectory")
    check(os.path.isdir(os.path.join(ws, ".sigil-cache")), "the cache is at the workspace root")
    _, obj = run_json([lib], cwd=tmp, expect_rc=1)
    eq(obj["root"], os.path.realpath(ws), "root of a subdirectory argument")
    eq(diag_tuples(obj, ("file", "path", "code")),
       [("lib/a.sg", os.path.join(os.path.realpath(ws), "lib", "a.sg"), "E201"),
        ("main.sg", os.path.join(os.path.realpath(ws), "main.sg"), "W002")],
       "JSON: root-relative file and absolute path")


@test
def test_without_sigil_json_the_path_is_the_root(tmp):
    write(tmp, {"a/b.sg": "import c\n", "a/c.sg": "pub fn f() {}\n"})
    _, obj = run_json([os.path.join(tmp, "a")], expect_rc=0)
    eq(obj["root"], os.path.realpath(os.path.join(tmp, "a")), "root")
    eq(obj["modules"]["checked"], ["b", "c"], "modules")


@test
def test_file_argument_checks_its_workspace(tmp):
    ws = os.path.join(tmp, "ws")
    write(ws, NESTED_WS)
    r = run(["--check", "lib/a.sg"], cwd=ws)
    eq(r.rc, 1, "exit status for a file with an error " + r.brief())
    heads = [l for l in human_lines(r) if re.match(r"^\S+:\d+:\d+: (error|warning)\[", l)]
    eq(heads, ["lib/a.sg:1:21: error[E201]: type mismatch: expected Int, found Float"], "only that file's diagnostics")
    m = last_summary(r)
    eq((m.group(1), m.group(4), m.group(5)), ("2", "1", "0"), "modules checked, errors and warnings of the file")
    r = run(["--check", "main.sg"], cwd=ws)
    eq(r.rc, 0, "exit status for a file with a warning only (its import's error is not its own) " + r.brief())
    _, obj = run_json([os.path.join(ws, "main.sg")], expect_rc=0)
    eq(diag_tuples(obj, ("file", "code")), [("main.sg", "W002")], "JSON for a file argument")
    eq(obj["modules"]["total"], 2, "the whole workspace is checked")
    write(ws, {"sigil.json": '{"src": ["lib"]}\n'})
    r = run(["--check", "main.sg"], cwd=ws)
    eq(r.rc, 2, "a file outside the source directories " + r.brief())
    check("not part of the workspace" in r.err, "message for a file outside the workspace " + r.brief())


@test
def test_paths_relative_to_the_current_directory(tmp):
    ws = os.path.join(tmp, "ws")
    write(ws, NESTED_WS)
    other = os.path.join(tmp, "other")
    os.makedirs(other)
    r = run(["--check", "--format", "github", ws], cwd=tmp)
    check("::error file=ws/lib/a.sg,line=1,col=21," in r.out, "github path from the parent directory " + r.brief())
    r = run(["--check", ws], cwd=other)
    check(r.out.startswith("../ws/lib/a.sg:1:21: error[E201]"), "human path from a sibling directory " + r.brief())
    _, obj = run_json([ws], cwd=other, expect_rc=1)
    eq([d["file"] for d in obj["diagnostics"]], ["lib/a.sg", "main.sg"], "JSON file stays relative to the root")


# ---------------------------------------------------------------- tests: saying no, and why

@test
def test_werror_summary_says_why(tmp):
    write(tmp, WARN_WS)
    r = run(["--check", "-W", "error", tmp])
    eq(r.rc, 1, "exit status " + r.brief())
    last = [l for l in human_lines(r) if l.strip()][-1]
    check(re.match(r"^checked 2 modules \(\d+ from cache\) in [\d.]+ ms: 0 errors, 2 warnings "
                   r"\(-W error: warnings count as errors\)$", last), "summary line with -W error: %r" % last)
    r = run(["--check", "-W", "error", "--format", "github", tmp])
    check(r.out.rstrip("\n").endswith("0 errors, 2 warnings (-W error: warnings count as errors)"),
          "github summary with -W error " + r.brief())
    r = run(["--check", tmp])
    check("-W error" not in r.out, "no -W error note without -W error " + r.brief())


@test
def test_format_without_value_lists_every_format(tmp):
    r = run(["--check", tmp, "--format"])
    expect_usage_error(r, "--format without a value")
    for f in ("human", "json", "sarif", "github"):
        check(f in r.err, "--format without a value does not list %s: %r" % (f, r.err))


def lsp_session():
    """initialize, shutdown and exit, framed for a language server's stdin."""
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"processId": None, "rootUri": None, "capabilities": {}}},
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
    return b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(b), b) for b in (json.dumps(m).encode() for m in msgs))


@test
def test_lsp_subcommand(tmp):
    p = subprocess.run([SIGIL, "lsp"], input=lsp_session(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=base_env(), cwd=tmp, timeout=TIMEOUT)
    eq(p.returncode, 0, "exit status of `sigil lsp` after shutdown and exit (stderr %r)" % p.stderr[-300:])
    check(b'"capabilities"' in p.stdout, "`sigil lsp` answers initialize: %r" % p.stdout[:300])


@test
def test_stats_with_other_formats(tmp):
    write(tmp, CLEAN_WS)
    r = run(["--check", "--format", "github", "--stats", tmp])
    eq(r.rc, 0, "exit status " + r.brief())
    check(CACHE_LINE_RE.match(human_lines(r)[-1]), "github with --stats ends with the cache line " + r.brief())
    expect_usage_error(run(["--check", "--format", "sarif", "--stats", tmp]), "--stats with --format sarif")


@test
def test_watch_rejects_formats_it_cannot_stream(tmp):
    write(tmp, CLEAN_WS)
    for fmt in ("sarif", "github"):
        r = run(["--watch", "--format", fmt, tmp])
        expect_usage_error(r, "--watch --format %s" % fmt)
        check("--watch" in r.err and fmt in r.err, "the message names --watch and the format " + r.brief())


@test
def test_color_option_and_force_color(tmp):
    write(tmp, E201_WS)
    always = run(["--check", "--no-cache", "--color", "always", tmp])
    check("\x1b[" in always.out, "--color always when piped " + always.brief())
    norm = lambda t: re.sub(r"in \d+(?:\.\d+)? ms:", "", ANSI_RE.sub("", t))
    eq(norm(always.out), norm(run(["--check", "--no-cache", tmp]).out), "--color always changes only the colours")
    r = run(["--check", "--no-cache", "--color=always", tmp], env=base_env(NO_COLOR="1"))
    check("\x1b[" in r.out, "--color=always wins over NO_COLOR " + r.brief())
    r = run(["--check", "--no-cache", tmp], env=base_env(FORCE_COLOR="1"))
    check("\x1b[" in r.out, "FORCE_COLOR=1 when piped " + r.brief())
    r = run(["--check", "--no-cache", "--color", "never", tmp], env=base_env(FORCE_COLOR="1"))
    check("\x1b" not in r.out, "--color never wins over FORCE_COLOR " + r.brief())
    r = run(["--check", "--no-cache", tmp], env=base_env(FORCE_COLOR="0"))
    check("\x1b" not in r.out, "FORCE_COLOR=0 " + r.brief())
    rc, out = run_pty(["--check", "--no-cache", "--color", "never", tmp], env=base_env(TERM="xterm-256color"))
    check("\x1b" not in out, "--color never on a terminal: %r" % clip(out))
    r = run(["--check", "--format", "json", "--color", "always", tmp])
    check("\x1b" not in r.out, "no colour in JSON " + r.brief())
    expect_usage_error(run(["--check", "--color", "sometimes", tmp]), "--color sometimes")
    expect_usage_error(run(["--check", tmp, "--color"]), "--color without a value")


@test
def test_short_version_option(tmp):
    a, b = run(["--version"]), run(["-V"])
    eq((b.rc, b.out), (a.rc, a.out), "-V vs --version")


# ---------------------------------------------------------------- tests: suppressions and severities

SUPPRESS_WS = {
    "main.sg": (
        "import std.list // sigil: ignore[W001]\n"                     # 1: W001 suppressed
        "fn main() {\n"
        "    let a: Int = 1.0 // sigil: ignore[E201]\n"                # 3: E201 suppressed
        "    // sigil: ignore[E201, W002]\n"                          # 4: applies to line 5
        "    let b: Int = \"s\"\n"                                     # 5: E201 + W002 suppressed
        "    let c: Int = 2 // sigil: ignore[E201]\n"                  # 6: W005 at E201 (6:37)
        "    // sigil: ignore[E999] because\n"                        # 7: W004 at E999 (7:22)
        "    // sigil: ignor[E201]\n"                                 # 8: W004 at the comment (8:5)
        "    let s = \"// sigil: ignore[E201]\" // not a comment above\n"
        "    let d: Int = 3.0 /// sigil: ignore[E201]\n"              # 10: a doc comment: E201 stays (10:18)
        "    print(s + int_to_string(a + c + d))\n"
        "}\n"),
}


@test
def test_inline_suppressions(tmp):
    write(tmp, SUPPRESS_WS)
    for attempt in ("cold", "from the cache"):
        _, obj = run_json([tmp], expect_rc=1)
        eq(diag_tuples(obj, ("line", "column", "severity", "code")),
           [(6, 37, "warning", "W005"), (7, 22, "warning", "W004"), (8, 5, "warning", "W004"),
            (10, 18, "error", "E201")], "diagnostics with suppressions (%s)" % attempt)
    eq(obj["modules"]["reused"], ["main"], "the second run reused the cached result")
    msgs = {d["code"]: d["message"] for d in obj["diagnostics"]}
    check("E201" in msgs["W005"], "W005 names the code: %r" % msgs["W005"])


@test
def test_severity_overrides_in_sigil_json(tmp):
    write(tmp, WARN_WS)   # W001 at 1:1, W002 at 4:9
    write(tmp, {"sigil.json": '{"diagnostics": {"W001": "off", "W002": "error"}}\n'})
    r, obj = run_json([tmp], expect_rc=1)
    eq(diag_tuples(obj, ("line", "severity", "code")), [(4, "error", "W002")], "W001 off, W002 an error")
    r = run(["--check", tmp])
    eq(r.rc, 1, "exit status " + r.brief())
    check(r.out.startswith("main.sg:4:9: error[W002]"), "human output with the override " + r.brief())
    check("1 error, 0 warnings" in r.out, "summary counts the overridden severities " + r.brief())
    r = run(["--check", "--format", "sarif", tmp])
    eq([(x["ruleId"], x["level"]) for x in json.loads(r.out)["runs"][0]["results"]], [("W002", "error")],
       "sarif honours the overrides")
    # the overrides are not cached: changing them changes the next run's report
    write(tmp, {"sigil.json": '{"diagnostics": {"W002": "warning"}}\n'})
    _, obj = run_json([tmp], expect_rc=0)
    eq(diag_tuples(obj, ("line", "severity", "code")), [(1, "warning", "W001"), (4, "warning", "W002")],
       "after changing sigil.json")
    for bad, key in (('{"diagnostics": {"W999": "off"}}', "W999"), ('{"diagnostics": {"W001": "silent"}}', "W001"),
                     ('{"diagnostics": ["W001"]}', "diagnostics")):
        write(tmp, {"sigil.json": bad + "\n"})
        for fmt in ("human", "json"):
            r = run(["--check", "--format", fmt, tmp])
            expect_usage_error(r, "sigil.json %s (%s)" % (bad, fmt))
            check("sigil.json" in r.err and key in r.err, "the message names the file and %s %s" % (key, r.brief()))


# ---------------------------------------------------------------- tests: related locations

RELATED_WS = {
    "geo/shape.sg": "pub struct Point { x: Float, y: Float }\n"
                    "pub fn area(p: Point, scale: Float) -> Float { p.x * scale }\n",
    "main.sg": "import geo.shape\n"
               "fn f() {}\n"
               "fn f() {}\n"
               "fn g() -> Float {\n"
               "    shape.area(shape.Point { x: 1.0, y: 2.0 }, 3)\n"
               "}\n",
}


def related_of(obj):
    return [(d["line"], d["code"], [(r["file"], r["line"], r["column"], r["endLine"], r["endColumn"], r["message"])
                                    for r in d.get("related", [])]) for d in obj["diagnostics"]]


@test
def test_related_locations_human_and_json(tmp):
    write(tmp, RELATED_WS)
    r = run(["--check", "--no-cache", tmp])
    eq(r.rc, 1, "exit status " + r.brief())
    lines = human_lines(r)
    eq(lines[:12], [
        "main.sg:3:4: error[E107]: duplicate definition of value `f`",
        "    3 | fn f() {}",
        "      |    ^",
        "main.sg:2:4: note: first defined here",
        "    2 | fn f() {}",
        "      |    -",
        "main.sg:5:48: error[E201]: type mismatch: expected Float, found Int",
        "    5 |     shape.area(shape.Point { x: 1.0, y: 2.0 }, 3)",
        "      |                                                ^",
        "geo/shape.sg:2:23: note: expected because of this parameter",
        "    2 | pub fn area(p: Point, scale: Float) -> Float { p.x * scale }",
        "      |                       ------------"], "human output with notes " + r.brief())
    want = [(3, "E107", [("main.sg", 2, 4, 2, 5, "first defined here")]),
            (5, "E201", [("geo/shape.sg", 2, 23, 2, 35, "expected because of this parameter")])]
    _, obj = run_json(["--no-cache", tmp], expect_rc=1)
    eq(related_of(obj), want, "JSON related locations")
    eq(obj["diagnostics"][1]["related"][0]["path"], os.path.join(os.path.realpath(tmp), "geo", "shape.sg"),
       "a related location's absolute path")


@test
def test_related_location_in_another_file_follows_its_layout(tmp):
    # main's cached result keeps the parameter by name: an edit of geo/shape.sg
    # that only moves lines re-checks nothing else, and the note follows it
    write(tmp, RELATED_WS)
    run_json([tmp], expect_rc=1)
    _, warm = run_json([tmp], expect_rc=1)
    eq(warm["modules"]["reused"], ["geo.shape", "main"], "a warm run reuses both modules")
    write(tmp, {"geo/shape.sg": "// moved down\n\n" + RELATED_WS["geo/shape.sg"]})
    _, moved = run_json([tmp], expect_rc=1)
    eq(moved["modules"]["checked"], ["geo.shape"], "only the edited module is checked")
    _, ref = run_json(["--no-cache", tmp], expect_rc=1)
    eq(related_of(moved), related_of(ref), "related locations from the cache vs --no-cache")
    eq(related_of(moved)[1][2], [("geo/shape.sg", 4, 23, 4, 35, "expected because of this parameter")],
       "the parameter, where the file has it now")
    # the parameter's type changed: main used it, so it is checked again
    write(tmp, {"geo/shape.sg": "pub struct Point { x: Float, y: Float }\npub fn area(p: Point, scale: Int) -> Float { p.x }\n"})
    _, obj = run_json([tmp], expect_rc=1)
    eq(obj["modules"]["checked"], ["geo.shape", "main"], "a changed parameter type re-checks main")
    eq([d["code"] for d in obj["diagnostics"]], ["E107"], "main's E201 is gone")


# ---------------------------------------------------------------- tests: the error index

def error_index():
    """docs/errors.md as {code: (heading, section text)}."""
    text = open(os.path.join(REPO, "docs", "errors.md"), encoding="utf-8").read()
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    out = {}
    for p in parts:
        head, _, body = p.partition("\n")
        m = re.match(r"^([EW]\d{3}): (.+)$", head)
        if m:
            out[m.group(1)] = (head, "## " + p)
    return out


def reported_codes():
    """The codes sigil reports: the list in checker/diag.c."""
    src = open(os.path.join(REPO, "checker", "diag.c"), encoding="utf-8").read()
    block = src[src.index("static const char *const codes[]"):]
    return re.findall(r'"([EW]\d{3})"', block[:block.index("};")])


@test
def test_error_index_covers_every_code_with_a_working_example(tmp):
    index = error_index()
    codes = reported_codes()
    check(len(codes) >= 31, "codes listed in checker/diag.c: %r" % codes)
    eq(sorted(index), sorted(codes), "codes with a section in docs/errors.md vs the codes sigil reports")
    for code in codes:
        if code not in index:
            continue
        m = re.search(r"```sigil\n(.*?)```", index[code][1], re.S)
        check(m, "%s: the section has a ```sigil example" % code)
        files, name = {}, "main.sg"
        for line in m.group(1).split("\n"):
            f = re.match(r"^// file: (\S+)$", line)
            if f:
                name = f.group(1)
                continue
            files[name] = files.get(name, "") + line + "\n"
        ws = os.path.join(tmp, code)
        write(ws, dict(files, **{"sigil.json": "{}\n"}))
        r, obj = run_json(["--no-cache", ws])
        got = sorted({d["code"] for d in obj["diagnostics"]})
        check(code in got, "%s: its example in docs/errors.md gets %s, not only %r" % (code, code, got))
        check(r.rc == (1 if code[0] == "E" else 0), "%s: the example's exit status %d" % (code, r.rc))


@test
def test_explain(tmp):
    index = error_index()
    r = run(["--explain", "E201"])
    eq(r.rc, 0, "exit status of --explain E201 " + r.brief())
    eq(r.out.rstrip("\n"), index["E201"][1].rstrip("\n"), "--explain E201 prints its section of docs/errors.md")
    eq(run(["--explain", "w002"]).out, run(["--explain", "W002"]).out, "--explain w002 (lower case)")
    expect_usage_error(run(["--explain", "E999"]), "--explain E999")
    expect_usage_error(run(["--explain"]), "--explain without a code")


# ---------------------------------------------------------------- main

def in_tmp(fn):
    """Runs the binary in the test's temporary directory unless told otherwise."""
    def wrapped(tmp):
        global CUR_TMP
        CUR_TMP = tmp
        try:
            fn(tmp)
        finally:
            CUR_TMP = None
    wrapped.__name__ = fn.__name__
    return wrapped


def main():
    global SIGIL
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sigil", default=os.path.join(REPO, "build", "sigil"), help="the binary to test")
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    ap.add_argument("-v", action="store_true", help="print passing tests too (to stderr)")
    opts = ap.parse_args()
    SIGIL = os.path.abspath(opts.sigil)
    if not binary_ok(SIGIL):
        return 1
    for i, fn in enumerate(TESTS):
        TESTS[i] = in_tmp(fn)
    return run_tests("sigil-cli-", opts.k, opts.v)


if __name__ == "__main__":
    sys.exit(main())
