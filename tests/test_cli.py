"""The ``skpoems`` command and the evaluation protocol behind it (issue 4)."""

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score
from sklearn.model_selection import train_test_split

from skpoems import POEMSTransformer, _cli, concat_omics
from skpoems import _experiment as exp
from skpoems._cli import _benchmark, _cpu, _data, _discover, _embed, _estimator, _figures, _main, _outputs, _parser
from skpoems._experiment import (
    BASELINES,
    DISPLAY_NAMES,
    MODELS,
    load_dataset,
    make_estimator,
    run_protocol,
    split_and_scale,
)
from skpoems.datasets import load_nutrimouse, load_omics_tables

# --threads 1: torch's default of one thread per core is slow on a busy machine.
FAST = ["--dataset", "nutrimouse", "--max-iter", "3", "--threads", "1"]


def call(argv):
    """Run ``main(argv)``; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = _cli.main(argv)
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------ protocol
@pytest.fixture(scope="module")
def mice():
    return load_nutrimouse()


def test_split_and_scale_fits_the_scaler_on_training_rows_only(mice):
    X, y = mice.data.copy(), mice.target
    train_rows, test_rows = train_test_split(
        np.arange(len(X)), test_size=0.2, random_state=1
    )
    # An extreme value in a test row must not move the scaler.
    X.iloc[test_rows[0], 0] = 1e6
    split = split_and_scale(X, y)

    assert split.is_train.sum() == len(train_rows)
    assert np.array_equal(np.flatnonzero(~split.is_train), np.sort(test_rows))
    assert list(split.X_test.index) == list(X.index[test_rows])
    np.testing.assert_allclose(split.scaler.data_min_, X.iloc[train_rows].min())
    np.testing.assert_allclose(split.scaler.data_max_, X.iloc[train_rows].max())
    np.testing.assert_allclose(split.X_train.min(), 0.0, atol=1e-12)
    # the training columns span [0, 1] (constant columns stay at 0)
    spread = (X.iloc[train_rows].max() - X.iloc[train_rows].min()) > 0
    np.testing.assert_allclose(split.X_train.max()[spread], 1.0)
    assert split.X_test.iloc[0, 0] > 1  # test values are not clipped
    # labels and omic structure survive
    assert split.X_train.columns.equals(X.columns)
    assert split.y_test.equals(y.iloc[test_rows])


def test_split_and_scale_options(mice):
    X, y = mice.data, mice.target
    stratified = split_and_scale(X, y, stratify=True)
    counts = np.bincount(stratified.y_test, minlength=5)  # 8 test mice, 5 diets
    assert counts.min() >= 1
    assert counts.max() <= 2
    given = np.zeros(len(X), dtype=bool)
    given[:30] = True
    split = split_and_scale(X, y, is_train=given)
    assert list(split.X_test.index) == list(X.index[30:])
    unscaled = split_and_scale(X, y, scale=False)
    assert unscaled.scaler is None
    pd.testing.assert_frame_equal(unscaled.X_train, X.loc[unscaled.X_train.index])
    with pytest.raises(ValueError, match="is_train"):
        split_and_scale(X, y, is_train=given[:10])


def test_split_and_scale_keeps_the_most_variable_features_of_the_training_rows(mice):
    X, y = mice.data.copy(), mice.target
    split = split_and_scale(X, y, top_variance=0.25)
    train = X.loc[split.X_train.index]
    # a test row's extreme value must not win a feature its place
    X.loc[split.X_test.index[0], ("lipid", X["lipid"].var().idxmin())] = 1e6
    again = split_and_scale(X, y, top_variance=0.25)
    assert again.X_train.columns.equals(split.X_train.columns)
    assert split.scaler.omic_dims_out_ == (30, 6)  # ceil(0.25 * 120), ceil(0.25 * 21)
    for omic, n in (("gene", 30), ("lipid", 6)):
        expected = train[omic].var(ddof=0).sort_values(ascending=False).index[:n]
        assert set(split.X_train[omic].columns) == set(expected)
    np.testing.assert_allclose(split.X_train.min(), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.X_train.max(), 1.0)
    unscaled = split_and_scale(mice.data, y, top_variance=3, scale=False)
    assert unscaled.scaler.omic_dims_out_ == (3, 3)
    assert unscaled.X_train.max().max() > 1


def test_run_protocol_returns_a_complete_result(mice):
    pca = PCA(n_components=3)
    result = run_protocol(pca, mice.data, mice.target)
    assert not hasattr(pca, "components_")  # the estimator was cloned
    assert result.embedding.shape == (8, 3)
    assert result.embedding.index.equals(result.split.X_test.index)
    assert list(result.embedding.columns) == ["pca0", "pca1", "pca2"]
    assert set(result.metrics) == {
        "kmeans_acc",
        "kmeans_acc_std",
        "kmeans_nmi",
        "kmeans_nmi_std",
        "knn_acc",
        "knn_acc_std",
    }
    assert set(result.timings) >= {"fit_s", "embed_s", "evaluate_s", "total_s"}
    assert result.training_summary()["n_train"] == 32
    assert result.scaler is result.split.scaler


def test_run_protocol_scores_with_as_many_clusters_as_classes(mice):
    """MODELS.md: k = the number of subtypes. A test part lacking a class (8 test
    mice of 5 diets, split seed 2) was scored with 4 clusters and 4 neighbours."""
    from skpoems.metrics import evaluate_embedding

    result = run_protocol(PCA(n_components=3, random_state=1), mice.data, mice.target, random_state=2)
    y_test = np.asarray(result.split.y_test)
    assert len(np.unique(y_test)) == 4 and len(np.unique(mice.target)) == 5
    assert result.metrics == evaluate_embedding(result.embedding, y_test, n_clusters=5, n_neighbors=5)
    assert result.metrics != evaluate_embedding(result.embedding, y_test)


def test_make_estimator_and_load_dataset():
    assert [DISPLAY_NAMES[m] for m in MODELS] == [
        "POEMS",
        "POEM",
        "MOCSS-AE",
        "MOCSS-VAE",
        "MOCSS-SparseVAE",
    ]
    est = make_estimator("poems", max_iter=7, batch_size=None)
    assert est.max_iter == 7
    assert est.batch_size == 128  # None keeps the estimator's default
    assert make_estimator("pca", n_components=4).n_components == 4
    assert set(BASELINES) == {"pca", "raw"}
    with pytest.raises(ValueError, match="Unknown model"):
        make_estimator("nope")
    with pytest.raises(ValueError, match="Unknown data set"):
        load_dataset("nope")
    assert load_dataset("nutrimouse").name == "nutrimouse"


def mice_cohort(tmp_path, lipid_lacks, gene_nan=()):
    """nutrimouse as a user's folder of named tables (mice m0..m39): the lipid
    file lacks the mice ``ids[lipid_lacks]``; ``gene_nan``: (row, column) cells
    of the gene table left empty (stray missing values)."""
    mice = load_dataset("nutrimouse")
    ids = [f"m{i}" for i in range(40)]
    data = tmp_path / "cohort"
    data.mkdir()
    gene = mice.data["gene"].set_axis(ids)
    for row, col in gene_nan:
        gene.iloc[row, col] = np.nan
    gene.to_csv(data / "gene.csv")
    mice.data["lipid"].set_axis(ids).drop(index=ids[lipid_lacks]).to_csv(data / "lipid.csv")
    pd.DataFrame({"diet": np.asarray(mice.target_names)[mice.target]}, index=ids).to_csv(data / "labels.csv")
    return data, ids


# ----------------------------------------------------------------------- run
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    status, stdout, stderr = call(["run", *FAST, "--out", str(out), "--quiet"])
    assert status == 0, stderr
    return out, stdout


def test_run_writes_every_output(run_dir, mice):
    out, stdout = run_dir
    Z = pd.read_csv(out / "embedding.csv", index_col=0)
    assert Z.shape == (8, 32)
    assert Z.index.name == "mouse"
    assert Z.columns[0] == "poemstransformer0"
    assert np.isfinite(Z.to_numpy()).all()

    parts = pd.read_csv(out / "split.csv", index_col=0)
    assert len(parts) == 40
    assert (parts["split"] == "test").sum() == 8
    assert set(parts.loc[Z.index, "split"]) == {"test"}
    assert set(parts["label"]) == set(mice.target_names)

    gating = pd.read_csv(out / "gating_weights.csv", index_col=0)
    assert list(gating.columns) == ["gene", "lipid"]
    assert gating.index.equals(Z.index)
    np.testing.assert_allclose(gating.sum(axis=1), 1.0, rtol=1e-5)

    for omic, dim in zip(mice.omic_names, mice.omic_dims, strict=True):
        W = pd.read_csv(out / f"W_{omic}.csv", index_col=0)
        assert W.shape == (dim, 32)
        assert list(W.index) == list(mice.data[omic].columns)

    top = pd.read_csv(out / "top_features.csv")
    assert list(top.columns) == ["omic", "rank", "feature", "factor", "factor_name", "strength", "slope"]
    assert np.isfinite(top["slope"]).all()
    # factors by name too, as embedding.csv's columns and W_<omic>.csv's name them
    assert (top["factor_name"] == Z.columns[top["factor"]]).all()
    for omic in mice.omic_names:
        rows = top[top["omic"] == omic]
        assert list(rows["rank"]) == list(range(1, 21))
        assert set(rows["feature"]) <= set(mice.data[omic].columns)
        assert rows["feature"].is_unique
        assert (np.diff(rows["strength"]) <= 0).all() and (rows["strength"] > 0).all()
        assert rows["factor"].between(0, 31).all()

    history = pd.read_csv(out / "history.csv", index_col=0)
    assert len(history) == 3

    r2 = pd.read_csv(out / "variance_explained.csv", index_col=0)
    assert list(r2.index) == ["gene", "lipid"]
    assert list(r2.columns) == [*Z.columns, "total"]
    np.testing.assert_allclose(r2.drop(columns="total").sum(axis=1), r2["total"], atol=1e-9)
    assert {"train_loss", "validation_loss"} <= set(history)

    record = json.loads((out / "metrics.json").read_text())
    assert record["model"] == "poems"
    assert record["estimator"] == "POEMSTransformer"
    assert record["parameters"]["max_iter"] == 3
    assert record["training"]["n_iter"] == 3
    assert record["training"]["stop_reason"] == "max_iter"
    assert record["training"]["n_test"] == 8
    assert record["versions"]["skpoems"]
    assert record["dataset"]["omic_dims"] == [120, 21]
    assert 0 <= record["metrics"]["kmeans_acc"] <= 1
    # R^2 of the test mice's reconstruction (an offset counts: at most the
    # explained variance of variance_explained.csv)
    from sklearn.metrics import r2_score

    pipe = joblib.load(out / "model.joblib")
    test = mice.data.iloc[[list(parts.index).index(i) for i in Z.index]]
    scaled = pipe[:-1].transform(test)
    decoded = pipe[-1].inverse_transform(pipe[-1].transform(scaled))
    expected = {
        omic: r2_score(scaled[omic].to_numpy(), decoded[omic].to_numpy(), multioutput="variance_weighted")
        for v, omic in enumerate(mice.omic_names)
    }
    assert record["reconstruction_r2"] == pytest.approx(expected, abs=1e-6)
    assert all(record["reconstruction_r2"][o] <= r2["total"][o] + 1e-9 for o in expected)
    assert record["top_features"] == {
        omic: list(top.loc[top["omic"] == omic, "feature"]) for omic in mice.omic_names
    }
    assert record["timings"]["wall_s"] >= record["timings"]["fit_s"] > 0
    assert record["split"] == {
        "given": False,
        "test_size": 0.2,
        "random_state": 1,
        "stratify": False,
        "top_variance": None,
        "impute": None,
        "log": None,
    }
    for name in record["files"]:
        assert (out / name).is_file(), name

    # every figure is written or its skipping explained; none is a broken file
    figures = {f.name for f in (out / "figures").glob("*.png")}
    assert "training_history.png" in figures
    expected = {
        "embedding_tsne.png",
        "embedding_heatmap.png",
        "subtype_correlations.png",
        "gating_weights.png",
        "top_features.png",
        "factor_features.png",
        "activation_maps.png",
        "variance_explained.png",
    }
    assert expected <= figures | set(record["figures_skipped"])
    for name in figures:
        assert (out / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert "ACC k-means" in stdout
    assert "reconstruction R^2 per omic: gene" in stdout
    first_genes = list(top.loc[top["omic"] == "gene", "feature"][:5])
    assert f"  gene: {', '.join(first_genes)}" in stdout
    assert str(out) in stdout


def test_run_saves_a_model_that_embeds_unscaled_data(run_dir, mice):
    out, _ = run_dir
    pipe = joblib.load(out / "model.joblib")
    assert [name for name, _ in pipe.steps] == ["input", "scale", "model"]
    assert isinstance(pipe["model"], POEMSTransformer)
    # from the loader's unscaled data to the test embedding that run wrote
    Z = pd.read_csv(out / "embedding.csv", index_col=0)
    mice_raw = mice.data.copy()
    again = pd.DataFrame(pipe.transform(mice_raw), index=mice.data.index)
    np.testing.assert_allclose(again.loc[Z.index], Z, rtol=1e-6, atol=1e-9)
    pd.testing.assert_frame_equal(mice_raw, mice.data)
    assert "model.joblib" in json.loads((out / "metrics.json").read_text())["files"]


def test_saved_model_matches_new_data_by_name_and_names_what_does_not_match(run_dir, mice):
    """model.joblib takes the (omic, feature) frame of concat_omics / bunch.data.
    A dict or list of the omics (as the estimators take them) is joined into it,
    and the omics in another order are matched by name; an extra or absent
    feature or omic is a ValueError naming it (was numpy's "float() argument
    must be ... not 'dict'" and MinMaxScaler's "X has 121 features, but ...")."""
    out, _ = run_dir
    pipe = joblib.load(out / "model.joblib")
    X = mice.data
    gene, lipid = X["gene"], X["lipid"]
    expected = pipe.transform(X)
    for same in ({"gene": gene, "lipid": lipid}, {"lipid": lipid, "gene": gene}, [gene, lipid],
                 X[["lipid", "gene"]]):
        np.testing.assert_allclose(pipe.transform(same), expected, rtol=1e-6, atol=1e-9)
    extra = concat_omics({"gene": gene, "lipid": lipid.assign(extra=1.0)})
    with pytest.raises(ValueError, match=r"Omic 'lipid' of X has 1 feature\(s\) it was not fitted on \('extra'\)"):
        pipe.transform(extra)
    absent = concat_omics({"gene": gene.iloc[:, 1:], "lipid": lipid})
    with pytest.raises(ValueError, match=rf"Omic 'gene' of X lacks 1 feature\(s\) the pipeline was fitted on \('{gene.columns[0]}'\)"):
        pipe.transform(absent)
    with pytest.raises(ValueError, match=r"names omic\(s\) 'lipids' that the pipeline was not fitted on.*concat_omics"):
        pipe.transform({"gene": gene, "lipids": lipid})
    with pytest.raises(ValueError, match=r"X is a list of 1 table\(s\), but the pipeline was fitted on 2 omics"):
        pipe.transform([gene])
    with pytest.raises(ValueError, match=r"X has 121 columns, not 141\. The pipeline takes .*MultiIndex columns"):
        pipe.transform(X.to_numpy()[:, 20:])
    with pytest.raises(ValueError, match=r"X has the omics \['gene'\], but the pipeline was fitted on \['gene', 'lipid'\]: it lacks 'lipid'"):
        pipe.transform(X[["gene"]])
    # (a plain array of the columns still passes, by position, as before)
    np.testing.assert_allclose(pipe.transform(X.to_numpy()), expected, rtol=1e-6, atol=1e-9)
    assert pipe.set_output(transform="pandas").transform(X).shape == expected.shape
    # and its inverse goes back through every step, to the unscaled features
    back = pipe.inverse_transform(pipe.transform(X))
    assert back.shape == X.shape and np.isfinite(np.asarray(back, dtype=float)).all()


def new_mice(folder, genes=slice(None), lipid_rows=slice(None)):
    """nutrimouse as a folder of new samples (mice m0..m39): gene columns in
    reverse order plus one feature the model never saw, lipid for some mice."""
    mice = load_nutrimouse()
    ids = [f"m{i}" for i in range(40)]
    folder.mkdir()
    gene = mice.data["gene"].set_axis(ids).iloc[:, ::-1].iloc[:, genes].copy()
    gene["not_in_the_model"] = 1.0
    gene.to_csv(folder / "gene.csv")
    if lipid_rows is not None:
        mice.data["lipid"].set_axis(ids).iloc[lipid_rows].to_csv(folder / "lipid.csv.gz")
    return mice, ids


def test_embed_new_samples_with_the_saved_model(run_dir, tmp_path):
    out, _ = run_dir
    lacking = np.zeros(40, dtype=bool)
    lacking[1::4] = True
    mice, ids = new_mice(tmp_path / "new", lipid_rows=~lacking)
    status, stdout, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e")])
    assert status == 0, stderr
    assert "embedded 40 samples" in stdout
    assert "gene: ignored 1 feature(s) the model was not trained on" in stdout
    assert "samples lacking an omic (embedded from the others): lipid 10" in stdout
    Z = pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0).loc[ids]
    gating = pd.read_csv(tmp_path / "e" / "gating_weights.csv", index_col=0).loc[ids]
    # the same numbers as the saved pipeline on the data in the training layout
    pipe = joblib.load(out / "model.joblib")
    expected = pipe.transform(mice.data)
    np.testing.assert_allclose(Z.to_numpy()[~lacking], expected[~lacking], rtol=1e-6, atol=1e-9)
    assert list(Z.columns) == list(pipe["model"].get_feature_names_out())
    assert (gating["lipid"].to_numpy()[lacking] == 0).all()
    assert (gating["lipid"].to_numpy()[~lacking] > 0).all()

    # an omic without a file: missing for every sample
    new_mice(tmp_path / "genes_only", lipid_rows=None)
    status, stdout, stderr = call(["embed", str(out / "model.joblib"), "--data", str(tmp_path / "genes_only"), "--out", str(tmp_path / "g")])
    assert status == 0, stderr
    assert "lipid: no table in the folder, missing for every sample\n" in stdout
    assert (pd.read_csv(tmp_path / "g" / "gating_weights.csv", index_col=0)["lipid"] == 0).all()
    # a table under another name is named, not passed over in silence
    (tmp_path / "new" / "lipid.csv.gz").rename(tmp_path / "new" / "lipids.csv.gz")
    status, stdout, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "r")])
    assert status == 0, stderr
    assert (
        "lipid: no table in the folder, missing for every sample (not read: lipids.csv.gz; "
        "if one of them is this omic, name it lipid.csv, as the model calls it)"
    ) in stdout
    # and on stderr, where a pipeline's log shows it (it was only a line of the summary)
    assert "warning: lipid: no table in the folder, missing for every sample (not read: lipids.csv.gz" in stderr
    (tmp_path / "new" / "lipids.csv.gz").rename(tmp_path / "new" / "lipid.csv.gz")
    # the data folder as the output folder: its CSV outputs would be read as omics next time
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "new")])
    assert status == 2 and "is the data folder: give the outputs a folder of their own" in stderr

    # file names matched without case when no name is exact (GENE.csv for "gene")
    (tmp_path / "new" / "gene.csv").rename(tmp_path / "new" / "GENE.csv")
    status, stdout, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "c")])
    assert status == 0, stderr
    np.testing.assert_allclose(pd.read_csv(tmp_path / "c" / "embedding.csv", index_col=0).loc[ids], Z)

    # one omic, features x samples: no other omic to orient it by shared sample
    # names, so the trained feature names decide (it was read as samples x
    # features, "lacks all the features")
    g = tmp_path / "genes_only"
    genes = pd.read_csv(g / "gene.csv", index_col=0)
    genes.T.to_csv(g / "gene.csv")
    status, stdout, stderr = call(["embed", str(out), "--data", str(g), "--out", str(tmp_path / "t")])
    assert status == 0, stderr
    flat = pd.read_csv(tmp_path / "t" / "embedding.csv", index_col=0)
    np.testing.assert_allclose(flat.loc[genes.index], pd.read_csv(tmp_path / "g" / "embedding.csv", index_col=0).loc[genes.index])


