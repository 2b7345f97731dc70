// documents.test.mjs - the language server through a real client: open buffers, files changed on disk, the on-disk cache shared with the CLI.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';

import { checkJson, proto, startSession, waitFor } from './harness.mjs';
import {
    GEO, GEO_INT, MAIN, MAIN_BAD, range, briefs, MAIN_E201_INT, GEO_INT_E206, watched,
} from './fixtures.mjs';

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

describe('a new file not saved yet (issue 10, item 9)', () => {
    const NEWMOD = 'pub fn g() -> Int { 1.0 }\n';

    test('is a module of the workspace: pushed and pulled diagnostics, hover, and an importer sees it', async (t) => {
        const main = 'import newmod\n\npub fn main() -> Int { newmod.g() }\n';
        const { ws, server } = await startSession(t, { 'main.sg': main });
        await server.open('main.sg');
        const p0 = await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(p0.diagnostics.map((d) => d.code), ['E101']);
        const since = server.mark();
        await server.open('newmod.sg', NEWMOD);     // no such file on disk
        assert.ok(!fs.existsSync(ws.path('newmod.sg')));
        const expected = [{ code: 'E201', severity: 1, range: range(0, 20, 0, 23) }];
        assert.deepEqual(briefs((await server.waitPublish('newmod.sg', { since, version: 1 })).diagnostics), expected);
        assert.deepEqual(briefs((await server.pull('newmod.sg')).items), expected);
        assert.deepEqual((await server.waitPublish('main.sg', { since })).diagnostics, [], 'the import resolves');
        const h = await server.request(proto.HoverRequest.type, { textDocument: { uri: ws.uri('newmod.sg') }, position: { line: 0, character: 8 } });
        assert.match(h.contents.value, /g: fn\(\) -> Int/);
        // the same file written to disk: the same answer as `sigil --check`
        ws.write('newmod.sg', NEWMOD);
        const r = checkJson(ws);
        assert.deepEqual(r.json.diagnostics.map((d) => [d.file, d.code, d.line, d.column]), [['newmod.sg', 'E201', 1, 21]]);
    });

    test('its edits are checked; closed unsaved, it is gone with its diagnostics', async (t) => {
        const { server } = await startSession(t, { 'main.sg': 'pub fn main() {}\n' });
        await server.open('newmod.sg', NEWMOD);
        assert.equal((await server.waitPublish('newmod.sg', { version: 1 })).diagnostics.length, 1);
        await server.change('newmod.sg', 2, [{ range: range(0, 20, 0, 23), text: '1' }]);
        assert.deepEqual((await server.waitPublish('newmod.sg', { version: 2 })).diagnostics, []);
        await server.change('newmod.sg', 3, [{ range: range(0, 20, 0, 21), text: '"x"' }]);
        assert.equal((await server.waitPublish('newmod.sg', { version: 3 })).diagnostics.length, 1);
        const since = server.mark();
        await server.close('newmod.sg');
        const p = await server.waitPublish('newmod.sg', { since });
        assert.deepEqual(p.diagnostics, []);
        assert.equal(p.version, undefined);
    });

    test('outside the source directories it is not a module', async (t) => {
        const { server } = await startSession(t, { 'sigil.json': '{"src": "src"}\n', 'src/main.sg': 'pub fn main() {}\n' });
        await server.open('tools/x.sg', NEWMOD);
        assert.deepEqual((await server.waitPublish('tools/x.sg', { version: 1 })).diagnostics, []);
        await server.open('src/y.sg', NEWMOD);
        assert.deepEqual((await server.waitPublish('src/y.sg', { version: 1 })).diagnostics.map((d) => d.code), ['E201']);
    });
});
