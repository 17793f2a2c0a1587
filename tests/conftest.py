"""Shared test configuration."""

import os

# scikit-learn runs its array-API estimator check only when scipy's array API
# support is switched on, which must happen before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import torch  # noqa: E402

# Test models are tiny: one thread is faster than two (no synchronisation) and
# makes timings independent of other load on the machine.
torch.set_num_threads(1)

# (E402: imported after SCIPY_ARRAY_API is set above, which must precede scipy)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Every test starts with one torch thread, and one that changes the count
    (the CLI's ``--threads``, a sweep's workers) does not leak it to the next."""
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def one_blas_thread():
    """One OpenMP/BLAS thread for a module's tests (``pytestmark``): tiny models
    and t-SNE run many times faster so, above all on a loaded CPU (thread pools
    then spin and wait)."""
    with threadpool_limits(limits=1):
        yield


def make_planted(n_samples=120, omic_dims=(20, 15, 10), n_classes=3, noise=0.3, random_state=0):
    """Tiny planted-subtype multi-omics data: class-specific latent means, linear omics.

    Each class has its own mean in a 4-d latent space; every omic is a random linear
    map of the latent vector plus Gaussian noise, min-max scaled to [0, 1]. Returns
    (list of omic arrays, labels).
    """
    rng = np.random.RandomState(random_state)
    y = np.arange(n_samples) % n_classes
    centers = rng.normal(scale=3.0, size=(n_classes, 4))
    z = centers[y] + rng.normal(size=(n_samples, 4))
    Xs = []
    for d in omic_dims:
        A = rng.normal(size=(4, d))
        X = z @ A + noise * rng.normal(scale=np.abs(z @ A).mean(), size=(n_samples, d))
        X = (X - X.min(0)) / (X.max(0) - X.min(0))
        Xs.append(X)
    return Xs, y


@pytest.fixture(scope="session")
def planted():
    return make_planted()


def impute_r2_on_planted(cls):
    """Fit ``cls`` (small, 200 epochs at most) on 240 planted samples, hide omic 1
    of the 60 others and impute it from omic 0: the R^2 of the imputation and
    that of filling with the training means."""
    from sklearn.preprocessing import minmax_scale

    from skpoems.datasets import make_multiomics

    Xs, _ = make_multiomics(n_samples=300, omic_dims=(30, 20), n_components=3, noise=0.1, random_state=0)
    Xs = [minmax_scale(x) for x in Xs]
    train, test = slice(0, 240), slice(240, 300)
    est = cls(n_components=3, max_iter=200, learning_rate=1e-2, batch_size=64, random_state=0)
    est.fit([x[train] for x in Xs])
    truth = Xs[1][test]
    imputed = est.impute([Xs[0][test], np.full_like(truth, np.nan)])[1]

    def r2(pred):
        return 1 - ((truth - pred) ** 2).sum() / ((truth - truth.mean(0)) ** 2).sum()

    return r2(imputed), r2(np.broadcast_to(Xs[1][train].mean(0), truth.shape))


def check_kl_warmup(module, loss, beta, warmup, rel):
    """Epoch e of a warm-up of ``warmup`` epochs weighs the KL of ``loss()`` (a
    LossOutput of ``module``) by beta * (e + 1) / warmup while training, and by
    beta in evaluation (validation loss, score)."""

    def parts(epoch, training):
        module.train(training)
        module.on_epoch_start_(epoch)
        out = loss()
        return out.total.item(), out.terms["kl"].item()

    full, kl = parts(warmup + 6, True)
    for epoch in range(warmup):
        total, _ = parts(epoch, True)
        assert total == pytest.approx(full - beta * kl * (1 - (epoch + 1) / warmup), rel=rel)
    assert parts(0, False) == parts(warmup + 6, False)


def check_early_stopping_waits_for_kl_warmup(make, Xs):
    """``make(**params)``: an estimator whose early stopping fires at once
    (patience 1) stops no earlier than the end of its KL warm-up; returns the
    warmed-up fit."""
    params = dict(max_iter=200, n_iter_no_change=1, learning_rate=0.05)
    n_plain = make(**params).fit(Xs).n_iter_
    assert n_plain < 150
    warm = make(kl_warmup=n_plain + 10, **params).fit(Xs)
    assert warm.n_iter_ >= n_plain + 10 + 1
    return warm



def optimizer_step_hook(make_optimizer, step, action):
    """A replacement for an estimator's ``_make_optimizer`` (``make_optimizer``,
    the original) whose optimizers call ``action()`` before their ``step``-th
    step: an interrupt, a signal or an error in the middle of training."""

    def make(self, module):
        optimizer = make_optimizer(self, module)
        real, count = optimizer.step, [0]

        def counted(*args, **kwargs):
            count[0] += 1
            if count[0] == step:
                action()
            return real(*args, **kwargs)

        optimizer.step = counted
        return optimizer

    return make
