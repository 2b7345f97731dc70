// scheduler.test.mjs - the language server through a real client: the fast path and whole runs (scheduler.c).
// Run them all with ./run.sh (see README.md).
//
// An edit of an open module that keeps its import list is re-checked against
// the last run alone (log: "re-checked N modules, K open"); when its
// signature changes, so are the importers that used a changed name (log:
// "its signature changed; N importers used what changed"), open or not; a
// whole run (log: "checked N modules (K from cache)") follows only when the
// imports changed, or something other than an open buffer did.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { checkJson, proto, sleep } from './harness.mjs';
import {
    GEO, GEO_INT, MAIN, range, pos, briefs, MAIN_E201_INT, GEO_INT_E206, GEO_K_RANGE, locations, featureSession, td, wholeRuns, awaitWholeRuns, idle, fastRuns,
} from './fixtures.mjs';

describe('the fast path', () => {
    test('a body edit re-checks only the edited module; a dependent is not re-checked or re-published', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        const since = server.mark();
        // `p.y * k` -> `p.y * k * 1.0`: same signature
        await server.change('geo.sg', 2, [{ range: range(8, 34, 8, 34), text: ' * 1.0' }]);
        assert.deepEqual((await server.waitPublish('geo.sg', { since, version: 2 })).diagnostics, []);
        // a body error, then its fix
        await server.change('geo.sg', 3, [{ range: range(8, 34, 8, 40), text: ' * 1' }]);
        const p3 = await server.waitPublish('geo.sg', { since, version: 3 });
        assert.deepEqual(p3.diagnostics.map((d) => d.code), ['E206']);
        await server.change('geo.sg', 4, [{ range: range(8, 34, 8, 38), text: '' }]);
        assert.deepEqual((await server.waitPublish('geo.sg', { since, version: 4 })).diagnostics, []);
        await sleep(150);
        assert.deepEqual(fastRuns(server, from), [1, 1, 1], server.state.stderr.slice(from));
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
        assert.deepEqual(server.publishesOf('main.sg', since), [], 'main.sg is untouched');
        assert.deepEqual((await server.pull('main.sg')).items, []);
    });

    test('lines inserted above the items: definition and hover from a dependent follow them', async (t) => {
        const { ws, server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        // two lines before `pub fn scale`, and a new doc comment on Point
        await server.change('geo.sg', 2, [
            { range: range(6, 0, 6, 0), text: '// one\n// two\n' },
            { range: range(0, 4, 0, 25), text: 'Where things are.' },
        ]);
        assert.deepEqual((await server.waitPublish('geo.sg', { version: 2 })).diagnostics, []);
        const def = (p) => server.request(proto.DefinitionRequest.type, { textDocument: td(ws, 'main.sg'), position: p });
        assert.deepEqual(locations(await def(pos(4, 28))), [{ uri: ws.uri('geo.sg'), range: range(9, 7, 9, 12) }]);
        assert.deepEqual(locations(await def(pos(3, 17))), [{ uri: ws.uri('geo.sg'), range: range(1, 11, 1, 16) }]);
        const h = await server.request(proto.HoverRequest.type, { textDocument: td(ws, 'main.sg'), position: pos(3, 18) });
        assert.match(h.contents.value, /Where things are\./);
        assert.doesNotMatch(h.contents.value, /in the plane/);
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
    });

    test('a signature edit: the edited module is published first, then the importers that used what changed, with no whole run', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        const since = server.mark();
        await server.change('geo.sg', 2, [{ range: GEO_K_RANGE, text: 'Int' }]);
        const pm = await server.waitPublish('main.sg', { since, pred: (p) => p.diagnostics.length > 0 });
        assert.deepEqual(briefs(pm.diagnostics), [MAIN_E201_INT]);
        const all = server.published.slice(since);
        const ig = all.findIndex((p) => p.uri.endsWith('/geo.sg') && p.version === 2);
        assert.ok(ig >= 0 && ig < all.indexOf(pm), 'geo.sg v2 comes before main.sg');
        assert.deepEqual(briefs(all[ig].diagnostics), GEO_INT_E206);
        assert.match(server.state.stderr.slice(from), /geo: its signature changed; 1 importers used what changed/);
        await sleep(150);
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
        assert.deepEqual((await server.pull('main.sg')).items.map((d) => d.code), ['E201']);
        // further body edits of geo: fast, and main stays as it is
        const from2 = server.state.stderr.length;
        const since2 = server.mark();
        await server.change('geo.sg', 3, [{ range: range(8, 0, 8, 0), text: '    let _z = 1\n' }]);
        assert.deepEqual(briefs((await server.waitPublish('geo.sg', { since, version: 3 })).diagnostics),
            GEO_INT_E206.map((d) => ({ ...d, range: range(d.range.start.line + 1, d.range.start.character, d.range.end.line + 1, d.range.end.character) })));
        await sleep(100);
        assert.equal(wholeRuns(server, from2), 0);
        assert.deepEqual(server.publishesOf('main.sg', since2), [], 'main.sg is not re-published');
        // and back: main is clean again
        await server.change('geo.sg', 4, [{ text: GEO }]);
        await server.waitPublish('main.sg', { since: since2, pred: (p) => p.diagnostics.length === 0 });
        assert.equal(wholeRuns(server, from), 0, 'still no whole run');
    });

    test('a new pub item: the edited module is published, nothing else is re-checked', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        const since = server.mark();
        await server.change('geo.sg', 2, [{ range: range(0, 0, 0, 0), text: 'pub fn extra() -> Int { 1 }\n' }]);
        assert.deepEqual((await server.waitPublish('geo.sg', { since, version: 2 })).diagnostics, []);
        await sleep(150);
        assert.match(server.state.stderr.slice(from), /geo: its signature changed; 0 importers used what changed/);
        assert.deepEqual(fastRuns(server, from), [1]);
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
        assert.deepEqual(server.publishesOf('main.sg', since), [], 'main.sg is not re-published');
    });

    test('a signature edit reaches closed importers that used what changed, through their files, and no others', async (t) => {
        // user.sg (closed) calls geo.scale; far.sg (closed) imports user only; other.sg (closed) uses geo.ORIGIN
        const USER = 'import geo\n\npub fn twice(p: geo.Point) -> geo.Point { geo.scale(p, 2.0) }\n';
        const FAR = 'import user\n\nfn f() -> Float { user.twice(geo_point()).x }\n\nfn geo_point() -> Float { 0.0 }\n';
        const OTHER = 'import geo\n\npub fn o() -> Float { geo.ORIGIN.x }\n';
        const files = { 'geo.sg': GEO, 'main.sg': MAIN, 'user.sg': USER, 'far.sg': FAR, 'other.sg': OTHER };
        const { ws, server } = await featureSession(t, files, ['geo.sg']);
        await idle(server);
        const before = checkJson(ws);
        assert.deepEqual(before.json.diagnostics.map((d) => [d.file, d.code]), [['far.sg', 'E201']]);
        const from = server.state.stderr.length;
        const since = server.mark();
        await server.change('geo.sg', 2, [{ range: GEO_K_RANGE, text: 'Int' }]);
        const pu = await server.waitPublish('user.sg', { since, pred: (p) => p.diagnostics.length > 0 });
        assert.deepEqual(pu.diagnostics.map((d) => d.code), ['E201']);
        await idle(server);
        assert.match(server.state.stderr.slice(from), /geo: its signature changed; 2 importers used what changed/);
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
        assert.deepEqual(server.publishesOf('other.sg', since), [], 'other.sg (uses only geo.ORIGIN) is not re-checked');
        // what the server says equals a check of the files as the editor has them
        ws.write('geo.sg', GEO_INT);
        const cli = checkJson(ws);
        for (const rel of ['user.sg', 'far.sg', 'main.sg', 'other.sg'])
            assert.deepEqual((await server.pull(rel)).items.map((d) => [d.range.start.line + 1, d.code]),
                cli.json.diagnostics.filter((d) => d.file === rel).map((d) => [d.line, d.code]), rel);
    });

    test('an edit of the import list goes through a whole run', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        await server.change('main.sg', 2, [{ range: range(1, 0, 1, 0), text: 'import std.math\n' }]);
        const p = await server.waitPublish('main.sg', { version: 2 });
        assert.deepEqual(p.diagnostics.map((d) => [d.code, d.range.start.line]), [['W001', 1]]);
        assert.match(server.state.stderr.slice(from), /its imports changed/);
        await awaitWholeRuns(server, from, 1);
        await sleep(100);
        assert.equal(wholeRuns(server, from), 1);
    });

    test('its results go to the on-disk cache (behind), which `sigil --check` then reuses', async (t) => {
        const { ws, server } = await featureSession(t);
        const edited = MAIN.replace('scale(p, 2.0)', 'scale(p, 3.0)');
        await server.change('main.sg', 2, [{ range: range(4, 36, 4, 39), text: '3.0' }]);
        await server.waitPublish('main.sg', { version: 2 });
        ws.write('main.sg', edited);   // as the editor saves it
        assert.equal((await server.shutdownAndExit()).code, 0);
        const r = checkJson(ws);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.json.modules, { total: 2, checked: [], reused: ['geo', 'main'] });
    });

    test('many body edits of a module others import: all on the fast path, a dependent\'s queries stay right', async (t) => {
        const { server } = await featureSession(t);
        await idle(server);
        const from = server.state.stderr.length;
        let text = GEO;
        for (let v = 2; v <= 80; v++) {
            // 1.0 -> 2.0 -> ... in `ORIGIN`'s x: a body (const value) edit
            const next = text.replace(/x: \d+\.0, y: 0\.0/, `x: ${v}.0, y: 0.0`);
            await server.change('geo.sg', v, [{ text: next }]);
            text = next;
            await server.waitPublish('geo.sg', { version: v });
        }
        assert.deepEqual((await server.waitPublish('geo.sg', { version: 80 })).diagnostics, []);
        await sleep(300);
        assert.equal(wholeRuns(server, from), 0, 'no whole run');
        assert.equal(fastRuns(server, from).length, 79);
        assert.deepEqual((await server.pull('main.sg')).items, []);
        const def = await server.request(proto.DefinitionRequest.type, { textDocument: td(server.ws, 'main.sg'), position: pos(4, 28) });
        assert.deepEqual(locations(def), [{ uri: server.ws.uri('geo.sg'), range: range(7, 7, 7, 12) }]);
    });
});