def test_embed_leaves_out_samples_without_any_value_and_embeds_the_others(run_dir, tmp_path):
    """One new mouse without a value of either omic failed the whole batch."""
    out, _ = run_dir
    lacking = np.zeros(40, dtype=bool)
    lacking[1::4] = True  # (m1 lacks the lipids)
    _, ids = new_mice(tmp_path / "new", lipid_rows=~lacking)
    gene = pd.read_csv(tmp_path / "new" / "gene.csv", index_col=0)
    gene.loc["m1"] = np.nan
    gene.to_csv(tmp_path / "new" / "gene.csv")
    status, stdout, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e")])
    assert status == 0, stderr
    assert "embedded 39 samples" in stdout
    assert "left out 1 sample(s) without a value of any of the model's omics (e.g. 'm1')" in stdout
    assert sorted(pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0).index) == sorted(set(ids) - {"m1"})


def test_embed_errors(run_dir, tmp_path):
    out, _ = run_dir
    new_mice(tmp_path / "fewer", genes=slice(1, None))  # lacks one trained feature
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "fewer")])
    assert status == 2
    assert "omic 'gene' in" in stderr and "lacks 1 of the 120 features the model was trained on" in stderr
    (tmp_path / "empty").mkdir()
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "empty")])
    assert status == 2 and "holds none of the model's omic tables (gene, lipid" in stderr
    status, _, stderr = call(["embed", str(out / "metrics.json"), "--data", str(tmp_path / "fewer")])
    assert status == 2 and "cannot read" in stderr and "as a saved model" in stderr
    status, _, stderr = call(["embed", str(tmp_path), "--data", str(tmp_path / "fewer")])
    assert status == 2 and "model.joblib does not exist" in stderr


def test_discover_prints_the_clusters_against_the_labels_and_the_markers_higher_in_them(tmp_path):
    """The printed marker of a cluster was its first by p-value in either
    direction: for TCGA BRCA's basal cluster, three features lower in it. The
    cluster x label table was only inside metrics.json."""
    out = tmp_path / "d"
    status, stdout, stderr = call(["discover", *FAST, "--n-clusters", "3", "--out", str(out), "--no-figures", "-q"])
    assert status == 0, stderr
    assert "against the labels: ARI" in stdout and "samples per cluster and label:" in stdout
    record = json.loads((out / "metrics.json").read_text())
    crosstab = pd.DataFrame(record["clustering"]["against_labels"]["crosstab"]).T
    for cluster, row in crosstab.iterrows():
        printed = next(line for line in stdout.splitlines() if line.strip().startswith(f"{cluster} ") and "(" not in line.split()[2][:1])
        assert [int(v) for v in printed.split()[2:]] == [int(v) for v in row], printed
    markers = pd.read_csv(out / "cluster_markers.csv")
    for cluster in crosstab.index:
        line = next(line for line in stdout.splitlines() if line.strip().startswith(f"{cluster}:"))
        for omic, part in markers[markers["cluster"] == cluster].groupby("omic"):
            up = part[part["difference"] > 0].sort_values("rank")
            if len(up):
                assert f"{omic} {up.iloc[0]['feature']} (+" in line, (line, up.head(2))
    # q-values of clusters found in the same samples are a ranking, and say so
    # where a user copies them from (the printout and metrics.json)
    assert "q-values are optimistic" in stdout
    assert "optimistic" in record["clustering"]["marker_q_values"]


def test_run_records_the_factors_the_embedding_uses(run_dir):
    """A factor the KL switched off decodes a constant, and its large W entries
    looked like biomarkers (TCGA BRCA: 23 of 32 factors, three quarters of the
    largest |W|); metrics.json names the factors in use."""
    out, _ = run_dir
    used = json.loads((out / "metrics.json").read_text())["factors_in_use"]
    Z = pd.read_csv(out / "embedding.csv", index_col=0)
    spread = Z.std(axis=0, ddof=0)
    assert used["names"] == [c for c in Z.columns if spread[c] >= 0.1 * spread.max()]
    assert used["n"] == len(used["names"]) and used["of"] == Z.shape[1]


def test_embed_remedies_are_embed_options(run_dir, tmp_path):
    """embed advised --omics (it has none; it reads the tables named as the
    model's omics) for a text cell, and Python's OmicTransformer(SimpleImputer())
    for a stray NaN, which a model trained without --impute cannot fill."""
    out, _ = run_dir
    new_mice(tmp_path / "text")
    gene = pd.read_csv(tmp_path / "text" / "gene.csv", index_col=0).astype(object)
    gene.iloc[1, 3] = "n.d."
    gene.to_csv(tmp_path / "text" / "gene.csv")
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "text")])
    assert status == 2 and "--omics" not in stderr
    assert "It is read as the model's omic of that name: write its values as numbers" in stderr
    gene.iloc[1, :] = "n.d."  # text in every column: the loader's other refusal
    gene.to_csv(tmp_path / "text" / "gene.csv")
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "text")])
    assert status == 2 and "--omics" not in stderr and "write its values as numbers" in stderr, stderr
    gene.iloc[1, :] = 0.5
    gene.iloc[1, 3] = np.nan
    gene.astype(float).to_csv(tmp_path / "text" / "gene.csv")
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "text")])
    assert status == 2 and "SimpleImputer" not in stderr
    assert "the model was trained without --impute" in stderr and "--impute median" in stderr


def test_discover_finds_clusters_and_their_markers(tmp_path):
    out = tmp_path / "subtypes"
    status, stdout, stderr = call(["discover", *FAST, "--out", str(out), "--quiet", "--no-figures"])
    assert status == 0, stderr
    mice = load_nutrimouse()
    record = json.loads((out / "metrics.json").read_text())
    clustering = record["clustering"]
    assert list(clustering["silhouette"]) == [str(k) for k in range(2, 11)]
    k = clustering["n_clusters"]
    best = max(clustering["silhouette"].values())
    assert clustering["silhouette"][str(k)] == best
    clusters = pd.read_csv(out / "clusters.csv", index_col=0)
    assert list(clusters.index) == list(mice.data.index)  # every mouse, none held out
    assert sorted(clusters["cluster"].unique()) == [f"cluster {c}" for c in range(1, k + 1)]
    sizes = clusters["cluster"].value_counts()
    assert list(sizes.sort_index()) == sorted(sizes, reverse=True)  # numbered by size
    assert set(clusters["label"]) == set(mice.target_names)  # the folder's labels, to compare
    model = joblib.load(out / "model.joblib")
    np.testing.assert_allclose(clusters["elbo"], model[-1].score_samples(model[:-1].transform(mice.data)), rtol=1e-6)
    assert -1 <= clustering["against_labels"]["adjusted_rand_index"] <= 1
    for name in record["files"]:
        assert (out / name).is_file(), name
    assert "split.csv" not in record["files"]
    # the record describes the data, not the clusters that stood in for labels
    assert record["dataset"]["target_names"] == list(mice.target_names)
    assert "metrics" not in record and "n_test" not in record["training"]  # nothing held out

    markers = pd.read_csv(out / "cluster_markers.csv")
    assert list(markers.columns) == [
        "cluster", "omic", "feature", "rank", "mean_in", "mean_out", "difference", "t", "p_value", "q_value",
    ]
    first = markers[markers["rank"] == 1].set_index(["cluster", "omic"])
    assert len(first) == 2 * k
    # the first gene marker of cluster 1, recomputed from the scaled data
    from scipy import stats

    scaled = (mice.data - mice.data.min()) / (mice.data.max() - mice.data.min())
    gene = first.loc[("cluster 1", "gene"), "feature"]
    inside = (clusters["cluster"] == "cluster 1").to_numpy()
    ref = stats.ttest_ind(scaled[("gene", gene)][inside], scaled[("gene", gene)][~inside], equal_var=False)
    assert first.loc[("cluster 1", "gene"), "t"] == pytest.approx(ref.statistic)
    assert first.loc[("cluster 1", "gene"), "p_value"] == pytest.approx(ref.pvalue)
    assert f"{k} clusters (k-means of the embedding" in stdout
    # the file keeps the 50 best per cluster and omic; the printout names each omic's
    # best marker that is higher in the cluster wherever it ranks (the file's 50 may
    # all be lower), and says so where none of the omic's features is higher
    assert markers.groupby(["cluster", "omic"]).size().max() == 50
    from skpoems.inspection import group_markers

    every = group_markers(scaled, clusters["cluster"].to_numpy())
    for c in sorted(clusters["cluster"].unique()):
        named = []
        for omic, part in every[every["group"] == c].groupby("omic", sort=False):
            higher = part[part["difference"] > 0]
            named.append(f"{omic} {(higher if len(higher) else part)['feature'].iloc[0]} (")
            if not len(higher):
                named[-1] = named[-1][:-1]  # ("... ; no gene feature higher in it")
                assert f"no {omic} feature higher in it" in stdout
        line = next(row for row in stdout.splitlines() if row.startswith(f"  {c}: "))
        assert all(name in line for name in named), (line, named)

    # the saved model embeds the unscaled data as the run did, and assigns the clusters
    Z = pd.read_csv(out / "embedding.csv", index_col=0)
    again = joblib.load(out / "model.joblib").transform(mice.data)
    np.testing.assert_allclose(again, Z, rtol=1e-6, atol=1e-9)
    subtypes = joblib.load(out / "subtypes.joblib")
    named = [f"cluster {c + 1}" for c in subtypes.predict(mice.data)]
    assert named == list(clusters["cluster"])
    # new patients (here the same mice, from files) get the discovered clusters
    new_mice(tmp_path / "new")
    status, stdout, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e")])
    assert status == 0, stderr
    assigned = pd.read_csv(tmp_path / "e" / "clusters.csv", index_col=0)
    mice_ids = [f"m{i}" for i in range(40)]
    assert list(assigned.loc[mice_ids, "cluster"]) == list(clusters["cluster"])
    np.testing.assert_allclose(assigned.loc[mice_ids, "elbo"], clusters["elbo"], rtol=1e-5)  # the same ELBO
    assert "clusters of skpoems discover (nearest k-means centre): cluster 1" in stdout


def test_discover_refuses_too_many_clusters_before_training(tmp_path, monkeypatch):
    from skpoems import POEMSTransformer

    def no_fit(self, X, y=None):
        raise AssertionError("trained before the usage error")

    monkeypatch.setattr(POEMSTransformer, "fit", no_fit)
    status, _, stderr = call(["discover", *FAST, "--n-clusters", "40", "--out", str(tmp_path / "o")])
    assert status == 2 and "cannot cluster 40 samples into 40 or more clusters" in stderr


