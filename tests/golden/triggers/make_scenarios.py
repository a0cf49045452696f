"""Write tests/golden/triggers/: the shared trigger scenarios (one file each), the negative spec cases and
the schema they use (the synthetic bank's). Every expected firing below is written by hand with the reason
in ``why`` — none is produced by running an engine; the Python, Kotlin and Swift suites check their engines
against these files.

A scenario: ``spec`` (triggers only; format, zone and lateness are filled in), ``steps`` (``event`` with
``at`` and its fields, ``tick`` with ``at``, ``scores`` with ``at``, or ``restart``: the engine's state is
saved to JSON text and a new engine continues from it) and ``expect``: the firings, each with ``step`` (the
index of the step whose call returned it), ``trigger``, ``time``, optional ``group`` and ``values``, and
``late`` (inputs dropped).

    .venv/bin/python tests/golden/triggers/make_scenarios.py
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scenarios_list import scenarios  # noqa: E402
from negative_list import negatives  # noqa: E402


def write(root: Path = HERE) -> None:
    """Write schema.json, scenarios/NN_name.json and negative.json under ``root``."""
    sys.path.insert(0, str(HERE.parents[2]))
    from finlite.data.synth.vocabulary import synthetic_schema

    (root / "schema.json").write_text(json.dumps(synthetic_schema().to_json(), indent=2) + "\n", encoding="utf-8")
    out = root / "scenarios"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for i, s in enumerate(scenarios()):
        doc = {"format": "finlite.trigger_scenario/1", "name": s["name"], "why": s["why"], "schema": "../schema.json",
               "spec": {"format": "finlite.triggers/1", "time_zone": s["time_zone"],
                        "allowed_lateness_ms": s["allowed_lateness_ms"], "triggers": s["triggers"]},
               "steps": s["steps"], "expect": {"firings": s["firings"], "late": s["late"]}}
        (out / f"{i + 1:02d}_{s['name']}.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    neg = {"format": "finlite.trigger_scenario/1", "schema": "schema.json", "cases": negatives()}
    (root / "negative.json").write_text(json.dumps(neg, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
