"""BANKING77 with the pretrained MiniLM teacher distilled into the <= 1 MB student (docs/intent_teacher.md).

For every training seed: ``finlite train intent`` (teachers minilm + our own two, the MiniLM logits cached
in one folder shared by the seeds, the validation split fixed by ``split_seed``) then ``finlite export``;
the int8 TFLite file's accuracy on test.csv, beside the fp32 PyTorch, every artifact's, the teachers' own and
their weighted average's. Each stage's time and the 1-minute load average before and after it are recorded
(the machine may be shared: run it under ``nice``).

    nice -n 10 python benchmarks/intent_teacher.py [--seeds 0,1,2] [--weights 2,1,1] [--threads 1] [--out build/intent-teacher]

Writes benchmarks/results/intent_teacher.{json,md} (``--results NAME``: NAME.{json,md}), rewritten after every
seed. Needs pip install 'finlite[teacher]' and BANKING77 at ../shared/data/banking77/ beside the checkout. The
recipe with teacher-scored variants of the training texts:

    nice -n 10 python benchmarks/intent_teacher.py --out build/intent-teacher-variants --results intent_teacher_variants \
        --set patience=100 distill_alpha=0.1 distill_augment=2 --int8-float blocks.1,blocks.2
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, banking77, command, fmt, write_results  # noqa: E402

TEACHERS = "minilm,intent_bag,intent_dwshuffle_x1_0"
INT8 = "model.int8.tflite"


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _stage(argv: list[str], log_path: Path) -> dict:
    """Run one CLI stage; its seconds and the 1-min load before and after."""
    before, start = _load(), time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as handle:
        proc = subprocess.run(argv, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({proc.returncode}); see {log_path}")
    return {"command": shlex.join(["finlite", *argv[3:]]), "seconds": round(time.perf_counter() - start, 1),
            "load_before": before, "load_after": _load()}


def _test_rows(path: Path) -> tuple[list[str], list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    key = next(k for k in ("label", "intent", "category") if k in rows[0])
    return [r["text"] for r in rows], [r[key] for r in rows]


def run_seed(seed: int, args: argparse.Namespace, train: Path, test: Path) -> dict:
    import finlite
    from finlite.tasks.intent_export import evaluate_texts

    out = Path(args.out)
    run_dir, bundle_dir = out / f"run-s{seed}", out / f"bundle-s{seed}"
    finlite_cli = [sys.executable, "-m", "finlite"]
    settings = [f"teachers={args.teachers}", f"teacher_weights={args.weights}", f"teacher_cache={out / 'teacher_cache'}",
                f"split_seed={args.split_seed}", f"seed={seed}", f"threads={args.threads}", *args.set]
    train_argv = [*finlite_cli, "train", "intent", "--data", os.path.relpath(train, ROOT), "--eval", os.path.relpath(test, ROOT),
                  "--out", str(run_dir), "--set", *settings]
    if args.reuse_runs and (run_dir / "metrics.json").is_file():  # a finished run of these settings: its own recorded time
        done = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        train_stage = {"command": shlex.join(["finlite", *train_argv[3:]]), "seconds": done["train"]["seconds"], "load_before": None,
                       "load_after": None, "reused": True}
    else:
        train_stage = _stage(train_argv, out / f"train-s{seed}.log")
    export_stage = _stage([*finlite_cli, "export", str(run_dir), "--out", str(bundle_dir), "--formats", "tflite,tflite-int8", "--force",
                           *(["--int8-float", args.int8_float] if args.int8_float else [])],
                          out / f"export-s{seed}.log")
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    start, before = time.perf_counter(), _load()
    texts, labels = _test_rows(test)
    bundle = finlite.load_bundle(bundle_dir)
    artifacts = {row["file"]: row["accuracy"] for row in evaluate_texts(bundle, texts, labels)}
    verify = {"seconds": round(time.perf_counter() - start, 1), "load_before": before, "load_after": _load()}
    train_part = metrics["train"]
    teachers = [{"model": t["model"], "weight": t["weight"], "val_accuracy": t["val"]["accuracy"], "test_accuracy": t["eval"]["accuracy"],
                 "seconds": t["seconds"], "cached": t.get("cached", False), "epochs": t.get("epochs")} for t in train_part["teachers"]]
    return {
        "seed": seed,
        "teachers": teachers,
        "teacher_ensemble_test_accuracy": (train_part.get("teacher_ensemble") or {}).get("eval", {}).get("accuracy"),
        "student": {"model": metrics["model"]["name"], "params": metrics["model"]["params"], "macs": metrics["model"]["macs"],
                    "best_epoch": train_part["best_epoch"], "val_accuracy": metrics["val"]["accuracy"],
                    "test_accuracy_fp32_pytorch": metrics["eval"]["accuracy"]},
        "artifacts_test_accuracy": artifacts,
        "int8_tflite_bytes": (bundle_dir / INT8).stat().st_size,
        "stages": {"train": train_stage, "train_parts": {**{f"teacher {t['model']}": t["seconds"] for t in teachers},
                                                         "student": train_part.get("student_seconds")},
                   "export": export_stage, "verify_test_csv": verify},
    }


def summarise(rows: list[dict]) -> dict:
    def stat(values: list[float]) -> dict:
        a = np.array(values, dtype=float)
        return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0, "min": float(a.min()), "max": float(a.max()), "n": len(a)}

    int8 = [r["artifacts_test_accuracy"].get(INT8) for r in rows]
    fp32 = [r["student"]["test_accuracy_fp32_pytorch"] for r in rows]
    return {"int8_tflite_test_accuracy": stat(int8), "fp32_pytorch_test_accuracy": stat(fp32),
            "int8_minus_fp32_points": stat([100 * (a - b) for a, b in zip(int8, fp32)]),
            "max_int8_tflite_mb": max(r["int8_tflite_bytes"] for r in rows) / 1e6}


def _load_span(stage: dict) -> str:
    return "reused run, load not recorded" if stage.get("reused") else f"load {stage['load_before']}→{stage['load_after']}"


def markdown(rows: list[dict], summary: dict, args: argparse.Namespace) -> str:
    lines = ["# BANKING77: the MiniLM teacher distilled into the <= 1 MB student", "", "{header}", f"- BANKING77 part: `{args.command}`", "",
             f"Teachers `{args.teachers}` weighted `{args.weights}`, validation split seed {args.split_seed} (fixed, so the MiniLM "
             "teacher is fine-tuned once and its cached logits serve every student seed); test.csv is used for these figures only.", "",
             "| seed | MiniLM test | teachers' average test | student fp32 test | int8 TFLite test | int8 file | train s (load) | export s | MiniLM s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        minilm = next((t for t in r["teachers"] if t["model"] == "minilm"), None)
        train = r["stages"]["train"]
        lines.append(
            f"| {r['seed']} | {fmt(minilm and 100 * minilm['test_accuracy'], '.2f')} | {fmt(r['teacher_ensemble_test_accuracy'] and 100 * r['teacher_ensemble_test_accuracy'], '.2f')} | "
            f"{100 * r['student']['test_accuracy_fp32_pytorch']:.2f} | {100 * r['artifacts_test_accuracy'][INT8]:.2f} | {r['int8_tflite_bytes'] / 1e6:.3f} MB | "
            f"{train['seconds']:.0f} ({_load_span(train)}) | {r['stages']['export']['seconds']:.0f} | "
            f"{fmt(minilm and minilm['seconds'], '.0f')}{' (cached)' if minilm and minilm['cached'] else ''} |")
    s = summary
    lines += ["", f"int8 TFLite on test.csv: **{100 * s['int8_tflite_test_accuracy']['mean']:.2f}%** ± {100 * s['int8_tflite_test_accuracy']['std']:.2f} "
              f"(n = {s['int8_tflite_test_accuracy']['n']}, min {100 * s['int8_tflite_test_accuracy']['min']:.2f}, max {100 * s['int8_tflite_test_accuracy']['max']:.2f}); "
              f"fp32 PyTorch {100 * s['fp32_pytorch_test_accuracy']['mean']:.2f}%; int8 − fp32 {s['int8_minus_fp32_points']['mean']:+.2f} points; "
              f"largest int8 file {s['max_int8_tflite_mb']:.3f} MB.", "",
              "Stage times (seconds) of each seed's `finlite train`: " + "; ".join(
                  f"seed {r['seed']}: " + ", ".join(f"{k} {v:.0f}" for k, v in r["stages"]["train_parts"].items() if v is not None) for r in rows), ""]
    return "\n".join(lines)


def _language(text: str) -> str:
    """zh (CJK characters, no Latin letters), mixed (both) or en."""
    cjk = any(0x3400 <= ord(c) <= 0x9FFF or 0xF900 <= ord(c) <= 0xFAFF for c in text)
    latin = any("a" <= c.lower() <= "z" for c in text)
    return "mixed" if cjk and latin else "zh" if cjk else "en"


def _by_language(pred: np.ndarray, y: np.ndarray, languages: list[str]) -> dict:
    out = {"all": {"n": len(y), "accuracy": float(np.mean(pred == y))}}
    for lang in ("en", "zh", "mixed"):
        keep = np.array([x == lang for x in languages])
        if keep.any():
            out[lang] = {"n": int(keep.sum()), "accuracy": float(np.mean(pred[keep] == y[keep]))}
    return out


def run_synthetic(args: argparse.Namespace) -> dict:
    """The quickstart's bilingual corpus and settings, with and without the MiniLM teacher; accuracy by language."""
    import finlite
    from finlite.data.synth.intent import generate_intent_corpus, split_corpus, write_csv
    from finlite.tasks.config import apply_overrides
    from finlite.tasks.intent import IntentTrainConfig
    from finlite.training.checkpoint import load_run
    from finlite.training.trainer import predict

    out = Path(args.out) / "synthetic"
    train_rows, eval_rows = split_corpus(generate_intent_corpus(seed=0), eval_fraction=0.2, seed=0)  # as make quickstart
    write_csv(train_rows, out / "train.csv")
    write_csv(eval_rows, out / "eval.csv")
    texts, languages = [r.text for r in eval_rows], [_language(r.text) for r in eval_rows]
    variants = {"quickstart (our teachers)": [], "with minilm": [f"teachers={args.teachers}", f"teacher_weights={args.weights}"]}
    result: dict = {"n_train": len(train_rows), "n_eval": len(eval_rows), "variants": {}}
    for name, overrides in variants.items():
        run_dir = out / ("run-minilm" if overrides else "run-quickstart")
        config = apply_overrides(IntentTrainConfig(), [f"threads={args.threads}", *overrides])
        before, start = _load(), time.perf_counter()
        metrics = finlite.train("intent", run_dir, config=config, train=out / "train.csv", eval=out / "eval.csv")
        model, info = load_run(run_dir)
        index = {label: i for i, label in enumerate(info.labels)}
        y = np.array([index[r.label] for r in eval_rows])
        from finlite.data.text import TextEncoder, TextSpec

        logits = predict(model, (TextEncoder(TextSpec.from_json(info.preprocess["text"])).encode_batch(texts),))
        row = {"student": _by_language(logits.argmax(1), y, languages), "seconds": round(time.perf_counter() - start, 1),
               "load_before": before, "load_after": _load(), "teachers": metrics["train"]["teachers"]}
        from finlite.tasks.intent_teacher import data_hash

        for path in sorted((run_dir / "teacher_cache").glob(f"minilm-*-eval-{data_hash(texts)[:16]}.npy")):  # these texts' logits
            row["minilm_teacher"] = _by_language(np.load(path).argmax(1), y, languages)
        result["variants"][name] = row
    return result


