"""The figures of a run (``figures/*.png``, ``.pdf``, ``.svg``), drawn with
:mod:`skpoems.plotting`."""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _experiment as exp
from ._data import _label_names

#: vector figures whose text stays text (editable in Illustrator or Inkscape),
#: and the same SVG ids every run
_EDITABLE_TEXT = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "skpoems"}


#: no creation date in the files, so that the same run writes the same bytes
_NO_DATE = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}


def _has_components(est: Any) -> bool:
    try:
        return getattr(est, "components_", None) is not None
    except AttributeError:  # POEM raises on purpose
        return False


def _plotting(name: str) -> Callable:
    try:
        from .. import plotting
    except ImportError as exc:
        raise RuntimeError(f"skpoems.plotting is not available ({exc})") from exc
    fn = getattr(plotting, name, None)
    if fn is None:
        raise RuntimeError(f"skpoems.plotting has no function {name}")
    return fn


def _short_output_names(est: Any, names: Sequence[str]) -> list[str]:
    """``poemstransformer7`` -> ``7``; MOCSS names (``gene_specific0``) stay."""
    prefix = type(est).__name__.lower()
    return [n[len(prefix) :] if n.startswith(prefix) else str(n) for n in names]


def _top_factors(est: Any, attributions: dict | None = None, n: int = 4) -> list[int]:
    """The ``n`` strongest factors: decoder attributions where given (each
    factor's weighed by its standard deviation, as ``top_features`` does), else
    ``|W|``, as each omic's share per factor, averaged over the omics.

    Shares, not sums: summed over features, an omic of 20,000 genes would
    outvote one of 500 miRNAs whatever the factors do, so the figure would show
    the factors of the largest omic only."""
    from ..inspection import _attribution_spread

    spread = (
        None if attributions is None
        else _attribution_spread(attributions, np.shape(next(iter(attributions.values())))[1])
    )
    blocks = (
        [np.asarray(A, dtype=float) * (1.0 if spread is None else spread) for A in attributions.values()]
        if attributions is not None
        else [np.abs(W) for W in est.components_]
    )
    shares = []
    for A in blocks:
        per_factor = np.asarray(A, dtype=float).sum(axis=0)
        total = per_factor.sum()
        if np.isfinite(total) and total > 0:
            shares.append(per_factor / total)
    strength = np.mean(shares, axis=0) if shares else np.zeros(len(est.get_feature_names_out()))
    return [int(k) for k in np.argsort(-strength, kind="stable")[:n]]


