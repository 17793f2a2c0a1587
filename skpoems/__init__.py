"""skpoems: interpretable multi-omics integration with a scikit-learn API.

Estimators
----------
POEMSTransformer, POEMTransformer
    Gated product-of-experts VAEs (sparse and dense decoders).
MOCSSAETransformer, MOCSSVAETransformer, MOCSSSparseVAETransformer
    Shared and specific representations with contrastive alignment.

Input helpers
-------------
concat_omics, split_omics

Submodules
----------
datasets
    Bundled real data (TCGA BRCA, nutrimouse), folder loaders, synthetic data.
metrics
    The paper's evaluation protocol.
inspection
    Biomarkers, omic contributions, variance explained (tables).
plotting
    The paper's figures (needs the ``plot`` extra: matplotlib).
preprocessing
    Per-omic scaling, imputation and feature selection that keep the omics apart
    (``OmicTransformer``, ``SelectTopVariance``), for pipelines.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names below, for type checkers and IDEs
    from . import datasets, inspection, metrics, plotting, preprocessing
    from ._mocss import MOCSSAETransformer, MOCSSSparseVAETransformer, MOCSSVAETransformer
    from ._omics import concat_omics, split_omics
    from ._paper import PAPER_CONFIG
    from ._poems import POEMSTransformer, POEMTransformer
    from .metrics import clustering_accuracy, evaluate_embedding

# Imported on first use (PEP 562), as scikit-learn and scipy do: ``import
# skpoems``, the data loaders, the metrics and ``skpoems --help`` do not load
# torch (about 1.7 s); the estimators do.
_SUBMODULES = ("datasets", "inspection", "metrics", "plotting", "preprocessing")
_ATTRIBUTES = {
    "MOCSSAETransformer": "._mocss",
    "MOCSSSparseVAETransformer": "._mocss",
    "MOCSSVAETransformer": "._mocss",
    "POEMSTransformer": "._poems",
    "POEMTransformer": "._poems",
    "PAPER_CONFIG": "._paper",
    "concat_omics": "._omics",
    "split_omics": "._omics",
    "clustering_accuracy": ".metrics",
    "evaluate_embedding": ".metrics",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _ATTRIBUTES:
        value = getattr(importlib.import_module(_ATTRIBUTES[name], __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# pickles of the estimators record this and warn when loaded by another version:
# change it with every change of the fitted state
__version__ = "0.1.0.dev2"

__all__ = [
    "PAPER_CONFIG",
    "MOCSSAETransformer",
    "MOCSSSparseVAETransformer",
    "MOCSSVAETransformer",
    "POEMSTransformer",
    "POEMTransformer",
    "clustering_accuracy",
    "concat_omics",
    "datasets",
    "evaluate_embedding",
    "inspection",
    "metrics",
    "plotting",
    "preprocessing",
    "split_omics",
    "__version__",
]
