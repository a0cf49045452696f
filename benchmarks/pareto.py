"""Pareto: BANKING77 accuracy vs batch-1 latency across width multipliers and baselines.

    python benchmarks/pareto.py [--epochs 4] [--per-label 40]
    python benchmarks/pareto.py --full      (all training rows, up to 20 epochs with early stopping -> pareto_full.*)

Models: intent_dwshuffle_x0_5 / x1_0 / x1_5 (ours), intent_stdconv_x1_0 (standard convolution),
intent_gru (recurrent), and TF-IDF character n-grams + linear SVM (scikit-learn, the non-neural
reference: its size is the pickled pipeline, its latency ``pipeline.predict([text])`` including
vectorisation). Networks: LiteRT and onnxruntime fp32 latency, 1 thread, all models interleaved in
one measurement. Same training data and settings as ``blocks`` (its runs are reused from
build/bench-runs/). Writes benchmarks/results/pareto.{json,md,png}.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from blocks import read_texts, run_sample, train_intent_model  # noqa: E402
from common import RESULTS, banking77, export_fp32, fmt, latency_rows, log, seconds_per_epoch, subsample_csv, temp_dir, write_results  # noqa: E402

MODELS = ("intent_dwshuffle_x0_5", "intent_dwshuffle_x1_0", "intent_dwshuffle_x1_5", "intent_stdconv_x1_0", "intent_gru")
OURS = MODELS[:3]


def train_svm(train_csv: Path, test_csv: Path) -> dict:
    """TF-IDF (character 2–5-grams within word boundaries) + LinearSVC; accuracy, pickled size."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from finlite.data.loaders import load_text_dataset

    train, test = load_text_dataset(train_csv), load_text_dataset(test_csv)
    pipeline = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2), LinearSVC(C=0.5))
    start = time.perf_counter()
    pipeline.fit(train.texts, train.labels)
    seconds = time.perf_counter() - start
    predicted = pipeline.predict(test.texts)
    accuracy = sum(p == t for p, t in zip(predicted, test.labels)) / len(test.labels)
    blob = pickle.dumps(pipeline, protocol=pickle.HIGHEST_PROTOCOL)
    return {"accuracy": accuracy, "size_bytes": len(blob), "train_seconds": seconds, "blob": blob, "text": test.texts[0]}


def svm_target(svm: dict):
    """A latency target: unpickle (init), then ``predict([text])`` per call."""
    from finlite.bench.harness import Target
    from finlite.bench.sessions import InProcessSession

    def load():
        pipeline = pickle.loads(svm["blob"])
        text = [svm["text"]]
        return (lambda: pipeline.predict(text)), None, pipeline

    return Target("tfidf_svm", "scikit-learn", "fp64", 1, svm["size_bytes"], lambda w: InProcessSession.start(load, w))


