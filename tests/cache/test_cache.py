#!/usr/bin/env python3
"""On-disk cache tests for `sigil` (LANGUAGE.md section 7, CONTRACT.md).

Runs the real binary in child processes on workspaces written to fresh
temporary directories, and damages the real cache database (SQLite, through
the `sqlite3` module) in the ways a crash, a full disk, a concurrent writer or
a stray editor could. The rule under test: a cache fault costs a re-check,
never a wrong result, never a crash, and at most one warning line on stderr.
Every run with a cache is compared with a `--no-cache` run of the same
workspace. Standard library only.

    python3 tests/cache/test_cache.py --sigil build/sigil [-k SUBSTRING] [-v] [--seed N]

Prints one line per failing test and ends with `N passed, N failed`; exits 1
if anything failed. Skipped tests are reported on stderr only.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
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

SIGIL = None    # absolute path of the binary under test, set in main()
SEED = 1        # --seed; the random edits and kill delays derive from it
VERBOSE = False

CACHE_LINE_RE = re.compile(r"^Cache: (\d+)/(\d+) modules cached \((\d+(?:\.\d+)?)% hit rate\)$")


# ---------------------------------------------------------------- framework


def note(msg):
    if VERBOSE:
        print("     %s" % msg, file=sys.stderr)


def clip(s, n=400):
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


class Result:
    def __init__(self, args, rc, out_b, err_b):
        self.args = args
        self.rc = rc
        self.out = out_b.decode("utf-8", "replace")
        self.err = err_b.decode("utf-8", "replace")
        self.obj = None

    def brief(self):
        return "[sigil %s -> rc=%s, stdout=%r, stderr=%r]" % (
            " ".join(self.args), self.rc, clip(self.out), clip(self.err))

    def err_lines(self):
        return [l for l in self.err.split("\n") if l.strip()]

    # JSON accessors
    @property
    def checked(self):
        return self.obj["modules"]["checked"]

    @property
    def reused(self):
        return self.obj["modules"]["reused"]

    @property
    def diags(self):
        return self.obj["diagnostics"]

    def triples(self):
        return [(d["file"], d["line"], d["code"]) for d in self.obj["diagnostics"]]


def base_env(**extra):
    env = dict(os.environ)
    for k in ("SIGIL_CACHE_DIR", "SIGIL_CACHE_MAX_ENTRIES", "SIGIL_TIMING", "NO_COLOR"):
        env.pop(k, None)
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run(args, env=None, cwd=None):
    try:
        p = subprocess.run([SIGIL] + list(args), cwd=cwd, env=env or base_env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        fail("sigil %s: timed out after %ds" % (" ".join(args), TIMEOUT))
    r = Result(list(args), p.returncode, p.stdout, p.stderr)
    if r.rc < 0:
        fail("sigil %s: killed by signal %d (crash) %s" % (" ".join(args), -r.rc, r.brief()))
    return r


def parse_json(r):
    try:
        r.obj = json.loads(r.out)
    except ValueError as e:
        fail("stdout is not one JSON document: %s %s" % (e, r.brief()))
    check(isinstance(r.obj, dict) and "diagnostics" in r.obj and "modules" in r.obj,
          "JSON report lacks diagnostics/modules %s" % r.brief())
    return r


def check_json(ws, *extra, env=None):
    """`sigil --check --format json [extra] WS`; rc must be 0 or 1."""
    r = run(["--check", "--format", "json"] + list(extra) + [ws], env=env)
    check(r.rc in (0, 1), "exit status %d (expected 0 or 1) %s" % (r.rc, r.brief()))
    return parse_json(r)


_REF = {}


def reference(ws, env=None):
    """The `--no-cache` result for the workspace as it is now: rc, diagnostics, module names."""
    r = check_json(ws, "--no-cache", env=env)
    check(r.err == "", "--no-cache run wrote to stderr %s" % r.brief())
    eq(r.reused, [], "--no-cache run: modules.reused")
    return r


def same_as_nocache(ws, r, max_err=0, what="", env=None, ref=None):
    """Asserts r (a cached run) gives exactly what a --no-cache run gives."""
    ref = ref or reference(ws, env=env)
    tag = (what + ": ") if what else ""
    lines = r.err_lines()
    check(len(lines) <= max_err, "%sexpected at most %d line(s) on stderr, got %d %s"
          % (tag, max_err, len(lines), r.brief()))
    if lines:
        check("warning" in lines[0] or "cache" in lines[0],
              "%sstderr line is not a cache warning: %r" % (tag, lines[0]))
    if r.diags != ref.diags:
        fail("%sdiagnostics differ from --no-cache:\n  cached:   %s\n  no-cache: %s"
             % (tag, clip(json.dumps(r.triples())), clip(json.dumps(ref.triples()))))
    eq(r.rc, ref.rc, tag + "exit status (vs --no-cache)")
    mods = sorted(r.checked + r.reused)
    eq(mods, sorted(ref.checked), tag + "checked + reused = every workspace module")
    eq(r.checked, sorted(r.checked), tag + "modules.checked sorted")
    eq(r.obj["modules"]["total"], len(mods), tag + "modules.total")
    st = r.obj.get("stats", {})
    eq(st.get("cache_hits"), len(r.reused), tag + "stats.cache_hits")
    eq(st.get("cache_misses"), len(r.checked), tag + "stats.cache_misses")
    return ref


def write(root, files):
    for rel, content in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def replace_in(root, rel, old, new, count=1):
    text = read(root, rel)
    check(old in text, "test bug: %r not in %s" % (old, rel))
    write(root, {rel: text.replace(old, new, count)})


# ---------------------------------------------------------------- the small workspace
#
# geo defines Point; util's exported signature uses geo.Point; app imports util
# and geo and has an error; report imports only util (reaches geo.Point through
# util.moved()); other is unrelated. util has a warning.

BASE = {
    "geo.sg": """\
pub struct Point { x: Float, y: Float }

pub fn origin() -> Point { Point { x: 0.0, y: 0.0 } }
""",
    "util.sg": """\
import geo

pub fn shift(p: geo.Point, d: Float) -> geo.Point {
    let unused = 3
    geo.Point { x: p.x + d, y: p.y }
}

pub fn norm1(p: geo.Point) -> Float { p.x + p.y }

pub fn moved() -> geo.Point { shift(geo.origin(), 2.0) }
""",
    "app.sg": """\
import util
import geo

fn main() {
    let p = util.shift(geo.origin(), 1.0)
    let n: Int = util.norm1(p)
    print(int_to_string(n))
}
""",
    "report.sg": """\
import util

pub fn yval() -> Float { util.moved().y }
""",
    "other.sg": """\
pub fn answer() -> Int { 42 }
""",
}
ALL = ["app", "geo", "other", "report", "util"]
BASE_DIAGS = [("app.sg", 6, "E201"), ("util.sg", 4, "W002")]


def small_ws(tmp, name="ws"):
    ws = os.path.join(tmp, name)
    os.makedirs(ws)
    write(ws, BASE)
    return ws


def cache_dir(ws):
    return os.path.join(ws, ".sigil-cache")


def db_of(ws):
    return os.path.join(cache_dir(ws), "cache.db")


def cold_then_warm(ws, *extra, env=None):
    """A first run that fills the cache; asserts the base diagnostics."""
    r = check_json(ws, *extra, env=env)
    same_as_nocache(ws, r, what="cold run", env=env)
    eq(r.triples(), BASE_DIAGS, "cold run diagnostics")
    eq(r.checked, ALL, "cold run: modules.checked")
    return r


# ---------------------------------------------------------------- database helpers

def checkpoint(db):
    """Writes the cache's log (cache.db-wal, which sigil keeps between runs)
    into the database file and removes it, as a connection that is the last
    to close does: damage done to the file afterwards is what runs read."""
    db_query(db, "PRAGMA wal_checkpoint(TRUNCATE)")
    check(not os.path.exists(db + "-wal"), "test bug: the log outlived its checkpoint")


def db_query(path, sql, params=()):
    con = sqlite3.connect(path, timeout=10)
    try:
        rows = con.execute(sql, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def index_of(ws, db=None):
    """The file index of a workspace (cache/sig.c, sg_index_encode and
    sg_index_encode_keys): rel -> result id (or None)."""
    rows = db_query(db or db_of(ws), "SELECT chunk, part, blob FROM files WHERE root = ? ORDER BY chunk, part",
                    (os.path.realpath(ws),))
    check(len(rows) >= 2 and all(isinstance(r[2], bytes) for r in rows), "no file index for %s" % ws)
    parts = {}
    for chunk, part, blob in rows:    # the index is kept in chunks (cache/store.h), each a rows and a keys blob
        parts.setdefault(chunk, {})[part] = blob
    out = {}
    for chunk, p in parts.items():
        check(set(p) == {0, 1}, "test bug: chunk %d has parts %r" % (chunk, sorted(p)))
        out.update(index_chunk(p[0], p[1]))
    return out


def index_blobs(ws):
    """Every blob of the file index of a workspace: (chunk, part) -> bytes."""
    rows = db_query(db_of(ws), "SELECT chunk, part, blob FROM files WHERE root = ?", (os.path.realpath(ws),))
    return {(c, p): bytes(b) for c, p, b in rows}


class Reader:
    def __init__(self, b, magic):
        check(b[:4] == magic, "test bug: unknown blob format %r (expected %r)" % (b[:4], magic))
        self.b, self.pos = b, 8

    def varint(self):
        v = shift = 0
        while True:
            c = self.b[self.pos]
            self.pos += 1
            v |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return v

    def string(self):
        n = self.varint()
        self.pos += n
        return self.b[self.pos - n:self.pos].decode()

    def raw(self, n):
        self.pos += n
        return self.b[self.pos - n:self.pos]


def index_rels(rows_blob):
    """The paths of a chunk's rows blob, in order."""
    r = Reader(rows_blob, b"SGX\x03")
    out = []
    for _ in range(r.varint()):
        out.append(r.string())
        for _ in range(5):
            r.varint()
        r.raw(16)
        for _ in range(r.varint()):
            r.string()
    return out


