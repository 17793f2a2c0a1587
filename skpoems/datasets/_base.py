"""Shared helpers of the dataset loaders: bundled files and Bunch assembly."""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from collections.abc import Callable, Collection, Sequence
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__: list[str] = []

_DATA_PACKAGE = "skpoems.datasets"

#: compressed file endings the loaders read (pandas.read_csv infers the same
#: compressions from a file's name)
COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


#: a sample barcode of TCGA or TARGET and its sample type (characters 14-15 of
#: TCGA-A1-A0SB-01A; the part after the patient in TARGET-20-PADZCG-04A)
SAMPLE_BARCODE = re.compile(r"^(?:TCGA|TARGET)-\w{2}-\w{4,6}-(\d{2})", re.IGNORECASE)
#: sample type codes of tumours: 01-09 (primary, recurrent, metastatic, blood
#: cancers) and TARGET's 40-42 (recurrent and post-treatment blood cancers);
#: of normal tissue: 10-19. Others (20 control analytes, 50 cell lines, 60-61
#: xenografts) are neither.
TUMOR_CODES = frozenset([f"{c:02d}" for c in range(1, 10)] + ["40", "41", "42"])
NORMAL_CODES = frozenset(f"{c:02d}" for c in range(10, 20))


def sample_type_filter(sample_types: str | Collection[str]) -> Callable[[str], bool | None] | None:
    """The test of ``sample_types`` (``"all"``, ``"tumor"``, ``"normal"`` or
    two-digit sample type codes) for one sample name: True to keep, False to
    leave out, None for a name that is no TCGA or TARGET sample barcode. None
    for ``"all"`` (keep every sample)."""
    if isinstance(sample_types, str):
        kind = {"tumour": "tumor"}.get(sample_types.lower(), sample_types.lower())
        if kind not in ("all", "tumor", "normal"):
            raise ValueError(
                f"sample_types: 'all', 'tumor', 'normal' or a collection of two-digit sample "
                f"type codes (['01']); got {sample_types!r}."
            )
        if kind == "all":
            return None
        codes = TUMOR_CODES if kind == "tumor" else NORMAL_CODES
    else:
        codes = {str(code).zfill(2) for code in sample_types}
        if not codes or not all(re.fullmatch(r"\d{2}", c) for c in codes):
            raise ValueError(
                f"sample_types: two-digit sample type codes (01 primary tumour, 11 normal "
                f"tissue, ...), or 'tumor', 'normal' or 'all'; got {sorted(map(str, sample_types))}."
            )

    def keep(name: str) -> bool | None:
        match = SAMPLE_BARCODE.match(name)
        return None if match is None else match.group(1) in codes

    return keep


def strip_compression(name: str) -> str:
    """``1_all.csv.gz`` -> ``1_all.csv``: a file name without its compression."""
    for ending in COMPRESSIONS:
        if name.lower().endswith(ending):
            return name[: -len(ending)]
    return name


def open_text(file: Path, **kwargs: Any) -> IO[str]:
    """Open ``file`` as text, decompressed by its ending (see ``COMPRESSIONS``)."""
    for ending, opener in COMPRESSIONS.items():
        if file.name.lower().endswith(ending):
            return opener(file, "rt", **kwargs)
    return open(file, **kwargs)  # noqa: SIM115 - the caller closes it


def _resource(dataset: str, filename: str) -> Any:
    """Return a traversable handle on a file bundled in ``datasets/data/``.

    Parameters
    ----------
    dataset : str
        Sub-folder of ``skpoems/datasets/data``, e.g. ``"tcga_brca"``.
    filename : str
        Name of the file inside that folder.

    Returns
    -------
    resource : importlib.resources.abc.Traversable
        A handle that can be opened with ``.open()``.
    """
    return resources.files(_DATA_PACKAGE).joinpath("data", dataset, filename)


def _read_text_resource(dataset: str, filename: str) -> str:
    """Read a bundled text file (UTF-8)."""
    return _resource(dataset, filename).read_text(encoding="utf-8")


