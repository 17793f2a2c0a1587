"""Plain torch building blocks of the POEMS family.

Tensors in, tensors out: no numpy, no scikit-learn, no I/O. Every block works for
any number of omics (``nn.ModuleList`` per omic, loops over omics, never over
features or latent factors). The estimators in ``_poems.py`` and ``_mocss.py``
compose these blocks; the maths is specified in MODELS.md.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from ._losses import (
    LOG_2PI,
    LossOutput,
    gaussian_sq_error,
    kl_std_normal,
    normalized_reconstruction_loss,
    nt_xent,
    orthogonality_loss,
    sigma_prior_penalty,
    spike_slab_penalty,
    spike_slab_update,
)
from ._sparse_decoder import (
    sparse_decode,
    sparse_decode_abs_jacobian_mean,
    sparse_decode_chain_residuals,
)
from .utils._torch import RowNoise

Activation = Literal["relu", "tanh", "sigmoid", "identity"]
Objective = Literal["paper", "elbo"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}


def mlp(
    sizes: Sequence[int],
    *,
    activation: Activation = "relu",
    dropout: float = 0.0,
    last_activation: Activation | None = None,
) -> nn.Sequential:
    """Build ``Linear -> activation [-> Dropout]`` layers through ``sizes``.

    ``last_activation`` replaces the activation of the last layer (``None`` keeps
    ``activation``; ``"identity"`` leaves it linear). Dropout follows every hidden
    layer but never the last one.
    """
    layers: list[nn.Module] = []
    n_layers = len(sizes) - 1
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        last = i == n_layers - 1
        act = (last_activation or activation) if last else activation
        layers.append(_ACTIVATIONS[act]())
        if dropout > 0 and not last:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _output_index(index: Tensor | Sequence[int], device: torch.device) -> Tensor:
    """``index`` as a 1-D LongTensor on ``device``."""
    return torch.as_tensor(index, dtype=torch.long, device=device).reshape(-1)


def _copy_with_rows(module: nn.Module, tensors: Sequence[Tensor | None], index: Tensor) -> nn.Module:
    """A deep copy of ``module`` in which each of ``tensors`` (its parameters or
    buffers, None skipped) holds only the rows ``index``; the other tensors are
    copied whole, and the full-size ``tensors`` are never copied."""
    memo: dict[int, Tensor] = {}
    for t in tensors:
        if t is None:
            continue
        rows = t.detach()[index]
        memo[id(t)] = nn.Parameter(rows, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else rows
    # deepcopy takes an object found in the memo (by id) as its copy
    return copy.deepcopy(module, memo)


def _restricted_mlp(net: nn.Module, index: Tensor | Sequence[int]) -> nn.Module:
    """A copy of ``net``, whose last ``nn.Linear`` gives the outputs, that gives
    the outputs ``index`` only (that layer's rows ``index``)."""
    last = [m for m in net.modules() if isinstance(m, nn.Linear)][-1]
    index = _output_index(index, last.weight.device)
    out = _copy_with_rows(net, [last.weight, last.bias], index)
    [m for m in out.modules() if isinstance(m, nn.Linear)][-1].out_features = len(index)
    return out


@dataclass(frozen=True)
class DecoderPath:
    """One term of an omic's decoded mean (a module's ``decoder_paths``).

    For the rows ``rows`` of an embedding ``z`` (None: every row), the term is
    ``weight * decoder(z[rows][:, columns])``. An omic's decoded mean is the sum
    of its paths that apply to the row, plus a constant.
    """

    decoder: nn.Module
    columns: slice
    weight: float | Tensor = 1.0
    rows: Tensor | None = None


def standard_normal_like(mean: Tensor, generator: torch.Generator | RowNoise | None = None) -> Tensor:
    """Standard normal noise of ``mean``'s shape, dtype and device. With a
    ``generator`` (the fixed noise of evaluations), drawn on the generator's
    device and moved: a CPU generator then gives the same noise on every device
    (CUDA's own stream differs from the CPU's and between GPU models); with a
    :class:`RowNoise`, each sample's own draws."""
    if isinstance(generator, RowNoise):
        return generator.normal_like(mean)
    if generator is None or generator.device == mean.device:
        return torch.randn(mean.shape, dtype=mean.dtype, device=mean.device, generator=generator)
    return torch.randn(mean.shape, dtype=mean.dtype, device=generator.device, generator=generator).to(mean.device)

class GaussianEncoder(nn.Module):
    """Encoder of one omic into a diagonal Gaussian ``N(mean, exp(logvar))``.

    ``n_features -> hidden[0] -> ... -> hidden[-1]`` (activation and dropout after
    every hidden layer), then two linear heads for the mean and the log-variance.
    """

    def __init__(
        self,
        n_features: int,
        n_latent: int,
        hidden: Sequence[int] = (100, 100),
        *,
        activation: Activation = "relu",
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        sizes = [n_features, *hidden]
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), _ACTIVATIONS[activation]()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        self.body = nn.Sequential(*layers)
        self.mean = nn.Linear(sizes[-1], n_latent)
        self.logvar = nn.Linear(sizes[-1], n_latent)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``(mean, logvar)``, each of shape (n_samples, n_latent)."""
        h = self.body(x)
        return self.mean(h), self.logvar(h)


class GatingNetwork(nn.Module):
    """Per-sample omic weights alpha from the experts' means (MODELS.md section 1).

    Each omic's mean goes through its own ``LayerNorm(K)``; the concatenation goes
    through ``Linear(V*K, hidden) -> ReLU -> Linear(hidden, V)`` and a softmax.
    Omics a sample lacks get a zero input and an exactly zero weight (their logits
    are masked before the softmax, so the weights renormalise over observed omics).
    """

    def __init__(self, n_omics: int, n_latent: int, hidden: int = 64) -> None:
        super().__init__()
        self.norms = nn.ModuleList(nn.LayerNorm(n_latent) for _ in range(n_omics))
        self.net = nn.Sequential(
            nn.Linear(n_omics * n_latent, hidden), nn.ReLU(), nn.Linear(hidden, n_omics)
        )

    def forward(self, means: Tensor, observed: Tensor | None = None) -> Tensor:
        """Log gating weights of shape (n_samples, n_omics) from means (n, V, K).

        Returns log-weights (``-inf`` for missing omics) so that the product of
        experts can work in log space; ``exp`` of them are the gating weights.
        """
        normed = torch.stack([norm(means[:, v]) for v, norm in enumerate(self.norms)], dim=1)
        if observed is not None:
            normed = normed * observed.unsqueeze(-1).to(normed.dtype)
        logits = self.net(normed.flatten(start_dim=1))
        if observed is not None:
            logits = logits.masked_fill(~observed, float("-inf"))
        return torch.log_softmax(logits, dim=-1)


def product_of_experts(
    means: Tensor,
    logvars: Tensor,
    weights: Tensor | None = None,
    *,
    log_weights: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Gated product of Gaussian experts (paper eq. 1), per latent dimension.

    ``tau_v = exp(-logvar_v)``, ``tau_s = sum_v alpha_v tau_v``,
    ``mu_s = sum_v alpha_v tau_v mu_v / tau_s``, ``logvar_s = -log tau_s``.
    Computed in log space (``log tau_s`` by logsumexp), so that very confident
    experts do not overflow and experts with zero weight contribute exactly zero.

    Parameters
    ----------
    means, logvars : Tensor of shape (n_samples, n_experts, n_latent)
    weights : Tensor of shape (n_samples, n_experts), optional
        Gating weights alpha (non-negative). Equal weights when both are omitted.
    log_weights : Tensor of shape (n_samples, n_experts), optional
        ``log alpha``; preferred over ``weights`` (no gradient through ``log 0``).

    Returns
    -------
    mean, logvar : Tensor of shape (n_samples, n_latent)
    """
    if log_weights is None:
        if weights is None:
            log_weights = torch.zeros(means.shape[:2], dtype=means.dtype, device=means.device)
        else:
            log_weights = torch.log(weights)
    log_prec = log_weights.unsqueeze(-1) - logvars  # log(alpha_v tau_v)
    log_tau = torch.logsumexp(log_prec, dim=1)
    resp = torch.exp(log_prec - log_tau.unsqueeze(1))
    return (resp * means).sum(dim=1), -log_tau


def drop_omics(
    observed: Tensor | None, n_samples: int, n_omics: int, rate: float, *, device: torch.device | None = None
) -> Tensor:
    """Random subsets of omics to infer each sample's posterior from.

    With probability ``rate`` a sample keeps a subset drawn uniformly from the
    non-empty proper subsets of its observed omics (e.g. one of the 6 singles and
    pairs of 3 omics); otherwise it keeps all of them. Samples with a single
    observed omic keep it. Uses torch's (seeded) global random generator.

    Parameters
    ----------
    observed : Tensor of bool, shape (n_samples, n_omics), or None (all observed)
    n_samples, n_omics : int
    rate : float in [0, 1]

    Returns
    -------
    Tensor of bool, shape (n_samples, n_omics)
        A subset of ``observed``, non-empty in every row.
    """
    if observed is None:
        observed = torch.ones(n_samples, n_omics, dtype=torch.bool, device=device)
    keep = observed.clone()
    todo = (torch.rand(n_samples, dtype=torch.float32, device=observed.device) < rate) & (observed.sum(dim=1) > 1)
    rows = todo.nonzero().squeeze(1)
    while rows.numel():  # rejection sampling: accepts at least half of the draws
        bits = (torch.rand(rows.numel(), n_omics, dtype=torch.float32, device=observed.device) < 0.5) & observed[rows]
        n_kept = bits.sum(dim=1)
        ok = (n_kept > 0) & (n_kept < observed[rows].sum(dim=1))
        keep[rows[ok]] = bits[ok]
        rows = rows[~ok]
    return keep


class SparseDecoder(nn.Module):
    """SparseVAE decoder of one omic with a spike-and-slab feature-to-factor matrix W.

    ``x_hat_j = c_j . dropout(relu(G (z * W_j))) + b_j``: feature ``j`` only sees
    the latent factors its row of ``W`` lets through. ``G`` (``hidden.weight``) is
    shared by all features of the omic; ``c_j``, ``b_j`` are per-feature heads,
    initialised like ``D`` independent ``nn.Linear(hidden, 1)`` layers. ``W`` is
    initialised N(0, 1). The spike-and-slab state ``pstar`` (0.5) and ``theta``
    (U(0, 1)) are buffers updated by :meth:`update_spike_slab_`.

    The decoder runs through :func:`skpoems._sparse_decoder.sparse_decode`, which
    evaluates the per-feature MLP in chunks of features; its extra memory is at
    most the chunk budget plus ``activation_budget`` (the ReLU/dropout indicators
    kept for the backward pass, one byte per sample, feature and hidden unit).
    """

    #: None: the default of sparse_decode; the class value serves decoders
    #: pickled before the attribute existed
    activation_budget: int | None = None

    def __init__(
        self,
        n_features: int,
        n_latent: int,
        hidden: int = 100,
        *,
        dropout: float = 0.2,
        row_normalize: bool = False,
        lambda0: float = 5.0,
        lambda1: float = 0.5,
        theta_a: float = 1.0,
        theta_b: float | None = None,
    ) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.randn(n_features, n_latent))
        self.hidden = nn.Linear(n_latent, hidden, bias=False)
        bound = 1.0 / math.sqrt(hidden)
        self.out_weight = nn.Parameter(torch.empty(n_features, hidden).uniform_(-bound, bound))
        self.out_bias = nn.Parameter(torch.empty(n_features).uniform_(-bound, bound))
        self.register_buffer("pstar", torch.full((n_features, n_latent), 0.5))
        self.register_buffer("theta", torch.rand(n_latent))
        self.dropout = dropout
        self.row_normalize = row_normalize
        self.lambda0 = lambda0
        self.lambda1 = lambda1
        self.theta_a = theta_a
        self.theta_b = n_features / 10.0 if theta_b is None else theta_b
        # Bytes the decoder may keep between forward and backward (None: the
        # default of sparse_decode; 0: always recompute, as the benchmark compares).
        self.activation_budget = None

    def mask(self) -> Tensor:
        """The feature-to-factor matrix used by the decoder, shape (D, K)."""
        if not self.row_normalize:
            return self.W
        w = self.W.abs() + 1e-6
        return w / w.sum(dim=1, keepdim=True)

    def forward(self, z: Tensor) -> Tensor:
        """Decode ``z`` (n_samples, K) into the omic's means (n_samples, D)."""
        return sparse_decode(
            z,
            self.mask(),
            self.hidden.weight,
            self.out_weight,
            self.out_bias,
            dropout=self.dropout,
            training=self.training,
            activation_budget=self.activation_budget,
        )

    def penalty(self) -> Tensor:
        """Spike-and-slab lasso penalty of the current mask (scalar)."""
        return spike_slab_penalty(self.mask().abs(), self.pstar, self.lambda0, self.lambda1)

    @torch.no_grad()
    def update_spike_slab_(self) -> None:
        """EM update of ``pstar`` and ``theta`` from the current mask (in place)."""
        pstar, theta = spike_slab_update(
            self.mask().abs(), self.theta, self.lambda0, self.lambda1, self.theta_a, self.theta_b
        )
        self.pstar.copy_(pstar)
        self.theta.copy_(theta)

    def restricted(self, index: Tensor | Sequence[int]) -> SparseDecoder:
        """A copy that decodes the features ``index`` only, in that order.

        In eval mode ``restricted(index)(z)`` is ``self(z)[:, index]``: the rows
        ``index`` of ``W``, ``out_weight``, ``out_bias`` and ``pstar``, the
        shared ``hidden`` layer whole. (In training mode the dropout masks,
        drawn per feature position, differ.)
        """
        index = _output_index(index, self.W.device)
        return _copy_with_rows(self, [self.W, self.out_weight, self.out_bias, self.pstar], index)

    @torch.no_grad()
    def mean_jacobian(
        self, z: Tensor, index: Tensor | Sequence[int] | None = None, *, absolute: bool = True
    ) -> Tensor:
        """``mean_b |d x_hat[b, j] / d z[b, k]|`` in eval mode (``absolute=False``:
        the signed mean slope), in closed form: shape (D, K), or (len(index), K)
        for the features ``index``; computed in ``z``'s dtype (the weights cast
        to it). See :func:`~skpoems._sparse_decoder.sparse_decode_abs_jacobian_mean`.
        """
        mask, out_weight = self.mask(), self.out_weight
        if index is not None:
            index = _output_index(index, mask.device)
            mask, out_weight = mask[index], out_weight[index]
        return sparse_decode_abs_jacobian_mean(
            z, mask.to(z.dtype), self.hidden.weight.to(z.dtype), out_weight.to(z.dtype), absolute=absolute
        )

    @torch.no_grad()
    def chain_residuals(self, z: Tensor, center: Tensor, x: Tensor, orders: Tensor) -> Tensor:
        """Residual variance of the decoded ``x`` along chains of coalitions of the
        factors, in eval mode, computed in ``z``'s dtype (the weights cast to it):
        shape (n_orders, K), float64 on the CPU. See
        :func:`~skpoems._sparse_decoder.sparse_decode_chain_residuals`.
        """
        dtype = z.dtype
        return sparse_decode_chain_residuals(
            z,
            center,
            self.mask().to(dtype),
            self.hidden.weight.to(dtype),
            self.out_weight.to(dtype),
            self.out_bias.to(dtype),
            x,
            orders,
        )


