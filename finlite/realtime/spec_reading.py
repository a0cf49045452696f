"""What the trigger and policy readers share: one-line errors with a stable code, key, duration and count checks.

Both specs are plain JSON written by people; a problem is reported as ``FILE, OWNER 'ID', field 'PATH': what
[code]``, and the code is the same in the Kotlin and Swift readers (their negative golden cases).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import FinliteError

__all__ = ["ID_RE", "SpecError", "SpecReader", "known_zone"]

ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


class SpecError(FinliteError, ValueError):
    """A spec that cannot be used; ``code`` names the rule (shared with Kotlin and Swift)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class SpecReader:
    """Base of the readers: ``owner`` is what an error names first ("trigger", "offer")."""

    owner = "item"
    error: type[SpecError] = SpecError

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, code: str, owner: str | None, path: str, message: str) -> SpecError:
        at = f"{self.owner} {owner!r}, field {path!r}" if owner else f"field {path!r}"
        return self.error(code, f"{self.where}, {at}: {message} [{code}]")

    def keys(self, obj: dict, owner: str | None, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        for key in obj:  # unknown first: a misspelt key is also a missing one
            if key not in required and key not in optional:
                raise self.fail("unknown_key", owner, f"{path}{key}", f"unknown key; expected one of {sorted(required + optional)}")
        for key in required:
            if key not in obj:
                raise self.fail("missing_key", owner, f"{path}{key}", "is required")

    def duration(self, value: Any, owner: str | None, path: str, positive: bool = False) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail("bad_type", owner, path, f"a duration is an integer of milliseconds, got {value!r}")
        if value < 0 or (positive and value == 0):
            raise self.fail("negative_duration", owner, path, f"{value} must be {'> 0' if positive else '>= 0'}")
        return value

    def count(self, value: Any, owner: str | None, path: str, high: int | None = None, low: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.fail("bad_count", owner, path, f"{value!r} must be an integer {bound}")
        return value

    def number(self, value: Any, owner: str | None, path: str, low: float | None = None, high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise self.fail("bad_type", owner, path, f"{value!r} is not a number")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail("bad_type", owner, path, f"{value!r} must be in [{low}, {high}]")
        return float(value)

    def ident(self, value: Any, owner: str | None, path: str) -> str:
        if not isinstance(value, str) or not ID_RE.fullmatch(value):
            raise self.fail("bad_id", owner, path, f"{value!r} is not an id (a letter, then letters, digits, _ . -)")
        return value

    def zone(self, value: Any, path: str = "time_zone") -> str:
        if not isinstance(value, str) or not known_zone(value):
            raise self.fail("bad_time_zone", None, path, f"{value!r} is not an IANA time zone")
        return value


def known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True
