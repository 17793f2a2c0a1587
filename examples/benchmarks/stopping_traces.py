"""When should POEMS stop training? Record whole training traces, then replay
stopping rules on them exactly.

Training is the same whichever rule ends it: a rule only decides at which epoch
the fit stops and which epoch's weights it keeps. So one fit per split, run with
patience alone (``convergence_tol=None``), is enough to score every rule that
stops no later: this script stores the fit's per-epoch history (held-out loss,
its smoothed value, epoch time) and the test patients' embedding after every
epoch, then, for each rule, finds its stopping epoch and kept epoch and scores
the kept epoch's test embedding with the paper's protocol (k-means ACC / NMI,
k-NN ACC over the paper's five seeds).

    python examples/benchmarks/stopping_traces.py record --split-seeds 0,1,2 --out-dir traces &
    python examples/benchmarks/stopping_traces.py record --split-seeds 3,4 --out-dir traces
    python examples/benchmarks/stopping_traces.py replay traces

``record`` takes ``--set NAME=JSON`` to trace another configuration (for
example ``--set random_state=1``). ``replay`` prints, for every rule, the mean
over splits of the stopping epoch, the training time up to it (the sum of the
recorded epoch times) and the three scores.

``--dataset planted`` traces the planted data of the interpretation tests
instead (the "split" seed is the data seed; the whole data set is fitted and
traced), and ``replay`` then scores how well the worst planted factor is
recovered at the kept epoch and counts the fits that stopped before learning
every planted factor, the failure a stopping rule that is too eager causes:

    for rs in 0 1 2; do
        python examples/benchmarks/stopping_traces.py record --dataset planted --split-seeds 0,1,2,3 \\
            --set random_state=$rs --out-dir planted
    done
    python examples/benchmarks/stopping_traces.py replay planted
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import ConvergenceWarning

from skpoems import POEMSTransformer
from skpoems._experiment import load_dataset, split_and_scale
from skpoems.datasets import PLANTED_FACTORS, make_multiomics
from skpoems.metrics import evaluate_embedding


class _TracedPOEMS(POEMSTransformer):
    """POEMS that embeds a fixed set of samples at the end of every epoch, right
    after the held-out loss is evaluated, with the weights early stopping would
    keep for that epoch (eval mode, no randomness, so the training trajectory is
    that of an untraced fit)."""

    def _evaluate_loss(self, xs, observed, n_train, module=None, **kwargs):
        result = super()._evaluate_loss(xs, observed, n_train, module, **kwargs)
        if getattr(self, "_trace_omics", None) is not None:
            was_training = self.module_.training
            self.trace_.append(self._embed_omics(self._trace_omics))
            self.module_.train(was_training)
        return result

    def fit_traced(self, X, X_trace):
        """Fit on ``X``; ``trace_[e]`` is the embedding of ``X_trace`` after epoch e + 1."""
        if self.ema_decay > 0:
            raise ValueError("tracing embeds the trained weights, not their average: use ema_decay=0")
        self.trace_ = []
        self._validate_omics(X, reset=True)  # X_trace is checked against X's layout
        self._trace_omics = self._validate_omics(X_trace, reset=False)
        try:
            return self.fit(X)
        finally:
            self._trace_omics = None


# the planted data of tests/test_inspection.py (skpoems.datasets.PLANTED_FACTORS);
# the data seed is the "split" seed of ``record --dataset planted``.
PLANTED = PLANTED_FACTORS


def _traced_data(dataset: str, seed: int):
    """(X_fit, X_trace, labels of X_trace, planted factors of X_trace or None, extra params)."""
    if dataset == "planted":
        X, y, _, latent, _ = make_multiomics(**PLANTED, random_state=seed, as_frame=True, return_components=True)
        # the whole data set is fitted and traced: factor recovery is judged on it
        return X, X, np.asarray(y), latent, {"n_components": PLANTED["n_components"]}
    bunch = load_dataset(dataset)
    split = split_and_scale(bunch.data, bunch.target, stratify=True, random_state=seed)
    return split.X_train, split.X_test, np.asarray(split.y_test), None, {}


def record(args) -> None:
    torch.set_num_threads(args.threads)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for seed in [int(s) for s in args.split_seeds.split(",")]:
        X_fit, X_trace, y, latent, extra = _traced_data(args.dataset, seed)
        params = {"random_state": 0, "convergence_tol": None, "max_iter": args.max_iter, **extra}
        for item in args.set:
            name, value = item.split("=", 1)
            params[name] = json.loads(value)
        est = _TracedPOEMS(**params)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit_traced(X_fit, X_trace)
        # the kept epoch's trace is the fitted model's embedding (a check of the hook)
        gap = float(np.abs(est.transform(X_trace) - est.trace_[est.best_iter_ - 1]).max())
        stem = args.out_dir / f"{args.dataset}_split{seed}_rs{params['random_state']}"
        pd.DataFrame(est.history_).to_csv(f"{stem}_history.csv", index=False)
        arrays = {"embeddings": np.stack(est.trace_).astype(np.float32), "y_test": y}
        if latent is not None:
            arrays["latent"] = latent
        np.savez_compressed(f"{stem}_trace.npz", **arrays)
        Path(f"{stem}_params.json").write_text(
            json.dumps({**params, "n_iter": est.n_iter_, "best_iter": est.best_iter_})
        )
        print(
            f"split {seed}: {est.n_iter_} epochs (best {est.best_iter_}) in {time.perf_counter() - t0:.0f} s; "
            f"kept epoch's trace vs transform: max |diff| {gap:.2g}",
            flush=True,
        )


def factor_recovery(Z: np.ndarray, latent: np.ndarray) -> float:
    """The worst-recovered planted factor: the smallest |correlation| between a
    planted factor and the learned factor matched to it (Hungarian matching)."""
    K = Z.shape[1]
    C = np.nan_to_num(np.abs(np.corrcoef(Z.T, latent.T)[:K, K:]))
    rows, cols = linear_sum_assignment(-C)
    return float(C[rows, cols].min())


# ----------------------------------------------------------------- replay
def patience_rule(criteria: np.ndarray, patience: int = 30) -> int:
    """Stopping epoch (1-based) of "no new minimum for ``patience`` epochs"."""
    best, since = np.inf, 0
    for t, c in enumerate(criteria):
        if c < best:
            best, since = c, 0
        else:
            since += 1
        if since >= patience:
            return t + 1
    return len(criteria)


def convergence_rule(criteria: np.ndarray, tol: float, window: int) -> int:
    """Stopping epoch of the relative convergence test (``convergence_tol``): the
    last ``window`` epochs' fall below ``tol`` times the fall since epoch 1."""
    stop = patience_rule(criteria)
    for t in range(window, stop):
        if criteria[t - window] - criteria[t] < tol * (criteria[0] - criteria[t]):
            return t + 1
    return stop


