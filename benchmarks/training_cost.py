"""Training cost: seconds per epoch of our depthwise-separable + shuffle networks and of their
standard-convolution twins, side by side in one run, and where the time goes (torch.profiler).

    python benchmarks/training_cost.py [--repeats 5] [--epochs 3] [--per-label 40] [--profile-users 1500]

Per task (intent on BANKING77, profile on synthetic users) both models of the pair train with the
task's own settings (batch size, optimizer, EMA, augmentation; no distillation) through the real
training loop (:func:`finlite.training.trainer.fit`); the models alternate, repeat after repeat, so
machine load hits both alike. An epoch is every training step of the epoch plus its validation pass;
the first epoch of each fit is a warm-up and is not timed. Then one epoch of each model runs under
torch.profiler, and its self CPU time is split by the phase of the step (``fit.*`` ranges) and by kind
of operation. Writes benchmarks/results/training_cost.json and training_cost.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from blocks import PAIRS, profile_data  # noqa: E402
from common import banking77, log, subsample_csv, temp_dir, write_results  # noqa: E402

TARGET = {"time_ratio": 0.5}  # ours / standard conv, per epoch at the same batch size

# Kinds of operation, by the profiler's op names (first match wins); convolutions are split by their weights.
KINDS = (
    ("embedding", ("embedding", "index_select", "index_add", "_embedding_bag")),
    ("batch norm", ("batch_norm",)),
    ("copies (shuffle, cat, contiguous)", ("aten::copy_", "aten::cat", "aten::stack", "aten::clone", "aten::_to_copy")),
    ("mask / elementwise", ("aten::mul", "aten::div", "aten::threshold_backward", "aten::clamp_min", "aten::relu", "aten::where")),
    ("matmul (linear, bmm)", ("aten::mm", "aten::addmm", "aten::bmm")),
)
PHASES = ("fit.forward", "fit.backward", "fit.optimizer", "fit.validation")


def conv_kind(event) -> str:
    """'depthwise' / 'pointwise' / 'standard (k>1)' of a convolution event, from its weight shape."""
    shapes = [s for s in (event.input_shapes or []) if s]
    weight = shapes[2] if event.name == "aten::convolution_backward" and len(shapes) > 2 else (shapes[1] if len(shapes) > 1 else [])
    if len(weight) < 3:
        return "other"
    if weight[1] == 1 and weight[0] > 1 and weight[-1] > 1:
        return "depthwise"
    return "pointwise" if weight[-1] == 1 else "standard (k>1)"


def op_kind(event) -> str:
    name = event.name
    if "convolution" in name:
        direction = "backward" if "backward" in name else "forward"
        return f"conv {conv_kind(event)} {direction}"
    for kind, needles in KINDS:
        if any(n in name for n in needles):
            return kind
    return "other ops"


def phase_of(event) -> str:
    parent = event
    while parent is not None:
        if parent.name in PHASES:
            return parent.name.removeprefix("fit.")
        parent = parent.cpu_parent
    return "torch ops outside the step (batching, setup)"


def intent_data(args) -> tuple[dict, list[str]] | None:
    """BANKING77 (train subsampled per label, as blocks.py does) and the overrides; None without it."""
    files = banking77()
    if files is None:
        return None
    train_csv, test_csv = files
    if args.per_label:
        train_csv = subsample_csv(train_csv, args.per_label, temp_dir("b77") / "train.csv")
    return {"train": train_csv, "eval": test_csv}, ["distill=false"]


def profile_task_data(args) -> tuple[dict, list[str]]:
    """Synthetic users (cached like blocks.py's) and the overrides: the network alone, no GBDT teacher."""
    return profile_data(args.profile_users), ["baseline=false", "distill_baseline=0"]


DATA = {"intent": intent_data, "profile": profile_task_data}  # per task of PAIRS: (data files, overrides)


def prepared_task(task: str, args) -> tuple | None:
    """(config, prepared data, objective) of ``task`` with the benchmark's data; None without data."""
    from finlite.tasks import get_task
    from finlite.tasks.config import apply_overrides

    spec, found = get_task(task), DATA[task](args)
    if found is None:
        return None
    data, overrides = found
    config = apply_overrides(spec.config_class(), ["checkpoint_every=0", *overrides])
    prepared = spec.prepare(config, data, lambda _msg: None)
    return config, prepared, spec.objective(config, prepared, distilled=False)


def fit_once(model_name: str, config, prepared, objective, epochs: int) -> list[float]:
    """Seconds of each epoch of one fit of a fresh ``model_name`` (epoch ends are when fit logs them)."""
    from finlite.models import get_model
    from finlite.training.run import fit_settings
    from finlite.training.trainer import fit, seed_everything

    seed_everything(config.seed)
    model = get_model(model_name, **prepared.model_kwargs)
    settings = replace(fit_settings(config, epochs=epochs), patience=epochs + 1)
    stamps = [time.perf_counter()]
    fit(model, prepared.train, prepared.val, objective, settings, augment=prepared.augment,
        log=lambda msg: stamps.append(time.perf_counter()) if " epoch " in msg else None)
    return [b - a for a, b in zip(stamps, stamps[1:])]


def profile_epoch(model_name: str, config, prepared, objective) -> dict:
    """Self CPU milliseconds of one profiled epoch by phase and by kind of operation."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        (wall,) = fit_once(model_name, config, prepared, objective, epochs=1)
    by_phase: dict[str, float] = {}
    by_kind: dict[str, dict[str, float]] = {}
    for event in prof.events():
        if event.name in PHASES:
            continue
        ms = event.self_cpu_time_total / 1000.0
        phase = phase_of(event)
        by_phase[phase] = by_phase.get(phase, 0.0) + ms
        if phase in ("forward", "backward"):
            kind = op_kind(event)
            row = by_kind.setdefault(kind, {"forward": 0.0, "backward": 0.0})
            row[phase] += ms
    total = sum(by_phase.values())
    by_phase["python outside torch ops (batching, augmentation, loop)"] = max(0.0, 1000.0 * wall - total)
    return {"by_phase_ms": by_phase, "by_kind_ms": by_kind, "total_ms": 1000.0 * wall, "torch_ops_ms": total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fits per model, alternating (default 5)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per fit; the first is not timed (default 3)")
    parser.add_argument("--per-label", type=int, default=40, help="BANKING77 training examples per intent (default 40; 0 = all)")
    parser.add_argument("--profile-users", type=int, default=1500)
    parser.add_argument("--no-profile", action="store_true", help="skip the torch.profiler breakdown")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch is a warm-up)")
    import torch

    load = [os.getloadavg()[0]]
    tasks: dict[str, dict] = {}
    for task, pair in PAIRS.items():
        setup = prepared_task(task, args)
        if setup is None:
            continue
        config, prepared, objective = setup
        log(f"{task}: {len(prepared.train)} training rows, batch {config.batch_size}; timing {' vs '.join(pair)}")
        seconds: dict[str, list[float]] = {m: [] for m in pair}
        for r in range(args.repeats):
            for model_name in pair if r % 2 == 0 else pair[::-1]:
                seconds[model_name] += fit_once(model_name, config, prepared, objective, args.epochs)[1:]
        models = {}
        for model_name, times in seconds.items():
            median = statistics.median(times)
            models[model_name] = {"seconds_per_epoch": times, "median_seconds": median, "samples_per_second": len(prepared.train) / median}
            if not args.no_profile:
                models[model_name]["profile"] = profile_epoch(model_name, config, prepared, objective)
            log(f"  {model_name}: {median:.3f} s/epoch, {models[model_name]['samples_per_second']:.0f} samples/s")
        ours, base = pair
        ratio = models[ours]["median_seconds"] / models[base]["median_seconds"]
        tasks[task] = {"rows": len(prepared.train), "batch_size": config.batch_size, "models": models,
                       "time_ratio": ratio, "target_met": ratio <= TARGET["time_ratio"]}
    load.append(os.getloadavg()[0])
    settings = {"repeats": args.repeats, "epochs": args.epochs, "per_label": args.per_label, "profile_users": args.profile_users,
                "torch_threads": torch.get_num_threads(), "load_1min_before": load[0], "load_1min_after": load[1]}
    write_results("training_cost", {"settings": settings, "target": TARGET, "tasks": tasks}, render(tasks, settings))
    return 0


def render(tasks: dict, settings: dict) -> str:
    lines = [
        "# Training cost: depthwise-separable + shuffle vs standard convolution",
        "",
        "{header}",
        f"- settings: {settings}",
        "- an epoch = all training steps (forward, loss, backward, AdamW, one-cycle, EMA) + the validation pass, "
        "task settings, no distillation; median over the timed epochs of alternating fits",
        "",
        "| task | model | rows | batch | s/epoch (median) | samples/s | timed epochs |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for task, t in tasks.items():
        for name, m in t["models"].items():
            epochs = ", ".join(f"{s:.2f}" for s in m["seconds_per_epoch"])
            lines.append(f"| {task} | {name} | {t['rows']} | {t['batch_size']} | {m['median_seconds']:.3f} | {m['samples_per_second']:.0f} | {epochs} |")
    lines += ["", "| task | time ratio (ours / standard conv) | target ≤ 0.5 |", "|---|---:|---|"]
    for task, t in tasks.items():
        lines.append(f"| {task} | {t['time_ratio']:.3f}× | {'met' if t['target_met'] else 'NOT met'} |")
    for task, t in tasks.items():
        for name, m in t["models"].items():
            if "profile" in m:
                lines += ["", *profile_lines(task, name, m["profile"])]
    lines.append("")
    return "\n".join(lines)


def profile_lines(task: str, name: str, prof: dict) -> list[str]:
    total = prof["total_ms"]
    lines = [f"## Where one epoch's time goes: {task} / {name} (self CPU ms under torch.profiler; profiled epoch {total:.0f} ms wall)", "",
             "| phase | ms | share |", "|---|---:|---:|"]
    for phase, ms in sorted(prof["by_phase_ms"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {phase} | {ms:.0f} | {100 * ms / total:.1f}% |")
    lines += ["", "| forward + backward, by kind | forward ms | backward ms | share of epoch |", "|---|---:|---:|---:|"]
    for kind, row in sorted(prof["by_kind_ms"].items(), key=lambda kv: -(kv[1]["forward"] + kv[1]["backward"])):
        lines.append(f"| {kind} | {row['forward']:.0f} | {row['backward']:.0f} | {100 * (row['forward'] + row['backward']) / total:.1f}% |")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
