"""``finlite encode``: every user's events and attributes encoded into NumPy shards (docs/scale.md) — with a
profile bundle's spec (to score), a spec file (to share one spec between partitions encoded apart), or a
spec fitted here on the data with a schema (to train: ``finlite train profile --shards``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

EPILOG_ENCODE = """examples:
  finlite encode --bundle bundles/profile --events data/events.parquet --users data/users.parquet --out shards/ --partitions 8
  finlite encode --schema schema.json --events data/events.parquet --users data/users.parquet --out train-shards/ --partitions 8
  finlite encode --spec train-shards/spec.json --events more/events.parquet --users more/users.parquet --out more-shards/
"""


def _spec_source(args: argparse.Namespace):
    """``(schema, make_encoder(events, attrs, as_of_ms))`` from exactly one of --bundle / --spec / --schema:
    the schema loads the files, the encoder is the bundle's, the spec file's, or fitted on the loaded data."""
    import json

    from .data.profile_features import ProfileEncoder
    from .data.profile_normalisation import fit_normalisation
    from .data.profile_spec import ProfileSpec
    from .data.schema_json import read_schema
    from .errors import FinliteError
    from .runtime.bundle import Bundle

    given = [name for name in ("bundle", "spec", "schema") if getattr(args, name)]
    if len(given) != 1:
        raise FinliteError("finlite encode takes exactly one of --bundle, --spec or --schema")
    if args.schema:
        schema = read_schema(Path(args.schema))
        base = ProfileSpec(schema=schema, max_events=args.max_events, utc_offset_minutes=args.utc_offset_minutes)
        return schema, lambda events, attrs, as_of_ms: ProfileEncoder(fit_normalisation(events, attrs, as_of_ms, base))
    if args.bundle:
        bundle = Bundle(Path(args.bundle))
        if not isinstance(bundle.encoder, ProfileEncoder):
            raise FinliteError(f"{args.bundle} is a {bundle.task.name} bundle; finlite encode needs a profile bundle (events → tensors)")
        encoder = bundle.encoder
    else:
        try:
            encoder = ProfileEncoder(ProfileSpec.from_json(json.loads(Path(args.spec).read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError and the spec's own checks are ValueErrors
            raise FinliteError(f"{args.spec}: {exc}") from None
    return encoder.spec.schema, lambda *_: encoder


def _cmd_encode(args: argparse.Namespace) -> int:
    from .data.events import load_attributes, load_events
    from .data.shards import write_shards
    from .tasks.profile import as_of_option

    schema, make_encoder = _spec_source(args)
    start = time.perf_counter()
    events = load_events(Path(args.events), schema)
    attrs = load_attributes(Path(args.users), schema) if args.users else None
    as_of = as_of_option(args.as_of) if args.as_of else int(events.ts_ms.max()) + 1
    users = sorted(set(events.user_ids) | set(attrs.user_ids if attrs is not None else []))
    doc = write_shards(Path(args.out), make_encoder(events, attrs, as_of), events, attrs, users, as_of, args.partitions, overwrite=args.force)
    seconds = time.perf_counter() - start
    print(f"encoded {len(users):,} users ({len(events):,} events) into {doc['partitions']} shards in {args.out} "
          f"({seconds:.1f} s, {len(events) / max(seconds, 1e-9):,.0f} events/s)")
    return 0


def add_encode_parser(sub, fmt) -> None:
    from .tasks.profile import ProfileTrainConfig

    defaults = ProfileTrainConfig()
    encode = sub.add_parser("encode", help="encode every user's events into NumPy shards (to score with a bundle, or to train from)",
                            epilog=EPILOG_ENCODE, formatter_class=fmt)
    spec = encode.add_argument_group("the spec (exactly one)")
    spec.add_argument("--bundle", help="a profile bundle: its preprocess.json is the spec")
    spec.add_argument("--spec", help="a finlite.profile/2 spec file, e.g. the spec.json of earlier shards")
    spec.add_argument("--schema", help="a schema.json: the spec is fitted here on these events (numeric normalisation), to train from")
    encode.add_argument("--max-events", type=int, default=defaults.max_events, help=f"with --schema: the window (default {defaults.max_events})")
    encode.add_argument("--utc-offset-minutes", type=int, default=defaults.utc_offset_minutes,
                        help=f"with --schema: the local time of hour-of-day features (default {defaults.utc_offset_minutes})")
    encode.add_argument("--events", required=True, help="events file (.csv or .parquet)")
    encode.add_argument("--users", help="user attributes file")
    encode.add_argument("--out", required=True, help="folder for shard-NNNNN/, spec.json and shards.json")
    encode.add_argument("--partitions", type=int, default=1, help="shards, by a stable hash of the user id (default 1)")
    encode.add_argument("--as-of", help="prediction time (ISO 8601 or epoch ms; default: just after the last event)")
    encode.add_argument("--force", action="store_true", help="replace existing shards")
    encode.set_defaults(func=_cmd_encode)
