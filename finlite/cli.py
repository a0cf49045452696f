"""The ``finlite`` command line. Heavy modules are imported inside each command, so ``--help`` is fast."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Callable, Sequence

from .bundle.artifacts import DEFAULT_KINDS, FORMATS
from .cli_signing import add_public_key_argument, add_signing_commands
from .quickstart import QUICKSTART_PROFILE_USERS

EPILOG_EXPORT = """examples:
  finlite export runs/b77 --out bundles/b77
  finlite export runs/b77 --out bundles/b77 --formats tflite,tflite-int8 --force
  finlite export runs/b77 --out bundles/b77 --formats tflite,tflite-int8,onnx,onnx-int8,executorch,executorch-int8   # + ExecuTorch .pte (pip install 'finlite[executorch]')
  finlite export runs/b77 --out bundles/b77 --int8-float blocks.1,blocks.2   # keep these submodules float in the int8 files
  finlite export runs/profile --out bundles/profile          # reads the events/users/labels files named in run.json
  finlite export runs/profile --out bundles/profile --events data/events.csv --users data/users.csv --labels data/labels.csv
"""
EPILOG_VERIFY = """examples:
  finlite verify bundles/b77
  finlite verify bundles/b77 --eval ../shared/data/banking77/test.csv --json
  finlite verify bundles/profile --eval data/labels.csv --events data/events.csv --users data/users.csv
  finlite verify bundles/b77 --public-key keys/release.public.pem     # also refuse an unsigned or wrongly signed bundle
"""
EPILOG_PREDICT = """examples:
  finlite predict --bundle runs/quickstart/bundles/intent "我想查一下余额"
  finlite predict --bundle bundles/b77 --format onnx --precision int8 "I lost my card" "what's the exchange rate?"
  finlite predict --bundle bundles/profile --events data/events.csv --users data/users.csv --user u000123
  finlite predict --bundle bundles/profile --events data/events.csv --user u000123 --user u000456 --as-of 2026-06-30T00:00:00Z
  finlite predict --bundle bundles/profile --events data/events.csv --users data/users.csv --out scores.parquet   # every user
"""
EPILOG_QUICKSTART = """examples:
  finlite quickstart
  finlite quickstart --out /tmp/qs --force
"""
EPILOG_DATA = """examples:
  finlite data synth-intent --out data/synth --per-intent 120 --oos 400 --seed 0
  finlite data synth-profile --users 20000 --out data/profile --format parquet
