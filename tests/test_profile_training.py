"""Profile training end to end on a small synthetic population, the labels loader, the baseline."""

import json

import numpy as np
import pytest
import torch

import finlite
from finlite.cli import main
from finlite.data.events import load_attributes, load_events
from finlite.data.loaders import DataError
from finlite.data.profile_labels import load_profile_labels
from finlite.data.splits import split_user_ids
from finlite.data.synth.profile import generate_population, write_population
from finlite.tasks.config import apply_overrides
from finlite.data.synth.vocabulary import synthetic_schema
from finlite.tasks.profile import ProfileTrainConfig, schema_layout
from finlite.tasks.profile_baseline import baseline_soft_targets, user_aggregates
from finlite.tasks.profile_training import ProfileObjective

SCHEMA = synthetic_schema()
LAYOUT = schema_layout(SCHEMA)
N_LIFE, N_TAGS, N_BUY, N_PRODUCTS = (b - a for a, b in LAYOUT.values())


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    root = tmp_path_factory.mktemp("population")
    write_population(generate_population(600, seed=4), root)
    return root


def test_labels_loader_reads_the_generated_file_and_names_bad_rows(population, tmp_path):
    labels = load_profile_labels(population / "labels.csv", SCHEMA)
    assert len(labels.user_ids) == 600 and labels.tags.shape == (600, 5)
    assert labels.tags.min() >= 0 and labels.tags.max() <= 1
    text = (population / "labels.csv").read_text().splitlines()
    header = text[0].split(",")
    row = text[2].split(",")
    row[header.index("lifecycle")] = "zombie"
    (tmp_path / "bad.csv").write_text("\n".join([text[0], text[1], ",".join(row)]) + "\n")
    with pytest.raises(DataError, match=r"bad.csv, row 2, field 'lifecycle': stage 'zombie' is not in the schema's stages"):
        load_profile_labels(tmp_path / "bad.csv", SCHEMA)
    row = text[2].split(",")
    row[header.index("churn_risk")] = "1.5"
    (tmp_path / "bad.csv").write_text("\n".join([text[0], text[1], ",".join(row)]) + "\n")
    with pytest.raises(DataError, match=r"bad.csv, row 2, field 'churn_risk': tag value must be in \[0, 1\], got '1.5'"):
        load_profile_labels(tmp_path / "bad.csv", SCHEMA)
    row = text[2].split(",")
    row[header.index("next_product")] = "none"  # bought nothing: index -1
    (tmp_path / "none.csv").write_text("\n".join([text[0], text[1], ",".join(row)]) + "\n")
    assert load_profile_labels(tmp_path / "none.csv", SCHEMA).next_product[1] == -1
    (tmp_path / "labels.txt").write_text("x")
    with pytest.raises(DataError, match="unsupported file type"):
        load_profile_labels(tmp_path / "labels.txt", SCHEMA)


def test_user_split_is_deterministic_and_disjoint():
    users = [f"u{i:04d}" for i in range(100)]
    kept, held = split_user_ids(users, 0.2, seed=1)
    assert len(held) == 20 and not set(kept) & set(held) and set(kept) | set(held) == set(users)
    assert split_user_ids(list(reversed(users)), 0.2, seed=1) == (kept, held)


def test_aggregates_have_a_name_per_column_and_see_recency(population):
    events, attrs = load_events(population / "events.csv", SCHEMA), load_attributes(population / "users.csv", SCHEMA)
    as_of = int(json.loads((population / "meta.json").read_text())["as_of_ms"])
    users = events.user_ids[:50]
    features, names = user_aggregates(SCHEMA, events, attrs, users, as_of)
    assert features.shape == (50, len(names)) and len(set(names)) == len(names)
    first = events.user_slice(users[0])
    days = (as_of - events.ts_ms[first].max()) / 86_400_000
    assert features[0, names.index("days_since_last")] == pytest.approx(days)


@pytest.mark.slow
def test_short_profile_training_learns_and_reports_the_baseline(population, tmp_path):
    config = apply_overrides(ProfileTrainConfig(), ["epochs=4", "threads=1", "model=profile_dwshuffle_x0_5", "batch_size=64"])
    metrics = finlite.train("profile", tmp_path / "run", config=config, events=population / "events.csv", users=population / "users.csv", labels=population / "labels.csv", log=lambda _: None)
    network, baseline = metrics["eval"], metrics["baseline"]
    assert network["lifecycle_macro_f1"] > 0.25  # chance for 5 classes is about 0.2 or below
    assert network["tag_auroc_mean"] > 0.6
    assert baseline["lifecycle_macro_f1"] > 0.3 and baseline["tag_auroc_mean"] > 0.7
    on_disk = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert set(on_disk) >= {"eval", "baseline", "model", "train", "data"}
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["task"] == "profile" and run["preprocess"]["profile"]["format"] == "finlite.profile/2"
    assert json.loads((tmp_path / "run" / "schema.json").read_text())["format"] == "finlite.schema/1"  # inferred, saved in the run
    # the network options are recorded, so a later change of their defaults cannot change how this run is rebuilt
    assert {k: run["model_kwargs"][k] for k in ("count_log", "tally_windows")} == {"count_log": config.count_log, "tally_windows": config.tally_windows}