def index_chunk(rows_blob, keys_blob):
    """rel -> result id (or None) of one chunk."""
    rels = index_rels(rows_blob)
    k = Reader(keys_blob, b"SGK\x01")
    k.varint()      # the rows blob's checksum
    eq(k.varint(), len(rels), "rows in a chunk's keys")
    out = {}
    for rel in rels:
        out[rel] = None
        if k.raw(1)[0]:
            k.raw(16)
            out[rel] = k.raw(16)
            k.raw(16)   # the export hash
            k.varint()
            k.raw(16)   # the usage filter
    return out


def key_of(ws, rel, db=None):
    ids = index_of(ws, db)
    check(ids.get(rel) is not None, "no result in the file index for %s (index: %r)" % (rel, sorted(ids)))
    return ids[rel]


def flip_byte(db, table, column, keycol, key, where="middle", bit=None):
    rows = db_query(db, "SELECT %s FROM %s WHERE %s = ?" % (column, table, keycol), (key,))
    check(len(rows) == 1 and isinstance(rows[0][0], bytes), "test bug: no %s.%s blob" % (table, column))
    blob = bytearray(rows[0][0])
    check(len(blob) > 16, "test bug: %s.%s blob too short (%d)" % (table, column, len(blob)))
    i = len(blob) // 2 if where == "middle" else where
    if bit is None:
        blob[i] ^= 0xFF
    else:
        blob[i] ^= 1 << bit
    db_query(db, "UPDATE %s SET %s = ? WHERE %s = ?" % (table, column, keycol), (bytes(blob), key))


def verify(ws, *extra, env=None):
    return run(["cache", "verify"] + list(extra) + [ws], env=env)


def xref_check(ws, what, complete=True):
    """The index's part of the cache (results.xref, the language server's
    cross-reference entries): every module's current result has its entry
    (unless not `complete`: a result stored again without being checked,
    when its signature had to be made anew, has none until the language
    server makes it), and each entry is byte for byte the one a cold run
    into a fresh cache writes for that module (an entry depends on the
    module's source and on what its names resolve to, which its result's
    usage record pins down)."""
    fresh = tempfile.mkdtemp(prefix="sigil-cache-fresh-")
    try:
        r = run(["--check", "--format", "json", ws], env=base_env(SIGIL_CACHE_DIR=fresh))
        check(r.rc in (0, 1), "%s: the fresh run %s" % (what, r.brief()))
        fdb = os.path.join(fresh, "cache.db")
        want = {rel: db_query(fdb, "SELECT xref FROM results WHERE id = ?", (i,))[0][0]
                for rel, i in index_of(ws, fdb).items() if i}
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    have = {}
    for rel, i in index_of(ws).items():
        rows = db_query(db_of(ws), "SELECT xref FROM results WHERE id = ?", (i,)) if i else []
        have[rel] = rows[0][0] if rows else None
    eq(sorted(have), sorted(want), "%s: the modules of the file index" % what)
    missing = sorted(rel for rel, b in have.items() if b is None)
    check(not complete or not missing, "%s: no cross-reference entry for %s" % (what, ", ".join(missing[:5])))
    differ = sorted(rel for rel, b in have.items() if b is not None and b != want[rel])
    check(not differ, "%s: the cross-reference entries of %s differ from a fresh run's" % (what, ", ".join(differ[:5])))


# ---------------------------------------------------------------- warm runs

@test
def test_warm_run_reuses_everything(tmp):
    ws = small_ws(tmp)
    cold = run(["--check", "--stats", ws])
    eq(cold.rc, 1, "cold human run exit status")
    eq(cold.err, "", "cold run stderr")
    lines = [l for l in cold.out.split("\n") if l.strip()]
    eq(lines[-1], "Cache: 0/5 modules cached (0.0% hit rate)", "cold --stats line")
    check(os.path.isfile(db_of(ws)), "no %s after a run with the default cache" % db_of(ws))
    gi = os.path.join(cache_dir(ws), ".gitignore")
    check(os.path.isfile(gi), "no .gitignore in the cache directory")
    with open(gi) as f:
        check("*" in [l.strip() for l in f.read().split("\n")], ".gitignore does not contain `*`")

    warm = check_json(ws)
    same_as_nocache(ws, warm, what="warm run")
    eq(warm.triples(), BASE_DIAGS, "warm diagnostics")
    eq(warm.checked, [], "warm run: modules.checked")
    eq(warm.reused, ALL, "warm run: modules.reused")

    h = run(["--check", "--stats", ws])
    eq(h.err, "", "warm human run stderr")
    eq(h.rc, 1, "warm human run exit status")
    lines = [l for l in h.out.split("\n") if l.strip()]
    eq(lines[-1], "Cache: 5/5 modules cached (100.0% hit rate)", "warm --stats line")
    # the human diagnostics of a warm run equal those of a cold (--no-cache) run
    nc = run(["--check", "--no-cache", ws])
    strip = lambda out: [l for l in out.split("\n") if not l.startswith("checked ")]
    eq(strip(h.out)[:-2], strip(nc.out)[:-1], "human output, warm vs --no-cache")

    # one body edit: 4/5 from the cache
    replace_in(ws, "other.sg", "42", "43")
    h = run(["--check", "--stats", ws])
    lines = [l for l in h.out.split("\n") if l.strip()]
    m = CACHE_LINE_RE.match(lines[-1])
    check(m, "--stats line %r does not match the contract" % lines[-1])
    eq((m.group(1), m.group(2), m.group(3)), ("4", "5", "80.0"), "--stats after a body edit")


# ---------------------------------------------------------------- damaged database files

def damaged_db_case(tmp, name, damage):
    ws = small_ws(tmp, name)
    cold_then_warm(ws)
    damage(db_of(ws))
    for f in ("cache.db-wal", "cache.db-shm"):
        p = os.path.join(cache_dir(ws), f)
        if os.path.exists(p):
            os.unlink(p)
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what=name + ", first run")
    # the damage is repaired: the next run is correct and quiet, the one after warm
    r2 = check_json(ws)
    same_as_nocache(ws, r2, max_err=0, what=name + ", second run")
    r3 = check_json(ws)
    same_as_nocache(ws, r3, max_err=0, what=name + ", third run")
    eq(r3.checked, [], name + ", third run: modules.checked (cache rebuilt)")
    v = verify(ws)
    eq(v.rc, 0, name + ": cache verify after the rebuild %s" % v.brief())


def truncate_to(n):
    def damage(db):
        with open(db, "r+b") as f:
            f.truncate(n(os.path.getsize(db)) if callable(n) else n)
    return damage


@test
def test_truncated_db_half(tmp):
    damaged_db_case(tmp, "half", truncate_to(lambda size: size // 2))


@test
def test_truncated_db_100_bytes(tmp):
    damaged_db_case(tmp, "100b", truncate_to(100))


@test
def test_empty_db_file(tmp):
    damaged_db_case(tmp, "empty", truncate_to(0))


@test
def test_garbage_db(tmp):
    rng = random.Random(SEED)

    def damage(db):
        size = os.path.getsize(db)
        with open(db, "wb") as f:
            f.write(bytes(rng.randrange(256) for _ in range(size)))
    damaged_db_case(tmp, "garbage", damage)


@test
def test_garbage_after_sqlite_header(tmp):
    # a valid SQLite header, then garbage pages: only reading the tables can tell
    rng = random.Random(SEED + 1)

    def damage(db):
        with open(db, "r+b") as f:
            f.seek(100)
            f.write(bytes(rng.randrange(256) for _ in range(os.path.getsize(db) - 100)))
    damaged_db_case(tmp, "garbage-pages", damage)


# ---------------------------------------------------------------- damaged rows

def app_path(ws):
    return os.path.join(os.path.realpath(ws), "app.sg")


@test
def test_diagnostics_blob_checksum(tmp):
    # A module's result lives in the results table; the file index only says
    # which one, and how many diagnostics it has. Damage to the result that
    # a warm run reads (app has diagnostics) makes app a miss.
    ws = small_ws(tmp)
    cold_then_warm(ws)
    v = verify(ws)
    eq(v.rc, 0, "cache verify on a clean cache %s" % v.brief())
    check(any(t[0] == "app.sg" for t in BASE_DIAGS), "test bug: app has no diagnostics")
    flip_byte(db_of(ws), "results", "result", "id", key_of(ws, "app.sg"))
    v = verify(ws)
    eq(v.rc, 1, "cache verify with a damaged result blob %s" % v.brief())
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what="damaged result")
    eq(r.triples(), BASE_DIAGS, "diagnostics with a damaged result blob")
    eq(r.checked, ["app"], "modules.checked with a damaged result (a miss)")


@test
def test_damaged_file_index(tmp):
    # the file index damaged: every file is
    # read and hashed again, and their stored results are still found by
    # source key; `cache verify` sees the damage
    ws = small_ws(tmp)
    cold_then_warm(ws)
    db = db_of(ws)
    # (one chunk of it: any damaged chunk makes the whole index an empty one)
    rows = db_query(db, "SELECT rowid, length(blob) FROM files WHERE root = ?", (os.path.realpath(ws),))
    flip_byte(db, "files", "blob", "rowid", rows[0][0], where=rows[0][1] // 2)
    v = verify(ws)
    eq(v.rc, 1, "cache verify with a damaged file index %s" % v.brief())
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what="damaged file index")
    eq(r.checked, [], "modules.checked with a damaged file index (results found by source key)")
    r = check_json(ws)
    same_as_nocache(ws, r, what="damaged file index, second run")
    eq(r.checked, [], "second run")
    eq(verify(ws).rc, 0, "cache verify after the file index was written again")


@test
def test_damaged_row_is_repaired(tmp):
    # after a damaged result has been a miss once, the re-check's result
    # replaces it: the cache does not stay damaged (verify clean, next run warm)
    ws = small_ws(tmp)
    cold_then_warm(ws)
    flip_byte(db_of(ws), "results", "result", "id", key_of(ws, "app.sg"))
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what="damaged row, first run")
    eq(r.checked, ["app"], "first run after a damaged row: modules.checked")
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=0, what="damaged row, second run")
    eq(r.checked, [], "second run after a damaged row: modules.checked (result not repaired)")
    v = verify(ws)
    eq(v.rc, 0, "cache verify after the damaged row was re-checked %s" % v.brief())


