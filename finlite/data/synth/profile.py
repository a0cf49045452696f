"""Synthetic mobile-banking user population with ground truth, for on-device *profile* models.

Every user gets a persona (young saver, fund investor, high-net-worth, retiree, dormant holder, credit-card
spender, onboarding newcomer, or a prospect who only browses), latent traits drawn with noise around the
persona means (engagement, risk appetite, wealth, credit appetite, fund affinity) and a lifecycle
trajectory over ``weeks`` weeks (stable, declining, stopped; newcomers start late). Weekly session counts
follow the traits and the trajectory; each session is ``[push_open] login → [onboarding steps] →
page views (log-normal dwell) with searches and transactions (log-normal amounts scaled by wealth) →
[logout]``. Some users have a burst of interest in one product in the last one or two weeks, others had
one weeks ago.

The labels (lifecycle stage, one score in [0, 1] per tag, next purchased product) are computed from the
latent state *and* the observed behaviour with noise, and weigh recent events more than old ones, so they
are learnable from the event sequence and attributes but not readable from one column. The generative
story and every label formula are documented in ``docs/synthetic_profiles.md``.

Timestamps are UTC epoch milliseconds; the personas' hour-of-day habits are in local time at
:data:`LOCAL_UTC_OFFSET_MINUTES` (UTC+8, the profile feature spec's default).

Only ``numpy.random.default_rng`` generators seeded from ``seed`` are used, and nothing iterates over sets
or hashes strings, so the same arguments give bit-identical populations in every process.

:func:`generate_population` runs the steps in order: users and traits (:mod:`.profile_users`), sessions
and page views (:mod:`.profile_sessions`), actions and event rows (:mod:`.profile_events`), labels
(:mod:`.profile_truth`), dirt (:mod:`.profile_dirt`); the numbers of the story are in
:mod:`.profile_story`, the files in :mod:`.profile_files`.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Mapping

import numpy as np

from ...bundle import formats
from .vocabulary import EVENT_TYPES, PAGES, PRODUCTS
from ..timestamps import iso_ms, parse_iso_ms
from .population import (
    ParquetUnavailableError,
    Population,
    PopulationArgumentError,
    PopulationExistsError,
)
from .profile_dirt import DIRT_KINDS, add_dirt
from .profile_events import draw_actions, event_rows, prior_holdings
from .profile_files import read_population, write_population
from .profile_sessions import draw_bursts, draw_page_views, draw_sessions
from .profile_story import (
    AMOUNT_EVENT_TYPES,
    DAY_MS,
    DWELL_EVENT_TYPES,
    HOUR_MS,
    LOCAL_UTC_OFFSET_MINUTES,
    PERSONA_TABLE,
    PERSONAS,
    SECOND_MS,
    TRAJECTORIES,
    UNKNOWN_EVENT_TYPES,
    UNKNOWN_PAGES,
    WEEK_MS,
    hour_tables,
)
from .profile_truth import ground_truth
from .profile_users import (
    Window,
    draw_joining,
    draw_traits,
    draw_weekly_sessions,
    observed_users,
)

__all__ = [
    "AMOUNT_EVENT_TYPES",
    "DAY_MS",
    "DWELL_EVENT_TYPES",
    "GENERATOR_VERSION",
    "HOUR_MS",
    "LOCAL_UTC_OFFSET_MINUTES",
    "PERSONAS",
    "SECOND_MS",
    "TRAJECTORIES",
    "UNKNOWN_EVENT_TYPES",
    "UNKNOWN_PAGES",
    "WEEK_MS",
    "ParquetUnavailableError",
    "Population",
    "PopulationArgumentError",
    "PopulationExistsError",
    "generate_population",
    "parse_persona_mix",
    "read_population",
    "split_users",
    "write_population",
]

GENERATOR_VERSION = formats.SYNTH_PROFILE


def generate_population(
    n_users: int,
    seed: int = 0,
    weeks: int = 12,
    as_of: str = "2026-06-30T00:00:00Z",
    dirty: bool = True,
    persona_mix: Mapping[str, float] | None = None,
) -> Population:
    """A population of ``n_users`` users observed over the ``weeks`` weeks before ``as_of``.

    ``dirty`` adds about 1 % realistic dirt to the event rows (unknown page / event_type values, rows out of
    timestamp order, empty amount / dwell cells); labels and users are the same with or without it, and the
    clean rows are identical. ``persona_mix`` (persona name → weight, see :func:`parse_persona_mix`) changes
    the persona shares: another bank's customer base, so other behaviour and other labels; personas not named
    keep their share of the story, and the weights are renormalised. Deterministic for a given set of arguments.
    """
    if isinstance(n_users, bool) or not isinstance(n_users, (int, np.integer)) or n_users < 1:
        raise PopulationArgumentError(f"n_users must be a positive integer, got {n_users!r}")
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or weeks < 6:
        raise PopulationArgumentError(f"weeks must be an integer >= 6, got {weeks!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise PopulationArgumentError(f"seed must be a non-negative integer, got {seed!r}")
    try:
        as_of_ms = parse_iso_ms(as_of)
    except ValueError as exc:
        raise PopulationArgumentError(f"as_of must be an ISO 8601 timestamp such as 2026-06-30T00:00:00Z, got {as_of!r}") from exc
    persona_weights = _persona_weights(persona_mix)
    window = Window(int(n_users), int(weeks), as_of_ms)
    rng = np.random.default_rng(int(seed))

    # one generator, one order of draws: the steps run exactly in this order
    hour_logits = hour_tables()
    traits = draw_traits(rng, window.n_users, persona_weights)
    joining = draw_joining(rng, window, traits, hour_logits)
    traj, weekly = draw_weekly_sessions(rng, window, traits, joining)
    sessions, is_customer = draw_sessions(rng, window, traits, joining, weekly, hour_logits)
    bursts = draw_bursts(rng, window, traits, sessions)
    views = draw_page_views(rng, window, traits, sessions, bursts)
    held = prior_holdings(rng, traits, is_customer, joining)
    actions = draw_actions(rng, views, sessions.customer[views.sess], held, traits)
    rows = event_rows(rng, window, traits, sessions, views, actions)
    users, aum_index = observed_users(rng, traits, joining, is_customer, held, rows)
    labels, label_info = ground_truth(rng, window, traits, rows, held, is_customer, joining.tenure, aum_index)

    ids, product_names = users["user_id"], np.array(PRODUCTS, dtype=object)
    events = {
        "user_id": ids[rows["user"]], "timestamp": rows["ts"].astype(np.int64),
        "event_type": np.array(EVENT_TYPES, dtype=object)[rows["type"]],
        "page": np.array(PAGES, dtype=object)[rows["page"]], "product": product_names[rows["product"]],
        "amount": rows["amount"].astype(np.float64), "dwell_ms": rows["dwell"].astype(np.float64),
    }
    dirt = dict.fromkeys(DIRT_KINDS, 0)
    if dirty:
        events, dirt = add_dirt(np.random.default_rng([int(seed), 1]), events)
    latent = {
        "persona": np.array(PERSONAS, dtype=object)[traits.persona],
        "trajectory": np.array(TRAJECTORIES, dtype=object)[traj],
        "is_customer": is_customer, "sessions_per_week": np.exp(traits.log_rate), "risk": traits.risk,
        "log10_aum": traits.log_aum, "credit": traits.credit, "fund": traits.fund,
        "preference": traits.preference,  # (n, offerable products): the simulator's response model reads it
        "burst_product": np.where(bursts.has_burst, product_names[bursts.burst_product], "none"),
        **label_info,
    }
    meta = {
        "generator": GENERATOR_VERSION, "schema": formats.SCHEMA, "n_users": window.n_users, "seed": int(seed),
        "weeks": window.weeks, "as_of": iso_ms(as_of_ms), "as_of_ms": as_of_ms, "dirty": bool(dirty), "dirt": dirt,
    }
    if persona_weights is not None:
        meta["persona_mix"] = {name: float(w) for name, w in zip(PERSONAS, persona_weights / persona_weights.sum())}
    return Population(events=events, users=users, labels={"user_id": ids, **labels}, as_of_ms=as_of_ms,
                      latent=latent, meta=meta)


def parse_persona_mix(text: str) -> dict[str, float]:
    """``"dormant_holder=0.25,prospect=0.05"`` → ``{"dormant_holder": 0.25, "prospect": 0.05}`` (the CLI's
    ``--persona-mix``); a malformed item raises :class:`PopulationArgumentError`."""
    mix: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        name, sep, value = item.partition("=")
        try:
            weight = float(value) if sep else None
        except ValueError:
            weight = None
        if weight is None:
            raise PopulationArgumentError(f"persona mix items are name=weight, got {item!r}")
        mix[name.strip()] = weight
    return mix


def _persona_weights(mix: Mapping[str, float] | None) -> np.ndarray | None:
    """The persona shares with ``mix`` applied, or None (the story's shares) when ``mix`` is empty."""
    if not mix:
        return None
    weights = {name: PERSONA_TABLE[name][0] for name in PERSONAS}
    for name, weight in mix.items():
        if name not in weights:
            raise PopulationArgumentError(f"unknown persona {name!r} in the persona mix; known: {', '.join(PERSONAS)}")
        if not (isinstance(weight, (int, float)) and np.isfinite(weight) and weight >= 0):
            raise PopulationArgumentError(f"persona weight must be a finite number >= 0, got {name}={weight!r}")
        weights[name] = float(weight)
    total = np.array(list(weights.values()))
    if total.sum() <= 0:
        raise PopulationArgumentError("the persona mix gives every persona weight 0")
    return total / total.sum()


def split_users(user_ids: Iterable[str], eval_fraction: float = 0.2, seed: int = 0) -> tuple[list[str], list[str]]:
    """``(train_ids, eval_ids)``: about ``eval_fraction`` of the distinct users held out, sorted.

    A user's side depends only on ``(seed, user_id)`` rank (SHA-256), never on input order or duplicates, so
    passing ``events["user_id"]`` works and growing a population moves few users across the split."""
    if not 0.0 < eval_fraction < 1.0:
        raise PopulationArgumentError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    distinct = sorted({str(u) for u in user_ids})
    if len(distinct) < 2:
        raise PopulationArgumentError("split_users needs at least two distinct user ids")
    key = lambda u: hashlib.sha256(f"{int(seed)}:{u}".encode()).hexdigest()  # noqa: E731
    ranked = sorted(distinct, key=key)
    n_eval = min(max(1, int(round(eval_fraction * len(distinct)))), len(distinct) - 1)
    held = set(ranked[:n_eval])
    return [u for u in distinct if u not in held], [u for u in distinct if u in held]
