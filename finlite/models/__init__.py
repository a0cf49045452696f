"""Models: layers, intent (and later profile) networks, baselines, registry, complexity counts."""

from .complexity import count_macs, count_params
from .fold import fold_batchnorm
from .intent import BagNet, IntentNet, IntentNetConfig
from .layers import DepthwiseSeparableConv1d, ShuffleUnit1d, StandardConv1d, StandardUnit1d, channel_shuffle
from .registry import get_model, list_models, register_model

__all__ = [
    "BagNet",
    "DepthwiseSeparableConv1d",
    "IntentNet",
    "IntentNetConfig",
    "ShuffleUnit1d",
    "StandardConv1d",
    "StandardUnit1d",
    "channel_shuffle",
    "count_macs",
    "count_params",
    "fold_batchnorm",
    "get_model",
    "list_models",
    "register_model",
]

from .profile import OUTPUT_LAYOUT, ProfileNet, ProfileNetConfig, Tally, split_outputs  # noqa: E402

__all__ += ["OUTPUT_LAYOUT", "ProfileNet", "ProfileNetConfig", "Tally", "split_outputs"]
