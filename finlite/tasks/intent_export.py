"""The intent task's side of ``finlite export``: calibration and held-out texts from the run's
samples.json, golden texts (edge cases, then held-out texts) and the model card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ExportError
from .base import TaskOutputs
from .cards import artifact_rows, pct

SAMPLES = "samples.json"
EDGE_CASES: tuple[str, ...] = (
    "",  # empty
    "   \t\n",  # whitespace only
    "?!...",  # punctuation only
    "How do I transfer money to my mom?",  # English
    "我想查一下银行卡余额",  # Chinese
    "帮我transfer 500块到招商银行卡",  # mixed
    "card lost!!! 😭🙏 help",  # emoji
    "👨‍👩‍👧 family account 👍🏽",  # ZWJ sequence, skin tone
    "ＡＴＭ取款限额是多少？",  # fullwidth (NFKC)
    "Ünïcödé façade naïve café",  # accents
    ("余额 balance " * 1000)[:10000],  # 10,000 characters, mixed
)
HELD_OUT_EXAMPLES = 13


def golden_texts(held_out: Sequence[str], n: int = HELD_OUT_EXAMPLES) -> list[str]:
    """Edge cases plus the first ``n`` held-out texts (never used for tracing or calibration)."""
    return list(EDGE_CASES) + list(held_out[:n])


class IntentExportSource:
    """Intent runs: calibration and held-out texts from the run's samples.json."""

    int8_float_modules: tuple[str, ...] = ()  # besides the head (float_head)

    def __init__(self, task, run_dir: Path, model, info, data: dict):
        if any(data.values()):
            raise ExportError(f"--events / --users / --labels apply to profile runs; {run_dir} is an intent run")
        path = run_dir / SAMPLES
        if not path.is_file():
            raise ExportError(f"{run_dir}: no {SAMPLES} (calibration and held-out texts) — re-run 'finlite train'")
        samples = json.loads(path.read_text(encoding="utf-8"))
        self.info = info
        self.samples = samples
        self.encoder = task.encoder(info.preprocess)
        self.outputs: TaskOutputs = task.outputs(info.labels, task.postprocess_spec(info.labels, info))
        self.calibration = (self.encoder.encode_batch(samples["calibration"]),)
        holdout_texts = [s["text"] for s in samples["holdout"]]
        self.parity = (self.encoder.encode_batch(holdout_texts),)
        label_index = {label: i for i, label in enumerate(info.labels)}
        self._holdout_y = np.array([label_index.get(s["label"], -1) for s in samples["holdout"]])
        texts = golden_texts(holdout_texts)
        self.golden_cases = [{"text": t, "units": [unit for _, unit in self.encoder.units(t)]} for t in texts]
        self.golden_inputs = (self.encoder.encode_batch(texts),)

    def golden_header(self) -> dict:
        ids = self.golden_inputs[0]
        return {"input": {"name": "ids", "dtype": "int32", "shape": list(ids.shape[1:])}}

    def golden_input_fields(self, i: int) -> dict:
        return {"ids": self.golden_inputs[0][i].tolist()}

    def quality(self, logits: np.ndarray) -> dict:
        known = self._holdout_y >= 0
        accuracy = float(np.mean(logits.argmax(1)[known] == self._holdout_y[known])) if known.any() else None
        return {"holdout_accuracy": accuracy}

    def manifest_metrics(self, metrics: dict, reference: dict) -> dict:
        return {
            "eval": metrics.get("eval"),
            "val": metrics.get("val"),
            "oos": {k: v for k, v in (metrics.get("oos") or {}).items() if k != "curve"},  # the curve stays in the run's metrics.json
            "training": _training_summary(metrics.get("train") or {}),
            "holdout": {
                "source": self.samples.get("holdout_source"),
                "n": len(self.samples.get("holdout", [])),
                "pytorch_accuracy": reference["holdout_accuracy"],
            },
        }

    def manifest_extra(self) -> dict:
        return {}

    def model_card(self, manifest: dict) -> str:
        return render_intent_card(manifest, self.info)


def _training_summary(train: dict) -> dict:
    """The teachers (weight, accuracies, time) and each stage's time, for the manifest and the card."""
    teachers = [{**{k: t.get(k) for k in ("model", "weight", "val", "eval", "seconds", "cached")},
                 "fine_tune_seconds": (t.get("stage_seconds") or {}).get("fine_tune") or (t.get("stage_seconds") or {}).get("cached_fine_tune")}
                for t in train.get("teachers", [])]
    return {"teachers": teachers, "teacher_ensemble": train.get("teacher_ensemble"), "student_seconds": train.get("student_seconds"),
            "seconds": train.get("seconds"), "distill_variants": train.get("distill_variants", 0)}


def _training_section(training: dict) -> str:
    """The card's distillation table: each teacher's weight, accuracy and time, the ensemble, the student's time."""
    teachers = training.get("teachers") or []
    if not teachers:
        return ""
    lines = ["## Training: teachers and stages",
             "The student learns from the weighted average of its teachers' softened predictions on the training split "
             "(`teachers=` / `teacher_weights=`; docs/intent_teacher.md)"
             + (f", and on {training['distill_variants']} variants of those texts the teachers scored (`distill_augment`)."
                if training.get("distill_variants") else "."), "",
             "| stage | weight | validation accuracy | evaluation accuracy | seconds |", "|---|---|---|---|---|"]
    for t in teachers:
        note = f" (cached logits; fine-tuned in {t.get('fine_tune_seconds') or 0:.0f} s)" if t.get("cached") else ""
        lines.append(f"| teacher `{t['model']}`{note} | {t.get('weight', 0):.3f} | {pct((t.get('val') or {}).get('accuracy'))} | "
                     f"{pct((t.get('eval') or {}).get('accuracy'))} | {t.get('seconds', 0):.0f} |")
    ensemble = training.get("teacher_ensemble") or {}
    lines.append(f"| teachers' weighted average | 1.000 | {pct((ensemble.get('val') or {}).get('accuracy'))} | "
                 f"{pct((ensemble.get('eval') or {}).get('accuracy'))} | – |")
    lines.append(f"| student | – | see Metrics | see Metrics | {training.get('student_seconds') or 0:.0f} |")
    lines.append(f"| whole run | | | | {training.get('seconds') or 0:.0f} |")
    return "\n".join(lines) + "\n"


