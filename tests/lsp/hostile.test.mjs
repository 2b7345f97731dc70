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
});
