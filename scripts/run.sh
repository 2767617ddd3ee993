#!/usr/bin/env bash
# Sets everything up, then runs the program. Extra arguments go to the program.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# What "the program" is: the one place to change when the GUI (vaultui.gui.app) takes over.
program_module=vaultui.gui

bash scripts/setup.sh

if ! .venv/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)' \
    "$program_module" 2>/dev/null; then
    echo "run.sh: $program_module does not exist yet (the demo that creates a local vault," >&2
    echo "run.sh: writes a file and reads it back is still being written); nothing to run." >&2
    exit 1
fi
exec .venv/bin/python -m "$program_module" "$@"
