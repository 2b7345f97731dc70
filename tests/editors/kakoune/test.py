#!/usr/bin/env python3
"""Kakoune test of editors/kakoune (run by run.sh).

Runs `kak -n -ui json` on a scratch copy of examples/main.sg and on a snippet
with every literal form, with each face of interest set to its own colour,
and reads the faces back from the JSON UI's `draw` call. Also: the filetype
hook, sourcing sigil-lsp.kak (with a stand-in `lsp_servers` option: kak-lsp
itself is not needed) and the TOML it sets, and kak-lsp.toml.
Prints "ok NAME" / "FAIL NAME: DETAIL" lines; run.sh counts them.
"""
import json, os, select, subprocess, sys, tempfile, time, tomllib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
KAK_DIR = os.path.join(ROOT, "editors", "kakoune")
KAK = os.environ.get("KAK", "kak")
passed = failed = 0

FACES = {"keyword": "rgb:000001", "type": "rgb:000002", "value": "rgb:000003", "string": "rgb:000004",
         "comment": "rgb:000005", "documentation": "rgb:000006", "function": "rgb:000007",
         "meta": "rgb:000008", "operator": "rgb:000009", "Error": "rgb:00000a"}
BY_COLOUR = {v: k for k, v in FACES.items()}


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
    return ok


def kak_session(path, extra_cmds, workdir):
    """Open `path` in a json-UI client; return (lines of (text, face) atoms, files written)."""
    setfaces = "; ".join(f"set-face global {f} {c}" for f, c in FACES.items())
    out_ft = os.path.join(workdir, "filetype.txt")
    cmds = (f"source {KAK_DIR}/sigil.kak; {extra_cmds}; edit {path}; {setfaces}; "
            f"echo -to-file {out_ft} %opt{{filetype}}")
    # a window tall enough for the whole file, then (once it is drawn) quit
    resize = json.dumps({"jsonrpc": "2.0", "method": "resize", "params": [200, 200]}) + "\n"
    quit_ = json.dumps({"jsonrpc": "2.0", "method": "keys", "params": ["<esc>:quit!<ret>"]}) + "\n"
    want = sum(1 for _ in open(path))  # lines the window must show
    p = subprocess.Popen([KAK, "-n", "-ui", "json", "-e", cmds], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=workdir,
                         env=dict(os.environ, HOME=workdir, XDG_CONFIG_HOME=workdir))
    lines, raw, buf = None, [], b""
    p.stdin.write(resize.encode())
    p.stdin.flush()
    deadline = time.monotonic() + 20
    quit_sent = False
    while time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            chunk = os.read(p.stdout.fileno(), 1 << 16)
            if not chunk:
                break  # kak exited
            buf += chunk
            *complete, buf = buf.split(b"\n")
            for rawline in complete:
                text = rawline.decode(errors="replace")
                raw.append(text)
                try:
                    msg = json.loads(text)
                except ValueError:
                    continue
                if msg.get("method") == "draw":
                    lines = [[(a["contents"], BY_COLOUR.get(a["face"]["fg"], "")) for a in line]
                             for line in msg["params"][0]]
        # once the whole file is drawn (the resize has been applied), quit
        if not quit_sent and lines is not None and len(lines) >= want:
            p.stdin.write(quit_.encode())
            p.stdin.flush()
            quit_sent = True
    try:
        p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        check(f"kak quits ({os.path.basename(path)})", False, "timeout")
    raw = "\n".join(raw)
    ft = open(out_ft).read().strip() if os.path.exists(out_ft) else None
    return lines, ft, raw


def face_at(lines, line_has, needle, want):
    for line in lines or []:
        text = "".join(t for t, _ in line)
        if line_has in text:
            col = text.find(needle)
            if col < 0:
                break
            pos = 0
            for t, face in line:
                if pos <= col < pos + len(t):
                    return check(f"{needle!r} in {line_has!r} is {want}", face == want, f"face {face or 'none'!r}")
                pos += len(t)
    return check(f"{needle!r} in {line_has!r} is {want}", False, "not drawn")


