"""The profile task's side of ``finlite export``: calibration, parity and golden users from the
events / users files named in run.json (or overridden), quality on held-out labels.

Calibration: up to 256 of the run's training users. Parity: the run's evaluation users (topped up
with its validation users when there are fewer than 256; at most 1024) — neither was used to fit
the weights nor to calibrate. The split is the one training made: read from samples.json when the
run has it, else re-derived from the labels file and the run's seed and fractions as training does.

int8 artifacts keep the ``stem`` in float besides the head: its input concatenates the event
embeddings (typically |v| ~0.2) with the projection of the numeric features (up to ~±3.5), and one
int8 range for both leaves a typical embedding value a handful of levels. The ``tally`` branch
(when the model has one) stays float too: its counts of 0 … 128 do not fit one int8 scale
(docs/bundle.md gives the measurements).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..data.splits import fit_val_eval_users
from ..errors import ExportError
from .base import Log, TaskOutputs
from .profile import HEADS
from .profile_golden import PROFILE_HELD_OUT_EXAMPLES, profile_golden_cases
from .profile_outputs import head_probabilities, profile_metrics

SAMPLES = "samples.json"
CALIBRATION_USERS = 256
MIN_PARITY_USERS = 256
MAX_PARITY_USERS = 1024
QUALITY_KEYS = ("lifecycle_accuracy", "lifecycle_macro_f1", "tag_auroc_mean", "buy_auroc", "product_recall@3", "product_ndcg@3")


def profile_quality(logits: np.ndarray, post: dict, labels) -> dict:
    """Lifecycle accuracy / macro-F1, mean tag AUROC, buy AUROC, product Recall@3 / NDCG@3 (buyers) of
    profile outputs against :class:`~finlite.data.profile_labels.ProfileLabels` (rows in the same order)."""
    layout = {h: post["heads"][h]["columns"] for h in HEADS}
    full = profile_metrics(*head_probabilities(np.asarray(logits, dtype=np.float64), layout), labels, tuple(post["heads"]["tags"]["labels"]))
    return {k: full[k] for k in QUALITY_KEYS if k in full}


class ProfileExportSource:
    """Profile runs: users from the events / users files named in run.json (or overridden)."""

    int8_float_modules: tuple[str, ...] = ("stem", "tally")  # those the model has

    def __init__(self, task, run_dir: Path, model, info, data: dict, log: Log):
        from ..data.events import load_attributes, load_events
        from ..data.raw_rows import encode_profile_cases, event_columns, read_raw_rows, user_columns
        from ..data.timestamps import iso_ms

        self.info = info
        self.int8_float_modules = tuple(name for name in self.int8_float_modules if hasattr(model, name))
        paths = {key: data.get(key) or info.data.get(key) for key in ("events", "users", "labels")}
        missing = [key for key in ("events", "users") if not paths[key] or not Path(paths[key]).is_file()]
        if missing:
            named = ", ".join(f"{key} {paths[key]!r}" if paths[key] else f"no {key} file" for key in missing)
            raise ExportError(
                f"exporting the profile run {run_dir} needs its events and users files to pick calibration, parity and "
                f"golden users, but run.json gives {named}; pass --events FILE --users FILE"
            )
        self.paths = {key: str(value) if value else None for key, value in paths.items()}
        self.encoder = task.encoder(info.preprocess)
        schema = self.encoder.spec.schema
        events, attrs = load_events(paths["events"], schema), load_attributes(paths["users"], schema)
        self.as_of_ms = int(info.data.get("as_of_ms") or int(events.ts_ms.max()) + 1)
        fit_users, val_users, held, self.labels, self.split_source = _profile_split(run_dir, info, paths["labels"], schema, events, attrs, log)
        if not fit_users or not held:
            raise ExportError(f"{run_dir}: no training or no evaluation users to calibrate and check parity on")
        self.outputs: TaskOutputs = task.outputs(info.labels, task.postprocess_spec(info.labels, info))

        rng = np.random.default_rng(int(info.train_config.get("seed", 0)))
        calibration_users = [fit_users[i] for i in rng.permutation(len(fit_users))[:CALIBRATION_USERS]]
        parity_users = list(held) + (list(val_users) if len(held) < MIN_PARITY_USERS else [])
        parity_users = parity_users[:MAX_PARITY_USERS]
        self.n_eval = min(len(held), len(parity_users))
        self.eval_users = parity_users[: self.n_eval]
        self.calibration = self.encoder.encode(events, attrs, calibration_users, self.as_of_ms).as_tuple()
        self.parity = self.encoder.encode(events, attrs, parity_users, self.as_of_ms).as_tuple()
        self.parity_source = "evaluation users" + (" + validation users" if len(parity_users) > len(held) else "")

        # Golden held-out users: the first evaluation users with at most max_events events (keeps
        # golden.json small; the over_max_events case covers longer histories), then a pool for the
        # edge cases.
        max_events = self.encoder.spec.max_events
        counts = dict(zip(events.user_ids, np.diff(np.asarray(events.offsets))))
        short = [u for u in held if counts.get(u, 0) <= max_events][:PROFILE_HELD_OUT_EXAMPLES]
        chosen = set(short)
        golden_users = short + [u for u in held if u not in chosen][:64]
        raw_events = read_raw_rows(paths["events"], event_columns(schema), golden_users, schema.event_user_id)
        raw_attrs = read_raw_rows(paths["users"], user_columns(schema), golden_users, schema.user_user_id)
        cases = profile_golden_cases(raw_events, raw_attrs, golden_users, max_events, (schema.event_user_id, schema.user_user_id))
        for case in cases:
            case["as_of_ms"] = self.as_of_ms
            case["as_of"] = iso_ms(self.as_of_ms)
        self.golden_cases = [{k: c[k] for k in ("name", "user_id", "as_of_ms", "as_of", "events", "attributes")} for c in cases]
        self.golden_inputs = encode_profile_cases(self.encoder, self.golden_cases)

    def golden_header(self) -> dict:
        return {}

    def golden_input_fields(self, i: int) -> dict:
        return {"inputs": {name: a[i].tolist() for name, a in zip(self.outputs.input_names, self.golden_inputs)}}

    def quality(self, logits: np.ndarray) -> dict:
        if self.labels is None:
            return {"holdout": None}
        return {"holdout": {"n": self.n_eval, **profile_quality(logits[: self.n_eval], self.outputs.postprocess, self.labels.subset(self.eval_users))}}

    def manifest_metrics(self, metrics: dict, reference: dict) -> dict:
        return {
            "eval": metrics.get("eval"),
            "eval_users": metrics.get("eval_users"),
            "baseline": metrics.get("baseline"),
            "holdout": {"source": self.split_source, "n": self.n_eval if self.labels is not None else 0, "pytorch": reference["holdout"]},
        }

    def manifest_extra(self) -> dict:
        return {
            "output_layout": self.outputs.postprocess["layout"],
            "export_data": {**self.paths, "as_of_ms": self.as_of_ms, "parity_users": len(self.parity[0]),
                            "parity_source": self.parity_source, "calibration_users": len(self.calibration[0])},
        }

    def model_card(self, manifest: dict) -> str:
        from .profile_card import render_profile_card

        return render_profile_card(manifest, self.info)


def _profile_split(run_dir: Path, info, labels_path, schema, events, attrs, log: Log):
    """(training users, validation users, evaluation users, labels or None, description)."""
    from ..data.profile_labels import load_profile_labels

    labels = None
    if labels_path and Path(labels_path).is_file():
        labels = load_profile_labels(labels_path, schema)
        eval_path = info.data.get("eval_labels")
        if eval_path and Path(eval_path).is_file():
            extra = load_profile_labels(eval_path, schema)
            kept = [u for u in labels.user_ids if u not in set(extra.user_ids)]
            labels = labels.subset(kept).joined(extra)
    samples = run_dir / SAMPLES
    if samples.is_file():
        recorded = json.loads(samples.read_text(encoding="utf-8"))
        if recorded.get("holdout_users") and recorded.get("calibration_users"):
            held = list(recorded["holdout_users"])
            if labels is not None and not set(held) <= set(labels.user_ids):
                labels = None
            validation = list(recorded.get("validation_users", []))
            return list(recorded["calibration_users"]), validation, held, labels, f"{SAMPLES} holdout_users"
    config = info.train_config
    eval_fraction, val_fraction, seed = float(config.get("eval_fraction", 0.0)), float(config.get("val_fraction", 0.1)), int(config.get("seed", 0))
    if labels is not None:
        users, source = labels.user_ids, f"the run's evaluation split, re-derived from {labels_path} (seed {seed})"
    else:
        users = sorted(set(attrs.user_ids) | set(events.user_ids))
        source = "a split of the users file's users like training's (no labels file: no quality metrics)"
        log(f"warning: no labels file ({labels_path!r}); parity users are {source}; pass --labels FILE for the exact split")
    return (*fit_val_eval_users(users, eval_fraction, val_fraction, seed), labels, source)


# --- finlite verify --eval / finlite predict ------------------------------------------------------------


def load_tables(bundle, args, what: str):
    """(events, attributes or None, as_of_ms) from ``--events`` / ``--users`` / ``--as-of``."""
    from ..data.events import load_attributes, load_events
    from ..errors import FinliteError
    from .profile import as_of_option

    if not args.events:
        raise FinliteError(f"{what} with a profile bundle needs --events FILE (and usually --users FILE)")
    schema = bundle.encoder.spec.schema
    events = load_events(Path(args.events), schema)
    attrs = load_attributes(Path(args.users), schema) if args.users else None
    as_of = as_of_option(args.as_of) if args.as_of else int(events.ts_ms.max()) + 1
    return events, attrs, as_of


def evaluate_users(bundle, events, attrs, labels, as_of_ms: int) -> list[dict]:
    """Lifecycle macro-F1 / accuracy, mean tag AUROC and product Recall@3 / NDCG@3 of every artifact
    on the users of ``labels`` (a :class:`~finlite.data.profile_labels.ProfileLabels`)."""
    inputs = bundle.encode(events, attrs, labels.user_ids, as_of_ms)
    return bundle.evaluate(inputs, lambda logits: {"n": len(labels.user_ids), **profile_quality(logits, bundle.postprocess, labels)})


def evaluate_bundle(bundle, args) -> dict:
    """``finlite verify --eval LABELS --events … --users …``: :func:`evaluate_users` on the labels' users."""
    from ..data.profile_labels import load_profile_labels

    events, attrs, as_of = load_tables(bundle, args, "verify --eval")
    labels = load_profile_labels(Path(args.eval), bundle.encoder.spec.schema)
    return {"file": args.eval, "as_of_ms": as_of, "artifacts": evaluate_users(bundle, events, attrs, labels, as_of)}


