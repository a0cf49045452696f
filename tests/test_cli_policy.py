"""``finlite policy check`` and ``finlite simulate``'s refusals: one line naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

from finlite.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "tests/golden/triggers/schema.json")
SEEDS = ROOT / "examples/policy/seeds.json"


def test_check_accepts_the_seed_policy(capsys):
    assert main(["policy", "check", str(SEEDS), "--schema", SCHEMA]) == 0
    out = capsys.readouterr().out
    assert "ok (13 offers in 7 categories, 4 caps, arms: rules 22.5%" in out and "holdout 10%" in out


def test_check_refuses_a_broken_policy_in_one_line(tmp_path, capsys):
    policy = json.loads(SEEDS.read_text())
    policy["offers"][0]["risk"] = "7"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(policy))
    assert main(["policy", "check", str(bad), "--schema", SCHEMA]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"finlite: error: {bad}, offer 'equity_fund', field 'risk': '7' is not a level of suitability.levels [unknown_value]"


def test_check_refuses_a_file_that_is_not_json(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": ')
    assert main(["policy", "check", str(bad), "--schema", SCHEMA]) == 2
    assert "bad.json: not valid UTF-8 JSON (Expecting value: line 1 column 12" in capsys.readouterr().err


def test_check_refuses_a_key_given_twice(tmp_path, capsys):
    """json.loads would keep the second value silently; the bundle reader's rule refuses the file."""
    bad = tmp_path / "twice.json"
    bad.write_text(SEEDS.read_text().replace('"time_zone": "Asia/Shanghai"', '"time_zone": "Asia/Shanghai", "time_zone": "UTC"', 1))
    assert main(["policy", "check", str(bad), "--schema", SCHEMA]) == 2
    assert "twice.json: not valid UTF-8 JSON (duplicate key 'time_zone')" in capsys.readouterr().err


def test_simulate_refuses_a_missing_bundle_and_keeps_an_existing_report(tmp_path, capsys):
    out = tmp_path / "sim"
    out.mkdir()
    (out / "report.json").write_text("{}")
    args = ["simulate", "--bundle", str(tmp_path / "nope"), "--policy", str(SEEDS), "--triggers",
            str(ROOT / "examples/triggers/seeds.json"), "--out", str(out)]
    assert main(args) == 2
    assert "report.json exists; pass --overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite"]) == 2
    assert "nope" in capsys.readouterr().err and (out / "report.json").read_text() == "{}"