def main():
    with tempfile.TemporaryDirectory(prefix="sigil-kak-") as tmp:
        ws = os.path.join(tmp, "ws")
        os.mkdir(ws)
        main_sg = os.path.join(ws, "main.sg")
        with open(os.path.join(ROOT, "examples", "main.sg")) as f, open(main_sg, "w") as g:
            g.write(f.read())
        lines, ft, raw = kak_session(main_sg, "declare-option str lsp_servers; "
                                     f"source {KAK_DIR}/sigil-lsp.kak; "
                                     f"hook global BufSetOption filetype=sigil %{{ echo -to-file {tmp}/lsp.toml %opt{{lsp_servers}} }}",
                                     tmp)
        check("filetype == sigil", ft == "sigil", repr(ft) + " " + raw[-300:])
        if not check("kak drew main.sg", lines is not None, raw[-500:]):
            return
        face_at(lines, "// A tiny library", "tiny", "comment")
        face_at(lines, "import lib.book as bk", "import", "keyword")
        face_at(lines, "import lib.book as bk", "as", "keyword")
        face_at(lines, "import lib.member.{", "Member", "type")
        face_at(lines, "const TODAY", "const", "keyword")
        face_at(lines, "const TODAY", "Int", "type")
        face_at(lines, "const TODAY", "45", "value")
        face_at(lines, "fn stock()", "fn", "keyword")
        face_at(lines, "fn stock()", "stock", "function")
        face_at(lines, "fn stock()", "->", "operator")
        face_at(lines, '"Dune"', "Dune", "string")
        face_at(lines, '"Dune"', "1965", "value")
        face_at(lines, '"Dune"', "new", "function")
        face_at(lines, "let mut current", "mut", "keyword")
        face_at(lines, "for isbn in isbns", "for", "keyword")
        face_at(lines, "match catalog.lend", "match", "keyword")
        face_at(lines, "let total: Float", "Float", "type")
        face_at(lines, "let total: Float", "//~", "comment")
        face_at(lines, "Some(k) => k", "Some", "type")
        no_err = [("".join(t for t, _ in l)).strip() for l in lines if any(f == "Error" for _, f in l)]
        check("no Error face in main.sg", not no_err, repr(no_err[:3]))

        # sigil-lsp.kak sets lsp_servers for sigil buffers
        lsp = os.path.join(tmp, "lsp.toml")
        if check("sigil-lsp.kak sets lsp_servers", os.path.exists(lsp)):
            try:
                conf = tomllib.loads(open(lsp).read())
            except tomllib.TOMLDecodeError as e:
                conf = None
                check("lsp_servers is TOML", False, str(e))
            if conf is not None:
                s = conf.get("sigil", {})
                check("lsp_servers: command sigil --lsp", s.get("command") == "sigil" and s.get("args") == ["--lsp"], repr(s))
                check("lsp_servers: root_globs has sigil.json", "sigil.json" in s.get("root_globs", []), repr(s))
                check("lsp_servers: diagnosticMode push", s.get("settings_section") == "_"
                      and s.get("settings", {}).get("_", {}).get("diagnosticMode") == "push", repr(s))

        snippet = os.path.join(ws, "literals.sg")
        with open(snippet, "w") as f:
            f.write("\n".join([
                "/// Doc comment for ANSWER.",
                "/* a block",
                "   comment let x */",
                "pub const ANSWER: Int = 42",
                "const MASK: Int = 0xFF_ff",
                "const PI: Float = 3.14_15 + 1e9 + 2.5e-3",
                'const S: String = "a\\tb\\\\c\\"d\\u{1F600}e // no comment"',
                "const WRONG: Int = 1__0 + 0X1",
                "const B: Bool = true && !false",
                "pub extern fn print(s: String) -> Unit",
                "pub struct Point[T] { x: T }",
                'const U: String = "unterminated',
                "const AFTER: Int = 7",
            ]) + "\n")
        lines, ft, raw = kak_session(snippet, "nop", tmp)
        if not check("kak drew literals.sg", lines is not None, raw[-500:]):
            return
        face_at(lines, "/// Doc", "Doc", "documentation")
        face_at(lines, "/* a block", "block", "comment")
        face_at(lines, "comment let x", "let", "comment")
        face_at(lines, "pub const ANSWER", "pub", "keyword")
        face_at(lines, "0xFF_ff", "0xFF_ff", "value")
        face_at(lines, "3.14_15", "3.14_15", "value")
        face_at(lines, "3.14_15", "1e9", "value")
        face_at(lines, "3.14_15", "2.5e-3", "value")
        face_at(lines, "const S:", '"a', "string")
        face_at(lines, "const S:", "\\t", "meta")
        face_at(lines, "const S:", "\\\\", "meta")
        face_at(lines, "const S:", '\\"', "meta")
        face_at(lines, "const S:", "\\u{1F600}", "meta")
        face_at(lines, "const S:", "// no", "string")
        face_at(lines, "const WRONG", "1__0", "Error")
        face_at(lines, "const WRONG", "0X1", "Error")
        face_at(lines, "const B:", "true", "value")
        face_at(lines, "const B:", "&&", "operator")
        face_at(lines, "pub extern fn", "print", "function")
        face_at(lines, "pub extern fn", "Unit", "type")
        face_at(lines, "pub struct", "Point", "type")
        face_at(lines, '"unterminated', "unterminated", "string")
        face_at(lines, "const AFTER", "const", "keyword")
        face_at(lines, "const AFTER", "7", "value")

    # kak-lsp.toml (kak-lsp 15/16)
    conf = tomllib.loads(open(os.path.join(KAK_DIR, "kak-lsp.toml")).read())
    s = conf.get("language_server", {}).get("sigil", {})
    check("kak-lsp.toml: sigil server", s.get("command") == "sigil" and s.get("args") == ["--lsp"]
          and s.get("filetypes") == ["sigil"], repr(s))
    check("kak-lsp.toml: diagnosticMode push", s.get("settings", {}).get("_", {}).get("diagnosticMode") == "push", repr(s))


if __name__ == "__main__":
    main()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