def predict_lines(bundle, args) -> list[str]:
    """Stage, tags and top products of every ``--user``."""
    from ..data.timestamps import iso_ms
    from ..errors import FinliteError

    if args.text:
        raise FinliteError(f"{bundle.dir} is a profile bundle: pass --events FILE [--users FILE] --user ID, not texts")
    if getattr(args, "out", None):
        from .profile_scoring import batch_lines

        events, attrs, as_of = load_tables(bundle, args, "predict --out")
        return batch_lines(bundle, args, events, attrs, as_of)
    if not args.user:
        raise FinliteError("predict with a profile bundle needs --user ID (repeat it for several users), or --out FILE to score everybody")
    events, attrs, as_of = load_tables(bundle, args, "predict")
    known = set(events.user_ids) | set(attrs.user_ids if attrs is not None else [])
    unknown = [u for u in args.user if u not in known]
    if unknown:
        raise FinliteError(f"user(s) {unknown} have neither events in {args.events} nor a row in {args.users or 'a users file'}")
    lines = []
    for pred in bundle.predict(events, attrs, args.user, as_of, format=args.format, precision=args.precision):
        lines.append(f"{pred.user_id} (as of {iso_ms(as_of)}): stage {pred.stage} ({pred.stage_probs[pred.stage]:.3f})")
        lines.append("  tags: " + ", ".join(f"{tag} {score:.3f}" for tag, score in pred.tags.items()))
        lines.append(f"  buys anything: {pred.buy_prob:.3f}; top products (propensity): "
                     + ", ".join(f"{p['product']} {p['propensity']:.3f}" for p in pred.top_products[: args.top_k]))
    return lines
