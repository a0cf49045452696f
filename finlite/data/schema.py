"""The data schema of profile models (format ``finlite.schema/1``, documented in ``docs/schema.md``).

A schema says which file column plays which role (user id, timestamp, stage, next product), which event
fields and user attributes there are and of what kind (categorical with a vocabulary, numeric with a
transform, multi-valued), the tags and the stages. ``finlite schema infer`` writes one from the bank's
files (:mod:`finlite.data.schema_infer`); a person may edit it; training encodes with it, and the bundle
carries it in preprocess.json so that the apps read the same vocabularies. Nothing about a bank's event
names, tags or stages is a constant in finlite.

Ids of a categorical field: 0 = missing (an empty cell; also the padding of event rows), 1 = out of
vocabulary, 2.. = ``values`` in order. The field with ``role: "event"`` (the event name) maps an empty
cell to 1, so that a real event is never 0 (the event mask is ``cat[..., 0] != 0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..bundle import formats
from ..errors import FinliteError

__all__ = [
    "CATEGORICAL", "FIRST_ID", "KINDS", "MISSING_ID", "MULTI", "NUMERIC", "OOV_ID", "TRANSFORMS",
    "Field", "Labels", "ProfileSchema", "SchemaError", "Tag",
]

MISSING_ID, OOV_ID, FIRST_ID = 0, 1, 2
CATEGORICAL, NUMERIC, MULTI = "categorical", "numeric", "multi"
KINDS = (CATEGORICAL, NUMERIC, MULTI)
# raw value v (after clipping) -> the value that is normalised; log1p: a negative v counts as missing
TRANSFORMS = {"log1p": "log1p(v), v >= 0 (a negative value is missing)", "signed_log1p": "sign(v) * log1p(|v|)",
              "identity": "v"}
DEFAULT_MAX_VALUES = 1000


class SchemaError(FinliteError, ValueError):
    """A schema file or value that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Field:
    """One event field or user attribute.

    ``name`` is how tensors, reports and apps call it; ``column`` the column in the file (default: the
    name). Categorical and multi fields have ``values`` (their vocabulary, ids from 2 in this order),
    optional ``counts`` (rows per value when inferred) and ``max_values`` (the largest vocabulary
    allowed). Numeric fields have a ``transform``, optional ``clip`` ``[low, high]`` applied first, and
    optional validity bounds ``min`` / ``max`` (a value outside is a data error naming the row).
    """

    name: str
    kind: str
    column: str = ""
    role: str = ""  # "event" for the event-name field (events only)
    values: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    max_values: int = DEFAULT_MAX_VALUES
    separator: str = ";"
    transform: str = "log1p"
    clip: tuple[float, float] | None = None
    min: float | None = None
    max: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", self.name)

    @property
    def vocab_size(self) -> int:
        """Ids of a categorical field incl. missing and OOV."""
        return len(self.values) + FIRST_ID

    def ids(self) -> dict[str, int]:
        return {v: FIRST_ID + i for i, v in enumerate(self.values)}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.column != self.name:
            out["column"] = self.column
        if self.role:
            out["role"] = self.role
        if self.description:
            out["description"] = self.description
        if self.kind == NUMERIC:
            out["transform"] = self.transform
            for key in ("clip", "min", "max"):
                value = getattr(self, key)
                if value is not None:
                    out[key] = list(value) if key == "clip" else value
        else:
            if self.kind == MULTI:
                out["separator"] = self.separator
            out["max_values"] = self.max_values
            out["values"] = list(self.values)
            if self.counts:
                out["counts"] = list(self.counts)
        return out


@dataclass(frozen=True)
class Tag:
    """A tag: a label column of scores in [0, 1] and an output of the model."""

    name: str
    column: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", self.name)


@dataclass(frozen=True)
class Labels:
    """The labels file: its role columns, the stages, the tags and the products a user may buy next.

    ``no_purchase`` is the next-product value (besides an empty cell) that means "bought nothing in the
    horizon"; ``stages_ordered`` says whether ``stages`` has a meaningful order (shown in reports only).
    """

    stages: tuple[str, ...]
    tags: tuple[Tag, ...]
    products: tuple[str, ...]
    user_id: str = "user_id"
    stage: str = "lifecycle"
    next_product: str = "next_product"
    no_purchase: str = "none"
    stages_ordered: bool = False


