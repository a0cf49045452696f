"""Profile training from encoded shards (``finlite train profile --shards DIR``, docs/scale.md).

The shards (``finlite encode``) carry the spec they were encoded with, so the run uses exactly that spec —
its schema, window and normalisation — and never sees a raw event. The inputs stay memory-mapped: the
training split holds only a row index (:class:`~finlite.data.shards.RowView`). Under ``torchrun`` shard *i*
belongs to process *i* mod *world*, and each process trains on the training users of its own shards; the
validation and evaluation users (a small share) are read by every process, so all of them choose the same
epoch. Without raw events there is no HistGradientBoosting baseline nor distillation from it.
"""

from __future__ import annotations

from typing import Any

from ..errors import FinliteError
from .base import ArraySplit, Log, Prepared
from .profile import ProfileTrainConfig


def _rank_world() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def prepare_from_shards(task, config: ProfileTrainConfig, data: dict[str, Any], log: Log) -> Prepared:
    from ..data.profile_features import ProfileEncoder
    from ..data.profile_spec import ProfileSpec
    from ..data.schema_json import read_schema
    from ..data.shards import read_shards, read_shards_doc, shard_rows
    from .profile_training import prepared_profile, pretrained_spec, profile_targets, split_labelled_users

    folder = data["shards"]
    doc, spec_json = read_shards_doc(folder)
    try:
        spec = ProfileSpec.from_json(spec_json)
    except ValueError as exc:
        raise FinliteError(f"{folder}/spec.json: {exc}") from None
    pretrained = pretrained_spec(config, data)
    if pretrained is not None and pretrained.to_json() != spec.to_json():
        raise FinliteError(f"{folder}: encoded with another spec than {data['init']} was pretrained with "
                           f"(encode with --spec {data['init']}/spec.json)")
    if data.get("schema") and read_schema(data["schema"]).to_json() != spec.schema.to_json():
        raise FinliteError(f"{data['schema']}: not the schema the shards in {folder} were encoded with (leave out --schema to use theirs)")
    as_of_ms = int(doc["as_of_ms"])
    if data.get("as_of_ms") is not None and int(data["as_of_ms"]) != as_of_ms:
        raise FinliteError(f"--as-of differs from the shards' as_of_ms {as_of_ms} (they were encoded at that time)")
    if config.max_events != spec.max_events:
        log(f"the shards were encoded with windows of {spec.max_events} events: the model reads those (max_events applies to finlite encode)")
    labels, fit_users, val_users, held = split_labelled_users(config, data, spec.schema, log)
    shards = read_shards(folder)
    rank, world = _rank_world()
    owned = [{u for i, s in enumerate(shards) if i % world == r for u in s.users} for r in range(world)]
    per_rank = [[u for u in fit_users if u in owned[r]] for r in range(world)]
    if world > 1:
        log(f"{len(shards)} shards over {world} processes: training users per process {[len(p) for p in per_rank]}")
        if not all(per_rank):
            raise FinliteError(f"{folder}: a process has no training users in its shards; encode into more partitions "
                               f"than processes ({len(shards)} shards for {world})")
    train_users = per_rank[rank]
    eval_users = held or val_users
    train = ArraySplit(shard_rows(shards, train_users), profile_targets(labels.subset(train_users)), local=world > 1)
    val = ArraySplit(shard_rows(shards, val_users), profile_targets(labels.subset(val_users)))
    evaluation = ArraySplit(shard_rows(shards, eval_users), profile_targets(labels.subset(eval_users)))
    record = {"shards": str(folder), "events": None, "users": None, "train_users_per_process": [len(p) for p in per_rank]}
    return prepared_profile(task, config, ProfileEncoder(spec), (train, val, evaluation), data, record, as_of_ms,
                            {"events": None, "attrs": None, "n_events": doc.get("events"), "labels": labels, "held": held,
                             "fit_users": fit_users, "val_users": val_users})
