"""Per-omic preprocessing that keeps the omic structure (skpoems.preprocessing)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skpoems import POEMTransformer, concat_omics, split_omics
from skpoems.preprocessing import OmicTransformer, SelectTopVariance


def omics(n=30, seed=0):
    rng = np.random.RandomState(seed)
    return {
        "mRNA": pd.DataFrame(
            100 * rng.rand(n, 5),
            columns=[f"g{j}" for j in range(5)],
            index=[f"p{i}" for i in range(n)],
        ),
        "miRNA": pd.DataFrame(
            3 + rng.rand(n, 3) * np.array([1, 10, 0.1]),
            columns=["m0", "m1", "m2"],
            index=[f"p{i}" for i in range(n)],
        ),
    }


@parametrize_with_checks(
    [
        OmicTransformer(),
        OmicTransformer(StandardScaler()),
        # a transformer that refuses NaN (the tag said NaN were fine, and the
        # pickling check's NaN failed)
        OmicTransformer(PCA(1)),
        SelectTopVariance(),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_nan_tag_follows_the_omics_transformers():
    def allow_nan(t):
        return OmicTransformer(t).__sklearn_tags__().input_tags.allow_nan

    assert allow_nan(None) and allow_nan(StandardScaler()) and allow_nan("passthrough")
    assert not allow_nan(PCA(1)) and not allow_nan(make_pipeline(StandardScaler(), PCA(1)))
    assert allow_nan(make_pipeline(SimpleImputer(), PCA(1)))
    assert not allow_nan({"mRNA": None, "miRNA": PCA(1)})


def per_omic_minmax(X):
    return {k: MinMaxScaler().fit_transform(v) for k, v in X.items()}


def test_every_form_keeps_its_form_and_is_scaled_per_omic():
    X = omics()
    expected = per_omic_minmax(X)
    out = OmicTransformer().fit_transform(X)  # dict of DataFrames
    assert list(out) == ["mRNA", "miRNA"]
    for k in X:
        assert isinstance(out[k], pd.DataFrame)
        assert out[k].index.equals(X[k].index) and list(out[k].columns) == list(
            X[k].columns
        )
        np.testing.assert_allclose(out[k].to_numpy(), expected[k])
    as_list = OmicTransformer().fit_transform(
        [X["mRNA"].to_numpy(), X["miRNA"].to_numpy()]
    )
    assert isinstance(as_list, list) and [b.shape for b in as_list] == [
        (30, 5),
        (30, 3),
    ]
    np.testing.assert_allclose(as_list[1], expected["miRNA"])
    as_tuple = OmicTransformer().fit_transform(tuple(X.values()))
    assert isinstance(as_tuple, tuple)
    frame = OmicTransformer().fit_transform(concat_omics(X))
    assert frame.columns.equals(concat_omics(X).columns) and frame.index.equals(
        X["mRNA"].index
    )
    np.testing.assert_allclose(frame["miRNA"].to_numpy(), expected["miRNA"])
    flat = np.hstack([X["mRNA"].to_numpy(), X["miRNA"].to_numpy()])
    out_flat = OmicTransformer(omic_dims=(5, 3)).fit_transform(flat)
    assert isinstance(out_flat, np.ndarray)
    np.testing.assert_allclose(
        out_flat, np.hstack([expected["mRNA"], expected["miRNA"]])
    )


def test_a_dict_in_another_order_is_matched_by_omic_name():
    X = omics()
    ot = OmicTransformer().fit(X)
    expected = ot.transform(X)
    reversed_X = {"miRNA": X["miRNA"], "mRNA": X["mRNA"]}
    out = ot.transform(reversed_X)
    assert list(out) == ["mRNA", "miRNA"]  # the fitted order
    for k in X:
        pd.testing.assert_frame_equal(out[k], expected[k])
    back = ot.inverse_transform({"miRNA": expected["miRNA"], "mRNA": expected["mRNA"]})
    for k in X:
        np.testing.assert_allclose(back[k].to_numpy(), X[k].to_numpy())


@pytest.mark.parametrize("form", ["list", "dict"])
def test_polars_omics_come_back_as_polars_with_their_names(form):
    """(They came back as pandas frames.) Also through inverse_transform, and
    through a model's impute and inverse_transform after it in a pipeline."""
    pl = pytest.importorskip("polars")  # in the test extras
    from sklearn.pipeline import make_pipeline

    from skpoems import POEMSTransformer

    X = omics()
    given = {k: pl.from_pandas(v) for k, v in X.items()}
    if form == "list":
        given = list(given.values())
    ot = OmicTransformer().fit(given)
    out = ot.transform(given)
    blocks = list(out.values()) if form == "dict" else out
    expected = per_omic_minmax(X)
    for block, (k, v) in zip(blocks, X.items()):
        assert isinstance(block, pl.DataFrame) and list(block.columns) == list(v.columns)
        np.testing.assert_allclose(block.to_numpy(), expected[k])
    back = ot.inverse_transform(out)
    for block, v in zip(back.values() if form == "dict" else back, X.values()):
        assert isinstance(block, pl.DataFrame)
        np.testing.assert_allclose(block.to_numpy(), v.to_numpy())
    pipe = make_pipeline(OmicTransformer(), POEMSTransformer(n_components=3, max_iter=2, random_state=0))
    pipe.set_output(transform="polars").fit(given)
    decoded = pipe.inverse_transform(pipe.transform(given))
    for block, v in zip(decoded.values() if form == "dict" else decoded, X.values()):
        assert isinstance(block, pl.DataFrame) and list(block.columns) == list(v.columns)
    filled = pipe[-1].impute(out)
    for block in filled.values() if form == "dict" else filled:
        assert isinstance(block, pl.DataFrame)


