"""How much of the subtype signal does each omic carry on its own? (a baseline)

PCA of each omic alone and of all omics together, scored with the paper's
protocol (k-means ACC / NMI and k-NN ACC of the test patients' embedding, over
the paper's five seeds) on stratified 80/20 splits, with the min-max scaling
fitted on the training part. It also prints, for the first split, how k-means
divides the test patients among clusters (subtype x cluster counts), which
shows what limits k-means ACC when one subtype dominates.

    python examples/benchmarks/single_omic_baselines.py --splits 5
    python examples/benchmarks/single_omic_baselines.py --mfa --first-omic-weights 1.5,2,3,100

``--mfa`` adds PCA of all omics with each block divided by its first singular
value on the training part (multiple factor analysis: every omic's leading
direction weighs the same); ``--first-omic-weights`` adds PCA of all omics with
the first omic's block (mRNA) multiplied by each factor, to see how the scores
move between all omics at equal weight and the first omic alone.
``--anova-top`` adds PCA of all omics with each omic cut to its K features of
the largest ANOVA F-statistic against the labels of the training part (a
supervised selection, fitted on the training part of each split).
``--feature-list`` compares the first omic's features with another study's
list of them (one per line; ``SYMBOL|ENTREZ``, ``SYMBOL_ENTREZ``, an Entrez ID
or a symbol, matched by the Entrez ID where both carry one): how many are
shared, and whether the shared ones are the subtype-associated or the most
variable ones of this data set, e.g. the mRNA list ``BRCA/1_featname.csv`` of
the MOGONET repository, whose BRCA set the POEMS paper used:

    python examples/benchmarks/single_omic_baselines.py --anova-top 100,300 --feature-list 1_featname.csv
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.feature_selection import f_classif

from skpoems._experiment import load_dataset, split_and_scale
from skpoems.metrics import evaluate_embedding


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="tcga_brca", choices=("tcga_brca", "nutrimouse"))
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--components", default="8,32", help="comma list of PCA sizes")
    parser.add_argument(
        "--kmeans-n-init", type=int, default=10, help="k-means initialisations per seed (the protocol: 10)"
    )
    parser.add_argument("--mfa", action="store_true", help="add multiple factor analysis block weights")
    parser.add_argument("--first-omic-weights", default="", help="comma list of factors for the first omic")
    parser.add_argument("--anova-top", default="", help="comma list of K: each omic's K features of largest ANOVA F")
    parser.add_argument("--feature-list", type=Path, default=None, help="another study's features of the first omic")
    args = parser.parse_args(argv)
    factors = [float(w) for w in args.first_omic_weights.split(",") if w]
    tops = [int(k) for k in args.anova_top.split(",") if k]
    bunch = load_dataset(args.dataset)
    omics = list(dict.fromkeys(bunch.data.columns.get_level_values(0)))
    if args.feature_list is not None:
        compare_features(bunch, omics[0], args.feature_list.read_text().split())
    sizes = [int(k) for k in args.components.split(",")]
    rows = []
    for seed in range(args.splits):
        split = split_and_scale(bunch.data, bunch.target, stratify=True, random_state=seed)
        inputs = {}
        for name in [*omics, "all omics"]:
            cols = split.X_train.columns if name == "all omics" else [c for c in split.X_train.columns if c[0] == name]
            inputs[name] = split.X_train[cols].to_numpy(), split.X_test[cols].to_numpy()
        omic_of = np.asarray([c[0] for c in split.X_train.columns])
        train_all, test_all = inputs["all omics"]
        weightings = {f"all omics, {omics[0]} x {w:g}": {omics[0]: w} for w in factors}
        if args.mfa:
            weightings["all omics, MFA weights"] = {
                o: 1
                / np.linalg.svd(train_all[:, omic_of == o] - train_all[:, omic_of == o].mean(0), compute_uv=False)[0]
                for o in omics
            }
        for name, weights in weightings.items():
            scale = np.asarray([weights.get(o, 1.0) for o in omic_of])
            inputs[name] = train_all * scale, test_all * scale
        for k in tops:
            # F-statistics of the training part only: the test labels choose nothing
            keep = np.zeros(len(omic_of), dtype=bool)
            for o in omics:
                where = np.flatnonzero(omic_of == o)
                F = np.nan_to_num(f_classif(train_all[:, where], np.asarray(split.y_train))[0])
                keep[where[np.argsort(-F, kind="stable")[:k]]] = True
            inputs[f"all omics, top {k} per omic by ANOVA F"] = train_all[:, keep], test_all[:, keep]
        for name, (train, test) in inputs.items():
            for k in sizes:
                k_eff = min(k, *train.shape)
                Z = PCA(k_eff, random_state=0).fit(train).transform(test)
                scores = evaluate_embedding(Z, split.y_test, n_init=args.kmeans_n_init)
                rows.append({"split": seed, "input": name, "pca": k_eff, **scores})
                if seed == 0 and k == sizes[-1]:
                    clusters = KMeans(len(np.unique(split.y_test)), random_state=0, n_init=10).fit_predict(Z)
                    counts = pd.crosstab(
                        pd.Series(np.asarray(split.y_test), name="subtype"), pd.Series(clusters, name="cluster")
                    )
                    print(f"split 0, PCA-{k_eff} of {name}: test patients per subtype and k-means cluster\n{counts}\n")
    table = pd.DataFrame(rows)
    summary = table.groupby(["input", "pca"], sort=False)[["kmeans_acc", "kmeans_nmi", "knn_acc"]].agg(["mean", "std"])
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.precision", 3):
        print(summary)
    return table


def _feature_key(name: str) -> str:
    """An Entrez ID where the name carries one (SYMBOL|ENTREZ, SYMBOL_ENTREZ, ENTREZ), else the symbol."""
    last = re.split(r"[|_]", str(name).strip())[-1]
    return last if last.isdigit() else str(name).strip().upper()


def compare_features(bunch, omic: str, names: list[str]) -> dict[str, float]:
    """How the features of ``omic`` shared with ``names`` stand among all of them:
    by their ANOVA F-statistic against the labels and by their variance."""
    block = bunch.data[omic]
    listed = {_feature_key(n) for n in names}
    shared = np.asarray([_feature_key(c) in listed for c in block.columns])
    F = np.nan_to_num(f_classif(block.to_numpy(), np.asarray(bunch.target))[0])
    variance = block.var().to_numpy()
    top_f = pd.Series(F).rank(ascending=False, method="first").to_numpy() <= 300
    top_var = pd.Series(variance).rank(ascending=False, method="first").to_numpy() <= 300
    facts = {
        "listed": len(listed),
        "shared": int(shared.sum()),
        "median_F_shared": float(np.median(F[shared])) if shared.any() else np.nan,
        "median_F_rest": float(np.median(F[~shared])) if (~shared).any() else np.nan,
        "top300_F_shared": float(top_f[shared].mean()) if shared.any() else np.nan,
        "top300_F_rest": float(top_f[~shared].mean()) if (~shared).any() else np.nan,
        "top300_variance_shared": float(top_var[shared].mean()) if shared.any() else np.nan,
        "top300_variance_rest": float(top_var[~shared].mean()) if (~shared).any() else np.nan,
    }
    print(
        f"{omic}: {facts['shared']} of the {facts['listed']} listed features are among the {block.shape[1]} here; "
        f"median ANOVA F against the labels {facts['median_F_shared']:.1f} (shared) against "
        f"{facts['median_F_rest']:.1f} (the rest); among the 300 of largest F: {facts['top300_F_shared']:.0%} of "
        f"the shared, {facts['top300_F_rest']:.0%} of the rest; among the 300 most variable: "
        f"{facts['top300_variance_shared']:.0%} of the shared, {facts['top300_variance_rest']:.0%} of the rest\n"
    )
    return facts


if __name__ == "__main__":
    main()
