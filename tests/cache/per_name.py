#!/usr/bin/env python3
"""Per-name dependencies, exactly (LANGUAGE.md section 7): a seeded random
differential test of `sigil --check` with its on-disk cache.

A generated workspace of modules in layers (structs, enums, generic and
plain functions, constants, aliases, private items; importers use some of
each, qualified and through selective imports) is edited at random, one
edit per step: pub items added, removed, renamed, made private or public,
fields and constructors reordered, field, payload, parameter, return and
alias types changed, imports and selective names added and removed, bodies
edited, misspelled uses of imported names (which get suggestions),
arguments of the wrong type to imported functions (whose E201 points at
the parameter, in the other module's text),
modules deleted and added back, and files reverted to an earlier
version. After every step:

  * the diagnostics equal a `--no-cache` run's (file, line, column, code,
    message, related locations);
  * `modules.checked` is exactly what section 7 says, decided from the cache
    itself: a module must be checked iff no result stored for its source key
    before the step has a usage record that holds against its imports'
    fingerprint tables after the step. The usage records and tables are read
    from the cache's blobs by an independent decoder (below), so the
    engine's own decision is not the oracle. A record of a suggestion
    ("did you mean `f12`?" for `m.fx12`) holds while the same suggestion
    would be made among the import's public names: decided here by an
    independent implementation of the rule (suggest(), below).

    python3 tests/cache/per_name.py --sigil build/sigil [--seed N] [--steps N] [--modules N] [-v]

Ends with `N passed, N failed`. Standard library only.
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile

# ------------------------------------------------------------ blob decoding
# The formats of cache/sig.c: frame = magic(4) u32 length, payload, u64 checksum.


class Rd:
    def __init__(self, b, pos=0, end=None):
        self.b, self.p, self.end = b, pos, len(b) if end is None else end

    def varint(self):
        v = shift = 0
        while True:
            c = self.b[self.p]
            self.p += 1
            v |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return v

    def u8(self):
        self.p += 1
        return self.b[self.p - 1]

    def raw(self, n):
        self.p += n
        return bytes(self.b[self.p - n:self.p])

    def str(self):
        return self.raw(self.varint()).decode("utf-8", "replace")


def frame(blob, magic):
    assert blob[:4] == magic, (blob[:4], magic)
    (n,) = struct.unpack("<I", blob[4:8])
    return Rd(blob, 8, 8 + n)


def decode_result(blob):
    """-> dict(source_key, export_hash, usage=[(status, hash, {(ns,name): (state, fp)}, {(ns,typed): best})],
    fps={(ns,name): (state, fp)})"""
    r = frame(blob, b"SGR\x04")
    sk, eh = r.raw(16), r.raw(16)
    l0, l1, l2 = r.varint(), r.varint(), r.varint()
    ub = r.p + l0
    u = Rd(blob, ub, ub + l1)
    usage = []
    for _ in range(u.varint()):
        status = u.u8()
        if status != 0:
            usage.append((status, None, {}, {}))
            continue
        h = u.raw(16)
        names = {}
        for _ in range(u.varint()):
            ns, name, st = u.u8(), u.str(), u.u8()
            fp = u.raw(16) if st == 2 else b"\0" * 16
            names[(ns, name)] = (st, fp)
        nearest = {}
        for _ in range(u.varint()):
            ns, typed, best = u.u8(), u.str(), u.str()
            nearest[(ns, typed)] = best
        usage.append((0, h, names, nearest))
    f = Rd(blob, ub + l1, ub + l1 + l2)
    fps = {}
    for _ in range(f.varint()):
        ns, name, st, has = f.u8(), f.str(), f.u8(), f.u8()
        fp = f.raw(16) if has else b"\0" * 16
        fps[(ns, name)] = (st, fp if st == 2 else b"\0" * 16)
    return {"source_key": sk, "export_hash": eh, "usage": usage, "fps": fps}


def decode_index(rows_blob, keys_blob):
    """One chunk of the file index (a rows and a keys blob) -> {rel: (imports, result_id or None)}"""
    r = frame(rows_blob, b"SGX\x03")
    rows = []
    for _ in range(r.varint()):
        rel = r.str()
        for _ in range(5):
            r.varint()
        r.raw(16)
        rows.append((rel, [r.str() for _ in range(r.varint())]))
    k = frame(keys_blob, b"SGK\x01")
    k.varint()      # the rows blob's checksum
    assert k.varint() == len(rows)
    out = {}
    for rel, imports in rows:
        rid = None
        if k.u8():
            k.raw(16)
            rid = k.raw(16)
            k.raw(16)
            k.varint()
            k.raw(16)   # the usage filter
        out[rel] = (imports, rid)
    return out


def cache_state(db, root):
    """The file index of `root` and every stored result, decoded."""
    con = sqlite3.connect(db)
    try:
        # the index is kept in chunks (cache/store.h): their rows together
        index, parts = {}, {}
        for chunk, part, blob in con.execute("SELECT chunk, part, blob FROM files WHERE root = ?",
                                             (os.path.realpath(root),)):
            parts.setdefault(chunk, {})[part] = blob
        for p in parts.values():
            index.update(decode_index(p[0], p[1]))
        results = {rid: decode_result(blob) for rid, blob in con.execute("SELECT id, result FROM results")}
    finally:
        con.close()
    return index, results


def osa_distance(a, b):
    """Optimal string alignment distance (Damerau-Levenshtein, adjacent transpositions)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def suggest(typed, candidates):
    """The suggestion rule (docs/errors.md): within 1 edit for names of 1-4
    characters, 2 up to 8, 3 beyond, and less than the name's length; the
    closest, ties broken by name order; "" for none."""
    limit = min(1 if len(typed) <= 4 else 2 if len(typed) <= 8 else 3, max(len(typed) - 1, 0))
    scored = sorted((osa_distance(typed, c), c) for c in candidates if c != typed)
    return scored[0][1] if scored and scored[0][0] <= limit else ""


