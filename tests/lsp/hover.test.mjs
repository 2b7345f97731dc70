// hover.test.mjs - the language server through a real client: hover and definition.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto } from './harness.mjs';
import {
    range, pos, locations, hoverText, featureSession, td,
} from './fixtures.mjs';

describe('hover and definition', () => {
    test('hover: the type of a function from another module, a local, and a doc comment', async (t) => {
        const { ws, server } = await featureSession(t);
        const h = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 28) });
        assert.ok(h, 'a hover on `scale`');
        // `fn scale(p: Point, k: Float) -> Point` or `scale: fn(geo.Point, Float) -> geo.Point`
        assert.match(hoverText(h), /scale/);
        assert.match(hoverText(h), /\((p: )?(geo\.)?Point, (k: )?Float\) -> (geo\.)?Point/);
        if (h.range) assert.deepEqual(h.range, range(4, 27, 4, 32));
        const hp = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(4, 33) });
        assert.match(hoverText(hp), /geo\.Point/, 'the local `p` is a geo.Point');
        const hs = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(3, 17) });
        assert.match(hoverText(hs), /A point in the plane\./, 'the doc comment of Point');
        const none = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(1, 0) });
        assert.equal(none, null, 'nothing on an empty line');
    });

    test('definition: across modules, into the standard library, and of a local', async (t) => {
        const { ws, server } = await featureSession(t);
        const def = (p) => server.request(proto.DefinitionRequest.type, { textDocument: td(ws, 'main.sg'), position: p });
        assert.deepEqual(locations(await def(pos(4, 28))), [{ uri: ws.uri('geo.sg'), range: range(7, 7, 7, 12) }]);
        assert.deepEqual(locations(await def(pos(3, 17))), [{ uri: ws.uri('geo.sg'), range: range(1, 11, 1, 16) }]);
        assert.deepEqual(locations(await def(pos(4, 33))), [{ uri: ws.uri('main.sg'), range: range(3, 8, 3, 9) }]);
        const std = locations(await def(pos(5, 5)));
        assert.equal(std.length, 1);
        assert.match(std[0].uri, /\/std\/prelude\.sg$/);
    });

    test('definition of a type alias imported by name: where its module defines it', async (t) => {
        const files = {
            'geo.sg': 'pub struct Point { x: Float, y: Float }\n/// A point by another name.\npub type Pt = Point\n',
            'main.sg': 'import geo.{Pt}\n\nfn origin() -> Pt { geo_origin() }\nfn geo_origin() -> Pt { Pt { x: 0.0, y: 0.0 } }\n',
        };
        const { ws, server } = await featureSession(t, files, ['main.sg']);
        const def = await server.request(proto.DefinitionRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(2, 16) });
        // (it pointed at the importer's span of the name, in geo.sg)
        assert.deepEqual(locations(def), [{ uri: ws.uri('geo.sg'), range: range(2, 9, 2, 11) }]);
        const h = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(2, 16) });
        assert.match(hoverText(h), /A point by another name/);
    });
});
