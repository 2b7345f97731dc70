#!/usr/bin/env bash
# Static check of editors/helix/languages.toml (Helix itself is not packaged
# in Debian 12): it parses as TOML and declares the sigil language and its
# language server. Needs python3 >= 3.11 (tomllib). Last line: "N passed, N failed".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../../.." && pwd -P)
exec python3 - "$ROOT/editors/helix/languages.toml" <<'PY'
import sys, tomllib
passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else f": {detail}"))
try:
    conf = tomllib.loads(open(sys.argv[1]).read())
    check("languages.toml parses", True)
except Exception as e:  # noqa: BLE001
    conf = {}
    check("languages.toml parses", False, str(e))
langs = [l for l in conf.get("language", []) if l.get("name") == "sigil"]
check("one [[language]] named sigil", len(langs) == 1, repr(conf.get("language")))
lang = langs[0] if langs else {}
check("file-types = [\"sg\"]", lang.get("file-types") == ["sg"], repr(lang.get("file-types")))
check("scope source.sigil", lang.get("scope") == "source.sigil", repr(lang.get("scope")))
check("comment-token //", lang.get("comment-token") == "//", repr(lang.get("comment-token")))
check("block comments /* */", lang.get("block-comment-tokens") == {"start": "/*", "end": "*/"},
      repr(lang.get("block-comment-tokens")))
check("roots has sigil.json", "sigil.json" in lang.get("roots", []), repr(lang.get("roots")))
check("uses the sigil language server", lang.get("language-servers") == ["sigil"], repr(lang.get("language-servers")))
srv = conf.get("language-server", {}).get("sigil", {})
check("language-server.sigil runs `sigil --lsp`", srv.get("command") == "sigil" and srv.get("args") == ["--lsp"], repr(srv))
check("initializationOptions diagnosticMode push", srv.get("config") == {"diagnosticMode": "push"}, repr(srv.get("config")))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
