"""``python -m chatlesson.client``: the same as the ``chatlesson-client`` command."""

import sys

from ..ui.terminal import main

sys.exit(main())
