"""finlite: tiny, fast banking models for mobile apps, exported as verified bundles.

The public names (``finlite.train``, ``finlite.export_bundle``, ``finlite.load_bundle``, ``finlite.Bundle``,
``finlite.list_tasks``, ``finlite.FinliteError``) load their modules on first use, so ``import finlite``
stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "train": "finlite.api",
    "export_bundle": "finlite.api",
    "load_bundle": "finlite.api",
    "Bundle": "finlite.runtime.bundle",
    "list_tasks": "finlite.tasks",
    "get_task": "finlite.tasks",
    "FinliteError": "finlite.errors",
}
__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'finlite' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
