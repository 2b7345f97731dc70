// index.test.mjs - the language server through a real client: references,
// rename, workspace symbols and the call hierarchy answered from the
// project-wide index, across open and closed files, after unsaved edits,
// files changed and deleted on disk; every answer compared with one
// computed from scratch (a fresh server on a copy of the workspace as the
// editor shows it) and with what the text says; rename refusals; cancel.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, test } from 'node:test';

import { proto, rpc, startSession, checkJson, Workspace, Server, sleep } from './harness.mjs';
import { range, pos, td, editsByUri, applyEdits, watched, rejects } from './fixtures.mjs';

// Every `scale` in these files is a use of lib.geo's `scale` (so the text
// itself says where the references are), and every `norm` of its `norm`.
const FILES = {
    'lib/geo.sg': `pub struct Point { x: Float, y: Float }

pub fn scale(p: Point, k: Float) -> Point {
    Point { x: p.x * k, y: p.y * k }
}

pub fn norm(p: Point) -> Float {
    let q = scale(p, 1.0)
    q.x * q.x + q.y * q.y
}
`,
    'app/a.sg': `import lib.geo

pub fn a() -> Float {
    let p = geo.Point { x: 1.0, y: 2.0 }
    geo.norm(geo.scale(p, 2.0))
}
`,
    'app/b.sg': `import lib.geo.{scale, Point}

pub fn b(k: Float) -> Point {
    let p = Point { x: k, y: k }
    scale(scale(p, k), 2.0)
}

fn helper() -> Int { 1 }
`,
    'app/c.sg': `import lib.geo as g

pub fn c() -> Float {
    g.norm(g.scale(g.Point { x: 0.0, y: 1.0 }, 3.0))
}
`,
    'app/d.sg': `// no use of geo at all
pub fn d() -> Int { 4 }
`,
};

/** Where the word `word` is written in `text`: LSP ranges (ASCII text). */
function wordRanges(text, word) {
    const out = [];
    text.split('\n').forEach((line, l) => {
        for (const m of line.matchAll(new RegExp(`\\b${word}\\b`, 'g'))) out.push(range(l, m.index, l, m.index + word.length));
    });
    return out;
}

/** The references of `word` the text shows in `texts` ({rel: text}), as [rel, range] sorted. */
const textRefs = (texts, word) => Object.entries(texts)
    .flatMap(([rel, text]) => wordRanges(text, word).map((r) => [rel, r]))
    .sort(cmpRef);

function cmpRef(a, b) {
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1].start.line - b[1].start.line || a[1].start.character - b[1].start.character;
}

/** [rel, range] pairs of locations of a workspace, sorted. */
const rels = (ws, locs) => locs.map((l) => [l.uri.slice(ws.rootUri.length + 1), l.range]).sort(cmpRef);

async function openAll(server, rels, texts) {
    const since = server.mark();
    for (const rel of rels) await server.open(rel, texts[rel]);
    for (const rel of rels) await server.waitPublish(rel, { since });
}

async function refs(server, ws, rel, p, includeDeclaration = true) {
    const r = await server.request(proto.ReferencesRequest.type, {
        textDocument: td(ws, rel), position: p, context: { includeDeclaration },
    });
    return rels(ws, r);
}

/**
 * The same request answered from scratch: a fresh server on a copy of the
 * workspace as the editor shows it (buffers written as files), the same
 * files open, no cache.
 */
async function fromScratch(t, texts, open, ask) {
    const ws = new Workspace(texts);
    const server = new Server(ws);
    t.after(async () => {
        await server.dispose();
        ws.cleanup();
    });
    await server.initialize();
    await openAll(server, open, texts);
    return ask(server, ws);
}

