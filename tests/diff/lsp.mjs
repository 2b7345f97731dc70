// lsp.mjs - the adversarial differential test of the language server.
//
//   node tests/diff/lsp.mjs [--sigil build/sigil] [--seed N] [--steps N] [--time S]
//   node tests/diff/lsp.mjs --replay FILE|-        (a trace printed with a finding)
//
// Sessions, one after another: a workspace (as in cli.mjs), a real
// `sigil --lsp` driven through vscode-jsonrpc (tests/lsp/harness.mjs), some
// documents opened, then bursts of 1-6 actions 0-40 ms apart: edits of open
// buffers (didChange, ranged or whole), files edited, created, deleted,
// moved on disk (edits.mjs), documents opened, closed and saved. In the
// session's mode `client` the client watches files and sends
// didChangeWatchedFiles (right after a change, or batched later in the
// burst); in mode `server` it offers no watching and the server's own
// watcher must see the disk.
//
// After each burst the client waits until the server is idle (pull
// diagnostics round trips: a pull is answered once every change is
// checked; two in a row, repeated until no publish arrives in between, so
// that a file event the server had not read yet is covered), then requires,
// for every file of the workspace and every file ever published: the last
// published diagnostics equal `sigil --check --no-cache` on a copy of the
// workspace with the open buffers written out (range, severity, code,
// message and related locations), with nothing published meaning none; an open document's last
// publish carries its latest version; a pull of each open document answers
// the same diagnostics.
//
// A divergence ends the session; it is minimized (ddmin over the actions and
// the starting files, replaying with a fresh server each time; timing makes
// some divergences flaky, so a candidate counts if it diverges once) and
// printed as a trace to paste into --replay. Ends with "N passed, N failed"
// (bursts); exit status 1 on any divergence.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { checkJson, recordFinding, runOptions, snapshotBinary, summary } from './common.mjs';
import { Editor } from './edits.mjs';
import { ddmin, lines } from './minimize.mjs';
import {
    Files, applyOp, copyWithoutCache, fileEvents, materialize, opFromJson, opToJson, sessions, tempDir,
} from './workspace.mjs';

const opts = runOptions({
    steps: 60,
    'session-steps': 10,
    mode: 'both',           // client | server | both (alternating at random)
    'minimize-time': 120,
    'max-minimize': 2,
    replay: '',
    'wait-ms': 10000,       // bound on waiting for the server to become idle
});

// the server inherits the environment: no cache settings from outside (the cold runs use none)
for (const k of ['SIGIL_CACHE_DIR', 'SIGIL_REMOTE_CACHE', 'SIGIL_REMOTE_CACHE_WRITE']) delete process.env[k];
const snap = snapshotBinary(path.resolve(opts.sigil));
process.env.SIGIL = snap.bin;
process.env.SIGIL_LSP_TIMEOUT_MS ||= String(opts['wait-ms']);
const { Server, clientCapabilities, proto, sleep } = await import('../lsp/harness.mjs');

