#!/usr/bin/env node
// bench/lsp/tsgo.mjs - TypeScript 7's language server (`tsc --lsp --stdio`)
// on the TypeScript version of the benchmark workspace (bench/gen_ts.py),
// measured as bench/lsp/bench.mjs measures `sigil --lsp`: start-up to the
// first diagnostics of the bottom module, edit -> diagnostics, references
// and rename of a function used by --users modules, workspace/symbol with
// 3-letter queries, the server's RSS. For the comparison table of
// bench/lsp/README.md; a benchmark, not a test.
//
//   node bench/lsp/tsgo.mjs --tsc PATH/node_modules/.bin/tsc [--modules 10000]
//                           [--users 250] [--queries 100] [--edits 50] [--keep]
//
// TypeScript is not a dependency of the project: install it anywhere
// outside the repository (npm install typescript@7) and give its tsc.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const { rpc, proto } = await import('../../tests/lsp/harness.mjs');
const { indexQueries, queryRows, percentiles } = await import('./queries.mjs');

const opt = { tsc: null, modules: 10000, users: 250, queries: 100, edits: 50, keep: false, timeoutMs: 600000 };
for (let i = 2; i < process.argv.length; i++) {
    const a = process.argv[i];
    if (a === '--tsc') opt.tsc = process.argv[++i];
    else if (a === '--keep') opt.keep = true;
    else if (['--modules', '--users', '--queries', '--edits', '--timeout-ms'].includes(a))
        opt[a.slice(2).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = Number(process.argv[++i]);
    else {
        console.error(`usage: node bench/lsp/tsgo.mjs --tsc PATH [--modules N] [--users N] [--queries N] [--edits N] [--keep]`);
        process.exit(2);
    }
}
if (!opt.tsc || !fs.existsSync(opt.tsc)) {
    console.error('bench: --tsc must name TypeScript 7\'s tsc (npm install typescript@7 outside the repository)');
    process.exit(2);
}

const ms = (x) => `${x.toFixed(1)} ms`;
const mib = (kb) => `${(kb / 1024).toFixed(1)} MiB`;
function positionOf(text, off) {
    const before = text.slice(0, off);
    const line = before.split('\n').length - 1;
    return { line, character: off - (before.lastIndexOf('\n') + 1) };
}
/** VmRSS and VmHWM (kB) of a process and its descendants. */
function treeMemory(pid) {
    let rss = 0, hwm = 0;
    const visit = (p) => {
        try {
            const s = fs.readFileSync(`/proc/${p}/status`, 'utf8');
            rss += Number((/VmRSS:\s+(\d+)/.exec(s) || [0, 0])[1]);
            hwm += Number((/VmHWM:\s+(\d+)/.exec(s) || [0, 0])[1]);
            for (const t of fs.readdirSync(`/proc/${p}/task`))
                for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean)) visit(c);
        } catch { /* gone */ }
    };
    visit(pid);
    return { rss, hwm };
}

// ---- the workspace: bench/gen_ts.py, and the same probe as bench.mjs adds
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-tsgo-bench-'));
const gen = spawnSync('python3', [path.join(repo, 'bench', 'gen_ts.py'), '--modules', String(opt.modules), '--out', dir, '--force'],
    { encoding: 'utf8' });
if (gen.status !== 0) throw new Error(`gen_ts.py: ${gen.stderr}`);
const layers = fs.readdirSync(dir).filter((d) => /^l\d+$/.test(d)).sort();
const bottomRel = `${layers[0]}/${fs.readdirSync(path.join(dir, layers[0])).filter((f) => /^m0+\.ts$/.test(f))[0]}`;
const read = (rel) => fs.readFileSync(path.join(dir, rel), 'utf8');
const uri = (rel) => pathToFileURL(path.join(dir, rel)).href;
fs.writeFileSync(path.join(dir, bottomRel), `${read(bottomRel)}\n/** Added by bench/lsp/tsgo.mjs. */\nexport function bench_probe(x: number): number {\n    return x + 1;\n}\n`);
const bottomPath = `../${bottomRel.replace(/\.ts$/, '')}`;
const all = [];
for (const l of layers)
    for (const f of fs.readdirSync(path.join(dir, l)).sort())
        if (`${l}/${f}` !== bottomRel && !read(`${l}/${f}`).includes(`from "${bottomPath}"`)) all.push(`${l}/${f}`);
