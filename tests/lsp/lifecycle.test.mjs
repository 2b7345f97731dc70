// lifecycle.test.mjs - the language server through a real client: initialize, capabilities, shutdown and exit, $/progress.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Server, Workspace, clientCapabilities, proto, rpc, sleep, startSession, waitFor } from './harness.mjs';
import {
    GEO, MAIN, MAIN_BAD, range, briefs, rejects,
} from './fixtures.mjs';

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

describe('capabilities', () => {
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
});

describe('a workspace root we cannot use (issue 10, item 11)', () => {
    const cases = [
        ['a directory that does not exist', (ws) => `${ws.rootUri}/nowhere`, /cannot open the workspace root .*\/nowhere: No such file or directory/],
        ['a file, not a directory', (ws) => ws.uri('main.sg'), /cannot open the workspace root .*\/main\.sg: not a directory/],
        ['not a file URI', () => 'https://example.invalid/ws', /the workspace root https:\/\/example\.invalid\/ws is not a file URI; checking .* \(the current directory\) instead/],
    ];
    for (const [what, uri, message] of cases) {
        test(`rootUri is ${what}: window/showMessage tells the user, and the server keeps working`, async (t) => {
            const ws = new Workspace({ 'main.sg': MAIN });
            const server = new Server(ws);
            t.after(async () => { await server.dispose(); ws.cleanup(); });
            const rootUri = uri(ws);
            await server.initialize(clientCapabilities(), { rootUri, workspaceFolders: [{ uri: rootUri, name: 'bad' }] });
            await waitFor(() => server.shown.length > 0, 'window/showMessage', undefined, () => server.detail());
            assert.equal(server.shown.length, 1, JSON.stringify(server.shown));
            assert.equal(server.shown[0].type, proto.MessageType.Error);
            assert.match(server.shown[0].message, message);
            assert.ok((await server.symbols('main.sg')).length > 0, 'requests are still answered');
            assert.equal((await server.shutdownAndExit()).code, 0);
        });
    }

    test('a good rootUri: no message', async (t) => {
        const { server } = await startSession(t, { 'main.sg': MAIN });
        await server.open('main.sg');
        await server.waitPublish('main.sg', { version: 1 });
        assert.deepEqual(server.shown, []);
    });
});
