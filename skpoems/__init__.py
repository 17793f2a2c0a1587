"""skpoems: interpretable multi-omics integration with a scikit-learn API.

Estimators
----------
POEMSTransformer, POEMTransformer
    Gated product-of-experts VAEs (sparse and dense decoders).

Input helpers
-------------
concat_omics, split_omics
"""

from ._omics import concat_omics, split_omics
from ._poems import POEMSTransformer, POEMTransformer

__version__ = "0.1.0.dev0"

__all__ = [
    "POEMSTransformer",
    "POEMTransformer",
    "concat_omics",
    "split_omics",
    "__version__",
]
