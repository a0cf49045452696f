"""Offer decisions on the phone: the ``finlite.policy/1`` reader, the exposure log and the engine (docs/policy.md)."""
