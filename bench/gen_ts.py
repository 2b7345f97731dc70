#!/usr/bin/env python3
"""Generate the TypeScript version of bench/gen.py's workspace.

    python3 bench/gen_ts.py --modules N --out DIR [--seed S] [--force]

The same modules, layers, imports (`import a.b` is `import * as b`, `as x`
is `import * as x`, a selective import lists the same names) and exported
API as bench/gen.py with the same arguments (gen.gen_module writes both
from the same draws, with this file's templates and hooks), each function
written the way TypeScript would: structs are interfaces, enums are unions
tagged by `kind` with a function (or a constant) per constructor, `match`
is `switch` or a test of `kind`, `Option` and `Result` of the prelude are
declared globally (std/prelude.d.ts), std.list, std.string and std.map are
declared modules.
It exists to compare a TypeScript language server with `sigil --lsp` on the
same program (bench/lsp/tsgo.mjs). It must type-check clean (`tsc -p DIR`).
"""

import argparse
import os
import random
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (the layout and the APIs are gen.py's)

STD = {
    "prelude.d.ts": """\
// The prelude of the Sigil bench workspace, as TypeScript globals.
declare type Option<T> = { kind: "Some"; value: T } | { kind: "None" };
declare type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };
declare function Some<T>(value: T): Option<T>;
declare const None: { kind: "None" };
declare function Ok<T>(value: T): { ok: true; value: T };
declare function Err<E>(error: E): { ok: false; error: E };
declare function print(s: string): void;
declare function int_to_string(n: number): string;
declare function float_to_string(x: number): string;
declare function to_float(n: number): number;
declare function truncate(x: number): number;
declare function len<T>(xs: T[]): number;
declare function push<T>(xs: T[], x: T): T[];
""",
    "list.d.ts": """\
export declare function map<T, U>(xs: T[], f: (x: T) => U): U[];
export declare function filter<T>(xs: T[], f: (x: T) => boolean): T[];
export declare function fold<T, A>(xs: T[], init: A, f: (acc: A, x: T) => A): A;
export declare function range(from: number, to: number): number[];
export declare function get<T>(xs: T[], i: number): Option<T>;
""",
    "string.d.ts": """\
export declare function join(xs: string[], sep: string): string;
export declare function split(s: string, sep: string): string[];
export declare function to_int(s: string): Option<number>;
export declare function length(s: string): number;
""",
    "map.d.ts": """\
export interface Map<K, V> { readonly keys: K[]; readonly values: V[] }
export declare function empty<K, V>(): Map<K, V>;
export declare function insert<K, V>(m: Map<K, V>, k: K, v: V): Map<K, V>;
export declare function size<K, V>(m: Map<K, V>): number;
""",
}

TSCONFIG = """\
{
  "compilerOptions": {
    "strict": true,
    "target": "es2020",
    "module": "esnext",
    "moduleResolution": "bundler",
    "noEmit": true,
    "types": []
  },
  "include": ["**/*.ts"]
}
"""

HEAD_TYPES = """\
/** Scale factor applied to the weight of every $noun_l. */
export const $SCALE: number = $scale;

/** A $noun_l record. */
export interface $S {
    id: number;
    name: string;
    weight: number;
    tags: string[];
    base: $base_type;
}

/** How a $noun_l is classified. */
export type $E = { kind: "$Blank" } | { kind: "$Count"; a: number } | { kind: "$Named"; a: string; b: number }$via_variant;
export const $Blank: $E = { kind: "$Blank" };
export function $Count(a: number): $E { return { kind: "$Count", a }; }
export function $Named(a: string, b: number): $E { return { kind: "$Named", a, b }; }
$via_ctor
/** A counted slot holding any value. */
export interface $Slot<T> { value: T; hits: number }
"""

FOUND_TYPE = """
/** The outcome of a search. */
export type $Found<T> = { kind: "$Hit"; a: T; b: number } | { kind: "$Miss"; a: string };
export function $Hit<T>(a: T, b: number): $Found<T> { return { kind: "$Hit", a, b }; }
export function $Miss<T>(a: string): $Found<T> { return { kind: "$Miss", a }; }
"""

FN_NEW = """
export function $new(id: number, name: string): $S {
    return {
        id: id,
        name: name,
        weight: to_float(id) * $SCALE,
        tags: [name, "$tag"],
        base: $base_value,
    };
}
"""

FN_LIFT = """
export function $lift(b: $b_S): $S {
    return { id: b.id, name: b.name, weight: b.weight, tags: b.tags, base: b };
}
"""

FN_CLASSIFY = """
export function $classify(r: $S): $E {
    const factor = $factor;
    if (r.id % 4 === 0) {
        return $Blank;
    } else if (r.id % 4 === 1) {
        return $Count(r.id * factor);
    } else {
        return $last_branch;
    }
}
"""

FN_DESCRIBE = """
export function $describe(k: $E): string {
    switch (k.kind) {
        case "$Blank": return "blank";
        case "$Count": return "count " + int_to_string(k.a);
        case "$Named": return k.a + "=" + float_to_string(k.b);
$via_arm    }
}
"""

FN_WEIGH = """
export function $weigh(items: $S[]): number {
    const ws = list.map(list.filter(items, (r: $S): boolean => r.weight > 2.0), (r: $S): number => r.weight);
    return list.fold(ws, 0.0, (acc: number, w: number): number => acc + w);
}
"""

FN_SLOT = """
export function $slot<T>(value: T): $Slot<T> {
    return { value: value, hits: 0 };
}
"""

FN_GENERIC = """
export function $find<T>(xs: T[], key: (x: T) => number, want: number): $Found<T> {
    let i = 0;
    while (i < len(xs)) {
        if (key(xs[i]) === want) {
            return $Hit(xs[i], i);
        }
        i = i + 1;
    }
    return $Miss("no match for " + int_to_string(want));
}
"""

FN_PARSE = """
export function $parse(text: string): Result<$S, string> {
    const parts = $strmod.split(text, ":");
    if (len(parts) !== 2) {
        return Err("bad record: " + text);
    }
    const id = $strmod.to_int(parts[0]);
    switch (id.kind) {
        case "Some": return Ok($new(id.value, parts[1]));
        case "None": return Err("bad id: " + parts[0]);
    }
}
"""

FN_LINK = """
export function $link(r: $S, k: $v_E): $b_S {
    switch (k.kind) {
        case "$vk_Blank": return r.base;
        case "$vk_Count": return $b_new(k.a, r.name);
        case "$vk_Named": return $b_new(r.id, k.a);
$v_via_arm    }
}
"""

FN_LINK0 = """
export function $link(r: $S, k: $E): number {
    switch (k.kind) {
        case "$Blank": return r.base;
        case "$Count": return k.a + r.base;
        case "$Named": return truncate(k.b) + r.base;
    }
}
"""

FN_INDEX = """
function $index(rs: $S[]): map.Map<string, number> {
    let m: map.Map<string, number> = map.empty();
    for (const r of rs) {
        m = map.insert(m, r.name, r.id);
    }
    return m;
}
"""

FN_SUMMARY_HEAD = """
/** A one-line report over `n` generated records. */
export function $summary(n: number): string {
    const recs = list.map(list.range(0, n), (i: number): $S => $new(i, "item" + int_to_string(i)));
    const labels = list.map(recs, (r: $S): string => $describe($classify(r)));
    let out = $strmod.join(labels, ",");
"""

SUMMARY_PARTS = {
    "weigh": '    out = out + " w=" + float_to_string($weigh(recs));\n',
    "generic": """\
    const fnd = $find(recs, (r: $S): number => r.id, 2);
    const found = fnd.kind === "$Hit" ? fnd.a.name + "@" + int_to_string(fnd.b) : fnd.a;
    out = out + " " + found;
""",
    "parse": """\
    const parsed = $parse("7:seven");
    if (parsed.ok) { out = out + " " + parsed.value.name; } else { out = out + " " + parsed.error; }
""",
}

SNIPPETS = [
    ("""
function $fname(n: number): string {
    const recs = list.map(list.range(0, n), (i: number): $P_S => $P_new(i, "dep" + int_to_string(i)));
    const names = list.map(recs, (r: $P_S): string => $P_describe($P_classify(r)));
    return $strmod.join(names, ";") + " w=" + float_to_string($P_weigh(recs));
}
""", "3", "weigh"),
    ("""
function $fname(n: number): string {
    let total = 0;
    for (const i of list.range(0, n)) {
        const c = $P_classify($P_new(i, "k"));
        let score = 0;
        switch (c.kind) {
            case "$Pk_Blank": score = 0; break;
            case "$Pk_Count": score = c.a * 2; break;
            case "$Pk_Named": score = $strmod.length(c.a) + truncate(c.b); break;
$P_via_score        }
        total = total + score;
    }
    return "score " + int_to_string(total);
}
""", "4", None),
    ("""
function $fname(xs: number[]): string {
    let s: $P_Slot<number> = $P_slot(0);
    for (const x of xs) {
        s = { value: s.value + x, hits: s.hits + 1 };
    }
    const f = $P_find(xs, (x: number): number => x * 2, 4);
    const res = f.kind === "$Pk_Hit" ? f.a + f.b + s.hits : s.hits + s.value;
    return int_to_string(res);
}
""", "[1, 2, 3, 4]", "generic"),
    ("""
function $fname(text: string): string {
    let ok: $P_S[] = [];
    let bad = 0;
    for (const line of $strmod.split(text, ",")) {
        const r = $P_parse(line);
        if (r.ok) { ok = push(ok, r.value); } else { bad = bad + 1; }
    }
    return int_to_string(len(ok)) + " ok, " + int_to_string(bad) + " bad";
}
""", '"1:a,2:b,x"', "parse"),
    ("""
function $fname(n: number): string {
    const recs = list.map(list.range(0, n), (i: number): $P_S => $P_new(i, "q"));
    const kept = list.filter(recs, (r: $P_S): boolean => r.weight > $P_SCALE);
    const g = list.get(kept, 0);
    const first = g.kind === "Some" ? g.value.name : "none";
    return first + "/" + int_to_string(len(kept));
}
""", "5", None),
]

ONELINERS = [
    '    out = out + " " + $P_describe($P_classify($P_new(n, "x")));\n',
    '    out = out + " " + $P_new(n + 1, "y").name;\n',
    '    out = out + " " + float_to_string($P_SCALE * to_float(len($P_new(n, "z").tags)));\n',
]


sub, prefixed = gen.sub, gen.prefixed


# ---- the hooks gen.gen_module calls (gen.py has Sigil's) ----
def dep_kw(kw, api, bq, vq, v):
    kw.update(prefixed("vk", v.api))    # unqualified names: the `kind` tags
    kw["base_type"] = bq["S"]
    kw["base_value"] = sub('$b_new(id + 1, name + "/base")', **kw)
    kw["via_variant"] = ' | { kind: "%s"; a: %s }' % (api["Via"], vq["E"])
    kw["via_ctor"] = 'export function %s(a: %s): %s { return { kind: "%s", a }; }\n' % (
        api["Via"], vq["E"], api["E"], api["Via"])
    kw["via_arm"] = sub('        case "$Via": return "via " + $v_describe(k.a);\n', **kw)
    kw["last_branch"] = sub("$Via($v_classify($v_new(r.id, r.name)))", **kw)
    kw["v_via_arm"] = ('        case "%s": return r.base;\n' % v.api["Via"]) if v.has_via else ""


def nodep_kw(kw):
    kw["base_type"] = "number"
    kw["base_value"] = "id * 10"
    kw["via_variant"] = ""
    kw["via_ctor"] = ""
    kw["via_arm"] = ""
    kw["last_branch"] = sub("$Named(r.name, r.weight)", **kw)


def snippet_kw(skw, d, pq):
    skw.update(prefixed("Pk", d.api))
    skw["P_via_score"] = ('            case "%s": score = 1; break;\n' % d.api["Via"]) if d.has_via else ""


SUMMARY_MAP = '    out = out + " keys=" + int_to_string(map.size($index(recs)));\n'
SUMMARY_SLOT = '    let slot = $slot(0.5);\n'
SUMMARY_CALL = '    out = out + " " + %s;\n'
SUMMARY_SLOT_AGAIN = '    slot = { value: slot.value * 2.0, hits: slot.hits + 1 };\n'
SUMMARY_LIFT = '    const first = $lift($b_new(n, "lifted"));\n    out = out + " " + $describe($classify(first));\n'
SUMMARY_END = '    return out + " " + float_to_string(slot.value) + "/" + int_to_string(slot.hits);\n}\n'


def imports(m, seed, strmod, use_map, text):
    """A selective import names what the code uses unqualified (outside strings)."""
    code = re.sub(r'"[^"\n]*"', '""', text)
    bare = set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", code))
    head = ["// Module %s: generated by bench/gen_ts.py (seed %d); do not edit by hand.\n" % (m.name, seed)]
    for d, form, bind in m.deps:
        path = "../%s/%s" % (d.lseg, d.mseg)
        if form == "plain":
            head.append('import * as %s from "%s";\n' % (d.mseg, path))
        elif form == "alias":
            head.append('import * as %s from "%s";\n' % (bind, path))
        else:
            names = [n for n in d.api.values() if n in bare]
            head.append('import { %s } from "%s";\n' % (", ".join(names), path))
    head.append('import * as list from "../std/list";\n')
    head.append('import * as %s from "../std/string";\n' % strmod)
    if use_map:
        head.append('import * as map from "../std/map";\n')
    return "".join(head)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modules", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="replace DIR")
    a = ap.parse_args()
    if os.path.isdir(a.out) and os.listdir(a.out):
        if not a.force:
            sys.exit("gen_ts.py: %s is not empty (use --force to replace it)" % a.out)
        shutil.rmtree(a.out)
    os.makedirs(os.path.join(a.out, "std"), exist_ok=True)
    for name, text in STD.items():
        with open(os.path.join(a.out, "std", name), "w") as f:
            f.write(text)
    with open(os.path.join(a.out, "tsconfig.json"), "w") as f:
        f.write(TSCONFIG)
    mods, layers, _ = gen.plan(a.modules, a.seed)
    files = lines = 0
    for m in mods:
        text = gen.gen_module(m, a.seed, random.Random("%d:%d" % (a.seed, m.idx)), lang=sys.modules[__name__])
        path = os.path.join(a.out, m.lseg, m.mseg + ".ts")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="\n") as f:
            f.write(text)
        files += 1
        lines += text.count("\n")
    print("gen_ts.py: %d files, %d lines, %d layer(s) in %s" % (files, lines, len(layers), a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
