"""``finlite triggers check`` and ``finlite triggers replay``: trigger specs (docs/triggers.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG_TRIGGERS = """examples:
  finlite triggers check examples/triggers/seeds.json --schema data/profile/schema.json
  finlite triggers replay --spec examples/triggers/seeds.json --events data/profile/events.csv --out runs/triggers
  finlite triggers replay --spec S --events data/profile/events.csv --users data/profile/users.csv --bundle bundles/profile --out DIR
"""


def read_spec(path: str, schema):
    from .bundle.manifest import read_json
    from .realtime.triggers import parse_spec

    return parse_spec(read_json(Path(path), "trigger spec"), schema, where=path)


def _schema(args: argparse.Namespace):
    """The schema: --schema, else the bundle's, else schema.json beside the events file."""
    from .data.schema_json import read_schema
    from .errors import FinliteError

    if getattr(args, "schema", None):
        return read_schema(args.schema)
    if getattr(args, "bundle_obj", None) is not None:
        return args.bundle_obj.encoder.spec.schema
    beside = Path(args.events).parent / "schema.json" if getattr(args, "events", None) else None
    if beside is not None and beside.exists():
        return read_schema(beside)
    raise FinliteError("no schema: pass --schema (or --bundle, or keep schema.json beside the events file)")


def _cmd_check(args: argparse.Namespace) -> int:
    spec = read_spec(args.spec, _schema(args))
    print(f"{args.spec}: ok ({len(spec.triggers)} triggers, time zone {spec.time_zone}, allowed lateness {spec.allowed_lateness_ms} ms)")
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    from .data.events import load_attributes, load_events
    from .realtime.triggers.replay import replay_table, write_outputs

    args.bundle_obj = None
    if args.bundle:
        from .runtime.bundle import Bundle

        args.bundle_obj = Bundle(Path(args.bundle))
    schema = _schema(args)
    spec = read_spec(args.spec, schema)
    table = load_events(args.events, schema)
    scorer = None
    if args.bundle_obj is not None:
        from .realtime.triggers.scoring import BatchScorer

        attrs = load_attributes(args.users, schema) if args.users else None
        scorer = BatchScorer(args.bundle_obj, table, attrs, format=args.format, precision=args.precision)
    result = replay_table(spec, schema, table, scorer, score_every_ms=int(args.score_every_hours * 3_600_000),
                          progress=not args.no_progress)
    summary = write_outputs(result, spec, Path(args.out), plot=not args.no_plot)
    print(f"replayed {summary['events']:,} events of {summary['users']:,} users in {summary['seconds']:.1f} s "
          f"({summary['events_per_second']:,} events/s); late events dropped: {summary['late_events_dropped']}")
    for tid, n in summary["firings"].items():
        print(f"  {tid}: {n:,} firings, {summary['users_fired'][tid]:,} users")
    plotted = ", counts_by_day.png" if summary["plot"] else ("" if args.no_plot else " (no plot: pip install 'finlite[bench]' for matplotlib)")
    print(f"wrote {args.out}/firings.jsonl, counts_by_day.csv, summary.json{plotted}")
    return 0


def add_triggers_parser(sub, fmt) -> None:
    """The ``triggers`` command group."""
    trig = sub.add_parser("triggers", help="check trigger specs and replay them over an events file", epilog=EPILOG_TRIGGERS, formatter_class=fmt)
    trig_sub = trig.add_subparsers(dest="triggers_command", required=True, metavar="COMMAND")
    check = trig_sub.add_parser("check", help="check a trigger spec against a data schema", epilog=EPILOG_TRIGGERS, formatter_class=fmt)
    check.add_argument("spec", help="trigger spec (finlite.triggers/1 JSON)")
    check.add_argument("--schema", required=True, help="the data schema (schema.json)")
    check.set_defaults(func=_cmd_check)
    replay = trig_sub.add_parser("replay", help="replay an events file through a trigger spec", epilog=EPILOG_TRIGGERS, formatter_class=fmt)
    replay.add_argument("--spec", required=True, help="trigger spec (finlite.triggers/1 JSON)")
    replay.add_argument("--events", required=True, help="events file (.csv or .parquet)")
    replay.add_argument("--out", required=True, help="folder for firings.jsonl, counts_by_day.csv, summary.json, the plot")
    replay.add_argument("--schema", help="data schema (default: the bundle's, else schema.json beside the events)")
    replay.add_argument("--bundle", help="profile bundle: its scores feed model conditions")
    replay.add_argument("--users", help="user attributes file for the bundle's encoder")
    replay.add_argument("--score-every-hours", type=float, default=24.0, help="scoring cadence with --bundle (default 24 h)")
    replay.add_argument("--format", default="tflite", help="artifact format with --bundle (default tflite)")
    replay.add_argument("--precision", default="fp32", help="artifact precision with --bundle (default fp32)")
    replay.add_argument("--no-plot", action="store_true", help="skip counts_by_day.png")
    replay.add_argument("--no-progress", action="store_true", help="no progress bar")
    replay.set_defaults(func=_cmd_replay)
