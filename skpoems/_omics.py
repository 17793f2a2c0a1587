"""Multi-omics input handling: splitting, concatenation and per-omic validation.

Every public estimator accepts the same inputs (see :func:`as_omic_blocks`):

* one 2-D array or DataFrame ``X`` plus the ``omic_dims`` parameter (the only form
  that goes through :func:`~sklearn.base.clone`, ``Pipeline`` and ``GridSearchCV``);
* a DataFrame whose columns are a 2-level MultiIndex ``(omic, feature)``, as
  returned by :func:`concat_omics` and the bundled loaders;
* a list or tuple of 2-D arrays / DataFrames, one per omic;
* a dict ``{omic_name: 2-D array or DataFrame}``.

A "DataFrame" may be a pandas or a polars one (any table with ``columns`` and
``to_numpy``, or ``to_pandas``); other libraries' tables are read into pandas
first, so their column names become the feature names.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted, validate_data

from .utils._warnings import user_stacklevel

#: separator used to flatten ``(omic, feature)`` pairs into ``feature_names_in_``.
OMIC_SEP = "__"


@dataclass
class OmicBlocks:
    """Input split into omic blocks, before numeric validation.

    Attributes
    ----------
    blocks : list of array-like of shape (n_samples, n_features_v)
        One 2-D block per omic (arrays or DataFrames, not yet converted).
    names : list of str or None
        Omic names when the input carried them (dict keys, MultiIndex level 0).
    feature_names : list of ndarray or None
        Per-omic feature names when the input carried them.
    index : pandas.Index or None
        Sample index of a DataFrame input.
    layout : {"array", "frame", "multiindex", "list", "dict"}
        Which input form was given.
    """

    blocks: list[Any]
    names: list[str] | None
    feature_names: list[np.ndarray] | None
    index: pd.Index | None
    layout: str


def check_omic_dims(omic_dims: Sequence[int] | None, n_features: int) -> tuple[int, ...]:
    """Validate ``omic_dims`` against the number of columns of ``X``.

    Parameters
    ----------
    omic_dims : sequence of int or None
        Number of features of each omic, in column order. ``None`` means that the
        whole of ``X`` is one omic.
    n_features : int
        Number of columns of the 2-D input.

    Returns
    -------
    omic_dims : tuple of int
        The validated dimensions; they sum to ``n_features``.

    Raises
    ------
    ValueError
        If a dimension is not a positive integer or the sum differs from
        ``n_features``.
    """
    if omic_dims is None:
        return (int(n_features),)
    if isinstance(omic_dims, (str, bytes)) or not isinstance(omic_dims, Sequence):
        omic_dims = tuple(np.asarray(omic_dims).ravel().tolist())
    dims = tuple(omic_dims)
    if len(dims) == 0:
        raise ValueError("omic_dims must contain at least one omic, got an empty sequence.")
    for v, d in enumerate(dims):
        if isinstance(d, bool) or not isinstance(d, Integral) or d < 1:
            raise ValueError(
                f"omic_dims[{v}] must be a positive integer (the number of features "
                f"of omic {v}), got {d!r}."
            )
    dims = tuple(int(d) for d in dims)
    if sum(dims) != n_features:
        raise ValueError(
            f"omic_dims={dims} sums to {sum(dims)} features, but X has {n_features} "
            "columns. omic_dims gives the number of columns of each omic, in order."
        )
    return dims


def split_omics(X: Any, omic_dims: Sequence[int]) -> list[Any]:
    """Split the columns of a 2-D array or DataFrame into omic blocks.

    Parameters
    ----------
    X : array-like of shape (n_samples, sum(omic_dims))
        Concatenated omics.
    omic_dims : sequence of int
        Number of columns of each omic.

    Returns
    -------
    blocks : list
        One block per omic (views where possible).

    Raises
    ------
    ValueError
        If ``omic_dims`` are not positive integers that sum to the number of
        columns of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems import split_omics
    >>> [b.shape for b in split_omics(np.zeros((4, 5)), (2, 3))]
    [(4, 2), (4, 3)]
    """
    if not isinstance(X, pd.DataFrame) and not hasattr(X, "ndim"):
        X = np.asarray(X)  # nested lists
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples x features); got {X.ndim} dimension(s).")
    omic_dims = check_omic_dims(omic_dims, X.shape[1])
    bounds = np.cumsum([0, *omic_dims])
    if isinstance(X, pd.DataFrame):
        return [X.iloc[:, bounds[v] : bounds[v + 1]] for v in range(len(omic_dims))]
    return [X[:, bounds[v] : bounds[v + 1]] for v in range(len(omic_dims))]


def _default_names(n_omics: int) -> list[str]:
    return [f"omic{v}" for v in range(n_omics)]


def _is_table(b: Any) -> bool:
    """A block that is 2-D or more: an array, DataFrame, sparse matrix or nested list."""
    if sp.issparse(b) or getattr(b, "ndim", 0) >= 2 or _is_foreign_frame(b):
        return True
    return (
        isinstance(b, (list, tuple))
        and len(b) > 0
        and all(isinstance(row, (list, tuple, np.ndarray)) for row in b)
    )


def _is_foreign_frame(b: Any) -> bool:
    """A DataFrame of another library than pandas (polars, pyarrow, ...)."""
    if isinstance(b, (pd.DataFrame, np.ndarray)) or sp.issparse(b):
        return False
    columns = getattr(b, "columns", None)
    if columns is None:
        columns = getattr(b, "column_names", None)  # pyarrow.Table
    shape = getattr(b, "shape", None)
    return (
        columns is not None
        and isinstance(shape, tuple)
        and len(shape) == 2
        and (hasattr(b, "to_pandas") or hasattr(b, "to_numpy"))
    )


def _is_polars(b: Any) -> bool:
    """A polars DataFrame (told by its module: polars need not be installed)."""
    return _is_foreign_frame(b) and type(b).__module__.partition(".")[0] == "polars"


def _polars_frame(values: np.ndarray, columns: Any) -> Any:
    """``values`` as a polars DataFrame with the column names ``columns`` (as text)."""
    import polars as pl

    return pl.DataFrame(values, schema=[str(c) for c in columns], orient="row")


def _same_sequence(X: list | tuple, items: list) -> list | tuple:
    """``items`` in a list or tuple of the type of ``X`` (a namedtuple too)."""
    if isinstance(X, tuple) and hasattr(X, "_fields"):
        return type(X)(*items)
    return type(X)(items)


def _foreign_bad_columns(b: Any) -> list[str]:
    """The columns of a polars (or similar) table whose schema type is neither
    numeric nor Boolean (nor all null)."""
    schema = getattr(b, "schema", None)
    dtypes = dict(schema.items()) if hasattr(schema, "items") else {}
    return [
        str(c) for c, dt in dtypes.items()
        if not (getattr(dt, "is_numeric", lambda: True)() or str(dt) in ("Boolean", "Null"))
    ]


def _plain_array(b: Any, name: str) -> Any:
    """A torch tensor or numpy masked array omic as a plain numpy array (else
    ``b`` as it is): a tensor detached and on the CPU, in float32 where numpy
    has no type of its own (bfloat16); a masked array with its masked entries
    missing (NaN), not the values hidden under the mask."""
    if hasattr(b, "collect") and hasattr(b, "lazy") and not hasattr(b, "shape"):
        raise TypeError(
            f"{'X' if name == 'X' else f'Omic {name!r}'} is a lazy frame ({type(b).__name__}): "
            "its rows are not computed yet. Pass its .collect()."
        )
    if type(b).__module__.split(".")[0] == "torch" and hasattr(b, "detach"):
        t = b.detach()
        if getattr(t, "layout", None) is not None and "strided" not in str(t.layout):
            raise TypeError(
                f"Omic {name!r} is a sparse tensor: skpoems models need dense arrays. "
                "Convert with .to_dense()."
            )
        t = t.cpu()
        if t.is_complex():  # (not cut to its real part by .float())
            subject = "X" if name == "X" else f"omic {name!r}"
            raise ValueError(f"Complex data not supported: {subject} holds complex values.")
        if not t.is_floating_point() or str(t.dtype) in ("torch.float16", "torch.float32", "torch.float64"):
            return t.numpy()
        return t.float().numpy()  # bfloat16, float8: no numpy type
    if isinstance(b, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(b)
        data = np.ma.getdata(b)
        if not mask.any():
            return data
        if data.dtype.kind not in "biuf":
            raise TypeError(
                f"Omic {name!r} is a masked array of {data.dtype} values: every feature "
                "must be numeric."
            )
        out = data.astype(np.float32 if data.dtype == np.float32 else np.float64)
        out[mask] = np.nan  # (a copy: the user's array is not written to)
        return out
    return b


def _foreign_frame_to_pandas(b: Any, name: str) -> Any:
    """Read a polars (or other non-pandas) DataFrame omic into pandas, keeping its column names.

    Numeric tables go through ``to_numpy`` (no pyarrow needed); a table with
    non-numeric columns is refused naming them, as for pandas omics.
    """
    if not _is_foreign_frame(b):
        return b
    columns = getattr(b, "columns", None)
    if columns is None:
        columns = b.column_names
    columns = [str(c) for c in columns]
    if hasattr(b, "to_numpy"):
        # the schema first: polars hands dates and durations to numpy as numbers
        bad = _foreign_bad_columns(b)
        if bad:
            raise TypeError(
                f"Omic {name!r} has non-numeric column(s) {bad[:5]}"
                f"{' ...' if len(bad) > 5 else ''}: every feature must be numeric."
            )
        values = np.asarray(b.to_numpy())
        if values.dtype.kind in "biuf":
            return pd.DataFrame(values, columns=columns, copy=False)
        # numeric or Boolean columns with nulls come back as objects (None for
        # null): read as numbers with NaN, as the same pandas frame would be
        return pd.DataFrame(to_float_block(values, name), columns=columns, copy=False)
    return b.to_pandas()


def _is_list_of_omics(X: Any) -> bool:
    """A list is a list of omics when any element is a table (2-D or more).

    A list whose elements are all 1-D (rows of numbers) is one 2-D input, as in
    scikit-learn. A list that mixes tables with 1-D elements is a list of omics
    with a malformed omic, reported by name by :func:`as_omic_blocks` instead of
    numpy's error about an inhomogeneous shape.
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    return any(_is_table(b) for b in X)


