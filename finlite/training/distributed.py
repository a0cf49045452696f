"""Multi-process data parallel training on CPU: ``torchrun --nproc_per_node=N -m finlite train …``.

torchrun sets RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT; :func:`init_from_env` joins the gloo
process group when there is more than one process. Everything else in finlite asks
:func:`world_size` and :func:`rank`, which are 1 and 0 in a plain single-process run.
"""

from __future__ import annotations

import os

import torch.distributed as torch_dist
from torch import nn


def is_active() -> bool:
    return torch_dist.is_available() and torch_dist.is_initialized()


def world_size() -> int:
    return torch_dist.get_world_size() if is_active() else 1


def rank() -> int:
    return torch_dist.get_rank() if is_active() else 0


def init_from_env() -> bool:
    """Join the gloo process group if started by torchrun with more than one process."""
    if is_active():
        return True
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    torch_dist.init_process_group(backend="gloo")
    return True


def wrap(model: nn.Module) -> nn.Module:
    """DistributedDataParallel around ``model`` when several processes train together."""
    if world_size() <= 1:
        return model
    return nn.parallel.DistributedDataParallel(model)


def max_over_ranks(value: int) -> int:
    """The largest ``value`` of all processes (the value itself in a single-process run)."""
    if not is_active():
        return int(value)
    import torch

    tensor = torch.tensor([int(value)], dtype=torch.int64)
    torch_dist.all_reduce(tensor, op=torch_dist.ReduceOp.MAX)
    return int(tensor.item())


def barrier() -> None:
    if is_active():
        torch_dist.barrier()


def shutdown() -> None:
    if is_active():
        torch_dist.destroy_process_group()
