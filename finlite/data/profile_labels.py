"""Ground truth of profile models: ``user_id, lifecycle, next_product, <one column per tag>``."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .event_schema import LIFECYCLE_STAGES, OFFERABLE_PRODUCTS, TAGS
from .loaders import DataError


@dataclass
class ProfileLabels:
    user_ids: list[str]
    lifecycle: np.ndarray  # int64 index into LIFECYCLE_STAGES
    tags: np.ndarray  # float32 (U, len(TAGS)) in [0, 1]
    next_product: np.ndarray  # int64 index into OFFERABLE_PRODUCTS

    def subset(self, users: list[str]) -> "ProfileLabels":
        index = {u: i for i, u in enumerate(self.user_ids)}
        rows = np.array([index[u] for u in users], dtype=np.int64)
        return ProfileLabels(list(users), self.lifecycle[rows], self.tags[rows], self.next_product[rows])


def load_profile_labels(path: str | Path) -> ProfileLabels:
    """Read a labels CSV; every problem is a DataError naming file, line and field."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", str(path))
    stages = {s: i for i, s in enumerate(LIFECYCLE_STAGES)}
    products = {p: i for i, p in enumerate(OFFERABLE_PRODUCTS)}
    users: list[str] = []
    lifecycle: list[int] = []
    tags: list[list[float]] = []
    product: list[int] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        required = ("user_id", "lifecycle", "next_product", *TAGS)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"missing column(s) {missing}; columns found: {reader.fieldnames}", str(path), 1, missing[0])
        for line_no, row in enumerate(reader, start=2):
            user = (row["user_id"] or "").strip()
            if not user:
                raise DataError("empty user_id", str(path), line_no, "user_id")
            if user in seen:
                raise DataError(f"user {user!r} appears twice", str(path), line_no, "user_id")
            seen.add(user)
            if row["lifecycle"] not in stages:
                raise DataError(f"unknown lifecycle stage {row['lifecycle']!r}; expected one of {list(stages)}", str(path), line_no, "lifecycle")
            if row["next_product"] not in products:
                raise DataError(f"unknown product {row['next_product']!r}", str(path), line_no, "next_product")
            scores = []
            for tag in TAGS:
                try:
                    value = float(row[tag])
                except (TypeError, ValueError):
                    raise DataError(f"not a number: {row[tag]!r}", str(path), line_no, tag) from None
                if math.isnan(value) or not 0.0 <= value <= 1.0:
                    raise DataError(f"tag score must be in [0, 1], got {row[tag]!r}", str(path), line_no, tag)
                scores.append(value)
            users.append(user)
            lifecycle.append(stages[row["lifecycle"]])
            product.append(products[row["next_product"]])
            tags.append(scores)
    if not users:
        raise DataError("no data rows", str(path))
    return ProfileLabels(users, np.array(lifecycle), np.array(tags, dtype=np.float32), np.array(product))
