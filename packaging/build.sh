#!/usr/bin/env bash
# Builds the one-folder app into dist/vaultui with PyInstaller (installed into .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
.venv/bin/python -m pip install -q --disable-pip-version-check 'pyinstaller==6.*' 2>&1 \
    | sed "/^WARNING: Location 'file:.*' is ignored/d" >&2
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/vaultui.spec
du -sh dist/vaultui