class DenseDecoder(nn.Module):
    """Ordinary VAE decoder ``Linear(K, H) -> ReLU -> Dropout -> Linear(H, D)`` (POEM)."""

    def __init__(self, n_features: int, n_latent: int, hidden: int = 100, *, dropout: float = 0.2) -> None:
        super().__init__()
        self.net = mlp([n_latent, hidden, n_features], dropout=dropout, last_activation="identity")

    def forward(self, z: Tensor) -> Tensor:
        """Decode ``z`` (n_samples, K) into the omic's means (n_samples, D)."""
        return self.net(z)

    def restricted(self, index: Tensor | Sequence[int]) -> DenseDecoder:
        """A copy that decodes the features ``index`` only, in that order:
        ``restricted(index)(z)`` is ``self(z)[:, index]`` (its output layer's rows
        ``index``)."""
        return copy.deepcopy(self, {id(self.net): _restricted_mlp(self.net, index)})


class FeatureNoise(nn.Module):
    """Learned Gaussian noise scale sigma of one omic, with a scaled-inverse-chi2 prior.

    ``log_sigma`` starts at ``log(sigma_init)``: one value per feature (the paper),
    or a single value shared by the omic's ``n_features`` features (``sigma_init``
    of length 1); ``df`` and ``scale`` are the prior's hyper-parameters (see
    :func:`skpoems._losses.sigma_prior_params`).
    """

    def __init__(self, sigma_init: Tensor, df: float, scale: float, n_features: int | None = None) -> None:
        super().__init__()
        self.log_sigma = nn.Parameter(torch.log(torch.as_tensor(sigma_init, dtype=torch.get_default_dtype())))
        self.n_features = self.log_sigma.numel() if n_features is None else n_features
        self.df = df
        self.scale = scale
        # running mean squared residual, for the closed-form (MAP) update of sigma
        self.register_buffer("running_mean_sq", torch.exp(2.0 * self.log_sigma.detach()).clone())

    def total_log_sigma(self) -> Tensor:
        """``sum_j log sigma_j`` over the omic's features (shared sigma counted per feature)."""
        return self.log_sigma.sum() * (self.n_features / self.log_sigma.numel())

    def prior_penalty(self) -> Tensor:
        """Negative log prior density of sigma^2 (up to a constant)."""
        return sigma_prior_penalty(self.log_sigma, self.df, self.scale)

    @torch.no_grad()
    def closed_form_update_(self, mean_sq: Tensor, weight: float, n_obs: float) -> None:
        """Set sigma to its MAP estimate given a running mean of squared residuals.

        ``mean_sq`` (n_features,) is a minibatch's mean squared residual per feature;
        it enters an exponential moving average with weight ``weight`` (the batch's
        share of the training set, so the average spans about one epoch). Given
        ``n_obs`` training samples with mean squared residual ``m`` per feature, the
        posterior mode of sigma^2 under the scaled-inverse-chi2(nu, s) prior is
        ``(n m + nu s) / (n + nu + 2)`` (one shared sigma: ``n D`` observations;
        an omic whose likelihood is weighted by ``w`` passes ``n = w n_obs``).
        """
        if self.log_sigma.numel() == 1:
            mean_sq = mean_sq.mean().reshape(1)
            n_obs = n_obs * self.n_features
        self.running_mean_sq.mul_(1.0 - weight).add_(weight * mean_sq)
        var = (n_obs * self.running_mean_sq + self.df * self.scale) / (n_obs + self.df + 2.0)
        self.log_sigma.copy_(0.5 * torch.log(var))


