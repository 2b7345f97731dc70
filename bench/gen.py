#!/usr/bin/env python3
"""Generate a synthetic Sigil workspace that checks clean.

    python3 bench/gen.py --modules N --out DIR [--seed S] [--force]

The workspace has N modules arranged in layers of 20-40 modules
(`DIR/l003/m0042.sg` is module `l003.m0042`) plus a `DIR/main.sg` on top.
Every module above layer 0 imports 2-5 modules from lower layers, using all
three import forms (`import a.b`, `import a.b as x`, `import a.b.{N, f}`), and
uses everything it imports.  Each module exports a struct, an enum, a
generic struct (some also a generic enum), a const and functions (some
generic) whose signatures mention types imported from lower layers, so export
hashes depend on each other transitively.  Modules differ in which optional
parts of the API they have and in how they use their imports.

The output is a pure function of (--modules, --seed) and of this file: the
same arguments always give byte-identical files.  The workspace must check
with zero diagnostics (warnings included); `bench/run.sh` verifies that.

The totals (files, lines) are printed on stderr.
"""

import argparse
import os
import random
import re
import sys
from string import Template

NOUNS = [
    "Sensor", "Order", "Account", "Ticket", "Route", "Parcel", "Invoice",
    "Device", "Sample", "Shift", "Batch", "Lease", "Course", "Track", "Claim",
    "Quote", "Asset", "Signal", "Patient", "Vessel", "Member", "Report",
    "Budget", "Window", "Packet", "Recipe", "Player", "Module", "Engine",
    "Ledger", "Folder", "Widget", "Voucher", "Station", "Harvest", "Journey",
]

# Aliases for `import a.b as x`; none of them is a keyword, a local name used
# by the templates below, or a std binding (list, str, string, map).
ALIASES = [
    "core", "model", "store", "feed", "graph", "queue", "cache", "sched",
    "auth", "metrics", "codec", "proto", "ledger", "geo", "units", "infra",
    "audit", "billing", "search", "render", "hub", "vault", "relay", "pool",
]

SCALES = ["0.5", "1.25", "1.5", "2.0", "2.5", "0.75"]


class Mod:
    """Names of one generated module and of its public API."""

    def __init__(self, idx, layer, lw, mw, rng):
        self.idx = idx
        self.layer = layer
        self.lseg = "l%0*d" % (lw, layer)
        self.mseg = "m%0*d" % (mw, idx)
        self.name = self.lseg + "." + self.mseg
        self.path = self.lseg + "/" + self.mseg + ".sg"
        noun = NOUNS[rng.randrange(len(NOUNS))]
        low = noun.lower()
        self.noun = noun
        self.api = {
            "S": "%s%d" % (noun, idx),
            "E": "%sKind%d" % (noun, idx),
            "Blank": "Blank%d" % idx,
            "Count": "Count%d" % idx,
            "Named": "Named%d" % idx,
            "Via": "Via%d" % idx,
            "Slot": "Slot%d" % idx,
            "Found": "Found%d" % idx,
            "Hit": "Hit%d" % idx,
            "Miss": "Miss%d" % idx,
            "SCALE": "SCALE%d" % idx,
            "new": "new_%s%d" % (low, idx),
            "lift": "lift_%s%d" % (low, idx),
            "classify": "classify_%s%d" % (low, idx),
            "describe": "describe_%s%d" % (low, idx),
            "weigh": "weigh_%s%d" % (low, idx),
            "slot": "slot_%s%d" % (low, idx),
            "find": "find_%s%d" % (low, idx),
            "parse": "parse_%s%d" % (low, idx),
            "link": "link_%s%d" % (low, idx),
            "summary": "summary_%s%d" % (low, idx),
            "index": "index_%s%d" % (low, idx),
        }
        self.has_via = layer > 0
        # Optional parts of the API, so that modules are not all alike.
        self.feat = {f for f in ("weigh", "generic", "parse") if rng.random() < 0.35}
        self.deps = []  # list of (Mod, form, binding)