def omic_column_names(block: pd.DataFrame, name: str) -> np.ndarray:
    """One omic DataFrame's feature names as text. Two-level columns of one omic
    (a slice ``X[["mrna"]]`` of a MultiIndex omics frame) give their feature level."""
    columns = block.columns
    if isinstance(columns, pd.MultiIndex):
        if columns.nlevels == 2 and columns.get_level_values(0).nunique() <= 1:
            columns = columns.get_level_values(1)
        else:
            raise ValueError(
                f"Omic {name!r} has MultiIndex columns ({columns.nlevels} levels"
                + (f", {columns.get_level_values(0).nunique()} omics on the first" if columns.nlevels == 2 else "")
                + "); an omic's columns are its feature names: pass one omic per block "
                "(e.g. X['mrna'] of a frame with (omic, feature) columns), or pass the whole "
                "(omic, feature) frame as X."
            )
    missing = np.flatnonzero(pd.isna(columns))
    if missing.size:
        raise ValueError(
            f"Omic {name!r} has {missing.size} column(s) without a name (NaN or None; "
            f"column {int(missing[0])} first): feature names label components_, biomarker "
            "tables and figures. Name every column, or pass the omic as an array."
        )
    return np.asarray(columns.astype(str), dtype=object)


def _check_unique_features(feature_names: Any, name: str, what: str = "Omic {name!r}") -> None:
    """Refuse duplicated feature names, listing them (e.g. repeated gene symbols)."""
    # (str of each: numpy cannot make text of tuple labels, e.g. of to_flat_index())
    values, counts = np.unique(np.asarray([str(c) for c in feature_names], dtype=object), return_counts=True)
    repeated = counts > 1
    if not repeated.any():
        return
    listing = ", ".join(f"{str(v)!r} ({c} times)" for v, c in zip(values[repeated][:5], counts[repeated][:5]))
    more = int(repeated.sum()) - 5
    listing += f" and {more} more" if more > 0 else ""
    raise ValueError(
        f"{what.format(name=name)} has duplicate feature names: {listing}. Feature names must be "
        "unique: they label components_, biomarker tables and figures. Average the "
        "duplicates (e.g. df.T.groupby(level=0).mean().T) or make the names unique."
    )


def _check_flat_frame_features(columns: pd.Index, omic_dims: Sequence[int] | None) -> None:
    """Duplicate columns of one flat DataFrame. Split by ``omic_dims``, a name
    repeated in two omics (TP53 in mRNA and in methylation) is not a duplicate
    to average: such omics need a form that keeps them apart."""
    try:
        dims = check_omic_dims(omic_dims, len(columns)) if omic_dims is not None else None
    except ValueError:
        dims = None  # reported with the dims
    if dims is not None and len(dims) > 1:
        bounds = np.cumsum([0, *dims])
        for v in range(len(dims)):
            _check_unique_features(columns[bounds[v] : bounds[v + 1]], f"omic{v}")
        # (str of each: pandas 3 keeps NaN a float in astype(str), which np.unique
        # cannot sort among text; scikit-learn's validation then names the mixed types)
        names = np.asarray([str(c) for c in columns], dtype=object)
        values, counts = np.unique(names, return_counts=True)
        shared = values[counts > 1]
        if shared.size:
            raise ValueError(
                f"The DataFrame X names features {list(map(str, shared[:5]))}"
                f"{' ...' if shared.size > 5 else ''} in more than one of its omics "
                f"(omic_dims={tuple(dims)}), and a flat frame names each column once. Keep "
                "the omics apart: pass a dict {name: frame} or a list of frames, or one frame "
                "with (omic, feature) columns (skpoems.concat_omics)."
            )
        return
    _check_unique_features(columns, "X", what="The DataFrame X")


class _NoneOmicError(ValueError):
    """An omic passed as None (a missing omic is a block of NaN)."""

    def __init__(self, name: str, position: int, named: bool) -> None:
        self.name, self.position, self.named = name, position, named
        super().__init__(
            f"Omic {name!r} is None. Samples that lack an omic pass it as a block of "
            "NaN of its width (its number of features), e.g. np.full((n_samples, "
            "n_features), np.nan); the model then infers the factors from the other omics."
        )


