"""Figures of the POEMS paper (section 3, appendix B.1) for any fitted skpoems model.

Requires matplotlib (``pip install skpoems[plot]``), imported only when a function
is called. Every function draws on the Axes it is given (``ax=``, or ``axes=``
when it needs several) and creates a figure only when none is given; it returns
the Axes (or an array of Axes) and never saves, shows or clears a figure. Omic,
feature, factor and subtype names come from the fitted estimator or from the
data (DataFrame columns, ``target_names``), never from this module.

Labels ``y`` are matched to the samples by position, as in scikit-learn; a
pandas Series whose index names the samples must list them in the data's order
(a ValueError says so, with the fix, when it does not). Groups are coloured with
Okabe and Ito's colour-blind-safe palette (past 8 groups the colours repeat with
another marker in the embedding maps), patients without a
label in grey; long names are shortened in the middle, keeping both ends and
keeping different names different: feature and factor names on ticks beyond
``MAX_LABEL_LENGTH`` characters, the names of groups (subtypes, clusters) and
omics in legends, titles and group labels beyond ``MAX_NAME_LENGTH``.

The tables behind the figures are in :mod:`skpoems.inspection`.
"""

from __future__ import annotations

import math
import re
import textwrap
import warnings
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted, check_random_state

if TYPE_CHECKING:  # matplotlib is imported only when a function is called
    from matplotlib.axes import Axes

from ._omics import _is_default_index
from ._params import _Count
from .inspection import (
    _as_matrix,
    _check_estimator,
    _check_label_order,
    _complete_gating_rows,
    _factor_labels,
    _group_codes,
    _input_omics,
    _mean_rows,
    _omic_indices,
    _reject_pipeline,
    _sample_labels,
    activation_map,
    subtype_correlations,
    top_features,
)
from .utils._warnings import user_stacklevel

__all__ = [
    "plot_activation_map",
    "plot_embedding",
    "plot_embedding_heatmap",
    "plot_factor_features",
    "plot_gating_weights",
    "plot_subtype_correlations",
    "plot_top_features",
    "plot_training_history",
    "plot_variance_explained",
]

#: feature names longer than this are shortened with an ellipsis on tick labels.
MAX_LABEL_LENGTH = 20
#: names of groups (subtypes, clusters) and omics longer than this are shortened
#: with an ellipsis in legends, titles and group labels (fewer, with more room:
#: "Luminal B high-proliferation" and "Luminal A low-proliferation" stay whole).
MAX_NAME_LENGTH = 32
_ESTIMATOR = [HasMethods(["transform", "inverse_transform", "get_feature_names_out"])]


# ---------------------------------------------------------------------- helpers
def _pyplot():
    """Import pyplot lazily, with an install hint."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a test dependency
        raise ImportError(
            "skpoems.plotting needs matplotlib, which is not installed. Install it "
            "with: pip install skpoems[plot]"
        ) from exc
    return plt


def _new_figure(default_size, figsize=None):
    """A new figure (constrained layout) of ``figsize``, None: ``default_size``."""
    if figsize is not None:
        try:
            size = np.asarray(figsize, dtype=float) if np.ndim(figsize) == 1 else None
        except (TypeError, ValueError):
            size = None
        if size is None or size.shape != (2,) or not np.all(np.isfinite(size) & (size > 0)):
            raise ValueError(f"figsize must be (width, height) in inches, two positive numbers; got {figsize!r}.")
        default_size = tuple(size)
    return _pyplot().figure(figsize=default_size, layout="constrained")


def _new_axes(ax, default_size, figsize=None):
    """``ax``, or the Axes of a new figure of ``figsize`` (None: ``default_size``)."""
    _pyplot()  # (matplotlib's install hint)
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes; got {type(ax).__name__}"
            + (" (a Figure: pass fig.add_subplot() or fig.gca())" if hasattr(ax, "add_subplot") else "")
            + "."
        )
    if ax is None:
        ax = _new_figure(default_size, figsize).subplots()
    return ax


def _shorten(label: Any, max_length: int | None = None) -> str:
    """Cut a label to ``max_length`` characters (default
    :data:`MAX_LABEL_LENGTH`, read at the call) by an ellipsis in the middle, so
    that both ends stay: ``ENSG00000141510.17|TP53`` -> ``ENSG00000…510.17|TP53``
    (identifiers differ at the start, gene symbols and suffixes at the end)."""
    text = str(label)
    limit = max(MAX_LABEL_LENGTH if max_length is None else max_length, 3)
    if len(text) <= limit:
        return text
    head = limit // 2
    return text[:head] + "\u2026" + text[len(text) - (limit - 1 - head):]


def _shorten_all(labels: Any, names: bool = False) -> list[str]:
    """:func:`_shorten` of each label, with labels that would become equal
    (but are not) given more characters until they differ; ``names``: group or
    omic names (``MAX_NAME_LENGTH``), else feature names (``MAX_LABEL_LENGTH``)."""
    texts = [str(label) for label in labels]
    limit = max(MAX_NAME_LENGTH if names else MAX_LABEL_LENGTH, 3)
    short = [_shorten(t, limit) for t in texts]
    longest = max((len(t) for t in texts), default=0)
    while limit < longest:
        seen: dict[str, set[str]] = {}
        for full, cut in zip(texts, short, strict=True):
            seen.setdefault(cut, set()).add(full)
        clashing = {cut for cut, fulls in seen.items() if len(fulls) > 1}
        if not clashing:
            break
        limit += 4
        short = [_shorten(t, limit) if cut in clashing else cut for t, cut in zip(texts, short, strict=True)]
    return short


#: markers of plot_embedding's groups, one per round of the eight colours
_GROUP_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

#: Okabe and Ito's colour-blind-safe categorical colours (2008), black last
_OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")


def _palette(n: int) -> list:
    """``n`` distinct categorical colours: Okabe-Ito's colour-blind-safe eight,
    then the colours of matplotlib's tab20, tab20b and tab20c less their greys
    (grey marks unlabelled samples; tab20's 18 first), then evenly spaced
    colours of a colour map that does not wrap around (turbo)."""
    from matplotlib.colors import to_rgba

    plt = _pyplot()
    if n <= len(_OKABE_ITO):
        return [to_rgba(c) for c in _OKABE_ITO[:n]]
    # without the greys of the tab palettes: grey is the colour of unlabelled samples
    tab = [
        c for name in ("tab20", "tab20b", "tab20c") for c in (plt.get_cmap(name)(i) for i in range(20))
        if max(c[:3]) - min(c[:3]) > 0.05
    ]
    if n <= len(tab):
        return tab[:n]
    return [plt.get_cmap("turbo")(0.05 + 0.9 * i / (n - 1)) for i in range(n)]


def _chosen_colors(palette: Any, groups: list, defaults: list) -> list:
    """The groups' colours: ``defaults`` with those that ``palette`` (a dict keyed
    by group names, or a list in group order) chooses, each checked."""
    from matplotlib.colors import to_rgba

    if palette is None:
        return defaults
    names = [str(g) for g in groups]
    if isinstance(palette, dict):
        unknown = [k for k in palette if str(k) not in names]
        if unknown:
            raise ValueError(
                f"palette names {unknown!r}, which are not groups of y; its groups: {names!r}."
            )
        chosen = {str(k): c for k, c in palette.items()}
        pairs = [(name, chosen.get(name, default)) for name, default in zip(names, defaults, strict=True)]
    else:
        if len(palette) < len(names):
            raise ValueError(
                f"palette has {len(palette)} colours for {len(names)} groups ({names!r}); pass one per "
                "group, in legend order, or a dict from group name to colour."
            )
        pairs = list(zip(names, palette))
    colors = []
    for name, color in pairs:
        try:
            colors.append(to_rgba(color))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"palette: {color!r} (group {name!r}) is not a matplotlib colour.") from exc
    return colors


def _text_color(background: Any) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG contrast)."""
    from matplotlib.colors import to_rgb

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(background))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def _colormap(cmap: Any, default: str):
    """The matplotlib Colormap ``cmap`` (a registered name or a Colormap), None: ``default``."""
    plt = _pyplot()
    from matplotlib.colors import Colormap

    if cmap is None:
        cmap = default
    if isinstance(cmap, Colormap):
        return cmap
    if isinstance(cmap, str):
        try:
            return plt.get_cmap(cmap)
        except ValueError:
            pass
    raise ValueError(
        f"cmap must be a matplotlib colour map or the name of one (e.g. 'viridis', "
        f"'RdBu_r'; see matplotlib.colormaps); got {cmap!r}."
    )


def _cell_text_color(image: Any, value: float) -> str:
    """Black or white for a cell of ``image`` (an AxesImage) holding ``value``."""
    return _text_color(image.cmap(image.norm(value)))


def _has_unlabelled(y: Any) -> bool:
    """Whether ``y`` has missing labels (the last group of :func:`_group_codes`)."""
    try:
        return bool(np.asarray(pd.isna(y if isinstance(y, pd.Series) else pd.Series(y))).any())
    except (TypeError, ValueError):
        return False


def _thin_ticks(n: int, max_ticks: int) -> np.ndarray:
    """Tick positions: all of ``range(n)`` when few, else every ``step``-th."""
    step = max(1, int(np.ceil(n / max_ticks)))
    return np.arange(0, n, step)