@dataclass(frozen=True)
class ProfileSchema:
    """Events, user attributes and labels of one bank's data (see the module docstring)."""

    event_fields: tuple[Field, ...]
    user_fields: tuple[Field, ...]
    labels: Labels
    event_user_id: str = "user_id"
    event_timestamp: str = "timestamp"
    user_user_id: str = "user_id"
    description: str = ""
    format: str = formats.SCHEMA

    def __post_init__(self) -> None:
        check_schema(self)

    # --- views ---------------------------------------------------------------------------------------
    @property
    def event_categoricals(self) -> tuple[Field, ...]:
        """Categorical event fields, the event-name field first (the columns of ``cat`` before the hour)."""
        cats = [f for f in self.event_fields if f.kind == CATEGORICAL]
        return tuple(sorted(cats, key=lambda f: f.role != "event"))

    @property
    def event_numerics(self) -> tuple[Field, ...]:
        return tuple(f for f in self.event_fields if f.kind == NUMERIC)

    @property
    def tag_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.labels.tags)

    # --- JSON ----------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        lab = self.labels
        out: dict[str, Any] = {"format": self.format}
        if self.description:
            out["description"] = self.description
        out["events"] = {"user_id": self.event_user_id, "timestamp": self.event_timestamp,
                         "fields": [f.to_json() for f in self.event_fields]}
        out["users"] = {"user_id": self.user_user_id, "fields": [f.to_json() for f in self.user_fields]}
        out["labels"] = {
            "user_id": lab.user_id, "stage": lab.stage, "next_product": lab.next_product,
            "no_purchase": lab.no_purchase, "stages": list(lab.stages), "stages_ordered": lab.stages_ordered,
            "tags": [{"name": t.name, **({"column": t.column} if t.column != t.name else {}),
                      **({"description": t.description} if t.description else {})} for t in lab.tags],
            "products": list(lab.products),
        }
        return out

    @classmethod
    def from_json(cls, data: Any, where: str = "schema") -> "ProfileSchema":
        """Strict reading; every problem is a SchemaError naming ``where`` and the field."""
        from .schema_json import schema_from_json

        return schema_from_json(data, where)


def check_schema(schema: ProfileSchema, where: str = "schema") -> None:
    """Whole-schema rules: unique names and columns, one event-name field, sizes within limits."""

    def fail(path: str, message: str) -> SchemaError:
        return SchemaError(f"{where}, field {path!r}: {message}")

    if schema.format != formats.SCHEMA:
        raise fail("format", f"unsupported schema format {schema.format!r} (this finlite reads {formats.SCHEMA!r})")
    for part, fields, roles in (("events", schema.event_fields, (schema.event_user_id, schema.event_timestamp)),
                                ("users", schema.user_fields, (schema.user_user_id,))):
        names, columns = set(), set(roles)
        for i, f in enumerate(fields):
            path = f"{part}.fields[{i}]"
            if not f.name:
                raise fail(f"{path}.name", "empty name")
            if f.kind not in KINDS or (part == "events" and f.kind == MULTI):
                allowed = KINDS if part == "users" else (CATEGORICAL, NUMERIC)
                raise fail(f"{path}.kind", f"unknown kind {f.kind!r}; expected one of {list(allowed)}")
            if f.name in names:
                raise fail(f"{path}.name", f"name {f.name!r} used twice")
            if f.column in columns:
                raise fail(f"{path}.column", f"column {f.column!r} has two roles")
            names.add(f.name)
            columns.add(f.column)
            if f.role not in ("", "event") or (f.role and (part != "events" or f.kind != CATEGORICAL)):
                raise fail(f"{path}.role", f"unknown role {f.role!r} (only a categorical event field may have role 'event')")
            if f.kind == NUMERIC:
                if f.transform not in TRANSFORMS:
                    raise fail(f"{path}.transform", f"unknown transform {f.transform!r}; expected one of {list(TRANSFORMS)}")
                bounds = [b for b in (*(f.clip or ()), f.min, f.max) if b is not None]
                if not all(math.isfinite(b) for b in bounds):
                    raise fail(path, "clip, min and max must be finite numbers")
                if f.clip is not None and not f.clip[0] <= f.clip[1]:
                    raise fail(f"{path}.clip", f"clip {list(f.clip)} must be [low, high] with low <= high")
            else:
                if len(set(f.values)) != len(f.values):
                    raise fail(f"{path}.values", "a value is listed twice")
                if "" in f.values:
                    raise fail(f"{path}.values", "the empty value cannot be in a vocabulary (an empty cell is missing)")
                if len(f.values) > f.max_values:
                    raise fail(f"{path}.values", f"{len(f.values):,} values, more than max_values {f.max_values:,}")
                if f.counts and len(f.counts) != len(f.values):
                    raise fail(f"{path}.counts", f"{len(f.counts)} counts for {len(f.values)} values")
    events = [f for f in schema.event_fields if f.role == "event"]
    if len(events) != 1:
        raise fail("events.fields", f"exactly one categorical event field needs \"role\": \"event\" (the event name), found {len(events)}")
    lab = schema.labels
    for key, values in (("stages", lab.stages), ("products", lab.products)):
        if len(set(values)) != len(values) or "" in values:
            raise fail(f"labels.{key}", "values must be distinct and non-empty")
    if len(lab.stages) < 2:
        raise fail("labels.stages", f"a stage model needs at least 2 stages, found {len(lab.stages)}")
    if lab.no_purchase in lab.products:
        raise fail("labels.products", f"the no-purchase value {lab.no_purchase!r} cannot also be a product")
    if not lab.products:
        raise fail("labels.products", "no product to predict")
    columns = [lab.user_id, lab.stage, lab.next_product, *(t.column for t in lab.tags)]
    if len(set(columns)) != len(columns):
        raise fail("labels", f"a column has two roles among {columns}")
    if not lab.tags:
        raise fail("labels.tags", "at least one tag column is needed")
    names = [t.name for t in lab.tags]
    if len(set(names)) != len(names) or "" in names:
        raise fail("labels.tags", "tag names must be distinct and non-empty")