def holds(res, imports_now):
    """Section 7: does `res`'s usage record hold, with imports_now[k] = (status, export_hash, fps) or None?"""
    if len(res["usage"]) != len(imports_now):
        return False
    for (status, then_hash, names, nearest), now in zip(res["usage"], imports_now):
        if now is None or status != now[0]:
            return False
        if status != 0 or then_hash == now[1]:
            continue
        for key, state in names.items():
            if now[2].get(key, (0, b"\0" * 16)) != state:
                return False
        for (ns, typed), best in nearest.items():
            public = [name for (n, name), (st, _) in now[2].items() if n == ns and st == 2]
            if suggest(typed, public) != best:
                return False
    return True


# ------------------------------------------------------------ the workspace

PRIMS = ["Int", "Float", "Bool", "String"]


class Module:
    """A module as a list of items; rendered to text on demand."""

    def __init__(self, name, layer):
        self.name, self.layer = name, layer
        self.imports = []       # (module name, selective names or None)
        self.items = []         # dicts: kind, name, pub, ...

    def text(self):
        out = []
        for mod, names in self.imports:
            out.append("import %s%s" % (mod, ".{%s}" % ", ".join(names) if names else ""))
        for it in self.items:
            pub = "pub " if it["pub"] else ""
            k = it["kind"]
            if k == "struct":
                out.append("%sstruct %s { %s }" % (pub, it["name"], ", ".join("%s: %s" % f for f in it["fields"])))
            elif k == "enum":
                cs = ["%s(%s)" % (c, ", ".join(p)) if p else c for c, p in it["ctors"]]
                out.append("%senum %s { %s }" % (pub, it["name"], ", ".join(cs)))
            elif k == "alias":
                out.append("%stype %s = %s" % (pub, it["name"], it["target"]))
            elif k == "const":
                out.append("%sconst %s: %s = %s" % (pub, it["name"], it["type"], it["value"]))
            elif k == "fn":
                params = ", ".join("p%d: %s" % (i, t) for i, t in enumerate(it["params"]))
                out.append("%sfn %s(%s) -> %s {\n%s\n}" % (pub, it["name"], params, it["ret"], it["body"]))
        return "\n".join(out) + "\n"


def default_value(t):
    return {"Int": "1", "Float": "1.0", "Bool": "true", "String": "\"s\""}.get(t, "panic(\"x\")")


