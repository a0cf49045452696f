"""``python -m finlite.bench.arm BUNDLE... [--cpu …] [--compare BASELINE.json] …``."""

import sys

from .cli import main

sys.exit(main())
