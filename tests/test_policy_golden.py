"""The shared policy goldens: each scenario's decisions (reasons included) and final log, and each refused
policy and request, reproduced by the Python reference engine."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "policy"
sys.path.insert(0, str(GOLDEN))

from make_policy_scenarios import replay, run, schema  # noqa: E402

from finlite.realtime.policy.engine import PolicyEngine  # noqa: E402
from finlite.realtime.policy.exposure_log import ExposureLog  # noqa: E402
from finlite.realtime.policy.spec import PolicySpecError, parse_policy  # noqa: E402

SCENARIOS = sorted((GOLDEN / "scenarios").glob("*.json"))
NEGATIVE = json.loads((GOLDEN / "negative.json").read_text(encoding="utf-8"))


def same(a, b, path="") -> None:
    """JSON trees equal, floats within 1e-9 (what the Kotlin and Swift tests compare)."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, abs_tol=1e-9), f"{path}: {a} != {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: {a} != {b}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b and type(a) is type(b), f"{path}: {a!r} != {b!r}"


def test_the_scenarios_cover_what_the_issue_asks():
    names = {p.stem.split("_", 1)[1] for p in SCENARIOS}
    assert len(SCENARIOS) >= 30
    assert {"suitability_never_violated", "global_daily_cap", "dedup_across_channels", "dedup_with_a_second_device",
            "holdout_gets_nothing", "same_user_same_arm", "diversity_breaks_the_bubble", "reset_my_profile"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path):
    """The whole output of every decide step and the final log (the hand-written expectations were checked
    when the file was written)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    decisions, log = replay(doc, schema())
    for i, (step, decision) in enumerate(zip(doc["steps"], decisions)):
        if "decision" in step:
            same(step["decision"], decision, f"{path.stem} step {i}")
    same(doc["log"], log, f"{path.stem} log")


def test_the_generator_reproduces_the_files():
    """make_scenarios' hand checks still hold, and it would write the same decisions."""
    from policy_arms import ARMS

    doc = run(ARMS[0], schema())
    on_disk = json.loads(next(p for p in SCENARIOS if p.stem.endswith(ARMS[0]["name"])).read_text())
    same(on_disk["steps"], doc["steps"])


@pytest.mark.parametrize("case", NEGATIVE["cases"], ids=[c["name"] for c in NEGATIVE["cases"]])
def test_refused_policy(case):
    with pytest.raises(PolicySpecError) as err:
        parse_policy(case["policy"], schema(), "policy.json")
    message = str(err.value)
    assert err.value.code == case["code"] and "\n" not in message and message.startswith("policy.json, ")
    assert f"field {case['field']!r}" in message and message.endswith(f"[{case['code']}]")
    if case["offer"]:
        assert f"offer {case['offer']!r}" in message


@pytest.mark.parametrize("case", NEGATIVE["requests"], ids=[c["name"] for c in NEGATIVE["requests"]])
def test_refused_request(case):
    engine = PolicyEngine(parse_policy(NEGATIVE["policy"], schema()), schema(), ExposureLog("phone-a"))
    with pytest.raises(PolicySpecError) as err:
        engine.decide(case["request"])
    assert err.value.code == case["code"] and f"field {case['field']!r}" in str(err.value)
    assert len(engine.log) == 0
