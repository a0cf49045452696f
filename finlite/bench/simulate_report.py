"""The report of ``finlite simulate``: per-arm figures with 95% confidence intervals, JSON, Markdown and a plot.

Intervals: Wilson's score interval for a rate; for a difference of two rates (uplift, model vs rules) the
normal approximation ``d ± 1.96·sqrt(p1(1−p1)/n1 + p2(1−p2)/n2)``. Calibration KL is Steck's: per user, the
category distribution of their latent product affinity (softmax over the offered products, summed per
category) against the categories they were shown, smoothed as in the ranking (q̃ = 0.99q + 0.01p).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from .simulate_run import DELIVERY_CHECKS, ArmTotals
from .simulate_world import World

__all__ = ["summarise", "write_report"]

Z = 1.96


def wilson(k: int, n: int) -> tuple[float, float, float]:
    if n == 0:
        return 0.0, 0.0, 0.0
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return p, centre - half, centre + half


def difference(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    if n1 == 0 or n2 == 0:
        return 0.0, 0.0, 0.0
    p1, p2 = k1 / n1, k2 / n2
    half = Z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1 - p2, p1 - p2 - half, p1 - p2 + half


def _calibration_kl(world: World, policy, t: ArmTotals) -> float | None:
    product_category = {o.product: o.category for o in policy.offers}
    idx = [world.products.index(p) for p in product_category]
    cats = list(policy.categories)
    values = []
    for u, seen in t.categories_seen.items():
        a = world.affinity[u, idx]
        w = np.exp(a - a.max())
        p = np.zeros(len(cats))
        for weight, product in zip(w, product_category):
            p[cats.index(product_category[product])] += weight
        p /= p.sum()
        q = np.array([1.0 if c in seen else 0.0 for c in cats])
        q = 0.99 * q / q.sum() + 0.01 * p
        values.append(float(np.sum(p * np.log(p / q))))
    return float(np.mean(values)) if values else None


def summarise(world: World, policy, totals: dict[str, ArmTotals], seconds: float) -> dict[str, Any]:
    """Every figure of the report, per arm, JSON-ready."""
    holdout = next((a.id for a in policy.arms if a.holdout), None)
    rules = next((a.id for a in policy.arms if not a.model and not a.holdout), None)
    arms: dict[str, Any] = {}
    for arm in policy.arms:
        t = totals[arm.id]
        n_users, user_days = len(t.users), len(t.users) * world.days
        decisions = sum(t.decisions.values())
        seen = [len(t.categories_seen.get(u, ())) for u in t.users]
        row: dict[str, Any] = {
            "users": n_users, "decisions": dict(t.decisions), "holdout": arm.holdout,
            "offers_shown": t.shown, "would_be_offers": t.would_be,
            "messages_per_user_day": t.shown / user_days if user_days else 0.0,
            "messages_per_user_day_by_channel": {c: n / user_days for c, n in sorted(t.shown_by_channel.items())} if user_days else {},
            "stopped_per_1000_decisions": {c: 1000 * t.blocked[c] / decisions for c in DELIVERY_CHECKS} if decisions else {},
            "acceptance": wilson(t.accepted, t.shown),
            "acceptance_by_channel": {c: wilson(t.accepted_by_channel[c], n) for c, n in sorted(t.shown_by_channel.items())},
            "conversion": wilson(len(t.converted), n_users),
            "intra_list_diversity": t.diverse_pairs / t.pairs if t.pairs else None,
            "catalogue_coverage": len(t.offers_seen) / len(policy.offers),
            "calibration_kl": _calibration_kl(world, policy, t),
            "categories_seen_per_user": float(np.mean(seen)) if seen else 0.0,
            "categories_seen_histogram": np.bincount(seen, minlength=len(policy.categories) + 1).tolist() if seen else [],
            "shown_per_day": [t.shown_per_day[d] for d in range(world.days)],
        }
        if holdout and arm.id != holdout:
            h = totals[holdout]
            row["conversion_uplift_vs_holdout"] = difference(len(t.converted), n_users, len(h.converted), len(h.users))
        if rules and arm.id not in (rules, holdout):
            r = totals[rules]
            row["acceptance_vs_rules"] = difference(t.accepted, t.shown, r.accepted, r.shown)
        arms[arm.id] = row
    return {"users": len(world.user_ids), "days": world.days, "seconds": seconds, "arms": arms,
            "segments": _segments(world, policy, totals)}


def _segments(world: World, policy, totals: dict[str, ArmTotals]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, values in world.segments.items():
        table: dict[str, Any] = {}
        for value in sorted(set(values)):
            row = {}
            for arm in policy.arms:
                t = totals[arm.id]
                users = [u for u in t.users if values[u] == value]
                shown = sum(t.shown_per_user[u] for u in users)
                accepted = sum(t.accepted_per_user[u] for u in users)
                row[arm.id] = {"users": len(users), "messages_per_user_day": shown / (len(users) * world.days) if users else 0.0,
                               "acceptance": accepted / shown if shown else None}
            table[value] = row
        out[kind] = table
    return out


def _pct(ci) -> str:
    return f"{100 * ci[0]:.2f}% [{100 * ci[1]:.2f}, {100 * ci[2]:.2f}]"


def _markdown(s: dict[str, Any], command: str, machine: str) -> str:
    arms = s["arms"]
    lines = [f"# `finlite simulate`: {s['users']:,} synthetic users, {s['days']} days", "",
             f"Command: `{command}`  ", f"Machine: {machine}; wall time {s['seconds']:.0f} s.", "",
             "| arm | users | msgs / user-day | acceptance [95% CI] | conversion [95% CI] | uplift vs holdout | acceptance vs rules | "
             "intra-list diversity | coverage | calibration KL | categories seen / user |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, a in arms.items():
        up = a.get("conversion_uplift_vs_holdout")
        vs = a.get("acceptance_vs_rules")
        ild = a["intra_list_diversity"]
        kl = a["calibration_kl"]
        lines.append(f"| {name} | {a['users']:,} | {a['messages_per_user_day']:.3f} | {_pct(a['acceptance']) if not a['holdout'] else '—'} | "
                     f"{_pct(a['conversion'])} | {_pct(up) if up else '—'} | {_pct(vs) if vs else '—'} | "
                     f"{'—' if ild is None else f'{ild:.3f}'} | {a['catalogue_coverage']:.2f} | {'—' if kl is None else f'{kl:.3f}'} | "
                     f"{a['categories_seen_per_user']:.2f} |")
    lines += ["", "Offers stopped by a delivery rule, per 1,000 decisions:", "",
              "| arm | " + " | ".join(DELIVERY_CHECKS) + " |", "|---|" + "---|" * len(DELIVERY_CHECKS)]
    for name, a in arms.items():
        lines.append(f"| {name} | " + " | ".join(f"{a['stopped_per_1000_decisions'].get(c, 0):.0f}" for c in DELIVERY_CHECKS) + " |")
    for kind, table in s["segments"].items():
        names = [n for n in arms if not arms[n]["holdout"]]
        lines += ["", f"By {kind} (messages per user-day / acceptance):", "",
                  f"| {kind} | users | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
        for value, row in table.items():
            cells = []
            for n in names:
                acc = row[n]["acceptance"]
                cells.append(f"{row[n]['messages_per_user_day']:.2f} / {'—' if acc is None else f'{100 * acc:.1f}%'}")
            lines.append(f"| {value} | {sum(r['users'] for r in row.values()):,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _plot(s: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = {n: a for n, a in s["arms"].items() if not a["holdout"]}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    names = list(arms)
    acc = [100 * arms[n]["acceptance"][0] for n in names]
    err = [[100 * (arms[n]["acceptance"][0] - arms[n]["acceptance"][1]) for n in names],
           [100 * (arms[n]["acceptance"][2] - arms[n]["acceptance"][0]) for n in names]]
    axes[0].bar(names, acc, yerr=err, capsize=4, color="#4C72B0")
    axes[0].set_ylabel("acceptance of shown offers (%)")
    axes[0].set_title("acceptance, 95% CI")
    for n in names:
        hist = arms[n]["categories_seen_histogram"]
        axes[1].plot(range(len(hist)), hist, marker="o", label=n)
    axes[1].set_xlabel(f"categories seen per user in {s['days']} days")
    axes[1].set_ylabel("users")
    axes[1].set_title("filter bubble")
    axes[1].legend()
    for n in names:
        users = arms[n]["users"]
        axes[2].plot([x / users for x in arms[n]["shown_per_day"]], label=n)
    axes[2].set_xlabel("day")
    axes[2].set_ylabel("offers shown per user")
    axes[2].set_title("messages per day")
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(summary: dict[str, Any], out: Path, command: str, machine: str) -> list[Path]:
    """report.json, report.md and simulation.png in ``out``."""
    from ..bundle.files import write_json

    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "report.json", {**summary, "command": command, "machine": machine})
    (out / "report.md").write_text(_markdown(summary, command, machine), encoding="utf-8")
    _plot(summary, out / "simulation.png")
    return [out / "report.json", out / "report.md", out / "simulation.png"]
