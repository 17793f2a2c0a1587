"""The paper's evaluation protocol, reusable by the command line and by users.

MODELS.md, "Evaluation protocol" (the paper's Appendix A):

1. split the samples 80/20 into training and test parts
   (``train_test_split(test_size=0.2, random_state=1)``);
2. min-max scale every feature to [0, 1], with the scaler fitted on the training
   part only;
3. fit the model on the training part (its own early stopping holds out
   ``validation_fraction`` of it);
4. embed the test part and score the test embedding with
   :func:`skpoems.metrics.evaluate_embedding` (k-means ACC and NMI, k-NN ACC over
   five seeds).

:func:`run_protocol` does all four steps for any scikit-learn transformer (the
five skpoems models and the PCA and raw-feature baselines) and returns a
:class:`ProtocolResult`. :func:`split_and_scale` is steps 1-2 alone (the sweep
selects hyper-parameters on its training part).
"""

from __future__ import annotations

import importlib
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler
from sklearn.utils import Bunch

from .metrics import evaluate_embedding
from .utils._warnings import user_stacklevel

__all__ = [
    "BASELINES",
    "DATASETS",
    "MODELS",
    "ProtocolResult",
    "Split",
    "load_dataset",
    "make_estimator",
    "run_protocol",
    "split_and_scale",
]

class _EstimatorClasses(Mapping):
    """Command-line name -> estimator class, each class imported on first use,
    so that ``skpoems --help`` and usage errors do not wait for torch."""

    _WHERE = {
        "poems": ("._poems", "POEMSTransformer"),
        "poem": ("._poems", "POEMTransformer"),
        "mocss-ae": ("._mocss", "MOCSSAETransformer"),
        "mocss-vae": ("._mocss", "MOCSSVAETransformer"),
        "mocss-sparsevae": ("._mocss", "MOCSSSparseVAETransformer"),
    }

    def __getitem__(self, name: str) -> type:
        module, attribute = self._WHERE[name]
        return getattr(importlib.import_module(module, __package__), attribute)

    def __contains__(self, name: object) -> bool:  # (Mapping's would import the class)
        return name in self._WHERE

    def __iter__(self):
        return iter(self._WHERE)

    def __len__(self) -> int:
        return len(self._WHERE)

    def __repr__(self) -> str:
        return repr(dict(self))


#: command-line name -> estimator class, in the paper's table order.
MODELS: Mapping[str, type] = _EstimatorClasses()

#: command-line name -> the paper's display name.
DISPLAY_NAMES: dict[str, str] = {
    "poems": "POEMS",
    "poem": "POEM",
    "mocss-ae": "MOCSS-AE",
    "mocss-vae": "MOCSS-VAE",
    "mocss-sparsevae": "MOCSS-SparseVAE",
    "pca": "PCA",
    "raw": "raw features",
}

#: baselines of the benchmark: PCA with n_components, and the scaled features.
BASELINES: tuple[str, ...] = ("pca", "raw")

#: bundled data sets by command-line name (loaded lazily).
DATASETS: tuple[str, ...] = ("tcga_brca", "nutrimouse")

#: the paper's k-means / k-NN seeds.
PAPER_SEEDS: tuple[int, ...] = (0, 12, 21, 42, 1234)


