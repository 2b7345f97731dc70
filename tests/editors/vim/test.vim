" Vim test of editors/vim (driven by run.sh, under `vim -Nu NONE -es`).
" Environment: SIGIL_EDITOR_DIR (editors/vim), SIGIL_WORKSPACE (scratch copy of
" examples/), SIGIL_STD (std/ of the repo), SIGIL_OUT (results file, one
" "ok NAME" or "FAIL NAME: DETAIL" line per check).
let s:out = $SIGIL_OUT
let s:ws = $SIGIL_WORKSPACE

function! s:Check(name, ok, ...) abort
  let l:line = a:ok ? 'ok   ' . a:name : 'FAIL ' . a:name . (a:0 ? ': ' . a:1 : '')
  call writefile([l:line], s:out, 'a')
  return a:ok
endfunction

" group name at the first occurrence of a:needle on the first line containing a:line_has
function! s:SynOf(line_has, needle) abort
  for l:lnum in range(1, line('$'))
    let l:text = getline(l:lnum)
    if stridx(l:text, a:line_has) >= 0
      let l:col = stridx(l:text, a:needle)
      if l:col >= 0
        return synIDattr(synID(l:lnum, l:col + 1, 1), 'name')
      endif
    endif
  endfor
  return '<' . a:line_has . ' not found>'
endfunction

