"""The shared trigger goldens: every scenario's firings and late count, every negative spec's error code."""

from __future__ import annotations

import json

import pytest

from finlite.realtime.triggers import TriggerSpecError, parse_spec
from tests.trigger_scenarios import GOLDEN, SCENARIOS, load_schema, run_scenario

NEGATIVE = json.loads((GOLDEN / "negative.json").read_text(encoding="utf-8"))["cases"]


def test_there_are_enough_scenarios_and_every_type_is_covered():
    assert len(SCENARIOS) >= 40
    types = {t["type"] for p in SCENARIOS for t in json.loads(p.read_text())["spec"]["triggers"]}
    assert types == {"event", "dwell", "count", "distinct_days", "sequence", "absence", "model", "chain"}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path):
    doc, firings, late = run_scenario(path)
    assert firings == doc["expect"]["firings"], doc["why"]
    assert late == doc["expect"]["late"]


@pytest.mark.parametrize("case", NEGATIVE, ids=[c["name"] for c in NEGATIVE])
def test_negative_spec_is_refused_with_its_code(case):
    with pytest.raises(TriggerSpecError) as err:
        parse_spec(case["spec"], load_schema(), where="neg.json")
    assert err.value.code == case["code"]
    message = str(err.value)
    assert "\n" not in message and message.startswith("neg.json, ")
    if case["trigger"] is not None:
        assert repr(case["trigger"]) in message, message


def test_seeds_parse_against_the_synthetic_schema():
    from pathlib import Path

    seeds = json.loads((Path(__file__).resolve().parents[1] / "examples" / "triggers" / "seeds.json").read_text())
    spec = parse_spec(seeds, load_schema())
    assert [t.id for t in spec.triggers] == ["fund_page_dwell_30s", "product_viewed_3_days_no_purchase", "onboarding_abandoned_15min"]


def test_golden_files_are_what_make_scenarios_writes(tmp_path):
    """Nobody edits a golden file without its source (make_scenarios.py and the scenario lists)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_scenarios", GOLDEN / "make_scenarios.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    on_disk = sorted(p.relative_to(GOLDEN) for p in GOLDEN.rglob("*.json"))
    assert written == on_disk
    for rel in written:
        assert (tmp_path / rel).read_text() == (GOLDEN / rel).read_text(), rel
