"""Task objects: one per task (intent, profile), the only place that knows what a task is.

``get_task("intent")`` returns the registered :class:`~finlite.tasks.base.Task`; a new task is one
module with a ``@register_task`` class (see docs/architecture.md).
"""

from .base import (
    ArraySplit,
    ExportSource,
    Finished,
    Prepared,
    Task,
    TaskOutputs,
    TrainContext,
)
from .registry import get_task, list_tasks, register_task, unregister_task

__all__ = [
    "ArraySplit",
    "ExportSource",
    "Finished",
    "Prepared",
    "Task",
    "TaskOutputs",
    "TrainContext",
    "get_task",
    "list_tasks",
    "register_task",
    "unregister_task",
]
