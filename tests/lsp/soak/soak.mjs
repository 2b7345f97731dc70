// soak.mjs - a long-running stress test of `sigil --lsp`.
//
//   node tests/lsp/soak/soak.mjs            (SIGIL=path/to/sigil, default build/sigil)
//
// A workspace of six small modules that import each other; four are opened
// and receive SOAK_EDITS (default 10,000) incremental didChange notifications
// in a seeded random order, sent back to back without waiting for results:
// integer literals in bodies rewritten (some after non-BMP characters on the
// same line, so UTF-16 positions matter), typing bursts (one notification per
// keystroke), a deliberate error slot cycled through several kinds of error,
// comment lines inserted and deleted (line numbers shift), the return type of
// an exported function that every module uses flipped Int <-> Float,
// notifications carrying several changes, and the odd full-text change;
// now and then d.sg (never edited) is opened or closed.
// About every SOAK_JITTER_EVERY (20) edits the client sleeps 0-40 ms, so
// checks start while edits keep arriving (their results go stale and must be
// dropped). Every SOAK_PAUSE_EVERY (500) edits the client stops until the server has
// published the latest versions (a checkpoint, compared with the CLI too).
//
// At the end, once the server is quiet, the last publishDiagnostics of each
// open document must carry its latest version and match (as (line, code)
// sets) what `sigil --check --no-cache --format json` reports for a copy of
// the workspace with the final buffer texts written to disk; the server's RSS
// at the end must be within SOAK_RSS_SLACK_MB (30) of its RSS after 1,000
// edits. The last line is "N passed, N failed"; the exit status is 1 when
// anything failed.
//
// Env: SIGIL, SOAK_SEED, SOAK_EDITS, SOAK_PAUSE_EVERY, SOAK_JITTER_EVERY,
//      SOAK_ENCODING=utf-8 (negotiate UTF-8 positions; default UTF-16), SOAK_RSS_SLACK_MB,
//      SOAK_WAIT_MS (bound on every wait, default 20000), SOAK_VERBOSE=1,
//      SOAK_NO_SNAPSHOT=1 (run $SIGIL in place instead of a copy).
// Under the sanitizers, allow for ASan's quarantine and slower checks:
//   SIGIL=build/asan/sigil SOAK_RSS_SLACK_MB=2000 SOAK_WAIT_MS=60000 node tests/lsp/soak/soak.mjs
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { fileURLToPath } from 'node:url';

// The binary under test is copied (with the standard library beside it) to a
// temporary directory first, so that the server and the CLI it is compared
// with are the same build even if build/sigil is rebuilt during the run.
// SOAK_NO_SNAPSHOT=1 runs $SIGIL in place.
const here = path.dirname(fileURLToPath(import.meta.url));
const ORIGINAL = path.resolve(process.env.SIGIL || path.join(here, '..', '..', '..', 'build', 'sigil'));
const snapshot = process.env.SOAK_NO_SNAPSHOT === '1' ? null : snapshotBinary(ORIGINAL);
if (snapshot) process.env.SIGIL = snapshot.bin;
const { SIGIL, Server, Workspace, clientCapabilities, proto, sleep } = await import('../harness.mjs');

/** Copies `bin` to TMP/bin/sigil and its standard library to TMP/std (found as the binary finds it). */
function snapshotBinary(bin) {
    if (!fs.existsSync(bin)) return null;   // harness reports the missing binary
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-soak-bin-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(bin, path.join(dir, 'bin', 'sigil'));
    fs.chmodSync(path.join(dir, 'bin', 'sigil'), 0o755);
    const std = process.env.SIGIL_STD ||
        ['../share/sigil/std', '../std', '../../std'].map((r) => path.resolve(path.dirname(bin), r))
            .find((d) => fs.existsSync(path.join(d, 'prelude.sg')));
    if (std && !process.env.SIGIL_STD) fs.cpSync(std, path.join(dir, 'std'), { recursive: true });
    return { dir, bin: path.join(dir, 'bin', 'sigil') };
}

