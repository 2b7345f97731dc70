// The TextMate grammar (editors/vscode/syntaxes/sigil.tmLanguage.json),
// tokenized by vscode-textmate + vscode-oniguruma, the engine VS Code uses.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ROOT, EXT_DIR, extRequire } = require('./common');

const vsctm = extRequire('vscode-textmate');
const oniguruma = extRequire('vscode-oniguruma');

const GRAMMAR = path.join(EXT_DIR, 'syntaxes', 'sigil.tmLanguage.json');

let grammarPromise = null;
function loadGrammar() {
  if (!grammarPromise) {
    grammarPromise = (async () => {
      const wasm = fs.readFileSync(extRequire.resolve('vscode-oniguruma/release/onig.wasm'));
      await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
      const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
          createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
          createOnigString: (s) => new oniguruma.OnigString(s),
        }),
        loadGrammar: async (scopeName) => {
          if (scopeName !== 'source.sigil') return null;
          return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR);
        },
      });
      const g = await registry.loadGrammar('source.sigil');
      assert.ok(g, 'grammar source.sigil loaded');
      return g;
    })();
  }
  return grammarPromise;
}

/** Tokenize `text`: an array (one per line) of {text, scopes, start}. */
async function tokenize(text) {
  const grammar = await loadGrammar();
  let state = vsctm.INITIAL;
  return text.split(/\r?\n/).map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({
      text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, scopes: t.scopes,
    }));
  });
}

/**
 * The scopes of the `nth` occurrence of `needle` on a line (a 0-based line
 * number, or the first line containing the string `lineSel`): the scopes of
 * the token holding its first character, which must be exactly `needle`
 * (up to surrounding whitespace) unless `exact` is false.
 */
function scopesAt(lines, src, lineSel, needle, { nth = 0, exact = true } = {}) {
  const srcLines = src.split(/\r?\n/);
  const lineNo = typeof lineSel === 'number' ? lineSel : srcLines.findIndex((l) => l.includes(lineSel));
  assert.ok(lineNo >= 0 && lineNo < srcLines.length, `line ${JSON.stringify(lineSel)} exists`);
  const line = srcLines[lineNo];
  // An identifier-like needle is searched as a whole word (`f` is not the f of `fn`).
  const word = /^\w+$/.test(needle);
  const find = (from) => {
    if (!word) return line.indexOf(needle, from);
    const re = new RegExp(`(?<![A-Za-z0-9_])${needle}(?![A-Za-z0-9_])`, 'g');
    re.lastIndex = from;
    const m = re.exec(line);
    return m ? m.index : -1;
  };
  let col = -1;
  for (let i = 0; i <= nth; i++) col = find(col + 1);
  assert.ok(col >= 0, `${JSON.stringify(needle)} on line ${lineNo}: ${line}`);
  const tok = lines[lineNo].find((t) => t.start <= col && col < t.start + t.text.length);
  assert.ok(tok, `token at ${lineNo}:${col}`);
  if (exact) {
    // plain text merges with the whitespace around it into one token
    assert.equal(tok.text.trim(), needle,
      `token at ${lineNo}:${col} is ${JSON.stringify(tok.text)} ${tok.scopes.join(' ')}, want exactly ${JSON.stringify(needle)}`);
  }
  return tok.scopes;
}

function hasScope(scopes, prefix) {
  return scopes.some((s) => s === prefix || s.startsWith(prefix + '.'));
}

function expectScope(lines, src, lineSel, needle, prefix, opts) {
  const scopes = scopesAt(lines, src, lineSel, needle, opts);
  assert.ok(hasScope(scopes, prefix),
    `${JSON.stringify(needle)} on ${JSON.stringify(lineSel)}: want ${prefix}, got ${scopes.join(' ')}`);
  return scopes;
}

function expectNotScope(lines, src, lineSel, needle, prefix, opts) {
  const scopes = scopesAt(lines, src, lineSel, needle, { exact: false, ...opts });
  assert.ok(!hasScope(scopes, prefix),
    `${JSON.stringify(needle)} on ${JSON.stringify(lineSel)}: must not be ${prefix}, got ${scopes.join(' ')}`);
}

