"""The ``skpoems`` command: the paper's experiments from the shell.

``skpoems run``
    One model under the paper's evaluation protocol, end to end, with its
    embeddings, gating weights, W matrices, metrics, history and figures.
``skpoems benchmark``
    The five models plus PCA and raw-feature baselines under the same protocol.
``skpoems sweep``
    The paper's hyper-parameter grid selected by validation loss, locally
    (joblib) or on a Dask cluster.
``skpoems discover``
    Subtypes of a cohort without labels: the model fitted on every sample, k-means
    clusters of its embedding and each cluster's marker features.
``skpoems embed``
    New samples embedded by the model that ``skpoems run`` saved.

``skpoems`` with no arguments is ``skpoems run``: POEMS on the bundled TCGA BRCA
set; it stops on its own within a few minutes on two CPU cores. ``--max-iter``
(default :data:`DEMO_MAX_ITER`) caps the epochs of models that do not stop on
their own; the paper trains for up to 5000 epochs (``--max-iter 5000``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import re
import shlex
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from . import _experiment as exp

#: epoch budget of the commands when --max-iter is not given. POEMS and POEM (the
#: principled objective with a smoothed early-stopping monitor and a convergence
#: test, their default) stop on their own before it: 750-1050 epochs on TCGA BRCA,
#: 6-12 minutes on two CPU cores depending on the machine's speed; so does
#: MOCSS-SparseVAE (the same objective in its sparse branches). Models trained with
#: the paper's objective (--paper-config or --set objective=paper) do not
#: early-stop (their validation loss keeps falling
#: through the sigma terms, MODELS.md): for them this is the budget. The paper
#: trains up to 5000 epochs (--max-iter 5000).
DEMO_MAX_ITER = 1500

_DESCRIPTION = """\
Interpretable multi-omics integration (POEMS, POEM, MOCSS) under the evaluation
protocol of the POEMS paper: 80/20 train/test split (random_state=1), per-feature
min-max scaling fitted on the training part, training with early stopping on 20%
of the training part, and k-means ACC/NMI and k-NN ACC of the test embeddings
(mean and std over seeds 0, 12, 21, 42, 1234).

Without a command, `skpoems` runs `skpoems run` (POEMS on TCGA BRCA)."""

_EPILOG = """\
examples:
  skpoems                                    POEMS on TCGA BRCA (stops on its own)
  skpoems run --model mocss-ae --max-iter 500
  skpoems run --data ./BRCA --model poems    your MOGONET/MOCSS-layout folder
  skpoems benchmark --max-iter 200           all models + PCA + raw features
  skpoems sweep --n-jobs 2                   the paper's 125-configuration grid
  skpoems sweep --scheduler tcp://host:8786  ... on a Dask cluster
  skpoems discover --data ./cohort           subtypes and their markers, no labels needed
  skpoems embed skpoems_results/tcga_brca_poems --data ./new_patients
                                             embed new patients with a saved model
  skpoems gdc ./gdc_download --sample-types tumor --out ./cohort
                                             a GDC portal download as one table per omic
"""


# ----------------------------------------------------------------- arguments
def _param_assignment(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` of ``--set``: the value is read as JSON when it parses
    (numbers, true/false/null, lists), else kept as a string."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        pass
    python = {"None": "null", "True": "true", "False": "false"}
    if value in python or value.startswith("("):
        spelled = python.get(value) or re.sub(r",\s*\]", "]", value.replace("(", "[").replace(")", "]"))
        raise argparse.ArgumentTypeError(
            f"{text!r}: values are JSON, not Python: write {name}={spelled}"
        )
    return name, value


def _cluster_count(text: str) -> int | str:
    """``--n-clusters``: "auto" or an integer of at least 2."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer >= 2, got {text!r}")
    return value


def _int_at_least(low: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(1, text)


def _non_negative_int(text: str) -> int:
    return _int_at_least(0, text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def _test_size(text: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if 0 < value < 1:
        return value
    if value >= 2 and value.is_integer():
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expected a fraction in (0, 1) or a number of test samples (at least 2), got {text}"
    )


def _n_jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a non-zero integer (-1: all cores)")
    return value


def _threads(text: str) -> int | str:
    return "auto" if text == "auto" else _positive_int(text)


def _busy_cores(window: float = 1.0) -> float | None:
    """Cores kept busy by other processes now: the machine's non-idle CPU time
    over ``window`` seconds (``/proc/stat``), in cores; None where unavailable."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(t) for t in f.readline().split()[1:]]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        return sum(ticks[:8]), idle  # guest time is counted in user time already

    try:
        total0, idle0 = sample()
        time.sleep(window)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    share = 1.0 - (idle1 - idle0) / (total1 - total0)
    return max(0.0, share) * (os.cpu_count() or 1)


def auto_threads() -> int:
    """Torch threads for the cores that other work leaves free right now.

    torch's default of one thread per core slows training several-fold when the
    cores are busy with other processes (the threads wait on each other). Busy
    cores are measured over one second (Linux ``/proc/stat``) rather than by the
    1-minute load average, which lags by about a minute both ways: right after a
    ``pip install`` it still counts the finished install as busy, and it does not
    yet see a training run started seconds before. Elsewhere the load average
    is used.
    """
    from ._sweep import available_cores

    cores = available_cores()
    busy = _busy_cores()
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except (AttributeError, OSError):  # pragma: no cover - not on Windows
            return cores
    return max(1, min(cores, math.floor(cores - busy + 0.5)))


FIGURE_FORMATS = ("png", "pdf", "svg")
#: vector figures whose text stays text (editable in Illustrator or Inkscape),
#: and the same SVG ids every run
_EDITABLE_TEXT = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "skpoems"}
#: no creation date in the files, so that the same run writes the same bytes
_NO_DATE = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}


def _figure_formats(text: str) -> list[str]:
    formats = [t.strip().lower().lstrip(".") for t in text.split(",") if t.strip()]
    unknown = [f for f in formats if f not in FIGURE_FORMATS]
    if not formats or unknown:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(FIGURE_FORMATS)}; got {text!r}"
        )
    return list(dict.fromkeys(formats))


def _add_figure_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--figure-format",
        type=_figure_formats,
        default=["png"],
        metavar="FORMAT[,FORMAT]",
        help="file format(s) of the figures: png, pdf or svg (vector, for "
        "a paper, with text that stays editable text), e.g. png,pdf (default: png)",
    )
    parser.add_argument(
        "--figure-dpi",
        type=_positive_int,
        default=150,
        metavar="DPI",
        help="resolution of the png figures (default: %(default)s; journals ask for 300 or more)",
    )


def _add_variance_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--variance-permutations",
        type=_non_negative_int,
        default=20,
        metavar="N",
        help="factor orders of variance_explained.csv, the Shapley split of each "
        "omic's explained variance over the factors (about N x factors decoder passes: "
        "seconds for TCGA BRCA, some 12 minutes for POEMS at 41,000 features and 600 "
        "samples); 0 writes only each omic's total, one pass (default: 20). The "
        "explained variance ignores a constant offset of the reconstruction, so it is "
        "at least the reconstruction R^2 that metrics.json records",
    )


def _list_of(convert: Callable[[str], Any], what: str) -> Callable[[str], list]:
    def parse(text: str) -> list:
        items = [t.strip() for t in text.split(",") if t.strip()]
        if not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {what}"
            )
        return [convert(t) for t in items]

    parse.__name__ = f"list of {what}"
    return parse


def _model_name(text: str) -> str:
    """A model's command-line name from any spelling of it: ``mocss_sparse_vae``
    (the benchmark scripts' names), ``MOCSS-SparseVAE`` (the paper's) and
    ``mocss-sparsevae`` are one model; an unknown name is returned as given,
    lower case, for argparse's ``choices`` to refuse."""
    key = text.strip().lower()
    squeezed = key.replace("-", "").replace("_", "")
    for name in [*exp.MODELS, *exp.BASELINES]:
        if name.replace("-", "") == squeezed:
            return name
    return key


def _model_list(text: str) -> list[str]:
    names = [_model_name(t) for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected 'all' or a comma-separated list")
    if names == ["all"]:
        return list(exp.MODELS)
    if "all" in names:
        raise argparse.ArgumentTypeError("'all' stands alone (all five models); list models by name to add others")
    known = [*exp.MODELS, *exp.BASELINES]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown model(s) {', '.join(unknown)}; "
            f"choose 'all' or from {', '.join(known)}"
        )
    return list(dict.fromkeys(names))


def _top_variance(text: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value == 1 and "." not in text:
        raise argparse.ArgumentTypeError(
            "1 is ambiguous: give 1.0 to keep every feature, or a number of features per omic (2 or more)"
        )
    if value.is_integer() and value >= 2 and "." not in text:
        return int(value)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"{text}: give a fraction in (0, 1] or a whole number of features"
        )
    return value


def _add_data_options(parser: argparse.ArgumentParser, *, split: bool = True) -> None:
    group = parser.add_argument_group("data and protocol" if split else "data")
    source = group.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=exp.DATASETS,
        default=None,
        help="bundled data set (default: tcga_brca, 769 patients, 3 omics, "
        "5 PAM50 subtypes)",
    )
    source.add_argument(
        "--data",
        metavar="FOLDER",
        default=None,
        help="your own data: a folder of named tables, one per omic (mrna.csv.gz, "
        "mirna.csv, ..., with a header row and optionally a first column of sample "
        "names) plus labels.csv; or the MOGONET/MOCSS layout (1_all.csv, ..., "
        "labels_all.csv, or the _tr/_te split, "
        + ("which is then used as the train/test split)" if split else "whose parts are pooled)"),
    )
    group.add_argument(
        "--labels",
        metavar="FILE",
        default=None,
        help="with --data: the label file of a folder of named tables (default: the "
        "table named labels*, else the folder's only table without numbers)",
    )
    group.add_argument(
        "--label-column",
        metavar="NAME",
        default=None,
        help="with --data: the column of the label file that holds the labels",
    )
    group.add_argument(
        "--join",
        choices=("strict", "inner", "outer"),
        default="strict",
        help="with --data (named tables): strict = every omic and the labels list the "
        "same samples; inner = keep the labelled samples present in every omic; outer = "
        "keep every labelled sample, a sample an omic's file lacks missing that omic "
        "(default: strict)",
    )
    _add_layout_option(group)
    group.add_argument(
        "--omics",
        type=_omic_names,
        metavar="NAME[,NAME...]",
        default=None,
        help="with --data (named tables): the omics to read, by file name without its "
        "ending (data_mrna_seq_v2_rsem,data_methylation_hm450), in this order; the "
        "folder's other tables are then passed over whatever they hold (default: every "
        "table of numbers that is not named as sample annotations)",
    )
    group.add_argument(
        "--sample-name-length",
        type=_positive_int,
        metavar="N",
        default=None,
        help="with --data (named tables): cut every sample name to its first N "
        "characters before matching omics and labels (TCGA barcodes: 12 for the "
        "patient, 15 or 16 for the sample; default: names as they are)",
    )
    group.add_argument(
        "--sample-types",
        type=_sample_types,
        metavar="all|tumor|normal|CODE[,CODE...]",
        default="all",
        help="with --data (named tables): keep the samples of these types by their TCGA "
        "or TARGET barcode (characters 14-15), before names are cut: tumor (01-09, 40-42), "
        "normal (10-19) or two-digit codes such as 01 for primary tumours (default: "
        "all; a portal's cohort table holds normal tissue beside the tumours)",
    )
    if split:
        group.add_argument(
            "--test-size",
            type=_test_size,
            metavar="SIZE",
            default=0.2,
            help="test fraction (default: %(default)s, as in the paper)",
        )
        group.add_argument(
            "--split-seed",
            type=int,
            metavar="SEED",
            default=1,
            help="random_state of the train/test split (default: %(default)s, as in "
            "the paper)",
        )
        group.add_argument(
            "--stratify",
            action="store_true",
            help="stratify the train/test split by label (the paper does not)",
        )
    group.add_argument(
        "--top-variance",
        type=_top_variance,
        metavar="SHARE",
        default=None,
        help="keep only each omic's most variable features, chosen on the "
        + ("training part" if split else "samples fitted")
        + ": a fraction in (0, 1] or a number per omic (the POEMS authors keep 0.25 "
        "for KIRC; default: keep all)",
    )
    group.add_argument(
        "--impute",
        choices=("mean", "median"),
        default=None,
        help="fill stray missing values (NaN in a sample that has other values of "
        "the omic, as methylation arrays have) with each feature's mean or median "
        + ("over the training part" if split else "over the samples fitted")
        + "; a sample's whole missing omic stays missing "
        "(default: stray NaN are an error that names them)",
    )
    group.add_argument(
        "--log",
        nargs="+",
        metavar="OMIC",
        default=None,
        help="log-transform these omics first, log(1 + x): linear-scale abundances "
        "such as read counts, TPM or intensities, whose few large values would "
        "otherwise dominate each feature (the models warn, naming the omic, when "
        "one looks so); the saved model.joblib applies it to new samples",
    )


def _add_model_options(parser: argparse.ArgumentParser, *, training: bool, several: bool = False) -> None:
    """The model's options; ``several``: benchmark's, for several models and the
    baselines; ``training``: the command trains with ``--threads``."""
    group = parser.add_argument_group(
        "model", "unset options keep each model's defaults (--paper-config: the paper's configuration)"
    )
    group.add_argument(
        "--max-iter",
        type=_positive_int,
        metavar="N",
        default=DEMO_MAX_ITER,
        help="maximum number of epochs (default: %(default)s; POEMS, POEM and "
        "MOCSS-SparseVAE stop on their own before it; the paper: 5000 with early stopping)",
    )
    if training:
        group.add_argument(
            "--batch-size", type=_positive_int, metavar="N", help="minibatch size"
        )
        group.add_argument(
            "--learning-rate", type=_positive_float, metavar="LR", help="learning rate"
        )
        group.add_argument(
            "--weight-decay",
            type=_non_negative_float,
            metavar="WD",
            help="weight decay",
        )
    group.add_argument(
        "--paper-config",
        action="store_true",
        help="POEMS, POEM and MOCSS-SparseVAE: train the paper's configuration (skpoems.PAPER_CONFIG: "
        "its objective, batch 512, ...) instead of the defaults; give it --max-iter, "
        "its validation loss does not stop falling; options and --set override it",
    )
    group.add_argument(
        "--set",
        dest="params",
        action="append",
        default=[],
        type=_param_assignment,
        metavar="NAME=VALUE",
        help="any other estimator parameter, e.g. --set objective=elbo --set beta=4 "
        "(repeatable; JSON values)" + ("; it applies to the models that have it" if several else ""),
    )
    group.add_argument(
        "--n-components",
        type=_positive_int,
        metavar="K",
        default=None,
        help="latent dimension K (default: 32" + ("; also the PCA baseline's)" if several else ")"),
    )
    group.add_argument(
        "--n-iter-no-change",
        type=_positive_int,
        metavar="N",
        default=None,
        help="early-stopping patience in epochs (default: 30; --set n_iter_no_change=null "
        "trains all --max-iter epochs)",
    )
    group.add_argument(
        "--random-state",
        type=int,
        metavar="SEED",
        default=1,
        help="model seed (validation split, initialisation, minibatches; default: "
        "%(default)s, which gives the paper's validation split)",
    )
    group.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="torch device (default: %(default)s)",
    )
    if training:
        _add_threads_option(group)


