// workspace.mjs - the workspaces the differential tests start from, the model
// of a workspace's files (relative path -> bytes), the file operations the
// edits are made of (applied to a real directory and to the model at once),
// and their rendering as shell commands for a reproduction.
//
// Sources are handled as "binary strings" (latin1: one char per byte), so an
// edit never changes bytes it did not mean to, invalid UTF-8 included.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { HERE, ROOT, Rng } from './common.mjs';

export const CACHE_DIR = '.sigil-cache';
const KEYWORDS = new Set(('import as pub fn struct enum type const extern let mut if else match for in while ' +
    'return break continue true false').split(' '));
export const isIdent = (s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && s !== '_' && !KEYWORDS.has(s);

/** UTF-8 text as a binary string. */
export const bin = (text) => Buffer.from(text, 'utf8').toString('latin1');
export const fromBin = (s) => Buffer.from(s, 'latin1');
export const hash = (buf) => crypto.createHash('sha1').update(buf).digest('hex').slice(0, 16);

// ------------------------------------------------------------------ the model

/** A workspace's files: relative path ('/'-separated) -> Buffer. */
export class Files {
    constructor(entries = []) { this.map = new Map(entries); }
    clone() { return new Files(this.map); }
    get(rel) { return this.map.get(rel); }
    text(rel) { const b = this.map.get(rel); return b === undefined ? undefined : b.toString('latin1'); }
    has(rel) { return this.map.has(rel); }
    paths() { return [...this.map.keys()].sort(); }
    sources() { return this.paths().filter((p) => p.endsWith('.sg')); }
    /** Directories that hold a file (not the root), deepest last. */
    dirs() {
        const out = new Set();
        for (const p of this.map.keys()) {
            const parts = p.split('/');
            for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('/'));
        }
        return [...out].sort();
    }
    under(dir) { return this.paths().filter((p) => p.startsWith(dir + '/')); }
}

