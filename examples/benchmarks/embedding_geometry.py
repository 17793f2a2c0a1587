"""Does another geometry of the POEMS embedding cluster better than the posterior mean?

For default POEMSTransformer fits of stratified TCGA BRCA splits (the objective
study's protocol), scores the test patients' embedding under several fixed
post-processings with the paper's k-means / k-NN protocol:

* ``mean``: the posterior mean (what ``transform`` returns);
* ``standardised``: each latent dimension scaled to unit variance on the training part;
* ``pca8`` / ``pca16``: the top principal directions of the training embedding;
* ``pullback``: ``Z @ sqrtm(E[J^T J])`` with ``J`` the Jacobian of the concatenated
  decoder means at the training embeddings (central differences with a step of
  0.01 latent units: a secant of the piecewise-linear ReLU decoders), so that
  Euclidean distances approximate distances between reconstructions;
  ``pullback_sigma`` scales each omic's rows of ``J`` by 1/sigma (likelihood
  units), ``pullback_balanced`` by 1/sqrt(n_features) (equal weight per omic),
  and the ``_diag`` variants keep only the diagonal (a per-factor scale that keeps
  factor k of the embedding matched to column k of W);
* ``reconstruction``: the decoded test patients themselves, and PCA of them;
* ``only <omics>``: the posterior mean inferred from a proper subset of the omics
  (the others passed as missing, as for a patient who lacks them), e.g. ``only
  mRNA``: is the fused embedding diluted by omics that carry less of the subtypes?

The mean gating weight of each omic on the training patients is printed too.

It also scores k-means on the training patients' own embeddings (is the test
embedding worse because the encoders do not generalise?), for POEMS and PCA-32.

    python examples/benchmarks/embedding_geometry.py --split-seeds 0,4
    python examples/benchmarks/embedding_geometry.py --split-seeds 0 --max-iter 30   # quick look

One default fit per split (7-15 minutes each with two threads); the README's
"Where the targets of the quality issue stand" reports the numbers of splits 0
and 4.
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skpoems import POEMSTransformer
from skpoems._experiment import load_dataset, split_and_scale
from skpoems.metrics import evaluate_embedding

METRICS = ("kmeans_acc", "kmeans_nmi", "knn_acc")


def _flat(decoded) -> np.ndarray:
    """Every omic's reconstruction side by side (inverse_transform gives one
    table for a model fitted on one, a list per omic for one fitted on a list)."""
    return np.hstack(decoded) if isinstance(decoded, list) else np.asarray(decoded)


def decoder_metric(est: POEMSTransformer, Z: np.ndarray, row_weights: np.ndarray, step: float = 1e-2) -> np.ndarray:
    """``mean_i J_i^T diag(row_weights) J_i`` of the concatenated decoder means at ``Z``."""
    n, k = Z.shape
    columns = []
    for dim in range(k):
        shift = np.zeros(k)
        shift[dim] = step
        up = _flat(est.inverse_transform(Z + shift))
        down = _flat(est.inverse_transform(Z - shift))
        columns.append((up - down) / (2 * step) * np.sqrt(row_weights))
    jac = np.stack(columns, axis=2)  # (n, D, K)
    metric = np.einsum("ndk,ndl->kl", jac, jac) / n
    return metric


def sqrtm_psd(metric: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(metric)
    return vectors @ np.diag(np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def geometries(est: POEMSTransformer, X_train, X_test) -> dict[str, np.ndarray]:
    z_train = est.transform(X_train).astype(np.float64)
    z_test = est.transform(X_test).astype(np.float64)
    dims = est.omic_dims_
    sigmas = [float(torch.exp(noise.log_sigma.detach()).mean()) for noise in est.module_.noises]
    weights = {
        "pullback": np.ones(sum(dims)),
        "pullback_sigma": np.concatenate([np.full(d, 1.0 / s**2) for d, s in zip(dims, sigmas)]),
        "pullback_balanced": np.concatenate([np.full(d, 1.0 / d) for d in dims]),
    }
    out = {
        "mean": z_test,
        "standardised": StandardScaler().fit(z_train).transform(z_test),
        "pca8": PCA(8, random_state=0).fit(z_train).transform(z_test),
        "pca16": PCA(16, random_state=0).fit(z_train).transform(z_test),
    }
    for name, w in weights.items():
        metric = decoder_metric(est, z_train, w)
        out[name] = z_test @ sqrtm_psd(metric)
        out[name + "_diag"] = z_test * np.sqrt(np.diag(metric))
    rec_train = _flat(est.inverse_transform(z_train))
    rec_test = _flat(est.inverse_transform(z_test))
    out["reconstruction"] = rec_test
    for k in (8, 32):
        out[f"reconstruction_pca{k}"] = PCA(k, random_state=0).fit(rec_train).transform(rec_test)
    omics = list(est.omic_names_)
    for size in range(len(omics) - 1, 0, -1):
        for keep in itertools.combinations(omics, size):
            masked = X_test.copy()
            for omic in omics:
                if omic not in keep:
                    masked.loc[:, omic] = np.nan  # a missing omic: all its features NaN
            out["only " + "+".join(keep)] = est.transform(masked)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dataset", default="tcga_brca", choices=("tcga_brca", "nutrimouse"), help="a bundled data set"
    )
    parser.add_argument("--split-seeds", default="0,4", help="comma list of stratified split seeds")
    parser.add_argument("--max-iter", type=int, default=1500)
    parser.add_argument("--random-state", type=int, default=0, help="the model's seed")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    bunch = load_dataset(args.dataset)
    y_all = np.asarray(bunch.target)
    rows = []
    for seed in [int(s) for s in args.split_seeds.split(",")]:
        split = split_and_scale(bunch.data, y_all, stratify=True, random_state=seed)
        y_train, y_test = np.asarray(split.y_train), np.asarray(split.y_test)
        est = POEMSTransformer(max_iter=args.max_iter, random_state=args.random_state)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(split.X_train)
        gating = dict(zip(est.omic_names_, np.asarray(est.gating_weights_).mean(axis=0).round(3).tolist()))
        print(
            f"split {seed}: {est.n_iter_} epochs in {time.perf_counter() - start:.0f} s; "
            f"mean gating weights (training patients) {gating}",
            flush=True,
        )
        for name, emb in geometries(est, split.X_train, split.X_test).items():
            rows.append({"split": seed, "embedding": name, **evaluate_embedding(emb, y_test)})
        pca = PCA(32, random_state=0).fit(split.X_train)
        for name, emb, y in [
            ("train patients: POEMS", est.transform(split.X_train), y_train),
            ("train patients: PCA-32", pca.transform(split.X_train), y_train),
            ("test patients: PCA-32", pca.transform(split.X_test), y_test),
        ]:
            rows.append({"split": seed, "embedding": name, **evaluate_embedding(emb, y)})
    table = pd.DataFrame(rows)
    summary = table.groupby("embedding", sort=False)[list(METRICS)].mean()
    with pd.option_context("display.width", 120, "display.float_format", "{:.3f}".format):
        print(table.pivot(index="embedding", columns="split", values="kmeans_acc").loc[summary.index])
        print("\nmean over splits")
        print(summary)


if __name__ == "__main__":
    main()
