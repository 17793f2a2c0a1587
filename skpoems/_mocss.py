"""The MOCSS family: shared and specific representations with contrastive alignment.

MOCSS (Chen et al., iScience 2023) and the paper's two variants. Each estimator
is the shared MOCSS module (:class:`skpoems._modules.MOCSS`: shared autoencoders,
projection heads, orthogonality and NT-Xent losses) plus its own specific branch.
"""

from __future__ import annotations

from dataclasses import replace
from numbers import Real
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._base import _EVAL_CHUNK, _BaseOmicsTransformer, _Omics
from ._modules import (
    MOCSS,
    Autoencoder,
    GaussianEncoder,
    PoEVAE,
    VariationalAutoencoder,
    kaiming_normal_,
    mlp,
)
from ._omics import check_input_features
from ._params import (
    COMMON,
    COMPONENTS_ATTRIBUTE,
    LIKELIHOOD,
    MOCSS_SPARSE_LIKELIHOOD,
    SPARSE,
    Param,
    resolve_beta,
    training,
    with_params,
)
from ._params import MOCSS as MOCSS_PARAMS
from ._poems import feature_noises, sparse_decoder

if TYPE_CHECKING:
    from collections.abc import Sequence


_MOCSS_NOTES = """
    The embedding is ``[specific_1, ..., specific_V, mean over omics of shared_v]``,
    of width ``(n_omics + 1) * n_components``; ``get_feature_names_out`` names each
    column by its omic and role (``"<omic>_specific<k>"``, ``"shared<k>"``).
    Loss: for every omic, orthogonality between its shared and specific codes,
    the specific branch's loss and ``reconstruction_weight`` times the shared
    autoencoder's normalised reconstruction loss; plus the NT-Xent loss between
    the projected shared codes of every pair of omics (V (V - 1) / 2 pairs). With
    one omic there is no pair: the model is then the shared and specific
    autoencoders kept apart by the orthogonality loss.

    The orthogonality term is MODELS.md's (and the MOCSS reference code's): the
    signed mean of the elementwise product of the centred, row-normalised
    codes. Its minimum, ``-1 / n_components``, is reached by opposite codes,
    not by orthogonal ones: on planted data (300 epochs, learning rate 1e-2) a
    MOCSS-AE's shared and specific codes ended with a mean row cosine of -1.00,
    i.e. the specific code repeats the shared one with its sign flipped. It is
    kept as specified, for reproducing the paper.

    Reconstructions (``inverse_transform``, ``impute``, and the inspection
    functions that decode): the normalised reconstruction loss centres and
    row-normalises the decoder's output, so it does not fix the output's scale
    and offset (``a * x_hat + c`` scores the same for any ``a > 0``, ``c``).
    After training, ``fit`` therefore fits, by least squares on the fit
    samples, each omic's reconstruction as ``a_shared * shared decoder +
    a_specific * specific decoder + offset`` (a sample lacking the omic:
    ``a * shared decoder + offset``), five numbers per omic. The training, the
    loss and the embedding do not use them. Without them a small MOCSS-AE's
    reconstruction R^2 on planted data was 0.39 / 0.43, and 0.56 / 0.62 with
    them. A row of an embedding whose ``v``-specific code is exactly zero
    (how ``transform`` marks a sample lacking omic ``v``) is decoded as such a
    sample, so ``inverse_transform(transform(X))`` fills a missing omic as
    ``impute`` does.

    ``score`` and the validation loss: the normalised reconstruction (a Frobenius
    norm over the batch) and NT-Xent (a softmax over the batch) are losses of a
    batch, not sums over samples, so their value on ``X`` grows with the number
    of samples in ``X`` (up to 4096, evaluated at once): on 40 planted samples
    a small MOCSS-AE scored -30.8, and -41.5 on the same samples twice over. Compare
    scores of X of about equal size only, as the folds of a ``GridSearchCV``
    are, not the train and test scores of ``cross_validate``.

    Missing omics: a sample lacking omic ``v`` (its whole block NaN) gives no
    terms for omic ``v`` nor for the pairs involving it; in the embedding its
    ``v``-specific code is zero and ``v`` is left out of the mean of shared codes.
    ``impute`` decodes a missing omic with its shared decoder from that mean of
    the observed omics' shared codes. MOCSS aligns the shared codes of different
    omics only through the contrastive projection heads, so this cross-omic
    reconstruction is rough: on planted data it did not beat filling with the
    training means (R^2 -0.01 to -0.03 against -0.01, three models, two seeds),
    while POEMS and POEM (whose product of experts is a joint posterior over all
    omics) did. Prefer those for imputation.
"""


