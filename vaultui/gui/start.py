"""The `vaultui` command: start the app, or say in one line what is missing to start it."""

from __future__ import annotations

import sys

from vaultui.extras import explain_missing


def main(argv: list[str] | None = None) -> int:
    try:
        # Qt is imported here, not at the top: a missing or broken PySide6 must give a
        # sentence, not a traceback.
        from vaultui.gui.app import main as app_main
    except ImportError as exc:
        better = explain_missing(exc)
        if better is None:
            raise
        print(f"vaultui: {better}", file=sys.stderr)
        return 1
    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main())
