"""The MOCSS family: losses against hand computations, and the estimator contract."""

import math

import numpy as np
import pytest
import torch
from conftest import (
    check_early_stopping_waits_for_kl_warmup,
    check_kl_warmup,
    impute_r2_on_planted,
    make_planted,
)
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from skpoems import (
    MOCSSAETransformer,
    MOCSSSparseVAETransformer,
    MOCSSVAETransformer,
    concat_omics,
)
from skpoems._losses import normalized_reconstruction_loss, nt_xent, orthogonality_loss

MODELS = [MOCSSAETransformer, MOCSSVAETransformer, MOCSSSparseVAETransformer]
SMALL = dict(n_components=4, encoder_hidden=(32, 16))


def small(cls, **kw):
    return cls(**{**SMALL, "max_iter": 10, "random_state": 0, **kw})


def T(a):
    return torch.tensor(a, dtype=torch.float64)


def test_nt_xent_hand_example():
    # two samples, identical one-hot views: every anchor has cosine 1 with its
    # positive and 0 with the two negatives -> loss = log(1 + 2 exp(-1 / 0.4))
    z = T([[1.0, 0.0], [0.0, 1.0]])
    assert nt_xent(z, z, 0.4).item() == pytest.approx(math.log(1 + 2 * math.exp(-2.5)))
    # one sample: the positive is the only candidate, loss 0
    assert nt_xent(T([[1.0, 2.0]]), T([[3.0, -1.0]])).item() == pytest.approx(0.0, abs=1e-12)


def test_nt_xent_matches_explicit_loop():
    rng = np.random.RandomState(0)
    z1, z2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    z = np.vstack([z1, z2])
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    losses = []
    for i in range(10):
        pos = (i + 5) % 10
        sims = {k: np.exp(z[i] @ z[k] / 0.4) for k in range(10) if k != i}
        losses.append(-np.log(sims[pos] / sum(sims.values())))
    assert nt_xent(T(z1), T(z2), 0.4).item() == pytest.approx(np.mean(losses), rel=1e-10)


def test_orthogonality_hand_example():
    shared = T([[1.0, 0.0], [0.0, 1.0]])
    specific = T([[3.0, 1.0], [0.0, 2.0]])
    # centred by the overall means (0.5 and 1.5), rows normalised:
    # [1, -1]/sqrt(2) . [1.5, -0.5]/sqrt(2.5) per row -> mean elementwise product 1/sqrt(5)
    assert orthogonality_loss(shared, specific).item() == pytest.approx(1 / math.sqrt(5))


def test_reconstruction_hand_example():
    x = T([[1.0, 0.0], [0.0, 1.0]])
    x_hat = T([[0.0, 1.0], [1.0, 0.0]])
    assert normalized_reconstruction_loss(x_hat, x).item() == pytest.approx(2 * math.sqrt(2))
    assert normalized_reconstruction_loss(x, x).item() == pytest.approx(0.0)


@pytest.mark.parametrize("cls", MODELS)
def test_four_omics_use_all_six_pairs(cls):
    Xs, _ = make_planted(n_samples=30, omic_dims=(6, 5, 4, 3))
    est = small(cls, max_iter=1).fit(Xs)
    module = est.module_
    xs = [torch.tensor(X, dtype=torch.float32) for X in Xs]
    gen = torch.Generator().manual_seed(0)
    module.eval()
    out = module.loss(xs, prior_batch_size=30, n_train=30, generator=gen)
    pairs = sorted(k for k in out.terms if k.startswith("contrastive/"))
    assert pairs == ["contrastive/0-1", "contrastive/0-2", "contrastive/0-3", "contrastive/1-2", "contrastive/1-3", "contrastive/2-3"]
    # the total is the documented sum of the terms
    ref = sum(out.terms[f"orthogonality/{v}"] + out.terms[f"specific/{v}"] + 0.7 * out.terms[f"reconstruction/{v}"] for v in range(4))
    ref = ref + sum(out.terms[p] for p in pairs)
    torch.testing.assert_close(out.total, ref)
    # and the contrastive terms are NT-Xent on the projected shared codes
    codes = [sh.encoder(x) for sh, x in zip(module.shared, xs)]
    proj = [h(c) for h, c in zip(module.heads, codes)]
    torch.testing.assert_close(out.terms["contrastive/1-3"], nt_xent(proj[1], proj[3], 0.4))
    assert any(k.endswith("omic1-omic3") for k in est.history_[0])


