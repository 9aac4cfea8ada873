"""``python -m gui``: start the desktop app (see :mod:`gui.app`)."""

import sys

from gui.app import main

sys.exit(main())
