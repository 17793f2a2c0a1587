"""``skpoems embed``: new samples embedded by the model that ``skpoems run`` or
``skpoems discover`` saved, their features matched to those it was trained on."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from ._discover import _elbo_columns
from ._errors import _DataError, _in_cli_terms, _UsageError
from ._options import _LAYOUTS
from ._outputs import _atomically, _clear_previous, _out_dir, _out_path, _safe_name

#: files of skpoems embed, which writes no metrics.json to list them
_EMBED_FILES = ("embedding.csv", "gating_weights.csv", "clusters.csv")


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


#: ways a table may write the trained feature names otherwise: how, and the folding
_FEATURE_RESPELLINGS = (
    ("without their version suffix", lambda name: re.sub(r"\.\d+$", "", name.strip()),
     " (Ensembl ids of another release?). Rename the table's features to the model's names"),
    ("in another case", lambda name: name.strip().casefold(), ". Write them as the model does"),
)


def _feature_spelling_hint(needed: pd.Index, columns: pd.Index) -> str:
    """A hint when most of the trained features ``needed`` are among ``columns``
    written otherwise (``ENSG00000000003.15`` for ``ENSG00000000003.14``, or in
    another case): they are not matched so, only named."""
    for how, fold, remedy in _FEATURE_RESPELLINGS:
        written = {fold(str(c)): str(c) for c in columns}
        found = [(str(n), written[fold(str(n))]) for n in needed if fold(str(n)) in written]
        if found and len(found) >= len(needed) / 2:
            model, table = found[0]
            return (
                f" {len(found)} of them are in the table {how}, e.g. {table!r} for the model's "
                f"{model!r}{remedy} (they are not matched otherwise)."
            )
    return ""


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
                "or empty rows instead)." + _feature_spelling_hint(needed, block.columns)
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
    from ..datasets import load_omics_tables
    from ..datasets._tables import _table_stem

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
    def held_alone(transpose: bool) -> int:  # the trained features each table holds, read alone
        held = 0
        for omic, stem in files.items():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    table = load_omics_tables(folder, labels=False, omics=[stem], transpose=transpose).data
            except (ValueError, OSError):
                continue
            held += len(set(map(str, table[stem].columns)) & set(map(str, trained.get(omic, []))))
        return held

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
            failed = {}
            for transpose in (False, True):
                try:
                    candidate = read(transpose)
                except (ValueError, OSError) as exc:
                    failed[transpose] = exc
                    continue
                if n_trained(candidate) > (0 if data is None else n_trained(data)):
                    data = candidate
            # a reading that holds the trained features but failed (its samples do
            # not match, say): its error is the cause, not the features "lacking"
            # from the other reading
            for transpose, exc in failed.items():
                held = held_alone(transpose)
                if held >= n_features / 2 and held > (0 if data is None else n_trained(data)):
                    data, error = None, exc
                    break
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
    from ..datasets import load_omics_folder
    from ..datasets._folder import _default_feature_names, _scan_folder

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
    from ._parser import build_parser  # (the parser imports this module)

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
    from ..datasets import _folder

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
                # (on stderr, --quiet too: it changes which samples match, and how they are named)
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
                shown = trained_types if isinstance(trained_types, str) else ",".join(trained_types)
                print(f"note: samples of the types {shown} kept, as for training (--sample-types)",
                      file=sys.stderr, flush=True)
        data = _named_tables_as_trained(folder, omics, args, _trained_features(pipe))
    X, notes = _features_as_trained(pipe, data, args.data)
    for note in notes:
        if "no table in the folder" in note:
            # a whole omic embedded as missing: a warning a pipeline's log shows, not
            # only a line of the summary (a table named otherwise is not read)
            print(f"warning: {note}", file=sys.stderr, flush=True)
    # samples without a value of any of the model's omics: nothing to embed them
    # from; left out with a note rather than failing the others
    empty = X.isna().all(axis=1).to_numpy()
    if empty.all():
        raise _DataError(
            f"cannot embed {args.data}: none of its {len(X)} samples has a value of the model's "
            f"omics ({', '.join(omics)})."
        )
    if empty.any():
        notes.append(
            f"left out {int(empty.sum())} sample(s) without a value of any of the model's omics "
            f"(e.g. {', '.join(repr(str(s)) for s in X.index[empty][:3])}): nothing to embed them from"
        )
        X = X.loc[~empty]
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
    embedding = pd.DataFrame(Z, index=index, columns=model.get_feature_names_out())
    _atomically(out / "embedding.csv", embedding.to_csv)
    written = ["embedding.csv"]
    if gating is not None:
        _atomically(out / "gating_weights.csv", pd.DataFrame(gating, index=index, columns=omics).to_csv)
        written.append("gating_weights.csv")
    subtypes_file = file.parent / "subtypes.joblib"
    assigned = None
    kmeans = joblib.load(subtypes_file)[-1] if subtypes_file.is_file() else None
    if kmeans is not None and getattr(kmeans, "n_features_in_", None) != Z.shape[1]:
        kmeans = None  # not this model's clusters
    if kmeans is not None:  # a model of skpoems discover: assign the clusters
        assigned = np.asarray([f"cluster {c + 1}" for c in kmeans.predict(np.asarray(Z, dtype=np.float64))])
        # with the ELBO as in discover's clusters.csv
        clusters = pd.DataFrame({"cluster": assigned, **_elbo_columns(model, scaled)}, index=index)
        _atomically(out / "clusters.csv", clusters.to_csv)
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
