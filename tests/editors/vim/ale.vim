" Vim + ALE (Debian: vim-ale) test of editors/vim/ale_linters/sigil/sigil.vim,
" driven by run.sh under `vim -Nu NONE -es`. Environment: SIGIL_EDITOR_DIR,
" SIGIL_BIN, SIGIL_ALE_DIR (ALE's runtime directory), SIGIL_REPO (a directory
" with .git/ holding examples/, which has its own sigil.json), SIGIL_OUT.
let s:out = $SIGIL_OUT

function! s:Check(name, ok, ...) abort
  let l:line = a:ok ? 'ok   ' . a:name : 'FAIL ' . a:name . (a:0 ? ': ' . a:1 : '')
  call writefile([l:line], s:out, 'a')
  return a:ok
endfunction

function! s:Main() abort
  execute 'set runtimepath^=' . fnameescape($SIGIL_EDITOR_DIR)
  execute 'set runtimepath+=' . fnameescape($SIGIL_ALE_DIR)
  let g:ale_sigil_executable = $SIGIL_BIN
  filetype plugin on
  syntax on
  runtime plugin/ale.vim
  call s:Check('ALE is loaded', exists('g:loaded_ale'))

  " the root: sigil.json (examples/) before .git (the repository)
  execute 'edit ' . fnameescape($SIGIL_REPO . '/examples/main.sg')
  let l:linters = map(copy(ale#linter#Get('sigil')), 'v:val.name')
  call s:Check('ALE has the sigil linter for sigil files', l:linters ==# ['sigil'], string(l:linters))
  let l:root = ale_linters#sigil#sigil#GetProjectRoot(bufnr('%'))
  call s:Check('ALE root: the nearest sigil.json, not .git', l:root ==# $SIGIL_REPO . '/examples', l:root)
  ALELint
  let l:n = 0
  while empty(ale#engine#GetLoclist(bufnr('%'))) && l:n < 150
    sleep 100m
    let l:n += 1
  endwhile
  sleep 500m
  let l:diags = ale#engine#GetLoclist(bufnr('%'))
  if s:Check('ALE: diagnostics arrive from sigil --lsp', !empty(l:diags), 'none within 15 s')
    call s:Check('ALE: exactly one diagnostic (no false E101)', len(l:diags) == 1, string(l:diags))
    call s:Check('ALE: it is the E201 on line 65', get(l:diags[0], 'code', '') ==# 'E201'
          \ && l:diags[0].lnum == 65 && l:diags[0].type ==# 'E', string(l:diags[0]))
  endif

  " no sigil.json: the .git directory's root
  let l:tmp = tempname()
  call mkdir(l:tmp . '/proj/.git', 'p')
  call mkdir(l:tmp . '/proj/src', 'p')
  call writefile(['fn main() {}'], l:tmp . '/proj/src/x.sg')
  execute 'edit ' . fnameescape(l:tmp . '/proj/src/x.sg')
  let l:root = ale_linters#sigil#sigil#GetProjectRoot(bufnr('%'))
  call s:Check('ALE root without sigil.json: the .git directory', l:root ==# l:tmp . '/proj', l:root)
  call delete(l:tmp, 'rf')
endfunction

try
  call s:Main()
  call s:Check('no Vim error in ale.vim', 1)
catch
  call s:Check('no Vim error in ale.vim', 0, v:exception . ' at ' . v:throwpoint)
endtry
qa!
