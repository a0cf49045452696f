"""Event and attribute tables: parsing, validation errors, OOV/missing accounting, sorting, formats, scale."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.csv as pcsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from finlite.data import events as events_module  # noqa: E402
from finlite.data.schema import MISSING_ID as PAD_ID  # noqa: E402
from finlite.data.schema import OOV_ID  # noqa: E402
from finlite.data.synth.vocabulary import AUM_BUCKETS, EVENT_TYPES, OFFERABLE_PRODUCTS, PAGES, PRODUCTS, synthetic_schema  # noqa: E402
from finlite.data.loaders import DataError  # noqa: E402
from finlite.data.row_checks import RowDataError  # noqa: E402
from finlite.data.tables import AttributeTable, EventTable, LoadReport  # noqa: E402

SCHEMA = synthetic_schema()  # the synthetic bank's schema: these tests are about parsing, not names
EVENT_COLUMNS = ("user_id", "timestamp", "event_type", "page", "product", "amount", "dwell_ms")


def vocabulary(values) -> dict[str, int]:
    return {str(v): 2 + i for i, v in enumerate(values)}


def load_events(path, **kwargs):
    return events_module.load_events(path, SCHEMA, **kwargs)


def load_attributes(path, **kwargs):
    return events_module.load_attributes(path, SCHEMA, **kwargs)


EV = vocabulary(EVENT_TYPES)
PG = vocabulary(PAGES)
PR = vocabulary(PRODUCTS)
AUM = vocabulary(AUM_BUCKETS)
EVENTS_HEADER = ",".join(EVENT_COLUMNS) + "\n"
ATTR_HEADER = "user_id,age,risk_level,tenure_days,holdings,aum_bucket\n"
T0 = 1777624200000  # 2026-05-01T08:30:00Z in epoch ms


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def events_csv(tmp_path: Path, rows: list[str], name: str = "events.csv") -> Path:
    return write(tmp_path, name, EVENTS_HEADER + "".join(r + "\n" for r in rows))


def attrs_csv(tmp_path: Path, rows: list[str], name: str = "attrs.csv") -> Path:
    return write(tmp_path, name, ATTR_HEADER + "".join(r + "\n" for r in rows))


def csv_to_parquet(csv_path: Path, parquet_path: Path) -> Path:
    """The same cells as a Parquet file of string columns."""
    names = pcsv.open_csv(csv_path).schema.names
    table = pcsv.read_csv(
        csv_path,
        convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False),
    )
    pq.write_table(table, parquet_path)
    return parquet_path


def assert_same_events(a: EventTable, b: EventTable) -> None:
    assert a.user_ids == b.user_ids
    for name in ("offsets", "ts_ms", "event_type", "page", "product", "amount", "dwell_ms"):
        x, y = (getattr(t, name) if hasattr(t, name) else {**t.cats, **t.nums}[name] for t in (a, b))
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    for name in ("rows", "users", "oov", "oov_total", "reordered_users", "missing", "skipped"):
        assert getattr(a.report, name) == getattr(b.report, name), name


# --- happy path -----------------------------------------------------------------------------------------


def test_basic_table_layout_and_dtypes(tmp_path):
    path = events_csv(
        tmp_path,
        [
            "u2,2026-05-01T08:30:00Z,login,home,,,1200",
            "u1,2026-05-01T09:00:00Z,purchase,funds,fund_equity,100.5,3000",
            "u1,2026-05-01T08:00:00Z,page_view,fund_detail,fund_equity,,800",
            "u2,2026-05-01T08:31:00Z,transfer,transfer,none,-20,",
        ],
    )
    t = load_events(path)
    assert t.user_ids == ["u1", "u2"]
    assert len(t) == 4
    assert t.offsets.dtype == np.int64 and t.offsets.tolist() == [0, 2, 4]
    assert t.ts_ms.dtype == np.int64
    for name in ("event_type", "page", "product"):
        assert t.cats[name].dtype == np.int32
    assert t.nums["amount"].dtype == np.float32 and t.nums["dwell_ms"].dtype == np.float32
    s = t.user_slice("u1")
    assert t.cats["event_type"][s].tolist() == [EV["page_view"], EV["purchase"]]
    assert t.cats["page"][s].tolist() == [PG["fund_detail"], PG["funds"]]
    assert t.cats["product"][s].tolist() == [PR["fund_equity"], PR["fund_equity"]]
    assert np.isnan(t.nums["amount"][s][0]) and t.nums["amount"][s][1] == np.float32(100.5)
    s2 = t.user_slice("u2")
    assert t.cats["product"][s2].tolist() == [PAD_ID, PR["none"]]  # an empty cell is missing; "none" is a value
    assert t.nums["amount"][s2][1] == -20  # outflows kept as is
    assert np.isnan(t.nums["dwell_ms"][s2][1])
    assert t.report.path == str(path) and t.report.rows == 4 and t.report.users == 2
    assert t.report.skipped == 0 and t.report.skipped_examples == []
    assert {k: t.report.missing[k] for k in ("amount", "dwell_ms")} == {"amount": 2, "dwell_ms": 1}
    assert isinstance(t.report, LoadReport)


def test_user_slice_unknown_user_is_a_clear_key_error(tmp_path):
    t = load_events(events_csv(tmp_path, ["u1,1,login,home,,,"]))
    with pytest.raises(KeyError, match=r"user 'nobody' not in events table .*events\.csv \(1 users\)"):
        t.user_slice("nobody")


def test_out_of_order_events_are_sorted_stably_and_counted(tmp_path):
    path = events_csv(
        tmp_path,
        [
            "a,3000,login,home,,1,",  # a: 3000, 1000, 2000, 1000 -> out of order
            "b,1000,login,home,,10,",  # b: in order, with a tie
            "a,1000,page_view,home,,2,",
            "b,1000,logout,home,,11,",
            "a,2000,search,search,,3,",
            "c,5000,login,home,,20,",  # c: out of order
            "c,4000,logout,home,,21,",
            "a,1000,purchase,funds,,4,",
        ],
    )
    t = load_events(path)
    assert t.report.reordered_users == 2  # a and c; b's tie is not a disorder
    a = t.user_slice("a")
    assert t.ts_ms[a].tolist() == [1000, 1000, 2000, 3000]
    assert t.nums["amount"][a].tolist() == [2, 4, 3, 1]  # equal timestamps keep their file order
    b = t.user_slice("b")
    assert t.nums["amount"][b].tolist() == [10, 11]
    assert t.ts_ms[t.user_slice("c")].tolist() == [4000, 5000]
    assert "reordered: 2 users" in t.report.summary()


def test_iso_and_epoch_ms_are_equivalent_and_timezones_are_applied(tmp_path):
    cells = {
        "2026-05-01T08:30:00Z": T0,
        "2026-05-01T08:30:00z": T0,
        "2026-05-01T08:30:00": T0,  # naive = UTC
        "2026-05-01 08:30:00": T0,
        "2026-05-01T08:30:00+00:00": T0,
        "2026-05-01 16:30:00+08:00": T0,
        "2026-05-01T16:30:00+0800": T0,
        "2026-05-01T16:30:00+08": T0,
        "2026-05-01T03:30:00-05:00": T0,
        "2026-05-01T08:30": T0,
        "2026-05-01T08:30:00.250Z": T0 + 250,
        "2026-05-01T08:30:00.5": T0 + 500,
        "2026-05-01T08:30:00.123456789+00:00": T0 + 123,  # sub-millisecond truncated
        "2026-05-01": T0 - (8 * 3600 + 30 * 60) * 1000,
        str(T0): T0,
        str(T0 + 1): T0 + 1,
        "0": 0,
        "2024-02-29T00:00:00Z": 1709164800000,  # leap day
        "1969-12-31T23:59:59Z": -1000,
        "  2026-05-01T08:30:00Z  ": T0,  # surrounding spaces ignored
    }
    rows = [f"u{i:02d},{cell},login,home,,," for i, cell in enumerate(cells)]
    t = load_events(events_csv(tmp_path, rows))
    for i, expected in enumerate(cells.values()):
        assert t.ts_ms[t.user_slice(f"u{i:02d}")].tolist() == [expected], list(cells)[i]


@pytest.mark.parametrize("offsets", [["Z", "", "+08:00", "-05:30", "+0545", "+02"], [" +01:00", "z"]])
def test_fast_and_exact_iso_parsers_agree(monkeypatch, offsets):
    from finlite.data import timestamps

    rng = np.random.default_rng(7)
    ms = rng.integers(-10**12, 4 * 10**12, size=4000)
    cells = []
    for i, text in enumerate(np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms").tolist()):
        text = text[: (23, 19, 16, 13, 10)[i % 5]]  # down to ms, s, min, hour, date only
        text = text.replace("T", " ") if i % 7 == 0 else text
        cells.append(text + (offsets[i % len(offsets)] if len(text) > 10 else ""))
    arr = pa.array(cells)
    exact, exact_ok = timestamps._parse_iso_exact(arr)
    assert exact_ok.all()
    if offsets[0] == "Z":  # forms Arrow parses: the fast path must not fall back
        monkeypatch.setattr(timestamps, "_parse_iso_exact", lambda s: pytest.fail("fell back"))
    fast, fast_ok = timestamps._parse_iso(arr)
    np.testing.assert_array_equal(fast_ok, exact_ok)
    np.testing.assert_array_equal(fast, exact)


@pytest.mark.parametrize(
    "cell",
    [
        "2026-13-01T00:00:00Z", "2026-02-29", "2026-04-31", "2026-05-01T24:00:00", "2026-05-01T08:60",
        "2026-05-01T08:30:61", "2026-05-01T08:30:00+25:00", "yesterday", "2026/05/01 08:30", "1.7776e12",
        "01-05-2026", "2026-05-01T08:30:00 UTC",
    ],
)
def test_unparsable_timestamps_are_errors(tmp_path, cell):
    path = events_csv(tmp_path, ["u1,1,login,home,,,", f"u1,{cell},login,home,,,"])
    with pytest.raises(DataError) as info:
        load_events(path)
    err = info.value
    assert (err.path, err.row, err.field) == (str(path), 2, "timestamp")
    assert str(err).startswith(f"{path}, row 2, field 'timestamp': cannot parse timestamp {cell!r}")
    assert "ISO 8601" in str(err) and "epoch milliseconds" in str(err)


def test_unknown_categories_map_to_oov_and_are_counted(tmp_path):
    rows = [
        "u1,1,login,home,,,",
        "u1,2,tap,home,crypto,,",
        "u1,3,tap,moon,crypto,,",
        "u2,4,swipe,home,nft,,",
        "u2,5,,home,fund_bond,,",  # empty event_type: unknown value ''
        "u2,6,Login,home,,,",  # case matters
    ]
    t = load_events(events_csv(tmp_path, rows))
    assert t.cats["event_type"].tolist() == [EV["login"], OOV_ID, OOV_ID, OOV_ID, OOV_ID, OOV_ID]
    assert t.cats["page"].tolist() == [PG["home"], PG["home"], OOV_ID, PG["home"], PG["home"], PG["home"]]
    assert t.cats["product"].tolist() == [PAD_ID, OOV_ID, OOV_ID, OOV_ID, PR["fund_bond"], PAD_ID]  # empty = missing
    r = t.report
    assert r.oov == {
        "event_type": {"tap": 2, "": 1, "Login": 1, "swipe": 1},
        "page": {"moon": 1},
        "product": {"crypto": 2, "nft": 1},
    }
    assert r.oov_total == {"event_type": 5, "page": 1, "product": 3}
    summary = r.summary()
    assert "unknown event_type: 5 rows mapped to OOV ('tap' 2" in summary
    assert "unknown product: 3 rows mapped to OOV" in summary
    assert r.skipped == 0


def test_oov_report_lists_top_values_and_total(tmp_path):
    rows = [f"u1,{i},evt{i % 30},home,,," for i in range(300)] + [f"u1,{i},evt0,home,,," for i in range(300, 350)]
    t = load_events(events_csv(tmp_path, rows))
    top = t.report.oov["event_type"]
    assert len(top) == 20 and next(iter(top.items())) == ("evt0", 60)
    assert t.report.oov_total["event_type"] == 350


def test_missing_numerics_are_nan_and_counted(tmp_path):
    rows = ["u1,1,login,home,,,", "u1,2,purchase,funds,fund_equity,50,", "u1,3,login,home,,  ,10",
            "u1,4,login,home,,0,0"]
    t = load_events(events_csv(tmp_path, rows))
    assert np.isnan(t.nums["amount"][[0, 2]]).all() and t.nums["amount"][1] == 50 and t.nums["amount"][3] == 0  # 0 is not missing
    assert np.isnan(t.nums["dwell_ms"][[0, 1]]).all() and t.nums["dwell_ms"][2] == 10
    assert {k: t.report.missing[k] for k in ("amount", "dwell_ms")} == {"amount": 2, "dwell_ms": 2}
    assert t.report.missing["product"] == 3  # an empty categorical cell is missing too
    assert "missing amount: 2 rows empty" in t.report.summary()


def test_numbers_accept_decimal_forms(tmp_path):
    cells = ["12", "-3.5", "+4", ".5", "1e3", "2.", "1.5E-2"]
    rows = [f"u1,{i},login,home,,{v},{v.lstrip('-+')}" for i, v in enumerate(cells)]
    t = load_events(events_csv(tmp_path, rows))
    np.testing.assert_allclose(t.nums["amount"], [12, -3.5, 4, 0.5, 1000, 2, 0.015])


# --- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, field, message",
    [
        (" ,1,login,home,,,", "user_id", "empty user_id"),
        ("u1,,login,home,,,", "timestamp", "empty timestamp"),
        ("u1,1,login,home,,12abc,", "amount", "not a number: '12abc'"),
        ("u1,1,login,home,,1;2,", "amount", "not a number: '1;2'"),
        ("u1,1,login,home,,inf,", "amount", "not a number: 'inf'"),
        ("u1,1,login,home,,,abc", "dwell_ms", "not a number: 'abc'"),
        ("u1,1,login,home,,,nan", "dwell_ms", "not a number: 'nan'"),
        ("u1,1,login,home,,,-5", "dwell_ms", "dwell_ms -5 is below the schema's min 0"),
    ],
)
def test_event_value_errors_name_file_row_and_field(tmp_path, row, field, message):
    path = events_csv(tmp_path, ["u0,1,login,home,,,", "u0,2,login,home,,,", row, "u0,3,login,home,,,"])
    with pytest.raises(DataError) as info:
        load_events(path)
    assert str(info.value) == f"{path}, row 3, field {field!r}: {message}"
    assert isinstance(info.value, RowDataError) and info.value.row == 3
    assert "\n" not in str(info.value)


def test_first_bad_row_wins_and_first_field_of_that_row(tmp_path):
    path = events_csv(tmp_path, ["u1,1,login,home,,,", "u1,x,login,home,,y,-1", "u1,2,login,home,,,-1"])
    with pytest.raises(DataError, match=r"row 2, field 'timestamp'"):
        load_events(path)


def test_row_numbers_across_batches(tmp_path):
    rows = [f"u{i % 7},{i},login,home,,," for i in range(1000)]
    rows[876] = "u1,1,login,home,,oops,"
    path = events_csv(tmp_path, rows)
    for chunk in (1, 50, 64, 1000, 65536):
        with pytest.raises(DataError) as info:
            load_events(path, chunk_rows=chunk)
        assert info.value.row == 877
    parquet = csv_to_parquet(path, tmp_path / "events.parquet")
    with pytest.raises(DataError) as info:
        load_events(parquet, chunk_rows=64)
    assert str(info.value) == f"{parquet}, row 877, field 'amount': not a number: 'oops'"


def test_missing_column_lists_found_columns(tmp_path):
    path = write(tmp_path, "e.csv", "user_id,timestamp,event_type,page,amount\nu1,1,login,home,1\n")
    with pytest.raises(DataError) as info:
        load_events(path)
    text = str(info.value)
    assert text.startswith(f"{path}, field 'product': missing column (also missing: 'dwell_ms')")
    assert "columns found: 'user_id', 'timestamp', 'event_type', 'page', 'amount'" in text
    assert info.value.field == "product"


def test_header_names_match_after_stripping_and_ignoring_case(tmp_path):
    header = "User_ID , Timestamp,event_type,page,product,AMOUNT,dwell_ms,extra\n"
    path = write(tmp_path, "e.csv", header + "u1,1,login,home,,5,,x\n")
    t = load_events(path)
    assert t.user_ids == ["u1"] and t.nums["amount"].tolist() == [5]


def test_duplicate_column_is_an_error(tmp_path):
    path = write(tmp_path, "e.csv", EVENTS_HEADER.strip() + ",amount\nu1,1,login,home,,5,,6\n")
    with pytest.raises(DataError, match=r"field 'amount': column appears 2 times in the header"):
        load_events(path)


@pytest.mark.parametrize("content", ["", "\n\n", "\ufeff"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, "e.csv", content)
    with pytest.raises(DataError, match=r"e\.csv: empty file"):
        load_events(path)


def test_header_only_has_no_rows(tmp_path):
    path = write(tmp_path, "e.csv", EVENTS_HEADER)
    with pytest.raises(DataError, match=r"e\.csv: no data rows \(only a header\)"):
        load_events(path)
    parquet = csv_to_parquet(path, tmp_path / "e.parquet")
    with pytest.raises(DataError, match=r"e\.parquet: no data rows"):
        load_events(parquet)


def test_file_problems(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_events(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="unsupported file type '.json'"):
        load_events(write(tmp_path, "e.json", "{}"))
    with pytest.raises(DataError, match="not a readable Parquet file"):
        load_events(write(tmp_path, "e.parquet", "user_id\nu1\n"))
    with pytest.raises(ValueError, match="on_error"):
        load_events(events_csv(tmp_path, ["u1,1,login,home,,,"]), on_error="ignore")


def test_wrong_field_count(tmp_path):
    path = events_csv(tmp_path, ["u1,1,login,home,,,", "u1,2,login,home,,,,", "u1,3,login,home,,,"])
    with pytest.raises(DataError) as info:
        load_events(path)
    assert str(info.value) == f"{path}, row 2: expected 7 fields as in the header, found 8"
    t = load_events(path, on_error="skip")
    assert len(t) == 2 and t.report.skipped == 1
    assert t.report.skipped_examples == [f"{path}, row 2: expected 7 fields as in the header, found 8"]


def test_rows_after_a_dropped_malformed_row_keep_their_numbers(tmp_path):
    rows = [f"u1,{i},login,home,,," for i in range(200)]
    rows[10] = "u1,1,login"  # dropped by the parser in skip mode
    rows[150] = "u1,x,login,home,,,"
    path = events_csv(tmp_path, rows)
    t = load_events(path, on_error="skip", chunk_rows=32)
    assert t.report.skipped == 2
    where = [e.split(":")[0] for e in t.report.skipped_examples]
    assert where == [f"{path}, row 11", f"{path}, row 151, field 'timestamp'"]


def test_invalid_utf8_names_row_and_field(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes((EVENTS_HEADER + "u1,1,login,home,,,\n" * 3).encode() + b"u1,1,login,h\xffome,,,\n")
    with pytest.raises(DataError) as info:
        load_events(path)
    assert str(info.value) == f"{path}, row 4, field 'page': not valid UTF-8; save the file as UTF-8"


def test_header_without_line_end(tmp_path):
    path = write(tmp_path, "e.csv", EVENTS_HEADER.strip())
    with pytest.raises(DataError, match=r"e\.csv: no data rows \(only a header\)"):
        load_events(path)
    t = load_events(write(tmp_path, "f.csv", EVENTS_HEADER + "u1,1,login,home,,,"))  # last row without line end
    assert len(t) == 1


def test_error_survives_pickling(tmp_path):
    path = events_csv(tmp_path, ["u1,x,login,home,,,"])
    with pytest.raises(DataError) as info:
        load_events(path)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.row == 1


def test_on_error_skip_counts_and_keeps_examples(tmp_path):
    rows = [f"u{i % 3},{1000 + i},login,home,,," for i in range(20)]
    bad = {2: "u1,,login,home,,,", 5: "u1,1,login,home,,x,", 6: " ,1,login,home,,,", 9: "u2,1,login,home,,,-1",
           13: "u2,bad,login,home,,,", 17: "u0,1,login,home,,,q", 18: "u0,9,tap,home,,,q"}
    for i, row in bad.items():
        rows[i] = row
    path = events_csv(tmp_path, rows)
    with pytest.raises(DataError, match="row 3, field 'timestamp'"):
        load_events(path)
    t = load_events(path, on_error="skip", chunk_rows=4)
    assert t.report.skipped == 7 and len(t) == 13
    assert len(t.report.skipped_examples) == 5
    assert t.report.skipped_examples[0] == f"{path}, row 3, field 'timestamp': empty timestamp"
    assert [e.split(",")[1] for e in t.report.skipped_examples] == [" row 3", " row 6", " row 7", " row 10", " row 14"]
    assert t.report.oov_total["event_type"] == 0  # the skipped 'tap' row is not counted
    assert "skipped: 7 invalid rows (on_error='skip'); first: " in t.report.summary()
    all_bad = events_csv(tmp_path, ["u1,x,login,home,,,"], name="bad.csv")
    with pytest.raises(DataError, match=r"no valid rows: all 1 row skipped; first: .*row 1, field 'timestamp'"):
        load_events(all_bad, on_error="skip")


# --- formats --------------------------------------------------------------------------------------------


def test_csv_and_parquet_give_identical_tables(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(3000):
        ts = T0 + int(rng.integers(0, 10**9))
        cell = str(ts) if i % 3 == 0 else np.datetime_as_string(np.datetime64(ts, "ms"), unit="ms") + "Z"
        event = EVENT_TYPES[i % len(EVENT_TYPES)] if i % 97 else "mystery"
        amount = "" if i % 4 else f"{rng.normal(0, 100):.2f}"
        dwell = "" if i % 5 == 0 else str(int(rng.integers(0, 60000)))
        page, product = PAGES[i % len(PAGES)], PRODUCTS[i % len(PRODUCTS)]
        rows.append(f"user{int(rng.integers(0, 150))},{cell},{event},{page},{product},{amount},{dwell}")
    path = events_csv(tmp_path, rows)
    from_csv = load_events(path, chunk_rows=500)
    from_parquet = load_events(csv_to_parquet(path, tmp_path / "events.parquet"), chunk_rows=700)
    assert_same_events(from_csv, from_parquet)
    assert from_csv.report.reordered_users > 0 and from_csv.report.oov_total["event_type"] > 0
    assert_same_events(from_csv, load_events(path))  # batch size does not matter


def test_typed_parquet_columns(tmp_path):
    ts = np.array([T0 + 5, T0, T0 + 60_000], dtype="datetime64[ms]")
    table = pa.table(
        {
            "user_id": pa.array(["u1", "u1", "u2"]),
            "timestamp": pa.array(ts, type=pa.timestamp("ms", tz="UTC")),
            "event_type": pa.array(["login", "purchase", "tap"]).dictionary_encode(),
            "page": pa.array(["home", "funds", None]),
            "product": pa.array([None, "fund_bond", "none"]),
            "amount": pa.array([None, 12.5, -3.0]),
            "dwell_ms": pa.array([100, None, 0], type=pa.int32()),
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    t = load_events(path)
    assert t.ts_ms.tolist() == [T0, T0 + 5, T0 + 60_000]
    assert t.cats["event_type"].tolist() == [EV["purchase"], EV["login"], OOV_ID]
    assert t.cats["page"].tolist() == [PG["funds"], PG["home"], PAD_ID]  # empty = missing
    assert t.cats["product"].tolist() == [PR["fund_bond"], PAD_ID, PR["none"]]
    assert np.isnan(t.nums["amount"][1]) and t.nums["amount"][0] == 12.5 and t.nums["dwell_ms"].tolist()[0] != t.nums["dwell_ms"].tolist()[0]
    assert {k: t.report.missing[k] for k in ("amount", "dwell_ms")} == {"amount": 1, "dwell_ms": 1} and t.report.reordered_users == 1
    naive = table.set_column(1, "timestamp", pa.array(ts, type=pa.timestamp("us")))
    pq.write_table(naive, tmp_path / "naive.parquet")
    np.testing.assert_array_equal(load_events(tmp_path / "naive.parquet").ts_ms, t.ts_ms)
    ints = table.set_column(1, "timestamp", pa.array(ts.astype(np.int64)))
    pq.write_table(ints, tmp_path / "ints.parquet")
    np.testing.assert_array_equal(load_events(tmp_path / "ints.parquet").ts_ms, t.ts_ms)
    bad = table.set_column(6, "dwell_ms", pa.array([1, -2, 3], type=pa.int32()))
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(DataError, match=r"bad\.parquet, row 2, field 'dwell_ms': dwell_ms -2 is below the schema's min 0"):
        load_events(tmp_path / "bad.parquet")


def test_quoted_fields_and_bom(tmp_path):
    path = tmp_path / "e.csv"
    rows = '"u,1","2026-05-01T08:30:00Z","login","home","","",""\n"u\n2",1,login,home,,,\n'
    path.write_bytes(("\ufeff" + EVENTS_HEADER + rows).encode())
    t = load_events(path)
    assert t.user_ids == ["u\n2", "u,1"] and t.ts_ms.tolist() == [1, T0]


# --- attributes -----------------------------------------------------------------------------------------


def test_attributes_multi_hot_holdings_and_ids(tmp_path):
    path = attrs_csv(
        tmp_path,
        [
            "u3,41,5,1200,fund_equity;credit_card,200k-1m",
            "u1,,,,,",
            "u2,29.5,2,0, gold ; nft ;; fund_equity ,mega",
        ],
    )
    a = load_attributes(path)
    assert isinstance(a, AttributeTable) and a.user_ids == ["u1", "u2", "u3"] and len(a) == 3
    assert a.index("u3") == 2
    assert a.multi["holdings"].dtype == np.uint8 and a.multi["holdings"].shape == (3, len(OFFERABLE_PRODUCTS))
    held = lambda u: [OFFERABLE_PRODUCTS[j] for j in np.flatnonzero(a.multi["holdings"][a.index(u)])]  # noqa: E731
    assert held("u1") == [] and held("u2") == ["fund_equity", "gold"] and held("u3") == ["fund_equity", "credit_card"]
    assert a.nums["age"].dtype == np.float32 and np.isnan(a.nums["age"][0]) and a.nums["age"][1] == 29.5
    assert a.cats["risk_level"].dtype == np.int32 and a.cats["risk_level"].tolist() == [PAD_ID, 2 + 1, 2 + 4]  # ids of "2", "5"
    assert np.isnan(a.nums["tenure_days"][0]) and a.nums["tenure_days"][1] == 0
    assert a.cats["aum_bucket"].dtype == np.int32 and a.cats["aum_bucket"].tolist() == [PAD_ID, OOV_ID, AUM["200k-1m"]]
    r = a.report
    assert r.oov == {"risk_level": {}, "holdings": {"nft": 1}, "aum_bucket": {"mega": 1}}
    assert r.missing == {"age": 1, "risk_level": 1, "tenure_days": 1, "aum_bucket": 1}
    assert "unknown holdings: 1 item not in the schema's values" in r.summary()
    with pytest.raises(KeyError, match="user 'u9' not in attributes table"):
        a.index("u9")


@pytest.mark.parametrize(
    "row, field, message",
    [
        ("u9,121,3,10,,", "age", "age 121 is above the schema's max 120"),
        ("u9,-1,3,10,,", "age", "age -1 is below the schema's min 0"),
        ("u9,old,3,10,,", "age", "not a number: 'old'"),
        ("u9,30,3,-2,,", "tenure_days", "tenure_days -2 is below the schema's min 0"),
        ("u9,30,3,x,,", "tenure_days", "not a number: 'x'"),
        (",30,3,10,,", "user_id", "empty user_id"),
        ("u1,30,3,10,,", "user_id", "duplicate user 'u1' (first at row 1)"),
    ],
)
def test_attribute_errors_name_file_row_and_field(tmp_path, row, field, message):
    path = attrs_csv(tmp_path, ["u1,30,3,10,,", "u2,0,1,0,,", row])
    with pytest.raises(DataError) as info:
        load_attributes(path)
    assert str(info.value) == f"{path}, row 3, field {field!r}: {message}"
    skipped = load_attributes(path, on_error="skip")
    assert skipped.user_ids == ["u1", "u2"] and skipped.report.skipped == 1
    assert skipped.report.skipped_examples == [str(info.value)]


def test_attribute_duplicates_across_batches_and_parquet(tmp_path):
    rows = [f"u{i:06d},30,3,10,fund_bond,<10k" for i in range(70_000)] + ["u000005,31,3,10,,"]
    path = attrs_csv(tmp_path, rows)
    with pytest.raises(DataError, match=r"row 70001, field 'user_id': duplicate user 'u000005' \(first at row 6\)"):
        load_attributes(path)
    a = load_attributes(path, on_error="skip")
    assert len(a) == 70_000 and a.nums["age"][a.index("u000005")] == 30 and a.report.skipped == 1
    assert a.multi["holdings"][:, OFFERABLE_PRODUCTS.index("fund_bond")].all() and (a.cats["aum_bucket"] == AUM["<10k"]).all()
    parquet = csv_to_parquet(path, tmp_path / "attrs.parquet")
    b = load_attributes(parquet, on_error="skip")
    assert b.user_ids == a.user_ids and b.report.skipped_examples[0].startswith(f"{parquet}, row 70001")
    for group in ("cats", "nums", "multi"):
        for name in getattr(a, group):
            np.testing.assert_array_equal(getattr(a, group)[name], getattr(b, group)[name])


def test_attributes_parquet_list_holdings(tmp_path):
    table = pa.table(
        {
            "user_id": ["a", "b", "c"],
            "age": pa.array([30, None, 50], type=pa.int64()),
            "risk_level": pa.array([1, None, 5], type=pa.int8()),
            "tenure_days": [1.0, 2.0, None],
            "holdings": pa.array([["gold", "fx"], None, ["spaceship"]], type=pa.list_(pa.string())),
            "aum_bucket": ["5m+", None, "<10k"],
        }
    )
    pq.write_table(table, tmp_path / "attrs.parquet")
    a = load_attributes(tmp_path / "attrs.parquet")
    assert a.cats["risk_level"].tolist() == [2, 0, 6]  # the ids of "1" and "5" and np.isnan(a.nums["age"][1]) and np.isnan(a.nums["tenure_days"][2])
    assert a.multi["holdings"][0, OFFERABLE_PRODUCTS.index("gold")] == 1 and a.multi["holdings"][0, OFFERABLE_PRODUCTS.index("fx")] == 1
    assert a.multi["holdings"][1:].sum() == 0 and a.report.oov["holdings"] == {"spaceship": 1}
    assert a.cats["aum_bucket"].tolist() == [AUM["5m+"], PAD_ID, AUM["<10k"]]


# --- scale ----------------------------------------------------------------------------------------------


def synthetic_events(n_events: int, n_users: int, seed: int = 0) -> "pa.Table":
    """A realistic events table: interleaved users in (mostly) time order, mixed timestamp formats."""
    rng = np.random.default_rng(seed)
    # users with skewed activity; events spread over 90 days, in log order with some late arrivals
    weights = rng.pareto(1.5, n_users) + 1
    user = rng.choice(n_users, size=n_events, p=weights / weights.sum())
    ts = np.sort(rng.integers(T0, T0 + 90 * 86_400_000, size=n_events))
    late = rng.random(n_events) < 0.01
    ts[late] -= rng.integers(1000, 3 * 86_400_000, size=int(late.sum()))  # arrived up to 3 days late
    event = rng.choice(len(EVENT_TYPES), size=n_events, p=_skewed(len(EVENT_TYPES), rng))
    page = rng.choice(len(PAGES), size=n_events, p=_skewed(len(PAGES), rng))
    product = np.where(rng.random(n_events) < 0.6, 0, rng.integers(1, len(PRODUCTS), size=n_events))
    # a few unknown categories: a new event type and an unknown product; an empty product means "none"
    event_s = np.array(EVENT_TYPES + ("tap_v2",), dtype=object)[
        np.where(rng.random(n_events) < 1e-4, len(EVENT_TYPES), event)
    ]
    page_s = np.array(PAGES, dtype=object)[page]
    product_s = np.array(("",) + PRODUCTS[1:] + ("crypto",), dtype=object)[
        np.where(rng.random(n_events) < 5e-5, len(PRODUCTS), product)
    ]
    money_events = ("transfer", "purchase", "redemption", "card_payment", "repayment", "deposit", "withdrawal",
                    "bill_payment")
    money = np.isin(event, [EVENT_TYPES.index(e) for e in money_events])
    amount = np.round(rng.lognormal(5, 1.5, n_events) * np.where(rng.random(n_events) < 0.3, -1, 1), 2)
    dwell = rng.gamma(2.0, 4000.0, n_events).astype(np.int64)
    # timestamps: 80 % ISO UTC ("Z"), 10 % ISO +08:00, 10 % epoch milliseconds
    kind = rng.random(n_events)
    iso_z = pa.array(np.datetime_as_string(ts.astype("datetime64[ms]"), unit="s")).cast(pa.string())
    local = pa.array(np.datetime_as_string((ts + 8 * 3_600_000).astype("datetime64[ms]"), unit="s"))
    import pyarrow.compute as pc

    cells = pc.if_else(
        pa.array(kind < 0.8),
        pc.binary_join_element_wise(iso_z, "Z", ""),
        pc.if_else(
            pa.array(kind < 0.9), pc.binary_join_element_wise(local, "+08:00", ""), pa.array(ts).cast(pa.string())
        ),
    )
    return pa.table(
        {
            "user_id": pc.binary_join_element_wise("cust", pa.array(user).cast(pa.string()), ""),
            "timestamp": cells,
            "event_type": pa.array(event_s, type=pa.string()),
            "page": pa.array(page_s, type=pa.string()),
            "product": pa.array(product_s, type=pa.string()),
            "amount": pa.array(amount, mask=~money),
            "dwell_ms": pa.array(dwell, mask=rng.random(n_events) < 0.1),
        }
    )


def _skewed(k: int, rng) -> np.ndarray:
    p = rng.dirichlet(np.full(k, 0.7))
    return p / p.sum()


_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy, pyarrow, pyarrow.csv, pyarrow.parquet, pyarrow.compute
    from finlite.data.events import load_events
    from finlite.data.synth.vocabulary import synthetic_schema
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    table = load_events(sys.argv[1], synthetic_schema())
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = table.report
    print(json.dumps({"seconds": seconds, "peak_mb": (after - before) / 1024, "rows": len(table), "users": r.users,
                      "reordered": r.reordered_users, "oov": r.oov_total, "missing": r.missing,
                      "checksum": int(table.ts_ms[table.offsets[1:-1]].sum() % 1000003 + table.cats["event_type"].sum())}))
    """
)