function withTimeout(promise, ms, what) {
    let timer;
    const t = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
    return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

const isUtf8 = (buf) => Buffer.from(buf.toString('utf8'), 'utf8').equals(buf);

// ------------------------------------------------------------------ planning a session

/** What the session's files are while planning: the disk, and the open buffers over it. */
class Model {
    constructor(files) {
        this.disk = files.clone();
        this.buffers = new Map();   // rel -> text
    }
    view() {
        const v = this.disk.clone();
        for (const [rel, text] of this.buffers) v.map.set(rel, Buffer.from(text, 'utf8'));
        return v;
    }
}

/** The actions of one burst, planned against `model` (which they update). */
function planBurst(rng, editor, model, mode) {
    const actions = [];
    const n = rng.int(1, 6);
    for (let i = 0; i < n; i++) {
        if (i) actions.push({ act: 'sleep', ms: rng.chance(0.3) ? 0 : rng.int(1, 40) });
        const closed = model.disk.sources().filter((r) => !model.buffers.has(r) && isUtf8(model.disk.get(r)));
        const open = [...model.buffers.keys()];
        const r = rng.next();
        if (r < 0.12 && (closed.length || rng.chance(0.2))) {
            // open a file, or a buffer for a file that is not on disk yet
            const dir = rng.pick(['', ...model.disk.dirs()]);
            const rel = closed.length && rng.chance(0.85) ? rng.pick(closed) : `${dir ? `${dir}/` : ''}unsaved${rng.int(1, 99)}.sg`;
            if (model.buffers.has(rel)) continue;
            const text = model.disk.has(rel) ? model.disk.get(rel).toString('utf8') : 'pub fn unsaved() -> Int { 1 }\n';
            model.buffers.set(rel, text);
            actions.push({ act: 'open', path: rel, text });
            continue;
        }
        if (r < 0.22 && open.length) {
            // often the buffer just edited: closing an edited buffer without saving drops the edit
            const lastChanged = [...actions].reverse().find((a) => a.act === 'change' && model.buffers.has(a.path));
            const rel = lastChanged && rng.chance(0.5) ? lastChanged.path : rng.pick(open);
            model.buffers.delete(rel);
            actions.push({ act: 'close', path: rel });
            continue;
        }
        if (r < 0.27 && open.length) {
            const rel = rng.pick(open);
            applyOp(null, model.disk, { op: 'write', path: rel, data: Buffer.from(model.buffers.get(rel), 'utf8') });
            actions.push({ act: 'save', path: rel });
            continue;
        }
        const edit = editor.next(model.view());
        for (const op of edit.ops) {
            if (op.op === 'write' && model.buffers.has(op.path) && isUtf8(op.data) && rng.chance(0.85)) {
                const text = op.data.toString('utf8');
                model.buffers.set(op.path, text);
                actions.push({ act: 'change', path: op.path, text, full: rng.chance(0.2), kind: edit.kind });
            } else if (applyOp(null, model.disk, op)) {
                actions.push({ act: 'disk', op, kind: edit.kind });
                if (mode === 'client' && rng.chance(0.7)) actions.push({ act: 'notify' });
            }
        }
        editor.observe(model.view());
    }
    return actions;
}

function planSession(srng, seed) {
    const mode = opts.mode === 'both' ? (srng.chance(0.5) ? 'client' : 'server') : opts.mode;
    const files = seed.files.clone();
    const model = new Model(files);
    const editor = new Editor(srng, seed, { only: opts.only });
    editor.observe(files);
    const opened = srng.shuffle(files.sources().filter((r) => isUtf8(files.get(r)))).slice(0, srng.int(0, 3));
    for (const rel of opened) model.buffers.set(rel, files.get(rel).toString('utf8'));
    const bursts = [];
    const nb = opts.session >= 0 || opts.replay ? opts.steps : opts['session-steps'];
    for (let k = 0; k < nb; k++) bursts.push(planBurst(srng, editor, model, mode));
    return { workspace: seed.name, mode, warm: srng.chance(0.5), start: files, opened, bursts };
}

// ------------------------------------------------------------------ running a session

/** LSP position of a CLI position (1-based line, code-point column) in `text`, as the server computes it. */
function lspPos(text, line, col) {
    if (text === null) return { line: line ? line - 1 : 0, character: -1 };
    const lines = text.split('\n');
    const l = line ? line - 1 : 0;
    if (l >= lines.length) return { line: l, character: col ? col - 1 : 0 };
    const cps = Array.from(lines[l]).slice(0, Math.max(col - 1, 0));
    return { line: l, character: cps.join('').length };
}
const rangeKey = (r, exact) => `${r.start.line}:${exact ? r.start.character : '?'}-${r.end.line}:${exact ? r.end.character : '?'}`;

/** The elements of `a` that `a` has more often than `b` (each once). */
function excess(a, b) {
    const count = (xs, k) => xs.filter((x) => x === k).length;
    return [...new Set(a)].filter((k) => count(a, k) > count(b, k));
}

/**
 * Compares the server's last publishes (and the pulled diagnostics of the open
 * documents, `pulled`: rel -> items) with a cold run; returns problems {tag, text}.
 */
function compareServer(sigil, dir, disk, buffers, published, pulled) {
    const cold = `${dir}.cold`;
    copyWithoutCache(dir, cold);
    try {
        for (const [rel, { text }] of buffers) {
            // a buffer where the disk now has a directory (or a file on its way) cannot be written out: no claim
            try {
                fs.mkdirSync(path.dirname(path.join(cold, rel)), { recursive: true });
                fs.writeFileSync(path.join(cold, rel), text);
            } catch {
                return [];
            }
        }
        const r = checkJson(sigil, cold, { noCache: true });
        if (r.error) {
            if (r.status === 2 && !r.signal) return [];   // e.g. a malformed sigil.json: no claim about the server
            return [{ tag: 'crash-cold', text: `--no-cache on the buffers: ${r.error}\n${r.stderr.slice(-1000)}` }];
        }
        const textOf = (rel) => {
            if (buffers.has(rel)) return buffers.get(rel).text;
            const b = disk.get(rel);
            return b && isUtf8(b) ? b.toString('utf8') : null;
        };
        const relOf = (uri) => path.relative(dir, fileURLToPath(uri)).split(path.sep).join('/');
        const relatedKey = (r) => `${r.rel} ${rangeKey(r.range, textOf(r.rel) !== null)} ${r.message}`;
        const related = (d) => (d.relatedInformation || []).map((r) => relatedKey({ rel: relOf(r.location.uri), range: r.location.range, message: r.message }));
        const keysOf = (rel, diags) => diags.map((d) => [`${rangeKey(d.range, textOf(rel) !== null)} ${d.severity} ${d.code} ${d.message}`, ...related(d)].join(' | '));
        const expected = new Map();
        for (const d of r.json.diagnostics) {
            const t = textOf(d.file);
            const range = { start: lspPos(t, d.line, d.column), end: lspPos(t, d.endLine, d.endColumn) };
            const rel = (d.related || []).map((r) => {
                const rt = textOf(r.file);
                return relatedKey({ rel: r.file, range: { start: lspPos(rt, r.line, r.column), end: lspPos(rt, r.endLine, r.endColumn) }, message: r.message });
            });
            const key = [`${rangeKey(range, t !== null)} ${d.severity === 'error' ? 1 : 2} ${d.code} ${d.message}`, ...rel].join(' | ');
            expected.set(d.file, [...(expected.get(d.file) || []), key]);
        }
        const last = new Map();
        for (const p of published) last.set(p.uri, p);
        const actual = new Map();
        const problems = [];
        for (const [uri, p] of last) {
            const rel = relOf(uri);
            if (rel.startsWith('..')) {
                problems.push({ tag: 'foreign-uri', text: `a publish for ${uri}, outside the workspace` });
                continue;
            }
            actual.set(rel, { p, keys: keysOf(rel, p.diagnostics) });
        }
        const rels = new Set([...expected.keys(), ...actual.keys(), ...buffers.keys()]);
        for (const rel of [...rels].sort()) {
            const want = (expected.get(rel) || []).sort();
            const got = actual.has(rel) ? actual.get(rel).keys.sort() : [];
            // the file's state is part of a problem's tag: open and on disk, open and not on disk, closed, gone
            const st = buffers.has(rel) ? (disk.has(rel) ? 'open' : 'unsaved') : disk.has(rel) ? 'closed' : 'gone';
            const state = buffers.has(rel) ? `${st} v${buffers.get(rel).version}` : st;
            for (const k of excess(got, want)) problems.push({ tag: `extra:${k.split(' ')[2]}@${st}`, text: `${rel} (${state}): only the server: ${k}` });
            for (const k of excess(want, got)) problems.push({ tag: `missing:${k.split(' ')[2]}@${st}`, text: `${rel} (${state}): only --no-cache: ${k}` });
            if (pulled.has(rel)) {
                const items = keysOf(rel, pulled.get(rel));
                for (const k of excess(items, want)) problems.push({ tag: `pull-extra:${k.split(' ')[2]}@${st}`, text: `${rel} (${state}): only the server's pull answer: ${k}` });
                for (const k of excess(want, items)) problems.push({ tag: `pull-missing:${k.split(' ')[2]}@${st}`, text: `${rel} (${state}): not in the server's pull answer: ${k}` });
            }
            if (buffers.has(rel)) {
                const a = actual.get(rel);
                if (!a) problems.push({ tag: `version@${st}`, text: `${rel} (${state}): never published` });
                else if (a.p.version !== buffers.get(rel).version) problems.push({ tag: `version@${st}`, text: `${rel} (${state}): last publish has version ${a.p.version}` });
            }
        }
        return problems;
    } finally {
        if (!opts.keep) fs.rmSync(cold, { recursive: true, force: true });
    }
}

/**
 * Runs a planned session (or a minimization candidate) against a fresh
 * server. Calls onBurst(k, problems, detail) after each burst (0 = after the
 * initial opens); stops at the first divergence. Returns {problems, burst}.
 */
async function runSession(sigil, plan, { onBurst = () => {}, waitMs = opts['wait-ms'] } = {}) {
    const dir = tempDir('lsp');
    const disk = plan.start.clone();
    materialize(dir, disk);
    applyOp(dir, disk, { op: 'age', paths: disk.paths() });
    if (plan.warm) checkJson(sigil, dir);
    const ws = {
        dir,
        uri: (rel) => pathToFileURL(path.join(dir, rel)).href,
        rootUri: pathToFileURL(dir).href,
        read: (rel) => fs.readFileSync(path.join(dir, rel), 'utf8'),
    };
    const server = new Server(ws, {});
    const buffers = new Map();   // rel -> {text, version}
    let pending = [];            // file events the client has not sent yet
    const notify = async () => {
        if (!pending.length) return;
        const changes = pending.map((e) => ({ uri: ws.uri(e.rel), type: e.type }));
        pending = [];
        await server.notify(proto.DidChangeWatchedFilesNotification.type, { changes });
    };
    const pullUri = () => ws.uri([...buffers.keys()][0] || disk.sources()[0] || 'main.sg');
    const pull = (uri = pullUri()) => withTimeout(server.conn.sendRequest(proto.DocumentDiagnosticRequest.type, { textDocument: { uri } }),
        waitMs, 'the response to a pull (textDocument/diagnostic): the server never became idle');
    const settle = async () => {
        if (plan.mode === 'client') await notify();
        for (let round = 0; round < 20; round++) {
            const n = server.published.length;
            await pull();
            await pull();
            if (server.published.length === n) return;
        }
    };
    const check = async (k) => {
        if (server.state.exit) return [{ tag: 'exit', text: `the server exited: ${JSON.stringify(server.state.exit)}\n${server.state.stderr.slice(-1500)}` }];
        const pulled = new Map();
        for (const rel of buffers.keys()) pulled.set(rel, (await pull(ws.uri(rel))).items);
        const problems = compareServer(sigil, dir, disk, buffers, server.published, pulled);
        onBurst(k, problems, server);
        return problems;
    };
    const act = async (a) => {
        switch (a.act) {
        case 'sleep': if (a.ms) await sleep(a.ms); return;
        case 'notify': return notify();
        case 'disk': {
            const before = disk.clone();
            if (applyOp(dir, disk, a.op) && plan.mode === 'client') pending.push(...fileEvents(before, a.op));
            return;
        }
        case 'open': {
            if (buffers.has(a.path)) return;
            buffers.set(a.path, { text: a.text, version: 1 });
            return server.open(a.path, a.text, 1);
        }
        case 'close':
            if (!buffers.delete(a.path)) return;
            return server.close(a.path);
        case 'save': {
            const b = buffers.get(a.path);
            if (!b) return;
            const before = disk.clone();
            applyOp(dir, disk, { op: 'write', path: a.path, data: Buffer.from(b.text, 'utf8') });
            await server.notify(proto.DidSaveTextDocumentNotification.type, { textDocument: { uri: ws.uri(a.path) } });
            if (plan.mode === 'client') pending.push(...fileEvents(before, { op: 'write', path: a.path }));
            return;
        }
        case 'change': {
            const b = buffers.get(a.path);
            if (!b) return;
            const change = a.full ? { text: a.text } : rangedChange(b.text, a.text);
            b.text = a.text;
            b.version++;
            return server.change(a.path, b.version, [change]);
        }
        default: throw new Error(`unknown action ${a.act}`);
        }
    };
    let k = 0;
    try {
        await server.initialize(clientCapabilities({ dynamicWatch: plan.mode === 'client' }));
        for (const rel of plan.opened) await act({ act: 'open', path: rel, text: disk.get(rel).toString('utf8') });
        await settle();
        let problems = await check(0);
        if (problems.length) return { problems, burst: 0 };
        for (; k < plan.bursts.length; k++) {
            for (const a of plan.bursts[k]) await act(a);
            await settle();
            problems = await check(k + 1);
            if (problems.length) return { problems, burst: k + 1 };
        }
        return { problems: [], burst: plan.bursts.length };
    } catch (e) {
        const problems = [{ tag: /timed out/.test(e.message) ? 'hang' : 'error', text: `${e.message.split('\n')[0]}\n${server.state.stderr.slice(-1500)}` }];
        onBurst(k + 1, problems, server);
        return { problems, burst: k + 1 };
    } finally {
        await server.dispose();
        if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The smallest ranged change from `a` to `b` (common prefix and suffix kept), in UTF-16 positions. */
function rangedChange(a, b) {
    let p = 0;
    while (p < a.length && p < b.length && a[p] === b[p]) p++;
    let s = 0;
    while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
    // never split a surrogate pair
    if (p > 0 && /[\ud800-\udbff]/.test(a[p - 1])) p--;
    if (s > 0 && /[\udc00-\udfff]/.test(a[a.length - s])) s--;
    const pos = (t, off) => {
        const before = t.slice(0, off);
        const line = before.split('\n').length - 1;
        return { line, character: off - (before.lastIndexOf('\n') + 1) };
    };
    return { range: { start: pos(a, p), end: pos(a, a.length - s) }, text: b.slice(p, b.length - s) };
}

// ------------------------------------------------------------------ traces and minimization

function traceToJson(plan) {
    const start = {};
    for (const rel of plan.start.paths()) start[rel] = opToJson({ data: plan.start.get(rel) }).data ?? { base64: plan.start.get(rel).toString('base64') };
    const bursts = plan.bursts.map((b) => b.map((a) => (a.op ? { ...a, op: opToJson(a.op) } : a)));
    return { workspace: plan.workspace, mode: plan.mode, warm: plan.warm, opened: plan.opened, start, bursts };
}
function traceFromJson(j) {
    const start = new Files();
    for (const [rel, v] of Object.entries(j.start)) start.map.set(rel, typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.base64, 'base64'));
    const bursts = j.bursts.map((b) => b.map((a) => (a.op ? { ...a, op: opFromJson(a.op) } : a)));
    return { workspace: j.workspace, mode: j.mode, warm: j.warm, opened: j.opened, start, bursts };
}
function renderTrace(plan) {
    const j = traceToJson(plan);
    const lines = ['{', `  "workspace": ${JSON.stringify(j.workspace)}, "mode": ${JSON.stringify(j.mode)}, "warm": ${j.warm}, "opened": ${JSON.stringify(j.opened)},`];
    lines.push('  "start": {');
    const ents = Object.entries(j.start);
    ents.forEach(([k, v], i) => lines.push(`    ${JSON.stringify(k)}: ${JSON.stringify(v)}${i < ents.length - 1 ? ',' : ''}`));
    lines.push('  },', '  "bursts": [');
    j.bursts.forEach((b, i) => {
        lines.push('    [');
        b.forEach((a, k) => lines.push(`      ${JSON.stringify(a)}${k < b.length - 1 ? ',' : ''}`));
        lines.push(`    ]${i < j.bursts.length - 1 ? ',' : ''}`);
    });
    lines.push('  ]', '}');
    return lines.join('\n');
}

/** The class of a divergence (what a minimized case must keep showing). */
function classify(tags) {
    for (const t of ['exit', 'hang', 'error', 'crash-cold', 'foreign-uri']) if (tags.has(t)) return t;
    const sorted = [...tags].sort();
    for (const t of sorted) {
        const rest = t.split(':')[1];
        if (t.startsWith('extra:') && tags.has(`missing:${rest}`)) return `message:${rest}`;
    }
    return sorted[0] || 'none';
}

async function minimize(sigil, plan, burst, cls, budgetMs) {
    const deadline = Date.now() + budgetMs;
    // one flat list of actions, with a burst boundary marker, up to the divergent burst
    const flat = [];
    plan.bursts.slice(0, burst).forEach((b, i) => {
        if (i) flat.push({ act: 'settle' });
        flat.push(...b);
    });
    const unflat = (acts) => {
        const bursts = [[]];
        for (const a of acts) {
            if (a.act === 'settle') bursts.push([]);
            else bursts[bursts.length - 1].push(a);
        }
        return bursts;
    };
    // a hang is a wait that ran out: when minimizing one, wait less
    const waitMs = cls === 'hang' ? Math.min(opts['wait-ms'], 3000) : opts['wait-ms'];
    const fails = async (p) => classify(new Set((await runSession(sigil, p, { waitMs })).problems.map((x) => x.tag))) === cls;
    let best = { ...plan, bursts: unflat(flat) };
    const acts = await ddmin(flat, (as) => fails({ ...best, bursts: unflat(as) }), deadline);
    best = { ...best, bursts: unflat(acts) };
    for (const what of ['opened', 'start']) {
        if (Date.now() >= deadline) break;
        if (what === 'opened') {
            const kept = await ddmin(best.opened, (o) => fails({ ...best, opened: o }), deadline);
            best = { ...best, opened: kept };
        } else {
            const keepPaths = await ddmin(best.start.paths().filter((p) => !best.opened.includes(p)), async (keep) => {
                const start = best.start.clone();
                for (const p of start.paths()) if (!keep.includes(p) && !best.opened.includes(p)) start.map.delete(p);
                return fails({ ...best, start });
            }, deadline);
            const start = best.start.clone();
            for (const p of start.paths()) if (!keepPaths.includes(p) && !best.opened.includes(p)) start.map.delete(p);
            best = { ...best, start };
        }
    }
    if (Date.now() < deadline && best.warm && await fails({ ...best, warm: false })) best = { ...best, warm: false };
    // the lines of the starting files, then of the contents the actions carry
    for (const rel of best.start.paths()) {
        if (Date.now() >= deadline) break;
        const cut = (ls) => { const st = best.start.clone(); st.map.set(rel, Buffer.concat(ls)); return { ...best, start: st }; };
        best = cut(await ddmin(lines(best.start.get(rel)), (ls) => fails(cut(ls)), deadline));
    }
    for (let b = 0; b < best.bursts.length; b++) {
        for (let i = 0; i < best.bursts[b].length; i++) {
            const a = best.bursts[b][i];
            const content = a.op && a.op.data ? a.op.data : typeof a.text === 'string' ? Buffer.from(a.text, 'utf8') : null;
            if (!content || Date.now() >= deadline) continue;
            const cut = (ls) => {
                const data = Buffer.concat(ls);
                const na = a.op ? { ...a, op: { ...a.op, data } } : { ...a, text: data.toString('utf8') };
                return { ...best, bursts: best.bursts.map((bb, k) => (k === b ? bb.map((x, j) => (j === i ? na : x)) : bb)) };
            };
            best = cut(await ddmin(lines(content), (ls) => fails(cut(ls)), deadline));
        }
    }
    // how often the result reproduces, and what it shows
    let hits = 0;
    let shown = [];
    for (let i = 0; i < 5; i++) {
        const r = await runSession(sigil, best, { waitMs });
        if (classify(new Set(r.problems.map((x) => x.tag))) === cls) {
            hits++;
            shown = r.problems;
        }
    }
    return { plan: best, hits, of: 5, problems: shown, complete: Date.now() < deadline };
}

// ------------------------------------------------------------------ main

async function main() {
    const sigil = snap.bin;
    let passed = 0;
    let failed = 0;
    if (opts.replay) {
        const text = fs.readFileSync(opts.replay === '-' ? 0 : opts.replay, 'utf8');
        const plan = traceFromJson(JSON.parse(text));
        const r = await runSession(sigil, plan, {
            onBurst: (k, problems) => {
                console.log(`${problems.length ? 'not ok' : 'ok'} - burst ${k}`);
                for (const p of problems) console.log(`    ${p.text.split('\n').join('\n    ')}`);
            },
        });
        return summary(r.problems.length ? r.burst : r.burst + 1, r.problems.length ? 1 : 0);
    }
    const t0 = Date.now();
    let steps = 0;
    let minimized = 0;
    const classes = new Set();
    const found = [];
    const modes = { client: 0, server: 0 };
    console.log(`# difftest lsp: ${opts.sigil}, seed ${opts.seed}, ${opts.steps} bursts${opts.time ? `, at most ${opts.time} s` : ''}`);
    for (const { index: session, rng: srng, seed } of sessions(opts, () => steps < opts.steps)) {
        const plan = planSession(srng, seed);
        if (opts.session < 0) plan.bursts = plan.bursts.slice(0, Math.max(1, opts.steps - steps));
        modes[plan.mode]++;
        const r = await runSession(sigil, plan, {
            onBurst: (k, problems) => {
                if (opts.verbose) console.log(`#   session ${session} burst ${k}: ${problems.length ? 'DIVERGED' : 'ok'}`);
                if (!problems.length) passed++;
            },
        });
        steps += r.problems.length ? Math.max(r.burst, 0) : plan.bursts.length;
        if (!r.problems.length) continue;
        failed++;
        const tags = new Set(r.problems.map((p) => p.tag));
        const cls = classify(tags);
        const kinds = r.burst > 0 ? plan.bursts[r.burst - 1].map((a) => a.kind || a.act).join(' ') : 'start';
        console.log(`not ok - session ${session} (${seed.name}, mode ${plan.mode}${plan.warm ? ', warm cache' : ''}), burst ${r.burst} (${kinds}): ${cls}`);
        for (const p of r.problems.slice(0, 8)) console.log(`    ${p.text.split('\n').join('\n    ')}`);
        found.push(`[${cls}] session ${session} burst ${r.burst} (${plan.mode}: ${kinds})`);
        if (classes.has(cls) || minimized >= opts['max-minimize'] || r.burst === 0) {
            console.log(`    (not minimized: ${classes.has(cls) ? `same class (${cls}) as an earlier finding` : r.burst === 0 ? 'at start-up' : 'enough minimized this run'})`);
            continue;
        }
        classes.add(cls);
        minimized++;
        const tm = Date.now();
        const min = await minimize(sigil, plan, r.burst, cls, opts['minimize-time'] * 1000);
        const trace = renderTrace(min.plan);
        const text = [
            `# sigil differential test (language server): ${cls}; reproduces in ${min.hits} of ${min.of} runs`,
            `# found by: node tests/diff/lsp.mjs --seed ${opts.seed} --session ${session}   (workspace ${seed.name}, mode ${plan.mode}, burst ${r.burst})`,
            ...(min.problems.length ? min.problems : r.problems).slice(0, 8).map((p) => `# ${p.text.split('\n')[0]}`),
            `node tests/diff/lsp.mjs --sigil ${path.resolve(opts.sigil)} --replay - <<'EOF'`,
            trace,
            'EOF',
        ].join('\n');
        console.log(`    minimized in ${((Date.now() - tm) / 1000).toFixed(1)} s${min.complete ? '' : ' (time budget reached)'}:`);
        console.log(text.split('\n').map((l) => `    ${l}`).join('\n'));
        recordFinding(opts.findings, `## ${new Date().toISOString()} difftest lsp: ${cls} (seed ${opts.seed}, session ${session}, ${seed.name}, mode ${plan.mode})\n\`\`\`sh\n${text}\n\`\`\``);
    }
    console.log(`# ${steps} bursts in ${((Date.now() - t0) / 1000).toFixed(1)} s; sessions by mode: client-watched ${modes.client}, server-watched ${modes.server}`);
    if (found.length) console.log(`# divergences: ${found.join('; ')}`);
    summary(passed, failed);
}

try {
    await main();
} catch (e) {
    console.log(`not ok - the run failed: ${e.stack || e}`);
    summary(0, 1);
} finally {
    snap.cleanup();
}
