"""Input forms and input errors: every bad input gets a clear message naming the omic."""

import numpy as np
import pandas as pd
import pytest

from skpoems import concat_omics, split_omics
from skpoems._omics import check_omic_dims


def test_concat_omics_layout():
    a = pd.DataFrame(np.zeros((3, 2)), columns=["g1", "g2"], index=["p1", "p2", "p3"])
    X = concat_omics({"mrna": a, "mirna": np.ones((3, 1))})
    assert X.columns.names == ["omic", "feature"]
    assert list(X.columns) == [("mrna", "g1"), ("mrna", "g2"), ("mirna", "f0")]
    assert list(X.index) == ["p1", "p2", "p3"]
    assert list(concat_omics([np.zeros((2, 1))] * 2).columns.get_level_values(0)) == ["omic0", "omic1"]
    assert list(concat_omics([np.zeros((2, 1))], omic_names=["x"]).columns) == [("x", "f0")]


@pytest.mark.parametrize("dtype", ["Float64", "double[pyarrow]"])
def test_concat_omics_keeps_nullable_and_arrow_columns_numeric(dtype):
    """pandas' nullable and Arrow dtypes (read_csv(dtype_backend=...)) stay numeric:
    the MultiIndex frame fits like the omics themselves, missing rows included."""
    from skpoems import POEMSTransformer

    rng = np.random.default_rng(0)
    a = pd.DataFrame(rng.random((30, 4)), columns=list("abcd"), index=[f"p{i}" for i in range(30)])
    b = pd.DataFrame(rng.random((30, 3)), columns=list("xyz"), index=a.index)
    typed = a.astype(dtype)
    typed.iloc[2:4] = None  # two patients lack this omic
    before = typed.copy()
    X = concat_omics({"mrna": typed, "mirna": b})
    assert str(X.dtypes.iloc[0]) == str(typed.dtypes.iloc[0])
    assert list(X.index) == list(a.index)
    plain = a.copy()
    plain.iloc[2:4] = np.nan
    est = POEMSTransformer(n_components=2, max_iter=2, random_state=0)
    Z = est.fit_transform(X)
    Z_plain = est.fit_transform(concat_omics({"mrna": plain, "mirna": b}))
    np.testing.assert_allclose(Z, Z_plain)
    # the inspection tables and the scaler's inverse read them too
    from skpoems.inspection import variance_explained
    from skpoems.preprocessing import OmicTransformer

    X_plain = concat_omics({"mrna": plain, "mirna": b})
    pd.testing.assert_frame_equal(variance_explained(est, X), variance_explained(est, X_plain))
    scaler = OmicTransformer().fit(X)
    back = scaler.inverse_transform(scaler.transform(X).astype(dtype))
    np.testing.assert_allclose(back.to_numpy(dtype=float), X_plain.to_numpy(dtype=float))
    pd.testing.assert_frame_equal(typed, before)


@pytest.mark.parametrize(
    ("Xs", "kw", "exc", "match"),
    [
        (np.zeros((3, 2)), {}, TypeError, "single 2-D input"),
        ([np.zeros((3, 2)), np.zeros((4, 2))], {}, ValueError, "same number of samples"),
        ([np.zeros((3, 2))], {"omic_names": ["a", "b"]}, ValueError, "2 omic_names for 1"),
        ([np.zeros((3, 2))] * 2, {"omic_names": ["a", "a"]}, ValueError, "unique"),
        ({}, {}, ValueError, "empty dict"),
    ],
)
def test_concat_omics_errors(Xs, kw, exc, match):
    with pytest.raises(exc, match=match):
        concat_omics(Xs, **kw)


def test_split_omics():
    X = np.arange(12).reshape(2, 6)
    a, b = split_omics(X, (4, 2))
    np.testing.assert_array_equal(b, X[:, 4:])
    frames = split_omics(pd.DataFrame(X), (1, 5))
    assert frames[1].shape == (2, 5)


@pytest.mark.parametrize(
    ("dims", "match"),
    [((2, 2), "sums to 4"), ((3, 0), r"omic_dims\[1\]"), ((), "at least one"), ((2.5, 2.5), "positive integer")],
)
def test_check_omic_dims(dims, match):
    with pytest.raises(ValueError, match=match):
        check_omic_dims(dims, 5)
    assert check_omic_dims(None, 5) == (5,)
    assert check_omic_dims(np.array([2, 3]), 5) == (2, 3)


