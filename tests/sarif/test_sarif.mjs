// `sigil --check --format sarif` validates against the SARIF 2.1.0 schema
// (committed: sarif-2.1.0-rtm.5.json), and says what the JSON report says;
// the JSON report validates against docs/report.schema.json.
// Run: node tests/sarif/test_sarif.mjs   (SIGIL: the binary, default build/sigil)
import Ajv from 'ajv-draft-04';
import Ajv7 from 'ajv';
import addFormats from 'ajv-formats';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const sigil = path.resolve(process.env.SIGIL || path.join(repo, 'build', 'sigil'));
let passed = 0, failed = 0;
const check = (ok, what, detail = '') => {
    if (ok) passed++;
    else { failed++; console.log(`FAIL sarif: ${what}${detail ? '\n' + detail : ''}`); }
};

const schema = JSON.parse(fs.readFileSync(path.join(here, 'sarif-2.1.0-rtm.5.json'), 'utf8'));
// the schema's language pattern is not valid with the u flag: compile patterns without it
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
// the JSON report's own schema (docs/report.schema.json, draft-07)
const ajv7 = new Ajv7({ allErrors: true, strict: true });
const validateReport = ajv7.compile(JSON.parse(fs.readFileSync(path.join(repo, 'docs', 'report.schema.json'), 'utf8')));

function run(args) {
    const r = spawnSync(sigil, args, { encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
}

function workspace(files) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-sarif-'));
    for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    }
    return dir;
}

