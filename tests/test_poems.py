"""POEMSTransformer and POEMTransformer: the estimator contract beyond sklearn's checks."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import check_early_stopping_waits_for_kl_warmup, make_planted
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

import skpoems._base
from skpoems import PAPER_CONFIG, POEMSTransformer, POEMTransformer, concat_omics
from skpoems._modules import PoEVAE

SMALL = dict(n_components=4, encoder_hidden=(16,), decoder_hidden=16, gating_hidden=8)
MODELS = [POEMSTransformer, POEMTransformer]
#: the paper's configuration (MODELS.md, the defaults), spelled out where a test needs it
PAPER = PAPER_CONFIG["POEMSTransformer"]


def small(cls, **kw):
    return cls(**{**SMALL, "max_iter": 20, "random_state": 0, **kw})


@pytest.fixture(scope="module")
def fitted(planted):
    Xs, _ = planted
    return {cls: small(cls).fit(Xs) for cls in MODELS}


@pytest.mark.parametrize("cls", MODELS)
def test_fitted_attributes(cls, fitted, planted):
    Xs, _ = planted
    est = fitted[cls]
    n = Xs[0].shape[0]
    assert est.omic_dims_ == (20, 15, 10)
    assert est.omic_names_ == ["omic0", "omic1", "omic2"]
    assert est.n_features_in_ == 45
    assert est.gating_weights_.shape == (n, 3)
    np.testing.assert_allclose(est.gating_weights_.sum(1), 1.0, rtol=1e-5)
    assert 1 <= est.best_iter_ <= est.n_iter_ <= 20
    assert len(est.loss_curve_) == len(est.validation_scores_) == len(est.history_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.n_train_samples_ == n - int(np.ceil(0.2 * n))
    assert {"train_loss", "validation_loss", "train_kl", "validation_nll_omic0", "train_prior_omic0"} <= set(
        est.history_[0]
    )
    assert all(rec["time_s"] > 0 for rec in est.history_)
    paper = small(cls, **PAPER, max_iter=2).fit(Xs)
    assert {"validation_reconstruction_omic0", "train_sigma_omic0"} <= set(paper.history_[0])
    Z = est.transform(Xs)
    assert Z.shape == (n, 4) and Z.dtype == np.float64 and np.isfinite(Z).all()
    np.testing.assert_array_equal(est.transform_gating(Xs), est.gating_weights_)


def test_components(fitted):
    est = fitted[POEMSTransformer]
    assert [W.shape for W in est.components_] == [(20, 4), (15, 4), (10, 4)]
    with pytest.raises(AttributeError, match="no components_"):
        fitted[POEMTransformer].components_  # noqa: B018
    assert not hasattr(fitted[POEMTransformer], "components_")


def test_best_weights_restored(planted):
    Xs, _ = planted
    # batches of 64 (of 96 training samples): at the paper's 512 the priors, divided by
    # 512, hardly weigh and the loss falls for all 60 epochs
    paper = {**PAPER, "batch_size": 64}
    est = small(POEMSTransformer, **paper, max_iter=60, n_iter_no_change=3, learning_rate=0.03).fit(Xs)
    assert est.n_iter_ < 60, "early stopping should fire with patience 3"
    assert est.n_iter_ - est.best_iter_ == 3 and est.stop_reason_ == "no_improvement"
    # the restored weights are those of the best epoch: the validation loss recomputed
    # now equals the best one recorded during training
    xs, obs = est._tensors(est._validate_omics(Xs, reset=False), torch.device("cpu"))
    rng = np.random.RandomState(0)
    from sklearn.model_selection import train_test_split

    _, val = train_test_split(np.arange(len(Xs[0])), test_size=0.2, random_state=rng)
    val = torch.as_tensor(np.sort(val))
    loss, _ = est._evaluate_loss([x[val] for x in xs], None, est.n_train_samples_)
    assert loss == pytest.approx(-est.best_validation_score_, rel=1e-5)


def test_patience_none_runs_max_iter(planted):
    Xs, _ = planted
    est = small(POEMTransformer, max_iter=7, n_iter_no_change=None).fit(Xs)
    assert est.n_iter_ == 7 and est.stop_reason_ == "max_iter"


def test_max_iter_warns(planted):
    from sklearn.exceptions import ConvergenceWarning

    Xs, _ = planted
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        small(POEMSTransformer, max_iter=2).fit(Xs)


def test_no_early_stopping_uses_all_samples(planted):
    Xs, _ = planted
    est = small(POEMSTransformer, max_iter=3, early_stopping=False).fit(Xs)
    assert est.n_train_samples_ == len(Xs[0])
    assert est.validation_scores_ == [] and not hasattr(est, "best_validation_score_")


@pytest.mark.parametrize("batch_size", [7, 32, 10_000])
def test_batch_size_clipped_and_equal_batches(planted, batch_size):
    Xs, _ = planted
    est = small(POEMSTransformer, max_iter=1, batch_size=batch_size).fit(Xs)
    n_train = est.n_train_samples_
    n_batches = int(np.ceil(n_train / min(batch_size, n_train)))
    assert est.batch_size_ == int(np.ceil(n_train / n_batches)) <= min(batch_size, n_train)


@pytest.mark.parametrize("cls", MODELS)
def test_same_random_state_bitwise_identical(cls, planted):
    Xs, _ = planted
    Z1 = small(cls, max_iter=5).fit_transform(Xs)
    Z2 = small(cls, max_iter=5).fit_transform(Xs)
    np.testing.assert_array_equal(Z1, Z2)
    Z3 = small(cls, max_iter=5, random_state=1).fit_transform(Xs)
    assert not np.array_equal(Z1, Z3)


def test_global_random_state_untouched(planted):
    Xs, _ = planted
    # (NPY002: the legacy global generator on purpose: fitting must leave it untouched)
    np.random.seed(123)  # noqa: NPY002
    torch.manual_seed(123)
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    torch_state = torch.get_rng_state().clone()
    small(POEMSTransformer, max_iter=2).fit(Xs)
    small(POEMSTransformer, max_iter=2, random_state=np.random.RandomState(0)).fit(Xs)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    small(POEMSTransformer, max_iter=2, random_state=None).fit(Xs)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_random_state_none_draws_from_numpys_global_generator(planted):
    """As scikit-learn's estimators: np.random.seed makes fits with
    random_state=None reproducible (they drew fresh entropy, so a seeded script
    gave other results at every run), and each fit advances the generator."""
    Xs, _ = planted
    # (NPY002: random_state=None draws from the legacy global generator, as in scikit-learn)
    np.random.seed(0)  # noqa: NPY002
    Z1 = small(POEMSTransformer, max_iter=2, random_state=None).fit_transform(Xs)
    Z2 = small(POEMSTransformer, max_iter=2, random_state=None).fit_transform(Xs)
    np.random.seed(0)  # noqa: NPY002
    again = small(POEMSTransformer, max_iter=2, random_state=None).fit_transform(Xs)
    np.testing.assert_array_equal(again, Z1)
    assert not np.array_equal(Z1, Z2)


def test_fit_seeds_no_accelerator_generator_it_does_not_use(planted, monkeypatch):
    """torch.manual_seed also reseeds every GPU and the MPS generator, for good
    (fork_rng restores only the devices it is given): a CPU fit must not."""
    calls = []
    for module, name in [(torch.cuda, "manual_seed_all"), (torch.cuda, "manual_seed"), (torch.mps, "manual_seed")]:
        monkeypatch.setattr(module, name, lambda *a, _n=f"{module.__name__}.{name}", **k: calls.append(_n))
    if hasattr(torch, "xpu"):
        monkeypatch.setattr(torch.xpu, "manual_seed_all", lambda *a, **k: calls.append("torch.xpu.manual_seed_all"))
    Xs, _ = planted
    small(POEMSTransformer, max_iter=2).fit(Xs)
    assert calls == []


def test_fits_in_threads_give_the_models_their_seeds_give_alone(planted):
    """torch's generator is global to the process: two fits training at once in
    threads (a thread pool, joblib's threading backend) drew from it in the
    scheduler's order (other models than their seeds give), and each restored
    the other's seeded state as the caller's."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    Xs, _ = planted
    seeds = [0, 1, 2, 3]
    alone = [small(POEMSTransformer, max_iter=15, random_state=s).fit_transform(Xs) for s in seeds]
    torch.manual_seed(7)
    state = torch.get_rng_state().clone()
    start = Barrier(len(seeds))

    def fit(seed):
        start.wait()
        return small(POEMSTransformer, max_iter=15, random_state=seed).fit_transform(Xs)

    with ThreadPoolExecutor(len(seeds)) as pool:
        threaded = list(pool.map(fit, seeds))
    for seed, Z, reference in zip(seeds, threaded, alone):
        np.testing.assert_array_equal(Z, reference, err_msg=f"random_state={seed}")
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork (POSIX)")
def test_a_process_forked_while_a_thread_trains_can_train():
    """The training lock, held by a thread at fork, was inherited held by a thread
    that does not exist in the child: its first fit waited for ever."""
    import os
    import threading

    from skpoems.utils import _torch

    held, release = threading.Event(), threading.Event()

    def train():
        with _torch.training_mode_of_torch(0, torch.device("cpu")):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=train)
    thread.start()
    held.wait(30)
    try:
        pid = os.fork()
        if pid == 0:  # the child: can it take the lock?
            os._exit(0 if _torch._TRAINING_LOCK.acquire(timeout=5) else 1)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        thread.join()
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("cls", [POEMSTransformer, POEMTransformer])
def test_fit_does_not_depend_on_the_callers_torch_settings(planted, cls):
    """A seed gives the same model under torch.set_default_dtype(torch.float64)
    (the initial draws were made in float64, then cast) and inside no_grad() or
    inference_mode() (which stopped the fit with a torch error); the caller's
    settings are back after the fit."""
    Xs, _ = planted
    reference = small(cls, max_iter=2).fit_transform(Xs)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        Z = small(cls, max_iter=2).fit_transform(Xs)
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(previous)
    np.testing.assert_array_equal(Z, reference)
    for context in (torch.no_grad, torch.inference_mode):
        with context():
            Z = small(cls, max_iter=2).fit_transform(Xs)
            assert not torch.is_grad_enabled()
        np.testing.assert_array_equal(Z, reference)


