"""Finding swapped samples with ``score_samples``: TCGA BRCA with planted swaps.

A classic error of multi-omics cohorts is a sample swap: one omic of a patient
holds another patient's measurements. This script plants such swaps in the test
patients of a stratified 80/20 split of TCGA BRCA (one omic exchanged between
pairs of patients of different PAM50 subtypes, so the two omics of a swapped
patient tell different stories), fits POEMS on the training patients, and asks
how well each score ranks the swapped patients below the others (ROC AUC of
minus the score; 0.5 is chance, 1 is perfect):

* POEMS ``score_samples``: the ELBO of each patient under the fitted model;
* PCA ``score_samples`` (probabilistic PCA, the omics side by side): the
  linear baseline with a log-likelihood of its own;
* per-omic PCA log-likelihoods summed: a baseline that sees each omic alone
  and cannot notice that the omics of a patient disagree (a swapped patient's
  omics are each a real patient's), so it should sit near chance.

    python examples/benchmarks/sample_swaps.py --max-iter 400
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

from skpoems import POEMSTransformer
from skpoems._experiment import split_and_scale
from skpoems.datasets import load_tcga_brca


def plant_swaps(X: pd.DataFrame, y: np.ndarray, omic: str, n_pairs: int, rng: np.random.Generator):
    """Exchange ``omic`` between ``n_pairs`` pairs of patients of different labels."""
    values = X.to_numpy(copy=True)
    cols = np.arange(X.shape[1])[X.columns.get_loc(omic)]
    swapped = np.zeros(len(X), dtype=bool)
    for i in rng.permutation(len(X)):
        if swapped.sum() >= 2 * n_pairs:
            break
        if swapped[i]:
            continue
        partners = np.flatnonzero(~swapped & (y != y[i]))
        partners = partners[partners != i]
        if partners.size == 0:
            continue
        j = rng.choice(partners)
        values[np.ix_([i, j], cols)] = values[np.ix_([j, i], cols)]
        swapped[[i, j]] = True
    return pd.DataFrame(values, index=X.index, columns=X.columns), swapped


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--pairs", type=int, default=10, help="swapped pairs per omic (default 10)")
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--components", type=int, default=32, help="PCA components (default 32)")
    parser.add_argument("--repeats", type=int, default=3, help="draws of the swaps per omic (default 3)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    brca = load_tcga_brca()
    split = split_and_scale(brca.data, brca.target, random_state=args.split_seed, stratify=True)
    omics = list(dict.fromkeys(split.X_train.columns.get_level_values(0)))
    start = time.perf_counter()
    est = POEMSTransformer(max_iter=args.max_iter, random_state=0).fit(split.X_train)
    fit_s = time.perf_counter() - start
    joint = PCA(args.components, random_state=0).fit(split.X_train)
    single = {o: PCA(min(args.components, split.X_train[o].shape[1]), random_state=0).fit(split.X_train[o])
              for o in omics}
    y = np.asarray(split.y_test)
    rows = []
    for omic in omics:
        for repeat in range(args.repeats):
            rng = np.random.default_rng(100 * args.split_seed + repeat)
            X_bad, swapped = plant_swaps(split.X_test, y, omic, args.pairs, rng)
            scores = {
                "POEMS score_samples": est.score_samples(X_bad),
                f"PCA-{args.components} score_samples": joint.score_samples(X_bad),
                "per-omic PCA, summed": sum(single[o].score_samples(X_bad[o]) for o in omics),
            }
            rows.append({"swapped omic": omic, "repeat": repeat,
                         **{name: roc_auc_score(swapped, -s) for name, s in scores.items()}})
    table = pd.DataFrame(rows).groupby("swapped omic", sort=False).mean().drop(columns="repeat")
    print(f"POEMS: {est.n_iter_} epochs in {fit_s:.0f} s; test patients: {len(y)}, "
          f"{2 * args.pairs} of them swapped per omic, {args.repeats} draws of the swaps")
    print("ROC AUC of minus the score for the swapped patients (0.5 = chance)")
    print(table.round(3).to_string())
    return table


if __name__ == "__main__":
    main()
