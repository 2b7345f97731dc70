// End-to-end tests of `sigil --lsp` through a real client library
// (vscode-jsonrpc + vscode-languageserver-protocol), on node's test runner.
// Run: cd tests/lsp && npm ci && node --test   (or ./run.sh)
//
// Positions in expectations are 0-based lines and characters in the
// negotiated encoding (UTF-16 unless a test negotiates UTF-8).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';

import {
    Server, Workspace, checkJson, clientCapabilities, frame, proto, rpc, sleep, startRaw, startSession, waitFor,
} from './harness.mjs';

// ------------------------------------------------------------------ fixtures

const GEO = `/// A point in the plane.
pub struct Point { x: Float, y: Float }

pub enum Shape { Circle(Point, Float), Dot }

pub const ORIGIN: Point = Point { x: 0.0, y: 0.0 }

pub fn scale(p: Point, k: Float) -> Point {
    Point { x: p.x * k, y: p.y * k }
}
`;
// geo.sg with the exported signature changed: `k: Float` -> `k: Int`
const GEO_INT = GEO.replace('k: Float', 'k: Int');

const MAIN = `import geo

fn main() {
    let p = geo.Point { x: 1.0, y: 2.0 }
    let q: geo.Point = geo.scale(p, 2.0)
    print(float_to_string(q.x))
}
`;
// main.sg with an E201 at line 4 (0-based), characters 36..37: `2` is an Int
const MAIN_BAD = MAIN.replace('geo.scale(p, 2.0)', 'geo.scale(p, 2)');

// A non-BMP character (U+1F600, 2 UTF-16 units, 4 UTF-8 bytes) and an `é`
// (1 UTF-16 unit, 2 UTF-8 bytes) before an E201 on line 2.
const EMOJI = `// 😀 smile
pub fn f() -> Unit {
    let _s: String = "😀é"; let _n: Int = "x"
}
`;

const range = (l1, c1, l2, c2) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const pos = (line, character) => ({ line, character });

/** The parts of a diagnostic the tests pin down exactly. */
const brief = (d) => ({ code: d.code, severity: d.severity, range: d.range });
const briefs = (ds) => ds.map(brief);

// main.sg's diagnostics when geo.scale takes an Int
const MAIN_E201_INT = { code: 'E201', severity: 1, range: range(4, 36, 4, 39) };
// geo.sg's diagnostics with GEO_INT: `p.x * k` and `p.y * k` mix Float and Int
const GEO_INT_E206 = [
    { code: 'E206', severity: 1, range: range(8, 15, 8, 22) },
    { code: 'E206', severity: 1, range: range(8, 27, 8, 34) },
];

const GEO_K_RANGE = range(7, 26, 7, 31); // `Float` of `k: Float` in geo.sg

const watched = (ws, rel, type = proto.FileChangeType.Changed) => ({ changes: [{ uri: ws.uri(rel), type }] });

function assertNoDuplicateResponses(raw) {
    const seen = new Map();
    for (const m of raw) {
        if ('method' in m || m.id === null || m.id === undefined) continue;
        seen.set(m.id, (seen.get(m.id) || 0) + 1);
    }
    for (const [id, n] of seen) assert.equal(n, 1, `the server answered id ${id} ${n} times`);
}

async function rejects(promise) {
    try {
        const r = await promise;
        assert.fail(`expected an error response, got ${JSON.stringify(r)}`);
    } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        return e;
    }
}

// ================================================================ lifecycle

describe('lifecycle', () => {
    test('initialize: the result advertises positionEncoding, incremental sync, diagnostics and symbols', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN });
        const r = server.initResult;
        const c = r.capabilities;
        assert.equal(c.positionEncoding, 'utf-16');
        assert.equal(c.textDocumentSync.openClose, true);
        assert.equal(c.textDocumentSync.change, proto.TextDocumentSyncKind.Incremental); // 2
        assert.ok(c.textDocumentSync.save, 'didSave is wanted');
        assert.equal(c.diagnosticProvider.interFileDependencies, true);
        assert.equal(c.diagnosticProvider.workspaceDiagnostics, false);
        assert.equal(c.documentSymbolProvider, true);
        assert.equal(r.serverInfo.name, 'sigil');
        assert.match(r.serverInfo.version, /^\d+\.\d+/);
    });

    test('initialize: utf-8 is negotiated only when the client offers it', async (t) => {
        const cases = [
            [['utf-8', 'utf-16'], 'utf-8'],
            [['utf-8'], 'utf-8'],
            [['utf-32', 'utf-16'], 'utf-16'],
            [undefined, 'utf-16'],
        ];
        for (const [offered, expected] of cases) {
            const ws = new Workspace({ 'main.sg': MAIN });
            const server = new Server(ws);
            try {
                const caps = clientCapabilities();
                if (offered) caps.general.positionEncodings = offered;
                else delete caps.general;
                const r = await server.initialize(caps);
                assert.equal(r.capabilities.positionEncoding, expected, `client offered ${JSON.stringify(offered)}`);
            } finally {
                await server.dispose();
                ws.cleanup();
            }
        }
    });

    test('before initialize: requests get -32002 and notifications are dropped', async (t) => {
        const { server } = await startSession(t, { 'a.sg': 'pub fn a() {}\n', 'b.sg': 'pub fn b() {}\n' }, { init: false });
        const e = await rejects(server.symbols('a.sg'));
        assert.equal(e.code, -32002);
        // a didOpen before initialize must be dropped: a.sg is not open afterwards
        await server.open('a.sg', 'pub fn a() -> Int { "a" }\n');
        await server.initialize();
        await server.open('b.sg', 'pub fn b() -> Int { "b" }\n');
        const pb = await server.waitPublish('b.sg', { version: 1 });
        assert.deepEqual(briefs(pb.diagnostics), [{ code: 'E201', severity: 1, range: range(0, 20, 0, 23) }]);
        assert.deepEqual(server.publishesOf('a.sg'), [], 'a.sg was opened before initialize and must not count as open');
    });

    test('initialize twice: the second one is an error', async (t) => {
        const { ws, server } = await startSession(t, { 'main.sg': MAIN });
        const e = await rejects(server.request(proto.InitializeRequest.type, { processId: null, rootUri: ws.rootUri, capabilities: {} }));
        assert.ok(Number.isInteger(e.code) && e.code < 0, `error code ${e.code}`);
        assert.ok(Array.isArray(await server.symbols('main.sg')));
    });

    test('shutdown then exit: exit status 0', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN });
        const r = await server.request(proto.ShutdownRequest.type);
        assert.equal(r, null);
        await server.notify(proto.ExitNotification.type);
        const { code, signal } = await server.waitExit();
        assert.equal(signal, null);
        assert.equal(code, 0);
    });

    test('exit without shutdown: exit status 1', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN });
        await server.notify(proto.ExitNotification.type);
        const { code } = await server.waitExit();
        assert.equal(code, 1);
    });

    test('exit before initialize: exit status 1', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN }, { init: false });
        await server.notify(proto.ExitNotification.type);
        const { code } = await server.waitExit();
        assert.equal(code, 1);
    });

    test('requests after shutdown get -32600 (InvalidRequest); exit still ends with 0', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN });
        await server.request(proto.ShutdownRequest.type);
        const e = await rejects(server.symbols('main.sg'));
        assert.equal(e.code, -32600);
        const e2 = await rejects(server.request(proto.ShutdownRequest.type));
        assert.equal(e2.code, -32600);
        await server.notify(proto.ExitNotification.type);
        assert.equal((await server.waitExit()).code, 0);
    });

    test('stdin closed without exit: the server terminates (status 1)', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN });
        server.proc.stdin.end();
        const { code } = await server.waitExit();
        assert.equal(code, 1);
    });
});

// ============================================================== diagnostics

