"""POEMS and POEM: gated product-of-experts VAEs over any number of omics."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseOmicsTransformer, _Omics
from ._losses import sigma_prior_params
from ._modules import (
    DenseDecoder,
    FeatureNoise,
    GatingNetwork,
    GaussianEncoder,
    PoEVAE,
    SparseDecoder,
)
from ._params import (
    COMMON,
    COMPONENTS_ATTRIBUTE,
    GATING_ATTRIBUTE,
    POE,
    SPARSE,
    resolve_beta,
    training,
    with_params,
)
from .utils._warnings import user_stacklevel

if TYPE_CHECKING:
    from collections.abc import Sequence

    import torch


def initial_noise_scales(block: np.ndarray, observed: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """Per-feature standard deviation over the samples that have the omic, at
    least ``floor`` (``sigma_prior_floor``, the floor of the sigma prior's scale).

    Constant features (common: ``MinMaxScaler`` maps them to 0) would start with
    sigma = 0 (log sigma = -inf). They start at the 10% quantile of the other
    features' standard deviations instead, the level on which the sigma prior
    is built. Nearly constant ones (standard deviation below ``floor``: 1% of
    the range on min-max scaled data; the bundled data have none) start at
    ``floor``. A tiny starting sigma (it was 1e-3 times the largest standard
    deviation for a constant feature, the standard deviation itself for a nearly
    constant one) is harmless where sigma is set in closed form (``"elbo"``),
    but the paper's objective learns log sigma by gradient at the learning rate:
    such a feature's squared errors, divided by sigma^2, then outweighed every
    other term for hundreds of epochs and the embedding fell to chance level.
    """
    std = (block if observed.all() else block[observed]).std(axis=0) if observed.any() else np.zeros(block.shape[1])
    varying = std[std > 0]
    constant = float(np.quantile(varying, 0.1)) if varying.size else floor
    return np.maximum(np.where(std > 0, std, constant), floor)


def feature_noises(est: _BaseOmicsTransformer, omics: _Omics) -> list[FeatureNoise]:
    """Per-omic learned noise scales and their sigma priors, from training data.

    ``est.noise == "feature"``: one sigma per feature, initialised to the feature's
    standard deviation; ``"omic"``: one sigma per omic, initialised to the root mean
    square of those standard deviations.
    """
    noises = []
    for v, block in enumerate(omics.blocks):
        sigma = initial_noise_scales(block, omics.observed[:, v], est.sigma_prior_floor)
        if est.noise == "omic":
            sigma = np.sqrt(np.mean(sigma**2, keepdims=True))
        df, scale = sigma_prior_params(
            sigma,
            df=est.sigma_prior_df,
            quantile=est.sigma_prior_quantile,
            floor=est.sigma_prior_floor,
            chi2_quantile=est.sigma_prior_chi2_quantile,
        )
        noises.append(FeatureNoise(sigma, df, scale, n_features=block.shape[1]))
    return noises


def sparse_decoder(est: _BaseOmicsTransformer, n_features: int) -> SparseDecoder:
    """The sparse decoder of one omic, from an estimator's parameters."""
    return SparseDecoder(
        n_features,
        est.n_components,
        est.decoder_hidden,
        dropout=est.dropout,
        row_normalize=est.row_normalize,
        lambda0=est.lambda0,
        lambda1=est.lambda1,
        theta_a=est.theta_a,
        theta_b=est.theta_b,
    )


class _PoEBase(_BaseOmicsTransformer):
    """Shared by POEMS and POEM: encoders, gating, product of experts, noise model."""

    if TYPE_CHECKING:  # the parameters of POEMS and POEM (see _BaseOmicsTransformer)
        gating_hidden: int
        objective: Literal["paper", "elbo"]
        noise: Literal["feature", "omic"]
        decoder_hidden: int
        dropout: float
        beta: float | None
        kl_warmup: int
        sigma_prior_df: float
        sigma_prior_quantile: float
        sigma_prior_floor: float
        sigma_prior_chi2_quantile: float
        omic_balance: Literal["features", "omics"]
        monitor: Literal["loss", "reconstruction"]
        omic_dropout: float

    def _decoder(self, n_features: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def _build_module(self, omics: _Omics) -> PoEVAE:
        dims = [b.shape[1] for b in omics.blocks]
        return PoEVAE(
            [GaussianEncoder(d, self.n_components, tuple(self.encoder_hidden), dropout=self.dropout) for d in dims],
            [self._decoder(d) for d in dims],
            feature_noises(self, omics),
            GatingNetwork(len(dims), self.n_components, self.gating_hidden),
            objective=self.objective,
            beta=resolve_beta(self.beta, self.objective, sum(dims), self.n_components),
            kl_warmup=self.kl_warmup,
            monitor=self.monitor,
            omic_dropout=self.omic_dropout,
            omic_weights=[np.mean(dims) / d for d in dims] if self.omic_balance == "omics" else None,
        )

    def _set_fitted_attributes(self, omics: _Omics) -> None:
        self.gating_weights_: np.ndarray = self._module_outputs(omics, "gating_weights")
        if self.n_components <= 2 and len(omics.blocks) > 1:
            effect = (
                "which leaves nothing of one value: the gating weights are the same for "
                "every sample that has the same omics"
                if self.n_components == 1 else
                "which leaves only the sign of the difference of two values: the gating "
                "weights are close to a binary choice per omic"
            )
            warnings.warn(
                f"{type(self).__name__}(n_components={self.n_components}): the gating network "
                "normalises each expert's mean over its n_components values (LayerNorm, "
                f"MODELS.md), {effect}. Use n_components >= 3 to read gating weights per sample.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def transform_gating(self, X: Any) -> Any:
        """Gating weights alpha of new samples: each omic's weight in the product of experts.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            The omics, in any form accepted by :meth:`fit`.

        Returns
        -------
        alpha : ndarray or DataFrame of shape (n_samples, n_omics)
            Rows sum to 1; an omic a sample lacks gets exactly 0. An ndarray by
            default; with pandas output (``set_output(transform="pandas")``) a
            DataFrame with the omics as columns (indexed by the samples' labels
            when ``X`` has them), with polars output a polars DataFrame with the
            omics as columns. (Annotated ``Any`` for that reason.)
        """
        check_is_fitted(self)
        omics = self._new_omics(X)
        alpha = self._module_outputs(omics, "gating_weights")
        return self._labelled(alpha, omics, columns=list(self.omic_names_))

    def score_samples(self, X: Any) -> np.ndarray:
        """Evidence lower bound (ELBO) of each sample under the fitted model, in nats.

        ``E_q[log p(x | z)] - KL(q(z | x) || N(0, I))``: how well the generative
        model explains the sample, a lower bound on its log-likelihood (as
        ``PCA.score_samples`` and ``GaussianMixture.score_samples`` give theirs).
        The log-likelihood is the Gaussian one of every feature of the sample's
        observed omics, with the model's sigma; the KL is that of the joint
        posterior. Low values flag patients the model explains poorly: outliers,
        an omic measured on another scale, or one omic of another patient (a
        sample swap). On TCGA BRCA, POEMS ranked patients with a swapped omic
        about as well as probabilistic PCA of the omics side by side did (ROC AUC
        0.64-0.73 against 0.66-0.76, ``examples/benchmarks/sample_swaps.py``).

        It is the plain ELBO (``beta`` = 1, every feature counted once) whatever
        the model was trained with, so it is comparable between samples and
        between models fitted on the same features. It differs from
        :meth:`score`, which is the training criterion on held-out data
        (``beta`` times the KL, ``omic_balance`` weights, one posterior draw) and
        a mean over samples. The expectation over the posterior is a mean over 16
        fixed draws (antithetic pairs), the same for every sample: the result is
        deterministic and does not depend on the other samples in ``X``. (On a
        default fit of small planted data it was within 0.12 nats on average of
        a 4096-draw estimate, whose spread over the samples was 6.8 nats.) It
        costs 16 decoder passes over ``X``.

        A sample lacking an omic is scored on its observed omics only (the
        missing features are marginalised out), a sum over fewer features: compare
        samples that have the same omics.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            The omics, in any form accepted by :meth:`fit`, scaled as the
            training data were.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            Higher is better explained; the dtype of the input (float32 or
            float64).

        Examples
        --------
        >>> import numpy as np
        >>> from skpoems import POEMSTransformer
        >>> from skpoems.datasets import make_multiomics
        >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
        ...                        random_state=0)
        >>> est = POEMSTransformer(n_components=3, max_iter=20, random_state=0).fit(X)
        >>> elbo = est.score_samples(X)
        >>> elbo.shape
        (60,)
        >>> shifted = [X[0] + 3.0, X[1]]  # the first omic far off its training range
        >>> bool((est.score_samples(shifted) < elbo).all())
        True
        """
        check_is_fitted(self)
        omics = self._new_omics(X)
        return self._module_outputs(omics, "sample_elbo")


@with_params(
    COMMON,
    POE,
    SPARSE,
    training(batch_size=128, learning_rate=9e-4, weight_decay=1e-4, monitor_smoothing=0.9, convergence_tol=1e-3),
    attributes=COMPONENTS_ATTRIBUTE + GATING_ATTRIBUTE,
)
class POEMSTransformer(_PoEBase):
    """POEMS: product of experts with gating and sparse (spike-and-slab) decoders.

    Each omic is encoded into a Gaussian expert; a gating network weighs the
    experts per sample and their product gives one shared posterior over
    ``n_components`` latent factors. Each omic is decoded feature by feature from
    the latent vector masked by that feature's row of a sparse feature-to-factor
    matrix W (SparseVAE), whose spike-and-slab lasso prior is fitted by an EM step
    after every optimiser step. ``transform`` returns the posterior mean.

    The architecture is the model of MODELS.md section 1. It is trained by
    default with the principled objective chosen by the objective study
    (README): the per-sample negative ELBO (``objective="elbo"``) with one
    noise scale per omic (``noise="omic"``), a KL weight normalised by the
    data's size (``beta=None``: 3.9 on TCGA BRCA), subset training
    (``omic_dropout=0.5``), batches of 128 and early stopping on a smoothed
    held-out loss (``monitor_smoothing=0.9``) with a relative convergence test
    (``convergence_tol=1e-3``); it stops on its own (750-1050 epochs on TCGA
    BRCA, 6-12 minutes with two CPU cores, depending on the machine's speed). The paper's objective
    and best BRCA configuration (batch 512, learning rate 9e-4, weight decay
    1e-4, AdamW) are ``POEMSTransformer(**PAPER_CONFIG["POEMSTransformer"])``.
    Inputs are expected min-max scaled to [0, 1] per feature, as in the paper
    (use :class:`skpoems.preprocessing.OmicTransformer` first in a ``Pipeline``: it
    applies ``MinMaxScaler`` per omic and keeps the omics apart).

    Deviations from the reference implementation, each for a reason:
    ``transform`` returns the posterior mean rather than a random sample (it must
    be deterministic); epochs use ``ceil(n_train / batch_size)`` minibatches of
    equal size rather than full batches and a remainder (the prior terms of
    ``objective="paper"`` are still divided by the configured ``batch_size``, as
    the reference divides them); the validation loss used for early
    stopping and ``score`` is computed without dropout and with fixed
    reparameterisation noise, so that it is deterministic.

    {parameters}

    {attributes}

    See Also
    --------
    POEMTransformer : The same model with dense decoders (no W).
    MOCSSSparseVAETransformer : Shared and specific representations with sparse decoders.

    References
    ----------
    M. Kocak Balik, P. Marttinen, N. Safinianaini. POEMS: Product of Experts for
    Interpretable Multi-omic Integration using Sparse Decoding.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems import POEMSTransformer
    >>> rng = np.random.RandomState(0)
    >>> mrna, mirna = rng.rand(40, 12), rng.rand(40, 5)
    >>> poems = POEMSTransformer(n_components=3, max_iter=5, random_state=0)
    >>> Z = poems.fit_transform([mrna, mirna])
    >>> Z.shape, poems.gating_weights_.shape, [W.shape for W in poems.components_]
    ((40, 3), (40, 2), [(12, 3), (5, 3)])
    """

    if TYPE_CHECKING:
        # with_params writes __init__ at run time; type checkers read this copy
        # (tests/test_typing.py checks that the two agree)
        lambda0: float
        lambda1: float
        theta_a: float
        theta_b: float | None
        row_normalize: bool
        components_learning_rate: float | None

        def __init__(
            self,
            n_components: int = 32,
            *,
            omic_dims: Sequence[int] | np.ndarray | None = None,
            encoder_hidden: Sequence[int] | np.ndarray = (100, 100),
            gating_hidden: int = 64,
            objective: Literal["paper", "elbo"] = "elbo",
            noise: Literal["feature", "omic"] = "omic",
            decoder_hidden: int = 100,
            dropout: float = 0.2,
            beta: float | None = None,
            kl_warmup: int = 0,
            sigma_prior_df: float = 10.0,
            sigma_prior_quantile: float = 0.1,
            sigma_prior_floor: float = 0.01,
            sigma_prior_chi2_quantile: float = 0.9,
            omic_balance: Literal["features", "omics"] = "features",
            monitor: Literal["loss", "reconstruction"] = "loss",
            omic_dropout: float = 0.5,
            lambda0: float = 5.0,
            lambda1: float = 0.5,
            theta_a: float = 1.0,
            theta_b: float | None = None,
            row_normalize: bool = False,
            components_learning_rate: float | None = None,
            batch_size: int = 128,
            learning_rate: float = 9e-4,
            weight_decay: float = 1e-4,
            max_iter: int = 5000,
            warm_start: bool = False,
            ema_decay: float = 0.0,
            early_stopping: bool = True,
            validation_fraction: float = 0.2,
            n_iter_no_change: int | None = 30,
            tol: float = 0.0,
            convergence_tol: float | None = 1e-3,
            monitor_smoothing: float = 0.9,
            n_init: int = 1,
            random_state: int | np.random.RandomState | None = None,
            device: Literal["auto", "cpu", "cuda", "mps"] | torch.device = "auto",
            verbose: int = 0,
        ) -> None: ...

    def _decoder(self, n_features: int) -> SparseDecoder:
        return sparse_decoder(self, n_features)

    def _set_fitted_attributes(self, omics: _Omics) -> None:
        super()._set_fitted_attributes(omics)
        self.components_: list[np.ndarray] = [
            dec.mask().detach().cpu().numpy().astype(np.float64) for dec in self.module_.decoders
        ]


@with_params(
    COMMON,
    POE,
    training(batch_size=128, learning_rate=7e-4, weight_decay=3e-4, monitor_smoothing=0.9, convergence_tol=1e-3),
    attributes=GATING_ATTRIBUTE,
)
class POEMTransformer(_PoEBase):
    """POEM: product of experts with gating and ordinary (dense) VAE decoders.

    POEMS with each sparse decoder replaced by ``Linear(K, H) -> ReLU -> Dropout ->
    Linear(H, D_v)`` (MODELS.md section 2): no feature-to-factor matrix W, no
    sparsity prior, no EM step. Same encoders, gating, product of experts, KL and
    Gaussian likelihood with learned sigma (with its prior), trained by default
    with the same principled objective as :class:`POEMSTransformer` (batches of
    128, learning rate 7e-4, weight decay 3e-4, AdamW). The paper's
    configuration is ``POEMTransformer(**PAPER_CONFIG["POEMTransformer"])``.

    POEM has no ``components_``: accessing it raises an AttributeError. Feature
    attributions come from the decoder (``skpoems.inspection``).

    {parameters}

    {attributes}

    See Also
    --------
    POEMSTransformer : The same model with sparse decoders.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems import POEMTransformer
    >>> rng = np.random.RandomState(0)
    >>> Z = POEMTransformer(n_components=3, max_iter=5, random_state=0).fit_transform(
    ...     {"mrna": rng.rand(40, 12), "mirna": rng.rand(40, 5)})
    >>> Z.shape
    (40, 3)
    """

    if TYPE_CHECKING:
        # with_params writes __init__ at run time; type checkers read this copy
        # (tests/test_typing.py checks that the two agree)

        def __init__(
            self,
            n_components: int = 32,
            *,
            omic_dims: Sequence[int] | np.ndarray | None = None,
            encoder_hidden: Sequence[int] | np.ndarray = (100, 100),
            gating_hidden: int = 64,
            objective: Literal["paper", "elbo"] = "elbo",
            noise: Literal["feature", "omic"] = "omic",
            decoder_hidden: int = 100,
            dropout: float = 0.2,
            beta: float | None = None,
            kl_warmup: int = 0,
            sigma_prior_df: float = 10.0,
            sigma_prior_quantile: float = 0.1,
            sigma_prior_floor: float = 0.01,
            sigma_prior_chi2_quantile: float = 0.9,
            omic_balance: Literal["features", "omics"] = "features",
            monitor: Literal["loss", "reconstruction"] = "loss",
            omic_dropout: float = 0.5,
            batch_size: int = 128,
            learning_rate: float = 7e-4,
            weight_decay: float = 3e-4,
            max_iter: int = 5000,
            warm_start: bool = False,
            ema_decay: float = 0.0,
            early_stopping: bool = True,
            validation_fraction: float = 0.2,
            n_iter_no_change: int | None = 30,
            tol: float = 0.0,
            convergence_tol: float | None = 1e-3,
            monitor_smoothing: float = 0.9,
            n_init: int = 1,
            random_state: int | np.random.RandomState | None = None,
            device: Literal["auto", "cpu", "cuda", "mps"] | torch.device = "auto",
            verbose: int = 0,
        ) -> None: ...

    def _decoder(self, n_features: int) -> DenseDecoder:
        return DenseDecoder(n_features, self.n_components, self.decoder_hidden, dropout=self.dropout)

    @property
    def components_(self) -> NoReturn:
        raise AttributeError(
            "POEMTransformer has no components_: its decoders are dense, so there is no "
            "sparse feature-to-factor matrix W. Use POEMSTransformer for W, or "
            "skpoems.inspection for decoder-based feature attributions."
        )
