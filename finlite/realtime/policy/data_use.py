"""The data-use summary of ``finlite policy explain``: what a bundle, a trigger spec and an offer policy read,
keep and decide, in plain words for the app's privacy page ("why am I seeing this", "reset my profile")."""

from __future__ import annotations

from typing import Any

from .spec import Policy

__all__ = ["data_use_summary"]

DAY_MS = 86_400_000


def _days(ms: int) -> str:
    return f"{ms / DAY_MS:g} days" if ms % DAY_MS == 0 else f"{ms / 3_600_000:g} hours"


def _model_inputs(policy: Policy) -> tuple[set[str], set[str], bool]:
    """Stages/tags/propensity the policy's conditions and ranking read."""
    tags: set[str] = set()
    stages: set[str] = set()
    propensity = policy.by == "propensity_x_value" or any(a.by == "propensity_x_value" for a in policy.arms)
    for o in policy.offers:
        for c in o.eligible:
            if "tag" in c:
                tags.add(c["tag"])
            elif "stage" in c:
                stages.update(c["stage"])
            elif "propensity_min" in c or "top_k" in c:
                propensity = True
    return tags, stages, propensity


def data_use_summary(bundle: Any, policy: Policy, triggers: Any | None = None) -> str:
    """Markdown; ``bundle`` is a runtime Bundle of the profile task, ``triggers`` a checked TriggerSpec or None."""
    spec = bundle.encoder.spec
    schema = spec.schema
    name = f"{bundle.manifest.get('name', 'profile')} {bundle.manifest.get('version', '')}".strip()
    lines = [f"# How this app chooses offers for you ({name})", "",
             "## What it reads", "",
             f"- **Your activity in the app**, on this phone: the last {spec.max_events} events, each with its time and "
             + ", ".join(f"`{f.name}`" for f in schema.event_fields) + ".",
             "- **What the bank knows about you**: " + ", ".join(f"`{f.name}`" for f in schema.user_fields) + "."]
    used = {a for o in policy.offers for c in o.eligible for a in [c.get("attribute")] if a}
    if policy.suitability:
        lines.append(f"- **Your declared risk level** (`{policy.suitability[0]}`): an investment above it is never offered to you; "
                     "without a declared level no investment with a risk is offered.")
    if policy.holdings:
        lines.append(f"- **The products you hold** (`{policy.holdings}`): a product you hold is not offered again.")
    if used:
        lines.append("- Offers also check " + ", ".join(f"`{a}`" for a in sorted(used)) + " (for example a minimum age).")
    tags, stages, propensity = _model_inputs(policy)
    lines += ["", "## What the model works out", "",
              "A small model on this phone turns your activity into estimates; offers use these:"]
    if propensity:
        lines.append("- how likely you are to be interested in each product (it ranks the offers);")
    for t in sorted(tags):
        description = next((x.description for x in schema.labels.tags if x.name == t), "")
        lines.append(f"- `{t}`" + (f": {description}" if description else "") + ";")
    if stages:
        lines.append("- your stage as a customer (" + ", ".join(sorted(stages)) + ").")
    if triggers is not None:
        lines += ["", "## When it may show an offer", ""]
        lines += [f"- {t.raw.get('description') or t.id}" for t in triggers.triggers]
    horizon = max([policy.dedup_window_ms, policy.history_ms, *(c.window_ms or 0 for c in policy.caps)])
    lines += ["", "## What it keeps on this phone", "",
              f"- the last {spec.max_events} events and your attributes (the profile state), and the state of the rules above;",
              "- a log of the offers shown to you (offer, channel, time): it keeps offers from repeating — "
              + ", ".join(c.description or _cap_text(c) for c in policy.caps)
              + (f"; an offer seen on one channel is not repeated on another within {_days(policy.dedup_window_ms)}" if policy.dedup_window_ms else "")
              + (f"; rules look back at most {_days(horizon)}" if horizon else "") + "."]
    if len(policy.arms) > 1:
        lines += ["", "## Experiments", "",
                  "The bank compares ways of choosing offers. Your group is fixed by your user id, the same on every device: "
                  + "; ".join(_arm_text(a) for a in policy.arms) + "."]
    lines += ["", "## Your choices", "",
              "- **Why am I seeing this?** Each offer shows its reason, the estimates and thresholds that made it eligible, and the rules it passed.",
              "- **Reset my profile** erases the events, the estimates and the log of offers shown on this phone; "
              "your other devices drop them when they next merge the log.", ""]
    return "\n".join(lines)


def _cap_text(cap) -> str:
    period = _days(cap.window_ms) if cap.window_ms else f"per {cap.per}"
    scope = "offers" if cap.scope == "global" else f"per {cap.scope}" + (f" {cap.match}" if cap.match else "")
    return f"at most {cap.max} {scope} {'in ' if cap.window_ms else ''}{period}"


def _arm_text(arm) -> str:
    share = f"{arm.buckets / 100:g}% of users"
    if arm.holdout:
        return f"{share} see no offers (their would-be offers are only logged)"
    if not arm.model:
        return f"{share} get offers chosen by fixed rules, without the model"
    return f"{share} get offers chosen with the model"
