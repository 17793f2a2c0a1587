"""Smoke tests of the example benchmark scripts (tiny budgets: they must run, and
their outputs must have the documented shape; the numbers are not checked)."""

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

BENCHMARKS = Path(__file__).resolve().parents[1] / "examples" / "benchmarks"
DATA_DIR = Path(__file__).resolve().parents[1] / "skpoems" / "datasets" / "data"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_objective_study_runs_splits_apart_and_combines_them(tmp_path, capsys):
    study = load("objective_study")
    common = ["--datasets", "nutrimouse", "--settings", "default,beta4_raw", "--max-iter", "3"]
    study.main([*common, "--split-seeds", "0", "--out-dir", str(tmp_path / "a")])
    study.main([*common, "--split-seeds", "1", "--out-dir", str(tmp_path / "b"), "--no-baselines"])
    runs = pd.read_csv(tmp_path / "a" / "objective_study_runs.csv")
    assert set(runs["setting"]) == {"default", "beta4_raw", "PCA-32", "raw"}
    assert (runs.dropna(subset=["epochs"])["epochs"] <= 3).all()
    # the sparsity of W for the models with W, not for PCA (it has components_ too)
    assert runs.set_index("setting")["W>0.01"].notna().to_dict() == {
        "default": True, "beta4_raw": True, "PCA-32": False, "raw": False
    }
    capsys.readouterr()
    study.main(["--combine", str(tmp_path / "a"), str(tmp_path / "b")])
    printed = capsys.readouterr().out
    assert "default" in printed and "PCA-32" in printed
    with pytest.raises(SystemExit):
        study.main(["--settings", "no_such_setting"])


def test_missing_omics_script_runs(capsys):
    load("missing_omics").main(["--max-iter", "2"])
    out = capsys.readouterr().out
    assert "R^2" in out or "r2" in out.lower()


def test_embedding_geometry_script_runs(capsys):
    load("embedding_geometry").main(["--dataset", "nutrimouse", "--split-seeds", "0", "--max-iter", "2", "--threads", "1"])
    out = capsys.readouterr().out
    for name in ("mean", "standardised", "pullback_sigma_diag", "reconstruction_pca32", "train patients: PCA-32"):
        assert name in out


def test_decoder_metric_is_the_mean_pullback_of_the_jacobian():
    torch = pytest.importorskip("torch")
    import numpy as np

    from skpoems import POEMSTransformer

    geometry = load("embedding_geometry")
    rng = np.random.RandomState(0)
    X = [rng.rand(30, 6), rng.rand(30, 4)]
    est = POEMSTransformer(n_components=3, max_iter=5, random_state=0, dropout=0.0).fit(X)
    Z = est.transform(X).astype(np.float64)
    weights = rng.rand(10) + 0.5
    module = est.module_.eval()
    exact = np.zeros((3, 3))
    for z in Z:
        jac = torch.autograd.functional.jacobian(
            lambda v: torch.cat(module.decode(v[None].float()), dim=1)[0], torch.as_tensor(z, dtype=torch.float32)
        ).double().numpy()
        exact += jac.T @ (weights[:, None] * jac)
    exact /= len(Z)
    # central differences of a ReLU decoder in float32: a secant, not the exact
    # Jacobian, hence a small step and a tolerance on the whole matrix
    def relative_error(metric):
        return np.linalg.norm(metric - exact) / np.linalg.norm(exact)

    assert relative_error(geometry.decoder_metric(est, Z, weights, step=1e-3)) < 0.02
    assert relative_error(geometry.decoder_metric(est, Z, np.ones(10), step=1e-3)) > 0.05  # the weights count


