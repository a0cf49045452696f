"""``finlite schema infer`` and ``finlite schema check``: the data schema of profile models (docs/schema.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG_SCHEMA = """examples:
  finlite schema infer --events data/events.csv --users data/users.csv --labels data/labels.csv --out schema.json
  finlite schema infer … --event-column action --stages prospect,new,active,lapsed --max-values 500 --out schema.json
  finlite schema check schema.json
  finlite train profile --schema schema.json --events … --users … --labels … --out runs/profile
"""


def _cmd_infer(args: argparse.Namespace) -> int:
    from .data.schema_infer import InferOptions, infer_schema
    from .data.schema_json import write_schema

    options = InferOptions(
        user_id=args.user_id_column or "", timestamp=args.timestamp_column or "", event=args.event_column or "",
        stage=args.stage_column or "", next_product=args.next_product_column or "", no_purchase=args.no_purchase,
        stages=tuple(s.strip() for s in args.stages.split(",") if s.strip()) if args.stages else (),
        max_values=args.max_values, min_count=args.min_count,
    )
    schema, notes = infer_schema(args.events, args.users, args.labels, options)
    path = write_schema(schema, Path(args.out), overwrite=args.force)
    for note in notes:
        print(note)
    print(f"wrote {path}; edit it (docs/schema.md), then: finlite train profile --schema {path} …")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .data.schema_json import read_schema

    schema = read_schema(args.schema)
    print(f"{args.schema}: ok ({len(schema.event_fields)} event fields, {len(schema.user_fields)} user fields, "
          f"{len(schema.labels.stages)} stages, {len(schema.labels.tags)} tags, {len(schema.labels.products)} products)")
    return 0


def add_schema_parser(sub, fmt) -> None:
    """The ``schema`` command group."""
    schema = sub.add_parser("schema", help="infer or check the data schema of profile models", epilog=EPILOG_SCHEMA, formatter_class=fmt)
    schema_sub = schema.add_subparsers(dest="schema_command", required=True, metavar="COMMAND")
    infer = schema_sub.add_parser("infer", help="write schema.json from events, users and labels files", epilog=EPILOG_SCHEMA, formatter_class=fmt)
    infer.add_argument("--events", required=True, help="events file (.csv or .parquet)")
    infer.add_argument("--users", required=True, help="user attributes file (.csv or .parquet)")
    infer.add_argument("--labels", required=True, help="labels file (.csv or .parquet)")
    infer.add_argument("--out", required=True, help="schema file to write")
    infer.add_argument("--user-id-column", help="the user id column (default: user_id, uid, customer_id, …)")
    infer.add_argument("--timestamp-column", help="the events' time column (default: timestamp, ts, time, …)")
    infer.add_argument("--event-column", help="the event-name column (default: event_type, event, action, … or the first categorical)")
    infer.add_argument("--stage-column", help="the labels' stage column (default: lifecycle, stage)")
    infer.add_argument("--next-product-column", help="the labels' next-product column (default: next_product)")
    infer.add_argument("--no-purchase", default="none", help="the next-product value meaning 'bought nothing' (default: none; empty too)")
    infer.add_argument("--stages", help="declared stage order, comma-separated (default: by frequency)")
    infer.add_argument("--max-values", type=int, default=1000, help="largest vocabulary per field (the rarest values beyond map to OOV)")
    infer.add_argument("--min-count", type=int, default=1, help="rows a value needs to enter the vocabulary")
    infer.add_argument("--force", action="store_true", help="replace an existing schema file")
    infer.set_defaults(func=_cmd_infer)
    check = schema_sub.add_parser("check", help="read a schema file and report the first problem", formatter_class=fmt)
    check.add_argument("schema", help="schema.json")
    check.set_defaults(func=_cmd_check)
