// edits.mjs - the edit kinds: targeted changes of the kind a generator of
// uniform modules never makes (LANGUAGE.md section 7 is about exactly these:
// names appearing, disappearing and changing state, fingerprints of types
// mentioned through other modules, import statuses, file identity).
//
// An Editor proposes one edit at a time for the current files (the effective
// view: what a from-scratch check would read) and remembers each file's
// versions, so that reverts, re-adds and fixes of injected errors return to
// content checked before (the case where an older cached result is valid).
// An edit is {kind, ops}; ops are workspace.mjs operations with whole file
// contents, so any subsequence of them still applies.
import { bin, fromBin, isIdent, modulesOf } from './workspace.mjs';
import * as src from './source.mjs';

const PRIMS = ['Int', 'Float', 'String', 'Bool', 'Unit', 'List[Int]', 'List[String]', 'Option[Int]', 'Result[Int, String]', 'fn(Int) -> Int'];
const NAME_POOL = ['helper', 'value', 'make', 'Point', 'Shape', 'Color', 'Red', 'Tree', 'size', 'Pair', 'area', 'name', 'Empty', 'util'];
const STD = ['std.list', 'std.string', 'std.map', 'std.math', 'std.io'];
const MISSING = ['nope', 'lib.gone', 'util.extra'];
const DIRS = ['', 'lib', 'app', 'src', 'sub/inner', 'my.dir', 'foo.sg', 'x.y/z', 'node_modules', '.hidden'];
const BASENAMES = ['moved.sg', 'a.b.sg', 'match.sg', 'std.sg', 'util.sg', 'main.sg', 'my-file.sg', 'fresh.sg'];

/** Each kind: [weight, name, fn(editor, files) -> ops | null]. */
const KINDS = [
    [10, 'body-literal', bodyLiteral],
    [4, 'comment', commentEdit],
    [8, 'toggle-pub', togglePub],
    [7, 'rename-item', renameItem],
    [8, 'add-item', addItem],
    [5, 'remove-item', removeItem],
    [8, 'reorder', reorder],
    [8, 'field-type', fieldType],
    [4, 'alias-target', aliasTarget],
    [7, 'param-type', paramType],
    [7, 'add-import', addImport],
    [5, 'remove-import', removeImport],
    [7, 'selective-name', selectiveName],
    [4, 'cycle', makeCycle],
    [3, 'private-item', privateItem],
    [4, 'delete-file', deleteFile],
    [4, 'readd-file', readdFile],
    [4, 'move-file', moveFile],
    [2, 'copy-file', copyFile],
    [3, 'new-file', newFile],
    [2, 'delete-dir', deleteDir],
    [3, 'move-dir', moveDir],
    [4, 'sigil-json', sigilJson],
    [8, 'same-size-old-mtime', sameSize],
    [3, 'touch', touchFile],
    [3, 'age', ageAll],
    [8, 'inject-error', injectError],
    [7, 'fix-error', fixError],
    [6, 'revert', revert],
    [4, 'conformance-step', conformanceStep],
];
export const KIND_NAMES = KINDS.map(([, n]) => n);

export class Editor {
    /** `seed` is a workspace from loadSeeds()/generated(); `only` restricts the kinds (names). */
    constructor(rng, seed, { only = null, utf8Only = false } = {}) {
        this.rng = rng;
        this.seed = seed;
        for (const k of only || []) if (!KIND_NAMES.includes(k)) throw new Error(`unknown edit kind ${k} (kinds: ${KIND_NAMES.join(' ')})`);
        this.kinds = only ? KINDS.filter(([, n]) => only.includes(n)) : KINDS;
        this.utf8Only = utf8Only;   // the server driver: buffers are text
        this.history = new Map();   // rel -> [Buffer] (distinct, in order)
        this.last = new Map();      // rel -> last content seen (kept after a delete)
        this.injected = [];         // {rel, before, after}
        this.nextStep = 0;
        this.counter = 0;
    }

    /** Records the files after a step (call once at the start too). */
    observe(files) {
        for (const rel of files.paths()) {
            const data = files.get(rel);
            const h = this.history.get(rel) || [];
            if (!h.some((b) => b.equals(data))) h.push(data);
            this.history.set(rel, h);
            this.last.set(rel, data);
        }
    }