def test_one_omic_has_no_contrastive_term():
    Xs, _ = make_planted(n_samples=30, omic_dims=(6,))
    est = small(MOCSSAETransformer, max_iter=2).fit(Xs)
    assert not any("contrastive" in k for k in est.history_[0])
    assert est.transform(Xs).shape == (30, 8)


@pytest.mark.parametrize("cls", MODELS)
def test_embedding_layout_and_names(cls, planted):
    Xs, _ = planted
    est = small(cls).fit(dict(zip(["a", "b", "c"], Xs)))
    Z = est.transform(dict(zip(["a", "b", "c"], Xs)))
    assert Z.shape == (len(Xs[0]), 16)
    names = est.get_feature_names_out()
    assert list(names[:2]) == ["a_specific0", "a_specific1"] and names[12] == "shared0"
    # the last block is the mean of the shared codes
    xs = [torch.tensor(X, dtype=torch.float32) for X in Xs]
    with torch.no_grad():
        shared = torch.stack([sh.encoder(x) for sh, x in zip(est.module_.shared, xs)]).mean(0)
    np.testing.assert_allclose(Z[:, 12:], shared.numpy(), rtol=1e-5, atol=1e-6)


def test_sparse_vae_components_and_optimisers(planted):
    Xs, _ = planted
    est = small(MOCSSSparseVAETransformer).fit(Xs)
    assert [W.shape for W in est.components_] == [(20, 4), (15, 4), (10, 4)]
    assert not hasattr(small(MOCSSVAETransformer).fit(Xs), "components_")
    assert MOCSSAETransformer._optimizer == "adam"
    assert MOCSSVAETransformer._optimizer == MOCSSSparseVAETransformer._optimizer == "adamw"


@pytest.mark.parametrize("cls", MODELS)
def test_seeded_and_input_forms_agree(cls, planted):
    Xs, _ = planted
    Z1 = small(cls).fit_transform(Xs)
    np.testing.assert_array_equal(Z1, small(cls).fit_transform(Xs))
    Z2 = small(cls, omic_dims=(20, 15, 10)).fit_transform(np.hstack(Xs))
    np.testing.assert_array_equal(Z1, Z2)


@pytest.mark.parametrize("cls", MODELS)
def test_pipelines_and_grid_search(cls, planted):
    Xs, y = planted
    X = np.hstack(Xs)
    knn = Pipeline([("mocss", small(cls, omic_dims=(20, 15, 10), max_iter=20)), ("knn", KNeighborsClassifier(3))])
    assert cross_val_score(knn, X, y, cv=3).mean() > 0.6
    km = Pipeline([("mocss", small(cls, omic_dims=(20, 15, 10), max_iter=2)), ("km", KMeans(3, n_init=2, random_state=0))])
    assert np.isfinite(km.fit(X).score(X))
    grid = GridSearchCV(
        small(cls, max_iter=2),
        {"batch_size": [16, 64], "learning_rate": [1e-3, 3e-3], "weight_decay": [0.0, 1e-3]},
        cv=2,
    ).fit(concat_omics(Xs))
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all() and len(grid.cv_results_["params"]) == 8


@pytest.mark.parametrize("cls", MODELS)
def test_planted_subtypes_separated(cls):
    """k-means on the embedding recovers planted subtypes: ARI > 0.5 (chance is 0)."""
    Xs, y = make_planted(n_samples=150, noise=0.5, random_state=3)
    Z = cls(n_components=4, encoder_hidden=(64, 32), max_iter=100, random_state=0).fit_transform(Xs)
    labels = KMeans(3, n_init=10, random_state=0).fit_predict(Z)
    assert adjusted_rand_score(y, labels) > 0.5


