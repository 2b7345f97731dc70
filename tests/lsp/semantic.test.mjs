// semantic.test.mjs - the language server through a real client: semantic tokens.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import {
    decodeTokens, featureSession, td,
} from './fixtures.mjs';

describe('semantic tokens', () => {
    test('semantic tokens: full document', async (t) => {
        const { ws, server } = await featureSession(t);
        const legend = server.initResult.capabilities.semanticTokensProvider.legend;
        const r = await server.request(proto.SemanticTokensRequest.type, { textDocument: td(ws, 'main.sg') });
        assert.equal(r.data.length % 5, 0);
        const toks = decodeTokens(r.data, legend);
        const at = (l, c) => toks.find((x) => x.line === l && x.character === c);
        assert.ok(['function', 'method'].includes(at(4, 27)?.type) && at(4, 27).length === 5, 'geo.scale is a function');
        assert.equal(at(0, 7)?.type, 'namespace', 'the import binding `geo`');
        assert.ok(['struct', 'type', 'class'].includes(at(3, 16)?.type), 'Point is a type');
        assert.equal(at(0, 0)?.type, 'keyword', '`import`');
    });
});
