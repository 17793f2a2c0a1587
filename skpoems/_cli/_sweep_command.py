"""``skpoems sweep``: the paper's hyper-parameter grid selected by validation
loss, locally (joblib) or on a Dask cluster (the sweep itself is
:mod:`skpoems._sweep`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from .. import _experiment as exp
from ._cpu import _pool_limits
from ._data import _load, _split, _split_info
from ._errors import _UsageError
from ._estimator import _estimator_params, _fit_quietly
from ._outputs import (
    _atomic_file,
    _atomically,
    _clear_previous,
    _jsonable,
    _out_dir,
    _safe_name,
    _versions,
    write_run_outputs,
)
from ._summary import _describe_data, _fmt_metrics


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .. import _sweep

    t0 = time.perf_counter()
    bunch = _load(args)
    est = exp.make_estimator(args.model, drop_none=False, **_estimator_params(args, verbose=0, model=args.model))
    if not est.get_params().get("early_stopping", False):  # before any output folder or fit
        raise _UsageError(
            "a sweep selects by validation loss, which needs early stopping: drop "
            "--set early_stopping=false"
        )
    out = _out_dir(args, f"{_safe_name(bunch.name)}_{args.model}_sweep")
    split = _split(args, bunch)
    # each value once (--batch-sizes 8,8 fitted twice, counted as two settings)
    batch_sizes, learning_rates, weight_decays = (
        list(dict.fromkeys(v)) for v in (args.batch_sizes, args.learning_rates, args.weight_decays)
    )
    if est.get_params().get("objective") != "paper":
        # a fit splits the part it trains on into ceil(n / batch_size) even batches:
        # batch sizes that give as many batches give the same fit (on nutrimouse,
        # 100 of the paper grid's 125 are one full batch). Not under the paper
        # objective, whose prior terms are divided by the batch size asked for.
        n = len(split.X_train)
        n_fit = n - int(np.ceil(est.get_params().get("validation_fraction", 0.0) * n))
        by_batches: dict[int, list[int]] = {}
        for b in batch_sizes:
            by_batches.setdefault(math.ceil(n_fit / min(b, n_fit)), []).append(b)
        for k, same in by_batches.items():
            if len(same) > 1:
                print(
                    f"note: batch sizes {', '.join(map(str, same))} all split the {n_fit} samples each "
                    "fit trains on into "
                    f"{'one full batch' if k == 1 else f'{k} batches of up to {math.ceil(n_fit / k)}'}: "
                    f"the same fit; only {same[0]} is kept",
                    file=sys.stderr,
                    flush=True,
                )
        batch_sizes = [same[0] for same in by_batches.values()]
    args.batch_sizes, args.learning_rates, args.weight_decays = batch_sizes, learning_rates, weight_decays
    configurations = _sweep.paper_grid(batch_sizes, learning_rates, weight_decays)
    if args.scheduler:
        where = f"Dask scheduler {args.scheduler}"
    elif args.dask_local:
        n = args.dask_local
        where = f"local Dask cluster of {n} worker process{'es' if n > 1 else ''}"
    else:
        where = f"joblib, n_jobs={args.n_jobs}"
    if not args.quiet:
        print(
            f"skpoems sweep: {exp.DISPLAY_NAMES[args.model]} on {bunch.name}: "
            f"{_describe_data(bunch, split)}\n{len(configurations)} configurations "
            f"(batch {args.batch_sizes} x lr {args.learning_rates} x wd "
            f"{args.weight_decays}), max_iter={args.max_iter}, on {where}",
            flush=True,
        )
    if est.get_params().get("objective") == "paper" and len(set(args.batch_sizes)) > 1:
        # (MODELS.md: the prior terms of every batch are divided by batch_size)
        print(
            "note: under objective='paper' (--paper-config) the validation loss holds the "
            "prior terms divided by batch_size, which lowers it for larger batches whatever "
            "the fit: the selection favours large batches (as with the reference code). The default "
            "objective's validation loss does not depend on the batch size.",
            file=sys.stderr,
            flush=True,
        )
    t_sweep = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = None
        if args.scheduler or args.dask_local:
            try:
                backend = _sweep.dask_backend(args.scheduler, args.dask_local)
                client = stack.enter_context(backend)
            except ImportError as exc:
                raise _UsageError(str(exc)) from exc
        # no stale results of an earlier sweep beside this one's, should it fail (and
        # not before the checks above or the scheduler's connection: a command
        # refused, or a scheduler not reached, leaves the folder as it was)
        _clear_previous(out, owned=("sweep_results.csv", "sweep_results.partial.csv", "sweep.json"), recorded=False)
        _clear_previous(out / "best")
        # each finished fit appended to a partial file: Ctrl-C keeps them
        partial = out / "sweep_results.partial.csv"
        partial.unlink(missing_ok=True)

        def keep(record: dict[str, Any]) -> None:
            pd.DataFrame([record]).to_csv(partial, mode="a", header=not partial.exists(), index=False)

        table = _sweep.run_sweep(
            est,
            split.X_train,
            configurations,
            n_jobs=args.n_jobs,
            threads=args.threads,
            client=client,
            progress=not args.quiet,
            on_result=keep,
        )
    sweep_s = time.perf_counter() - t_sweep
    _atomically(out / "sweep_results.csv", lambda path: table.to_csv(path, index=False))
    partial.unlink(missing_ok=True)
    args.sweep_stage = "refit"  # (what an interruption from here on leaves: main's message)
    parameters = ["batch_size", "learning_rate", "weight_decay"]
    best = _sweep.select_best(table, parameters)
    best_row = table.loc[table["validation_loss"].idxmin()]
    failed = int((table["error"] != "").sum())

    # the selected configuration, refitted under the protocol and evaluated on test
    # with as many torch threads as its sweep fit had: the floating-point sums,
    # and so the fit, depend on them (with other threads best/ was another fit)
    best_est = est.set_params(**best, verbose=0 if args.quiet else 1)
    refit_threads = args.threads
    if not refit_threads and "threads" in table and pd.notna(best_row.get("threads")):
        refit_threads = int(best_row["threads"])
    if refit_threads:
        import torch

        torch.set_num_threads(refit_threads)  # _dispatch restores it
    with _pool_limits(refit_threads):
        result = _fit_quietly(lambda: exp.run_protocol(best_est, None, None, split=split))
    sweep_info = {
        "command": ["skpoems", *args.argv],
        "split": _split_info(args, bunch),
        "sweep": {
            "model": args.model,
            # the grid swept (each value once; batch sizes of one full batch, once)
            "grid": {
                "batch_size": list(args.batch_sizes),
                "learning_rate": list(args.learning_rates),
                "weight_decay": list(args.weight_decays),
            },
            # every other parameter of the swept estimator, as resolved
            "parameters": {
                k: v for k, v in est.get_params().items()
                if k not in ("batch_size", "learning_rate", "weight_decay", "verbose")
            },
            "threads_per_fit": refit_threads,
            "n_configurations": len(configurations),
            "failed": failed,
            "backend": where,
            "sweep_s": sweep_s,
            "selected": best,
            "selected_validation_loss": float(best_row["validation_loss"]),
            "results_file": "../sweep_results.csv",  # (from best/metrics.json)
        },
    }
    with _pool_limits(args.threads):
        record = write_run_outputs(
            result,
            bunch,
            args.model,
            out / "best",
            extra=sweep_info,
            figures=not args.no_figures,
            figure_formats=args.figure_format,
            figure_dpi=args.figure_dpi,
            variance_permutations=args.variance_permutations,
        )
    wall = time.perf_counter() - t0
    with _atomic_file(out / "sweep.json") as fh:
        json.dump(
            _jsonable(
                {
                    **sweep_info,
                    "sweep": {**sweep_info["sweep"], "results_file": "sweep_results.csv"},
                    "versions": _versions(),
                    "test_metrics": result.metrics,
                    "wall_s": wall,
                }
            ),
            fh,
            indent=2,
        )
    top = table.sort_values("rank").head(5)[
        [*parameters, "validation_loss", "n_iter", "fit_time_s"]
    ]
    print(
        f"\n{len(configurations)} configurations in {sweep_s:.1f} s"
        f"{f' ({failed} failed)' if failed else ''}; smallest validation losses:\n"
        f"{top.to_string(index=False)}\n\n"
        f"selected: batch_size={best['batch_size']}, "
        f"learning_rate={best['learning_rate']:g}, "
        f"weight_decay={best['weight_decay']:g} (validation loss "
        f"{best_row['validation_loss']:.4g})\n"
        f"test embedding: {_fmt_metrics(result.metrics)}\n"
        f"wrote sweep_results.csv, sweep.json and best/ ({len(record['files'])} files) "
        f"to {out}/; total time {wall:.1f} s"
    )
    # 1 when a configuration failed (its error is in sweep_results.csv), as benchmark
    return 1 if failed else 0
