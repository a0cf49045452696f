"""The data schema of profile models: inference from files, strict reading, one-line errors, and the proof
that nothing depends on finlite's built-in names (renaming every value and column changes nothing)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import finlite
from finlite.cli import main
from finlite.data.events import load_attributes, load_events
from finlite.data.loaders import DataError
from finlite.data.profile_features import ProfileEncoder
from finlite.data.profile_labels import load_profile_labels
from finlite.data.profile_spec import ProfileSpec
from finlite.data.schema import CATEGORICAL, MULTI, NUMERIC, ProfileSchema, SchemaError
from finlite.data.schema_infer import InferOptions, infer_schema
from finlite.data.schema_json import read_schema, write_schema
from finlite.data.synth.profile import generate_population, write_population
from finlite.data.synth.profile_variant import Variant, apply_variant
from finlite.data.synth.vocabulary import synthetic_schema
from finlite.tasks.profile_baseline import user_aggregates
from finlite.training.checkpoint import load_run

TINY = ["epochs=2", "baseline=false", "distill_baseline=0", "model=profile_dwshuffle_x0_5", "threads=1", "batch_size=64", "max_events=32"]


@pytest.fixture(scope="module")
def populations(tmp_path_factory):
    """The same 400 users as finlite writes them and as another bank would (every value and column renamed)."""
    root = tmp_path_factory.mktemp("schema")
    base = generate_population(400, seed=3)
    return {name: write_population(apply_variant(base, Variant(rename=rename)), root / name)
            for name, rename in (("ours", False), ("theirs", True))}


def _infer(paths, **options) -> ProfileSchema:
    return infer_schema(paths["events"], paths["users"], paths["labels"], InferOptions(**options))[0]


def test_inference_finds_roles_kinds_and_vocabularies(populations):
    schema = _infer(populations["ours"])
    kinds = {f.name: f.kind for f in (*schema.event_fields, *schema.user_fields)}
    assert kinds == {"event_type": CATEGORICAL, "page": CATEGORICAL, "product": CATEGORICAL, "amount": NUMERIC, "dwell_ms": NUMERIC,
                     "age": NUMERIC, "risk_level": CATEGORICAL, "tenure_days": NUMERIC, "holdings": MULTI, "aum_bucket": CATEGORICAL}
    event = schema.event_categoricals[0]
    assert event.name == "event_type" and event.role == "event"
    assert list(event.counts) == sorted(event.counts, reverse=True) and sum(event.counts) > 0  # most frequent first
    assert (schema.event_user_id, schema.event_timestamp, schema.user_user_id) == ("user_id", "timestamp", "user_id")
    lab = schema.labels
    assert set(lab.stages) == {"prospect", "new", "active", "pre_churn", "churned"} and len(lab.tags) == 5
    assert "none" not in lab.products and len(lab.products) >= 10
    assert set(schema.user_fields[3].values) <= set(synthetic_schema().user_fields[3].values)  # holdings items
    assert ProfileSchema.from_json(json.loads(json.dumps(schema.to_json()))) == schema  # the JSON form is the whole schema


def test_vocabulary_cut_offs_and_declared_stage_order(populations):
    paths = populations["ours"]
    schema, notes = infer_schema(paths["events"], paths["users"], paths["labels"], InferOptions(max_values=5))
    page = next(f for f in schema.event_fields if f.name == "page")
    assert len(page.values) == 5 and any("'page'" in n and "rare values left out" in n for n in notes)
    events = load_events(paths["events"], schema)
    assert events.report.oov_total["page"] > 0  # the values left out map to OOV and are counted
    order = ("prospect", "new", "active", "pre_churn", "churned")
    declared = _infer(paths, stages=order).labels
    assert declared.stages == order and declared.stages_ordered
    with pytest.raises(DataError, match=r"labels.csv, field 'lifecycle': stage 'churned' is not in the declared stages"):
        _infer(paths, stages=order[:4])


def test_errors_name_the_file_and_the_field(populations, tmp_path):
    good = synthetic_schema().to_json()

    def broken(change) -> str:
        data = json.loads(json.dumps(good))
        change(data)
        path = tmp_path / "schema.json"
        path.write_text(json.dumps(data))
        with pytest.raises(SchemaError) as info:
            read_schema(path)
        assert str(info.value).startswith(f"{path}, field ") and "\n" not in str(info.value)
        return str(info.value)

    assert "'events.fields[1].kind': unknown kind 'date'" in broken(lambda d: d["events"]["fields"][1].update(kind="date"))
    assert "'events.fields[0].colour': unknown key" in broken(lambda d: d["events"]["fields"][0].update(colour="red"))
    assert "unknown role 'user'" in broken(lambda d: d["events"]["fields"][1].update(role="user"))
    assert "more than max_values 3" in broken(lambda d: d["events"]["fields"][1].update(max_values=3))
    assert "exactly one categorical event field" in broken(lambda d: d["events"]["fields"][1].update(role="event"))
    assert "'labels.stages'" in broken(lambda d: d["labels"].update(stages=["only"]))
    assert "'format'" in broken(lambda d: d.update(format="finlite.schema/9"))
    assert "must be [low, high]" in broken(lambda d: d["events"]["fields"][3].update(clip=[1]))
    # data errors: a tag value outside [0, 1] and a stage the schema does not have name file, row and field
    text = populations["ours"]["labels"].read_text().splitlines()
    header = text[0].split(",")
    row = text[1].split(",")
    row[header.index("high_net_worth")] = "1.5"
    (tmp_path / "labels.csv").write_text("\n".join([text[0], ",".join(row)]) + "\n")
    with pytest.raises(DataError, match=r"labels.csv, field 'high_net_worth': tag value '1.5' outside \[0, 1\]"):
        infer_schema(populations["ours"]["events"], populations["ours"]["users"], tmp_path / "labels.csv")
    code = main(["schema", "check", str(tmp_path / "missing.json")])
    assert code == 2


def test_bytes_that_are_not_utf8_are_one_line_errors_naming_file_and_place(populations, tmp_path, capsys):
    paths = populations["ours"]
    header, *rows = paths["users"].read_bytes().split(b"\n", 1)
    (tmp_path / "users.csv").write_bytes(header.replace(b",", b"\xff,", 1) + b"\n" + b"".join(rows))
    with pytest.raises(DataError, match=r"users.csv, line 1: not valid UTF-8: byte 0xff in the header"):
        infer_schema(paths["events"], tmp_path / "users.csv", paths["labels"])
    lines = paths["events"].read_bytes().split(b"\n")
    lines[2] = lines[2] + b"\xfe"  # a data row, past the header
    (tmp_path / "events.csv").write_bytes(b"\n".join(lines))
    args = ["schema", "infer", "--events", str(tmp_path / "events.csv"), "--users", str(paths["users"]), "--labels", str(paths["labels"]),
            "--out", str(tmp_path / "schema.json")]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "events.csv" in err[0] and "not valid UTF-8" in err[0] and "Traceback" not in err[0]


def test_schema_infer_cli_writes_and_refuses_to_overwrite(populations, tmp_path, capsys):
    paths = populations["theirs"]
    out = tmp_path / "schema.json"
    args = ["schema", "infer", "--events", str(paths["events"]), "--users", str(paths["users"]), "--labels", str(paths["labels"]),
            "--stage-column", "segment", "--out", str(out)]
    assert main(args) == 0 and "event name 'action'" in capsys.readouterr().out
    schema = read_schema(out)
    assert schema.event_user_id == "customer_no" and schema.labels.stage == "segment"
    assert main(args) == 2 and "already exists" in capsys.readouterr().err
    assert main(["schema", "check", str(out)]) == 0


def test_renaming_every_value_and_column_changes_no_tensor(populations):
    """Renaming consistently (with the schema's column roles) gives the same ids, so the same tensors."""
    ours, theirs = _infer(populations["ours"]), _infer(populations["theirs"], stage="segment")
    assert ours.event_categoricals[0].values != theirs.event_categoricals[0].values  # the names really differ
    inputs, aggregates = [], []
    for schema, paths in ((ours, populations["ours"]), (theirs, populations["theirs"])):
        events, attrs = load_events(paths["events"], schema), load_attributes(paths["users"], schema)
        as_of = int(events.ts_ms.max()) + 1
        inputs.append(ProfileEncoder(ProfileSpec(schema=schema)).encode(events, attrs, events.user_ids, as_of))
        aggregates.append(user_aggregates(schema, events, attrs, events.user_ids, as_of)[0])
    for a, b in zip(inputs[0].as_tuple(), inputs[1].as_tuple()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(aggregates[0], aggregates[1])  # the baseline's features follow the schema too


@pytest.mark.slow
def test_renaming_gives_identical_training_and_outputs(populations, tmp_path):
    runs = {}
    for name, options in (("ours", {}), ("theirs", {"stage": "segment"})):
        paths = populations[name]
        schema_path = write_schema(_infer(paths, **options), tmp_path / f"{name}.json")
        metrics = finlite.train("profile", tmp_path / name, settings=TINY, events=paths["events"], users=paths["users"],
                                labels=paths["labels"], schema=schema_path, log=lambda _: None)
        model, info = load_run(tmp_path / name)
        schema = ProfileSpec.from_json(info.preprocess["profile"]).schema
        events, attrs = load_events(paths["events"], schema), load_attributes(paths["users"], schema)
        x = ProfileEncoder(ProfileSpec.from_json(info.preprocess["profile"])).encode(events, attrs, events.user_ids[:50], info.data["as_of_ms"])
        with torch.no_grad():
            logits = model.eval()(*(torch.from_numpy(a) for a in x.as_tuple())).numpy()
        runs[name] = (metrics["eval"], logits)
    ours, theirs = runs["ours"][0], runs["theirs"][0]  # the same figures; only the tags' names differ
    assert [k for k in ours if not k.startswith("auroc_")] == [k for k in theirs if not k.startswith("auroc_")]
    np.testing.assert_array_equal(np.array(list(ours.values())), np.array(list(theirs.values())))
    np.testing.assert_array_equal(runs["ours"][1], runs["theirs"][1])


@pytest.mark.slow
def test_eval_labels_choose_the_evaluated_users(populations, tmp_path):
    paths = populations["ours"]
    lines = paths["labels"].read_text().splitlines()
    (tmp_path / "train.csv").write_text("\n".join([lines[0], *lines[1:301]]) + "\n")
    (tmp_path / "eval.csv").write_text("\n".join([lines[0], *lines[301:]]) + "\n")
    eval_users = [line.split(",")[0] for line in lines[301:]]
    metrics = finlite.train("profile", tmp_path / "run", settings=TINY, events=paths["events"], users=paths["users"], labels=tmp_path / "train.csv",
                            eval_labels=tmp_path / "eval.csv", schema=paths["schema"], log=lambda _: None)
    samples = json.loads((tmp_path / "run" / "samples.json").read_text())
    assert sorted(samples["holdout_users"]) == sorted(eval_users) and metrics["eval_users"] == "evaluation"
    assert not set(eval_users) & set(samples["calibration_users"] + samples["validation_users"])
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["data"]["n_eval"] == len(eval_users) and run["data"]["n_train"] + run["data"]["n_val"] == 300
    # without --eval-labels every labelled user trains or validates; the figures are the validation users'
    metrics = finlite.train("profile", tmp_path / "all", settings=TINY, events=paths["events"], users=paths["users"], labels=paths["labels"],
                            schema=paths["schema"], log=lambda _: None)
    run = json.loads((tmp_path / "all" / "run.json").read_text())
    assert run["data"]["n_eval"] == 0 and run["data"]["n_train"] + run["data"]["n_val"] == 400
    assert metrics["eval_users"].startswith("validation")


@pytest.mark.slow
def test_another_banks_population_trains_exports_and_predicts(tmp_path, capsys):
    """Renamed values and columns, two extra event fields, 3 tags, 4 stages, 70 % non-buyers: no code change."""
    pop = apply_variant(generate_population(600, seed=1), Variant(rename=True, extra_fields=True, tags=3, stages=4, non_buyers=0.7, seed=1))
    paths = write_population(pop, tmp_path / "data")
    schema = read_schema(paths["schema"])  # written by inference for a variant
    assert {f.name for f in schema.event_fields} >= {"channel", "balance"} and len(schema.labels.tags) == 3
    assert len(schema.labels.stages) == 4 == len(set(pop.labels["segment"]))
    labels = load_profile_labels(paths["labels"], schema)
    assert 0.25 < labels.buys.mean() < 0.35
    code = main(["train", "profile", "--events", str(paths["events"]), "--users", str(paths["users"]), "--labels", str(paths["labels"]),
                 "--schema", str(paths["schema"]), "--out", str(tmp_path / "run"), "--set", *TINY, "epochs=8", "batch_size=32"])
    assert code == 0 and "buy AUROC" in capsys.readouterr().out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())["eval"]
    assert metrics["buyers"] < 0.5 * len(json.loads((tmp_path / "run" / "samples.json").read_text())["holdout_users"])
    assert 0.0 <= metrics["buy_auroc"] <= 1.0 and set(metrics) >= {"auroc_score_0", "auroc_score_2"}
    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "bundle")]) == 0
    assert main(["verify", str(tmp_path / "bundle")]) == 0
    preprocess = json.loads((tmp_path / "bundle" / "preprocess.json").read_text())
    assert preprocess["profile"]["schema"] == schema.to_json()  # the bundle carries the whole schema
    user = pop.users["customer_no"][0]
    capsys.readouterr()
    assert main(["predict", "--bundle", str(tmp_path / "bundle"), "--events", str(paths["events"]), "--users", str(paths["users"]), "--user", user]) == 0
    out = capsys.readouterr().out
    assert "buys anything" in out and "score_0" in out


def test_the_documented_example_is_a_valid_schema():
    """docs/schema.md's copyable example reads as it stands."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text(encoding="utf-8")
    example = text.split("```json\n", 1)[1].split("\n```", 1)[0]
    schema = ProfileSchema.from_json(json.loads(example), "docs/schema.md")
    assert schema.event_categoricals[0].name == "action" and schema.labels.tags[1].column == "churn_score"
    spec = ProfileSpec(schema=schema)
    assert spec.cat_vocabs == [6, 5, 5, 25] and spec.num_features == 6
    assert spec.static_features == 2 + (2 + 5) + 3 + 3