def _figure_of(ax):
    return ax.get_figure()


def _axes_inches(ax) -> tuple[float, float]:
    """Current width and height of the Axes in inches (before any final layout)."""
    box = ax.get_window_extent()
    dpi = _figure_of(ax).dpi
    return box.width / dpi, box.height / dpi


def _label_groups(ax, axis: str, edges: np.ndarray, labels: list[str], fontsize: float):
    """Name contiguous groups of samples on the x or y axis without overlaps.

    Groups are the intervals between ``edges``. On the x axis, labels are rotated
    by 45 degrees when one is wider than its group. A label (rotated, or on the y
    axis) too close to the previous one is left out: a tiny group next to
    another stays unnamed rather than overprinted.
    """
    centres = (edges[:-1] + edges[1:]) / 2
    span = edges[-1] - edges[0]
    width_in, height_in = _axes_inches(ax)
    length_in = width_in if axis == "x" else height_in
    char_in = 0.6 * fontsize / 72.0
    line_in = 1.3 * fontsize / 72.0
    rotate = False
    if axis == "x":
        sizes_in = np.diff(edges) / span * width_in
        rotate = any(
            len(t) * char_in > w for t, w in zip(labels, sizes_in, strict=True)
        )
    # rotated labels 45 degrees apart by d sit 0.71 d apart: 2 lines' spacing keeps
    # a line between them after a layout engine narrows the Axes (a legend beside)
    spacing = line_in * (2.0 if rotate else 1.0) if axis == "y" or rotate else None
    shown, last = [], -np.inf
    for centre, text in zip(centres, labels, strict=True):
        position_in = (centre - edges[0]) / span * length_in
        if spacing is None:  # x axis, horizontal: each label fits its group
            shown.append(text)
        elif position_in - last >= spacing:
            shown.append(text)
            last = position_in
        else:
            shown.append("")
    if axis == "x":
        ax.set_xticks(centres)
        if rotate:
            ax.set_xticklabels(
                shown,
                fontsize=fontsize,
                rotation=45,
                ha="right",
                rotation_mode="anchor",
            )
        else:
            ax.set_xticklabels(shown, fontsize=fontsize)
    else:
        ax.set_yticks(centres)
        ax.set_yticklabels(shown, fontsize=fontsize)
    ax.tick_params(axis=axis, length=0)


def _set_title(ax, text: str) -> None:
    """``ax.set_title(text)``, wrapped into lines that fit the Axes' width (a
    long title over a narrow panel of a user's figure ran into its neighbours'),
    never inside a ``$...$`` formula."""
    from matplotlib.font_manager import FontProperties

    size = FontProperties(size=_pyplot().rcParams["axes.titlesize"]).get_size_in_points()
    # about 0.55 font sizes per character; a title may overhang its Axes a little
    per_line = max(12, int(1.1 * _axes_inches(ax)[0] * 72 / (0.55 * size)))
    if len(text) > per_line:
        protected = re.sub(r"\$[^$]*\$", lambda m: m.group(0).replace(" ", "\x00"), text)
        lines = textwrap.wrap(protected, per_line, break_long_words=False, break_on_hyphens=False)
        text = "\n".join(lines).replace("\x00", " ")
    ax.set_title(text)


def _rotation(labels: list[str]) -> int:
    """Horizontal tick labels when all are short (factor numbers), else vertical."""
    return 0 if max((len(t) for t in labels), default=0) <= 3 else 90


