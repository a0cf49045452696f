"""Helpers of the trigger scenarios (make_scenarios.py): times, steps and expected firings."""

from __future__ import annotations

import datetime as dt

BASE = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)  # a Monday; Berlin is UTC+1 then
MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000


def at(ms: int = 0, base: dt.datetime = BASE) -> str:
    moment = base + dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def utc(text: str) -> str:
    """'2026-03-28T22:30' -> '2026-03-28T22:30:00.000Z'."""
    return at(0, dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc))


def ev(ms: int | str, **fields) -> dict:
    return {"event": fields, "at": ms if isinstance(ms, str) else at(ms)}


def tick(ms: int | str) -> dict:
    return {"tick": True, "at": ms if isinstance(ms, str) else at(ms)}


def sc(ms: int, stage: str | None = None, tags: dict | None = None, products: dict | None = None) -> dict:
    scores: dict = {}
    if stage is not None:
        scores["stage"] = {s: (0.6 if s == stage else 0.1) for s in ("prospect", "new", "active", "pre_churn", "churned")}
    if tags is not None:
        scores["tags"] = tags
    if products is not None:
        scores["products"] = products
    return {"scores": scores, "at": at(ms)}


RESTART = {"restart": True}


def fire(step: int, trigger: str, time: int | str, values: dict, group: str | None = None) -> dict:
    out = {"step": step, "trigger": trigger, "time": time if isinstance(time, str) else at(time)}
    if group is not None:
        out["group"] = group
    out["values"] = values
    return out


PV = {"field": "event_type", "eq": "page_view"}
FUNDS = {"field": "page", "eq": "funds"}
ET = lambda name: {"field": "event_type", "eq": name}  # noqa: E731


def S(name, why, triggers, steps, firings, late=0, zone="Europe/Berlin", lateness=0):
    return {"name": name, "why": why, "time_zone": zone, "allowed_lateness_ms": lateness,
            "triggers": triggers, "steps": steps, "firings": firings, "late": late}


def ev_trigger(tid, match, **extra):
    return {"id": tid, "type": "event", "match": match, **extra}