def test_discover_goes_on_without_labels_when_the_folders_label_file_has_several_columns(tmp_path):
    """discover needs no labels, but a labels.csv of several columns (genotype,
    diet) stopped it: "a label table with several columns must be one-hot"."""
    data, _ = mice_cohort(tmp_path, lipid_lacks=slice(0, 0))
    labels = pd.read_csv(data / "labels.csv", index_col=0)
    labels.insert(0, "sex", ["f", "m"] * 20)
    labels.to_csv(data / "labels.csv")
    argv = ["discover", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--variance-permutations", "0",
            "--n-clusters", "3"]
    status, _, stderr = call([*argv, "--out", str(tmp_path / "a")])
    assert status == 0, stderr
    assert "labels.csv has several label columns ['sex', 'diet']: the clusters are compared with none" in stderr
    assert "against_labels" not in json.loads((tmp_path / "a" / "metrics.json").read_text())["clustering"]
    status, _, stderr = call([*argv, "--label-column", "diet", "--out", str(tmp_path / "b")])
    assert status == 0, stderr
    assert "against_labels" in json.loads((tmp_path / "b" / "metrics.json").read_text())["clustering"]
    status, _, stderr = call(["run", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--out", str(tmp_path / "c")])
    assert status == 2 and "--label-column NAME (one of ['sex', 'diet'])" in stderr  # run needs its labels


def test_discover_without_labels_and_with_a_missing_omic(tmp_path):
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(1, None, 4))
    (data / "labels.csv").unlink()
    out = tmp_path / "out"
    argv = ["discover", "--data", str(data), *FAST[2:], "--out", str(out), "-q", "--no-figures"]
    status, _, stderr = call([*argv, "--n-clusters", "3"])
    assert status == 2 and "--join outer" in stderr  # the omics list different mice
    status, stdout, stderr = call([*argv[:-1], "--n-clusters", "3", "--join", "outer", "--model", "mocss-sparsevae"])
    assert status == 0, stderr  # with figures, coloured by cluster: none skipped
    record = json.loads((out / "metrics.json").read_text())
    assert record["figures_skipped"] == {} and "figures/embedding_tsne.png" in record["files"]
    clusters = pd.read_csv(out / "clusters.csv", index_col=0)
    # MOCSS has no ELBO, but how many omics each mouse has is written all the same
    assert sorted(clusters.index) == sorted(ids) and list(clusters.columns) == ["cluster", "omics_observed"]
    assert clusters["cluster"].nunique() == 3 and (clusters["omics_observed"] == 1).sum() == 10
    clustering = json.loads((out / "metrics.json").read_text())["clustering"]
    assert clustering["chosen_by"] == "given" and "against_labels" not in clustering
    lacking = clustering["samples_lacking_each_omic"]
    assert sum(c["lipid"] for c in lacking.values()) == 10 and sum(c["gene"] for c in lacking.values()) == 0
    assert set(lacking) == set(clusters["cluster"])
    assert "against the folder's labels" not in stdout
    # POEMS: each mouse's ELBO, and how many omics it sums over
    poems_out = tmp_path / "poems"
    status, _, stderr = call([*argv[:-3], str(poems_out), "-q", "--no-figures", "--n-clusters", "3", "--join", "outer"])
    assert status == 0, stderr
    clusters = pd.read_csv(poems_out / "clusters.csv", index_col=0)
    assert list(clusters.columns) == ["cluster", "elbo", "omics_observed"] and clusters["elbo"].notna().all()
    has_lipid = clusters.index.isin(pd.read_csv(data / "lipid.csv", index_col=0).index)
    assert (~has_lipid).sum() == 10
    assert (clusters["omics_observed"] == np.where(has_lipid, 2, 1)).all()
    status, _, stderr = call([*argv, "--n-clusters", "1"])
    assert status == 2 and "expected 'auto' or an integer >= 2" in stderr


def test_layout_option_settles_tables_that_share_feature_names(tmp_path):
    """Unlabelled mRNA and copy-number tables by gene: --layout says which axis
    holds the samples (the names cannot)."""
    rng = np.random.default_rng(0)
    samples = [f"TCGA-{i:02d}" for i in range(30)]
    genes = [f"G{j}" for j in range(40)]
    data = tmp_path / "cohort"
    data.mkdir()
    for omic in ("mrna", "cnv"):
        pd.DataFrame(rng.random((30, 40)), index=samples, columns=genes).T.to_csv(data / f"{omic}.csv")
    argv = ["discover", "--data", str(data), *FAST[2:], "--n-clusters", "2", "-q", "--no-figures", "--out", str(tmp_path / "out")]
    status, _, stderr = call(argv)
    assert status == 2 and "Pass --layout samples-x-features if every table is samples x features or --layout features-x-samples" in stderr
    assert "transpose=" not in stderr and "(skpoems:" not in stderr
    status, _, stderr = call([*argv, "--layout", "features-x-samples"])
    assert status == 0, stderr
    assert sorted(pd.read_csv(tmp_path / "out" / "clusters.csv", index_col=0).index) == samples
    status, _, stderr = call(["run", *FAST, "--layout", "features-x-samples"])
    assert status == 2 and "go with --data FOLDER" in stderr


def test_discover_refuses_genes_as_samples_and_words_the_remedy_as_options(tmp_path):
    """Unlabelled mRNA and copy numbers by gene, samples x features with each
    assay's suffix (PT000_RNA, PT000_DNA): discover clustered the genes and
    listed patients as their markers; it now says why it cannot tell, in options."""
    rng = np.random.default_rng(0)
    genes = [f"GENE{j}" for j in range(40)]
    data = tmp_path / "cohort"
    data.mkdir()
    for omic, suffix in (("mrna", "RNA"), ("cnv", "DNA")):
        index = pd.Index([f"PT{i:03d}_{suffix}" for i in range(30)], name="sample")
        pd.DataFrame(rng.random((30, 40)), index=index, columns=genes).to_csv(data / f"{omic}.csv")
    argv = ["discover", "--data", str(data), *FAST[2:], "--n-clusters", "2", "-q", "--no-figures", "--out", str(tmp_path / "out")]
    status, _, stderr = call(argv)
    assert status == 2 and "Cannot tell whether the rows or the columns" in stderr, stderr
    assert "(--sample-name-length 5)" in stderr and "pass --layout samples-x-features with that length" in stderr
    assert "transpose=" not in stderr and "(skpoems:" not in stderr and "sample_name_length" not in stderr
    status, _, stderr = call([*argv, "--layout", "samples-x-features", "--sample-name-length", "5"])
    assert status == 0, stderr
    assert sorted(pd.read_csv(tmp_path / "out" / "clusters.csv", index_col=0).index) == [f"PT{i:03d}" for i in range(30)]


def test_impute_notes_samples_that_lack_most_of_an_omic(tmp_path):
    """A mouse with 110 of its 120 genes missing was imputed with the medians and
    weighed by the model as if measured, without a word."""
    data, _ = mice_cohort(tmp_path, lipid_lacks=slice(0, 0), gene_nan=[(3, c) for c in range(110)] + [(5, 0)])
    argv = ["run", "--data", str(data), *FAST[2:], "--impute", "median", "--out", str(tmp_path / "out"), "-q",
            "--no-figures"]
    status, _, stderr = call(argv)
    assert status == 0, stderr
    assert "omic 'gene': 1 sample(s) lack more than half of its features (e.g. 'm3' (110 of 120))" in stderr
    assert "empty its whole row" in stderr and "'m5'" not in stderr  # (one stray value: no note)


def test_run_model_keeps_imputer_and_feature_selection(tmp_path):
    """A cohort with stray NaN and a missing omic: the saved pipeline imputes,
    selects and scales new data as the run did, and keeps missing omics missing."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(1, None, 4), gene_nan=[(3, 5)])
    out = tmp_path / "out"
    status, _, stderr = call(
        ["run", "--data", str(data), *FAST[2:], "--join", "outer", "--impute", "median",
         "--top-variance", "0.5", "--out", str(out), "--quiet", "--no-figures"]
    )
    assert status == 0, stderr
    pipe = joblib.load(out / "model.joblib")
    assert [name for name, _ in pipe.steps] == ["input", "impute", "scale", "model"]
    assert pipe["model"].omic_dims_ == (60, 11)  # the most variable half of 120 and 21 features
    bunch = load_omics_tables(data, join="outer")
    Z = pd.read_csv(out / "embedding.csv", index_col=0)
    again = pd.DataFrame(pipe.transform(bunch.data), index=bunch.data.index)
    np.testing.assert_allclose(again.loc[Z.index], Z, rtol=1e-6, atol=1e-9)
    gating = pd.DataFrame(pipe[:-1].transform(bunch.data).pipe(pipe["model"].transform_gating),
                          index=bunch.data.index, columns=pipe["model"].omic_names_)
    assert (gating.loc[ids[1::4], "lipid"] == 0).all()  # still missing, not imputed

    # new samples need only the features the selection kept
    kept = set(pipe["model"].omic_feature_names()[0])
    genes = [i for i, name in enumerate(load_nutrimouse().data["gene"].columns[::-1]) if name in kept]
    new_mice(tmp_path / "new", genes=genes)
    status, stdout, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e")])
    assert status == 0, stderr
    assert "(32 dimensions from gene 60, lipid 11 features)" in stdout
    assert "gene: 60 feature(s) the feature selection dropped are absent" in stdout
    Z = pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0)
    both = bunch.data.index.difference([*ids[1::4], ids[3]])  # m3's stray NaN was imputed in the run
    np.testing.assert_allclose(Z.loc[both], again.loc[both], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("model", "has_gating", "has_w"),
    [("poem", True, False), ("mocss-sparsevae", False, True)],
)
def test_run_other_models(tmp_path, model, has_gating, has_w):
    status, _, stderr = call(
        ["run", *FAST, "--model", model, "--out", str(tmp_path), "-q", "--no-figures"]
    )
    assert status == 0, stderr
    assert (tmp_path / "gating_weights.csv").exists() == has_gating
    assert (tmp_path / "W_gene.csv").exists() == has_w
    top = pd.read_csv(tmp_path / "top_features.csv")  # decoder gradients: every model
    assert top.groupby("omic", sort=False).size().to_dict() == {"gene": 20, "lipid": 20}
    if has_w:
        W = pd.read_csv(tmp_path / "W_lipid.csv", index_col=0)
        assert list(W.columns[:2]) == ["lipid_specific0", "lipid_specific1"]
    assert not (tmp_path / "figures").exists()


def test_figure_format_writes_vector_figures_for_a_paper(tmp_path):
    out = tmp_path / "vector"
    status, stdout, stderr = call(
        ["run", *FAST, "--model", "mocss-ae", "--out", str(out), "--figure-format", "pdf,svg,png", "--figure-dpi", "300"]
    )
    assert status == 0, stderr
    record = json.loads((out / "metrics.json").read_text())
    figures = [f for f in record["files"] if f.startswith("figures/")]
    assert "figures/training_history.pdf" in figures and "figures/training_history.svg" in figures
    for name in figures:
        data = (out / name).read_bytes()
        if name.endswith(".pdf"):  # text as TrueType (editable), not Type 3 glyph drawings; no date
            assert data.startswith(b"%PDF") and b"/Type3" not in data and b"/CIDFontType2" in data
            assert b"/CreationDate" not in data
        elif name.endswith(".svg"):  # text as <text>, not paths
            assert b"<svg" in data[:400] and b"<text" in data and b"<dc:date>" not in data
    from PIL import Image

    with Image.open(out / "figures" / "training_history.png") as image:
        assert round(image.info["dpi"][0]) == 300
    assert "figures/*.pdf, figures/*.svg, figures/*.png)" in stdout
    status, _, stderr = call(["run", *FAST, "--out", str(tmp_path / "x"), "--figure-format", "jpg"])
    assert status == 2 and "expected a comma-separated list of png, pdf, svg; got 'jpg'" in stderr


def test_figures_of_many_omics_wrap_into_a_grid(tmp_path):
    """Ten omics: the top-features figure was one row of ten panels, 55 inches
    wide, the activation maps a column 30 inches tall, and every factor panel
    repeated the ten-entry legend."""
    from PIL import Image

    rng = np.random.RandomState(0)
    data = tmp_path / "ten"
    data.mkdir()
    ids = [f"s{i}" for i in range(60)]
    for v in range(10):
        pd.DataFrame(rng.rand(60, 6), index=ids, columns=[f"o{v}_f{j}" for j in range(6)]).to_csv(data / f"omic{v}.csv")
    pd.DataFrame({"group": np.array(["a", "b", "c"])[np.arange(60) % 3]}, index=ids).to_csv(data / "labels.csv")
    out = tmp_path / "out"
    status, _, stderr = call(["run", "--data", str(data), "--max-iter", "2", "--threads", "1", "-q",
                              "--variance-permutations", "0", "--out", str(out)])
    assert status == 0, stderr
    for name, most in {"top_features": (17.0, 18.5), "activation_maps": (24.5, 16.0)}.items():
        with Image.open(out / "figures" / f"{name}.png") as image:
            width, height = (side / 150 for side in image.size)
        assert width <= most[0] and height <= most[1], (name, width, height)


def test_set_passes_any_estimator_parameter(tmp_path):
    status, _, stderr = call(
        [
            "run", *FAST, "--set", "objective=elbo", "--set", "beta=4", "--set", "noise=omic",
            "--set", "encoder_hidden=[16]", "--out", str(tmp_path), "-q", "--no-figures",
        ]
    )  # fmt: skip
    assert status == 0, stderr
    params = json.loads((tmp_path / "metrics.json").read_text())["parameters"]
    assert params["objective"] == "elbo" and params["beta"] == 4 and params["noise"] == "omic"
    assert list(params["encoder_hidden"]) == [16]
    # benchmark: applied to the models that have the parameter, the others run as usual
    status, _, stderr = call(
        ["benchmark", *FAST, "--models", "poem,mocss-ae", "--no-baselines", "--set", "objective=elbo",
         "--out", str(tmp_path / "bench"), "-q"]
    )  # fmt: skip
    assert status == 0, stderr
    assert len(pd.read_csv(tmp_path / "bench" / "benchmark.csv")) == 2


def test_run_reports_every_init_of_n_init(tmp_path):
    status, stdout, stderr = call(["run", *FAST, "--set", "n_init=2", "--out", str(tmp_path), "--no-figures"])
    assert status == 0, stderr
    training = json.loads((tmp_path / "metrics.json").read_text())["training"]
    losses = training["init_losses"]
    assert len(losses) == 2 and training["kept_init"] == int(np.argmin(losses)) + 1
    assert f"kept init {training['kept_init']} of 2" in stdout
    assert training["best_validation_loss"] == pytest.approx(min(losses))


def test_set_null_is_a_value_not_a_missing_option(tmp_path):
    """--set NAME=null passes None (a setting: no convergence test, no patience),
    it does not fall back to the default as an option that was not given does."""
    argv = ["run", *FAST, "--set", "convergence_tol=null", "--set", "n_iter_no_change=null", "-q", "--no-figures"]
    status, _, stderr = call([*argv, "--out", str(tmp_path)])
    assert status == 0, stderr
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert record["parameters"]["convergence_tol"] is None
    assert record["parameters"]["n_iter_no_change"] is None
    assert record["training"]["n_iter"] == 3
    # without --set the default applies
    status, _, stderr = call(["run", *FAST, "-q", "--no-figures", "--out", str(tmp_path / "d")])
    assert status == 0, stderr
    assert json.loads((tmp_path / "d" / "metrics.json").read_text())["parameters"]["convergence_tol"] == 1e-3


def test_paper_config_flag(tmp_path):
    """--paper-config trains skpoems.PAPER_CONFIG; explicit options and --set win."""
    from skpoems import PAPER_CONFIG

    argv = ["run", *FAST, "--paper-config", "--batch-size", "16", "--set", "beta=2", "-q", "--no-figures"]
    status, _, stderr = call([*argv, "--out", str(tmp_path)])
    assert status == 0, stderr
    params = json.loads((tmp_path / "metrics.json").read_text())["parameters"]
    expected = {**PAPER_CONFIG["POEMSTransformer"], "batch_size": 16, "beta": 2}
    assert {k: params[k] for k in expected} == expected
    # models without a paper configuration entry run their defaults
    argv = ["run", *FAST, "--paper-config", "--model", "mocss-ae", "-q", "--no-figures"]
    status, _, stderr = call([*argv, "--out", str(tmp_path / "ae")])
    assert status == 0, stderr


def test_figures_are_skipped_not_fatal(tmp_path, mice, monkeypatch):
    real = _figures._plotting

    def broken(name):
        if name == "plot_training_history":
            return real(name)
        raise RuntimeError(f"no {name} today")

    monkeypatch.setattr(_figures, "_plotting", broken)
    est = make_estimator("poems", max_iter=2, n_components=3, random_state=0)
    est.set_params(device="cpu")
    result = _estimator._fit_quietly(lambda: run_protocol(est, mice.data, mice.target))
    bunch = load_dataset("nutrimouse")
    with pytest.warns(RuntimeWarning) as caught:
        written, skipped = _figures.write_figures(result, bunch, tmp_path)
    assert any("no plot_embedding today" in str(w.message) for w in caught)
    assert written == ["training_history.png"]
    assert "embedding_tsne.png" in skipped
    assert "gating_weights.png" in skipped


def test_no_arguments_runs_poems_on_tcga_brca(monkeypatch):
    seen = {}

    def fake_run(args):
        seen.update(vars(args))
        return 0

    monkeypatch.setattr(_parser, "_cmd_run", fake_run)
    assert _cli.main([]) == 0
    assert seen["command"] == "run"
    assert seen["model"] == "poems"
    assert seen["dataset"] is None
    assert seen["data"] is None
    assert seen["max_iter"] == _cli.DEMO_MAX_ITER
    assert (seen["test_size"], seen["split_seed"], seen["stratify"]) == (0.2, 1, False)
    assert seen["threads"] == "auto"
    assert _cli.main(["--max-iter", "9"]) == 0  # options without a command: run
    assert seen["max_iter"] == 9


@pytest.mark.parametrize(("load", "threads"), [(0.0, 4), (0.4, 4), (1.7, 2), (9.0, 1)])
def test_auto_threads_leaves_busy_cores_alone(monkeypatch, load, threads):
    import skpoems._sweep

    monkeypatch.setattr(skpoems._sweep, "available_cores", lambda: 4)
    monkeypatch.setattr(_cpu, "_busy_cores", lambda: load)
    monkeypatch.setattr(os, "getloadavg", lambda: (99.0, 99.0, 99.0))  # not used
    assert _cpu.auto_threads() == threads
    # where /proc/stat cannot be read, the 1-minute load average
    monkeypatch.setattr(_cpu, "_busy_cores", lambda: None)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert _cpu.auto_threads() == threads


def test_threads_limit_scikit_learns_pools_too(monkeypatch):
    """--threads limited torch only: scikit-learn's OpenMP code (k-means, the
    t-SNE figure) started one thread per core on a busy machine (t-SNE of 60
    patients: 43 s against 0.2 s at one thread)."""
    from threadpoolctl import threadpool_info

    seen = {}

    def fake_run(args):
        import torch

        seen["torch"] = torch.get_num_threads()
        seen["pools"] = {p["user_api"]: p["num_threads"] for p in threadpool_info()}
        return 0

    monkeypatch.setattr(_parser, "_cmd_run", fake_run)
    before = {p["user_api"]: p["num_threads"] for p in threadpool_info()}
    assert _cli.main(["run", "--threads", "1"]) == 0
    assert seen["torch"] == 1
    assert seen["pools"] and set(seen["pools"].values()) == {1}
    assert {p["user_api"]: p["num_threads"] for p in threadpool_info()} == before  # restored


def test_sweep_threads_apply_to_the_refit_too(monkeypatch, tmp_path):
    """sweep --threads N set the threads of the sweep's fits only: the refit of
    the selected configuration, its k-means and figures ran on every core."""
    import torch
    from threadpoolctl import threadpool_info

    seen = {}
    real = exp.run_protocol

    def spy(*args, **kwargs):
        seen["torch"] = torch.get_num_threads()
        seen["pools"] = {p["user_api"]: p["num_threads"] for p in threadpool_info()}
        return real(*args, **kwargs)

    monkeypatch.setattr(exp, "run_protocol", spy)
    status, _, stderr = call(
        ["sweep", "--dataset", "nutrimouse", "--batch-sizes", "16", "--learning-rates", "0.001",
         "--weight-decays", "0", "--max-iter", "2", "--threads", "1", "--n-jobs", "1", "--no-figures",
         "--quiet", "--variance-permutations", "0", "--out", str(tmp_path)]
    )
    assert status == 0, stderr
    assert seen["torch"] == 1 and set(seen["pools"].values()) == {1}


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="Linux /proc/stat")
def test_busy_cores_sees_a_busy_core_at_once():
    """The one-second measure sees work that started a moment ago (the load
    average would take a minute) and stays within the machine's cores."""
    import threading

    idle_now = _cpu._busy_cores(0.3)
    assert idle_now is not None and 0.0 <= idle_now <= os.cpu_count()
    stop = time.perf_counter() + 1.0
    spin = threading.Thread(target=lambda: [None for _ in iter(lambda: time.perf_counter() < stop, False)])
    spin.start()
    try:
        busy = _cpu._busy_cores(0.5)
    finally:
        spin.join()
    assert busy >= 0.7  # the spinning thread holds one core


# ----------------------------------------------------------------- benchmark
def test_benchmark_table_has_every_model_and_baseline(tmp_path):
    status, stdout, stderr = call(
        [
            "benchmark",
            *FAST[:-2],
            "--max-iter",
            "2",
            "--threads",
            "1",
            "--out",
            str(tmp_path),
            "-q",
        ]
    )
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "benchmark.csv")
    names = [DISPLAY_NAMES[m] for m in [*MODELS, *BASELINES]]
    assert table["model"].tolist() == names
    for key in ("kmeans_acc", "kmeans_nmi", "knn_acc"):
        assert table[key].between(0, 1).all()
        assert (table[key + "_std"] >= 0).all()
    assert (table["fit_time_s"] >= 0).all()
    assert table.set_index("model").loc["POEMS", "n_iter"] == 2
    assert table.set_index("model").loc["PCA", "n_features_out"] == 32
    assert table.set_index("model").loc["raw features", "n_features_out"] == 141
    runs = pd.read_csv(tmp_path / "benchmark_runs.csv")
    assert len(runs) == len(names)
    markdown = (tmp_path / "benchmark.md").read_text()
    for name in names:
        assert f"| {name} " in markdown
        assert f"| {name} " in stdout
    assert "max_iter=2" in markdown


def test_benchmark_subset_and_splits(tmp_path):
    status, _, stderr = call(
        [
            "benchmark",
            *FAST,
            "--models",
            "poem,pca",
            "--no-baselines",
            "--splits",
            "2",
            "--out",
            str(tmp_path),
            "-q",
        ]
    )
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "benchmark.csv")
    assert table["model"].tolist() == ["POEM", "PCA"]
    assert (table["n_splits"] == 2).all()
    runs = pd.read_csv(tmp_path / "benchmark_runs.csv")
    assert sorted(runs["split"].tolist()) == [0, 0, 1, 1]
    # the pooled mean is the mean of the per-split means
    pca = runs[runs["model"] == "PCA"]
    assert table.loc[1, "kmeans_acc"] == pytest.approx(pca["kmeans_acc"].mean())