def qualify(dep, form, binding):
    """Template variables for a dependency: API names with its prefix."""
    prefix = "" if form == "sel" else binding + "."
    return {k: prefix + v for k, v in dep.api.items()}


def sub(text, **kw):
    return Template(text).substitute(**kw)


def prefixed(p, names):
    return {p + "_" + k: v for k, v in names.items()}


# ---------------------------------------------------------------------------
# Templates.  `$X` is one of the module's own API names, `$b_X` a name of the
# base dependency (its struct is a field of ours), `$v_X` a name of the "via"
# dependency (its enum is a payload of ours), `$P_X` a name of the dependency
# a snippet uses.

HEAD_TYPES = """\
/// Scale factor applied to the weight of every $noun_l.
pub const $SCALE: Float = $scale

/// A $noun_l record.
pub struct $S {
    id: Int,
    name: String,
    weight: Float,
    tags: List[String],
    base: $base_type,
}

/// How a $noun_l is classified.
pub enum $E {
    $Blank,
    $Count(Int),
    $Named(String, Float),
$via_ctor}

/// A counted slot holding any value.
pub struct $Slot[T] { value: T, hits: Int }
"""

FOUND_TYPE = """
/// The outcome of a search.
pub enum $Found[T] { $Hit(T, Int), $Miss(String) }
"""

FN_NEW = """
pub fn $new(id: Int, name: String) -> $S {
    $S {
        id: id,
        name: name,
        weight: to_float(id) * $SCALE,
        tags: [name, "$tag"],
        base: $base_value,
    }
}
"""

FN_LIFT = """
pub fn $lift(b: $b_S) -> $S {
    $S { id: b.id, name: b.name, weight: b.weight, tags: b.tags, base: b }
}
"""

FN_CLASSIFY = """
pub fn $classify(r: $S) -> $E {
    let factor = $factor
    if r.id % 4 == 0 {
        $Blank
    } else if r.id % 4 == 1 {
        $Count(r.id * factor)
    } else {
        $last_branch
    }
}
"""

FN_DESCRIBE = """
pub fn $describe(k: $E) -> String {
    match k {
        $Blank => "blank",
        $Count(n) => "count " + int_to_string(n),
        $Named(label, w) => label + "=" + float_to_string(w),
$via_arm    }
}
"""

FN_WEIGH = """
pub fn $weigh(items: List[$S]) -> Float {
    let ws = list.map(list.filter(items, fn(r: $S) -> Bool { r.weight > 2.0 }), fn(r: $S) -> Float { r.weight })
    list.fold(ws, 0.0, fn(acc: Float, w: Float) -> Float { acc + w })
}
"""

FN_SLOT = """
pub fn $slot[T](value: T) -> $Slot[T] {
    $Slot { value: value, hits: 0 }
}
"""

FN_GENERIC = """
pub fn $find[T](xs: List[T], key: fn(T) -> Int, want: Int) -> $Found[T] {
    let mut i = 0
    while i < len(xs) {
        if key(xs[i]) == want {
            return $Hit(xs[i], i)
        }
        i = i + 1
    }
    $Miss("no match for " + int_to_string(want))
}
"""

FN_PARSE = """
pub fn $parse(text: String) -> Result[$S, String] {
    let parts = $strmod.split(text, ":")
    if len(parts) != 2 {
        return Err("bad record: " + text)
    }
    match $strmod.to_int(parts[0]) {
        Some(id) => Ok($new(id, parts[1])),
        None => Err("bad id: " + parts[0]),
    }
}
"""

FN_LINK = """
pub fn $link(r: $S, k: $v_E) -> $b_S {
    match k {
        $v_Blank => r.base,
        $v_Count(n) => $b_new(n, r.name),
        $v_Named(label, _) => $b_new(r.id, label),
$v_via_arm    }
}
"""

FN_LINK0 = """
pub fn $link(r: $S, k: $E) -> Int {
    match k {
        $Blank => r.base,
        $Count(n) => n + r.base,
        $Named(_, w) => truncate(w) + r.base,
    }
}
"""

