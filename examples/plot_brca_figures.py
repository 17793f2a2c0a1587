"""
The POEMS paper's figures on TCGA BRCA
======================================

Trains :class:`skpoems.POEMSTransformer` on the bundled TCGA BRCA data (mRNA, DNA
methylation, miRNA; PAM50 subtypes) and draws the paper's interpretation figures
(section 3 and appendix B.1) on the test split:

- top features per omic (figure 5);
- the top features of the factors that explain the most variance (figure 6);
- binary activation maps ``|W| > 0.01`` per omic (figure 7);
- per-sample and per-subtype gating weights (figure 4);
- subtype correlation matrices from the inputs and from the embedding (figure 3);
- embedding heatmap sorted by subtype and by k-means cluster (figure 8);
- t-SNE (and UMAP when umap-learn is installed) of the embedding (figure 9);
- the variance of each omic explained by each factor (not in the paper; the
  MOFA-style summary).

As in the paper: 80/20 train/test split with ``random_state=1``, features min-max
scaled with a scaler fitted on the training split only, figures on the test split.
The paper ranks features by ``|W|`` (figures 5 and 6); a fit stopped before the
spike-and-slab prior has sparsified W leaves features the decoder ignores with
large random ``|W_jk|`` (README, "Interpretation"), so the figures rank by the
decoder's gradients instead (``decoder_attributions``), as ``skpoems run`` does,
here at the test patients (``skpoems run`` uses the training patients).
The paper trains up to 5000 epochs with batch 512 and learning rate 9e-4; the
defaults here (batch 128, learning rate 5e-3, at most 200 epochs) train in a few
minutes on a CPU (about 0.5 s per epoch on two idle cores). Pass ``--batch-size 512
--learning-rate 9e-4 --max-iter 5000`` for the paper's setting.

Run::

    python examples/plot_brca_figures.py --out-dir brca_figures
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # this script only writes files

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from skpoems import POEMSTransformer  # noqa: E402
from skpoems.datasets import load_tcga_brca  # noqa: E402
from skpoems.inspection import (  # noqa: E402
    decoder_attributions,
    gating_summary,
    variance_explained,
)
from skpoems.metrics import evaluate_embedding, format_evaluation  # noqa: E402
from skpoems.plotting import (  # noqa: E402
    plot_activation_map,
    plot_embedding,
    plot_embedding_heatmap,
    plot_factor_features,
    plot_gating_weights,
    plot_subtype_correlations,
    plot_top_features,
    plot_variance_explained,
)


def load_split(random_state=1):
    """BRCA train/test split, min-max scaled with the training split's ranges."""
    bunch = load_tcga_brca()
    y = pd.Series(bunch.target, index=bunch.data.index, name="subtype")
    X_train, X_test, y_train, y_test = train_test_split(
        bunch.data, y, test_size=0.2, random_state=random_state
    )
    scaler = MinMaxScaler().fit(X_train.to_numpy())

    def scale(X):
        return pd.DataFrame(
            scaler.transform(X.to_numpy()), index=X.index, columns=X.columns
        )

    return scale(X_train), scale(X_test), y_train, y_test, list(bunch.target_names)


