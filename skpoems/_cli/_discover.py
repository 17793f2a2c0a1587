"""``skpoems discover``: subtypes of a cohort without labels: the model fitted on
every sample, k-means clusters of its embedding and each cluster's marker
features."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .. import _experiment as exp
from ._data import _check_empty_omics, _check_stray_missing, _label_names, _load, _note_many_features
from ._errors import _DataError, _in_cli_terms, _UsageError
from ._estimator import _estimator_params, _fit_quietly
from ._outputs import STAGING, _atomically, _data_folder, _out_dir, _publish, _safe_name, write_run_outputs
from ._summary import _STOP_REASONS, _preprocessing_note


def _elbo_columns(model: Any, X: Any, observed: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """clusters.csv's ``elbo`` column (POEMS, POEM: ``score_samples``) and, where
    a sample lacks an omic, ``omics_observed`` (every model): an ELBO sums over
    the features of the omics a sample has, so only samples with the same omics
    compare, and clusters that follow which omics samples have are worth
    knowing of. NaN, with a warning, where the model cannot score the samples
    (the clusters are written all the same)."""
    if observed is None:
        observed = model._validate_omics(X, reset=False).observed
    if not hasattr(model, "score_samples"):
        return {} if observed.all() else {"omics_observed": observed.sum(axis=1)}
    try:
        with warnings.catch_warnings():  # (said by transform, of the same samples)
            warnings.filterwarnings("ignore", message="Omic .* samples have values beyond")
            elbo = np.asarray(model.score_samples(X), dtype=np.float64)
    except ValueError as exc:
        warnings.warn(f"No ELBO in clusters.csv: {exc}", RuntimeWarning, stacklevel=2)
        elbo = np.full(len(observed), np.nan)
    columns = {"elbo": elbo}
    if not observed.all():
        columns["omics_observed"] = observed.sum(axis=1)
    return columns


def _clusters_of_missing_omics(
    observed: np.ndarray, clusters: np.ndarray, cluster_names: list[str], omic_names: list[str]
) -> dict[str, dict[str, int]] | None:
    """Per cluster, how many of its samples lack each omic (None where no sample
    lacks one), with a warning for a cluster made of samples that lack an omic
    most samples have: such clusters can follow which omics the samples have
    rather than their biology (a short fit on TCGA BRCA with 27% of the
    patients lacking miRNA gave a cluster of 37 patients, all without it)."""
    if observed.all():
        return None
    table = {
        name: {omic: int((~observed[clusters == c, v]).sum()) for v, omic in enumerate(omic_names)}
        for c, name in enumerate(cluster_names)
    }
    overall = (~observed).mean(axis=0)
    for c, name in enumerate(cluster_names):
        members = clusters == c
        size = int(members.sum())
        for v, omic in enumerate(omic_names):
            lacking = int((~observed[members, v]).sum())
            if size >= 5 and lacking >= 0.9 * size and overall[v] <= 0.5:
                warnings.warn(
                    f"{lacking} of the {size} samples of {name} lack omic {omic!r} "
                    f"({overall[v]:.0%} of all samples do): this cluster may follow which omics "
                    "the samples have rather than their biology. Check that the samples that "
                    "have every omic cluster alike (clusters.csv: omics_observed), or train "
                    "longer (a fit that stopped early leans on the missing pattern most).",
                    UserWarning,
                    stacklevel=2,
                )
    return table


def _choose_clusters(Z: np.ndarray, n_clusters: int | str) -> tuple[Any, dict[int, float]]:
    """The fitted k-means of ``Z`` (10 initialisations, seed 0) and the
    silhouette of each k tried (over 5000 samples drawn with seed 0 where there
    are more): ``n_clusters``, or with "auto" every k in 2..10
    (at most n_samples - 1), keeping the highest silhouette. The clusters are
    numbered by size, largest first, in ``labels_`` and in ``predict``."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(Z)
    ks = [n_clusters] if n_clusters != "auto" else list(range(2, min(10, n - 1) + 1))
    if not ks or ks[-1] >= n:
        raise _UsageError(f"cannot cluster {n} samples into {ks[-1] if ks else 2} or more clusters.")
    best, scores = None, {}
    for k in ks:
        kmeans = KMeans(n_clusters=k, n_init=10, random_state=0).fit(Z)
        labels = kmeans.labels_
        # (pairwise distances: quadratic in samples; above 5000, a fixed sample of 5000)
        sample = dict(sample_size=5000, random_state=0) if n > 5000 else {}
        scores[k] = float(silhouette_score(Z, labels, **sample)) if len(set(labels)) > 1 else float("nan")
        if best is None or scores[k] > scores[best.n_clusters]:
            best = kmeans
    order = np.argsort(-np.bincount(best.labels_, minlength=best.n_clusters), kind="stable")
    best.cluster_centers_ = best.cluster_centers_[order]  # predict numbers them so too
    best.labels_ = np.argsort(order)[best.labels_]
    return best, scores


