"""MODEL_CARD.md for a bundle: intended use, data, metrics, parity, limits, privacy."""

from __future__ import annotations

from ..training.checkpoint import RunInfo


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def render_model_card(manifest: dict, info: RunInfo) -> str:
    metrics = manifest["metrics"]
    evaluation = metrics.get("eval") or metrics.get("val") or {}
    eval_name = "evaluation file" if metrics.get("eval") else "validation split"
    rows = "\n".join(
        f"| `{a['file']}` | {a['format']} | {a['precision']} | {a['parity']['max_abs_diff']:.2e} | "
        f"{a['parity']['top1_agreement']:.4f} | {_pct(a['holdout_accuracy'])} |"
        for a in manifest["artifacts"]
    )
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
| {_pct(evaluation.get('accuracy'))} | {_pct(evaluation.get('macro_f1'))} | {_pct(evaluation.get('in_scope_accuracy'))} | {_pct(evaluation.get('oos_recall'))} |

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
