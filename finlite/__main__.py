"""``python -m finlite`` (also what ``torchrun -m finlite`` runs)."""

import sys

from .cli import main

sys.exit(main())