@dataclass
class PoEOutput:
    """What :class:`PoEVAE` computes for a minibatch."""

    mean: Tensor  # (n, K) posterior mean mu_s
    logvar: Tensor  # (n, K)
    z: Tensor  # (n, K) sample (or the mean when not sampling)
    log_gating: Tensor  # (n, V) log alpha (-inf for missing omics)
    reconstructions: list[Tensor]  # (n, D_v) per omic


class KLWarmup:
    """Mixin of the VAE modules: the KL weight ``beta`` with a linear warm-up.

    Epoch ``e`` of a warm-up of ``kl_warmup`` epochs weighs the KL of training by
    ``beta * (e + 1) / kl_warmup``; evaluation (the validation loss, ``score``)
    always by ``beta``. The class defaults keep modules pickled without a
    warm-up working.
    """

    beta: float = 1.0
    kl_warmup: int = 0
    kl_scale: float = 1.0
    training: bool

    def _kl_weight(self) -> float:
        """``beta``, times the warm-up factor while training."""
        return self.beta * (self.kl_scale if self.training else 1.0)

    def on_epoch_start_(self, epoch: int) -> None:
        """KL warm-up: the KL weight grows linearly to ``beta`` over ``kl_warmup`` epochs."""
        self.kl_scale = min(1.0, (epoch + 1) / self.kl_warmup) if self.kl_warmup else 1.0


