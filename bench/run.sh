#!/usr/bin/env bash
# bench/run.sh: what `make bench` runs.
#
# For each workspace size N (default 1000 and 10000 modules) it generates a
# synthetic workspace with bench/gen.py (kept under build/bench/wsN and reused
# while gen.py, N and the seed are unchanged), checks that `sigil` reports no
# diagnostic at all on it, then times cold runs
#     build/sigil --check --no-cache -j J build/bench/wsN
# for J in 1 and 2, best wall time of 3 runs, with the peak RSS of that run,
# and prints a table.  Exits non-zero when the workspace is not clean or a run
# fails.  The cached workspaces are reused as they are: run bench/edit.py on
# a copy, not on build/bench/wsN itself.  Then bench/incremental.py times
# runs with the on-disk cache (cold, warm no-op, comment, body and signature
# edits) on a copy of the largest workspace, bench/remote.py the remote
# cache (a fresh clone warmed from Redis and from nginx WebDAV, a server
# down) and two cold checks started together, and bench/lsp/bench.mjs the
# language server (its index queries included).
#
# Environment (all optional):
#   SIGIL=path          checker binary (default build/sigil)
#   BENCH_SIZES="..."   workspace sizes (default "1000 10000")
#   BENCH_JOBS="..."    -j values (default "1 2")
#   BENCH_RUNS=n        runs per measurement, best wall time wins (default 3)
#   BENCH_SEED=n        generator seed (default 1)
#   BENCH_TIMER=python  force the python timer even when GNU time exists
#   BENCH_TSC=path      TypeScript 7's tsc: its language server on the same program
set -eu

cd "$(dirname "$0")/.."
SIGIL=${SIGIL:-build/sigil}
SIZES=${BENCH_SIZES:-"1000 10000"}
JOBS=${BENCH_JOBS:-"1 2"}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
OUT=build/bench

if [ ! -x "$SIGIL" ]; then
    echo "bench: $SIGIL not found or not executable (build it with make first)" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is required" >&2; exit 2; }
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sigil-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# --- timer ---------------------------------------------------------------
# GNU time gives the peak RSS (%M, KiB); the wall time comes from a
# nanosecond clock around it when `date +%N` works (GNU time's %e has only
# 10 ms resolution), else from %e.  Without GNU time, a small python wrapper
# uses os.wait4 (rusage of exactly that child) and perf_counter.
TIMER=python
if [ "${BENCH_TIMER:-}" != python ] && [ -x /usr/bin/time ] &&
    /usr/bin/time --version 2>&1 | grep -q GNU; then
    TIMER=gnu
fi
case $(date +%N 2>/dev/null) in
    ''|*[!0-9]*) NS_CLOCK=no ;;
    *) NS_CLOCK=yes ;;
esac

cat >"$TMP/timer.py" <<'EOF'
import os, subprocess, sys, time
err = open(sys.argv[1], "wb")
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
rc = os.waitstatus_to_exitcode(status)
p.returncode = rc
print("%.4f %d %d" % (wall, ru.ru_maxrss, rc))
EOF

# measure J WS -> prints "wall_seconds peak_rss_kib exit_code"
measure() {
    if [ "$TIMER" = gnu ]; then
        t0=0 t1=0 rc=0
        [ "$NS_CLOCK" = yes ] && t0=$(date +%s%N)
        /usr/bin/time -o "$TMP/time" -f '%e %M' \
            "$SIGIL" --check --no-cache -j "$1" "$2" >/dev/null 2>"$TMP/stderr" || rc=$?
        [ "$NS_CLOCK" = yes ] && t1=$(date +%s%N)
        # With a non-zero exit GNU time writes an extra line first.
        # shellcheck disable=SC2046 # word splitting wanted
        set -- $(tail -n 1 "$TMP/time")
        if [ "$NS_CLOCK" = yes ]; then
            echo "$(( (t1 - t0) / 1000000 ))" "$2" "$rc" |
                awk '{ printf "%.4f %d %d\n", $1 / 1000, $2, $3 }'
        else
            echo "$1 $2 $rc"
        fi
    else
        python3 "$TMP/timer.py" "$TMP/stderr" "$SIGIL" --check --no-cache -j "$1" "$2"
    fi
}

gen_hash() {
    python3 - "$1" "$2" <<'EOF'
import hashlib, sys
h = hashlib.sha256(open("bench/gen.py", "rb").read())
h.update(("|%s|%s" % (sys.argv[1], sys.argv[2])).encode())
print(h.hexdigest())
EOF
}

# count_lines WS -> "files lines"
count_lines() {
    python3 - "$1" <<'EOF'
import os, sys
files = lines = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if f.endswith(".sg"):
            files += 1
            with open(os.path.join(d, f), "rb") as fh:
                lines += fh.read().count(b"\n")
print(files, lines)
EOF
}

