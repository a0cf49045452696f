"""Encoding as a map over user partitions, with local processes standing in for Spark / Ray workers.

    python benchmarks/encode_scale.py --bundle B --events E.parquet --users U.parquet --partitions 8 --workers 2 \
        [--replicate K] [--out DIR]

Each worker reads only its partition's rows (a filter on a stable hash of the user id), calls
``finlite.data.shards.encode_arrow`` — the function a ``mapInPandas`` step would call — and saves its shard.
``--replicate K`` copies every user K times under new ids (to reach 10M events from a smaller population).
Prints events/s over the whole map and the peak RSS of the largest worker (docs/scale.md).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _replicated(path: Path, copies: int, out: Path, id_column: str) -> Path:
    """The file with every user repeated ``copies`` times (ids suffixed ``~k``)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    parts = [table.set_column(table.column_names.index(id_column), id_column,
                              pc.binary_join_element_wise(table[id_column].cast(pa.string()), pa.scalar(f"~{k}"), "")) for k in range(copies)]
    pq.write_table(pa.concat_tables(parts), out)
    return out


def _encode_partition(job: tuple) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from finlite.data.shards import encode_arrow, partition_of
    from finlite.runtime.bundle import Bundle

    bundle_dir, events_path, users_path, index, partitions, as_of, out = job
    bundle = Bundle(Path(bundle_dir))
    schema = bundle.encoder.spec.schema

    def mine(path: str, column: str) -> pa.Table:
        table = pq.read_table(path)
        encoded = table[column].cast(pa.string()).combine_chunks().dictionary_encode()
        part = np.array([partition_of(u, partitions) for u in encoded.dictionary.to_pylist()], dtype=np.int64)  # once per user
        keep = part[encoded.indices.to_numpy(zero_copy_only=False)] == index
        return table.filter(pa.array(keep))

    start = time.perf_counter()
    events = mine(events_path, schema.event_user_id)
    users = mine(users_path, schema.user_user_id)
    ids, arrays = encode_arrow(events, users, bundle.encoder, as_of)
    if out:
        folder = Path(out) / f"shard-{index:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in zip(("cat", "num", "static"), arrays):
            np.save(folder / f"{name}.npy", array)
    return {"partition": index, "events": events.num_rows, "users": len(ids), "seconds": time.perf_counter() - start,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--events", required=True, help=".parquet")
    parser.add_argument("--users", required=True, help=".parquet")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replicate", type=int, default=1)
    parser.add_argument("--out", help="write the shards here (default: encode only)")
    args = parser.parse_args()

    import pyarrow.parquet as pq

    from finlite.runtime.bundle import Bundle

    schema = Bundle(Path(args.bundle)).encoder.spec.schema
    events, users = Path(args.events), Path(args.users)
    if args.replicate > 1:
        work = Path(args.out or "/tmp") / f"replicated-x{args.replicate}"
        work.mkdir(parents=True, exist_ok=True)
        events = _replicated(events, args.replicate, work / "events.parquet", schema.event_user_id)
        users = _replicated(users, args.replicate, work / "users.parquet", schema.user_user_id)
    from finlite.data.timestamps import parse_timestamps

    stamps, _, _ = parse_timestamps(pq.read_table(events, columns=[schema.event_timestamp])[schema.event_timestamp].combine_chunks())
    as_of = int(stamps.max()) + 1
    jobs = [(args.bundle, str(events), str(users), i, args.partitions, as_of, args.out) for i in range(args.partitions)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(_encode_partition, jobs))
    seconds = time.perf_counter() - start
    total = sum(r["events"] for r in results)
    print(json.dumps({"events": total, "users": sum(r["users"] for r in results), "partitions": args.partitions, "workers": args.workers,
                      "seconds": round(seconds, 1), "events_per_second": round(total / seconds),
                      "max_worker_peak_rss_mb": round(max(r["peak_rss_mb"] for r in results))}, indent=1))


if __name__ == "__main__":
    main()
