" Sigil filetype settings: comments, indentation.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,:///,://
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=4 softtabstop=4
setlocal suffixesadd=.sg
" Indent after an unclosed { [ (, outdent a line starting with } ] ).
setlocal cindent cinoptions=L0,(s,Ws,m1,J1,j1 cinkeys-=0# cinkeys+=0],0)

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< suffixesadd< cindent< cinoptions< cinkeys<'
