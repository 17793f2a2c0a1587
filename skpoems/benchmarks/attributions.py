"""Benchmark of decoder attributions (``top_features(est, X=X)``) on a wide cohort.

Run as ``python -m skpoems.benchmarks attributions``. It fits a POEMSTransformer
(``--model mocss_sparse_vae``: a MOCSSSparseVAETransformer) for a few epochs
on random data of a wide cohort (default 500 samples of 20,000
+ 5,000 + 800 features, a genome-wide mRNA panel), then, each in a fresh
process, computes :func:`skpoems.inspection.decoder_attributions` (what
``top_features`` and ``skpoems run`` use to rank features) with

* the closed-form Jacobian of the sparse decoder
  (:func:`skpoems._sparse_decoder.sparse_decode_abs_jacobian_mean`, the default;
  for MOCSS-SparseVAE, the block structure of its decoder too: each omic from its
  own specific code and the shared code);
* the generic path: central differences through the whole decoder, one factor
  at a time, in bounded blocks of samples,

and prints the seconds, the peak resident memory of each process, their ratio
and the largest difference between the two results. With ``--model mocss_ae``
or ``--model poem`` (dense decoders, differentiated by forward-mode automatic
differentiation) it compares instead every factor at once (``vmap`` over the
tangents, one primal pass shared by them; the default) with one ``jvp`` per
factor. Run it on an otherwise idle
machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

DESCRIPTION = "decoder attributions on a wide cohort: closed-form Jacobian vs finite differences"


def _data(n_samples: int, dims: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.random((n_samples, d), dtype=np.float32) for d in dims]


def _worker(spec: dict) -> dict:
    """Fit (same seed in every process) and time one attribution method."""
    from skpoems import MOCSSAETransformer, MOCSSSparseVAETransformer, POEMSTransformer, POEMTransformer, inspection
    from skpoems.benchmarks.decoder import _peak_rss
    from skpoems.inspection import _decoder_jacobian_abs_mean

    torch.set_num_threads(spec["threads"])
    X = _data(spec["n_samples"], tuple(spec["dims"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls = {"poems": POEMSTransformer, "mocss_sparse_vae": MOCSSSparseVAETransformer,
               "mocss_ae": MOCSSAETransformer, "poem": POEMTransformer}[spec["model"]]
        est = cls(max_iter=spec["epochs"], random_state=0).fit(X)
    if not spec.get("batched", True):  # one jvp per factor, as before the batched path
        inspection._all_factors_abs_jacobian_mean = lambda *args: None
    Z = est.transform(X)
    before = _peak_rss()
    start = time.perf_counter()
    A = _decoder_jacobian_abs_mean(est, Z, closed_form=spec["closed_form"])
    seconds = time.perf_counter() - start
    np.save(spec["out"], np.concatenate(A, axis=0))
    return {"seconds": seconds, "peak_rss": _peak_rss(), "peak_before": before}


def _run(spec: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "skpoems.benchmarks.attributions", "--worker", json.dumps(spec)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skpoems.benchmarks attributions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--dims", default="20000,5000,800", help="features per omic, comma-separated")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs before measuring")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--model", choices=["poems", "mocss_sparse_vae", "mocss_ae", "poem"], default="poems")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(json.loads(args.worker))))
        return 0
    dims = [int(d) for d in args.dims.split(",")]
    print(f"decoder attributions of {args.model}: {args.samples} samples, {'+'.join(map(str, dims))} "
          f"features, {args.threads} torch thread(s), each method in a fresh process")
    dense = args.model in ("mocss_ae", "poem")
    variants = (
        (("all factors at once", {"closed_form": True, "batched": True}),
         ("one factor at a time", {"closed_form": True, "batched": False}))
        if dense else
        (("closed form", {"closed_form": True}), ("finite differences", {"closed_form": False}))
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, variant) in enumerate(variants):
            spec = {"n_samples": args.samples, "dims": dims, "epochs": args.epochs, "threads": args.threads,
                    "model": args.model, **variant, "out": str(Path(tmp) / f"{i}.npy")}
            results[label] = r = _run(spec)
            r["A"] = np.load(spec["out"])
            print(f"  {label:20s} {r['seconds']:8.2f} s   peak RSS {r['peak_rss'] / 2**20:8.0f} MiB "
                  f"(after the fit {r['peak_before'] / 2**20:.0f} MiB)")
    a, b = (results[label] for label, _ in variants)
    print(f"  speed-up of {'every factor at once' if dense else 'the closed form'}: "
          f"{b['seconds'] / a['seconds']:.1f}x; "
          f"largest |difference| {np.abs(a['A'] - b['A']).max():.1e} (largest value {np.abs(b['A']).max():.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
