"""Tests of the torch modules' structure methods (skpoems._modules): decoders
restricted to some output features, and the decoders and paths of each omic
that skpoems.inspection reads instead of the modules' attributes."""

import numpy as np
import pytest
import torch

from skpoems._modules import (
    MOCSS,
    Autoencoder,
    DenseDecoder,
    FeatureNoise,
    GatingNetwork,
    GaussianEncoder,
    PoEVAE,
    SparseDecoder,
    VariationalAutoencoder,
    mlp,
    mocss_decoder,
)

K = 3  # latent factors
DIMS = (7, 5)  # features of the two omics

DECODERS = {
    "sparse": lambda: SparseDecoder(9, K, hidden=6),
    "sparse, row-normalized W": lambda: SparseDecoder(9, K, hidden=6, row_normalize=True),
    "dense (POEM)": lambda: DenseDecoder(9, K, hidden=6),
    "MOCSS": lambda: mocss_decoder(K, (6, 4), 9),
}


@pytest.mark.parametrize("make", DECODERS.values(), ids=DECODERS.keys())
def test_restricted_decoder_gives_the_full_decoders_columns(make):
    """``restricted(index)(z)`` is ``decoder(z)[:, index]``, in the order of
    ``index``, and leaves the full decoder as it was."""
    torch.manual_seed(0)
    decoder = make().double().eval()
    before = {name: t.clone() for name, t in decoder.state_dict().items()}
    z = torch.randn(11, K, dtype=torch.float64)
    index = [6, 0, 3, 8]
    cut = decoder.restricted(torch.tensor(index))
    assert type(cut) is type(decoder)
    torch.testing.assert_close(cut(z), decoder(z)[:, index], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(decoder.restricted(index)(z), decoder(z)[:, index], rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        for p in cut.parameters():
            p.add_(1.0)  # the copy shares no storage with the decoder
    for name, t in decoder.state_dict().items():
        torch.testing.assert_close(t, before[name], rtol=0, atol=0)


@pytest.mark.parametrize("row_normalize", [False, True])
def test_sparse_decoder_mean_jacobian_is_autograds(row_normalize):
    """The closed-form mean Jacobian (absolute and signed, all features or some)
    is the mean over samples of autograd's per-sample Jacobians."""
    torch.manual_seed(0)
    decoder = SparseDecoder(9, K, hidden=6, row_normalize=row_normalize).double().eval()
    z = torch.randn(13, K, dtype=torch.float64)
    J = torch.stack([torch.autograd.functional.jacobian(decoder, z[i : i + 1])[0, :, 0] for i in range(len(z))])
    torch.testing.assert_close(decoder.mean_jacobian(z), J.abs().mean(dim=0))
    index = torch.tensor([5, 1])
    torch.testing.assert_close(decoder.mean_jacobian(z, index, absolute=False), J.mean(dim=0)[index])
    # in z's dtype: float32 z, float64 weights
    assert decoder.mean_jacobian(z.float()).dtype == torch.float32


def test_sparse_decoder_chain_residuals_decode_each_coalition():
    """``chain_residuals`` gives, along each order, the residual variance of
    decoding each prefix coalition (the other factors at ``center``)."""
    torch.manual_seed(0)
    decoder = SparseDecoder(9, K, hidden=6).double().eval()
    z = torch.randn(13, K, dtype=torch.float64)
    x = torch.randn(13, 9, dtype=torch.float64)
    center = z.mean(dim=0)
    orders = torch.tensor([[2, 0, 1], [1, 2, 0]])
    out = decoder.chain_residuals(z, center, x, orders)
    for o, order in enumerate(orders.tolist()):
        for i in range(K):
            keep = torch.zeros(K, dtype=torch.bool)
            keep[order[: i + 1]] = True
            with torch.no_grad():
                residual = x - decoder(torch.where(keep, z, center))
            expected = residual.var(dim=0, unbiased=False).sum()
            torch.testing.assert_close(out[o, i], expected)


# ----------------------------------------------------------- omics' decoders
def _poevae(decoder):
    return PoEVAE(
        [GaussianEncoder(d, K, (4,)) for d in DIMS],
        [decoder(d) for d in DIMS],
        [FeatureNoise(torch.ones(1), 3.0, 0.1, n_features=d) for d in DIMS],
        GatingNetwork(len(DIMS), K, 4),
    )


def _mocss(branch):
    module = MOCSS(
        [Autoencoder(d, K, (4,)) for d in DIMS],
        [branch(d) for d in DIMS],
        [mlp([K, K, 2], activation="tanh") for _ in DIMS],
    )
    # decode_omic's weights, offsets and scale of the shared decoder alone, not
    # the defaults, so that a path's weight that went missing shows
    module.calibration.copy_(torch.tensor([[0.7, -1.3, 0.2, 2.0, -0.4], [1.1, 0.6, -0.3, -0.8, 0.5]]))
    return module


def _sparse_branch(d):
    return PoEVAE(
        [GaussianEncoder(d, K, (4,), activation="tanh", dropout=0.0)],
        [SparseDecoder(d, K, hidden=6)],
        [FeatureNoise(torch.ones(1), 3.0, 0.1, n_features=d)],
        None,
    )


MODULES = {
    "POEMS": lambda: _poevae(lambda d: SparseDecoder(d, K, hidden=6)),
    "POEM": lambda: _poevae(lambda d: DenseDecoder(d, K, hidden=6)),
    "MOCSS-AE": lambda: _mocss(lambda d: Autoencoder(d, K, (4,))),
    "MOCSS-VAE": lambda: _mocss(lambda d: VariationalAutoencoder(d, K, (4,))),
    "MOCSS-SparseVAE": lambda: _mocss(_sparse_branch),
}


@pytest.mark.parametrize("make", MODULES.values(), ids=MODULES.keys())
def test_decoder_paths_make_the_decoded_omics(make):
    """Each omic's decoded mean is the sum of its ``decoder_paths`` (each its
    weight times its decoder on its columns, for its rows) plus a constant,
    also for the rows of a MOCSS embedding that lack an omic; the paths'
    decoders are ``omic_decoders``."""
    torch.manual_seed(0)
    module = make().double().eval()
    xs = [torch.rand(12, d, dtype=torch.float64) for d in DIMS]
    observed = torch.ones(12, len(DIMS), dtype=torch.bool)
    observed[:4, 1] = False  # (MOCSS: a zero specific code, decoded from the shared one alone)
    with torch.no_grad():
        z = module.embed(xs, observed)
        decoded = module.decode(z)
        for v, x_hat in enumerate(decoded):
            paths = module.decoder_paths(z, v)
            total = torch.zeros_like(x_hat)
            covered = torch.zeros(len(z), dtype=torch.bool)
            for path in paths:
                rows = torch.ones(len(z), dtype=torch.bool) if path.rows is None else path.rows
                total[rows] += path.weight * path.decoder(z[rows][:, path.columns])
                covered |= rows
            assert covered.all()
            residual = x_hat - total
            lacking = ~observed[:, v] if isinstance(module, MOCSS) else torch.zeros(len(z), dtype=torch.bool)
            for group in (lacking, ~lacking):
                if group.any():
                    spread = residual[group].max() - residual[group].min()
                    assert float(spread) < 1e-10  # one constant per group of rows
            assert {id(p.decoder) for p in paths} == {id(d) for d in module.omic_decoders(v)}


def test_mocss_paths_read_the_omics_own_columns():
    """A MOCSS omic's paths read its specific code and the shared code, as
    ``decoder_inputs`` says; POEMS's decoders read the whole latent."""
    module = _mocss(lambda d: Autoencoder(d, K, (4,)))
    z = torch.randn(5, (len(DIMS) + 1) * K)
    for v, inputs in enumerate(module.decoder_inputs(z.shape[1])):
        columns = {c for p in module.decoder_paths(z, v) for c in range(z.shape[1])[p.columns]}
        assert columns == set(inputs)
    poems = MODULES["POEMS"]()
    assert [len(poems.decoder_paths(torch.randn(5, K), v)) for v in range(len(DIMS))] == [1, 1]
    assert np.all([p.columns == slice(None) for v in range(len(DIMS)) for p in poems.decoder_paths(z, v)])