def test_benchmark_baselines_on_a_cohort_with_missing_omics(tmp_path):
    """PCA and raw features cannot take a missing omic: they get the training
    means there (said in the table's caption), instead of failing."""
    data, _ = mice_cohort(tmp_path, lipid_lacks=slice(1, None, 4))
    out = tmp_path / "bench"
    status, stdout, stderr = call(
        ["benchmark", "--data", str(data), "--join", "outer", *FAST[2:], "--models", "poem", "--out", str(out)]
    )
    assert status == 0, stderr
    table = pd.read_csv(out / "benchmark.csv")
    assert table["model"].tolist() == ["POEM", "PCA", "raw features"]
    assert table["kmeans_acc"].notna().all()
    runs = pd.read_csv(out / "benchmark_runs.csv")
    assert runs["error"].isna().all()
    assert json.loads((out / "benchmark.json").read_text())["baselines_fill_missing_omics"] is True
    assert "PCA and raw features: missing omics filled with the training means" in stdout


# --------------------------------------------------------------------- sweep
def test_sweep_selects_by_validation_loss(tmp_path):
    status, stdout, stderr = call(
        [
            "sweep",
            *FAST,
            "--batch-sizes",
            "8,16",
            "--learning-rates",
            "1e-3",
            "--weight-decays",
            "1e-4",
            "--out",
            str(tmp_path),
            "-q",
            "--no-figures",
        ]
    )
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "sweep_results.csv")
    assert table["batch_size"].tolist() == [8, 16]
    assert np.isfinite(table["validation_loss"]).all()
    assert (table["threads"] >= 1).all()
    summary = json.loads((tmp_path / "sweep.json").read_text())
    best = table.loc[table["validation_loss"].idxmin()]
    assert summary["sweep"]["selected"]["batch_size"] == best["batch_size"]
    assert summary["sweep"]["n_configurations"] == 2
    assert set(summary["test_metrics"]) >= {"kmeans_acc", "knn_acc"}
    record = json.loads((tmp_path / "best" / "metrics.json").read_text())
    assert record["parameters"]["batch_size"] == best["batch_size"]
    assert (tmp_path / "best" / "embedding.csv").is_file()
    assert "selected: batch_size=" in stdout


def test_sweep_exits_1_when_a_configuration_failed(tmp_path):
    """As benchmark does: a failure recorded only in a table was easy to miss."""
    status, stdout, stderr = call(
        ["sweep", *FAST, "--batch-sizes", "8", "--learning-rates", "1e-3,1e3", "--weight-decays", "1e-4",
         "--out", str(tmp_path), "-q", "--no-figures"]
    )
    table = pd.read_csv(tmp_path / "sweep_results.csv").fillna({"error": ""})
    assert (table["error"] != "").sum() == 1, table
    assert status == 1 and "(1 failed)" in stdout
    assert (tmp_path / "best" / "embedding.csv").is_file()  # the others' best is still refitted


def test_sweep_refits_the_selected_configuration_with_its_threads(tmp_path, monkeypatch):
    """A fit depends on its torch thread count: without --threads the sweep's
    fits get cores / concurrent fits, and the refit written to best/ ran with
    torch's own count, so best/ was another fit than the one selected."""
    import torch

    torch.set_num_threads(17)  # torch's count outside the sweep (restored by the fixture)
    refit_threads = []
    protocol = exp.run_protocol

    def recording(*args, **kwargs):
        refit_threads.append(torch.get_num_threads())
        return protocol(*args, **kwargs)

    monkeypatch.setattr(exp, "run_protocol", recording)
    argv = ["sweep", *FAST[:-2], "--batch-sizes", "8", "--learning-rates", "1e-3", "--weight-decays", "1e-4",
            "--out", str(tmp_path), "-q", "--no-figures"]
    status, _, stderr = call(argv)
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "sweep_results.csv")
    assert refit_threads == [int(table["threads"].iloc[0])] and refit_threads != [17]
    status, _, stderr = call([*argv, "--threads", "2"])
    assert status == 0, stderr
    assert refit_threads[-1] == 2 and pd.read_csv(tmp_path / "sweep_results.csv")["threads"].tolist() == [2]


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--model", "nope"], "invalid choice: 'nope'"),
        (["run", "--dataset", "nope"], "invalid choice: 'nope'"),
        (["benchmark", "--models", "poems,nope"], "unknown model(s) nope"),
        (["sweep", "--model", "pca"], "invalid choice: 'pca'"),
        (["run", "--max-iter", "0"], "expected an integer >= 1"),
        (["sweep", "--learning-rates", "1e-3,x"], "expected a number"),
        (["run", "--dataset", "nutrimouse", "--data", "x"], "not allowed with"),
        (["run", "--dataset", "nutrimouse", "--labels", "diet.csv"], "--labels, --label-column, --join, --omics, --sample-name-length, --sample-types and --layout go with --data"),
        (["sweep", "--n-jobs", "0"], "expected a non-zero integer"),
        (["sweep", "--n-jobs", "2", "--dask-local", "2"], "not allowed with"),
        (["nope"], "invalid choice: 'nope'"),
        # options before the command: argparse said "unrecognized arguments: discover"
        (["-q", "--threads", "1", "discover", "--data", "x"], "options go after the command: skpoems discover -q --threads 1 --data x"),
        (["run", "--set", "beta"], "expected NAME=VALUE"),
        (["run", "--dataset", "nutrimouse", "--set", "betta=4"], "has no parameter 'betta'"),
        (["benchmark", "--dataset", "nutrimouse", "--models", "poems", "--set", "x=1"], "none of the models"),
        (["run", *FAST, "--set", "max_iter=5"], "--set max_iter=... and --max-iter both set max_iter"),
        (["run", *FAST, "--set", "beta=-1"], "The 'beta' parameter of POEMSTransformer must be"),
        (["run", *FAST, "--set", "encoder_hidden=[0]"], "The 'encoder_hidden' parameter of POEMSTransformer must be"),
        # JSON true is an int to scikit-learn's constraints: batches of one sample
        (["run", *FAST, "--set", "batch_size=true"], "The 'batch_size' parameter of POEMSTransformer must be an int in the range [1, inf) (not a bool)"),
        (["run", *FAST, "--set", "convergence_tol=None"], "values are JSON, not Python: write convergence_tol=null"),
        (["run", *FAST, "--set", "encoder_hidden=(50, 50)"], "write encoder_hidden=[50, 50]"),
        (["run", *FAST, "--set", "beta=1", "--set", "beta=2"], "--set beta=... is given more than once"),
        (["run", *FAST, "--test-size", "1.0"], "a number of test samples (at least 2)"),
        (["run", *FAST, "--test-size", "4"], "the test part of nutrimouse has 4 samples, too few to score 5 classes"),
        (["run", *FAST, "--test-size", "39"], "the training part of nutrimouse has 1 sample(s), too few to train a model"),
        (["run", *FAST, "--top-variance", "1"], "1 is ambiguous"),
        # scikit-learn's and the models' Python names, as options
        (["run", *FAST, "--test-size", "40"], "--test-size 40 should be either positive"),
        (["run", *FAST, "--test-size", "0.99"], "--test-size 0.99, the training part would be empty: give a smaller --test-size"),
        (["run", *FAST, "--split-seed", "-1"], "argument --split-seed: expected an integer >= 0"),
        (["run", *FAST, "--random-state", "5000000000"], "argument --random-state: expected an integer from 0 to 4294967295"),
        (["benchmark", *FAST, "--models", "all,pca"], "'all' stands alone"),
        (["sweep", *FAST, "--set", "learning_rate=0.5"], "--set learning_rate=... in a sweep: the grid sets learning_rate"),
        (["sweep", *FAST, "--set", "early_stopping=false"], "a sweep selects by validation loss, which needs early stopping"),
    ],
)
def test_usage_errors_exit_with_status_2(argv, message):
    status, _, stderr = call(argv)
    assert status == 2
    assert message in stderr


def test_bad_data_folder_is_a_usage_error(tmp_path):
    status, _, stderr = call(["run", "--data", str(tmp_path / "missing")])
    assert status == 2
    assert "Folder not found" in stderr
    np.savetxt(
        tmp_path / "1_all.csv", np.random.RandomState(0).rand(10, 3), delimiter=","
    )
    status, _, stderr = call(["run", "--data", str(tmp_path)])
    assert status == 2
    assert "labels" in stderr


def test_data_folder_with_given_split(tmp_path):
    rng = np.random.RandomState(0)
    for part, n in (("tr", 24), ("te", 12)):
        np.savetxt(tmp_path / f"1_{part}.csv", rng.rand(n, 6), delimiter=",")
        np.savetxt(tmp_path / f"2_{part}.csv", rng.rand(n, 4), delimiter=",")
        np.savetxt(tmp_path / f"labels_{part}.csv", np.arange(n) % 3.0)
    out = tmp_path / "out"
    status, _, stderr = call(
        [
            "run",
            "--data",
            str(tmp_path),
            "--model",
            "poem",
            "--max-iter",
            "2",
            "--threads",
            "1",
            "--n-components",
            "2",
            "--out",
            str(out),
            "-q",
            "--no-figures",
        ]
    )
    assert status == 0, stderr
    parts = pd.read_csv(out / "split.csv", index_col=0)
    assert parts["split"].tolist() == ["train"] * 24 + ["test"] * 12
    record = json.loads((out / "metrics.json").read_text())
    assert record["split"]["given"] is True
    assert record["dataset"]["name"] == tmp_path.name


def test_top_variance_option(tmp_path):
    out = tmp_path / "tv"
    status, stdout, stderr = call(["run", *FAST, "--top-variance", "0.25", "--no-figures", "--out", str(out)])
    assert status == 0, stderr
    assert "kept the most variable 36 (gene 30, lipid 6)" in stdout
    assert len(pd.read_csv(out / "W_gene.csv", index_col=0)) == 30
    assert len(pd.read_csv(out / "W_lipid.csv", index_col=0)) == 6
    record = json.loads((out / "metrics.json").read_text())
    assert record["split"]["top_variance"] == 0.25
    assert record["dataset"]["omic_dims"] == [120, 21] and record["dataset"]["omic_dims_used"] == [30, 6]
    status, _, stderr = call(["run", *FAST, "--top-variance", "1.5"])
    assert status == 2 and "give a fraction in (0, 1] or a whole number" in stderr
    # discover said "141 features" only, never the 36 the model was fitted on
    status, stdout, stderr = call(
        ["discover", *FAST, "--top-variance", "0.25", "--n-clusters", "3", "--no-figures", "--out", str(tmp_path / "d"),
         "--marker-test", "wilcoxon"]
    )
    assert status == 0, stderr
    assert "141 features in 2 omics (gene 120, lipid 21); kept the most variable 36 (gene 30, lipid 6)" in stdout
    record = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert record["dataset"]["omic_dims_used"] == [30, 6]
    # the markers by the rank-sum test (for binary or discrete omics)
    markers = pd.read_csv(tmp_path / "d" / "cluster_markers.csv")
    assert {"z", "auc"} <= set(markers.columns) and "t" not in markers.columns
    assert "higher in it per omic (Wilcoxon rank-sum test against the other samples" in stdout


