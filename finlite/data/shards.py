"""Encoding that scales out: encoded profile tensors written as NumPy shards, one per partition of users.

Encoding is a pure function of one user's rows (:class:`~finlite.data.profile_features.ProfileEncoder`), so
users can be split into partitions by a stable hash of their id (:func:`partition_of`) and each partition
encoded on its own — by local processes, or as a map over user partitions in an engine a bank already runs
(Spark ``mapInPandas``, Ray Data ``map_batches``; ``docs/scale.md``). :func:`write_shards` writes
``OUT/shard-NNNNN/{cat,num,static}.npy`` + ``users.txt``, ``OUT/spec.json`` (the ``finlite.profile/2`` spec
they were encoded with) and ``OUT/shards.json`` (format ``finlite.shards/1``, the spec's sha256, each shard's
users and shapes); :func:`read_shards` memory-maps the shards of one rank, and :func:`shard_rows` gives the
rows of chosen users as :class:`RowView` arrays that read from the memory maps batch by batch — what
``finlite train profile --shards`` trains from.
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

__all__ = ["SHARDS_FORMAT", "RowView", "Shard", "encode_arrow", "partition_of", "read_shards", "read_shards_doc", "shard_rows",
           "spec_digest", "write_shards"]

SHARDS_FORMAT = "finlite.shards/1"
INPUTS = ("cat", "num", "static")
SPEC_FILE = "spec.json"


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
    spec_json = encoder.spec.to_json()
    (out / SPEC_FILE).write_text(json.dumps(spec_json, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    doc = {"format": SHARDS_FORMAT, "spec_sha256": spec_digest(spec_json), "as_of_ms": int(as_of_ms),
           "events": len(events) if events is not None else 0, "partitions": partitions, "shards": entries}
    (out / "shards.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return doc


def read_shards_doc(out: Path) -> tuple[dict, dict]:
    """``(shards.json, spec.json)`` of a shards folder, the spec checked against the recorded sha256."""
    out = Path(out)
    path = out / "shards.json"
    if not path.is_file():
        raise FinliteError(f"{out}: no shards.json (write shards with `finlite encode`)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        spec = json.loads((out / SPEC_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FinliteError(f"{out}: no {SPEC_FILE} beside shards.json (written by `finlite encode`)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FinliteError(f"{out}: shards.json or {SPEC_FILE} is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != SHARDS_FORMAT:
        raise FinliteError(f"{path}: format {doc.get('format') if isinstance(doc, dict) else None!r}, this finlite reads {SHARDS_FORMAT!r}")
    if spec_digest(spec) != doc.get("spec_sha256"):
        raise FinliteError(f"{out / SPEC_FILE}: sha256 differs from shards.json's spec_sha256 (the shards were encoded with another spec)")
    return doc, spec


def read_shards(out: Path, rank: int = 0, world: int = 1) -> list[Shard]:
    """The shards of ``rank`` among ``world`` processes (shard i goes to rank i mod world), memory-mapped."""
    out = Path(out)
    doc, _ = read_shards_doc(out)
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


class RowView:
    """Rows of several memory-mapped arrays, picked by ``(array, row)`` pairs, read on indexing: a training
    split over shards that holds only the row index in memory. Indexing with a slice or an index array
    gives a numpy array, as the training loop and ``predict`` expect."""

    def __init__(self, parts: Sequence[np.ndarray], where: np.ndarray):
        self.parts, self.where = list(parts), np.asarray(where, dtype=np.int64).reshape(-1, 2)
        first = self.parts[0] if self.parts else np.zeros((0,))
        self.shape = (len(self.where), *first.shape[1:])
        self.dtype, self.ndim = first.dtype, len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        index = np.arange(len(self))[key] if isinstance(key, slice) else np.asarray(key, dtype=np.int64)
        picks = self.where[index]
        out = np.empty((len(index), *self.shape[1:]), dtype=self.dtype)
        for part in np.unique(picks[:, 0]):
            mask = picks[:, 0] == part
            rows = picks[mask, 1]
            order = np.argsort(rows, kind="stable")  # ascending reads from the memory map
            out[np.nonzero(mask)[0][order]] = self.parts[part][rows[order]]
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)


def shard_rows(shards: Sequence[Shard], users: Sequence[str]) -> tuple[RowView, ...]:
    """``(cat, num, static)`` of ``users`` (in that order) from ``shards``; a one-line error names users
    that are in none of them."""
    where = {u: (s, i) for s, shard in enumerate(shards) for i, u in enumerate(shard.users)}
    missing = [u for u in users if u not in where]
    if missing:
        raise FinliteError(f"{len(missing)} labelled users are in none of the shards (first: {missing[:3]}); "
                           "encode every labelled user (finlite encode over the events and users files)")
    picks = np.array([where[u] for u in users], dtype=np.int64).reshape(-1, 2)
    return tuple(RowView([shard.inputs[k] for shard in shards], picks) for k in range(len(INPUTS)))


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
