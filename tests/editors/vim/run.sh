#!/usr/bin/env bash
# Vim test of editors/vim: ftdetect, ftplugin and syntax under `vim -Nu NONE -es`.
#
#   tests/editors/vim/run.sh           KEEP=1 keeps the temp dir
#
# Needs Vim (Debian: apt-get install vim, or vim-nox). Last line: "N passed, N failed".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../../.." && pwd -P)
VIM=${VIM_BIN:-vim}

fail_early() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v "$VIM" >/dev/null 2>&1 || fail_early "'$VIM' not found (Debian/Ubuntu: apt-get install vim)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sigil-editors-vim.XXXXXX") || fail_early "mktemp failed"
WS=$TMP/workspace
OUT=$TMP/results.txt
cp -R "$ROOT/examples" "$WS" || fail_early "cannot copy examples/"
: >"$OUT"
echo "vim: $("$VIM" --version | head -n1)"

HOME=$TMP SIGIL_EDITOR_DIR="$ROOT/editors/vim" SIGIL_WORKSPACE="$WS" SIGIL_STD="$ROOT/std" SIGIL_OUT="$OUT" \
    timeout -k 5 60 "$VIM" -Nu NONE -i NONE -n -es -S "$HERE/test.vim" </dev/null >"$TMP/vim.out" 2>&1
RC=$?
[ "$RC" -eq 0 ] || echo "FAIL vim exit status $RC$([ $RC = 124 ] && echo ' (timeout)')" >>"$OUT"
grep -q '^ok   no Vim error' "$OUT" || echo "FAIL vim did not finish test.vim" >>"$OUT"

# ALE (Debian: vim-ale) with editors/vim/ale_linters: the root marker and a
# real session, on examples/ inside a directory with .git/ (as in this
# repository: examples/ has its own sigil.json)
ALE_DIR=${ALE_DIR:-/usr/share/vim-ale}
SIGIL=${SIGIL:-$ROOT/build/sigil}
case $SIGIL in /*) ;; *) SIGIL=$PWD/$SIGIL ;; esac
if [ ! -f "$ALE_DIR/plugin/ale.vim" ]; then
    echo "FAIL ALE not found in $ALE_DIR (Debian: apt-get install vim-ale; make test installs it)" >>"$OUT"
else
    mkdir -p "$TMP/repo/.git" && cp -R "$ROOT/examples" "$TMP/repo/examples" && rm -rf "$TMP/repo/examples/.sigil-cache"
    HOME=$TMP SIGIL_EDITOR_DIR="$ROOT/editors/vim" SIGIL_BIN="$SIGIL" SIGIL_ALE_DIR="$ALE_DIR" \
        SIGIL_REPO="$TMP/repo" SIGIL_OUT="$OUT" \
        timeout -k 5 60 "$VIM" -Nu NONE -i NONE -n -es -S "$HERE/ale.vim" </dev/null >"$TMP/vim-ale.out" 2>&1
    RC=$?
    [ "$RC" -eq 0 ] || echo "FAIL vim (ALE) exit status $RC$([ $RC = 124 ] && echo ' (timeout)')" >>"$OUT"
    grep -q '^ok   no Vim error in ale.vim' "$OUT" || echo "FAIL vim did not finish ale.vim" >>"$OUT"
fi

# The same syntax and filetype files are shipped for Vim and Neovim.
for f in syntax/sigil.vim ftdetect/sigil.vim ftplugin/sigil.vim; do
    if cmp -s "$ROOT/editors/vim/$f" "$ROOT/editors/nvim/$f"; then
        echo "ok   editors/vim/$f == editors/nvim/$f" >>"$OUT"
    else
        echo "FAIL editors/vim/$f differs from editors/nvim/$f" >>"$OUT"
    fi
done

cat "$OUT"
PASSED=$(grep -c '^ok ' "$OUT")
FAILED=$(grep -c '^FAIL' "$OUT")
if [ "$FAILED" -ne 0 ]; then echo "--- vim output"; tail -n 20 "$TMP/vim.out"; fi
if [ "$FAILED" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$TMP"; else echo "temp dir kept: $TMP"; fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
