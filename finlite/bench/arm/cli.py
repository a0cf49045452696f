"""Arguments and entry point of ``finlite bench --arm`` (also ``python -m finlite.bench.arm``).

``finlite bench`` calls :func:`add_arm_arguments` on its parser and, when ``--arm`` is given,
:func:`run_arm` with the parsed namespace; bundle directories are its positional ``targets``.
Only light modules are imported at the top level: the set-up, runner and report modules are
imported when ``run_arm`` runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_JSON = Path("benchmarks/results/arm.json")
DEFAULT_MD = Path("benchmarks/results/arm.md")
CPU_CHOICES = ("a53", "a76", "all")
BINDING_CHOICES = ("c", "python", "all")
BUNDLE_ATTRS = ("targets", "bundles", "bundle", "paths")  # positional names finlite bench may use


def add_arm_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``--arm`` options (the bundle paths are the caller's positional arguments)."""
    group = parser.add_argument_group("emulated aarch64 (--arm)")
    group.add_argument("--arm", action="store_true", help="emulated aarch64 parity and instruction counts (qemu-user), not latency")
    group.add_argument("--cpu", choices=CPU_CHOICES, default="all", help="CPU profile: cortex-a53, cortex-a76 or both (default all)")
    group.add_argument("--arm-binding", choices=BINDING_CHOICES, default="c",
                       help="how the guest calls the runtime: c = the C API directly, as the apps do (default); python = the Python binding; all = both")
    group.add_argument("--compare", type=Path, metavar="BASELINE.json", help="fail when an artifact's count grew by more than --max-regression")
    group.add_argument("--max-regression", type=float, default=5.0, metavar="PCT", help="allowed growth in instructions per inference, percent (default 5)")
    group.add_argument("--smoke", action="store_true", help="CI smoke run: the first bundle only, one CPU profile (a76 unless --cpu names one), no report files unless --arm-json/--arm-md")
    group.add_argument("--arm-repeat", type=int, default=1, metavar="N", help="run the whole matrix N times and check the counts are identical")
    group.add_argument("--arm-passes", type=int, default=2, metavar="N", help="counted passes over the golden examples per run (default 2)")
    group.add_argument("--arm-jobs", type=int, default=2, metavar="N", help="guest processes in parallel (default 2)")
    group.add_argument("--arm-json", type=Path, default=None, metavar="PATH", help=f"results JSON (default {DEFAULT_JSON}; with --smoke none unless given)")
    group.add_argument("--arm-md", type=Path, default=None, metavar="PATH", help=f"results Markdown (default {DEFAULT_MD}; with --smoke none unless given)")
    group.add_argument("--arm-run", type=Path, action="append", default=[], metavar="RUN_DIR", help="training run to measure MACs from when a manifest has none")
    group.add_argument("--arm-artifact", action="append", default=[], metavar="FILE", help="only these artifact files of each bundle (repeatable; default all ONNX/TFLite)")
    group.add_argument("--arm-write-baseline", type=Path, metavar="PATH", help="add (or replace) this run's rows in the baseline file PATH")
    group.add_argument("--arm-rebuild", action="store_true", help="rebuild the cached aarch64 environment from scratch")


def bundle_paths(args: argparse.Namespace) -> list[Path]:
    """The bundle directories of ``args`` (whatever the caller named its positional argument)."""
    for attr in BUNDLE_ATTRS:
        value = getattr(args, attr, None)
        if value:
            return [Path(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return []


def run_arm(args: argparse.Namespace) -> int:
    """Set up (cached), run every artifact × CPU profile, write the report, apply the gate. Exit code."""
    from ...errors import FinliteError
    from .session import run_session

    if not args.smoke:  # a smoke run writes report files only where asked to
        args.arm_json = args.arm_json or DEFAULT_JSON
        args.arm_md = args.arm_md or DEFAULT_MD
    try:
        return run_session(args, bundle_paths(args))
    except FinliteError as err:
        print(f"finlite bench --arm: {err}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """``python -m finlite.bench.arm BUNDLE... [options]`` (``--arm`` implied)."""
    parser = argparse.ArgumentParser(prog="python -m finlite.bench.arm", description="Emulated aarch64 parity and instruction counts of finlite bundles.")
    parser.add_argument("targets", nargs="+", type=Path, help="bundle directories")
    add_arm_arguments(parser)
    args = parser.parse_args(argv)
    args.arm = True
    return run_arm(args)