def test_data_folder_of_named_tables(tmp_path):
    """A user's folder in the layout of the bundled data: named tables, text labels."""
    mice = load_dataset("nutrimouse")
    data = tmp_path / "cohort"
    data.mkdir()
    for omic in mice.omic_names:
        mice.data[omic].rename(index=lambda i: f"m{i}").to_csv(data / f"{omic}.csv.gz")
    names = pd.Series(np.asarray(mice.target_names)[mice.target], index=[f"m{i}" for i in range(40)])
    names.rename("diet").to_frame().assign(sex="f").to_csv(data / "pheno.csv")
    names.rename("batch").str.len().astype(str).radd("b").to_frame().to_csv(data / "batches.csv")
    status, _, stderr = call(["run", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--out", str(tmp_path)])
    assert status == 2
    assert "the tables without numbers, which may hold labels, are batches.csv, pheno.csv" in stderr
    argv = ["run", "--data", str(data), "--labels", "pheno.csv", *FAST[2:], "-q", "--no-figures"]
    status, _, stderr = call([*argv, "--out", str(tmp_path)])
    assert status == 2 and "--label-column NAME (one of ['diet', 'sex'])." in stderr and "label_column" not in stderr
    out = tmp_path / "out"
    status, stdout, stderr = call([*argv, "--label-column", "diet", "--out", str(out)])
    assert status == 0, stderr
    parts = pd.read_csv(out / "split.csv", index_col=0)
    assert parts.index[0] == "m0" and set(parts["label"]) == set(mice.target_names)
    record = json.loads((out / "metrics.json").read_text())
    assert record["dataset"]["omic_names"] == ["gene", "lipid"]
    assert record["dataset"]["name"] == "cohort"


def test_labels_of_part_of_the_samples_point_to_join_inner_or_discover(tmp_path):
    """labels.csv listing half the samples of omic tables that agree got "--join
    outer to keep every sample", which keeps no more: run needs the labels."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(0, 0))
    labels = pd.read_csv(data / "labels.csv", index_col=0)
    labels.iloc[:20].to_csv(data / "labels.csv")
    argv = ["run", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--out", str(tmp_path / "out")]
    status, _, stderr = call(argv)
    assert status == 2 and "The omic tables list the same samples, and the labels do not cover them" in stderr
    assert "--join inner to keep the labelled samples" in stderr and "skpoems discover" in stderr
    assert "--join outer" not in stderr and "keep_unlabelled" not in stderr
    with pytest.raises(ValueError, match="join='inner' to keep the labelled samples, or keep_unlabelled=True"):
        load_omics_tables(data, join="strict")
    assert load_omics_tables(data, join="strict", keep_unlabelled=True).data.shape[0] == 40
    # labels of every sample and of others: join='inner' keeps the tables' samples
    pd.concat([labels, labels.iloc[:3].set_axis(["x0", "x1", "x2"])]).to_csv(data / "labels.csv")
    with pytest.raises(ValueError, match="all labelled, and the labels others too: pass join='inner'"):
        load_omics_tables(data, join="strict")


def test_data_folder_with_missing_omics_needs_join_outer(tmp_path):
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(1, None, 2))
    argv = ["run", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--out", str(tmp_path / "out")]
    status, _, stderr = call(argv)
    assert status == 2 and "Pass --join inner to keep the samples common to all files, or --join outer" in stderr
    assert "join='" not in stderr  # the loader's Python remedy, in the CLI's terms
    status, stdout, stderr = call([*argv, "--join", "outer"])
    assert status == 0, stderr
    assert "2 omics (gene 120, lipid 21); samples lacking an omic: lipid 20" in stdout
    parts = pd.read_csv(tmp_path / "out" / "split.csv", index_col=0)
    assert len(parts) == 40
    gating = pd.read_csv(tmp_path / "out" / "gating_weights.csv", index_col=0)
    lacking = gating.index.intersection(ids[1::2])
    assert len(lacking) and (gating.loc[lacking, "lipid"] == 0).all()  # a missing omic has no weight


def test_stray_missing_values_need_impute(tmp_path):
    """Methylation arrays have scattered NaN: named before any training, then
    filled from the training part with --impute, while whole missing omics stay
    missing."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(1, None, 4), gene_nan=[(3, 5), (17, 0)])
    argv = ["run", "--data", str(data), *FAST[2:], "--join", "outer", "-q", "--no-figures", "--out", str(tmp_path / "out")]
    status, stdout, stderr = call(argv)
    assert status == 2 and not stdout
    assert "omic 'gene' has 2 stray missing value(s) in 2 sample(s) that have its other values (e.g. 'm3', 'm17'). Pass --impute median" in stderr
    status, _, stderr = call([*argv, "--impute", "median"])
    assert status == 0, stderr
    record = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert record["split"]["impute"] == "median"
    gating = pd.read_csv(tmp_path / "out" / "gating_weights.csv", index_col=0)
    lacking = gating.index.intersection(ids[1::4])
    assert len(lacking) and (gating.loc[lacking, "lipid"] == 0).all()  # still missing, not imputed


@pytest.mark.parametrize("command", ["run", "discover"])
def test_summary_counts_the_features_impute_leaves_out(tmp_path, command):
    """The summary line named the input tables' 120 gene features although the
    model saw the 119 left after --impute dropped the one nobody measured."""
    data, _ = mice_cohort(tmp_path, lipid_lacks=slice(0, 0), gene_nan=[(row, 7) for row in range(40)])
    argv = [command, "--data", str(data), *FAST[2:], "--impute", "median", "-q", "--no-figures", "--out", str(tmp_path / "out")]
    status, stdout, stderr = call(argv)
    assert status == 0, stderr
    assert "141 features in 2 omics (gene 120, lipid 21); left out 1 that no training sample measures (gene 1)" in stdout


def test_log_option_for_a_linear_scale_omic(tmp_path):
    """A folder of read counts beside log-scale values: the model's warning
    names the omic with the option that fixes it; --log applies log(1 + x)
    before scaling, in the saved model too (skpoems embed), and refuses an
    omic that is log-scaled already or that does not exist."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(0, 0))
    gene = pd.read_csv(data / "gene.csv", index_col=0)
    z = (gene - gene.mean()) / gene.std()
    np.round(np.exp2(3 * z + 8)).to_csv(data / "gene.csv")
    out = tmp_path / "out"
    argv = ["run", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--out", str(out)]
    status, _, stderr = call(argv)
    assert status == 0, stderr
    assert "Omic(s) 'gene' (" in stderr and "look like linear-scale abundances" in stderr
    assert "Pass --log gene." in stderr
    # counts of test mice beyond ten times the scaled training range, named too
    assert "Omic 'gene':" in stderr and "samples have values beyond 10 times" in stderr
    status, _, stderr = call([*argv, "--log", "gene"])
    assert status == 0 and "linear-scale" not in stderr, stderr
    assert json.loads((out / "metrics.json").read_text())["split"]["log"] == ["gene"]
    pipe = joblib.load(out / "model.joblib")
    assert [name for name, _ in pipe.steps] == ["input", "log", "scale", "model"]
    status, _, stderr = call(["embed", str(out / "model.joblib"), "--data", str(data), "-q", "--out", str(tmp_path / "embedded")])
    assert status == 0, stderr
    Z = pd.read_csv(out / "embedding.csv", index_col=0)
    again = pd.read_csv(tmp_path / "embedded" / "embedding.csv", index_col=0)
    np.testing.assert_allclose(again.loc[Z.index].to_numpy(), Z.to_numpy(), rtol=1e-5, atol=1e-6)
    status, _, stderr = call([*argv, "--log", "genes"])
    assert status == 2 and "--log names no omic ['genes']; the omics are ['gene', 'lipid']" in stderr
    status, _, stderr = call(["run", *FAST, "-q", "--no-figures", "--out", str(out), "--log", "gene"])
    assert status == 2 and "Omic 'gene'" in stderr and "log1p needs values above -1" in stderr


def test_preparation_errors_name_the_cause_before_any_warning(tmp_path):
    """An omic whose table has every cell empty is refused first, naming it,
    by run and discover (numpy's 'All-NaN slice encountered' RuntimeWarning came
    before the model's error); an error of the preprocessing (--log) does not
    say 'cannot split'."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(0, 0))
    lipid = pd.read_csv(data / "lipid.csv", index_col=0)
    (lipid * np.nan).to_csv(data / "lipid.csv")
    for command in ("run", "discover"):
        status, _, stderr = call([command, "--data", str(data), *FAST[2:], "-q", "--no-figures",
                                  "--out", str(tmp_path / command)])
        assert status == 2, stderr
        assert "omic 'lipid' has no value in any of the 40 samples" in stderr, stderr
        assert "All-NaN" not in stderr and "Warning" not in stderr, stderr
    lipid.to_csv(data / "lipid.csv")
    status, _, stderr = call(["run", "--data", str(data), *FAST[2:], "-q", "--no-figures",
                              "--out", str(tmp_path / "log"), "--log", "nosuch"])
    assert status == 2 and "cannot prepare cohort: --log names no omic ['nosuch']" in stderr, stderr
    assert "cannot split" not in stderr


def test_sample_name_length_option(tmp_path):
    """TCGA files naming samples at 16 and 15 characters and labels at 12."""
    rng = np.random.RandomState(0)
    patients = [f"TCGA-A1-A{i:03d}" for i in range(40)]
    data = tmp_path / "cohort"
    data.mkdir()
    pd.DataFrame(rng.rand(40, 6), index=[p + "-01A" for p in patients]).T.to_csv(data / "mrna.csv")
    pd.DataFrame(rng.rand(40, 4), index=[p + "-01" for p in patients]).to_csv(data / "methylation.csv")
    pd.Series(dict(zip(patients, "ab" * 20)), name="subtype").to_csv(data / "labels.csv")
    argv = ["run", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--out", str(tmp_path / "out")]
    status, _, stderr = call(argv)
    assert status == 2 and "--sample-name-length 12" in stderr
    status, _, stderr = call([*argv, "--sample-name-length", "12"])
    assert status == 0, stderr
    parts = pd.read_csv(tmp_path / "out" / "split.csv", index_col=0)
    assert sorted(parts.index) == patients


def test_split_and_scale_imputes_stray_values_from_the_training_part():
    from skpoems import concat_omics

    rng = np.random.RandomState(0)
    a, b = rng.rand(30, 4), rng.rand(30, 3)
    a[[2, 20], 1] = np.nan
    b[5:9] = np.nan  # a missing omic
    X = concat_omics({"a": a, "b": b})
    split = split_and_scale(X, np.arange(30) % 2, random_state=0, impute="median", scale=False)
    train = X.loc[split.is_train, ("a", "f1")]
    filled = missed = 0
    for part in (split.X_train, split.X_test):
        assert not part["a"].isna().any().any()
        rows = part.index[np.isin(part.index, [2, 20])]
        assert (part.loc[rows, ("a", "f1")] == train.median()).all()  # the training median
        filled += len(rows)
        missing = np.isin(part.index, range(5, 9))  # the missing omic stays missing
        assert np.isnan(part["b"].to_numpy()[missing]).all()
        missed += int(missing.sum())
    assert filled == 2 and missed == 4
    with pytest.raises(ValueError, match="impute must be None, 'mean' or 'median'"):
        split_and_scale(X, np.arange(30) % 2, impute="zero")


def test_impute_leaves_out_a_feature_no_training_sample_measures_and_says_so_once():
    """It used to be filled with 0 (keep_empty_features), trained on and ranked
    among the top features; scikit-learn's own warning named it by position."""
    import warnings

    from skpoems import concat_omics

    rng = np.random.RandomState(0)
    a, b = rng.rand(30, 4), rng.rand(30, 3)
    a[[2, 20], 1] = np.nan
    b[:, 0] = np.nan  # never measured
    X = concat_omics({"a": a, "b": pd.DataFrame(b, columns=["never_measured", "m1", "m2"])})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        split = split_and_scale(X, np.arange(30) % 2, random_state=0, impute="median", scale=False)
    messages = [str(w.message) for w in caught]
    assert messages == [
        "Left out 1 feature(s) that no training sample measures (impute has nothing to "
        "fill them from): omic 'b': ['never_measured']"
    ]
    for part in (split.X_train, split.X_test):
        assert list(part["b"].columns) == ["m1", "m2"] and not part.isna().any().any()
    with warnings.catch_warnings():  # nor later, in the saved pipeline (skpoems embed)
        warnings.simplefilter("error")
        assert list(split.imputer.transform(X)["b"].columns) == ["m1", "m2"]


def test_log_step_with_impute_says_nothing_of_its_own():
    """The log step runs before imputation: stray NaN reached scikit-learn's
    inverse check, which warned that log1p and expm1 are 'not strictly inverse'."""
    import warnings

    from skpoems import concat_omics

    rng = np.random.RandomState(0)
    a = np.round(np.exp2(rng.randn(30, 4) * 2 + 6))
    a[[2, 20], 1] = np.nan
    X = concat_omics({"a": a, "b": rng.rand(30, 3)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split = split_and_scale(X, np.arange(30) % 2, random_state=0, impute="median", log=["a"])
    assert not split.X_train.isna().any().any()


def test_python_dash_m_and_version():
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "skpoems", "sweep", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "--dask-local" in done.stdout
    assert "--scheduler" in done.stdout
    status, stdout, _ = call(["--version"])
    assert status == 0
    assert stdout.startswith("skpoems ")


def test_the_package_and_the_command_work_without_docstrings():
    """python -OO strips docstrings: importing skpoems raised AttributeError
    (the MOCSS docstrings were completed at import)."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-OO", "-m", "skpoems", "run", "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "--log OMIC" in done.stdout


def test_embed_reads_the_mogonet_numbered_layout(tmp_path):
    """A model trained on a MOGONET folder embeds such a folder, matched by file number."""
    mice = load_nutrimouse()
    folder = tmp_path / "mogonet"
    folder.mkdir()
    train = np.arange(40) % 4 != 0
    for number, omic in enumerate(mice.omic_names, start=1):
        block = mice.data[omic].to_numpy()
        np.savetxt(folder / f"{number}_tr.csv", block[train], delimiter=",")
        np.savetxt(folder / f"{number}_te.csv", block[~train], delimiter=",")
    (folder / "1_featname.csv").write_text("\n".join(mice.data["gene"].columns) + "\n")
    np.savetxt(folder / "labels_tr.csv", mice.target.to_numpy()[train].astype(float))
    np.savetxt(folder / "labels_te.csv", mice.target.to_numpy()[~train].astype(float))
    out = tmp_path / "run"
    status, _, stderr = call(["run", "--data", str(folder), "--max-iter", "3", "--threads", "1", "--no-figures", "--out", str(out)])
    assert status == 0, stderr
    Z = pd.read_csv(out / "embedding.csv", index_col=0)

    status, stdout, stderr = call(["embed", str(out), "--data", str(folder), "--out", str(tmp_path / "e")])
    assert status == 0, stderr
    assert "embedded 40 samples" in stdout
    again = pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0)
    np.testing.assert_allclose(again.loc[Z.index], Z, rtol=1e-6, atol=1e-9)

    # a folder of new samples in the same layout, without labels
    new = tmp_path / "new"
    new.mkdir()
    for number, omic in enumerate(mice.omic_names, start=1):
        np.savetxt(new / f"{number}_all.csv", mice.data[omic].to_numpy()[:7], delimiter=",")
    status, stdout, stderr = call(["embed", str(out), "--data", str(new), "--out", str(tmp_path / "n")])
    assert status == 0, stderr
    assert len(pd.read_csv(tmp_path / "n" / "embedding.csv", index_col=0)) == 7

    (new / "2_all.csv").unlink()
    status, _, stderr = call(["embed", str(out), "--data", str(new)])
    assert status == 2 and "holds 1 numbered omics" in stderr and "trained on 2" in stderr
    status, _, stderr = call(["embed", str(out), "--data", str(folder), "--join", "inner"])
    assert status == 2 and "--join cannot be chosen" in stderr


def test_a_rerun_into_the_same_folder_leaves_no_stale_files(tmp_path):
    out = tmp_path / "out"
    status, _, stderr = call(["discover", *FAST, "--no-figures", "--n-clusters", "2", "--out", str(out)])
    assert status == 0, stderr
    assert (out / "subtypes.joblib").is_file()
    (out / "notes.txt").write_text("mine")
    status, _, stderr = call(["run", *FAST, "--no-figures", "--model", "mocss-ae", "--out", str(out)])
    assert status == 0, stderr
    # discover's files are gone (they belonged to another model); the user's stay
    assert not (out / "subtypes.joblib").exists() and not (out / "clusters.csv").exists()
    assert not (out / "gating_weights.csv").exists()  # MOCSS-AE has no gating
    assert (out / "notes.txt").read_text() == "mine"
    assert set(json.loads((out / "metrics.json").read_text())["files"]) <= {
        str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()
    }


def test_out_and_data_paths_that_cannot_work_fail_before_training(tmp_path):
    (tmp_path / "a_file").write_text("x")
    status, _, stderr = call(["run", *FAST, "--out", str(tmp_path / "a_file")])
    assert status == 2 and "a file is in the way" in stderr
    status, _, stderr = call(["run", "--data", str(tmp_path / "nope"), "--join", "inner", "--max-iter", "3"])
    assert status == 2 and "Folder not found" in stderr
    mice = load_nutrimouse()
    folder = tmp_path / "one_class"
    folder.mkdir()
    ids = [f"m{i}" for i in range(40)]
    mice.data["gene"].set_axis(ids).to_csv(folder / "gene.csv")
    pd.Series(["wt"] * 40, index=pd.Index(ids, name="sample"), name="genotype").to_csv(folder / "labels.csv")
    status, _, stderr = call(["run", "--data", str(folder), "--max-iter", "3", "--threads", "1"])
    assert status == 2 and "every labelled sample is of one class ('wt')" in stderr  # a usage error, before any fit


def test_benchmark_fails_when_a_model_fails_even_beside_the_baselines(tmp_path, monkeypatch):
    real = exp.run_protocol

    def failing(est, *args, **kwargs):
        if type(est).__name__ == "POEMTransformer":
            raise RuntimeError("boom")
        return real(est, *args, **kwargs)

    monkeypatch.setattr(exp, "run_protocol", failing)
    status, _, stderr = call(["benchmark", *FAST, "--models", "poem", "--out", str(tmp_path), "--quiet"])
    assert status == 1 and "POEM (split 0) failed: RuntimeError: boom" in stderr


def test_figures_a_model_lacks_are_named_with_the_reason(tmp_path, monkeypatch):
    from skpoems import plotting

    drawn = {}
    real = plotting.plot_top_features

    def spy(est, *args, **kwargs):
        ax = real(est, *args, **kwargs)
        drawn[kwargs["omic"]] = [t.get_text() for t in ax.get_yticklabels()]
        return ax

    monkeypatch.setattr(plotting, "plot_top_features", spy)
    status, stdout, stderr = call(["run", *FAST, "--model", "poem", "--out", str(tmp_path)])
    assert status == 0, stderr
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert record["figures_skipped"] == {}
    # POEM has no W, but its decoder ranks features: only the map of W is missing
    assert set(record["figures_not_applicable"]) == {"activation_maps"}
    assert "no activation_maps (POEMTransformer has no sparse W" in stdout
    assert {"top_features.png", "factor_features.png"} <= set(
        f.name for f in (tmp_path / "figures").iterdir()
    )
    # the figure shows the features of top_features.csv (and the console), in order
    top = pd.read_csv(tmp_path / "top_features.csv")
    assert set(drawn) == {"gene", "lipid"}
    for omic, labels in drawn.items():
        expected = list(top.loc[top["omic"] == omic, "feature"][:10])
        assert labels == expected
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("command", ["run", "discover"])
def test_many_features_get_a_note_on_cost_and_top_variance(tmp_path, monkeypatch, command):
    """A genome-wide cohort (tens of thousands of genes and probes) trains for
    hours; without a word, a slow first epoch looks like a hang."""
    monkeypatch.setattr(_data, "_MANY_FEATURES", 100)  # nutrimouse has 141
    argv = [command, *FAST, "--no-figures", "--variance-permutations", "0"]
    status, _, stderr = call([*argv, "--out", str(tmp_path / "all")])
    assert status == 0, stderr
    assert "note: 141 features" in stderr and "--top-variance 0.25" in stderr
    status, _, stderr = call([*argv, "--top-variance", "0.5", "--out", str(tmp_path / "top")])
    assert status == 0, stderr
    assert "features. Every epoch" not in stderr
    monkeypatch.setattr(_data, "_MANY_FEATURES", 20_000)
    status, _, stderr = call([*argv, "--out", str(tmp_path / "few")])
    assert status == 0 and "features. Every epoch" not in stderr


def test_variance_permutations_zero_writes_the_r2_per_omic_only(tmp_path, monkeypatch):
    """The Shapley split over factors is the slowest output (about 20 minutes at
    40,000 features and 600 samples), and run / discover had no way to skip it."""
    from skpoems import inspection

    passes, orders = [], []
    real, real_chains = inspection._coalition_values, inspection._chain_values
    monkeypatch.setattr(
        inspection, "_coalition_values", lambda *a, **k: (passes.append(len(a[4])), real(*a, **k))[1]
    )
    # (POEMS walks its sampled orders incrementally, coalition after coalition)
    monkeypatch.setattr(
        inspection, "_chain_values", lambda *a: (orders.append(len(a[4])), real_chains(*a))[1]
    )
    full = tmp_path / "full"
    status, _, stderr = call(["run", *FAST, "--out", str(full), "--quiet"])
    assert status == 0, stderr
    assert orders == [20] and passes == [1]  # 20 orders of the 32 factors, and all of them
    passes.clear()
    orders.clear()
    out = tmp_path / "totals"
    status, stdout, stderr = call(["run", *FAST, "--out", str(out), "--variance-permutations", "0"])
    assert status == 0, stderr
    assert passes == [1] and orders == []  # one coalition: every factor
    r2 = pd.read_csv(out / "variance_explained.csv", index_col=0)
    assert list(r2.columns) == ["total"]
    # the same totals as the full table's (the same fit: same seed and data)
    np.testing.assert_allclose(
        r2["total"], pd.read_csv(full / "variance_explained.csv", index_col=0)["total"], atol=1e-8
    )  # (float32 decoding, batched differently)
    record = json.loads((out / "metrics.json").read_text())
    assert set(record["reconstruction_r2"]) == set(r2.index)
    assert "variance_explained" in record["figures_not_applicable"]
    assert not (out / "figures" / "variance_explained.png").exists()
    assert (full / "figures" / "variance_explained.png").exists()
    status, _, stderr = call(["run", *FAST, "--variance-permutations", "-1"])
    assert status == 2 and "expected an integer >= 0, got -1" in stderr


def test_load_errors_name_the_options_not_the_python_arguments(tmp_path):
    """The loaders' remedies (labels=FILE, omics=[...]) are said as CLI options."""
    data, _ = mice_cohort(tmp_path, lipid_lacks=slice(0, 0))
    argv = ["run", "--data", str(data), *FAST[2:], "-q", "--no-figures", "--out", str(tmp_path / "out")]
    (data / "labels_old.csv").write_text((data / "labels.csv").read_text())
    status, _, stderr = call(argv)
    assert status == 2 and "pass --labels FILE to choose one" in stderr and "labels=FILE" not in stderr
    (data / "labels_old.csv").unlink()
    ids = pd.read_csv(data / "labels.csv", index_col=0).index
    extra = pd.DataFrame(np.ones((len(ids), 4)), index=ids, columns=list("abcd"))
    extra["note"] = "x"
    extra.to_csv(data / "extra.csv")
    status, _, stderr = call(argv)
    assert status == 2 and "name the omics to read (--omics NAME,NAME)" in stderr
    assert "omics=[" not in stderr
    # --omics reads the ones named, whatever the others hold
    status, stdout, stderr = call([*argv, "--omics", "lipid,gene"])
    assert status == 0, stderr
    assert "141 features in 2 omics (lipid 21, gene 120)" in stdout
    # a clinical table is passed over with a warning
    (data / "extra.csv").unlink()
    pd.DataFrame({"stage": ["I", "II"] * (len(ids) // 2), "age": 50}, index=ids).to_csv(data / "clinical.csv")
    status, _, stderr = call(argv)
    assert status == 0 and "clinical.csv is not read as an omic" in stderr
    assert "(--omics NAME,NAME)" in stderr and "omics=[" not in stderr


def test_omics_option_is_checked_and_goes_with_data(tmp_path):
    status, _, stderr = call(["run", *FAST, "--omics", "gene,,lipid"])
    assert status == 2 and "give omic names separated by commas" in stderr
    status, _, stderr = call(["run", *FAST, "--omics", "gene,gene"])
    assert status == 2 and "names an omic twice" in stderr
    status, _, stderr = call(["run", *FAST, "--omics", "gene"])
    assert status == 2 and "--omics, --sample-name-length, --sample-types and --layout go with --data FOLDER" in stderr


@pytest.mark.parametrize("join", ["outer", "inner"])
def test_discover_clusters_the_samples_a_label_file_leaves_out(tmp_path, join):
    """Labels only check discover's clusters: the samples a label file in the
    folder does not list, or lists without a label, used to be left out of the
    clustering (with --join outer, without a word at first)."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(0, 0))
    full = pd.read_csv(data / "labels.csv", index_col=0)
    labels = full.iloc[:30]
    labels.iloc[:2] = np.nan
    labels.to_csv(data / "labels.csv")
    out = tmp_path / "out"
    status, stdout, stderr = call(
        ["discover", "--data", str(data), *FAST[2:], "--join", join, "--n-clusters", "3",
         "--out", str(out), "--no-figures"]
    )
    assert status == 0, stderr
    assert (
        "note: 12 sample(s) that labels.csv does not list or lists without a label: they "
        "are clustered, and left out of the comparison with the labels" in stderr
    )
    table = pd.read_csv(out / "clusters.csv", index_col=0)
    assert len(table) == 40 and list(table.index) == list(ids)
    n_labelled = 28
    assert table["label"].notna().sum() == n_labelled
    assert f"against the labels ({n_labelled} of the 40 samples have one)" in stdout
    record = json.loads((out / "metrics.json").read_text())
    agree = record["clustering"]["against_labels"]
    assert agree["n_labelled"] == n_labelled
    known = table["label"].notna()
    assert agree["nmi"] == pytest.approx(
        normalized_mutual_info_score(table["label"][known], table["cluster"][known])
    )
    assert sum(sum(row.values()) for row in agree["crosstab"].values()) == n_labelled
    assert list(agree["crosstab"]) == ["cluster 1", "cluster 2", "cluster 3"]


def test_discover_clusters_unlabelled_samples_whatever_the_layout(tmp_path):
    """The samples a label file leaves out are clustered also where a second read
    of the folder without labels would differ: a label file of numeric codes not
    named label* (read as an omic without labels), a single omic stored features
    x samples (oriented by the labels only). And a cluster without any labelled
    sample keeps its row of the crosstab."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(0, 0))
    labels = pd.read_csv(data / "labels.csv", index_col=0)
    (data / "labels.csv").unlink()
    codes = labels["diet"].astype("category").cat.codes.iloc[:30]
    codes.to_frame("diet").to_csv(data / "diet.csv")
    out = tmp_path / "a"
    argv = [*FAST[2:], "--n-clusters", "3", "--no-figures", "--variance-permutations", "0", "--quiet"]
    status, _, stderr = call(["discover", "--data", str(data), "--labels", "diet.csv", "--join", "outer", *argv, "--out", str(out)])
    assert status == 0, stderr
    table = pd.read_csv(out / "clusters.csv", index_col=0)
    assert len(table) == 40 and table["label"].notna().sum() == 30
    assert json.loads((out / "metrics.json").read_text())["dataset"]["omic_names"] == ["gene", "lipid"]

    (data / "lipid.csv").unlink()
    (data / "diet.csv").unlink()
    gene = pd.read_csv(data / "gene.csv", index_col=0)
    gene.T.rename_axis("gene").to_csv(data / "gene.csv")  # features x samples
    labels.iloc[:30].to_csv(data / "labels.csv")
    out = tmp_path / "b"
    status, _, stderr = call(["discover", "--data", str(data), "--join", "outer", *argv, "--out", str(out)])
    assert status == 0, stderr
    table = pd.read_csv(out / "clusters.csv", index_col=0)
    assert sorted(table.index) == sorted(ids) and table["label"].notna().sum() == 30


def test_factor_figure_ranks_factors_by_each_omics_share_not_by_feature_count():
    # factor 0 drives 1,000 features of one omic; factor 1 drives that omic
    # half as hard and is all a 10-feature omic has. Summed over features, the
    # large omic outvotes the small one (old ranking: factor 0 first); as
    # shares per omic, factor 1 carries more of the two omics together.
    big = np.zeros((1000, 3))
    big[:, 0], big[:, 1] = 1.0, 0.5
    small = np.zeros((10, 3))
    small[:, 1] = 10.0
    attributions = {"genes": big, "mirna": small}
    assert _figures._top_factors(None, attributions, n=2) == [1, 0]

    class Fitted:
        components_ = [-big, small]  # |W| is ranked the same way

    assert _figures._top_factors(Fitted(), None, n=2) == [1, 0]
    # an omic with no attribution at all (a zero block) does not make the ranking NaN
    ranked = _figures._top_factors(None, {**attributions, "empty": np.zeros((5, 3))}, n=3)
    assert ranked == [1, 0, 2]
    # decoder_attributions' frames carry each factor's spread over the samples: a
    # factor that hardly moves (factor 1 here) does not head the figure
    steep = big.copy()
    steep[:, 2] = 0.3
    assert _figures._top_factors(None, {"genes": steep}, n=2) == [0, 1]
    frame = pd.DataFrame(steep)
    frame.attrs["factor_std"] = [1e-3, 1.0, 1.0]
    assert _figures._top_factors(None, {"genes": frame}, n=2) == [1, 2]


def test_a_folder_without_labels_names_the_option_once(tmp_path):
    """The remedy read "pass --labels FILE (--labels FILE)"."""
    import shutil

    import skpoems.datasets

    folder = Path(skpoems.datasets.__file__).parent / "data" / "nutrimouse"
    shutil.copytree(folder, tmp_path / "mice")  # two label tables: diet and genotype
    status, _, stderr = call(["run", "--data", str(tmp_path / "mice"), "--max-iter", "2", "--threads", "1"])
    assert status == 2
    assert "has no labels" in stderr and "or pass --labels FILE; the tables without numbers" in stderr
    assert "(--labels FILE)" not in stderr


def test_embed_into_a_folder_of_another_command_is_refused_and_deletes_nothing(run_dir, tmp_path):
    """``embed RUN --out RUN`` deleted the run (its metrics.json lists the saved
    model) and wrote its embedding.csv over the run's test embedding."""
    out, _ = run_dir
    new_mice(tmp_path / "new")
    before = {f.name: f.stat().st_mtime_ns for f in out.iterdir()}
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(out)])
    assert status == 2 and "holds the outputs of an earlier skpoems command" in stderr
    assert {f.name: f.stat().st_mtime_ns for f in out.iterdir()} == before
    # a folder of its own, embedded into twice: the second run replaces the first
    for _ in range(2):
        status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e"), "-q"])
        assert status == 0, stderr
    assert sorted(f.name for f in (tmp_path / "e").iterdir()) == ["embedding.csv", "gating_weights.csv"]


def test_embed_refuses_two_tables_of_one_omic_and_trusts_the_trained_features(run_dir, tmp_path):
    out, _ = run_dir
    new_mice(tmp_path / "new")
    pd.read_csv(tmp_path / "new" / "gene.csv", index_col=0).iloc[:, :5].to_csv(tmp_path / "new" / "gene.csv.gz")
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e")])
    assert status == 2 and "2 tables for the model's omic 'gene' (gene.csv, gene.csv.gz)" in stderr
    # a one-omic folder whose columns hold the trained features: no doubt about
    # its orientation (the loader's warning was printed, its remedy twice)
    (tmp_path / "new" / "gene.csv.gz").unlink()
    (tmp_path / "new" / "lipid.csv.gz").unlink()
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e"), "-q"])
    assert status == 0, stderr
    assert "read as" not in stderr and "UserWarning" not in stderr


def test_embed_reads_omics_that_share_feature_names(tmp_path):
    """mRNA and copy number keyed by the same gene symbols: the loader cannot
    orient such tables from the names alone, and ``run`` settles it with the
    labels; ``embed`` settles it with the trained feature names (it tried only
    the transposed reading and said the features were absent)."""
    rng = np.random.RandomState(0)
    ids, genes = [f"s{i}" for i in range(30)], [f"G{j}" for j in range(20)]
    for folder in ("cohort", "new"):
        (tmp_path / folder).mkdir()
    for omic in ("mrna", "cnv"):
        table = pd.DataFrame(rng.rand(30, 20), index=ids, columns=genes)
        table.to_csv(tmp_path / "cohort" / f"{omic}.csv")
        table.iloc[:5].to_csv(tmp_path / "new" / f"{omic}.csv")
    pd.Series(["a", "b", "c"] * 10, index=ids, name="y").to_csv(tmp_path / "cohort" / "labels.csv")
    out = tmp_path / "run"
    status, _, stderr = call(["run", "--data", str(tmp_path / "cohort"), "--max-iter", "3", "--threads", "1",
                              "--no-figures", "--out", str(out), "-q"])
    assert status == 0, stderr
    for folder, n in (("new", 5), ("cohort", 30)):
        status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / folder),
                                  "--out", str(tmp_path / f"e_{folder}"), "-q"])
        assert status == 0, stderr
        embedding = pd.read_csv(tmp_path / f"e_{folder}" / "embedding.csv", index_col=0)
        assert list(embedding.index) == ids[:n]
    # the same samples, the same embedding as the run's own test split
    test = pd.read_csv(out / "embedding.csv", index_col=0)
    again = pd.read_csv(tmp_path / "e_cohort" / "embedding.csv", index_col=0).loc[test.index]
    np.testing.assert_allclose(again.to_numpy(), test.to_numpy(), rtol=1e-5, atol=1e-6)


def test_embed_names_the_sample_mismatch_of_the_reading_that_holds_the_features(tmp_path):
    """Features x samples mRNA and copy numbers by gene, new samples named with
    each assay's suffix (NEW0-RNA, NEW0-DNA): the reading that holds the
    trained genes failed on the samples, and embed reported the genes as
    lacking from the other reading; it now names the samples' mismatch."""
    rng = np.random.RandomState(0)
    ids, genes = [f"s{i}" for i in range(30)], [f"G{j}" for j in range(20)]
    for folder in ("cohort", "new"):
        (tmp_path / folder).mkdir()
    for omic, suffix in (("mrna", "-RNA"), ("cnv", "-DNA")):
        pd.DataFrame(rng.rand(30, 20), index=ids, columns=genes).T.to_csv(tmp_path / "cohort" / f"{omic}.csv")
        new = [f"NEW{i}{suffix}" for i in range(5)]
        pd.DataFrame(rng.rand(5, 20), index=new, columns=genes).T.to_csv(tmp_path / "new" / f"{omic}.csv")
    pd.Series(["a", "b", "c"] * 10, index=ids, name="y").to_csv(tmp_path / "cohort" / "labels.csv")
    out = tmp_path / "run"
    status, _, stderr = call(["run", "--data", str(tmp_path / "cohort"), "--max-iter", "3", "--threads", "1",
                              "--no-figures", "--out", str(out), "-q"])
    assert status == 0, stderr
    argv = ["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e"), "-q"]
    status, _, stderr = call(argv)
    assert status == 2 and "lacks" not in stderr, stderr
    assert "'NEW0-DNA'" in stderr and "--sample-name-length 4" in stderr
    status, _, stderr = call([*argv, "--sample-name-length", "4"])
    assert status == 0, stderr
    assert list(pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0).index) == [f"NEW{i}" for i in range(5)]


@pytest.mark.parametrize("respell", ["version", "case"])
def test_embed_says_when_the_features_are_written_otherwise(tmp_path, respell):
    """Ensembl ids of another release (ENSG00000000003.15 for .14) or genes in
    another case: embed said the features were lacking, without a hint."""
    rng = np.random.RandomState(0)
    ids, genes = [f"s{i}" for i in range(30)], [f"ENSG{j:011d}.{j % 3 + 1}" for j in range(20)]
    new_genes = [g.rsplit(".", 1)[0] + ".9" for g in genes] if respell == "version" else [g.lower() for g in genes]
    for folder in ("cohort", "new"):
        (tmp_path / folder).mkdir()
    for omic in ("mrna", "mirna"):
        names = genes if omic == "mrna" else [f"mir{j}" for j in range(10)]
        pd.DataFrame(rng.rand(30, len(names)), index=ids, columns=names).to_csv(tmp_path / "cohort" / f"{omic}.csv")
        new = new_genes if omic == "mrna" else names
        pd.DataFrame(rng.rand(5, len(new)), index=ids[:5], columns=new).to_csv(tmp_path / "new" / f"{omic}.csv")
    pd.Series(["a", "b", "c"] * 10, index=ids, name="y").to_csv(tmp_path / "cohort" / "labels.csv")
    out = tmp_path / "run"
    status, _, stderr = call(["run", "--data", str(tmp_path / "cohort"), "--max-iter", "3", "--threads", "1",
                              "--no-figures", "--out", str(out), "-q"])
    assert status == 0, stderr
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e"), "-q"])
    assert status == 2 and "lacks 20 of the 20 features" in stderr, stderr
    how = "without their version suffix" if respell == "version" else "in another case"
    example = "'ENSG00000000000.9'" if respell == "version" else "'ensg00000000000.1'"
    assert f"20 of them are in the table {how}, e.g. {example} for the model's 'ENSG00000000000.1'" in stderr


def test_embed_warns_about_samples_on_another_scale(run_dir, tmp_path):
    out, _ = run_dir
    mice, ids = new_mice(tmp_path / "new")
    gene = pd.read_csv(tmp_path / "new" / "gene.csv", index_col=0)
    gene.iloc[3, 0] = gene.iloc[:, 0].max() * 1e4  # one value in other units
    gene.to_csv(tmp_path / "new" / "gene.csv")
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e"), "-q"])
    assert status == 0, stderr
    assert stderr.count("samples have values beyond") == 1
    assert "Omic 'gene': 1 of 40 samples have values beyond 10 times the largest seen at fit" in stderr
    assert "'m3'" in stderr and f"in 1 feature(s), e.g. {gene.columns[0]!r}." in stderr


def test_discover_does_not_score_clusters_against_labels_of_no_sample(tmp_path):
    """scikit-learn scores empty label sets as perfect agreement (ARI 1, NMI 1)."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(0))
    labels = pd.read_csv(data / "labels.csv", index_col=0)
    labels.set_axis([f"mouse-{i}" for i in range(40)]).to_csv(data / "labels.csv")
    out = tmp_path / "out"
    status, stdout, stderr = call(
        ["discover", "--data", str(data), *FAST[2:], "--out", str(out), "--no-figures", "--n-clusters", "3"]
    )
    assert status == 0, stderr
    assert "against the folder's labels" not in stdout and "ARI" not in stdout
    assert "the folder's labels name 0 of the 40 samples" in stderr and "--sample-name-length" in stderr
    assert "against_labels" not in json.loads((out / "metrics.json").read_text())["clustering"]


def test_w_files_of_omics_whose_names_write_alike_are_kept_apart(tmp_path):
    mice = load_dataset("nutrimouse")
    data = tmp_path / "cohort"
    data.mkdir()
    ids = [f"m{i}" for i in range(40)]
    mice.data["gene"].set_axis(ids).to_csv(data / "expr seq.csv")
    mice.data["lipid"].set_axis(ids).to_csv(data / "expr_seq.csv")
    pd.DataFrame({"diet": np.asarray(mice.target_names)[mice.target]}, index=ids).to_csv(data / "labels.csv")
    out = tmp_path / "out"
    status, _, stderr = call(["run", "--data", str(data), *FAST[2:], "--out", str(out), "-q", "--no-figures"])
    assert status == 0, stderr
    w = {f: pd.read_csv(out / f, index_col=0) for f in ("W_expr_seq.csv", "W_expr_seq_2.csv")}
    assert [len(t) for t in w.values()] == [120, 21]  # gene ("expr seq" sorts first), lipid
    assert "W_expr_seq_2.csv" in json.loads((out / "metrics.json").read_text())["files"]
    assert _outputs._safe_names(["mRNA", "mrna", "mRNA"]) == ["mRNA", "mrna_2", "mRNA_3"]


def test_stratify_names_a_class_too_small_to_split(tmp_path):
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(0))
    labels = pd.read_csv(data / "labels.csv", index_col=0)
    labels.iloc[0, 0] = "Rare"
    labels.to_csv(data / "labels.csv")
    status, _, stderr = call(["run", "--data", str(data), *FAST[2:], "--stratify", "--out", str(tmp_path / "o")])
    assert status == 2
    assert "every class needs at least 2 samples (one in each part), and 'Rare' has 1" in stderr


def test_benchmark_set_n_components_sizes_the_pca_baseline_too(tmp_path):
    """--n-components sized PCA and the models, --set n_components the models only."""
    status, _, stderr = call(["benchmark", *FAST, "--models", "mocss-ae,pca", "--set", "n_components=2",
                              "--out", str(tmp_path), "-q"])
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "benchmark.csv").set_index("model")
    assert table.loc["PCA", "n_features_out"] == 2 and table.loc["MOCSS-AE", "n_features_out"] == 6
    assert table["n_features_out"].dtype.kind == "i"  # (written 2.0 and 6.0)
    # the baseline alone: --set n_components sizes it (it was refused as no model's parameter)
    status, _, stderr = call(["benchmark", *FAST, "--models", "pca", "--set", "n_components=3",
                              "--out", str(tmp_path / "pca"), "-q"])
    assert status == 0, stderr
    assert pd.read_csv(tmp_path / "pca" / "benchmark.csv").set_index("model").loc["PCA", "n_features_out"] == 3


def test_benchmark_checks_every_models_set_values_before_any_fit(tmp_path):
    """--set beta=-1 (POEMS's) stopped the benchmark only at POEMS's turn, after
    MOCSS-AE had trained and an earlier benchmark's tables were cleared."""
    (tmp_path / "benchmark.csv").write_text("model\nearlier\n")
    status, stdout, stderr = call(["benchmark", *FAST, "--models", "mocss-ae,poems", "--set", "beta=-1",
                                   "--out", str(tmp_path), "-q"])
    assert status == 2 and "The 'beta' parameter of POEMSTransformer must be" in stderr
    assert not (tmp_path / "benchmark_runs.partial.csv").exists()
    assert (tmp_path / "benchmark.csv").read_text() == "model\nearlier\n"


def test_samples_the_loader_leaves_out_are_named(tmp_path):
    """--join outer keeps every labelled sample that some omic has; a labelled
    sample that no omic table lists was dropped without a word."""
    data, ids = mice_cohort(tmp_path, lipid_lacks=slice(1, None, 4))
    gene = pd.read_csv(data / "gene.csv", index_col=0)
    gene.drop(index="m1").to_csv(data / "gene.csv")  # m1: in no omic table now
    bunch = load_omics_tables(data, join="outer")
    assert "m1" not in bunch.data.index and len(bunch.data) == 39
    assert "Left out: 1 labelled sample(s) that no omic table lists (e.g. 'm1')" in bunch.DESCR
    status, _, stderr = call(["run", "--data", str(data), "--join", "outer", *FAST[2:], "--model", "mocss-ae",
                              "--out", str(tmp_path / "o"), "-q", "--no-figures"])
    assert status == 0, stderr
    assert "note: left out 1 labelled sample(s) that no omic table lists (e.g. 'm1')" in stderr


def test_sweep_under_the_paper_objective_notes_its_batch_size_bias(tmp_path):
    argv = ["sweep", *FAST, "--batch-sizes", "8,16", "--learning-rates", "1e-3", "--weight-decays", "1e-4",
            "-q", "--no-figures", "--out", str(tmp_path)]
    status, _, stderr = call([*argv, "--paper-config"])
    assert status == 0, stderr
    assert "the selection favours large batches" in stderr
    status, _, stderr = call(argv)
    assert status == 0 and "favours large batches" not in stderr, stderr


def test_clusters_made_of_samples_lacking_an_omic_are_named():
    """A cluster of samples that lack an omic most samples have can follow the
    missing pattern rather than biology (a short fit on TCGA BRCA did so)."""
    observed = np.ones((40, 2), dtype=bool)
    observed[:10, 1] = False  # 25% lack omic "b", all in cluster 1
    clusters = np.repeat([0, 1, 2], [10, 20, 10])
    names = ["cluster 1", "cluster 2", "cluster 3"]
    with pytest.warns(UserWarning, match=r"10 of the 10 samples of cluster 1 lack omic 'b' \(25% of all"):
        table = _discover._clusters_of_missing_omics(observed, clusters, names, ["a", "b"])
    assert table == {"cluster 1": {"a": 0, "b": 10}, "cluster 2": {"a": 0, "b": 0}, "cluster 3": {"a": 0, "b": 0}}
    import warnings as _warnings

    with _warnings.catch_warnings():
        _warnings.simplefilter("error")
        # spread over the clusters, a cluster under 5 samples, or an omic most lack: no warning
        spread = observed.copy()
        spread[:, 1] = np.arange(40) % 4 != 0
        _discover._clusters_of_missing_omics(spread, clusters, names, ["a", "b"])
        _discover._clusters_of_missing_omics(observed, np.repeat([0, 1], [4, 36]), names[:2], ["a", "b"])
        most = np.ones((40, 2), dtype=bool)
        most[:30, 1] = False
        _discover._clusters_of_missing_omics(most, clusters, names, ["a", "b"])
        assert _discover._clusters_of_missing_omics(np.ones((40, 2), dtype=bool), clusters, names, ["a", "b"]) is None


def test_run_figures_number_the_factors_and_centre_the_subtype_correlations(tmp_path, monkeypatch):
    """The variance figure got the CSV's renamed columns ("poemstransformer12",
    unlike every other figure's factor numbers), and the subtype correlations
    were uncentred, every cell near 1.00 on min-max scaled data."""
    from skpoems import plotting

    seen = {}
    real_variance, real_correlations = plotting.plot_variance_explained, plotting.plot_subtype_correlations

    def variance(r2, **kwargs):
        seen["columns"] = list(r2.columns)
        return real_variance(r2, **kwargs)

    def correlations(X, Z, y, **kwargs):
        seen["center"], seen["classes"] = kwargs.get("center"), len(np.unique(y))
        return real_correlations(X, Z, y, **kwargs)

    real_embedding = plotting.plot_embedding

    def embedding(*args, **kwargs):
        seen["embedding_axes"] = real_embedding(*args, **kwargs)
        return seen["embedding_axes"]

    monkeypatch.setattr(plotting, "plot_variance_explained", variance)
    monkeypatch.setattr(plotting, "plot_subtype_correlations", correlations)
    monkeypatch.setattr(plotting, "plot_embedding", embedding)
    out = tmp_path / "out"
    status, _, stderr = call(["run", *FAST, "--out", str(out), "-q"])
    assert status == 0, stderr
    assert seen["columns"] == [*range(32), "total"]
    # which samples the map shows, and how few (8 test mice)
    assert seen["embedding_axes"].get_title() == "t-SNE of the embedding (test samples, n=8)"
    assert seen["center"] is (seen["classes"] >= 3)
    csv = pd.read_csv(out / "variance_explained.csv", index_col=0)
    assert csv.columns[0] == "poemstransformer0"  # the CSV keeps embedding.csv's names


def test_one_omic_run_draws_no_gating_figure(tmp_path):
    """One omic: every gating weight is 1, a solid block said nothing."""
    data, _ = mice_cohort(tmp_path, lipid_lacks=slice(0))
    (data / "lipid.csv").unlink()  # the gene table alone
    out = tmp_path / "out"
    status, _, stderr = call(["run", "--data", str(data), *FAST[2:], "--out", str(out), "-q"])
    assert status == 0, stderr
    record = json.loads((out / "metrics.json").read_text())
    assert record["figures_not_applicable"]["gating_weights"] == "one omic: its gating weight is 1 for every sample"
    assert not (out / "figures" / "gating_weights.png").exists()
    assert "One omic: its gating weight" not in stderr


def test_a_data_error_is_one_clean_line_in_cli_terms(tmp_path):
    """No usage block above a data error, and options rather than Python
    keywords in it (sample_name_length=12, label_column=NAME, join='inner')."""
    rng = np.random.RandomState(0)
    ids = [f"TCGA-A1-A{i:03d}" for i in range(8)]
    pd.DataFrame(rng.rand(8, 3), index=[f"{s}-01A" for s in ids], columns=list("abc")).to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(8, 2), index=[f"{s}-01" for s in ids], columns=list("xy")).to_csv(tmp_path / "mirna.csv")
    pd.DataFrame({"sample": ids, "subtype": list("ABAB") * 2}).to_csv(tmp_path / "labels.csv", index=False)
    status, _, stderr = call(["run", "--data", str(tmp_path), "--threads", "1"])
    assert status == 2 and stderr.startswith("skpoems run: error: ") and stderr.count("\n") == 1, stderr
    assert "usage:" not in stderr and "(--sample-name-length 12)" in stderr and "sample_name_length" not in stderr
    assert "join" not in stderr  # (no name in common: a join would not help, the cut does)
    (tmp_path / "mirna.csv").write_text(
        pd.DataFrame(rng.rand(6, 2), index=[f"{s}-01A" for s in ids[:6]], columns=list("xy")).to_csv()
    )
    status, _, stderr = call(["run", "--data", str(tmp_path), "--threads", "1", "--sample-name-length", "12"])
    assert status == 2 and "Pass --join inner to keep" in stderr and "join=" not in stderr
    status, _, stderr = call(["run", "--model", "nope"])  # an argument error keeps its usage
    assert status == 2 and "usage:" in stderr


def test_library_remedies_are_given_in_cli_terms():
    """The rank-sum remedy of group_markers and the annotation-table warning
    named Python arguments (test='wilcoxon', omics=[...]) the CLI has no
    spelling for."""
    import warnings

    from skpoems._cli._errors import _in_cli_terms
    from skpoems.inspection import group_markers

    X = (np.random.RandomState(0).rand(100, 50) < 0.1).astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        group_markers(X, np.r_[np.zeros(5), np.ones(94), 2.0])
    messages = [_in_cli_terms(str(w.message)) for w in caught]
    assert any("pass --marker-test wilcoxon (a rank-sum test)" in m for m in messages), messages
    assert any(m.startswith("Group(s) ['2'] hold a single sample") for m in messages), messages
    assert not any("test=" in m or " of y " in m for m in messages)


def test_sweep_fits_each_setting_once_and_leaves_no_stale_results(tmp_path):
    """--batch-sizes 8,8 fitted twice; batch sizes at or above the part each fit
    trains on (25 mice) are one full batch, the same fit, counted as other
    settings; a failed sweep left an earlier sweep's sweep.json and best/ beside
    its own results."""
    out = tmp_path / "s"
    argv = ["sweep", *FAST, "--learning-rates", "1e-3", "--weight-decays", "1e-4", "--out", str(out), "-q", "--no-figures"]
    status, _, stderr = call([*argv, "--batch-sizes", "8,8,64,512"])
    assert status == 0, stderr
    table = pd.read_csv(out / "sweep_results.csv")
    assert sorted(table["batch_size"]) == [8, 64], table
    assert "batch sizes 64, 512 all split the 25 samples each fit trains on into one full batch" in stderr
    assert (out / "sweep.json").is_file() and (out / "best" / "metrics.json").is_file()
    # the grid swept and the resolved parameters are recorded (README: "the grid")
    sweep = json.loads((out / "sweep.json").read_text())["sweep"]
    assert sweep["grid"] == {"batch_size": [8, 64], "learning_rate": [1e-3], "weight_decay": [1e-4]}
    assert sweep["parameters"]["max_iter"] == 3 and sweep["threads_per_fit"] == 1
    status, _, _ = call(["sweep", *FAST, "--batch-sizes", "8", "--learning-rates", "1e6", "--weight-decays", "0",
                         "--out", str(out), "-q", "--no-figures"])
    assert status == 1
    assert not (out / "sweep.json").exists() and not (out / "best" / "metrics.json").exists()


def test_sweep_fits_batch_sizes_of_as_many_batches_once_except_under_the_paper_objective(tmp_path):
    """A fit splits its 25 training mice into ceil(25 / batch_size) even batches:
    13, 16, 20 and 24 are 2 batches of 13 each, four identical fits ranked 1. Under
    the paper objective the prior terms are divided by the batch size asked for:
    32 and 512 differ there, and 512 was dropped as "the same fit"."""
    argv = ["sweep", *FAST, "--learning-rates", "1e-3", "--weight-decays", "1e-4", "-q", "--no-figures"]
    status, _, stderr = call([*argv, "--batch-sizes", "8,13,16,20,24", "--out", str(tmp_path / "a")])
    assert status == 0, stderr
    assert sorted(pd.read_csv(tmp_path / "a" / "sweep_results.csv")["batch_size"]) == [8, 13]
    assert "batch sizes 13, 16, 20, 24 all split the 25 samples each fit trains on into 2 batches of up to 13" in stderr
    status, _, stderr = call([*argv, "--paper-config", "--batch-sizes", "32,512", "--out", str(tmp_path / "p")])
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "p" / "sweep_results.csv")
    assert sorted(table["batch_size"]) == [32, 512] and table["validation_loss"].nunique() == 2
    # sweep.json's results file is beside it (best/metrics.json's, one folder up)
    assert json.loads((tmp_path / "p" / "sweep.json").read_text())["sweep"]["results_file"] == "sweep_results.csv"
    assert (tmp_path / "p" / json.loads((tmp_path / "p" / "best" / "metrics.json").read_text())["sweep"][
        "results_file"].replace("../", "")).is_file()


def test_a_refused_sweep_leaves_the_earlier_results_and_an_interrupted_refit_says_what_is_left(tmp_path, monkeypatch):
    """A sweep refused for its --test-size deleted the earlier sweep's results
    before the check; interrupted in the refit, the message said the results
    were in the partial file, which was gone, sweep_results.csv complete."""
    out = tmp_path / "s"
    argv = ["sweep", *FAST, "--batch-sizes", "8", "--learning-rates", "1e-3", "--weight-decays", "1e-4",
            "--out", str(out), "-q", "--no-figures"]
    status, _, stderr = call(argv)
    assert status == 0, stderr
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    status, _, stderr = call([*argv, "--test-size", "0.01"])
    assert status == 2 and "too few" in stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before

    # a scheduler not reached leaves them too
    from skpoems import _sweep

    def unreachable(*args, **kwargs):
        raise OSError("Timed out trying to connect to tcp://127.0.0.1:9")

    monkeypatch.setattr(_sweep, "dask_backend", unreachable)
    status, _, stderr = call([*argv, "--scheduler", "tcp://127.0.0.1:9"])
    assert status != 0 and "Timed out" in stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(exp, "run_protocol", interrupted)
    status, _, stderr = call(argv)
    assert status == 130
    assert "sweep_results.csv is complete" in stderr and "sweep.json and best/ are not written" in stderr
    assert (out / "sweep_results.csv").is_file() and not (out / "sweep_results.partial.csv").exists()


def test_benchmark_table_says_when_a_model_has_fewer_splits(tmp_path, monkeypatch):
    """A model that failed on a split was averaged over fewer splits than the
    baselines next to it, and benchmark.md did not say so."""
    protocol = exp.run_protocol
    calls = []

    def failing_once(est, *args, **kwargs):
        if type(est).__name__ == "POEMSTransformer":
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("simulated failure")
        return protocol(est, *args, **kwargs)

    monkeypatch.setattr(exp, "run_protocol", failing_once)
    status, stdout, _ = call(["benchmark", *FAST, "--splits", "3", "--models", "poems", "--out", str(tmp_path), "-q"])
    assert status == 1
    text = (tmp_path / "benchmark.md").read_text()
    assert "POEMS (2 of 3 splits)" in text and "POEMS (2 of 3 splits)" in stdout
    record = json.loads((tmp_path / "benchmark.json").read_text())
    assert record["parameters"]["poems"]["max_iter"] == 3 and record["threads"] == 1
    assert record["evaluation_seeds"] == [0, 12, 21, 42, 1234]
    others = [line for line in text.splitlines() if line.startswith("| ") and "POEMS" not in line]
    assert len(others) >= 3 and not any("splits)" in line for line in others)  # the header and baselines


def test_ctrl_c_exits_130_and_says_what_the_folder_holds(tmp_path, monkeypatch):
    """Interrupted during training, the message spoke of "incomplete outputs"
    although nothing had been written and the folder held the earlier run."""
    out = tmp_path / "r"
    status, _, stderr = call(["run", *FAST, "--out", str(out), "-q", "--no-figures"])
    assert status == 0, stderr
    before = sorted(p.name for p in out.iterdir())

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(exp, "run_protocol", interrupted)
    status, _, stderr = call(["run", *FAST, "--out", str(out), "-q", "--no-figures"])
    assert status == 130
    assert "a folder without metrics.json holds no complete run" in stderr
    assert sorted(p.name for p in out.iterdir()) == before  # the earlier run, as it was
    # interrupted while the outputs are computed (the explained variance: minutes on
    # a real cohort, after the model was saved): the earlier run's files were
    # removed first, and the new ones half written; they are staged now, and go
    monkeypatch.undo()
    import skpoems.inspection

    record = (out / "metrics.json").read_text()
    monkeypatch.setattr(skpoems.inspection, "variance_explained", interrupted)
    for command in ("run", "discover"):
        status, _, stderr = call([command, *FAST, "--out", str(out), "-q", "--no-figures"])
        assert status == 130 and "as it was" in stderr
        assert sorted(p.name for p in out.iterdir()) == before and (out / "metrics.json").read_text() == record
    # an error while computing them leaves the earlier run too
    monkeypatch.setattr(skpoems.inspection, "variance_explained", lambda *a, **k: 1 / 0)
    status, _, stderr = call(["run", *FAST, "--out", str(out), "-q", "--no-figures"])
    assert status == 1 and sorted(p.name for p in out.iterdir()) == before


def test_an_interrupted_sweep_keeps_the_fits_it_finished(tmp_path, monkeypatch):
    """Ctrl-C mid-sweep lost every finished fit (results were kept in memory
    until the end): they are appended to sweep_results.partial.csv as they end."""
    from skpoems import _sweep

    fit = _sweep.fit_configuration
    count = [0]

    def interrupted_at_the_third(*args, **kwargs):
        count[0] += 1
        if count[0] == 3:
            raise KeyboardInterrupt
        return fit(*args, **kwargs)

    monkeypatch.setattr(_sweep, "fit_configuration", interrupted_at_the_third)
    out = tmp_path / "s"
    status, _, _ = call(["sweep", *FAST, "--batch-sizes", "8", "--learning-rates", "1e-3,5e-4,1e-4",
                         "--weight-decays", "1e-4", "--out", str(out), "-q", "--no-figures"])
    assert status == 130
    kept = pd.read_csv(out / "sweep_results.partial.csv")
    assert list(kept["learning_rate"]) == [1e-3, 5e-4] and kept["validation_loss"].notna().all()
    assert not (out / "sweep_results.csv").exists()
    monkeypatch.setattr(_sweep, "fit_configuration", fit)
    status, _, _ = call(["sweep", *FAST, "--batch-sizes", "8", "--learning-rates", "1e-3",
                         "--weight-decays", "1e-4", "--out", str(out), "-q", "--no-figures"])
    assert status == 0 and not (out / "sweep_results.partial.csv").exists()


def test_the_default_output_folder_of_another_cohorts_folder_of_that_name_is_not_replaced(tmp_path, monkeypatch):
    """cohortA/tables and cohortB/tables both wrote skpoems_results/tables_poems:
    the second run replaced the first without a word."""
    monkeypatch.chdir(tmp_path)
    folders = []
    for cohort in ("A", "B"):
        (tmp_path / cohort).mkdir()
        data, _ = mice_cohort(tmp_path / cohort, lipid_lacks=slice(0, 0))
        folders.append(data.rename(data.parent / "tables"))
    argv = [*FAST[2:], "-q", "--no-figures", "--variance-permutations", "0"]
    status, _, stderr = call(["run", "--data", str(folders[0]), *argv])
    assert status == 0, stderr
    default = Path("skpoems_results") / "tables_poems"
    record = json.loads((default / "metrics.json").read_text())
    assert record["data_folder"] == str(folders[0].resolve())
    status, _, stderr = call(["run", "--data", str(folders[1]), *argv])
    assert status == 2 and "holds the outputs of this command on another data folder of that name" in stderr
    assert json.loads((default / "metrics.json").read_text()) == record  # the first run's, as it was
    status, _, stderr = call(["run", "--data", str(folders[0]), *argv])  # the same folder again: replaced
    assert status == 0, stderr
    status, _, stderr = call(["run", "--data", str(folders[1]), *argv, "--out", str(default)])  # asked for
    assert status == 0, stderr


def test_an_interrupt_while_the_tables_are_written_leaves_no_half_file(tmp_path, monkeypatch):
    """benchmark.json, sweep.json, embed's CSVs were written in place: an
    interrupt mid-write left a truncated file (here an empty benchmark.json)."""
    out = tmp_path / "b"

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(_benchmark, "_versions", interrupted)  # (read while benchmark.json is written)
    status, _, stderr = call(["benchmark", *FAST, "--splits", "1", "--models", "mocss-ae", "--no-baselines",
                              "--out", str(out), "-q"])
    assert status == 130
    assert (out / "benchmark.csv").exists() and not (out / "benchmark.json").exists()
    assert not list(out.glob("*.partial"))


def test_an_interrupted_benchmark_keeps_the_fits_it_finished(tmp_path, monkeypatch):
    """Ctrl-C mid-benchmark lost every finished fit (rows were kept in memory
    until the end) and left an earlier benchmark's tables beside the new run:
    the rows go to benchmark_runs.partial.csv as they end, failed ones too."""
    protocol = exp.run_protocol
    calls = []

    def failing_then_interrupted(est, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("simulated failure")
        if len(calls) == 3:
            raise KeyboardInterrupt
        return protocol(est, *args, **kwargs)

    out = tmp_path / "b"
    status, _, _ = call(["benchmark", *FAST, "--splits", "1", "--models", "poems", "--no-baselines",
                         "--out", str(out), "-q"])
    assert status == 0 and (out / "benchmark.csv").exists()
    monkeypatch.setattr(exp, "run_protocol", failing_then_interrupted)
    status, _, stderr = call(["benchmark", *FAST, "--splits", "3", "--models", "poems", "--no-baselines",
                              "--out", str(out), "-q"])
    assert status == 130 and "benchmark_runs.partial.csv" in stderr
    kept = pd.read_csv(out / "benchmark_runs.partial.csv")
    assert list(kept["split"]) == [0, 1]
    assert "simulated failure" in kept["error"][0] and kept["error"].isna()[1]
    assert kept["kmeans_acc"].isna()[0] and kept["kmeans_acc"].notna()[1]
    assert not any((out / name).exists() for name in _benchmark._BENCHMARK_FILES)  # no stale tables
    monkeypatch.setattr(exp, "run_protocol", protocol)
    status, _, _ = call(["benchmark", *FAST, "--splits", "1", "--models", "poems", "--no-baselines",
                         "--out", str(out), "-q"])
    assert status == 0 and not (out / "benchmark_runs.partial.csv").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is TerminateProcess on Windows")
def test_sigterm_is_handled_as_an_interrupt(tmp_path):
    """SIGTERM (kill, a batch scheduler's time limit) ended the process at once
    without a word and without the interrupted fit's or sweep's handling: it is
    handled as Ctrl-C, with a message and exit status 143 (128 + 15)."""
    import signal

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "skpoems", "run", "--dataset", "nutrimouse", "--threads", "1",
               "--max-iter", "100000", "--set", "n_iter_no_change=null", "--set", "convergence_tol=null",
               "--out", str(tmp_path / "r"), "--no-figures"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        first = proc.stdout.readline()  # the data's description, printed before training
        seen, deadline = "", time.monotonic() + 120
        while "best=" not in seen and time.monotonic() < deadline:  # an epoch done
            seen += proc.stderr.read(1)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
        stderr = seen + stderr
    assert "POEMS on nutrimouse" in first, first + stderr
    assert proc.returncode == 143, stderr
    assert "skpoems: terminated (SIGTERM)" in stderr and "Traceback" not in stderr
    assert "training interrupted (SIGTERM) after epoch" in stderr  # the fit's own handling ran
    assert not (tmp_path / "r" / "metrics.json").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is TerminateProcess on Windows")
def test_sigterm_during_training_keeps_the_best_weights(monkeypatch):
    """Under the CLI's handler SIGTERM reaches the estimator as an interrupt: the
    fit keeps the best weights of its completed epochs, then the signal goes on up."""
    import os
    import signal

    from conftest import optimizer_step_hook

    from skpoems import POEMSTransformer

    rng = np.random.default_rng(0)
    X = [rng.random((40, 6)), rng.random((40, 4))]

    def terminate():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)  # the handler's exception ends the sleep

    monkeypatch.setattr(POEMSTransformer, "_make_optimizer", optimizer_step_hook(POEMSTransformer._make_optimizer, 5, terminate))
    est = POEMSTransformer(n_components=3, max_iter=50, batch_size=1000, random_state=0)
    with _main._sigterm_as_interrupt():
        with pytest.warns(UserWarning, match=r"interrupted \(SIGTERM\) after epoch 4"), pytest.raises(_main._Terminated):
            est.fit(X)
    assert est.stop_reason_ == "interrupted" and est.n_iter_ == 4
    assert np.isfinite(est.transform(X)).all()


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGTERM handlers on Windows")
def test_an_ignored_sigterm_stays_ignored():
    """nohup-like parents that ignore SIGTERM: the CLI does not take it back."""
    import signal

    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with _main._sigterm_as_interrupt():
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_warning_is_shown_once_per_command(tmp_path, monkeypatch):
    """benchmark printed the same warning for every model and split (14 times
    for 7 models x 2 splits); other warnings still show."""
    import warnings

    protocol = exp.run_protocol

    def warning(est, *args, **kwargs):
        warnings.warn("the same remedy, pass omic_balance='omics'", UserWarning, stacklevel=2)
        return protocol(est, *args, **kwargs)

    monkeypatch.setattr(exp, "run_protocol", warning)
    status, _, stderr = call(["benchmark", *FAST, "--splits", "2", "--models", "poems", "--out", str(tmp_path), "-q"])
    assert status == 0
    assert stderr.count("the same remedy") == 1 and "pass --set omic_balance=omics" in stderr


def test_the_small_knn_part_warning_names_an_option(tmp_path):
    """The k-NN warning told CLI users to "pass a smaller n_neighbors", which
    the CLI has no option for."""
    status, _, stderr = call(["run", *FAST, "--out", str(tmp_path), "-q", "--no-figures"])
    assert status == 0 and "k-NN with n_neighbors=5" in stderr
    assert "Score more samples (a larger --test-size)." in stderr and "smaller n_neighbors" not in stderr


def test_embed_matches_names_at_the_length_the_model_was_trained_with(tmp_path):
    """Aliquot barcodes that differ per omic (-11R for RNA, -11D for DNA):
    run needed --sample-name-length 16, and embed without it read each new
    patient as two samples, each lacking an omic, without a word."""
    rng = np.random.RandomState(0)
    ids = [f"TCGA-A1-A{i:03d}-01A" for i in range(30)]
    for folder, n in (("cohort", 30), ("new", 4)):
        (tmp_path / folder).mkdir()
        pd.DataFrame(rng.rand(n, 8), index=[s + "-11R-A000-07" for s in ids[:n]],
                     columns=[f"g{j}" for j in range(8)]).rename_axis("sample").to_csv(tmp_path / folder / "mrna.csv")
        pd.DataFrame(rng.rand(n, 6), index=[s + "-11D-A000-05" for s in ids[:n]],
                     columns=[f"cg{j}" for j in range(6)]).rename_axis("sample").to_csv(tmp_path / folder / "meth.csv")
    pd.Series(["a", "b", "c"] * 10, index=pd.Index(ids, name="sample"), name="y").to_csv(tmp_path / "cohort" / "labels.csv")
    out = tmp_path / "run"
    status, _, stderr = call(["run", "--data", str(tmp_path / "cohort"), "--sample-name-length", "16", "--max-iter", "3",
                              "--threads", "1", "--no-figures", "--out", str(out), "-q"])
    assert status == 0, stderr
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--out", str(tmp_path / "e"), "-q"])
    assert status == 0, stderr
    # (with --quiet too: it was not said then, though it decides which samples match)
    assert "note: sample names cut to 16 characters, as for training (--sample-name-length)" in stderr
    embedding = pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0)
    assert list(embedding.index) == ids[:4]
    # an explicit length wins
    status, _, stderr = call(["embed", str(out), "--data", str(tmp_path / "new"), "--sample-name-length", "12",
                              "--out", str(tmp_path / "e12"), "-q"])
    assert status == 0, stderr
    assert list(pd.read_csv(tmp_path / "e12" / "embedding.csv", index_col=0).index) == [s[:12] for s in ids[:4]]