def load_dataset(
    dataset: str | None = None,
    data: str | Path | None = None,
    *,
    labels: str | Path | None = None,
    label_column: str | None = None,
    join: str = "strict",
    sample_name_length: int | None = None,
    sample_types: Any = "all",
    require_labels: bool = True,
    transpose: bool | str = "auto",
    keep_unlabelled: bool = False,
    omics: Sequence[str] | None = None,
) -> Bunch:
    """Load a bundled data set by name, or a folder of the user's.

    Parameters
    ----------
    dataset : {"tcga_brca", "nutrimouse"}, default=None
        A bundled data set. Used when ``data`` is None (default ``"tcga_brca"``).
    data : str or path-like, default=None
        A folder; it must hold labels. Numbered headerless files (``1_all.csv``,
        ...) are read by :func:`skpoems.datasets.load_omics_folder`, any other
        folder of tables (``mrna.csv.gz``, ``labels.csv``, ...) by
        :func:`skpoems.datasets.load_omics_tables`.
    labels, label_column, join, sample_name_length, sample_types : optional
        The label file, its label column, how samples are matched, the
        length sample names are cut to and the sample types kept, for
        :func:`~skpoems.datasets.load_omics_tables`.
    transpose : bool or "auto", default="auto"
        The layout of a folder of named tables (see
        :func:`~skpoems.datasets.load_omics_tables`).
    require_labels : bool, default=True
        Refuse a folder without labels (the evaluation protocol scores against
        them); False returns its ``target`` as None.
    keep_unlabelled : bool, default=False
        Keep the samples of a folder of named tables that its label file does
        not label, with a missing ``target`` (see
        :func:`~skpoems.datasets.load_omics_tables`).
    omics : sequence of str, default=None
        The omics of a folder of named tables to read, by name and in this
        order (see :func:`~skpoems.datasets.load_omics_tables`).

    Returns
    -------
    Bunch
        The loader's Bunch (``data`` a DataFrame with ``(omic, feature)``
        MultiIndex columns, ``target`` a Series, ``target_names``, ``omic_names``)
        plus ``name`` (the data set's name, or the folder's) and ``is_train``
        (None unless the folder holds a ``_tr``/``_te`` split). ``target_names``
        is None for a folder with numeric labels.

    Raises
    ------
    ValueError
        Unknown data set name, unreadable folder, or a folder without labels.
    """
    from . import datasets

    if data is not None:
        folder = Path(data)
        if not folder.is_dir():
            raise ValueError(f"Folder not found: {folder}" if not folder.exists() else f"{folder} is not a folder.")
        numbered = folder.is_dir() and any(
            datasets._folder._NUMBERED_FILE.match(entry.name) for entry in folder.iterdir()
        )
        if numbered or not folder.is_dir():
            if (
                labels is not None or label_column is not None or join != "strict"
                or sample_name_length is not None or transpose != "auto" or omics is not None
                or not (isinstance(sample_types, str) and sample_types == "all")
            ):
                raise ValueError(
                    f"{folder} is in the MOGONET/MOCSS layout, whose labels are "
                    "labels_all.csv (or labels_tr.csv/labels_te.csv) and whose rows "
                    "are matched by position; a label file, label column, join, omics, "
                    "sample name length, sample types or layout cannot be chosen."
                )
            bunch = datasets.load_omics_folder(folder)
            missing = "add labels_all.csv (or labels_tr.csv/labels_te.csv)"
        else:
            bunch = datasets.load_omics_tables(
                folder, labels=labels, label_column=label_column, join=join,
                sample_name_length=sample_name_length, transpose=transpose,
                keep_unlabelled=keep_unlabelled, omics=omics, sample_types=sample_types,
            )
            candidates = bunch.get("not_read") or []
            missing = "name the label file labels.csv, or pass labels=FILE (--labels FILE)" + (
                f"; the tables without numbers, which may hold labels, are {', '.join(candidates)}"
                if candidates else ""
            )
            if bunch.target is None and require_labels:
                # a GEO series matrix keeps its samples' characteristics
                for entry in sorted(folder.iterdir()):
                    geo = datasets._tables._geo_samples(entry) if entry.is_file() else None
                    if geo is not None and geo.shape[1] > 1:
                        keys = ", ".join(map(str, geo.columns[1:6]))
                        missing += (
                            f"; {entry.name} holds its samples' characteristics ({keys}): take "
                            f"them as labels with --labels {entry.name} --label-column NAME"
                        )
                        break
        if bunch.target is None and require_labels:
            raise ValueError(
                f"{folder} has no labels, against which the evaluation protocol scores "
                f"the embeddings: {missing}."
            )
        classes = [] if bunch.target is None else np.unique(pd.Series(bunch.target).dropna().to_numpy())
        if require_labels and len(classes) == 1:
            only = str(classes[0] if bunch.target_names is None else bunch.target_names[int(classes[0])])
            raise ValueError(
                f"{folder}: every labelled sample is of one class ({only!r}); the evaluation "
                "protocol scores subtypes against at least 2 classes (skpoems discover needs no labels)."
            )
        name = folder.resolve().name or "data"
    else:
        dataset = "tcga_brca" if dataset is None else dataset
        if dataset not in DATASETS:
            raise ValueError(
                f"Unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}."
            )
        bunch = getattr(datasets, f"load_{dataset}")()
        name = dataset
    bunch.name = name
    bunch.setdefault("is_train", None)
    return bunch