describe('diagnostics', () => {
    test('didOpen publishes E201 with version 1 and a UTF-16 range after a non-BMP character', async (t) => {
        const { server } = await startSession(t, { 'emoji.sg': EMOJI });
        await server.open('emoji.sg');
        const p = await server.waitPublish('emoji.sg', { version: 1 });
        assert.equal(p.diagnostics.length, 1);
        const d = p.diagnostics[0];
        // column 42 in code points (CLI) is character 42 in UTF-16: 😀 counts twice
        assert.deepEqual(d.range, range(2, 42, 2, 45));
        assert.equal(d.code, 'E201');
        assert.equal(d.severity, proto.DiagnosticSeverity.Error);
        assert.equal(d.source, 'sigil');
        assert.equal(d.message, 'type mismatch: expected Int, found String');
    });

    test('an incremental edit that fixes the error publishes empty diagnostics with version 2', async (t) => {
        const { server } = await startSession(t, { 'emoji.sg': EMOJI });
        await server.open('emoji.sg');
        await server.waitPublish('emoji.sg', { version: 1 });
        await server.change('emoji.sg', 2, [{ range: range(2, 42, 2, 45), text: '1' }]);
        const p = await server.waitPublish('emoji.sg', { version: 2 });
        assert.deepEqual(p.diagnostics, []);
        // a new error placed after the emoji again: the edit landed where intended
        await server.change('emoji.sg', 3, [{ range: range(2, 42, 2, 43), text: 'true' }]);
        const p3 = await server.waitPublish('emoji.sg', { version: 3 });
        assert.deepEqual(briefs(p3.diagnostics), [{ code: 'E201', severity: 1, range: range(2, 42, 2, 46) }]);
        assert.equal(p3.diagnostics[0].message, 'type mismatch: expected Int, found Bool');
    });

    test('utf-8 negotiated: diagnostic ranges, edits and symbols are in bytes', async (t) => {
        const files = { 'emoji.sg': EMOJI, 'sym.sg': '// 😀\npub fn a() { print("😀😀") } pub fn b() {}\n' };
        const { server } = await startSession(t, files, { caps: { utf8: true } });
        assert.equal(server.initResult.capabilities.positionEncoding, 'utf-8');
        await server.open('emoji.sg');
        const p = await server.waitPublish('emoji.sg', { version: 1 });
        // `😀` is 4 bytes and `é` 2: character 41 (code points) is byte 45
        assert.deepEqual(briefs(p.diagnostics), [{ code: 'E201', severity: 1, range: range(2, 45, 2, 48) }]);
        await server.change('emoji.sg', 2, [{ range: range(2, 45, 2, 48), text: '1' }]);
        assert.deepEqual((await server.waitPublish('emoji.sg', { version: 2 })).diagnostics, []);
        await server.change('emoji.sg', 3, [{ range: range(2, 45, 2, 46), text: 'true' }]);
        const p3 = await server.waitPublish('emoji.sg', { version: 3 });
        assert.deepEqual(briefs(p3.diagnostics), [{ code: 'E201', severity: 1, range: range(2, 45, 2, 49) }]);
        const syms = await server.symbols('sym.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.range, s.selectionRange]), [
            ['a', range(1, 0, 1, 32), range(1, 7, 1, 8)],
            ['b', range(1, 33, 1, 46), range(1, 40, 1, 41)],
        ]);
    });

    test('unchanged diagnostics are re-published after every edit, with the new version', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN_BAD });
        await server.open('main.sg');
        const expected = [{ code: 'E201', severity: 1, range: range(4, 36, 4, 37) }];
        const p1 = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(briefs(p1.diagnostics), expected);
        // v2: a comment after the last line; v3: a space on the empty line 1
        await server.change('main.sg', 2, [{ range: range(7, 0, 7, 0), text: '// note\n' }]);
        const p2 = await server.waitPublish('main.sg', { version: 2 });
        assert.deepEqual(briefs(p2.diagnostics), expected);
        await server.change('main.sg', 3, [{ range: range(1, 0, 1, 0), text: ' ' }]);
        const p3 = await server.waitPublish('main.sg', { version: 3 });
        assert.deepEqual(briefs(p3.diagnostics), expected);
        // and a clean file is re-published (empty) after each edit too
        await server.change('main.sg', 4, [{ range: range(4, 36, 4, 37), text: '2.0' }]);
        assert.deepEqual((await server.waitPublish('main.sg', { version: 4 })).diagnostics, []);
        await server.change('main.sg', 5, [{ range: range(1, 0, 1, 1), text: '' }]);
        assert.deepEqual((await server.waitPublish('main.sg', { version: 5 })).diagnostics, []);
    });

    test('cross-file: changing an exported signature changes an open dependent\'s diagnostics', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        await server.open('geo.sg');
        await server.open('main.sg');
        await server.waitPublish('geo.sg', { version: 1 });
        await server.waitPublish('main.sg', { version: 1 });
        let since = server.mark();
        await server.change('geo.sg', 2, [{ range: GEO_K_RANGE, text: 'Int' }]);
        const pm = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length > 0 });
        assert.equal(pm.version, 1, 'main.sg keeps its own version');
        assert.deepEqual(briefs(pm.diagnostics), [MAIN_E201_INT]);
        assert.equal(pm.diagnostics[0].message, 'type mismatch: expected Int, found Float');
        const pg = await server.waitPublish('geo.sg', { since, version: 2 });
        assert.deepEqual(briefs(pg.diagnostics), GEO_INT_E206);
        // revert: both clean again
        since = server.mark();
        await server.change('geo.sg', 3, [{ range: range(7, 26, 7, 29), text: 'Float' }]);
        const pm2 = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length === 0 });
        assert.equal(pm2.version, 1);
        assert.deepEqual((await server.waitPublish('geo.sg', { since, version: 3 })).diagnostics, []);
    });

    test('cross-file: a dependent that is not open gets its diagnostics published (and cleared)', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        await server.open('geo.sg');
        await server.waitPublish('geo.sg', { version: 1 });
        let since = server.mark();
        await server.change('geo.sg', 2, [{ range: GEO_K_RANGE, text: 'Int' }]);
        const pm = await server.waitPublish('main.sg', { since });
        assert.equal(pm.version, undefined, 'a file that is not open is published without a version');
        assert.deepEqual(briefs(pm.diagnostics), [MAIN_E201_INT]);
        since = server.mark();
        await server.change('geo.sg', 3, [{ range: range(7, 26, 7, 29), text: 'Float' }]);
        const pm2 = await server.waitPublish('main.sg', { since });
        assert.deepEqual(pm2.diagnostics, []);
    });

    test('start-up: every workspace module with diagnostics is published, without a version', async (t) => {
        const files = { 'geo.sg': GEO, 'main.sg': MAIN_BAD, 'lib/deep.sg': 'pub fn d() -> Bool { 1 }\n' };
        const { server } = await startSession(t, files);
        const pm = await server.waitPublish('main.sg');
        assert.equal(pm.version, undefined);
        assert.deepEqual(briefs(pm.diagnostics), [{ code: 'E201', severity: 1, range: range(4, 36, 4, 37) }]);
        const pd = await server.waitPublish('lib/deep.sg');
        assert.deepEqual(briefs(pd.diagnostics), [{ code: 'E201', severity: 1, range: range(0, 21, 0, 22) }]);
        assert.ok(server.publishesOf('geo.sg').every((p) => p.diagnostics.length === 0), 'geo.sg is clean');
    });

    test('didClose: the file on disk counts again and its diagnostics are cleared', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        await server.open('main.sg', MAIN_BAD);
        const p1 = await server.waitPublish('main.sg', { version: 1 });
        assert.equal(p1.diagnostics.length, 1);
        const since = server.mark();
        await server.close('main.sg');
        const p2 = await server.waitPublish('main.sg', { since });
        assert.deepEqual(p2.diagnostics, []);
        assert.equal(p2.version, undefined, 'a closed document is published without a version');
    });

    test('a syntax error is reported once when the buffer equals the (cached) text on disk', async (t) => {
        const text = 'fn broken() -> Int { let = 1 }\npub fn after() {}\n';
        const { server } = await startSession(t, { 'x.sg': text });
        const p0 = await server.waitPublish('x.sg'); // start-up check, fills the cache
        const expected = [{ code: 'E010', severity: 1, range: range(0, 25, 0, 26) }];
        assert.deepEqual(briefs(p0.diagnostics), expected);
        await server.open('x.sg'); // same text as on disk
        const p1 = await server.waitPublish('x.sg', { version: 1 });
        assert.deepEqual(briefs(p1.diagnostics), expected);
    });
});

// ========================================================= pull diagnostics