    /** The next edit: {kind, ops}. */
    next(files) {
        for (let tries = 0; tries < 200; tries++) {
            const [, name, fn] = this.rng.weighted(this.kinds.map((k) => [k[0], k]));
            const ops = fn(this, files);
            if (!ops || !ops.length) continue;
            if (this.utf8Only && ops.some((o) => o.data && !isUtf8(o.data))) continue;
            return { kind: name, ops };
        }
        return { kind: 'touch', ops: files.paths().length ? [{ op: 'touch', path: this.rng.pick(files.paths()) }] : [] };
    }

    // -- helpers shared by the kinds
    fresh(base) { return `${base}${++this.counter}`; }
    write(rel, s) { return { op: 'write', path: rel, data: fromBin(s), atomic: this.rng.chance(0.15) }; }
    /** A source file to edit; dependencies (files other files import) twice as likely. */
    pickSource(files, pred = () => true) {
        const srcs = files.sources().filter((r) => pred(r, files.text(r)));
        if (!srcs.length) return null;
        const g = graph(files);
        const weighted = srcs.map((r) => [g.importedFiles.has(r) ? 2 : 1, r]);
        return this.rng.weighted(weighted);
    }
}

const isUtf8 = (buf) => Buffer.from(buf.toString('utf8'), 'utf8').equals(buf);

/** A source file in which `list(text)` finds something, and one of those things: {rel, s, x}, or null. */
function pickIn(ed, files, list) {
    const rel = ed.pickSource(files, (r, t) => list(t).length > 0);
    if (!rel) return null;
    const s = files.text(rel);
    return { rel, s, x: ed.rng.pick(list(s)) };
}

// ------------------------------------------------------------------ the import graph, as far as text shows it

/** {mods: module -> [rel], modOf: rel -> module, imports: rel -> [{module, ...}], importedFiles: Set(rel)} */
function graph(files) {
    const mods = modulesOf(files) || new Map();
    const modOf = new Map();
    for (const [m, rels] of mods) for (const r of rels) modOf.set(r, m);
    const imps = new Map();
    const importedFiles = new Set();
    for (const rel of files.sources()) {
        const list = src.imports(files.text(rel));
        imps.set(rel, list);
        for (const i of list) for (const r of mods.get(i.module) || []) importedFiles.add(r);
    }
    return { mods, modOf, imports: imps, importedFiles };
}

/** Types a file could write: primitives, its own types, imported modules' types (as `alias.T` or selected names), and unknown ones. */
function typePool(files, rel, rng) {
    const s = files.text(rel);
    const g = graph(files);
    const args = (n) => (n ? `[${Array(n).fill('Int').join(', ')}]` : '');
    const pool = [...PRIMS];
    for (const it of src.items(s)) {
        if (['struct', 'enum', 'type'].includes(it.kind)) pool.push(it.name + args(src.typeParams(s, it).length));
    }
    for (const imp of src.imports(s)) {
        const target = (g.mods.get(imp.module) || [])[0];
        if (!target) continue;
        const ts = files.text(target);
        for (const it of src.items(ts)) {
            if (!['struct', 'enum', 'type'].includes(it.kind)) continue;
            const n = src.typeParams(ts, it).length;
            if (imp.binding) pool.push(`${imp.binding}.${it.name}${args(n)}`);
            else if (imp.names.some((x) => x.text === it.name)) pool.push(it.name + args(n));
        }
        if (imp.binding) pool.push(`${imp.binding}.Nope`);
    }
    pool.push('Nope', `List[${rng.pick(pool)}]`);
    return pool;
}

/** Names other files look up in the module formed by `rel` (qualified uses and selective imports). */
function wantedNames(files, rel) {
    const g = graph(files);
    const mod = g.modOf.get(rel);
    const out = new Set();
    if (!mod) return [];
    for (const [other, list] of g.imports) {
        if (other === rel) continue;
        const t = files.text(other);
        for (const imp of list) {
            if (imp.module !== mod) continue;
            if (imp.names) imp.names.forEach((n) => isIdent(n.text) && out.add(n.text));
            if (imp.binding) for (const m of t.matchAll(new RegExp(`\\b${imp.binding}\\.([A-Za-z_][A-Za-z0-9_]*)`, 'g'))) out.add(m[1]);
        }
    }
    const own = new Set(src.items(files.text(rel)).map((i) => i.name));
    return [...out].filter((n) => !own.has(n));
}

