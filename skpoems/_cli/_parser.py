"""The argument parser of the ``skpoems`` command: its subcommands, their
options and handlers."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .. import _experiment as exp
from ._argtypes import (
    _cluster_count,
    _list_of,
    _model_list,
    _n_jobs,
    _non_negative_float,
    _param_assignment,
    _positive_float,
    _positive_int,
    _sample_types,
)
from ._benchmark import _cmd_benchmark
from ._discover import _cmd_discover
from ._embed import _cmd_embed
from ._gdc import _cmd_gdc
from ._options import (
    _add_data_options,
    _add_figure_format,
    _add_layout_option,
    _add_model_choice,
    _add_model_options,
    _add_output_options,
    _add_threads_option,
    _add_variance_option,
)
from ._run import _cmd_run
from ._sweep_command import _cmd_sweep

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


def _add_fit_and_outputs(
    parser: argparse.ArgumentParser, out_name: str, handler: Callable[[argparse.Namespace], int]
) -> None:
    """The options of a command that fits one model and writes its outputs and
    figures (run, discover), and the command's handler."""
    _add_model_options(parser, training=True)
    _add_output_options(parser, out_name)
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    _add_figure_format(parser)
    _add_variance_option(parser)
    parser.set_defaults(handler=handler)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skpoems`` command."""
    from .. import __version__

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
    _add_fit_and_outputs(run, "<dataset>_<model>", _cmd_run)

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
    _add_fit_and_outputs(discover, "<dataset>_<model>_subtypes", _cmd_discover)

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
        "gdc_sample_sheet*.tsv) into one table per omic: "
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