FN_INDEX = """
fn $index(rs: List[$S]) -> map.Map[String, Int] {
    let mut m: map.Map[String, Int] = map.empty()
    for r in rs {
        m = map.insert(m, r.name, r.id)
    }
    m
}
"""

FN_SUMMARY_HEAD = """
/// A one-line report over `n` generated records.
pub fn $summary(n: Int) -> String {
    let recs = list.map(list.range(0, n), fn(i: Int) -> $S { $new(i, "item" + int_to_string(i)) })
    let labels = list.map(recs, fn(r: $S) -> String { $describe($classify(r)) })
    let mut out = $strmod.join(labels, ",")
"""

SUMMARY_PARTS = {
    "weigh": '    out = out + " w=" + float_to_string($weigh(recs))\n',
    "generic": """\
    let found = match $find(recs, fn(r: $S) -> Int { r.id }, 2) {
        $Hit(r, at) => r.name + "@" + int_to_string(at),
        $Miss(msg) => msg,
    }
    out = out + " " + found
""",
    "parse": """\
    match $parse("7:seven") {
        Ok(r) => { out = out + " " + r.name },
        Err(e) => { out = out + " " + e },
    }
""",
}

# Private functions that use one dependency each: (template, call argument,
# feature of the dependency it needs).
SNIPPETS = [
    ("""
fn $fname(n: Int) -> String {
    let recs = list.map(list.range(0, n), fn(i: Int) -> $P_S { $P_new(i, "dep" + int_to_string(i)) })
    let names = list.map(recs, fn(r: $P_S) -> String { $P_describe($P_classify(r)) })
    $strmod.join(names, ";") + " w=" + float_to_string($P_weigh(recs))
}
""", "3", "weigh"),
    ("""
fn $fname(n: Int) -> String {
    let mut total = 0
    for i in list.range(0, n) {
        let score = match $P_classify($P_new(i, "k")) {
            $P_Blank => 0,
            $P_Count(c) => c * 2,
            $P_Named(label, w) => $strmod.length(label) + truncate(w),
$P_via_score        }
        total = total + score
    }
    "score " + int_to_string(total)
}
""", "4", None),
    ("""
fn $fname(xs: List[Int]) -> String {
    let mut s: $P_Slot[Int] = $P_slot(0)
    for x in xs {
        s = $P_Slot { value: s.value + x, hits: s.hits + 1 }
    }
    let res = match $P_find(xs, fn(x: Int) -> Int { x * 2 }, 4) {
        $P_Hit(v, at) => v + at + s.hits,
        $P_Miss(_) => s.hits + s.value,
    }
    int_to_string(res)
}
""", "[1, 2, 3, 4]", "generic"),
    ("""
fn $fname(text: String) -> String {
    let mut ok: List[$P_S] = []
    let mut bad = 0
    for line in $strmod.split(text, ",") {
        match $P_parse(line) {
            Ok(r) => { ok = push(ok, r) },
            Err(_) => { bad = bad + 1 },
        }
    }
    int_to_string(len(ok)) + " ok, " + int_to_string(bad) + " bad"
}
""", '"1:a,2:b,x"', "parse"),
    ("""
fn $fname(n: Int) -> String {
    let recs = list.map(list.range(0, n), fn(i: Int) -> $P_S { $P_new(i, "q") })
    let kept = list.filter(recs, fn(r: $P_S) -> Bool { r.weight > $P_SCALE })
    let first = match list.get(kept, 0) {
        Some(r) => r.name,
        None => "none",
    }
    first + "/" + int_to_string(len(kept))
}
""", "5", None),
]

# One-line uses of a dependency inside the summary function.
ONELINERS = [
    '    out = out + " " + $P_describe($P_classify($P_new(n, "x")))\n',
    '    out = out + " " + $P_new(n + 1, "y").name\n',
    '    out = out + " " + float_to_string($P_SCALE * to_float(len($P_new(n, "z").tags)))\n',
]

SNIPPET_NAMES = ["render", "score", "track", "load", "pick"]


