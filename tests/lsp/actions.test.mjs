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

describe('quick fixes for W001 and E207 (issue 14)', () => {
    async function fixes(server, ws, rel, code) {
        const diags = (await server.pull(rel)).items.filter((d) => d.code === code);
        assert.equal(diags.length, 1, JSON.stringify(diags));
        return server.request(proto.CodeActionRequest.type, { textDocument: td(ws, rel), range: diags[0].range, context: { diagnostics: diags } });
    }

    test('remove an unused import: its line goes, the warning with it', async (t) => {
        const text = 'import std.math\nimport std.list\n\npub fn f() -> Float { math.sqrt(2.0) }\n';
        const { ws, server } = await featureSession(t, { 'm.sg': text }, ['m.sg']);
        const actions = await fixes(server, ws, 'm.sg', 'W001');
        assert.equal(actions.length, 1);
        assert.equal(actions[0].title, 'Remove the unused import `import std.list`');
        assert.equal(actions[0].kind, 'quickfix');
        const fixed = applyEdits(text, editsByUri(actions[0].edit)[ws.uri('m.sg')]);
        assert.equal(fixed, 'import std.math\n\npub fn f() -> Float { math.sqrt(2.0) }\n');
        await server.change('m.sg', 2, [{ text: fixed }]);
        assert.deepEqual((await server.waitPublish('m.sg', { version: 2 })).diagnostics, []);
    });

    test('add the missing match arm the E207 message names, until the match is exhaustive', async (t) => {
        let text = 'pub enum Dir { North, East, South, West }\n\npub fn f(d: Dir) -> Int {\n    match d {\n        North => 1,\n        East => 2\n    }\n}\n';
        const { ws, server } = await featureSession(t, { 'm.sg': text }, ['m.sg']);
        const added = [];
        for (let v = 2; v <= 3; v++) {
            const actions = await fixes(server, ws, 'm.sg', 'E207');
            assert.equal(actions.length, 1, JSON.stringify(actions));
            assert.match(actions[0].title, /^Add a match arm for `(South|West)`$/);
            added.push(actions[0].title.match(/`(\w+)`/)[1]);
            text = applyEdits(text, editsByUri(actions[0].edit)[ws.uri('m.sg')]);
            await server.change('m.sg', v, [{ text }]);
            await server.waitPublish('m.sg', { version: v });
        }
        assert.deepEqual(added.sort(), ['South', 'West']);
        assert.equal(text, 'pub enum Dir { North, East, South, West }\n\npub fn f(d: Dir) -> Int {\n    match d {\n        North => 1,\n' +
            `        East => 2,\n        ${added[0]} => panic("not handled yet"),\n        ${added[1]} => panic("not handled yet"),\n    }\n}\n`);
        assert.deepEqual((await server.pull('m.sg')).items, []);
    });
});

describe('quick fix: apply a suggestion (issue 14)', () => {
    async function apply(t, text, code, title) {
        const { ws, server } = await featureSession(t, { 'm.sg': text }, ['m.sg']);
        const diags = (await server.pull('m.sg')).items.filter((d) => d.code === code);
        assert.equal(diags.length, 1, JSON.stringify(diags));
        const actions = await server.request(proto.CodeActionRequest.type, {
            textDocument: td(ws, 'm.sg'), range: diags[0].range, context: { diagnostics: diags },
        });
        const fix = (actions || []).find((a) => a.title === title);
        assert.ok(fix, `"${title}" in ${JSON.stringify(actions)}`);
        assert.equal(fix.kind, 'quickfix');
        const fixed = applyEdits(text, editsByUri(fix.edit)[ws.uri('m.sg')]);
        await server.change('m.sg', 2, [{ text: fixed }]);
        assert.deepEqual((await server.waitPublish('m.sg', { version: 2 })).diagnostics, []);
        return fixed;
    }

    test('an unknown local: the name the message suggests replaces it', async (t) => {
        const fixed = await apply(t, 'pub fn f(count: Int) -> Int {\n    cout + 1\n}\n', 'E103', 'Change `cout` to `count`');
        assert.equal(fixed, 'pub fn f(count: Int) -> Int {\n    count + 1\n}\n');
    });

    test('a module member: only the name is replaced, not the module', async (t) => {
        const fixed = await apply(t, 'import std.list\n\npub fn f() -> Int {\n    len(list.rnage(0, 3))\n}\n', 'E105', 'Change `rnage` to `range`');
        assert.equal(fixed, 'import std.list\n\npub fn f() -> Int {\n    len(list.range(0, 3))\n}\n');
    });

    test('no fix once the buffer changed since its check (the offsets would be stale)', async (t) => {
        const text = 'pub fn f(count: Int) -> Int {\n    cout + 1\n}\n';
        const { ws, server } = await featureSession(t, { 'm.sg': text }, ['m.sg']);
        const diags = (await server.pull('m.sg')).items.filter((d) => d.code === 'E103');
        // an edit not checked yet when the actions are asked for: the buffer
        // and the check disagree, so the server offers no replacement
        await server.change('m.sg', 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// x\n' }]);
        const actions = await server.request(proto.CodeActionRequest.type, {
            textDocument: td(ws, 'm.sg'), range: diags[0].range, context: { diagnostics: diags },
        });
        assert.ok(!(actions || []).some((a) => /^Change/.test(a.title)), JSON.stringify(actions));
    });
});