@test
def test_signature_blob_bit_flip(tmp):
    for victim in ("geo.sg", "util.sg"):
        ws = small_ws(tmp, "ws-" + victim[:-3])
        cold_then_warm(ws)
        v = verify(ws)
        eq(v.rc, 0, "cache verify on a clean cache %s" % v.brief())
        key = key_of(ws, victim)
        rows = db_query(db_of(ws), "SELECT length(signature) FROM results WHERE id = ?", (key,))
        flip_byte(db_of(ws), "results", "signature", "id", key, where=rows[0][0] // 2, bit=3)
        v = verify(ws)
        eq(v.rc, 1, "cache verify with a flipped bit in %s's signature %s" % (victim, v.brief()))
        # app's body changes: app is checked against the (damaged) cached tables of util and geo
        replace_in(ws, "app.sg", "let p = util.shift(geo.origin(), 1.0)",
                   "let p = util.shift(geo.origin(), 2.0)")
        r = check_json(ws)
        same_as_nocache(ws, r, max_err=1, what="flipped bit in %s signature" % victim)
        eq(r.triples(), BASE_DIAGS, "diagnostics, flipped bit in %s signature" % victim)
        check(r.checked in (["app"], ["app", victim[:-3]]) or sorted(r.checked) == sorted(["app", victim[:-3]]),
              "modules.checked with a flipped bit in %s's signature: %r" % (victim, r.checked))
        # and a signature edit in geo whose importers decode util's damaged signature
        replace_in(ws, "app.sg", "print(int_to_string(n))", "print(int_to_string(n + util.norm1(geo.origin())))")
        r = check_json(ws)
        same_as_nocache(ws, r, max_err=1, what="flipped bit in %s signature, second edit" % victim)


@test
def test_other_damaged_rows(tmp):
    # rows that are well-formed SQL but wrong: every one must be a miss
    cases = [
        ("index flipped", "UPDATE files SET blob = substr(blob, 1, 20) || x'FF' || substr(blob, 22)"),
        ("index NULL", "UPDATE files SET blob = NULL"),
        ("index text", "UPDATE files SET blob = 'abc'"),
        ("index empty", "UPDATE files SET blob = x''"),
        ("index truncated", "UPDATE files SET blob = substr(blob, 1, length(blob) / 2)"),
        ("index of another root", "UPDATE files SET root = root || 'x'"),
        ("indexes swapped", "UPDATE files SET blob = (SELECT blob FROM files f WHERE f.root != files.root LIMIT 1)"),
        ("keys of other rows", "UPDATE files SET blob = (SELECT blob FROM files f WHERE f.part = 1 AND f.chunk != files.chunk"
                               " LIMIT 1) WHERE part = 1"),
        ("keys missing", "DELETE FROM files WHERE part = 1"),
        ("signature NULL", "UPDATE results SET signature = NULL"),
        ("signature empty", "UPDATE results SET signature = x''"),
        ("result text", "UPDATE results SET result = 'hello'"),
        ("result empty", "UPDATE results SET result = x''"),
        ("results of another module", "UPDATE results SET result = (SELECT result FROM results LIMIT 1)"),
        ("results shuffled", "UPDATE results SET id = randomblob(16)"),
        ("files wrong shape", "DROP TABLE files; CREATE TABLE files(x)"),
        ("source_key short", "UPDATE results SET source_key = x'00'"),
        ("source_key swapped", "UPDATE results SET source_key = randomblob(16)"),
        ("meta run garbage", "UPDATE meta SET value = 'zz' WHERE key = 'run'"),
        ("files table dropped", "DROP TABLE files"),
        ("results table dropped", "DROP TABLE results"),
        ("results wrong shape", "DROP TABLE results; CREATE TABLE results(x)"),
    ]
    problems = []
    for i, (name, sql) in enumerate(cases):
        ws = small_ws(tmp, "ws%d" % i)
        cold_then_warm(ws)
        con = sqlite3.connect(db_of(ws))
        con.executescript(sql)
        con.commit()
        con.close()
        # an edit, so the run must decode signatures of reused modules too
        replace_in(ws, "app.sg", "1.0)", "3.0)")
        try:
            r = check_json(ws)
            same_as_nocache(ws, r, max_err=1, what=name)
            r = check_json(ws)
            same_as_nocache(ws, r, max_err=1, what=name + ", second run")
        except TestFailure as e:
            problems.append(str(e))
    check(not problems, "; ".join(problems))


@test
def test_damaged_xref_entries(tmp):
    # the cross-reference entries are the language server's: a damaged or
    # missing one never changes a check (a check does not read them), cache
    # verify names a damaged one, and a check that writes the result again
    # puts a good entry back (an entry is written with its result)
    ws = small_ws(tmp)
    cold_then_warm(ws)
    xref_check(ws, "cold run")
    key = key_of(ws, "app.sg")
    flip_byte(db_of(ws), "results", "xref", "id", key)
    v = verify(ws)
    eq(v.rc, 1, "cache verify with a damaged cross-reference entry %s" % v.brief())
    check("damaged entry" in v.out, "cache verify names the damaged row %s" % v.brief())
    r = check_json(ws)
    same_as_nocache(ws, r, what="a damaged cross-reference entry")
    eq(r.checked, [], "a damaged cross-reference entry is not read by a check")
    db_query(db_of(ws), "UPDATE results SET xref = NULL")
    eq(verify(ws).rc, 0, "cache verify: results without entries (as the remote cache writes them) are consistent")
    r = check_json(ws)
    same_as_nocache(ws, r, what="no cross-reference entries")
    eq(r.checked, [], "results without entries are reused by a check")
    # a result checked (an edit of app) is written with its entry; after a
    # revert the old result is reused as it is (the language server makes
    # the entries it lacks)
    replace_in(ws, "app.sg", "1.0)", "3.0)")
    check_json(ws)
    eq(db_query(db_of(ws), "SELECT xref IS NOT NULL FROM results WHERE id = ?", (key_of(ws, "app.sg"),)), [(1,)],
       "the entry of a result checked")
    replace_in(ws, "app.sg", "3.0)", "1.0)")
    r = check_json(ws)
    eq(r.checked, [], "the revert reuses app's old result")


# ---------------------------------------------------------------- versions

@test
def test_previous_schema_is_rebuilt_with_one_note(tmp):
    # a cache written by the previous schema (5: one result per check key,
    # no usage records): its tables do not fit this version's indexes
    ws = small_ws(tmp)
    os.makedirs(cache_dir(ws), exist_ok=True)
    con = sqlite3.connect(db_of(ws))
    con.executescript("""
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        INSERT INTO meta VALUES ('schema_version', '5'), ('checker_version', 'old');
        CREATE TABLE files(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, ino INTEGER,
            indexed_at_ns INTEGER, source_hash BLOB, module TEXT, imports BLOB, check_key BLOB, export_hash BLOB,
            diagnostics BLOB);
        CREATE TABLE results(check_key BLOB PRIMARY KEY, export_hash BLOB, signature BLOB, diagnostics BLOB,
            last_used INTEGER);
        INSERT INTO results VALUES (x'00', x'00', x'00', x'00', 1);
    """)
    con.commit()
    con.close()
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what="first run on a schema-5 cache")
    eq(len(r.err_lines()), 1, "notes on stderr %s" % r.brief())
    check("another version" in r.err, "the note does not say the cache was written by another version %s" % r.brief())
    r = check_json(ws)
    same_as_nocache(ws, r, what="second run")
    eq(r.checked, [], "second run: every result reused")


@test
def test_checker_version_change(tmp):
    ws = small_ws(tmp)
    cold_then_warm(ws)
    db_query(db_of(ws), "UPDATE meta SET value = 'sigil-checker-0' WHERE key = 'checker_version'")
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what="after a checker_version change")
    eq(r.checked, ALL, "modules.checked after a checker_version change")
    eq(len(r.err_lines()), 1, "stderr lines after a checker_version change (say it once) %s" % r.brief())
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=0, what="run after the rebuild")
    eq(r.checked, [], "modules.checked on the run after the rebuild")
    # a different schema version: the same
    db_query(db_of(ws), "UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what="after a schema_version change")
    eq(r.checked, ALL, "modules.checked after a schema_version change")
    r = check_json(ws)
    same_as_nocache(ws, r, what="run after the schema rebuild")
    eq(r.checked, [], "modules.checked on the run after the schema rebuild")
    # no version rows at all
    db_query(db_of(ws), "DELETE FROM meta")
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=1, what="after deleting meta")
    eq(r.checked, ALL, "modules.checked after deleting every meta row")


# ---------------------------------------------------------------- unusable cache locations

def unusable_case(ws, what, extra=(), env=None):
    for i in range(2):
        r = check_json(ws, *extra, env=env)
        same_as_nocache(ws, r, max_err=1, what="%s (run %d)" % (what, i + 1))
        eq(r.triples(), BASE_DIAGS, "%s: diagnostics" % what)
        eq(r.checked, ALL, "%s: modules.checked (no cache)" % what)


