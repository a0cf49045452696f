"""The synthetic population as files: ``events``, ``users`` and ``labels`` as CSV or Parquet, plus
``meta.json``; and reading them back."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from ..timestamps import iso_ms_array, parse_iso_ms_array
from .population import (
    ParquetUnavailableError,
    Population,
    PopulationArgumentError,
    PopulationExistsError,
)

__all__ = ["read_population", "write_population"]


def _float_text(values: np.ndarray) -> list[str]:
    return ["" if v != v else repr(v) for v in np.asarray(values, dtype=np.float64).tolist()]


def _float_parse(values) -> np.ndarray:
    return np.array([float(v) if v not in ("", None) else np.nan for v in values], dtype=np.float64)


def _tables(pop: Population) -> dict[str, dict[str, list]]:
    """Column name → list of cell values (str/int/float/None) per file, in file order; the timestamp
    column (``meta["timestamp_column"]``, default ``timestamp``) as ISO 8601 text."""
    stamp = pop.meta.get("timestamp_column", "timestamp")
    events = {k: (iso_ms_array(v).tolist() if k == stamp else v) for k, v in pop.events.items()}
    return {"events": events, "users": dict(pop.users), "labels": dict(pop.labels)}


def write_population(pop: Population, out_dir: str | os.PathLike, fmt: str = "csv", *, overwrite: bool = False) -> dict[str, Path]:
    """Write ``events``, ``users`` and ``labels`` as ``.csv`` (UTF-8, header row, timestamps as ISO 8601
    ``...Z`` strings, empty cell = missing) or ``.parquet`` (needs pyarrow; same columns, timestamps as the
    same strings, missing = null), plus ``meta.json`` (as_of, seed, weeks, dirt counts) and ``schema.json`` (:func:`_write_schema`). Refuses to replace
    existing files unless ``overwrite=True``. Returns ``{"events": path, "users": ..., "labels": ..., "meta": ...}``."""
    if fmt not in ("csv", "parquet"):
        raise PopulationArgumentError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ParquetUnavailableError("writing parquet needs pyarrow: pip install pyarrow") from exc
    root = Path(out_dir)
    paths = {name: root / f"{name}.{fmt}" for name in ("events", "users", "labels")}
    paths["meta"] = root / "meta.json"
    paths["schema"] = root / "schema.json"
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not overwrite:
        raise PopulationExistsError(
            f"refusing to overwrite {', '.join(existing)} (pass overwrite=True, or --force on the command line)")
    root.mkdir(parents=True, exist_ok=True)
    for name, columns in _tables(pop).items():
        if fmt == "csv":
            cells = []
            for key, values in columns.items():
                arr = np.asarray(values)
                cells.append(_float_text(arr) if arr.dtype.kind == "f" else [str(v) for v in arr.tolist()])
            with paths[name].open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(list(columns))
                writer.writerows(zip(*cells))
        else:
            arrays = {}
            for key, values in columns.items():
                arr = np.asarray(values)
                if arr.dtype.kind == "f":
                    arrays[key] = pa.array(arr, type=pa.float64(), from_pandas=True)  # NaN -> null
                elif arr.dtype.kind in "iu":
                    arrays[key] = pa.array(arr.astype(np.int64), type=pa.int64())
                else:
                    arrays[key] = pa.array([str(v) for v in arr.tolist()], type=pa.string())
            pq.write_table(pa.table(arrays), paths[name])
    meta = {key: value for key, value in pop.meta.items()}
    meta.setdefault("as_of_ms", int(pop.as_of_ms))
    meta["format"] = fmt
    paths["meta"].write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths["schema"] = _write_schema(pop, paths)
    return paths


def _write_schema(pop: Population, paths: dict[str, Path]) -> Path:
    """``schema.json``: the generator's declared schema for the built-in population, the inferred one
    (as ``finlite schema infer`` would write it) for a variant."""
    from ..schema_infer import infer_schema
    from ..schema_json import write_schema
    from .vocabulary import synthetic_schema

    schema = synthetic_schema() if "variant" not in pop.meta else infer_schema(paths["events"], paths["users"], paths["labels"])[0]
    return write_schema(schema, paths["schema"], overwrite=True)


def read_population(out_dir: str | os.PathLike, fmt: str | None = None) -> Population:
    """Read back what :func:`write_population` wrote (``fmt`` is guessed from the files when omitted).

    A convenience for round trips and notebooks, not the production loader: values are kept as written
    (unknown categories stay strings, rows stay in file order, empty cells become NaN)."""
    root = Path(out_dir)
    if fmt is None:
        fmt = "parquet" if (root / "events.parquet").exists() else "csv"
    columns: dict[str, dict[str, list]] = {}
    for name in ("events", "users", "labels"):
        path = root / f"{name}.{fmt}"
        if fmt == "csv":
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                rows = list(reader)
            columns[name] = {key: [row[i] for row in rows] for i, key in enumerate(header)}
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            columns[name] = {key: table.column(key).to_pylist() for key in table.column_names}
        else:
            raise PopulationArgumentError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    ev, us, lb = columns["events"], columns["users"], columns["labels"]
    events = {
        "user_id": np.array(ev["user_id"], dtype=object), "timestamp": parse_iso_ms_array(ev["timestamp"]),
        "event_type": np.array(ev["event_type"], dtype=object), "page": np.array(ev["page"], dtype=object),
        "product": np.array(ev["product"], dtype=object), "amount": _float_parse(ev["amount"]),
        "dwell_ms": _float_parse(ev["dwell_ms"]),
    }
    users = {
        "user_id": np.array(us["user_id"], dtype=object),
        **{key: np.array([int(v) for v in us[key]], dtype=np.int64) for key in ("age", "risk_level", "tenure_days")},
        "holdings": np.array(["" if v is None else v for v in us["holdings"]], dtype=object),
        "aum_bucket": np.array(us["aum_bucket"], dtype=object),
    }
    labels = {
        "user_id": np.array(lb["user_id"], dtype=object), "lifecycle": np.array(lb["lifecycle"], dtype=object),
        "next_product": np.array(lb["next_product"], dtype=object), **{tag: _float_parse(lb[tag]) for tag in lb if tag not in ("user_id", "lifecycle", "next_product")},
    }
    meta_path = root / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    as_of_ms = int(meta["as_of_ms"]) if "as_of_ms" in meta else int(events["timestamp"].max(initial=0)) + 1
    return Population(events=events, users=users, labels=labels, as_of_ms=as_of_ms, meta=meta)
