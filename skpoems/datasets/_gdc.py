"""Merge a GDC download (one file per sample and data type) into one table per omic.

The GDC data portal (https://portal.gdc.cancer.gov) gives each sample's
measurements as a file of its own, in a folder named by the file's id, and lists
them in a sample sheet (the cart's "Sample Sheet" button: ``gdc_sample_sheet.<date>.tsv``,
tab-separated, with the columns ``File ID``, ``File Name``, ``Data Type`` and
``Sample ID``). The models and the folder loaders want one table per omic, samples
x features: :func:`merge_gdc_download` builds them.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import validate_params
from tqdm.auto import tqdm

from ..utils._warnings import user_stacklevel

__all__ = ["merge_gdc_download"]

_PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class _DataType:
    """How to read one GDC data type: the omic's name, the column of feature ids,
    the value columns it offers (the first is the default) and the rows that are
    no features (the read counters of STAR's tables)."""

    omic: str
    id_column: str | int
    values: tuple[str, ...]
    header: bool = True
    name_column: str | None = None  # a readable name to put before the id
    skip_ids: str | None = None  # a regular expression of rows that are not features


#: the per-sample data types of the GDC (data release 32 and later) that are omics
_DATA_TYPES = {
    "Gene Expression Quantification": _DataType(
        "gene_expression",
        "gene_id",
        ("tpm_unstranded", "fpkm_unstranded", "fpkm_uq_unstranded", "unstranded", "stranded_first", "stranded_second"),
        name_column="gene_name",
        skip_ids=r"N_\w+",
    ),
    "miRNA Expression Quantification": _DataType(
        "mirna", "miRNA_ID", ("reads_per_million_miRNA_mapped", "read_count")
    ),
    "Methylation Beta Value": _DataType("methylation", 0, ("beta_value",), header=False),
    "Protein Expression Quantification": _DataType("protein", "peptide_target", ("protein_expression",)),
    "Gene Level Copy Number": _DataType(
        "copy_number", "gene_id", ("copy_number", "min_copy_number", "max_copy_number"), name_column="gene_name"
    ),
}

#: a sample barcode of TCGA or TARGET and its sample type (characters 14-15 of
#: TCGA-A1-A0SB-01A: 01-09 tumour, 10-19 normal, 20-29 control)
_SAMPLE_TYPE = re.compile(r"^(?:TCGA|TARGET)-\w{2}-\w{4,6}-(\d{2})", re.IGNORECASE)
_SHEET_COLUMNS = ("File Name", "Data Type", "Sample ID")


def _find_sample_sheet(folder: Path) -> Path:
    found = sorted(folder.glob("gdc_sample_sheet*.tsv")) or sorted(folder.parent.glob("gdc_sample_sheet*.tsv"))
    if not found:
        raise ValueError(
            f"No GDC sample sheet (gdc_sample_sheet*.tsv) in {folder} or beside it: it names the "
            "sample of each file. Download it with the files (the cart's 'Sample Sheet' button) "
            "and pass it as sample_sheet=."
        )
    if len(found) > 1:
        raise ValueError(
            f"{len(found)} GDC sample sheets in {found[0].parent} ({', '.join(p.name for p in found)}): "
            "pass the one of this download as sample_sheet=."
        )
    return found[0]


def _read_sheet(path: Path) -> pd.DataFrame:
    try:
        sheet = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValueError(f"Cannot read the GDC sample sheet {path}: {exc}") from None
    sheet.columns = [str(c).strip() for c in sheet.columns]
    missing = [c for c in _SHEET_COLUMNS if c not in sheet.columns]
    if missing:
        raise ValueError(
            f"{path} is not a GDC sample sheet: it lacks the column(s) {missing} (its columns: "
            f"{list(sheet.columns)[:12]})."
        )
    return sheet


def _sample_type(sample: str, row: pd.Series) -> str | None:
    """'tumor', 'normal', 'control' or None (unknown) for one sample."""
    match = _SAMPLE_TYPE.match(sample)
    if match:
        code = int(match.group(1))
        return "tumor" if code < 10 else "normal" if code < 20 else "control"
    for column in ("Tissue Type", "Sample Type"):  # (newer sheets: Tissue Type)
        text = str(row.get(column, "")).lower()
        if "normal" in text:
            return "normal"
        if "tumor" in text or "tumour" in text or "cancer" in text or "metasta" in text:
            return "tumor"
    return None


def _read_file(path: Path, kind: _DataType, value: str, data_type: str) -> pd.Series:
    """One sample's values of one data type, indexed by feature."""
    try:
        if kind.header:
            usecols = [kind.id_column, value] + ([kind.name_column] if kind.name_column else [])
            table = pd.read_csv(path, sep="\t", comment="#", usecols=usecols, dtype={kind.id_column: str})
        else:
            try:  # (numbers read as such: four times faster on a methylation array)
                table = pd.read_csv(
                    path, sep="\t", header=None, usecols=[0, 1], names=[0, value], dtype={0: str, value: np.float64}
                )
            except ValueError:  # a header line (the GDC's files have none), or text
                table = pd.read_csv(path, sep="\t", header=None, usecols=[0, 1], names=[0, value], dtype=str)
                first = table[value].iloc[:1]
                if len(first) and first.notna().all() and pd.to_numeric(first, errors="coerce").isna().all():
                    table = table.iloc[1:]
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"Cannot read {path} ({data_type}): {exc}") from None
    except ValueError as exc:  # (a column that is missing: usecols)
        raise ValueError(
            f"{path} does not read as a GDC {data_type!r} file with a column {value!r}: {exc}"
        ) from None
    ids = table[kind.id_column].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"{path} names feature {ids[ids.duplicated()].iloc[0]!r} more than once.")
    keep = ~ids.str.fullmatch(kind.skip_ids) if kind.skip_ids else np.ones(len(ids), dtype=bool)
    names = ids if not kind.name_column else table[kind.name_column].astype(str) + "_" + ids
    values = pd.to_numeric(table[value], errors="coerce")
    text = table[value].notna() & values.isna()
    if text.any():
        raise ValueError(
            f"{path}: column {value!r} holds text ({str(table[value][text].iloc[0])!r}), not numbers."
        )
    return pd.Series(values.to_numpy(dtype=np.float64)[keep], index=pd.Index(names[keep]), name=path.name)


