"""Export to ONNX / TFLite (fp32 and int8): parity with PyTorch, shapes, sizes, int8 embeddings.

One small model (intent_dwshuffle_x0_5, 2048 buckets) is trained for a few dozen steps on a
learnable synthetic task, so BatchNorm statistics are non-trivial and logits are well separated
(int8 top-1 agreement on near-random logits would be meaningless). The four artifacts are
exported once per module. Tracing, calibration and parity samples are disjoint draws.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from finlite.export import (
    FP32_TOLERANCE,
    INT8_TOLERANCE,
    Int8Embedding,
    check_parity,
    export_onnx,
    export_tflite,
    export_tflite_int8,
    quantize_embeddings,
    quantize_onnx_int8,
)
from finlite.bundle.runners import LiteRTRunner, OnnxRunner, runner_for
from finlite.models import get_model

NUM_CLASSES = 7
BUCKETS = 2048
L, F = 64, 24
N_HELDOUT = 128


def make_ids(rng: np.random.Generator, n: int, pools: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ids with realistic padding: 1-40 units per row (one row is full), 1-F features per unit,
    zeros elsewhere. About 40% of the units are drawn from the label's id pool (learnable)."""
    ids = np.zeros((n, L, F), dtype=np.int32)
    labels = rng.integers(0, NUM_CLASSES, n)
    for i in range(n):
        units = L if i == 0 else int(rng.integers(1, 41))
        for j in range(units):
            feats = int(rng.integers(1, F + 1))
            if rng.random() < 0.4:
                ids[i, j, :feats] = rng.choice(pools[labels[i]], feats)
            else:
                ids[i, j, :feats] = rng.integers(1, BUCKETS, feats)
    return ids, labels


@pytest.fixture(scope="module")
def data() -> dict:
    rng = np.random.default_rng(1234)
    pools = rng.choice(np.arange(1, BUCKETS), size=(NUM_CLASSES, 16), replace=False)
    train, train_y = make_ids(rng, 40 * 32, pools)
    trace, _ = make_ids(rng, 4, pools)
    calib, _ = make_ids(rng, 96, pools)
    heldout, heldout_y = make_ids(rng, N_HELDOUT, pools)
    return {"train": train, "train_y": train_y, "trace": trace, "calib": calib, "heldout": heldout, "heldout_y": heldout_y}


@pytest.fixture(scope="module")
def model(data) -> nn.Module:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread is fastest and immune to a busy machine
    try:
        torch.manual_seed(0)
        net = get_model("intent_dwshuffle_x0_5", num_classes=NUM_CLASSES, buckets=BUCKETS)
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        net.train()
        for step in range(40):
            batch = slice(step * 32, (step + 1) * 32)
            logits = net(torch.from_numpy(data["train"][batch]))
            loss = nn.functional.cross_entropy(logits, torch.from_numpy(data["train_y"][batch]).long())
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    return net.eval()


