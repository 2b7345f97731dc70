" Sigil source files: *.sg
autocmd BufNewFile,BufRead *.sg set filetype=sigil