def test_input_forms_give_the_same_model(planted):
    Xs, _ = planted
    names = ["mrna", "meth", "mirna"]
    frames = [pd.DataFrame(X, columns=[f"g{j}" for j in range(X.shape[1])]) for X in Xs]
    inputs = {
        "list": Xs,
        "tuple": tuple(Xs),
        "dict": dict(zip(names, Xs)),
        "array+omic_dims": np.hstack(Xs),
        "list of frames": frames,
        "multiindex": concat_omics(dict(zip(names, frames))),
    }
    Zs = {}
    for key, X in inputs.items():
        est = small(POEMSTransformer, max_iter=3, omic_dims=(20, 15, 10) if key == "array+omic_dims" else None)
        Zs[key] = est.fit(X).transform(X)
        assert est.omic_dims_ == (20, 15, 10)
    for key, Z in Zs.items():
        np.testing.assert_array_equal(Z, Zs["list"], err_msg=key)


def test_names_from_multiindex(planted):
    Xs, _ = planted
    X = concat_omics({"mrna": Xs[0], "mirna": Xs[2]})
    est = small(POEMSTransformer, max_iter=2).fit(X)
    assert est.omic_names_ == ["mrna", "mirna"]
    assert est.feature_names_in_[0] == "mrna__f0" and est.feature_names_in_[-1] == "mirna__f9"
    fn = est.omic_feature_names()
    assert list(fn[1]) == [f"f{j}" for j in range(10)]
    assert list(est.get_feature_names_out()) == [f"poemstransformer{k}" for k in range(4)]