class Choices:
    """What a module's text is made of beyond its API: every random draw of
    one module, in one place, so that bench/gen_ts.py writes the same
    program in TypeScript from the same draws."""

    def __init__(self, m, rng):
        self.strmod = rng.choice(["str", "string"])
        self.use_map = rng.random() < 0.3
        self.scale = rng.choice(SCALES)
        self.factor = str(rng.randint(2, 9))
        # Private snippets using the dependencies beyond the first two (those
        # two already appear in the exported items), sometimes the first two
        # as well.  Layer-0 modules have no dependencies: one snippet uses
        # their own API instead.
        deps = m.deps
        if deps:
            extra = deps[2:]
            if not extra and rng.random() < 0.3:
                extra = [deps[rng.randrange(2)]]
            targets = extra[:1]
            self.oneliners = extra[1:]
        else:
            targets = [(m, "self", None)]
            self.oneliners = []
        self.snippets = []      # (dependency, form, binding, snippet index, number)
        used_variants = set()
        for j, (d, form, bind) in enumerate(targets):
            choices = [i for i, sn in enumerate(SNIPPETS)
                       if (sn[2] is None or sn[2] in d.feat) and i not in used_variants]
            if not choices:
                choices = [i for i, sn in enumerate(SNIPPETS) if sn[2] is None or sn[2] in d.feat]
            vi = rng.choice(choices)
            used_variants.add(vi)
            self.snippets.append((d, form, bind, vi, j))


# The parts of a module that are Sigil's own; bench/gen_ts.py has the same
# names for TypeScript, and gen_module writes either from the same draws.
def dep_kw(kw, api, bq, vq, v):
    """The template variables of a module with dependencies (b: its base, v: its via)."""
    kw["base_type"] = bq["S"]
    kw["base_value"] = sub("$b_new(id + 1, name + \"/base\")", **kw)
    kw["via_ctor"] = "    %s(%s),\n" % (api["Via"], vq["E"])
    kw["via_arm"] = sub('        $Via(inner) => "via " + $v_describe(inner),\n', **kw)
    kw["last_branch"] = sub("$Via($v_classify($v_new(r.id, r.name)))", **kw)
    kw["v_via_arm"] = ("        %s(_) => r.base,\n" % vq["Via"]) if v.has_via else ""


def nodep_kw(kw):
    kw["base_type"] = "Int"
    kw["base_value"] = "id * 10"
    kw["via_ctor"] = ""
    kw["via_arm"] = ""
    kw["last_branch"] = sub("$Named(r.name, r.weight)", **kw)


def snippet_kw(skw, d, pq):
    skw["P_via_score"] = ("            %s(_) => 1,\n" % pq["Via"]) if d.has_via else ""


SUMMARY_MAP = '    out = out + " keys=" + int_to_string(map.size($index(recs)))\n'
SUMMARY_SLOT = '    let mut slot = $slot(0.5)\n'
SUMMARY_CALL = '    out = out + " " + %s\n'
SUMMARY_SLOT_AGAIN = '    slot = $Slot { value: slot.value * 2.0, hits: slot.hits + 1 }\n'
SUMMARY_LIFT = '    let first = $lift($b_new(n, "lifted"))\n    out = out + " " + $describe($classify(first))\n'
SUMMARY_END = '    out + " " + float_to_string(slot.value) + "/" + int_to_string(slot.hits)\n}\n'


def imports(m, seed, strmod, use_map, text):
    """The import lines.  Selective imports list exactly the names the body uses."""
    bare = set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", text))  # unqualified names
    head = ["// Module %s: generated by bench/gen.py (seed %d); do not edit by hand.\n" % (m.name, seed)]
    for d, form, bind in m.deps:
        if form == "plain":
            head.append("import %s\n" % d.name)
        elif form == "alias":
            head.append("import %s as %s\n" % (d.name, bind))
        else:
            names = [n for n in d.api.values() if n in bare]
            assert names, (m.name, d.name)
            head.append("import %s.{%s}\n" % (d.name, ", ".join(names)))
    head.append("import std.list\n")
    head.append("import std.string as str\n" if strmod == "str" else "import std.string\n")
    if use_map:
        head.append("import std.map\n")
    return "".join(head)


