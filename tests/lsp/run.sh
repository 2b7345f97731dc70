#!/usr/bin/env bash
# run.sh - the language-server end-to-end tests (node's test runner, TAP
# output), ending with one line "N passed, N failed"; non-zero exit when
# anything failed.
#
#   SIGIL=path/to/sigil tests/lsp/run.sh     (default: ../../build/sigil from here)
#
# Tests of features that are not implemented yet are node:test "todo" tests:
# they run but count in neither number (node reports them as "# todo N").
set -u
here=$(cd "$(dirname "$0")" && pwd)
sigil=${SIGIL:-$here/../../build/sigil}
case $sigil in /*) ;; *) sigil=$PWD/$sigil ;; esac
export SIGIL=$sigil
if [ ! -x "$SIGIL" ]; then
    echo "run.sh: no sigil binary at $SIGIL (run make, or set SIGIL)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
cd "$here" || exit 2
if [ ! -d node_modules/vscode-jsonrpc ] || [ ! -d node_modules/vscode-languageserver-protocol ]; then
    npm ci --no-audit --no-fund >&2 || { echo "run.sh: npm ci failed" >&2; echo "0 passed, 1 failed"; exit 1; }
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node --test --test-reporter=tap 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# node's own top-level summary lines: "# pass N", "# fail N", "# cancelled N", "# todo N"
count() { sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$log" | tail -n 1; }
pass=$(count pass)
fail=$(count fail)
cancelled=$(count cancelled)
todo=$(count todo)
if [ -z "$pass" ] || [ -z "$fail" ]; then
    echo "run.sh: no summary from node --test (exit status $status)" >&2
    echo "${pass:-0} passed, $(( ${fail:-0} + 1 )) failed"
    exit 1
fi
failed=$(( fail + ${cancelled:-0} ))
if [ -n "$todo" ] && [ "$todo" -gt 0 ]; then
    todo_ok=$(grep -Ec '^ *ok [0-9]+ - .* # TODO' "$log")
    echo "($todo todo tests of features not implemented yet, $todo_ok of them already passing; counted in neither number)"
fi
echo "$pass passed, $failed failed"
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then exit 1; fi
exit 0