def test_labelled_rows_must_agree_but_unlabelled_rows_are_not_compared():
    """Omics are paired by row position, so DataFrames whose row labels disagree are
    refused (a silent mispairing of patients otherwise); a frame without row labels
    (default RangeIndex) or an array carries nothing to compare."""
    rng = np.random.RandomState(0)
    idx = [f"TCGA-{i:02d}" for i in range(6)]
    mrna = pd.DataFrame(rng.rand(6, 3), index=idx)
    meth = pd.DataFrame(rng.rand(6, 2), index=idx)
    with pytest.raises(ValueError, match="'meth' lists the samples of omic 'mrna' in another order"):
        concat_omics({"mrna": mrna, "meth": meth.iloc[::-1]})
    with pytest.raises(ValueError, match=r"'meth' lacks samples that omic 'mrna' has \('TCGA-05'"):
        concat_omics({"mrna": mrna, "meth": meth.iloc[:5]})
    # what the message recommends works: reindexing gives the lacking sample a row of NaN
    aligned = meth.iloc[:5].reindex(mrna.index)
    assert aligned.iloc[5].isna().all()
    X = concat_omics({"mrna": mrna, "meth": aligned})
    assert list(X.index) == idx
    # unlabelled rows and arrays are matched by position, as in scikit-learn
    assert concat_omics([mrna, meth.reset_index(drop=True), rng.rand(6, 1)]).shape == (6, 6)
    assert concat_omics([mrna.iloc[::-1].sort_index(), meth]).shape == (6, 5)


def test_list_of_nested_lists_is_a_list_of_omics_but_a_list_of_rows_is_one_input():
    from skpoems._omics import as_omic_blocks

    a, b = np.arange(12.0).reshape(4, 3), np.arange(8.0).reshape(4, 2)
    nested = as_omic_blocks([a.tolist(), b.tolist()])
    assert nested.layout == "list"
    assert [np.shape(x) for x in nested.blocks] == [(4, 3), (4, 2)]
    rows = as_omic_blocks([list(r) for r in a])  # scikit-learn's list of rows
    assert rows.layout == "array" and len(rows.blocks) == 1
    rows = as_omic_blocks(list(a))  # a list of 1-D arrays is rows too
    assert rows.layout == "array" and np.shape(rows.blocks[0]) == (4, 3)


def test_concat_omics_keeps_the_labels_of_a_later_dataframe_block():
    rng = np.random.RandomState(0)
    labelled = pd.DataFrame(rng.rand(5, 2), index=[f"TCGA-{i}" for i in range(5)])
    assert list(concat_omics([rng.rand(5, 3), labelled]).index) == list(labelled.index)


@pytest.mark.parametrize("dims", [(2, 2), (2, 5), (-1, 6), (0, 5)])
def test_split_omics_checks_the_dims(dims):
    with pytest.raises(ValueError, match="omic_dims"):
        split_omics(np.zeros((4, 5)), dims)
    assert [b.shape for b in split_omics(np.zeros((4, 5)).tolist(), (2, 3))] == [(4, 2), (4, 3)]


