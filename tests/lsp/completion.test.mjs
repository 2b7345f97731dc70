// completion.test.mjs - the language server through a real client: completion.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import {
    pos, completionItems, td, typeLine,
} from './fixtures.mjs';

describe('completion', () => {
    test('completion: module members after `geo.`', async (t) => {
        const { ws, server } = await typeLine(t, '    geo.');
        const r = await server.request(proto.CompletionRequest.type, {
            textDocument: td(ws, 'main.sg'), position: pos(6, 8), context: { triggerKind: 2, triggerCharacter: '.' },
        });
        const items = completionItems(r);
        const kind = Object.fromEntries(items.map((i) => [i.label, i.kind]));
        for (const name of ['Point', 'Shape', 'ORIGIN', 'scale', 'Circle', 'Dot']) assert.ok(name in kind, `${name} offered`);
        assert.equal(kind.scale, proto.CompletionItemKind.Function);
        assert.equal(kind.Point, proto.CompletionItemKind.Struct);
        assert.equal(kind.ORIGIN, proto.CompletionItemKind.Constant);
        assert.equal(kind.Circle, proto.CompletionItemKind.EnumMember);
        assert.ok(!('main' in kind) && !('let' in kind), 'only the module\'s exports after `geo.`');
    });

    test('completion: struct fields after `q.`', async (t) => {
        const { ws, server } = await typeLine(t, '    q.');
        const r = await server.request(proto.CompletionRequest.type, {
            textDocument: td(ws, 'main.sg'), position: pos(6, 6), context: { triggerKind: 2, triggerCharacter: '.' },
        });
        const items = completionItems(r);
        assert.deepEqual(items.map((i) => [i.label, i.kind]).sort(), [['x', 5], ['y', 5]]);
    });

    test('completion: locals, items, prelude names and keywords', async (t) => {
        const { ws, server } = await typeLine(t, '    ');
        const r = await server.request(proto.CompletionRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(6, 4) });
        const labels = new Set(completionItems(r).map((i) => i.label));
        for (const name of ['p', 'q', 'main', 'geo', 'print', 'Some', 'None', 'let', 'if', 'match', 'return'])
            assert.ok(labels.has(name), `${name} offered`);
    });
});
