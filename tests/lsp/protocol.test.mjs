// protocol.test.mjs - the language server through a real client: malformed input (raw bytes on stdin) and cancellation.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { TIMEOUT, frame, proto, rpc, rssKb, sanitized, sleep, startRaw, startSession, waitFor } from './harness.mjs';
import {
    GEO, GEO_INT, MAIN, range, pos, briefs, assertNoDuplicateResponses, td,
} from './fixtures.mjs';

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

describe('back-pressure (issue 10, item 10)', () => {
    test('a client that does not read: the server stops reading, its memory stays bounded, and every reply arrives once it reads', async (t) => {
        const { client } = await startRaw(t, { 'a.sg': 'pub fn a() {}\n' });
        const pid = client.proc.pid;
        await client.documentSymbol(2, 'a.sg');
        const before = rssKb(pid);
        client.proc.stdout.pause();     // the client stops reading its replies
        const N = 50000, first = 1000;
        const bytes = Buffer.concat(Array.from({ length: N }, (_, i) => frame(client.documentSymbolMessage(first + i, 'a.sg'))));
        // buffered by node as the server stops reading; without back-pressure
        // the server reads it all (and the write completes)
        let flushed = false;
        client.proc.stdin.write(bytes, () => { flushed = true; });
        await waitFor(() => flushed || /reading requests paused/.test(client.state.stderr), 'the server to stop reading',
            4 * TIMEOUT, () => client.detail());
        await sleep(200);
        const grown = rssKb(pid) - before;
        t.diagnostic(`the server grew by ${grown} kB while ${N} replies were not read`);
        if (!sanitized()) assert.ok(grown < 8 * 1024, `the server grew by ${grown} kB while the client did not read`);
        assert.match(client.state.stderr, /reading requests paused/);
        client.proc.stdout.resume();
        const since = 0;
        await waitFor(() => client.responses(since).length >= N + 1, `${N} replies`, 8 * TIMEOUT, () => client.detail());
        const ids = new Map();
        for (const m of client.responses(since)) ids.set(m.id, (ids.get(m.id) || 0) + 1);
        for (let i = 0; i < N; i++) assert.equal(ids.get(first + i), 1, `reply to ${first + i}`);
        assert.ok(client.responses(since).filter((m) => m.id >= first).every((m) => Array.isArray(m.result) && m.result.length === 1));
        assert.match(client.state.stderr, /reading requests again/);
    });
});


