#!/usr/bin/env bash
# Tests of the VS Code extension (editors/vscode) with node's test runner:
#   grammar.test.js    the TextMate grammar through vscode-textmate + vscode-oniguruma
#   extension.test.js  extension.js (stubbed `vscode`) and the manifest files
#   package.test.js    `npm ci` + `npx @vscode/vsce package` in a scratch copy -> .vsix
# Runs `npm ci` in editors/vscode first when its node_modules is missing.
# Last line: "N passed, N failed".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../../.." && pwd -P)
EXT=$ROOT/editors/vscode
SIGIL=${SIGIL:-$ROOT/build/sigil}
case $SIGIL in /*) ;; *) SIGIL=$PWD/$SIGIL ;; esac
export SIGIL

fail_early() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v node >/dev/null 2>&1 || fail_early "node not found (Debian/Ubuntu: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || fail_early "npm not found (Debian/Ubuntu: apt-get install npm)"
echo "node: $(node --version), npm: $(npm --version 2>/dev/null)"

if [ ! -d "$EXT/node_modules/vscode-textmate" ] || [ ! -d "$EXT/node_modules/vscode-oniguruma" ] \
   || [ ! -d "$EXT/node_modules/vscode-languageclient" ] || [ ! -d "$EXT/node_modules/@vscode/vsce" ]; then
    echo "npm ci in editors/vscode"
    (cd "$EXT" && npm ci --no-audit --no-fund --loglevel=error) >&2 || fail_early "npm ci in editors/vscode failed"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cd "$HERE" || exit 2
node --test --test-reporter=tap grammar.test.js extension.test.js package.test.js 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$log" | tail -n 1; }
pass=$(count pass); fail=$(count fail); cancelled=$(count cancelled); skipped=$(count skipped)
if [ -z "$pass" ] || [ -z "$fail" ]; then
    echo "run.sh: no summary from node --test (exit status $status)"
    echo "${pass:-0} passed, $(( ${fail:-0} + 1 )) failed"
    exit 1
fi
failed=$(( fail + ${cancelled:-0} ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ -n "$skipped" ] && [ "$skipped" -gt 0 ]; then
    echo "$pass passed, $failed failed, $skipped skipped"
else
    echo "$pass passed, $failed failed"
fi
[ "$failed" -eq 0 ]
