"""Profile networks: lifecycle stage, user tags and product propensity from recent in-app events.

Inputs are those of :mod:`finlite.data.profile_features`: ``cat`` int32 ``(B, N, C + 1)`` (the schema's
categorical event fields, the event name first, then hour + 1; 0 = padding), ``num`` float ``(B, N, M)``
(its last column is the elapsed time) and ``static`` float ``(B, S)``.
The categorical fields are embedded and concatenated with a linear projection of ``num``; a
pointwise conv stem and a stack of 1-D blocks (the intent network's depthwise-separable + shuffle
blocks, or the standard-conv baseline) run over the event sequence with the mask
``cat[..., 0] != 0``; masked max + mean pooling and log-scaled sums ("how many", which max and mean
cannot see) are concatenated with an MLP of ``static`` and the :class:`Tally` branch (exact counts of
each value of the categorical fields over all events and over learned time windows), and a small trunk
feeds ONE linear layer whose output holds all heads (the layout is the profile task's,
:mod:`finlite.tasks.profile`)::

    logits (B, num_lifecycle + num_tags + 1 + num_products) = [lifecycle | tags | buy | products]

lifecycle: softmax over stages; tags: independent sigmoids (applied outside the model); buy: a sigmoid,
P(buys anything in the horizon); products: softmax, P(product | buys). All tensors stay at most 4-D, every
shape is static and there is no data-dependent control flow, so the graph converts to TFLite.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .layers import build_stages, conv_bn, make_divisible, pool_masked
from .registry import register_model

ELAPSED = -1  # the column of ``num`` the tally's time windows read (log_elapsed, always last)

# kind, kernel, stride (kinds as in layers.BLOCKS). The stride-2 unit halves the 64-event sequence
# once the first blocks have mixed neighbouring events; the depthwise kernels of 5 afterwards see
# ~10 events each at full resolution.
PROFILE_STAGES: tuple[tuple[str, int, int], ...] = (
    ("sep", 5, 1),
    ("shuffle", 3, 1),
    ("shuffle", 3, 2),
    ("shuffle", 5, 1),
    ("shuffle", 5, 1),
)


@dataclass
class ProfileNetConfig:
    """Architecture of a profile network (facts about trained weights live in the bundle manifest)."""

    static_features: int  # = ProfileSpec.static_features
    cat_vocabs: Sequence[int]  # = ProfileSpec.cat_vocabs: each categorical event field, then the hour
    num_features: int  # = ProfileSpec.num_features
    num_lifecycle: int
    num_tags: int
    num_products: int
    field_dim: int = 16  # embedding width of each categorical event field
    hour_dim: int = 8
    num_dim: int = 16  # width of the linear projection of the numeric event features
    static_dim: int = 64  # width of the static MLP
    width: int = 96  # block channels before width_mult
    width_mult: float = 1.0
    blocks: str = "dwshuffle"  # key of layers.BLOCKS
    stages: Sequence[tuple[str, int, int]] = PROFILE_STAGES
    dropout: float = 0.2
    # Count-aware pooling: also the sums over the sequence of the block output and of a pointwise
    # "event counter" branch, divided by the constant count_norm (not by the tensor's length: padding
    # adds 0, so trimming trailing padding changes nothing). Max and masked-mean pooling are blind to
    # how many events there are; sums see counts (e.g. logins in the last 4 weeks).
    count_pool: bool = True
    counter_dim: int = 32
    count_norm: float = 128.0
    # log(1 + sum) instead of sum / count_norm: rates and trends are ratios of counts, which a log
    # turns into differences the trunk's linear layers can form.
    count_log: bool = True
    # Tallies: exact counts of each event type, page and product over the whole sequence and over
    # ``tally_windows`` learned soft time windows (sigmoid of the elapsed-time feature), as
    # log(1 + count), then a Linear + ReLU of width tally_dim. The per-user aggregates a gradient
    # boosting baseline is fed, computed inside the network (0 = off).
    tally_windows: int = 3
    tally_dim: int = 64
    tally_max_vocab: int = 256  # fields with more ids are left out of the tally (its width grows with ids)

    @property
    def channels(self) -> int:
        return make_divisible(self.width * self.width_mult, 16)

    @property
    def event_dim(self) -> int:
        return self.field_dim * (len(self.cat_vocabs) - 1) + self.hour_dim + self.num_dim

    @property
    def num_outputs(self) -> int:
        return self.num_lifecycle + self.num_tags + 1 + self.num_products

    @property
    def tally_fields(self) -> list[int]:
        """The cat columns the tally counts (the schema's fields, not the hour, within tally_max_vocab)."""
        return [i for i, v in enumerate(self.cat_vocabs[:-1]) if v <= self.tally_max_vocab]


# What runs written before ``count_log`` and ``tally_windows`` existed were trained with: their
# run.json's model_kwargs lack both keys, and the defaults changed (see RunInfo.build_model).
PRE_TALLY_KWARGS = {"count_log": False, "tally_windows": 0}


class Tally(nn.Module):
    """log(1 + count) of every id of the first categorical fields, over all events and over learned
    soft time windows ``sigmoid(scale * elapsed + shift)``, followed by Linear + ReLU."""

    def __init__(self, vocabs: Sequence[int], columns: Sequence[int], windows: int, dim: int):
        super().__init__()
        self.vocabs, self.columns = tuple(vocabs), tuple(columns)
        for i, vocab in enumerate(self.vocabs):
            self.register_buffer(f"one_hot_{i}", torch.eye(vocab), persistent=False)
        # elapsed is the z-scored log of the event's age: recent events are negative. Windows start
        # at about 7, 14 and 28 days for the usual constants (z of -1.3 .. 0) and are learned.
        self.scale = nn.Parameter(torch.full((windows,), -4.0))
        self.shift = nn.Parameter(torch.linspace(-1.3, 0.0, windows) * 4.0)
        self.proj = nn.Sequential(nn.Linear(sum(self.vocabs) * (windows + 1), dim), nn.ReLU(inplace=True))

    def forward(self, cat: torch.Tensor, elapsed: torch.Tensor) -> torch.Tensor:
        mask = (cat[:, :, 0] != 0).to(elapsed.dtype).unsqueeze(2)  # (B, N, 1)
        weights = torch.cat((mask, torch.sigmoid(elapsed.unsqueeze(2) * self.scale + self.shift) * mask), dim=2)  # (B, N, W+1)
        one_hot = torch.cat(
            [F.embedding(cat[:, :, c], getattr(self, f"one_hot_{i}")) for i, c in enumerate(self.columns)], dim=2
        )  # (B, N, V)
        counts = torch.bmm(one_hot.transpose(1, 2), weights)  # (B, V, W+1)
        return self.proj(torch.log(counts.flatten(1) + 1.0))


def _embedding(rows: int, dim: int) -> nn.Embedding:
    emb = nn.Embedding(rows, dim, padding_idx=0)
    nn.init.normal_(emb.weight, std=dim**-0.5)
    with torch.no_grad():
        emb.weight[0].zero_()
    return emb


class ProfileNet(nn.Module):
    """Event embeddings → conv stem → 1-D blocks → masked max+mean pool ⊕ static MLP → all heads."""

    def __init__(self, config: ProfileNetConfig):
        super().__init__()
        self.config = config
        if min(config.num_lifecycle, config.num_tags, config.num_products, config.static_features) < 1:
            raise ValueError("num_lifecycle, num_tags, num_products and static_features must be >= 1")
        channels = config.channels
        *fields, hours = config.cat_vocabs
        self.fields = nn.ModuleList(_embedding(rows, config.field_dim) for rows in fields)
        self.hour = _embedding(hours, config.hour_dim)
        self.num_proj = nn.Linear(config.num_features, config.num_dim)
        self.stem = conv_bn(config.event_dim, channels)
        self.blocks = build_stages(config.blocks, config.stages, channels)
        self.static_mlp = nn.Sequential(
            nn.Linear(config.static_features, config.static_dim),
            nn.ReLU(inplace=True),
            nn.Linear(config.static_dim, config.static_dim),
            nn.ReLU(inplace=True),
        )
        pooled = 2 * channels + config.static_dim + (config.tally_dim if config.tally_windows > 0 else 0)
        if config.count_pool:
            self.counter = nn.Sequential(nn.Conv1d(config.event_dim, config.counter_dim, 1), nn.ReLU(inplace=True))
            pooled += channels + config.counter_dim
        self.trunk = nn.Sequential(nn.Linear(pooled, channels), nn.ReLU(inplace=True))
        if config.tally_windows > 0:
            columns = config.tally_fields
            self.tally = Tally([config.cat_vocabs[c] for c in columns], columns, config.tally_windows, config.tally_dim)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(channels, config.num_outputs)

    def forward(self, cat: torch.Tensor, num: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        amax, mean, *counted = self.sequence_parts(cat, num)
        pooled = torch.cat((amax, mean, self.static_mlp(static), *counted), dim=1)
        return self.head(self.dropout(self.trunk(pooled)))

    def sequence_embedding(self, cat: torch.Tensor, num: torch.Tensor) -> torch.Tensor:
        """What the network makes of the event sequence alone, ``(B, P)``: the representation
        self-supervised pretraining (:mod:`finlite.training.pretrain`) learns."""
        return torch.cat(self.sequence_parts(cat, num), dim=1)

    def sequence_parts(self, cat: torch.Tensor, num: torch.Tensor) -> list[torch.Tensor]:
        """``[max pool, mean pool, (log sums of blocks and counter), (tally)]`` of the event sequence."""
        mask = (cat[:, :, 0] != 0).to(num.dtype).unsqueeze(1)  # (B, 1, N)
        hour = len(self.fields)
        embedded = [emb(cat[:, :, i]) for i, emb in enumerate(self.fields)]
        events = torch.cat((*embedded, self.hour(cat[:, :, hour]), self.num_proj(num)), dim=2)  # (B, N, event_dim)
        events = events.transpose(1, 2)  # (B, event_dim, N)
        x = self.stem(events) * mask  # (B, C, N)
        counts = self.counter(events) * mask if self.config.count_pool else None
        for block in self.blocks:
            x = block(x, mask)
            if block.stride > 1:
                mask = mask[:, :, :: block.stride]
        # A user without events pools to zeros and is described by the static features alone.
        peak, mean, total = pool_masked(x, mask)
        parts = [peak, mean]
        if counts is not None:  # both are 0 at padding
            parts += [self._count_scale(total), self._count_scale(counts.sum(dim=2))]
        if self.config.tally_windows > 0:
            parts.append(self.tally(cat, num[:, :, ELAPSED]))
        return parts

    def _count_scale(self, sums: torch.Tensor) -> torch.Tensor:
        return torch.log(sums + 1.0) if self.config.count_log else sums / self.config.count_norm


def _profile(
    blocks: str, width_mult: float, num_lifecycle: int, num_tags: int, num_products: int, static_features: int, **kwargs
) -> ProfileNet:
    config = ProfileNetConfig(
        static_features=static_features,
        num_lifecycle=num_lifecycle,
        num_tags=num_tags,
        num_products=num_products,
        blocks=blocks,
        width_mult=width_mult,
        **kwargs,
    )
    return ProfileNet(config)


# The registered variants: name → (block family, width multiplier).
PROFILE_VARIANTS = {
    "profile_dwshuffle_x0_5": ("dwshuffle", 0.5),
    "profile_dwshuffle_x1_0": ("dwshuffle", 1.0),
    "profile_stdconv_x1_0": ("stdconv", 1.0),
}
for _name, (_blocks, _mult) in PROFILE_VARIANTS.items():
    register_model(_name, task="profile")(functools.partial(_profile, _blocks, _mult))