def as_omic_blocks(X: Any, omic_dims: Sequence[int] | None = None) -> OmicBlocks:
    """Recognise the input form and split it into omic blocks (no conversion yet).

    Parameters
    ----------
    X : array-like, DataFrame, list, tuple or dict
        See the module docstring for the accepted forms.
    omic_dims : sequence of int or None
        Used to split a plain 2-D input; for inputs that carry their own omic
        structure it must agree with it when given.

    Returns
    -------
    OmicBlocks

    Raises
    ------
    TypeError
        For sparse matrices, sets, strings and other unsupported containers.
    ValueError
        For empty lists/dicts or an ``omic_dims`` that disagrees with the input.
    """
    if sp.issparse(X):
        raise TypeError(
            "Sparse input is not supported: skpoems models need dense arrays. "
            "Convert with X.toarray()."
        )
    if isinstance(X, Mapping):
        if len(X) == 0:
            raise ValueError("Got an empty dict of omics: pass at least one omic.")
        names = [str(k) for k in X]
        if len(set(names)) != len(names):
            raise ValueError(
                f"The dict's keys {list(X)} name the same omic twice once written as text "
                f"({names}); give every omic its own name."
            )
        blocks = list(X.values())
        layout = "dict"
    elif isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError("Got an empty list of omics: pass at least one omic.")
    elif isinstance(X, (list, tuple)) and any(isinstance(b, Mapping) for b in X):
        raise TypeError(
            f"X is a {type(X).__name__} holding a dict: pass one dict of omics "
            "({name: table}) or a list of tables, not a list of dicts."
        )
    elif _is_list_of_omics(X):
        blocks = list(X)
        names = None
        frame_names = [getattr(b, "name", None) for b in blocks]
        if all(isinstance(n, str) for n in frame_names) and len(set(frame_names)) == len(
            frame_names
        ):
            names = frame_names
        layout = "list"
    elif isinstance(X, pd.DataFrame) and isinstance(X.columns, pd.MultiIndex):
        if X.columns.nlevels != 2:
            raise ValueError(
                "A DataFrame with MultiIndex columns must have exactly 2 levels "
                f"(omic, feature); got {X.columns.nlevels} levels."
            )
        if X.shape[1] == 0:
            raise ValueError(
                "X is a DataFrame with (omic, feature) columns but no column: pass at least one omic."
            )
        raw_level = X.columns.get_level_values(0)
        unnamed = np.flatnonzero(pd.isna(raw_level))
        if unnamed.size:
            raise ValueError(
                f"The DataFrame X has {unnamed.size} column(s) without an omic name (NaN or None "
                f"in the first level of its (omic, feature) columns; column {int(unnamed[0])} "
                "first): name the omic of every column."
            )
        omic_level = pd.Index([str(v) for v in raw_level], dtype=object)
        names = list(dict.fromkeys(omic_level))
        labels = list(dict.fromkeys(raw_level))
        if len(labels) != len(names):
            twice = [[label for label in labels if str(label) == n] for n in names]
            clash = next(group for group in twice if len(group) > 1)
            raise ValueError(
                f"The omic level of X's columns names the same omic twice once written as text "
                f"({', '.join(repr(label) for label in clash)} are both {str(clash[0])!r}); give "
                "every omic its own name."
            )
        codes = pd.Index(names).get_indexer(omic_level)
        if np.any(np.diff(codes) < 0):
            raise ValueError(
                "The columns of each omic must be contiguous in a MultiIndex "
                "DataFrame; reorder them, e.g. with skpoems.concat_omics."
            )
        bounds = np.searchsorted(codes, np.arange(len(names) + 1))
        blocks = [X.iloc[:, bounds[v] : bounds[v + 1]] for v in range(len(names))]
        # (refuses features without a name, as for a list or dict of frames)
        feature_names = [omic_column_names(block, name) for block, name in zip(blocks, names)]
        for features, name in zip(feature_names, names):
            _check_unique_features(features, name)
        _check_dims_agree(omic_dims, [b.shape[1] for b in blocks])
        return OmicBlocks(blocks, names, feature_names, X.index, "multiindex")
    else:
        if isinstance(X, (set, frozenset, str, bytes)):
            raise TypeError(f"Unsupported input of type {type(X).__name__} for X.")
        if X is None:
            raise TypeError(
                "X is None: pass the omics as a list or dict of tables (samples x "
                "features), a MultiIndex DataFrame, or one 2-D array."
            )
        if isinstance(X, pd.Series):
            raise TypeError(
                "X is a pandas Series: pass the omics as a list or dict of tables "
                "(samples x features), not a Series of them (list(X) or X.to_dict()), "
                "and one omic as a DataFrame (X.to_frame())."
            )
        if isinstance(X, Iterator):
            # read once, it could not be read again at transform or by GridSearchCV
            raise TypeError(
                f"X is an iterator ({type(X).__name__}), which can be read only once; "
                "pass the omics as a list (list(X)), a tuple or a dict."
            )
        if isinstance(X, (list, tuple)) and len(X) > 1 and all(np.ndim(b) == 1 for b in X):
            lengths = [len(b) for b in X]
            if len(set(lengths)) > 1:
                raise ValueError(
                    f"X is a list of 1-D rows of different lengths ({', '.join(map(str, lengths[:8]))}"
                    f"{', ...' if len(lengths) > 8 else ''}): a list of 1-D rows is one table, one "
                    "sample per element, as in scikit-learn. To pass one sample's omics, make each "
                    "a row of its own table: [x.reshape(1, -1) for x in X]."
                )
        # a single 2-D input: sklearn's validation happens in the estimator
        layout = "frame" if isinstance(X, pd.DataFrame) else "array"
        X = _plain_array(X, "X")
        if layout == "frame":
            _check_flat_frame_features(X.columns, omic_dims)
        return OmicBlocks([X], None, None, getattr(X, "index", None), layout)

    blocks = [
        _foreign_frame_to_pandas(_plain_array(b, names[v] if names is not None else f"omic{v}"),
                                 names[v] if names is not None else f"omic{v}")
        for v, b in enumerate(blocks)
    ]
    for v, block in enumerate(blocks):
        name = names[v] if names is not None else f"omic{v}"
        if block is None:
            raise _NoneOmicError(name, v, names is not None)
        if sp.issparse(block):
            raise TypeError(
                f"Omic {name!r} is a sparse matrix: skpoems models need dense arrays. "
                "Convert with .toarray()."
            )
        try:
            shape = block.shape if hasattr(block, "ndim") else np.shape(block)
        except ValueError:  # numpy refuses ragged nested lists
            raise ValueError(
                f"Omic {name!r} is a nested list whose rows have different lengths; "
                "every sample needs the same number of features."
            ) from None
        if len(shape) != 2:
            hint = (
                " One sample is a row: x.reshape(1, -1); an omic with a single feature is a column: x.reshape(-1, 1)."
                if len(shape) == 1 else ""
            )
            raise ValueError(
                f"Omic {name!r} must be a 2-D array (samples x features), got an array "
                f"with {len(shape)} dimension(s) and shape {tuple(shape)}.{hint}"
            )
    _check_indices_agree(blocks, names)
    n_samples = [np.shape(b)[0] for b in blocks]
    if len(set(n_samples)) > 1:
        listing = ", ".join(
            f"{names[v] if names else f'omic{v}'}: {n}" for v, n in enumerate(n_samples)
        )
        raise ValueError(
            "All omics must have the same number of samples (rows), got " + listing + "."
        )
    # per omic: its column names, or None for an array (any DataFrame omic is
    # checked by name at transform, whatever form the other omics have)
    # (a frame whose columns are pandas' default 0..p-1, pd.DataFrame(array), has
    # no feature names either, as in scikit-learn: named "0", "1", ... at fit, it
    # drew a feature-name warning at every later transform of the array)
    feature_names = None
    if any(isinstance(b, pd.DataFrame) and not _is_default_index(b.columns) for b in blocks):
        feature_names = [
            omic_column_names(b, names[v] if names else f"omic{v}")
            if isinstance(b, pd.DataFrame) and not _is_default_index(b.columns)
            else None
            for v, b in enumerate(blocks)
        ]
        for v, features in enumerate(feature_names):
            if features is not None:
                _check_unique_features(features, names[v] if names else f"omic{v}")
    # the patients' labels: those of the first DataFrame block (arrays have none)
    index = next((b.index for b in blocks if isinstance(b, pd.DataFrame)), None)
    _check_dims_agree(omic_dims, [np.shape(b)[1] for b in blocks])
    return OmicBlocks(blocks, names, feature_names, index, layout)


def sample_index(X: Any) -> pd.Index | None:
    """The samples' row labels of ``X``: the index of a DataFrame ``X``, else of its
    first DataFrame omic with row labels (the omics' labels agree: checked when
    ``X`` is parsed); None without labels."""
    if isinstance(X, pd.DataFrame):
        return X.index
    blocks = X.values() if isinstance(X, Mapping) else X if isinstance(X, (list, tuple)) else ()
    for block in blocks:
        if isinstance(block, pd.DataFrame) and not _is_default_index(block.index):
            return block.index
    return None


def in_fitted_order(parsed: OmicBlocks, fitted: Sequence[str]) -> OmicBlocks:
    """Put a dict's omics in the order seen at fit (a dict is keyed: order carries no meaning).

    Other forms are returned as they are: their order is positional.
    """
    fitted = list(fitted)
    if parsed.layout != "dict" or parsed.names == fitted or sorted(parsed.names) != sorted(fitted):
        return parsed  # same order, or other omics: checked and reported later
    order = [parsed.names.index(n) for n in fitted]
    feature_names = None if parsed.feature_names is None else [parsed.feature_names[v] for v in order]
    return OmicBlocks([parsed.blocks[v] for v in order], list(fitted), feature_names, parsed.index, "dict")


def _is_default_index(index: pd.Index) -> bool:
    """A RangeIndex 0..n-1 is what pandas gives a frame built without row labels."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _label(value: Any) -> Any:
    """A row label as the user wrote it (22, not np.int64(22)) for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _missing_label(x: Any) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, (float, np.floating)) and x != x)


def _first_difference(a: pd.Index, b: pd.Index) -> int | None:
    """The first position at which two indexes of one length hold different
    labels, whatever their dtypes (an ``Int64`` or pyarrow index holds the labels
    of an ``int64`` or ``str`` one, while ``Index.equals`` says they differ);
    None where they hold the same labels."""
    for i, (x, y) in enumerate(zip(a, b)):
        if _missing_label(x) or _missing_label(y):
            if not (_missing_label(x) and _missing_label(y)):
                return i
        elif bool(x != y):
            return i
    return None


def _same_labels(a: pd.Index, b: pd.Index) -> bool:
    return a.equals(b) or (len(a) == len(b) and _first_difference(a, b) is None)


def _check_label_order(y: Any, samples: Any, data_name: str = "X") -> None:
    """Labels are matched to the samples by position: a Series ``y`` whose index
    names samples must name the data's samples (``samples``, its row labels), in
    the same order; else a ValueError with the fix. Nothing to check when either
    has no row labels (a default 0..n-1 index), even a ``y`` whose index is a
    reordering of 0..n-1 against data without labels: ``sklearn.utils.shuffle``
    of an array and a Series gives that, rightly paired by position (a ``y``
    sorted after it was built looks the same and cannot be told apart)."""
    if not isinstance(y, pd.Series) or not isinstance(samples, pd.Index):
        return
    if _is_default_index(y.index) or _is_default_index(samples) or _same_labels(y.index, samples):
        return  # (data without row labels: y's own labels name nothing to match)
    same_samples = len(y.index) == len(samples) and y.index.isin(samples).all() and samples.isin(y.index).all()
    at = _first_difference(y.index, samples) if same_samples else None
    if at is not None:
        raise ValueError(
            "y's index names the same samples as the data, in another order (position "
            f"{at}: {_label(y.index[at])!r} in y, {_label(samples[at])!r} in the data), and labels "
            f"are matched by position: pass y.loc[{data_name}.index], or y.to_numpy() if the "
            "order is right."
        )
    only_y = y.index.difference(samples)
    only_data = samples.difference(y.index)
    found = []
    if len(only_y):
        found.append(f"{len(only_y)} of its labels are not among them, e.g. {_label(only_y[0])!r}")
    if len(only_data):
        found.append(f"{len(only_data)} samples have no label, e.g. {_label(only_data[0])!r}")
    if not found:  # the same names, some of them repeated
        repeated = y.index[y.index.duplicated()]
        found.append(f"it names {_label(repeated[0])!r} more than once" if len(repeated) else "in another number")
    raise ValueError(
        "y's index does not name the samples of the data one by one "
        f"({'; '.join(found)}), and labels are matched by position: pass "
        f"y.reindex({data_name}.index) to match them by name, or y.to_numpy() to match "
        "them by position."
    )