describe('pull diagnostics', () => {
    test('textDocument/diagnostic agrees with the pushed diagnostics (open and not open)', async (t) => {
        const { server } = await startSession(t, { 'emoji.sg': EMOJI, 'geo.sg': GEO, 'main.sg': MAIN_BAD });
        await server.open('emoji.sg');
        const pushed = await server.waitPublish('emoji.sg', { version: 1 });
        const pulled = await server.pull('emoji.sg');
        assert.equal(pulled.kind, 'full');
        assert.deepEqual(pulled.items, pushed.diagnostics);
        // main.sg is not open: pushed at start-up
        const pushedMain = await server.waitPublish('main.sg');
        const pulledMain = await server.pull('main.sg');
        assert.equal(pulledMain.kind, 'full');
        assert.deepEqual(pulledMain.items, pushedMain.diagnostics);
        // a clean file: an empty full report
        const pulledGeo = await server.pull('geo.sg');
        assert.deepEqual(pulledGeo, { kind: 'full', items: [] });
    });

    test('a pull right after an edit reports on the edited text', async (t) => {
        const { server } = await startSession(t, { 'emoji.sg': EMOJI });
        await server.open('emoji.sg');
        await server.waitPublish('emoji.sg', { version: 1 });
        await server.change('emoji.sg', 2, [{ range: range(2, 42, 2, 45), text: '1' }]);
        const pulled = await server.pull('emoji.sg'); // no waiting for the push
        assert.deepEqual(pulled.items, [], 'the error was fixed by version 2');
        await server.change('emoji.sg', 3, [{ range: range(0, 0, 0, 0), text: '\n' }, { range: range(3, 42, 3, 43), text: '"y"' }]);
        const pulled3 = await server.pull('emoji.sg');
        assert.deepEqual(briefs(pulled3.items), [{ code: 'E201', severity: 1, range: range(3, 42, 3, 45) }]);
    });
});

// ================================================= changes outside the editor

describe('files changed on disk', () => {
    test('didChangeWatchedFiles: the server registers for it and re-checks an open dependent', async (t) => {
        const { ws, server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        await server.open('main.sg');
        await server.waitPublish('main.sg', { version: 1 });
        const reg = server.serverRequests.find((r) => r.method === 'client/registerCapability');
        assert.ok(reg, 'client/registerCapability was sent');
        const r = reg.params.registrations.find((x) => x.method === 'workspace/didChangeWatchedFiles');
        assert.ok(r, 'a registration for workspace/didChangeWatchedFiles');
        assert.ok(r.registerOptions.watchers.some((w) => w.globPattern === '**/*.sg'), JSON.stringify(r.registerOptions));

        let since = server.mark();
        ws.write('geo.sg', GEO_INT);
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'geo.sg'));
        const pm = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length > 0 });
        assert.equal(pm.version, 1);
        assert.deepEqual(briefs(pm.diagnostics), [MAIN_E201_INT]);
        const pg = await server.waitPublish('geo.sg', { since, pred: (p) => p.diagnostics.length > 0 });
        assert.equal(pg.version, undefined);
        assert.deepEqual(briefs(pg.diagnostics), GEO_INT_E206);

        since = server.mark();
        ws.write('geo.sg', GEO);
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'geo.sg'));
        assert.deepEqual((await server.waitPublish('main.sg', { since })).diagnostics, []);
        assert.deepEqual((await server.waitPublish('geo.sg', { since })).diagnostics, []);
    });

    test('didChangeWatchedFiles: a created and a deleted module', async (t) => {
        const main = 'import util.helpers\n\npub fn main() -> Int { helpers.help() }\n';
        const { ws, server } = await startSession(t, { 'main.sg': main });
        await server.open('main.sg');
        const p1 = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(briefs(p1.diagnostics), [{ code: 'E101', severity: 1, range: range(0, 0, 0, 19) }]);
        let since = server.mark();
        ws.write('util/helpers.sg', 'pub fn help() -> Int { 1 }\n');
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'util/helpers.sg', proto.FileChangeType.Created));
        assert.deepEqual((await server.waitPublish('main.sg', { since })).diagnostics, []);
        since = server.mark();
        fs.rmSync(ws.path('util/helpers.sg'));
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'util/helpers.sg', proto.FileChangeType.Deleted));
        const p3 = await server.waitPublish('main.sg', { since });
        assert.deepEqual(briefs(p3.diagnostics), [{ code: 'E101', severity: 1, range: range(0, 0, 0, 19) }]);
    });

    test('no dynamic registration: the server watches the files itself (in-place write, then atomic rename)', async (t) => {
        const { ws, server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN }, { caps: { dynamicWatch: false } });
        await server.open('main.sg');
        await server.waitPublish('main.sg', { version: 1 });
        assert.equal(server.serverRequests.filter((r) => r.method === 'client/registerCapability').length, 0,
            'no registration when the client does not support it');
        let since = server.mark();
        ws.write('geo.sg', GEO_INT); // no notification from the client
        const pm = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length > 0, timeout: 4000 });
        assert.equal(pm.version, 1);
        assert.deepEqual(briefs(pm.diagnostics), [MAIN_E201_INT]);
        // the way many editors save: write a temp file, rename it over the original
        since = server.mark();
        fs.writeFileSync(ws.path('geo.sg.tmp~'), GEO);
        fs.renameSync(ws.path('geo.sg.tmp~'), ws.path('geo.sg'));
        const pm2 = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length === 0, timeout: 4000 });
        assert.equal(pm2.version, 1);
    });

    test('no dynamic registration: a module deleted on disk is noticed', async (t) => {
        const { ws, server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN }, { caps: { dynamicWatch: false } });
        await server.open('main.sg');
        await server.waitPublish('main.sg', { version: 1 });
        const since = server.mark();
        fs.rmSync(ws.path('geo.sg'));
        const pm = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length > 0, timeout: 4000 });
        assert.deepEqual(briefs(pm.diagnostics), [{ code: 'E101', severity: 1, range: range(0, 0, 0, 10) }]);
    });

    test('no dynamic registration: a module created in a new directory is noticed', async (t) => {
        const main = 'import util.helpers\n\npub fn main() -> Int { helpers.help() }\n';
        const { ws, server } = await startSession(t, { 'main.sg': main }, { caps: { dynamicWatch: false } });
        await server.open('main.sg');
        const p1 = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(briefs(p1.diagnostics), [{ code: 'E101', severity: 1, range: range(0, 0, 0, 19) }]);
        const since = server.mark();
        ws.write('util/helpers.sg', 'pub fn help() -> Int { 1 }\n'); // mkdir util, then the file
        const p2 = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length === 0, timeout: 4000 });
        assert.equal(p2.version, 1);
    });
});

// ======================================================== buffer vs disk

describe('open buffer wins over the disk', () => {
    test('disk has an error, the buffer does not', async (t) => {
        const { ws, server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN_BAD });
        const p0 = await server.waitPublish('main.sg');
        assert.equal(p0.diagnostics.length, 1, 'start-up sees the disk text');
        await server.open('main.sg', MAIN);
        assert.deepEqual((await server.waitPublish('main.sg', { version: 1 })).diagnostics, []);
        // the file changes on disk (another error) while open: the buffer still wins
        ws.write('main.sg', MAIN.replace('float_to_string(q.x)', 'q.x'));
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'main.sg'));
        assert.deepEqual((await server.pull('main.sg')).items, []);
        // closed, the text on disk counts again
        const since = server.mark();
        await server.close('main.sg');
        const p2 = await server.waitPublish('main.sg', { since });
        assert.deepEqual(p2.diagnostics.map((d) => d.code), ['E201']);
    });

    test('the buffer has an error, the disk does not', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        await server.open('main.sg', MAIN_BAD);
        const p = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(briefs(p.diagnostics), [{ code: 'E201', severity: 1, range: range(4, 36, 4, 37) }]);
        assert.deepEqual((await server.pull('main.sg')).items, p.diagnostics);
    });

    test('dependents are checked against the open buffer of a dependency, not its disk text', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        await server.open('geo.sg', GEO_INT);
        const pm = await server.waitPublish('main.sg', { pred: (p) => p.diagnostics.length > 0 });
        assert.deepEqual(briefs(pm.diagnostics), [MAIN_E201_INT]);
        const since = server.mark();
        await server.close('geo.sg');
        assert.deepEqual((await server.waitPublish('main.sg', { since })).diagnostics, []);
    });
});

// ================================================================ progress

