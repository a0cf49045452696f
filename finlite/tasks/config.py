"""Training settings: each task's config is one dataclass, overridable as ``key=value`` (``--set``)."""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from typing import Any, Sequence

from ..errors import FinliteError


class ConfigError(FinliteError, ValueError):
    """A bad ``key=value`` setting."""


class TaskConfig:
    """Base of the task configs (dataclasses): every field is a ``--set key=value`` setting."""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _parse_value(text: str, kind: type) -> Any:
    if kind is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true/false, got {text!r}")
    return kind(text)


def apply_overrides(config: Any, overrides: Sequence[str]) -> Any:
    """A copy of ``config`` with ``key=value`` overrides applied (types follow the dataclass)."""
    types = {f.name: f.type for f in fields(config)}
    changes: dict[str, Any] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise ConfigError(f"setting {item!r} is not key=value")
        if key not in types:
            raise ConfigError(f"unknown setting {key!r}; known: {', '.join(sorted(types))}")
        kind = {"int": int, "float": float, "bool": bool, "str": str}[str(types[key])]
        try:
            changes[key] = _parse_value(value.strip(), kind)
        except ValueError:
            raise ConfigError(f"setting {key!r} needs a {kind.__name__}, got {value!r}") from None
    return dataclasses.replace(config, **changes)
