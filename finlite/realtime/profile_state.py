"""The streaming profile state (docs/state.md): a user's last ``max_events`` events and the tally the encoder
needs, updated one event at a time, giving exactly the batch encoder's tensors.

The window is the ``max_events`` most recent events by ``(timestamp, arrival)``: an event that arrives out of
order is inserted where it belongs (among equal timestamps the later arrival is the more recent, as a later
file row is for the loaders), one older than the whole window is counted but not kept. ``count`` is every
event seen. :meth:`ProfileState.inputs` encodes the window with :class:`~finlite.data.profile_features.
ProfileEncoder`, so the state and the batch encoder share one implementation of every formula; it needs
``as_of_ms`` at or after the newest event (the app passes ``max(now, newest)``).

:meth:`to_bytes` / :meth:`from_bytes` persist it (format ``finlite.state/1``, little-endian, specified
byte for byte in docs/state.md); the blob names the bundle's ``preprocess.json`` by its sha256, so a state
is never read against another model's spec.
"""

from __future__ import annotations

import bisect
import math
import struct
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..bundle import formats
from ..data.profile_features import ProfileEncoder, ProfileInputs
from ..data.profile_spec import ProfileSpec
from ..data.schema import CATEGORICAL, MISSING_ID, MULTI, NUMERIC, OOV_ID
from ..errors import FinliteError

MAGIC, VERSION = b"FLST", 1
_HEAD = struct.Struct("<4sB32sQHB")  # magic, version, preprocess sha256, count, kept events, has attributes


class StateError(FinliteError):
    """A persisted state that cannot be read: truncated, corrupted, another version or another spec."""


@dataclass(frozen=True)
class EventValues:
    """One event as the encoder reads it: epoch ms, the ids of the schema's categorical event fields and the
    float32 values (NaN = missing) of its numeric ones, each in schema order."""

    ts_ms: int
    cats: tuple[int, ...]
    nums: tuple[float, ...]


# A user's attribute row: per user field in schema order, an id (categorical), a float32 value (numeric,
# NaN = missing) or a tuple of 0/1 per value (multi).
AttributeValues = tuple


def _one(text: str):
    import pyarrow as pa

    return pa.array([text], pa.string())


def parse_event_row(spec: ProfileSpec, row: Mapping[str, str], where: str = "event") -> EventValues:
    """A raw events row (``{column: text}``, as in the files and golden.json) → :class:`EventValues`, by the
    loaders' own column parsers, so a row means here what it means in ``finlite train``."""
    from ..data.columns import parse_numbers
    from ..data.timestamps import parse_timestamps

    schema = spec.schema

    def cell(column: str) -> str:
        if column not in row:
            raise FinliteError(f"{where}: no column {column!r}")
        return str(row[column] if row[column] is not None else "").strip()

    if not cell(schema.event_user_id):
        raise FinliteError(f"{where}, field {schema.event_user_id!r}: empty user id")
    ts, bad, message = parse_timestamps(_one(cell(schema.event_timestamp)))
    if bad[0]:
        raise FinliteError(f"{where}, field {schema.event_timestamp!r}: {message(0)}")
    cats = []
    for f in schema.event_categoricals:
        text = cell(f.column)
        cats.append((OOV_ID if f.role == "event" else MISSING_ID) if text == "" else f.ids().get(text, OOV_ID))
    nums = []
    for f in schema.event_numerics:
        values, bad, message = parse_numbers(_one(cell(f.column)))
        value = float(values[0])
        if bad[0]:
            raise FinliteError(f"{where}, field {f.column!r}: {message(0)}")
        if f.min is not None and value < f.min:
            raise FinliteError(f"{where}, field {f.column!r}: {f.name} {value:g} is below the schema's min {f.min:g}")
        if f.max is not None and value > f.max:
            raise FinliteError(f"{where}, field {f.column!r}: {f.name} {value:g} is above the schema's max {f.max:g}")
        nums.append(float(np.float32(value)))
    return EventValues(int(ts[0]), tuple(cats), tuple(nums))


