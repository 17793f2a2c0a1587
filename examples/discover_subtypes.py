"""
Subtypes without labels: clusters of the embedding and their markers
====================================================================

What ``skpoems discover`` does, step by step in Python, for a notebook:

1. scale every feature of every omic to [0, 1] over all patients
   (:class:`skpoems.preprocessing.OmicTransformer`);
2. fit :class:`skpoems.POEMSTransformer` on all of them (early stopping holds
   out its own validation part) and embed them;
3. cluster the embedding with k-means, choosing k by the silhouette;
4. rank each cluster's marker features against the other patients
   (:func:`skpoems.inspection.group_markers`: Welch's t-test, Benjamini-Hochberg
   q-values) and show how much each omic drives each cluster
   (:func:`skpoems.inspection.gating_summary`);
5. where labels exist, compare the clusters with them.

By default the bundled TCGA BRCA data, with the PAM50 labels kept aside for the
comparison only (a default fit takes about 10 minutes on two cores; ``--max-iter
50`` gives a quick look). ``--data FOLDER`` reads a folder of named tables of
your own (labels optional), as ``skpoems discover --data FOLDER``.

Run::

    python examples/discover_subtypes.py
    python examples/discover_subtypes.py --max-iter 50 --figures subtypes.png
    python examples/discover_subtypes.py --data my_cohort/ --join outer
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from skpoems import POEMSTransformer
from skpoems.datasets import load_omics_tables, load_tcga_brca
from skpoems.inspection import gating_summary, group_markers
from skpoems.preprocessing import OmicTransformer


def choose_k(Z: np.ndarray, ks=range(2, 11), seed: int = 0) -> tuple[int, np.ndarray, pd.Series]:
    """The k-means clustering of ``Z`` with the highest silhouette."""
    fits = {k: KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(Z) for k in ks}
    silhouette = pd.Series({k: silhouette_score(Z, labels) for k, labels in fits.items()})
    best = int(silhouette.idxmax())
    return best, fits[best], silhouette


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--data", help="a folder of named omic tables (default: bundled TCGA BRCA)")
    parser.add_argument("--join", choices=("strict", "inner", "outer"), default="strict")
    parser.add_argument("--max-iter", type=int, default=1500)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--figures", help="save the embedding and gating figures to this file")
    args = parser.parse_args(argv)

    if args.data is None:
        cohort = load_tcga_brca()
        labels = pd.Series(np.asarray(cohort.target_names)[cohort.target], index=cohort.data.index)
    else:
        cohort = load_omics_tables(args.data, join=args.join)
        labels = None
        if cohort.target is not None:
            names = cohort.target_names
            labels = pd.Series(
                np.asarray(names)[cohort.target] if names is not None else np.asarray(cohort.target),
                index=cohort.data.index,
            )
    X = OmicTransformer().fit_transform(cohort.data)  # every feature to [0, 1]
    print(f"{len(X)} patients, omics {dict(zip(cohort.omic_names, cohort.omic_dims))}")

    t0 = time.perf_counter()
    model = POEMSTransformer(max_iter=args.max_iter, random_state=args.random_state)
    Z = model.fit_transform(X)
    print(f"fitted in {time.perf_counter() - t0:.1f} s ({model.n_iter_} epochs, {model.stop_reason_})")

    k, clusters, silhouette = choose_k(Z)
    # clusters numbered by size, largest first
    order = np.argsort(-np.bincount(clusters), kind="stable")
    clusters = np.argsort(order)[clusters]
    names = [f"cluster {c + 1}" for c in range(k)]
    print(f"silhouette by k: {silhouette.round(3).to_dict()} -> k = {k}")
    print(pd.Series(np.asarray(names)[clusters]).value_counts().sort_index().to_string())

    markers = group_markers(X, clusters, n=5, target_names=names)
    print("\nmarkers (Welch t-test of each cluster against the others, scaled units):")
    print(markers[["group", "omic", "feature", "difference", "q_value"]].to_string(index=False))
    gating = gating_summary(model, X, clusters, target_names=names)
    print("\nmean gating weight of each omic per cluster:")
    print(gating.round(2).to_string())

    out = {"k": k, "clusters": clusters, "markers": markers, "gating": gating, "silhouette": silhouette}
    if labels is not None:
        out["ari"] = adjusted_rand_score(labels, clusters)
        print(f"\nagainst the labels (ARI {out['ari']:.3f}):")
        table = pd.crosstab(
            pd.Series(np.asarray(names)[clusters], name="cluster"),
            pd.Series(labels.to_numpy(), name="label"),
        )
        print(table.to_string())

    if args.figures:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from skpoems.plotting import plot_embedding, plot_gating_weights

        fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
        plot_embedding(Z, clusters, method="pca", target_names=names, ax=axes[0])
        plot_gating_weights(model.transform_gating(X), clusters, omic_names=model.omic_names_,
                            target_names=names, by="subtype", ax=axes[1])
        Path(args.figures).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.figures, dpi=150)
        print(f"\nwrote {args.figures}")
    return out


if __name__ == "__main__":
    main()
