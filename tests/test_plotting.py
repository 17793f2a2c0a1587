"""Tests of skpoems.plotting (Agg backend): every figure, names from the data."""

import copy
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from skpoems import MOCSSAETransformer, POEMSTransformer, POEMTransformer  # noqa: E402
from skpoems.datasets import make_multiomics  # noqa: E402
from skpoems.inspection import top_features, variance_explained  # noqa: E402
from skpoems.plotting import (  # noqa: E402
    MAX_NAME_LENGTH,
    plot_activation_map,
    plot_embedding,
    plot_embedding_heatmap,
    plot_factor_features,
    plot_gating_weights,
    plot_subtype_correlations,
    plot_top_features,
    plot_training_history,
    plot_variance_explained,
)

SUBTYPES = ["Basal", "Her2", "LumA"]
LONG_NAME = "LOC100130331_100130331"


pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    """Named omics (mRNA, methylation, miRNA) with one very long feature name."""
    X, y = make_multiomics(
        n_samples=60,
        omic_dims=(10, 8, 6),
        n_components=3,
        as_frame=True,
        random_state=1,
    )
    omics = {"omic0": "mRNA", "omic1": "methylation", "omic2": "miRNA"}
    columns = [(omics[o], f"{omics[o]}_{f[-3:]}") for o, f in X.columns]
    columns[0] = ("mRNA", LONG_NAME)
    X.columns = pd.MultiIndex.from_tuples(columns, names=["omic", "feature"])
    return X, y


@pytest.fixture(scope="module")
def poems(data):
    return POEMSTransformer(n_components=3, max_iter=5, random_state=0).fit(data[0])


@pytest.fixture(scope="module")
def poem(data):
    return POEMTransformer(n_components=3, max_iter=3, random_state=0).fit(data[0])


def _texts(items):
    return [t.get_text() for t in items]


# ------------------------------------------------------------ feature figures
def test_plot_top_features_all_omics(poems):
    ax = plot_top_features(poems, n=4)
    assert _texts(ax.get_legend().get_texts())[:3] == ["mRNA", "methylation", "miRNA"]
    table = top_features(poems, n=4)
    labels = _texts(ax.get_yticklabels())
    assert len(labels) == 12
    expected = [f if len(f) <= 20 else f[:19] + "\u2026" for f in table["feature"]]
    assert labels == expected
    assert "Top 4 features per omic" == ax.get_title()
    assert "sd}(z_k)" in ax.get_xlabel()  # the decoder's gradients at the fit samples
    assert "W_{jk}" in plot_top_features(poems, n=4, method="weights").get_xlabel()
    # bar colours follow the omics: one colour per omic
    colors = {tuple(p.get_facecolor()) for p in ax.patches}
    assert len(colors) == 3


def test_plot_top_features_shortens_long_names(poems):
    fig, ax = plt.subplots()
    W = np.abs(poems.components_[0]).sum(axis=1)
    ax_out = plot_top_features(poems, n=10, omic="mRNA", ax=ax)
    assert ax_out is ax
    labels = _texts(ax.get_yticklabels())
    assert all(len(t) <= 20 for t in labels)
    assert LONG_NAME[:10] + "\u2026" + LONG_NAME[-9:] in labels  # both ends kept
    assert W.shape == (10,)
    assert ax.get_title().startswith("Top 10 mRNA features")
    assert ax.get_legend() is None  # one omic: no legend needed


def test_plot_top_features_uses_given_axes_only(poems):
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    plot_top_features(poems, n=2, ax=ax)
    assert plt.get_fignums() == before


def test_plot_top_features_gradient_model(poem, data):
    ax = plot_top_features(poem, n=3, X=data[0])
    assert "attribution" in ax.get_xlabel()
    assert "sd}(z_k)" in ax.get_xlabel()
    # one sample: no factor varies, the bars are the unweighted sum and say so
    label = plot_top_features(poem, n=3, X=data[0].iloc[:1]).get_xlabel()
    assert "unweighted" in label and "sd}(z_k)" not in label
    assert _texts(ax.get_legend().get_texts())[:3] == ["mRNA", "methylation", "miRNA"]
    old = copy.deepcopy(poem)
    del old.embedding_  # a model saved before the fit kept its samples' embedding
    with pytest.raises(ValueError, match="pass X"):
        plot_top_features(old)


def test_plot_factor_features(poems):
    ax = plot_factor_features(poems, 2, n=3)
    assert ax.get_title() == "Top features of factor 2"
    table = top_features(poems, n=3, factor=2)
    assert _texts(ax.get_yticklabels())[:3] == [
        t[:10] + "\u2026" + t[-9:] if len(t) > 20 else t for t in table["feature"][:3]
    ]
    with pytest.raises(ValueError, match="out of range"):
        plot_factor_features(poems, 3)


def test_plot_factor_features_mocss_names(data):
    est = MOCSSAETransformer(
        n_components=2, encoder_hidden=(8,), max_iter=2, random_state=0
    ).fit(data[0])
    ax = plot_factor_features(est, 6, n=2, X=data[0])
    assert ax.get_title() == "Top features of shared0"


def test_plot_activation_map(poems, data):
    ax = plot_activation_map(poems, "methylation", threshold=0.5)
    assert ax.get_xlabel() == "methylation features (8)"
    assert ax.get_title().startswith("methylation: active connections")
    assert _texts(ax.get_xticklabels())[1] == "methylation_001"
    assert _texts(ax.get_yticklabels()) == ["0", "1", "2"]
    active = np.abs(poems.components_[1]) > 0.5
    n_lines = sum(len(c.get_positions()) for c in ax.collections)
    assert n_lines == active.sum()
    with pytest.raises(ValueError, match="Unknown omic 'RNA'"):
        plot_activation_map(poems, "RNA")


def test_plot_activation_map_needs_w(poem):
    with pytest.raises(TypeError, match="no components_"):
        plot_activation_map(poem, "mRNA")


# -------------------------------------------------------------------- gating
def test_plot_gating_weights_per_sample(poems, data):
    X, y = data
    G = poems.transform_gating(X)
    ax = plot_gating_weights(G, y, omic_names=poems.omic_names_, target_names=SUBTYPES)
    # listed as stacked: the first omic at the bottom
    assert _texts(ax.get_legend().get_texts()) == ["miRNA", "methylation", "mRNA"]
    assert _texts(ax.get_xticklabels()) == SUBTYPES
    assert ax.get_xlabel() == "Samples grouped by subtype (n=60)"
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    assert len(ax.collections) == 3  # one band per omic


def test_plot_gating_weights_per_subtype(poems, data):
    X, y = data
    G = pd.DataFrame(poems.transform_gating(X), columns=poems.omic_names_)
    ax = plot_gating_weights(G, y, target_names=SUBTYPES, by="subtype")
    assert _texts(ax.get_legend().get_texts()) == ["miRNA", "methylation", "mRNA"]
    for text in ax.texts:  # values readable on their band (WCAG contrast of black or white)
        assert text.get_color() in ("black", "white")
    assert _texts(ax.get_xticklabels()) == ["All\n(n=60)"] + [
        f"{s}\n(n=20)" for s in SUBTYPES
    ]
    heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 4)
    np.testing.assert_allclose(heights.sum(axis=0), 1.0, rtol=1e-6)


def test_plot_gating_weights_errors():
    G = np.full((4, 2), 0.5)
    with pytest.raises(ValueError, match="needs y"):
        plot_gating_weights(G, by="subtype")
    with pytest.raises(ValueError, match="omic_names has 3 names"):
        plot_gating_weights(G, omic_names=["a", "b", "c"])
    ax = plot_gating_weights(G)
    assert _texts(ax.get_legend().get_texts()) == ["omic1", "omic0"]


