"""Interpretation tables for fitted skpoems models: biomarkers, omic contributions.

Every function takes a fitted estimator (any of the five models) or plain arrays
and returns numpy/pandas objects whose labels come from the fitted estimator
(omic and feature names seen in ``fit``) or from the data. Figures built on these
tables live in :mod:`skpoems.plotting`.

Factors. A "factor" is a column of the embedding returned by ``transform``, named
by its position ``0 .. n_features_out - 1`` (``get_feature_names_out()`` gives
its name). For POEMS and POEM these are the ``n_components`` latent factors; for
the MOCSS models the ``(n_omics + 1) * n_components`` columns
``[<omic>_specific..., shared...]``. The sparse matrix ``W_v`` of
POEMS maps omic ``v``'s features to all factors; the one of MOCSS-SparseVAE maps
them to omic ``v``'s specific factors only (columns ``v * K .. v * K + K - 1``).

Two kinds of feature attributions:

- ``"weights"``: the sparse feature-to-factor matrices ``W`` (``components_``) of
  POEMS and MOCSS-SparseVAE, as in the POEMS paper (section 3, appendix B.1).
- ``"gradient"``: the decoder's sensitivity, the mean over samples of
  ``|d x_hat_j / d z_k|`` at the samples' embeddings
  (:func:`decoder_attributions`). Every model has a decoder, so this also ranks
  the features of POEM, MOCSS-AE and MOCSS-VAE, which have no ``W``, and makes
  models comparable.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import warnings
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted

from ._omics import _check_label_order
from ._params import _Count
from .utils._warnings import user_stacklevel

__all__ = [
    "activation_map",
    "decoder_attributions",
    "gating_summary",
    "group_markers",
    "reconstruction_r2",
    "subtype_correlations",
    "top_features",
    "variance_explained",
]

#: decoded values (rows x features) per call when differentiating a decoder.
_ELEMENTS_PER_CALL = 2**22
#: finite-difference step, relative to max(1, max |z|), when forward-mode AD is
#: unavailable (float64: truncation error 0 for piecewise-linear ReLU decoders
#: away from kinks, rounding error ~1e-8).
_FD_STEP = 1e-8

_ESTIMATOR = [HasMethods(["transform", "inverse_transform", "get_feature_names_out"])]


# ---------------------------------------------------------------------- helpers
def _reject_pipeline(estimator: Any, what: str = "a fitted skpoems model") -> None:
    """A Pipeline where a model is expected: say to pass its last step."""
    if hasattr(estimator, "steps"):
        raise TypeError(
            f"Got a {type(estimator).__name__}, but this function needs {what}: pass its "
            "last step, pipe[-1], with X as that step sees it: pipe[:-1].transform(X)."
        )


def _check_estimator(estimator: Any) -> None:
    """Fitted skpoems-style estimator: omic metadata and a torch decoder."""
    _reject_pipeline(estimator)
    check_is_fitted(estimator)
    missing = [
        a for a in ("omic_names_", "omic_dims_", "module_") if not hasattr(estimator, a)
    ]
    if missing or not hasattr(estimator, "omic_feature_names"):
        raise TypeError(
            f"{type(estimator).__name__} is not a fitted skpoems model (it lacks "
            f"{', '.join(missing) or 'omic_feature_names'}); pass one of "
            "POEMSTransformer, POEMTransformer, MOCSSAETransformer, "
            "MOCSSVAETransformer or MOCSSSparseVAETransformer after fit."
        )


def _n_factors(estimator: Any) -> int:
    return len(estimator.get_feature_names_out())


def _omic_indices(estimator: Any, omic: Any) -> list[int]:
    """Positions of the requested omics (None: all) in ``omic_names_``."""
    names = list(estimator.omic_names_)
    if omic is None:
        return list(range(len(names)))
    requested = [omic] if isinstance(omic, str) else list(omic)
    out = []
    for name in requested:
        if not isinstance(name, str):
            raise TypeError(
                f"omic must be an omic name (str) or a list of names; got {name!r}."
            )
        if name not in names:
            raise ValueError(
                f"Unknown omic {name!r}: {type(estimator).__name__} was fitted with "
                f"omics {names}."
            )
        out.append(names.index(name))
    if not out:
        raise ValueError("omic is an empty list: name at least one omic.")
    return sorted(set(out))  # fit order


def _check_factor(estimator: Any, factor: int | None) -> None:
    if factor is None:
        return
    n = _n_factors(estimator)
    if not 0 <= factor < n:
        raise ValueError(
            f"factor={factor} is out of range: {type(estimator).__name__} embeddings "
            f"have {n} factors (0 .. {n - 1})."
        )


def _weight_factor_columns(estimator: Any) -> list[np.ndarray]:
    """For each omic, the embedding columns that the columns of its ``W_v`` map to."""
    if not hasattr(estimator, "components_"):
        raise TypeError(
            f"{type(estimator).__name__} has no components_ (its decoders are dense, "
            "so there is no sparse feature-to-factor matrix W). Use "
            "decoder_attributions, or rank by the decoder's gradients (method='gradient', what 'auto' picks)."
        )
    n_out, V = _n_factors(estimator), len(estimator.omic_names_)
    cols = []
    for v, W in enumerate(estimator.components_):
        K = W.shape[1]
        if K == n_out:  # POEMS: W_v maps to the shared latent factors
            cols.append(np.arange(K))
        elif (V + 1) * K == n_out:  # MOCSS-SparseVAE: omic v's specific factors
            cols.append(v * K + np.arange(K))
        else:  # pragma: no cover - guards a future model with another layout
            raise ValueError(
                f"Cannot tell which embedding columns the {K} columns of "
                f"components_[{v}] "
                f"correspond to ({n_out} embedding columns)."
            )
    return cols


def _fitted_embedding(estimator: Any) -> np.ndarray | None:
    """The embedding of the samples passed to fit (``embedding_``), or None for
    models saved before it was kept."""
    return getattr(estimator, "embedding_", None)


def _embedding_at(estimator: Any, X: Any) -> np.ndarray:
    """``transform(X)``, or the fit samples' embedding for X=None."""
    if X is not None:
        return estimator.transform(X)
    Z = _fitted_embedding(estimator)
    if Z is None:
        raise ValueError(
            f"This {type(estimator).__name__} was saved without the embedding of its fit "
            "samples (embedding_): pass X, the samples at whose embeddings the decoder "
            "is differentiated."
        )
    return Z


def _resolve_method(estimator: Any, method: str, X: Any, attributions: Any = None) -> str:
    if attributions is not None:
        if method == "weights":
            raise ValueError(
                "attributions are decoder gradients: they rank features with "
                "method='gradient' (or 'auto'), not method='weights'."
            )
        return "gradient"
    if method == "auto":
        # the decoder's own sensitivities (at X, else at the fit samples'
        # embedding), which rank features correctly even while W is still near
        # its random start (see top_features); |W| only for models saved before
        # the embedding was kept
        method = (
            "gradient"
            if X is not None or _fitted_embedding(estimator) is not None or not hasattr(estimator, "components_")
            else "weights"
        )
    if method == "weights":
        _weight_factor_columns(estimator)  # raises for models without W
    elif X is None and _fitted_embedding(estimator) is None:
        raise ValueError(
            f"Gradient attributions of {type(estimator).__name__} need samples: pass X "
            "(the omics at whose embeddings the decoder is differentiated) or "
            "attributions (decoder_attributions(estimator, X))"
            + (
                "."
                if hasattr(estimator, "components_")
                else "; it has no components_ to rank features by."
            )
        )
    return method


def _model_fingerprint(estimator: Any) -> str:
    """A digest of the fitted weights (the torch module's state), which tells
    results computed from one fit apart from those of another."""
    import hashlib

    import torch

    digest = hashlib.sha1(usedforsecurity=False)
    for name, tensor in estimator.module_.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _samples_digest(Z: Any) -> str:
    """A digest of an embedding, which tells the samples a result was computed at
    apart from others."""
    import hashlib

    return hashlib.sha1(np.ascontiguousarray(Z, dtype=np.float64).tobytes(), usedforsecurity=False).hexdigest()


def _check_attributions(estimator: Any, attributions: Any) -> list[np.ndarray]:
    """The (D_v, n_factors) matrices of a :func:`decoder_attributions` result,
    checked against the fitted omics, features and factors."""
    if not isinstance(attributions, dict):
        raise TypeError(
            "attributions must be the dict returned by decoder_attributions(estimator, X) "
            f"(omic name -> features x factors), got {type(attributions).__name__}."
        )
    omics = list(estimator.omic_names_)
    lacking = [omic for omic in omics if omic not in attributions]
    extra = [str(key) for key in attributions if key not in omics]
    if lacking or extra:
        raise ValueError(
            f"attributions must hold every omic of {type(estimator).__name__} ({omics}); "
            + (f"missing {lacking}" if lacking else "")
            + ("; " if lacking and extra else "")
            + (f"unknown {extra}" if extra else "")
            + ". Pass decoder_attributions(estimator, X) of this estimator."
        )
    names = estimator.omic_feature_names()
    n_factors = _n_factors(estimator)
    out = []
    for v, omic in enumerate(omics):
        A = attributions[omic]
        if isinstance(A, pd.DataFrame) and not np.array_equal(
            A.index.astype(str), np.asarray(names[v], dtype=str)
        ):
            raise ValueError(
                f"attributions[{omic!r}] is indexed by other features than the ones "
                f"{type(estimator).__name__} was fitted with for that omic."
            )
        if isinstance(A, pd.DataFrame) and not np.array_equal(
            np.asarray(A.columns).astype(str), np.arange(A.shape[1]).astype(str)
        ):  # (as text too: a CSV file's header)
            raise ValueError(
                f"attributions[{omic!r}] has columns {list(A.columns)[:5]}...; they must be "
                "the factors 0, 1, ... in order, as decoder_attributions returns them."
            )
        A = np.asarray(A, dtype=float)
        if A.shape != (len(names[v]), n_factors):
            raise ValueError(
                f"attributions[{omic!r}] has shape {A.shape}; this estimator needs "
                f"({len(names[v])}, {n_factors}) (features x factors)."
            )
        if not np.isfinite(A).all() or (A < 0).any():
            raise ValueError(
                f"attributions[{omic!r}] holds negative or non-finite values; decoder "
                "attributions are mean absolute derivatives."
            )
        out.append(A)
    recorded = {
        A.attrs.get("model")
        for A in attributions.values()
        if isinstance(A, pd.DataFrame) and A.attrs.get("model") is not None
    }
    if recorded and recorded != {_model_fingerprint(estimator)}:
        raise ValueError(
            "attributions were computed from another model than this fitted "
            f"{type(estimator).__name__} (their attrs['model'] records the weights they "
            "came from, and this estimator's differ): pass "
            "decoder_attributions(estimator, X) of this estimator."
        )
    return out


