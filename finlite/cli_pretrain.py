"""``finlite pretrain profile``: self-supervised pretraining of a profile network's sequence encoder on
unlabelled users (docs/pretraining.md); ``finlite train profile --init`` fine-tunes from it."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG_PRETRAIN = """examples:
  finlite pretrain profile --schema schema.json --events all/events.parquet --users all/users.parquet --out runs/pretrained
  finlite pretrain profile … --out runs/pretrained --set epochs=20 batch_size=512 temperature=0.2
  finlite train profile --init runs/pretrained --events labelled/events.parquet --users labelled/users.parquet --labels labelled/labels.parquet --out runs/profile
"""


def _cmd_pretrain(args: argparse.Namespace) -> int:
    from .errors import FinliteError
    from .tasks.config import apply_overrides
    from .tasks.profile import as_of_option
    from .tasks.profile_pretrain import PRETRAIN_DOC, PretrainConfig
    from .training.pretrain_run import pretrain_run

    out = Path(args.out)
    if (out / PRETRAIN_DOC).exists() and not (args.force or args.resume):
        raise FinliteError(f"{out} already holds a pretraining (pass --force to replace it, or --resume)")
    config = apply_overrides(PretrainConfig(), args.set or [])
    data = {"events": Path(args.events), "users": Path(args.users), "schema": Path(args.schema) if args.schema else None,
            "as_of_ms": as_of_option(args.as_of) if args.as_of else None}
    doc = pretrain_run(config, data, out, resume=args.resume)
    last = doc["history"][-1]
    print(f"pretrained {doc['model']} on {doc['data']['n_users']:,} users in {doc['seconds']:.0f} s (contrastive loss "
          f"{doc['history'][0]['loss']:.3f} → {last['loss']:.3f}); written to {out}/; next: finlite train profile --init {out} …")
    return 0


def add_pretrain_parser(sub, fmt) -> None:
    pretrain = sub.add_parser("pretrain", help="self-supervised pretraining on unlabelled users", epilog=EPILOG_PRETRAIN, formatter_class=fmt)
    tasks = pretrain.add_subparsers(dest="task", required=True, metavar="TASK")
    profile = tasks.add_parser("profile", help="contrastive (CoLES) pretraining of a profile network's event-sequence encoder",
                               epilog=EPILOG_PRETRAIN, formatter_class=fmt)
    profile.add_argument("--events", required=True, help="events file of the unlabelled (and labelled) users")
    profile.add_argument("--users", required=True, help="user attributes file")
    profile.add_argument("--schema", help="schema.json (finlite schema infer, with the labels file): required")
    profile.add_argument("--as-of", help="snapshot time (ISO 8601 or epoch ms; default: just after the last event)")
    profile.add_argument("--out", required=True, help="folder for encoder.pt, pretrain.json and spec.json")
    profile.add_argument("--set", nargs="+", action="extend", metavar="KEY=VALUE", help="any PretrainConfig field, e.g. epochs=20 temperature=0.2")
    profile.add_argument("--resume", action="store_true", help="continue a killed pretraining in --out")
    profile.add_argument("--force", action="store_true", help="replace a pretraining in --out")
    profile.set_defaults(func=_cmd_pretrain)
