"""``python -m chatlesson.inspect --listen PORT --to HOST:PORT``: the same as ``chatlesson-inspect``."""

import sys

from .cli import main

sys.exit(main())
