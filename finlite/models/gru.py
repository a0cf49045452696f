"""GRU baseline for intent classification (the recurrent reference of the Pareto benchmark).

Same input and embedding as :class:`~finlite.models.intent.IntentNet` (hashed unit features
``ids (B, L, F)`` → unit vectors), then one unidirectional GRU over the units, masked max + mean
pooling of its outputs plus the bag-of-units shortcut, and a linear classifier. Padding units are
at the end of the sequence, so the GRU reads every real unit before any padding.
"""

from __future__ import annotations

import torch
from torch import nn

from .intent import HashedUnitEmbedding
from .layers import masked_mean
from .registry import register_model


class GRUIntentNet(nn.Module):
    def __init__(self, num_classes: int, buckets: int = 10240, dim: int = 64, hidden: int = 128, dropout: float = 0.2):
        super().__init__()
        self.embed = HashedUnitEmbedding(buckets, dim)
        self.gru = nn.GRU(dim, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden + dim, num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        units, unit_mask = self.embed(ids)  # (B, L, D), (B, L, 1)
        bag = masked_mean(units, unit_mask, dim=1)
        out, _ = self.gru(units)  # (B, L, H)
        out = out * unit_mask
        # masked max: padding positions pushed far below any real output (GRU outputs are in (-1, 1))
        peak = (out - (1.0 - unit_mask) * 4.0).amax(dim=1)
        pooled = torch.cat((peak, masked_mean(out, unit_mask, dim=1), bag), dim=1)
        return self.head(self.dropout(pooled))


@register_model("intent_gru", task="intent")
def intent_gru(num_classes: int, **kwargs) -> GRUIntentNet:
    return GRUIntentNet(num_classes, **kwargs)