"""
def _add_force(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--force", action="store_true", help=f"replace {what} if it already exists")


def _cmd_data_synth_intent(args: argparse.Namespace) -> int:
    from .data.synth.intent import generate_intent_corpus, split_corpus, write_csv

    out = Path(args.out)
    targets = [out / "train.csv", out / "eval.csv"]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not args.force:
        raise _usage_error(f"{', '.join(existing)} already exist; pass --force to overwrite")
    corpus = generate_intent_corpus(n_per_intent=args.per_intent, n_out_of_scope=args.oos, seed=args.seed)
    train, evaluation = split_corpus(corpus, eval_fraction=args.eval_fraction, seed=args.seed)
    write_csv(train, targets[0])
    write_csv(evaluation, targets[1])
    print(f"wrote {len(train)} training and {len(evaluation)} evaluation examples to {out}/ (train.csv, eval.csv)")
    return 0


def _prepare_run_dir(out: Path, force: bool, resume: bool) -> None:
    """Refuse to overwrite a trained run unless asked; --force without --resume starts afresh."""
    from .training.checkpoint import RUN_INFO

    if (out / RUN_INFO).exists() and not (force or resume):
        raise _usage_error(f"{out} already holds a trained run; pass --force to overwrite it or choose another --out")
    if force and not resume and (out / "checkpoints").exists():
        shutil.rmtree(out / "checkpoints")


def _overrides(args: argparse.Namespace) -> list[str]:
    overrides = list(getattr(args, "set", None) or [])
    for key in ("model", "epochs", "seed", "threads"):
        if getattr(args, key, None) is not None:
            overrides.append(f"{key}={getattr(args, key)}")
    return overrides


def _cmd_train(args: argparse.Namespace) -> int:
    from .api import train
    from .tasks import get_task
    from .training import distributed

    task = get_task(args.task)
    out = Path(args.out)
    _prepare_run_dir(out, args.force, args.resume)
    metrics = train(task.name, out, settings=_overrides(args) + task.cli_overrides(args), resume=args.resume, **task.data_files(args))
    if distributed.rank() != 0:
        return 0
    for line in task.summary_lines(metrics):
        print(line)
    print(f"run written to {out}/ (model.pt, run.json, metrics.json); next: finlite export {out} --out BUNDLE_DIR")
    return 0


def _cmd_data_synth_profile(args: argparse.Namespace) -> int:
    from .data.synth.profile import generate_population, parse_persona_mix, write_population
    from .data.synth.profile_variant import Variant, apply_variant

    mix = parse_persona_mix(args.persona_mix) if args.persona_mix else None
    population = generate_population(args.users, seed=args.seed, weeks=args.weeks, persona_mix=mix)
    variant = Variant(rename=args.rename, extra_fields=args.extra_fields, tags=args.tags, stages=args.stages,
                      non_buyers=args.non_buyers, seed=args.seed)
    population = apply_variant(population, variant)
    paths = write_population(population, Path(args.out), fmt=args.format, overwrite=args.force)
    print(f"wrote {args.users} users: " + ", ".join(str(p) for p in paths.values()))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export.bundle import export_bundle

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    manifest = export_bundle(
        Path(args.run_dir),
        Path(args.out),
        formats=formats,
        force=args.force,
        name=args.name,
        events=Path(args.events) if args.events else None,
        users=Path(args.users) if args.users else None,
        labels=Path(args.labels) if args.labels else None,
        verbose=args.verbose,
        int8_float=tuple(m.strip() for m in args.int8_float.split(",") if m.strip()),
    )
    sizes = ", ".join(f"{name} {entry['bytes'] / 1e6:.3f} MB" for name, entry in manifest["files"].items() if name.startswith("model"))
    print(f"bundle written to {args.out}/ ({sizes}); check it with: finlite verify {args.out}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from .runtime.bundle import Bundle, check_golden

    from .cli_signing import check_signature

    signature = check_signature(args)
    bundle = Bundle(Path(args.bundle_dir))
    report: dict = {"bundle": str(bundle.dir), "task": bundle.task.name, "sha256": "ok", "golden": check_golden(bundle)}
    if signature:
        report["signature"] = "ok"
    if args.eval:
        report["eval"] = bundle.task.cli_evaluate(bundle, args)
    ok = all(r["passed"] for r in report["golden"])
    report["passed"] = ok
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if ok else 1
    print(f"{bundle.dir}: sha256 of {len(bundle.manifest['files'])} files ok" + (f"; {signature}" if signature else ""))
    for r in report["golden"]:
        print(
            f"  {r['file']:<20} golden {'pass' if r['passed'] else 'FAIL'}: inputs {'match' if r['inputs_match'] else 'DIFFER'}, "
            f"max |Δ| {r['max_abs_diff_vs_golden']:.2e} (tolerance {r['tolerance']}), top-1 vs PyTorch {r['top1_agreement_vs_pytorch']:.3f}"
        )
    for r in report.get("eval", {}).get("artifacts", []):
        print(bundle.task.cli_eval_line(r, args.eval))
    return 0 if ok else 1


def _cmd_predict(args: argparse.Namespace) -> int:
    from .runtime.bundle import Bundle

    bundle = Bundle(Path(args.bundle))
    for line in bundle.task.cli_predict(bundle, args):
        print(line)
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    if getattr(args, "arm", False):
        from .bench.arm.cli import run_arm

        return run_arm(args)
    from .bench.cli import run_bench

    return run_bench(args)


def _cmd_quickstart(args: argparse.Namespace) -> int:
    from .quickstart import run_quickstart

    run_quickstart(Path(args.out), force=args.force, profile_users=args.profile_users)
    return 0


def _usage_error(message: str) -> Exception:
    from .errors import FinliteError

    return FinliteError(message)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="finlite",
        description="Train tiny, fast banking models and export verified bundles for mobile apps.",
        epilog="start with: finlite quickstart   (or: make quickstart)",
    )
    parser.add_argument("--version", action="version", version=f"finlite {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fmt = argparse.RawDescriptionHelpFormatter

    data = sub.add_parser("data", help="generate built-in synthetic data sets", epilog=EPILOG_DATA, formatter_class=fmt)
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="KIND")
    synth = data_sub.add_parser("synth-intent", help="bilingual (zh + en) banking intent corpus", epilog=EPILOG_DATA, formatter_class=fmt)
    synth.add_argument("--out", required=True, help="folder for train.csv and eval.csv")
    synth.add_argument("--per-intent", type=int, default=120, help="examples per intent (default 120)")
    synth.add_argument("--oos", type=int, default=400, help="out-of-scope examples (default 400)")
    synth.add_argument("--eval-fraction", type=float, default=0.2)
    synth.add_argument("--seed", type=int, default=0)
    _add_force(synth, "existing CSV files")
    synth.set_defaults(func=_cmd_data_synth_intent)
    synth_p = data_sub.add_parser("synth-profile", help="synthetic user population: events, users, labels", epilog=EPILOG_DATA, formatter_class=fmt)
    synth_p.add_argument("--users", type=int, default=2000, help="number of users (default 2000)")
    synth_p.add_argument("--out", required=True, help="folder for events, users and labels files")
    synth_p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    synth_p.add_argument("--weeks", type=int, default=12)
    synth_p.add_argument("--seed", type=int, default=0)
    synth_p.add_argument("--rename", action="store_true", help="another bank's names: every categorical value and column renamed")
    synth_p.add_argument("--extra-fields", action="store_true", help="add a categorical 'channel' and a numeric 'balance' event field")
    synth_p.add_argument("--tags", type=int, default=0, help="keep only the first N tags (default: all 5)")
    synth_p.add_argument("--stages", type=int, default=0, help="merge neighbouring lifecycle stages into N (default: 5 stages)")
    synth_p.add_argument("--non-buyers", type=float, default=0.0, help="fraction of users who buy nothing (next product 'none')")
    synth_p.add_argument("--persona-mix", default="", metavar="NAME=W,...",
                         help="other persona shares, e.g. dormant_holder=0.25,prospect=0.05 (unnamed personas keep theirs)")
    _add_force(synth_p, "existing files")
    synth_p.set_defaults(func=_cmd_data_synth_profile)

    from .cli_encode import add_encode_parser
    from .cli_pretrain import add_pretrain_parser
    from .cli_schema import add_schema_parser
    from .cli_simulate import add_simulate_parsers
    from .cli_triggers import add_triggers_parser

    add_schema_parser(sub, fmt)
    add_triggers_parser(sub, fmt)
    add_simulate_parsers(sub, fmt)
    add_encode_parser(sub, fmt)

    from .tasks import get_task, list_tasks

    train = sub.add_parser("train", help="train a model", formatter_class=fmt)
    train_sub = train.add_subparsers(dest="task", required=True, metavar="TASK")
    for name in list_tasks():
        task = get_task(name)
        p = train_sub.add_parser(name, help=task.summary, epilog=task.epilog, formatter_class=fmt)
        task.add_data_arguments(p)
        p.add_argument("--out", default=f"runs/{name}", help=f"run folder (default runs/{name})")
        p.add_argument("--model", help=f"architecture, e.g. {task.config_class().model} (see finlite.models.list_models)")
        p.add_argument("--epochs", type=int)
        p.add_argument("--seed", type=int)
        p.add_argument("--threads", type=int, help="torch (and OpenMP) threads (default: their choice)")
        p.add_argument("--set", nargs="+", action="extend", metavar="KEY=VALUE", help=f"any {task.config_class.__name__} field, e.g. lr=0.005 patience=6")
        p.add_argument("--resume", action="store_true", help="continue a killed run in --out from its last checkpoint")
        _add_force(p, "a run in --out")
        p.set_defaults(func=_cmd_train)
    add_pretrain_parser(sub, fmt)

    export = sub.add_parser("export", help="export a trained run to a bundle", epilog=EPILOG_EXPORT, formatter_class=fmt)
    export.add_argument("run_dir", help="folder written by 'finlite train'")
    export.add_argument("--out", required=True, help="bundle folder to create")
    export.add_argument("--name", help="bundle name in the manifest (default: the run folder's name)")
    export.add_argument(
        "--formats",
        default=",".join(DEFAULT_KINDS),
        help="comma-separated: tflite, tflite-int8, onnx, onnx-int8 (the default), executorch, executorch-int8 (XNNPACK .pte)",
    )
    export.add_argument("--events", help="profile runs: events file (default: the one named in run.json)")
    export.add_argument("--users", help="profile runs: users file (default: the one named in run.json)")
    export.add_argument("--labels", help="profile runs: labels file, for the run's exact evaluation split (default: run.json's)")
    export.add_argument("--int8-float", default="", metavar="MODULES",
                        help="comma-separated submodule paths (as in model.named_modules(), e.g. blocks.1) the int8 files keep in float, "
                             "besides the task's own; for a model whose int8 file fails parity or loses accuracy in one part")
    export.add_argument("--verbose", action="store_true", help="show the converters' own console output (TensorFlow, torchao, torch.export)")
    _add_force(export, "the bundle folder")
    export.set_defaults(func=_cmd_export)

    verify = sub.add_parser("verify", help="check a bundle's sha256, golden outputs and accuracy", epilog=EPILOG_VERIFY, formatter_class=fmt)
    verify.add_argument("bundle_dir")
    verify.add_argument("--eval", help="labelled file: report every artifact's accuracy on it (profile: a labels CSV, with --events/--users)")
    verify.add_argument("--text-column")
    verify.add_argument("--label-column")
    verify.add_argument("--events", help="profile bundles: events file for --eval")
    verify.add_argument("--users", help="profile bundles: users file for --eval")
    verify.add_argument("--as-of", help="profile bundles: snapshot time (ISO 8601 or epoch ms; default: just after the last event)")
    verify.add_argument("--json", action="store_true", help="print a JSON report")
    add_public_key_argument(verify)
    verify.set_defaults(func=_cmd_verify)
    add_signing_commands(sub, fmt)

    predict = sub.add_parser("predict", help="top intents for texts, or users' profiles (one, or every user into a file), from a bundle", epilog=EPILOG_PREDICT, formatter_class=fmt)
    predict.add_argument("--bundle", required=True)
    predict.add_argument("--format", choices=FORMATS, default="tflite", help="artifact format: tflite (LiteRT, the default), onnx, executorch")
    predict.add_argument("--precision", choices=("fp32", "int8"), default="fp32")
    predict.add_argument("--top-k", type=int, default=3)
    predict.add_argument("--events", help="profile bundles: events file (.csv or .parquet)")
    predict.add_argument("--users", help="profile bundles: user attributes file")
    predict.add_argument("--user", action="append", help="profile bundles: user id (repeatable)")
    predict.add_argument("--as-of", help="profile bundles: prediction time (ISO 8601 or epoch ms; default: just after the last event in --events)")
    predict.add_argument("--out", help="profile bundles: score every user (or --user-list) into this .parquet or .csv file")
    predict.add_argument("--user-list", help="profile bundles with --out: file of user ids to score, one per line")
    _add_force(predict, "an existing --out file")
    predict.add_argument("text", nargs="*", help="intent bundles: texts to classify")
    predict.set_defaults(func=_cmd_predict)

    from .bench.arm.cli import add_arm_arguments
    from .bench.cli import EPILOG as EPILOG_BENCH
    from .bench.cli import add_bench_arguments

    bench = sub.add_parser("bench", help="latency, memory and size of a bundle's artifacts on every runtime", epilog=EPILOG_BENCH, formatter_class=fmt)
    add_bench_arguments(bench)
    add_arm_arguments(bench)
    bench.set_defaults(func=_cmd_bench)

    quick = sub.add_parser("quickstart", help="synthetic data → train → export → verify → report", epilog=EPILOG_QUICKSTART, formatter_class=fmt)
    quick.add_argument("--out", default="runs/quickstart", help="output folder (default runs/quickstart)")
    _add_force(quick, "an earlier quickstart in --out")
    quick.add_argument("--profile-users", type=int, default=QUICKSTART_PROFILE_USERS, metavar="N",
                       help=f"size of the synthetic population for the profile part (default {QUICKSTART_PROFILE_USERS:,})")
    quick.set_defaults(func=_cmd_quickstart)
    return parser


def _default_openmp_threads(args: argparse.Namespace) -> None:
    """``--threads N`` / ``--set threads=N`` also become OMP_NUM_THREADS (unless set) before torch
    loads its OpenMP runtime, which scikit-learn's HistGradientBoosting (the profile teacher and
    baseline) shares. torch.set_num_threads and threadpoolctl did not hold it: two runs at threads=1
    on 2 cores ran 2 OpenMP threads each, and the 5-fold teacher took 476 s instead of 47 s."""
    if not hasattr(args, "set") or "torch" in sys.modules:  # training commands only, before torch loads
        return
    values = [value.strip() for key, _, value in (item.partition("=") for item in _overrides(args)) if key.strip() == "threads"]
    if values and values[-1].isdigit() and int(values[-1]) > 0:  # the last one wins, as in apply_overrides
        os.environ.setdefault("OMP_NUM_THREADS", values[-1])


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import FinliteError

    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded by commands that log their command line
    _default_openmp_threads(args)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except (FinliteError, FileNotFoundError) as err:
        print(f"finlite: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("finlite: interrupted", file=sys.stderr)
        return 130
    finally:
        distributed = sys.modules.get("finlite.training.distributed")  # loaded only by training commands
        if distributed is not None:
            distributed.shutdown()


if __name__ == "__main__":
    sys.exit(main())
