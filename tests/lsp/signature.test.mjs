// signature.test.mjs - the language server through a real client: signature help.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import {
    pos, td, typeLine,
} from './fixtures.mjs';

describe('signature help', () => {
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
});

describe('signature help with parameter names (issue 14)', () => {
    test('a function of another module, one of the standard library, and a lambda (no names to show)', async (t) => {
        const { ws, server } = await typeLine(t, '    let _r = geo.scale(p, 3.0)');
        const sh = async (p) => server.request(proto.SignatureHelpRequest.type, { textDocument: td(ws, 'main.sg'), position: p });
        const r = await sh(pos(6, 27));
        const sig = r.signatures[0];
        assert.equal(sig.label, 'scale(p: geo.Point, k: Float) -> geo.Point');
        assert.deepEqual(sig.parameters.map((x) => sig.label.slice(...x.label)), ['p: geo.Point', 'k: Float']);
        assert.equal(r.activeParameter, 1);
        await server.change('main.sg', 3, [{ range: { start: pos(6, 0), end: pos(6, 30) }, text: '    print(' }]);
        const rp = await sh(pos(6, 10));
        assert.equal(rp.signatures[0].label, 'print(s: String) -> Unit');
        await server.change('main.sg', 4, [{ range: { start: pos(6, 0), end: pos(6, 10) }, text: '    let g = fn(n: Int) -> Int { n }\n    g(' }]);
        await server.waitPublish('main.sg', { version: 4 });
        const rg = await sh(pos(7, 6));
        assert.equal(rg.signatures[0].label, 'g(Int) -> Int');
    });
});
