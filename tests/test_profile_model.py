"""Profile networks: forward/backward, output layout, padding invariance, BN folding, export, MACs."""

from __future__ import annotations

import pytest
from conftest import randomise_batchnorm
import torch
from torch import nn

from finlite.data.profile_features import ProfileEncoder
from finlite.data.profile_spec import ProfileSpec
from finlite.data.synth.vocabulary import LIFECYCLE_STAGES, OFFERABLE_PRODUCTS, TAGS, synthetic_schema
from finlite.tasks.profile import output_layout, profile_postprocess
from finlite.models import (
    Tally,
    ProfileNet,
    ProfileNetConfig,
    count_macs,
    count_params,
    fold_batchnorm,
    get_model,
    list_models,
)

SPEC = ProfileSpec(schema=synthetic_schema())
N, S = SPEC.max_events, SPEC.static_features
HEADS = {"num_lifecycle": len(LIFECYCLE_STAGES), "num_tags": len(TAGS), "num_products": len(OFFERABLE_PRODUCTS)}
SHAPES = {"static_features": S, "cat_vocabs": SPEC.cat_vocabs, "num_features": SPEC.num_features}
OUTPUTS = sum(HEADS.values()) + 1  # and the buy column
PROFILE_MODELS = list_models("profile")


def build(name: str, **kwargs) -> ProfileNet:
    return get_model(name, **HEADS, **{**SHAPES, **kwargs})


