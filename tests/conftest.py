"""Shared fixtures helpers: a small synthetic corpus on disk."""

from pathlib import Path

import torch
from torch import nn

from finlite.data.synth.intent import generate_intent_corpus, split_corpus, write_csv


def write_small_corpus(root: Path, seed: int, n_per_intent: int = 40, n_out_of_scope: int = 120) -> Path:
    """train.csv / eval.csv (75% / 25%) of the built-in bilingual corpus under ``root``."""
    train, evaluation = split_corpus(generate_intent_corpus(n_per_intent=n_per_intent, n_out_of_scope=n_out_of_scope, seed=seed), 0.25, seed=seed)
    write_csv(train, root / "train.csv")
    write_csv(evaluation, root / "eval.csv")
    return root


def randomise_batchnorm(model: nn.Module, seed: int = 1) -> None:
    """Give every BatchNorm1d non-trivial statistics and affine parameters (for equivalence tests)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g))
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.randn(m.num_features, generator=g))
            m.bias.data.copy_(torch.randn(m.num_features, generator=g))
