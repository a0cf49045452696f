"""Profile run → bundle (4 artifacts) → verify / predict round trip, golden users, tamper refusal.

One small profile model (600 synthetic users, 3 epochs of batch 32, profile_dwshuffle_x0_5) is trained
and exported once per module (~30 s). Batch 32 gives a lifecycle macro-F1 of ~0.35: with the default
batch of 128, 3 epochs leave a model that answers one stage for everybody, and int8 parity on it
means nothing. The population seed matters: the int8 gate (>= 99% lifecycle agreement) allows one
flip among the 168 held-out users, and such weak models have near-ties (top-2 margins < 0.01) —
seed 0 has none, other seeds fail the export for one or two flipped near-ties. The training settings
that shape this model are pinned here (not taken from ProfileTrainConfig's defaults) for the same reason.
"""

import json
import shutil

import numpy as np
import pytest

import finlite
from finlite.bundle.files import sha256_file
from finlite.bundle.manifest import BundleError
from finlite.cli import main
from finlite.data.events import load_attributes, load_events
from finlite.data.profile_labels import load_profile_labels
from finlite.data.splits import split_user_ids
from finlite.data.synth.profile import generate_population, write_population
from finlite.errors import ExportError
from finlite.export.bundle import export_bundle
from finlite.runtime.bundle import Bundle, check_golden
from finlite.tasks.config import apply_overrides
from finlite.tasks.profile import ProfileTrainConfig
from finlite.tasks.profile_export import evaluate_users

pytestmark = pytest.mark.slow

