"""Tests of skpoems.metrics against brute force and hand-computed values."""

import itertools
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import normalized_mutual_info_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils._param_validation import InvalidParameterError

from skpoems.metrics import clustering_accuracy, evaluate_embedding, format_evaluation

KEYS = [
    "kmeans_acc",
    "kmeans_acc_std",
    "kmeans_nmi",
    "kmeans_nmi_std",
    "knn_acc",
    "knn_acc_std",
]


def _brute_force_accuracy(y_true, y_pred):
    """Best one-to-one matching by trying every injective cluster -> class map."""
    pairs = Counter(zip(y_pred, y_true, strict=True))
    clusters = sorted(set(y_pred), key=str)
    classes = sorted(set(y_true), key=str)
    # pad the smaller side with dummy labels that match nothing
    size = max(len(clusters), len(classes))
    clusters = clusters + [object()] * (size - len(clusters))
    classes = classes + [object()] * (size - len(classes))
    best = max(
        sum(pairs[(c, k)] for c, k in zip(clusters, perm, strict=True))
        for perm in itertools.permutations(classes)
    )
    return best / len(y_true)


@pytest.mark.parametrize("seed", range(12))
def test_clustering_accuracy_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_classes, n_clusters = rng.integers(1, 5, size=2)
    n_samples = int(rng.integers(1, 30))
    y_true = rng.integers(0, n_classes, size=n_samples)
    y_pred = rng.integers(0, n_clusters, size=n_samples) + 10
    expected = _brute_force_accuracy(y_true.tolist(), y_pred.tolist())
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(expected)


def test_clustering_accuracy_hand_computed():
    # clusters 1 -> class 0 (2 hits), 0 -> class 1 (2 hits), 2 -> class 2 (1 hit)
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [1, 1, 0, 0, 0, 2]
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(5 / 6)


def test_clustering_accuracy_invariances():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, size=40)
    y_pred = rng.integers(0, 4, size=40)
    score = clustering_accuracy(y_true, y_pred)
    relabelled = np.array([7, 3, 9, 1])[y_pred]
    assert clustering_accuracy(y_true, relabelled) == pytest.approx(score)
    names = np.array(["LumA", "Basal", "Her2"])[y_true]
    assert clustering_accuracy(names, y_pred) == pytest.approx(score)
    assert clustering_accuracy(y_true, y_true) == 1.0
    assert isinstance(score, float)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "expected"),
    [
        (["a", "a", "b", "b"], [0, 1, 2, 3], 0.5),  # more clusters than classes
        ([0, 1, 2, 3], [5, 5, 6, 6], 0.5),  # fewer clusters than classes
        ([1], [0], 1.0),
        ([0, 0, 0], [1, 1, 1], 1.0),
    ],
)
def test_clustering_accuracy_edge_cases(y_true, y_pred, expected):
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(expected)


def test_clustering_accuracy_column_vector():
    with pytest.warns(DataConversionWarning):
        assert clustering_accuracy(np.array([[0], [1], [1]]), [1, 0, 0]) == 1.0


@pytest.mark.parametrize(
    ("y_true", "y_pred", "error", "pattern"),
    [
        ([0, 1, 2], [0, 1], ValueError, "inconsistent numbers of samples"),
        ([], [], ValueError, "empty"),
        ([[0, 1], [1, 0]], [0, 1], ValueError, "1d array"),
        (None, [0], InvalidParameterError, "y_true"),
    ],
)
def test_clustering_accuracy_errors(y_true, y_pred, error, pattern):
    with pytest.raises(error, match=pattern):
        clustering_accuracy(y_true, y_pred)


