// VS Code extension for Sigil: starts `sigil --lsp` through vscode-languageclient.
//
// Settings: sigil.path (default "sigil"), sigil.serverArgs, sigil.trace.server.
// The server is asked for pushed diagnostics only (initializationOptions
// {diagnosticMode: "push"}): vscode-languageclient would otherwise also pull
// them and VS Code would show every diagnostic twice.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client = null;
let output = null;

/** Whether `file` is an existing regular file we may execute. */
function isExecutable(file) {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch (_) {
    return false;
  }
}

/**
 * Resolve the `sigil.path` setting to an absolute executable path, or null.
 * A bare command name is looked up on PATH (with PATHEXT on Windows); a path
 * (anything with a separator) is taken as is, `~` expanded and a relative one
 * resolved against `baseDir` (the first workspace folder).
 */
function resolveServerPath(setting, env, baseDir) {
  env = env || process.env;
  let p = (setting || '').trim() || 'sigil';
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) p = path.join(os.homedir(), p.slice(1));
  const exts = process.platform === 'win32'
    ? ['', ...(env.PATHEXT || '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)]
    : [''];
  const hasSep = p.includes('/') || (process.platform === 'win32' && p.includes('\\'));
  if (hasSep || path.isAbsolute(p)) {
    const abs = path.isAbsolute(p) ? p : path.resolve(baseDir || process.cwd(), p);
    for (const e of exts) if (isExecutable(abs + e)) return abs + e;
    return null;
  }
  const dirs = (env.PATH || env.Path || '').split(path.delimiter).filter(Boolean);
  for (const d of dirs) {
    for (const e of exts) {
      const f = path.join(d, p + e);
      if (isExecutable(f)) return f;
    }
  }
  return null;
}

function firstWorkspaceDir() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length ? folders[0].uri.fsPath : undefined;
}

function missingBinaryMessage(setting) {
  return `Sigil: the language server executable "${setting}" was not found ` +
    '(setting "sigil.path"). Install sigil (`make install` in the sigil repository) ' +
    'or set "sigil.path" to the full path of the sigil binary, then run "Sigil: Restart Language Server".';
}

/** Start the client; resolves to true when it started, false otherwise. */
async function startClient(context) {
  const config = vscode.workspace.getConfiguration('sigil');
  const setting = config.get('path', 'sigil');
  const extraArgs = config.get('serverArgs', []) || [];
  const command = resolveServerPath(setting, process.env, firstWorkspaceDir());
  if (!command) {
    const msg = missingBinaryMessage(setting);
    if (output) output.appendLine(msg);
    vscode.window.showErrorMessage(msg, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') {
        vscode.commands.executeCommand('workbench.action.openSettings', 'sigil.path');
      }
    });
    return false;
  }

  const executable = {
    command,
    args: ['--lsp', ...extraArgs],
    transport: TransportKind.stdio,
    options: { cwd: firstWorkspaceDir() },
  };
  const serverOptions = { run: executable, debug: executable };
  const clientOptions = {
    documentSelector: [{ language: 'sigil' }],
    initializationOptions: { diagnosticMode: 'push' },
    outputChannel: output,
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.sg,sigil.json}'),
    },
  };
  client = new LanguageClient('sigil', 'Sigil Language Server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const msg = `Sigil: could not start the language server "${command} --lsp": ${err && err.message ? err.message : err}`;
    if (output) output.appendLine(msg);
    vscode.window.showErrorMessage(msg);
    client = null;
    return false;
  }
  return true;
}

async function stopClient() {
  if (!client) return;
  const c = client;
  client = null;
  try {
    await c.stop();
  } catch (_) {
    // the server may already be gone
  }
}

async function activate(context) {
  output = vscode.window.createOutputChannel('Sigil Language Server');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('sigil.restartServer', async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.commands.registerCommand('sigil.showOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('sigil.path') || e.affectsConfiguration('sigil.serverArgs')) {
        await stopClient();
        await startClient(context);
      }
    }),
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate, resolveServerPath, _getClient: () => client };
