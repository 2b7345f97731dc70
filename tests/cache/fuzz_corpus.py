#!/usr/bin/env python3
"""Writes a seed corpus for build/fuzz-cache (tests/fuzz/fuzz_cache.c) from
real cache blobs: every plain conformance case and bench-style workspace is
checked into one temporary cache, and each stored blob (signatures,
results, cross-reference entries, file indexes) becomes two inputs: `\\x00`
+ the whole blob (raw mode) and `\\x01` + its payload (framed mode: the
target rebuilds the frame).

    python3 tests/cache/fuzz_corpus.py --sigil build/sigil --out DIR
"""

import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def write_blobs(db, out):
    """Each blob of the cache database `db` as two inputs in `out`: raw, and
    its payload (framed mode: the target rebuilds the frame). Returns how
    many inputs and blobs."""
    con = sqlite3.connect(db)
    blobs = [b for row in con.execute("SELECT signature, result, xref FROM results") for b in row]
    blobs += [row[0] for row in con.execute("SELECT blob FROM files")]
    con.close()
    n = 0
    for b in blobs:
        if not isinstance(b, bytes) or len(b) < 16:
            continue
        for data in (b"\x00" + b, b"\x01" + b[8:-8]):
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            n += 1
    return n, len(blobs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", default=os.path.join(REPO, "build", "sigil"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sigil-fuzz-corpus-")
    try:
        cache = os.path.join(tmp, "cache")
        env = dict(os.environ, SIGIL_CACHE_DIR=cache)
        roots = []
        conf = os.path.join(REPO, "tests", "conformance")
        for d in sorted(os.listdir(conf)):
            if os.path.isdir(os.path.join(conf, d)):
                roots.append(os.path.join(conf, d))
        gen = os.path.join(tmp, "gen")
        subprocess.run([sys.executable, os.path.join(REPO, "bench", "gen.py"), "--modules", "30", "--out", gen],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        roots.append(gen)
        for r in roots:
            # copies: the cache must not be written into the repository
            ws = os.path.join(tmp, "ws")
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(r, ws, ignore=shutil.ignore_patterns("steps", ".sigil-cache"))
            subprocess.run([a.sigil, "--check", "--format", "json", ws], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        n, nblobs = write_blobs(os.path.join(cache, "cache.db"), a.out)
        print("%d inputs from %d blobs in %s" % (n, nblobs, a.out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
