"""A decision request, checked: who, when, which trigger, which channels are available, attributes and scores.

A request is built by the app; a wrong one (an attribute the schema does not have, a number where a category is
needed, a channel the policy does not know) is refused with one line naming the field, never decided on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ...data.schema import CATEGORICAL, MULTI, NUMERIC, ProfileSchema
from ...data.timestamps import parse_iso_ms
from ..spec_reading import known_zone
from .spec import Policy, PolicySpecError

__all__ = ["Request", "parse_request"]


@dataclass(frozen=True)
class Request:
    at: int  # epoch ms
    user: str
    trigger: str | None
    channels: tuple[str, ...]
    attributes: Mapping[str, Any]  # name -> str (categorical), float (numeric), tuple[str, ...] (multi)
    scores: Mapping[str, Mapping[str, Any]]  # source -> {"stage": {...}, "tags": {...}, "products": {...}}
    time_zone: str | None = None


def _fail(code: str, path: str, message: str) -> PolicySpecError:
    return PolicySpecError(code, f"request, field {path!r}: {message} [{code}]")


def _number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and v == v


def parse_request(data: Any, policy: Policy, schema: ProfileSchema) -> Request:
    """Check a request (parsed JSON) against the policy and schema."""
    if not isinstance(data, dict):
        raise _fail("bad_type", "", "a request is a JSON object")
    allowed = ("at", "user", "trigger", "channels", "attributes", "scores", "time_zone")
    for key in data:
        if key not in allowed:
            raise _fail("unknown_key", key, f"unknown key; expected one of {sorted(allowed)}")
    for key in ("at", "user", "channels"):
        if key not in data:
            raise _fail("missing_key", key, "is required")
    try:
        at = parse_iso_ms(data["at"]) if isinstance(data["at"], str) else None
    except ValueError:
        at = None
    if at is None:
        raise _fail("bad_time", "at", f"{data['at']!r} is not an ISO 8601 time")
    if not isinstance(data["user"], str) or not data["user"]:
        raise _fail("bad_type", "user", "a non-empty user id is needed")
    trigger = data.get("trigger")
    if trigger is not None and not isinstance(trigger, str):
        raise _fail("bad_type", "trigger", "a trigger id or null")
    channels = data["channels"]
    known = [c.id for c in policy.channels]
    if not isinstance(channels, list):
        raise _fail("bad_type", "channels", "a list of channel ids is needed")
    for j, c in enumerate(channels):
        if c not in known:
            raise _fail("unknown_channel", f"channels[{j}]", f"{c!r} is not a channel of this policy")
    zone = data.get("time_zone")
    if zone is not None:
        if not isinstance(zone, str) or not known_zone(zone):
            raise _fail("bad_time_zone", "time_zone", f"{zone!r} is not an IANA time zone")
    return Request(at, data["user"], trigger, tuple(channels), _attributes(data.get("attributes") or {}, schema),
                   _scores(data.get("scores") or {}), zone)


def _attributes(raw: Any, schema: ProfileSchema) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail("bad_type", "attributes", "a JSON object of attribute values is needed")
    fields = {f.name: f for f in schema.user_fields}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        f = fields.get(name)
        path = f"attributes.{name}"
        if f is None:
            raise _fail("unknown_field", path, f"the users have no attribute {name!r}")
        if value is None:
            continue
        if f.kind == NUMERIC and not _number(value):
            raise _fail("bad_type", path, f"{name!r} is numeric; {value!r} is not a number")
        if f.kind == CATEGORICAL and not isinstance(value, str):
            raise _fail("bad_type", path, f"{name!r} is categorical; a string is needed")
        if f.kind == MULTI and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise _fail("bad_type", path, f"{name!r} is multi; a list of strings is needed")
        out[name] = tuple(value) if f.kind == MULTI else (float(value) if f.kind == NUMERIC else value)
    return out


def _scores(raw: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise _fail("bad_type", "scores", "a JSON object of score sources is needed")
    for source, table in raw.items():
        if not isinstance(table, dict):
            raise _fail("bad_type", f"scores.{source}", "scores are {\"stage\": {...}, \"tags\": {...}, \"products\": {...}}")
        for part, values in table.items():
            if part not in ("stage", "tags", "products"):
                raise _fail("unknown_key", f"scores.{source}.{part}", "expected stage, tags or products")
            if not isinstance(values, dict) or not all(_number(v) for v in values.values()):
                raise _fail("bad_type", f"scores.{source}.{part}", "a JSON object of numbers is needed")
    return raw