// docs/errors.md: code -> its heading's title and anchor (as GitHub makes them)
const index = new Map();
for (const m of fs.readFileSync(path.join(repo, 'docs', 'errors.md'), 'utf8').matchAll(/^## (([EW]\d{3}): (.+))$/gm))
    index.set(m[2], { title: m[3], anchor: m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-') });

const cases = {
    'errors and warnings in two files, one in a subdirectory': {
        'geo/point.sg': 'pub struct Point { x: Float, y: Float }\n',
        'main.sg': 'import geo.point as gp\nimport std.math\n\nfn main() {\n    let p: gp.Point = 5\n    let unused = "é😀"\n}\n',
    },
    'related locations, in the same file and in another': {
        'geo/shape.sg': 'pub fn area(side: Float) -> Float { side * side }\n',
        'main.sg': 'import geo.shape\n\nfn f() {}\nfn f() {}\nfn main() {\n    let a = shape.area(2)\n    print(float_to_string(a))\n}\n',
    },
    'a clean workspace': { 'main.sg': 'fn main() {\n    print("hi")\n}\n' },
    'a file that forms no module name': { 'my-file.sg': 'fn f() {}\n' },
};
for (const [name, files] of Object.entries(cases)) {
    const ws = workspace(files);
    try {
        const s = run(['--check', '--no-cache', '--format', 'sarif', ws]);
        const j = run(['--check', '--no-cache', '--format', 'json', ws]);
        check(s.status === j.status, `${name}: same exit status as json (${s.status} vs ${j.status})`);
        let log;
        try { log = JSON.parse(s.out); } catch (e) { check(false, `${name}: output is JSON`, s.out.slice(0, 300)); continue; }
        const ok = validate(log);
        check(ok, `${name}: valid against the SARIF 2.1.0 schema`, JSON.stringify(validate.errors, null, 1)?.slice(0, 1500));
        const report = JSON.parse(j.out);
        check(validateReport(report), `${name}: the JSON report is valid against docs/report.schema.json`,
            JSON.stringify(validateReport.errors)?.slice(0, 800));
        const results = log.runs[0].results;
        const got = results.map((r) => [decodeURI(r.locations[0].physicalLocation.artifactLocation.uri),
            r.locations[0].physicalLocation.region.startLine, r.locations[0].physicalLocation.region.startColumn,
            r.ruleId, r.level, r.message.text]);
        const want = report.diagnostics.map((d) => [d.file, d.line, d.column, d.code, d.severity, d.message]);
        check(JSON.stringify(got) === JSON.stringify(want), `${name}: the same diagnostics as the JSON report`,
            `sarif ${JSON.stringify(got)}\njson  ${JSON.stringify(want)}`);
        const gotRel = results.map((r) => (r.relatedLocations || []).map((l) => [decodeURI(l.physicalLocation.artifactLocation.uri),
            l.physicalLocation.artifactLocation.uriBaseId, l.physicalLocation.region.startLine, l.physicalLocation.region.startColumn,
            l.physicalLocation.region.endLine, l.physicalLocation.region.endColumn, l.message.text]));
        const wantRel = report.diagnostics.map((d) => (d.related || []).map((r) => [r.file, '%SRCROOT%', r.line, r.column,
            r.endLine, r.endColumn, r.message]));
        check(JSON.stringify(gotRel) === JSON.stringify(wantRel), `${name}: the same related locations as the JSON report`,
            `sarif ${JSON.stringify(gotRel)}\njson  ${JSON.stringify(wantRel)}`);
        if (name.startsWith('related'))
            check(JSON.stringify(wantRel.flat().map((r) => [r[0], r[2], r[6]])) ===
                  JSON.stringify([['main.sg', 3, 'first defined here'], ['geo/shape.sg', 1, 'expected because of this parameter']]),
                  `${name}: E107 points at the first definition, E201 at the parameter`, JSON.stringify(wantRel));
        const rules = log.runs[0].tool.driver.rules.map((r) => r.id);
        check(results.every((r) => rules.includes(r.ruleId)), `${name}: every result's rule is declared`);
        check(!s.out.includes('example.invalid'), `${name}: no example.invalid URI`);
        for (const rule of log.runs[0].tool.driver.rules) {
            const sec = index.get(rule.id);
            check(sec && rule.shortDescription?.text === sec.title, `${name}: ${rule.id} shortDescription is its title in docs/errors.md`,
                JSON.stringify(rule.shortDescription));
            check(rule.fullDescription?.text?.length > 40 && rule.help?.markdown?.startsWith(`## ${rule.id}: `),
                `${name}: ${rule.id} has a full description and help`);
            const want = pathToFileURL(path.join(repo, 'docs', 'errors.md')).href + '#' + sec?.anchor;
            check(rule.helpUri === want, `${name}: ${rule.id} helpUri is its anchor in docs/errors.md`, `${rule.helpUri} vs ${want}`);
        }
    } finally {
        fs.rmSync(ws, { recursive: true, force: true });
    }
}
// Locations are relative to %SRCROOT%, whose URI is the root's: resolving
// one against it gives the file's URL, whatever characters the path has.
{
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-sarif-'));
    const ws = path.join(top, 'my ws #1 é');
    try {
        fs.mkdirSync(path.join(ws, 'sub dir'), { recursive: true });
        fs.writeFileSync(path.join(ws, 'main.sg'), 'fn main() {\n    let x: Int = 1.0\n    print(int_to_string(x))\n}\n');
        fs.writeFileSync(path.join(ws, 'sub dir', 'x.sg'), 'fn f() {}\n');
        const s = run(['--check', '--no-cache', '--format', 'sarif', ws]);
        const log = JSON.parse(s.out);
        check(validate(log), 'a root with spaces, # and non-ASCII: valid SARIF', JSON.stringify(validate.errors)?.slice(0, 800));
        const run0 = log.runs[0];
        const base = run0.originalUriBaseIds?.['%SRCROOT%']?.uri;
        check(base === pathToFileURL(ws).href + '/', 'the %SRCROOT% base is the root\'s file URI', `${base}`);
        const locs = run0.results.map((r) => r.locations[0].physicalLocation.artifactLocation);
        check(locs.every((l) => l.uriBaseId === '%SRCROOT%'), 'every location is relative to %SRCROOT%');
        const urls = locs.map((l) => new URL(l.uri, base).href).sort();
        const want = [path.join(ws, 'main.sg'), path.join(ws, 'sub dir', 'x.sg')].map((p) => pathToFileURL(p).href).sort();
        check(JSON.stringify(urls) === JSON.stringify(want), 'locations resolve to the files\' URLs',
            `got  ${JSON.stringify(urls)}\nwant ${JSON.stringify(want)}`);
    } finally {
        fs.rmSync(top, { recursive: true, force: true });
    }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