# ---------------------------------------------------------------- embeddings
def test_plot_subtype_correlations(poems, data):
    X, y = data
    Z = poems.transform(X)
    axes = plot_subtype_correlations(X, Z, y, target_names=SUBTYPES)
    assert len(axes) == 2
    assert [ax.get_title() for ax in axes] == [
        "Input features (24)",
        "Embedding (3 factors)",
    ]
    assert _texts(axes[0].get_xticklabels()) == [f"{s} (20)" for s in SUBTYPES]  # with their samples
    assert _texts(axes[0].get_yticklabels()) == [f"{s} (20)" for s in SUBTYPES]
    assert len(axes[0].get_figure().axes) == 3  # two panels and one shared colour bar
    image = axes[1].get_images()[0]
    assert image.get_clim() == (-1, 1)


def test_plot_subtype_correlations_per_omic(poems, data):
    X, y = data
    Z = pd.DataFrame(poems.transform(X), columns=poems.get_feature_names_out())
    fig, axes = plt.subplots(1, 4)
    out = plot_subtype_correlations(
        X, Z, y, target_names=SUBTYPES, axes=axes, per_omic=True, center=True
    )
    # (titles wrapped to the narrow panels of a 1 x 4 figure)
    assert [ax.get_title().replace("\n", " ") for ax in out] == [
        "mRNA (10 features)",
        "methylation (8 features)",
        "miRNA (6 features)",
        "Embedding (3 factors)",
    ]
    with pytest.raises(ValueError, match="must hold 2 Axes"):
        plot_subtype_correlations(X, Z, y, axes=axes)


def test_plot_subtype_correlations_per_omic_of_a_flat_matrix(poems, data):
    """A flat matrix is split by omic_dims; without them per_omic=True is refused
    (it drew one panel titled 'omic0' for all omics)."""
    X, y = data
    Z = poems.transform(X)
    dims = (10, 8, 6)
    out = plot_subtype_correlations(X.to_numpy(), Z, y, per_omic=True, omic_dims=dims)
    titles = [f"omic{v} ({d} features)" for v, d in enumerate(dims)] + ["Embedding (3 factors)"]
    assert [ax.get_title() for ax in out] == titles
    with pytest.raises(ValueError, match="pass omic_dims"):
        plot_subtype_correlations(X.to_numpy(), Z, y, per_omic=True)


def test_plot_subtype_correlations_refuses_x_and_z_of_other_rows(poems, data):
    """X and Z are paired row by row; rows labelled in another order were
    blamed on y ("pass y.loc[X.index]"), which did not help."""
    X, y = data
    patients = [f"P{i:03d}" for i in range(len(y))]
    frames = {omic: X[omic].set_axis(patients) for omic in ("mRNA", "methylation", "miRNA")}
    Z = pd.DataFrame(poems.transform(X), index=patients)
    plot_subtype_correlations(frames, Z, y)
    with pytest.raises(ValueError, match=r"X's rows and Z's name other samples, or the same in another order \(row 0: 'P\d+' in X, 'P000' in Z\)"):
        plot_subtype_correlations({k: v.iloc[::-1] for k, v in frames.items()}, Z, y)
    plot_subtype_correlations(X, Z, y)  # arrays: paired by position


def test_plot_embedding_heatmap(poems, data):
    X, y = data
    Z = pd.DataFrame(poems.transform(X), columns=poems.get_feature_names_out())
    # the labels are ``y``, as in plot_embedding, gating_summary and subtype_correlations
    ax = plot_embedding_heatmap(Z, y=y, target_names=SUBTYPES)
    assert _texts(ax.get_yticklabels()) == [f"{s} (20)" for s in SUBTYPES]
    # scikit-learn's output names (poemstransformer0, ...) by their numbers: long
    # vertical ticks took a quarter of the figure
    assert _texts(ax.get_xticklabels()) == ["0", "1", "2"]
    ax = plot_embedding_heatmap(Z.to_numpy(), y, feature_names=["mRNA_0", "miRNA_1", "shared"])
    assert _texts(ax.get_xticklabels()) == ["mRNA_0", "miRNA_1", "shared"]
    assert ax.get_ylabel() == "Samples sorted by subtype (n=60)"
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    data_shown = ax.get_images()[0].get_array()
    np.testing.assert_allclose(
        data_shown, Z.to_numpy()[np.argsort(y.to_numpy(), kind="stable")]
    )


def test_plot_embedding_heatmap_feature_names():
    Z = np.abs(np.random.RandomState(0).randn(12, 3))
    ax = plot_embedding_heatmap(
        Z, np.array(["b", "a"] * 6), feature_names=["z_a", "z_b", "z_c"]
    )
    assert _texts(ax.get_xticklabels()) == ["z_a", "z_b", "z_c"]
    assert _texts(ax.get_yticklabels()) == ["a (6)", "b (6)"]
    with pytest.raises(ValueError, match="feature_names has 2 names"):
        plot_embedding_heatmap(Z, np.zeros(12), feature_names=["a", "b"])


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_plot_embedding(poems, data, method):
    X, y = data
    ax = plot_embedding(poems.transform(X), y, method=method, target_names=SUBTYPES)
    assert _texts(ax.get_legend().get_texts()) == SUBTYPES
    assert ax.get_legend().get_title().get_text() == "subtype"
    if method == "pca":  # each axis with its share of the embedding's variance
        from sklearn.decomposition import PCA

        share = PCA(n_components=2).fit(poems.transform(X)).explained_variance_ratio_
        assert ax.get_xlabel() == f"PC1 ({share[0]:.0%})" and ax.get_ylabel() == f"PC2 ({share[1]:.0%})"
        assert ax.get_title() == "PCA of the embedding"  # (it said "PC of the embedding")
    else:
        assert ax.get_xlabel() == "t-SNE 1" and ax.get_title() == "t-SNE of the embedding"
    assert sum(len(c.get_offsets()) for c in ax.collections) == 60


@pytest.mark.parametrize("output", ["pandas", "polars"])
@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_plot_embedding_under_a_global_dataframe_output(poems, data, method, output):
    """Under set_config(transform_output="pandas") the map's own PCA / t-SNE
    returned a DataFrame, which the scatter indexed as [:, 0]: a pandas error."""
    import sklearn

    if output == "polars":
        pytest.importorskip("polars")
    X, y = data
    Z = poems.transform(X)
    expected = plot_embedding(Z, y, method=method, random_state=0).collections
    with sklearn.config_context(transform_output=output):
        ax = plot_embedding(Z, y, method=method, random_state=0)
    for got, want in zip(ax.collections, expected, strict=True):
        np.testing.assert_allclose(got.get_offsets(), want.get_offsets())


def test_groups_named_with_numbers_come_in_the_numbers_order():
    """skpoems discover's "cluster 1" .. "cluster 12" came out as cluster 1, 10,
    11, 12, 2, ... in the heatmap, beside figures in 1 .. 12 order."""
    rng = np.random.RandomState(0)
    Z = rng.randn(120, 6)
    labels = np.array([f"cluster {c + 1}" for c in np.repeat(np.arange(12), 10)])
    ax = plot_embedding_heatmap(Z, labels)
    ticks = [t.split(" (")[0] for t in _texts(ax.get_yticklabels())]
    assert ticks == [f"cluster {c}" for c in range(1, 13)]
    ax = plot_embedding(Z, labels, method="pca")
    assert _texts(ax.get_legend().get_texts()) == [f"cluster {c}" for c in range(1, 13)]


