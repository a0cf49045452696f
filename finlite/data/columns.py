"""Arrow columns of table files as numpy arrays, and the quoting of bad cells in error messages.

Shared by the event / attribute loaders (:mod:`finlite.data.events`) and the timestamp parser
(:mod:`finlite.data.timestamps`). pyarrow is imported inside the functions, so importing this module
costs numpy only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = [
    "cell_text", "concat", "counted", "np_bool", "num_text", "pa_mask", "parse_numbers", "shown", "strings", "take_rows"
]

_SHOWN = 40  # characters of a bad value quoted in a message
_NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?$"


def counted(n: int, noun: str) -> str:
    """``"1 row"``, ``"1,234 rows"``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def pa_mask(mask: np.ndarray) -> "pa.BooleanArray":
    """A numpy bool mask as an Arrow boolean array (for ``filter`` / ``if_else``)."""
    import pyarrow as pa

    return pa.array(mask, type=pa.bool_())


def np_bool(arr: "pa.Array") -> np.ndarray:
    """An Arrow boolean array as a numpy bool array."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def concat(chunks: list[np.ndarray], dtype) -> np.ndarray:
    """The per-batch arrays of a column as one array of ``dtype`` (empty without batches)."""
    if not chunks:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(chunks).astype(dtype, copy=False)


def take_rows(arr: "pa.Array", keep: slice | np.ndarray) -> "pa.Array":
    """The kept rows of an Arrow array (``slice(None)``: all of them, without a copy)."""
    return arr if isinstance(keep, slice) else arr.filter(pa_mask(keep))


def strings(arr: "pa.Array") -> "pa.StringArray":
    """Any column as a non-null string array with surrounding spaces stripped (null -> "")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    if arr.null_count:
        arr = arr.fill_null("")
    return pc.utf8_trim_whitespace(arr)


def cell_text(arr: "pa.Array", i: int) -> str:
    """Cell ``i`` as text (null -> "")."""
    value = arr[i].as_py()
    return "" if value is None else str(value)


def shown(arr: "pa.Array", i: int) -> str:
    """Cell ``i`` quoted for a message, cut to 40 characters."""
    value = cell_text(arr, i)
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def num_text(x: float) -> str:
    """A number as a message shows it (``12``, ``-3.5``)."""
    return f"{x:g}"


def parse_numbers(arr: "pa.Array") -> tuple[np.ndarray, np.ndarray, Callable[[int], str]]:
    """float64 values (NaN = missing), bad mask (non-numeric, infinite, or beyond float32 — tables hold float32)
    and the message for a bad row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        values = arr.cast(pa.float64()).fill_null(float("nan")).to_numpy(zero_copy_only=False).astype(np.float64)
        huge = _beyond_float32(values)
        return values, huge, lambda i: f"not a finite number within the float32 range (±3.4e38): {values[i]}"
    s = strings(arr)
    empty = np_bool(pc.equal(s, ""))
    ok = np_bool(pc.match_substring_regex(s, _NUMBER_RE))
    bad = ~empty & ~ok
    if ok.all():
        values = s.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
    elif not ok.any():
        values = np.full(n, np.nan)
    else:
        values = pc.if_else(pa_mask(ok), s, pa.scalar(None, pa.string())).cast(pa.float64())
        values = values.fill_null(float("nan")).to_numpy(zero_copy_only=False).astype(np.float64)
    huge = _beyond_float32(values)
    bad |= huge
    return values, bad, lambda i: (f"{shown(s, i)} is not finite or beyond the float32 range (±3.4e38)" if huge[i]
                                   else f"not a number: {shown(s, i)}")


def _beyond_float32(values: np.ndarray) -> np.ndarray:
    """±inf, and finite values that would become ±inf as float32."""
    with np.errstate(invalid="ignore"):
        return np.abs(values) > np.finfo(np.float32).max