def _add_threads_option(parser: Any) -> None:
    parser.add_argument(
        "--threads",
        type=_threads,
        metavar="N|auto",
        default="auto",
        help="CPU threads of torch and of scikit-learn's OpenMP/BLAS code (default: "
        "auto, the cores that other work leaves free, measured over one second "
        "at the start, at least 1)",
    )


#: ``--layout`` to ``load_omics_tables(transpose=...)``
_LAYOUTS = {"auto": "auto", "samples-x-features": False, "features-x-samples": True}


def _omic_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r}: give omic names separated by commas (mrna,mirna)")
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"{text!r} names an omic twice")
    return names


def _add_layout_option(group, *, labels: bool = True) -> None:
    group.add_argument(
        "--layout",
        choices=list(_LAYOUTS),
        default="auto",
        help="with --data (named tables): how every table is laid out (default: auto, "
        "judged per table from the sample names: "
        + ("those of the labels where there are labels, else " if labels else "")
        + "the names all omics share, the file's format or names shaped as sample ids)",
    )


def _add_model_choice(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=_model_name,
        choices=list(exp.MODELS),
        default="poems",
        help="the model (default: %(default)s)",
    )


def _add_output_options(parser: argparse.ArgumentParser, default: str) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help=f"output folder (default: ./skpoems_results/{default})",
    )
    group.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bars, only the summary"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skpoems`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="skpoems",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skpoems {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="one model under the paper's protocol, with outputs and figures",
        description="Run one model under the paper's evaluation protocol and write its "
        "test embeddings, gating weights, W per omic, metrics, training history and "
        "figures.",
    )
    _add_data_options(run)
    _add_model_choice(run)
    _add_model_options(run, training=True)
    _add_output_options(run, "<dataset>_<model>")
    run.add_argument("--no-figures", action="store_true", help="skip the figures")
    _add_figure_format(run)
    _add_variance_option(run)
    run.set_defaults(handler=_cmd_run)

    bench = commands.add_parser(
        "benchmark",
        help="all models plus PCA and raw-feature baselines, as a table",
        description="Run several models and the PCA and raw-feature baselines under "
        "the "
        "same protocol and split(s); print and write the table of scores (mean and "
        "std over seeds and splits), fit times and epochs.",
    )
    _add_data_options(bench)
    bench.add_argument(
        "--models",
        type=_model_list,
        default=list(exp.MODELS),
        metavar="all|LIST",
        help="'all' (default) or a comma-separated list of "
        f"{', '.join([*exp.MODELS, *exp.BASELINES])}",
    )
    bench.add_argument(
        "--no-baselines",
        action="store_true",
        help="do not add the PCA and raw-feature baselines",
    )
    bench.add_argument(
        "--splits",
        type=_positive_int,
        metavar="N",
        default=1,
        help="number of train/test splits (seeds split-seed, split-seed+1, ...; "
        "default: %(default)s)",
    )
    _add_model_options(bench, training=True, several=True)
    _add_output_options(bench, "<dataset>_benchmark")
    bench.set_defaults(handler=_cmd_benchmark)

    sweep = commands.add_parser(
        "sweep",
        help="the paper's hyper-parameter grid, selected by validation loss",
        description="Fit every (batch size, learning rate, weight decay) configuration "
        "on the training part with early stopping, select the one with the smallest "
        "validation loss (as the paper does), then evaluate it on the test part. "
        "Runs locally with joblib (--n-jobs) or on a Dask cluster (--scheduler, "
        "--dask-local; pip install skpoems[distributed]).",
    )
    _add_data_options(sweep)
    _add_model_choice(sweep)
    grid = sweep.add_argument_group("grid (default: the paper's 5 x 5 x 5)")
    grid.add_argument(
        "--batch-sizes",
        type=_list_of(_positive_int, "integers"),
        default=[32, 64, 128, 256, 512],
        metavar="LIST",
        help="default: 32,64,128,256,512",
    )
    grid.add_argument(
        "--learning-rates",
        type=_list_of(_positive_float, "numbers"),
        default=[1e-4, 3e-4, 5e-4, 7e-4, 9e-4],
        metavar="LIST",
        help="default: 1e-4,3e-4,5e-4,7e-4,9e-4",
    )
    grid.add_argument(
        "--weight-decays",
        type=_list_of(_non_negative_float, "numbers"),
        default=[1e-4, 3e-4, 5e-4, 7e-4, 9e-4],
        metavar="LIST",
        help="default: 1e-4,3e-4,5e-4,7e-4,9e-4",
    )
    _add_model_options(sweep, training=False)
    par = sweep.add_argument_group("parallelism")
    where = par.add_mutually_exclusive_group()
    where.add_argument(
        "--n-jobs",
        type=_n_jobs,
        metavar="N",
        default=1,
        help="local worker processes (joblib; -1: one per core; default: %(default)s)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a Dask scheduler (tcp://host:8786)",
    )
    where.add_argument(
        "--dask-local",
        type=_positive_int,
        metavar="N",
        help="start a local Dask cluster with N single-threaded worker processes",
    )
    par.add_argument(
        "--threads",
        type=lambda text: None if text == "auto" else _positive_int(text),
        metavar="N|auto",
        default=None,
        help="torch threads per fit (default: auto, cores / concurrent fits per machine). A fit "
        "depends on its thread count (floating-point sums), so without --threads the "
        "results change with --n-jobs; the refit of the selected configuration uses "
        "the threads its sweep fit had",
    )
    _add_output_options(sweep, "<dataset>_<model>_sweep")
    sweep.add_argument(
        "--no-figures", action="store_true", help="skip the selected model's figures"
    )
    _add_figure_format(sweep)
    _add_variance_option(sweep)
    sweep.set_defaults(handler=_cmd_sweep)

    discover = commands.add_parser(
        "discover",
        help="subtypes of a cohort without labels: fit, cluster, marker features",
        description="Find subtypes in a cohort: impute, select and min-max scale every "
        "sample, fit the model on all of them (early stopping holds out its own "
        "validation part), cluster the embedding with k-means (k chosen by the "
        "silhouette unless --n-clusters is given) and rank each cluster's marker "
        "features (Welch t-test of the scaled values against the other samples, or "
        "with --marker-test wilcoxon a rank-sum test, for binary or discrete omics; "
        "Benjamini-Hochberg q-values; the clusters come from the same samples, so "
        "they are optimistic: a ranking to confirm on other patients). Labels are "
        "not needed; where the folder has "
        "them, the clusters are compared with them (ARI, NMI, over the labelled "
        "samples: every sample of the omic tables is clustered). Writes the embedding, "
        "clusters.csv (with POEMS and POEM also each sample's ELBO: how well the model "
        "explains it, low values worth a look; it sums over the omics a sample has, so "
        "compare samples with the same omics, whose number is in omics_observed, for "
        "every model, where some lack one), cluster_markers.csv, the run outputs (W, "
        "top features, gating weights, model.joblib) and figures coloured by cluster.",
    )
    _add_data_options(discover, split=False)
    _add_model_choice(discover)
    discover.add_argument(
        "--n-clusters",
        type=_cluster_count,
        metavar="K|auto",
        default="auto",
        help="number of clusters (default: auto, the k in 2..10 with the highest "
        "silhouette of the embedding)",
    )
    discover.add_argument(
        "--marker-test",
        choices=("welch", "wilcoxon"),
        default="welch",
        help="test of each cluster's markers against the other samples: welch "
        "(default; continuous values) or wilcoxon (a rank-sum test: mutations, "
        "copy-number states, counts, on which Welch's p-values are far too small)",
    )
    _add_model_options(discover, training=True)
    _add_output_options(discover, "<dataset>_<model>_subtypes")
    discover.add_argument("--no-figures", action="store_true", help="skip the figures")
    _add_figure_format(discover)
    _add_variance_option(discover)
    discover.set_defaults(handler=_cmd_discover)

    embed = commands.add_parser(
        "embed",
        help="embed new samples with a model saved by run or discover",
        description="Embed the samples of a folder of named omic tables (unscaled, "
        "laid out as the data the model was trained on; labels are not needed), or of "
        "a MOGONET/MOCSS numbered folder (1_all.csv, ...; omics by file number), with "
        "the model.joblib that `skpoems run` or `skpoems discover` saved: its imputer, "
        "scaler and model. Features are matched by name; features the model was not "
        "trained on are ignored; an omic without a table in the folder is missing for "
        "every sample (embedded from the others). Writes embedding.csv and, for POEMS "
        "and POEM, gating_weights.csv; with the output folder of `skpoems discover`, "
        "also clusters.csv (each sample's nearest discovered cluster and, for POEMS and "
        "POEM, its ELBO: new samples far below the ELBO of the cohort's samples with the "
        "same omics are not explained by the model).",
    )
    embed.add_argument(
        "model",
        metavar="MODEL",
        help="model.joblib written by skpoems run or discover (or that output folder)",
    )
    embed.add_argument(
        "--data",
        metavar="FOLDER",
        required=True,
        help="the folder of named omic tables, or a MOGONET/MOCSS numbered folder",
    )
    embed.add_argument(
        "--join",
        choices=("strict", "inner", "outer"),
        default="outer",
        help="outer (default) = every sample of any omic's file, missing the omics "
        "whose files lack it; inner = the samples of every omic; strict = every "
        "file lists the same samples",
    )
    _add_layout_option(embed, labels=False)
    embed.add_argument(
        "--sample-name-length",
        type=_positive_int,
        metavar="N",
        default=None,
        help="cut every sample name to its first N characters before matching omics",
    )
    embed.add_argument(
        "--sample-types",
        type=_sample_types,
        metavar="all|tumor|normal|CODE[,CODE...]",
        default=None,
        help="keep the samples of these types by their TCGA or TARGET barcode, before names "
        "are cut (default: those the model's training command kept)",
    )
    _add_threads_option(embed)
    _add_output_options(embed, "<folder>_embedding")
    embed.set_defaults(handler=_cmd_embed)

    gdc = commands.add_parser(
        "gdc",
        help="merge a GDC portal download into one table per omic",
        description="Merge a download of the GDC data portal (one file per sample and "
        "data type, in folders named by file id, and the cart's sample sheet "
        "gdc_sample_sheet*.tsv) into one table per omic, samples x features: "
        "gene_expression (STAR's tpm_unstranded), mirna (reads per million), "
        "methylation (beta values), protein (RPPA), copy_number_<workflow> (gene level), "
        "written as <omic>.csv.gz, features x samples, for `skpoems run --data DIR "
        "--layout features-x-samples` and `skpoems discover`. Other data types are passed "
        "over and named; the run command that reads the tables is printed.",
    )
    gdc.add_argument("download", metavar="FOLDER", help="the download folder (files at any depth)")
    gdc.add_argument(
        "--sample-sheet",
        metavar="FILE",
        default=None,
        help="the download's sample sheet (default: the gdc_sample_sheet*.tsv in FOLDER or beside it)",
    )
    gdc.add_argument(
        "--sample-types",
        type=_sample_types,
        metavar="all|tumor|normal|CODE[,CODE...]",
        default="all",
        help="the samples to keep: tumor (sample types 01-09 and 40-42 of the barcode), normal "
        "(10-19), or two-digit codes such as 01 (primary tumours) (default: all; a "
        "cohort's download holds normal tissue beside the tumours)",
    )
    gdc.add_argument(
        "--value",
        type=_param_assignment,
        action="append",
        metavar="OMIC=COLUMN",
        default=[],
        help="the column to take for an omic, e.g. gene_expression=unstranded for raw "
        "counts (repeatable; default: gene_expression=tpm_unstranded, "
        "mirna=reads_per_million_miRNA_mapped)",
    )
    gdc.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output folder of the tables (default: ./<download folder>_tables)",
    )
    gdc.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    gdc.set_defaults(handler=_cmd_gdc)
    return parser


