"""Write (or ``--check``) tests/golden/profile_v2.json: golden vectors of the finlite.profile/2 encoder.

For two schemas (tests/golden/profile_tables.py) the file holds the spec (with the whole schema, as in a
bundle's preprocess.json) and hand-built cases of raw text rows with the tensors Python encodes from them;
Kotlin and Swift parse and encode the same rows and must match (cat exactly, num / static within 1e-6).

    .venv/bin/python tests/golden/make_profile_golden.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_io import write_or_check  # noqa: E402
from profile_tables import AS_OF_MS, MAX_EVENTS, UTC_OFFSET_MINUTES, golden_schemas  # noqa: E402

from finlite.data.profile_features import ProfileEncoder  # noqa: E402
from finlite.data.profile_spec import ProfileSpec  # noqa: E402
from finlite.data.raw_rows import encode_profile_cases  # noqa: E402
from finlite.data.timestamps import iso_ms  # noqa: E402

OUT = Path(__file__).resolve().parent / "profile_v2.json"
FORMAT = "finlite.golden.profile/2"


def build() -> dict:
    schemas = []
    for name, schema, norms, cases in golden_schemas():
        spec = ProfileSpec(schema=schema, max_events=MAX_EVENTS, utc_offset_minutes=UTC_OFFSET_MINUTES, norms=norms)
        for c in cases:
            c["as_of_ms"], c["as_of"] = AS_OF_MS, iso_ms(AS_OF_MS)
        cat, num, static = encode_profile_cases(ProfileEncoder(spec), cases)
        schemas.append({"name": name, "profile": spec.to_json(), "cases": [
            {**{k: c[k] for k in ("name", "user_id", "as_of_ms", "as_of", "events", "attributes")},
             "inputs": {"cat": cat[i].tolist(), "num": num[i].tolist(), "static": static[i].tolist()}}
            for i, c in enumerate(cases)]})
    return {"format": FORMAT, "schemas": schemas}


def main(argv: list[str]) -> int:
    text = json.dumps(build(), indent=1, allow_nan=False) + "\n"
    return write_or_check(OUT, text, argv, "finlite.profile/2 golden vectors, 2 schemas", "tests/test_profile_features.py")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
