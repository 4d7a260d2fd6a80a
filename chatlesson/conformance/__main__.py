"""``python -m chatlesson.conformance HOST:PORT``: the same as ``chatlesson-check``."""

from .cli import main

raise SystemExit(main())
