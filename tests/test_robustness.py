"""Bad input, missing omics, divergence and persistence, for all five estimators."""

import copy
import pickle
import warnings
from unittest import mock

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from conftest import impute_r2_on_planted, make_planted, optimizer_step_hook
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

import skpoems
from skpoems import (
    MOCSSAETransformer,
    MOCSSSparseVAETransformer,
    MOCSSVAETransformer,
    POEMSTransformer,
    POEMTransformer,
    concat_omics,
)

ALL = [POEMSTransformer, POEMTransformer, MOCSSAETransformer, MOCSSVAETransformer, MOCSSSparseVAETransformer]
POE = [POEMSTransformer, POEMTransformer]


def tiny(cls, **kw):
    base = dict(n_components=3, max_iter=3, random_state=0, encoder_hidden=(8,))
    if cls in POE:
        base.update(decoder_hidden=8, gating_hidden=4)
    if cls is MOCSSSparseVAETransformer:
        base.update(decoder_hidden=8)
    return cls(**{**base, **kw})


def data(n=24, dims=(6, 4), seed=0):
    rng = np.random.RandomState(seed)
    return {f"om{v}": rng.rand(n, d) for v, d in enumerate(dims)}


def with_value(X, omic, row, col, value):
    X = {k: v.copy() for k, v in X.items()}
    X[omic][row, col] = value
    return X


FIT_ERRORS = {
    "None": (lambda: None, TypeError, r"X is None: pass the omics"),
    "a Series of omics": (lambda: pd.Series(list(data().values())), TypeError, r"X is a pandas Series"),
    "a list of dicts": (lambda: [{k: v} for k, v in data().items()], TypeError, r"X is a list holding a dict"),
    "stray NaN": (lambda: with_value(data(), "om1", 3, 2, np.nan), ValueError, r"'om1' contains NaN in 1 sample"),
    "inf": (lambda: with_value(data(), "om0", 5, 0, np.inf), ValueError, r"'om0' contains infinity"),
    "-inf": (lambda: with_value(data(), "om1", 5, 0, -np.inf), ValueError, r"'om1' contains infinity"),
    "sample counts differ": (
        lambda: {"om0": np.zeros((10, 3)), "om1": np.zeros((9, 2))},
        ValueError,
        r"same number of samples.*om0: 10, om1: 9",
    ),
    "omic without features": (lambda: {"om0": np.zeros((10, 3)), "om1": np.zeros((10, 0))}, ValueError, "'om1' has no features"),
    "empty list": (lambda: [], ValueError, "empty list"),
    "empty dict": (lambda: {}, ValueError, "empty dict"),
    "3-D array": (lambda: np.zeros((4, 3, 2)), ValueError, "3"),
    "3-D omic in a list": (lambda: [np.zeros((4, 3)), np.zeros((4, 3, 2))], ValueError, "2-D"),
    "1-D omic in a list": (
        lambda: [np.zeros((4, 3)), np.zeros(4)],
        ValueError,
        r"'omic1' must be a 2-D array .* shape \(4,\)\. One sample is a row: x.reshape\(1, -1\); an omic with a single feature is a column",
    ),
    "None for an omic (dict)": (
        lambda: {"mrna": np.zeros((4, 3)), "mirna": None},
        ValueError,
        r"Omic 'mirna' is None\. Samples that lack an omic pass it as a block of NaN",
    ),
    "ragged nested list omic": (
        lambda: [[[0.0, 1.0], [2.0]], np.zeros((2, 3))],
        ValueError,
        "'omic0' is a nested list whose rows have different lengths",
    ),
    "duplicate gene symbols": (
        lambda: {"om0": pd.DataFrame(np.zeros((5, 4)), columns=["TP53", "TP53", "ESR1", "TP53"]), "om1": np.zeros((5, 2))},
        ValueError,
        r"'om0' has duplicate feature names: 'TP53' \(3 times\)",
    ),
    "duplicate features in a MultiIndex": (
        lambda: pd.DataFrame(np.zeros((5, 3)), columns=pd.MultiIndex.from_tuples([("om0", "a"), ("om1", "b"), ("om1", "b")])),
        ValueError,
        r"'om1' has duplicate feature names: 'b' \(2 times\)",
    ),
    "duplicate columns in one DataFrame": (
        lambda: pd.DataFrame(np.zeros((5, 3)), columns=["a", "b", "a"]),
        ValueError,
        r"The DataFrame X has duplicate feature names: 'a' \(2 times\)",
    ),
    "sparse matrix": (lambda: sp.csr_matrix(np.eye(5)), TypeError, "[Ss]parse"),
    "sparse omic": (lambda: [np.eye(5), sp.csr_matrix(np.eye(5))], TypeError, "'omic1' is a sparse matrix"),
    "strings in a DataFrame": (
        lambda: {"om0": pd.DataFrame({"a": [1.0, 2, 3], "b": ["x", "y", "z"]}), "om1": np.zeros((3, 2))},
        TypeError,
        r"'om0' has non-numeric column\(s\) \['b'\]",
    ),
    "strings in an array": (lambda: [np.array([["1", "a"], ["2", "b"]], dtype=object), np.zeros((2, 1))], TypeError, "'omic0' holds text"),
    "numbers as text in an object array": (
        lambda: [np.array([[0.5, "0.25"], [1.0, 2.0]], dtype=object), np.zeros((2, 1))],
        TypeError,
        r"'omic0' holds text at row 0, column 1: '0.25'",
    ),
    "complex values in a DataFrame": (
        lambda: {"om0": pd.DataFrame({"a": [1.0, 2, 3], "b": [1j, 2, 3]}), "om1": np.zeros((3, 2))},
        ValueError,
        r"Complex data not supported: omic 'om0' holds complex values \(column\(s\) \['b'\]\)",
    ),
    "dates in an array": (
        lambda: [np.arange(6).astype("datetime64[D]").reshape(3, 2), np.zeros((3, 2))],
        TypeError,
        r"'omic0' holds dates or durations \(dtype datetime64\[D\]\)",
    ),
    "durations in an array": (
        lambda: [np.arange(6).astype("timedelta64[D]").reshape(3, 2), np.zeros((3, 2))],
        TypeError,
        "'omic0' holds dates or durations",
    ),
    "categorical column": (
        lambda: {"om0": pd.DataFrame({"a": [1.0, 2, 3], "c": pd.Categorical([True, False, True])}), "om1": np.zeros((3, 2))},
        TypeError,
        r"'om0' has non-numeric column\(s\) \['c'\]",
    ),
    "date column in a polars omic": (
        lambda: [__import__("polars").DataFrame({"a": [1.0, 2, 3], "d": np.arange(3).astype("datetime64[D]")}), np.zeros((3, 2))],
        TypeError,
        r"'omic0' has non-numeric column\(s\) \['d'\]",
    ),
    "numeric strings": (lambda: [np.array([["1", "2"], ["3", "4"]]), np.zeros((2, 1))], TypeError, "'omic0' is an array of strings"),
    "sample with no omic": (
        lambda: {"om0": np.where(np.arange(8)[:, None] == 2, np.nan, np.ones((8, 3))), "om1": np.where(np.arange(8)[:, None] == 2, np.nan, np.ones((8, 2)))},
        ValueError,
        "no observed omic",
    ),
    "omic_dims inconsistent": (lambda: np.zeros((5, 6)), ValueError, "sums to 5"),
    "omics in different sample orders": (
        lambda: {k: pd.DataFrame(v, index=[f"p{i}" for i in (range(24) if k == "om0" else range(23, -1, -1))]) for k, v in data().items()},
        ValueError,
        r"'om1' lists the samples of omic 'om0' in another order \(row 0 is 'p23' in 'om1' and 'p0' in 'om0'\)",
    ),
    "omic missing in every sample": (
        lambda: {"om0": np.ones((8, 3)), "om1": np.full((8, 2), np.nan)},
        ValueError,
        r"'om1' is missing \(all NaN\) in every sample",
    ),
    "text column in a polars omic": (
        lambda: [__import__("polars").DataFrame({"a": [1.0, 2, 3], "s": ["x", "y", "z"]}), np.zeros((3, 2))],
        TypeError,
        r"'omic0' has non-numeric column\(s\) \['s'\]",
    ),
    "one omic shuffled after it was built": (
        lambda: [pd.DataFrame(v) if k == "om0" else pd.DataFrame(v).sample(frac=1, random_state=0) for k, v in data().items()],
        ValueError,
        r"'omic1' lists the samples of omic 'omic0' in another order \(row 0 is \d+ in 'omic1' and 0 in 'omic0'\)",
    ),
    "an iterator of omics": (lambda: (v for v in data().values()), TypeError, r"X is an iterator \(generator\), which can be read only once"),
    "omic with other samples": (
        lambda: [pd.DataFrame(v, index=[f"{k}_p{i}" for i in range(24)]) for k, v in data().items()],
        ValueError,
        r"'omic1' has samples that omic 'omic0' lacks \('om1_p0', ",
    ),
}


@pytest.mark.parametrize("cls", ALL)
def test_validation_fraction_that_leaves_nothing_to_train(cls):
    with pytest.raises(ValueError, match=r"validation_fraction=0.99 holds out all n_samples=24 samples"):
        tiny(cls, validation_fraction=0.99).fit(data())


@pytest.mark.parametrize("case", list(FIT_ERRORS))
@pytest.mark.parametrize("cls", ALL)
def test_bad_input_at_fit(cls, case):
    make, exc, match = FIT_ERRORS[case]
    est = tiny(cls, omic_dims=(2, 3) if case == "omic_dims inconsistent" else None)
    with pytest.raises(exc, match=match):
        est.fit(make())


@pytest.fixture(scope="module")
def fitted_all():
    X = data()
    frames = concat_omics({k: pd.DataFrame(v, columns=[f"{k}_g{j}" for j in range(v.shape[1])]) for k, v in X.items()})
    return {cls: (tiny(cls).fit(X), tiny(cls).fit(frames)) for cls in ALL}


@pytest.mark.parametrize("cls", ALL)
def test_bad_input_at_transform(cls, fitted_all):
    est, est_df = fitted_all[cls]
    X = data()
    with pytest.raises(ValueError, match=r"X has 1 omic\(s\), but .* fitted with 2 \('om0', 'om1'\); missing: 'om1'\. .* 'om1': np.full\(\(n_samples, 4\), np.nan\)"):
        est.transform({"om0": X["om0"]})
    # the hint is what it says: the omic passed as NaN is treated as missing
    missing = est.transform({"om0": X["om0"], "om1": np.full((24, 4), np.nan)})
    assert missing.shape == est.transform(X).shape and np.isfinite(missing).all()
    # None for the omic (in a dict or a list) gets the same hint, with the fitted width
    for none in ({"om0": X["om0"], "om1": None}, [X["om0"], None]):
        with pytest.raises(ValueError, match=r"Omic 'om1' is None\. .* 'om1': np.full\(\(n_samples, 4\), np.nan\)"):
            est.transform(none)
    # an unnamed list goes by position, even where the fitted names look like defaults
    swapped = tiny(cls, max_iter=1).fit({"omic1": X["om0"], "omic0": X["om1"]})
    with pytest.raises(ValueError, match=r"Omic 'omic0' is None\. .* 'omic0': np.full\(\(n_samples, 4\), np.nan\)"):
        swapped.transform([X["om0"], None])
    with pytest.raises(ValueError, match="'om1' has 5 features, but .* fitted with 4"):
        est.transform({"om0": X["om0"], "om1": np.zeros((24, 5))})
    with pytest.raises(ValueError, match="omics .* fitted with omics"):
        est.transform({"om0": X["om0"], "other": X["om1"]})
    with pytest.raises(ValueError, match="'om0' contains NaN"):
        est.transform(with_value(X, "om0", 0, 0, np.nan))
    with pytest.raises(ValueError, match="X has 9 features, but .* expecting 10"):
        est.transform(np.zeros((3, 9)))
    frame = concat_omics({k: pd.DataFrame(v, columns=[f"{k}_g{j}" for j in range(v.shape[1])]) for k, v in X.items()})
    shuffled = frame[[frame.columns[1], frame.columns[0], *frame.columns[2:]]]
    with pytest.raises(ValueError, match=r"'om0' has the features seen at fit in another order \(column 0 is 'om0_g1', at fit 'om0_g0'\)"):
        est_df.transform(shuffled)
    renamed = frame.rename(columns={"om1_g3": "om1_gX"})
    with pytest.raises(ValueError, match=r"'om1' has feature names that differ .* 1 unseen \(e.g. \['om1_gX'\]\), 1 missing \(e.g. \['om1_g3'\]\)"):
        est_df.transform(renamed)
    swapped = frame[["om1", "om0"]]
    with pytest.raises(ValueError, match=r"fitted with omics \['om0', 'om1'\] \(the same omics in another order"):
        est_df.transform(swapped)
    with pytest.raises(NotFittedError):
        tiny(cls).transform(X)


@pytest.mark.parametrize(
    "params",
    [{"n_components": 0}, {"learning_rate": -1.0}, {"batch_size": 0}, {"validation_fraction": 1.0}, {"device": "tpu"}, {"max_iter": 1.5}],
)
@pytest.mark.parametrize("cls", ALL)
def test_invalid_parameters(cls, params):
    with pytest.raises(InvalidParameterError):
        tiny(cls, **params).fit(data())


@pytest.mark.parametrize("cls", ALL)
def test_constant_int_and_float32_inputs(cls):
    rng = np.random.RandomState(0)
    X_int = [rng.randint(0, 5, size=(20, 4)), np.ones((20, 3), dtype=np.int64)]  # second omic constant
    Z = tiny(cls).fit_transform(X_int)
    assert np.isfinite(Z).all() and Z.dtype == np.float64
    X32 = [x.astype(np.float32) for x in X_int]
    Z32 = tiny(cls).fit_transform(X32)
    assert Z32.dtype == np.float32 and np.isfinite(Z32).all()


@pytest.mark.parametrize("cls", ALL)
def test_inputs_never_modified(cls):
    X = data()
    X["om1"][:5] = np.nan  # five samples lack om1
    frames = {k: pd.DataFrame(v) for k, v in X.items()}
    copies = {k: v.copy() for k, v in X.items()}
    frame_copies = {k: v.copy() for k, v in frames.items()}
    est = tiny(cls).fit(X)
    est.transform(X)
    est.impute(X)
    tiny(cls).fit(frames).impute(frames)
    for k in X:
        np.testing.assert_array_equal(X[k], copies[k])
        pd.testing.assert_frame_equal(frames[k], frame_copies[k])


# ------------------------------------------------------------- missing omics
def drop_blocks(Xs, omic, rows):
    Xs = [x.copy() for x in Xs]
    Xs[omic][rows] = np.nan
    return Xs


