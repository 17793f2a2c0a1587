"""How much of the subtype signal does each omic carry on its own? (a baseline)

PCA of each omic alone and of all omics together, scored with the paper's
protocol (k-means ACC / NMI and k-NN ACC of the test patients' embedding, over
the paper's five seeds) on stratified 80/20 splits, with the min-max scaling
fitted on the training part. It also prints, for the first split, how k-means
divides the test patients among clusters (subtype x cluster counts), which
shows what limits k-means ACC when one subtype dominates.

    python examples/benchmarks/single_omic_baselines.py --splits 5
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from skpoems._experiment import load_dataset, split_and_scale
from skpoems.metrics import evaluate_embedding


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="tcga_brca")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--components", default="8,32", help="comma list of PCA sizes")
    args = parser.parse_args(argv)
    bunch = load_dataset(args.dataset)
    omics = list(dict.fromkeys(bunch.data.columns.get_level_values(0)))
    sizes = [int(k) for k in args.components.split(",")]
    rows = []
    for seed in range(args.splits):
        split = split_and_scale(bunch.data, bunch.target, stratify=True, random_state=seed)
        for name in [*omics, "all omics"]:
            cols = split.X_train.columns if name == "all omics" else [c for c in split.X_train.columns if c[0] == name]
            train, test = split.X_train[cols].to_numpy(), split.X_test[cols].to_numpy()
            for k in sizes:
                k_eff = min(k, *train.shape)
                Z = PCA(k_eff, random_state=0).fit(train).transform(test)
                scores = evaluate_embedding(Z, split.y_test)
                rows.append({"split": seed, "input": name, "pca": k_eff, **scores})
                if seed == 0 and k == sizes[-1]:
                    clusters = KMeans(len(np.unique(split.y_test)), random_state=0, n_init=10).fit_predict(Z)
                    counts = pd.crosstab(pd.Series(np.asarray(split.y_test), name="subtype"), pd.Series(clusters, name="cluster"))
                    print(f"split 0, PCA-{k_eff} of {name}: test patients per subtype and k-means cluster\n{counts}\n")
    table = pd.DataFrame(rows)
    summary = table.groupby(["input", "pca"], sort=False)[["kmeans_acc", "kmeans_nmi", "knn_acc"]].agg(["mean", "std"])
    with pd.option_context("display.width", 160, "display.precision", 3):
        print(summary)
    return table


if __name__ == "__main__":
    main()
