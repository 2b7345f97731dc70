// fixtures.mjs - workspaces, expectations and helpers shared by the *.test.mjs files.
//
// Positions in expectations are 0-based lines and characters in the
// negotiated encoding (UTF-16 unless a test negotiates UTF-8).
import assert from 'node:assert/strict';

import { proto, sleep, startSession, waitFor } from './harness.mjs';

// ------------------------------------------------------------------ fixtures

export const GEO = `/// A point in the plane.
pub struct Point { x: Float, y: Float }

pub enum Shape { Circle(Point, Float), Dot }

pub const ORIGIN: Point = Point { x: 0.0, y: 0.0 }

pub fn scale(p: Point, k: Float) -> Point {
    Point { x: p.x * k, y: p.y * k }
}
`;
// geo.sg with the exported signature changed: `k: Float` -> `k: Int`
export const GEO_INT = GEO.replace('k: Float', 'k: Int');

export const MAIN = `import geo

fn main() {
    let p = geo.Point { x: 1.0, y: 2.0 }
    let q: geo.Point = geo.scale(p, 2.0)
    print(float_to_string(q.x))
}
`;
// main.sg with an E201 at line 4 (0-based), characters 36..37: `2` is an Int
export const MAIN_BAD = MAIN.replace('geo.scale(p, 2.0)', 'geo.scale(p, 2)');

// A non-BMP character (U+1F600, 2 UTF-16 units, 4 UTF-8 bytes) and an `é`
// (1 UTF-16 unit, 2 UTF-8 bytes) before an E201 on line 2.
export const EMOJI = `// 😀 smile
pub fn f() -> Unit {
    let _s: String = "😀é"; let _n: Int = "x"
}
`;

export const range = (l1, c1, l2, c2) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
export const pos = (line, character) => ({ line, character });

/** The parts of a diagnostic the tests pin down exactly. */
export const brief = (d) => ({ code: d.code, severity: d.severity, range: d.range });
export const briefs = (ds) => ds.map(brief);

// main.sg's diagnostics when geo.scale takes an Int
export const MAIN_E201_INT = { code: 'E201', severity: 1, range: range(4, 36, 4, 39) };
// geo.sg's diagnostics with GEO_INT: `p.x * k` and `p.y * k` mix Float and Int
export const GEO_INT_E206 = [
    { code: 'E206', severity: 1, range: range(8, 15, 8, 22) },
    { code: 'E206', severity: 1, range: range(8, 27, 8, 34) },
];

export const GEO_K_RANGE = range(7, 26, 7, 31); // `Float` of `k: Float` in geo.sg

export const watched = (ws, rel, type = proto.FileChangeType.Changed) => ({ changes: [{ uri: ws.uri(rel), type }] });

export function assertNoDuplicateResponses(raw) {
    const seen = new Map();
    for (const m of raw) {
        if ('method' in m || m.id === null || m.id === undefined) continue;
        seen.set(m.id, (seen.get(m.id) || 0) + 1);
    }
    for (const [id, n] of seen) assert.equal(n, 1, `the server answered id ${id} ${n} times`);
}

export async function rejects(promise) {
    try {
        const r = await promise;
        assert.fail(`expected an error response, got ${JSON.stringify(r)}`);
    } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        return e;
    }
}






















// Helpers for the feature tests: accept every result shape LSP 3.17 allows.
export const locations = (r) => (r === null ? [] : Array.isArray(r) ? r : [r]).map((l) => (l.targetUri
    ? { uri: l.targetUri, range: l.targetSelectionRange }
    : { uri: l.uri, range: l.range }));
export const hoverText = (h) => {
    const c = h.contents;
    const one = (x) => (typeof x === 'string' ? x : x.value);
    return Array.isArray(c) ? c.map(one).join('\n') : one(c);
};
export const completionItems = (r) => (Array.isArray(r) ? r : r ? r.items : []);
export const byPosition = (a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
export function editsByUri(we) {
    const out = {};
    if (we.changes) for (const [uri, edits] of Object.entries(we.changes)) out[uri] = edits;
    for (const dc of we.documentChanges || []) if (dc.textDocument) out[dc.textDocument.uri] = (out[dc.textDocument.uri] || []).concat(dc.edits);
    for (const k of Object.keys(out)) out[k] = out[k].map((e) => ({ range: e.range, newText: e.newText }));
    return out;
}
export function applyEdits(text, edits) {
    const lines = text.split('\n');
    const offset = (p) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character; // ASCII only
    const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
    for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
    return text;
}
export function decodeTokens(data, legend) {
    const out = [];
    let line = 0, ch = 0;
    for (let i = 0; i + 4 < data.length; i += 5) {
        line += data[i];
        ch = data[i] ? data[i + 1] : ch + data[i + 1];
        out.push({ line, character: ch, length: data[i + 2], type: legend.tokenTypes[data[i + 3]] });
    }
    return out;
}
export async function featureSession(t, files = { 'geo.sg': GEO, 'main.sg': MAIN }, open = ['geo.sg', 'main.sg']) {
    const s = await startSession(t, files);
    for (const rel of open) {
        await s.server.open(rel, files[rel]);
        await s.server.waitPublish(rel, { version: 1 });
    }
    return s;
}
export const td = (ws, rel) => ({ uri: ws.uri(rel) });
/**
 * The way an editor gets there: main.sg open and checked, then the user types
 * a new line 6 (`line`) after line 5, and the request follows the didChange
 * at once, without waiting for diagnostics.
 */
export async function typeLine(t, line) {
    const s = await featureSession(t, { 'geo.sg': GEO, 'main.sg': MAIN }, ['main.sg']);
    await s.server.change('main.sg', 2, [{ range: range(5, 31, 5, 31), text: `\n${line}` }]);
    return s;
}

// ---------------------------------------------------- the scheduler's log lines

export const wholeRuns = (server, from) => [...server.state.stderr.slice(from).matchAll(/checked (\d+) modules \(/g)].length;
/** The log line of a whole run is written after its publishes (some of which may come early): wait for it. */
export const awaitWholeRuns = (server, from, n) => waitFor(() => wholeRuns(server, from) >= n, `${n} whole run(s) in the log`, undefined, () => server.detail());
/** Until every check so far is done (a pull waits for that) and its log lines have arrived. */
export async function idle(server) {
    await server.pull('main.sg');
    await sleep(50);
}
export const fastRuns = (server, from) => [...server.state.stderr.slice(from).matchAll(/re-checked (\d+) modules, \d+ open,/g)]
    .map((m) => Number(m[1]));
