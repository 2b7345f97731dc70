// bench/lsp/queries.mjs - the index phase of the language-server benchmarks,
// shared by bench.mjs (sigil --lsp) and tsgo.mjs (TypeScript 7): references
// to a function, renames of it, workspace/symbol with 3-letter queries, each
// timed from request to answer, and the rows that report them.
import { performance } from 'node:perf_hooks';

/** 3-letter pieces of the generated names (bench/gen.py and gen_ts.py have the same). */
export const PIECES = ['sen', 'ord', 'lif', 'cla', 'des', 'wei', 'fin', 'sum', 'blk', 'cnt', 'new', 'via', 'hit', 'acc', 'rou'];

const ms = (x) => `${x.toFixed(1)} ms`;

/** p50 / p99 (nearest rank) and max of latencies (ms). */
export function percentiles(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
    return { p50: q(0.5), p99: q(0.99), max: s[s.length - 1] };
}

const editCount = (r) => (r ? Object.values(r.changes || {}).reduce((n, x) => n + x.length, 0) +
    (r.documentChanges || []).reduce((n, x) => n + (x.edits ? x.edits.length : 0), 0) : 0);

/**
 * `request(type, params)` sends a request and resolves with its answer;
 * `after()` runs after each answer (RSS sampling); `at` is a function's name
 * ({textDocument, position}); `proto` is vscode-languageserver-protocol.
 * Returns the measurements: the first references (it may wait for an
 * index), then `n` references, `n` renames and `n` workspace symbols.
 */
export async function indexQueries({ request, after = () => {}, at, n, proto }) {
    const timed = async (type, params) => {
        const t0 = performance.now();
        const r = await request(type, params);
        const dt = performance.now() - t0;
        after();
        return { r, dt };
    };
    const refsParams = { ...at, context: { includeDeclaration: true } };
    const first = await timed(proto.ReferencesRequest.type, refsParams);
    const out = { first, locations: first.r ? first.r.length : 0, files: new Set((first.r || []).map((l) => l.uri)).size,
        refs: [], renames: [], edits: 0, syms: [], hits: 0 };
    for (let i = 0; i < n; i++) out.refs.push((await timed(proto.ReferencesRequest.type, refsParams)).dt);
    for (let i = 0; i < n; i++) {
        const { r, dt } = await timed(proto.RenameRequest.type, { ...at, newName: `renamed_${i}` });
        out.renames.push(dt);
        out.edits = editCount(r);
    }
    for (let i = 0; i < n; i++) {
        const { r, dt } = await timed(proto.WorkspaceSymbolRequest.type, { query: PIECES[i % PIECES.length] });
        out.syms.push(dt);
        out.hits += r ? r.length : 0;
    }
    return out;
}

/** The table rows of indexQueries' measurements for function `name` with `users` users. */
export function queryRows(q, name, users, note = '') {
    const r1 = percentiles(q.refs), r2 = percentiles(q.renames), r3 = percentiles(q.syms);
    return [
        [`references, ${name} (${users} users; n=${q.refs.length})`, `p50 ${ms(r1.p50)}`,
            `p99 ${ms(r1.p99)}, max ${ms(r1.max)}; ${q.locations} locations in ${q.files} files; the first ${ms(q.first.dt)}${note}`],
        [`rename of it (n=${q.renames.length})`, `p50 ${ms(r2.p50)}`, `p99 ${ms(r2.p99)}, max ${ms(r2.max)}; ${q.edits} edits`],
        [`workspace/symbol, 3-letter queries (n=${q.syms.length})`, `p50 ${ms(r3.p50)}`,
            `p99 ${ms(r3.p99)}, max ${ms(r3.max)}; ${(q.hits / q.syms.length).toFixed(0)} answers each`],
    ];
}
