// cli.mjs - the adversarial differential test of the command line and the
// on-disk cache.
//
//   node tests/diff/cli.mjs [--sigil build/sigil] [--seed N] [--steps N] [--time S]
//
// Sessions, one after another until --steps steps or --time seconds are
// spent: each starts from a workspace (a conformance case, a hand-written
// one from seeds/, or a generated one), with files aged by an hour, and
// applies targeted edits (edits.mjs). After every step it runs, in the
// workspace with its default cache and 1 to 4 worker threads,
//     sigil --check --format json -j N ROOT
// and on a copy without the cache
//     sigil --check --format json --no-cache COPY
// and requires: the same exit status; the same diagnostics (file, module,
// line, column, end, severity, code, message and related locations, as a
// multiset); the same
// set of modules; and every module whose source changed since the previous
// step in modules.checked, unless that module's exact source was checked
// earlier in the session (an older result may be valid again after a revert,
// LANGUAGE.md section 7). A divergence ends its session: it is minimized
// (ddmin over the steps, the starting files and the lines of every content),
// printed as shell commands, and appended to --findings.
//
// --session K replays only session K of --seed (as printed with a finding);
// --only KIND,KIND restricts the edit kinds; --workspace SUBSTRING the seeds.
// Ends with "N passed, N failed" (steps); exit status 1 on any divergence.
import fs from 'node:fs';
import path from 'node:path';

import { checkJson, recordFinding, runOptions, snapshotBinary, summary } from './common.mjs';
import { Editor } from './edits.mjs';
import { minimizeCase } from './minimize.mjs';
import {
    applyOp, copyWithoutCache, hash, materialize, modulesOf, sessions, shellFiles, shellOp, tempDir,
} from './workspace.mjs';

const opts = runOptions({
    steps: 300,
    'session-steps': 30,
    'minimize-time': 60,    // seconds per finding
    'max-minimize': 3,      // findings minimized per run (others are reported with their seed)
});

// ------------------------------------------------------------------ one comparison

const diagKey = (d) => JSON.stringify([d.file, d.module, d.line, d.column, d.endLine, d.endColumn, d.severity, d.code, d.message,
    (d.related || []).map((r) => [r.file, r.line, r.column, r.endLine, r.endColumn, r.message])]);
const showDiag = (d) => `${d.file}:${d.line}:${d.column}: ${d.code} ${d.message}`;

/** Module name -> a key of its source (module name and the contents of the files forming it). */
function sourceKeys(files) {
    const mods = modulesOf(files);
    if (!mods) return null;
    const out = new Map();
    // (two files forming one module: which one is checked is the engine's choice, so no claim)
    for (const [m, rels] of mods) out.set(m, rels.length === 1 ? `${m}:${hash(files.get(rels[0]))}` : null);
    return out;
}

/**
 * Compares the incremental run with the cold one. `prev` and `seen` are the
 * source keys of the previous check and of every check before (null for the
 * first). Returns a list of problems {tag, text}.
 */
function compare(inc, cold, dirs, keys, prev, seen) {
    const problems = [];
    const add = (tag, text) => problems.push({ tag, text });
    const scrub = (s) => s.split(dirs.cold).join('ROOT').split(dirs.inc).join('ROOT');
    if (inc.error || cold.error) {
        if (inc.error && cold.error && inc.status === cold.status && scrub(inc.stderr) === scrub(cold.stderr)) return problems;
        if (inc.error) add(inc.status === 2 && !inc.signal ? 'status' : 'crash', `incremental run: ${inc.error}\n${inc.stderr.slice(-1500)}`);
        if (cold.error) add('crash-cold', `--no-cache run: ${cold.error}\n${cold.stderr.slice(-1500)}`);
        return problems;
    }
    if (inc.status !== cold.status) add('status', `exit status ${inc.status}, --no-cache ${cold.status}`);
    const count = (ds) => {
        const m = new Map();
        for (const d of ds) m.set(diagKey(d), [...(m.get(diagKey(d)) || []), d]);
        return m;
    };
    const a = count(inc.json.diagnostics);
    const b = count(cold.json.diagnostics);
    for (const [k, ds] of a) {
        const extra = ds.length - (b.get(k) || []).length;
        if (extra > 0) add(`extra:${ds[0].code}`, `only incremental: ${showDiag(ds[0])}${extra > 1 ? ` (x${extra})` : ''}`);
    }
    for (const [k, ds] of b) {
        const missing = ds.length - (a.get(k) || []).length;
        if (missing > 0) add(`missing:${ds[0].code}`, `only --no-cache: ${showDiag(ds[0])}${missing > 1 ? ` (x${missing})` : ''}`);
    }
    const all = (j) => [...j.modules.checked, ...j.modules.reused].sort();
    const ia = all(inc.json);
    const ca = all(cold.json);
    if (JSON.stringify(ia) !== JSON.stringify(ca) || inc.json.modules.total !== cold.json.modules.total) {
        add('modules', `modules: incremental [${ia.join(' ')}] (total ${inc.json.modules.total}), --no-cache [${ca.join(' ')}] (total ${cold.json.modules.total})`);
    }
    if (cold.json.modules.reused.length) add('cold-reused', `--no-cache reused [${cold.json.modules.reused.join(' ')}]`);
    const both = inc.json.modules.checked.filter((m) => inc.json.modules.reused.includes(m));
    if (both.length) add('modules', `both checked and reused: ${both.join(' ')}`);
    if (keys && prev) {
        const checked = new Set(inc.json.modules.checked);
        for (const m of ca) {
            const k = keys.get(m);
            if (!k || prev.get(m) === null || k === prev.get(m) || checked.has(m) || seen.has(k)) continue;
            add('stale-reuse', `module ${m} changed since the previous step (or is new) but was reused`);
        }
    }
    return problems;
}