def _manual_protocol(Z, y, seeds, k):
    acc, nmi, knn = [], [], []
    for seed in seeds:
        pred = KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(Z)
        acc.append(_brute_force_accuracy(list(y), list(pred)))
        nmi.append(normalized_mutual_info_score(y, pred))
        Z_tr, Z_te, y_tr, y_te = train_test_split(
            Z, y, test_size=0.25, random_state=seed
        )
        knn.append(np.mean(_knn_predict(Z_tr, y_tr, Z_te, k) == y_te))
    return {
        "kmeans_acc": np.mean(acc),
        "kmeans_acc_std": np.std(acc),
        "kmeans_nmi": np.mean(nmi),
        "kmeans_nmi_std": np.std(nmi),
        "knn_acc": np.mean(knn),
        "knn_acc_std": np.std(knn),
    }


def _knn_predict(Z_tr, y_tr, Z_te, k):
    """Majority vote of the k nearest; a tie to the tied class met first going
    outwards from the sample (written as loops, independently of the package)."""
    predicted = []
    for z in Z_te:
        order = np.argsort(((Z_tr - z) ** 2).sum(axis=1), kind="stable")[:k]
        votes = Counter(y_tr[order].tolist())
        best = max(votes.values())
        predicted.append(next(label for label in y_tr[order].tolist() if votes[label] == best))
    return np.asarray(predicted)


@pytest.fixture(scope="module")
def noisy_embedding():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), [20, 25, 15])
    Z = rng.normal(size=(60, 4)) + 1.5 * np.eye(3, 4)[y]
    return Z, y


def test_evaluate_embedding_matches_manual_protocol(noisy_embedding):
    Z, y = noisy_embedding
    scores = evaluate_embedding(Z, y)
    assert list(scores) == KEYS
    assert all(isinstance(value, float) for value in scores.values())
    expected = _manual_protocol(Z, y, (0, 12, 21, 42, 1234), k=3)
    for key in KEYS:
        assert scores[key] == pytest.approx(expected[key], abs=1e-12), key
    # the scores vary between seeds on this noisy embedding
    assert scores["knn_acc_std"] > 0


def test_evaluate_embedding_input_forms(noisy_embedding):
    Z, y = noisy_embedding
    reference = evaluate_embedding(Z, y, seeds=[0, 1])
    frame = pd.DataFrame(Z, columns=[f"z{i}" for i in range(4)])
    names = np.array(["Basal", "Her2", "LumA"])[y]
    assert evaluate_embedding(frame, pd.Series(y), seeds=[0, 1]) == reference
    assert evaluate_embedding(Z.tolist(), names.tolist(), seeds=(0, 1)) == reference


def test_evaluate_embedding_perfect_toy():
    # two tight, far-apart groups: every seed scores 1 with zero spread
    Z = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [0.1, 0.1]] * 2)
    Z[4:] += 10.0
    y = np.array([0] * 4 + [1] * 4)
    scores = evaluate_embedding(Z, y, test_size=0.5)
    assert scores == {
        "kmeans_acc": 1.0,
        "kmeans_acc_std": 0.0,
        "kmeans_nmi": 1.0,
        "kmeans_nmi_std": 0.0,
        "knn_acc": 1.0,
        "knn_acc_std": 0.0,
    }


def test_evaluate_embedding_warns_when_knn_votes_over_most_of_its_training_part():
    """k = 5 neighbours of 6 training samples is about a vote of the whole part:
    on a small cohort every embedding scored the same (the PCA baseline and the
    raw features too). Said once, with the majority rate; not for k <= half."""
    rng = np.random.RandomState(0)
    y = np.array([0] * 5 + [1, 2, 3, 4])
    Z = rng.normal(size=(9, 3))
    with pytest.warns(UserWarning, match=r"n_neighbors=5 of the 6 samples .* predicting the most frequent") as record:
        evaluate_embedding(Z, y)
    assert sum("most frequent" in str(w.message) for w in record) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate_embedding(Z, y, n_neighbors=3)