@pytest.fixture(scope="module")
def artifacts(model, data, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("export")
    fp32_onnx = export_onnx(model, data["trace"], out / "model.onnx")
    return {
        "fp32_onnx": fp32_onnx,
        "int8_onnx": quantize_onnx_int8(fp32_onnx, data["calib"], out / "model.int8.onnx"),
        "fp32_tflite": export_tflite(model, data["trace"], out / "model.tflite"),
        "int8_tflite": export_tflite_int8(model, data["calib"], out / "model.int8.tflite"),
    }


def _logits(model: nn.Module, ids: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.eval()(torch.from_numpy(ids)).numpy()


# --- the test model itself --------------------------------------------------------------------


def test_model_is_trained_and_confident(model, data):
    logits = _logits(model, data["heldout"])
    top2 = np.sort(logits, axis=1)[:, -2:]
    assert np.mean(logits.argmax(1) == data["heldout_y"]) >= 0.6
    assert np.median(top2[:, 1] - top2[:, 0]) > 0.3  # well separated, so int8 agreement means something
    bn = model.stem[1]
    assert not torch.allclose(bn.running_var, torch.ones_like(bn.running_var))  # non-trivial BN stats


# --- Int8Embedding ----------------------------------------------------------------------------


@pytest.mark.parametrize("per_row", [True, False])
def test_int8_embedding_quantization(per_row):
    torch.manual_seed(0)
    emb = nn.Embedding(300, 16, padding_idx=0)
    with torch.no_grad():
        emb.weight.mul_(torch.linspace(0.01, 3.0, 300)[:, None])  # very different row ranges
        emb.weight[0].zero_()
    q = Int8Embedding.from_float(emb, per_row=per_row)
    assert q.weight_int8.dtype == torch.int8
    assert q.scales.dtype == torch.float32
    assert q.scales.numel() == (300 if per_row else 1)
    assert int(q.weight_int8.abs().max()) <= 127
    assert torch.count_nonzero(q.weight_int8[0]) == 0
    deq = q.dequantized_weight()
    err = (deq - emb.weight).abs()
    bound = q.scales.reshape(-1, 1) if per_row else q.scales
    assert torch.all(err <= bound / 2 + 1e-7)
    ids = torch.tensor([[[0, 1, 299], [5, 0, 0]]], dtype=torch.int32)
    out = q(ids)
    assert out.dtype == torch.float32 and out.shape == (1, 2, 3, 16)
    assert torch.equal(out[0, 0, 0], torch.zeros(16))  # padding looks up exact zeros
    torch.testing.assert_close(out, _lookup(ids, deq), rtol=0, atol=1e-7)


def _lookup(ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return nn.functional.embedding(ids.long(), weight)


def test_quantize_embeddings_returns_copy(model):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    quantized = quantize_embeddings(model)
    assert isinstance(model.embed.embedding, nn.Embedding)
    assert isinstance(quantized.embed.embedding, Int8Embedding)
    assert not any(isinstance(m, nn.Embedding) for m in quantized.modules())
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    ids = torch.from_numpy(np.random.default_rng(0).integers(0, BUCKETS, (4, L, F)).astype(np.int32))
    with torch.no_grad():
        torch.testing.assert_close(quantized(ids), model(ids), rtol=0, atol=0.05)


# --- fp32 parity ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fp32_onnx", "fp32_tflite"])
def test_fp32_parity(kind, model, data, artifacts):
    result = check_parity(model, runner_for(artifacts[kind]), data["heldout"], artifact=kind, **FP32_TOLERANCE)
    assert result.n >= 64
    assert result.passed, result
    assert result.max_abs_diff <= 1e-4 and result.top1_agreement == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["int8_onnx", "int8_tflite"])
def test_int8_top1_agreement(kind, model, data, artifacts):
    result = check_parity(model, runner_for(artifacts[kind]), data["heldout"], artifact=kind, **INT8_TOLERANCE)
    assert result.n >= 64
    assert result.passed, result
    assert result.tolerance == {"max_abs_diff": None, "min_top1": 0.99, "decisive_margin": 0.2, "min_top1_all": 0.95}
    assert result.top1_agreement >= 0.95 and result.top1_agreement_decisive >= 0.99 and result.decisive_n <= result.n
    assert np.isfinite(result.max_abs_diff)  # reported even though not checked


# --- signatures, shapes, sizes ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fp32_onnx", "int8_onnx"])
def test_onnx_dynamic_batch(kind, model, data, artifacts):
    runner = OnnxRunner(artifacts[kind])
    (inp,) = runner.input_details()
    assert inp["name"] == "ids" and inp["dtype"] == np.int32
    assert not isinstance(inp["shape"][0], int) and tuple(inp["shape"][1:]) == (L, F)
    assert runner.session.get_outputs()[0].name == "logits"
    ids = data["heldout"][:5]
    ref = _logits(model, ids)
    one = runner.run(ids[:1])
    five = runner.run(ids)
    assert one.shape == (1, NUM_CLASSES) and five.shape == (5, NUM_CLASSES)
    np.testing.assert_allclose(five[:1], one, atol=1e-5)
    if kind == "fp32_onnx":
        np.testing.assert_allclose(five, ref, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fp32_tflite", "int8_tflite"])
def test_tflite_signature(kind, artifacts):
    runner = LiteRTRunner(artifacts[kind])
    assert runner.input_names == ["ids"]  # traced as a keyword argument: serving_default_ids
    (inp,) = runner.input_details()
    assert inp["dtype"] == np.int32
    assert inp["shape"] == (1, L, F)
    (out,) = runner.output_details()
    assert out["dtype"] == np.float32 and out["shape"] == (1, NUM_CLASSES)


@pytest.mark.slow
def test_file_sizes(artifacts):
    sizes = {k: p.stat().st_size for k, p in artifacts.items()}
    assert sizes["int8_tflite"] < sizes["fp32_tflite"] / 2.5, sizes
    assert sizes["int8_onnx"] < sizes["fp32_onnx"], sizes
    onnx_dir = artifacts["fp32_onnx"].parent
    assert not [p for p in onnx_dir.iterdir() if p.suffix == ".data"], "ONNX files must be self-contained"


@pytest.mark.slow
def test_onnx_files_hold_no_stack_traces_or_source_paths(artifacts):
    """torch.onnx's per-node stack traces name the exporting machine's files; the name scopes stay."""
    import onnx

    import finlite

    source_dir = str(Path(finlite.__file__).resolve().parent)
    for key in ("fp32_onnx", "int8_onnx"):
        model = onnx.load(str(artifacts[key]))
        keys = {p.key for n in model.graph.node for p in n.metadata_props}
        assert "pkg.torch.onnx.stack_trace" not in keys, key
        assert source_dir.encode() not in artifacts[key].read_bytes(), key
    assert "pkg.torch.onnx.name_scopes" in {p.key for n in onnx.load(str(artifacts["fp32_onnx"])).graph.node for p in n.metadata_props}


@pytest.mark.slow
def test_runners_loop_and_cast(model, data, artifacts):
    ids = data["heldout"][:3].astype(np.int64)  # cast to the model's int32 input
    for path in (artifacts["fp32_tflite"], artifacts["fp32_onnx"]):
        np.testing.assert_allclose(runner_for(path).run(ids), _logits(model, data["heldout"][:3]), atol=1e-4)


class _TwoInputs(nn.Module):
    def forward(self, tokens: torch.Tensor, extra: torch.Tensor) -> torch.Tensor:
        return torch.cat((tokens.float().sum(dim=1, keepdim=True), extra), dim=1)


class _FixedRunner:
    def __init__(self, out: np.ndarray, inputs: int = 2):
        self.out, self.inputs = out, inputs

    def run(self, *inputs: np.ndarray) -> np.ndarray:
        assert len(inputs) == self.inputs
        return self.out


def test_multi_input_helpers_and_top1_columns():
    from finlite.bundle.runners import as_input_tuple
    from finlite.export.input_names import check_input_names, default_input_names

    ids = np.zeros((3, L, F), dtype=np.int32)
    assert [a.shape for a in as_input_tuple(ids)] == [ids.shape]
    assert len(as_input_tuple((ids, ids[:, 0]))) == 2
    model = _TwoInputs()
    assert default_input_names(model, 2) == ("tokens", "extra")
    assert default_input_names(nn.Identity(), 1) == ("input",)  # forward(input)
    assert default_input_names(get_model("intent_bag", num_classes=3, buckets=64), 1) == ("ids",)
    with pytest.raises(ValueError, match="distinct"):
        check_input_names(("a", "a"), model, 2)
    tokens = np.ones((4, 2), dtype=np.int64)
    extra = np.tile(np.array([[5.0, 1.0]], dtype=np.float32), (4, 1))
    expected = _TwoInputs()(torch.from_numpy(tokens), torch.from_numpy(extra)).numpy()  # rows [2, 5, 1]
    moved = expected.copy()
    moved[:, 2] += 100.0  # changes the arg-max of columns [1, 3) only
    first = check_parity(model, _FixedRunner(moved), (tokens, extra), artifact="x", top1_columns=(0, 2), max_abs_diff=None, min_top1=1.0)
    assert first.passed and first.top1_columns == [0, 2] and first.max_abs_diff == pytest.approx(100.0)
    second = check_parity(model, _FixedRunner(moved), (tokens, extra), artifact="x", top1_columns=(1, 3), max_abs_diff=None, min_top1=1.0)
    assert not second.passed and second.top1_agreement == 0.0


class _Rows(nn.Module):
    """Returns its float input unchanged: the reference outputs are the input rows."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def test_decisive_margin_ignores_near_ties_but_not_decisive_flips():
    # 100 rows: 90 decisive (gap 1.0), 10 near-ties (gap 0.1)
    reference = np.zeros((100, 3), dtype=np.float32)
    reference[:, 0] = 1.0
    reference[90:, 1] = 0.9
    near_tie_flips = reference.copy()
    near_tie_flips[90:, 1] = 1.1  # all 10 near-ties flip: 90% overall agreement
    tol = {"max_abs_diff": None, "min_top1": 0.99, "decisive_margin": 0.2}
    result = check_parity(_Rows(), _FixedRunner(near_tie_flips, 1), reference, artifact="x", **tol)
    assert result.passed and result.decisive_n == 90 and result.top1_agreement_decisive == 1.0 and result.top1_agreement == 0.9
    assert not check_parity(_Rows(), _FixedRunner(near_tie_flips, 1), reference, artifact="x", min_top1_all=0.95, **tol).passed
    decisive_flip = reference.copy()
    decisive_flip[0, 2] = 2.0  # one decisive flip of 90: 98.9% < 99%
    result = check_parity(_Rows(), _FixedRunner(decisive_flip, 1), reference, artifact="x", **tol)
    assert not result.passed and result.top1_agreement_decisive == pytest.approx(89 / 90)


def test_runner_for_rejects_unknown_extension(tmp_path):
    with pytest.raises(ValueError):
        runner_for(tmp_path / "model.pt")


def test_import_is_lazy():
    code = (
        "import sys, finlite.export as e, finlite.bundle.runners as r; e.check_parity; r.runner_for; e.Int8Embedding; "
        "heavy = [m for m in ('onnx', 'onnxruntime', 'onnxscript', 'torch.onnx', 'litert_torch', 'ai_edge_litert', "
        "'torchao') if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