def test_input_is_not_modified():
    X = omics()
    before = {k: v.copy() for k, v in X.items()}
    frame = concat_omics(X)
    frame_before = frame.copy()
    OmicTransformer().fit(X).transform(X)
    OmicTransformer().fit_transform(frame)
    for k in X:
        pd.testing.assert_frame_equal(X[k], before[k])
    pd.testing.assert_frame_equal(frame, frame_before)


def test_pipeline_keeps_the_omics_that_a_flat_scaler_loses():
    X = concat_omics(omics())
    ours = make_pipeline(
        OmicTransformer(), POEMTransformer(max_iter=2, random_state=0)
    ).fit(X)
    assert ours[-1].omic_names_ == ["mRNA", "miRNA"] and ours[-1].omic_dims_ == (5, 3)
    assert ours[-1].omic_feature_names()[1].tolist() == ["m0", "m1", "m2"]
    # the reason this module exists: a flat scaler hands the model one omic
    flat = make_pipeline(
        MinMaxScaler(), POEMTransformer(max_iter=2, random_state=0)
    ).fit(X)
    assert flat[-1].omic_dims_ == (8,)


def test_missing_omics_stay_missing_and_are_left_out_of_fitting():
    X = {k: v.to_numpy(copy=True) for k, v in omics().items()}
    X["miRNA"][:4] = np.nan  # 4 patients without miRNA
    ot = OmicTransformer(PCA(2)).fit(
        X
    )  # PCA refuses NaN: only observed rows may reach it
    np.testing.assert_allclose(
        ot.transformers_["miRNA"].mean_, X["miRNA"][4:].mean(axis=0)
    )
    out = ot.transform(X)
    assert np.isnan(out["miRNA"][:4]).all() and np.isfinite(out["miRNA"][4:]).all()
    assert np.isfinite(out["mRNA"]).all() and out["mRNA"].shape == (30, 2)
    assert ot.omic_dims_out_ == (2, 2)


def test_imputer_fills_stray_values_but_not_missing_omics():
    X = {k: v.to_numpy(copy=True) for k, v in omics().items()}
    X["mRNA"][3, 1] = np.nan  # one stray missing value
    X["miRNA"][:2] = np.nan  # two patients without miRNA
    with pytest.raises(ValueError, match="'mRNA' contains NaN in 1 sample"):
        POEMTransformer(max_iter=2).fit(X)
    filled = OmicTransformer(SimpleImputer()).fit_transform(X)
    assert filled["mRNA"][3, 1] == pytest.approx(
        np.nanmean(np.delete(X["mRNA"][:, 1], 3))
    )
    assert np.isnan(filled["miRNA"][:2]).all()
    scaled = OmicTransformer(
        make_pipeline(SimpleImputer(), MinMaxScaler())
    ).fit_transform(X)
    est = POEMTransformer(max_iter=2, random_state=0).fit(scaled)
    assert est.transform_gating(scaled)[:2, 1].tolist() == [0.0, 0.0]


def test_selection_changes_the_dims_and_keeps_the_names():
    X = omics()
    ot = OmicTransformer(make_pipeline(SelectTopVariance(0.5), MinMaxScaler()))
    out = ot.fit_transform(concat_omics(X))
    # mRNA: 3 of 5 (rounded up); miRNA: the two widest of scales 1, 10, 0.1
    assert ot.omic_dims_out_ == (3, 2)
    kept = X["mRNA"].var().sort_values(ascending=False).index[:3]
    assert set(out["mRNA"].columns) == set(kept) and list(out["miRNA"].columns) == [
        "m0",
        "m1",
    ]
    assert ot.get_feature_names_out()[-2:].tolist() == ["miRNA__m0", "miRNA__m1"]
    est = POEMTransformer(max_iter=2, random_state=0).fit(out)
    assert est.omic_dims_ == (3, 2)


def test_labels_reach_supervised_steps_on_the_samples_that_have_the_omic():
    X = {k: v.to_numpy(copy=True) for k, v in omics(40).items()}
    y = np.arange(40) % 2
    X["mRNA"][:, 3] += 50 * y  # feature g3 tells the classes apart
    X["miRNA"][:5] = np.nan
    ot = OmicTransformer(SelectKBest(f_classif, k=1)).fit(X, y)
    assert ot.transformers_["mRNA"].get_support().tolist() == [
        False,
        False,
        False,
        True,
        False,
    ]
    assert ot.transformers_["miRNA"].scores_.shape == (
        3,
    )  # fitted on the 35 with miRNA
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        OmicTransformer().fit(X, y[:-1])


