"""``finlite quickstart``: synthetic corpus → train → export → verify → REPORT.md, in one go."""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from pathlib import Path
from typing import Callable

from . import __version__
from .errors import FinliteError
from .tasks.cards import pct

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


QUICKSTART_PROFILE_USERS = 4000  # synthetic population of the profile part (keeps it within ~3 minutes)
GOLDEN_TEXT = "帮我transfer 500块到妈妈的卡"


def run_quickstart(out: Path, force: bool = False, profile_users: int = QUICKSTART_PROFILE_USERS) -> Path:
    """Run the intent and the profile pipelines on the built-in synthetic data; return the report path."""
    if profile_users < 100:
        raise FinliteError(f"--profile-users must be at least 100 (got {profile_users}): fewer leave no held-out users to check")
    out = Path(out)
    _prepare(out, force)
    intent = _intent_pipeline(out)
    profile = _profile_pipeline(out, profile_users)
    report = out / "REPORT.md"
    report.write_text(_render_report(intent, profile), encoding="utf-8")
    print(f"\nreport    {report}")
    print(f"try:      finlite predict --bundle {intent['bundle']} \"我的信用卡怎么还款\"")
    print(f"          finlite predict --bundle {profile['bundle']} --events {profile['data']['events']} --users {profile['data']['users']} --user {profile['example_user']}")
    failed = [f"{part['task']}/{g['file']}" for part in (intent, profile) for g in part["golden"] if not g["passed"]]
    if failed:
        raise FinliteError(f"golden check failed for {', '.join(failed)} (see {report})")
    return report


def _latencies(bundle, inputs: tuple) -> dict:
    from .bench.latency import measure_latency

    latency = {}
    for art in bundle.artifacts:
        runner = bundle.runner(art["file"])
        latency[art["file"]] = measure_latency(lambda: runner.run(*inputs), runs=300, warmup=30)
    return latency


def _train_and_export(out: Path, task: str, what: str, train: Callable[[Path], dict], timings: dict) -> tuple[Path, dict, Path, dict]:
    """Steps 2 and 3 of a task: train into runs/<task>, export to bundles/<task>; (run, metrics, bundle, manifest)."""
    from .export.bundle import export_bundle

    start = _step(f"{task} 2/4: {what}")
    run_dir = out / "runs" / task
    metrics = train(run_dir)
    timings["train"] = time.perf_counter() - start
    start = _step(f"{task} 3/4: export ONNX + TFLite (fp32, int8) with parity checks")
    bundle_dir = out / "bundles" / task
    manifest = export_bundle(run_dir, bundle_dir)
    timings["export"] = time.perf_counter() - start
    return run_dir, metrics, bundle_dir, manifest


def _intent_pipeline(out: Path) -> dict:
    from .data.synth.intent import generate_intent_corpus, split_corpus, write_csv
    from .runtime.bundle import Bundle, check_golden
    from .tasks import get_task
    from .tasks.intent import IntentTrainConfig
    from .tasks.intent_export import evaluate_texts
    from .training.run import train_run

    timings: dict[str, float] = {}
    start = _step("intent 1/4: synthetic bilingual banking intent corpus")
    data_dir = out / "data" / "intent"
    train_rows, eval_rows = split_corpus(generate_intent_corpus(seed=0), eval_fraction=0.2, seed=0)
    write_csv(train_rows, data_dir / "train.csv")
    write_csv(eval_rows, data_dir / "eval.csv")
    print(f"{len(train_rows)} training / {len(eval_rows)} evaluation examples → {data_dir}")
    timings["data"] = time.perf_counter() - start

    run_dir, metrics, bundle_dir, manifest = _train_and_export(
        out, "intent", "train (teachers, then the distilled depthwise-separable + shuffle student)",
        lambda run: train_run(get_task("intent"), IntentTrainConfig(), {"train": data_dir / "train.csv", "eval": data_dir / "eval.csv"}, run), timings)

    start = _step("intent 4/4: verify the bundle and time each artifact (batch 1, 1 thread)")
    bundle = Bundle(bundle_dir)
    golden = check_golden(bundle)
    accuracy = evaluate_texts(bundle, [r.text for r in eval_rows], [r.label for r in eval_rows])
    latency = _latencies(bundle, bundle.encode([GOLDEN_TEXT]))
    timings["verify"] = time.perf_counter() - start
    return {"task": "intent", "bundle": bundle_dir, "run": run_dir, "data": {"train": data_dir / "train.csv", "eval": data_dir / "eval.csv"},
            "manifest": manifest, "metrics": metrics, "golden": golden, "quality": accuracy, "latency": latency, "timings": timings}


