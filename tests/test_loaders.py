"""Dataset loaders: formats, column defaults and errors that name file, line and field."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from finlite.data.loaders import DataError, TextDataset, check_known_labels, load_text_dataset

BANKING77 = Path(__file__).resolve().parents[1].parent / "shared/data/banking77"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def load_error(path: Path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        load_text_dataset(path, **kwargs)
    err = info.value
    message = str(err)
    assert "\n" not in message and "\r" not in message
    assert path.name in message
    assert err.__cause__ is None or err.__suppress_context__  # no csv/json traceback chain
    return err


def assert_where(err: DataError, line: int | None, field: str | None = None) -> None:
    message = str(err)
    assert err.line == line
    assert err.field == field
    if line is not None:
        assert f"line {line}" in message
    if field is not None:
        assert f"field {field!r}" in message


# --- DataError --------------------------------------------------------------------------------------------


def test_data_error_rendering():
    expected = "data/train.csv, line 12, field 'text': empty text"
    assert str(DataError("empty text", "data/train.csv", 12, "text")) == expected
    assert str(DataError("file not found", "x.csv")) == "x.csv: file not found"
    assert str(DataError("no path")) == "no path"
    assert str(DataError("bad", line=3)) == "line 3: bad"
    assert str(DataError("two\nlines", "a.csv")) == "a.csv: two lines"
    assert isinstance(DataError("x"), ValueError)


def test_data_error_pickles():
    err = pickle.loads(pickle.dumps(DataError("empty label", "a.csv", 4, "label")))
    assert (err.path, err.line, err.field) == ("a.csv", 4, "label")
    assert str(err) == "a.csv, line 4, field 'label': empty label"


# --- formats ----------------------------------------------------------------------------------------------


def test_banking77_csv_format_as_is(tmp_path):
    path = write(
        tmp_path,
        "train.csv",
        'text,category\nI am still waiting on my card?,card_arrival\n"How do I top up, please?",top_up_failed\n',
    )
    data = load_text_dataset(path)
    assert isinstance(data, TextDataset)
    assert data.texts == ["I am still waiting on my card?", "How do I top up, please?"]
    assert data.labels == ["card_arrival", "top_up_failed"]
    assert data.lines == [2, 3]
    assert data.path == str(path)
    assert (data.text_column, data.label_column) == ("text", "category")
    assert data.label_set() == ["card_arrival", "top_up_failed"]
    assert len(data) == 2


def test_jsonl_and_ndjson(tmp_path):
    rows = [
        {"text": "where is my card", "label": "card_arrival"},
        {"text": "我的卡丢了 💳", "label": "lost_card"},
    ]
    content = json.dumps(rows[0]) + "\n\n   \n" + json.dumps(rows[1], ensure_ascii=False) + "\n"
    for name in ("data.jsonl", "data.ndjson"):
        data = load_text_dataset(write(tmp_path, name, content))
        assert data.texts == ["where is my card", "我的卡丢了 💳"]
        assert data.labels == ["card_arrival", "lost_card"]
        assert data.lines == [1, 4]  # blank lines skipped but counted


def test_jsonl_integer_labels_and_crlf(tmp_path):
    data = load_text_dataset(write(tmp_path, "d.jsonl", '{"text": "a", "label": 3}\r\n{"text": "b", "label": 0}\r\n'))
    assert data.labels == ["3", "0"]
    assert data.lines == [1, 2]


def test_tsv_no_quoting(tmp_path):
    path = write(tmp_path, "d.tsv", 'sentence\tintent\n"pending" means what?\tpending\nsay "hi"\tgreet\n')
    data = load_text_dataset(path)
    assert data.texts == ['"pending" means what?', 'say "hi"']
    assert data.labels == ["pending", "greet"]
    assert (data.text_column, data.label_column) == ("sentence", "intent")
    assert data.lines == [2, 3]


def test_utf8_bom(tmp_path):
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbftext,label\nhello,greet\n")
    data = load_text_dataset(path)
    assert data.text_column == "text"  # the BOM is not glued to the first column name
    assert data.texts == ["hello"] and data.lines == [2]


def test_custom_columns(tmp_path):
    path = write(tmp_path, "custom.csv", "id,utterance,query,gold\n1,hello there,ignored,greet\n")
    data = load_text_dataset(path, text_column="query", label_column="gold")
    assert data.texts == ["ignored"] and data.labels == ["greet"]
    default_text = write(tmp_path, "d.csv", "id,utterance,query,intent\n1,hello there,ignored,greet\n")
    assert load_text_dataset(default_text).texts == ["hello there"]  # first default present wins


def test_header_matching_is_lenient_about_spaces_and_case(tmp_path):
    data = load_text_dataset(write(tmp_path, "d.csv", "Text , Label\nhi, greet \n"))
    assert data.texts == ["hi"] and data.labels == ["greet"]  # labels stripped, texts kept


def test_multiline_quoted_field_line_numbers(tmp_path):
    content = (
        "text,label\n"
        '"first line\nsecond line\nthird line",a\n'  # record at line 2 spans 2-4
        "plain,b\n"  # line 5
        "\n"  # line 6 (blank, skipped)
        '"one\r\nmore",c\r\n'  # record at line 7 spans 7-8
        "last,d\n"  # line 9
    )
    data = load_text_dataset(write(tmp_path, "m.csv", content))
    assert data.lines == [2, 5, 7, 9]
    assert data.texts[0] == "first line\nsecond line\nthird line"
    assert data.labels == ["a", "b", "c", "d"]


def test_multiline_record_error_reports_start_line(tmp_path):
    content = 'text,label\nok,a\n"spans\ntwo lines",\n'
    assert_where(load_error(write(tmp_path, "m.csv", content)), 3, "label")


def test_line_numbers_with_cr_only_line_ends(tmp_path):
    data = load_text_dataset(write(tmp_path, "mac.csv", "text,label\ra,x\rb,y\r"))
    assert data.lines == [2, 3]


def test_unicode_line_separators_do_not_split_records(tmp_path):
    content = '{"text": "a\u2028b\x85c", "label": "x"}\n{"text": "d", "label": "y"}\n'
    data = load_text_dataset(write(tmp_path, "u.jsonl", content))
    assert data.texts == ["a\u2028b\x85c", "d"] and data.lines == [1, 2]


# --- errors -----------------------------------------------------------------------------------------------


def test_file_not_found(tmp_path):
    err = load_error(tmp_path / "nope.csv")
    assert "not found" in str(err)
    assert_where(err, None)


def test_directory(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    assert "directory" in str(load_error(tmp_path / "dir.csv"))


def test_unsupported_extension(tmp_path):
    err = load_error(write(tmp_path, "data.parquet", b"PAR1"))
    for ext in (".csv", ".tsv", ".jsonl", ".ndjson"):
        assert ext in str(err)
    assert ".parquet" in str(err)


@pytest.mark.parametrize(
    "name, content",
    [
        ("zero.csv", b""),
        ("spaces.csv", b"  \n\n"),
        ("header_only.csv", b"text,label\n"),
        ("header_blank_lines.csv", b"text,label\n\n\n"),
        ("header_only.tsv", b"text\tlabel\n"),
        ("blank.jsonl", b"\n\n"),
        ("bom_only.jsonl", b"\xef\xbb\xbf"),
    ],
)
def test_empty_file(tmp_path, name, content):
    err = load_error(write(tmp_path, name, content))
    assert "no data rows" in str(err)


def test_undecodable_bytes(tmp_path):
    content = "text,label\nok,a\ncafé ok,b\n".encode("utf-8") + b"bad \xff byte,c\n"
    err = load_error(write(tmp_path, "latin.csv", content))
    assert_where(err, 4)
    offset = content.index(b"\xff")
    assert f"byte offset {offset}" in str(err) and "0xff" in str(err) and "UTF-8" in str(err)


def test_undecodable_bytes_after_bom_and_multiline_field(tmp_path):
    content = b'\xef\xbb\xbftext,label\n"two\nlines",a\n\xe9t\xe9,b\n'  # latin-1 "été" on line 4
    err = load_error(write(tmp_path, "latin.csv", content))
    assert_where(err, 4)
    assert f"byte offset {content.index(bytes([0xE9]))}" in str(err)


def test_invalid_json_line(tmp_path):
    content = '{"text": "a", "label": "x"}\n\n{"text": "b", label: "y"}\n'
    err = load_error(write(tmp_path, "bad.jsonl", content))
    assert_where(err, 3)
    assert "invalid JSON" in str(err)


@pytest.mark.parametrize(
    "value, kind", [('["a", "x"]', "array"), ('"just text"', "string"), ("42", "number"), ("null", "null")]
)
def test_json_line_not_an_object(tmp_path, value, kind):
    err = load_error(write(tmp_path, "bad.jsonl", '{"text": "a", "label": "x"}\n' + value + "\n"))
    assert_where(err, 2)
    assert "JSON object" in str(err) and kind in str(err)


@pytest.mark.parametrize("text", ["", "   ", "\t \u3000"])
def test_empty_text_csv(tmp_path, text):
    content = f'text,category\nfine,a\n"{text}",b\n'
    err = load_error(write(tmp_path, "t.csv", content))
    assert_where(err, 3, "text")
    assert "empty text" in str(err)


def test_empty_text_jsonl_and_tsv(tmp_path):
    content = '{"utterance": "ok", "intent": "a"}\n{"utterance": "  ", "intent": "b"}\n'
    err = load_error(write(tmp_path, "t.jsonl", content))
    assert_where(err, 2, "utterance")
    err = load_error(write(tmp_path, "t.tsv", "text\tlabel\nok\ta\n \tb\n"))
    assert_where(err, 3, "text")


@pytest.mark.parametrize("label", ["", "  "])
def test_empty_label(tmp_path, label):
    err = load_error(write(tmp_path, "l.csv", f"text,category\nfine,a\nno label,{label}\n"))
    assert_where(err, 3, "category")
    assert "empty label" in str(err)


def test_empty_label_jsonl(tmp_path):
    err = load_error(write(tmp_path, "l.jsonl", '{"text": "ok", "label": "a"}\n{"text": "x", "label": ""}\n'))
    assert_where(err, 2, "label")


def test_json_wrong_types(tmp_path):
    err = load_error(write(tmp_path, "w.jsonl", '{"text": 12, "label": "a"}\n'))
    assert_where(err, 1, "text")
    err = load_error(write(tmp_path, "w.jsonl", '{"text": "ok", "label": null}\n'))
    assert_where(err, 1, "label")


def test_json_missing_key_in_later_record(tmp_path):
    err = load_error(write(tmp_path, "k.jsonl", '{"text": "a", "label": "x"}\n{"text": "b"}\n'))
    assert_where(err, 2, "label")


def test_json_unpaired_surrogate(tmp_path):
    content = '{"text": "ok", "label": "a"}\n{"text": "bad \\ud83d", "label": "b"}\n'
    err = load_error(write(tmp_path, "s.jsonl", content))
    assert_where(err, 2, "text")
    assert "surrogate" in str(err)


@pytest.mark.parametrize("row, found", [("a,b,c", 3), ("only_one", 1)])
def test_wrong_number_of_fields_csv(tmp_path, row, found):
    err = load_error(write(tmp_path, "f.csv", f'text,label\nok,x\n"multi\nline",y\n{row}\n'))
    assert_where(err, 5)
    assert f"found {found}" in str(err) and "2 fields" in str(err)


def test_wrong_number_of_fields_tsv(tmp_path):
    err = load_error(write(tmp_path, "f.tsv", "text\tlabel\nok\tx\nhas\ta tab\ty\n"))
    assert_where(err, 3)


def test_malformed_quoting(tmp_path):
    err = load_error(write(tmp_path, "q.csv", 'text,label\nok,x\n"Hello" she said,y\n'))
    assert_where(err, 3)
    assert "malformed CSV" in str(err)


def test_unterminated_quote_reports_start_line(tmp_path):
    err = load_error(write(tmp_path, "q.csv", 'text,label\nok,x\n"never closed,y\nmore,z\n'))
    assert_where(err, 3)
    assert "unterminated" in str(err)


@pytest.mark.parametrize(
    "content, kwargs, field",
    [
        ("sentence_text,category\nhi,x\n", {}, "text"),
        ("text,class\nhi,x\n", {}, "label"),
        ("text,category\nhi,x\n", {"text_column": "body"}, "body"),
        ("text,category\nhi,x\n", {"label_column": "gold"}, "gold"),
    ],
)
def test_missing_column_csv(tmp_path, content, kwargs, field):
    err = load_error(write(tmp_path, "c.csv", content), **kwargs)
    assert_where(err, 1, field)
    header = content.split("\n")[0].split(",")
    for column in header:
        assert repr(column) in str(err)  # lists the columns found


def test_missing_column_jsonl_names_first_record_line(tmp_path):
    err = load_error(write(tmp_path, "c.jsonl", '\n{"body": "hi", "label": "x"}\n'))
    assert_where(err, 2, "text")
    assert "'body'" in str(err)


def test_same_column_for_text_and_label(tmp_path):
    err = load_error(write(tmp_path, "c.csv", "text,label\nhi,x\n"), text_column="text", label_column="text")
    assert "differ" in str(err)


def test_duplicate_column_in_header(tmp_path):
    err = load_error(write(tmp_path, "c.csv", "text,label,text\nhi,x,y\n"))
    assert_where(err, 1, "text")


# --- check_known_labels -----------------------------------------------------------------------------------


def test_check_known_labels_ok(tmp_path):
    data = load_text_dataset(write(tmp_path, "d.csv", "text,category\na,x\nb,y\n"))
    check_known_labels(data, ["x", "y", "z"])
    check_known_labels(data, iter(["y", "x"]))  # any iterable


def test_check_known_labels_reports_first_and_counts(tmp_path):
    rows = ["a,known", '"multi\nline",bad1', "c,known"] + [f"t{i},bad{i % 7}" for i in range(10)]
    data = load_text_dataset(write(tmp_path, "d.csv", "text,category\n" + "\n".join(rows) + "\n"))
    with pytest.raises(DataError) as info:
        check_known_labels(data, ["known"])
    err = info.value
    message = str(err)
    assert "\n" not in message
    assert_where(err, 3, "category")
    assert "d.csv" in message
    assert "'bad1'" in message
    assert "11 of 13 rows" in message  # bad1 + 10 t-rows
    assert "7 distinct" in message and "and 2 more" in message
    assert message.split("distinct: ")[1].count("'bad") == 5


def test_check_known_labels_suggests_close_match(tmp_path):
    data = load_text_dataset(write(tmp_path, "d.csv", "text,category\na,card_arival\n"))
    with pytest.raises(DataError, match="did you mean 'card_arrival'"):
        check_known_labels(data, ["card_arrival", "lost_card"])


# --- BANKING77 --------------------------------------------------------------------------------------------


def test_banking77_train_csv():
    train = BANKING77 / "train.csv"
    if not train.exists():
        pytest.skip("../shared/data/banking77 not found: BANKING77 tests run in CI and in the project checkout")
    data = load_text_dataset(train)
    assert len(data) == 10003
    assert len(data.label_set()) == 77
    assert (data.text_column, data.label_column) == ("text", "category")
    assert data.lines[0] == 2 and data.lines == sorted(data.lines)
    assert data.lines[-1] > 10003 + 1  # a few records span several physical lines
    categories = BANKING77 / "categories.json"
    if categories.exists():
        check_known_labels(data, json.loads(categories.read_text(encoding="utf-8")))