class World:
    def __init__(self, rng, nmods):
        self.rng = rng
        self.mods = {}
        layers = max(2, nmods // 3)
        for i in range(nmods):
            m = Module("m%d" % i if i % 3 else "lib.m%d" % i, i * layers // nmods)
            self.mods[m.name] = m
        self.order = list(self.mods)
        self.counter = 0
        for name in self.order:
            self.populate(self.mods[name])

    def fresh(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    def lower(self, m):
        return [x for x in self.order if self.mods[x].layer < m.layer]

    def pub_items(self, mod, kinds):
        return [it for it in self.mods[mod].items if it["pub"] and it["kind"] in kinds] if mod in self.mods else []

    def binding(self, m, mod):
        for i, (name, sel) in enumerate(m.imports):
            if name == mod and sel is None:
                return mod.split(".")[-1]
        return None

    def types_for(self, m):
        """Type expressions m can write: primitives, own types, imported ones."""
        ts = list(PRIMS) + ["List[Int]"]
        ts += [it["name"] for it in m.items if it["kind"] in ("struct", "enum", "alias")]
        for mod, sel in m.imports:
            b = mod.split(".")[-1]
            for it in self.pub_items(mod, ("struct", "enum", "alias")):
                ts.append(it["name"] if sel is not None and it["name"] in sel else "%s.%s" % (b, it["name"]) if sel is None else None)
        return [t for t in ts if t]

    def uses(self, m):
        """Expressions using imported functions (a body's dependency on names)."""
        es = []
        for mod, sel in m.imports:
            b = mod.split(".")[-1]
            for it in self.pub_items(mod, ("fn",)):
                call = "%s(%s)" % (it["name"] if sel is not None else "%s.%s" % (b, it["name"]),
                                   ", ".join(default_value(t) for t in it["params"]))
                if sel is None or it["name"] in sel:
                    es.append(call)
            for it in self.pub_items(mod, ("const",)):
                if sel is None:
                    es.append("%s.%s" % (b, it["name"]))
        return es

    def body(self, m, ret):
        rng = self.rng
        lines = []
        for e in rng.sample(self.uses(m), min(2, len(self.uses(m)))):
            lines.append("    let _u%d = %s" % (rng.randrange(1000), e))
        lines.append("    " + default_value(ret))
        return "\n".join(lines)

    def populate(self, m):
        rng = self.rng
        low = self.lower(m)
        for mod in rng.sample(low, min(len(low), rng.randrange(0, 3))):
            names = None
            if rng.random() < 0.4:
                cands = [it["name"] for it in self.mods[mod].items if it["pub"]]
                names = rng.sample(cands, min(len(cands), 2)) if cands else None
            m.imports.append((mod, names))
        tys = self.types_for(m)
        m.items.append({"kind": "struct", "name": self.fresh("S"), "pub": True,
                        "fields": [("f%d" % i, rng.choice(tys)) for i in range(rng.randrange(1, 4))]})
        m.items.append({"kind": "enum", "name": self.fresh("E"), "pub": rng.random() < 0.8,
                        "ctors": [(self.fresh("C"), [rng.choice(tys)] if rng.random() < 0.5 else []) for _ in range(2)]})
        m.items.append({"kind": "alias", "name": self.fresh("A"), "pub": True, "target": rng.choice(self.types_for(m))})
        m.items.append({"kind": "const", "name": self.fresh("K").upper(), "pub": True, "type": "Int", "value": "3"})
        for _ in range(rng.randrange(1, 3)):
            ret = rng.choice(PRIMS)
            m.items.append({"kind": "fn", "name": self.fresh("f"), "pub": rng.random() < 0.8,
                            "params": [rng.choice(PRIMS) for _ in range(rng.randrange(0, 3))], "ret": ret,
                            "body": self.body(m, ret)})

    # ---- edits
    def edit(self):
        rng = self.rng
        m = self.mods[rng.choice(self.order)]
        kinds = ["body", "add_fn", "remove_item", "rename", "toggle_pub", "reorder", "field_type",
                 "param_type", "ret_type", "alias_target", "add_import", "drop_import", "selective", "typo",
                 "wrong_arg"]
        kind = rng.choice(kinds)
        items = [it for it in m.items]
        fns = [it for it in items if it["kind"] == "fn"]
        if kind == "body" and fns:
            f = rng.choice(fns)
            f["body"] = self.body(m, f["ret"])
        elif kind == "add_fn":
            ret = rng.choice(PRIMS)
            m.items.append({"kind": "fn", "name": self.fresh("f"), "pub": True, "params": [], "ret": ret,
                            "body": self.body(m, ret)})
        elif kind == "remove_item" and items:
            m.items.remove(rng.choice(items))
        elif kind == "rename" and items:
            it = rng.choice(items)
            it["name"] = self.fresh(it["name"][0] if it["kind"] != "const" else "K").upper() \
                if it["kind"] == "const" else self.fresh(it["name"][0])
        elif kind == "toggle_pub" and items:
            it = rng.choice(items)
            it["pub"] = not it["pub"]
        elif kind == "reorder":
            for it in items:
                if it["kind"] == "struct":
                    rng.shuffle(it["fields"])
                elif it["kind"] == "enum":
                    rng.shuffle(it["ctors"])
        elif kind == "field_type":
            sts = [it for it in items if it["kind"] == "struct" and it["fields"]]
            if sts:
                s = rng.choice(sts)
                i = rng.randrange(len(s["fields"]))
                s["fields"][i] = (s["fields"][i][0], rng.choice(self.types_for(m)))
        elif kind == "param_type" and fns:
            f = rng.choice(fns)
            f["params"] = [rng.choice(PRIMS) for _ in range(rng.randrange(0, 3))]
        elif kind == "ret_type" and fns:
            f = rng.choice(fns)
            f["ret"] = rng.choice(PRIMS)
            f["body"] = self.body(m, f["ret"])
        elif kind == "alias_target":
            als = [it for it in items if it["kind"] == "alias"]
            if als:
                rng.choice(als)["target"] = rng.choice(self.types_for(m))
        elif kind == "add_import":
            low = [x for x in self.lower(m) if x not in [i[0] for i in m.imports]]
            if low:
                m.imports.append((rng.choice(low), None))
        elif kind == "drop_import" and m.imports:
            m.imports.pop(rng.randrange(len(m.imports)))
        elif kind == "typo" and m.imports:
            # a misspelled imported name: `b.fx12` for `b.f12`, in a body, a
            # type or a selective import; its suggestion depends on the
            # import's public names
            i = rng.randrange(len(m.imports))
            mod, sel = m.imports[i]
            its = self.pub_items(mod, ("fn", "const", "struct", "enum", "alias"))
            if its:
                it = rng.choice(its)
                typo = it["name"][:1] + "x" + it["name"][1:]
                b = mod.split(".")[-1]
                if sel is not None:
                    m.imports[i] = (mod, sel + [typo])
                elif it["kind"] in ("fn", "const") and fns:
                    f = rng.choice(fns)
                    f["body"] = "    let _t%d = %s.%s\n%s" % (rng.randrange(1000), b, typo, f["body"])
                elif fns:
                    f = rng.choice(fns)
                    f["body"] = "    let _t%d: %s.%s = 1\n%s" % (rng.randrange(1000), b, typo, f["body"])
        elif kind == "wrong_arg" and fns:
            # an argument of the wrong type to an imported function: its
            # E201 points at the parameter, in the other module's text
            # (a lower module is imported for it if need be)
            calls = [(mod, it) for mod in self.lower(m) for it in self.pub_items(mod, ("fn",)) if it["params"]]
            if calls:
                mod, it = rng.choice(calls)
                if mod not in [x[0] for x in m.imports]:
                    m.imports.append((mod, None))
                sel = [x[1] for x in m.imports if x[0] == mod][0]
                callee = it["name"] if sel is not None else "%s.%s" % (mod.split(".")[-1], it["name"])
                if sel is not None and it["name"] not in sel:
                    sel.append(it["name"])
                wrong = [t for t in PRIMS if t != it["params"][0]]
                args = [default_value(rng.choice(wrong))] + [default_value(t) for t in it["params"][1:]]
                f = rng.choice(fns)
                f["body"] = "    let _w%d = %s(%s)\n%s" % (rng.randrange(1000), callee, ", ".join(args), f["body"])
        elif kind == "selective" and m.imports:
            i = rng.randrange(len(m.imports))
            mod, sel = m.imports[i]
            cands = [it["name"] for it in self.mods[mod].items] if mod in self.mods else []
            m.imports[i] = (mod, rng.sample(cands, min(len(cands), rng.randrange(1, 3))) if cands else None)
        return "%s %s" % (kind, m.name)

    def write(self, root):
        for m in self.mods.values():
            path = os.path.join(root, *m.name.split(".")) + ".sg"
            os.makedirs(os.path.dirname(path), exist_ok=True)
            text = m.text()
            if not os.path.exists(path) or open(path).read() != text:
                with open(path, "w") as f:
                    f.write(text)


# ------------------------------------------------------------ the test

def check(sigil, root, *extra):
    p = subprocess.run([sigil, "--check", "--format", "json"] + list(extra) + [root], capture_output=True, timeout=120)
    if p.returncode not in (0, 1):
        raise AssertionError("exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[-500:]))
    return json.loads(p.stdout)


def diag_key(d):
    related = tuple((r["file"], r["line"], r["column"], r["endLine"], r["endColumn"], r["message"])
                    for r in d.get("related", []))
    return (d["file"], d["line"], d["column"], d["code"], d["message"], related)


def module_of(rel):
    return rel[:-3].replace("/", ".")


def expected_checked(before, after, root):
    """Modules that section 7 says must be checked: no stored result of
    their (new) source key, from before the step, holds now."""
    index_b, results_b = before
    index_a, results_a = after
    # the imports' state now: each module's current result (fingerprints, export hash)
    now = {}
    for rel, (imports, rid) in index_a.items():
        if rid in results_a:
            now[module_of(rel)] = results_a[rid]
    must = set()
    for rel, (imports, rid) in index_a.items():
        mod = module_of(rel)
        new = results_a.get(rid)
        if new is None:
            continue
        statuses = [u[0] for u in new["usage"]]
        imports_now = []
        for k, path in enumerate(imports):
            st = statuses[k] if k < len(statuses) else 1
            dep = now.get(path)
            imports_now.append((st, dep["export_hash"], dep["fps"]) if st == 0 and dep else (st, None, {}))
        candidates = [r for r in results_b.values() if r["source_key"] == new["source_key"]]
        if not any(holds(r, imports_now) for r in candidates):
            must.add(mod)
    return must


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--modules", type=int, default=9)
    ap.add_argument("--sessions", type=int, default=3)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    sigil = os.path.abspath(a.sigil)
    passed = failed = 0
    seen = {"suggestions": 0, "related locations in another file": 0}
    for session in range(a.sessions):
        rng = random.Random(a.seed * 1000 + session)
        tmp = tempfile.mkdtemp(prefix="sigil-per-name-")
        try:
            root = os.path.join(tmp, "ws")
            world = World(rng, a.modules)
            world.write(root)
            check(sigil, root)
            db = os.path.join(root, ".sigil-cache", "cache.db")
            history = {}      # module -> earlier texts, for reverts
            problems = []
            for step in range(a.steps):
                before = cache_state(db, root)
                if rng.random() < 0.15 and history:
                    # revert a module to an earlier version: older results are valid again
                    name = rng.choice(sorted(history))
                    text = rng.choice(history[name])
                    path = os.path.join(root, *name.split(".")) + ".sg"
                    with open(path, "w") as f:
                        f.write(text)
                    what = "revert %s" % name
                else:
                    for m in world.mods.values():
                        path = os.path.join(root, *m.name.split(".")) + ".sg"
                        history.setdefault(m.name, []).append(open(path).read())
                    what = world.edit()
                    world.write(root)
                got = check(sigil, root)
                ref = check(sigil, root, "--no-cache")
                if sorted(map(diag_key, got["diagnostics"])) != sorted(map(diag_key, ref["diagnostics"])):
                    problems.append("step %d (%s): diagnostics differ from --no-cache:\n  cached:   %s\n  no-cache: %s" % (
                        step, what, sorted(map(diag_key, got["diagnostics"]))[:6], sorted(map(diag_key, ref["diagnostics"]))[:6]))
                    break
                seen["suggestions"] += sum("did you mean" in d["message"] for d in got["diagnostics"])
                seen["related locations in another file"] += sum(
                    r["file"] != d["file"] for d in got["diagnostics"] for r in d.get("related", []))
                after = cache_state(db, root)
                want = expected_checked(before, after, root)
                have = set(got["modules"]["checked"])
                if have != want:
                    problems.append("step %d (%s): modules.checked %s, section 7 says %s (more: %s; fewer: %s)" % (
                        step, what, sorted(have), sorted(want), sorted(have - want), sorted(want - have)))
                    break
                if a.verbose:
                    print("ok   session %d step %d: %s -> checked %s" % (session, step, what, sorted(have)))
            if problems:
                failed += 1
                print("FAIL per-name session %d (seed %d): %s" % (session, a.seed, problems[0]))
            else:
                passed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    # the edits must exercise what the comparison is about
    for what, n in seen.items():
        if a.verbose:
            print("seen: %d %s" % (n, what))
        if n == 0 and a.steps * a.sessions >= 100:
            failed += 1
            print("FAIL per-name: the edits produced no %s" % what)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