def inputs(batch: int = 4, events: int = N, real: list[int] | None = None, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Encoder-shaped inputs; row b has real[b] events (left-aligned), the rest is all-zero padding."""
    g = torch.Generator().manual_seed(seed)
    vocabs = SPEC.cat_vocabs
    cat = torch.stack([torch.randint(1, v, (batch, events), generator=g) for v in vocabs], dim=2).to(torch.int32)
    num = torch.randn(batch, events, SPEC.num_features, generator=g)
    num[..., 1] = (num[..., 1] > 0).float()  # flags
    num[..., 3] = (num[..., 3] > 0).float()
    real = real if real is not None else [events, 17, 1, 0][:batch]
    for row, count in enumerate(real):
        cat[row, count:] = 0
        num[row, count:] = 0
    return cat, num, torch.randn(batch, S, generator=g)


def test_registered_profile_models():
    assert PROFILE_MODELS == ["profile_dwshuffle_x0_5", "profile_dwshuffle_x1_0", "profile_stdconv_x1_0"]
    assert build("profile_dwshuffle_x0_5").config.channels == 48
    assert build("profile_dwshuffle_x1_0").config.channels == 96
    assert build("profile_stdconv_x1_0").config.blocks == "stdconv"
    with pytest.raises(TypeError):
        get_model("profile_dwshuffle_x1_0", num_classes=7)  # the heads must be given


@pytest.mark.parametrize("name", PROFILE_MODELS)
def test_forward_backward(name):
    model = build(name)
    cat, num, static = inputs()
    logits = model(cat, num, static)
    assert logits.shape == (4, OUTPUTS) and logits.dtype == torch.float32
    assert torch.isfinite(logits).all()
    layout = output_layout(model.config.num_lifecycle, model.config.num_tags, model.config.num_products)
    heads = {name: logits[:, a:b] for name, (a, b) in layout.items()}
    loss = (
        nn.functional.cross_entropy(heads["lifecycle"], torch.tensor([0, 1, 2, 3]))
        + nn.functional.binary_cross_entropy_with_logits(heads["tags"], torch.rand(4, HEADS["num_tags"]))
        + nn.functional.binary_cross_entropy_with_logits(heads["buy"][:, 0], torch.tensor([1.0, 0.0, 1.0, 1.0]))
        + nn.functional.cross_entropy(heads["products"], torch.tensor([0, 5, 7, 12]))
    )
    loss.backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
    embeddings = ("fields.0", "fields.1", "fields.2", "hour")  # event_type, page, product, hour
    assert all(grads[f"{e}.weight"].abs().sum() > 0 for e in (*embeddings, "num_proj"))
    assert grads["static_mlp.0.weight"].abs().sum() > 0
    assert all(grads[f"tally.{p}"].abs().sum() > 0 for p in ("scale", "shift", "proj.0.weight"))  # the time windows learn
    # the padding rows of the embeddings never learn
    assert all(grads[f"{e}.weight"][0].abs().sum() == 0 for e in embeddings)


def test_output_layout_and_postprocess_spec():
    config = ProfileNetConfig(num_lifecycle=5, num_tags=3, num_products=7, **SHAPES)
    layout = output_layout(config.num_lifecycle, config.num_tags, config.num_products)
    assert layout == {"lifecycle": [0, 5], "tags": [5, 8], "buy": [8, 9], "products": [9, 16]}
    assert config.num_outputs == 16 == layout["products"][1]
    labels = [f"c{i}" for i in range(16)]
    post = profile_postprocess(layout, labels)
    assert post["heads"]["tags"]["labels"] == ["c5", "c6", "c7"] and post["heads"]["products"]["columns"] == [9, 16]
    assert post["heads"]["buy"] == {"columns": [8, 9], "labels": ["c8"], "activation": "sigmoid"}
    assert post["heads"]["products"]["given"] == "buy"
    with pytest.raises(ValueError, match="covers 16 columns, but there are 15 labels"):
        profile_postprocess(layout, labels[:15])
    out = ProfileNet(config).eval()(*inputs(2))
    assert out.shape == (2, layout["products"][1])


@pytest.mark.parametrize("name", PROFILE_MODELS)
def test_trimming_trailing_padding_does_not_change_outputs(name):
    """The phone always runs max_events rows; training may trim padding. Both must agree."""
    model = build(name)
    randomise_batchnorm(model)
    model.eval()
    cat, num, static = inputs(real=[20, 13, 1, 0])
    with torch.no_grad():
        full = model(cat, num, static)
        for length in (20, 21, 27):  # even and odd lengths (the stride-2 unit)
            trimmed = model(cat[:, :length], num[:, :length], static)
            assert torch.allclose(full, trimmed, atol=1e-5), (length, (full - trimmed).abs().max())


@pytest.mark.parametrize("name", ["profile_dwshuffle_x1_0", "profile_stdconv_x1_0"])
def test_values_in_padding_rows_are_ignored(name):
    model = build(name)
    randomise_batchnorm(model)
    model.eval()
    cat, num, static = inputs(real=[20, 13, 1, 0])
    noisy_cat, noisy_num = cat.clone(), num.clone()
    pad = cat[..., 0] == 0
    noisy_cat[..., 1:][pad] = 3
    noisy_num[pad] = 7.0
    with torch.no_grad():
        assert torch.allclose(model(cat, num, static), model(noisy_cat, noisy_num, static), atol=1e-5)


def test_users_without_events_depend_on_static_features_only():
    model = build("profile_dwshuffle_x0_5")
    randomise_batchnorm(model)
    model.eval()
    cat, num, static = inputs(batch=2, real=[0, 0])
    with torch.no_grad():
        out = model(cat, num, static)
        assert torch.isfinite(out).all()
        assert not torch.allclose(out[0], out[1])  # different static rows
        assert torch.allclose(model(cat, num, static[:1].expand(2, -1)), out[:1].expand(2, -1))


def test_fold_batchnorm_preserves_outputs():
    for name in PROFILE_MODELS:
        model = build(name)
        randomise_batchnorm(model)
        model.eval()
        folded = fold_batchnorm(model)
        assert not any(isinstance(m, nn.BatchNorm1d) for m in folded.modules())
        x = inputs()
        with torch.no_grad():
            assert torch.allclose(model(*x), folded(*x), atol=1e-4), name


@pytest.mark.parametrize("name", ["profile_dwshuffle_x0_5", "profile_stdconv_x1_0"])
def test_torch_export_succeeds(name):
    """A cheap proxy for TFLite convertibility: static shapes, no data-dependent control flow."""
    model = fold_batchnorm(build(name)).eval()
    cat, num, static = inputs()
    exported = torch.export.export(model, (cat[:1], num[:1], static[:1]))
    with torch.no_grad():
        assert torch.allclose(exported.module()(cat[1:2], num[1:2], static[1:2]), model(cat[1:2], num[1:2], static[1:2]), atol=1e-5)
    for node in exported.graph.nodes:
        if node.op == "call_function" and "val" in node.meta and isinstance(node.meta["val"], torch.Tensor):
            assert node.meta["val"].dim() <= 4, node


def test_standard_conv_baseline_needs_at_least_2_5x_the_macs():
    cat, num, static = inputs(batch=1)
    ours = count_macs(build("profile_dwshuffle_x1_0"), cat, num, static)
    small = count_macs(build("profile_dwshuffle_x0_5"), cat, num, static)
    baseline = count_macs(build("profile_stdconv_x1_0"), cat, num, static)
    assert baseline >= 2.5 * ours
    assert small < ours
    assert count_params(build("profile_stdconv_x1_0")) > count_params(build("profile_dwshuffle_x1_0"))


def test_encoder_output_feeds_the_model(tmp_path):
    from finlite.data.events import load_attributes, load_events
    from finlite.data.synth.profile import generate_population, write_population

    population = generate_population(6, seed=5)
    paths = write_population(population, tmp_path)
    events, attrs = load_events(paths["events"], SPEC.schema), load_attributes(paths["users"], SPEC.schema)
    x = ProfileEncoder(SPEC).encode(events, attrs, list(events.user_ids) + ["ghost"], population.as_of_ms)
    model = build("profile_dwshuffle_x0_5").eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x.cat), torch.from_numpy(x.num), torch.from_numpy(x.static))
    assert out.shape == (7, OUTPUTS) and torch.isfinite(out).all()


def test_config_validation():
    with pytest.raises(ValueError, match="block family"):
        ProfileNet(ProfileNetConfig(**HEADS, **SHAPES, blocks="nope"))
    with pytest.raises(ValueError, match="stage kind"):
        ProfileNet(ProfileNetConfig(**HEADS, **SHAPES, stages=(("lstm", 3, 1),)))
    with pytest.raises(ValueError, match=">= 1"):
        ProfileNet(ProfileNetConfig(**HEADS, **{**SHAPES, "static_features": 0}))


def test_tally_counts_each_id_overall_and_in_time_windows():
    """log(1 + count) per id: over all real events, and over a window that keeps events with elapsed < 0."""
    tally = Tally((4, 3), (0, 1), windows=1, dim=8)
    tally.proj = nn.Identity()
    with torch.no_grad():
        tally.scale.fill_(-100.0)  # sigmoid(-100 * elapsed): 1 for recent (elapsed < 0), 0 for older events
        tally.shift.fill_(0.0)
    # one user: event ids 1, 1, 2, 3 (pages 2, 2, 1, 1), the first and third recent; then padding
    cat = torch.tensor([[[1, 2], [1, 2], [2, 1], [3, 1], [0, 0], [0, 0]]])
    elapsed = torch.tensor([[-1.0, 1.0, -0.5, 2.0, -3.0, -3.0]])
    counts = (torch.exp(tally(cat, elapsed)) - 1.0).reshape(4 + 3, 2)  # (id, [all, window])
    expected = torch.tensor([[0, 0], [2, 1], [1, 1], [1, 0], [0, 0], [2, 1], [2, 1]], dtype=torch.float32)
    assert torch.allclose(counts, expected, atol=1e-4), counts


def test_runs_recorded_before_tallies_rebuild_the_old_architecture():
    from finlite.training.checkpoint import RunInfo

    old_kwargs = {**HEADS, **SHAPES, "dropout": 0.2}
    info = RunInfo(task="profile", model="profile_dwshuffle_x0_5", model_kwargs=old_kwargs, labels=[], preprocess={}, train_config={})
    old = info.build_model()
    assert not old.config.count_log and old.config.tally_windows == 0 and not hasattr(old, "tally")
    assert info.architecture_kwargs()["tally_windows"] == 0
    new = build("profile_dwshuffle_x0_5")
    assert new.config.count_log and new.config.tally_windows == 3
    # what the fallback prevents: an old model.pt does not fit the new default architecture
    with pytest.raises(RuntimeError, match="tally"):
        new.load_state_dict(old.state_dict())
    recorded = RunInfo(**{**info.__dict__, "model_kwargs": {**old_kwargs, "count_log": True, "tally_windows": 2}})
    assert recorded.build_model().config.tally_windows == 2  # recorded settings win over the fallback


def test_training_defaults_of_the_network_options_match_the_architecture_defaults():
    """ProfileTrainConfig repeats ProfileNetConfig's defaults (config.py stays free of torch)."""
    from finlite.tasks.profile import ProfileTrainConfig

    config, net = ProfileTrainConfig(), ProfileNetConfig(**HEADS, **SHAPES)
    assert (config.count_log, config.tally_windows) == (net.count_log, net.tally_windows)
