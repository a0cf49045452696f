"""Int8 embedding tables that litert-torch keeps as int8 in the TFLite file.

PT2E quantization leaves ``nn.Embedding`` in float32, and the table dominates an intent model's
size. :class:`Int8Embedding` stores the table as an int8 buffer plus float32 scales and looks rows
up with ``F.embedding`` on the int8 table, casts to float32 and multiplies by the looked-up scales.
litert-torch lowers that to ``EMBEDDING_LOOKUP (int8) → CAST → MUL`` with the table as an int8
constant (docs/bundle.md, "int8 artifacts"). ``F.embedding`` matters: indexing or
``index_select`` become GATHER_ND with bounds checks (slower).

Quantization is symmetric: ``q = round(w / scale)`` in ``[-127, 127]`` with ``scale = max|w| / 127``
per row (default) or for the whole table, so every dequantized value is within ``scale / 2`` of
the original and an all-zero row (the padding row 0) stays exactly zero.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

QMAX = 127


class Int8Embedding(nn.Module):
    """Drop-in replacement for ``nn.Embedding`` at inference: ``forward(ids) -> float32 (..., dim)``.

    Buffers: ``weight_int8`` (num_embeddings, dim) int8 and ``scales`` — ``(num_embeddings, 1)``
    float32 when ``per_row`` else ``(1,)`` float32. :meth:`dequantized_weight` gives the float table
    the module actually uses.
    """

    def __init__(self, weight_int8: torch.Tensor, scales: torch.Tensor, padding_idx: int | None = None):
        super().__init__()
        if weight_int8.dtype != torch.int8 or weight_int8.dim() != 2:
            raise ValueError("weight_int8 must be a 2-D int8 tensor")
        scales = scales.detach().to(torch.float32)
        self.per_row = scales.numel() != 1
        if self.per_row:
            if scales.numel() != weight_int8.shape[0]:
                raise ValueError(f"need one scale per row ({weight_int8.shape[0]}), got {scales.numel()}")
            scales = scales.reshape(-1, 1)
        else:
            scales = scales.reshape(1)
        self.num_embeddings, self.embedding_dim = weight_int8.shape
        self.padding_idx = padding_idx
        self.register_buffer("weight_int8", weight_int8.detach().clone().contiguous())
        self.register_buffer("scales", scales.clone().contiguous())

    @classmethod
    @torch.no_grad()
    def from_float(cls, emb: nn.Embedding, per_row: bool = True) -> "Int8Embedding":
        """Symmetric int8 quantization of ``emb.weight`` (per row or per tensor)."""
        if not isinstance(emb, nn.Embedding):
            raise TypeError(f"expected nn.Embedding, got {type(emb).__name__}")
        if emb.max_norm is not None:
            raise ValueError("Int8Embedding does not support max_norm")
        weight = emb.weight.detach().to(torch.float32)
        if per_row:
            absmax = weight.abs().amax(dim=1)  # (rows,)
        else:
            absmax = weight.abs().amax().reshape(1)
        # An all-zero row gets scale 1 (any value works: its int8 values are all 0).
        scales = torch.where(absmax > 0, absmax / QMAX, torch.ones_like(absmax))
        divisor = scales[:, None] if per_row else scales
        q = torch.clamp(torch.round(weight / divisor), -QMAX, QMAX).to(torch.int8)
        if emb.padding_idx is not None:
            q[emb.padding_idx].zero_()  # the padding row must stay exactly zero
        return cls(q, scales, padding_idx=emb.padding_idx)

    def dequantized_weight(self) -> torch.Tensor:
        return self.weight_int8.to(torch.float32) * self.scales

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        values = F.embedding(ids, self.weight_int8).to(torch.float32)  # (..., dim)
        if self.per_row:
            return values * F.embedding(ids, self.scales)  # (..., 1) broadcast
        return values * self.scales

    def extra_repr(self) -> str:
        kind = "per_row" if self.per_row else "per_tensor"
        return f"{self.num_embeddings}, {self.embedding_dim}, {kind}, padding_idx={self.padding_idx}"


def quantize_embeddings(model: nn.Module, per_row: bool = True) -> nn.Module:
    """A deep copy of ``model`` (eval mode) with every ``nn.Embedding`` replaced by an
    :class:`Int8Embedding`; the original model is not modified."""
    model = copy.deepcopy(model).eval()
    if isinstance(model, nn.Embedding):
        return Int8Embedding.from_float(model, per_row=per_row)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Embedding):
                setattr(parent, name, Int8Embedding.from_float(child, per_row=per_row))
    return model