/** sigil.json's source directories ('' is the root), leniently: a file we cannot read means the root. */
function srcDirs(files) {
    const j = files.get('sigil.json');
    if (!j) return [''];
    let v;
    try {
        v = JSON.parse(j.toString('utf8')).src;
    } catch {
        return null;   // malformed: the checker reports it; we make no claims
    }
    if (v === undefined) return [''];
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
    if (!list || !list.every((s) => typeof s === 'string')) return null;
    return list.map((s) => (s === '.' ? '' : s.replace(/^\.\//, '').replace(/\/+$/, '')));
}

/** The module name a file forms relative to a source directory, or null. */
function moduleName(rel, src) {
    if (!rel.endsWith('.sg')) return null;
    if (src && !rel.startsWith(src + '/')) return null;
    const segs = (src ? rel.slice(src.length + 1) : rel).slice(0, -3).split('/');
    if (segs.some((s) => s.startsWith('.') || s === 'node_modules')) return null;
    if (!segs.every(isIdent) || segs[0] === 'std') return null;
    return segs.join('.');
}

/** module name -> sorted [rel] for every file that forms one (excludes ignored: callers filter by the checker's list). */
export function modulesOf(files) {
    const srcs = srcDirs(files);
    const out = new Map();
    if (!srcs) return null;
    for (const rel of files.sources()) {
        // (hidden directories and node_modules are skipped below a source directory, which may itself be one)
        for (const src of srcs) {
            const m = moduleName(rel, src);
            if (m) out.set(m, [...(out.get(m) || []), rel].sort());
        }
    }
    return out;
}

// ------------------------------------------------------------------ operations
//
// {op: 'write', path, data, atomic?}  write (creating directories); atomic:
//                                     through a temporary file and a rename (a new inode)
// {op: 'keep-mtime', path, data}      write, then restore the file's previous mtime
// {op: 'delete', path}                remove a file
// {op: 'rmdir', path}                 remove a directory and everything in it
// {op: 'rename', from, to}            rename a file or a directory (creating the parent)
// {op: 'touch', path}                 mtime := now, content unchanged
// {op: 'age', paths}                  mtime := one hour ago (whole seconds)

const abs = (dir, rel) => path.join(dir, ...rel.split('/'));

/** Whether `rel` can be a file of `files`: no file on its way, no directory in its place. */
function freeFor(files, rel) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) if (files.has(parts.slice(0, i).join('/'))) return false;
    return !files.dirs().includes(rel);
}

/**
 * Applies `op` to the model and, unless `dir` is null, to the directory.
 * Returns false (and changes nothing) when it cannot apply: a file that is
 * not there, a path in the way. The model decides; the directory follows.
 */
export function applyOp(dir, files, op) {
    const p = dir && op.path !== undefined ? abs(dir, op.path) : null;
    switch (op.op) {
    case 'write':
        if (!freeFor(files, op.path)) return false;
        if (dir && !diskWrite(p, op.data, op.atomic)) return false;
        files.map.set(op.path, op.data);
        return true;
    case 'keep-mtime': {
        if (!files.has(op.path)) return false;
        if (dir) {
            const st = fs.statSync(p, { bigint: true });
            fs.writeFileSync(p, op.data);
            const ns = st.mtimeNs;
            const stamp = `@${ns / 1000000000n}.${String(ns % 1000000000n).padStart(9, '0')}`;
            const r = spawnSync('touch', ['-d', stamp, p]);
            if (r.status !== 0) throw new Error(`touch -d ${stamp} failed: ${r.stderr}`);
        }
        files.map.set(op.path, op.data);
        return true;
    }
    case 'delete':
        if (!files.has(op.path)) return false;
        if (dir) fs.rmSync(p);
        files.map.delete(op.path);
        return true;
    case 'rmdir': {
        const under = files.under(op.path);
        if (!under.length) return false;
        if (dir) fs.rmSync(p, { recursive: true, force: true });
        for (const f of under) files.map.delete(f);
        return true;
    }
    case 'rename': {
        const moved = files.has(op.from) ? [op.from] : files.under(op.from);
        if (!moved.length || files.has(op.to) || !freeFor(files, op.to) || op.to.startsWith(op.from + '/')) return false;
        if (dir) {
            const to = abs(dir, op.to);
            if (fs.existsSync(to)) return false;    // an empty directory the model does not know
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.renameSync(abs(dir, op.from), to);
        }
        for (const f of moved) {
            const data = files.map.get(f);
            files.map.delete(f);
            files.map.set(op.to + f.slice(op.from.length), data);
        }
        return true;
    }
    case 'touch': {
        if (!files.has(op.path)) return false;
        if (dir) {
            const now = new Date();
            fs.utimesSync(p, now, now);
        }
        return true;
    }
    case 'age': {
        const ps = op.paths.filter((r) => files.has(r));
        if (!ps.length) return false;
        const t = Math.floor(Date.now() / 1000) - 3600;
        if (dir) for (const r of ps) fs.utimesSync(abs(dir, r), t, t);
        return true;
    }
    default:
        throw new Error(`unknown op ${op.op}`);
    }
}

function diskWrite(p, data, atomic) {
    try {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        if (fs.existsSync(p) && fs.statSync(p).isDirectory()) return false;   // an empty directory the model does not know
    } catch {
        return false;
    }
    if (atomic) {
        const tmp = path.join(path.dirname(p), `.${path.basename(p)}.swp`);
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, p);
    } else {
        fs.writeFileSync(p, data);
    }
    return true;
}

/** What an op changes, for the server's client-side file watching: [{rel, type}] with LSP FileChangeType (1 created, 2 changed, 3 deleted). */
export function fileEvents(before, op) {
    switch (op.op) {
    case 'write': return [{ rel: op.path, type: before.has(op.path) ? 2 : 1 }];
    case 'keep-mtime': case 'touch': return [{ rel: op.path, type: 2 }];
    case 'delete': return [{ rel: op.path, type: 3 }];
    case 'rmdir': return before.under(op.path).map((rel) => ({ rel, type: 3 }));
    case 'rename': {
        const moved = before.has(op.from) ? [op.from] : before.under(op.from);
        return moved.flatMap((rel) => [{ rel, type: 3 }, { rel: op.to + rel.slice(op.from.length), type: 1 }]);
    }
    case 'age': return op.paths.filter((r) => before.has(r)).map((rel) => ({ rel, type: 2 }));
    default: return [];
    }
}