ARTIFACTS = {"model.tflite", "model.int8.tflite", "model.onnx", "model.int8.onnx"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("profile_bundle")
    paths = write_population(generate_population(600, seed=0), root / "data")
    config = apply_overrides(ProfileTrainConfig(), ["epochs=3", "batch_size=32", "model=profile_dwshuffle_x0_5", "threads=1", "tags_weight=1", "max_events=128",
                                                     "eval_fraction=0.2"])
    finlite.train("profile", root / "run", config=config, events=paths["events"], users=paths["users"], labels=paths["labels"],
                  schema=paths["schema"], log=lambda _: None)
    export_bundle(root / "run", root / "bundle", log=lambda _: None)
    return {"root": root, **paths}


def test_manifest_files_sha256_and_parity(trained):
    bundle_dir = trained["root"] / "bundle"
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    assert manifest["format"] == "finlite.bundle/1" and manifest["task"] == "profile"
    assert set(manifest["files"]) == ARTIFACTS | {"labels.txt", "preprocess.json", "golden.json", "MODEL_CARD.md"}
    for name, entry in manifest["files"].items():
        assert sha256_file(bundle_dir / name) == entry["sha256"]
    assert manifest["input_names"] == ["cat", "num", "static"]
    assert manifest["output_layout"] == {"lifecycle": [0, 5], "tags": [5, 10], "buy": [10, 11], "products": [11, 24]}
    heads = manifest["postprocess"]["heads"]
    assert heads["lifecycle"]["activation"] == "softmax" and heads["tags"]["activation"] == "sigmoid"
    assert heads["products"]["top_k"] == 3 and len(heads["products"]["labels"]) == 13 and heads["buy"]["activation"] == "sigmoid"
    labels = (bundle_dir / "labels.txt").read_text().splitlines()
    assert labels[:5] == heads["lifecycle"]["labels"] and labels[11:] == heads["products"]["labels"] and len(labels) == 24
    assert labels[10] == "buy"
    preprocess = json.loads((bundle_dir / "preprocess.json").read_text())
    run = json.loads((trained["root"] / "run" / "run.json").read_text())
    assert preprocess == run["preprocess"]
    assert manifest["export_data"]["calibration_users"] > 0 and manifest["export_data"]["parity_users"] >= 120
    for art in manifest["artifacts"]:
        parity = art["parity"]
        assert parity["passed"] and parity["n"] == manifest["export_data"]["parity_users"]
        assert parity["top1_columns"] == [0, 5]  # lifecycle decides top-1
        if art["precision"] == "fp32":
            assert parity["max_abs_diff"] <= 1e-4 and parity["top1_agreement"] == 1.0
        else:
            assert parity["top1_agreement_decisive"] >= 0.99 and parity["top1_agreement"] >= 0.95 and np.isfinite(parity["max_abs_diff"])
        names = [i["name"] for i in art["inputs"]]
        assert len(names) == 3 and all(n.endswith(w) for n, w in zip(names, ("cat", "num", "static")))
        dtypes = [i["dtype"] for i in art["inputs"]]
        assert dtypes == ["int32", "float32", "float32"], art["file"]  # int8 files keep float inputs too
        batch = -1 if art["format"] == "onnx" else 1
        assert all(i["shape"][0] == batch for i in art["inputs"]), art["inputs"]  # dynamic batch on every ONNX input
        assert art["outputs"][0]["shape"][1:] == [24]
        assert art["holdout"]["n"] == 120 and 0.0 <= art["holdout"]["lifecycle_macro_f1"] <= 1.0
    card = (bundle_dir / "MODEL_CARD.md").read_text()
    assert "chance of leaving in the coming weeks" in card  # tag definitions from the schema
    assert "`event_type` categorical (16 values), the event name" in card and "finlite.schema/1" in card
    assert "HistGradientBoosting" in card and f"{manifest['metrics']['baseline']['lifecycle_macro_f1']:.4f}" in card


def test_golden_users_and_check_golden(trained):
    bundle = Bundle(trained["root"] / "bundle")
    golden = json.loads((trained["root"] / "bundle" / "golden.json").read_text())
    examples = {e["name"]: e for e in golden["examples"] if e["name"] != "held_out"}
    held = [e for e in golden["examples"] if e["name"] == "held_out"]
    assert set(examples) == {"no_events", "no_attributes", "one_event", "over_max_events"} and len(held) == 12
    max_events = bundle.encoder.spec.max_events
    assert examples["no_events"]["events"] == [] and not np.any(examples["no_events"]["inputs"]["cat"])
    assert examples["no_attributes"]["attributes"] is None and examples["no_attributes"]["events"]
    assert len(examples["one_event"]["events"]) == 1 and np.count_nonzero(np.array(examples["one_event"]["inputs"]["cat"])[:, 0]) == 1
    assert len(examples["over_max_events"]["events"]) > max_events
    assert np.count_nonzero(np.array(examples["over_max_events"]["inputs"]["cat"])[:, 0]) == max_events
    row = held[0]["events"][0]
    assert list(row) == ["user_id", "timestamp", "event_type", "page", "product", "amount", "dwell_ms"]
    assert all(isinstance(v, str) for v in row.values()) and row["timestamp"].startswith("20")
    for e in golden["examples"]:
        assert set(e["expected"]) == ARTIFACTS
        out = e["expected"]["model.tflite"]
        assert out["stage"] in bundle.outputs.postprocess["heads"]["lifecycle"]["labels"]
        assert abs(sum(out["stage_probs"].values()) - 1) < 1e-5 and len(out["tags"]) == 5 and len(out["top_products"]) == 3
        assert 0 <= out["buy_prob"] <= 1 and all(p["propensity"] == pytest.approx(out["buy_prob"] * p["prob"], rel=1e-5) for p in out["top_products"])
    results = check_golden(bundle)
    assert len(results) == 4 and all(r["passed"] and r["inputs_match"] for r in results), results


def test_predict_cli_prints_stage_and_runtimes_agree(trained, capsys):
    events, users = trained["events"], trained["users"]
    code = main(["predict", "--bundle", str(trained["root"] / "bundle"), "--events", str(events), "--users", str(users), "--user", "u000001"])
    out = capsys.readouterr().out
    assert code == 0 and "u000001" in out and "stage " in out and "tags:" in out and "top products (propensity):" in out
    bundle = Bundle(trained["root"] / "bundle")
    schema = bundle.encoder.spec.schema
    ev, at = load_events(events, schema), load_attributes(users, schema)
    as_of = int(ev.ts_ms.max()) + 1
    litert = bundle.predict(ev, at, ["u000001", "nobody"], as_of)
    onnx = bundle.predict(ev, at, ["u000001", "nobody"], as_of, format="onnx")
    assert [p.stage for p in litert] == [p.stage for p in onnx]
    assert litert[0].top_products[0]["prob"] >= litert[0].top_products[1]["prob"]
    with pytest.raises(BundleError, match="profile bundle"):
        bundle.predict(["hello"])
    code = main(["predict", "--bundle", str(trained["root"] / "bundle"), "hello"])
    assert code == 2 and "--events" in capsys.readouterr().err


def test_int8_lifecycle_macro_f1_close_to_fp32(trained, capsys):
    bundle = Bundle(trained["root"] / "bundle")
    schema = bundle.encoder.spec.schema
    labels = load_profile_labels(trained["labels"], schema)
    run = json.loads((trained["root"] / "run" / "run.json").read_text())
    _, held = split_user_ids(labels.user_ids, run["train_config"]["eval_fraction"], run["train_config"]["seed"])
    results = evaluate_users(bundle, load_events(trained["events"], schema), load_attributes(trained["users"], schema), labels.subset(held), run["data"]["as_of_ms"])
    f1 = {r["file"]: r["lifecycle_macro_f1"] for r in results}
    manifest = json.loads((trained["root"] / "bundle" / "manifest.json").read_text())
    for art in manifest["artifacts"]:  # the export measured the same users
        assert art["holdout"]["lifecycle_macro_f1"] == pytest.approx(f1[art["file"]], abs=1e-9)
    with capsys.disabled():
        print(f"\nheld-out lifecycle macro-F1 (n={len(held)}): " + ", ".join(f"{k} {v:.4f}" for k, v in f1.items()))
    assert f1["model.tflite"] == pytest.approx(f1["model.onnx"], abs=1e-9)
    assert abs(f1["model.int8.tflite"] - f1["model.tflite"]) <= 0.05
    assert abs(f1["model.int8.onnx"] - f1["model.onnx"]) <= 0.05


def test_verify_profile_bundle_with_eval(trained, capsys):
    argv = ["verify", str(trained["root"] / "bundle"), "--eval", str(trained["labels"]), "--events", str(trained["events"]), "--users", str(trained["users"]), "--json"]
    code = main(argv)
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["passed"] and report["task"] == "profile"
    assert {a["file"] for a in report["eval"]["artifacts"]} == ARTIFACTS
    assert all(a["n"] == 600 and "lifecycle_macro_f1" in a for a in report["eval"]["artifacts"])
    code = main(["verify", str(trained["root"] / "bundle"), "--eval", str(trained["labels"])])
    assert code == 2 and "--events" in capsys.readouterr().err


def test_tampered_golden_is_refused(trained, tmp_path, capsys):
    copy = tmp_path / "bundle"
    shutil.copytree(trained["root"] / "bundle", copy)
    golden = json.loads((copy / "golden.json").read_text())
    golden["examples"][0]["expected"]["model.tflite"]["stage"] = "churned"
    (copy / "golden.json").write_text(json.dumps(golden))
    with pytest.raises(BundleError, match="golden.json: .*the file was modified"):
        Bundle(copy)
    code = main(["predict", "--bundle", str(copy), "--events", str(trained["events"]), "--user", "u000001"])
    err = capsys.readouterr().err
    assert code == 2 and "golden.json" in err and "refusing" in err


def test_export_refuses_without_events_and_users(trained, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained["root"] / "run", run, ignore=shutil.ignore_patterns("checkpoints"))
    info = json.loads((run / "run.json").read_text())
    info["data"].update(events=str(tmp_path / "gone.csv"), users=None)
    (run / "run.json").write_text(json.dumps(info))
    with pytest.raises(ExportError, match="--events FILE --users FILE"):
        export_bundle(run, tmp_path / "bundle", log=lambda _: None)
    assert not (tmp_path / "bundle").exists()


def test_batch_scoring_writes_every_user_in_chunks(trained, tmp_path, capsys):
    """``finlite predict --out``: every user, one row group per chunk, the same answers as ``predict``."""
    import pyarrow.parquet as pq

    from finlite.tasks.profile_scoring import score_users

    bundle_dir = trained["root"] / "bundle"
    args = ["predict", "--bundle", str(bundle_dir), "--events", str(trained["events"]), "--users", str(trained["users"])]
    out = tmp_path / "scores.parquet"
    assert main([*args, "--out", str(out)]) == 0 and "scored 600 users" in capsys.readouterr().out
    table = pq.read_table(out)
    bundle = Bundle(bundle_dir)
    heads = bundle.postprocess["heads"]
    assert table.num_rows == 600 and table.column_names[:2] == ["user_id", "stage"]
    assert {f"tag:{t}" for t in heads["tags"]["labels"]} <= set(table.column_names) and "buy" in table.column_names
    assert len([c for c in table.column_names if c.startswith("propensity:")]) == len(heads["products"]["labels"])
    schema = bundle.encoder.spec.schema
    ev, at = load_events(trained["events"], schema), load_attributes(trained["users"], schema)
    users = table.column("user_id").to_pylist()[:20]
    rows = table.slice(0, 20).to_pylist()
    for pred, row in zip(bundle.predict(ev, at, users, int(ev.ts_ms.max()) + 1), rows):
        assert row["stage"] == pred.stage and row["buy"] == pytest.approx(pred.buy_prob, abs=1e-6)
        best = pred.top_products[0]
        assert row[f"propensity:{best['product']}"] == pytest.approx(best["propensity"], abs=1e-6)
    assert main([*args, "--out", str(out)]) == 2 and "already exists" in capsys.readouterr().err  # nothing overwritten
    (tmp_path / "list.txt").write_text(f"{users[3]}\n\n{users[1]}\n")
    csv_out = tmp_path / "some.csv"
    assert main([*args, "--out", str(csv_out), "--user-list", str(tmp_path / "list.txt"), "--format", "onnx"]) == 0
    assert csv_out.read_text().splitlines()[1].startswith(f'"{users[3]}"')
    report = score_users(bundle, ev, at, users, int(ev.ts_ms.max()) + 1, tmp_path / "chunks.parquet", chunk=7, progress=False)
    assert report["users"] == 20 and pq.ParquetFile(tmp_path / "chunks.parquet").num_row_groups == 3  # 7 + 7 + 6


def test_encode_cli_writes_shards_equal_to_the_bundles_encoding(trained, tmp_path, capsys):
    from finlite.data.shards import read_shards

    bundle_dir = trained["root"] / "bundle"
    args = ["encode", "--bundle", str(bundle_dir), "--events", str(trained["events"]), "--users", str(trained["users"]),
            "--out", str(tmp_path / "shards"), "--partitions", "3"]
    assert main(args) == 0 and "encoded 600 users" in capsys.readouterr().out
    assert main(args) == 2 and "already holds shards" in capsys.readouterr().err
    bundle = Bundle(bundle_dir)
    schema = bundle.encoder.spec.schema
    ev, at = load_events(trained["events"], schema), load_attributes(trained["users"], schema)
    shards = read_shards(tmp_path / "shards")
    users = [u for s in shards for u in s.users]
    expected = bundle.encode(ev, at, users, int(ev.ts_ms.max()) + 1)
    got = [np.concatenate([np.asarray(s.inputs[i]) for s in shards]) for i in range(3)]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    assert main(["encode", "--bundle", str(trained["root"] / "nothing"), "--events", "e", "--out", "o"]) == 2
