"""``finlite triggers replay``: an events file through a trigger spec, user by user, in event time.

Each user gets a fresh :class:`~.engine.TriggerEngine`; their events go in in the loader's order (sorted by
time, equal times in file order); with a scorer, score updates at the cadence points (every
``score_every_ms`` from the first event's UTC midnight) go in between them; at the end the clock is ticked
to the user's last input + the allowed lateness, so every buffered event is processed and every absence
due by the last input fires (one pending later is not reported: the file ends before it is decided).
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ...data.schema import CATEGORICAL, FIRST_ID, OOV_ID, ProfileSchema
from ...errors import FinliteError
from .engine import Firing, TriggerEngine
from .scoring import Scorer
from .spec import TriggerSpec

__all__ = ["OOV_VALUE", "ReplayResult", "replay_table", "user_events", "write_outputs"]

OOV_VALUE = "\u0000oov"  # an event value outside the vocabulary: equal to no value a spec may name
DAY_MS = 86_400_000


@dataclass
class ReplayResult:
    firings: list[tuple[str, Firing]]  # (user, firing)
    users: int
    events: int
    late: int
    seconds: float
    score_updates: int = 0


def user_events(table, schema: ProfileSchema, u: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """One user's events as (epoch ms, {field: raw value}) from an EventTable."""
    lo, hi = int(table.offsets[u]), int(table.offsets[u + 1])
    cats = [(f.name, table.cats[f.name][lo:hi].tolist(), (None, OOV_VALUE, *f.values)) for f in schema.event_fields if f.kind == CATEGORICAL]
    nums = [(name, table.nums[name][lo:hi].tolist()) for name in table.nums]
    times = table.ts_ms[lo:hi].tolist()
    for i, t in enumerate(times):
        event: dict[str, Any] = {}
        for name, ids, values in cats:
            value = values[ids[i]] if ids[i] < len(values) else OOV_VALUE
            if value is not None:
                event[name] = value
        for name, column in nums:
            v = column[i]
            if v == v:  # not NaN
                event[name] = v
        yield t, event


def replay_table(spec: TriggerSpec, schema: ProfileSchema, table, scorer: Scorer | None = None,
                 score_every_ms: int = DAY_MS, progress: bool = True) -> ReplayResult:
    """Replay an :class:`~finlite.data.tables.EventTable` (see the module docstring)."""
    from tqdm.auto import tqdm

    assert FIRST_ID == 2 and OOV_ID == 1  # the value tables in user_events index ids this way
    start = time.perf_counter()
    updates = _score_updates(table, scorer, score_every_ms) if scorer is not None else {}
    firings: list[tuple[str, Firing]] = []
    late = 0
    with tqdm(total=len(table), unit="event", unit_scale=True, desc="replaying triggers", disable=not progress) as bar:
        for u, user in enumerate(table.user_ids):
            engine = TriggerEngine(spec, schema)
            pending = updates.get(user, [])
            k = 0
            last = None
            for t, event in user_events(table, schema, u):
                while k < len(pending) and pending[k][0] <= t:
                    firings.extend((user, f) for f in engine.scores(*pending[k]))
                    k += 1
                firings.extend((user, f) for f in engine.event(t, event))
                last = t
            if last is not None:
                firings.extend((user, f) for f in engine.tick(last + spec.allowed_lateness_ms))
            late += engine.late
            bar.update(int(table.offsets[u + 1] - table.offsets[u]))
    n_updates = sum(len(v) for v in updates.values())
    return ReplayResult(firings, len(table.user_ids), len(table), late, time.perf_counter() - start, n_updates)


def _score_updates(table, scorer: Scorer, every_ms: int) -> dict[str, list[tuple[int, dict]]]:
    """Per user, (time, scores) at each cadence point after their first event and up to their last."""
    import numpy as np

    if every_ms <= 0:
        raise FinliteError(f"--score-every must be > 0 ms, got {every_ms}")
    first, last = int(table.ts_ms.min()), int(table.ts_ms.max())
    out: dict[str, list[tuple[int, dict]]] = {}
    starts = table.ts_ms[table.offsets[:-1]]
    ends = table.ts_ms[table.offsets[1:] - 1]
    users = np.array(table.user_ids, dtype=object)
    point = first - first % DAY_MS + every_ms
    while point <= last + every_ms:
        active = users[(starts <= point) & (ends >= point - every_ms)].tolist()
        for user, scores in scorer.score(active, point).items():
            out.setdefault(user, []).append((point, scores))
        point += every_ms
    return out


def day_counts(result: ReplayResult, zone: str) -> dict[tuple[str, str], int]:
    """(trigger, local day) -> firings, days in the spec's time zone."""
    from zoneinfo import ZoneInfo

    tz, epoch = ZoneInfo(zone), _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
    return dict(Counter((f.trigger, (epoch + _dt.timedelta(milliseconds=f.time)).astimezone(tz).date().isoformat())
                        for _, f in result.firings))


def write_outputs(result: ReplayResult, spec: TriggerSpec, out: Path, plot: bool = True) -> dict[str, Any]:
    """firings.jsonl, counts_by_day.csv, summary.json and counts_by_day.png (matplotlib) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "firings.jsonl", "w", encoding="utf-8") as fh:
        for user, f in result.firings:
            fh.write(json.dumps({"user": user, **f.to_json()}, sort_keys=False) + "\n")
    counts = day_counts(result, spec.time_zone)
    days = sorted({d for _, d in counts})
    ids = [t.id for t in spec.triggers]
    with open(out / "counts_by_day.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["day", *ids])
        for d in days:
            writer.writerow([d, *(counts.get((tid, d), 0) for tid in ids)])
    per_trigger = Counter(f.trigger for _, f in result.firings)
    users_fired = {tid: len({u for u, f in result.firings if f.trigger == tid}) for tid in ids}
    summary = {"users": result.users, "events": result.events, "late_events_dropped": result.late,
               "score_updates": result.score_updates, "seconds": round(result.seconds, 3),
               "events_per_second": round(result.events / max(result.seconds, 1e-9)),
               "firings": {tid: per_trigger.get(tid, 0) for tid in ids}, "users_fired": users_fired}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    summary["plot"] = bool(plot and days) and _plot(counts, days, ids, out / "counts_by_day.png")
    return summary


def _plot(counts: dict[tuple[str, str], int], days: list[str], ids: list[str], path: Path) -> bool:
    """The per-day counts as lines; False when matplotlib is not installed (pip install 'finlite[bench]')."""
    try:
        import matplotlib
    except ImportError:
        return False

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5))
    for tid in ids:
        ax.plot(range(len(days)), [counts.get((tid, d), 0) for d in days], label=tid, linewidth=1.2)
    step = max(1, len(days) // 10)
    ax.set_xticks(range(0, len(days), step), days[::step], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("firings per day")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
