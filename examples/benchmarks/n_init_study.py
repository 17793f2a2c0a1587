"""Does ``n_init`` (keep the init with the lowest held-out loss) give better embeddings?

For each stratified 80/20 split, trains every init of one ``n_init=N`` fit of the
default POEMS separately (the same validation split and the same seeds that
``POEMSTransformer(n_init=N)`` draws, so init ``i`` here is init ``i`` there, bit
for bit) and scores each one's test embedding with the paper's protocol
(k-means ACC / NMI and k-NN ACC over the paper's five seeds). Then it prints,
for every ``n = 1 .. N``, the mean test scores of the init that ``n_init=n``
would keep (the lowest held-out loss among the first ``n`` inits), next to the
mean over all inits (what one fit with a random seed scores on average), and
the rank correlation between held-out loss and test scores within each split.

    python examples/benchmarks/n_init_study.py --dataset nutrimouse --split-seeds 0-14 --inits 5 --out nm.csv
    python examples/benchmarks/n_init_study.py --dataset tcga_brca --split-seeds 0 --inits 3 --out a.csv &
    python examples/benchmarks/n_init_study.py --dataset tcga_brca --split-seeds 1 --inits 3 --out b.csv
    python examples/benchmarks/n_init_study.py --combine a.csv b.csv

Rows are appended to ``--out`` as each fit ends, so an interrupted run keeps
its finished fits. One torch thread per process (``--threads``).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from sklearn.exceptions import ConvergenceWarning

from skpoems import POEMSTransformer
from skpoems._experiment import load_dataset, run_protocol, split_and_scale

METRICS = ["kmeans_acc", "kmeans_nmi", "knn_acc"]


def one_init(index: int) -> type:
    """A POEMSTransformer class that trains only init ``index`` of its ``n_init``
    (a class attribute, so it survives the ``clone`` in ``run_protocol``)."""

    def _init_seeds(self, rng):
        return [POEMSTransformer._init_seeds(self, rng)[index]]

    return type(f"POEMSInit{index}", (POEMSTransformer,), {"_init_seeds": _init_seeds})


def parse_seeds(text: str) -> list[int]:
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    return seeds


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean test scores of the init that ``n_init=n`` keeps, for every ``n``."""
    n_max = int(runs["init"].max()) + 1
    rows = [{"kept init": "mean over all inits", **runs.groupby("split")[METRICS].mean().mean().to_dict()}]
    for n in range(1, n_max + 1):
        kept = [
            g.loc[g["validation_loss"].idxmin(), METRICS]
            for _, g in runs[runs["init"] < n].groupby("split")
            if len(g) == n
        ]
        if kept:  # splits with all of the first n inits trained
            rows.append({"kept init": f"n_init={n} ({len(kept)} splits)", **pd.DataFrame(kept).mean().to_dict()})
    table = pd.DataFrame(rows).set_index("kept init")
    print(table.round(3).to_string())
    for metric in METRICS[:2]:
        rho = [
            -spearmanr(g["validation_loss"], g[metric])[0]
            for _, g in runs.groupby("split")
            if len(g) > 2 and g[metric].nunique() > 1
        ]
        if not rho:
            continue
        print(
            f"Spearman(-held-out loss, {metric}) within splits: median {np.median(rho):.2f}, "
            f"{sum(r > 0 for r in rho)} of {len(rho)} positive"
        )
    return table


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="tcga_brca", choices=("tcga_brca", "nutrimouse"))
    parser.add_argument("--split-seeds", default="0-4", help="e.g. 0-4 or 0,3")
    parser.add_argument("--inits", type=int, default=3, help="N: the inits of n_init=N to train")
    parser.add_argument(
        "--only", default="", help="train only these inits (e.g. 0,2), to spread one split over processes"
    )
    parser.add_argument("--max-iter", type=int, default=5000, help="epoch budget (the default's)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="CSV to append each fit's row to")
    parser.add_argument("--combine", nargs="+", metavar="CSV", help="summarise earlier --out files, train nothing")
    args = parser.parse_args(argv)
    only = [int(i) for i in args.only.split(",")] if args.only else list(range(args.inits))
    if args.inits < 1 or not all(0 <= i < args.inits for i in only):
        parser.error(f"--only takes init numbers 0 .. {args.inits - 1} of --inits {args.inits}, got {args.only!r}")
    if args.combine:
        return summarise(pd.concat([pd.read_csv(f) for f in args.combine], ignore_index=True))
    torch.set_num_threads(args.threads)
    bunch = load_dataset(args.dataset)
    rows = []
    for seed in parse_seeds(args.split_seeds):
        split = split_and_scale(bunch.data, bunch.target, stratify=True, random_state=seed)
        for index in only:
            est = one_init(index)(n_init=args.inits, max_iter=args.max_iter, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                result = run_protocol(est, None, None, split=split)
            fitted = result.estimator
            row = {
                "dataset": args.dataset,
                "split": seed,
                "init": index,
                **{m: result.metrics[m] for m in METRICS},
                "validation_loss": -float(fitted.init_scores_[0]),
                "epochs": fitted.n_iter_,
                "fit_s": result.timings["fit_s"],
            }
            rows.append(row)
            print(
                f"{args.dataset} split {seed} init {index}: ACC {row['kmeans_acc']:.3f} NMI {row['kmeans_nmi']:.3f} "
                f"kNN {row['knn_acc']:.3f}  held-out loss {row['validation_loss']:.2f}  "
                f"epochs {row['epochs']}  {row['fit_s']:.0f}s",
                flush=True,
            )
            if args.out:
                pd.DataFrame([row]).to_csv(args.out, mode="a", header=not os.path.exists(args.out), index=False)
    return summarise(pd.DataFrame(rows))


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t0:.0f}s")
