"""Categorical columns → vocabulary ids, and bounded counting of the unknown values (the report's ``oov``).

Values are matched exactly (case-sensitive) against a field's vocabulary in the schema
(:mod:`finlite.data.schema`); an unknown value gets ``OOV_ID`` and is counted, never an error. Encoding goes through each batch's
distinct values (Arrow dictionary encoding), so no Python object is built per row.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from .columns import strings
from .schema import MISSING_ID, OOV_ID

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["Categorical", "MultiValues", "OovCounter", "TOP_OOV"]

TOP_OOV = 20  # unknown values listed per field in report.oov
_OOV_TRACKED = 10_000  # distinct unknown values tracked per field before pruning (top values then approximate)


class OovCounter:
    """Unknown value -> count, bounded: beyond _OOV_TRACKED distinct values the rarest are dropped."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.total = 0

    def add(self, counts: dict[str, int]) -> None:
        self.counts.update(counts)
        self.total += sum(counts.values())
        if len(self.counts) > _OOV_TRACKED:
            self.counts = Counter(dict(self.counts.most_common(_OOV_TRACKED // 10)))

    def top(self) -> dict[str, int]:
        """The TOP_OOV most frequent unknown values, most frequent first (ties by value)."""
        return dict(sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_OOV])


class Categorical:
    """A string column encoded against a vocabulary, via the batch's distinct values."""

    def __init__(self, s: "pa.StringArray", vocab: dict[str, int], empty_id: int) -> None:
        encoded = s.dictionary_encode()
        self.index = encoded.indices.to_numpy(zero_copy_only=False)
        self.values = encoded.dictionary.to_pylist()
        self.lut = np.array(
            [vocab.get(v, empty_id if v == "" else OOV_ID) for v in self.values] or [MISSING_ID], dtype=np.int32
        )
        self.unknown = [j for j, v in enumerate(self.values) if self.lut[j] == OOV_ID]

    def ids(self, keep: slice | np.ndarray) -> np.ndarray:
        return self.lut[self.index[keep]]

    def count_oov(self, keep: slice | np.ndarray, counter: OovCounter) -> None:
        if not self.unknown:
            return
        counts = np.bincount(self.index[keep], minlength=len(self.values))
        counter.add({self.values[j]: int(counts[j]) for j in self.unknown if counts[j]})


class MultiValues:
    """Separated value lists (``a;b``, or a Parquet list column) → multi-hot over a field's vocabulary."""

    def __init__(self, arr: "pa.Array", value_index: dict[str, int], separator: str = ";") -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.n = len(arr)
        if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
            lists = arr.fill_null(pa.scalar([], arr.type)) if arr.null_count else arr
        else:
            lists = pc.split_pattern(strings(arr), separator)
        self.parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        encoded = strings(pc.list_flatten(lists)).dictionary_encode()
        self.values = encoded.dictionary.to_pylist()
        index = encoded.indices.to_numpy(zero_copy_only=False)
        self.width = len(value_index)
        # column in the vocabulary, -1 = unknown value, -2 = empty item ("", "a;;b")
        lut = np.array([value_index.get(v, -1 if v else -2) for v in self.values] or [-2], dtype=np.int64)
        self.index, self.col = index, lut[index]

    def matrix(self, keep: slice | np.ndarray, counter: OovCounter) -> np.ndarray:
        """uint8 (kept rows, vocabulary size); unknown values are counted in ``counter``."""
        keep_rows = np.ones(self.n, dtype=bool) if isinstance(keep, slice) else keep
        out = np.zeros((self.n, self.width), dtype=np.uint8)
        use = keep_rows[self.parent]
        known = use & (self.col >= 0)
        out[self.parent[known], self.col[known]] = 1
        unknown = use & (self.col == -1)
        if unknown.any():
            counts = np.bincount(self.index[unknown], minlength=len(self.values))
            counter.add({self.values[j]: int(c) for j, c in enumerate(counts.tolist()) if c})
        return out[keep_rows]