def test_subtype_and_omic_names_keep_their_words_where_there_is_room(data):
    """Names were cut to 20 characters in legends and titles: "Luminal A
    low-proliferation" read "Luminal A …iferation", like its Luminal B sibling."""
    names = ["Luminal A low-proliferation", "Luminal B high-proliferation", "Basal-like triple-negative"]
    y = np.repeat(np.arange(3), 20)
    Z = np.random.RandomState(0).randn(60, 4) + y[:, None]
    ax = plot_embedding(Z, y, method="pca", target_names=names)
    assert _texts(ax.get_legend().get_texts()) == names
    X = {"gene_expression_rnaseq_log2tpm": data[0]["mRNA"], "miRNA": data[0]["miRNA"]}
    est = POEMSTransformer(n_components=2, max_iter=2, random_state=0).set_output(transform="pandas").fit(X)
    ax = plot_gating_weights(est.transform_gating(X), y, target_names=names)
    texts = _texts(ax.get_legend().get_texts()) + _texts(ax.get_xticklabels())
    assert "gene_expression_rnaseq_log2tpm" in texts
    assert any(t.startswith("Luminal B high-proliferation") for t in texts)


def test_plot_embedding_many_long_subtype_names_keep_the_map_readable():
    """16 long subtype names: the legend squeezed the map of a 6-inch figure to
    a sliver; the figure now widens by the legend, names are shortened, and no
    group is drawn in the grey of unlabelled samples."""
    rng = np.random.RandomState(0)
    names = [f"Luminal {i} (PAM50) cohort 2, long name" for i in range(16)]
    y = pd.Series(np.asarray(names, dtype=object)[np.arange(160) % 16], name="subtype")
    ax = plot_embedding(rng.randn(160, 4), y, method="pca")
    fig = ax.get_figure()
    fig.canvas.draw()
    assert ax.get_window_extent().width / fig.dpi > 3.0  # inches of map
    assert all(len(t) <= MAX_NAME_LENGTH for t in _texts(ax.get_legend().get_texts()))
    assert any(t.endswith("long name") and "…" in t for t in _texts(ax.get_legend().get_texts()))
    colors = [tuple(c.get_facecolor()[0][:3]) for c in ax.collections]
    assert all(max(c) - min(c) > 0.05 for c in colors[:6] + colors[8:14])  # none grey (black is Okabe-Ito's 8th)
    assert len({(color, _marker(c)) for color, c in zip(colors, ax.collections, strict=True)}) == 16
    plt.close(fig)


def test_plot_embedding_umap_needs_umap_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)
    with pytest.raises(ImportError, match=r"pip install skpoems\[umap\]"):
        plot_embedding(np.arange(20.0).reshape(10, 2), np.zeros(10), method="umap")


def test_plot_embedding_errors():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        plot_embedding(np.zeros((10, 2)), np.zeros(10), method="mds")
    with pytest.raises(ValueError, match="NaN"):
        plot_embedding(np.full((10, 2), np.nan), np.zeros(10))
    with pytest.raises(ValueError, match="needs at least 2 embedding columns; Z has 1"):
        plot_embedding(np.zeros((10, 1)), np.arange(10) % 2)


def test_plot_variance_explained(poems, data):
    r2 = variance_explained(poems, data[0])
    ax = plot_variance_explained(r2)
    assert _texts(ax.get_yticklabels()) == [
        f"{o} (total {t:.2f})" for o, t in zip(r2.index, r2["total"], strict=True)
    ]
    assert _texts(ax.get_xticklabels()) == ["0", "1", "2"]
    assert len(ax.texts) == 9  # values written in the cells
    np.testing.assert_allclose(
        ax.get_images()[0].get_array(), r2[[0, 1, 2]].to_numpy(dtype=float)
    )
    with pytest.raises(ValueError, match="no factor columns"):
        plot_variance_explained(r2[["total"]])
    # factors sorted by share: each column keeps its own name (the names were
    # given by position, so a sorted table showed other factors' names)
    from skpoems.plotting import _shorten_all

    mocss = MOCSSAETransformer(n_components=1, max_iter=3, random_state=0).fit(data[0])
    r2 = variance_explained(mocss, data[0])
    names = r2.attrs["factor_labels"]
    order = [2, 0, 3, 1]
    ax = plot_variance_explained(r2[[*order, "total"]])
    assert _texts(ax.get_xticklabels()) == _shorten_all([names[k] for k in order])
    np.testing.assert_allclose(ax.get_images()[0].get_array(), r2[order].to_numpy(dtype=float))


def test_plot_training_history(poems, data):
    ax = plot_training_history(poems)
    history = pd.DataFrame(poems.history_)
    lines = {line.get_label(): line for line in ax.get_lines()}
    # the training loss beside the same loss on the validation samples (they
    # compare: the watched loss leaves the priors out and ran far below, read as
    # leakage), then what early stopping watched
    assert list(lines)[:4] == [
        "training loss", "validation loss", "validation loss watched (no prior terms)", "watched (smoothed)"
    ]
    np.testing.assert_allclose(lines["validation loss"].get_ydata(), history["validation_objective"])
    np.testing.assert_allclose(
        lines["validation loss watched (no prior terms)"].get_ydata(), history["validation_loss"]
    )
    assert ax.get_ylabel() == "Loss per sample (nats)"
    np.testing.assert_array_equal(lines["training loss"].get_xdata(), np.arange(1, poems.n_iter_ + 1))
    kept = lines[f"kept epoch ({poems.best_iter_})"]
    assert list(kept.get_xdata()) == [poems.best_iter_] * 2
    assert ax.get_title() == f"POEMSTransformer: {poems.n_iter_} epochs, reached max_iter"
    # loss terms by name, e.g. each omic's held-out likelihood
    ax = plot_training_history(poems, ["validation_nll_mRNA", "validation_nll_miRNA"])
    assert [line.get_label() for line in ax.get_lines()][:2] == [
        "validation_nll_mRNA",
        "validation_nll_miRNA",
    ]
    with pytest.raises(ValueError, match=r"\['nll_mRNA'\] are not loss columns.*'validation_nll_mRNA'"):
        plot_training_history(poems, ["nll_mRNA"])
    # without early stopping: the training loss only, no kept epoch
    mocss = MOCSSAETransformer(n_components=2, max_iter=3, early_stopping=False).fit(data[0])
    ax = plot_training_history(mocss)
    assert [line.get_label() for line in ax.get_lines()] == ["training loss"]
    assert ax.get_ylabel() == "Loss"
    # where the watched loss is the objective itself, one validation curve
    mocss = MOCSSAETransformer(n_components=2, max_iter=3, random_state=0).fit(data[0])
    labels = [line.get_label() for line in plot_training_history(mocss).get_lines()]
    assert labels[:2] == ["training loss", "validation loss"] and len([x for x in labels if "validation" in x]) == 1
    with pytest.raises(NotFittedError):
        plot_training_history(POEMSTransformer())


def test_missing_matplotlib_install_hint(monkeypatch, poems):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install skpoems\[plot\]"):
        plot_top_features(poems)


def test_activation_map_title_of_a_dense_w(data):
    """A short fit leaves W dense: the share reads 100%, not 1e+02%."""
    est = POEMSTransformer(n_components=2, max_iter=2, random_state=0).fit(data[0])
    title = plot_activation_map(est, "mRNA", threshold=0.0).get_title()
    assert title.endswith("(20 of 20, 100%)")


def test_variance_explained_of_mocss_names_its_factors(data):
    est = MOCSSAETransformer(n_components=2, encoder_hidden=(8,), max_iter=2, random_state=0).fit(data[0])
    r2 = variance_explained(est, data[0])
    assert r2.attrs["factor_labels"] == list(est.get_feature_names_out())
    ax = plot_variance_explained(r2)
    names = list(est.get_feature_names_out())
    for tick in _texts(ax.get_xticklabels()):  # whole, or both ends of a name
        head, _, tail = tick.partition("…")
        assert any(n.startswith(head) and n.endswith(tail) for n in names)
    assert "shared0" in _texts(ax.get_xticklabels())
    # a table with nothing explained keeps a 0..1 colour scale
    flat = r2.copy()
    flat[list(range(8))] = -0.01
    assert plot_variance_explained(flat).get_images()[0].get_clim() == (0.0, 1.0)


