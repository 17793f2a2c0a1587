"""Benchmarks of skpoems, runnable as ``python -m skpoems.benchmarks <name>``.

Each benchmark is a module of this package with a ``main(argv) -> int`` function and
a one-line ``DESCRIPTION``; :data:`BENCHMARKS` maps subcommand names to modules.

Available benchmarks:

``attributions``
    Decoder attributions (the feature ranking of ``top_features(est, X=X)``) on a
    wide cohort: the sparse decoder's closed-form Jacobian against finite
    differences, time and peak memory in fresh processes.

``decoder``
    The POEMS sparse decoder: the memory-bounded chunked implementation
    (:func:`skpoems._sparse_decoder.sparse_decode`) against the authors' naive
    vectorised formulation, forward + backward time, GFLOP/s relative to the
    machine's matmul throughput, and peak memory measured in fresh subprocesses.

``epoch``
    A whole training epoch of a default POEMSTransformer at the BRCA shape, ours
    against the naive formulation, and the peak memory of one epoch with a
    58,316-feature omic.

``inspection``
    The steps after training on a wide cohort (``transform``, ``impute``,
    ``group_markers``, MOCSS ``variance_explained`` on 2-8 omics), each as a
    multiple of one training epoch, and ``group_markers``' peak memory as a
    multiple of the data.

``memory``
    The peak memory of a POEMS fit (its setup, a one-epoch fit) and of
    ``transform`` on a genome-scale cohort, as a multiple of the input, in
    fresh processes, for list, float64 and DataFrame input.

``loader``
    The folder loader (``load_omics_tables``) on a wide folder of CSV tables,
    against plain ``pandas.read_csv`` of the same files.
"""

from __future__ import annotations

# the argparse type of counts (repeats, epochs, sizes): an integer >= 1
from skpoems._cli._argtypes import _positive_int as positive_int

#: Subcommand name -> module (inside this package) implementing ``main(argv)``.
#: To add a benchmark (e.g. a whole-estimator epoch benchmark), add a module with
#: ``DESCRIPTION`` and ``main(argv: list[str] | None = None) -> int`` and register
#: it here.
BENCHMARKS: dict[str, str] = {
    "attributions": "skpoems.benchmarks.attributions",
    "decoder": "skpoems.benchmarks.decoder",
    "epoch": "skpoems.benchmarks.epoch",
    "inspection": "skpoems.benchmarks.inspection",
    "loader": "skpoems.benchmarks.loader",
    "memory": "skpoems.benchmarks.memory",
}

__all__ = ["BENCHMARKS", "positive_int"]  # positive_int: for the benchmark modules


