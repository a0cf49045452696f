"""The users a profile bundle's golden.json pins: edge cases first — no events, no attribute row,
one event, more than ``max_events`` events — then held-out users. Each case holds the *raw* rows as
they appear in the events / users files (strings, ``""`` for an empty cell), so an app's test can
run its own parser and encoder on them."""

from __future__ import annotations

from typing import Sequence

PROFILE_HELD_OUT_EXAMPLES = 12


def profile_golden_cases(
    events: dict[str, list[dict[str, str]]],
    attributes: dict[str, list[dict[str, str]]],
    held_out: Sequence[str],
    max_events: int,
    id_columns: tuple[str, str] = ("user_id", "user_id"),
    n: int = PROFILE_HELD_OUT_EXAMPLES,
) -> list[dict]:
    """Edge cases built from held-out users' raw rows (renamed ``golden_<case>``), then the first ``n``
    held-out users as they are. Each case: ``name``, ``user_id``, ``events`` (rows), ``attributes``
    (a row, or None). ``id_columns``: the user id columns of the events and the users file."""
    event_id, user_id_column = id_columns

    def attrs_of(user: str) -> dict | None:
        rows = attributes.get(user) or []
        return rows[0] if rows else None

    def case(name: str, user_id: str, event_rows: list[dict], attr_row: dict | None) -> dict:
        return {
            "name": name,
            "user_id": user_id,
            "events": [{**row, event_id: user_id} for row in event_rows],
            "attributes": None if attr_row is None else {**attr_row, user_id_column: user_id},
        }

    pool = [u for u in held_out[n:]] or list(held_out)  # prefer users not shown again as held-out cases
    with_events = [u for u in pool if events.get(u)] or [u for u in held_out if events.get(u)]
    with_attrs = [u for u in pool if attrs_of(u) is not None] or [u for u in held_out if attrs_of(u) is not None]
    cases = []
    if with_attrs:
        cases.append(case("no_events", "golden_no_events", [], attrs_of(with_attrs[0])))
    if with_events:
        cases.append(case("no_attributes", "golden_no_attributes", events[with_events[0]], None))
        source = with_events[min(1, len(with_events) - 1)]
        cases.append(case("one_event", "golden_one_event", events[source][-1:], attrs_of(source)))
        over = sorted((len(events[u]), u) for u in with_events if len(events[u]) > max_events)
        if over:  # the smallest such user keeps golden.json small
            source = over[0][1]
            many = events[source]
        else:  # nobody has that many events: stack several users' events
            source, many = with_events[0], []
            for u in with_events * (max_events + 1):
                many += events[u]
                if len(many) > max_events:
                    break
        cases.append(case("over_max_events", "golden_over_max_events", many, attrs_of(source)))
    for user in held_out[:n]:
        cases.append(case("held_out", user, events.get(user, []), attrs_of(user)))
    return cases
