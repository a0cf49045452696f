"""The reference trigger engine of one user (docs/triggers.md; mirrored in Kotlin and Swift).

Input arrives as :meth:`TriggerEngine.event`, :meth:`TriggerEngine.scores` (the model's latest output) and
:meth:`TriggerEngine.tick` (the clock). The *watermark* is the latest time seen (event, scores or tick)
minus the spec's allowed lateness: input older than the watermark is dropped and counted (``late``);
the rest waits in a reorder buffer and is processed in (time, arrival) order once the watermark reaches
it, so every primitive sees event time in order. An absence timer due at ``d`` fires once the watermark
is past ``d``, before the input after ``d``. The whole state is JSON (:meth:`to_state`,
:meth:`from_state`), so a restart mid-window continues exactly as if none had happened.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from dataclasses import dataclass, field
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from ...bundle import formats
from ...data.schema import NUMERIC, ProfileSchema
from ...errors import FinliteError
from .predicates import compile_condition, condition_values
from .primitives import Absence, iso, make_primitive
from .spec import TriggerSpec

__all__ = ["Firing", "TriggerEngine", "TriggerStateError", "spec_fingerprint"]

EVENT, SCORES = 0, 1  # kinds of buffered input
MAX_BUFFER = 10_000  # buffered inputs; beyond, the oldest is processed early (counted as forced)


class TriggerStateError(FinliteError, ValueError):
    """A persisted engine state that does not belong to this engine (format or spec changed)."""


@dataclass(frozen=True)
class Firing:
    """A trigger that fired: at event time ``time`` (epoch ms), for ``group`` (its ``group_by`` value)."""

    trigger: str
    time: int
    values: dict[str, Any] = field(default_factory=dict)
    group: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"trigger": self.trigger, "time": iso(self.time)}
        if self.group is not None:
            out["group"] = self.group
        out["values"] = self.values
        return out


def spec_fingerprint(spec: TriggerSpec) -> str:
    """sha256 of the spec's canonical JSON: a state is only valid for the spec that made it."""
    return hashlib.sha256(json.dumps(spec.raw, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class TriggerEngine:
    """Triggers of one user over one stream of events, scores and clock ticks."""

    def __init__(self, spec: TriggerSpec, schema: ProfileSchema) -> None:
        self.spec = spec
        zone = ZoneInfo(spec.time_zone)
        self._numeric = {f.name for f in schema.event_fields if f.kind == NUMERIC}
        self._stages, self._products = schema.labels.stages, schema.labels.products
        self._prims = {t.id: make_primitive(t, zone) for t in spec.triggers}
        self._conds = {t.id: compile_condition(t.raw[k], self._stages, self._products)
                       for t in spec.triggers for k in ("when", "condition") if k in t.raw}
        self._chains_of: dict[str, list[str]] = {}
        for t in spec.triggers:
            for step in (t.raw["steps"] if t.type == "chain" else ()):
                self._chains_of.setdefault(step, []).append(t.id)
        self._by_id = {t.id: t for t in spec.triggers}
        self._reset()

    def _reset(self) -> None:
        self.late = 0  # inputs dropped: older than the watermark
        self.forced = 0  # inputs processed before the watermark reached them (buffer full)
        self._latest: int | None = None  # latest time seen
        self._seq = 0
        self._buffer: list[tuple[int, int, int, Any]] = []  # heap of (time, seq, kind, payload)
        self._timers: list[tuple[int, str, str]] = []  # heap of (due, trigger, group)
        self._state: dict[str, dict[str, Any]] = {t.id: {} for t in self.spec.triggers}  # trigger -> group -> state
        self._fired: dict[str, dict[str, list[int]]] = {t.id: {} for t in self.spec.triggers}  # -> group -> [n, last]
        self._scores: dict[str, Any] | None = None

    # --- input ------------------------------------------------------------------------------------------
    def event(self, time_ms: int, fields: Mapping[str, Any]) -> list[Firing]:
        """One event (field name -> raw value); returns the firings it made final."""
        clean = {k: (float(v) if k in self._numeric and v not in (None, "") else v) for k, v in fields.items()}
        return self._input(int(time_ms), EVENT, clean)

    def scores(self, time_ms: int, scores: Mapping[str, Any]) -> list[Firing]:
        """The model's output at ``time_ms``: ``{"stage": {…}, "tags": {…}, "products": {…}}``."""
        return self._input(int(time_ms), SCORES, dict(scores))

    def tick(self, now_ms: int) -> list[Firing]:
        """The clock reads ``now_ms``: buffered input and timers up to the new watermark are processed."""
        self._see(int(now_ms))
        return self._advance()

    @property
    def watermark(self) -> int | None:
        return None if self._latest is None else self._latest - self.spec.allowed_lateness_ms

    def _see(self, t: int) -> None:
        self._latest = t if self._latest is None else max(self._latest, t)

    def _input(self, t: int, kind: int, payload: Any) -> list[Firing]:
        mark = self.watermark
        if mark is not None and t < mark:
            self.late += 1
            return []
        self._see(t)
        heapq.heappush(self._buffer, (t, self._seq, kind, payload))
        self._seq += 1
        out: list[Firing] = []
        while len(self._buffer) > MAX_BUFFER:
            self.forced += 1
            self._process(heapq.heappop(self._buffer), out)
        return self._advance(out)

    # --- processing in event-time order ----------------------------------------------------------------
    def _advance(self, out: list[Firing] | None = None) -> list[Firing]:
        out = [] if out is None else out
        mark = self.watermark
        if mark is None:
            return out
        buf, timers = self._buffer, self._timers
        while True:
            has_input = bool(buf) and buf[0][0] <= mark
            has_timer = bool(timers) and timers[0][0] < mark
            if has_timer and (not has_input or timers[0][0] < buf[0][0]):
                self._expire(heapq.heappop(timers), out)
            elif has_input:
                self._process(heapq.heappop(buf), out)
            else:
                break
        return out

    def _process(self, item: tuple[int, int, int, Any], out: list[Firing]) -> None:
        t, _, kind, payload = item
        if kind == SCORES:
            self._on_scores(t, payload, out)
            return
        for trig in self.spec.triggers:
            prim = self._prims[trig.id]
            if prim is None:
                continue
            group = str(payload.get(trig.group_by) or "") if trig.group_by else ""
            states = self._state[trig.id]
            before = states.get(group, prim.fresh())
            after, values = prim.on_event(before, t, payload)
            if after is None or after == []:
                states.pop(group, None)
            else:
                states[group] = after
            if isinstance(prim, Absence) and after is not None and after != before:
                heapq.heappush(self._timers, (prim.due(after), trig.id, group))
            if values is not None:
                self._fire(trig.id, group, t, values, out)

    def _expire(self, timer: tuple[int, str, str], out: list[Firing]) -> None:
        due, tid, group = timer
        prim = self._prims[tid]
        state = self._state[tid].get(group)
        if not isinstance(prim, Absence) or state is None or prim.due(state) != due:
            return  # cancelled or replaced
        del self._state[tid][group]
        self._fire(tid, group, due, prim.expire(state), out)

    def _on_scores(self, t: int, scores: dict[str, Any], out: list[Firing]) -> None:
        self._scores = scores
        for trig in self.spec.triggers:
            if trig.type != "model":
                continue
            now = self._conds[trig.id](scores)
            was = self._state[trig.id].get("", False)
            self._state[trig.id][""] = now
            if now and not was:
                self._fire(trig.id, "", t, condition_values(trig.raw["condition"], scores, self._stages, self._products), out)

    def _fire(self, tid: str, group: str, t: int, values: dict[str, Any], out: list[Firing]) -> None:
        trig = self._by_id[tid]
        if "when" in trig.raw and not self._conds[tid](self._scores):
            return
        record = self._fired[tid].get(group)
        if record is not None:
            if trig.max_firings is not None and record[0] >= trig.max_firings:
                return
            if t < record[1] + trig.cooldown_ms:
                return
        self._fired[tid][group] = [1 if record is None else record[0] + 1, t]
        out.append(Firing(tid, t, values, group if trig.group_by else None))
        for chain in self._chains_of.get(tid, ()):
            self._chain_step(chain, tid, t, out)

    def _chain_step(self, cid: str, step: str, t: int, out: list[Firing]) -> None:
        """Chain progress: ``[times of the steps so far]``; a step late beyond ``within_ms`` restarts it."""
        raw = self._by_id[cid].raw
        steps, within = raw["steps"], raw["within_ms"]
        times = self._state[cid].get("", [])
        if times and t - times[0] > within:
            times = []
        if steps[len(times)] == step:
            times = [*times, t]
        elif steps[0] == step:
            times = [t]
        if len(times) == len(steps):
            self._state[cid].pop("", None)
            self._fire(cid, "", t, {"steps": [iso(x) for x in times]}, out)
        elif times:
            self._state[cid][""] = times

    # --- persistence ------------------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """Everything needed to continue: JSON, versioned, tied to the spec by its fingerprint."""
        return {
            "format": formats.TRIGGER_STATE, "spec_sha256": spec_fingerprint(self.spec),
            "latest": self._latest, "seq": self._seq, "late": self.late, "forced": self.forced,
            "buffer": [list(item) for item in sorted(self._buffer)],
            "scores": self._scores,
            "triggers": {tid: {"state": self._state[tid], "fired": self._fired[tid]} for tid in self._state
                         if self._state[tid] or self._fired[tid]},
        }

    @classmethod
    def from_state(cls, spec: TriggerSpec, schema: ProfileSchema, data: Mapping[str, Any]) -> "TriggerEngine":
        """An engine continuing from :meth:`to_state`'s output; a state of another spec is refused."""
        if not isinstance(data, Mapping) or data.get("format") != formats.TRIGGER_STATE:
            raise TriggerStateError(f"trigger state: unsupported format (this finlite reads {formats.TRIGGER_STATE!r})")
        engine = cls(spec, schema)
        if data.get("spec_sha256") != spec_fingerprint(spec):
            raise TriggerStateError("trigger state: it was saved for another trigger spec (spec_sha256 differs)")
        engine._latest, engine._seq = data["latest"], int(data["seq"])
        engine.late, engine.forced = int(data["late"]), int(data["forced"])
        engine._buffer = [tuple(item) for item in data["buffer"]]  # sorted, hence a heap
        engine._scores = data["scores"]
        for tid, saved in data["triggers"].items():
            if tid not in engine._state:
                raise TriggerStateError(f"trigger state: unknown trigger {tid!r}")
            engine._state[tid] = dict(saved["state"])
            engine._fired[tid] = {g: list(r) for g, r in saved["fired"].items()}
            prim = engine._prims[tid]
            if isinstance(prim, Absence):
                for group, start in engine._state[tid].items():
                    heapq.heappush(engine._timers, (prim.due(start), tid, group))
        return engine
