// minimize.mjs - delta debugging (Zeller's ddmin) of a failing input: the
// sequence of steps, the starting files, and the lines of every file content
// involved. `fails(candidate)` replays a candidate and says whether it still
// shows the divergence; everything stops at the deadline with the smallest
// candidate found so far.

/** ddmin over `items`: a 1-minimal subsequence for which `fails` still holds (as far as time allows). */
export async function ddmin(items, fails, deadline) {
    let cur = items;
    let n = 2;
    while (cur.length >= 2 && Date.now() < deadline) {
        const size = Math.ceil(cur.length / n);
        const chunks = [];
        for (let i = 0; i < cur.length; i += size) chunks.push(cur.slice(i, i + size));
        let reduced = false;
        for (let i = 0; i < chunks.length && !reduced && Date.now() < deadline; i++) {
            if (chunks.length > 2 && await fails(chunks[i])) {
                cur = chunks[i];
                n = 2;
                reduced = true;
            }
        }
        for (let i = 0; i < chunks.length && !reduced && Date.now() < deadline; i++) {
            const complement = chunks.filter((_, k) => k !== i).flat();
            if (await fails(complement)) {
                cur = complement;
                n = Math.max(n - 1, 2);
                reduced = true;
            }
        }
        if (!reduced) {
            if (n >= cur.length) break;
            n = Math.min(cur.length, n * 2);
        }
    }
    if (cur.length === 1 && Date.now() < deadline && await fails([])) cur = [];
    return cur;
}

/** Lines of a buffer, each with its newline (so joining them gives the buffer back). */
export function lines(buf) {
    const out = [];
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
        if (buf[i] === 0x0a) {
            out.push(buf.subarray(start, i + 1));
            start = i + 1;
        }
    }
    if (start < buf.length) out.push(buf.subarray(start));
    return out;
}

/**
 * Minimizes a {start: Files, events: [...]} case whose last event is the
 * comparison that diverged. `fails(case)` replays. Reduces, in order: the
 * events before the last, the starting files, then the lines of each file
 * content (starting files and written data).
 */
export async function minimizeCase(c, fails, budgetMs) {
    const deadline = Date.now() + budgetMs;
    const last = c.events[c.events.length - 1];
    let best = c;
    const tryEvents = async (evs) => fails({ ...best, events: [...evs, last] });
    const evs = await ddmin(best.events.slice(0, -1), tryEvents, deadline);
    best = { ...best, events: [...evs, last] };

    const startPaths = await ddmin(best.start.paths(), async (keep) => {
        const start = best.start.clone();
        for (const p of start.paths()) if (!keep.includes(p)) start.map.delete(p);
        return fails({ ...best, start });
    }, deadline);
    const start = best.start.clone();
    for (const p of start.paths()) if (!startPaths.includes(p)) start.map.delete(p);
    best = { ...best, start };

    // the lines of every version of one path at once, where they have as
    // many lines (a same-size edit only stays same-size that way)
    for (const p of allPaths(best)) {
        if (Date.now() >= deadline) break;
        const versions = contentsOf(best, p);
        const n = lines(versions[0]).length;
        if (versions.length < 2 || !versions.every((v) => lines(v).length === n)) continue;
        const keep = await ddmin([...Array(n).keys()], async (idx) => fails(mapContents(best, p, idx)), deadline);
        best = mapContents(best, p, keep);
    }
    // then the lines of each content alone, starting files first
    for (const p of best.start.paths()) {
        if (Date.now() >= deadline) break;
        const kept = await ddmin(lines(best.start.get(p)), async (ls) => {
            const s = best.start.clone();
            s.map.set(p, Buffer.concat(ls));
            return fails({ ...best, start: s });
        }, deadline);
        const s = best.start.clone();
        s.map.set(p, Buffer.concat(kept));
        best = { ...best, start: s };
    }
    for (let i = 0; i < best.events.length; i++) {
        if (Date.now() >= deadline) break;
        const e = best.events[i];
        if (!e.data) continue;
        const kept = await ddmin(lines(e.data), async (ls) => {
            const events = best.events.slice();
            events[i] = { ...e, data: Buffer.concat(ls) };
            return fails({ ...best, events });
        }, deadline);
        const events = best.events.slice();
        events[i] = { ...e, data: Buffer.concat(kept) };
        best = { ...best, events };
    }
    return { case: best, complete: Date.now() < deadline };
}

const pathsOfEvent = (e) => (e.data ? [e.path] : []);
function allPaths(c) { return [...new Set([...c.start.paths(), ...c.events.flatMap(pathsOfEvent)])]; }
function contentsOf(c, p) {
    return [...(c.start.has(p) ? [c.start.get(p)] : []), ...c.events.filter((e) => e.data && e.path === p).map((e) => e.data)];
}
/** `c` with every content of path `p` cut down to the lines at indices `idx`. */
function mapContents(c, p, idx) {
    const cut = (buf) => { const ls = lines(buf); return Buffer.concat(idx.map((i) => ls[i]).filter(Boolean)); };
    const start = c.start.clone();
    if (start.has(p)) start.map.set(p, cut(start.get(p)));
    return { ...c, start, events: c.events.map((e) => (e.data && e.path === p ? { ...e, data: cut(e.data) } : e)) };
}