def make_estimator(model: str, *, drop_none: bool = True, **params: Any) -> Any:
    """A model or baseline by command-line name, with the given parameters.

    Parameters whose value is None are left at the estimator's default unless
    ``drop_none`` is False. Baselines take ``n_components`` (PCA)
    and ignore the training parameters.

    Parameters
    ----------
    model : str
        One of :data:`MODELS` or :data:`BASELINES`.
    drop_none : bool, default=True
        Drop None-valued parameters (read them as "not given"). With False a
        None is passed on, for parameters where None is a setting (for example
        ``convergence_tol=None``: no convergence test).
    **params
        Estimator parameters (``max_iter``, ``batch_size``, ...).

    Returns
    -------
    estimator
        An unfitted scikit-learn transformer.
    """
    if drop_none:
        params = {k: v for k, v in params.items() if v is not None}
    if model == "pca":
        return PCA(
            n_components=params.get("n_components", 32),
            random_state=params.get("random_state"),
        )
    if model == "raw":
        return FunctionTransformer()
    if model not in MODELS:
        raise ValueError(
            f"Unknown model {model!r}; choose one of "
            f"{', '.join([*MODELS, *BASELINES])}."
        )
    return MODELS[model](**params)


@dataclass
class Split:
    """Training and test parts of a data set, min-max scaled on the training part.

    Attributes
    ----------
    X_train, X_test : DataFrame or ndarray
        The scaled parts (DataFrames keep the index and the MultiIndex columns).
    y_train, y_test : Series or ndarray
        Their labels.
    scaler : MinMaxScaler, OmicTransformer or None
        Fitted on ``X_train`` (unscaled) only; an
        :class:`~skpoems.preprocessing.OmicTransformer` that also selects
        features when ``top_variance`` was given; None when neither was asked.
    is_train : ndarray of bool
        True for the rows of the input that went into the training part.
    imputer : OmicTransformer or None
        The per-omic ``SimpleImputer`` fitted on ``X_train`` that filled stray
        missing values when ``impute`` was given, else None.
    log : OmicTransformer or None
        ``log1p`` of the omics named in ``log`` (the others passed through),
        applied first; None when ``log`` was not given.
    columns : Index or None
        The columns of the data that was split (a DataFrame's), which
        :meth:`pipeline` takes; None for an array.
    """

    X_train: Any
    X_test: Any
    y_train: Any
    y_test: Any
    scaler: Any
    is_train: np.ndarray
    imputer: Any = None
    log: Any = None
    columns: Any = None

    def pipeline(self, estimator: Any) -> Any:
        """The fitted preprocessing of this split followed by ``estimator``.

        A :class:`~sklearn.pipeline.Pipeline` from data in the form given to
        :func:`split_and_scale` (e.g. ``bunch.data`` of the loaders, unscaled) to
        the embedding: the imputer and the scaler fitted on the training part,
        then ``estimator`` as it is (fitted on the scaled training part). It
        embeds new samples measured like the training ones, and is what
        ``skpoems run`` saves as ``model.joblib``. When the data had
        ``(omic, feature)`` MultiIndex columns, a first step (``"input"``)
        matches new data to them by name and names the omic and the feature
        that does not match.
        """
        from sklearn.pipeline import Pipeline

        steps: list[tuple[str, Any]] = []
        if isinstance(self.columns, pd.MultiIndex):
            steps.append(("input", _TrainedColumns().fit(pd.DataFrame(columns=self.columns))))
        if self.log is not None:
            steps.append(("log", self.log))
        if self.imputer is not None:
            steps.append(("impute", self.imputer))
        if isinstance(self.scaler, MinMaxScaler):
            # fitted on plain arrays: keep DataFrame labels (the omics and features)
            scale = FunctionTransformer(_scale_like_training, kw_args={"scaler": self.scaler})
            steps.append(("scale", scale.fit(None)))
        elif self.scaler is not None:
            steps.append(("scale", self.scaler))
        steps.append(("model", estimator))
        return Pipeline(steps)


def _listed(names: Sequence[Any], limit: int = 5) -> str:
    """``'a', 'b', 'c' ...``: the first ``limit`` names."""
    return ", ".join(map(repr, list(names)[:limit])) + (" ..." if len(names) > limit else "")