/** The files of a workspace as a client sees them: disk, with the open buffers over it. */
function shown(ws, buffers = {}) {
    const out = {};
    const walk = (dir) => {
        for (const e of fs.readdirSync(ws.path(dir), { withFileTypes: true })) {
            const rel = dir ? `${dir}/${e.name}` : e.name;
            if (e.name.startsWith('.')) continue;
            if (e.isDirectory()) walk(rel);
            else if (rel.endsWith('.sg')) out[rel] = ws.read(rel);
        }
    };
    walk('');
    return { ...out, ...buffers };
}

describe('references from the index', () => {
    test('across open and closed modules, with and without the declaration; the same from scratch', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/a.sg'], FILES);
        const at = pos(4, 18);  // `scale` in geo.scale(p, 2.0)
        const got = await refs(server, ws, 'app/a.sg', at);
        assert.deepEqual(got, textRefs(FILES, 'scale'));
        const noDecl = await refs(server, ws, 'app/a.sg', at, false);
        assert.deepEqual(noDecl, textRefs(FILES, 'scale').filter(([rel, r]) => !(rel === 'lib/geo.sg' && r.start.line === 2)));
        assert.deepEqual(await fromScratch(t, FILES, ['app/a.sg'], (s, w) => refs(s, w, 'app/a.sg', at)), got);
        // a struct and its fields, from a closed module's use
        const point = await refs(server, ws, 'app/a.sg', pos(3, 16));
        assert.deepEqual(point.map(([rel]) => rel), ['app/a.sg', 'app/b.sg', 'app/b.sg', 'app/b.sg', 'app/c.sg',
            'lib/geo.sg', 'lib/geo.sg', 'lib/geo.sg', 'lib/geo.sg', 'lib/geo.sg']);
        const x = await refs(server, ws, 'app/a.sg', pos(3, 24));
        assert.deepEqual(x, [['app/a.sg', range(3, 24, 3, 25)], ['app/b.sg', range(3, 20, 3, 21)],
            ['app/c.sg', range(3, 29, 3, 30)], ['lib/geo.sg', range(0, 19, 0, 20)], ['lib/geo.sg', range(3, 12, 3, 13)],
            ['lib/geo.sg', range(3, 17, 3, 18)], ['lib/geo.sg', range(8, 6, 8, 7)], ['lib/geo.sg', range(8, 12, 8, 13)]]);
    });

    test('after unsaved edits in open buffers, and in closed files changed on disk', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/a.sg', 'app/b.sg'], FILES);
        // an unsaved edit of b.sg: two lines more before its uses, and a new use
        const b2 = FILES['app/b.sg'].replace('pub fn b(', '// moved\n// down\npub fn b(')
            .replace('fn helper() -> Int { 1 }', 'fn helper() -> Point { scale(Point { x: 1.0, y: 1.0 }, 0.5) }');
        let since = server.mark();
        await server.change('app/b.sg', 2, [{ text: b2 }]);
        await server.waitPublish('app/b.sg', { since, version: 2 });
        const buffers = { 'app/b.sg': b2 };
        let got = await refs(server, ws, 'app/a.sg', pos(4, 18));
        assert.deepEqual(got, textRefs(shown(ws, buffers), 'scale'));
        // a closed file changed on disk, the client says so
        const c2 = FILES['app/c.sg'].replace('pub fn c()', 'fn twice(p: g.Point) -> g.Point { g.scale(p, 2.0) }\n\npub fn c()');
        ws.write('app/c.sg', c2);
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'app/c.sg'));
        got = await refs(server, ws, 'app/a.sg', pos(4, 18));
        assert.deepEqual(got, textRefs(shown(ws, buffers), 'scale'));
        // a closed file changed on disk, and nobody says so: the index sees
        // that the text is not the one indexed, and answers after checking it
        const d2 = 'import lib.geo.{scale, Point}\n\npub fn d() -> Point { scale(Point { x: 4.0, y: 4.0 }, 1.0) }\n';
        ws.write('app/d.sg', d2);
        got = await refs(server, ws, 'app/a.sg', pos(4, 18));
        // d.sg was not indexed as a user of scale: its stale entry is not read,
        // so only a run would find the new use; every location given is true
        for (const [rel, r] of got) assert.ok(wordRanges(shown(ws, buffers)[rel], 'scale').some((x) => JSON.stringify(x) === JSON.stringify(r)), `${rel} ${JSON.stringify(r)}`);
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'app/d.sg'));
        got = await refs(server, ws, 'app/a.sg', pos(4, 18));
        assert.deepEqual(got, textRefs(shown(ws, buffers), 'scale'));
        assert.deepEqual(await fromScratch(t, shown(ws, buffers), ['app/a.sg', 'app/b.sg'], (s, w) => refs(s, w, 'app/a.sg', pos(4, 18))), got);
    });

    test('a closed user changed on disk without notice is never answered with its old places', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/a.sg'], FILES);
        assert.deepEqual(await refs(server, ws, 'app/a.sg', pos(4, 18)), textRefs(FILES, 'scale'));
        // c.sg's use moves two lines down; the client does not tell
        ws.write('app/c.sg', '// one\n// two\n' + FILES['app/c.sg']);
        const got = await refs(server, ws, 'app/a.sg', pos(4, 18));
        assert.deepEqual(got, textRefs(shown(ws), 'scale'));
        assert.match(server.state.stderr, /app\/c\.sg changed since it was indexed/);
    });

    test('after a module is deleted, and with a module of the same name again', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/a.sg'], FILES);
        fs.rmSync(ws.path('app/c.sg'));
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'app/c.sg', proto.FileChangeType.Deleted));
        let got = await refs(server, ws, 'app/a.sg', pos(4, 18));
        assert.deepEqual(got, textRefs(shown(ws), 'scale'));
        assert.ok(!got.some(([rel]) => rel === 'app/c.sg'));
        ws.write('app/c.sg', 'import lib.geo\npub fn c() -> Float { geo.norm(geo.Point { x: 1.0, y: 1.0 }) }\n');
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'app/c.sg', proto.FileChangeType.Created));
        got = await refs(server, ws, 'app/a.sg', pos(4, 9));   // `norm`
        assert.deepEqual(got, textRefs(shown(ws), 'norm'));
    });

    test('from a definition, and a field\'s declaration', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['lib/geo.sg'], FILES);
        assert.deepEqual(await refs(server, ws, 'lib/geo.sg', pos(2, 9)), textRefs(FILES, 'scale'));
        // a field's declaration: it and its seven uses
        assert.deepEqual((await refs(server, ws, 'lib/geo.sg', pos(0, 29))).length, 8);
    });
});

