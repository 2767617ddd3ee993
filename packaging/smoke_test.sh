#!/usr/bin/env bash
# Starts the built app offscreen: --version, then a vault created, listed, and quit (status 0).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
app=dist/vaultui/vaultui
[ -x "$app" ] || { echo "smoke_test: $app missing; run packaging/build.sh" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vaultui-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
export QT_QPA_PLATFORM=offscreen HOME=$work
"$app" --version
timeout 120 "$app" --smoke-test "$work" 2>&1 | grep -v propagateSizeHints
[ -f "$work/smoke-vault/vault.cryptomator" ] || { echo "smoke_test: no vault" >&2; exit 1; }
echo "smoke_test: ok"