def _check_indices_agree(blocks: list, names: list[str] | None) -> None:
    """Refuse DataFrame omics whose rows are labelled as different samples.

    Rows are matched by position (as everywhere in scikit-learn), so two omic
    tables of the same patients in different orders would silently pair one
    patient's mRNA with another's methylation. Omics with labelled rows must
    therefore carry the same index in the same order; a default RangeIndex
    (a frame built without row labels) and arrays carry no labels and are not
    compared, except a default RangeIndex against a permutation of its own
    labels (one of the frames was reordered after it was built).
    """
    frames = [(v, b.index) for v, b in enumerate(blocks) if isinstance(b, pd.DataFrame)]
    labelled = [(v, index) for v, index in frames if not _is_default_index(index)]
    unlabelled = [(v, index) for v, index in frames if _is_default_index(index)]
    # A default index carries no labels, except against an index that holds
    # exactly its labels 0..n-1 in another order: a frame whose rows were
    # shuffled or sorted (df.sample(frac=1), df.sort_values(...)) after it was built.
    if unlabelled and any(
        len(index) == len(unlabelled[0][1]) and set(index) == set(unlabelled[0][1])
        for _, index in labelled
    ):
        labelled = sorted([*labelled, unlabelled[0]], key=lambda item: item[0])
    for v, index in labelled:
        if index.has_duplicates:
            repeated = list(dict.fromkeys(index[index.duplicated()]))
            warnings.warn(
                f"Omic {names[v] if names else f'omic{v}'!r} names {len(repeated)} sample(s) on more "
                f"than one row ({', '.join(repr(_label(s)) for s in repeated[:3])}"
                f"{', ...' if len(repeated) > 3 else ''}): each row is taken as a sample of "
                "its own (replicates, or a table joined twice?). A sample in both parts of a "
                "split makes held-out scores optimistic; drop or average the repeats first "
                "(block[~block.index.duplicated()], or block.groupby(level=0).mean()).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            break
    if len(labelled) < 2:
        return
    v0, first = labelled[0]
    for v, index in labelled[1:]:
        if _same_labels(index, first):
            continue
        name0 = names[v0] if names else f"omic{v0}"
        name = names[v] if names else f"omic{v}"
        known, seen = set(first), set(index)
        extra = [_label(s) for s in index if s not in known][:3]
        lacking = [_label(s) for s in first if s not in seen][:3]
        if (extra or lacking) and {str(s) for s in index} == {str(s) for s in first}:
            raise ValueError(
                f"Omic {name!r} names its samples as {_kinds(index)} (e.g. {_label(index[0])!r}) "
                f"and omic {name0!r} as {_kinds(first)} (e.g. {_label(first[0])!r}): the same "
                "names once written as text, but different labels to pandas, so no sample "
                "matches. Give every omic the same kind of index, e.g. "
                "block.index = block.index.astype(str) for each."
            )
        for u, other, other_name in ((v, known, name), (v0, seen, name0)):
            # (a frame's default columns 0..D-1 say nothing: integer sample IDs
            # would meet them; nor does a table whose rows are samples too)
            frame = blocks[u]
            columns = set() if _is_default_index(frame.columns) else set(frame.columns)
            if (extra or lacking) and len(columns & other) > len(other) / 2 and not set(frame.index) & other:
                raise ValueError(
                    f"Omic {other_name!r} looks transposed: its columns are samples of the "
                    f"other omic ({len(columns & other)} of them), and its rows "
                    f"({_label(blocks[u].index[0])!r}, ...) are not. Rows must be samples and "
                    f"columns features: pass its transpose (block.T)."
                )
        if extra:
            problem = f"has samples that omic {name0!r} lacks ({', '.join(map(repr, extra))}, ...)"
        elif lacking:
            problem = f"lacks samples that omic {name0!r} has ({', '.join(map(repr, lacking))}, ...)"
        elif len(index) == len(first):
            row = _first_difference(index, first)
            problem = (
                f"lists the samples of omic {name0!r} in another order (row {row} is "
                f"{_label(index[row])!r} in {name!r} and {_label(first[row])!r} in {name0!r})"
            )
        else:
            problem = f"repeats samples differently from omic {name0!r}"
        raise ValueError(
            f"Omic {name!r} {problem}: the rows of every omic must be the same samples "
            "in the same order (rows are matched by position). Align the tables first: "
            f"reindex every omic to one index, e.g. block.reindex(index_of_{name0}); a "
            "sample that an omic lacks then becomes a row of NaN, which skpoems treats "
            "as a missing omic."
        )


def _kinds(index: pd.Index) -> str:
    """What kind of labels ``index`` holds, for messages ("integers", "text")."""
    kinds = {type(s) for s in index[:1000]}
    if all(issubclass(k, (int, np.integer)) for k in kinds):
        return "integers"
    if all(issubclass(k, str) for k in kinds):
        return "text"
    return " and ".join(sorted(k.__name__ for k in kinds))


def _check_dims_agree(omic_dims: Sequence[int] | None, dims: list[int]) -> None:
    if omic_dims is not None and tuple(int(d) for d in omic_dims) != tuple(dims):
        raise ValueError(
            f"omic_dims={tuple(omic_dims)} disagrees with the omics passed in X, whose "
            f"feature counts are {tuple(dims)}. Leave omic_dims=None for list, dict and "
            "MultiIndex inputs."
        )


def _is_text(value: Any) -> bool:
    return isinstance(value, (str, bytes))


#: what ``pandas.api.types.infer_dtype`` says of a column of numbers (None/NaN skipped)
_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal", "boolean", "empty"})


def _sentence_start(subject: str) -> str:
    """``subject`` capitalised, to begin a message ("omic 'mRNA'" -> "Omic 'mRNA'")."""
    return subject[:1].upper() + subject[1:]


def _is_time(value: Any) -> bool:
    """A date, time or duration (numpy casts np.timedelta64 to a count of its unit)."""
    return isinstance(
        value, (np.datetime64, np.timedelta64, datetime.date, datetime.time, datetime.timedelta, pd.Period)
    ) and not pd.isna(value)


def _object_to_float(values: np.ndarray, subject: str, columns: Sequence | None = None) -> np.ndarray:
    """Convert an object array of numbers (None/NaN/pd.NA missing) to float64.

    ``subject``: what the messages call the array (``"omic 'mRNA'"``).

    One rule for every container, as scikit-learn's ``check_array``: text is
    never parsed as numbers silently, even when it spells one ("0.5"). Each
    column is classified by pandas (C speed); only a column of mixed kinds is
    looked at value by value.
    """
    values = np.asarray(values, dtype=object)
    grid = values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)
    for j in range(grid.shape[1]):
        kind = pd.api.types.infer_dtype(grid[:, j], skipna=True)
        if kind in _NUMBER_KINDS:
            continue
        if kind == "complex" or any(isinstance(v, complex) for v in grid[:, j]):
            raise ValueError(f"Complex data not supported: {subject} holds complex values.")
        when = np.flatnonzero([_is_time(v) for v in grid[:, j]])
        if when.size:
            where = f"in column {str(columns[j])!r}" if columns is not None else f"at row {when[0]}, column {j}"
            raise TypeError(
                f"{_sentence_start(subject)} holds dates or durations {where}: "
                f"{grid[when[0], j]!r}, not measurements; every feature must be numeric."
            )
        text = np.flatnonzero([_is_text(v) for v in grid[:, j]])
        if text.size:
            where = f"in column {str(columns[j])!r}" if columns is not None else f"at row {text[0]}, column {j}"
            raise TypeError(
                f"{_sentence_start(subject)} holds text {where}: {grid[text[0], j]!r}; "
                "every feature must be numeric. Convert numbers written as text "
                "explicitly (pd.to_numeric, np.asarray(block, dtype=float))."
            )
    try:
        missing = pd.isna(values)
        if missing.any():
            values = np.where(missing, np.nan, values)
        out = values.astype(np.float64)
    except OverflowError as exc:  # a Python int beyond float64's range
        raise ValueError(
            f"{_sentence_start(subject)} holds a number too large for a float ({exc}); "
            "scale the values first."
        ) from None
    except (TypeError, ValueError, ArithmeticError) as exc:  # (ArithmeticError: a signalling Decimal NaN)
        raise TypeError(
            f"{_sentence_start(subject)} contains values that cannot be converted to numbers "
            f"({exc or type(exc).__name__}); every feature must be numeric."
        ) from None
    return out


def _numpy_dtype(dtype: Any) -> np.dtype | None:
    """The numpy dtype behind a pandas (also nullable or pyarrow) column dtype."""
    if isinstance(dtype, np.dtype):
        return dtype
    inner = getattr(dtype, "numpy_dtype", None)  # Float32Dtype, ArrowDtype
    try:
        return np.dtype(inner) if inner is not None else None
    except TypeError:
        return None


def _column_label(column: Any) -> str:
    """A column as messages name it: the feature of an ``(omic, feature)`` pair."""
    return str(column[-1]) if isinstance(column, tuple) else str(column)


