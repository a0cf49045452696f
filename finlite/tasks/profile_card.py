"""MODEL_CARD.md of a profile bundle: intended use, tags, model, data, metrics, parity, limits, privacy."""

from __future__ import annotations

from .cards import artifact_rows, num


def _tallies(info) -> str:
    windows = info.architecture_kwargs()["tally_windows"]
    return f"counts of each value of the categorical event fields over them and over {windows} learned time windows, " if windows else ""


def _source(data: dict) -> str:
    """Where the training inputs came from: the events / users files, or encoded shards."""
    if data.get("shards"):
        return f"the encoded shards `{data['shards']}`"
    return f"`{data.get('events')}` / `{data.get('users')}`"


def _schema_summary(schema: dict) -> str:
    """The data schema in a few lines: column roles, fields with their kind and vocabulary size."""

    def fields(part: dict) -> str:
        out = []
        for f in part["fields"]:
            size = f" ({len(f['values'])} values)" if "values" in f else f" ({f['transform']})"
            role = ", the event name" if f.get("role") == "event" else ""
            out.append(f"`{f['name']}` {f['kind']}{size}{role}")
        return ", ".join(out)

    lab = schema["labels"]
    return (f"- events (user id `{schema['events']['user_id']}`, time `{schema['events']['timestamp']}`): {fields(schema['events'])}\n"
            f"- users (user id `{schema['users']['user_id']}`): {fields(schema['users'])}\n"
            f"- labels: stage `{lab['stage']}`, next product `{lab['next_product']}` (`{lab['no_purchase']}` or empty = bought nothing), "
            f"{len(lab['tags'])} tags\n\nThe whole schema (vocabularies included) is in `preprocess.json` (`profile.schema`, format "
            f"`{schema['format']}`); docs/schema.md explains it.")


def _offsets_note(info) -> str:
    if not info.train_config.get("tune_lifecycle_offsets"):
        return ""
    return (
        "\nThe stage is the argmax of the lifecycle columns: per-stage offsets chosen for macro-F1 on the "
        "validation users are already in the output bias, so do not re-weight the stage probabilities."
    )


def render_profile_card(manifest: dict, info) -> str:
    """MODEL_CARD.md of a profile bundle."""
    metrics = manifest["metrics"]
    post = manifest["postprocess"]
    heads = post["heads"]
    data = info.data
    spec = info.preprocess["profile"]
    definitions = {t["name"]: t.get("description", "") for t in spec["schema"]["labels"]["tags"]}
    tag_rows = "\n".join(f"| `{t}` | {definitions.get(t) or '—'} |" for t in heads["tags"]["labels"])
    columns = ("lifecycle_macro_f1", "lifecycle_accuracy", "tag_auroc_mean", "buy_auroc", "product_recall@3", "product_ndcg@3")
    header = ("| model | lifecycle macro-F1 | lifecycle accuracy | mean tag AUROC | buy AUROC | product Recall@3 (buyers) | product NDCG@3 (buyers) |\n"
              "|---|---|---|---|---|---|---|")

    def row(name: str, values: dict | None) -> str:
        values = values or {}
        return f"| {name} | " + " | ".join(num(values.get(c)) for c in columns) + " |"

    metric_rows = [row(f"`{info.model}` (PyTorch fp32)", metrics.get("eval"))]
    if metrics.get("baseline"):
        metric_rows.append(row("HistGradientBoosting baseline (per-user aggregates)", metrics["baseline"]))
    per_tag = ", ".join(
        f"`{t}` {num((metrics.get('eval') or {}).get(f'auroc_{t}'), 3)}" for t in heads["tags"]["labels"]
    )
    holdout = metrics.get("holdout") or {}
    art_rows = artifact_rows(manifest, lambda a: num((a.get('holdout') or {}).get('lifecycle_macro_f1')))
    stages = ", ".join(f"`{s}`" for s in heads["lifecycle"]["labels"])
    return f"""# Model card: {manifest['name']}

## Intended use
Describes a mobile-banking user from their recent in-app events and account attributes, on the
device: the lifecycle stage ({stages}), {len(heads['tags']['labels'])} tag scores in [0, 1], the chance
P(buy) that they take up any product in the horizon, and the {heads['products']['top_k']} products they are
most likely to take up if they do (out of {len(heads['products']['labels'])}; a product's propensity is
P(buy) × P(product | buy)). Meant to personalise screens and offers inside the app; not for
decisions about credit, pricing, fraud or anything that affects a customer without human review.

## Tags
| tag | definition |
|---|---|
{tag_rows}

Tag scores are independent sigmoids (they do not sum to 1); they are trained on soft targets, so
read them as scores to rank and threshold, not as calibrated probabilities.

## Model
`{info.model}` — {manifest['model'].get('params', 0):,} parameters, {manifest['model'].get('macs', 0):,} MACs per user
(embeddings of the categorical event fields and the hour, depthwise-separable 1-D convolutions and
ShuffleNet-style units over the last {spec['max_events']} events, {_tallies(info)}an MLP of the static
features, one linear layer for all heads). Inputs `cat`, `num`, `static` are built as `preprocess.json`
describes (spec `{spec['format']}`, hour of day at UTC offset {spec['utc_offset_minutes']} minutes).
Output: one `logits` row, columns {post['layout']}.{_offsets_note(info)}

## Data schema
{_schema_summary(spec['schema'])}

## Data
Trained on {_source(data)} with labels `{data.get('labels')}`
({data.get('n_train')} training / {data.get('n_val')} validation / {data.get('n_eval')} evaluation users,
features as of epoch ms {data.get('as_of_ms')}).

## Metrics ({metrics.get('eval_users') or 'evaluation users, never used for training'})
{header}
{chr(10).join(metric_rows)}

AUROC per tag: {per_tag}.

## Artifacts and parity
Held-out users ({holdout.get('source')}; {manifest.get('export_data', {}).get('parity_users', 'n/a')} users for parity,
never used for tracing or calibration). Top-1 agreement is on the lifecycle stage.

| file | format | precision | max abs Δ logit vs PyTorch | lifecycle top-1 agreement | lifecycle macro-F1 (held-out) |
|---|---|---|---|---|---|
{art_rows}

## Limits
- Only the {spec['max_events']} most recent events up to the prediction time are read; older behaviour
  shows only through the static features (tenure, holdings, event count).
- Values outside a field's vocabulary map to one out-of-vocabulary id per field; a new event name or
  product needs a new schema and a retrained model.
- Trained on data up to one snapshot time; behaviour drifts (campaigns, new products): re-train and
  monitor the stage distribution and offer take-up.

## Fairness and privacy
Runs entirely on the device: events and attributes never leave the phone for this model. Age,
tenure and wealth bucket are inputs: check outcomes across age groups and wealth segments before
using the scores for offers, and never use them to deny a service.
"""