class _MOCSSBase(_BaseOmicsTransformer):
    """Shared by the three MOCSS estimators: module assembly and output names."""

    if TYPE_CHECKING:  # the parameters of the three MOCSS models (see _BaseOmicsTransformer)
        projection_dim: int
        temperature: float
        reconstruction_weight: float

    _sigmoid_reconstruction = True  # the shared autoencoders' decoders end in a sigmoid

    def _specific_branches(self, omics: _Omics) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def _build_module(self, omics: _Omics) -> MOCSS:
        K, hidden = self.n_components, tuple(self.encoder_hidden)
        dims = [b.shape[1] for b in omics.blocks]
        return MOCSS(
            [Autoencoder(d, K, hidden, reconstruction_weight=self.reconstruction_weight) for d in dims],
            self._specific_branches(omics),
            [kaiming_normal_(mlp([K, K, self.projection_dim], activation="tanh")) for _ in dims],
            temperature=self.temperature,
            reconstruction_weight=self.reconstruction_weight,
        )

    @property
    def _n_features_out(self) -> int:
        return (len(self.omic_dims_) + 1) * getattr(self, "n_components_", self.n_components)

    def transform(self, X: Any) -> Any:
        """Embed ``X``: ``[specific_1, ..., specific_V, mean of shared]`` codes.

        The specific codes are the specific encoders' outputs (the means of the
        variational ones); a missing omic's is 0, and it is left out of the mean
        of the shared codes. Deterministic.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            The same omics as in fit, in any accepted form (see :meth:`fit`).

        Returns
        -------
        Z : ndarray or DataFrame of shape (n_samples, (n_omics + 1) * n_components)
            float32 input gives float32 output, anything else float64; a
            DataFrame with ``set_output(transform="pandas")`` (columns
            :meth:`get_feature_names_out`).
        """
        return super().transform(X)

    def _set_fitted_attributes(self, omics: _Omics) -> None:
        """Put the decoders' outputs on the data's scale (``MOCSS.calibrate_``):
        the MOCSS reconstruction loss leaves each decoder's scale and offset free."""
        module = self.module_.eval()
        device = next(module.parameters()).device
        # a chunk of samples at a time, with no tensor of every sample on the way
        moments = sum(
            module.calibration_moments(
                *self._row_tensors(omics, np.arange(start, min(start + _EVAL_CHUNK, omics.n_samples)), device)
            )
            for start in range(0, omics.n_samples, _EVAL_CHUNK)
        )
        module.calibrate_(moments)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output names: ``"<omic>_specific<k>"`` per omic, then ``"shared<k>"``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored (checked for consistency with ``feature_names_in_``, as
            :meth:`POEMSTransformer.get_feature_names_out` does).

        Returns
        -------
        ndarray of str of shape ((n_omics + 1) * n_components,)
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        K = self.n_components_
        names = [f"{omic}_specific{k}" for omic in self.omic_names_ for k in range(K)]
        names += [f"shared{k}" for k in range(K)]
        return np.asarray(names, dtype=object)