def test_a_geo_folder_without_labels_points_to_its_characteristics(tmp_path):
    """A GEO folder's only way to labels was a hand-made labels.csv; the error
    names the series matrix's characteristics and the options that take them."""
    rng = np.random.default_rng(0)
    samples = [f"GSM{100 + i}" for i in range(30)]
    probes = pd.DataFrame(rng.random((8, 30)), index=pd.Index([f"{i}_at" for i in range(8)], name="ID_REF"), columns=samples)
    header = ["!Series_title\t\"A study\"", "!Sample_geo_accession\t" + "\t".join(f'"{s}"' for s in samples),
              "!Sample_characteristics_ch1\t" + "\t".join(f'"subtype: {t}"' for t in ["LumA", "Basal", "Her2"] * 10)]
    (tmp_path / "GSE1_series_matrix.txt").write_text(
        "\n".join(header) + "\n!series_matrix_table_begin\n" + probes.to_csv(sep="\t") + "!series_matrix_table_end\n"
    )
    argv = ["run", "--data", str(tmp_path), "--threads", "1", "--max-iter", "2", "-q", "--no-figures", "--out", str(tmp_path / "o")]
    status, _, stderr = call(argv)
    assert status == 2 and "GSE1_series_matrix.txt holds its samples' characteristics (subtype): take them as labels " \
                           "with --labels GSE1_series_matrix.txt --label-column NAME" in stderr
    status, stdout, stderr = call([*argv, "--labels", "GSE1_series_matrix.txt", "--label-column", "subtype"])
    assert status == 0, stderr
    assert "30 samples" in stdout


