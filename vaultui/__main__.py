"""``python -m vaultui`` starts the desktop app."""

import sys

from vaultui.gui.app import main

sys.exit(main())
