"""Self-supervised pretraining of a profile network's sequence encoder on unlabelled users (CoLES:
contrastive learning of event sequences, Babaev et al., SIGMOD 2022 — two random contiguous slices of the
same user's history are a positive pair, the other users of the batch are the negatives).

A view keeps a random contiguous run of ``[min_fraction, max_fraction]`` of a user's encoded events and
moves it to row 0 (rows stay most recent first, the rest is padding), so it is an input the network could
have been given. Both views go through :meth:`~finlite.models.profile.ProfileNet.sequence_embedding` and a
small projection head, and the loss is NT-Xent (the normalised-temperature cross-entropy of SimCLR) over
the ``2B`` views. The head is thrown away; ``finlite train profile --init`` starts from the encoder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import FinliteError
from .checkpoint import load_checkpoint, save_checkpoint

CHECKPOINT_KEYS = ("model", "optimizer", "schedule", "generator", "history", "epoch")
# Modules of a ProfileNet that see only the event sequence: what pretraining learns and --init loads.
ENCODER_PREFIXES = ("fields.", "hour.", "num_proj.", "stem.", "blocks.", "counter.", "tally.")


def contrastive_views(cat: torch.Tensor, num: torch.Tensor, generator: torch.Generator,
                      min_fraction: float, max_fraction: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One random contiguous slice of every user's events, moved to row 0: ``(cat, num)`` of the same
    shapes, zero after the slice. ``cat[..., 0] != 0`` marks events (left-aligned, as the encoder writes)."""
    batch, rows = cat.shape[:2]
    counts = (cat[:, :, 0] != 0).sum(dim=1)  # (B,)
    fraction = min_fraction + (max_fraction - min_fraction) * torch.rand(batch, generator=generator)
    length = torch.clamp((fraction * counts).round().long(), min=1)
    length = torch.minimum(length, counts.clamp(min=1))
    start = (torch.rand(batch, generator=generator) * (counts - length + 1).clamp(min=1)).long()
    position = torch.arange(rows).unsqueeze(0)  # (1, N)
    source = (start.unsqueeze(1) + position).clamp(max=rows - 1)  # (B, N)
    keep = (position < length.unsqueeze(1)) & (counts.unsqueeze(1) > 0)
    view_cat = torch.gather(cat, 1, source.unsqueeze(2).expand(-1, -1, cat.shape[2])) * keep.unsqueeze(2).to(cat.dtype)
    view_num = torch.gather(num, 1, source.unsqueeze(2).expand(-1, -1, num.shape[2])) * keep.unsqueeze(2).to(num.dtype)
    return view_cat, view_num


