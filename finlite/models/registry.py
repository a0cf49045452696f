"""A light model registry: ``@register_model`` builders, ``get_model`` and ``list_models``."""

from __future__ import annotations

from typing import Callable

from torch import nn

from .intent import BagNet, IntentNet, IntentNetConfig

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


def _intent(blocks: str, width_mult: float, num_classes: int, **kwargs) -> IntentNet:
    return IntentNet(IntentNetConfig(num_classes=num_classes, blocks=blocks, width_mult=width_mult, **kwargs))


@register_model("intent_dwshuffle_x0_5", task="intent")
def intent_dwshuffle_x0_5(num_classes: int, **kwargs) -> IntentNet:
    return _intent("dwshuffle", 0.5, num_classes, **kwargs)


@register_model("intent_dwshuffle_x1_0", task="intent")
def intent_dwshuffle_x1_0(num_classes: int, **kwargs) -> IntentNet:
    return _intent("dwshuffle", 1.0, num_classes, **kwargs)


@register_model("intent_dwshuffle_x1_5", task="intent")
def intent_dwshuffle_x1_5(num_classes: int, **kwargs) -> IntentNet:
    return _intent("dwshuffle", 1.5, num_classes, **kwargs)


@register_model("intent_stdconv_x1_0", task="intent")
def intent_stdconv_x1_0(num_classes: int, **kwargs) -> IntentNet:
    return _intent("stdconv", 1.0, num_classes, **kwargs)


@register_model("intent_gru", task="intent")
def intent_gru(num_classes: int, **kwargs) -> nn.Module:
    from .gru import GRUIntentNet

    return GRUIntentNet(num_classes, **kwargs)


@register_model("intent_bag", task="intent")
def intent_bag(num_classes: int, **kwargs) -> BagNet:
    return BagNet(num_classes, **kwargs)


# --- profile models (task "profile") --------------------------------------------------------------------

from .profile import ProfileNet, ProfileNetConfig  # noqa: E402


def _profile(
    blocks: str, width_mult: float, num_lifecycle: int, num_tags: int, num_products: int, static_features: int, **kwargs
) -> ProfileNet:
    config = ProfileNetConfig(
        static_features=static_features,
        num_lifecycle=num_lifecycle,
        num_tags=num_tags,
        num_products=num_products,
        blocks=blocks,
        width_mult=width_mult,
        **kwargs,
    )
    return ProfileNet(config)


@register_model("profile_dwshuffle_x0_5", task="profile")
def profile_dwshuffle_x0_5(num_lifecycle: int, num_tags: int, num_products: int, static_features: int, **kwargs) -> ProfileNet:
    return _profile("dwshuffle", 0.5, num_lifecycle, num_tags, num_products, static_features, **kwargs)


@register_model("profile_dwshuffle_x1_0", task="profile")
def profile_dwshuffle_x1_0(num_lifecycle: int, num_tags: int, num_products: int, static_features: int, **kwargs) -> ProfileNet:
    return _profile("dwshuffle", 1.0, num_lifecycle, num_tags, num_products, static_features, **kwargs)


@register_model("profile_stdconv_x1_0", task="profile")
def profile_stdconv_x1_0(num_lifecycle: int, num_tags: int, num_products: int, static_features: int, **kwargs) -> ProfileNet:
    return _profile("stdconv", 1.0, num_lifecycle, num_tags, num_products, static_features, **kwargs)
