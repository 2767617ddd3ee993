"""``python -m vaultui`` starts the desktop app."""

import sys

from vaultui.gui.start import main

sys.exit(main())