// Every literal form of section 2 of the language spec, and a few items.
const SNIPPET = [
  '/// Doc comment: attaches to ANSWER.',         // 0
  '// a plain line comment with "quotes" and fn',  // 1
  '/* a block comment',                            // 2
  '   over two lines: let x = 1 */',               // 3
  'pub const ANSWER: Int = 42',                    // 4
  'const BIG: Int = 1_000_000',                    // 5
  'const MASK: Int = 0xFF_ff',                     // 6
  'const MIN: Int = -9223372036854775808',         // 7
  'const PI: Float = 3.14_15',                     // 8
  'const SCI: Float = 1e9 + 2.5e-3 + 6.02E+23',    // 9
  'const S: String = "t\\t n\\n r\\r b\\\\ q\\" z\\0 e\\u{1F600} // not a comment"', // 10
  'const OK: Bool = true && !false',               // 11
  'pub struct Point[T] { x: T, y: List[Float] }',  // 12
  'pub enum Shape { Circle(Point[Float], Float), Empty }', // 13
  'pub extern fn print(s: String) -> Unit',        // 14
  'pub extern type Handle',                        // 15
  'fn f(x: Int) -> Int { if x >= 0 && x != 1 { return x % 2 } else { match x { _ => 0 } } }', // 16
  'fn g() { let mut n = 0; while n < 3 { n = n + 1 }; for v in [1, 2] { if v == 2 { break } else { continue } } }', // 17
  'const BAD: String = "bad \\q escape"',          // 18
  'const WRONG: Int = 1__0 + 0X1 + 1_',            // 19
  'import geo.point as p',                         // 20
  'const H: fn(Int) -> Unit = fn(x: Int) { /* inline */ print("") }', // 21
  'const U: String = "unterminated',               // 22
  'const AFTER: Int = 7',                          // 23
].join('\n');

test('grammar: keywords', async () => {
  const l = await tokenize(SNIPPET);
  expectScope(l, SNIPPET, 4, 'pub', 'storage.modifier');
  expectScope(l, SNIPPET, 4, 'const', 'storage.type');
  expectScope(l, SNIPPET, 12, 'struct', 'storage.type');
  expectScope(l, SNIPPET, 13, 'enum', 'storage.type');
  expectScope(l, SNIPPET, 14, 'extern', 'storage.modifier');
  expectScope(l, SNIPPET, 14, 'fn', 'storage.type.function');
  expectScope(l, SNIPPET, 15, 'type', 'storage.type');
  expectScope(l, SNIPPET, 16, 'if', 'keyword.control');
  expectScope(l, SNIPPET, 16, 'else', 'keyword.control');
  expectScope(l, SNIPPET, 16, 'return', 'keyword.control');
  expectScope(l, SNIPPET, 16, 'match', 'keyword.control');
  expectScope(l, SNIPPET, 17, 'let', 'storage.type');
  expectScope(l, SNIPPET, 17, 'mut', 'storage.modifier');
  expectScope(l, SNIPPET, 17, 'while', 'keyword.control');
  expectScope(l, SNIPPET, 17, 'for', 'keyword.control');
  expectScope(l, SNIPPET, 17, 'in', 'keyword.control');
  expectScope(l, SNIPPET, 17, 'break', 'keyword.control');
  expectScope(l, SNIPPET, 17, 'continue', 'keyword.control');
  expectScope(l, SNIPPET, 20, 'import', 'keyword.control.import');
  expectScope(l, SNIPPET, 20, 'as', 'keyword.control.import');
  expectScope(l, SNIPPET, 21, 'fn', 'storage.type.function', { nth: 0 });  // in a fn type
  expectScope(l, SNIPPET, 21, 'fn', 'storage.type.function', { nth: 1 });  // lambda
  expectScope(l, SNIPPET, 11, 'true', 'constant.language.boolean');
  expectScope(l, SNIPPET, 11, 'false', 'constant.language.boolean');
  expectScope(l, SNIPPET, 16, '_', 'variable.language.wildcard');
});

