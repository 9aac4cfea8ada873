"""``python -m gui``: start the desktop app (see :mod:`gui.app`)."""

import sys

from .app import main

sys.exit(main())
