"""The data of a command from its options: the data set loaded, checked before
any training, and split and scaled under the paper's protocol."""

from __future__ import annotations

import argparse
import math
import re
import sys
from typing import Any

import numpy as np
import pandas as pd

from .. import _experiment as exp
from ._errors import _DataError, _in_cli_terms, _UsageError
from ._options import _LAYOUTS, _option_defaults


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
        options = dict(
            label_column=args.label_column,
            join=args.join,
            sample_name_length=args.sample_name_length,
            sample_types=args.sample_types,
            require_labels=require_labels,
            transpose=_LAYOUTS[args.layout],
            keep_unlabelled=keep_unlabelled,
            omics=args.omics,
        )
        try:
            bunch = exp.load_dataset(args.dataset, args.data, labels=args.labels, **options)
        except ValueError as exc:
            # labels only check the result (discover): a label file found in the
            # folder with several columns and no --label-column is not a reason to stop
            if require_labels or args.labels is not None or args.label_column is not None or not _several_columns(exc):
                raise
            columns = re.search(r"\(one of (\[.*\])\)", str(exc))
            print(
                f"note: {str(exc).split(': a label table')[0]} has several label columns"
                + (f" {columns.group(1)}" if columns else "")
                + ": the clusters are compared with none of them; --label-column NAME picks one",
                file=sys.stderr,
                flush=True,
            )
            bunch = exp.load_dataset(args.dataset, args.data, labels=False, **options)
    except (ValueError, OSError) as exc:
        raise _DataError(_in_cli_terms(str(exc))) from exc
    # the samples the loader left out, and why (they are in no output)
    for line in str(getattr(bunch, "DESCR", "")).splitlines():
        if line.startswith("Left out: "):
            print(f"note: left out {line[len('Left out: '):]}", file=sys.stderr, flush=True)
    return bunch


def _several_columns(exc: Exception) -> bool:
    """The loader's error for a label table of several columns, none chosen."""
    return "a label table with several columns" in str(exc) and "Or pick the column" in str(exc)


def _missing_cells(bunch):
    """Each omic's name and its missing cells (samples x features, bool) of a
    bunch whose data is an (omic, feature) frame; nothing for other data."""
    data = bunch.data
    if not isinstance(data, pd.DataFrame) or not isinstance(data.columns, pd.MultiIndex):
        return
    for omic in bunch.omic_names:
        yield omic, data[omic].isna().to_numpy()


def _check_stray_missing(bunch, fitted_on: str = "the training part") -> None:
    """Before any training: stray NaN (some but not all of a sample's values of an
    omic) are a usage error that names the omic and samples, and ``--impute``."""
    data = bunch.data
    for omic, nan in _missing_cells(bunch):
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


#: a sample missing more than this share of an omic's features gets a note under --impute
_MOSTLY_MISSING = 0.5


def _note_mostly_imputed(bunch, impute: str) -> None:
    """Under ``--impute``: a note per omic naming the samples that lack most (not
    all) of its values. The imputer fills them with each feature's mean or
    median, and the model then weighs that profile as if it were measured; a
    sample whose whole omic is missing is left missing, the model's way."""
    data = bunch.data
    for omic, nan in _missing_cells(bunch):
        share = nan.mean(axis=1)
        mostly = np.flatnonzero((share > _MOSTLY_MISSING) & (share < 1))
        if mostly.size:
            examples = ", ".join(
                f"{str(data.index[r])!r} ({int(nan[r].sum())} of {nan.shape[1]})" for r in mostly[:3]
            )
            print(
                f"skpoems: note: omic {omic!r}: {mostly.size} sample(s) lack more than half of its "
                f"features (e.g. {examples}). --impute {impute} fills them with each feature's {impute}, "
                "and the model weighs that mostly filled-in profile as if measured. To treat "
                "such a sample as lacking the omic, empty its whole row in that table.",
                file=sys.stderr,
                flush=True,
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
    elif seed_offset == 0:
        _note_mostly_imputed(bunch, impute)
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
    n_train = len(split.y_train)
    if n_train < 2:  # (early stopping holds out part of it: the model's own error names no option)
        raise _UsageError(
            f"the training part of {bunch.name} has {n_train} sample(s), too few to train a model "
            "(early stopping holds out part of it to validate on); give a smaller --test-size"
            + ("" if bunch.is_train is None else " (the folder's own split)")
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


def _label_names(y: Any, target_names: Any) -> np.ndarray:
    y = np.asarray(y)
    if target_names is None:
        return y.astype(str)
    names = np.asarray(target_names, dtype=object)
    return names[y]
