"""Light character noise for training texts (deletions, swaps, duplications)."""

from __future__ import annotations

import numpy as np


def char_noise(text: str, rng: np.random.Generator) -> str:
    """One random edit: delete a character, swap two neighbours or duplicate one."""
    if len(text) < 3:
        return text
    i = int(rng.integers(0, len(text) - 1))
    edit = int(rng.integers(0, 3))
    if edit == 0:
        return text[:i] + text[i + 1 :]
    if edit == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[: i + 1] + text[i] + text[i + 1 :]
