" ALE linter for Sigil: the language server `sigil --lsp` (diagnostics,
" hover, go to definition, completion through ALE's LSP client).
"
"   let g:ale_sigil_executable = '/path/to/sigil'   " default: sigil from PATH
"
" The workspace root is the nearest directory holding sigil.json (module
" names are paths relative to it), else the nearest .git's directory, else
" the file's directory.
call ale#Set('sigil_executable', 'sigil')

function! ale_linters#sigil#sigil#GetProjectRoot(buffer) abort
    let l:file = ale#path#FindNearestFile(a:buffer, 'sigil.json')
    if !empty(l:file)
        return fnamemodify(l:file, ':h')
    endif
    let l:git = ale#path#FindNearestDirectory(a:buffer, '.git')
    if !empty(l:git)
        return fnamemodify(l:git, ':h:h')
    endif
    return expand('#' . a:buffer . ':p:h')
endfunction

call ale#linter#Define('sigil', {
\   'name': 'sigil',
\   'lsp': 'stdio',
\   'executable': {buffer -> ale#Var(buffer, 'sigil_executable')},
\   'command': '%e --lsp',
\   'project_root': function('ale_linters#sigil#sigil#GetProjectRoot'),
\   'initialization_options': {'diagnosticMode': 'push'},
\})
