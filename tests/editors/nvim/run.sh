#!/usr/bin/env bash
# Headless Neovim test of the editors/nvim plugin: ftdetect, syntax, and
# require('sigil').setup{} starting `sigil --lsp` on a scratch copy of examples/.
#
#   tests/editors/nvim/run.sh          (SIGIL=path/to/sigil to test another binary)
#   KEEP=1 tests/editors/nvim/run.sh   keep the temp dir (always kept on failure)
#
# Needs the Debian package `neovim` (0.7.2 on Debian 12). Last line: "N passed, N failed".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../../.." && pwd -P)
SIGIL=${SIGIL:-$ROOT/build/sigil}
case $SIGIL in /*) ;; *) SIGIL=$PWD/$SIGIL ;; esac
NVIM=${NVIM:-nvim}

fail_early() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v "$NVIM" >/dev/null 2>&1 || fail_early "'$NVIM' not found (Debian/Ubuntu: apt-get install neovim)"
[ -x "$SIGIL" ] || fail_early "sigil binary not found: $SIGIL (run make, or set SIGIL=)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sigil-editors-nvim.XXXXXX") || fail_early "mktemp failed"
TMP=$(cd "$TMP" && pwd -P)
# examples/ (which has its own sigil.json) inside a directory with .git/, as
# in this repository: the root must be examples/, not the .git root
WS=$TMP/repo/examples
OUT=$TMP/results.txt
mkdir -p "$TMP/repo/.git" && cp -R "$ROOT/examples" "$WS" || fail_early "cannot copy examples/"
rm -rf "$WS/.sigil-cache"
mkdir -p "$TMP/xdg/config" "$TMP/xdg/data" "$TMP/xdg/state" "$TMP/xdg/cache"
export XDG_CONFIG_HOME="$TMP/xdg/config" XDG_DATA_HOME="$TMP/xdg/data" \
       XDG_STATE_HOME="$TMP/xdg/state" XDG_CACHE_HOME="$TMP/xdg/cache" NVIM_LOG_FILE="$TMP/xdg/nvim.log"
unset SIGIL_CACHE_DIR
: >"$OUT"

echo "nvim: $("$NVIM" --version | head -n1)"
run_nvim() {  # MODE BIN
    SIGIL_MODE=$1 SIGIL_BIN=$2 SIGIL_WORKSPACE="$WS" SIGIL_OUT="$OUT" SIGIL_LOG="$TMP/server.log" \
    SIGIL_TEST_LUA="$HERE/test.lua" \
        timeout -k 5 60 "$NVIM" --headless --clean -n \
            --cmd "set runtimepath^=$ROOT/editors/nvim" \
            -c "lua dofile(os.getenv('SIGIL_TEST_LUA'))" </dev/null >"$TMP/nvim-$1.out" 2>&1
    local rc=$?
    if [ "$rc" -ne 0 ]; then echo "FAIL nvim ($1) exit status $rc$([ $rc = 124 ] && echo ' (timeout)')" >>"$OUT"; fi
    grep -q "no Lua error ($1)" "$OUT" || echo "FAIL nvim ($1) did not finish the test script" >>"$OUT"
}
run_nvim lsp "$SIGIL"
run_nvim missing "$TMP/no-such-dir/sigil"

cat "$OUT"
PASSED=$(grep -c '^ok ' "$OUT")
FAILED=$(grep -c '^FAIL' "$OUT")
if [ "$FAILED" -ne 0 ]; then
    for f in "$TMP"/nvim-*.out; do echo "--- $f"; tail -n 20 "$f"; done
    echo "--- server log"; tail -n 20 "$TMP/server.log" 2>/dev/null
fi
if [ "$FAILED" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$TMP"; else echo "temp dir kept: $TMP"; fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