def _set_factor_ticks(ax, names: list[str], fontsize: float, max_ticks: int = 80) -> None:
    """Label the x axis's columns with ``names``, every one that fits the Axes'
    width as now: horizontal labels (factor numbers) take about 0.6 font sizes
    per character plus a gap, vertical ones one line of about 1.3 font sizes."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    shortened = [_shorten(n) for n in names]
    if _rotation(shortened) == 0 and max((len(n) for n in shortened), default=0) <= 3:
        # factor numbers: as many as fit the Axes' width when drawn (a layout
        # engine narrows a panel after this function: a count fixed now ran the
        # numbers together), at whole positions
        labels = _shorten_all(names)

        # (a number of about 0.6 font sizes per digit and a gap of 1.5 digits)
        per_label = 0.6 * fontsize * (max(len(label) for label in labels) + 1.5)

        class _Columns(MaxNLocator):  # only positions of columns, as many as fit when drawn
            def tick_values(self, vmin, vmax):
                axes = self.axis.axes if self.axis is not None else None
                if axes is not None:
                    width_pt = axes.get_window_extent().width * 72 / axes.get_figure().dpi
                    self.set_params(nbins=max(1, min(max_ticks, int(width_pt / per_label))))
                ticks = super().tick_values(vmin, vmax)
                return ticks[(ticks >= 0) & (ticks <= len(labels) - 1)]

        ax.xaxis.set_major_locator(
            _Columns(nbins="auto", integer=True, min_n_ticks=2, steps=[1, 2, 5, 10])
        )
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _: labels[int(round(x))] if 0 <= round(x) < len(labels) else "")
        )
        ax.tick_params(axis="x", labelsize=fontsize)
        return
    widest = max((len(n) for n in shortened), default=1)
    per_label = 0.6 * fontsize * (widest + 1.5) if _rotation(shortened) == 0 else 1.3 * fontsize
    ticks = _thin_ticks(len(names), max(2, min(max_ticks, int(_axes_inches(ax)[0] * 72 / per_label))))
    tick_labels = _shorten_all([names[t] for t in ticks])
    ax.set_xticks(ticks)
    ax.set_xticklabels(tick_labels, rotation=_rotation(tick_labels), fontsize=fontsize)


def _short_factor_labels(estimator: Any) -> list[str]:
    """``"0"``, ``"1"``, ... for numbered factors, the output names otherwise."""
    return [
        lab[len("factor ") :] if lab.startswith("factor ") else lab
        for lab in _factor_labels(estimator)
    ]


def _set_xlabel(ax, text: str) -> None:
    """``ax.set_xlabel(text)``, with a formula that makes the label wider than the
    Axes (a journal column's figure) moved to a line of its own."""
    label = ax.set_xlabel(text)
    if " $" not in text:
        return
    figure = _figure_of(ax)
    try:
        width = label.get_window_extent(renderer=figure.canvas.get_renderer()).width
    except Exception:  # (a backend without a renderer: keep one line)
        return
    if width > 1.05 * ax.get_window_extent().width:
        head, formula = text.split(" $", 1)
        ax.set_xlabel(f"{head}\n${formula}")


def _barh_by_omic(
    ax, table: pd.DataFrame, omic_names: list[str], *, xlabel: str, title: str
):
    """Horizontal bars of ``table`` (omic, feature, strength), grouped by omic; the
    bars of features whose ``slope`` along their factor is negative hatched."""
    from matplotlib.ticker import MaxNLocator

    present = [o for o in omic_names if (table["omic"] == o).any()]
    colors = dict(zip(omic_names, _palette(len(omic_names)), strict=True))
    short = dict(zip(omic_names, _shorten_all(omic_names, names=True), strict=True))  # (legend: portal file names)
    positions, labels, handles = [], [], {}
    row = 0
    falls = False
    for omic in present:
        part = table[table["omic"] == omic]
        ys = row + np.arange(len(part))
        bars = ax.barh(
            ys, part["strength"].to_numpy(), height=0.8, color=colors[omic], label=short[omic]
        )
        handles[omic] = bars
        if "slope" in part:  # the bars are magnitudes: hatch the features that fall
            for bar, r in zip(bars, part["slope"].to_numpy(), strict=True):
                if r < 0:
                    bar.set_hatch("////")
                    bar.set_edgecolor("white")
                    bar.set_linewidth(0)
                    falls = True
        positions.extend(ys)
        labels.extend(_shorten_all(part["feature"]))
        row += len(part) + 1  # a blank row between omics
    n_rows = row
    # a label line is about 1.25 x its font size: the font that fits the Axes'
    # height (9 pt at most, 4 at least)
    room = _axes_inches(ax)[1] * 72 / max(n_rows, 1) / 1.25
    fontsize = float(np.clip(room, 4.0, 9.0))
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=fontsize)
    ax.set_ylim(row - 0.5, -0.7)  # first feature on top
    _set_xlabel(ax, xlabel)
    # one omic: the hatching's key in the title (a legend beside squeezed a journal
    # column's figure, inside it covered bars)
    _set_title(ax, title + (" (hatched: falls with its factor)" if falls and len(present) == 1 else ""))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # short, non-overlapping ticks
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", linewidth=0.5, alpha=0.4)
    ax.set_axisbelow(True)
    from matplotlib.patches import Patch

    # plain swatches (an omic's bars may be hatched)
    entries = [(Patch(facecolor=colors[o]), short[o]) for o in present] if len(present) > 1 else []
    fall_key = (Patch(facecolor="0.55", edgecolor="white", hatch="////", linewidth=0), "falls with its factor")
    if entries:
        ax.legend(
            *zip(*entries, *([fall_key] if falls else []), strict=True),
            title="Omic",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
    return ax


# ----------------------------------------------------------- feature figures
@validate_params(
    {
        "estimator": _ESTIMATOR,
        "n": [_Count(1)],
        "omic": [str, list, tuple, None],
        "figsize": ["array-like", None], "ax": "no_validation",
        "method": [StrOptions({"auto", "weights", "gradient"})],
        "X": "no_validation",
        "attributions": [dict, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_top_features(
    estimator: Any,
    n: int = 10,
    *,
    omic: Any = None,
    figsize: Any = None,
    ax: Axes | None = None,
    method: str = "auto",
    X: Any = None,
    attributions: dict[str, Any] | None = None,
) -> Axes:
    """Bar chart of each omic's top-``n`` features by aggregated strength.

    The POEMS paper's figure 5: for each feature, ``sum_k |W_jk|`` over the
    latent factors (or the decoder attributions, see
    :func:`skpoems.inspection.top_features`). All omics share one Axes, grouped
    and coloured by omic with a legend; feature names longer than
    ``MAX_LABEL_LENGTH`` characters are shortened with an ellipsis. The bars
    are magnitudes: those of features that fall as their dominant factor rises
    (a negative ``slope`` in the table) are hatched.

    Parameters
    ----------
    estimator : fitted skpoems estimator
        Any of the five models.
    n : int, default=10
        Features per omic.
    omic : str or list of str, default=None
        Only these omics; None shows every omic.
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.
    method : {"auto", "weights", "gradient"}, default="auto"
        See :func:`skpoems.inspection.top_features`.
    X : array-like, DataFrame, list or dict, default=None
        Samples at which the decoder is differentiated for ``"gradient"`` (the
        ``"auto"`` ranking); None: the samples passed to fit.
    attributions : dict, default=None
        :func:`skpoems.inspection.decoder_attributions` already computed, to
        rank by without differentiating again; pass the samples they were
        computed at as ``X``, for the slopes that hatch falling features (see
        :func:`skpoems.inspection.top_features`).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.plotting import plot_top_features
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> ax = plot_top_features(est, n=3)
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]  # (then the key of hatched bars)
    ['omic0', 'omic1']
    """
    _check_estimator(estimator)
    table = top_features(
        estimator, n, omic=omic, method=method, X=X, attributions=attributions
    )
    n_rows = len(table) + table["omic"].nunique()
    ax = _new_axes(ax, (7.2, 1.6 + 0.16 * n_rows), figsize)
    omics = [estimator.omic_names_[v] for v in _omic_indices(estimator, omic)]
    if table.attrs.get("method") == "weights":
        xlabel = r"Aggregated strength $\sum_k |W_{jk}|$"
    elif table.attrs.get("weighted"):
        xlabel = (
            r"Aggregated decoder attribution "
            r"$\sum_k \mathrm{sd}(z_k)\,\mathrm{mean}\,|\partial\hat{x}_j / \partial z_k|$"
        )
    else:  # no factor spread to weigh by (one sample, attributions without attrs)
        xlabel = (
            r"Aggregated decoder attribution "
            r"$\sum_k \mathrm{mean}\,|\partial\hat{x}_j / \partial z_k|$ (unweighted)"
        )
    shown = int(table.groupby("omic").size().max()) if len(table) else n  # (an omic may have fewer than n)
    title = (
        f"Top {shown} features per omic"
        if len(omics) > 1
        else f"Top {shown} {_shorten(omics[0], MAX_NAME_LENGTH)} features"
    )
    return _barh_by_omic(
        ax, table, list(estimator.omic_names_), xlabel=xlabel, title=title
    )


@validate_params(
    {
        "estimator": _ESTIMATOR,
        "factor": [_Count(0)],
        "n": [_Count(1)],
        "figsize": ["array-like", None], "ax": "no_validation",
        "method": [StrOptions({"auto", "weights", "gradient"})],
        "X": "no_validation",
        "attributions": [dict, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_factor_features(
    estimator: Any,
    factor: int,
    n: int = 5,
    *,
    figsize: Any = None,
    ax: Axes | None = None,
    method: str = "auto",
    X: Any = None,
    attributions: dict[str, Any] | None = None,
) -> Axes:
    """Bar chart of the features that one latent factor drives most, in every omic.

    The POEMS paper's figure 6: ``|W_jk|`` of factor ``k`` for the top ``n``
    features of each omic (or the decoder attribution, see
    :func:`skpoems.inspection.top_features`), grouped and coloured by omic.
    Since the factors of POEMS are shared by all omics, the bars show which
    features of different omics a factor links. Bars of features that fall as
    the factor rises (a negative ``slope`` in the table) are hatched.

    Parameters
    ----------
    estimator : fitted skpoems estimator
        Any of the five models.
    factor : int
        The factor (embedding column, ``0 .. n_features_out - 1``).
    n : int, default=5
        Features per omic.
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.
    method : {"auto", "weights", "gradient"}, default="auto"
        See :func:`skpoems.inspection.top_features`.
    X : array-like, DataFrame, list or dict, default=None
        Samples at which the decoder is differentiated for ``"gradient"`` (the
        ``"auto"`` ranking); None: the samples passed to fit.
    attributions : dict, default=None
        :func:`skpoems.inspection.decoder_attributions` already computed, to
        rank by without differentiating again; pass the samples they were
        computed at as ``X``, for the slopes that hatch falling features (see
        :func:`skpoems.inspection.top_features`).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.plotting import plot_factor_features
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> plot_factor_features(est, 1, n=2).get_title()
    'Top features of factor 1'
    """
    _check_estimator(estimator)
    table = top_features(
        estimator, n, factor=factor, method=method, X=X, attributions=attributions
    )
    n_rows = len(table) + table["omic"].nunique()
    ax = _new_axes(ax, (7.2, 1.6 + 0.16 * n_rows), figsize)
    label = _factor_labels(estimator)[factor]
    if table.attrs.get("method") == "weights":
        xlabel = r"Absolute loading $|W_{jk}|$"
    else:
        xlabel = (
            r"Decoder attribution $\mathrm{mean}\,|\partial\hat{x}_j / \partial z_k|$"
        )
    return _barh_by_omic(
        ax,
        table,
        list(estimator.omic_names_),
        xlabel=xlabel,
        title=f"Top features of {label}",
    )


@validate_params(
    {
        "estimator": _ESTIMATOR,
        "omic": [str],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "figsize": ["array-like", None], "ax": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_activation_map(
    estimator: Any, omic: Any, *, threshold: float = 0.01, figsize: Any = None, ax: Axes | None = None
) -> Axes:
    """Binary map of the active feature-to-factor connections ``|W| > threshold``.

    The POEMS paper's figure 7 for one omic: one row per factor, one column per
    feature, a mark where ``|W_jk| > threshold``. Each active connection is
    drawn as a line at least half a point wide, so that sparse connections stay
    visible when there are more features than pixels; then the connections
    that share a pixel column are drawn as one line, at its centre.

    Parameters
    ----------
    estimator : fitted POEMSTransformer or MOCSSSparseVAETransformer
        A model with ``components_``.
    omic : str
        The omic (a name in ``estimator.omic_names_``).
    threshold : float, default=0.01
        Activation threshold on ``|W_jk|``.
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.plotting import plot_activation_map
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        as_frame=True, random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    >>> plot_activation_map(est, "omic1").get_xlabel()
    'omic1 features (6)'
    """
    _check_estimator(estimator)
    v = _omic_indices(estimator, omic)[0]
    # one row per factor, as the paper's figure (activation_map: features x factors)
    active = activation_map(estimator, threshold)[estimator.omic_names_[v]].T
    n_factors, n_features = active.shape
    # the map at least about an inch high, and room below it for the feature
    # names on end where they are written (two factors and long names left a
    # thin strip under the names)
    names_in = 0.075 * max((len(t) for t in _shorten_all(active.columns)), default=0) if n_features <= 60 else 0.0
    ax = _new_axes(ax, (8.0, min(1.6 + max(0.22 * n_factors, 0.8) + names_in, 12.0)), figsize)
    fig = _figure_of(ax)
    width_px = ax.get_window_extent().width
    cell_pt = width_px / max(n_features, 1) * 72.0 / fig.dpi
    color = _pyplot().get_cmap("tab10")(3)
    # factors the embedding of the fitted samples hardly uses (the KL switched them
    # off: they decode a constant) in grey: their connections say nothing about the
    # samples, however large W is there (on TCGA BRCA 23 of 32 factors)
    fitted = getattr(estimator, "embedding_", None)
    spread = None if fitted is None else np.asarray(fitted, dtype=float).std(axis=0)
    unused = np.zeros(n_factors, dtype=bool)
    # (against the factors this W maps: a MOCSS-SparseVAE's W_v those of omic v's
    # own VAE, whose spread has nothing to do with another omic's)
    spread = None if spread is None else spread[np.asarray(active.index, dtype=int)]
    if spread is not None and spread.size and np.isfinite(spread).all() and spread.max() > 0:
        unused = spread < 0.1 * spread.max()
    from matplotlib.colors import to_hex

    colors = ["#bfbfbf" if u else to_hex(color) for u in unused]
    positions = [np.flatnonzero(row) for row in active.to_numpy()]
    if n_features > width_px > 0:
        # more features than pixel columns: one line per occupied pixel column
        # (at its centre, less than a pixel away), not one per connection (a
        # dense W of 30,000 features x 32 factors is about a million lines)
        step = n_features / width_px
        positions = [(np.unique(np.floor(p / step)) + 0.5) * step - 0.5 for p in positions]
    ax.eventplot(
        positions,
        lineoffsets=np.arange(n_factors),
        linelengths=0.85,
        linewidths=max(0.5, 0.9 * cell_pt),
        colors=colors,
    )
    ax.set_xlim(-0.5, n_features - 0.5)
    ax.set_ylim(n_factors - 0.5, -0.5)
    labels = _short_factor_labels(estimator)
    height_in = ax.get_window_extent().height / fig.dpi
    factor_ticks = _thin_ticks(n_factors, max(2, int(height_in / 0.16)))
    ax.set_yticks(factor_ticks)
    ax.set_yticklabels(
        _shorten_all([labels[int(active.index[i])] for i in factor_ticks]), fontsize=7
    )
    if n_features <= 60:
        ax.set_xticks(np.arange(n_features))
        ax.set_xticklabels(
            _shorten_all(active.columns), rotation=90, fontsize=7
        )
    ax.set_xlabel(f"{_shorten(estimator.omic_names_[v], MAX_NAME_LENGTH)} features ({n_features})")
    ax.set_ylabel("Latent factor")
    count = int(active.to_numpy().sum())
    share = 100.0 * count / active.size if active.size else 0.0
    _set_title(
        ax,
        f"{_shorten(estimator.omic_names_[v], MAX_NAME_LENGTH)}: active connections $|W| > {threshold:g}$ "
        f"({count} of {active.size}, {share:.3g}%)"
        + (
            f"; grey: {int(unused.sum())} factor{'s' if unused.sum() > 1 else ''} the embedding hardly uses"
            if unused.any() else ""
        ),
    )
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    return ax


# ---------------------------------------------------------------- gating
def _group_order(codes: np.ndarray, key: np.ndarray | None = None) -> np.ndarray:
    """Sort samples by group, then by descending ``key`` within each group."""
    if key is None:
        return np.argsort(codes, kind="stable")
    return np.lexsort((-key, codes))


@validate_params(
    {
        "gating_weights": ["array-like"],
        "y": ["array-like", None],
        "omic_names": ["array-like", None],
        "target_names": ["array-like", None],
        "by": [StrOptions({"sample", "subtype"})],
        "figsize": ["array-like", None], "ax": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_gating_weights(
    gating_weights: Any,
    y: Any = None,
    *,
    omic_names: Any = None,
    target_names: Any = None,
    by: str = "sample",
    figsize: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """Stacked bars of the gating weights: each omic's share per sample or per group.

    The POEMS paper's figure 4. ``by="sample"``: one bar per sample, stacked by
    omic; with ``y`` the samples are grouped (dashed separators, group names on
    the axis) and sorted within each group by the first omic's weight.
    ``by="subtype"``: the mean weights of all samples and of each group (needs
    ``y``), with the values written on the segments; where some samples lack an
    omic, over the samples that have every omic, as :func:`gating_summary`
    explains (with a warning; ``n`` counts them).

    Parameters
    ----------
    gating_weights : array-like of shape (n_samples, n_omics)
        E.g. ``estimator.gating_weights_`` or ``estimator.transform_gating(X)``.
        A DataFrame's columns name the omics.
    y : array-like of shape (n_samples,), default=None
        Group labels (subtypes or clusters); missing ones (NaN, None) form a
        last group, ``"unlabelled"``.
    omic_names : list of str, default=None
        Omic names, e.g. ``estimator.omic_names_``; default the DataFrame's
        columns, else ``"omic0"``, ``"omic1"``, ...
    target_names : array-like of str or dict, default=None
        Names of integer labels (label ``c`` is shown as ``target_names[c]``), or a
        dict from label to name (labels of any type).
    by : {"sample", "subtype"}, default="sample"
        One bar per sample, or one per group.
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skpoems.plotting import plot_gating_weights
    >>> G = np.array([[0.6, 0.4], [0.5, 0.5], [0.2, 0.8]])
    >>> ax = plot_gating_weights(G, [1, 0, 1], omic_names=["mRNA", "miRNA"],
    ...                          target_names=["Basal", "LumA"])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]  # as stacked, top first
    ['miRNA', 'mRNA']
    """
    raw = np.asarray(gating_weights)
    if raw.dtype.kind not in "biuf":  # (text is not parsed as numbers, as for the omics)
        raise TypeError(
            "gating_weights must be numbers (e.g. estimator.transform_gating(X)); got "
            f"{raw.dtype} values."
        )
    G = raw.astype(float)
    if G.ndim != 2 or 0 in G.shape:
        raise ValueError(
            f"gating_weights must be 2-D (n_samples, n_omics) with a sample and an omic; got shape {G.shape}."
        )
    outside = ~(np.isfinite(G) & (G >= 0) & (G <= 1 + 1e-6))
    if outside.any():
        row, col = (int(i[0]) for i in np.nonzero(outside))
        raise ValueError(
            f"gating_weights must be weights in [0, 1] (a sample's omics share 1; a "
            f"missing omic gets 0); {int(outside.sum())} value(s) are not, e.g. "
            f"{float(G[row, col])!r} at row {row}, column {col}. Pass estimator.transform_gating(X)."
        )
    n, V = G.shape
    if V == 1:
        warnings.warn(
            "One omic: its gating weight is 1 for every sample, so the figure shows "
            "nothing about the samples (gating weights share a sample's reliance out "
            "between its omics).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    if omic_names is None:
        cols = getattr(gating_weights, "columns", None)
        omic_names = (
            [str(c) for c in cols]
            if cols is not None
            else [f"omic{v}" for v in range(V)]
        )
    omic_names = [str(o) for o in omic_names]
    if len(omic_names) != V:
        raise ValueError(
            f"omic_names has {len(omic_names)} names for {V} columns of gating weights."
        )
    colors = _palette(V)
    if by == "subtype":
        if y is None:
            raise ValueError("by='subtype' needs y (the group of each sample).")
        codes, names = _group_codes(y, target_names, n, _sample_labels(gating_weights), "gating_weights")
        # over the samples that have every omic, as gating_summary (a missing
        # omic's 0 is not less reliance)
        complete = _complete_gating_rows(G)
        means = np.vstack(
            [_mean_rows(G[complete])] + [_mean_rows(G[complete & (codes == c)]) for c in range(len(names))]
        )
        counts = [int(complete.sum())] + [int((complete & (codes == c)).sum()) for c in range(len(names))]
        labels = [f"All\n(n={counts[0]})"] + [
            f"{g}\n(n={k})" for g, k in zip(_shorten_all(names, names=True), counts[1:], strict=True)
        ]
        ax = _new_axes(ax, (1.6 + 0.9 * len(labels), 4.0), figsize)
        xs = np.arange(len(labels))
        bottom = np.zeros(len(labels))
        # values written where "0.29" fits a bar (0.7 of a slot; 8 pt, about 0.6
        # font sizes per character, a fifth kept for a layout engine)
        fits = 0.6 * 8 * 4 <= 0.8 * 0.7 * _axes_inches(ax)[0] * 72 / len(labels)
        for v in range(V):
            ax.bar(
                xs,
                means[:, v],
                bottom=bottom,
                width=0.7,
                color=colors[v],
                label=_shorten_all(omic_names, names=True)[v],
            )
            for x, b, h in zip(xs, bottom, means[:, v], strict=True):
                if h >= 0.06 and fits:
                    ax.text(
                        x,
                        b + h / 2,
                        f"{h:.2f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color=_text_color(colors[v]),
                    )
            bottom += means[:, v]
        ax.set_xticks(xs)
        # an 8-pt character is about 4.8 pt wide: labels wider than a bar's slot of
        # the Axes (12 characters in a figure of our own size) are slanted
        slot = _axes_inches(ax)[0] * 72 / len(labels)
        slanted = max(len(line) for label in labels for line in label.split("\n")) * 4.8 > 0.95 * slot
        ax.set_xticklabels(
            [label.replace("\n", " ") for label in labels] if slanted else labels,
            fontsize=8,
            rotation=40 if slanted else 0,
            ha="right" if slanted else "center",
            rotation_mode="anchor",
        )
        ax.set_xlim(-0.6, len(labels) - 0.4)
        _set_title(ax, r"Mean gating weights $\alpha$ per group")
    else:
        height = 3.2
        if y is not None:
            codes, names = _group_codes(y, target_names, n, _sample_labels(gating_weights), "gating_weights")
            order = _group_order(codes, G[:, 0])
            # taller by the group names where they will be slanted (_label_groups:
            # 45 degrees, about 0.067 inch per 8-pt character): 12 long subtype
            # names took half of the figure's height from the bars
            longest = max(len(t) for t in _shorten_all(names, names=True))
            if longest * 0.067 > 8.0 / len(names):
                height += 0.047 * longest
        else:
            order = np.arange(n)
        ax = _new_axes(ax, (9.0, height), figsize)
        Gs = G[order]
        # one step-filled band per omic (bars of width 1 without seams, O(n_omics)
        # artists however many samples)
        edges = np.arange(n + 1) - 0.5
        cumulative = np.vstack([np.zeros(n), np.cumsum(Gs, axis=1).T])
        for v in range(V):
            lower = np.append(cumulative[v], cumulative[v][-1])
            upper = np.append(cumulative[v + 1], cumulative[v + 1][-1])
            ax.fill_between(
                edges,
                lower,
                upper,
                step="post",
                color=colors[v],
                linewidth=0,
                label=_shorten_all(omic_names, names=True)[v],
            )
        ax.set_xlim(-0.5, n - 0.5)
        if y is not None:
            sorted_codes = codes[order]
            bounds = np.flatnonzero(np.diff(sorted_codes)) + 0.5
            for b in bounds:
                ax.axvline(b, color="black", linestyle="--", linewidth=0.9)
            edges = np.concatenate([[-0.5], bounds, [n - 0.5]])
            present = np.unique(sorted_codes)
            _label_groups(ax, "x", edges, _shorten_all([names[c] for c in present], names=True), 8)
            group_name = getattr(y, "name", None)
            ax.set_xlabel(
                f"Samples grouped by "
                f"{group_name if group_name is not None else 'label'} (n={n})"
            )
        else:
            ax.set_xlabel(f"Sample (n={n})")
        _set_title(ax, r"Per-sample gating weights $\alpha$")
    ax.set_ylim(0, 1)
    ax.set_ylabel(r"Gating weight $\alpha$")
    ax.spines[["top", "right"]].set_visible(False)
    # listed top to bottom as the omics are stacked (the first omic at the bottom)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], title="Omic", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


# ------------------------------------------------------------ embeddings
def _matrix_and_names(
    Z: Any, feature_names: Any = None
) -> tuple[np.ndarray, list[str]]:
    M, _ = _as_matrix(Z, "Z")
    if feature_names is None:
        cols = getattr(Z, "columns", None)
        if isinstance(cols, pd.MultiIndex):
            feature_names = [str(c[-1]) for c in cols]
        elif cols is not None:
            feature_names = [str(c) for c in cols]
        else:
            feature_names = [str(k) for k in range(M.shape[1])]
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != M.shape[1]:
        raise ValueError(
            f"feature_names has {len(feature_names)} names for {M.shape[1]} columns."
        )
    # scikit-learn's output names of one estimator (poemstransformer0, pca1, ...):
    # their numbers, under the axis label "Latent factor" (the names were long
    # vertical ticks that took a quarter of the figure)
    numbered = [re.fullmatch(r"([A-Za-z_]+?)(\d+)", f) for f in feature_names]
    if len(numbered) > 1 and all(numbered) and len({m.group(1) for m in numbered}) == 1:
        feature_names = [m.group(2) for m in numbered]
    return M, feature_names


def _annotate_matrix(ax, image, C: np.ndarray, fmt: str = "{:.2f}", fontsize: int = 8) -> None:
    for (i, j), value in np.ndenumerate(C):
        if np.isfinite(value):
            text = fmt.format(value)
            if text.startswith("-") and float(text) == 0:
                text = text[1:]  # -0.0014 is 0.00, not "-0.00"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=fontsize,
                color=_cell_text_color(image, value),
            )


@validate_params(
    {
        "X": "no_validation",
        "Z": "no_validation",
        "y": ["array-like"],
        "target_names": ["array-like", None],
        "axes": "no_validation",
        "center": ["boolean"],
        "per_omic": ["boolean"],
        "omic_dims": ["array-like", None],
        "figsize": ["array-like", None],
        "cmap": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_subtype_correlations(
    X: Any,
    Z: Any,
    y: Any,
    *,
    target_names: Any = None,
    axes: Any = None,
    center: bool = False,
    per_omic: bool = False,
    omic_dims: Any = None,
    figsize: Any = None,
    cmap: Any = None,
) -> np.ndarray:
    """Subtype correlation matrices of the inputs and of the embedding, side by side.

    The POEMS paper's figure 3: entry ``(c, c')`` is the Pearson correlation of
    the mean profiles of subtypes ``c`` and ``c'``
    (:func:`skpoems.inspection.subtype_correlations`), from the input features
    (left) and from the embedding (right), on one colour scale [-1, 1] with a
    shared colour bar.

    Parameters
    ----------
    X : array-like, DataFrame, list or dict
        Input features of the samples (a multi-omic input is concatenated, or
        split by omic with ``per_omic=True``).
    Z : array-like of shape (n_samples, n_factors)
        Their embedding (``transform(X)``).
    y : array-like of shape (n_samples,)
        Subtype labels; missing ones (NaN, None) form a last group, ``"unlabelled"``.
    target_names : array-like of str or dict, default=None
        Names of integer labels (label ``c`` is shown as ``target_names[c]``), or a
        dict from label to name (labels of any type).
    axes : array-like of matplotlib Axes, default=None
        Two Axes (``n_omics + 1`` with ``per_omic=True``); None creates a figure.
    center : bool, default=False
        Correlate deviations from the overall mean profile (see
        :func:`skpoems.inspection.subtype_correlations`); False is the paper's
        computation.
    per_omic : bool, default=False
        One panel per omic of ``X`` (as in the reference implementation) instead
        of one for all input features. A plain 2-D ``X`` needs ``omic_dims``.
    omic_dims : array-like of int, default=None
        Number of features of each omic when ``X`` is one 2-D array or DataFrame
        of several omics side by side (the model's ``omic_dims``), for
        ``per_omic=True``; the panels are then named ``omic0``, ``omic1``, ...
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``axes`` is None;
        None: a size that fits the subtypes and panels.
    cmap : str or matplotlib Colormap, default=None
        Colour map of the correlations, on [-1, 1]; None: ``"RdBu_r"`` (a
        diverging map, white at 0). Cell values are written in black or white,
        whichever reads better on the cell's colour.

    Returns
    -------
    ndarray of matplotlib Axes
        The input panel(s), then the embedding panel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skpoems.plotting import plot_subtype_correlations
    >>> rng = np.random.RandomState(0)
    >>> X, Z, y = rng.rand(30, 12), rng.randn(30, 3), np.arange(30) % 3
    >>> axes = plot_subtype_correlations(X, Z, y, target_names=["A", "B", "C"])
    >>> [ax.get_title() for ax in axes]
    ['Input features (12)', 'Embedding (3 factors)']
    """
    colormap = _colormap(cmap, "RdBu_r")
    panels = []
    if per_omic:
        names, blocks, parsed = _input_omics(X, omic_dims)
        if parsed.layout in ("array", "frame") and omic_dims is None:
            raise ValueError(
                "per_omic=True needs the omics of X, but X is one 2-D matrix: pass "
                "omic_dims (the number of features of each omic, as given to the "
                "model), the omics as a list or dict, or per_omic=False."
            )
        for name, block in zip(names, blocks, strict=True):
            panels.append((f"{name} ({np.shape(block)[1]} features)", block))
    else:
        M, _ = _as_matrix(X)
        panels.append((f"Input features ({M.shape[1]})", M))
    Zm, _ = _as_matrix(Z, "Z")
    if Zm.shape[0] != panels[0][1].shape[0]:
        raise ValueError(
            f"X has {panels[0][1].shape[0]} samples but Z has {Zm.shape[0]}: pass the "
            "embedding of the same samples, e.g. Z = estimator.transform(X)."
        )
    panels.append((f"Embedding ({Zm.shape[1]} factors)", Zm))
    x_rows, z_rows = _sample_labels(X), _sample_labels(Z)
    differ = (
        np.flatnonzero(np.asarray(x_rows, dtype=object) != np.asarray(z_rows, dtype=object))
        if x_rows is not None and z_rows is not None and len(x_rows) == len(z_rows)
        and not (_is_default_index(x_rows) or _is_default_index(z_rows))
        else []
    )
    if len(differ):
        at = int(differ[0])
        raise ValueError(
            f"X's rows and Z's name other samples, or the same in another order (row {at}: "
            f"{x_rows[at]!r} in X, {z_rows[at]!r} in Z); rows are paired by position: pass "
            "the embedding of X as it is, e.g. Z = estimator.transform(X)."
        )
    _check_label_order(y, x_rows, "X")
    _check_label_order(y, z_rows, "Z")
    mats = [
        subtype_correlations(data, y, target_names=target_names, center=center)
        for _, data in panels
    ]
    # each subtype with its number of samples: a mean profile of one or two
    # samples (a test part's rare subtype) correlates by chance
    codes, names = _group_codes(y, target_names, len(Zm))
    counts = {str(name): int((codes == c).sum()) for c, name in enumerate(names)}
    labels = [
        f"{short} ({counts[str(full)]})" if str(full) in counts else short
        for short, full in zip(_shorten_all(mats[0].index, names=True), mats[0].index, strict=True)
    ]
    k = len(labels)
    if not center and k >= 3:
        off_diagonal = [C.to_numpy()[~np.eye(k, dtype=bool)] for C in mats]
        flat = [title for (title, _), o in zip(panels, off_diagonal, strict=True) if np.nanmin(o) > 0.95]
        if flat:
            warnings.warn(
                f"Every pair of subtypes correlates above 0.95 in {', '.join(flat)}: uncentred "
                "(the paper's computation), the mean profiles share the overall mean profile, "
                "which hides how the subtypes differ. center=True correlates their deviations "
                "from it.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
    if axes is None:
        side = max(3.2, 0.55 * k + 1.4)
        axes = _new_figure((side * len(panels) + 1.0, side + 0.4), figsize).subplots(1, len(panels))
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if len(axes) != len(panels):
        raise ValueError(
            f"axes must hold {len(panels)} Axes (one per panel); got {len(axes)}."
        )
    image = None
    for i, (ax, (title, _), C) in enumerate(zip(axes, panels, mats, strict=True)):
        image = ax.imshow(C.to_numpy(), cmap=colormap, vmin=-1, vmax=1)
        if k <= 12:
            fontsize = 8 if k <= 6 else 6
            # only where "-0.12" fits a cell (a fifth kept for a layout engine)
            if 0.6 * fontsize * 5 <= 0.8 * _axes_inches(ax)[0] * 72 / k:
                _annotate_matrix(ax, image, C.to_numpy(), fontsize=fontsize)
        ax.set_xticks(np.arange(k))
        ax.set_xticklabels(labels, rotation=45, ha="right", rotation_mode="anchor")
        ax.set_yticks(np.arange(k))
        ax.set_yticklabels(labels if i == 0 else [])
        _set_title(ax, title)
    # two lines: one was taller than the colour bar of a figure of two or three subtypes
    label = "Correlation of subtype\nmean profiles" + (" (centred)" if center else " (uncentred)")
    _figure_of(axes[0]).colorbar(image, ax=list(axes), shrink=0.8, label=label)
    return axes


@validate_params(
    {
        "Z": "no_validation",
        "y": ["array-like", None],
        "feature_names": ["array-like", None],
        "target_names": ["array-like", None],
        "figsize": ["array-like", None], "ax": "no_validation",
        "cmap": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_embedding_heatmap(
    Z: Any, y: Any = None, *, feature_names: Any = None, target_names: Any = None, figsize: Any = None,
    ax: Axes | None = None, cmap: Any = None,
) -> Axes:
    """Heatmap of the embedding with samples sorted by cluster or subtype.

    The POEMS paper's figure 8: one row per sample, one column per factor;
    rows sorted by ``y`` (stable), dashed lines between groups, group names
    on the vertical axis. Embeddings with both signs use a diverging colour map
    centred at 0 (limits at the 99th percentile of ``|Z|``).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_factors)
        The embedding; a DataFrame's columns name the factors.
    y : array-like of shape (n_samples,), default=None
        Cluster assignments or subtypes. None: the samples in their order,
        without groups (a cohort without labels).
    feature_names : list of str, default=None
        Factor names, e.g. ``estimator.get_feature_names_out()``; default the
        DataFrame's columns, else ``0 .. n_factors - 1``.
    target_names : array-like of str or dict, default=None
        Names of integer labels (label ``c`` is shown as ``target_names[c]``), or a
        dict from label to name (labels of any type).
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.
    cmap : str or matplotlib Colormap, default=None
        Colour map of the values; None: ``"RdBu_r"`` centred at 0 for an
        embedding with both signs, else ``"viridis"``. A given map keeps the
        same limits (symmetric about 0 for both signs).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skpoems.plotting import plot_embedding_heatmap
    >>> rng = np.random.RandomState(0)
    >>> ax = plot_embedding_heatmap(rng.randn(20, 4), np.arange(20) % 2,
    ...                             target_names=["Basal", "LumA"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Basal (10)', 'LumA (10)']
    """
    M, names = _matrix_and_names(Z, feature_names)
    n, K = M.shape
    if y is None:
        if target_names is not None:
            raise ValueError("target_names name the groups of y; y is None: leave them out.")
        codes, groups = np.zeros(n, dtype=np.int64), [""]
    else:
        codes, groups = _group_codes(y, target_names, n, _sample_labels(Z), "Z")
    order = np.argsort(codes, kind="stable")
    data = M[order]
    finite = data[np.isfinite(data)]
    both_signs = bool(finite.size) and finite.min() < 0 < finite.max()
    colormap = _colormap(cmap, "RdBu_r" if both_signs else "viridis")
    ax = _new_axes(ax, (min(2.5 + 0.28 * K, 14.0), 5.0), figsize)
    if both_signs:
        limit = float(np.percentile(np.abs(finite), 99)) or 1.0
        image = ax.imshow(
            data, aspect="auto", interpolation="nearest", cmap=colormap, vmin=-limit, vmax=limit
        )
    else:
        image = ax.imshow(data, aspect="auto", interpolation="nearest", cmap=colormap)
    sorted_codes = codes[order]
    bounds = np.flatnonzero(np.diff(sorted_codes)) + 0.5
    for b in bounds:
        ax.axhline(b, color="black", linestyle="--", linewidth=1.0)
    edges = np.concatenate([[-0.5], bounds, [n - 0.5]])
    present = np.unique(sorted_codes)
    if y is None:
        ax.set_yticks([])
    else:
        _label_groups(
            ax,
            "y",
            edges,
            [
                f"{g} ({int((codes == c).sum())})"
                for g, c in zip(_shorten_all([groups[c] for c in present], names=True), present, strict=True)
            ],
            8,
        )
    _set_factor_ticks(ax, [str(n) for n in names], 7 if K > 20 else 8, max_ticks=48)
    ax.set_xlabel("Latent factor")
    group_name = getattr(y, "name", None)
    ax.set_ylabel(
        f"Samples (n={n})" if y is None
        else f"Samples sorted by {group_name if group_name is not None else 'group'} (n={n})"
    )
    _set_title(ax, "Embedding heatmap")
    _figure_of(ax).colorbar(image, ax=ax, label="Embedding value", shrink=0.9)
    return ax


#: more different whole numbers than this: a quantity (an age in years), not group codes
_MAX_NUMERIC_GROUPS = 20


def _quantity(y: Any, n_samples: int, samples: Any) -> np.ndarray | None:
    """``y`` as float64 values where it is a quantity (numbers, not booleans, of
    which some have a fraction or that take more than ``_MAX_NUMERIC_GROUPS``
    values), aligned as :func:`_group_codes` aligns labels; else None (labels,
    text or categorical, or no ``y``)."""
    if y is None or isinstance(y, pd.Categorical) or isinstance(getattr(y, "dtype", None), pd.CategoricalDtype):
        return None
    try:
        series = (
            pd.Series(y) if isinstance(y, (pd.Series, pd.api.extensions.ExtensionArray))  # (Int64 with NA)
            else pd.Series(np.asarray(y, dtype=object)).infer_objects()  # (numbers as text stay text)
        )
    except (TypeError, ValueError):
        return None
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    if np.all(finite == np.round(finite)) and len(np.unique(finite)) <= _MAX_NUMERIC_GROUPS:
        return None  # (group codes)
    _group_codes(y, None, n_samples, samples, "Z")  # (the checks of length and order)
    return values


def _map_axes_labels(ax, axis_name: str, share: np.ndarray | None) -> None:
    if share is not None:  # PCA: with the share of the embedding's variance on each axis
        ax.set_xlabel(f"PC1 ({share[0]:.0%})")
        ax.set_ylabel(f"PC2 ({share[1]:.0%})")
    else:
        ax.set_xlabel(f"{axis_name} 1")
        ax.set_ylabel(f"{axis_name} 2")
        ax.set_xticks([])
        ax.set_yticks([])


def _plot_map_without_groups(
    ax, coords: np.ndarray, values: np.ndarray | None, name: Any, axis_name: str, share: np.ndarray | None
):
    """:func:`plot_embedding` without groups: one colour (``values`` None), or a
    colour scale of ``values`` with its colour bar (missing values grey)."""
    size = 28 if len(coords) <= 300 else 14
    if values is None:
        ax.scatter(coords[:, 0], coords[:, 1], s=size, color=_OKABE_ITO[0], alpha=0.8, linewidths=0)
    else:
        missing = ~np.isfinite(values)
        if missing.any():
            ax.scatter(*coords[missing].T, s=size, color=(0.6, 0.6, 0.6, 1.0), alpha=0.8, linewidths=0,
                       label="unlabelled")
        points = ax.scatter(*coords[~missing].T, s=size, c=values[~missing], cmap="viridis", alpha=0.9,
                            linewidths=0)
        _figure_of(ax).colorbar(points, ax=ax, label=str(name) if name is not None else "value", shrink=0.9)
        if missing.any():
            ax.legend(loc="best", frameon=False, markerscale=1.3)
    _map_axes_labels(ax, axis_name, share)
    _set_title(ax, f"{axis_name} of the embedding")
    return ax


@validate_params(
    {
        "Z": "no_validation",
        "y": ["array-like", None],
        "method": [StrOptions({"tsne", "umap", "pca"})],
        "target_names": ["array-like", None],
        "random_state": ["random_state"],
        "palette": [dict, list, tuple, None],
        "figsize": ["array-like", None], "ax": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_embedding(
    Z: Any,
    y: Any = None,
    *,
    method: str = "tsne",
    target_names: Any = None,
    random_state: Any = 0,
    palette: Any = None,
    figsize: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """Two-dimensional map of the embedding, coloured by subtype.

    The POEMS paper's figure 9. ``"tsne"``: scikit-learn's
    :class:`~sklearn.manifold.TSNE` (PCA initialisation, perplexity
    ``min(30, (n_samples - 1) / 3)``); ``"umap"``: umap-learn's ``UMAP`` (install
    with ``pip install skpoems[umap]``); ``"pca"``: the first two principal
    components. The coordinates of t-SNE and UMAP have no units, so their ticks
    are hidden.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_factors)
        The embedding.
    y : array-like of shape (n_samples,), default=None
        Subtype labels (the legend); missing ones (NaN, None) are shown as
        ``"unlabelled"``. Numbers with fractions or of more than 20 different
        values (an age, a survival time, a gating weight) are a quantity: a
        colour scale and its colour bar instead of a legend, missing ones grey
        (to draw such numbers as groups, pass them as text: ``y.astype(str)``).
        None: every sample in one colour (clusters yet to be found).
    method : {"tsne", "umap", "pca"}, default="tsne"
        The projection.
    target_names : array-like of str or dict, default=None
        Names of integer labels (label ``c`` is shown as ``target_names[c]``), or a
        dict from label to name (labels of any type).
    random_state : int, RandomState instance or None, default=0
        Seed of t-SNE / UMAP. None: not reproducible; UMAP then runs in
        parallel (umap-learn runs single-threaded when seeded).
    palette : dict or list of colours, default=None
        The groups' colours (any matplotlib colour): a dict from a group's name
        as the legend shows it (after ``target_names``) to its colour, so that
        a subtype keeps its colour across figures and papers (groups it does
        not name keep the default colours); or a list, one colour per group in
        legend order. None: Okabe and Ito's colour-blind-safe colours, grey for
        unlabelled samples; past eight groups the eight colours again with
        another marker for each further eight (squares, triangles, ...), so that
        any two groups differ in colour or in shape.
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skpoems.plotting import plot_embedding
    >>> rng = np.random.RandomState(0)
    >>> ax = plot_embedding(rng.randn(20, 4), np.arange(20) % 2, method="pca",
    ...                     target_names=["Basal", "LumA"])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Basal', 'LumA']
    """
    M, _ = _as_matrix(Z, "Z")
    if not np.all(np.isfinite(M)):
        raise ValueError("Z contains NaN or infinite values.")
    if M.shape[1] < 2:
        raise ValueError(
            f"A 2-D map of the embedding needs at least 2 embedding columns; Z has {M.shape[1]}. "
            "Plot a one-factor embedding against the subtypes directly, e.g. as a strip plot."
        )
    n = M.shape[0]
    quantity = _quantity(y, n, _sample_labels(Z))
    if quantity is not None or y is None:
        if target_names is not None or palette is not None:
            raise ValueError(
                "target_names and palette name and colour groups of samples; "
                + ("y is None" if y is None else "y is a quantity (numbers with fractions), drawn on a colour scale")
                + ": leave them out."
            )
        codes, groups = np.zeros(n, dtype=np.int64), [""]
    else:
        codes, groups = _group_codes(y, target_names, n, _sample_labels(Z), "Z")
    if n < 2:
        raise ValueError(f"A 2-D map of the embedding needs at least 2 samples; Z has {n}.")
    if not np.ptp(M, axis=0).any():
        # (scikit-learn's t-SNE divides by the spread of its PCA start: a constant
        # input crashed the Python process)
        raise ValueError(
            "Z is constant: every sample has the same embedding, so there is nothing "
            "to map (a model whose embedding collapsed?)."
        )
    if method != "pca":
        # t-SNE and UMAP read distances relative to each sample's neighbourhood:
        # one scale for the whole embedding changes nothing but the arithmetic,
        # where a spread of 1e-30 or 1e40 crashed the Python process (t-SNE)
        M = np.asarray(M, dtype=np.float64)
        M = (M - M.mean(axis=0)) / np.abs(M - M.mean(axis=0)).max()
    if method == "umap":
        try:
            import umap
        except ImportError as exc:
            raise ImportError(
                "method='umap' needs umap-learn, which is not installed. Install it "
                "with: pip install skpoems[umap] (or use method='tsne')."
            ) from exc
        # None: umap-learn's own unseeded run, parallel over the cores (a seed
        # makes it single-threaded), and the global numpy generator left alone
        seed = (
            None
            if random_state is None
            else check_random_state(random_state).randint(np.iinfo(np.int32).max)
        )
        coords = umap.UMAP(n_components=2, random_state=seed).fit_transform(M)
        axis_name = "UMAP"
    elif method == "tsne":
        from sklearn.manifold import TSNE

        if n < 4:
            raise ValueError(f"t-SNE needs at least 4 samples; got {n}.")
        perplexity = float(min(30.0, (n - 1) / 3.0))
        coords = TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=random_state
        ).fit_transform(M)
        axis_name = "t-SNE"
    else:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2).fit(M)
        coords = pca.transform(M)
        axis_name = "PCA"
    # an array whatever scikit-learn's global output config (a DataFrame under
    # set_config(transform_output="pandas") could not be indexed as [:, 0])
    coords = np.asarray(coords)
    owned = ax is None and figsize is None  # (a figure of the size the user gave is kept)
    ax = _new_axes(ax, (6.0, 4.8), figsize)
    if quantity is not None or y is None:
        return _plot_map_without_groups(ax, coords, quantity, getattr(y, "name", None), axis_name,
                                        pca.explained_variance_ratio_ if method == "pca" else None)
    unlabelled = _has_unlabelled(y)
    labelled = len(groups) - unlabelled
    if labelled <= len(_OKABE_ITO):
        # (the labelled groups' colours whether or not unlabelled samples come too)
        colors, markers = _palette(labelled) + _palette(1) * unlabelled, ["o"] * len(groups)
    else:
        # past eight groups no set of colours stays apart for colour-blind eyes:
        # the eight colours again, each round with another marker, so that any two
        # groups differ in a colour-blind-safe colour or in shape (and the first
        # eight keep their colours when a ninth group comes)
        from matplotlib.colors import to_rgba

        colors = [to_rgba(_OKABE_ITO[c % len(_OKABE_ITO)]) for c in range(len(groups))]
        markers = [_GROUP_MARKERS[(c // len(_OKABE_ITO)) % len(_GROUP_MARKERS)] for c in range(len(groups))]
    if unlabelled:
        colors[-1] = (0.6, 0.6, 0.6, 1.0)  # the last group, patients without a label: grey
        markers[-1] = "o"
    colors = _chosen_colors(palette, groups, colors)
    size = 28 if n <= 300 else 14
    counts = np.bincount(codes, minlength=len(groups))
    handles = {}
    # the largest groups first, so that small ones are drawn over them, not hidden
    for c in sorted(range(len(groups)), key=lambda c: (-counts[c], c)):
        pts = coords[codes == c]
        handles[c] = ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=size,
            color=colors[c],
            marker=markers[c],
            alpha=0.8,
            linewidths=0,
            label=str(groups[c]),
        )
    _map_axes_labels(ax, axis_name, pca.explained_variance_ratio_ if method == "pca" else None)
    legend_title = getattr(y, "name", None)
    present = [c for c in range(len(groups)) if c in handles]
    legend = ax.legend(
        [handles[c] for c in present],
        _shorten_all([groups[c] for c in present], names=True),
        title=str(legend_title) if legend_title is not None else None,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        markerscale=1.3,
        ncols=math.ceil(len(present) / 16),  # about 16 entries fit the default height
    )
    _set_title(ax, f"{axis_name} of the embedding")
    if owned:
        # a figure of its own: widened by the legend, which the layout would
        # otherwise make room for by shrinking the map (to a sliver for 16
        # long subtype names)
        fig = _figure_of(ax)
        width = legend.get_window_extent().width / fig.dpi  # (any backend's renderer)
        fig.set_size_inches(max(6.0, 4.6 + width), fig.get_size_inches()[1])
    return ax


@validate_params(
    {"r2": [pd.DataFrame], "figsize": ["array-like", None], "ax": "no_validation"}, prefer_skip_nested_validation=True
)
def plot_variance_explained(
    r2: pd.DataFrame, *, figsize: Any = None, ax: Axes | None = None, cmap: Any = None
) -> Axes:
    """Heatmap of the variance of each omic explained by each factor.

    Draws the table of :func:`skpoems.inspection.variance_explained`: one row
    per omic, one column per factor, the colour the factor's share of the
    omic's explained variance; each row is labelled with the omic's total. Cell
    values are written when there are at most 16 factors. Negative shares (a
    factor that worsens the reconstruction in combination with others) are
    clipped to the lowest colour.

    Parameters
    ----------
    r2 : DataFrame of shape (n_omics, n_factors + 1)
        The output of :func:`~skpoems.inspection.variance_explained` (a
        ``"total"`` column is optional).
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.
    cmap : str or matplotlib Colormap, default=None
        Colour map of the shares, from 0 to the largest share; None:
        ``"Blues"``. Cell values are written in black or white, whichever
        reads better on the cell's colour.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from skpoems.plotting import plot_variance_explained
    >>> r2 = pd.DataFrame({0: [0.3, 0.05], 1: [0.1, 0.4], "total": [0.4, 0.45]},
    ...                   index=["mRNA", "miRNA"])
    >>> ax = plot_variance_explained(r2)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['mRNA (total 0.40)', 'miRNA (total 0.45)']
    """
    if len(r2) == 0:
        raise ValueError("r2 has no omic (no row): pass the table of inspection.variance_explained.")
    factors = [c for c in r2.columns if not (isinstance(c, str) and c == "total")]
    if not factors:
        raise ValueError("r2 has no factor columns (only 'total').")
    values = r2[factors].to_numpy(dtype=float)
    if r2.attrs.get("method") == "total":
        raise ValueError(
            "r2 holds the totals only (variance_explained with n_permutations=0): "
            "compute it with n_permutations >= 1 for the factors' shares."
        )
    totals = (
        r2["total"].to_numpy(dtype=float)
        if "total" in r2.columns
        else np.nansum(values, axis=1)
    )
    V, K = values.shape
    colormap = _colormap(cmap, "Blues")
    # attrs["factor_labels"][k] names factor column k (pandas keeps attrs through
    # a selection or reordering of the columns: look the names up by key)
    labels = r2.attrs.get("factor_labels")
    if labels is not None and all(
        isinstance(f, (int, np.integer)) and not isinstance(f, bool) and 0 <= f < len(labels) for f in factors
    ):
        names = [str(labels[f]) for f in factors]
    else:
        names = [str(f) for f in factors]
    # at least wide enough for the title beside the colour bar; taller by the
    # factor names where they stand on end (MOCSS's mRNA_specific0: the map and
    # its colour bar were squeezed to an inch)
    longest = max(len(t) for t in _shorten_all(names))
    height = max(1.4 + 0.5 * V, 2.6) + (0.075 * longest if longest > 4 else 0.0)
    ax = _new_axes(ax, (min(max(3.0 + 0.42 * K, 5.2), 15.0), height), figsize)
    top = np.nanmax(values) if np.isfinite(values).any() else 1.0
    image = ax.imshow(
        values,
        aspect="auto",
        interpolation="nearest",
        cmap=colormap,
        vmin=0.0,
        vmax=top if top > 0 else 1.0,  # nothing explained: an honest 0..1 scale
    )
    # two decimals where the shares are large, three where they are all small
    # (typical shares of 32 factors are a few hundredths: "0.00" everywhere)
    digits = 2 if top >= 0.1 else 3
    # values written in the cells where they fit: about 0.6 font sizes per
    # character of "-0.031", in a cell of the Axes' width as now, less a fifth
    # for what a layout engine takes later (a panel of a user's figure is narrow)
    cell_pt = 0.8 * _axes_inches(ax)[0] * 72 / K
    fontsize = next((f for f in (8, 6) if 0.6 * f * (digits + 3) <= cell_pt), None)
    if K <= 16 and fontsize is not None:
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                text = f"{value:.{digits}f}"
                ax.text(
                    j,
                    i,
                    "0" if float(text) == 0 else text,
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    color=_cell_text_color(image, value),
                )
    _set_factor_ticks(ax, names, 8)
    ax.set_yticks(np.arange(V))
    ax.set_yticklabels(
        [
            f"{o} (total {t:.2f})"
            for o, t in zip(_shorten_all(r2.index, names=True), totals, strict=True)
        ]
    )
    ax.set_xlabel("Latent factor")
    _set_title(ax, "Variance explained per omic and factor")
    extend = "min" if np.nanmin(values) < 0 else "neither"
    _figure_of(ax).colorbar(
        image, ax=ax, label="Share of the omic's\nvariance explained", extend=extend, shrink=0.9
    )
    return ax


#: curve labels of the history columns drawn by default.
_HISTORY_LABELS = {
    "train_loss": "training loss",
    "validation_objective": "validation loss",
    "validation_loss": "validation loss watched (no prior terms)",
    "monitored_smoothed": "watched (smoothed)",
}


@validate_params(
    {
        "estimator": [HasMethods(["fit", "transform"])],
        "columns": [list, tuple, None],
        "figsize": ["array-like", None], "ax": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_training_history(
    estimator: Any, columns: Any = None, *, figsize: Any = None, ax: Axes | None = None
) -> Axes:
    """Loss curves of a fit, with the epoch early stopping kept.

    Draws the columns of ``estimator.history_`` against the epoch. By default
    the training loss and the same loss on the validation samples
    (``validation_objective``: the two curves compare), the held-out quantity
    early stopping watched where it leaves terms out (``validation_loss``: the
    principled objective's priors on W and sigma, which do not depend on
    held-out data, so it runs below the other two by their size) and its
    smoothed value (``monitored_smoothed``, present with ``monitor_smoothing >
    0``), i.e. the curves that show why the fit stopped where it did; a dashed
    line marks ``best_iter_``, the epoch whose weights were kept, and the title
    gives ``stop_reason_``. Under the principled objective the losses are per
    sample, in nats. Pass ``columns`` to draw
    loss terms instead, e.g. each omic's held-out likelihood
    (``["validation_nll_mRNA", "validation_nll_miRNA"]``); ``list(
    pandas.DataFrame(estimator.history_))`` lists them.

    Parameters
    ----------
    estimator : fitted skpoems estimator
        Any of the five models. With ``n_init > 1`` the history is that of the
        kept initialisation.
    columns : list of str, default=None
        Keys of ``history_`` to draw; None draws ``"train_loss"``,
        ``"validation_objective"``, ``"validation_loss"`` and
        ``"monitored_smoothed"``, those the fit recorded (the watched
        ``"validation_loss"`` only where it differs from the objective).
    figsize : (float, float), default=None
        Width and height in inches of the figure made when ``ax`` is None;
        None: a size that fits the content.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When a name in ``columns`` is not a key of ``history_`` (the message
        lists the keys).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skpoems import POEMSTransformer
    >>> from skpoems.datasets import make_multiomics
    >>> from skpoems.plotting import plot_training_history
    >>> X, _ = make_multiomics(n_samples=60, omic_dims=(8, 6), n_components=2,
    ...                        random_state=0)
    >>> est = POEMSTransformer(n_components=3, max_iter=5, random_state=0).fit(X)
    >>> ax = plot_training_history(est)
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['training loss', 'validation loss']
    """
    _reject_pipeline(estimator, "a fitted skpoems model (its history_)")
    check_is_fitted(estimator, "history_")
    frame = pd.DataFrame(estimator.history_)
    if frame.empty:
        raise ValueError(f"{type(estimator).__name__} recorded no epoch (history_ is empty).")
    if columns is None:
        columns = [c for c in _HISTORY_LABELS if c in frame]
        if {"validation_objective", "validation_loss"} <= set(columns) and np.allclose(
            frame["validation_objective"], frame["validation_loss"], equal_nan=True
        ):
            columns.remove("validation_objective")  # the watched loss is the objective itself
    else:
        columns = [str(c) for c in columns]
        unknown = [c for c in columns if c not in frame or c == "epoch"]
        if unknown or not columns:
            available = ", ".join(repr(c) for c in frame if c != "epoch")
            raise ValueError(
                f"columns {unknown or columns!r} are not loss columns of history_; "
                f"available: {available}."
            )
    from matplotlib.ticker import MaxNLocator

    ax = _new_axes(ax, (7, 4.5), figsize)
    labels = dict(_HISTORY_LABELS)
    if "validation_objective" not in columns:
        labels["validation_loss"] = "validation loss"
    if "validation_loss" not in frame:  # no early stopping: the training loss is watched
        labels["monitored_smoothed"] = "training loss (smoothed)"
    # the package's colour-blind-safe colours, and line styles that tell the
    # curves apart in grey scale too
    styles = ("-", "-.", ":", (0, (5, 1)))
    for i, (column, color) in enumerate(zip(columns, _palette(len(columns)), strict=True)):
        ax.plot(
            frame["epoch"], frame[column], label=labels.get(column, column), color=color,
            linestyle=styles[i % len(styles)],
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins="auto", min_n_ticks=2))
    best = getattr(estimator, "best_iter_", None)
    if best and "validation_loss" in frame:
        ax.axvline(best, color="0.5", linestyle="--", linewidth=1, label=f"kept epoch ({best})")
    reason = getattr(estimator, "stop_reason_", None)
    reasons = {
        "no_improvement": "patience ran out",
        "converged": "converged",
        "max_iter": "reached max_iter",
        "diverged": "diverged",
        "interrupted": "interrupted",
    }
    title = f"{type(estimator).__name__}: {len(frame)} epochs"
    if reason:
        title += f", {reasons.get(reason, reason)}"
    # the first epochs' losses are often far above the rest: scaled to them, the
    # epochs that decided when training stopped are a flat line. The axis then
    # covers the epochs after the first 5% (they run off the top).
    values = frame[columns].to_numpy(dtype=float)
    finite = np.isfinite(values)
    if len(frame) >= 20 and finite.any():
        later = values[max(1, len(frame) // 20):]
        later = later[np.isfinite(later)]
        low, high = float(values[finite].min()), float(values[finite].max())
        if later.size and (later.max() - low) < 0.5 * (high - low):
            margin = 0.05 * (later.max() - low) or 1.0
            ax.set_ylim(low - margin, later.max() + margin)
            title += " (first epochs off the top)"
    _set_title(ax, title)
    ax.set_xlabel("Epoch")
    from ._poems import POEMSTransformer, POEMTransformer

    # (the principled objective of POEMS and POEM is per sample in nats; MOCSS adds
    # contrastive and orthogonality terms of other units)
    # (the objective it was fitted with, which set_params after fit does not change)
    nats = isinstance(estimator, (POEMSTransformer, POEMTransformer)) and (
        getattr(estimator.module_, "objective", estimator.objective) == "elbo"
    )
    ax.set_ylabel("Loss per sample (nats)" if nats else "Loss")
    if _axes_inches(ax)[0] >= 4.0:
        ax.legend(frameon=False)
    else:  # a narrow panel: below the Axes, where it hides no curve
        ax.legend(
            frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2,
        )
    return ax
