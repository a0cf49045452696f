"""What a task is: the :class:`Task` base class every task object implements, and the small value
types it exchanges with training (:class:`Prepared`, :class:`TrainContext`), export
(:class:`ExportSource`) and the runtime (:class:`TaskOutputs`).

A task object is the only place that knows what its task means: its config class, data files and
encoder, the model arguments, the output layout and its decoding, metrics, what export calibrates
and checks on, and its part of the model card. Training, export, the runtime, the CLI and the
benchmarks reach every task through it (:func:`finlite.tasks.get_task`).
"""

from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Protocol, Sequence

if TYPE_CHECKING:  # numpy is not imported at run time: the CLI's parser reads the task objects
    import numpy as np

Log = Callable[[str], None]
Augment = Callable[["np.random.Generator"], "tuple[np.ndarray, ...]"]


@dataclass
class ArraySplit:
    """Model inputs and training targets as numpy arrays with a common first dimension (inputs may also be
    array-likes such as :class:`~finlite.data.shards.RowView` that give numpy arrays when indexed).
    ``local``: under ``torchrun`` each process holds its own rows (read from its own shards) instead of
    all of them."""

    inputs: tuple[np.ndarray, ...]
    targets: tuple[np.ndarray, ...]
    local: bool = False

    def __len__(self) -> int:
        return len(self.inputs[0])


@dataclass
class Prepared:
    """A task's training data, encoded: what the generic training run needs from the task."""

    train: ArraySplit
    val: ArraySplit
    labels: list[str]  # the output names, index = output column (labels.txt)
    preprocess: dict[str, Any]  # preprocess.json
    model_kwargs: dict[str, Any]  # registry kwargs of the model (besides the name)
    data: dict[str, Any]  # paths and sizes, recorded in run.json
    augment: Augment | None = None  # fresh training inputs per epoch (e.g. with noise)
    extra: dict[str, Any] = field(default_factory=dict)  # whatever the task's later hooks need
    init: Path | None = None  # pretrained encoder weights the model starts from (finlite pretrain)


@dataclass
class TrainContext:
    """What the generic training run lends a task's hooks: its log, the process rank, the training loop."""

    log: Log
    rank: int  # process rank under torchrun (0 = the one that writes)
    fit: Callable[..., Any]  # finlite.training.trainer.fit with the run's checkpoint handling
    predict: Callable[..., np.ndarray]  # eval-mode outputs of a model for a tuple of input arrays
    save_checkpoint: Callable[[dict, Path], None]  # finlite.training.checkpoint's: atomic, with a sha256 trailer
    load_checkpoint: Callable[..., dict]  # its reader: (path, keys) -> state; a damaged file is a one-line RunError
    run_dir: Path  # the run's output folder (caches that travel with the run)


@dataclass
class Finished:
    """What a task adds to the run after the model is trained."""

    metrics: dict[str, Any]  # merged into metrics.json
    train_metrics: dict[str, Any] = field(default_factory=dict)  # merged into metrics.json's "train"
    samples: dict[str, Any] = field(default_factory=dict)  # samples.json: what export calibrates / checks on
    oos: dict[str, Any] = field(default_factory=dict)  # run.json's out-of-scope calibration, if any
    documents: dict[str, Any] = field(default_factory=dict)  # more JSON files for the run folder (name -> content)
    figures: dict[str, Callable[[Path], None]] = field(default_factory=dict)  # plots for the run folder (name -> draw(path))


@dataclass(frozen=True)
class TaskOutputs:
    """What a task's model takes and returns.

    ``input_names``: the model inputs in argument order; ``top1_head`` / ``top1_columns``: the output
    columns whose arg-max is the model's decision (parity and golden top-1 checks; None = all
    columns); ``postprocess``: the manifest block; ``decode(logits)``: one JSON-ready dict per row,
    the post-processed answer the apps must reproduce.
    """

    task: str
    input_names: tuple[str, ...]
    top1_head: str
    top1_columns: tuple[int, int] | None
    labels: list[str]
    postprocess: dict
    _decode: Callable[[np.ndarray], list[dict]] = field(repr=False, compare=False)

    def decode(self, logits: np.ndarray) -> list[dict]:
        return self._decode(logits)

    def top1(self, logits: np.ndarray) -> np.ndarray:
        """Arg-max over the decision columns (offsets within them)."""
        import numpy as np

        logits = np.asarray(logits)
        if self.top1_columns is not None:
            logits = logits[:, self.top1_columns[0] : self.top1_columns[1]]
        return logits.argmax(axis=1)


class ExportSource(Protocol):
    """A task's side of ``finlite export`` for one run (built by :meth:`Task.export_source`)."""

    outputs: TaskOutputs
    calibration: tuple[np.ndarray, ...]  # int8 calibration inputs (training samples)
    parity: tuple[np.ndarray, ...]  # held-out inputs for the parity checks
    golden_cases: list[dict]  # raw inputs of golden.json, one per example
    golden_inputs: tuple[np.ndarray, ...]  # their model inputs
    int8_float_modules: tuple[str, ...]  # submodules int8 exports keep in float

    def golden_header(self) -> dict: ...

    def golden_input_fields(self, i: int) -> dict: ...

    def quality(self, logits: np.ndarray) -> dict: ...

    def manifest_metrics(self, metrics: dict, reference: dict) -> dict: ...

    def manifest_extra(self) -> dict: ...

    def model_card(self, manifest: dict) -> str: ...


