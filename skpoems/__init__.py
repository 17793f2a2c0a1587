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

from . import datasets, inspection, metrics, plotting, preprocessing
from ._mocss import MOCSSAETransformer, MOCSSSparseVAETransformer, MOCSSVAETransformer
from ._omics import concat_omics, split_omics
from ._paper import PAPER_CONFIG
from ._poems import POEMSTransformer, POEMTransformer
from .metrics import clustering_accuracy, evaluate_embedding

__version__ = "0.1.0.dev0"

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