@pytest.mark.parametrize("cls", ALL)
def test_dict_omics_in_another_order_and_polars_tables(cls, fitted_all):
    """A dict is keyed by omic, so its order does not matter; polars omics are read
    like pandas ones (feature names kept, the same numbers)."""
    pl = pytest.importorskip("polars")  # in the test extras
    est, _ = fitted_all[cls]
    X = data()
    Z = est.transform(X)
    np.testing.assert_array_equal(est.transform({"om1": X["om1"], "om0": X["om0"]}), Z)
    if cls in POE:
        np.testing.assert_array_equal(est.transform_gating(dict(reversed(X.items()))), est.transform_gating(X))
    holes = {"om0": X["om0"], "om1": np.where(np.arange(24)[:, None] % 3 == 0, np.nan, X["om1"])}
    imputed = est.impute(holes)
    imputed_reversed = est.impute(dict(reversed(holes.items())))
    assert list(imputed_reversed) == ["om0", "om1"]  # the fitted order
    for k in imputed:
        np.testing.assert_array_equal(imputed_reversed[k], imputed[k])
    frames = {k: pd.DataFrame(v, columns=[f"{k}_g{j}" for j in range(v.shape[1])]) for k, v in X.items()}
    filled = est.impute([pl.from_pandas(frames["om0"]), pl.from_pandas(frames["om1"].where(~np.isnan(holes["om1"])))])
    assert [list(f.columns) for f in filled] == [list(f.columns) for f in frames.values()]
    np.testing.assert_array_equal(filled[1].to_numpy(), imputed["om1"])
    fit_pd = tiny(cls).fit(list(frames.values()))
    fit_pl = tiny(cls).fit([pl.from_pandas(f) for f in frames.values()])
    for a, b in zip(fit_pl.omic_feature_names(), fit_pd.omic_feature_names()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fit_pl.transform([pl.from_pandas(f) for f in frames.values()]), fit_pd.transform(list(frames.values())))


@pytest.mark.parametrize("cls", ALL)
def test_missing_omics_fit_and_transform(cls):
    Xs, _ = make_planted(n_samples=60, omic_dims=(10, 8, 6))
    Xm = drop_blocks(Xs, 1, np.arange(0, 60, 3))
    Xm = drop_blocks(Xm, 2, np.arange(1, 60, 5))
    est = tiny(cls).fit(Xm)
    Z = est.transform(Xm)
    assert np.isfinite(Z).all()
    assert np.isfinite(est.score(Xm))
    imputed = est.impute(Xm)
    assert not any(np.isnan(b).any() for b in imputed)
    np.testing.assert_array_equal(imputed[0], Xs[0])  # observed blocks unchanged
    if cls in POE:
        gates = est.transform_gating(Xm)
        assert (gates[::3, 1] == 0).all() and (gates[1::5, 2] == 0).all()
        np.testing.assert_allclose(gates.sum(1), 1.0, rtol=1e-6)
        assert (gates[2::3, 1] > 0).all()
        np.testing.assert_array_equal(est.gating_weights_[::3, 1], 0.0)


@pytest.mark.parametrize("cls", POE)
def test_missing_omic_equals_dropping_it(cls):
    """A sample lacking an omic is embedded exactly as if that omic did not exist:
    the product of experts runs over the observed omics only."""
    Xs, _ = make_planted(n_samples=40, omic_dims=(10, 8))
    est = tiny(cls).fit(Xs)
    Xm = drop_blocks(Xs, 1, np.arange(40))[1]
    # evaluate the fitted module directly with only omic 0 observed
    import torch

    module = est.module_.double()
    xs = [torch.tensor(Xs[0]), torch.zeros(40, 8, dtype=torch.float64)]
    obs = torch.tensor([[True, False]] * 40)
    with torch.no_grad():
        mean, logvar = module.encoders[0](xs[0])
    est.module_.float()
    Z = est.transform([Xs[0], Xm])
    np.testing.assert_allclose(Z, mean.numpy(), rtol=1e-5, atol=1e-6)
    assert obs.shape == (40, 2)


@pytest.mark.parametrize("cls", POE)
def test_complete_samples_barely_affected_by_incomplete_ones(cls):
    """Adding incomplete samples to the training set changes the complete samples'
    embedding no more than retraining with another seed does."""
    from scipy.linalg import orthogonal_procrustes

    Xs, _ = make_planted(n_samples=80, omic_dims=(12, 8), noise=0.2)
    extra, _ = make_planted(n_samples=40, omic_dims=(12, 8), noise=0.2, random_state=1)
    extra = drop_blocks(extra, 1, np.arange(40))
    both = [np.vstack([a, b]) for a, b in zip(Xs, extra)]
    kw = dict(max_iter=60, n_components=3, early_stopping=False, n_iter_no_change=None)

    def fit_z(X, seed):
        return tiny(cls, random_state=seed, **kw).fit(X).transform(Xs)

    def distance(A, B):  # after the best rotation, relative residual
        A, B = A - A.mean(0), B - B.mean(0)
        R, _ = orthogonal_procrustes(A, B)
        return np.linalg.norm(A @ R - B) / np.linalg.norm(B)

    z_ref = fit_z(Xs, 0)
    seed_noise = distance(fit_z(Xs, 1), z_ref)
    with_incomplete = distance(fit_z(both, 0), z_ref)
    assert np.isfinite(with_incomplete)
    assert with_incomplete <= 1.5 * seed_noise + 0.05


