// common.mjs - what both drivers share: the seeded random source, the
// binary under test (snapshotted), command-line options, and the findings
// file a divergence is appended to.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');

/** mulberry32: small, fast, and the same sequence in every Node version. */
export class Rng {
    constructor(seed) { this.a = seed >>> 0; }
    next() {
        this.a = (this.a + 0x6d2b79f5) >>> 0;
        let t = this.a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    int(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }
    chance(p) { return this.next() < p; }
    pick(xs) { return xs.length ? xs[Math.floor(this.next() * xs.length)] : undefined; }
    /** `weighted` is [[weight, value], ...]. */
    weighted(weighted) {
        const total = weighted.reduce((s, [w]) => s + w, 0);
        let r = this.next() * total;
        for (const [w, v] of weighted) {
            if (r < w) return v;
            r -= w;
        }
        return weighted[weighted.length - 1][1];
    }
    shuffle(xs) {
        const a = xs.slice();
        for (let i = a.length - 1; i > 0; i--) {
            const j = Math.floor(this.next() * (i + 1));
            [a[i], a[j]] = [a[j], a[i]];
        }
        return a;
    }
    /** A child seed, so that one session's draws do not shift another's. */
    fork() { return Math.floor(this.next() * 4294967296) >>> 0; }
}

/** Parses `--name value` / `--flag` options against `spec` ({name: default}); numbers stay numbers. */
export function parseArgs(argv, spec) {
    const out = { ...spec };
    for (let i = 0; i < argv.length; i++) {
        const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
        if (!m || !(m[1] in spec)) throw new Error(`unknown argument ${argv[i]} (options: ${Object.keys(spec).map((k) => '--' + k).join(' ')})`);
        const def = spec[m[1]];
        let v = m[2];
        if (typeof def === 'boolean' && v === undefined) v = true;
        else if (v === undefined) v = argv[++i];
        out[m[1]] = typeof def === 'number' ? Number(v) : typeof def === 'boolean' ? v === true || v === 'true' || v === '1' : v;
    }
    return out;
}

/**
 * The options both drivers take, with `own` (a driver's own options and
 * defaults) added: the binary, the seed, a time budget, one session to
 * replay, the edit kinds and workspaces to use, the findings file.
 * `only` comes back as a list (or null).
 */
export function runOptions(own) {
    const opts = parseArgs(process.argv.slice(2), {
        sigil: path.join(ROOT, 'build', 'sigil'),
        seed: 1,
        time: 0,                // seconds; 0: no budget
        session: -1,            // replay one session
        only: '',               // edit kinds, comma-separated
        workspace: '',          // starting workspaces whose name contains this
        findings: '',           // a file to append minimized reproductions to
        verbose: false,
        keep: false,            // keep temporary directories
        ...own,
    });
    return { ...opts, only: opts.only ? opts.only.split(',') : null };
}

/**
 * Copies the binary (with its standard library beside it) to a temporary
 * directory, so that a rebuild of build/sigil during a long run cannot mix
 * two builds in one comparison. Returns {bin, cleanup}.
 */
export function snapshotBinary(bin) {
    if (!fs.existsSync(bin)) throw new Error(`no sigil binary at ${bin} (run make, or pass --sigil)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-diff-bin-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(bin, path.join(dir, 'bin', 'sigil'));
    fs.chmodSync(path.join(dir, 'bin', 'sigil'), 0o755);
    if (!process.env.SIGIL_STD) {
        const std = ['../share/sigil/std', '../std', '../../std'].map((r) => path.resolve(path.dirname(bin), r))
            .find((d) => fs.existsSync(path.join(d, 'prelude.sg')));
        if (std) fs.cpSync(std, path.join(dir, 'std'), { recursive: true });
    }
    return { bin: path.join(dir, 'bin', 'sigil'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The environment every sigil child gets: no inherited cache or remote-cache settings. */
function cleanEnv() {
    const env = { ...process.env };
    for (const k of ['SIGIL_CACHE_DIR', 'SIGIL_REMOTE_CACHE', 'SIGIL_REMOTE_CACHE_WRITE', 'SIGIL_TIMING']) delete env[k];
    return env;
}

/** `sigil --check --format json [--no-cache] [-j N] dir`: {status, json, stderr, error}. */
export function checkJson(sigil, dir, { noCache = false, jobs = 0, timeout = 60000 } = {}) {
    const args = ['--check', '--format', 'json', ...(noCache ? ['--no-cache'] : []), ...(jobs ? ['-j', String(jobs)] : []), dir];
    const r = spawnSync(sigil, args, { encoding: 'utf8', env: cleanEnv(), timeout, maxBuffer: 64 << 20 });
    const out = { status: r.status, signal: r.signal, stderr: r.stderr || '', json: null, error: null };
    if (r.error) out.error = r.error.message;
    else if (r.status !== 0 && r.status !== 1) out.error = `exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`;
    else {
        try {
            out.json = JSON.parse(r.stdout);
        } catch (e) {
            out.error = `output is not JSON: ${e.message}`;
        }
    }
    return out;
}

/** Appends a finding (a minimized reproduction) to the file the lead reads while we work. */
export function recordFinding(file, text) {
    if (!file) return;
    try {
        fs.appendFileSync(file, `\n${text.trimEnd()}\n`);
    } catch (e) {
        console.log(`# cannot append to ${file}: ${e.message}`);
    }
}

/** Ends the process's output with the suite summary line. */
export function summary(passed, failed) {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
}
