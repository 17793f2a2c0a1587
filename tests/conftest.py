"""Shared test configuration."""

import os

# scikit-learn runs its array-API estimator check only when scipy's array API
# support is switched on, which must happen before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