def test_dict_of_transformers_and_passthrough():
    X = omics()
    ot = OmicTransformer({"mRNA": MinMaxScaler(), "miRNA": "passthrough"}).fit(X)
    out = ot.transform(X)
    np.testing.assert_array_equal(out["miRNA"].to_numpy(), X["miRNA"].to_numpy())
    assert out["mRNA"].to_numpy().max() == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"omic\(s\) \['miRNA'\] have no entry"):
        OmicTransformer({"mRNA": MinMaxScaler()}).fit(X)
    with pytest.raises(ValueError, match=r"no omic is named \['rna'\]"):
        OmicTransformer(
            {"mRNA": MinMaxScaler(), "miRNA": "passthrough", "rna": "passthrough"}
        ).fit(X)
    with pytest.raises(
        TypeError, match=r"transformer\['miRNA'\] must be a transformer"
    ):
        OmicTransformer({"mRNA": MinMaxScaler(), "miRNA": 3}).fit(X)


def test_inner_errors_name_the_omic():
    X = omics()
    X["miRNA"] = X["miRNA"].copy()
    X["miRNA"].iloc[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"Omic 'miRNA' \(fit\):.*infinity"):
        OmicTransformer().fit(X)
    fitted = OmicTransformer().fit(omics())
    with pytest.raises(
        ValueError,
        match="Omic 'miRNA' has 2 features, but OmicTransformer was fitted with 3",
    ):
        fitted.transform(
            {"mRNA": omics()["mRNA"], "miRNA": omics()["miRNA"].iloc[:, :2]}
        )
    with pytest.raises(ValueError, match="'mRNA' has no sample with observed values"):
        OmicTransformer().fit(
            {"mRNA": np.full((5, 2), np.nan), "miRNA": np.ones((5, 2))}
        )


def test_inverse_transform_returns_to_the_original_scale():
    X = concat_omics(omics())
    ot = OmicTransformer().fit(X)
    back = ot.inverse_transform(ot.transform(X))
    pd.testing.assert_frame_equal(back, X)
    # what a model's inverse_transform returns goes back too: one table for a
    # model fitted on one, a list for a model fitted on a list
    model = POEMTransformer(max_iter=2, random_state=0).fit(ot.transform(X))
    decoded = ot.inverse_transform(
        model.inverse_transform(model.transform(ot.transform(X)))
    )
    assert decoded.shape == (30, 8)
    decoded = split_omics(decoded, [5, 3])
    lo, hi = X["miRNA"].min().to_numpy(), X["miRNA"].max().to_numpy()
    assert np.all(decoded[1] > lo - (hi - lo)) and np.all(decoded[1] < hi + (hi - lo))
    listed = [ot.transform(X)[name] for name in ("mRNA", "miRNA")]
    model = POEMTransformer(max_iter=2, random_state=0).fit(listed)
    decoded = ot.inverse_transform(model.inverse_transform(model.transform(listed)))
    assert [b.shape for b in decoded] == [(30, 5), (30, 3)]


def test_inverse_transform_gives_nan_not_zero_for_features_a_selector_dropped():
    """scikit-learn's selectors invert by writing 0 into the features they dropped,
    which came back under the features' own names as if measured; they are NaN,
    with a warning, traced through steps that keep features one to one; a step
    that mixes features (PCA) before a selector reconstructs every feature."""
    X = concat_omics(omics())
    X.iloc[:3, X.columns.get_loc("miRNA")] = np.nan  # patients without miRNA
    ot = OmicTransformer(make_pipeline(StandardScaler(), SelectTopVariance(0.5), MinMaxScaler())).fit(X)
    kept = {name: list(ot.transformers_[name][1].get_support()) for name in ("mRNA", "miRNA")}
    with pytest.warns(UserWarning, match=r"Omic 'mRNA' \(inverse_transform\): 2 of its 5 features were dropped"):
        back = ot.inverse_transform(ot.transform(X))
    for name in ("mRNA", "miRNA"):
        observed = X[name].notna().all(axis=1).to_numpy()
        dropped = ~np.asarray(kept[name])
        assert np.isnan(back[name].to_numpy()[:, dropped]).all()
        np.testing.assert_allclose(back[name].to_numpy()[observed][:, ~dropped], X[name].to_numpy()[observed][:, ~dropped])
    # after an imputer that appends missing-value indicators (the one the README
    # recommends for inverting), the selector's dropped features are still found
    from sklearn.feature_selection import VarianceThreshold

    block = np.random.RandomState(0).rand(20, 6)
    block[:, 2] = 0.5  # constant: dropped by the variance threshold
    block[3, 0] = np.nan
    ot = OmicTransformer(make_pipeline(SimpleImputer(add_indicator=True), VarianceThreshold())).fit([block])
    with pytest.warns(UserWarning, match="1 of its 6 features were dropped by a selector"):
        back = ot.inverse_transform(ot.transform([block]))[0]
    # (the imputer's inverse gives the missing value back as NaN)
    assert np.isnan(back[:, 2]).all() and np.isnan(back).sum() == 20 + 1 and np.isnan(back[3, 0])
    # a selector of components after PCA: every feature is reconstructed
    ot = OmicTransformer(make_pipeline(PCA(2), SelectTopVariance(0.5))).fit(omics())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = ot.inverse_transform(ot.transform(omics()))
    assert not np.isnan(back["mRNA"].to_numpy()).any()
    # a log transform without its inverse says that its inverse is the identity
    ot = OmicTransformer(FunctionTransformer(np.log1p)).fit(omics())
    with pytest.warns(UserWarning, match=r"FunctionTransformer\(log1p\) has no inverse_func"):
        ot.inverse_transform(ot.transform(omics()))


