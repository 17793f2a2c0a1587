"""The ``skpoems`` command: the paper's experiments from the shell.

``skpoems run``
    One model under the paper's evaluation protocol, end to end, with its
    embeddings, gating weights, W matrices, metrics, history and figures.
``skpoems benchmark``
    The five models plus PCA and raw-feature baselines under the same protocol.
``skpoems sweep``
    The paper's hyper-parameter grid selected by validation loss, locally
    (joblib) or on a Dask cluster.
``skpoems discover``
    Subtypes of a cohort without labels: the model fitted on every sample, k-means
    clusters of its embedding and each cluster's marker features.
``skpoems embed``
    New samples embedded by the model that ``skpoems run`` saved.

``skpoems`` with no arguments is ``skpoems run``: POEMS on the bundled TCGA BRCA
set; it stops on its own within a few minutes on two CPU cores. ``--max-iter``
(default :data:`DEMO_MAX_ITER`) caps the epochs of models that do not stop on
their own; the paper trains for up to 5000 epochs (``--max-iter 5000``).

The package holds one module per subcommand (``_run``, ``_benchmark``,
``_sweep_command``, ``_discover``, ``_embed``, ``_gdc``) and the modules they
share: ``_main`` (:func:`main`), ``_parser`` (:func:`build_parser`),
``_argtypes`` and ``_options`` (the options), ``_errors``, ``_data``,
``_estimator``, ``_cpu``, ``_summary``, ``_outputs`` and ``_figures``.
"""

from ._argtypes import FIGURE_FORMATS
from ._cpu import auto_threads
from ._figures import write_figures
from ._main import main
from ._options import DEMO_MAX_ITER
from ._outputs import write_run_outputs
from ._parser import build_parser

__all__ = [
    "DEMO_MAX_ITER",
    "FIGURE_FORMATS",
    "auto_threads",
    "build_parser",
    "main",
    "write_figures",
    "write_run_outputs",
]