// ------------------------------------------------------------------ bodies, comments, pub

function bodyLiteral(ed, files) {
    const rel = ed.pickSource(files, (r, s) => /\b\d+\b/.test(s));
    if (!rel) return null;
    const s = files.text(rel);
    const m = ed.rng.pick([...s.matchAll(/\b\d+\b/g)]);
    return [ed.write(rel, src.splice(s, m.index, m.index + m[0].length, String(ed.rng.int(0, 10 ** ed.rng.int(1, 5)))))];
}

function commentEdit(ed, files) {
    const rel = ed.pickSource(files);
    if (!rel) return null;
    const s = files.text(rel);
    const notes = [...s.matchAll(/^[ \t]*\/\/ note \d+\n/gm)];
    if (notes.length && ed.rng.chance(0.4)) {
        const m = ed.rng.pick(notes);
        return [ed.write(rel, src.splice(s, m.index, m.index + m[0].length, ''))];
    }
    const starts = [0, ...[...s.matchAll(/\n/g)].map((m) => m.index + 1)].filter((i) => i <= s.length);
    const at = ed.rng.pick(starts);
    const text = ed.rng.chance(0.3) ? '\n' : `// note ${ed.rng.int(0, 999)}\n`;
    return [ed.write(rel, src.splice(s, at, at, text))];
}

function togglePub(ed, files) {
    const p = pickIn(ed, files, src.items);
    if (!p) return null;
    const { rel, s, x: it } = p;
    const m = /^pub[ \t]+/.exec(s.slice(it.start));
    return [ed.write(rel, m ? src.splice(s, it.start, it.start + m[0].length, '') : src.splice(s, it.start, it.start, 'pub '))];
}

function renameItem(ed, files) {
    const p = pickIn(ed, files, src.items);
    if (!p) return null;
    const { rel, s, x: it } = p;
    const pool = [...wantedNames(files, rel), ...NAME_POOL.filter((n) => /^[A-Z]/.test(n) === /^[A-Z]/.test(it.name))];
    const to = ed.rng.chance(0.5) && pool.length ? ed.rng.pick(pool) : it.name + ed.rng.pick(['2', '_v', 'x']);
    if (to === it.name) return null;
    if (ed.rng.chance(0.6)) {
        // the declaration only: its users now miss it
        return [ed.write(rel, src.splice(s, it.header - it.name.length, it.header, to))];
    }
    // a whole-workspace rename (a refactoring): every file that mentions the name
    const re = new RegExp(`\\b${it.name}\\b`, 'g');
    return files.sources().filter((r) => files.text(r).match(re))
        .map((r) => ed.write(r, files.text(r).replace(re, to)));
}

function addItem(ed, files) {
    const rel = ed.pickSource(files);
    if (!rel) return null;
    const s = files.text(rel);
    const types = typePool(files, rel, ed.rng);
    const T = () => ed.rng.pick(types);
    const wanted = wantedNames(files, rel);
    const pick = (upper) => {
        const c = [...wanted, ...NAME_POOL].filter((n) => /^[A-Z]/.test(n) === upper);
        return ed.rng.chance(0.7) && c.length ? ed.rng.pick(c) : ed.fresh(upper ? 'New' : 'new_');
    };
    const pub = ed.rng.chance(0.8) ? 'pub ' : '';
    const item = ed.rng.weighted([
        [4, () => `${pub}fn ${pick(false)}(x: ${T()}) -> ${T()} { panic("new") }`],
        [3, () => `${pub}struct ${pick(true)} { a: ${T()}, b: ${T()} }`],
        [3, () => `${pub}enum ${pick(true)}[T] { ${pick(true)}, ${pick(true)}(T, ${T()}) }`],
        [2, () => `${pub}type ${pick(true)} = ${T()}`],
        [1, () => `${pub}const ${pick(false).toUpperCase()}: Int = ${ed.rng.int(0, 9)}`],
        [1, () => `${pub}extern fn ${pick(false)}(x: ${T()}) -> ${T()}`],
        [1, () => `${pub}extern type ${pick(true)}`],
    ])();
    const at = ed.rng.chance(0.7) ? s.length : src.importEnd(s);
    const sep = at > 0 && s[at - 1] !== '\n' ? '\n' : '';
    return [ed.write(rel, src.splice(s, at, at, `${sep}\n${item}\n`))];
}