@pytest.mark.parametrize("kind", ["feature", "omic"])
def test_sparse_vae_elbo_sets_branch_sigma_in_closed_form(planted, kind):
    """objective="elbo" (the default) reaches the specific branches: their sigma is
    no gradient parameter and, after training, is the MAP estimate from its running
    residuals (one sigma per omic pools the residuals of all its features)."""
    Xs, _ = planted
    est = small(MOCSSSparseVAETransformer, objective="elbo", noise=kind).fit(Xs)
    for branch, X in zip(est.module_.specific, Xs):
        noise = branch.noises[0]
        assert not noise.log_sigma.requires_grad
        assert noise.log_sigma.numel() == (X.shape[1] if kind == "feature" else 1)
        n = est.n_train_samples_ * (1 if kind == "feature" else X.shape[1])
        expected = (n * noise.running_mean_sq + noise.df * noise.scale) / (n + noise.df + 2)
        torch.testing.assert_close(noise.log_sigma.detach().exp() ** 2, expected)
    assert np.isfinite(est.transform(Xs)).all()


def test_sparse_vae_early_stopping_leaves_out_the_branch_priors():
    """As documented for the objective: early stopping and score watch the
    held-out likelihood and KL, not the priors on W and sigma (which do not
    depend on held-out data and fall as W sparsifies); under the paper's
    objective the monitor is the loss itself."""
    from skpoems import PAPER_CONFIG

    rng = np.random.RandomState(0)
    X = [rng.rand(60, 12), rng.rand(60, 8)]
    est = MOCSSSparseVAETransformer(n_components=2, max_iter=3, random_state=0).fit(X)
    for record in est.history_:
        assert record["validation_loss"] != pytest.approx(record["validation_objective"], rel=1e-6)
    assert est.best_validation_score_ == pytest.approx(-est.history_[est.best_iter_ - 1]["validation_loss"])
    paper = MOCSSSparseVAETransformer(
        n_components=2, max_iter=3, random_state=0, **PAPER_CONFIG["MOCSSSparseVAETransformer"]
    ).fit(X)
    for record in paper.history_:
        assert record["validation_loss"] == pytest.approx(record["validation_objective"], rel=1e-12)


def test_vae_branch_kl_warmup_scales_kl_while_training_only():
    """MOCSS-VAE's specific branch: epoch e of a warm-up of W epochs weighs the KL by
    beta * (e + 1) / W while training; evaluation (validation loss, score) by beta."""
    from skpoems._modules import VariationalAutoencoder

    torch.manual_seed(0)
    branch = VariationalAutoencoder(6, 3, (8,), reconstruction_weight=0.7, beta=2.0, kl_warmup=4)
    x = torch.rand(10, 6)
    check_kl_warmup(branch, lambda: branch.loss([x], generator=torch.Generator().manual_seed(3)), 2.0, 4, 1e-6)


def test_vae_early_stopping_waits_for_kl_warmup(planted):
    warm = check_early_stopping_waits_for_kl_warmup(lambda **kw: small(MOCSSVAETransformer, **kw), planted[0])
    assert all(branch.kl_scale == 1.0 for branch in warm.module_.specific)


# --------------------------------------------------- decoders on the data's scale


@pytest.mark.parametrize("cls", [MOCSSAETransformer, MOCSSVAETransformer])
def test_reconstructions_are_on_the_data_scale(cls):
    """The MOCSS reconstruction loss centres and row-normalises the decoder's
    output, so it leaves each decoder's scale and offset free: a decoder trained
    by it alone output values at a third of the data's spread (reconstruction R^2
    0.31 where 0.52 was one rescale away). One least-squares affine map per
    decoder, fitted after training, puts them on the data's scale."""
    from skpoems.inspection import reconstruction_r2

    X, _ = make_planted(n_samples=120, omic_dims=(12, 9), random_state=0)
    est = small(cls, max_iter=60, n_iter_no_change=None).fit(X)
    recs = est.inverse_transform(est.transform(X))
    for x, r in zip(X, recs):
        slope, intercept = np.polyfit(r.ravel(), x.ravel(), 1)
        assert 0.8 < slope < 1.25, slope
        assert abs(np.mean(x - r)) < 0.05 * np.std(x)
    calibrated = np.asarray(reconstruction_r2(est, X))
    est.module_.calibration.copy_(torch.tensor([0.5, 0.5, 0.0, 1.0, 0.0]).repeat(2, 1))  # as before
    assert (calibrated > np.asarray(reconstruction_r2(est, X))).all()