@with_params(COMMON, MOCSS_PARAMS, training(batch_size=256, learning_rate=3e-4, weight_decay=7e-4))
class MOCSSAETransformer(_MOCSSBase):
    """MOCSS-AE: shared and specific autoencoders per omic with contrastive alignment.

    For each omic, a "shared" and a "specific" autoencoder of the same shape
    (``D -> 512 -> 256 -> 128 -> K``, tanh, Kaiming-normal initialisation;
    mirrored decoder with a sigmoid output) and a projection head ``K -> K -> 8``
    on the shared code (MODELS.md section 3). Optimiser: Adam, as in MOCSS.
    Defaults: the paper's best BRCA configuration (batch 256, learning rate 3e-4,
    weight decay 7e-4). Inputs should be scaled to [0, 1] (sigmoid outputs).
    {notes}
    {parameters}

    {attributes}

    See Also
    --------
    MOCSSVAETransformer, MOCSSSparseVAETransformer, POEMSTransformer

    References
    ----------
    Y. Chen et al. MOCSS: Multi-omics data clustering and cancer subtyping via
    shared and specific representation learning. iScience 26(8), 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems import MOCSSAETransformer
    >>> rng = np.random.RandomState(0)
    >>> est = MOCSSAETransformer(n_components=3, encoder_hidden=(16,), max_iter=3, random_state=0)
    >>> est.fit_transform({"mrna": rng.rand(30, 8), "mirna": rng.rand(30, 4)}).shape
    (30, 9)
    >>> list(est.get_feature_names_out()[[0, 3, 6]])
    ['mrna_specific0', 'mirna_specific0', 'shared0']
    """

    if TYPE_CHECKING:
        # with_params writes __init__ at run time; type checkers read this copy
        # (tests/test_typing.py checks that the two agree)

        def __init__(
            self,
            n_components: int = 32,
            *,
            omic_dims: Sequence[int] | np.ndarray | None = None,
            encoder_hidden: Sequence[int] | np.ndarray = (512, 256, 128),
            projection_dim: int = 8,
            temperature: float = 0.4,
            reconstruction_weight: float = 0.7,
            batch_size: int = 256,
            learning_rate: float = 3e-4,
            weight_decay: float = 7e-4,
            max_iter: int = 5000,
            warm_start: bool = False,
            ema_decay: float = 0.0,
            early_stopping: bool = True,
            validation_fraction: float = 0.2,
            n_iter_no_change: int | None = 30,
            tol: float = 0.0,
            convergence_tol: float | None = None,
            monitor_smoothing: float = 0.0,
            n_init: int = 1,
            random_state: int | np.random.RandomState | None = None,
            device: Literal["auto", "cpu", "cuda", "mps"] | torch.device = "auto",
            verbose: int = 0,
        ) -> None: ...

    _optimizer = "adam"

    def _specific_branches(self, omics: _Omics) -> list:
        return [
            Autoencoder(
                b.shape[1],
                self.n_components,
                tuple(self.encoder_hidden),
                reconstruction_weight=self.reconstruction_weight,
            )
            for b in omics.blocks
        ]


_VAE_PARAMS = {
    "beta": Param(
        1.0,
        "float",
        [Interval(Real, 0, None, closed="left")],
        "Weight of the specific VAEs' KL term (averaged over samples and latent dimensions).",
    ),
    "kl_warmup": replace(
        LIKELIHOOD["kl_warmup"],
        doc="""
        Epochs over which the specific VAEs' KL weight grows linearly from
        ``beta / kl_warmup`` to ``beta`` (0: no warm-up, as in the paper), as in
        POEMS, POEM and MOCSS-SparseVAE. Early stopping does not count epochs of
        the warm-up, whose training objective still changes; the validation loss
        always weighs the KL by ``beta``.
        """,
    ),
}