def test_inverse_transform_through_an_indicator_and_pca_is_a_clear_error():
    """scikit-learn's SimpleImputer(add_indicator=True) cannot invert the real
    numbers PCA gives back for its indicator column: its IndexError came out raw."""
    block = np.random.RandomState(0).rand(20, 6)
    block[0, 1] = np.nan
    ot = OmicTransformer(make_pipeline(SimpleImputer(add_indicator=True), PCA(3))).fit({"mRNA": block})
    Z = ot.transform({"mRNA": block})
    with pytest.raises(ValueError, match=r"Omic 'mRNA' \(inverse_transform\): .*IndexError.*add_indicator"):
        ot.inverse_transform(Z)


def test_inverse_transform_finds_each_omic_by_name():
    """Each omic is undone by its own scaler, found by name as transform finds
    it: other omic names or feature names are refused (they were undone by
    position, with another omic's scaler, and relabelled with the fitted names)."""
    rng = np.random.RandomState(0)
    mrna, mirna = 100 * rng.rand(20, 3), rng.rand(20, 3)
    ot = OmicTransformer().fit({"mRNA": mrna, "miRNA": mirna})
    ones = np.ones((1, 3))
    with pytest.raises(ValueError, match=r"got omics \['miRNA', 'other'\], but OmicTransformer was fitted"):
        ot.inverse_transform({"miRNA": ones, "other": ones})
    back = ot.inverse_transform({"miRNA": ones, "mRNA": ones})  # any key order
    np.testing.assert_allclose(back["miRNA"][0], mirna.max(axis=0))
    np.testing.assert_allclose(back["mRNA"][0], mrna.max(axis=0))
    frames = {
        "mRNA": pd.DataFrame(mrna, columns=list("abc")),
        "miRNA": pd.DataFrame(mirna, columns=list("xyz")),
    }
    ot = OmicTransformer().fit(frames)
    out = ot.transform(frames)
    back = ot.inverse_transform(out)["mRNA"]
    assert list(back.columns) == list("abc")
    np.testing.assert_allclose(back.to_numpy(), mrna)
    with pytest.raises(ValueError, match=r"Omic 'mRNA' has features other than the output of transform"):
        ot.inverse_transform({**out, "mRNA": out["mRNA"].set_axis(list("xyz"), axis=1)})
    # a frame built from an array carries no names: matched by position
    unnamed = ot.inverse_transform([pd.DataFrame(out["mRNA"].to_numpy()), out["miRNA"]])
    assert list(unnamed[0].columns) == list("abc")
    X = concat_omics(frames)
    ot = OmicTransformer().fit(X)
    renamed = ot.transform(X)
    renamed.columns = pd.MultiIndex.from_tuples([("foo" if o == "mRNA" else "bar", f) for o, f in X.columns])
    with pytest.raises(ValueError, match=r"got omics \['foo', 'bar'\]"):
        ot.inverse_transform(renamed)
    flat = OmicTransformer(omic_dims=(3, 3)).set_output(transform="pandas").fit(np.hstack([mrna, mirna]))
    Xt = flat.transform(np.hstack([mrna, mirna]))
    np.testing.assert_allclose(flat.inverse_transform(Xt), np.hstack([mrna, mirna]))
    with pytest.raises(ValueError, match="X has features other than the output of transform"):
        flat.inverse_transform(Xt.set_axis([f"g{i}" for i in range(6)], axis=1))


def test_grid_search_refits_the_scaling_inside_each_fold():
    X = concat_omics(omics(40))
    y = np.arange(40) % 2
    pipe = Pipeline(
        [
            ("scale", OmicTransformer()),
            ("poem", POEMTransformer(max_iter=2, random_state=0)),
            ("knn", KNeighborsClassifier(3)),
        ]
    )
    grid = GridSearchCV(pipe, {"poem__batch_size": [8, 16]}, cv=KFold(2)).fit(X, y)
    assert grid.best_estimator_.named_steps["poem"].omic_names_ == ["mRNA", "miRNA"]
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_set_output_pandas_on_a_plain_array():
    rng = np.random.RandomState(0)
    out = (
        OmicTransformer(omic_dims=(2, 1))
        .set_output(transform="pandas")
        .fit_transform(rng.rand(6, 3))
    )
    assert list(out.columns) == ["omic0__f0", "omic0__f1", "omic1__f0"]
    with pytest.raises(ValueError, match="'default', 'pandas' or 'polars'"):
        OmicTransformer().set_output(transform="arrow")


