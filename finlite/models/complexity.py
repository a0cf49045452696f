"""Multiply-accumulate and parameter counts, measured by running the model once."""

from __future__ import annotations

import torch
from torch import nn


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, *inputs: torch.Tensor) -> int:
    """MACs of one forward pass on ``inputs``: Conv1d, Linear and GRU layers (embedding look-ups,
    pooling and element-wise ops are not multiply-accumulates of weights and are not counted; a GRU
    step is its three gates' input and hidden projections, ``3·(in + hidden)·hidden`` per direction)."""
    total = 0

    def conv_hook(module: nn.Conv1d, _inp, out: torch.Tensor) -> None:
        nonlocal total
        kernel = module.kernel_size[0]
        total += out.numel() * (module.in_channels // module.groups) * kernel

    def linear_hook(module: nn.Linear, _inp, out: torch.Tensor) -> None:
        nonlocal total
        total += out.numel() * module.in_features

    def gru_hook(module: nn.GRU, inp, _out) -> None:
        nonlocal total
        x = inp[0]
        steps = x.shape[0] * x.shape[1]  # batch × length (either layout)
        directions = 2 if module.bidirectional else 1
        for layer in range(module.num_layers):
            width = module.input_size if layer == 0 else module.hidden_size * directions
            total += steps * directions * 3 * (width + module.hidden_size) * module.hidden_size

    handles = []
    for module in model.modules():
        if isinstance(module, nn.GRU):
            handles.append(module.register_forward_hook(gru_hook))
        if isinstance(module, nn.Conv1d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(*inputs)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return total
