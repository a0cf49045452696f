"""Small intent and profile bundles for the mobile demos' tests (``make test-android`` / ``make test-ios``).

    python tests/mobile/make_bundles.py OUT_DIR   → OUT_DIR/intent/, OUT_DIR/profile/, OUT_DIR/profile_other/

``profile_other`` is another bank's data (docs/synthetic_profiles.md, "Variants"): renamed values and columns,
two extra event fields, 3 tags, 4 stages, 70 % non-buyers, its schema inferred — the apps must read all of it
from the bundle.

Models are deliberately tiny (a few epochs on the built-in synthetic data, ~1 minute in all): the demos'
tests check preprocessing, post-processing and manifest handling against each bundle's golden.json, which
holds whatever the model computes; accuracy does not matter here. A bundle is rebuilt whenever the finlite
sources or this script changed since it was written (a sha256 over them, kept in OUT_DIR/<task>.sources), so
a change to the Python preprocessing always reaches the demos' tests; otherwise it is kept and re-runs are fast.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

import finlite
from finlite.data.synth.intent import generate_intent_corpus, split_corpus, write_csv
from finlite.data.synth.profile import generate_population, write_population
from finlite.data.synth.profile_variant import Variant, apply_variant
from finlite.export.bundle import export_bundle
from finlite.tasks.config import apply_overrides
from finlite.tasks.intent import IntentTrainConfig
from finlite.tasks.profile import ProfileTrainConfig


def sources_digest() -> str:
    """sha256 over the finlite package's Python sources and this script (paths and contents)."""
    package = Path(finlite.__file__).resolve().parent
    digest = hashlib.sha256()
    files = [(str(p.relative_to(package)), p) for p in sorted(package.rglob("*.py"))] + [("make_bundles.py", Path(__file__))]
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _is_current(bundle_dir: Path, stamp: Path, digest: str) -> bool:
    return (bundle_dir / "manifest.json").exists() and stamp.exists() and stamp.read_text(encoding="utf-8").strip() == digest


def make_intent_bundle(out: Path, work: Path) -> None:
    train, evaluation = split_corpus(generate_intent_corpus(n_per_intent=30, n_out_of_scope=90, seed=0), 0.25, seed=0)
    write_csv(train, work / "train.csv")
    write_csv(evaluation, work / "eval.csv")
    config = apply_overrides(IntentTrainConfig(), ["epochs=4", "distill=false", "threads=1", "model=intent_dwshuffle_x0_5"])
    finlite.train("intent", work / "intent_run", config=config, train=work / "train.csv", eval=work / "eval.csv", log=lambda _: None)
    export_bundle(work / "intent_run", out, force=True, log=lambda _: None)


def make_profile_bundle(out: Path, work: Path) -> None:
    # the settings of tests/test_profile_bundle.py: a small model whose int8 parity gate is known to hold
    paths = write_population(generate_population(600, seed=0), work / "profile_data")
    config = apply_overrides(ProfileTrainConfig(), ["epochs=3", "batch_size=32", "model=profile_dwshuffle_x0_5", "threads=1", "tags_weight=1", "max_events=128",
                                                     "eval_fraction=0.2"])
    finlite.train("profile", work / "profile_run", config=config, events=paths["events"], users=paths["users"], labels=paths["labels"],
                  schema=paths["schema"], log=lambda _: None)
    export_bundle(work / "profile_run", out, force=True, log=lambda _: None)


def make_other_profile_bundle(out: Path, work: Path) -> None:
    # the settings of tests/test_schema.py's end-to-end test on the same population
    variant = Variant(rename=True, extra_fields=True, tags=3, stages=4, non_buyers=0.7, seed=1)
    paths = write_population(apply_variant(generate_population(600, seed=1), variant), work / "other_data")
    settings = ["epochs=8", "batch_size=32", "baseline=false", "distill_baseline=0", "model=profile_dwshuffle_x0_5", "threads=1",
                "max_events=32", "eval_fraction=0.2"]
    finlite.train("profile", work / "other_run", settings=settings, events=paths["events"], users=paths["users"], labels=paths["labels"],
                  schema=paths["schema"], log=lambda _: None)
    export_bundle(work / "other_run", out, force=True, log=lambda _: None)


AGREEMENT_TEXTS = 1000