test('grammar: every keyword of the spec gets a keyword scope', async () => {
  const kws = ('import as pub fn struct enum type const extern let mut if else match for in while ' +
    'return break continue true false').split(' ');
  for (const kw of kws) {
    const src = `${kw} name`;
    const l = await tokenize(src);
    const scopes = expectScope(l, src, 0, kw, 'source.sigil');
    assert.ok(scopes.some((s) => /^(keyword|storage|constant\.language)\./.test(s)),
      `${kw}: ${scopes.join(' ')}`);
  }
  // ... and only as whole words
  const src = 'let iffy = format_string(imports, letter)';
  const l = await tokenize(src);
  for (const w of ['iffy', 'imports', 'letter']) {
    const scopes = scopesAt(l, src, 0, w);
    assert.ok(!scopes.some((s) => /^(keyword|storage)\./.test(s)), `${w}: ${scopes.join(' ')}`);
  }
});

test('grammar: function names after fn, calls', async () => {
  const l = await tokenize(SNIPPET);
  expectScope(l, SNIPPET, 14, 'print', 'entity.name.function');
  expectScope(l, SNIPPET, 16, 'f', 'entity.name.function', { nth: 0 });
  expectScope(l, SNIPPET, 17, 'g', 'entity.name.function');
  expectScope(l, SNIPPET, 21, 'print', 'entity.name.function.call');
});

test('grammar: types', async () => {
  const l = await tokenize(SNIPPET);
  expectScope(l, SNIPPET, 4, 'Int', 'support.type.primitive');
  expectScope(l, SNIPPET, 8, 'Float', 'support.type.primitive');
  expectScope(l, SNIPPET, 10, 'String', 'support.type.primitive');
  expectScope(l, SNIPPET, 11, 'Bool', 'support.type.primitive');
  expectScope(l, SNIPPET, 14, 'Unit', 'support.type.primitive');
  expectScope(l, SNIPPET, 12, 'List', 'support.type.builtin');
  expectScope(l, SNIPPET, 12, 'Point', 'entity.name.type');
  expectScope(l, SNIPPET, 12, 'T', 'entity.name.type', { nth: 0 });
  expectScope(l, SNIPPET, 13, 'Shape', 'entity.name.type');
  expectScope(l, SNIPPET, 13, 'Circle', 'entity.name.type');
  expectScope(l, SNIPPET, 13, 'Empty', 'entity.name.type');
  expectScope(l, SNIPPET, 15, 'Handle', 'entity.name.type');
});

test('grammar: numbers', async () => {
  const l = await tokenize(SNIPPET);
  expectScope(l, SNIPPET, 4, '42', 'constant.numeric.integer.decimal');
  expectScope(l, SNIPPET, 5, '1_000_000', 'constant.numeric.integer.decimal');
  expectScope(l, SNIPPET, 6, '0xFF_ff', 'constant.numeric.integer.hexadecimal');
  expectScope(l, SNIPPET, 7, '9223372036854775808', 'constant.numeric.integer.decimal');
  expectScope(l, SNIPPET, 7, '-', 'keyword.operator.arithmetic');
  expectScope(l, SNIPPET, 8, '3.14_15', 'constant.numeric.float');
  expectScope(l, SNIPPET, 9, '1e9', 'constant.numeric.float');
  expectScope(l, SNIPPET, 9, '2.5e-3', 'constant.numeric.float');
  expectScope(l, SNIPPET, 9, '6.02E+23', 'constant.numeric.float');
  // malformed (E003 in the checker)
  expectScope(l, SNIPPET, 19, '1__0', 'invalid.illegal.numeric');
  expectScope(l, SNIPPET, 19, '0X1', 'invalid.illegal.numeric');
  expectScope(l, SNIPPET, 19, '1_', 'invalid.illegal.numeric');
  // digits inside names are not numbers
  const src = 'let x1 = v2_0';
  const l2 = await tokenize(src);
  expectNotScope(l2, src, 0, 'x1', 'constant.numeric');
  expectNotScope(l2, src, 0, 'v2_0', 'constant.numeric');
  assert.ok(!l2[0].some((t) => hasScope(t.scopes, 'constant.numeric')), JSON.stringify(l2[0]));
});

