#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (make fuzz-smoke, tests/soak.sh).

The fuzzers did not find deep nesting, huge matches or long alias chains
(issue 10) because nothing like them was in their corpora, and random
mutation does not grow a 100-deep `while` out of a clean module. So each
target starts from the shapes that broke sigil before: every construct
nested near and past the limits, alias chains and cycles, matches with
many arms, long lines, control characters, items cut short.

    python3 tests/fuzz/seeds.py --target check|lsp|cache|glob --out DIR [--max-len N] [--sigil PATH]

Inputs longer than --max-len are not written (libFuzzer would cut them).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "hostile"))
sys.path.insert(0, os.path.join(REPO, "tests", "cache"))
import fuzz_corpus  # noqa: E402
import inputs  # noqa: E402


def hostile_sources(max_len):
    """(name, text) of hostile modules that fit in max_len bytes."""
    out = []

    def add(name, text):
        if len(text.encode()) <= max_len:
            out.append((name, text))

    def fit(name, make, sizes):
        # the largest of each size that fits, and small ones the mutator can grow
        for n in sizes:
            add("%s-%d" % (name, n), make(n))

    depths = (3, 20, 150, 199, 201, 1000, 5000)
    for construct in sorted(inputs.NESTING):
        fit("nest-" + construct, lambda n, c=construct: inputs.nesting(c, n), depths)
    fit("chain", inputs.chain, (10, 999, 1001, 10000))
    fit("chains", lambda n: inputs.chains_in_parens(n, 10), (10, 100, 199))
    fit("arms", inputs.match_arms, (10, 500, 2000, 8000))
    fit("arms-closed", lambda n: inputs.match_arms(n, exhaustive=True), (10, 2000))
    fit("string-arms", inputs.string_arms, (10, 1000))
    fit("hard-match", inputs.hard_match, (8, 12, 16))
    fit("alias-chain", inputs.alias_chain, (10, 70, 257, 1000))
    fit("alias-cycle", inputs.alias_cycle, (2, 70, 300))
    fit("alias-tower", inputs.alias_tower, (5, 12, 40))
    fit("alias-lists", inputs.alias_lists, (10, 300))
    fit("long-line", inputs.long_line, (100, 4000, 60000))
    fit("bad-characters", inputs.bad_characters, (50, 150, 5000, 60000))
    add("control-characters", inputs.control_characters())
    add("cut-short", "struct P { x: Int\nfn f() -> Int {\n    let a = (1 +\npub fn g() {\n    h(fn() { 1 })\n"
        "const C: Int = 1 +\ntype T = List[\nenum E { A, B\nimport x\nfn last() {}\n")
    add("open-comment", "fn f() -> Int {\n    g(1, [2, {\n/* never closed\nfn g() {}\n")
    add("broken-let", "pub fn f() -> Int {\n    let total: Int = (1 + )\n    let g = fn() { 2 * }\n    total + g()\n}\n")
    return out


