#!/usr/bin/env bash
# Kakoune test of editors/kakoune (filetype hook, highlighting through the JSON
# UI, the kakoune-lsp snippets). Skipped when `kak` is not installed
# (Debian: apt-get install kakoune). Needs python3 >= 3.11 (tomllib).
# Last line: "N passed, N failed[, N skipped]".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
if ! command -v "${KAK:-kak}" >/dev/null 2>&1; then
    echo "skip: kak not found (Debian/Ubuntu: apt-get install kakoune)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
echo "kak: $(command -v "${KAK:-kak}") ($(dpkg-query -W -f='${Version}' kakoune 2>/dev/null || echo '?'))"
exec timeout -k 5 90 python3 "$HERE/test.py"
