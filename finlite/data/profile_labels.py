"""Ground truth of profile models: one row per user with the schema's stage, next-product and tag columns.

A next product that is empty or the schema's ``no_purchase`` value means the user bought nothing in the
horizon (index -1)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .loaders import DataError
from .row_checks import RowDataError
from .schema import ProfileSchema


@dataclass
class ProfileLabels:
    user_ids: list[str]
    lifecycle: np.ndarray  # int64 index into the schema's stages
    tags: np.ndarray  # float32 (U, tags) in [0, 1]
    next_product: np.ndarray  # int64 index into the schema's products, -1 = bought nothing

    @property
    def buys(self) -> np.ndarray:
        return self.next_product >= 0

    def subset(self, users: list[str]) -> "ProfileLabels":
        index = {u: i for i, u in enumerate(self.user_ids)}
        rows = np.array([index[u] for u in users], dtype=np.int64)
        return ProfileLabels(list(users), self.lifecycle[rows], self.tags[rows], self.next_product[rows])

    def joined(self, other: "ProfileLabels") -> "ProfileLabels":
        """These users' labels followed by ``other``'s (the users must be distinct)."""
        return ProfileLabels(self.user_ids + other.user_ids, np.concatenate([self.lifecycle, other.lifecycle]),
                             np.concatenate([self.tags, other.tags]), np.concatenate([self.next_product, other.next_product]))


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


def load_profile_labels(path: str | Path, schema: ProfileSchema) -> ProfileLabels:
    """Read a labels CSV or Parquet file; every problem is a DataError naming file, row and field."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", str(path))
    lab = schema.labels
    stages = {s: i for i, s in enumerate(lab.stages)}
    products = {p: i for i, p in enumerate(lab.products)}
    products[lab.no_purchase] = products[""] = -1
    users: list[str] = []
    lifecycle: list[int] = []
    tags: list[list[float]] = []
    product: list[int] = []
    seen: set[str] = set()
    columns, records = _records(path)
    tag_columns = [t.column for t in lab.tags]
    required = (lab.user_id, lab.stage, lab.next_product, *tag_columns)
    missing = [c for c in required if c not in columns]
    if missing:
        raise DataError(f"missing column(s) {missing}; columns found: {list(columns)}", str(path), field=missing[0])
    try:
        for row_no, row in records:

            def fail(message: str, field: str) -> RowDataError:
                return RowDataError(message, str(path), row_no, field)

            user = str(row[lab.user_id] or "").strip()
            if not user:
                raise fail("empty user id", lab.user_id)
            if user in seen:
                raise fail(f"user {user!r} appears twice", lab.user_id)
            seen.add(user)
            stage = str(row[lab.stage] if row[lab.stage] is not None else "").strip()
            if stage not in stages:
                raise fail(f"stage {stage!r} is not in the schema's stages {list(lab.stages)}", lab.stage)
            bought = str(row[lab.next_product] if row[lab.next_product] is not None else "").strip()
            if bought not in products:
                raise fail(f"product {bought!r} is not in the schema's products {list(lab.products)} "
                           f"(or {lab.no_purchase!r} / empty for none)", lab.next_product)
            scores = []
            for column in tag_columns:
                try:
                    value = float(row[column])
                except (TypeError, ValueError):
                    raise fail(f"not a number: {row[column]!r}", column) from None
                if math.isnan(value) or not 0.0 <= value <= 1.0:
                    raise fail(f"tag value must be in [0, 1], got {row[column]!r}", column)
                scores.append(value)
            users.append(user)
            lifecycle.append(stages[stage])
            product.append(products[bought])
            tags.append(scores)
    except UnicodeDecodeError:
        raise DataError(f"not valid UTF-8 after row {len(users)}; save the file as UTF-8", str(path)) from None
    except csv.Error as exc:  # e.g. a field over the csv module's 131,072-character limit
        raise DataError(f"not a readable CSV after row {len(users)}: {exc}", str(path)) from None
    if not users:
        raise DataError("no data rows", str(path))
    return ProfileLabels(users, np.array(lifecycle, dtype=np.int64), np.array(tags, dtype=np.float32).reshape(len(users), len(tag_columns)),
                         np.array(product, dtype=np.int64))
