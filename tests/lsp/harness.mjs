// harness.mjs - the test client: spawns `sigil --lsp` on real pipes and talks
// to it through vscode-jsonrpc (createMessageConnection over
// StreamMessageReader/StreamMessageWriter), or byte by byte for the raw
// framing tests. Each workspace is a fresh temp directory, removed afterwards.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import rpc from 'vscode-jsonrpc/node.js';
import proto from 'vscode-languageserver-protocol/node.js';

export { rpc, proto };

const here = path.dirname(fileURLToPath(import.meta.url));

/** The binary under test: $SIGIL, else ../../build/sigil relative to this directory. */
export const SIGIL = path.resolve(process.env.SIGIL || path.join(here, '..', '..', 'build', 'sigil'));

/** Per-wait timeout (ms); every wait in the suite is bounded by it. */
export const TIMEOUT = Number(process.env.SIGIL_LSP_TIMEOUT_MS || 5000);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; throws after `timeout` ms. */
export async function waitFor(fn, what, timeout = TIMEOUT, detail = () => '') {
    const deadline = Date.now() + timeout;
    for (;;) {
        const v = fn();
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${detail()}`);
        await sleep(5);
    }
}

/**
 * Is the binary under test built with a sanitizer? Its allocator holds freed
 * memory (ASan's quarantine), so its RSS says nothing about our bounds.
 */
export function sanitized() {
    const bin = fs.readFileSync(SIGIL);
    return bin.includes('__asan_init') || bin.includes('__tsan_init');
}

/** The resident set size of a process in kB (Linux /proc). */
export function rssKb(pid) {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
}

/** Rejects if `promise` has not settled within `timeout` ms. */
export function withTimeout(promise, what, detail = () => '', timeout = TIMEOUT) {
    let timer;
    const t = new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`timed out after ${timeout} ms waiting for ${what}${detail()}`)), timeout);
    });
    return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- workspaces

export class Workspace {
    constructor(files = {}) {
        // realpath: the server canonicalizes paths, so URIs must use the real one
        this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-lsp-')));
        for (const [rel, text] of Object.entries(files)) this.write(rel, text);
    }
    path(rel) { return path.join(this.dir, rel); }
    uri(rel) { return pathToFileURL(this.path(rel)).href; }
    get rootUri() { return pathToFileURL(this.dir).href; }
    write(rel, text) {
        fs.mkdirSync(path.dirname(this.path(rel)), { recursive: true });
        fs.writeFileSync(this.path(rel), text);
    }
    read(rel) { return fs.readFileSync(this.path(rel), 'utf8'); }
    cleanup() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

/** `sigil --check --format json` on a workspace (for the shared-cache test). */
export function checkJson(ws) {
    const r = spawnSync(SIGIL, ['--check', '--format', 'json', ws.dir], {
        encoding: 'utf8',
        env: { ...process.env, SIGIL_CACHE_DIR: path.join(ws.dir, '.sigil-cache') },
        timeout: TIMEOUT,
    });
    return { status: r.status, json: r.stdout ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

// ------------------------------------------------------------------ process

function spawnServer(ws, extraEnv = {}) {
    if (!fs.existsSync(SIGIL)) throw new Error(`sigil binary not found at ${SIGIL} (build it with make, or set SIGIL)`);
    const proc = spawn(SIGIL, ['--lsp'], {
        cwd: ws.dir,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, SIGIL_CACHE_DIR: path.join(ws.dir, '.sigil-cache'), ...extraEnv },
    });
    const state = { stderr: '', exit: null };
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => { state.stderr += d; });
    state.exited = new Promise((resolve) => {
        proc.on('exit', (code, signal) => {
            state.exit = { code, signal };
            resolve(state.exit);
        });
    });
    proc.stdin.on('error', () => {}); // EPIPE after the server exited
    return { proc, state };
}

async function stopProcess(proc, state) {
    if (state.exit) return;
    proc.kill('SIGKILL');
    await state.exited;
}

/** Default client capabilities (what a plain editor offers). */
export function clientCapabilities({ utf8 = false, dynamicWatch = true, progress = false } = {}) {
    return {
        general: { positionEncodings: utf8 ? ['utf-8', 'utf-16'] : ['utf-16'] },
        textDocument: {
            synchronization: { dynamicRegistration: false, didSave: true },
            publishDiagnostics: { versionSupport: true, relatedInformation: true },
            diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
            documentSymbol: { hierarchicalDocumentSymbolSupport: true },
            hover: { contentFormat: ['markdown', 'plaintext'] },
            definition: { linkSupport: false },
            completion: { completionItem: { snippetSupport: false } },
            rename: { prepareSupport: true },
        },
        workspace: {
            didChangeWatchedFiles: { dynamicRegistration: dynamicWatch },
            workspaceFolders: true,
        },
        window: { workDoneProgress: progress },
    };
}

// ------------------------------------------------------ library-based client

export class Server {
    /**
     * Spawns the server and connects vscode-jsonrpc to its pipes. Nothing is
     * sent; call initialize() (or use startSession()).
     */
    constructor(ws, { env = {}, onCreateProgress } = {}) {
        this.ws = ws;
        const { proc, state } = spawnServer(ws, env);
        this.proc = proc;
        this.state = state;
        this.published = [];        // every publishDiagnostics params, in order
        this.serverRequests = [];   // {method, params} of server -> client requests
        this.progress = [];         // {token, value} of $/progress, in order
        this.events = [];           // ordered log of interesting events (strings)
        this.raw = [];              // every message the server wrote, parsed by a second reader
        this.shown = [];            // window/showMessage params, in order
        this.logErrors = [];        // what vscode-jsonrpc's connection complained about
        const logger = {
            error: (m) => this.logErrors.push(String(m)),
            warn: (m) => this.logErrors.push(String(m)),
            info: () => {},
            log: () => {},
        };
        this.conn = rpc.createMessageConnection(
            new rpc.StreamMessageReader(proc.stdout),
            new rpc.StreamMessageWriter(proc.stdin),
            logger,
        );
        // A tap on the same pipe: sees every message, including ones the
        // connection would swallow (duplicate responses, id-less errors).
        new rpc.StreamMessageReader(proc.stdout).listen((m) => this.raw.push(m));

        this.conn.onNotification(proto.PublishDiagnosticsNotification.type, (p) => {
            this.published.push(p);
            this.events.push(`publish ${p.uri} v${p.version}`);
        });
        this.conn.onNotification(proto.LogMessageNotification.type, () => {});
        this.conn.onNotification(proto.ShowMessageNotification.type, (p) => this.shown.push(p));
        this.conn.onRequest(proto.RegistrationRequest.type, (p) => {
            this.serverRequests.push({ method: proto.RegistrationRequest.method, params: p });
            return null;
        });
        this.conn.onRequest(proto.WorkDoneProgressCreateRequest.type, async (p) => {
            this.serverRequests.push({ method: proto.WorkDoneProgressCreateRequest.method, params: p });
            this.events.push(`create ${p.token}`);
            this.conn.onProgress(proto.WorkDoneProgress.type, p.token, (value) => {
                this.progress.push({ token: p.token, value });
                this.events.push(`progress ${value.kind}`);
            });
            let result = null;
            try {
                if (onCreateProgress) result = await onCreateProgress(p);
            } catch (e) {
                this.events.push('create failed');
                throw e;
            }
            this.events.push('create answered');
            return result;
        });
        this.conn.onUnhandledProgress((p) => {
            this.progress.push({ token: p.token, value: p.value, unhandled: true });
            this.events.push(`progress ${p.value && p.value.kind} (unknown token ${p.token})`);
        });
        this.conn.onRequest((method, params) => {
            this.serverRequests.push({ method, params });
            return new rpc.ResponseError(rpc.ErrorCodes.MethodNotFound, `test client: ${method} not handled`);
        });
        this.conn.listen();
    }

    detail() {
        const last = this.published.slice(-6).map((p) => JSON.stringify(p)).join('\n    ');
        return `\n  last publishes:\n    ${last}\n  server stderr (tail):\n${this.state.stderr.slice(-1500)}`;
    }

    async initialize(capabilities = clientCapabilities(), extra = {}) {
        this.initResult = await this.request(proto.InitializeRequest.type, {
            processId: process.pid,
            clientInfo: { name: 'sigil-lsp-tests', version: '1' },
            rootUri: this.ws.rootUri,
            workspaceFolders: [{ uri: this.ws.rootUri, name: 'ws' }],
            capabilities,
            ...extra,
        });
        await this.conn.sendNotification(proto.InitializedNotification.type, {});
        return this.initResult;
    }

    /** A request through vscode-jsonrpc, failing after TIMEOUT ms without an answer. */
    request(type, params, token) {
        const args = params === undefined ? [type] : [type, params];
        if (token) args.push(token);
        return withTimeout(this.conn.sendRequest(...args), `the response to ${type.method || type}`, () => this.detail());
    }
    notify(type, params) { return this.conn.sendNotification(type, params); }

    // -- documents
    async open(rel, text = this.ws.read(rel), version = 1) {
        await this.notify(proto.DidOpenTextDocumentNotification.type, {
            textDocument: { uri: this.ws.uri(rel), languageId: 'sigil', version, text },
        });
    }
    async change(rel, version, contentChanges) {
        await this.notify(proto.DidChangeTextDocumentNotification.type, {
            textDocument: { uri: this.ws.uri(rel), version },
            contentChanges,
        });
    }
    async close(rel) {
        await this.notify(proto.DidCloseTextDocumentNotification.type, { textDocument: { uri: this.ws.uri(rel) } });
    }
    symbols(rel) {
        return this.request(proto.DocumentSymbolRequest.type, { textDocument: { uri: this.ws.uri(rel) } });
    }
    pull(rel) {
        return this.request(proto.DocumentDiagnosticRequest.type, { textDocument: { uri: this.ws.uri(rel) } });
    }

    // -- diagnostics
    mark() { return this.published.length; }
    /**
     * Waits for a publishDiagnostics of `rel` (after index `since`) for which
     * `pred` holds; `version` may be given as a shortcut.
     */
    async waitPublish(rel, { since = 0, version, pred = () => true, timeout = TIMEOUT } = {}) {
        const uri = this.ws.uri(rel);
        const what = `publishDiagnostics for ${rel}` + (version !== undefined ? ` version ${version}` : '');
        return waitFor(
            () => this.published.slice(since).find((p) => p.uri === uri && (version === undefined || p.version === version) && pred(p)),
            what, timeout, () => this.detail());
    }
    /** Publishes of `rel` after `since`. */
    publishesOf(rel, since = 0) {
        const uri = this.ws.uri(rel);
        return this.published.slice(since).filter((p) => p.uri === uri);
    }

    // -- lifecycle
    async shutdownAndExit() {
        await this.request(proto.ShutdownRequest.type);
        await this.notify(proto.ExitNotification.type);
        return this.waitExit();
    }
    waitExit(timeout = TIMEOUT) {
        return withTimeout(this.state.exited, 'the server to exit', () => this.detail(), timeout);
    }
    /** Responses (raw) carrying `id`. */
    responsesTo(id) { return this.raw.filter((m) => m.id === id && !('method' in m)); }

    async dispose() {
        try { this.conn.dispose(); } catch { /* already closed */ }
        await stopProcess(this.proc, this.state);
    }
}

/**
 * A test's server: a fresh workspace with `files`, a spawned server, and
 * (unless init is false) initialize + initialized. Cleaned up after the test.
 */
export async function startSession(t, files, { init = true, caps = {}, capabilities, env, onCreateProgress } = {}) {
    const ws = new Workspace(files);
    const server = new Server(ws, { env, onCreateProgress });
    t.after(async () => {
        await server.dispose();
        ws.cleanup();
    });
    if (init) await server.initialize(capabilities || clientCapabilities(caps));
    return { ws, server };
}

// ---------------------------------------------------------------- raw bytes

/** Frames one message (object or string body) with a correct Content-Length. */
export function frame(msg) {
    const body = Buffer.from(typeof msg === 'string' ? msg : JSON.stringify(msg), 'utf8');
    return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/**
 * A client that writes bytes straight to the server's stdin; the server's
 * output is still parsed by vscode-jsonrpc's StreamMessageReader, so its
 * framing is checked by a real client library.
 */
export class RawClient {
    constructor(ws, env = {}) {
        this.ws = ws;
        const { proc, state } = spawnServer(ws, env);
        this.proc = proc;
        this.state = state;
        this.messages = [];
        this.reader = new rpc.StreamMessageReader(proc.stdout);
        this.readerErrors = [];
        this.reader.onError((e) => this.readerErrors.push(e));
        this.reader.listen((m) => this.messages.push(m));
    }
    detail() {
        const msgs = this.messages.slice(-8).map((m) => JSON.stringify(m).slice(0, 300)).join('\n    ');
        return `\n  last messages:\n    ${msgs}\n  server stderr (tail):\n${this.state.stderr.slice(-1500)}`;
    }
    write(bytes) {
        return new Promise((resolve, reject) => this.proc.stdin.write(bytes, (e) => (e ? reject(e) : resolve())));
    }
    send(msg) { return this.write(frame(msg)); }
    /** Writes `bytes` in pieces of `size` bytes, yielding to the event loop between them. */
    async writeInPieces(bytes, size, pauseMs = 1) {
        for (let i = 0; i < bytes.length; i += size) {
            await this.write(bytes.subarray(i, i + size));
            await sleep(pauseMs);
        }
    }
    mark() { return this.messages.length; }
    waitMessage(pred, what, since = 0, timeout = TIMEOUT) {
        return waitFor(() => this.messages.slice(since).find(pred), what, timeout, () => this.detail());
    }
    waitResponse(id, since = 0) {
        return this.waitMessage((m) => m.id === id && !('method' in m), `the response to id ${JSON.stringify(id)}`, since);
    }
    /** Messages after `since` that are responses (errors included) rather than requests/notifications. */
    responses(since = 0) { return this.messages.slice(since).filter((m) => !('method' in m)); }

    initializeMessages(id = 1, capabilities = clientCapabilities()) {
        return [
            { jsonrpc: '2.0', id, method: 'initialize', params: { processId: process.pid, rootUri: this.ws.rootUri, capabilities } },
            { jsonrpc: '2.0', method: 'initialized', params: {} },
        ];
    }
    async initialize(id = 1) {
        const since = this.mark();
        const [init, initialized] = this.initializeMessages(id);
        await this.send(init);
        const r = await this.waitResponse(id, since);
        await this.send(initialized);
        return r;
    }
    documentSymbolMessage(id, rel) {
        return { jsonrpc: '2.0', id, method: 'textDocument/documentSymbol', params: { textDocument: { uri: this.ws.uri(rel) } } };
    }
    /** Sends a documentSymbol request and returns its response message. */
    async documentSymbol(id, rel) {
        const since = this.mark();
        await this.send(this.documentSymbolMessage(id, rel));
        return this.waitResponse(id, since);
    }
    async dispose() {
        try { this.reader.dispose(); } catch { /* closed */ }
        await stopProcess(this.proc, this.state);
    }
}

export async function startRaw(t, files, { init = true } = {}) {
    const ws = new Workspace(files);
    const client = new RawClient(ws);
    t.after(async () => {
        await client.dispose();
        ws.cleanup();
    });
    if (init) await client.initialize();
    return { ws, client };
}