class _TrainedColumns(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """The first step of :meth:`Split.pipeline` (``model.joblib``): new data as
    the pipeline was fitted on it, the ``(omic, feature)`` MultiIndex DataFrame
    of :func:`~skpoems.concat_omics` and the loaders (``bunch.data``).

    A dict of tables (keyed by omic) or a list of them (in the fitted order) is
    joined into that frame, and columns in another order are put in the fitted
    one, all matched by name. A missing or unknown omic or feature is an error
    naming it; a plain array or a frame without (omic, feature) columns passes
    as it is when it has as many columns (the steps after it match those by
    position), else an error saying what the pipeline takes. The output is the
    input's own form (a DataFrame, or the array), so ``set_output`` changes
    nothing.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> _TrainedColumns:
        if not isinstance(X, pd.DataFrame) or not isinstance(X.columns, pd.MultiIndex):
            raise TypeError("_TrainedColumns is fitted on a DataFrame with (omic, feature) MultiIndex columns.")
        self.columns_ = X.columns.copy()
        self.omic_names_ = list(dict.fromkeys(self.columns_.get_level_values(0)))
        self.n_features_in_ = len(self.columns_)
        return self

    def omic_feature_names(self) -> list[np.ndarray]:
        """Feature names of each omic, as fitted (as the estimators give them)."""
        omics = self.columns_.get_level_values(0)
        features = self.columns_.get_level_values(1)
        return [np.asarray(features[omics == omic], dtype=object) for omic in self.omic_names_]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``"omic__feature"``, as the estimators name their inputs."""
        return np.asarray([f"{omic}__{feature}" for omic, feature in self.columns_], dtype=object)

    def inverse_transform(self, X: Any) -> Any:
        """``X`` as it is: this step only checks and orders the columns, so the
        pipeline's ``inverse_transform`` goes through it."""
        return X

    def set_output(self, *, transform: Any = None) -> _TrainedColumns:
        """Nothing to set: the output is the input's own form."""
        return self

    def _takes(self) -> str:
        dims = ", ".join(
            f"{omic!r} {len(f)}" for omic, f in zip(self.omic_names_, self.omic_feature_names(), strict=True)
        )
        return (
            "The pipeline takes the omics side by side as one DataFrame with (omic, feature) "
            "MultiIndex columns, as skpoems.concat_omics({name: table, ...}) and the loaders "
            f"(bunch.data) give them: {self.n_features_in_} features, of the omics {dims}."
        )

    def transform(self, X: Any) -> Any:
        from sklearn.utils.validation import check_is_fitted

        from ._omics import concat_omics

        check_is_fitted(self, "columns_")
        if isinstance(X, Mapping):
            unknown = [name for name in X if name not in self.omic_names_]
            if unknown:
                raise ValueError(
                    f"X names omic(s) {_listed(unknown)} that the pipeline was not fitted on; "
                    f"its omics are {self.omic_names_}. " + self._takes()
                )
            X = concat_omics({name: X[name] for name in self.omic_names_ if name in X})
        elif isinstance(X, (list, tuple)):
            if len(X) != len(self.omic_names_):
                raise ValueError(
                    f"X is a {type(X).__name__} of {len(X)} table(s), but the pipeline was fitted "
                    f"on {len(self.omic_names_)} omics ({self.omic_names_}, in that order). "
                    + self._takes()
                )
            X = concat_omics(list(X), omic_names=self.omic_names_)
        if not isinstance(X, pd.DataFrame) or not isinstance(X.columns, pd.MultiIndex):
            shape = getattr(X, "shape", None)
            if shape is None or len(shape) != 2:
                raise TypeError(f"X is a {type(X).__name__}. " + self._takes())
            if shape[1] != self.n_features_in_:
                raise ValueError(f"X has {shape[1]} columns, not {self.n_features_in_}. " + self._takes())
            return X  # (matched by position, as without this step)
        if X.columns.nlevels != 2:
            raise ValueError(f"X's columns have {X.columns.nlevels} levels, not 2. " + self._takes())
        if X.columns.equals(self.columns_):
            return X
        given = set(X.columns.get_level_values(0))
        absent = [omic for omic in self.omic_names_ if omic not in given]
        unknown = [omic for omic in dict.fromkeys(X.columns.get_level_values(0)) if omic not in self.omic_names_]
        if absent or unknown:
            raise ValueError(
                f"X has the omics {list(dict.fromkeys(X.columns.get_level_values(0)))}, but the "
                f"pipeline was fitted on {self.omic_names_}"
                + (f": it lacks {_listed(absent)}" if absent else "")
                + (f"{';' if absent else ':'} {_listed(unknown)} is not one of them" if unknown else "")
                + ". A patient without an omic is given as NaN in its columns; "
                + self._takes()
            )
        repeated = X.columns[X.columns.duplicated()]
        if len(repeated):
            omic, feature = repeated[0]
            raise ValueError(f"X lists feature {feature!r} of omic {omic!r} more than once.")
        for omic in self.omic_names_:
            fitted = self.columns_[self.columns_.get_level_values(0) == omic].get_level_values(1)
            here = X.columns[X.columns.get_level_values(0) == omic].get_level_values(1)
            lacks = fitted.difference(here, sort=False)
            extra = here.difference(fitted, sort=False)
            if len(lacks) or len(extra):
                raise ValueError(
                    f"Omic {omic!r} of X "
                    + (
                        f"lacks {len(lacks)} feature(s) the pipeline was fitted on ({_listed(lacks)})"
                        if len(lacks)
                        else ""
                    )
                    + (" and " if len(lacks) and len(extra) else "")
                    + (f"has {len(extra)} feature(s) it was not fitted on ({_listed(extra)})" if len(extra) else "")
                    + ". Give every omic the features it was fitted on, and those alone "
                    "(X.reindex(columns=pipe['input'].columns_) keeps them, with NaN for "
                    "those absent: a patient without an omic has NaN in all of its columns)."
                )
        return X.reindex(columns=self.columns_)  # the same columns, in the fitted order


def _take_rows(a: Any, rows: np.ndarray) -> Any:
    return (
        a.iloc[rows]
        if isinstance(a, (pd.DataFrame, pd.Series))
        else np.asarray(a)[rows]
    )


def _apply_scaler(scaler: MinMaxScaler, X: Any) -> Any:
    """Scale X with a scaler fitted on plain arrays, keeping DataFrame labels."""
    if isinstance(X, pd.DataFrame):
        values = scaler.transform(X.to_numpy(dtype=np.float64))
        return pd.DataFrame(values, index=X.index, columns=X.columns)
    return scaler.transform(np.asarray(X, dtype=np.float64))


def _scale_like_training(X: Any, scaler: MinMaxScaler) -> Any:
    """``_apply_scaler`` as a FunctionTransformer function (importable, so picklable)."""
    return _apply_scaler(scaler, X)


def _log1p(values: np.ndarray) -> np.ndarray:
    """``log1p`` that refuses values at or below -1 (where it gives NaN or -inf):
    the log step of :func:`split_and_scale` (importable, so picklable)."""
    values = np.asarray(values, dtype=np.float64)
    low = np.nanmin(values, initial=np.inf)
    if low <= -1:
        raise ValueError(
            f"log1p needs values above -1, and the omic has values down to {low:.3g}: "
            "it looks log-scaled already (or centred). Do not log-transform it."
        )
    return np.log1p(values)


def _fit_log(X_train: Any, log: Sequence[str] | None) -> Any:
    """The per-omic ``log1p`` step of the omics named in ``log``, or None."""
    if not log:
        return None
    from .preprocessing import OmicTransformer

    if isinstance(log, str):
        log = [log]
    names = OmicTransformer("passthrough").fit(X_train).omic_names_
    unknown = [name for name in log if name not in names]
    if unknown:
        raise ValueError(f"log names no omic {unknown}; the omics are {names}.")
    step = OmicTransformer(
        {
            # (exact inverses; scikit-learn's check of it sees the stray NaN as unequal)
            name: FunctionTransformer(
                _log1p, inverse_func=np.expm1, feature_names_out="one-to-one", check_inverse=False
            )
            if name in log
            else "passthrough"
            for name in names
        }
    )
    return step.fit(X_train)


def _fit_preprocessing(
    X_train: Any, *, impute: str | None, top_variance: Any, scale: bool, log: Sequence[str] | None = None
) -> tuple[Any, Any, Any]:
    """The log step, the imputer and the scaler (or selection) of
    :func:`split_and_scale`, fitted on ``X_train``; each is None when not asked for."""
    log_step = _fit_log(X_train, log)
    if log_step is not None:
        X_train = log_step.transform(X_train)
    imputer = None
    if impute is not None:
        from .preprocessing import OmicTransformer

        if impute not in ("mean", "median"):
            raise ValueError(f"impute must be None, 'mean' or 'median'; got {impute!r}.")
        # per omic, so that a sample's whole missing omic stays missing; a feature
        # that no training sample measures has nothing to be filled from: left out
        imputer = OmicTransformer(_NamedOnceImputer(strategy=impute))
        imputer.fit(X_train)
        X_train = imputer.transform(X_train)
        empty = {}
        for name, features, kept in zip(
            imputer.omic_names_, imputer.omic_feature_names(), imputer._names_out, strict=True
        ):
            kept = set(kept)
            empty[name] = [f for f in features if f not in kept]
        empty = {name: features for name, features in empty.items() if features}
        if empty:
            warnings.warn(
                f"Left out {sum(map(len, empty.values()))} feature(s) that no training "
                "sample measures (impute has nothing to fill them from): "
                + "; ".join(f"omic {name!r}: {features[:5]}" + (" ..." if len(features) > 5 else "")
                            for name, features in empty.items()),
                UserWarning,
                stacklevel=user_stacklevel(),
            )
    scaler = None
    if top_variance is not None:
        from sklearn.pipeline import make_pipeline

        from .preprocessing import OmicTransformer, SelectTopVariance

        select = SelectTopVariance(top_variance)
        scaler = OmicTransformer(make_pipeline(select, MinMaxScaler()) if scale else select)
        scaler.fit(X_train)
    elif scale:
        train_values = (
            X_train.to_numpy(dtype=np.float64)
            if isinstance(X_train, pd.DataFrame)
            else np.asarray(X_train, dtype=np.float64)
        )
        scaler = MinMaxScaler().fit(train_values)
    return log_step, imputer, scaler


class _NamedOnceImputer(SimpleImputer):
    """SimpleImputer whose warning about the features it leaves out (those
    without a training value), repeated at every call and naming them by
    position, is silenced: :func:`_fit_preprocessing` names them once, by omic
    and feature, and the saved pipeline (``model.joblib``, ``skpoems embed``)
    transforms new patients without it."""

    def fit(self, X, y=None):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Skipping features without any observed values")
            return super().fit(X, y)

    def transform(self, X):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Skipping features without any observed values")
            return super().transform(X)


def _columns_of(X: Any) -> Any:
    """The columns of a DataFrame (for :attr:`Split.columns`), else None."""
    return X.columns.copy() if isinstance(X, pd.DataFrame) else None


def _preprocess(X: Any, log_step: Any, imputer: Any, scaler: Any) -> Any:
    """Apply the fitted steps of :func:`_fit_preprocessing`."""
    if log_step is not None:
        X = log_step.transform(X)
    if imputer is not None:
        X = imputer.transform(X)
    if isinstance(scaler, MinMaxScaler):
        return _apply_scaler(scaler, X)
    return X if scaler is None else scaler.transform(X)


def preprocess_all(
    X: Any, y: Any = None, *, impute: str | None = None, top_variance: Any = None,
    log: Sequence[str] | None = None,
) -> Split:
    """Impute, select and scale every sample, for a fit on the whole cohort.

    The preprocessing of :func:`split_and_scale` fitted on all of ``X``: for
    finding subtypes in a cohort rather than scoring a held-out part. The
    returned :class:`Split` has every sample in both ``X_train`` and
    ``X_test`` (``is_train`` all True).
    """
    log_step, imputer, scaler = _fit_preprocessing(X, impute=impute, top_variance=top_variance, scale=True, log=log)
    Xp = _preprocess(X, log_step, imputer, scaler)
    return Split(Xp, Xp, y, y, scaler, np.ones(len(X), dtype=bool), imputer, log_step, _columns_of(X))


def split_and_scale(
    X: Any,
    y: Any,
    *,
    test_size: float | int = 0.2,
    random_state: int | None = 1,
    stratify: bool = False,
    is_train: Sequence[bool] | np.ndarray | None = None,
    scale: bool = True,
    top_variance: float | None = None,
    impute: str | None = None,
    log: Sequence[str] | None = None,
) -> Split:
    """Steps 1-2 of the protocol: train/test split, then min-max scaling.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        The omics side by side (a MultiIndex DataFrame keeps its labels).
    y : array-like of shape (n_samples,)
        Labels.
    test_size : float or int, default=0.2
        Test fraction or number of test samples (the paper: 0.2).
    random_state : int or None, default=1
        Seed of the split (the paper: 1).
    stratify : bool, default=False
        Stratify the split by ``y``. The paper does not.
    is_train : array-like of bool, default=None
        A given split (e.g. MOGONET's ``_tr``/``_te`` files); overrides
        ``test_size``, ``random_state`` and ``stratify``.
    scale : bool, default=True
        Min-max scale every feature to [0, 1] with a scaler fitted on the
        training rows only (per feature, hence per omic block). Test values
        outside the training range fall outside [0, 1]; they are not clipped.
    top_variance : int or float, default=None
        Keep only each omic's most variable features, measured on the training
        rows (before scaling): a fraction in (0, 1] or a number per omic, as
        :class:`~skpoems.preprocessing.SelectTopVariance`. The POEMS authors keep
        0.25 of each KIRC omic. None: keep every feature.
    impute : {"mean", "median"}, default=None
        Fill stray missing values (NaN in a sample that has other values of the
        same omic, common in methylation arrays) with each feature's mean or
        median over the training rows, before selection and scaling. A sample's
        whole missing omic (its block all NaN) stays missing: the models handle
        it. None leaves NaN as they are (the models refuse stray NaN).
    log : list of str, default=None
        Omics to log-transform first, ``log1p(x)`` (linear-scale abundances:
        read counts, TPM, intensities), before imputation, selection and
        scaling. Values at or below -1 are an error naming the omic.

    Returns
    -------
    Split
    """
    n = len(X)
    if is_train is not None:
        is_train = np.asarray(is_train, dtype=bool)
        if is_train.shape != (n,):
            raise ValueError(f"is_train has shape {is_train.shape}; expected ({n},).")
        train_rows, test_rows = np.flatnonzero(is_train), np.flatnonzero(~is_train)
    else:
        labels = np.asarray(y)
        train_rows, test_rows = train_test_split(
            np.arange(n),
            test_size=test_size,
            random_state=random_state,
            stratify=labels if stratify else None,
        )
        is_train = np.zeros(n, dtype=bool)
        is_train[train_rows] = True
    if len(train_rows) == 0 or len(test_rows) == 0:
        raise ValueError("The split left the training or the test part empty.")
    X_train, X_test = _take_rows(X, train_rows), _take_rows(X, test_rows)
    y_train, y_test = _take_rows(y, train_rows), _take_rows(y, test_rows)
    steps = _fit_preprocessing(X_train, impute=impute, top_variance=top_variance, scale=scale, log=log)
    X_train, X_test = _preprocess(X_train, *steps), _preprocess(X_test, *steps)
    return Split(X_train, X_test, y_train, y_test, steps[2], is_train, steps[1], steps[0], _columns_of(X))


@dataclass
class ProtocolResult:
    """What :func:`run_protocol` produced.

    Attributes
    ----------
    estimator : estimator
        The fitted estimator (a clone of the one passed).
    split : Split
        The scaled training and test parts and the fitted scaler.
    embedding : DataFrame of shape (n_test, n_features_out)
        The test embedding, indexed like the test samples, with the estimator's
        output names as columns.
    metrics : dict of str to float
        :func:`~skpoems.metrics.evaluate_embedding` of the test embedding.
    timings : dict of str to float
        Seconds: ``"split_s"``, ``"fit_s"``, ``"embed_s"``, ``"evaluate_s"``,
        ``"total_s"``.
    """

    estimator: Any
    split: Split
    embedding: pd.DataFrame
    metrics: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def scaler(self) -> MinMaxScaler | None:
        """The min-max scaler fitted on the training part."""
        return self.split.scaler

    def training_summary(self) -> dict[str, Any]:
        """Sample counts and the estimator's training record, JSON-ready."""
        est = self.estimator
        n_train = int(len(self.split.y_train))
        out: dict[str, Any] = {
            "n_train": n_train,
            "n_test": int(len(self.split.y_test)),
            "n_features_out": int(self.embedding.shape[1]),
        }
        if hasattr(est, "n_train_samples_"):
            out["n_fit"] = int(est.n_train_samples_)
            out["n_validation"] = n_train - int(est.n_train_samples_)
        for attr in ("n_iter_", "best_iter_", "batch_size_"):
            if hasattr(est, attr):
                out[attr.rstrip("_")] = int(getattr(est, attr))
        if hasattr(est, "best_validation_score_"):
            out["best_validation_loss"] = -float(est.best_validation_score_)
        if len(getattr(est, "init_scores_", ())) > 1:
            # n_init > 1: every init's held-out loss, the kept one the lowest
            scores = np.asarray(est.init_scores_, dtype=float)
            out["init_losses"] = [-float(v) for v in scores]
            out["kept_init"] = int(np.argmax(np.where(np.isfinite(scores), scores, -np.inf))) + 1
        if getattr(est, "loss_curve_", None):
            out["final_train_loss"] = float(est.loss_curve_[-1])
        if hasattr(est, "stop_reason_"):
            out["stop_reason"] = str(est.stop_reason_)
        if hasattr(est, "device_"):
            out["device"] = str(est.device_)
        return out


def _output_names(estimator: Any, n_columns: int) -> list[str]:
    try:
        names = [str(n) for n in estimator.get_feature_names_out()]
    except Exception:  # noqa: BLE001 - baselines without names
        names = []
    if len(names) != n_columns or len(set(names)) != n_columns:
        names = [f"z{k}" for k in range(n_columns)]
    return names


def run_protocol(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    test_size: float | int = 0.2,
    random_state: int | None = 1,
    stratify: bool = False,
    is_train: Sequence[bool] | np.ndarray | None = None,
    scale: bool = True,
    seeds: Sequence[int] = PAPER_SEEDS,
    split: Split | None = None,
) -> ProtocolResult:
    """Run the paper's evaluation protocol for one estimator.

    Split (80/20, ``random_state=1``), min-max scale with a scaler fitted on the
    training part only, fit a clone of ``estimator`` on the training part (the
    skpoems models hold out their own validation part for early stopping), embed
    the test part and score it with :func:`skpoems.metrics.evaluate_embedding`.

    Parameters
    ----------
    estimator : estimator
        Any scikit-learn transformer; it is cloned, not modified.
    X : DataFrame or array-like of shape (n_samples, n_features)
        The omics side by side, unscaled. A DataFrame with ``(omic, feature)``
        MultiIndex columns (as the skpoems loaders return) carries the omic
        structure into the skpoems models; a plain array needs the estimator's
        ``omic_dims``.
    y : array-like of shape (n_samples,)
        Labels, used only for the split (when stratified) and the scores. The
        scores use as many k-means clusters and k-NN neighbours as ``y`` has
        classes, also when the test part lacks one.
    test_size, random_state, stratify, is_train, scale
        See :func:`split_and_scale`.
    seeds : sequence of int, default=(0, 12, 21, 42, 1234)
        Seeds of :func:`~skpoems.metrics.evaluate_embedding`.
    split : Split, default=None
        A precomputed :func:`split_and_scale` result; the split parameters are
        then ignored.

    Returns
    -------
    ProtocolResult

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from skpoems._experiment import run_protocol
    >>> from skpoems.datasets import load_nutrimouse
    >>> mice = load_nutrimouse(target="genotype")
    >>> result = run_protocol(PCA(n_components=2), mice.data, mice.target)
    >>> result.embedding.shape, sorted(result.metrics)[:2]
    ((8, 2), ['kmeans_acc', 'kmeans_acc_std'])
    """
    t0 = time.perf_counter()
    if split is None:
        split = split_and_scale(
            X,
            y,
            test_size=test_size,
            random_state=random_state,
            stratify=stratify,
            is_train=is_train,
            scale=scale,
        )
    t1 = time.perf_counter()
    fitted = clone(estimator).fit(split.X_train)
    t2 = time.perf_counter()
    Z = np.asarray(fitted.transform(split.X_test), dtype=np.float64)
    t3 = time.perf_counter()
    # k-means clusters and k-NN neighbours: the number of classes (MODELS.md: of
    # subtypes), counted over all labels, not over the test part, which may lack
    # a class (nutrimouse: 8 test mice of 5 diets)
    n_classes = len(np.unique(np.concatenate([np.asarray(split.y_train), np.asarray(split.y_test)])))
    metrics = evaluate_embedding(
        Z, np.asarray(split.y_test), seeds=seeds, n_clusters=n_classes, n_neighbors=n_classes
    )
    t4 = time.perf_counter()
    index = split.X_test.index if isinstance(split.X_test, pd.DataFrame) else None
    embedding = pd.DataFrame(Z, index=index, columns=_output_names(fitted, Z.shape[1]))
    timings = {
        "split_s": t1 - t0,
        "fit_s": t2 - t1,
        "embed_s": t3 - t2,
        "evaluate_s": t4 - t3,
        "total_s": t4 - t0,
    }
    return ProtocolResult(fitted, split, embedding, metrics, timings)
