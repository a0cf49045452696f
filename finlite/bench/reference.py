"""The PyTorch model behind a bundle, for the eager reference row and the MAC / parameter counts.

A bundle holds no PyTorch weights. Without ``--run``, the architecture is rebuilt from the manifest
(registry name; intent: classes and hash buckets; profile: head sizes and feature counts) with
*untrained* weights — latency and MACs do not depend on weight values — and accepted only when its
parameter count equals the manifest's. With ``--run DIR`` the run's trained model is loaded instead
(its registry name must match the manifest's). When neither works, the PyTorch row is skipped and
the counts come from the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..errors import FinliteError


@dataclass
class Reference:
    build: Callable[[], "object"] | None  # () -> nn.Module in eval mode; None: no PyTorch model
    source: str  # how it was obtained (printed and recorded)
    macs: int | None
    params: int | None


def model_counts(model, inputs: Sequence[np.ndarray]) -> tuple[int, int]:
    import torch

    from ..bundle.runners import model_arrays
    from ..models import count_macs, count_params

    return count_macs(model, *(torch.from_numpy(a) for a in model_arrays(tuple(inputs)))), count_params(model)


def bundle_reference(bundle, inputs: Sequence[np.ndarray], run_dir: Path | None = None) -> Reference:
    """The :class:`Reference` of ``bundle`` (see the module doc); ``inputs``: one batch-1 sample."""
    from ..models import get_model

    declared = bundle.manifest.get("model", {})
    name = declared.get("name")
    if run_dir is not None:
        from ..training.checkpoint import load_run

        model, info = load_run(Path(run_dir))
        if name and info.model != name:
            raise FinliteError(f"--run {run_dir} holds a {info.model} model, the bundle {bundle.dir} a {name}")
        macs, params = model_counts(model, inputs)
        return Reference(lambda: load_run(Path(run_dir))[0], f"trained weights from {run_dir}", macs, params)
    fallback = Reference(None, "", declared.get("macs"), declared.get("params"))
    try:
        kwargs = bundle.task.bundle_model_kwargs(bundle.labels, bundle.preprocess, bundle.postprocess)
        model = get_model(name, **kwargs)
    except (KeyError, TypeError, ValueError) as err:
        fallback.source = f"no PyTorch row: cannot rebuild {name!r} from the manifest ({err}); pass --run DIR"
        return fallback
    macs, params = model_counts(model, inputs)
    if declared.get("params") is not None and params != declared["params"]:
        fallback.source = (
            f"no PyTorch row: {name} rebuilt from the manifest has {params} parameters, the bundle's model "
            f"{declared['params']} (non-default settings); pass --run DIR"
        )
        return fallback
    return Reference(lambda: get_model(name, **kwargs), f"{name} rebuilt from the manifest, untrained weights (pass --run DIR for the trained ones)", macs, params)
