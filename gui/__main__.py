"""``python -m keras_attn_app``: start the desktop app (see :mod:`.app`)."""

import sys

from .app import main

sys.exit(main())