# -------------------------------------------------------------------- helpers
class _UsageError(Exception):
    """A problem with the user's input (exit status 2)."""


class _DataError(_UsageError):
    """A problem with the user's data (exit status 2): reported in one line,
    without the usage block, which says nothing about it and would bury it."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


#: how ``skpoems run`` reports an estimator's ``stop_reason_``
_STOP_REASONS = {
    "converged": "converged",
    "no_improvement": "no improvement for n_iter_no_change epochs",
    "max_iter": "epoch budget spent",
    "diverged": "diverged",
    "interrupted": "interrupted",
}


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "omic"


def _safe_names(texts: Sequence[str]) -> list[str]:
    """:func:`_safe_name` of each, made unique (``mRNA seq`` and ``mRNA_seq``,
    or ``mRNA`` and ``mrna`` on a file system blind to case, would write one
    file over the other): a repeat gets ``_2``, ``_3``, ..."""
    out: list[str] = []
    taken: set[str] = set()
    for text in texts:
        base = name = _safe_name(text)
        n = 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.lower())
        out.append(name)
    return out


#: the loaders' Python remedies, as the options that give them on the command line
_CLI_TERMS = (
    ("skpoems.datasets.merge_gdc_download(download)", "skpoems gdc DOWNLOAD"),
    ("as sample_sheet=.", "with --sample-sheet FILE."),
    ("pass sample_types='all'", "pass --sample-types all"),
    ("If it is an omic, rename it, or name the omics to read (omics=[...]).",
     "If it is an omic, rename it, or name the omics to read (--omics NAME,NAME)."),
    ("or name the omics to read (omics=[...])", "or name the omics to read (--omics NAME,NAME)"),
    ("labels=FILE, label_column=NAME", "--labels FILE --label-column NAME"),
    ("pass test='wilcoxon' (a rank-sum test) for such omics", "pass --marker-test wilcoxon (a rank-sum test)"),
    (" of y hold a single sample", " hold a single sample"),
    (" (skpoems run: --join inner or --join outer)", ""),
    ("join='inner'", "--join inner"),
    ("join='outer'", "--join outer"),
    ("labels=FILE (--labels FILE)", "--labels FILE"),
    ("labels=FILE", "--labels FILE"),
    ("pass transpose=True (skpoems: --layout features-x-samples)", "pass --layout features-x-samples"),
    ("Pass transpose=False if every table is samples x features or transpose=True if "
     "features x samples (skpoems: --layout samples-x-features or features-x-samples)",
     "Pass --layout samples-x-features if every table is samples x features or --layout "
     "features-x-samples if features x samples"),
    ("pass transpose=True", "pass --layout features-x-samples"),
    ("log names no omic", "--log names no omic"),
    ("pass omic_balance='omics'", "pass --set omic_balance=omics"),
    ("remove it (pandas: read_csv(..., skiprows=[1]))", "delete that line from the file"),
    ("Score more samples, or pass a smaller n_neighbors.", "Score more samples (a larger --test-size)."),
    ("name the omics to read (omics=[...])", "name the omics to read (--omics NAME,NAME)"),
    ("(--layout / transpose)", "(--layout)"),
    ("drop them first (e.g. data.loc[data.index.str[13:15] < '10']) or pass sample_types='tumor'",
     "pass --sample-types tumor"),
    ("sample_types=['01']", "--sample-types 01"),
    ("sample_types='tumor'", "--sample-types tumor"),
    ("sample_types='all'", "--sample-types all"),
    ("sample_types", "--sample-types"),
    ("(skpoems.preprocessing.SelectTopVariance(n_features=1000), as the paper kept 1000 per omic)",
     "(--top-variance 1000, as the paper kept 1000 per omic)"),
    ("keep the most variable features first, skpoems.preprocessing.SelectTopVariance",
     "keep the most variable features first (--top-variance)"),
    ("label_column=NAME", "--label-column NAME"),
)
#: a Python keyword argument with a number, as the option (sample_name_length=12)
_CLI_NUMBERS = re.compile(r"\bsample_name_length=(\d+)")


#: the models' remedy for linear-scale omics (``_base._warn_if_linear_scale``)
_LOG_REMEDY = re.compile(r"Log-transform before scaling, e\.g\. skpoems\.preprocessing\.OmicTransformer\((\{.*?\})\)\.")


#: remedies that ``embed`` words otherwise: it reads the tables named as the
#: model's omics (no --omics), through the pipeline trained (no --impute of its own)
_EMBED_TERMS = (
    ("If it is not an omic (clinical data, say), move it out of the folder or name the omics "
     "to read (omics=[...]).",
     "It is read as the model's omic of that name: write its values as numbers (empty or NaN "
     "where missing)."),
    ("If it is not an omic, move it out of the folder or name the omics to read (omics=[...]).",
     "It is read as the model's omic of that name: write its values as numbers (empty or NaN "
     "where missing)."),
    ("impute stray missing values first, e.g. with skpoems.preprocessing.OmicTransformer("
     "SimpleImputer()), which leaves missing omics missing.",
     "the model was trained without --impute, so its pipeline cannot fill them: fill them in "
     "the tables, or train with --impute median (the saved pipeline then fills them)."),
)


def _in_cli_terms(message: str, command: str | None = None) -> str:
    if command == "embed":
        for python, option in _EMBED_TERMS:
            message = message.replace(python, option)
    for python, option in _CLI_TERMS:
        message = message.replace(python, option)
    message = _CLI_NUMBERS.sub(r"--sample-name-length \1", message)
    return _LOG_REMEDY.sub(
        lambda m: (
            "Pass --log " + " ".join(re.findall(r"'([^']*)': make_pipeline\(FunctionTransformer", m.group(1))) + "."
        ),
        message,
    )


def _load(args: argparse.Namespace, *, require_labels: bool = True, keep_unlabelled: bool = False):
    try:
        if args.data is None and (
            args.labels is not None or args.label_column is not None or args.join != "strict"
            or args.sample_name_length is not None or args.layout != "auto" or args.omics is not None
            or args.sample_types != "all"
        ):
            raise ValueError(
                "--labels, --label-column, --join, --omics, --sample-name-length, --sample-types and --layout go "
                "with --data FOLDER."
            )
        bunch = exp.load_dataset(
            args.dataset,
            args.data,
            labels=args.labels,
            label_column=args.label_column,
            join=args.join,
            sample_name_length=args.sample_name_length,
            sample_types=args.sample_types,
            require_labels=require_labels,
            transpose=_LAYOUTS[args.layout],
            keep_unlabelled=keep_unlabelled,
            omics=args.omics,
        )
    except (ValueError, OSError) as exc:
        raise _DataError(_in_cli_terms(str(exc))) from exc
    # the samples the loader left out, and why (they are in no output)
    for line in str(getattr(bunch, "DESCR", "")).splitlines():
        if line.startswith("Left out: "):
            print(f"note: left out {line[len('Left out: '):]}", file=sys.stderr, flush=True)
    return bunch


def _estimator_params(
    args: argparse.Namespace, *, verbose: int = 0, model: str | None = None, strict: bool = True
) -> dict[str, Any]:
    """Estimator parameters from the options; ``--set`` ones for ``model`` (those it
    lacks raise a usage error when ``strict``, else are skipped).

    Options left at None were not given and are dropped (the estimator's default
    applies); a None from ``--paper-config`` or ``--set NAME=null`` is a value
    (e.g. ``convergence_tol=None``: no convergence test) and is kept, so pass the
    result to :func:`~skpoems._experiment.make_estimator` with
    ``drop_none=False``."""
    params = {
        "max_iter": args.max_iter,
        "n_components": args.n_components,
        "n_iter_no_change": args.n_iter_no_change,
        "random_state": args.random_state,
        "device": args.device,
        "verbose": verbose,
    }
    for name in ("batch_size", "learning_rate", "weight_decay"):
        if hasattr(args, name):
            params[name] = getattr(args, name)
    params = {k: v for k, v in params.items() if v is not None}
    if getattr(args, "paper_config", False) and model in exp.MODELS:
        from . import PAPER_CONFIG

        params = {**PAPER_CONFIG.get(exp.MODELS[model].__name__, {}), **params}
    if model in exp.MODELS:
        accepted = exp.MODELS[model]().get_params()
        given = {k for k, v in vars(args).items() if k in accepted and v != _option_defaults(args).get(k)}
        names = [name for name, _ in getattr(args, "params", None) or []]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise _UsageError(f"--set {twice[0]}=... is given more than once: give each parameter once")
        swept = {"batch_size": "--batch-sizes", "learning_rate": "--learning-rates", "weight_decay": "--weight-decays"}
        for name, value in getattr(args, "params", []):
            if getattr(args, "command", None) == "sweep" and name in swept:
                raise _UsageError(
                    f"--set {name}=... in a sweep: the grid sets {name} (the option "
                    f"{swept[name]}), so it would be ignored; give the values with {swept[name]}"
                )
            if name in given and name != "verbose":
                raise _UsageError(
                    f"--set {name}=... and --{name.replace('_', '-')} both set {name}: give one of them"
                )
            if name in accepted:
                params[name] = value
            elif strict:
                raise _UsageError(
                    f"--set {name}: {exp.DISPLAY_NAMES[model]} has no parameter {name!r}; "
                    f"its parameters: {', '.join(sorted(accepted))}"
                )
        _check_parameters(model, params)
    elif model == "pca":  # the baseline's size follows the models' (as --n-components)
        for name, value in getattr(args, "params", None) or []:
            if name == "n_components":
                params[name] = value
    return params


def _option_defaults(args: argparse.Namespace) -> dict[str, Any]:
    """The options' defaults of ``args``'s subcommand (what the user did not type)."""
    command = getattr(args, "command", None)
    try:
        return vars(build_parser().parse_args([command])) if command else {}
    except SystemExit:  # a subcommand with required arguments
        return {}


def _check_parameters(model: str, params: dict[str, Any]) -> None:
    """Bad values (``--set beta=-1``, ``--device cuda`` without a GPU) are usage
    errors before any data is split or fitted."""
    from sklearn.utils._param_validation import InvalidParameterError

    from .utils._torch import resolve_device

    try:
        estimator = exp.MODELS[model](**params)
        estimator._validate_params()
        estimator._check_layer_sizes()  # (what scikit-learn's constraints cannot say)
        if estimator.get_params().get("device") is not None:
            resolve_device(estimator.device)
    except (InvalidParameterError, ValueError, RuntimeError) as exc:
        raise _UsageError(str(exc)) from None


def _check_stray_missing(bunch, fitted_on: str = "the training part") -> None:
    """Before any training: stray NaN (some but not all of a sample's values of an
    omic) are a usage error that names the omic and samples, and ``--impute``."""
    data = bunch.data
    if not isinstance(data, pd.DataFrame) or not isinstance(data.columns, pd.MultiIndex):
        return
    for omic in bunch.omic_names:
        nan = data[omic].isna().to_numpy()
        n_nan = nan.sum(axis=1)
        stray = (n_nan > 0) & (n_nan < nan.shape[1])
        if stray.any():
            rows = np.flatnonzero(stray)
            examples = ", ".join(repr(str(data.index[r])) for r in rows[:3])
            raise _DataError(
                f"omic {omic!r} has {int(nan[rows].sum())} stray missing value(s) in "
                f"{rows.size} sample(s) that have its other values (e.g. {examples}). "
                "Pass --impute median (or mean) to fill them with each feature's "
                f"median over {fitted_on}; a sample whose whole omic is missing "
                "stays missing either way."
            )


def _check_empty_omics(bunch) -> None:
    """Before any preprocessing: an omic without a single value (every cell of its
    table empty) is an error naming it, before numpy's "All-NaN slice
    encountered" warning of the scaler's fit and the model's error."""
    data = bunch.data
    if not isinstance(data, pd.DataFrame) or not isinstance(data.columns, pd.MultiIndex):
        return
    for omic in bunch.omic_names:
        if data[omic].isna().to_numpy().all():
            raise _DataError(
                f"cannot prepare {bunch.name}: omic {omic!r} has no value in any of the "
                f"{len(data)} samples (every cell of its table is empty, or the table lists "
                "none of them), so there is nothing to learn it from. Fill its table, or "
                "move it out of the folder."
            )


