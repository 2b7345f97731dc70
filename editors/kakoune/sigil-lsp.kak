# The sigil language server for kakoune-lsp (version 17 and later, which
# configures servers with the `lsp_servers` option). Source this after
# kakoune-lsp is loaded, e.g. in your kakrc:
#
#   eval %sh{kak-lsp}
#   source /path/to/sigil/editors/kakoune/sigil-lsp.kak
#   hook global WinSetOption filetype=sigil %{ lsp-enable-window }
#
# kakoune-lsp sends the `settings` table (settings_section "_": the table
# itself) as the server's initializationOptions.
hook -group lsp-filetype-sigil global BufSetOption filetype=sigil %{
    set-option buffer lsp_servers %{
        [sigil]
        root_globs = ["sigil.json", ".git"]
        command = "sigil"
        args = ["--lsp"]
        settings_section = "_"
        [sigil.settings._]
        diagnosticMode = "push"
    }
}