def _feature_scores(
    estimator: Any, method: str, X: Any, attributions: Any = None
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray | None, np.ndarray | None]:
    """Per omic: a (D_v, m) score matrix and the embedding columns of its m
    columns; for gradient scores, each factor's standard deviation over the
    samples (None: unknown, or weights); and the embedding of the samples
    (``X``'s, else the fit's; None for a model saved without ``embedding_``)."""
    Z = _embedding_at(estimator, X) if X is not None else _fitted_embedding(estimator)
    if method == "weights":
        cols = _weight_factor_columns(estimator)
        return [
            (np.abs(np.asarray(W, dtype=float)), c)
            for W, c in zip(estimator.components_, cols, strict=True)
        ], None, Z
    if attributions is not None:
        blocks = _check_attributions(estimator, attributions)
        spread = _attribution_spread(attributions, _n_factors(estimator))
        recorded = {
            A.attrs.get("samples") for A in attributions.values()
            if isinstance(A, pd.DataFrame) and A.attrs.get("samples") is not None
        }
        if Z is not None and recorded and recorded != {_samples_digest(Z)}:
            # (computed at other samples than the fit's, e.g. held-out ones: the
            # slope column cannot come from the fit's embedding)
            warnings.warn(
                (
                    "attributions were computed at other samples than X, so the slope column "
                    "(measured at X) is left NaN: pass the samples of the attributions as X."
                    if X is not None
                    else "attributions were computed at other samples than those passed to fit, "
                    "so the slope column (measured at the fit's samples) is left NaN: pass "
                    "X, the samples of the attributions, to top_features for their slopes."
                ),
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            Z = None
    else:
        if Z is None:
            Z = _embedding_at(estimator, X)  # (raises: a model saved without embedding_)
        blocks = _decoder_jacobian_abs_mean(estimator, Z)
        spread = _usable_spread(np.asarray(Z, dtype=float).std(axis=0) if len(Z) > 1 else None)
    all_cols = np.arange(_n_factors(estimator))
    return [(A, all_cols) for A in blocks], spread, Z


def _usable_spread(spread: Any) -> np.ndarray | None:
    """Factor standard deviations to weigh attributions by, or None where they
    say nothing (one sample, all zero, not finite, negative)."""
    if spread is None:
        return None
    spread = np.asarray(spread, dtype=float)
    if not np.isfinite(spread).all() or (spread < 0).any() or not spread.any():
        return None
    return spread


def _attribution_spread(attributions: dict, n_factors: int) -> np.ndarray | None:
    """The standard deviation of each factor over the samples a
    :func:`decoder_attributions` result was computed at (its ``attrs``), or
    None for attributions built otherwise (with a warning for DataFrames that
    lost them: copies through CSV files or ``pd.concat`` do)."""
    frames = [A for A in attributions.values() if isinstance(A, pd.DataFrame)]
    for A in frames:
        spread = A.attrs.get("factor_std")
        if spread is not None and len(spread) == n_factors:
            return _usable_spread(spread)
    if frames:
        warnings.warn(
            "attributions lack attrs['factor_std'] (the factors' standard deviations that "
            "decoder_attributions records; a copy through a CSV file or pd.concat drops "
            "them): the overall ranking sums the factors unweighted, unlike top_features(X=).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return None


def _sample_labels(X: Any) -> pd.Index | None:
    """The row labels of the data a ``y`` goes with (None: none)."""
    from ._omics import sample_index

    try:
        return sample_index(X)
    except (TypeError, ValueError, AttributeError):
        return None


def _natural_order(uniques: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Text labels with numbers in them in the numbers' order ("cluster 2" before
    "cluster 10", which sorted as text after "cluster 1"); ``codes`` renumbered."""
    values = uniques.tolist()
    if not values or not all(isinstance(v, str) for v in values):
        return uniques, codes

    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    if all(number(v) is not None for v in values):  # numbers as text ("-1", "0.25"): by value
        order = sorted(range(len(values)), key=lambda i: number(values[i]))
    else:
        def key(text: str) -> tuple:
            # text and numbers alternate in the parts, so keys compare part by part
            return tuple(float(p) if i % 2 else p for i, p in enumerate(re.split(r"(\d+(?:\.\d+)?)", text)))

        order = sorted(range(len(values)), key=lambda i: key(values[i]))
    if order == list(range(len(values))):
        return uniques, codes
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def _group_codes(
    y: Any, target_names: Any, n_samples: int | None = None, samples: Any = None, data_name: str = "X"
) -> tuple[np.ndarray, list]:
    """Integer group codes 0..C-1 of ``y`` and the display name of each group.

    Integer labels with ``target_names`` are looked up in it (a label ``c`` is
    ``target_names[c]``, or ``target_names[c]`` of a dict keyed by the codes);
    other labels are used as names themselves, in sorted
    order (numbers within text by their value: "cluster 2" before "cluster
    10"; a pandas Categorical keeps its category order). Missing labels (NaN,
    None, pandas NA: patients without a subtype) form one last group,
    ``"unlabelled"``. ``samples``: the data's row labels, which a Series ``y``
    with its own must match (:func:`_check_label_order`).
    """
    if n_samples == 0:
        raise ValueError(f"{data_name} has 0 samples: there is nothing to group.")
    _check_label_order(y, samples, data_name)
    if isinstance(y, (list, tuple)):
        # read value by value: numpy would turn [1, "1"] into two strings "1", one group
        values = np.empty(len(y), dtype=object)
        try:
            values[:] = y
        except ValueError:  # nested: the shape check below says what is wrong
            y = list(y)  # (pd.isna reads a tuple as one value)
        else:
            y = pd.Series(values).infer_objects().to_numpy()
    if isinstance(y, pd.api.extensions.ExtensionArray) and not isinstance(y, pd.Categorical):
        y = pd.Series(y)  # nullable string / Int64 / Arrow labels: df[col].array, .values
    if isinstance(y, pd.Series) and not isinstance(y.dtype, (pd.CategoricalDtype, np.dtype)):
        # nullable dtypes: plain numpy values (missing labels handled below)
        y = pd.Series(y.to_numpy(dtype=object), index=y.index, name=y.name).infer_objects()
    if isinstance(y, (pd.Series, pd.Index, pd.Categorical, np.ndarray, list, tuple)):
        missing = np.asarray(pd.isna(y), dtype=bool)
        if missing.ndim == 1 and missing.any():
            if missing.all():
                raise ValueError("y has no label: every value is missing (NaN/None).")
            labelled = (
                y[~missing] if isinstance(y, (pd.Series, pd.Categorical)) else np.asarray(y, dtype=object)[~missing]
            )
            if isinstance(y, pd.Series) and not isinstance(y.dtype, pd.CategoricalDtype):
                labelled = labelled.infer_objects()
            elif not isinstance(y, (pd.Series, pd.Categorical)):
                labelled = pd.Series(labelled).infer_objects().to_numpy()
            sub_codes, names = _group_codes(labelled, target_names)
            codes = np.full(len(missing), len(names), dtype=np.int64)
            codes[~missing] = sub_codes
            names = [*names, "unlabelled" if "unlabelled" not in names else "(unlabelled)"]
            if n_samples is not None and len(codes) != n_samples:
                raise ValueError(f"y has {len(codes)} labels, but there are {n_samples} samples.")
            return codes, names
    if isinstance(y, pd.Categorical):
        y = pd.Series(y)
    if isinstance(y, pd.Series) and isinstance(y.dtype, pd.CategoricalDtype):
        cat = y.cat.remove_unused_categories()
        codes, names = np.asarray(cat.cat.codes), list(cat.cat.categories)
        if target_names is not None:
            raise ValueError(
                "target_names cannot be combined with a categorical y (it has its "
                "own names)."
            )
    else:
        y_arr = np.asarray(y)
        if y_arr.ndim != 1:
            raise ValueError(
                f"y must be 1-D (one label per sample); got shape {y_arr.shape}."
            )
        if (
            y_arr.dtype.kind == "f"
            and np.all(np.isfinite(y_arr))
            and np.all(y_arr == np.round(y_arr))
        ):
            y_arr = y_arr.astype(np.int64)  # labels stored as floats, e.g. 2.0
        try:
            uniques, codes = np.unique(y_arr, return_inverse=True)
        except TypeError:
            kinds = sorted({type(v).__name__ for v in y_arr.tolist()})
            raise TypeError(
                f"y mixes labels of different types ({', '.join(kinds)}), which cannot be "
                "ordered; give every label the same type, e.g. [str(v) for v in y]."
            ) from None
        uniques, codes = _natural_order(uniques, np.asarray(codes).ravel())
        if target_names is None:
            names = [u.item() if hasattr(u, "item") else u for u in uniques]
        elif isinstance(target_names, dict):  # {label: name}, for labels of any type
            labels = [u.item() if hasattr(u, "item") else u for u in uniques]
            unnamed = [label for label in labels if label not in target_names]
            if unnamed:
                raise ValueError(
                    f"target_names is a dict of {len(target_names)} names, but y holds labels "
                    f"it does not name: {unnamed[:5]}."
                )
            names = [target_names[label] for label in labels]
        else:
            target_names = list(np.asarray(target_names).tolist())
            if y_arr.dtype.kind not in "iu":
                raise ValueError(
                    "target_names maps integer class codes to names, but y holds "
                    f"{y_arr.dtype} labels; pass y as integer codes or drop "
                    "target_names."
                )
            if uniques.min() < 0 or uniques.max() >= len(target_names):
                raise ValueError(
                    f"y holds class codes {uniques.tolist()}, but target_names has "
                    "only "
                    f"{len(target_names)} names (codes 0 .. {len(target_names) - 1})."
                )
            names = [target_names[int(u)] for u in uniques]
        codes = np.asarray(codes).ravel()
    if n_samples is not None and len(codes) != n_samples:
        raise ValueError(
            f"y has {len(codes)} labels, but there are {n_samples} samples."
        )
    return codes.astype(np.int64), names


def _as_matrix(X: Any, name: str = "X") -> tuple[np.ndarray, list[str] | None]:
    """Return a float 2-D matrix from an array, a DataFrame or a multi-omic input.

    Multi-omic inputs (list/tuple of 2-D blocks, dict, MultiIndex DataFrame) are
    concatenated column-wise. NaN (a missing omic block) is kept. ``name``: the
    argument's name, for the messages.
    """
    from ._omics import as_omic_blocks, to_float_block

    parsed = as_omic_blocks(X)
    blocks = []
    for v, block in enumerate(parsed.blocks):
        # the messages name the argument (and its omic, for a multi-omic X)
        omic = parsed.names[v] if parsed.names else f"omic{v}"
        subject = name if len(parsed.blocks) == 1 else f"omic {omic!r} of {name}"
        # (a copy of one block: callers may write into M; several are joined anyway)
        arr = to_float_block(block, omic, subject=subject).astype(float, copy=len(parsed.blocks) == 1)
        if arr.ndim != 2:
            raise ValueError(
                f"Expected a 2-D array (samples x columns); got shape {arr.shape}."
            )
        blocks.append(arr)
    M = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    if np.isinf(M).any():
        raise ValueError(f"{name} contains infinite values.")
    return M, parsed.names


def _input_omics(X: Any, omic_dims: Any = None) -> tuple[list[str], list[Any], Any]:
    """The omics of an input as the estimators see it: ``(names, blocks, parsed)``.

    A plain 2-D ``X`` is split by ``omic_dims`` into omics named ``omic0``,
    ``omic1``, ... (as a model fitted with ``omic_dims`` names them), or is one
    omic without it.
    """
    from ._omics import as_omic_blocks, split_omics

    parsed = as_omic_blocks(X, omic_dims)
    blocks = parsed.blocks
    if omic_dims is not None and parsed.layout in ("array", "frame"):
        blocks = split_omics(blocks[0], omic_dims)
    names = parsed.names or [f"omic{v}" for v in range(len(blocks))]
    return names, blocks, parsed


def _omic_blocks(estimator: Any, X: Any) -> tuple[list[np.ndarray], np.ndarray]:
    """Split ``X`` (validated by ``transform`` before) into float64 omic blocks.

    Also return which samples have each omic (a missing omic is an all-NaN block);
    missing blocks are zero-filled.
    """
    from ._omics import as_omic_blocks, in_fitted_order, split_omics, to_float_block

    parsed = in_fitted_order(as_omic_blocks(X), estimator.omic_names_)
    if parsed.layout in ("array", "frame"):
        blocks = split_omics(to_float_block(X, "X").astype(np.float64), estimator.omic_dims_)
    else:
        names = parsed.names or estimator.omic_names_
        blocks = [
            to_float_block(b, names[v] if v < len(names) else f"omic{v}").astype(np.float64)
            for v, b in enumerate(parsed.blocks)
        ]
    observed = np.column_stack([~np.isnan(b).all(axis=1) for b in blocks])
    return [np.nan_to_num(b) for b in blocks], observed


# ------------------------------------------------------- decoder derivatives
def _eval_copy(estimator: Any):
    """The fitted torch module in float64, eval mode, no parameter gradients
    (a copy, shared: not to be modified; on the CPU for a model on MPS, which
    has no float64)."""
    from ._base import _float64_copy

    module = estimator.module_
    if next(module.parameters()).device.type == "mps":
        return copy.deepcopy(module).cpu().double().eval().requires_grad_(False)
    return _float64_copy(module)


def _directional_derivatives(decode: Any, z: Any, tangent: Any, state: dict) -> list:
    """Differentiate ``decode`` (latent rows -> list of decoded omics) at each row
    of ``z`` along that row of ``tangent``.

    The rows are independent samples.

    Forward-mode AD (``torch.func.jvp``) where the decoder supports it; otherwise
    (custom autograd functions without a forward-mode rule, such as the sparse
    decoder's memory-bounded kernel) a central difference in float64.
    """
    import torch

    if state.get("jvp", True):
        try:
            with warnings.catch_warnings():
                # torch.func's first call scripts helpers of its own and warns that
                # torch.jit.script is deprecated (torch 2.13): not the user's concern
                warnings.filterwarnings(
                    "ignore", message=".*torch.jit.script.* is deprecated", category=DeprecationWarning
                )
                _, tangents = torch.func.jvp(lambda q: tuple(decode(q)), (z,), (tangent,))
            state["jvp"] = True
            return list(tangents)
        except _OUT_OF_MEMORY():
            raise  # (not a missing forward-mode rule: the other paths would not fit either)
        except (RuntimeError, NotImplementedError):
            state["jvp"] = False
    with torch.no_grad():
        h = _FD_STEP * max(1.0, float(z.abs().max()))
        plus = decode(z + h * tangent)
        minus = decode(z - h * tangent)
        return [(p - m) / (2.0 * h) for p, m in zip(plus, minus, strict=True)]


def _OUT_OF_MEMORY() -> type:
    """torch's out-of-memory error (a RuntimeError, so caught with the errors of
    a decoder without forward-mode rules, unless named first)."""
    import torch

    return getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)


def _all_factors_abs_jacobian_mean(decode: Any, z: Any, n_features: int) -> list[Any] | None:
    """``mean_i |d decode(z)_ij / d z_ik|`` per output by forward-mode AD along
    every factor at once (``vmap`` over the tangents, so the m directions share
    one primal pass: 1.7x faster than one ``jvp`` per factor for a MOCSS
    decoder of 30,000 features), at most ``_ELEMENTS_PER_CALL`` derivatives per
    call; None where the decoder has no forward-mode rule or cannot be mapped."""
    import torch

    n, m = z.shape
    rows = max(1, min(n, _ELEMENTS_PER_CALL // max(1, n_features * m)))
    out: list[Any] | None = None
    try:
        with warnings.catch_warnings():
            # torch.func's first call scripts helpers of its own and warns that
            # torch.jit.script is deprecated (torch 2.13): not the user's concern
            warnings.filterwarnings(
                "ignore", message=".*torch.jit.script.* is deprecated", category=DeprecationWarning
            )
            for start in range(0, n, rows):
                zz = z[start : start + rows]
                directions = torch.eye(m, dtype=z.dtype, device=z.device)[:, None, :].expand(m, len(zz), m)
                derivs = torch.func.vmap(
                    lambda t, zz=zz: torch.func.jvp(lambda q: tuple(decode(q)), (zz,), (t,))[1]
                )(directions)  # per output (m, rows, features)
                if out is None:
                    out = [z.new_zeros(d.shape[2], m) for d in derivs]
                for v, dv in enumerate(derivs):
                    out[v] += dv.detach().abs().sum(dim=1).T
    except _OUT_OF_MEMORY():
        raise
    except (RuntimeError, NotImplementedError):
        return None
    return [a / n for a in out]


def _generic_abs_jacobian_mean(decode: Any, z: Any, n_features: int) -> list[Any]:
    """``mean_i |d decode(z)_ij / d z_ik|`` per output: every factor at once where
    the decoder allows (:func:`_all_factors_abs_jacobian_mean`), else one factor
    at a time, at most ``_ELEMENTS_PER_CALL`` decoded values (of ``n_features``
    per row) per call."""
    import torch

    batched = _all_factors_abs_jacobian_mean(decode, z, n_features)
    if batched is not None:
        return batched
    n, m = z.shape
    rows = max(1, min(n, _ELEMENTS_PER_CALL // max(1, n_features)))
    out: list[Any] | None = None
    state: dict = {}
    for k in range(m):
        for start in range(0, n, rows):
            zz = z[start : start + rows]
            tangent = torch.zeros_like(zz)
            tangent[:, k] = 1.0
            derivs = _directional_derivatives(decode, zz, tangent, state)
            if out is None:
                out = [z.new_zeros(d.shape[1], m) for d in derivs]
            for v, dv in enumerate(derivs):
                out[v][:, k] += dv.detach().abs().sum(dim=0)
    return [a / n for a in out]


def _path_abs_jacobian_mean(decoder: Any, z: Any, n_features: int) -> Any:
    """``mean_i |d decoder(z)_ij / d z_ik|``: in closed form where the decoder
    has one (``mean_jacobian``: POEMS's sparse decoders), else generically."""
    if hasattr(decoder, "mean_jacobian"):
        # in float32, the precision the models train in (the float64 copy's weights
        # are the float32 ones exactly): 4x faster than float64 at genome scale,
        # within about 1e-4 of it relative to the largest attribution
        return decoder.mean_jacobian(z.float()).to(z.dtype)
    return _generic_abs_jacobian_mean(lambda q: [decoder(q)], z, n_features)[0]


def _module_abs_jacobian_mean(module: Any, z: Any, dims: Sequence[int]) -> list[Any]:
    """Per decoded omic of ``module.decode``, ``mean_i |d x_hat_ij / d z_ik|``.

    Uses the structure the module declares (``decoder_paths``, see
    :class:`~skpoems._modules.DecoderPath`): an omic's decoded mean is a sum of
    weighted decoders, each reading some columns of ``z`` for some rows (a
    MOCSS omic: its specific decoder on its own code and its shared decoder on
    the shared code, ``MOCSS.path_weights``; a sample lacking the omic: its
    shared decoder alone, ``MOCSS.decode_omic``), so its Jacobian is each
    decoder's, times ``|weight|`` and the share of the rows it applies to, in
    its columns and zero elsewhere, each computed the best way for that decoder
    (:func:`_path_abs_jacobian_mean`). A module without ``decoder_paths`` is
    differentiated generically.
    """
    if not hasattr(module, "decoder_paths"):
        return _generic_abs_jacobian_mean(module.decode, z, sum(dims))
    out = []
    for v, n_features in enumerate(dims):
        A = z.new_zeros(n_features, z.shape[1])
        for path in module.decoder_paths(z, v):
            rows = z if path.rows is None else z[path.rows]
            if len(rows) == 0:
                continue
            share = 1.0 if path.rows is None else len(rows) / len(z)
            slopes = _path_abs_jacobian_mean(path.decoder, rows[:, path.columns], n_features)
            A[:, path.columns] += share * abs(float(path.weight)) * slopes
        out.append(A)
    return out


def _whole_latent_decoders(module: Any, z: Any, n_omics: int) -> list[Any] | None:
    """Per omic, the decoder that makes the module's decoded omic from the whole
    of ``z`` alone (one path of weight 1, every row and column:
    ``decoder_paths``), where every omic has one; else None."""
    if not hasattr(module, "decoder_paths"):
        return None
    decoders = []
    for v in range(n_omics):
        paths = module.decoder_paths(z, v)
        if len(paths) != 1:
            return None
        path = paths[0]
        if path.rows is not None or path.columns != slice(None) or float(path.weight) != 1.0:
            return None
        decoders.append(path.decoder)
    return decoders


def _decoder_jacobian_abs_mean(estimator: Any, Z: np.ndarray, *, closed_form: bool = True) -> list[np.ndarray]:
    """Per omic, ``A[j, k] = mean_i |d x_hat_ij / d z_ik|`` at the rows of ``Z``.

    See :func:`_module_abs_jacobian_mean`; other decoders than POEMS's sparse ones
    are differentiated one factor at a time, at most ``_ELEMENTS_PER_CALL``
    decoded values per call, so memory does not grow with the number of samples
    times features. ``closed_form=False`` differentiates sparse decoders the
    generic way too (for the benchmark).
    """
    import torch

    module = _eval_copy(estimator)
    device = next(module.parameters()).device
    z = torch.tensor(np.asarray(Z, dtype=np.float64), device=device)  # a copy: Z may be read-only
    if z.shape[0] == 0:
        return [np.zeros((d, z.shape[1])) for d in estimator.omic_dims_]
    dims = list(estimator.omic_dims_)
    if closed_form:
        blocks = _module_abs_jacobian_mean(module, z, dims)
    else:
        blocks = _generic_abs_jacobian_mean(module.decode, z, sum(dims))
    return [b.cpu().numpy() for b in blocks]


# ------------------------------------------------------------------ public
@validate_params(
    {
        "estimator": _ESTIMATOR,
        "n": [_Count(1)],
        "factor": [_Count(0), None],
        "omic": [str, list, tuple, None],
        "method": [StrOptions({"auto", "weights", "gradient"})],
        "X": "no_validation",
        "attributions": [dict, None],
    },
    prefer_skip_nested_validation=True,
)
def top_features(
    estimator: Any,
    n: int = 10,
    *,
    factor: int | None = None,
    omic: Any = None,
    method: str = "auto",
    X: Any = None,
    attributions: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Rank the features of each omic, overall or for one latent factor.

    For each omic, features are ranked by a strength score and the ``n``
    strongest are returned.

    - ``factor=None``: the aggregated strength ``sum_k |W_jk|`` over all
      factors (POEMS paper, figure 5). The ``factor`` column then holds the
      factor with the largest single ``|W_jk|`` of that feature (its dominant
      factor).
    - ``factor=k``: ``|W_jk|`` for that factor alone (paper, figure 6).

    With ``method="gradient"`` the score ``|W_jk|`` is replaced by the decoder
    attribution ``A_jk = mean_i |d x_hat_ij / d z_ik|`` of
    :func:`decoder_attributions`, evaluated at the embeddings of ``X`` (without
    ``X``, of the samples passed to fit), times
    for ``factor=None`` the standard deviation ``sd_k`` of factor ``k`` over
    those samples: ``sum_k sd_k A_jk`` sums the typical changes of feature
    ``j``'s reconstruction when each factor moves as it does across the
    samples, in the feature's units (so features are ranked fairly only on
    one scale: the min-max scaling the models are fitted on, not raw counts
    next to fractions). A
    factor that hardly varies (a latent dimension the KL term switched off) can
    have large slopes without explaining anything; summed over factors
    unweighted, such slopes drowned the planted markers of a simulated
    four-omic cohort (300 patients, 25% lacking an omic; two POEMS fits).
    Planted markers among the top 20 of each omic, unweighted -> weighted:
    CpG sites 1 -> 17 and 0 -> 11 (of 20), mRNA 0 -> 0 and 1 -> 4 (of 18),
    copy number 6 -> 5 and 18 -> 20 (of 30), mutations 3 of 3 either way.
    ``factor=k`` ranks by ``A_jk`` alone (a weight would change no ranking
    there). Attributions passed without the ``attrs`` that
    :func:`decoder_attributions` sets are summed unweighted (with a warning
    for DataFrames), and so is a single sample, whose factors do not vary.

    Parameters
    ----------
    estimator : fitted skpoems estimator
        Any of the five models.
    n : int, default=10
        Number of features per omic (fewer when an omic has fewer features).
    factor : int, default=None
        Rank by one factor (an embedding column, ``0 .. n_features_out - 1``)
        instead of the aggregate. Omics the factor does not reach (all its
        weights or attributions there are 0, e.g. a MOCSS factor specific to
        another omic) are left out.
    omic : str or list of str, default=None
        Restrict to these omics (names from ``estimator.omic_names_``); None
        means every omic.
    method : {"auto", "weights", "gradient"}, default="auto"
        ``"weights"``: the sparse matrices ``components_`` (POEMS,
        MOCSS-SparseVAE), the paper's ranking. ``"gradient"``: decoder
        attributions at the samples ``X``, or without ``X`` at the samples
        passed to fit (their ``embedding_``). ``"auto"``: ``"gradient"``
        (``"weights"`` only for a model saved before ``embedding_`` was kept,
        without ``X``). ``|W|`` can mislead when the fit ended before the
        spike-and-slab prior sparsified W: a feature the decoder ignores can
        keep a large random ``|W_jk|``, because its output head, not W,
        switches it off, and scaling a row of W by ``a`` and its output head
        by ``1/a`` leaves the model unchanged. On the planted benchmark
        (:data:`skpoems.datasets.PLANTED_FACTORS`, 400 samples) fully default
        POEMS fits (``random_state`` 0-3, early stopping after 618-742 epochs)
        gave top-feature precision 0.27-0.36 by ``|W|`` (chance 0.20) and 1.00
        by gradient (the "auto" ranking since the fit keeps ``embedding_``;
        before, "auto" without ``X`` ranked by ``|W|``).
    X : array-like, DataFrame, list or dict, default=None
        Samples at whose embeddings the decoder is differentiated (in any form
        the estimator accepts), e.g. held-out samples; None: the samples passed
        to fit. With ``"weights"``, only the ``slope`` column uses it.
    attributions : dict, default=None
        The decoder attributions already computed, as returned by
        :func:`decoder_attributions` (``decoder_attributions(estimator, X)``),
        instead of ``X``: ranks by them (``method="gradient"``) without
        differentiating the decoder again. Differentiating costs about as much
        as a few training epochs, so compute them once to rank overall, per
        factor and per omic. The ``slope`` column is then measured at ``X``
        (pass the samples of the attributions), else at the samples passed to
        fit; attributions computed at other samples (their
        ``attrs["samples"]`` records which) leave it NaN, with a warning.

    Returns
    -------
    DataFrame
        Columns ``omic``, ``feature`` (names seen in fit, as text, as
        ``omic_feature_names()`` gives them: an Entrez id 7157 is ``'7157'``), ``factor`` (int),
        ``strength`` (float) and ``slope`` (float): the mean over the samples
        of ``X`` (without ``X``, those passed to fit) of ``d x_hat_j / d z_k``
        for the row's factor ``k``, whose sign says whether the feature's
        reconstruction rises or falls as the factor rises, the other factors
        held. The strengths are magnitudes (``|W|`` and ``|d x_hat / d z|``
        drop the sign, and W's own sign says nothing: it masks the factor
        before a nonlinear decoder). A slope much smaller than the feature's
        attribution ``A_jk`` (``factor=k``: its ``strength``) means the
        direction differs between samples. A correlation across samples
        would not do: the factors correlate with each other, and the others'
        movement set its sign for up to half of the features of small fits.
        A factor's own orientation is arbitrary (the model with ``z_k``
        negated is the same model), so read the sign against the factor's
        values: features with opposite slopes on one factor move in opposite
        directions between the samples where it is high and those where it
        is low. NaN without samples (a model saved without ``embedding_``).
        ``n`` rows per omic, omics in fit order, strongest first within each
        omic. The frame's ``attrs["method"]`` says which
        method was used; for ``"gradient"``, ``attrs["weighted"]`` says
        whether the factors were weighted by their standard deviations (False
        for ``factor=k``, a single sample, or attributions without them).

    Raises
    ------
    ValueError
        For an unknown omic name, a factor out of range, ``method="gradient"``
        without ``X`` or ``attributions`` for a model saved before it kept
        ``embedding_``,
        ``attributions`` whose omics, features or factors are not the
        estimator's, a factor that has no sparse weights (MOCSS-SparseVAE's
        shared factors, with ``method="weights"``), or the aggregate of
        ``method="weights"`` for a model fitted with ``row_normalize=True``
        (whose rows of ``|W|`` all sum to 1).
    TypeError
        For ``method="weights"`` on a model without ``components_``.

    See Also
    --------
    decoder_attributions : The gradient scores for all features and factors.
    skpoems.plotting.plot_top_features : Bar chart of this table.

    Examples
    --------
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.inspection import top_features
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> table = top_features(est, n=3)
    >>> table.columns.tolist()
    ['omic', 'feature', 'factor', 'strength', 'slope']
    >>> table.groupby("omic").size().to_dict()
    {'omic0': 3, 'omic1': 3}
    >>> top_features(est, n=2, factor=1, omic="omic1")["factor"].tolist()
    [1, 1]
    >>> from skpoems.inspection import decoder_attributions
    >>> A = decoder_attributions(est, X)  # differentiate once, rank many ways
    >>> top_features(est, n=2, attributions=A).attrs["method"]
    'gradient'
    """
    _check_estimator(estimator)
    _check_factor(estimator, factor)
    omics = _omic_indices(estimator, omic)
    method = _resolve_method(estimator, method, X, attributions)
    # (as fitted: its decoders' setting, which set_params after fit does not change)
    row_normalized = any(getattr(m, "row_normalize", False) for m in estimator.module_.modules())
    if method == "weights" and factor is None and row_normalized:
        raise ValueError(
            "With row_normalize=True every feature's row of |W| sums to 1, so the sum "
            "over factors ranks nothing (ties broken by rounding). Rank by the decoder "
            "instead (pass X: method='gradient'), or by one factor (factor=k)."
        )
    scores, spread, Z = _feature_scores(estimator, method, X, attributions)
    names = estimator.omic_feature_names()
    rows = []
    for v in omics:
        S, cols = scores[v]
        if factor is None:
            if spread is not None:
                # a factor's derivative counts by how far the factor moves over
                # the samples: one that hardly varies (a collapsed latent
                # dimension) can have steep slopes without explaining anything,
                # and summed over factors such slopes drowned planted markers
                S = S * spread[None, :]
            strength = S.sum(axis=1)
            best = cols[np.argmax(S, axis=1)] if S.shape[1] else np.full(S.shape[0], -1)
        else:
            hit = np.flatnonzero(cols == factor)
            if hit.size == 0:
                continue
            strength = S[:, hit[0]]
            if not strength.any():  # the factor does not reach this omic's features
                continue  # (a MOCSS factor specific to another omic)
            best = np.full(S.shape[0], factor)
        order = np.argsort(-strength, kind="stable")[:n]
        for j in order:
            rows.append(
                (
                    estimator.omic_names_[v],
                    names[v][j],
                    int(best[j]),
                    float(strength[j]),
                )
            )
    if not rows:
        where = [estimator.omic_names_[v] for v in omics]
        raise ValueError(
            f"Factor {factor} ({estimator.get_feature_names_out()[factor]}) has "
            + (
                f"no sparse weights in omics {where}; use method='gradient' to rank "
                "features by the decoder (at the samples passed to fit, or at X)."
                if method == "weights"
                else f"no effect on the decoded features of omics {where} (their "
                "decoders do not use it)."
            )
        )
    table = pd.DataFrame(rows, columns=["omic", "feature", "factor", "strength"])
    table["slope"] = _mean_slopes(estimator, Z, table)
    table.attrs["method"] = method
    if method == "gradient":
        table.attrs["weighted"] = factor is None and spread is not None
    return table


def _decoding_features(module: Any, picks: dict[int, np.ndarray]) -> tuple[Any, dict[int, np.ndarray]] | None:
    """A copy of ``module`` whose ``decode`` gives, of each omic ``v`` (every
    omic of the module a key of ``picks``), only the features ``picks[v]``
    (sorted), with its decoders (``module.omic_decoders(v)``) restricted to
    them (their ``restricted``). None where the module does not list its
    decoders or one of them cannot be restricted. Returns the copy and the
    features each omic's output holds."""
    import torch

    if not hasattr(module, "omic_decoders"):
        return None
    device = next(module.parameters()).device
    memo, keep = {}, {}
    for v, features in picks.items():
        keep[v] = np.asarray(features, dtype=np.int64)
        index = torch.as_tensor(keep[v], device=device)
        for decoder in module.omic_decoders(v):
            if not hasattr(decoder, "restricted"):
                return None
            memo[id(decoder)] = decoder.restricted(index)
    # deepcopy takes an object found in the memo (by id) as its copy: the
    # restricted decoders take the decoders' places, which are not copied whole
    return copy.deepcopy(module, memo), keep


def _mean_slopes(estimator: Any, Z: Any, table: pd.DataFrame) -> np.ndarray:
    """For each row of a :func:`top_features` table, ``mean_i d x_hat_ij / d z_ik``
    over the rows of ``Z``: the signed mean slope of its feature's
    reconstruction along its factor, the other factors held (NaN without ``Z``
    or for a factor of -1).

    POEMS's sparse decoders (each omic one decoder of the whole latent, with
    a ``mean_jacobian``: :func:`_whole_latent_decoders`): their closed-form
    Jacobian at the table's features only
    (:func:`~skpoems._sparse_decoder.sparse_decode_abs_jacobian_mean`, a few
    matmuls of samples x those features). Other models: one directional
    derivative per factor of the table (:func:`_directional_derivatives`) of a
    copy of the decoders that outputs the table's features only
    (:func:`_decoding_features`; the whole decoder where its decoders cannot
    be restricted), at most ``_ELEMENTS_PER_CALL`` decoded values per call."""
    import torch

    out = np.full(len(table), np.nan)
    if Z is None or len(Z) == 0 or not len(table):
        return out
    module = _eval_copy(estimator)
    device = next(module.parameters()).device
    z = torch.tensor(np.asarray(Z, dtype=np.float64), device=device)
    names = estimator.omic_feature_names()
    omic_index = {name: v for v, name in enumerate(estimator.omic_names_)}
    omics = np.array([omic_index[o] for o in table["omic"]])
    features = np.array(
        [int(np.flatnonzero(names[v] == f)[0]) for v, f in zip(omics, table["feature"], strict=True)]
    )
    factors = table["factor"].to_numpy()
    n_omics = len(estimator.omic_dims_)
    decoders = _whole_latent_decoders(module, z, n_omics)
    if decoders is not None and all(hasattr(d, "mean_jacobian") for d in decoders):
        for v in np.unique(omics):
            at = np.flatnonzero((omics == v) & (factors >= 0))
            picked, where = np.unique(features[at], return_inverse=True)
            index = torch.as_tensor(picked, device=device)
            S = decoders[v].mean_jacobian(z, index, absolute=False).cpu().numpy()
            out[at] = S[where, factors[at]]
        return out
    # MOCSS: an exactly zero v-specific code marks a sample lacking omic v, which
    # a central difference would unmark (decoding v through its specific path):
    # such a sample's slope along that code is 0, as its decoders do not read it
    marks_lacking = hasattr(module, "lacking")
    # (an omic without features in the table: its first feature)
    picks = {v: np.unique(features[omics == v]) if (omics == v).any() else [0] for v in range(n_omics)}
    restricted = _decoding_features(module, picks)
    if restricted is not None:
        module, picked = restricted
        features = np.array([int(np.searchsorted(picked[v], j)) for v, j in zip(omics, features, strict=True)])
        width = sum(len(j) for j in picked.values())
    else:
        width = sum(estimator.omic_dims_)
    rows = max(1, min(len(z), _ELEMENTS_PER_CALL // max(1, width, _n_factors(estimator))))
    state: dict = {}
    for k in np.unique(factors[factors >= 0]):
        at = np.flatnonzero(factors == k)
        total = np.zeros(len(at))
        for start in range(0, len(z), rows):
            zz = z[start : start + rows]
            tangent = torch.zeros_like(zz)
            tangent[:, k] = 1.0
            if marks_lacking:
                tangent[zz[:, k] == 0, k] = 0.0
            derivs = _directional_derivatives(module.decode, zz, tangent, state)
            for i, row in enumerate(at):
                total[i] += float(derivs[omics[row]][:, features[row]].sum())
        out[at] = total / len(z)
    return out


@validate_params(
    {"estimator": _ESTIMATOR, "threshold": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def activation_map(estimator: Any, threshold: float = 0.01) -> dict[str, pd.DataFrame]:
    """Binary maps ``|W| > threshold`` of the sparse feature-to-factor matrices.

    The POEMS paper's activation maps (appendix B.1, figure 7; threshold 0.01).

    Parameters
    ----------
    estimator : fitted POEMSTransformer or MOCSSSparseVAETransformer
        A model with ``components_``.
    threshold : float, default=0.01
        A connection is active when ``|W_jk| > threshold``.

    Returns
    -------
    dict of str to DataFrame
        For each omic (in fit order), a boolean DataFrame of shape
        ``(n_features_v, n_factors_v)``: index the feature names (named
        ``"feature"``), columns the factors (the embedding columns the columns
        of ``W_v`` map to, named ``"factor"``). Earlier versions returned the
        transpose (factors x features); the orientation is now that of
        ``components_[v]`` and :func:`decoder_attributions`, so that the map
        lines up with ``components_[v]`` entry for entry.
        :func:`~skpoems.plotting.plot_activation_map` still draws one row per
        factor, as the paper's figure.

    Raises
    ------
    TypeError
        For a model without ``components_`` (POEM, MOCSS-AE, MOCSS-VAE).

    Examples
    --------
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.inspection import activation_map
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> maps = activation_map(est)
    >>> {omic: m.shape for omic, m in maps.items()}
    {'omic0': (8, 3), 'omic1': (6, 3)}
    >>> maps["omic0"].index[:2].tolist(), maps["omic0"].columns.tolist()
    (['omic0_f000', 'omic0_f001'], [0, 1, 2])
    """
    _check_estimator(estimator)
    cols = _weight_factor_columns(estimator)
    names = estimator.omic_feature_names()
    out = {}
    for v, (W, c) in enumerate(zip(estimator.components_, cols, strict=True)):
        out[estimator.omic_names_[v]] = pd.DataFrame(
            np.abs(np.asarray(W)) > threshold,
            index=pd.Index(names[v], name="feature"),
            columns=pd.Index(c, name="factor"),
        )
    return out


@validate_params(
    {"estimator": _ESTIMATOR, "X": "no_validation"}, prefer_skip_nested_validation=True
)
def decoder_attributions(estimator: Any, X: Any = None) -> dict[str, pd.DataFrame]:
    """Measure how strongly each factor drives each feature through the decoder.

    ``A_v[j, k] = mean_i |d x_hat_vj / d z_k|`` evaluated at ``z_i``, the
    embedding of sample ``i`` of ``X`` (``transform(X)``), where ``x_hat_v`` is
    omic ``v``'s decoded mean (``inverse_transform``). Absolute values are
    averaged, so effects of opposite sign in different samples do not cancel.
    It is a local, first-order attribution that applies to every model with a
    decoder, sparse or dense, which makes it the feature ranking for POEM,
    MOCSS-AE and MOCSS-VAE (they have no ``W``) and a common ground to compare
    models. For POEMS the chain rule gives ``d x_hat_j / d z_k = W_jk * (...)``,
    so a zero ``W_jk`` gives a zero attribution.

    Derivatives are computed in eval mode (no dropout). The sparse decoders
    (POEMS, the specific branches of MOCSS-SparseVAE) are differentiated in
    closed form (``d x_hat_bj / d z_bk = W_jk sum_h C_jh 1[a_bjh > 0] G_hk``),
    in float32, the precision the models train in: within about 1e-4 of
    float64, relative to the largest attribution, and 4x faster at genome
    scale. The
    other decoders are differentiated in float64 with forward-mode automatic
    differentiation (``torch.func.jvp`` along every factor at once, mapped
    with ``torch.func.vmap`` over one primal pass), or by central
    differences where a kernel has no forward-mode rule; these decoders are
    piecewise linear in ``z`` (ReLU), so central differences are exact (to
    ~1e-8) except within ``1e-8`` of a kink.

    Samples lacking an omic. The mean is over every sample of ``X``, each at
    the decoded mean ``inverse_transform`` gives it. For POEMS and POEM that
    is the decoder at the posterior of the omics the sample has. A MOCSS
    sample lacking omic ``v`` decodes it from the shared code alone (its
    ``v``-specific code is zero), so it adds 0 to the ``v``-specific columns
    and its shared decoder's slopes to the shared ones: MOCSS rankings move
    with the share of samples lacking the omic (the miRNA of 25% of 300
    TCGA BRCA patients hidden, 60 epochs: 7-15 of a MOCSS model's top 20
    miRNAs were those of the patients that have miRNA, 19 of POEMS's). To
    rank an omic's features among the samples that have it, pass those
    samples as ``X``.

    Parameters
    ----------
    estimator : fitted skpoems estimator
        Any of the five models.
    X : array-like, DataFrame, list or dict, default=None
        Samples at whose embeddings the decoder is differentiated (e.g. the test
        split), in any form the estimator accepts. None: the samples passed to
        fit (their embedding, ``embedding_``).

    Returns
    -------
    dict of str to DataFrame
        For each omic (in fit order), a DataFrame of shape
        ``(n_features_v, n_features_out)``: index the feature names (named
        ``"feature"``), columns the factors (embedding columns ``0 ..
        n_features_out - 1``, named ``"factor"``). ``attrs["factor_std"]``:
        the standard deviation of each factor over ``X``, by which
        :func:`top_features` weighs the columns; ``attrs["model"]``: a digest of
        the fitted weights, so that :func:`top_features` refuses the
        attributions of another fit; ``attrs["samples"]``: a digest of the
        embedding of ``X``, so that its ``slope`` column is measured at the same
        samples or left NaN.

    Examples
    --------
    >>> from skpoems import POEMTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.inspection import decoder_attributions
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> A = decoder_attributions(est, X)
    >>> A["omic1"].shape, bool((A["omic1"] >= 0).all().all())
    ((6, 3), True)
    """
    _check_estimator(estimator)
    Z = _embedding_at(estimator, X)
    attributions = _decoder_jacobian_abs_mean(estimator, Z)
    spread = np.asarray(Z, dtype=float).std(axis=0).tolist()
    names = estimator.omic_feature_names()
    fingerprint, samples = _model_fingerprint(estimator), _samples_digest(Z)
    out = {}
    for v, (omic, A) in enumerate(zip(estimator.omic_names_, attributions, strict=True)):
        frame = pd.DataFrame(
            A,
            index=pd.Index(names[v], name="feature"),
            columns=pd.RangeIndex(A.shape[1], name="factor"),
        )
        frame.attrs["factor_std"] = list(spread)
        frame.attrs["model"] = fingerprint
        frame.attrs["samples"] = samples
        out[omic] = frame
    return out


def _explained_variance(blocks, observed, recs, denominators) -> np.ndarray:
    """Pooled explained variance of each omic (observed samples only)."""
    ev = np.full(len(blocks), np.nan)
    for v, (x, r) in enumerate(zip(blocks, recs, strict=True)):
        rows = observed[:, v]
        if rows.sum() < 2 or denominators[v] <= 0:
            continue
        resid = x[rows] - r[rows]
        ev[v] = 1.0 - resid.var(axis=0).sum() / denominators[v]
    return ev


def _is_float32(module: Any) -> bool:
    import torch

    return all(p.dtype == torch.float32 for p in module.parameters())


def _decoded_blocks(estimator: Any, Z: np.ndarray) -> list[np.ndarray]:
    """``inverse_transform(Z)`` as one array per omic, whatever form the
    estimator was fitted on (one table of them gives one table back)."""
    from ._omics import split_omics

    if hasattr(estimator, "_decode_blocks"):
        return estimator._decode_blocks(Z)
    decoded = estimator.inverse_transform(Z)
    if isinstance(decoded, dict):
        decoded = list(decoded.values())
    if isinstance(decoded, (list, tuple)):
        return [np.asarray(b) for b in decoded]
    return split_omics(np.asarray(decoded), list(estimator.omic_dims_))


def _decode_omic(estimator, Z: np.ndarray, v: int) -> np.ndarray:
    """Omic ``v`` of ``inverse_transform(Z)``, decoded alone (module ``decode_omic``)."""
    import torch

    from ._base import _EVAL_CHUNK, _float64_copy

    module = estimator.module_.eval()
    device = next(module.parameters()).device
    dtype = torch.float32 if Z.dtype == np.float32 or device.type == "mps" else torch.float64
    if dtype == torch.float64 and _is_float32(module):
        module = _float64_copy(module)
    with torch.no_grad():
        z = torch.as_tensor(Z, dtype=dtype, device=device)
        out = torch.cat(
            [module.decode_omic(z[i : i + _EVAL_CHUNK], v) for i in range(0, len(z), _EVAL_CHUNK)]
        ).cpu().numpy()
    if not np.isfinite(out).all():
        raise ValueError(
            f"{type(estimator).__name__} decoded non-finite values for omic "
            f"{estimator.omic_names_[v]!r}."
        )
    return out


def _decoder_inputs(estimator: Any, width: int) -> list[np.ndarray] | None:
    """The embedding columns each omic's decoder reads, where the model says
    (MOCSS: its specific code and the shared code); None: every column."""
    module = getattr(estimator, "module_", None)
    if not (hasattr(module, "decoder_inputs") and hasattr(module, "decode_omic")):
        return None
    return [np.asarray(cols, dtype=int) for cols in module.decoder_inputs(width)]


def _coalition_values(estimator, Z, blocks, observed, masks, cache, omic=None) -> None:
    """Explained variance per omic for each coalition mask (bitmask ints) not
    cached; with ``omic``, of that omic alone (a 1-vector), decoding it alone."""
    todo = [m for m in dict.fromkeys(masks) if m not in cache]
    n, n_factors = Z.shape
    # decoded in the precision the torch model was trained in (float32): twice as
    # fast as a float64 copy, and the shares need no more digits
    module = getattr(estimator, "module_", None)
    dtype = np.float32 if module is not None and _is_float32(module) else np.float64
    omics = range(len(blocks)) if omic is None else [omic]
    blocks, observed = [blocks[v] for v in omics], observed[:, list(omics)]
    # a factor outside the coalition is held at its mean over the samples that
    # have the omic (the samples its variance is read on): over every sample, the
    # placeholder codes of samples lacking it (MOCSS: 0) moved its factors' shares
    patterns = [observed[:, i] for i in range(len(blocks))]
    distinct = list({p.tobytes(): p for p in patterns}.values())
    zbars = [Z[p].mean(axis=0) if p.any() else Z.mean(axis=0) for p in distinct]
    pattern_of = [next(j for j, q in enumerate(distinct) if np.array_equal(p, q)) for p in patterns]
    # (an omic that fewer than 2 samples have gets no variance: its row is NaN)
    denominators = [
        x[observed[:, i]].var(axis=0).sum() if observed[:, i].sum() >= 2 else 0.0
        for i, x in enumerate(blocks)
    ]
    # as many coalitions per decoder call as keep the decoded values within budget
    per_call = max(1, _ELEMENTS_PER_CALL // max(1, n * sum(x.shape[1] for x in blocks)))
    for start in range(0, len(todo), per_call):
        chunk = todo[start : start + per_call]
        recs: list = [None] * len(blocks)
        for j, zbar in enumerate(zbars):  # (one decode when every sample has every omic)
            stacked = np.empty((len(chunk) * n, n_factors), dtype=dtype)
            for i, mask in enumerate(chunk):
                keep = np.array([(mask >> k) & 1 for k in range(n_factors)], dtype=bool)
                stacked[i * n : (i + 1) * n] = np.where(keep, Z, zbar)
            alone = hasattr(module, "decode_omic")
            if omic is None and (len(zbars) == 1 or not alone):
                decoded = _decoded_blocks(estimator, stacked)
                for i in range(len(blocks)):
                    if pattern_of[i] == j:
                        recs[i] = decoded[i]
                del decoded
            else:  # only the omics of this pattern, each decoded alone
                for i in range(len(blocks)):
                    if pattern_of[i] == j:
                        recs[i] = _decode_omic(estimator, stacked, omics[i])
            del stacked
        for i, mask in enumerate(chunk):
            cache[mask] = _explained_variance(
                blocks, observed, [r[i * n : (i + 1) * n] for r in recs], denominators
            )


def _chain_values(estimator, Z, blocks, observed, orders) -> np.ndarray | None:
    """The explained variance of every omic along chains of coalitions: for
    each order ``o`` of the factors and ``i < m``, ``EV_v(orders[o, :i + 1])``,
    shape ``(n_orders, m, n_omics)``. Incremental (one rank-one update of the
    pre-activations per factor added, not a decoder pass per coalition:
    :func:`skpoems._sparse_decoder.sparse_decode_chain_residuals`), for models
    whose every omic is one decoder of the whole latent with a
    ``chain_residuals`` (POEMS's sparse decoders: :func:`_whole_latent_decoders`);
    None for other models."""
    import torch

    module = getattr(estimator, "module_", None)
    if module is None:
        return None
    device = next(module.parameters()).device
    dtype = torch.float32 if _is_float32(module) else torch.float64
    decoders = _whole_latent_decoders(module, torch.as_tensor(Z, dtype=dtype, device=device), len(blocks))
    if decoders is None or not all(hasattr(d, "chain_residuals") for d in decoders):
        return None
    module.eval()
    values = np.full((len(orders), Z.shape[1], len(blocks)), np.nan)
    with torch.no_grad():
        chains = torch.as_tensor(np.asarray(orders), dtype=torch.long)
        for v, (dec, x) in enumerate(zip(decoders, blocks, strict=True)):
            rows = observed[:, v]
            denominator = x[rows].var(axis=0).sum() if rows.sum() >= 2 else 0.0
            if denominator <= 0:
                continue  # no variance to explain: NaN, as _explained_variance
            # an absent factor at its mean over the samples that have the omic
            # (as _coalition_values)
            center = torch.as_tensor(Z[rows].mean(axis=0), dtype=dtype, device=device)
            residual = dec.chain_residuals(
                torch.as_tensor(Z[rows], dtype=dtype, device=device),
                center,
                torch.as_tensor(x[rows], dtype=dtype, device=device),
                chains,
            )
            values[:, :, v] = 1.0 - residual.cpu().numpy() / denominator
    return values


def _shapley(evaluate, players: Sequence[int], n_out: int, n_permutations: int, rng, chains=None):
    """Shapley values of the embedding columns ``players`` for the vector-valued
    game ``evaluate(masks, cache)`` (``cache[mask]``: the values of the coalition
    of the columns whose bits are set). Returns ``(phi, total, exact)``: ``phi``
    of shape ``(n_out, len(players))`` (NaN when ``n_permutations == 0``) and the
    value of all players. ``chains(orders)``, where given, returns the values
    of the prefixes of sampled orders (:func:`_chain_values`; None when it
    cannot), for a faster sampled computation with the same estimator.
    See :func:`variance_explained` for the method."""
    m = len(players)
    bits = [1 << int(k) for k in players]
    full = sum(bits)
    cache: dict[int, np.ndarray] = {0: np.zeros(n_out)}
    phi = np.zeros((n_out, m))
    exact = 2**m <= n_permutations * m
    if n_permutations == 0:
        evaluate([full], cache)
        phi[:] = np.nan
    elif exact:
        subsets = [sum(b for i, b in enumerate(bits) if s >> i & 1) for s in range(1 << m)]
        evaluate(subsets, cache)
        weights = [
            math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m)
            for s in range(m)
        ]
        for s in range(1 << m):
            size = bin(s).count("1")
            for i in range(m):
                if not s >> i & 1:
                    phi[:, i] += weights[size] * (cache[subsets[s | (1 << i)]] - cache[subsets[s]])
    else:
        orders = []
        while len(orders) < n_permutations:
            order = rng.permutation(m)
            orders.append(order)
            if len(orders) < n_permutations:
                orders.append(order[::-1])
        values = None if chains is None else chains([[players[int(i)] for i in o] for o in orders])
        if values is not None:
            # the last value of every chain is that of all players, evaluated once
            # like every other path, so the shares add up to the total exactly
            evaluate([full], cache)
            values[:, -1] = cache[full]
            for order, chain in zip(orders, values, strict=True):
                previous = cache[0]
                for i, value in zip(order, chain, strict=True):
                    phi[:, i] += value - previous
                    previous = value
            return phi / len(orders), cache[full], exact
        prefixes = []
        for order in orders:
            mask = 0
            for i in order:
                mask |= bits[int(i)]
                prefixes.append(mask)
        evaluate(prefixes, cache)
        for order in orders:
            mask = 0
            for i in order:
                new = mask | bits[int(i)]
                phi[:, i] += cache[new] - cache[mask]
                mask = new
        phi /= len(orders)
    return phi, cache[full], exact


@validate_params({"estimator": _ESTIMATOR, "X": "no_validation"}, prefer_skip_nested_validation=True)
def reconstruction_r2(estimator: Any, X: Any) -> pd.Series:
    """Coefficient of determination of each omic's reconstruction.

    ``R^2_v = 1 - sum_ij (x_ij - x_hat_ij)^2 / sum_ij (x_ij - mean_j)^2`` over the
    features ``j`` of omic ``v`` and the samples ``i`` of ``X`` that have it, with
    ``x_hat = inverse_transform(transform(X))`` (the decoders' means at the
    posterior mean) and ``mean_j`` feature ``j``'s mean over those samples:
    scikit-learn's ``r2_score`` with ``multioutput="variance_weighted"`` where no
    feature is constant on ``X`` (scikit-learn gives a constant feature no weight;
    here its reconstruction error still counts, as an error it is). 0 is
    the score of predicting each feature's mean, and it is negative for a
    reconstruction worse than that. Unlike the ``"total"`` of
    :func:`variance_explained` (an explained-variance score), a constant
    offset of the reconstruction counts against it.

    Parameters
    ----------
    estimator : fitted skpoems estimator
        Any of the five models.
    X : array-like, DataFrame, list or dict
        Samples to reconstruct (e.g. the test split), in any form the estimator
        accepts. A sample lacking an omic does not count for that omic.

    Returns
    -------
    Series of float
        Indexed by the omic names (named ``"omic"``), named ``"r2"``. NaN, with
        a warning, for an omic that fewer than 2 samples of ``X`` have or whose
        features are all constant on them.

    Examples
    --------
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.inspection import reconstruction_r2
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> reconstruction_r2(est, X).index.tolist()
    ['omic0', 'omic1']
    """
    _check_estimator(estimator)
    Z = estimator.transform(X)  # validates X
    # decoded in the precision the torch model was trained in (float32): a float64
    # copy of the model took 3x as long, for digits R^2 does not need
    module = getattr(estimator, "module_", None)
    precision = np.float32 if module is not None and _is_float32(module) else np.float64
    decoded = _decoded_blocks(estimator, np.asarray(Z, dtype=precision))
    blocks, observed = _omic_blocks(estimator, X)
    values, undefined = [], []
    for v, (name, x) in enumerate(zip(estimator.omic_names_, blocks, strict=True)):
        rows = observed[:, v]
        x = x[rows].astype(np.float64)
        total = ((x - x.mean(axis=0)) ** 2).sum() if len(x) >= 2 else 0.0
        if total <= 0:
            undefined.append(f"{name!r}")
            values.append(np.nan)
            continue
        residual = ((x - np.asarray(decoded[v], dtype=np.float64)[rows]) ** 2).sum()
        values.append(float(1.0 - residual / total))
    if undefined:
        warnings.warn(
            "reconstruction_r2: no variance to explain for omic(s) " + ", ".join(undefined)
            + " (fewer than 2 samples have it, or its features are constant on them); NaN.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return pd.Series(values, index=pd.Index(list(estimator.omic_names_), name="omic"), name="r2")


@validate_params(
    {
        "estimator": _ESTIMATOR,
        "X": "no_validation",
        "n_permutations": [_Count(0)],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def variance_explained(
    estimator: Any, X: Any, *, n_permutations: int = 20, random_state: Any = None
) -> pd.DataFrame:
    """Share of each omic's variance explained by each factor (Shapley decomposition).

    Definitions. Let ``Z = transform(X)`` and, for omic ``v``, ``z_bar`` its
    column means over the samples that have omic ``v`` (all of them where none
    lacks it). For a set ``S`` of factors, ``Z_S`` keeps the columns in ``S``
    and sets the others to their mean ``z_bar``; ``X_hat_S =
    inverse_transform(Z_S)``. The explained
    variance of omic ``v`` by ``S`` is the pooled explained-variance score

    ``EV_v(S) = 1 - sum_j Var_i(x_ij - x_hat_S,ij) / sum_j Var_i(x_ij)``

    over the features ``j`` and the samples ``i`` of ``X`` that have omic ``v``
    (scikit-learn's ``explained_variance_score`` with
    ``multioutput="variance_weighted"`` where no feature is constant on ``X``;
    scikit-learn leaves a constant feature out, here the variance of its
    error still counts). ``EV_v(all factors)`` is the model's
    reconstruction R^2 for omic ``v`` up to a per-feature offset (the residual
    mean is not counted), and ``EV_v(no factor) = 0`` exactly, because the
    decoded mean embedding is constant over samples.

    The share of factor ``k`` is its Shapley value for ``EV_v``: the increase of
    ``EV_v`` when ``k`` joins a set of other factors, averaged over the orders in
    which the factors can be added. This is the Lindeman-Merenda-Gold / Shapley
    decomposition of R^2 used for correlated predictors, applied to a nonlinear
    decoder. It is chosen over simpler alternatives because it has clean sums:
    for every omic the shares add up exactly to the total, ``sum_k phi_vk =
    EV_v(all)``, whereas "decode from factor ``k`` alone" or "drop factor
    ``k``" R^2 values need not add up to anything when the decoder is nonlinear
    or factors interact. A factor the decoder ignores gets exactly 0; with a
    linear decoder and uncorrelated factors the share is the usual
    per-factor R^2. Shares are not guaranteed to be non-negative (a factor can
    make the reconstruction of an omic worse in combination with others), but
    the total is at most 1.

    Computation. Exact (all ``2 ** m`` subsets of the ``m`` factors; for the
    MOCSS models ``m = 2 * n_components``, see below) when that needs no more
    decoder passes than sampling, i.e. when ``2 ** m <= n_permutations * m``;
    otherwise ``n_permutations`` random orders, drawn in
    antithetic pairs (an order and its reverse). Sampled orders keep the sums
    exact: the contributions along each order telescope to ``EV_v(all)``.
    The cost is that of about ``n_permutations * m`` decoder passes over ``X``
    (640 for 32 factors), decoded in float32, the precision the torch models
    train in (the shares agree with a float64 decoding to within 1e-5). For
    POEMS a pass costs ``n_samples * n_features * m * decoder_hidden``
    multiply-adds, but its decoder's pre-activations are linear in the
    factors, so each sampled order is walked incrementally: adding a factor to
    the coalition is a rank-one update of the pre-activations, then the ReLU
    and the output heads, three passes over ``n_samples * n_features *
    decoder_hidden`` values instead of a pass of the decoder (the same table
    to within 1e-6; 2.7 times faster at the shape of the TCGA BRCA test split,
    ``python -m skpoems.benchmarks inspection``, where the time goes to memory
    traffic rather than arithmetic): 9.5 seconds for 154 patients of the
    TCGA BRCA shape (2,503 features) and 72 seconds per 2 orders, so about 12
    minutes for the default 20, for 600 patients of 41,000 features, on two
    CPU cores. Pass a sample of patients or fewer
    ``n_permutations`` to go faster, or ``n_permutations=0`` for the totals
    alone (one decoder pass).

    For the MOCSS models the factors are the ``(n_omics + 1) * n_components``
    embedding columns (specific and shared codes). Omic ``v``'s decoder reads
    only its specific code and the shared code, so every other column has a
    share of exactly 0 for it; its shares are computed over those
    ``2 * n_components`` columns alone (a game per omic, the same Shapley
    values), decoding omic ``v`` alone: about ``n_permutations * 2 *
    n_components`` passes of one omic's decoders per omic, so the cost grows
    with the number of omics, not its square.

    Parameters
    ----------
    estimator : fitted skpoems estimator
        Any of the five models.
    X : array-like, DataFrame, list or dict
        Samples to evaluate on (e.g. the test split), in any form the estimator
        accepts. A sample lacking an omic does not count for that omic.
    n_permutations : int, default=20
        Number of random factor orders when the exact computation is too costly.
        0: only the ``"total"`` column (each omic's explained variance by all
        factors, one decoder pass); the factor columns are NaN.
    random_state : int, RandomState instance or None, default=None
        Seed of the random orders (unused when exact); None: numpy's global
        generator, as in scikit-learn.

    Returns
    -------
    DataFrame of shape (n_omics, n_features_out + 1)
        Index the omic names (named ``"omic"``), columns the factors
        (embedding columns ``0 .. n_features_out - 1``) and ``"total"``
        (``EV_v`` of all factors, equal to the row sum of the factor columns).
        ``attrs["method"]`` is ``"exact"``, ``"permutation"`` or ``"total"``
        (``n_permutations=0``);
        ``attrs["factor_labels"]`` the factors' display names (their numbers, or
        for MOCSS the names of ``get_feature_names_out``). An omic whose
        features are all constant on ``X``, or that fewer than 2 samples of
        ``X`` have, gets NaN, with a warning naming it.

    Raises
    ------
    ValueError
        When ``X`` has fewer than 2 samples.

    See Also
    --------
    skpoems.plotting.plot_variance_explained : Heatmap of this table.

    References
    ----------
    R. H. Lindeman, P. F. Merenda, R. Z. Gold (1980). Introduction to Bivariate
    and Multivariate Analysis. U. Grömping (2007). Estimators of relative
    importance in linear regression based on variance decomposition. The
    American Statistician 61(2).

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.inspection import variance_explained
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> r2 = variance_explained(est, X)
    >>> r2.columns.tolist(), r2.index.tolist()
    ([0, 1, 2, 'total'], ['omic0', 'omic1'])
    >>> bool(np.allclose(r2[[0, 1, 2]].sum(axis=1), r2["total"]))
    True
    """
    _check_estimator(estimator)
    Z = np.asarray(estimator.transform(X), dtype=np.float64)  # validates X
    if Z.shape[0] < 2:
        raise ValueError(
            f"variance_explained needs at least 2 samples (a variance is undefined for "
            f"one); got {Z.shape[0]}."
        )
    blocks, observed = _omic_blocks(estimator, X)
    undefined = []
    for v, (name, x) in enumerate(zip(estimator.omic_names_, blocks, strict=True)):
        n_observed = int(observed[:, v].sum())
        if n_observed < 2:
            undefined.append(f"{name!r} (observed in {n_observed} sample(s) of X)")
        elif x[observed[:, v]].var(axis=0).sum() <= 0:
            undefined.append(f"{name!r} (all its features are constant on X)")
    if undefined:
        warnings.warn(
            "variance_explained: no variance to explain for omic(s) " + ", ".join(undefined)
            + "; their rows are NaN.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    m = Z.shape[1]
    rng = check_random_state(random_state)  # (None: numpy's global generator, as scikit-learn)
    inputs = _decoder_inputs(estimator, m)
    if inputs is None:  # every omic reads every factor: one game for all omics
        phi, total, exact = _shapley(
            lambda masks, cache: _coalition_values(estimator, Z, blocks, observed, masks, cache),
            range(m), len(blocks), n_permutations, rng,
            chains=lambda orders: _chain_values(estimator, Z, blocks, observed, orders),
        )
    else:
        # MOCSS: omic v reads its specific and the shared codes only, so the
        # other factors are null players for it (share exactly 0, and Shapley
        # values do not depend on null players): one game per omic over its
        # inputs, decoding that omic alone (was n_omics^2 decoder work)
        phi, total = np.zeros((len(blocks), m)), np.zeros(len(blocks))
        for v, cols in enumerate(inputs):
            phi_v, total_v, exact = _shapley(
                lambda masks, cache, v=v: _coalition_values(
                    estimator, Z, blocks, observed, masks, cache, omic=v
                ),
                cols, 1, n_permutations, rng,
            )
            phi[v, cols], total[v] = phi_v[0], total_v[0]
            if n_permutations == 0 or np.isnan(total_v[0]):
                phi[v] = np.nan  # (no variance to explain: the whole row, as for POEMS)
    table = pd.DataFrame(phi, index=pd.Index(list(estimator.omic_names_), name="omic"))
    table.columns = pd.Index(list(range(m)), dtype=object, name="factor")
    table["total"] = total
    table.attrs["method"] = "total" if n_permutations == 0 else "exact" if exact else "permutation"
    # the factors' display names (MOCSS: "<omic>_specific<k>", "shared<k>"), for plots
    table.attrs["factor_labels"] = [
        lab[len("factor ") :] if lab.startswith("factor ") else lab for lab in _factor_labels(estimator)
    ]
    return table


def _complete_gating_rows(G: np.ndarray, observed: np.ndarray | None = None) -> np.ndarray:
    """The samples that have every omic some sample has (``observed``, else a
    missing omic's gating weight: exactly 0), with a warning naming how many
    others there are; an error where no sample has them all."""
    has = G > 0 if observed is None else np.asarray(observed, dtype=bool)
    present = has.any(axis=0)  # an omic no sample has (new samples without it) is no gap
    complete = has[:, present].all(axis=1)
    lacking = [int((~has[:, v]).sum()) for v in range(G.shape[1])]
    if not complete.any():
        raise ValueError(
            f"No sample has every omic that the samples have (samples without each omic: "
            f"{lacking}), and gating weights compare only between samples with the same "
            "omics (a sample lacking an omic gives it 0 and its other omics more). Pass "
            "the samples of one pattern of omics, e.g. those that have a given omic."
        )
    if not complete.all():
        warnings.warn(
            f"{int((~complete).sum())} of {len(G)} samples lack an omic (samples without "
            f"each omic: {lacking}); the mean gating weights are over the "
            f"{int(complete.sum())} samples that have every omic (a sample lacking an "
            "omic gives it 0 and its other omics more, which is not less reliance).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return complete


def _mean_rows(G: np.ndarray) -> np.ndarray:
    return G.mean(axis=0) if len(G) else np.full(G.shape[1], np.nan)


@validate_params(
    {
        "estimator": "no_validation",
        "X": "no_validation",
        "y": ["array-like", None],
        "target_names": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def gating_summary(estimator: Any, X: Any = None, y: Any = None, *, target_names: Any = None) -> pd.DataFrame:
    """Mean gating weight of each omic, over all samples and per group.

    The gating weights ``alpha`` of POEMS and POEM say how much each omic's
    expert counts in a sample's product of experts (rows sum to 1; an omic the
    sample lacks gets 0). The paper's figure 4 shows them per sample; this table
    averages them.

    Weights are comparable only between samples that have the same omics: a
    sample lacking an omic gives it 0 and its other omics more. So where some
    samples lack an omic, the means are over the samples that have every omic
    that some sample has (with a warning that says how many were left out; an
    error where none has them all): averaged over all, a
    subtype whose patients more often lack an omic looked as if it relied on
    that omic less (planted data: 0.16 against 0.32-0.33 for the other
    subtypes, 0.32-0.33 for every subtype among the patients that have it).

    Parameters
    ----------
    estimator : fitted POEMSTransformer or POEMTransformer
        A model with a gating network.
    X : array-like, DataFrame, list or dict, default=None
        Samples to compute gating weights for (``transform_gating(X)``); None
        uses ``estimator.gating_weights_``, the samples passed to fit.
    y : array-like of shape (n_samples,), default=None
        Group labels (e.g. subtypes) of those samples; None gives the overall
        row only. Missing labels (NaN, None) form a last group, ``"unlabelled"``.
    target_names : array-like of str or dict, default=None
        Names of integer labels: label ``c`` is shown as ``target_names[c]``; or
        a dict from label to name (labels of any type).

    Returns
    -------
    DataFrame of shape (1 + n_groups, n_omics)
        Columns the omic names; first row ``"all"`` (every sample that has
        every omic, see above), then one row per group in label order (index
        named ``"group"``). Rows sum to 1 (NaN for a group without a sample that
        has every omic).

    Examples
    --------
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.inspection import gating_summary
    >>> X, y = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        n_classes=2, as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> table = gating_summary(est, X, y, target_names=["A", "B"])
    >>> table.index.tolist(), table.columns.tolist()
    (['all', 'A', 'B'], ['omic0', 'omic1'])
    """
    _reject_pipeline(estimator, "a fitted POEMSTransformer or POEMTransformer")
    check_is_fitted(estimator)
    if not hasattr(estimator, "transform_gating"):
        raise TypeError(
            f"{type(estimator).__name__} has no gating network: gating_summary needs a "
            "fitted POEMSTransformer or POEMTransformer."
        )
    G = np.asarray(
        estimator.gating_weights_ if X is None else estimator.transform_gating(X),
        dtype=float,
    )
    columns = pd.Index(list(estimator.omic_names_), name="omic")
    # which samples have which omic: from X where given (a gating weight that
    # underflows to 0 in float32 is no missing omic), else from the zeros
    complete = _complete_gating_rows(G, None if X is None else _omic_blocks(estimator, X)[1])
    rows = {"all": _mean_rows(G[complete])}
    if y is not None:
        # labels of the training samples (X None) are checked against their row labels
        samples = getattr(estimator, "_fit_index", None) if X is None else _sample_labels(X)
        codes, names = _group_codes(y, target_names, G.shape[0], samples)
        if "all" in names:
            raise ValueError(
                "A group is named 'all', which is the name of the overall row; "
                "rename it."
            )
        for c, name in enumerate(names):
            rows[name] = _mean_rows(G[complete & (codes == c)])
    elif target_names is not None:
        raise ValueError("target_names needs y (the labels to name).")
    table = pd.DataFrame(
        rows.values(), index=pd.Index(list(rows), name="group"), columns=columns
    )
    return table


@validate_params(
    {
        "X": "no_validation",
        "y": ["array-like"],
        "target_names": ["array-like", None],
        "center": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def subtype_correlations(X: Any, y: Any, *, target_names: Any = None, center: bool = False) -> pd.DataFrame:
    """Subtype-by-subtype correlation matrix of the subtypes' mean profiles.

    The POEMS paper's figure 3: for each subtype ``c`` the mean profile
    ``m_c`` is the mean of ``X`` over the samples of ``c`` (one value per
    column: input features or latent factors); entry ``(c, c')`` is the Pearson
    correlation of ``m_c`` and ``m_c'`` across the columns. With
    ``center=True`` each column's mean over all samples is subtracted from the
    profiles first, so the matrix compares how subtypes *deviate* from the
    average sample; the default (False) is the paper's computation, where
    profiles of features on a common scale (e.g. min-max scaled) correlate
    strongly even for dissimilar subtypes because they share the features'
    baseline levels.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_columns), DataFrame, list or dict
        Input features or an embedding. A multi-omic input (list of blocks,
        dict, MultiIndex DataFrame) is concatenated column-wise. NaN (a missing
        omic block) is ignored in the means; each pair of subtypes is
        correlated over the columns both have values for.
    y : array-like of shape (n_samples,)
        Subtype labels; missing ones (NaN, None) form a last group, ``"unlabelled"``.
    target_names : array-like of str or dict, default=None
        Names of integer labels: label ``c`` is shown as ``target_names[c]``; or
        a dict from label to name (labels of any type).
    center : bool, default=False
        Subtract the overall column means before correlating (see above). The
        centred profiles, weighted by the subtypes' sizes, sum to zero, which
        biases their correlations towards negative values; with two subtypes
        they are opposite multiples of each other, so their correlation is -1
        whatever the data, and ``center=True`` needs at least three groups
        (ValueError otherwise).

    Returns
    -------
    DataFrame of shape (n_subtypes, n_subtypes)
        Symmetric, ones on the diagonal; index and columns the subtype names
        (named ``"subtype"``), in label order. NaN in the row and column of a
        subtype whose mean profile is constant (up to rounding; once centred
        with ``center=True``), with a warning: it has no correlation.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems.inspection import subtype_correlations
    >>> Z = np.array([[1.0, 0.0, 2.0], [1.2, 0.1, 1.8],
    ...               [0.0, 1.0, 0.5], [0.1, 1.1, 0.4]])
    >>> corr = subtype_correlations(Z, [0, 0, 1, 1], target_names=["LumA", "Basal"])
    >>> corr.index.tolist()
    ['LumA', 'Basal']
    >>> corr.to_numpy().round(2)
    array([[ 1.  , -0.66],
           [-0.66,  1.  ]])
    """
    M, _ = _as_matrix(X)
    codes, names = _group_codes(y, target_names, M.shape[0], _sample_labels(X))
    if center and len(names) == 2:
        raise ValueError(
            f"center=True with two groups ({names[0]!r}, {names[1]!r}): their centred mean "
            "profiles are opposite multiples of each other, so their correlation is -1 "
            "whatever the data. Use center=False, or compare at least three groups."
        )
    with warnings.catch_warnings():
        # all-NaN columns of a subtype (mean of empty slice), constant profiles
        warnings.simplefilter("ignore", RuntimeWarning)
        profiles = np.vstack(
            [np.nanmean(M[codes == c], axis=0) for c in range(len(names))]
        )
        if center:
            profiles = profiles - np.nanmean(M, axis=0)
        defined = np.isfinite(profiles)
        if not _pairs_have_columns(defined):
            raise ValueError(
                "Need at least 2 columns with values for both subtypes of every pair to "
                "correlate the subtypes' mean profiles; got "
                f"{int(defined.all(axis=0).sum())} defined for every subtype."
            )
        # one scale for all (correlations do not change): squares of values
        # near 1e300 would overflow to inf and give NaN correlations
        scale = np.abs(profiles[defined]).max() if defined.any() else 0.0
        if scale > 0:
            profiles = profiles / scale
        # each pair over the columns both subtypes have values for: an omic that
        # one small group lacks (unlabelled samples without miRNA) is left out of
        # that group's pairs only, not of every pair
        corr = np.ones((len(names), len(names)))
        for a, b in itertools.combinations(range(len(names)), 2):
            both = defined[a] & defined[b]
            corr[a, b] = corr[b, a] = (
                np.corrcoef(profiles[a, both], profiles[b, both])[0, 1] if both.sum() >= 2 else np.nan
            )
        # a constant profile (up to rounding, relative to the profiles' scale, 1
        # after the scaling above): no correlation with anything, NaN (np.corrcoef
        # gave rounding noise with the others, which read as uncorrelated)
        constant = []
        for a in range(len(names)):
            if defined[a].sum() < 2 or np.ptp(profiles[a, defined[a]]) <= 1e-12:
                corr[a, :] = corr[:, a] = np.nan
                constant.append(str(names[a]))
    if constant:
        warnings.warn(
            f"The mean profile of subtype(s) {', '.join(constant[:5])}{' ...' if len(constant) > 5 else ''} "
            f"is the same in every column{' once centred' if center else ''}: "
            "its correlations are NaN (undefined).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    index = pd.Index(names, name="subtype")
    return pd.DataFrame(corr, index=index, columns=index.copy())


def _pairs_have_columns(defined: np.ndarray) -> bool:
    """Whether every pair of rows (the row, if one) has at least 2 columns
    defined in both."""
    pairs = itertools.combinations_with_replacement(range(len(defined)), 2) if len(defined) == 1 else (
        itertools.combinations(range(len(defined)), 2)
    )
    return all((defined[a] & defined[b]).sum() >= 2 for a, b in pairs)


def _factor_labels(estimator: Any) -> list[str]:
    """Display names of the embedding columns.

    ``"factor k"`` for POEM(S)-style ``<classname>k`` output names, else the
    estimator's own output names (MOCSS: ``"<omic>_specific<k>"``, ``"shared<k>"``).
    """
    names = [str(n) for n in estimator.get_feature_names_out()]
    prefix = type(estimator).__name__.lower()
    if all(n.startswith(prefix) and n[len(prefix) :].isdigit() for n in names):
        return [f"factor {n[len(prefix) :]}" for n in names]
    return names


# ------------------------------------------------------------------ group markers
def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN stays NaN."""
    q = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size:
        order = ok[np.argsort(p[ok], kind="stable")]
        ranked = p[order] * ok.size / np.arange(1, ok.size + 1)
        q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return q


def _separation_p(n1: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a perfect separation of ``n1`` against ``n0``
    samples under random groups: ``1 / C(n1 + n0, n1)``, twice that where the
    parts have one size (the mirrored separation is as extreme)."""
    from scipy import special

    n1, n0 = np.asarray(n1, dtype=np.float64), np.asarray(n0, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        log_c = special.gammaln(n1 + n0 + 1) - special.gammaln(n1 + 1) - special.gammaln(n0 + 1)
        return np.minimum(1.0, np.where(n1 == n0, 2.0, 1.0) * np.exp(-log_c))


def _ranks_and_ties(M: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mid-ranks of the ``present`` values of every column of ``M`` (NaN
    elsewhere) and each column's tie term, the sum of ``t**3 - t`` over its
    runs of ``t`` equal values."""
    from scipy import stats

    ranks = stats.rankdata(np.where(present, M, np.nan), axis=0, nan_policy="omit")
    # each value's run of equal values in its sorted column, from the first and
    # last index of the run (the missing values, sorted last as inf, in none):
    # summed over the values of a run of t, t**2 - 1 is t**3 - t
    ordered = np.sort(np.where(present, M, np.inf), axis=0)
    rows = np.arange(M.shape[0])[:, None]
    new_run = np.ones(M.shape, dtype=bool)
    new_run[1:] = ordered[1:] != ordered[:-1]
    first = np.maximum.accumulate(np.where(new_run, rows, 0), axis=0)
    run_ends = np.ones(M.shape, dtype=bool)
    run_ends[:-1] = new_run[1:]
    last = np.minimum.accumulate(np.where(run_ends, rows, M.shape[0])[::-1], axis=0)[::-1]
    size = (last - first + 1).astype(np.float64)
    ties = np.where(np.isfinite(ordered), size**2 - 1, 0.0).sum(axis=0)
    return ranks, ties


def _rank_sum(
    ranks: np.ndarray, ties: np.ndarray, inside: np.ndarray, n1: np.ndarray, n0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Wilcoxon rank-sum test of every column, the rows of ``inside``
    against the others, from :func:`_ranks_and_ties` and the numbers of values
    ``n1`` and ``n0`` of the two parts: the standardised statistic ``z`` (tie-
    and continuity-corrected, as ``scipy.stats.mannwhitneyu(method=
    "asymptotic")``), the AUC ``U / (n1 n0)`` and the two-sided p-value. NaN
    where a part has no value or every value is tied."""
    from scipy import stats

    r1 = np.nansum(np.where(inside[:, None], ranks, np.nan), axis=0)
    u1 = r1 - n1 * (n1 + 1) / 2
    total = n1 + n0
    with np.errstate(invalid="ignore", divide="ignore"):
        var = n1 * n0 / 12 * ((total + 1) - ties / (total * (total - 1)))
        shifted = u1 - n1 * n0 / 2
        z = (shifted - 0.5 * np.sign(shifted)) / np.sqrt(var)
        z = np.where((var > 0) & (n1 > 0) & (n0 > 0), z, np.nan)
        auc = np.where((n1 > 0) & (n0 > 0), u1 / (n1 * n0), np.nan)
        p = np.where(np.isfinite(z), np.minimum(1.0, 2 * stats.norm.sf(np.abs(z))), np.nan)
    return z, auc, p


@validate_params(
    {
        "X": "no_validation",
        "y": ["array-like"],
        "n": [_Count(1), None],
        "target_names": ["array-like", None],
        "omic_dims": ["array-like", None],
        "test": [StrOptions({"welch", "wilcoxon"})],
    },
    prefer_skip_nested_validation=True,
)
def group_markers(
    X: Any,
    y: Any,
    *,
    n: int | None = None,
    target_names: Any = None,
    omic_dims: Any = None,
    test: str = "welch",
) -> pd.DataFrame:
    """Marker features of each group (subtype or cluster) against the other samples.

    For every group ``g`` and feature ``j``, Welch's t-test compares the values
    of the samples in ``g`` with those of all other samples (unequal variances;
    the Welch-Satterthwaite degrees of freedom), and the p-values are adjusted
    for the number of features by Benjamini-Hochberg within each group (over
    every omic: q-values control the false discovery rate of a group's marker
    list). A sample that lacks an omic (its block all NaN) does not count for
    that omic's features. Pass the data on the scale it was modelled on (e.g.
    min-max scaled): ``difference`` is then in those units.

    This is the table biologists read next to an unsupervised subtyping: which
    genes, CpG sites or miRNAs set each cluster apart. For two groups it is the
    usual two-sample comparison; for more, each group against the rest.

    The p- and q-values assume groups defined without looking at ``X``
    (subtypes from another assay, say). Clusters found on the same data (k-means
    of an embedding of ``X``) were chosen to differ, so their markers look more
    significant than they are: on pure noise (300 samples, 550 uniform
    features), the 4 k-means clusters of its PCA had 8-21 features each with
    ``q < 0.05``, random labels none. Read them as a ranking there, and confirm
    markers on other samples.

    Parameters
    ----------
    X : array-like, DataFrame, list or dict
        The samples in any multi-omic form of the estimators (MultiIndex
        DataFrame, list or dict of blocks, or one 2-D array as one omic).
    y : array-like of shape (n_samples,)
        Group of each sample, e.g. k-means clusters of an embedding. Missing
        labels form a group ``"unlabelled"``.
    n : int, default=None
        Keep the ``n`` features with the smallest p-values per group and omic
        (ties, such as p-values that underflow to 0, by the largest ``|t|``);
        None keeps every feature.
    target_names : array-like of str or dict, default=None
        Names of integer labels: label ``c`` is shown as ``target_names[c]``; or
        a dict from label to name (labels of any type).
    omic_dims : array-like of int, default=None
        Number of features of each omic when ``X`` is one 2-D array or DataFrame
        of several omics side by side (a model's ``omic_dims``): the omics are
        then named ``omic0``, ``omic1``, ... and their features numbered within
        each omic, as the model names them. None: such an ``X`` is one omic.
    test : {"welch", "wilcoxon"}, default="welch"
        ``"welch"``: Welch's t-test, for continuous values (expression,
        methylation beta values, miRNA). ``"wilcoxon"``: the Wilcoxon rank-sum
        (Mann-Whitney U) test, normal approximation with the correction for
        ties and for continuity (``scipy.stats.mannwhitneyu(method=
        "asymptotic")``), for binary, discrete or zero-inflated values
        (mutations, copy-number states, counts) and outliers. Welch's test
        reads a part whose values are all equal as known without error, so
        on such data its p-values are far too small: on 0/1 mutations at a
        10% rate with no real difference, a group of 5 samples against 95 got
        p < 0.05 for 57% of the features, the rank-sum test for 5% (a warning
        says when an omic looks so).

    Returns
    -------
    DataFrame
        One row per (group, omic, feature), sorted by group, omic, increasing
        p-value and decreasing ``|t|`` (Welch's degrees of freedom differ
        between features, so ``|t|`` alone does not order the p-values: with a
        group of 5 samples against 95, the 20 largest ``|t|`` missed two of the
        20 smallest p-values): ``group``, ``omic``, ``feature``, ``mean_in``,
        ``mean_out`` (the group's and the other samples' means), ``difference``
        (``mean_in - mean_out``: positive for features higher in the group),
        ``t``, ``p_value`` and ``q_value``. A feature constant within the group
        and within the other samples, at different values (a mutation that
        every sample of the group carries and no other does), separates them
        perfectly: ``t`` is +-inf and ``p_value`` that of the perfect
        separation under random groups, ``1 / C(n, n_group)`` (twice that for
        two parts of one size: 1/3 for 2 samples against 2), not 0. One
        constant at the same value in both parts has NaN statistics and comes
        last. With ``test="wilcoxon"``, ``z`` (the standardised rank-sum
        statistic, positive for features higher in the group) and ``auc`` (the
        probability that a sample of the group has the higher value, ties
        counting half: 0.5 for no difference) instead of ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems.inspection import group_markers
    >>> rng = np.random.RandomState(0)
    >>> X = {"mrna": rng.rand(40, 5), "mirna": rng.rand(40, 3)}
    >>> y = np.repeat([0, 1], 20)
    >>> X["mrna"][y == 1, 2] += 1.0   # gene 2 is higher in group 1
    >>> table = group_markers(X, y, n=1, target_names=["A", "B"])
    >>> table[["group", "omic", "feature"]].values.tolist()
    [['A', 'mrna', 'f2'], ['A', 'mirna', 'f2'], ['B', 'mrna', 'f2'], ['B', 'mirna', 'f2']]
    >>> bool(table.loc[2, "difference"] > 0.9 and table.loc[2, "q_value"] < 1e-6)
    True
    """
    from scipy import stats

    from ._omics import to_float_block

    names, raw, parsed = _input_omics(X, omic_dims)
    blocks = [to_float_block(b, name) for b, name in zip(raw, names, strict=True)]
    if blocks[0].ndim != 2:
        raise ValueError(
            f"X must be 2-D (samples x features); got shape {blocks[0].shape}. One "
            "feature: x.reshape(-1, 1)."
        )
    n_samples = blocks[0].shape[0]
    codes, groups = _group_codes(y, target_names, n_samples, _sample_labels(X))
    if np.unique(codes).size < 2:
        raise ValueError(
            f"group_markers compares each group with the other samples, but y has a "
            f"single group ({groups[int(codes[0])]!r}): pass at least 2 groups."
        )
    sizes = np.bincount(codes, minlength=len(groups))
    lone = [str(groups[g]) for g in range(len(groups)) if sizes[g] == 1]
    if lone and test == "welch":  # (a rank-sum test takes one sample: p >= 2 / n)
        warnings.warn(
            f"Group(s) {lone[:5]} of y hold a single sample: a t-test needs at least 2 "
            "samples on each side, so their t and p values are NaN (their differences "
            "of means are still given).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    features = []
    for v, block in enumerate(raw):
        cols = getattr(block, "columns", None)
        if isinstance(cols, pd.MultiIndex):
            cols = cols.get_level_values(-1)
        features.append(
            [str(c) for c in cols] if cols is not None else [f"f{j}" for j in range(blocks[v].shape[1])]
        )
    for v, block in enumerate(blocks):
        infinite = np.isinf(block)
        if infinite.any():
            row, col = (int(i[0]) for i in np.nonzero(infinite))
            sample = f"{parsed.index[row]!r} (row {row})" if parsed.index is not None else str(row)
            raise ValueError(
                f"Omic {names[v]!r} contains infinity (inf) in {int(infinite.sum())} value(s), "
                f"e.g. feature {features[v][col]!r} of sample {sample}: its means and "
                "t statistics would be undefined. Replace or remove infinite values."
            )
    omic_of = np.concatenate([np.full(b.shape[1], v) for v, b in enumerate(blocks)])
    feature_of = np.concatenate([np.asarray(f, dtype=object) for f in features])
    # features in chunks of about _ELEMENTS_PER_CALL values, in float64: the
    # temporaries stay a few times one chunk, not the data (450,000 CpG sites)
    width = max(1, _ELEMENTS_PER_CALL // max(1, n_samples))
    chunks = [
        (block, start, min(start + width, block.shape[1]))
        for block in blocks
        for start in range(0, block.shape[1], width)
    ]

    def moments(M, present, rows):
        count = (present & rows[:, None]).sum(axis=0)
        values = np.where(rows[:, None], M, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            mean = np.where(count > 0, np.nansum(values, axis=0) / count, np.nan)
            centred = np.where(rows[:, None] & present, M - mean, 0.0)
            var = np.where(count > 1, (centred**2).sum(axis=0) / (count - 1), np.nan)
            # constant part: its values all equal (a variance computed in floating
            # point need not be exactly 0 for 0.7, 0.7, ...)
            low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        constant = (count > 1) & (low == high)
        return count, np.where(constant, low, mean), np.where(constant, 0.0, var), constant

    def welch(prepared, inside):
        M, present = prepared
        n1, m1, v1, c1 = moments(M, present, inside)
        n0, m0, v0, c0 = moments(M, present, ~inside)
        with np.errstate(invalid="ignore", divide="ignore"):
            se2 = v1 / n1 + v0 / n0
            t = (m1 - m0) / np.sqrt(se2)
            df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
            # constant within both parts: a perfect marker where the two values
            # differ (a mutation every sample of the group carries and no other
            # does), no information where they are equal. Its p-value is that of
            # the perfect separation under random groups (Welch's limit, 0, made
            # 2 samples against 2 a certain marker)
            both = c1 & c0
            perfect = both & (m1 != m0)
            t = np.where((se2 > 0) & ~both, t, np.where(perfect, np.sign(m1 - m0) * np.inf, np.nan))
            p = np.where(
                np.isfinite(t), 2 * stats.t.sf(np.abs(t), df), np.where(perfect, _separation_p(n1, n0), np.nan)
            )
        # a part constant beside a varying one: Welch reads its mean as exact
        one_constant = (c1 ^ c0) & (n1 > 1) & (n0 > 1)
        return (m1, m0, t, p), int(one_constant.sum())

    def wilcoxon(prepared, inside):
        M, present, ranks, ties = prepared
        n1, m1, _, _ = moments(M, present, inside)
        n0, m0, _, _ = moments(M, present, ~inside)
        z, auc, p = _rank_sum(ranks, ties, inside, n1, n0)
        return (m1, m0, z, auc, p), 0

    def prepare(M):
        present = ~np.isnan(M)
        # (ranks do not depend on the group: computed once per chunk)
        return (M, present) if test == "welch" else (M, present, *_ranks_and_ties(M, present))

    tables: list[pd.DataFrame] = []
    compare = welch if test == "welch" else wilcoxon
    one_constant = np.zeros(len(names), dtype=np.int64)  # per omic, over the groups
    omic_of_chunk = [next(v for v, b in enumerate(blocks) if b is block) for block, _, _ in chunks]
    per_group: list[list] = [[] for _ in groups]
    for (block, start, stop), v in zip(chunks, omic_of_chunk, strict=True):
        prepared = prepare(np.asarray(block[:, start:stop], dtype=np.float64))
        for g in range(len(groups)):
            values, flagged = compare(prepared, codes == g)
            per_group[g].append(values)
            one_constant[v] += flagged
        del prepared
    for g, group in enumerate(groups):
        parts = per_group[g]
        columns = (
            [np.concatenate(column) for column in zip(*parts, strict=True)]
            if parts else [np.empty(0) for _ in range(4 if test == "welch" else 5)]
        )
        m1, m0, stat, p = columns[0], columns[1], columns[2], columns[-1]
        statistics = {"t": stat} if test == "welch" else {"z": stat, "auc": columns[3]}
        tables.append(
            pd.DataFrame(
                {
                    "group": group,
                    "omic": np.asarray(names, dtype=object)[omic_of],
                    "feature": feature_of,
                    "mean_in": m1,
                    "mean_out": m0,
                    "difference": m1 - m0,
                    **statistics,
                    "p_value": p,
                    "q_value": _benjamini_hochberg(p),
                    "_omic": omic_of,
                    "_p": np.where(np.isnan(p), np.inf, p),
                    "_order": np.where(np.isnan(stat), np.inf, -np.abs(stat)),
                }
            )
        )
    widths = np.array([b.shape[1] for b in blocks]) * len(groups)
    discrete = [names[v] for v in range(len(names)) if one_constant[v] > 0.05 * widths[v]]
    if discrete:
        warnings.warn(
            f"Omic(s) {discrete[:5]} hold many features whose values are all equal within "
            "a group or within the other samples while the other part varies (binary, "
            "discrete or zero-inflated values: mutations, copy-number states, counts). "
            "Welch's t-test reads such a part's mean as exact, so its p-values there are "
            "far too small; pass test='wilcoxon' (a rank-sum test) for such omics.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    table = pd.concat(tables, ignore_index=True)
    table["_group"] = np.repeat(np.arange(len(groups)), len(omic_of))
    table = table.sort_values(["_group", "_omic", "_p", "_order"], kind="stable")
    if n is not None:
        table = table.groupby(["_group", "_omic"], sort=False).head(n)
    return table.drop(columns=["_group", "_omic", "_p", "_order"]).reset_index(drop=True)
