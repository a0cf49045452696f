"""``finlite simulate`` on a small population: the loop's invariants (caps hold, the holdout is shown
nothing, every user is in one arm), its confidence intervals, and that a scorer which knows the users'
latent interests beats the rules-only arm — the comparison the simulator exists to make."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo
from types import SimpleNamespace

import numpy as np
import pytest

from finlite.bench.simulate_report import difference, summarise, wilson, write_report
from finlite.bench.simulate_run import run_simulation
from finlite.bench.simulate_world import build_world
from finlite.data.schema import ProfileSchema
from finlite.realtime.policy.data_use import data_use_summary
from finlite.realtime.policy.local_time import LocalTime
from finlite.realtime.policy.spec import parse_policy
from finlite.realtime.triggers import parse_spec

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ProfileSchema.from_json(json.loads((ROOT / "tests/golden/triggers/schema.json").read_text()))
POLICY = parse_policy(json.loads((ROOT / "examples/policy/seeds.json").read_text()), SCHEMA)
TRIGGERS = parse_spec(json.loads((ROOT / "examples/triggers/seeds.json").read_text()), SCHEMA)


class OracleScorer:
    """Propensity = softmax of the generator's latent affinity (what no real model sees); noise > 0 blurs it."""

    def __init__(self, world, noise: float, seed: int) -> None:
        self.world, self.index = world, {u: i for i, u in enumerate(world.user_ids)}
        self.noise = np.random.default_rng(seed).standard_normal(world.affinity.shape) * noise

    def score(self, users, as_of_ms):
        out = {}
        for user in users:
            a = self.world.affinity[self.index[user]] + self.noise[self.index[user]]
            p = np.exp(a - a.max())
            p /= p.sum()
            out[user] = {"stage": {"active": 0.6, "new": 0.2, "prospect": 0.1, "pre_churn": 0.05, "churned": 0.05},
                         "tags": {t: 0.5 for t in SCHEMA.tag_names},
                         "products": {prod: float(p[j]) for j, prod in enumerate(self.world.products)}}
        return out


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    world = build_world(SCHEMA, 1500, 10, seed=3, zone=POLICY.time_zone)
    scorers = {"champion": OracleScorer(world, 0.0, 1), "challenger": OracleScorer(world, 3.0, 2)}
    totals = run_simulation(world, POLICY, TRIGGERS, scorers, seed=3, progress=False)
    summary = summarise(world, POLICY, totals, 1.0)
    out = tmp_path_factory.mktemp("sim")
    paths = write_report(summary, out, "finlite simulate (test)", "test machine")
    return world, totals, summary, paths


def test_every_user_is_in_exactly_one_arm_and_the_holdout_sees_nothing(simulated):
    world, totals, summary, _ = simulated
    assert sum(len(t.users) for t in totals.values()) == len(world.user_ids)
    hold = summary["arms"]["holdout"]
    assert hold["offers_shown"] == 0 and hold["would_be_offers"] > 0 and hold["messages_per_user_day"] == 0


def test_caps_hold_and_the_rates_are_inside_their_intervals(simulated):
    world, _, summary, _ = simulated
    first = LocalTime(world.start_ms, ZoneInfo(POLICY.time_zone))
    assert first.minute == 0  # the days start at local midnight
    iso_weeks = {(first.day + d + 3) // 7 for d in range(world.days)}  # the calendar weeks the simulated days touch
    for name, arm in summary["arms"].items():
        assert arm["messages_per_user_day"] <= 3  # the global cap: 3 a day
        assert arm["messages_per_user_day_by_channel"].get("push", 0) <= 2 * len(iso_weeks) / world.days + 1e-9  # 2 a week
        for key in ("acceptance", "conversion"):
            p, lo, hi = arm[key]
            assert 0 <= lo <= p <= hi <= 1
        assert 0 < arm["categories_seen_per_user"] <= len(POLICY.categories) or arm["holdout"]


def test_a_model_that_knows_the_users_beats_rules_only(simulated):
    _, _, summary, _ = simulated
    diff, lo, _ = summary["arms"]["model"]["acceptance_vs_rules"]
    assert diff > 0 and lo > 0, summary["arms"]["model"]["acceptance_vs_rules"]


def test_diversity_widens_the_categories_users_see(simulated):
    _, _, summary, _ = simulated
    assert summary["arms"]["diverse"]["categories_seen_per_user"] > summary["arms"]["model"]["categories_seen_per_user"]


def test_the_report_files(simulated):
    _, _, summary, paths = simulated
    assert [p.name for p in paths] == ["report.json", "report.md", "simulation.png"]
    doc = json.loads(paths[0].read_text())
    assert doc["arms"].keys() == summary["arms"].keys() and doc["command"] == "finlite simulate (test)"
    md = paths[1].read_text()
    assert "| diverse |" in md and "By age band" in md and paths[2].stat().st_size > 10_000


def test_intervals():
    p, lo, hi = wilson(0, 50)
    assert p == 0 and lo == 0 and 0.05 < hi < 0.09  # Wilson's interval is not degenerate at 0
    d, lo, hi = difference(60, 1000, 40, 1000)
    assert d == pytest.approx(0.02) and lo < 0.02 < hi and hi - lo == pytest.approx(2 * 1.96 * np.sqrt(0.06 * 0.94 / 1000 + 0.04 * 0.96 / 1000))


def test_data_use_summary_names_what_is_read_kept_and_erased():
    bundle = SimpleNamespace(encoder=SimpleNamespace(spec=SimpleNamespace(max_events=128, schema=SCHEMA)),
                             manifest={"name": "profile", "version": "3"})
    text = data_use_summary(bundle, POLICY, TRIGGERS)
    assert "the last 128 events" in text and "`risk_level`" in text and "Reset my profile" in text
    assert "at most 2 pushes a week" in text and "10% of users see no offers" in text
    assert "one view of a fund page lasting 30 s or more" in text
