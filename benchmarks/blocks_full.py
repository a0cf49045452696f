"""Blocks at full training: our depthwise-separable + shuffle networks vs the standard-convolution twins,
accuracy as mean ± spread over training seeds (``python benchmarks/blocks.py --full``).

    python benchmarks/blocks_full.py [--seeds 0,1,2] [--intent-epochs 20] [--profile-users 20000] [--profile-epochs 30]

Intent: all of BANKING77's training split, the task's epochs with its early stopping, no distillation,
tested on the test split. Profile: synthetic users (population seed 0, the same for every training
seed), 80/10/10 split of the task, no GBDT teacher. Per model: test accuracy and macro-F1 (profile:
lifecycle; plus mean tag AUROC), MACs, parameters, seconds per epoch. The short smoke mode
(``blocks.py`` without ``--full``) keeps latency; this one settles the accuracy part of the claim.
Writes benchmarks/results/blocks_full.json and .md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from blocks import CLAIM, PAIRS, profile_data, quality, train_intent_model, train_profile_model  # noqa: E402
from common import banking77, log, seconds_per_epoch, write_results  # noqa: E402


def summary(values: list[float]) -> dict:
    """Mean, sample standard deviation (0 for one value), min, max and the values."""
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "values": values}


def per_seed(task: str, model: str, seeds: list[int], train) -> dict:
    """The model trained once per seed (``train(seed) -> (run_dir, metrics)``), summarised."""
    runs = []
    for seed in seeds:
        log(f"{task}: {model}, seed {seed}")
        _, metrics = train(seed)
        runs.append({"seed": seed, **quality(task, metrics), "epochs": len(metrics["train"]["history"]),
                     "train_seconds_per_epoch": seconds_per_epoch(metrics), "macs": metrics["model"]["macs"], "params": metrics["model"]["params"]})
    keys = [k for k in ("accuracy", "macro_f1", "tag_auroc_mean", "train_seconds_per_epoch", "epochs") if runs[0].get(k) is not None]
    return {"task": task, "macs": runs[0]["macs"], "params": runs[0]["params"], "runs": runs,
            **{k: summary([float(r[k]) for r in runs]) for k in keys}}


def compare(a: dict, b: dict) -> dict:
    """Ours (a) vs the twin (b): ratios, the accuracy difference of the means, and the claim's accuracy part."""
    diff = 100 * (a["accuracy"]["mean"] - b["accuracy"]["mean"])
    paired = [100 * (x["accuracy"] - y["accuracy"]) for x, y in zip(a["runs"], b["runs"])]
    return {"macs_ratio": a["macs"] / b["macs"], "params_ratio": a["params"] / b["params"],
            "train_time_ratio": a["train_seconds_per_epoch"]["mean"] / b["train_seconds_per_epoch"]["mean"],
            "accuracy_diff_points": diff, "accuracy_diff_points_per_seed": paired,
            "claim": {"macs": a["macs"] / b["macs"] <= CLAIM["macs"], "accuracy": diff >= -CLAIM["accuracy_points"]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="training seeds, comma-separated (default 0,1,2)")
    parser.add_argument("--intent-epochs", type=int, default=20, help="at most this many epochs (the task's early stopping applies; default 20)")
    parser.add_argument("--profile-users", type=int, default=20000)
    parser.add_argument("--profile-epochs", type=int, default=30)
    args = parser.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--seeds: '{args.seeds}' is not a comma-separated list of integers")
    if not seeds:
        parser.error("--seeds: at least one seed is needed")

    data = banking77()
    settings = {"seeds": seeds, "intent_epochs": args.intent_epochs, "intent_train": "all BANKING77 training rows" if data else None,
                "profile_users": args.profile_users, "profile_epochs": args.profile_epochs}
    models: dict[str, dict] = {}

    def write() -> None:  # after every model, so a long run that is stopped keeps what it finished
        comparisons = {task: compare(models[ours], models[base]) for task, (ours, base) in PAIRS.items() if ours in models and base in models}
        write_results("blocks_full", {"settings": settings, "claim": CLAIM, "models": models, "comparisons": comparisons}, render(models, comparisons, settings))

    if data:
        train_csv, test_csv = data
        for model in PAIRS["intent"]:
            models[model] = per_seed("intent", model, seeds, lambda s, m=model: train_intent_model(m, train_csv, test_csv, args.intent_epochs, {"per_label": 0}, s))
            write()
    paths = profile_data(args.profile_users)
    for model in PAIRS["profile"]:
        models[model] = per_seed("profile", model, seeds, lambda s, m=model: train_profile_model(m, paths, args.profile_epochs, s))
        write()
    return 0


def render(models: dict, comparisons: dict, settings: dict) -> str:
    def ms(s: dict | None, scale: float = 100, spec: str = ".2f") -> str:
        return "–" if s is None else f"{format(scale * s['mean'], spec)} ± {format(scale * s['std'], spec)}"

    lines = ["# Blocks at full training: depthwise-separable + shuffle vs standard convolution", "", "{header}", f"- settings: {settings}",
             f"- mean ± sample standard deviation over {len(settings['seeds'])} training seeds; intent: BANKING77 test accuracy; "
             "profile: lifecycle accuracy on the held-out synthetic users (population seed 0 for every training seed)", "",
             "| model | task | accuracy % | macro-F1 % | mean tag AUROC % | MACs | params | epochs run | s/epoch |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, m in models.items():
        lines.append(f"| {name} | {m['task']} | {ms(m['accuracy'])} | {ms(m['macro_f1'])} | {ms(m.get('tag_auroc_mean'))} | {m['macs'] / 1e6:.2f} M | "
                     f"{m['params'] / 1e3:.0f} k | {ms(m['epochs'], 1, '.1f')} | {ms(m['train_seconds_per_epoch'], 1, '.1f')} |")
    lines += ["", "| task | MACs ratio | params ratio | s/epoch ratio | accuracy Δ of the means (points) | Δ per seed | accuracy within 0.5 points |",
              "|---|---:|---:|---:|---:|---|---|"]
    for task, c in comparisons.items():
        per = ", ".join(f"{d:+.2f}" for d in c["accuracy_diff_points_per_seed"])
        lines.append(f"| {task} | {c['macs_ratio']:.3f}× | {c['params_ratio']:.3f}× | {c['train_time_ratio']:.2f}× | {c['accuracy_diff_points']:+.2f} | "
                     f"{per} | {'yes' if c['claim']['accuracy'] else 'NO'} |")
    lines += ["", "Δ = ours − standard conv. Seconds per epoch are whole runs (data, training, calibration, evaluation) one after the other "
              "on a shared machine; the training-time ratio is measured properly in `training_cost.md`. Latency: `blocks.md`.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