def kept_epoch(criteria: np.ndarray, stop: int) -> int:
    """The epoch (1-based) whose weights a fit stopped at ``stop`` keeps."""
    return int(np.argmin(criteria[:stop])) + 1


RULES = {
    "patience 30 (before convergence_tol)": lambda c: patience_rule(c),
    **{
        f"convergence_tol={tol:g}, window {w}": (lambda c, tol=tol, w=w: convergence_rule(c, tol, w))
        for w in (60, 100)
        for tol in (0.001, 0.002, 0.003, 0.005, 0.01)
    },
    **{f"fixed {n} epochs": (lambda c, n=n: min(n, patience_rule(c))) for n in (300, 500, 700, 900)},
}


def replay(args) -> None:
    rows = []
    for hist_path in sorted(Path(args.trace_dir).glob("*_history.csv")):
        stem = str(hist_path)[: -len("_history.csv")]
        hist = pd.read_csv(hist_path)
        trace = np.load(f"{stem}_trace.npz")
        embeddings, y = trace["embeddings"], trace["y_test"]
        column = "monitored_smoothed" if "monitored_smoothed" in hist else "validation_loss"
        criteria = hist[column].to_numpy()
        times = hist["time_s"].to_numpy()
        for name, rule in RULES.items():
            stop = rule(criteria)
            keep = kept_epoch(criteria, stop)
            if "latent" in trace:  # planted data: is every planted factor learned?
                scores = {"factor_recovery": factor_recovery(embeddings[keep - 1], trace["latent"])}
            else:
                scores = evaluate_embedding(embeddings[keep - 1], y, n_init=args.kmeans_n_init)
            rows.append(
                {
                    "split": Path(stem).name,
                    "rule": name,
                    "stop": stop,
                    "kept": keep,
                    "train_s": float(times[:stop].sum()),
                    **{k: scores[k] for k in ("kmeans_acc", "kmeans_nmi", "knn_acc", "factor_recovery") if k in scores},
                }
            )
    table = pd.DataFrame(rows)
    if args.out is not None:
        table.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 3):
        if args.per_split:
            print(table.to_string(index=False))
        scores = [c for c in ("kmeans_acc", "kmeans_nmi", "knn_acc", "factor_recovery") if c in table]
        summary = table.groupby("rule", sort=False)[["stop", "train_s", *scores]]
        print(summary.agg(["mean", "std"]))
        if "factor_recovery" in table:
            failed = table.assign(failed=table["factor_recovery"] < 0.5).groupby("rule", sort=False)["failed"].sum()
            print("fits with a planted factor not learned (|corr| < 0.5) at the kept epoch, per rule:")
            print(failed.to_string())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="fit and store the traces")
    rec.add_argument("--dataset", default="tcga_brca", choices=("tcga_brca", "nutrimouse", "planted"))
    rec.add_argument("--split-seeds", default="0,1,2,3,4")
    rec.add_argument("--max-iter", type=int, default=5000)
    rec.add_argument("--threads", type=int, default=1)
    rec.add_argument("--set", action="append", default=[], metavar="NAME=JSON")
    rec.add_argument("--out-dir", type=Path, required=True)
    rep = sub.add_parser("replay", help="score every stopping rule on stored traces")
    rep.add_argument("trace_dir", type=Path)
    rep.add_argument("--per-split", action="store_true")
    rep.add_argument(
        "--kmeans-n-init", type=int, default=10, help="k-means initialisations per seed (the protocol: 10)"
    )
    rep.add_argument("--out", type=Path, default=None, help="CSV of every (split, rule) row")
    args = parser.parse_args(argv)
    {"record": record, "replay": replay}[args.command](args)


if __name__ == "__main__":
    main()
