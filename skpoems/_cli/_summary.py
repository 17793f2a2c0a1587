"""The summary lines that the commands print: the data, how training stopped,
the scores."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import _experiment as exp

#: how ``skpoems run`` reports an estimator's ``stop_reason_``
_STOP_REASONS = {
    "converged": "converged",
    "no_improvement": "no improvement for n_iter_no_change epochs",
    "max_iter": "epoch budget spent",
    "diverged": "diverged",
    "interrupted": "interrupted",
}


def _fmt_metrics(m: dict[str, float]) -> str:
    from ..metrics import format_evaluation

    return format_evaluation(m, decimals=3)


def _preprocessing_note(bunch, split: exp.Split) -> str:
    """What ``--impute`` and ``--top-variance`` left of the features, for the
    summary line: the model sees these, not the input tables' counts."""
    note = ""
    imputer = getattr(split, "imputer", None)
    after_impute = getattr(imputer, "omic_dims_out_", None)
    if after_impute is not None and tuple(after_impute) != tuple(bunch.omic_dims):
        dropped = [(o, d - k) for o, d, k in zip(bunch.omic_names, bunch.omic_dims, after_impute, strict=True) if d > k]
        note += (
            f"; left out {sum(n for _, n in dropped)} that no training sample measures "
            f"({', '.join(f'{o} {n}' for o, n in dropped)})"
        )
    dims_out = getattr(split.scaler, "omic_dims_out_", None)
    if dims_out is not None:  # --top-variance: the model sees these
        note += (
            f"; kept the most variable {sum(dims_out)} "
            f"({', '.join(f'{o} {d}' for o, d in zip(bunch.omic_names, dims_out, strict=True))})"
        )
    return note


def _describe_data(bunch, split: exp.Split, est: Any | None = None) -> str:
    n_train, n_test = len(split.y_train), len(split.y_test)
    omics = (bunch.omic_names, bunch.omic_dims)
    val = ""
    if est is not None and hasattr(est, "n_train_samples_"):
        val = f", of which {n_train - est.n_train_samples_} validation"
    lacking = ""
    data = bunch.data
    if isinstance(data, pd.DataFrame) and isinstance(data.columns, pd.MultiIndex):
        counts = {
            omic: int(data[omic].isna().all(axis=1).sum()) for omic in bunch.omic_names
        }
        if any(counts.values()):
            lacking = "; samples lacking an omic: " + ", ".join(
                f"{omic} {n}" for omic, n in counts.items() if n
            )
    kept = _preprocessing_note(bunch, split)
    return (
        f"{len(bunch.target)} samples ({n_train} train{val}; {n_test} test), "
        f"{sum(bunch.omic_dims)} features in {len(bunch.omic_dims)} omics "
        f"({', '.join(f'{n} {d}' for n, d in zip(*omics, strict=True))}){kept}{lacking}"
    )