def _profile_pipeline(out: Path, users: int) -> dict:
    from .data.events import load_attributes, load_events
    from .data.profile_labels import load_profile_labels
    from .data.synth.profile import generate_population, write_population
    from .runtime.bundle import Bundle, check_golden
    from .tasks import get_task
    from .tasks.profile import ProfileTrainConfig
    from .tasks.profile_export import evaluate_users
    from .training.checkpoint import SAMPLES
    from .training.run import train_run

    timings: dict[str, float] = {}
    start = _step(f"profile 1/4: synthetic population of {users:,} users (events, attributes, ground-truth labels)")
    paths = write_population(generate_population(users, seed=0), out / "data" / "profile")
    print(f"events {paths['events']}, users {paths['users']}, labels {paths['labels']}")
    timings["data"] = time.perf_counter() - start

    config = ProfileTrainConfig(eval_fraction=0.2)  # the README's protocol: a fifth of the users held out
    run_dir, metrics, bundle_dir, manifest = _train_and_export(
        out, "profile", "train the multi-task network (distilled from out-of-fold HistGradientBoosting predictions), "
        "and the HistGradientBoosting baseline on the same split",
        lambda run: train_run(get_task("profile"), config, paths, run), timings)

    start = _step("profile 4/4: verify the bundle on the held-out users and time each artifact (batch 1, 1 thread)")
    bundle = Bundle(bundle_dir)
    golden = check_golden(bundle)
    schema = bundle.encoder.spec.schema
    events, attrs = load_events(paths["events"], schema), load_attributes(paths["users"], schema)
    labels = load_profile_labels(paths["labels"], schema)
    held = json.loads((run_dir / SAMPLES).read_text(encoding="utf-8"))["holdout_users"]  # the split training made
    as_of = metrics["data"]["as_of_ms"]
    quality = evaluate_users(bundle, events, attrs, labels.subset(held), as_of)
    latency = _latencies(bundle, bundle.encode(events, attrs, held[:1], as_of))
    timings["verify"] = time.perf_counter() - start
    return {"task": "profile", "bundle": bundle_dir, "run": run_dir, "data": paths, "manifest": manifest, "metrics": metrics,
            "golden": golden, "quality": quality, "latency": latency, "timings": timings, "example_user": held[0]}


def _latency_cell(lat) -> str:
    return f"{lat.p50_ms:.3f} / {lat.p90_ms:.3f} / {lat.p99_ms:.3f}"


def _artifact_rows(part: dict, quality_cells) -> list[str]:
    """One Markdown row per artifact: size, parity, golden, the task's quality cells, latency."""
    from .tasks.cards import format_agreement

    manifest, sizes = part["manifest"], part["manifest"]["files"]
    quality = {q["file"]: q for q in part["quality"]}
    golden = {g["file"]: g for g in part["golden"]}
    rows = []
    for art in manifest["artifacts"]:
        f, parity = art["file"], art["parity"]
        rows.append(
            f"| `{f}` | {sizes[f]['bytes'] / 1e6:.3f} MB | {parity['max_abs_diff']:.2e} | {format_agreement(parity)} | "
            f"{'pass' if golden[f]['passed'] else 'FAIL'} | {' | '.join(quality_cells(quality[f]))} | {_latency_cell(part['latency'][f])} |"
        )
    return rows


def _times(part: dict) -> str:
    t = part["timings"]
    return f"{', '.join(f'{k} {v:.0f} s' for k, v in t.items())}; total {sum(t.values()):.0f} s"