#: above this many features in all, without --top-variance, a note says what
#: training will cost and how to select features
_MANY_FEATURES = 20_000


def _note_many_features(args: argparse.Namespace, bunch) -> None:
    n_features = int(sum(bunch.omic_dims))
    if getattr(args, "top_variance", None) is not None or n_features <= _MANY_FEATURES:
        return
    print(
        f"skpoems: note: {n_features:,} features. Every epoch decodes each (sample, feature) "
        "pair, so training time grows with the features: about 15 s per POEMS epoch for "
        "400 patients and 71,800 features on one core, i.e. hours for a fit. "
        "--top-variance 0.25 keeps each omic's most variable quarter of features "
        "(the POEMS authors' filter for KIRC).",
        file=sys.stderr,
        flush=True,
    )


def _split(args: argparse.Namespace, bunch, seed_offset: int = 0) -> exp.Split:
    if seed_offset == 0:
        _note_many_features(args, bunch)
    _check_empty_omics(bunch)
    impute = getattr(args, "impute", None)
    if impute is None:
        _check_stray_missing(bunch)
    if args.stratify and bunch.is_train is None:
        # (scikit-learn's message names the class by its code)
        counts = pd.Series(_label_names(bunch.target, bunch.target_names)).value_counts()
        rare = counts[counts < 2]
        if len(rare):
            raise _UsageError(
                f"cannot split {bunch.name} with --stratify: every class needs at least 2 "
                "samples (one in each part), and "
                + ", ".join(f"{name!r} has {n}" for name, n in rare.items())
                + ". Drop such classes from the labels, or leave out --stratify."
            )
    try:
        split = exp.split_and_scale(
            bunch.data,
            bunch.target,
            test_size=args.test_size,
            random_state=args.split_seed + seed_offset,
            stratify=args.stratify,
            is_train=bunch.is_train,
            top_variance=getattr(args, "top_variance", None),
            impute=impute,
            log=getattr(args, "log", None),
        )
    except ValueError as exc:
        # (the split, or the preprocessing fitted on its training part: --log,
        # --impute, --top-variance, the scaling)
        raise _DataError(f"cannot prepare {bunch.name}: {_in_cli_terms(str(exc))}") from exc
    # before any training: a test part the protocol can score (k-means with one
    # cluster per class; k-NN, k = the number of classes, trained on 3/4 of it)
    n_classes = len(np.unique(np.asarray(bunch.target)))
    n_test = len(split.y_test)
    if n_test - math.ceil(0.25 * n_test) < n_classes or len(np.unique(np.asarray(split.y_test))) < 2:
        raise _UsageError(
            f"the test part of {bunch.name} has {n_test} samples, too few to score {n_classes} "
            f"classes (k-means and a k-NN with {n_classes} neighbours on 3/4 of it); give a "
            "larger --test-size" + ("" if bunch.is_train is None else " (the folder's own split)")
        )
    if bunch.is_train is not None and seed_offset == 0:
        ignored = [
            opt
            for opt, name in (
                ("--test-size", "test_size"),
                ("--split-seed", "split_seed"),
                ("--stratify", "stratify"),
                ("--splits", "splits"),
            )
            if hasattr(args, name) and getattr(args, name) != _option_defaults(args).get(name)
        ]
        if ignored:
            print(
                f"skpoems: {', '.join(ignored)} ignored: the folder has its own train/test split (_tr/_te files)",
                file=sys.stderr,
            )
    return split