function removeItem(ed, files) {
    const p = pickIn(ed, files, src.items);
    return p && [ed.write(p.rel, src.splice(p.s, p.x.start, p.x.end, ''))];
}

function privateItem(ed, files) {
    const rel = ed.pickSource(files);
    if (!rel) return null;
    const s = files.text(rel);
    const priv = src.items(s).filter((i) => !i.pub);
    if (priv.length && ed.rng.chance(0.3)) {
        const it = ed.rng.pick(priv);
        return [ed.write(rel, src.splice(s, it.start, it.end, ''))];
    }
    const wanted = wantedNames(files, rel);
    const name = wanted.length ? ed.rng.pick(wanted) : ed.fresh('secret');
    const item = /^[A-Z]/.test(name) ? `struct ${name} { hidden: Int }` : `fn ${name}() -> Int { 0 }`;
    return [ed.write(rel, `${s}${s.endsWith('\n') || !s ? '' : '\n'}\n${item}\n`)];
}

// ------------------------------------------------------------------ fields, constructors, types

function structsAndEnums(s) {
    return src.items(s).filter((i) => (i.kind === 'struct' || i.kind === 'enum') && !i.extern && src.braceList(s, i));
}

function reorder(ed, files) {
    const p = pickIn(ed, files, (t) => structsAndEnums(t).filter((i) => src.braceList(t, i).parts.length > 1));
    if (!p) return null;
    const { rel, s, x: it } = p;
    const bl = src.braceList(s, it);
    const texts = bl.parts.map((p) => p.text.trim());
    let order = ed.rng.shuffle(texts);
    if (order.join() === texts.join()) order = [...texts.slice(1), texts[0]];
    return [ed.write(rel, src.splice(s, bl.open + 1, bl.close - 1, layout(s.slice(bl.open + 1, bl.close - 1), order)))];
}

/** A bracketed list's new inner text in the style of the old one (one line, or one entry per line). */
function layout(oldInner, parts) {
    if (!oldInner.includes('\n')) return ` ${parts.join(', ')} `;
    return `\n${parts.map((p) => `    ${p},`).join('\n')}\n`;
}

function fieldType(ed, files) {
    const p = pickIn(ed, files, structsAndEnums);
    if (!p) return null;
    const { rel, s, x: it } = p;
    const bl = src.braceList(s, it);
    const inner = s.slice(bl.open + 1, bl.close - 1);
    const texts = bl.parts.map((p) => p.text.trim());
    const types = typePool(files, rel, ed.rng);
    const what = ed.rng.weighted([[6, 'change'], [2, 'add'], [2, 'remove']]);
    if (what === 'add') {
        texts.splice(ed.rng.int(0, texts.length), 0, it.kind === 'struct'
            ? `${ed.fresh('f')}: ${ed.rng.pick(types)}`
            : ed.rng.chance(0.5) ? ed.fresh('C') : `${ed.fresh('C')}(${ed.rng.pick(types)})`);
    } else if (what === 'remove' && texts.length) {
        texts.splice(ed.rng.int(0, texts.length - 1), 1);
    } else if (texts.length) {
        const k = ed.rng.int(0, texts.length - 1);
        if (it.kind === 'struct') {
            const m = /^([A-Za-z_][A-Za-z0-9_]*\s*:\s*)([\s\S]*)$/.exec(texts[k]);
            if (!m) return null;
            texts[k] = m[1] + ed.rng.pick(types);
        } else {
            const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(texts[k]);
            if (!name) return null;
            const n = ed.rng.int(0, 2);
            texts[k] = n ? `${name[0]}(${Array.from({ length: n }, () => ed.rng.pick(types)).join(', ')})` : name[0];
        }
    } else {
        return null;
    }
    return [ed.write(rel, src.splice(s, bl.open + 1, bl.close - 1, layout(inner, texts)))];
}

