#!/usr/bin/env bash
# Sets everything up, then starts the desktop app. Extra arguments go to the app.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

exec .venv/bin/python -m vaultui.gui "$@"