def test_select_top_variance():
    X = np.array(
        [[0, 1, 10, 5, np.nan], [0, 3, 20, 5, np.nan], [0, 2, 30, 5, np.nan]],
        dtype=float,
    )
    assert SelectTopVariance(2).fit(X).get_support().tolist() == [
        False,
        True,
        True,
        False,
        False,
    ]
    assert SelectTopVariance(0.5).fit(X).get_support().sum() == 3  # ceil(2.5)
    assert SelectTopVariance(1.0).fit(X).get_support().all()
    assert SelectTopVariance(100).fit(X).get_support().all()
    # an all-NaN column ranks last; NaN inside a column is ignored
    X2 = X.copy()
    X2[0, 1] = np.nan
    assert SelectTopVariance(1).fit(X2).variances_[1] == pytest.approx(
        0.25
    )  # var of 3, 2
    assert not SelectTopVariance(4).fit(X).get_support()[4]
    with pytest.raises(ValueError, match="n_features"):
        SelectTopVariance(0).fit(X)


@pytest.mark.parametrize("configure", ["estimator", "global"])
def test_flat_input_follows_set_output_both_ways(configure):
    """A 2-D input's DataFrame output: set_output or scikit-learn's set_config;
    inverse_transform names the input features, also after a feature selection."""
    import sklearn

    X = np.random.RandomState(0).rand(20, 9)
    ot = OmicTransformer(SelectTopVariance(2), omic_dims=(5, 4))
    if configure == "estimator":
        ot.set_output(transform="pandas")
    with sklearn.config_context(transform_output="pandas" if configure == "global" else "default"):
        Z = ot.fit_transform(X)
        assert isinstance(Z, pd.DataFrame) and list(Z.columns) == list(ot.get_feature_names_out())
        with pytest.warns(UserWarning, match="dropped by a selector"):
            back = ot.inverse_transform(Z)
    assert isinstance(back, pd.DataFrame) and back.shape == (20, 9)
    assert list(back.columns[:2]) == ["omic0__f0", "omic0__f1"]
    kept = ~back.isna().to_numpy().any(axis=0)  # the selected features; the others are NaN
    assert kept.sum() == 4
    np.testing.assert_allclose(back.to_numpy()[:, kept], X[:, kept])


@pytest.mark.parametrize("configure", ["global", "inner"])
def test_a_selector_in_a_pipeline_names_what_it_kept_under_dataframe_output(configure):
    """Under pandas output the pipeline's scaler saw the selector's x2, x3 and
    could not name the kept features: they came out as f0, f1 (and, where the
    features were named f0.. already, as other features' names)."""
    import sklearn
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    rng = np.random.RandomState(0)
    X = concat_omics({
        "mRNA": pd.DataFrame(rng.rand(20, 4) * [1, 1, 100, 100], columns=list("ABCD")),
        "miRNA": rng.rand(20, 4) * [1, 100, 1, 100],  # unnamed: f0 .. f3
    })
    inner = make_pipeline(SimpleImputer(), SelectTopVariance(0.5), MinMaxScaler())
    if configure == "inner":
        inner.set_output(transform="pandas")
    with sklearn.config_context(transform_output="pandas" if configure == "global" else "default"):
        ot = OmicTransformer(inner)
        out = ot.fit_transform(X)
        assert isinstance(out, pd.DataFrame)
        assert list(out.columns) == [("mRNA", "C"), ("mRNA", "D"), ("miRNA", "f1"), ("miRNA", "f3")]
        np.testing.assert_allclose(ot.transform(X).to_numpy(), out.to_numpy())
    # the user's pipeline is left as it is
    assert (getattr(inner[-1], "_sklearn_output_config", {}).get("transform") == "pandas") == (configure == "inner")


def test_in_a_column_transformer_beside_clinical_columns():
    from sklearn.compose import ColumnTransformer

    rng = np.random.RandomState(0)
    X = concat_omics({"mRNA": rng.rand(20, 5), "miRNA": rng.rand(20, 4)})
    X[("clinical", "age")] = rng.rand(20)
    ct = ColumnTransformer([("omics", OmicTransformer(), slice(0, 9))], remainder="passthrough")
    out = ct.set_output(transform="pandas").fit_transform(X)
    assert list(out.columns[:2]) == ["omics__mRNA__f0", "omics__mRNA__f1"] and out.shape == (20, 10)
    with pytest.raises(ValueError, match="input_features"):
        ct.named_transformers_["omics"].get_feature_names_out([f"y{j}" for j in range(9)])