function aliasTarget(ed, files) {
    const p = pickIn(ed, files, (t) => src.items(t).filter((i) => i.kind === 'type' && !i.extern));
    if (!p) return null;
    const { rel, s, x: it } = p;
    const eq = s.indexOf('=', it.header);
    let eol = s.indexOf('\n', eq);
    if (eol < 0) eol = s.length;
    if (eq < 0 || eq > it.end) return null;
    const types = typePool(files, rel, ed.rng);
    // now and then an alias of itself or of another alias (E110 cycles)
    const target = ed.rng.chance(0.15) ? it.name : ed.rng.pick(types);
    return [ed.write(rel, src.splice(s, eq + 1, eol, ` ${target}`))];
}

function paramType(ed, files) {
    const p = pickIn(ed, files, (t) => src.items(t).filter((i) => i.kind === 'fn' && src.fnSig(t, i)));
    if (!p) return null;
    const { rel, s, x: it } = p;
    const sig = src.fnSig(s, it);
    const types = typePool(files, rel, ed.rng);
    const what = ed.rng.weighted([[5, 'param'], [3, 'ret'], [1, 'add'], [1, 'remove']]);
    const ps = sig.params.parts;
    if (what === 'param' && ps.length) {
        const p = ed.rng.pick(ps);
        const m = /^(\s*[A-Za-z_][A-Za-z0-9_]*\s*:\s*)/.exec(p.text);
        if (!m) return null;
        return [ed.write(rel, src.splice(s, p.start + m[0].length, p.end, ed.rng.pick(types) + (p.text.endsWith('\n') ? '\n' : '')))];
    }
    if (what === 'ret' || (what === 'param' && !ps.length)) {
        if (sig.ret) return [ed.write(rel, src.splice(s, sig.ret.start, sig.ret.end, ed.rng.pick(types)))];
        return [ed.write(rel, src.splice(s, sig.params.close, sig.params.close, ` -> ${ed.rng.pick(types)}`))];
    }
    if (what === 'add') {
        const text = `${ed.fresh('p')}: ${ed.rng.pick(types)}`;
        const inner = s.slice(sig.params.open + 1, sig.params.close - 1);
        return [ed.write(rel, src.splice(s, sig.params.close - 1, sig.params.close - 1, inner.trim() ? `, ${text}` : text))];
    }
    if (!ps.length) return null;
    const texts = ps.map((p) => p.text.trim());
    texts.splice(ed.rng.int(0, texts.length - 1), 1);
    return [ed.write(rel, src.splice(s, sig.params.open + 1, sig.params.close - 1, texts.join(', ')))];
}

// ------------------------------------------------------------------ imports and cycles

function addImport(ed, files) {
    const rel = ed.pickSource(files);
    if (!rel) return null;
    const s = files.text(rel);
    const g = graph(files);
    const own = g.modOf.get(rel);
    const mods = [...g.mods.keys()].filter((m) => m !== own);
    const target = ed.rng.weighted([[6, () => ed.rng.pick(mods)], [2, () => ed.rng.pick(STD)], [1, () => ed.rng.pick(MISSING)], [1, () => own]])();
    if (!target) return null;
    const form = ed.rng.weighted([[5, 'plain'], [2, 'as'], [3, 'selective']]);
    let line = `import ${target}`;
    if (form === 'as') line += ` as ${ed.fresh('m')}`;
    if (form === 'selective') {
        const ts = (g.mods.get(target) || []).map((r) => files.text(r))[0] || '';
        const names = [...src.items(ts).map((i) => i.name), 'nothing_here'];
        const chosen = [...new Set(Array.from({ length: ed.rng.int(1, 3) }, () => ed.rng.pick(names)))];
        line += `.{${chosen.join(', ')}}`;
    }
    // now and then after the first item (E010, and the import still takes effect)
    const items = src.items(s);
    const at = items.length && ed.rng.chance(0.1) ? items[0].end : src.importEnd(s);
    const pre = at > 0 && s[at - 1] !== '\n' ? '\n' : '';
    return [ed.write(rel, src.splice(s, at, at, `${pre}${line}\n`))];
}

