"""Metrics for embeddings: clustering accuracy and the POEMS evaluation protocol."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_array, check_consistent_length, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._omics import _check_label_order, _label, numbers_not_text
from ._params import _Count
from .utils._warnings import user_stacklevel

__all__ = ["clustering_accuracy", "evaluate_embedding", "format_evaluation"]

_SCORE_KEYS = (
    "kmeans_acc",
    "kmeans_acc_std",
    "kmeans_nmi",
    "kmeans_nmi_std",
    "knn_acc",
    "knn_acc_std",
)


def _check_one_type(name: str, y: np.ndarray) -> None:
    """Labels of mixed types (1 and "a") cannot be sorted into classes."""
    try:
        np.unique(y)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in y.tolist()})
        raise TypeError(
            f"{name} mixes labels of different types ({', '.join(kinds)}), which cannot "
            f"be ordered; give every label the same type, e.g. [str(v) for v in {name}]."
        ) from None


def _as_labels(name: str, y: Any) -> Any:
    """Labels as given, except a one-column DataFrame (``pd.read_csv(...,
    index_col=0)``) becomes its column, so that its index is checked like a
    Series'; a plain sequence mixing types is refused before numpy would turn
    1 and "1" into one class."""
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        return y.iloc[:, 0]
    if isinstance(y, (dict, set, frozenset, str, bytes)):
        raise TypeError(
            f"{name} must be a 1-D sequence of labels, one per sample (a list, array or "
            f"Series); got a {type(y).__name__}."
        )
    if isinstance(y, (list, tuple)):
        values = np.empty(len(y), dtype=object)
        try:
            values[:] = y
        except ValueError:  # nested: column_or_1d says what is wrong
            return y
        missing = np.asarray(pd.isna(values), dtype=bool)
        _check_one_type(name, values[~missing])
        if missing.any():
            # as objects, so that the missing stay missing: numpy would write
            # ["LumA", nan] as the strings "LumA" and "nan", a class of its own
            return values
    return y


def _check_labels(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return two 1-D label arrays of the same, non-zero length."""
    y_true = column_or_1d(np.asarray(_as_labels("y_true", y_true)), warn=True)
    y_pred = column_or_1d(np.asarray(_as_labels("y_pred", y_pred)), warn=True)
    check_consistent_length(y_true, y_pred)
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty: need at least one sample.")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        missing = np.asarray(pd.isna(y), dtype=bool)
        if missing.any():  # a missing label is no class (and would inflate the score as one)
            raise ValueError(
                f"{name} has {int(missing.sum())} missing label(s) (NaN/None): score the "
                "labelled samples only, e.g. y_true[mask], y_pred[mask] with mask = pandas.notna(y_true)."
            )
        _check_one_type(name, y)
    return y_true, y_pred


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def clustering_accuracy(y_true: Any, y_pred: Any) -> float:
    """Clustering accuracy: accuracy under the best one-to-one label matching.

    Each cluster is matched to at most one class and each class to at most one
    cluster so that the number of samples whose cluster is matched to their class
    is largest (the Hungarian algorithm on the contingency matrix,
    :func:`scipy.optimize.linear_sum_assignment`). The score is that number
    divided by the number of samples. It does not depend on how the clusters are
    numbered. When there are more clusters than classes (or the reverse), the
    surplus clusters (classes) stay unmatched and their samples count as errors.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth classes: labels of one sortable type (e.g. ints or strings).

    y_pred : array-like of shape (n_samples,)
        Cluster labels to evaluate.

    Returns
    -------
    accuracy : float
        In [0, 1]; 1 when the clusters equal the classes up to renaming.

    See Also
    --------
    evaluate_embedding : The paper's protocol (k-means accuracy and NMI, k-NN).
    sklearn.metrics.normalized_mutual_info_score : Another permutation-invariant
        score.

    Examples
    --------
    >>> from skpoems.metrics import clustering_accuracy
    >>> clustering_accuracy([0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 2, 2])
    1.0
    >>> clustering_accuracy(["a", "a", "b", "b"], [5, 5, 5, 7])
    0.75
    """
    y_true, y_pred = _check_labels(y_true, y_pred)
    counts = contingency_matrix(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / y_true.shape[0])


