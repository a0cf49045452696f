"""Per-class logit offsets for macro-F1 (finlite.tasks.class_offsets) and their use after training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from finlite.tasks.class_offsets import fit_class_offsets
from finlite.tasks.metrics import macro_f1


def _shifted_logits(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three classes; the rare class 2 has its logit pulled down by 1.5, as an under-predicted stage."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(3, size=n, p=[0.5, 0.4, 0.1])
    logits = rng.normal(size=(n, 3)) + 2.0 * np.eye(3)[labels]
    logits[:, 2] -= 1.5
    return logits, labels


def test_offsets_raise_macro_f1_of_an_under_predicted_class_and_generalise():
    logits, labels = _shifted_logits(seed=0)
    offsets = fit_class_offsets(logits, labels)
    assert offsets[0] == 0.0 and offsets[2] > 0.5  # moves class 2's boundary back
    assert macro_f1(labels, (logits + offsets).argmax(1)) > macro_f1(labels, logits.argmax(1)) + 0.02
    fresh, fresh_labels = _shifted_logits(seed=1)  # same distribution, other samples
    assert macro_f1(fresh_labels, (fresh + offsets).argmax(1)) > macro_f1(fresh_labels, fresh.argmax(1)) + 0.02


def test_separable_logits_keep_zero_offsets():
    labels = np.array([0, 1, 2, 2, 1, 0])
    logits = 5.0 * np.eye(3)[labels]
    assert fit_class_offsets(logits, labels).tolist() == [0.0, 0.0, 0.0]


def test_offsets_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="logits"):
        fit_class_offsets(np.zeros((4, 3)), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="logits"):
        fit_class_offsets(np.zeros(4), np.zeros(4, dtype=int))


def test_training_folds_the_offsets_into_the_output_bias():
    from finlite.tasks.profile import output_layout
    from finlite.tasks.profile_training import tune_lifecycle_offsets
    from finlite.tasks import ArraySplit
    from finlite.training.trainer import predict

    class Head(torch.nn.Module):
        """Logits = x @ W + b over all heads, as ProfileNet's single output layer."""

        def __init__(self, width: int):
            super().__init__()
            self.head = torch.nn.Linear(width, width)
            with torch.no_grad():
                self.head.weight.copy_(torch.eye(width))
                self.head.bias.zero_()

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, width), a one-step "sequence"
            return self.head(x[:, 0])

    logits, labels = _shifted_logits(n=2000)
    N_LIFE = 5
    layout = output_layout(N_LIFE, 2, 1)
    width = N_LIFE + 4
    x = np.zeros((len(labels), width), dtype=np.float32)
    x[:, :3] = logits
    x[:, 3:N_LIFE] = -10.0  # stages that never win
    model = Head(width)
    result = tune_lifecycle_offsets(model, ArraySplit((x[:, None],), (labels,)), predict, log=lambda _: None,
                                    columns=layout["lifecycle"], stages=[f"s{i}" for i in range(N_LIFE)])
    after = predict(model, (x[:, None],))
    assert result["val_macro_f1_after"] > result["val_macro_f1_before"]
    assert macro_f1(labels, after[:, :N_LIFE].argmax(1)) == pytest.approx(result["val_macro_f1_after"])
    assert np.allclose(after[:, N_LIFE:], x[:, N_LIFE:])  # the other heads are untouched