describe('-32602 InvalidParams for malformed params of every request kind', () => {
    const doc = (ws) => ({ uri: ws.uri('a.sg') });
    const at = { line: 0, character: 7 };  // on `a`
    const whole = { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } };
    // each request: params that are right, then malformed variants and the field the message must name
    const kinds = (ws) => [
        ['textDocument/hover', { textDocument: doc(ws), position: at }],
        ['textDocument/definition', { textDocument: doc(ws), position: at }],
        ['textDocument/references', { textDocument: doc(ws), position: at, context: { includeDeclaration: true } }],
        ['textDocument/documentHighlight', { textDocument: doc(ws), position: at }],
        ['textDocument/completion', { textDocument: doc(ws), position: at }],
        ['textDocument/signatureHelp', { textDocument: doc(ws), position: at }],
        ['textDocument/prepareRename', { textDocument: doc(ws), position: at }],
        ['textDocument/rename', { textDocument: doc(ws), position: at, newName: 'b' }],
        ['textDocument/inlayHint', { textDocument: doc(ws), range: whole }],
        ['textDocument/codeAction', { textDocument: doc(ws), range: whole, context: { diagnostics: [] } }],
        ['textDocument/documentSymbol', { textDocument: doc(ws) }],
        ['textDocument/semanticTokens/full', { textDocument: doc(ws) }],
        ['textDocument/foldingRange', { textDocument: doc(ws) }],
        ['textDocument/selectionRange', { textDocument: doc(ws), positions: [at] }],
        ['textDocument/diagnostic', { textDocument: doc(ws) }],
        ['workspace/symbol', { query: 'a' }],
        ['textDocument/prepareCallHierarchy', { textDocument: doc(ws), position: at }],
        ['callHierarchy/incomingCalls', { item: item(ws) }],
        ['callHierarchy/outgoingCalls', { item: item(ws) }],
    ];
    const item = (ws) => ({ name: 'a', kind: 12, uri: ws.uri('a.sg'), range: whole, selectionRange: whole, data: { module: 'a', name: 'a' } });
    const malformed = (good) => {
        const out = [[[], /params must be an object/], [{}, /must be/]];
        if (good.textDocument) {
            out.push([{ ...good, textDocument: 5 }, /textDocument must be an object/]);
            out.push([{ ...good, textDocument: { uri: 42 } }, /textDocument\.uri must be a string/]);
        }
        if (good.position) {
            out.push([{ ...good, position: undefined }, /position: must be an object/]);
            out.push([{ ...good, position: { line: 'x', character: 0 } }, /position: line must be a non-negative integer/]);
            out.push([{ ...good, position: { line: 0, character: -1 } }, /position: character must be a non-negative integer/]);
            out.push([{ ...good, position: { line: 1.5, character: 0 } }, /position: line must be a non-negative integer/]);
        }
        if (good.range) {
            out.push([{ ...good, range: [0, 0] }, /range must be an object/]);
            out.push([{ ...good, range: { start: at, end: { line: null, character: 0 } } }, /range: line must be/]);
        }
        if (good.positions) out.push([{ ...good, positions: [at, { line: 0 }] }, /positions\[1\]: character must be/]);
        if ('newName' in good) out.push([{ ...good, newName: 7 }, /newName must be a string/]);
        if ('query' in good) out.push([{ query: null }, /query must be a string/]);
        if (good.context && 'diagnostics' in good.context) {
            out.push([{ ...good, context: { diagnostics: 'E201' } }, /context must be an object \{diagnostics/]);
            out.push([{ ...good, context: { diagnostics: [3] } }, /context\.diagnostics must hold diagnostic objects/]);
        }
        if (good.context && 'includeDeclaration' in good.context) out.push([{ ...good, context: 'yes' }, /context must be an object/]);
        if (good.item) {
            out.push([{ item: 'a' }, /item must be a call hierarchy item/]);
            out.push([{ item: { ...good.item, uri: 3 } }, /item\.uri must be a string/]);
            out.push([{ item: { ...good.item, name: null } }, /item\.name must be a string/]);
            out.push([{ item: { ...good.item, selectionRange: { start: at } } }, /item\.selectionRange: must be an object/]);
            out.push([{ item: { ...good.item, range: { start: at, end: { line: -1, character: 0 } } } }, /item\.range: line must be/]);
            out.push([{ item: { ...good.item, data: 'x' } }, /item\.data must be an object/]);
            out.push([{ item: { ...good.item, data: {} } }, /item\.data must be what prepareCallHierarchy gave/]);
        }
        return out;
    };

    test('each kind answers its good params and rejects each malformed variant with a message naming the field', async (t) => {
        const { ws, client } = await startRaw(t, { 'a.sg': 'pub fn a() -> Int { 1 }\n' });
        const opened = client.mark();
        await client.send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: ws.uri('a.sg'), languageId: 'sigil', version: 1, text: 'pub fn a() -> Int { 1 }\n' } } });
        await client.waitMessage((m) => m.method === 'textDocument/publishDiagnostics' && m.params.version === 1, 'a.sg checked', opened);
        let id = 100, checked = 0;
        for (const [method, good] of kinds(ws)) {
            const s = client.mark();
            await client.send({ jsonrpc: '2.0', id: ++id, method, params: good });
            const ok = await client.waitResponse(id, s);
            assert.ok(!ok.error, `${method} with good params: ${JSON.stringify(ok)}`);
            for (const [params, message] of malformed(good)) {
                const s2 = client.mark();
                await client.send({ jsonrpc: '2.0', id: ++id, method, params });
                const r = await client.waitResponse(id, s2);
                assert.equal(r.error && r.error.code, -32602, `${method} ${JSON.stringify(params)} -> ${JSON.stringify(r)}`);
                assert.match(r.error.message, message, `${method} ${JSON.stringify(params)}`);
                assert.ok(r.error.message.startsWith(`${method}: `), r.error.message);
                checked++;
            }
        }
        assert.ok(checked > 60, `${checked} malformed requests`);
        assert.equal(client.state.exit, null, 'the server is still running');
    });
});