def test_set_output_pandas_keeps_index(planted):
    Xs, _ = planted
    X = concat_omics(Xs)
    X.index = [f"patient{i}" for i in range(len(X))]
    est = small(POEMSTransformer, max_iter=2).set_output(transform="pandas")
    Z = est.fit_transform(X)
    assert isinstance(Z, pd.DataFrame)
    assert list(Z.index) == list(X.index)
    assert list(Z.columns) == list(est.get_feature_names_out())


def test_set_output_polars_covers_the_gating_weights(planted):
    pl = pytest.importorskip("polars")  # in the test extras
    Xs, _ = planted
    est = small(POEMSTransformer, max_iter=2).set_output(transform="polars").fit(Xs)
    Z, alpha = est.transform(Xs), est.transform_gating(Xs)
    assert isinstance(Z, pl.DataFrame) and isinstance(alpha, pl.DataFrame)  # alpha was an array
    assert alpha.columns == list(est.omic_names_)
    np.testing.assert_array_equal(alpha.to_numpy(), est.set_output(transform="default").transform_gating(Xs))


def test_constant_features_start_with_sigma_on_the_data_scale():
    """A constant feature (MinMaxScaler maps them to 0) starts at the 10% quantile of
    the other features' standard deviations, not at 1e-3 times the largest: under
    the paper's objective, which learns log sigma by gradient, such a sigma stayed
    tiny for hundreds of epochs and the feature's errors / sigma^2 outweighed the
    rest of the loss (planted 3-class data, 4 seeds: k-NN ACC 0.55 against 0.74)."""
    from skpoems._poems import initial_noise_scales

    rng = np.random.RandomState(0)
    block = np.hstack([rng.rand(50, 20) * np.linspace(0.1, 1.0, 20), np.zeros((50, 3))])
    sigma = initial_noise_scales(block, np.ones(50, dtype=bool))
    std = block.std(axis=0)
    np.testing.assert_array_equal(sigma[:20], std[:20])
    np.testing.assert_allclose(sigma[20:], np.quantile(std[:20], 0.1))
    assert (initial_noise_scales(np.ones((50, 4)), np.ones(50, dtype=bool), 0.01) == 0.01).all()
    # nearly constant (below sigma_prior_floor): the floor, not their own tiny spread
    near = block.copy()
    near[:, :3] = 0.5 + 1e-4 * rng.rand(50, 3)
    sigma = initial_noise_scales(near, np.ones(50, dtype=bool), 0.01)
    assert (sigma[:3] == 0.01).all() and (sigma[3:20] == std[3:20]).all()
    Xs = [np.hstack([minmax := block[:, :20], np.zeros((50, 3))]), rng.rand(50, 6)]
    paper = dict(PAPER_CONFIG["POEMSTransformer"], n_components=2, max_iter=1, random_state=0)
    est = POEMSTransformer(**paper).fit(Xs)
    clean = POEMSTransformer(**paper).fit([minmax, Xs[1]])
    # one epoch: the loss with the constant features was 1e4-1e5 times that without
    assert abs(est.loss_curve_[0]) < 2 * abs(clean.loss_curve_[0]) + 10


def test_float32_stays_float32(planted):
    Xs, _ = planted
    X32 = [X.astype(np.float32) for X in Xs]
    Z = small(POEMSTransformer, max_iter=2).fit_transform(X32)
    assert Z.dtype == np.float32


