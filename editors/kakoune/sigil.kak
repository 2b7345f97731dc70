# Sigil (*.sg) for Kakoune: filetype detection, highlighting, comments.
# Copy or link this file into ~/.config/kak/autoload/ (keep a link to the
# system autoload directory there too), or `source` it from your kakrc.

# Detection
hook global BufCreate .*[.]sg %{
    set-option buffer filetype sigil
}

# Initialization
# (%<...> quoting: the bodies hold unbalanced braces in regexes)
hook global WinSetOption filetype=sigil %<
    require-module sigil
    set-option window static_words %opt{sigil_static_words}
    set-option buffer comment_line '//'
    set-option buffer comment_block_begin '/*'
    set-option buffer comment_block_end '*/'
    set-option buffer indentwidth 4
    hook window InsertChar \n -group sigil-indent sigil-indent-on-new-line
    hook window InsertChar [}\])] -group sigil-indent sigil-indent-on-closing
    hook -once -always window WinSetOption filetype=.* %{ remove-hooks window sigil-.+ }
>

hook -group sigil-highlight global WinSetOption filetype=sigil %{
    add-highlighter window/sigil ref sigil
    hook -once -always window WinSetOption filetype=.* %{ remove-highlighter window/sigil }
}

provide-module sigil %§

# Highlighters: strings (one line each), `///` doc comments, `//` and `/* */`
# comments, then code. In a group, later highlighters paint over earlier ones.
add-highlighter shared/sigil regions
add-highlighter shared/sigil/code default-region group
add-highlighter shared/sigil/string region '"' (?<!\\)(\\\\)*"|$ group
add-highlighter shared/sigil/doc_comment region '///' $ fill documentation
add-highlighter shared/sigil/line_comment region //(?!/) $ fill comment
add-highlighter shared/sigil/block_comment region /\* \*/ fill comment

add-highlighter shared/sigil/string/ fill string
add-highlighter shared/sigil/string/ regex \\(?:[ntr\\"0]|u\{[0-9A-Fa-f]{1,6}\}) 0:meta

add-highlighter shared/sigil/code/ regex [-+*/%=<>!&|]+ 0:operator
add-highlighter shared/sigil/code/ regex \b[A-Z]\w*\b 0:type
add-highlighter shared/sigil/code/ regex \b(Int|Float|Bool|String|Unit|List)\b 0:type
add-highlighter shared/sigil/code/ regex \b([a-z_]\w*)\s*(?=\() 1:function
add-highlighter shared/sigil/code/ regex \b(import|as|pub|fn|struct|enum|type|const|extern|let|mut|if|else|match|for|in|while|return|break|continue)\b 0:keyword
add-highlighter shared/sigil/code/ regex \b(true|false)\b 0:value
add-highlighter shared/sigil/code/ regex \bfn\s+(\w+) 1:function
add-highlighter shared/sigil/code/ regex \b\d\w*(?:\.\d\w*)? 0:Error
add-highlighter shared/sigil/code/ regex \b(?:0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d+)?)\b 0:value

declare-option -hidden str-list sigil_static_words import as pub fn struct enum type const extern let mut if else match for in while return break continue true false Int Float Bool String Unit List

# Indentation: keep the previous line's, one more after an unclosed { [ (,
# one less on a line that starts with a closing bracket.
define-command -hidden sigil-indent-on-new-line %<
    evaluate-commands -draft -itersel %<
        # copy the previous line's indentation
        try %< execute-keys -draft <semicolon> K <a-&> >
        # remove trailing white space on the previous line
        try %< execute-keys -draft k x s \h+$ <ret> d >
        # indent after an opening bracket at the end of the previous line
        try %< execute-keys -draft k x <a-k> [{\[(]\h*$ <ret> j <a-gt> >
    >
>

define-command -hidden sigil-indent-on-closing %<
    evaluate-commands -draft -itersel %<
        # a closing bracket alone on its line: align it with the line of its opening bracket
        try %< execute-keys -draft <a-h> <a-k> ^\h*[}\])]$ <ret> h m <a-S> 1<a-&> >
    >
>

§
