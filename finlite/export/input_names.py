"""Input names of an exported model: given by the caller, or taken from the model's ``forward``."""

from __future__ import annotations

from typing import Any, Sequence


def default_input_names(model: Any, count: int) -> tuple[str, ...]:
    """Input names of ``model`` when the caller gives none: the parameter names of its ``forward``
    (``ids`` for intent networks, ``cat, num, static`` for profile networks) when they fit, else
    ``("ids",)`` for one input and ``input_0, input_1, …`` otherwise."""
    import inspect

    try:
        params = [
            p.name
            for p in inspect.signature(model.forward).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (AttributeError, TypeError, ValueError):
        params = []
    if len(params) == count:
        return tuple(params)
    return ("ids",) if count == 1 else tuple(f"input_{i}" for i in range(count))


def check_input_names(names: Sequence[str] | None, model: Any, count: int) -> tuple[str, ...]:
    """``names`` as a tuple (or the defaults), checked against the number of inputs."""
    names = default_input_names(model, count) if names is None else tuple(names)
    if len(names) != count or len(set(names)) != count:
        raise ValueError(f"need {count} distinct input name(s), got {list(names)}")
    return names
