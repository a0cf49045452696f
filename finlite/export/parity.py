"""Parity of an exported artifact against the PyTorch model it came from.

The reference is the PyTorch model in eval mode on the same inputs (one array, or a tuple of arrays
for multi-input models). Criteria:

* fp32 artifacts (:data:`FP32_TOLERANCE`): max |Δ output| ≤ 1e-4 over all outputs and top-1
  agreement 1.0;
* int8 artifacts (:data:`INT8_TOLERANCE`): top-1 agreement ≥ 0.99 on the *decisive* samples — those
  whose PyTorch top-2 logit gap is at least ``decisive_margin`` (0.2) — and ≥ 0.95 on all samples;
  max |Δ output| is reported but not checked. A sample whose two best classes are within 0.2 logits
  (probability ratio < 1.22) is a near-tie that any int8 rounding may flip. Measured: the quickstart's
  4,000-user profile model, int8 ONNX: 99.38% agreement overall, 100% on the 0.2-decisive users,
  held-out lifecycle macro-F1 0.8081 vs 0.8072 in fp32; a weak 600-user model, int8 TFLite: 95.8%
  overall (7 flips, 6 of them near-ties), 99.35% decisive. Quality on held-out labels is measured
  separately (bundle manifest, ``finlite verify --eval``).

Top-1 agreement is the arg-max over ``top1_columns`` (``(start, stop)``; all columns by default).
Which columns make the decision is a property of the task (intent: all logits; profile: the
lifecycle slice) — see :class:`finlite.tasks.base.TaskOutputs`.

The inputs used for a parity check must be held out: different from the samples used to trace the
export and to calibrate int8 quantization (calibration samples fit the quantization ranges, so
agreement on them is optimistic). Callers are responsible for passing such inputs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from ..bundle.runners import as_input_tuple, batch_size, model_arrays

FP32_TOLERANCE: dict = {"max_abs_diff": 1e-4, "min_top1": 1.0}
INT8_TOLERANCE: dict = {"max_abs_diff": None, "min_top1": 0.99, "decisive_margin": 0.2, "min_top1_all": 0.95}


class Runner(Protocol):
    def run(self, *inputs: np.ndarray) -> np.ndarray: ...


@dataclass
class ParityResult:
    artifact: str
    n: int
    max_abs_diff: float
    top1_agreement: float
    passed: bool
    tolerance: dict = field(default_factory=dict)
    top1_columns: list[int] | None = None  # [start, stop) of the arg-max columns; None = all
    decisive_n: int | None = None  # samples with a reference top-2 gap >= decisive_margin (when one is set)
    top1_agreement_decisive: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


@torch.no_grad()
def reference_logits(model: nn.Module, inputs: Any, batch_size: int = 256) -> np.ndarray:
    """PyTorch outputs ``(N, C)`` of ``model`` in eval mode on ``inputs`` (one array or a tuple of
    arrays); the model's train/eval mode is restored."""
    arrays = model_arrays(as_input_tuple(inputs))
    n = len(arrays[0])
    was_training = model.training
    model.eval()
    try:
        outs = [
            model(*(torch.from_numpy(a[i : i + batch_size]) for a in arrays)).float().numpy()
            for i in range(0, n, batch_size)
        ]
    finally:
        model.train(was_training)
    return np.concatenate(outs, axis=0)


def top2_gap(outputs: np.ndarray, columns: tuple[int, int] | list[int] | None = None) -> np.ndarray:
    """Per row, the best minus the second-best output over ``columns`` (inf with a single column)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if columns is not None:
        outputs = outputs[:, columns[0] : columns[1]]
    if outputs.shape[1] < 2:
        return np.full(len(outputs), np.inf)
    best_two = np.sort(outputs, axis=1)[:, -2:]
    return best_two[:, 1] - best_two[:, 0]


def top1(outputs: np.ndarray, columns: tuple[int, int] | list[int] | None = None) -> np.ndarray:
    """Arg-max of every row over ``columns`` (``(start, stop)``, all when None), as column offsets."""
    outputs = np.asarray(outputs)
    if columns is not None:
        outputs = outputs[:, columns[0] : columns[1]]
    return outputs.argmax(axis=1)


def check_parity(
    model: nn.Module,
    runner: Runner,
    inputs: Any,
    max_abs_diff: float | None,
    min_top1: float,
    artifact: str,
    top1_columns: tuple[int, int] | list[int] | None = None,
    decisive_margin: float | None = None,
    min_top1_all: float | None = None,
) -> ParityResult:
    """Compare ``runner.run(*inputs)`` with the PyTorch eval-mode outputs of ``model`` on ``inputs``
    (one array or a tuple of arrays).

    Passes when the outputs are finite, top-1 agreement over ``top1_columns`` ≥ ``min_top1`` and,
    unless ``max_abs_diff`` is None, the largest absolute difference over all outputs ≤
    ``max_abs_diff``. With ``decisive_margin``, ``min_top1`` applies to the samples whose reference
    top-2 gap is at least that margin, and ``min_top1_all`` (when given) to all samples. ``inputs`` must not include tracing or calibration samples (see module doc).
    Use ``**FP32_TOLERANCE`` or ``**INT8_TOLERANCE`` for the criteria.
    """
    arrays = as_input_tuple(inputs)
    n = batch_size(arrays)
    if n == 0:
        raise ValueError("parity needs at least one sample")
    expected = reference_logits(model, arrays)
    actual = np.asarray(runner.run(*arrays), dtype=np.float32)
    if actual.shape != expected.shape:
        raise ValueError(f"{artifact}: output shape {actual.shape} != reference {expected.shape}")
    diff = float(np.max(np.abs(actual - expected)))
    agrees = top1(actual, top1_columns) == top1(expected, top1_columns)
    agreement = float(np.mean(agrees))
    decisive_n = decisive_agreement = None
    gated = agreement
    if decisive_margin is not None:
        decisive = top2_gap(expected, top1_columns) >= decisive_margin
        decisive_n = int(decisive.sum())
        decisive_agreement = float(np.mean(agrees[decisive])) if decisive_n else 1.0
        gated = decisive_agreement
    passed = bool(np.isfinite(actual).all()) and gated >= min_top1
    if min_top1_all is not None:
        passed = passed and agreement >= min_top1_all
    if max_abs_diff is not None:
        passed = passed and diff <= max_abs_diff
    return ParityResult(
        artifact=artifact,
        n=int(n),
        max_abs_diff=diff,
        top1_agreement=agreement,
        passed=passed,
        tolerance={"max_abs_diff": max_abs_diff, "min_top1": min_top1, "decisive_margin": decisive_margin, "min_top1_all": min_top1_all},
        top1_columns=None if top1_columns is None else [int(top1_columns[0]), int(top1_columns[1])],
        decisive_n=decisive_n,
        top1_agreement_decisive=decisive_agreement,
    )