def plot(points: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    ours = [p for p in points if p["name"] in OURS and p["latency_ms"] is not None]
    ax.plot([p["latency_ms"] for p in ours], [p["accuracy"] for p in ours], "o-", color="tab:blue", label="ours (dw-separable + shuffle), LiteRT")
    styles = {"intent_stdconv_x1_0": ("s", "tab:red", "standard conv, LiteRT"), "intent_gru": ("^", "tab:green", "GRU"), "tfidf_svm": ("D", "tab:gray", "TF-IDF + linear SVM, scikit-learn")}
    for p in points:
        if p["name"] in styles and p["latency_ms"] is not None:
            marker, color, label = styles[p["name"]]
            ax.plot(p["latency_ms"], p["accuracy"], marker, color=color, label=label + ("" if p["name"] != "intent_gru" else f", {p['latency_runtime']}"))
    for p in points:
        if p["latency_ms"] is not None:
            ax.annotate(p["name"].replace("intent_", ""), (p["latency_ms"], p["accuracy"]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.0e}"[0] in "25" else ""))
    ax.margins(x=0.2, y=0.1)
    ax.set_xlabel("batch-1 latency, 1 thread, p50 (ms, log scale)")
    ax.set_ylabel("BANKING77 test accuracy (%)")
    ax.set_title("Accuracy vs latency")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--per-label", type=int, default=40, help="BANKING77 training examples per intent (default 40; 0 = all)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--full", action="store_true", help="full training (= --per-label 0 --epochs 20; the seed-0 runs of blocks.py --full "
                        "are reused) -> pareto_full.{json,md,png}")
    args = parser.parse_args(argv)
    name = "pareto_full" if args.full else "pareto"
    if args.full:
        args.per_label, args.epochs = 0, 20
    data = banking77()
    if not data:
        log("pareto needs BANKING77: nothing to do")
        return 0
    train_csv, test_csv = data
    if args.per_label:
        train_csv = subsample_csv(train_csv, args.per_label, temp_dir("b77") / "train.csv")
    texts = read_texts(test_csv, 2)
    trained = {}
    for model in MODELS:
        run_dir, metrics = train_intent_model(model, train_csv, test_csv, args.epochs, {"per_label": args.per_label})
        trained[model] = (run_dir, metrics, run_sample(run_dir, texts))
    log("  training TF-IDF + linear SVM")
    svm = train_svm(train_csv, test_csv)

    log("exporting fp32 TFLite + ONNX and measuring latency (all models interleaved)")
    entries = [(m, export_fp32(r, s, temp_dir(m)), tuple(a[:1] for a in s)) for m, (r, _, s) in trained.items()]
    latency = latency_rows(entries, extra=[svm_target(svm)], runs=args.runs)

    points = []
    for model, (_, metrics, _) in trained.items():
        rows = latency[model]
        litert, ort = rows["litert"], rows["onnxruntime"]
        best = litert if litert["status"] == "ok" else ort
        points.append(
            {
                "name": model,
                "accuracy": 100 * metrics["eval"]["accuracy"],
                "macs": metrics["model"]["macs"],
                "params": metrics["model"]["params"],
                "litert_p50_ms": litert["p50_ms"],
                "litert_error": litert["error"],
                "onnxruntime_p50_ms": ort["p50_ms"],
                "size_bytes": litert["size_bytes"] or ort["size_bytes"],
                "latency_ms": best["p50_ms"],
                "latency_runtime": "LiteRT" if best is litert else "onnxruntime",
                "train_seconds_per_epoch": seconds_per_epoch(metrics),
            }
        )
    row = latency["tfidf_svm"]["scikit-learn"]
    points.append(
        {
            "name": "tfidf_svm",
            "accuracy": 100 * svm["accuracy"],
            "macs": None,
            "params": None,
            "litert_p50_ms": None,
            "litert_error": "not a neural network",
            "onnxruntime_p50_ms": None,
            "size_bytes": svm["size_bytes"],
            "latency_ms": row["p50_ms"],
            "latency_runtime": "scikit-learn",
            "train_seconds_per_epoch": svm["train_seconds"],
        }
    )
    plot(points, RESULTS / f"{name}.png")
    settings = {"epochs": args.epochs, "per_label": args.per_label, "runs": args.runs, "full": args.full}
    write_results(name, {"settings": settings, "points": points, "latency_rows": latency}, render(points, settings, name))
    return 0


def budget_note(settings: dict) -> str:
    """What the training budget means for reading the table."""
    if settings.get("full"):
        return (f"- every network: up to {settings['epochs']} epochs on all training examples with the task's early stopping, no distillation, "
                "one seed (seed 0; the spread over seeds of the x1_0 pair is in `blocks_full.md`); the SVM is fitted to convergence in one pass.")
    return (f"- every network: {settings['epochs']} epochs on {settings['per_label'] or 'all'} training examples per intent, no distillation, one seed "
            "(the 30-minute `make bench` budget); the convolutional networks are still improving at that point (validation accuracy rising every "
            "epoch), while the SVM is fitted to convergence in one pass. The ranking at full training: `pareto_full.md` (`--full`).")


def render(points: list[dict], settings: dict, name: str = "pareto") -> str:
    lines = [
        "# Pareto: BANKING77 accuracy vs latency",
        "",
        "{header}",
        f"- settings: {settings}; latency batch 1, 1 thread, fp32, p50, all rows interleaved",
        "",
        f"![accuracy vs latency]({name}.png)",
        "",
        "| model | accuracy % | MACs | params | size MB | LiteRT p50 ms | ORT p50 ms | plotted latency | train s/epoch (SVM: fit s) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for p in points:
        macs = "–" if p["macs"] is None else f"{p['macs'] / 1e6:.2f} M"
        params = "–" if p["params"] is None else f"{p['params'] / 1e3:.0f} k"
        size = "–" if p["size_bytes"] is None else f"{p['size_bytes'] / 1e6:.2f}"
        lines.append(
            f"| {p['name']} | {p['accuracy']:.2f} | {macs} | {params} | {size} | {fmt(p['litert_p50_ms'])} | {fmt(p['onnxruntime_p50_ms'])} | "
            f"{fmt(p['latency_ms'])} ({p['latency_runtime']}) | {p['train_seconds_per_epoch']:.1f} |"
        )
    errors = [p for p in points if p["litert_error"] and p["name"] != "tfidf_svm"]
    lines += [""] + [f"- {p['name']}: no LiteRT row ({p['litert_error']})" for p in errors]
    lines += [
        budget_note(settings),
        "- the SVM's latency is scikit-learn's `predict([text])` in Python, including the TF-IDF vectorisation; the networks' latency excludes "
        "the text encoding (the same for all of them). Size: the SVM's pickled pipeline; the networks' fp32 TFLite file.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
