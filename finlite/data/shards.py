"""Encoding that scales out: encoded profile tensors written as NumPy shards, one per partition of users.

Encoding is a pure function of one user's rows (:class:`~finlite.data.profile_features.ProfileEncoder`), so
users can be split into partitions by a stable hash of their id (:func:`partition_of`) and each partition
encoded on its own — by local processes, or as a map over user partitions in an engine a bank already runs
(Spark ``mapInPandas``, Ray Data ``map_batches``; ``docs/scale.md``). :func:`write_shards` writes
``OUT/shard-NNNNN/{cat,num,static}.npy`` + ``users.txt`` and ``OUT/shards.json`` (format ``finlite.shards/1``,
the spec's sha256, each shard's users and shapes); :func:`read_shards` memory-maps the shards of one rank.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import FinliteError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from .profile_features import ProfileEncoder
    from .tables import AttributeTable, EventTable

__all__ = ["SHARDS_FORMAT", "Shard", "encode_arrow", "partition_of", "read_shards", "spec_digest", "write_shards"]

SHARDS_FORMAT = "finlite.shards/1"
INPUTS = ("cat", "num", "static")


def partition_of(user_id: str, partitions: int) -> int:
    """The partition of a user: the first 8 bytes of sha256(user id) modulo ``partitions`` (the same in every
    process, language and engine — no salted ``hash()``)."""
    return int.from_bytes(hashlib.sha256(user_id.encode("utf-8")).digest()[:8], "big") % partitions


def spec_digest(spec_json: dict) -> str:
    return hashlib.sha256(json.dumps(spec_json, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass
class Shard:
    """One partition's users and their encoded inputs (memory-mapped when read back)."""

    users: list[str]
    inputs: tuple[np.ndarray, np.ndarray, np.ndarray]


def write_shards(out: Path, encoder: "ProfileEncoder", events: "EventTable | None", attrs: "AttributeTable | None",
                 users: Sequence[str], as_of_ms: int, partitions: int, overwrite: bool = False) -> dict:
    """Encode ``users`` into ``partitions`` shards under ``out``; returns the shards.json document."""
    if partitions < 1:
        raise FinliteError(f"--partitions must be >= 1, got {partitions}")
    out = Path(out)
    if (out / "shards.json").exists() and not overwrite:
        raise FinliteError(f"{out} already holds shards (pass --force to replace them)")
    groups: list[list[str]] = [[] for _ in range(partitions)]
    for user in users:
        groups[partition_of(user, partitions)].append(user)
    entries = []
    for index, part in enumerate(groups):
        folder = out / f"shard-{index:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        x = encoder.encode(events, attrs, part, as_of_ms)
        for name, array in zip(INPUTS, x.as_tuple()):
            np.save(folder / f"{name}.npy", array)
        (folder / "users.txt").write_text("".join(u + "\n" for u in part), encoding="utf-8")
        entries.append({"folder": folder.name, "users": len(part), "shapes": {n: list(a.shape) for n, a in zip(INPUTS, x.as_tuple())}})
    doc = {"format": SHARDS_FORMAT, "spec_sha256": spec_digest(encoder.spec.to_json()), "as_of_ms": int(as_of_ms),
           "partitions": partitions, "shards": entries}
    (out / "shards.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return doc


def read_shards(out: Path, rank: int = 0, world: int = 1) -> list[Shard]:
    """The shards of ``rank`` among ``world`` processes (shard i goes to rank i mod world), memory-mapped."""
    out = Path(out)
    path = out / "shards.json"
    if not path.is_file():
        raise FinliteError(f"{out}: no shards.json (write shards with `finlite encode`)")
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != SHARDS_FORMAT:
        raise FinliteError(f"{path}: format {doc.get('format')!r}, this finlite reads {SHARDS_FORMAT!r}")
    shards = []
    for index, entry in enumerate(doc["shards"]):
        if index % world != rank:
            continue
        folder = out / entry["folder"]
        users = (folder / "users.txt").read_text(encoding="utf-8").splitlines()
        arrays = tuple(np.load(folder / f"{name}.npy", mmap_mode="r") for name in INPUTS)
        for name, array in zip(INPUTS, arrays):
            if list(array.shape) != entry["shapes"][name] or len(users) != entry["users"]:
                raise FinliteError(f"{folder}: {name}.npy or users.txt does not match shards.json")
        shards.append(Shard(users, arrays))  # type: ignore[arg-type]
    return shards


def encode_arrow(events: "pa.Table", users: "pa.Table | None", encoder: "ProfileEncoder", as_of_ms: int) -> tuple[list[str], tuple]:
    """``(user ids, (cat, num, static))`` of the users in one partition's rows, given as Arrow tables with the
    schema's columns — the function a Spark ``mapInPandas`` or Ray ``map_batches`` step calls
    (``pa.Table.from_pandas(frame)``). The rows go through the same loaders as files, so the checks, the
    sorting and the encoding are exactly those of ``finlite train`` / ``finlite encode``."""
    import tempfile

    import pyarrow.parquet as pq

    from .events import load_attributes, load_events

    schema = encoder.spec.schema
    with tempfile.TemporaryDirectory(prefix="finlite-partition-") as tmp:
        pq.write_table(events, Path(tmp) / "events.parquet")
        table = load_events(Path(tmp) / "events.parquet", schema)
        attrs = None
        if users is not None and users.num_rows:
            pq.write_table(users, Path(tmp) / "users.parquet")
            attrs = load_attributes(Path(tmp) / "users.parquet", schema)
    ids = sorted(set(table.user_ids) | set(attrs.user_ids if attrs is not None else []))
    return ids, encoder.encode(table, attrs, ids, as_of_ms).as_tuple()
