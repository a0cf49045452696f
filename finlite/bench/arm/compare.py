"""Regression gate: compare instruction counts with a baseline ``arm.json``.

A row is keyed by (bundle name, model name, artifact, cpu, binding): two bundles called "intent" with
different models (the quickstart's and the CI smoke's) do not collide. It regresses when its instructions per inference grew
by more than ``max_regression_pct`` percent. Rows missing from either side are listed but do not
fail the gate (a new artifact has no baseline yet); rows that errored or failed parity do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import FinliteError

Key = tuple[str, str, str, str, str]


class CompareError(FinliteError):
    """The baseline file is missing or not an arm results file."""


@dataclass
class Comparison:
    max_regression_pct: float
    rows: list[dict] = field(default_factory=list)  # {"key", "baseline", "current", "change_pct", "status"}
    only_baseline: list[Key] = field(default_factory=list)
    only_current: list[Key] = field(default_factory=list)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.rows if r["status"] != "ok"]

    @property
    def passed(self) -> bool:
        """No row regressed or failed, and at least one row was compared (a gate that compared nothing fails)."""
        return bool(self.rows) and not self.failed

    def lines(self) -> list[str]:
        """Human-readable summary, one line per compared row."""
        out = []
        for r in self.rows:
            bundle, model, artifact, cpu, binding = r["key"]
            change = "n/a" if r["change_pct"] is None else f"{r['change_pct']:+.2f}%"
            out.append(f"{r['status']:>10}  {bundle}/{artifact} ({model}) on {cpu}, {binding} binding: {r['baseline']} -> {r['current']} insns/inference ({change})")
        if self.only_baseline:
            out.append(f"{'not run':>10}  {len(self.only_baseline)} baseline row(s) of other bundles, artifacts or CPUs")
        out += [f"{'new':>10}  {b}/{a} ({m}) on {c}, {bd} binding (no baseline yet)" for b, m, a, c, bd in self.only_current]
        return out


def load_results(path: Path) -> dict:
    """A results file written by :func:`finlite.bench.arm.report.write_results`."""
    path = Path(path)
    if not path.is_file():
        raise CompareError(f"baseline {path} does not exist (write one with --out-json {path})")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise CompareError(f"baseline {path} is not valid JSON ({err})") from None
    if data.get("schema") != "finlite.bench.arm/1":
        raise CompareError(f"{path}: schema {data.get('schema')!r}, expected 'finlite.bench.arm/1'")
    return data


def row_key(row: dict) -> Key:
    return (row["bundle"], row.get("model") or "?", row["artifact"], row["cpu"], row.get("binding", "python"))  # rows before the C binding: python


def _index(rows: list[dict]) -> dict[Key, dict]:
    return {row_key(r): r for r in rows}


def compare(baseline: dict, current: dict, max_regression_pct: float = 5.0) -> Comparison:
    """Rows of ``current`` against ``baseline`` (both results dicts with a ``rows`` list)."""
    base, cur = _index(baseline["rows"]), _index(current["rows"])
    result = Comparison(max_regression_pct)
    for key in sorted(cur):
        row = cur[key]
        if key not in base:
            result.only_current.append(key)
            continue
        before = base[key].get("insns_per_inference")
        after = row.get("insns_per_inference")
        if row.get("error") or after is None:
            status, change = "error", None
        else:
            change = None if not before else 100.0 * (after - before) / before
            if change is not None and change > max_regression_pct:
                status = "REGRESSED"
            elif not row.get("parity", {}).get("passed", False):
                status = "PARITY"
            else:
                status = "ok"
        result.rows.append({"key": key, "baseline": before, "current": after, "change_pct": change, "status": status})
    result.only_baseline = sorted(set(base) - set(cur))
    return result


def merge_baseline(path: Path, current: dict) -> dict:
    """``path``'s rows with ``current``'s rows added or replaced (same key); written back to ``path``."""
    path = Path(path)
    merged = load_results(path) if path.is_file() else {**current, "rows": []}
    rows = _index(merged["rows"])
    rows.update(_index(current["rows"]))
    merged = {**current, "rows": [rows[k] for k in sorted(rows)]}
    merged["command"] = "merged baseline; last: " + current.get("command", "?")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=1) + "\n")
    return merged
