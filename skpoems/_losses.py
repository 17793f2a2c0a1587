"""Loss terms as pure functions of tensors.

Each function computes one term of MODELS.md; how the terms are scaled and summed
into a training objective is decided by the modules (``objective`` option), so the
paper's normalisation is one swappable piece.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import chi2
from torch import Tensor


@dataclass
class LossOutput:
    """A minibatch loss: the total to minimise plus its named parts.

    Attributes
    ----------
    total : Tensor
        Scalar to back-propagate.
    terms : dict of str to Tensor
        Scalar parts, e.g. ``"reconstruction/0"`` (omic 0), ``"kl"``; summed with
        their weights they give ``total``. Kept for the history attributes.
    embedding : Tensor or None
        The deterministic code of the batch computed on the way (posterior mean),
        for modules that combine a sub-module's loss with losses on its code.
    monitor : Tensor or None
        What early stopping and ``score`` watch on held-out data, when it differs
        from ``total`` (e.g. the data terms only: priors do not depend on held-out
        data). ``None`` means ``total``.
    """

    total: Tensor
    terms: dict[str, Tensor] = field(default_factory=dict)
    embedding: Tensor | None = None
    monitor: Tensor | None = None


def gaussian_sq_error(x_hat: Tensor, x: Tensor, log_sigma: Tensor) -> Tensor:
    """Per-sample scaled squared error ``0.5 * sum_j ((x_hat - x) / sigma_j) ** 2``.

    Parameters
    ----------
    x_hat, x : Tensor of shape (n_samples, n_features)
    log_sigma : Tensor of shape (n_features,)

    Returns
    -------
    Tensor of shape (n_samples,)
    """
    return 0.5 * ((x_hat - x) * torch.exp(-log_sigma)).square().sum(dim=-1)


def kl_std_normal(mean: Tensor, logvar: Tensor) -> Tensor:
    """Per-sample KL divergence from N(mean, exp(logvar)) to N(0, I), summed over dims.

    ``-0.5 * sum_k (1 + logvar - mean**2 - exp(logvar))``; shape (n_samples,).
    """
    return -0.5 * (1.0 + logvar - mean.square() - logvar.exp()).sum(dim=-1)


def spike_slab_penalty(
    w_abs: Tensor, pstar: Tensor, lambda0: float, lambda1: float
) -> Tensor:
    """Spike-and-slab lasso penalty ``sum_jk (l1 p*_jk + l0 (1 - p*_jk)) |W_jk|``.

    ``p*`` (the posterior probability of the slab) is treated as a constant.
    """
    weights = lambda1 * pstar + lambda0 * (1.0 - pstar)
    return (weights * w_abs).sum()


def spike_slab_update(
    w_abs: Tensor,
    theta: Tensor,
    lambda0: float,
    lambda1: float,
    a: float,
    b: float,
) -> tuple[Tensor, Tensor]:
    """One EM step of the spike-and-slab lasso, vectorised over factors.

    E-step, for every entry::

        p*_jk = theta_k e^{-l1 |W_jk|} / (theta_k e^{-l1 |W_jk|} + (1 - theta_k) e^{-l0 |W_jk|})

    computed as a logistic function of the log-odds, which is stable for large |W|.
    M-step, for every factor: ``theta_k = (sum_j p*_jk + a - 1) / (a + b + D - 2)``,
    clipped to ``[eps, 1 - eps]`` (the closed form can leave (0, 1) when D is tiny,
    e.g. D = 1 gives a denominator of ``b``).

    Parameters
    ----------
    w_abs : Tensor of shape (n_features, n_factors)
    theta : Tensor of shape (n_factors,)
        Prior slab probabilities used in the E-step.

    Returns
    -------
    pstar : Tensor of shape (n_features, n_factors)
    theta : Tensor of shape (n_factors,)
    """
    eps = 1e-6
    theta = theta.clamp(eps, 1.0 - eps)
    logit = torch.log(theta) - torch.log1p(-theta) + (lambda0 - lambda1) * w_abs
    pstar = torch.sigmoid(logit)
    n_features = w_abs.shape[0]
    new_theta = (pstar.sum(dim=0) + a - 1.0) / (a + b + n_features - 2.0)
    return pstar, new_theta.clamp(eps, 1.0 - eps)


def sigma_prior_penalty(log_sigma: Tensor, df: float, scale: float) -> Tensor:
    """Negative log-density (up to a constant) of a scaled-inverse-chi2 prior on sigma^2.

    ``(df + 2) * sum_j log sigma_j + 0.5 * df * scale * sum_j sigma_j ** -2``.
    """
    return (df + 2.0) * log_sigma.sum() + 0.5 * df * scale * torch.exp(-2.0 * log_sigma).sum()


def sigma_prior_params(
    sigma_init: np.ndarray,
    df: float = 10.0,
    quantile: float = 0.10,
    floor: float = 0.01,
    chi2_quantile: float = 0.9,
) -> tuple[float, float]:
    """Hyper-parameters ``(nu, s)`` of the sigma prior of one omic (MODELS.md section 1).

    ``s = max(quantile(sigma_init, quantile), floor) ** 2 * chi2.ppf(chi2_quantile, nu) / nu``.
    """
    q = max(float(np.quantile(np.asarray(sigma_init, dtype=np.float64), quantile)), floor)
    scale = q**2 * float(chi2.ppf(chi2_quantile, df)) / df
    return float(df), scale


def nt_xent(z1: Tensor, z2: Tensor, temperature: float = 0.4) -> Tensor:
    """NT-Xent instance contrastive loss between two views (SimCLR / MOCSS).

    Rows ``i`` of ``z1`` and ``z2`` are positives; the other ``2n - 2`` rows of the
    stacked, L2-normalised views are negatives. The loss is the mean over the ``2n``
    anchors of ``-log softmax(cos / temperature)`` at the positive.

    Parameters
    ----------
    z1, z2 : Tensor of shape (n_samples, dim)
    temperature : float

    Returns
    -------
    Tensor (scalar)
    """
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    sim = z @ z.T / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n, device=z.device), torch.arange(0, n, device=z.device)])
    return F.cross_entropy(sim, targets)


def _center_normalize(x: Tensor) -> Tensor:
    return F.normalize(x - x.mean(), dim=1)


def orthogonality_loss(shared: Tensor, specific: Tensor) -> Tensor:
    """MOCSS orthogonality: mean elementwise product of the centred, row-normalised codes."""
    return (_center_normalize(shared) * _center_normalize(specific)).mean()


def normalized_reconstruction_loss(x_hat: Tensor, x: Tensor) -> Tensor:
    """MOCSS reconstruction: Frobenius norm of the difference of centred, row-normalised
    reconstruction and input."""
    return torch.linalg.matrix_norm(_center_normalize(x_hat) - _center_normalize(x))


LOG_2PI = math.log(2.0 * math.pi)
