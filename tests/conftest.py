"""Shared test configuration."""

import os

# scikit-learn runs its array-API estimator check only when scipy's array API
# support is switched on, which must happen before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import torch  # noqa: E402

# Test models are tiny: one thread is faster than two (no synchronisation) and
# makes timings independent of other load on the machine.
torch.set_num_threads(1)

import numpy as np
import pytest


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