@test
def test_unusable_cache_dir(tmp):
    ws = small_ws(tmp)
    afile = os.path.join(tmp, "afile")
    with open(afile, "w") as f:
        f.write("not a directory\n")
    unusable_case(ws, "--cache-dir under a regular file", ["--cache-dir", os.path.join(afile, "cache")])
    unusable_case(ws, "SIGIL_CACHE_DIR under a regular file",
                  env=base_env(SIGIL_CACHE_DIR=os.path.join(afile, "cache")))
    unusable_case(ws, "--cache-dir under /proc", ["--cache-dir", "/proc/sigil-test-no-such/cache"])
    # the cache directory is there, but cache.db is a directory
    cd = os.path.join(tmp, "cd-dbdir")
    os.makedirs(os.path.join(cd, "cache.db"))
    unusable_case(ws, "cache.db is a directory", ["--cache-dir", cd])
    # the cache "directory" is a regular file
    unusable_case(ws, "--cache-dir is a regular file", ["--cache-dir", afile])
    check(not os.path.exists(cache_dir(ws)), "a default cache directory appeared though --cache-dir was given")
    # a cache whose WAL file cannot be created (a directory is in its place)
    cd = os.path.join(tmp, "cd-waldir")
    r = check_json(ws, "--cache-dir", cd)
    same_as_nocache(ws, r, what="fresh --cache-dir")
    checkpoint(os.path.join(cd, "cache.db"))
    os.makedirs(os.path.join(cd, "cache.db-wal"))
    for i in range(2):
        r = check_json(ws, "--cache-dir", cd)
        same_as_nocache(ws, r, max_err=1, what="cache.db-wal is a directory (run %d)" % (i + 1))


@test
def test_read_only_cache_dir(tmp):
    if os.geteuid() == 0:
        raise Skip("running as root: chmod cannot make a directory read-only "
                   "(test_unusable_cache_dir covers paths that can never be created)")
    ws = small_ws(tmp)
    cold_then_warm(ws)
    os.chmod(cache_dir(ws), 0o555)
    try:
        for i in range(2):
            r = check_json(ws)
            same_as_nocache(ws, r, max_err=1, what="read-only existing cache dir (run %d)" % (i + 1))
            # the database and its directory did not change
        ro_parent = os.path.join(tmp, "ro")
        os.makedirs(ro_parent)
        os.chmod(ro_parent, 0o555)
        for i in range(2):
            r = check_json(ws, "--cache-dir", os.path.join(ro_parent, "cache"))
            same_as_nocache(ws, r, max_err=1, what="missing cache dir in a read-only parent (run %d)" % (i + 1))
            eq(r.checked, ALL, "read-only parent: modules.checked")
        os.chmod(db_of(ws), 0o444)
        r = check_json(ws)
        same_as_nocache(ws, r, max_err=1, what="read-only cache.db")
    finally:
        os.chmod(cache_dir(ws), 0o755)


# ---------------------------------------------------------------- locations

@test
def test_cache_dir_flag_and_env(tmp):
    ws = small_ws(tmp)
    d1 = os.path.join(tmp, "flagdir")
    r = check_json(ws, "--cache-dir", d1)
    same_as_nocache(ws, r)
    check(os.path.isfile(os.path.join(d1, "cache.db")), "--cache-dir: no cache.db in %s" % d1)
    check(not os.path.exists(cache_dir(ws)), "--cache-dir: ROOT/.sigil-cache was created too")
    r = check_json(ws, "--cache-dir=" + d1)
    same_as_nocache(ws, r)
    eq(r.checked, [], "second run with --cache-dir=DIR: modules.checked")

    d2 = os.path.join(tmp, "envdir")
    env = base_env(SIGIL_CACHE_DIR=d2)
    r = check_json(ws, env=env)
    same_as_nocache(ws, r, env=env)
    eq(r.checked, ALL, "first run with SIGIL_CACHE_DIR: modules.checked")
    check(os.path.isfile(os.path.join(d2, "cache.db")), "SIGIL_CACHE_DIR: no cache.db in %s" % d2)
    check(not os.path.exists(cache_dir(ws)), "SIGIL_CACHE_DIR: ROOT/.sigil-cache was created too")
    r = check_json(ws, env=env)
    eq(r.checked, [], "second run with SIGIL_CACHE_DIR: modules.checked")
    s = run(["cache", "stats", ws], env=env)
    eq(s.rc, 0, "cache stats with SIGIL_CACHE_DIR %s" % s.brief())
    check(d2 in s.out or "entries" in s.out, "cache stats does not describe %s %s" % (d2, s.brief()))

    # --cache-dir wins over SIGIL_CACHE_DIR
    d3 = os.path.join(tmp, "bothdir")
    r = check_json(ws, "--cache-dir", d3, env=env)
    same_as_nocache(ws, r, env=env)
    eq(r.checked, ALL, "--cache-dir over SIGIL_CACHE_DIR: a fresh cache")
    check(os.path.isfile(os.path.join(d3, "cache.db")), "--cache-dir did not win over SIGIL_CACHE_DIR")
    s = run(["cache", "verify", "--cache-dir", d3, ws])
    eq(s.rc, 0, "cache verify --cache-dir %s" % s.brief())

    # --no-cache: nothing is created, not even with SIGIL_CACHE_DIR set
    ws2 = small_ws(tmp, "ws2")
    d4 = os.path.join(tmp, "nocachedir")
    for e in (None, base_env(SIGIL_CACHE_DIR=d4)):
        r = check_json(ws2, "--no-cache", env=e)
        eq(r.err, "", "--no-cache stderr")
        eq(r.checked, ALL, "--no-cache: modules.checked")
        eq(r.triples(), BASE_DIAGS, "--no-cache diagnostics")
    check(not os.path.exists(cache_dir(ws2)), "--no-cache created %s" % cache_dir(ws2))
    check(not os.path.exists(d4), "--no-cache created SIGIL_CACHE_DIR %s" % d4)
    # --no-cache ignores a damaged cache entirely (no warning)
    os.makedirs(cache_dir(ws2))
    with open(db_of(ws2), "wb") as f:
        f.write(b"garbage" * 100)
    r = check_json(ws2, "--no-cache")
    eq(r.err, "", "--no-cache with a garbage cache.db: stderr")
    with open(db_of(ws2), "rb") as f:
        eq(f.read(), b"garbage" * 100, "--no-cache touched cache.db")


@test
def test_shared_cache_dir_between_workspaces(tmp):
    # one SIGIL_CACHE_DIR for several workspaces: results are content-addressed
    # (shared where keys agree), file index rows are per path
    shared = os.path.join(tmp, "shared-cache")
    env = base_env(SIGIL_CACHE_DIR=shared)
    ws1 = small_ws(tmp, "ws1")
    ws2 = small_ws(tmp, "ws2")
    replace_in(ws2, "geo.sg", "y: Float }", "y: Int }")
    for i in range(3):
        for ws, name in ((ws1, "ws1"), (ws2, "ws2")):
            r = check_json(ws, env=env)
            same_as_nocache(ws, r, env=env, what="%s, round %d" % (name, i))
            if i:
                eq(r.checked, ["other"] if ws is ws1 else [], "%s, round %d: modules.checked" % (name, i))
        # an edit in one workspace does not disturb the other
        replace_in(ws1, "other.sg", "{ %d }" % (42 + i), "{ %d }" % (43 + i))
    ws3 = os.path.join(tmp, "ws3")
    shutil.copytree(ws2, ws3)
    r = check_json(ws3, env=env)
    same_as_nocache(ws3, r, env=env, what="a copy of ws2")
    eq(r.checked, [], "a copy of ws2 at another path: modules.checked (results are content-addressed)")
    v = run(["cache", "verify", ws1], env=env)
    eq(v.rc, 0, "cache verify of the shared cache %s" % v.brief())


# ---------------------------------------------------------------- the big workspace

_BIG = None


