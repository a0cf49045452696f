"""Fold BatchNorm into the preceding convolution (for export: fewer ops, faster TFLite)."""

from __future__ import annotations

import copy

import torch
from torch import nn


def _fold_pair(conv: nn.Conv1d, bn: nn.BatchNorm1d) -> nn.Conv1d:
    fused = copy.deepcopy(conv)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # (out,)
    fused.weight = nn.Parameter(conv.weight * scale[:, None, None])
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias = nn.Parameter((bias - bn.running_mean) * scale + bn.bias)
    return fused


@torch.no_grad()
def fold_batchnorm(model: nn.Module) -> nn.Module:
    """An eval-mode copy of ``model`` where every ``Conv1d`` directly followed by a ``BatchNorm1d``
    inside an ``nn.Sequential`` absorbs it (the BatchNorm becomes ``Identity``)."""
    model = copy.deepcopy(model).eval()
    for seq in model.modules():
        if not isinstance(seq, nn.Sequential):
            continue
        names = list(seq._modules)
        for first, second in zip(names, names[1:]):
            conv, bn = seq._modules[first], seq._modules[second]
            if isinstance(conv, nn.Conv1d) and isinstance(bn, nn.BatchNorm1d):
                seq._modules[first] = _fold_pair(conv, bn)
                seq._modules[second] = nn.Identity()
    return model
