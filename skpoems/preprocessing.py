"""Per-omic preprocessing that keeps the omic structure, for pipelines.

scikit-learn's transformers see one flat table: put ``MinMaxScaler()`` before a
skpoems estimator in a ``Pipeline`` and the ``(omic, feature)`` columns of a
:func:`~skpoems.concat_omics` DataFrame come out as one unlabelled block, which
the estimator then reads as a single omic. :class:`OmicTransformer` applies a
transformer to each omic separately and returns the omics in the form they came
in, so scaling, imputing or selecting features happens inside cross-validation
(fitted on the training folds only) and the model still sees every omic.

:class:`SelectTopVariance` keeps the most variable features, the filter the
POEMS authors applied to each omic (top 25% by variance) before scaling.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from numbers import Integral
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.feature_selection import SelectorMixin
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils._indexing import _safe_indexing
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._omics import (
    OMIC_SEP,
    OmicInputMixin,
    _is_default_index,
    _is_polars,
    _polars_frame,
    _same_sequence,
    as_omic_blocks,
    check_input_features,
    check_omic_dims,
    flat_feature_names,
    in_fitted_order,
    numbers_not_text,
    to_float_block,
)
from ._params import _Count, _Fraction
from .utils._warnings import user_stacklevel

__all__ = ["OmicTransformer", "SelectTopVariance"]

# the estimators that fit, set_params and set_output return (typing.Self needs
# Python 3.11)
_OmicTransformerT = TypeVar("_OmicTransformerT", bound="OmicTransformer")
_SelectTopVarianceT = TypeVar("_SelectTopVarianceT", bound="SelectTopVariance")


def _transformed(values: Any, n_rows: int, n_out: int | None, name: str, est: Any, method: str) -> np.ndarray:
    """The output of an omic's transformer as a 2-D float array of ``n_rows``
    rows (and ``n_out`` columns, where given), else a ValueError naming the omic
    and the transformer (numpy's own error named neither)."""
    if hasattr(values, "toarray"):  # a sparse output (e.g. OneHotEncoder)
        values = values.toarray()
    if isinstance(values, pd.DataFrame):  # (nullable Float64 columns: NaN for NA)
        values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.asarray(values)
    if values.dtype.kind == "O":  # numbers held as objects: read as floats where they are
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError):
            pass
    problem = None
    if values.ndim != 2:
        problem = f"an array of shape {values.shape}, not 2-D (samples x features)"
    elif values.shape[0] != n_rows:
        problem = f"{values.shape[0]} rows for {n_rows} samples (a transformer must keep every sample)"
    elif n_out is not None and values.shape[1] != n_out:
        problem = f"{values.shape[1]} columns, where it gave {n_out} at fit"
    elif values.dtype.kind not in "biuf":
        problem = f"{values.dtype} values, not real numbers"
    if problem:
        raise ValueError(
            f"The transformer of omic {name!r} ({type(est).__name__}) returned {problem} "
            f"from {method}."
        )
    return values


#: features whose range is below this share of their magnitude vary only at
#: the precision of their numbers (float32 resolves about 1.2e-7 of a value)
_NOISE_RANGE = 1e-6


def _warn_of_stretched_noise(est: Any, name: str, features: np.ndarray) -> None:
    """Warn when a fitted min-max scaler (alone or last in a pipeline) stretches
    features that vary only at the precision of their numbers (7.0 + 1e-6 noise
    in float32) over [0, 1], as much as real features: 800 such columns beside
    200 real ones nearly collapsed a 50-epoch POEMS embedding (largest sd 0.017;
    k-means NMI 0.02) without a word. Constant features (range 0) map to 0 and
    are harmless."""
    final = est.steps[-1][1] if hasattr(est, "steps") and est.steps else est
    if not isinstance(final, MinMaxScaler) or not hasattr(final, "data_range_"):
        return
    magnitude = np.maximum(np.abs(final.data_min_), np.abs(final.data_max_))
    with np.errstate(invalid="ignore", divide="ignore"):
        tiny = (final.data_range_ > 0) & (final.data_range_ < _NOISE_RANGE * magnitude)
    if not tiny.any():
        return
    j = int(np.flatnonzero(tiny)[0])
    label = str(features[j]) if final is est and len(features) == len(tiny) else f"column {j}"
    warnings.warn(
        f"Omic {name!r}: {int(tiny.sum())} feature(s) vary by less than a millionth of their "
        f"value (e.g. {label!r}: {final.data_min_[j]:.8g} to {final.data_max_[j]:.8g}), at the "
        "precision of the numbers: min-max scaling stretches that rounding noise over [0, 1], "
        "as much as a real feature's range. Drop them first (e.g. sklearn's VarianceThreshold "
        "or skpoems.preprocessing.SelectTopVariance), or check how they were made.",
        UserWarning,
        stacklevel=user_stacklevel(),
    )