# Linux carries the peak RSS of the process image that exec replaces into ru_maxrss, so a child spawned
# straight from this (large) pytest process would start with pytest's peak. A tiny launcher in between
# gives the measuring process a clean baseline.
_LAUNCH = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def _measure(path: Path) -> dict:
    command = [sys.executable, "-c", _LAUNCH, sys.executable, "-c", _MEASURE, str(path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_one_million_events_load_fast_with_bounded_memory(tmp_path):
    n_events, n_users = 1_000_000, 50_000
    table = synthetic_events(n_events, n_users)
    csv_path, parquet_path = tmp_path / "events.csv", tmp_path / "events.parquet"
    pcsv.write_csv(table, csv_path)
    pq.write_table(table, parquet_path)
    del table
    csv_stats, parquet_stats = _measure(csv_path), _measure(parquet_path)
    print(
        f"\n1M events: CSV ({csv_path.stat().st_size / 1e6:.0f} MB) {csv_stats['seconds']:.2f} s,"
        f" peak RSS +{csv_stats['peak_mb']:.0f} MB; Parquet ({parquet_path.stat().st_size / 1e6:.0f} MB)"
        f" {parquet_stats['seconds']:.2f} s, peak RSS +{parquet_stats['peak_mb']:.0f} MB"
    )
    for stats in (csv_stats, parquet_stats):
        assert stats["rows"] == n_events
        assert 40_000 < stats["users"] <= n_users
        assert stats["reordered"] > 1000  # late arrivals were put back in order
        assert stats["oov"]["event_type"] > 0 and stats["oov"]["product"] > 0 and stats["oov"]["page"] == 0
        assert stats["missing"]["dwell_ms"] > 50_000
        assert stats["seconds"] <= 30, stats
        assert stats["peak_mb"] < 600, stats
    assert {k: v for k, v in csv_stats.items() if k not in ("seconds", "peak_mb")} == {
        k: v for k, v in parquet_stats.items() if k not in ("seconds", "peak_mb")
    }


def test_raw_golden_rows_match_columns_like_the_loaders(tmp_path):
    """read_raw_rows (golden users' rows as text) finds columns the way load_events does and names a missing one."""
    from finlite.data.raw_rows import read_raw_rows

    path = tmp_path / "events.csv"
    path.write_text(" User_ID ,timestamp,event_type,page,product,amount,dwell_ms\nu1,1000,login,home,,, \nu2,2000,login,home,,,\n", encoding="utf-8")
    rows = read_raw_rows(path, EVENT_COLUMNS, ["u1", "nobody"], "user_id")
    assert rows == {"u1": [{"user_id": "u1", "timestamp": "1000", "event_type": "login", "page": "home", "product": "", "amount": "", "dwell_ms": ""}], "nobody": []}
    assert load_events(path).user_ids == ["u1", "u2"]  # the loader accepts the same header
    path.write_text("user_id,timestamp,event_type,page,product,amount\nu1,1000,login,home,,\n", encoding="utf-8")
    with pytest.raises(DataError, match="dwell_ms"):
        read_raw_rows(path, EVENT_COLUMNS, ["u1"], "user_id")
