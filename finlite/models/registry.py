"""A light model registry in the style of timm's: a network's module registers its builders with
``@register_model`` where the class is defined; ``get_model`` and ``list_models`` look them up."""

from __future__ import annotations

from typing import Callable

from torch import nn

_BUILDERS: dict[str, Callable[..., nn.Module]] = {}
_TASKS: dict[str, str] = {}


def register_model(name: str, task: str) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Register a builder under ``name``; a duplicate name is an error."""

    def decorate(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _BUILDERS:
            raise ValueError(f"model {name!r} is already registered")
        _BUILDERS[name] = builder
        _TASKS[name] = task
        return builder

    return decorate


def get_model(name: str, **kwargs) -> nn.Module:
    """Build a registered model; kwargs go to its builder (e.g. ``num_classes``, ``buckets``)."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; registered: {', '.join(list_models())}")
    return _BUILDERS[name](**kwargs)


def list_models(task: str | None = None) -> list[str]:
    """Registered model names, optionally only those of one task (``intent``, ``profile``)."""
    return sorted(n for n in _BUILDERS if task is None or _TASKS[n] == task)
