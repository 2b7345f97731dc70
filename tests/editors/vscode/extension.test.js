// editors/vscode/extension.js and its manifest, against a stub `vscode`
// module (the real one exists only inside VS Code). vscode-languageclient is
// stubbed too: the tests check what the extension hands to it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');
const { ROOT, EXT_DIR } = require('./common');

const pkg = JSON.parse(fs.readFileSync(path.join(EXT_DIR, 'package.json'), 'utf8'));

// --- stubs --------------------------------------------------------------
const state = {
  settings: {},
  errors: [],
  clients: [],
  startError: null,
  commands: new Map(),
  workspaceFolders: undefined,
};

const vscodeStub = {
  workspace: {
    getConfiguration: (section) => ({
      get: (key, dflt) => {
        const k = `${section}.${key}`;
        return Object.prototype.hasOwnProperty.call(state.settings, k) ? state.settings[k] : dflt;
      },
    }),
    get workspaceFolders() { return state.workspaceFolders; },
    createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  window: {
    createOutputChannel: (name) => ({ name, lines: [], appendLine(l) { this.lines.push(l); }, show() {}, dispose() {} }),
    showErrorMessage: (msg, ...items) => { state.errors.push({ msg, items }); return Promise.resolve(undefined); },
  },
  commands: {
    registerCommand: (id, fn) => { state.commands.set(id, fn); return { dispose() {} }; },
    executeCommand: () => Promise.resolve(),
  },
};

class FakeLanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: false, stopped: false });
    state.clients.push(this);
  }
  async start() {
    if (state.startError) throw state.startError;
    this.started = true;
  }
  async stop() { this.stopped = true; }
}
const languageClientStub = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 } };

const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscodeStub;
  if (request === 'vscode-languageclient/node') return languageClientStub;
  return origLoad.call(this, request, parent, isMain);
};
const ext = require(path.join(EXT_DIR, 'extension.js'));