class Task(ABC):
    """One task (intent, profile, …). Subclasses set the class attributes and implement the hooks."""

    name: ClassVar[str]
    summary: ClassVar[str]  # one line for ``finlite train --help``
    epilog: ClassVar[str] = ""  # examples for ``finlite train NAME --help``
    config_class: ClassVar[type]  # a dataclass; fields are the ``--set key=value`` settings
    input_names: ClassVar[tuple[str, ...]]

    # --- training -------------------------------------------------------------------------------------

    @abstractmethod
    def add_data_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The CLI's data-file options of ``finlite train NAME``."""

    @abstractmethod
    def data_files(self, args: argparse.Namespace) -> dict[str, Any]:
        """The data options of parsed ``args`` as the ``data`` of :meth:`prepare`."""

    @abstractmethod
    def prepare(self, config: Any, data: dict[str, Any], log: Log) -> Prepared:
        """Load, split and encode the training data."""

    @abstractmethod
    def objective(self, config: Any, prepared: Prepared, distilled: bool) -> Any:
        """The loss and validation metrics (:class:`finlite.training.trainer.Objective`) for the prepared data."""

    def soft_targets(self, config: Any, prepared: Prepared, ctx: TrainContext) -> tuple[np.ndarray, ...]:
        """Teacher targets appended to the training targets (none by default)."""
        return ()

    @abstractmethod
    def finish(self, model: Any, config: Any, prepared: Prepared, ctx: TrainContext) -> Finished:
        """Calibrate the trained model and measure it."""

    def architecture_kwargs(self, model_kwargs: dict[str, Any]) -> dict[str, Any]:
        """Registry kwargs that rebuild a stored run's model (override to fill settings old runs lack)."""
        return dict(model_kwargs)

    @abstractmethod
    def summary_lines(self, metrics: dict) -> list[str]:
        """What ``finlite train`` prints about a finished run."""

    @abstractmethod
    def headline(self, metrics: dict) -> dict[str, float]:
        """The run's comparable figures on its evaluation set: ``accuracy``, ``macro_f1`` (+ the task's own)."""

    # --- bundle: export, runtime, verify, predict -----------------------------------------------------

    @abstractmethod
    def postprocess_spec(self, labels: list[str], run: Any) -> dict:
        """The manifest's ``postprocess`` block of a run (a :class:`~finlite.training.checkpoint.RunInfo`)."""

    @abstractmethod
    def outputs(self, labels: list[str], post: dict) -> TaskOutputs:
        """How the bundle's output tensor is read; ValueError / KeyError when ``post`` does not fit."""

    @abstractmethod
    def encoder(self, preprocess: dict) -> Any:
        """The encoder of raw inputs described by preprocess.json."""

    @abstractmethod
    def encode_golden(self, encoder: Any, examples: Sequence[dict]) -> tuple[np.ndarray, ...]:
        """Model inputs of golden.json's raw examples, re-encoded."""

    @abstractmethod
    def export_source(self, run_dir: Path, model: Any, run: Any, data: dict, log: Log) -> ExportSource:
        """What export calibrates, checks parity on and pins as goldens for ``run_dir``."""

    @abstractmethod
    def bundle_model_kwargs(self, labels: list[str], preprocess: dict, post: dict) -> dict[str, Any]:
        """Registry kwargs that rebuild a bundle's architecture (benchmarks' PyTorch row)."""

    @abstractmethod
    def encode_inputs(self, encoder: Any, *raw: Any) -> tuple[np.ndarray, ...]:
        """Model inputs of raw inputs (intent: texts; profile: tables, user ids and a time)."""

    @abstractmethod
    def predictions(self, outputs: TaskOutputs, decoded: list[dict], *raw: Any) -> list[Any]:
        """Result objects of rows decoded by ``outputs``, for the raw inputs they came from."""

    # --- command line: verify --eval and predict ------------------------------------------------------

    def cli_overrides(self, args: argparse.Namespace) -> list[str]:
        """Settings implied by the task's own train options (e.g. ``--no-distill``)."""
        return []

    @abstractmethod
    def cli_evaluate(self, bundle: Any, args: argparse.Namespace) -> dict:
        """``finlite verify --eval``: every artifact's quality on labelled data named by ``args``."""

    @abstractmethod
    def cli_eval_line(self, row: dict, file: str) -> str:
        """One artifact's row of :meth:`cli_evaluate`, for people."""

    @abstractmethod
    def cli_predict(self, bundle: Any, args: argparse.Namespace) -> list[str]:
        """``finlite predict``: the lines to print for the raw inputs named by ``args``."""
