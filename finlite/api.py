"""The Python face of finlite: train a task, export a run, load a bundle and predict with it.

    import finlite
    finlite.train("intent", "runs/b77", train="train.csv", eval="test.csv", settings=["epochs=5"])
    finlite.export_bundle("runs/b77", "bundles/b77")
    bundle = finlite.load_bundle("bundles/b77")
    bundle.predict(["I lost my card"])            # [IntentPrediction(text, label, top_k, probs, is_out_of_scope)]

Everything else stays importable from its module but is not the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence


def train(task: str, out_dir: str | Path, *, settings: Sequence[str] = (), config: Any = None, resume: bool = False,
          log: Callable[[str], None] = print, **data: Any) -> dict:
    """Train ``task`` ("intent", "profile", …) on its data files and write the run to ``out_dir``.

    ``data``: the task's files — intent: ``train``, ``eval``, ``text_column``, ``label_column``;
    profile: ``events``, ``users``, ``labels``, optional ``schema`` (default: inferred), ``eval_labels``, ``as_of_ms``. ``settings``: ``key=value`` overrides of
    the task's config (or pass a whole ``config``). Returns the run's metrics."""
    from .tasks import get_task
    from .tasks.config import apply_overrides
    from .training.run import train_run

    spec = get_task(task)
    config = apply_overrides(config if config is not None else spec.config_class(), list(settings))
    return train_run(spec, config, data, Path(out_dir), resume=resume, log=log)


def export_bundle(run_dir: str | Path, out_dir: str | Path, **options: Any) -> dict:
    """Export a run to a verified bundle folder (options: see :func:`finlite.export.bundle.export_bundle`);
    returns the manifest."""
    from .export.bundle import export_bundle as export

    return export(Path(run_dir), Path(out_dir), **options)


def load_bundle(path: str | Path):
    """A verified :class:`~finlite.runtime.bundle.Bundle` (every file's sha256 checked)."""
    from .runtime.bundle import Bundle

    return Bundle(Path(path))