def test_evaluate_embedding_hand_computed_std():
    # one class per point of a 1-D line: k-means with k=2 on 4 points
    Z = np.array([[0.0], [1.0], [10.0], [11.0]])
    y = np.array([0, 0, 1, 1])
    scores = evaluate_embedding(Z, y, seeds=[0], n_neighbors=1, test_size=2)
    assert scores["kmeans_acc"] == 1.0
    assert scores["kmeans_acc_std"] == 0.0
    # n_clusters=1: one cluster matches one class -> accuracy 1/2, NMI 0
    one = evaluate_embedding(Z, y, seeds=[0, 5], n_clusters=1, n_neighbors=1)
    assert one["kmeans_acc"] == 0.5
    assert one["kmeans_nmi"] == 0.0


def test_knn_accuracy_does_not_depend_on_how_labels_are_coded():
    """scikit-learn's k-NN gives a tie to the class that sorts first: with k =
    5 neighbours and 5 classes the same embedding scored differently with
    integer codes and with names that sort in another order."""
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(5), 16)
    Z = rng.normal(size=(80, 3)) + 0.8 * np.eye(5, 3)[y % 3] * (1 + y // 3)[:, None]
    names = np.array(["Normal", "Basal", "Her2", "LumA", "LumB"], dtype=object)
    by_code = evaluate_embedding(Z, y)
    by_name = evaluate_embedding(Z, names[y])
    reversed_codes = evaluate_embedding(Z, 4 - y)
    assert by_code["knn_acc"] == by_name["knn_acc"] == reversed_codes["knn_acc"]
    # scikit-learn's tie-breaking does depend on the coding here (the reason)
    sklearn_scores = set()
    for labels in (y, names[y], 4 - y):
        Z_tr, Z_te, y_tr, y_te = train_test_split(Z, labels, test_size=0.25, random_state=0)
        sklearn_scores.add(KNeighborsClassifier(n_neighbors=5).fit(Z_tr, y_tr).score(Z_te, y_te))
    assert len(sklearn_scores) > 1


def test_evaluate_embedding_overrides(noisy_embedding):
    Z, y = noisy_embedding
    scores = evaluate_embedding(Z, y, seeds=[3], n_neighbors=1, n_clusters=2)
    pred = KMeans(n_clusters=2, random_state=3, n_init=10).fit_predict(Z)
    assert scores["kmeans_acc"] == pytest.approx(clustering_accuracy(y, pred))
    Z_tr, Z_te, y_tr, y_te = train_test_split(Z, y, test_size=0.25, random_state=3)
    knn = KNeighborsClassifier(n_neighbors=1).fit(Z_tr, y_tr).score(Z_te, y_te)
    assert scores["knn_acc"] == pytest.approx(knn)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"seeds": []}, ValueError, "non-empty"),
        ({"seeds": [0.5]}, ValueError, "integers"),
        ({"seeds": [-1]}, ValueError, "integers"),
        ({"n_neighbors": 50}, ValueError, "n_neighbors=50 exceeds"),
        ({"n_clusters": 100}, ValueError, "n_clusters=100 exceeds"),
        ({"n_clusters": 0}, InvalidParameterError, "n_clusters"),
        ({"test_size": 1.5}, InvalidParameterError, "test_size"),
        ({"n_init": "many"}, InvalidParameterError, "n_init"),
    ],
)
def test_evaluate_embedding_errors(noisy_embedding, kwargs, error, pattern):
    Z, y = noisy_embedding
    with pytest.raises(error, match=pattern):
        evaluate_embedding(Z, y, **kwargs)


def test_evaluate_embedding_length_mismatch(noisy_embedding):
    Z, y = noisy_embedding
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        evaluate_embedding(Z, y[:-1])


def test_format_evaluation():
    scores = dict.fromkeys(KEYS, 0.5)
    scores["knn_acc"] = 0.7777
    assert format_evaluation(scores) == (
        "ACC k-means 0.50 (0.50) | NMI k-means 0.50 (0.50) | ACC k-NN 0.78 (0.50)"
    )
    assert format_evaluation(scores, decimals=3).endswith("0.778 (0.500)")
    with pytest.raises(ValueError, match="knn_acc_std"):
        format_evaluation({key: 0.0 for key in KEYS[:-1]})


