"""Peak memory of the methods of a fitted POEMS model on a wide cohort with missing omics.

Run as ``python examples/benchmarks/wide_memory.py`` (about 2 minutes and 3 GB at
the default size). It fits a one-epoch POEMS on random float64 data of
``--samples`` samples and three omics of ``--dims`` features, 10% of the samples
lacking the third omic and 5% the second, saves it, and then runs ``transform``,
``inverse_transform`` (of the embedding) and ``impute`` of every sample, each in a
fresh process, printing its time and its peak resident memory above the process's
memory before the call (``ru_maxrss``). Run it on an otherwise idle machine, on two
versions of the code to compare them.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def make_data(n: int, dims: list[int]) -> dict[str, np.ndarray]:
    rng = np.random.RandomState(0)
    X = {f"omic{v}": rng.rand(n, d) for v, d in enumerate(dims)}
    X[f"omic{len(dims) - 1}"][: n // 10] = np.nan
    if len(dims) > 1:
        X["omic1"][n // 10 : n // 10 + n // 20] = np.nan
    return X


def measure(method: str, model: str, n: int, dims: list[int]) -> str:
    import joblib
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X = make_data(n, dims)
    est = joblib.load(model)
    est.transform({k: v[:10] for k, v in X.items()})  # first-call costs out of the peak
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if method == "transform":
        est.transform(X)
    elif method == "inverse_transform":
        est.inverse_transform(est.transform(X))
    else:
        est.impute(X)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (
        f"{method}: {time.perf_counter() - start:.1f} s, "
        f"peak +{(after - before) / 1024:.0f} MiB over {before / 1024:.0f} MiB"
    )


def fit(model: str, n: int, dims: list[int]) -> None:
    import joblib
    import torch

    from skpoems import POEMSTransformer

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = POEMSTransformer(n_components=8, max_iter=1, random_state=0).fit(make_data(n, dims))
    joblib.dump(est, model)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--dims", default="20000,50000,1500", help="features per omic")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    dims = [int(d) for d in args.dims.split(",")]
    if args.measure == "fit":
        fit(args.model, args.samples, dims)
        return 0
    if args.measure:
        print(measure(args.measure, args.model, args.samples, dims), flush=True)
        return 0
    # every step in a child process: Linux keeps a process's peak resident memory
    # across exec, so a child of a parent that had fitted the model would start
    # from the parent's peak and show nothing
    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "model.joblib")
        subprocess.run(
            [sys.executable, __file__, "--measure", "fit", "--model", model,
             "--samples", str(args.samples), "--dims", args.dims],
            check=True,
        )
        print(
            f"POEMS (8 factors, one epoch) on {args.samples} samples x {' + '.join(map(str, dims))} "
            f"float64 features, 10% lacking omic{len(dims) - 1}, 5% omic1; one thread:"
        )
        for method in ("transform", "inverse_transform", "impute"):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", method, "--model", model,
                 "--samples", str(args.samples), "--dims", args.dims],
                capture_output=True, text=True, check=True,
            )
            print("  " + out.stdout.strip(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
