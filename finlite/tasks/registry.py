"""The task registry: ``@register_task`` on a :class:`~finlite.tasks.base.Task` subclass, then
``get_task(name)`` / ``list_tasks()``. The built-in tasks register when first looked up."""

from __future__ import annotations

import importlib

from .base import Task

_TASKS: dict[str, Task] = {}
_BUILTIN_MODULES = ("finlite.tasks.intent", "finlite.tasks.profile")


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: register one instance of ``cls`` under ``cls.name``; a duplicate is an error."""
    if cls.name in _TASKS:
        raise ValueError(f"task {cls.name!r} is already registered")
    _TASKS[cls.name] = cls()
    from ..bundle import rules

    if cls.name not in rules.TASKS:
        rules.TASKS.append(cls.name)
    return cls


def unregister_task(name: str) -> None:
    """Remove a registered task (tests that register their own)."""
    _TASKS.pop(name, None)


def _load_builtin() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def get_task(name: str) -> Task:
    """The registered task ``name``; ValueError naming the known ones."""
    _load_builtin()
    if name not in _TASKS:
        raise ValueError(f"unknown task {name!r}; this finlite knows {', '.join(list_tasks())}")
    return _TASKS[name]


def list_tasks() -> list[str]:
    _load_builtin()
    return sorted(_TASKS)
