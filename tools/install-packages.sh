#!/bin/sh
# Installs the Debian/Ubuntu packages named as arguments that are missing
# (apt-get, through sudo when not root). A name of the form `cmd:PKG` means
# "the command cmd, else the package PKG" (an image may bring its own node).
# Used by `make deps` (what building needs) and `make test-deps`.
set -eu
missing=""
for spec in "$@"; do
    case $spec in
        cmd:*) cmd=${spec#cmd:}; cmd=${cmd%%:*}; pkg=${spec##*:}
               command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg" ;;
        *)     dpkg -s "$spec" >/dev/null 2>&1 || missing="$missing $spec" ;;
    esac
done
[ -n "$missing" ] || exit 0
echo "installing:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