function removeImport(ed, files) {
    const p = pickIn(ed, files, src.imports);
    return p && [ed.write(p.rel, src.splice(p.s, p.x.start, p.x.end, ''))];
}

function selectiveName(ed, files) {
    const p = pickIn(ed, files, src.imports);
    if (!p) return null;
    const { rel, s, x: imp } = p;
    const g = graph(files);
    const ts = (g.mods.get(imp.module) || []).map((r) => files.text(r))[0] || '';
    const candidates = [...src.items(ts).map((i) => i.name), ...src.items(ts).flatMap((i) => (i.kind === 'enum' && src.braceList(ts, i)
        ? src.braceList(ts, i).parts.map((p) => (/^\s*([A-Za-z_]\w*)/.exec(p.text) || [])[1]).filter(Boolean) : [])), 'nothing_here'];
    if (!imp.names) {
        // `import m` / `import m as x` -> `import m.{a, b}`
        const chosen = [...new Set(Array.from({ length: ed.rng.int(1, 3) }, () => ed.rng.pick(candidates)))];
        const lineEnd = s.indexOf('\n', imp.start);
        return [ed.write(rel, src.splice(s, imp.start, lineEnd < 0 ? s.length : lineEnd, `import ${imp.module}.{${chosen.join(', ')}}`))];
    }
    const names = imp.names.map((n) => n.text);
    if (names.length > 1 && ed.rng.chance(0.45)) names.splice(ed.rng.int(0, names.length - 1), 1);
    else if (ed.rng.chance(0.15)) return [ed.write(rel, src.splice(s, imp.brace.open - 1, imp.brace.close, ''))];
    else names.push(ed.rng.pick(candidates));
    const inner = s.slice(imp.brace.open + 1, imp.brace.close - 1);
    return [ed.write(rel, src.splice(s, imp.brace.open + 1, imp.brace.close - 1, inner.includes('\n') ? layout(inner, names) : names.join(', ')))];
}

function makeCycle(ed, files) {
    const g = graph(files);
    const deps = new Map();   // module -> modules it imports
    for (const [rel, list] of g.imports) {
        const m = g.modOf.get(rel);
        if (m) deps.set(m, new Set([...(deps.get(m) || []), ...list.map((i) => i.module)]));
    }
    const reaches = (from, to, seen = new Set()) => {
        if (from === to) return true;
        if (seen.has(from)) return false;
        seen.add(from);
        return [...(deps.get(from) || [])].some((n) => reaches(n, to, seen));
    };
    const options = [];
    for (const a of g.mods.keys()) for (const b of g.mods.keys()) if (a !== b && reaches(b, a) && !(deps.get(a) || new Set()).has(b)) options.push([a, b]);
    if (!options.length) return null;
    const [a, b] = ed.rng.pick(options);
    const rel = g.mods.get(a)[0];
    const s = files.text(rel);
    const at = src.importEnd(s);
    return [ed.write(rel, src.splice(s, at, at, `${at > 0 && s[at - 1] !== '\n' ? '\n' : ''}import ${b} as ${ed.fresh('cyc')}\n`))];
}

// ------------------------------------------------------------------ files and directories

function deleteFile(ed, files) {
    const rel = ed.rng.pick(files.sources());
    return rel ? [{ op: 'delete', path: rel }] : null;
}

function readdFile(ed, files) {
    const gone = [...ed.last.keys()].filter((r) => !files.has(r));
    if (!gone.length) return null;
    const rel = ed.rng.pick(gone);
    return [{ op: 'write', path: rel, data: ed.last.get(rel) }];
}

function destination(ed, files, rel) {
    const dirs = [...new Set([...files.dirs(), ...DIRS])];
    const dir = ed.rng.pick(dirs);
    const base = ed.rng.chance(0.5) ? rel.split('/').pop() : ed.rng.pick(BASENAMES);
    const to = dir ? `${dir}/${base}` : base;
    return to === rel || files.has(to) || files.dirs().includes(to) ? null : to;
}