def gen_module(m, seed, rng, lang=None):
    """A module's text in `lang` (a module with this one's templates and
    hooks: gen_ts for TypeScript), by default Sigil."""
    L = lang or sys.modules[__name__]
    api = dict(m.api)
    ch = Choices(m, rng)
    kw = dict(api)
    kw.update(noun_l=m.noun.lower(), scale=ch.scale, tag=m.lseg, factor=ch.factor, strmod=ch.strmod)

    deps = m.deps
    body = []
    if deps:
        b, bform, bbind = deps[0]
        v, vform, vbind = deps[1]
        bq = qualify(b, bform, bbind)
        vq = qualify(v, vform, vbind)
        kw.update(prefixed("b", bq))
        kw.update(prefixed("v", vq))
        L.dep_kw(kw, api, bq, vq, v)
    else:
        L.nodep_kw(kw)

    body.append(sub(L.HEAD_TYPES, **kw))
    if "generic" in m.feat:
        body.append(sub(L.FOUND_TYPE, **kw))
    body.append(sub(L.FN_NEW, **kw))
    if deps:
        body.append(sub(L.FN_LIFT, **kw))
    body.append(sub(L.FN_CLASSIFY, **kw))
    body.append(sub(L.FN_DESCRIBE, **kw))
    body.append(sub(L.FN_SLOT, **kw))
    if "weigh" in m.feat:
        body.append(sub(L.FN_WEIGH, **kw))
    if "generic" in m.feat:
        body.append(sub(L.FN_GENERIC, **kw))
    if "parse" in m.feat:
        body.append(sub(L.FN_PARSE, **kw))
    body.append(sub(L.FN_LINK if deps else L.FN_LINK0, **kw))
    if ch.use_map:
        body.append(sub(L.FN_INDEX, **kw))

    calls = []
    for d, form, bind, vi, j in ch.snippets:
        tmpl, arg, _ = L.SNIPPETS[vi]
        pq = dict(api) if form == "self" else qualify(d, form, bind)
        skw = dict(kw)
        skw.update(prefixed("P", pq))
        skw["fname"] = "%s_%d_%d" % (SNIPPET_NAMES[vi], j, m.idx)
        L.snippet_kw(skw, d, pq)
        body.append(sub(tmpl, **skw))
        calls.append("%s(%s)" % (skw["fname"], arg))

    summ = [sub(L.FN_SUMMARY_HEAD, **kw)]
    for f in ("weigh", "generic", "parse"):
        if f in m.feat:
            summ.append(sub(L.SUMMARY_PARTS[f], **kw))
    if ch.use_map:
        summ.append(sub(L.SUMMARY_MAP, **kw))
    summ.append(sub(L.SUMMARY_SLOT, **kw))
    for c in calls:
        summ.append(L.SUMMARY_CALL % c)
    for j, (d, form, bind) in enumerate(ch.oneliners):
        pq = prefixed("P", qualify(d, form, bind))
        summ.append(sub(L.ONELINERS[(m.idx + j) % len(L.ONELINERS)], **pq))
    summ.append(sub(L.SUMMARY_SLOT_AGAIN, **kw))
    if deps:
        summ.append(sub(L.SUMMARY_LIFT, **kw))
    summ.append(L.SUMMARY_END)
    body.append("".join(summ))
    text = "".join(body)
    return L.imports(m, seed, ch.strmod, ch.use_map, text) + "\n" + text


