"""Encoding that scales out: 4 partitions give exactly the tensors of one; ranks read their own shards."""

from __future__ import annotations

import numpy as np
import pytest

from finlite.data.events import load_attributes, load_events
from finlite.data.profile_features import ProfileEncoder
from finlite.data.profile_normalisation import fit_normalisation
from finlite.data.profile_spec import ProfileSpec
from finlite.data.shards import partition_of, read_shards, write_shards
from finlite.data.synth.profile import generate_population, write_population
from finlite.data.synth.vocabulary import synthetic_schema
from finlite.errors import FinliteError


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    pop = generate_population(300, seed=9)
    paths = write_population(pop, tmp_path_factory.mktemp("shards"))
    schema = synthetic_schema()
    events, attrs = load_events(paths["events"], schema), load_attributes(paths["users"], schema)
    spec = fit_normalisation(events, attrs, pop.as_of_ms, ProfileSpec(schema=schema, max_events=32))
    return ProfileEncoder(spec), events, attrs, sorted(set(events.user_ids) | set(attrs.user_ids)), pop.as_of_ms, paths


def _by_user(shards) -> dict[str, tuple]:
    return {u: tuple(np.asarray(a[i]) for a in s.inputs) for s in shards for i, u in enumerate(s.users)}


def test_four_partitions_equal_one(tables, tmp_path):
    encoder, events, attrs, users, as_of, paths = tables
    write_shards(tmp_path / "one", encoder, events, attrs, users, as_of, 1)
    doc = write_shards(tmp_path / "four", encoder, events, attrs, users, as_of, 4)
    assert sum(s["users"] for s in doc["shards"]) == len(users) and all(s["users"] > 0 for s in doc["shards"])
    one, four = _by_user(read_shards(tmp_path / "one")), _by_user(read_shards(tmp_path / "four"))
    assert set(one) == set(four) == set(users)
    for user in users:
        for a, b in zip(one[user], four[user]):
            np.testing.assert_array_equal(a, b)
    whole = encoder.encode(events, attrs, users, as_of)  # and both equal encoding all users at once
    np.testing.assert_array_equal(np.stack([one[u][0] for u in users]), whole.cat)
    np.testing.assert_array_equal(np.stack([one[u][2] for u in users]), whole.static)


def test_each_rank_reads_its_own_shards(tables, tmp_path):
    encoder, events, attrs, users, as_of, paths = tables
    write_shards(tmp_path / "s", encoder, events, attrs, users, as_of, 5)
    ranks = [read_shards(tmp_path / "s", rank, 2) for rank in range(2)]
    assert [len(r) for r in ranks] == [3, 2]
    seen = [u for r in ranks for s in r for u in s.users]
    assert sorted(seen) == users and len(set(seen)) == len(seen)
    assert isinstance(ranks[0][0].inputs[0], np.memmap)  # memory-mapped, not loaded
    assert all(partition_of(u, 5) == 1 for u in ranks[1][0].users)  # shard 1 → rank 1
    with pytest.raises(FinliteError, match="already holds shards"):
        write_shards(tmp_path / "s", encoder, events, attrs, users, as_of, 5)
    (tmp_path / "s" / "shard-00000" / "users.txt").write_text("x\n")
    with pytest.raises(FinliteError, match="does not match shards.json"):
        read_shards(tmp_path / "s")
    with pytest.raises(FinliteError, match="no shards.json"):
        read_shards(tmp_path / "nothing")


def test_partition_is_stable():
    assert [partition_of(u, 7) for u in ("u000001", "客户42", "")] == [partition_of(u, 7) for u in ("u000001", "客户42", "")]
    assert partition_of("u000001", 1) == 0


def test_a_partitions_arrow_rows_encode_like_the_whole_file(tables, tmp_path):
    """encode_arrow is what a mapInPandas / map_batches step runs on one partition's rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    from finlite.data.shards import encode_arrow

    encoder, events, attrs, users, as_of, paths = tables
    ev_table, us_table = pcsv.read_csv(paths["events"]), pcsv.read_csv(paths["users"])
    mine = pa.array([u for u in users if partition_of(u, 3) == 2])
    ids, (cat, num, static) = encode_arrow(ev_table.filter(pc.is_in(ev_table["user_id"], mine)),
                                            us_table.filter(pc.is_in(us_table["user_id"], mine)), encoder, as_of)
    assert ids == sorted(mine.to_pylist())
    whole = encoder.encode(events, attrs, ids, as_of)
    np.testing.assert_array_equal(cat, whole.cat)
    np.testing.assert_array_equal(num, whole.num)
    np.testing.assert_array_equal(static, whole.static)