function moveFile(ed, files) {
    const rel = ed.rng.pick(files.sources());
    const to = rel && destination(ed, files, rel);
    return to ? [{ op: 'rename', from: rel, to }] : null;
}

function copyFile(ed, files) {
    const rel = ed.rng.pick(files.sources());
    const to = rel && destination(ed, files, rel);
    return to ? [{ op: 'write', path: to, data: files.get(rel) }] : null;
}

function newFile(ed, files) {
    const g = graph(files);
    const mods = [...g.mods.keys()];
    const name = ed.fresh('fresh');
    const lines = [];
    const used = ed.rng.shuffle(mods).slice(0, ed.rng.int(0, 2));
    used.forEach((m, k) => lines.push(`import ${m} as n${k}`));
    lines.push('');
    const calls = used.flatMap((m, k) => {
        const t = files.text(g.mods.get(m)[0]);
        return src.items(t).filter((i) => i.pub && i.kind === 'fn').slice(0, 1).map((i) => `    let _v${k} = n${k}.${i.name}`);
    });
    lines.push(`pub fn ${name}(n: Int) -> Int {`, ...calls, '    n + 1', '}');
    // where the workspace's directories are, or in one whose name has a dot (not a module path: E100)
    const dir = ed.rng.pick(['', ...files.dirs(), ed.rng.pick(['my.dir', 'v1.0/x', ...files.dirs().map((d) => `${d}/a.b`)])]);
    return [ed.write(dir ? `${dir}/${name}.sg` : `${name}.sg`, bin(lines.join('\n') + '\n'))];
}

function deleteDir(ed, files) {
    const dir = ed.rng.pick(files.dirs());
    return dir ? [{ op: 'rmdir', path: dir }] : null;
}

function moveDir(ed, files) {
    const dir = ed.rng.pick(files.dirs());
    if (!dir) return null;
    const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/') + 1) : '';
    const to = parent + ed.rng.pick(['moved', `${dir.split('/').pop()}2`, 'my.dir', 'v1.0', 'lib', 'app', 'foo.sg', '.hidden']);
    if (to === dir || files.dirs().includes(to) || files.has(to)) return null;
    return [{ op: 'rename', from: dir, to }];
}

function sigilJson(ed, files) {
    const dirs = files.dirs().filter((d) => !d.includes('/'));
    const has = files.has('sigil.json');
    const choice = ed.rng.weighted([
        [has ? 3 : 0, () => null],
        [3, () => JSON.stringify({ src: ed.rng.pick(['.', ...dirs]) })],
        [3, () => JSON.stringify({ src: ed.rng.shuffle(['.', ...dirs]).slice(0, ed.rng.int(1, 3)) })],
        [2, () => JSON.stringify({ src: '.', exclude: [ed.rng.pick([...dirs.map((d) => `${d}/**`), '**/*_test.sg', 'm*.sg', '**/util.sg'])] })],
        [1, () => '{"src": ['],
        [1, () => '{"src": 3}'],
    ])();
    if (choice === null) return [{ op: 'delete', path: 'sigil.json' }];
    return [{ op: 'write', path: 'sigil.json', data: Buffer.from(choice + '\n') }];
}

// ------------------------------------------------------------------ metadata

function sameSize(ed, files) {
    const rel = ed.rng.pick(files.paths().filter((p) => p.endsWith('.sg') || p === 'sigil.json'));
    if (!rel) return null;
    const s = files.text(rel);
    const spots = [];
    for (const m of s.matchAll(/\d/g)) spots.push([m.index, String((Number(m[0]) + ed.rng.int(1, 9)) % 10)]);
    for (const it of src.items(s)) {
        const last = it.header - 1;
        spots.push([last, s[last] === 'q' ? 'z' : 'q'], [last, s[last] === 'q' ? 'z' : 'q']);
    }
    for (const m of s.matchAll(/[a-z]/g)) if (ed.rng.chance(0.05)) spots.push([m.index, m[0] === 'x' ? 'y' : 'x']);
    if (!spots.length) return null;
    const [at, ch] = ed.rng.pick(spots);
    if (s[at] === ch) return null;
    return [{ op: 'keep-mtime', path: rel, data: fromBin(src.splice(s, at, at + 1, ch)) }];
}

