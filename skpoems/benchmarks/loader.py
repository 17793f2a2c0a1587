"""Benchmark of the folder loader on a wide cohort.

Run as ``python -m skpoems.benchmarks loader``. It writes a folder of CSV tables
(default 500 samples x 32,000 + 8,000 + 2,000 features, samples as rows, and a
labels file) to a temporary directory, then times
:func:`skpoems.datasets.load_omics_tables` on it against plain
``pandas.read_csv(file, index_col=0)`` of the same omic files, and prints both
and their ratio: what the loader's checks (separator and decimal mark, header
row, repeated names, orientation, sample matching) cost on top of reading the
numbers. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from skpoems.benchmarks import positive_int

DESCRIPTION = "load_omics_tables on a wide folder of CSVs against plain pandas.read_csv"


def _write_folder(folder: Path, n_samples: int, dims: list[int], seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    samples = [f"TCGA-{i:04d}" for i in range(n_samples)]
    files = []
    for v, d in enumerate(dims):
        block = pd.DataFrame(
            rng.random((n_samples, d)).round(4), index=pd.Index(samples, name="sample"),
            columns=[f"omic{v}_f{j}" for j in range(d)],
        )
        files.append(folder / f"omic{v}.csv")
        block.to_csv(files[-1])
    labels = pd.Series(rng.choice(["A", "B", "C"], n_samples), index=pd.Index(samples, name="sample"), name="subtype")
    labels.to_csv(folder / "labels.csv")
    return files


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the times and their ratio."""
    parser = argparse.ArgumentParser(
        prog="python -m skpoems.benchmarks loader", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--samples", type=positive_int, default=500)
    parser.add_argument("--dims", default="32000,8000,2000", help="features per omic, comma-separated")
    parser.add_argument("--repeats", type=positive_int, default=2, help="runs of each; the best is kept")
    args = parser.parse_args(argv)
    dims = [int(d) for d in args.dims.split(",")]

    from skpoems.datasets import load_omics_tables

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = _write_folder(folder, args.samples, dims)
        loader, plain = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data = load_omics_tables(folder)
            loader.append(time.perf_counter() - start)
            start = time.perf_counter()
            for file in files:
                pd.read_csv(file, index_col=0)
            plain.append(time.perf_counter() - start)
    shape = " + ".join(map(str, dims))
    print(
        f"folder loader: {args.samples} samples x ({shape}) features, {len(dims)} CSV files + labels; "
        f"best of {args.repeats}"
    )
    print(f"  load_omics_tables     {min(loader):8.2f} s   ({data.data.shape[0]} x {data.data.shape[1]} loaded)")
    print(f"  pandas.read_csv only  {min(plain):8.2f} s")
    print(f"  ratio: {min(loader) / min(plain):.2f}x plain reading")
    return 0
