"""The profile task: a user's recent in-app events + attributes → lifecycle stage, tag scores and
next-product propensity, from ONE output row ``[lifecycle | tags | buy | products]`` (:func:`output_layout`,
the only place that knows the layout). Stages, tags and products are the data schema's
(:mod:`finlite.data.schema`).

Post-processing (what the apps reproduce): softmax over the lifecycle columns → stage (arg-max);
sigmoid of each tag logit → tag score; sigmoid of the buy logit → P(buys anything in the horizon);
softmax over the product columns → P(product | buys), the top 3; a product's propensity is
P(buys) × P(product | buys).
Training mixes the labels with out-of-fold HistGradientBoosting soft targets and fits per-stage
logit offsets for macro-F1 on the validation users (folded into the output bias).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .base import Finished, Log, Prepared, Task, TaskOutputs, TrainContext
from .config import TaskConfig
from .registry import register_task

if TYPE_CHECKING:
    import numpy as np

HEADS = ("lifecycle", "tags", "buy", "products")
TOP_K = 3
# What runs written before ``count_log`` and ``tally_windows`` were recorded were trained with.
PRE_TALLY_KWARGS = {"count_log": False, "tally_windows": 0}


@dataclass
class ProfileTrainConfig(TaskConfig):
    """Everything ``finlite train profile`` needs besides the data files."""

    model: str = "profile_dwshuffle_x1_0"  # a name from finlite.models.list_models("profile")
    epochs: int = 30
    batch_size: int = 128
    lr: float = 5e-3  # one-cycle peak
    weight_decay: float = 0.01
    dropout: float = 0.2
    ema_decay: float = 0.99
    # Without --eval-labels, this fraction of the labelled users is held out for the final figures
    # (0 = train on all of them; the figures are then the validation users').
    eval_fraction: float = 0.0
    val_fraction: float = 0.1  # of the training users, for early stopping and the stage offsets
    patience: int = 8
    seed: int = 0
    threads: int = 0  # torch and scikit-learn (OpenMP) threads; 0 = their defaults
    checkpoint_every: int = 50
    # multi-task loss weights
    lifecycle_weight: float = 1.0
    tags_weight: float = 4.0
    buy_weight: float = 1.0
    products_weight: float = 1.0  # cross-entropy over the buyers only
    # feature encoder
    max_events: int = 128
    utc_offset_minutes: int = 480
    baseline: bool = True  # also fit the HistGradientBoosting baseline on the same split
    # Weight of soft targets from out-of-fold HistGradientBoosting predictions on the training users
    # (0 = off): the network also learns what the hand-crafted per-user aggregates reveal.
    distill_baseline: float = 0.8
    distill_tags: bool = False  # also distil the teacher's tag scores (the labels' are soft already)
    # Per-stage logit offsets maximising macro-F1 on the validation users, folded into the output
    # layer's bias: the arg-max of calibrated probabilities under-predicts small stages.
    tune_lifecycle_offsets: bool = True
    # network options (ProfileNetConfig, same defaults), always recorded in the run's model_kwargs so
    # that a later change of defaults cannot change how a stored run is rebuilt
    count_log: bool = True  # log(1 + count) pooling instead of count / 128
    tally_windows: int = 3  # per-id event counts over all events and this many learned time windows (0 = off)


@dataclass
class ProfilePrediction:
    """One user's profile: stage, stage probabilities, tag scores, P(buys) and the top products."""

    user_id: str
    stage: str
    stage_probs: dict[str, float]
    tags: dict[str, float]
    buy_prob: float
    top_products: list[dict]  # [{"product", "index", "prob" = P(product | buys), "propensity"}], most likely first


BUY_LABEL = "buy"  # the label of the buy column in labels.txt


def output_layout(num_lifecycle: int, num_tags: int, num_products: int) -> dict[str, list[int]]:
    """``{head: [start, stop]}`` column slices of the single logits output."""
    a, b = num_lifecycle, num_lifecycle + num_tags
    return {"lifecycle": [0, a], "tags": [a, b], "buy": [b, b + 1], "products": [b + 1, b + 1 + num_products]}


def schema_layout(schema) -> dict[str, list[int]]:
    """The output layout of a :class:`~finlite.data.schema.ProfileSchema`."""
    return output_layout(len(schema.labels.stages), len(schema.labels.tags), len(schema.labels.products))


def schema_labels(schema) -> list[str]:
    """The output names in column order (labels.txt)."""
    lab = schema.labels
    return [*lab.stages, *(t.name for t in lab.tags), BUY_LABEL, *lab.products]


def as_of_option(text: str) -> int:
    """Epoch ms of an ``--as-of`` value (ISO 8601 or epoch ms); a one-line error otherwise."""
    from ..data.timestamps import parse_time_ms
    from ..errors import FinliteError

    try:
        return parse_time_ms(text)
    except ValueError:
        raise FinliteError(f"--as-of {text!r}: expected ISO 8601 (2026-06-30T00:00:00Z) or epoch milliseconds") from None