def test_grid_search_tunes_one_omics_step():
    """transformer__<omic>__<param>, as a ColumnTransformer exposes its steps;
    the user's dict and transformers are left as they are."""
    rng = np.random.RandomState(0)
    y = np.arange(40) % 2
    X = concat_omics({"mRNA": rng.rand(40, 6) + np.outer(y, [1, 0, 0, 0, 0, 0]), "miRNA": rng.rand(40, 4)})
    selector = SelectKBest(f_classif, k=2)
    steps = {"mRNA": selector, "miRNA": "passthrough"}
    prep = OmicTransformer(steps)
    assert prep.get_params()["transformer__mRNA__k"] == 2
    search = GridSearchCV(make_pipeline(prep, KNeighborsClassifier(3)), {"omictransformer__transformer__mRNA__k": [1, 3]}, cv=2)
    assert search.fit(X, y).best_estimator_[0].transformers_["mRNA"].k in (1, 3)
    assert selector.k == 2 and prep.transformer is steps
    prep.set_params(transformer__mRNA__k=5, transformer__miRNA=StandardScaler())
    assert prep.transformer["mRNA"].k == 5 and isinstance(prep.transformer["miRNA"], StandardScaler)
    assert selector.k == 2 and steps["miRNA"] == "passthrough"
    with pytest.raises(ValueError, match="no omic 'RNA'"):
        prep.set_params(transformer__RNA__k=1)


def test_metadata_routing_reaches_each_omics_transformer():
    """With metadata routing, a transformer's requested sample_weight was
    dropped silently (the scalers fitted unweighted; ColumnTransformer routes it).
    It now reaches each omic's fit, restricted to the samples that have the omic."""
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    a, b = rng.rand(30, 3), rng.rand(30, 2)
    b[:5] = np.nan  # five samples lack omic b
    X = concat_omics({"a": a, "b": b})
    y, weights = np.arange(30) % 2, rng.rand(30) + 0.1
    with sklearn.config_context(enable_metadata_routing=True):
        scaler = StandardScaler().set_fit_request(sample_weight=True)
        prep = OmicTransformer({"a": scaler, "b": clone(scaler)})
        pipe = Pipeline([("prep", prep), ("clf", FunctionTransformer())]).fit(X, y, sample_weight=weights)
        fitted = pipe["prep"].transformers_
        np.testing.assert_allclose(fitted["a"].mean_, np.average(a, axis=0, weights=weights))
        np.testing.assert_allclose(fitted["b"].mean_, np.average(b[5:], axis=0, weights=weights[5:]))
        one = OmicTransformer(scaler).fit(X, sample_weight=weights)  # one transformer for all
        np.testing.assert_allclose(one.transformers_["a"].mean_, fitted["a"].mean_)
        lr = LogisticRegression().set_fit_request(sample_weight=True)
        Pipeline([("prep", OmicTransformer()), ("clf", lr)]).fit(X.fillna(0), y, sample_weight=weights)
    with pytest.raises((TypeError, ValueError), match="enable_metadata_routing=True"):
        OmicTransformer().fit(X, sample_weight=weights)


# ------------------------------------------------- review of the preprocessing


@pytest.mark.parametrize("output", ["default", "polars"])
def test_inverse_transform_of_a_plain_array_of_several_omics(output):
    if output == "polars":
        pytest.importorskip("polars")
    X = np.random.RandomState(0).rand(10, 5) * 10
    ot = OmicTransformer(omic_dims=(3, 2)).set_output(transform=output).fit(X)
    back = ot.inverse_transform(ot.transform(X))
    np.testing.assert_allclose(np.asarray(back), X)


def test_observed_sample_turned_all_nan_is_said_by_omic_and_sample():
    # NaN in every feature a selector keeps make the sample's whole output row
    # NaN, which the next model reads as a missing omic: said, not silent (a
    # warning: for a sample measured in none of the kept features that reading
    # may be right, and one such patient must not fail a whole transform)
    rng = np.random.RandomState(0)
    mrna = rng.rand(20, 4) * np.array([10, 10, 0.1, 0.1])
    mrna[3, :2] = np.nan
    X = {"mRNA": mrna, "miRNA": rng.rand(20, 3)}
    ot = OmicTransformer(make_pipeline(SelectTopVariance(2), MinMaxScaler()))
    with pytest.warns(UserWarning, match=r"'mRNA' \(transform\): 1 sample\(s\) .* all NaN \(row 3\).*lacking the omic"):
        out = ot.fit_transform(X)
    assert np.isnan(out["mRNA"][3]).all() and not np.isnan(out["mRNA"][[2, 4]]).any()
    frame = {k: pd.DataFrame(v, index=[f"p{i}" for i in range(20)]) for k, v in X.items()}
    with pytest.warns(UserWarning, match=r"all NaN \(p3\)"):
        ot.transform(frame)
    # imputing first keeps the sample
    ot = OmicTransformer(make_pipeline(SimpleImputer(), SelectTopVariance(2), MinMaxScaler()))
    assert not np.isnan(ot.fit_transform(X)["mRNA"][3]).any()


