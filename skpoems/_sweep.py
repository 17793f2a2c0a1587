"""Hyper-parameter sweeps selected by validation loss, on joblib or Dask.

The paper tunes batch size, learning rate and weight decay on a grid and keeps
the configuration with the smallest validation loss: each configuration is
fitted on the training part with early stopping (which holds out
``validation_fraction`` of it), and its validation loss is the best one seen,
``-best_validation_score_``. :func:`run_sweep` fits the configurations in
parallel with :class:`joblib.Parallel`, under whichever joblib backend is active:
the default (local processes, ``n_jobs``) or Dask (:func:`dask_backend`, for a
``distributed`` cluster: ``pip install skpoems[distributed]``).

Each task limits torch's intra-op threads (:func:`torch.set_num_threads`) so that
the concurrent fits of one machine share its cores instead of oversubscribing
them: ``threads = max(1, cores // concurrent tasks on that machine)``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from numbers import Integral
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone

__all__ = ["dask_backend", "paper_grid", "run_sweep", "select_best"]

#: the paper's grid (MODELS.md section 1).
PAPER_BATCH_SIZES: tuple[int, ...] = (32, 64, 128, 256, 512)
PAPER_LEARNING_RATES: tuple[float, ...] = (1e-4, 3e-4, 5e-4, 7e-4, 9e-4)
PAPER_WEIGHT_DECAYS: tuple[float, ...] = (1e-4, 3e-4, 5e-4, 7e-4, 9e-4)


def paper_grid(
    batch_sizes: Sequence[int] = PAPER_BATCH_SIZES,
    learning_rates: Sequence[float] = PAPER_LEARNING_RATES,
    weight_decays: Sequence[float] = PAPER_WEIGHT_DECAYS,
) -> list[dict[str, Any]]:
    """All combinations of batch size, learning rate and weight decay.

    Parameters
    ----------
    batch_sizes, learning_rates, weight_decays : sequence
        The values of each parameter (the paper's: 5 x 5 x 5).

    Returns
    -------
    list of dict
        One ``{"batch_size", "learning_rate", "weight_decay"}`` dict per
        configuration, batch size varying slowest.

    Examples
    --------
    >>> from skpoems._sweep import paper_grid
    >>> len(paper_grid())
    125
    >>> paper_grid([32], [1e-4, 3e-4], [1e-4])[1]
    {'batch_size': 32, 'learning_rate': 0.0003, 'weight_decay': 0.0001}
    """
    return [
        {"batch_size": int(b), "learning_rate": float(lr), "weight_decay": float(wd)}
        for b, lr, wd in itertools.product(batch_sizes, learning_rates, weight_decays)
    ]


def available_cores() -> int:
    """CPU cores this process may run on (affinity-aware)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def _task_threads(threads: int | Mapping[str, int] | None) -> int:
    """Torch threads for this task: an int, or looked up by Dask worker address."""
    if isinstance(threads, Integral) and not isinstance(threads, bool):
        return max(1, int(threads))
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return max(1, available_cores())
    if threads and worker.address in threads:
        return max(1, int(threads[worker.address]))
    return max(1, available_cores() // max(1, worker.state.nthreads))


def fit_configuration(
    estimator: Any,
    params: Mapping[str, Any],
    X: Any,
    threads: int | Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Fit one configuration and report its validation loss (a sweep task).

    Parameters
    ----------
    estimator : skpoems estimator
        Cloned, then given ``params``; it must use early stopping.
    params : dict
        The configuration.
    X : DataFrame or array-like
        The (scaled) training part.
    threads : int or dict of str to int, default=None
        Torch threads for the fit; a dict maps Dask worker addresses to threads;
        None uses the cores of the machine divided by the worker's threads.

    Returns
    -------
    dict
        The parameters, ``validation_loss`` (``-best_validation_score_``),
        ``n_iter``, ``best_iter``, ``fit_time_s``, ``threads``, ``host``,
        ``pid`` and ``error`` (an empty string, or the exception's message, in
        which case the loss is NaN).
    """
    import torch

    n_threads = _task_threads(threads)
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    record: dict[str, Any] = dict(params)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = clone(estimator).set_params(**params).fit(X)
        record.update(
            validation_loss=-float(est.best_validation_score_),
            n_iter=int(est.n_iter_),
            best_iter=int(est.best_iter_),
            error="",
        )
    except Exception as exc:  # noqa: BLE001 - one failing configuration must not end the sweep
        record.update(
            validation_loss=math.nan,
            n_iter=0,
            best_iter=0,
            error=f"{type(exc).__name__}: {exc}",
        )
    finally:
        torch.set_num_threads(previous)
    record.update(
        fit_time_s=time.perf_counter() - t0,
        threads=n_threads,
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    return record


def _active_backend_name() -> str:
    backend, _ = joblib.parallel.get_active_backend()
    return type(backend).__name__


def _dask_threads(client: Any) -> dict[str, int]:
    """Worker address -> torch threads: the host's cores / its workers' threads."""
    info = client.scheduler_info(n_workers=-1)["workers"]
    cores = client.run(available_cores)
    per_host: dict[str, int] = {}
    for w in info.values():
        per_host[w["host"]] = per_host.get(w["host"], 0) + int(w["nthreads"])
    return {
        addr: max(1, int(cores.get(addr, 1)) // max(1, per_host[w["host"]]))
        for addr, w in info.items()
    }


def run_sweep(
    estimator: Any,
    X: Any,
    configurations: Sequence[Mapping[str, Any]],
    *,
    n_jobs: int | None = None,
    threads: int | Mapping[str, int] | None = None,
    client: Any = None,
    progress: bool = False,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Fit every configuration on ``X`` and record its validation loss.

    The fits run in :class:`joblib.Parallel` under the active joblib backend:
    local worker processes by default (``n_jobs``), or a Dask cluster inside
    :func:`dask_backend` (``n_jobs`` is then ignored: every worker thread of the
    cluster takes tasks).

    Parameters
    ----------
    estimator : skpoems estimator
        The model with the fixed parameters (``max_iter``, ``random_state``,
        ...); ``early_stopping`` must be on.
    X : DataFrame or array-like
        The training part, already scaled.
    configurations : sequence of dict
        The parameter settings, e.g. :func:`paper_grid`.
    n_jobs : int, default=None
        Concurrent local fits (joblib's meaning: None is 1, -1 all cores).
    threads : int or dict of str to int, default=None
        Torch threads per fit (a dict maps Dask worker addresses to threads).
        None: the machine's cores divided by the concurrent fits on it (at
        least 1).
    client : distributed.Client, default=None
        The Dask client of :func:`dask_backend`, to size threads per worker.
    progress : bool, default=False
        Show a progress bar over configurations.
    on_result : callable, default=None
        Called with each configuration's row (a dict) as it comes back, in
        the given order (e.g. to append it to a file, so that an interrupted
        sweep keeps the fits it finished).

    Returns
    -------
    DataFrame
        One row per configuration, in the given order: the parameters,
        ``validation_loss``, ``n_iter``, ``best_iter``, ``fit_time_s``,
        ``threads``, ``host``, ``pid``, ``error`` and ``rank`` (1 = smallest
        validation loss; failed fits last).
    """
    if not getattr(estimator, "early_stopping", False):
        raise ValueError(
            "The sweep selects by validation loss, which needs early_stopping=True."
        )
    configurations = [dict(c) for c in configurations]
    if not configurations:
        raise ValueError("No configurations to fit.")
    dask = "Dask" in _active_backend_name()
    if threads is None:
        if dask and client is not None:
            threads = _dask_threads(client)
        elif not dask:
            concurrent = min(joblib.effective_n_jobs(n_jobs), len(configurations))
            threads = max(1, available_cores() // max(1, concurrent))
    parallel = joblib.Parallel(
        n_jobs=-1 if dask else n_jobs, return_as="generator", prefer="processes"
    )
    results = parallel(
        joblib.delayed(fit_configuration)(estimator, params, X, threads)
        for params in configurations
    )
    if progress:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(configurations), desc="sweep", unit="fit")
    rows = []
    for record in results:
        rows.append(record)
        if on_result is not None:
            on_result(record)  # (as each fit ends: an interrupted sweep keeps the finished ones)
    table = pd.DataFrame(rows)
    table["rank"] = (
        table["validation_loss"].rank(method="min", na_option="bottom").astype(int)
    )
    return table


def select_best(table: pd.DataFrame, parameters: Sequence[str]) -> dict[str, Any]:
    """The configuration with the smallest finite validation loss.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`run_sweep`.
    parameters : sequence of str
        The columns that are parameters.

    Returns
    -------
    dict
        Parameter name -> value (Python scalars).
    """
    finite = table[np.isfinite(table["validation_loss"].to_numpy(dtype=float))]
    if finite.empty:
        errors = "; ".join(sorted(set(table["error"].astype(str))))
        raise RuntimeError(f"Every configuration failed: {errors}")
    row = finite.loc[finite["validation_loss"].idxmin()]
    return {
        p: (row[p].item() if hasattr(row[p], "item") else row[p]) for p in parameters
    }


@contextlib.contextmanager
def dask_backend(
    scheduler: str | None = None, n_workers: int | None = None
) -> Iterator[Any]:
    """Run joblib on a Dask cluster inside the ``with`` block; yield the client.

    Parameters
    ----------
    scheduler : str, default=None
        Address of a running scheduler (``"tcp://host:8786"``).
    n_workers : int, default=None
        Without ``scheduler``: start a :class:`distributed.LocalCluster` with
        this many worker processes of one thread each (closed at the end).

    Yields
    ------
    distributed.Client
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Dask sweeps need dask.distributed: pip install skpoems[distributed]"
        ) from exc
    cluster = None
    if scheduler is not None:
        client = Client(scheduler, timeout="60s")
    else:
        cluster = LocalCluster(
            n_workers=n_workers or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        with joblib.parallel_config(backend="dask"):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