def test_training_history_without_early_stopping_names_the_smoothed_training_loss(data):
    est = POEMSTransformer(n_components=2, max_iter=4, early_stopping=False, random_state=0).fit(data[0])
    ax = plot_training_history(est)
    assert "training loss (smoothed)" in _texts(ax.get_legend().get_texts())
    assert all(float(t).is_integer() for t in ax.get_xticks())


# ------------------------------------------------ labels, colours, names (audit)
def _frame(n=40, k=4, seed=0):
    rng = np.random.RandomState(seed)
    ids = [f"p{i}" for i in range(n)]
    return pd.DataFrame(rng.randn(n, k), index=ids), pd.Series(np.arange(n) % 3, index=ids, name="subtype")


def test_labels_in_another_order_than_the_samples_are_refused(poems, data):
    """Labels are matched by position: a Series y whose index names the samples
    in another order gave every sample another's subtype, without a word."""
    from skpoems.inspection import gating_summary, group_markers, subtype_correlations

    X, y_data = data
    named = X.set_axis([f"p{i}" for i in range(len(X))])
    labels = pd.Series(np.asarray(y_data), index=named.index)
    with pytest.raises(ValueError, match=r"y\.loc\[X\.index\]"):
        gating_summary(poems, named, labels.iloc[::-1])
    assert gating_summary(poems, named, labels).shape[0] == 1 + len(np.unique(labels))

    Z, y = _frame()
    shuffled = y.sample(frac=1, random_state=0)
    G = pd.DataFrame(np.full((40, 2), 0.5), index=Z.index, columns=["a", "b"])
    calls = [
        lambda labels: plot_embedding(Z, labels, method="pca"),
        lambda labels: plot_embedding_heatmap(Z, labels),
        lambda labels: plot_gating_weights(G, labels),
        lambda labels: plot_gating_weights(G, labels, by="subtype"),
        lambda labels: plot_subtype_correlations(Z, Z, labels),
        lambda labels: subtype_correlations(Z, labels),
        lambda labels: group_markers({"a": Z}, labels),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"in another order \(position 0: 'p.*y\.loc\["):
            call(shuffled)
        call(y)  # the same order: fine
        call(y.to_numpy())  # no index: by position
        plt.close("all")
    other = y.set_axis([f"q{i}" for i in range(40)])
    with pytest.raises(ValueError, match=r"does not name the samples .*'q0'.*y\.reindex\(Z\.index\)"):
        plot_embedding(Z, other, method="pca")
    # data without row labels: y's own index names nothing to match, even a
    # reordering of 0..n-1 (sklearn.utils.shuffle(Z, y) keeps y's old labels,
    # paired right by position)
    plot_embedding(Z.to_numpy(), other, method="pca")
    plot_embedding(Z.reset_index(drop=True), y.reset_index(drop=True).sample(frac=1, random_state=0), method="pca")


def test_target_names_as_a_dict_map_labels_to_names():
    Z, y = _frame()
    names = {2: "LumA", 0: "Basal", 1: "Her2"}
    ax = plot_embedding(Z, y.to_numpy(), method="pca", target_names=names)
    assert _texts(ax.get_legend().get_texts()) == ["Basal", "Her2", "LumA"]
    text_labels = np.array(["b", "h", "l"])[y.to_numpy()]
    ax = plot_embedding(Z, text_labels, method="pca", target_names={"b": "Basal", "h": "Her2", "l": "LumA"})
    assert _texts(ax.get_legend().get_texts()) == ["Basal", "Her2", "LumA"]
    with pytest.raises(ValueError, match=r"does not name: \[2\]"):
        plot_embedding(Z, y.to_numpy(), method="pca", target_names={0: "Basal", 1: "Her2"})


def test_a_constant_embedding_is_refused_before_tsne():
    """scikit-learn's t-SNE crashed the Python process (segmentation fault) on a
    constant input: a collapsed model's figure ended `skpoems run`."""
    with pytest.raises(ValueError, match="Z is constant"):
        plot_embedding(np.zeros((40, 4)), np.arange(40) % 3, method="tsne")


def test_small_groups_are_drawn_over_large_ones_in_distinct_colour_blind_safe_colours():
    from matplotlib.colors import to_hex

    from skpoems.plotting import _OKABE_ITO

    rng = np.random.RandomState(0)
    y = np.array(["common"] * 300 + ["rare"] * 10 + [None] * 5, dtype=object)
    ax = plot_embedding(rng.randn(315, 3), y, method="pca")
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [300, 10, 5]  # drawn largest first
    assert _texts(ax.get_legend().get_texts()) == ["common", "rare", "unlabelled"]  # legend in label order
    colours = [to_hex(c.get_facecolor()[0], keep_alpha=False) for c in ax.collections]
    assert colours[:2] == ["#0072b2", "#e69f00"] and colours[2] == "#999999"  # Okabe-Ito, unlabelled grey
    many = np.array([f"group {i}" for i in np.arange(250) % 25])  # (25 numbers would be a quantity)
    ax = plot_embedding(rng.randn(250, 3), many, method="pca")
    looks = {(to_hex(c.get_facecolor()[0]), _marker(c)) for c in ax.collections}
    assert len(looks) == 25  # no two groups alike (hsv wrapped round: first and last were red)
    # past eight groups: the eight colour-blind-safe colours again, each round of
    # eight with another marker (tab20's colours were not apart for colour-blind
    # eyes, and every colour changed when a ninth group came)
    assert {to_hex(c.get_facecolor()[0]).upper() for c in ax.collections} == set(_OKABE_ITO)
    assert len({_marker(c) for c in ax.collections}) == 4
    eight = plot_embedding(rng.randn(80, 3), np.arange(80) % 8, method="pca").collections
    nine = plot_embedding(rng.randn(90, 3), np.arange(90) % 9, method="pca").collections
    first = {c.get_label(): to_hex(c.get_facecolor()[0]) for c in eight}
    assert all(first[c.get_label()] == to_hex(c.get_facecolor()[0]) for c in nine if c.get_label() in first)
    assert ax.get_legend()._ncols == 2  # 25 entries in two columns, not cut off


def _marker(collection):
    return collection.get_paths()[0].vertices.round(3).tobytes()


def test_shortened_names_keep_both_ends_distinct_and_follow_max_label_length(monkeypatch):
    import skpoems.plotting as plotting

    names = ["ENSG00000141510.17|TP53", "ENSG00000141510.17|TP53-AS1", "TG(16:0/18:1/18:2)_isomer_A",
             "TG(16:0/18:1/18:2)_isomer_B"]
    short = plotting._shorten_all(names)
    assert short[0] == "ENSG000001\u20260.17|TP53" and short[1].endswith("TP53-AS1")
    assert len(set(short)) == 4 and all(len(t) <= 24 for t in short)
    monkeypatch.setattr(plotting, "MAX_LABEL_LENGTH", 60)
    assert plotting._shorten_all(names) == names


def test_training_history_axis_is_not_set_by_the_first_epochs(poems):
    """Epoch 1's loss (425) set the y range: the epochs that decided when the fit
    stopped were a flat line over 3% of the axis."""
    import copy

    est = copy.copy(poems)
    est.history_ = {"epoch": list(range(1, 201)), "train_loss": [425.0] + list(np.linspace(10, -20, 199)),
                    "validation_loss": [400.0] + list(np.linspace(12, -18, 199))}
    ax = plot_training_history(est)
    low, high = ax.get_ylim()
    assert high < 20 and low < -20
    assert "(first epochs off the top)" in ax.get_title().replace("\n", " ")


