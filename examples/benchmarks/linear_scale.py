"""What a missing log transform costs: TCGA BRCA's omics on their linear scale.

The bundled mRNA and miRNA values are log2-scale. Exponentiated back
(``2 ** x``, the scale of read counts, TPM or intensities) and then min-max
scaled as usual, a few patients dominate each feature. This script scores PCA
of each form with the paper's protocol (k-means ACC / NMI and k-NN ACC of the
test patients, the paper's five seeds) on stratified 80/20 splits, min-max
scaling fitted on the training part, and prints the typical feature skewness
that the models' warning looks at (``skpoems._omics.typical_skewness``; the
warning fires above ``LINEAR_SCALE_SKEWNESS`` when a log at least halves it, or
when that holds for the values above each feature's minimum:
``skpoems._omics.linear_scale_skewness``). ``log1p`` of the linear values
is the remedy the warning prints (``skpoems run --log``).

    python examples/benchmarks/linear_scale.py --splits 5
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from skpoems._omics import linear_scale_skewness, typical_skewness
from skpoems.datasets import load_tcga_brca
from skpoems.metrics import evaluate_embedding


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--components", type=int, default=8)
    args = parser.parse_args(argv)
    brca = load_tcga_brca()
    y = np.asarray(brca.target)
    rows = []
    for omic in ("mRNA", "miRNA"):
        log2 = brca.data[omic].to_numpy(dtype=np.float64)
        forms = {"log2 (as bundled)": log2, "linear, 2 ** x": np.exp2(log2), "log1p of linear": np.log1p(np.exp2(log2))}
        for form, values in forms.items():
            scores = []
            for seed in range(args.splits):
                train, test = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=seed)
                scaler = MinMaxScaler().fit(values[train])
                pca = PCA(args.components, random_state=0).fit(scaler.transform(values[train]))
                scores.append(evaluate_embedding(pca.transform(scaler.transform(values[test])), y[test]))
            mean = pd.DataFrame(scores)[["kmeans_acc", "kmeans_nmi", "knn_acc"]].mean()
            skewness, logged = typical_skewness(values), typical_skewness(values, logged=True)
            rows.append({"omic": omic, "values": form, "typical skewness": round(skewness, 2),
                         "after a log": round(logged, 2),
                         "warns": linear_scale_skewness(values) is not None,
                         **mean.round(3).to_dict()})
    table = pd.DataFrame(rows)
    print(f"PCA-{args.components} of one omic, {args.splits} stratified splits of TCGA BRCA (mean)")
    print(table.to_string(index=False))
    return table


if __name__ == "__main__":
    main()