@validate_params(
    {
        "Z": ["array-like"],
        "y": ["array-like"],
        "seeds": ["array-like"],
        "n_clusters": [_Count(1), None],
        "n_neighbors": [_Count(1), None],
        "test_size": [
            Interval(Real, 0, 1, closed="neither"),
            _Count(1),
        ],
        "n_init": [_Count(1), StrOptions({"auto"})],
    },
    prefer_skip_nested_validation=True,
)
def evaluate_embedding(
    Z: Any,
    y: Any,
    *,
    seeds: Sequence[int] = (0, 12, 21, 42, 1234),
    n_clusters: int | None = None,
    n_neighbors: int | None = None,
    test_size: float | int = 0.25,
    n_init: int | str = 10,
) -> dict[str, float]:
    """Score an embedding with the evaluation protocol of the POEMS paper.

    For each seed ``s`` in ``seeds`` (Appendix A of the paper):

    - k-means: ``KMeans(n_clusters, random_state=s, n_init=n_init)`` is fitted on
      ``Z``; its clusters are scored against ``y`` with
      :func:`clustering_accuracy` and
      :func:`~sklearn.metrics.normalized_mutual_info_score`;
    - k-NN: ``train_test_split(Z, y, test_size=test_size, random_state=s)``, then
      ``KNeighborsClassifier(n_neighbors)`` fitted on the first part (a tie
      between classes goes to the tied class of the nearest neighbour, not, as
      in scikit-learn, to the class that sorts first: the score does not depend
      on how the labels are coded) and its
      accuracy measured on the second.

    The paper applies this to the embeddings of its held-out test samples. As
    in the paper, the k-NN split is random and not stratified, and it draws
    rows by position: the same embedding with its rows in another order gets
    other parts, so its k-NN accuracy moves within its spread over seeds
    (``knn_acc_std``; on a small test part, 0.1 or more). Compare embeddings
    of the same samples in the same order, over several seeds.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        The embedding, e.g. ``transform(X_test)`` (ndarray or DataFrame).

    y : array-like of shape (n_samples,)
        True classes (ints or strings), matched to the rows of ``Z`` by
        position. A Series whose index names the samples must name those of a
        DataFrame ``Z`` in the same order (else a ValueError with the fix).

    seeds : array-like of int, default=(0, 12, 21, 42, 1234)
        The random states of the repetitions (the paper's five seeds).

    n_clusters : int, default=None
        Number of k-means clusters. None: the number of distinct classes in ``y``.

    n_neighbors : int, default=None
        Number of neighbours of the k-NN classifier. None: the number of distinct
        classes in ``y``, as in the paper.

    test_size : float or int, default=0.25
        Size of the k-NN test part: a fraction in (0, 1) or a number of samples.

    n_init : int or "auto", default=10
        Number of k-means initialisations (``KMeans(n_init=...)``).

    Returns
    -------
    scores : dict of str to float
        Means and population standard deviations (``numpy.std``, ``ddof=0``) over
        the seeds:

        - ``"kmeans_acc"``, ``"kmeans_acc_std"``: k-means clustering accuracy;
        - ``"kmeans_nmi"``, ``"kmeans_nmi_std"``: k-means NMI;
        - ``"knn_acc"``, ``"knn_acc_std"``: k-NN accuracy.

    See Also
    --------
    clustering_accuracy : The accuracy under the best cluster-to-class matching.
    format_evaluation : Format the scores like the paper's tables.

    Notes
    -----
    The k-NN split is not stratified, as MODELS.md specifies it
    (``train_test_split(random_state=seed)``). ``n_neighbors`` must not exceed
    the size of the k-NN training part, and a warning says when it exceeds
    half of it: the vote then covers most of the part, and the accuracy is
    near that of predicting its most frequent class, whatever the embedding
    (``skpoems run`` on 40 TCGA BRCA patients scores the 8 of its test part,
    7 of them Luminal A, with ``n_neighbors=5``, the number of subtypes of
    the whole cohort: every embedding, PCA and the raw features too, scored
    0.80).

    Examples
    --------
    >>> import numpy as np
    >>> from skpoems.metrics import evaluate_embedding
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat([0, 1, 2], 20)
    >>> Z = rng.normal(size=(60, 2)) + 10 * np.eye(3, 2)[y]
    >>> scores = evaluate_embedding(Z, y)
    >>> list(scores)  # doctest: +NORMALIZE_WHITESPACE
    ['kmeans_acc', 'kmeans_acc_std', 'kmeans_nmi', 'kmeans_nmi_std',
     'knn_acc', 'knn_acc_std']
    >>> scores["kmeans_acc"], scores["knn_acc"]
    (1.0, 1.0)
    """
    # a Series y naming other samples, or the same in another order, than a
    # DataFrame Z (e.g. transform's pandas output) would be paired by position
    y = _as_labels("y", y)
    blocks = list(Z.values()) if isinstance(Z, dict) else Z if isinstance(Z, (list, tuple)) else []
    if blocks and all(np.ndim(b) == 2 for b in blocks):  # (a model's input, not its embedding)
        raise TypeError(
            f"Z must be one embedding, an array of shape (n_samples, n_factors); got "
            f"{len(blocks)} 2-D blocks, as the omics a model is fitted on. Pass the "
            "model's embedding: estimator.transform(X)."
        )
    _check_label_order(y, getattr(Z, "index", None), "Z")
    Z = _safe_scale(check_array(numbers_not_text(Z, "Z"), dtype=[np.float64, np.float32], ensure_min_samples=2))
    y = column_or_1d(np.asarray(y), warn=True)
    check_consistent_length(Z, y)
    seed_values = np.asarray(seeds)
    if seed_values.ndim != 1 or seed_values.size == 0:
        raise ValueError(
            f"seeds must be a non-empty 1-D sequence of ints; got {seeds!r}."
        )
    if not all(
        isinstance(s, Integral) and 0 <= s < 2**32 for s in seed_values.tolist()
    ):
        raise ValueError(f"seeds must be integers in [0, 2**32 - 1]; got {seeds!r}.")
    if (y.dtype.kind == "f" and np.isnan(y).any()) or (y.dtype.kind == "O" and pd.isna(y).any()):
        raise ValueError(
            f"y has {int(pd.isna(y).sum())} missing label(s) (NaN/None): score the "
            "labelled samples only, e.g. Z[mask], y[mask] with mask = pandas.notna(y)."
        )
    _check_one_type("y", y)
    n_classes = np.unique(y).shape[0]
    if n_classes < 2:
        raise ValueError(
            f"y has a single class ({_label(y[0])!r}): clustering and classification scores "
            "need at least 2 classes."
        )
    k_clusters = n_classes if n_clusters is None else n_clusters
    k_neighbors = n_classes if n_neighbors is None else n_neighbors
    if k_clusters > Z.shape[0]:
        raise ValueError(
            f"n_clusters={k_clusters} exceeds the number of samples ({Z.shape[0]})."
        )

    acc, nmi, knn = [], [], []
    for seed in seed_values.tolist():
        clusters = KMeans(
            n_clusters=k_clusters, random_state=seed, n_init=n_init
        ).fit_predict(Z)
        acc.append(clustering_accuracy(y, clusters))
        nmi.append(normalized_mutual_info_score(y, clusters))

        Z_train, Z_test, y_train, y_test = train_test_split(
            Z, y, test_size=test_size, random_state=seed
        )
        if k_neighbors > Z_train.shape[0]:
            raise ValueError(
                f"n_neighbors={k_neighbors} exceeds the {Z_train.shape[0]} samples "
                "of the k-NN training part; pass a smaller n_neighbors or more "
                "samples."
            )
        if not knn and 2 * k_neighbors > Z_train.shape[0]:
            # (the parts have the same sizes for every seed: said once)
            warnings.warn(
                f"k-NN with n_neighbors={k_neighbors} of the {Z_train.shape[0]} samples of its "
                "training part is close to a vote of the whole part: its accuracy is near "
                "that of predicting the most frequent class for every sample, whatever the "
                f"embedding (here {_majority_rate(y_train, y_test):.2f} for seed {seed}), and "
                "does not tell embeddings apart. Score more samples, or pass a smaller "
                "n_neighbors.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        knn.append(_knn_accuracy(Z_train, y_train, Z_test, y_test, k_neighbors))

    return {
        "kmeans_acc": float(np.mean(acc)),
        "kmeans_acc_std": float(np.std(acc)),
        "kmeans_nmi": float(np.mean(nmi)),
        "kmeans_nmi_std": float(np.std(nmi)),
        "knn_acc": float(np.mean(knn)),
        "knn_acc_std": float(np.std(knn)),
    }


def _safe_scale(Z: np.ndarray) -> np.ndarray:
    """``Z`` divided by a power of two near its largest value when that is far
    from 1, else ``Z`` itself. k-means and k-NN read squared distances, which
    overflowed for an embedding of size 1e19 in float32 (every distance inf:
    chance-level scores) or 1e160 in float64; both are invariant to a common
    scale, and a power of two changes no digit of the arithmetic."""
    top = float(np.abs(Z).max()) if Z.size else 0.0
    if top == 0.0 or 2.0**-16 <= top <= 2.0**16:
        return Z
    return np.ldexp(Z, -int(np.frexp(top)[1])).astype(Z.dtype, copy=False)


def _majority_rate(y_train, y_test) -> float:
    """Accuracy on ``y_test`` of predicting the most frequent class of ``y_train``."""
    classes, counts = np.unique(y_train, return_counts=True)
    return float(np.mean(np.asarray(y_test) == classes[np.argmax(counts)]))


def _knn_accuracy(Z_train, y_train, Z_test, y_test, k: int) -> float:
    """Accuracy of a k-NN majority vote (uniform weights), ties between classes
    going to the tied class of the nearest neighbour.

    scikit-learn's ``KNeighborsClassifier`` gives a tie to the class that sorts
    first, so its accuracy depends on how the labels are coded: with k = 5
    neighbours and 5 subtypes ties are common, and the same embedding scored
    0.500 with integer codes and 0.520 with the subtype names (200 TCGA BRCA
    patients). The nearest neighbour among the tied classes depends on the
    embedding alone.
    """
    classes, codes = np.unique(y_train, return_inverse=True)
    neighbours = NearestNeighbors(n_neighbors=k).fit(Z_train).kneighbors(Z_test, return_distance=False)
    votes = codes[neighbours]  # (n_test, k), nearest first
    counts = np.zeros((len(votes), len(classes)), dtype=int)
    np.add.at(counts, (np.arange(len(votes))[:, None], votes), 1)
    tied = counts == counts.max(axis=1, keepdims=True)
    first = np.argmax(tied[np.arange(len(votes))[:, None], votes], axis=1)  # nearest tied neighbour
    predicted = classes[votes[np.arange(len(votes)), first]]
    return float(np.mean(predicted == np.asarray(y_test)))


@validate_params(
    {"scores": [Mapping, pd.Series], "decimals": [_Count(0)]},
    prefer_skip_nested_validation=True,
)
def format_evaluation(scores: Mapping[str, float] | pd.Series, *, decimals: int = 2) -> str:
    """Format the output of :func:`evaluate_embedding` like the paper's tables.

    Parameters
    ----------
    scores : dict or Series
        The dict returned by :func:`evaluate_embedding`, or any mapping with its
        keys, e.g. ``pd.DataFrame(list_of_scores).mean()`` over several splits.

    decimals : int, default=2
        Number of decimals.

    Returns
    -------
    text : str
        ``"ACC k-means m (s) | NMI k-means m (s) | ACC k-NN m (s)"``: means with
        standard deviations in parentheses.

    See Also
    --------
    evaluate_embedding : Compute the scores.

    Examples
    --------
    >>> from skpoems.metrics import format_evaluation
    >>> format_evaluation({"kmeans_acc": 0.631, "kmeans_acc_std": 0.05,
    ...                    "kmeans_nmi": 0.45, "kmeans_nmi_std": 0.04,
    ...                    "knn_acc": 0.78, "knn_acc_std": 0.041})
    'ACC k-means 0.63 (0.05) | NMI k-means 0.45 (0.04) | ACC k-NN 0.78 (0.04)'
    """
    missing = [key for key in _SCORE_KEYS if key not in scores]
    if missing:
        raise ValueError(
            f"scores lacks the keys {missing}; pass the dict returned by "
            "evaluate_embedding."
        )
    parts = []
    for label, key in (
        ("ACC k-means", "kmeans_acc"),
        ("NMI k-means", "kmeans_nmi"),
        ("ACC k-NN", "knn_acc"),
    ):
        parts.append(
            f"{label} {scores[key]:.{decimals}f} ({scores[key + '_std']:.{decimals}f})"
        )
    return " | ".join(parts)