def write(out, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def seeds_check(out, max_len):
    n = 0
    for base in (os.path.join(REPO, "tests", "conformance"), os.path.join(REPO, "tests", "cases"),
                 os.path.join(REPO, "std")):
        for dirpath, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith(".sg"):
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        data = fh.read()
                    if len(data) <= max_len:
                        write(out, data)
                        n += 1
    for _, text in hostile_sources(max_len):
        write(out, text)
        n += 1
    return n


def frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def seeds_lsp(out, max_len):
    n = 0
    seeds = os.path.join(HERE, "lsp-seeds")
    for f in sorted(os.listdir(seeds)):
        with open(os.path.join(seeds, f), "rb") as fh:
            write(out, fh.read())
        n += 1
    uri = "file:///nonexistent/ws/main.sg"
    init = frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"rootUri": "file:///nonexistent/ws", "capabilities": {}}})
    init += frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    queries = b"".join(frame({"jsonrpc": "2.0", "id": 10 + i, "method": m,
                              "params": {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 4}}})
                       for i, m in enumerate(("textDocument/documentSymbol", "textDocument/semanticTokens/full",
                                              "textDocument/foldingRange", "textDocument/hover",
                                              "textDocument/completion", "textDocument/diagnostic")))
    for name, text in hostile_sources(max_len):
        open_doc = frame({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                          "params": {"textDocument": {"uri": uri, "languageId": "sigil", "version": 1, "text": text}}})
        data = init + open_doc + queries
        if len(data) <= max_len:
            write(out, data)
            n += 1
    # framing: headers that lie, repeat or never end
    for data in (b"Content-Length: 99999999999999999999\r\n\r\n{}", b"Content-Length: -1\r\n\r\n{}",
                 b"Content-Length: 2\r\n" * 1000 + b"\r\n{}", b"X: " + b"a" * 5000 + b"\r\n\r\n",
                 init + b"Content-Length: 5\r\n\r\n[[[[[", init + frame([{"jsonrpc": "2.0", "id": i} for i in range(300)])):
        if len(data) <= max_len:
            write(out, data)
            n += 1
    return n


def seeds_cache(out, sigil):
    """Real blobs of hostile workspaces (deep and large types, a capped list
    of diagnostics, long messages), beside tests/cache/fuzz_corpus.py's."""
    tmp = tempfile.mkdtemp(prefix="sigil-fuzz-seeds-")
    try:
        cache = os.path.join(tmp, "cache")
        env = dict(os.environ, SIGIL_CACHE_DIR=cache)
        files = {
            "lists.sg": inputs.alias_lists(250).replace("type", "pub type"),
            "tower.sg": inputs.alias_tower(7, pub=True),
            "chain.sg": inputs.alias_chain(300),
            "bad.sg": inputs.bad_characters(300),
            "long.sg": inputs.long_line(3000),
            "ctl.sg": inputs.control_characters(),
            "arms.sg": inputs.match_arms(300),
            "hard.sg": inputs.hard_match(16),
        }
        ws = os.path.join(tmp, "ws")
        os.makedirs(ws)
        for rel, text in files.items():
            with open(os.path.join(ws, rel), "w") as f:
                f.write(text)
        subprocess.run([sigil, "--check", "--format", "json", ws], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fuzz_corpus.write_blobs(os.path.join(cache, "cache.db"), out)
        subprocess.run([sys.executable, os.path.join(REPO, "tests", "cache", "fuzz_corpus.py"),
                        "--sigil", sigil, "--out", out], check=True, stdout=subprocess.DEVNULL)
        return len(os.listdir(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def seeds_glob(out):
    """pattern NUL path: the shapes that were exponential, and ordinary ones."""
    n = 0
    for pat, path in (("*" * 20 + "x", "a" * 40 + "/b.sg"), ("**/" * 10 + "*.sg", "a/" * 20 + "b.sg"),
                      ("**/gen/*.sg", "src/a/gen/x.sg"), ("src/**", "src/a/b"), ("?*?*?*", "abc/def"),
                      ("a*b*c*d*e*f*g*h*", "a" * 60), ("*/" * 15 + "x", "a/" * 14 + "y"), ("", "")):
        write(out, pat.encode() + b"\0" + path.encode())
        n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, choices=("check", "lsp", "cache", "glob"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-len", type=int, default=8192)
    ap.add_argument("--sigil", default=os.path.join(REPO, "build", "sigil"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.target == "check":
        n = seeds_check(a.out, a.max_len)
    elif a.target == "lsp":
        n = seeds_lsp(a.out, a.max_len)
    elif a.target == "cache":
        n = seeds_cache(a.out, a.sigil)
    else:
        n = seeds_glob(a.out)
    print("%d seeds for fuzz-%s in %s" % (n, a.target, a.out))


if __name__ == "__main__":
    main()
