"""Reading and checking an offer policy (format ``finlite.policy/1``, documented in docs/policy.md).

A policy is checked against the bundle's data schema: an offer on a product the model does not rank, a
condition on an attribute the users do not have, a risk level suitability does not know, a cap on an unknown
channel or experiment shares that do not add up to 10,000 buckets are refused with one line naming the offer and
the field and ending in a stable code the Kotlin and Swift readers share (tests/golden/policy/negative.json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ...bundle import formats
from ...data.schema import CATEGORICAL, MULTI, NUMERIC, ProfileSchema
from ..spec_reading import SpecError, SpecReader

__all__ = ["Arm", "BUCKETS", "Cap", "Channel", "Offer", "Policy", "PolicySpecError", "parse_policy"]

BUCKETS = 10_000
PERIODS = ("day", "week", "month", "ever")
SCOPES = ("global", "offer", "category", "channel")
RANKINGS = ("propensity_x_value", "value")
ATTRIBUTE_OPS = {CATEGORICAL: ("in", "not_in"), MULTI: ("in", "not_in"), NUMERIC: ("lt", "le", "gt", "ge")}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
LIMITS = {"channels": 16, "offers": 1024, "caps": 64, "slots": 16, "arms": 16}


class PolicySpecError(SpecError):
    """A policy that cannot be used; ``code`` names the rule (shared with Kotlin and Swift)."""


@dataclass(frozen=True)
class Channel:
    id: str
    min_interval_ms: int = 0
    quiet_hours: tuple[int, int] | None = None  # (from, to) in minutes of the local day


@dataclass(frozen=True)
class Offer:
    id: str
    product: str
    category: str
    channels: tuple[str, ...]
    value: float
    why: str
    risk: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    triggers: tuple[str, ...] | None = None
    eligible: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Cap:
    scope: str
    max: int
    match: str | None = None
    window_ms: int | None = None
    per: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Arm:
    id: str
    start: int  # first bucket
    buckets: int
    scores: str = "default"
    holdout: bool = False
    model: bool = True
    lam: float | None = None
    by: str | None = None


@dataclass(frozen=True)
class Policy:
    """A checked policy; ``categories`` in order of first appearance among the offers."""

    time_zone: str
    channels: tuple[Channel, ...]
    offers: tuple[Offer, ...]
    caps: tuple[Cap, ...]
    arms: tuple[Arm, ...]
    categories: tuple[str, ...]
    suitability: tuple[str, tuple[str, ...]] | None = None  # (attribute, levels lowest first)
    holdings: str | None = None
    by: str = "propensity_x_value"
    slots: int = 1
    lam: float = 0.0
    history_ms: int = 0
    dedup_window_ms: int = 0
    salt: str = ""

    @cached_property
    def channels_by_id(self) -> dict[str, Channel]:
        return {c.id: c for c in self.channels}


def parse_policy(data: Any, schema: ProfileSchema, where: str = "policy") -> Policy:
    """Check ``data`` (parsed JSON) against ``schema``; every problem is a one-line PolicySpecError."""
    return _Reader(schema, where).policy(data)


class _Reader(SpecReader):
    owner = "offer"
    error = PolicySpecError

    def __init__(self, schema: ProfileSchema, where: str) -> None:
        super().__init__(where)
        self.schema = schema
        self.users = {f.name: f for f in schema.user_fields}

    def policy(self, data: Any) -> Policy:
        if not isinstance(data, dict):
            raise self.fail("bad_type", None, "", "a policy is a JSON object")
        self.keys(data, None, "", ("format", "time_zone", "channels", "offers"),
                  ("description", "suitability", "holdings", "ranking", "caps", "dedup_window_ms", "experiment"))
        if data["format"] != formats.POLICY:
            raise self.fail("bad_format", None, "format", f"unsupported format {data['format']!r} (this finlite reads {formats.POLICY!r})")
        zone = self.zone(data["time_zone"])
        channels = self.channels(data["channels"])
        suitability = self.suitability(data["suitability"]) if "suitability" in data else None
        holdings = self.user_field(data["holdings"], None, "holdings", (MULTI,)) if "holdings" in data else None
        self.channel_ids = [c.id for c in channels]
        self.levels = suitability[1] if suitability else None
        offers = self.listed(data["offers"], "offers", self.offer, LIMITS["offers"], allow_empty=False)
        self.unique([o.id for o in offers], "offers", "offer")
        ranking = data.get("ranking", {})
        if not isinstance(ranking, dict):
            raise self.fail("bad_type", None, "ranking", "ranking is a JSON object")
        self.keys(ranking, None, "ranking.", (), ("by", "slots", "lambda", "history_ms"))
        caps = self.listed(data.get("caps", []), "caps", self.cap, LIMITS["caps"])
        salt, arms = self.experiment(data["experiment"]) if "experiment" in data else ("", (Arm("default", 0, BUCKETS),))
        categories = tuple(dict.fromkeys(o.category for o in offers))
        return Policy(
            zone, channels, offers, caps, arms, categories, suitability, holdings,
            by=self.ranking_by(ranking.get("by", "propensity_x_value"), "ranking.by"),
            slots=self.count(ranking.get("slots", 1), None, "ranking.slots", LIMITS["slots"]),
            lam=self.number(ranking.get("lambda", 0.0), None, "ranking.lambda", 0.0, 1.0),
            history_ms=self.duration(ranking.get("history_ms", 0), None, "ranking.history_ms"),
            dedup_window_ms=self.duration(data.get("dedup_window_ms", 0), None, "dedup_window_ms"),
            salt=salt)

    # --- helpers ----------------------------------------------------------------------------------------
    def listed(self, items: Any, path: str, read, limit: int, allow_empty: bool = True) -> tuple:
        if not isinstance(items, list) or (not items and not allow_empty):
            raise self.fail("bad_type", None, path, f"a {'non-empty ' if not allow_empty else ''}list is needed")
        if len(items) > limit:
            raise self.fail("too_many", None, path, f"{len(items)} entries, more than {limit}")
        return tuple(read(item, i) for i, item in enumerate(items))

    def unique(self, ids: list[str], path: str, what: str) -> None:
        for i, x in enumerate(ids):
            if x in ids[:i]:
                raise self.fail("duplicate_id", None, f"{path}[{i}].id", f"{what} id {x!r} is used twice")

    def user_field(self, name: Any, owner: str | None, path: str, kinds: tuple[str, ...]):
        f = self.users.get(name) if isinstance(name, str) else None
        if f is None:
            raise self.fail("unknown_field", owner, path, f"the users have no attribute {name!r}")
        if f.kind not in kinds:
            raise self.fail("wrong_kind", owner, path, f"{name!r} is {f.kind}; expected {' or '.join(kinds)}")
        return f.name

    def ranking_by(self, value: Any, path: str, owner: str | None = None) -> str:
        if value not in RANKINGS:
            raise self.fail("unknown_value", owner, path, f"{value!r}; expected one of {list(RANKINGS)}")
        return value

    def minutes(self, value: Any, path: str) -> int:
        m = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
        if m is None:
            raise self.fail("bad_time", None, path, f"{value!r} is not a time of day HH:MM")
        return int(m.group(1)) * 60 + int(m.group(2))

    def date(self, value: Any, owner: str, path: str) -> str:
        import datetime as dt

        try:
            if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
                raise ValueError
            dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail("bad_time", owner, path, f"{value!r} is not a date YYYY-MM-DD") from None
        return value

    # --- sections ---------------------------------------------------------------------------------------
    def channels(self, items: Any) -> tuple[Channel, ...]:
        def read(item: Any, i: int) -> Channel:
            path = f"channels[{i}]"
            if not isinstance(item, dict):
                raise self.fail("bad_type", None, path, "a channel is a JSON object")
            self.keys(item, None, f"{path}.", ("id",), ("min_interval_ms", "quiet_hours", "description"))
            quiet = None
            if "quiet_hours" in item:
                q = item["quiet_hours"]
                if not isinstance(q, dict):
                    raise self.fail("bad_time", None, f"{path}.quiet_hours", "quiet hours are {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}")
                self.keys(q, None, f"{path}.quiet_hours.", ("from", "to"), ())
                quiet = (self.minutes(q["from"], f"{path}.quiet_hours.from"), self.minutes(q["to"], f"{path}.quiet_hours.to"))
                if quiet[0] == quiet[1]:
                    raise self.fail("bad_time", None, f"{path}.quiet_hours", "from and to are equal")
            return Channel(self.ident(item["id"], None, f"{path}.id"),
                           self.duration(item.get("min_interval_ms", 0), None, f"{path}.min_interval_ms"), quiet)

        channels = self.listed(items, "channels", read, LIMITS["channels"], allow_empty=False)
        self.unique([c.id for c in channels], "channels", "channel")
        return channels

    def suitability(self, s: Any) -> tuple[str, tuple[str, ...]]:
        if not isinstance(s, dict):
            raise self.fail("bad_type", None, "suitability", "suitability is {\"attribute\": A, \"levels\": [...]}")
        self.keys(s, None, "suitability.", ("attribute", "levels"), ())
        name = self.user_field(s["attribute"], None, "suitability.attribute", (CATEGORICAL,))
        levels = s["levels"]
        vocabulary = self.users[name].values
        if not isinstance(levels, list) or not levels or len(set(map(str, levels))) != len(levels):
            raise self.fail("bad_type", None, "suitability.levels", "a non-empty list of distinct levels is needed")
        for j, v in enumerate(levels):
            if not isinstance(v, str) or v not in vocabulary:
                raise self.fail("unknown_value", None, f"suitability.levels[{j}]", f"{v!r} is not in the vocabulary of {name!r}")
        return name, tuple(levels)

    def offer(self, item: Any, i: int) -> Offer:
        if not isinstance(item, dict):
            raise self.fail("bad_type", None, f"offers[{i}]", "an offer is a JSON object")
        oid = self.ident(item.get("id"), None, f"offers[{i}].id")
        self.keys(item, oid, "", ("id", "product", "category", "channels", "value", "why"),
                  ("risk", "valid_from", "valid_until", "triggers", "eligible", "description"))
        if item["product"] not in self.schema.labels.products:
            raise self.fail("unknown_value", oid, "product", f"{item['product']!r} is not a product of the model")
        channels = item["channels"]
        if not isinstance(channels, list) or not channels:
            raise self.fail("bad_type", oid, "channels", "a non-empty list of channel ids is needed")
        for j, c in enumerate(channels):
            if c not in self.channel_ids:
                raise self.fail("unknown_channel", oid, f"channels[{j}]", f"{c!r} is not a channel of this policy")
        why = item["why"]
        if not isinstance(why, str) or not 1 <= len(why) <= 500:
            raise self.fail("bad_type", oid, "why", "the why text is 1 to 500 characters")
        risk = item.get("risk")
        if risk is not None:
            if self.levels is None:
                raise self.fail("missing_key", oid, "risk", "an offer with a risk needs the policy's suitability")
            if risk not in self.levels:
                raise self.fail("unknown_value", oid, "risk", f"{risk!r} is not a level of suitability.levels")
        triggers = item.get("triggers")
        if triggers is not None:
            if not isinstance(triggers, list) or not triggers:
                raise self.fail("bad_type", oid, "triggers", "a non-empty list of trigger ids is needed")
            for j, t in enumerate(triggers):
                self.ident(t, oid, f"triggers[{j}]")
            triggers = tuple(triggers)
        dates = {k: self.date(item[k], oid, k) for k in ("valid_from", "valid_until") if k in item}
        if len(dates) == 2 and dates["valid_from"] > dates["valid_until"]:
            raise self.fail("bad_time", oid, "valid_until", "is before valid_from")
        eligible = item.get("eligible", [])
        if not isinstance(eligible, list):
            raise self.fail("bad_type", oid, "eligible", "a list of conditions is needed")
        for j, c in enumerate(eligible):
            self.condition(c, oid, f"eligible[{j}]")
        value = self.number(item["value"], oid, "value")
        if value <= 0:
            raise self.fail("bad_type", oid, "value", f"the value weight must be > 0, got {value!r}")
        return Offer(oid, item["product"], self.ident(item["category"], oid, "category"), tuple(channels), value,
                     why, risk, dates.get("valid_from"), dates.get("valid_until"), triggers, tuple(eligible))

    def condition(self, c: Any, oid: str, path: str) -> None:
        labels = self.schema.labels
        if not isinstance(c, dict) or not c:
            raise self.fail("bad_condition", oid, path, "a condition is a JSON object")
        if "stage" in c:
            self.keys(c, oid, f"{path}.", ("stage",), ())
            stages = c["stage"]
            if not isinstance(stages, list) or not stages:
                raise self.fail("bad_condition", oid, f"{path}.stage", "a non-empty list of stages is needed")
            for s in stages:
                if s not in labels.stages:
                    raise self.fail("unknown_value", oid, f"{path}.stage", f"{s!r} is not a stage of the model {list(labels.stages)}")
        elif "tag" in c:
            self.keys(c, oid, f"{path}.", ("tag",), ("min", "max"))
            if c["tag"] not in self.schema.tag_names:
                raise self.fail("unknown_value", oid, f"{path}.tag", f"{c['tag']!r} is not a tag of the model")
            if "min" not in c and "max" not in c:
                raise self.fail("missing_key", oid, f"{path}.min", "a tag condition needs min, max or both")
            for k in ("min", "max"):
                if k in c:
                    self.number(c[k], oid, f"{path}.{k}", 0.0, 1.0)
        elif "propensity_min" in c:
            self.keys(c, oid, f"{path}.", ("propensity_min",), ())
            self.number(c["propensity_min"], oid, f"{path}.propensity_min", 0.0, 1.0)
        elif "top_k" in c:
            self.keys(c, oid, f"{path}.", ("top_k",), ())
            self.count(c["top_k"], oid, f"{path}.top_k", len(labels.products))
        elif "attribute" in c:
            f = self.users.get(c["attribute"]) if isinstance(c["attribute"], str) else None
            if f is None:
                raise self.fail("unknown_field", oid, f"{path}.attribute", f"the users have no attribute {c['attribute']!r}")
            ops = [k for k in c if k != "attribute"]
            if len(ops) != 1 or ops[0] not in ATTRIBUTE_OPS[f.kind]:
                raise self.fail("wrong_kind", oid, path, f"{f.name!r} is {f.kind}; one of {list(ATTRIBUTE_OPS[f.kind])} is needed")
            value = c[ops[0]]
            if f.kind == NUMERIC:
                self.number(value, oid, f"{path}.{ops[0]}")
            else:
                if not isinstance(value, list) or not value:
                    raise self.fail("bad_condition", oid, f"{path}.{ops[0]}", "a non-empty list of values is needed")
                for v in value:
                    if not isinstance(v, str) or v not in f.values:
                        raise self.fail("unknown_value", oid, f"{path}.{ops[0]}", f"{v!r} is not in the vocabulary of {f.name!r}")
        else:
            raise self.fail("bad_condition", oid, path, "expected one of {stage}, {tag, min|max}, {propensity_min}, {top_k}, {attribute, op}")

    def cap(self, item: Any, i: int) -> Cap:
        path = f"caps[{i}]"
        if not isinstance(item, dict):
            raise self.fail("bad_type", None, path, "a cap is a JSON object")
        self.keys(item, None, f"{path}.", ("scope", "max"), ("match", "window_ms", "per", "description"))
        scope = item["scope"]
        if scope not in SCOPES:
            raise self.fail("unknown_value", None, f"{path}.scope", f"{scope!r}; expected one of {list(SCOPES)}")
        match = item.get("match")
        if match is not None:
            if scope == "global":
                raise self.fail("unknown_key", None, f"{path}.match", "a global cap has no match")
            if scope == "channel" and match not in self.channel_ids:
                raise self.fail("unknown_channel", None, f"{path}.match", f"{match!r} is not a channel of this policy")
            self.ident(match, None, f"{path}.match")
        if ("window_ms" in item) == ("per" in item):
            raise self.fail("missing_key", None, f"{path}.per", "a cap needs exactly one of window_ms and per")
        if "per" in item and item["per"] not in PERIODS:
            raise self.fail("unknown_value", None, f"{path}.per", f"{item['per']!r}; expected one of {list(PERIODS)}")
        window = self.duration(item["window_ms"], None, f"{path}.window_ms", positive=True) if "window_ms" in item else None
        return Cap(scope, self.count(item["max"], None, f"{path}.max", low=0), match, window, item.get("per"),
                   str(item.get("description", "")))

    def experiment(self, e: Any) -> tuple[str, tuple[Arm, ...]]:
        if not isinstance(e, dict):
            raise self.fail("bad_type", None, "experiment", "an experiment is {\"salt\": S, \"arms\": [...]}")
        self.keys(e, None, "experiment.", ("salt", "arms"), ("description",))
        if not isinstance(e["salt"], str) or not e["salt"]:
            raise self.fail("bad_type", None, "experiment.salt", "the salt is a non-empty string")
        start = 0

        def read(item: Any, i: int) -> Arm:
            nonlocal start
            path = f"experiment.arms[{i}]"
            if not isinstance(item, dict):
                raise self.fail("bad_type", None, path, "an arm is a JSON object")
            self.keys(item, None, f"{path}.", ("id", "buckets"), ("scores", "holdout", "model", "lambda", "by", "description"))
            for k in ("holdout", "model"):
                if k in item and not isinstance(item[k], bool):
                    raise self.fail("bad_type", None, f"{path}.{k}", "true or false")
            arm = Arm(self.ident(item["id"], None, f"{path}.id"), start,
                      self.count(item["buckets"], None, f"{path}.buckets", BUCKETS),
                      self.ident(item.get("scores", "default"), None, f"{path}.scores"),
                      item.get("holdout", False), item.get("model", True),
                      self.number(item["lambda"], None, f"{path}.lambda", 0.0, 1.0) if "lambda" in item else None,
                      self.ranking_by(item["by"], f"{path}.by") if "by" in item else None)
            start += arm.buckets
            return arm

        arms = self.listed(e["arms"], "experiment.arms", read, LIMITS["arms"], allow_empty=False)
        self.unique([a.id for a in arms], "experiment.arms", "arm")
        if start != BUCKETS:
            raise self.fail("bad_buckets", None, "experiment.arms", f"the arms' buckets sum to {start}, not {BUCKETS}")
        return e["salt"], arms