// JSON form of ops (for the server's replay files): data as UTF-8 text when it is, else base64.
export function opToJson(op) {
    if (!op.data) return op;
    const text = op.data.toString('utf8');
    return Buffer.from(text, 'utf8').equals(op.data) ? { ...op, data: text } : { ...op, data: undefined, base64: op.data.toString('base64') };
}
export function opFromJson(o) {
    if (o.base64 !== undefined) return { ...o, base64: undefined, data: Buffer.from(o.base64, 'base64') };
    if (typeof o.data === 'string') return { ...o, data: Buffer.from(o.data, 'utf8') };
    return o;
}

// ------------------------------------------------------------------ shell

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** A printf format that writes exactly `buf`: literal newlines kept for readability, other control and invalid bytes octal. */
export function printfFormat(buf) {
    let out = '';
    const s = buf.toString('latin1');
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 0x0a) out += '\n';
        else if (c === 0x25) out += '%%';
        else if (c === 0x5c) out += '\\\\';
        else if (c === 0x27) out += `'\\''`;
        else if (c < 0x20 || c === 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
        else if (c < 0x80) out += s[i];
        else {
            // keep a valid UTF-8 sequence as it is, escape anything else
            const len = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
            const seq = buf.subarray(i, i + len);
            if (len && seq.length === len && Buffer.from(seq.toString('utf8'), 'utf8').equals(seq) && !seq.toString('utf8').includes('\ufffd')) {
                out += seq.toString('utf8');
                i += len - 1;
            } else {
                out += '\\' + c.toString(8).padStart(3, '0');
            }
        }
    }
    return `'${out}'`;
}

/** Shell commands that perform `op` under "$R". */
export function shellOp(op, R = '"$R"') {
    const at = (rel) => `${R}/${/^[A-Za-z0-9_./-]+$/.test(rel) ? rel : shq(rel)}`;
    const parent = (rel) => (rel.includes('/') ? `mkdir -p ${at(rel.slice(0, rel.lastIndexOf('/')))} && ` : '');
    switch (op.op) {
    case 'write': {
        if (!op.atomic) return `${parent(op.path)}printf ${printfFormat(op.data)} > ${at(op.path)}`;
        const dir = op.path.includes('/') ? op.path.slice(0, op.path.lastIndexOf('/') + 1) : '';
        const tmp = `${dir}.${op.path.slice(dir.length)}.swp`;
        return `${parent(op.path)}printf ${printfFormat(op.data)} > ${at(tmp)} && mv ${at(tmp)} ${at(op.path)}`;
    }
    case 'keep-mtime':
        return `cp -p ${at(op.path)} /tmp/sigil-mtime-ref && printf ${printfFormat(op.data)} > ${at(op.path)} && touch -r /tmp/sigil-mtime-ref ${at(op.path)}   # same size, old mtime back`;
    case 'delete': return `rm ${at(op.path)}`;
    case 'rmdir': return `rm -r ${at(op.path)}`;
    case 'rename': return `${parent(op.to)}mv ${at(op.from)} ${at(op.to)}`;
    case 'touch': return `touch ${at(op.path)}`;
    case 'age': return `touch -d '1 hour ago' ${op.paths.map(at).join(' ')}`;
    default: throw new Error(`unknown op ${op.op}`);
    }
}

/** Shell commands that create `files` under "$R". */
export function shellFiles(files, R = '"$R"') {
    return files.paths().map((rel) => shellOp({ op: 'write', path: rel, data: files.get(rel) }, R));
}

// ------------------------------------------------------------------ directories

export function tempDir(tag) {
    return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `sigil-diff-${tag}-`)));
}