def test_calibration_is_the_least_squares_map_of_each_decoder():
    est = small(MOCSSAETransformer, max_iter=5).fit(make_planted(n_samples=60, omic_dims=(8, 6), random_state=1)[0])
    module = est.module_
    rng = np.random.RandomState(0)
    xs = [torch.tensor(rng.rand(40, d), dtype=torch.float32) for d in (8, 6)]
    observed = torch.ones(40, 2, dtype=torch.bool)
    observed[:10, 1] = False  # omic 1 missing for 10 samples: left out of its sums
    chunks = [module.calibration_moments([x[a:b] for x in xs], observed[a:b]) for a, b in ((0, 25), (25, 40))]
    module.calibrate_(sum(chunks))
    embedding = module.embed(xs, observed)
    codes = embedding.chunk(3, dim=1)
    for v in range(2):
        rows = observed[:, v]
        x = xs[v][rows].double().numpy().ravel()
        y1, y2 = (y.double().detach().numpy().ravel() for y in module._paths(codes[-1][rows], codes[v][rows], v))
        joint = np.linalg.lstsq(np.column_stack([y1, y2, np.ones_like(x)]), x, rcond=None)[0]
        # a missing omic is decoded from the other omic's shared code: fitted on
        # that code (the samples that have both), not on the mean including its own
        both = observed.all(dim=1)
        other = module.shared[1 - v].encoder(xs[1 - v][both])
        y_alone = module.shared[v].decoder(other).double().detach().numpy().ravel()
        alone = np.polyfit(y_alone, xs[v][both].double().numpy().ravel(), 1)
        assert module.calibration[v].tolist() == pytest.approx([*joint, *alone], rel=1e-4, abs=1e-5)
    # decode and a missing omic's reconstruction use them
    rec = module.reconstruct(xs, observed)[1][:10]
    a, c = module.calibration[1, 3:].tolist()
    expected = a * module.shared[1].decoder(codes[-1][:10]) + c
    np.testing.assert_allclose(rec.detach(), expected.detach(), rtol=1e-5, atol=1e-6)
    # the training loss does not see the calibration
    before = module.loss(xs, observed).total.item()
    module.calibration.mul_(3.0)
    assert module.loss(xs, observed).total.item() == pytest.approx(before, rel=1e-6)


def test_impute_is_on_the_data_scale():
    """A MOCSS imputation is its shared decoder on the other omics' shared code.
    Uncalibrated, it was far off the data's scale (R^2 -3.9 against -0.01 for
    filling with the training means); calibrated on the other omics' shared
    code, as it is used, it is near the means.
    It still does not beat them: POEMS and POEM are the models to impute with."""
    r2, r2_means = impute_r2_on_planted(MOCSSAETransformer)
    assert r2 > r2_means - 0.1, (r2, r2_means)


@pytest.mark.parametrize("cls", MODELS)
def test_round_trip_fills_a_missing_omic_as_impute(cls):
    """``inverse_transform(transform(X))`` decodes a sample lacking an omic from
    the shared code alone, as ``impute`` does, not from its zero specific code
    (a MOCSS-SparseVAE's round trip of a hidden omic scored R^2 -3.3 on planted
    data, impute -0.02). Every other value of the round trip is unchanged."""
    X = make_planted(n_samples=60, omic_dims=(8, 6, 5), random_state=0)[0]
    est = small(cls, max_iter=5).fit(X)
    Xm = [x.copy() for x in X]
    Xm[1][:15] = np.nan
    Z = est.transform(Xm)
    assert np.all(Z[:15, 4:8] == 0) and not np.any(np.all(Z[15:, 4:8] == 0, axis=1))
    recs = est.inverse_transform(Z)
    filled = est.impute(Xm)
    np.testing.assert_allclose(recs[1][:15], filled[1][:15], rtol=1e-5, atol=1e-6)
    # the samples that have omic 1, and the other omics: the calibrated joint decoders
    module = est.module_
    z = torch.tensor(Z, dtype=torch.float32)
    with torch.no_grad():
        shared, specific = module._paths(z[:, 12:16], z[:, 4:8], 1)
        a_shared, a_specific, offset = module.calibration[1, :3]
        joint = (a_shared * shared + a_specific * specific + offset).numpy()
    np.testing.assert_allclose(recs[1][15:], joint[15:], rtol=1e-5, atol=1e-6)