def nt_xent(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """NT-Xent of paired embeddings ``a[i] ↔ b[i]`` (``(B, D)`` each; every other view is a negative)."""
    z = F.normalize(torch.cat((a, b)), dim=1)
    similarity = z @ z.T / temperature
    similarity.fill_diagonal_(float("-inf"))
    n = len(a)
    target = torch.cat((torch.arange(n, 2 * n), torch.arange(n)))
    return F.cross_entropy(similarity, target)


class ContrastiveModel(nn.Module):
    """A profile network's sequence encoder with a projection head (the head is used only here)."""

    def __init__(self, network: nn.Module, projection_dim: int):
        super().__init__()
        self.network = network
        width = network.sequence_embedding(*_probe(network)).shape[1]
        self.projection = nn.Sequential(nn.Linear(width, width), nn.ReLU(inplace=True), nn.Linear(width, projection_dim))

    def forward(self, cat: torch.Tensor, num: torch.Tensor) -> torch.Tensor:
        return self.projection(self.network.sequence_embedding(cat, num))


def _probe(network: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    config = network.config
    cat = torch.ones((2, 4, len(config.cat_vocabs)), dtype=torch.int32)
    return cat, torch.zeros((2, 4, config.num_features))


def pretrain(network: nn.Module, inputs: Sequence[np.ndarray], settings, checkpoint: Path | None = None, resume: bool = False,
             log: Callable[[str], None] = print) -> list[dict]:
    """Fit ``network``'s sequence encoder contrastively on ``inputs`` = ``(cat, num)`` of unlabelled users
    (users with fewer than ``settings.min_events`` events are left out); returns the per-epoch history.
    ``settings``: epochs, batch_size, lr, weight_decay, temperature, min_fraction, max_fraction,
    projection_dim, min_events, seed."""
    from tqdm.auto import tqdm

    from .trainer import seed_everything

    cat_all, num_all = inputs
    usable = np.nonzero((np.asarray(cat_all)[:, :, 0] != 0).sum(axis=1) >= settings.min_events)[0]
    if len(usable) < 2 * max(2, settings.batch_size // 8):
        raise FinliteError(f"only {len(usable)} users have at least {settings.min_events} events: too few to pretrain on")
    seed_everything(settings.seed)
    model = ContrastiveModel(network, settings.projection_dim)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    steps = max(1, len(usable) // settings.batch_size)  # full batches only: the loss depends on the batch size
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=settings.lr, total_steps=settings.epochs * steps, pct_start=0.1)
    generator = torch.Generator().manual_seed(settings.seed)
    history: list[dict] = []
    first = 1
    if resume and checkpoint is not None and checkpoint.is_file():
        state = load_checkpoint(checkpoint, CHECKPOINT_KEYS)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        generator.set_state(state["generator"])
        history, first = state["history"], state["epoch"] + 1
        log(f"pretraining: resuming after epoch {state['epoch']} from {checkpoint}")
    model.train()
    for epoch in range(first, settings.epochs + 1):
        start = time.perf_counter()
        order = usable[np.random.default_rng([settings.seed, epoch]).permutation(len(usable))]
        total = 0.0
        bar = tqdm(range(steps), desc=f"pretrain {epoch}/{settings.epochs}", leave=False, unit="batch", disable=None)
        for step in bar:
            index = np.sort(order[step * settings.batch_size : (step + 1) * settings.batch_size])
            cat = torch.from_numpy(np.ascontiguousarray(cat_all[index]))
            num = torch.from_numpy(np.ascontiguousarray(num_all[index]))
            views = [contrastive_views(cat, num, generator, settings.min_fraction, settings.max_fraction) for _ in range(2)]
            loss = nt_xent(model(*views[0]), model(*views[1]), settings.temperature)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item()
            bar.set_postfix(loss=f"{total / (step + 1):.3f}")
        history.append({"epoch": epoch, "loss": total / steps, "seconds": round(time.perf_counter() - start, 2)})
        log(f"pretrain epoch {epoch}/{settings.epochs}: contrastive loss {total / steps:.4f} ({history[-1]['seconds']:.1f} s)")
        if checkpoint is not None:
            save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                             "generator": generator.get_state(), "history": history, "epoch": epoch}, checkpoint)
    model.eval()
    return history


def encoder_state(network: nn.Module) -> dict[str, torch.Tensor]:
    """The sequence encoder's weights (and BatchNorm statistics) of a profile network."""
    return {k: v.detach().clone() for k, v in network.state_dict().items() if k.startswith(ENCODER_PREFIXES)}


def load_encoder_state(network: nn.Module, state: dict[str, torch.Tensor], source: str) -> int:
    """Copy pretrained encoder weights into ``network`` (a one-line error names the first mismatch);
    returns how many tensors were loaded."""
    own = network.state_dict()
    for key, value in state.items():
        if key not in own:
            raise FinliteError(f"{source}: pretrained weight {key!r} is not in this model (pretrained for another architecture)")
        if own[key].shape != value.shape:
            raise FinliteError(f"{source}: pretrained weight {key!r} has shape {tuple(value.shape)}, this model's is "
                               f"{tuple(own[key].shape)} (another schema or width)")
    network.load_state_dict(state, strict=False)
    return len(state)
