// references.test.mjs - the language server through a real client: references, prepareRename and rename.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import {
    range, pos, locations, byPosition, editsByUri, featureSession, td,
} from './fixtures.mjs';

describe('references and rename', () => {
    test('references: across modules, with and without the declaration', async (t) => {
        const { ws, server } = await featureSession(t, undefined, ['geo.sg']);
        const refs = async (includeDeclaration) => locations(await server.request(proto.ReferencesRequest.type, {
            textDocument: td(ws, 'geo.sg'), position: pos(7, 8), context: { includeDeclaration },
        })).sort(byPosition);
        assert.deepEqual(await refs(true), [
            { uri: ws.uri('geo.sg'), range: range(7, 7, 7, 12) },
            { uri: ws.uri('main.sg'), range: range(4, 27, 4, 32) },
        ].sort(byPosition));
        assert.deepEqual(await refs(false), [{ uri: ws.uri('main.sg'), range: range(4, 27, 4, 32) }]);
    });

    test('rename: prepareRename and a rename across modules', async (t) => {
        const { ws, server } = await featureSession(t);
        const prep = await server.request(proto.PrepareRenameRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 28) });
        assert.deepEqual(prep.range ?? prep, range(4, 27, 4, 32));
        const we = await server.request(proto.RenameRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 28), newName: 'resize' });
        assert.deepEqual(editsByUri(we), {
            [ws.uri('geo.sg')]: [{ range: range(7, 7, 7, 12), newText: 'resize' }],
            [ws.uri('main.sg')]: [{ range: range(4, 27, 4, 32), newText: 'resize' }],
        });
        // on a keyword: nothing to rename
        let onKeyword;
        try { onKeyword = await server.request(proto.PrepareRenameRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(2, 0) }); } catch (e) { onKeyword = null; }
        assert.equal(onKeyword, null);
    });
});
