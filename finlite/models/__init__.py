"""Models: layers, intent and profile networks with their registered builders, baselines, complexity counts.

Importing this package registers every built-in builder (each network's module registers its own).
"""

from . import gru as _gru  # noqa: F401  (registers intent_gru)
from .complexity import count_macs, count_params
from .fold import fold_batchnorm
from .intent import BagNet, IntentNet, IntentNetConfig
from .layers import DepthwiseSeparableConv1d, ShuffleUnit1d, StandardConv1d, StandardUnit1d, channel_shuffle
from .profile import ProfileNet, ProfileNetConfig, Tally
from .registry import get_model, list_models, register_model

__all__ = [
    "BagNet",
    "DepthwiseSeparableConv1d",
    "IntentNet",
    "IntentNetConfig",
    "ProfileNet",
    "ProfileNetConfig",
    "ShuffleUnit1d",
    "StandardConv1d",
    "StandardUnit1d",
    "Tally",
    "channel_shuffle",
    "count_macs",
    "count_params",
    "fold_batchnorm",
    "get_model",
    "list_models",
    "register_model",
]
