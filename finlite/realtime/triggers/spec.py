"""Reading and checking a trigger spec (format ``finlite.triggers/1``, documented in docs/triggers.md).

A spec is checked against the bundle's data schema: a predicate on a field the events do not have, a
vocabulary value the field does not know, a stage, tag or product the model does not predict, a negative
duration or a cycle in ``chain`` is refused with a one-line :class:`TriggerSpecError` naming the trigger
and the field, and carrying a stable ``code`` that the Kotlin and Swift readers share (the negative
golden cases in tests/golden/triggers/negative/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...bundle import formats
from ...data.schema import CATEGORICAL, NUMERIC, ProfileSchema
from ..spec_reading import SpecError, SpecReader

__all__ = ["TYPES", "Trigger", "TriggerSpec", "TriggerSpecError", "parse_spec"]

# type -> keys it requires besides "id" and "type", and keys it may have
TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "event": (("match",), ()),
    "dwell": (("match", "field", "min_ms"), ("window_ms", "unless")),
    "count": (("match", "goal", "window_ms"), ("unless",)),
    "distinct_days": (("match", "goal", "window_days"), ("unless",)),
    "sequence": (("first", "then", "within_ms"), ()),
    "absence": (("first", "then", "within_ms"), ()),
    "model": (("condition",), ()),
    "chain": (("steps", "within_ms"), ()),
}
COMMON = ("id", "type", "description", "cooldown_ms", "max_firings", "when", "group_by")
OPS_CATEGORICAL = ("eq", "ne", "in", "not_in")
OPS_NUMERIC = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
MAX_TRIGGERS = 256
MAX_WINDOW_DAYS = 366


class TriggerSpecError(SpecError):
    """A trigger spec that cannot be used; ``code`` names the rule (shared with Kotlin and Swift)."""


@dataclass(frozen=True)
class Trigger:
    """One trigger as written (checked); ``raw`` keeps its JSON for the engine and the state fingerprint."""

    id: str
    type: str
    raw: dict[str, Any]
    cooldown_ms: int = 0
    max_firings: int | None = None
    group_by: str | None = None


@dataclass(frozen=True)
class TriggerSpec:
    """A checked spec: its time zone, allowed lateness and triggers (chains after the triggers they use)."""

    time_zone: str
    allowed_lateness_ms: int
    triggers: tuple[Trigger, ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def parse_spec(data: Any, schema: ProfileSchema, where: str = "spec") -> TriggerSpec:
    """Check ``data`` (parsed JSON) against ``schema``; every problem is a one-line TriggerSpecError."""
    return _Reader(schema, where).spec(data)


class _Reader(SpecReader):
    owner = "trigger"
    error = TriggerSpecError

    def __init__(self, schema: ProfileSchema, where: str) -> None:
        super().__init__(where)
        self.schema = schema
        self.fields = {f.name: f for f in schema.event_fields}

    # --- the document -----------------------------------------------------------------------------------
    def spec(self, data: Any) -> TriggerSpec:
        if not isinstance(data, dict):
            raise self.fail("bad_type", None, "", "a trigger spec is a JSON object")
        self.keys(data, None, "", ("format", "time_zone", "triggers"), ("allowed_lateness_ms", "description"))
        if data["format"] != formats.TRIGGERS:
            raise self.fail("bad_format", None, "format", f"unsupported format {data['format']!r} (this finlite reads {formats.TRIGGERS!r})")
        zone = self.zone(data["time_zone"])
        lateness = self.duration(data.get("allowed_lateness_ms", 0), None, "allowed_lateness_ms")
        items = data["triggers"]
        if not isinstance(items, list) or not items:
            raise self.fail("bad_type", None, "triggers", "a non-empty list of triggers is needed")
        if len(items) > MAX_TRIGGERS:
            raise self.fail("too_many", None, "triggers", f"{len(items)} triggers, more than {MAX_TRIGGERS}")
        triggers = [self.trigger(item, i) for i, item in enumerate(items)]
        ids = [t.id for t in triggers]
        for i, tid in enumerate(ids):
            if tid in ids[:i]:
                raise self.fail("duplicate_id", tid, f"triggers[{i}].id", f"id {tid!r} is used twice")
        ordered = self.chain_order(triggers)
        return TriggerSpec(zone, lateness, tuple(ordered), data)

    # --- one trigger ------------------------------------------------------------------------------------
    def trigger(self, item: Any, i: int) -> Trigger:
        if not isinstance(item, dict):
            raise self.fail("bad_type", None, f"triggers[{i}]", "a trigger is a JSON object")
        tid = self.ident(item.get("id"), None, f"triggers[{i}].id")
        kind = item.get("type")
        if kind not in TYPES:
            raise self.fail("unknown_type", tid, "type", f"unknown type {kind!r}; expected one of {list(TYPES)}")
        required, optional = TYPES[kind]
        self.keys(item, tid, "", ("id", "type", *required), (*COMMON, *optional))
        cooldown = self.duration(item.get("cooldown_ms", 0), tid, "cooldown_ms")
        cap = self.count(item["max_firings"], tid, "max_firings") if "max_firings" in item else None
        group = item.get("group_by")
        if group is not None:
            if kind in ("model", "chain"):
                raise self.fail("unknown_key", tid, "group_by", f"a {kind} trigger has no group_by")
            f = self.fields.get(group)
            if f is None:
                raise self.fail("unknown_field", tid, "group_by", f"the events have no field {group!r}")
            if f.kind != CATEGORICAL:
                raise self.fail("wrong_kind", tid, "group_by", f"{group!r} is {f.kind}; group_by needs a categorical field")
        for key in ("match", "unless", "first", "then"):
            if key in item:
                self.predicate(item[key], tid, key)
        for key in ("window_ms", "within_ms", "min_ms"):
            if key in item:
                self.duration(item[key], tid, key, positive=True)
        if "goal" in item:
            self.count(item["goal"], tid, "goal")
        if "window_days" in item:
            self.count(item["window_days"], tid, "window_days", MAX_WINDOW_DAYS)
        if kind == "dwell":
            f = self.fields.get(item["field"])
            if f is None:
                raise self.fail("unknown_field", tid, "field", f"the events have no field {item['field']!r}")
            if f.kind != NUMERIC:
                raise self.fail("wrong_kind", tid, "field", f"{f.name!r} is {f.kind}; dwell needs a numeric field")
            if "unless" in item and "window_ms" not in item:
                raise self.fail("unknown_key", tid, "unless", "unless needs window_ms (a total dwell)")
        for key in ("condition", "when"):
            if key in item:
                self.condition(item[key], tid, key)
        if kind == "chain":
            steps = item["steps"]
            if not isinstance(steps, list) or len(steps) < 2 or not all(isinstance(s, str) for s in steps):
                raise self.fail("bad_type", tid, "steps", "a chain needs a list of at least 2 trigger ids")
        return Trigger(tid, kind, item, cooldown, cap, group)

    def predicate(self, p: Any, tid: str, path: str) -> None:
        if not isinstance(p, dict) or len(p) == 0:
            raise self.fail("bad_predicate", tid, path, "a predicate is a JSON object")
        if "and" in p or "or" in p:
            key = "and" if "and" in p else "or"
            if len(p) != 1 or not isinstance(p[key], list) or not p[key]:
                raise self.fail("bad_predicate", tid, path, f"{key!r} takes a non-empty list and nothing else")
            for i, sub in enumerate(p[key]):
                self.predicate(sub, tid, f"{path}.{key}[{i}]")
            return
        if "not" in p:
            if len(p) != 1:
                raise self.fail("bad_predicate", tid, path, "'not' takes one predicate and nothing else")
            self.predicate(p["not"], tid, f"{path}.not")
            return
        name = p.get("field")
        ops = [k for k in p if k != "field"]
        if not isinstance(name, str) or len(ops) != 1:
            raise self.fail("bad_predicate", tid, path, "a comparison is {\"field\": name, op: value} with one op")
        f = self.fields.get(name)
        if f is None:
            raise self.fail("unknown_field", tid, f"{path}.field", f"the events have no field {name!r}")
        op, value = ops[0], p[ops[0]]
        allowed = OPS_NUMERIC if f.kind == NUMERIC else OPS_CATEGORICAL
        if op not in allowed:
            raise self.fail("wrong_kind", tid, f"{path}.{op}", f"{name!r} is {f.kind}; its operators are {list(allowed)}")
        values = value if op in ("in", "not_in") else [value]
        if op in ("in", "not_in") and (not isinstance(value, list) or not value):
            raise self.fail("bad_predicate", tid, f"{path}.{op}", f"{op!r} takes a non-empty list")
        for v in values:
            if f.kind == NUMERIC:
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise self.fail("bad_type", tid, f"{path}.{op}", f"{name!r} is numeric; {v!r} is not a number")
            elif not isinstance(v, str) or v not in f.values:
                raise self.fail("unknown_value", tid, f"{path}.{op}", f"{v!r} is not in the vocabulary of {name!r}")

    def condition(self, c: Any, tid: str, path: str) -> None:
        labels = self.schema.labels
        if not isinstance(c, dict):
            raise self.fail("bad_condition", tid, path, "a model condition is a JSON object")
        if "stage" in c:
            self.keys(c, tid, f"{path}.", ("stage",), ())
            if c["stage"] not in labels.stages:
                raise self.fail("unknown_value", tid, f"{path}.stage", f"{c['stage']!r} is not a stage of the model {list(labels.stages)}")
        elif "tag" in c:
            self.keys(c, tid, f"{path}.", ("tag", "min"), ())
            if c["tag"] not in self.schema.tag_names:
                raise self.fail("unknown_value", tid, f"{path}.tag", f"{c['tag']!r} is not a tag of the model")
            m = c["min"]
            if isinstance(m, bool) or not isinstance(m, (int, float)) or not 0 <= m <= 1:
                raise self.fail("bad_type", tid, f"{path}.min", f"{m!r} must be a score in [0, 1]")
        elif "product" in c:
            self.keys(c, tid, f"{path}.", ("product", "top_k"), ())
            if c["product"] not in labels.products:
                raise self.fail("unknown_value", tid, f"{path}.product", f"{c['product']!r} is not a product of the model")
            self.count(c["top_k"], tid, f"{path}.top_k", len(labels.products))
        else:
            raise self.fail("bad_condition", tid, path, "expected one of {stage}, {tag, min}, {product, top_k}")

    def chain_order(self, triggers: list[Trigger]) -> list[Trigger]:
        """Triggers with every chain after the triggers it references; a cycle is refused."""
        by_id = {t.id: t for t in triggers}
        for t in triggers:
            for j, step in enumerate(t.raw.get("steps", ()) if t.type == "chain" else ()):
                if step not in by_id:
                    raise self.fail("unknown_trigger", t.id, f"steps[{j}]", f"no trigger {step!r} in this spec")
        done: dict[str, bool] = {}  # id -> finished (False while on the path)
        order: list[Trigger] = []

        def visit(t: Trigger, path: list[str]) -> None:
            if done.get(t.id) is False:
                raise self.fail("chain_cycle", t.id, "steps", "cycle " + " -> ".join([*path[path.index(t.id):], t.id]))
            if t.id in done:
                return
            done[t.id] = False
            for step in (t.raw["steps"] if t.type == "chain" else ()):
                visit(by_id[step], [*path, t.id])
            done[t.id] = True
            order.append(t)

        for t in triggers:
            visit(t, [])
        return order

