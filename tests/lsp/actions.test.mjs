// actions.test.mjs - the language server through a real client: code actions.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import {
    range, briefs, editsByUri, applyEdits, featureSession, td,
} from './fixtures.mjs';

describe('code actions', () => {
    test('code action: add the missing import for `math.sqrt`', async (t) => {
        const text = 'pub fn root() -> Float {\n    math.sqrt(2.0)\n}\n';
        const { ws, server } = await featureSession(t, { 'calc.sg': text }, ['calc.sg']);
        const diag = (await server.pull('calc.sg')).items;
        assert.deepEqual(briefs(diag), [{ code: 'E103', severity: 1, range: range(1, 4, 1, 8) }]);
        const actions = await server.request(proto.CodeActionRequest.type, {
            textDocument: td(ws, 'calc.sg'), range: range(1, 4, 1, 8), context: { diagnostics: diag },
        });
        const fix = (actions || []).find((a) => /import std\.math/.test(a.title));
        assert.ok(fix, `an "import std.math" action in ${JSON.stringify(actions)}`);
        assert.equal(fix.kind, 'quickfix');
        const edits = editsByUri(fix.edit)[ws.uri('calc.sg')];
        const fixed = applyEdits(text, edits);
        assert.equal(fixed.split('\n')[0], 'import std.math');
        await server.change('calc.sg', 2, [{ text: fixed }]);
        assert.deepEqual((await server.waitPublish('calc.sg', { version: 2 })).diagnostics, []);
    });
});
