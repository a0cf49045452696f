"""The simulated world of ``finlite simulate``: a synthetic population whose last ``days`` days are replayed,
its loaded tables, each user's attributes and product views, and the response model.

The population comes from the built-in generator (a seed the models were not trained on) over the weeks
before the simulation plus the simulated days, so every user has a history when the first day starts and
their own behaviour (sessions, page views, organic purchases) during it. The generator's latent product
affinity (``latent["preference"]``) is what the response model reads; the models never see it.

Response model (docs/simulation.md): a user shown offer *o* for product *p* on channel *c* accepts with

    P = sigmoid(-3.0 + 0.9·affinity[u, p] + 0.7·ln(1 + views of p in the last 14 days)
                - 0.15·(offers shown to u in the last 7 days) + channel[c] + 0.3·[caused by a trigger])

with channel in-app +0.4, push 0, inbox -0.4; a product the user holds is never accepted.
"""

from __future__ import annotations

import bisect
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RESPONSE", "World", "accept_probability", "build_world"]

DAY_MS = 86_400_000
RESPONSE = {"bias": -3.0, "affinity": 0.9, "views": 0.7, "fatigue": 0.15, "trigger": 0.3, "views_days": 14,
            "fatigue_days": 7, "channel": {"in_app": 0.4, "push": 0.0, "inbox": -0.4}}


@dataclass
class World:
    """Everything the simulation reads; ``start_ms`` is local midnight of the first simulated day."""

    schema: Any
    events: Any  # EventTable (all events, history and simulated days)
    attrs: Any  # AttributeTable
    user_ids: list[str]
    attributes: list[dict[str, Any]]  # typed, as a decision request carries them
    affinity: np.ndarray  # (users, products) latent
    products: tuple[str, ...]
    start_ms: int
    days: int
    segments: dict[str, list[str]]  # segment kind -> value per user
    views: list[dict[str, list[int]]] = field(default_factory=list)  # per user: product -> sorted view times
    purchases: list[list[tuple[int, str]]] = field(default_factory=list)  # per user: (time, product) organic
    first_logins: list[dict[int, int]] = field(default_factory=list)  # per user: day -> first login time


def accept_probability(world: World, u: int, product: str, channel: str, at: int, shown_last_week: int, triggered: bool) -> float:
    """The response model above; 0 for a product the user already holds."""
    r = RESPONSE
    times = world.views[u].get(product, [])
    views = bisect.bisect_right(times, at) - bisect.bisect_left(times, at - r["views_days"] * DAY_MS)
    x = (r["bias"] + r["affinity"] * float(world.affinity[u, world.products.index(product)]) + r["views"] * math.log1p(views)
         - r["fatigue"] * shown_last_week + r["channel"][channel] + (r["trigger"] if triggered else 0.0))
    return 1.0 / (1.0 + math.exp(-x))


def _age_band(age: float | None) -> str:
    if age is None:
        return "unknown"
    return "18-29" if age < 30 else "30-44" if age < 45 else "45-59" if age < 60 else "60+"


def build_world(schema, n_users: int, days: int, seed: int, zone: str, history_weeks: int = 12) -> World:
    """Generate, write and load a population; index what the loop needs per user. The days are ``days``
    24-hour periods ending at the local midnight (in ``zone``) that ends the generator's window."""
    from zoneinfo import ZoneInfo

    from ..realtime.policy.local_time import LocalTime
    from ..data.events import load_attributes, load_events
    from ..data.synth.profile import generate_population
    from ..data.synth.profile_files import write_population
    from ..data.synth.vocabulary import OFFERABLE_PRODUCTS

    weeks = history_weeks + -(-days // 7)
    pop = generate_population(n_users, seed=seed, weeks=weeks, dirty=False)
    with tempfile.TemporaryDirectory(prefix="finlite-sim-") as tmp:
        paths = write_population(pop, Path(tmp))
        events = load_events(paths["events"], schema)
        attrs = load_attributes(paths["users"], schema)
    end = LocalTime(pop.as_of_ms, ZoneInfo(zone))
    start = pop.as_of_ms - end.local_ms % DAY_MS - days * DAY_MS  # local midnight at the end, minus the days
    index = {u: i for i, u in enumerate(pop.users["user_id"])}
    order = [index[u] for u in events.user_ids]  # the loader's user order
    fields = {f.name: f for f in schema.user_fields}
    attributes = []
    for i in order:
        row: dict[str, Any] = {}
        for name, f in fields.items():
            raw = pop.users[name][i]
            text = "" if raw is None else str(raw)
            if f.kind == "multi":
                row[name] = [v for v in text.split(f.separator) if v]
            elif text == "" or (f.kind == "numeric" and text.lower() == "nan"):
                row[name] = None
            else:
                row[name] = float(text) if f.kind == "numeric" else text
        attributes.append(row)
    world = World(schema, events, attrs, list(events.user_ids), attributes,
                  np.asarray(pop.latent["preference"], dtype=np.float64)[order], tuple(OFFERABLE_PRODUCTS), start, days,
                  {"age band": [_age_band(a.get("age")) for a in attributes],
                   "AUM bucket": [a.get("aum_bucket") or "unknown" for a in attributes],
                   "lifecycle stage": [str(pop.labels["lifecycle"][i]) for i in order]})
    _index_behaviour(world, pop, order)
    return world


def _index_behaviour(world: World, pop, order: list[int]) -> None:
    """Per user: product view times, organic purchases and the first login of each simulated day."""
    ev = pop.events
    by_user: dict[str, list[int]] = {}
    for k, u in enumerate(ev["user_id"]):
        by_user.setdefault(u, []).append(k)
    ids = pop.users["user_id"]
    for i in order:
        views: dict[str, list[int]] = {}
        purchases: list[tuple[int, str]] = []
        logins: dict[int, int] = {}
        for k in sorted(by_user.get(ids[i], []), key=lambda k: ev["timestamp"][k]):
            t, kind, product = int(ev["timestamp"][k]), ev["event_type"][k], ev["product"][k]
            if kind == "page_view" and product != "none":
                views.setdefault(product, []).append(t)
            elif kind == "purchase" and product != "none" and t >= world.start_ms:
                purchases.append((t, product))
            elif kind == "login" and t >= world.start_ms:
                logins.setdefault((t - world.start_ms) // DAY_MS, t)
        world.views.append(views)
        world.purchases.append(purchases)
        world.first_logins.append({d: t for d, t in logins.items() if d < world.days})