# --------------------------------------------------------- divergence, pickle
@pytest.mark.parametrize("cls", ALL)
def test_divergence_never_yields_nan(cls):
    Xs, _ = make_planted(n_samples=40, omic_dims=(6, 4))
    est = tiny(cls, learning_rate=1e6, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            est.fit(Xs)
        except ValueError as exc:
            assert "learning_rate" in str(exc)
            return
        except RuntimeWarning as w:
            assert "learning_rate" in str(w)
            est = tiny(cls, learning_rate=1e6, max_iter=20)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(Xs)
            assert est.stop_reason_ == "diverged"
    assert np.isfinite(est.transform(Xs)).all()


@pytest.mark.parametrize("cls", ALL)
def test_unscaled_input_is_named_and_never_yields_nan(cls):
    """Raw-count-like values: a scale warning per omic, then either a finite fit or
    an error that names the unscaled omics (not the learning rate)."""
    Xs, _ = make_planted(n_samples=40, omic_dims=(6, 4))
    Xs = {"counts": Xs[0] * 1e4 + 2e4, "scaled": Xs[1]}
    est = tiny(cls, max_iter=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(Xs)
        except ValueError as exc:
            assert "the input is not scaled (omic 'counts' up to" in str(exc)
            assert "'scaled'" not in str(exc)
            assert cls in (POEMSTransformer, POEMTransformer)  # those that diverge
            return
        finally:
            scale = [str(w.message) for w in caught if "values up to" in str(w.message)]
            assert len(scale) == 1 and scale[0].startswith("Omic 'counts'")
    assert np.isfinite(est.transform(Xs)).all()


@pytest.mark.parametrize("cls", ALL)
def test_an_omic_of_ages_beside_scaled_omics_is_named(cls):
    """One omic in years (about 60) beside min-max scaled ones: no warning at the
    earlier threshold of 1e3, while POEMS's noise scale of the scaled omics
    doubled (ages up to 90) or the loss reached 1e14 (up to 250)."""
    Xs, _ = make_planted(n_samples=40, omic_dims=(6, 4))
    age = np.random.RandomState(0).normal(60, 10, (40, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(cls, max_iter=2).fit({"mrna": Xs[0], "age": age, "mirna": Xs[1]})
    scale = [str(w.message) for w in caught if issubclass(w.category, UserWarning) and "'age'" in str(w.message)]
    assert len(scale) == 1 and scale[0].startswith(f"Omic 'age' has values up to {age.max():.3g}")
    assert not [w for w in caught if "'mrna'" in str(w.message) or "'mirna'" in str(w.message)]


@pytest.mark.parametrize("cls", ALL)
def test_a_fitted_model_keeps_no_gradients(cls):
    """The last training step's gradients stayed on every parameter: twice the
    memory of the parameters in each fitted model (cross_validate's
    return_estimator, a GridSearchCV's best_estimator_, models kept in a session)."""
    Xs, _ = make_planted(n_samples=40, omic_dims=(6, 4))
    est = tiny(cls, max_iter=3).fit(Xs)
    assert all(p.grad is None for p in est.module_.parameters())
    est.set_params(warm_start=True, max_iter=2).fit(Xs)  # a warm start trains on
    assert all(p.grad is None for p in est.module_.parameters())


def test_a_plain_array_read_as_one_omic_is_said_unless_meant():
    """A plain 2-D array without omic_dims is one omic, and a one-omic model
    integrates nothing. It reached the models unseen from an OmicTransformer
    given a 2-D array (which returns a plain array) and from meta-estimators
    that convert X (BaggingClassifier): the model trained on one omic silently."""
    from sklearn.pipeline import Pipeline

    from skpoems.preprocessing import OmicTransformer

    Xs, _ = make_planted(n_samples=40, omic_dims=(6, 4))
    flat = np.hstack(Xs)

    def messages(fit):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit()
        return [str(w.message) for w in caught if "integrates nothing" in str(w.message) or "look like" in str(w.message)]

    found = messages(lambda: tiny(POEMSTransformer, max_iter=1).fit(flat))
    assert len(found) == 1 and "pass omic_dims=(10,)" in found[0] and "omic_dims_out_" in found[0]
    pipe = Pipeline([("scale", OmicTransformer(omic_dims=(6, 4))), ("poems", tiny(POEMSTransformer, max_iter=1))])
    assert len(messages(lambda: pipe.fit(flat))) == 1
    assert pipe["poems"].omic_dims_ == (10,)
    # meant, or not one omic: no word
    assert messages(lambda: tiny(POEMSTransformer, max_iter=1, omic_dims=(10,)).fit(flat)) == []
    assert messages(lambda: tiny(POEMSTransformer, max_iter=1, omic_dims=(6, 4)).fit(flat)) == []
    assert messages(lambda: tiny(POEMSTransformer, max_iter=1).fit(Xs)) == []
    assert messages(lambda: OmicTransformer().fit(flat)) == []
    prefixed = pd.DataFrame(flat, columns=[f"a__{i}" for i in range(6)] + [f"b__{i}" for i in range(4)])
    found = messages(lambda: tiny(POEMSTransformer, max_iter=1).fit(prefixed))
    assert len(found) == 1 and "look like 2 omics" in found[0]  # the more precise warning only


def _counts_like(block, spread=3.0):
    """Read-count-like values of a block: 2 ** (spread * z-score + 8), rounded."""
    z = (block - block.mean(axis=0)) / block.std(axis=0)
    return np.round(np.exp2(spread * z + 8))


@pytest.mark.parametrize("cls", ALL)
def test_a_linear_scale_omic_is_named_with_a_log_remedy_that_works(cls):
    """Read counts, TPM or intensities, min-max scaled, keep their skew: a few
    samples dominate each feature (TCGA BRCA's mRNA exponentiated back to a
    linear scale: PCA-8's k-means ACC 0.530 against 0.614). They were taken
    silently; the warning names the omic and prints a remedy that, run as
    printed, removes it."""
    import re

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

    import skpoems

    Xs, _ = make_planted(n_samples=60, omic_dims=(30, 6))
    X = {"counts": _counts_like(Xs[0]).astype(np.float32), "other": Xs[1].astype(np.float32)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tiny(cls, max_iter=1).fit(X)
        except ValueError as exc:  # the unscaled counts made the loss diverge: said so
            assert cls in POE and "Omic 'counts' looks like linear-scale abundances: log-transform it" in str(exc)
    found = [str(w.message) for w in caught if "linear-scale" in str(w.message)]
    assert len(found) == 1 and found[0].startswith("Omic(s) 'counts' (")
    assert not [w for w in caught if "values up to" in str(w.message)]  # one remedy, which also scales
    code = re.search(r"e\.g\. (skpoems\.preprocessing\.OmicTransformer\(.*\))\.$", found[0]).group(1)
    names = {"skpoems": skpoems, "np": np, "make_pipeline": make_pipeline,
             "FunctionTransformer": FunctionTransformer, "MinMaxScaler": MinMaxScaler}
    remedy = eval(code, names)  # noqa: S307 - the message's own code
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (float32 counts: no "not strictly inverse" warning either)
        prepared = remedy.fit_transform(X)
    np.testing.assert_allclose(remedy.inverse_transform(prepared)["counts"], X["counts"], rtol=1e-5)  # back to counts
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(cls, max_iter=1).fit(prepared)
    assert not [w for w in caught if "linear-scale" in str(w.message) or "values up to" in str(w.message)]


def test_a_few_outlier_samples_are_named_not_taken_for_linear_scale():
    """Three of 300 patients left unlogged (or in other units) among logged
    ones: fit said nothing (x100) or called the omic linear-scale and printed a
    log1p remedy that gives NaN on logged data. The samples are named, and the
    omic is not called linear-scale; clean real data draw no such warning."""
    from skpoems.datasets import load_tcga_brca

    brca = load_tcga_brca()
    X = {o: brca.data[o].to_numpy(np.float64)[:300] for o in brca.omic_names}
    X = {o: (v - v.min(0)) / (v.max(0) - v.min(0)) for o, v in X.items()}  # min-max

    def fit_messages(data):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            POEMSTransformer(n_components=4, max_iter=1, random_state=0).fit(data)
        return [str(w.message) for w in caught]

    assert not [m for m in fit_messages(X) if "outliers" in m or "linear-scale" in m]
    for corrupt in (lambda v: v * 100, lambda v: 2 ** (20 * v)):
        bad = dict(X, mRNA=X["mRNA"].copy())
        bad["mRNA"][[120, 3, 50]] = corrupt(bad["mRNA"][[120, 3, 50]])
        said = fit_messages(bad)
        named = [m for m in said if m.startswith("Omic 'mRNA': sample(s) at row(s) 3, 50, 120 of X hold")]
        assert len(named) == 1 and "outliers on another scale" in named[0], said
        assert not [m for m in said if "linear-scale" in m]
        assert not [m for m in said if "sample(s) at row(s)" in m and "'mRNA'" not in m]
    # frames: the samples by name
    index = pd.Index([f"TCGA-{i:03d}" for i in range(300)])
    framed = {o: pd.DataFrame(v, index=index) for o, v in bad.items()}
    said = fit_messages(framed)
    assert any(m.startswith("Omic 'mRNA': sample(s) 'TCGA-003' (row 3), 'TCGA-050' (row 50), 'TCGA-120' (row 120) of X hold") for m in said), said


def test_outlier_samples_statistic():
    """Chance extremes are not outliers: heavy-tailed noise, few samples or
    features; missing rows are skipped and positions are of all rows."""
    from skpoems._omics import outlier_samples

    rng = np.random.default_rng(0)
    for draw in (rng.standard_normal, rng.lognormal, rng.standard_cauchy):
        assert outlier_samples(draw(size=(40, 30))) is None
    block = rng.random((60, 40))
    block[[7, 30]] += 50
    assert outlier_samples(block[:19]) is None and outlier_samples(block[:, :19]) is None
    rows, share, ratio = outlier_samples(block)
    assert list(rows) == [7, 30] and share == 1.0 and ratio > 50
    observed = np.ones(60, dtype=bool)
    observed[:10] = False  # (row 7 lacks the omic)
    assert list(outlier_samples(block, observed)[0]) == [30]
    # 0/1 mutation calls with three hypermutated samples first: their ties went
    # to the first row, and the other samples' zero spread made the ratio 4e307
    for seed in range(10):
        draw = np.random.default_rng(seed)
        calls = (draw.random((200, 1000)) < 0.005).astype(float)
        calls[:3] = draw.random((3, 1000)) < 0.3
        assert outlier_samples(calls) is None and outlier_samples(calls[::-1]) is None


@pytest.mark.parametrize("frame", [False, True])
def test_float16_overflow_is_named_as_such(frame):
    """Raw counts stored as float16 overflow to inf above 65504: the error said
    "contains infinity", not where it came from."""
    rng = np.random.default_rng(0)
    with np.errstate(over="ignore"):
        counts = (rng.random((30, 5)) * 1e5).astype(np.float16)
    block = pd.DataFrame(counts) if frame else counts
    with pytest.raises(ValueError, match=r"Omic 'omic0' is float16 and holds infinity \(inf\) in \d+ row\(s\): float16 tops out at 65504"):
        POEMSTransformer(max_iter=1).fit([block, rng.random((30, 4))])
    logged = np.zeros((30, 5), dtype=np.float16)
    with np.errstate(divide="ignore"):
        logged = np.log(logged)  # -inf: not an overflow, the general message
    with pytest.raises(ValueError, match=r"Omic 'omic0' contains infinity \(inf\) in 30 sample"):
        POEMSTransformer(max_iter=1).fit([logged, rng.random((30, 4))])
    fine = rng.random((30, 5)).astype(np.float16)  # float16 without inf is read
    est = POEMSTransformer(max_iter=1, n_components=3).fit([pd.DataFrame(fine) if frame else fine, rng.random((30, 4))])
    assert np.isfinite(est.transform([fine, rng.random((30, 4))])).all()


def test_omics_of_very_different_sizes_are_named_under_feature_balance():
    """20,000 mRNA features beside 300 miRNAs: every feature counts once, so the
    small omic weighs 1.5% of the likelihood (planted classes in miRNA: k-means
    NMI 0.02), without a word; omic_balance='omics' or the paper's objective
    (which averages each omic over its features) draw no warning."""
    rng = np.random.default_rng(0)
    X = {"mRNA": rng.random((40, 400)), "miRNA": rng.random((40, 20)), "protein": rng.random((40, 60))}

    def size_warnings(**params):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            POEMSTransformer(n_components=3, max_iter=1, **params).fit(X)
        return [str(w.message) for w in caught if "times omic" in str(w.message)]

    found = size_warnings()
    assert len(found) == 1
    assert found[0].startswith("Omic 'mRNA' has 400 features, 20 times omic 'miRNA''s 20: with omic_balance='features'")
    assert "'miRNA' makes 4.2% of it" in found[0] and "omic_balance='omics'" in found[0]
    assert not size_warnings(omic_balance="omics")
    assert not size_warnings(objective="paper")
    del X["mRNA"]
    assert not size_warnings()  # 3 times: no warning


def test_raw_counts_of_rarely_expressed_genes_are_taken_for_linear_scale():
    """Counts of genes that most samples do not express are skewed by their zeros,
    which a log leaves (so the test of the whole feature passed them), but the
    counts of the samples that express them are skewed as linear values are; the
    same genes on a log scale stay quiet."""
    rng = np.random.RandomState(0)
    other = make_planted(n_samples=300, omic_dims=(6,))[0][0]
    counts = np.where(rng.rand(300, 40) < 0.1, np.round(rng.lognormal(4, 1.5, (300, 40))), 0.0)  # 10% express

    def linear_scale_warnings(block):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tiny(POEMSTransformer, max_iter=1).fit({"counts": block / block.max(), "other": other})
        return [str(w.message) for w in caught if "linear-scale" in str(w.message)]

    found = linear_scale_warnings(counts)
    assert len(found) == 1 and found[0].startswith("Omic(s) 'counts' (")
    assert "among the values above each feature's minimum" in found[0]  # which test fired
    assert found[0].endswith("keep the most variable features first, skpoems.preprocessing.SelectTopVariance.)")
    from skpoems._cli._errors import _in_cli_terms

    assert "Pass --log counts." in _in_cli_terms(found[0]) and "(--top-variance)" in _in_cli_terms(found[0])
    assert linear_scale_warnings(np.log2(1 + counts)) == []


@pytest.mark.parametrize(
    "kind",
    ["log counts", "beta values", "binary calls", "low counts", "copy numbers", "log of rarely expressed genes"],
)
def test_skewed_by_nature_omics_are_not_taken_for_linear_scale(kind):
    """Binary calls, low counts and copy numbers are skewed by nature (few
    distinct values), log-scale data and beta values are not skewed, and log
    values of rarely expressed genes stay as skewed after a log: no log advice
    for any of them."""
    rng = np.random.RandomState(0)
    Xs, _ = make_planted(n_samples=200, omic_dims=(30, 6))
    block = {
        "log counts": np.log1p(_counts_like(Xs[0])),
        "beta values": 1 / (1 + np.exp2(-(Xs[0] - 0.5) * 8)),
        "binary calls": (rng.rand(200, 30) < 0.05).astype(float),
        "low counts": rng.poisson(0.3, (200, 30)).astype(float),
        "copy numbers": np.clip(np.round(2 + 0.5 * rng.standard_t(3, (200, 30))), 0, 10),
        # log2(TPM + 1) of genes that 90% of samples do not express: skewed by the
        # zeros, and as skewed after a log (the review's case: "log data warned")
        "log of rarely expressed genes": np.where(
            rng.rand(200, 30) < 0.1, np.log2(1 + rng.lognormal(2, 1, (200, 30))), 0.0
        ),
    }[kind]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(POEMSTransformer, max_iter=1).fit({"omic": block, "other": Xs[1]})
    assert not [w for w in caught if "linear-scale" in str(w.message)]


def test_z_scores_of_a_large_cohort_do_not_warn():
    """A z-scored feature that one sample sets apart peaks at sqrt(n - 1): 54.8 in a
    cohort of 3000, which a threshold on the peak alone took for unscaled data."""
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    mrna = rng.normal(size=(3000, 5))
    mrna[:, 0] = 0.0
    mrna[7, 0] = 1.0  # expressed in one patient
    mrna = StandardScaler().fit_transform(mrna)
    assert np.abs(mrna).max() > 50
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(POEMSTransformer, max_iter=1).fit({"mrna": mrna, "cnv": rng.randint(-2, 3, (3000, 4)).astype(float)})
    assert not [w for w in caught if "has values up to" in str(w.message)]


@pytest.mark.parametrize("cls", ALL)
def test_values_outside_the_unit_interval_warn_for_sigmoid_models(cls):
    """MOCSS reconstructs through a sigmoid: copy numbers -2..2 fitted silently,
    and impute returned them in (0.09, 0.93). POEMS and POEM (linear outputs)
    take z-scores without a word."""
    Xs, _ = make_planted(n_samples=40, omic_dims=(6, 4))
    cnv = np.random.RandomState(0).randint(-2, 3, (40, 5)).astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(cls, max_iter=2).fit({"mrna": Xs[0], "cnv": cnv, "mirna": Xs[1] * 1.05})
    named = [str(w.message) for w in caught if issubclass(w.category, UserWarning) and "Omic '" in str(w.message)]
    if cls in (POEMSTransformer, POEMTransformer):
        assert named == []
    else:
        assert len(named) == 1  # not the miRNA, 5% above 1
        assert named[0].startswith(f"Omic 'cnv' has values from -2 to 2, but {cls.__name__} reconstructs every omic through a sigmoid")


@pytest.mark.parametrize("cls", ALL)
def test_pickle_and_joblib_round_trips(cls, fitted_all, tmp_path):
    est, _ = fitted_all[cls]
    X = data()
    Z = est.transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(X), Z)
    joblib.dump(est, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").transform(X), Z)


def test_model_from_gpu_machine_loads_on_cpu(fitted_all, monkeypatch):
    """A pickle recording device_='cuda' loads and runs on a machine without CUDA."""
    import torch

    est, _ = fitted_all[POEMSTransformer]
    state = est.__getstate__()
    state["device_"] = "cuda"
    clone = POEMSTransformer.__new__(POEMSTransformer)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    clone.__setstate__(pickle.loads(pickle.dumps(state)))
    assert next(clone.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(clone.transform(data()), est.transform(data()))


def test_model_that_cannot_go_back_to_its_gpu_loads_on_cpu(fitted_all, monkeypatch):
    """cuda:1 on a one-GPU machine, or no memory left there: the model stays on
    the CPU with a warning, instead of failing to load."""
    import skpoems._base

    est, _ = fitted_all[POEMSTransformer]
    state = est.__getstate__()
    state["device_"] = "cuda:1"

    def no_such_gpu(device):
        raise RuntimeError("CUDA error: invalid device ordinal")

    monkeypatch.setattr(skpoems._base, "resolve_device", no_such_gpu)
    clone = POEMSTransformer.__new__(POEMSTransformer)
    with pytest.warns(UserWarning, match=r"fitted on cuda:1 and could not be moved there .*invalid device ordinal.*stays on the CPU"):
        clone.__setstate__(pickle.loads(pickle.dumps(state)))
    np.testing.assert_array_equal(clone.transform(data()), est.transform(data()))

    # an error without a message (it was an IndexError while loading)
    def silent(device):
        raise RuntimeError()

    monkeypatch.setattr(skpoems._base, "resolve_device", silent)
    with pytest.warns(UserWarning, match=r"could not be moved there on loading \(RuntimeError\)"):
        POEMSTransformer.__new__(POEMSTransformer).__setstate__(pickle.loads(pickle.dumps(state)))


@pytest.mark.parametrize("cls", ALL)
def test_pickles_record_the_version_and_older_ones_get_new_parameters(cls, fitted_all):
    """A pickle of this version loads silently. One saved by another version
    warns; one saved before a parameter existed gets its default (repr, clone
    and grid searches read every parameter) and names it in the warning."""
    est, _ = fitted_all[cls]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(same.transform(data()), est.transform(data()))

    state = est.__getstate__()
    state["_skpoems_version"] = "0.0.1"
    with pytest.warns(UserWarning, match=rf"This {cls.__name__} was saved by skpoems 0.0.1 and is loaded by skpoems {skpoems.__version__}\. It may not"):
        cls.__new__(cls).__setstate__(state)

    old = est.__getstate__()
    del old["_skpoems_version"], old["warm_start"], old["n_init"], old["n_components_"]
    loaded = cls.__new__(cls)
    with pytest.warns(UserWarning, match=r"earlier skpoems that recorded no version .* the parameters \['n_init', 'warm_start'\] did not exist then"):
        loaded.__setstate__(old)
    assert "n_init" not in repr(loaded) and loaded.get_params()["warm_start"] is False
    assert clone(loaded).get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.transform(data()), est.transform(data()))
    assert list(loaded.get_feature_names_out()) == list(est.get_feature_names_out())


def test_sparse_decoder_pickled_before_the_activation_budget_decodes(fitted_all):
    est, _ = fitted_all[POEMSTransformer]
    model = copy.deepcopy(est)
    for decoder in model.module_.decoders:
        del decoder.__dict__["activation_budget"]
    np.testing.assert_allclose(model.inverse_transform(model.transform(data()))["om0"], est.inverse_transform(est.transform(data()))["om0"])


# ------------------------------------------------------- decoding and imputation
@pytest.mark.parametrize("cls", ALL)
def test_inverse_transform_shapes_dtypes_and_errors(cls):
    X = data(n=30, dims=(6, 4, 5))
    est = tiny(cls).fit(X)
    Z = est.transform(X)
    recs = est.inverse_transform(Z)  # a dict for a dict fit
    assert list(recs) == ["om0", "om1", "om2"]
    assert [r.shape for r in recs.values()] == [(30, 6), (30, 4), (30, 5)]
    assert all(r.dtype == np.float64 and np.isfinite(r).all() for r in recs.values())
    assert all(r.dtype == np.float32 for r in est.inverse_transform(Z.astype(np.float32)).values())
    with pytest.raises(ValueError, match="columns"):
        est.inverse_transform(Z[:, :-1])
    # a DataFrame embedding (set_output) decodes to DataFrames with the feature names
    patients = [f"p{i}" for i in range(30)]
    frames = {k: pd.DataFrame(v, index=patients, columns=[f"{k}_g{j}" for j in range(v.shape[1])]) for k, v in X.items()}
    est = tiny(cls).set_output(transform="pandas").fit(frames)
    decoded = est.inverse_transform(est.transform(frames))
    undecorated = est.inverse_transform(est.transform(frames).to_numpy())
    for frame, rec, names in zip(decoded.values(), undecorated.values(), est.omic_feature_names()):
        assert isinstance(frame, pd.DataFrame) and list(frame.index) == patients
        assert list(frame.columns) == list(names)
        np.testing.assert_array_equal(frame.to_numpy(), rec)


@pytest.mark.parametrize("cls", ALL)
def test_the_input_is_read_in_place_and_never_written(cls):
    """Fit, transform, score, impute and the inspection functions read the
    caller's float32 arrays without copying them whole (a concatenated copy of
    every sample lived through the whole fit: 1x the data at genome scale), and
    never write to them: read-only arrays work everywhere."""
    from skpoems import inspection

    X = {k: v.astype(np.float32) for k, v in data(n=40, dims=(6, 4, 5)).items()}
    X["om1"][:6] = np.nan
    before = {k: v.copy() for k, v in X.items()}
    for v in X.values():
        v.flags.writeable = False
    est = tiny(cls)
    blocks, _, _ = est._validate_omic_blocks(X, reset=True)
    assert all(np.shares_memory(b, X[k]) for b, k in zip(blocks, X, strict=True))
    est.fit(X)
    est.transform(X)
    est.score(X)
    est.impute(X)
    inspection.reconstruction_r2(est, X)
    inspection.variance_explained(est, X, n_permutations=1, random_state=0)
    inspection.top_features(est, X=X)
    for k, v in X.items():
        np.testing.assert_array_equal(v, before[k])
    # other layouts of the caller's arrays (complete, so that no block is
    # zero-filled into a copy): reversed views, which torch cannot read (fit and
    # transform failed on them), Fortran order, float64, a reversed frame
    complete = {k: v.astype(np.float32) for k, v in data(n=40, dims=(6, 4, 5)).items()}
    est = tiny(cls).fit(complete)
    expected = est.transform(complete)
    layouts = {
        "reversed rows": {k: v[::-1] for k, v in complete.items()},
        "reversed columns": {k: v[:, ::-1] for k, v in complete.items()},
        "Fortran order": {k: np.asfortranarray(v) for k, v in complete.items()},
        "float64": {k: v.astype(np.float64) for k, v in complete.items()},
        "reversed frames": {k: pd.DataFrame(v).iloc[::-1] for k, v in complete.items()},
    }
    for name, Xl in layouts.items():
        assert np.isfinite(tiny(cls).fit(Xl).transform(Xl)).all(), name
    # (float32: the same up to the rounding of matrix products, which depends on the layout)
    np.testing.assert_allclose(est.transform(layouts["Fortran order"]), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.transform(layouts["reversed rows"])[::-1], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", ALL)
def test_impute_keeps_the_container_and_observed_values(cls):
    X = data(n=30, dims=(6, 4))
    X["om1"][:5] = np.nan
    before = {k: v.copy() for k, v in X.items()}
    est = tiny(cls).fit(X)
    filled = est.impute(X)
    assert isinstance(filled, dict) and list(filled) == ["om0", "om1"]
    np.testing.assert_array_equal(X["om1"], before["om1"])  # the input is not modified
    np.testing.assert_array_equal(filled["om0"], X["om0"])
    np.testing.assert_array_equal(filled["om1"][5:], X["om1"][5:])
    assert np.isfinite(filled["om1"][:5]).all()
    if cls in POE:  # decoded from the posterior given the observed omics, i.e. the embedding
        np.testing.assert_allclose(filled["om1"][:5], est.inverse_transform(est.transform(X))["om1"][:5], rtol=1e-5)

    frame = concat_omics(X)
    filled_frame = est.impute(frame)
    assert isinstance(filled_frame, pd.DataFrame)
    assert filled_frame.columns.equals(frame.columns) and filled_frame.index.equals(frame.index)
    np.testing.assert_allclose(filled_frame["om1"].to_numpy(), filled["om1"], rtol=1e-6)
    assert frame["om1"].isna().to_numpy()[:5].all()

    flat = est.impute(frame.to_numpy())  # 2-D array with omic_dims
    assert isinstance(flat, np.ndarray) and flat.shape == (30, 10)
    np.testing.assert_allclose(flat[:, 6:], filled["om1"], rtol=1e-6)


@pytest.mark.parametrize("cls", ALL)
def test_impute_decodes_only_the_samples_that_lack_an_omic(cls, monkeypatch):
    """A genome-wide cohort's decoders dominate the cost: impute decoded every
    omic of every sample (2.6 s and +381 MiB to fill 8 of 400 patients' miRNA)."""
    X = data(n=30, dims=(6, 4, 5))
    X["om1"][[3, 17]] = np.nan
    X["om2"][[17, 25]] = np.nan
    est = tiny(cls).fit(X)
    module = type(est.module_)
    real = module.reconstruct
    sizes = []

    def spy(self, xs, observed):
        sizes.append(len(observed))
        return real(self, xs, observed)

    monkeypatch.setattr(module, "reconstruct", spy)
    filled = est.impute(X)
    assert sizes == [3]  # samples 3, 17 and 25
    # the same values as decoding every sample (float64: up to rounding)
    monkeypatch.setattr(module, "reconstruct", real)
    whole = est._module_outputs(est._validate_omics(X, reset=False), "reconstruct")
    for v, omic in enumerate(["om0", "om1", "om2"]):
        lack = np.isnan(X[omic]).all(axis=1)
        np.testing.assert_allclose(filled[omic][lack], whole[v][lack], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(filled[omic][~lack], X[omic][~lack])


@pytest.mark.parametrize("cls", POE)
def test_impute_beats_mean_filling_on_planted_data(cls):
    """Hide omic 1 of held-out samples: imputing it from omic 0 through the product
    of experts beats filling with the training means (R^2 about 0.2-0.6 vs 0)."""
    r2_model, r2_means = impute_r2_on_planted(cls)
    assert r2_model > r2_means + 0.1, (r2_model, r2_means)


@pytest.mark.parametrize("cls", ALL)
def test_fit_under_a_float64_torch_default_dtype(cls):
    """A user who set torch's default dtype to float64 still gets a working fit."""
    import torch

    X = data()
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        Z = tiny(cls).fit_transform(X)
    finally:
        torch.set_default_dtype(old)
    assert Z.shape == (24, 3 if cls in POE else 9) and np.isfinite(Z).all()


@pytest.mark.parametrize("cls", ALL)
def test_fit_under_another_torch_default_device(cls):
    """torch.set_default_device (here "meta", which holds no data, standing in for
    "cuda") neither breaks a CPU fit nor changes what its seed gives: the model is
    built on the CPU from the seeded CPU generator, and nothing draws from the
    default device's generator."""
    import torch

    X = data()
    X["om1"][:4] = np.nan  # missing omics too
    reference = tiny(cls).fit(X)
    torch.set_default_device("meta")
    try:
        est = tiny(cls).fit(X)
        Z = est.transform(X)
        est.score(X)
        est.inverse_transform(Z)
    finally:
        torch.set_default_device(None)
    np.testing.assert_array_equal(Z, reference.transform(X))


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("early_stopping", [True, False])
def test_n_init_keeps_the_init_with_the_best_held_out_loss(cls, early_stopping):
    """n_init trains from several seeds on one validation split and keeps the best;
    its first init is the n_init=1 fit, bit for bit."""
    X = data(n=40)
    kw = dict(max_iter=6, early_stopping=early_stopping)
    one = tiny(cls, **kw).fit(X)
    many = tiny(cls, n_init=3, **kw).fit(X)
    assert many.init_scores_.shape == (3,) and np.isfinite(many.init_scores_).all()
    assert one.init_scores_.shape == (1,)
    assert many.init_scores_[0] == one.init_scores_[0]
    assert len(np.unique(many.init_scores_)) == 3  # the seeds differ
    best = int(np.argmax(many.init_scores_))
    if early_stopping:
        assert many.best_validation_score_ == many.init_scores_[best]
    else:
        # minus the eval-mode loss on the training data (here all of X)
        assert many.score(X) == pytest.approx(many.init_scores_[best], rel=1e-5)
        assert one.score(X) == pytest.approx(one.init_scores_[0], rel=1e-5)
    # the kept model and its training record belong to the same init
    assert len(many.history_) == many.n_iter_
    if best == 0:
        np.testing.assert_array_equal(many.transform(X), one.transform(X))
        assert many.loss_curve_ == one.loss_curve_
    else:
        assert not np.array_equal(many.transform(X), one.transform(X))
    again = tiny(cls, n_init=3, **kw).fit(X)
    np.testing.assert_array_equal(again.transform(X), many.transform(X))


@pytest.mark.parametrize("cls", ALL)
def test_warm_start_continues_training(cls):
    """warm_start=True trains the fitted model further; its records go on."""
    X = data(n=40)
    est = tiny(cls, max_iter=30, n_iter_no_change=None, warm_start=True).fit(X)
    first_history = est.history_
    first_state = {k: v.clone() for k, v in est.module_.state_dict().items()}
    est.set_params(max_iter=4).fit(X)
    assert est.n_iter_ == 34 and len(est.loss_curve_) == 34 and len(est.validation_scores_) == 34
    assert [r["epoch"] for r in est.history_] == list(range(1, 35))
    assert est.history_[:30] == first_history and len(first_history) == 30  # the first records untouched
    assert 1 <= est.best_iter_ <= 34
    # it trained on from the first fit's weights: a fresh model's first epoch is worse
    fresh = tiny(cls, max_iter=1, n_iter_no_change=None).fit(X)
    assert est.history_[30]["train_loss"] < fresh.history_[0]["train_loss"]
    assert any(not torch.equal(v, first_state[k]) for k, v in est.module_.state_dict().items())
    assert np.isfinite(est.transform(X)).all()
    # other omics: refused naming the problem; warm_start=False starts afresh
    with pytest.raises(ValueError, match=r"warm_start=True continues the fitted model.*'om1' has 3 features"):
        est.fit({"om0": X["om0"], "om1": X["om1"][:, :3]})
    assert est.n_iter_ == 34
    est.set_params(warm_start=False, max_iter=3).fit(X)
    assert est.n_iter_ == 3 and [r["epoch"] for r in est.history_] == [1, 2, 3]


@pytest.mark.parametrize("cls", ALL)
def test_warm_start_matches_omics_as_transform_does(cls):
    """A warm start reads the omics as ``transform`` does: a dict by name in any
    key order (each omic's encoder and decoder go on with its own data: the
    omics once traded places, silently when they had the same width), a flat
    input split by the fitted sizes; ``omic_dims`` changed to other sizes is
    refused."""
    rng = np.random.RandomState(0)
    X = {"m": rng.rand(40, 5), "n": rng.rand(40, 5)}
    est = tiny(cls, max_iter=5, n_iter_no_change=None).fit(X)
    Z = est.transform(X)
    # a learning rate of ~0: training on leaves the model as it was
    est.set_params(warm_start=True, max_iter=1, learning_rate=1e-12).fit({"n": X["n"], "m": X["m"]})
    assert est.omic_names_ == ["m", "n"] and est.n_iter_ == 6
    np.testing.assert_allclose(est.transform(X), Z, atol=1e-6)
    wide = {"m": rng.rand(40, 4), "n": X["n"]}
    est = tiny(cls, max_iter=2).fit(wide)
    est.set_params(warm_start=True).fit({"n": wide["n"], "m": wide["m"]})
    assert est.omic_names_ == ["m", "n"] and est.omic_dims_ == (4, 5)
    flat = np.hstack([X["m"], rng.rand(40, 4)])
    est = tiny(cls, omic_dims=(5, 4), max_iter=2).fit(flat)
    est.set_params(warm_start=True, omic_dims=None).fit(flat)  # None: split as fitted
    assert est.omic_dims_ == (5, 4) and est.n_iter_ == 4
    for dims in [(4, 5), (3, 3, 3)]:
        with pytest.raises(ValueError, match=r"omic_dims is \(.*\) but the model was fitted with omic sizes \(5, 4\)"):
            est.set_params(omic_dims=dims).fit(flat)
    assert est.omic_dims_ == (5, 4) and est.n_iter_ == 4


@pytest.mark.parametrize("cls", [POEMSTransformer, MOCSSVAETransformer])
def test_warm_start_never_returns_worse_weights_than_it_started_from(cls):
    """The starting weights compete with the continuation's epochs on the validation
    split: a warm fit used to keep the best of its own epochs only, so a short
    patience ended it on weights whose validation score was below the kept ones'
    (POEMS: 11.88 -> 12.40 -> 6.32)."""
    from skpoems.datasets import make_multiomics

    X, _ = make_multiomics(n_samples=60, omic_dims=(30, 20, 10), n_components=3, random_state=0)
    est = tiny(
        cls, max_iter=300, n_iter_no_change=5, monitor_smoothing=0.0, learning_rate=5e-3,
        warm_start=True, encoder_hidden=(16,),
    ).fit(X)
    for _ in range(3):
        before, best_iter, weights = est.best_validation_score_, est.best_iter_, copy.deepcopy(est.module_.state_dict())
        est.fit(X)  # the same data and int random_state: the same validation split
        assert est.best_validation_score_ >= before
        if est.best_validation_score_ == before:  # nothing better: the same model
            assert est.best_iter_ == best_iter
            assert all(torch.equal(v, weights[k]) for k, v in est.module_.state_dict().items())
        else:
            assert est.best_iter_ > best_iter


def test_a_collapsed_fit_says_so():
    """learning_rate=1.0 (a value in a GridSearchCV grid) left POEMS embedding every
    sample at one point with a finite loss, and nothing said so."""
    from skpoems.datasets import make_multiomics
    from skpoems.preprocessing import OmicTransformer

    X, _ = make_multiomics(n_samples=100, omic_dims=(30, 20, 10), random_state=0)
    X = OmicTransformer().fit_transform(X)
    params = dict(n_components=4, encoder_hidden=(32,), max_iter=40, batch_size=32, random_state=0)
    with pytest.warns(RuntimeWarning, match=r"embeds every training sample at the same point .* learning_rate \(now 1\)"):
        collapsed = POEMSTransformer(learning_rate=1.0, **params).fit(X)
    assert collapsed.transform(X).std(axis=0).max() < 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        POEMSTransformer(learning_rate=1e-3, **params).fit(X)


@pytest.mark.parametrize("cls", POE)
def test_gating_of_one_or_two_components_is_said_to_ignore_the_input(cls):
    """LayerNorm over K values leaves nothing of one value: the gating weights were
    the same for every sample, without a word."""
    X = data(n=30)
    with pytest.warns(UserWarning, match=r"n_components=1\): the gating network normalises"):
        one = tiny(cls, n_components=1, max_iter=5).fit(X)
    np.testing.assert_allclose(one.gating_weights_, one.gating_weights_[:1].repeat(30, axis=0), atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        tiny(cls, n_components=3, max_iter=1, n_iter_no_change=None).fit(X)


def test_continuing_a_fit_at_max_iter_trains_on_under_smoothing():
    """The ConvergenceWarning's advice: a fit still improving at max_iter goes on
    with warm_start. Seeding the smoothed criterion with the kept epoch's raw loss
    (the least of noisy values) stopped the continuation after n_iter_no_change
    epochs on the old weights; it goes on from the kept epoch's smoothed value."""
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(300, 3))
    X = [1 / (1 + np.exp(-(Z @ rng.normal(size=(3, d)) + rng.normal(0, 0.5, (300, d))))) for d in (200, 150)]
    est = POEMTransformer(random_state=0, max_iter=300, n_iter_no_change=10, learning_rate=9e-4, encoder_hidden=(64,))
    with pytest.warns(ConvergenceWarning):
        est.fit(X)
    assert est.stop_reason_ == "max_iter" and est.monitor_smoothing > 0
    first_best, first_score = est.best_iter_, est.best_validation_score_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(warm_start=True, max_iter=100).fit(X)
    # (the first version stopped at epoch 310 on the weights of epoch 297)
    assert est.n_iter_ > 300 + 10 and est.best_iter_ > first_best
    assert est.best_validation_score_ > first_score


def test_a_warm_fit_after_a_steep_descent_keeps_the_better_start(monkeypatch):
    """After a steep descent the kept epoch's smoothed value sits far above its raw
    loss; an epoch between the two lowered the smoothed bar and replaced the
    starting weights with worse ones (0.33 -> 1.12 held-out loss). The held-out
    losses are scripted, so that the case does not hang on one trajectory."""
    from skpoems.datasets import make_multiomics

    real = POEMTransformer._evaluate_loss
    # epochs 1-9 a slow descent, epoch 10 a steep one; then the warm fit's start
    # (the kept weights again) and its one epoch, worse than the start
    scripted = iter([10.0 - 0.1 * i for i in range(9)] + [0.33, 0.33, 1.12])

    def evaluate(self, *args, **kwargs):
        terms = real(self, *args, **kwargs)[1]
        return next(scripted), terms

    monkeypatch.setattr(POEMTransformer, "_evaluate_loss", evaluate)
    X = make_multiomics(n_samples=60, omic_dims=(12, 8), random_state=0)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = POEMTransformer(random_state=0, max_iter=10, n_iter_no_change=5, monitor_smoothing=0.9).fit(X)
        assert est.best_iter_ == 10 and est.best_validation_score_ == pytest.approx(-0.33)
        Z = est.transform(X)
        est.set_params(warm_start=True, max_iter=1).fit(X)
    assert est.n_iter_ == 11 and est.history_[-1]["validation_loss"] == pytest.approx(1.12)
    # the epoch lowered the smoothed bar (0.9 * 9.1 + 0.1 * 1.12 < 9.1) but its own
    # loss is worse than the start's: the start stays
    assert est.history_[-1]["monitored_smoothed"] < est.history_[-2]["monitored_smoothed"]
    assert est.best_iter_ == 10 and est.best_validation_score_ == pytest.approx(-0.33)
    np.testing.assert_array_equal(est.transform(X), Z)


def test_each_warm_fit_draws_its_own_training_noise(monkeypatch):
    """An int random_state seeded every warm fit alike, so a loop of warm fits
    replayed one minibatch order, dropout and noise draw in every call; each
    continuation now draws from the seed and the epochs trained (reproducibly)."""
    shuffles, randperm = [], torch.randperm
    monkeypatch.setattr(torch, "randperm", lambda *a, **k: shuffles.append(randperm(*a, **k)) or shuffles[-1])

    def loop():
        est = tiny(POEMSTransformer, max_iter=1, batch_size=8, warm_start=True, n_iter_no_change=None)
        for _ in range(4):
            est.fit(data(n=40))
        return est

    first = loop()
    orders = [p.tolist() for p in shuffles]
    assert len(orders) == 4 and len({tuple(p) for p in orders}) == 4
    shuffles.clear()
    again = loop()
    assert [p.tolist() for p in shuffles] == orders
    np.testing.assert_array_equal(again.transform(data(n=40)), first.transform(data(n=40)))


def test_warm_start_equals_one_long_fit_in_epochs_not_weights():
    """A warm start repeats the first fit exactly, then continues (same split)."""
    X = data(n=40)
    a = tiny(POEMSTransformer, max_iter=5, n_iter_no_change=None, warm_start=True, random_state=3).fit(X)
    b = tiny(POEMSTransformer, max_iter=5, n_iter_no_change=None, random_state=3).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))  # first call: a normal fit
    a.fit(X)
    assert a.n_iter_ == 10


@pytest.mark.parametrize("cls", ALL)
def test_set_output_pandas_keeps_the_patients_of_a_dict_or_list_of_frames(cls):
    """scikit-learn's set_output labels rows only from a DataFrame X; the patients
    of a dict or list of DataFrame omics survive too, and gating weights come
    labelled by patient and omic."""
    patients = [f"TCGA-{i:02d}" for i in range(24)]
    frames = {k: pd.DataFrame(v, index=patients) for k, v in data().items()}
    plain = tiny(cls).fit(frames)
    for X in (frames, list(frames.values()), concat_omics(frames)):
        est = tiny(cls).set_output(transform="pandas")
        Z = est.fit_transform(X)
        Zt = est.transform(X)
        for out in (Z, Zt):
            assert isinstance(out, pd.DataFrame) and list(out.index) == patients
            assert list(out.columns) == list(est.get_feature_names_out())
            np.testing.assert_array_equal(out.to_numpy(), plain.transform(frames))
        if cls in POE:
            alpha = est.transform_gating(X)
            names = list(frames) if not isinstance(X, list) else ["omic0", "omic1"]
            assert list(alpha.index) == patients and list(alpha.columns) == names
            np.testing.assert_array_equal(alpha.to_numpy(), plain.transform_gating(frames))
    # without row labels: a default index; without set_output: arrays, as before
    est = tiny(cls).set_output(transform="pandas").fit(data())
    assert list(est.transform(data()).index) == list(range(24))
    assert isinstance(plain.transform(frames), np.ndarray)
    if cls in POE:
        assert isinstance(plain.transform_gating(frames), np.ndarray)
        assert isinstance(est.transform_gating(data()), pd.DataFrame)


@pytest.mark.parametrize("cls", ALL)
def test_a_failed_fit_leaves_the_estimator_as_it_was(cls):
    X = data()
    fresh = tiny(cls, learning_rate=1e8, max_iter=5)
    bad = {**X, "om0": X["om0"].copy()}
    bad["om0"][2, 1] = np.nan  # a stray NaN fails after nothing, a divergence after training
    with pytest.raises(ValueError, match="contains NaN in 1 sample"):
        fresh.fit(bad)
    with pytest.raises(NotFittedError):
        fresh.transform(X)
    fitted = tiny(cls).fit(X)
    Z, state = fitted.transform(X), dict(vars(fitted))
    fitted.set_params(warm_start=True)
    with pytest.raises(ValueError, match="warm_start=True continues the fitted model"):  # fails after the warm start checks, mid-way
        fitted.fit({"om0": X["om0"][:, :5], "om1": X["om1"]})
    fitted.set_params(warm_start=False)
    with pytest.raises(ValueError, match="contains NaN in 1 sample"):
        fitted.fit(bad)
    assert set(vars(fitted)) == set(state)
    np.testing.assert_array_equal(fitted.transform(X), Z)


def test_an_interrupted_fit_leaves_the_fitted_model(monkeypatch):
    X = data()
    est = tiny(POEMSTransformer, warm_start=True).fit(X)
    Z = est.transform(X)

    def interrupt(*args, **kwargs):
        # the warm start has trained its module in place when the user interrupts
        with torch.no_grad():
            for p in est.module_.parameters():
                p.add_(1.0)
        raise KeyboardInterrupt

    monkeypatch.setattr(est, "_set_fitted_attributes", interrupt)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    np.testing.assert_array_equal(est.transform(X), Z)


@pytest.mark.parametrize("cls", ALL)
def test_warm_start_refuses_parameters_that_change_the_model(cls):
    X = data()
    est = tiny(cls, warm_start=True).fit(X)
    names = est.get_feature_names_out()
    est.set_params(n_components=4)
    # unfitted until the next fit: the fitted model's output is unchanged
    assert list(est.get_feature_names_out()) == list(names)
    assert est.set_output(transform="pandas").transform(X).shape[1] == len(names)
    est.set_output(transform="default")
    est.inverse_transform(est.transform(X))
    with pytest.raises(ValueError, match=r"n_components \(3 -> 4\) changed since it was fitted"):
        est.fit(X)
    est.set_params(n_components=3, encoder_hidden=[8])  # the same sizes as a list
    est.set_params(learning_rate=1e-3, max_iter=2, batch_size=8).fit(X)  # the loop's may change
    assert est.n_iter_ == 5
    est.set_params(encoder_hidden=(16,))
    with pytest.raises(ValueError, match=r"encoder_hidden \(\[8\] -> \(16,\)\)"):
        est.fit(X)
    est.set_params(warm_start=False).fit(X)
    assert est.module_ is not None and est.n_iter_ == 2


@pytest.mark.parametrize("hidden", [(0,), (-3,), (8.5,), (True,), ("8",), 8])
@pytest.mark.parametrize("cls", [POEMSTransformer, MOCSSAETransformer])
def test_encoder_hidden_must_be_positive_ints(cls, hidden):
    with pytest.raises(InvalidParameterError, match="encoder_hidden"):
        tiny(cls, encoder_hidden=hidden).fit(data())
    tiny(cls, encoder_hidden=[np.int64(8), 4]).fit(data())
    tiny(cls, encoder_hidden=()).fit(data())  # no hidden layer


@pytest.mark.parametrize("cls", [POEMSTransformer, MOCSSAETransformer])
def test_one_flat_frame_and_the_omics_apart_are_the_same_data(cls):
    """A model fitted on one flat DataFrame split by omic_dims (feature names
    as the columns have them) transforms the same omics in any other form, and
    one fitted on the omics apart (``"omic__feature"`` names) a flat frame of
    the columns' own names: the same numbers. A gene in two omics of a flat
    frame is refused with the forms that keep them apart (the message told
    users to average mRNA with methylation)."""
    rng = np.random.RandomState(0)
    mrna = pd.DataFrame(rng.rand(30, 3), columns=["TP53", "BRCA1", "ESR1"])
    meth = pd.DataFrame(rng.rand(30, 2), columns=["cg1", "cg2"])
    flat = pd.concat([mrna, meth], axis=1)
    est = tiny(cls, omic_dims=(3, 2)).fit(flat)
    assert list(est.feature_names_in_) == list(flat.columns)
    Z = est.transform(flat)
    for form in ([mrna, meth], {"omic0": mrna, "omic1": meth}, concat_omics([mrna, meth])):
        np.testing.assert_array_equal(est.transform(form), Z)
    with pytest.raises(ValueError, match="'omic0' has the features seen at fit in another order"):
        est.transform([mrna[["BRCA1", "TP53", "ESR1"]], meth])
    apart = {"mRNA": mrna, "meth": meth.set_axis(["TP53", "ESR1"], axis=1)}
    with pytest.raises(ValueError, match=r"names features \['ESR1', 'TP53'\] in more than one of its omics.*concat_omics"):
        tiny(cls, omic_dims=(3, 2)).fit(pd.concat(list(apart.values()), axis=1))
    with pytest.raises(ValueError, match="duplicate feature names: 'TP53'"):  # within one omic: a duplicate
        tiny(cls, omic_dims=(4, 1)).fit(pd.concat([mrna, mrna[["TP53"]], meth.iloc[:, :1]], axis=1))
    est = tiny(cls).fit(apart)
    assert list(est.feature_names_in_)[3:] == ["meth__TP53", "meth__ESR1"]
    Z = est.transform(apart)
    np.testing.assert_array_equal(est.transform(pd.concat(list(apart.values()), axis=1)), Z)
    with pytest.raises(ValueError, match="feature names should match"):
        est.transform(pd.concat([mrna[["BRCA1", "TP53", "ESR1"]], meth], axis=1))
    with pytest.raises(ValueError, match="in more than one of its omics"):  # not the fitted columns
        est.transform(pd.concat([mrna[["BRCA1", "TP53", "ESR1"]], apart["meth"]], axis=1))


@pytest.mark.parametrize("cls", ALL)
def test_dataframe_omics_beside_arrays_keep_and_check_their_names(cls):
    X = data()
    frame = pd.DataFrame(X["om0"], columns=list("abcdef"))
    est = tiny(cls).fit([frame, X["om1"]])
    assert list(est.omic_feature_names()[0]) == list("abcdef")
    assert list(est.omic_feature_names()[1]) == ["f0", "f1", "f2", "f3"]
    Z = est.transform([frame, X["om1"]])
    with pytest.raises(ValueError, match="'omic0' has the features seen at fit in another order"):
        est.transform([frame[frame.columns[::-1]], X["om1"]])
    with pytest.warns(UserWarning, match="valid feature names"):  # scikit-learn's, all arrays
        np.testing.assert_array_equal(est.transform([X["om0"], X["om1"]]), Z)
    est = tiny(cls).fit([frame, pd.DataFrame(X["om1"], columns=list("wxyz"))])
    with pytest.warns(UserWarning, match="Omic 'omic0' has no feature names"):
        est.transform([X["om0"], pd.DataFrame(X["om1"], columns=list("wxyz"))])
    # a dict of a frame and an array, the same
    est = tiny(cls).fit({"rna": frame, "mirna": X["om1"]})
    with pytest.raises(ValueError, match="'rna' has feature names that differ"):
        est.transform({"rna": frame.rename(columns={"a": "z"}), "mirna": X["om1"]})


def test_omics_sliced_from_a_multiindex_frame():
    X = data()
    whole = concat_omics({"mrna": pd.DataFrame(X["om0"], columns=list("abcdef")), "mirna": X["om1"]})
    est = tiny(POEMSTransformer).fit([whole[["mrna"]], whole[["mirna"]]])
    assert list(est.omic_feature_names()[0]) == list("abcdef")
    assert list(concat_omics([whole[["mrna"]], whole[["mirna"]]]).columns.get_level_values(1)[:2]) == ["a", "b"]
    with pytest.raises(ValueError, match="Omic 'omic0' has MultiIndex columns"):
        tiny(POEMSTransformer).fit([whole, whole[["mirna"]]])


def test_dict_keys_survive_impute_and_must_differ_as_text():
    X = data()
    keyed = {1: X["om0"], 2: X["om1"].copy()}
    keyed[2][:3] = np.nan
    est = tiny(POEMSTransformer).fit(keyed)
    assert list(est.impute(keyed)) == [1, 2]
    with pytest.raises(ValueError, match="name the same omic twice"):
        tiny(POEMSTransformer).fit({1: X["om0"], "1": X["om1"]})


@pytest.mark.parametrize("cls", ALL)
def test_extreme_embeddings_and_inputs_are_refused_not_nan(cls):
    X = data()
    est = tiny(cls).fit(X)
    Z = est.transform(X)
    np.testing.assert_allclose(est.inverse_transform(Z)["om0"], est.inverse_transform(Z.astype(np.float32))["om0"], atol=1e-5)
    with pytest.raises(ValueError, match="infinity"):
        est.inverse_transform(np.full((1, Z.shape[1]), np.inf))
    try:
        out = est.inverse_transform(np.full((1, Z.shape[1]), 1e39))
        assert all(np.isfinite(b).all() for b in out.values())
    except ValueError as exc:
        assert "decoded non-finite values" in str(exc)
    try:
        assert np.isfinite(est.score({"om0": X["om0"] * 1e20, "om1": X["om1"]}))
    except ValueError as exc:
        assert "the loss on X is not finite" in str(exc)


@pytest.mark.parametrize("cls", ALL)
def test_get_feature_names_out_needs_a_fit_and_checks_input_features(cls):
    with pytest.raises(NotFittedError):
        tiny(cls).get_feature_names_out()
    est = tiny(cls).fit(data())
    with pytest.raises(ValueError, match="input_features"):
        est.get_feature_names_out(["x"])


@pytest.mark.parametrize("cls", ALL)
def test_in_a_column_transformer_on_a_multiindex_frame(cls):
    """A ColumnTransformer cannot name (omic, feature) columns and passes x0, x1,
    ...: the models refused them, so its get_feature_names_out and pandas output
    failed. Those, the frame's own tuples and the flat names are accepted; names
    of other columns are still refused."""
    from sklearn.compose import ColumnTransformer

    X = concat_omics(data())
    ct = ColumnTransformer([("m", tiny(cls), slice(None))]).set_output(transform="pandas")
    out = ct.fit_transform(X)
    est = ct.named_transformers_["m"]
    names = est.get_feature_names_out()
    assert list(out.columns) == [f"m__{n}" for n in names] and out.index.equals(X.index)
    assert list(ct.get_feature_names_out()) == list(out.columns)
    assert list(est.get_feature_names_out(X.columns)) == list(names)
    assert list(est.get_feature_names_out(est.feature_names_in_)) == list(names)
    with pytest.raises(ValueError, match="input_features"):
        est.get_feature_names_out([("om0", "other")] * X.shape[1])


def test_a_flat_frame_of_prefixed_omics_read_as_one_is_warned():
    """OmicTransformer's pandas output names columns omic__feature: a following
    model without omic_dims would read one omic; it says so, with the dims."""
    frame = pd.DataFrame(np.random.RandomState(0).rand(24, 9),
                         columns=[f"mRNA__g{j}" for j in range(5)] + [f"miRNA__m{j}" for j in range(4)])
    with pytest.warns(UserWarning, match=r"look like 2 omics \(mRNA, miRNA\).*omic_dims=\(5, 4\)"):
        tiny(POEMSTransformer).fit(frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert tiny(POEMSTransformer, omic_dims=(5, 4)).fit(frame).omic_dims_ == (5, 4)
    assert not [w for w in caught if "look like" in str(w.message)]


@pytest.mark.parametrize("cls", ALL)
def test_without_early_stopping_the_last_epoch_is_kept_and_said(cls):
    """best_iter_ names the epoch whose weights were kept: without early stopping
    the last one; a refit without early stopping drops the earlier fit's
    best_validation_score_ (documented as "only with early stopping")."""
    X = data(n=40)
    est = tiny(cls, max_iter=6, n_iter_no_change=None).fit(X)
    assert hasattr(est, "best_validation_score_")
    est.set_params(early_stopping=False).fit(X)
    assert est.n_iter_ == est.best_iter_ == 6
    assert not hasattr(est, "best_validation_score_")
    # the kept weights are those of the last epoch: one more epoch changes them
    longer = tiny(cls, max_iter=7, n_iter_no_change=None, early_stopping=False).fit(X)
    assert longer.best_iter_ == 7
    assert not np.allclose(longer.transform(X), est.transform(X))


@pytest.mark.parametrize("cls", ALL)
def test_an_omic_left_out_of_the_training_part_is_named(cls):
    """An omic that only the held-out validation samples have: its decoder never
    trained and the losses were about -1e11, without an error."""
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state

    X = data(n=40)
    # the samples that the early-stopping split of random_state=0 holds out
    _, val = train_test_split(np.arange(40), test_size=0.2, random_state=check_random_state(0))
    only_val = np.ones(40, dtype=bool)
    only_val[val] = False
    X["om1"][only_val] = np.nan
    with pytest.raises(ValueError, match=r"'om1' is observed in 0 of the 32 training samples after holding out 8"):
        tiny(cls).fit(X)
    tiny(cls, early_stopping=False).fit(X)  # every sample trains: fine


@pytest.mark.parametrize("cls", ALL)
def test_an_omic_that_few_training_samples_have_is_named(cls):
    """An omic that 3 of 60 samples have fitted silently: its decoder and its
    imputations rest on those 3. All samples of a small data set having it is
    not the case (nothing is missing)."""
    X = data(n=60)
    X["om1"][3:] = np.nan
    with pytest.warns(UserWarning, match=r"'om1' is observed in only 3 of the 60 training samples"):
        tiny(cls, early_stopping=False).fit(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*is observed in only")
        tiny(cls, early_stopping=False).fit(data(n=8))


def test_the_unit_range_warning_reads_the_samples_that_have_the_omic():
    """MOCSS's warning about values outside [0, 1] said "from 0" for data in
    [0.2, 1.5]: the zeros standing in for the samples that lack the omic."""
    X = data(n=30)
    X["om1"] = 0.2 + 1.3 * X["om1"]
    X["om1"][:5] = np.nan
    with pytest.warns(UserWarning, match=r"'om1' has values from 0\.2\d* to 1\.4"):
        tiny(MOCSSAETransformer).fit(X)


SINGLE_FRAME_ERRORS = {
    "text": (lambda F: F.assign(g4=F["g4"].astype(object).where(F.index != 5, "n/a")), TypeError,
             r"'omic1' holds text in column 'g4': 'n/a'"),
    "dates": (lambda F: F.assign(g4=pd.Timestamp("2020-01-01")), TypeError, r"'omic1' has non-numeric column\(s\) \['g4'\]"),
    "complex": (lambda F: F.assign(g1=F["g1"] + 1j), ValueError, r"Complex data not supported: omic 'omic0' holds complex values \(column\(s\) \['g1'\]\)"),
    "categories": (lambda F: F.assign(g4=pd.Categorical(F["g4"] > 0.5)), TypeError, r"'omic1' has non-numeric column\(s\) \['g4'\]"),
}


@pytest.mark.parametrize("case", list(SINGLE_FRAME_ERRORS))
def test_one_frame_with_omic_dims_names_the_omic_of_a_bad_column(case):
    """The one-2-D-input form refuses what the list form refuses, naming the
    omic and the column (scikit-learn's own messages name neither, and it
    reads a categorical column as its codes)."""
    make, exc, match = SINGLE_FRAME_ERRORS[case]
    F = pd.DataFrame(np.random.RandomState(0).rand(12, 6), columns=[f"g{j}" for j in range(6)])
    with pytest.raises(exc, match=match):
        tiny(POEMSTransformer, omic_dims=(3, 3)).fit(make(F))
    est = tiny(POEMSTransformer, omic_dims=(3, 3)).fit(F)
    with pytest.raises(exc, match=match):
        est.transform(make(F))


def test_numbers_in_other_containers_read_as_the_same_numbers():
    """Object columns of numbers (after .where/.replace), pandas nullable float32
    and polars Boolean columns with a missing block give what plain arrays give."""
    X = data()
    ref = tiny(POEMSTransformer).fit(X)
    as_objects = {k: pd.DataFrame(v).astype(object) for k, v in X.items()}
    est = tiny(POEMSTransformer).fit(as_objects)
    np.testing.assert_array_equal(est.transform(as_objects), ref.transform(X))

    X32 = {k: pd.DataFrame(v.astype(np.float32)).astype("Float32") for k, v in X.items()}
    assert tiny(POEMSTransformer).fit(X32).transform(X32).dtype == np.float32

    pl = pytest.importorskip("polars")  # in the test extras
    mut = (np.random.RandomState(1).rand(24, 3) > 0.5).astype(float)
    mut[:4] = np.nan  # four samples lack the omic
    pandas_form = {"om0": pd.DataFrame(X["om0"]), "mut": pd.DataFrame(mut, columns=["a", "b", "c"]).astype("boolean")}
    polars_form = {"om0": pl.DataFrame(X["om0"]), "mut": pl.from_pandas(pandas_form["mut"])}
    assert polars_form["mut"].schema["a"] == pl.Boolean and polars_form["mut"].null_count().sum_horizontal().item() == 12
    a = tiny(POEMSTransformer).fit(pandas_form)
    b = tiny(POEMSTransformer).fit(polars_form)
    np.testing.assert_array_equal(b.transform(polars_form), a.transform(pandas_form))


@pytest.mark.parametrize("cls", ALL)
def test_warnings_point_at_the_users_line(cls):
    """They pointed at sklearn/base.py (scikit-learn's fit wrapper), so that
    warnings.filterwarnings(module=...) of the user's code missed them."""
    X = data()
    X["om0"] = X["om0"] * 100  # unscaled: a UserWarning; max_iter=3: a ConvergenceWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(cls).fit(X)
    assert {w.category.__name__ for w in caught} >= {"UserWarning", "ConvergenceWarning"}
    assert {w.filename for w in caught} == {__file__}


def test_non_finite_outputs_name_the_sample_and_its_omic():
    X = {k: pd.DataFrame(v, index=[f"p{i}" for i in range(24)]) for k, v in data().items()}
    est = tiny(POEMSTransformer).fit(X)
    X["om1"].iloc[7, 1] = 1e300  # finite, but far beyond anything seen in fit
    with pytest.raises(ValueError, match=r"non-finite outputs for 1 sample\(s\), e\.g\. sample 'p7' \(row 7\), whose largest value is 1e\+300 in omic 'om1'"):
        est.transform(X)


def test_variance_explained_random_state_none_is_numpys_global_generator():
    """As in scikit-learn: np.random.seed makes random_state=None reproducible."""
    from skpoems.inspection import variance_explained

    X = data(dims=(6, 4, 5))
    est = tiny(POEMSTransformer, n_components=8).fit(X)  # 8 factors: orders drawn, not all
    # (NPY002: random_state=None draws from the legacy global generator, as in scikit-learn)
    np.random.seed(0)  # noqa: NPY002
    first = variance_explained(est, X, n_permutations=2)  # random_state=None
    assert first.attrs["method"] == "permutation"
    np.random.seed(0)  # noqa: NPY002
    pd.testing.assert_frame_equal(variance_explained(est, X, n_permutations=2), first)


def test_a_warning_never_fails_the_fit_that_issues_it(tmp_path, monkeypatch):
    """Frames named <string> (exec, notebooks) made the warning's location
    look up the working directory, which fails once it is deleted."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    X = data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec("tiny(POEMSTransformer).fit(X)", {"tiny": tiny, "POEMSTransformer": POEMSTransformer, "X": X})
    assert [w.filename for w in caught if w.category.__name__ == "ConvergenceWarning"] == ["<string>"]


def test_one_frame_with_omic_dims_reads_numbers_as_the_list_form_does():
    rng = np.random.RandomState(0)
    F = pd.DataFrame(rng.rand(12, 6), columns=[f"g{j}" for j in range(6)])
    est = tiny(POEMSTransformer, omic_dims=(3, 3))
    assert est.fit_transform(F.astype("Float32")).dtype == np.float32  # was float64
    G = F.astype(object)
    G.iloc[:2, 3:] = pd.NA  # two samples lack omic1
    np.testing.assert_array_equal(est.fit_transform(G), est.fit_transform(F.where(G.notna())))
    with pytest.raises(ValueError, match=r"Complex data not supported: omic 'omic0' holds complex values"):
        est.fit(np.array([[1.0, 2 + 1j, 3, 4, 5, 6]] * 12, dtype=object))
    pl = pytest.importorskip("polars")  # in the test extras
    dated = pl.from_pandas(F).with_columns(pl.lit(np.datetime64("2020-01-01")).alias("g5"))
    with pytest.raises(TypeError, match=r"Omic 'omic1' has non-numeric column\(s\) \['g5'\]"):
        est.fit(dated)  # was read as day counts
    # a polars column that is all null (dtype Null) is missing values, as in pandas
    nulls = pl.from_pandas(F.iloc[:, :5]).with_columns(pl.lit(None).alias("g5"))
    assert str(nulls.schema["g5"]) == "Null"
    with pytest.raises(ValueError, match="'omic1' contains NaN in 12 sample"):
        est.fit(nulls)  # the stray-NaN message, not a type error


@pytest.mark.parametrize("cls", [POEMSTransformer, MOCSSVAETransformer])
def test_samples_far_outside_the_fitted_values_are_named(cls):
    """Values on another scale than the fit (linear where the fit had logs, one
    cell in other units) were embedded silently, thousands of times the fitted
    embeddings; now a warning names the omic and the samples."""
    X = data(n=30)
    est = tiny(cls).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fitted data, and a bit beyond: nothing
        est.transform(X)
        est.transform({k: 2 * v for k, v in X.items()})
    far = {k: v.copy() for k, v in X.items()}
    far["om1"][[4, 7], 0] = 50 * np.abs(X["om1"]).max()
    far["om1"][7, 2] = 80 * np.abs(X["om1"]).max()  # and the features: the largest first
    for method in ("transform", "score", *(("score_samples", "transform_gating") if cls in POE else ())):
        with pytest.warns(UserWarning, match=r"Omic 'om1': 2 of 30 samples have values beyond 10 times the largest seen at fit.*sample\(s\) 4, 7, in 2 feature\(s\), e.g. 'f2', 'f0'\."):
            getattr(est, method)(far)
    np.testing.assert_array_equal(far["om0"], X["om0"])  # nothing modified
    old = tiny(cls).fit(X)
    del old._fit_peaks  # a model pickled before the check: none
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        old.transform(far)


@pytest.mark.parametrize("cls", ALL)
def test_omics_that_no_sample_links_are_said(cls):
    """Omic A measured on samples 0-19 and omic B on 20-39 only: no sample
    combines them (no product of two experts, no contrastive pair), so the two
    halves get unrelated embeddings; that used to fit without a word."""
    X = data(n=40, dims=(6, 4, 3))
    X["om0"][20:] = np.nan
    X["om1"][:20] = np.nan
    X["om2"][:20] = np.nan
    with pytest.warns(UserWarning, match=r"2 groups .*'om0' \| 'om1', 'om2'"):
        tiny(cls, early_stopping=False).fit(X)
    # linked through a third omic (om0-om2 and om2-om1): one group, no warning
    X["om2"][:] = 0.5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(cls, early_stopping=False).fit(X)
    assert not [w for w in caught if "groups" in str(w.message)]


def test_torch_tensors_and_masked_arrays_are_read_as_the_user_means_them():
    """A tensor that requires grad or is bfloat16 raised torch's own error; a
    masked array's mask was ignored, so the value hidden under it (a -999
    fill) became data (a min-max scale of [-999, 1])."""
    from skpoems.preprocessing import OmicTransformer

    rng = np.random.RandomState(0)
    A, B = rng.rand(30, 3), rng.rand(30, 4)

    def fit_transform(X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return skpoems.POEMSTransformer(n_components=2, max_iter=2, random_state=0).fit_transform(X)

    Z = fit_transform([A, B])
    np.testing.assert_allclose(fit_transform([torch.tensor(A, requires_grad=True), B]), Z)
    np.testing.assert_allclose(fit_transform([torch.tensor(A).bfloat16(), B]), Z, atol=0.05)
    flat = torch.tensor(np.hstack([A, B]), requires_grad=True)
    assert skpoems.POEMSTransformer(n_components=2, max_iter=1, omic_dims=[3, 4]).fit_transform(flat).shape == (30, 2)
    with pytest.raises(TypeError, match="Omic 'omic0' is a sparse tensor"):
        fit_transform([torch.tensor(A).to_sparse(), B])

    filled = A.copy()
    filled[3] = -999.0
    masked = np.ma.masked_array(filled, mask=np.zeros_like(filled, dtype=bool))
    masked.mask[3] = True  # sample 3 lacks the omic
    scaled = OmicTransformer().fit_transform([masked, B])[0]
    assert np.isnan(scaled[3]).all() and np.isclose(np.nanmin(scaled), 0.0) and np.isclose(np.nanmax(scaled), 1.0)
    assert (masked.data[3] == -999.0).all()  # the user's array is not written to
    stray = np.ma.masked_array(A, mask=A > 0.9)  # masked cells inside observed samples
    with pytest.raises(ValueError, match="Omic 'omic0' contains NaN in"):
        fit_transform([stray, B])


def test_omic_and_feature_names_that_flatten_to_one_name_are_refused_naming_both():
    """Omic 'a' feature 'b__c' and omic 'a__b' feature 'c' are both 'a__b__c'
    in feature_names_in_: a data-frame library's duplicate-column error named
    neither omic."""
    rng = np.random.RandomState(0)
    X = {
        "a": pd.DataFrame(rng.rand(20, 3), columns=["b__c", "x", "y"]),
        "a__b": pd.DataFrame(rng.rand(20, 2), columns=["c", "z"]),
    }
    with pytest.raises(ValueError, match=r"Feature 'c' of omic 'a__b' and feature 'b__c' of omic 'a' are both named 'a__b__c'"):
        skpoems.POEMSTransformer(n_components=2, max_iter=1).fit(X)


@pytest.mark.parametrize("Estimator", [skpoems.POEMSTransformer, skpoems.MOCSSAETransformer])
def test_device_names_with_an_index_are_accepted_and_other_devices_refused(Estimator):
    """"cpu:0" / "cuda:1" (torch's spelling) were refused while
    torch.device("cuda:1") was accepted; torch.device("meta") passed the check
    and failed deep inside torch."""
    X = [np.random.RandomState(0).rand(20, 3), np.random.RandomState(1).rand(20, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert Estimator(n_components=2, max_iter=1, device="cpu:0").fit(X).device_ == "cpu:0"
    with pytest.raises(ValueError, match="device='meta' is not a device skpoems trains on"):
        Estimator(n_components=2, max_iter=1, device=torch.device("meta")).fit(X)
    for bad in ("gpu", "cuda:x", "cpu:"):
        with pytest.raises(InvalidParameterError, match="'cuda:<index>'"):
            Estimator(n_components=2, max_iter=1, device=bad).fit(X)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda:1' was requested but CUDA is not available"):
            Estimator(n_components=2, max_iter=1, device="cuda:1").fit(X)


def test_dates_in_object_arrays_and_bad_omic_names_of_concat_omics_are_refused():
    """Durations held as objects (a column after .where, a list of lists) were
    read as day counts; concat_omics took omic_names="ab" as two names."""
    import datetime

    B = np.random.RandomState(0).rand(10, 3)
    for value in (np.timedelta64(3, "D"), np.datetime64("2020-01-01"), datetime.date(2020, 1, 1), pd.Timedelta(1, "D")):
        A = np.random.RandomState(1).rand(10, 2).astype(object)
        A[1, 1] = value
        with pytest.raises(TypeError, match=r"Omic 'omic0' holds dates or durations at row 1, column 1"):
            skpoems.POEMSTransformer(n_components=2, max_iter=1).fit([A, B])
    listed = [[np.timedelta64(i, "D"), 1.0] for i in range(10)]
    with pytest.raises(TypeError, match="holds dates or durations"):
        skpoems.POEMSTransformer(n_components=2, max_iter=1).fit([listed, B])
    for names in ("ab", [None, "b"]):
        with pytest.raises(TypeError, match="omic_names must be a list of str"):
            skpoems.concat_omics([np.ones((3, 2)), np.ones((3, 1))], omic_names=names)


def test_a_weight_decay_that_wipes_the_weights_out_is_named():
    """learning_rate x weight_decay >= 1 flips the weights' sign at each AdamW
    step; the fit's error told the user to lower learning_rate."""
    X = [np.random.RandomState(0).rand(30, 3), np.random.RandomState(1).rand(30, 2)]
    with pytest.raises(ValueError, match=r"learning_rate x weight_decay is 9e\+06.*lower weight_decay \(now 1e\+10\)"):
        skpoems.POEMSTransformer(n_components=2, max_iter=5, weight_decay=1e10).fit(X)


def test_a_cuda_index_beyond_the_machines_gpus_is_named(monkeypatch):
    """'cuda:5' on a one-GPU machine reached torch's "invalid device ordinal"
    inside the seeding; it is refused first, naming the GPUs there are."""
    from skpoems.utils._torch import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ValueError, match=r"device='cuda:5' was requested but this machine has 1 CUDA device\(s\) \(cuda:0 \.\. cuda:0\)"):
        resolve_device("cuda:5")


def test_a_lazy_frame_is_named_as_such():
    """A polars LazyFrame was "a 2-D array ... with 0 dimension(s), shape ()"."""
    pl = pytest.importorskip("polars")
    lazy = pl.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0)}).lazy()
    with pytest.raises(TypeError, match=r"Omic 'omic0' is a lazy frame \(LazyFrame\).*\.collect\(\)"):
        skpoems.POEMSTransformer(n_components=2, max_iter=1).fit([lazy, np.ones((10, 3))])
    with pytest.raises(TypeError, match=r"^X is a lazy frame"):
        skpoems.POEMSTransformer(n_components=2, max_iter=1).fit(lazy)


def test_columns_without_a_name_and_labels_in_a_dict_are_named_as_such():
    """Columns [nan, None] were "duplicate feature names: 'nan' (2 times)";
    clustering_accuracy({0: 1}, ...) said "y should be a 1d array"."""
    from skpoems.metrics import clustering_accuracy

    frame = pd.DataFrame(np.random.RandomState(0).rand(10, 3), columns=["a", np.nan, None])
    with pytest.raises(ValueError, match=r"Omic 'omic0' has 2 column\(s\) without a name \(NaN or None; column 1 first\)"):
        skpoems.POEMSTransformer(n_components=2, max_iter=1).fit([frame, np.ones((10, 2))])
    with pytest.raises(TypeError, match="y_true must be a 1-D sequence of labels, one per sample"):
        clustering_accuracy({0: 1}, [1])


def test_omic_and_feature_labels_of_a_multiindex_frame_are_checked_as_other_forms():
    """A NaN omic label failed inside the epoch loop (a TypeError joining names);
    omics 1 and "1" were merged into one silently; a NaN feature became "nan";
    a flat frame with a NaN column and omic_dims failed in np.unique."""
    X = np.random.RandomState(0).rand(20, 10)

    def fit(columns, **kw):
        return skpoems.POEMSTransformer(n_components=2, max_iter=1, **kw).fit(pd.DataFrame(X, columns=columns))

    def multi(omic, feature):
        return pd.MultiIndex.from_tuples([(omic(i), feature(i)) for i in range(10)])

    with pytest.raises(ValueError, match=r"4 column\(s\) without an omic name .*column 6 first"):
        fit(multi(lambda i: "A" if i < 6 else np.nan, lambda i: f"g{i}"))
    with pytest.raises(ValueError, match=r"the same omic twice once written as text \(1, '1' are both '1'\)"):
        fit(multi(lambda i: 1 if i < 6 else "1", lambda i: f"g{i}"))
    with pytest.raises(ValueError, match=r"Omic 'B' has 1 column\(s\) without a name"):
        fit(multi(lambda i: "A" if i < 6 else "B", lambda i: np.nan if i == 7 else f"g{i}"))
    est = fit(multi(lambda i: 1 if i < 6 else 2, lambda i: i))  # numbers are names (as text)
    assert est.omic_names_ == ["1", "2"] and list(est.omic_feature_names()[1]) == ["6", "7", "8", "9"]
    with pytest.raises(TypeError, match="Feature names are only supported if all input features have string names"):
        fit([f"c{i}" if i != 3 else np.nan for i in range(10)], omic_dims=(6, 4))  # scikit-learn's own message


@pytest.mark.parametrize("cls", [POEMSTransformer, skpoems.MOCSSAETransformer])
def test_ctrl_c_during_training_keeps_the_best_weights_so_far(cls, monkeypatch):
    """Ctrl-C at epoch 300 of a long fit threw the whole fit away (the estimator
    went back to unfitted, without a word). As scikit-learn's MLP, the fit keeps
    the best weights of the completed epochs, with a warning, and raises the
    interrupt again (a search or script above stops as before); before the
    first epoch completes there is nothing to keep."""
    X = data()
    make_optimizer = cls._make_optimizer

    def interrupt():
        raise KeyboardInterrupt

    def interrupted_at(step):
        return optimizer_step_hook(make_optimizer, step, interrupt)

    est = tiny(cls, max_iter=50, batch_size=1000, n_iter_no_change=None)  # one step per epoch
    monkeypatch.setattr(cls, "_make_optimizer", interrupted_at(8))
    with pytest.warns(UserWarning, match=r"training interrupted by the user after epoch 7; the fitted model keeps"):
        with pytest.raises(KeyboardInterrupt):
            est.fit(X)
    assert est.stop_reason_ == "interrupted" and est.n_iter_ == 7 and len(est.history_) == 7
    assert len(est.loss_curve_) == 7 and 1 <= est.best_iter_ <= 7
    Z = est.transform(X)
    assert np.isfinite(Z).all() and Z.shape == (len(X["om0"]), len(est.get_feature_names_out()))
    # continued where it stopped
    monkeypatch.setattr(cls, "_make_optimizer", make_optimizer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(warm_start=True, max_iter=3).fit(X)
    assert est.n_iter_ == 10
    # interrupted in the first epoch: nothing learned, nothing kept
    fresh = tiny(cls, max_iter=50, batch_size=1000)
    monkeypatch.setattr(cls, "_make_optimizer", interrupted_at(1))
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X)
    assert not hasattr(fresh, "module_")


def test_an_error_mid_training_says_when_and_that_the_fit_was_undone(monkeypatch):
    """A RuntimeError or MemoryError at epoch k came back as it was: nothing
    said that k epochs had run and were undone."""
    X = data()

    def fail():
        raise RuntimeError("injected")

    monkeypatch.setattr(POEMSTransformer, "_make_optimizer", optimizer_step_hook(POEMSTransformer._make_optimizer, 4, fail))
    est = tiny(POEMSTransformer, max_iter=10, batch_size=1000)
    with pytest.raises(RuntimeError, match="injected") as raised:
        est.fit(X)
    assert any("failed after 3 epoch(s) of training; the estimator is as it was" in n for n in raised.value.__notes__)
    assert not hasattr(est, "module_")


def test_text_and_complex_values_are_refused_not_parsed_or_cut():
    """Text is not parsed as numbers (check_array(dtype=float) would) where the
    package takes a matrix outside the omics, and a complex tensor omic is refused
    as a complex array is (.float() kept its real part with only torch's warning)."""
    import torch

    from skpoems import POEMSTransformer
    from skpoems.metrics import evaluate_embedding
    from skpoems.preprocessing import SelectTopVariance

    X = data()
    est = tiny(POEMSTransformer).fit(X)
    Z = est.transform(X)
    with pytest.raises(TypeError, match="Z is an array of strings"):
        est.inverse_transform(Z.astype(str))
    with pytest.raises(TypeError, match="Z is an array of strings"):
        est.inverse_transform(Z.astype(str).tolist())
    with pytest.raises(TypeError, match="non-numeric column"):
        est.inverse_transform(pd.DataFrame(Z).astype(str).astype("string"))
    with pytest.raises(TypeError, match="Z is an array of strings"):
        evaluate_embedding(Z.astype(str), np.arange(24) % 3, seeds=(0,))
    with pytest.raises(TypeError, match="X is an array of strings"):
        SelectTopVariance(0.5).fit(X["om0"].astype(str))
    complex_omic = {"om0": torch.tensor(X["om0"] + 5j * X["om0"]), "om1": X["om1"]}
    with pytest.raises(ValueError, match="Complex data not supported: omic 'om0'"):
        tiny(POEMSTransformer).fit(complex_omic)
    with pytest.raises(ValueError, match="Complex data not supported: omic 'om0'"):
        est.transform(complex_omic)
    try:
        import polars as pl
    except ImportError:
        pl = None
    if pl is not None:  # (polars is optional)
        with pytest.raises(TypeError, match="Z has non-numeric column"):
            est.inverse_transform(pl.DataFrame(Z.astype(str)))
        with pytest.raises(TypeError, match="X has non-numeric column"):
            SelectTopVariance(1).fit(pl.DataFrame({"a": ["1", "2", "3"], "b": ["1", "2", "4"]}))
    # numbers held as Python objects still work
    np.testing.assert_allclose(est.inverse_transform(Z.astype(object))["om0"], est.inverse_transform(Z)["om0"])


def test_inspection_of_no_samples_and_of_constant_profiles_says_so():
    """No samples: a message, not an IndexError (group_markers) or numpy's error;
    constant subtype profiles: NaN correlations with a warning, as elsewhere."""
    from skpoems.inspection import group_markers, subtype_correlations
    from skpoems.plotting import plot_embedding_heatmap

    for call in (
        lambda: group_markers(np.zeros((0, 3)), []),
        lambda: subtype_correlations(np.zeros((0, 3)), []),
        lambda: plot_embedding_heatmap(np.zeros((0, 3)), []),
    ):
        with pytest.raises(ValueError, match="has 0 samples"):
            call()
    with pytest.warns(UserWarning, match=r"subtype\(s\) 0, 1, 2 is the same in every column"):
        table = subtype_correlations(np.ones((12, 3)), [0, 1, 2] * 4)
    assert table.isna().all().all()
    # one constant subtype: its whole row and column (not 0.0 from rounding noise),
    # also when it is constant only up to rounding once centred
    rng = np.random.RandomState(0)
    Z = rng.rand(9, 13)
    Z[:3] = 0.7
    with pytest.warns(UserWarning, match=r"subtype\(s\) 0 is the same"):
        table = subtype_correlations(Z, [0] * 3 + [1] * 3 + [2] * 3)
    assert table.iloc[0].isna().all() and table.iloc[:, 0].isna().all() and table.iloc[1:, 1:].notna().all().all()
    Z = rng.rand(12, 13)
    Z[:3] = Z[3:].mean(axis=0)
    with pytest.warns(UserWarning, match=r"subtype\(s\) 0 is the same in every column once centred"):
        table = subtype_correlations(Z, np.repeat([0, 1, 2, 3], 3), center=True)
    assert table.iloc[0].isna().all()


@pytest.mark.parametrize("cls", ALL)
def test_wide_inputs_are_evaluated_in_chunks_of_bounded_bytes(cls, monkeypatch):
    """transform, inverse_transform and impute take a wide cohort a few samples at
    a time (a byte budget, not a fixed 4096 rows: 3000 patients of 70,000
    features were one 1.7 GB float64 tensor), with the same results."""
    import skpoems._base as base

    X = data(n=24)
    X["om1"][:3] = np.nan
    est = tiny(cls).fit(X)
    Z, decoded, filled = est.transform(X), est.inverse_transform(est.transform(X)), est.impute(X)
    seen: dict[str, list[int]] = {}
    module = type(est.module_)

    def recording(name):
        original = getattr(module, name)

        def method(self, first, *args, **kwargs):
            seen.setdefault(name, []).append((first[0] if isinstance(first, (list, tuple)) else first).shape[0])
            return original(self, first, *args, **kwargs)

        return method

    for name in ("embed", "decode", "sample_elbo"):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, recording(name))
    monkeypatch.setattr(base, "_EVAL_CHUNK_BYTES", 8 * 10 * 5)  # 10 features: 5 samples a chunk
    np.testing.assert_allclose(est.transform(X), Z, rtol=1e-12, atol=1e-12)
    assert max(seen.pop("embed")) == 5
    chunked = est.inverse_transform(Z)
    assert list(chunked) == list(decoded) == ["om0", "om1"]
    for name in decoded:
        np.testing.assert_allclose(chunked[name], decoded[name], rtol=1e-12, atol=1e-12)
    assert max(seen.pop("decode")) == 5
    if hasattr(est, "score_samples"):
        est.score_samples(X)
        assert max(seen.pop("sample_elbo")) == 5
    for k in X:
        np.testing.assert_allclose(est.impute(X)[k], filled[k], rtol=1e-12, atol=1e-12)
    assert not np.shares_memory(est.impute(X)["om0"], X["om0"])


def test_float64_evaluation_reuses_one_copy_of_the_model_until_it_changes():
    """float64 data are evaluated by a float64 copy of the model; copying cost
    some 40 ms a call at 40,000 features against 2 ms for one sample, so the
    copy is kept while the weights stay the same, and renewed when they change
    (a warm-start refit, load_state_dict), with the results of a fresh copy."""
    import skpoems._base as base

    X = data(n=24)
    est = tiny(POEMSTransformer).fit(X)
    copies = []
    original = base.copy.deepcopy

    def counting(obj, *args, **kwargs):
        if type(obj) is type(est.module_):  # (not its submodules, copied along)
            copies.append(obj)
        return original(obj, *args, **kwargs)

    with mock.patch.object(base.copy, "deepcopy", counting):
        Z = est.transform(X)
        for _ in range(3):
            np.testing.assert_array_equal(est.transform(X), Z)
            est.inverse_transform(Z)
        assert len(copies) <= 1  # (fit may have made it already)
        n = len(copies)
        state = {k: v.clone() for k, v in est.module_.state_dict().items()}
        with torch.no_grad():
            next(est.module_.parameters()).add_(0.5)  # modified in place
        changed = est.transform(X)
        assert len(copies) == n + 1 and not np.allclose(changed, Z)
        est.module_.load_state_dict(state)
        np.testing.assert_array_equal(est.transform(X), Z)
        assert len(copies) == n + 2
        est.set_params(warm_start=True, max_iter=2).fit(X)
        refit = est.transform(X)
    assert not np.allclose(refit, Z)
    np.testing.assert_array_equal(refit, copy.deepcopy(est).transform(X))


@pytest.mark.parametrize("cls", ALL)
def test_score_does_not_depend_on_the_order_of_the_samples(cls):
    """The fixed evaluation noise was one stream over the rows, so a shuffled
    test set scored up to 0.6 nats apart, as much as two learning rates; each
    sample now draws its own noise from a key of its values."""
    X = data(n=40)
    est = tiny(cls, max_iter=6).fit({k: v[:30] for k, v in X.items()})
    test = {k: v[30:].copy() for k, v in X.items()}
    test["om1"][[2, 7]] = np.nan  # two samples lack omic 1 (MOCSS: a branch of the others)
    score = est.score(test)
    for seed in range(3):
        order = np.random.RandomState(seed).permutation(10)
        assert est.score({k: v[order] for k, v in test.items()}) == pytest.approx(score, rel=1e-6, abs=1e-6)


def test_row_noise_is_standard_normal_and_independent():
    from skpoems.utils._torch import RowNoise, row_keys

    rng = np.random.RandomState(0)
    x = torch.as_tensor(rng.rand(20000, 3))
    keys = row_keys([x])
    assert len(np.unique(keys)) == 20000
    mean = torch.zeros(20000, 4, dtype=torch.float32)
    noise = RowNoise(keys)
    first, second = noise.normal_like(mean), noise.normal_like(mean)
    assert first.dtype == torch.float32 and first.shape == (20000, 4)
    z = torch.cat([first, second], dim=1).double().numpy()
    assert np.abs(z.mean(axis=0)).max() < 0.03 and np.abs(z.std(axis=0) - 1).max() < 0.03
    corr = np.corrcoef(z, rowvar=False)
    assert np.abs(corr - np.eye(8)).max() < 0.03
    from scipy import stats

    assert stats.kstest(z.ravel(), "norm").pvalue > 1e-3
    # a sample's draws do not depend on the rows beside it, nor on the seed's absence
    again = RowNoise(keys[::-1]).normal_like(mean)
    np.testing.assert_array_equal(again.numpy()[::-1], first.numpy())
    assert not np.array_equal(RowNoise(keys, seed=1).normal_like(mean).numpy(), first.numpy())
    # keys see every omic and which omics a sample has
    y = torch.as_tensor(rng.rand(20000, 2))
    assert not np.array_equal(row_keys([x, y]), keys)
    observed = torch.ones(20000, 2, dtype=torch.bool)
    observed[0, 1] = False
    assert (row_keys([x, y], observed) != row_keys([x, y])).sum() >= 1
    assert row_keys([x, y], observed)[0] != row_keys([x, y])[0]


def test_fit_refuses_labels_in_another_order_than_the_samples():
    """The model does not use y, but a Pipeline gives it to the classifier
    after the embedding by position: a y shuffled against X's samples scored
    0.45 instead of 0.98 in cross_val_score, without a word."""
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    X = concat_omics({k: pd.DataFrame(v, index=[f"p{i}" for i in range(24)]) for k, v in data().items()})
    y = pd.Series(np.arange(24) % 2, index=X.index)
    shuffled = y.sample(frac=1, random_state=0)
    pipe = make_pipeline(tiny(POEMSTransformer), KNeighborsClassifier(3))
    with pytest.raises(ValueError, match=r"POEMSTransformer.fit: y's index names the same samples .* another order"):
        pipe.fit(X, shuffled)
    with pytest.raises(ValueError, match=r"POEMSTransformer.fit: y's index"):
        tiny(POEMSTransformer).fit_transform(X, shuffled)
    pipe.fit(X, y)
    pipe.fit(X, shuffled.to_numpy())  # by position, as the user says
    pipe.fit(X.reset_index(drop=True), shuffled)  # X names no samples


@pytest.mark.parametrize("cls", ALL)
def test_an_omic_constant_in_every_sample_is_named(cls):
    X = data(n=24)
    X["om1"] = np.full_like(X["om1"], 0.3)
    X["om1"][:2] = np.nan  # (samples lacking it are not looked at)
    with pytest.warns(UserWarning, match=r"Omic 'om1' is the same in every sample \(each of its 4 features"):
        tiny(cls).fit(X)
    X["om1"][5, 0] = 0.4  # one feature varies: nothing to say
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(cls).fit(X)
    assert not [w for w in caught if "same in every sample" in str(w.message)]


@pytest.mark.parametrize("cls", ALL)
def test_inverse_transform_gives_the_form_fit_took(cls):
    """Fitted on one table, one table back (a list per omic broke scikit-learn's
    Pipeline.inverse_transform: MinMaxScaler cannot read a list of blocks)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from skpoems import split_omics
    from skpoems.preprocessing import OmicTransformer

    X = data(n=24)
    flat = np.hstack(list(X.values()))
    pipe = make_pipeline(MinMaxScaler(), tiny(cls, omic_dims=(6, 4))).fit(flat)
    back = pipe.inverse_transform(pipe.transform(flat))
    assert isinstance(back, np.ndarray) and back.shape == flat.shape and np.isfinite(back).all()
    est = pipe[-1]
    Z = est.transform(MinMaxScaler().fit_transform(flat))
    blocks = est._decode_blocks(Z)
    np.testing.assert_array_equal(est.inverse_transform(Z), np.hstack(blocks))
    np.testing.assert_array_equal(split_omics(est.inverse_transform(Z), est.omic_dims_)[1], blocks[1])
    # the MultiIndex frame of concat_omics: its columns back when Z is a frame
    frame = concat_omics({k: pd.DataFrame(v, columns=[f"{k}_f{j}" for j in range(v.shape[1])]) for k, v in X.items()})
    est = tiny(cls).fit(frame)
    Zf = est.set_output(transform="pandas").transform(frame)
    rec = est.inverse_transform(Zf)
    assert isinstance(rec, pd.DataFrame) and rec.columns.equals(frame.columns) and rec.index.equals(frame.index)
    rec = est.inverse_transform(Zf.to_numpy())  # a DataFrame for a DataFrame fit
    assert isinstance(rec, pd.DataFrame) and rec.columns.equals(frame.columns)
    np.testing.assert_array_equal(rec["om1"].to_numpy(), est._decode_blocks(Zf.to_numpy())[1])
    # a flat frame: its own column names
    plain = pd.DataFrame(flat, columns=[f"c{j}" for j in range(10)])
    est = tiny(cls, omic_dims=(6, 4)).fit(plain)
    rec = est.inverse_transform(est.set_output(transform="pandas").transform(plain))
    assert list(rec.columns) == list(plain.columns)
    # a list of omics: a list of blocks; a dict: a dict keyed by the omic names
    # (it was a list, which a dict user had to read by omic_names_)
    est = tiny(cls).fit(list(X.values()))
    rec = est.inverse_transform(est.transform(list(X.values())))
    assert isinstance(rec, list) and [r.shape for r in rec] == [(24, 6), (24, 4)]
    swapped = {"om1": X["om1"], "om0": X["om0"]}
    est = tiny(cls).fit(swapped)
    rec = est.inverse_transform(est.transform(swapped))
    assert isinstance(rec, dict) and list(rec) == list(est.omic_names_) == ["om1", "om0"]
    assert [r.shape for r in rec.values()] == [(24, 4), (24, 6)]
    frames = est.inverse_transform(est.set_output(transform="pandas").transform(swapped))
    assert list(frames) == ["om1", "om0"] and list(frames["om0"].columns) == list(est.omic_feature_names()[1])
    pipe = make_pipeline(OmicTransformer(), tiny(cls)).fit(swapped)
    back = pipe.inverse_transform(pipe.transform(swapped))
    assert isinstance(back, dict) and sorted(back) == ["om0", "om1"]
    np.testing.assert_allclose(back["om0"], pipe[0].inverse_transform(pipe[-1].inverse_transform(pipe.transform(swapped)))["om0"])


def test_a_complete_samples_noise_does_not_depend_on_samples_lacking_an_omic():
    from skpoems.utils._torch import row_keys

    rng = np.random.RandomState(0)
    xs = [torch.as_tensor(rng.rand(6, 3)), torch.as_tensor(rng.rand(6, 2))]
    observed = torch.ones(6, 2, dtype=torch.bool)
    observed[0, 1] = False
    with_missing, complete = row_keys(xs, observed), row_keys(xs)
    np.testing.assert_array_equal(with_missing[1:], complete[1:])
    assert with_missing[0] != complete[0]


def test_fit_label_order_error_names_a_table_of_a_dict():
    X = {k: pd.DataFrame(v, index=[f"p{i}" for i in range(24)]) for k, v in data().items()}
    y = pd.Series(np.arange(24) % 2, index=X["om0"].index).sample(frac=1, random_state=0)
    with pytest.raises(ValueError, match=r"y\.loc\[X\['om0'\]\.index\]"):
        tiny(POEMSTransformer).fit(X, y)


def test_one_sample_as_a_list_of_unequal_rows_is_named():
    """A list of 1-D vectors is one table of rows (as in scikit-learn); one sample's
    omics passed that way, rows of different lengths, gave numpy's 'inhomogeneous
    shape' error. Now the message says what a list of rows is and how to pass one
    sample's omics."""
    X = data()
    est = tiny(POEMSTransformer).fit(X)
    rows = [X["om0"][0], X["om1"][0]]
    with pytest.raises(ValueError, match=r"list of 1-D rows of different lengths \(6, 4\).*reshape\(1, -1\)"):
        est.transform(rows)
    assert est.transform([r.reshape(1, -1) for r in rows]).shape == (1, est.n_components_)


def test_public_functions_refuse_a_bool_for_a_count():
    """True is an Integral: n_clusters=True clustered into one group, and
    make_multiomics(n_samples=True) made one sample, where a bool was a mistake."""
    from skpoems.datasets import make_multiomics
    from skpoems.metrics import evaluate_embedding

    Z, y = np.random.RandomState(0).rand(20, 2), np.arange(20) % 2
    calls = [
        lambda: evaluate_embedding(Z, y, n_clusters=True),
        lambda: evaluate_embedding(Z, y, n_neighbors=True),
        lambda: evaluate_embedding(Z, y, test_size=True),
        lambda: make_multiomics(n_samples=True),
        lambda: make_multiomics(n_components=np.True_),
    ]
    est = tiny(POEMSTransformer).fit(data())
    calls += [
        lambda: skpoems.inspection.top_features(est, factor=True),
        lambda: skpoems.inspection.top_features(est, n=True),
        lambda: skpoems.inspection.variance_explained(est, data(), n_permutations=False),
    ]
    for call in calls:
        with pytest.raises(InvalidParameterError, match="not a bool"):
            call()


@pytest.mark.parametrize("layout", ["list", "dict", "array", "frame"])
def test_inverse_transform_of_polars_embeddings_gives_polars_frames(layout):
    """With set_output(transform="polars"), decoding transform's output gave
    bare arrays after a list or dict fit (pandas output gave named frames)."""
    pl = pytest.importorskip("polars")  # in the test extras
    from skpoems._omics import flat_feature_names

    X = data(n=24)
    names = {k: [f"{k}_f{j}" for j in range(v.shape[1])] for k, v in X.items()}
    fitted = {
        "list": list(X.values()),
        "dict": X,
        "array": np.hstack(list(X.values())),
        "frame": pd.DataFrame(np.hstack(list(X.values())), columns=names["om0"] + names["om1"]),
    }[layout]
    kwargs = {"omic_dims": (6, 4)} if layout in ("array", "frame") else {}
    est = tiny(POEMSTransformer, **kwargs).set_output(transform="polars").fit(fitted)
    Z = est.transform(fitted)
    assert isinstance(Z, pl.DataFrame)
    rec = est.inverse_transform(Z)
    expected = est._decode_blocks(Z.to_numpy())
    if layout in ("array", "frame"):
        assert isinstance(rec, pl.DataFrame) and rec.columns == (list(fitted.columns) if layout == "frame" else [str(c) for c in flat_feature_names(list(est.omic_names_), est.omic_feature_names())])
        np.testing.assert_array_equal(rec.to_numpy(), np.hstack(expected))
        return
    frames = list(rec.values()) if layout == "dict" else rec
    assert all(isinstance(f, pl.DataFrame) for f in frames)
    for frame, names_v, block in zip(frames, est.omic_feature_names(), expected):
        assert frame.columns == [str(n) for n in names_v]
        np.testing.assert_array_equal(frame.to_numpy(), block)


# (MOCSS-AE, trained by Adam without weight decay, did not diverge at any rate tried)
@pytest.mark.parametrize("cls", [POEMSTransformer, POEMTransformer, MOCSSVAETransformer, MOCSSSparseVAETransformer])
def test_divergence_without_early_stopping_keeps_the_best_finite_weights_with_ema(cls):
    """With ema_decay and early_stopping=False, the average (non-finite after
    the divergence) was loaded over the restored best finite weights: POEMS
    then blamed the input, the MOCSS models raised a torch SVD error."""
    rng = np.random.RandomState(0)
    X = [rng.rand(40, 6), rng.rand(40, 4)]
    kw = dict(max_iter=30, early_stopping=False, n_iter_no_change=None, ema_decay=0.5)
    extra = {"objective": "paper"} if cls in POE else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = tiny(cls, learning_rate=100.0, **extra, **kw).fit(X)
    assert est.stop_reason_ == "diverged" and est.best_iter_ < est.n_iter_
    assert np.isfinite(est.transform(X)).all()


@pytest.mark.parametrize("cls", ALL)
def test_tol_decides_the_patience_not_the_weights_kept(cls):
    """With tol > 0 early stopping kept the last epoch that improved by more
    than tol, not the best one (scikit-learn's MLP keeps the best)."""
    rng = np.random.RandomState(0)
    X = [rng.rand(60, 6), rng.rand(60, 4)]
    est = tiny(cls, max_iter=300, n_iter_no_change=5, tol=0.5, monitor_smoothing=0.0, learning_rate=3e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    scores = np.asarray(est.validation_scores_)
    assert est.best_validation_score_ == pytest.approx(scores.max(), rel=1e-6)
    assert est.best_iter_ == int(scores.argmax()) + 1


def test_inputs_found_by_fuzzing_are_read_or_refused_by_name():
    """Each case leaked an internal error: an Int64 (or pyarrow) index beside an
    int64 one with the same labels (IndexError); tuple column labels of a flat
    frame (numpy's "setting an array element with a sequence"); a reversed
    embedding (torch's negative strides); a Python int beyond float64 (an
    OverflowError); a MultiIndex frame without columns (numpy's concatenate).
    impute returned a flat array for a ChainMap or a flat polars frame, and a
    namedtuple of omics failed to be rebuilt."""
    from collections import ChainMap, namedtuple

    rng = np.random.RandomState(0)
    A, B = rng.rand(6, 3), rng.rand(6, 2)
    a = pd.DataFrame(A, index=pd.Index(range(10, 16)))
    for dtype in ("Int64", "Float64"):
        b = pd.DataFrame(B, index=pd.Index(range(10, 16), dtype=dtype))
        tiny(POEMTransformer).fit([a, b])
        tiny(POEMTransformer).fit(a, pd.Series([0, 1] * 3, index=b.index))
        reordered = pd.DataFrame(B, index=pd.Index(range(15, 9, -1), dtype=dtype))
        with pytest.raises(ValueError, match=r"in another order \(row 0 is 15(\.0)? in 'omic1' and 10 in 'omic0'\)"):
            tiny(POEMTransformer).fit([a, reordered])
        with pytest.raises(ValueError, match=r"y's index names the same samples as the data, in another order"):
            tiny(POEMTransformer).fit(a, pd.Series([0, 1] * 3, index=reordered.index))
    flat = concat_omics({"m": A, "r": B})
    flat.columns = flat.columns.to_flat_index()
    assert tiny(POEMTransformer, omic_dims=(3, 2)).fit(flat).omic_dims_ == (3, 2)
    est = tiny(POEMTransformer).fit([A, B])
    Z = est.transform([A, B])
    np.testing.assert_array_equal(est.inverse_transform(Z[::-1])[0], est.inverse_transform(Z[::-1].copy())[0])
    big = A.astype(object)
    big[0, 0] = 10**400
    with pytest.raises(ValueError, match="Omic 'omic0' holds a number too large for a float"):
        tiny(POEMTransformer).fit([big, B])
    with pytest.raises(ValueError, match=r"\(omic, feature\) columns but no column"):
        tiny(POEMTransformer).fit(concat_omics({"a": A}).iloc[:, :0])
    chained = ChainMap({"a": A, "b": B})
    filled = tiny(POEMTransformer).fit(chained).impute(chained)
    assert isinstance(filled, dict) and list(filled) == ["a", "b"]
    Omics = namedtuple("Omics", "a b")
    assert isinstance(tiny(POEMTransformer).fit(Omics(A, B)).impute(Omics(A, B)), Omics)
    from skpoems.preprocessing import OmicTransformer

    assert isinstance(OmicTransformer().fit_transform(Omics(A, B)), Omics)
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(np.hstack([A, B]), schema=list("abcde"), orient="row")
    filled = tiny(POEMTransformer, omic_dims=(3, 2)).fit(frame).impute(frame)
    assert isinstance(filled, pl.DataFrame) and filled.columns == list("abcde")