def test_plotting_errors_name_the_argument_and_the_problem():
    rng = np.random.RandomState(0)
    Z, y, X = rng.randn(40, 4), np.arange(40) % 4, rng.rand(40, 10)
    bad = Z.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="^Z contains infinite values"):
        plot_embedding_heatmap(bad, y)
    with pytest.raises(ValueError, match="X has 40 samples but Z has 30"):
        plot_subtype_correlations(X, Z[:30], y)
    with pytest.raises(ValueError, match=r"got shape \(0, 2\)"):
        plot_gating_weights(np.zeros((0, 2)))
    with pytest.raises(TypeError, match="gating_weights must be numbers"):
        plot_gating_weights(np.array([["a", "b"]] * 40), y)
    with pytest.raises(ValueError, match="r2 has no omic"):
        plot_variance_explained(pd.DataFrame(rng.rand(2, 3), index=["mRNA", "miRNA"]).iloc[:0])
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes; got Figure \(a Figure: pass fig.add_subplot\(\)"):
        plot_embedding(Z, y, method="pca", ax=plt.figure())


def test_group_names_are_slanted_when_the_given_axes_has_no_room_for_them():
    """On a 7-inch Axes, 13 bars of 10-character names overprinted: slanting
    depended on the name length alone, not on the room."""
    rng = np.random.RandomState(0)
    names = [f"Subtype_{i:02d}" for i in range(12)]
    G, y = rng.dirichlet([2, 2, 2], 300), np.arange(300) % 12
    fig, ax = plt.subplots(figsize=(7, 4.5))
    plot_gating_weights(G, y, target_names=names, by="subtype", ax=ax)
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {40.0}
    assert ax.get_xticklabels()[1].get_text() == "Subtype_00 (n=25)"  # one line when slanted
    fig, ax = plt.subplots(figsize=(30, 4.5))  # room enough: upright, two lines
    plot_gating_weights(G, y, target_names=names, by="subtype", ax=ax)
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {0.0}


def test_many_top_features_get_room_or_a_font_that_fits():
    """n=100 over 3 omics: the figure stopped growing at 14 inches, and 297 of
    299 neighbouring names overprinted."""
    X, _ = make_multiomics(n_samples=40, omic_dims=(110, 110, 110), n_components=2, random_state=0)
    est = POEMSTransformer(n_components=2, max_iter=1, random_state=0).fit(X)
    ax = plot_top_features(est, n=100, method="weights")
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert len(boxes) == 300 and not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
    fig, ax = plt.subplots(figsize=(7, 6))  # the user's Axes: a smaller font, at least 4 pt
    plot_top_features(est, n=100, method="weights", ax=ax)
    assert {t.get_fontsize() for t in ax.get_yticklabels()} == {4.0}
    fig, ax = plt.subplots(figsize=(7, 6))
    plot_top_features(est, n=5, method="weights", ax=ax)
    assert {t.get_fontsize() for t in ax.get_yticklabels()} == {9.0}


def test_variance_explained_names_every_factor_that_fits_vertically():
    """44 MOCSS factors on a 12-inch Axes: only 9 were named (the thinning
    assumed horizontal labels, then drew them vertically)."""
    names = [f"omic{v}_specific{k}" for v in range(10) for k in range(4)] + [f"shared{k}" for k in range(4)]
    r2 = pd.DataFrame(np.random.RandomState(0).rand(10, 44) / 44, index=[f"omic{v}" for v in range(10)])
    r2["total"] = r2.sum(axis=1)
    r2.attrs["factor_labels"] = names
    ax = plot_variance_explained(r2)
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(shown) == 44 and {t.get_rotation() for t in ax.get_xticklabels()} == {90.0}


def test_activation_map_of_more_features_than_pixels_draws_one_line_per_pixel_column():
    """A dense W of 30,000 features x 32 factors was about a million lines
    (seconds to draw, megabytes of vector output); one line per occupied pixel
    column looks the same."""
    rng = np.random.RandomState(0)
    X = [rng.rand(20, 5000), rng.rand(20, 3)]
    est = POEMSTransformer(n_components=3, max_iter=1, random_state=0).fit(X)
    ax = plot_activation_map(est, "omic0", threshold=0.0)
    width_px = ax.get_window_extent().width
    positions = [c.get_positions() for c in ax.collections]
    assert len(positions) == 3
    for p in positions:  # every factor row, spanning the features
        assert 0 < len(p) <= np.ceil(width_px) and min(p) < 10 and max(p) > 4990
    assert ax.get_title().endswith("(15000 of 15000, 100%)")


def test_uncentred_subtype_correlations_near_one_are_flagged():
    """Features on a common [0, 1] scale: every uncentred pair of subtype means
    correlated near 1 (a CLI figure read 1.00 in every cell); the figure says
    so and names the remedy. Centred, the same data shows the subtypes apart."""
    rng = np.random.RandomState(0)
    y = np.arange(60) % 3
    base = rng.rand(1, 30) * 0.8
    X = np.clip(base + 0.05 * rng.randn(60, 30) + 0.03 * (y[:, None] == np.arange(30) % 3), 0, 1)
    Z = X[:, :5] + 3.0
    with pytest.warns(UserWarning, match=r"Every pair of subtypes correlates above 0.95 in .*center=True"):
        axes = plot_subtype_correlations(X, Z, y)
    assert "(uncentred)" in axes[0].get_figure().axes[-1].get_ylabel()
    plt.close(axes[0].get_figure())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        axes = plot_subtype_correlations(X, Z, y, center=True)
    assert "(centred)" in axes[0].get_figure().axes[-1].get_ylabel()
    plt.close(axes[0].get_figure())


def test_plot_variance_explained_shows_small_shares():
    """Shares of a few hundredths were all written "0.00" (and "-0.00")."""
    r2 = pd.DataFrame([[0.031, 0.004, -0.0001], [0.012, 0.02, 0.006]], index=["a", "b"], columns=[0, 1, 2])
    r2["total"] = r2.sum(axis=1)
    ax = plot_variance_explained(r2)
    texts = _texts(ax.texts)
    assert "0.031" in texts and "0.004" in texts and "-0.000" not in texts and "0" in texts
    assert ax.get_figure().axes[-1].get_ylabel() == "Share of the omic's\nvariance explained"
    plt.close(ax.get_figure())
    # named factors on end (MOCSS's mRNA_specific0, ...): a taller figure, where the
    # map and its colour bar were squeezed to an inch by the names
    named = r2.rename(columns={0: "methylation_specific0", 1: "methylation_specific1", 2: "shared0"})
    heights = [plot_variance_explained(t).get_figure().get_size_inches()[1] for t in (r2, named)]
    assert heights[1] > heights[0] + 1.0
    plt.close("all")


def test_training_history_uses_the_colour_blind_safe_colours(poems):
    """The curves took matplotlib's default tab10 red and green."""
    from matplotlib.colors import to_hex

    from skpoems.plotting import _OKABE_ITO

    ax = plot_training_history(poems)
    curves = [line for line in ax.get_lines() if not line.get_label().startswith("kept epoch")]
    assert [to_hex(line.get_color()) for line in curves] == [c.lower() for c in _OKABE_ITO[: len(curves)]]
    assert len({str(line.get_linestyle()) for line in curves}) == len(curves)
    plt.close(ax.get_figure())


def test_plot_variance_explained_writes_values_only_where_they_fit():
    """In a narrow panel of a user's figure the 8-pt values of 12 factors
    overprinted each other; they are left out there, kept in a figure of its own."""
    r2 = pd.DataFrame(np.full((3, 12), 0.021), index=["a", "b", "c"], columns=range(12))
    own = plot_variance_explained(r2)
    assert len(own.texts) == 36
    fig, axes = plt.subplots(2, 3, figsize=(9, 5))
    narrow = plot_variance_explained(r2, ax=axes[0, 0])
    assert len(narrow.texts) == 0
    plt.close("all")


def test_plot_embedding_on_a_vector_backend(tmp_path):
    """Widening the figure by its legend asked the canvas for a renderer, which
    only Agg canvases have: a PDF canvas raised AttributeError."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf

    rng = np.random.RandomState(0)
    fig = plt.figure(figsize=(6.0, 4.8), layout="constrained")
    FigureCanvasPdf(fig)
    ax = fig.add_subplot()
    plot_embedding(rng.randn(40, 4), np.arange(40) % 4, method="pca", ax=ax)
    fig.savefig(tmp_path / "map.pdf")
    # a figure of its own, made by pyplot with the PDF backend
    plt.close("all")
    plt.switch_backend("pdf")
    try:
        own = plot_embedding(rng.randn(40, 4), np.arange(40) % 4, method="pca")
        own.get_figure().savefig(tmp_path / "own.pdf")
    finally:
        plt.close("all")
        plt.switch_backend("Agg")


def test_gating_weights_of_one_omic_are_flagged():
    """One omic: a solid block of 1.0, drawn without a word."""
    with pytest.warns(UserWarning, match="One omic: its gating weight is 1 for every sample"):
        ax = plot_gating_weights(np.ones((10, 1)), np.arange(10) % 2)
    plt.close(ax.get_figure())


def test_subtype_correlations_write_values_only_where_they_fit():
    """Values written in the cells of a figure of its own, not in narrow panels
    of a user's figure, where they overprinted."""
    rng = np.random.RandomState(0)
    X, Z, y = rng.rand(60, 12), rng.randn(60, 3), np.arange(60) % 6
    axes = plot_subtype_correlations(X, Z, y, center=True)
    assert all(len(ax.texts) == 36 for ax in axes)
    fig, grid = plt.subplots(2, 6, figsize=(9, 4))
    narrow = plot_subtype_correlations(X, Z, y, center=True, axes=grid[0, :2])
    assert all(len(ax.texts) == 0 for ax in narrow)
    plt.close("all")


def test_plot_embedding_palette_keeps_a_subtype_colour():
    """A subtype's colour set by the user (the same across figures), by name or
    in legend order; the rest keep the defaults; bad palettes are named."""
    from matplotlib.colors import to_rgba

    rng = np.random.RandomState(0)
    Z, y = rng.randn(30, 3), np.array(["Basal", "LumA", "LumB"] * 10, dtype=object)

    def colors(ax):
        return {t.get_text(): tuple(h.get_facecolor()[0][:3]) for t, h in
                zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles, strict=True)}

    default = colors(plot_embedding(Z, y, method="pca"))
    chosen = colors(plot_embedding(Z, y, method="pca", palette={"LumA": "#1f78b4"}))
    assert chosen["LumA"] == to_rgba("#1f78b4")[:3]
    assert chosen["Basal"] == default["Basal"] and chosen["LumB"] == default["LumB"]
    listed = colors(plot_embedding(Z, y, method="pca", palette=["red", "green", "blue"]))
    assert listed["LumB"] == to_rgba("blue")[:3]
    with pytest.raises(ValueError, match="palette names \\['Her2'\\], which are not groups"):
        plot_embedding(Z, y, method="pca", palette={"Her2": "red"})
    with pytest.raises(ValueError, match="palette has 2 colours for 3 groups"):
        plot_embedding(Z, y, method="pca", palette=["red", "green"])
    with pytest.raises(ValueError, match="'notacolour' \\(group 'LumA'\\) is not a matplotlib colour"):
        plot_embedding(Z, y, method="pca", palette={"LumA": "notacolour"})
    plt.close("all")