def test_sparse_output_of_a_transformer_is_made_dense():
    from sklearn.preprocessing import OneHotEncoder

    X = {"a": np.random.RandomState(0).randint(0, 3, (12, 2)).astype(float), "b": np.ones((12, 1))}
    ot = OmicTransformer({"a": OneHotEncoder(), "b": "passthrough"})
    out = ot.fit_transform(X)
    assert isinstance(out["a"], np.ndarray) and out["a"].shape == (12, 6)
    np.testing.assert_array_equal(out["a"].sum(axis=1), 2)


def test_set_params_of_the_whole_dict_and_one_omic_in_one_call():
    X = omics()
    for start in (None, {"mRNA": "passthrough", "miRNA": "passthrough"}):
        ot = OmicTransformer(start).set_params(
            transformer={"mRNA": SelectTopVariance(3), "miRNA": "passthrough"},
            transformer__mRNA__n_features=1,
        )
        assert ot.transformer["mRNA"].n_features == 1
        assert ot.fit_transform(X)["mRNA"].shape == (30, 1)
    # one omic's whole step and its parameter, in either order
    ot = OmicTransformer({"mRNA": "passthrough", "miRNA": "passthrough"})
    ot.set_params(transformer__mRNA__n_features=1, transformer__mRNA=SelectTopVariance(3))
    assert ot.transformer["mRNA"].n_features == 1


def test_feature_names_from_input_features_when_fitted_without_names():
    X = concat_omics(omics()).to_numpy()
    names = [f"gene{j}" for j in range(8)]
    ot = OmicTransformer(omic_dims=(5, 3)).fit(X)
    assert list(ot.get_feature_names_out(names)) == [
        f"omic{0 if j < 5 else 1}__gene{j}" for j in range(8)
    ]
    # a step that outputs arrays (as SimpleImputer does) hands the names on
    pipe = make_pipeline(SimpleImputer(), ot)
    pipe.fit(pd.DataFrame(X, columns=names))
    assert not hasattr(pipe[-1], "feature_names_in_")
    assert list(pipe.get_feature_names_out())[-1] == "omic1__gene7"
    with pytest.raises(ValueError, match="input_features"):
        ot.get_feature_names_out(names[:4])


def test_failed_fit_leaves_no_half_fitted_transformer():
    from sklearn.exceptions import NotFittedError

    X = omics()
    bad = {"mRNA": X["mRNA"], "miRNA": X["miRNA"].where(X["miRNA"] < 5, np.inf)}
    ot = OmicTransformer()
    with pytest.raises(ValueError, match="miRNA"):
        ot.fit(bad)
    with pytest.raises(NotFittedError):
        ot.transform(X)
    ot = OmicTransformer({"mRNA": "passthrough", "miRNA": "passthrough"}).fit(X)
    with pytest.raises(ValueError, match="every omic"):
        ot.fit({"a": X["mRNA"], "b": X["miRNA"]})
    with pytest.raises(NotFittedError):
        ot.transform(X)


def test_inverse_transform_keeps_float32_and_the_input_column_names():
    X = concat_omics(omics()).astype(np.float32)
    flat = pd.DataFrame(X.to_numpy(), columns=[f"{o}_{f}" for o, f in X.columns])
    ot = OmicTransformer(omic_dims=(5, 3)).set_output(transform="pandas").fit(flat)
    back = ot.inverse_transform(ot.transform(flat))
    assert list(back.columns) == list(flat.columns)
    assert (back.dtypes == np.float32).all()
    blocks = [X["mRNA"].to_numpy(), X["miRNA"].to_numpy()]
    ot = OmicTransformer().fit(blocks)
    assert all(b.dtype == np.float32 for b in ot.inverse_transform(ot.transform(blocks)))


def test_integer_column_labels_survive():
    rng = np.random.RandomState(0)
    X = {"a": pd.DataFrame(rng.rand(12, 3)), "b": pd.DataFrame(rng.rand(12, 2), columns=[7157, 672])}
    ot = OmicTransformer().fit(X)
    out = ot.transform(X)
    assert out["b"].columns.tolist() == [7157, 672]
    assert out["b"][7157].shape == (12,)
    back = ot.inverse_transform(out)
    assert back["b"].columns.equals(X["b"].columns)
    np.testing.assert_allclose(back["b"], X["b"])
    # with a selector too, both ways
    ot = OmicTransformer(SelectTopVariance(1)).fit(X)
    kept = ot.transform(X)["b"].columns.tolist()
    assert len(kept) == 1 and kept[0] in (7157, 672)
    assert ot.inverse_transform(ot.transform(X))["b"].columns.tolist() == [7157, 672]


def test_per_omic_frames_with_multiindex_columns():
    M = concat_omics(omics())
    X = {"mRNA": M.loc[:, ["mRNA"]], "miRNA": M.loc[:, ["miRNA"]]}
    ot = OmicTransformer().fit(X)
    out = ot.transform(X)
    assert out["miRNA"].columns.tolist() == ["m0", "m1", "m2"]
    np.testing.assert_allclose(ot.inverse_transform(out)["mRNA"], M["mRNA"])