def _cmd_discover(args: argparse.Namespace) -> int:
    from sklearn.base import clone
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from ..inspection import group_markers

    t0 = time.perf_counter()
    # the labels only check the clusters: they do not decide who is clustered
    bunch = _load(args, require_labels=False, keep_unlabelled=True)
    if getattr(bunch, "is_train", None) is not None:
        bunch.is_train = None  # every sample is fitted: a given split does not apply
    labelled: np.ndarray | None = None  # which samples have a label, where not all
    if bunch.target is not None and pd.Series(bunch.target).isna().any():
        labelled = pd.Series(bunch.target).notna().to_numpy()
    out = _out_dir(args, f"{_safe_name(bunch.name)}_{args.model}_subtypes")
    est = exp.make_estimator(
        args.model, drop_none=False, **_estimator_params(args, verbose=0 if args.quiet else 1, model=args.model)
    )
    _note_many_features(args, bunch)
    _check_empty_omics(bunch)
    if args.impute is None:
        _check_stray_missing(bunch, "all samples")
    try:
        prepared = exp.preprocess_all(bunch.data, impute=args.impute, top_variance=args.top_variance, log=args.log)
    except ValueError as exc:
        raise _DataError(f"cannot prepare {bunch.name}: {_in_cli_terms(str(exc))}") from exc
    name = exp.DISPLAY_NAMES[args.model]
    n = len(bunch.data)
    dims = ", ".join(f"{o} {d}" for o, d in zip(bunch.omic_names, bunch.omic_dims, strict=True))
    described = f"{n} samples, {sum(bunch.omic_dims)} features in {len(bunch.omic_dims)} omics ({dims})"
    described += _preprocessing_note(bunch, prepared)
    if not args.quiet:
        print(f"skpoems discover: {name} on {bunch.name}: {described}", flush=True)
    unlabelled = [line for line in str(getattr(bunch, "DESCR", "")).splitlines() if line.startswith("Unlabelled: ")]
    if labelled is not None and unlabelled:
        print(
            "note: " + unlabelled[0][len("Unlabelled: "):].split(" (kept")[0]
            + ": they are clustered, and left out of the comparison with the labels",
            file=sys.stderr,
            flush=True,
        )
    if args.n_clusters != "auto" and args.n_clusters >= n:  # before training, not after
        raise _UsageError(f"cannot cluster {n} samples into {args.n_clusters} or more clusters.")
    t_fit = time.perf_counter()
    fitted = _fit_quietly(lambda: clone(est).fit(prepared.X_train))
    fit_s = time.perf_counter() - t_fit
    Z = fitted.transform(prepared.X_train)
    kmeans, silhouettes = _choose_clusters(np.asarray(Z, dtype=np.float64), args.n_clusters)
    clusters = kmeans.labels_
    k = int(kmeans.n_clusters)
    cluster_names = [f"cluster {c + 1}" for c in range(k)]
    index = bunch.data.index if isinstance(bunch.data, pd.DataFrame) else pd.RangeIndex(n)
    index = index.rename(index.name or "sample")
    embedding = pd.DataFrame(Z, index=index, columns=[str(c) for c in fitted.get_feature_names_out()])

    # the run's outputs and figures, with the clusters as the groups
    split = exp.Split(prepared.X_train, prepared.X_train, clusters, clusters, prepared.scaler,
                      prepared.is_train, prepared.imputer, prepared.log, prepared.columns)
    result = exp.ProtocolResult(fitted, split, embedding, {}, {"fit_s": fit_s})
    groups = Bunch(**{**bunch, "target": clusters, "target_names": cluster_names})
    record = write_run_outputs(
        result, groups, args.model, out, figures=not args.no_figures,
        figure_formats=args.figure_format, figure_dpi=args.figure_dpi, split_table=False,
        variance_permutations=args.variance_permutations,
        extra={"command": ["skpoems", *args.argv], **_data_folder(args)},
        write_record=False,  # last, once clusters.csv, subtypes.joblib and the markers are written
    )
    # the record describes the data (not the clusters that stood in for labels
    # above), and nothing was held out
    record["dataset"]["target_names"] = (
        None if bunch.target_names is None or bunch.target is None else [str(t) for t in bunch.target_names]
    )
    record.pop("metrics", None)
    record["training"].pop("n_test", None)
    table = pd.DataFrame({"cluster": np.asarray(cluster_names, dtype=object)[clusters]}, index=index)
    clustering: dict[str, Any] = {
        "method": "k-means on the embedding (n_init=10, random_state=0)",
        "n_clusters": k,
        "chosen_by": "given" if args.n_clusters != "auto" else "highest silhouette, k = 2..10",
        "silhouette": {str(kk): v for kk, v in silhouettes.items()},
        "sizes": {cluster_names[c]: int((clusters == c).sum()) for c in range(k)},
    }
    n_known = n if labelled is None else int(labelled.sum())
    if bunch.target is not None and n_known < 2:
        # (scikit-learn scores no samples as a perfect agreement: 1.0)
        print(
            f"note: the folder's labels name {n_known} of the {n} samples, too few to compare "
            "the clusters with (no ARI or NMI). If the label file names the samples otherwise "
            "(TCGA barcodes: 12 characters name a patient, 15 or 16 a sample), cut the names "
            "to one length with --sample-name-length.",
            file=sys.stderr,
            flush=True,
        )
    if bunch.target is not None and n_known >= 2:
        known = np.ones(n, dtype=bool) if labelled is None else labelled
        codes = np.asarray(bunch.target)[known].astype(np.int64)
        labels = np.full(n, None, dtype=object)
        labels[known] = _label_names(codes, bunch.target_names)
        table["label"] = labels
        clustering["against_labels"] = {
            "adjusted_rand_index": float(adjusted_rand_score(labels[known], clusters[known])),
            "nmi": float(normalized_mutual_info_score(labels[known], clusters[known])),
            "n_labelled": int(known.sum()),
            # every cluster, those without a labelled sample too
            "crosstab": pd.crosstab(table["cluster"], table["label"])
            .reindex(cluster_names, fill_value=0).to_dict(orient="index"),
        }
    # how well the model explains each sample (POEMS, POEM): the lowest are worth
    # a look (outliers, an omic on another scale or of another patient)
    observed = fitted._validate_omics(prepared.X_train, reset=False).observed
    for column, values in _elbo_columns(fitted, prepared.X_train, observed).items():
        table[column] = values
    lacking = _clusters_of_missing_omics(observed, clusters, cluster_names, list(fitted.omic_names_))
    if lacking is not None:
        clustering["samples_lacking_each_omic"] = lacking
    stage = out / STAGING  # (write_run_outputs's: published with these files below)
    table.to_csv(stage / "clusters.csv")
    # the subtypes of new patients: skpoems embed MODEL_FOLDER --data NEW (or
    # joblib.load("subtypes.joblib").predict(new.data) + 1 = cluster number)
    subtypes = prepared.pipeline(fitted)
    subtypes.steps.append(("kmeans", kmeans))
    _atomically(stage / "subtypes.joblib", lambda file: joblib.dump(subtypes, file))
    # every feature is tested and ranked; the file keeps the 50 best per cluster and
    # omic, the printout each omic's best that is higher in the cluster, wherever it ranks
    markers = group_markers(prepared.X_train, clusters, target_names=cluster_names, test=args.marker_test)
    markers.insert(3, "rank", markers.groupby(["group", "omic"], sort=False).cumcount() + 1)
    kept = markers[markers["rank"] <= 50].rename(columns={"group": "cluster"})
    kept.to_csv(stage / "cluster_markers.csv", index=False)
    record["files"] = ["clusters.csv", "cluster_markers.csv", "subtypes.joblib", *record["files"]]
    clustering["marker_q_values"] = _MARKER_CAVEAT
    record["clustering"] = clustering
    if "reconstruction_r2" in record:
        record["reconstruction_r2_of"] = "every sample (the fitted ones: no test part)"
    record["timings"]["wall_s"] = time.perf_counter() - t0
    _publish(out, record)

    tr = record["training"]
    sil = ", ".join(f"{kk} {v:.3f}" for kk, v in silhouettes.items())
    lines = [
        f"{name} on {bunch.name}: {described}",
        f"trained {tr.get('n_iter', '?')} epochs (best {tr.get('best_iter', '?')}"
        f"{', ' + _STOP_REASONS.get(tr['stop_reason'], tr['stop_reason']) if tr.get('stop_reason') else ''}) "
        f"in {fit_s:.1f} s on {tr.get('device', '?')}",
        f"{k} clusters (k-means of the embedding; silhouette by k: {sil}): "
        + ", ".join(f"{c} {v}" for c, v in clustering["sizes"].items()),
    ]
    if "against_labels" in clustering:
        agree = clustering["against_labels"]
        of = "" if labelled is None else f" ({agree['n_labelled']} of the {n} samples have one)"
        lines.append(
            f"against the labels{of}: ARI {agree['adjusted_rand_index']:.3f}, NMI {agree['nmi']:.3f}; "
            "samples per cluster and label:"
        )
        crosstab = pd.DataFrame(agree["crosstab"]).T.reindex(cluster_names)
        lines.extend("  " + line for line in crosstab.to_string().splitlines())
    test_name, statistic = (
        ("Welch t-test", "t") if args.marker_test == "welch" else ("Wilcoxon rank-sum test", "z")
    )
    lines.append(
        f"markers per cluster, the strongest higher in it per omic ({test_name} against the other "
        "samples; cluster_markers.csv ranks both directions, the 50 best per omic):"
    )
    lines.extend(_marker_lines(markers, cluster_names, statistic))
    lines.append(f"  ({_MARKER_CAVEAT})")
    lines.append(f"wrote {len(record['files'])} files to {out}/")
    lines.append(f"total time {record['timings']['wall_s']:.1f} s")
    print("\n".join(lines), flush=True)
    return 0