def test_every_figure_takes_a_figsize(poems, data):
    """A paper's column width: every function that makes its figure takes its
    size (none did; automatic sizes reached 7.2 x 21.3 inches)."""
    X, y = data
    Z = poems.transform(X)
    r2 = variance_explained(poems, X, n_permutations=1, random_state=0)
    calls = {
        "top_features": lambda **k: plot_top_features(poems, **k),
        "factor_features": lambda **k: plot_factor_features(poems, factor=0, **k),
        "activation_map": lambda **k: plot_activation_map(poems, poems.omic_names_[0], **k),
        "gating_weights": lambda **k: plot_gating_weights(poems.transform_gating(X), y, **k),
        "embedding_heatmap": lambda **k: plot_embedding_heatmap(Z, y, **k),
        "embedding": lambda **k: plot_embedding(Z, y, method="pca", **k),
        "variance_explained": lambda **k: plot_variance_explained(r2, **k),
        "training_history": lambda **k: plot_training_history(poems, **k),
        "subtype_correlations": lambda **k: plot_subtype_correlations(X, Z, y, **k)[0],
    }
    for name, draw in calls.items():
        fig = draw(figsize=(3.5, 2.5)).get_figure()
        assert tuple(fig.get_size_inches()) == (3.5, 2.5), name
        plt.close(fig)
    with pytest.raises(ValueError, match=r"figsize must be \(width, height\) in inches"):
        plot_embedding(Z, y, method="pca", figsize=(3.5, -1))
    with pytest.raises(ValueError, match=r"figsize must be"):
        plot_variance_explained(r2, figsize=("wide", 2))


def test_heatmaps_take_a_colour_map_and_write_values_that_read_on_it(poems, data):
    """A journal's colour scheme or a colour-blind-safe map: the three heatmaps
    take ``cmap=`` (none did), refuse an unknown one before drawing, and write
    cell values in the colour that reads on the cell (it was fixed by value:
    black on the dark cells of a reversed map)."""
    X, y = data
    Z = poems.transform(X)
    r2 = pd.DataFrame({0: [0.02, 0.5], 1: [0.4, 0.01], "total": [0.42, 0.51]}, index=["a", "b"])
    ax = plot_variance_explained(r2, cmap="Greys_r")
    assert ax.images[0].get_cmap().name == "Greys_r"
    # Greys_r: the smallest share is black, the largest white
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["0.02"] == "white" and colours["0.50"] == "black"
    assert plot_variance_explained(r2).images[0].get_cmap().name == "Blues"
    axes = plot_subtype_correlations(X, Z, y, cmap="PuOr")
    assert {a.images[0].get_cmap().name for a in axes} == {"PuOr"}
    assert plot_embedding_heatmap(Z, y, cmap="cividis").images[0].get_cmap().name == "cividis"
    assert plot_embedding_heatmap(np.abs(Z), y).images[0].get_cmap().name == "viridis"
    assert plot_embedding_heatmap(Z, y).images[0].get_cmap().name == "RdBu_r"
    plt.close("all")
    for draw in (
        lambda: plot_variance_explained(r2, cmap="Blu"),
        lambda: plot_subtype_correlations(X, Z, y, cmap=3),
        lambda: plot_embedding_heatmap(Z, y, cmap="notamap"),
    ):
        with pytest.raises(ValueError, match="cmap must be a matplotlib colour map or the name of one"):
            draw()
        assert not plt.get_fignums()  # refused before a figure was made