def test_the_trained_sample_name_length_is_read_as_the_command_parsed_it(tmp_path):
    """embed took the length from the recorded argv by hand: an abbreviated
    option (--sample-name-len) was missed, and a metrics.json whose command is
    not a list raised TypeError."""
    for command, expected in (
        (["skpoems", "run", "--data", "x", "--sample-name-len", "12"], 12),
        (["skpoems", "run", "--data", "x", "--sample-name-length=16"], 16),
        (["skpoems", "run", "--data", "x"], None),
        (None, None), (5, None), (["skpoems", "run", "--no-such-option"], None),
    ):
        (tmp_path / "metrics.json").write_text(json.dumps({"command": command}))
        assert _embed._trained_option(tmp_path, "sample_name_length") == expected
    (tmp_path / "metrics.json").write_text("[1, 2]")
    assert _embed._trained_option(tmp_path, "sample_name_length") is None


def test_embed_of_a_numbered_folder_ignores_the_trained_sample_name_length(tmp_path):
    """A model trained with --sample-name-length, then embed on a MOGONET
    (numbered) folder: the length was applied there too, and the folder refused."""
    rng = np.random.RandomState(0)
    ids = [f"TCGA-A1-A{i:03d}-01A" for i in range(30)]
    (tmp_path / "cohort").mkdir()
    pd.DataFrame(rng.rand(30, 8), index=pd.Index([s + "-11R" for s in ids], name="sample"),
                 columns=[f"g{j}" for j in range(8)]).to_csv(tmp_path / "cohort" / "mrna.csv")
    pd.DataFrame(rng.rand(30, 6), index=pd.Index([s + "-11D" for s in ids], name="sample"),
                 columns=[f"c{j}" for j in range(6)]).to_csv(tmp_path / "cohort" / "meth.csv")
    pd.Series(["a", "b", "c"] * 10, index=pd.Index(ids, name="sample"), name="y").to_csv(tmp_path / "cohort" / "labels.csv")
    out = tmp_path / "run"
    status, _, stderr = call(["run", "--data", str(tmp_path / "cohort"), "--sample-name-length", "16", "--max-iter", "2",
                              "--threads", "1", "--no-figures", "--out", str(out), "-q"])
    assert status == 0, stderr
    new = tmp_path / "new"
    new.mkdir()
    pd.DataFrame(rng.rand(4, 6)).to_csv(new / "1_all.csv", header=False, index=False)  # meth, then mrna (file order)
    pd.DataFrame(rng.rand(4, 8)).to_csv(new / "2_all.csv", header=False, index=False)
    status, _, stderr = call(["embed", str(out), "--data", str(new), "--out", str(tmp_path / "e"), "-q"])
    assert status == 0, stderr
    assert len(pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0)) == 4


