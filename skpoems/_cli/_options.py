"""The options that several subcommands share, added to their parsers as
groups (data and protocol, model, output, figures), and their defaults."""

from __future__ import annotations

import argparse
from typing import Any

from .. import _experiment as exp
from ._argtypes import (
    _figure_formats,
    _model_name,
    _non_negative_float,
    _non_negative_int,
    _omic_names,
    _param_assignment,
    _positive_float,
    _positive_int,
    _sample_types,
    _seed,
    _test_size,
    _threads,
    _top_variance,
)

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
        help="with --data (named tables): strict = every omic (and the labels, where the "
        "command needs them) lists the same samples; inner = keep the samples present in "
        "every omic (labelled ones, where the command needs labels); outer = keep every "
        "sample of any omic (labelled ones, where the command needs labels), a sample an "
        "omic's file lacks missing that omic (default: strict)",
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
            type=_seed,
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
        type=_seed,
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


def _option_defaults(args: argparse.Namespace) -> dict[str, Any]:
    """The options' defaults of ``args``'s subcommand (what the user did not type)."""
    from ._parser import build_parser  # (the parser imports this module)

    command = getattr(args, "command", None)
    try:
        return vars(build_parser().parse_args([command])) if command else {}
    except SystemExit:  # a subcommand with required arguments
        return {}
