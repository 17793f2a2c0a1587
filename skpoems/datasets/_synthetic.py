"""Synthetic multi-omics data with planted sparse factors and planted subtypes."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._params import _Count
from ._base import _omics_frame

__all__ = ["PLANTED_FACTORS", "make_multiomics"]

#: Keyword arguments of :func:`make_multiomics` for the planted-factor benchmark
#: that skpoems' interpretation tests and ``examples/benchmarks/stopping_traces.py``
#: use: 400 samples, 3 omics (40, 30 and 20 features), 4 independent sparse
#: factors (``class_sep=0``, so matching learned to planted factors by correlation
#: is unambiguous), one shared by all omics and one specific to each omic. Use it
#: as ``make_multiomics(**PLANTED_FACTORS, random_state=seed)`` to check that a
#: model recovers planted structure.
PLANTED_FACTORS: dict[str, Any] = {
    "n_samples": 400,
    "omic_dims": (40, 30, 20),
    "n_components": 4,
    "n_classes": 3,
    "class_sep": 0.0,
    "n_shared_components": 1,
    "density": 0.2,
    "noise": 0.1,
    "link": "sigmoid",
}

_LINKS = {
    "tanh": np.tanh,
    "sigmoid": lambda t: 0.5 * (1.0 + np.tanh(t)),  # 1 / (1 + exp(-2 t)), stable
    "linear": lambda t: t,
}


def _check_omic_dims(omic_dims: int | Sequence[int] | np.ndarray) -> tuple[int, ...]:
    """Validate ``omic_dims``: one positive integer per omic."""
    if isinstance(omic_dims, Integral):
        omic_dims = (int(omic_dims),)
    dims = np.asarray(omic_dims)
    if dims.ndim != 1 or dims.size == 0:
        raise ValueError(
            "omic_dims must be a non-empty sequence of positive integers, one per "
            f"omic; got {omic_dims!r}."
        )
    if not all(isinstance(d, Integral) for d in dims.tolist()) or (dims < 1).any():
        raise ValueError(
            "omic_dims must hold integers >= 1 (the number of features of each "
            f"omic); got {omic_dims!r}."
        )
    return tuple(int(d) for d in dims)


def _component_omics(n_omics: int, n_components: int, n_shared: int) -> np.ndarray:
    """Boolean (n_omics, n_components): which omics each factor drives.

    Factors ``0 .. n_shared - 1`` drive every omic; factor ``n_shared + i`` drives
    only omic ``i % n_omics``.
    """
    mask = np.zeros((n_omics, n_components), dtype=bool)
    mask[:, :n_shared] = True
    for i, k in enumerate(range(n_shared, n_components)):
        mask[i % n_omics, k] = True
    return mask


def _class_centers(
    n_classes: int, n_components: int, class_sep: float, rng: np.random.RandomState
) -> np.ndarray:
    """Distinct random vertices of the hypercube [-class_sep, class_sep]^K."""
    if n_components <= 20:
        vertices = rng.choice(2**n_components, size=n_classes, replace=False)
        bits = (vertices[:, None] >> np.arange(n_components)[None, :]) & 1
        signs = 2.0 * bits - 1.0
    else:
        while True:  # a collision among >= 2**21 vertices is very unlikely
            signs = rng.choice([-1.0, 1.0], size=(n_classes, n_components))
            if len(np.unique(signs, axis=0)) == n_classes:
                break
    return class_sep * signs


@overload
def make_multiomics(
    n_samples: int = ...,
    omic_dims: int | Sequence[int] | np.ndarray = ...,
    n_components: int = ...,
    n_classes: int = ...,
    *,
    class_sep: float = ...,
    n_shared_components: int | None = ...,
    density: float = ...,
    noise: float = ...,
    link: Literal["tanh", "sigmoid", "linear"] = ...,
    random_state: Any = ...,
    return_components: Literal[False] = ...,
    as_frame: bool = ...,
) -> tuple[Any, Any]: ...
@overload
def make_multiomics(
    n_samples: int = ...,
    omic_dims: int | Sequence[int] | np.ndarray = ...,
    n_components: int = ...,
    n_classes: int = ...,
    *,
    class_sep: float = ...,
    n_shared_components: int | None = ...,
    density: float = ...,
    noise: float = ...,
    link: Literal["tanh", "sigmoid", "linear"] = ...,
    random_state: Any = ...,
    return_components: Literal[True],
    as_frame: bool = ...,
) -> tuple[Any, Any, list[np.ndarray], np.ndarray, np.ndarray]: ...
@overload
def make_multiomics(
    n_samples: int = ...,
    omic_dims: int | Sequence[int] | np.ndarray = ...,
    n_components: int = ...,
    n_classes: int = ...,
    *,
    class_sep: float = ...,
    n_shared_components: int | None = ...,
    density: float = ...,
    noise: float = ...,
    link: Literal["tanh", "sigmoid", "linear"] = ...,
    random_state: Any = ...,
    return_components: bool,
    as_frame: bool = ...,
) -> tuple[Any, Any] | tuple[Any, Any, list[np.ndarray], np.ndarray, np.ndarray]: ...


@validate_params(
    {
        "n_samples": [_Count(1)],
        "omic_dims": [_Count(1), "array-like"],
        "n_components": [_Count(1)],
        "n_classes": [_Count(1)],
        "class_sep": [Interval(Real, 0, None, closed="left")],
        "n_shared_components": [_Count(0), None],
        "density": [Interval(Real, 0, 1, closed="right")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "link": [StrOptions(set(_LINKS))],
        "random_state": ["random_state"],
        "return_components": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_multiomics(
    n_samples: int = 100,
    omic_dims: int | Sequence[int] | np.ndarray = (50, 40, 30),
    n_components: int = 5,
    n_classes: int = 3,
    *,
    class_sep: float = 2.0,
    n_shared_components: int | None = None,
    density: float = 0.2,
    noise: float = 0.1,
    link: Literal["tanh", "sigmoid", "linear"] = "tanh",
    random_state: Any = None,
    return_components: bool = False,
    as_frame: bool = False,
) -> tuple[Any, Any] | tuple[Any, Any, list[np.ndarray], np.ndarray, np.ndarray]:
    """Generate multi-omics data with planted sparse factors and planted subtypes.

    The data follow the generative model of a sparse multi-omics VAE such as
    POEMS: one latent vector ``z`` per sample is shared by all omics, and feature
    ``j`` of omic ``v`` only sees the factors that its row of a sparse loading
    matrix ``W_v`` lets through.

    1. Subtypes: ``y`` holds ``n_classes`` balanced classes in random order.
    2. Latent factors: ``z = centers[y] + e`` with ``e ~ N(0, I)`` of shape
       ``(n_samples, n_components)``. The class centres are distinct random
       vertices of the hypercube ``[-class_sep, class_sep]^n_components``,
       shifted together so that ``z`` has mean zero; two classes differ by at
       least ``2 * class_sep`` within-class standard deviations along at least
       one factor. A factor on which all class centres agree carries no class
       information.
    3. Factor-to-omic assignment (``component_omics``): factors
       ``0 .. n_shared_components - 1`` drive every omic; factor
       ``n_shared_components + i`` drives omic ``i % n_omics`` only.
    4. Sparse loadings: ``W_v`` of shape ``(omic_dims[v], n_components)`` is zero
       except that each factor assigned to omic ``v`` drives a random group of
       ``max(1, round(density * omic_dims[v]))`` of its features, with weights of
       random sign and magnitude uniform in [0.5, 1.5]. A feature may be driven by
       several factors, or by none (then it is pure noise).
    5. Observations: ``X_v[:, j] = f(g_j * (z @ W_v[j]) / s_j) + noise * eps``,
       where ``z @ W_v[j]`` is the sum of ``z * W_v[j]``, ``f`` is the ``link``,
       ``g_j`` a per-feature gain uniform in [0.5, 2], ``s_j`` the standard
       deviation of ``z @ W_v[j]`` under the model (given the class proportions;
       1 when the row is zero), and ``eps ~ N(0, 1)``. Because of ``s_j`` only
       the relative sizes of the entries of a row of ``W_v`` matter.

    The return value is ``(X, y)``, or ``(X, y, components, latent,
    component_omics)`` with ``return_components=True``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples.

    omic_dims : int or array-like of int, default=(50, 40, 30)
        Number of features of each omic (each >= 1); an int means one omic.

    n_components : int, default=5
        Number of latent factors.

    n_classes : int, default=3
        Number of subtypes; at most ``n_samples`` and ``2 ** n_components``.

    class_sep : float, default=2.0
        Half the side of the hypercube whose vertices are the class centres of
        ``z``, in units of the within-class standard deviation. 0 gives no class
        structure.

    n_shared_components : int, default=None
        Number of factors that drive every omic; the others drive one omic each
        (see step 3). At most ``n_components``. None means
        ``max(1, n_components // 2)`` for several omics and ``n_components`` for
        one omic.

    density : float in (0, 1], default=0.2
        Fraction of an omic's features that each of its factors drives.

    noise : float, default=0.1
        Standard deviation of the Gaussian noise added to every value.

    link : {"tanh", "sigmoid", "linear"}, default="tanh"
        The function ``f`` of step 5. ``"sigmoid"`` is ``1 / (1 + exp(-2 t))``
        (values near [0, 1] like min-max scaled omics); ``"linear"`` is the
        identity.

    random_state : int, RandomState instance or None, default=None
        Seed of all random draws. Pass an int for reproducible output. None draws
        from NumPy's global RandomState, as in scikit-learn; the global state is
        never seeded or reset.

    return_components : bool, default=False
        If True, also return the planted loadings, the latent factors and the
        factor-to-omic assignment.

    as_frame : bool, default=False
        If True, ``X`` is one :class:`pandas.DataFrame` whose columns are a
        :class:`pandas.MultiIndex` with levels ``("omic", "feature")`` (omics
        ``"omic0"``, ``"omic1"``, ...; features ``"omic0_f000"``, ...; index a
        RangeIndex named ``"sample"``) and ``y`` a :class:`pandas.Series` named
        ``"subtype"``.

    Returns
    -------
    X : list of ndarray of shape (n_samples, omic_dims[v]), or DataFrame
        The omics (float64): a list with one array per omic, or with
        ``as_frame=True`` one DataFrame of shape (n_samples, sum(omic_dims)).

    y : ndarray of shape (n_samples,), or Series
        The subtype of each sample (int64, 0 .. n_classes - 1).

    components : list of ndarray of shape (omic_dims[v], n_components)
        The planted sparse loadings ``W_v``. Only with ``return_components=True``.

    latent : ndarray of shape (n_samples, n_components)
        The latent factors ``z``. Only with ``return_components=True``.

    component_omics : ndarray of shape (n_omics, n_components) of bool
        ``component_omics[v, k]`` is True when factor ``k`` drives omic ``v``
        (``W_v[:, k]`` has nonzero entries). Only with ``return_components=True``.


    See Also
    --------
    load_nutrimouse : A tiny real two-omic data set.

    Examples
    --------
    >>> from skpoems.datasets import make_multiomics
    >>> Xs, y = make_multiomics(n_samples=60, random_state=0)
    >>> [X.shape for X in Xs], y.shape
    ([(60, 50), (60, 40), (60, 30)], (60,))
    >>> Xs, y, W, Z, assigned = make_multiomics(random_state=0,
    ...                                         return_components=True)
    >>> [w.shape for w in W], Z.shape
    ([(50, 5), (40, 5), (30, 5)], (100, 5))
    >>> assigned.astype(int)
    array([[1, 1, 1, 0, 0],
           [1, 1, 0, 1, 0],
           [1, 1, 0, 0, 1]])
    >>> X, y = make_multiomics(omic_dims=(4, 3), n_components=2, as_frame=True,
    ...                        random_state=0)
    >>> X.columns.tolist()[:2]
    [('omic0', 'omic0_f000'), ('omic0', 'omic0_f001')]
    """
    dims = _check_omic_dims(omic_dims)
    n_omics = len(dims)
    if n_classes > n_samples:
        raise ValueError(
            f"n_classes={n_classes} must not exceed n_samples={n_samples}."
        )
    if n_components < 63 and n_classes > 2**n_components:
        raise ValueError(
            f"n_classes={n_classes} must not exceed 2 ** n_components = "
            f"{2**n_components}: the class centres are distinct vertices of a "
            f"{n_components}-dimensional hypercube."
        )
    if n_shared_components is None:
        n_shared = n_components if n_omics == 1 else max(1, n_components // 2)
    else:
        n_shared = int(n_shared_components)
        if n_shared > n_components:
            raise ValueError(
                f"n_shared_components={n_shared} must not exceed "
                f"n_components={n_components}."
            )
    rng = check_random_state(random_state)
    transform = _LINKS[link]

    y = (np.arange(n_samples) % n_classes).astype(np.int64)
    rng.shuffle(y)
    centers = _class_centers(n_classes, n_components, float(class_sep), rng)
    centers -= centers[y].mean(axis=0)  # z has mean zero
    latent = centers[y] + rng.standard_normal((n_samples, n_components))

    component_omics = _component_omics(n_omics, n_components, n_shared)
    # covariance of z under the model, for the class proportions of y
    latent_cov = np.eye(n_components) + np.atleast_2d(
        np.cov(centers[y], rowvar=False, bias=True)
    )
    Xs: list[np.ndarray] = []
    components: list[np.ndarray] = []
    for v, n_features in enumerate(dims):
        W = np.zeros((n_features, n_components))
        n_active = max(1, int(round(density * n_features)))
        for k in np.flatnonzero(component_omics[v]):
            rows = rng.choice(n_features, size=n_active, replace=False)
            signs = rng.choice([-1.0, 1.0], size=n_active)
            W[rows, k] = signs * rng.uniform(0.5, 1.5, size=n_active)
        gain = rng.uniform(0.5, 2.0, size=n_features)
        scale = np.sqrt(np.einsum("jk,kl,jl->j", W, latent_cov, W))
        scale[scale == 0] = 1.0
        signal = transform(gain * (latent @ W.T) / scale)
        Xs.append(signal + noise * rng.standard_normal((n_samples, n_features)))
        components.append(W)

    X: Any = Xs
    target: Any = y
    if as_frame:
        omic_names = [f"omic{v}" for v in range(n_omics)]
        blocks = []
        for name, block in zip(omic_names, Xs, strict=True):
            width = max(3, len(str(block.shape[1] - 1)))
            columns = [f"{name}_f{j:0{width}d}" for j in range(block.shape[1])]
            blocks.append(pd.DataFrame(block, columns=pd.Index(columns, dtype=object)))
        X = _omics_frame(blocks, omic_names)
        X.index = pd.RangeIndex(n_samples, name="sample")
        target = pd.Series(y, index=X.index.copy(), name="subtype")
    if return_components:
        return X, target, components, latent, component_omics
    return X, target
