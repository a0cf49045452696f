"""Ground truth of profile models: ``user_id, lifecycle, next_product, <one column per tag>``."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .event_schema import LIFECYCLE_STAGES, OFFERABLE_PRODUCTS, TAGS
from .loaders import DataError
from .row_checks import RowDataError


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


def _records(path: Path):
    """(row number, dict) per data row of a labels CSV or Parquet file, and the column names."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        columns = table.column_names
        data = table.to_pydict()
        rows = ({c: data[c][i] for c in columns} for i in range(table.num_rows))
        return columns, enumerate(rows, start=1)
    if path.suffix.lower() != ".csv":
        raise DataError(f"unsupported file type {path.suffix!r}; labels are read from .csv or .parquet", str(path))
    handle = open(path, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(handle)
    try:
        columns = reader.fieldnames or []
    except UnicodeDecodeError:
        raise DataError("not valid UTF-8; save the file as UTF-8", str(path)) from None
    return columns, enumerate(reader, start=1)


def load_profile_labels(path: str | Path) -> ProfileLabels:
    """Read a labels CSV or Parquet file; every problem is a DataError naming file, row and field."""
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
    columns, records = _records(path)
    required = ("user_id", "lifecycle", "next_product", *TAGS)
    missing = [c for c in required if c not in columns]
    if missing:
        raise DataError(f"missing column(s) {missing}; columns found: {list(columns)}", str(path), field=missing[0])
    try:
        for row_no, row in records:

            def fail(message: str, field: str) -> RowDataError:
                return RowDataError(message, str(path), row_no, field)

            user = str(row["user_id"] or "").strip()
            if not user:
                raise fail("empty user_id", "user_id")
            if user in seen:
                raise fail(f"user {user!r} appears twice", "user_id")
            seen.add(user)
            if row["lifecycle"] not in stages:
                raise fail(f"unknown lifecycle stage {row['lifecycle']!r}; expected one of {list(stages)}", "lifecycle")
            if row["next_product"] not in products:
                raise fail(f"unknown product {row['next_product']!r}; expected one of {list(products)}", "next_product")
            scores = []
            for tag in TAGS:
                try:
                    value = float(row[tag])
                except (TypeError, ValueError):
                    raise fail(f"not a number: {row[tag]!r}", tag) from None
                if math.isnan(value) or not 0.0 <= value <= 1.0:
                    raise fail(f"tag score must be in [0, 1], got {row[tag]!r}", tag)
                scores.append(value)
            users.append(user)
            lifecycle.append(stages[row["lifecycle"]])
            product.append(products[row["next_product"]])
            tags.append(scores)
    except UnicodeDecodeError:
        raise DataError(f"not valid UTF-8 after row {len(users)}; save the file as UTF-8", str(path)) from None
    if not users:
        raise DataError("no data rows", str(path))
    return ProfileLabels(users, np.array(lifecycle), np.array(tags, dtype=np.float32), np.array(product))