def test_frames_with_pandas_default_column_numbers_have_no_feature_names():
    """pd.DataFrame(array) omics (columns 0..p-1) carry no feature names, as in
    scikit-learn: named "0", "1", ... at fit, they drew a feature-name warning at
    every later transform of the arrays (and the reverse). Integer names that are
    not pandas' default numbering (Entrez gene ids) stay names."""
    import warnings

    from skpoems import POEMSTransformer

    rng = np.random.RandomState(0)
    arrays = [rng.rand(30, 5), rng.rand(30, 3)]
    frames = [pd.DataFrame(a) for a in arrays]
    est = POEMSTransformer(n_components=2, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(frames)
        other = POEMSTransformer(n_components=2, max_iter=2, random_state=0).fit(arrays)
    assert not hasattr(est, "feature_names_in_")
    assert list(est.omic_feature_names()[0]) == ["f0", "f1", "f2", "f3", "f4"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(est.transform(arrays), est.transform(frames))
        np.testing.assert_allclose(other.transform(frames), other.transform(arrays))
    entrez = [pd.DataFrame(arrays[0], columns=[7157, 672, 675, 1956, 2064]), frames[1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        named = POEMSTransformer(n_components=2, max_iter=2, random_state=0).fit(entrez)
    assert list(named.omic_feature_names()[0]) == ["7157", "672", "675", "1956", "2064"]
    assert list(named.omic_feature_names()[1]) == ["f0", "f1", "f2"]


def test_an_omic_given_as_an_array_at_fit_takes_a_frame_later_with_a_warning():
    """One omic an array at fit (beside a named one), a DataFrame at transform:
    it was refused for names 'unseen' against the placeholders f0, f1, ...;
    scikit-learn takes a named input after an unnamed fit, with a warning."""
    import warnings

    from skpoems import POEMSTransformer

    rng = np.random.RandomState(0)
    A = pd.DataFrame(rng.rand(30, 4), columns=[f"g{j}" for j in range(4)])
    B = rng.rand(30, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = POEMSTransformer(n_components=2, max_iter=2, random_state=0).fit([A, B])
    named_b = pd.DataFrame(B, columns=["m0", "m1", "m2"])
    with pytest.warns(UserWarning, match="Omic 'omic1' has feature names, but POEMSTransformer was fitted with an array"):
        Z = est.transform([A, named_b])
    np.testing.assert_allclose(Z, est.transform([A, B]))
    with pytest.raises(ValueError, match="Omic 'omic0' has feature names that differ"):
        est.transform([A.set_axis(["x0", "x1", "x2", "x3"], axis=1), B])


def test_a_flat_frame_of_the_fitted_features_in_another_order_is_named_as_such():
    """A model fitted on omics given apart, then a flat frame with the columns in
    another order: scikit-learn's check listed every feature as unseen (the
    plain name) and missing (the prefixed one)."""
    import warnings

    from skpoems import POEMSTransformer, concat_omics

    rng = np.random.RandomState(0)
    X = concat_omics({
        "a": pd.DataFrame(rng.rand(30, 4), columns=list("pqrs")),
        "b": pd.DataFrame(rng.rand(30, 3), columns=list("xyz")),
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = POEMSTransformer(n_components=2, max_iter=2, random_state=0).fit(X)
    flat = X.set_axis([f for _, f in X.columns], axis=1)
    prefixed = X.set_axis(list(est.feature_names_in_), axis=1)
    np.testing.assert_allclose(est.transform(flat), est.transform(prefixed))
    with pytest.raises(ValueError, match=r"features seen at fit in another order \(column 0 is 'z', at fit 'p'\)"):
        est.transform(flat[flat.columns[::-1]])
    with pytest.raises(ValueError, match=r"column 0 is 'b__z', at fit 'a__p'\)\. .*X\[est\.feature_names_in_\]\."):
        est.transform(prefixed[prefixed.columns[::-1]])


def test_sample_labels_that_cannot_match_name_the_cause():
    """Integer IDs in one omic and the same IDs as text in another, and a genes x
    samples table, read as 'has samples that ... lacks', whose suggested reindex
    would have made the whole omic NaN."""
    from skpoems import POEMSTransformer

    rng = np.random.default_rng(0)
    ids = [1000 + i for i in range(20)]
    A = pd.DataFrame(rng.random((20, 5)), index=ids)
    B = pd.DataFrame(rng.random((20, 4)), index=[str(i) for i in ids])
    est = POEMSTransformer(n_components=3, max_iter=1)
    with pytest.raises(ValueError, match=r"Omic 'b' names its samples as text \(e.g. '1000'\) and omic 'a' as integers"):
        est.fit({"a": A, "b": B})
    genes = pd.DataFrame(rng.random((5, 20)), index=[f"g{i}" for i in range(5)], columns=ids)
    with pytest.raises(ValueError, match=r"Omic 'mrna' looks transposed.*block\.T"):
        est.fit({"mrna": genes, "meth": B.set_axis(ids)})
    with pytest.raises(ValueError, match=r"Omic 'mrna' looks transposed"):
        est.fit({"meth": B.set_axis(ids), "mrna": genes})


def test_repeated_sample_labels_are_named():
    from skpoems import POEMSTransformer, concat_omics

    rng = np.random.default_rng(0)
    ids = [f"p{i}" for i in range(19)] + ["p3"]
    X = {"a": pd.DataFrame(rng.random((20, 5)), index=ids), "b": pd.DataFrame(rng.random((20, 4)), index=ids)}
    est = POEMSTransformer(n_components=3, max_iter=1)
    with pytest.warns(UserWarning, match=r"Omic 'a' names 1 sample\(s\) on more than one row \('p3'\)"):
        est.fit(X)
    with pytest.warns(UserWarning, match=r"names 1 sample\(s\) on more than one row"):
        est.transform(concat_omics(X))


def test_frames_of_arrays_with_integer_sample_ids_are_not_called_transposed():
    """Frames built from arrays have columns 0..D-1, which integer sample IDs
    meet: two omics that lack different samples were told to transpose."""
    from skpoems import POEMSTransformer

    rng = np.random.default_rng(0)
    A = pd.DataFrame(rng.random((20, 30))).drop(index=[3])
    B = pd.DataFrame(rng.random((20, 25))).drop(index=[5])
    with pytest.raises(ValueError, match=r"has samples that omic 'omic0' lacks \(3, \.\.\.\)") as info:
        POEMSTransformer(n_components=3, max_iter=1).fit([A, B])
    assert "transposed" not in str(info.value)