@with_params(COMMON, MOCSS_PARAMS, _VAE_PARAMS, training(batch_size=512, learning_rate=5e-4, weight_decay=5e-4))
class MOCSSVAETransformer(_MOCSSBase):
    """MOCSS-VAE: MOCSS with variational specific encoders.

    MOCSS-AE with each "specific" autoencoder replaced by a VAE: Gaussian encoder
    (the same tanh body with mean and log-variance heads), KL to N(0, I) averaged
    over samples and latent dimensions and weighted by ``beta``; its mean is the
    specific code (MODELS.md section 4). Optimiser: AdamW (the paper trained
    every model but MOCSS-AE with AdamW, Appendix A). Defaults: the paper's
    best BRCA configuration (batch 512, learning rate 5e-4, weight decay 5e-4).
    {notes}
    {parameters}

    {attributes}

    See Also
    --------
    MOCSSAETransformer, MOCSSSparseVAETransformer

    Examples
    --------
    Clustering patients on the embedding, with the omics in one DataFrame,
    min-max scaled per omic first (the decoders end in a sigmoid):

    >>> from sklearn.cluster import KMeans
    >>> from sklearn.pipeline import make_pipeline
    >>> from skpoems import MOCSSVAETransformer, concat_omics
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.preprocessing import OmicTransformer
    >>> Xs, y = make_multiomics(n_samples=30, omic_dims=(8, 4), n_components=2, random_state=0)
    >>> mocss = MOCSSVAETransformer(n_components=2, encoder_hidden=(16,), max_iter=3, random_state=0)
    >>> steps = make_pipeline(OmicTransformer(), mocss, KMeans(3, n_init=2, random_state=0))
    >>> steps.fit_predict(concat_omics(Xs)).shape
    (30,)
    """

    if TYPE_CHECKING:
        # with_params writes __init__ at run time; type checkers read this copy
        # (tests/test_typing.py checks that the two agree)
        beta: float
        kl_warmup: int

        def __init__(
            self,
            n_components: int = 32,
            *,
            omic_dims: Sequence[int] | np.ndarray | None = None,
            encoder_hidden: Sequence[int] | np.ndarray = (512, 256, 128),
            projection_dim: int = 8,
            temperature: float = 0.4,
            reconstruction_weight: float = 0.7,
            beta: float = 1.0,
            kl_warmup: int = 0,
            batch_size: int = 512,
            learning_rate: float = 5e-4,
            weight_decay: float = 5e-4,
            max_iter: int = 5000,
            warm_start: bool = False,
            ema_decay: float = 0.0,
            early_stopping: bool = True,
            validation_fraction: float = 0.2,
            n_iter_no_change: int | None = 30,
            tol: float = 0.0,
            convergence_tol: float | None = None,
            monitor_smoothing: float = 0.0,
            n_init: int = 1,
            random_state: int | np.random.RandomState | None = None,
            device: Literal["auto", "cpu", "cuda", "mps"] | torch.device = "auto",
            verbose: int = 0,
        ) -> None: ...

    def _specific_branches(self, omics: _Omics) -> list:
        return [
            VariationalAutoencoder(
                b.shape[1],
                self.n_components,
                tuple(self.encoder_hidden),
                reconstruction_weight=self.reconstruction_weight,
                beta=self.beta,
                kl_warmup=self.kl_warmup,
            )
            for b in omics.blocks
        ]


