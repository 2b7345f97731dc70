" Vim syntax file
" Language:    Sigil (*.sg)
" Description: keywords, types, literals and comments of Sigil 0.1
"              (see LANGUAGE.md, section 2). Works in Vim 8+ and Neovim 0.7+.
" The same file is shipped as editors/vim/syntax/sigil.vim and
" editors/nvim/syntax/sigil.vim; keep the two identical.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match

" Operators first: comments (defined later) win where both start at `/`.
syn match   sigilOperator      "[-+*/%=<>!]\|&&\|||"
syn match   sigilArrow         "->\|=>"
syn match   sigilDelimiter     "[,;:.]"

" Capitalized identifiers: structs, enums, constructors, type parameters.
syn match   sigilType          "\<[A-Z][A-Za-z0-9_]*\>"
" A call: a lower-case name directly followed by `(`.
syn match   sigilFuncCall      "\<[a-z_][A-Za-z0-9_]*\ze\s*("

" Keywords (a keyword wins over a match starting at the same place).
syn keyword sigilConditional   if else match
syn keyword sigilRepeat        for in while
syn keyword sigilStatement     return break continue
syn keyword sigilInclude       import as
syn keyword sigilStorageClass  pub extern mut
syn keyword sigilStructure     struct enum type nextgroup=sigilTypeName skipwhite
syn keyword sigilKeyword       let const
syn keyword sigilFn            fn nextgroup=sigilFuncName skipwhite
syn keyword sigilBoolean       true false
syn keyword sigilBuiltinType   Int Float Bool String Unit List
syn match   sigilFuncName      "\h\w*" contained
syn match   sigilTypeName      "\h\w*" contained

" Numbers. Of several matches starting at one place the last defined wins:
" malformed < decimal < hex < float.
syn match   sigilNumberError   "\<\d\w*"
syn match   sigilNumber        "\<\d\%(_\=\d\)*\>"
syn match   sigilNumber        "\<0x\x\%(_\=\x\)*\>"
syn match   sigilFloat         "\<\d\%(_\=\d\)*\%(\.\d\%(_\=\d\)*\%([eE][+-]\=\d\+\)\=\|[eE][+-]\=\d\+\)\>"

" Strings: one line; an unterminated string ends at the end of its line.
syn region  sigilString        start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ oneline contains=sigilEscapeError,sigilEscape,@Spell
syn match   sigilEscapeError   "\\." contained
syn match   sigilEscapeError   "\\u{[^}"]*}\=" contained
syn match   sigilEscape        "\\\%([ntr\\"0]\|u{\x\{1,6}}\)" contained

" Comments: `//` line, `///` doc (attached to the next item), `/* */` (not nested).
syn keyword sigilTodo          TODO FIXME XXX NOTE contained
syn match   sigilLineComment   "//.*$" contains=sigilTodo,@Spell
syn match   sigilDocComment    "///.*$" contains=sigilTodo,@Spell
syn region  sigilBlockComment  start="/\*" end="\*/" contains=sigilTodo,@Spell

syn sync ccomment sigilBlockComment minlines=50

hi def link sigilOperator      Operator
hi def link sigilArrow         Operator
hi def link sigilDelimiter     Delimiter
hi def link sigilType          Type
hi def link sigilTypeName      Type
hi def link sigilBuiltinType   Type
hi def link sigilFuncCall      Function
hi def link sigilFuncName      Function
hi def link sigilConditional   Conditional
hi def link sigilRepeat        Repeat
hi def link sigilStatement     Statement
hi def link sigilInclude       Include
hi def link sigilStorageClass  StorageClass
hi def link sigilStructure     Structure
hi def link sigilKeyword       Keyword
hi def link sigilFn            Keyword
hi def link sigilBoolean       Boolean
hi def link sigilNumber        Number
hi def link sigilFloat         Float
hi def link sigilNumberError   Error
hi def link sigilString        String
hi def link sigilEscape        SpecialChar
hi def link sigilEscapeError   Error
hi def link sigilTodo          Todo
hi def link sigilLineComment   Comment
hi def link sigilDocComment    SpecialComment
hi def link sigilBlockComment  Comment

let b:current_syntax = 'sigil'

let &cpo = s:cpo_save
unlet s:cpo_save
