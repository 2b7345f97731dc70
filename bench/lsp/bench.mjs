#!/usr/bin/env node
// bench/lsp/bench.mjs - latency of `sigil --lsp`, measured from the client.
//
//   node bench/lsp/bench.mjs [--modules 10000] [--edits 250] [--dependents 5]
//                            [--sig-runs 3] [--typing-ms 3000] [--typing-gap-ms 100]
//                            [--timeout-ms 120000] [--seed 7] [--keep]
//
// See bench/lsp/README.md. A benchmark, not a test: it prints a table and
// exits 0, or non-zero when the server crashes, a measurement times out or
// the generated workspace is not clean.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

// ------------------------------------------------------------------ options

function parseArgs(argv) {
    const o = { modules: 10000, edits: 250, dependents: 5, sigRuns: 3, timeoutMs: 120000, keep: false, seed: 7, typingMs: 3000, typingGapMs: 100, queries: 100, users: 250 };
    const num = (i) => {
        const v = Number(argv[i + 1]);
        if (!Number.isFinite(v) || v < 0) usage(`${argv[i]} needs a number`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        switch (argv[i]) {
        case '--modules': o.modules = num(i++); break;
        case '--edits': o.edits = num(i++); break;
        case '--dependents': o.dependents = num(i++); break;
        case '--sig-runs': o.sigRuns = num(i++); break;
        case '--timeout-ms': o.timeoutMs = num(i++); break;
        case '--seed': o.seed = num(i++); break;
        case '--typing-ms': o.typingMs = num(i++); break;
        case '--typing-gap-ms': o.typingGapMs = num(i++); break;
        case '--queries': o.queries = num(i++); break;
        case '--users': o.users = num(i++); break;
        case '--keep': o.keep = true; break;
        case '-h': case '--help': usage(); break;
        default: usage(`unknown argument ${argv[i]}`);
        }
    }
    return o;
}
function usage(err) {
    const text = 'usage: node bench/lsp/bench.mjs [--modules N] [--edits N] [--dependents N] [--sig-runs N] [--typing-ms MS] [--typing-gap-ms MS] [--queries N] [--users N] [--timeout-ms MS] [--seed S] [--keep]';
    if (err) {
        console.error(`bench: ${err}\n${text}`);
        process.exit(2);
    }
    console.log(text);
    process.exit(0);
}
const opt = parseArgs(process.argv.slice(2));

// The binary is copied (with its standard library) first, so that both
// start-ups run the same build even if build/sigil is rebuilt meanwhile.
const ORIGINAL = path.resolve(process.env.SIGIL || path.join(repo, 'build', 'sigil'));
if (!fs.existsSync(ORIGINAL)) {
    console.error(`bench: no sigil binary at ${ORIGINAL} (run make, or set SIGIL)`);
    process.exit(2);
}
const snap = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-lsp-bench-bin-'));
{
    fs.mkdirSync(path.join(snap, 'bin'));
    fs.copyFileSync(ORIGINAL, path.join(snap, 'bin', 'sigil'));
    fs.chmodSync(path.join(snap, 'bin', 'sigil'), 0o755);
    const std = ['../share/sigil/std', '../std', '../../std'].map((r) => path.resolve(path.dirname(ORIGINAL), r))
        .find((d) => fs.existsSync(path.join(d, 'prelude.sg')));
    if (std && !process.env.SIGIL_STD) fs.cpSync(std, path.join(snap, 'std'), { recursive: true });
    process.env.SIGIL = path.join(snap, 'bin', 'sigil');
}
// 10 minutes for the harness's own waits (initialize, shutdown); ours use --timeout-ms
process.env.SIGIL_LSP_TIMEOUT_MS ||= String(Math.max(opt.timeoutMs, 60000));
const { Server, Workspace, clientCapabilities, proto, rpc, sleep } = await import('../../tests/lsp/harness.mjs');
const { indexQueries, queryRows } = await import('./queries.mjs');

class Timeout extends Error {}
class Crash extends Error {}

// ------------------------------------------------------------------ helpers

const rnd = (() => {
    let a = opt.seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = Math.imul(a ^ (a >>> 15), a | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
})();

function positionOf(text, off) {
    let line = 0;
    let start = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < off; i = text.indexOf('\n', i + 1)) {
        line++;
        start = i + 1;
    }
    return { line, character: off - start };
}

function procStatus(pid) {
    try {
        const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = (k) => {
            const m = new RegExp(`${k}:\\s+(\\d+)\\s+kB`).exec(s);
            return m ? Number(m[1]) : null;
        };
        return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
    } catch {
        return { rss: null, hwm: null };
    }
}
const mib = (kb) => (kb === null ? 'n/a' : `${(kb / 1024).toFixed(1)} MiB`);
const ms = (x) => `${x.toFixed(1)} ms`;

function quantile(sorted, q) {
    if (!sorted.length) return NaN;
    // nearest rank
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i];
}