@pytest.mark.parametrize(("fraction", "d", "kept"), [(0.07, 100, 7), (0.14, 50, 7), (0.07, 200, 14), (0.25, 10, 3)])
def test_select_top_variance_fraction_rounds_up_exactly(fraction, d, kept):
    X = np.random.RandomState(0).rand(5, d)
    assert SelectTopVariance(fraction).fit(X).get_support().sum() == kept


def test_a_custom_transformer_whose_output_is_not_a_table_of_the_samples_is_named():
    """A transformer that drops rows, returns 1-D or complex output raised a
    bare numpy error (or cast complex to real with a ComplexWarning) naming
    neither the omic nor the transformer."""
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.RandomState(0)
    X = [rng.rand(10, 3), rng.rand(10, 2)]
    cases = {
        "drops": (FunctionTransformer(lambda a: a[:-1]), r"returned 0 rows for 1 samples"),
        "flat": (FunctionTransformer(lambda a: a.sum(axis=1)), r"returned an array of shape \(\d+,\), not 2-D"),
        "complex": (FunctionTransformer(lambda a: a + 1j), r"returned complex128 values, not real numbers"),
    }
    for transformer, message in cases.values():
        with pytest.raises(ValueError, match=r"The transformer of omic 'omic0' \(FunctionTransformer\) " + message):
            OmicTransformer(transformer=transformer).fit_transform(X)
    # numbers held as objects, or a frame of nullable floats, are still numbers
    for numbers in (lambda a: np.asarray(a).astype(object), lambda a: pd.DataFrame(a).astype("Float64")):
        out = OmicTransformer(transformer=FunctionTransformer(numbers)).fit_transform(X)
        np.testing.assert_allclose(out[0], X[0])


def test_select_top_variance_refuses_a_bool_count():
    """n_features=True kept one feature (True is an int and a real equal to 1),
    where the estimators refuse bools for counts."""
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.RandomState(0).rand(10, 4)
    for flag in (True, np.True_):
        with pytest.raises(InvalidParameterError, match=r"\(not a bool\)"):
            SelectTopVariance(n_features=flag).fit(X)
    assert SelectTopVariance(n_features=1).fit(X).get_support().sum() == 1
    assert SelectTopVariance(n_features=1.0).fit(X).get_support().sum() == 4


def test_features_varying_only_at_float_precision_are_named_before_min_max_scaling():
    """800 columns of 7.0 + 1e-6 noise (float32) beside real ones: min-max
    scaling stretched the rounding noise over [0, 1] without a word. Constant
    columns and real ones (the bundled data) draw no warning; a log pipeline
    ending in MinMaxScaler is checked too."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

    rng = np.random.default_rng(0)
    noise = (7.0 + 1e-6 * rng.standard_normal((50, 5))).astype(np.float32).astype(np.float64)
    block = np.hstack([rng.random((50, 10)), noise, np.full((50, 2), 3.0)])
    X = {"mrna": block, "mirna": rng.random((50, 4))}
    with pytest.warns(UserWarning, match=r"Omic 'mrna': 5 feature\(s\) vary by less than a millionth of their value \(e.g. 'f10': 6.99"):
        OmicTransformer().fit(X)
    with pytest.warns(UserWarning, match=r"Omic 'mrna': 5 feature\(s\) vary by less than a millionth .*column 10"):
        OmicTransformer(make_pipeline(FunctionTransformer(np.log1p), MinMaxScaler())).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OmicTransformer().fit({"mrna": np.hstack([block[:, :10], block[:, 15:]]), "mirna": X["mirna"]})


def test_a_dict_of_transformers_takes_none_as_the_default_scaler():
    """As documented: every value of the dict is one of the forms the whole takes,
    None (MinMaxScaler()) included."""
    X = omics()
    ot = OmicTransformer({"mRNA": "passthrough", "miRNA": None}).fit(X)
    assert ot.transformers_["mRNA"] == "passthrough" and isinstance(ot.transformers_["miRNA"], MinMaxScaler)
    out = ot.transform(X)
    assert out["miRNA"].min().min() == 0 and out["miRNA"].max().max() == 1
    np.testing.assert_array_equal(out["mRNA"], X["mRNA"])


def test_preserves_dtype_tag_says_float32_where_the_output_is_float32():
    """The tag said float64 only, so scikit-learn's dtype checks never gave the
    default OmicTransformer float32, which it keeps."""
    from sklearn.impute import SimpleImputer
    from sklearn.utils import get_tags

    X = np.random.RandomState(0).rand(20, 6).astype(np.float32)
    for est in [OmicTransformer(), OmicTransformer(StandardScaler()), SelectTopVariance(0.5),
                OmicTransformer(make_pipeline(SelectTopVariance(0.5), StandardScaler()))]:
        assert "float32" in get_tags(est).transformer_tags.preserves_dtype
        assert est.fit_transform(X).dtype == np.float32
    # SimpleImputer's tag says float64 only: so does the OmicTransformer around it
    assert get_tags(OmicTransformer(SimpleImputer())).transformer_tags.preserves_dtype == ["float64"]
