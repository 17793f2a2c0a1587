"""``skpoems benchmark``: several models plus PCA and raw-feature baselines under
the same protocol and splits, as a table."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _experiment as exp
from ._cpu import _torch_threads
from ._data import _load, _split, _split_info
from ._errors import _UsageError
from ._estimator import _estimator_params, _fit_quietly
from ._outputs import _atomic_file, _atomically, _clear_previous, _jsonable, _out_dir, _safe_name, _versions
from ._summary import _describe_data, _fmt_metrics


def _pooled(means: Sequence[float], stds: Sequence[float]) -> tuple[float, float]:
    """Mean and std over all (split, seed) pairs from per-split means and stds."""
    means, stds = np.asarray(means, float), np.asarray(stds, float)
    return float(means.mean()), float(np.sqrt(np.mean(stds**2) + np.var(means)))


_METRIC_COLUMNS = (
    ("kmeans_acc", "ACC k-means"),
    ("kmeans_nmi", "NMI k-means"),
    ("knn_acc", "ACC k-NN"),
)


def _markdown_table(table: pd.DataFrame) -> str:
    header = [
        "model",
        "dim",
        *(label for _, label in _METRIC_COLUMNS),
        "fit time (s)",
        "epochs",
    ]
    rows = []
    most = table["n_splits"].max() if "n_splits" in table else None
    for _, r in table.iterrows():
        partial = most is not None and 0 < r["n_splits"] < most
        cells = [
            # (a model that failed on some splits: its means are over fewer splits
            # than the others', which the table must say)
            str(r["model"]) + (f" ({int(r['n_splits'])} of {int(most)} splits)" if partial else ""),
            str(int(r["n_features_out"])) if pd.notna(r["n_features_out"]) else "-",
        ]
        for key, _ in _METRIC_COLUMNS:
            cells.append(
                "failed" if pd.isna(r[key]) else f"{r[key]:.2f} ({r[key + '_std']:.2f})"
            )
        cells.append(f"{r['fit_time_s']:.1f}" if pd.notna(r["fit_time_s"]) else "-")
        cells.append(f"{r['n_iter']:.0f}" if pd.notna(r["n_iter"]) else "-")
        rows.append(cells)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells):
        return (
            "| "
            + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
            + " |"
        )

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def _has_nan(X: Any) -> bool:
    values = X.to_numpy(dtype=np.float64) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=np.float64)
    return bool(np.isnan(values).any())


_BENCHMARK_FILES = ("benchmark.csv", "benchmark_runs.csv", "benchmark.md", "benchmark.json")


def _cmd_benchmark(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    bunch = _load(args)
    out = _out_dir(args, f"{_safe_name(bunch.name)}_benchmark")
    models = list(args.models)
    accepted = set().union(*(exp.MODELS[m]().get_params() for m in models if m in exp.MODELS))
    if "pca" in models:  # the PCA baseline takes --set n_components too
        accepted.add("n_components")
    unknown = [name for name, _ in args.params if name not in accepted]
    if unknown:
        raise _UsageError(f"--set {unknown[0]}: none of the models {', '.join(models)} has this parameter")
    for model in models:  # bad values stop the command before any fit (not at their model's turn)
        _estimator_params(args, model=model, strict=False)
    if not args.no_baselines:
        models += [b for b in exp.BASELINES if b not in models]
    n_splits = 1 if bunch.is_train is not None else args.splits
    splits = [_split(args, bunch, offset) for offset in range(n_splits)]
    if not args.quiet:
        print(
            f"skpoems benchmark on {bunch.name}: {_describe_data(bunch, splits[0])}; "
            f"{len(models)} models x {n_splits} split(s), max_iter={args.max_iter}",
            flush=True,
        )
    # the baselines cannot take missing omics: they get the training part's
    # feature means there (the models infer the factors from the omics a patient has)
    fill_baselines = any(m in exp.BASELINES for m in models) and any(
        _has_nan(split.X_train) or _has_nan(split.X_test) for split in splits
    )
    if fill_baselines and not args.quiet:
        print("  PCA and raw features: missing omics filled with the training part's means", flush=True)
    # no stale results of an earlier benchmark beside this one's, should it stop;
    # each finished fit is appended to a partial file: Ctrl-C keeps them
    _clear_previous(out, owned=(*_BENCHMARK_FILES, "benchmark_runs.partial.csv"), recorded=False)
    partial = out / "benchmark_runs.partial.csv"
    runs: list[dict[str, Any]] = []

    def keep(row: dict[str, Any]) -> None:
        runs.append(row)  # all rows rewritten: a failed fit's row has fewer columns
        _atomically(partial, lambda path: pd.DataFrame(runs).drop(columns="key").to_csv(path, index=False))

    for model in models:
        for s, split in enumerate(splits):
            est = exp.make_estimator(
                model,
                drop_none=False,
                **_estimator_params(args, verbose=0 if args.quiet else 1, model=model, strict=False),
            )
            if model == "pca":  # at most as many components as the training part allows
                cap = min(est.n_components, *np.shape(split.X_train))
                if cap < est.n_components and s == 0 and not args.quiet:
                    print(f"  PCA: {cap} components (the training part's rank allows no more)", flush=True)
                est.set_params(n_components=cap)
            if fill_baselines and model in exp.BASELINES:
                from sklearn.impute import SimpleImputer
                from sklearn.pipeline import make_pipeline

                est = make_pipeline(SimpleImputer(keep_empty_features=True), est)
            row: dict[str, Any] = {
                "model": exp.DISPLAY_NAMES[model],
                "key": model,
                "split": s,
            }
            try:
                result = _fit_quietly(
                    lambda est=est, split=split: exp.run_protocol(
                        est, None, None, split=split
                    )
                )
            except Exception as exc:  # noqa: BLE001 - report and go on with the others
                row["error"] = f"{type(exc).__name__}: {exc}"
                print(
                    f"  {row['model']} (split {s}) failed: {row['error']}",
                    file=sys.stderr,
                )
                keep(row)
                continue
            tr = result.training_summary()
            row.update(result.metrics)
            row.update(
                n_features_out=tr["n_features_out"],
                fit_time_s=result.timings["fit_s"],
                n_iter=tr.get("n_iter", np.nan),
                best_iter=tr.get("best_iter", np.nan),
                best_validation_loss=tr.get("best_validation_loss", np.nan),
                error="",
            )
            keep(row)
            if not args.quiet:
                print(
                    f"  {row['model']:<16} {_fmt_metrics(result.metrics)}  "
                    f"({row['fit_time_s']:.1f} s)",
                    flush=True,
                )
    runs_frame = pd.DataFrame(runs)
    summary = []
    for model in models:
        sub = runs_frame[
            (runs_frame["key"] == model) & (runs_frame["error"].fillna("") == "")
        ]
        row: dict[str, Any] = {"model": exp.DISPLAY_NAMES[model], "n_splits": len(sub)}
        for key, _ in _METRIC_COLUMNS:
            if len(sub):
                row[key], row[key + "_std"] = _pooled(sub[key], sub[key + "_std"])
            else:
                row[key] = row[key + "_std"] = np.nan
        for col in ("n_features_out", "fit_time_s", "n_iter"):
            row[col] = sub[col].mean() if len(sub) and col in sub else np.nan
        summary.append(row)
    table = pd.DataFrame(summary)
    # a count, written as one (the mean over the fits made it 32.0); none for a model whose fits all failed
    table["n_features_out"] = table["n_features_out"].round().astype("Int64")
    # (each written through a temporary file: an interrupt leaves none, never half of one)
    _atomically(out / "benchmark.csv", lambda path: table.to_csv(path, index=False))
    _atomically(out / "benchmark_runs.csv", lambda path: runs_frame.drop(columns="key").to_csv(path, index=False))
    wall = time.perf_counter() - t0
    md = _markdown_table(table)
    last_seed = f"..{args.split_seed + n_splits - 1}" if n_splits > 1 else ""
    split_text = (
        "the folder's train/test split"
        if bunch.is_train is not None
        else f"{n_splits} split(s) (test_size={args.test_size}, random_state="
        f"{args.split_seed}{last_seed})"
    )
    caption = (
        f"{bunch.name}, {split_text}, max_iter={args.max_iter}, random_state="
        f"{args.random_state}; mean (std) over the seeds 0, 12, 21, 42, 1234"
        f"{' and splits' if n_splits > 1 else ''}"
        f"{'; PCA and raw features: missing omics filled with the training means' if fill_baselines else ''}"
        f"; total {wall:.0f} s"
    )
    _atomically(
        out / "benchmark.md", lambda path: path.write_text(f"`skpoems {' '.join(args.argv)}`\n\n{caption}\n\n{md}\n")
    )
    with _atomic_file(out / "benchmark.json") as fh:
        json.dump(
            _jsonable(
                {
                    "versions": _versions(),
                    "command": ["skpoems", *args.argv],
                    "dataset": bunch.name,
                    "split": _split_info(args, bunch),
                    "n_splits": n_splits,
                    "max_iter": args.max_iter,
                    # each model's parameters as resolved (--paper-config, --set and
                    # the defaults of this version) and the torch threads of the fits
                    "parameters": {
                        m: exp.make_estimator(
                            m, drop_none=False, **_estimator_params(args, verbose=0, model=m, strict=False)
                        ).get_params()
                        for m in models if m in exp.MODELS
                    },
                    "threads": _torch_threads(),
                    "evaluation_seeds": list(exp.PAPER_SEEDS),
                    "baselines_fill_missing_omics": bool(fill_baselines),
                    "table": table.to_dict(orient="records"),
                    "wall_s": wall,
                }
            ),
            fh,
            indent=2,
        )
    partial.unlink(missing_ok=True)
    print(f"\n{caption}\n{md}\n\nwrote {', '.join(_BENCHMARK_FILES)} to {out}/")
    # 1 when a model failed on some split (the baselines' success hides nothing)
    return 0 if runs_frame["error"].fillna("").eq("").all() else 1
