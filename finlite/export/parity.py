"""Parity of an exported artifact against the PyTorch model it came from.

The reference is the PyTorch model in eval mode on the same ids. Criteria:

* fp32 artifacts (:data:`FP32_TOLERANCE`): max |Δ logit| ≤ 1e-4 and top-1 agreement 1.0;
* int8 artifacts (:data:`INT8_TOLERANCE`): top-1 agreement ≥ 0.99; max |Δ logit| is reported
  but not checked.

The ids used for a parity check must be held out: different from the samples used to trace the
export and to calibrate int8 quantization (calibration samples fit the quantization ranges, so
agreement on them is optimistic). Callers are responsible for passing such ids.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol

import numpy as np
import torch
from torch import nn

FP32_TOLERANCE: dict = {"max_abs_diff": 1e-4, "min_top1": 1.0}
INT8_TOLERANCE: dict = {"max_abs_diff": None, "min_top1": 0.99}


class Runner(Protocol):
    def run(self, ids: np.ndarray) -> np.ndarray: ...


@dataclass
class ParityResult:
    artifact: str
    n: int
    max_abs_diff: float
    top1_agreement: float
    passed: bool
    tolerance: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


@torch.no_grad()
def reference_logits(model: nn.Module, ids: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """PyTorch logits ``(N, C)`` of ``model`` in eval mode (its train/eval mode is restored)."""
    was_training = model.training
    model.eval()
    try:
        ids = np.ascontiguousarray(ids)
        outs = [model(torch.from_numpy(ids[i : i + batch_size])).float().numpy() for i in range(0, len(ids), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outs, axis=0)


def check_parity(
    model: nn.Module,
    runner: Runner,
    ids: np.ndarray,
    max_abs_diff: float | None,
    min_top1: float,
    artifact: str,
) -> ParityResult:
    """Compare ``runner.run(ids)`` with the PyTorch eval-mode logits of ``model`` on ``ids``.

    Passes when top-1 agreement ≥ ``min_top1`` and, unless ``max_abs_diff`` is None, the largest
    absolute logit difference ≤ ``max_abs_diff``. ``ids`` must not include tracing or calibration
    samples (see module doc). Use ``**FP32_TOLERANCE`` or ``**INT8_TOLERANCE`` for the criteria.
    """
    ids = np.asarray(ids)
    if len(ids) == 0:
        raise ValueError("parity needs at least one sample")
    expected = reference_logits(model, ids)
    actual = np.asarray(runner.run(ids), dtype=np.float32)
    if actual.shape != expected.shape:
        raise ValueError(f"{artifact}: output shape {actual.shape} != reference {expected.shape}")
    diff = float(np.max(np.abs(actual - expected)))
    top1 = float(np.mean(actual.argmax(axis=1) == expected.argmax(axis=1)))
    passed = bool(np.isfinite(actual).all()) and top1 >= min_top1
    if max_abs_diff is not None:
        passed = passed and diff <= max_abs_diff
    return ParityResult(
        artifact=artifact,
        n=int(len(ids)),
        max_abs_diff=diff,
        top1_agreement=top1,
        passed=passed,
        tolerance={"max_abs_diff": max_abs_diff, "min_top1": min_top1},
    )