describe('progress', () => {
    test('window/workDoneProgress/create, then begin / report / end on that token', async (t) => {
        const files = { 'geo.sg': GEO, 'main.sg': MAIN_BAD };
        const { server } = await startSession(t, files, { caps: { progress: true } });
        await waitFor(() => server.events.includes('progress end'), 'progress end', undefined, () => server.detail());
        const creates = server.serverRequests.filter((r) => r.method === 'window/workDoneProgress/create');
        assert.equal(creates.length, 1);
        const token = creates[0].params.token;
        assert.ok(typeof token === 'string' || Number.isInteger(token));
        assert.deepEqual(server.progress.filter((p) => p.unhandled), [], 'no $/progress with a token that was not created');
        const values = server.progress.map((p) => p.value);
        const kinds = values.map((v) => v.kind);
        assert.equal(kinds[0], 'begin');
        assert.equal(kinds[kinds.length - 1], 'end');
        assert.ok(kinds.length >= 3 && kinds.slice(1, -1).every((k) => k === 'report'), `kinds: ${kinds}`);
        assert.equal(typeof values[0].title, 'string');
        assert.ok(values[0].title.length > 0);
        const pct = values.filter((v) => v.percentage !== undefined).map((v) => v.percentage);
        assert.ok(values.slice(1, -1).some((v) => v.percentage !== undefined), 'a report carries a percentage');
        for (let i = 0; i < pct.length; i++) {
            assert.ok(Number.isInteger(pct[i]) && pct[i] >= 0 && pct[i] <= 100, `percentage ${pct[i]}`);
            if (i) assert.ok(pct[i] >= pct[i - 1], `percentages rise: ${pct}`);
        }
        assert.ok(server.events.indexOf(`create ${token}`) < server.events.indexOf('progress begin'));
        // the start-up check also published the broken module
        const pm = await server.waitPublish('main.sg');
        assert.equal(pm.diagnostics.length, 1);
    });

    test('no $/progress before the client has answered window/workDoneProgress/create', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN_BAD }, {
            caps: { progress: true },
            onCreateProgress: async () => { await sleep(300); return null; },
        });
        await waitFor(() => server.events.includes('progress end'), 'progress end', undefined, () => server.detail());
        const answered = server.events.indexOf('create answered');
        const first = server.events.findIndex((e) => e.startsWith('progress '));
        assert.ok(answered >= 0 && first > answered, `events: ${server.events.join(' | ')}`);
    });

    test('no $/progress on a token whose creation the client refused', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN_BAD }, {
            caps: { progress: true },
            onCreateProgress: async () => { throw new rpc.ResponseError(-32603, 'test client refuses progress'); },
        });
        await server.waitPublish('main.sg'); // start-up check done
        await sleep(200);
        assert.ok(server.events.includes('create failed'));
        assert.deepEqual(server.progress, [], `events: ${server.events.join(' | ')}`);
    });

    test('no progress when the client does not support it', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN_BAD });
        await server.waitPublish('main.sg');
        await sleep(100);
        assert.deepEqual(server.serverRequests.filter((r) => r.method === 'window/workDoneProgress/create'), []);
        assert.deepEqual(server.progress, []);
    });
});

// ========================================================== documentSymbol

describe('documentSymbol', () => {
    test('names, kinds, ranges and children of every item', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO });
        const syms = await server.symbols('geo.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.kind]), [
            ['Point', 23], ['Shape', 10], ['ORIGIN', 14], ['scale', 12],
        ]);
        const [point, shape, origin, scale] = syms;
        // the doc comment on line 0 may or may not be part of the range
        assert.ok(point.range.start.line === 0 || point.range.start.line === 1);
        assert.equal(point.range.start.character, 0);
        assert.deepEqual(point.range.end, pos(1, 39));
        assert.deepEqual(point.selectionRange, range(1, 11, 1, 16));
        assert.deepEqual(point.children.map((c) => [c.name, c.kind, c.range, c.selectionRange]), [
            ['x', 8, range(1, 19, 1, 27), range(1, 19, 1, 20)],
            ['y', 8, range(1, 29, 1, 37), range(1, 29, 1, 30)],
        ]);
        assert.deepEqual(shape.range, range(3, 0, 3, 44));
        assert.deepEqual(shape.selectionRange, range(3, 9, 3, 14));
        assert.deepEqual(shape.children.map((c) => [c.name, c.kind, c.selectionRange]), [
            ['Circle', 22, range(3, 17, 3, 23)],
            ['Dot', 22, range(3, 39, 3, 42)],
        ]);
        assert.deepEqual(shape.children[1].range, range(3, 39, 3, 42));
        assert.deepEqual([origin.range, origin.selectionRange], [range(5, 0, 5, 50), range(5, 10, 5, 16)]);
        assert.deepEqual([scale.range, scale.selectionRange], [range(7, 0, 9, 1), range(7, 7, 7, 12)]);
        assert.ok(!scale.children || scale.children.length === 0);
    });

    test('an enum member\'s range encloses its payload', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO });
        const [, shape] = await server.symbols('geo.sg');
        assert.deepEqual(shape.children[0].range, range(3, 17, 3, 37), '`Circle(Point, Float)`');
    });

    test('functions, externs, aliases; the open buffer\'s text; UTF-16 characters', async (t) => {
        const disk = 'pub fn gone() {}\n';
        const buffer = '// 😀\npub fn a() { print("😀😀") } pub fn b() {}\npub extern fn ext(s: String) -> Unit\npub type Pair = fn(Int) -> Int\n';
        const { server } = await startSession(t, { 'sym.sg': disk });
        await server.open('sym.sg', buffer);
        const syms = await server.symbols('sym.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.kind, s.range, s.selectionRange]).slice(0, 3), [
            ['a', 12, range(1, 0, 1, 28), range(1, 7, 1, 8)],
            ['b', 12, range(1, 29, 1, 42), range(1, 36, 1, 37)],
            ['ext', 12, range(2, 0, 2, 36), range(2, 14, 2, 17)],
        ]);
        assert.equal(syms[3].name, 'Pair');
        assert.deepEqual(syms[3].selectionRange, range(3, 9, 3, 13));
        assert.equal(syms.length, 4);
    });

    test('a file with a syntax error still lists its items', async (t) => {
        const { server } = await startSession(t, { 'x.sg': 'fn broken() -> Int { let = 1 }\npub fn after() {}\n' });
        const syms = await server.symbols('x.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.selectionRange]), [
            ['broken', range(0, 3, 0, 9)], ['after', range(1, 7, 1, 12)],
        ]);
    });
});

// ========================================================= malformed input

