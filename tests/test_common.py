"""scikit-learn's estimator checks, every one of them, for every estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skpoems import POEMSTransformer, POEMTransformer

ESTIMATORS = [
    POEMSTransformer(n_components=2, max_iter=2, encoder_hidden=(8,), decoder_hidden=8, gating_hidden=4),
    POEMTransformer(n_components=2, max_iter=2, encoder_hidden=(8,), decoder_hidden=8, gating_hidden=4),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