class PoEVAE(KLWarmup, nn.Module):
    """Gated product-of-experts VAE over any number of omics (POEMS and POEM).

    Parameters
    ----------
    encoders : sequence of GaussianEncoder
        One per omic.
    decoders : sequence of nn.Module
        One per omic (:class:`SparseDecoder` for POEMS, :class:`DenseDecoder` for POEM).
    noises : sequence of FeatureNoise
        One per omic.
    gating : GatingNetwork or None
        ``None`` gives every expert the same weight (e.g. a single-omic VAE).
    objective : {"paper", "elbo"}
        How the loss terms are scaled and summed, see :meth:`loss`.
    beta : float
        Weight of the KL term.
    omic_weights : sequence of float or None
        ``"elbo"`` only: weight of each omic's likelihood (default 1 each).
    kl_warmup : int
        Epochs over which the KL weight of training grows linearly to ``beta``
        (0: no warm-up), under either objective. Held-out monitoring always uses
        ``beta``.
    omic_dropout : float
        Training only: the probability that a sample's posterior is inferred from
        a random proper subset of its observed omics (uniform over the non-empty
        proper subsets) instead of from all of them; every observed omic is still
        reconstructed. See :func:`drop_omics`.
    """

    def __init__(
        self,
        encoders: Sequence[nn.Module],
        decoders: Sequence[nn.Module],
        noises: Sequence[FeatureNoise],
        gating: GatingNetwork | None,
        *,
        objective: Objective = "paper",
        beta: float = 1.0,
        omic_weights: Sequence[float] | None = None,
        kl_warmup: int = 0,
        monitor: Literal["loss", "reconstruction"] = "loss",
        omic_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.monitor = monitor
        self.omic_dropout = omic_dropout
        # "elbo": sigma is not a gradient parameter but set to its MAP estimate
        # after every optimiser step (see FeatureNoise.closed_form_update_)
        self.closed_form_sigma = objective == "elbo"
        self._residuals: list | None = None
        if self.closed_form_sigma:
            for noise in noises:
                noise.log_sigma.requires_grad_(False)
        self.encoders = nn.ModuleList(encoders)
        self.decoders = nn.ModuleList(decoders)
        self.noises = nn.ModuleList(noises)
        self.gating = gating
        self.objective = objective
        self.beta = beta
        self.omic_weights = list(omic_weights) if omic_weights is not None else [1.0] * len(self.encoders)
        self.kl_warmup = kl_warmup

    def encode(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Joint posterior ``(mean, logvar)`` and log gating weights of a batch."""
        stats = [enc(x) for enc, x in zip(self.encoders, xs)]
        means = torch.stack([m for m, _ in stats], dim=1)
        logvars = torch.stack([lv for _, lv in stats], dim=1)
        if self.gating is not None:
            log_gating = self.gating(means, observed)
        else:
            logits = torch.zeros(means.shape[:2], dtype=means.dtype, device=means.device)
            if observed is not None:
                logits = logits.masked_fill(~observed, float("-inf"))
            log_gating = torch.log_softmax(logits, dim=-1)
        mean, logvar = product_of_experts(means, logvars, log_weights=log_gating)
        return mean, logvar, log_gating

    def forward(
        self,
        xs: Sequence[Tensor],
        observed: Tensor | None = None,
        *,
        sample: bool = True,
        generator: torch.Generator | None = None,
    ) -> PoEOutput:
        """Encode, sample ``z`` by reparameterisation (if ``sample``) and decode."""
        mean, logvar, log_gating = self.encode(xs, observed)
        if sample:
            eps = standard_normal_like(mean, generator)
            z = mean + torch.exp(0.5 * logvar) * eps
        else:
            z = mean
        recs = [dec(z) for dec in self.decoders]
        return PoEOutput(mean, logvar, z, log_gating, recs)

    def loss(
        self,
        xs: Sequence[Tensor],
        observed: Tensor | None = None,
        *,
        prior_batch_size: int,
        n_train: int,
        n_observed: Sequence[int] | None = None,
        generator: torch.Generator | None = None,
    ) -> LossOutput:
        """Loss of a minibatch under the module's objective.

        ``"paper"`` (MODELS.md section 1): per omic, ``0.5 * mean_{b,j} ((x_hat -
        x) / sigma) ** 2`` plus ``[(B + nu + 2) sum_j log sigma_j + 0.5 nu s sum_j
        sigma_j ** -2] / B`` plus the spike-and-slab penalty divided by ``B``, plus
        ``beta`` times the KL averaged over samples and latent dimensions. ``B`` is
        ``prior_batch_size`` (the batch size); only observed blocks of an omic
        count in its reconstruction and in the ``B sum log sigma`` part.

        ``"elbo"``: the negative ELBO per sample, averaged over the batch (Gaussian
        negative log-likelihood summed over features with its ``log sigma`` and
        ``log 2 pi`` terms, each omic's weighted by ``omic_weights``; KL summed
        over latent dimensions, weighted by ``beta`` times the warm-up factor),
        plus the priors on W and sigma divided by ``n_train`` (counted once per
        data set). ``monitor`` is the held-out part: likelihood plus ``beta`` KL.
        ``n_observed`` (per omic, the training samples that have it) sets the
        closed-form sigma updates' sample counts; without it they are estimated
        from the batch's observed fraction (biased upwards in expectation for
        small batches of a rarely observed omic).

        With ``monitor="reconstruction"`` (either objective), ``monitor`` is the
        sum over omics of each omic's mean squared reconstruction error (observed
        blocks only): a data term that does not depend on sigma.

        With ``omic_dropout > 0`` (training only), the posterior of some samples
        is inferred from a random subset of their omics (:func:`drop_omics`)
        while the likelihood still counts all their observed omics: the
        expected ELBO over subsets of experts (the subsampled objective of
        multimodal VAEs), which trains every expert to infer the shared factors
        on its own.
        """
        encoded = observed
        if self.training and self.omic_dropout > 0 and len(xs) > 1:
            encoded = drop_omics(observed, xs[0].shape[0], len(xs), self.omic_dropout, device=xs[0].device)
        out = self(xs, encoded, generator=generator)
        if self.objective == "paper":
            result = self._paper_loss(xs, observed, out, prior_batch_size)
        else:
            result = self._elbo_loss(xs, observed, out, n_train, n_observed)
        if self.monitor == "reconstruction":
            result.monitor = self._mean_squared_error(xs, observed, out)
        return result

    @staticmethod
    def _mean_squared_error(xs: Sequence[Tensor], observed: Tensor | None, out: PoEOutput) -> Tensor:
        """Sum over omics of the mean squared reconstruction error of the observed blocks."""
        total = xs[0].new_zeros(())
        for v, (x, x_hat) in enumerate(zip(xs, out.reconstructions)):
            sq = ((x_hat - x) ** 2).mean(dim=1)
            if observed is None:
                total = total + sq.mean()
            else:
                obs = observed[:, v].to(x.dtype)
                total = total + (sq * obs).sum() / obs.sum().clamp(min=1.0)
        return total

    def _omic_terms(self, xs: Sequence[Tensor], observed: Tensor | None, out: PoEOutput):
        """Per omic: summed scaled squared error, number of observed samples, module."""
        n = xs[0].shape[0]
        for v, (x, x_hat, noise, dec) in enumerate(zip(xs, out.reconstructions, self.noises, self.decoders)):
            sq = gaussian_sq_error(x_hat, x, noise.log_sigma)
            if observed is None:
                yield v, x, sq.sum(), torch.as_tensor(float(n), dtype=x.dtype, device=x.device), noise, dec
            else:
                obs = observed[:, v].to(x.dtype)
                yield v, x, (sq * obs).sum(), obs.sum(), noise, dec

    def _paper_loss(self, xs, observed, out: PoEOutput, batch_size: int) -> LossOutput:
        n = xs[0].shape[0]
        terms: dict[str, Tensor] = {}
        total = xs[0].new_zeros(())
        for v, x, sq_sum, n_obs, noise, dec in self._omic_terms(xs, observed, out):
            rec = sq_sum / (n_obs.clamp(min=1.0) * x.shape[1])
            sigma = n_obs / n * noise.total_log_sigma() + noise.prior_penalty() / batch_size
            terms[f"reconstruction/{v}"] = rec
            terms[f"sigma/{v}"] = sigma
            total = total + rec + sigma
            if isinstance(dec, SparseDecoder):
                terms[f"sparsity/{v}"] = dec.penalty() / batch_size
                total = total + terms[f"sparsity/{v}"]
        kl = kl_std_normal(out.mean, out.logvar).mean() / out.mean.shape[1]
        terms["kl"] = kl
        return LossOutput(total + self._kl_weight() * kl, terms, embedding=out.mean)

    def _elbo_loss(
        self, xs, observed, out: PoEOutput, n_train: int, n_observed: Sequence[int] | None = None
    ) -> LossOutput:
        n = xs[0].shape[0]
        terms: dict[str, Tensor] = {}
        nll_total = xs[0].new_zeros(())
        prior_total = xs[0].new_zeros(())
        for v, x, sq_sum, n_obs, noise, dec in self._omic_terms(xs, observed, out):
            log_norm = noise.total_log_sigma() + 0.5 * x.shape[1] * LOG_2PI
            nll = (sq_sum + n_obs * log_norm) / n
            prior = noise.prior_penalty()
            if isinstance(dec, SparseDecoder):
                prior = prior + dec.penalty()
            if self.training and self.closed_form_sigma:
                n_v = None if n_observed is None else n_observed[v]
                self._store_residuals(v, x, out.reconstructions[v], observed, n_train, n_v)
            terms[f"nll/{v}"] = nll
            terms[f"prior/{v}"] = prior / n_train
            nll_total = nll_total + self.omic_weights[v] * nll
            prior_total = prior_total + prior / n_train
        kl = kl_std_normal(out.mean, out.logvar).mean()
        terms["kl"] = kl
        total = nll_total + self._kl_weight() * kl + prior_total
        monitor = nll_total + self.beta * kl
        return LossOutput(total, terms, embedding=out.mean, monitor=monitor)


    @torch.no_grad()
    def _store_residuals(
        self, v: int, x: Tensor, x_hat: Tensor, observed: Tensor | None, n_train: int, n_v: int | None = None
    ) -> None:
        """Keep a minibatch's mean squared residual per feature of omic ``v`` (observed
        samples only) for the closed-form sigma update after the optimiser step.

        ``n_v``: the omic's observed training samples (default: all ``n_train``
        without ``observed``, else estimated from the batch's observed fraction).
        """
        if self._residuals is None:
            self._residuals = [None] * len(self.noises)
        sq = (x_hat.detach() - x).square()
        if observed is None:
            mean_sq, n_obs = sq.mean(dim=0), x.shape[0]
        else:
            obs = observed[:, v].to(x.dtype)
            n_obs = int(obs.sum())
            if n_obs == 0:
                return
            mean_sq = (sq * obs[:, None]).sum(dim=0) / n_obs
        if n_v is None:
            # estimated from the batch's observed fraction
            n_v = n_train if observed is None else n_train * n_obs / x.shape[0]
        # the batch's share of the omic's training samples (the running mean spans
        # about an epoch), and their number, times the omic's likelihood weight
        # (omic_balance="omics"): the objective counts the omic's n_v samples w_v
        # times against the prior on its sigma, so the MAP is
        # (w n m + nu s) / (w n + nu + 2)
        self._residuals[v] = (mean_sq, min(1.0, n_obs / n_v), float(n_v) * self.omic_weights[v])

    @torch.no_grad()
    def after_step_(self) -> None:
        """Spike-and-slab EM step of every sparse decoder (after each optimiser step),
        and, under the ``"elbo"`` objective, the closed-form update of every sigma."""
        if self._residuals is not None:
            for noise, item in zip(self.noises, self._residuals):
                if item is not None:
                    noise.closed_form_update_(*item)
            self._residuals = None
        for dec in self.decoders:
            if isinstance(dec, SparseDecoder):
                dec.update_spike_slab_()

    def embed(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> Tensor:
        """Posterior mean of the joint posterior, shape (n_samples, K)."""
        return self.encode(xs, observed)[0]

    def gating_weights(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> Tensor:
        """Gating weights alpha, shape (n_samples, V)."""
        return self.encode(xs, observed)[2].exp()

    def decode(self, z: Tensor) -> list[Tensor]:
        """Decoded means of every omic from latent vectors ``z`` (n, K)."""
        return [dec(z) for dec in self.decoders]

    def omic_decoders(self, v: int) -> list[nn.Module]:
        """The decoders of omic ``v`` (those of :meth:`decoder_paths`)."""
        return [self.decoders[v]]

    def decoder_paths(self, z: Tensor, v: int) -> list[DecoderPath]:
        """How :meth:`decode` makes omic ``v`` from ``z``: its decoder on the
        whole of ``z``, every row (see :class:`DecoderPath`)."""
        return [DecoderPath(self.decoders[v], slice(None))]

    def reconstruct(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> list[Tensor]:
        """Every omic decoded from the posterior mean given the observed omics."""
        return self.decode(self.embed(xs, observed))

    #: posterior draws per sample in :meth:`sample_elbo` (antithetic pairs)
    ELBO_DRAWS = 16

    def sample_elbo(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> Tensor:
        """Evidence lower bound of each sample (nats), shape (n_samples,).

        ``E_q[log p(x_obs | z)] - KL(q(z | x_obs) || N(0, I))``: the Gaussian
        log-likelihood of every observed omic (all its features, the model's
        sigma, omics unweighted) minus the KL of the joint posterior, i.e. the
        plain ELBO of the generative model (``beta`` = 1, whatever the training
        weights). The expectation is a mean over ``ELBO_DRAWS`` fixed standard
        normal draws (antithetic pairs, seed 0), the same for every sample, so a
        sample's value does not depend on the other samples or the batching.
        """
        mean, logvar, _ = self.encode(xs, observed)
        std = torch.exp(0.5 * logvar)
        # float32 whatever torch's default dtype: the same draws in every session
        generator = torch.Generator().manual_seed(0)
        half = torch.randn(
            (self.ELBO_DRAWS // 2, mean.shape[1]), dtype=torch.float32, device="cpu", generator=generator
        )
        draws = torch.cat([half, -half]).to(dtype=mean.dtype, device=mean.device)
        log_lik = mean.new_zeros(mean.shape[0])
        for eps in draws:
            for v, (x, x_hat, noise) in enumerate(zip(xs, self.decode(mean + std * eps), self.noises)):
                log_norm = noise.total_log_sigma() + 0.5 * x.shape[1] * LOG_2PI
                term = -(gaussian_sq_error(x_hat, x, noise.log_sigma) + log_norm)
                log_lik = log_lik + (term if observed is None else torch.where(observed[:, v], term, 0.0))
        return log_lik / len(draws) - kl_std_normal(mean, logvar)


# ---------------------------------------------------------------------------
# MOCSS family (MODELS.md sections 3-5): shared and specific representations
# ---------------------------------------------------------------------------


def kaiming_normal_(module: nn.Module) -> nn.Module:
    """Kaiming-normal weights and zero biases for every Linear layer (as MOCSS)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


