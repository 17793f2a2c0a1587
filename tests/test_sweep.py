"""Hyper-parameter sweeps: joblib locally, Dask through joblib's dask backend."""

import concurrent.futures
import json
import math

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from skpoems import POEMTransformer
from skpoems._sweep import (
    available_cores,
    fit_configuration,
    paper_grid,
    run_sweep,
    select_best,
)

#: seconds before a Dask operation counts as hung.
TIMEOUT = 120


@pytest.fixture(scope="module")
def data(planted):
    Xs, y = planted
    return np.hstack(Xs)[:60], tuple(X.shape[1] for X in Xs)


def tiny_model(omic_dims, **params):
    return POEMTransformer(
        n_components=2,
        omic_dims=omic_dims,
        max_iter=3,
        random_state=0,
        device="cpu",
        **params,
    )


def test_paper_grid():
    grid = paper_grid()
    assert len(grid) == 125
    assert grid[0] == {"batch_size": 32, "learning_rate": 1e-4, "weight_decay": 1e-4}
    assert grid[-1] == {"batch_size": 512, "learning_rate": 9e-4, "weight_decay": 9e-4}
    assert len(paper_grid([64], [1e-3], [0.0, 1e-4])) == 2


def test_fit_configuration_limits_and_restores_threads(data):
    X, dims = data
    before = torch.get_num_threads()
    record = fit_configuration(tiny_model(dims), {"batch_size": 16}, X, threads=1)
    assert torch.get_num_threads() == before
    assert record["threads"] == 1
    assert record["error"] == ""
    assert record["batch_size"] == 16
    assert record["n_iter"] == 3
    est = tiny_model(dims, batch_size=16).fit(X)
    assert record["validation_loss"] == pytest.approx(-est.best_validation_score_)


def test_run_sweep_records_failures_and_selects_the_minimum(data):
    X, dims = data
    grid = [
        {"learning_rate": 1e-3, "batch_size": 16},
        {"learning_rate": -1.0, "batch_size": 16},  # invalid: recorded, not raised
        {"learning_rate": 1e-2, "batch_size": 16},
    ]
    table = run_sweep(tiny_model(dims), X, grid, n_jobs=1, threads=1)
    assert len(table) == 3
    assert math.isnan(table.loc[1, "validation_loss"])
    assert "learning_rate" in table.loc[1, "error"]
    assert table.loc[1, "rank"] == 3
    assert (table["threads"] == 1).all()
    best = select_best(table, ["learning_rate", "batch_size"])
    finite = table.dropna(subset=["validation_loss"])
    assert (
        best["learning_rate"]
        == finite.loc[finite["validation_loss"].idxmin(), "learning_rate"]
    )
    assert isinstance(best["batch_size"], int)

    failed = pd.DataFrame({"validation_loss": [np.nan], "error": ["boom"], "a": [1]})
    with pytest.raises(RuntimeError, match="boom"):
        select_best(failed, ["a"])
    with pytest.raises(ValueError, match="early_stopping"):
        run_sweep(tiny_model(dims, early_stopping=False), X, grid)


