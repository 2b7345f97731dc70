// source.mjs - just enough reading of Sigil text to aim edits: items and
// their extents, imports, bracketed lists. It works on binary strings (see
// workspace.mjs) and never fails: on broken text it finds less.

const ITEM = /^(pub[ \t]+)?(extern[ \t]+)?(fn|struct|enum|type|const)[ \t]+([A-Za-z_][A-Za-z0-9_]*)/gm;
const IMPORT = /^import[ \t]+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)/gm;

/** Index just past the bracket that closes the one at `open`, skipping strings and comments; -1 if none. */
export function matching(s, open) {
    const pairs = { '(': ')', '[': ']', '{': '}' };
    const stack = [];
    for (let i = open; i < s.length; i++) {
        const c = s[i];
        if (c === '"') {
            for (i++; i < s.length && s[i] !== '"' && s[i] !== '\n'; i++) if (s[i] === '\\') i++;
        } else if (c === '/' && s[i + 1] === '/') {
            while (i < s.length && s[i] !== '\n') i++;
        } else if (c === '/' && s[i + 1] === '*') {
            const e = s.indexOf('*/', i + 2);
            if (e < 0) return -1;
            i = e + 1;
        } else if (pairs[c]) {
            stack.push(pairs[c]);
        } else if (c === ')' || c === ']' || c === '}') {
            if (stack.pop() !== c) return -1;
            if (!stack.length) return i + 1;
        }
    }
    return -1;
}

/** Splits `s` at commas outside brackets; returns [{start, end, text}] (offsets into s), empty parts dropped. */
export function splitTop(s) {
    const parts = [];
    let depth = 0;
    let start = 0;
    const push = (end) => {
        const t = s.slice(start, end);
        if (t.trim()) parts.push({ start, end, text: t });
    };
    for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if ('([{'.includes(c)) depth++;
        else if (')]}'.includes(c)) depth--;
        else if (c === ',' && depth === 0) {
            push(i);
            start = i + 1;
        }
    }
    push(s.length);
    return parts;
}

/**
 * Top-level items: {kind, name, pub, extern, start, end, header} where
 * [start, end) covers the item (up to the next item or import line, trailing
 * blank and comment lines left out) and `header` is where its name ends.
 */
export function items(s) {
    const starts = [];
    for (const m of s.matchAll(ITEM)) {
        starts.push({ kind: m[3], name: m[4], pub: !!m[1], extern: !!m[2], start: m.index, header: m.index + m[0].length });
    }
    const boundaries = [...starts.map((x) => x.start), ...[...s.matchAll(IMPORT)].map((m) => m.index), s.length].sort((a, b) => a - b);
    for (const it of starts) {
        let end = boundaries.find((b) => b > it.start);
        // leave out the blank lines and comments (doc comments of the next item) before it
        const lines = s.slice(it.start, end).split('\n');
        while (lines.length > 1 && /^\s*(\/\/.*)?$/.test(lines[lines.length - 1])) lines.pop();
        it.end = it.start + lines.join('\n').length;
        if (s[it.end] === '\n') it.end++;
    }
    return starts;
}

/**
 * Import statements: {module, alias, names, start, end, brace} where names is
 * the selective list ([{start, end, text}] relative to the whole string) or null.
 */
export function imports(s) {
    const out = [];
    for (const m of s.matchAll(IMPORT)) {
        let end = s.indexOf('\n', m.index);
        if (end < 0) end = s.length;
        const imp = { module: m[1], alias: null, names: null, start: m.index, end: end + (s[end] === '\n' ? 1 : 0) };
        const rest = s.slice(m.index + m[0].length);
        const sel = /^\.\{/.exec(rest);
        const as = /^[ \t]+as[ \t]+([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
        if (sel) {
            const open = m.index + m[0].length + 1;
            const close = matching(s, open);
            if (close > 0) {
                imp.brace = { open, close };
                imp.names = splitTop(s.slice(open + 1, close - 1)).map((p) => ({ start: open + 1 + p.start, end: open + 1 + p.end, text: p.text.trim() }));
                let e = s.indexOf('\n', close);
                if (e < 0) e = s.length;
                imp.end = e + (s[e] === '\n' ? 1 : 0);
            }
        } else if (as) {
            imp.alias = as[1];
        }
        imp.binding = imp.names ? null : imp.alias || m[1].split('.').pop();
        out.push(imp);
    }
    return out;
}

/** The brace list of a struct or enum item: {open, close, parts} (parts as in splitTop, offsets absolute), or null. */
export function braceList(s, it) {
    const open = s.indexOf('{', it.header);
    if (open < 0 || open > it.end) return null;
    const close = matching(s, open);
    if (close < 0 || close > it.end + 1) return null;
    const inner = s.slice(open + 1, close - 1);
    return { open, close, parts: splitTop(inner).map((p) => ({ start: open + 1 + p.start, end: open + 1 + p.end, text: p.text })) };
}

/** A function item's parameter list and return type: {params: {open, close, parts}, ret: {start, end} | null}, or null. */
export function fnSig(s, it) {
    let i = it.header;
    if (s[i] === '[') {
        i = matching(s, i);
        if (i < 0) return null;
    }
    if (s[i] !== '(') return null;
    const close = matching(s, i);
    if (close < 0) return null;
    const params = { open: i, close, parts: splitTop(s.slice(i + 1, close - 1)).map((p) => ({ start: i + 1 + p.start, end: i + 1 + p.end, text: p.text })) };
    const arrow = /^[ \t]*->[ \t]*/.exec(s.slice(close));
    let ret = null;
    if (arrow) {
        const start = close + arrow[0].length;
        let e = start;
        let depth = 0;
        while (e < s.length && s[e] !== '\n' && !(depth === 0 && s[e] === '{')) {
            if (s[e] === '[' || s[e] === '(') depth++;
            if (s[e] === ']' || s[e] === ')') depth--;
            e++;
        }
        while (e > start && /\s/.test(s[e - 1])) e--;
        ret = { start, end: e };
    }
    return { params, ret };
}

/** Offset of the first line after the imports (where a new import goes), and of the first item. */
export function importEnd(s) {
    const imps = imports(s);
    return imps.length ? Math.max(...imps.map((i) => i.end)) : 0;
}

/** Type parameters declared by an item (`[T, U]` right after the name). */
export function typeParams(s, it) {
    if (s[it.header] !== '[') return [];
    const close = matching(s, it.header);
    return close < 0 ? [] : splitTop(s.slice(it.header + 1, close - 1)).map((p) => p.text.trim());
}

/** Replaces [a, b) of s with t. */
export const splice = (s, a, b, t) => s.slice(0, a) + t + s.slice(b);