test('grammar: strings and escapes', async () => {
  const l = await tokenize(SNIPPET);
  expectScope(l, SNIPPET, 10, '"', 'punctuation.definition.string.begin');
  for (const esc of ['\\t', '\\n', '\\r', '\\\\', '\\"', '\\0', '\\u{1F600}']) {
    const scopes = expectScope(l, SNIPPET, 10, esc, 'constant.character.escape');
    assert.ok(hasScope(scopes, 'string.quoted.double'), `${esc} inside the string`);
  }
  // `//` inside a string is not a comment, and the string ends at its closing quote
  const s = expectScope(l, SNIPPET, 10, '// not a comment', 'string.quoted.double', { exact: false });
  assert.ok(!hasScope(s, 'comment'), s.join(' '));
  const last = l[10][l[10].length - 1];
  assert.equal(last.text, '"');
  assert.ok(hasScope(last.scopes, 'punctuation.definition.string.end'), last.scopes.join(' '));
  expectScope(l, SNIPPET, 18, '\\q', 'invalid.illegal.unknown-escape');
  // an unterminated string stops at the end of its line
  expectScope(l, SNIPPET, 22, '"unterminated', 'string.quoted.double', { exact: false });
  expectScope(l, SNIPPET, 23, 'const', 'storage.type');
  expectScope(l, SNIPPET, 23, '7', 'constant.numeric.integer.decimal');
  expectNotScope(l, SNIPPET, 23, 'AFTER', 'string');
});

test('grammar: comments', async () => {
  const l = await tokenize(SNIPPET);
  expectScope(l, SNIPPET, 0, '///', 'comment.line.documentation', { exact: false });
  expectScope(l, SNIPPET, 0, 'ANSWER', 'comment.line.documentation', { exact: false });
  expectScope(l, SNIPPET, 1, '//', 'comment.line.double-slash', { exact: false });
  expectNotScope(l, SNIPPET, 1, '"quotes"', 'string');
  expectNotScope(l, SNIPPET, 1, 'fn', 'storage');
  expectScope(l, SNIPPET, 2, '/*', 'comment.block', { exact: false });
  expectScope(l, SNIPPET, 3, 'let', 'comment.block', { exact: false });
  expectScope(l, SNIPPET, 3, '*/', 'punctuation.definition.comment.end');
  expectScope(l, SNIPPET, 4, 'pub', 'storage.modifier');   // the block comment ended
  expectScope(l, SNIPPET, 21, 'inline', 'comment.block', { exact: false });
  expectScope(l, SNIPPET, 21, 'print', 'entity.name.function.call');
  // a `//` comment is not a doc comment
  assert.ok(!l[1].some((t) => hasScope(t.scopes, 'comment.line.documentation')));
});

test('grammar: operators and punctuation', async () => {
  const l = await tokenize(SNIPPET);
  expectScope(l, SNIPPET, 14, '->', 'keyword.operator.arrow');
  expectScope(l, SNIPPET, 16, '=>', 'keyword.operator.arrow');
  expectScope(l, SNIPPET, 16, '>=', 'keyword.operator.comparison');
  expectScope(l, SNIPPET, 16, '!=', 'keyword.operator.comparison');
  expectScope(l, SNIPPET, 16, '&&', 'keyword.operator.logical');
  expectScope(l, SNIPPET, 16, '%', 'keyword.operator.arithmetic');
  expectScope(l, SNIPPET, 11, '!', 'keyword.operator.logical');
  expectScope(l, SNIPPET, 17, '==', 'keyword.operator.comparison');
  expectScope(l, SNIPPET, 17, '<', 'keyword.operator.comparison');
  expectScope(l, SNIPPET, 17, ';', 'punctuation.terminator');
  expectScope(l, SNIPPET, 4, '=', 'keyword.operator.assignment');
});