def synthetic_markdown(result: dict) -> str:
    lines = ["", "## The synthetic bilingual corpus (make quickstart's data and settings)", "",
             f"`{result['command']}`: {result['n_train']} training / {result['n_eval']} evaluation texts; fp32 PyTorch accuracy on the "
             "evaluation texts by language (zh: CJK characters and no Latin letters; mixed: both).", "",
             "| variant | all | en | zh | mixed | seconds (load) |", "|---|---|---|---|---|---|"]
    for name, row in result["variants"].items():
        for who, part in (("student", row["student"]), ("MiniLM teacher alone", row.get("minilm_teacher"))):
            if part is None:
                continue
            cells = " | ".join(f"{100 * part[k]['accuracy']:.2f} (n={part[k]['n']})" if k in part else "–" for k in ("all", "en", "zh", "mixed"))
            timing = f"{row['seconds']:.0f} ({row['load_before']}→{row['load_after']})" if who == "student" else "–"
            lines.append(f"| {name}: {who} | {cells} | {timing} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--teachers", default=TEACHERS)
    parser.add_argument("--weights", default="2,1,1", help="teacher_weights, one per teacher")
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 was faster than 2 on a shared 2-core machine)")
    parser.add_argument("--out", default="build/intent-teacher", help="runs, bundles, logs and the shared teacher cache")
    parser.add_argument("--set", nargs="*", default=[], help="more key=value settings of finlite train intent")
    parser.add_argument("--reuse-runs", action="store_true", help="keep a seed's finished run in --out (its recorded time, no load)")
    parser.add_argument("--synthetic", action="store_true", help="only the bilingual corpus part (kept beside the BANKING77 part)")
    parser.add_argument("--int8-float", default="", help="finlite export --int8-float: submodules the int8 file keeps in float")
    parser.add_argument("--results", default="intent_teacher", help="name of the results files under benchmarks/results (another recipe, another name)")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    previous = RESULTS / f"{args.results}.json"
    document = json.loads(previous.read_text(encoding="utf-8")) if previous.is_file() else {}
    document = {k: document[k] for k in ("settings", "seeds", "summary", "synthetic") if k in document}

    def write() -> None:
        text = markdown(document["seeds"], document["summary"], argparse.Namespace(**{"command": "", **document["settings"]})) if document.get("seeds") else "{header}\n"
        write_results(args.results, document, text + (synthetic_markdown(document["synthetic"]) if document.get("synthetic") else ""))

    if args.synthetic:
        document["synthetic"] = {"command": command(), **run_synthetic(args)}
        write()
        return
    data = banking77()
    if data is None:
        return
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        rows.append(run_seed(seed, args, *data))
        document.update(settings={**vars(args), "command": command()}, seeds=rows, summary=summarise(rows))
        write()


if __name__ == "__main__":
    main()
