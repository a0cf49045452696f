"""``finlite quickstart``: synthetic corpus → train → export → verify → REPORT.md, in one go."""

from __future__ import annotations

import platform
import shutil
import time
from pathlib import Path

from . import __version__
from .errors import FinliteError

MARKER = ".finlite-quickstart"  # lets a re-run replace its own earlier output, and nothing else


def _prepare(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists() and not force:
            raise FinliteError(f"{out} exists and was not written by 'finlite quickstart'; choose another --out or pass --force")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by finlite quickstart; a re-run replaces this folder\n", encoding="utf-8")


def _step(title: str) -> float:
    print(f"\n== {title}", flush=True)
    return time.perf_counter()


def run_quickstart(out: Path, force: bool = False) -> Path:
    """Run the whole intent pipeline on the built-in synthetic data; return the report path."""
    from .bench.latency import measure_latency
    from .data.synth_intent import generate_intent_corpus, split_corpus, write_csv
    from .export.bundle import export_bundle
    from .runtime.bundle import Bundle, check_golden, evaluate_artifacts
    from .training.config import IntentTrainConfig
    from .training.intent import train_intent

    out = Path(out)
    _prepare(out, force)
    timings: dict[str, float] = {}
    start = _step("1/4 synthetic bilingual banking intent corpus")
    data_dir = out / "data"
    train_rows, eval_rows = split_corpus(generate_intent_corpus(seed=0), eval_fraction=0.2, seed=0)
    write_csv(train_rows, data_dir / "train.csv")
    write_csv(eval_rows, data_dir / "eval.csv")
    print(f"{len(train_rows)} training / {len(eval_rows)} evaluation examples → {data_dir}")
    timings["data"] = time.perf_counter() - start

    start = _step("2/4 train (teachers, then the distilled depthwise-separable + shuffle student)")
    run_dir = out / "runs" / "intent"
    metrics = train_intent(data_dir / "train.csv", data_dir / "eval.csv", run_dir, IntentTrainConfig())
    timings["train"] = time.perf_counter() - start

    start = _step("3/4 export ONNX + TFLite (fp32, int8) with parity checks")
    bundle_dir = out / "bundles" / "intent"
    manifest = export_bundle(run_dir, bundle_dir)
    timings["export"] = time.perf_counter() - start

    start = _step("4/4 verify the bundle and time each artifact (batch 1, 1 thread)")
    bundle = Bundle(bundle_dir)
    golden = check_golden(bundle)
    accuracy = evaluate_artifacts(bundle, [r.text for r in eval_rows], [r.label for r in eval_rows])
    sample = bundle.encoder.encode_batch(["帮我transfer 500块到妈妈的卡"])
    latency = {}
    for art in bundle.artifacts:
        runner = bundle.runner(art["file"])
        latency[art["file"]] = measure_latency(lambda: runner.run(sample), runs=300, warmup=30)
    timings["verify"] = time.perf_counter() - start

    report = out / "REPORT.md"
    report.write_text(_render_report(manifest, metrics, golden, accuracy, latency, timings), encoding="utf-8")
    failed = [g["file"] for g in golden if not g["passed"]]
    print(f"\ndata      {data_dir}\nrun       {run_dir}\nbundle    {bundle_dir}\nreport    {report}")
    print(f"try:      finlite predict --bundle {bundle_dir} \"我的信用卡怎么还款\"")
    if failed:
        raise FinliteError(f"golden check failed for {', '.join(failed)} (see {report})")
    return report


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _render_report(manifest: dict, metrics: dict, golden: list[dict], accuracy: list[dict], latency: dict, timings: dict) -> str:
    ev = metrics["eval"]
    sizes = manifest["files"]
    acc = {a["file"]: a for a in accuracy}
    gold = {g["file"]: g for g in golden}
    rows = []
    for art in manifest["artifacts"]:
        f = art["file"]
        lat = latency[f]
        rows.append(
            f"| `{f}` | {sizes[f]['bytes'] / 1e6:.3f} MB | {art['parity']['max_abs_diff']:.2e} | {art['parity']['top1_agreement']:.4f} | "
            f"{'pass' if gold[f]['passed'] else 'FAIL'} | {_pct(acc[f]['accuracy'])} | {_pct(acc[f]['accuracy_with_oos_rule'])} | "
            f"{lat.p50_ms:.3f} / {lat.p90_ms:.3f} / {lat.p99_ms:.3f} |"
        )
    teachers = ", ".join(f"{t['model']} (val {_pct(t['val']['accuracy'])})" for t in metrics["train"]["teachers"]) or "none"
    return f"""# finlite quickstart report

Machine: {platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()}, finlite {__version__}.
Reproduce: `make quickstart` (or `finlite quickstart --out DIR`).

## Training (synthetic bilingual corpus, PyTorch fp32)
Model `{metrics['model']['name']}`: {metrics['model']['params']:,} parameters, {metrics['model']['macs']:,} MACs per query.
Teachers for distillation: {teachers}. Best epoch {metrics['train']['best_epoch']}.

| split | accuracy | macro-F1 | in-scope accuracy (threshold) | out-of-scope recall |
|---|---|---|---|---|
| eval ({ev['n']} texts, {ev['n_oos']} out-of-scope) | {_pct(ev['accuracy'])} | {_pct(ev['macro_f1'])} | {_pct(ev['in_scope_accuracy'])} | {_pct(ev['oos_recall'])} |

Out-of-scope threshold {metrics['oos']['threshold']:.4f} ({metrics['oos']['method']} calibration on the validation split).

## Artifacts
Parity: PyTorch vs artifact on {manifest['artifacts'][0]['parity']['n']} held-out texts never used for tracing or calibration.
Latency: batch 1, 1 thread, {next(iter(latency.values())).runs} timed calls after warm-up, this machine (ms p50 / p90 / p99).

| file | size | max abs Δ logit | top-1 agreement | golden | eval accuracy | with out-of-scope rule | latency ms |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

## Time
{', '.join(f'{k} {v:.0f} s' for k, v in timings.items())}; total {sum(timings.values()):.0f} s.

## Files
- bundle: `bundles/intent/` (manifest.json, labels.txt, preprocess.json, golden.json, MODEL_CARD.md, models)
- run: `runs/intent/` (model.pt, run.json, metrics.json)
- data: `data/train.csv`, `data/eval.csv`
"""