const SEED = Number(process.env.SOAK_SEED || 20240611);
const EDITS = Number(process.env.SOAK_EDITS || 10000);
const PAUSE_EVERY = Number(process.env.SOAK_PAUSE_EVERY || 500);
const RSS_SLACK_MB = Number(process.env.SOAK_RSS_SLACK_MB || 30);
const WAIT_MS = Number(process.env.SOAK_WAIT_MS || 20000);
const JITTER_EVERY = Number(process.env.SOAK_JITTER_EVERY || 20);
const QUIET_MS = 1000;
const VERBOSE = process.env.SOAK_VERBOSE === '1';
const UTF8 = process.env.SOAK_ENCODING === 'utf-8';   // negotiate UTF-8 positions instead of UTF-16

// ------------------------------------------------------------------ workspace

const FILES = {
    'base.sg': `// base: imported by every other module.

/// The base value; its return type is flipped Int <-> Float by the soak test.
pub fn value() -> Int { 7 }

pub fn scale(x: Int) -> Int {
    let k0 = 3
    let k1 = /* ünïcödé 😀 */ 11
    x * k0 + k1
}

pub struct Pair { left: Int, right: Int }

pub fn pair(a: Int) -> Pair {
    let k2 = 5
    Pair { left: a + k2, right: scale(a) }
}

fn helper() -> Int {
    let bad: Int = 0
    bad + 1
}

pub fn total(p: Pair) -> Int { p.left + p.right + helper() }
`,
    'a.sg': `// a: uses base directly.
import base

pub fn a_value() -> Int {
    let v: Int = base.value()
    let k0 = 10
    v + k0
}

pub fn a_pair() -> base.Pair {
    let k1 = 20
    base.pair(k1)
}

fn a_check() -> Int {
    let bad: Int = 0
    bad
}

pub fn a_sum() -> Int { base.total(a_pair()) + a_check() }
`,
    'b.sg': `// b: uses base and a.
import base
import a.{a_value, a_pair}

pub fn b_value() -> Int {
    let k0 = 100
    let x: Int = base.value() + k0
    x + a_value()
}

pub fn b_scaled() -> Int {
    let k1 = 2
    // 😀😀 a comment with astral characters
    base.scale(k1) + base.total(a_pair())
}

fn b_bad() -> Int {
    let bad: Int = 0
    bad
}

pub fn b_all() -> Int { b_value() + b_scaled() + b_bad() }
`,
    'c.sg': `// c: uses a and b, and base through an alias.
import base as bs
import a
import b

pub fn c_value() -> Int {
    let k0 = 1000
    let w: Int = bs.value()
    let e = "é😀"; let k2 = 8
    a.a_value() + b.b_value() + w + k0 + k2
}

fn c_bad() -> Int {
    let bad: Int = 0
    bad
}

pub fn c_all() -> Int {
    let k1 = 4
    c_value() * k1 + c_bad()
}
`,
    'd.sg': `// d: never opened; imports base and c.
import base
import c

pub fn d_value() -> Int {
    let v: Int = base.value()
    v + c.c_all()
}
`,
    'main.sg': `// main: never opened; imports everything.
import base
import a
import b
import c
import d

fn main() {
    let t = base.total(base.pair(1)) + a.a_sum() + b.b_all() + c.c_all() + d.d_value()
    print(int_to_string(t))
}
`,
};
const OPEN = ['base.sg', 'a.sg', 'b.sg', 'c.sg'];
const TOGGLED = 'd.sg';         // opened and closed now and then, never edited
const TOGGLE_P = 0.01;
const toggled = { open: false, version: 0 };
const CLOSED = Object.keys(FILES).filter((f) => !OPEN.includes(f));

// values of the deliberate error slot `let bad: Int = ...`; '0' (clean) most often
const BAD_VARIANTS = ['0', '0', '0', '"oops"', 'nope', 'true', '1 +', '2.5', '0'];
const SIG_INT = 'Int { 7 }';
const SIG_FLOAT = 'Float { 7.5 }';