def test_a_long_variance_split_is_announced(capsys):
    """The per-factor split of the explained variance costs about orders x factors
    decoder passes: hours on a wide cohort (4.4 h measured for discover on 3000
    patients of 71,500 features). run and discover say so before it starts."""
    mice = load_nutrimouse()
    est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(mice.data)
    _outputs._announce_variance_split(est, 10**9, 20)
    err = capsys.readouterr().err
    assert "splitting each omic's explained variance over the 3 factors (20 factor orders, 1000000000 samples) takes roughly" in err
    assert "--variance-permutations 0" in err
    _outputs._announce_variance_split(est, 40, 20)  # seconds: nothing said
    assert capsys.readouterr().err == ""
    # a few samples and many orders: timed on a pass of as many rows as the split
    # decodes at once (a pass of 8 rows timed the per-call overhead: 20x too long)
    passes = []
    decode = est.inverse_transform
    est.inverse_transform = lambda Z: passes.append(len(Z)) or decode(Z)
    _outputs._announce_variance_split(est, 8, 100_000)
    assert passes[-1] == 256


def test_silhouettes_of_a_large_cohort_use_a_sample(monkeypatch):
    """The silhouette is quadratic in samples (19 s and 1 GB at 12,000): above
    5000 samples it is computed on a fixed sample of 5000."""
    import sklearn.metrics

    calls = []
    original = sklearn.metrics.silhouette_score

    def recording(Z, labels, **kwargs):
        calls.append(kwargs)
        return original(Z, labels, **kwargs)

    monkeypatch.setattr(sklearn.metrics, "silhouette_score", recording)
    rng = np.random.RandomState(0)
    _discover._choose_clusters(rng.rand(300, 2), 3)
    _discover._choose_clusters(np.vstack([rng.randn(2600, 2), rng.randn(2600, 2) + 6]), 2)
    assert calls == [{}, {"sample_size": 5000, "random_state": 0}]


def test_model_names_in_any_spelling_and_help_texts_of_each_command():
    """The benchmark scripts name models mocss_sparse_vae and mocss_ae, the paper
    MOCSS-SparseVAE: the commands refused both; and the help of run, discover and
    sweep spoke of benchmark's PCA baseline and its models."""
    parser = _cli.build_parser()
    for spelling in ("mocss_sparse_vae", "MOCSS-SparseVAE", "mocss-sparsevae", "Mocss_SparseVAE"):
        assert parser.parse_args(["run", "--model", spelling]).model == "mocss-sparsevae"
    assert parser.parse_args(["benchmark", "--models", "mocss_ae,PCA,poem"]).models == ["mocss-ae", "pca", "poem"]
    assert parser.parse_args(["sweep", "--threads", "auto"]).threads is None
    assert parser.parse_args(["embed", "model.joblib", "--data", "new", "--threads", "1"]).threads == 1
    status, _, err = call(["run", "--model", "mocss_sparse"])
    assert status == 2 and "invalid choice: 'mocss_sparse'" in err
    for command in ("run", "discover", "sweep", "benchmark"):
        status, out, _ = call([command, "--help"])
        text = " ".join(out.split())
        assert status == 0
        assert ("PCA baseline" in text) == (command == "benchmark")
        assert ("applies to the models that have it" in text) == (command == "benchmark")


@pytest.mark.skipif(torch.cuda.is_available(), reason="the check refuses CUDA only where there is none")
def test_device_without_cuda_is_worded_as_the_option():
    status, _, stderr = call(["run", *FAST, "--device", "cuda", "-q"])
    assert status == 2 and "--device cuda was requested but CUDA is not available on this machine" in stderr
    assert "use --device cpu or --device auto" in stderr and "device='" not in stderr


def test_a_refused_command_leaves_no_empty_output_folder(tmp_path):
    """A usage or data error after the output folder was made (--set beta=-1,
    --log of an omic the data lacks) left that folder, empty, behind."""
    for command, extra in (("run", ["--set", "beta=-1"]), ("discover", ["--log", "genes"]),
                           ("benchmark", ["--models", "poems", "--set", "beta=-1"])):
        out = tmp_path / command / "new" / "out"
        status, _, stderr = call([command, *FAST, "--out", str(out), "-q"] + extra)
        assert status == 2, stderr
        assert not (tmp_path / command).exists(), command
    kept = tmp_path / "kept"  # a folder that was there stays
    kept.mkdir()
    status, _, _ = call(["run", *FAST, "--out", str(kept), "-q", "--set", "beta=-1"])
    assert status == 2 and kept.is_dir()