def numbers_not_text(X: Any, subject: str) -> Any:
    """``X`` for scikit-learn's ``check_array``, with text refused first.

    ``check_array(dtype=float)`` parses strings as numbers, which the omics
    never are (:func:`to_float_block`): a DataFrame, or an array of text or of
    Python objects, goes through :func:`to_float_block` (TypeError naming
    ``subject``); anything else (numeric arrays, sparse matrices, tensors) is
    returned as it is, for ``check_array``'s own checks.
    """
    if _is_foreign_frame(X):  # polars, pyarrow: text columns refused by their schema
        bad = _foreign_bad_columns(X)
        if bad:
            raise TypeError(
                f"{_sentence_start(subject)} has non-numeric column(s) {bad[:5]}"
                f"{' ...' if len(bad) > 5 else ''}: every column must be numeric."
            )
        return X
    if isinstance(X, pd.DataFrame):
        return to_float_block(X, subject, subject=subject)
    dtype = getattr(X, "dtype", None)
    if dtype is None and isinstance(X, (list, tuple)):
        try:
            dtype = np.asarray(X).dtype
        except (TypeError, ValueError):  # ragged: check_array says so
            return X
    if isinstance(dtype, np.dtype) and dtype.kind in "SUO":
        return to_float_block(np.asarray(X), subject, subject=subject)
    return X


def to_float_block(block: Any, name: str, *, subject: str | None = None) -> np.ndarray:
    """Convert one omic block to a float ndarray with a message naming the omic.

    ``subject``: what the messages call the block when it is not an omic (e.g.
    ``"Z"``); by default ``"omic <name>"``.

    float32 (numpy, pandas ``Float32``, pyarrow ``float32``) stays float32; every
    other numeric or boolean type becomes float64. The same rules hold for every
    container: complex values are refused (ValueError); text, dates, durations
    and categories are refused naming the columns (TypeError); an object column
    of numbers is read, with None/NaN/pd.NA as missing.
    """
    subject = f"omic {name!r}" if subject is None else subject
    if isinstance(block, pd.DataFrame):
        complex_, bad, objects = [], [], []
        for c, dt in block.dtypes.items():
            if pd.api.types.is_complex_dtype(dt):
                complex_.append(_column_label(c))
            elif isinstance(dt, pd.CategoricalDtype):
                bad.append(_column_label(c))  # categories are not measurements, even of numbers
            elif pd.api.types.is_bool_dtype(dt) or (
                pd.api.types.is_numeric_dtype(dt)
                and not pd.api.types.is_timedelta64_dtype(dt)
            ):
                continue
            elif dt == np.dtype(object):
                objects.append(c)
            else:
                bad.append(_column_label(c))
        if complex_:
            raise ValueError(
                f"Complex data not supported: {subject} holds complex values "
                f"(column(s) {complex_[:5]})."
            )
        if bad:
            raise TypeError(
                f"{_sentence_start(subject)} has non-numeric column(s) {bad[:5]}"
                f"{' ...' if len(bad) > 5 else ''}: every feature must be numeric."
            )
        if objects:
            # numbers held as Python objects (after .where or .replace, say): float64
            return _object_to_float(block.to_numpy(dtype=object), subject, [_column_label(c) for c in block.columns])
        dtypes = {_numpy_dtype(dt) for dt in block.dtypes}
        dtype = np.float32 if dtypes == {np.dtype(np.float32)} else np.float64
        out = block.to_numpy(dtype=dtype, na_value=np.nan)
        if np.dtype(np.float16) in dtypes:
            halves = [j for j, dt in enumerate(block.dtypes) if _numpy_dtype(dt) == np.float16]
            to_float_block(out[:, halves].astype(np.float16), name, subject=subject)  # (inf from float16: said so)
        return out
    arr = np.asarray(block)
    if arr.dtype.kind in "biuf":
        if arr.dtype == np.float16 and np.isposinf(arr).any():
            # (the inf error after conversion would not say where it came from)
            raise ValueError(
                f"{_sentence_start(subject)} is float16 and holds infinity (inf) in "
                f"{int(np.isposinf(arr).any(axis=-1).sum()) if arr.ndim == 2 else int(np.isposinf(arr).sum())} "
                "row(s): float16 tops out at 65504, so larger values (raw counts) became inf "
                "when the data were stored as float16. Store them as float32 or float64."
            )
        return arr.astype(np.float32 if arr.dtype == np.float32 else np.float64, copy=False)
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {subject} holds complex values.")
    if arr.dtype.kind in "SU":
        # As scikit-learn's check_array: text is never parsed as numbers silently
        # (a file read without a numeric dtype would otherwise "work").
        raise TypeError(
            f"{_sentence_start(subject)} is an array of strings (dtype {arr.dtype}); convert it "
            "to numbers explicitly, e.g. np.asarray(block, dtype=float)."
        )
    if arr.dtype.kind in "mM":
        raise TypeError(
            f"{_sentence_start(subject)} holds dates or durations (dtype {arr.dtype}), not "
            "measurements; every feature must be numeric."
        )
    if arr.dtype.kind == "O":
        return _object_to_float(arr, subject)
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{_sentence_start(subject)} contains values that cannot be converted to numbers "
            f"({exc}); every feature must be numeric."
        ) from None


def _single_input_as_numbers(X: Any, omic_dims: Sequence[int] | None, names: list[str] | None) -> Any:
    """The one-2-D-input form read by the rules of the list form, naming the
    omic and the columns: text, dates, categories and complex values refused,
    object columns of numbers and nullable columns read with their missing
    values as NaN, float32 kept. scikit-learn's own validation names neither the
    omic nor the column, reads a categorical column as its codes and a polars
    date as a day count. Plain numeric input is returned as it is."""
    if _is_foreign_frame(X):
        columns = [str(c) for c in (getattr(X, "columns", None) or X.column_names)]
        bad = _foreign_bad_columns(X)
        if bad:
            try:
                dims = check_omic_dims(omic_dims, len(columns))
            except ValueError:
                dims = (len(columns),)
            bounds = np.cumsum([0, *dims])
            v = int(np.searchsorted(bounds, columns.index(bad[0]), side="right")) - 1
            omic = [c for c in bad if bounds[v] <= columns.index(c) < bounds[v + 1]]
            raise TypeError(
                f"Omic {names[v] if names else f'omic{v}'!r} has non-numeric column(s) "
                f"{omic[:5]}{' ...' if len(omic) > 5 else ''}: every feature must be numeric."
            )
        X = _foreign_frame_to_pandas(X, "X")
    if isinstance(X, pd.DataFrame):
        if all(isinstance(dt, np.dtype) and dt.kind in "biuf" for dt in X.dtypes):
            return X
    elif not isinstance(X, np.ndarray) or X.dtype.kind in "biuf" or X.ndim != 2:
        return X  # other containers and shapes: scikit-learn's validation speaks
    try:
        dims = check_omic_dims(omic_dims, X.shape[1])
    except ValueError:
        return X  # validation reports the dims
    blocks = [
        to_float_block(block, names[v] if names else f"omic{v}")
        for v, block in enumerate(split_omics(X, dims))
    ]
    dtype = np.float32 if all(b.dtype == np.float32 for b in blocks) else np.float64
    values = np.concatenate([b.astype(dtype, copy=False) for b in blocks], axis=1)
    if isinstance(X, pd.DataFrame):
        return pd.DataFrame(values, index=X.index, columns=X.columns, copy=False)
    return values


def check_missing_pattern(
    blocks: list[np.ndarray], names: list[str], index: Sequence | None = None
) -> np.ndarray:
    """Check NaN/inf in each omic and return the observed mask.

    A sample whose block for one omic is entirely NaN lacks that omic. Any other
    NaN, any infinity, and a sample that lacks every omic are errors. Messages
    name a sample by its row label in ``index`` when given, else by position.

    Returns
    -------
    observed : ndarray of bool of shape (n_samples, n_omics)
    """
    n_samples = blocks[0].shape[0]
    observed = np.ones((n_samples, len(blocks)), dtype=bool)

    def sample(row: int) -> str:
        return f"sample {row}" if index is None else f"sample {_label(index[row])!r} (row {row})"
    for v, (block, name) in enumerate(zip(blocks, names)):
        if np.isinf(block).any():
            rows = np.flatnonzero(np.isinf(block).any(axis=1))
            raise ValueError(
                f"Omic {name!r} contains infinity (inf) in {rows.size} sample(s), "
                f"e.g. {sample(rows[0])}. Replace or remove infinite values."
            )
        nan = np.isnan(block)
        if not nan.any():
            continue
        n_nan = nan.sum(axis=1)
        partial = (n_nan > 0) & (n_nan < block.shape[1])
        if partial.any():
            rows = np.flatnonzero(partial)
            raise ValueError(
                f"Omic {name!r} contains NaN in {rows.size} sample(s) that have other "
                f"observed values of the same omic (e.g. {sample(rows[0])}, "
                f"{n_nan[rows[0]]} of {block.shape[1]} features NaN). A sample may lack "
                "an omic only as a whole block (all its features NaN); impute stray "
                "missing values first, e.g. with skpoems.preprocessing.OmicTransformer("
                "SimpleImputer()), which leaves missing omics missing."
            )
        observed[:, v] = n_nan == 0
    none = ~observed.any(axis=1)
    if none.any():
        rows = np.flatnonzero(none)
        raise ValueError(
            f"{rows.size} sample(s) have no observed omic (every value is NaN), e.g. "
            f"{sample(rows[0])}. Every sample needs at least one observed omic."
        )
    return observed