def test_baseline_soft_targets_are_out_of_fold_distributions(population):
    events, attrs = load_events(population / "events.csv", SCHEMA), load_attributes(population / "users.csv", SCHEMA)
    labels = load_profile_labels(population / "labels.csv", SCHEMA)
    as_of = int(events.ts_ms.max()) + 1
    life, tags, buy, products = baseline_soft_targets(SCHEMA, events, attrs, labels, as_of, seed=0, folds=3, log=lambda _: None)
    assert life.shape == (600, N_LIFE) and tags.shape == (600, N_TAGS) and products.shape == (600, N_PRODUCTS)
    assert buy.shape == (600,) and (buy == 1.0).all()  # everyone in this population buys
    np.testing.assert_allclose(life.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(products.sum(1), 1.0, atol=1e-5)
    assert tags.min() >= 0.0 and tags.max() <= 1.0
    # out of fold: the teacher is right more often than chance but far from memorising its own labels
    agreement = np.mean(life.argmax(1) == labels.lifecycle)
    assert 0.4 < agreement < 0.98


def test_profile_loss_mixes_labels_and_teacher_by_distill_weight():
    g = torch.Generator().manual_seed(0)
    outputs = torch.randn(8, N_LIFE + N_TAGS + N_BUY + N_PRODUCTS, generator=g)
    products = torch.randint(0, N_PRODUCTS, (8,), generator=g)
    products[[1, 4]] = -1  # two users bought nothing
    buyers = products >= 0
    labels = (torch.randint(0, N_LIFE, (8,), generator=g), torch.rand(8, N_TAGS, generator=g), products)
    teacher = (torch.softmax(torch.randn(8, N_LIFE, generator=g), 1), torch.rand(8, N_TAGS, generator=g), torch.rand(8, generator=g),
               torch.softmax(torch.randn(8, N_PRODUCTS, generator=g), 1))
    plain = ProfileObjective(apply_overrides(ProfileTrainConfig(), ["distill_baseline=0"]), LAYOUT)
    mixed = ProfileObjective(apply_overrides(ProfileTrainConfig(), ["distill_baseline=0.25"]), LAYOUT)
    all_heads = ProfileObjective(apply_overrides(ProfileTrainConfig(), ["distill_baseline=0.25", "distill_tags=true"]), LAYOUT)
    hard, soft = plain.loss(outputs, labels), plain._loss(outputs, *teacher, buyers)
    soft_label_tags = plain._loss(outputs, teacher[0], labels[1], teacher[2], teacher[3], buyers)  # the default: tags from the labels
    # the product term sees the buyers only: a non-buyer's product logits get no gradient from it
    grad_outputs = outputs.clone().requires_grad_(True)
    plain.loss(grad_outputs, labels).backward()
    assert grad_outputs.grad[1, -N_PRODUCTS:].abs().sum() == 0 and grad_outputs.grad[0, -N_PRODUCTS:].abs().sum() > 0
    assert grad_outputs.grad[1, N_LIFE + N_TAGS].abs() > 0  # but its buy logit learns "no"
    assert plain.loss(outputs, (*labels, *teacher)) == pytest.approx(hard.item())  # distill 0: teacher ignored
    assert mixed.loss(outputs, (*labels, *teacher)).item() == pytest.approx(0.75 * hard.item() + 0.25 * soft_label_tags.item(), rel=1e-6)
    assert all_heads.loss(outputs, (*labels, *teacher)).item() == pytest.approx(0.75 * hard.item() + 0.25 * soft.item(), rel=1e-6)
    assert len({round(v.item(), 5) for v in (hard, soft, soft_label_tags)}) == 3


def test_train_profile_cli_errors_are_one_line(population, tmp_path, capsys):
    code = main(["train", "profile", "--events", str(population / "events.csv"), "--users", str(population / "users.csv"),
                 "--labels", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and "missing.csv: file not found" in err and err.count("\n") == 1
