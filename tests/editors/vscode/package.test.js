// `npm ci` from the committed lock file, then `npx @vscode/vsce package`,
// in a scratch copy of editors/vscode: the .vsix holds the manifest, the
// grammar, the language configuration and the runtime dependencies, and its
// extension.js loads with the bundled vscode-languageclient.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawnSync } = require('child_process');
const { EXT_DIR } = require('./common');

/** Every entry of a zip file: Map name -> Buffer (stored or deflated). */
function readZip(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  assert.ok(eocd >= 0, 'zip end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const data0 = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data0, data0 + csize);
    out.set(name, method === 0 ? raw : zlib.inflateRawSync(raw));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function run(cmd, args, cwd, timeout) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  const out = `$ ${cmd} ${args.join(' ')}\n${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}`;
  assert.equal(r.status, 0, out);
  return out;
}

test('npm ci + vsce package produce a working .vsix', { timeout: 150000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-vsix-'));
  try {
    const work = path.join(tmp, 'vscode');
    fs.cpSync(EXT_DIR, work, {
      recursive: true,
      filter: (src) => !/(^|[\\/])node_modules$/.test(src) && !src.endsWith('.vsix'),
    });
    // --prefer-offline: the npm cache is enough when it has every locked package
    run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], work, 120000);
    assert.ok(fs.existsSync(path.join(work, 'node_modules', '@vscode', 'vsce')), 'vsce installed from the lock file');
    const vsix = path.join(tmp, 'sigil.vsix');
    run('npx', ['--no', '@vscode/vsce', 'package', '--skip-license', '--allow-missing-repository',
      '--no-rewrite-relative-links', '--out', vsix], work, 60000);
    assert.ok(fs.statSync(vsix).size > 1000, '.vsix written');

    const entries = readZip(vsix);
    const names = [...entries.keys()];
    for (const f of ['extension.vsixmanifest', 'extension/package.json', 'extension/extension.js',
      'extension/syntaxes/sigil.tmLanguage.json', 'extension/language-configuration.json',
      'extension/readme.md', 'extension/node_modules/vscode-languageclient/package.json',
      'extension/node_modules/vscode-languageclient/node.js',
      'extension/node_modules/vscode-jsonrpc/package.json',
      'extension/node_modules/vscode-languageserver-protocol/package.json']) {
      assert.ok(entries.has(f), `${f} in the .vsix`);
    }
    // no dev-only packages and no lock file in it
    for (const bad of ['extension/node_modules/@vscode/vsce/', 'extension/node_modules/vscode-textmate/',
      'extension/node_modules/vscode-oniguruma/', 'extension/package-lock.json']) {
      assert.ok(!names.some((n) => n.startsWith(bad)), `${bad} not in the .vsix`);
    }
    const manifest = JSON.parse(entries.get('extension/package.json').toString('utf8'));
    assert.equal(manifest.name, 'sigil');
    assert.ok(manifest.activationEvents.includes('onLanguage:sigil'));
    const vsixmanifest = entries.get('extension.vsixmanifest').toString('utf8');
    assert.match(vsixmanifest, /Microsoft\.VisualStudio\.Code/);

    // unpack it and load extension.js with the bundled client (vscode stubbed)
    const unpacked = path.join(tmp, 'unpacked');
    for (const [name, data] of entries) {
      if (name.endsWith('/')) continue;
      const dest = path.join(unpacked, name);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, data);
    }
    const probe = `
      const Module = require('module');
      const handler = { get: (t, k) => (k === '__esModule' ? false : k === 'then' ? undefined : stub), apply: () => stub, construct: () => stub };
      const stub = new Proxy(function () {}, handler);
      const orig = Module._load;
      Module._load = function (req, ...rest) { return req === 'vscode' ? stub : orig.call(this, req, ...rest); };
      const ext = require(${JSON.stringify(path.join(unpacked, 'extension', 'extension.js'))});
      const lc = require.cache[require.resolve(${JSON.stringify(path.join(unpacked, 'extension', 'node_modules', 'vscode-languageclient', 'node.js'))})];
      if (typeof ext.activate !== 'function' || typeof ext.deactivate !== 'function') throw new Error('no activate/deactivate');
      if (!lc) throw new Error('extension.js did not load the bundled vscode-languageclient');
      console.log('loaded');
    `;
    const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 20000, cwd: tmp });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /loaded/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