#: how to read the q-values of discover's markers (printed, and in metrics.json)
_MARKER_CAVEAT = (
    "the clusters were found in these samples, so their markers' q-values are optimistic: "
    "a ranking to confirm on other patients, not a significance level"
)


def _marker_lines(markers: pd.DataFrame, cluster_names: list[str], statistic: str) -> list[str]:
    """One printed line per cluster: each omic's best-ranked marker that is higher
    in the cluster (what "a cluster's marker" means to a reader; the lower ones are
    in the file), wherever it ranks, else (no feature of the omic higher) its
    first; none where the cluster or the others have fewer than 2 samples with
    the omic: no test. ``markers``: every feature's row, with its ``rank``."""
    lines = []
    for c in cluster_names:
        tested = markers[(markers["group"] == c) & markers[statistic].notna()].sort_values("rank", kind="stable")
        top = []
        for _, part in tested.groupby("omic", sort=False):
            higher = part[part["difference"] > 0]
            r = next((higher if len(higher) else part).itertuples())
            where = f", rank {r.rank}" if r.rank > 50 else ""
            if not len(higher):
                where += f"; no {r.omic} feature higher in it"
            top.append(
                f"{r.omic} {r.feature} ({'+' if r.difference > 0 else '-'}{abs(r.difference):.2f}, "
                f"q={r.q_value:.1g}{where})"
            )
        lines.append(f"  {c}: " + (", ".join(top) or "no test (too few samples)"))
    return lines