def parse_attribute_row(spec: ProfileSpec, row: Mapping[str, str]) -> AttributeValues:
    """A raw users row → :data:`AttributeValues` (the loaders' rules: exact values, unknown = OOV, empty =
    missing; multi items split on the field's separator, unknown ones ignored)."""
    from ..data.columns import parse_numbers

    out: list = []
    for f in spec.schema.user_fields:
        text = str(row.get(f.column) or "").strip()
        if f.kind == NUMERIC:
            values, bad, message = parse_numbers(_one(text))
            if bad[0]:
                raise FinliteError(f"user, field {f.column!r}: {message(0)}")
            out.append(float(np.float32(values[0])))
        elif f.kind == CATEGORICAL:
            out.append(MISSING_ID if text == "" else f.ids().get(text, OOV_ID))
        else:
            items = {item.strip() for item in text.split(f.separator)}
            out.append(tuple(int(v in items) for v in f.values))
    return tuple(out)


class ProfileState:
    """One user's streaming state for the bundle whose ``preprocess.json`` has sha256 ``spec_sha256``."""

    def __init__(self, spec: ProfileSpec, spec_sha256: str):
        if len(spec_sha256) != 64:
            raise ValueError("spec_sha256 must be the 64 hex digits of the bundle's preprocess.json sha256")
        self.spec, self.spec_sha256 = spec, spec_sha256
        self.encoder = ProfileEncoder(spec)
        self.count = 0
        self.attributes: AttributeValues | None = None
        self._ts: list[int] = []  # the window's timestamps, ascending (equal ones in arrival order)
        self._events: list[EventValues] = []

    @classmethod
    def for_bundle(cls, bundle) -> "ProfileState":
        """A new state for a loaded profile :class:`~finlite.runtime.bundle.Bundle`."""
        manifest = bundle.manifest
        return cls(bundle.encoder.spec, manifest["files"][manifest["preprocess_file"]]["sha256"])

    @property
    def events(self) -> list[EventValues]:
        """The window, oldest first."""
        return list(self._events)

    def update(self, event: EventValues) -> None:
        """Add one event: O(1) when it is the newest, O(events it precedes) when it is late."""
        self.count += 1
        ts = int(event.ts_ms)
        if len(self._ts) >= self.spec.max_events and ts < self._ts[0]:
            return  # older than the whole window: counted, not kept
        # after every kept event with ts <= this one's: among equal timestamps the later arrival is the newer
        at = bisect.bisect_right(self._ts, ts)
        self._ts.insert(at, ts)
        self._events.insert(at, event)
        if len(self._ts) > self.spec.max_events:
            del self._ts[0], self._events[0]

    def update_row(self, row: Mapping[str, str]) -> None:
        self.update(parse_event_row(self.spec, row))

    def set_attributes(self, row: Mapping[str, str] | None) -> None:
        """The user's attribute row (raw cells), or None for none."""
        self.attributes = None if row is None else parse_attribute_row(self.spec, row)

    def inputs(self, as_of_ms: int) -> ProfileInputs:
        """The batch encoder's ``cat``, ``num`` and ``static`` (batch of 1) for every event seen, at ``as_of_ms``."""
        if self._ts and as_of_ms < self._ts[-1]:
            raise FinliteError(f"as_of_ms {as_of_ms} is before the newest event in the state ({self._ts[-1]}); "
                               "pass max(now, newest event)")
        return self.encoder.encode(self._table(), self._attribute_table(), ["user"], int(as_of_ms), counts=np.array([self.count]))

    def _table(self):
        from ..data.tables import EventTable

        if not self._events:
            return None
        schema, n = self.spec.schema, len(self._events)
        cats = {f.name: np.array([e.cats[i] for e in self._events], dtype=np.int32) for i, f in enumerate(schema.event_categoricals)}
        nums = {f.name: np.array([e.nums[i] for e in self._events], dtype=np.float32) for i, f in enumerate(schema.event_numerics)}
        return EventTable(["user"], np.array([0, n]), np.array([e.ts_ms for e in self._events], dtype=np.int64), cats, nums, None)

    def _attribute_table(self):
        from ..data.tables import AttributeTable

        if self.attributes is None:
            return None
        cats, nums, multi = {}, {}, {}
        for f, value in zip(self.spec.schema.user_fields, self.attributes):
            if f.kind == NUMERIC:
                nums[f.name] = np.array([value], dtype=np.float32)
            elif f.kind == CATEGORICAL:
                cats[f.name] = np.array([value], dtype=np.int32)
            else:
                multi[f.name] = np.array([value], dtype=np.uint8).reshape(1, -1)
        return AttributeTable(["user"], cats, nums, multi, None)

    # --- persistence (docs/state.md §3) ----------------------------------------------------------------

    def to_bytes(self) -> bytes:
        schema = self.spec.schema
        out = [_HEAD.pack(MAGIC, VERSION, bytes.fromhex(self.spec_sha256), self.count, len(self._events), int(self.attributes is not None))]
        if self.attributes is not None:
            for f, value in zip(schema.user_fields, self.attributes):
                out.append(struct.pack("<f", value) if f.kind == NUMERIC else struct.pack("<i", value) if f.kind == CATEGORICAL
                           else bytes(value))
        for e in self._events:
            out.append(struct.pack(f"<q{len(e.cats)}i{len(e.nums)}f", e.ts_ms, *e.cats, *e.nums))
        return b"".join(out)

    @classmethod
    def from_bytes(cls, spec: ProfileSpec, spec_sha256: str, blob: bytes) -> "ProfileState":
        """A state :meth:`to_bytes` wrote; :class:`StateError` (one line) for anything else."""
        state = cls(spec, spec_sha256)
        schema = spec.schema
        if len(blob) < _HEAD.size:
            raise StateError(f"state: {len(blob)} bytes, shorter than the {_HEAD.size}-byte header (truncated)")
        magic, version, digest, count, kept, has_attrs = _HEAD.unpack_from(blob)
        if magic != MAGIC:
            raise StateError(f"state: not a {formats.STATE} blob (magic {magic!r})")
        if version != VERSION:
            raise StateError(f"state: version {version}, this finlite reads {formats.STATE} (version {VERSION})")
        if digest.hex() != spec_sha256:
            raise StateError("state: written for another preprocess.json (sha256 differs): another model or spec; start a new state")
        if kept > spec.max_events or kept > count or has_attrs > 1:
            raise StateError(f"state: corrupted header ({kept} kept of {count} events, window {spec.max_events})")
        attr_size = sum(4 if f.kind != MULTI else len(f.values) for f in schema.user_fields) if has_attrs else 0
        event_fmt = struct.Struct(f"<q{len(schema.event_categoricals)}i{len(schema.event_numerics)}f")
        expected = _HEAD.size + attr_size + kept * event_fmt.size
        if len(blob) != expected:
            raise StateError(f"state: {len(blob)} bytes, expected {expected} for {kept} events (truncated or corrupted)")
        at = _HEAD.size
        if has_attrs:
            values: list = []
            for f in schema.user_fields:
                if f.kind == MULTI:
                    hot = tuple(blob[at : at + len(f.values)])
                    if any(b > 1 for b in hot):
                        raise StateError(f"state: multi field {f.name!r} holds a byte other than 0 / 1 (corrupted)")
                    values.append(hot)
                    at += len(f.values)
                else:
                    (value,) = struct.unpack_from("<f" if f.kind == NUMERIC else "<i", blob, at)
                    if f.kind == CATEGORICAL and not 0 <= value < f.vocab_size:
                        raise StateError(f"state: user field {f.name!r} id {value} outside its vocabulary (corrupted)")
                    values.append(value)
                    at += 4
            state.attributes = tuple(values)
        n_cats = len(schema.event_categoricals)
        previous = -math.inf
        for _ in range(kept):
            ts, *rest = event_fmt.unpack_from(blob, at)
            at += event_fmt.size
            cats, nums = tuple(rest[:n_cats]), tuple(rest[n_cats:])
            if ts < previous or any(not 0 <= c < f.vocab_size for c, f in zip(cats, schema.event_categoricals)):
                raise StateError("state: events out of order or an id outside its vocabulary (corrupted)")
            previous = ts
            state._ts.append(ts)
            state._events.append(EventValues(ts, cats, nums))
        state.count = count
        return state


def score_state(bundle, state: ProfileState, as_of_ms: int, format: str = "tflite", precision: str = "fp32"):
    """The profile prediction of a state with a loaded profile :class:`~finlite.runtime.bundle.Bundle`."""
    runner = bundle.runner(bundle.artifact(format, precision)["file"])
    return bundle.outputs.decode(runner.run(*state.inputs(as_of_ms).as_tuple()))[0]


__all__: Sequence[str] = ["EventValues", "ProfileState", "StateError", "parse_attribute_row", "parse_event_row", "score_state"]
