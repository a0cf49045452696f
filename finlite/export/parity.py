"""Parity of an exported artifact against the PyTorch model it came from.

The reference is the PyTorch model in eval mode on the same inputs (one array, or a tuple of arrays
for multi-input models). Criteria:

* fp32 artifacts (:data:`FP32_TOLERANCE`): max |Δ output| ≤ 1e-4 over all outputs and top-1
  agreement 1.0;
* int8 artifacts (:data:`INT8_TOLERANCE`): top-1 agreement ≥ 0.99; max |Δ output| is reported
  but not checked.

Top-1 agreement is the arg-max over ``top1_columns`` (``(start, stop)``; all columns by default).
Which columns make the decision is a property of the task (intent: all logits; profile: the
lifecycle slice) — see :func:`finlite.export.postprocess.task_outputs`.

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

from .runners import as_input_tuple, batch_size, model_arrays

FP32_TOLERANCE: dict = {"max_abs_diff": 1e-4, "min_top1": 1.0}
INT8_TOLERANCE: dict = {"max_abs_diff": None, "min_top1": 0.99}


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
) -> ParityResult:
    """Compare ``runner.run(*inputs)`` with the PyTorch eval-mode outputs of ``model`` on ``inputs``
    (one array or a tuple of arrays).

    Passes when the outputs are finite, top-1 agreement over ``top1_columns`` ≥ ``min_top1`` and,
    unless ``max_abs_diff`` is None, the largest absolute difference over all outputs ≤
    ``max_abs_diff``. ``inputs`` must not include tracing or calibration samples (see module doc).
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
    agreement = float(np.mean(top1(actual, top1_columns) == top1(expected, top1_columns)))
    passed = bool(np.isfinite(actual).all()) and agreement >= min_top1
    if max_abs_diff is not None:
        passed = passed and diff <= max_abs_diff
    return ParityResult(
        artifact=artifact,
        n=int(n),
        max_abs_diff=diff,
        top1_agreement=agreement,
        passed=passed,
        tolerance={"max_abs_diff": max_abs_diff, "min_top1": min_top1},
        top1_columns=None if top1_columns is None else [int(top1_columns[0]), int(top1_columns[1])],
    )
