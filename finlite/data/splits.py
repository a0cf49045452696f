"""Deterministic splits: stratified by label (texts), and of user ids (profiles)."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def stratified_split(labels: Sequence[str], fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, held_out)``: about ``fraction`` of every label is held out (at least one
    sample of a label with two or more, none of a label with one)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    held: list[int] = []
    for label in sorted(by_label):
        index = np.array(by_label[label])
        if len(index) < 2:
            continue
        count = max(1, int(round(fraction * len(index))))
        held.extend(rng.choice(index, size=count, replace=False).tolist())
    held_mask = np.zeros(len(labels), dtype=bool)
    held_mask[held] = True
    return np.nonzero(~held_mask)[0], np.nonzero(held_mask)[0]


def split_user_ids(users: Sequence[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Deterministic split of users into (kept, held out), independent of the input order."""
    ordered = sorted(users)
    held = set(np.random.default_rng(seed).permutation(len(ordered))[: int(round(fraction * len(ordered)))].tolist())
    return [u for i, u in enumerate(ordered) if i not in held], [u for i, u in enumerate(ordered) if i in held]


def fit_val_eval_users(users: Sequence[str], eval_fraction: float, val_fraction: float, seed: int) -> tuple[list[str], list[str], list[str]]:
    """``(fit, validation, evaluation)`` users of a profile run: ``eval_fraction`` held out with
    ``seed``, then ``val_fraction`` of the rest with ``seed + 1``."""
    kept, held = split_user_ids(users, eval_fraction, seed)
    fit, val = split_user_ids(kept, val_fraction, seed + 1)
    return fit, val, held