describe('rename from the index', () => {
    test('across modules: the edits make a workspace that checks as before', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/b.sg'], FILES);
        const prep = await server.request(proto.PrepareRenameRequest.type, { textDocument: td(ws, 'app/b.sg'), position: pos(4, 5) });
        assert.deepEqual(prep, { range: range(4, 4, 4, 9), placeholder: 'scale' });
        const we = await server.request(proto.RenameRequest.type, { textDocument: td(ws, 'app/b.sg'), position: pos(4, 5), newName: 'grow' });
        const edits = editsByUri(we);
        assert.deepEqual(Object.keys(edits).sort(), ['app/a.sg', 'app/b.sg', 'app/c.sg', 'lib/geo.sg'].map((r) => ws.uri(r)).sort());
        const after = {};
        for (const [rel, text] of Object.entries(FILES)) after[rel] = applyEdits(text, edits[ws.uri(rel)] || []);
        // every `scale` became `grow`, and nothing else changed
        for (const [rel, text] of Object.entries(after)) {
            assert.deepEqual(wordRanges(text, 'scale'), [], rel);
            assert.equal(text.replace(/\bgrow\b/g, 'scale'), FILES[rel], rel);
        }
        const renamed = new Workspace(after);
        t.after(() => renamed.cleanup());
        assert.deepEqual(checkJson(renamed).json.diagnostics, checkJson(ws).json.diagnostics.map((d) => ({ ...d, path: d.path.replace(ws.dir, renamed.dir) })));
        // the same from scratch
        const scratch = await fromScratch(t, FILES, ['app/b.sg'], (s, w) => s.request(proto.RenameRequest.type,
            { textDocument: td(w, 'app/b.sg'), position: pos(4, 5), newName: 'grow' }).then((r) => editsByUri(r)));
        assert.deepEqual(Object.fromEntries(Object.entries(scratch).map(([u, e]) => [u.slice(u.indexOf('/app/') >= 0 ? u.indexOf('/app/') : u.indexOf('/lib/')), e])),
            Object.fromEntries(Object.entries(edits).map(([u, e]) => [u.slice(u.indexOf('/app/') >= 0 ? u.indexOf('/app/') : u.indexOf('/lib/')), e])));
    });

    test('a field, a struct and a local', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/b.sg', 'lib/geo.sg'], FILES);
        let we = await server.request(proto.RenameRequest.type, { textDocument: td(ws, 'lib/geo.sg'), position: pos(0, 19), newName: 'u' });
        let n = Object.values(editsByUri(we)).flat().length;
        assert.equal(n, 8);     // x: its declaration and seven uses
        we = await server.request(proto.RenameRequest.type, { textDocument: td(ws, 'app/b.sg'), position: pos(3, 13), newName: 'Pt' });
        const e = editsByUri(we);
        assert.deepEqual(Object.keys(e).sort(), ['app/a.sg', 'app/b.sg', 'app/c.sg', 'lib/geo.sg'].map((r) => ws.uri(r)).sort());
        we = await server.request(proto.RenameRequest.type, { textDocument: td(ws, 'app/b.sg'), position: pos(3, 8), newName: 'pt' });
        assert.deepEqual(editsByUri(we), { [ws.uri('app/b.sg')]: [
            { range: range(3, 8, 3, 9), newText: 'pt' }, { range: range(4, 16, 4, 17), newText: 'pt' },
        ] });
    });

    test('refused, with the reason: a keyword, not an identifier, a clash, a capture, the std library', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/b.sg', 'app/a.sg'], FILES);
        const rename = (rel, p, newName) => rejects(server.request(proto.RenameRequest.type, { textDocument: td(ws, rel), position: p, newName }));
        let e = await rename('app/b.sg', pos(4, 5), 'while');
        assert.equal(e.code, -32602);
        assert.match(e.message, /`while` is a keyword/);
        e = await rename('app/b.sg', pos(4, 5), '9lives');
        assert.match(e.message, /`9lives` is not an identifier/);
        e = await rename('app/b.sg', pos(4, 5), 'a-b');
        assert.match(e.message, /`a-b` is not an identifier/);
        e = await rename('app/b.sg', pos(4, 5), '_');
        assert.match(e.message, /wildcard/);
        // another item of lib.geo has the name
        e = await rename('app/b.sg', pos(4, 5), 'norm');
        assert.equal(e.code, -32803);
        assert.match(e.message, /cannot rename `scale` to `norm`: lib\.geo already defines `norm` \(geo\.sg line 7\)/);
        // b.sg imports `scale` by name and defines `helper`
        e = await rename('app/b.sg', pos(4, 5), 'helper');
        assert.match(e.message, /app\.b already defines `helper` \(b\.sg line 8\)/);
        // b.sg's parameter `k` is where `scale` is used unqualified (b.sg
        // is closed: read from disk)
        e = await rename('app/a.sg', pos(4, 18), 'k');
        assert.match(e.message, /the local `k` \(b\.sg line 3\) would capture the use at line 5/);
        // `let q = scale(p, 1.0)` in geo.sg: the local is not visible in its
        // own initializer, so `q` is free there (and the edit is right)
        const we = await server.request(proto.RenameRequest.type, { textDocument: td(ws, 'app/a.sg'), position: pos(4, 18), newName: 'q' });
        assert.equal(applyEdits(FILES['lib/geo.sg'], editsByUri(we)[ws.uri('lib/geo.sg')]).split('\n')[7], '    let q = q(p, 1.0)');
        // a local renamed to a name it would capture
        e = await rename('app/b.sg', pos(3, 8), 'k');
        assert.match(e.message, /`k` is used at line 5, where the renamed local would capture it/);
        // a field of the struct has the name
        e = await rename('app/a.sg', pos(3, 24), 'y');
        assert.match(e.message, /cannot rename `x` to `y`: struct `Point` already has a field `y` \(geo\.sg line 1\)/);
        // a module
        e = await rename('app/a.sg', pos(0, 12), 'geom');
        assert.match(e.message, /`lib\.geo` is a module: rename its file instead/);
    });
});

