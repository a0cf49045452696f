"""``finlite simulate`` (A/B uplift and exposure fairness on synthetic users) and ``finlite policy check|explain``
(offer policies, docs/policy.md)."""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

from .cli_triggers import read_spec

EPILOG_SIMULATE = """examples:
  finlite simulate --bundle runs/quickstart/bundles/profile --challenger bundles/profile_std \\
      --policy examples/policy/seeds.json --triggers examples/triggers/seeds.json --users 20000 --days 30 --out runs/simulate
"""
EPILOG_POLICY = """examples:
  finlite policy check examples/policy/seeds.json --schema data/profile/schema.json
  finlite policy explain --bundle bundles/profile --policy examples/policy/seeds.json --triggers examples/triggers/seeds.json
"""


def _policy(path: str, schema):
    from .bundle.manifest import read_json
    from .realtime.policy.spec import parse_policy

    return parse_policy(read_json(Path(path), "policy file"), schema, where=path)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from .bench.machine import describe_machine, machine_line
    from .bench.simulate_report import summarise, write_report
    from .bench.simulate_run import run_simulation
    from .bench.simulate_world import build_world
    from .errors import FinliteError
    from .realtime.triggers.scoring import BatchScorer
    from .runtime.bundle import Bundle

    out = Path(args.out)
    if (out / "report.json").exists() and not args.overwrite:
        raise FinliteError(f"{out}/report.json exists; pass --overwrite to replace it")
    start = time.perf_counter()
    champion = Bundle(Path(args.bundle))
    schema = champion.encoder.spec.schema
    policy = _policy(args.policy, schema)
    triggers = read_spec(args.triggers, schema)
    print(f"generating {args.users:,} users ({args.days} simulated days after 12 weeks of history, seed {args.seed})")
    world = build_world(schema, args.users, args.days, args.seed, policy.time_zone)
    scorers = {"champion": BatchScorer(champion, world.events, world.attrs, format=args.format, precision=args.precision)}
    if args.challenger:
        challenger = Bundle(Path(args.challenger))
        if challenger.encoder.spec.schema.to_json() != schema.to_json():
            raise FinliteError(f"{args.challenger}: its data schema differs from {args.bundle}'s; champion and challenger must read the same data")
        scorers["challenger"] = BatchScorer(challenger, world.events, world.attrs, format=args.format, precision=args.precision)
    totals = run_simulation(world, policy, triggers, scorers, seed=args.seed, progress=not args.no_progress)
    summary = summarise(world, policy, totals, time.perf_counter() - start)
    paths = write_report(summary, out, "finlite " + " ".join(shlex.quote(a) for a in args.argv), machine_line(describe_machine()))
    for name, a in summary["arms"].items():
        acc = "—" if a["holdout"] else f"{100 * a['acceptance'][0]:.2f}%"
        print(f"  {name}: {a['users']:,} users, {a['messages_per_user_day']:.3f} offers/user-day, acceptance {acc}, "
              f"conversion {100 * a['conversion'][0]:.2f}%, categories seen/user {a['categories_seen_per_user']:.2f}")
    print(f"wrote {', '.join(str(p) for p in paths)} in {summary['seconds']:.0f} s")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .data.schema_json import read_schema

    policy = _policy(args.policy, read_schema(args.schema))
    arms = ", ".join(f"{a.id} {a.buckets / 100:g}%" for a in policy.arms)
    print(f"{args.policy}: ok ({len(policy.offers)} offers in {len(policy.categories)} categories, {len(policy.caps)} caps, arms: {arms})")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from .realtime.policy.data_use import data_use_summary
    from .runtime.bundle import Bundle

    bundle = Bundle(Path(args.bundle))
    schema = bundle.encoder.spec.schema
    triggers = read_spec(args.triggers, schema) if args.triggers else None
    text = data_use_summary(bundle, _policy(args.policy, schema), triggers)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def add_simulate_parsers(sub, fmt) -> None:
    """The ``simulate`` command and the ``policy`` command group."""
    sim = sub.add_parser("simulate", help="replay synthetic users through triggers, models and an offer policy: A/B uplift, caps, diversity",
                         epilog=EPILOG_SIMULATE, formatter_class=fmt)
    sim.add_argument("--bundle", required=True, help="the champion profile bundle (score source 'champion')")
    sim.add_argument("--challenger", help="a challenger profile bundle (score source 'challenger')")
    sim.add_argument("--policy", required=True, help="a finlite.policy/1 file, e.g. examples/policy/seeds.json")
    sim.add_argument("--triggers", required=True, help="a finlite.triggers/1 file, e.g. examples/triggers/seeds.json")
    sim.add_argument("--users", type=int, default=20_000, help="synthetic users (default 20000)")
    sim.add_argument("--days", type=int, default=30, help="simulated days (default 30)")
    sim.add_argument("--seed", type=int, default=1, help="population, arms' responses (default 1; the models were trained on seed 0)")
    sim.add_argument("--format", default="tflite", choices=("tflite", "onnx"))
    sim.add_argument("--precision", default="fp32", choices=("fp32", "int8"))
    sim.add_argument("--out", required=True, help="folder for report.json, report.md, simulation.png")
    sim.add_argument("--overwrite", action="store_true", help="replace an existing report")
    sim.add_argument("--no-progress", action="store_true")
    sim.set_defaults(func=_cmd_simulate)
    pol = sub.add_parser("policy", help="check offer policies and write their data-use summary", epilog=EPILOG_POLICY, formatter_class=fmt)
    pol_sub = pol.add_subparsers(dest="policy_command", required=True)
    check = pol_sub.add_parser("check", help="check a policy against a data schema", epilog=EPILOG_POLICY, formatter_class=fmt)
    check.add_argument("policy")
    check.add_argument("--schema", required=True, help="the data schema (schema.json)")
    check.set_defaults(func=_cmd_check)
    explain = pol_sub.add_parser("explain", help="the data-use summary for the app's privacy page (Markdown)", epilog=EPILOG_POLICY, formatter_class=fmt)
    explain.add_argument("--bundle", required=True)
    explain.add_argument("--policy", required=True)
    explain.add_argument("--triggers")
    explain.add_argument("--out", help="write the Markdown here instead of printing it")
    explain.set_defaults(func=_cmd_explain)
