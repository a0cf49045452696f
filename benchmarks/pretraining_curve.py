"""Learning curve of profile models with and without self-supervised pretraining, against gradient boosting,
over population seeds and generator configurations.

For each configuration × seed: a synthetic population of unlabelled users (only its events and attributes are
used) and a labelled population of another seed, both drawn with the configuration's generator options; the
labelled users are split into training sets of each size and one evaluation set. ``finlite pretrain profile``
runs once per configuration × seed on the unlabelled users; for each size, ``finlite train profile`` runs
without and with ``--init`` (the HistGradientBoosting baseline comes with the first run, on the same split).
Every step is a ``finlite`` command, so the figures are what a user gets.

    python benchmarks/pretraining_curve.py --unlabelled 20000 --labelled 1000,2000,5000 --seeds 0
    python benchmarks/pretraining_curve.py --unlabelled 100000 --labelled 1000,2000,5000,20000 --seeds 0,1,2 --configs default,older

Writes ``benchmarks/results/pretraining.{md,json}``: every run, mean ± std over seeds × configurations, the
paired differences pretrained − GBDT and a verdict per target of issue 21. Steps whose outputs exist in
``--work`` are reused (the folders are named by what determines them), so an interrupted run is resumed by
running the same command again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
KEYS = ("lifecycle_macro_f1", "tag_auroc_mean", "product_recall@3")
NAMES = {"lifecycle_macro_f1": "lifecycle macro-F1", "tag_auroc_mean": "mean tag AUROC", "product_recall@3": "product Recall@3"}
MODELS = ("network", "pretrained", "gbdt")
# generator configuration -> `finlite data synth-profile` options (docs/synthetic_profiles.md)
CONFIGS = {
    "default": [],
    # an older, wealthier, less engaged customer base: more dormant holders, retirees and high net worth,
    # fewer young savers, card spenders, newcomers and prospects (other activity, other tags and stages)
    "older": ["--persona-mix", "young_saver=0.06,active_fund_investor=0.10,high_net_worth=0.14,retiree_pension=0.22,"
              "dormant_holder=0.26,credit_card_spender=0.08,new_customer_onboarding=0.07,prospect=0.07"],
}
# issue 21, "done when": (labelled users, metric, minimum gain of pretrained over GBDT in points)
TARGETS = ((5000, "lifecycle_macro_f1", 2.0), (5000, "tag_auroc_mean", 1.0), (5000, "product_recall@3", 3.0),
           (20000, "lifecycle_macro_f1", 0.0), (20000, "tag_auroc_mean", 0.0), (20000, "product_recall@3", 0.0))


def _finlite(*args: str, log: Path) -> float:
    """Run one ``finlite`` command (output to ``log``); its wall-clock seconds."""
    cmd = [sys.executable, "-m", "finlite", *args]
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as handle:
        done = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode:
        raise SystemExit(f"failed ({log}): {' '.join(cmd)}")
    return time.perf_counter() - start


def _split_labels(labels: Path, sizes: list[int], n_eval: int, pool: int, out: Path) -> dict[str, Path]:
    """Training sets (the first ``size`` users) and the evaluation set (the last ``n_eval`` of the pool)."""
    import pandas as pd

    frame = pd.read_csv(labels)
    if len(frame) < pool or max(sizes) + n_eval > pool:
        raise SystemExit(f"{labels}: {len(frame)} users, the curve needs {max(sizes) + n_eval}")
    files = {"eval": out / "eval.csv"}
    frame.iloc[pool - n_eval : pool].to_csv(files["eval"], index=False)
    for size in sizes:
        files[str(size)] = out / f"train{size}.csv"
        frame.iloc[:size].to_csv(files[str(size)], index=False)
    return files


def _synth(users: int, seed: int, config: str, out: Path, log: Path) -> None:
    if not (out / "events.csv").is_file():
        _finlite("data", "synth-profile", "--users", str(users), "--seed", str(seed), *CONFIGS[config], "--out", str(out), "--force", log=log)


def _metrics(block: dict) -> dict:
    return {k: block[k] for k in KEYS} | {"per_tag": {k: v for k, v in block.items() if k.startswith("auroc_")}}


def run_one(config: str, seed: int, args: argparse.Namespace, work: Path) -> list[dict]:
    """All labelled sizes of one configuration × seed (reusing what ``work`` already holds)."""
    sizes = [int(s) for s in args.labelled.split(",")]
    pool = args.pool or max(sizes) + args.eval
    root = work / config / f"seed{seed}"
    root.mkdir(parents=True, exist_ok=True)
    unl, lab = root / f"unlabelled{args.unlabelled}", root / f"labelled{pool}"
    _synth(args.unlabelled, 1000 + seed, config, unl, root / f"synth_unlabelled{args.unlabelled}.log")
    _synth(pool, seed, config, lab, root / f"synth_labelled{pool}.log")
    labels = _split_labels(lab / "labels.csv", sizes, args.eval, pool, lab)
    schema = str(unl / "schema.json")
    pre = root / f"pretrained_u{args.unlabelled}_e{args.pretrain_epochs}"
    settings = [f"threads={args.threads}", f"seed={seed}"]
    if not (pre / "pretrain.json").is_file():
        _finlite("pretrain", "profile", "--schema", schema, "--events", str(unl / "events.csv"), "--users", str(unl / "users.csv"),
                 "--out", str(pre), "--force", "--set", f"epochs={args.pretrain_epochs}", *settings, log=pre.with_suffix(".log"))
    pretrain = json.loads((pre / "pretrain.json").read_text())
    epoch_seconds = [h["seconds"] for h in pretrain.get("history", []) if "seconds" in h]
    rows = []
    for size in sizes:
        row: dict = {"config": config, "seed": seed, "labelled": size, "pool": pool, "pretrain_seconds": pretrain["seconds"],
                     "pretrain_epoch_seconds": float(np.mean(epoch_seconds)) if epoch_seconds else None}
        for name, extra in (("network", []), ("pretrained", ["--init", str(pre)])):
            run = lab / (f"{name}_{size}" if name == "network" else f"{name}_{size}_{pre.name}")
            if not (run / "metrics.json").is_file():
                baseline = "baseline=true" if name == "network" else "baseline=false"
                _finlite("train", "profile", *extra, "--schema", schema, "--events", str(lab / "events.csv"), "--users", str(lab / "users.csv"),
                         "--labels", str(labels[str(size)]), "--eval-labels", str(labels["eval"]), "--out", str(run), "--force",
                         "--set", baseline, *settings, log=run.with_suffix(".log"))
            metrics = json.loads((run / "metrics.json").read_text())
            row[name] = _metrics(metrics["eval"]) | {"seconds": metrics["train"]["seconds"]}
            if metrics.get("baseline"):
                row["gbdt"] = _metrics(metrics["baseline"])
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("config", "seed", "labelled")} | {m: {k: round(row[m][k], 4) for k in KEYS} for m in MODELS}), flush=True)
    return rows


def _mean_std(values: list[float], scale: float = 1.0, digits: int = 4) -> str:
    """``mean ± std`` (sample std; ``—`` for one value)."""
    v = np.asarray(values, dtype=float) * scale
    spread = f"{v.std(ddof=1):.{digits}f}" if len(v) > 1 else "—"
    return f"{v.mean():.{digits}f} ± {spread}"


def summarise(rows: list[dict]) -> dict:
    """Per labelled size: the runs, the paired differences pretrained − GBDT (points) and the verdicts."""
    out: dict = {"sizes": {}, "verdicts": []}
    for size in sorted({r["labelled"] for r in rows}):
        runs = [r for r in rows if r["labelled"] == size]
        tags = sorted(runs[0]["gbdt"]["per_tag"])
        diff = {k: [100 * (r["pretrained"][k] - r["gbdt"][k]) for r in runs] for k in KEYS}
        diff |= {t: [100 * (r["pretrained"]["per_tag"][t] - r["gbdt"]["per_tag"][t]) for r in runs] for t in tags}
        out["sizes"][size] = {"runs": runs, "tags": tags, "diff": diff,
                              "diff_network": {k: [100 * (r["pretrained"][k] - r["network"][k]) for r in runs] for k in KEYS}}
    for size, key, need in TARGETS:
        entry = out["sizes"].get(size)
        if entry is None:
            out["verdicts"].append((size, key, need, None, f"{size:,} labelled, {NAMES[key]}: not measured"))
            continue
        gain = float(np.mean(entry["diff"][key]))
        met = gain >= need if need > 0 else gain > 0
        goal = f"≥ +{need:g}" if need > 0 else "> 0 (ahead)"
        out["verdicts"].append((size, key, need, met, f"{size:,} labelled, {NAMES[key]}: pretrained − GBDT {gain:+.2f} points "
                                f"(target {goal}) — {'met' if met else f'missed by {need - gain:.2f} points' if need > 0 else 'missed (behind)'}"))
    if 5000 in out["sizes"]:
        entry = out["sizes"][5000]
        behind = [t.removeprefix("auroc_") for t in entry["tags"] if np.mean(entry["diff"][t]) <= 0]
        out["verdicts"].append((5000, "every_tag", 0.0, not behind, "5,000 labelled, ahead on every tag: " + (
            "met" if not behind else "missed, behind on " + ", ".join(
                f"{t} ({np.mean(entry['diff']['auroc_' + t]):+.2f} AUROC points)" for t in behind))))
    return out


def _markdown(doc: dict) -> str:
    summary = summarise(doc["rows"])
    runs = len({(r["config"], r["seed"]) for r in doc["rows"]})
    lines = ["# Profile models: pretraining on unlabelled users (learning curve)", "",
             f"- command: `{doc['command']}`",
             f"- machine: {doc['machine']}; load (1-min average) at the start {doc['load'][0]:.2f}, at the end {doc['load'][1]:.2f}",
             "- configurations: " + ", ".join(f"`{c}` ({' '.join(CONFIGS[c]) or 'the built-in generator'})" for c in doc["configs"]) + "; "
             f"seeds: {', '.join(map(str, doc['seeds']))} ({runs} seed × configuration runs)",
             f"- unlabelled users: {doc['unlabelled']:,} per run (pretraining {doc['pretrain_epochs']} epoch{'s' if doc['pretrain_epochs'] != 1 else ''}); evaluation users: "
             f"{doc['eval']:,} per run; within a run every model is scored on the same evaluation users"]
    epochs = [r["pretrain_epoch_seconds"] for r in doc["rows"] if r.get("pretrain_epoch_seconds")]
    if epochs:
        lines.append(f"- pretraining: {np.mean(epochs):.0f} s per epoch on {doc['unlabelled']:,} users (mean over runs, threads={doc['threads']})")
    if doc.get("partial"):
        lines.append(f"- **partial**: {doc['partial']}")
    lines += ["", "## Verdict (issue 21, done when; means over seeds × configurations)", ""]
    lines += [f"- {text}" for *_, text in summary["verdicts"]]
    lines += ["", "## Mean ± std over seeds × configurations", "",
              "| labelled | runs | model | " + " | ".join(NAMES[k] for k in KEYS) + " |", "|---:|---:|---|---:|---:|---:|"]
    for size, entry in summary["sizes"].items():
        for model in MODELS:
            cells = [_mean_std([r[model][k] for r in entry["runs"]]) for k in KEYS]
            lines.append(f"| {size:,} | {len(entry['runs'])} | {model} | " + " | ".join(cells) + " |")
    lines += ["", "Paired differences per seed × configuration, in points (mean ± std):", "",
              "| labelled | difference | " + " | ".join(NAMES[k] for k in KEYS) + " |", "|---:|---|---:|---:|---:|"]
    for size, entry in summary["sizes"].items():
        lines.append(f"| {size:,} | pretrained − gbdt | " + " | ".join(_mean_std(entry["diff"][k], digits=2) for k in KEYS) + " |")
        lines.append(f"| {size:,} | pretrained − network | " + " | ".join(_mean_std(entry["diff_network"][k], digits=2) for k in KEYS) + " |")
    tags = next(iter(summary["sizes"].values()))["tags"] if summary["sizes"] else []
    lines += ["", "Per tag AUROC, mean over seeds × configurations (network / pretrained / GBDT; last row: pretrained − GBDT in points, mean ± std):", "",
              "| labelled | " + " | ".join(t.removeprefix("auroc_") for t in tags) + " |", "|---:|" + "---|" * len(tags)]
    for size, entry in summary["sizes"].items():
        cells = [" / ".join(f"{np.mean([r[m]['per_tag'][t] for r in entry['runs']]):.3f}" for m in MODELS) for t in tags]
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
        lines.append(f"| {size:,} Δ | " + " | ".join(_mean_std(entry["diff"][t], digits=2) for t in tags) + " |")
    lines += ["", "## Every run", "", "| labelled | config | seed | model | " + " | ".join(NAMES[k] for k in KEYS) + " | train s | pretraining s / epoch |",
              "|---:|---|---:|---|---:|---:|---:|---:|---:|"]
    for size, entry in summary["sizes"].items():
        for r in entry["runs"]:
            for model in MODELS:
                seconds = f"{r[model]['seconds']:.0f}" if "seconds" in r[model] else "(with network)"
                epoch = f"{r['pretrain_epoch_seconds']:.0f}" if model == "pretrained" and r.get("pretrain_epoch_seconds") else ""
                lines.append(f"| {size:,} | {r['config']} | {r['seed']} | {model} | " + " | ".join(f"{r[model][k]:.4f}" for k in KEYS) + f" | {seconds} | {epoch} |")
    return "\n".join(lines) + "\n"


def _last_events(events_csv: Path, out: Path, keep: int) -> dict:
    """Write the ``keep`` most recent events of each user (what the network's window holds, ties: the later
    file row) and describe what falls outside: users with more events, days the window covers for them,
    and the share of logins older than 28 days (churn_risk's early rate) and of push opens (dormant_activation)."""
    import pandas as pd

    frame = pd.read_csv(events_csv)
    ts = pd.to_datetime(frame["timestamp"], utc=True).dt.as_unit("ms").astype("int64")
    frame = frame.assign(_ts=ts, _row=np.arange(len(frame))).sort_values(["user_id", "_ts", "_row"], kind="stable")
    rank = frame.groupby("user_id", sort=False).cumcount(ascending=False)  # 0 = most recent
    kept = rank < keep
    frame.loc[kept].sort_values("_row").drop(columns=["_ts", "_row"]).to_csv(out, index=False)
    as_of = int(ts.max()) + 1
    counts = frame.groupby("user_id").size()
    long = counts[counts > keep].index
    oldest = frame.loc[kept & frame["user_id"].isin(long)].groupby("user_id")["_ts"].min()
    old_login = (frame["event_type"] == "login") & (as_of - frame["_ts"] > 28 * 86_400_000)
    push = frame["event_type"] == "push_open"
    return {"users": int(len(counts)), "users_over_window": int(len(long)), "share_users_over_window": float(len(long) / len(counts)),
            "median_days_in_window_for_them": float(np.median((as_of - oldest) / 86_400_000)) if len(oldest) else None,
            "share_old_logins_outside": float((old_login & ~kept).sum() / max(1, old_login.sum())),
            "share_push_opens_outside": float((push & ~kept).sum() / max(1, push.sum()))}


def window_study(args: argparse.Namespace, plan: list[tuple[str, int]]) -> dict:
    """GBDT on all of each user's events vs on the events the network's window holds (the last
    ``max_events``), same users, same split: how much of each tag's signal lies outside the window."""
    from finlite.data.events import load_attributes, load_events
    from finlite.data.profile_labels import load_profile_labels
    from finlite.data.schema_json import read_schema
    from finlite.tasks.profile_baseline import baseline_report

    size = max(int(s) for s in args.labelled.split(","))
    rows = []
    for config, seed in plan:
        root = Path(args.work) / config / f"seed{seed}"
        lab = root / f"labelled{args.pool or size + args.eval}"
        schema = read_schema(root / f"unlabelled{args.unlabelled}" / "schema.json")
        labels = load_profile_labels(lab / f"train{size}.csv", schema).joined(load_profile_labels(lab / "eval.csv", schema))
        held = list(load_profile_labels(lab / "eval.csv", schema).user_ids)
        kept = [u for u in labels.user_ids if u not in set(held)]
        attrs = load_attributes(lab / "users.csv", schema)
        row = {"config": config, "seed": seed, "labelled": size}
        row["outside"] = _last_events(lab / "events.csv", lab / f"events_last{args.max_events}.csv", args.max_events)
        for name, path in (("all_events", lab / "events.csv"), ("window", lab / f"events_last{args.max_events}.csv")):
            events = load_events(path, schema)
            as_of = int(load_events(lab / "events.csv", schema).ts_ms.max()) + 1 if name == "window" else int(events.ts_ms.max()) + 1
            result = baseline_report(schema, events, attrs, labels, kept, held, as_of, seed, log=lambda *_: None)
            row[name] = {k: v for k, v in result.items() if k in KEYS or k.startswith("auroc_")}
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("config", "seed")} | {n: round(row[n]["tag_auroc_mean"], 4) for n in ("all_events", "window")}), flush=True)
    return {"command": "python benchmarks/pretraining_curve.py " + " ".join(sys.argv[1:]), "max_events": args.max_events, "rows": rows}