@pytest.mark.parametrize("dims", [(12,), (12, 7), (12, 7, 5), (12, 7, 5, 3, 9)])
@pytest.mark.parametrize("cls", MODELS)
def test_any_number_of_omics(cls, dims):
    Xs, _ = make_planted(n_samples=40, omic_dims=dims)
    est = small(cls, max_iter=3).fit(Xs)
    assert est.gating_weights_.shape == (40, len(dims))
    assert est.transform(Xs).shape == (40, 4)
    if cls is POEMSTransformer:
        assert [W.shape[0] for W in est.components_] == list(dims)


@pytest.mark.parametrize("cls", MODELS)
def test_pickle_round_trip(cls, fitted, planted):
    Xs, _ = planted
    est = fitted[cls]
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.transform(Xs), est.transform(Xs))
    np.testing.assert_array_equal(clone.transform_gating(Xs), est.transform_gating(Xs))
    assert clone.score(Xs) == est.score(Xs)
    np.testing.assert_array_equal(clone.score_samples(Xs), est.score_samples(Xs))


def test_score_is_minus_validation_style_loss(fitted, planted):
    Xs, _ = planted
    est = fitted[POEMSTransformer]
    s = est.score(Xs)
    assert np.isfinite(s) and s == est.score(Xs)  # deterministic


@pytest.mark.parametrize("cls", MODELS)
def test_score_samples_is_each_samples_elbo(cls, planted, monkeypatch):
    """With beta = 1 the held-out loss is the mean negative ELBO at one posterior
    draw: over many draws, the mean of score_samples must agree with it. A lost
    log(2 pi), log sigma or KL term would be off by tens of nats."""
    Xs, _ = planted
    est = small(cls, beta=1.0, max_iter=100, learning_rate=1e-2).fit(Xs)  # KL about 4 nats
    monkeypatch.setattr(PoEVAE, "ELBO_DRAWS", 4096)
    elbo = est.score_samples(Xs)
    scores = []
    for seed in range(50):
        monkeypatch.setattr(skpoems._base, "_EVAL_SEED", seed)
        scores.append(est.score(Xs))
    assert elbo.shape == (len(Xs[0]),) and elbo.dtype == np.float64
    assert abs(elbo.mean() - np.mean(scores)) < 0.3, (elbo.mean(), np.mean(scores))


@pytest.mark.parametrize("noise", ["omic", "feature"])
def test_score_samples_of_samples_lacking_an_omic_against_a_direct_estimate(planted, monkeypatch, noise):
    """The ELBO of a sample lacking omic 2: the posterior given omics 0 and 1
    only, the likelihood of those two only. Computed here independently from
    the posterior moments, the decoder and sigma, with other draws."""
    Xs, _ = planted
    est = small(POEMSTransformer, noise=noise, max_iter=60, learning_rate=1e-2).fit(Xs)
    lacking = [x[:6].copy() for x in Xs]
    lacking[2][:] = np.nan
    monkeypatch.setattr(PoEVAE, "ELBO_DRAWS", 4096)
    elbo = est.score_samples(lacking)
    module = est.module_
    with torch.no_grad():
        xs = [torch.tensor(x[:6], dtype=torch.float32) for x in Xs]
        observed = torch.tensor([[True, True, False]] * 6)
        mean, logvar, _ = module.encode(xs, observed)
        mean, std = mean.double().numpy(), np.exp(0.5 * logvar.double().numpy())
        sigmas = [np.broadcast_to(np.exp(n.log_sigma.double().numpy()), (x.shape[1],)) for n, x in zip(module.noises, Xs)]
    draws = 4096
    z = mean + std * np.random.RandomState(1).standard_normal((draws, *mean.shape))  # (draws, 6, K)
    decoded = est.inverse_transform(z.reshape(-1, mean.shape[1]))
    log_lik = np.zeros(6)
    for v in (0, 1):  # not omic 2
        r = (Xs[v][:6] - decoded[v].reshape(draws, 6, -1)) / sigmas[v]
        log_lik += (-0.5 * r**2 - np.log(sigmas[v]) - 0.5 * np.log(2 * np.pi)).sum(axis=2).mean(axis=0)
    kl = 0.5 * (mean**2 + std**2 - 1 - 2 * np.log(std)).sum(axis=1)
    np.testing.assert_allclose(elbo, log_lik - kl, atol=0.3)


def test_score_samples_does_not_depend_on_torchs_default_dtype(fitted, planted):
    Xs, _ = planted
    est = fitted[POEMSTransformer]
    expected = est.score_samples(Xs)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        np.testing.assert_allclose(est.score_samples(Xs), expected, rtol=1e-10)
    finally:
        torch.set_default_dtype(previous)


def test_score_samples_per_sample_and_with_missing_omics(fitted, planted):
    Xs, _ = planted
    est = fitted[POEMSTransformer]
    full = est.score_samples(Xs)
    np.testing.assert_array_equal(est.score_samples(Xs), full)  # deterministic
    np.testing.assert_allclose(est.score_samples([x[7:9] for x in Xs]), full[7:9], rtol=1e-12)
    lacking = [x.copy() for x in Xs]
    lacking[2][:5] = np.nan
    part = est.score_samples(lacking)
    assert np.isfinite(part).all()
    np.testing.assert_allclose(part[5:], full[5:], rtol=1e-12)  # the others are unaffected
    assert not np.isclose(part[:5], full[:5]).any()
    # a sample's omic far off its training range is explained worse
    assert (est.score_samples([Xs[0], Xs[1] + 2.0, Xs[2]]) < full).all()
    assert est.score_samples([x.astype(np.float32) for x in Xs]).dtype == np.float32


