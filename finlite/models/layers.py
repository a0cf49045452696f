"""Building blocks: depthwise-separable 1-D convolution, channel shuffle, ShuffleNetV2-style units.

Every block maps ``(x, mask) -> x`` with ``x: (B, C, L)`` and ``mask: (B, 1, L)`` (1 = real position,
0 = padding); ``x`` must be zero at padded positions, and so is the output (the networks mask their stem,
and every block hands the next one a masked output), so a padded fixed-shape input (what a phone runs)
gives the same values as an unpadded one. A block masks only what its own layers make non-zero at
padding: masking a masked tensor again is a no-op that still costs a pass over it, forward and backward. Inside every ``nn.Sequential`` a
``BatchNorm1d`` directly follows its ``Conv1d``: :func:`finlite.models.fold_batchnorm` relies on it.
Standard-convolution counterparts of the same depth and width live here too, for the baseline.
"""

from __future__ import annotations

import torch
from torch import nn


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet channel shuffle for ``(B, C, L)``: interleave ``groups`` channel groups."""
    batch, channels, length = x.shape
    if channels % groups:
        raise ValueError(f"channels ({channels}) must be divisible by groups ({groups})")
    x = x.reshape(batch, groups, channels // groups, length)  # (B, g, C/g, L)
    x = x.transpose(1, 2)
    return x.reshape(batch, channels, length)


def shuffle_halves(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """``channel_shuffle(cat((first, second), dim=1), 2)`` in one copy: channel ``2i`` is ``first[:, i]``,
    ``2i + 1`` is ``second[:, i]``."""
    batch, half, length = first.shape
    return torch.stack((first, second), dim=2).reshape(batch, 2 * half, length)


def conv_bn(in_ch: int, out_ch: int, kernel: int = 1, stride: int = 1, groups: int = 1, relu: bool = True) -> nn.Sequential:
    """Conv1d ('same' padding, no bias) → BatchNorm1d (→ ReLU)."""
    layers: list[nn.Module] = [
        nn.Conv1d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm1d(out_ch),
    ]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def downsample_mask(mask: torch.Tensor, stride: int) -> torch.Tensor:
    """Mask after a strided 'same' conv: output j looks at input j*stride."""
    return mask[:, :, ::stride] if stride > 1 else mask


def _check(in_ch: int, out_ch: int, kernel: int, stride: int) -> None:
    if kernel % 2 == 0 or kernel < 1:
        raise ValueError(f"kernel must be odd and positive, got {kernel}")
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride}")
    if in_ch < 1 or out_ch < 1:
        raise ValueError("channel counts must be positive")


class DepthwiseSeparableConv1d(nn.Module):
    """Depthwise conv (k, per channel) → BN → ReLU → pointwise conv → BN → ReLU."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 5, stride: int = 1):
        super().__init__()
        _check(in_ch, out_ch, kernel, stride)
        self.stride = stride
        self.depthwise = conv_bn(in_ch, in_ch, kernel, stride, groups=in_ch)
        self.pointwise = conv_bn(in_ch, out_ch)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x)) * downsample_mask(mask, self.stride)


class StandardConv1d(nn.Module):
    """Baseline for :class:`DepthwiseSeparableConv1d`: one full conv (k) → BN → ReLU."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 5, stride: int = 1):
        super().__init__()
        _check(in_ch, out_ch, kernel, stride)
        self.stride = stride
        self.conv = conv_bn(in_ch, out_ch, kernel, stride)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.conv(x) * downsample_mask(mask, self.stride)


class ShuffleUnit1d(nn.Module):
    """ShuffleNetV2 unit in 1-D.

    stride 1 (``in_ch == out_ch``): split channels in half, keep one half, run the other through
    pointwise → depthwise → pointwise, concatenate, shuffle. stride 2: both halves see the whole
    input (left: depthwise → pointwise; right: pointwise → depthwise → pointwise), length halves.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1):
        super().__init__()
        _check(in_ch, out_ch, kernel, stride)
        if out_ch % 2:
            raise ValueError(f"out_ch must be even, got {out_ch}")
        if stride == 1 and in_ch != out_ch:
            raise ValueError(f"stride 1 needs in_ch == out_ch, got {in_ch} != {out_ch}")
        self.stride = stride
        half = out_ch // 2
        branch_in = in_ch if stride == 2 else half
        if stride == 2:
            self.left = nn.Sequential(conv_bn(in_ch, in_ch, kernel, 2, groups=in_ch, relu=False), conv_bn(in_ch, half))
        else:
            self.left = nn.Identity()
        self.expand = conv_bn(branch_in, half)
        self.depthwise = conv_bn(half, half, kernel, stride, groups=half, relu=False)
        self.project = conv_bn(half, half)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out_mask = downsample_mask(mask, self.stride)
        if self.stride == 1:
            keep, x = x.chunk(2, dim=1)  # keep: a half of the (masked) input
        else:
            keep = self.left(x) * out_mask
        x = self.project(self.depthwise(self.expand(x) * mask)) * out_mask
        return shuffle_halves(keep, x)  # = channel_shuffle(cat((keep, x), dim=1), 2)


class StandardUnit1d(StandardConv1d):
    """Baseline for :class:`ShuffleUnit1d`: one full conv (k) over all channels → BN → ReLU."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1):
        super().__init__(in_ch, out_ch, kernel, stride)


# Block families by name: "sep" = depthwise-separable conv, "shuffle" = ShuffleNetV2 unit, and their
# standard-convolution counterparts of the same depth and width (the efficiency baseline).
BLOCKS = {
    "dwshuffle": {"sep": DepthwiseSeparableConv1d, "shuffle": ShuffleUnit1d},
    "stdconv": {"sep": StandardConv1d, "shuffle": StandardUnit1d},
}


def build_stages(family: str, stages, channels: int) -> nn.ModuleList:
    """The blocks of ``stages`` (``(kind, kernel, stride)`` each) from block family ``family``."""
    blocks = BLOCKS.get(family)
    if blocks is None:
        raise ValueError(f"unknown block family {family!r}; choose from {sorted(BLOCKS)}")
    out = nn.ModuleList()
    for kind, kernel, stride in stages:
        if kind not in blocks:
            raise ValueError(f"unknown stage kind {kind!r}; choose from {sorted(blocks)}")
        out.append(blocks[kind](channels, channels, kernel, stride))
    return out


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor`` (never down by more than 10%)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    """Mean of ``x`` over ``dim`` where ``mask`` is 1 (0 for an all-padding row)."""
    return (x * mask).sum(dim=dim) / mask.sum(dim=dim).clamp(min=1.0)


def pool_masked(x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Max, mean over real positions and sum over ``L`` of a block output ``x: (B, C, L)`` (>= 0 after
    ReLU and 0 at padding, so the plain max is the masked max and no second masking is needed);
    ``mask: (B, 1, L)``. An all-padding row pools to zeros."""
    total = x.sum(dim=2)
    return x.amax(dim=2), total / mask.sum(dim=2).clamp(min=1.0), total
