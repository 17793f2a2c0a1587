"""scikit-learn's estimator checks, every one of them, for every estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skpoems import (
    MOCSSAETransformer,
    MOCSSSparseVAETransformer,
    MOCSSVAETransformer,
    POEMSTransformer,
    POEMTransformer,
)

TINY_POE = dict(n_components=2, max_iter=2, encoder_hidden=(8,), decoder_hidden=8, gating_hidden=4)
TINY_MOCSS = dict(n_components=2, max_iter=2, encoder_hidden=(8,))

ESTIMATORS = [
    POEMSTransformer(**TINY_POE),
    POEMTransformer(**TINY_POE),
    MOCSSAETransformer(**TINY_MOCSS),
    MOCSSVAETransformer(**TINY_MOCSS),
    MOCSSSparseVAETransformer(**TINY_MOCSS, decoder_hidden=8),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_inverse_transform_takes_no_routable_metadata(est):
    """Its input was named Z, which scikit-learn took for metadata: every
    estimator had a spurious set_inverse_transform_request(Z=...)."""
    assert not hasattr(est, "set_inverse_transform_request")
    assert est.get_metadata_routing().consumes("inverse_transform", ["Z"]) == set()