def _agreement_key(bundle_dir: Path, target: Path) -> str | None:
    """The key an agreement file is written under (its bundle's manifest and this script), or None when
    ``target`` already holds that key (printed as up to date)."""
    import json

    key = hashlib.sha256((bundle_dir / "manifest.json").read_bytes() + Path(__file__).read_bytes()).hexdigest()
    if target.exists() and json.loads(target.read_text(encoding="utf-8")).get("key") == key:
        print(f"{target}: up to date")
        return None
    return key


def write_intent_agreement(root: Path) -> None:
    """root/agreement_intent.json: 1,000 synthetic texts (another seed than the bundle's data) and Python's answer
    for each of the intent bundle's artifacts (label, softmax probabilities) from load_bundle + predict, for the
    apps' end-to-end agreement tests. Rewritten when the bundle's manifest changed."""
    import json

    bundle_dir, target = root / "intent", root / "agreement_intent.json"
    key = _agreement_key(bundle_dir, target)
    if key is None:
        return
    texts = [e.text for e in generate_intent_corpus(n_per_intent=40, n_out_of_scope=200, seed=7)][:AGREEMENT_TEXTS]
    bundle = finlite.load_bundle(bundle_dir)
    answers = {}
    for art in bundle.artifacts:
        if art["format"] not in ("tflite", "onnx"):
            continue
        preds = bundle.predict(texts, format=art["format"], precision=art["precision"])
        answers[art["file"]] = {"labels": [p.label for p in preds], "probs": [[round(float(x), 8) for x in p.probs] for p in preds]}
    target.write_text(json.dumps({"key": key, "texts": texts, "python": answers}, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{target}: written ({len(texts)} texts)")


AGREEMENT_USERS = 500


def write_profile_agreement(root: Path) -> None:
    """root/agreement_profile.json: 500 synthetic users (another seed than the bundle's data) as raw CSV cells and
    Python's answer per artifact (stage, tag scores, top products) from the public loaders + load_bundle + predict."""
    import csv
    import json
    from collections import defaultdict

    from finlite.data.events import load_attributes, load_events

    bundle_dir, target = root / "profile", root / "agreement_profile.json"
    key = _agreement_key(bundle_dir, target)
    if key is None:
        return
    with tempfile.TemporaryDirectory() as work:
        paths = write_population(generate_population(AGREEMENT_USERS, seed=11), Path(work))
        with open(paths["events"], newline="", encoding="utf-8") as f:
            events_by_user: dict = defaultdict(list)
            for row in csv.DictReader(f):
                events_by_user[row["user_id"]].append(row)
        with open(paths["users"], newline="", encoding="utf-8") as f:
            attributes = {row["user_id"]: row for row in csv.DictReader(f)}
        schema = finlite.load_bundle(bundle_dir).encoder.spec.schema
        events, attrs = load_events(paths["events"], schema), load_attributes(paths["users"], schema)
    as_of = int(events.ts_ms.max()) + 1
    users = sorted(set(events_by_user) | set(attributes))[:AGREEMENT_USERS]
    bundle = finlite.load_bundle(bundle_dir)
    answers = {}
    for art in bundle.artifacts:
        if art["format"] not in ("tflite", "onnx"):
            continue
        preds = bundle.predict(events, attrs, users, as_of, format=art["format"], precision=art["precision"])
        answers[art["file"]] = {"stages": [p.stage for p in preds], "tags": [[round(float(v), 8) for v in p.tags.values()] for p in preds],
                                "top_products": [[t["product"] for t in p.top_products] for p in preds]}
    rows = [{"user_id": u, "events": events_by_user.get(u, []), "attributes": attributes.get(u)} for u in users]
    target.write_text(json.dumps({"key": key, "as_of_ms": as_of, "users": rows, "python": answers}) + "\n", encoding="utf-8")
    print(f"{target}: written ({len(users)} users)")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root = Path(argv[0])
    digest = sources_digest()
    for task, make in (("intent", make_intent_bundle), ("profile", make_profile_bundle), ("profile_other", make_other_profile_bundle)):
        target, stamp = root / task, root / f"{task}.sources"
        if _is_current(target, stamp, digest):
            print(f"{target}: up to date")
            continue
        stamp.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as work:
            make(target, Path(work))
        stamp.write_text(digest + "\n", encoding="utf-8")
        print(f"{target}: written")
    write_intent_agreement(root)
    write_profile_agreement(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
