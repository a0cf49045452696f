"""Layers, networks, registry, MACs counts and BatchNorm folding."""

import pytest
from conftest import randomise_batchnorm
import torch
from torch import nn

from finlite.models import (
    DepthwiseSeparableConv1d,
    ShuffleUnit1d,
    StandardConv1d,
    channel_shuffle,
    count_macs,
    count_params,
    fold_batchnorm,
    get_model,
    list_models,
    register_model,
)
from finlite.models.intent import HashedUnitEmbedding
from finlite.models.layers import shuffle_halves

L, F = 16, 6


def _ids(batch: int = 3, buckets: int = 512, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, buckets, (batch, L, F), generator=g, dtype=torch.int32)
    for row in range(batch):  # realistic padding: row r has 4 + 3r units, the last features empty
        ids[row, 4 + 3 * row :] = 0
        ids[row, :, F - 2 :] = 0
    return ids


def test_channel_shuffle_interleaves_groups():
    x = torch.arange(6, dtype=torch.float32).reshape(1, 6, 1)
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]
    with pytest.raises(ValueError, match="divisible"):
        channel_shuffle(x, 4)


def test_shuffle_halves_is_the_shuffle_of_the_concatenation():
    g = torch.Generator().manual_seed(0)
    first, second = torch.randn(2, 5, 7, generator=g), torch.randn(2, 5, 7, generator=g)
    assert torch.equal(shuffle_halves(first, second), channel_shuffle(torch.cat((first, second), dim=1), 2))


def test_hashed_embedding_training_path_matches_the_exported_lookup():
    """Training sums features with embedding_bag, inference (what is exported) looks them up and sums:
    the same units, mask and embedding gradient (padding features and all-padding units included)."""
    torch.manual_seed(0)
    trained, exported = HashedUnitEmbedding(512, 8), HashedUnitEmbedding(512, 8)
    exported.load_state_dict(trained.state_dict())
    trained.train(), exported.eval()
    ids = _ids(batch=4)
    ids[0, 1] = 0  # an all-padding unit between real ones
    (units_a, mask_a), (units_b, mask_b) = trained(ids), exported(ids)
    torch.testing.assert_close(units_a, units_b, rtol=1e-6, atol=1e-6)
    assert torch.equal(mask_a, mask_b)
    weights = torch.randn(units_a.shape, generator=torch.Generator().manual_seed(1))
    (units_a * weights).sum().backward()
    (units_b * weights).sum().backward()
    torch.testing.assert_close(trained.embedding.weight.grad, exported.embedding.weight.grad, rtol=1e-5, atol=1e-6)
    assert torch.all(trained.embedding.weight.grad[0] == 0)  # the padding row never learns