def test_embedding_heatmap_factor_numbers_do_not_overlap_in_a_panel():
    """32 factors in one panel of a 2 x 2 figure: the numbers were thinned to a
    fixed 48, so all 32 were drawn and ran into each other ("1213141516...")."""
    Z = np.random.RandomState(0).randn(60, 32)
    fig = plt.figure(figsize=(10, 8), layout="constrained")
    ax = fig.subplots(2, 2)[1, 1]
    plot_embedding_heatmap(Z, np.arange(60) % 3, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    assert len(boxes) >= 8
    # a visible gap between neighbours (they touched, 0.25 pixels apart)
    assert min(b.x0 - a.x1 for a, b in zip(boxes, boxes[1:])) >= 3
    plt.close(fig)


def test_tsne_map_of_a_tiny_or_huge_embedding_is_drawn_not_a_crash():
    """An embedding of spread 1e-30 (a collapsed model) or 1e40 crashed the
    Python process inside scikit-learn's t-SNE (a dead notebook kernel); one
    scale for the whole embedding does not change the map."""
    import subprocess
    import sys

    code = (
        "import numpy as np, matplotlib; matplotlib.use('Agg')\n"
        "from skpoems.plotting import plot_embedding\n"
        "Z = np.random.RandomState(0).rand(30, 2); y = np.arange(30) % 2\n"
        "maps = [plot_embedding(Z * s, y, method='tsne', random_state=0).collections[0].get_offsets()\n"
        "        for s in (1.0, 1e-30, 1e40)]\n"
        "assert all(np.allclose(m, maps[0], atol=1e-3) for m in maps), maps\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])


def test_plot_gating_weights_refuses_what_are_not_weights():
    """NaN, negative, infinite and text weights were drawn as they came (an
    all-NaN matrix as an empty figure)."""
    G = np.full((4, 2), 0.5)
    for bad, value in ((np.nan, "nan"), (-0.2, "-0.2"), (np.inf, "inf"), (1.5, "1.5")):
        weights = G.copy()
        weights[2, 1] = bad
        with pytest.raises(ValueError, match=rf"weights in \[0, 1\].*e\.g\. {value} at row 2, column 1"):
            plot_gating_weights(weights, [0, 0, 1, 1], by="subtype")
    with pytest.raises(TypeError, match="gating_weights must be numbers"):
        plot_gating_weights(G.astype(str))
    plot_gating_weights(np.array([[1.0, 0.0], [0.3, 0.7]]))  # a missing omic's 0 is a weight
    plt.close("all")


def test_titles_and_legends_of_neighbouring_panels_do_not_collide(poems, data):
    """Six figures as panels of one 12 x 8 figure: long titles ran into the
    neighbours' (variance heatmap into training history), the history's legend
    covered its curves, and bar values ran together ("0.290.31")."""
    X, y = data
    r2 = pd.DataFrame(
        np.random.RandomState(0).rand(2, 32) / 32, index=poems.omic_names_[:2]
    ).assign(total=0.5)
    fig = plt.figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 3)
    plot_gating_weights(poems.transform_gating(X), np.arange(len(X)) % 5, by="subtype", ax=axes[0, 0])
    plot_variance_explained(r2, ax=axes[0, 1])
    plot_training_history(poems, ax=axes[0, 2])
    plot_factor_features(poems, factor=0, ax=axes[1, 0])
    plot_activation_map(poems, poems.omic_names_[0], ax=axes[1, 1])
    plot_embedding(poems.transform(X), y, method="pca", ax=axes[1, 2])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for row in axes:
        titles = [ax.title.get_window_extent(renderer) for ax in row]
        for left, right in zip(titles, titles[1:]):
            assert left.x1 < right.x0, (left, right)
    legend = axes[0, 2].get_legend().get_window_extent(renderer)
    assert legend.y1 < axes[0, 2].get_window_extent(renderer).y0  # below the curves
    values = sorted((t.get_window_extent(renderer) for t in axes[0, 0].texts), key=lambda b: (b.y0, b.x0))
    for a in values:
        for b in values:
            assert a is b or not a.overlaps(b)
    plt.close(fig)


def test_long_omic_names_are_shortened_in_legends_and_titles():
    """Portal file names as omic names (Firehose's 100-character ones) crowded
    the legends and titles; variance_explained alone shortened them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skpoems import POEMSTransformer
    from skpoems.plotting import plot_activation_map, plot_gating_weights, plot_top_features

    rng = np.random.default_rng(0)
    long = [
        "BRCA.rnaseqv2__illuminahiseq_rnaseqv2__unc_edu__Level_3__RSEM_genes_normalized__data.data",
        "BRCA.mirnaseq__illuminahiseq_mirnaseq__bcgsc_ca__Level_3__miR_gene_expression__data.data",
    ]
    X = {long[0]: rng.random((30, 6)), long[1]: rng.random((30, 4))}
    est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    ax = plot_top_features(est, n=3)
    texts = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text() != "falls with its factor"]
    assert len(texts) == 2 and len(set(texts)) == 2 and all(len(t) < 40 for t in texts)
    ax = plot_gating_weights(est.gating_weights_, omic_names=list(est.omic_names_))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert all(len(t) < 40 for t in texts)
    ax = plot_activation_map(est, omic=long[0])
    assert len(ax.get_title()) < 100 and "\u2026" in ax.get_xlabel()
    plt.close("all")


def test_figures_of_our_own_size_make_room_for_names_on_end(data):
    """Two factors and 20 long feature names left the activation map a thin strip
    under the names; 12 long group names took half of the gating figure."""
    X = pd.DataFrame(np.random.RandomState(0).randn(60, 20),
                     columns=[f"ENSG{141510 + j:011d}.17|GENE{j}" for j in range(20)])
    est = POEMSTransformer(n_components=2, max_iter=2, random_state=0, omic_dims=(20,)).fit(X)
    ax = plot_activation_map(est, est.omic_names_[0])
    assert ax.get_figure().get_size_inches()[1] >= 3.5
    G = np.random.RandomState(0).dirichlet(np.ones(3), 120)
    names = [f"Subtype {i} with a rather long name" for i in range(12)]
    short = plot_gating_weights(G, np.arange(120) % 12).get_figure().get_size_inches()[1]
    long = plot_gating_weights(G, np.arange(120) % 12, target_names=names).get_figure().get_size_inches()[1]
    assert short == pytest.approx(3.2) and long > 4.0
    plt.close("all")


def test_activation_map_greys_the_factors_the_embedding_does_not_use(poems):
    """A factor whose posterior mean hardly varies decodes a constant: its large W
    entries looked like connections that matter (TCGA BRCA: 23 of 32 factors)."""
    import copy

    from matplotlib.colors import to_hex

    est = copy.copy(poems)
    est.embedding_ = poems.embedding_.copy()
    est.embedding_[:, 1] = 0.5  # factor 1 unused
    ax = plot_activation_map(est, "mRNA", threshold=0.0)
    rows = ax.collections
    assert len(rows) == poems.n_components
    assert to_hex(np.ravel(rows[1].get_color())[:4]) == "#bfbfbf" and to_hex(np.ravel(rows[0].get_color())[:4]) != "#bfbfbf"
    assert "grey: 1 factor the embedding hardly uses" in " ".join(ax.get_title().split())
    plt.close("all")


def test_activation_map_of_a_mocss_branch_greys_against_its_own_factors(data):
    """MOCSS-SparseVAE: W_v maps omic v's own factors, but a factor was greyed
    against the largest spread of any omic's (another VAE's)."""
    import copy

    from matplotlib.colors import to_hex

    from skpoems import MOCSSSparseVAETransformer

    X, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MOCSSSparseVAETransformer(n_components=2, max_iter=3, random_state=0).fit(X)
    est = copy.copy(est)
    names = list(est.get_feature_names_out())
    own = [i for i, name in enumerate(names) if "mRNA_specific" in name]
    other = [i for i, name in enumerate(names) if "_specific" in name and i not in own]
    est.embedding_ = est.embedding_.copy()
    est.embedding_[:, own] = np.linspace(-1, 1, len(est.embedding_))[:, None] * 0.05  # its own: all small alike
    est.embedding_[:, other] *= 100.0  # another omic's VAE: far larger
    ax = plot_activation_map(est, "mRNA", threshold=0.0)
    assert all(to_hex(np.ravel(row.get_color())[:4]) != "#bfbfbf" for row in ax.collections)
    plt.close("all")


def test_eight_groups_keep_their_colours_beside_unlabelled_samples_and_number_labels_sort_by_value(data):
    """Eight subtypes and some unlabelled patients took tab20's colours (nine
    groups); MOCSS-SparseVAE's losses were labelled nats per sample; labels that
    are numbers as text ("0.25", "-10") sorted as text."""
    from matplotlib.colors import to_hex

    from skpoems import MOCSSSparseVAETransformer
    from skpoems.plotting import _OKABE_ITO

    rng = np.random.RandomState(0)
    y = np.array([f"s{i % 8}" for i in range(90)], dtype=object)
    y[-10:] = None
    ax = plot_embedding(rng.randn(90, 3), y, method="pca")
    colours = [to_hex(c.get_facecolor()[0]).upper() for c in ax.collections]
    assert sorted(colours[:8]) == sorted(_OKABE_ITO) and colours[8] == "#999999"
    est = MOCSSSparseVAETransformer(n_components=2, max_iter=2, random_state=0).fit(data[0])
    assert plot_training_history(est).get_ylabel() == "Loss"
    from skpoems.inspection import _group_codes

    assert _group_codes(np.array(["0.5", "0.25", "-10", "1.0"]), None)[1] == ["-10", "0.25", "0.5", "1.0"]
    assert _group_codes(np.array(["dose 0.5", "dose 0.25"]), None)[1] == ["dose 0.25", "dose 0.5"]
    plt.close("all")


def test_plot_embedding_umap_seed(monkeypatch):
    """An int seeds UMAP reproducibly; None runs it unseeded (parallel) and
    leaves numpy's global generator alone."""
    import types

    seen = []

    class FakeUMAP:
        def __init__(self, n_components, random_state):
            seen.append(random_state)

        def fit_transform(self, M):
            return np.asarray(M)[:, :2]

    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP=FakeUMAP))
    M = np.random.default_rng(0).normal(size=(12, 3))
    for random_state in (3, 3, None):
        plot_embedding(M, np.zeros(12), method="umap", random_state=random_state)
        plt.close("all")
    assert isinstance(seen[0], (int, np.integer)) and seen[0] == seen[1]
    # (NPY002: the legacy global generator on purpose: plotting must leave it untouched)
    np.random.seed(0)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    plot_embedding(M, np.zeros(12), method="umap", random_state=None)
    plt.close("all")
    assert seen[2] is None and seen[3] is None
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_figures_for_a_journal_column_and_small_values(poems, data):
    """Plotting review: the attribution axis label (3.75 in wide) was cut off in a
    3.5 in figure; the title promised more features than an omic has; the colour
    bar's label was taller than a figure of two subtypes; -0.0014 read "-0.00"."""
    from skpoems.plotting import _annotate_matrix

    ax = plot_top_features(poems, n=4, omic="mRNA", figsize=(3.5, 3))
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    assert "\n$" in ax.get_xlabel()  # the formula on a line of its own
    assert ax.xaxis.label.get_window_extent(renderer).width <= ax.figure.bbox.width
    assert "\n" not in plot_top_features(poems, n=4, omic="mRNA").get_xlabel()  # (the default size: one line)
    assert plot_top_features(poems, n=40, omic="miRNA").get_title().startswith("Top 6 miRNA features")
    X, y = data
    two = pd.Series(np.where(np.arange(len(y)) < 30, "A", "B"))
    axes = plot_subtype_correlations(X, poems.transform(X), two)
    figure = axes[0].figure
    figure.canvas.draw()
    colorbar = figure.axes[-1]
    label = colorbar.yaxis.label.get_window_extent(figure.canvas.get_renderer())
    assert label.y0 >= 0 and label.y1 <= figure.bbox.height
    fig, ax = plt.subplots()
    image = ax.imshow(np.array([[1.0, -0.0014]]), vmin=-1, vmax=1)
    _annotate_matrix(ax, image, np.array([[1.0, -0.0014]]))
    assert _texts(ax.texts) == ["1.00", "0.00"]