# check_clean WS: the workspace must produce no diagnostic at all.
check_clean() {
    rc=0
    "$SIGIL" --check --no-cache --format json "$1" >"$TMP/clean.json" 2>"$TMP/clean.err" || rc=$?
    python3 - "$TMP/clean.json" "$rc" "$1" <<'EOF' || { sed -n 1,20p "$TMP/clean.err" >&2; return 1; }
import json, sys
path, rc, ws = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    with open(path) as f:
        doc = json.load(f)
except Exception as e:
    print("bench: %s: sigil --format json output is not JSON (%s), exit code %d" % (ws, e, rc), file=sys.stderr)
    sys.exit(1)
diags = doc.get("diagnostics", [])
if diags or rc != 0:
    print("bench: %s is not clean: %d diagnostic(s), exit code %d; the first ones:" % (ws, len(diags), rc), file=sys.stderr)
    for d in diags[:10]:
        print("  %s:%s:%s: %s[%s]: %s" % (d.get("file"), d.get("line"), d.get("column"),
              d.get("severity"), d.get("code"), d.get("message")), file=sys.stderr)
    sys.exit(1)
EOF
}

VERSION=$("$SIGIL" --version 2>/dev/null | head -n 1 || true)
CPUS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
TIMER_DESC=$TIMER
[ "$TIMER" = gnu ] && TIMER_DESC="GNU time"

ROWS="$TMP/rows"
: >"$ROWS"
for n in $SIZES; do
    ws="$OUT/ws$n"
    stamp="$OUT/ws$n.stamp"
    want=$(gen_hash "$n" "$SEED")
    if [ -d "$ws" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        echo "bench: reusing $ws" >&2
    else
        rm -rf "$ws" "$stamp"
        python3 bench/gen.py --modules "$n" --out "$ws" --seed "$SEED"
        echo "$want" >"$stamp"
    fi
    # shellcheck disable=SC2046 # word splitting wanted
    set -- $(count_lines "$ws")
    files=$1 lines=$2

    echo "bench: checking that $ws is clean" >&2
    check_clean "$ws" || exit 1

    for j in $JOBS; do
        best=""
        best_rss=""
        i=0
        while [ "$i" -lt "$RUNS" ]; do
            # shellcheck disable=SC2046 # word splitting wanted
            set -- $(measure "$j" "$ws")
            wall=$1 rss=$2 rc=$3
            if [ "$rc" -ne 0 ]; then
                echo "bench: $SIGIL --check --no-cache -j $j $ws exited with $rc" >&2
                sed -n 1,20p "$TMP/stderr" >&2
                exit 1
            fi
            if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
                best=$wall best_rss=$rss
            fi
            i=$((i + 1))
        done
        echo "$n $files $lines $j $best $best_rss" >>"$ROWS"
        echo "bench: N=$n -j$j best wall ${best}s" >&2
    done
done

echo
echo "sigil bench: ${VERSION:-sigil}; $CPUS CPUs; timer: $TIMER_DESC"
echo "cold runs (--check --no-cache), best wall time of $RUNS, peak RSS of that run"
echo
awk 'BEGIN {
        printf "%8s %7s %9s %5s %10s %12s %10s\n", "modules", "files", "lines", "jobs", "wall (s)", "lines/s", "RSS (MiB)"
        printf "%8s %7s %9s %5s %10s %12s %10s\n", "-------", "-----", "-----", "----", "--------", "-------", "---------"
     }
     {
        lps = ($5 > 0) ? $3 / $5 : 0
        printf "%8d %7d %9d %5d %10.3f %12.0f %10.1f\n", $1, $2, $3, $4, $5, lps, $6 / 1024
     }' "$ROWS" | tee "$OUT/results.txt"

# Incremental runs with the on-disk cache, on the largest workspace.
largest=""
for n in $SIZES; do largest=$n; done
if [ -n "$largest" ]; then
    echo
    python3 bench/incremental.py --sigil "$SIGIL" --ws "$OUT/ws$largest" --runs "$RUNS" | tee -a "$OUT/results.txt"
    echo
    # the remote cache (Redis, nginx WebDAV) and two processes at once
    python3 bench/remote.py --sigil "$SIGIL" --ws "$OUT/ws$largest" --runs "$RUNS" | tee -a "$OUT/results.txt"
fi

# The language server: start-up, edits, signature edits, and references,
# rename and workspace/symbol from its index (bench/lsp/README.md). With
# BENCH_TSC=path/to/tsc (TypeScript 7, installed outside the repository),
# TypeScript's language server on the same program, for comparison.
if [ -n "$largest" ] && command -v node >/dev/null 2>&1; then
    echo
    SIGIL="$SIGIL" node bench/lsp/bench.mjs --modules "$largest" | tee -a "$OUT/results.txt"
    if [ -n "${BENCH_TSC:-}" ]; then
        echo
        node bench/lsp/tsgo.mjs --tsc "$BENCH_TSC" --modules "$largest" | tee -a "$OUT/results.txt"
    fi
fi