describe('more rename refusals', () => {
    const MORE = {
        'lib/geo.sg': 'pub fn scale(k: Float) -> Float { k * 2.0 }\npub struct Both { v: Int }\npub fn Both(v: Int) -> Both { Both { v: v } }\n',
        'app/e.sg': 'import lib.geo.{scale, Both}\n\npub fn e() -> Float {\n    print("e")\n    scale(1.0)\n}\n\npub fn f() -> Both { Both(1) }\n\n'
            + 'pub fn g(o: Option[Float]) -> Float {\n    match o { Some(v) => scale(v), None => 0.0 }\n}\n\n'
            + 'pub fn h() -> Float {\n    let twice = fn(w: Float) -> Float { scale(scale(w)) }\n    twice(1.0)\n}\n',
    };

    test('the prelude\'s name used unqualified, one import name for two items, the standard library', async (t) => {
        const { ws, server } = await startSession(t, MORE);
        await openAll(server, ['app/e.sg'], MORE);
        const rename = (p, newName) => rejects(server.request(proto.RenameRequest.type, { textDocument: td(ws, 'app/e.sg'), position: p, newName }));
        let e = await rename(pos(4, 5), 'print');
        assert.match(e.message, /app\.e uses `print` of std\.prelude at line 4, which the new name would shadow/);
        e = await rename(pos(7, 15), 'Pair');
        assert.match(e.message, /the import at e\.sg line 1 also imports the value `Both`: both would need the new name/);
        e = await rejects(server.request(proto.PrepareRenameRequest.type, { textDocument: td(ws, 'app/e.sg'), position: pos(3, 6) }));
        assert.equal(e.code, -32803);
        assert.match(e.message, /`print` is defined by the standard library: it cannot be renamed/);
        // a pattern's binding, a lambda's parameter
        e = await rename(pos(4, 5), 'v');
        assert.match(e.message, /the local `v` \(e\.sg line 11\) would capture the use at line 11/);
        e = await rename(pos(4, 5), 'w');
        assert.match(e.message, /the local `w` \(e\.sg line 15\) would capture the use at line 15/);
        // on a keyword: nothing to rename
        assert.equal(await server.request(proto.PrepareRenameRequest.type, { textDocument: td(ws, 'app/e.sg'), position: pos(2, 1) }), null);
    });
});

