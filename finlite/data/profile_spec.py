"""The parameters of the portable profile encoder (spec ``finlite.profile/2``) and its tensor layout.

:class:`ProfileSpec` is the ``profile`` part of a bundle's preprocess.json: the data schema (fields,
vocabularies, transforms, tags, stages; :mod:`finlite.data.schema`), the sequence length, the wall-clock
offset and the normalisation constants fitted on training data. The Android and iOS encoders read the
same object. The encoding steps are in :mod:`finlite.data.profile_features` and ``docs/preprocessing.md``,
the fitting of the constants in :mod:`finlite.data.profile_normalisation`.

Normalisation keys: ``event.<field>`` and ``user.<field>`` for every numeric field, and the derived
times ``gap``, ``elapsed`` and ``recency``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..bundle import formats
from .schema import CATEGORICAL, MULTI, NUMERIC, ProfileSchema, SchemaError

__all__ = ["HOUR_VOCAB", "SPEC_FORMAT", "TIME_NORMS", "ProfileSpec", "cat_columns", "num_columns", "static_columns",
           "static_layout"]

SPEC_FORMAT = formats.PROFILE
HOUR_VOCAB = 25  # the last cat column holds hour of day + 1 (0 = padding)
# the derived times, all log1p(seconds)
TIME_NORMS = {
    "gap": "log1p(seconds since the previous kept event)",
    "elapsed": "log1p(seconds from the event to as_of_ms)",
    "recency": "log1p(seconds since the most recent event, at as_of_ms)",
}


@dataclass(frozen=True, eq=True)
class ProfileSpec:
    """Every parameter of the profile encoder; serialised as the ``profile`` part of preprocess.json."""

    schema: ProfileSchema
    max_events: int = 64  # most recent events kept per user (sequence length N)
    utc_offset_minutes: int = 480  # wall-clock offset for hour-of-day (480 = UTC+8, China Standard Time)
    # key -> (mean, std) of the transformed value: z = (t - mean) / std (identity without an entry)
    norms: dict[str, tuple[float, float]] = field(default_factory=dict, hash=False)
    format: str = SPEC_FORMAT

    def __post_init__(self) -> None:
        if self.format != SPEC_FORMAT:
            raise ValueError(f"unsupported profile spec format {self.format!r} (this finlite reads {SPEC_FORMAT!r})")
        if self.max_events < 1:
            raise ValueError("max_events must be >= 1")
        if not -720 <= self.utc_offset_minutes <= 840:
            raise ValueError("utc_offset_minutes must be within [-720, 840] (UTC-12 .. UTC+14)")
        known = set(self.norm_keys())
        for key, (mean, std) in self.norms.items():
            if key not in known:
                raise ValueError(f"profile spec: norms has {key!r}, which is not a numeric field of the schema; expected keys {sorted(known)}")
            if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
                raise ValueError(f"profile spec: norms[{key!r}] needs a finite mean and a finite std > 0")

    def norm_keys(self) -> list[str]:
        s = self.schema
        return ([f"event.{f.name}" for f in s.event_numerics] + [f"user.{f.name}" for f in s.user_fields if f.kind == NUMERIC]
                + list(TIME_NORMS))

    def norm(self, key: str) -> tuple[float, float]:
        return self.norms.get(key, (0.0, 1.0))

    # --- tensor sizes ------------------------------------------------------------------------------------
    @property
    def cat_vocabs(self) -> list[int]:
        """Embedding rows of each cat column (the categorical event fields, then the hour)."""
        return [f.vocab_size for f in self.schema.event_categoricals] + [HOUR_VOCAB]

    @property
    def cat_features(self) -> int:
        return len(self.cat_vocabs)

    @property
    def num_features(self) -> int:
        return len(num_columns(self))

    @property
    def static_features(self) -> int:
        return len(static_columns(self))

    # --- JSON --------------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "format": self.format,
            "max_events": self.max_events,
            "utc_offset_minutes": self.utc_offset_minutes,
            "norms": {key: {"mean": self.norm(key)[0], "std": self.norm(key)[1]} for key in self.norm_keys()},
            "schema": self.schema.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> "ProfileSpec":
        """Strict reading: every field present, nothing else, each of the right type."""
        if not isinstance(data, dict):
            raise ValueError("profile spec must be a JSON object")
        fields = {"format", "max_events", "utc_offset_minutes", "norms", "schema"}
        unknown, missing = set(data) - fields, fields - set(data)
        if unknown or missing:
            raise ValueError(f"profile spec: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
        if data["format"] != SPEC_FORMAT:
            raise ValueError(f"unsupported profile spec format {data['format']!r} (this finlite reads {SPEC_FORMAT!r})")
        for key in ("max_events", "utc_offset_minutes"):
            if type(data[key]) is not int:
                raise ValueError(f"profile spec: {key} must be an integer, got {data[key]!r}")
        norms_in = data["norms"]
        if not isinstance(norms_in, dict):
            raise ValueError("profile spec: norms must be an object")
        norms = {}
        for key, value in norms_in.items():
            if not (isinstance(value, dict) and set(value) == {"mean", "std"}
                    and all(type(v) in (int, float) for v in value.values())):
                raise ValueError(f"profile spec: norms[{key!r}] must be {{\"mean\": number, \"std\": number}}")
            norms[key] = (float(value["mean"]), float(value["std"]))
        try:
            schema = ProfileSchema.from_json(data["schema"], "profile spec schema")
        except SchemaError as exc:
            raise ValueError(str(exc)) from None
        spec = cls(schema=schema, max_events=data["max_events"], utc_offset_minutes=data["utc_offset_minutes"], norms=norms)
        if set(norms) != set(spec.norm_keys()):
            raise ValueError(f"profile spec: norms must have exactly the keys {spec.norm_keys()}, found {sorted(norms)}")
        return spec


def cat_columns(spec: ProfileSpec) -> list[str]:
    return [f.name for f in spec.schema.event_categoricals] + ["hour"]


def num_columns(spec: ProfileSpec) -> list[str]:
    """Per numeric event field its value and missing flag, then ``log_gap`` and ``log_elapsed`` (always last)."""
    names = [name for f in spec.schema.event_numerics for name in (f.name, f"{f.name}_missing")]
    return names + ["log_gap", "log_elapsed"]


def static_layout(spec: ProfileSpec) -> list[tuple[str, str, str]]:
    """``(column name, kind, field)`` of every static column, in order (see :mod:`finlite.data.profile_features`).

    kind: ``numeric`` (its missing flag follows), ``flag``, ``one_hot`` or ``multi_hot``."""
    out: list[tuple[str, str, str]] = []
    for f in spec.schema.user_fields:
        if f.kind == NUMERIC:
            out += [(f.name, "numeric", f.name), (f"{f.name}_missing", "flag", f.name)]
        elif f.kind == CATEGORICAL:
            out += [(f"{f.name}_{tail}", "one_hot", f.name) for tail in ("missing", "oov")]
            out += [(f"{f.name}={v}", "one_hot", f.name) for v in f.values]
        elif f.kind == MULTI:
            out += [(f"{f.name}={v}", "multi_hot", f.name) for v in f.values]
    return out + [("log_recency", "numeric", ""), ("no_events", "flag", ""), ("event_count", "numeric", "")]


def static_columns(spec: ProfileSpec) -> list[str]:
    """Names of the static columns, in order."""
    return [name for name, _, _ in static_layout(spec)]
