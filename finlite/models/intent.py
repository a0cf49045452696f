"""Intent networks over hashed text features ``ids: (B, L, F)`` (see :mod:`finlite.data.text`).

Each unit (word, CJK character, emoji) is the mean of its hashed feature embeddings; the unit
sequence runs through a stack of 1-D blocks; masked max + mean pooling plus a bag-of-units
shortcut feed a linear classifier. All tensors stay at most 4-D and every shape is static, so the
whole graph converts to TFLite and runs in XNNPACK.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .layers import build_stages, conv_bn, make_divisible, masked_mean, pool_masked
from .registry import register_model

# kind, kernel, stride — "sep" = depthwise-separable conv, "shuffle" = ShuffleNetV2 unit
DEFAULT_STAGES: tuple[tuple[str, int, int], ...] = (
    ("sep", 5, 1),
    ("shuffle", 3, 1),
    ("shuffle", 3, 1),
)

@dataclass
class IntentNetConfig:
    """Architecture of an intent network (facts about trained weights live in the bundle manifest)."""

    num_classes: int
    buckets: int = 10240  # embedding rows, = TextSpec.buckets
    dim: int = 64  # embedding width
    width: int = 128  # block channels before width_mult
    width_mult: float = 1.0
    blocks: str = "dwshuffle"  # key of layers.BLOCKS
    stages: Sequence[tuple[str, int, int]] = DEFAULT_STAGES
    dropout: float = 0.2

    @property
    def channels(self) -> int:
        return make_divisible(self.width * self.width_mult, 16)


class HashedUnitEmbedding(nn.Module):
    """``ids (B, L, F)`` → unit vectors ``(B, L, D)`` (mean of non-padding feature embeddings).

    Training sums each unit's features with ``embedding_bag``, which never builds the ``(B, L, F, D)``
    tensor of the look-ups nor its gradient (the largest cost of an intent training step); inference and
    export keep the plain look-up + sum, the ops the converters take. Both give the same values.
    """

    def __init__(self, buckets: int, dim: int):
        super().__init__()
        self.embedding = nn.Embedding(buckets, dim, padding_idx=0)
        nn.init.normal_(self.embedding.weight, std=dim**-0.5)
        with torch.no_grad():
            self.embedding.weight[0].zero_()

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feat_mask = (ids != 0).to(torch.float32)  # (B, L, F)
        counts = feat_mask.sum(dim=2, keepdim=True)  # (B, L, 1)
        if self.training:
            batch, length, feats = ids.shape
            sums = F.embedding_bag(ids.reshape(batch * length, feats), self.embedding.weight, mode="sum", padding_idx=0)
            sums = sums.view(batch, length, -1)
        else:
            sums = self.embedding(ids).sum(dim=2)  # look-ups (B, L, F, D), padding rows zero, summed over F
        units = sums / counts.clamp(min=1.0)  # (B, L, D)
        unit_mask = (counts > 0).to(torch.float32)  # (B, L, 1)
        return units, unit_mask


class IntentNet(nn.Module):
    """Hashed-unit embedding → 1-D blocks (depthwise-separable + shuffle, or standard conv) → classifier."""

    def __init__(self, config: IntentNetConfig):
        super().__init__()
        self.config = config
        channels = config.channels
        self.embed = HashedUnitEmbedding(config.buckets, config.dim)
        self.stem = conv_bn(config.dim, channels)
        self.blocks = build_stages(config.blocks, config.stages, channels)
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
        peak, mean, _ = pool_masked(x, mask)
        pooled = torch.cat((peak, mean, bag), dim=1)
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


def _intent(blocks: str, width_mult: float, num_classes: int, **kwargs) -> IntentNet:
    return IntentNet(IntentNetConfig(num_classes=num_classes, blocks=blocks, width_mult=width_mult, **kwargs))


# The registered variants: name → (block family, width multiplier).
INTENT_VARIANTS = {
    "intent_dwshuffle_x0_5": ("dwshuffle", 0.5),
    "intent_dwshuffle_x1_0": ("dwshuffle", 1.0),
    "intent_dwshuffle_x1_5": ("dwshuffle", 1.5),
    "intent_stdconv_x1_0": ("stdconv", 1.0),
}
for _name, (_blocks, _mult) in INTENT_VARIANTS.items():
    register_model(_name, task="intent")(functools.partial(_intent, _blocks, _mult))


@register_model("intent_bag", task="intent")
def intent_bag(num_classes: int, **kwargs) -> BagNet:
    return BagNet(num_classes, **kwargs)