describe('malformed input (raw bytes on stdin)', () => {
    const FILES = { 'a.sg': 'pub fn a() {}\n' };
    const A_SYMBOLS = [{ name: 'a', kind: 12, range: range(0, 0, 0, 13), selectionRange: range(0, 7, 0, 8) }];

    async function stillAnswers(client, id) {
        const r = await client.documentSymbol(id, 'a.sg');
        assert.deepEqual(r.result, A_SYMBOLS, `documentSymbol after the bad input: ${JSON.stringify(r)}`);
    }
    const isError = (code) => (m) => !('method' in m) && m.error && (code === undefined || m.error.code === code);

    test('a body that is not JSON: -32700 with id null', async (t) => {
        const { client } = await startRaw(t, FILES);
        const since = client.mark();
        await client.write(frame('{"jsonrpc": "2.0", "id": 5, "method": '));
        const e = await client.waitMessage(isError(-32700), 'a -32700 error', since);
        assert.equal(e.id, null);
        await stillAnswers(client, 6);
    });

    test('a header block without Content-Length (and no body)', async (t) => {
        const { client } = await startRaw(t, FILES);
        const since = client.mark();
        await client.write(Buffer.from('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n'));
        const e = await client.waitMessage(isError(), 'an error for the header', since);
        assert.equal(e.id, null);
        await stillAnswers(client, 7);
    });

    test('a header without Content-Length followed by a body: the next message is still understood', async (t) => {
        const { client } = await startRaw(t, FILES);
        const since = client.mark();
        const body = JSON.stringify(client.documentSymbolMessage(8, 'a.sg'));
        await client.write(Buffer.from(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${body}`));
        const e = await client.waitMessage(isError(), 'an error for the header', since);
        assert.equal(e.id, null);
        await stillAnswers(client, 9);
    });

    test('Content-Length: abc (with a body): an error, and the next message is still understood', async (t) => {
        const { client } = await startRaw(t, FILES);
        const since = client.mark();
        const body = JSON.stringify(client.documentSymbolMessage(10, 'a.sg'));
        await client.write(Buffer.from(`Content-Length: abc\r\n\r\n${body}`));
        const e = await client.waitMessage(isError(), 'an error for the header', since);
        assert.equal(e.id, null);
        await stillAnswers(client, 11);
    });

    test('a Content-Length above the size limit: an error, the body is skipped', async (t) => {
        const { client } = await startRaw(t, FILES);
        const since = client.mark();
        const n = 64 * 1024 * 1024 + 1;
        await client.write(Buffer.from(`Content-Length: ${n}\r\n\r\n`));
        await client.write(Buffer.alloc(n, 0x20));
        const e = await client.waitMessage(isError(), 'an error for the oversized message', since);
        assert.equal(e.id, null);
        await stillAnswers(client, 12);
    });

    test('unknown method: a request gets -32601, a notification is ignored', async (t) => {
        const { client } = await startRaw(t, FILES);
        let since = client.mark();
        await client.send({ jsonrpc: '2.0', id: 20, method: 'sigil/noSuchThing', params: {} });
        const e = await client.waitResponse(20, since);
        assert.equal(e.error.code, -32601);
        await client.send({ jsonrpc: '2.0', id: 21, method: '$/noSuchThing', params: {} });
        assert.equal((await client.waitResponse(21, since)).error.code, -32601, 'a $/ request is still answered with -32601');
        since = client.mark();
        await client.send({ jsonrpc: '2.0', method: 'sigil/noSuchNotification', params: {} });
        await client.send({ jsonrpc: '2.0', method: '$/noSuchNotification', params: {} });
        await stillAnswers(client, 22);
        assert.deepEqual(client.responses(since).map((m) => m.id), [22], 'nothing answers a notification');
    });

    test('wrong params: -32602 for requests, notifications are ignored', async (t) => {
        const { client } = await startRaw(t, FILES);
        const since = client.mark();
        await client.send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: {} });
        await client.send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 7, text: 3 } } });
        await client.send({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri: 'file:///x.sg' }, contentChanges: 'x' } });
        await client.send({ jsonrpc: '2.0', method: 'textDocument/didClose' });
        await stillAnswers(client, 30);
        assert.deepEqual(client.responses(since).map((m) => m.id), [30], 'nothing answers a notification');
        const bad = [
            [31, 'textDocument/documentSymbol', { textDocument: { uri: 42 } }],
            [32, 'textDocument/documentSymbol', undefined],
            [33, 'textDocument/documentSymbol', 'file:///a.sg'],
            [34, 'textDocument/diagnostic', { textDocument: { uri: 42 } }],
            [35, 'textDocument/diagnostic', {}],
        ];
        for (const [id, method, params] of bad) {
            const s = client.mark();
            const msg = { jsonrpc: '2.0', id, method };
            if (params !== undefined) msg.params = params;
            await client.send(msg);
            const r = await client.waitResponse(id, s);
            assert.equal(r.error && r.error.code, -32602, `${method} ${JSON.stringify(params)} -> ${JSON.stringify(r)}`);
        }
        await stillAnswers(client, 36);
    });

    test('other invalid JSON-RPC: batch, non-object, bad id, a stray response', async (t) => {
        const { client } = await startRaw(t, FILES);
        let since = client.mark();
        await client.send('[{"jsonrpc":"2.0","id":40,"method":"shutdown"}]');
        assert.equal((await client.waitMessage(isError(), 'an error for a batch', since)).id, null);
        since = client.mark();
        await client.send('42');
        assert.equal((await client.waitMessage(isError(-32600), 'an error for a non-object', since)).id, null);
        since = client.mark();
        await client.send({ jsonrpc: '2.0', id: { x: 1 }, method: 'textDocument/documentSymbol', params: {} });
        assert.equal((await client.waitMessage(isError(-32600), 'an error for an object id', since)).id, null);
        since = client.mark();
        await client.send({ jsonrpc: '2.0', id: 4242, result: null }); // a response to nothing
        await client.send({ jsonrpc: '2.0', id: 4243, error: { code: -1, message: 'x' } });
        await stillAnswers(client, 41);
        assert.deepEqual(client.responses(since).map((m) => m.id), [41]);
    });

    test('several messages in one write', async (t) => {
        const { ws, client } = await startRaw(t, FILES, { init: false });
        const [init, initialized] = client.initializeMessages(1);
        const bytes = Buffer.concat([
            frame(init), frame(initialized),
            frame({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: ws.uri('a.sg'), languageId: 'sigil', version: 1, text: 'pub fn z() -> Int { "z" }\n' } } }),
            frame(client.documentSymbolMessage(2, 'a.sg')),
            frame({ jsonrpc: '2.0', id: 3, method: 'sigil/unknown' }),
        ]);
        await client.write(bytes);
        assert.ok((await client.waitResponse(1)).result.capabilities);
        const r2 = await client.waitResponse(2);
        assert.deepEqual(r2.result.map((s) => s.name), ['z'], 'the buffer from the same write');
        assert.equal((await client.waitResponse(3)).error.code, -32601);
        const pub = await client.waitMessage((m) => m.method === 'textDocument/publishDiagnostics' && m.params.version === 1, 'publishDiagnostics v1');
        assert.deepEqual(briefs(pub.params.diagnostics), [{ code: 'E201', severity: 1, range: range(0, 20, 0, 23) }]);
        const ids = client.responses().map((m) => m.id);
        assert.deepEqual(ids, [1, 2, 3], 'answered once each, in order');
    });

    test('one message split across many small writes (header and a UTF-8 sequence split)', async (t) => {
        const { ws, client } = await startRaw(t, FILES);
        const text = '// 😀\npub fn a() { print("😀😀") } pub fn b() {}\n';
        const open = frame({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: ws.uri('a.sg'), languageId: 'sigil', version: 1, text } } });
        await client.writeInPieces(open, 3); // 3 < 4: every emoji is cut
        const since = client.mark();
        await client.writeInPieces(frame(client.documentSymbolMessage(50, 'a.sg')), 1);
        const r = await client.waitResponse(50, since);
        assert.deepEqual(r.result.map((s) => [s.name, s.range]), [
            ['a', range(1, 0, 1, 28)], ['b', range(1, 29, 1, 42)],
        ]);
    });

    test('didChange with out-of-range positions is clamped (line past the end, character past the line)', async (t) => {
        const { server } = await startSession(t, { 'a.sg': 'pub fn a() {}\n' });
        await server.open('a.sg');
        await server.waitPublish('a.sg', { version: 1 });
        await server.change('a.sg', 2, [{ range: range(99, 0, 99, 5), text: 'pub fn b() {}\n' }]);
        await server.change('a.sg', 3, [{ range: range(0, 500, 0, 900), text: ' // end' }]);
        const p = await server.waitPublish('a.sg', { version: 3 });
        assert.deepEqual(p.diagnostics, []);
        const syms = await server.symbols('a.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.range]), [['a', range(0, 0, 0, 13)], ['b', range(1, 0, 1, 13)]]);
        // a character in the middle of a surrogate pair, a reversed range, negative numbers: no crash
        await server.change('a.sg', 4, [{ range: range(0, 0, 0, 0), text: '// 😀\n' }]);
        await server.change('a.sg', 5, [{ range: range(0, 4, 0, 4), text: '' }]);
        await server.change('a.sg', 6, [{ range: range(1, 5, 1, 2), text: '' }]);
        await server.change('a.sg', 7, [{ range: range(-1, -1, -1, -1), text: 'x' }]);
        await server.change('a.sg', 8, [{ range: range(4294967295, 4294967295, 4294967296, 1e300), text: '' }]);
        await server.change('a.sg', 9, [{ range: range(0.5, 1.5, '1', null), text: '' }]);
        await server.waitPublish('a.sg', { version: 9 });
        assert.ok(Array.isArray(await server.symbols('a.sg')));
    });

    test('requests with out-of-range or ill-typed positions get one answer each, no crash', async (t) => {
        const { ws, server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        await server.open('main.sg');
        await server.waitPublish('main.sg', { version: 1 });
        const positions = [
            pos(99, 0), pos(0, 99999), pos(4294967295, 4294967295), pos(4294967296, 1e300),
            pos(-1, -5), pos(1.5, 0.5), pos('3', null),
        ];
        const methods = ['textDocument/hover', 'textDocument/definition', 'textDocument/references', 'textDocument/completion',
            'textDocument/signatureHelp', 'textDocument/prepareRename'];
        let n = 0;
        for (const p of positions) {
            for (const method of methods) {
                const params = { textDocument: td(ws, 'main.sg'), position: p, context: { includeDeclaration: true } };
                try { await server.request(method, params); } catch (e) { assert.ok(e instanceof rpc.ResponseError, `${method} ${JSON.stringify(p)}: ${e}`); }
                n++;
            }
            for (const method of ['textDocument/inlayHint', 'textDocument/codeAction']) {
                const params = { textDocument: td(ws, 'main.sg'), range: { start: p, end: p }, context: { diagnostics: [] } };
                try { await server.request(method, params); } catch (e) { assert.ok(e instanceof rpc.ResponseError, `${method} ${JSON.stringify(p)}: ${e}`); }
                n++;
            }
        }
        assert.equal(n, positions.length * 8);
        assert.equal((await server.symbols('main.sg')).length, 1);
        assertNoDuplicateResponses(server.raw);
        assert.equal(server.state.exit, null, 'the server is still running');
    });

    test('didChange of a document that was never opened is ignored', async (t) => {
        const { ws, server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN });
        // geo.sg exists on disk but is not open; ghost.sg does not exist at all
        await server.change('geo.sg', 7, [{ text: GEO_INT }]);
        await server.change('ghost.sg', 2, [{ range: range(0, 0, 0, 0), text: 'pub fn g() -> Int { "" }' }]);
        await server.open('main.sg');
        const pm = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(pm.diagnostics, [], 'geo.sg keeps its disk text');
        assert.deepEqual(server.publishesOf('ghost.sg'), []);
        assert.ok(server.publishesOf('geo.sg').every((p) => p.version === undefined && p.diagnostics.length === 0));
        assert.deepEqual(await server.symbols('ghost.sg'), []);
    });
});

// ============================================================ cancellation

describe('cancellation', () => {
    test('$/cancelRequest (vscode-jsonrpc token): one reply, result or -32800, and the server keeps working', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO });
        const outcomes = [];
        for (let i = 0; i < 5; i++) {
            const src = new rpc.CancellationTokenSource();
            const p = server.request(proto.DocumentSymbolRequest.type, { textDocument: { uri: server.ws.uri('geo.sg') } }, src.token);
            src.cancel();
            try {
                outcomes.push((await p).length);
            } catch (e) {
                assert.equal(e.code, proto.LSPErrorCodes.RequestCancelled, String(e)); // -32800
                outcomes.push('cancelled');
            }
        }
        assert.deepEqual((await server.symbols('geo.sg')).length, 4);
        for (const o of outcomes) assert.ok(o === 4 || o === 'cancelled', String(o));
        assertNoDuplicateResponses(server.raw);
        assert.deepEqual(server.logErrors, []);
    });

    test('$/cancelRequest for pending, finished and unknown ids (raw)', async (t) => {
        const { client } = await startRaw(t, { 'a.sg': 'pub fn a() {}\n' });
        const since = client.mark();
        await client.write(Buffer.concat([
            frame(client.documentSymbolMessage(60, 'a.sg')),
            frame({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 60 } }),
        ]));
        const r = await client.waitResponse(60, since);
        assert.ok(Array.isArray(r.result) || (r.error && r.error.code === -32800), JSON.stringify(r));
        await client.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 60 } }); // finished
        await client.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'nope' } }); // unknown
        await client.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: {} }); // malformed
        const r2 = await client.documentSymbol(61, 'a.sg');
        assert.equal(r2.result.length, 1);
        assert.deepEqual(client.responses(since).map((m) => m.id), [60, 61]);
    });
});

// ============================================================ shared cache

describe('on-disk cache', () => {
    test('the server writes the cache that `sigil --check` then reuses', async (t) => {
        const { ws, server } = await startSession(t, { 'geo.sg': GEO, 'main.sg': MAIN }, { caps: { progress: true } });
        await waitFor(() => server.events.includes('progress end'), 'the start-up check', undefined, () => server.detail());
        assert.equal((await server.shutdownAndExit()).code, 0);
        assert.ok(fs.existsSync(ws.path('.sigil-cache')), 'ROOT/.sigil-cache exists');
        const r = checkJson(ws);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.json.modules, { total: 2, checked: [], reused: ['geo', 'main'] });
    });
});

// ======================================================= editor features

// Helpers for the feature tests: accept every result shape LSP 3.17 allows.
const locations = (r) => (r === null ? [] : Array.isArray(r) ? r : [r]).map((l) => (l.targetUri
    ? { uri: l.targetUri, range: l.targetSelectionRange }
    : { uri: l.uri, range: l.range }));
const hoverText = (h) => {
    const c = h.contents;
    const one = (x) => (typeof x === 'string' ? x : x.value);
    return Array.isArray(c) ? c.map(one).join('\n') : one(c);
};
const completionItems = (r) => (Array.isArray(r) ? r : r ? r.items : []);
const byPosition = (a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
function editsByUri(we) {
    const out = {};
    if (we.changes) for (const [uri, edits] of Object.entries(we.changes)) out[uri] = edits;
    for (const dc of we.documentChanges || []) if (dc.textDocument) out[dc.textDocument.uri] = (out[dc.textDocument.uri] || []).concat(dc.edits);
    for (const k of Object.keys(out)) out[k] = out[k].map((e) => ({ range: e.range, newText: e.newText }));
    return out;
}
function applyEdits(text, edits) {
    const lines = text.split('\n');
    const offset = (p) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character; // ASCII only
    const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
    for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
    return text;
}
function decodeTokens(data, legend) {
    const out = [];
    let line = 0, ch = 0;
    for (let i = 0; i + 4 < data.length; i += 5) {
        line += data[i];
        ch = data[i] ? data[i + 1] : ch + data[i + 1];
        out.push({ line, character: ch, length: data[i + 2], type: legend.tokenTypes[data[i + 3]] });
    }
    return out;
}
async function featureSession(t, files = { 'geo.sg': GEO, 'main.sg': MAIN }, open = ['geo.sg', 'main.sg']) {
    const s = await startSession(t, files);
    for (const rel of open) {
        await s.server.open(rel, files[rel]);
        await s.server.waitPublish(rel, { version: 1 });
    }
    return s;
}
const td = (ws, rel) => ({ uri: ws.uri(rel) });
/**
 * The way an editor gets there: main.sg open and checked, then the user types
 * a new line 6 (`line`) after line 5, and the request follows the didChange
 * at once, without waiting for diagnostics.
 */
async function typeLine(t, line) {
    const s = await featureSession(t, { 'geo.sg': GEO, 'main.sg': MAIN }, ['main.sg']);
    await s.server.change('main.sg', 2, [{ range: range(5, 31, 5, 31), text: `\n${line}` }]);
    return s;
}

describe('features not implemented yet', () => {
    test('capabilities: the providers for the remaining features are advertised', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN });
        const c = server.initResult.capabilities;
        assert.ok(c.hoverProvider, 'hoverProvider');
        assert.ok(c.definitionProvider, 'definitionProvider');
        assert.ok(c.referencesProvider, 'referencesProvider');
        assert.ok(c.workspaceSymbolProvider, 'workspaceSymbolProvider');
        assert.ok(c.completionProvider && c.completionProvider.triggerCharacters.includes('.'), 'completion on "."');
        assert.ok(c.signatureHelpProvider && c.signatureHelpProvider.triggerCharacters.includes('('), 'signature help on "("');
        assert.equal(c.renameProvider && c.renameProvider.prepareProvider, true, 'rename with prepareRename');
        assert.ok(c.codeActionProvider, 'codeActionProvider');
        assert.ok(c.inlayHintProvider, 'inlayHintProvider');
        assert.ok(c.semanticTokensProvider && c.semanticTokensProvider.full && c.semanticTokensProvider.legend, 'semantic tokens');
    });

    test('hover: the type of a function from another module, a local, and a doc comment', async (t) => {
        const { ws, server } = await featureSession(t);
        const h = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 28) });
        assert.ok(h, 'a hover on `scale`');
        // `fn scale(p: Point, k: Float) -> Point` or `scale: fn(geo.Point, Float) -> geo.Point`
        assert.match(hoverText(h), /scale/);
        assert.match(hoverText(h), /\((p: )?(geo\.)?Point, (k: )?Float\) -> (geo\.)?Point/);
        if (h.range) assert.deepEqual(h.range, range(4, 27, 4, 32));
        const hp = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 33) });
        assert.match(hoverText(hp), /geo\.Point/, 'the local `p` is a geo.Point');
        const hs = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(3, 17) });
        assert.match(hoverText(hs), /A point in the plane\./, 'the doc comment of Point');
        const none = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(1, 0) });
        assert.equal(none, null, 'nothing on an empty line');
    });

    test('definition: across modules, into the standard library, and of a local', async (t) => {
        const { ws, server } = await featureSession(t);
        const def = (p) => server.request(proto.DefinitionRequest.type, { textDocument: td(ws, 'main.sg'), position: p });
        assert.deepEqual(locations(await def(pos(4, 28))), [{ uri: ws.uri('geo.sg'), range: range(7, 7, 7, 12) }]);
        assert.deepEqual(locations(await def(pos(3, 17))), [{ uri: ws.uri('geo.sg'), range: range(1, 11, 1, 16) }]);
        assert.deepEqual(locations(await def(pos(4, 33))), [{ uri: ws.uri('main.sg'), range: range(3, 8, 3, 9) }]);
        const std = locations(await def(pos(5, 5)));
        assert.equal(std.length, 1);
        assert.match(std[0].uri, /\/std\/prelude\.sg$/);
    });

    test('references: across modules, with and without the declaration', async (t) => {
        const { ws, server } = await featureSession(t, undefined, ['geo.sg']);
        const refs = async (includeDeclaration) => locations(await server.request(proto.ReferencesRequest.type, {
            textDocument: td(ws, 'geo.sg'), position: pos(7, 8), context: { includeDeclaration },
        })).sort(byPosition);
        assert.deepEqual(await refs(true), [
            { uri: ws.uri('geo.sg'), range: range(7, 7, 7, 12) },
            { uri: ws.uri('main.sg'), range: range(4, 27, 4, 32) },
        ].sort(byPosition));
        assert.deepEqual(await refs(false), [{ uri: ws.uri('main.sg'), range: range(4, 27, 4, 32) }]);
    });

    test('completion: module members after `geo.`', async (t) => {
        const { ws, server } = await typeLine(t, '    geo.');
        const r = await server.request(proto.CompletionRequest.type, {
            textDocument: td(ws, 'main.sg'), position: pos(6, 8), context: { triggerKind: 2, triggerCharacter: '.' },
        });
        const items = completionItems(r);
        const kind = Object.fromEntries(items.map((i) => [i.label, i.kind]));
        for (const name of ['Point', 'Shape', 'ORIGIN', 'scale', 'Circle', 'Dot']) assert.ok(name in kind, `${name} offered`);
        assert.equal(kind.scale, proto.CompletionItemKind.Function);
        assert.equal(kind.Point, proto.CompletionItemKind.Struct);
        assert.equal(kind.ORIGIN, proto.CompletionItemKind.Constant);
        assert.equal(kind.Circle, proto.CompletionItemKind.EnumMember);
        assert.ok(!('main' in kind) && !('let' in kind), 'only the module\'s exports after `geo.`');
    });

    test('completion: struct fields after `q.`', async (t) => {
        const { ws, server } = await typeLine(t, '    q.');
        const r = await server.request(proto.CompletionRequest.type, {
            textDocument: td(ws, 'main.sg'), position: pos(6, 6), context: { triggerKind: 2, triggerCharacter: '.' },
        });
        const items = completionItems(r);
        assert.deepEqual(items.map((i) => [i.label, i.kind]).sort(), [['x', 5], ['y', 5]]);
    });

    test('completion: locals, items, prelude names and keywords', async (t) => {
        const { ws, server } = await typeLine(t, '    ');
        const r = await server.request(proto.CompletionRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(6, 4) });
        const labels = new Set(completionItems(r).map((i) => i.label));
        for (const name of ['p', 'q', 'main', 'geo', 'print', 'Some', 'None', 'let', 'if', 'match', 'return'])
            assert.ok(labels.has(name), `${name} offered`);
    });

    test('signature help: the active parameter of a call', async (t) => {
        const { ws, server } = await typeLine(t, '    let _r = geo.scale(p, 3.0)');
        const sh = async (p) => server.request(proto.SignatureHelpRequest.type, {
            textDocument: td(ws, 'main.sg'), position: p, context: { triggerKind: 1, isRetrigger: false },
        });
        const r = await sh(pos(6, 27));
        assert.ok(r && r.signatures.length >= 1);
        const sig = r.signatures[r.activeSignature ?? 0];
        assert.match(sig.label, /scale\((p: )?(geo\.)?Point, (k: )?Float\) -> (geo\.)?Point/);
        assert.equal(sig.parameters.length, 2);
        assert.equal(sig.activeParameter ?? r.activeParameter, 1);
        const r0 = await sh(pos(6, 23));
        const sig0 = r0.signatures[r0.activeSignature ?? 0];
        assert.equal(sig0.activeParameter ?? r0.activeParameter, 0);
    });

    test('rename: prepareRename and a rename across modules', async (t) => {
        const { ws, server } = await featureSession(t);
        const prep = await server.request(proto.PrepareRenameRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 28) });
        assert.deepEqual(prep.range ?? prep, range(4, 27, 4, 32));
        const we = await server.request(proto.RenameRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 28), newName: 'resize' });
        assert.deepEqual(editsByUri(we), {
            [ws.uri('geo.sg')]: [{ range: range(7, 7, 7, 12), newText: 'resize' }],
            [ws.uri('main.sg')]: [{ range: range(4, 27, 4, 32), newText: 'resize' }],
        });
        // on a keyword: nothing to rename
        let onKeyword;
        try { onKeyword = await server.request(proto.PrepareRenameRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(2, 0) }); } catch (e) { onKeyword = null; }
        assert.equal(onKeyword, null);
    });

    test('code action: add the missing import for `math.sqrt`', async (t) => {
        const text = 'pub fn root() -> Float {\n    math.sqrt(2.0)\n}\n';
        const { ws, server } = await featureSession(t, { 'calc.sg': text }, ['calc.sg']);
        const diag = (await server.pull('calc.sg')).items;
        assert.deepEqual(briefs(diag), [{ code: 'E103', severity: 1, range: range(1, 4, 1, 8) }]);
        const actions = await server.request(proto.CodeActionRequest.type, {
            textDocument: td(ws, 'calc.sg'), range: range(1, 4, 1, 8), context: { diagnostics: diag },
        });
        const fix = (actions || []).find((a) => /import std\.math/.test(a.title));
        assert.ok(fix, `an "import std.math" action in ${JSON.stringify(actions)}`);
        assert.equal(fix.kind, 'quickfix');
        const edits = editsByUri(fix.edit)[ws.uri('calc.sg')];
        const fixed = applyEdits(text, edits);
        assert.equal(fixed.split('\n')[0], 'import std.math');
        await server.change('calc.sg', 2, [{ text: fixed }]);
        assert.deepEqual((await server.waitPublish('calc.sg', { version: 2 })).diagnostics, []);
    });

    test('inlay hints: the inferred type of an unannotated let', async (t) => {
        const { ws, server } = await featureSession(t);
        const hints = await server.request(proto.InlayHintRequest.type, { textDocument: td(ws, 'main.sg'), range: range(0, 0, 7, 0) });
        const label = (h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
        const at = hints.map((h) => [h.position.line, h.position.character, label(h).replace(/\s+/g, '')]);
        assert.deepEqual(at, [[3, 9, ':geo.Point']], 'only `p` (line 3) is unannotated');
        assert.equal(hints[0].kind ?? proto.InlayHintKind.Type, proto.InlayHintKind.Type);
    });

    test('semantic tokens: full document', async (t) => {
        const { ws, server } = await featureSession(t);
        const legend = server.initResult.capabilities.semanticTokensProvider.legend;
        const r = await server.request(proto.SemanticTokensRequest.type, { textDocument: td(ws, 'main.sg') });
        assert.equal(r.data.length % 5, 0);
        const toks = decodeTokens(r.data, legend);
        const at = (l, c) => toks.find((x) => x.line === l && x.character === c);
        assert.ok(['function', 'method'].includes(at(4, 27)?.type) && at(4, 27).length === 5, 'geo.scale is a function');
        assert.equal(at(0, 7)?.type, 'namespace', 'the import binding `geo`');
        assert.ok(['struct', 'type', 'class'].includes(at(3, 16)?.type), 'Point is a type');
        assert.equal(at(0, 0)?.type, 'keyword', '`import`');
    });

    test('workspace symbols: by (partial) name across the workspace', async (t) => {
        const { ws, server } = await featureSession(t, undefined, []);
        const r = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'scal' });
        const s = r.find((x) => x.name === 'scale');
        assert.ok(s, JSON.stringify(r));
        assert.equal(s.kind, 12);
        assert.equal(s.location.uri, ws.uri('geo.sg'));
        if (s.location.range) assert.deepEqual(s.location.range.start.line, 7);
        const r2 = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'Poi' });
        assert.ok(r2.some((x) => x.name === 'Point' && x.kind === 23));
    });
});

// ================================================================ the fast path
//
// An edit of an open module that keeps its import list is re-checked against
// the last run alone (log: "re-checked N open modules"); a whole run (log:
// "checked N modules (K from cache)") follows only when the export hash
// changed, the imports changed, or something other than an open buffer did.

const wholeRuns = (server, from) => [...server.state.stderr.slice(from).matchAll(/checked (\d+) modules \(/g)].length;
/** The log line of a whole run is written after its publishes (some of which may come early): wait for it. */
const awaitWholeRuns = (server, from, n) => waitFor(() => wholeRuns(server, from) >= n, `${n} whole run(s) in the log`, undefined, () => server.detail());
/** Until every check so far is done (a pull waits for that) and its log lines have arrived. */
async function idle(server) {
    await server.pull('main.sg');
    await sleep(50);
}
const fastRuns = (server, from) => [...server.state.stderr.slice(from).matchAll(/re-checked (\d+) open modules/g)]
    .map((m) => Number(m[1]));

describe('the fast path', () => {
    test('a body edit re-checks only the edited module; a dependent is not re-checked or re-published', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        const since = server.mark();
        // `p.y * k` -> `p.y * k * 1.0`: same signature
        await server.change('geo.sg', 2, [{ range: range(8, 34, 8, 34), text: ' * 1.0' }]);
        assert.deepEqual((await server.waitPublish('geo.sg', { since, version: 2 })).diagnostics, []);
        // a body error, then its fix
        await server.change('geo.sg', 3, [{ range: range(8, 34, 8, 40), text: ' * 1' }]);
        const p3 = await server.waitPublish('geo.sg', { since, version: 3 });
        assert.deepEqual(p3.diagnostics.map((d) => d.code), ['E206']);
        await server.change('geo.sg', 4, [{ range: range(8, 34, 8, 38), text: '' }]);
        assert.deepEqual((await server.waitPublish('geo.sg', { since, version: 4 })).diagnostics, []);
        await sleep(150);
        assert.deepEqual(fastRuns(server, from), [1, 1, 1], server.state.stderr.slice(from));
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
        assert.deepEqual(server.publishesOf('main.sg', since), [], 'main.sg is untouched');
        assert.deepEqual((await server.pull('main.sg')).items, []);
    });

    test('lines inserted above the items: definition and hover from a dependent follow them', async (t) => {
        const { ws, server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        // two lines before `pub fn scale`, and a new doc comment on Point
        await server.change('geo.sg', 2, [
            { range: range(6, 0, 6, 0), text: '// one\n// two\n' },
            { range: range(0, 4, 0, 25), text: 'Where things are.' },
        ]);
        assert.deepEqual((await server.waitPublish('geo.sg', { version: 2 })).diagnostics, []);
        const def = (p) => server.request(proto.DefinitionRequest.type, { textDocument: td(ws, 'main.sg'), position: p });
        assert.deepEqual(locations(await def(pos(4, 28))), [{ uri: ws.uri('geo.sg'), range: range(9, 7, 9, 12) }]);
        assert.deepEqual(locations(await def(pos(3, 17))), [{ uri: ws.uri('geo.sg'), range: range(1, 11, 1, 16) }]);
        const h = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(3, 18) });
        assert.match(h.contents.value, /Where things are\./);
        assert.doesNotMatch(h.contents.value, /in the plane/);
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
    });

    test('a signature edit: the edited module is published first, then its dependents after a whole run', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        const since = server.mark();
        await server.change('geo.sg', 2, [{ range: GEO_K_RANGE, text: 'Int' }]);
        const pm = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length > 0 });
        assert.deepEqual(briefs(pm.diagnostics), [MAIN_E201_INT]);
        const all = server.published.slice(since);
        const ig = all.findIndex((p) => p.uri.endsWith('/geo.sg') && p.version === 2);
        assert.ok(ig >= 0 && ig < all.indexOf(pm), 'geo.sg v2 comes before main.sg');
        assert.deepEqual(briefs(all[ig].diagnostics), GEO_INT_E206);
        assert.match(server.state.stderr.slice(from), /geo: its signature changed/);
        await awaitWholeRuns(server, from, 1);
        await sleep(100);
        assert.equal(wholeRuns(server, from), 1);
        // further body edits of geo while main is stale-free again: fast
        const from2 = server.state.stderr.length;
        await server.change('geo.sg', 3, [{ range: range(8, 0, 8, 0), text: '    let _z = 1\n' }]);
        assert.deepEqual(briefs((await server.waitPublish('geo.sg', { since, version: 3 })).diagnostics),
            GEO_INT_E206.map((d) => ({ ...d, range: range(d.range.start.line + 1, d.range.start.character, d.range.end.line + 1, d.range.end.character) })));
        assert.equal(wholeRuns(server, from2), 0);
    });

    test('an edit of the import list goes through a whole run', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        await server.change('main.sg', 2, [{ range: range(1, 0, 1, 0), text: 'import std.math\n' }]);
        const p = await server.waitPublish('main.sg', { version: 2 });
        assert.deepEqual(p.diagnostics.map((d) => [d.code, d.range.start.line]), [['W001', 1]]);
        assert.match(server.state.stderr.slice(from), /its imports changed/);
        await awaitWholeRuns(server, from, 1);
        await sleep(100);
        assert.equal(wholeRuns(server, from), 1);
    });

    test('its results go to the on-disk cache (behind), which `sigil --check` then reuses', async (t) => {
        const { ws, server } = await featureSession(t);
        const edited = MAIN.replace('scale(p, 2.0)', 'scale(p, 3.0)');
        await server.change('main.sg', 2, [{ range: range(4, 36, 4, 39), text: '3.0' }]);
        await server.waitPublish('main.sg', { version: 2 });
        ws.write('main.sg', edited);   // as the editor saves it
        assert.equal((await server.shutdownAndExit()).code, 0);
        const r = checkJson(ws);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.json.modules, { total: 2, checked: [], reused: ['geo', 'main'] });
    });

    test('many body edits of a module others import: all on the fast path, a dependent\'s queries stay right', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        let text = GEO;
        for (let v = 2; v <= 80; v++) {
            // 1.0 -> 2.0 -> ... in `ORIGIN`'s x: a body (const value) edit
            const next = text.replace(/x: \d+\.0, y: 0\.0/, `x: ${v}.0, y: 0.0`);
            await server.change('geo.sg', v, [{ text: next }]);
            text = next;
            await server.waitPublish('geo.sg', { version: v });
        }
        assert.deepEqual((await server.waitPublish('geo.sg', { version: 80 })).diagnostics, []);
        await sleep(300);
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
        assert.equal(fastRuns(server, from).length, 79);
        assert.deepEqual((await server.pull('main.sg')).items, []);
        const def = await server.request(proto.DefinitionRequest.type, { textDocument: td(server.ws, 'main.sg'), position: pos(4, 28) });
        assert.deepEqual(locations(def), [{ uri: server.ws.uri('geo.sg'), range: range(7, 7, 7, 12) }]);
    });
});
