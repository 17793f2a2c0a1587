"""The output folder of a command and the files of a run in it: embeddings,
gating weights, W, top features, explained variance, the saved model,
``metrics.json`` (written last: its presence says the outputs are complete)
and the figures."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import joblib
import numpy as np
import pandas as pd

from .. import _experiment as exp
from ._cpu import _torch_threads
from ._data import _label_names
from ._errors import _UsageError
from ._figures import _has_components, write_figures


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


def _data_folder(args: argparse.Namespace) -> dict[str, str]:
    """The record's ``data_folder`` (resolved) for a command on ``--data``."""
    data = getattr(args, "data", None)
    return {"data_folder": str(Path(data).resolve())} if data else {}


def _out_path(args: argparse.Namespace, default: str) -> Path:
    out = Path(args.out) if args.out else Path("skpoems_results") / default
    data = getattr(args, "data", None)
    if data and Path(data).is_dir() and out.resolve() == Path(data).resolve():
        # its CSV outputs (embedding.csv, top_features.csv) would be read as
        # omics of that folder the next time
        raise _UsageError(f"--out {out} is the data folder: give the outputs a folder of their own.")
    if not args.out and data and (out / "metrics.json").is_file():
        # the default folder is named after the data folder's name alone: two
        # cohorts' tables/ folders would share it, the second replacing the first
        try:
            earlier = json.loads((out / "metrics.json").read_text()).get("data_folder")
        except (ValueError, AttributeError, OSError):
            earlier = None
        if isinstance(earlier, str) and earlier != _data_folder(args)["data_folder"]:
            raise _UsageError(
                f"{out}, the default output folder, holds the outputs of this command on another "
                f"data folder of that name ({earlier}), which these would replace: give --out a "
                f"folder of its own (or --out {out} to replace them)."
            )
    return out


#: the folders this command created (deepest first): removed again, where still
#: empty, when the command is refused (a usage or data error left an empty folder)
CREATED: list[Path] = []


def _out_dir(args: argparse.Namespace, default: str) -> Path:
    """The output folder, created (before any training, so that a bad path fails early)."""
    out = _out_path(args, default)
    try:
        CREATED.extend(p for p in (out, *out.parents) if not p.exists())
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


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[TextIO]:
    """An open text file that becomes ``path`` once the block ends (as
    :func:`_atomically`, for writers that take a file object)."""
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "w") as fh:
            yield fh
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


#: the staging folder of the outputs in the output folder (hidden: no table)
STAGING = ".skpoems-partial"


def _staging(out: Path) -> Path:
    """A fresh staging folder ``out/.skpoems-partial`` for the outputs (that of an
    interrupted command removed first; ``_dispatch`` removes it after any stop)."""
    stage = out / STAGING
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    STAGED.append(stage)
    return stage


def _publish(out: Path, record: dict[str, Any]) -> None:
    """Replace an earlier command's outputs in ``out`` by the staged files that
    ``record["files"]`` lists (renames: moments, however long they took to
    compute), ``metrics.json`` last."""
    stage = out / STAGING
    _clear_previous(out)
    for name in record["files"]:
        if name != "metrics.json":
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, out / name)
    _write_record(out, record)
    shutil.rmtree(stage, ignore_errors=True)


def _write_record(out: Path, record: dict[str, Any]) -> None:
    """``metrics.json``, written last and atomically: its presence says the
    outputs it lists are complete."""
    text = json.dumps(_jsonable(record), indent=2) + "\n"
    _atomically(out / "metrics.json", lambda file: file.write_text(text))


#: the folder whose earlier outputs the command has cleared to write its own
#: (None before): an interrupt then leaves neither run whole, and says so
WRITING_INTO: list[Path] = []
#: the staging folders of this command (removed when it stops before publishing)
STAGED: list[Path] = []


def _clear_previous(out: Path, owned: Sequence[str] = (), *, recorded: bool = True) -> None:
    """Remove what an earlier command wrote to ``out`` (the files its
    ``metrics.json`` lists unless not ``recorded``, and ``owned``), so that no
    stale file (a ``subtypes.joblib`` of an earlier ``discover``, say) sits
    beside the new ones; other files are kept."""
    WRITING_INTO.append(out)
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


def _versions() -> dict[str, str]:
    import sklearn
    import torch

    from .. import __version__

    return {
        "skpoems": __version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }


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
    # rows of one timed pass: the split decodes samples x orders in batches, so a
    # pass over a handful of samples times the per-call overhead, not the rows (8
    # samples x 100,000 orders: 137 minutes estimated, 6 taken)
    m = max(1, min(n_samples * n_permutations * n_factors, 256))
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
    each of ``figure_formats``. They are written to a staging folder in ``out``
    (:func:`_staging`) and replace the files that an earlier command wrote to
    ``out`` once all are written (:func:`_publish`; other files are kept): an
    interrupted command leaves the earlier outputs as they were. With
    ``write_record=False`` the caller adds its own files to the staging folder
    and publishes.
    """
    est = result.estimator
    split = result.split
    final, out = out, _staging(out)
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
        from ..inspection import decoder_attributions, top_features

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

        from ..inspection import reconstruction_r2, variance_explained

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
    if write_record:  # (else the caller publishes once its own files are written)
        _publish(final, record)
    return record
