// diagnostics.test.mjs - the language server through a real client: published and pulled diagnostics.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import fs from 'node:fs';

import { clientCapabilities, proto, startSession, waitFor } from './harness.mjs';
import {
    GEO, MAIN, MAIN_BAD, EMOJI, range, briefs, MAIN_E201_INT, GEO_INT_E206, GEO_K_RANGE, watched,
} from './fixtures.mjs';

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

    test('per-code severities of sigil.json: a code turned off is not published, one raised or lowered is; a change to sigil.json applies', async (t) => {
        const SRC = 'fn f() -> Int {\n    let unused = 1\n    "no"\n}\n';
        const files = { 'a.sg': SRC, 'sigil.json': '{"diagnostics": {"W002": "off", "E201": "warning"}}\n' };
        const { ws, server } = await startSession(t, files);
        await server.open('a.sg');
        const p = await server.waitPublish('a.sg', { version: 1 });
        assert.deepEqual(p.diagnostics.map((d) => [d.code, d.severity]), [['E201', proto.DiagnosticSeverity.Warning]]);
        assert.deepEqual((await server.pull('a.sg')).items.map((d) => [d.code, d.severity]), [['E201', 2]]);
        const since = server.mark();
        ws.write('sigil.json', '{"diagnostics": {"W002": "error"}}\n');
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'sigil.json'));
        const p2 = await server.waitPublish('a.sg', { since, pred: (q) => q.diagnostics.length === 2 });
        assert.deepEqual(p2.diagnostics.map((d) => [d.code, d.severity]), [['W002', 1], ['E201', 1]]);
    });

    test('a broken sigil.json or a source directory gone: the user is told, and pull requests are still answered', async (t) => {
        const files = { 'sigil.json': '{"src": ["lib", "app"]}\n', 'lib/util.sg': 'pub fn f() -> Int { 1 }\n', 'app/main.sg': 'import util\nfn main() { let _x: Int = util.f() }\n' };
        const { ws, server } = await startSession(t, files);
        const messages = server.shown;
        await server.open('app/main.sg');
        await server.waitPublish('app/main.sg', { version: 1 });
        let version = 1;
        for (const [what, write] of [
            ['a malformed sigil.json', () => ws.write('sigil.json', '{"src": [\n')],
            ['a source directory gone', () => { ws.write('sigil.json', '{"src": ["lib", "app"]}\n'); fs.renameSync(ws.path('lib'), ws.path('v1.0')); }],
        ]) {
            const before = messages.length;
            write();
            await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'sigil.json'));
            const r = await server.pull('app/main.sg');   // answered, not left waiting
            assert.ok(Array.isArray(r.items), what);
            await waitFor(() => messages.length > before, `a showMessage for ${what}`);
            assert.equal(messages[messages.length - 1].type, proto.MessageType.Error, what);
            // an edit of the open buffer while the folder cannot be checked:
            // still answered (there is no run the fast path could take it on)
            await server.change('app/main.sg', ++version, [{ range: range(1, 0, 1, 0), text: ' ' }]);
            const r2 = await server.pull('app/main.sg');
            assert.ok(Array.isArray(r2.items), `${what}, then an edit`);
        }
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

describe('diagnostic tags (issue 14)', () => {
    test('unused imports and locals carry the Unnecessary tag, other diagnostics none', async (t) => {
        const { server } = await startSession(t, { 'm.sg': 'import std.list\n\npub fn f() -> Int {\n    let x = 1\n    "s"\n}\n' });
        await server.open('m.sg');
        const p = await server.waitPublish('m.sg', { version: 1 });
        assert.deepEqual(p.diagnostics.map((d) => [d.code, d.tags]).sort(),
            [['E201', undefined], ['W001', [proto.DiagnosticTag.Unnecessary]], ['W002', [proto.DiagnosticTag.Unnecessary]]]);
        const pulled = (await server.pull('m.sg')).items;
        assert.deepEqual(pulled.map((d) => d.tags), p.diagnostics.map((d) => d.tags));
    });
});

describe('related information (issue 14)', () => {
    // 😀 before each place: ranges are in UTF-16 like the diagnostics'
    const SHAPE = '// 😀\npub struct Point { x: Float, y: Float }\npub fn area(p: Point, /* 😀 */ scale: Float) -> Float { p.x * scale }\n';
    const MAIN = 'import shape\nfn f() {}\n/* 😀 */ fn f() {}\npub fn g() -> Float {\n    shape.area(shape.Point { x: 1.0, y: 2.0 }, 3)\n}\n';
    const rel = (d) => (d.relatedInformation || []).map((r) => [r.location.uri, r.location.range, r.message]);

    test('E107 points at the first definition and E201 at the parameter of another file; pull agrees', async (t) => {
        const { ws, server } = await startSession(t, { 'shape.sg': SHAPE, 'main.sg': MAIN });
        await server.open('main.sg');
        const p = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(p.diagnostics.map((d) => [d.code, rel(d)]), [
            ['E107', [[ws.uri('main.sg'), range(1, 3, 1, 4), 'first defined here']]],
            ['E201', [[ws.uri('shape.sg'), range(2, 31, 2, 43), 'expected because of this parameter']]],
        ]);
        assert.deepEqual((await server.pull('main.sg')).items.map(rel), p.diagnostics.map(rel));
    });

    test('an edit that only moves lines of the other file publishes the dependent again, pointing where the parameter is now', async (t) => {
        const { ws, server } = await startSession(t, { 'shape.sg': SHAPE, 'main.sg': MAIN });
        await server.open('main.sg');
        await server.open('shape.sg');
        await server.waitPublish('main.sg', { version: 1 });
        await server.waitPublish('shape.sg', { version: 1 });
        const since = server.mark();
        await server.change('shape.sg', 2, [{ range: range(0, 0, 0, 0), text: '// two\n// more lines\n' }]);
        const p = await server.waitPublish('main.sg', { since, pred: (q) => q.diagnostics.some((d) => rel(d)[0]?.[1].start.line === 4) });
        assert.equal(p.version, 1, 'main.sg itself did not change');
        assert.deepEqual(p.diagnostics.map((d) => [d.code, rel(d)]), [
            ['E107', [[ws.uri('main.sg'), range(1, 3, 1, 4), 'first defined here']]],
            ['E201', [[ws.uri('shape.sg'), range(4, 31, 4, 43), 'expected because of this parameter']]],
        ]);
    });

    test('a client that does not accept related information gets none', async (t) => {
        const capabilities = clientCapabilities();
        capabilities.textDocument.publishDiagnostics = { versionSupport: true };
        const { server } = await startSession(t, { 'shape.sg': SHAPE, 'main.sg': MAIN }, { capabilities });
        await server.open('main.sg');
        const p = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(p.diagnostics.map((d) => [d.code, d.relatedInformation]), [['E107', undefined], ['E201', undefined]]);
    });
});