/** Writes `files` into a fresh directory `dir`. */
export function materialize(dir, files) {
    for (const rel of files.paths()) {
        const p = abs(dir, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, files.get(rel));
    }
}

/** A copy of `dir` without the cache, for the cold run. */
export function copyWithoutCache(dir, to) {
    fs.rmSync(to, { recursive: true, force: true });
    fs.cpSync(dir, to, { recursive: true, filter: (src) => path.basename(src) !== CACHE_DIR });
}

function readTree(dir, skip = () => false) {
    const files = new Files();
    const walk = (d, rel) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const r = rel ? `${rel}/${e.name}` : e.name;
            if (skip(r, e)) continue;
            if (e.isDirectory()) walk(path.join(d, e.name), r);
            else if (e.isFile()) files.map.set(r, fs.readFileSync(path.join(d, e.name)));
        }
    };
    walk(dir, '');
    return files;
}

// ------------------------------------------------------------------ seeds

/**
 * The workspaces to start from: {name, files, steps: [[op...]...]}.
 * - every case of tests/conformance and tests/cases (a case with steps/
 *   starts from its files outside steps/; its steps become one more edit kind),
 * - the hand-written workspaces under tests/diff/seeds/,
 * - small generated workspaces (generated() below, one per seed drawn).
 */
export function loadSeeds() {
    const seeds = [];
    for (const base of [path.join(ROOT, 'tests', 'conformance'), path.join(ROOT, 'tests', 'cases'), path.join(HERE, 'seeds')]) {
        if (!fs.existsSync(base)) continue;
        for (const name of fs.readdirSync(base).sort()) {
            const dir = path.join(base, name);
            if (!fs.statSync(dir).isDirectory()) continue;
            const files = readTree(dir, (rel) => rel === 'steps' || rel === 'CASE.md' || rel === 'README.md');
            const steps = [];
            for (let k = 1; fs.existsSync(path.join(dir, 'steps', String(k))); k++) {
                const sd = path.join(dir, 'steps', String(k));
                const ops = [];
                const del = path.join(sd, '.delete');
                if (fs.existsSync(del)) {
                    for (const rel of fs.readFileSync(del, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)) ops.push({ op: 'delete', path: rel });
                }
                const t = readTree(sd, (rel) => rel === '.delete');
                for (const rel of t.paths()) ops.push({ op: 'write', path: rel, data: t.get(rel) });
                steps.push(ops);
            }
            const kind = base.endsWith('seeds') ? 'own' : 'conformance';
            seeds.push({ name: `${kind === 'own' ? 'seeds' : path.basename(base)}/${name}`, kind, files, steps });
        }
    }
    return seeds;
}

/**
 * The sessions of a run, as {index, rng, seed}: session i of --seed S has
 * its own generator (the i-th drawn from S), so it can be replayed alone
 * (`session` >= 0). Stops when `more()` says so or after `time` seconds.
 * A session starts from an own seed, a conformance case or a generated
 * workspace (4 : 4 : 2; `workspace` filters the first two by name).
 */
export function* sessions({ seed, session = -1, time = 0, workspace = '' }, more) {
    const seeds = loadSeeds().filter((s) => !workspace || s.name.includes(workspace));
    const own = seeds.filter((s) => s.kind === 'own');
    const conf = seeds.filter((s) => s.kind === 'conformance');
    const rng = new Rng(seed);
    const t0 = Date.now();
    for (let i = 0; session >= 0 || more(); i++) {
        if (time && Date.now() - t0 > time * 1000) return;
        const sseed = rng.fork();
        if (session >= 0 && i !== session) {
            if (i > session) return;
            continue;
        }
        const srng = new Rng(sseed);
        const ws = srng.weighted([
            [own.length ? 4 : 0, () => srng.pick(own)],
            [conf.length ? 4 : 0, () => srng.pick(conf)],
            [workspace ? 0 : 2, () => generated(srng)],
        ])();
        yield { index: i, rng: srng, seed: ws };
    }
}