// ------------------------------------------------------------------ the workspace

function prepareWorkspace() {
    const ws = new Workspace();
    const cached = path.join(repo, 'build', 'bench', `ws${opt.modules}`);
    let how;
    if (fs.existsSync(path.join(cached, 'main.sg'))) {
        const r = spawnSync('cp', ['-a', `${cached}/.`, ws.dir], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`cp -a ${cached} failed: ${r.stderr}`);
        how = `copy of ${path.relative(repo, cached)}`;
    } else {
        const r = spawnSync('python3', [path.join(repo, 'bench', 'gen.py'), '--modules', String(opt.modules), '--out', ws.dir, '--force'],
            { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`bench/gen.py failed: ${r.stderr}`);
        how = 'generated by bench/gen.py';
    }
    fs.rmSync(path.join(ws.dir, '.sigil-cache'), { recursive: true, force: true });
    const layers = fs.readdirSync(ws.dir).filter((d) => /^l\d+$/.test(d)).sort();
    const bottom = layers[0];
    const top = layers[layers.length - 1];
    const bottomRel = `${bottom}/${fs.readdirSync(path.join(ws.dir, bottom)).filter((f) => /^m0+\.sg$/.test(f))[0]}`;
    const topFiles = fs.readdirSync(path.join(ws.dir, top)).filter((f) => f.endsWith('.sg')).sort();
    const bigRel = `${top}/${topFiles[topFiles.length - 1]}`;
    let files = 0;
    let lines = 0;
    for (const l of layers) {
        for (const f of fs.readdirSync(path.join(ws.dir, l))) {
            files++;
            lines += fs.readFileSync(path.join(ws.dir, l, f), 'utf8').split('\n').length - 1;
        }
    }
    return { ws, how, bottomRel, bigRel, layers, files: files + 1, lines };
}

/** Appends public functions to `text` (a generated module) until it has `target` lines. */
function growModule(text, target) {
    const newFn = /^pub fn (new_\w+)\(id: Int, name: String\) -> (\w+)/m.exec(text);
    const classify = /^pub fn (classify_\w+)\(/m.exec(text);
    const describe = /^pub fn (describe_\w+)\(/m.exec(text);
    if (!newFn || !classify || !describe) throw new Error('the top-layer module does not look like a bench/gen.py module');
    let out = text.endsWith('\n') ? text : `${text}\n`;
    for (let i = 0; out.split('\n').length - 1 < target; i++) {
        out += `
/// Generated by bench/lsp/bench.mjs (function ${i}).
pub fn bench_fn_${i}(x: Int) -> String {
    let k = ${i + 1}
    let r = ${newFn[1]}(x + k, "bench${i}")
    let d = ${describe[1]}(${classify[1]}(r))
    if x > k {
        d + int_to_string(x * k)
    } else {
        d
    }
}
`;
    }
    return out;
}

/**
 * A function of the bottom module used by exactly `n` other modules, spread
 * over the layers: `pub fn bench_probe` is added to it, and each user gets
 * an import of it and a function calling it (the generated workspace has no
 * function with a given number of users). Returns the place of its name.
 */
function addProbe(ws, layers, bottomRel, n) {
    const bottomMod = bottomRel.replace(/\.sg$/, '').replace('/', '.');
    ws.write(bottomRel, `${ws.read(bottomRel)}\n/// Added by bench/lsp/bench.mjs: ${n} modules use it.\npub fn bench_probe(x: Int) -> Int {\n    x + 1\n}\n`);
    /* modules that do not import it already (twice is E107) */
    const imports = new RegExp(`^import ${bottomMod.replace('.', '\\.')}\\b`, 'm');
    const all = [];
    for (const l of layers)
        for (const f of fs.readdirSync(path.join(ws.dir, l)).sort())
            if (`${l}/${f}` !== bottomRel && !imports.test(ws.read(`${l}/${f}`))) all.push(`${l}/${f}`);
    const users = [];
    for (let i = 0; i < n && i < all.length; i++) users.push(all[Math.floor((i * all.length) / n)]);
    for (const rel of users)
        ws.write(rel, `import ${bottomMod} as bench_probe_mod\n${ws.read(rel)}\npub fn bench_probe_use() -> Int {\n    bench_probe_mod.bench_probe(1)\n}\n`);
    const text = ws.read(bottomRel);
    return { name: 'bench_probe', users: users.length, rel: bottomRel, position: positionOf(text, text.indexOf('pub fn bench_probe(') + 'pub fn '.length + 1) };
}

// ------------------------------------------------------------------ a timed session

let current = null;  // the session running now (to tell a crash from other failures)

class Session {
    constructor(ws) {
        current = this;
        this.stopping = false;
        this.ws = ws;
        this.t0 = performance.now();
        this.server = new Server(ws);
        this.log = [];  // {t, uri, version, n}
        new rpc.StreamMessageReader(this.server.proc.stdout).listen((m) => {
            if (m.method === 'textDocument/publishDiagnostics')
                this.log.push({ t: performance.now(), uri: m.params.uri, version: m.params.version, n: m.params.diagnostics.length, diags: m.params.diagnostics });
        });
        this.versions = {};
        this.texts = {};
    }
    get pid() { return this.server.proc.pid; }
    alive() {
        if (this.server.state.exit) throw new Crash(`the server exited: ${JSON.stringify(this.server.state.exit)}\n${this.server.state.stderr.slice(-3000)}`);
    }
    mark() { return this.log.length; }
    /** Waits for the first publish after `since` matching `pred`; returns it. */
    async waitPublish(pred, what, since = 0) {
        const deadline = performance.now() + opt.timeoutMs;
        for (;;) {
            for (let i = since; i < this.log.length; i++) if (pred(this.log[i])) return this.log[i];
            this.alive();
            if (performance.now() > deadline) throw new Timeout(`timed out after ${opt.timeoutMs} ms waiting for ${what}${this.server.detail()}`);
            await sleep(2);
        }
    }
    /** Waits until no publish arrived for `quietMs`. */
    async quiet(quietMs = 500) {
        const deadline = performance.now() + opt.timeoutMs;
        for (;;) {
            const n = this.log.length;
            await sleep(quietMs);
            this.alive();
            if (this.log.length === n) return;
            if (performance.now() > deadline) throw new Timeout('timed out waiting for the server to go quiet');
        }
    }
    async open(rel) {
        const text = this.ws.read(rel);
        this.texts[rel] = text;
        this.versions[rel] = 1;
        await this.server.open(rel, text, 1);
    }
    /** Sends one incremental change replacing [a, b) by s; returns the send time and version. */
    async change(rel, a, b, s) {
        const text = this.texts[rel];
        const change = { range: { start: positionOf(text, a), end: positionOf(text, b) }, text: s };
        this.texts[rel] = text.slice(0, a) + s + text.slice(b);
        const version = ++this.versions[rel];
        const t = performance.now();
        await this.server.change(rel, version, [change]);
        return { t, version };
    }
    /** Waits (at most `maxMs`) for a "checked" log line after stderr offset `from`; the log is another pipe. */
    async logged(from, maxMs = 300) {
        const deadline = performance.now() + maxMs;
        while (!this.checksSince(from).length && performance.now() < deadline) await sleep(1);
        return this.checksSince(from);
    }
    /** Server-side check times logged since stderr offset `from`. */
    checksSince(from) {
        // whole runs ("checked N modules (K from cache) in T ms") and the fast path ("re-checked N modules, K open, in T ms")
        return [...this.server.state.stderr.slice(from).matchAll(/(re-)?checked (\d+) modules(?:, \d+ open,| \((\d+) from cache\))? in ([\d.]+) ms/g)]
            .map((m) => (m[1] ? { modules: Number(m[2]), cached: 0, ms: Number(m[4]), fast: true }
                : { modules: Number(m[2]), cached: Number(m[3]), ms: Number(m[4]) }));
    }
    async stop() {
        this.stopping = true;
        try {
            await this.server.shutdownAndExit();
        } finally {
            await this.server.dispose();
        }
    }
}

/** Spawn -> initialize -> open `rel` right after initialized -> first publish of `rel`. */
async function startup(ws, rel) {
    const s = new Session(ws);
    const tInitSent = performance.now();
    await Promise.race([
        s.server.initialize(clientCapabilities()),
        s.server.state.exited.then((x) => { throw new Crash(`the server exited before initialize was answered: ${JSON.stringify(x)}\n${s.server.state.stderr.slice(-3000)}`); }),
    ]);
    const tInit = performance.now();
    await s.open(rel);
    const first = await s.waitPublish((p) => p.uri === ws.uri(rel), `the first publish of ${rel}`);
    await s.quiet(500);
    const st = procStatus(s.pid);
    return {
        s,
        init: tInit - tInitSent,
        first: first.t - s.t0,
        firstDiags: first.n,
        rss: st.rss,
        hwm: st.hwm,
        checks: s.checksSince(0),
    };
}

const fmtChecks = (cs) => cs.map((c) => (c.fast ? `fast path: ${c.modules} module(s) in ${c.ms.toFixed(1)} ms`
    : `${c.modules - c.cached}/${c.modules} re-checked in ${c.ms.toFixed(0)} ms`)).join('; ');

// ------------------------------------------------------------------ main

async function main() {
    const tStart = performance.now();
    const mallocEnv = Object.keys(process.env).filter((k) => k.startsWith('MALLOC_')).map((k) => `${k}=${process.env[k]}`).join(' ');
    console.log(`sigil --lsp latency benchmark (${ORIGINAL}), ${os.cpus().length} CPUs${mallocEnv ? `, ${mallocEnv}` : ''}`);
    const w = prepareWorkspace();
    const { ws, bottomRel, bigRel } = w;
    console.log(`workspace: ${opt.modules} modules, ${w.files} files, ${w.lines} lines (${w.how}) in ${ws.dir}`);

    // the ~1000-line module: the last module of the top layer, grown in place
    const big = growModule(ws.read(bigRel), 1000);
    ws.write(bigRel, big);
    const bigLines = big.split('\n').length - 1;

    // dependents of the bottom module, spread over the layers
    const bottomMod = bottomRel.replace(/\.sg$/, '').replace('/', '.');
    const ctor = /^pub fn (new_\w+)\(/m.exec(ws.read(bottomRel))[1];
    const importers = [];
    for (const l of w.layers) {
        for (const f of fs.readdirSync(path.join(ws.dir, l)).sort()) {
            const rel = `${l}/${f}`;
            if (rel === bigRel) continue;
            const t = fs.readFileSync(path.join(ws.dir, rel), 'utf8');
            if (new RegExp(`^import ${bottomMod.replace('.', '\\.')}\\b`, 'm').test(t) && t.includes(`${ctor}(`)) importers.push(rel);
        }
    }
    const ndep = Math.min(opt.dependents, importers.length);
    const dependents = [];
    for (let i = 0; i < ndep; i++) dependents.push(importers[Math.floor((i * importers.length) / ndep)]);

    const rows = [];
    let code = 0;
    let s = null;
    try {
        // ---- start-up, cold then warm
        const cold = await startup(ws, bottomRel);
        if (cold.firstDiags) throw new Error(`${bottomRel} has ${cold.firstDiags} diagnostics; the workspace is not clean`);
        await cold.s.stop();
        const cacheFiles = fs.existsSync(path.join(ws.dir, '.sigil-cache')) ? 'cache written' : 'NO CACHE DIR';
        const warm = await startup(ws, bottomRel);
        s = warm.s;
        // The start-up check starts on `initialized`; the didOpen right after
        // makes it stale, so its result is dropped (not logged) and the
        // publish comes from a second check that reads what the first cached.
        const dropped = cold.checks.length && cold.checks[0].cached > 0 ? ' (after the start-up check, dropped as stale by the didOpen)' : '';
        rows.push(['start-up, cold (spawn -> first publish)', ms(cold.first), `initialize ${ms(cold.init)}; ${fmtChecks(cold.checks)}${dropped}; ${cacheFiles}`]);
        rows.push(['start-up, warm (spawn -> first publish)', ms(warm.first), `initialize ${ms(warm.init)}; ${fmtChecks(warm.checks)}`]);
        rows.push(['RSS after start-up, cold', mib(cold.rss), `peak ${mib(cold.hwm)}`]);
        rows.push(['RSS after start-up, warm', mib(warm.rss), `peak ${mib(warm.hwm)}`]);
        printRows(rows.slice(-4));

        // ---- body edits in the 1000-line module
        await s.open(bigRel);
        const bigFirst = await s.waitPublish((p) => p.uri === ws.uri(bigRel), `the first publish of ${bigRel}`);
        if (bigFirst.n) throw new Error(`the grown module ${bigRel} has diagnostics: ${JSON.stringify(bigFirst.diags.slice(0, 3))}`);
        await s.quiet(300);
        const lat = [];
        const serverMs = [];
        for (let i = 0; i < opt.edits; i++) {
            const text = s.texts[bigRel];
            const lits = [...text.matchAll(/^ {4}let k = (\d+)$/gm)];
            const m = lits[Math.floor(rnd() * lits.length)];
            const a = m.index + m[0].length - m[1].length;
            let v = String(Math.floor(rnd() * 100000));
            if (v === m[1]) v += '1';
            const since = s.mark();
            const errFrom = s.server.state.stderr.length;
            const { t, version } = await s.change(bigRel, a, a + m[1].length, v);
            const p = await s.waitPublish((q) => q.uri === ws.uri(bigRel) && q.version === version, `${bigRel} version ${version}`, since);
            if (p.n) throw new Error(`a body edit produced diagnostics in ${bigRel}: ${JSON.stringify(p.diags.slice(0, 3))}`);
            lat.push(p.t - t);
            for (const c of await s.logged(errFrom)) serverMs.push(c.ms);
        }
        lat.sort((x, y) => x - y);
        serverMs.sort((x, y) => x - y);
        rows.push([`body edit, ${bigLines}-line module (n=${lat.length})`,
            `p50 ${ms(quantile(lat, 0.5))}`,
            `p99 ${ms(quantile(lat, 0.99))}, max ${ms(lat[lat.length - 1])}; server check p50 ${ms(quantile(serverMs, 0.5))}, p99 ${ms(quantile(serverMs, 0.99))}`]);
        printRows(rows.slice(-1));

        // ---- a typing burst: one edit every --typing-gap-ms for --typing-ms,
        // without waiting for diagnostics in between
        if (opt.typingMs > 0) {
            await s.quiet(300);
            const since = s.mark();
            const t0 = performance.now();
            let n = 0;
            let version = 0;
            let tEnd = t0;     // the last edit
            for (;;) {
                const text = s.texts[bigRel];
                const m = /^ {4}let k = (\d+)$/m.exec(text);
                const a = m.index + m[0].length - m[1].length;
                ({ version, t: tEnd } = await s.change(bigRel, a, a + m[1].length, String((Number(m[1]) + 1) % 100000)));
                n++;
                if (tEnd + opt.typingGapMs - t0 >= opt.typingMs) break;
                await sleep(Math.max(0, tEnd + opt.typingGapMs - performance.now()));
                s.alive();
            }
            const during = s.log.slice(since).filter((p) => p.uri === ws.uri(bigRel) && p.t <= tEnd).length;
            const last = await s.waitPublish((p) => p.uri === ws.uri(bigRel) && p.version === version, `${bigRel} version ${version}`, since);
            rows.push([`typing: an edit every ${opt.typingGapMs} ms for ${(opt.typingMs / 1000).toFixed(0)} s (n=${n})`,
                `${during} publishes`, `of the edited file before its last edit; the last version published ${ms(last.t - tEnd)} after the last edit`]);
            printRows(rows.slice(-1));
        }

        // ---- signature edits in the bottom module, with dependents open
        for (const d of dependents) await s.open(d);
        for (const d of dependents) await s.waitPublish((p) => p.uri === ws.uri(d), `the first publish of ${d}`);
        await s.quiet(500);
        const sig = { add: [], breaking: [], revert: [] };
        const rssTrail = [mib(procStatus(s.pid).rss).replace(' MiB', '')];
        const detail = { add: [], breaking: [], revert: [] };
        async function signatureEdit(kind, a, b, text) {
            await s.quiet(200);
            const since = s.mark();
            const errFrom = s.server.state.stderr.length;
            const { t, version } = await s.change(bottomRel, a, b, text);
            const own = await s.waitPublish((p) => p.uri === ws.uri(bottomRel) && p.version === version, `${bottomRel} version ${version}`, since);
            let last = own.t;
            let first = Infinity;
            let withDiags = 0;
            // a new pub fn changes no name a dependent used: they are current
            // as they are, and are not re-checked or published again
            for (const d of kind === 'add' ? [] : dependents) {
                const p = await s.waitPublish((q) => q.uri === ws.uri(d), `a publish of ${d} after the ${kind} edit`, since);
                last = Math.max(last, p.t);
                first = Math.min(first, p.t);
                if (p.n) withDiags++;
            }
            sig[kind].push(last - t);
            const cs = await s.logged(errFrom);
            await s.quiet(200);
            const batch = s.log.slice(since);
            if (kind === 'add' && batch.some((p) => dependents.some((d) => p.uri === ws.uri(d))))
                throw new Error('a dependent was published again after a new pub fn');
            detail[kind].push({ own: own.t - t, first: first - t, ownDiags: own.n, withDiags, checks: cs, publishes: batch.length,
                files: batch.filter((p) => p.n).length });
            rssTrail.push(mib(procStatus(s.pid).rss).replace(' MiB', ''));
        }
        for (let r = 0; r < opt.sigRuns; r++) {
            // a new pub fn: the export hash changes, importers stay clean
            const text = s.texts[bottomRel];
            await signatureEdit('add', text.length, text.length,
                `\n/// Added by bench/lsp/bench.mjs (run ${r}).\npub fn bench_extra_${r}(x: Int) -> Int {\n    x * ${r + 2} + 1\n}\n`);
            // a breaking change: new_sensor0 gets a parameter (every caller is now wrong) ...
            const t2 = s.texts[bottomRel];
            const m = /^pub fn new_\w+\(id: Int, name: String/m.exec(t2);
            if (!m) throw new Error(`no new_...(id: Int, name: String) in ${bottomRel}`);
            const at = m.index + m[0].length;
            await signatureEdit('breaking', at, at, ', extra: Int');
            // ... and back
            await signatureEdit('revert', at, at + ', extra: Int'.length, '');
        }
        const names = {
            add: 'signature edit (new pub fn)',
            breaking: 'signature edit (breaking: +1 parameter)',
            revert: 'signature edit (revert the break)',
        };
        for (const k of Object.keys(sig)) {
            const xs = [...sig[k]].sort((x, y) => x - y);
            const d = detail[k][detail[k].length - 1];
            const cs = d.checks.map((c) => `${c.modules - c.cached} re-checked in ${c.ms.toFixed(0)} ms`).join(', ');
            rows.push([`${names[k]} (n=${xs.length})`, `median ${ms(quantile(xs, 0.5))}`,
                `max ${ms(xs[xs.length - 1])}; own file ${ms(d.own)}, first dependent ${ms(d.first)}; ${d.withDiags}/${dependents.length} dependents with diagnostics; ` +
                `${d.publishes} publishes (${d.files} non-empty); server: ${cs || 'n/a'}`]);
        }
        rows.push(['RSS before/after each signature edit', `${rssTrail[rssTrail.length - 1]} MiB`, `MiB: ${rssTrail.join(' ')}`]);
        printRows(rows.slice(-4));
        const st = procStatus(s.pid);
        rows.push(['RSS at the end', mib(st.rss), `peak ${mib(st.hwm)}`]);
        await s.stop();
        s = null;

        // ---- references, rename and workspace/symbol from the index, in a
        // server of their own (its peak RSS is theirs and its warm start's):
        // a function of the bottom module used by --users modules, written
        // to disk and checked by the CLI first, so the server starts warm
        if (opt.queries > 0) {
            const f = addProbe(ws, w.layers, bottomRel, opt.users);
            const prep = spawnSync(process.env.SIGIL, ['--check', ws.dir], { encoding: 'utf8' });
            if (prep.status !== 0) throw new Error(`the workspace with the probe does not check clean: ${prep.stdout.slice(0, 2000)}`);
            const q = await startup(ws, f.rel);
            s = q.s;
            await s.quiet(500);
            const at = { textDocument: { uri: ws.uri(f.rel) }, position: f.position };
            let peak = 0;
            const request = (type, p) => s.server.request(type, p);
            const after = () => { peak = Math.max(peak, procStatus(s.pid).rss || 0); };
            const q1 = await indexQueries({ request, after, at, n: opt.queries, proto });
            // the most used function of the workspace, for scale
            const text = ws.read(f.rel);
            const big = await indexQueries({ request, after, proto, n: Math.min(opt.queries, 20),
                at: { ...at, position: positionOf(text, text.indexOf(`pub fn ${ctor}(`) + 'pub fn '.length + 1) } });
            const st = procStatus(s.pid);
            const logged = /indexed (\d+) modules \((\d+) symbols\) in ([\d.]+) ms/.exec(s.server.state.stderr);
            rows.push(...queryRows(q1, f.name, f.users,
                logged ? ` (after start-up); index: ${logged[1]} modules, ${logged[2]} symbols, built in ${logged[3]} ms` : ''));
            rows.push(queryRows(big, ctor, `${big.files - 1}`)[0]);
            rows.push(['RSS of that server', `${mib(st.hwm)} peak`, `after its warm start ${mib(q.rss)}; during the queries at most ${mib(peak)}; now ${mib(st.rss)}`]);
            printRows(rows.slice(-5));
            await s.stop();
            s = null;
        }
    } catch (e0) {
        let e = e0;
        if (!(e instanceof Crash) && current && current.server.state.exit && !current.stopping)
            e = new Crash(`the server exited (${JSON.stringify(current.server.state.exit)}) during: ${e.message}\n${current.server.state.stderr.slice(-3000)}`);
        console.error(`bench: ${e instanceof Timeout ? 'TIMEOUT' : e instanceof Crash ? 'SERVER CRASHED' : 'FAILED'}: ${e.stack || e}`);
        code = e instanceof Crash ? 3 : e instanceof Timeout ? 4 : 1;
    } finally {
        if (s) await s.server.dispose();
        if (opt.keep) console.log(`workspace kept in ${ws.dir}`);
        else ws.cleanup();
        fs.rmSync(snap, { recursive: true, force: true });
    }

    console.log('');
    console.log(`sigil --lsp, ${opt.modules} modules (${w.lines} lines), ${os.cpus().length} CPUs; edited module ${bigRel} (${bigLines} lines); ` +
        `signature edits in ${bottomRel} with ${dependents.length} dependents open (${dependents.join(', ')})`);
    printRows(rows, true);
    console.log(`total ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
    // exit now: a failed wait may leave the harness's timers pending
    process.exit(code);
}

function printRows(rows, header = false) {
    const w0 = Math.max(42, ...rows.map((r) => r[0].length));
    const w1 = Math.max(12, ...rows.map((r) => r[1].length));
    if (header) {
        console.log(`${'measurement'.padEnd(w0)}  ${'result'.padEnd(w1)}  details`);
        console.log(`${'-'.repeat(w0)}  ${'-'.repeat(w1)}  -------`);
    }
    for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
}

main();
