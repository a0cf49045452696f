"""Synthetic data generators: :mod:`.intent` (a bilingual banking intent corpus) and :mod:`.profile`
(a user population with events, attributes and ground-truth labels).

Nothing is imported here, so importing one generator does not load the other.
"""