def test_top_feature_bars_hatch_the_features_that_fall(poems):
    """The bars are magnitudes; a feature that falls with its factor (negative
    slope) was drawn as one that rises. Its bar is hatched, with a legend entry
    after the omics' plain swatches; a one-omic figure has no legend (beside the
    Axes it squeezed a narrow figure): its title gives the key."""
    table = top_features(poems, n=10, omic="mRNA")
    assert (table["slope"] < 0).any() and (table["slope"] >= 0).any()
    ax = plot_top_features(poems, n=10, omic="mRNA")
    hatched = [bool(p.get_hatch()) for p in ax.patches if p.get_height() == 0.8]
    assert hatched == list(table["slope"] < 0)
    assert ax.get_legend() is None and ax.get_title().endswith("(hatched: falls with its factor)")
    ax = plot_top_features(poems, n=10)
    legend = ax.get_legend()
    assert _texts(legend.get_texts()) == ["mRNA", "methylation", "miRNA", "falls with its factor"]
    assert [h.get_hatch() for h in legend.legend_handles] == [None, None, None, "////"]


def test_plot_embedding_of_a_quantity_or_of_no_labels():
    """An age with fractions was drawn as 60 groups, one legend entry each; a
    quantity now gets a colour scale and its colour bar (missing values grey),
    and no y draws the samples in one colour (clusters yet to be found)."""
    rng = np.random.RandomState(0)
    Z = pd.DataFrame(rng.randn(60, 4), index=[f"s{i}" for i in range(60)])
    age = pd.Series(rng.uniform(30, 80, 60), index=Z.index, name="age")
    age.iloc[3] = np.nan
    ax = plot_embedding(Z, age, method="pca")
    assert [len(c.get_offsets()) for c in ax.collections] == [1, 59]  # the grey one, the scale
    assert ax.figure.axes[-1].get_ylabel() == "age"  # the colour bar
    assert _texts(ax.get_legend().get_texts()) == ["unlabelled"]
    np.testing.assert_allclose(ax.collections[1].get_array(), age.drop(age.index[3]).to_numpy())
    with pytest.raises(ValueError, match="quantity.*leave them out"):
        plot_embedding(Z, age, method="pca", target_names=["young", "old"])
    with pytest.raises(ValueError, match="order"):  # (a Series in another order, as for labels)
        plot_embedding(Z, age.sample(frac=1, random_state=0), method="pca")
    ax = plot_embedding(Z, method="pca")
    assert len(ax.collections) == 1 and ax.get_legend() is None
    # a few whole numbers stay groups (subtype codes); many are a quantity (an age in
    # years), unless passed as text
    ax = plot_embedding(Z, np.arange(60) % 3, method="pca")
    assert _texts(ax.get_legend().get_texts()) == ["0", "1", "2"]
    years = pd.Series(rng.randint(30, 80, 60), index=Z.index, name="age")
    ax = plot_embedding(Z, years, method="pca")
    assert ax.get_legend() is None and ax.figure.axes[-1].get_ylabel() == "age"
    assert len(plot_embedding(Z, years.astype(str), method="pca").get_legend().get_texts()) == years.nunique()


def test_plot_embedding_heatmap_without_labels(data):
    """A cohort without labels: plot_embedding(Z) drew it, the heatmap refused y=None."""
    rng = np.random.RandomState(0)
    Z = pd.DataFrame(rng.randn(30, 4), columns=["f0", "f1", "f2", "f3"])
    ax = plot_embedding_heatmap(Z)
    np.testing.assert_array_equal(ax.images[0].get_array(), Z.to_numpy())  # (in their order)
    assert ax.get_ylabel() == "Samples (n=30)" and not _texts(ax.get_yticklabels())
    assert not [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    with pytest.raises(ValueError, match="target_names"):
        plot_embedding_heatmap(Z, target_names=["a"])