def gen_main(top, seed):
    lines = ["// Entry point: generated by bench/gen.py (seed %d); do not edit by hand.\n" % seed]
    uses = []
    forms = ["plain", "alias", "sel"]
    for i, m in enumerate(top):
        form = forms[i % 3]
        if form == "plain":
            lines.append("import %s\n" % m.name)
            uses.append(m.mseg + "." + m.api["summary"])
        elif form == "alias":
            alias = "app%d" % i
            lines.append("import %s as %s\n" % (m.name, alias))
            uses.append(alias + "." + m.api["summary"])
        else:
            lines.append("import %s.{%s}\n" % (m.name, m.api["summary"]))
            uses.append(m.api["summary"])
    lines.append("\nfn main() {\n")
    lines.append("    let mut reports: List[String] = []\n")
    for i, u in enumerate(uses):
        lines.append("    reports = push(reports, %s(%d))\n" % (u, i + 2))
    lines.append("    for r in reports {\n        print(r)\n    }\n}\n")
    return "".join(lines)


def plan(n, seed):
    """Lays out the modules in layers and picks each one's imports."""
    rng = random.Random(seed)
    sizes = []
    left = n
    while left > 0:
        s = min(left, rng.randint(20, 40))
        sizes.append(s)
        left -= s
    lw = max(2, len(str(len(sizes) - 1)))
    mw = max(4, len(str(n - 1)))
    mods = []
    layers = []
    for layer, s in enumerate(sizes):
        row = []
        for _ in range(s):
            m = Mod(len(mods), layer, lw, mw, rng)
            mods.append(m)
            row.append(m)
        layers.append(row)

    for layer in range(1, len(layers)):
        lower = [m for row in layers[:layer] for m in row]
        for m in layers[layer]:
            k = min(rng.randint(2, 5), len(lower))
            chosen = []
            if rng.random() < 0.15 and layers[0]:
                chosen.append(layers[0][0])  # the module bench/edit.py edits
            while len(chosen) < k:
                if rng.random() < 0.6:
                    cand = rng.choice(layers[layer - 1])
                else:
                    cand = rng.choice(lower)
                if cand not in chosen:
                    chosen.append(cand)
            rng.shuffle(chosen)
            if k >= 3:
                forms = ["plain", "alias", "sel"] + [rng.choice(["plain", "alias", "sel"]) for _ in range(k - 3)]
            else:
                forms = rng.sample(["plain", "alias", "sel"], k)
            rng.shuffle(forms)
            aliases = rng.sample(ALIASES, k)
            for d, form, alias in zip(chosen, forms, aliases):
                bind = d.mseg if form == "plain" else (alias if form == "alias" else None)
                m.deps.append((d, form, bind))
    return mods, layers, rng


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modules", type=int, required=True, help="number of layered modules (main.sg comes on top)")
    ap.add_argument("--out", required=True, help="output directory (workspace root)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true",
                    help="allow a non-empty DIR: remove its generated files (l*/m*.sg, main.sg) first")
    a = ap.parse_args()
    if a.modules < 1:
        ap.error("--modules must be at least 1")

    out = a.out
    if os.path.isdir(out) and os.listdir(out):
        if not a.force:
            sys.exit("gen.py: %s is not empty (use --force to replace a generated workspace)" % out)
        for d in sorted(os.listdir(out)):
            p = os.path.join(out, d)
            if re.fullmatch(r"l\d+", d) and os.path.isdir(p):
                for f in os.listdir(p):
                    if re.fullmatch(r"m\d+\.sg", f):
                        os.remove(os.path.join(p, f))
                if not os.listdir(p):
                    os.rmdir(p)
            elif d == "main.sg":
                os.remove(p)
    os.makedirs(out, exist_ok=True)

    mods, layers, rng = plan(a.modules, a.seed)
    files = 0
    lines = 0
    for m in mods:
        # Each module gets its own random stream so the text of one module
        # does not depend on how much randomness the others consumed.
        text = gen_module(m, a.seed, random.Random("%d:%d" % (a.seed, m.idx)))
        path = os.path.join(out, m.path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        files += 1
        lines += text.count("\n")
    top = layers[-1][:6]
    text = gen_main(top, a.seed)
    with open(os.path.join(out, "main.sg"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    files += 1
    lines += text.count("\n")
    print("gen.py: %d files, %d lines, %d layer(s) in %s" % (files, lines, len(layers), out), file=sys.stderr)


if __name__ == "__main__":
    main()
