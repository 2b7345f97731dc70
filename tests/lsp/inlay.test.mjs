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