function reset(settings) {
  state.settings = settings || {};
  state.errors = [];
  state.clients = [];
  state.startError = null;
  state.commands = new Map();
  state.workspaceFolders = undefined;
}
const context = () => ({ subscriptions: [] });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-vscode-ext-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
// a stand-in executable `sigil` in a directory of its own
const binDir = path.join(tmp, 'bin');
fs.mkdirSync(binDir);
const fakeSigil = path.join(binDir, 'sigil');
fs.writeFileSync(fakeSigil, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
const notExecutable = path.join(tmp, 'not-executable');
fs.writeFileSync(notExecutable, '', { mode: 0o644 });

// --- manifest -------------------------------------------------------------
test('package.json: language, grammar, activation, settings', () => {
  assert.equal(pkg.main, './extension.js');
  assert.ok(fs.existsSync(path.join(EXT_DIR, pkg.main)));
  assert.ok(pkg.activationEvents.includes('onLanguage:sigil'));
  const lang = pkg.contributes.languages.find((l) => l.id === 'sigil');
  assert.ok(lang, 'language sigil');
  assert.deepEqual(lang.extensions, ['.sg']);
  assert.ok(fs.existsSync(path.join(EXT_DIR, lang.configuration)));
  const gr = pkg.contributes.grammars.find((g) => g.language === 'sigil');
  assert.equal(gr.scopeName, 'source.sigil');
  const grammar = JSON.parse(fs.readFileSync(path.join(EXT_DIR, gr.path), 'utf8'));
  assert.equal(grammar.scopeName, 'source.sigil');
  const props = pkg.contributes.configuration.properties;
  assert.equal(props['sigil.path'].type, 'string');
  assert.equal(props['sigil.path'].default, 'sigil');
  assert.ok(props['sigil.trace.server'], 'sigil.trace.server (read by vscode-languageclient)');
  assert.match(pkg.dependencies['vscode-languageclient'], /^\^?9\./);
  assert.ok(pkg.devDependencies['@vscode/vsce'], 'vsce is a devDependency');
  assert.ok(pkg.engines.vscode);
  // the lock file is committed next to it and matches
  const lock = JSON.parse(fs.readFileSync(path.join(EXT_DIR, 'package-lock.json'), 'utf8'));
  assert.equal(lock.name, pkg.name);
  for (const [dep, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    assert.equal(lock.packages[''].dependencies?.[dep] ?? lock.packages[''].devDependencies?.[dep], range, dep);
    assert.ok(lock.packages[`node_modules/${dep}`], `${dep} locked`);
  }
});

test('language-configuration.json: comments, brackets, pairs, indentation', () => {
  const c = JSON.parse(fs.readFileSync(path.join(EXT_DIR, 'language-configuration.json'), 'utf8'));
  assert.equal(c.comments.lineComment, '//');
  assert.deepEqual(c.comments.blockComment, ['/*', '*/']);
  for (const pair of [['{', '}'], ['[', ']'], ['(', ')']]) {
    assert.ok(c.brackets.some((b) => b[0] === pair[0] && b[1] === pair[1]), `bracket ${pair}`);
    assert.ok(c.autoClosingPairs.some((p) => p.open === pair[0] && p.close === pair[1]), `pair ${pair}`);
  }
  const quote = c.autoClosingPairs.find((p) => p.open === '"');
  assert.ok(quote && quote.notIn.includes('string'));
  const inc = new RegExp(c.indentationRules.increaseIndentPattern);
  const dec = new RegExp(c.indentationRules.decreaseIndentPattern);
  for (const l of ['fn main() {', '    let books = [', '    match x {', '    foo(', 'pub struct P {']) {
    assert.ok(inc.test(l), `indent after ${JSON.stringify(l)}`);
  }
  for (const l of ['fn f() -> Int { 1 }', '    let x = 1', '    print("{")', '    let xs = [1, 2]']) {
    assert.ok(!inc.test(l), `no indent after ${JSON.stringify(l)}`);
  }
  for (const l of ['}', '    }', '    ]', ')', '    } else {']) assert.ok(dec.test(l), `outdent ${JSON.stringify(l)}`);
  for (const l of ['    x }', '    let y = 1']) assert.ok(!dec.test(l), `no outdent ${JSON.stringify(l)}`);
  new RegExp(c.wordPattern);
  for (const r of c.onEnterRules) new RegExp(r.beforeText);
});

// --- resolving sigil.path ----------------------------------------------------
test('resolveServerPath: PATH lookup, absolute and relative paths', () => {
  const env = { PATH: ['/nonexistent-dir', binDir].join(path.delimiter) };
  assert.equal(ext.resolveServerPath('sigil', env), fakeSigil);
  assert.equal(ext.resolveServerPath('', env), fakeSigil, 'empty setting means "sigil"');
  assert.equal(ext.resolveServerPath('sigil', { PATH: '/nonexistent-dir' }), null);
  assert.equal(ext.resolveServerPath('sigil', {}), null);
  assert.equal(ext.resolveServerPath(fakeSigil, {}), fakeSigil);
  assert.equal(ext.resolveServerPath('bin/sigil', {}, tmp), fakeSigil, 'relative to the workspace folder');
  assert.equal(ext.resolveServerPath('./bin/sigil', {}, tmp), fakeSigil);
  assert.equal(ext.resolveServerPath(path.join(tmp, 'missing'), {}), null);
  assert.equal(ext.resolveServerPath(notExecutable, {}), null, 'not executable');
  assert.equal(ext.resolveServerPath(binDir, {}), null, 'a directory');
});

// --- activation ----------------------------------------------------------------
test('activate: a missing binary shows an error and starts no client', async () => {
  reset({ 'sigil.path': path.join(tmp, 'no-such-sigil') });
  await ext.activate(context());
  assert.equal(state.clients.length, 0);
  assert.equal(state.errors.length, 1);
  const { msg, items } = state.errors[0];
  assert.match(msg, /no-such-sigil/);
  assert.match(msg, /not found/);
  assert.match(msg, /sigil\.path/);
  assert.deepEqual(items, ['Open Settings']);
  assert.ok(state.commands.has('sigil.restartServer'));
  await ext.deactivate();
});

test('activate: default "sigil" not on PATH shows an error', async () => {
  const savedPath = process.env.PATH;
  process.env.PATH = path.join(tmp, 'empty');
  try {
    reset({});
    await ext.activate(context());
    assert.equal(state.clients.length, 0);
    assert.equal(state.errors.length, 1);
    assert.match(state.errors[0].msg, /"sigil"/);
  } finally {
    process.env.PATH = savedPath;
  }
  await ext.deactivate();
});

test('activate: starts `sigil --lsp` with diagnosticMode "push"', async () => {
  const savedPath = process.env.PATH;
  process.env.PATH = [binDir, savedPath].join(path.delimiter);
  try {
    reset({});
    state.workspaceFolders = [{ uri: { fsPath: tmp } }];
    await ext.activate(context());
    await checkStarted();
  } finally {
    process.env.PATH = savedPath;
  }
});

async function checkStarted() {
  assert.deepEqual(state.errors, []);
  assert.equal(state.clients.length, 1);
  const c = state.clients[0];
  assert.equal(c.id, 'sigil');
  assert.ok(c.started, 'client.start() called');
  for (const mode of ['run', 'debug']) {
    assert.equal(c.serverOptions[mode].command, fakeSigil);
    assert.deepEqual(c.serverOptions[mode].args, ['--lsp']);
    assert.equal(c.serverOptions[mode].transport, languageClientStub.TransportKind.stdio);
  }
  assert.deepEqual(c.clientOptions.initializationOptions, { diagnosticMode: 'push' });
  assert.deepEqual(c.clientOptions.documentSelector, [{ language: 'sigil' }]);
  assert.equal(ext._getClient(), c);

  // restart: stops the old client, starts a new one
  await state.commands.get('sigil.restartServer')();
  assert.ok(c.stopped);
  assert.equal(state.clients.length, 2);
  await ext.deactivate();
  assert.ok(state.clients[1].stopped);
  assert.equal(ext._getClient(), null);
}

test('activate: sigil.path and sigil.serverArgs', async () => {
  reset({ 'sigil.path': fakeSigil, 'sigil.serverArgs': ['--log', '/tmp/x.log'] });
  await ext.activate(context());
  assert.equal(state.clients.length, 1);
  assert.equal(state.clients[0].serverOptions.run.command, fakeSigil);
  assert.deepEqual(state.clients[0].serverOptions.run.args, ['--lsp', '--log', '/tmp/x.log']);
  await ext.deactivate();
});

test('activate: a server that fails to start is reported', async () => {
  reset({ 'sigil.path': fakeSigil });
  state.startError = new Error('boom');
  await ext.activate(context());
  assert.equal(state.errors.length, 1);
  assert.match(state.errors[0].msg, /could not start/);
  assert.match(state.errors[0].msg, /boom/);
  assert.equal(ext._getClient(), null);
  await ext.deactivate();
});

const realSigil = process.env.SIGIL || path.join(ROOT, 'build', 'sigil');
test('the real sigil binary, when built, is found through sigil.path', { skip: !fs.existsSync(realSigil) && `${realSigil} not built` }, () => {
  const bin = realSigil;
  assert.equal(ext.resolveServerPath(bin, {}), path.resolve(bin));
});
