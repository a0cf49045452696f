"""Every trigger scenario, in file order."""

from __future__ import annotations

from scenarios_events import count_scenarios, days_scenarios, dwell_scenarios, predicate_scenarios
from scenarios_time import (absence_scenarios, chain_scenarios, limit_scenarios, model_scenarios, order_scenarios,
                            restart_scenarios, sequence_scenarios)


def scenarios() -> list[dict]:
    return [*predicate_scenarios(), *dwell_scenarios(), *count_scenarios(), *days_scenarios(), *sequence_scenarios(),
            *absence_scenarios(), *model_scenarios(), *limit_scenarios(), *chain_scenarios(), *order_scenarios(),
            *restart_scenarios()]
