"""``finlite encode``: a profile bundle's encoder over every user, written as NumPy shards (docs/scale.md)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

EPILOG_ENCODE = """examples:
  finlite encode --bundle bundles/profile --events data/events.parquet --users data/users.parquet --out shards/ --partitions 8
"""


def _cmd_encode(args: argparse.Namespace) -> int:
    from .data.events import load_attributes, load_events
    from .data.profile_features import ProfileEncoder
    from .data.shards import write_shards
    from .errors import FinliteError
    from .runtime.bundle import Bundle
    from .tasks.profile import as_of_option

    bundle = Bundle(Path(args.bundle))
    if not isinstance(bundle.encoder, ProfileEncoder):
        raise FinliteError(f"{args.bundle} is a {bundle.task.name} bundle; finlite encode needs a profile bundle (events → tensors)")
    schema = bundle.encoder.spec.schema
    start = time.perf_counter()
    events = load_events(Path(args.events), schema)
    attrs = load_attributes(Path(args.users), schema) if args.users else None
    as_of = as_of_option(args.as_of) if args.as_of else int(events.ts_ms.max()) + 1
    users = sorted(set(events.user_ids) | set(attrs.user_ids if attrs is not None else []))
    doc = write_shards(Path(args.out), bundle.encoder, events, attrs, users, as_of, args.partitions, overwrite=args.force)
    seconds = time.perf_counter() - start
    print(f"encoded {len(users):,} users ({len(events):,} events) into {doc['partitions']} shards in {args.out} "
          f"({seconds:.1f} s, {len(events) / max(seconds, 1e-9):,.0f} events/s)")
    return 0


def add_encode_parser(sub, fmt) -> None:
    encode = sub.add_parser("encode", help="encode every user with a profile bundle's spec into NumPy shards", epilog=EPILOG_ENCODE, formatter_class=fmt)
    encode.add_argument("--bundle", required=True, help="profile bundle (its preprocess.json is the spec)")
    encode.add_argument("--events", required=True, help="events file (.csv or .parquet)")
    encode.add_argument("--users", help="user attributes file")
    encode.add_argument("--out", required=True, help="folder for shard-NNNNN/ and shards.json")
    encode.add_argument("--partitions", type=int, default=1, help="shards, by a stable hash of the user id (default 1)")
    encode.add_argument("--as-of", help="prediction time (ISO 8601 or epoch ms; default: just after the last event)")
    encode.add_argument("--force", action="store_true", help="replace existing shards")
    encode.set_defaults(func=_cmd_encode)
