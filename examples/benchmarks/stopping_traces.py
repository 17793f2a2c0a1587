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
from sklearn.exceptions import ConvergenceWarning

from skpoems import POEMSTransformer
from skpoems._experiment import load_dataset, split_and_scale
from skpoems.metrics import evaluate_embedding


class _TracedPOEMS(POEMSTransformer):
    """POEMS that embeds a fixed set of samples at the end of every epoch, right
    after the held-out loss is evaluated, with the weights early stopping would
    keep for that epoch (eval mode, no randomness, so the training trajectory is
    that of an untraced fit)."""

    def _evaluate_loss(self, xs, observed, n_train, module):
        result = super()._evaluate_loss(xs, observed, n_train, module)
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


def record(args) -> None:
    torch.set_num_threads(args.threads)
    params = {"random_state": 0, "convergence_tol": None, "max_iter": args.max_iter}
    for item in args.set:
        name, value = item.split("=", 1)
        params[name] = json.loads(value)
    bunch = load_dataset(args.dataset)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for seed in [int(s) for s in args.split_seeds.split(",")]:
        split = split_and_scale(bunch.data, bunch.target, stratify=True, random_state=seed)
        est = _TracedPOEMS(**params)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit_traced(split.X_train, split.X_test)
        # the kept epoch's trace is the fitted model's embedding (a check of the hook)
        gap = float(np.abs(est.transform(split.X_test) - est.trace_[est.best_iter_ - 1]).max())
        stem = args.out_dir / f"{args.dataset}_split{seed}"
        pd.DataFrame(est.history_).to_csv(f"{stem}_history.csv", index=False)
        np.savez_compressed(
            f"{stem}_trace.npz",
            embeddings=np.stack(est.trace_).astype(np.float32),
            y_test=np.asarray(split.y_test),
        )
        (Path(f"{stem}_params.json")).write_text(json.dumps({**params, "n_iter": est.n_iter_, "best_iter": est.best_iter_}))
        print(
            f"split {seed}: {est.n_iter_} epochs (best {est.best_iter_}) in {time.perf_counter() - t0:.0f} s; "
            f"kept epoch's trace vs transform: max |diff| {gap:.2g}",
            flush=True,
        )


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
        for tol in (0.002, 0.005, 0.01, 0.02)
        for w in (60,)
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
            scores = evaluate_embedding(embeddings[keep - 1], y)
            rows.append(
                {
                    "split": Path(stem).name,
                    "rule": name,
                    "stop": stop,
                    "kept": keep,
                    "train_s": float(times[:stop].sum()),
                    **{k: scores[k] for k in ("kmeans_acc", "kmeans_nmi", "knn_acc")},
                }
            )
    table = pd.DataFrame(rows)
    if args.out is not None:
        table.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 3):
        if args.per_split:
            print(table.to_string(index=False))
        summary = table.groupby("rule", sort=False)[["stop", "train_s", "kmeans_acc", "kmeans_nmi", "knn_acc"]]
        print(summary.agg(["mean", "std"]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="fit and store the traces")
    rec.add_argument("--dataset", default="tcga_brca")
    rec.add_argument("--split-seeds", default="0,1,2,3,4")
    rec.add_argument("--max-iter", type=int, default=5000)
    rec.add_argument("--threads", type=int, default=1)
    rec.add_argument("--set", action="append", default=[], metavar="NAME=JSON")
    rec.add_argument("--out-dir", type=Path, required=True)
    rep = sub.add_parser("replay", help="score every stopping rule on stored traces")
    rep.add_argument("trace_dir", type=Path)
    rep.add_argument("--per-split", action="store_true")
    rep.add_argument("--out", type=Path, default=None, help="CSV of every (split, rule) row")
    args = parser.parse_args(argv)
    {"record": record, "replay": replay}[args.command](args)


if __name__ == "__main__":
    main()