def _window_markdown(doc: dict) -> str:
    rows = doc["rows"]
    tags = sorted(k for k in rows[0]["all_events"] if k.startswith("auroc_"))
    lines = ["# GBDT on all events vs on the network's window", "", f"- command: `{doc['command']}`",
             f"- {len(rows)} seed × configuration runs, {rows[0]['labelled']:,} labelled users each; the window = each user's "
             f"{doc['max_events']} most recent events (what `finlite.profile/2` encodes); figures: mean ± std over the runs",
             f"- load (1-min average) at the start {doc['load'][0]:.2f}, at the end {doc['load'][1]:.2f}", "",
             "| what falls outside the window | mean ± std |", "|---|---:|"]
    for key, text in (("share_users_over_window", f"users with more than {doc['max_events']} events"),
                      ("median_days_in_window_for_them", "days their window covers (median; the history is 84 days)"),
                      ("share_old_logins_outside", "logins older than 28 days that are outside (churn_risk's early rate)"),
                      ("share_push_opens_outside", "push opens outside (dormant_activation counts all of them)")):
        lines.append(f"| {text} | {_mean_std([r['outside'][key] for r in rows], digits=3)} |")
    lines += ["", "| GBDT features from | " + " | ".join(t.removeprefix("auroc_") for t in tags) + " | " + " | ".join(NAMES[k] for k in KEYS) + " |",
              "|---|" + "---:|" * (len(tags) + len(KEYS))]
    for name in ("all_events", "window"):
        cells = [_mean_std([r[name][k] for r in rows]) for k in (*tags, *KEYS)]
        lines.append(f"| {name.replace('_', ' ')} | " + " | ".join(cells) + " |")
    cells = [_mean_std([100 * (r["window"][k] - r["all_events"][k]) for r in rows], digits=2) for k in (*tags, *KEYS)]
    lines.append("| window − all, points | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unlabelled", type=int, default=20000)
    parser.add_argument("--labelled", default="1000,2000,5000")
    parser.add_argument("--eval", type=int, default=2000)
    parser.add_argument("--pool", type=int, default=0, help="labelled population size (default: largest size + eval); "
                        "fix it to add a larger size later on the same evaluation users")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--configs", default="default", help=f"generator configurations, of: {', '.join(CONFIGS)}")
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", default="runs/pretraining_curve")
    parser.add_argument("--results", default=str(HERE / "results" / "pretraining"))
    parser.add_argument("--window-study", action="store_true", help="instead of the runs, on their data: GBDT on all "
                        "events vs on the last --max-events of each user, per tag -> results/pretraining_window.{md,json}")
    parser.add_argument("--max-events", type=int, default=128, help="the network's window (for --window-study)")
    parser.add_argument("--partial", default="", help="a note that the results are partial (and how to complete them)")
    args = parser.parse_args()
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration {unknown[0]!r}; known: {', '.join(CONFIGS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    plan = [(config, seed) for seed in seeds for config in configs]  # every configuration at seed 0 first
    load, start, rows = [os.getloadavg()[0]], time.perf_counter(), []
    out = Path(args.results)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.window_study:  # on the populations and splits a finished run left in --work
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))  # before sklearn loads OpenMP (see finlite.cli)
        study = window_study(args, plan) | {"load": load + [os.getloadavg()[0]]}
        target = out.with_name(out.name + "_window")
        target.with_suffix(".json").write_text(json.dumps(study, indent=1) + "\n", encoding="utf-8")
        target.with_suffix(".md").write_text(_window_markdown(study), encoding="utf-8")
        print(f"wrote {target}.md / .json")
        return 0
    for done, (config, seed) in enumerate(plan, 1):
        rows += run_one(config, seed, args, Path(args.work))
        print(f"{config} seed {seed}: done ({done}/{len(plan)}, {time.perf_counter() - start:.0f} s so far)", flush=True)
        partial = args.partial or (f"{done} of {len(plan)} seed × configuration runs done; the same command completes them"
                                   if done < len(plan) else "")
        doc = {"command": "python benchmarks/pretraining_curve.py " + " ".join(sys.argv[1:]),
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "load": load + [os.getloadavg()[0]], "seconds": time.perf_counter() - start, "configs": configs, "seeds": seeds,
               "unlabelled": args.unlabelled, "eval": args.eval, "pretrain_epochs": args.pretrain_epochs, "threads": args.threads,
               "partial": partial, "rows": rows}
        out.with_suffix(".json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        out.with_suffix(".md").write_text(_markdown(doc), encoding="utf-8")
    print(f"wrote {out}.md / .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
