"""Triggers: a portable spec (``finlite.triggers/1``, docs/triggers.md) and the reference engine that runs it."""

from .engine import Firing, TriggerEngine, TriggerStateError
from .spec import TriggerSpec, TriggerSpecError, parse_spec

__all__ = ["Firing", "TriggerEngine", "TriggerSpec", "TriggerSpecError", "TriggerStateError", "parse_spec"]