def _render_intent(part: dict) -> str:
    metrics, manifest = part["metrics"], part["manifest"]
    ev = metrics["eval"]
    rows = _artifact_rows(part, lambda q: (pct(q["accuracy"]), pct(q["accuracy_with_oos_rule"])))
    teachers = ", ".join(f"{t['model']} (val {pct(t['val']['accuracy'])})" for t in metrics["train"]["teachers"]) or "none"
    return f"""## Intent: synthetic bilingual corpus
Model `{metrics['model']['name']}`: {metrics['model']['params']:,} parameters, {metrics['model']['macs']:,} MACs per query.
Teachers for distillation: {teachers}. Best epoch {metrics['train']['best_epoch']}.

| split | accuracy | macro-F1 | in-scope accuracy (threshold) | out-of-scope recall |
|---|---|---|---|---|
| eval ({ev['n']} texts, {ev['n_oos']} out-of-scope) | {pct(ev['accuracy'])} | {pct(ev['macro_f1'])} | {pct(ev['in_scope_accuracy'])} | {pct(ev['oos_recall'])} |

Out-of-scope threshold {metrics['oos']['threshold']:.4f} ({metrics['oos']['method']} calibration on the validation split).
Parity: PyTorch vs artifact on {manifest['artifacts'][0]['parity']['n']} held-out texts never used for tracing or calibration.

| file | size | max abs Δ logit | top-1 agreement | golden | eval accuracy | with out-of-scope rule | latency ms p50 / p90 / p99 |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Time: {_times(part)}. Files: `bundles/intent/`, `runs/intent/`, `data/intent/`.
"""


def _render_profile(part: dict) -> str:
    metrics, manifest = part["metrics"], part["manifest"]
    net, base = metrics["eval"], metrics.get("baseline")

    def line(name: str, m: dict) -> str:
        return (f"| {name} | {m['lifecycle_macro_f1']:.4f} | {pct(m['lifecycle_accuracy'])} | {m['tag_auroc_mean']:.4f} | "
                f"{m['product_recall@3']:.4f} | {m['product_ndcg@3']:.4f} |")

    table = [line(f"network `{metrics['model']['name']}`", net)] + ([line("HistGradientBoosting on per-user aggregates", base)] if base else [])
    rows = _artifact_rows(part, lambda q: (f"{q['lifecycle_macro_f1']:.4f}", f"{q['tag_auroc_mean']:.4f}", f"{q['product_recall@3']:.4f}"))
    data = metrics["data"]
    return f"""## Profile: synthetic population ({data['users']:,} users, {data['events']:,} events)
Model `{metrics['model']['name']}`: {metrics['model']['params']:,} parameters, {metrics['model']['macs']:,} MACs per user.
Best epoch {metrics['train']['best_epoch']}. Held-out users (never seen in training), PyTorch fp32:

| model | lifecycle macro-F1 | lifecycle accuracy | mean tag AUROC | product Recall@3 | product NDCG@3 |
|---|---|---|---|---|---|
{chr(10).join(table)}

Parity: PyTorch vs artifact on {manifest['artifacts'][0]['parity']['n']} held-out users; top-1 = lifecycle stage.
Quality columns: the same held-out users through each artifact.

| file | size | max abs Δ logit | top-1 agreement | golden | lifecycle macro-F1 | mean tag AUROC | Recall@3 | latency ms p50 / p90 / p99 |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Time: {_times(part)}. Files: `bundles/profile/`, `runs/profile/`, `data/profile/`.
"""


def _render_report(intent: dict, profile: dict) -> str:
    runs = next(iter(intent["latency"].values())).runs
    total = sum(sum(part["timings"].values()) for part in (intent, profile))
    return f"""# finlite quickstart report

Machine: {platform.machine()}, {platform.system()} {platform.release()}, {os.cpu_count()} cores, Python {platform.python_version()}, finlite {__version__}.
Reproduce: `make quickstart` (or `finlite quickstart --out DIR`). Latency: batch 1, 1 thread, {runs} timed calls after
warm-up, on this machine (compare artifacts within this report, not across machines or runs). Total time {total:.0f} s.

{_render_intent(intent)}
{_render_profile(profile)}"""