def flat_feature_names(names: list[str], feature_names: list[np.ndarray]) -> np.ndarray:
    """Flatten per-omic feature names to ``"omic__feature"`` strings."""
    return np.asarray(
        [f"{o}{OMIC_SEP}{f}" for o, fn in zip(names, feature_names) for f in fn], dtype=object
    )


def check_input_features(estimator: Any, input_features: Any) -> list[str] | None:
    """``get_feature_names_out``'s check of ``input_features``, as strings.

    ``None`` gives ``None``. Otherwise there must be ``n_features_in_`` of them
    and, where the estimator has ``feature_names_in_``, they must name the same
    columns: those ``"omic__feature"`` strings, the ``(omic, feature)`` tuples of
    a :func:`concat_omics` frame's columns, or scikit-learn's generic ``x0, x1,
    ...``, which a ``ColumnTransformer`` passes for columns it cannot name
    (tuples), and which therefore say nothing about the columns.
    """
    if input_features is None:
        return None
    given = [
        f"{f[0]}{OMIC_SEP}{f[1]}" if isinstance(f, tuple) and len(f) == 2 else str(f)
        for f in input_features
    ]
    n = estimator.n_features_in_
    expected = getattr(estimator, "feature_names_in_", None)
    generic = given == [f"x{j}" for j in range(n)]
    if len(given) != n or (expected is not None and not generic and given != list(expected)):
        raise ValueError("input_features is not equal to feature_names_in_.")
    return given


def _check_flat_names_unique(names: list[str], feature_names: list[np.ndarray]) -> None:
    """Two (omic, feature) pairs that flatten to one ``"omic__feature"`` name
    (omic "a" feature "b__c" and omic "a__b" feature "c") are refused, naming
    both, before a data-frame library's own error about duplicate columns."""
    seen: dict[str, tuple[str, str]] = {}
    for omic, features in zip(names, feature_names):
        for f in features:
            flat = f"{omic}{OMIC_SEP}{f}"
            if flat in seen:
                other = seen[flat]
                raise ValueError(
                    f"Feature {str(f)!r} of omic {omic!r} and feature {other[1]!r} of omic "
                    f"{other[0]!r} are both named {flat!r} once flattened into "
                    f"feature_names_in_ (omic{OMIC_SEP}feature): rename the omic or the "
                    f"features (avoid {OMIC_SEP!r} in names)."
                )
            seen[flat] = (omic, str(f))


def _default_feature_names(n_features: int) -> np.ndarray:
    """The names of an omic given without names: ``"f0"``, ``"f1"``, ..."""
    return np.asarray([f"f{j}" for j in range(n_features)], dtype=object)