def profile_postprocess(layout: dict[str, list[int]], labels: list[str], k: int = TOP_K) -> dict:
    """The manifest's ``postprocess`` block of a model whose output columns are ``layout``
    (``labels`` = the output names in column order, as in labels.txt)."""
    missing = [h for h in HEADS if h not in layout]
    if missing:
        raise ValueError(f"profile output layout lacks {missing}")
    stop = max(b for _, b in layout.values())
    if stop != len(labels):
        raise ValueError(f"profile output layout covers {stop} columns, but there are {len(labels)} labels")

    def head(name: str, **rule) -> dict:
        start, end = layout[name]
        return {"columns": [int(start), int(end)], "labels": list(labels[start:end]), **rule}

    return {
        "output": "logits",
        "layout": {name: [int(a), int(b)] for name, (a, b) in layout.items()},
        "heads": {
            "lifecycle": head("lifecycle", activation="softmax", answer="argmax"),
            "tags": head("tags", activation="sigmoid"),
            "buy": head("buy", activation="sigmoid"),
            "products": head("products", activation="softmax", top_k=k, given="buy"),
        },
        "rule": (
            "stage = the lifecycle label with the largest softmax probability over the lifecycle columns; "
            "tag score = sigmoid(tag logit), each tag independent; P(buy) = sigmoid(buy logit), the chance "
            "of buying anything in the horizon; products = softmax over the product columns = P(product | buy), "
            "the top_k by probability (ties: lower index first); propensity = P(buy) * P(product | buy)"
        ),
    }


