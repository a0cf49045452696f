"""Running a golden trigger scenario (tests/golden/triggers/scenarios/) through the Python engine."""

from __future__ import annotations

import json
from pathlib import Path

from finlite.data.schema import ProfileSchema
from finlite.data.timestamps import parse_iso_ms
from finlite.realtime.triggers import TriggerEngine, parse_spec

GOLDEN = Path(__file__).resolve().parent / "golden" / "triggers"
SCENARIOS = sorted((GOLDEN / "scenarios").glob("*.json"))


def load_schema() -> ProfileSchema:
    return ProfileSchema.from_json(json.loads((GOLDEN / "schema.json").read_text(encoding="utf-8")))


def run_steps(spec, schema, steps: list[dict]) -> tuple[list[dict], int]:
    """The firings (with the index of the step that returned them) and the late count."""
    engine = TriggerEngine(spec, schema)
    out: list[dict] = []
    for i, step in enumerate(steps):
        if step.get("restart"):
            engine = TriggerEngine.from_state(spec, schema, json.loads(json.dumps(engine.to_state())))
            continue
        t = parse_iso_ms(step["at"])
        if "event" in step:
            fired = engine.event(t, step["event"])
        elif "scores" in step:
            fired = engine.scores(t, step["scores"])
        else:
            fired = engine.tick(t)
        out.extend({"step": i, **f.to_json()} for f in fired)
    return out, engine.late


def run_scenario(path: Path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    schema = load_schema()
    spec = parse_spec(doc["spec"], schema, where=path.name)
    firings, late = run_steps(spec, schema, doc["steps"])
    return doc, firings, late
