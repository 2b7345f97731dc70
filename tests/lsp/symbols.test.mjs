// symbols.test.mjs - the language server through a real client: documentSymbol and workspace/symbol.
// Run them all with ./run.sh (see README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { proto, startSession } from './harness.mjs';
import {
    GEO, range, pos, featureSession,
} from './fixtures.mjs';

describe('documentSymbol', () => {
    test('names, kinds, ranges and children of every item', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO });
        const syms = await server.symbols('geo.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.kind]), [
            ['Point', 23], ['Shape', 10], ['ORIGIN', 14], ['scale', 12],
        ]);
        const [point, shape, origin, scale] = syms;
        // the doc comment on line 0 may or may not be part of the range
        assert.ok(point.range.start.line === 0 || point.range.start.line === 1);
        assert.equal(point.range.start.character, 0);
        assert.deepEqual(point.range.end, pos(1, 39));
        assert.deepEqual(point.selectionRange, range(1, 11, 1, 16));
        assert.deepEqual(point.children.map((c) => [c.name, c.kind, c.range, c.selectionRange]), [
            ['x', 8, range(1, 19, 1, 27), range(1, 19, 1, 20)],
            ['y', 8, range(1, 29, 1, 37), range(1, 29, 1, 30)],
        ]);
        assert.deepEqual(shape.range, range(3, 0, 3, 44));
        assert.deepEqual(shape.selectionRange, range(3, 9, 3, 14));
        assert.deepEqual(shape.children.map((c) => [c.name, c.kind, c.selectionRange]), [
            ['Circle', 22, range(3, 17, 3, 23)],
            ['Dot', 22, range(3, 39, 3, 42)],
        ]);
        assert.deepEqual(shape.children[1].range, range(3, 39, 3, 42));
        assert.deepEqual([origin.range, origin.selectionRange], [range(5, 0, 5, 50), range(5, 10, 5, 16)]);
        assert.deepEqual([scale.range, scale.selectionRange], [range(7, 0, 9, 1), range(7, 7, 7, 12)]);
        assert.ok(!scale.children || scale.children.length === 0);
    });

    test('an enum member\'s range encloses its payload', async (t) => {
        const { server } = await startSession(t, { 'geo.sg': GEO });
        const [, shape] = await server.symbols('geo.sg');
        assert.deepEqual(shape.children[0].range, range(3, 17, 3, 37), '`Circle(Point, Float)`');
    });

    test('functions, externs, aliases; the open buffer\'s text; UTF-16 characters', async (t) => {
        const disk = 'pub fn gone() {}\n';
        const buffer = '// 😀\npub fn a() { print("😀😀") } pub fn b() {}\npub extern fn ext(s: String) -> Unit\npub type Pair = fn(Int) -> Int\n';
        const { server } = await startSession(t, { 'sym.sg': disk });
        await server.open('sym.sg', buffer);
        const syms = await server.symbols('sym.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.kind, s.range, s.selectionRange]).slice(0, 3), [
            ['a', 12, range(1, 0, 1, 28), range(1, 7, 1, 8)],
            ['b', 12, range(1, 29, 1, 42), range(1, 36, 1, 37)],
            ['ext', 12, range(2, 0, 2, 36), range(2, 14, 2, 17)],
        ]);
        assert.equal(syms[3].name, 'Pair');
        assert.deepEqual(syms[3].selectionRange, range(3, 9, 3, 13));
        assert.equal(syms.length, 4);
    });

    test('a file with a syntax error still lists its items', async (t) => {
        const { server } = await startSession(t, { 'x.sg': 'fn broken() -> Int { let = 1 }\npub fn after() {}\n' });
        const syms = await server.symbols('x.sg');
        assert.deepEqual(syms.map((s) => [s.name, s.selectionRange]), [
            ['broken', range(0, 3, 0, 9)], ['after', range(1, 7, 1, 12)],
        ]);
    });
});

describe('workspace symbols', () => {
    test('workspace symbols: by (partial) name across the workspace', async (t) => {
        const { ws, server } = await featureSession(t, undefined, []);
        const r = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'scal' });
        const s = r.find((x) => x.name === 'scale');
        assert.ok(s, JSON.stringify(r));
        assert.equal(s.kind, 12);
        assert.equal(s.location.uri, ws.uri('geo.sg'));
        if (s.location.range) assert.deepEqual(s.location.range.start.line, 7);
        const r2 = await server.request(proto.WorkspaceSymbolRequest.type, { query: 'Poi' });
        assert.ok(r2.some((x) => x.name === 'Point' && x.kind === 23));
    });
});
