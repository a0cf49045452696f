"""Write the golden decision scenarios and negative cases of docs/policy.md (run from the repo root):

    .venv/bin/python tests/golden/policy/make_policy_scenarios.py

Each scenario's hand-written expectations (offers chosen with their channels, the check refusing each listed
offer, the arm) are checked against the Python reference engine first; the file then pins the engine's whole
output so the Kotlin and Swift engines must give the same decisions with the same reasons.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from policy_negative import NEGATIVE_POLICIES, NEGATIVE_REQUESTS  # noqa: E402
from policy_arms import ARMS, DIVERSITY  # noqa: E402
from policy_scenarios import DEDUP, DELIVERY, ELIGIBILITY  # noqa: E402

from finlite.data.schema import ProfileSchema  # noqa: E402
from finlite.realtime.policy.engine import PolicyEngine  # noqa: E402
from finlite.realtime.policy.exposure_log import Entry, ExposureLog  # noqa: E402
from finlite.realtime.policy.spec import PolicySpecError, parse_policy  # noqa: E402
from policy_helpers import policy as base_policy  # noqa: E402

SCHEMA_PATH = ROOT / "tests" / "golden" / "triggers" / "schema.json"
SCENARIO_FORMAT = "finlite.policy_scenario/1"


@lru_cache(maxsize=1)
def schema() -> ProfileSchema:
    return ProfileSchema.from_json(json.loads(SCHEMA_PATH.read_text()))


def replay(scenario: dict, sch: ProfileSchema) -> tuple[list[dict | None], list[dict]]:
    """Every step of a scenario (as written here or as a golden file) through the reference engine: the
    decision of each decide step (None for merges and resets), and the log's entries at the end."""
    from finlite.data.timestamps import parse_iso_ms

    engine = PolicyEngine(parse_policy(scenario["policy"], sch, scenario["name"]), sch, ExposureLog(scenario["device"]))
    decisions: list[dict | None] = []
    for i, step in enumerate(scenario["steps"]):
        decision = None
        if "merge" in step:
            engine.log.merge([Entry.from_json(e, f"{scenario['name']} step {i}") for e in step["merge"]])
        elif "reset" in step:
            engine.reset(step["reset"]["user"], parse_iso_ms(step["reset"]["at"]))
        else:
            decision = engine.decide(step["decide"])
        decisions.append(decision)
    return decisions, [e.to_json() for e in engine.log]


def run(scenario: dict, sch: ProfileSchema) -> dict:
    """Run one scenario, check its hand-written expectations, return the golden document."""
    decisions, log = replay(scenario, sch)
    steps = []
    for i, (step, decision) in enumerate(zip(scenario["steps"], decisions)):
        if decision is None:
            steps.append(step)
            continue
        expect = step["expect"]
        got = [(o["offer"], o["channel"]) for o in decision["offers"]]
        where = f"{scenario['name']} step {i}"
        assert got == [tuple(c) for c in expect["chosen"]], f"{where}: chose {got}, expected {expect['chosen']}"
        refused = {r["offer"]: r["check"]["check"] for r in decision["rejected"]}
        for offer, check in expect["rejected"].items():
            assert refused.get(offer) == check, f"{where}: {offer} refused by {refused.get(offer)}, expected {check}"
        if expect["arm"] is not None:
            assert decision["arm"] == expect["arm"], f"{where}: arm {decision['arm']}, expected {expect['arm']}"
        steps.append({"decide": step["decide"], "decision": decision})
    return {"format": SCENARIO_FORMAT, "name": scenario["name"], "why": scenario["why"], "device": scenario["device"],
            "policy": scenario["policy"], "steps": steps, "log": log}


def negative(sch: ProfileSchema) -> dict:
    cases = []
    for name, code, offer, field, pol in NEGATIVE_POLICIES:
        try:
            parse_policy(pol, sch, "policy.json")
        except PolicySpecError as err:
            assert err.code == code, f"{name}: code {err.code}, expected {code}: {err}"
            assert f"field {field!r}" in str(err) and (offer is None or f"offer {offer!r}" in str(err)), f"{name}: {err}"
        else:
            raise AssertionError(f"{name}: accepted")
        cases.append({"name": name, "code": code, "offer": offer, "field": field, "policy": pol})
    requests = []
    engine = PolicyEngine(parse_policy(base_policy(), sch), sch, ExposureLog("phone-a"))
    for name, code, field, request in NEGATIVE_REQUESTS:
        try:
            engine.decide(request)
        except PolicySpecError as err:
            assert err.code == code and f"field {field!r}" in str(err), f"{name}: {err}"
        else:
            raise AssertionError(f"{name}: accepted")
        requests.append({"name": name, "code": code, "field": field, "request": request})
    return {"format": "finlite.policy_negative/1", "schema": "../triggers/schema.json", "policy": base_policy(),
            "cases": cases, "requests": requests}


def main() -> None:
    sch = schema()
    out = HERE / "scenarios"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    scenarios = ELIGIBILITY + DELIVERY + DEDUP + ARMS + DIVERSITY
    names = [s["name"] for s in scenarios]
    assert len(names) == len(set(names)), "scenario names repeat"
    for n, scenario in enumerate(scenarios, 1):
        doc = run(scenario, sch)
        (out / f"{n:02d}_{scenario['name']}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    (HERE / "negative.json").write_text(json.dumps(negative(sch), indent=1, ensure_ascii=False) + "\n")
    print(f"{len(scenarios)} scenarios, {len(NEGATIVE_POLICIES)} refused policies, {len(NEGATIVE_REQUESTS)} refused requests")


if __name__ == "__main__":
    main()