def _profile_inputs(batch: int = 3, events: int = 16, static: int = 35, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """cat (B, N, 4) / num (B, N, 6) / static (B, S) as finlite.data.profile_features makes them."""
    g = torch.Generator().manual_seed(seed)
    cat = torch.stack([torch.randint(1, v, (batch, events), generator=g) for v in (18, 21, 16, 25)], dim=2).to(torch.int32)
    num = torch.randn(batch, events, 6, generator=g)
    for row in range(batch):  # row r has 3 + 5r events, the rest padding; the last row none at all
        real = 0 if row == batch - 1 else 3 + 5 * row
        cat[row, real:] = 0
        num[row, real:] = 0
    return cat, num, torch.randn(batch, static, generator=g)


@pytest.mark.parametrize("name", list_models())
def test_every_model_forward_backward_and_macs(name):
    if name in list_models("profile"):
        model = get_model(name, num_lifecycle=5, num_tags=4, num_products=6, static_features=35, cat_vocabs=(18, 21, 16, 25), num_features=6)
        inputs, outputs = _profile_inputs(), 5 + 4 + 1 + 6  # lifecycle, tags, buy, products
    else:
        model = get_model(name, num_classes=7, buckets=512)
        inputs, outputs = (_ids(),), 7
    logits = model(*inputs)
    assert logits.shape == (3, outputs)
    logits.logsumexp(dim=1).mean().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
    assert count_params(model) > 0
    first = tuple(x[:1] for x in inputs)
    macs = count_macs(model, *first)
    assert macs > 0 and macs == count_macs(model, *first)  # deterministic


def test_registry_rejects_duplicates_and_unknown_names():
    with pytest.raises(ValueError, match="already registered"):
        register_model("intent_bag", task="intent")(lambda **kw: nn.Identity())
    with pytest.raises(ValueError, match="unknown model"):
        get_model("no_such_model", num_classes=3)
    assert set(list_models("intent")) >= {"intent_dwshuffle_x1_0", "intent_stdconv_x1_0", "intent_bag"}


def test_macs_of_conv_blocks_match_hand_counts():
    c, k, length = 32, 5, 20
    x, mask = torch.randn(1, c, length), torch.ones(1, 1, length)
    # depthwise: C*k per position; pointwise: C*C per position
    assert count_macs(_Wrap(DepthwiseSeparableConv1d(c, c, k)), x, mask) == length * (c * k + c * c)
    assert count_macs(_Wrap(StandardConv1d(c, c, k)), x, mask) == length * c * c * k
    # stride-1 shuffle unit on C/2 channels: pointwise, depthwise (k=3), pointwise
    h = c // 2
    assert count_macs(_Wrap(ShuffleUnit1d(c, c, 3)), x, mask) == length * (h * h + h * 3 + h * h)


class _Wrap(nn.Module):
    def __init__(self, block: nn.Module):
        super().__init__()
        self.block = block

    def forward(self, x, mask):
        return self.block(x, mask)


def test_depthwise_separable_is_about_a_quarter_of_the_standard_baseline():
    ids = _ids(1, 10240)
    ours = count_macs(get_model("intent_dwshuffle_x1_0", num_classes=77), ids)
    baseline = count_macs(get_model("intent_stdconv_x1_0", num_classes=77), ids)
    assert ours / baseline < 0.35


def test_shuffle_unit_downsampling_halves_length_and_masks_padding():
    unit = ShuffleUnit1d(16, 32, kernel=3, stride=2).eval()
    x = torch.randn(2, 16, 10)
    mask = torch.ones(2, 1, 10)
    mask[1, :, 5:] = 0
    y = unit(x * mask, mask)
    assert y.shape == (2, 32, 5)
    assert torch.all(y[1, :, 3:] == 0)  # positions 6 and 8 of the input were padding


@pytest.mark.parametrize(
    "kwargs, message",
    [({"kernel": 4}, "odd"), ({"stride": 3}, "stride"), ({"out_ch": 15}, "even"), ({"out_ch": 32}, "in_ch == out_ch")],
)
def test_shuffle_unit_validates_arguments(kwargs, message):
    args = {"in_ch": 16, "out_ch": 16, "kernel": 3, "stride": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        ShuffleUnit1d(**args)


@pytest.mark.parametrize("name", ["intent_dwshuffle_x1_0", "intent_stdconv_x1_0"])
def test_padding_to_fixed_length_does_not_change_outputs(name):
    """The phone always runs max_units; training trims padding. Both must agree."""
    model = get_model(name, num_classes=5, buckets=512)
    randomise_batchnorm(model)
    model.eval()
    ids = _ids(2)
    ids[:, 10:] = 0  # both rows shorter than 10 units
    full = model(ids)
    trimmed = model(ids[:, :10])
    assert torch.allclose(full, trimmed, atol=1e-5)


def test_fold_batchnorm_preserves_outputs_and_removes_batchnorm():
    model = get_model("intent_dwshuffle_x0_5", num_classes=5, buckets=512)
    randomise_batchnorm(model)
    model.eval()
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, nn.BatchNorm1d) for m in folded.modules())
    assert any(isinstance(m, nn.BatchNorm1d) for m in model.modules())  # original untouched
    ids = _ids()
    assert torch.allclose(model(ids), folded(ids), atol=1e-5)


def test_width_multiplier_scales_channels():
    small, large = (get_model(n, num_classes=5, buckets=512) for n in ("intent_dwshuffle_x0_5", "intent_dwshuffle_x1_5"))
    assert small.config.channels == 64 and large.config.channels == 192
