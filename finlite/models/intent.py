"""Intent networks over hashed text features ``ids: (B, L, F)`` (see :mod:`finlite.data.text`).

Each unit (word, CJK character, emoji) is the mean of its hashed feature embeddings; the unit
sequence runs through a stack of 1-D blocks; masked max + mean pooling plus a bag-of-units
shortcut feed a linear classifier. All tensors stay at most 4-D and every shape is static, so the
whole graph converts to TFLite and runs in XNNPACK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from .layers import DepthwiseSeparableConv1d, ShuffleUnit1d, StandardConv1d, StandardUnit1d, conv_bn

# kind, kernel, stride — "sep" = depthwise-separable conv, "shuffle" = ShuffleNetV2 unit
DEFAULT_STAGES: tuple[tuple[str, int, int], ...] = (
    ("sep", 5, 1),
    ("shuffle", 3, 1),
    ("shuffle", 3, 1),
)

BLOCKS = {
    "dwshuffle": {"sep": DepthwiseSeparableConv1d, "shuffle": ShuffleUnit1d},
    "stdconv": {"sep": StandardConv1d, "shuffle": StandardUnit1d},
}


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor`` (never down by more than 10%)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


@dataclass
class IntentNetConfig:
    """Architecture of an intent network (facts about trained weights live in the bundle manifest)."""

    num_classes: int
    buckets: int = 10240  # embedding rows, = TextSpec.buckets
    dim: int = 64  # embedding width
    width: int = 128  # block channels before width_mult
    width_mult: float = 1.0
    blocks: str = "dwshuffle"  # key of BLOCKS
    stages: Sequence[tuple[str, int, int]] = DEFAULT_STAGES
    dropout: float = 0.2

    @property
    def channels(self) -> int:
        return make_divisible(self.width * self.width_mult, 16)


class HashedUnitEmbedding(nn.Module):
    """``ids (B, L, F)`` → unit vectors ``(B, L, D)`` (mean of non-padding feature embeddings)."""

    def __init__(self, buckets: int, dim: int):
        super().__init__()
        self.embedding = nn.Embedding(buckets, dim, padding_idx=0)
        nn.init.normal_(self.embedding.weight, std=dim**-0.5)
        with torch.no_grad():
            self.embedding.weight[0].zero_()

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feat_mask = (ids != 0).to(torch.float32)  # (B, L, F)
        vectors = self.embedding(ids)  # (B, L, F, D); padding rows are zero
        counts = feat_mask.sum(dim=2, keepdim=True)  # (B, L, 1)
        units = vectors.sum(dim=2) / counts.clamp(min=1.0)  # (B, L, D)
        unit_mask = (counts > 0).to(torch.float32)  # (B, L, 1)
        return units, unit_mask


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    return (x * mask).sum(dim=dim) / mask.sum(dim=dim).clamp(min=1.0)


class IntentNet(nn.Module):
    """Hashed-unit embedding → 1-D blocks (depthwise-separable + shuffle, or standard conv) → classifier."""

    def __init__(self, config: IntentNetConfig):
        super().__init__()
        self.config = config
        blocks = BLOCKS.get(config.blocks)
        if blocks is None:
            raise ValueError(f"unknown block family {config.blocks!r}; choose from {sorted(BLOCKS)}")
        channels = config.channels
        self.embed = HashedUnitEmbedding(config.buckets, config.dim)
        self.stem = conv_bn(config.dim, channels)
        self.blocks = nn.ModuleList()
        for kind, kernel, stride in config.stages:
            if kind not in blocks:
                raise ValueError(f"unknown stage kind {kind!r}; choose from {sorted(blocks)}")
            self.blocks.append(blocks[kind](channels, channels, kernel, stride))
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * channels + config.dim, config.num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        units, unit_mask = self.embed(ids)  # (B, L, D), (B, L, 1)
        bag = masked_mean(units, unit_mask, dim=1)  # (B, D)
        mask = unit_mask.transpose(1, 2)  # (B, 1, L)
        x = self.stem(units.transpose(1, 2)) * mask  # (B, C, L)
        for block in self.blocks:
            x = block(x, mask)
            if block.stride > 1:
                mask = mask[:, :, :: block.stride]
        # Block outputs are >= 0 (ReLU) and 0 at padding, so a plain max is the masked max.
        pooled = torch.cat((x.amax(dim=2), masked_mean(x, mask, dim=2), bag), dim=1)
        return self.head(self.dropout(pooled))


class BagNet(nn.Module):
    """fastText-style reference: mean of unit vectors → linear. Used as a distillation teacher."""

    def __init__(self, num_classes: int, buckets: int = 10240, dim: int = 64, dropout: float = 0.1):
        super().__init__()
        self.embed = HashedUnitEmbedding(buckets, dim)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        units, unit_mask = self.embed(ids)
        return self.head(self.dropout(masked_mean(units, unit_mask, dim=1)))