describe('workspace symbols from the index', () => {
    const SYMS = {
        'a.sg': 'pub fn new_sensor_count() -> Int { 1 }\npub fn sensor() -> Int { 2 }\npub struct Sensor { id: Int }\npub fn consensus() -> Int { 3 }\npub fn s_e_n() -> Int { 4 }\n',
        'b.sg': 'pub fn sensors_of_all() -> Int { 5 }\npub enum SensorKind { Thermal, Optical }\n',
    };

    test('ranked: the name, a prefix, a word\'s start, initials, inside, scattered', async (t) => {
        const { ws, server } = await startSession(t, SYMS);
        await openAll(server, ['b.sg'], SYMS);
        const r = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'sensor' });
        assert.deepEqual(r.map((s) => s.name), ['Sensor', 'sensor', 'SensorKind', 'sensors_of_all', 'new_sensor_count']);
        const s = r[0];
        assert.deepEqual([s.kind, s.containerName, s.location.uri, s.location.range], [23, 'a', ws.uri('a.sg'), range(2, 11, 2, 17)]);
        const sen = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'sen' });
        assert.deepEqual(sen.map((x) => x.name), ['Sensor', 'sensor', 'SensorKind', 'sensors_of_all', 'new_sensor_count', 's_e_n', 'consensus']);
        const members = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'optic' });
        assert.deepEqual(members.map((x) => [x.name, x.kind, x.containerName]), [['Optical', 22, 'b.SensorKind']]);
        // an open buffer's new definition, unsaved
        const since = server.mark();
        await server.change('b.sg', 2, [{ text: SYMS['b.sg'] + 'pub fn sensible() -> Int { 6 }\n' }]);
        await server.waitPublish('b.sg', { since, version: 2 });
        const again = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'sensib' });
        assert.deepEqual(again.map((x) => [x.name, x.location.uri, x.location.range]), [['sensible', ws.uri('b.sg'), range(2, 7, 2, 15)]]);
    });
});