class MLPDecoder(nn.Sequential):
    """A decoder made of layers whose last ``nn.Linear`` gives the features."""

    def restricted(self, index: Tensor | Sequence[int]) -> MLPDecoder:
        """A copy that decodes the features ``index`` only, in that order:
        ``restricted(index)(z)`` is ``self(z)[:, index]`` (the last linear
        layer's rows ``index``)."""
        return _restricted_mlp(self, index)


def mocss_decoder(n_latent: int, hidden: Sequence[int], n_features: int) -> MLPDecoder:
    """MOCSS decoder: the encoder's mirror with tanh, sigmoid output."""
    net = mlp([n_latent, *reversed(tuple(hidden)), n_features], activation="tanh", last_activation="sigmoid")
    return MLPDecoder(*net)


class _SingleDecoder:
    """Mixin of the single-omic branches whose ``decode`` is ``[self.decoder(code)]``."""

    decoder: nn.Module

    def omic_decoders(self, v: int) -> list[nn.Module]:
        """The decoder of the (single) omic, ``v`` = 0."""
        return [self.decoder]

    def decoder_paths(self, code: Tensor, v: int) -> list[DecoderPath]:
        """How ``decode`` makes the omic: its decoder on the whole code, every
        row (see :class:`DecoderPath`)."""
        return [DecoderPath(self.decoder, slice(None))]