/**
 * A small generated workspace: a chain of modules, each defining a struct,
 * an enum with payloads, an alias and functions over the previous modules'
 * types, with a few deliberate mistakes so that messages can change.
 */
export function generated(rng) {
    const n = rng.int(3, 7);
    const files = new Files();
    const names = [];
    for (let i = 0; i < n; i++) {
        const dir = rng.chance(0.3) ? rng.pick(['lib', 'core', 'app/part']) + '/' : '';
        names.push({ rel: `${dir}m${i}.sg`, mod: `${dir.replace(/\//g, '.')}m${i}` });
    }
    for (let i = 0; i < n; i++) {
        const lines = [];
        const deps = names.slice(0, i).filter(() => rng.chance(0.6));
        if (i > 0 && !deps.length) deps.push(names[i - 1]);
        const aliases = deps.map((d, k) => ({ ...d, alias: `d${k}`, idx: names.indexOf(d) }));
        for (const d of aliases) {
            if (rng.chance(0.25)) lines.push(`import ${d.mod}.{S${d.idx}, E${d.idx}, mk${d.idx}}`);
            else lines.push(`import ${d.mod} as ${d.alias}`);
        }
        const tref = (d, what) => (lines.some((l) => l.includes(`${d.mod}.{`)) ? `${what}${d.idx}` : `${d.alias}.${what}${d.idx}`);
        const other = aliases.length ? rng.pick(aliases) : null;
        const fieldT = other ? tref(other, 'S') : 'String';
        lines.push('');
        lines.push(`pub struct S${i} { id: Int, name: String, link: ${fieldT}, tags: List[Int] }`);
        lines.push(`pub enum E${i}[T] { Nothing, One(T), Two(T, ${other ? tref(other, 'E') + '[Int]' : 'Int'}), Named(S${i}) }`);
        lines.push(`pub type A${i} = fn(S${i}) -> E${i}[Int]`);
        lines.push(`pub const K${i}: Int = ${rng.int(1, 99)}`);
        const linkVal = other ? (lines.some((l) => l.includes(`${other.mod}.{`)) ? `mk${other.idx}(${rng.int(0, 9)})` : `${other.alias}.mk${other.idx}(${rng.int(0, 9)})`) : '"x"';
        lines.push('');
        lines.push(`pub fn mk${i}(n: Int) -> S${i} {`);
        lines.push(`    S${i} { id: n + K${i}, name: "m${i}", link: ${linkVal}, tags: [n] }`);
        lines.push('}');
        lines.push('');
        lines.push(`pub fn classify${i}(e: E${i}[Int]) -> Int {`);
        lines.push('    match e {');
        lines.push('        Nothing => 0,');
        lines.push('        One(x) => x,');
        if (rng.chance(0.7)) lines.push('        Two(x, _) => x + 1,');
        lines.push(`        Named(s) => s.id,`);
        lines.push('    }');
        lines.push('}');
        if (other && rng.chance(0.6)) {
            lines.push('');
            lines.push(`fn use_${other.alias}(e: ${tref(other, 'E')}[Int]) -> Int {`);
            lines.push(`    let s = ${tref(other, 'S')} { id: 1, name: "n" }`);
            lines.push('    match e {');
            lines.push(`        ${lines.some((l) => l.includes(`${other.mod}.{`)) ? '' : other.alias + '.'}Nothing => s.id,`);
            lines.push('    }');
            lines.push('}');
        }
        lines.push('');
        lines.push(`fn helper${i}(xs: List[Int]) -> Int { len(xs) * ${rng.int(1, 9)} }`);
        files.map.set(names[i].rel, Buffer.from(lines.join('\n') + '\n'));
    }
    const main = [...names.map((d, k) => `import ${d.mod} as g${k}`), '', 'fn main() {'];
    for (let k = 0; k < n; k++) main.push(`    print(int_to_string(g${k}.classify${k}(g${k}.One(g${k}.K${k}))))`);
    main.push('}');
    files.map.set('main.sg', Buffer.from(main.join('\n') + '\n'));
    return { name: 'generated', kind: 'generated', files, steps: [] };
}
