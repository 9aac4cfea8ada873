"""``python -m keras_attn.datasets``: write the bundled sample datasets."""

import sys

from keras_attn.datasets.registry import main

sys.exit(main())