// ------------------------------------------------------------------ helpers

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with SOAK_SEED. */
function prng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const rand = prng(SEED);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

/** LSP position of offset `off` (a JS string index) in `text`, in the negotiated encoding. */
function positionOf(text, off) {
    let line = 0;
    let start = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < off; i = text.indexOf('\n', i + 1)) {
        line++;
        start = i + 1;
    }
    // UTF-16: JS string indices; UTF-8: bytes
    return { line, character: UTF8 ? Buffer.byteLength(text.slice(start, off), 'utf8') : off - start };
}

function rssKb(pid) {
    try {
        const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) : null;
    } catch {
        return null;
    }
}

/** "line:code" strings of LSP diagnostics (0-based lines made 1-based). */
const lspKeys = (diags) => diags.map((d) => `${d.range.start.line + 1}:${d.code}`).sort();

/** `sigil --check --no-cache --format json` on a copy of the workspace with `texts` on disk. */
function cliCheck(wsDir, texts) {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-soak-cli-')));
    try {
        for (const rel of Object.keys(FILES)) fs.copyFileSync(path.join(wsDir, rel), path.join(dir, rel));
        for (const [rel, text] of Object.entries(texts)) fs.writeFileSync(path.join(dir, rel), text);
        const r = spawnSync(SIGIL, ['--check', '--no-cache', '--format', 'json', dir], { encoding: 'utf8', timeout: WAIT_MS });
        if (r.status !== 0 && r.status !== 1) {
            // keep the files for a repro
            const keep = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-soak-repro-'));
            fs.cpSync(dir, keep, { recursive: true });
            const how = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `status ${r.status}`;
            throw new Error(`sigil --check --no-cache --format json on the current buffers failed (${how}); files kept in ${keep}\n${(r.stderr || '').slice(-2000)}`);
        }
        const json = JSON.parse(r.stdout);
        const per = {};
        for (const rel of Object.keys(FILES)) per[rel] = [];
        for (const d of json.diagnostics) (per[d.file] ||= []).push(`${d.line}:${d.code}`);
        for (const rel of Object.keys(per)) per[rel].sort();
        return per;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

// ------------------------------------------------------------------ results

let passed = 0;
let failed = 0;
function check(ok, what, detail = '') {
    if (ok) {
        passed++;
        console.log(`ok - ${what}`);
    } else {
        failed++;
        console.log(`not ok - ${what}${detail ? `\n    ${detail.split('\n').join('\n    ')}` : ''}`);
    }
    return ok;
}

// ------------------------------------------------------------------ the client side model

class Doc {
    constructor(rel, text) {
        this.rel = rel;
        this.text = text;
        this.version = 1;
    }
    /** Replaces [a, b) with `s`; returns the LSP content change (range in the text before). */
    splice(a, b, s) {
        const change = { range: { start: positionOf(this.text, a), end: positionOf(this.text, b) }, text: s };
        this.text = this.text.slice(0, a) + s + this.text.slice(b);
        return change;
    }
}

/** All matches of a global regexp, with their index. */
const matchesOf = (re, text) => [...text.matchAll(re)];

// An edit returns a list of notifications, each a list of content changes
// (each computed against the text left by the previous one).
const EDIT_KINDS = [
    // change an integer literal in a body (`let kN = [/* ... */] 123`)
    [40, (doc) => {
        const ms = matchesOf(/let k\d+ = (?:\/\*[^*]*\*\/ )?(\d+)/g, doc.text);
        const m = pick(ms);
        const a = m.index + m[0].length - m[1].length;
        return [[doc.splice(a, a + m[1].length, String(randInt(0, 10 ** randInt(1, 6))))]];
    }],
    // type a new literal one keystroke per notification (transiently `let k0 = `)
    [8, (doc) => {
        const ms = matchesOf(/let k\d+ = (?:\/\*[^*]*\*\/ )?(\d+)/g, doc.text);
        const m = pick(ms);
        let a = m.index + m[0].length - m[1].length;
        const notes = [[doc.splice(a, a + m[1].length, '')]];
        for (const ch of String(randInt(1, 99999))) {
            notes.push([doc.splice(a, a, ch)]);
            a++;
        }
        return notes;
    }],
    // the deliberate error slot
    [15, (doc) => {
        const m = /let bad: Int = (.*)$/m.exec(doc.text);
        const a = m.index + m[0].length - m[1].length;
        return [[doc.splice(a, a + m[1].length, pick(BAD_VARIANTS))]];
    }],
    // flip the return type of base.value (everything imports it)
    [5, (doc, docs) => {
        const base = docs['base.sg'];
        const m = /pub fn value\(\) -> (.*)$/m.exec(base.text);
        const a = m.index + m[0].length - m[1].length;
        return { doc: base, notes: [[base.splice(a, a + m[1].length, m[1] === SIG_INT ? SIG_FLOAT : SIG_INT)]] };
    }],
    // insert a comment line inside a body (shifts the lines below)
    [12, (doc) => {
        const lines = doc.text.split('\n');
        const cands = [];
        let off = 0;
        for (const l of lines) {
            if (l.startsWith('    ')) cands.push(off);
            off += l.length + 1;
        }
        const a = pick(cands);
        return [[doc.splice(a, a, `    // soak ${randInt(0, 1e6)} ${pick(['', 'é', '😀', '𝄞x'])}\n`)]];
    }],
    // delete an inserted comment line
    [12, (doc) => {
        const ms = matchesOf(/^ {4}\/\/ soak [^\n]*\n/gm, doc.text);
        if (!ms.length) return null;
        const m = pick(ms);
        return [[doc.splice(m.index, m.index + m[0].length, '')]];
    }],
    // several changes in one notification (applied in order)
    [6, (doc) => {
        const changes = [];
        for (let i = 0; i < 3; i++) {
            const ms = matchesOf(/let k\d+ = (?:\/\*[^*]*\*\/ )?(\d+)/g, doc.text);
            const m = pick(ms);
            const a = m.index + m[0].length - m[1].length;
            changes.push(doc.splice(a, a + m[1].length, String(randInt(0, 999))));
        }
        // and undo-like churn: insert a line and delete it again in the same notification
        const at = doc.text.indexOf('\n') + 1;
        changes.push(doc.splice(at, at, '// transient\n'));
        changes.push(doc.splice(at, at + '// transient\n'.length, ''));
        return [changes];
    }],
    // a full-text change (no range)
    [2, (doc) => {
        const m = /let k\d+ = (?:\/\*[^*]*\*\/ )?(\d+)/.exec(doc.text);
        const a = m.index + m[0].length - m[1].length;
        doc.text = doc.text.slice(0, a) + String(randInt(0, 99)) + doc.text.slice(a + m[1].length);
        return [[{ text: doc.text }]];
    }],
];
const TOTAL_WEIGHT = EDIT_KINDS.reduce((s, [w]) => s + w, 0);

function randomEdit(docs) {
    for (;;) {
        const doc = docs[pick(OPEN)];
        let r = rand() * TOTAL_WEIGHT;
        let kind = 0;
        while (r >= EDIT_KINDS[kind][0]) r -= EDIT_KINDS[kind++][0];
        const out = EDIT_KINDS[kind][1](doc, docs);
        if (!out) continue;
        return Array.isArray(out) ? { doc, notes: out, kind } : { ...out, kind };
    }
}

// ------------------------------------------------------------------ the run

async function main() {
    console.log(`soak: ${ORIGINAL}${snapshot ? ' (a copy)' : ''}, ${UTF8 ? 'UTF-8' : 'UTF-16'} positions, seed ${SEED}, ${EDITS} edits, checkpoint every ${PAUSE_EVERY}`);
    const ws = new Workspace(FILES);
    const server = new Server(ws);
    const t0 = Date.now();
    const docs = {};
    let sent = 0;               // didChange notifications
    let lastDoc = null;         // the document of the latest notification
    let rss1000 = null;
    const rssTrail = [];
    const checkpointErrors = [];
    let checkpoints = 0;
    const uriOf = Object.fromEntries(Object.keys(FILES).map((rel) => [ws.uri(rel), rel]));

    // A reference server in a workspace of its own gets every buffer whole
    // (full-text changes only). Semantic tokens (positions and lengths,
    // computed from the server's copy of the text) of both must agree: that
    // shows the incremental changes were applied exactly as the client did,
    // even where no diagnostic would show a difference.
    const refWs = new Workspace(FILES);
    const ref = new Server(refWs);
    const refVersion = {};
    const syncErrors = [];
    const shape = (r) => {
        const d = (r && r.data) || [];
        const out = [];
        for (let i = 0; i + 4 < d.length; i += 5) out.push(`${d[i]},${d[i + 1]},${d[i + 2]}`);
        return out;
    };
    /** Compares semantic-token positions of every open buffer with the reference; returns mismatch strings. */
    async function compareBuffers() {
        const out = [];
        for (const rel of OPEN) {
            const text = docs[rel].text;
            if (!refVersion[rel]) await ref.open(rel, text, (refVersion[rel] = 1));
            else await ref.change(rel, ++refVersion[rel], [{ text }]);
            const [a, b] = await Promise.all([
                server.request(proto.SemanticTokensRequest.type, { textDocument: { uri: ws.uri(rel) } }),
                ref.request(proto.SemanticTokensRequest.type, { textDocument: { uri: refWs.uri(rel) } }),
            ]);
            const sa = shape(a);
            const sb = shape(b);
            if (sb.length === 0) out.push(`${rel}: the reference server returned no tokens`);
            const i = sa.findIndex((x, k) => x !== sb[k]);
            if (i !== -1 || sa.length !== sb.length) {
                out.push(`${rel} v${docs[rel].version}: token ${i === -1 ? sa.length : i} differs (${sa[i]} vs ${sb[i]} in the reference; ` +
                    `${sa.length} vs ${sb.length} tokens): the server's buffer is not the client's`);
            }
        }
        return out;
    }

    const alive = () => !server.state.exit;
    const lastPublish = (rel) => {
        const uri = ws.uri(rel);
        for (let i = server.published.length - 1; i >= 0; i--) if (server.published[i].uri === uri) return server.published[i];
        return null;
    };
    /** Waits for the publish of the latest version of the last edited doc, then for `quietMs` without publishes. */
    async function settle(quietMs) {
        const deadline = Date.now() + WAIT_MS;
        const target = lastDoc;
        for (;;) {
            if (!alive()) throw new Error(`the server exited (${JSON.stringify(server.state.exit)})\n${server.state.stderr.slice(-2000)}`);
            const doneTarget = !target || server.published.some((p) => p.uri === ws.uri(target.rel) && p.version === target.version);
            if (doneTarget) break;
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${target.rel} v${target.version}${server.detail()}`);
            await sleep(5);
        }
        for (;;) {
            const n = server.published.length;
            await sleep(quietMs);
            if (server.published.length === n) return;
            if (Date.now() > deadline) throw new Error(`the server never went quiet${server.detail()}`);
        }
    }
    /** Compares the last publishes of every file with the CLI on the current buffers; returns mismatch strings. */
    function compareWithCli() {
        const texts = Object.fromEntries(OPEN.map((rel) => [rel, docs[rel].text]));
        const cli = cliCheck(ws.dir, texts);
        const out = [];
        for (const rel of Object.keys(FILES)) {
            const p = lastPublish(rel);
            const got = p ? lspKeys(p.diagnostics) : [];
            if (OPEN.includes(rel) && (!p || p.version !== docs[rel].version))
                out.push(`${rel}: last publish has version ${p && p.version}, latest sent is ${docs[rel].version}`);
            // (once closed, a file without diagnostics is not published again:
            // its last report may still be the empty one of its open version)
            if (rel === TOGGLED && toggled.open && (!p || p.version !== toggled.version))
                out.push(`${rel} (open at v${toggled.version}): last publish has version ${p && p.version}`);
            if (JSON.stringify(got) !== JSON.stringify(cli[rel]))
                out.push(`${rel}${OPEN.includes(rel) ? '' : ' (closed)'}: server [${got.join(', ')}] vs CLI [${cli[rel].join(', ')}]`);
        }
        return out;
    }

    try {
        await ref.initialize(clientCapabilities({ utf8: UTF8 }));
        const init = await server.initialize(clientCapabilities({ utf8: UTF8 }));
        check(init.capabilities.positionEncoding === (UTF8 ? 'utf-8' : 'utf-16'),
            `the server agrees on ${UTF8 ? 'UTF-8' : 'UTF-16'} positions (got ${init.capabilities.positionEncoding})`);
        for (const rel of OPEN) {
            docs[rel] = new Doc(rel, FILES[rel]);
            await server.open(rel, FILES[rel], 1);
        }
        lastDoc = docs['c.sg'];
        await settle(100);
        check(compareWithCli().length === 0, 'the initial diagnostics match the CLI', compareWithCli().join('\n'));

        const kinds = new Array(EDIT_KINDS.length + 1).fill(0);
        let toggleVersion = 0;
        let edits = 0;
        while (edits < EDITS) {
            if (rand() < TOGGLE_P) {
                // open or close d.sg (never edited): its diagnostics switch
                // between a versioned open-document report and a plain one
                kinds[EDIT_KINDS.length]++;
                if (toggled.open) await server.close(TOGGLED);
                else await server.open(TOGGLED, FILES[TOGGLED], ++toggleVersion);
                toggled.open = !toggled.open;
                toggled.version = toggleVersion;
                continue;
            }
            const { doc, notes, kind } = randomEdit(docs);
            kinds[kind]++;
            for (const changes of notes) {
                doc.version++;
                await server.change(doc.rel, doc.version, changes);
                sent++;
            }
            lastDoc = doc;
            edits++;
            if (!alive()) break;
            // now and then a gap around the debounce (15 ms), so checks start
            // while edits keep arriving and their results go stale
            if (rand() < 1 / JITTER_EVERY) await sleep(randInt(0, 40));
            if (edits % PAUSE_EVERY === 0 || edits === EDITS || edits === 1000) {
                await settle(edits === EDITS ? QUIET_MS : 100);
                checkpoints++;
                const errs = compareWithCli();
                if (errs.length) checkpointErrors.push(`after ${edits} edits:\n  ${errs.join('\n  ')}`);
                const serrs = await compareBuffers();
                if (serrs.length) syncErrors.push(`after ${edits} edits:\n  ${serrs.join('\n  ')}`);
                const rss = rssKb(server.proc.pid);
                rssTrail.push(`${edits}:${rss}`);
                if (edits === 1000) rss1000 = rss;
                if (VERBOSE) console.log(`# ${edits} edits, ${sent} notifications, ${server.published.length} publishes, rss ${rss} kB, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            }
        }
        console.log(`# ${edits} edits in ${sent} didChange notifications, ${server.published.length} publishes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        console.log(`# edit kinds: ${kinds.join(' ')}`);
        check(alive(), 'the server is still running after all the edits', server.state.stderr.slice(-2000));

        // ---- the final state
        for (const rel of OPEN) {
            const p = lastPublish(rel);
            check(p && p.version === docs[rel].version, `${rel}: the last publish carries the latest version (${docs[rel].version})`,
                `last publish: ${JSON.stringify(p && { version: p.version, n: p.diagnostics.length })}`);
        }
        const cli = cliCheck(ws.dir, Object.fromEntries(OPEN.map((rel) => [rel, docs[rel].text])));
        for (const rel of OPEN) {
            const p = lastPublish(rel);
            const got = p ? lspKeys(p.diagnostics) : ['<no publish>'];
            check(JSON.stringify(got) === JSON.stringify(cli[rel]),
                `${rel}: final diagnostics equal sigil --check (${cli[rel].length} diagnostics: ${cli[rel].join(', ') || 'none'})`,
                `server [${got.join(', ')}]\nCLI    [${cli[rel].join(', ')}]`);
        }
        for (const rel of CLOSED) {
            const p = lastPublish(rel);
            const got = p ? lspKeys(p.diagnostics) : [];
            const state = rel === TOGGLED && toggled.open ? `open at v${toggled.version}, not edited` : 'not open';
            check(JSON.stringify(got) === JSON.stringify(cli[rel]),
                `${rel} (${state}): last published diagnostics equal sigil --check (${cli[rel].join(', ') || 'none'})`,
                `server [${got.join(', ')}]\nCLI    [${cli[rel].join(', ')}]`);
        }
        check(checkpointErrors.length === 0, `all ${checkpoints} checkpoints (every ${PAUSE_EVERY} edits) agree with sigil --check`,
            checkpointErrors.slice(0, 5).join('\n'));
        check(syncErrors.length === 0,
            `at all ${checkpoints} checkpoints the server's buffers equal the client's (semantic-token positions vs a server given whole texts)`,
            syncErrors.slice(0, 5).join('\n'));

        // ---- publish ordering
        const lastVersion = {};
        const regress = [];
        const unknown = [];
        for (const p of server.published) {
            const rel = uriOf[p.uri];
            if (!rel) {
                unknown.push(p.uri);
                continue;
            }
            if (!OPEN.includes(rel)) continue;
            if (typeof p.version !== 'number') regress.push(`${rel}: publish without a version`);
            else if (lastVersion[rel] !== undefined && p.version < lastVersion[rel]) regress.push(`${rel}: v${p.version} after v${lastVersion[rel]}`);
            lastVersion[rel] = Math.max(lastVersion[rel] ?? -1, p.version);
            if (p.version > docs[rel].version) regress.push(`${rel}: v${p.version} was never sent`);
        }
        check(regress.length === 0, 'versions of publishes for open documents never go backwards (stale results are dropped)',
            regress.slice(0, 10).join('\n'));
        check(unknown.length === 0, 'every publish is for a file of the workspace', [...new Set(unknown)].join('\n'));
        const complaints = server.state.stderr.split('\n').filter((l) => /check failed|malformed|ignored|error/i.test(l));
        check(complaints.length === 0, 'the server logged no failures or ignored messages', complaints.slice(0, 10).join('\n'));

        // ---- memory
        const rssEnd = rssKb(server.proc.pid);
        console.log(`# RSS (kB) at checkpoints: ${rssTrail.join(' ')}`);
        const growthMb = rss1000 !== null && rssEnd !== null ? (rssEnd - rss1000) / 1024 : NaN;
        // Under AddressSanitizer freed memory sits in its quarantine (up to
        // 256 MB) and RSS says nothing about leaks; LeakSanitizer checks those
        // at exit instead. The growth bound applies to the plain build.
        const sanitized = fs.readFileSync(ORIGINAL).includes('__asan_init');
        if (sanitized) console.log(`# RSS growth ${growthMb.toFixed(1)} MB not checked: the binary is built with AddressSanitizer`);
        else check(rss1000 !== null && rssEnd !== null && growthMb <= RSS_SLACK_MB,
            `RSS after ${EDITS} edits (${rssEnd} kB) within ${RSS_SLACK_MB} MB of RSS after 1000 edits (${rss1000} kB): grew ${growthMb.toFixed(1)} MB`);

        // ---- a clean exit
        let code = null;
        try {
            const exit = await server.shutdownAndExit();
            code = exit.code;
        } catch (e) {
            code = String(e.message).split('\n')[0];
        }
        check(code === 0, `shutdown + exit ends the server with status 0 (got ${code})`);
    } catch (e) {
        check(false, 'the soak run completed', `${e.stack || e}`);
    } finally {
        await server.dispose();
        await ref.dispose();
        ws.cleanup();
        refWs.cleanup();
    }
    if (snapshot) fs.rmSync(snapshot.dir, { recursive: true, force: true });
    console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
}

main();