class OmicTransformer(
    OmicInputMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Apply a transformer to each omic separately and keep the omic structure.

    A clone of ``transformer`` is fitted on each omic's block (only on the samples
    that have the omic: a sample whose block is entirely NaN lacks it, and its
    output block stays NaN, so a later skpoems estimator still sees a missing
    omic). The output has the form of the input: a list stays a list, a dict a
    dict, a ``(omic, feature)`` MultiIndex DataFrame such a DataFrame, with the
    feature names the transformers give (a feature selector keeps the names of
    the features it keeps).

    Parameters
    ----------
    transformer : estimator, "passthrough", dict or None, default=None
        What to apply to each omic: a scikit-learn transformer (cloned once per
        omic), ``"passthrough"`` (leave the omic as it is), or a dict mapping every
        omic name to one of these. None: ``MinMaxScaler()``, the paper's scaling of
        every feature to [0, 1].

    omic_dims : sequence of int, default=None
        Number of features of each omic when ``X`` is one 2-D array (as for the
        skpoems estimators). None: a plain 2-D array is one omic.

    Attributes
    ----------
    transformers_ : dict of str to estimator or "passthrough"
        The fitted transformer of each omic, by omic name.

    omic_names_ : list of str
        Omic names seen during fit (from dict keys, MultiIndex level 0 or DataFrame
        ``name``; else ``"omic0"``, ``"omic1"``, ...).

    omic_dims_ : tuple of int
        Number of input features of each omic.

    omic_dims_out_ : tuple of int
        Number of output features of each omic. Pass it as ``omic_dims`` to the
        next skpoems estimator whenever the input is a plain 2-D array: the
        output is then one plain array too, which the next model would read as a
        single omic (it warns). The structured forms (list, dict, MultiIndex
        frame) carry the omics themselves.

    n_features_in_ : int
        Total number of input features.

    feature_names_in_ : ndarray of str
        Input feature names (``"omic__feature"`` for structured input), when the
        input had names.

    See Also
    --------
    SelectTopVariance : Keep the most variable features of each omic.
    skpoems.concat_omics : The form that goes through ``GridSearchCV``.

    Notes
    -----
    Errors of an inner transformer are re-raised with the omic's name. Stray NaN
    inside an observed block are passed to the transformer, so
    ``OmicTransformer(SimpleImputer())`` fills them without touching missing
    omics. ``set_output(transform="pandas")`` only changes the output of a plain
    2-D input (to a DataFrame with :meth:`get_feature_names_out` columns); the
    structured forms keep their own labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skpoems import POEMTransformer, concat_omics
    >>> from skpoems.preprocessing import OmicTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = concat_omics({"mRNA": 100 * rng.rand(30, 4), "miRNA": 5 * rng.rand(30, 3)})
    >>> scaled = OmicTransformer().fit_transform(X)
    >>> scaled.columns.get_level_values("omic").unique().tolist()
    ['mRNA', 'miRNA']
    >>> round(float(scaled.min().min()), 6), round(float(scaled.max().max()), 6)
    (0.0, 1.0)
    >>> pipe = make_pipeline(OmicTransformer(), POEMTransformer(max_iter=3)).fit(X)
    >>> pipe[-1].omic_names_
    ['mRNA', 'miRNA']
    """

    _parameter_constraints: dict = {
        "transformer": [
            HasMethods(["fit", "transform"]),
            StrOptions({"passthrough"}),
            dict,
            None,
        ],
        "omic_dims": ["array-like", None],
    }

    def __init__(self, transformer: Any = None, *, omic_dims: Any = None) -> None:
        self.transformer: Any = transformer
        self.omic_dims: Any = omic_dims

    # ------------------------------------------------------ nested parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters; with ``deep`` and a dict ``transformer``, also each omic's
        transformer (``transformer__<omic>``) and its parameters
        (``transformer__<omic>__<param>``), as a ``ColumnTransformer`` exposes
        them, so that ``GridSearchCV`` can tune one omic's step.

        Parameters
        ----------
        deep : bool, default=True
            Include the parameters of the per-omic transformers.

        Returns
        -------
        dict
        """
        params = super().get_params(deep=deep)
        if deep and isinstance(self.transformer, Mapping):
            for omic, step in self.transformer.items():
                params[f"transformer__{omic}"] = step
                if hasattr(step, "get_params"):
                    params.update(
                        (f"transformer__{omic}__{key}", value)
                        for key, value in step.get_params(deep=True).items()
                    )
        return params

    def set_params(self: _OmicTransformerT, **params: Any) -> _OmicTransformerT:
        """Set parameters, including ``transformer__<omic>`` (replace one omic's
        transformer in a dict ``transformer``) and ``transformer__<omic>__<param>``.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : OmicTransformer
        """
        if "transformer" in params:
            # a new dict first, then its nested parameters (as ColumnTransformer)
            super().set_params(transformer=params.pop("transformer"))
        if isinstance(self.transformer, Mapping):
            by_omic = {str(k): k for k in self.transformer}
            steps = dict(self.transformer)  # the user's dict is not modified
            # whole steps first, then their parameters (as ColumnTransformer)
            nested = sorted((k for k in params if k.startswith("transformer__")), key=lambda k: k.count("__"))
            for key in nested:
                rest = key[len("transformer__"):]
                omic = max((o for o in by_omic if rest == o or rest.startswith(o + "__")), key=len, default=None)
                if omic is None:
                    raise ValueError(
                        f"Invalid parameter {key!r} for {type(self).__name__}: no omic "
                        f"{rest.split('__')[0]!r} in its transformer dict (omics: {list(by_omic)})."
                    )
                value = params.pop(key)
                if rest == omic:
                    steps[by_omic[omic]] = value
                else:
                    step = steps[by_omic[omic]]
                    if not hasattr(step, "set_params"):
                        raise ValueError(f"Invalid parameter {key!r}: the step of omic {omic!r} is {step!r}.")
                    steps[by_omic[omic]] = clone(step).set_params(**{rest[len(omic) + 2:]: value})
            if nested:
                self.transformer = steps
        return super().set_params(**params)

    # ------------------------------------------------------------------ fit
    def _transformer_for(self, name: str) -> Any:
        spec = self.transformer
        if isinstance(spec, Mapping):
            spec = {str(k): t for k, t in spec.items()}[name]
            if not (
                spec is None  # (the default, MinMaxScaler(), as for the whole)
                or spec == "passthrough"
                or (hasattr(spec, "fit") and hasattr(spec, "transform"))
            ):
                raise TypeError(
                    f"transformer[{name!r}] must be a transformer with fit and transform, "
                    f"'passthrough' or None (MinMaxScaler()); got {spec!r}."
                )
        if spec is None:
            return MinMaxScaler()
        if isinstance(spec, str):
            return spec
        est = clone(spec)
        try:
            # arrays between the steps of a pipeline set to pandas output by the
            # user too (see _naming); the user's transformer is left as it is
            est.set_output(transform="default")
        except (AttributeError, ValueError):  # (no set_output, or a step without it)
            pass
        return est

    def _check_transformer_keys(self) -> None:
        if not isinstance(self.transformer, Mapping):
            return
        keys = [str(k) for k in self.transformer]
        unknown = [k for k in keys if k not in self.omic_names_]
        lacking = [n for n in self.omic_names_ if n not in keys]
        if unknown or lacking:
            raise ValueError(
                "The transformer dict must name every omic once: "
                + (
                    f"no omic is named {unknown} (omics: {self.omic_names_}). "
                    if unknown
                    else ""
                )
                + (
                    f"omic(s) {lacking} have no entry; give them 'passthrough' to leave them as they are."
                    if lacking
                    else ""
                )
            )

    def _routing_key(self, name: str) -> str:
        """The name an omic's transformer is routed metadata by: its omic for a
        dict of transformers, else ``"transformer"`` (one for all omics)."""
        return name if isinstance(self.transformer, Mapping) else "transformer"

    def get_metadata_routing(self) -> MetadataRouter:
        """Route the metadata of ``fit`` to the omics' transformers.

        With ``sklearn.set_config(enable_metadata_routing=True)``, metadata that
        a transformer requests (e.g. ``StandardScaler().set_fit_request(
        sample_weight=True)``) reaches its ``fit``, restricted to the samples
        that have the omic, as a ``ColumnTransformer`` routes it to its columns.

        Returns
        -------
        routing : MetadataRouter
        """
        router = MetadataRouter(owner=self)
        spec = self.transformer
        named = {str(k): t for k, t in spec.items()} if isinstance(spec, Mapping) else {"transformer": spec}
        for key, est in named.items():
            if est is None or isinstance(est, str):
                continue
            router.add(
                **{key: est},
                method_mapping=MethodMapping()
                .add(caller="fit", callee="fit")
                .add(caller="fit_transform", callee="fit"),
            )
        return router

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self: _OmicTransformerT, X: Any, y: Any = None, **params: Any) -> _OmicTransformerT:
        """Fit one transformer per omic on the samples that have that omic.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            The omics, in any form the skpoems estimators accept.
        y : array-like of shape (n_samples,), default=None
            Passed on to each omic's transformer (restricted to the samples
            that have the omic), for supervised steps such as ``SelectKBest``;
            unsupervised transformers ignore it.
        **params : dict
            Metadata for the transformers' ``fit``, e.g. ``sample_weight``, with
            metadata routing enabled only (see :meth:`get_metadata_routing`).

        Returns
        -------
        self : OmicTransformer
        """
        _raise_for_params(params, self, "fit")
        routed = process_routing(self, "fit", **params) if _routing_enabled() else None
        # a fit that fails leaves an unfitted transformer (NotFittedError), not
        # the new omic names beside the old transformers
        self.__dict__.pop("omic_dims_out_", None)
        blocks, names, _ = self._validate_omic_blocks(X, reset=True)
        self._check_transformer_keys()
        if y is not None:
            y = column_or_1d(y, warn=True) if not hasattr(y, "iloc") else y.to_numpy()
            check_consistent_length(blocks[0], y)
        feature_names = self.omic_feature_names()
        self.transformers_: dict[str, Any] = {}
        self._names_out: list[np.ndarray] = []
        # each omic's own column labels when they are not text (e.g. Entrez ids
        # 7157, 672), which the output keeps rather than their names "7157", "672"
        parsed = in_fitted_order(as_omic_blocks(X), self.omic_names_)
        self._labels_in: list[list[Any] | None] = [
            list(b.columns)
            if parsed.layout in ("list", "dict")
            and isinstance(b, pd.DataFrame)
            and not isinstance(b.columns, pd.MultiIndex)
            and not all(isinstance(c, str) for c in b.columns)
            else None
            for b in parsed.blocks
        ]
        for block, name, features in zip(blocks, names, feature_names):
            rows = _observed_rows(block)
            if not rows.any():
                raise ValueError(
                    f"Omic {name!r} has no sample with observed values (every row is NaN)."
                )
            est = self._transformer_for(name)
            if not isinstance(est, str):
                # (routed may be scikit-learn's empty request, which has no "in")
                step = None if routed is None else routed.get(self._routing_key(name))
                metadata = {
                    key: _safe_indexing(value, np.flatnonzero(rows))
                    if hasattr(value, "__len__") and not isinstance(value, str) and _num_samples(value) == len(rows)
                    else value
                    for key, value in ({} if step is None else step.fit).items()
                }
                with _naming(name, "fit"):
                    est.fit(block[rows], None if y is None else y[rows], **metadata)
                _warn_of_stretched_noise(est, name, features)
                with _naming(name, "transform"):
                    first = est.transform(block[np.flatnonzero(rows)[:1]])  # (one row, not a copy of all)
                n_out = _transformed(first, 1, None, name, est, "transform").shape[1]
            else:
                n_out = block.shape[1]
            self.transformers_[name] = est
            self._names_out.append(_output_names(est, features, n_out))
        self.omic_dims_out_: tuple[int, ...] = tuple(len(n) for n in self._names_out)
        return self

    # ------------------------------------------------------------ transform
    def _apply(self, X: Any, method: str) -> Any:
        check_is_fitted(self)
        inverse = method == "inverse_transform"
        if inverse:
            blocks, parsed = self._blocks_out(X)
        else:
            blocks, _, _ = self._validate_omic_blocks(X, reset=False)
            parsed = in_fitted_order(as_omic_blocks(X), self.omic_names_)
        out = []
        for v, (block, name) in enumerate(zip(blocks, self.omic_names_)):
            est = self.transformers_[name]
            n_out = self.omic_dims_[v] if inverse else self.omic_dims_out_[v]
            rows = _observed_rows(block)
            result = np.full((block.shape[0], n_out), np.nan, dtype=block.dtype)
            if rows.any():
                if isinstance(est, str):
                    values = block[rows]
                else:
                    if not hasattr(est, method):
                        raise AttributeError(
                            f"The transformer of omic {name!r} ({type(est).__name__}) has no {method}."
                        )
                    with _naming(name, method):
                        values = getattr(est, method)(block[rows])
                    values = _transformed(values, int(rows.sum()), n_out, name, est, method)
                result[rows] = np.asarray(values, dtype=block.dtype)
                if inverse:
                    self._unrecoverable_to_nan(result, est, name, v)
                _check_still_observed(result, rows, name, method, parsed.index)
            out.append(result)
        if inverse:
            names = self.omic_feature_names()
            # a flat table gets back the columns fit saw (a flat frame split by
            # omic_dims has no "omic__" prefix in them)
            columns = getattr(self, "feature_names_in_", None)
            if columns is None:
                columns = flat_feature_names(self.omic_names_, names)
            return self._like(X, parsed, out, names, columns)
        return self._like(X, parsed, out, self._names_out, self.get_feature_names_out())

    def _unrecoverable_to_nan(self, result: np.ndarray, est: Any, name: str, v: int) -> None:
        """Set the features of omic ``v`` that its transformer's inverse cannot give
        back (dropped by a selector: scikit-learn fills them with 0) to NaN, and say
        so, as for a step whose inverse is the identity."""
        dropped = _unrecoverable_features(est, self.omic_dims_[v], self.omic_dims_out_[v])
        if dropped is not None:
            result[:, dropped] = np.nan
            warnings.warn(
                f"Omic {name!r} (inverse_transform): {int(dropped.sum())} of its "
                f"{len(dropped)} features were dropped by a selector of its transformer "
                "and cannot be recovered: they are NaN (scikit-learn's selectors fill "
                "them with 0).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        identity = _identity_inverses(est)
        if identity:
            warnings.warn(
                f"Omic {name!r} (inverse_transform): {', '.join(identity)} has no inverse_func, "
                "so its inverse is the identity: the values are not back on the original "
                "scale. Give it inverse_func (e.g. np.expm1 for np.log1p).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def transform(self, X: Any) -> Any:
        """Transform each omic with its fitted transformer.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            The same omics as in fit, in any accepted form.

        Returns
        -------
        X_out : list, tuple, dict, DataFrame or ndarray
            The same form as ``X``: a list or tuple of arrays or DataFrames, a dict,
            a MultiIndex DataFrame, or a 2-D array (whose omics have
            ``omic_dims_out_`` features); a pandas omic comes back pandas, a
            polars one polars. Missing omics stay NaN blocks; ``X`` is not
            modified.
        """
        return self._apply(X, "transform")

    def inverse_transform(self, X: Any) -> Any:
        """Undo the transformation of each omic (e.g. back to the original scale).

        Useful for the outputs of a skpoems estimator's ``impute`` or
        ``inverse_transform``, which are on the scale the model was fitted on.

        Parameters
        ----------
        X : array-like, DataFrame, list, tuple or dict
            Omics with ``omic_dims_out_`` features, in any accepted form (e.g.
            the list that ``POEMSTransformer.inverse_transform`` returns).

        Returns
        -------
        X_original : list, tuple, dict, DataFrame or ndarray
            The same form as ``X``, with ``omic_dims_`` features per omic.
            Features that a selector of an omic's transformer dropped cannot be
            recovered: they are NaN, with a warning (scikit-learn's selectors
            fill them with 0, which would read as measured values under the
            features' own names).
        """
        return self._apply(X, "inverse_transform")

    def _blocks_out(self, X: Any) -> tuple[list[np.ndarray], Any]:
        """Blocks of an input in the output space (for inverse_transform)."""
        parsed = in_fitted_order(as_omic_blocks(X), self.omic_names_)
        if parsed.layout in ("array", "frame"):
            flat = to_float_block(X, "X")  # float32 stays float32, as in transform
            dims = check_omic_dims(self.omic_dims_out_, flat.shape[1])
            blocks = np.split(flat, np.cumsum(dims)[:-1], axis=1)
        else:
            blocks = [
                to_float_block(
                    b,
                    (parsed.names or self.omic_names_)[v] if v < len(parsed.names or self.omic_names_) else f"omic{v}",
                )
                for v, b in enumerate(parsed.blocks)
            ]
        dims = tuple(b.shape[1] for b in blocks)
        if dims != self.omic_dims_out_:
            raise ValueError(
                f"inverse_transform expects omics with {self.omic_dims_out_} features "
                f"(the output of transform); got {dims}."
            )
        self._check_output_names(X, parsed)
        return blocks, parsed

    def _check_output_names(self, X: Any, parsed: Any) -> None:
        """Omics are undone by name, as transform applies them: an input naming
        other omics, or other features than transform's output, is refused (it
        was undone by position with another omic's scaler, and relabelled)."""
        if parsed.names is not None and list(parsed.names) != list(self.omic_names_):
            raise ValueError(
                f"inverse_transform got omics {list(parsed.names)}, but {type(self).__name__} "
                f"was fitted with omics {list(self.omic_names_)}: each omic is undone by "
                "its own transformer, found by name."
            )
        if parsed.layout in ("array", "frame"):
            # one 2-D table: a DataFrame carries its flat names, an array none
            table = parsed.blocks[0] if parsed.blocks else None
            labelled = (
                [(None, table.columns, self.get_feature_names_out())]
                if isinstance(table, pd.DataFrame)
                else []
            )
        else:
            labelled = [
                (name, parsed.blocks[v].columns, self._names_out[v])
                for v, name in enumerate(self.omic_names_)
                if isinstance(parsed.blocks[v], pd.DataFrame)
            ]
        for name, columns, expected in labelled:
            if _is_default_index(columns):
                continue  # a frame built from an array carries no names
            if isinstance(columns, pd.MultiIndex) and name is not None:
                columns = columns.get_level_values(-1)
            given = np.asarray(columns.astype(str), dtype=object)
            if not np.array_equal(given, np.asarray(expected, dtype=str).astype(object)):
                where = f"Omic {name!r} has" if name is not None else "X has"
                differ = [str(g) for g, e in zip(given, expected) if str(g) != str(e)][:3]
                raise ValueError(
                    f"{where} features other than the output of transform for it "
                    f"(first differences: {differ}; expected e.g. "
                    f"{[str(e) for e in list(expected)[:3]]}); inverse_transform relabels its "
                    "output with the fitted names, so it needs the columns transform wrote."
                )

    def _like(
        self, X: Any, parsed: Any, blocks: list[np.ndarray], names: list[np.ndarray], columns: np.ndarray
    ) -> Any:
        """Put the output blocks into the form of the input (``names`` per omic;
        ``columns``: the flat names of a DataFrame output of a 2-D input)."""
        index = parsed.index
        # the user's own omics, in parsed's order: a polars omic comes back polars
        given = {str(k): x for k, x in X.items()} if isinstance(X, Mapping) else None
        polars = [
            _is_polars(given.get(str(name)) if given is not None else X[v])
            for v, name in enumerate(parsed.names or [None] * len(parsed.blocks))
        ] if parsed.layout in ("dict", "list") else []

        def frame(v: int, block: np.ndarray, like: Any) -> Any:
            if polars[v]:
                return _polars_frame(block, names[v])
            if not isinstance(like, pd.DataFrame):
                return block
            columns = self._own_labels(v, like, names[v])
            if columns is None:
                columns = pd.Index(names[v], dtype=object)
            return pd.DataFrame(block, index=like.index, columns=columns)

        # parsed.blocks: the input's omics in the fitted order (polars frames read into pandas)
        if parsed.layout == "dict":
            return {
                k: frame(v, b, x)
                for v, (k, x, b) in enumerate(zip(parsed.names, parsed.blocks, blocks))
            }
        if parsed.layout == "list":
            return _same_sequence(X, [frame(v, b, x) for v, (b, x) in enumerate(zip(blocks, parsed.blocks))])
        if parsed.layout == "multiindex":
            columns = pd.MultiIndex.from_arrays(
                [
                    np.repeat(self.omic_names_, [len(n) for n in names]).tolist(),
                    [str(f) for n in names for f in n],
                ],
                names=list(X.columns.names)
                if all(X.columns.names)
                else ["omic", "feature"],
            )
            return pd.DataFrame(
                np.concatenate(blocks, axis=1), index=index, columns=columns
            )
        flat = np.concatenate(blocks, axis=1)
        # the estimator's set_output, else scikit-learn's set_config(transform_output=...)
        container = _get_output_config("transform", self)["dense"]
        if container == "default":
            return flat
        if container == "pandas":
            return pd.DataFrame(flat, index=index, columns=columns)
        return _polars_frame(flat, columns)

    def _own_labels(self, v: int, like: pd.DataFrame, names: np.ndarray) -> pd.Index | None:
        """The user's own column labels of omic ``v``'s output features, when
        they are not text (integers 7157, 672 rather than "7157", "672"): from
        the frame fit saw and the frame at hand. None: use the names."""
        lookup: dict[str, Any] = {}
        fitted = getattr(self, "_labels_in", None)  # None: fitted before it existed
        for labels in (
            fitted[v] if fitted is not None else None,
            None if isinstance(like.columns, pd.MultiIndex) else list(like.columns),
        ):
            if labels is not None and not all(isinstance(c, str) for c in labels):
                lookup.update((str(c), c) for c in labels)
        mapped = [lookup.get(str(n), _NO_LABEL) for n in names]
        if not lookup or any(c is _NO_LABEL for c in mapped):
            return None
        if list(like.columns) == mapped:
            return like.columns  # the same features in the same order: keep its dtype
        return pd.Index(mapped)

    # ----------------------------------------------------------- names, output
    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output feature names, ``"omic__feature"`` (as the estimators name inputs).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. With ``feature_names_in_`` they must equal it;
            without (fitted on a plain array), they name the features in place
            of ``f0, f1, ...``, split by ``omic_dims_``, as scikit-learn's
            transformers use them, so that a ``Pipeline`` after a step that
            outputs arrays keeps the names.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        names_out = self._names_out
        given = check_input_features(self, input_features)
        if given is not None:
            generic = given == [f"x{j}" for j in range(self.n_features_in_)]
            if getattr(self, "feature_names_in_", None) is None and not generic:
                bounds = np.cumsum([0, *self.omic_dims_])
                names_out = [
                    _output_names(
                        self.transformers_[omic],
                        np.asarray(given[bounds[v] : bounds[v + 1]], dtype=object),
                        self.omic_dims_out_[v],
                    )
                    for v, omic in enumerate(self.omic_names_)
                ]
        return np.asarray(
            [
                f"{omic}{OMIC_SEP}{f}"
                for omic, n in zip(self.omic_names_, names_out)
                for f in n
            ],
            dtype=object,
        )

    def set_output(
        self: _OmicTransformerT,
        *,
        transform: Literal["default", "pandas", "polars"] | None = None,
    ) -> _OmicTransformerT:
        """Choose the output container of a plain 2-D input.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            ``"pandas"`` (or ``"polars"``): a plain 2-D input gives a DataFrame
            whose columns are :meth:`get_feature_names_out`. Lists, dicts and
            MultiIndex DataFrames always keep their own form. None: unchanged.

        Returns
        -------
        self : OmicTransformer
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas' or 'polars'; got {transform!r}."
            )
        self._sklearn_output_config = {"transform": transform}
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "omic_dims_out_")  # set last by a fit that succeeded

    def __sklearn_tags__(self):  # noqa: D105
        # a sample lacking an omic (its whole block NaN) is always taken; a NaN
        # within an observed block goes to the omic's transformer, so the tag is
        # that of the transformers (every one of them must take NaN)
        tags = super().__sklearn_tags__()
        spec = self.transformer
        inner = list(spec.values()) if isinstance(spec, Mapping) else [spec]
        tags.input_tags.allow_nan = all(
            t is None or isinstance(t, str) or _allows_nan(t) for t in inner
        )
        # float32 in, float32 out where every omic's transformer keeps it, so
        # scikit-learn's dtype checks test it: the default (None, a MinMaxScaler)
        # does; a scaler passed in counts by its tag (MinMaxScaler's says float64)
        if all(_preserves_float32(t) for t in inner):
            tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class SelectTopVariance(SelectorMixin, BaseEstimator):
    """Keep the features with the largest variance (unsupervised).

    The POEMS authors keep each omic's top 25% features by variance before
    min-max scaling; per omic, that is
    ``OmicTransformer(make_pipeline(SelectTopVariance(0.25), MinMaxScaler()))``.
    NaN are ignored when computing the variances.

    Parameters
    ----------
    n_features : int or float, default=0.25
        How many features to keep: an int is a number (at most all), a float in
        (0, 1] a fraction of the features (rounded up, at least one).

    Attributes
    ----------
    variances_ : ndarray of shape (n_features_in_,)
        Variance of each input feature over its observed values; ``-inf`` for
        a feature with no observed value, so that it ranks last.

    n_features_in_ : int
        Number of input features.

    feature_names_in_ : ndarray of str
        Input feature names, when the input had them.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems.preprocessing import SelectTopVariance
    >>> X = np.array([[0, 1, 10, 5], [0, 3, 20, 5], [0, 2, 30, 5]], dtype=float)
    >>> SelectTopVariance(n_features=2).fit(X).get_support().tolist()
    [False, True, True, False]
    """

    _parameter_constraints: dict = {
        "n_features": [_Count(1), _Fraction()],
    }

    if TYPE_CHECKING:
        # set by scikit-learn's validate_data, which type checkers do not follow
        n_features_in_: int
        feature_names_in_: np.ndarray

    def __init__(self, n_features: float = 0.25) -> None:
        self.n_features = n_features

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self: _SelectTopVarianceT, X: Any, y: Any = None) -> _SelectTopVarianceT:
        """Compute the feature variances.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : SelectTopVariance
        """
        numbers_not_text(X, "X")  # (check_array would parse text as numbers)
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            variances = np.nanvar(X, axis=0)
        self.variances_: np.ndarray = np.where(np.isnan(variances), -np.inf, variances)
        return self

    def _n_kept(self) -> int:
        d = self.n_features_in_
        if isinstance(self.n_features, Integral):
            return min(int(self.n_features), d)
        # rounded to 9 digits first: 0.07 * 100 is 7.000000000000001 in floats
        return max(1, int(np.ceil(round(self.n_features * d, 9))))

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        order = np.argsort(-self.variances_, kind="stable")
        mask = np.zeros(self.n_features_in_, dtype=bool)
        mask[order[: self._n_kept()]] = True
        return mask

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]  # it selects columns
        return tags


def _preserves_float32(est: Any) -> bool:
    """Whether ``est`` transforms float32 to float32: "passthrough" and "drop"
    do, a Pipeline when each of its steps does (its own tag says float64 only),
    else its ``preserves_dtype`` tag."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils import get_tags

    if est is None or isinstance(est, str):
        return True
    if isinstance(est, Pipeline):
        return all(_preserves_float32(step) for _, step in est.steps)
    transformer_tags = get_tags(est).transformer_tags
    return transformer_tags is not None and "float32" in transformer_tags.preserves_dtype


def _allows_nan(est: Any) -> bool:
    """Whether ``est`` takes NaN: scikit-learn's ``allow_nan`` tag (True when it
    has no tags); a Pipeline (whose own tag is always False) when its steps take
    NaN up to an imputer (a step with a ``missing_values`` parameter)."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils import get_tags

    if isinstance(est, Pipeline):
        for _, step in est.steps:
            if step is None or isinstance(step, str):
                continue
            if "missing_values" in step.get_params(deep=False):
                return _allows_nan(step)
            if not _allows_nan(step):
                return False
        return True
    try:
        return bool(get_tags(est).input_tags.allow_nan)
    except Exception:  # (an object without scikit-learn's tags)
        return True


def _observed_rows(block: np.ndarray) -> np.ndarray:
    """Samples that have the omic: not every value of the row is NaN."""
    return ~np.isnan(block).all(axis=1)


_NO_LABEL = object()  # a name without a label of the user's (_own_labels)


def _check_still_observed(
    result: np.ndarray, rows: np.ndarray, name: str, method: str, index: Any
) -> None:
    """Say when a sample that has the omic comes out all NaN (e.g. NaN in every
    feature a selector keeps): the next skpoems model reads it as a sample
    lacking the omic, which may be right (nothing it keeps was measured) but
    must not happen unseen."""
    lost = np.flatnonzero(rows & np.isnan(result).all(axis=1)) if result.shape[1] else []
    if len(lost):
        shown = [str(index[i]) for i in lost[:5]] if index is not None else [f"row {i}" for i in lost[:5]]
        warnings.warn(
            f"Omic {name!r} ({method}): {len(lost)} sample(s) that have the omic came out "
            f"all NaN ({', '.join(shown)}{', ...' if len(lost) > 5 else ''}): their values "
            "are NaN in every feature the transformer keeps. The next skpoems model reads "
            "them as lacking the omic; to keep their other values, impute first, e.g. "
            "OmicTransformer(make_pipeline(SimpleImputer(), ...)).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def _flat_steps(est: Any) -> list[Any]:
    """The steps of a (nested) Pipeline in order, or ``[est]``."""
    steps = getattr(est, "steps", None)
    if steps is None or not isinstance(steps, list):
        return [est]
    return [inner for _, step in steps if step is not None and step != "passthrough" for inner in _flat_steps(step)]


def _unrecoverable_features(est: Any, n_in: int, n_out: int) -> np.ndarray | None:
    """Which of an omic's ``n_in`` input features its transformer's inverse cannot
    give back: those a selector (``get_support``) dropped, whose columns
    scikit-learn's ``inverse_transform`` fills with 0. Followed through the steps
    that keep features one to one (scalers, imputers that keep every column, log
    transforms: as many outputs as inputs, with the same names where a step names
    them) or append columns after them (``SimpleImputer(add_indicator=True)``'s
    indicators, which no input feature comes back from); from a step that mixes
    features (PCA) on, the inverse reconstructs every feature. None where no
    feature is dropped."""
    if isinstance(est, str):
        return None
    steps = _flat_steps(est)
    # the input feature each current column is (-1: a column a step appended)
    alive = np.arange(n_in)
    for i, step in enumerate(steps):
        if hasattr(step, "get_support"):
            try:
                support = np.asarray(step.get_support())
            except (AttributeError, ValueError, TypeError, NotImplementedError):
                break
            if support.dtype != bool or len(support) != len(alive):
                break
            alive = alive[support]
            continue
        n_next = getattr(steps[i + 1], "n_features_in_", None) if i + 1 < len(steps) else n_out
        if n_next is None or n_next < len(alive):
            break  # (a step that drops or mixes features)
        generic = np.asarray([f"x{j}" for j in range(len(alive))], dtype=object)
        try:
            names = list(step.get_feature_names_out(generic))
        except (AttributeError, ValueError, TypeError, NotImplementedError):
            names = None
        if names is None:
            if n_next != len(alive):
                break  # (added columns that cannot be told from the inputs)
        elif names[: len(alive)] != list(generic) or len(names) != n_next:
            break  # other features (PCA with every component)
        alive = np.concatenate([alive, np.full(n_next - len(alive), -1)])
    kept = alive[alive >= 0]
    if len(kept) == n_in:
        return None
    dropped = np.ones(n_in, dtype=bool)
    dropped[kept] = False
    return dropped


def _identity_inverses(est: Any) -> list[str]:
    """Steps whose inverse is the identity although they transform: scikit-learn's
    FunctionTransformer with a ``func`` but no ``inverse_func``."""
    return [
        type(step).__name__ + (f"({getattr(step.func, '__name__', step.func)})")
        for step in ([] if isinstance(est, str) else _flat_steps(est))
        if type(step).__name__ == "FunctionTransformer"
        and getattr(step, "func", None) is not None
        and getattr(step, "inverse_func", None) is None
    ]


def _output_names(est: Any, features: np.ndarray, n_out: int) -> np.ndarray:
    """Feature names of one omic's output."""
    if isinstance(est, str):
        return np.asarray(features, dtype=object)
    if hasattr(est, "get_feature_names_out"):
        try:
            names = est.get_feature_names_out(np.asarray(features, dtype=object))
        except (AttributeError, ValueError, TypeError, NotImplementedError):
            names = None
        if names is not None and len(names) == n_out:
            return np.asarray(names, dtype=object)
    if n_out == len(features):
        return np.asarray(features, dtype=object)
    return np.asarray([f"f{j}" for j in range(n_out)], dtype=object)


class _naming:
    """Around a call of an inner transformer: arrays out of it whatever scikit-learn's
    global output config (``set_config(transform_output="pandas")``), and its
    ValueError/TypeError re-raised with the omic's name.

    The inner transformer sees one omic's plain array, and a pipeline of them
    under pandas output would name the features x0, x1, ... between its steps: a
    selector followed by a scaler then could not name what it kept, which came
    out as f0, f1, ... (other features' names where the features were named so).
    This transformer labels its output itself (its own ``set_output``).
    """

    def __init__(self, name: str, method: str) -> None:
        self.name, self.method = name, method
        self._config = config_context(transform_output="default")

    def __enter__(self) -> None:
        self._config.__enter__()

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        self._config.__exit__(kind, exc, tb)
        for error in (ValueError, TypeError):
            if exc is not None and issubclass(kind, error):
                raise error(f"Omic {self.name!r} ({self.method}): {exc}") from exc
        if exc is not None and issubclass(kind, IndexError):
            # scikit-learn's own bookkeeping failed on values it did not expect:
            # SimpleImputer(add_indicator=True).inverse_transform reads its
            # indicator columns back as 0/1, which a later step's inverse (PCA)
            # returns as arbitrary reals
            hint = (
                " A known case: an inverse_transform through SimpleImputer("
                "add_indicator=True) works only when the steps after it give its "
                "indicator columns back as 0/1, which PCA and other projections do not."
                if self.method == "inverse_transform"
                else ""
            )
            raise ValueError(
                f"Omic {self.name!r} ({self.method}): the transformer failed inside "
                f"scikit-learn ({kind.__name__}: {exc}).{hint}"
            ) from exc
        return False
