// roots.test.mjs - the language server through a real client: several
// workspace folders, each checked by its own engine (issue 14), and folders
// added and removed (workspace/didChangeWorkspaceFolders).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { Server, Workspace, clientCapabilities, proto } from './harness.mjs';
import { range, briefs } from './fixtures.mjs';

// two folders that both have a module `util`: one program each, no E107
const FILES = {
    'a/main.sg': 'import util\n\npub fn main() -> Int { util.twice(2) }\n',
    'a/util.sg': 'pub fn twice(n: Int) -> Int { n * 2 }\n',
    'b/util.sg': 'pub fn name() -> String { 1 }\n',
    'b/tools/lint.sg': 'import util\n\npub fn run() -> Int { util.twice(2) }\n',   // E105: b's util has no `twice`
};
const B_UTIL_E201 = [{ code: 'E201', severity: 1, range: range(0, 26, 0, 27) }];

const folder = (ws, rel) => ({ uri: pathToFileURL(ws.path(rel)).href, name: rel });

async function session(t, folders, caps = {}) {
    const ws = new Workspace(FILES);
    const server = new Server(ws);
    t.after(async () => { await server.dispose(); ws.cleanup(); });
    await server.initialize(clientCapabilities(caps), { rootUri: folder(ws, folders[0]).uri, workspaceFolders: folders.map((f) => folder(ws, f)) });
    return { ws, server };
}

const hover = (server, ws, rel, line, character) =>
    server.request(proto.HoverRequest.type, { textDocument: { uri: ws.uri(rel) }, position: { line, character } });

describe('several workspace folders', () => {
    test('capabilities: workspace folders with change notifications', async (t) => {
        const { server } = await session(t, ['a', 'b']);
        assert.deepEqual(server.initResult.capabilities.workspace.workspaceFolders, { supported: true, changeNotifications: true });
    });

    test('a file of each folder: its own diagnostics, pull and hover; a module name in both is no duplicate', async (t) => {
        const { ws, server } = await session(t, ['a', 'b']);
        await server.open('a/main.sg');
        await server.open('b/util.sg');
        assert.deepEqual((await server.waitPublish('a/main.sg', { version: 1 })).diagnostics, []);
        assert.deepEqual(briefs((await server.waitPublish('b/util.sg', { version: 1 })).diagnostics), B_UTIL_E201);
        assert.deepEqual(briefs((await server.pull('b/util.sg')).items), B_UTIL_E201);
        assert.deepEqual((await server.pull('a/util.sg')).items, []);
        assert.match((await hover(server, ws, 'a/main.sg', 2, 29)).contents.value, /twice: fn\(Int\) -> Int/);
        assert.match((await hover(server, ws, 'b/util.sg', 0, 8)).contents.value, /name: fn\(\) -> String/);
        // a closed file of the second folder is published too, from its own run
        const lint = await server.waitPublish('b/tools/lint.sg');
        assert.deepEqual(lint.diagnostics.map((d) => d.code), ['E105'], 'its `util` is b/util.sg, not a/util.sg');
        assert.ok(!server.published.some((p) => p.diagnostics.some((d) => d.code === 'E107')), 'no E107 across folders');
        // an edit in the second folder goes through its fast path
        await server.change('b/util.sg', 2, [{ range: range(0, 26, 0, 27), text: '"b"' }]);
        assert.deepEqual((await server.waitPublish('b/util.sg', { version: 2 })).diagnostics, []);
    });

    test('folders added and removed: a file gets diagnostics when its folder comes, and loses them when it goes', async (t) => {
        const { ws, server } = await session(t, ['a']);
        await server.open('b/util.sg');
        assert.deepEqual((await server.waitPublish('b/util.sg', { version: 1 })).diagnostics, [], 'not in any folder yet');
        let since = server.mark();
        await server.notify(proto.DidChangeWorkspaceFoldersNotification.type, { event: { added: [folder(ws, 'b')], removed: [] } });
        assert.deepEqual(briefs((await server.waitPublish('b/util.sg', { since, pred: (p) => p.diagnostics.length > 0 })).diagnostics), B_UTIL_E201);
        assert.match((await hover(server, ws, 'b/util.sg', 0, 8)).contents.value, /name: fn\(\) -> String/);
        since = server.mark();
        await server.notify(proto.DidChangeWorkspaceFoldersNotification.type, { event: { added: [], removed: [folder(ws, 'b')] } });
        assert.deepEqual((await server.waitPublish('b/util.sg', { since })).diagnostics, []);
        assert.equal(await hover(server, ws, 'b/util.sg', 0, 8), null);
        // the first folder is still served
        await server.open('a/main.sg');
        assert.deepEqual((await server.waitPublish('a/main.sg', { version: 1 })).diagnostics, []);
        assert.deepEqual((await server.pull('b/util.sg')).items, []);
        assert.equal((await server.shutdownAndExit()).code, 0);
    });

    test('without the client watching: each folder is watched', async (t) => {
        const { ws, server } = await session(t, ['a', 'b'], { dynamicWatch: false });
        await server.open('a/main.sg');
        await server.waitPublish('a/main.sg', { version: 1 });
        await server.pull('a/main.sg');
        const since = server.mark();
        fs.writeFileSync(ws.path('b/util.sg'), 'pub fn name() -> String { "fixed" }\n');
        assert.deepEqual((await server.waitPublish('b/util.sg', { since })).diagnostics, []);
        fs.writeFileSync(ws.path('a/util.sg'), 'pub fn twice(n: Int) -> Float { 1.0 }\n');
        const p = await server.waitPublish('a/main.sg', { since, pred: (x) => x.diagnostics.length > 0 });
        assert.deepEqual(p.diagnostics.map((d) => d.code), ['E201']);
    });
});
