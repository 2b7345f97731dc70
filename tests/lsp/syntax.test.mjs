// syntax.test.mjs - the language server through a real client: the requests
// answered from the document as it is now (foldingRange, selectionRange) and
// documentHighlight (from the facts of the last check).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import { GEO, MAIN, range, pos, featureSession, td } from './fixtures.mjs';

const FOLD = `import geo
import std.list

// A comment
// over two lines
pub fn main() {
    let p = geo.Point { x: 1.0,
        y: 2.0 }
    if true {
        print("x") // not a run of comments
    }
}
/* block
   comment */
`;

describe('foldingRange, selectionRange, documentHighlight', () => {
    test('capabilities: the three providers are advertised', async (t) => {
        const { server } = await featureSession(t, { 'main.sg': MAIN }, []);
        const c = server.initResult.capabilities;
        assert.equal(c.documentHighlightProvider, true);
        assert.equal(c.foldingRangeProvider, true);
        assert.equal(c.selectionRangeProvider, true);
    });

    test('foldingRange: imports, comments, an item, a struct literal over two lines, a block', async (t) => {
        const { ws, server } = await featureSession(t, { 'geo.sg': GEO, 'fold.sg': FOLD }, ['fold.sg']);
        const r = await server.request(proto.FoldingRangeRequest.type, { textDocument: td(ws, 'fold.sg') });
        assert.deepEqual(r, [
            { startLine: 0, endLine: 1, kind: 'imports' },
            { startLine: 3, endLine: 4, kind: 'comment' },
            { startLine: 5, endLine: 10 },      // `}` on line 11 stays visible
            { startLine: 6, endLine: 7 },       // `y: 2.0 }` ends the literal on its own line
            { startLine: 8, endLine: 9 },
            { startLine: 12, endLine: 13, kind: 'comment' },
        ]);
    });

    test('foldingRange follows the buffer, not the last check', async (t) => {
        const { ws, server } = await featureSession(t, { 'geo.sg': GEO, 'fold.sg': FOLD }, ['fold.sg']);
        await server.change('fold.sg', 2, [{ range: range(2, 0, 5, 0), text: '' }]);   // the comment goes, at once
        const r = await server.request(proto.FoldingRangeRequest.type, { textDocument: td(ws, 'fold.sg') });
        assert.deepEqual(r.map((f) => [f.startLine, f.endLine]), [[0, 1], [2, 7], [3, 4], [5, 6], [9, 10]]);
    });

    test('selectionRange: from a string literal out to the whole document, each range inside the next', async (t) => {
        const { ws, server } = await featureSession(t, { 'geo.sg': GEO, 'fold.sg': FOLD }, ['fold.sg']);
        const [sel, second] = await server.request(proto.SelectionRangeRequest.type, {
            textDocument: td(ws, 'fold.sg'), positions: [pos(9, 15), pos(6, 9)],
        });
        const chain = (s) => { const out = []; for (; s; s = s.parent) out.push(s.range); return out; };
        assert.deepEqual(chain(sel), [
            range(9, 14, 9, 17),    // "x"
            range(9, 8, 9, 18),     // print("x")
            range(8, 12, 10, 5),    // the if's block
            range(8, 4, 10, 5),     // the if
            range(5, 14, 11, 1),    // main's body
            range(5, 0, 11, 1),     // the item
            range(0, 0, 14, 0),     // the document
        ]);
        assert.deepEqual(chain(second).slice(0, 3), [range(6, 8, 6, 9), range(6, 4, 7, 16), range(5, 14, 11, 1)]);
    });

    test('documentHighlight: the declaration (Write) and every use (Read) of a name in the module', async (t) => {
        const { ws, server } = await featureSession(t);
        const hl = async (rel, p) => (await server.request(proto.DocumentHighlightRequest.type, { textDocument: td(ws, rel), position: p }))
            .map((h) => [h.range.start.line, h.range.start.character, h.range.end.character, h.kind])
            .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(await hl('geo.sg', pos(1, 12)), [
            [1, 11, 16, 3], [3, 24, 29, 2], [5, 18, 23, 2], [5, 26, 31, 2], [7, 16, 21, 2], [7, 36, 41, 2], [8, 4, 9, 2],
        ]);
        // a local: its `let` and its use; `geo.Point` highlights `Point` only
        assert.deepEqual(await hl('main.sg', pos(4, 33)), [[3, 8, 9, 3], [4, 33, 34, 2]]);
        assert.deepEqual(await hl('main.sg', pos(3, 17)), [[3, 16, 21, 2], [4, 15, 20, 2]]);
        assert.equal(await server.request(proto.DocumentHighlightRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(1, 0) }), null);
    });
});
