"""The parameters of the portable profile encoder (spec ``finlite.profile/1``) and its tensor layout.

:class:`ProfileSpec` is serialised as the ``profile`` part of a bundle's preprocess.json; the Android
and iOS encoders read the same fields. The encoding steps are in :mod:`finlite.data.profile_features`,
the fitting of the normalisation constants in :mod:`finlite.data.profile_normalisation`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ..bundle import formats
from .event_schema import (
    AUM_BUCKETS,
    EVENT_TYPES,
    FIRST_ID,
    PAGES,
    PRODUCTS,
    RISK_LEVELS,
    SCHEMA_VERSION,
)

__all__ = ["CAT_COLUMNS", "NORMALISED", "NUM_COLUMNS", "SPEC_FORMAT", "ProfileSpec", "static_columns"]

SPEC_FORMAT = formats.PROFILE

CAT_COLUMNS = ("event_type", "page", "product", "hour")
NUM_COLUMNS = ("log_amount", "amount_missing", "log_dwell", "dwell_missing", "log_gap", "log_elapsed")
# The normalised quantities: (spec field prefix, what is log1p-transformed).
NORMALISED = (
    ("amount", "log1p(|amount|), amount in the event's currency units"),
    ("dwell", "log1p(dwell_ms)"),
    ("gap", "log1p(seconds since the previous kept event)"),
    ("elapsed", "log1p(seconds from the event to as_of_ms)"),
    ("age", "log1p(age in years)"),
    ("tenure", "log1p(tenure_days)"),
    ("recency", "log1p(seconds since the most recent event, at as_of_ms)"),
)


@dataclass(frozen=True)
class ProfileSpec:
    """Every parameter of the profile encoder; serialised as the ``profile`` part of preprocess.json."""

    max_events: int = 64  # most recent events kept per user (sequence length N)
    utc_offset_minutes: int = 480  # wall-clock offset for hour-of-day (480 = UTC+8, China Standard Time)
    event_type_vocab: int = len(EVENT_TYPES) + FIRST_ID  # ids incl. 0 = padding, 1 = OOV
    page_vocab: int = len(PAGES) + FIRST_ID
    product_vocab: int = len(PRODUCTS) + FIRST_ID
    aum_vocab: int = len(AUM_BUCKETS) + FIRST_ID
    hour_buckets: int = 24  # cat column 3 holds hour + 1 (0 = padding): embedding rows = hour_buckets + 1
    holdings: int = len(PRODUCTS)  # width of the holdings multi-hot
    # Normalisation z = (log1p(v) - mean) / std, fitted on training data (fit_normalisation).
    amount_mean: float = 0.0
    amount_std: float = 1.0
    dwell_mean: float = 0.0
    dwell_std: float = 1.0
    gap_mean: float = 0.0
    gap_std: float = 1.0
    elapsed_mean: float = 0.0
    elapsed_std: float = 1.0
    age_mean: float = 0.0
    age_std: float = 1.0
    tenure_mean: float = 0.0
    tenure_std: float = 1.0
    recency_mean: float = 0.0
    recency_std: float = 1.0
    event_schema: str = SCHEMA_VERSION
    format: str = SPEC_FORMAT

    def __post_init__(self) -> None:
        if self.format != SPEC_FORMAT:
            raise ValueError(f"unsupported profile spec format {self.format!r} (this finlite reads {SPEC_FORMAT!r})")
        if self.event_schema != SCHEMA_VERSION:
            raise ValueError(f"profile spec uses event schema {self.event_schema!r}; this finlite has {SCHEMA_VERSION!r}")
        if self.max_events < 1:
            raise ValueError("max_events must be >= 1")
        if not -720 <= self.utc_offset_minutes <= 840:
            raise ValueError("utc_offset_minutes must be within [-720, 840] (UTC-12 .. UTC+14)")
        expected = {
            "event_type_vocab": len(EVENT_TYPES) + FIRST_ID,
            "page_vocab": len(PAGES) + FIRST_ID,
            "product_vocab": len(PRODUCTS) + FIRST_ID,
            "aum_vocab": len(AUM_BUCKETS) + FIRST_ID,
            "hour_buckets": 24,
            "holdings": len(PRODUCTS),
        }
        for name, want in expected.items():
            if getattr(self, name) != want:
                raise ValueError(f"profile spec: {name} is {getattr(self, name)}, but the {SCHEMA_VERSION} schema gives {want}")
        for prefix, _ in NORMALISED:
            mean, std = getattr(self, f"{prefix}_mean"), getattr(self, f"{prefix}_std")
            if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
                raise ValueError(f"profile spec: {prefix}_mean must be finite and {prefix}_std finite and > 0")

    # --- tensor sizes ------------------------------------------------------------------------------------
    @property
    def cat_features(self) -> int:
        return len(CAT_COLUMNS)

    @property
    def num_features(self) -> int:
        return len(NUM_COLUMNS)

    @property
    def static_features(self) -> int:
        return len(static_columns(self))

    @property
    def hour_vocab(self) -> int:
        """Embedding rows of cat column 3 (hour + 1, 0 = padding)."""
        return self.hour_buckets + 1

    # --- JSON --------------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ProfileSpec":
        """Strict reading: every field present, nothing else, each of the right type.

        Float fields accept JSON integers (JSON has one number type), never booleans or non-finite values.
        """
        if not isinstance(data, dict):
            raise ValueError("profile spec must be a JSON object")
        fields = cls.__dataclass_fields__
        unknown, missing = set(data) - set(fields), set(fields) - set(data)
        if unknown or missing:
            raise ValueError(f"profile spec: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            kind = type(getattr(defaults, name))
            if kind is float and type(value) is int:
                value = float(value)
            if type(value) is not kind:
                raise ValueError(f"profile spec: {name} must be a {kind.__name__}, got {value!r}")
            kwargs[name] = value
        return cls(**kwargs)


def static_columns(spec: ProfileSpec | None = None) -> list[str]:
    """Names of the static columns, in order (see :mod:`finlite.data.profile_features`)."""
    del spec  # the layout depends on the schema only; the parameter keeps room for later versions
    return [
        "log_age",
        "age_missing",
        *(f"risk_{r}" for r in RISK_LEVELS),
        "risk_missing",
        "log_tenure",
        "tenure_missing",
        "aum_missing",
        "aum_oov",
        *(f"aum_{b}" for b in AUM_BUCKETS),
        *(f"holds_{p}" for p in PRODUCTS),
        "log_recency",
        "no_events",
        "event_count",
    ]
