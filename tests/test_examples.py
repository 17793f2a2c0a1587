"""Smoke tests of the example benchmark scripts (tiny budgets: they must run, and
their outputs must have the documented shape; the numbers are not checked)."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "examples" / "benchmarks"


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