@register_task
class ProfileTask(Task):
    name = "profile"
    summary = "event sequence + attributes → lifecycle, tags, next product"
    epilog = """examples:
  finlite train profile --events data/profile/events.csv --users data/profile/users.csv --labels data/profile/labels.csv --out runs/profile
  finlite train profile --schema schema.json --events … --users … --labels train_labels.csv --eval-labels eval_labels.csv --out runs/profile
  torchrun --nproc_per_node=2 -m finlite train profile --events … --users … --labels … --out runs/profile-ddp
  finlite encode --schema schema.json --events … --users … --out shards/ --partitions 8
  torchrun --nproc_per_node=2 -m finlite train profile --shards shards/ --labels … --out runs/profile-shards
  finlite train profile --events … --users … --labels … --out runs/profile --resume      # continue a killed run
  finlite pretrain profile --schema schema.json --events all_events.parquet --users all_users.parquet --out runs/pretrained
  finlite train profile --init runs/pretrained --events … --users … --labels … --out runs/profile-finetuned
"""
    config_class = ProfileTrainConfig
    input_names = ("cat", "num", "static")

    # --- training (the hooks live in profile_training.py) ----------------------------------------------

    def add_data_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--events", help="events file (.csv or .parquet)")
        parser.add_argument("--users", help="user attributes file (.csv or .parquet)")
        parser.add_argument("--shards", help="instead of --events/--users: a folder of encoded shards (finlite encode); under torchrun each process trains on its own shards")
        parser.add_argument("--labels", required=True, help="labels file: user id, stage, next product, one column per tag")
        parser.add_argument("--schema", help="schema.json (finlite schema infer); default: inferred from the files and saved in the run")
        parser.add_argument("--init", help="start from a pretrained encoder (a folder written by finlite pretrain profile; its spec is used)")
        parser.add_argument("--eval-labels", help="labels of the users to evaluate on (kept out of training); default: none held out")
        parser.add_argument("--as-of", help="snapshot time (ISO 8601 or epoch ms; default: just after the last event)")

    def data_files(self, args: argparse.Namespace) -> dict[str, Any]:
        if (args.shards and (args.events or args.users)) or not (args.shards or (args.events and args.users)):
            from ..errors import FinliteError

            raise FinliteError("finlite train profile reads --events and --users, or --shards (encoded by finlite encode), not both")
        common = {"init": Path(args.init) if args.init else None}
        if args.shards:
            return {**common, "shards": Path(args.shards), "labels": Path(args.labels), "schema": Path(args.schema) if args.schema else None,
                    "eval_labels": Path(args.eval_labels) if args.eval_labels else None,
                    "as_of_ms": as_of_option(args.as_of) if args.as_of else None}
        return {**common, "events": Path(args.events), "users": Path(args.users), "labels": Path(args.labels),
                "schema": Path(args.schema) if args.schema else None,
                "eval_labels": Path(args.eval_labels) if args.eval_labels else None,
                "as_of_ms": as_of_option(args.as_of) if args.as_of else None}

    def prepare(self, config: ProfileTrainConfig, data: dict[str, Any], log: Log) -> Prepared:
        from .profile_training import prepare

        return prepare(self, config, data, log)

    def objective(self, config: ProfileTrainConfig, prepared: Prepared, distilled: bool):
        from .profile_training import ProfileObjective

        return ProfileObjective(config, prepared.extra["layout"])

    def soft_targets(self, config: ProfileTrainConfig, prepared: Prepared, ctx: TrainContext) -> tuple[np.ndarray, ...]:
        e = prepared.extra
        if config.distill_baseline <= 0:
            return ()
        if e["events"] is None:
            ctx.log("trained from shards: no raw events for the HistGradientBoosting teacher's aggregates, so no distillation from it")
            return ()
        from .profile_baseline import baseline_soft_targets

        return baseline_soft_targets(e["schema"], e["events"], e["attrs"], e["labels"].subset(e["fit_users"]), e["as_of_ms"], config.seed, log=ctx.log)

    def finish(self, model, config: ProfileTrainConfig, prepared: Prepared, ctx: TrainContext) -> Finished:
        from .profile_training import finish

        return finish(model, config, prepared, ctx)

    def architecture_kwargs(self, model_kwargs: dict[str, Any]) -> dict[str, Any]:
        if "cat_vocabs" not in model_kwargs:
            from ..errors import FinliteError

            raise FinliteError("this profile run was trained with the fixed vocabularies of finlite.profile/1; this finlite "
                               "encodes with the data's schema (finlite.profile/2): train it again")
        return {**PRE_TALLY_KWARGS, **model_kwargs}

    def summary_lines(self, metrics: dict) -> list[str]:
        return [
            f"{name:<20} lifecycle macro-F1 {row['lifecycle_macro_f1']:.4f}  mean tag AUROC {row['tag_auroc_mean']:.4f}  "
            f"buy AUROC {row['buy_auroc']:.4f}  product Recall@3 {row['product_recall@3']:.4f}  NDCG@3 {row['product_ndcg@3']:.4f} (buyers)"
            for name, row in (("network", metrics["eval"]), ("HistGradientBoosting", metrics.get("baseline")))
            if row
        ]

    def headline(self, metrics: dict) -> dict[str, float]:
        ev = metrics["eval"]
        return {"accuracy": ev["lifecycle_accuracy"], "macro_f1": ev["lifecycle_macro_f1"], "tag_auroc_mean": ev.get("tag_auroc_mean")}

    # --- bundle ---------------------------------------------------------------------------------------

    def postprocess_spec(self, labels: list[str], run: Any) -> dict:
        kwargs = run.model_kwargs
        return profile_postprocess(output_layout(kwargs["num_lifecycle"], kwargs["num_tags"], kwargs["num_products"]), labels)

    def outputs(self, labels: list[str], post: dict) -> TaskOutputs:
        from .profile_outputs import decode_profile

        start, stop = post["heads"]["lifecycle"]["columns"]
        return TaskOutputs(self.name, self.input_names, "lifecycle", (int(start), int(stop)), list(labels), post, lambda x: decode_profile(x, post))

    def encoder(self, preprocess: dict):
        from ..data.profile_features import ProfileEncoder
        from ..data.profile_spec import ProfileSpec

        return ProfileEncoder(ProfileSpec.from_json(preprocess["profile"]))

    def encode_golden(self, encoder, examples: Sequence[dict]) -> tuple[np.ndarray, ...]:
        from ..data.raw_rows import encode_profile_cases

        return encode_profile_cases(encoder, examples)

    def export_source(self, run_dir: Path, model, run, data: dict, log: Log):
        from .profile_export import ProfileExportSource

        return ProfileExportSource(self, run_dir, model, run, data, log)

    def bundle_model_kwargs(self, labels: list[str], preprocess: dict, post: dict) -> dict[str, Any]:
        from ..data.profile_spec import ProfileSpec

        heads = post["heads"]
        spec = ProfileSpec.from_json(preprocess["profile"])
        size = {name: heads[name]["columns"][1] - heads[name]["columns"][0] for name in HEADS}
        return {"num_lifecycle": size["lifecycle"], "num_tags": size["tags"], "num_products": size["products"],
                "static_features": spec.static_features, "num_features": spec.num_features, "cat_vocabs": spec.cat_vocabs}

    def encode_inputs(self, encoder, events, attrs, user_ids: Sequence[str], as_of_ms: int) -> tuple[np.ndarray, ...]:
        """``events`` / ``attrs``: an EventTable / AttributeTable (or None); events after ``as_of_ms`` are ignored."""
        return encoder.encode(events, attrs, list(user_ids), int(as_of_ms)).as_tuple()

    def predictions(self, outputs: TaskOutputs, decoded: list[dict], events, attrs, user_ids: Sequence[str], as_of_ms: int) -> list[ProfilePrediction]:
        return [ProfilePrediction(u, d["stage"], d["stage_probs"], d["tags"], d["buy_prob"], d["top_products"]) for u, d in zip(user_ids, decoded)]

    # --- command line ---------------------------------------------------------------------------------

    def cli_evaluate(self, bundle, args: argparse.Namespace) -> dict:
        from .profile_export import evaluate_bundle

        return evaluate_bundle(bundle, args)

    def cli_eval_line(self, row: dict, file: str) -> str:
        return (f"  {row['file']:<20} on {file} (n={row['n']}): lifecycle macro-F1 {row['lifecycle_macro_f1']:.4f}, "
                f"accuracy {row['lifecycle_accuracy']:.4f}, mean tag AUROC {row['tag_auroc_mean']:.4f}, "
                f"product Recall@3 {row['product_recall@3']:.4f}")

    def cli_predict(self, bundle, args: argparse.Namespace) -> list[str]:
        from .profile_export import predict_lines

        return predict_lines(bundle, args)