describe('workspace symbols of files older than the run', () => {
    test('their positions come from the index (UTF-16 columns too); a file changed since is read again', async (t) => {
        const files = {
            'a.sg': 'pub fn alpha_one() -> Int { 1 }\n/* é😀 */ pub fn alpha_two() -> Int { 2 }\n',
            'b.sg': 'pub fn alpha_three() -> Int { 3 }\n',
        };
        const ws = new Workspace(files);
        t.after(() => ws.cleanup());
        // older than the racy-mtime margin when the server indexes them: it
        // trusts their stat (the file index's rule) instead of reading them
        await sleep(2500);
        const server = new Server(ws);
        t.after(() => server.dispose());
        await server.initialize();
        await openAll(server, ['b.sg'], files);
        const names = async () => (await server.request(proto.WorkspaceSymbolRequest.type, { query: 'alpha' }))
            .map((x) => [x.name, x.location.uri.slice(ws.rootUri.length + 1), x.location.range]);
        assert.deepEqual(await names(), [
            ['alpha_one', 'a.sg', range(0, 7, 0, 16)],
            ['alpha_two', 'a.sg', range(1, 17, 1, 26)],     // é is 1 unit, 😀 2
            ['alpha_three', 'b.sg', range(0, 7, 0, 18)],
        ]);
        // a.sg changes and nobody says so: its stat tells, it is read, found
        // changed, checked again, and the answer is the new place
        ws.write('a.sg', '// moved\n' + files['a.sg']);
        assert.deepEqual(await names(), [
            ['alpha_one', 'a.sg', range(1, 7, 1, 16)],
            ['alpha_two', 'a.sg', range(2, 17, 2, 26)],
            ['alpha_three', 'b.sg', range(0, 7, 0, 18)],
        ]);
    });
});