test('grammar: examples/main.sg', async () => {
  const src = fs.readFileSync(path.join(ROOT, 'examples', 'main.sg'), 'utf8');
  const l = await tokenize(src);
  expectScope(l, src, 0, '//', 'comment.line.double-slash', { exact: false });
  expectScope(l, src, 'import lib.book as bk', 'import', 'keyword.control.import');
  expectScope(l, src, 'import lib.book as bk', 'lib.book', 'entity.name.namespace');
  expectScope(l, src, 'import lib.book as bk', 'as', 'keyword.control.import');
  expectScope(l, src, 'import lib.member.{', 'Member', 'entity.name.type');
  expectScope(l, src, 'const TODAY', 'Int', 'support.type.primitive');
  expectScope(l, src, 'const TODAY', '45', 'constant.numeric.integer.decimal');
  expectScope(l, src, 'fn stock()', 'fn', 'storage.type.function');
  expectScope(l, src, 'fn stock()', 'stock', 'entity.name.function');
  expectScope(l, src, 'fn lend_all(', 'lend_all', 'entity.name.function');
  expectScope(l, src, 'fn lend_all(', 'List', 'support.type.builtin');
  expectScope(l, src, 'fn lend_all(', 'String', 'support.type.primitive');
  expectScope(l, src, '"Dune"', '"Dune"', 'string.quoted.double', { exact: false });
  expectScope(l, src, '"Dune"', '1965', 'constant.numeric.integer.decimal');
  expectScope(l, src, '"Dune"', 'Fiction', 'entity.name.type');
  expectScope(l, src, 'let mut current', 'let', 'storage.type');
  expectScope(l, src, 'let mut current', 'mut', 'storage.modifier');
  expectScope(l, src, 'for isbn in isbns', 'for', 'keyword.control');
  expectScope(l, src, 'for isbn in isbns', 'in', 'keyword.control', { nth: 0 });
  expectScope(l, src, 'match catalog.lend', 'match', 'keyword.control');
  expectScope(l, src, 'Ok(next)', 'Ok', 'entity.name.type');
  expectScope(l, src, 'Ok(next)', '=>', 'keyword.operator.arrow');
  expectScope(l, src, 'DELIBERATE ERROR', 'DELIBERATE', 'comment.line.double-slash', { exact: false });
  expectScope(l, src, 'let total: Float', 'Float', 'support.type.primitive');
  expectScope(l, src, 'let total: Float', '//~ E201', 'comment.line', { exact: false });
  expectScope(l, src, 'fn(b: bk.Book) -> Int { b.year }', 'fn', 'storage.type.function');
  expectScope(l, src, 'fn(b: bk.Book) -> Int { b.year }', '->', 'keyword.operator.arrow');
  expectScope(l, src, 'None => {}', 'None', 'entity.name.type');
  expectScope(l, src, 'if days > 0', 'if', 'keyword.control');
  expectScope(l, src, 'if days > 0', '0', 'constant.numeric.integer.decimal');
});

test('grammar: no invalid scopes in examples/ and std/', async () => {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.sg')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'examples'));
  walk(path.join(ROOT, 'std'));
  assert.ok(files.length >= 6, `found ${files.length} .sg files`);
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    const l = await tokenize(src);
    l.forEach((toks, i) => {
      for (const t of toks) {
        assert.ok(!t.scopes.some((s) => s.startsWith('invalid')),
          `${path.relative(ROOT, f)}:${i + 1}: ${JSON.stringify(t.text)} ${t.scopes.join(' ')}`);
      }
    });
    // the grammar's state is back at top level at the end of the file
    // (no string or block comment left open)
    const lastLine = l[l.length - 1];
    if (lastLine.length) {
      const last = lastLine[lastLine.length - 1].scopes;
      assert.ok(!hasScope(last, 'comment.block') && !hasScope(last, 'string'),
        `${path.relative(ROOT, f)} ends inside ${last.join(' ')}`);
    }
  }
});

test('grammar: doc comments in std/ are doc comments', async () => {
  const dir = path.join(ROOT, 'std');
  let seen = 0;
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.sg'))) {
    const src = fs.readFileSync(path.join(dir, name), 'utf8');
    const lines = src.split('\n');
    const l = await tokenize(src);
    lines.forEach((line, i) => {
      const m = /^\s*\/\/\//.exec(line);
      if (!m) return;
      seen++;
      const tok = l[i].find((t) => t.text.trim().length);
      assert.ok(hasScope(tok.scopes, 'comment.line.documentation'), `${name}:${i + 1} ${tok.scopes.join(' ')}`);
    });
  }
  assert.ok(seen > 0, 'std/ has /// doc comments');
});
