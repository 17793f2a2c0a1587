"""The scikit-learn side shared by every skpoems estimator.

:class:`_BaseOmicsTransformer` owns input validation (any number of omics in any of
the accepted forms), the minibatch training loop, early stopping, seeding, device
placement, history attributes and pickling. Subclasses only say which torch module
to build (``_build_module``) and which optimiser to use.
"""

from __future__ import annotations

import copy
import functools
import inspect
import itertools
import math
import sys
import threading
import time
import warnings
import weakref
from abc import abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from numbers import Integral
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_array, check_is_fitted
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm.auto import tqdm

from ._omics import (
    LINEAR_SCALE_SKEWNESS,
    OmicInputMixin,
    _check_label_order,
    _is_polars,
    _polars_frame,
    _same_sequence,
    as_omic_blocks,
    check_input_features,
    check_missing_pattern,
    flat_feature_names,
    linear_scale_skewness,
    numbers_not_text,
    outlier_samples,
    sample_index,
)
from ._params import training
from .utils._torch import RowNoise, float32_default, resolve_device, row_keys, seed_from_rng, training_mode_of_torch
from .utils._warnings import user_stacklevel

if TYPE_CHECKING:
    from collections.abc import Sequence


def _like_input(X: Any, blocks: list[np.ndarray], names: list[str]) -> Any:
    """Put per-omic blocks (in the fitted omic order ``names``) back into the
    container type and labels of ``X``; a dict comes back in the fitted order, a
    polars omic as a polars DataFrame with its column names."""
    import pandas as pd

    from ._omics import _foreign_frame_to_pandas

    def like(x: Any, b: np.ndarray, name: str) -> Any:
        if _is_polars(x):
            return _polars_frame(b, x.columns)
        x = _foreign_frame_to_pandas(x, name)
        return pd.DataFrame(b, index=x.index, columns=x.columns) if isinstance(x, pd.DataFrame) else b

    if isinstance(X, Mapping):  # keyed as X is (its keys are the omic names as text)
        by_name = {str(k): (k, x) for k, x in X.items()}
        return {by_name[name][0]: like(by_name[name][1], b, name) for name, b in zip(names, blocks)}
    if isinstance(X, (list, tuple)) and all(getattr(x, "ndim", 2) == 2 and len(np.shape(x)) == 2 for x in X):
        return _same_sequence(X, [like(x, b, name) for x, b, name in zip(X, blocks, names)])
    flat = np.concatenate(blocks, axis=1)
    if isinstance(X, pd.DataFrame):
        return pd.DataFrame(flat, index=X.index, columns=X.columns)
    if _is_polars(X):
        return _polars_frame(flat, X.columns)
    return flat



#: parameters of the training loop, which may change between warm-started fits
#: (``omic_dims`` describes the input, which is checked on its own)
_LOOP_PARAMETERS = frozenset(training(1, 1.0, 0.0)) | {"components_learning_rate", "omic_dims"}