@pytest.mark.parametrize(("n_jobs", "n_configs"), [(1, 3), (2, 3), (4, 1), (-1, 8)])
def test_default_threads_share_the_cores(data, monkeypatch, n_jobs, n_configs):
    import skpoems._sweep as sweep

    def fake(estimator, params, X, threads=None):
        return {**params, "validation_loss": 0.0, "error": "", "threads": threads}

    monkeypatch.setattr(sweep, "fit_configuration", fake)
    monkeypatch.setattr(sweep, "available_cores", lambda: 8)
    grid = [{"batch_size": b} for b in range(1, n_configs + 1)]
    with joblib.parallel_config(backend="threading"):
        table = run_sweep(tiny_model(data[1]), data[0], grid, n_jobs=n_jobs)
    with joblib.parallel_config(backend="threading"):
        concurrent = min(joblib.effective_n_jobs(n_jobs), n_configs)
    assert (table["threads"] == max(1, 8 // concurrent)).all()


# ------------------------------------------------------------------------ Dask
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        death_timeout=TIMEOUT,
    )
    client = distributed.Client(cluster, timeout=TIMEOUT)
    try:
        client.wait_for_workers(2, timeout=TIMEOUT)
        yield client
    finally:
        client.close(timeout=30)
        cluster.close(timeout=30)


def within_timeout(fn):
    """Run fn in a thread; fail (instead of hanging) after TIMEOUT seconds."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(timeout=TIMEOUT)


def test_grid_search_on_dask_matches_joblib(data, dask_client):
    """Acceptance 2 of issue 4: same best parameters through a Dask LocalCluster."""
    X, dims = data
    grid = {"learning_rate": [1e-4, 1e-2], "batch_size": [16, 48]}

    from distributed import get_task_stream

    def search(backend):
        def go():
            est = tiny_model(dims)
            with joblib.parallel_config(backend=backend):
                n_jobs = -1 if backend == "dask" else 1
                return GridSearchCV(est, grid, cv=2, n_jobs=n_jobs).fit(X)

        return within_timeout(go)

    local = search("loky")
    with get_task_stream(client=dask_client) as stream:
        on_dask = search("dask")
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-4,
    )
    # the fits really ran on the cluster's two worker processes
    assert len(stream.data) > 0
    assert {task["worker"] for task in stream.data} <= set(
        dask_client.scheduler_info(n_workers=-1)["workers"]
    )


def test_run_sweep_on_dask_sizes_threads_per_worker(data, dask_client):
    X, dims = data
    grid = paper_grid([16, 48], [1e-3], [1e-4])

    def go():
        with joblib.parallel_config(backend="dask"):
            return run_sweep(tiny_model(dims), X, grid, client=dask_client)

    table = within_timeout(go)
    local = run_sweep(tiny_model(dims), X, grid, n_jobs=1, threads=1)
    # two single-threaded workers on this machine share its cores
    assert (table["threads"] == max(1, available_cores() // 2)).all()
    assert table["error"].eq("").all()
    np.testing.assert_allclose(
        table["validation_loss"], local["validation_loss"], rtol=1e-4
    )


def test_cli_sweep_on_a_dask_scheduler(tmp_path, dask_client):
    from test_cli import FAST, call

    address = dask_client.scheduler.address
    argv = [
        "sweep",
        *FAST,
        "--batch-sizes",
        "8,16",
        "--learning-rates",
        "1e-3",
        "--weight-decays",
        "1e-4",
        "--scheduler",
        address,
        "--out",
        str(tmp_path),
        "-q",
        "--no-figures",
    ]
    status, _, stderr = within_timeout(lambda: call(argv))
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "sweep_results.csv")
    assert len(table) == 2
    assert table["error"].isna().all()
    assert len(set(table["pid"])) >= 1


def test_cli_sweep_on_a_local_dask_cluster(tmp_path):
    pytest.importorskip("distributed")
    from test_cli import FAST, call

    argv = [
        "sweep",
        *FAST,
        "--batch-sizes",
        "16",
        "--learning-rates",
        "1e-3,3e-3",
        "--weight-decays",
        "1e-4",
        "--dask-local",
        "1",
        "--out",
        str(tmp_path),
        "-q",
        "--no-figures",
    ]
    status, stdout, stderr = within_timeout(lambda: call(argv))
    assert status == 0, stderr
    table = pd.read_csv(tmp_path / "sweep_results.csv")
    assert table["learning_rate"].tolist() == [1e-3, 3e-3]
    assert table["threads"].tolist() == [1, 1]  # --threads reaches the workers
    summary = json.loads((tmp_path / "sweep.json").read_text())
    assert summary["sweep"]["backend"] == "local Dask cluster of 1 worker process"
    assert "selected:" in stdout