def test_evaluate_embedding_refuses_degenerate_labels():
    from skpoems.metrics import evaluate_embedding

    Z = np.random.RandomState(0).rand(20, 3)
    with pytest.raises(ValueError, match="single class"):
        evaluate_embedding(Z, np.zeros(20))
    y = np.repeat([0.0, 1.0], 10)
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"1 missing label\(s\)"):
        evaluate_embedding(Z, y)
    labels = np.array(["LumA", "Basal"] * 10, dtype=object)
    labels[[0, 5]] = None
    with pytest.raises(ValueError, match=r"2 missing label\(s\)"):
        evaluate_embedding(Z, labels)
    with pytest.raises(ValueError, match=r"2 missing label\(s\)"):
        evaluate_embedding(Z, pd.Series(labels).fillna(np.nan).tolist())


@pytest.mark.parametrize(
    "y_true",
    [
        [0, 0, 1, 1, np.nan, np.nan],
        ["LumA", "LumA", "Basal", "Basal", None, pd.NA],
        # a list of text with NaN (Series.tolist()): numpy would make NaN the text "nan"
        ["LumA", "LumA", "Basal", "Basal", np.nan, float("nan")],
        ("LumA", "LumA", "Basal", "Basal", np.nan, np.nan),
    ],
)
def test_clustering_accuracy_refuses_missing_labels(y_true):
    """A missing label is no class: scored as one, it would inflate the accuracy."""
    with pytest.raises(ValueError, match="y_true has 2 missing label"):
        clustering_accuracy(y_true, [0, 0, 1, 1, 2, 2])


def test_labels_of_mixed_types_get_a_message_not_a_numpy_error():
    y = np.array([1, "a", 2, "b"] * 5, dtype=object)
    Z = np.random.RandomState(0).rand(20, 2)
    with pytest.raises(TypeError, match=r"y_true mixes labels of different types \(int, str\).*\[str\(v\) for v in y_true\]"):
        clustering_accuracy(y, np.arange(20) % 2)
    with pytest.raises(TypeError, match=r"y_pred mixes labels of different types \(int, str\)"):
        clustering_accuracy(np.arange(20) % 2, y)
    with pytest.raises(TypeError, match=r"y mixes labels of different types \(int, str\)"):
        evaluate_embedding(Z, y, seeds=(0,))
    assert clustering_accuracy(y.astype(str), y.astype(str)) == 1.0


def test_evaluate_embedding_refuses_labels_of_other_or_reordered_samples():
    """Labels are paired with rows by position: a Series y whose index names
    the rows of a DataFrame Z in another order scored a perfect embedding as
    noise without a word (inspection and plotting refused it already)."""
    rng = np.random.RandomState(0)
    patients = [f"TCGA-{i:02d}" for i in range(60)]
    y = pd.Series(np.repeat([0, 1, 2], 20), index=patients)
    Z = pd.DataFrame(rng.randn(60, 2) + 4 * y.to_numpy()[:, None], index=patients)
    assert evaluate_embedding(Z, y, n_init=1, seeds=[0])["kmeans_acc"] == 1.0
    shuffled = y.sample(frac=1, random_state=0)
    with pytest.raises(ValueError, match=r"the same samples as the data, in another order.*y.loc\[Z.index\]"):
        evaluate_embedding(Z, shuffled, n_init=1, seeds=[0])
    assert evaluate_embedding(Z, shuffled.loc[Z.index], n_init=1, seeds=[0])["kmeans_acc"] == 1.0
    with pytest.raises(ValueError, match="does not name the samples of the data"):
        evaluate_embedding(Z, y.set_axis([f"P{i}" for i in range(60)]), n_init=1, seeds=[0])
    # labels of some of the samples, or of one sample twice: refused, not an IndexError
    with pytest.raises(ValueError, match=r"1 samples have no label, e.g. 'TCGA-59'"):
        evaluate_embedding(Z, y.iloc[:59], n_init=1, seeds=[0])
    twice = y.set_axis([*patients[:59], patients[0]])
    with pytest.raises(ValueError, match=r"1 samples have no label, e.g. 'TCGA-59'"):
        evaluate_embedding(Z, twice, n_init=1, seeds=[0])
    # no row labels on either side: by position, as before
    assert evaluate_embedding(Z.to_numpy(), shuffled, n_init=1, seeds=[0])["kmeans_acc"] < 1.0
    assert evaluate_embedding(Z, y.to_numpy(), n_init=1, seeds=[0])["kmeans_acc"] == 1.0