def _read_csv_resource(dataset: str, filename: str, **kwargs: Any) -> pd.DataFrame:
    """Read a bundled CSV file (optionally gzip-compressed) with pandas.

    Parameters
    ----------
    dataset : str
        Sub-folder of ``skpoems/datasets/data``.
    filename : str
        File name; a ``.gz`` suffix selects gzip decompression.
    **kwargs
        Passed to :func:`pandas.read_csv`.

    Returns
    -------
    frame : pandas.DataFrame
        The parsed table.
    """
    compression = "gzip" if filename.endswith(".gz") else None
    with _resource(dataset, filename).open("rb") as fh:
        return pd.read_csv(fh, compression=compression, **kwargs)


def _omics_frame(
    blocks: Sequence[pd.DataFrame], omic_names: Sequence[str]
) -> pd.DataFrame:
    """Concatenate per-omic blocks into one MultiIndex-column DataFrame.

    Parameters
    ----------
    blocks : sequence of pandas.DataFrame
        One (n_samples, n_features_v) frame per omic, all with the same index.
    omic_names : sequence of str
        One name per block; becomes the first column level ``"omic"``.

    Returns
    -------
    frame : pandas.DataFrame of shape (n_samples, sum(n_features_v))
        Columns are a :class:`pandas.MultiIndex` with levels ``("omic", "feature")``.
    """
    frame = pd.concat(
        list(blocks), axis=1, keys=list(omic_names), names=["omic", "feature"]
    )
    return frame.astype(np.float64)


def _class_count_table(target_names: Sequence[Any], target: np.ndarray) -> str:
    """Format ``code name count`` lines for a DESCR text."""
    counts = np.bincount(target, minlength=len(target_names))
    lines = [
        f"    {code}  {str(name):<10s} {count:5d}"
        for code, (name, count) in enumerate(zip(target_names, counts, strict=True))
    ]
    return "\n".join(lines)


def _make_bunch(
    *,
    frame: pd.DataFrame,
    target: pd.Series | None,
    target_names: np.ndarray | None,
    omic_names: Sequence[str],
    descr: str,
    as_frame: bool,
    return_X_y: bool,
    **extra: Any,
) -> Bunch | tuple[Any, Any]:
    """Assemble the return value shared by every multi-omics loader.

    Parameters
    ----------
    frame : pandas.DataFrame
        Data with MultiIndex columns ``("omic", "feature")`` (see :func:`_omics_frame`).
    target : pandas.Series or None
        Labels indexed like ``frame``, or None when the data set has no labels.
    target_names : ndarray or None
        Class names in code order, or None.
    omic_names : sequence of str
        Names of the omics, in column order.
    descr : str
        Full description of the data set.
    as_frame : bool
        If True, ``data`` and ``target`` are pandas objects, else ndarrays.
    return_X_y : bool
        If True, return ``(data, target)`` instead of a Bunch.
    **extra
        Further entries of the Bunch (e.g. ``is_train``).

    Returns
    -------
    bunch_or_tuple : Bunch or tuple
        See the public loaders.
    """
    omic_names = list(omic_names)
    features = frame.columns.get_level_values("feature")
    omics = frame.columns.get_level_values("omic")
    omic_dims = tuple(int((omics == name).sum()) for name in omic_names)
    if as_frame:
        data: Any = frame
        y: Any = target
    else:
        data = np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
        # (missing labels of keep_unlabelled: NaN in a float array)
        y = None if target is None else (
            target.to_numpy(dtype=np.float64, na_value=np.nan) if target.hasnans else target.to_numpy()
        )
    if return_X_y:
        return data, y
    return Bunch(
        data=data,
        target=y,
        target_names=target_names,
        omic_names=omic_names,
        omic_dims=omic_dims,
        feature_names=np.asarray(features, dtype=object),
        # the rows' names also where data is an array: the loaders order the
        # samples themselves (joins, label order), so rows must map back
        sample_names=np.asarray(frame.index, dtype=object),
        DESCR=descr,
        **extra,
    )
