"""Benchmark of the memory a POEMS fit takes, as a multiple of its input.

Run as ``python -m skpoems.benchmarks memory``. Each measurement runs in a
fresh process (``ru_maxrss``, the peak resident set size, only grows), on
random data in [0, 1] of ``--samples`` samples of ``--dims`` features
(default 600 x (20,000 + 15,000 + 5,000), a genome-scale cohort), for three
input forms: a list of float32 arrays, a list of float64 arrays and one float32
pandas DataFrame with (omic, feature) columns. It prints, above the process's
memory before the data existed and as a multiple of the input's size:

* ``setup``: the peak when training is about to start (input validation,
  the checks of the data's scale, the validation split, the model and the
  training and validation tensors: the copies of the data a fit makes);
* ``fit``: the peak of a whole one-epoch fit (the epoch adds the decoders'
  activations, which grow with the batch size times the features, not with the
  samples, and the end-of-fit embedding of every sample);
* ``transform``: the peak of ``transform`` of every sample (by a model fitted
  on 16 of them at batch 8, so that the fit's own peak stays below).

Numbers include the input itself (1.0x). Run it on an otherwise idle machine
with enough memory (about 2 GB at the default size).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings

import numpy as np

from skpoems.benchmarks import positive_int

DESCRIPTION = "peak memory of a POEMS fit and transform as a multiple of the input (fresh processes)"

FORMS = ("float32 list", "float64 list", "float32 frame")


class _TrainingStarts(Exception):
    pass


def _input(form: str, n_samples: int, dims: tuple[int, ...]):
    import pandas as pd

    rng = np.random.default_rng(0)
    dtype = np.float64 if form.startswith("float64") else np.float32
    blocks = [rng.random((n_samples, d), dtype=dtype) for d in dims]
    if form.endswith("list"):
        return blocks
    columns = pd.MultiIndex.from_tuples(
        [(f"omic{v}", f"f{j}") for v, d in enumerate(dims) for j in range(d)], names=["omic", "feature"]
    )
    return pd.DataFrame(np.concatenate(blocks, axis=1), columns=columns, copy=False)


def _worker(form: str, stage: str, n_samples: int, dims: tuple[int, ...]) -> None:
    import torch

    from skpoems import POEMSTransformer
    from skpoems._base import _BaseOmicsTransformer
    from skpoems.benchmarks.decoder import _current_rss, _peak_rss

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    base = _current_rss() or _peak_rss()
    X = _input(form, n_samples, dims)
    size = sum(x.nbytes for x in X) if isinstance(X, list) else int(X.to_numpy().nbytes)
    est = POEMSTransformer(max_iter=1, n_iter_no_change=None, random_state=0)
    if stage == "setup":
        def stop(self, *args, **kwargs):
            raise _TrainingStarts

        # the optimiser is made right after the training and validation tensors
        _BaseOmicsTransformer._make_optimizer = stop
        try:
            est.fit(X)
        except _TrainingStarts:
            pass
    elif stage == "fit":
        est.fit(X)
    else:  # a model fitted on a few of the samples (little memory), then transform of all
        few = [x[:16] for x in X] if isinstance(X, list) else X.iloc[:16]
        est.set_params(batch_size=8, early_stopping=False).fit(few)
        est.transform(X)
    print(json.dumps({"peak": _peak_rss() - base, "input": size}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skpoems.benchmarks memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--samples", type=positive_int, default=600)
    parser.add_argument("--dims", default="20000,15000,5000", help="features per omic, comma-separated")
    parser.add_argument("--forms", default=",".join(FORMS), help="input forms, comma-separated: " + ", ".join(FORMS))
    parser.add_argument("--worker", nargs=2, metavar=("FORM", "STAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    dims = tuple(int(d) for d in args.dims.split(","))
    if args.worker:
        _worker(args.worker[0], args.worker[1], args.samples, dims)
        return 0
    forms = [f.strip() for f in args.forms.split(",")]
    unknown = [f for f in forms if f not in FORMS]
    if unknown:
        parser.error(f"unknown form(s) {unknown}; choose from {list(FORMS)}")
    print(f"POEMSTransformer, {args.samples} samples x ({' + '.join(map(str, dims))}) features, one epoch, "
          "one thread; peak resident memory above the process's memory before the data, as a multiple of the input:")
    for form in forms:
        row = []
        for stage in ("setup", "fit", "transform"):
            out = subprocess.run(
                [sys.executable, "-m", "skpoems.benchmarks.memory", "--samples", str(args.samples),
                 "--dims", args.dims, "--worker", form, stage],
                capture_output=True, text=True, check=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            row.append(f"{stage} {result['peak'] / result['input']:.2f}x")
        print(f"  {form} ({result['input'] / 2**20:.0f} MiB): " + ", ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