# ------------------------------------------------------ review of the metrics


def test_one_column_dataframe_labels_are_checked_for_order():
    """pd.read_csv("labels.csv", index_col=0) gives a one-column DataFrame: its
    index is checked as a Series' is (it was paired by position: a perfect
    embedding scored 0.37)."""
    Z = pd.DataFrame(
        np.repeat(np.eye(3) * 10, 10, axis=0) + np.random.RandomState(0).rand(30, 3),
        index=[f"p{i}" for i in range(30)],
    )
    y = pd.DataFrame({"subtype": np.repeat(["a", "b", "c"], 10)}, index=Z.index)
    assert evaluate_embedding(Z, y)["kmeans_acc"] == 1.0
    with pytest.raises(ValueError, match="order"):
        evaluate_embedding(Z, y.sample(frac=1.0, random_state=0))


def test_plain_list_mixing_label_types_is_refused():
    with pytest.raises(TypeError, match="mixes labels"):
        clustering_accuracy([1, "1", 2, "2"], [0, 1, 2, 3])
    with pytest.raises(TypeError, match="mixes labels"):
        evaluate_embedding(np.eye(4), [1, "1", 2, "2"])
    assert clustering_accuracy(["a", "a", "b"], [1, 1, 0]) == 1.0


def test_format_evaluation_takes_the_mean_of_several_splits():
    rows = [
        dict(kmeans_acc=0.6, kmeans_acc_std=0.02, kmeans_nmi=0.5, kmeans_nmi_std=0.01, knn_acc=0.8, knn_acc_std=0.03),
        dict(kmeans_acc=0.7, kmeans_acc_std=0.04, kmeans_nmi=0.4, kmeans_nmi_std=0.03, knn_acc=0.9, knn_acc_std=0.05),
    ]
    assert format_evaluation(pd.DataFrame(rows).mean()) == (
        "ACC k-means 0.65 (0.03) | NMI k-means 0.45 (0.02) | ACC k-NN 0.85 (0.04)"
    )


def test_scores_of_an_embedding_of_any_size_are_those_of_its_shape():
    """k-means and k-NN read squared distances: a separable float32 embedding
    of size 1e19 (or float64 of 1e200) overflowed to inf everywhere and scored
    k-means ACC 0.5; both are invariant to a common scale."""
    rng = np.random.RandomState(0)
    y = np.arange(60) % 2
    Z = (rng.randn(60, 3) * 0.3 + 5 * y[:, None]).astype(np.float32)
    base = evaluate_embedding(Z, y)
    assert base["kmeans_acc"] == 1.0
    for scale, dtype in ((1e19, np.float32), (1e-30, np.float32), (1e200, np.float64), (1e-200, np.float64)):
        assert evaluate_embedding(Z.astype(dtype) * dtype(scale), y) == base, scale


def test_omic_blocks_instead_of_an_embedding_are_named_as_such():
    """A list of omic blocks (a model's input) gave numpy's "inhomogeneous shape"."""
    y = np.arange(10) % 2
    for Z in ([np.zeros((10, 2)), np.zeros((10, 3))], {"mRNA": np.zeros((10, 2)), "miRNA": np.zeros((10, 3))}):
        with pytest.raises(TypeError, match=r"got 2 2-D blocks.*estimator.transform\(X\)"):
            evaluate_embedding(Z, y)
    # a list of rows is one embedding, as scikit-learn reads it
    Z = np.random.RandomState(0).rand(10, 2) + 3 * y[:, None]
    assert evaluate_embedding(Z.tolist(), y) == evaluate_embedding(Z, y)
