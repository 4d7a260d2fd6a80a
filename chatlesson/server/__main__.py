"""``python -m chatlesson.server``: the same as the ``chatlesson-server`` command."""

import sys

from .cli import main

sys.exit(main())
