"""The streaming profile state equals the batch encoder: on the golden streams (tests/golden/state_v1.json,
which Kotlin and Swift replay too), on generated streams in random arrival order, and after a persisted
state is read back; a damaged blob is a one-line error."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finlite.data.profile_features import ProfileEncoder
from finlite.data.profile_spec import ProfileSpec
from finlite.data.synth.vocabulary import synthetic_schema
from finlite.data.tables import EventTable
from finlite.errors import FinliteError
from finlite.realtime.profile_state import EventValues, ProfileState, StateError

GOLDEN = Path(__file__).resolve().parent / "golden"
SHA = "ab" * 32


def _golden() -> dict:
    return json.loads((GOLDEN / "state_v1.json").read_text(encoding="ascii"))


def test_the_state_golden_file_is_up_to_date():
    done = subprocess.run([sys.executable, str(GOLDEN / "make_state_golden.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _same(x, expected: dict) -> bool:
    return (x.cat[0].tolist() == expected["cat"] and np.array_equal(x.num[0], np.array(expected["num"], dtype=np.float32))
            and np.array_equal(x.static[0], np.array(expected["static"], dtype=np.float32)))


def test_golden_streams_replay_with_a_restart_at_the_persisted_point():
    doc = _golden()
    assert doc["format"] == "finlite.golden.state/1" and len(doc["schemas"]) == 2
    for schema in doc["schemas"]:
        spec = ProfileSpec.from_json(schema["profile"])
        for stream in schema["streams"]:
            state = ProfileState(spec, schema["spec_sha256"])
            state.set_attributes(stream["attributes"])
            for point in stream["checkpoints"]:
                k = point["after"]
                if k:
                    state.update_row(stream["events"][k - 1])
                assert state.count == point["count"] and _same(state.inputs(point["as_of_ms"]), point["inputs"]), (stream["name"], k)
                if k == stream["blob_after"]:
                    blob = base64.b64decode(stream["blob"])
                    assert state.to_bytes() == blob, stream["name"]
                    state = ProfileState.from_bytes(spec, schema["spec_sha256"], blob)  # the app restarts here
    names = [s["name"] for schema in doc["schemas"] for s in schema["streams"]]
    assert {"truncated_out_of_order", "equal_timestamps_future_event", "no_events", "all_rows_scrambled"} <= set(names)


SPEC = ProfileSpec(schema=synthetic_schema(), max_events=6)
VOCABS = [f.vocab_size for f in SPEC.schema.event_categoricals]
events = st.lists(st.tuples(st.integers(0, 40), *[st.integers(0, v - 1) for v in VOCABS],
                            st.floats(-50, 1e6, width=32) | st.just(float("nan")), st.floats(0, 1e5, width=32) | st.just(float("nan"))),
                  max_size=25)


def _batch(evs: list[EventValues], as_of: int):
    """The batch encoder over ``evs`` with arrival order as file order (what the loaders build)."""
    if not evs:
        return ProfileEncoder(SPEC).encode(None, None, ["u"], as_of)
    order = sorted(range(len(evs)), key=lambda i: (evs[i].ts_ms, i))
    schema = SPEC.schema
    cats = {f.name: np.array([evs[i].cats[c] for i in order], dtype=np.int32) for c, f in enumerate(schema.event_categoricals)}
    nums = {f.name: np.array([evs[i].nums[c] for i in order], dtype=np.float32) for c, f in enumerate(schema.event_numerics)}
    table = EventTable(["u"], np.array([0, len(evs)]), np.array([evs[i].ts_ms for i in order], dtype=np.int64), cats, nums, None)
    return ProfileEncoder(SPEC).encode(table, None, ["u"], as_of)


@settings(max_examples=150, deadline=None)
@given(events, st.integers(0, 25))
def test_random_streams_in_any_arrival_order_equal_the_batch_encoder(rows, restart):
    base = 1_700_000_000_000
    evs = [EventValues(base + 60_000 * (t // 3), tuple(c), (float(np.float32(a)), float(np.float32(d)))) for t, *c, a, d in rows]
    state = ProfileState(SPEC, SHA)
    for i, e in enumerate(evs):
        if i == restart:  # persisted and read back mid-stream
            state = ProfileState.from_bytes(SPEC, SHA, state.to_bytes())
        state.update(e)
    as_of = base + 3_600_000
    x, y = state.inputs(as_of), _batch(evs, as_of)
    assert np.array_equal(x.cat, y.cat) and np.array_equal(x.num, y.num) and np.array_equal(x.static, y.static)
    assert state.count == len(evs) and len(state.events) == min(len(evs), SPEC.max_events)


def _filled_state(max_events: int = 128) -> ProfileState:
    spec = ProfileSpec(schema=synthetic_schema(), max_events=max_events)
    state = ProfileState(spec, SHA)
    schema = spec.schema
    state.set_attributes({f.column: (f.values[0] if f.values else "7") for f in schema.user_fields})
    for i in range(max_events + 10):
        state.update(EventValues(1_700_000_000_000 + i * 1000, tuple(2 for _ in schema.event_categoricals), tuple(1.5 for _ in schema.event_numerics)))
    return state


def test_a_full_default_state_fits_the_16_kb_budget():
    blob = _filled_state().to_bytes()
    assert len(blob) <= 16 * 1024 and len(_filled_state().events) == 128


def test_damaged_or_foreign_blobs_are_one_line_errors():
    state = _filled_state(8)
    blob = state.to_bytes()
    spec = state.spec
    cases = {
        "truncated": (blob[:-3], SHA, "bytes, expected"),
        "header only": (blob[:10], SHA, "shorter than the"),
        "magic": (b"XXXX" + blob[4:], SHA, "not a finlite.state/1 blob"),
        "version": (blob[:4] + bytes([9]) + blob[5:], SHA, "version 9"),
        "other spec": (blob, "cd" * 32, "another preprocess.json"),
        "bad id": (blob[:-(4 * 2 + 4)] + (99999).to_bytes(4, "little") + blob[-8:], SHA, "outside its vocabulary"),
    }
    for name, (data, sha, message) in cases.items():
        with pytest.raises(StateError, match=message) as err:
            ProfileState.from_bytes(spec, sha, data)
        assert "\n" not in str(err.value), name
    with pytest.raises(FinliteError, match="before the newest event"):
        state.inputs(1_600_000_000_000)