@pytest.mark.parametrize("cls", MODELS)
def test_pipeline_knn_and_kmeans(cls, planted):
    Xs, y = planted
    X = np.hstack(Xs)
    knn = Pipeline([("poems", small(cls, max_iter=30, omic_dims=(20, 15, 10))), ("knn", KNeighborsClassifier(3))])
    assert cross_val_score(knn, X, y, cv=3).mean() > 0.6
    km = Pipeline([("poems", small(cls, max_iter=5, omic_dims=(20, 15, 10))), ("km", KMeans(3, n_init=3, random_state=0))])
    km.fit(X)
    assert np.isfinite(km.score(X))
    assert km.predict(X).shape == (len(X),)


def test_pipeline_with_scaler_on_multiindex(planted):
    Xs, y = planted
    X = concat_omics(Xs) * 10.0  # unscaled
    pipe = Pipeline([("scale", MinMaxScaler()), ("poems", small(POEMSTransformer, max_iter=2, omic_dims=(20, 15, 10)))])
    assert pipe.fit_transform(X).shape == (len(X), 4)


def _grid(X, n_jobs, omic_dims=None):
    grid = GridSearchCV(
        small(POEMSTransformer, max_iter=3, omic_dims=omic_dims),
        {"batch_size": [16, 64], "learning_rate": [1e-3, 5e-3], "weight_decay": [1e-4, 1e-3]},
        cv=2,
        n_jobs=n_jobs,
    )
    return grid.fit(X)


def test_pipeline_scores_under_metadata_routing(planted):
    """scikit-learn's Pipeline.score passes sample_weight to the last step under
    metadata routing: a score without it made every candidate of the README's
    unsupervised GridSearchCV score NaN, and the search picked the worse one."""
    import sklearn

    from skpoems.preprocessing import OmicTransformer

    Xs, _ = planted
    X = concat_omics(Xs)
    pipe = Pipeline([("scale", OmicTransformer()), ("poems", small(POEMSTransformer, max_iter=3))])
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, {"poems__learning_rate": [1e-4, 1e-2]}, cv=2, error_score="raise").fit(X)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        assert np.isfinite(pipe.fit(X).score(X))
        # the README's weighted search: fit's sample_weight to the scaler, its own scoring
        from sklearn.preprocessing import StandardScaler

        weighted = Pipeline([("scale", OmicTransformer(StandardScaler().set_fit_request(sample_weight=True))),
                             ("poems", small(POEMSTransformer, max_iter=3))])
        search = GridSearchCV(weighted, {"poems__learning_rate": [1e-4, 1e-2]}, cv=2, error_score="raise",
                              scoring=lambda est, X, y=None: est.score(X))
        search.fit(X, sample_weight=np.linspace(0.5, 1.5, len(X)))
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    with pytest.raises(ValueError, match="does not take sample weights"):
        small(POEMSTransformer, max_iter=1).fit(Xs).score(Xs, sample_weight=np.ones(len(Xs[0])))


