#!/usr/bin/env python3
"""`sigil --watch` as a person uses it: in a real terminal (tmux), an edit on
disk shows up on the screen, `r` re-checks everything, `q` quits; and with
stdout not a terminal, plain lines per check, `q` on stdin quits.

    python3 tests/watch/test_watch.py --sigil build/sigil
Ends with `N passed, N failed`."""
import argparse, os, shutil, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL watch: %s%s" % (what, ("\n" + detail) if detail else ""))


def wait_for(fn, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    return fn()


def workspace():
    tmp = tempfile.mkdtemp(prefix="sigil-watch-")
    ws = os.path.join(tmp, "ws")
    shutil.copytree(os.path.join(REPO, "examples"), ws, ignore=shutil.ignore_patterns(".sigil-cache"))
    return tmp, ws


def edit(ws):
    p = os.path.join(ws, "main.sg")
    s = open(p).read()
    s2 = s.replace("let total: Float = catalog.count_books(library)", "let total: Int = catalog.count_books(library)")
    assert s2 != s, "examples/main.sg changed: update the watch test"
    open(p, "w").write(s2)


def terminal(sigil):
    if not shutil.which("tmux"):
        check(False, "tmux is not installed (make deps installs it)")
        return
    tmp, ws = workspace()
    sock = os.path.join(tmp, "tmux.sock")
    tm = ["tmux", "-S", sock]
    try:
        subprocess.run(tm + ["new-session", "-d", "-s", "w", "-x", "120", "-y", "40",
                             "%s --watch %s; echo WATCH-EXITED $?; sleep 30" % (sigil, ws)], check=True,
                       env=dict(os.environ, NO_COLOR="1"))
        screen = lambda: subprocess.run(tm + ["capture-pane", "-p", "-t", "w"], capture_output=True, text=True).stdout
        s = wait_for(lambda: "watching" in screen() and screen())
        check("main.sg:65:24: error[E201]" in s, "first screen shows the example's error", s)
        check("6 modules, 1 error, 0 warnings" in s, "first screen's summary line", s)
        edit(ws)
        s = wait_for(lambda: "main.sg:66:" in screen() and screen())
        check("main.sg:66:39: error[E201]" in s and "main.sg:65:" not in s, "an edit on disk is redrawn", s)
        check("5/6 from cache" in s, "the re-check after an edit is incremental", s)
        subprocess.run(tm + ["send-keys", "-t", "w", "r"], check=True)
        s = wait_for(lambda: "0/6 from cache" in screen() and screen())
        check("0/6 from cache" in s and "main.sg:66:39" in s, "`r` re-checks everything", s)
        subprocess.run(tm + ["send-keys", "-t", "w", "q"], check=True)
        s = wait_for(lambda: "WATCH-EXITED" in screen() and screen())
        check("WATCH-EXITED 1" in s, "`q` quits (status 1: the workspace has an error)", s)
    finally:
        subprocess.run(tm + ["kill-server"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def piped(sigil, args, ws, out, first, second):
    """Runs `sigil --watch ARGS WS` with stdout to the file `out` and stdin a
    pipe: waits for first(text), edits the workspace, waits for second(text),
    then sends `q`. Returns the exit status (None if it did not quit)."""
    with open(out, "w") as fo:
        p = subprocess.Popen([sigil, "--watch"] + args + [ws], stdin=subprocess.PIPE, stdout=fo,
                             stderr=subprocess.STDOUT if not args else subprocess.DEVNULL)
        text = lambda: open(out).read()
        wait_for(lambda: first(text()))
        edit(ws)
        wait_for(lambda: second(text()))
        p.stdin.write(b"q")
        p.stdin.flush()
        try:
            return p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return None


def plain(sigil):
    tmp, ws = workspace()
    out = os.path.join(tmp, "out")
    try:
        rc = piped(sigil, [], ws, out, lambda t: "main.sg:65:24" in t,
                   lambda t: t.count("== check at") >= 2 and "main.sg:66:39" in t)
        s = open(out).read()
        check(s.count("== check at") == 2, "plain output: one `== check` header per check", s)
        check("\x1b" not in s, "plain output has no escape sequences", repr(s[:300]))
        check("main.sg:65:24: error[E201]" in s and "main.sg:66:39: error[E201]" in s, "plain output: both checks' errors", s)
        check(rc == 1, "plain mode: `q` on stdin quits with status 1", "status %r" % rc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Tmux:
    """A 120x40 tmux server of our own (its socket in the test's temp dir)."""

    def __init__(self, tmp, cmd, rows=40):
        self.tm = ["tmux", "-S", os.path.join(tmp, "tmux.sock")]
        subprocess.run(self.tm + ["new-session", "-d", "-s", "w", "-x", "120", "-y", str(rows),
                                  cmd + "; echo WATCH-EXITED $?; sleep 30"], check=True,
                       env=dict(os.environ, NO_COLOR="1"))

    def screen(self):
        return subprocess.run(self.tm + ["capture-pane", "-p", "-t", "w"], capture_output=True, text=True).stdout

    def keys(self, k):
        subprocess.run(self.tm + ["send-keys", "-t", "w", k], check=True)

    def close(self):
        subprocess.run(self.tm + ["kill-server"], capture_output=True)


def lines_of(screen):
    return [l for l in screen.split("\n") if l.strip()]


def summary_at_bottom(sigil):
    """14 errors do not fit in 40 lines: the summary stays on the last lines,
    with the number of diagnostics that did not fit."""
    if not shutil.which("tmux"):
        check(False, "tmux is not installed (make test installs it)")
        return
    tmp = tempfile.mkdtemp(prefix="sigil-watch-")
    ws = os.path.join(tmp, "ws")
    os.makedirs(ws)
    body = "".join("    let _v%d: Int = \"s\"\n" % i for i in range(14))
    open(os.path.join(ws, "main.sg"), "w").write("fn main() {\n" + body + "}\n")
    t = Tmux(tmp, "%s --watch %s" % (sigil, ws))
    try:
        s = wait_for(lambda: "watching" in t.screen() and t.screen()) or t.screen()
        ls = lines_of(s)
        shown = sum(1 for l in ls if ": error[E201]" in l)
        check(0 < shown < 14, "some, not all, of the 14 errors fit on 40 lines (%d shown)" % shown, s)
        check(len(ls) >= 3 and ls[-2].startswith("1 module, 14 errors, 0 warnings,"),
              "the summary line is the last line before the status line", s)
        check(len(ls) >= 3 and ls[-3] == "… and %d more diagnostics below the screen (a taller terminal, "
              "or sigil --check, shows them)" % (14 - shown), "the number of diagnostics not shown", s)
        check(len(s.rstrip("\n").split("\n")) <= 40, "the screen did not scroll", s)
        t.keys("q")
        s = wait_for(lambda: "WATCH-EXITED" in t.screen() and t.screen()) or t.screen()
        check("WATCH-EXITED 1" in s, "`q` quits", s)
    finally:
        t.close()
        shutil.rmtree(tmp, ignore_errors=True)


def root_recreated(sigil):
    """Issue 10 item 12: the root is deleted and created again; then edits
    in a subdirectory are seen, before and after `r`."""
    if not shutil.which("tmux"):
        check(False, "tmux is not installed (make test installs it)")
        return
    tmp, ws = workspace()
    t = Tmux(tmp, "%s --watch %s" % (sigil, ws))
    book = os.path.join(ws, "lib", "book.sg")
    try:
        s = wait_for(lambda: "6 modules, 1 error" in t.screen() and t.screen()) or t.screen()
        check("6 modules, 1 error" in s, "first screen", s)
        moved = os.path.join(tmp, "moved")
        shutil.copytree(ws, moved)
        shutil.rmtree(ws)
        s = wait_for(lambda: "cannot open workspace root" in t.screen() and t.screen()) or t.screen()
        check("cannot open workspace root" in s, "a deleted root is reported", s)
        edit(moved)
        shutil.copytree(moved, ws)
        s = wait_for(lambda: "main.sg:66:39" in t.screen() and "6 modules, 1 error" in t.screen() and t.screen()) or t.screen()
        check("main.sg:66:39: error[E201]" in s, "the re-created root is checked", s)
        open(book, "a").write("\nfn broken() -> Int { \"x\" }\n")
        s = wait_for(lambda: "6 modules, 2 errors" in t.screen() and t.screen()) or t.screen()
        check("6 modules, 2 errors" in s and "lib/book.sg" in s, "an edit in a subdirectory of the re-created root", s)
        t.keys("r")
        s = wait_for(lambda: "0/6 from cache" in t.screen() and t.screen()) or t.screen()
        check("0/6 from cache" in s and "6 modules, 2 errors" in s, "`r` re-checks everything", s)
        open(book, "a").write("fn broken2() -> Int { \"x\" }\n")
        s = wait_for(lambda: "6 modules, 3 errors" in t.screen() and t.screen()) or t.screen()
        check("6 modules, 3 errors" in s, "an edit after `r` is seen", s)
        t.keys("q")
    finally:
        t.close()
        shutil.rmtree(tmp, ignore_errors=True)


def json_lines(sigil):
    """--watch --format json: one JSON report per line, per check."""
    import json
    tmp, ws = workspace()
    out = os.path.join(tmp, "out")
    try:
        piped(sigil, ["--format", "json"], ws, out, lambda t: t.count("\n") >= 1, lambda t: t.count("\n") >= 2)
        text = open(out).read()
        try:
            reports = [json.loads(l) for l in text.splitlines()]
        except ValueError:
            reports = []
        check(len(reports) == 2, "two checks, two JSON lines", text[:500])
        if len(reports) == 2:
            check([(d["file"], d["line"]) for d in reports[0]["diagnostics"]] == [("main.sg", 65)] and
                  [(d["file"], d["line"]) for d in reports[1]["diagnostics"]] == [("main.sg", 66)],
                  "each report has that check's diagnostics", text[:500])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigil", default=os.environ.get("SIGIL", os.path.join(REPO, "build", "sigil")))
    a = ap.parse_args()
    sigil = os.path.abspath(a.sigil)
    terminal(sigil)
    plain(sigil)
    summary_at_bottom(sigil)
    root_recreated(sigil)
    json_lines(sigil)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
