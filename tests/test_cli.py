"""The command line: help, and one-line errors that name the file, line and field."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from finlite.cli import main


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_is_fast_and_lists_the_commands():
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "finlite", "--help"], capture_output=True, text=True, check=True).stdout
    assert time.perf_counter() - start < 5
    for command in ("data", "train", "export", "verify", "predict", "quickstart"):
        assert command in out
    # no heavy module on the start-up path
    probe = "import sys, finlite.cli; print(sorted(m for m in ('torch', 'onnx', 'litert_torch', 'onnxruntime') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "[]"


@pytest.mark.parametrize("command", [["train", "intent"], ["export"], ["verify"], ["predict"], ["quickstart"], ["data", "synth-intent"],
                                     ["triggers", "replay"], ["triggers", "check"]])
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(command + ["--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


GOOD = b"text,label\nhello there,greet\nbye now,leave\nhi,greet\nsee you,leave\n"


@pytest.mark.parametrize(
    "train, evaluation, expected",
    [
        (b"body,label\nhi,greet\n", None, ["train.csv", "line 1", "'text'"]),  # missing column
        (b"", None, ["train.csv", "empty"]),  # empty file
        (b"text,label\nhello,greet\n\xff\xfe oops,leave\n", None, ["train.csv", "line 3"]),  # undecodable bytes
        (b"text,label\nhello,greet\n   ,leave\n", None, ["train.csv", "line 3", "'text'", "empty"]),  # empty text
        (GOOD, b"text,label\nhello,greet\nwhat,unknown_label\n", ["eval.csv", "line 3", "'label'", "unknown_label"]),
    ],
    ids=["missing-column", "empty-file", "undecodable", "empty-text", "unseen-eval-label"],
)
def test_bad_training_input_gives_one_line_error(tmp_path, capsys, train, evaluation, expected):
    argv = ["train", "intent", "--data", _write(tmp_path / "train.csv", train), "--out", tmp_path / "run", "--set", "epochs=1", "distill=false"]
    if evaluation is not None:
        argv += ["--eval", _write(tmp_path / "eval.csv", evaluation)]
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert err.startswith("finlite: error: ") and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err


def test_bad_setting_and_missing_files_are_one_line_errors(tmp_path, capsys):
    data = _write(tmp_path / "train.csv", GOOD)
    code, _, err = _run(["train", "intent", "--data", data, "--out", tmp_path / "run", "--set", "epoch=1"], capsys)
    assert code == 2 and "unknown setting 'epoch'" in err
    code, _, err = _run(["train", "intent", "--data", tmp_path / "nope.csv", "--out", tmp_path / "run"], capsys)
    assert code == 2 and "nope.csv" in err
    code, _, err = _run(["export", tmp_path / "no_run", "--out", tmp_path / "bundle"], capsys)
    assert code == 2 and "no_run" in err and "finlite train" in err
    code, _, err = _run(["verify", tmp_path], capsys)
    assert code == 2 and "manifest.json" in err


def test_synth_intent_writes_and_refuses_to_overwrite(tmp_path, capsys):
    argv = ["data", "synth-intent", "--out", tmp_path, "--per-intent", "5", "--oos", "10"]
    code, out, _ = _run(argv, capsys)
    assert code == 0 and (tmp_path / "train.csv").exists() and (tmp_path / "eval.csv").exists()
    before = (tmp_path / "train.csv").read_bytes()
    code, _, err = _run(argv + ["--seed", "9"], capsys)
    assert code == 2 and "--force" in err
    assert (tmp_path / "train.csv").read_bytes() == before
    code, _, _ = _run(argv + ["--seed", "9", "--force"], capsys)
    assert code == 0 and (tmp_path / "train.csv").read_bytes() != before


@pytest.mark.parametrize("flags, expected", [(["--set", "threads=1"], "1"), (["--threads", "2"], "2"), ([], None)])
def test_threads_setting_becomes_the_openmp_default_before_torch_loads(flags, expected):
    """scikit-learn's HistGradientBoosting runs on torch's OpenMP runtime: only OMP_NUM_THREADS, set
    before torch is imported, keeps it at the requested thread count."""
    code = (
        "import os, sys\n"
        "os.environ.pop('OMP_NUM_THREADS', None)\n"
        "from finlite.cli import build_parser, _default_openmp_threads\n"
        f"args = build_parser().parse_args(['train', 'profile', '--events', 'e', '--users', 'u', '--labels', 'l', '--out', 'o', *{flags!r}])\n"
        "_default_openmp_threads(args)\n"
        "assert 'torch' not in sys.modules\n"
        "print(os.environ.get('OMP_NUM_THREADS'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(expected)


def test_repeated_set_options_all_apply():
    """``--set a=1 --set b=2`` keeps both (a repeated option used to keep only the last one silently)."""
    from finlite.cli import _overrides, build_parser

    args = build_parser().parse_args(["train", "profile", "--events", "e", "--users", "u", "--labels", "l", "--out", "o",
                                      "--set", "epochs=2", "lr=0.01", "--set", "patience=3"])
    assert _overrides(args) == ["epochs=2", "lr=0.01", "patience=3"]
