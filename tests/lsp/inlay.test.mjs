// inlay.test.mjs - the language server through a real client: inlay hints.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import {
    range, featureSession, td,
} from './fixtures.mjs';

describe('inlay hints', () => {
    test('inlay hints: the inferred type of an unannotated let', async (t) => {
        const { ws, server } = await featureSession(t);
        const hints = await server.request(proto.InlayHintRequest.type, { textDocument: td(ws, 'main.sg'), range: range(0, 0, 7, 0) });
        const label = (h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
        const at = hints.map((h) => [h.position.line, h.position.character, label(h).replace(/\s+/g, '')]);
        assert.deepEqual(at, [[3, 9, ':geo.Point']], 'only `p` (line 3) is unannotated');
        assert.equal(hints[0].kind ?? proto.InlayHintKind.Type, proto.InlayHintKind.Type);
    });
});

describe('inlay hints in a range (issue 14)', () => {
    test('only the hints inside the requested range', async (t) => {
        const text = 'fn f() -> Int {\n    let a = 1\n    let b = "x"\n    let c = 2.0\n    let d = [a]\n    a\n}\n';
        const { ws, server } = await featureSession(t, { 'm.sg': text }, ['m.sg']);
        const hints = async (r) => (await server.request(proto.InlayHintRequest.type, { textDocument: td(ws, 'm.sg'), range: r }))
            .map((h) => [h.position.line, h.label]);
        assert.deepEqual(await hints(range(0, 0, 7, 0)), [[1, ': Int'], [2, ': String'], [3, ': Float'], [4, ': List[Int]']]);
        assert.deepEqual(await hints(range(2, 0, 3, 100)), [[2, ': String'], [3, ': Float']]);
        assert.deepEqual(await hints(range(3, 0, 3, 4)), [], 'the hint after `c` is past the range');
        assert.deepEqual(await hints(range(5, 0, 6, 1)), []);
    });
});
