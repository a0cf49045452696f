"""Export → bundle → verify/predict round trip on a small model, and tamper refusal."""

import json
import re
import shutil

import numpy as np
import pytest
from conftest import write_small_corpus

from finlite.cli import main
from finlite.data.text import TextEncoder, TextSpec
from finlite.bundle.files import sha256_file
from finlite.errors import ExportError
from finlite.export.bundle import export_bundle
from finlite.bundle.manifest import BundleError
from finlite.runtime.bundle import Bundle, check_golden
from finlite.tasks.intent_export import evaluate_texts
from finlite.tasks.config import apply_overrides
from finlite.tasks.intent import IntentTrainConfig
import finlite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundle")
    write_small_corpus(root, seed=5)
    config = apply_overrides(IntentTrainConfig(), ["epochs=10", "distill=false", "label_smoothing=0", "buckets=4096", "model=intent_dwshuffle_x0_5", "threads=1"])
    finlite.train("intent", root / "run", config=config, train=root / "train.csv", eval=root / "eval.csv", log=lambda _: None)
    export_bundle(root / "run", root / "bundle", log=lambda _: None)
    return root


def test_bundle_has_every_file_with_matching_sha256(trained):
    bundle_dir = trained / "bundle"
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    assert manifest["format"] == "finlite.bundle/1" and manifest["task"] == "intent"
    expected = {"model.tflite", "model.int8.tflite", "model.onnx", "model.int8.onnx", "labels.txt", "preprocess.json", "golden.json", "MODEL_CARD.md"}
    assert set(manifest["files"]) == expected
    for name, entry in manifest["files"].items():
        assert sha256_file(bundle_dir / name) == entry["sha256"]
    for art in manifest["artifacts"]:
        assert art["parity"]["passed"] and art["parity"]["n"] >= 256
        if art["precision"] == "fp32":
            assert art["parity"]["max_abs_diff"] <= 1e-4 and art["parity"]["top1_agreement"] == 1.0
        else:
            assert art["parity"]["top1_agreement_decisive"] >= 0.99 and art["parity"]["top1_agreement"] >= 0.95
    tflite_inputs = next(a for a in manifest["artifacts"] if a["file"] == "model.tflite")["inputs"]
    assert tflite_inputs[0]["dtype"] == "int32" and tflite_inputs[0]["shape"] == [1, 64, 32]
    labels = (bundle_dir / "labels.txt").read_text().splitlines()
    assert len(labels) == 28 and "out_of_scope" in labels


def test_golden_vectors_match_the_encoder_and_every_artifact(trained):
    bundle = Bundle(trained / "bundle")
    golden = json.loads((trained / "bundle" / "golden.json").read_text())
    texts = [e["text"] for e in golden["examples"]]
    assert "" in texts and any(len(t) == 10_000 for t in texts) and any("😭" in t for t in texts)
    encoder = TextEncoder(TextSpec.from_json(json.loads((trained / "bundle" / "preprocess.json").read_text())["text"]))
    assert np.array_equal(np.array([e["ids"] for e in golden["examples"]]), encoder.encode_batch(texts))
    results = check_golden(bundle)
    assert len(results) == 4 and all(r["passed"] for r in results), results


def test_predict_with_both_runtimes_and_the_oos_rule(trained):
    bundle = Bundle(trained / "bundle")
    texts = ["我想查一下银行卡余额", "what's the weather like tomorrow"]
    litert = bundle.predict(texts)
    onnx = bundle.predict(texts, format="onnx")
    assert [p.label for p in litert] == [p.label for p in onnx]
    for pred in litert:
        assert len(pred.top_k) == 3 and pred.top_k[0]["prob"] >= pred.top_k[1]["prob"]
        assert abs(float(pred.probs.sum()) - 1.0) < 1e-5
        rejected = float(pred.probs.max()) < bundle.postprocess["oos_threshold"]
        assert pred.is_out_of_scope == (pred.label == "out_of_scope") and (not rejected or pred.is_out_of_scope)
    int8 = bundle.predict(texts, precision="int8")
    assert len(int8) == 2
    with pytest.raises(BundleError, match="unknown artifact format 'coreml'"):
        bundle.predict(texts, format="coreml")


def test_verify_reports_accuracy_of_every_artifact(trained, capsys):
    code = main(["verify", str(trained / "bundle"), "--eval", str(trained / "eval.csv"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["passed"]
    accuracies = {a["file"]: a["accuracy"] for a in report["eval"]["artifacts"]}
    assert set(accuracies) == {"model.tflite", "model.int8.tflite", "model.onnx", "model.int8.onnx"}
    assert accuracies["model.tflite"] == pytest.approx(accuracies["model.onnx"], abs=1e-9)
    assert abs(accuracies["model.int8.tflite"] - accuracies["model.tflite"]) <= 0.02
    bundle = Bundle(trained / "bundle")
    direct = evaluate_texts(bundle, ["我想查一下银行卡余额"], ["check_balance"])
    assert direct[0]["n"] == 1


def test_tampered_file_is_refused(trained, tmp_path, capsys):
    copy = tmp_path / "bundle"
    shutil.copytree(trained / "bundle", copy)
    with open(copy / "labels.txt", "a", encoding="utf-8") as handle:
        handle.write("extra\n")
    with pytest.raises(BundleError, match="labels.txt: .* the manifest says .* the file was modified") as err:
        Bundle(copy)
    assert err.value.code == "file_size"
    code = main(["predict", "--bundle", str(copy), "hello"])
    err = capsys.readouterr().err
    assert code == 2 and "labels.txt" in err and "refusing" in err
    shutil.copy(trained / "bundle" / "labels.txt", copy / "labels.txt")
    Bundle(copy)  # restored: loads again
    (copy / "model.tflite").unlink()
    with pytest.raises(BundleError, match="model.tflite: listed in the manifest but missing"):
        Bundle(copy)


def test_export_refuses_to_overwrite_and_formats_are_checked(trained, tmp_path):
    with pytest.raises(ExportError, match="--force"):
        export_bundle(trained / "run", trained / "bundle", log=lambda _: None)
    with pytest.raises(ExportError, match="unknown export format"):
        export_bundle(trained / "run", tmp_path / "b", formats=("tflite", "coreml"), log=lambda _: None)
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: [m], "expected a JSON object, found array"),
        (lambda m: {k: v for k, v in m.items() if k != "postprocess"}, "field 'postprocess': missing"),
        (lambda m: {**m, "files": ["labels.txt"]}, "field 'files': expected a JSON object"),
        (lambda m: {**m, "format": "finlite.bundle/9"}, "this finlite reads 'finlite.bundle/1'"),
    ],
)
def test_a_malformed_manifest_is_a_one_line_error(trained, tmp_path, capsys, edit, message):
    copy = tmp_path / "bundle"
    shutil.copytree(trained / "bundle", copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    (copy / "manifest.json").write_text(json.dumps(edit(manifest)), encoding="utf-8")
    with pytest.raises(BundleError, match=re.escape(message)):
        Bundle(copy)
    assert main(["verify", str(copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "manifest.json" in err and message in err


def test_a_preprocess_file_of_another_format_is_refused(trained, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(trained / "bundle", copy)
    path = copy / "preprocess.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**spec, "format": "finlite.preprocess/2"}), encoding="utf-8")
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["preprocess.json"] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}  # a consistent but unknown bundle
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BundleError, match=r"preprocess.json: format 'finlite.preprocess/2', this finlite reads 'finlite.preprocess/1'"):
        Bundle(copy)
