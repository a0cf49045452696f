"""The training loop: AdamW + one-cycle, label smoothing, optional distillation, EMA, early stopping."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .metrics import accuracy, macro_f1


@dataclass
class EncodedSplit:
    """Encoded texts ``ids (N, L, F)`` with class indices ``y (N,)``."""

    ids: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: np.ndarray) -> "EncodedSplit":
        return EncodedSplit(self.ids[index], self.y[index])


@dataclass
class FitSettings:
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    label_smoothing: float
    ema_decay: float
    patience: int
    seed: int
    distill_alpha: float = 1.0
    temperature: float = 1.0


@dataclass
class FitResult:
    state: dict[str, torch.Tensor]  # best (EMA) weights
    best_epoch: int
    best_val: dict[str, float]
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


# Called once per epoch with the epoch's RNG; returns ids to train on (e.g. with character noise).
Augment = Callable[[np.random.Generator], np.ndarray]


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)


def _trim(ids: np.ndarray) -> torch.Tensor:
    """Drop trailing all-padding units of a batch (masking makes the result identical)."""
    used = np.nonzero(ids[:, :, 0].any(axis=0))[0]
    length = int(used[-1]) + 1 if len(used) else 1
    return torch.from_numpy(np.ascontiguousarray(ids[:, :length]))


@torch.no_grad()
def predict_logits(model: nn.Module, ids: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Eval-mode logits for ``ids (N, L, F)``."""
    was_training = model.training
    model.eval()
    out = [model(_trim(ids[i : i + batch_size])).numpy() for i in range(0, len(ids), batch_size)]
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def _param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.ndim < 2 or "embed" in name else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


class _Ema:
    """Exponential moving average of parameters; buffers (BatchNorm statistics) are copied.
    The decay ramps up as ``(1 + t) / (10 + t)`` so short runs are not dominated by the initial weights."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.updates = 0
        self.shadow = copy.deepcopy(model).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        decay = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        for ema_p, p in zip(self.shadow.parameters(), model.parameters()):
            ema_p.lerp_(p, 1.0 - decay)
        for ema_b, b in zip(self.shadow.buffers(), model.buffers()):
            ema_b.copy_(b)


def _loss(logits: torch.Tensor, y: torch.Tensor, soft: torch.Tensor | None, s: FitSettings) -> torch.Tensor:
    hard = F.cross_entropy(logits, y, label_smoothing=s.label_smoothing)
    if soft is None:
        return hard
    t = s.temperature
    kl = F.kl_div(F.log_softmax(logits / t, dim=1), soft, reduction="batchmean")
    return s.distill_alpha * hard + (1.0 - s.distill_alpha) * t * t * kl


def evaluate(model: nn.Module, split: EncodedSplit) -> dict[str, float]:
    pred = predict_logits(model, split.ids).argmax(axis=1)
    return {"accuracy": accuracy(split.y, pred), "macro_f1": macro_f1(split.y, pred)}


def fit(
    model: nn.Module,
    train: EncodedSplit,
    val: EncodedSplit,
    settings: FitSettings,
    *,
    soft_targets: np.ndarray | None = None,
    augment: Augment | None = None,
    desc: str = "train",
    log: Callable[[str], None] = tqdm.write,
) -> FitResult:
    """Train ``model`` in place; return the best validation weights (of the EMA when enabled)."""
    seed_everything(settings.seed)
    start = time.perf_counter()
    steps_per_epoch = max(1, -(-len(train) // settings.batch_size))
    optimizer = torch.optim.AdamW(_param_groups(model, settings.weight_decay), lr=settings.lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=settings.lr, total_steps=settings.epochs * steps_per_epoch, pct_start=0.25
    )
    ema = _Ema(model, settings.ema_decay) if settings.ema_decay > 0 else None
    soft = torch.from_numpy(soft_targets.astype(np.float32)) if soft_targets is not None else None
    y_all = torch.from_numpy(train.y.astype(np.int64))
    result = FitResult(state={}, best_epoch=0, best_val={"accuracy": -1.0, "macro_f1": -1.0})
    for epoch in range(1, settings.epochs + 1):
        rng = np.random.default_rng([settings.seed, epoch])
        ids = augment(rng) if augment is not None else train.ids
        order = rng.permutation(len(train))
        model.train()
        total = 0.0
        bar = tqdm(range(steps_per_epoch), desc=f"{desc} {epoch}/{settings.epochs}", leave=False, unit="batch", disable=None)
        for step in bar:
            index = order[step * settings.batch_size : (step + 1) * settings.batch_size]
            logits = model(_trim(ids[index]))
            loss = _loss(logits, y_all[index], soft[index] if soft is not None else None, settings)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            if ema is not None:
                ema.update(model)
            total += loss.item()
            bar.set_postfix(loss=f"{total / (step + 1):.3f}")
        scored = ema.shadow if ema is not None else model
        val_metrics = evaluate(scored, val)
        row = {"epoch": epoch, "loss": total / steps_per_epoch, **{f"val_{k}": v for k, v in val_metrics.items()}}
        result.history.append(row)
        improved = (val_metrics["accuracy"], val_metrics["macro_f1"]) > (
            result.best_val["accuracy"],
            result.best_val["macro_f1"],
        )
        if improved:
            result.best_val, result.best_epoch = val_metrics, epoch
            result.state = {k: v.detach().clone() for k, v in scored.state_dict().items()}
        log(
            f"{desc} epoch {epoch}/{settings.epochs}: loss {row['loss']:.4f}, val accuracy "
            f"{val_metrics['accuracy']:.4f}, macro-F1 {val_metrics['macro_f1']:.4f}{' *' if improved else ''}"
        )
        if epoch - result.best_epoch >= settings.patience:
            log(f"{desc}: no improvement for {settings.patience} epochs, stopping early")
            break
    model.load_state_dict(result.state)
    model.eval()
    result.seconds = time.perf_counter() - start
    return result