/**
 * The class of a divergence, for deciding which findings are the same bug
 * (one minimization per class and run) and what a minimized case must keep
 * showing: a stale reuse first (it explains any diagnostic difference), then
 * crashes and exit statuses, then the first diagnostic code that differs
 * (a message that differs shows as `message:CODE`).
 */
function classify(tags) {
    for (const t of ['stale-reuse', 'crash', 'crash-cold', 'status', 'modules', 'cold-reused']) if (tags.has(t)) return t;
    const codes = [...tags].sort();
    for (const t of codes) {
        const code = t.split(':')[1];
        if (t.startsWith('extra:') && tags.has(`missing:${code}`)) return `message:${code}`;
    }
    return codes[0] || 'none';
}

// ------------------------------------------------------------------ running a case

/**
 * Replays {start, events} in a fresh directory: ops applied, an incremental
 * check at each 'check' event (compared with a cold run when `compareAll`,
 * else only at the last). Returns {problems, applied, step} for the first
 * divergent check (or the last check), `applied` the events that took effect.
 */
function replay(sigil, c, { compareAll = false, onStep = null } = {}) {
    const dir = tempDir('cli');
    const coldDir = `${dir}.cold`;
    try {
        const files = c.start.clone();
        materialize(dir, files);
        const applied = [];
        let prev = null;
        const seen = new Set();
        let checks = 0;
        const lastCheck = c.events.map((e) => e.op).lastIndexOf('check');
        for (let i = 0; i < c.events.length; i++) {
            const e = c.events[i];
            if (e.op !== 'check') {
                if (applyOp(dir, files, e)) applied.push(e);
                continue;
            }
            applied.push(e);
            checks++;
            const inc = checkJson(sigil, dir, { jobs: e.jobs });
            if (!compareAll && i !== lastCheck) continue;
            copyWithoutCache(dir, coldDir);
            const cold = checkJson(sigil, coldDir, { noCache: true });
            const keys = sourceKeys(files);
            const problems = compare(inc, cold, { inc: dir, cold: coldDir }, keys, prev, seen);
            if (onStep) onStep(e, inc, cold, problems);
            if (problems.length) return { problems, applied, checks, inc, cold };
            if (prev) for (const k of prev.values()) if (k) seen.add(k);
            prev = keys;
        }
        return { problems: [], applied, checks };
    } finally {
        if (!opts.keep) {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(coldDir, { recursive: true, force: true });
        }
    }
}

function renderRepro(c, original, meta) {
    const out = [];
    out.push(`# sigil differential test (CLI): ${meta.title}`);
    out.push(`# found by: node tests/diff/cli.mjs --seed ${meta.seed} --session ${meta.session}   (workspace ${meta.workspace}, step ${meta.step}, edit kinds: ${meta.kinds})`);
    out.push(`S=${original}`);
    out.push('R=$(mktemp -d)');
    out.push(...shellFiles(c.start));
    const j = (e) => (e.jobs ? ` -j ${e.jobs}` : '');
    for (const e of c.events.slice(0, -1)) out.push(e.op === 'check' ? `"$S" --check --format json${j(e)} "$R" >/dev/null` : shellOp(e));
    out.push(`"$S" --check --format json${j(c.events[c.events.length - 1])} "$R"; echo                 # incremental, default cache`);
    out.push('rm -rf "$R.cold" && cp -r "$R" "$R.cold" && rm -rf "$R.cold/.sigil-cache" && "$S" --check --format json --no-cache "$R.cold"; echo');
    for (const p of meta.problems) out.push(`# ${p.text.split('\n').join('\n#   ')}`);
    return out.join('\n');
}

// ------------------------------------------------------------------ sessions

