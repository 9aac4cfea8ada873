"""``python -m keras_attn.datasets``: write the bundled sample datasets."""

import sys

from keras_attn.datasets.command import main

sys.exit(main())
