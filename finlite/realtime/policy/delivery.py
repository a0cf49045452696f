"""Whether an eligible offer can go out now, and on which channel: quiet hours, minimum interval, cross-channel
de-duplication and frequency caps, counted on the user's exposure log plus the offers already chosen in this
decision (docs/policy.md, "Delivery rules")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .local_time import LocalTime
from .spec import Cap, Offer, Policy

__all__ = ["Exposure", "deliver"]


@dataclass(frozen=True)
class Exposure:
    """What the delivery rules read of a log entry (or of an offer chosen earlier in this decision)."""

    offer: str
    category: str
    channel: str
    at: int


def _scope_value(scope: str, offer: Offer, channel: str) -> str:
    return offer.id if scope == "offer" else offer.category if scope == "category" else channel


def _cap_applies(cap: Cap, offer: Offer, channel: str) -> bool:
    return cap.match is None or cap.scope == "global" or cap.match == _scope_value(cap.scope, offer, channel)


def _cap_count(cap: Cap, seen: list[Exposure], offer: Offer, channel: str, at: int, zone: ZoneInfo, now: LocalTime) -> int:
    n = 0
    key = now.period(cap.per) if cap.per else None
    scope, mine = cap.scope, _scope_value(cap.scope, offer, channel)
    for e in seen:
        if scope != "global" and (e.offer if scope == "offer" else e.category if scope == "category" else e.channel) != mine:
            continue
        if cap.window_ms is not None:
            n += at - e.at < cap.window_ms
        else:
            n += _period(e.at, zone, cap.per) == key
    return n


@lru_cache(maxsize=1 << 16)
def _period(t: int, zone: ZoneInfo, per: str) -> object:
    return LocalTime(t, zone).period(per)


def _channel_checks(policy: Policy, offer: Offer, channel: str, seen: list[Exposure], at: int, zone: ZoneInfo,
                    now: LocalTime) -> list[dict[str, Any]]:
    """The checks of one channel, stopping at the first that fails."""
    out: list[dict[str, Any]] = []
    spec = policy.channels_by_id[channel]
    if spec.quiet_hours is not None:
        start, end = spec.quiet_hours
        m = now.minute
        quiet = start <= m < end if start < end else (m >= start or m < end)
        out.append({"check": "quiet_hours", "channel": channel, "local_time": now.hh_mm, "pass": not quiet})
        if quiet:
            return out
    if spec.min_interval_ms > 0:
        last = max((e.at for e in seen if e.channel == channel), default=None)
        since = None if last is None else at - last
        out.append({"check": "min_interval", "channel": channel, "since_ms": since,
                    "pass": since is None or since >= spec.min_interval_ms})
        if not out[-1]["pass"]:
            return out
    if policy.dedup_window_ms > 0:
        other = [e for e in seen if e.offer == offer.id and e.channel != channel and at - e.at < policy.dedup_window_ms]
        last = max(other, key=lambda e: e.at) if other else None
        out.append({"check": "dedup", "channel": channel, "other_channel": last.channel if last else None,
                    "since_ms": at - last.at if last else None, "pass": last is None})
        if last is not None:
            return out
    for i, cap in enumerate(policy.caps):
        if not _cap_applies(cap, offer, channel):
            continue
        n = _cap_count(cap, seen, offer, channel, at, zone, now)
        out.append({"check": "cap", "cap": i, "count": n, "max": cap.max, "pass": n < cap.max})
        if n >= cap.max:
            return out
    return out


def deliver(policy: Policy, offer: Offer, channels: tuple[str, ...], seen: list[Exposure], at: int,
            zone: ZoneInfo) -> tuple[str | None, list[dict[str, Any]]]:
    """The first channel (offer's order, available now) passing every check, and the checks that ran: for each
    channel skipped on the way its failing check, then the used channel's checks. No channel: (None, the first
    tried channel's checks)."""
    now = LocalTime(at, zone)
    skipped: list[dict[str, Any]] = []
    first: list[dict[str, Any]] | None = None
    for channel in offer.channels:
        if channel not in channels:
            continue
        checks = _channel_checks(policy, offer, channel, seen, at, zone, now)
        if all(c["pass"] for c in checks):
            return channel, skipped + checks
        skipped.append(checks[-1])
        first = checks if first is None else first
    return None, first or []