@pytest.mark.parametrize("form", ["array+omic_dims", "concat_omics"])
def test_grid_search_n_jobs_identical(planted, form):
    Xs, _ = planted
    X = np.hstack(Xs) if form == "array+omic_dims" else concat_omics(Xs)
    dims = (20, 15, 10) if form == "array+omic_dims" else None
    # joblib's two workers train with cores // 2 torch threads each (loky's
    # limit); the claim is for the same thread count (README)
    import joblib

    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, joblib.cpu_count() // 2))
    try:
        g1 = _grid(X, 1, dims)
    finally:
        torch.set_num_threads(threads)
    g2 = _grid(X, 2, dims)
    assert len(g1.cv_results_["params"]) == 8
    np.testing.assert_array_equal(g1.cv_results_["mean_test_score"], g2.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(g1.cv_results_["split0_test_score"], g2.cv_results_["split0_test_score"])
    assert g1.best_params_ == g2.best_params_
    assert np.isfinite(g1.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize("cls", MODELS)
def test_planted_subtypes_separated(cls):
    """Subtypes planted in a 4-d latent space are recovered far better than chance.

    Chance ARI is 0; the margin asserted is ARI > 0.5 for k-means on the embedding.
    """
    Xs, y = make_planted(n_samples=150, noise=0.5, random_state=3)
    Z = cls(n_components=4, max_iter=150, random_state=0).fit_transform(Xs)
    labels = KMeans(3, n_init=10, random_state=0).fit_predict(Z)
    assert adjusted_rand_score(y, labels) > 0.5


def test_verbose_progress_bar(planted, capsys):
    Xs, _ = planted
    small(POEMSTransformer, max_iter=2, verbose=1).fit(Xs)
    err = capsys.readouterr().err
    assert "POEMSTransformer" in err and "epoch" in err
    small(POEMSTransformer, max_iter=2, verbose=0).fit(Xs)
    assert capsys.readouterr().err == ""


def test_params_documented():
    for cls in MODELS:
        for name in cls().get_params():
            assert f"{name} : " in cls.__doc__, (cls.__name__, name)


def test_early_stopping_waits_for_kl_warmup(planted):
    warm = check_early_stopping_waits_for_kl_warmup(lambda **kw: small(POEMSTransformer, **kw), planted[0])
    assert warm.module_.kl_scale == 1.0


@pytest.mark.parametrize("objective", ["paper", "elbo"])
def test_ema_weights_are_the_moving_average_of_the_steps(planted, objective):
    """early_stopping=False with ema_decay: the final weights are the EMA over optimiser steps."""
    Xs, _ = planted
    snapshots = []

    class Recording(POEMTransformer):
        def _build_module(self, omics):
            module = super()._build_module(omics)
            after_step = module.after_step_

            def recording_after_step():  # a step ends after the closed-form sigma update
                after_step()
                snapshots.append([p.detach().clone() for p in module.parameters()])

            module.after_step_ = recording_after_step
            return module

    est = Recording(
        **SMALL, objective=objective, max_iter=4, batch_size=40, early_stopping=False, ema_decay=0.7, random_state=0
    )
    est.fit(Xs)
    assert len(snapshots) == 4 * 3
    avg = snapshots[0]
    for snap in snapshots[1:]:
        avg = [0.7 * a + 0.3 * w for a, w in zip(avg, snap)]
    for p, a in zip(est.module_.parameters(), avg):
        torch.testing.assert_close(p.detach(), a)
    raw = small(POEMTransformer, objective=objective, max_iter=4, batch_size=40, early_stopping=False).fit(Xs)
    assert not np.allclose(raw.transform(Xs), est.transform(Xs))


def test_ema_best_weights_restored(planted):
    Xs, _ = planted
    est = small(
        POEMSTransformer, **PAPER, max_iter=40, n_iter_no_change=None, learning_rate=0.3, ema_decay=0.5
    ).fit(Xs)
    assert est.best_iter_ < est.n_iter_, "the best averaged epoch should not be the last one here"
    xs, _ = est._tensors(est._validate_omics(Xs, reset=False), torch.device("cpu"))
    from sklearn.model_selection import train_test_split

    _, val = train_test_split(np.arange(len(Xs[0])), test_size=0.2, random_state=np.random.RandomState(0))
    val = torch.as_tensor(np.sort(val))
    loss, _ = est._evaluate_loss([x[val] for x in xs], None, est.n_train_samples_)
    assert loss == pytest.approx(-est.best_validation_score_, rel=1e-5)


@pytest.mark.parametrize("cls", MODELS)
def test_reconstruction_monitor_drives_early_stopping_and_score(cls, planted):
    Xs, _ = planted
    # (stops after 190-300 epochs, depending on the fixed evaluation noise)
    est = small(cls, **PAPER, max_iter=600, monitor="reconstruction", learning_rate=1e-2).fit(Xs)
    assert est.module_.monitor == "reconstruction"
    assert est.n_iter_ < 600 and est.n_iter_ - est.best_iter_ == est.n_iter_no_change
    # the score is minus the summed per-omic mean squared error: small and negative
    assert -1.0 < est.score(Xs) < 0
    assert all(rec["validation_loss"] > 0 for rec in est.history_)


@pytest.mark.parametrize("cls", MODELS)
def test_elbo_objective_stops_on_its_own(cls, planted):
    """The elbo objective's held-out loss plateaus: early stopping ends the fit well
    before max_iter, and the kept epoch is the best one."""
    Xs, _ = planted
    est = cls(objective="elbo", beta=4.0, batch_size=128, max_iter=2000, random_state=0, convergence_tol=None)
    est.fit(Xs)
    # (POEMS: 760-1000 epochs over five seeds of the fixed evaluation noise)
    assert est.n_iter_ < 1500 and est.stop_reason_ == "no_improvement"
    assert est.n_iter_ - est.best_iter_ == est.n_iter_no_change
    # the kept epoch is the minimum of the smoothed held-out loss (monitor_smoothing),
    # and best_validation_score_ is that epoch's raw held-out loss
    smoothed = [rec["monitored_smoothed"] for rec in est.history_]
    assert est.best_iter_ == int(np.argmin(smoothed)) + 1
    assert est.best_validation_score_ == est.validation_scores_[est.best_iter_ - 1]
    raw = cls(
        objective="elbo", beta=4.0, batch_size=128, max_iter=2000, random_state=0, monitor_smoothing=0.0,
        convergence_tol=None,
    )
    raw.fit(Xs)
    assert raw.best_validation_score_ == max(raw.validation_scores_)
    assert "monitored_smoothed" not in raw.history_[0]


class _ScriptedValidation(POEMTransformer):
    """POEM whose validation loss follows a script (one value per epoch)."""

    script: list = []

    def _evaluate_loss(self, xs, observed, n_train, module=None, **kwargs):
        loss, terms = super()._evaluate_loss(xs, observed, n_train, module, **kwargs)
        return float(self.script[len(self.history_)]), terms


@pytest.mark.parametrize("smoothing", [0.0, 0.9])
def test_monitor_smoothing_ignores_a_lucky_epoch(smoothing, planted):
    """A held-out loss that falls slowly, with epoch-to-epoch noise and one lucky
    epoch early on: the raw monitor stops one patience after the lucky epoch, the
    smoothed one follows the trend to its plateau (epoch 100)."""
    Xs, _ = planted
    rng = np.random.RandomState(0)
    epochs = np.arange(1, 401)
    script = np.maximum(100.0 - 0.1 * epochs, 90.0) + rng.uniform(-1, 1, len(epochs))
    script[9] = 80.0  # epoch 10
    _ScriptedValidation.script = list(script)
    est = small(
        _ScriptedValidation, max_iter=400, n_iter_no_change=20, monitor_smoothing=smoothing, convergence_tol=None
    ).fit(Xs)
    if smoothing == 0:
        assert (est.best_iter_, est.n_iter_) == (10, 30)
    else:
        assert 90 <= est.best_iter_ <= 300 and est.n_iter_ == est.best_iter_ + 20
    assert est.best_validation_score_ == -script[est.best_iter_ - 1]
    assert [-v for v in est.validation_scores_] == list(script[: est.n_iter_])



def _expected_convergence_stop(losses, tol, window):
    """First epoch (1-based) where the last window's fall is below tol times the fall
    since epoch 1, recomputed from the documented rule."""
    for t in range(window, len(losses)):
        if losses[t - window] - losses[t] < tol * (losses[0] - losses[t]):
            return t + 1
    return None


def test_convergence_tol_ends_a_slow_steady_decline(planted):
    """A held-out loss that sets a new minimum every epoch but by less and less:
    patience never fires; convergence_tol stops it where the last 2 * patience
    epochs bought less than that fraction of the fall since the first epoch."""
    Xs, _ = planted
    epochs = np.arange(1, 501)
    script = 100.0 / np.sqrt(epochs)  # strictly decreasing
    _ScriptedValidation.script = list(script)
    params = dict(max_iter=500, n_iter_no_change=10, monitor_smoothing=0.0)
    expected = _expected_convergence_stop(script, 0.05, 20)
    assert expected is not None and 20 < expected < 500
    est = small(_ScriptedValidation, convergence_tol=0.05, **params).fit(Xs)
    assert (est.n_iter_, est.best_iter_, est.stop_reason_) == (expected, expected, "converged")
    # a tighter tolerance waits longer
    later = small(_ScriptedValidation, convergence_tol=0.01, **params).fit(Xs)
    assert later.n_iter_ == _expected_convergence_stop(script, 0.01, 20) > expected
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="max_iter=500"):
        off = small(_ScriptedValidation, convergence_tol=None, **params).fit(Xs)
    assert (off.n_iter_, off.stop_reason_) == (500, "max_iter")


def test_convergence_tol_is_not_fooled_by_a_short_early_plateau(planted):
    """A plateau shorter than the window (here 30 epochs, window 2 * 20) between two
    falls does not end the fit; a window of one patience would have stopped on it."""
    Xs, _ = planted
    t = np.arange(1, 301, dtype=float)
    script = np.select(
        [t <= 50, t <= 80, t <= 120],
        [100.0 - t, 50.0 - 1e-3 * (t - 50), 49.97 - 0.5 * (t - 80)],
        29.97 - 1e-4 * (t - 120),
    )
    _ScriptedValidation.script = list(script)
    assert _expected_convergence_stop(script, 0.01, 20) <= 80  # the plateau would fool a 20-epoch window
    expected = _expected_convergence_stop(script, 0.01, 40)
    assert 120 < expected < 300
    est = small(
        _ScriptedValidation, max_iter=300, n_iter_no_change=20, monitor_smoothing=0.0, convergence_tol=0.01
    ).fit(Xs)
    assert (est.n_iter_, est.stop_reason_) == (expected, "converged")


def test_convergence_tol_defaults():
    from skpoems import (
        MOCSSAETransformer,
        MOCSSSparseVAETransformer,
        MOCSSVAETransformer,
    )

    assert POEMSTransformer().convergence_tol == POEMTransformer().convergence_tol == 1e-3
    for cls in (MOCSSAETransformer, MOCSSVAETransformer):
        assert cls().convergence_tol is None  # their defaults are the paper's configurations
    assert MOCSSSparseVAETransformer().convergence_tol == 1e-3  # the elbo's, as for POEMS
    assert all(cfg["convergence_tol"] is None for cfg in PAPER_CONFIG.values())


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, "0.01"])
def test_convergence_tol_validated(planted, bad):
    Xs, _ = planted
    with pytest.raises((ValueError, TypeError), match="convergence_tol"):
        small(POEMTransformer, convergence_tol=bad).fit(Xs)