describe('call hierarchy', () => {
    test('prepare, incoming and outgoing calls across modules', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/a.sg'], FILES);
        const items = await server.request(proto.CallHierarchyPrepareRequest.type, { textDocument: td(ws, 'app/a.sg'), position: pos(4, 18) });
        assert.equal(items.length, 1);
        const scale = items[0];
        assert.deepEqual([scale.name, scale.kind, scale.detail, scale.uri, scale.range, scale.selectionRange],
            ['scale', 12, 'lib.geo', ws.uri('lib/geo.sg'), range(2, 0, 4, 1), range(2, 7, 2, 12)]);
        const inc = await server.request(proto.CallHierarchyIncomingCallsRequest.type, { item: scale });
        const brief = (c) => [c.from.name, c.from.uri.slice(ws.rootUri.length + 1), c.fromRanges];
        assert.deepEqual(inc.map(brief).sort(), [
            ['a', 'app/a.sg', [range(4, 17, 4, 22)]],
            ['b', 'app/b.sg', [range(4, 4, 4, 9), range(4, 10, 4, 15)]],
            ['c', 'app/c.sg', [range(3, 13, 3, 18)]],
            ['norm', 'lib/geo.sg', [range(7, 12, 7, 17)]],
        ]);
        const norm = inc.find((c) => c.from.name === 'norm').from;
        const out = await server.request(proto.CallHierarchyOutgoingCallsRequest.type, { item: norm });
        assert.deepEqual(out.map((c) => [c.to.name, c.to.uri, c.fromRanges]), [['scale', ws.uri('lib/geo.sg'), [range(7, 12, 7, 17)]]]);
        const a = inc.find((c) => c.from.name === 'a').from;
        const outA = await server.request(proto.CallHierarchyOutgoingCallsRequest.type, { item: a });
        assert.deepEqual(outA.map((c) => c.to.name).sort(), ['norm', 'scale']);
        // not a function: nothing to prepare
        assert.equal(await server.request(proto.CallHierarchyPrepareRequest.type, { textDocument: td(ws, 'app/a.sg'), position: pos(3, 16) }), null);
        // an item without its data
        const e = await rejects(server.request(proto.CallHierarchyIncomingCallsRequest.type, { item: { ...scale, data: undefined } }));
        assert.equal(e.code, -32602);
    });
});

describe('waiting and cancelling', () => {
    test('a request waits for the check a change needs, and is cancelled while it waits', async (t) => {
        const { ws, server } = await startSession(t, FILES);
        await openAll(server, ['app/a.sg'], FILES);
        // a change on disk: a whole run follows after the debounce; until it
        // is installed and indexed, index requests wait
        ws.write('app/c.sg', '// first\n' + FILES['app/c.sg']);
        await server.notify(proto.DidChangeWatchedFilesNotification.type, watched(ws, 'app/c.sg'));
        const source = new rpc.CancellationTokenSource();
        const p = server.request(proto.ReferencesRequest.type,
            { textDocument: td(ws, 'app/a.sg'), position: pos(4, 18), context: { includeDeclaration: true } }, source.token);
        source.cancel();
        const e = await rejects(p);
        assert.equal(e.code, -32800);
        // the next one is answered from the new run
        assert.deepEqual(await refs(server, ws, 'app/a.sg', pos(4, 18)), textRefs(shown(ws), 'scale'));
        const answers = server.raw.filter((m) => !('method' in m) && m.error && m.error.code === -32800);
        assert.equal(answers.length, 1);
    });
});

describe('entries the cache lacks', () => {
    test('results without an entry (a remote result, a damaged entry) are checked again once, then answered', async (t) => {
        const ws = new Workspace(FILES);
        t.after(() => ws.cleanup());
        const first = checkJson(ws);
        assert.equal(first.status, 0);
        // damage every entry but one, remove another: as a remote cache's results would be
        const db = `${ws.dir}/.sigil-cache/cache.db`;
        const r = spawnSync('python3', ['-c', `import sqlite3; c = sqlite3.connect(${JSON.stringify(db)}); c.execute("UPDATE results SET xref = CASE WHEN rowid % 2 = 0 THEN NULL ELSE zeroblob(40) END"); c.commit()`]);
        assert.equal(r.status, 0, String(r.stderr));
        const server = new Server(ws);
        t.after(() => server.dispose());
        await server.initialize();
        await openAll(server, ['app/a.sg'], FILES);
        assert.deepEqual(await refs(server, ws, 'app/a.sg', pos(4, 18)), textRefs(FILES, 'scale'));
        assert.match(server.state.stderr, /modules have no cross-reference entry in the cache; checking them/);
        // the entries are in the cache again: a new server needs no such check
        await server.shutdownAndExit();
        const again = new Server(ws);
        t.after(() => again.dispose());
        await again.initialize();
        await openAll(again, ['app/a.sg'], FILES);
        assert.deepEqual(await refs(again, ws, 'app/a.sg', pos(4, 18)), textRefs(FILES, 'scale'));
        assert.doesNotMatch(again.state.stderr, /no cross-reference entry/);
    });
});