def _split_info(args: argparse.Namespace, bunch) -> dict[str, Any]:
    selection = {
        "top_variance": getattr(args, "top_variance", None),
        "impute": getattr(args, "impute", None),
        "log": getattr(args, "log", None),
    }
    if bunch.is_train is not None:
        return {"given": True, "source": "the folder's _tr/_te files", **selection}
    return {
        "given": False,
        "test_size": args.test_size,
        "random_state": args.split_seed,
        "stratify": bool(args.stratify),
        **selection,
    }


#: files of skpoems embed, which writes no metrics.json to list them
_EMBED_FILES = ("embedding.csv", "gating_weights.csv", "clusters.csv")


def _out_path(args: argparse.Namespace, default: str) -> Path:
    out = Path(args.out) if args.out else Path("skpoems_results") / default
    data = getattr(args, "data", None)
    if data and Path(data).is_dir() and out.resolve() == Path(data).resolve():
        # its CSV outputs (embedding.csv, top_features.csv) would be read as
        # omics of that folder the next time
        raise _UsageError(f"--out {out} is the data folder: give the outputs a folder of their own.")
    return out


def _out_dir(args: argparse.Namespace, default: str) -> Path:
    """The output folder, created (before any training, so that a bad path fails early)."""
    out = _out_path(args, default)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise _UsageError(f"--out {out}: a file is in the way; give a folder.") from None
    except OSError as exc:
        raise _UsageError(f"--out {out}: cannot create the folder: {exc}") from None
    return out


