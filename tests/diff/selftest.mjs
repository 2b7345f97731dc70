// selftest.mjs - the differential test must be able to fail. It is run
// against a stand-in for sigil that answers like the real one except that an
// incremental run which reused a module drops that module's last diagnostic
// (a wrong cache hit, the kind of bug the test exists for). The CLI driver
// must report the divergence, minimize it, and print a reproduction that
// still shows it; a finding must also land in --findings.
//
//   node tests/diff/selftest.mjs [--sigil build/sigil]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { HERE, ROOT, parseArgs, summary } from './common.mjs';

const opts = parseArgs(process.argv.slice(2), { sigil: path.join(ROOT, 'build', 'sigil') });
const real = path.resolve(opts.sigil);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-diff-self-'));
const fake = path.join(dir, 'sigil');
fs.writeFileSync(fake, `#!/usr/bin/env node
const { spawnSync } = require('node:child_process');
const args = process.argv.slice(2);
const r = spawnSync(${JSON.stringify(real)}, args, { encoding: 'utf8' });
let out = r.stdout;
if (args.includes('--format') && !args.includes('--no-cache') && r.stdout) {
    const j = JSON.parse(r.stdout);
    const reused = new Set(j.modules.reused);
    const i = j.diagnostics.map((d) => reused.has(d.module)).lastIndexOf(true);
    if (i >= 0) j.diagnostics.splice(i, 1);
    out = JSON.stringify(j);
}
process.stdout.write(out || '');
process.stderr.write(r.stderr || '');
process.exit(r.status === null ? 2 : r.status);
`);
fs.chmodSync(fake, 0o755);
const findings = path.join(dir, 'findings.md');

let passed = 0;
let failed = 0;
const check = (ok, what, detail = '') => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok' : 'not ok'} - ${what}${!ok && detail ? `\n    ${detail.split('\n').join('\n    ')}` : ''}`);
};
try {
    const r = spawnSync('node', [path.join(HERE, 'cli.mjs'), '--sigil', fake, '--seed', '7', '--steps', '8', '--workspace', 'seeds/',
        '--max-minimize', '1', '--minimize-time', '10', '--findings', findings], { encoding: 'utf8', timeout: 300000 });
    const out = r.stdout || '';
    check(r.status === 1 && /^\d+ passed, [1-9]\d* failed$/m.test(out), 'the driver fails against a sigil that drops a reused module\'s diagnostic',
        `status ${r.status}\n${out.slice(-2000)}${r.stderr || ''}`);
    check(/only --no-cache: /.test(out), 'the divergence is reported as a diagnostic only the cold run has', out.slice(-2000));
    const repro = /minimized reproduction[^\n]*\n([\s\S]*?)(?=\n# |\nnot ok|\n\d+ passed)/.exec(out);
    check(!!repro && /"\$S" --check --format json --no-cache "\$R\.cold"; echo/.test(repro[1]), 'a minimized reproduction is printed as shell commands', out.slice(-2000));
    check(fs.existsSync(findings) && /difftest cli: .*reproduces\)/.test(fs.readFileSync(findings, 'utf8')),
        'the finding is appended to --findings and still reproduces after minimizing', fs.existsSync(findings) ? fs.readFileSync(findings, 'utf8').slice(0, 2000) : 'no file');
    if (repro) {
        // the printed commands, run by a shell against the stand-in, show the divergence
        const script = repro[1].split('\n').map((l) => l.replace(/^ {4}/, '')).join('\n');
        const sh = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60000 });
        const outs = sh.stdout.split('\n').filter((l) => l.startsWith('{'));
        const [inc, cold] = outs.slice(-2).map((l) => JSON.parse(l).diagnostics.length);
        check(outs.length >= 2 && inc < cold, `pasting the reproduction shows fewer diagnostics incrementally (${inc}) than cold (${cold})`, sh.stdout + sh.stderr);
    }
} finally {
    fs.rmSync(dir, { recursive: true, force: true });
}
summary(passed, failed);