async function main(sigil) {
    const t0 = Date.now();
    let passed = 0;
    let failed = 0;
    let steps = 0;
    let minimized = 0;
    const signatures = new Set();
    const kindCounts = {};
    const found = [];
    console.log(`# difftest cli: ${opts.sigil}, seed ${opts.seed}, ${opts.steps} steps${opts.time ? `, at most ${opts.time} s` : ''}`);
    for (const { index: session, rng: srng, seed } of sessions(opts, () => steps < opts.steps)) {
        const editor = new Editor(srng, seed, { only: opts.only });
        const files = seed.files.clone();
        editor.observe(files);
        // incremental runs with 1 to 4 worker threads (the default is the number of CPUs)
        const check = () => ({ op: 'check', jobs: srng.int(1, 4) });
        const events = [{ op: 'age', paths: files.paths() }, check()];
        const kinds = [];
        const nsteps = opts.session >= 0 ? opts.steps : Math.min(opts['session-steps'], opts.steps - steps);
        // generate the session's edits against a model, then replay it for real, comparing at every check
        const model = files.clone();
        for (let k = 0; k < nsteps; k++) {
            const n = srng.chance(0.15) ? srng.int(2, 3) : 1;
            const stepKinds = [];
            for (let j = 0; j < n; j++) {
                const edit = editor.next(model);
                stepKinds.push(edit.kind);
                for (const op of edit.ops) {
                    // the model follows the ops that apply (same rules as on disk)
                    if (applyOp(null, model, op)) events.push(op);
                }
                editor.observe(model);
            }
            kinds.push(stepKinds.join('+'));
            events.push(check());
        }
        let stepNo = 0;
        const result = replay(sigil, { start: files, events }, {
            compareAll: true,
            onStep: (e, inc, cold, problems) => {
                const k = stepNo++;
                if (opts.verbose) console.log(`#   session ${session} step ${k}: ${k ? kinds[k - 1] : 'start'}: ${problems.length ? 'DIVERGED' : 'ok'} (checked ${inc.json ? inc.json.modules.checked.length : '?'})`);
                if (!problems.length) {
                    passed++;
                    if (k) for (const kind of kinds[k - 1].split('+')) kindCounts[kind] = (kindCounts[kind] || 0) + 1;
                }
            },
        });
        steps += stepNo - 1 > 0 ? stepNo - 1 : 0;
        if (!result.problems.length) continue;
        failed++;
        const step = result.checks - 1;
        const tags = new Set(result.problems.map((p) => p.tag));
        const sig = [...tags].sort().join(' ');
        const cls = classify(tags);
        const meta = {
            seed: opts.seed, session, workspace: seed.name, step, kinds: step ? kinds[step - 1] : 'start', problems: result.problems,
            title: `${sig} after ${step} steps`,
        };
        console.log(`not ok - session ${session} (${seed.name}), step ${step} (${meta.kinds}): ${sig}`);
        for (const p of result.problems.slice(0, 8)) console.log(`    ${p.text.split('\n').join('\n    ')}`);
        found.push({ sig, session, step, kinds: meta.kinds });
        if (signatures.has(cls) || minimized >= opts['max-minimize']) {
            console.log(`    (not minimized: ${signatures.has(cls) ? `same class (${cls}) as an earlier finding` : 'enough minimized this run'})`);
            continue;
        }
        signatures.add(cls);
        minimized++;
        // the events up to the divergent check
        let cut = 0;
        let seenChecks = 0;
        for (; cut < result.applied.length; cut++) if (result.applied[cut].op === 'check' && ++seenChecks === result.checks) break;
        const failing = { start: files, events: result.applied.slice(0, cut + 1) };
        const fails = (c) => classify(new Set(replay(sigil, c).problems.map((p) => p.tag))) === cls;
        const tm = Date.now();
        const min = await minimizeCase(failing, fails, opts['minimize-time'] * 1000);
        const final = replay(sigil, min.case);
        const shown = { ...min.case, events: final.applied };
        const text = renderRepro(shown, path.resolve(opts.sigil), { ...meta, problems: final.problems.length ? final.problems : result.problems });
        const header = `## ${new Date().toISOString()} difftest cli: ${sig} (seed ${opts.seed}, session ${session}, ${seed.name}; minimized in ${((Date.now() - tm) / 1000).toFixed(1)} s${min.complete ? '' : ', time budget reached'}; ${final.problems.length ? 'reproduces' : 'DID NOT reproduce after minimizing'})`;
        console.log(`    minimized reproduction (${shown.events.length} events):`);
        console.log(text.split('\n').map((l) => `    ${l}`).join('\n'));
        recordFinding(opts.findings, `${header}\n\`\`\`sh\n${text}\n\`\`\``);
    }
    console.log(`# ${steps} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s; steps passed per edit kind: ${Object.entries(kindCounts).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (found.length) console.log(`# divergences: ${found.map((f) => `[${f.sig}] session ${f.session} step ${f.step} (${f.kinds})`).join('; ')}`);
    summary(passed, failed);
}

const snap = snapshotBinary(path.resolve(opts.sigil));
try {
    await main(snap.bin);
} catch (e) {
    console.log(`not ok - the run failed: ${e.stack || e}`);
    summary(0, 1);
} finally {
    snap.cleanup();
}