def big_template():
    global _BIG
    if _BIG is None:
        d = tempfile.mkdtemp(prefix="sigil-cache-gen-")
        out = os.path.join(d, "ws")
        p = subprocess.run([sys.executable, os.path.join(REPO, "bench", "gen.py"), "--modules", "400",
                            "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            fail("bench/gen.py failed: %s" % p.stderr.decode(errors="replace"))
        _BIG = out
    return _BIG


def big_ws(tmp):
    ws = os.path.join(tmp, "big")
    shutil.copytree(big_template(), ws)
    return ws


class BigEditor:
    """Random edits to a bench/gen.py workspace: body literals, added pub fns,
    body errors, and struct field types (which break importers)."""

    FACTOR = re.compile(r"^    let factor(: String)? = (\d+)$", re.M)
    FIELD = re.compile(r"^    weight: (Float|Int),$", re.M)

    def __init__(self, ws, rng):
        self.ws = ws
        self.rng = rng
        self.files = sorted(os.path.relpath(os.path.join(dp, f), ws)
                            for dp, _, fs in os.walk(ws) for f in fs if f.endswith(".sg"))
        self.low = [f for f in self.files if re.match(r"l0*[01]/", f)]
        self.n = 0

    def edit(self, kind=None):
        kind = kind or self.rng.choice(["body", "body", "sig", "error", "field"])
        self.n += 1
        rel = self.rng.choice(self.low if kind in ("sig", "field") else self.files)
        text = read(self.ws, rel)
        if kind == "body":
            m = self.FACTOR.search(text)
            if not m:
                return self.edit("sig")
            text = text[:m.start(2)] + str(int(m.group(2)) + 1) + text[m.end(2):]
        elif kind == "error":
            m = self.FACTOR.search(text)
            if not m:
                return self.edit("sig")
            text = text[:m.start()] + ("    let factor = %s" % m.group(2) if m.group(1)
                                       else "    let factor: String = %s" % m.group(2)) + text[m.end():]
        elif kind == "field":
            m = self.FIELD.search(text)
            if not m:
                return self.edit("sig")
            text = text[:m.start(1)] + ("Int" if m.group(1) == "Float" else "Float") + text[m.end(1):]
        else:
            text += "\npub fn extra_cache_test_%d() -> Int { %d }\n" % (self.n, self.n)
        write(self.ws, {rel: text})
        return "%s %s" % (kind, rel)


@test
def test_log_kept_between_runs_and_bounded(tmp):
    # A run that writes leaves its log (cache.db-wal) for the next run to
    # read, instead of paying a checkpoint with its fsync on every exit; the
    # log is kept to 16 MB, also after a cold run of 3,500 modules, which
    # writes about 19 MB (in one transaction with -j1; with -j2, results
    # are stored by a thread of their own while the run goes on).
    ws = os.path.join(tmp, "ws")
    p = subprocess.run([sys.executable, os.path.join(REPO, "bench", "gen.py"), "--modules", "3500", "--out", ws],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    check(p.returncode == 0, "bench/gen.py failed: %s" % p.stderr.decode(errors="replace"))
    db = db_of(ws)

    def log_size():
        return os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else None

    for jobs in ("-j1", "-j2"):
        shutil.rmtree(cache_dir(ws), ignore_errors=True)
        r = check_json(ws, jobs)
        eq(len(r.checked), 3501, "cold run %s: modules.checked" % jobs)
        size = log_size()
        check(os.path.getsize(db) + (size or 0) > 16 << 20, "test bug: the cold run wrote only %d bytes" % os.path.getsize(db))
        check(size is None or size <= 16 << 20, "cold run %s: the log kept is %s bytes" % (jobs, size))
    ed = BigEditor(ws, random.Random(SEED + 11))
    for i in range(3):
        ed.edit("body")
        r = check_json(ws)
        same_as_nocache(ws, r, what="body edit %d" % (i + 1))
        eq(len(r.checked), 1, "body edit %d: modules.checked" % (i + 1))
        size = log_size()
        check(size is not None and 0 < size <= 16 << 20, "body edit %d: the log kept is %s bytes" % (i + 1, size))
    r = check_json(ws)
    eq(r.checked, [], "a warm run after the edits reads them from the log: modules.checked")


@test
def test_damaged_pages_in_large_db(tmp):
    # bytes overwritten in the middle of a larger database (a bad disk, a
    # stray write): the header and schema are intact, so only reading some
    # rows fails. Every run stays correct with at most one warning line, and
    # the cache recovers (is rebuilt) instead of warning on every run forever.
    rng = random.Random(SEED + 5)
    ws = big_ws(tmp)
    ed = BigEditor(ws, rng)
    for kind in ("error", "field", "error"):
        ed.edit(kind)
    r = check_json(ws)
    ref = same_as_nocache(ws, r, what="cold run")
    check(ref.diags, "test bug: the edited big workspace has no diagnostics")
    db = db_of(ws)
    checkpoint(db)
    size = os.path.getsize(db)
    page = db_query(db, "PRAGMA page_size")[0][0]
    with open(db, "r+b") as f:
        for _ in range(8):
            f.seek(rng.randrange(2, size // page) * page + rng.randrange(page - 64))
            f.write(bytes(rng.randrange(256) for _ in range(64)))
    for i in range(3):
        r = check_json(ws)
        same_as_nocache(ws, r, max_err=1, what="run %d after damaging pages" % (i + 1), ref=ref)
    eq(r.err, "", "third run after damaging pages: stderr (the damage should have been repaired by now)")
    # Damage where no run reads (a result no file uses, pages of rows no
    # run looks up) costs nothing and stays until a run meets it or the
    # cache is cleared; `cache verify` reports it (and never repairs it).
    v = verify(ws)
    check(v.rc in (0, 1), "cache verify after damaging pages %s" % v.brief())
    if v.rc == 1:
        check("problem" in v.out, "cache verify exits 1 without saying what %s" % v.brief())


@test
def test_kill_during_write(tmp):
    rng = random.Random(SEED + 7)
    ws = big_ws(tmp)
    ed = BigEditor(ws, rng)
    t0 = time.time()
    r = check_json(ws)
    cold = time.time() - t0
    same_as_nocache(ws, r, what="cold run of the big workspace")
    hi = max(0.02, min(0.2, cold))
    killed = in_store = 0
    for i in range(10):
        # even rounds: an edit that re-checks many modules, killed inside the
        # store phase (SIGIL_TIMING=1 reports on stderr when the check phase
        # ends and the write begins); odd rounds: any edit, killed after a
        # random delay (also when there is no timing output)
        timed = i % 2 == 0
        what = ed.edit(("field" if i % 4 == 0 else "sig") if timed else None)
        if i % 4 == 1:
            run(["cache", "clear", ws])      # the next write is the whole cache
        env = base_env(SIGIL_TIMING="1") if timed else base_env()
        delay = rng.uniform(0.0, 0.012) if timed else rng.uniform(0.002, hi)
        p = subprocess.Popen([SIGIL, "--check", "--format", "json", ws], env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE if timed else subprocess.DEVNULL)
        if timed:
            while True:
                line = p.stderr.readline()
                if not line or b"timing: check" in line:
                    break
            if not line:
                timed = False
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        rc = p.wait()
        if p.stderr:
            p.stderr.close()
        if rc == -signal.SIGKILL:
            killed += 1
            in_store += timed
        elif rc not in (0, 1):
            fail("round %d (%s): run exited %d before the kill" % (i, what, rc))
        tag = "round %d (%s, killed %.0f ms after %s)" % (i, what, delay * 1000,
                                                           "the write began" if timed else "the start")
        r = check_json(ws)
        same_as_nocache(ws, r, max_err=1, what=tag)
        v = verify(ws)
        eq(v.rc, 0, "%s: cache verify %s" % (tag, v.brief()))
        xref_check(ws, tag)
    note("kill test: %d of 10 runs killed before they exited, %d of them while writing (random delays up to %.0f ms)"
         % (killed, in_store, hi * 1000))
    check(killed >= 2, "only %d of 10 runs were still running when killed; the test did not test much" % killed)
    r = check_json(ws)
    same_as_nocache(ws, r, what="final run")
    eq(r.checked, [], "final run after the kills: modules.checked")


@test
def test_concurrent_checks(tmp):
    rng = random.Random(SEED + 11)
    ws = big_ws(tmp)
    ed = BigEditor(ws, rng)
    errors_seen = 0
    for i in range(20):
        what = ed.edit() if i else "initial"
        ref = reference(ws)
        errors_seen += bool(ref.diags)
        args = [SIGIL, "--check", "--format", "json", ws]
        ps = [subprocess.Popen(args, env=base_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE) for _ in range(2)]
        outs = []
        for p in ps:
            try:
                o, e = p.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                for q in ps:
                    q.kill()
                fail("round %d (%s): concurrent run timed out" % (i, what))
            outs.append(Result(args[1:], p.returncode, o, e))
        for k, r in enumerate(outs):
            if r.rc < 0:
                fail("round %d (%s): process %d killed by signal %d %s" % (i, what, k, -r.rc, r.brief()))
            check(r.rc in (0, 1), "round %d: exit status %d %s" % (i, r.rc, r.brief()))
            parse_json(r)
            same_as_nocache(ws, r, max_err=1, what="round %d (%s), process %d" % (i, what, k), ref=ref)
    check(errors_seen >= 3, "test bug: the random edits produced errors in only %d rounds" % errors_seen)
    v = verify(ws)
    eq(v.rc, 0, "cache verify after the concurrent runs %s" % v.brief())
    xref_check(ws, "after the concurrent runs")
    r = check_json(ws)
    same_as_nocache(ws, r, what="final run")
    eq(r.checked, [], "final run after the concurrent runs: modules.checked")


@test
def test_clear_during_checks(tmp):
    # `sigil cache clear` while two checks run: each check is still correct
    # (at most one warning line), and the cache is consistent afterwards
    rng = random.Random(SEED + 13)
    ws = small_ws(tmp)
    ref = reference(ws)
    args = [SIGIL, "--check", "--format", "json", ws]
    for i in range(15):
        ps = [subprocess.Popen(args, env=base_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE) for _ in range(2)]
        time.sleep(rng.uniform(0, 0.02))
        c = run(["cache", "clear", ws])
        eq(c.rc, 0, "cache clear during checks %s" % c.brief())
        for k, p in enumerate(ps):
            o, e = p.communicate(timeout=TIMEOUT)
            r = Result(args[1:], p.returncode, o, e)
            check(r.rc in (0, 1), "round %d, process %d: exit status %d %s" % (i, k, r.rc, r.brief()))
            parse_json(r)
            same_as_nocache(ws, r, max_err=1, what="round %d, process %d" % (i, k), ref=ref)
        v = verify(ws)
        eq(v.rc, 0, "round %d: cache verify %s" % (i, v.brief()))
    r = check_json(ws)
    same_as_nocache(ws, r, max_err=0, what="after the clears", ref=ref)
    r = check_json(ws)
    eq(r.checked, [], "warm run after the clears")
    xref_check(ws, "after the clears", complete=False)


# ---------------------------------------------------------------- editor scenarios

@test
def test_signature_edit_reaches_unchanged_importer(tmp):
    ws = small_ws(tmp)
    cold_then_warm(ws)
    replace_in(ws, "util.sg", "pub fn norm1(p: geo.Point) -> Float",
               "pub fn norm1(p: geo.Point, k: Float) -> Float")
    r = check_json(ws)
    ref = same_as_nocache(ws, r, what="after util.norm1 gained a parameter")
    # report uses only util.moved, whose fingerprint is unchanged (LANGUAGE.md section 7)
    eq(r.checked, ["app", "util"], "modules.checked after a signature edit in util")
    new = [t for t in r.triples() if t[0] == "app.sg" and t not in BASE_DIAGS]
    check(new, "the unchanged importer app reports no new error after util.norm1 gained a parameter: %r"
          % r.triples())
    # and back: the original results come back from the cache
    replace_in(ws, "util.sg", "pub fn norm1(p: geo.Point, k: Float) -> Float",
               "pub fn norm1(p: geo.Point) -> Float")
    r = check_json(ws)
    same_as_nocache(ws, r, what="after reverting util")
    eq(r.triples(), BASE_DIAGS, "diagnostics after reverting util")
    eq(r.checked, [], "modules.checked after reverting util (every key seen before)")


@test
def test_struct_field_type_change(tmp):
    ws = small_ws(tmp)
    cold_then_warm(ws)
    replace_in(ws, "geo.sg", "pub struct Point { x: Float, y: Float }", "pub struct Point { x: Float, y: Int }")
    r = check_json(ws)
    same_as_nocache(ws, r, what="after Point.y became Int")
    eq(r.checked, ["app", "geo", "report", "util"], "modules.checked after a field type change in geo")
    check(("report.sg", 3, "E201") in r.triples(),
          "report (imports only util, whose signature uses geo.Point) did not get E201: %r" % r.triples())
    replace_in(ws, "geo.sg", "y: Int }", "y: Float }")
    r = check_json(ws)
    same_as_nocache(ws, r, what="after reverting Point.y")
    eq(r.triples(), BASE_DIAGS, "diagnostics after reverting geo")


@test
def test_body_edit_rechecks_one_module(tmp):
    ws = small_ws(tmp)
    cold_then_warm(ws)
    # same-size edits, immediately after each run (same second): the racy-mtime rule
    for n in (4, 5, 6, 7):
        replace_in(ws, "util.sg", "let unused = %d" % (n - 1), "let unused = %d" % n)
        r = check_json(ws)
        same_as_nocache(ws, r, what="body edit %d of util" % n)
        eq(r.checked, ["util"], "modules.checked after same-size body edit %d of util" % n)
        eq(r.triples(), BASE_DIAGS, "diagnostics after body edit of util")
    replace_in(ws, "geo.sg", "Point { x: 0.0, y: 0.0 }", "Point { x: 0.5, y: 0.0 }")
    r = check_json(ws)
    same_as_nocache(ws, r, what="body edit of geo")
    eq(r.checked, ["geo"], "modules.checked after a body edit of geo")
    # a body edit that introduces an error, then fixes it
    replace_in(ws, "other.sg", "{ 42 }", "{ 4.2 }")
    r = check_json(ws)
    same_as_nocache(ws, r, what="error in other")
    eq(r.checked, ["other"], "modules.checked after breaking other's body")
    check(("other.sg", 1, "E201") in r.triples(), "no E201 in other.sg: %r" % r.triples())
    replace_in(ws, "other.sg", "{ 4.2 }", "{ 42 }")
    r = check_json(ws)
    same_as_nocache(ws, r, what="error in other fixed")
    eq(r.triples(), BASE_DIAGS, "diagnostics after fixing other")
    # comment-only and whitespace edits: the module itself may be re-checked, nothing else
    replace_in(ws, "util.sg", "import geo\n", "import geo\n// a comment\n")
    r = check_json(ws)
    same_as_nocache(ws, r, what="comment in util")
    check(r.checked in ([], ["util"]), "modules.checked after a comment edit in util: %r" % r.checked)
    # touch without a change
    os.utime(os.path.join(ws, "app.sg"))
    r = check_json(ws)
    same_as_nocache(ws, r, what="touched app")
    eq(r.checked, [], "modules.checked after touching app (same content)")


@test
def test_file_index_stat_rules(tmp):
    # files whose mtime is old enough to be trusted from the file index
    # (size, mtime, inode): any change to one of them is still seen
    ws = small_ws(tmp)
    old = time.time_ns() - 100 * 10**9

    def set_mtime(rel, ns):
        os.utime(os.path.join(ws, rel), ns=(ns, ns))

    for rel in BASE:
        set_mtime(rel, old)
    cold_then_warm(ws)
    r = check_json(ws)
    same_as_nocache(ws, r, what="warm, old mtimes")
    eq(r.checked, [], "warm run with old mtimes")
    # same size, another old mtime
    replace_in(ws, "util.sg", "let unused = 3", "let unused = 8")
    set_mtime("util.sg", old - 5 * 10**9)
    r = check_json(ws)
    same_as_nocache(ws, r, what="same-size edit, older mtime")
    eq(r.checked, ["util"], "modules.checked after a same-size edit with an older mtime")
    r = check_json(ws)
    eq(r.checked, [], "warm again")
    # atomic save (write a new file, rename over): same size, same mtime, new inode
    st = os.stat(os.path.join(ws, "util.sg"))
    tmpf = os.path.join(ws, "util.sg.tmp")
    with open(tmpf, "w") as f:
        f.write(read(ws, "util.sg").replace("let unused = 8", "let unused = 9"))
    os.utime(tmpf, ns=(st.st_mtime_ns, st.st_mtime_ns))
    os.rename(tmpf, os.path.join(ws, "util.sg"))
    check(os.stat(os.path.join(ws, "util.sg")).st_ino != st.st_ino, "test bug: rename kept the inode")
    r = check_json(ws)
    same_as_nocache(ws, r, what="atomic save, same size and mtime")
    eq(r.checked, ["util"], "modules.checked after an atomic save with the same size and mtime")
    # a signature change with an old mtime reaches the importers
    replace_in(ws, "geo.sg", "y: Float }", "y: Int   }")
    set_mtime("geo.sg", old - 7 * 10**9)
    r = check_json(ws)
    same_as_nocache(ws, r, what="same-size signature edit, old mtime")
    eq(r.checked, ["app", "geo", "report", "util"], "modules.checked after a same-size field type edit in geo")
    # mtime in the future
    replace_in(ws, "other.sg", "42", "24")
    set_mtime("other.sg", time.time_ns() + 3600 * 10**9)
    r = check_json(ws)
    same_as_nocache(ws, r, what="mtime in the future")
    eq(r.checked, ["other"], "modules.checked after an edit with an mtime in the future")
    replace_in(ws, "other.sg", "24", "42")
    set_mtime("other.sg", time.time_ns() + 3600 * 10**9)
    r = check_json(ws)
    same_as_nocache(ws, r, what="mtime in the future, again")
    eq(r.checked, [], "modules.checked: other is back to a cached key")


@test
def test_file_index_chunks(tmp):
    # the file index is kept in chunks (cache/store.h): a run rewrites the
    # chunks of the files it saw change, and only those, and the index stays
    # whole (the next run trusts every row and checks nothing)
    ws = os.path.join(tmp, "ws")
    os.makedirs(ws)
    write(ws, {"m%d.sg" % i: "pub fn f%d() -> Int { %d }\n" % (i, i) for i in range(40)})
    old = time.time_ns() - 100 * 10**9
    for i in range(40):
        os.utime(os.path.join(ws, "m%d.sg" % i), ns=(old, old))

    def chunk_of(snapshot, rel):
        return [c for (c, p), b in snapshot.items() if p == 0 and rel in index_rels(b)]

    def rewritten(a, b):
        return sorted({c for (c, p) in set(a) | set(b) if a.get((c, p)) != b.get((c, p))})

    r = check_json(ws)
    eq(len(r.checked), 40, "cold run")
    # past the racy-mtime window of the files' ctimes (utime set them now):
    # from here on every unchanged row is trusted as it is
    time.sleep(2.1)
    eq(check_json(ws).checked, [], "warm run")
    before = index_blobs(ws)
    check(1 < len(before) // 2 <= 64, "the index of 40 files in several chunks (%d)" % (len(before) // 2))
    eq(sorted(index_of(ws)), sorted("m%d.sg" % i for i in range(40)), "the index's files")
    eq(check_json(ws).checked, [], "warm run")
    eq(rewritten(before, index_blobs(ws)), [], "a run that changed nothing rewrites no chunk")
    # a body edit of m7: its chunk only
    replace_in(ws, "m7.sg", "{ 7 }", "{ 8 }")
    os.utime(os.path.join(ws, "m7.sg"), ns=(old, old))
    eq(check_json(ws).checked, ["m7"], "after editing m7")
    after = index_blobs(ws)
    eq(rewritten(before, after), chunk_of(before, "m7.sg"), "chunks rewritten for m7")
    time.sleep(2.1)
    eq(check_json(ws).checked, [], "warm run after editing m7")
    after = index_blobs(ws)
    # m8 deleted: its chunk only, and m8 is gone from it
    os.remove(os.path.join(ws, "m8.sg"))
    eq(check_json(ws).checked, [], "after deleting m8")
    eq(rewritten(after, index_blobs(ws)), chunk_of(after, "m8.sg"), "chunks rewritten for m8")
    eq(sorted(index_of(ws)), sorted("m%d.sg" % i for i in range(40) if i != 8), "the index's files without m8")
    r = check_json(ws)
    eq(r.checked, [], "warm run after both")
    same_as_nocache(ws, r, what="chunked index")


@test
def test_keys_only_rewrite(tmp):
    # a new pub fn in a module 30 modules import moves their fast keys, not
    # their files: their chunks' keys blobs are written again, their rows
    # blobs are not (and the usage filters spare reading their results)
    ws = os.path.join(tmp, "ws")
    files = {"util.sg": "pub fn a() -> Int { 1 }\n"}
    files.update({"u%d.sg" % i: "import util\npub fn g%d() -> Int { util.a() + %d }\n" % (i, i) for i in range(30)})
    write(ws, files)
    old = time.time_ns() - 100 * 10**9
    for rel in files:
        os.utime(os.path.join(ws, rel), ns=(old, old))

    eq(len(check_json(ws).checked), 31, "cold run")
    time.sleep(2.1)
    eq(check_json(ws).checked, [], "warm run")
    before = index_blobs(ws)
    replace_in(ws, "util.sg", "pub fn a() -> Int { 1 }", "pub fn a() -> Int { 1 }\npub fn b() -> Int { 2 }")
    os.utime(os.path.join(ws, "util.sg"), ns=(old, old))
    r = check_json(ws)
    eq(r.checked, ["util"], "modules checked after a new pub fn")
    same_as_nocache(ws, r, what="a new pub fn")
    after = index_blobs(ws)
    util_chunk = [c for (c, p), b in before.items() if p == 0 and "util.sg" in index_rels(b)]
    eq(sorted(c for (c, p) in before if p == 0 and before[(c, p)] != after.get((c, p))), util_chunk,
       "rows blobs written again: util's chunk only")
    keys = sorted(c for (c, p) in before if p == 1 and before[(c, p)] != after.get((c, p)))
    eq(keys, sorted(c for (c, p) in before if p == 1), "keys blobs written again: every chunk (fast keys moved)")
    time.sleep(2.1)
    r = check_json(ws)
    eq(r.checked, [], "warm run after")
    same_as_nocache(ws, r, what="warm run after a new pub fn")


@test
def test_same_size_edit_with_mtime_restored(tmp):
    # issue 9, B3: `touch -r` gives an edited file its old mtime back (same
    # size, same inode); only the ctime shows the change
    ws = os.path.join(tmp, "ws")
    write(ws, {"util.sg": "pub fn double(n: Int) -> Int { n * 2 }\n",
               "main.sg": "import util.{double}\nfn main() { print(int_to_string(double(2))) }\n"})
    old = time.time_ns() - 3600 * 10**9
    for rel in ("util.sg", "main.sg"):
        os.utime(os.path.join(ws, rel), ns=(old, old))
    r = check_json(ws)
    eq(r.triples(), [], "diagnostics of the starting workspace")
    st = os.stat(os.path.join(ws, "util.sg"))
    with open(os.path.join(ws, "util.sg"), "w") as f:
        f.write("pub fn doublq(n: Int) -> Int { n * 2 }\n")
    os.utime(os.path.join(ws, "util.sg"), ns=(st.st_atime_ns, st.st_mtime_ns))
    now = os.stat(os.path.join(ws, "util.sg"))
    check(now.st_size == st.st_size and now.st_mtime_ns == st.st_mtime_ns and now.st_ino == st.st_ino,
          "test bug: the edit changed size, mtime or inode")
    r = check_json(ws)
    same_as_nocache(ws, r, what="same-size edit, mtime restored")
    eq(r.triples(), [("main.sg", 1, "E105")], "diagnostics after renaming double with the mtime restored")
    eq(r.checked, ["main", "util"], "modules.checked after the edit")


@test
def test_revert_to_syntax_error_reports_it_once(tmp):
    # issue 9, B1: a file returns to a content checked before whose result
    # has a lexical error; the parse done ahead of the lookup must not add
    # its own copy of that error to the cached one
    ws = os.path.join(tmp, "ws")
    for text in ("fn f() -> Int { 0X1 }\n", "fn f() -> Int { 1 }\n", "fn f() -> Int { 0X1 }\n"):
        write(ws, {"main.sg": text})
        r = check_json(ws)
        same_as_nocache(ws, r, what="main.sg = %r" % text)
    eq(r.triples(), [("main.sg", 1, "E003")], "diagnostics after the revert")
    eq(r.checked, [], "modules.checked after the revert (the earlier result is reused)")


@test
def test_reordered_fields_and_constructors(tmp):
    # issue 9, B2: an importer's result is reused when a struct's fields or an
    # enum's constructors are only reordered (their fingerprint is a set), so
    # its E109 and E207 messages must not depend on that order
    ws = os.path.join(tmp, "ws")
    write(ws, {"a.sg": "pub enum Dir { North, East, South, West }\npub struct P { x: Int, y: Int, z: Int }\n",
               "b.sg": "import a\nfn f(d: a.Dir) -> Int {\n    let p = a.P { x: 1 }\n"
                       "    match d { a.North => p.x }\n}\n"})
    r = check_json(ws)
    same_as_nocache(ws, r, what="start")
    msgs = [d["message"] for d in r.diags]
    eq(msgs, ["missing fields in struct literal: `y`, `z`", "non-exhaustive match: `a.East` is not covered"],
       "messages list fields and constructors in name order")
    write(ws, {"a.sg": "pub enum Dir { North, West, South, East }\npub struct P { x: Int, z: Int, y: Int }\n"})
    r = check_json(ws)
    same_as_nocache(ws, r, what="after reordering")
    eq([d["message"] for d in r.diags], msgs, "messages after reordering")


@test
def test_duplicate_names_read_the_same_from_the_cache(tmp):
    # difftest finding 2: when a constructor's name is held by another
    # definition (a private constructor, a failed import's binding), the
    # table decoded from the cache must bind the name as a fresh resolve does
    cases = [
        ({"main.sg": "import fmt.{Right}\nfn f() -> Int { 0 }\n",
          "fmt.sg": "enum Hidden { Right }\npub enum Align { Left, Right }\n"},
         ("main.sg", "import fmt.{Right}\nfn f() -> Int { 0 }\n// x\n"), ("main.sg", 1, "E106")),
        ({"main.sg": "import m1\nfn main() { let _x = m1.One(1) }\n",
          "m1.sg": "import m0.{One}\npub enum E[T] { One(T) }\n"},
         ("main.sg", "import m1\nfn main() { let _y = m1.One(1) }\n"), ("main.sg", 2, "E105")),
    ]
    for i, (files, edit, want) in enumerate(cases):
        ws = os.path.join(tmp, "ws%d" % i)
        write(ws, files)
        r = check_json(ws)
        same_as_nocache(ws, r, what="case %d, cold" % i)
        check(want in r.triples(), "case %d: no %r in %r" % (i, want, r.triples()))
        write(ws, {edit[0]: edit[1]})
        r = check_json(ws)
        same_as_nocache(ws, r, what="case %d, the importer edited" % i)
        check(want in r.triples(), "case %d, after the edit: no %r in %r" % (i, want, r.triples()))
        eq(r.checked, ["main"], "case %d: modules.checked" % i)


@test
def test_suggestions_reread_exactly_what_they_read(tmp):
    # "did you mean `count`?" for `a.cout` reads a's public value names: a
    # change to them re-checks the module whose message could change, and
    # nothing else does (LANGUAGE.md section 7)
    ws = os.path.join(tmp, "ws")
    write(ws, {"a.sg": "pub fn count() -> Int { 1 }\n",
               "u.sg": "import a\nfn main() { let _x = a.cout }\n",
               "v.sg": "import a\nfn main() { let _x = a.count() }\n"})
    r = check_json(ws)
    same_as_nocache(ws, r, what="cold")
    eq([d["message"] for d in r.diags], ["module `a` has no item `cout`; did you mean `count`?"], "the suggestion")
    steps = [
        ("pub fn count() -> Int { 1 }\npub fn zzz() -> Int { 2 }\n", ["a"], "count"),    # an unrelated name
        ("pub fn count() -> Int { 1 }\npub fn zzz() -> Int { 2 }\npub fn cour() {}\n", ["a"], "count"),  # as close, after
        ("pub fn count() -> Int { 1 }\npub fn zzz() -> Int { 2 }\npub fn cost() {}\n", ["a", "u"], "cost"),  # as close, before
        # made private: u's earlier result (suggesting count) holds again and is reused
        ("pub fn count() -> Int { 1 }\npub fn zzz() -> Int { 2 }\nfn cost() {}\n", ["a"], "count"),
        ("pub fn count() -> Float { 1.0 }\npub fn zzz() -> Int { 2 }\nfn cost() {}\n", ["a", "v"], "count"),  # count's type
    ]
    for text, checked, best in steps:
        write(ws, {"a.sg": text})
        r = check_json(ws)
        same_as_nocache(ws, r, what=text)
        eq(r.checked, checked, "modules.checked after a.sg = %r" % text)
        msgs = [d["message"] for d in r.diags if d["file"] == "u.sg"]
        eq(msgs, ["module `a` has no item `cout`; did you mean `%s`?" % best], "u's message after a.sg = %r" % text)


@test
def test_field_suggestions_follow_the_struct_through_other_modules(tmp):
    # c reaches b.S only through a.make(): the fingerprint of make covers S's
    # fields, so a field suggestion in c is re-checked when they change
    ws = os.path.join(tmp, "ws")
    write(ws, {"b.sg": "pub struct S { name: Int, size: Int }\n",
               "a.sg": "import b\npub fn make() -> b.S { b.S { name: 1, size: 2 } }\n",
               "c.sg": "import a\nfn main() { let _x = a.make().nme }\n"})
    r = check_json(ws)
    same_as_nocache(ws, r, what="cold")
    eq([d["message"] for d in r.diags], ["struct b.S has no field `nme`; did you mean `name`?"], "the suggestion")
    for text, checked, msg in [
        ("pub struct S { size: Int, name: Int }\n", ["b"], "struct b.S has no field `nme`; did you mean `name`?"),
        ("pub struct S { name: Int, size: Int, nmee: Int }\n", ["a", "b", "c"],
         "struct b.S has no field `nme`; did you mean `name`?"),
        ("pub struct S { title: Int, size: Int }\n", ["a", "b", "c"], "struct b.S has no field `nme`"),
    ]:
        write(ws, {"b.sg": text})
        r = check_json(ws)
        same_as_nocache(ws, r, what=text)
        eq(r.checked, checked, "modules.checked after b.sg = %r" % text)
        eq([d["message"] for d in r.diags if d["file"] == "c.sg"], [msg], "c's message after b.sg = %r" % text)


@test
def test_delete_and_readd_module(tmp):
    ws = small_ws(tmp)
    cold_then_warm(ws)
    util = read(ws, "util.sg")
    os.unlink(os.path.join(ws, "util.sg"))
    r = check_json(ws)
    same_as_nocache(ws, r, what="util deleted")
    eq(r.checked, ["app", "report"], "modules.checked after deleting util")
    check(("app.sg", 1, "E101") in r.triples() and ("report.sg", 1, "E101") in r.triples(),
          "no E101 at the imports of the deleted util: %r" % r.triples())
    write(ws, {"util.sg": util})
    r = check_json(ws)
    same_as_nocache(ws, r, what="util added back")
    eq(r.triples(), BASE_DIAGS, "diagnostics after adding util back")
    eq(r.checked, [], "modules.checked after adding util back unchanged (every key cached)")
    # a new module appears, and a missing import is satisfied by it
    replace_in(ws, "other.sg", "pub fn answer", "import extra\n\npub fn answer")
    r = check_json(ws)
    same_as_nocache(ws, r, what="other imports a missing module")
    eq(r.checked, ["other"], "modules.checked after other gained an import of a missing module")
    write(ws, {"extra.sg": "pub fn more() -> Int { 1 }\n"})
    r = check_json(ws)
    same_as_nocache(ws, r, what="missing module added")
    eq(r.checked, ["extra", "other"], "modules.checked after the missing module was added")
    check(("other.sg", 1, "W001") in r.triples(), "other's unused import is not W001: %r" % r.triples())


@test
def test_cache_clear_and_stats(tmp):
    ws = small_ws(tmp)
    cold_then_warm(ws)
    r = check_json(ws)
    eq(r.checked, [], "warm run")
    s = run(["cache", "stats", ws])
    eq(s.rc, 0, "cache stats exit status %s" % s.brief())
    check("entries" in s.out and "hit rate" in s.out, "cache stats output lacks entries / hit rate %s" % s.brief())
    check("100.0%" in s.out, "cache stats after a fully warm run does not say 100.0%% %s" % s.brief())
    c = run(["cache", "clear", ws])
    eq(c.rc, 0, "cache clear exit status %s" % c.brief())
    # cleared through SQLite (a check running at the same time keeps working): no rows are left
    if os.path.exists(db_of(ws)):
        con = sqlite3.connect(db_of(ws))
        try:
            left = con.execute("SELECT (SELECT count(*) FROM files) + (SELECT count(*) FROM results)").fetchone()[0]
        finally:
            con.close()
        eq(left, 0, "rows left in cache.db after cache clear")
    r = check_json(ws)
    same_as_nocache(ws, r, what="after cache clear")
    eq(r.checked, ALL, "modules.checked after cache clear")
    r = check_json(ws)
    eq(r.checked, [], "modules.checked on the run after that")
    v = verify(ws)
    eq(v.rc, 0, "cache verify %s" % v.brief())
    # subcommands on a workspace without a cache
    ws2 = small_ws(tmp, "ws2")
    for sub in ("stats", "verify", "clear"):
        s = run(["cache", sub, ws2])
        eq(s.rc, 0, "cache %s without a cache %s" % (sub, s.brief()))
    check(not os.path.exists(cache_dir(ws2)) or not os.path.exists(db_of(ws2)),
          "cache subcommands created a database")


@test
def test_gc_max_entries(tmp):
    ws = small_ws(tmp)
    env = base_env(SIGIL_CACHE_MAX_ENTRIES="5")
    r = check_json(ws, env=env)
    same_as_nocache(ws, r, env=env)
    for n in range(30):
        replace_in(ws, "other.sg", "{ %d }" % (42 + n), "{ %d }" % (43 + n))
        r = check_json(ws, env=env)
        eq(r.checked, ["other"], "modules.checked after body edit %d" % n)
        eq(r.err, "", "stderr after body edit %d" % n)
    same_as_nocache(ws, r, env=env)
    results = db_query(db_of(ws), "SELECT count(*) FROM results")[0][0]
    live = len(ALL)
    files = live + len(os.listdir(os.path.join(REPO, "std")))
    std = files - live
    check(results <= files + 5, "results table holds %d rows; at most %d live modules (%d workspace + %d std) + 5"
          % (results, files, live, std))
    r = check_json(ws, env=env)
    eq(r.checked, [], "warm run after GC")


@test
def test_gc_counts_results_stored_during_the_run(tmp):
    # A run that checks many modules stores their results on a thread of
    # its own while it checks (cache/writer.c); those count towards the
    # GC's schedule like any other, or a cache that only ever sees such
    # runs would grow without end.
    ws = big_ws(tmp)
    env = base_env(SIGIL_CACHE_MAX_ENTRIES="100")
    files = [os.path.relpath(os.path.join(d, f), ws) for d, _, fs in os.walk(ws) for f in fs if f.endswith(".sg")]
    check(len(files) >= 400, "test bug: %d files" % len(files))
    for round_ in range(3):
        for rel in files:
            with open(os.path.join(ws, rel), "a") as f:
                f.write("// round %d\n" % round_)
        r = check_json(ws, env=env)
        eq(len(r.checked), len(files), "round %d: modules.checked" % round_)
    same_as_nocache(ws, r, env=env)
    results = db_query(db_of(ws), "SELECT count(*) FROM results")[0][0]
    live = len(files) + len(os.listdir(os.path.join(REPO, "std")))
    check(results <= live + 100, "results table holds %d rows after 3 rounds of %d checks; at most %d live + 100"
          % (results, len(files), live))
    r = check_json(ws, env=env)
    eq(r.checked, [], "warm run after GC")


# ---------------------------------------------------------------- differential checks

@test
def test_std_library_change(tmp):
    # the standard library is part of every key: editing it, or pointing
    # SIGIL_STD at another copy, never reuses a result computed against the old one
    std_a = os.path.join(tmp, "std-a")
    std_b = os.path.join(tmp, "std-b")
    shutil.copytree(os.path.join(REPO, "std"), std_a)
    shutil.copytree(os.path.join(REPO, "std"), std_b)
    old = "pub extern fn int_to_string(n: Int) -> String"
    replace_in(std_b, "prelude.sg", old, "pub extern fn int_to_string(n: Float) -> String")
    ws = small_ws(tmp)
    env_a, env_b = base_env(SIGIL_STD=std_a), base_env(SIGIL_STD=std_b)
    r = check_json(ws, env=env_a)
    same_as_nocache(ws, r, env=env_a, what="std-a, cold")
    eq(r.triples(), BASE_DIAGS, "std-a diagnostics")
    r = check_json(ws, env=env_a)
    eq(r.checked, [], "std-a, warm")
    for i, (env, name) in enumerate([(env_b, "std-b"), (env_a, "std-a again"), (env_b, "std-b again")]):
        r = check_json(ws, env=env)
        same_as_nocache(ws, r, env=env, what=name)
        if i == 0:
            eq(r.checked, ALL, "%s: modules.checked (prelude changed)" % name)
            check(("app.sg", 7, "E201") in r.triples(), "%s: no E201 for int_to_string(Int): %r" % (name, r.triples()))
    # an in-place edit of a std module that only one workspace module imports
    replace_in(ws, "other.sg", "pub fn answer", "import std.math\n\npub fn answer")
    replace_in(ws, "other.sg", "{ 42 }", "{ math.abs(42) }")
    r = check_json(ws, env=env_a)
    same_as_nocache(ws, r, env=env_a, what="other imports std.math")
    eq(r.checked, ["other"], "modules.checked after other imported std.math")
    math = read(std_a, "math.sg")
    m = re.search(r"^pub (extern )?fn abs\(([^)]*)\) -> (\w+)", math, re.M)
    check(m, "test bug: no `pub fn abs(...) -> T` in std/math.sg")
    replace_in(std_a, "math.sg", m.group(0), m.group(0).replace("fn abs(", "fn abs_renamed("))
    r = check_json(ws, env=env_a)
    same_as_nocache(ws, r, env=env_a, what="std.math.abs renamed")
    eq(r.checked, ["other"], "modules.checked after a std.math signature edit")
    check(any(t[0] == "other.sg" and t[2].startswith("E") for t in r.triples()),
          "no error in other.sg after std.math.abs was renamed: %r" % r.triples())


@test
def test_prelude_importing_std_module(tmp):
    # issue 10, item 3: a prelude that imports a module of the standard
    # library (which reads the prelude) used to recurse until it crashed
    std = os.path.join(tmp, "std")
    shutil.copytree(os.path.join(REPO, "std"), std)
    prelude = read(std, "prelude.sg")
    write(std, {"prelude.sg": "import std.math\n\n" + prelude})
    ws = small_ws(tmp)
    env = base_env(SIGIL_STD=std)
    for extra in (["--no-cache"], []):
        r = run(["--check", "--format", "json"] + extra + [ws], env=env)
        check(r.rc in (0, 1), "exit status %s with a prelude that imports std.math %s" % (r.rc, r.brief()))
        parse_json(r)


def conformance_cases():
    root = os.path.join(REPO, "tests", "conformance")
    if not os.path.isdir(root):
        return []
    return sorted(os.path.join(root, d) for d in os.listdir(root)
                  if os.path.isdir(os.path.join(root, d)) and not os.path.isdir(os.path.join(root, d, "steps")))


@test
def test_decoded_signatures_match_source(tmp):
    # For every plain conformance case: fill the cache, then edit one module
    # at a time (a comment at the end) so that module is checked against the
    # signatures of its imports decoded from the cache, not resolved from
    # source. Every run must equal --no-cache.
    cases = conformance_cases()
    if not cases:
        raise Skip("no tests/conformance cases")
    problems = []
    nruns = 0
    for case in cases:
        ws = os.path.join(tmp, os.path.basename(case))
        shutil.copytree(case, ws)
        try:
            r = check_json(ws)
            same_as_nocache(ws, r, what=os.path.basename(case) + " cold")
            files = sorted(os.path.relpath(os.path.join(dp, f), ws) for dp, dns, fs in os.walk(ws)
                           for f in fs if f.endswith(".sg") and ".sigil-cache" not in dp)
            for rel in files:
                with open(os.path.join(ws, rel), "ab") as f:
                    f.write(b"\n// cache test edit\n")
                r = check_json(ws)
                nruns += 1
                same_as_nocache(ws, r, what="%s after editing %s" % (os.path.basename(case), rel))
        except TestFailure as e:
            problems.append(str(e))
        shutil.rmtree(ws, ignore_errors=True)
    note("decoded signatures: %d cases, %d edit runs" % (len(cases), nruns))
    check(not problems, "%d case(s) differ: %s" % (len(problems), " | ".join(problems[:5])))


# ---------------------------------------------------------------- main

def main():
    global SIGIL, SEED, VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sigil", default=os.path.join(REPO, "build", "sigil"), help="the binary to test")
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    ap.add_argument("-v", action="store_true", help="print passing tests and notes too (to stderr)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random edits and delays")
    opts = ap.parse_args()
    SIGIL = os.path.abspath(opts.sigil)
    SEED = opts.seed
    VERBOSE = opts.v
    if not binary_ok(SIGIL):
        return 1
    try:
        return run_tests("sigil-cache-", opts.k, opts.v)
    finally:
        if _BIG:
            shutil.rmtree(os.path.dirname(_BIG), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
