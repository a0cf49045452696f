"""Model scores for a trigger replay, behind one small interface (:class:`Scorer`).

:class:`BatchScorer` scores with the runtime's batch encoding of each user's events up to ``as_of`` (the
events after it are ignored by the encoder), one call for every user at each cadence point. When the
streaming profile state lands, a scorer over it plugs in behind the same interface.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

__all__ = ["BatchScorer", "Scorer"]


class Scorer(Protocol):
    """Scores of ``users`` as of ``as_of_ms``, in the engine's format (``{"stage", "tags", "products"}``)."""

    def score(self, users: Sequence[str], as_of_ms: int) -> dict[str, dict[str, Any]]: ...


class BatchScorer:
    """A profile bundle's scores from the batch encoder (runtime ``Bundle.encode``) and one artifact."""

    def __init__(self, bundle, events, attrs, format: str = "tflite", precision: str = "fp32", chunk: int = 2048) -> None:
        self.bundle, self.events, self.attrs, self.chunk = bundle, events, attrs, chunk
        self.runner = bundle.runner(bundle.artifact(format, precision)["file"])
        heads = bundle.postprocess["heads"]
        self.layout = {h: heads[h]["columns"] for h in ("lifecycle", "tags", "buy", "products")}
        self.stages, self.tags, self.products = (heads[h]["labels"] for h in ("lifecycle", "tags", "products"))

    def score(self, users: Sequence[str], as_of_ms: int) -> dict[str, dict[str, Any]]:
        from ...tasks.profile_outputs import head_probabilities

        out: dict[str, dict[str, Any]] = {}
        users = list(users)
        for first in range(0, len(users), self.chunk):
            part = users[first : first + self.chunk]
            inputs = self.bundle.encode(self.events, self.attrs, part, as_of_ms)
            life, tag_scores, buy, product_probs = head_probabilities(self.runner.run(*inputs), self.layout)
            propensity = buy[:, None] * product_probs
            for i, user in enumerate(part):
                out[user] = {"stage": {s: float(life[i, j]) for j, s in enumerate(self.stages)},
                             "tags": {t: float(tag_scores[i, j]) for j, t in enumerate(self.tags)},
                             "products": {p: float(propensity[i, j]) for j, p in enumerate(self.products)}}
        return out
