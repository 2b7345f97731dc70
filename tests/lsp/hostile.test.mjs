// Hostile documents (issue 10) through the real client: what crashed or
// flooded `sigil --lsp` must come back as diagnostics, and the server must
// keep answering afterwards.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto, startSession } from './harness.mjs';

const nest = (opener, middle, closer, n) => opener.repeat(n) + middle + closer.repeat(n);

describe('hostile documents', () => {
    test('didOpen of 100,000 nested `while` bodies: one E010, and the server still answers', async (t) => {
        const { ws, server } = await startSession(t, { 'ok.sg': 'pub fn one() -> Int { 1 }\n' });
        const text = `fn f() { ${nest('while true { ', '1', ' }', 100000)} }\n`;
        ws.write('deep.sg', text);
        await server.open('deep.sg', text);
        const p = await server.waitPublish('deep.sg', { version: 1 });
        assert.deepEqual(p.diagnostics.map((d) => d.code), ['E010']);
        assert.match(p.diagnostics[0].message, /nested too deeply/);
        const symbols = await server.symbols('ok.sg');
        assert.deepEqual(symbols.map((s) => s.name), ['one']);
    });

    test('semantic tokens of a 300 KB line come back (each position was counted from the start of the text)', async (t) => {
        // found by fuzz-lsp from a long-line seed: 100,000 tokens on one line
        // took minutes
        const { ws, server } = await startSession(t, {});
        const text = `const X: Int = 1${' + 1'.repeat(50000)}\n`;
        ws.write('long.sg', text);
        await server.open('long.sg', text);
        const r = await server.request(proto.SemanticTokensRequest.type, { textDocument: { uri: ws.uri('long.sg') } });
        // keyword, name, type, then a number per literal: each on line 0
        assert.ok(r.data.length >= 5 * 50000, `${r.data.length / 5} tokens`);
        assert.equal(r.data.filter((_, i) => i % 5 === 0).reduce((a, b) => a + b, 0), 0, 'every token on line 0');
    });
});
