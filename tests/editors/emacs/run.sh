#!/usr/bin/env bash
# Emacs batch test of editors/emacs/sigil-mode.el: byte-compiles cleanly, *.sg
# opens in sigil-mode, font-lock faces, comments and indentation, and (when
# eglot is installed) the eglot registration and a real session with
# `sigil --lsp` on a scratch copy of examples/.
#
#   tests/editors/emacs/run.sh         (SIGIL=path/to/sigil; KEEP=1 keeps the temp dir)
#
# Needs Emacs (Debian: apt-get install emacs-nox; eglot: elpa-eglot on Debian 12,
# built in from Emacs 29). Last line: "N passed, N failed[, N skipped]".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../../.." && pwd -P)
SIGIL=${SIGIL:-$ROOT/build/sigil}
case $SIGIL in /*) ;; *) SIGIL=$PWD/$SIGIL ;; esac
EMACS=${EMACS:-emacs}

fail_early() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v "$EMACS" >/dev/null 2>&1 || fail_early "'$EMACS' not found (Debian/Ubuntu: apt-get install emacs-nox)"
[ -x "$SIGIL" ] || fail_early "sigil binary not found: $SIGIL (run make, or set SIGIL=)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sigil-editors-emacs.XXXXXX") || fail_early "mktemp failed"
TMP=$(cd "$TMP" && pwd -P)
# examples/ (which has its own sigil.json) inside a directory with .git/, as
# in this repository: the root must be examples/, not the VCS root
WS=$TMP/repo/examples
OUT=$TMP/results.txt
mkdir -p "$TMP/repo/.git" && cp -R "$ROOT/examples" "$WS" || fail_early "cannot copy examples/"
rm -rf "$WS/.sigil-cache"
unset SIGIL_CACHE_DIR
: >"$OUT"
echo "emacs: $("$EMACS" --version | head -n1)"

# -q and HOME=$TMP: no init file; the site startup files still run, so Debian's
# elpa-* packages (elpa-eglot) are on the load-path
HOME=$TMP SIGIL_MODE_EL="$ROOT/editors/emacs/sigil-mode.el" SIGIL_WORKSPACE="$WS" SIGIL_BIN="$SIGIL" SIGIL_OUT="$OUT" \
    timeout -k 5 90 "$EMACS" --batch -q -l "$HERE/test.el" </dev/null >"$TMP/emacs.out" 2>&1
RC=$?
[ "$RC" -eq 0 ] || echo "FAIL emacs exit status $RC$([ $RC = 124 ] && echo ' (timeout)')" >>"$OUT"
grep -q '^ok   no Emacs error' "$OUT" || echo "FAIL emacs did not finish test.el" >>"$OUT"

cat "$OUT"
PASSED=$(grep -c '^ok ' "$OUT")
FAILED=$(grep -c '^FAIL' "$OUT")
SKIPPED=$(grep -c '^skip ' "$OUT")
if [ "$FAILED" -ne 0 ]; then echo "--- emacs output"; tail -n 30 "$TMP/emacs.out"; fi
if [ "$FAILED" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$TMP"; else echo "temp dir kept: $TMP"; fi
if [ "$SKIPPED" -gt 0 ]; then echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"; else echo "$PASSED passed, $FAILED failed"; fi
[ "$FAILED" -eq 0 ]
