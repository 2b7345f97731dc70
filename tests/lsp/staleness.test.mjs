// staleness.test.mjs - the language server through a real client: the
// incremental answer equals a from-scratch one after the changes that used to
// leave it stale (issue 9, L1-L4): directories deleted and created again,
// directories whose name has a dot, edits of files that are not modules, a
// close right after an edit. Each end state is compared with what
// `sigil --check` says of the files on disk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';

import { checkJson, proto, sleep, startSession, waitFor } from './harness.mjs';
import { range, briefs, wholeRuns, awaitWholeRuns } from './fixtures.mjs';

/** `sigil --check --format json`'s diagnostics of one file, as LSP briefs (0-based). */
function checkBriefs(ws, rel) {
    const r = checkJson(ws);
    assert.ok(r.json, r.stderr);
    return r.json.diagnostics.filter((d) => d.file === rel).map((d) => ({
        code: d.code,
        severity: d.severity === 'error' ? 1 : 2,
        range: range(d.line - 1, d.column - 1, d.endLine - 1, d.endColumn - 1), // ASCII: columns are characters
    }));
}

/** Until the server has seen every change (a pull waits for that), then the last publish of `rel`. */
async function settled(server, rel) {
    await server.pull(rel);
    await sleep(50);
    const ps = server.publishesOf(rel);
    return ps.length ? ps[ps.length - 1] : null;
}

const OWN_WATCH = { caps: { dynamicWatch: false } };

describe('the server\'s own watcher', () => {
    test('a directory deleted and created again is watched again (L1)', async (t) => {
        const main = 'import lib.util\n\npub fn main() -> String { util.name() }\n';
        const util = 'pub fn name() -> String { "a" }\n';
        const { ws, server } = await startSession(t, { 'main.sg': main, 'lib/util.sg': util }, OWN_WATCH);
        await server.open('main.sg');
        assert.deepEqual((await server.waitPublish('main.sg', { version: 1 })).diagnostics, []);
        let since = server.mark();
        fs.rmSync(ws.path('lib'), { recursive: true });
        const gone = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length > 0 });
        assert.deepEqual(briefs(gone.diagnostics), [{ code: 'E101', severity: 1, range: range(0, 0, 0, 15) }]);
        since = server.mark();
        ws.write('lib/util.sg', util);
        assert.deepEqual((await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length === 0 })).diagnostics, []);
        // an edit inside the directory created again is seen too
        since = server.mark();
        ws.write('lib/util.sg', 'pub fn name() -> Int { 1 }\n');
        const p = await server.waitPublish('main.sg', { since, pred: (x) => x.diagnostics.length > 0 });
        assert.deepEqual(briefs(p.diagnostics), checkBriefs(ws, 'main.sg'));
        assert.deepEqual(p.diagnostics.map((d) => d.code), ['E201']);
    });

    for (const dir of ['my.dir', 'foo.sg']) {
        test(`files under a directory named \`${dir}\` are seen (L2)`, async (t) => {
            const { ws, server } = await startSession(t, { 'main.sg': 'pub fn main() {}\n' }, OWN_WATCH);
            await server.open('main.sg');
            await server.waitPublish('main.sg', { version: 1 });
            await settled(server, 'main.sg');
            const from = server.state.stderr.length;
            fs.mkdirSync(ws.path(dir));
            await awaitWholeRuns(server, from, 1);      // the new directory was noticed (and is watched)
            await settled(server, 'main.sg');
            const since = server.mark();
            ws.write(`${dir}/x.sg`, 'pub fn x() -> Int { 1 }\n');
            const p = await server.waitPublish(`${dir}/x.sg`, { since });
            const expected = checkBriefs(ws, `${dir}/x.sg`);
            assert.deepEqual(expected.map((d) => d.code), ['E100']);
            assert.deepEqual(briefs(p.diagnostics), expected);
        });
    }
});

describe('edits of open files keep the whole run\'s diagnostics (L3)', () => {
    test('a file that is not a module keeps its E100 while edited', async (t) => {
        const { ws, server } = await startSession(t, { 'a.b.sg': 'pub fn f() -> Int { 1 }\n' });
        await server.open('a.b.sg');
        const p1 = await server.waitPublish('a.b.sg', { version: 1 });
        const expected = checkBriefs(ws, 'a.b.sg');
        assert.deepEqual(expected.map((d) => d.code), ['E100']);
        assert.deepEqual(briefs(p1.diagnostics), expected);
        await server.change('a.b.sg', 2, [{ range: range(0, 20, 0, 21), text: '2' }]);
        assert.deepEqual(briefs((await server.waitPublish('a.b.sg', { version: 2 })).diagnostics), expected);
        assert.deepEqual(briefs((await server.pull('a.b.sg')).items), expected);
    });

    test('both files of a duplicate module keep their E107 while edited', async (t) => {
        const files = {
            'sigil.json': '{"src": ["lib", "app"]}\n',
            'lib/util.sg': 'pub fn f() -> Int { 1 }\n',
            'app/util.sg': 'pub fn g() -> Int { 1 }\n',
        };
        const { ws, server } = await startSession(t, files);
        for (const rel of ['lib/util.sg', 'app/util.sg']) {
            await server.open(rel);
            const expected = checkBriefs(ws, rel);
            assert.deepEqual(expected.map((d) => d.code), ['E107'], rel);
            assert.deepEqual(briefs((await server.waitPublish(rel, { version: 1 })).diagnostics), expected, rel);
            await server.change(rel, 2, [{ range: range(0, 20, 0, 21), text: '2' }]);
            assert.deepEqual(briefs((await server.waitPublish(rel, { version: 2 })).diagnostics), expected, `${rel} v2`);
        }
    });
});

describe('a close right after an edit (L4)', () => {
    const X = 'pub fn f() -> Int { 1 }\n';
    for (const delay of [0, 5, 10, 15, 20, 25, 30, 40]) {
        test(`closed ${delay} ms after an import was added: the file on disk counts`, async (t) => {
            const { ws, server } = await startSession(t, { 'x.sg': X });
            await server.open('x.sg');
            await server.waitPublish('x.sg', { version: 1 });
            await server.change('x.sg', 2, [{ range: range(0, 0, 0, 0), text: 'import std.list\n' }]);
            await sleep(delay);
            await server.close('x.sg');
            const last = await settled(server, 'x.sg');
            assert.deepEqual(briefs(last.diagnostics), checkBriefs(ws, 'x.sg'));
            assert.deepEqual(last.diagnostics, [], JSON.stringify(server.publishesOf('x.sg')));
        });

        test(`closed and deleted ${delay} ms after an import was added: an empty list`, async (t) => {
            const { ws, server } = await startSession(t, { 'x.sg': X, 'main.sg': 'pub fn main() {}\n' });
            await server.open('x.sg');
            await server.waitPublish('x.sg', { version: 1 });
            await server.change('x.sg', 2, [{ range: range(0, 0, 0, 0), text: 'import std.list\n' }]);
            await sleep(delay);
            fs.rmSync(ws.path('x.sg'));
            await server.notify(proto.DidChangeWatchedFilesNotification.type,
                { changes: [{ uri: ws.uri('x.sg'), type: proto.FileChangeType.Deleted }] });
            await server.close('x.sg');
            await settled(server, 'main.sg');
            const last = server.publishesOf('x.sg').at(-1);
            assert.deepEqual(last.diagnostics, [], JSON.stringify(server.publishesOf('x.sg')));
        });
    }
});