def write_figures(
    result: exp.ProtocolResult,
    bunch,
    folder: Path,
    *,
    variance_table: pd.DataFrame | None = None,
    formats: Sequence[str] = ("png",),
    not_applicable: dict[str, str] | None = None,
    attributions: dict | None = None,
    dpi: int = 150,
) -> tuple[list[str], dict[str, str]]:
    """Write the paper's figures for one result; a failing figure is skipped.

    Each figure is drawn once and saved in every one of ``formats`` ("png" at
    ``dpi``; "pdf" and "svg" as vector graphics, for a paper: text as editable
    text, TrueType in PDF and ``<text>`` in SVG, and no creation date, so that
    the same run writes the same bytes).

    ``variance_table``: the test part's ``variance_explained`` table when it was
    already computed (it is the slowest output), else it is computed here.
    ``attributions``: the decoder attributions that ``top_features.csv`` ranks
    by (``inspection.decoder_attributions`` at the training part); the top
    features figures then rank by them too, for every model with a decoder,
    else by ``|W|`` (models with W only).

    Returns the written file names and, for each skipped figure, why. The
    figures that do not apply to the model (no W, no gating) are put in
    ``not_applicable``, when given, with the reason.
    """
    not_applicable = {} if not_applicable is None else not_applicable
    try:
        import matplotlib

        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        reason = "matplotlib is not installed (pip install skpoems[plot])"
        warnings.warn(f"No figures written: {reason}.", RuntimeWarning, stacklevel=2)
        return [], {"all": reason}

    est = result.estimator
    split = result.split
    Z = result.embedding.to_numpy()
    y = np.asarray(split.y_test)
    target_names = bunch.target_names
    omics = list(getattr(est, "omic_names_", bunch.omic_names))
    n_omics = len(omics)
    has_w = _has_components(est)

    # which samples the figures show: the held-out test part (run), or every
    # sample (discover, whose "test" part is all of them)
    shown = "every sample" if split.X_test is split.X_train else "test samples"

    def embedding(fig):
        ax = fig.subplots()
        _plotting("plot_embedding")(
            Z, y, method="tsne", target_names=target_names, random_state=0, ax=ax
        )
        ax.set_title(f"{ax.get_title()} ({shown}, n={len(Z)})")

    def heatmap(fig):
        ax = fig.subplots()
        _plotting("plot_embedding_heatmap")(
            Z,
            _label_names(y, target_names),
            feature_names=_short_output_names(est, result.embedding.columns),
            ax=ax,
        )

    def correlations(fig):
        axes = fig.subplots(1, 2)
        # centred where it can be (3 subtypes or more): uncentred, the subtypes'
        # mean profiles share the overall mean and every pair correlates near 1
        _plotting("plot_subtype_correlations")(
            split.X_test, Z, y, target_names=target_names, axes=axes,
            center=len(np.unique(np.asarray(y)[~pd.isna(y)])) >= 3,
        )

    def gating(fig):
        ax = fig.subplots()
        _plotting("plot_gating_weights")(
            est.transform_gating(split.X_test),
            # (discover's groups are its clusters: "Samples grouped by cluster")
            pd.Series(y, name="cluster", index=getattr(split.X_test, "index", None)) if shown == "every sample" else y,
            omic_names=omics,
            target_names=target_names,
            ax=ax,
        )

    # many omics: panels in rows of three (top features) or two (activation maps)
    top_cols = min(n_omics, 3)
    top_rows = math.ceil(n_omics / top_cols)
    map_cols = 1 if n_omics <= 4 else 2
    map_rows = math.ceil(n_omics / map_cols)

    def grid(fig, rows, cols):
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        for ax in axes[n_omics:]:
            ax.set_axis_off()
        return axes[:n_omics]

    def top_features(fig):
        axes = grid(fig, top_rows, top_cols)
        fn = _plotting("plot_top_features")
        for omic, ax in zip(omics, axes, strict=True):
            fn(est, n=10, omic=omic, ax=ax, attributions=attributions)

    def factor_features(fig):
        factors = _top_factors(est, attributions)
        axes = np.atleast_1d(
            fig.subplots(2, 2) if len(factors) == 4 else fig.subplots(1, len(factors))
        ).ravel()
        fn = _plotting("plot_factor_features")
        for factor, ax in zip(factors, axes, strict=True):
            fn(est, factor, n=5, ax=ax, attributions=attributions)
        # one legend of the omics' colours (the same in every panel), top right
        for ax in [a for i, a in enumerate(axes) if i != min(1, len(axes) - 1)]:
            if ax.get_legend() is not None:
                ax.get_legend().remove()

    def activation(fig):
        axes = grid(fig, map_rows, map_cols)
        fn = _plotting("plot_activation_map")
        for omic, ax in zip(omics, axes, strict=True):
            fn(est, omic, threshold=0.01, ax=ax)

    def variance(fig):
        try:
            from ..inspection import variance_explained
        except ImportError as exc:
            raise RuntimeError(f"skpoems.inspection is not available ({exc})") from exc
        fn = _plotting("plot_variance_explained")
        r2 = variance_table if variance_table is not None else variance_explained(est, split.X_test, random_state=0)
        fn(r2, ax=fig.subplots())

    def history(fig):
        _plotting("plot_training_history")(est, ax=fig.subplots())

    model = type(est).__name__
    no_w = None if has_w else f"{model} has no sparse W (components_)"
    # the gating figure's legend of omic names beside the bars: wider for long names
    # (a legend of 30-letter names took half of the plot's 7 inches)
    longest = max((min(len(str(o)), 32) for o in est.omic_names_), default=0)
    legend_inches = 0.075 * max(0, longest - 10)
    # (name, size, draw, why the figure does not apply to this model, or None)
    specs: list[tuple[str, tuple[float, float], Callable, str | None]] = [
        ("embedding_tsne", (6.5, 5), embedding, None),
        ("embedding_heatmap", (9, 5), heatmap, None),
        ("subtype_correlations", (11, 4.8), correlations, None),
        ("gating_weights", (7 + legend_inches, 4.5), gating,
         f"{model} has no gating network" if not hasattr(est, "transform_gating")
         else "one omic: its gating weight is 1 for every sample" if n_omics == 1 else None),
        ("top_features", (5.5 * top_cols, 4.5 * top_rows), top_features,
         None if attributions is not None else no_w),
        ("factor_features", (13, 11), factor_features,
         None if attributions is not None else no_w),
        ("activation_maps", (12 * map_cols, 3.0 * map_rows + 0.5), activation, no_w),
        ("variance_explained", (7, 4.5), variance,
         f"{model} has no decoder" if not hasattr(est, "module_")
         else "the factors' shares were not computed (--variance-permutations 0)"
         if variance_table is not None and variance_table.attrs.get("method") == "total" else None),
        ("training_history", (7, 4.5), history,
         None if getattr(est, "history_", None) else f"{model} records no training history"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    skipped: dict[str, str] = {}
    not_applicable.clear()
    for name, size, draw, reason in specs:
        if reason is not None:
            not_applicable[name] = reason
            continue
        fig = plt.figure(figsize=size, layout="constrained")
        files = [f"{name}.{fmt}" for fmt in formats]
        try:
            draw(fig)
            for file in files:
                with matplotlib.rc_context(_EDITABLE_TEXT):
                    fig.savefig(
                        folder / file, dpi=dpi, bbox_inches="tight", metadata=_NO_DATE.get(file.rsplit(".", 1)[1])
                    )
                written.append(file)
        except Exception as exc:  # noqa: BLE001 - a figure must never end the run
            for file in files:
                if file not in written:
                    skipped[file] = f"{type(exc).__name__}: {exc}"
            warnings.warn(
                f"Figure {name} skipped: {type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=2
            )
        finally:
            plt.close(fig)
    return written, skipped
