"""Training objectives shared by tasks (see :class:`finlite.training.trainer.Objective`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .metrics import accuracy, macro_f1


class ClassificationObjective:
    """Single-label classification: cross-entropy with label smoothing, optionally distilled from
    soft targets (``alpha`` × label loss + (1 − alpha) × T²·KL). Targets: ``(y,)`` or ``(y, soft)``."""

    selection = ("accuracy", "macro_f1")

    def __init__(self, label_smoothing: float = 0.0, alpha: float = 1.0, temperature: float = 1.0):
        self.label_smoothing, self.alpha, self.temperature = label_smoothing, alpha, temperature

    def loss(self, outputs: torch.Tensor, targets: Sequence[torch.Tensor]) -> torch.Tensor:
        hard = F.cross_entropy(outputs, targets[0], label_smoothing=self.label_smoothing)
        if len(targets) < 2:
            return hard
        t = self.temperature
        kl = F.kl_div(F.log_softmax(outputs / t, dim=1), targets[1], reduction="batchmean")
        return self.alpha * hard + (1.0 - self.alpha) * t * t * kl

    def evaluate(self, outputs: np.ndarray, targets: Sequence[np.ndarray]) -> dict[str, float]:
        pred = outputs.argmax(axis=1)
        return {"accuracy": accuracy(targets[0], pred), "macro_f1": macro_f1(targets[0], pred)}