function touchFile(ed, files) {
    const rel = ed.rng.pick(files.paths());
    return rel ? [{ op: 'touch', path: rel }] : null;
}

function ageAll(ed, files) {
    const ps = files.paths();
    return ps.length ? [{ op: 'age', paths: ps }] : null;
}

// ------------------------------------------------------------------ errors, reverts, the cases' own steps

const LEXICAL = ['0X1', '1__0', '99999999999999999999', '1e999', '0x', '1_'];

function injectError(ed, files) {
    const rel = ed.pickSource(files);
    if (!rel) return null;
    const s = files.text(rel);
    const lines = [...s.matchAll(/^[ \t]+\S.*$/gm)];   // lines inside bodies
    const kind = ed.rng.weighted([
        [3, 'literal'], [2, 'string'], [1, 'comment'], [2, 'char'], [1, 'escape'], [1, 'utf8'],
        [2, 'brace'], [2, 'junk'], [1, 'import-late'], [1, 'chain'],
    ]);
    let t = null;
    const numbers = [...s.matchAll(/\b\d+\b/g)];
    const atLine = (text) => {
        if (!lines.length) return `${s}\nfn broken() { ${text} }\n`;
        const m = ed.rng.pick(lines);
        const p = m.index + m[0].length;
        return src.splice(s, p, p, text);
    };
    switch (kind) {
    case 'literal':
        if (numbers.length) {
            const m = ed.rng.pick(numbers);
            t = src.splice(s, m.index, m.index + m[0].length, ed.rng.pick(LEXICAL));
        } else t = `${s}\nconst BAD: Int = ${ed.rng.pick(LEXICAL)}\n`;
        break;
    case 'string': t = atLine(' "unterminated'); break;
    case 'comment': t = `${s}\n/* never closed\n`; break;
    case 'char': t = atLine(ed.rng.pick([' @', ' $', ' #', bin(' §')])); break;
    case 'escape': t = atLine(' let _e = "\\q"'); break;
    case 'utf8': t = atLine(' // \xff\xfe'); break;
    case 'brace': {
        const ms = [...s.matchAll(/[})]/g)];
        if (!ms.length) return null;
        const m = ed.rng.pick(ms);
        t = src.splice(s, m.index, m.index + 1, '');
        break;
    }
    case 'junk': t = atLine(ed.rng.pick([' let = 1', ' fn (', ' ) ]', ' else {', ' match {'])); break;
    case 'import-late': t = `${s}${s.endsWith('\n') ? '' : '\n'}import std.list\n`; break;
    case 'chain': t = atLine(' let _c = 1 < 2 < 3'); break;
    }
    if (t === null || t === s) return null;
    ed.injected.push({ rel, before: files.get(rel), after: fromBin(t) });
    return [ed.write(rel, t)];
}

function fixError(ed, files) {
    const live = ed.injected.filter((x) => files.has(x.rel) && files.get(x.rel).equals(x.after));
    if (!live.length) return null;
    const x = ed.rng.pick(live);
    ed.injected = ed.injected.filter((y) => y !== x);
    return [{ op: 'write', path: x.rel, data: x.before }];
}

function revert(ed, files) {
    const rels = [...ed.history.keys()].filter((r) => ed.history.get(r).some((b) => !files.has(r) || !b.equals(files.get(r))));
    const rel = ed.rng.pick(rels);
    if (!rel) return null;
    const older = ed.history.get(rel).filter((b) => !files.has(rel) || !b.equals(files.get(rel)));
    return [{ op: 'write', path: rel, data: ed.rng.pick(older) }];
}

function conformanceStep(ed, files) {
    const steps = ed.seed.steps || [];
    if (!steps.length) return null;
    const k = ed.nextStep < steps.length && ed.rng.chance(0.7) ? ed.nextStep++ : ed.rng.int(0, steps.length - 1);
    return steps[k];
}