@pytest.mark.parametrize("cls", MODELS)
def test_omic_balance_weighs_each_omic_like_an_average_one(cls, planted):
    """omic_balance="omics": omic v's likelihood is scaled by mean(D) / D_v in the
    elbo loss and its monitor; "features" leaves every weight at 1."""
    Xs, _ = planted  # omics of 20, 15 and 10 features
    est = small(cls, objective="elbo", omic_balance="omics", dropout=0.0)
    module = est._build_module(est._validate_omics(Xs, reset=True))
    np.testing.assert_allclose(module.omic_weights, [15 / 20, 1.0, 15 / 10])
    xs = [torch.as_tensor(x[:8], dtype=torch.float32) for x in Xs]
    module.eval()
    out = module.loss(xs, prior_batch_size=8, n_train=100, generator=torch.Generator().manual_seed(0))
    nll = [out.terms[f"nll/{v}"] for v in range(3)]
    prior = sum(out.terms[f"prior/{v}"] for v in range(3))
    weighted = sum(w * t for w, t in zip(module.omic_weights, nll))
    assert out.total.item() == pytest.approx((weighted + module.beta * out.terms["kl"] + prior).item(), rel=1e-5)
    assert out.monitor.item() == pytest.approx((weighted + module.beta * out.terms["kl"]).item(), rel=1e-5)
    plain = small(cls, objective="elbo")._build_module(est._validate_omics(Xs, reset=True))
    assert plain.omic_weights == [1.0, 1.0, 1.0]