def make_figures(estimator, X_test, y_test, target_names, out_dir, *, random_state=0):
    """Draw the figure set for a fitted POEMSTransformer; return the PNG paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []

    def save(fig, name):
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=200, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)

    Z = pd.DataFrame(
        estimator.transform(X_test),
        index=X_test.index,
        columns=estimator.get_feature_names_out(),
    )
    factor_names = [str(k) for k in range(Z.shape[1])]

    # Figure 5: top features per omic, by the decoder's gradients at the test
    # patients (computed once, shared with figure 6).
    attributions = decoder_attributions(estimator, X_test)
    ax = plot_top_features(estimator, n=10, X=X_test, attributions=attributions)
    save(ax.figure, "top_features")

    # Variance explained per omic and factor; its top factors feed figure 6.
    r2 = variance_explained(estimator, X_test, random_state=random_state)
    ax = plot_variance_explained(r2)
    save(ax.figure, "variance_explained")
    factors = r2.drop(columns="total").sum(axis=0).astype(float).nlargest(4).index

    # Figure 6: top features of the four factors explaining the most variance.
    n_omics = len(estimator.omic_names_)
    fig, axes = plt.subplots(
        2, 2, figsize=(12, 2.4 + 1.6 * n_omics), layout="constrained"
    )
    for ax, factor in zip(axes.ravel(), factors, strict=False):
        plot_factor_features(estimator, int(factor), n=5, ax=ax, X=X_test, attributions=attributions)
    save(fig, "factor_features")

    # Figure 7: activation maps, one row per omic.
    fig, axes = plt.subplots(
        n_omics, 1, figsize=(10, 2.6 * n_omics), layout="constrained", squeeze=False
    )
    for ax, omic in zip(axes[:, 0], estimator.omic_names_, strict=True):
        plot_activation_map(estimator, omic, threshold=0.01, ax=ax)
    save(fig, "activation_maps")

    # Figure 4: gating weights per sample and per subtype.
    gating = estimator.transform_gating(X_test)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(15, 3.6), layout="constrained", width_ratios=[3, 1.3]
    )
    plot_gating_weights(
        gating,
        y_test,
        omic_names=estimator.omic_names_,
        target_names=target_names,
        ax=left,
    )
    plot_gating_weights(
        gating,
        y_test,
        omic_names=estimator.omic_names_,
        target_names=target_names,
        by="subtype",
        ax=right,
    )
    right.get_legend().remove()
    save(fig, "gating_weights")

    # Figure 3: subtype correlations from each omic's inputs and from the embedding.
    axes = plot_subtype_correlations(
        X_test, Z, y_test, target_names=target_names, per_omic=True
    )
    save(axes[0].figure, "subtype_correlations")

    # Figure 8: embedding heatmap, samples sorted by subtype and by k-means cluster.
    clusters = pd.Series(
        KMeans(
            n_clusters=len(target_names), n_init=10, random_state=random_state
        ).fit_predict(Z),
        index=Z.index,
        name="k-means cluster",
    )
    cluster_names = [f"cluster {c + 1}" for c in range(len(target_names))]
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 5.5), layout="constrained")
    plot_embedding_heatmap(
        Z, y_test, feature_names=factor_names, target_names=target_names, ax=left
    )
    left.set_title("Embedding, samples sorted by subtype")
    plot_embedding_heatmap(
        Z, clusters, feature_names=factor_names, target_names=cluster_names, ax=right
    )
    right.set_title("Embedding, samples sorted by k-means cluster")
    save(fig, "embedding_heatmap")

    # Figure 9: t-SNE (and UMAP) of the embedding.
    methods = ["tsne"]
    try:
        import umap  # noqa: F401

        methods.append("umap")
    except ImportError:
        print(
            "umap-learn is not installed: skipping the UMAP panel "
            "(pip install skpoems[umap])."
        )
    fig, axes = plt.subplots(
        1,
        len(methods),
        figsize=(6.8 * len(methods), 4.8),
        layout="constrained",
        squeeze=False,
    )
    for ax, method in zip(axes[0], methods, strict=True):
        plot_embedding(
            Z,
            y_test,
            method=method,
            target_names=target_names,
            random_state=random_state,
            ax=ax,
        )
    save(fig, "embedding_" + "_".join(methods))

    print(gating_summary(estimator, X_test, y_test, target_names=target_names).round(3))
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[1].strip().rstrip(":") + " (see the module docstring for the list).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out-dir",
        default="brca_figures",
        type=Path,
        help="folder for the PNG files (created if missing)",
    )
    parser.add_argument(
        "--max-iter",
        default=200,
        type=int,
        help="maximum number of training epochs (default: 200)",
    )
    parser.add_argument(
        "--batch-size",
        default=128,
        type=int,
        help="minibatch size (default: 128; the paper: 512)",
    )
    parser.add_argument(
        "--learning-rate",
        default=5e-3,
        type=float,
        help="AdamW learning rate (default: 5e-3; the paper: 9e-4)",
    )
    parser.add_argument(
        "--n-components",
        default=32,
        type=int,
        help="number of latent factors (default: 32)",
    )
    parser.add_argument(
        "--random-state",
        default=0,
        type=int,
        help="seed of the model, k-means, t-SNE and the Shapley orders",
    )
    args = parser.parse_args(argv)

    X_train, X_test, y_train, y_test, target_names = load_split()
    print(
        f"TCGA BRCA: {len(X_train)} training and {len(X_test)} test samples, omics "
        + ", ".join(
            f"{o} ({X_train[o].shape[1]})"
            for o in X_train.columns.get_level_values(0).unique()
        )
    )
    estimator = POEMSTransformer(
        n_components=args.n_components,
        max_iter=args.max_iter,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        random_state=args.random_state,
    )
    start = time.perf_counter()
    estimator.fit(X_train)
    print(
        f"Trained {estimator.n_iter_} epochs in {time.perf_counter() - start:.0f} s "
        f"(best validation epoch {estimator.best_iter_})."
    )
    scores = evaluate_embedding(estimator.transform(X_test), y_test)
    print("Test embedding:", format_evaluation(scores))
    paths = make_figures(
        estimator,
        X_test,
        y_test,
        target_names,
        args.out_dir,
        random_state=args.random_state,
    )
    for path in paths:
        print(path)


if __name__ == "__main__":
    main()
