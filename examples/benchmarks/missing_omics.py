"""Missing omics on TCGA BRCA: embedding stability, metrics and cross-omic imputation.

1. Fit POEMS on the complete training part (two seeds, to measure how much the
   embedding moves from one seed to the next), and on the same part with 30% of the
   patients missing one omic (chosen at random among the three). Compare the
   complete test patients' embeddings after the best orthogonal alignment
   (Procrustes): relative distance to the reference embedding, for the other seed
   and for the model trained with missing omics.
2. Score the test embeddings (paper protocol) with and without 30% of the test
   patients missing one omic.
3. Hide the miRNA block of 30% of the test patients and impute it from their mRNA
   and methylation (``impute``); report R^2 against the hidden values, next to
   filling with the training means and, as a supervised reference, a ridge
   regression from mRNA and methylation to miRNA fitted on the training part.

    python examples/benchmarks/missing_omics.py                       # the default POEMS
    python examples/benchmarks/missing_omics.py --paper-config --max-iter 600
    python examples/benchmarks/missing_omics.py --params '{"omic_dropout": 0.0}'
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from scipy.linalg import orthogonal_procrustes
from sklearn.linear_model import RidgeCV

from skpoems import PAPER_CONFIG, POEMSTransformer
from skpoems._experiment import split_and_scale
from skpoems.datasets import load_tcga_brca
from skpoems.metrics import evaluate_embedding


def hide_blocks(X, rows_by_omic: dict[str, np.ndarray]):
    """A copy of the MultiIndex DataFrame X with whole omic blocks set to NaN."""
    X = X.copy()
    for omic, rows in rows_by_omic.items():
        X.loc[X.index[rows], omic] = np.nan
    return X


def random_missing(n: int, omics: list[str], fraction: float, rng) -> dict[str, np.ndarray]:
    """``fraction`` of the samples each lose one omic chosen at random."""
    rows = rng.choice(n, size=int(round(fraction * n)), replace=False)
    which = rng.randint(len(omics), size=len(rows))
    return {omic: rows[which == v] for v, omic in enumerate(omics)}


def aligned_distance(A: np.ndarray, B: np.ndarray) -> float:
    """||A R - B|| / ||B|| after centring and the best rotation R (Procrustes)."""
    A, B = A - A.mean(0), B - B.mean(0)
    R, _ = orthogonal_procrustes(A, B)
    return float(np.linalg.norm(A @ R - B) / np.linalg.norm(B))


def r2(truth: np.ndarray, pred: np.ndarray) -> float:
    return float(1 - ((truth - pred) ** 2).sum() / ((truth - truth.mean(0)) ** 2).sum())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--fraction", type=float, default=0.3)
    parser.add_argument("--split", type=int, default=0)
    parser.add_argument("--paper-config", action="store_true", help="start from skpoems.PAPER_CONFIG")
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help='POEMSTransformer parameters as JSON, e.g. \'{"objective": "elbo"}\'',
    )
    args = parser.parse_args(argv)
    if not 0 < args.fraction < 1:
        parser.error(
            f"--fraction must be in (0, 1) (the share of test patients that lose an omic), got {args.fraction}"
        )
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    brca = load_tcga_brca()
    split = split_and_scale(brca.data, brca.target, stratify=True, random_state=args.split)
    X_train, X_test, y_test = split.X_train, split.X_test, np.asarray(split.y_test)
    omics = list(brca.omic_names)
    rng = np.random.RandomState(0)
    paper = PAPER_CONFIG["POEMSTransformer"] if args.paper_config else {}

    def fit(X, seed):
        return POEMSTransformer(**{"max_iter": args.max_iter, **paper, **args.params}, random_state=seed).fit(X)

    full0, full1 = fit(X_train, 0), fit(X_train, 1)
    missing_train = random_missing(len(X_train), omics, args.fraction, rng)
    partial = fit(hide_blocks(X_train, missing_train), 0)
    missing_test = random_missing(len(X_test), omics, args.fraction, rng)
    X_test_missing = hide_blocks(X_test, missing_test)
    complete = np.setdiff1d(np.arange(len(X_test)), np.concatenate(list(missing_test.values())))

    Z_ref = full0.transform(X_test)
    report = {
        "train_patients_missing_an_omic": int(sum(len(r) for r in missing_train.values())),
        "test_patients_missing_an_omic": int(len(X_test) - len(complete)),
        "complete_test_embedding_distance": {
            "other_seed_complete_training": aligned_distance(full1.transform(X_test)[complete], Z_ref[complete]),
            "same_seed_training_with_missing": aligned_distance(partial.transform(X_test)[complete], Z_ref[complete]),
        },
        "metrics": {
            "complete_train_complete_test": evaluate_embedding(Z_ref, y_test),
            "complete_train_missing_test": evaluate_embedding(full0.transform(X_test_missing), y_test),
            "missing_train_missing_test": evaluate_embedding(partial.transform(X_test_missing), y_test),
        },
    }
    hidden = rng.choice(len(X_test), size=int(round(args.fraction * len(X_test))), replace=False)
    X_hidden = hide_blocks(X_test, {"miRNA": hidden})
    truth = X_test["miRNA"].to_numpy()[hidden]
    imputed = full0.impute(X_hidden)["miRNA"].to_numpy()[hidden]
    means = X_train["miRNA"].to_numpy().mean(0)
    # a supervised reference: ridge regression from the other omics to miRNA
    others = [o for o in omics if o != "miRNA"]
    ridge = RidgeCV(alphas=np.logspace(-1, 4, 11)).fit(X_train[others].to_numpy(), X_train["miRNA"].to_numpy())
    report["miRNA_imputation_r2"] = {
        "poems_impute": r2(truth, imputed),
        "training_means": r2(truth, np.broadcast_to(means, truth.shape)),
        "ridge_regression_reference": r2(truth, ridge.predict(X_test[others].to_numpy()[hidden])),
    }
    report["epochs"] = {"full_seed0": full0.n_iter_, "full_seed1": full1.n_iter_, "with_missing": partial.n_iter_}
    report["seconds"] = time.perf_counter() - t0
    print(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()
