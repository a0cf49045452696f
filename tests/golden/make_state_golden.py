"""Write (or ``--check``) tests/golden/state_v1.json: golden event streams of the streaming profile state
(finlite.state/1, docs/state.md) for the two schemas of profile_v2.json.

Each stream is a user's raw rows in arrival order (late, equal-timestamp and future rows, more than the
window) with, after every event, the tensors the *batch* encoder gives for the rows so far read through
the loaders (arrival order = file order), at ``as_of_ms = max(AS_OF_MS, newest event)``; and the state's
blob (base64) after ``blob_after`` events, which an app must write byte for byte, read back, and continue
from to the same tensors. Kotlin and Swift replay every stream.

    .venv/bin/python tests/golden/make_state_golden.py [--check]
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_io import write_or_check  # noqa: E402
from profile_tables import AS_OF_MS, MAX_EVENTS, UTC_OFFSET_MINUTES, golden_schemas  # noqa: E402

from finlite.data.profile_features import ProfileEncoder  # noqa: E402
from finlite.data.profile_spec import ProfileSpec  # noqa: E402
from finlite.data.raw_rows import encode_profile_cases  # noqa: E402
from finlite.realtime.profile_state import ProfileState  # noqa: E402

OUT = Path(__file__).resolve().parent / "state_v1.json"
FORMAT = "finlite.golden.state/1"


def _long_stream(cases: list[dict]) -> dict:
    """Every event row of the schema's cases, as one user's stream in a scrambled arrival order (late rows,
    equal timestamps, a row older than the whole window once the window is full)."""
    rows = [row for c in cases for row in c["events"]]
    first = next(c for c in cases if c["events"])
    user_key = next(k for k in first["events"][0] if first["events"][0][k] == first["user_id"])
    order = sorted(range(len(rows)), key=lambda i: (i * 7) % len(rows))
    stream = [{**rows[i], user_key: "stream"} for i in order]
    return {"name": "all_rows_scrambled", "user_id": "stream", "attributes": {**first["attributes"], user_key: "stream"}, "events": stream}


def _stream(encoder: ProfileEncoder, spec_sha256: str, case: dict) -> dict:
    state = ProfileState(encoder.spec, spec_sha256)
    state.set_attributes(case["attributes"])
    checkpoints, newest = [], None
    blob_after = len(case["events"]) // 2
    blob = state.to_bytes() if blob_after == 0 else None
    for k in range(len(case["events"]) + 1):
        if k:
            state.update_row(case["events"][k - 1])
            newest = max(newest or state.events[-1].ts_ms, max(e.ts_ms for e in state.events))
        as_of = max(AS_OF_MS, newest or AS_OF_MS)
        batch = {**case, "events": case["events"][:k], "as_of_ms": as_of}
        cat, num, static = encode_profile_cases(encoder, [batch])
        x = state.inputs(as_of)
        assert (x.cat == cat).all() and (x.num == num).all() and (x.static == static).all(), (case["name"], k)
        checkpoints.append({"after": k, "as_of_ms": as_of, "count": state.count,
                            "inputs": {"cat": cat[0].tolist(), "num": num[0].tolist(), "static": static[0].tolist()}})
        if k == blob_after:
            blob = state.to_bytes()
    return {"name": case["name"], "attributes": case["attributes"], "events": case["events"], "checkpoints": checkpoints,
            "blob_after": blob_after, "blob": base64.b64encode(blob).decode("ascii")}


def build() -> dict:
    schemas = []
    for name, schema, norms, cases in golden_schemas():
        spec = ProfileSpec(schema=schema, max_events=MAX_EVENTS, utc_offset_minutes=UTC_OFFSET_MINUTES, norms=norms)
        spec_sha256 = hashlib.sha256(json.dumps(spec.to_json(), sort_keys=True).encode()).hexdigest()  # stands in for preprocess.json's
        encoder = ProfileEncoder(spec)
        streams = [_stream(encoder, spec_sha256, c) for c in [*cases, _long_stream(cases)]]
        schemas.append({"name": name, "profile": spec.to_json(), "spec_sha256": spec_sha256, "streams": streams})
    return {"format": FORMAT, "schemas": schemas}


def main(argv: list[str]) -> int:
    text = json.dumps(build(), indent=1, allow_nan=False) + "\n"
    return write_or_check(OUT, text, argv, "finlite.state/1 golden streams, 2 schemas", "tests/test_profile_state.py")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