def test_stopping_traces_record_and_replay(tmp_path, capsys):
    traces = load("stopping_traces")
    out = tmp_path / "traces"
    traces.main(["record", "--dataset", "nutrimouse", "--split-seeds", "0", "--max-iter", "12", "--out-dir", str(out)])
    printed = capsys.readouterr().out
    assert "max |diff| 0" in printed  # the kept epoch's trace is what transform returns
    history = pd.read_csv(out / "nutrimouse_split0_rs0_history.csv")
    assert len(history) == 12
    import numpy as np

    embeddings = np.load(out / "nutrimouse_split0_rs0_trace.npz")["embeddings"]
    assert embeddings.shape == (12, 8, 32)  # epochs 1..12, 8 test mice, 32 factors
    traces.main(["replay", str(out), "--out", str(tmp_path / "rules.csv")])
    rules = pd.read_csv(tmp_path / "rules.csv")
    assert set(rules["rule"]) == set(traces.RULES)
    assert (rules["kept"] <= rules["stop"]).all() and (rules["stop"] <= 12).all()
    # planted data: factor recovery instead of the clustering scores
    traces.main(["record", "--dataset", "planted", "--split-seeds", "0", "--max-iter", "5", "--out-dir", str(tmp_path / "p")])
    traces.main(["replay", str(tmp_path / "p"), "--out", str(tmp_path / "planted.csv")])
    planted = pd.read_csv(tmp_path / "planted.csv")
    assert planted["factor_recovery"].between(0, 1).all() and "kmeans_acc" not in planted
    assert "not learned" in capsys.readouterr().out


def test_stopping_rules_replay_the_estimator():
    traces = load("stopping_traces")
    import numpy as np

    losses = 100.0 / np.sqrt(np.arange(1, 401))
    assert traces.patience_rule(losses) == 400  # always a new minimum
    flat = np.r_[losses[:50], np.full(100, losses[49])]
    assert traces.patience_rule(flat) == 80  # epoch 50 best, 30 epochs without a new one
    assert traces.kept_epoch(flat, 80) == 50
    # the same rule as tests/test_poems.py's recomputation of convergence_tol
    stop = traces.convergence_rule(losses, 0.05, 20)
    t = stop - 1
    assert losses[t - 20] - losses[t] < 0.05 * (losses[0] - losses[t])
    assert losses[t - 21] - losses[t - 1] >= 0.05 * (losses[0] - losses[t - 1])


def test_single_omic_baselines_script_runs(capsys):
    table = load("single_omic_baselines").main(["--dataset", "nutrimouse", "--splits", "1", "--components", "2"])
    assert set(table["input"]) == {"gene", "lipid", "all omics"}
    assert table[["kmeans_acc", "kmeans_nmi"]].apply(lambda c: c.between(0, 1)).all().all()
    assert "k-means cluster" in capsys.readouterr().out


def test_single_omic_baselines_selects_by_training_labels_and_compares_feature_lists(tmp_path, capsys):
    script = load("single_omic_baselines")
    from skpoems._experiment import load_dataset

    mice = load_dataset("nutrimouse")
    genes = list(mice.data["gene"].columns)
    listed = tmp_path / "featname.csv"
    listed.write_text("\n".join([genes[0].lower(), genes[5], "NOT_A_GENE|123456789"]) + "\n")
    table = script.main(["--dataset", "nutrimouse", "--splits", "1", "--components", "2",
                         "--anova-top", "4", "--feature-list", str(listed)])
    assert "all omics, top 4 per omic by ANOVA F" in set(table["input"])
    out = capsys.readouterr().out
    assert "gene: 2 of the 3 listed features are among the 120 here" in out
    # matched by the Entrez ID where both names carry one, else by the symbol
    assert script._feature_key("ESR1|2099") == script._feature_key("ESR1_2099") == "2099"
    assert script._feature_key("esr1") == "ESR1"
    facts = script.compare_features(mice, "gene", [genes[0]])
    assert facts["shared"] == 1 and 0 <= facts["top300_F_shared"] <= 1