for (let i = 0; i < opt.users; i++) {
    const rel = all[Math.floor((i * all.length) / opt.users)];
    fs.writeFileSync(path.join(dir, rel), `import * as bench_probe_mod from "${bottomPath}";\n${read(rel)}\nexport function bench_probe_use(): number {\n    return bench_probe_mod.bench_probe(1);\n}\n`);
}
const lines = layers.reduce((n, l) => n + fs.readdirSync(path.join(dir, l)).reduce((k, f) => k + read(`${l}/${f}`).split('\n').length - 1, 0), 0);

// ---- the server
const t0 = performance.now();
const proc = spawn(opt.tsc, ['--lsp', '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
proc.stderr.resume();
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
const published = [];
conn.onNotification(proto.PublishDiagnosticsNotification.type, (p) => published.push({ t: performance.now(), ...p }));
conn.onRequest(() => null);
conn.onNotification(() => {});
conn.listen();
const timed = async (type, params) => {
    const s = performance.now();
    const r = await conn.sendRequest(type, params);
    return { r, dt: performance.now() - s };
};
await conn.sendRequest(proto.InitializeRequest.type, {
    processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'ws' }],
    capabilities: {
        textDocument: { diagnostic: { dynamicRegistration: false }, publishDiagnostics: { versionSupport: true },
            rename: { prepareSupport: true } },
        workspace: { workspaceFolders: true, symbol: {} },
    },
});
await conn.sendNotification(proto.InitializedNotification.type, {});
const bottom = read(bottomRel);
await conn.sendNotification(proto.DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(bottomRel), languageId: 'typescript', version: 1, text: bottom } });
const diag = await timed(proto.DocumentDiagnosticRequest.type, { textDocument: { uri: uri(bottomRel) } });
const startup = performance.now() - t0;
const afterStart = treeMemory(proc.pid);
const rows = [];
rows.push(['start-up (spawn -> diagnostics of the bottom module)', ms(startup), `${(diag.r.items || []).length} diagnostics; RSS ${mib(afterStart.rss)}, peak ${mib(afterStart.hwm)}`]);

// edit -> diagnostics (pulled after each change) in the bottom module's body
const edit = [];
let text = bottom, version = 1;
for (let i = 0; i < opt.edits; i++) {
    const m = /weight: to_float\(id\) \* /.exec(text);
    const at = m.index;
    const change = { range: { start: positionOf(text, at), end: positionOf(text, at) }, text: ' ' };
    text = text.slice(0, at) + ' ' + text.slice(at);
    const s = performance.now();
    await conn.sendNotification(proto.DidChangeTextDocumentNotification.type, { textDocument: { uri: uri(bottomRel), version: ++version }, contentChanges: [change] });
    await conn.sendRequest(proto.DocumentDiagnosticRequest.type, { textDocument: { uri: uri(bottomRel) } });
    edit.push(performance.now() - s);
}
const e = percentiles(edit);
rows.push([`edit -> diagnostics, bottom module (n=${edit.length})`, `p50 ${ms(e.p50)}`, `p99 ${ms(e.p99)}, max ${ms(e.max)}`]);

const at = { textDocument: { uri: uri(bottomRel) }, position: positionOf(text, text.indexOf('export function bench_probe(') + 'export function '.length + 1) };
let peak = 0;
const q = await indexQueries({ request: (type, p) => conn.sendRequest(type, p), after: () => { peak = Math.max(peak, treeMemory(proc.pid).rss); },
    at, n: opt.queries, proto });
const end = treeMemory(proc.pid);
rows.push(...queryRows(q, 'bench_probe', opt.users));
rows.push(['RSS of the server', `${mib(end.hwm)} peak`, `after start-up ${mib(afterStart.rss)}; during the queries at most ${mib(peak)}; now ${mib(end.rss)}`]);

try { await conn.sendRequest(proto.ShutdownRequest.type); await conn.sendNotification(proto.ExitNotification.type); } catch { /* gone */ }
setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
console.log(`${opt.tsc} --lsp --stdio (${spawnSync(opt.tsc, ['--version'], { encoding: 'utf8' }).stdout.trim()}), ${opt.modules} modules (${lines} lines of TypeScript, bench/gen_ts.py), ${os.cpus().length} CPUs`);
const w0 = Math.max(...rows.map((r) => r[0].length)), w1 = Math.max(...rows.map((r) => r[1].length));
for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
if (!opt.keep) fs.rmSync(dir, { recursive: true, force: true });
else console.log(`workspace kept in ${dir}`);
process.exit(0);
