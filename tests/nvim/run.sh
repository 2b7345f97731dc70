#!/usr/bin/env bash
# Headless Neovim end-to-end test of `sigil --lsp` on a scratch copy of examples/.
#
#   tests/nvim/run.sh            # uses build/sigil of this checkout
#   SIGIL=/path/to/sigil tests/nvim/run.sh
#   KEEP=1 tests/nvim/run.sh     # keep the temp dir (it is always kept on failure)
#
# The last line is "N passed, N failed"; the exit status is non-zero on failure.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)

SIGIL=${SIGIL:-$ROOT/build/sigil}
case $SIGIL in /*) ;; *) SIGIL=$PWD/$SIGIL ;; esac
NVIM=${NVIM:-nvim}
NVIM_TIMEOUT=${NVIM_TIMEOUT:-60}

fail_early() {
    echo "FAIL: $*"
    echo "0 passed, 1 failed"
    exit 1
}
[ -x "$SIGIL" ] || fail_early "sigil binary not found or not executable: $SIGIL (run make, or set SIGIL=)"
command -v "$NVIM" >/dev/null 2>&1 || fail_early "'$NVIM' not found (Debian/Ubuntu: apt-get install neovim)"
command -v python3 >/dev/null 2>&1 || fail_early "python3 not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sigil-nvim.XXXXXX") || fail_early "mktemp failed"
TMP=$(cd "$TMP" && pwd -P)   # resolve symlinks: the server reports real paths
WS=$TMP/workspace
OUT=$TMP/results.jsonl
LOG=$TMP/server.log
NVLOG=$TMP/nvim.out

# Scratch workspace: never let the server write a cache into the repo, and do
# not reuse a cache that may be lying around in examples/.
cp -R "$ROOT/examples" "$WS" || fail_early "cannot copy examples/ to $WS"
rm -rf "$WS/.sigil-cache"
mkdir -p "$TMP/xdg/config" "$TMP/xdg/data" "$TMP/xdg/state" "$TMP/xdg/cache"

# --clean: no user config, plugins or shada; XDG_* point into the temp dir so
# nothing (lsp.log, nvim's log, swap files, ...) is read from or written to $HOME.
export XDG_CONFIG_HOME="$TMP/xdg/config" XDG_DATA_HOME="$TMP/xdg/data" \
       XDG_STATE_HOME="$TMP/xdg/state" XDG_CACHE_HOME="$TMP/xdg/cache" \
       NVIM_LOG_FILE="$TMP/xdg/nvim.log"
unset SIGIL_CACHE_DIR   # the server must use <workspace>/.sigil-cache, in $TMP

echo "nvim: $("$NVIM" --version | head -n1)"
echo "sigil: $SIGIL"

# a second workspace folder (outside the first): one module with one error
SECOND=$TMP/second
mkdir -p "$SECOND" && printf 'pub fn f() -> Int { "s" }\n' >"$SECOND/x.sg"

SIGIL_BIN="$SIGIL" SIGIL_WORKSPACE="$WS" SIGIL_OUT="$OUT" SIGIL_LOG="$LOG" SIGIL_SECOND="$SECOND" \
SIGIL_NVIM_INIT="$HERE/init.lua" \
    timeout -k 5 "$NVIM_TIMEOUT" "$NVIM" --headless --clean -n \
        -c "lua dofile(os.getenv('SIGIL_NVIM_INIT'))" </dev/null >"$NVLOG" 2>&1
NVIM_RC=$?

SUMMARY=$TMP/summary
python3 - "$OUT" "$WS" "$NVIM_RC" "$NVIM_TIMEOUT" "$SUMMARY" "$SECOND" <<'PY'
import json, os, sys, urllib.parse

out, ws, nvim_rc, limit, summary, second = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
passed = failed = 0

def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
    return ok

steps = {}
if os.path.exists(out):
    with open(out) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                check(f"results line {n} is JSON", False, f"{e}: {line[:200]}")
                continue
            steps[rec.get("step")] = rec

if nvim_rc == 124 or nvim_rc == 137:
    check("nvim finished", False, f"killed after {limit} s (timeout)")
else:
    why = {2: "client did not start", 3: "init.lua stopped early: the server exited",
           4: "Lua error in init.lua"}.get(nvim_rc, "")
    check("nvim finished", nvim_rc == 0, f"exit status {nvim_rc}" + (f" ({why})" if why else ""))
if "lua-error" in steps:
    check("no Lua error", False, steps["lua-error"].get("error", ""))
if "nvim" in steps:
    v = steps["nvim"]["version"]
    print(f"     neovim {v['major']}.{v['minor']}.{v['patch']}, client started with "
          f"{steps.get('start', {}).get('api', '?')}")
check("client started", bool(steps.get("start", {}).get("client_id")),
      json.dumps(steps.get("start")))

# --- diagnostics: exactly one E201 on line 65 (0-based 64), col 24 (0-based 23)
d = steps.get("diagnostics")
if d is not None and d.get("server_exited"):
    check("server still running", False, "server exited: " + json.dumps(d["server_exited"]))
if check("diagnostics received", d is not None and not d.get("timed_out"),
         ("the server exited first" if d.get("server_exited") else "none within 10 s") if d else "step missing"):
    items = d.get("items", [])
    if check("exactly one diagnostic on main.sg", len(items) == 1,
             f"got {len(items)}: {json.dumps(items)}"):
        x = items[0]
        check("diagnostic code is E201", x.get("code") == "E201"
              and x.get("user_data_code") == "E201",
              f"code={x.get('code')!r} user_data.lsp.code={x.get('user_data_code')!r}")
        check("diagnostic at line 64 (0-based)", x.get("lnum") == 64 and x.get("end_lnum") == 64,
              f"lnum={x.get('lnum')} end_lnum={x.get('end_lnum')}")
        check("diagnostic at column 23 (0-based byte)", x.get("col") == 23,
              f"col={x.get('col')}")
        check("diagnostic is an error", x.get("severity") == 1, f"severity={x.get('severity')}")
        check("diagnostic message", x.get("message") == "type mismatch: expected Float, found Int",
              repr(x.get("message")))

def hover_text(rec):
    r = rec.get("result") if rec else None
    if not isinstance(r, dict):
        return None
    c = r.get("contents")
    if isinstance(c, dict):
        return c.get("value")
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "\n".join(x if isinstance(x, str) else x.get("value", "") for x in c)
    return None

def check_hover(step, must, kind="markdown"):
    rec = steps.get(step)
    text = hover_text(rec)
    if not check(f"{step}: hover result", text is not None,
                 json.dumps(rec) if rec else "step missing"):
        return
    c = rec["result"]["contents"]
    check(f"{step}: markdown ```sigil block", isinstance(c, dict) and c.get("kind") == kind
          and text.startswith("```sigil\n"), repr(text))
    for m in must:
        check(f"{step}: contains {m!r}", m in text, repr(text))
    rng = rec["result"].get("range")
    if rng is not None:
        pos = rec["position"]
        ok = (rng["start"]["line"] == pos["line"] and rng["start"]["character"] <= pos["character"]
              < rng["end"]["character"])
        check(f"{step}: range covers the hovered name", ok,
              f"position={json.dumps(pos)} range={json.dumps(rng)}")

check_hover("hover_fn", ["count_where: fn(", ") -> Int"])
check_hover("hover_let", ["let total: Float"])

def def_line(rel, prefix):
    with open(os.path.join(ws, rel)) as f:
        for i, l in enumerate(f):
            if l.startswith(prefix):
                return i, l.index(prefix.split()[-1])
    return None, None

def check_definition(step, rel, prefix):
    rec = steps.get(step)
    r = rec.get("result") if rec else None
    if isinstance(r, list):
        r = r[0] if len(r) == 1 else r
    if not check(f"{step}: one location", isinstance(r, dict),
                 json.dumps(rec) if rec else "step missing"):
        return
    uri = r.get("uri") or r.get("targetUri")
    rng = r.get("range") or r.get("targetSelectionRange")
    path = urllib.parse.unquote(urllib.parse.urlparse(uri or "").path)
    want = os.path.join(ws, rel)
    check(f"{step}: file {rel}", path == want, f"got {uri!r}, want file://{want}")
    line, col = def_line(rel, prefix)
    got = rng["start"] if rng else {}
    check(f"{step}: line {line} col {col} (0-based, '{prefix}')",
          got.get("line") == line and got.get("character") == col, f"got {json.dumps(rng)}")

check_definition("def_brace", "util/stats.sg", "pub fn count_where")
check_definition("def_qualified", "lib/catalog.sg", "pub fn count_books")

# the second folder: served once the client adds it (multi-root)
sf = steps.get("second_folder")
if check("second folder added", sf is not None and second in sf.get("folders", []), json.dumps(sf)):
    items = sf.get("items", [])
    check("second folder: its file's E201 at 1:20",
          [(x.get("code"), x.get("lnum"), x.get("col")) for x in items] == [("E201", 0, 20)], json.dumps(items))

done = steps.get("done")
if check("client shut down", done is not None, "step missing"):
    ex = done.get("server_exited")
    check("server exited with status 0 after shutdown/exit",
          isinstance(ex, dict) and ex.get("code") == 0 and ex.get("signal") == 0, json.dumps(ex))

with open(summary, "w") as f:   # printed last, by the shell
    f.write(f"{passed} passed, {failed} failed\n")
sys.exit(1 if failed else 0)
PY
RC=$?

if [ "$RC" -ne 0 ]; then
    echo "--- nvim output ($NVLOG)"; tail -n 20 "$NVLOG"; echo
    echo "--- server log ($LOG)"; tail -n 20 "$LOG" 2>/dev/null
fi
if [ -s "$SUMMARY" ]; then LAST=$(cat "$SUMMARY"); else LAST="0 passed, 1 failed"; RC=1; fi
if [ "$RC" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$TMP"; else echo "temp dir kept: $TMP"; fi
echo "$LAST"
exit "$RC"
