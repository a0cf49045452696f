"""Properties of the trigger engine (Hypothesis) and the replay command on a small synthetic population."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finlite.realtime.triggers import TriggerEngine, TriggerStateError, parse_spec
from tests.trigger_scenarios import load_schema, run_steps

ROOT = Path(__file__).resolve().parents[1]
SEEDS = json.loads((ROOT / "examples" / "triggers" / "seeds.json").read_text())
MIXED = {"format": "finlite.triggers/1", "time_zone": "Europe/Berlin", "allowed_lateness_ms": 30_000, "triggers": [
    *SEEDS["triggers"],
    {"id": "search_buy", "type": "sequence", "first": {"field": "event_type", "eq": "search"},
     "then": {"field": "event_type", "eq": "purchase"}, "within_ms": 600_000, "cooldown_ms": 60_000},
    {"id": "views", "type": "count", "match": {"field": "event_type", "eq": "page_view"}, "goal": 3, "window_ms": 900_000, "max_firings": 4},
    {"id": "dwell_total", "type": "dwell", "match": {"field": "event_type", "eq": "page_view"}, "field": "dwell_ms",
     "min_ms": 90_000, "window_ms": 1_800_000, "unless": {"field": "event_type", "eq": "logout"}},
    {"id": "chain", "type": "chain", "steps": ["search_buy", "views"], "within_ms": 3_600_000},
]}
TYPES = ("page_view", "search", "purchase", "onboarding_step", "onboarding_complete", "logout")
PAGES = ("funds", "fund_detail", "home")
PRODUCTS = ("none", "fund_bond", "gold")

step = st.one_of(
    st.builds(lambda dt, e, p, pr, d: ("event", dt, {"event_type": e, "page": p, "product": pr, "dwell_ms": d}),
              st.integers(-40_000, 400_000), st.sampled_from(TYPES), st.sampled_from(PAGES), st.sampled_from(PRODUCTS),
              st.integers(0, 60_000)),
    st.builds(lambda dt: ("tick", dt, None), st.integers(0, 2_000_000)),
)


def _steps(draws, restarts: set[int]) -> list[dict]:
    t, out = 1_775_000_000_000, []
    from finlite.realtime.triggers.primitives import iso

    for i, (kind, dt, fields) in enumerate(draws):
        t += dt
        out.append({"at": iso(t), "event": fields} if kind == "event" else {"at": iso(t), "tick": True})
        if i in restarts:
            out.append({"restart": True})
    return out


def _strip(firings: list[dict]) -> list[dict]:
    return [{k: v for k, v in f.items() if k != "step"} for f in firings]


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=60), st.sets(st.integers(0, 59), max_size=6))
def test_output_does_not_depend_on_restarts(draws, restarts):
    schema = load_schema()
    spec = parse_spec(MIXED, schema)
    plain, late = run_steps(spec, schema, _steps(draws, set()))
    split, late_split = run_steps(spec, schema, _steps(draws, restarts))
    assert _strip(plain) == _strip(split) and late == late_split


@settings(max_examples=40, deadline=None)
@given(st.lists(step, min_size=1, max_size=60))
def test_firings_are_in_time_order_and_respect_cooldown_and_cap(draws):
    from finlite.data.timestamps import parse_iso_ms

    schema = load_schema()
    spec = parse_spec(MIXED, schema)
    firings, _ = run_steps(spec, schema, _steps(draws, set()))
    times = [parse_iso_ms(f["time"]) for f in firings]
    assert times == sorted(times)  # processed in event-time order, timers included
    views = [f for f in firings if f["trigger"] == "views"]
    assert len(views) <= 4
    buys = [parse_iso_ms(f["time"]) for f in firings if f["trigger"] == "search_buy"]
    assert all(b - a >= 60_000 for a, b in zip(buys, buys[1:]))


def test_state_of_another_spec_is_refused():
    schema = load_schema()
    engine = TriggerEngine(parse_spec(SEEDS, schema), schema)
    other = parse_spec({**SEEDS, "allowed_lateness_ms": 0}, schema)
    with pytest.raises(TriggerStateError, match="another trigger spec"):
        TriggerEngine.from_state(other, schema, engine.to_state())
    with pytest.raises(TriggerStateError, match="unsupported format"):
        TriggerEngine.from_state(other, schema, {"format": "finlite.trigger_state/0"})


def test_replay_command_writes_firings_counts_and_summary(tmp_path):
    from finlite.cli import main

    data = tmp_path / "data"
    assert main(["data", "synth-profile", "--users", "60", "--weeks", "6", "--out", str(data), "--seed", "3"]) == 0
    out = tmp_path / "replay"
    assert main(["triggers", "replay", "--spec", str(ROOT / "examples/triggers/seeds.json"), "--events",
                 str(data / "events.csv"), "--out", str(out), "--no-progress", "--no-plot"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    lines = [json.loads(x) for x in (out / "firings.jsonl").read_text().splitlines()]
    assert summary["events"] > 0 and sum(summary["firings"].values()) == len(lines)
    table = (out / "counts_by_day.csv").read_text().splitlines()
    assert table[0] == "day," + ",".join(summary["firings"])
    assert sum(int(c) for row in table[1:] for c in row.split(",")[1:]) == len(lines)
    for line in lines:
        if line["trigger"] == "fund_page_dwell_30s":
            assert line["values"]["dwell_ms"] >= 30000
        if line["trigger"] == "onboarding_abandoned_15min":
            assert line["values"]["waited_ms"] == 900000


def test_replay_refuses_a_bad_spec_in_one_line(tmp_path, capsys):
    from finlite.cli import main

    data = tmp_path / "data"
    main(["data", "synth-profile", "--users", "5", "--weeks", "6", "--out", str(data)])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**SEEDS, "triggers": [{**SEEDS["triggers"][0], "field": "dwell_seconds"}]}))
    assert main(["triggers", "replay", "--spec", str(bad), "--events", str(data / "events.csv"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'fund_page_dwell_30s'" in err and "[unknown_field]" in err


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 200_000), st.sampled_from(TYPES), st.sampled_from(PAGES), st.integers(0, 60_000),
                          st.integers(0, 29_999)), min_size=1, max_size=50))
def test_disorder_within_the_lateness_changes_nothing(rows):
    """Events that arrive out of order but never behind the watermark (jitter < allowed lateness, 30 s) give the
    firings of the sorted stream."""
    from finlite.realtime.triggers.primitives import iso

    schema = load_schema()
    spec = parse_spec(MIXED, schema)
    t, events = 1_775_000_000_000, []
    for gap, kind, page, dwell, jitter in rows:
        t += gap  # distinct times: equal times would keep arrival order by design
        events.append((t, jitter, {"event_type": kind, "page": page, "dwell_ms": dwell}))
    end = [{"at": iso(t + 10_000_000), "tick": True}]
    ordered = [{"at": iso(x), "event": f} for x, _, f in events] + end
    shuffled = [{"at": iso(x), "event": f} for x, _, f in sorted(events, key=lambda e: e[0] + e[1])] + end
    a, late_a = run_steps(spec, schema, ordered)
    b, late_b = run_steps(spec, schema, shuffled)
    assert late_a == late_b == 0
    assert _strip(a) == _strip(b)


def test_a_full_reorder_buffer_processes_its_oldest_early(monkeypatch):
    from finlite.realtime.triggers import engine as engine_module

    monkeypatch.setattr(engine_module, "MAX_BUFFER", 3)
    schema = load_schema()
    spec = parse_spec({**MIXED, "allowed_lateness_ms": 10**9}, schema)
    eng = TriggerEngine(spec, schema)
    for i in range(5):
        eng.event(1_775_000_000_000 + i * 1000, {"event_type": "page_view"})
    assert eng.forced == 2 and len(eng.to_state()["buffer"]) == 3
