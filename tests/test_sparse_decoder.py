"""Tests of the memory-bounded POEMS sparse decoder (skpoems._sparse_decoder)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch

from skpoems._sparse_decoder import (
    DEFAULT_MEMORY_BUDGET,
    chunk_size_for_budget,
    dropout_keep_mask,
    dropout_keep_probability,
    sparse_decode,
    sparse_decode_abs_jacobian_mean,
    sparse_decode_chain_residuals,
    sparse_decode_reference,
)


def _inputs(
    batch: int,
    n_features: int,
    latent: int,
    hidden: int,
    *,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
    seed: int = 0,
    requires_grad: bool = True,
    zero_rows: bool = True,
) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=gen, dtype=dtype)

    mask = rand(n_features, latent)
    if zero_rows:
        mask[0] = 0.0  # a feature that sees no factor: pre-activations exactly 0
        if n_features > 2:
            mask[2, : latent // 2] = 0.0
    tensors = [rand(batch, latent), mask, rand(hidden, latent),
               rand(n_features, hidden), rand(n_features)]
    return [t.to(device).requires_grad_(requires_grad) for t in tensors]


def _outputs_and_grads(
    fn: Callable[..., torch.Tensor],
    inputs: list[torch.Tensor],
    weights: torch.Tensor,
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    out = fn(*inputs)
    grads = torch.autograd.grad((out * weights).sum(), inputs)
    return out.detach(), grads


def _assert_matches_reference(
    batch: int,
    n_features: int,
    latent: int,
    hidden: int,
    *,
    chunk_size: int | None,
    dropout: float,
    seed: int = 123,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
    activation_budget: int | None = None,
    **tol: float,
) -> None:
    inputs = _inputs(batch, n_features, latent, hidden, dtype=dtype, device=device)
    weights = torch.randn(batch, n_features, dtype=dtype,
                          generator=torch.Generator().manual_seed(1)).to(device)
    dropout_mask = None
    if dropout > 0:
        dropout_mask = dropout_keep_mask(seed, batch, n_features, hidden, dropout,
                                         device=device, dtype=dtype)
    out, grads = _outputs_and_grads(
        lambda *a: sparse_decode(*a, dropout=dropout, training=True, seed=seed,
                                 chunk_size=chunk_size,
                                 activation_budget=activation_budget),
        inputs, weights,
    )
    ref, ref_grads = _outputs_and_grads(
        lambda *a: sparse_decode_reference(*a, dropout_mask=dropout_mask),
        inputs, weights,
    )
    assert out.shape == (batch, n_features)
    torch.testing.assert_close(out, ref, **tol)
    names = ["z", "mask", "hidden_weight", "out_weight", "out_bias"]
    for name, g, r in zip(names, grads, ref_grads, strict=True):
        assert g.shape == r.shape, name
        torch.testing.assert_close(g, r, msg=lambda m, n=name: f"grad {n}: {m}",
                                   **tol)


@pytest.mark.parametrize("activation_budget", [None, 0])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 11, 50, None])
def test_matches_reference_chunkings(
    chunk_size: int | None, dropout: float, activation_budget: int | None
) -> None:
    # D = 11 features: chunk sizes 2, 3 and 7 do not divide it, 11 and 50 >= D.
    # activation_budget None stores the forward's indicators, 0 recomputes them.
    _assert_matches_reference(6, 11, 4, 5, chunk_size=chunk_size, dropout=dropout,
                              activation_budget=activation_budget)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
@pytest.mark.parametrize(
    ("batch", "n_features", "latent", "hidden"),
    [(1, 5, 3, 4), (1, 1, 1, 1), (3, 1, 2, 7), (7, 9, 5, 3), (2, 13, 1, 9)],
)
def test_matches_reference_odd_shapes(
    batch: int, n_features: int, latent: int, hidden: int, dropout: float
) -> None:
    # B * H odd in several cases (the dropout hash then pads each feature by one).
    for chunk_size in (1, 4, None):
        for budget in (None, 0):
            _assert_matches_reference(batch, n_features, latent, hidden,
                                      chunk_size=chunk_size, dropout=dropout,
                                      activation_budget=budget)


def test_matches_reference_float32() -> None:
    _assert_matches_reference(16, 40, 8, 20, chunk_size=7, dropout=0.2,
                              dtype=torch.float32, rtol=1e-4, atol=1e-4)


def test_non_contiguous_inputs() -> None:
    z, mask, gen, out_w, out_b = _inputs(5, 8, 3, 6, requires_grad=False)
    # Parameters stored transposed (e.g. a Linear weight used as G^T).
    leaves = [t.contiguous().requires_grad_()
              for t in (z.t(), mask.t(), gen, out_w.t(), out_b)]
    views = [leaves[0].t(), leaves[1].t(), leaves[2], leaves[3].t(), leaves[4]]
    keep = dropout_keep_mask(8, 5, 8, 6, 0.3, dtype=torch.float64)
    out = sparse_decode(*views, dropout=0.3, training=True, seed=8, chunk_size=3)
    grads = torch.autograd.grad(out.square().sum(), leaves)
    ref = sparse_decode_reference(*views, dropout_mask=keep)
    ref_grads = torch.autograd.grad(ref.square().sum(), leaves)
    torch.testing.assert_close(out, ref)
    for g, r in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(g, r)


def test_partial_requires_grad() -> None:
    z, mask, gen, out_w, out_b = _inputs(4, 6, 3, 5, requires_grad=False)
    mask.requires_grad_(True)
    out = sparse_decode(z, mask, gen, out_w, out_b, dropout=0.4, training=True,
                        seed=5, chunk_size=4)
    (g_mask,) = torch.autograd.grad(out.sum(), [mask])
    keep = dropout_keep_mask(5, 4, 6, 5, 0.4, dtype=torch.float64)
    mask_ref = mask.detach().clone().requires_grad_(True)
    ref = sparse_decode_reference(z, mask_ref, gen, out_w, out_b, dropout_mask=keep)
    (r_mask,) = torch.autograd.grad(ref.sum(), [mask_ref])
    torch.testing.assert_close(g_mask, r_mask)


@pytest.mark.parametrize("activation_budget", [None, 0])
def test_gradcheck_with_dropout(activation_budget: int | None) -> None:
    # No exact zeros in the mask: relu is not differentiable at 0.
    inputs = _inputs(3, 5, 2, 4, seed=3, zero_rows=False)

    def fn(*args: torch.Tensor) -> torch.Tensor:
        return sparse_decode(*args, dropout=0.3, training=True, seed=9, chunk_size=2,
                             activation_budget=activation_budget)

    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6)


def test_stored_indicators_match_recomputation_exactly() -> None:
    # Storing the forward's ReLU/dropout indicators (default budget) or
    # recomputing them in the backward (budget 0, or a budget one byte too small)
    # runs the same floating-point operations: bitwise equal gradients.
    batch, n_features, hidden = 8, 30, 6
    inputs = _inputs(batch, n_features, 4, hidden, dtype=torch.float32)
    weights = torch.randn(batch, n_features, generator=torch.Generator().manual_seed(2))
    grads = {}
    exact = batch * n_features * hidden
    for budget in (None, exact, exact - 1, 0):
        out = sparse_decode(*inputs, dropout=0.2, training=True, seed=4,
                            chunk_size=7, activation_budget=budget)
        grad = torch.autograd.grad((out * weights).sum(), inputs)
        grads[budget] = (out.detach(), grad)
    ref_out, ref_grads = grads.pop(0)
    for out, g in grads.values():
        assert torch.equal(out, ref_out)
        for a, b in zip(g, ref_grads, strict=True):
            assert torch.equal(a, b)


def test_stored_indicators_survive_a_second_backward() -> None:
    inputs = _inputs(5, 9, 3, 4)
    out = sparse_decode(*inputs, dropout=0.3, training=True, seed=1, chunk_size=4)
    first = torch.autograd.grad(out.sum(), inputs, retain_graph=True)
    # Another call in between must not disturb the stored indicators of the first.
    sparse_decode(*inputs, dropout=0.3, training=True, seed=2).sum().backward()
    second = torch.autograd.grad(out.sum(), inputs)
    for a, b in zip(first, second, strict=True):
        assert torch.equal(a, b)


def test_no_grad_and_eval() -> None:
    inputs = _inputs(5, 9, 3, 4)
    ref = sparse_decode_reference(*inputs).detach()
    with torch.no_grad():
        out = sparse_decode(*inputs, chunk_size=4)
        # Dropout is inactive outside training, whatever the probability.
        out_eval = sparse_decode(*inputs, dropout=0.5, training=False, chunk_size=2)
    assert out.grad_fn is None
    assert not out.requires_grad
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(out_eval, ref)
    # Inputs without requires_grad take the same autograd-free path.
    plain = [t.detach() for t in inputs]
    out_plain = sparse_decode(*plain, dropout=0.5, training=True, seed=1)
    assert out_plain.grad_fn is None
    keep = dropout_keep_mask(1, 5, 9, 4, 0.5, dtype=torch.float64)
    torch.testing.assert_close(out_plain,
                               sparse_decode_reference(*plain, dropout_mask=keep))


def test_dropout_one_and_zero() -> None:
    inputs = _inputs(4, 6, 3, 5)
    out = sparse_decode(*inputs, dropout=1.0, training=True, seed=2)
    torch.testing.assert_close(out, inputs[4].detach().expand(4, 6))
    out.sum().backward()
    assert torch.count_nonzero(inputs[0].grad) == 0
    out0 = sparse_decode(*inputs, dropout=0.0, training=True)
    torch.testing.assert_close(out0, sparse_decode_reference(*inputs))


def test_seed_reproducibility() -> None:
    inputs = [t.detach() for t in _inputs(8, 10, 4, 6)]
    kwargs = {"dropout": 0.5, "training": True}
    a = sparse_decode(*inputs, seed=11, chunk_size=3, **kwargs)
    b = sparse_decode(*inputs, seed=11, chunk_size=10, **kwargs)
    c = sparse_decode(*inputs, seed=12, chunk_size=3, **kwargs)
    torch.testing.assert_close(a, b)  # the mask does not depend on the chunking
    assert not torch.allclose(a, c)
    # seed=None draws the seed from torch's global generator.
    with torch.random.fork_rng():
        torch.manual_seed(0)
        d = sparse_decode(*inputs, **kwargs)
        e = sparse_decode(*inputs, **kwargs)
        torch.manual_seed(0)
        f = sparse_decode(*inputs, **kwargs)
    torch.testing.assert_close(d, f)
    assert not torch.allclose(d, e)


def test_seed_none_gradients_use_forward_mask() -> None:
    inputs = _inputs(4, 7, 3, 5)
    with torch.random.fork_rng():
        torch.manual_seed(4)
        out = sparse_decode(*inputs, dropout=0.5, training=True, chunk_size=3)
        grads = torch.autograd.grad(out.sum(), inputs)
        torch.manual_seed(4)
        seed = int(torch.randint(0, 2**62, (1,)).item())
    keep = dropout_keep_mask(seed, 4, 7, 5, 0.5, dtype=torch.float64)
    ref = sparse_decode_reference(*inputs, dropout_mask=keep)
    ref_grads = torch.autograd.grad(ref.sum(), inputs)
    torch.testing.assert_close(out, ref)
    for g, r in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(g, r)


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.9])
def test_keep_rate(p: float) -> None:
    batch, n_features, hidden = 64, 50, 100
    keep = dropout_keep_mask(7, batch, n_features, hidden, p) > 0
    n = keep.numel()
    q = dropout_keep_probability(p)
    assert abs(q - (1 - p)) <= 2**-17
    rate = keep.double().mean().item()
    assert abs(rate - q) < 5 * math.sqrt(q * (1 - q) / n)
    # Per feature and per seed the rate is right too (no stuck streams).
    per_feature = keep.double().mean(dim=(0, 2))
    tol = 5 * math.sqrt(q * (1 - q) / (batch * hidden))
    assert (per_feature - q).abs().max().item() < tol
    # Neighbouring elements and neighbouring features are uncorrelated.
    flat = keep.permute(1, 2, 0).reshape(n_features, -1).double() - q
    var = q * (1 - q)
    corr_elem = (flat[:, :-1] * flat[:, 1:]).mean().item() / var
    corr_feat = (flat[:-1] * flat[1:]).mean().item() / var
    assert abs(corr_elem) < 5 / math.sqrt(n)
    assert abs(corr_feat) < 5 / math.sqrt(n)


def test_keep_mask_values_and_device_independence() -> None:
    mask = dropout_keep_mask(3, 4, 5, 6, 0.25)
    scale = 1.0 / dropout_keep_probability(0.25)
    assert mask.shape == (4, 5, 6)
    values = torch.unique(mask).tolist()
    assert values == [0.0, pytest.approx(scale)]
    bigger = dropout_keep_mask(3, 4, 8, 6, 0.25)
    torch.testing.assert_close(bigger[:, :5], mask)  # a feature's mask is its own


def test_chunk_size_for_budget() -> None:
    per_feature = 100 * (512 * (4 + 4) + 4 * 32 * 4)
    assert chunk_size_for_budget(1000, 512, 32, 100,
                                 memory_budget=10 * per_feature) == 10
    assert chunk_size_for_budget(1000, 512, 32, 100,
                                 memory_budget=10 * per_feature + 1) == 10
    assert chunk_size_for_budget(1000, 512, 32, 100, memory_budget=1) == 1
    assert chunk_size_for_budget(7, 512, 32, 100, memory_budget=2**40) == 7
    default = chunk_size_for_budget(58316, 512, 32, 100)
    assert default * per_feature <= DEFAULT_MEMORY_BUDGET
    assert (default + 1) * per_feature > DEFAULT_MEMORY_BUDGET
    # float64 halves the chunk roughly; the bound always holds.
    for batch, itemsize in [(32, 4), (512, 8), (4096, 4)]:
        j = chunk_size_for_budget(10**6, batch, 32, 100, itemsize=itemsize,
                                  memory_budget=2**24)
        assert 1 <= j
        assert j * 100 * (batch * (itemsize + 4) + 128 * itemsize) <= 2**24
    with pytest.raises(ValueError, match="memory_budget"):
        chunk_size_for_budget(10, 10, 2, 3, memory_budget=0)


def test_memory_budget_selects_chunks() -> None:
    inputs = _inputs(6, 20, 3, 4)
    per_feature = 4 * (6 * (8 + 4) + 4 * 3 * 8)
    ref = sparse_decode(*inputs, chunk_size=1)
    out = sparse_decode(*inputs, memory_budget=3 * per_feature)
    torch.testing.assert_close(out, ref)


def test_input_validation() -> None:
    z, mask, gen, out_w, out_b = _inputs(3, 4, 2, 5, requires_grad=False)
    with pytest.raises(ValueError, match="mask"):
        sparse_decode(z, mask[:, :1], gen, out_w, out_b)
    with pytest.raises(ValueError, match="hidden_weight"):
        sparse_decode(z, mask, gen[:2], out_w, out_b)
    with pytest.raises(ValueError, match="out_bias"):
        sparse_decode(z, mask, gen, out_w, out_b[:2])
    with pytest.raises(ValueError, match="dtype"):
        sparse_decode(z, mask.float(), gen, out_w, out_b)
    with pytest.raises(ValueError, match="dropout"):
        sparse_decode(z, mask, gen, out_w, out_b, dropout=1.5, training=True)
    with pytest.raises(ValueError, match="chunk_size"):
        sparse_decode(z, mask, gen, out_w, out_b, chunk_size=0)
    with pytest.raises(ValueError, match="activation_budget"):
        sparse_decode(z, mask.requires_grad_(), gen, out_w, out_b,
                      activation_budget=-1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_cuda_matches_reference_and_cpu() -> None:
    _assert_matches_reference(9, 23, 5, 6, chunk_size=4, dropout=0.3, device="cuda")
    _assert_matches_reference(33, 50, 8, 16, chunk_size=None, dropout=0.2,
                              dtype=torch.float32, device="cuda", rtol=1e-4,
                              atol=1e-4)
    # The same seed gives the same mask on every device.
    cpu = dropout_keep_mask(5, 8, 9, 10, 0.3)
    cuda = dropout_keep_mask(5, 8, 9, 10, 0.3, device="cuda")
    torch.testing.assert_close(cuda.cpu(), cpu)


@pytest.mark.parametrize("max_elements", [1, 37, 2**22])
def test_abs_jacobian_mean_matches_autograd(max_elements: int) -> None:
    """The closed-form mean |Jacobian| equals autograd's through the reference
    kernel, for every blocking of samples and features (1: one element at a time)."""
    z, mask, g, c, c0 = _inputs(7, 11, 4, 5, requires_grad=False)
    jac = torch.func.vmap(torch.func.jacrev(
        lambda q: sparse_decode_reference(q[None], mask, g, c, c0)[0]
    ))(z)  # (B, D, K)
    expected = jac.abs().mean(dim=0)
    got = sparse_decode_abs_jacobian_mean(z, mask, g, c, max_elements=max_elements)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    assert torch.all(got[0] == 0)  # a feature that sees no factor
    empty = sparse_decode_abs_jacobian_mean(z[:0], mask, g, c)
    assert empty.shape == (11, 4) and torch.all(empty == 0)


@pytest.mark.parametrize("max_elements", [1, 40, 2**19])
def test_chain_residuals_match_decoding_each_coalition(max_elements: int) -> None:
    """Along each order, the incremental pre-activations give the residual
    variance of decoding every prefix coalition afresh (factors outside it at
    the center), for every chunking of the features (1: one at a time)."""
    z, mask, g, c, c0 = _inputs(9, 13, 5, 6, requires_grad=False)
    x = torch.randn(9, 13, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    center = z.mean(dim=0) + 0.3  # any center, not only the mean
    orders = torch.tensor([[2, 0, 4, 1, 3], [3, 1, 4, 0, 2], [0, 1, 2, 3, 4]])
    got = sparse_decode_chain_residuals(z, center, mask, g, c, c0, x, orders, max_elements=max_elements)
    expected = torch.empty(3, 5, dtype=torch.float64)
    for o, order in enumerate(orders.tolist()):
        for i in range(5):
            keep = torch.zeros(5, dtype=torch.bool)
            keep[order[: i + 1]] = True
            decoded = sparse_decode(torch.where(keep, z, center), mask, g, c, c0, dropout=0.2, training=False)
            expected[o, i] = (x - decoded).var(dim=0, correction=0).sum()
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)
    assert sparse_decode_chain_residuals(z[:0], center, mask, g, c, c0, x[:0], orders).shape == (3, 5)