class Autoencoder(_SingleDecoder, nn.Module):
    """Deterministic single-omic autoencoder of MOCSS (tanh everywhere, sigmoid output).

    ``D -> hidden... -> K`` with tanh after every layer (the code is tanh too), and
    the mirrored decoder. Its loss is ``reconstruction_weight`` times the MOCSS
    normalised reconstruction loss.
    """

    def __init__(
        self,
        n_features: int,
        n_latent: int,
        hidden: Sequence[int] = (512, 256, 128),
        *,
        reconstruction_weight: float = 0.7,
    ) -> None:
        super().__init__()
        self.encoder = mlp([n_features, *hidden, n_latent], activation="tanh")
        self.decoder = mocss_decoder(n_latent, hidden, n_features)
        self.reconstruction_weight = reconstruction_weight
        kaiming_normal_(self)

    def embed(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> Tensor:
        """Code of the (single) omic, shape (n_samples, K)."""
        return self.encoder(xs[0])

    def decode(self, code: Tensor) -> list[Tensor]:
        """Reconstruction of the omic from its code."""
        return [self.decoder(code)]

    def loss(self, xs: Sequence[Tensor], observed: Tensor | None = None, **kwargs) -> LossOutput:
        """Weighted normalised reconstruction loss; ``embedding`` is the code."""
        code = self.encoder(xs[0])
        rec = normalized_reconstruction_loss(self.decoder(code), xs[0])
        return LossOutput(self.reconstruction_weight * rec, {"reconstruction": rec}, embedding=code)


class VariationalAutoencoder(_SingleDecoder, KLWarmup, nn.Module):
    """MOCSS-VAE's specific branch: the MOCSS autoencoder with a Gaussian encoder.

    The tanh body ends in mean and log-variance heads (:class:`GaussianEncoder`);
    the decoder sees a reparameterised sample, the code (embedding) is the mean.
    Loss: ``reconstruction_weight`` times the normalised reconstruction loss plus
    ``beta`` times the KL to N(0, I) averaged over samples and latent dimensions
    (the normalisation of POEMS' paper objective), with the warm-up of
    :class:`KLWarmup`.
    """

    def __init__(
        self,
        n_features: int,
        n_latent: int,
        hidden: Sequence[int] = (512, 256, 128),
        *,
        reconstruction_weight: float = 0.7,
        beta: float = 1.0,
        kl_warmup: int = 0,
    ) -> None:
        super().__init__()
        self.encoder = GaussianEncoder(n_features, n_latent, hidden, activation="tanh", dropout=0.0)
        self.decoder = mocss_decoder(n_latent, hidden, n_features)
        self.reconstruction_weight = reconstruction_weight
        self.beta = beta
        self.kl_warmup = kl_warmup
        kaiming_normal_(self)

    def embed(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> Tensor:
        """Posterior mean, shape (n_samples, K)."""
        return self.encoder(xs[0])[0]

    def decode(self, code: Tensor) -> list[Tensor]:
        """Reconstruction of the omic from a latent vector."""
        return [self.decoder(code)]

    def loss(
        self,
        xs: Sequence[Tensor],
        observed: Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
        **kwargs,
    ) -> LossOutput:
        """Weighted reconstruction plus KL; ``embedding`` is the posterior mean."""
        mean, logvar = self.encoder(xs[0])
        eps = standard_normal_like(mean, generator)
        x_hat = self.decoder(mean + torch.exp(0.5 * logvar) * eps)
        rec = normalized_reconstruction_loss(x_hat, xs[0])
        kl = kl_std_normal(mean, logvar).mean() / mean.shape[1]
        total = self.reconstruction_weight * rec + self._kl_weight() * kl
        return LossOutput(total, {"reconstruction": rec, "kl": kl}, embedding=mean)


def _normal_equations(y1: Tensor, y2: Tensor | None, x: Tensor) -> Tensor:
    """``[F^T F | F^T x]`` (3 x 4, float64 on the CPU) for ``F = [y1, y2, 1]``
    over all values (``y2`` None: a column of zeros). Each product is summed per
    sample on its device in its own precision (MPS has no float64) and the
    per-sample sums are added up in float64: no float64 copy of the block."""

    def total(a: Tensor, b: Tensor | None = None) -> Tensor:
        t = a if b is None else a * b
        return t.reshape(len(t), -1).sum(dim=1).cpu().double().sum()

    # (on the CPU, as the sums: not on a default device set by the user)
    zero = torch.zeros((), dtype=torch.float64, device="cpu")
    count = torch.tensor(float(x.numel()), dtype=torch.float64, device="cpu")
    s1, sx, s11, s1x = total(y1), total(x), total(y1, y1), total(y1, x)
    if y2 is None:
        s2 = s12 = s22 = s2x = zero
    else:
        s2, s12, s22, s2x = total(y2), total(y1, y2), total(y2, y2), total(y2, x)
    return torch.stack(
        [torch.stack([s11, s12, s1, s1x]), torch.stack([s12, s22, s2, s2x]), torch.stack([s1, s2, count, sx])]
    )


class MOCSS(nn.Module):
    """Shared and specific representations with contrastive alignment (MOCSS).

    Parameters
    ----------
    shared : sequence of Autoencoder
        One shared autoencoder per omic.
    specific : sequence of nn.Module
        One specific branch per omic, each with ``loss(xs, observed, ...)`` returning
        a :class:`LossOutput` whose ``embedding`` is the branch's code and
        ``embed(xs)``: :class:`Autoencoder` (MOCSS-AE), :class:`VariationalAutoencoder`
        (MOCSS-VAE) or a single-omic :class:`PoEVAE` with a sparse decoder
        (MOCSS-SparseVAE).
    heads : sequence of nn.Module
        One projection head per omic on the shared code (``K -> K -> 8``, tanh).
    temperature : float
        NT-Xent temperature.
    reconstruction_weight : float
        Weight of the shared autoencoders' reconstruction loss.

    Notes
    -----
    Loss = sum over omics of orthogonality(shared_v, specific_v) + the specific
    branch's own loss + ``reconstruction_weight`` * reconstruction(shared_v), plus
    NT-Xent between the projected shared codes of every pair of omics. With one
    omic there is no pair and no contrastive term. A sample lacking omic ``v``
    contributes nothing to omic ``v``'s terms nor to the pairs involving ``v``.
    """

    def __init__(
        self,
        shared: Sequence[Autoencoder],
        specific: Sequence[nn.Module],
        heads: Sequence[nn.Module],
        *,
        temperature: float = 0.4,
        reconstruction_weight: float = 0.7,
    ) -> None:
        super().__init__()
        self.shared = nn.ModuleList(shared)
        self.specific = nn.ModuleList(specific)
        self.heads = nn.ModuleList(heads)
        self.temperature = temperature
        self.reconstruction_weight = reconstruction_weight
        # per omic (a_shared, a_specific, offset, a_alone, offset_alone): decode() is
        # a_shared * shared decoder + a_specific * specific decoder + offset, a
        # missing omic a_alone * shared decoder + offset_alone; see calibrate_
        self.register_buffer("calibration", torch.tensor([0.5, 0.5, 0.0, 1.0, 0.0]).repeat(len(self.shared), 1))

    def loss(self, xs: Sequence[Tensor], observed: Tensor | None = None, **branch_kwargs) -> LossOutput:
        """MOCSS loss of a minibatch (see the class notes).

        ``branch_kwargs`` (``prior_batch_size``, ``n_train``, ``generator``) are
        passed to the specific branches' losses; ``n_observed`` (per omic, the
        training samples that have it) becomes each branch's ``n_train``.
        """
        n_observed = branch_kwargs.pop("n_observed", None)
        codes = [sh.encoder(x) for sh, x in zip(self.shared, xs)]
        total = xs[0].new_zeros(())
        # what early stopping and score watch: the total with each specific branch's
        # own monitor (e.g. without its priors, which do not depend on held-out data)
        monitor = xs[0].new_zeros(())
        terms: dict[str, Tensor] = {}
        for v, (x, code, sh, sp) in enumerate(zip(xs, codes, self.shared, self.specific)):
            rows = None if observed is None else observed[:, v]
            kwargs = branch_kwargs
            if n_observed is not None and "n_train" in branch_kwargs:
                # the branch sees only the samples that have omic v: its training
                # set is theirs, so that its priors weigh against its likelihood,
                # and its running sigma spans an epoch, as in a VAE of those alone
                kwargs = {**branch_kwargs, "n_train": int(n_observed[v])}
            if rows is not None:
                n_rows = int(rows.sum())
                if n_rows < 1:
                    continue
                x, code = x[rows], code[rows]
                if n_observed is None and "n_train" in branch_kwargs:
                    # (their number estimated from the batch's observed fraction)
                    kwargs = {**branch_kwargs, "n_train": branch_kwargs["n_train"] * n_rows / rows.shape[0]}
            if isinstance(kwargs.get("generator"), RowNoise):
                # each branch its own draws of its samples (some may lack omic v)
                kwargs = {**kwargs, "generator": kwargs["generator"].branch(v, rows)}
            sp_out = sp.loss([x], **kwargs)
            rec = normalized_reconstruction_loss(sh.decoder(code), x)
            orth = orthogonality_loss(code, sp_out.embedding)
            terms[f"orthogonality/{v}"] = orth
            terms[f"reconstruction/{v}"] = rec
            terms[f"specific/{v}"] = sp_out.total
            total = total + orth + sp_out.total + self.reconstruction_weight * rec
            branch_monitor = sp_out.total if sp_out.monitor is None else sp_out.monitor
            monitor = monitor + orth + branch_monitor + self.reconstruction_weight * rec
        projections = [head(code) for head, code in zip(self.heads, codes)]
        for u, v in itertools.combinations(range(len(xs)), 2):
            pu, pv = projections[u], projections[v]
            if observed is not None:
                both = observed[:, u] & observed[:, v]
                if int(both.sum()) < 2:
                    continue
                pu, pv = pu[both], pv[both]
            con = nt_xent(pu, pv, self.temperature)
            terms[f"contrastive/{u}-{v}"] = con
            total = total + con
            monitor = monitor + con
        return LossOutput(total, terms, monitor=monitor)

    def on_epoch_start_(self, epoch: int) -> None:
        """Forward the epoch hook (KL warm-up) to the specific branches that have one."""
        for sp in self.specific:
            if hasattr(sp, "on_epoch_start_"):
                sp.on_epoch_start_(epoch)

    @torch.no_grad()
    def after_step_(self) -> None:
        """Spike-and-slab EM step of the specific branches that have one."""
        for sp in self.specific:
            if hasattr(sp, "after_step_"):
                sp.after_step_()

    def embed(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> Tensor:
        """``[specific_1, ..., specific_V, mean of shared]``, shape (n, (V + 1) * K).

        A missing omic's specific code is zero and it is left out of the mean of
        the shared codes.
        """
        specific = [sp.embed([x]) for sp, x in zip(self.specific, xs)]
        shared = torch.stack([sh.encoder(x) for sh, x in zip(self.shared, xs)], dim=1)
        if observed is None:
            return torch.cat([*specific, shared.mean(dim=1)], dim=1)
        w = observed.to(shared.dtype).unsqueeze(-1)
        specific = [s * w[:, v] for v, s in enumerate(specific)]
        return torch.cat([*specific, (shared * w).sum(dim=1) / w.sum(dim=1)], dim=1)

    def decode(self, embedding: Tensor) -> list[Tensor]:
        """Each omic from its shared decoder (on the mean shared code) and its
        specific decoder (on its specific code), from an embedding (n, (V+1) K):
        ``a_shared * shared + a_specific * specific + offset`` with the fitted
        ``calibration`` (the plain mean of the two before it is fitted)."""
        return [self.decode_omic(embedding, v) for v in range(len(self.shared))]

    def decode_omic(self, embedding: Tensor, v: int) -> Tensor:
        """Omic ``v`` of :meth:`decode` alone: it reads only the columns
        ``decoder_inputs(...)[v]`` of the embedding.

        A row whose ``v``-specific code is exactly zero is how :meth:`embed`
        marks a sample lacking omic ``v`` (the codes are tanh or Gaussian
        means, never exactly zero otherwise): it is decoded from the shared
        code alone, as :meth:`reconstruct` and ``impute`` do, so that
        ``decode(embed(xs))`` is the reconstruction. (Decoded with the zero
        code, a MOCSS-SparseVAE's hidden omic scored R^2 -3.3 on planted data,
        against -0.02 from the shared code alone.)
        """
        codes = embedding.chunk(len(self.shared) + 1, dim=1)
        shared, specific = self._paths(codes[-1], codes[v], v)
        calibration = getattr(self, "calibration", None)  # None in models pickled before it
        if calibration is None:
            out = 0.5 * (shared + specific)
        else:
            a_shared, a_specific, offset = calibration[v, :3]
            out = a_shared * shared + a_specific * specific + offset
        absent = self.lacking(embedding, v)
        if bool(absent.any()):
            out = torch.where(absent[:, None], self._shared_alone(codes[-1], v), out)
        return out

    def lacking(self, embedding: Tensor, v: int) -> Tensor:
        """The rows of ``embedding`` that lack omic ``v`` (an exactly zero
        ``v``-specific code, as :meth:`embed` writes it), shape (n,)."""
        return (embedding.chunk(len(self.shared) + 1, dim=1)[v] == 0).all(dim=1)

    def omic_decoders(self, v: int) -> list[nn.Module]:
        """The decoders of omic ``v``: its shared decoder, then its specific
        branch's (those of :meth:`decoder_paths`)."""
        return [self.shared[v].decoder, *self.specific[v].omic_decoders(0)]

    def decoder_paths(self, embedding: Tensor, v: int) -> list[DecoderPath]:
        """How :meth:`decode_omic` makes omic ``v`` from ``embedding`` (see
        :class:`DecoderPath`): for the rows that have the omic, its shared
        decoder on the shared code and its specific branch's decoders on its
        specific code, weighted by :meth:`path_weights`; for the rows that lack
        it (:meth:`lacking`), its shared decoder alone, by its calibrated scale."""
        codes = embedding.chunk(len(self.shared) + 1, dim=1)
        start = sum(c.shape[1] for c in codes[:v])
        specific = range(start, start + codes[v].shape[1])
        shared = slice(embedding.shape[1] - codes[-1].shape[1], embedding.shape[1])
        absent = self.lacking(embedding, v)
        a_shared, a_specific = self.path_weights(v)
        calibration = getattr(self, "calibration", None)
        a_alone = 1.0 if calibration is None else calibration[v, 3]
        decoder = self.shared[v].decoder
        paths = [DecoderPath(decoder, shared, a_shared, ~absent)]
        for path in self.specific[v].decoder_paths(codes[v], 0):
            columns = specific[path.columns]
            rows = ~absent if path.rows is None else ~absent & path.rows
            paths.append(
                DecoderPath(
                    path.decoder, slice(columns.start, columns.stop, columns.step), a_specific * path.weight, rows
                )
            )
        paths.append(DecoderPath(decoder, shared, a_alone, absent))
        return paths

    def path_weights(self, v: int) -> tuple[Tensor | float, Tensor | float]:
        """The weights of omic ``v``'s shared and specific decoders in :meth:`decode`."""
        calibration = getattr(self, "calibration", None)
        return (0.5, 0.5) if calibration is None else (calibration[v, 0], calibration[v, 1])

    def _shared_alone(self, shared_code: Tensor, v: int) -> Tensor:
        """Omic ``v`` from its shared decoder alone (a sample lacking the omic)."""
        x_hat = self.shared[v].decoder(shared_code)
        calibration = getattr(self, "calibration", None)
        return x_hat if calibration is None else calibration[v, 3] * x_hat + calibration[v, 4]

    def _paths(self, shared_code: Tensor, specific_code: Tensor, v: int) -> tuple[Tensor, Tensor]:
        """Omic ``v`` from its shared and from its specific decoder (uncalibrated)."""
        return self.shared[v].decoder(shared_code), self.specific[v].decode(specific_code)[0]

    @torch.no_grad()
    def calibration_moments(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> Tensor:
        """Normal equations of :meth:`calibrate_`, summed over samples, on the CPU
        in float64 so that chunks of samples add up: shape (n_omics, 2, 3, 4).

        ``[v, 0]`` is ``[F^T F | F^T x]`` for the regressors ``F = [y_shared,
        y_specific, 1]`` (omic ``v``'s two decoders on the embedding of the
        samples that have it, as :meth:`decode` reads it) and its data ``x``,
        over all values. ``[v, 1]`` the same with ``F = [y_alone, 0, 1]``:
        the shared decoder on the mean shared code of the *other* omics, which
        is what a sample lacking omic ``v`` has (:meth:`reconstruct`), over the
        samples that have omic ``v`` and another one.
        """
        V = len(self.shared)
        embedding = self.embed(xs, observed)
        codes = embedding.chunk(V + 1, dim=1)
        have = torch.ones(len(xs[0]), V, dtype=torch.bool, device=embedding.device) if observed is None else observed
        shared = torch.stack([sh.encoder(x) for sh, x in zip(self.shared, xs)], dim=1)
        out = torch.zeros(V, 2, 3, 4, dtype=torch.float64, device="cpu")
        for v, x in enumerate(xs):
            rows = have[:, v]
            y_shared, y_specific = self._paths(codes[-1][rows], codes[v][rows], v)
            out[v, 0] = _normal_equations(y_shared, y_specific, x[rows])
            others = have.clone()
            others[:, v] = False
            rows = rows & others.any(dim=1)
            if bool(rows.any()):
                w = others[rows].to(shared.dtype).unsqueeze(-1)
                code = (shared[rows] * w).sum(dim=1) / w.sum(dim=1)
                out[v, 1] = _normal_equations(self.shared[v].decoder(code), None, x[rows])
        return out

    @torch.no_grad()
    def calibrate_(self, moments: Tensor) -> None:
        """Put the decoders' outputs on the data's scale: least squares of the
        data on the two decoders' outputs of each omic (what :meth:`decode`
        returns) and on its shared decoder's alone from the other omics (a
        sample lacking the omic), from :meth:`calibration_moments` of the
        samples the model was fitted on.

        The MOCSS reconstruction loss centres and row-normalises the output, so a
        decoder trained by it alone is defined only up to a scale and an offset
        (``normalized_reconstruction_loss(a * y + c, x)`` does not depend on
        ``a > 0`` and ``c``): its raw output is not on the data's scale, and
        ``inverse_transform``, ``impute`` and reconstruction R^2 would be
        meaningless. These five numbers per omic are fitted after training; the
        loss, the training and the embedding do not use them. An omic without
        data keeps the plain average of its decoders; without samples that have
        it and another omic, its shared decoder alone keeps scale 1, offset 0.
        """
        calibration = torch.tensor([0.5, 0.5, 0.0, 1.0, 0.0], dtype=torch.float64, device="cpu").repeat(
            len(self.shared), 1
        )
        for v, (joint, alone) in enumerate(moments.double().cpu()):
            if joint[2, 2] > 0:
                fitted = torch.linalg.pinv(joint[:, :3]) @ joint[:, 3]
                if torch.isfinite(fitted).all():
                    calibration[v, :3] = fitted
            if alone[2, 2] > 0:
                fitted = torch.linalg.pinv(alone[[0, 2]][:, [0, 2]]) @ alone[[0, 2], 3]
                if torch.isfinite(fitted).all():
                    calibration[v, 3:] = fitted
        if getattr(self, "calibration", None) is None:  # a model pickled before it existed
            self.register_buffer("calibration", calibration.float().to(next(self.parameters()).device))
        else:
            self.calibration.copy_(calibration.to(self.calibration))

    def decoder_inputs(self, width: int) -> list[list[int]]:
        """The embedding columns (of ``width``) each omic's decoder reads: its
        specific code and the shared code."""
        V = len(self.shared)
        K = width // (V + 1)
        return [[*range(v * K, (v + 1) * K), *range(V * K, (V + 1) * K)] for v in range(V)]

    def reconstruct(self, xs: Sequence[Tensor], observed: Tensor | None = None) -> list[Tensor]:
        """Every omic reconstructed from the observed ones: as :meth:`decode`, except
        that a missing omic (no specific code) comes from its shared decoder alone."""
        # (decode reads a missing omic's zero specific code as missing: decode_omic)
        return self.decode(self.embed(xs, observed))
