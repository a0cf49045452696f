"""A third task defined in this file alone — a tiny model on random data — trains, exports and
verifies through the generic path (``finlite train / export / verify / predict``): the proof that a
new task is one module with a registered task object and a registered model builder."""

from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pytest
import torch
from torch import nn

from finlite.bundle import formats
from finlite.bundle.postprocess import softmax
from finlite.cli import main
from finlite.models import register_model
from finlite.models.registry import list_models
from finlite.tasks import ArraySplit, Finished, Prepared, Task, TaskOutputs, register_task, unregister_task

FEATURES, LABELS = 6, ["left", "right", "up", "down"]


class ToyNet(nn.Module):
    def __init__(self, features: int, classes: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, 32), nn.ReLU(), nn.Linear(32, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


if "toy_mlp" not in list_models():
    register_model("toy_mlp", task="toy")(lambda features, classes: ToyNet(features, classes))


@dataclass
class ToyConfig:
    model: str = "toy_mlp"
    epochs: int = 12
    batch_size: int = 32
    lr: float = 2e-2
    weight_decay: float = 0.0
    ema_decay: float = 0.0
    patience: int = 12
    seed: int = 0
    threads: int = 1
    checkpoint_every: int = 0
    samples: int = 600

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def toy_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points; the label is the quadrant of the first two coordinates."""
    x = np.random.default_rng(seed).normal(size=(n, FEATURES)).astype(np.float32)
    return x, ((x[:, 0] > 0).astype(np.int64) + 2 * (x[:, 1] > 0).astype(np.int64))


class ToyEncoder:
    """Raw rows are lists of floats already: the encoder checks their width."""

    def __init__(self, spec: dict):
        self.features = int(spec["features"])

    def encode(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
        if x.shape[1] != self.features:
            raise ValueError(f"rows need {self.features} values, got {x.shape[1]}")
        return x


class ToySource:
    int8_float_modules: tuple[str, ...] = ()

    def __init__(self, task: "ToyTask", run, seed: int):
        self.outputs = task.outputs(run.labels, task.postprocess_spec(run.labels, run))
        x, y = toy_data(256, seed + 7)  # never seen in training
        self.calibration, self.parity, self._y = (x[:64],), (x[64:],), y[64:]
        self.golden_cases = [{"x": row.tolist()} for row in x[:5]]
        self.golden_inputs = (x[:5],)

    def golden_header(self) -> dict:
        return {}

    def golden_input_fields(self, i: int) -> dict:
        return {"inputs": {"x": self.golden_inputs[0][i].tolist()}}

    def quality(self, logits: np.ndarray) -> dict:
        return {"holdout_accuracy": float(np.mean(logits.argmax(1) == self._y))}

    def manifest_metrics(self, metrics: dict, reference: dict) -> dict:
        return {"eval": metrics.get("eval"), "holdout": reference}

    def manifest_extra(self) -> dict:
        return {}

    def model_card(self, manifest: dict) -> str:
        return f"# Model card: {manifest['name']}\nA toy quadrant classifier.\n"


class ToyTask(Task):
    name = "toy"
    summary = "random points → quadrant (a test task)"
    config_class = ToyConfig
    input_names = ("x",)

    def add_data_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--samples", type=int, default=600)

    def data_files(self, args: argparse.Namespace) -> dict[str, Any]:
        return {"samples": args.samples}

    def prepare(self, config: ToyConfig, data: dict, log) -> Prepared:
        x, y = toy_data(int(data.get("samples", config.samples)), config.seed)
        cut = len(x) * 4 // 5
        return Prepared(
            train=ArraySplit((x[:cut],), (y[:cut],)),
            val=ArraySplit((x[cut:],), (y[cut:],)),
            labels=list(LABELS),
            preprocess={"format": formats.PREPROCESS, "task": self.name, "toy": {"features": FEATURES}},
            model_kwargs={"features": FEATURES, "classes": len(LABELS)},
            data={"samples": len(x)},
        )

    def objective(self, config, prepared, distilled: bool):
        from finlite.tasks.objectives import ClassificationObjective

        return ClassificationObjective()

    def finish(self, model, config, prepared: Prepared, ctx) -> Finished:
        logits = ctx.predict(model, prepared.val.inputs)
        return Finished(metrics={"eval": {"accuracy": float(np.mean(logits.argmax(1) == prepared.val.targets[0]))}}, samples={"seed": config.seed})

    def summary_lines(self, metrics: dict) -> list[str]:
        return [f"toy accuracy {metrics['eval']['accuracy']:.3f}"]

    def headline(self, metrics: dict) -> dict[str, float]:
        return {"accuracy": metrics["eval"]["accuracy"], "macro_f1": float("nan")}

    def postprocess_spec(self, labels: list[str], run) -> dict:
        return {"output": "logits", "activation": "softmax", "rule": "the arg-max label"}

    def outputs(self, labels: list[str], post: dict) -> TaskOutputs:
        def decode(logits: np.ndarray) -> list[dict]:
            return [{"label": labels[int(p.argmax())], "probs": p.tolist()} for p in softmax(np.asarray(logits, dtype=np.float32))]

        return TaskOutputs(self.name, self.input_names, "logits", None, list(labels), post, decode)

    def encoder(self, preprocess: dict) -> ToyEncoder:
        return ToyEncoder(preprocess["toy"])

    def encode_golden(self, encoder: ToyEncoder, examples) -> tuple[np.ndarray, ...]:
        return (encoder.encode([e["x"] for e in examples]),)

    def export_source(self, run_dir: Path, model, run, data: dict, log):
        return ToySource(self, run, int(run.train_config["seed"]))

    def bundle_model_kwargs(self, labels, preprocess, post) -> dict:
        return {"features": preprocess["toy"]["features"], "classes": len(labels)}

    def encode_inputs(self, encoder: ToyEncoder, rows) -> tuple[np.ndarray, ...]:
        return (encoder.encode(rows),)

    def predictions(self, outputs: TaskOutputs, decoded: list[dict], rows) -> list[str]:
        return [d["label"] for d in decoded]

    def cli_evaluate(self, bundle, args) -> dict:
        x, y = toy_data(200, 99)
        return {"file": "random", "artifacts": bundle.evaluate((x,), lambda logits: {"accuracy": float(np.mean(logits.argmax(1) == y))})}

    def cli_eval_line(self, row: dict, file: str) -> str:
        return f"  {row['file']} accuracy {row['accuracy']:.3f}"

    def cli_predict(self, bundle, args) -> list[str]:
        rows = [[float(v) for v in text.split(",")] for text in args.text]
        return [f"{text} → {label}" for text, label in zip(args.text, bundle.predict(rows, format=args.format))]


@pytest.fixture
def toy_task():
    register_task(ToyTask)
    yield
    unregister_task("toy")


@pytest.mark.slow
def test_a_toy_task_trains_exports_verifies_and_predicts_through_the_generic_path(toy_task, tmp_path, capsys):
    import finlite

    run, bundle_dir = tmp_path / "run", tmp_path / "bundle"
    assert main(["train", "toy", "--samples", "800", "--out", str(run)]) == 0
    assert "toy accuracy" in capsys.readouterr().out
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["eval"]["accuracy"] > 0.8  # the quadrants are learnable
    assert metrics["model"]["params"] == FEATURES * 32 + 32 + 32 * len(LABELS) + len(LABELS)

    assert main(["export", str(run), "--out", str(bundle_dir), "--formats", "onnx,tflite"]) == 0
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    assert manifest["task"] == "toy" and {a["file"] for a in manifest["artifacts"]} == {"model.onnx", "model.tflite"}
    assert all(a["parity"]["passed"] for a in manifest["artifacts"])
    assert (bundle_dir / "labels.txt").read_text().split() == LABELS
    assert "bundle written" in capsys.readouterr().out

    assert main(["verify", str(bundle_dir), "--json", "--eval", "random"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and len(report["golden"]) == 2
    assert all(r["accuracy"] > 0.8 for r in report["eval"]["artifacts"])

    assert main(["predict", "--bundle", str(bundle_dir), "--format", "onnx", "--", "2,2,0,0,0,0", "-2,-2,0,0,0,0"]) == 0
    assert capsys.readouterr().out.split("\n")[:2] == ["2,2,0,0,0,0 → down", "-2,-2,0,0,0,0 → left"]

    bundle = finlite.load_bundle(bundle_dir)
    assert bundle.predict([[-3.0, 3.0, 0, 0, 0, 0]], format="tflite") == ["up"]
    with pytest.raises(finlite.FinliteError, match="toy bundle"):
        bundle.predict([[0.0] * FEATURES], "extra")  # a wrong raw input is a one-line error


def test_the_registry_refuses_a_second_task_of_the_same_name(toy_task):
    with pytest.raises(ValueError, match="already registered"):
        register_task(ToyTask)