def test_drop_omics_draws_uniform_proper_subsets():
    """drop_omics keeps a non-empty proper subset of the observed omics for a
    fraction ``rate`` of the samples, uniformly over those subsets, and all omics
    for the others; a sample with one observed omic keeps it."""
    from skpoems._modules import drop_omics

    torch.manual_seed(0)
    n = 60_000
    observed = torch.ones(n, 3, dtype=torch.bool)
    observed[:1000, 1:] = False  # only omic 0
    observed[1000:2000, 2] = False  # omics 0 and 1
    keep = drop_omics(observed, n, 3, 0.6)
    assert keep.dtype == torch.bool and keep.shape == (n, 3)
    assert not (keep & ~observed).any() and keep.any(dim=1).all()
    assert keep[:1000].equal(observed[:1000])
    full = observed[2000:]
    kept = keep[2000:]
    changed = (kept != full).any(dim=1).float().mean().item()
    assert changed == pytest.approx(0.6, abs=0.01)
    codes = (kept[(kept != full).any(dim=1)].long() * torch.tensor([1, 2, 4])).sum(dim=1)
    counts = torch.bincount(codes, minlength=8)[1:7].float()  # the 6 proper subsets
    np.testing.assert_allclose((counts / counts.sum()).numpy(), np.full(6, 1 / 6), atol=0.01)
    pair = keep[1000:2000]
    dropped = pair.sum(dim=1) == 1
    assert dropped.float().mean().item() == pytest.approx(0.6, abs=0.06)
    assert drop_omics(None, 5, 2, 0.0).all()


@pytest.mark.parametrize("cls", MODELS)
def test_omic_dropout_hides_omics_from_the_encoders_only_in_training(cls, planted):
    """With omic_dropout, training losses infer the posterior from subsets of the
    omics while every omic is reconstructed; evaluation uses all omics."""
    Xs, _ = planted
    est = small(cls, objective="elbo", omic_dropout=1.0, dropout=0.0)
    module = est._build_module(est._validate_omics(Xs, reset=True))
    xs = [torch.as_tensor(x[:16], dtype=torch.float32) for x in Xs]
    seen = []
    encode = module.encode
    module.encode = lambda xs_, observed=None: (seen.append(observed), encode(xs_, observed))[1]
    module.train()
    out = module.loss(xs, prior_batch_size=16, n_train=100)
    assert seen[-1] is not None and (seen[-1].sum(dim=1) < 3).all() and seen[-1].any(dim=1).all()
    assert all(torch.isfinite(out.terms[f"nll/{v}"]) for v in range(3))
    module.eval()
    module.loss(xs, prior_batch_size=16, n_train=100)
    assert seen[-1] is None
    fitted = small(cls, objective="elbo", omic_dropout=0.5).fit(Xs)
    assert np.isfinite(fitted.transform(Xs)).all()



def test_components_learning_rate_gives_w_its_own_step_size(planted):
    Xs, _ = planted
    est = POEMSTransformer(n_components=3, max_iter=1, components_learning_rate=5e-3,
                           random_state=0).fit(Xs)
    groups = est._make_optimizer(est.module_).param_groups
    assert [g["lr"] for g in groups] == [est.learning_rate, 5e-3]
    Ws = [dec.W for dec in est.module_.decoders]
    assert len(groups[1]["params"]) == len(Ws) == 3
    assert all(any(p is w for w in Ws) for p in groups[1]["params"])
    n_params = sum(1 for _ in est.module_.parameters())
    assert len(groups[0]["params"]) + len(groups[1]["params"]) == n_params
    default = POEMSTransformer(n_components=3, max_iter=1, random_state=0).fit(Xs)
    assert len(default._make_optimizer(default.module_).param_groups) == 1


def test_verbose_2_writes_one_plain_line_per_epoch(planted, capsys):
    """verbose=2 printed what verbose=1 prints: a bar, which a log file (a batch
    job's, nohup) keeps as a run of '\\r' refreshes."""
    Xs, _ = planted
    small(POEMSTransformer, max_iter=3, n_iter_no_change=None, verbose=2).fit(Xs)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.strip().splitlines()
    assert [line.split(",")[0] for line in lines[:3]] == [f"POEMSTransformer: epoch {e}" for e in (1, 2, 3)]
    assert "validation loss" in lines[0] and "best epoch" in lines[0]
    assert lines[3] == "POEMSTransformer: stopped after 3 epochs (max_iter)"