@validate_params(
    {
        "path": [str, os.PathLike],
        "sample_sheet": [str, os.PathLike, None],
        "sample_types": [str, Collection],
        "values": [Mapping, None],
        "out": [str, os.PathLike, None],
        "verbose": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def merge_gdc_download(
    path: _PathLike,
    *,
    sample_sheet: _PathLike | None = None,
    sample_types: Literal["tumor", "normal", "all"] | Collection[str] = "all",
    values: Mapping[str, str] | None = None,
    out: _PathLike | None = None,
    verbose: bool = False,
) -> dict[str, pd.DataFrame]:
    """Merge a GDC download's per-sample files into one table per omic.

    Reads every file that the sample sheet lists and that lies anywhere under
    ``path`` (the GDC client and the portal's archive put each in a folder named
    by its file id), groups the files by data type and writes each sample's
    values as one row. The data types read, and the omic each becomes:

    ================================== =============== ========================================
    GDC data type                      omic            value column (default first)
    ================================== =============== ========================================
    Gene Expression Quantification     gene_expression tpm_unstranded, fpkm_unstranded,
                                                       fpkm_uq_unstranded, unstranded, ...
    miRNA Expression Quantification    mirna           reads_per_million_miRNA_mapped, read_count
    Methylation Beta Value             methylation     the beta value
    Protein Expression Quantification  protein         protein_expression
    Gene Level Copy Number             copy_number     copy_number, min_copy_number, ...
    ================================== =============== ========================================

    Genes are named ``<gene_name>_<gene_id>`` (``TSPAN6_ENSG00000000003.15``:
    readable, and unique where symbols repeat); STAR's read counters
    (``N_unmapped``, ...) are left out. Files of other data types (isoforms,
    mutations, clinical supplements) and files of several samples are passed
    over, and named in a warning.

    The values are the GDC's, untransformed: expression in TPM or reads per
    million is heavy-tailed, so take ``log2(1 + x)`` before scaling
    (``skpoems run --log gene_expression mirna``). Methylation files hold NaN
    for probes that failed on a sample: impute them (``--impute``) or drop
    those probes before fitting.

    Parameters
    ----------
    path : str or path-like
        The download: a folder holding the files, at any depth.
    sample_sheet : str or path-like, default=None
        The GDC sample sheet of the download (tab-separated: ``File Name``,
        ``Data Type``, ``Sample ID``, ...). None: the one
        ``gdc_sample_sheet*.tsv`` in ``path`` or its parent folder.
    sample_types : {"all", "tumor", "normal"} or collection of str, default="all"
        The samples to keep, by the sample type of their TCGA or TARGET barcode
        (characters 14-15: 01-09 tumour, 10-19 normal) or, for other ids, the
        sheet's ``Tissue Type`` or ``Sample Type``; or the two-digit codes to
        keep (``["01"]``: primary tumours). A download of a cohort holds the
        normal tissue of some patients beside their tumours, which clusters
        would part from the tumours rather than tumour subtypes.
    values : mapping of str to str, default=None
        The value column to take per data type or omic, e.g.
        ``{"gene_expression": "unstranded"}`` for raw counts. None: the
        defaults above.
    out : str or path-like, default=None
        A folder to write each table to, as ``<omic>.csv.gz`` with the samples
        as rows: the layout :func:`load_omics_tables` and ``skpoems run --data``
        read. None: write nothing.
    verbose : bool, default=False
        Show a progress bar per data type (a cohort's methylation arrays take
        minutes: about 0.25 s per 450k file here).

    Returns
    -------
    tables : dict of str to DataFrame
        One table per omic, samples x features, indexed by the sheet's
        ``Sample ID`` (``TCGA-A1-A0SB-01A``; name ``"sample"``), in the order of
        the sheet. A sample with several files of one data type (aliquots
        measured twice) gets their mean; features that not every file of a data
        type has (two array platforms) are left out; both are said in a warning.

    Examples
    --------
    >>> from skpoems.datasets import merge_gdc_download
    >>> tables = merge_gdc_download("gdc_download/", sample_types="tumor",
    ...                             out="brca_tables/")  # doctest: +SKIP
    >>> sorted(tables)  # doctest: +SKIP
    ['gene_expression', 'methylation', 'mirna']
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder.")
    sheet_path = _find_sample_sheet(folder) if sample_sheet is None else Path(sample_sheet)
    if not sheet_path.is_file():
        raise ValueError(f"The sample sheet {sheet_path} is not a file.")
    sheet = _read_sheet(sheet_path)
    if isinstance(sample_types, str):
        wanted_codes = None
        sample_types = {"tumour": "tumor"}.get(sample_types, sample_types)
        if sample_types not in ("all", "tumor", "normal"):
            raise ValueError(
                f"sample_types: 'all', 'tumor', 'normal' or a collection of two-digit sample "
                f"type codes (['01']); got {sample_types!r}."
            )
    else:
        wanted_codes = {str(code).zfill(2) for code in sample_types}
        bad = sorted(c for c in wanted_codes if not re.fullmatch(r"\d{2}", c))
        if bad or not wanted_codes:
            raise ValueError(
                f"sample_types: two-digit sample type codes (01 primary tumour, 11 normal "
                f"tissue, ...), or 'tumor', 'normal' or 'all'; got {sorted(map(str, sample_types))}."
            )
    values = dict(values or {})
    known = {name for name in _DATA_TYPES} | {kind.omic for kind in _DATA_TYPES.values()}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(
            f"values: no data type or omic named {unknown}; those read are "
            f"{sorted(kind.omic for kind in _DATA_TYPES.values())}."
        )

    on_disk: dict[str, list[Path]] = {}
    for file in folder.rglob("*"):
        if file.is_file():
            on_disk.setdefault(file.name, []).append(file)
    other_types: dict[str, int] = {}
    several, absent, dropped = 0, [], {"type": 0}
    groups: dict[str, list[tuple[str, Path]]] = {}
    for _, row in sheet.iterrows():
        data_type = row["Data Type"].strip()
        if data_type not in _DATA_TYPES:
            other_types[data_type] = other_types.get(data_type, 0) + 1
            continue
        samples = [s.strip() for s in row["Sample ID"].split(",") if s.strip()]
        if len(samples) > 1:
            # a tumour measured against its patient's normal sample (copy numbers
            # from a pair): the values are the tumour's
            tumours = [s for s in samples if (m := _SAMPLE_TYPE.match(s)) and int(m.group(1)) < 10]
            samples = tumours if len(tumours) == 1 else samples
        if len(samples) != 1:
            several += 1
            continue
        sample = samples[0]
        if sample_types != "all":
            if wanted_codes is not None:
                match = _SAMPLE_TYPE.match(sample)
                if match is None:
                    raise ValueError(
                        f"{sheet_path}: sample {sample!r} has no TCGA or TARGET barcode, whose "
                        "characters 14-15 give the sample type codes of sample_types; pass "
                        "'tumor' or 'normal' to judge it by the sheet's Tissue Type instead."
                    )
                keep = match.group(1) in wanted_codes
            else:
                kind_of_sample = _sample_type(sample, row)
                if kind_of_sample is None:
                    raise ValueError(
                        f"{sheet_path}: the sample type of {sample!r} is unknown (no TCGA or "
                        "TARGET barcode, no Tissue Type or Sample Type column that says tumour "
                        "or normal): pass sample_types='all'."
                    )
                keep = kind_of_sample == sample_types
            if not keep:
                dropped["type"] += 1
                continue
        name = row["File Name"].strip()
        files = on_disk.get(name, [])
        if not files:
            absent.append(name)
            continue
        if len(files) > 1:
            wanted_id = str(row.get("File ID", "")).strip()
            inside = [f for f in files if wanted_id and wanted_id in f.parts]
            if len(inside) != 1:
                raise ValueError(
                    f"{len(files)} files named {name} under {folder} ({files[0]}, {files[1]}): "
                    "keep one copy of the download."
                )
            files = inside
        groups.setdefault(data_type, []).append((sample, files[0]))

    if not groups:
        listed = ", ".join(f"{t} ({n})" for t, n in sorted(other_types.items())) or "none of the types read"
        where = (
            f" None of its {len(absent)} files of these data types lies under {folder}."
            if absent else ""
        )
        raise ValueError(
            f"No files to merge: {sheet_path.name} lists {len(sheet)} file(s) of the data types "
            f"{listed}; those read are {', '.join(_DATA_TYPES)}.{where}"
            + (f" {dropped['type']} file(s) were of other sample types than {sample_types!r}." if dropped["type"] else "")
        )

    notes = []
    if absent:
        notes.append(
            f"{len(absent)} file(s) that {sheet_path.name} lists are not under {folder} (e.g. "
            f"{absent[0]}): a download cut short? Their samples are left out."
        )
    if other_types:
        notes.append(
            "files of other data types were passed over: "
            + ", ".join(f"{t} ({n})" for t, n in sorted(other_types.items()))
            + "."
        )
    if several:
        notes.append(f"{several} file(s) of several samples each were passed over.")

    tables: dict[str, pd.DataFrame] = {}
    for data_type, members in groups.items():
        kind = _DATA_TYPES[data_type]
        value = values.get(data_type, values.get(kind.omic, kind.values[0]))
        if value not in kind.values:
            raise ValueError(
                f"values: {kind.omic} ({data_type}) has no value column {value!r}; its columns are "
                f"{list(kind.values)}."
            )
        # the files of one release list the same features in the same order: the
        # values go straight into one matrix, and only files that differ keep their
        # feature names (an index per file of a methylation array would take
        # gigabytes)
        reference = _read_file(members[0][1], kind, value, data_type)
        ids = reference.index
        matrix = np.empty((len(members), len(ids)))
        matrix[0] = reference.to_numpy()
        differing: dict[int, pd.Series] = {}
        sizes = {len(ids)}
        bar = tqdm(members[1:], desc=kind.omic, unit="file", disable=not verbose, initial=1, total=len(members))
        for i, (_, file) in enumerate(bar, start=1):
            row = _read_file(file, kind, value, data_type)
            sizes.add(len(row))
            if len(row) == len(ids) and np.array_equal(row.index.to_numpy(), ids.to_numpy()):
                matrix[i] = row.to_numpy()
            else:
                differing[i] = row
        shared = ids
        for row in differing.values():
            shared = shared.intersection(row.index, sort=False)
        if len(shared) < max(sizes):
            if len(shared) == 0:
                raise ValueError(
                    f"The {len(members)} {data_type} files share no feature: files of different "
                    "platforms or genome versions? Keep one kind in the download."
                )
            notes.append(
                f"{kind.omic}: the files hold {min(sizes)}-{max(sizes)} features (several platforms?), "
                f"{len(shared)} of them in every file: only those are kept."
            )
        if differing:
            positions = ids.get_indexer(shared)
            matrix = matrix[:, positions]
            for i, row in differing.items():
                matrix[i] = row.reindex(shared).to_numpy()
        samples = pd.Index([sample for sample, _ in members], name="sample")
        table = pd.DataFrame(matrix, index=samples, columns=pd.Index(shared, name="feature"))
        if samples.has_duplicates:
            notes.append(
                f"{kind.omic}: {int(samples.duplicated().sum())} sample(s) have several files "
                "(aliquots measured again): each sample's mean is kept."
            )
            table = table.groupby(level=0, sort=False).mean()
        tables[kind.omic] = table
    if dropped["type"]:
        notes.append(f"{dropped['type']} file(s) of other sample types than {sample_types!r} were left out.")
    if notes:
        warnings.warn(f"{folder}: " + " ".join(notes), UserWarning, stacklevel=user_stacklevel())
    if out is not None:
        target = Path(out)
        target.mkdir(parents=True, exist_ok=True)
        for omic, table in tables.items():
            table.to_csv(target / f"{omic}.csv.gz")
    return tables
