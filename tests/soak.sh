#!/usr/bin/env bash
# make soak: the long runs that do not fit in make test (minutes each):
# the differential tests, the fuzzers, the server's soak test. Not in CI.
# Each entry is one command; any failure fails the whole soak.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export SIGIL="$PWD/$BUILD/sigil"
status=0
run() {
    echo "== soak: $*"
    if ! "$@"; then echo "== soak FAILED: $*"; status=1; fi
}
# per-name dependencies, exactly: 40 sessions of 150 random edits on 14 modules
run python3 tests/cache/per_name.py --sigil "$SIGIL" --seed 7 --sessions 40 --steps 150 --modules 14
# the language server under 10,000 edits (also a make test suite, shorter there)
run env SOAK_EDITS=10000 node tests/lsp/soak/soak.mjs
# each fuzz target for 10 minutes, from seeds of hostile shapes (issue 10);
# make fuzz-smoke runs them for seconds. Inputs up to 64 KiB for the checker,
# so deep nesting, long alias chains and thousands of match arms fit.
run make -s BUILD="$BUILD" fuzz
run env BUILD="$BUILD" tests/fuzz/run.sh check 600 65536
run env BUILD="$BUILD" tests/fuzz/run.sh lsp 600 65536
run env BUILD="$BUILD" tests/fuzz/run.sh cache 600 16384
run env BUILD="$BUILD" tests/fuzz/run.sh glob 600 4096
# the differential tests (tests/diff): a new seed each time unless DIFF_SEED is set
seed=${DIFF_SEED:-$(( $(date +%s) % 1000000 ))}
echo "== soak: differential tests with seed $seed (DIFF_SEED=$seed to replay)"
run node tests/diff/cli.mjs --sigil "$SIGIL" --seed "$seed" --steps "${DIFF_CLI_STEPS:-3000}"
run node tests/diff/lsp.mjs --sigil "$SIGIL" --seed "$seed" --steps "${DIFF_LSP_STEPS:-400}"
exit $status