def _observed_range(block: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    """(min, max) of the rows of ``block`` marked in ``rows`` (at least one),
    a few thousand rows at a time, without a copy of the whole block."""
    if rows.all():
        return float(block.min()), float(block.max())
    low, high = np.inf, -np.inf
    for start in range(0, len(block), 4096):
        part = block[start : start + 4096][rows[start : start + 4096]]
        if part.size:
            low, high = min(low, float(part.min())), max(high, float(part.max()))
    return low, high


def _to_tensor(block: np.ndarray, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A C-contiguous tensor copy of ``block`` (one copy, whatever its layout: the
    blocks may be the caller's arrays, Fortran-ordered or read-only; a reversed
    view, which torch cannot read, is copied by numpy first)."""
    if any(stride < 0 for stride in block.strides):
        block = np.ascontiguousarray(block)
    x = torch.empty(block.shape, dtype=dtype, device=device)
    with warnings.catch_warnings():  # read, never written
        warnings.filterwarnings("ignore", "The given NumPy array is not writable")
        x.copy_(torch.from_numpy(block))
    return x


def _same_value(a: Any, b: Any) -> bool:
    """Parameter equality that treats lists, tuples and arrays alike."""
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        try:
            return np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
        except (TypeError, ValueError):
            return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b

#: samples per chunk when embedding or evaluating without gradients (at most:
#: see _eval_chunk)
_EVAL_CHUNK = 4096
#: bytes of float64 input per such chunk: wide cohorts (tens of thousands of
#: features) are evaluated a few hundred samples at a time, not all at once
_EVAL_CHUNK_BYTES = 256 * 2**20


def _eval_chunk(n_features: int) -> int:
    """Samples per evaluation chunk of inputs with ``n_features`` features in all."""
    return max(1, min(_EVAL_CHUNK, _EVAL_CHUNK_BYTES // max(1, 8 * int(n_features))))


#: the float64 copy of the model last evaluated on float64 data (one at a time,
#: dropped with its model): see _float64_copy
_FLOAT64_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FLOAT64_LOCK = threading.Lock()


def _float64_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A float64 copy of ``module`` in eval mode, without parameter gradients,
    on the module's device, for evaluating float64 data.

    Copying a model costs more than evaluating a few samples (about 40 ms at
    40,000 features against 2 ms for one sample), so the copy of the model
    last asked for is kept for as long as its parameters and buffers stay the
    same ones, on the same device, unmodified in place (their version
    counters: an optimizer step or ``load_state_dict`` bumps them, a write
    through ``param.data`` does not), and dropped with the model. Callers must
    not modify it.
    """
    key = tuple(
        (str(t.device), t.data_ptr(), t._version)
        for t in itertools.chain(module.parameters(), module.buffers())
    )
    with _FLOAT64_LOCK:
        hit = _FLOAT64_COPIES.get(module)
        if hit is not None and hit[0] == key:
            return hit[1]
    copied = copy.deepcopy(module).double().eval().requires_grad_(False)
    with _FLOAT64_LOCK:
        _FLOAT64_COPIES.clear()
        _FLOAT64_COPIES[module] = (key, copied)
    return copied

#: an omic whose 99th percentile of |x| exceeds this, or whose peak exceeds
#: _SCALE_PEAK, triggers a warning to scale the data. One omic of ages (about 60)
#: beside min-max scaled ones wrecked the fit of every omic without a word when
#: the warning looked at the peak above 1e3 alone; z-scores (whose peak grows as
#: sqrt(n) for a feature that one sample sets apart), M-values and log2
#: expression have a 99th percentile below 20.
_SCALE_WARNING = 20.0
_SCALE_PEAK = 1e3
#: a new sample whose largest |value| of an omic exceeds this many times the
#: omic's largest at fit gets a warning (_check_within_fit): min-max scaled
#: training data peaks at 1, and values of 10 mean ten ranges beyond it.
_BEYOND_FIT = 10.0
#: values of |x| the percentile is taken over, at most (a strided sample beyond).
_SCALE_SAMPLE = 1_000_000
#: how far outside [0, 1] the input of a sigmoid-output model may go unwarned.
_UNIT_TOLERANCE = 0.1
#: an omic that some training samples lack and fewer than this many have is named
_FEW_SAMPLES = 10
#: seed of the reparameterisation noise used when evaluating a loss (validation,
#: ``score``; see RowNoise): fixed, so the monitored loss is deterministic and
#: comparable across epochs.
_EVAL_SEED = 0

#: the estimator a method returns itself as (``typing.Self`` needs Python 3.11)
_Self = TypeVar("_Self", bound="_BaseOmicsTransformer")


def _package_version() -> str:
    from . import __version__

    return __version__


def _parameter_defaults(cls: type) -> dict[str, Any]:
    """Each constructor parameter's default value."""
    signature = inspect.signature(cls.__init__)
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


@dataclass
class _Omics:
    """Validated input: float blocks with missing blocks zero-filled, plus masks."""

    blocks: list[np.ndarray]  # (n, D_v) float32/float64, NaN blocks replaced by 0
    observed: np.ndarray  # (n, V) bool
    dtype: np.dtype
    index: pd.Index | None = None  # the samples' row labels, if the input has them

    @property
    def n_samples(self) -> int:
        return self.blocks[0].shape[0]

    @property
    def complete(self) -> bool:
        return bool(self.observed.all())

    def take(self, rows: np.ndarray) -> _Omics:
        """The samples at positions ``rows``."""
        return _Omics(
            [b[rows] for b in self.blocks],
            self.observed[rows],
            self.dtype,
            None if self.index is None else self.index[rows],
        )


#: what ``_train`` sets, kept from the best of ``n_init`` trainings
_PER_INIT_ATTRIBUTES = (
    "module_",
    "loss_curve_",
    "validation_scores_",
    "history_",
    "stop_reason_",
    "n_iter_",
    "best_iter_",
    "best_validation_score_",
)

#: what earlier versions kept on the estimator during fit for the training loop
#: alone (now passed as :class:`_InputNotes`); dropped from their pickles on loading
_TRAINING_ONLY_ATTRIBUTES = ("_unscaled", "_outliers", "_linear_scale")


class _InputNotes(NamedTuple):
    """What the checks before training found in the input, named again if the
    loss diverges (training-only: not kept on the estimator)."""

    unscaled: dict[str, float]  # omic -> peak |value|, for omics not on a small scale
    outliers: dict[str, np.ndarray]  # omic -> rows of its outlier samples
    linear_scale: Collection[str]  # omics that look like linear-scale abundances


@dataclass(kw_only=True, eq=False, repr=False)
class _EarlyStopping:
    """Early stopping's state over one call of ``_train``: the best weights and
    their epoch, the criterion it compares (the monitored loss, smoothed when
    ``smoothing > 0``), the patience counter and the convergence window.

    ``best_loss`` is the raw monitored loss of the kept weights, ``best_criterion``
    the (smoothed) value that early stopping compares. ``fallback`` is
    ``(state, epoch)`` of the weights a warm start began from, kept if training
    diverges before any finite epoch.
    """

    tol: float
    n_iter_no_change: int | None
    convergence_tol: float | None
    smoothing: float
    # epochs 1 to warmup (kl_warmup) are the warm-up, the last at full beta but
    # trained with less: patience counts from the first epoch after it
    warmup: int
    fallback: tuple[dict, int] | None = None
    best_loss: float = field(default=math.inf, init=False)
    best_criterion: float = field(default=math.inf, init=False)
    best_state: dict | None = field(default=None, init=False)
    best_epoch: int = field(default=0, init=False)
    smoothed: float | None = field(default=None, init=False)
    no_improvement: int = field(default=0, init=False)
    criteria: list[float] = field(default_factory=list, init=False)
    start: tuple[float, dict, int] | None = field(default=None, init=False)  # (raw held-out loss, state, epoch)

    @property
    def window(self) -> int | None:
        """Epochs of the convergence test (convergence_tol), which compares the
        last window's fall of the criterion with its fall since the first epoch."""
        if self.n_iter_no_change is None or self.convergence_tol is None:
            return None
        return 2 * self.n_iter_no_change

    def start_from(self, loss: float, state: dict, epoch: int, kept: dict[str, Any]) -> None:
        """Begin from a warm start's weights ``state`` (of ``epoch``, whose history
        record is ``kept``), with their finite held-out ``loss``: they stay unless
        an epoch improves on them."""
        self.best_loss = self.best_criterion = self.smoothed = loss
        self.best_state, self.best_epoch = state, epoch
        self.start = (loss, state, epoch)
        if self.smoothing > 0 and "monitored_smoothed" in kept and kept.get("validation_loss") == loss:
            # the same validation split (the kept epoch's loss again): go on
            # from the smoothed criterion that chose these weights. Their raw
            # loss is the least of noisy values, below the smoothed curve,
            # which then rarely beat it within the patience: continuations
            # stopped after n_iter_no_change epochs on the old weights
            self.best_criterion = self.smoothed = kept["monitored_smoothed"]

    def smooth(self, monitored: float) -> float | None:
        """Fold a finite ``monitored`` loss into the moving average and return
        it; None when not smoothing (or for a non-finite loss)."""
        if self.smoothing > 0 and math.isfinite(monitored):
            s = self.smoothed
            self.smoothed = monitored if s is None else self.smoothing * s + (1 - self.smoothing) * monitored
            return self.smoothed
        return None

    def update(
        self, epoch: int, train_loss: float, monitored: float, smoothed: float | None, weights: torch.nn.Module
    ) -> str | None:
        """Take epoch ``epoch`` (1-based) into account, keeping a copy of the
        ``weights``' state if its criterion improved; return why training stops
        (``"diverged"``, ``"no_improvement"``, ``"converged"``) or None."""
        if not (math.isfinite(train_loss) and math.isfinite(monitored)):
            if self.best_state is None and self.fallback is not None:
                self.best_state, self.best_epoch = self.fallback
            return "diverged"
        criterion = monitored if smoothed is None else smoothed
        self.criteria.append(criterion)
        # tol decides only the patience, as in scikit-learn's MLP: the weights
        # kept are those of the best epoch, whatever it improved by (with a tol,
        # the kept weights were those of an earlier epoch than the best)
        patience_reset = criterion < self.best_criterion - self.tol
        if criterion < self.best_criterion:
            # (the copy first: an interrupt never leaves best_epoch naming
            # other weights than best_state)
            state = copy.deepcopy(weights.state_dict())
            self.best_loss, self.best_criterion, self.best_epoch, self.best_state = monitored, criterion, epoch, state
        if patience_reset:
            self.no_improvement = 0
        elif epoch > self.warmup:
            self.no_improvement += 1
        if self.n_iter_no_change is not None and self.no_improvement >= self.n_iter_no_change:
            return "no_improvement"
        criteria, window = self.criteria, self.window
        if (
            window is not None
            and len(criteria) > window
            and epoch > self.warmup + window
            and criteria[-1 - window] - criteria[-1] < self.convergence_tol * (criteria[0] - criteria[-1])
        ):
            return "converged"
        return None

    def kept(self) -> tuple[float, dict | None, int]:
        """``(raw loss, state, epoch)`` of the weights to keep after training."""
        if self.start is not None and not self.best_loss <= self.start[0]:
            # the smoothed criterion chose an epoch whose own held-out loss is worse
            # than the starting weights' (after a steep descent the kept epoch's
            # smoothed value sits far above its raw loss): keep those, so that a
            # warm fit never returns a worse model on its validation split
            self.best_loss, self.best_state, self.best_epoch = self.start
        return self.best_loss, self.best_state, self.best_epoch


class _BaseOmicsTransformer(OmicInputMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base class: validation, training loop and the fitted-state contract."""

    #: filled by :func:`skpoems._params.with_params` on each estimator.
    _parameter_constraints: dict = {}

    #: the optimiser of the model's paper configuration: "adamw" or "adam".
    _optimizer: str = "adamw"

    #: whether the model reconstructs the omics through a sigmoid (MOCSS; one
    #: affine map per omic after it): fit warns about values outside [0, 1].
    _sigmoid_reconstruction: bool = False

    if TYPE_CHECKING:
        # the parameters every model has, for type checkers (with_params sets them
        # at run time; each model's own are declared in its class or base class,
        # and tests/test_typing.py checks all against the run-time signature)
        n_components: int
        omic_dims: Sequence[int] | np.ndarray | None
        encoder_hidden: Sequence[int] | np.ndarray
        batch_size: int
        learning_rate: float
        weight_decay: float
        max_iter: int
        warm_start: bool
        ema_decay: float
        early_stopping: bool
        validation_fraction: float
        n_iter_no_change: int | None
        tol: float
        convergence_tol: float | None
        monitor_smoothing: float
        n_init: int
        random_state: int | np.random.RandomState | None
        device: Literal["auto", "cpu", "cuda", "mps"] | torch.device
        verbose: int

        # the fitted torch module (PoEVAE or MOCSS), declared Any: torch types the
        # submodules reached through it (module_.decoders, ...) as Tensor | Module
        module_: Any

        # scikit-learn's set_output (inherited), declared with the type it returns
        def set_output(
            self: _Self,
            *,
            transform: Literal["default", "pandas", "polars"] | None = None,
        ) -> _Self:
            """Set the output container of ``transform`` and ``fit_transform``."""
            ...

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_module(self, omics: _Omics) -> torch.nn.Module:
        """Build the torch module from parameters and training-data statistics."""

    @property
    def _n_features_out(self) -> int:
        # the fitted size: set_params(n_components=...) on a fitted model changes
        # nothing until it is fitted again
        return getattr(self, "n_components_", self.n_components)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output feature names: the class name in lower case and the column number.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked for consistency with ``feature_names_in_`` (the output
            columns are the factors, not input features): its ``"omic__feature"``
            names, the ``(omic, feature)`` columns of a MultiIndex frame, or
            scikit-learn's generic ``x0, x1, ...`` (a ``ColumnTransformer``'s
            names for such columns).

        Returns
        -------
        ndarray of str of shape (n_features_out,)
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        return super().get_feature_names_out(None)

    # ------------------------------------------------------------- validation
    def _new_omics(self, X: Any) -> _Omics:
        """``X`` validated against the fit, for the fitted model's methods
        (transform, impute, score, ...), with :meth:`_check_within_fit`."""
        omics = self._validate_omics(X, reset=False)
        self._check_within_fit(omics)
        return omics

    def _check_within_fit(self, omics: _Omics) -> None:
        """Warn about samples far outside the values the model was fitted on.

        A sample whose largest ``|value|`` of an omic is above ``_BEYOND_FIT``
        times that omic's largest at fit is on another scale (linear values where
        the fit had logs, or scaled by another scaler) or has a value in other
        units; the encoders extrapolate it, silently, to embeddings thousands of
        times the fitted ones. (Models pickled before this check: no check.)"""
        peaks = getattr(self, "_fit_peaks", None) or {}
        for v, (name, block) in enumerate(zip(self.omic_names_, omics.blocks)):
            fit_peak = peaks.get(name)
            if not fit_peak or block.size == 0:
                continue
            # |value| per sample without an |block| copy (600 x 100,000 float32:
            # 0.30 s and 240 MB with np.abs first); a missing omic's rows are 0
            sample_peak = np.maximum(block.max(axis=1), -block.min(axis=1))
            far = np.flatnonzero(sample_peak > _BEYOND_FIT * fit_peak)
            if not far.size:
                continue
            names = [omics.index[i] if omics.index is not None else int(i) for i in far[:3]]
            # the features of those samples beyond the fit's peak, largest first
            feature_peak = np.abs(block[far]).max(axis=0)
            beyond = np.flatnonzero(feature_peak > _BEYOND_FIT * fit_peak)
            beyond = beyond[np.argsort(-feature_peak[beyond], kind="stable")]
            features = [str(f) for f in self.omic_feature_names()[v][beyond[:3]]]
            warnings.warn(
                f"Omic {name!r}: {far.size} of {len(block)} samples have values beyond "
                f"{_BEYOND_FIT:g} times the largest seen at fit (up to {sample_peak.max():.3g}; "
                f"at fit {fit_peak:.3g}), e.g. sample(s) {', '.join(map(repr, names))}, in "
                f"{beyond.size} feature(s), e.g. {', '.join(map(repr, features))}. "
                "Their embedding extrapolates far outside the data the model learnt from: "
                "check that they are on the fit's scale (the same units, log or linear as at "
                "fit, scaled by the scaler fitted with the model). A feature almost constant "
                "in the training data, which min-max scaling stretches, can do this too.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def _validate_omics(self, X: Any, *, reset: bool) -> _Omics:
        """Validate X in any accepted form; set or check the fitted input metadata."""
        blocks, names, Xv = self._validate_omic_blocks(X, reset=reset)
        index = sample_index(X)
        observed = check_missing_pattern(blocks, names, index)
        if reset and not observed.all(axis=0).all():
            absent = [names[v] for v in np.flatnonzero(~observed.any(axis=0))]
            if absent:
                raise ValueError(
                    f"Omic {absent[0]!r} is missing (all NaN) in every sample, so there is "
                    "nothing to learn its decoder from. Drop it, or fit on samples that "
                    "have it."
                )
        if not observed.all():
            # missing blocks as zeros; a copy only of the omics that some sample lacks
            blocks = [
                b if observed[:, v].all() else np.where(observed[:, [v]], b, 0.0).astype(b.dtype, copy=False)
                for v, b in enumerate(blocks)
            ]
        return _Omics(list(blocks), observed, Xv.dtype, index)

    def _check_trainable_omics(self, omics: _Omics, train: _Omics, val_idx: Any) -> None:
        """Every omic needs a training sample that has it: its decoder (and its
        noise scale) would otherwise learn nothing, and the losses become absurd
        (about -1e11) without any error. (The validation split can leave an omic
        that few samples have out of the training part.)"""
        counts = train.observed.sum(axis=0)
        for v in np.flatnonzero(counts < 1):
            name = self.omic_names_[v]
            held_out = (
                f" after holding out {len(val_idx)} samples for early stopping "
                f"(validation_fraction={self.validation_fraction:g}); {int(omics.observed[:, v].sum())} "
                "samples have it in all" if val_idx is not None and len(val_idx) else ""
            )
            raise ValueError(
                f"Omic {name!r} is observed in {int(counts[v])} of the {train.n_samples} "
                f"training samples{held_out}, so there is nothing to learn its decoder "
                "from: fit on more samples with this omic, drop it"
                + (", or set early_stopping=False" if held_out else "")
                + "."
            )
        for v in np.flatnonzero((counts < _FEW_SAMPLES) & (counts < train.n_samples)):
            warnings.warn(
                f"Omic {self.omic_names_[v]!r} is observed in only {int(counts[v])} of the "
                f"{train.n_samples} training samples: its decoder, and every reconstruction "
                "or imputation of it, rest on that many samples.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        for v, block in enumerate(omics.blocks):
            rows = omics.observed[:, v]
            values = block if rows.all() else block[rows]
            if len(values) > 1 and block.shape[1] and not (values.max(axis=0) > values.min(axis=0)).any():
                warnings.warn(
                    f"Omic {self.omic_names_[v]!r} is the same in every sample (each of its "
                    f"{block.shape[1]} features is constant): it tells the samples nothing, "
                    "yet the model fits it like the others and its features can rank among "
                    "the top features. Check how it was read, or drop it.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
        self._warn_if_omics_unlinked(train)

    def _warn_if_omics_unlinked(self, train: _Omics) -> None:
        """Omics are put in one space only through samples that have several of
        them (the product of experts, the contrastive pairs). Omics linked to
        the others by fewer than 2 training samples, directly or through other
        omics, are fitted as separate models whose embeddings share axes by
        chance: said, naming the groups."""
        V = train.observed.shape[1]
        if V < 2 or train.observed.all():
            return
        both = train.observed.T.astype(np.int64) @ train.observed.astype(np.int64)
        group = list(range(V))  # union-find over the omics linked by >= 2 samples

        def root(v: int) -> int:
            while group[v] != v:
                v = group[v]
            return v

        for u, v in itertools.combinations(range(V), 2):
            if both[u, v] >= 2:
                group[root(u)] = root(v)
        groups: dict[int, list[str]] = {}
        for v in range(V):
            groups.setdefault(root(v), []).append(self.omic_names_[v])
        if len(groups) > 1:
            listed = " | ".join(", ".join(repr(n) for n in g) for g in groups.values())
            warnings.warn(
                f"The omics fall into {len(groups)} groups that fewer than 2 training "
                f"samples link (samples having omics of two groups): {listed}. "
                f"{type(self).__name__} aligns omics only through samples that have "
                "several of them, so each group gets its own embedding, on axes that "
                "mean different things for samples of different groups; fit on "
                "samples measured in omics of both groups, or fit the groups apart.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def _labelled(self, values: np.ndarray, omics: _Omics, columns: Any = None) -> Any:
        """``values`` as a DataFrame indexed by the samples' labels (if the input
        has them) when the estimator's transform output is pandas
        (``set_output``); else unchanged. scikit-learn's own wrapping cannot see
        the labels of a list or dict of DataFrames."""
        container = _get_output_config("transform", self)["dense"]
        if container == "polars" and columns is not None:
            # (transform's own output is wrapped by scikit-learn; this is for the
            # other methods, e.g. transform_gating, which it does not wrap)
            return _polars_frame(values, columns)
        if container != "pandas":
            return values
        return pd.DataFrame(values, index=omics.index, columns=columns)

    # ----------------------------------------------------------------- tensors
    def _tensors(
        self, omics: _Omics, device: torch.device, dtype: torch.dtype = torch.float32
    ) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        xs = [_to_tensor(b, dtype, device) for b in omics.blocks]
        observed = None if omics.complete else torch.as_tensor(omics.observed, device=device)
        return xs, observed

    @staticmethod
    def _row_tensors(
        omics: _Omics, rows: np.ndarray, device: torch.device, dtype: torch.dtype = torch.float32
    ) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        """The rows ``rows`` of each block as tensors (``_take`` of ``_tensors``), a
        few thousand rows at a time: no tensor of every sample on the way."""
        xs = []
        for b in omics.blocks:
            x = torch.empty((len(rows), b.shape[1]), dtype=dtype, device=device)
            for start in range(0, len(rows), _EVAL_CHUNK):
                part = rows[start : start + _EVAL_CHUNK]
                x[start : start + len(part)] = torch.from_numpy(b[part])  # (a fresh, writable array)
            xs.append(x)
        observed = None if omics.complete else torch.as_tensor(omics.observed[rows], device=device)
        return xs, observed

    @staticmethod
    def _observed_counts(observed: torch.Tensor | None) -> list[int] | None:
        """Per omic, the number of samples that have it (None: every sample has all)."""
        return None if observed is None else observed.sum(dim=0).tolist()

    @staticmethod
    def _take(xs: list[torch.Tensor], observed: torch.Tensor | None, idx: torch.Tensor):
        return [x.index_select(0, idx) for x in xs], (None if observed is None else observed.index_select(0, idx))

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self: _Self, X: Any, y: Any = None) -> _Self:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), DataFrame, list, tuple or dict
            The omics of the same samples: a 2-D array with ``omic_dims``, a
            DataFrame with ``(omic, feature)`` MultiIndex columns, a list/tuple of
            2-D arrays or DataFrames, or a dict ``{omic_name: block}``. A sample
            whose whole block of one omic is NaN lacks that omic.
        y : None or array-like of shape (n_samples,)
            Not used for fitting (a Pipeline passes it on to the steps after
            this one, by position). A pandas Series whose index names the
            samples of X in another order is refused: pass ``y.loc[X.index]``,
            or ``y.to_numpy()`` if the order is right.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_label_order(X, y)
        self._fit(X)
        return self

    def _check_label_order(self, X: Any, y: Any) -> None:
        """``y`` is not used here, but a Pipeline or ``cross_val_score`` passes
        it on to the steps after this one by position: refuse a Series ``y``
        whose index names the samples of X in another order (a classifier
        after the embedding then learnt other samples' labels, silently)."""
        if not isinstance(y, pd.Series):
            return
        try:
            samples = sample_index(X)
        except (TypeError, ValueError, AttributeError):
            return  # (fit reports what is wrong with X)
        if isinstance(X, dict) and X:
            data_name = f"X[{next(iter(X))!r}]"  # (a dict has no index; its tables do)
        elif isinstance(X, (list, tuple)):
            data_name = "X[0]"
        else:
            data_name = "X"
        try:
            _check_label_order(y, samples, data_name)
        except ValueError as exc:
            raise ValueError(
                f"{type(self).__name__}.fit: {exc} ({type(self).__name__} does not use y, "
                "but a Pipeline gives it to the steps after it.)"
            ) from None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X: Any, y: Any = None) -> Any:
        """Fit the model and return the embedding of ``X``.

        Same as ``fit(X).transform(X)`` (the posterior mean after training).

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            See :meth:`fit`.
        y : None or array-like of shape (n_samples,)
            See :meth:`fit`.

        Returns
        -------
        Z : ndarray or DataFrame of shape (n_samples, n_features_out)
            As :meth:`transform` returns it.
        """
        self._check_label_order(X, y)
        omics = self._fit(X)
        # embedding_ is that embedding (a copy: the caller may write into it)
        return self._labelled(self.embedding_.copy(), omics)

    def _split_validation(self, n: int, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
        idx = np.arange(n)
        if not self.early_stopping:
            return idx, idx[:0]
        if n < 2:
            raise ValueError(
                f"Early stopping holds out a validation set, which needs n_samples >= 2; "
                f"got n_samples={n}. Pass early_stopping=False to fit a single sample."
            )
        if int(np.ceil(self.validation_fraction * n)) >= n:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out all "
                f"n_samples={n} samples, leaving none to train on; lower it, or pass "
                "early_stopping=False."
            )
        train, val = train_test_split(idx, test_size=self.validation_fraction, random_state=rng)
        return np.sort(train), np.sort(val)

    def _fit(self, X: Any) -> _Omics:
        """Fit; a fit that raises leaves the estimator as it was. Interrupted
        (Ctrl-C, KeyboardInterrupt) after some epochs, it keeps the best weights
        so far, completes the fitted model and then raises the interrupt again
        (a search or a script above it stops as before)."""
        before = dict(self.__dict__)
        if self._warm():  # training goes on in the fitted module itself
            before["module_"] = copy.deepcopy(self.module_)
        try:
            omics = self._fit_unguarded(X)
        except BaseException as exc:
            trained = len(self.__dict__.get("history_", [])) - len(before.get("history_", []))
            if isinstance(exc, Exception) and trained > 0 and hasattr(exc, "add_note"):
                exc.add_note(
                    f"({type(self).__name__} failed after {trained} epoch(s) of training; the "
                    "estimator is as it was before this fit.)"
                )
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        interrupt = self.__dict__.pop("_interrupt", None)
        if interrupt is not None:
            warnings.warn(
                f"{type(self).__name__}: training interrupted "
                f"{f'({interrupt})' if str(interrupt) else 'by the user'} after epoch "
                f"{self.n_iter_}; the fitted model keeps the weights of epoch {self.best_iter_} "
                "(stop_reason_='interrupted'), ready to use, or to continue with "
                "set_params(warm_start=True).fit(X).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            raise interrupt
        return omics

    def _warm(self) -> bool:
        return bool(getattr(self, "warm_start", False)) and hasattr(self, "module_")

    def _check_warm_parameters(self) -> None:
        """A warm start continues the fitted module: refuse parameters that would
        build another model (they would be silently ignored)."""
        fitted = getattr(self, "_model_params", None)
        if fitted is None:  # a model pickled before this check existed
            return
        current = self._model_parameters()
        changed = [
            f"{name} ({fitted[name]!r} -> {current[name]!r})"
            for name in current
            if name in fitted and not _same_value(fitted[name], current[name])
        ]
        if changed:
            raise ValueError(
                f"warm_start=True continues training the fitted model, but {', '.join(changed)} "
                "changed since it was fitted and would change the model itself; only the "
                f"training loop's parameters ({', '.join(sorted(_LOOP_PARAMETERS & set(self.get_params())))}) "
                "can change between warm fits. Set warm_start=False to fit a new model, or set "
                "the parameters back."
            )

    def _check_warm_omic_dims(self, X: Any) -> None:
        """``omic_dims`` set to other sizes than the fitted ones before a warm
        start: the flat input would be split otherwise than the model was built
        for (``None`` splits it as fitted, as ``transform`` does)."""
        dims = self.omic_dims
        if dims is None or as_omic_blocks(X).layout not in ("array", "frame"):
            return
        if not _same_value(tuple(dims), tuple(self.omic_dims_)):
            raise ValueError(
                f"omic_dims is {tuple(dims)!r} but the model was fitted with omic sizes "
                f"{tuple(self.omic_dims_)!r} (omic_dims only says how to split a flat input; "
                "set it back, or to None)."
            )

    def _model_parameters(self) -> dict[str, Any]:
        """The parameters the fitted model is built from (all but the training loop's)."""
        return {k: v for k, v in self.get_params(deep=False).items() if k not in _LOOP_PARAMETERS}

    def _check_layer_sizes(self) -> None:
        """``encoder_hidden`` (scikit-learn's constraints cannot express it)."""
        sizes = self.encoder_hidden
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or not all(
            isinstance(v, Integral) and not isinstance(v, (bool, np.bool_)) and v >= 1 for v in sizes
        ):
            raise InvalidParameterError(
                f"The 'encoder_hidden' parameter of {type(self).__name__} must be a tuple of "
                f"positive ints (the hidden layer sizes; () for none). Got {sizes!r} instead."
            )

    def _fit_unguarded(self, X: Any) -> _Omics:
        self._check_layer_sizes()
        warm = self._warm()
        if warm:
            self._check_warm_parameters()
            # the same omics and features as the fitted model, or an error naming them
            # (parsed as transform parses it: a dict or MultiIndex in the fitted
            # order of the omics, a flat input split by the fitted omic_dims_)
            try:
                self._check_warm_omic_dims(X)
                omics = self._validate_omics(X, reset=False)
            except ValueError as exc:
                raise ValueError(
                    f"warm_start=True continues the fitted model, which needs the omics and "
                    f"features it was fitted on: {exc} Set warm_start=False to fit afresh."
                ) from None
        else:
            omics = self._validate_omics(X, reset=True)
            self._warn_of_omic_sizes(omics)
        outliers = self._warn_of_outlier_samples(omics)
        skewed = self._warn_if_linear_scale(omics, exclude=outliers)
        # omic -> peak |value| at fit (_check_within_fit), and those of the omics
        # not on a small scale, named again if training diverges
        self._fit_peaks, unscaled = self._warn_of_unscaled_omics(omics, named=skewed)
        notes = _InputNotes(unscaled=unscaled, outliers=outliers, linear_scale=skewed)
        # None: numpy's global generator, as scikit-learn's estimators (so that
        # np.random.seed(...) makes such fits reproducible)
        rng = check_random_state(self.random_state)
        device = resolve_device(self.device)
        train_idx, val_idx = self._split_validation(omics.n_samples, rng)
        seeds = self._init_seeds(rng)
        if warm:
            # each continuation draws its own minibatch order, dropout and noise: from
            # the seed and the epochs trained so far (the same seed every time would
            # replay one draw in every call of a loop of warm fits)
            entropy = np.random.SeedSequence([seeds[0], len(self.loss_curve_)]).generate_state(4)
            seeds = [seed_from_rng(np.random.RandomState(entropy))]
        train = _Omics([b[train_idx] for b in omics.blocks], omics.observed[train_idx], omics.dtype)
        self._check_trainable_omics(omics, train, val_idx)
        n_train = train.n_samples
        n_batches = math.ceil(n_train / min(self.batch_size, n_train))
        self.batch_size_: int = math.ceil(n_train / n_batches)
        # the paper objective's prior divisor (MODELS.md's B_cfg): the configured
        # size, kept with the fit so that score() does not follow set_params
        self._prior_batch_size = int(self.batch_size)
        self.n_train_samples_: int = n_train
        self.device_: str = str(device)
        scores, best, best_score = [], None, -math.inf
        for i, seed in enumerate(seeds):
            label = type(self).__name__ + (f" init {i + 1}/{len(seeds)}" if len(seeds) > 1 else "")
            with training_mode_of_torch(seed, device):
                # models train in float32 whatever torch's default dtype is (the data are float32)
                if warm:
                    module = self.module_
                else:
                    with float32_default():
                        module = self._build_module(train)
                if i == len(seeds) - 1:
                    del train  # a copy of the training rows, which the last model is built from
                self.module_ = module.to(device=device, dtype=torch.float32)
                self._train(omics, train_idx, val_idx, device, notes, label=label, resume=warm)
            scores.append(self._init_score(omics, train_idx, val_idx, device))
            if best is None or scores[-1] > best_score:  # NaN never wins
                best_score = scores[-1]
                best = {name: getattr(self, name) for name in _PER_INIT_ATTRIBUTES if hasattr(self, name)}
            if "_interrupt" in self.__dict__:
                break  # (Ctrl-C: no further initialisations; the best so far is kept)
        for name, value in best.items():
            setattr(self, name, value)
        self.init_scores_: np.ndarray = np.asarray(scores)
        self.n_components_: int = self.n_components
        self._model_params = self._model_parameters()
        self._set_fitted_attributes(omics)
        # the samples' embedding, as transform gives it: inspection ranks features
        # by the decoder's gradients there when no samples are passed
        self.embedding_: np.ndarray = self._embed_omics(omics)
        # their row labels (None: none), against which labels given for them are checked
        self._fit_index = omics.index
        self._warn_if_collapsed(omics)
        return omics

    def _warn_if_collapsed(self, omics: _Omics) -> None:
        """Warn when the fitted model embeds every sample (nearly) alike: a network
        whose units died or saturated, typically under too large a learning rate
        (learning_rate=1.0 in a grid: every sample on one point, while the loss
        stayed finite, so nothing else said so). Checked on up to 512 training
        samples, in float32."""
        rows = np.unique(np.linspace(0, omics.n_samples - 1, min(omics.n_samples, 512)).astype(int))
        if len(rows) < 2:
            return
        module = self.module_.eval()
        device = next(module.parameters()).device
        with torch.no_grad():
            Z = module.embed(*self._tensors(omics.take(rows), device, torch.float32)).cpu().double().numpy()
        if not np.isfinite(Z).all():
            return  # (transform says so)
        spread = float(Z.std(axis=0).max())
        if spread <= 1e-6 * (1.0 + float(np.abs(Z).max())):
            warnings.warn(
                f"{type(self).__name__} embeds every training sample at the same point (the "
                f"largest standard deviation of a factor is {spread:.1e}): training collapsed, "
                "its units dead or saturated, typically from too large a learning_rate (now "
                f"{self.learning_rate:g}). Lower learning_rate (or weight_decay); the "
                "embedding carries no information about the samples.",
                RuntimeWarning,
                stacklevel=user_stacklevel(),
            )

    def _check_one_omic_on_purpose(self, n_features: int) -> None:
        """A plain 2-D input without ``omic_dims`` is read as one omic, and a
        model of one omic integrates nothing. That happens unseen when a step
        before the model returns a plain array (an OmicTransformer given a 2-D
        array, scikit-learn meta-estimators such as BaggingClassifier that
        convert X), so it is said; ``omic_dims=(n_features,)`` says it is meant."""
        dims = f"({n_features},)"
        warnings.warn(
            f"{type(self).__name__} got one 2-D array without omic_dims, so it reads it as a "
            "single omic and integrates nothing. If it holds several omics side by side, "
            "pass omic_dims (e.g. the omic_dims_out_ of the OmicTransformer before it), or "
            "the omics as a list, dict or (omic, feature) MultiIndex frame "
            f"(skpoems.concat_omics); for one omic on purpose, pass omic_dims={dims}.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )

    def _warn_of_omic_sizes(self, omics: _Omics) -> None:
        """Warn when, under ``omic_balance="features"``, one omic has at least 10
        times the features of another: every feature counts once in the
        likelihood, so the small omic weighs little (20,000 noisy mRNA features
        beside 300 miRNAs that carried planted classes: k-means NMI 0.02 by
        default, 0.58 with ``omic_balance="omics"``, about miRNA's alone)."""
        if getattr(self, "omic_balance", None) != "features" or getattr(self, "objective", None) != "elbo":
            return
        dims = {name: block.shape[1] for name, block in zip(self.omic_names_, omics.blocks)}
        large, small = max(dims, key=dims.get), min(dims, key=dims.get)
        if dims[large] < 10 * dims[small]:
            return
        warnings.warn(
            f"Omic {large!r} has {dims[large]} features, {dims[large] / dims[small]:.0f} times "
            f"omic {small!r}'s {dims[small]}: with omic_balance='features' every feature counts "
            f"once in the likelihood, so {small!r} makes {dims[small] / sum(dims.values()):.1%} of "
            "it and the embedding may ignore it. If the smaller omic matters, pass "
            "omic_balance='omics' (every omic weighs as an omic of average size), or keep the "
            "same number of most variable features of each omic first "
            "(skpoems.preprocessing.SelectTopVariance(n_features=1000), as the paper kept 1000 per omic).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )

    def _warn_of_outlier_samples(self, omics: _Omics) -> dict[str, np.ndarray]:
        """Warn about omics in which a few samples lie far outside the others in
        most features (:func:`~skpoems._omics.outlier_samples`); return their
        rows by omic. Min-max scaling squeezes every other sample of such an
        omic into a sliver of the range: 3 of 300 samples multiplied by 100
        took the omic's gating weight to 0 and k-means ACC from 0.93 to 0.66 on
        planted clusters, without a word."""
        found = {}
        for v, (name, block) in enumerate(zip(self.omic_names_, omics.blocks)):
            rows = None if omics.observed[:, v].all() else omics.observed[:, v]
            measured = outlier_samples(block, rows)
            if measured is None:
                continue
            where, share, ratio = measured
            found[name] = where
            listing = ", ".join(
                f"{omics.index[i]!r} (row {i})" if omics.index is not None else str(i) for i in where[:10]
            ) + (", ..." if len(where) > 10 else "")
            warnings.warn(
                f"Omic {name!r}: sample(s) {'' if omics.index is not None else 'at row(s) '}{listing} "
                "of X hold the most extreme value of "
                f"{share:.0%} of its features, typically {ratio:.3g} times as far from the "
                "feature's median as the other samples go: outliers on another scale (left "
                "unlogged among logged samples? other units?). Scaled with the rest, they "
                "squeeze every other sample into a sliver of the range, and the model learns "
                "little from this omic. Check them, and fix or drop them before fitting.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        return found

    def _warn_if_linear_scale(self, omics: _Omics, exclude: Collection[str] = ()) -> set[str]:
        """Warn about omics that look like linear-scale abundances (counts, TPM,
        intensities: a typical feature strongly right-skewed), whose few large
        values dominate each feature even after min-max scaling; return their
        names. On TCGA BRCA's mRNA exponentiated back to a linear scale, PCA-8's
        k-means ACC / NMI / k-NN ACC fell from 0.614 / 0.503 / 0.809 to 0.530 /
        0.429 / 0.776 (min-max scaled, 5 stratified splits,
        examples/benchmarks/linear_scale.py); log1p of the linear values gave
        0.619 / 0.506 / 0.812."""
        found = {}
        for v, (name, block) in enumerate(zip(self.omic_names_, omics.blocks)):
            if name in exclude:  # skewed by a few samples, named already
                continue
            rows = None if omics.observed[:, v].all() else omics.observed[:, v]
            measured = linear_scale_skewness(block, rows)
            if measured is not None:
                low = float(block.min(initial=0.0) if rows is None else block[rows].min(initial=0.0))
                found[name] = (*measured, low)
        if not found:
            return set()
        where = " among the values above each feature's minimum"
        listing = ", ".join(
            f"{name!r} ({skewness:.1f}{where if above else ''})" for name, (skewness, above, _) in found.items()
        )
        loggable = [name for name, (_, _, low) in found.items() if low > -1]
        remedy = ""
        if loggable:
            steps = ", ".join(
                f"{name!r}: "
                + (
                    "make_pipeline(FunctionTransformer(np.log1p, inverse_func=np.expm1, check_inverse=False), "
                    "MinMaxScaler())"
                    if name in loggable
                    else "MinMaxScaler()"
                )
                for name in self.omic_names_
            )
            remedy = f" Log-transform before scaling, e.g. skpoems.preprocessing.OmicTransformer({{{steps}}})."
        if len(loggable) < len(found):
            remedy += (
                " Omic(s) " + ", ".join(repr(n) for n in found if n not in loggable)
                + " have values below -1, where log1p is undefined: bring them to a log scale where they were made."
            )
        if any(above for _, above, _ in found.values()):
            remedy += (
                " (Skewed" + where + ": raw counts of features that most samples lack, or, if the values "
                "are logs already, features barely above zero, which a log leaves skewed: keep the most "
                "variable features first, skpoems.preprocessing.SelectTopVariance.)"
            )
        warnings.warn(
            f"Omic(s) {listing} look like linear-scale abundances (counts, TPM or intensities): "
            f"the typical feature's skewness, in brackets, is above {LINEAR_SCALE_SKEWNESS:g} "
            "(log-scale data are near 0), so a few samples dominate each feature, even after "
            "min-max scaling." + remedy,
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return set(found)

    def _warn_of_unscaled_omics(
        self, omics: _Omics, named: Collection[str] = ()
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Warn about omics far from a small scale (peak above ``_SCALE_PEAK`` or
        99th percentile of ``|x|`` above ``_SCALE_WARNING``), unless in ``named``
        (linear-scale omics, named already with a remedy that scales too), and,
        for a sigmoid-output model, about omics outside [0, 1]. Return each
        omic's peak ``|value|`` and those of the unscaled omics."""
        peaks: dict[str, float] = {}
        unscaled: dict[str, float] = {}
        for v, (name, block) in enumerate(zip(self.omic_names_, omics.blocks)):
            # max |x| and |x| at every step-th value in row order, without an
            # |block| copy (a block is a column view of the validated input)
            peak = max(float(block.max(initial=0.0)), -float(block.min(initial=0.0)))
            flat = np.arange(0, block.size, block.size // _SCALE_SAMPLE + 1)
            sample = np.abs(block[flat // max(block.shape[1], 1), flat % max(block.shape[1], 1)])
            peaks[name] = peak
            typical = float(np.quantile(sample, 0.99)) if sample.size else 0.0
            if peak > _SCALE_PEAK or typical > _SCALE_WARNING:
                unscaled[name] = peak
                if name in named:  # named already, with a remedy that scales too
                    continue
                warnings.warn(
                    f"Omic {name!r} has values up to {peak:.3g} (1% of them above "
                    f"{typical:.3g}). {type(self).__name__} "
                    "expects features on a small scale (the paper min-max scales each "
                    "feature to [0, 1]); unscaled data can make training diverge. Use "
                    "skpoems.preprocessing.OmicTransformer() (MinMaxScaler per omic, e.g. "
                    "first in a Pipeline; a plain MinMaxScaler there merges the omics into one).",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
            elif self._sigmoid_reconstruction and block.size:
                # over the samples that have the omic (the others' rows hold zeros)
                low, high = _observed_range(block, omics.observed[:, v])
                if low < -_UNIT_TOLERANCE or high > 1 + _UNIT_TOLERANCE:
                    warnings.warn(
                        f"Omic {name!r} has values from {low:.3g} to {high:.3g}, but "
                        f"{type(self).__name__} reconstructs every omic through a sigmoid, "
                        "with one scale and offset per omic: it is made for features on "
                        "one [0, 1] scale, and a feature outside it is reconstructed "
                        "(and imputed) on the wrong scale. Min-max scale "
                        "each feature to [0, 1] as the paper does, e.g. with "
                        "skpoems.preprocessing.OmicTransformer() first in a Pipeline.",
                        UserWarning,
                        stacklevel=user_stacklevel(),
                    )
        return peaks, unscaled

    def _init_seeds(self, rng: np.random.RandomState) -> list[int]:
        """One torch seed per init, drawn after the validation split (which every
        init shares); the first is the seed of an ``n_init=1`` fit."""
        return [seed_from_rng(rng) for _ in range(self.n_init)]

    def _init_score(self, omics: _Omics, train_idx: np.ndarray, val_idx: np.ndarray, device: torch.device) -> float:
        """What ``n_init`` compares: minus the held-out loss of the kept weights
        (minus the training loss without early stopping), in eval mode."""
        if len(val_idx):
            return float(self.best_validation_score_)
        xs, observed = self._row_tensors(omics, train_idx, device)
        return -self._evaluate_loss(xs, observed, len(train_idx), n_observed=self._observed_counts(observed))[0]

    def _set_fitted_attributes(self, omics: _Omics) -> None:
        """Set model-specific fitted attributes after training (hook)."""

    def _make_optimizer(self, module: torch.nn.Module) -> torch.optim.Optimizer:
        cls = {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam}[self._optimizer]
        # The multi-tensor ("foreach") update gives bitwise the same parameters as
        # the per-tensor loop that torch uses by default off CUDA, in half the time
        # on CPU (several ms per step for a BRCA-sized model). ``fused=True`` would
        # be faster still but rounds differently.
        options = {"lr": self.learning_rate, "weight_decay": self.weight_decay, "foreach": True}
        w_lr = getattr(self, "components_learning_rate", None)
        if w_lr is None:
            return cls(module.parameters(), **options)
        # the feature-to-factor matrices W (SparseDecoder.W) get their own step size
        named = list(module.named_parameters())
        components = [p for name, p in named if name.rsplit(".", 1)[-1] == "W"]
        rest = [p for name, p in named if name.rsplit(".", 1)[-1] != "W"]
        groups = [{"params": rest}, {"params": components, "lr": float(w_lr)}]
        return cls(groups, **options)

    def _train(
        self,
        omics: _Omics,
        train_idx: np.ndarray,
        val_idx: np.ndarray,
        device: torch.device,
        notes: _InputNotes,
        *,
        label: str = "",
        resume: bool = False,
    ) -> None:
        """Train ``module_``; with ``resume``, continue the records of the previous
        fit. ``notes`` (what the checks before training found in the input) are
        named again if the loss diverges."""
        module = self.module_
        xs, obs = self._row_tensors(omics, train_idx, device)
        counts = self._observed_counts(obs)
        optimizer = self._make_optimizer(module)
        # the weights that are evaluated, kept and returned: the module itself, or its
        # exponential moving average (Polyak averaging) when ema_decay > 0
        averaged = None
        if self.ema_decay > 0:
            averaged = AveragedModel(module, multi_avg_fn=get_ema_multi_avg_fn(self.ema_decay), use_buffers=True)
        evaluated = module if averaged is None else averaged.module
        validate = self._held_out_loss(omics, val_idx, device, evaluated, len(train_idx), counts)
        first = self._start_records(resume)  # epochs already trained (warm start)
        stopping = self._early_stopping(evaluated, validate, first, resume)
        self.stop_reason_: str = "max_iter"
        # verbose=1: a progress bar; verbose >= 2: one plain line per epoch, for
        # logs (a batch job's file, nohup), where a bar is a run of '\r' refreshes
        bar = tqdm(
            range(first, first + self.max_iter),
            disable=not self.verbose or self.verbose >= 2,
            desc=label or type(self).__name__,
            unit="epoch",
        )
        try:
            for epoch in bar:
                epoch_start = time.perf_counter()
                train_loss, terms = self._run_epoch(epoch, module, optimizer, averaged, xs, obs, counts, device)
                record, monitored = self._epoch_record(epoch, train_loss, terms, validate)
                smoothed = stopping.smooth(monitored)
                if smoothed is not None:
                    record["monitored_smoothed"] = smoothed
                record["time_s"] = time.perf_counter() - epoch_start
                self.loss_curve_.append(train_loss)
                self.history_.append(record)
                reason = stopping.update(epoch + 1, train_loss, monitored, smoothed, evaluated)
                if reason == "diverged":
                    self._handle_divergence(epoch + 1, stopping.best_state, stopping.best_epoch, notes)
                else:
                    self._report_epoch(bar, label, record, stopping.best_epoch)
                if reason is not None:
                    self.stop_reason_ = reason
                    break
        except KeyboardInterrupt as interrupt:
            # Ctrl-C: keep what the completed epochs learned (the best weights so
            # far), as scikit-learn's MLP does; _fit raises it again once the model
            # is complete. Nothing to keep before the first epoch completes.
            done = len(self.history_)
            if done <= first:
                bar.close()
                raise
            del self.loss_curve_[done:], self.validation_scores_[done:]  # (an epoch cut short)
            self._interrupt = interrupt
            self.stop_reason_ = "interrupted"
        bar.close()
        if self.verbose >= 2:
            self._say(label, f"stopped after {len(self.loss_curve_)} epochs ({self.stop_reason_})")
        self._keep_trained_weights(stopping, module, averaged, early_stopping=validate is not None)
        # the last step's gradients would double the fitted model's memory (pickles
        # and copies drop them anyway); a warm start computes its own
        module.zero_grad(set_to_none=True)
        module.eval()

    def _run_epoch(
        self,
        epoch: int,
        module: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        averaged: AveragedModel | None,
        xs: list[torch.Tensor],
        observed: torch.Tensor | None,
        n_observed: list[int] | None,
        device: torch.device,
    ) -> tuple[float, dict[str, float]]:
        """One pass over the training rows ``xs`` in shuffled minibatches of
        ``batch_size_``; return the epoch's training loss and loss terms (means
        over the samples, keyed as the module's ``LossOutput.terms``)."""
        n_train = xs[0].shape[0]
        module.train()
        if hasattr(module, "on_epoch_start_"):
            module.on_epoch_start_(epoch)
        perm = torch.randperm(n_train, device=device)
        epoch_terms: dict[str, torch.Tensor] = {}
        epoch_total = torch.zeros((), dtype=torch.float32, device=device)
        for batch in torch.tensor_split(perm, math.ceil(n_train / self.batch_size_)):
            bx, bo = self._take(xs, observed, batch)
            out = module.loss(bx, bo, prior_batch_size=self._prior_batch_size, n_train=n_train, n_observed=n_observed)
            optimizer.zero_grad(set_to_none=True)
            out.total.backward()
            optimizer.step()
            module.after_step_()
            if averaged is not None:
                averaged.update_parameters(module)
            weight = len(batch) / n_train
            epoch_total = epoch_total + out.total.detach() * weight
            for k, t in out.terms.items():
                epoch_terms[k] = epoch_terms.get(k, 0.0) + t.detach() * weight
        keys = list(epoch_terms)
        values = torch.stack([epoch_total, *(epoch_terms[k] for k in keys)]).tolist()
        return values[0], dict(zip(keys, values[1:]))

    def _held_out_loss(
        self,
        omics: _Omics,
        val_idx: np.ndarray,
        device: torch.device,
        evaluated: torch.nn.Module,
        n_train: int,
        n_observed: list[int] | None,
    ) -> Callable[[], tuple[float, dict[str, float]]] | None:
        """The held-out loss of the ``evaluated`` weights on the rows ``val_idx``
        (:meth:`_evaluate_loss`), as a function of no arguments; None without
        early stopping (no rows)."""
        if not len(val_idx):
            return None
        val_xs, val_obs = self._row_tensors(omics, val_idx, device)
        # each held-out sample's fixed evaluation noise, keyed once for all epochs
        keys = row_keys(val_xs, val_obs)
        return functools.partial(
            self._evaluate_loss, val_xs, val_obs, n_train, evaluated, n_observed=n_observed, keys=keys
        )

    def _start_records(self, resume: bool) -> int:
        """Start ``loss_curve_``, ``validation_scores_`` and ``history_`` (with
        ``resume``, go on from the previous fit's); return the epochs trained so
        far."""
        # copies, so that the records of an earlier fit that a user holds stay as they were
        self.loss_curve_: list[float] = list(getattr(self, "loss_curve_", [])) if resume else []
        self.validation_scores_: list[float] = list(getattr(self, "validation_scores_", [])) if resume else []
        self.history_: list[dict[str, Any]] = list(getattr(self, "history_", [])) if resume else []
        return len(self.loss_curve_)

    def _epoch_record(
        self,
        epoch: int,
        train_loss: float,
        terms: dict[str, float],
        validate: Callable[[], tuple[float, dict[str, float]]] | None,
    ) -> tuple[dict[str, Any], float]:
        """The epoch's ``history_`` record so far (its training loss and terms,
        and with ``validate`` the held-out ones, which go to
        ``validation_scores_`` too) and the loss early stopping monitors."""
        record = {"epoch": epoch + 1, "train_loss": train_loss}
        record.update({f"train_{self._term_name(k)}": val for k, val in terms.items()})
        if validate is None:
            return record, train_loss
        val_loss, val_terms = validate()
        record["validation_loss"] = val_loss
        record.update({f"validation_{k}": val for k, val in val_terms.items()})
        self.validation_scores_.append(-val_loss)
        return record, val_loss

    def _early_stopping(
        self,
        evaluated: torch.nn.Module,
        validate: Callable[[], tuple[float, dict[str, float]]] | None,
        first: int,
        resume: bool,
    ) -> _EarlyStopping:
        """Early stopping's state for one call of ``_train``; a warm start's
        weights (``resume``) are its fallback and, on a validation split, the
        best weights so far."""
        # a warm start that diverges at once falls back to the weights it started from
        start_state = copy.deepcopy(evaluated.state_dict()) if resume else None
        stopping = _EarlyStopping(
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            convergence_tol=getattr(self, "convergence_tol", None),
            smoothing=float(self.monitor_smoothing),
            warmup=getattr(self, "kl_warmup", 0),
            fallback=None if start_state is None else (start_state, first),
        )
        if resume and validate is not None:
            # the weights a warm start begins from compete with its epochs: they stay
            # unless an epoch improves on them on this validation split, so that a
            # continuation never returns a worse model (MLPClassifier keeps its best
            # validation score across warm fits likewise)
            start_loss = validate()[0]
            if math.isfinite(start_loss):
                epoch = getattr(self, "best_iter_", first)
                kept = self.history_[epoch - 1] if 0 < epoch <= len(self.history_) else {}
                stopping.start_from(start_loss, start_state, epoch, kept)
        return stopping

    def _say(self, label: str, text: str) -> None:
        """One line of ``verbose >= 2`` output, on stderr (the documented place:
        ``verbose``'s docstring), flushed at once for log files."""
        print(f"{label or type(self).__name__}: {text}", file=sys.stderr, flush=True)

    def _report_epoch(self, bar: tqdm, label: str, record: dict[str, Any], best_epoch: int) -> None:
        """The epoch's losses: a line on stderr (``verbose >= 2``) or the
        progress bar's postfix (``verbose=1``)."""
        validation = "validation_loss" in record
        if self.verbose >= 2:
            self._say(
                label,
                f"epoch {record['epoch']}, train loss {record['train_loss']:.6g}"
                + (f", validation loss {record['validation_loss']:.6g}" if validation else "")
                + f", best epoch {best_epoch}, {record['time_s']:.2f} s",
            )
        elif self.verbose:
            bar.set_postfix(
                train=f"{record['train_loss']:.4g}",
                **({"valid": f"{record['validation_loss']:.4g}"} if validation else {}),
                best=best_epoch,
                refresh=False,  # (shown with the epoch's count, not ahead of it)
            )

    def _keep_trained_weights(
        self,
        stopping: _EarlyStopping,
        module: torch.nn.Module,
        averaged: AveragedModel | None,
        *,
        early_stopping: bool,
    ) -> None:
        """After training: load the weights to keep into ``module``, set
        ``n_iter_``, ``best_iter_`` and ``best_validation_score_``, and warn when
        ``max_iter`` ended a fit that patience would have stopped."""
        best_loss, best_state, best_epoch = stopping.kept()
        self.n_iter_: int = len(self.loss_curve_)
        # the epoch whose weights are kept: the best validation epoch, or without
        # early stopping the last one (the best finite one after a divergence)
        self.best_iter_: int = best_epoch if early_stopping or self.stop_reason_ == "diverged" else self.n_iter_
        if early_stopping:
            self.best_validation_score_: float = -best_loss
            if best_state is not None:
                module.load_state_dict(best_state)
        else:
            self.__dict__.pop("best_validation_score_", None)  # of an earlier fit
            if averaged is not None and self.stop_reason_ != "diverged":
                # (after a divergence the average holds the non-finite steps too:
                # the best finite weights, restored already, stay)
                module.load_state_dict(averaged.module.state_dict())
        if self.stop_reason_ == "max_iter" and self.n_iter_no_change is not None:
            warnings.warn(
                f"{type(self).__name__} reached max_iter={self.max_iter} epochs before "
                f"the {'validation' if early_stopping else 'training'} loss stopped "
                "improving; consider increasing max_iter, or continue this fit with "
                "set_params(warm_start=True).fit(X).",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )

    def _handle_divergence(self, epoch: int, best_state: dict | None, best_epoch: int, notes: _InputNotes) -> None:
        outlier_note = "".join(
            f" Omic {name!r} has outlier samples (rows {', '.join(map(str, rows[:5]))}"
            f"{', ...' if len(rows) > 5 else ''}; see the warning before training), which may "
            "be the cause: fix or drop them."
            for name, rows in notes.outliers.items()
        )
        unscaled = notes.unscaled
        if best_state is None and unscaled:
            listing = ", ".join(f"{name!r} up to {peak:.3g}" for name, peak in unscaled.items())
            raise ValueError(
                f"{type(self).__name__}: the loss became NaN or infinite in epoch {epoch} "
                f"before any finite epoch: the input is not scaled (omic {listing}). Scale "
                "every feature to [0, 1] first, e.g. with skpoems.preprocessing.OmicTransformer() "
                "(MinMaxScaler per omic) fitted on the training samples, as the paper does; a smaller learning_rate "
                "does not fix unscaled input."
                + "".join(
                    f" Omic {name!r} looks like linear-scale abundances: log-transform it before "
                    "scaling (see the warning before training)."
                    for name in unscaled if name in notes.linear_scale
                )
            )
        decay = self.learning_rate * getattr(self, "weight_decay", 0.0) if self._optimizer == "adamw" else 0.0
        # (AdamW multiplies the weights by 1 - learning_rate * weight_decay each step)
        decay_note = (
            f" learning_rate x weight_decay is {decay:g}: each step multiplies the weights "
            f"by {1 - decay:g}, which drives them past 0; lower weight_decay (now "
            f"{self.weight_decay:g}) below {1 / self.learning_rate:g}."
            if decay >= 1 else ""
        )
        if best_state is None:
            raise ValueError(
                f"{type(self).__name__}: the loss became NaN or infinite in epoch {epoch} "
                "before any finite epoch;"
                + (
                    decay_note
                    or f" lower learning_rate (now {self.learning_rate:g}) or check the input "
                    "scale (min-max scaling to [0, 1] is recommended)."
                )
                + outlier_note
            )
        self.module_.load_state_dict(best_state)
        warnings.warn(
            f"{type(self).__name__}: the loss became NaN or infinite in epoch {epoch}; "
            f"training stopped and the weights of epoch {best_epoch} (the best finite "
            f"one) were restored. Lower learning_rate (now {self.learning_rate:g}) to "
            "train further." + decay_note + outlier_note,
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )

    def _term_name(self, key: str) -> str:
        """``"reconstruction/0"`` -> ``"reconstruction_mRNA"``; ``"contrastive/0-1"``
        -> ``"contrastive_mRNA-miRNA"``."""
        if "/" not in key:
            return key
        kind, omics = key.split("/", 1)
        return f"{kind}_" + "-".join(self.omic_names_[int(v)] for v in omics.split("-"))

    @torch.no_grad()
    def _evaluate_loss(
        self,
        xs: list[torch.Tensor],
        observed: torch.Tensor | None,
        n_train: int,
        module: torch.nn.Module | None = None,
        n_observed: list[int] | None = None,
        keys: np.ndarray | None = None,
    ) -> tuple[float, dict[str, float]]:
        """Monitored loss (mean over samples) and loss terms of ``module`` (default
        ``module_``), in eval mode with fixed reparameterisation noise. The monitored
        loss is the module's ``monitor`` (e.g. held-out data terms) or, by default,
        its total loss. ``n_train`` and ``n_observed`` (:meth:`_observed_counts`)
        describe the training set, whose size the priors are divided by.

        Each sample's noise is drawn from a key of its values (``keys``, default
        :func:`row_keys` of ``xs``): it does not depend on the order of the
        samples or on which others are evaluated with them, so the loss of a set
        of samples does not either (one stream of noise over the rows made
        ``score`` move by more than a change of learning rate when the rows
        were shuffled)."""
        module = self.module_ if module is None else module
        was_training = module.training
        module.eval()
        n = xs[0].shape[0]
        device = xs[0].device
        keys = row_keys(xs, observed) if keys is None else keys
        sums: dict[str, torch.Tensor] = {}
        for start in range(0, n, _EVAL_CHUNK):
            idx = torch.arange(start, min(start + _EVAL_CHUNK, n), device=device)
            bx, bo = (xs, observed) if n <= _EVAL_CHUNK else self._take(xs, observed, idx)
            out = module.loss(
                bx,
                bo,
                prior_batch_size=self._prior_batch_size,
                n_train=n_train,
                n_observed=n_observed,
                generator=RowNoise(keys[start : start + len(idx)], seed=_EVAL_SEED),
            )
            w = len(idx) / n
            parts = {"monitor": out.total if out.monitor is None else out.monitor, "objective": out.total, **out.terms}
            for k, t in parts.items():
                sums[k] = sums.get(k, 0.0) + t * w
        module.train(was_training)
        keys = list(sums)
        values = dict(zip(keys, torch.stack([sums[k] for k in keys]).tolist()))
        monitored = values.pop("monitor")
        return monitored, {self._term_name(k): val for k, val in values.items()}

    # ---------------------------------------------------------- inference
    @torch.no_grad()
    def _module_outputs(self, omics: _Omics, what: str) -> np.ndarray:
        """Run ``module_.<what>`` (e.g. ``"embed"``) over ``omics`` in chunks.

        Returns one array, or a list of per-omic arrays for methods returning lists.
        """
        module = self.module_.eval()
        device = next(module.parameters()).device
        dtype = torch.float32
        if omics.dtype == np.float64 and device.type != "mps":  # (MPS has no float64)
            # Models train in float32. For float64 input, evaluate a float64 copy: the
            # output then depends on how samples are batched only at float64's
            # rounding (~1e-16) instead of float32's (~1e-7: matrix products round
            # differently for different batch sizes).
            module, dtype = _float64_copy(module), torch.float64
        fn = getattr(module, what)
        chunk = _eval_chunk(sum(b.shape[1] for b in omics.blocks))
        outs: list[np.ndarray] = []
        as_list = False
        for start in range(0, omics.n_samples, chunk):
            rows = slice(start, min(start + chunk, omics.n_samples))
            xs = [_to_tensor(b[rows], dtype, device) for b in omics.blocks]
            observed = None if omics.complete else torch.as_tensor(omics.observed[rows], device=device)
            result = fn(xs, observed)
            del xs
            as_list = isinstance(result, (list, tuple))
            parts = list(result) if as_list else [result]
            if not outs:  # each output written into its place: no list of chunks to join
                outs = [np.empty((omics.n_samples, *p.shape[1:]), dtype=omics.dtype) for p in parts]
            for out, part in zip(outs, parts):
                out[rows] = part.cpu().numpy()
        if not all(np.isfinite(o).all() for o in outs):
            raise ValueError(
                f"{type(self).__name__} produced non-finite outputs "
                f"{self._nonfinite_rows(omics, outs)}: the input is far outside the "
                "range seen in fit, or the model diverged (lower learning_rate)."
            )
        return outs if as_list else outs[0]

    def _nonfinite_rows(self, omics: _Omics, outs: list[np.ndarray]) -> str:
        """Which samples gave non-finite outputs, and the omic of the first one's
        largest value (usually the culprit), for the error message."""
        finite = np.all([np.isfinite(o.reshape(len(o), -1)).all(axis=1) for o in outs], axis=0)
        rows = np.flatnonzero(~finite)
        row = int(rows[0])
        label = f"{omics.index[row]!r} (row {row})" if omics.index is not None else str(row)
        largest = [
            float(np.abs(b[row]).max()) if omics.observed[row, v] and b.shape[1] else -np.inf
            for v, b in enumerate(omics.blocks)
        ]
        v = int(np.argmax(largest))
        return (
            f"for {rows.size} sample(s), e.g. sample {label}, whose largest value is "
            f"{largest[v]:.3g} in omic {self.omic_names_[v]!r}"
        )

    def _embed_omics(self, omics: _Omics) -> np.ndarray:
        return self._module_outputs(omics, "embed")

    def transform(self, X: Any) -> Any:
        """Embed ``X``: the posterior mean of the latent factors (deterministic).

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            The same omics as in fit, in any accepted form (see :meth:`fit`).

        Returns
        -------
        Z : ndarray or DataFrame of shape (n_samples, n_features_out)
            float32 input gives float32 output, anything else float64. An
            ndarray by default; with ``set_output(transform="pandas")`` a pandas
            DataFrame (indexed by the samples' labels when ``X`` has them), with
            ``"polars"`` a polars DataFrame. (Annotated ``Any`` for that reason.)
        """
        check_is_fitted(self)
        omics = self._new_omics(X)
        return self._labelled(self._embed_omics(omics), omics)

    def inverse_transform(self, X: Any) -> Any:
        """Decode embeddings back to the omics (the decoders' means).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_out)
            Embeddings ``Z``, e.g. from :meth:`transform`. (Named ``X`` as in
            scikit-learn: a parameter of another name would be taken for
            routable metadata, ``set_inverse_transform_request``.)

        Returns
        -------
        list or dict of ndarray, ndarray or DataFrame
            Of shape (n_samples, n_features_v) per omic in a list or dict, or
            (n_samples, n_features_in_) for one array or DataFrame.
            In the form ``fit`` took the omics, so that scikit-learn's inverse
            of a ``Pipeline`` works through the steps before the model:

            - one 2-D array with ``omic_dims``: one array of all the features
              (``split_omics(X_hat, est.omic_dims_)`` splits it);
            - one DataFrame (the ``(omic, feature)`` MultiIndex frame of
              :func:`~skpoems.concat_omics` and the loaders, or a flat one):
              a DataFrame with the fitted columns (``X_hat["mRNA"]`` is an
              omic of a MultiIndex frame);
            - a list or tuple of omics: a list of one array per omic, in the
              order of ``omic_names_``;
            - a dict of omics: a dict of one array per omic, keyed by
              ``omic_names_`` (the fitted keys as text), as :meth:`impute`
              gives a dict back.

            The omics come side by side in the order of ``omic_names_``. A
            DataFrame of embeddings (e.g. from ``transform`` with
            ``set_output(transform="pandas")``) gives DataFrames indexed like
            it (for a list or dict: one per omic, with its feature names,
            :meth:`omic_feature_names`); a polars DataFrame of embeddings
            (``set_output(transform="polars")``) gives polars DataFrames with
            those names (except for a MultiIndex fit, which polars cannot
            hold: a pandas DataFrame).
        """
        blocks = self._decode_blocks(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        polars = _is_polars(X)
        layout = getattr(self, "_fit_layout", "list")
        if layout in ("array", "frame", "multiindex"):
            flat = np.concatenate(blocks, axis=1)
            if index is None and layout == "array" and not polars:
                return flat
            if layout == "multiindex":
                columns: Any = pd.MultiIndex.from_tuples(
                    [(omic, f) for omic, names in zip(self.omic_names_, self.omic_feature_names()) for f in names],
                    names=["omic", "feature"],
                )
            else:
                columns = getattr(self, "feature_names_in_", None)
                if columns is None:
                    columns = flat_feature_names(list(self.omic_names_), self.omic_feature_names())
            if polars and layout != "multiindex":  # (polars has no MultiIndex: a fitted one stays pandas)
                return _polars_frame(flat, columns)
            return pd.DataFrame(flat, index=index, columns=columns)  # (index None: 0 .. n-1)
        if index is not None:
            blocks = [
                pd.DataFrame(block, index=index, columns=names)
                for block, names in zip(blocks, self.omic_feature_names())
            ]
        elif polars:
            blocks = [_polars_frame(block, names) for block, names in zip(blocks, self.omic_feature_names())]
        return dict(zip(self.omic_names_, blocks)) if layout == "dict" else blocks

    @torch.no_grad()
    def _decode_blocks(self, X: Any) -> list[np.ndarray]:
        """The decoders' means at the embeddings ``X``, one array per omic."""
        check_is_fitted(self)
        Z = X
        Z = check_array(numbers_not_text(Z, "Z"), dtype=[np.float64, np.float32])
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"The embeddings have {Z.shape[1]} columns, but {type(self).__name__} embeddings have "
                f"{self._n_features_out}."
            )
        module = self.module_.eval()
        device = next(module.parameters()).device
        dtype = torch.float32
        if Z.dtype == np.float64 and device.type != "mps":  # as transform: a float64 copy, so no overflow to inf
            module, dtype = _float64_copy(module), torch.float64
        # a copy (Z may be read-only), of contiguous values: torch refuses
        # negative strides (Z[::-1])
        z = torch.tensor(np.ascontiguousarray(Z), dtype=dtype, device=device)
        chunk = _eval_chunk(sum(self.omic_dims_))
        blocks = [np.empty((len(z), d), dtype=Z.dtype) for d in self.omic_dims_]
        for i in range(0, len(z), chunk):
            for block, part in zip(blocks, module.decode(z[i : i + chunk])):
                block[i : i + chunk] = part.cpu().numpy()
        for name, block in zip(self.omic_names_, blocks):
            if not np.isfinite(block).all():
                raise ValueError(
                    f"{type(self).__name__} decoded non-finite values for omic {name!r}: Z is "
                    f"far outside the range of the embeddings (|Z| up to {np.abs(Z).max():.3g})."
                )
        return blocks

    def impute(self, X: Any) -> Any:
        """Fill each sample's missing omic blocks from the omics it has.

        A sample lacks an omic when that omic's whole block is NaN. Its block is
        replaced by the model's reconstruction from the observed omics (for the
        product-of-experts models: decoded from the posterior given the observed
        omics); observed values are returned unchanged.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            Omics with missing blocks, in any form accepted by :meth:`fit`.

        Returns
        -------
        X_imputed : list, tuple, dict, DataFrame or ndarray
            The same container type as ``X`` (list, tuple, dict, DataFrame or 2-D
            array; a pandas or polars omic as a frame of its library) with the
            missing blocks filled; ``X`` itself is not modified.
        """
        check_is_fitted(self)
        omics = self._new_omics(X)
        blocks = [b.copy() for b in omics.blocks]
        missing = ~omics.observed
        if missing.any():
            # decode only the samples that lack an omic (a genome-wide cohort's
            # decoders cost far more than its encoders)
            rows = np.flatnonzero(missing.any(axis=1))
            recs = self._module_outputs(omics.take(rows), "reconstruct")
            for v, block in enumerate(blocks):
                lack = missing[rows, v]
                block[rows[lack]] = recs[v][lack]
        return _like_input(X, blocks, list(self.omic_names_))

    def score(self, X: Any, y: Any = None, sample_weight: None = None) -> float:
        """Minus the mean held-out loss on ``X`` (higher is better).

        This is the criterion the paper selects hyper-parameters by (its "minimum
        total validation loss"), so an unsupervised ``GridSearchCV`` uses it by
        default. It is the quantity early stopping monitors (see ``monitor``,
        where a model has it): the total loss with ``objective="paper"``; with
        ``"elbo"``, the terms that depend on the data (likelihood and ``beta``
        times KL), not the priors on W and sigma, which are the same for any
        ``X``. Computed in eval mode (no dropout) with fixed
        reparameterisation noise, drawn for each sample from a hash of its
        values, so it is deterministic and does not depend on the order of the
        samples (up to float32 rounding of the sums: 1e-7 relative).

        Scores are comparable between settings of the training (``batch_size``,
        ``learning_rate``, ``weight_decay``, the epochs and early stopping),
        not between settings that change the loss itself: ``beta`` (and
        ``n_components`` where ``beta`` is derived from it), ``noise``,
        ``objective``, ``omic_balance``, and MOCSS's ``reconstruction_weight``
        and ``temperature``. With ``objective="paper"``, ``batch_size`` is one
        of those: the paper's loss divides its priors on W and sigma by the
        batch size (MODELS.md), so its score moves with ``batch_size`` by a
        term that does not depend on the data (tens of nats on small data);
        the paper's selection by this total loss is reproduced as it is, but
        compare batch sizes by a downstream metric (or, for POEMS and POEM, by
        ``score_samples(X).mean()``). A search over those by ``score`` picks the setting
        whose loss is smallest (on planted data, the smallest ``beta`` and the
        smallest MOCSS ``reconstruction_weight``), not the best model. Score
        them by a downstream metric (``scoring=`` of the search), or, for POEMS
        and POEM, by the plain ELBO, ``score_samples(X).mean()``.

        The MOCSS models' contrastive term compares each sample with the other
        samples of ``X`` (up to 4,096 at a time), so their score falls with the
        number of samples scored (about as the log of it: -9.9 on 10 mice of
        nutrimouse, -19.0 on all 40, for one model): compare MOCSS scores on
        sets of one size, as the folds of a cross-validation nearly are.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            See :meth:`fit`.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : None
            Sample weights are not supported (the losses are means over batches
            of samples). The parameter is there because scikit-learn's
            ``Pipeline.score`` passes it under metadata routing
            (``sklearn.set_config(enable_metadata_routing=True)``), where a
            ``score`` without it made every pipeline score fail.

        Returns
        -------
        float
        """
        check_is_fitted(self)
        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__}.score does not take sample weights (its losses are "
                "means over batches of samples); pass sample_weight=None."
            )
        omics = self._new_omics(X)
        xs, observed = self._tensors(omics, next(self.module_.parameters()).device)
        loss, _ = self._evaluate_loss(xs, observed, self.n_train_samples_)
        if not math.isfinite(loss):
            raise ValueError(
                f"{type(self).__name__}.score: the loss on X is not finite: X is far outside "
                "the range seen in fit (scale it as the training data were)."
            )
        return -loss

    # ---------------------------------------------------------- persistence
    def __getstate__(self) -> dict[str, Any]:
        """The estimator's state, with the module's tensors on the CPU.

        Besides the parameters and the public fitted attributes, a fitted model
        keeps private state that its methods use after fit: ``_fit_peaks`` (each
        omic's peak ``|value|`` at fit, for :meth:`_check_within_fit`),
        ``_fit_index`` (the training samples' row labels, against which
        :mod:`skpoems.inspection` checks labels given for them),
        ``_model_params`` (the parameters the model was built from, which a
        warm start checks) and ``_prior_batch_size`` (the configured
        ``batch_size`` the paper objective divides its priors by, for
        :meth:`score`). What the checks before training found in the input is
        passed to the training loop (:class:`_InputNotes`), not kept.
        """
        state = self.__dict__.copy()
        module = state.get("module_")
        if module is not None and next(module.parameters()).device.type != "cpu":
            state["module_"] = copy.deepcopy(module).cpu()
        state["_skpoems_version"] = _package_version()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        saved_by = state.pop("_skpoems_version", None)
        module = state.get("module_")
        device = state.get("device_")
        if module is not None and device is not None and device != "cpu":
            try:
                state["module_"] = module.to(resolve_device(device))
            except ValueError:
                pass  # fitted on an accelerator this machine lacks: stay on CPU
            except RuntimeError as error:  # no such GPU here (cuda:1 on one GPU), out of memory
                # Module.to moves parameter by parameter: one that failed halfway
                # leaves the others there, so bring them all back
                state["module_"] = module.cpu()
                reason = (str(error).splitlines() or [type(error).__name__])[0]
                warnings.warn(
                    f"{type(self).__name__} was fitted on {device} and could not be moved "
                    f"there on loading ({reason}); it stays on the CPU.",
                    UserWarning,
                    stacklevel=2,
                )
        for name in _TRAINING_ONLY_ATTRIBUTES:  # kept by earlier versions, never read after fit
            state.pop(name, None)
        if "module_" in state:  # fitted attributes added since: their values then
            state.setdefault("_prior_batch_size", state.get("batch_size"))
            state.setdefault("n_components_", state.get("n_components"))
        # parameters added after the model was saved: their defaults, so that
        # repr, get_params, clone and grid searches work on the loaded model
        missing = [name for name in self._get_param_names() if name not in state]
        defaults = _parameter_defaults(type(self))
        for name in missing:
            state[name] = defaults[name]
        self.__dict__.update(state)
        current = _package_version()
        if saved_by != current or missing:
            warnings.warn(
                f"This {type(self).__name__} was saved by "
                + (f"skpoems {saved_by}" if saved_by else "an earlier skpoems that recorded no version")
                + f" and is loaded by skpoems {current}"
                + (
                    f"; the parameters {missing} did not exist then and were set to their "
                    "current defaults (a clone or refit of this model uses them)"
                    if missing
                    else ""
                )
                + ". It may not behave as it did: refit it with this version where you can.",
                UserWarning,
                stacklevel=2,
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Only whole omic blocks may be NaN (a missing omic); scattered NaN are an
        # error, so the estimators do not claim scikit-learn's general allow_nan.
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
