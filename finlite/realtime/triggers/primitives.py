"""The per-type logic of the trigger engine: what each primitive keeps per group and when it is met.

Each primitive gets the events in event-time order (the engine's reorder buffer sees to that) and returns
the ``values`` of a firing, or None. Its per-group state is plain JSON (lists and numbers) so that the
engine's state serialises as it is; the bounds of that state are stated per class (docs/triggers.md).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from .predicates import compile_predicate
from .spec import Trigger

__all__ = ["MAX_DWELL_ENTRIES", "Primitive", "iso", "make_primitive"]

MAX_DWELL_ENTRIES = 1024  # matching events a total-dwell window keeps per group (the oldest go first)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def iso(ms: int) -> str:
    """Epoch ms -> ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC), the time format of firings and goldens."""
    moment = _EPOCH + _dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class Primitive:
    """Base: ``on_event`` is called for every event with the group's state (created by ``fresh``)."""

    def __init__(self, trigger: Trigger, zone: ZoneInfo) -> None:
        self.raw = trigger.raw
        self.zone = zone

    def fresh(self) -> Any:
        return None

    def on_event(self, state: Any, t: int, event: Mapping[str, Any]) -> tuple[Any, dict[str, Any] | None]:
        """(new state, firing values or None)."""
        raise NotImplementedError


class EventMatch(Primitive):
    """Every matching event fires; the values are the event's fields. State: none."""

    def __init__(self, trigger: Trigger, zone: ZoneInfo) -> None:
        super().__init__(trigger, zone)
        self.match = compile_predicate(self.raw["match"])

    def on_event(self, state, t, event):
        return state, (dict(event) if self.match(event) else None)


class Windowed(Primitive):
    """Shared by count, total dwell and distinct days: ``match`` events enter, an ``unless`` event of the
    same group empties the group's window (it is processed before ``match`` when one event is both)."""

    def __init__(self, trigger: Trigger, zone: ZoneInfo) -> None:
        super().__init__(trigger, zone)
        self.match = compile_predicate(self.raw["match"])
        self.unless = compile_predicate(self.raw["unless"]) if "unless" in self.raw else None

    def fresh(self):
        return []

    def on_event(self, state, t, event):
        if self.unless is not None and self.unless(event):
            state = []
        if not self.match(event):
            return state, None
        return self.enter(state, t, event)

    def enter(self, state: list, t: int, event: Mapping[str, Any]) -> tuple[list, dict[str, Any] | None]:
        raise NotImplementedError


class Dwell(Windowed):
    """One view with ``field >= min_ms`` (no window: state none), or the total of ``field`` over matching
    events in ``(t - window_ms, t]`` ``>= min_ms``: state ``[[time, value], …]``, at most
    :data:`MAX_DWELL_ENTRIES` entries."""

    def __init__(self, trigger: Trigger, zone: ZoneInfo) -> None:
        super().__init__(trigger, zone)
        self.field, self.low, self.window = self.raw["field"], self.raw["min_ms"], self.raw.get("window_ms")

    def fresh(self):
        return [] if self.window is not None else None

    def on_event(self, state, t, event):
        if self.window is None:
            if not self.match(event):
                return state, None
            value = event.get(self.field)
            return state, ({self.field: value} if value is not None and value >= self.low else None)
        return super().on_event(state, t, event)

    def enter(self, state, t, event):
        value = event.get(self.field)
        if value is None:
            return state, None
        kept = [e for e in state if e[0] > t - self.window][-(MAX_DWELL_ENTRIES - 1):] + [[t, value]]
        total = sum(v for _, v in kept)
        return kept, ({"total": total, "events": len(kept)} if total >= self.low else None)


class Count(Windowed):
    """``goal`` matching events in ``(t - window_ms, t]``. State: the times of the last ``goal`` of them
    (enough to decide), so at most ``goal`` numbers."""

    def enter(self, state, t, event):
        goal, window = self.raw["goal"], self.raw["window_ms"]
        kept = [x for x in state if x > t - window][-(goal - 1):] if goal > 1 else []
        kept.append(t)
        return kept, ({"count": len(kept), "first": iso(kept[0])} if len(kept) >= goal else None)


class DistinctDays(Windowed):
    """Matching events on ``goal`` distinct local days among the ``window_days`` days ending with the
    event's local day (day = calendar date in the spec's time zone). State: the day numbers (proleptic
    Gregorian ordinals) in that range, so at most ``window_days`` numbers."""

    def enter(self, state, t, event):
        day = local_day(t, self.zone)
        kept = [d for d in state if d > day - self.raw["window_days"] and d != day] + [day]
        kept.sort()
        if len(kept) < self.raw["goal"]:
            return kept, None
        return kept, {"days": [_dt.date.fromordinal(d).isoformat() for d in kept]}


class Sequence(Primitive):
    """A ``first`` event then a ``then`` event at most ``within_ms`` later (inclusive); an event matching
    both is a ``then`` for the earlier ``first`` and then a new ``first``; a ``then`` consumes its
    ``first``. State: the time of the latest unconsumed ``first`` (one number)."""

    def __init__(self, trigger: Trigger, zone: ZoneInfo) -> None:
        super().__init__(trigger, zone)
        self.first, self.then = compile_predicate(self.raw["first"]), compile_predicate(self.raw["then"])

    def on_event(self, state, t, event):
        values = None
        if state is not None and self.then(event):
            if t - state <= self.raw["within_ms"]:
                values = {"first": iso(state), "elapsed_ms": t - state}
            state = None
        if self.first(event):
            state = t
        return state, values


class Absence(Sequence):
    """A ``first`` event and no ``then`` event within ``within_ms``: the engine fires at
    ``first + within_ms`` (a timer, see :meth:`due`). A ``then`` at exactly that time still cancels. A
    ``first`` while one is pending does not restart it. State: the pending ``first`` time (one number)."""

    def on_event(self, state, t, event):
        if state is not None and self.then(event):
            state = None
        if state is None and self.first(event):
            state = t
        return state, None

    def due(self, state: Any) -> int | None:
        return None if state is None else state + self.raw["within_ms"]

    def expire(self, state: Any) -> dict[str, Any]:
        return {"first": iso(state), "waited_ms": self.raw["within_ms"]}


def local_day(t: int, zone: ZoneInfo) -> int:
    """The calendar date of epoch ms ``t`` in ``zone``, as a day number (DST-safe: zoneinfo's offsets)."""
    return (_EPOCH + _dt.timedelta(milliseconds=t)).astimezone(zone).date().toordinal()


_CLASSES: dict[str, type[Primitive]] = {"event": EventMatch, "dwell": Dwell, "count": Count,
                                        "distinct_days": DistinctDays, "sequence": Sequence, "absence": Absence}


def make_primitive(trigger: Trigger, zone: ZoneInfo) -> Primitive | None:
    """The event-driven primitive of a trigger; None for ``model`` and ``chain`` (the engine drives those)."""
    cls = _CLASSES.get(trigger.type)
    return cls(trigger, zone) if cls is not None else None
