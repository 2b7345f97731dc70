#!/usr/bin/env bash
# All editor-integration tests, one after the other:
#   vscode   (node; runs `npm ci` in editors/vscode when node_modules is missing)
#   nvim     (Debian: neovim)      vim      (vim or vim-nox)
#   emacs    (emacs-nox; elpa-eglot for the eglot session)
#   kakoune  (kakoune; skipped without it)   helix (static check of languages.toml)
#
#   tests/editors/run.sh [SUITE...]      SIGIL=path/to/sigil (default build/sigil)
#
# The last line is the sum: "N passed, N failed[, N skipped]"; a suite that
# ends without such a line counts as one failure.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
SIGIL=${SIGIL:-$ROOT/build/sigil}
case $SIGIL in /*) ;; *) SIGIL=$PWD/$SIGIL ;; esac
export SIGIL

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(vscode nvim vim emacs kakoune helix)

P=0; F=0; S=0
for s in "${suites[@]}"; do
    script=$HERE/$s/run.sh
    echo "== $s"
    if [ ! -f "$script" ]; then
        echo "   no such suite: $script"; F=$((F + 1)); continue
    fi
    start=$(date +%s)
    out=$(bash "$script" 2>&1); rc=$?
    printf '%s\n' "$out" | sed '$d' | sed 's/^/   /'
    last=$(printf '%s\n' "$out" | tail -n 1)
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
        p=${BASH_REMATCH[1]}; f=${BASH_REMATCH[2]}; sk=${BASH_REMATCH[4]:-0}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
        echo "   $last ($(( $(date +%s) - start )) s)"
    else
        echo "   $s: no summary line (exit status $rc)"
        p=0; f=1; sk=0
    fi
    P=$((P + p)); F=$((F + f)); S=$((S + sk))
done
if [ "$S" -gt 0 ]; then echo "$P passed, $F failed, $S skipped"; else echo "$P passed, $F failed"; fi
[ "$F" -eq 0 ]
