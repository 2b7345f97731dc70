#!/usr/bin/env bash
# run.sh - one fuzz target for a while, from a fresh seed corpus:
#
#   tests/fuzz/run.sh TARGET SECONDS [MAX_LEN]     (TARGET: check, cache, lsp, glob)
#
# The seeds (tests/fuzz/seeds.py) hold the shapes that broke sigil before:
# deep nesting of every construct, alias chains, huge matches, long lines.
# The stack is limited to 2 MiB (sigil's deepest recursion needs under 1 MiB
# under ASan), so a recursion that is not bounded fails with a small input;
# the memory of one run to 1 GiB. Used by make fuzz-smoke (seconds) and
# tests/soak.sh (10 minutes each). Any crash, leak, timeout or sanitizer
# report fails; the corpus and any crash input stay in $BUILD/fuzz-TARGET-*.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
target=$1 seconds=$2 max_len=${3:-8192}
corpus=$BUILD/fuzz-$target-corpus
rm -rf "$corpus" && mkdir -p "$corpus" "$BUILD/fuzz-$target-artifacts"
python3 tests/fuzz/seeds.py --target "$target" --out "$corpus" --max-len "$max_len" --sigil "$BUILD/sigil"
dict=tests/fuzz/sigil.dict
case $target in cache) dict=tests/fuzz/cache.dict ;; lsp) dict=tests/fuzz/lsp.dict ;; glob) dict=tests/fuzz/glob.dict ;; esac
ulimit -s 2048
SIGIL_STD=$PWD/std exec "$BUILD/fuzz-$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
  -rss_limit_mb=1024 -dict="$dict" -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-$target-artifacts/" "$corpus"
