"""Declarative estimator parameters: one definition per parameter, shared by models.

The five estimators share most of their parameters (the training loop's, the
encoder's, the sparse decoder's). Each parameter is declared once here, with its
constraint (scikit-learn's ``_parameter_constraints``) and its numpydoc entry;
:func:`with_params` then gives an estimator class an explicit ``__init__``
signature (what ``get_params``, ``clone`` and IDEs read), its constraints and the
"Parameters" section of its docstring. Defaults may differ per estimator (the
paper tuned batch size, learning rate and weight decay per model).
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions


@dataclass(frozen=True)
class Param:
    """One estimator parameter: default, type for the docstring, constraint, doc."""

    default: Any
    type: str
    constraint: list
    doc: str

    def with_default(self, default: Any) -> Param:
        return replace(self, default=default)

    def render(self, name: str) -> str:
        doc = textwrap.dedent(self.doc).strip()
        body = "\n".join("    " + line if line else "" for line in doc.splitlines())
        default = f'"{self.default}"' if isinstance(self.default, str) else repr(self.default)
        return f"{name} : {self.type}, default={default}\n{body}\n"


#: an estimator class, which :func:`with_params` returns as it got it
_C = TypeVar("_C", bound=type)

class _Count(Interval):
    """An int of at least ``low``, not a bool: ``True`` is an ``Integral``, and
    ``--set batch_size=true`` trained with batches of one sample."""

    def __init__(self, low: int) -> None:
        super().__init__(Integral, low, None, closed="left")

    def is_satisfied_by(self, val: Any) -> bool:
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)

    def __str__(self) -> str:
        return f"{super().__str__()} (not a bool)"


class _Fraction(Interval):
    """A real number in (0, 1], not a bool (``True`` is a ``Real`` equal to 1)."""

    def __init__(self) -> None:
        super().__init__(Real, 0, 1, closed="right")

    def is_satisfied_by(self, val: Any) -> bool:
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)

    def __str__(self) -> str:
        return f"{super().__str__()} (not a bool)"


_positive_int = [_Count(1)]
_positive_real = [Interval(Real, 0, None, closed="neither")]
_non_negative_real = [Interval(Real, 0, None, closed="left")]
_probability = [Interval(Real, 0, 1, closed="left")]

COMMON: dict[str, Param] = {
    "n_components": Param(
        32,
        "int",
        _positive_int,
        "Dimension K of the latent space (the number of latent factors).",
    ),
    "omic_dims": Param(
        None,
        "tuple of int",
        ["array-like", None],
        """
        Number of features of each omic when ``X`` is one 2-D array whose columns
        are the omics side by side (the form that goes through ``Pipeline`` and
        ``GridSearchCV``). ``None`` treats a plain 2-D array as one omic. Ignored
        for list, dict and MultiIndex-DataFrame inputs, which carry their own
        omic structure (if given, it must agree with it).
        """,
    ),
}


def training(
    batch_size: int,
    learning_rate: float,
    weight_decay: float,
    monitor_smoothing: float = 0.0,
    convergence_tol: float | None = None,
) -> dict[str, Param]:
    """Training-loop parameters with the given defaults."""
    return {
        "batch_size": Param(
            batch_size,
            "int",
            _positive_int,
            """
            Minibatch size, clipped to the number of training samples. Each epoch's
            shuffled samples are split into ``ceil(n_train / batch_size)`` batches
            of equal size (within one sample), so that no remainder batch gives a
            few samples the weight of a full batch. With ``objective="paper"`` the
            prior terms of every batch are divided by this configured size (MODELS.md's
            ``B_cfg``, as the reference does), not by the size actually used.
            """,
        ),
        "learning_rate": Param(learning_rate, "float", _positive_real, "Step size of the optimiser."),
        "weight_decay": Param(
            weight_decay, "float", _non_negative_real, "Weight decay of the optimiser (decoupled for AdamW)."
        ),
        "max_iter": Param(
            5000,
            "int",
            _positive_int,
            "Maximum number of epochs (passes over the training data) of one call to ``fit``.",
        ),
        "warm_start": Param(
            False,
            "bool",
            ["boolean"],
            """
            When True and the estimator is fitted, ``fit`` continues training the
            fitted model (the weights early stopping kept) for up to ``max_iter``
            more epochs instead of starting afresh, as scikit-learn's
            ``MLPClassifier``: for a fit that stopped at ``max_iter``
            (``ConvergenceWarning``), or to fine-tune on new samples of the same
            omics (same omics and features, checked). ``history_``,
            ``loss_curve_`` and ``validation_scores_`` go on (epochs numbered
            from the first fit) and ``n_iter_`` counts every epoch. The
            validation split is drawn again (the same one for an int
            ``random_state`` and the same samples), the optimiser starts with
            fresh moment estimates, early stopping's patience starts again, and
            ``n_init`` applies to the first fit only. The weights the
            continuation starts from are evaluated on its validation split first
            and kept (with their ``best_iter_``) unless one of its epochs improves
            on them, so a warm fit never returns a worse model on that split.
            Each continuation draws its own minibatch order, dropout and noise
            (from ``random_state`` and the epochs trained so far: reproducible,
            but not the same draw in every call of a loop of warm fits).
            """,
        ),
        "ema_decay": Param(
            0.0,
            "float",
            [Interval(Real, 0, 1, closed="left")],
            """
            Polyak averaging: the validation loss, the restored best weights and the
            final model use an exponential moving average of the weights over
            optimiser steps, ``avg <- ema_decay * avg + (1 - ema_decay) * w``
            (memory about ``1 / (1 - ema_decay)`` steps). Averaging removes the
            minibatch noise from the monitored loss, so early stopping reacts to
            the trend instead of to noise. 0 uses the raw weights (the paper).
            """,
        ),
        "early_stopping": Param(
            True,
            "bool",
            ["boolean"],
            """
            Hold out ``validation_fraction`` of the training data, stop when the
            validation loss has not improved for ``n_iter_no_change`` epochs, and
            restore the weights of the best validation epoch. If False, training
            stops when the training loss stops improving in the same way (as in
            scikit-learn's ``MLPClassifier``) and the last weights are kept.
            """,
        ),
        "validation_fraction": Param(
            0.2,
            "float",
            [Interval(Real, 0, 1, closed="neither")],
            """
            Fraction of the training data held out for early stopping, drawn
            (unstratified) with ``random_state``: with ``random_state=1`` it is
            MODELS.md's ``train_test_split(..., random_state=1)`` validation part;
            another seed draws another part along with the other random choices.
            """,
        ),
        "n_iter_no_change": Param(
            30,
            "int or None",
            [_Count(1), None],
            """
            Patience: number of epochs without an improvement of more than ``tol``
            of the monitored loss (smoothed when ``monitor_smoothing > 0``) before
            training stops. ``None`` trains for exactly ``max_iter`` epochs.
            """,
        ),
        "tol": Param(
            0.0,
            "float",
            _non_negative_real,
            """
            Minimum decrease of the monitored loss that counts as an improvement
            for the patience (``n_iter_no_change``). As in scikit-learn's MLP, it
            does not decide which weights are kept: early stopping keeps the
            epoch of the lowest monitored loss, whatever it improved by.
            """,
        ),
        "convergence_tol": Param(
            convergence_tol,
            "float or None",
            [Interval(Real, 0, 1, closed="neither"), None],
            """
            Relative convergence test, on top of the patience: training also stops
            (``stop_reason_ == "converged"``) when the monitored loss (smoothed
            when ``monitor_smoothing > 0``) fell, over the last ``2 *
            n_iter_no_change`` epochs, by less than ``convergence_tol`` times its
            fall since the first epoch, i.e. when the last window bought less than
            that fraction of all the progress so far. The measure is free of the
            loss's offset and units (a Gaussian log-likelihood's level depends on
            the data's scale), in the spirit of Stan ADVI's ``tol_rel_obj`` and
            MOFA+'s ELBO-change criterion. It ends the slow, steady decline that
            patience alone waits out (each epoch a new minimum by a hair): on TCGA
            BRCA the default POEMS's held-out loss keeps falling for hundreds of
            epochs after the test clustering scores have levelled off (about epoch
            300). Why 1e-3, measured by replaying the rule on whole recorded
            training traces (``examples/benchmarks/stopping_traces.py``): on 5
            stratified TCGA BRCA splits it stops after 759-1022 epochs instead of
            831-1416 (mean 885 against 1075; the longest fit 28% shorter) at equal
            scores (k-means ACC 0.558 both, NMI 0.454 against 0.466, k-NN ACC
            0.793 against 0.773). Looser tolerances stop earlier there (2e-3: 793
            epochs on average) but end fits of small planted data on a plateau,
            before their last factor has appeared: over 12 planted fits (4 data
            sets, 3 seeds) 3e-3 lost one fit that patience alone keeps, 5e-3
            three and 1e-2 seven; 1e-3 and 2e-3 none, and 1e-3 keeps a margin of
            three below the first failing tolerance. The window is twice
            the patience for the same reason. ``None`` disables the test (patience
            only); it is off whenever ``n_iter_no_change`` is None.
            """,
        ),
        "monitor_smoothing": Param(
            monitor_smoothing,
            "float",
            [Interval(Real, 0, 1, closed="left")],
            """
            Early stopping watches an exponential moving average of the monitored
            loss over epochs, ``s <- monitor_smoothing * s + (1 - monitor_smoothing)
            * loss`` (memory about ``1 / (1 - monitor_smoothing)`` epochs): patience
            counts epochs without a new minimum of ``s``, and the weights restored
            are those of the epoch where ``s`` was lowest. With small minibatches
            the held-out loss jitters from epoch to epoch by more than its trend
            moves within the patience window, so a minimum set by one lucky epoch
            can end a fit hundreds of epochs early: on TCGA BRCA (stratified split
            4) the raw monitor stopped the default POEMS at epoch 155 (test k-means
            ACC 0.52), while with 0.9 it stopped at epoch 857 (0.61); on split 0
            both stopped late (765 and 931 epochs, 0.53 and 0.57). 0 monitors the
            raw loss (the paper, scikit-learn). ``validation_scores_`` and
            ``best_validation_score_`` hold the raw losses.
            """,
        ),
        "n_init": Param(
            1,
            "int",
            _positive_int,
            """
            Number of trainings from different seeds (weight initialisation,
            minibatch order, dropout and reparameterisation noise; the same
            validation split); the one with the lowest held-out loss of its kept
            weights is kept, as ``KMeans`` keeps its run with the lowest inertia.
            Without early stopping the loss on the training data decides. The
            criterion is the monitored loss (under ``"elbo"`` the held-out ELBO),
            which is what the model optimises, not a clustering score; each init's
            value is in ``init_scores_``. Costs ``n_init`` times the time. A fit
            with ``n_init=1`` is bitwise the fit that earlier versions made.
            Measured for the default POEMS (README, "Several initialisations"):
            the seed moves one fit's test k-means ACC by up to 0.07 on TCGA
            BRCA, and the held-out loss avoids the worst seeds but predicts the
            clustering only weakly. ``n_init=3`` scored 0.573 / 0.464 / 0.796
            (k-means ACC / NMI, k-NN ACC) over 5 stratified splits against
            0.566 / 0.463 / 0.790 for one init at random, and on nutrimouse (15
            splits) k-means ACC 0.712 against 0.695. So the default stays 1:
            raise it for a fit whose result you keep (biomarkers, a figure),
            not for a gain in the scores.
            """,
        ),
        "random_state": Param(
            None,
            "int, RandomState instance or None",
            ["random_state"],
            """
            Seeds the validation split, weight initialisation, minibatch order,
            dropout and reparameterisation noise. An int gives bitwise-identical
            fits (on the same hardware and thread count). None draws the seeds
            from numpy's global generator, as scikit-learn's estimators do
            (``np.random.seed`` then makes the fits reproducible; each fit
            advances that generator). Fitting leaves torch's global random
            state, and numpy's for an int or a RandomState, as it found them; it
            seeds torch's global generator while it runs, so another thread
            drawing from it meanwhile changes the fit (see the README's model
            selection notes).
            """,
        ),
        "device": Param(
            "auto",
            '{"auto", "cpu", "cuda", "mps"}, "cuda:<index>" or torch.device',
            [_DeviceName(), "torch.device"],
            """
            Where to train. ``"auto"`` uses CUDA when available, else the CPU;
            ``"cuda:1"`` (or ``torch.device("cuda", 1)``) a given GPU.
            Fitted models pickle with CPU tensors and load on any machine.
            """,
        ),
        "verbose": Param(
            0, "int", ["verbose"],
            "1: a progress bar with the training and validation loss; 2 or more: one "
            "plain line per epoch on stderr instead (for log files, where a bar is a "
            "run of refreshes), and why training stopped."
        ),
    }


ENCODER: dict[str, Param] = {
    "encoder_hidden": Param(
        (100, 100),
        "tuple of int",
        ["array-like"],
        "Hidden layer sizes of each omic's encoder.",
    ),
}

GATING: dict[str, Param] = {
    "gating_hidden": Param(64, "int", _positive_int, "Hidden size of the gating network."),
}

LIKELIHOOD: dict[str, Param] = {
    "objective": Param(
        "paper",
        '{"paper", "elbo"}',
        [StrOptions({"paper", "elbo"})],
        """
        How the loss terms are scaled. ``"paper"`` reproduces the losses of the
        reference implementation exactly (MODELS.md section 1: reconstruction
        averaged over features, KL averaged over latent dimensions, the priors
        divided by the batch size, sigma learned by gradient); with it the
        validation loss keeps falling through the sigma terms for thousands of
        epochs, so early stopping does not end a fit. ``"elbo"`` is the negative
        evidence lower bound per sample: Gaussian likelihood summed over
        features with its ``log sigma`` term, KL summed over latent dimensions
        and weighted by ``beta``, the priors on W and sigma divided by the
        number of training samples (counted once per data set, so nothing
        depends on the batch size). Under ``"elbo"`` sigma is not learned by
        gradient but set, after every optimiser step, to its posterior mode
        given a running mean of the training residuals (one epoch long) and its
        scaled-inverse-chi2 prior, ``sigma^2 = (n m + nu s) / (n + nu + 2)``, so
        it tracks the fit instead of drifting at the learning rate. Early
        stopping monitors the held-out likelihood plus ``beta`` KL (the priors
        do not depend on held-out data), which plateaus: fits stop on their
        own. The README's "Objective study" compares the two on TCGA BRCA and
        nutrimouse (5 stratified splits each); POEMS and POEM default to
        ``"elbo"`` (with ``noise="omic"``, ``omic_dropout=0.5`` and
        ``monitor_smoothing=0.9``), and so does MOCSS-SparseVAE (with
        ``noise="omic"`` and ``monitor_smoothing=0.9``); ``skpoems.PAPER_CONFIG``
        holds the paper's settings of all three.
        """,
    ),
    "noise": Param(
        "feature",
        '{"feature", "omic"}',
        [StrOptions({"feature", "omic"})],
        """
        The Gaussian likelihood's noise scale sigma: one per feature (the paper),
        or one per omic shared by its features (every feature of an omic then
        weighs the same in the reconstruction, as in PCA of min-max scaled
        data). Under ``objective="elbo"`` per-feature sigmas are a trap: a
        feature the model has not explained yet gets a sigma as large as its
        standard deviation, which removes most of its pull on the latent
        factors, so the fit settles with factors collapsed (posterior collapse
        through the learned variance). On planted data 3 of 4 factors stayed
        collapsed with ``"feature"`` for every ``beta`` tried (0.25 to 4),
        while ``"omic"`` recovered all 4 (|correlation| 0.93) with 86-94%
        top-feature precision over 4 seeds (README, "Objective study").
        """,
    ),
    "decoder_hidden": Param(100, "int", _positive_int, "Hidden size of each omic's decoder."),
    "dropout": Param(0.2, "float", _probability, "Dropout probability in encoders and decoders."),
    "beta": Param(
        None,
        "float or None",
        [Interval(Real, 0, None, closed="left"), None],
        """
        Weight of the KL term (a beta-VAE for ``beta > 1``). ``None`` picks it
        from the objective (see :func:`resolve_beta`): 1 under ``"paper"``
        (MODELS.md); under ``"elbo"``, ``D / (20 K)`` for ``D`` features in all
        and ``K = n_components``, i.e. a normalised beta ``beta K / D = 0.05``
        (Higgins et al. 2017), so that the KL keeps the same weight per feature
        on data of any size: 3.9 on TCGA BRCA (2503 features, K = 32), where
        the objective study found 4 better than 1 and 8, and 0.22 on nutrimouse
        (141 features), where beta 4 left the decoders unfitted (negative test
        R^2). The value used is ``module_.beta``. Under ``"paper"`` the KL is
        averaged over latent dimensions and the reconstruction over features
        with a learned sigma, so the KL's weight relative to the data is not
        that of ``beta=1`` under ``"elbo"``: it starts far higher and falls as
        sigma shrinks during training.
        """,
    ),
    "kl_warmup": Param(
        0,
        "int",
        [_Count(0)],
        """
        Epochs over which the KL weight grows linearly from ``beta / kl_warmup``
        to ``beta`` (0: no warm-up, as in the paper). Early stopping does not
        count epochs of the warm-up, whose training objective still changes: with
        ``n_iter_no_change=1`` the earliest stop is epoch ``kl_warmup + 1``. On
        TCGA BRCA (default POEMS, 5 stratified splits) 100 epochs of warm-up
        raised the mean test k-means ACC from 0.566 to 0.584 (up on 4 of 5
        splits) and lowered the k-NN ACC from 0.791 to 0.775 (down on 4 of 5),
        NMI level: a trade between the two tasks, so the default has none.
        300 epochs of warm-up scored lower than 100 on both splits tried.
        """,
    ),
    "sigma_prior_df": Param(
        10.0,
        "float",
        _positive_real,
        """
        Degrees of freedom nu of the scaled-inverse-chi-squared prior on each
        feature's noise variance (the authors used 3 for KIRC).
        """,
    ),
    "sigma_prior_quantile": Param(
        0.10,
        "float",
        [Interval(Real, 0, 1, closed="both")],
        """
        Quantile of the initial noise scales that sets the prior scale: ``s =
        max(q, sigma_prior_floor) ** 2 * chi2.ppf(sigma_prior_chi2_quantile, nu)
        / nu`` (KIRC: 0.05). With ``noise="feature"`` the initial scales are the
        feature standard deviations; with ``noise="omic"`` they are one value per
        omic (the root mean square of its feature standard deviations), which is
        then its own quantile: this parameter has no effect there, and only
        ``sigma_prior_floor`` can change ``s``.
        """,
    ),
    "sigma_prior_floor": Param(
        0.01, "float", _positive_real, "Lower bound of that quantile (KIRC: 1e-3)."
    ),
    "sigma_prior_chi2_quantile": Param(
        0.9,
        "float",
        [Interval(Real, 0, 1, closed="neither")],
        "Chi-squared quantile in the prior scale (KIRC: 0.1).",
    ),
}

MONITOR: dict[str, Param] = {
    "monitor": Param(
        "loss",
        '{"loss", "reconstruction"}',
        [StrOptions({"loss", "reconstruction"})],
        """
        What early stopping (and ``score``) watches on the held-out data.
        ``"loss"``: the validation loss (under ``"paper"`` the total loss, as the
        reference implementation; under ``"elbo"`` its data terms). With the
        paper's objective that loss falls almost linearly for thousands of epochs
        because the learned sigmas shrink towards their prior floor, so early
        stopping does not fire. ``"reconstruction"``: the sum over omics of each
        omic's held-out mean squared reconstruction error, which does not depend
        on sigma. On TCGA BRCA neither made the paper objective stop at its best
        embedding (README, "Objective study"): the raw error is noisy enough to
        stop a few hundred epochs in, and averaged weights (``ema_decay``) keep
        improving it long after the embedding's subtype structure has peaked.
        """,
    ),
}

BALANCE: dict[str, Param] = {
    "omic_balance": Param(
        "features",
        '{"features", "omics"}',
        [StrOptions({"features", "omics"})],
        """
        ``objective="elbo"`` only: how omics of different sizes share the
        likelihood. ``"features"``: every feature counts once (the likelihood of
        the concatenated data), so an omic's weight grows with its number of
        features. ``"omics"``: omic v's log-likelihood is multiplied by
        ``mean(D) / D_v``, so every omic weighs as much as an omic of average
        size (a tempered likelihood; the paper's objective balances omics this way
        by averaging each omic's reconstruction over its features). Balancing
        helps when a small omic carries the signal (nutrimouse: 21 lipids
        against 120 genes, the diets differ in lipids; POEMS k-means ACC 0.75
        -> 0.83 over 5 splits, cross-validated k-NN accuracy 0.17 -> 0.54) and
        did not on TCGA BRCA (1000 / 1000 / 503 features, 5 splits: k-means ACC
        0.558 -> 0.543, k-NN ACC 0.793 -> 0.785, NMI 0.454 -> 0.458), hence the
        default ``"features"`` (README, "Objective study"). When the omics
        differ much in size, or a small omic matters, choose it by
        cross-validation (``examples/model_selection.py``).
        """,
    ),
}

SUBSETS: dict[str, Param] = {
    "omic_dropout": Param(
        0.0,
        "float",
        [Interval(Real, 0, 1, closed="both")],
        """
        Probability that a training sample's posterior is inferred from a random
        proper subset of its observed omics (drawn uniformly from the non-empty
        proper subsets) instead of from all of them, while the likelihood still
        counts every observed omic. The objective is then the expected ELBO over
        subsets of experts (the subsampled objective of multimodal VAEs, Wu and
        Goodman 2018; Sutter et al. 2021), so each omic's expert learns to infer
        the shared factors on its own, which is what inference for a patient
        with a missing omic (``transform``, ``impute``) relies on: on planted
        data, imputing a hidden omic gave R^2 0.54-0.58 over 3 seeds with 0.5
        against -0.04-0.62 without; on TCGA BRCA (split 0) the hidden miRNA of
        test patients was imputed with R^2 0.06, against -0.15 for the paper's
        configuration and -0.05 for training means. On TCGA BRCA (POEMS, ``beta=4``) it raised
        the test k-means ACC / NMI of the embedding from 0.54 / 0.42 (3 splits)
        to 0.57 / 0.46 (5 splits), and in POEM (split 0) it let the miRNA expert
        alone find the subtypes (its k-means ACC 0.33 -> 0.57). More of it
        does not help: 0.75 gave k-means ACC / NMI / k-NN ACC 0.546 / 0.454 /
        0.788 against 0.558 / 0.454 / 0.793 for 0.5 (POEMS, 5 splits), and
        the same scores on nutrimouse. 0 trains
        on the full product only (the paper). Validation and ``transform``
        always use every observed omic.
        """,
    ),
}


def resolve_beta(beta: float | None, objective: str, n_features: int, n_latent: int) -> float:
    """The KL weight of ``beta=None``: 1 under ``"paper"``, ``D / (20 K)`` under ``"elbo"``.

    >>> resolve_beta(None, "elbo", 2503, 32), resolve_beta(None, "paper", 2503, 32), resolve_beta(2.0, "elbo", 10, 2)
    (3.9109375, 1.0, 2.0)
    """
    if beta is not None:
        return float(beta)
    return 1.0 if objective == "paper" else n_features / (20.0 * n_latent)


#: the defaults of POEMS and POEM, chosen by the objective study (README): the
#: principled objective with one noise scale per omic and subset training.
#: MODELS.md's configuration is :data:`skpoems.PAPER_CONFIG`.
POE_DEFAULTS: dict[str, Any] = {"objective": "elbo", "noise": "omic", "omic_dropout": 0.5}

#: the POEMS / POEM encoder-gating-likelihood stack.
POE: dict[str, Param] = {
    name: (param.with_default(POE_DEFAULTS[name]) if name in POE_DEFAULTS else param)
    for name, param in {**ENCODER, **GATING, **LIKELIHOOD, **BALANCE, **MONITOR, **SUBSETS}.items()
}

#: the likelihood defaults of MOCSS-SparseVAE's sparse specific branches, chosen
#: by the same study (README, "POEM and MOCSS-SparseVAE"): the principled
#: objective with one noise scale per omic. MODELS.md's configuration is
#: :data:`skpoems.PAPER_CONFIG`.
MOCSS_SPARSE_DEFAULTS: dict[str, Any] = {"objective": "elbo", "noise": "omic"}

#: the likelihood parameters of MOCSS-SparseVAE.
MOCSS_SPARSE_LIKELIHOOD: dict[str, Param] = {
    name: (param.with_default(MOCSS_SPARSE_DEFAULTS[name]) if name in MOCSS_SPARSE_DEFAULTS else param)
    for name, param in LIKELIHOOD.items()
}
# each specific branch is a single-omic sparse VAE with a KL weight of its own
MOCSS_SPARSE_LIKELIHOOD["beta"] = replace(
    MOCSS_SPARSE_LIKELIHOOD["beta"],
    doc="""
    Weight of the KL term of each specific branch (a single-omic sparse VAE).
    ``None`` picks it per branch from the objective (see :func:`resolve_beta`):
    1 under ``"paper"`` (MODELS.md); under ``"elbo"``, ``D_v / (20 K)`` for the
    ``D_v`` features of omic ``v`` and ``K = n_components``, the normalised beta
    0.05 of POEMS applied to each branch's own data. The values used are
    ``module_.specific[v].beta``. A number sets every branch's weight.
    """,
)

MOCSS_SPARSE_LIKELIHOOD["dropout"] = replace(
    MOCSS_SPARSE_LIKELIHOOD["dropout"],
    doc="Dropout probability in the specific branches' sparse decoders (the encoders have none, as in MOCSS).",
)

MOCSS: dict[str, Param] = {
    "encoder_hidden": Param(
        (512, 256, 128),
        "tuple of int",
        ["array-like"],
        """
        Hidden layer sizes of every encoder (shared and specific); decoders mirror
        them. MOCSS uses tanh activations and a sigmoid output.
        """,
    ),
    "projection_dim": Param(
        8, "int", _positive_int, "Output size of the projection heads (K -> K -> projection_dim)."
    ),
    "temperature": Param(0.4, "float", _positive_real, "Temperature of the NT-Xent contrastive loss."),
    "reconstruction_weight": Param(
        0.7, "float", _non_negative_real, "Weight of the normalised reconstruction losses."
    ),
}

# (MOCSS-SparseVAE lists this group after MOCSS, so these texts replace MOCSS's)
MOCSS_SPARSE_LIKELIHOOD["encoder_hidden"] = replace(
    MOCSS["encoder_hidden"],
    doc="""
    Hidden layer sizes of every encoder (shared and specific, tanh). The shared
    decoders mirror them and end in a sigmoid; the specific branches' sparse
    decoders have one hidden layer of ``decoder_hidden`` units instead.
    """,
)

SPARSE: dict[str, Param] = {
    "lambda0": Param(5.0, "float", _positive_real, "Spike scale of the spike-and-slab lasso prior on W."),
    "lambda1": Param(0.5, "float", _positive_real, "Slab scale of the spike-and-slab lasso prior on W."),
    "theta_a": Param(1.0, "float", _positive_real, "Beta(a, b) prior on each factor's slab probability theta: a."),
    "theta_b": Param(
        None,
        "float or None",
        [Interval(Real, 0, None, closed="neither"), None],
        "Beta(a, b) prior on theta: b. ``None`` uses ``n_features_v / 10`` per omic. "
        "The EM update of theta is clipped to [1e-6, 1 - 1e-6], which binds only for "
        "omics of fewer than about 10 features (MODELS.md's formula can exceed 1 there).",
    ),
    "row_normalize": Param(
        False,
        "bool",
        ["boolean"],
        "Use ``|W| + 1e-6`` with each row scaled to sum 1 as the decoder mask.",
    ),
    "components_learning_rate": Param(
        None,
        "float or None",
        [Interval(Real, 0, None, closed="neither"), None],
        """
        Step size of the optimiser for the feature-to-factor matrices W alone;
        ``None`` uses ``learning_rate`` (MODELS.md: one AdamW over all
        parameters). Adam moves every parameter by about its step size per step,
        and W starts at N(0, 1), far larger than the network weights, so at
        POEMS' default 9e-4 a fit that early stopping ends after a few thousand steps
        leaves W near its initialisation: on the 400-sample planted data of the
        tests, default fits found the planted factors in the embedding but
        W's top features only with precision 0.27-0.32 (chance 0.20), while
        ``components_learning_rate=9e-3`` gave 0.97-1.00 with the same stopping
        epochs. Set it when you read W (biomarkers) from a fit of a small
        cohort; without it, ``inspection.top_features(est, X=X)`` ranks by the
        decoder's gradients, which found the planted groups of those default
        fits (precision 1.00). Not the default: on TCGA BRCA it lowered the k-means scores of
        the embedding on every split tried (stratified splits 0 and 3, one
        thread: k-means ACC / NMI 0.471 / 0.411 and 0.497 / 0.444 against 0.571 /
        0.500 and 0.586 / 0.457 for the default; k-NN ACC 0.774 and 0.800
        against 0.785 and 0.774; README).
        """,
    ),
}


#: fitted attributes every estimator has, rendered where a class docstring says
#: ``{attributes}``.
FITTED_ATTRIBUTES = """\
omic_dims_ : tuple of int
    Number of features of each omic.
omic_names_ : list of str
    Omic names (from dict keys, MultiIndex level 0 or DataFrame names, else
    ``"omic0"``, ``"omic1"``, ...).
n_features_in_ : int
    Total number of features over all omics.
feature_names_in_ : ndarray of shape (n_features_in_,)
    ``"omic__feature"`` names, when the input carried feature names; the
    columns' own names for one flat DataFrame split by ``omic_dims``. Either
    spelling is accepted at transform, in any input form.
module_ : torch.nn.Module
    The fitted torch module (:class:`skpoems._modules.PoEVAE` or
    :class:`skpoems._modules.MOCSS`).
n_components_ : int
    ``n_components`` of the fit (the output size until the next fit, whatever
    ``set_params`` does meanwhile).
embedding_ : ndarray of shape (n_samples, n_features_out)
    ``transform`` of the samples passed to ``fit`` (validation part included),
    as an array. :func:`skpoems.inspection.top_features` and
    :func:`~skpoems.inspection.decoder_attributions` differentiate the decoder
    there when no samples are passed. A saved model carries it: the training
    patients' embedding goes wherever the model file goes.
n_iter_ : int
    Number of epochs run.
best_iter_ : int
    Epoch whose weights were kept: the best validation epoch, or without early
    stopping the last epoch (the best finite one after a divergence).
stop_reason_ : str
    Why training ended: ``"no_improvement"`` (patience ran out),
    ``"converged"`` (``convergence_tol``), ``"max_iter"``, ``"diverged"``
    (non-finite loss; the best finite weights were kept) or ``"interrupted"``
    (Ctrl-C: the best weights of the completed epochs were kept, and ``fit``
    raised the KeyboardInterrupt again).
loss_curve_ : list of float
    Training loss per epoch.
validation_scores_ : list of float
    Minus the validation loss per epoch (empty without early stopping).
best_validation_score_ : float
    Minus the raw validation loss of the kept weights (only with early stopping).
init_scores_ : ndarray of shape (n_init,)
    Minus the held-out loss (without early stopping: the training loss) of
    each init's kept weights, in eval mode; the fit kept the init with the
    highest (the attributes above describe that init). After a warm start
    (which continues the kept init alone), shape (1,): that continuation's.
history_ : list of dict
    Per epoch: training and validation loss and each loss term by omic (wrap
    in ``pandas.DataFrame`` to plot); with ``monitor_smoothing > 0`` also
    ``monitored_smoothed``, the average early stopping watched; ``time_s``, the
    epoch's wall-clock seconds (training and validation).
batch_size_ : int
    Minibatch size actually used.
n_train_samples_ : int
    Number of samples trained on (those passed to fit minus the validation part).
device_ : str
    Device the model was trained on.
"""


#: the attribute of the models with sparse decoders.
COMPONENTS_ATTRIBUTE = """\
components_ : list of ndarray of shape (n_features_v, n_components)
    The sparse feature-to-factor matrix W of each omic (row ``j`` says which
    latent factors feature ``j`` depends on).
"""

#: the attribute of the models with a gating network.
GATING_ATTRIBUTE = """\
gating_weights_ : ndarray of shape (n_samples, n_omics)
    Gating weights alpha of the samples passed to ``fit``: each omic's weight in
    the product of experts (rows sum to 1; 0 for an omic a sample lacks).
"""


def with_params(*groups: dict[str, Param], attributes: str = "") -> Callable[[_C], _C]:
    """Class decorator: explicit ``__init__``, constraints and docstring from params.

    The first parameter is positional-or-keyword, the others keyword-only (the
    scikit-learn convention). ``__init__`` only stores its arguments. A line
    ``    {parameters}`` in the class docstring is replaced by the "Parameters"
    section, and a line ``    {attributes}`` by the "Attributes" section:
    ``attributes`` (model-specific entries) then :data:`FITTED_ATTRIBUTES`.

    Type checkers cannot run the decorator, so each decorated class also spells
    out the same ``__init__`` (and its parameters' attribute types) in an ``if
    TYPE_CHECKING:`` block; ``tests/test_typing.py`` checks that the two agree.
    """
    params: dict[str, Param] = {}
    for group in groups:
        params.update(group)
    names = list(params)

    def decorate(cls: _C) -> _C:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            bound = __init__.__signature__.bind(self, *args, **kwargs)
            bound.apply_defaults()
            for name in names:
                setattr(self, name, bound.arguments[name])

        sig_params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        for i, name in enumerate(names):
            kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if i == 0 else inspect.Parameter.KEYWORD_ONLY
            sig_params.append(inspect.Parameter(name, kind, default=params[name].default))
        __init__.__signature__ = inspect.Signature(sig_params)
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        __init__.__doc__ = f"Store the parameters of {cls.__name__} (see the class docstring)."
        cls.__init__ = __init__
        constraints = dict(getattr(cls, "_parameter_constraints", {}))
        for name, p in params.items():
            constraints[name] = [_resolve(c) for c in p.constraint]
        cls._parameter_constraints = constraints
        if cls.__doc__:
            rendered = "".join(p.render(name) for name, p in params.items())
            sections = (
                ("{parameters}", "Parameters\n----------\n" + rendered),
                ("{attributes}", "Attributes\n----------\n" + attributes + FITTED_ATTRIBUTES),
            )
            for key, text in sections:
                block = "\n".join("    " + line if line else "" for line in text.rstrip().splitlines())
                cls.__doc__ = cls.__doc__.replace("    " + key, block)
        return cls

    return decorate


class _DeviceName(StrOptions):
    """``"auto"``, ``"cpu"``, ``"cuda"``, ``"mps"``, or one of the devices with an
    index (``"cuda:1"``), as torch spells a device."""

    def __init__(self) -> None:
        super().__init__({"auto", "cpu", "cuda", "mps"})

    def is_satisfied_by(self, val: Any) -> bool:
        if not isinstance(val, str):
            return False
        kind, colon, index = val.partition(":")
        if not colon:
            return val in self.options
        return kind in ("cpu", "cuda", "mps") and index.isascii() and index.isdigit()

    def __str__(self) -> str:
        return "a str among {'auto', 'cpu', 'cuda', 'mps'} or 'cuda:<index>'"


def _resolve(constraint: Any) -> Any:
    if constraint == "torch.device":
        import torch

        return torch.device
    return constraint
