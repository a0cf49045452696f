"""User ids → integer codes for the loaders, with Arrow hashing instead of one Python object per row.

:func:`factorise_sorted` gives the events loader the sorted distinct ids at the end; :class:`UserCodes`
numbers the attribute rows' users as they arrive (and answers "seen in an earlier batch?" for the
duplicate check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["UserCodes", "factorise_sorted"]


class UserCodes:
    """User id -> integer code in order of first appearance."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}

    def encode(self, s: "pa.StringArray") -> np.ndarray:
        """Codes of a batch's (string array) user ids; new ids get the next codes."""
        encoded = s.dictionary_encode()
        index = encoded.indices.to_numpy(zero_copy_only=False)
        if not index.size:
            return np.zeros(0, dtype=np.int32)
        code = self.code
        lut = np.array([code.setdefault(u, len(code)) for u in encoded.dictionary.to_pylist()], dtype=np.int32)
        return lut[index]

    def sorted(self) -> tuple[list[str], np.ndarray]:
        """(ids in sorted order, rank of each code in that order)."""
        names = list(self.code)
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        return [names[i] for i in order], rank


def factorise_sorted(chunks: list["pa.StringArray"]) -> tuple[list[str], np.ndarray]:
    """Distinct user ids in sorted order and each row's index into them.

    Arrow sorts strings by UTF-8 bytes, which is code-point order: the same order as Python's ``sorted``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = [c for c in chunks if len(c)]
    if not chunks:
        return [], np.zeros(0, dtype=np.int32)
    # One hash table over all chunks: every output chunk shares the same dictionary, nothing is copied.
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.string()))
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    order = pc.sort_indices(dictionary).to_numpy(zero_copy_only=False)
    rank = np.empty(order.size, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    codes = np.concatenate([rank[chunk.indices.to_numpy(zero_copy_only=False)] for chunk in encoded.chunks])
    return dictionary.take(pa.array(order)).to_pylist(), codes
