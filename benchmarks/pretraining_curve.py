"""Learning curve of profile models with and without self-supervised pretraining, against gradient boosting.

For each seed: a synthetic population of unlabelled users (only its events and attributes are used) and a
labelled population of another seed; the labelled users are split into training sets of each size and one
evaluation set. ``finlite pretrain profile`` runs once per seed on the unlabelled users; for each size,
``finlite train profile`` runs without and with ``--init`` (the HistGradientBoosting baseline comes with the
first run, on the same split). Every step is a ``finlite`` command, so the figures are what a user gets.

    python benchmarks/pretraining_curve.py --unlabelled 20000 --labelled 1000,2000,5000 --seeds 0
    python benchmarks/pretraining_curve.py --unlabelled 100000 --labelled 1000,2000,5000,20000 --seeds 0,1,2   # the full curve

Writes ``benchmarks/results/pretraining.{md,json}``; steps whose outputs exist in ``--work`` are reused.
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

HERE = Path(__file__).resolve().parent
KEYS = ("lifecycle_macro_f1", "tag_auroc_mean", "product_recall@3")


def _finlite(*args: str, log: Path) -> None:
    cmd = [sys.executable, "-m", "finlite", *args]
    with open(log, "w", encoding="utf-8") as handle:
        done = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode:
        raise SystemExit(f"failed ({log}): {' '.join(cmd)}")


def _split_labels(labels: Path, sizes: list[int], n_eval: int, out: Path) -> dict[str, Path]:
    import pandas as pd

    frame = pd.read_csv(labels)
    need = max(sizes) + n_eval
    if len(frame) < need:
        raise SystemExit(f"{labels}: {len(frame)} users, the curve needs {need}")
    files = {"eval": out / "eval.csv"}
    frame.iloc[max(sizes) : need].to_csv(files["eval"], index=False)
    for size in sizes:
        files[str(size)] = out / f"train{size}.csv"
        frame.iloc[:size].to_csv(files[str(size)], index=False)
    return files


def run_seed(seed: int, args: argparse.Namespace, work: Path) -> list[dict]:
    sizes = [int(s) for s in args.labelled.split(",")]
    root = work / f"seed{seed}"
    unl, lab = root / "unlabelled", root / "labelled"
    root.mkdir(parents=True, exist_ok=True)
    if not (unl / "events.csv").is_file():
        _finlite("data", "synth-profile", "--users", str(args.unlabelled), "--seed", str(1000 + seed), "--out", str(unl), "--force", log=root / "synth_unlabelled.log")
    if not (lab / "events.csv").is_file():
        _finlite("data", "synth-profile", "--users", str(max(sizes) + args.eval), "--seed", str(seed), "--out", str(lab), "--force", log=root / "synth_labelled.log")
    labels = _split_labels(lab / "labels.csv", sizes, args.eval, root)
    schema = str(unl / "schema.json")
    pre = root / "pretrained"
    settings = [f"threads={args.threads}", f"seed={seed}"]
    start = time.perf_counter()
    if not (pre / "pretrain.json").is_file():
        _finlite("pretrain", "profile", "--schema", schema, "--events", str(unl / "events.csv"), "--users", str(unl / "users.csv"),
                 "--out", str(pre), "--force", "--set", f"epochs={args.pretrain_epochs}", *settings, log=root / "pretrain.log")
    pretrain_seconds = json.loads((pre / "pretrain.json").read_text())["seconds"]
    rows = []
    for size in sizes:
        row: dict = {"seed": seed, "labelled": size, "pretrain_seconds": pretrain_seconds}
        for name, extra in (("network", []), ("pretrained", ["--init", str(pre)])):
            run = root / f"{name}_{size}"
            if not (run / "metrics.json").is_file():
                baseline = "baseline=true" if name == "network" else "baseline=false"
                _finlite("train", "profile", *extra, "--schema", schema, "--events", str(lab / "events.csv"), "--users", str(lab / "users.csv"),
                         "--labels", str(labels[str(size)]), "--eval-labels", str(labels["eval"]), "--out", str(run), "--force",
                         "--set", baseline, *settings, log=root / f"{name}_{size}.log")
            metrics = json.loads((run / "metrics.json").read_text())
            row[name] = {k: metrics["eval"][k] for k in KEYS} | {"per_tag": {k: v for k, v in metrics["eval"].items() if k.startswith("auroc_")},
                                                                  "seconds": metrics["train"]["seconds"]}
            if metrics.get("baseline"):
                row["gbdt"] = {k: metrics["baseline"][k] for k in KEYS} | {"per_tag": {k: v for k, v in metrics["baseline"].items() if k.startswith("auroc_")}}
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("seed", "labelled")} | {m: {k: round(row[m][k], 4) for k in KEYS} for m in ("network", "pretrained", "gbdt")}))
    print(f"seed {seed}: {time.perf_counter() - start:.0f} s")
    return rows


def _markdown(doc: dict) -> str:
    lines = ["# Profile models: pretraining on unlabelled users (learning curve)", "",
             f"- command: `{doc['command']}`", f"- machine: {doc['machine']}; load (1-min average) at the start {doc['load'][0]:.2f}, at the end {doc['load'][1]:.2f}",
             f"- unlabelled users: {doc['unlabelled']:,} (pretraining {doc['pretrain_epochs']} epochs); evaluation users: {doc['eval']:,}; "
             "every figure on the same evaluation users", "",
             "| labelled | seed | model | lifecycle macro-F1 | mean tag AUROC | product Recall@3 |", "|---:|---:|---|---:|---:|---:|"]
    for row in doc["rows"]:
        for model in ("network", "pretrained", "gbdt"):
            r = row[model]
            lines.append(f"| {row['labelled']:,} | {row['seed']} | {model} | {r['lifecycle_macro_f1']:.4f} | {r['tag_auroc_mean']:.4f} | {r['product_recall@3']:.4f} |")
    tags = sorted(doc["rows"][0]["gbdt"]["per_tag"])
    lines += ["", "Per tag AUROC (network / pretrained / GBDT):", "", "| labelled | seed | " + " | ".join(t.removeprefix("auroc_") for t in tags) + " |",
              "|---:|---:|" + "---|" * len(tags)]
    for row in doc["rows"]:
        cells = [" / ".join(f"{row[m]['per_tag'][t]:.3f}" for m in ("network", "pretrained", "gbdt")) for t in tags]
        lines.append(f"| {row['labelled']:,} | {row['seed']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unlabelled", type=int, default=20000)
    parser.add_argument("--labelled", default="1000,2000,5000")
    parser.add_argument("--eval", type=int, default=2000)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", default="runs/pretraining_curve")
    parser.add_argument("--results", default=str(HERE / "results" / "pretraining"))
    args = parser.parse_args()
    load = [os.getloadavg()[0]]
    rows = [row for seed in args.seeds.split(",") for row in run_seed(int(seed), args, Path(args.work))]
    load.append(os.getloadavg()[0])
    doc = {"command": "python benchmarks/pretraining_curve.py " + " ".join(sys.argv[1:]),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "load": load, "unlabelled": args.unlabelled, "eval": args.eval, "pretrain_epochs": args.pretrain_epochs, "rows": rows}
    out = Path(args.results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(_markdown(doc), encoding="utf-8")
    print(f"wrote {out}.md / .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
