"""Batch scoring for data teams: ``finlite predict --bundle B --events E --users U --out scores.parquet``.

Every user (of the events and users files, or of ``--user-list``) is scored in chunks — encode, run the
bundle's artifact, decode — and each chunk is appended to the output as soon as it is done, so memory holds
the loaded tables plus one chunk, whatever the number of users. Columns (names from the bundle's labels):
``user_id``, ``stage``, ``stage:<stage>`` (probabilities), ``tag:<tag>``, ``buy`` = P(buys anything) and
``propensity:<product>`` = P(buys) × P(product | buys) for every product.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import FinliteError
from .profile import HEADS

CHUNK_USERS = 2048


def read_user_list(path: Path) -> list[str]:
    """One user id per line (blank lines and surrounding spaces ignored)."""
    if not path.is_file():
        raise FinliteError(f"{path}: user list not found")
    users = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    if not users:
        raise FinliteError(f"{path}: no user ids (one per line)")
    return users


class _Writer:
    """Appends column batches to a .parquet (one row group per chunk) or .csv file."""

    def __init__(self, path: Path, columns: list[str]):
        import pyarrow as pa

        self.path, self.columns = path, columns
        self.schema = pa.schema([(c, pa.string() if c in ("user_id", "stage") else pa.float32()) for c in columns])
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            self.writer = pq.ParquetWriter(path, self.schema)
        elif path.suffix.lower() == ".csv":
            import pyarrow.csv as pcsv

            self.writer = pcsv.CSVWriter(path, self.schema)
        else:
            raise FinliteError(f"{path}: scores are written as .parquet or .csv")

    def write(self, data: dict[str, Sequence]) -> None:
        import pyarrow as pa

        self.writer.write_table(pa.table({c: data[c] for c in self.columns}, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def score_users(bundle, events, attrs, users: list[str], as_of_ms: int, out: Path, *, format: str = "tflite",
                precision: str = "fp32", chunk: int = CHUNK_USERS, progress: bool = True) -> dict:
    """Score ``users`` into ``out``; returns ``{"users", "seconds", "users_per_second", "file"}``."""
    from tqdm.auto import tqdm

    from .profile_outputs import head_probabilities

    post = bundle.postprocess
    heads = post["heads"]
    layout = {h: heads[h]["columns"] for h in HEADS}
    stages, tags, products = heads["lifecycle"]["labels"], heads["tags"]["labels"], heads["products"]["labels"]
    columns = ["user_id", "stage", *(f"stage:{s}" for s in stages), *(f"tag:{t}" for t in tags), "buy", *(f"propensity:{p}" for p in products)]
    runner = bundle.runner(bundle.artifact(format, precision)["file"])
    writer = _Writer(out, columns)
    start = time.perf_counter()
    try:
        with tqdm(total=len(users), unit="user", desc=f"scoring {Path(bundle.dir).name}", disable=not progress) as bar:
            for first in range(0, len(users), chunk):
                part = users[first : first + chunk]
                life, tag_scores, buy, product_probs = head_probabilities(runner.run(*bundle.encode(events, attrs, part, as_of_ms)), layout)
                data: dict[str, Sequence] = {"user_id": part, "stage": [stages[i] for i in life.argmax(axis=1)], "buy": buy.astype(np.float32)}
                data.update({f"stage:{s}": life[:, j].astype(np.float32) for j, s in enumerate(stages)})
                data.update({f"tag:{t}": tag_scores[:, j].astype(np.float32) for j, t in enumerate(tags)})
                propensity = (buy[:, None] * product_probs).astype(np.float32)
                data.update({f"propensity:{p}": propensity[:, j] for j, p in enumerate(products)})
                writer.write(data)
                bar.update(len(part))
    except BaseException:
        writer.close()
        out.unlink(missing_ok=True)  # never leave a half-written score file behind
        raise
    writer.close()
    seconds = time.perf_counter() - start
    return {"users": len(users), "seconds": seconds, "users_per_second": len(users) / max(seconds, 1e-9), "file": str(out)}


def batch_lines(bundle, args, events, attrs, as_of_ms: int) -> list[str]:
    """``finlite predict … --out FILE``: every user (or ``--user-list``) scored into FILE."""
    out = Path(args.out)
    if out.exists() and not args.force:
        raise FinliteError(f"{out} already exists (pass --force to replace it)")
    if args.user_list:
        users = read_user_list(Path(args.user_list))
    elif args.user:
        users = list(args.user)
    else:
        users = sorted(set(events.user_ids) | set(attrs.user_ids if attrs is not None else []))
    out.parent.mkdir(parents=True, exist_ok=True)
    report = score_users(bundle, events, attrs, users, as_of_ms, out, format=args.format, precision=args.precision)
    return [f"scored {report['users']:,} users into {out} ({report['seconds']:.1f} s, {report['users_per_second']:,.0f} users/s, "
            f"{args.format} {args.precision})"]
