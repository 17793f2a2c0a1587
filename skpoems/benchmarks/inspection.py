"""Benchmark of the steps after training on a wide cohort, against one epoch.

Run as ``python -m skpoems.benchmarks inspection``. On random data of a wide
cohort (default 400 samples of 20,000 + 5,000 + 800 features, scaled to
[0, 1]), it fits a POEMSTransformer for a few epochs and measures, in this one
process, each step as a multiple of one training epoch (so the ratios do not
depend on the machine's speed):

* ``transform`` of every sample;
* ``impute`` of 2% of the samples that lack their last omic, against
  ``transform`` (it decodes only those samples: decoding every omic's features
  costs far more per sample than encoding);
* ``inspection.group_markers`` with 4 groups: time and peak numpy memory
  (``tracemalloc``) as a multiple of the data's size (it tests the features a
  chunk at a time);
* ``inspection.variance_explained`` of a POEMSTransformer at the shape of
  the TCGA BRCA test split (``--shapley-samples`` 154 patients of
  ``--shapley-dims`` 1000 + 1000 + 503 features, ``--shapley-permutations``
  4 orders of the 32 factors): the sampled orders computed incrementally
  along each order (one rank-one update of the decoder's pre-activations per
  factor added) against decoding every coalition afresh, the time ratio and
  the largest difference between the two tables;
* ``inspection.variance_explained(n_permutations=2)`` of a
  MOCSSSparseVAETransformer on 2, 4 and 8 omics (``--omic-features`` each):
  one Shapley game per omic over the columns its decoder reads, so its
  seconds per omic stay level as omics are added (it grew with their number
  before), as does its ratio to an epoch (which grows with the omics too).

Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from unittest import mock

import numpy as np
import torch

from skpoems.benchmarks import positive_int

DESCRIPTION = "steps after training on a wide cohort (impute, group_markers, variance_explained) against one epoch"


def _cohort(n_samples: int, dims: tuple[int, ...], seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_samples, 6))
    blocks = {}
    for v, d in enumerate(dims):
        x = factors @ rng.standard_normal((6, d)) * (rng.random(d) < 0.2) + rng.standard_normal((n_samples, d))
        x = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))
        blocks[f"omic{v}"] = x.astype(np.float32)
    return blocks


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _epoch_seconds(est) -> float:
    return float(np.median([h["time_s"] for h in est.history_]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skpoems.benchmarks inspection",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--samples", type=positive_int, default=400)
    parser.add_argument("--dims", default="20000,5000,800", help="features per omic, comma-separated")
    parser.add_argument("--epochs", type=positive_int, default=2, help="training epochs before measuring")
    parser.add_argument("--omic-features", type=positive_int, default=500,
                        help="features of each omic in the variance_explained part")
    parser.add_argument("--omic-counts", default="2,4,8", help="numbers of omics in the variance_explained part")
    parser.add_argument("--shapley-samples", type=positive_int, default=154)
    parser.add_argument("--shapley-dims", default="1000,1000,503",
                        help="features per omic in the POEMS variance_explained part")
    parser.add_argument("--shapley-permutations", type=positive_int, default=4)
    parser.add_argument("--threads", type=positive_int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    from skpoems import MOCSSSparseVAETransformer, POEMSTransformer
    from skpoems import inspection as inspection_module
    from skpoems.inspection import group_markers, variance_explained

    dims = tuple(int(d) for d in args.dims.split(","))
    X = _cohort(args.samples, dims)
    print(f"{args.samples} samples x ({' + '.join(map(str, dims))}) features, {args.threads} thread(s)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = POEMSTransformer(max_iter=args.epochs, n_iter_no_change=None, random_state=0).fit(X)
    epoch = _epoch_seconds(est)
    print(f"one training epoch (median of {args.epochs}): {epoch:.3f} s")

    _, t_transform = _timed(lambda: est.transform(X))
    missing = {k: v.copy() for k, v in X.items()}
    last = list(X)[-1]
    n_missing = max(1, args.samples // 50)
    missing[last][:n_missing] = np.nan
    _, t_impute = _timed(lambda: est.impute(missing))
    print(f"transform of {args.samples} samples: {t_transform:.3f} s = {t_transform / epoch:.2f} epochs")
    print(f"impute of {n_missing} samples lacking {last}: {t_impute:.3f} s = {t_impute / epoch:.2f} epochs, "
          f"{t_impute / t_transform:.2f}x transform")

    groups = np.arange(args.samples) % 4
    data_bytes = sum(x.nbytes for x in X.values())
    tracemalloc.start()
    _, t_markers = _timed(lambda: group_markers(X, groups, n=50))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"group_markers, 4 groups: {t_markers:.3f} s = {t_markers / epoch:.2f} epochs; peak numpy memory "
          f"{peak / 2**20:.0f} MiB = {peak / data_bytes:.2f}x the data ({data_bytes / 2**20:.0f} MiB)")

    shapley_dims = tuple(int(d) for d in args.shapley_dims.split(","))
    Xs = _cohort(args.shapley_samples, shapley_dims, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poems = POEMSTransformer(max_iter=args.epochs, n_iter_no_change=None, random_state=0).fit(Xs)
    n_perm = args.shapley_permutations
    chained, t_chained = _timed(lambda: variance_explained(poems, Xs, n_permutations=n_perm, random_state=0))
    with mock.patch.object(inspection_module, "_chain_values", return_value=None):
        fresh, t_fresh = _timed(lambda: variance_explained(poems, Xs, n_permutations=n_perm, random_state=0))
    difference = np.abs(chained.to_numpy(float) - fresh.to_numpy(float)).max()
    print(f"variance_explained(n_permutations={n_perm}) of POEMS ({args.shapley_samples} samples x "
          f"({' + '.join(map(str, shapley_dims))}) features, {chained.attrs['method']}): "
          f"incremental chains {t_chained:.2f} s, every coalition decoded afresh {t_fresh:.2f} s: "
          f"{t_fresh / t_chained:.2f}x faster; largest difference {difference:.1e}")

    print("variance_explained(n_permutations=2) of MOCSS-SparseVAE "
          f"({args.samples} samples, {args.omic_features} features per omic):")
    for n_omics in (int(c) for c in args.omic_counts.split(",")):
        Xv = _cohort(args.samples, (args.omic_features,) * n_omics, seed=n_omics)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mocss = MOCSSSparseVAETransformer(max_iter=args.epochs, n_iter_no_change=None, random_state=0).fit(Xv)
        mocss_epoch = _epoch_seconds(mocss)
        # (B023: _timed calls the lambda at once, in this iteration)
        _, t_var = _timed(lambda: variance_explained(mocss, Xv, n_permutations=2, random_state=0))  # noqa: B023
        print(f"  {n_omics} omics: {t_var:.2f} s, {t_var / n_omics:.2f} s per omic, "
              f"= {t_var / mocss_epoch:.1f} epochs (one epoch {mocss_epoch:.3f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