@with_params(
    COMMON,
    MOCSS_PARAMS,
    MOCSS_SPARSE_LIKELIHOOD,
    SPARSE,
    training(batch_size=128, learning_rate=7e-4, weight_decay=5e-4, monitor_smoothing=0.9, convergence_tol=1e-3),
    attributes=COMPONENTS_ATTRIBUTE,
)
class MOCSSSparseVAETransformer(_MOCSSBase):
    """MOCSS-SparseVAE: MOCSS with single-omic sparse VAEs as specific branches.

    MOCSS-VAE with each "specific" VAE replaced by a single-omic sparse VAE
    (MODELS.md section 5): the variational tanh encoder, then POEMS' sparse
    decoder with its feature-to-factor matrix W, the noise scale sigma with its
    prior (per feature in the paper), and the spike-and-slab EM step after every
    optimiser step. The
    branch is literally a one-omic POEMS module, and its loss is POEMS' loss
    under ``objective``: initialised as POEMS' modules are (not with the Kaiming
    initialisation of MOCSS-AE's and MOCSS-VAE's branches), and its likelihood
    not multiplied by the 0.7 that weighs those branches' reconstruction
    (MODELS.md section 5 settles neither; the branch keeps POEMS' own loss
    whole). ``dropout`` applies in the sparse decoders. Optimiser:
    AdamW (learning rate 7e-4, weight decay 5e-4: the paper's best BRCA values).

    Defaults: the objective study's lessons for POEMS, carried to these branches
    (README, "POEM and MOCSS-SparseVAE"): the principled objective
    (``objective="elbo"``, KL weight ``D_v / (20 K)`` per branch), one noise scale
    per omic, batch 128, and early stopping on the smoothed held-out loss with
    the convergence test. The paper's objective never stops on TCGA BRCA (its
    validation loss sets a new minimum in every epoch through the sigma terms,
    MODELS.md), so a default fit would run all ``max_iter`` epochs (about two
    hours there); with these defaults fits stop on their own (839-885 epochs on
    5 stratified splits of TCGA BRCA) with higher k-means ACC / NMI (0.565 /
    0.459 against 0.538 / 0.411 for the paper's objective at 600 epochs) and a
    slightly lower k-NN ACC (0.772 against 0.786), and level on nutrimouse.
    The paper's configuration (its objective, per-feature sigma, batch 512) is
    ``MOCSSSparseVAETransformer(**PAPER_CONFIG["MOCSSSparseVAETransformer"])``.
    {notes}
    {parameters}

    {attributes}

    See Also
    --------
    POEMSTransformer, MOCSSVAETransformer

    Examples
    --------
    The feature-to-factor matrices of the specific branches:

    >>> from skpoems import MOCSSSparseVAETransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.preprocessing import OmicTransformer
    >>> Xs, _ = make_multiomics(n_samples=30, omic_dims=(8, 4), n_components=3, random_state=0)
    >>> Xs = OmicTransformer().fit_transform(Xs)  # every feature to [0, 1]
    >>> sparse = MOCSSSparseVAETransformer(n_components=3, encoder_hidden=(16,), max_iter=3, random_state=0).fit(Xs)
    >>> [W.shape for W in sparse.components_]
    [(8, 3), (4, 3)]
    """

    if TYPE_CHECKING:
        # with_params writes __init__ at run time; type checkers read this copy
        # (tests/test_typing.py checks that the two agree)
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
            encoder_hidden: Sequence[int] | np.ndarray = (512, 256, 128),
            projection_dim: int = 8,
            temperature: float = 0.4,
            reconstruction_weight: float = 0.7,
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
            lambda0: float = 5.0,
            lambda1: float = 0.5,
            theta_a: float = 1.0,
            theta_b: float | None = None,
            row_normalize: bool = False,
            components_learning_rate: float | None = None,
            batch_size: int = 128,
            learning_rate: float = 7e-4,
            weight_decay: float = 5e-4,
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

    def _specific_branches(self, omics: _Omics) -> list:
        hidden = tuple(self.encoder_hidden)
        return [
            PoEVAE(
                [GaussianEncoder(b.shape[1], self.n_components, hidden, activation="tanh", dropout=0.0)],
                [sparse_decoder(self, b.shape[1])],
                [noise],
                None,
                objective=self.objective,
                beta=resolve_beta(self.beta, self.objective, b.shape[1], self.n_components),
                kl_warmup=self.kl_warmup,
            )
            for b, noise in zip(omics.blocks, feature_noises(self, omics))
        ]

    def _set_fitted_attributes(self, omics: _Omics) -> None:
        super()._set_fitted_attributes(omics)
        self.components_: list[np.ndarray] = [
            branch.decoders[0].mask().detach().cpu().numpy().astype(np.float64) for branch in self.module_.specific
        ]


for _cls in (MOCSSAETransformer, MOCSSVAETransformer, MOCSSSparseVAETransformer):
    if _cls.__doc__:  # None under python -OO
        _cls.__doc__ = _cls.__doc__.replace("    {notes}\n", _MOCSS_NOTES.rstrip("\n") + "\n\n")