def concat_omics(Xs: Any, *, omic_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Concatenate omics into one DataFrame with ``(omic, feature)`` MultiIndex columns.

    This is how a list of omics goes through scikit-learn's model selection tools
    (``GridSearchCV``, ``cross_val_score``): they index the rows of one 2-D object,
    and the estimators read the omic structure back from the column MultiIndex.

    Parameters
    ----------
    Xs : list, tuple or dict of 2-D arrays or DataFrames
        One block per omic, all with the same number of rows. A dict's keys name
        the omics. A DataFrame that already has ``(omic, feature)`` columns is
        returned as a copy.
    omic_names : sequence of str, default=None
        Names of the omics (default: dict keys, else ``"omic0"``, ``"omic1"``, ...).

    Returns
    -------
    DataFrame of shape (n_samples, sum of n_features_v)
        Columns ``MultiIndex`` with levels ``("omic", "feature")``. Feature names come
        from DataFrame columns, else ``"f0"``, ``"f1"``, ...; the row index from the
        first DataFrame block, else a RangeIndex.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems import concat_omics
    >>> X = concat_omics({"mrna": np.zeros((3, 2)), "mirna": np.ones((3, 1))})
    >>> list(X.columns)
    [('mrna', 'f0'), ('mrna', 'f1'), ('mirna', 'f0')]
    """
    parsed = as_omic_blocks(Xs)
    if parsed.layout in ("array", "frame"):
        raise TypeError(
            "concat_omics expects a list, tuple or dict of 2-D omic blocks (or a "
            "MultiIndex DataFrame); got a single 2-D input."
        )
    n_omics = len(parsed.blocks)
    if omic_names is not None and (
        isinstance(omic_names, (str, bytes)) or not all(isinstance(o, str) for o in omic_names)
    ):
        raise TypeError(
            f"omic_names must be a list of str, one name per omic; got {omic_names!r}."
        )
    names = list(omic_names) if omic_names is not None else (parsed.names or _default_names(n_omics))
    if len(names) != n_omics:
        raise ValueError(f"Got {len(names)} omic_names for {n_omics} omics.")
    if len(set(names)) != n_omics:
        raise ValueError(f"omic_names must be unique, got {names}.")
    frames = []
    for v, block in enumerate(parsed.blocks):
        # (features named as the models name them: a frame with pandas' default
        # column numbers has no names, as an array)
        named = parsed.feature_names is not None and parsed.feature_names[v] is not None
        if isinstance(block, pd.DataFrame):
            # a copy with its own dtypes (nullable Float64 or pyarrow columns stay
            # numeric), rows by position as for arrays
            frame = block.reset_index(drop=True)
        else:
            frame = pd.DataFrame(np.asarray(block))
        feats = parsed.feature_names[v] if named else [f"f{j}" for j in range(frame.shape[1])]
        frame.columns = pd.MultiIndex.from_arrays(
            [[names[v]] * frame.shape[1], list(feats)], names=["omic", "feature"]
        )
        frames.append(frame)
    out = pd.concat(frames, axis=1)
    if parsed.index is not None:
        out.index = parsed.index
    return out


def _warn_if_prefixed_omics(X: pd.DataFrame, owner: str) -> bool:
    """Warn when a flat DataFrame's columns name several omics (``omic__feature``,
    as OmicTransformer's pandas output names them) but are read as one omic;
    return whether it warned."""
    columns = [str(c) for c in X.columns]
    if not all(OMIC_SEP in c for c in columns):
        return False
    prefixes = [c.split(OMIC_SEP, 1)[0] for c in columns]
    groups = [p for i, p in enumerate(prefixes) if i == 0 or p != prefixes[i - 1]]
    if len(groups) < 2 or len(set(groups)) != len(groups):
        return False
    dims = tuple(prefixes.count(g) for g in groups)
    warnings.warn(
        f"{owner}: X is one DataFrame whose columns look like {len(groups)} omics "
        f"({', '.join(groups)}), but without omic_dims it is read as one omic. Pass "
        f"omic_dims={dims}, or the omics as a list, dict or (omic, feature) MultiIndex "
        "frame (skpoems.concat_omics).",
        UserWarning,
        stacklevel=user_stacklevel(),
    )
    return True


class OmicInputMixin:
    """Validation of omic inputs in every accepted form, shared by all estimators.

    Sets ``omic_dims_``, ``omic_names_``, ``n_features_in_`` and, for named
    features, ``feature_names_in_`` (``"omic__feature"``) at fit, and checks them
    afterwards. Uses the ``omic_dims`` parameter for plain 2-D input. Torch-free.
    """

    if TYPE_CHECKING:
        # set by scikit-learn's validate_data, which type checkers do not follow
        n_features_in_: int
        feature_names_in_: np.ndarray

    def _check_one_omic_on_purpose(self, n_features: int) -> None:
        """Hook: a plain 2-D input without ``omic_dims`` is one omic (the
        integrating models warn; see ``_BaseOmicsTransformer``)."""

    def _validate_omic_blocks(self, X: Any, *, reset: bool) -> tuple[list[np.ndarray], list[str], Any]:
        """Split X into float blocks (NaN kept), with the omics' names.

        Returns the blocks, the omic names and scikit-learn's validation of the
        flat 2-D input: the whole input for one 2-D array (the blocks are its
        columns), else a stand-in of the first sample of every omic (the blocks
        are the caller's arrays, as floats, read in place: never write to them).
        Only its ``dtype``, that of every block, describes the data.
        """
        try:
            # (a flat DataFrame at transform: split as fitted, for its duplicate check)
            flat_frame = isinstance(X, pd.DataFrame) and not isinstance(X.columns, pd.MultiIndex)
            if flat_frame and not reset:
                X = self._as_fitted_flat_names(X)
            parsed = as_omic_blocks(X, self.omic_dims if reset else self.omic_dims_ if flat_frame else None)
        except _NoneOmicError as exc:
            fitted = list(getattr(self, "omic_names_", []))
            # an unnamed list is matched by position, a dict by name
            v = exc.position if not exc.named else fitted.index(exc.name) if exc.name in fitted else None
            if reset or v is None or not 0 <= v < len(fitted):
                raise
            # a fitted model knows the width of the block of NaN to pass
            raise ValueError(
                f"Omic {fitted[v]!r} is None. Samples that lack an omic pass it as a block of NaN "
                f"of its fitted width, e.g. {fitted[v]!r}: np.full((n_samples, {self.omic_dims_[v]}), "
                "np.nan); the model then infers the factors from the other omics."
            ) from None
        if not reset:
            parsed = in_fitted_order(parsed, list(self.omic_names_))
        else:
            # the form inverse_transform gives its output in: one table for one
            # table (as scikit-learn's inverse of a Pipeline needs), else per omic
            self._fit_layout = parsed.layout
        if parsed.layout == "frame" and reset and self.omic_dims is None:
            prefixed = _warn_if_prefixed_omics(X, type(self).__name__)
        else:
            prefixed = False
        if parsed.layout in ("array", "frame"):
            X = _single_input_as_numbers(parsed.blocks[0], self.omic_dims if reset else self.omic_dims_,
                                         None if reset else list(self.omic_names_))
            Xv = validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_all_finite=False,  # checked per omic by the caller, naming the omic
            )
            if reset and self.omic_dims is None and not prefixed:
                self._check_one_omic_on_purpose(Xv.shape[1])
            dims = check_omic_dims(self.omic_dims, Xv.shape[1]) if reset else self.omic_dims_
            names = [f"omic{v}" for v in range(len(dims))] if reset else list(self.omic_names_)
            blocks = split_omics(Xv, dims)
        else:
            names = parsed.names or _default_names(len(parsed.blocks))
            blocks = [to_float_block(b, name) for b, name in zip(parsed.blocks, names)]
            for block, name in zip(blocks, names):
                if block.shape[1] == 0:
                    raise ValueError(f"Omic {name!r} has no features (0 columns).")
            feature_names = parsed.feature_names
            if not reset:
                self._check_omics_match(names, [b.shape[1] for b in blocks], parsed.names is not None)
                names = list(self.omic_names_)
                if feature_names is not None:
                    feature_names = self._check_feature_names_match(feature_names)
            elif feature_names is not None:  # an array omic beside DataFrames: f0, f1, ...
                feature_names = [
                    _default_feature_names(b.shape[1]) if f is None else f
                    for f, b in zip(feature_names, blocks)
                ]
            dtype = np.float32 if all(b.dtype == np.float32 for b in blocks) else np.float64
            blocks = [b.astype(dtype, copy=False) for b in blocks]
            # scikit-learn's validation (n_features_in_, feature_names_in_) reads the
            # columns only: the first row of each omic stands in for the data
            # (concatenating every sample copied the whole input, kept all fit long)
            flat = np.concatenate([b[:1] for b in blocks], axis=1)
            if feature_names is not None:
                fitted_names = getattr(self, "feature_names_in_", None) if not reset else None
                if fitted_names is None:
                    _check_flat_names_unique(names, feature_names)
                flat = pd.DataFrame(
                    flat,
                    # (checked omic by omic above; a model fitted on one flat frame
                    # keeps its columns' own names)
                    columns=flat_feature_names(names, feature_names) if fitted_names is None else fitted_names,
                    index=None if parsed.index is None else parsed.index[:1],
                    copy=False,
                )
            Xv = validate_data(
                self,
                flat,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_all_finite=False,  # checked per omic by the caller, naming the omic
            )
        if reset:
            self.omic_dims_: tuple[int, ...] = tuple(int(b.shape[1]) for b in blocks)
            self.omic_names_: list[str] = list(names)
        return list(blocks), list(names), Xv

    def _as_fitted_flat_names(self, X: pd.DataFrame) -> pd.DataFrame:
        """A flat DataFrame whose columns are the fitted features under their
        other spelling (``"TP53"`` for ``"mRNA__TP53"`` or the reverse: a model
        fitted on one flat frame keeps its columns' names, one fitted on omics
        kept apart prefixes them), relabelled as fitted; else unchanged."""
        fitted = getattr(self, "feature_names_in_", None)
        if fitted is None or len(X.columns) != len(fitted):
            return X
        given = np.asarray(X.columns.astype(str), dtype=object)
        if np.array_equal(given, fitted):
            return X
        per_omic = self.omic_feature_names()
        spellings = (np.concatenate(per_omic), flat_feature_names(list(self.omic_names_), per_omic))
        if any(np.array_equal(given, other) for other in spellings):
            return X.set_axis(pd.Index(fitted, dtype=object), axis=1)
        for spelling in (fitted, *spellings):
            if len(set(spelling)) == len(spelling) and set(given) == set(spelling):
                # the fitted features in another order (scikit-learn's check listed
                # every one of them as both unseen and missing in the other spelling)
                j = int(np.flatnonzero(given != spelling)[0])
                raise ValueError(
                    f"X has the features seen at fit in another order (column {j} is "
                    f"{str(given[j])!r}, at fit {str(spelling[j])!r}). Reorder its columns as at "
                    "fit, e.g. X[est.feature_names_in_]"
                    + ("" if spelling is fitted else " after naming them as at fit")
                    + "."
                )
        return X

    def omic_feature_names(self) -> list[np.ndarray]:
        """Feature names of each omic, as seen during fit.

        Names come from the input (DataFrame columns, MultiIndex level 1); without
        them, ``"f0"``, ``"f1"``, ... within each omic.

        Returns
        -------
        list of ndarray of str
            One array of length ``n_features_v`` per omic.
        """
        check_is_fitted(self, "omic_dims_")  # set early in fit, which uses them too
        bounds = np.cumsum([0, *self.omic_dims_])
        names = getattr(self, "feature_names_in_", None)
        out = []
        for v, omic in enumerate(self.omic_names_):
            if names is None:
                out.append(np.asarray([f"f{j}" for j in range(self.omic_dims_[v])], dtype=object))
                continue
            block = names[bounds[v] : bounds[v + 1]]
            prefix = f"{omic}{OMIC_SEP}"
            out.append(
                np.asarray(
                    [str(n)[len(prefix) :] if str(n).startswith(prefix) else str(n) for n in block],
                    dtype=object,
                )
            )
        return out

    def _check_feature_names_match(self, feature_names: list[np.ndarray | None]) -> list[np.ndarray] | None:
        """Name the omic whose columns differ from fit (scikit-learn's check names
        none). ``None`` marks an omic given as an array: it takes the fitted names,
        with a warning where the omic had names of its own at fit. Returns every
        omic's names, or None when the model was fitted without names."""
        if getattr(self, "feature_names_in_", None) is None:
            if all(f is not None for f in feature_names):
                return feature_names  # scikit-learn's validation warns
            return None
        fitted_names = self.omic_feature_names()
        out = []
        for name, seen, fitted in zip(self.omic_names_, feature_names, fitted_names):
            out.append(fitted)
            if seen is None:
                if not np.array_equal(fitted, _default_feature_names(len(fitted))):
                    warnings.warn(
                        f"Omic {name!r} has no feature names (an array, or a frame with "
                        f"pandas' default column numbers), but "
                        f"{type(self).__name__} was fitted with named features for it; its "
                        "columns are taken in the order seen at fit.",
                        UserWarning,
                        stacklevel=user_stacklevel(),
                    )
                continue
            seen = np.asarray(seen, dtype=str)
            fitted = np.asarray(fitted, dtype=str)
            if np.array_equal(seen, fitted):
                continue
            if len(seen) == len(fitted) and np.array_equal(fitted, _default_feature_names(len(fitted))):
                # an array at fit (named f0, f1, ... beside named omics), a frame now:
                # nothing to check its names against; by position, as scikit-learn does
                warnings.warn(
                    f"Omic {name!r} has feature names, but {type(self).__name__} was fitted "
                    "with an array for it (no names); its columns are taken by position.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
                continue
            if set(seen) == set(fitted):
                j = int(np.flatnonzero(seen != fitted)[0])
                raise ValueError(
                    f"Omic {name!r} has the features seen at fit in another order (column {j} "
                    f"is {str(seen[j])!r}, at fit {str(fitted[j])!r}). Reorder its columns as at fit, "
                    f"e.g. block[fitted_names] with fitted_names = est.omic_feature_names()"
                    f"[{self.omic_names_.index(name)}]."
                )
            seen_set, fitted_set = set(seen), set(fitted)
            unseen = [str(f) for f in seen if f not in fitted_set]
            lacking = [str(f) for f in fitted if f not in seen_set]
            raise ValueError(
                f"Omic {name!r} has feature names that differ from those seen at fit: "
                f"{len(unseen)} unseen (e.g. {unseen[:3]}), {len(lacking)} missing (e.g. "
                f"{lacking[:3]}). Pass the same features, in the same order, as at fit."
            )
        return out

    def _check_omics_match(self, names: list[str], dims: list[int], named: bool) -> None:
        if len(dims) != len(self.omic_dims_):
            fitted = list(self.omic_names_)
            absent = [n for n in fitted if n not in names] if named else []
            hint = ""
            if len(dims) < len(fitted):
                lacking = absent[0] if absent else fitted[-1]
                width = self.omic_dims_[fitted.index(lacking)]
                hint = (
                    f" Samples that lack an omic pass it as a block of NaN of its fitted "
                    f"width, e.g. {lacking!r}: np.full((n_samples, {width}), np.nan); "
                    "the model then infers the factors from the other omics."
                )
            raise ValueError(
                f"X has {len(dims)} omic(s), but {type(self).__name__} was fitted with "
                f"{len(self.omic_dims_)} ({', '.join(map(repr, fitted))})"
                + (f"; missing: {', '.join(map(repr, absent))}." if absent else ".")
                + hint
            )
        if named and list(names) != list(self.omic_names_):
            raise ValueError(
                f"X has omics {names}, but {type(self).__name__} was fitted with omics "
                f"{list(self.omic_names_)}"
                + (" (the same omics in another order: put them in the order seen at fit)."
                   if sorted(names) == sorted(self.omic_names_) else " (the same omics expected).")
            )
        for v, (d, d_fit) in enumerate(zip(dims, self.omic_dims_)):
            if d != d_fit:
                raise ValueError(
                    f"Omic {self.omic_names_[v]!r} has {d} features, but "
                    f"{type(self).__name__} was fitted with {d_fit} features for it."
                )


#: A typical (median) feature skewness above this, on features of many distinct
#: values, that a log at least halves, marks an omic as linear-scale abundances
#: (counts, TPM, intensities). Measured on the bundled TCGA BRCA mRNA: log2
#: values 0.06, the same values exponentiated 6.8 (1.3 after the log of
#: typical_skewness(logged=True)), their square root 2.7 (0.8); nutrimouse's
#: lipid percentages 1.1, methylation beta values -1.1. Log-scale values of
#: genes that most samples do not express (zero in 90% of them) are skewed too,
#: 3.0, but a log leaves them so (3.0): they are not linear-scale. Raw counts of
#: such genes are caught by the skewness of their values above the minimum (the
#: samples that express them; see linear_scale_skewness).
LINEAR_SCALE_SKEWNESS = 2.0
#: features with fewer distinct values (binary calls, low counts, copy numbers)
#: are skewed by nature, not by a missing log: they do not count
_SKEW_MIN_DISTINCT = 10
_SKEW_MAX_COLUMNS = 2000


def _skewness(x: np.ndarray) -> np.ndarray:
    """Skewness of each column, over its values that are not NaN."""
    # the plain means where there is no NaN: nanmean copies and masks, and the
    # check ran 50 ms per omic of TCGA BRCA (0.2 s of every fit); x*x*x, not x**3
    mean = np.mean if not np.isnan(x).any() else np.nanmean
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (a column of NaN only)
        centred = x - mean(x, axis=0)
        squared = centred * centred
        m2 = mean(squared, axis=0)
        m3 = mean(squared * centred, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return m3 / m2**1.5


def typical_skewness(
    block: np.ndarray, rows: np.ndarray | None = None, *, logged: bool = False, above_minimum: bool = False
) -> float | None:
    """The median skewness of an omic's features (samples in rows, no NaN), or
    None when it says nothing: fewer than 20 samples, or fewer than half of the
    features with at least 10 distinct values. ``rows``: a boolean mask of the
    samples to use (those that have the omic); None: all. ``logged``: the
    skewness of each feature after a log, ``log1p((x - min) / m)`` with ``m``
    the median of its values above the minimum (a log that does not depend on
    the feature's scale or shift, so it reads min-max scaled values as raw ones).
    ``above_minimum``: of each feature's values above its minimum only (at
    least 10 distinct ones), i.e. of the samples that express a gene, whatever
    the share of zeros.

    Skewness does not change under a feature's positive scaling and shift, so
    raw and min-max scaled values give the same answer. At most 2000 evenly
    spaced features are looked at (the median needs no more), and only they
    are copied."""
    d = block.shape[1]
    n = block.shape[0] if rows is None else int(np.count_nonzero(rows))
    if n < 20 or d == 0:
        return None
    cols = np.unique(np.linspace(0, d - 1, min(d, _SKEW_MAX_COLUMNS)).round().astype(int))
    x = block[:, cols] if rows is None else block[:, cols][rows]
    x = np.sort(np.asarray(x, dtype=np.float64), axis=0)
    distinct = 1 + (np.diff(x, axis=0) != 0).sum(axis=0)
    many = distinct - int(above_minimum) >= _SKEW_MIN_DISTINCT
    if many.sum() < len(cols) / 2:
        return None
    x = x[:, many]
    if logged or above_minimum:
        x = x - x[0]  # (sorted: the first row is the minimum)
        above = np.where(x > 0, x, np.nan)
    if logged:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # (a column without any)
            middle = np.nanmedian(above, axis=0)
        x = np.log1p(x / np.where(middle > 0, middle, 1.0))
    if above_minimum:
        x = np.where(np.isnan(above), np.nan, x)
    return float(np.nanmedian(_skewness(x)))


def outlier_samples(block: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, float, float] | None:
    """A few samples far outside the others in most features of an omic (a
    patient left on a linear scale among logged ones, a block in other units):
    their positions (among all rows), the share of the features whose most
    extreme value they hold, and how far out they are (the median over those
    features of their deviation from the feature's median over the 99th
    percentile of the other samples' deviations); None when there are none.

    The samples: at most 1% of them (or 3), each holding alone the most
    extreme value of a tenth of the features (ties, as 0/1 calls have, count
    for none); together at least half, at 5 times the others' range or more,
    measured where the others vary. Measured: on TCGA BRCA and nutrimouse as
    bundled, and min-max scaled, no omic has such samples (BRCA's methylation
    has one holding 16% of the extremes at 1.4 times); 3 of 769 BRCA patients
    multiplied by 100 hold every extreme at 130 times, 3 left unlogged
    (``2 ** x``) 54-87% at 26 times. Needs 20 samples and 20 varying features
    (of at most 2000, evenly spaced, that are looked at)."""
    observed = np.flatnonzero(rows) if rows is not None else np.arange(block.shape[0])
    values = block[observed] if rows is not None else block
    if values.shape[1] > 2000:  # evenly spaced features suffice to find such samples
        values = values[:, np.linspace(0, values.shape[1] - 1, 2000).astype(int)]
    n = values.shape[0]
    if n < 20 or values.shape[1] < 20:
        return None
    with np.errstate(invalid="ignore"):
        deviation = np.abs(values - np.nanmedian(values, axis=0))
    deviation = np.nan_to_num(deviation, nan=0.0)
    varying = deviation.max(axis=0) > 0
    if varying.sum() < 20:
        return None
    deviation = deviation[:, varying]
    extreme = deviation.argmax(axis=0)
    # a feature counts for the one sample that holds its extreme alone (0/1
    # mutation calls tie every carrier: argmax would credit the first row)
    peak = deviation[extreme, np.arange(deviation.shape[1])]
    alone = (deviation == peak).sum(axis=0) == 1
    counts = np.bincount(extreme[alone], minlength=n)
    top = np.argsort(counts, kind="stable")[::-1][: max(3, math.ceil(0.01 * n))]
    flagged = np.sort(top[counts[top] >= 0.1 * deviation.shape[1]])
    share = counts[flagged].sum() / deviation.shape[1]
    if not len(flagged) or share < 0.5:
        return None
    held = alone & np.isin(extreme, flagged)
    others = np.quantile(np.delete(deviation, flagged, axis=0)[:, held], 0.99, axis=0)
    spread = others > 0  # (others all at the median: a sparse feature, no scale to compare)
    if spread.sum() < held.sum() / 2:
        return None
    ratio = float(np.median(peak[held][spread] / others[spread]))
    if ratio < 5:
        return None
    return observed[flagged], float(share), ratio


def linear_scale_skewness(
    block: np.ndarray, rows: np.ndarray | None = None
) -> tuple[float, bool] | None:
    """The typical skewness that marks an omic as linear-scale abundances, and
    whether it is that of the values above each feature's minimum; or None.

    Its typical feature is skewed above ``LINEAR_SCALE_SKEWNESS`` and a log at
    least halves that (features skewed by zeros, such as log values of genes
    most samples do not express, stay skewed on a log scale: they are not
    linear). Failing that, the same test on the values above each feature's
    minimum: raw counts of genes that most samples do not express are skewed
    by their zeros, which a log leaves, but the counts of the samples that
    express them are skewed as linear values are, and a log removes that.
    (Scale-free, so log values of barely expressed genes, log2(FPKM + 1) of
    FPKM near 0.05, where the log is nearly linear, look the same.)"""
    for above_minimum in (False, True):
        skewness = typical_skewness(block, rows, above_minimum=above_minimum)
        if skewness is None or skewness <= LINEAR_SCALE_SKEWNESS:
            continue
        logged = typical_skewness(block, rows, logged=True, above_minimum=above_minimum)
        if logged is not None and logged < skewness / 2:
            return skewness, above_minimum
    return None