def test_n_init_study_trains_the_inits_of_n_init(tmp_path, capsys):
    """Each init the script trains is the same init of ``POEMSTransformer(n_init=N)``."""
    import warnings

    from skpoems import POEMSTransformer
    from skpoems._experiment import load_dataset, split_and_scale

    study = load("n_init_study")
    out = tmp_path / "runs.csv"
    common = ["--dataset", "nutrimouse", "--split-seeds", "0", "--inits", "2", "--max-iter", "3", "--out", str(out)]
    study.main([*common, "--only", "0"])  # one init per process, appended to one file
    study.main([*common, "--only", "1"])
    runs = pd.read_csv(out)
    assert list(runs["init"]) == [0, 1] and (runs["epochs"] <= 3).all()
    bunch = load_dataset("nutrimouse")
    split = split_and_scale(bunch.data, bunch.target, stratify=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = POEMSTransformer(n_init=2, max_iter=3, random_state=0).fit(split.X_train)
    assert list(-est.init_scores_) == pytest.approx(list(runs["validation_loss"]), rel=1e-6)
    capsys.readouterr()
    study.main(["--combine", str(out)])
    printed = capsys.readouterr().out
    assert "n_init=2 (1 splits)" in printed and "mean over all inits" in printed


def test_discover_subtypes_example(tmp_path, capsys):
    """On a labelled folder (the comparison) and an unlabelled one."""
    spec = importlib.util.spec_from_file_location("discover_subtypes", BENCHMARKS.parent / "discover_subtypes.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    folder = tmp_path / "mice"
    shutil.copytree(DATA_DIR / "nutrimouse", folder)
    out = example.main(["--data", str(folder), "--max-iter", "2", "--figures", str(tmp_path / "new" / "f.png")])
    assert out["k"] == len(set(out["clusters"])) and 2 <= out["k"] <= 10
    assert out["silhouette"].idxmax() == out["k"]
    assert set(out["markers"]["omic"]) == {"gene", "lipid"} and "ari" not in out
    assert (tmp_path / "new" / "f.png").stat().st_size > 0  # its folder is made
    (folder / "genotype.csv").unlink()  # diet.csv is then the label table
    out = example.main(["--data", str(folder), "--max-iter", "2"])
    assert -1 <= out["ari"] <= 1
    printed = capsys.readouterr().out
    assert "silhouette by k" in printed and "against the labels" in printed


def test_own_cohort_example_reads_the_demo_folder_with_missing_mirna(capsys):
    spec = importlib.util.spec_from_file_location("own_cohort", BENCHMARKS.parent / "own_cohort.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.warns(Warning, match="reached max_iter=2 epochs"):  # the 2-epoch budget ends before convergence
        module.main(["--max-iter", "2"])
    out = capsys.readouterr().out
    assert "Samples lacking each omic (join='outer'): methylation 0, mirna 115, mrna 0" in out
    assert "imputed mirna for" in out and "imputed mrna" not in out
    assert "top features per omic" in out and "hsa_mir" in out


def test_own_cohort_example_with_stray_missing_values_and_tcga_barcodes(tmp_path, capsys):
    from skpoems.datasets import load_nutrimouse

    mice = load_nutrimouse()
    patients = [f"TCGA-A1-A{i:03d}" for i in range(40)]
    gene = mice.data["gene"].set_axis([p + "-01A" for p in patients])
    gene.iloc[3, 5] = np.nan  # a stray missing value
    gene.to_csv(tmp_path / "gene.csv")
    mice.data["lipid"].set_axis(patients).to_csv(tmp_path / "lipid.csv")
    names = np.asarray(mice.target_names)[mice.target]
    pd.DataFrame({"diet": names}, index=patients).to_csv(tmp_path / "labels.csv")
    spec = importlib.util.spec_from_file_location("own_cohort", BENCHMARKS.parent / "own_cohort.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--data", str(tmp_path), "--max-iter", "2"]
    with pytest.raises(ValueError, match="sample_name_length=12"):
        module.main(argv)
    with pytest.raises(ValueError, match="'gene' contains NaN in 1 sample"):
        module.main([*argv, "--sample-name-length", "12"])
    with pytest.warns(Warning, match="reached max_iter=2 epochs"):  # the 2-epoch budget ends before convergence
        module.main([*argv, "--sample-name-length", "12", "--impute", "median"])
    assert "test embedding: k-means ACC" in capsys.readouterr().out


def test_model_selection_example_runs(capsys):
    spec = importlib.util.spec_from_file_location(
        "model_selection", BENCHMARKS.parent / "model_selection.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--quick", "--n-jobs", "1"])
    out = capsys.readouterr().out
    assert "k-NN accuracy of the held-out folds" in out
    assert "refitted on all 40 samples" in out and "['gene', 'lipid']" in out


def test_linear_scale_script_runs_and_flags_only_the_linear_forms():
    table = load("linear_scale").main(["--splits", "1", "--components", "4"])
    assert len(table) == 6
    assert table["warns"].tolist() == [False, True, False] * 2


@pytest.mark.slow  # 11 s: the default suite stays under 10 minutes on 2 cores
def test_sample_swaps_script_plants_swaps_between_subtypes_and_scores_them():
    module = load("sample_swaps")
    X = pd.DataFrame({("a", "f"): np.arange(12.0), ("b", "g"): -np.arange(12.0)})
    y = np.repeat([0, 1, 2], 4)
    swapped_X, swapped = module.plant_swaps(X, y, "a", 3, np.random.default_rng(0))
    assert swapped.sum() == 6
    assert swapped_X["b"].equals(X["b"])  # the other omic untouched
    moved = swapped_X[("a", "f")].to_numpy()
    np.testing.assert_array_equal(moved[~swapped], np.arange(12.0)[~swapped])
    assert sorted(moved[swapped]) == sorted(np.flatnonzero(swapped))  # exchanged among themselves
    assert all(y[int(moved[i])] != y[i] for i in np.flatnonzero(swapped))  # with another subtype
    table = module.main(["--max-iter", "2", "--pairs", "3", "--components", "4", "--repeats", "1", "--threads", "1"])
    assert table.index.tolist() == ["mRNA", "methylation", "miRNA"]
    assert ((table >= 0) & (table <= 1)).all().all()


def test_mixture_prior_script_trains_its_prior():
    module = load("mixture_prior")
    table = module.main(["--split-seeds", "0", "--max-iter", "2", "--mixture-components", "3"])
    assert table.index.tolist() == [0] and table.loc[0, "epochs"] == 2
    est = module.MixturePriorPOEMS(n_components=2, max_iter=3, random_state=0)
    X = [np.random.RandomState(0).rand(40, 5), np.random.RandomState(1).rand(40, 4)]
    est.fit(X)
    prior = est.module_.prior
    assert prior.means.shape == (10, 2)
    start = module.MixturePrior(2, 10).means
    assert not torch.equal(prior.means.detach(), start.detach())  # the prior is trained with the rest
    assert "kl" in " ".join(est.history_[0])


def test_own_cohort_example_without_labels_says_what_to_run(tmp_path):
    from skpoems.datasets import load_nutrimouse

    mice = load_nutrimouse()
    for omic in ("gene", "lipid"):
        mice.data[omic].set_axis([f"m{i}" for i in range(40)]).to_csv(tmp_path / f"{omic}.csv")
    spec = importlib.util.spec_from_file_location("own_cohort", BENCHMARKS.parent / "own_cohort.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(SystemExit, match="needs labels.*discover"):  # was a TypeError from train_test_split
        module.main(["--data", str(tmp_path), "--max-iter", "2"])


def test_wide_memory_script_runs():
    """The memory benchmark of transform/inverse_transform/impute on a wide cohort
    with missing omics, at a toy size (its numbers are in the README)."""
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "examples" / "benchmarks" / "wide_memory.py"
    out = subprocess.run(
        [sys.executable, str(script), "--samples", "40", "--dims", "30,20,10"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    assert "40 samples x 30 + 20 + 10 float64 features" in out
    for method in ("transform", "inverse_transform", "impute"):
        assert f"  {method}: " in out and "MiB over" in out


def test_brca_figures_example_draws_its_figures_with_the_slopes_of_held_out_attributions(tmp_path, capsys):
    """The example ranked by attributions at its test patients without passing
    those patients: five warnings, and the slopes that hatch falling features
    were NaN. Drawn here for a short fit on nutrimouse (the function takes any
    fitted POEMS and labelled held-out samples)."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from sklearn.model_selection import train_test_split

    from skpoems import POEMSTransformer
    from skpoems.datasets import load_nutrimouse

    spec = importlib.util.spec_from_file_location("plot_brca_figures", BENCHMARKS.parent / "plot_brca_figures.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    mice = load_nutrimouse()
    y = pd.Series(mice.target, index=mice.data.index)
    X_train, X_test, _, y_test = train_test_split(mice.data, y, test_size=0.5, stratify=y, random_state=0)
    est = POEMSTransformer(n_components=4, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X_train)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="attributions were computed at other samples")
        paths = example.make_figures(est, X_test, y_test, list(mice.target_names), tmp_path)
    assert {p.stem for p in paths} >= {"top_features", "factor_features", "activation_maps"}
    assert all(p.stat().st_size > 0 for p in paths)