function! s:ExpectSyn(line_has, needle, group) abort
  let l:got = s:SynOf(a:line_has, a:needle)
  call s:Check(printf('syntax %s at %s in %s', a:group, string(a:needle), string(a:line_has)),
        \ l:got ==# a:group, 'got ' . string(l:got))
endfunction

" every syntax group used in the current buffer that links to Error
function! s:ErrorsInBuffer() abort
  let l:bad = []
  for l:lnum in range(1, line('$'))
    let l:len = strlen(getline(l:lnum))
    for l:col in range(1, l:len)
      let l:id = synID(l:lnum, l:col, 1)
      if synIDattr(synIDtrans(l:id), 'name') ==# 'Error'
        call add(l:bad, printf('%s:%d:%d %s', expand('%:t'), l:lnum, l:col, synIDattr(l:id, 'name')))
        break
      endif
    endfor
  endfor
  return l:bad
endfunction

function! s:Main() abort
  execute 'set runtimepath^=' . fnameescape($SIGIL_EDITOR_DIR)
  filetype plugin on
  syntax on

  execute 'edit ' . fnameescape(s:ws . '/main.sg')
  call s:Check("filetype == 'sigil'", &filetype ==# 'sigil', &filetype)
  call s:Check('b:current_syntax == sigil', get(b:, 'current_syntax', '') ==# 'sigil')
  call s:Check('commentstring from ftplugin', &l:commentstring ==# '// %s', &l:commentstring)
  call s:ExpectSyn('// A tiny library', 'tiny', 'sigilLineComment')
  call s:ExpectSyn('import lib.book as bk', 'import', 'sigilInclude')
  call s:ExpectSyn('import lib.book as bk', 'as bk', 'sigilInclude')
  call s:ExpectSyn('const TODAY', 'const', 'sigilKeyword')
  call s:ExpectSyn('const TODAY', 'Int', 'sigilBuiltinType')
  call s:ExpectSyn('const TODAY', '45', 'sigilNumber')
  call s:ExpectSyn('fn stock()', 'fn', 'sigilFn')
  call s:ExpectSyn('fn stock()', 'stock', 'sigilFuncName')
  call s:ExpectSyn('fn stock()', 'Catalog', 'sigilType')
  call s:ExpectSyn('"Dune"', 'Dune', 'sigilString')
  call s:ExpectSyn('"Dune"', '1965', 'sigilNumber')
  call s:ExpectSyn('let mut current', 'mut', 'sigilStorageClass')
  call s:ExpectSyn('for isbn in isbns', 'for', 'sigilRepeat')
  call s:ExpectSyn('match catalog.lend', 'match', 'sigilConditional')
  call s:ExpectSyn('let total: Float', '//~', 'sigilLineComment')
  call s:ExpectSyn('fn genre_counts', 'List', 'sigilBuiltinType')
  call s:ExpectSyn('Some(k) => k', 'Some', 'sigilType')

  " every literal form of the language (LANGUAGE.md section 2)
  let l:snippet = [
        \ '/// Doc comment for ANSWER.',
        \ '/* a block comment',
        \ '   let inside = 1 */',
        \ 'pub const ANSWER: Int = 42',
        \ 'const MASK: Int = 0xFF_ff',
        \ 'const BIG: Int = 1_000_000',
        \ 'const PI: Float = 3.14_15 + 1e9 + 2.5e-3',
        \ 'const S: String = "a\tb\\c\"d\u{1F600}e // no comment"',
        \ 'const BAD: String = "bad \q escape"',
        \ 'const WRONG: Int = 1__0 + 0X1',
        \ 'const B: Bool = true && !false',
        \ 'pub extern fn print(s: String) -> Unit',
        \ 'pub struct Point[T] { x: T }',
        \ 'fn f(x: Int) -> Int { if x >= 0 { return x % 2 } else { return 0 } }',
        \ 'const U: String = "unterminated',
        \ 'const AFTER: Int = 7',
        \ ]
  let l:file = tempname() . '.sg'
  call writefile(l:snippet, l:file)
  execute 'edit ' . fnameescape(l:file)
  call s:Check("snippet: filetype == 'sigil'", &filetype ==# 'sigil', &filetype)
  call s:ExpectSyn('/// Doc', 'Doc', 'sigilDocComment')
  call s:ExpectSyn('/* a block', 'block', 'sigilBlockComment')
  call s:ExpectSyn('let inside', 'let', 'sigilBlockComment')
  call s:ExpectSyn('pub const ANSWER', 'pub', 'sigilStorageClass')
  call s:ExpectSyn('0xFF_ff', '0xFF_ff', 'sigilNumber')
  call s:ExpectSyn('0xFF_ff', 'ff', 'sigilNumber')
  call s:ExpectSyn('1_000_000', '000', 'sigilNumber')
  call s:ExpectSyn('3.14_15', '3.14_15', 'sigilFloat')
  call s:ExpectSyn('3.14_15', '15', 'sigilFloat')
  call s:ExpectSyn('3.14_15', '1e9', 'sigilFloat')
  call s:ExpectSyn('3.14_15', '2.5e-3', 'sigilFloat')
  call s:ExpectSyn('3.14_15', '-3', 'sigilFloat')
  call s:ExpectSyn('const S:', '"a', 'sigilString')
  call s:ExpectSyn('const S:', '\t', 'sigilEscape')
  call s:ExpectSyn('const S:', '\\', 'sigilEscape')
  call s:ExpectSyn('const S:', '\"', 'sigilEscape')
  call s:ExpectSyn('const S:', '\u{1F600}', 'sigilEscape')
  call s:ExpectSyn('const S:', '// no', 'sigilString')
  call s:ExpectSyn('const BAD', '\q', 'sigilEscapeError')
  call s:ExpectSyn('const WRONG', '1__0', 'sigilNumberError')
  call s:ExpectSyn('const WRONG', '0X1', 'sigilNumberError')
  call s:ExpectSyn('const B:', 'true', 'sigilBoolean')
  call s:ExpectSyn('const B:', 'false', 'sigilBoolean')
  call s:ExpectSyn('const B:', 'Bool', 'sigilBuiltinType')
  call s:ExpectSyn('pub extern fn', 'extern', 'sigilStorageClass')
  call s:ExpectSyn('pub extern fn', 'print', 'sigilFuncName')
  call s:ExpectSyn('pub extern fn', 'Unit', 'sigilBuiltinType')
  call s:ExpectSyn('pub extern fn', '->', 'sigilArrow')
  call s:ExpectSyn('pub struct', 'struct', 'sigilStructure')
  call s:ExpectSyn('pub struct', 'Point', 'sigilTypeName')
  call s:ExpectSyn('fn f(x', 'if', 'sigilConditional')
  call s:ExpectSyn('fn f(x', 'return', 'sigilStatement')
  call s:ExpectSyn('fn f(x', '>=', 'sigilOperator')
  call s:ExpectSyn('"unterminated', 'unterminated', 'sigilString')
  call s:ExpectSyn('const AFTER', 'const', 'sigilKeyword')
  call s:ExpectSyn('const AFTER', '7', 'sigilNumber')
  call delete(l:file)

  " no Error highlighting anywhere in examples/ and std/
  let l:files = glob(s:ws . '/**/*.sg', 0, 1) + glob($SIGIL_STD . '/*.sg', 0, 1)
  call s:Check('found .sg files to scan', len(l:files) >= 6, string(len(l:files)))
  let l:bad = []
  for l:f in l:files
    execute 'edit ' . fnameescape(l:f)
    let l:bad += s:ErrorsInBuffer()
  endfor
  call s:Check('no Error highlighting in examples/ and std/', empty(l:bad), join(l:bad, ', '))

  " other files are not sigil
  execute 'edit ' . fnameescape(tempname() . '.txt')
  call s:Check('*.txt is not sigil', &filetype !=# 'sigil', &filetype)
endfunction

try
  call s:Main()
  call s:Check('no Vim error', 1)
catch
  call s:Check('no Vim error', 0, v:exception . ' at ' . v:throwpoint)
endtry
qall!