def test_warm_start_of_a_model_pickled_before_the_calibration():
    X = make_planted(n_samples=40, omic_dims=(8, 6), random_state=0)[0]
    est = small(MOCSSAETransformer, max_iter=3).fit(X)
    del est.module_._buffers["calibration"]  # as a module pickled before it existed
    recs = est.inverse_transform(est.transform(X))  # the plain mean of the decoders
    assert all(np.isfinite(r).all() for r in recs)
    est.set_params(warm_start=True, max_iter=5).fit(X)  # was an AttributeError at its end
    assert est.module_.calibration.shape == (2, 5)


def test_sparse_vae_branches_count_only_the_samples_that_have_their_omic():
    """A specific branch sees only the samples that have its omic, but was told
    the whole training set's size: its running sigma spanned 1/f epochs and counted
    every training sample as an observation of the omic, and its priors weighed
    f times less against its likelihood (f the share of samples with the omic).
    POEMS counts them so already (given no counts, both estimate them from the batch)."""
    import warnings

    from skpoems import POEMSTransformer

    rng = np.random.RandomState(0)
    X = [rng.rand(40, 10), rng.rand(40, 8)]
    X[1][:30] = np.nan  # omic 1 in 10 of the 40 samples
    xs = [torch.tensor(np.nan_to_num(b), dtype=torch.float32) for b in X]
    observed = torch.stack([torch.ones(40, dtype=torch.bool), torch.tensor(~np.isnan(X[1][:, 0]))], 1)
    stored = {}
    for cls in (POEMSTransformer, MOCSSSparseVAETransformer):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = cls(n_components=3, max_iter=1, random_state=0, early_stopping=False).fit(X).module_.train()
        module.loss(xs, observed, prior_batch_size=128, n_train=40)
        residuals = module._residuals if cls is POEMSTransformer else module.specific[1]._residuals
        stored[cls] = residuals[-1][1:]  # (the batch's share of the omic's samples, their number)
    # (the branch's priors are divided by the same count as its residuals are weighed with)
    assert stored[POEMSTransformer] == stored[MOCSSSparseVAETransformer] == (1.0, 10.0)


@pytest.mark.parametrize("cls_name", ["POEMSTransformer", "MOCSSSparseVAETransformer"])
def test_sigma_updates_count_the_training_samples_that_have_the_omic(cls_name, monkeypatch):
    """With small batches and a rarely observed omic, a batch's observed fraction
    is a noisy estimate of the omic's share of the training set, and its inverse
    is biased upwards (E[1/f_hat] > 1/f): the closed-form sigma updates must use
    the training set's own count of the samples that have the omic."""
    import warnings

    import skpoems
    from skpoems._modules import FeatureNoise

    rng = np.random.RandomState(0)
    X = [rng.rand(60, 6), rng.rand(60, 5)]
    X[1][rng.rand(60) < 0.7] = np.nan  # omic 1 in about 30% of the samples
    seen: list[tuple[int, float, float]] = []
    original = FeatureNoise.closed_form_update_

    def record(self, mean_sq, weight, n_obs):
        seen.append((mean_sq.shape[0], weight, n_obs))
        return original(self, mean_sq, weight, n_obs)

    monkeypatch.setattr(FeatureNoise, "closed_form_update_", record)
    est = getattr(skpoems, cls_name)(n_components=2, batch_size=6, max_iter=2, random_state=0, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    assert est.n_train_samples_ == 60
    expected = {6: 60.0, 5: float((~np.isnan(X[1][:, 0])).sum())}
    counts = {d: {n for dd, _, n in seen if dd == d} for d in expected}
    assert counts == {d: {n} for d, n in expected.items()}
    # each batch weighs by its share of the omic's samples: an epoch's add up to one
    per_epoch = {d: sum(w for dd, w, _ in seen if dd == d) / 2 for d in expected}
    assert per_epoch == pytest.approx({6: 1.0, 5: 1.0})