def _atomically(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` through a temporary file renamed at the end: an interrupted
    run leaves the old file or none, never half of one."""
    partial = path.with_name(path.name + ".partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _write_record(out: Path, record: dict[str, Any]) -> None:
    """``metrics.json``, written last and atomically: its presence says the
    outputs it lists are complete."""
    text = json.dumps(_jsonable(record), indent=2) + "\n"
    _atomically(out / "metrics.json", lambda file: file.write_text(text))


def _clear_previous(out: Path, owned: Sequence[str] = (), *, recorded: bool = True) -> None:
    """Remove what an earlier command wrote to ``out`` (the files its
    ``metrics.json`` lists unless not ``recorded``, and ``owned``), so that no
    stale file (a ``subtypes.joblib`` of an earlier ``discover``, say) sits
    beside the new ones; other files are kept."""
    listed = list(owned)
    record = out / "metrics.json"
    if recorded and record.is_file():
        try:
            listed += [str(f) for f in json.loads(record.read_text()).get("files", [])]
        except (ValueError, AttributeError, TypeError):
            pass  # not a record of ours: leave it
    root = out.resolve()
    for name in listed:
        file = (out / name).resolve()
        if file.is_file() and root in file.parents:
            file.unlink()


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _versions() -> dict[str, str]:
    import sklearn
    import torch

    from . import __version__

    return {
        "skpoems": __version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }


def _fit_quietly(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` without ConvergenceWarnings (the epoch budget may end training)."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn()


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


def _label_names(y: Any, target_names: Any) -> np.ndarray:
    y = np.asarray(y)
    if target_names is None:
        return y.astype(str)
    names = np.asarray(target_names, dtype=object)
    return names[y]


# -------------------------------------------------------------- run outputs
def _w_columns(est: Any, omic: str, n_factors: int) -> list[str]:
    try:
        out = [str(n) for n in est.get_feature_names_out()]
    except Exception:  # noqa: BLE001
        out = []
    if len(out) == n_factors:
        return out
    specific = [n for n in out if n.startswith(f"{omic}_specific")]
    if len(specific) == n_factors:
        return specific
    return [f"factor{k}" for k in range(n_factors)]


def _announce_variance_split(est: Any, n_samples: int, n_permutations: int) -> None:
    """Say when the split of the explained variance over the factors will take long
    (about ``n_permutations`` x factors decoder passes over ``n_samples``: minutes
    to hours on a wide cohort), estimated from one timed pass over a few samples."""
    n_factors = len(est.get_feature_names_out())
    m = max(1, min(n_samples, 256))
    zeros = np.zeros((m, n_factors), dtype=np.float32)  # (the split decodes in float32)
    est.inverse_transform(zeros[:1])  # (first-call costs out of the timing)
    start = time.perf_counter()
    est.inverse_transform(zeros)
    # a rough estimate: the split batches its decoder passes and, for MOCSS, decodes
    # each omic from its own factors only (400 samples of 4000 + 3000 features, one
    # thread: POEMS 29 s estimated, 38 s taken; MOCSS-AE 43 s, 20 s)
    seconds = (time.perf_counter() - start) / m * n_samples * n_permutations * n_factors
    if seconds > 300:
        print(
            f"note: splitting each omic's explained variance over the {n_factors} factors "
            f"({n_permutations} factor orders, {n_samples} samples) takes roughly "
            f"{seconds / 60:.0f} minutes; --variance-permutations 0 writes each omic's total only",
            file=sys.stderr,
            flush=True,
        )


def write_run_outputs(
    result: exp.ProtocolResult,
    bunch,
    model: str,
    out: Path,
    *,
    extra: dict[str, Any] | None = None,
    figures: bool = True,
    figure_formats: Sequence[str] = ("png",),
    split_table: bool = True,
    variance_permutations: int = 20,
    figure_dpi: int = 150,
    write_record: bool = True,
) -> dict[str, Any]:
    """Write the files of ``skpoems run`` for one protocol result; return the record.

    Files: ``embedding.csv`` (test embeddings), ``split.csv`` (each sample's part
    and label), ``gating_weights.csv`` (test samples; POEMS and POEM),
    ``W_<omic>.csv`` (per omic, features x factors; POEMS and MOCSS-SparseVAE),
    ``top_features.csv`` (the 20 strongest features of each omic by decoder
    gradients at the training samples, with their dominant factor),
    ``history.csv`` (per epoch losses), ``model.joblib`` (the fitted imputer,
    scaler and model as one scikit-learn Pipeline from unscaled data to the
    embedding), ``metrics.json`` and the figures, ``figures/*.<format>`` for
    each of ``figure_formats``. The files that an earlier command wrote to
    ``out`` are removed first (other files are kept).
    """
    est = result.estimator
    split = result.split
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous(out)
    files: list[str] = []

    def save_csv(frame: pd.DataFrame, name: str) -> None:
        frame.to_csv(out / name)
        files.append(name)

    index_name = getattr(split.X_test, "index", None)
    index_name = index_name.name if index_name is not None else None
    embedding = result.embedding.copy()
    embedding.index.name = index_name or "sample"
    save_csv(embedding, "embedding.csv")

    data = bunch.data
    if split_table:
        parts = pd.DataFrame(
            {
                "split": np.where(split.is_train, "train", "test"),
                "label": _label_names(bunch.target, bunch.target_names),
            },
            index=data.index if isinstance(data, pd.DataFrame) else None,
        )
        parts.index.name = embedding.index.name
        save_csv(parts, "split.csv")

    if hasattr(est, "transform_gating"):
        gating = pd.DataFrame(
            est.transform_gating(split.X_test),
            index=embedding.index,
            columns=list(est.omic_names_),
        )
        save_csv(gating, "gating_weights.csv")

    components = getattr(est, "components_", None) if _has_components(est) else None
    if components is not None:
        names = est.omic_feature_names()
        stems = _safe_names(est.omic_names_)
        for omic, W, feats, stem in zip(est.omic_names_, components, names, stems, strict=True):
            frame = pd.DataFrame(
                W,
                index=pd.Index(feats, name="feature"),
                columns=_w_columns(est, omic, W.shape[1]),
            )
            save_csv(frame, f"W_{stem}.csv")

    if getattr(est, "history_", None):
        history = pd.DataFrame(est.history_).set_index("epoch")
        save_csv(history, "history.csv")

    # the fitted preprocessing and model, to embed new samples from data laid out
    # like the input (joblib.load(...).transform(bunch.data)) or inspect the model
    _atomically(out / "model.joblib", lambda file: joblib.dump(split.pipeline(est), file))
    files.append("model.joblib")

    extra = dict(extra or {})
    r2 = attributions = None
    if hasattr(est, "module_"):
        from .inspection import decoder_attributions, top_features

        # the biomarker table of every model: decoder gradients at the training
        # samples, which rank the planted features of default fits where |W| does
        # not (README, "Interpretation"); W itself is in W_<omic>.csv. Computed
        # once (a few epochs' work): the table and the figures rank by them.
        attributions = decoder_attributions(est, split.X_train)
        top = top_features(est, n=20, attributions=attributions)
        top.insert(1, "rank", top.groupby("omic", sort=False).cumcount() + 1)
        # the factor by name too, as embedding.csv and W_<omic>.csv name them (a
        # MOCSS position such as 72 is "shared8")
        factor_names = np.asarray(est.get_feature_names_out(), dtype=object)
        top.insert(top.columns.get_loc("factor") + 1, "factor_name", factor_names[top["factor"].to_numpy()])
        save_csv(top.set_index(["omic", "rank"]), "top_features.csv")
        extra["top_features"] = {
            str(omic): [str(f) for f in group["feature"]]
            for omic, group in top.groupby("omic", sort=False)
        }

        from .inspection import reconstruction_r2, variance_explained

        # explained variance of the test part per omic ("total") and its split over
        # factors (with --variance-permutations 0, the totals only)
        if variance_permutations:
            _announce_variance_split(est, len(embedding), variance_permutations)
        r2 = variance_explained(est, split.X_test, n_permutations=variance_permutations, random_state=0)
        # the CSV's columns named as embedding.csv's; the figure keeps the factor
        # numbers, which its labels are looked up by (as every other figure's)
        table = r2.rename(columns=lambda c: c if c == "total" else str(factor_names[int(c)]))
        save_csv(table[["total"]] if variance_permutations == 0 else table, "variance_explained.csv")
        # and the reconstruction's R^2, where an offset counts too (the printed line)
        extra["reconstruction_r2"] = {
            str(omic): float(v) for omic, v in reconstruction_r2(est, split.X_test).items()
        }
    # the factors the embedding uses: a factor whose posterior mean hardly varies
    # over the samples (the KL switched it off) decodes a constant, and its column
    # of W, however large, says nothing about the samples (on TCGA BRCA 23 of 32:
    # three quarters of the largest |W| entries were theirs)
    spread = result.embedding.to_numpy(dtype=float).std(axis=0)
    if spread.size and np.isfinite(spread).all() and spread.max() > 0:
        used = spread >= 0.1 * spread.max()
        extra["factors_in_use"] = {
            "names": [str(c) for c, u in zip(result.embedding.columns, used, strict=True) if u],
            "n": int(used.sum()),
            "of": int(used.size),
            "rule": "standard deviation of the embedding over the embedded samples at least "
            "10% of the largest factor's",
        }

    figure_files, skipped, not_applicable = [], {}, {}
    if figures:
        figure_files, skipped = write_figures(
            result, bunch, out / "figures", variance_table=r2, formats=figure_formats,
            not_applicable=not_applicable, attributions=attributions, dpi=figure_dpi,
        )
        files += [f"figures/{f}" for f in figure_files]

    record = {
        "versions": _versions(),
        "dataset": {
            "name": bunch.name,
            "n_samples": int(len(bunch.target)),
            "omic_names": list(bunch.omic_names),
            "omic_dims": [int(d) for d in bunch.omic_dims],
            # the features the model saw, where --top-variance kept fewer
            **({"omic_dims_used": [int(d) for d in est.omic_dims_]}
               if hasattr(est, "omic_dims_") and list(est.omic_dims_) != list(bunch.omic_dims) else {}),
            "target_names": None
            if bunch.target_names is None
            else [str(t) for t in bunch.target_names],
        },
        "model": model,
        "estimator": type(est).__name__,
        "parameters": est.get_params(),
        "training": result.training_summary(),
        "metrics": result.metrics,
        "timings": result.timings,
        "torch_threads": _torch_threads(),
        "figures_skipped": skipped,
        "figures_not_applicable": not_applicable,
        **extra,
    }
    files.append("metrics.json")
    record["files"] = files
    if write_record:  # (else the caller writes it once its own files are written)
        _write_record(out, record)
    return record


def _has_components(est: Any) -> bool:
    try:
        return getattr(est, "components_", None) is not None
    except AttributeError:  # POEM raises on purpose
        return False


# -------------------------------------------------------------------- figures
def _plotting(name: str) -> Callable:
    try:
        from . import plotting
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
    from .inspection import _attribution_spread

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
            from .inspection import variance_explained
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


# ------------------------------------------------------------------- commands
def _fmt_metrics(m: dict[str, float]) -> str:
    from .metrics import format_evaluation

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


def _cmd_run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    bunch = _load(args)
    out = _out_dir(args, f"{_safe_name(bunch.name)}_{args.model}")
    est = exp.make_estimator(
        args.model, drop_none=False, **_estimator_params(args, verbose=0 if args.quiet else 1, model=args.model)
    )
    split = _split(args, bunch)
    name = exp.DISPLAY_NAMES[args.model]
    if not args.quiet:
        print(
            f"skpoems run: {name} on {bunch.name}: {_describe_data(bunch, split)}",
            flush=True,
        )
    result = _fit_quietly(lambda: exp.run_protocol(est, None, None, split=split))
    fitted = result.estimator
    t_fit = time.perf_counter()
    record = write_run_outputs(
        result,
        bunch,
        args.model,
        out,
        extra={
            "command": ["skpoems", *args.argv],
            "split": _split_info(args, bunch),
        },
        figures=not args.no_figures,
        figure_formats=args.figure_format,
        figure_dpi=args.figure_dpi,
        variance_permutations=args.variance_permutations,
    )
    wall = time.perf_counter() - t0
    record["timings"]["wall_s"] = wall
    record["timings"]["outputs_s"] = time.perf_counter() - t_fit
    _write_record(out, record)

    tr = record["training"]
    lines = [
        f"{name} on {bunch.name}: {_describe_data(bunch, split, fitted)}",
        f"trained {tr.get('n_iter', '?')} epochs (best {tr.get('best_iter', '?')}"
        f"{', ' + _STOP_REASONS.get(tr['stop_reason'], tr['stop_reason']) if tr.get('stop_reason') else ''}) "
        f"in {result.timings['fit_s']:.1f} s on {tr.get('device', '?')} "
        f"({_torch_threads()} torch thread{'s' if _torch_threads() > 1 else ''})",
    ]
    if tr.get("init_losses"):
        losses = tr["init_losses"]
        lines.append(
            f"  kept init {tr['kept_init']} of {len(losses)}, the lowest held-out loss "
            f"({', '.join(f'{v:.4g}' for v in losses)}); the epochs are the kept init's"
        )
    if tr.get("n_iter") == args.max_iter:
        lines.append(
            f"  stopped by the epoch budget --max-iter {args.max_iter}, not by early "
            "stopping (the paper trains up to 5000 epochs)"
        )
    lines += [
        f"test embedding {result.embedding.shape[0]} x {result.embedding.shape[1]}: "
        f"{_fmt_metrics(result.metrics)}",
    ]
    if "reconstruction_r2" in record:
        r2 = ", ".join(f"{omic} {v:.2f}" for omic, v in record["reconstruction_r2"].items())
        lines.append(f"test reconstruction R^2 per omic: {r2}")
    if "factors_in_use" in record and record["factors_in_use"]["n"] < record["factors_in_use"]["of"]:
        used = record["factors_in_use"]
        lines.append(
            f"factors in use: {used['n']} of {used['of']} (the others hardly vary over the samples: "
            "their columns of W decode a constant; metrics.json 'factors_in_use')"
        )
    if "top_features" in record:
        lines.append("top features per omic (decoder gradients at the training samples; top_features.csv):")
        lines += [
            f"  {omic}: {', '.join(features[:5])}" for omic, features in record["top_features"].items()
        ]
    lines += [
        f"wrote {len(record['files'])} files to {out}/ "
        f"({', '.join(f for f in record['files'] if '/' not in f)}"
        + "".join(
            f", figures/*.{fmt}"
            for fmt in dict.fromkeys(f.rsplit(".", 1)[-1] for f in record["files"] if f.startswith("figures/"))
        )
        + ")",
    ]
    if record["figures_skipped"]:
        lines.append(f"  figures skipped: {', '.join(record['figures_skipped'])}")
    if record.get("figures_not_applicable"):
        reasons = {}
        for name, why in record["figures_not_applicable"].items():
            reasons.setdefault(why, []).append(name)
        lines.append("  no " + "; no ".join(f"{', '.join(names)} ({why})" for why, names in reasons.items()))
    lines.append(f"total time {wall:.1f} s")
    print("\n".join(lines), flush=True)
    return 0


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

    from .inspection import group_markers

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
        extra={"command": ["skpoems", *args.argv]},
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
    table.to_csv(out / "clusters.csv")
    # the subtypes of new patients: skpoems embed MODEL_FOLDER --data NEW (or
    # joblib.load("subtypes.joblib").predict(new.data) + 1 = cluster number)
    subtypes = prepared.pipeline(fitted)
    subtypes.steps.append(("kmeans", kmeans))
    _atomically(out / "subtypes.joblib", lambda file: joblib.dump(subtypes, file))
    # every feature is tested and ranked; the file keeps the 50 best per cluster and
    # omic, the printout each omic's best that is higher in the cluster, wherever it ranks
    markers = group_markers(prepared.X_train, clusters, target_names=cluster_names, test=args.marker_test)
    markers.insert(3, "rank", markers.groupby(["group", "omic"], sort=False).cumcount() + 1)
    markers[markers["rank"] <= 50].rename(columns={"group": "cluster"}).to_csv(out / "cluster_markers.csv", index=False)
    record["files"] = ["clusters.csv", "cluster_markers.csv", "subtypes.joblib", *record["files"]]
    clustering["marker_q_values"] = _MARKER_CAVEAT
    record["clustering"] = clustering
    if "reconstruction_r2" in record:
        record["reconstruction_r2_of"] = "every sample (the fitted ones: no test part)"
    record["timings"]["wall_s"] = time.perf_counter() - t0
    _write_record(out, record)

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


def _load_saved_model(path: str):
    """The Pipeline of a ``model.joblib`` written by ``skpoems run``."""
    from sklearn.pipeline import Pipeline

    file = Path(path)
    if file.is_dir():
        file = file / "model.joblib"
    if not file.is_file():
        raise _UsageError(f"{file} does not exist: give the model.joblib of a skpoems run, or its folder.")
    try:
        pipe = joblib.load(file)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is the user's file
        raise _UsageError(f"cannot read {file} as a saved model: {type(exc).__name__}: {exc}") from exc
    if not (isinstance(pipe, Pipeline) and hasattr(pipe[-1], "omic_names_")):
        raise _UsageError(f"{file} is not a model saved by skpoems run (got {type(pipe).__name__}).")
    return file, pipe


def _trained_features(pipe) -> dict[str, list[str]]:
    """Each omic's feature names as the saved pipeline's first step was fitted on."""
    first = pipe.steps[0][1]
    source = first if hasattr(first, "omic_feature_names") else pipe[-1]
    return {
        omic: [str(n) for n in names]
        for omic, names in zip(source.omic_names_, source.omic_feature_names(), strict=True)
    }


def _features_as_trained(pipe, data: pd.DataFrame, folder: str) -> tuple[pd.DataFrame, list[str]]:
    """``data`` (omic, feature) columns reordered to those the pipeline was fitted
    on, matched by name; returns it and a note per omic on ignored features."""
    expected = _trained_features(pipe)
    # the features the model uses (fewer than those read after a feature selection)
    used = dict(zip(pipe[-1].omic_names_, pipe[-1].omic_feature_names(), strict=True))
    blocks, notes = [], []
    present = set(data.columns.get_level_values(0))
    for omic, names in expected.items():
        names = [str(n) for n in names]
        if omic not in present:  # no file: every sample lacks the omic
            blocks.append(pd.DataFrame(np.nan, index=data.index, columns=names))
            unused = data.attrs.get("unused_tables", [])
            notes.append(
                f"{omic}: no table in the folder, missing for every sample"
                + (
                    f" (not read: {', '.join(unused)}; if one of them is this omic, name it "
                    f"{omic}.csv, as the model calls it)"
                    if unused else ""
                )
            )
            continue
        block = data[omic]
        block.columns = block.columns.map(str)
        absent = pd.Index(names).difference(block.columns, sort=False)
        needed = absent.intersection(pd.Index([str(n) for n in used[omic]]), sort=False)
        if len(needed):
            raise _UsageError(
                f"omic {omic!r} in {folder} lacks {len(needed)} of the {len(used[omic])} features "
                f"the model was trained on, e.g. {', '.join(map(repr, needed[:3]))}; a model "
                "cannot embed samples without them (pass a whole missing omic as a missing file "
                "or empty rows instead)."
            )
        extra = block.columns.difference(pd.Index(names)).size
        if extra:
            notes.append(f"{omic}: ignored {extra} feature(s) the model was not trained on")
        if len(absent):  # read by the feature selection, then dropped: any value does
            notes.append(f"{omic}: {len(absent)} feature(s) the feature selection dropped are absent")
        blocks.append(block.reindex(columns=names))
    X = pd.concat(blocks, axis=1, keys=list(expected), names=data.columns.names)
    return X, notes


def _named_tables_as_trained(
    folder: Path, omics: list[str], args: argparse.Namespace, trained: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """The named tables of ``folder`` (``mrna.csv.gz``, ...), columns keyed by the
    model's omic names. With ``--layout auto`` and the trained feature names,
    tables whose rows rather than columns hold the trained features are read as
    features x samples (a single omic cannot be oriented by shared sample names)."""
    from .datasets import load_omics_tables
    from .datasets._tables import _table_stem

    named = (
        [(s, f.name) for s, f in ((_table_stem(f), f) for f in sorted(folder.iterdir()) if f.is_file()) if s]
        if folder.is_dir() else [(o, o) for o in omics]
    )
    # each omic's table: its name as the file's (mrna.csv for "mrna"), else
    # matched without case (mrna.csv for the bundled data's "mRNA")
    files = {}
    for omic in omics:
        same = [n for n in named if n[0] == omic] or [n for n in named if n[0].lower() == omic.lower()]
        if len(same) > 1:
            raise _UsageError(
                f"{folder} holds {len(same)} tables for the model's omic {omic!r} "
                f"({', '.join(name for _, name in same)}): keep one of them there."
            )
        if len(same) == 1:
            files[omic] = same[0][0]
    if not files:
        raise _UsageError(
            f"{folder} holds none of the model's omic tables ({', '.join(omics)}: files such as "
            f"{omics[0]}.csv or {omics[0].lower()}.csv.gz)."
        )
    def read(transpose: Any) -> pd.DataFrame:
        bunch = load_omics_tables(
            folder, labels=False, omics=list(files.values()), join=args.join,
            sample_name_length=args.sample_name_length, transpose=transpose,
            sample_types=args.sample_types or "all",
        )
        return bunch.data.rename(columns={stem: omic for omic, stem in files.items()}, level=0)

    def n_trained(data: pd.DataFrame) -> int:
        return sum(
            len(set(map(str, data[omic].columns)) & set(map(str, trained.get(omic, []))))
            for omic in files
        )

    n_features = sum(len(trained.get(o, [])) for o in files) if trained else 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = read(_LAYOUTS[args.layout])
        except (ValueError, OSError) as exc:
            error = exc
            data = None
        if args.layout == "auto" and trained and (data is None or n_trained(data) < n_features / 2):
            # the loader could not orient the tables (e.g. omics that share feature
            # names, such as genes of mRNA and copy number, cannot be told apart from
            # sample names), or found few trained features: the orientation in which
            # the tables hold more of the trained features, if any
            for transpose in (False, True):
                try:
                    candidate = read(transpose)
                except (ValueError, OSError):
                    continue
                if n_trained(candidate) > (0 if data is None else n_trained(data)):
                    data = candidate
    for w in caught:
        # the loader's doubt about a lone table's orientation: the trained
        # features, found in its columns, settle it
        settled = data is not None and trained and n_trained(data) == n_features and "read as" in str(w.message)
        if not settled:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if data is None:
        raise _DataError(f"cannot read {args.data}: {_in_cli_terms(str(error), 'embed')}") from error
    # the folder's other tables (not labels), named where an omic has no table:
    # meth.csv for the model's "methylation" is not read, and not silently either
    data.attrs["unused_tables"] = [
        name for stem, name in named
        if stem not in files.values() and not stem.lower().startswith("label")
    ]
    return data


def _numbered_folder_as_trained(
    folder: Path, trained: dict[str, list[str]], args: argparse.Namespace
) -> pd.DataFrame:
    """A MOGONET/MOCSS numbered folder (``1_te.csv``, ``1_featname.csv``, ...), its
    omics in file-number order named as the model's; rows keep the file order.
    ``trained`` maps each omic to the feature names the pipeline was fitted on."""
    from .datasets import load_omics_folder
    from .datasets._folder import _default_feature_names, _scan_folder

    omics = list(trained)
    chosen = [
        name for name, value, default in (
            ("--join", args.join, "outer"), ("--sample-name-length", args.sample_name_length, None),
            ("--layout", args.layout, "auto"), ("--sample-types", args.sample_types, None),
        ) if value != default
    ]
    if chosen:
        raise _UsageError(
            f"{folder} is in the MOGONET/MOCSS layout, whose rows are matched by position: "
            f"{', '.join(chosen)} cannot be chosen."
        )
    try:
        n_files = _scan_folder(folder)[0]
        if n_files != len(omics):
            raise ValueError(
                f"it holds {n_files} numbered omics (1_*.csv ... {n_files}_*.csv) but the "
                f"model was trained on {len(omics)} ({', '.join(omics)}), matched by file number"
            )
        data = load_omics_folder(folder, omic_names=omics).data
    except (ValueError, OSError) as exc:
        raise _DataError(f"cannot read {folder}: {_in_cli_terms(str(exc), 'embed')}") from exc
    # an omic without feature names (no N_featname.csv, no header row): its
    # columns are the trained features in their order, as MOGONET's files are
    blocks = []
    for number, omic in enumerate(omics, start=1):
        block = data[omic]
        if list(block.columns) == _default_feature_names(omic, block.shape[1]):
            names = trained[omic]
            if block.shape[1] != len(names):
                raise _UsageError(
                    f"{folder}: {number}_*.csv ({omic}) has {block.shape[1]} columns and no "
                    f"feature names ({number}_featname.csv); the model was trained on {len(names)} "
                    f"{omic} features, matched by position when unnamed."
                )
            block = block.set_axis(pd.Index(names, dtype=object), axis=1)
        blocks.append(block)
    return pd.concat(blocks, axis=1, keys=omics, names=data.columns.names)


def _trained_option(folder: Path, name: str) -> Any:
    """The value of the option ``name`` (its argparse name) in the command
    recorded by the ``metrics.json`` of the saved model's folder, parsed as
    the command parsed it (abbreviations included), or None."""
    try:
        command = json.loads((folder / "metrics.json").read_text()).get("command")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(command, list) or len(command) < 2 or not all(isinstance(w, str) for w in command):
        return None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            parsed = build_parser().parse_args(command[1:])
    except SystemExit:
        return None
    return getattr(parsed, name, None)


def _cmd_embed(args: argparse.Namespace) -> int:
    from .datasets import _folder

    out_name = f"{_safe_name(Path(args.data).resolve().name)}_embedding"
    out = _out_path(args, out_name)
    if (out / "metrics.json").is_file():  # (embed writes none)
        # e.g. --out the model's own folder: its embedding.csv would be replaced
        raise _UsageError(
            f"--out {out} holds the outputs of an earlier skpoems command (its metrics.json "
            "lists them, the saved model among them if it is that command's folder); embed "
            f"writes {', '.join(_EMBED_FILES)}, which would replace that command's: give "
            "embed a folder of its own."
        )
    file, pipe = _load_saved_model(args.model)
    model = pipe[-1]
    omics = list(model.omic_names_)
    folder = Path(args.data)
    if folder.is_dir() and any(_folder._NUMBERED_FILE.match(f.name) for f in folder.iterdir()):
        data = _numbered_folder_as_trained(folder, _trained_features(pipe), args)
    else:
        if args.sample_name_length is None:
            # the length the model's samples were matched at (TCGA barcodes that
            # differ per omic beyond it): new samples are matched so too
            trained_length = _trained_option(file.parent, "sample_name_length")
            if isinstance(trained_length, int) and trained_length > 0:
                args.sample_name_length = trained_length
                if not args.quiet:
                    print(
                        f"note: sample names cut to {trained_length} characters, as for training "
                        "(--sample-name-length)",
                        file=sys.stderr,
                        flush=True,
                    )
        if args.sample_types is None:
            # the samples the model was trained on (tumours only, say): new ones alike
            trained_types = _trained_option(file.parent, "sample_types")
            if trained_types is not None and trained_types != "all":
                args.sample_types = trained_types
                if not args.quiet:
                    shown = trained_types if isinstance(trained_types, str) else ",".join(trained_types)
                    print(f"note: samples of the types {shown} kept, as for training (--sample-types)",
                          file=sys.stderr, flush=True)
        data = _named_tables_as_trained(folder, omics, args, _trained_features(pipe))
    X, notes = _features_as_trained(pipe, data, args.data)
    try:
        scaled = pipe[:-1].transform(X) if len(pipe) > 1 else X
        Z = model.transform(scaled)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (transform's warnings about the same data)
            gating = model.transform_gating(scaled) if hasattr(model, "transform_gating") else None
    except ValueError as exc:
        raise _DataError(f"cannot embed {args.data}: {_in_cli_terms(str(exc), 'embed')}") from exc
    out = _out_dir(args, out_name)
    _clear_previous(out, owned=_EMBED_FILES, recorded=False)
    index = X.index.rename(X.index.name or "sample")
    pd.DataFrame(Z, index=index, columns=model.get_feature_names_out()).to_csv(out / "embedding.csv")
    written = ["embedding.csv"]
    if gating is not None:
        pd.DataFrame(gating, index=index, columns=omics).to_csv(out / "gating_weights.csv")
        written.append("gating_weights.csv")
    subtypes_file = file.parent / "subtypes.joblib"
    assigned = None
    kmeans = joblib.load(subtypes_file)[-1] if subtypes_file.is_file() else None
    if kmeans is not None and getattr(kmeans, "n_features_in_", None) != Z.shape[1]:
        kmeans = None  # not this model's clusters
    if kmeans is not None:  # a model of skpoems discover: assign the clusters
        assigned = np.asarray([f"cluster {c + 1}" for c in kmeans.predict(np.asarray(Z, dtype=np.float64))])
        # with the ELBO as in discover's clusters.csv
        pd.DataFrame({"cluster": assigned, **_elbo_columns(model, scaled)}, index=index).to_csv(out / "clusters.csv")
        written.append("clusters.csv")
    lacking = {omic: int(X[omic].isna().all(axis=1).sum()) for omic in omics}
    lines = [
        f"embedded {len(X)} samples of {args.data} with {type(model).__name__} from {file} "
        f"({Z.shape[1]} dimensions from "
        f"{', '.join(f'{o} {d}' for o, d in zip(omics, model.omic_dims_, strict=True))} features)",
        *(f"  {note}" for note in notes),
    ]
    if any(lacking.values()):
        lines.append(
            "  samples lacking an omic (embedded from the others): "
            + ", ".join(f"{o} {n}" for o, n in lacking.items() if n)
        )
    if assigned is not None:
        counts = pd.Series(assigned).value_counts().sort_index()
        lines.append(
            "  clusters of skpoems discover (nearest k-means centre): "
            + ", ".join(f"{c} {v}" for c, v in counts.items())
        )
    lines.append(f"wrote {', '.join(written)} to {out}/")
    print("\n".join(lines), flush=True)
    return 0


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


def _sample_types(text: str) -> str | list[str]:
    """``--sample-types``: all, tumor, normal, or two-digit codes separated by commas."""
    if text.lower() in ("all", "tumor", "tumour", "normal"):
        return {"tumour": "tumor"}.get(text.lower(), text.lower())
    codes = [code.strip() for code in text.split(",")]
    if not all(re.fullmatch(r"\d{1,2}", code) for code in codes):
        raise argparse.ArgumentTypeError(
            f"expected all, tumor, normal or two-digit sample type codes (01,06), got {text!r}"
        )
    return [code.zfill(2) for code in codes]


def _cmd_gdc(args: argparse.Namespace) -> int:
    from .datasets import merge_gdc_download

    download = Path(args.download)
    out = Path(args.out) if args.out else Path.cwd() / f"{download.resolve().name}_tables"
    values = {name: str(value) for name, value in args.value}
    try:
        tables = merge_gdc_download(
            download, sample_sheet=args.sample_sheet, sample_types=args.sample_types, values=values, out=out,
            verbose=not args.quiet,
        )
    except (ValueError, TypeError, OSError) as exc:
        raise _DataError(f"cannot merge {download}: {_in_cli_terms(str(exc))}") from exc
    for omic, table in tables.items():
        missing = int(table.isna().to_numpy().sum())
        print(
            f"{omic}: {table.shape[0]} samples x {table.shape[1]} features"
            + (f", {missing} missing values" if missing else "")
            + f" -> {out / (omic + '.csv.gz')}"
        )
    # an omic of few samples would shrink the inner join to them: left out of the command
    most = max(len(table) for table in tables.values())
    few = [omic for omic, table in tables.items() if len(table) < most / 2]
    kept = [omic for omic in tables if omic not in few]
    logged = [omic for omic in kept if omic in ("gene_expression", "mirna")]
    missing = any(tables[omic].isna().to_numpy().any() for omic in kept)
    # training time grows with the features: a whole transcriptome or methylation
    # array (60,660 genes, 485,577 probes) would take a day on a laptop
    wide = max(tables[omic].shape[1] for omic in kept) > 5000
    types, length, why = _patient_matching([tables[omic].index for omic in kept], args.sample_types)
    command = (
        f"skpoems run --data {shlex.quote(str(out))} --layout features-x-samples --join inner"
        + (f" --sample-types {types}" if types else "")
        + (f" --sample-name-length {length}" if length else "")
        + (f" --omics {','.join(kept)}" if few else "")
        + (f" --log {' '.join(logged)}" if logged else "")
        + (" --impute median" if missing else "")
        + (" --top-variance 2000" if wide else "")
    )
    notes = [why] if why else []
    notes.append("the values are the GDC's, so expression is log-transformed with --log")
    if wide:
        notes.append(
            "--top-variance 2000 keeps each omic's 2000 most variable features, chosen on the "
            "training part: training time grows with the number of features"
        )
    if few:
        notes.append(
            f"{', '.join(few)} left out: {'it has' if len(few) == 1 else 'they have'} fewer than half "
            "the samples, and --join inner keeps only the samples of every omic"
        )
    print(
        "next, with a label file (sample or patient, label) in that folder or --labels (or, "
        f"without labels, `skpoems discover` with the same options):\n  {command}\n({'; '.join(notes)})"
    )
    return 0


def _patient_matching(indexes: list[pd.Index], sample_types: Any) -> tuple[str | None, int | None, str]:
    """What the printed run command needs to match labels given per patient:
    the sample types to keep (None: as merged), the length of the patients'
    barcodes (None: names as they are) and why, for the merged omics' samples."""
    from .datasets._base import NORMAL_CODES, SAMPLE_BARCODE, TUMOR_CODES

    names = {str(n) for index in indexes for n in index}
    found = {n: SAMPLE_BARCODE.match(n) for n in names}
    if not names or not all(found.values()):
        return None, None, ""
    lengths = {m.start(1) - 1 for m in found.values()}  # (TCGA 12, TARGET 14 or 16)
    if len(lengths) != 1:
        return None, None, "the patients' barcodes have several lengths: labels must name the samples"
    length = lengths.pop()

    def clash(codes: frozenset[str] | None) -> list[str]:  # (a patient's samples that would merge)
        for index in indexes:
            kept = [str(n) for n in index if codes is None or found[str(n)].group(1) in codes]
            patients = pd.Index([n[:length] for n in kept])
            if patients.has_duplicates:
                twice = patients[patients.duplicated()][0]
                return [n for n in kept if n.startswith(twice)]
        return []

    has_normal = any(m.group(1) in NORMAL_CODES for m in found.values())
    for types, codes in ((None, None), ("tumor", TUMOR_CODES), ("01", frozenset({"01"}))):
        if types is None and (has_normal and sample_types == "all"):
            continue  # (clusters would part tissues)
        if not clash(codes):
            kept = (
                ""
                if types is None
                else f", --sample-types {types} keeps {'the tumours' if types == 'tumor' else 'the primary tumours'}"
            )
            return types, length, (
                f"--sample-name-length {length} matches labels given per patient by the patient barcode{kept}"
            )
    example = clash(TUMOR_CODES) or clash(None)
    return ("tumor" if has_normal and sample_types == "all" else None), None, (
        f"a patient has several samples ({', '.join(example[:3])}): labels must name the samples, "
        "or keep one sample per patient in the tables"
    )


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
    table.to_csv(out / "benchmark.csv", index=False)
    runs_frame.drop(columns="key").to_csv(out / "benchmark_runs.csv", index=False)
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
    with open(out / "benchmark.md", "w") as fh:
        fh.write(f"`skpoems {' '.join(args.argv)}`\n\n{caption}\n\n{md}\n")
    with open(out / "benchmark.json", "w") as fh:
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


def _cmd_sweep(args: argparse.Namespace) -> int:
    from . import _sweep

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
    table.to_csv(out / "sweep_results.csv", index=False)
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
    with open(out / "sweep.json", "w") as fh:
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


# ----------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skpoems`` console script and ``python -m skpoems``.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments (default: ``sys.argv[1:]``). No command means ``run``.

    Returns
    -------
    int
        The exit status: 0 on success, 1 when the work failed, 2 for usage
        errors (unknown model or data set, unreadable data folder, ...).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = {"run", "benchmark", "sweep", "discover", "embed", "gdc"}
    if not argv or (
        argv[0].startswith("-") and argv[0] not in {"-h", "--help", "--version"}
    ):
        argv = ["run", *argv]
    args = parser.parse_args(argv)
    if args.command not in commands:  # pragma: no cover - argparse rejects it first
        parser.print_help()
        return 2
    args.argv = argv
    subparser = parser._subparsers._group_actions[0].choices[args.command]
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        _show_warning(message, category, filename, lineno, file, line, shown=shown)

    with warnings.catch_warnings():
        warnings.showwarning = show
        return _dispatch(args, subparser)


def _show_warning(message, category, filename, lineno, file=None, line=None, *, shown: set[str] | None = None) -> None:
    """Warnings as one line each, without the source line, remedies as options;
    a text ``shown`` already is not repeated (a benchmark's every model and
    split drew the same warning)."""
    text = f"skpoems: {category.__name__}: {_in_cli_terms(str(message))}"
    if shown is not None:
        if text in shown:
            return
        shown.add(text)
    print(text, file=file or sys.stderr, flush=True)


def _pool_limits(threads: int | None):
    """scikit-learn's OpenMP/BLAS pools (k-means, t-SNE) limited to ``threads``;
    None: as they are."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler's time limit): handled as Ctrl-C,
    so that a fit keeps its best weights and a sweep or benchmark its rows."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise _Terminated("SIGTERM")


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises :class:`_Terminated` in the main thread while the command
    runs (Python's default ends the process at once, without a word)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or sys.platform == "win32"  # (SIGTERM there is TerminateProcess, never delivered)
        or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # ignored by whoever started us
    ):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:  # (None: a handler installed from C, which Python cannot restore)
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _dispatch(args: argparse.Namespace, subparser: argparse.ArgumentParser) -> int:
    import torch

    previous_threads = torch.get_num_threads()
    limits = None
    if args.command != "sweep" and getattr(args, "threads", None):
        threads = auto_threads() if args.threads == "auto" else args.threads
        torch.set_num_threads(threads)
        # and scikit-learn's OpenMP / BLAS pools (k-means, t-SNE of the figures):
        # left alone, they start one thread per core on a machine that is busy
        limits = threads
    try:
        with _pool_limits(limits), _sigterm_as_interrupt():
            return int(args.handler(args))
    except _DataError as exc:  # the message alone: the usage block would bury it
        print(f"{subparser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except _UsageError as exc:
        subparser.error(str(exc))  # exits with status 2
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, _Terminated)
        what = {
            "benchmark": "The fits that finished, if any, are in benchmark_runs.partial.csv; "
            "the tables are written once all have finished.",
            "sweep": "The fits that finished, if any, are in sweep_results.partial.csv; "
            "sweep_results.csv and sweep.json are written once all have finished."
            if getattr(args, "sweep_stage", None) != "refit"
            else "Every configuration finished: sweep_results.csv is complete. The refit of the "
            "selected one was interrupted, so sweep.json and best/ are not written (rerun to "
            "get them).",
        }.get(
            args.command,
            "Outputs are written once training is done, metrics.json last: a folder without "
            "metrics.json holds no complete run (interrupted during training, run and discover "
            "leave an earlier run's folder as it was).",
        )
        print(f"skpoems: {'terminated (SIGTERM)' if terminated else 'interrupted'}. {what}", file=sys.stderr)
        return 128 + signal.SIGTERM if terminated else 130
    except Exception as exc:  # noqa: BLE001 - a clean message, not a traceback
        if os.environ.get("SKPOEMS_TRACEBACK"):
            raise
        print(
            f"skpoems {args.command}: error: {type(exc).__name__}: {exc}\n"
            "(set SKPOEMS_TRACEBACK=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1
    finally:
        torch.set_num_threads(previous_threads)
    return 0  # pragma: no cover