def _oos_section(oos: dict) -> str:
    """The out-of-scope rule, the AUROC and the operating points a product owner can choose from."""
    if not oos.get("operating_points"):
        return ""
    lines = ["## Out-of-scope operating points",
             f"Threshold {oos['threshold']:.4f} chosen on the validation split by the `{oos['method']}` rule"
             + (f" ({oos['note']})" if oos.get("note") else "") + "; `--set oos_rule=balanced|max_reject|min_recall` "
             "with `oos_reject_in_scope` / `oos_min_recall` picks another.",
             (f"Separation of out-of-scope from in-scope texts by the top probability: AUROC {oos['auroc']:.4f} "
              f"({oos['measured_on']} texts)." if oos.get("auroc") is not None else "No out-of-scope texts to measure recall on."), "",
             f"| reject at most (in-scope, validation) | threshold | in-scope accuracy | in-scope rejected | out-of-scope recall ({oos['measured_on']}) |",
             "|---|---|---|---|---|"]
    for p in oos["operating_points"]:
        recall = "–" if p["oos_recall"] is None else f"{100 * p['oos_recall']:.2f}"
        lines.append(f"| {100 * p['max_reject']:.1f}% | {p['threshold']:.4f} | {100 * p['in_scope_accuracy']:.2f} | {100 * p['in_scope_rejected']:.2f} | {recall} |")
    return "\n".join(lines) + "\n"


def render_intent_card(manifest: dict, info) -> str:
    """MODEL_CARD.md of an intent bundle."""
    metrics = manifest["metrics"]
    evaluation = metrics.get("eval") or metrics.get("val") or {}
    eval_name = "evaluation file" if metrics.get("eval") else "validation split"
    rows = artifact_rows(manifest, lambda a: pct(a["holdout_accuracy"]))
    post = manifest["postprocess"]
    data = info.data
    return f"""# Model card: {manifest['name']}

## Intended use
Classifies a short text typed into a mobile banking app's search box or assistant into one of
{len(info.labels)} intents (`labels.txt`), or answers `{post['oos_label']}` when the top softmax
probability is below {post['oos_threshold']:.4f}. Meant to route users to the right screen or flow;
not for decisions about credit, fraud or anything that affects a customer without human review.

## Model
`{info.model}` — {manifest['model'].get('params', 0):,} parameters, {manifest['model'].get('macs', 0):,} MACs per query
(depthwise-separable 1-D convolutions and ShuffleNet-style units over hashed word / character
n-gram features; preprocessing spec `{info.preprocess['text']['format']}`, see `preprocess.json`).

## Data
Trained on `{data.get('train')}` ({data.get('n_train')} training / {data.get('n_val')} validation
samples); evaluated on `{data.get('eval')}` ({data.get('n_eval')} samples).

## Metrics ({eval_name}, PyTorch fp32)
| accuracy | macro-F1 | in-scope accuracy (with threshold) | out-of-scope recall |
|---|---|---|---|
| {pct(evaluation.get('accuracy'))} | {pct(evaluation.get('macro_f1'))} | {pct(evaluation.get('in_scope_accuracy'))} | {pct(evaluation.get('oos_recall'))} |

{_training_section(metrics.get("training") or {})}
{_oos_section(metrics.get("oos") or {})}
## Artifacts and parity (held-out samples, never used for tracing or calibration)
| file | format | precision | max abs Δ logit vs PyTorch | top-1 agreement | held-out accuracy |
|---|---|---|---|---|---|
{rows}

## Limits
- Hashed features: unseen words still map to ids, but words sharing a hash bucket are confused.
- Only the first {info.preprocess['text']['max_units']} units (words, CJK characters, emoji) of a text are read.
- Accuracy on real traffic differs from the evaluation set; monitor the out-of-scope rate.

## Fairness and privacy
Runs entirely on the device: the text never leaves the phone. Intents can be biased by the
phrasing of the training data (dialects, non-native phrasing, code-mixing): evaluate on your own
users' language before launch. Do not log raw queries without consent.
"""


def evaluate_texts(bundle, texts: Sequence[str], labels: Sequence[str]) -> list[dict]:
    """Accuracy of every artifact of an intent bundle on labelled texts (arg-max, and with the out-of-scope rule)."""
    index = {label: i for i, label in enumerate(bundle.labels)}
    y = np.array([index[label] for label in labels])

    def score(logits: np.ndarray) -> dict:
        decided = [d["label"] for d in bundle.outputs.decode(logits)]
        return {"n": len(y), "accuracy": float(np.mean(logits.argmax(1) == y)),
                "accuracy_with_oos_rule": float(np.mean([d == t for d, t in zip(decided, labels)]))}

    return bundle.evaluate(bundle.encode(list(texts)), score)
