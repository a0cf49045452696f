"""The synthetic population as data (:class:`Population`) and the generator's errors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import FinliteError

__all__ = ["ParquetUnavailableError", "Population", "PopulationArgumentError", "PopulationExistsError"]


class PopulationArgumentError(FinliteError, ValueError):
    """A bad argument to the generator or the writer (the CLI prints it as one line)."""


class PopulationExistsError(FinliteError, FileExistsError):
    """write_population would replace existing files and ``overwrite`` is False."""


class ParquetUnavailableError(FinliteError, ImportError):
    """fmt="parquet" without pyarrow installed."""


@dataclass
class Population:
    """A synthetic population: events (one row per event), users (one row per user) and labels.

    ``events`` columns follow :data:`EVENT_COLUMNS`: ``user_id``, ``event_type``, ``page``, ``product`` are
    object arrays of ``str``; ``timestamp`` is int64 epoch milliseconds (UTC); ``amount`` and ``dwell_ms``
    are float64 with NaN for an empty cell. Rows are grouped by user in time order (a dirty population has a
    few rows out of order). ``users`` follows :data:`ATTRIBUTE_COLUMNS` (``holdings`` is a ``;``-joined
    string, empty for none); ``labels`` has ``user_id``, ``lifecycle``, ``next_product`` and one float64
    column per tag. ``latent`` holds the hidden generative state per user (persona, trajectory, traits) for
    analysis; it is never written and must not be used as a feature. ``meta`` describes the run.
    """

    events: dict[str, np.ndarray]
    users: dict[str, np.ndarray | list]
    labels: dict[str, np.ndarray | list]
    as_of_ms: int
    latent: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def n_users(self) -> int:
        return len(self.users["user_id"])

    @property
    def n_events(self) -> int:
        return len(self.events["user_id"])
