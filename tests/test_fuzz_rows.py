"""Property-based fuzzing (Hypothesis) of the event row parser (load_events / load_attributes) and the labels
loader: generated CSV and Parquet files with broken timestamps, NaN / inf, huge numbers, quotes, NUL bytes,
missing or extra columns and unicode ids. Properties: nothing escapes but finlite's own errors (one line),
the same file loads the same way twice, and a loaded table keeps its invariants. A quick run in make test;
10,000 examples each with ``pytest -m fuzz_full``."""

from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finlite.data.events import load_attributes, load_events
from finlite.data.profile_labels import load_profile_labels
from finlite.data.synth.vocabulary import synthetic_schema
from finlite.errors import FinliteError

QUICK, FULL = 150, 10_000
SCHEMA = synthetic_schema()
FUZZ = settings(max_examples=QUICK, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ_FULL = settings(max_examples=FULL, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

tricky_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", " ", '"', '""', ",", "\n", "\r\n", "a,b", '"quoted, with comma"', "\x00", "NaN", "nan", "inf", "-inf", "1e400", "-1e308",
     "NULL", "None", "🙂", "客户", "x" * 140_000, "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]
)
timestamps = st.sampled_from(["2026-06-01T08:00:00Z", "2026-06-01 08:00:00", "2026-02-30T00:00:00Z", "1782777600000", "-1", "0",
                              "99999999999999999999", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2026-06-01T08:00:00+25:00",
                              "yesterday", ""]) | st.integers(min_value=-(2**63), max_value=2**63).map(str) | tricky_text
numbers = st.sampled_from(["", "0", "-1", "12.5", "1e308", "1e400", "-1e400", "nan", "inf", "-inf", "1,5", "0x10", "١٢"]) | st.floats().map(repr) | tricky_text


def _cell(column: str):
    if column == SCHEMA.event_timestamp:
        return timestamps
    if column in {f.column for f in SCHEMA.event_fields if f.kind == "numeric"} or column in {f.column for f in SCHEMA.user_fields if f.kind == "numeric"}:
        return numbers
    values = [v for f in (*SCHEMA.event_fields, *SCHEMA.user_fields) if f.column == column for v in f.values[:6]]
    values += list(SCHEMA.labels.stages[:3]) + list(SCHEMA.labels.products[:3]) if column in (SCHEMA.labels.stage, SCHEMA.labels.next_product) else []
    return st.sampled_from(values) | tricky_text if values else tricky_text


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    for line in [header, *rows]:
        out.write(",".join('"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell for cell in line) + "\n")
    return out.getvalue().encode("utf-8", "surrogatepass")


@st.composite
def table_files(draw, columns: list[str], id_column: str) -> tuple[str, bytes]:
    """(suffix, bytes) of a CSV (mostly) or Parquet file near ``columns``: a column may be dropped, renamed or
    doubled; rows hold generated cells; a few files are raw bytes."""
    header = list(columns)
    edit = draw(st.sampled_from(["none"] * 6 + ["drop", "rename", "double", "extra"]))
    if edit == "drop":
        header.remove(draw(st.sampled_from(header)))
    elif edit == "rename":
        i = draw(st.integers(0, len(header) - 1))
        header[i] = header[i].upper() + draw(st.sampled_from(["", " ", "_x"]))
    elif edit == "double":
        header.append(draw(st.sampled_from(header)))
    elif edit == "extra":
        header.append("note")
    users = st.sampled_from(["u1", "u2", "客户3", " u4 ", "u1\t"]) | tricky_text
    rows = draw(st.lists(st.tuples(*[users if c == id_column else _cell(c) for c in header]).map(list), max_size=12))
    if rows and draw(st.booleans()):  # a short row and a long one
        rows[0] = rows[0][:-1]
        rows[-1] = rows[-1] + ["surplus"]
    kind = draw(st.sampled_from(["csv"] * 8 + ["parquet", "bytes"]))
    if kind == "bytes":
        return ".csv", draw(st.binary(max_size=300))
    if kind == "parquet" and len(set(header)) == len(header):
        import pyarrow as pa
        import pyarrow.parquet as pq

        sink = io.BytesIO()
        safe = [[cell.encode("utf-8", "replace").decode("utf-8") for cell in row] for row in rows]
        pq.write_table(pa.table({c: [(r[i] if i < len(r) else "") or None for r in safe] for i, c in enumerate(header)}), sink)
        return ".parquet", sink.getvalue()
    return ".csv", _csv(header, rows)


def _load(loader, suffix: str, raw: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"table{suffix}"
        path.write_bytes(raw)
        try:
            first = loader(path)
        except FinliteError as err:
            message = str(err)
            assert message and "\n" not in message and "Traceback" not in message
            with pytest.raises(FinliteError) as again:
                loader(path)
            assert str(again.value) == message  # deterministic
            return None
        return first, loader(path)


def _event_property(suffix: str, raw: bytes) -> None:
    loaded = _load(lambda p: load_events(p, SCHEMA, chunk_rows=4), suffix, raw)
    if loaded is None:
        return
    table, again = loaded
    offsets = np.asarray(table.offsets)
    assert offsets[0] == 0 and offsets[-1] == len(table.ts_ms) and (np.diff(offsets) > 0).all()
    for u in range(len(table.user_ids)):
        ts = table.ts_ms[offsets[u] : offsets[u + 1]]
        assert (np.diff(ts) >= 0).all()  # sorted by time within each user
    for f in SCHEMA.event_fields:
        if f.kind == "categorical":
            ids = table.cats[f.name]
            assert ids.min(initial=0) >= 0 and ids.max(initial=0) < len(f.values) + 2
        else:
            assert not np.isinf(table.nums[f.name]).any()  # missing is NaN, never ±inf
    assert table.user_ids == again.user_ids and np.array_equal(table.ts_ms, again.ts_ms)
    assert all(np.array_equal(table.cats[k], again.cats[k]) for k in table.cats)
    assert all(np.array_equal(table.nums[k], again.nums[k], equal_nan=True) for k in table.nums)


def _attribute_property(suffix: str, raw: bytes) -> None:
    loaded = _load(lambda p: load_attributes(p, SCHEMA), suffix, raw)
    if loaded is None:
        return
    table, again = loaded
    assert len(set(table.user_ids)) == len(table.user_ids) and table.user_ids == again.user_ids
    for name, values in table.nums.items():
        assert not np.isinf(values).any() and np.array_equal(values, again.nums[name], equal_nan=True)


def _labels_property(suffix: str, raw: bytes) -> None:
    loaded = _load(lambda p: load_profile_labels(p, SCHEMA), suffix, raw)
    if loaded is None:
        return
    labels, again = loaded
    lab = SCHEMA.labels
    assert labels.lifecycle.min() >= 0 and labels.lifecycle.max() < len(lab.stages)
    assert labels.next_product.min() >= -1 and labels.next_product.max() < len(lab.products)
    assert labels.tags.shape == (len(labels.user_ids), len(lab.tags)) and ((labels.tags >= 0) & (labels.tags <= 1)).all()
    assert all(math.isfinite(v) for v in labels.tags.ravel())
    assert labels.user_ids == again.user_ids and np.array_equal(labels.tags, again.tags)


EVENT_COLUMNS = [SCHEMA.event_user_id, SCHEMA.event_timestamp, *(f.column for f in SCHEMA.event_fields)]
USER_COLUMNS = [SCHEMA.user_user_id, *(f.column for f in SCHEMA.user_fields)]
LABEL_COLUMNS = [SCHEMA.labels.user_id, SCHEMA.labels.stage, SCHEMA.labels.next_product, *(t.column for t in SCHEMA.labels.tags)]
events_files = table_files(EVENT_COLUMNS, SCHEMA.event_user_id)
users_files = table_files(USER_COLUMNS, SCHEMA.user_user_id)
labels_files = table_files(LABEL_COLUMNS, SCHEMA.labels.user_id)


@FUZZ
@given(events_files)
def test_event_rows_fuzz(file):
    _event_property(*file)


@FUZZ
@given(users_files)
def test_attribute_rows_fuzz(file):
    _attribute_property(*file)


@FUZZ
@given(labels_files)
def test_labels_fuzz(file):
    _labels_property(*file)


@pytest.mark.slow
@pytest.mark.fuzz_full
@FUZZ_FULL
@given(events_files)
def test_event_rows_fuzz_full(file):
    _event_property(*file)


@pytest.mark.slow
@pytest.mark.fuzz_full
@FUZZ_FULL
@given(users_files)
def test_attribute_rows_fuzz_full(file):
    _attribute_property(*file)


@pytest.mark.slow
@pytest.mark.fuzz_full
@FUZZ_FULL
@given(labels_files)
def test_labels_fuzz_full(file):
    _labels_property(*file)


def test_regression_a_cell_over_the_csv_field_limit_is_a_data_error(tmp_path):
    """Found by test_labels_fuzz: the csv module's field limit escaped as _csv.Error."""
    lab = SCHEMA.labels
    path = tmp_path / "labels.csv"
    path.write_text(",".join([lab.user_id, lab.stage, lab.next_product, *(t.column for t in lab.tags)]) + "\n"
                    + "u1," + "x" * 200_000 + ",," + ",".join(["0.5"] * len(lab.tags)) + "\n", encoding="utf-8")
    with pytest.raises(FinliteError, match="not a readable CSV after row 0: field larger than field limit"):
        load_profile_labels(path, SCHEMA)


def test_regression_a_number_beyond_float32_is_a_data_error(tmp_path):
    """Found by test_attribute_rows_fuzz: 1e308 became inf in the float32 tables."""
    path = tmp_path / "users.csv"
    path.write_bytes(b"user_id,age,risk_level,tenure_days,holdings,aum_bucket\nu1,,1,1e308,fund_equity,<10k\n")
    with pytest.raises(FinliteError, match=r"row 1, field 'tenure_days': '1e308' is not finite or beyond the float32 range"):
        load_attributes(path, SCHEMA)
