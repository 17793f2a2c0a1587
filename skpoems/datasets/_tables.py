"""Loader for a folder of named omic tables (one CSV/TSV file per omic, plus labels).

This is the layout in which most users keep their own cohorts, and the layout of
the data sets bundled with skpoems: ``mrna.csv.gz``, ``methylation.csv.gz``,
``mirna.csv.gz`` and ``labels.csv``, each with a header row, and usually a first
column of sample names.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import os
import re
import warnings
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple, overload

import numpy as np
import pandas as pd
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Options, StrOptions, validate_params

from .._params import _Count
from ..utils._warnings import user_stacklevel
from ._base import COMPRESSIONS, SAMPLE_BARCODE, _make_bunch, _omics_frame, open_text, sample_type_filter
from ._folder import (
    _FEATURE_HEADER,
    _READ_ERRORS,
    _dots_as_missing,
    _encode_labels,
    _is_id_header,
    _is_row_index,
    _label_counts,
    _labels_from_table,
    _match_samples,
    _not_utf8,
    _one_field_more,
    _prefix_hint,
    _refuse_short_rows,
    _spelling_hint,
    _unreadable,
    _without_empty_last_columns,
    check_header_unique,
)

__all__ = ["load_omics_tables"]

_PathLike = str | os.PathLike[str]
#: endings of tables in other formats, named in a warning when a folder has them
_OTHER_TABLES = (".xlsx", ".xls", ".zip", ".zst", ".parquet", ".feather", ".rds", ".rdata", ".h5")
#: file name endings read as tables (compressed when they end in ``.gz``, ``.bz2``
#: or ``.xz``): text tables, also under the endings of LinkedOmics (``.cct``,
#: ``.cbt``: tab-separated, features x samples) and of GCT files (``.gct``: two
#: lines, the version and the dimensions, above the header)
_TABLE_SUFFIXES = tuple(
    table + compression
    for table in (".csv", ".tsv", ".txt", ".tab", ".cct", ".cbt", ".gct")
    for compression in ("", *COMPRESSIONS)
)
#: files of a folder that are not tables, so not named among the files not read:
#: documentation, code, images, checksums, ...
_NOT_TABLE_ENDINGS = (
    ".md", ".rst", ".html", ".htm", ".pdf", ".doc", ".docx", ".json", ".yaml", ".yml",
    ".toml", ".ini", ".cfg", ".xml", ".log", ".py", ".r", ".rmd", ".ipynb", ".sh", ".png",
    ".jpg", ".jpeg", ".gif", ".svg", ".md5", ".sha1", ".sha256", ".joblib", ".lock",
)
_NOT_TABLE_NAME = re.compile(
    r"^(?:readme|manifest|licen[cs]e|copying|notice|changelog|changes|citation|authors|"
    r"md5sums?|sha\d*sums?|checksums?|thumbs|desktop|icon\r?)(?:[._ -].*)?$",
    re.IGNORECASE,
)


def _is_not_table(name: str) -> bool:
    """Whether a file that is not read is no table either (a README, a hidden
    file, a script, an image, ...), so that it goes unnamed."""
    return (
        name.startswith((".", "~$")) or bool(_NOT_TABLE_NAME.match(name))
        or name.lower().endswith(_NOT_TABLE_ENDINGS)
    )


#: a second copy of a file, as a browser or a file manager names it: ``mrna (1)``,
#: ``mrna - Copy`` (Windows), ``mrna copy 2`` (macOS), ``mrna (copy)`` (GNOME); not
#: ``dna_copy`` (copy number)
_COPY_SUFFIX = re.compile(
    r"(?:\s?\(\d+\)|\s-\scopy(?:\s\(\d+\))?|\scopy(?:\s\d+)?|\s\((?:another\s)?copy\))$", re.IGNORECASE
)


def _table_stem(path: Path) -> str | None:
    """``mrna.csv.gz`` -> ``mrna``; ``HiSeqV2`` or ``HiSeqV2.gz`` (UCSC Xena's
    tables have no ending) -> ``HiSeqV2`` where the first line is text split by
    tabs; None for a file that is not a table."""
    name = path.name
    for suffix in sorted(_TABLE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    bare = next((name[: -len(e)] for e in COMPRESSIONS if name.lower().endswith(e)), name)
    ending = Path(bare).suffix
    if (
        not bare or _is_not_table(name) or name.lower().endswith(_OTHER_TABLES)
        # a file type's ending (.vcf, .seg, .maf, .bam): not a table of ours;
        # Xena's names hold dots too (TCGA.BRCA.sampleMap%2FHiSeqV2)
        or (ending and len(ending) <= 6 and ending[1:].isalnum())
    ):
        return None
    try:
        with open_text(path, encoding="utf-8") as fh:
            first, second = fh.readline(1 << 16), fh.readline(1 << 16)
    except (OSError, UnicodeDecodeError, EOFError, ValueError):
        return None  # binary, or not compressed as its ending says
    tabs = first.count("\t")
    # a header and a data line split alike (one more field: no header for the row names)
    table = tabs and "\x00" not in first + second and second.count("\t") in (tabs, tabs + 1)
    return bare if table else None


def _is_unnamed(header: Any) -> bool:
    text = str(header)
    return text == "" or text.startswith("Unnamed: 0")


#: lines read to guess a table's separator and decimal mark
_SNIFF_LINES = 50


def _separator(file: Path) -> tuple[str, str, bool, int]:
    """(separator, decimal mark, whether commas separate thousands, number of
    leading ``#`` comment lines) of a table, from its first lines: see
    :func:`_sniff`."""
    return _sniff(file)[:4]


def _sniff(file: Path) -> tuple[str, str, bool, int, list[str] | None]:
    """(separator, decimal mark, whether commas separate thousands, number of
    leading ``#`` comment lines, the first lines read) of a table, from its
    first lines. The lines are None where a carriage return alone ends a line
    (pandas' ``skiprows`` counts such lines otherwise): :func:`_header_fields`
    then leaves the header to pandas.

    The separator is the one of tab, comma and semicolon that the header line
    uses; where it uses several (a semicolon table with a feature named
    2,3-butanediol), the one on which the header and the data lines split into
    the same number of fields; else the file name's (comma for .csv, tab
    otherwise). Runs of spaces when the header holds no tab, comma or
    semicolon but spaces (R's ``write.table`` default). Numbers written with
    commas are read as :func:`_comma_reading` decides.
    """
    try:
        with open_text(file, encoding="utf-8-sig", errors="replace") as fh:
            lines = list(itertools.islice(fh, _SNIFF_LINES + 1))
            geo = bool(lines) and lines[0].lower().startswith(("!series_", "!sample_", "!database_"))
            if geo:  # a GEO series matrix: its table lies between two marker lines
                begin = next((i for i, line in enumerate(lines) if _is_geo_begin(line)), None)
                while begin is None and (line := fh.readline()):
                    lines.append(line)
                    if _is_geo_begin(line):
                        begin = len(lines) - 1
                if begin is None:
                    raise ValueError(
                        f"{file} is a GEO series matrix file (its lines start with '!Series_', "
                        "'!Sample_', ...) without a table: it holds no "
                        "'!series_matrix_table_begin' line. Download the series matrix with its "
                        "table, or save the table (probes x samples, with a header row) as a "
                        "file of its own."
                    )
                lines += list(itertools.islice(fh, _SNIFF_LINES + 1))
            endings = fh.newlines  # the line endings met so far (read ahead included)
    except _READ_ERRORS as exc:
        raise _unreadable(file, exc) from exc
    # "#" lines above the header are comments (cBioPortal's metadata); a "#" line
    # followed by data is the header itself (#gene, #sample)
    comments = 0
    while comments < len(lines) and lines[comments].startswith("#"):
        comments += 1
    if 0 < comments < len(lines) and _is_data_line(lines[comments]):
        comments -= 1
    if geo:
        comments = begin + 1
    elif (
        lines
        and re.match(r"#1\.[23]\s*$", lines[0])
        and len(lines) > 1
        and re.fullmatch(r"\d+(?:\s+\d+)+", lines[1].strip())
    ):
        comments = 2  # a GCT file: its version and its dimensions above the header
    header, data = (lines[comments], lines[comments + 1 :]) if comments < len(lines) else ("", [])
    used = [sep for sep in ("\t", ",", ";") if sep in header]
    default = "," if ".csv" in file.name.lower() else "\t"
    if len(used) > 1:
        # the separator is the one that splits every line alike (a name may hold
        # another one: 2,3-butanediol in a semicolon table)
        even = [sep for sep in used if _splits_evenly([header, *data], sep)]
        used = even if len(even) == 1 else [default]
    if len(used) == 1:
        sep = used[0]
    elif (
        not used and data and _has_number(data[0].split()[1:])
        # several names, or one (R's write.table of one sample: a name, then values)
        and (len(header.split()) > 1 or len(header.split()) == 1 and len(data[0].split()) == 2)
    ) or (not used and _space_separated_names(header, data)):
        sep = r"\s+"
    else:
        sep = default
    decimal, thousands = _comma_reading(data, sep)
    lone_cr = endings == "\r" or (isinstance(endings, tuple) and "\r" in endings)
    return sep, decimal, thousands, comments, None if lone_cr else lines


def _is_geo_begin(line: str) -> bool:
    return line.strip().lower() == "!series_matrix_table_begin"


#: the cells pandas' read_csv reads as missing by default (and the empty one)
_GEO_MISSING = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]


def _geo_samples(file: Path) -> pd.DataFrame | None:
    """The samples of a GEO series matrix file with their characteristics: its
    ``!Sample_geo_accession`` ids as the first column (``sample``), then one
    column per key of its ``!Sample_characteristics_ch*`` lines (``subtype:
    LumA`` -> column ``subtype``; lines of unequal length padded with missing
    values); None for another file."""
    try:
        with open_text(file, encoding="utf-8-sig", errors="replace") as fh:
            first = fh.readline()
            if not first.lower().startswith(("!series_", "!sample_", "!database_")):
                return None
            ids: list[str] = []
            columns: dict[str, list[Any]] = {}
            for line in itertools.chain([first], fh):
                if _is_geo_begin(line):
                    break
                fields = [f.strip().strip('"') for f in line.rstrip("\r\n").split("\t")]
                key, values = fields[0].lower(), fields[1:]
                if key == "!sample_geo_accession":
                    ids = values
                elif key.startswith("!sample_characteristics_ch"):
                    # "subtype: LumA"; cells of one line may hold different keys
                    for j, value in enumerate(values):
                        name, sep, text = value.partition(":")
                        name = name.strip() if sep else key[len("!sample_"):]
                        column = columns.setdefault(name, [])
                        column.extend([None] * (j + 1 - len(column)))
                        column[j] = text.strip() if sep else value
    except (OSError, UnicodeError):
        return None
    if not ids:
        return None
    table = pd.DataFrame({k: (v + [None] * len(ids))[: len(ids)] for k, v in columns.items()})
    # missing as pandas reads a table's cells ("subtype: NA" is a sample without
    # a subtype, not a class named NA)
    table = table.mask(table.isin(_GEO_MISSING))
    table.insert(0, "sample", ids)
    return table


def _space_fields(line: str) -> list[str]:
    """The fields of a line separated by runs of spaces, quotes respected."""
    try:
        return next(csv.reader([line.strip()], delimiter=" ", skipinitialspace=True), [])
    except csv.Error:
        return []


def _space_separated_names(header: str, data: list[str]) -> bool:
    """Whether a table without tabs, commas or semicolons is separated by spaces
    although its second field is text (R's ``write.table`` of labels:
    ``"sample" "subtype"``, then ``TCGA-3C-AAAU "LumA"``): every data line splits
    into the same number (above one) of fields, and so does the header (or, quoted
    as R writes it, into one field fewer: no field for the row names), with a
    different first field on every data line (sample names; a one-column file of
    labels that hold spaces, "Luminal A", repeats its first words)."""
    rows = [line for line in data if line.strip()]
    if len(rows) < 2 or any(sep in line for line in rows for sep in ("\t", ",", ";")):
        return False
    counts = {len(_space_fields(line)) for line in rows}
    if len(counts) != 1 or (n := counts.pop()) < 2:
        return False
    n_header = len(_space_fields(header))
    if n_header != n and not (n_header == n - 1 and header.lstrip().startswith('"')):
        return False
    firsts = [_space_fields(line)[0] for line in rows]
    return len(set(firsts)) == len(firsts)


def _splits_evenly(lines: list[str], sep: str) -> bool:
    """Whether every non-blank line splits on ``sep`` (quotes respected) into the
    same number (above one) of fields."""
    counts = {_field_count(line.rstrip("\r\n"), sep) for line in lines if line.strip()}
    return len(counts) == 1 and counts.pop() > 1


def _field_count(text: str, sep: str) -> int:
    """The number of fields into which the csv module splits ``text`` on ``sep``
    (raising as it does), counted without splitting where nothing but the
    separators can make fields: no quote, no line break, no field longer than the
    csv module reads (a wide table's line holds tens of thousands of fields)."""
    if text and '"' not in text and "\r" not in text and "\n" not in text and (
        len(text) <= csv.field_size_limit() or max(map(len, text.split(sep))) <= csv.field_size_limit()
    ):
        return text.count(sep) + 1
    return len(next(csv.reader([text], delimiter=sep), []))


def _is_data_line(line: str) -> bool:
    """Whether a line after its first field holds numbers (not a header)."""
    for sep in ("\t", ",", ";"):
        if sep in line:
            return _has_number(line.split(sep)[1:])
    return _has_number(line.split()[1:])


#: a number with a decimal comma (0,5; 1,5e-3)
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+(?:[eE][-+]?\d+)?")
#: a number with commas between groups of three digits (1,234; 12,345,678.5)
_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_POINT_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?")
_WHOLE_NUMBER = re.compile(r"[-+]?\d+")


def _comma_reading(lines: list[str], sep: str) -> tuple[str, bool]:
    """(decimal mark, whether commas separate thousands) of numbers written with
    commas, from the values of the data lines (after each line's first field,
    which may be a name such as 2,3-butanediol).

    * Semicolon tables are what spreadsheets write where the decimal mark is a
      comma: "9,877" is 9.877 (unless a value such as 1,234,567 has several
      groups, or decimal points after the groups: thousands).
    * Comma tables (values quoted): "1,234" is 1234; commas that are no
      thousands separators (0,5) are not numbers.
    * Tab tables: decimal commas where some value is not written as thousands
      (0,5; 1,25), thousands where the values say so (1,234,567; 1,234.5;
      0.5 beside 1,234; whole numbers below 1000 written without a comma beside
      1,234 and above it with one). Where every value is d,ddd and nothing tells
      (5,877: 5877 or 5.877?) neither: the values stay text and the loader
      names the table and both readings.
    """
    if sep not in (";", "\t", ","):
        return ".", False
    if not _may_hold_commas(lines, sep):
        return ".", False  # no value with a comma: what the reading below finds
    values = [
        f.strip().strip('"').strip() for line in lines
        for f in next(csv.reader([line.rstrip("\r\n")], delimiter=sep), [])[1:]
    ]
    commas = [v for v in values if "," in v and (_DECIMAL_COMMA.fullmatch(v) or _THOUSANDS.fullmatch(v))]
    if not commas:
        return ".", False
    points = any(_POINT_NUMBER.fullmatch(v) for v in values)
    as_thousands = all(_THOUSANDS.fullmatch(v) for v in commas)
    certain = as_thousands and any(v.count(",") > 1 or "." in v for v in commas)
    as_decimal = not points and all(_DECIMAL_COMMA.fullmatch(v) for v in commas)
    if sep == ",":
        return ".", as_thousands
    if sep == ";":
        return ("," if as_decimal and not certain else "."), certain
    whole = [abs(int(v)) for v in values if _WHOLE_NUMBER.fullmatch(v)]
    if as_thousands and (certain or points or (whole and max(whole) < 1000)):
        return ".", True
    if as_decimal and (not as_thousands or (whole and max(whole) >= 1000)):
        return ",", False
    return ".", False


#: a number with points between groups of three digits (1.234; 12.345.678)
_DOT_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}(?:\.\d{3})+")


def _dot_thousands(lines: list[str]) -> bool:
    """Whether the points of a semicolon table without decimal commas separate
    thousands (a spreadsheet's export of counts where the decimal mark is a
    comma: 9.779 is 9779, 827 is 827): every number with a point is written as
    groups of three digits, and the values say so, as for commas in
    :func:`_comma_reading`: a number of several groups (1.234.567), or whole
    numbers written without a point only below 1000 beside at least 50 with one.
    Numbers with decimal points (0.5, 12.25, 8.000) never read so."""
    values = [
        f.strip().strip('"').strip() for line in lines
        for f in next(csv.reader([line.rstrip("\r\n")], delimiter=";"), [])[1:]
    ]
    points = [v for v in values if _POINT_NUMBER.fullmatch(v) or _DOT_THOUSANDS.fullmatch(v)]
    if not points or not all(_DOT_THOUSANDS.fullmatch(v) for v in points):
        return False
    if any(v.count(".") > 1 for v in points):
        return True
    # whole numbers other than 0 (log2 values of 3 decimals beside a 0 for the
    # undetected are no counts), all below 1000
    whole = [abs(int(v)) for v in values if _WHOLE_NUMBER.fullmatch(v) and int(v) != 0]
    return len(points) >= 50 and bool(whole) and max(whole) < 1000


#: a number whose point cannot separate thousands (0.5, 12.25, 1.2345)
_DECIMAL_POINT = re.compile(r"(?<![\d.])(?:0\.\d+|\d+\.(?:\d{1,2}|\d{4,}))(?![\d.])")


def _points_are_decimal_below(file: Path, sep: str) -> bool:
    """Whether a table read as points between thousands (from its first lines)
    holds, further down, a number whose point can only be a decimal point: the
    reading was then wrong, and the table is read with decimal points."""
    with open_text(file, encoding="utf-8-sig", errors="replace") as fh:
        return any(_DECIMAL_POINT.search(line.split(sep, 1)[-1]) for line in fh)


def _may_hold_commas(lines: list[str], sep: str) -> bool:
    """Whether a field of ``lines`` split on ``sep`` (quotes respected) may hold a
    comma; False only where none can, so that :func:`_comma_reading` need not
    split every field of a wide table's lines. A comma in a field of a comma
    table is quoted: its line holds a quote; in a tab or semicolon table, its
    line holds the comma. Lines on which the csv module would find a field
    longer than it reads are split as :func:`_comma_reading` splits them, to
    raise as it does."""
    sign = '"' if sep == "," else ","
    limit = csv.field_size_limit()
    for line in lines:
        if sign in line:
            return True
        if len(line) > limit:
            text = line.rstrip("\r\n")
            if '"' in text or "\r" in text or "\n" in text or max(map(len, text.split(sep))) > limit:
                next(csv.reader([text], delimiter=sep), [])
    return False


def _header_fields(lines: list[str] | None, comments: int, sep: str, *, initial_space: bool) -> list[str] | None:
    """The fields of a table's header line (after ``comments`` lines), from the
    first lines of the table (:func:`_sniff`), as ``pandas.read_csv(file, sep=sep,
    header=None, nrows=1, dtype=str, skiprows=comments, keep_default_na=False,
    skipinitialspace=initial_space)`` reads them, without reading the file again
    nor building one pandas column per field (tens of thousands in a wide table).

    None where the csv module might read the line otherwise than pandas: no
    lines (:func:`_sniff`: lines ended by a carriage return alone); a
    separator other than a tab, comma or semicolon; a blank header line (pandas
    skips it); a byte order mark at its start (pandas drops one more); a quote
    in the comment lines above it (pandas' ``skiprows``
    respects quoted line breaks); a quoted field that spans lines, or text after
    a closing quote (``"a"b``); a field longer than the csv module reads.
    """
    if lines is None or sep not in ("\t", ",", ";") or comments >= len(lines):
        return None
    header = lines[comments]
    if (
        any('"' in line for line in lines[:comments])
        or not header.strip()
        or "\0" in header
        or header.startswith("\ufeff")
    ):
        return None
    reader = csv.reader(iter(lines[comments:]), delimiter=sep, skipinitialspace=initial_space, strict=True)
    try:
        fields = next(reader)
    except (csv.Error, StopIteration):
        return None
    return fields if reader.line_num == 1 else None


def _check_header_unique(file: Path, sep: str, comments: int, lines: list[str] | None) -> None:
    """:func:`check_header_unique` on the header line of ``lines`` (the first lines
    of ``file``) where :func:`_header_fields` reads it as pandas does."""
    fields = _header_fields(lines, comments, sep, initial_space=False)
    check_header_unique(file, sep, skiprows=comments, fields=fields)


def _without_thousands(table: pd.DataFrame) -> pd.DataFrame:
    """Columns read as text because their numbers have thousands separators
    (1,234), as numbers: only columns whose every value is such a number or a
    plain one, so that a decimal comma further down (0,5) stays text."""
    out = table
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_numeric_dtype(values):
            continue
        text = values.dropna().astype(str).str.strip()
        if not len(text) or not text.str.contains(",", regex=False).any():
            continue
        plain = text.str.fullmatch(_THOUSANDS.pattern) | text.str.fullmatch(
            rf"{_POINT_NUMBER.pattern}|{_WHOLE_NUMBER.pattern}"
        )
        if not plain.all():
            continue
        if out is table:
            out = table.copy()
        out[column] = pd.to_numeric(values.astype(object).where(values.isna(), text.str.replace(",", "", regex=False)))
    return out


#: annotation columns before the samples of a cBioPortal table (data_mrna_*.txt)
_GENE_ANNOTATIONS = ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")


#: headers of gene-annotation columns of a features x samples table (other
#: portals' and tools' own names, compared in lower case without separators):
#: symbols, Entrez, Ensembl, RefSeq and locus ids, names and descriptions
_GENE_ANNOTATION = re.compile(
    r"^(?:hugo\w*|(?:gene)?symbols?|entrez\w*|ensembl\w*|refseq\w*|locus\w*|cytoband|"
    r"gene(?:ids?|names?|titles?|descriptions?|types?|biotypes?)|geneid|biotype|"
    r"descriptions?|identifiers?)$"
)


def _is_gene_annotation(header: Any) -> bool:
    return isinstance(header, str) and bool(_GENE_ANNOTATION.match(re.sub(r"[ _.-]", "", header.strip().lower())))


def _annotated_genes(table: pd.DataFrame) -> pd.DataFrame:
    """A cBioPortal table (``Hugo_Symbol``, ``Entrez_Gene_Id``, then the samples)
    with one first column of gene names instead of its annotation columns: the
    symbol, ``symbol|entrez`` where a symbol is missing or repeated (as the
    pan-cancer files have them), the Entrez id without a symbol.

    Likewise a table of numbers whose first column of names is followed by
    gene-annotation columns under other names (``gene, Entrez_ID``; ``Symbol,
    Entrez``; GCT's ``Name, Description``): the annotations are dropped (read
    as they are, a numeric one would be a sample), the first column names the
    features, with the first numeric id (``symbol|id``) where a name is missing
    or repeated."""
    lead = 0
    while lead < table.shape[1] and table.columns[lead] in _GENE_ANNOTATIONS:
        lead += 1
    if lead == 0 or lead == table.shape[1] or "Hugo_Symbol" not in table.columns[:lead]:
        return _other_annotations(table)
    symbols = table["Hugo_Symbol"].astype("string").str.strip()
    if "Entrez_Gene_Id" in table.columns[:lead]:
        entrez = _ids_as_text(table["Entrez_Gene_Id"].fillna(-1).to_numpy())
        entrez = pd.Series(entrez if entrez is not None else table["Entrez_Gene_Id"].astype(str), index=table.index)
        clash = symbols.isna() | symbols.duplicated(keep=False)
        names = symbols.where(~clash, symbols.fillna("") + "|" + entrez.astype(str))
        names = names.str.lstrip("|")
    else:
        names = symbols
    out = table.iloc[:, lead:].copy()
    out.insert(0, "gene", names.astype(object).to_numpy())
    return out


def _other_annotations(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`_annotated_genes` for annotation columns not named as cBioPortal's:
    only after a first column of names, and only where every column after them
    holds numbers (a features x samples omic, not a label or clinical table)."""
    lead = 1
    while lead < table.shape[1] and _is_gene_annotation(table.columns[lead]):
        lead += 1
    if lead == 1 or lead == table.shape[1] or pd.api.types.is_numeric_dtype(table.iloc[:, 0]):
        return table
    if not all(_numeric_columns(table.iloc[:, lead:])):
        return table
    names = table.iloc[:, 0].astype("string").str.strip()
    clash = names.isna() | names.duplicated(keep=False)
    ids = next(
        (_ids_as_text(table.iloc[:, j].fillna(-1).to_numpy()) for j in range(1, lead)
         if pd.api.types.is_numeric_dtype(table.iloc[:, j])), None,
    )
    if clash.any() and ids is not None:
        ids = pd.Series(ids, index=table.index)
        names = names.where(~clash, names.fillna("") + "|" + ids).str.lstrip("|")
    out = table.iloc[:, lead:].copy()
    out.insert(0, table.columns[0], names.astype(object).to_numpy())
    return out


def _has_number(fields: list[str]) -> bool:
    for field in fields:
        try:
            float(field)
            return True
        except ValueError:
            continue
    return False


def _first_data_row(
    lines: list[str] | None, skiprows: int | list[int], sep: str
) -> list[str] | None:
    """The fields of a table's first data row (after the header line and the
    lines that ``skiprows`` skips), from its first lines (:func:`_sniff`); None
    where they are not at hand."""
    if lines is None:
        return None
    start = (skiprows if isinstance(skiprows, int) else max(skiprows)) + 1
    below = [line for line in lines[start:] if line.strip()]
    if not below:
        return None
    if sep not in ("\t", ",", ";"):
        return below[0].split()
    fields = csv.reader([below[0].rstrip("\r\n")], delimiter=sep, skipinitialspace=True)
    return next(fields, None)


def _read_table(file: Path) -> pd.DataFrame:
    """Read a table with a header row, tab-, comma- or semicolon-separated."""
    sep, decimal, thousands, comments, lines = _sniff(file)
    options: dict[str, Any] = {"sep": sep, "skiprows": comments, "skipinitialspace": True, "encoding": "utf-8-sig"}
    if lines and len(lines) > comments + 1 and lines[comments].lower().startswith("hybridization ref"):
        # a TCGA Level 3 table (Firehose, the GDC legacy archive): its second
        # header row names each column's quantity (gene_id, normalized_count)
        second = lines[comments + 1].rstrip("\r\n").split(sep)
        if len(second) > 1 and not any(_is_number(f) for f in second[1:]):
            options["skiprows"] = [*range(comments), comments + 1]
    if (
        sep == ";" and decimal == "." and not thousands and lines and _dot_thousands(lines[comments + 1 :])
        and not _points_are_decimal_below(file, sep)
    ):
        decimal, options["thousands"] = ",", "."
    try:
        table = pd.read_csv(file, decimal=decimal, **options)
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{file} is empty.") from exc
    except UnicodeDecodeError as exc:
        raise _not_text(file, exc) from exc
    except pd.errors.ParserError as exc:
        raise ValueError(
            f"{file} could not be read as a table with a header row: {exc}"
        ) from exc
    except _READ_ERRORS as exc:
        raise _unreadable(file, exc) from exc
    if comments and len(table) and str(table.iloc[-1, 0]).strip().lower() == "!series_matrix_table_end":
        table = table.iloc[:-1]  # the end of a GEO series matrix's table
    if isinstance(table.index, pd.MultiIndex):
        # rows with more fields than the header: pandas would silently make the
        # extra leading fields row labels
        raise ValueError(
            f"{file}: its rows have {table.index.nlevels} more fields than its header "
            f"row (read with separator {sep!r}). Write the table with one header "
            "field per column (tab, comma or semicolon separated)."
        )
    # rows with one field more than the header: pandas made their first fields
    # the index (a separator ending every data row, or R's header); an index of
    # whole numbers in order is a RangeIndex too, so the first lines tell
    header = _header_fields(lines, comments, sep, initial_space=True)
    first_row = _first_data_row(lines, options["skiprows"], sep)
    if header is not None and first_row is not None:
        one_more = len(first_row) == len(header) + 1
    else:
        one_more = not table.index.equals(pd.RangeIndex(len(table)))
    if sep in (",", "\t", ";") and header is not None and first_row is not None:
        # a line of fewer fields: pandas fills its last fields with NaN, silently
        # moving the values after a lost separator into other columns
        start = (options["skiprows"] if isinstance(options["skiprows"], int) else max(options["skiprows"])) + 1
        _refuse_short_rows(file, table, len(header) + int(one_more), start, sep)
    row_names_first = False  # whether the rows' first fields are the index (R's header)
    if one_more:
        fixed = _one_field_more(file, table, first_row)
        row_names_first = fixed is table
        if not row_names_first:
            table = fixed.reset_index()
    if len(table) == 0:
        raise ValueError(
            f"{file} has a header row "
            f"({', '.join(repr('' if str(c).startswith('Unnamed: ') else str(c)) for c in table.columns[:3])}"
            f"{', ...' if table.shape[1] > 3 else ''}) but no data rows: an empty export? "
            "Write its data, or move the file out of the folder."
        )
    if thousands:
        table = _without_thousands(table)
    _check_header_row(file, table, sep, decimal, comments, lines)
    _check_header_unique(file, sep, comments, lines)
    table = _without_empty_last_columns(table)
    table.columns = [c.strip() if isinstance(c, str) else c for c in table.columns]
    if table.shape[1] > 1 and not pd.api.types.is_numeric_dtype(table.iloc[:, 0]):
        # rows of bare separators (",,,,": a spreadsheet's empty rows) below a
        # first column of names: no name and no value, not a sample named "nan"
        empty = table.isna().all(axis=1).to_numpy()
        if empty.any():
            table = table[~empty].reset_index(drop=True)
    if isinstance(table.columns[0], str) and table.columns[0].startswith("#"):  # a "#gene" header
        table = table.rename(columns={table.columns[0]: table.columns[0].lstrip("#").strip()})
    # (R's write.csv row numbers first: a gene-annotation column is then second;
    # the row numbers are otherwise dropped later, by _with_names)
    numbered = _without_row_numbers(table)
    annotated = _annotated_genes(numbered)
    table = annotated if numbered is table or annotated is not numbered else table
    # formats that are features x samples by definition: LinkedOmics' .cct/.cbt,
    # GCT, a GEO series matrix, and cBioPortal's tables (Hugo_Symbol,
    # Entrez_Gene_Id first); without labels their sample names do not decide
    ending = next((file.name[: -len(e)] for e in COMPRESSIONS if file.name.lower().endswith(e)), file.name)
    geo = bool(lines) and lines[0].lower().startswith(("!series_", "!sample_", "!database_"))
    cbioportal = annotated is not numbered and {"Hugo_Symbol", "Entrez_Gene_Id"} & set(numbered.columns[:2])
    if cbioportal or geo or ending.lower().endswith((".cct", ".cbt", ".gct")):
        table.attrs["features_x_samples"] = True
    if _is_id_header(table.columns[0]) and not _is_unnamed(table.columns[0]) and not row_names_first:
        # sample ids as text, as written (leading zeros kept: 00123; index_col:
        # the first field also where a separator ends every data row)
        ids = pd.read_csv(file, usecols=[0], dtype=str, index_col=False, **options).iloc[:, 0]
        if len(ids) == len(table) and ids.notna().all():
            table[table.columns[0]] = ids.str.strip().to_numpy()
    if not row_names_first:
        _names_read_as_missing(file, table, options)
    return table


def _names_read_as_missing(file: Path, table: pd.DataFrame, options: dict[str, Any]) -> None:
    """Put back, in place, the names of a first column of names (text, all
    different) that pandas read as missing values: a gene ``NA`` or a sample
    ``NULL`` became NaN, and then the text ``'nan'``. Empty cells stay missing."""
    if table.shape[1] < 2 or not table.iloc[:, 0].isna().any() or pd.api.types.is_numeric_dtype(table.iloc[:, 0]):
        return
    written = pd.read_csv(
        file, usecols=[0], dtype=str, index_col=False, keep_default_na=False, **options
    ).iloc[:, 0].str.strip()
    if len(written) != len(table):
        return
    names = table.iloc[:, 0].where(table.iloc[:, 0].notna() | (written == "").to_numpy(), written.to_numpy())
    if names.notna().all() and names.is_unique:  # (a column of names, not of values)
        table[table.columns[0]] = names.to_numpy()


def _not_text(file: Path, exc: UnicodeDecodeError) -> ValueError:
    """The error for a table that is not UTF-8 text: UTF-16 (Excel's "Unicode
    Text"), Latin-1 or another encoding, or not text at all."""
    try:
        opener = next((o for ending, o in COMPRESSIONS.items() if file.name.lower().endswith(ending)), open)
        with opener(file, "rb") as fh:
            start = fh.read(4)
    except (OSError, EOFError):
        start = b""
    if start[:2] in (b"\xff\xfe", b"\xfe\xff") or (
        len(start) == 4 and (start[1::2] == b"\0\0" or start[::2] == b"\0\0")
    ):
        return ValueError(
            f"{file} is UTF-16 text (what Excel saves as \"Unicode Text\"), not UTF-8. Save it "
            "as UTF-8 (in Excel: CSV UTF-8; or iconv -f UTF-16 -t UTF-8 FILE)."
        )
    return _not_utf8(file, exc)


def _check_header_row(
    file: Path, table: pd.DataFrame, sep: str, decimal: str, comments: int, lines: list[str] | None = None
) -> None:
    """Refuse a table written without its header row (``to_csv(header=False)``):
    the first row of data would become the column names, and its sample (or
    feature) would be lost. Its header cells after the first are then numbers
    that lie within the values of their columns, as a row of data does. Whole
    numbers, all different, are names (numeric sample ids, Entrez gene ids),
    and so are sorted numbers (NMR bins in ppm, time points) and numbers unlike
    the values below them (m/z values). ``lines``: the first lines of the file
    (:func:`_sniff`), to read the header line from."""
    if not isinstance(table.index, pd.RangeIndex):
        return  # a header without a field for the row names: names, not data
    fields = _header_fields(lines, comments, sep, initial_space=True)
    if fields is None:
        fields = pd.read_csv(
            file, sep=sep, header=None, nrows=1, dtype=str, skiprows=comments,
            skipinitialspace=True, encoding="utf-8-sig", keep_default_na=False,
        ).iloc[0].tolist()
    row = fields[: table.shape[1]]

    def number(cell: Any) -> float | None:
        text = str(cell).strip().strip('"').strip()
        try:
            return float(text.replace(",", ".") if decimal == "," else text)
        except ValueError:
            return None

    # a header's first cell names the row names' column ("gene", "sample", or
    # nothing); a row of data has a row name there, shaped like those below it
    # (P000 over P001, P002, ...)
    first = str(row[0]).strip().strip('"').strip() if row else ""
    if not first:
        return
    if number(first) is None:
        shape = re.sub(r"\d", "0", first)
        below = table.iloc[:50, 0].dropna().astype(str).str.strip().str.replace(r"\d", "0", regex=True)
        if not (below == shape).any():
            return
    cells = row[1:]
    numbers: dict[int, float] = {}  # column position: the number its header holds
    for j, cell in enumerate(cells, start=1):
        if str(cell).strip().strip('"').strip().upper() in ("", "NA", "NAN"):
            continue  # a missing value of the first row
        value = number(cell)
        if value is None:
            return  # a name
        numbers[j] = value
    values = list(numbers.values())
    if not values or not np.isfinite(values).all():
        return
    if all(v.is_integer() for v in values) and len(set(values)) == len(values):
        return
    # sorted numbers are names (ppm bins, time points), where a row of data is
    # not sorted (but for 2 / k! of rows of k values: at least 5 of them, with
    # the first field where it is a number too, a table without sample names)
    line = ([lead] if row and (lead := number(row[0])) is not None else []) + values
    steps = np.diff(line)
    if len(line) >= 5 and ((steps > 0).all() or (steps < 0).all()):
        return
    within = sum(
        bool(column.min() <= value <= column.max())
        for j, value in numbers.items()
        if pd.api.types.is_numeric_dtype(column := table.iloc[:, j]) and column.notna().any()
    )
    if within < len(values) / 2:
        return
    shown = ", ".join(str(c).strip() for c in cells[:3]) + (", ..." if len(cells) > 3 else "")
    raise ValueError(
        f"{file} seems to have no header row: its first line holds numbers ({shown}) "
        "where the column names (feature names, or the samples of a features x "
        "samples table) should be, and they lie among the values of their columns, "
        "as a row of data does. Read as it is, that row's values would become the "
        "column names and its sample would be lost. Write the table with its header "
        "row (pandas: to_csv without header=False; R: write.csv)."
    )


def _with_names(raw: pd.DataFrame, *, labels: bool) -> tuple[pd.DataFrame, bool]:
    """Move a first column of names into the index; say whether there was one.

    An omic table's first column holds names when its header is empty or its
    values are not numbers. A label table's first column holds sample names when
    the table has other columns and the first one has an empty header or unique,
    non-numeric values (a single column is the labels themselves).
    """
    if not isinstance(raw.index, pd.RangeIndex):
        # a header row without a field for the row names (R's write.table): pandas
        # made the rows' first field the index, so those are the sample names
        table = raw.copy()
        table.index = pd.Index([str(s).strip() for s in raw.index], dtype=object)
        return table, True
    if raw.shape[1] == 0:
        return raw, False
    raw = _without_row_numbers(raw)
    first = raw.columns[0]
    values = raw[first]
    numeric = pd.api.types.is_numeric_dtype(values)
    # sample ids that are numbers (1001, 00123) under a header that says so
    ids = _is_id_header(first) and values.is_unique and values.notna().all()
    if labels:
        # (text with a repeated or blank value: labels, or sample names with a
        # mistake, which _names_in_other_column tells apart and refuses)
        has_names = raw.shape[1] > 1 and (
            _is_unnamed(first) or ids or (not numeric and values.is_unique and values.notna().all())
        )
    else:
        has_names = _is_unnamed(first) or ids or not numeric
    if not has_names:
        return raw, False
    table = raw.set_index(first)
    table.index = pd.Index([str(s).strip() for s in table.index], dtype=object)
    return table, True


def _without_row_numbers(raw: pd.DataFrame) -> pd.DataFrame:
    """A table without its first column where that column has an empty header and
    counts the rows (``1 .. n``, R's ``write.csv`` of a data frame without row
    names; ``0 .. n-1``, pandas' ``to_csv`` of one with a default index) and the
    next column names them (text, all different, or ids under an id header): the
    row numbers are no sample names."""
    if raw.shape[1] < 3 or not _is_unnamed(raw.columns[0]) or len(raw) < 2:
        return raw
    numbers, names = raw.iloc[:, 0], raw.iloc[:, 1]
    if not pd.api.types.is_integer_dtype(numbers) or not _is_row_index(numbers.to_numpy()):
        return raw
    if not names.is_unique or names.isna().any() or (
        pd.api.types.is_numeric_dtype(names) and not _is_id_header(raw.columns[1])
    ):
        return raw
    return raw.iloc[:, 1:]


def _names_in_other_column(
    raw: pd.DataFrame, named_tables: list[pd.DataFrame], label_column: str | None, source: Any = "The label file"
) -> tuple[pd.DataFrame, bool]:
    """A label table whose sample names are not its first column (a clinical
    table: subtype, barcode, age, ...): the one other column of unique values
    (text, or numbers under an id header such as ``patient_id``) that name most
    samples of an omic (along either of its axes) becomes the index. Otherwise
    the table is returned as it is, without names.

    Where no such column is found, a column of nearly all distinct values that
    names most samples of an omic but lists one twice or has a blank is refused
    (ValueError naming it): read without names, the labels would be paired with
    the samples by position, i.e. with other patients. (A column of patient
    barcodes that repeats a patient beside a clean column of sample barcodes,
    or class names that prefix the sample names, are no such column.)
    """
    if raw.shape[1] < 2 or not isinstance(raw.index, pd.RangeIndex):
        return raw, False
    found, flawed = [], []
    for column in raw.columns:
        if column == label_column:
            continue
        values = raw[column]
        if pd.api.types.is_numeric_dtype(values) and not _is_id_header(column):
            continue  # unique numbers (ages, say) are sample names only under an id header
        ids = pd.Index([str(v).strip() for v in values], dtype=object)
        if values.is_unique and values.notna().all():
            if any(
                _matches(ids, axis) >= min(len(ids), len(axis)) / 2
                for table in named_tables
                for axis in (table.index, table.columns)
            ):
                found.append((column, ids))
            continue
        # a column of sample names with a mistake: nearly all values distinct
        # (not class names that prefix the samples' names) and naming most
        # samples of an omic; refused below unless a clean column names them
        present = pd.Index(ids[values.notna().to_numpy()]).unique()
        if len(present) >= 0.8 * len(values) and any(
            _matches(present, axis) >= min(len(present), len(axis)) / 2
            for table in named_tables
            for axis in (table.index, table.columns)
        ):
            flawed.append((column, values, ids))
    if not found and flawed:
        column, values, ids = flawed[0]
        if values.isna().any():
            line = int(np.flatnonzero(values.isna().to_numpy())[0]) + 2
            raise ValueError(
                f"{source}: column {str(column)!r} names the samples (it holds the omics' "
                f"sample names) but has no name on line {line}: name every sample, or "
                "remove that line. Its labels cannot be matched to the samples without it."
            )
        raise ValueError(
            f"{source}: column {str(column)!r} names the samples (it holds the omics' "
            f"sample names) but lists {ids[ids.duplicated()][0]!r} more than once: keep one "
            "line per sample. Its labels cannot be matched to the samples otherwise."
        )
    if len(found) != 1:
        return raw, False
    column, ids = found[0]
    return raw.drop(columns=column).set_axis(ids, axis=0), True


def _exact_name_column(
    raw: pd.DataFrame, table: pd.DataFrame, named_tables: list[pd.DataFrame], label_column: str | None
) -> pd.DataFrame:
    """``table`` (the label table named by its first column) or, where not one
    of those names is a sample name of the omics, the label table named by the
    one other column of distinct values that holds most of an omic's sample
    names exactly: cBioPortal's data_clinical_sample.txt lists PATIENT_ID
    (TCGA-A1-A0SB) before SAMPLE_ID (TCGA-A1-A0SB-01), the omics' names."""
    if not isinstance(raw.index, pd.RangeIndex) or raw.shape[1] < 3:
        return table
    axes = [axis for t in named_tables for axis in (t.index, t.columns)]
    first = {str(n) for n in table.index}
    if any(first.intersection(map(str, axis)) for axis in axes):
        return table
    found = []
    for column in raw.columns[1:]:
        values = raw[column]
        if column == label_column or not values.is_unique or values.isna().any():
            continue
        if pd.api.types.is_numeric_dtype(values) and not _is_id_header(column):
            continue
        ids = pd.Index([str(v).strip() for v in values], dtype=object)
        if any(len(set(ids).intersection(map(str, axis))) >= min(len(ids), len(axis)) / 2 for axis in axes):
            found.append((column, ids))
    if len(found) != 1:
        return table
    column, ids = found[0]
    return raw.drop(columns=column).set_axis(ids, axis=0)


def _id_column(table: pd.DataFrame) -> tuple[str, pd.Index] | None:
    """The first column of a table without sample names as the numeric sample
    ids it may hold: its header and its values as text ("1001"), when they are
    whole numbers, all different and none missing, and other columns follow.
    Such a column may as well be a feature (a count): see
    :func:`_shared_id_columns`."""
    if table.shape[1] < 2 or len(table) < 2 or not isinstance(table.index, pd.RangeIndex):
        return None
    first = table.columns[0]
    values = table[first]
    if _is_unnamed(first) or pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    if values.isna().any() or not values.is_unique:
        return None
    ids = _ids_as_text(values.to_numpy())
    return None if ids is None else (str(first).strip(), ids)


def _same_header(a: str, b: str) -> bool:
    """``SubjectNo`` and ``subject_no`` alike."""
    return re.sub(r"[ _.-]", "", a).lower() == re.sub(r"[ _.-]", "", b).lower()


def _shared_id_columns(
    columns: dict[Any, tuple[str, pd.Index]],
) -> tuple[set[Any], list[tuple[Any, Any]]]:
    """Which of the files' first columns of whole numbers (see :func:`_id_column`)
    hold sample ids under a header that does not say so (``SubjectNo``,
    ``index``): those whose numbers another file's first column holds too, as
    the same set, or under the same header with at least half of them shared
    (join="inner"/"outer": not every file lists every sample). A count that is
    a feature does not recur so. Also returns the pairs of files whose columns
    have one header but share fewer of their numbers: sample ids that differ
    between the files, or a feature, which cannot be told apart."""
    keys = list(columns)
    agreeing: set[Any] = set()
    clashes = []
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            (header_a, ids_a), (header_b, ids_b) = columns[a], columns[b]
            set_a, set_b = set(ids_a), set(ids_b)
            same = _same_header(header_a, header_b)
            if set_a == set_b or (same and len(set_a & set_b) >= min(len(set_a), len(set_b)) / 2):
                agreeing |= {a, b}
            elif same:
                clashes.append((a, b))
    return agreeing, clashes


#: a number written with a comma: 9,877; 1,234,567; 1.234,5; -0,5e-3
_COMMA_NUMBER = re.compile(r"[-+]?\d[\d.,]*,\d+(?:[eE][-+]?\d+)?")


def _commas_in_numbers(table: pd.DataFrame) -> tuple[str, str] | None:
    """For a table's text columns that mostly hold numbers written with commas
    (decimal commas or thousands separators that were not read as such), a
    column and a value; else None."""
    numbers = cells = 0
    example = None
    for column in table.columns[:50]:
        if pd.api.types.is_numeric_dtype(table[column]):
            continue
        for value in table[column].dropna().head(100):
            cells += 1
            text = str(value).strip()
            if _COMMA_NUMBER.fullmatch(text):
                numbers += 1
                if example is None:
                    example = (str(column), text)
    return example if cells and numbers >= cells / 2 else None


def _comma_cause(file: Path, column: str, value: str) -> str:
    """Why numbers such as ``value`` were not read, and how to write them."""
    sep = _separator(file)[0]
    if _THOUSANDS.fullmatch(value) and "." not in value and value.count(",") == 1:
        reading = (
            f"{value} may be {value.replace(',', '')} (a thousands separator) or "
            f"{value.replace(',', '.')} (a decimal comma), and the table does not tell which"
        )
    else:
        reading = (
            "commas are read as decimal commas (0,5) in semicolon and tab tables, as "
            "thousands separators (1,234) where every such number is written so, and "
            "not in a table that mixes them, or mixes them with decimal points"
        )
    return (
        f"the values are numbers written with commas, such as {value!r} in column "
        f"{column!r}, which were not read as numbers (separator {sep!r}): {reading}. "
        "Write the numbers without thousands separators and with decimal points, or "
        "with decimal commas in a semicolon-separated table (what spreadsheets write "
        "where the decimal mark is a comma; pandas: to_csv(sep=';', decimal=','), R: "
        "write.csv2)."
    )


def _column_dtypes(table: pd.DataFrame) -> pd.Series | None:
    """The dtype of each column, where ``table[column]`` is one column of that
    dtype (names unique): read at once rather than column by column (tens of
    thousands in a wide table); None otherwise."""
    if table.columns.is_unique and not isinstance(table.columns, pd.MultiIndex):
        return table.dtypes
    return None


def _numeric_columns(table: pd.DataFrame) -> list[bool]:
    dtypes = _column_dtypes(table)
    if dtypes is not None:
        return [pd.api.types.is_numeric_dtype(dtype) for dtype in dtypes]
    return [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]


_LOGICAL = {"true": 1.0, "false": 0.0}


def _logical_as_numbers(table: pd.DataFrame) -> pd.DataFrame:
    """A matrix of TRUE/FALSE (R's ``write.csv`` of a logical matrix, such as
    mutation calls) with missing cells, as 1/0 and NaN. pandas reads such
    columns as booleans only when no cell is empty, else as text, which would
    make the table "hold no numbers" and leave the omic out.

    Only a table whose every column is then numeric, with at least two such
    columns: one TRUE/FALSE column is a label (responder, say), whose table the
    label detection may take, and a clinical table that mixes it with other
    text stays an error."""
    logical = []
    dtypes = _column_dtypes(table)
    kinds = None if dtypes is None else dtypes.tolist()
    for j, column in enumerate(table.columns):
        if kinds is not None and (
            pd.api.types.is_numeric_dtype(kinds[j]) or pd.api.types.is_bool_dtype(kinds[j])
        ):
            continue  # as below, without taking the column out
        values = table[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        present = values.dropna()
        if not len(present) or str(present.iloc[0]).strip().lower() not in _LOGICAL:
            return table  # text that is not TRUE/FALSE (checked on one cell first)
        if not present.astype(str).str.strip().str.lower().isin(list(_LOGICAL)).all():
            return table
        logical.append(column)
    if len(logical) < 2:
        return table
    out = table.copy()
    for column in logical:
        out[column] = table[column].astype(object).map(
            lambda v: np.nan if pd.isna(v) else _LOGICAL[str(v).strip().lower()]
        ).astype(np.float64)
    return out


def _numbers_among_text(table: pd.DataFrame) -> tuple[str, Any] | None:
    """For a table that pandas read as text only: when most of its cells are
    numbers after all (an omic whose missing values are written as ".", "-" or
    "n/a"), a column and a cell of it that is not a number; else (labels,
    clinical notes, a README) None."""
    if table.shape[1] < 2:
        return None  # one column: labels (codes with an "unknown"), not an omic
    numbers = cells = 0
    example = None
    for column in table.columns[:50]:
        for value in table[column].dropna().head(100):
            cells += 1
            try:
                float(value)
                numbers += 1
            except (TypeError, ValueError):
                if example is None:
                    example = (str(column), value)
    return example if cells and numbers >= cells / 2 else None


#: names of sample-annotation tables (clinical.csv, phenotypes.tsv, sample_info.csv,
#: metadata.csv, survival.csv, ...), which may hold numbers with text markers
_ANNOTATION_NAME = re.compile(
    r"^(?:clinical|clin|annotation|annot|pheno|metadata|meta|sample|patient|covariate|survival|characteristic)",
    re.IGNORECASE,
)


#: words in the names of sample-annotation tables, as a whole word of the name
#: (survival.csv, TCGA-BRCA.survival.tsv, BRCA_clinicalMatrix, GDC_phenotype.tsv),
#: for tables of numbers, which are omics unless named so
_ANNOTATION_WORDS = frozenset({
    "clinical", "clin", "clinicalmatrix", "clinicaldata", "survival", "pheno", "phenotype",
    "phenotypes", "phenodata", "metadata", "covariate", "covariates", "characteristics",
    "annotation", "annotations", "sampleinfo", "sampleannotation", "sampleannotations",
    "patientinfo", "patientdata", "demographics",
})


#: words of omics' names (measurements), which outweigh an annotation word:
#: clinical_proteomics (CPTAC), mrna_covariates_regressed, survival_genes
_MEASUREMENT_WORD = re.compile(
    r"^(?:m?rna|mirna|lncrna|rnaseq|seq|expr\w*|transcript\w*|gene|genes|proteom\w*|protein\w*|"
    r"phospho\w*|rppa|methyl\w*|meth|cpg|dna|cnv|cna|copy|gistic|mut\w*|snv|metabol\w*|"
    r"lipid\w*|atac|chip|counts?|tpm|fpkm|rpkm|cpm|abundance|omics?|\w+omics?|\w+omes?)$"
)


def _is_annotation_name(stem: str) -> bool:
    """Whether a table's name says it holds sample annotations: one of its words
    (or two adjacent ones, sample_info) is such a word, and none names a
    measurement (clinical_proteomics is an omic)."""
    words = [w for w in re.split(r"[^a-z0-9]+", stem.lower()) if w]
    if any(_MEASUREMENT_WORD.match(w) for w in words):
        return False
    return any(w in _ANNOTATION_WORDS for w in words) or any(
        a + b in _ANNOTATION_WORDS for a, b in itertools.pairwise(words)
    )


#: the ending of a table derived from another by z-scoring (cBioPortal's
#: ``_zscores_ref_all_samples``, ``_Zscores``)
_ZSCORES = re.compile(r"[_.-]zscores?(?:[_.-].*)?$", re.IGNORECASE)

#: cells of a measurement that are flags or censored values, not words: "<LOD",
#: "ND", "n.d.", "BLQ", "+" (MaxQuant's flags), "> 1000"
_CENSORED = re.compile(r"[<>]\s*\S*|nd|n\.d\.?|n/d|lod|loq|blq|bdl|\+|-|na|n\.a\.?", re.IGNORECASE)

#: columns of a mutation list (MAF: cBioPortal's data_mutations.txt, GDC's .maf)
_MAF_COLUMNS = frozenset({"tumor_sample_barcode", "variant_classification", "hgvsp_short", "start_position"})
#: columns of a download manifest (GDC client's MANIFEST.txt, Firehose's)
_MANIFEST_COLUMNS = frozenset({"md5", "md5sum", "filename", "file_name", "file_id"})


def _not_an_omic(stem: str, table: pd.DataFrame, numeric: Sequence[bool]) -> tuple[str, bool] | None:
    """Why a table that mixes numeric and text columns is not an omic (sample
    annotations, a mutation list, a download manifest, a table of which many
    columns hold words), and whether it has a row per sample (may hold labels);
    None for a table that may be an omic with a fault (a column of numbers
    written with text, a stray label column)."""
    columns = {str(c).strip().lower() for c in [table.index.name, *table.columns] if c is not None}
    if _is_annotation_name(stem):
        return "its name says it holds sample annotations (clinical data, survival, phenotypes)", True
    if len(columns & _MAF_COLUMNS) >= 2:
        return "it is a mutation list (MAF: one row per mutation), not a table of samples", False
    if len(columns & _MANIFEST_COLUMNS) >= 2:
        return "it is a download manifest (file names and checksums)", False
    if any(_MEASUREMENT_WORD.match(w) for w in re.split(r"[^a-z0-9]+", stem.lower()) if w):
        return None  # proteinGroups.txt (MaxQuant's gene and protein names), metabolites.csv
    words = []
    for j in np.flatnonzero(~np.asarray(numeric, dtype=bool)):
        column = table.columns[j]
        cells = table.iloc[:, j].dropna().head(100)
        text = [v for v in cells if not _is_number(v) and not _CENSORED.fullmatch(str(v).strip())]
        if len(text) > len(cells) / 2:
            words.append((column, text[0]))
    if words and 2 * len(words) >= table.shape[1]:  # half: clinical tables, not an omic's annotations
        column, value = words[0]
        return (
            f"{len(words)} of its {table.shape[1]} columns hold words (such as {value!r} in "
            f"{column!r}), as sample annotations do"
        ), True
    return None


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _refuse_numbers_among_text(file: Path, table: pd.DataFrame) -> None:
    """ValueError for a table read as text whose cells are mostly numbers: an omic
    whose every column also holds text. Its first row of text in every column is
    a second header line (Firehose files: ``gene_id, normalized_count, ...``)."""
    cell = _numbers_among_text(table)
    if cell is None:
        return
    first = table.iloc[0] if len(table) else pd.Series(dtype=object)
    # only the first line is text: a second header line (Firehose files have one)
    # or a sample (or feature) whose values are all a missing-value marker
    rest = table.iloc[1:]
    first_only = (
        len(table) > 1 and first.notna().all() and not any(_is_number(v) for v in first)
        and all(_is_number(v) for v in rest.iloc[:100, :50].stack().tolist())
    )
    cause = (
        f"its first line after the header ({table.index[0]!r}) is text in every column "
        f"({', '.join(map(repr, first.iloc[:3].tolist()))}, ...) and the rest numbers. If "
        "it is a second header line (Firehose files have one), remove it (pandas: "
        "read_csv(..., skiprows=[1])); if it is a sample without values, leave its "
        "cells empty (or write NA)."
        if first_only else
        f"every column also holds text, such as {cell[1]!r} in column {cell[0]!r}. Leave a "
        "missing value's cell empty (or write NA)."
    )
    raise ValueError(
        f"{file} is not readable as an omic: its values are mostly numbers, but {cause} "
        "If it is not an omic, move it out of the folder or name the omics to read (omics=[...])."
    )


def _labels_of(
    table: pd.DataFrame, source: str, column: str | None
) -> tuple[pd.Series, np.ndarray | None]:
    """Integer codes (and class names) from a label table.

    One column: the labels (numbers or class names). Two columns of which one
    holds integer codes and the other one name per code (e.g. ``pam50_code,
    pam50``): the codes, named by the other column, when they are ``0 .. C-1``,
    else the names alone. Several 0/1
    columns: one-hot. ``column`` picks one column of any other table.
    """
    if column is not None:
        if column not in table.columns:
            raise ValueError(
                f"{source} has no column {column!r}; its columns are {list(map(str, table.columns))}."
            )
        table = table[[column]]
    if table.shape[1] == 2:
        numeric = _numeric_columns(table)
        if sum(numeric) == 1:
            codes = table.iloc[:, numeric.index(True)]
            names = table.iloc[:, numeric.index(False)].astype(str).str.strip()
            pairs = pd.DataFrame({"code": codes, "name": names}).drop_duplicates()
            n_classes = len(pairs)
            if pairs["code"].is_unique and pairs["name"].is_unique:
                if np.array_equal(
                    np.sort(pairs["code"].to_numpy(dtype=float)), np.arange(n_classes)
                ):
                    order = pairs.sort_values("code")["name"].to_numpy()
                    return (
                        pd.Series(codes.to_numpy(dtype=np.int64), index=table.index),
                        np.asarray(order, dtype=object).astype(str),
                    )
                table = table.iloc[
                    :, [numeric.index(False)]
                ]  # codes not 0..C-1: the names
    if table.shape[1] == 1:
        codes, names = _encode_labels(table.iloc[:, 0].astype(str).str.strip().tolist(), source)
        return pd.Series(codes, index=table.index), names
    try:
        return _labels_from_table(table, source)
    except ValueError as exc:
        raise ValueError(
            f"{exc} Or pick the column that holds the labels: label_column=NAME "
            f"(one of {list(map(str, table.columns))})."
        ) from None


def _check_label_header(file: Path, first: str, table: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    """Refuse a label file without a header row: its first line (a sample and its
    label) was read as the header (``first``: its first field), and that sample
    would silently go unlabelled."""
    if first in set(map(str, table.index)):
        return
    if any(first in set(map(str, axis)) for t in tables.values() for axis in (t.index, t.columns)):
        raise ValueError(
            f"{file} has no header row: its first line ({first!r}, {', '.join(map(str, table.columns))}) "
            "names a sample of the omics and was read as the header. Add a header line "
            "(e.g. 'sample,label')."
        )


def _could_be_labels(raw: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> bool:
    """Whether the one table without numbers can be the labels, not a README
    read as a table: its sample names share a name (or a name's start, as TCGA
    barcodes cut to another length) with an axis of an omic table, or it has
    as many rows as an omic table has rows or columns."""
    table, has_names = _with_names(raw, labels=True)
    sizes = {n for t in tables.values() for n in t.shape}
    if len(table) in sizes:
        return True
    if not has_names:
        return False
    names = pd.Index([str(s) for s in table.index])
    for t in tables.values():
        for axis in (t.index, t.columns):
            axis = pd.Index([str(a) for a in axis])
            if _matches(axis, names) or _matches(names, axis):
                return True
    return False


_CUT_HINT = "sample_name_length={length}"


def _header_names_samples(table: pd.DataFrame, label_ids: pd.Index) -> bool:
    """Whether a table without a column of names has the labelled samples as its
    header after its first column (so that column names the features)."""
    if table.shape[1] < 2:
        return False
    columns = table.columns[1:]
    return _matches(label_ids, columns) >= min(len(label_ids), len(columns)) / 2


def _ids_as_text(values: np.ndarray) -> pd.Index | None:
    """Whole numbers as names ("1001", not "1001.0"); None for other values."""
    values = np.asarray(values, dtype=float)
    if not (np.isfinite(values).all() and np.equal(np.mod(values, 1), 0).all()):
        return None
    return pd.Index([str(int(v)) for v in values], dtype=object)


def _header_shared(
    table: pd.DataFrame, key: str, tables: dict[str, pd.DataFrame], named: dict[str, bool]
) -> bool:
    """Whether the header after the first column names at least half of the
    samples (the rows) of another omic with sample names: not its features,
    which the header of a samples x features table shares."""
    header = pd.Index([str(c) for c in table.columns[1:]])
    for other, t in tables.items():
        if other == key or not named[other]:
            continue
        rows = pd.Index([str(a) for a in t.index])
        if _matches(rows, header) >= min(len(rows), len(header)) / 2:
            return True
    return False


#: what to do when a patient's several samples would become one name
_SEVERAL_SAMPLES = (
    "They are one patient's several samples: a TCGA barcode's sample type (its "
    "characters 14-15, TCGA-A1-A0SB-01) is 01-09 for tumours and 10-19 for normal "
    "tissue. Keep one sample per patient first (the primary tumours: "
    "sample_types=['01']), or cut the names to a length that keeps them apart (15 "
    "or 16 for TCGA samples; TARGET's patients already have 16 characters)."
)


def _merged_samples_cause(names: list[str]) -> str:
    """Why distinct names that a cut made one are so, and what to do: a
    patient's several samples (tumour and normal), or aliquots of one sample."""
    sample = {str(_canonical_barcodes(pd.Index([n]))[0])[:16] for n in names}
    if len(sample) == 1 and SAMPLE_BARCODE.match(next(iter(sample))) and len(next(iter(sample))) == 16:
        one = next(iter(sample))
        return (
            f"They are aliquots of one sample ({one}: the same patient, sample type and vial; "
            "the barcode's later parts name the portion, analyte, plate and centre), so "
            "no cut of the names and no choice of sample types keeps them apart. Average "
            "them first (pandas: data.groupby(data.index.str[:16]).mean(), the samples "
            "as rows) or keep one of them."
        )
    return _SEVERAL_SAMPLES


#: a TCGA sample barcode and its sample type (01-09 tumour, 10-19 normal, 20-29 control)
_TCGA_SAMPLE = re.compile(r"^TCGA[-.]\w{2}[-.]\w{4}[-.](\d{2})", re.IGNORECASE)


def _tcga_normal_note(index: pd.Index) -> str:
    """What to say when TCGA samples of normal tissue (sample type 10-19) sit
    among tumours: unsupervised clusters then part tissues, not subtypes."""
    types = [m.group(1) for m in map(_TCGA_SAMPLE.match, map(str, index)) if m]
    normal = [t for t in types if "10" <= t <= "19"]
    if not normal or len(normal) == len(types) or len(types) < len(index) / 2:
        return ""
    example = next(str(s) for s in index if (m := _TCGA_SAMPLE.match(str(s))) and "10" <= m.group(1) <= "19")
    return (
        f"{len(normal)} of the {len(index)} samples are TCGA normal tissue (sample type 10-19 in "
        f"characters 14-15 of the barcode, e.g. {example!r}), read beside the tumours: "
        "clusters would part tissues rather than tumour subtypes. To keep the tumours only, "
        "drop them first (e.g. data.loc[data.index.str[13:15] < '10']) or pass sample_types='tumor'."
    )


#: a TCGA barcode in any case and with "-", "." or "_" (patient, sample, vial,
#: portion, analyte, plate, centre)
_TCGA_BARCODE = re.compile(
    r"tcga([-._])[a-z0-9]{2}\1[a-z0-9]{4}(?:\1\d{2}[a-z]?(?:\1\d{2}[a-z](?:\1[a-z0-9]{4}(?:\1\d{2})?)?)?)?",
    re.IGNORECASE,
)


#: a TARGET barcode in any case and with "-", "." or "_" (project, patient,
#: sample type and vial, portion and analyte)
_TARGET_BARCODE = re.compile(
    r"target([-._])\d{2}\1[a-z0-9]{4,6}(?:\1\d{2}[a-z]?(?:\1\d{2}[a-z])?)?", re.IGNORECASE
)


def _canonical_barcodes(axis: pd.Index) -> pd.Index:
    """``axis`` with its TCGA and TARGET barcodes in their defined form (upper case, "-"),
    where at least 80% of its names are barcodes; else as it is."""
    names = [str(n) for n in axis]
    found = [_TCGA_BARCODE.match(n) or _TARGET_BARCODE.match(n) for n in names]
    if not names or sum(m is not None for m in found) < 0.8 * len(names):
        return axis
    out = [
        n if m is None else m.group(0).upper().replace(".", "-").replace("_", "-") + n[m.end():]
        for n, m in zip(names, found, strict=True)
    ]
    return axis if out == names else pd.Index(out, dtype=object, name=axis.name)


def _cut(index: pd.Index, length: int) -> pd.Index:
    return pd.Index([str(s)[:length] for s in index], dtype=object, name=index.name)


def _matches(ids: pd.Index, names: pd.Index) -> int:
    """How many of ``names`` are sample names of ``ids``: exact matches, else
    (none exact) matches of their first ``L`` characters, ``L`` the shortest id
    (TCGA tables cut a barcode to 12, 15 or 16 characters: the axis that holds
    the samples still matches, so that the mismatch is reported, not hidden by
    reading the table the wrong way round)."""
    ids = [str(i) for i in ids]
    names = [str(n) for n in names]
    exact = len(set(ids).intersection(names))
    if exact or not ids:
        return exact
    length = min(len(i) for i in ids)
    if length < 4:
        return 0
    return len({i[:length] for i in ids}.intersection(n[:length] for n in names if len(n) >= length))


#: the remedy when omics headed as samples share only their columns (the CLI words it its way)
_AMBIGUOUS_SAMPLE_HEADERS = (
    " If every table is samples x features, pass transpose=False with that length; if features "
    "x samples, pass transpose=True (skpoems: --layout samples-x-features or features-x-samples)."
)


def _orientation_without_labels(
    tables: dict[str, pd.DataFrame],
    keys: list[str],
    cut: int | None = None,
    fixed: Mapping[str, int] | None = None,
    sample_headed: Collection[str] = (),
) -> tuple[dict[str, int], dict[str, int]]:
    """Votes for reading each named table by its rows or by its columns, without
    labels: the samples are the names that every omic shares.

    Every reading of the tables (each one as it is or transposed) is tried; a
    reading is consistent when the sample axes it picks share at least half of
    the shortest one's names. One consistent reading is taken. Several (when
    the omics also share feature names, e.g. mRNA and copy numbers both by gene,
    so that rows and columns are both shared) cannot be told apart by names and
    are refused; none leaves the choice to the axis whose names agree more,
    also in their first characters (TCGA barcodes cut to 15 and 16 characters),
    and the sample mismatch is then reported by name. ``cut``
    (``sample_name_length``) compares the names cut to that many characters.
    ``fixed``: tables whose reading is known (1: by their columns, features x
    samples; 0: by their rows). ``sample_headed``: tables whose first column is
    headed ``sample`` (or ``patient_id``, ...): a reading by their columns is
    refused as ambiguous where their rows agree in their first characters
    instead (``PT001_RNA`` and ``PT001_DNA``: the same patients, each assay's
    suffix), as mRNA and copy numbers by gene share their columns.
    """
    def names(axis: pd.Index) -> set[str]:
        return {str(s)[:cut] if cut is not None else str(s) for s in axis}

    axes = {k: (names(tables[k].index), names(tables[k].columns)) for k in keys}
    consistent = []
    if len(keys) <= 12:
        fixed = fixed or {}
        for reading in itertools.product(*(((fixed[k],) if k in fixed else (0, 1)) for k in keys)):
            chosen = [axes[k][r] for k, r in zip(keys, reading, strict=True)]
            shared = set.intersection(*chosen)
            if shared and len(shared) >= 0.5 * min(len(c) for c in chosen):
                consistent.append(reading)
    if len(consistent) > 1:
        files = ", ".join(keys)
        raise ValueError(
            f"Cannot tell whether the rows or the columns of the omic tables ({files}) hold "
            "the samples: without labels the samples are the names all omics share, and "
            "these tables share names both ways (features named alike in several omics, "
            "e.g. genes in mRNA and copy-number tables). Pass transpose=False if every table "
            "is samples x features or transpose=True if features x samples (skpoems: "
            "--layout samples-x-features or features-x-samples), or add a label file, "
            "whose sample names decide."
        )
    if consistent:
        reading = dict(zip(keys, consistent[0], strict=True))
        turned = [k for k in sample_headed if reading[k] == 1]
        hint = _prefix_hint(
            [tables[k].index for k in turned], "sample_name_length={length}"
        ) if len(turned) > 1 else ""
        if hint:
            raise ValueError(
                f"Cannot tell whether the rows or the columns of the omic tables ({', '.join(keys)}) "
                "hold the samples: without labels the samples are the names all omics share, and "
                "only their columns share names (features named alike in several omics?), but "
                "their first columns are headed as samples (sample, patient_id, ...)." + hint
                + _AMBIGUOUS_SAMPLE_HEADERS
                + " Or add a label file, whose sample names decide."
            )
        return {k: 1 - r for k, r in reading.items()}, dict(reading)
    shared_rows = len(set.intersection(*(axes[k][0] for k in keys)))
    shared_cols = len(set.intersection(*(axes[k][1] for k in keys)))
    if shared_rows == shared_cols == 0:  # names that agree in their first characters
        def agreeing(a: set[str], b: set[str]) -> int:
            a_, b_ = pd.Index(sorted(a)), pd.Index(sorted(b))
            return max(_matches(a_, b_), _matches(b_, a_))

        first = keys[0]
        shared_rows = sum(agreeing(axes[first][0], axes[k][0]) for k in keys[1:])
        shared_cols = sum(agreeing(axes[first][1], axes[k][1]) for k in keys[1:])
    return {k: shared_rows for k in keys}, {k: shared_cols for k in keys}


#: names that are sample ids by their shape: TCGA and TARGET barcodes, GEO samples
_SAMPLE_ID = re.compile(r"^(?:TCGA[-._]\w{2}[-._]\w{4}|TARGET[-._]\d{2}[-._]\w{6}|GSM\d{3,})", re.IGNORECASE)


def _id_axis(table: pd.DataFrame) -> int | None:
    """1 when the header of ``table`` holds sample ids by their shape (TCGA
    barcodes, GSM ids) and its rows do not, 0 for the other way round, else
    None."""
    def share(axis: pd.Index) -> float:
        names = [str(n) for n in axis[:500]]
        return sum(bool(_SAMPLE_ID.match(n)) for n in names) / max(len(names), 1)

    rows, cols = share(table.index), share(table.columns)
    if cols >= 0.8 and rows < 0.2:
        return 1
    if rows >= 0.8 and cols < 0.2:
        return 0
    return None


#: a first column's header that names samples, read as such in every file
#: (sample, sample_id, patient, barcode, subject_no, ...; not a bare "id" or
#: "name", which features are named by as well)
_SAMPLE_HEADER = re.compile(
    r"^(?:sample|patient|subject|case|donor|specimen|individual|participant|barcode|mouse|animal)s?"
    r"(?:[ _.-]?(?:id|ids|name|names|barcode|barcodes|no|nr|num|number)\.?)?$",
    re.IGNORECASE,
)


def _header_axis(raw: pd.DataFrame) -> int | None:
    """0 when the header of the first column of a table as read (``raw``, its
    names still a column) says the rows are samples (``sample``, ``patient_id``),
    1 when it says they are features (``gene``, ``probe_id``, ``symbol``), else
    None (no such header, or none: R's ``write.table``)."""
    if not isinstance(raw.index, pd.RangeIndex) or raw.shape[1] == 0:
        return None
    header = _without_row_numbers(raw).columns[0]
    if not isinstance(header, str):
        return None
    if _SAMPLE_HEADER.match(header.strip()):
        return 0
    if _FEATURE_HEADER.match(header.strip()):
        return 1
    return None


def _orient(
    tables: dict[str, pd.DataFrame],
    named: dict[str, bool],
    label_ids: pd.Index | None,
    transpose: bool | str,
    cut: int | None = None,
    known: Collection[str] = (),
    headers: Mapping[str, int] | None = None,
) -> dict[str, pd.DataFrame]:
    """Turn every omic table into samples x features.

    ``transpose="auto"``: a table with names on both axes is transposed when its
    header, not its first column, holds the samples, judged by the sample names
    of the labels or, without them, by the names that all omics share; without
    labels, the tables of ``known`` (formats that are features x samples) are
    transposed, and a table whose axes hold sample ids by their shape (TCGA
    barcodes) or whose first column's header says what its rows are
    as features (``headers``: 1; :func:`_header_axis`) is read so.
    """
    if transpose is not True and transpose is not False:
        with_names = [k for k in tables if named[k]]
        # (with labels, their sample names decide for every table); without, the
        # format, an axis of sample ids (TCGA barcodes, GEO's GSM) facing one of
        # other names, or a first column headed as features ("gene", "probe_id"):
        # the names the omics share can mislead (mRNA and copy numbers share
        # their genes, and sample ids may carry each assay's suffix, so that they
        # share none). A "sample" header is no proof (UCSC Xena heads the genes
        # of its genes x samples tables so): it only doubts a reading that would
        # turn it (see _orientation_without_labels)
        fixed: dict[str, int] = {}
        if label_ids is None:
            for k in with_names:
                reading = 1 if k in known else _id_axis(tables[k])
                if reading is None and (headers or {}).get(k) == 1:
                    reading = 1
                if reading is not None:
                    fixed[k] = reading
        free = [k for k in with_names if k not in fixed]
        if label_ids is not None:
            by_rows = {k: _matches(label_ids, tables[k].index) for k in free}
            by_cols = {k: _matches(label_ids, tables[k].columns) for k in free}
        elif len(with_names) > 1 and free:
            sample_headed = [k for k in free if (headers or {}).get(k) == 0]
            by_rows, by_cols = _orientation_without_labels(
                tables, with_names, cut, fixed=fixed, sample_headed=sample_headed
            )
        else:
            by_rows, by_cols = {k: 1 for k in free}, {k: 0 for k in free}
            for k in free:  # nothing to judge by: samples x features, as documented
                n_rows, n_cols = tables[k].shape
                # one table alone, longer than wide: omics have more features than
                # samples as a rule, so it may well be features x samples
                if len(tables) == 1 and n_rows > n_cols:
                    warnings.warn(
                        f"{k}: read as {n_rows} samples x {n_cols} features (no labels and "
                        "no other omic whose sample names could tell). If its rows are "
                        "features and its columns samples, pass transpose=True (skpoems: "
                        "--layout features-x-samples), or add a label file.",
                        UserWarning,
                        stacklevel=user_stacklevel(),
                    )
        transpose = {
            k: bool(fixed[k]) if k in fixed else by_cols.get(k, 0) > by_rows.get(k, 0) for k in tables
        }
    else:
        transpose = {k: bool(transpose) for k in tables}
    out = {}
    for key, table in tables.items():
        if transpose[key]:
            if not named[key]:
                raise ValueError(
                    f"{key}: a features x samples table needs the feature names in its first column."
                )
            table = table.T
            table.index = pd.Index([str(s) for s in table.index], dtype=object)
        out[key] = table
    return out


def _types_text(sample_types: Any) -> str:
    """``sample_types`` as a user reads it: 'tumor', or the codes ['01', '06']."""
    if isinstance(sample_types, str):
        return repr({"tumour": "tumor"}.get(sample_types.lower(), sample_types.lower()))
    return str(sorted(str(code).zfill(2) for code in sample_types))


def _keep_sample_types(
    tables: dict[str, pd.DataFrame], files: Mapping[str, Path], keep: Any, sample_types: Any
) -> tuple[dict[str, pd.DataFrame], int]:
    """The omic tables (samples x features) without the samples whose barcode
    gives another sample type, and how many different samples were left out."""
    out, left_out = {}, set()
    for key, table in tables.items():
        if isinstance(table.index, pd.RangeIndex):
            raise ValueError(
                f"{files[key]} does not name its samples: sample_types keeps samples by "
                "the sample type of their TCGA or TARGET barcode."
            )
        verdict = [keep(str(name)) for name in table.index]
        unknown = [str(n) for n, v in zip(table.index, verdict, strict=True) if v is None]
        if unknown:
            # (patient barcodes: TCGA-A1-A0SB, TARGET-20-PADZCG)
            patients = all(re.fullmatch(r"(?:TCGA|TARGET)-\w{2}-\w{4,6}", n, re.IGNORECASE) for n in unknown[:20])
            raise ValueError(
                f"{files[key]}: {len(unknown)} of its {len(table)} sample names are no TCGA or "
                f"TARGET sample barcode with a sample type (e.g. {unknown[0]!r}"
                + ("; a patient barcode has none" if patients else "")
                + "): sample_types cannot tell their type. "
                + (
                    "Its columns are named by sample barcodes: read it the other way round "
                    "(transpose=True)."
                    if any(SAMPLE_BARCODE.match(str(n)) for n in table.columns[:50])
                    else "Leave sample_types='all' and select the samples yourself."
                )
            )
        mask = np.array(verdict, dtype=bool)
        # (one sample whatever its aliquot: the barcode up to its sample type)
        left_out.update(SAMPLE_BARCODE.match(str(n)).group(0).upper() for n in table.index[~mask])
        out[key] = table[mask]
    if all(len(table) == 0 for table in out.values()):
        key = next(iter(tables))
        raise ValueError(
            f"None of the samples of {', '.join(str(files[k].name) for k in tables)} is of the sample "
            f"types {_types_text(sample_types)} (e.g. {str(tables[key].index[0])!r})."
        )
    return out, len(left_out)


# --- the steps of load_omics_tables -------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Request:
    """What :func:`load_omics_tables` was asked for: its parameters, the folder
    as a Path, and ``keep_sample``, the sample-type filter of ``sample_types``
    (None: every sample is kept)."""

    folder: Path
    labels: Any
    label_column: str | None
    omics: Sequence[str] | None
    transpose: bool | str
    join: str
    sample_name_length: int | None
    sample_types: Any
    keep_unlabelled: bool
    keep_sample: Any

    @property
    def wanted(self) -> set[str] | None:
        """The names of ``omics`` as a set; None when every table is wanted."""
        return None if self.omics is None else {str(name) for name in self.omics}


class _LabelChoice(NamedTuple):
    """The folder's table files once the label file is chosen (:func:`_choose_label_file`)."""

    files: dict[str, Path]  # the table files by table name, label files not among them
    label_file: Path | None  # None: not found yet (or labels=False)
    passed_over: list[str]  # the folder's other label files (file names), not read


@dataclasses.dataclass
class _Tables:
    """The folder's tables, sorted into omics and tables that are not read as
    omics (:func:`_sort_tables`); later steps narrow and turn the omics."""

    files: dict[str, Path]  # every table file, by table name
    raw: dict[str, pd.DataFrame]  # the tables as read
    passed_over: list[str]  # the folder's other label files (file names)
    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)  # the omics, as numbers
    named: dict[str, bool] = dataclasses.field(default_factory=dict)  # whether each omic names its samples
    text_only: list[str] = dataclasses.field(default_factory=list)  # tables without numbers
    annotations: list[str] = dataclasses.field(default_factory=list)  # sample annotations, mutation lists, manifests
    derived: list[str] = dataclasses.field(default_factory=list)  # the same measurements as another table


@dataclasses.dataclass
class _Labels:
    """The label file and what is read from it, filled in step by step: the
    table (:func:`_read_labels`), its rows (:func:`_label_rows`,
    :func:`_drop_unlabelled`) and the codes (:func:`_label_codes`)."""

    file: Path | None = None
    raw: pd.DataFrame | None = None  # the file as read
    table: pd.DataFrame | None = None  # its label columns, rows named by sample where ``named``
    named: bool = False  # whether the labels name their samples
    codes: pd.Series | None = None  # the integer codes (NaN for no label)
    names: np.ndarray | None = None  # the class names by code, or None
    ids: pd.Index | None = None  # the labelled samples' names (cut), where named
    orient_ids: pd.Index | None = None  # every sample name, before sample_types left any out
    unlabelled_ids: pd.Index = dataclasses.field(default_factory=lambda: pd.Index([]))  # listed without a label
    n_unlabelled: int = 0


class _IdColumns(NamedTuple):
    """First columns of whole numbers that may be sample ids (:func:`_use_id_columns`)."""

    columns: dict[Any, tuple[str, pd.Index]]  # by table name, None for the label file
    clashes: list[tuple[Any, Any]]  # pairs under one header that share too few numbers


class _Oriented(NamedTuple):
    """What :func:`_samples_x_features` leaves beside the turned omics."""

    uncut: dict[str, pd.Index]  # the sample names of each omic before they were cut
    n_other_types: int  # samples left out by sample_types


class _Samples(NamedTuple):
    """The samples kept by a join by name, and those left out with a word."""

    kept: Any
    not_listed: pd.Index  # samples of the omics that the labels do not list
    no_data: pd.Index  # labelled samples that no omic table lists (join="outer")


@dataclasses.dataclass
class _Joined:
    """The omics joined into one row per sample (:func:`_join_omics`)."""

    names: list[str]  # the omics, in order
    blocks: list[pd.DataFrame]  # one per omic, rows in the order of ``index``
    index: pd.Index
    by_name: bool  # matched by sample name (else by position)
    target: pd.Series | None
    not_listed: pd.Index
    no_data: pd.Index
    n_other_types: int  # samples left out by sample_types


def _table_files(folder: Path) -> dict[str, Path]:
    """The table files of ``folder`` by table name (the file name without its
    ending), in the order of their names; refuses a missing folder and one
    table in two files (``mrna.csv`` and ``mrna.csv.gz``)."""
    if not folder.is_dir():
        raise ValueError(
            f"Folder not found: {folder}"
            if not folder.exists()
            else f"{folder} is not a folder."
        )
    files: dict[str, Path] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        # (hidden files are no tables: macOS's "._mrna.tsv" beside mrna.tsv)
        stem = _table_stem(entry) if entry.is_file() and not entry.name.startswith(".") else None
        if stem is None:
            continue
        if stem in files:
            # mrna.csv and mrna.csv.gz: one omic in two files, one would be read
            # and the other silently passed over
            raise ValueError(
                f"{files[stem]} and {entry} both exist: both are the table {stem!r} (a "
                "file name without its ending names the table). Keep only one of them."
            )
        files[stem] = entry
    return files


def _label_file(folder: Path, labels: Any) -> Path:
    """The label file ``labels`` names: a bare file name in the folder first (else
    in the working directory), a path as it is (relative to the working
    directory, else to the folder). A path whose folder does not hold it was the
    folder's file of that name: other labels than those named, without a word."""
    path = Path(labels)
    if path.parent == Path("."):
        return folder / path if (folder / path).is_file() or not path.is_file() else path
    return path if path.is_file() or not (folder / path).is_file() else folder / path


def _warn_unread_files(request: _Request) -> None:
    """Warn of the files of the folder that may hold data but are not read
    (``.xlsx``, a comma table without an ending), unless ``omics`` names the
    omics; documentation, scripts, images and hidden files go unnamed."""
    folder, labels, omics = request.folder, request.labels, request.omics
    # files that are not read, named: an omic left out without a word is worse
    # (documentation, scripts, images and hidden files go unnamed)
    label_path = None if labels is None or labels is False else _label_file(folder, labels).resolve()
    unread = sorted(
        entry.name for entry in folder.iterdir()
        if entry.is_file() and _table_stem(entry) is None and not _is_not_table(entry.name)
        and entry.resolve() != label_path  # (a .tsi or .xlsx-less label file named as labels)
    )
    if unread and omics is None:  # (with the omics named, other files do not matter)
        clinical = [name for name in unread if name.lower().endswith((".tsi", ".tsi.gz"))]
        warnings.warn(
            f"{folder}: not read: {', '.join(unread)} (only .csv, .tsv, .txt and .tab "
            "tables, LinkedOmics' .cct/.cbt and GCT files, optionally .gz, .bz2 or .xz, "
            "and tab-separated tables without an ending (Xena's HiSeqV2, HiSeqV2.gz) are "
            "read; save the others as CSV)."
            + (
                f" {clinical[0]} is LinkedOmics' clinical table (attributes x samples): to "
                "take labels from it, pass labels=FILE, label_column=NAME."
                if clinical and label_path is None else ""
            ),
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def _choose_label_file(request: _Request, files: dict[str, Path]) -> _LabelChoice:
    """The label file that ``labels`` names (False: none; None: the one table
    named ``label*``, if any), and the table files without the label files,
    which are no omics (unless ``omics`` names them)."""
    folder, labels, omics = request.folder, request.labels, request.omics
    label_file = None
    passed_over: list[str] = []
    if labels is False:
        if request.label_column is not None:
            raise ValueError("label_column goes with labels; labels=False reads none.")
        # label files named as such are not omics either
        files = {stem: f for stem, f in files.items() if not stem.lower().startswith("label")}
    elif labels is not None:
        label_file = _label_file(folder, labels)
        if not label_file.is_file():
            raise ValueError(
                f"Label file not found: {labels}"
                + (f" (nor {label_file})." if label_file != Path(labels) else ".")
            )
        # the folder's own label files are labels too, not omics (numeric class
        # codes read as an omic would hand the answer to the model), unless named
        wanted_omics = set() if omics is None else {str(name) for name in omics}
        passed_over = [
            f.name for stem, f in files.items()
            if stem.lower().startswith("label") and stem not in wanted_omics
            and f.resolve() != label_file.resolve()
        ]
        files = {
            stem: f for stem, f in files.items()
            if not stem.lower().startswith("label") or stem in wanted_omics
        }
    else:
        named_labels = [
            f for stem, f in files.items() if stem.lower().startswith("label")
        ]
        if len(named_labels) > 1:
            raise ValueError(
                f"{folder} holds several label files ({', '.join(f.name for f in named_labels)}); "
                "pass labels=FILE to choose one."
            )
        label_file = named_labels[0] if named_labels else None
    return _LabelChoice(files, label_file, passed_over)


def _refuse_copies(request: _Request, files: dict[str, Path]) -> None:
    """Refuse two tables whose names differ by a copy's mark (``mrna.tsv`` and
    ``mrna (1).tsv``), among the omics that ``omics`` names if it does."""
    # with ``omics`` given, other tables may be anything (clinical data, notes):
    # one that cannot be read, or mixes text with numbers, is passed over
    wanted = request.wanted
    copies: dict[str, list[str]] = {}
    for stem in files:
        copies.setdefault(_COPY_SUFFIX.sub("", stem), []).append(stem)
    for group in copies.values():
        if len(group) > 1 and (wanted is None or wanted.intersection(group)):
            # mrna.tsv and "mrna (1).tsv": a browser's second download, which
            # would be read as a second omic (the same data twice)
            names = " and ".join(files[stem].name for stem in group)
            raise ValueError(
                f"{request.folder} holds {names}: their names differ only by a copy's mark "
                "(' (1)', ' - Copy', ' copy'), so they are one table downloaded or copied "
                "twice, which would be read as two omics. Keep only one of them (or, if "
                "they hold different omics, name them so)."
            )


def _read_tables(request: _Request, files: dict[str, Path], label_file: Path | None) -> dict[str, pd.DataFrame]:
    """Every table file read (:func:`_read_table`), by table name, but the
    label file (unless a GEO series matrix, which is an omic too). A table
    that ``omics`` does not name, or a file without an ending, that cannot be
    read is passed over (the latter with a warning); the others that cannot be
    read are one error naming them all."""
    wanted = request.wanted
    raw = {}
    unreadable: list[str] = []  # every table that cannot be read, named at once
    for stem, file in files.items():
        if label_file is not None and file.resolve() == label_file.resolve() and _geo_samples(file) is None:
            continue
        try:
            raw[stem] = _read_table(file)
        except ValueError as exc:
            if wanted is not None and stem not in wanted:
                continue
            if wanted is None and not file.name.lower().endswith(_TABLE_SUFFIXES):
                # a file without an ending that only looked like a table (a log)
                warnings.warn(
                    f"{file} is not read: it has no ending and could not be read as a table ({exc})",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
                continue
            unreadable.append(str(exc))
    if unreadable:
        raise ValueError(unreadable[0] if len(unreadable) == 1 else "\n".join(
            [f"{len(unreadable)} tables cannot be read:", *(f"- {m}" for m in unreadable)]
        ))
    return raw


def _sort_tables(
    request: _Request, choice: _LabelChoice, raw: dict[str, pd.DataFrame]
) -> _Tables:
    """The tables read (``raw``) sorted: omics (numbers only, as float64, with
    whether they name their samples), tables without numbers, and sample
    annotations passed over with a warning; tables that mix numbers with text
    and are not passed over are one error naming them all."""
    files, wanted = choice.files, request.wanted
    found = _Tables(files=files, raw=raw, passed_over=choice.passed_over)
    mixed: list[str] = []  # the errors of tables that mix numbers with text, all named at once
    for stem, frame in raw.items():
        table, has_names = _with_names(frame, labels=False)
        table = _logical_as_numbers(table)
        numeric = _numeric_columns(table)
        if table.shape[1] == 0 or not any(numeric):
            if wanted is None or stem in wanted:
                # numbers with commas that were not read as numbers: an omic that
                # would be left out without a word
                found_commas = _commas_in_numbers(table)
                if found_commas is not None:
                    raise ValueError(
                        f"{files[stem]} holds no numbers as read: {_comma_cause(files[stem], *found_commas)}"
                    )
            found.text_only.append(stem)
            continue
        if not all(numeric):
            if wanted is not None and stem not in wanted:
                continue
            error = _mixed_table(request, stem, table, numeric, files[stem], choice.label_file)
            if error is None:
                found.annotations.append(stem)
            else:
                mixed.append(error)
            continue
        table = table.astype(np.float64)
        _refuse_infinite(files[stem], table)
        if request.omics is None and _is_annotation_name(stem):
            # survival.csv (OS, OS.time, age): sample annotations that happen to
            # be numbers, not an omic
            found.annotations.append(stem)
            warnings.warn(
                f"{files[stem]} is not read as an omic: its name says it holds sample "
                "annotations (clinical data, survival, phenotypes), not measurements. If it "
                "is an omic, rename it, or name the omics to read (omics=[...]).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            continue
        found.tables[stem], found.named[stem] = table, has_names
    if mixed:
        raise ValueError(" ".join(mixed) if len(mixed) == 1 else "\n".join(
            [f"{len(mixed)} tables cannot be read as omics:", *(f"- {m}" for m in mixed)]
        ))
    return found


def _mixed_table(
    request: _Request, stem: str, table: pd.DataFrame, numeric: list[bool], file: Path, label_file: Path | None
) -> str | None:
    """A table that mixes numeric with text columns: None where it is passed
    over as sample annotations, a mutation list or a manifest (with a warning),
    else the error that names it (its text columns)."""
    bad = [
        str(c) for c, ok in zip(table.columns, numeric, strict=True) if not ok
    ]
    found = _commas_in_numbers(table[bad])
    reason = None if found is not None or request.omics is not None else _not_an_omic(stem, table, numeric)
    if reason is not None:
        reason, samples = reason
        # clinical tables, mutation lists, manifests: numbers beside text
        # columns; passed over, as tables of text are
        warnings.warn(
            f"{file} is not read as an omic: {reason}. If it is an omic, "
            "make every column but the first numeric, or name the omics to read "
            "(omics=[...])."
            + (
                " To take the labels from one of its columns: labels=FILE, label_column=NAME."
                if samples and request.labels is None and label_file is None else ""
            ),
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return None
    return (
        f"{file} mixes numbers with text: column(s) {bad[:5]} are not numeric. "
        + (
            f"In those, {_comma_cause(file, *found)}"
            if found is not None else
            "An omic table holds numbers only, after an optional first column of "
            "sample names. If it is not an omic (clinical data, say), move it out of "
            "the folder or name the omics to read (omics=[...])."
        )
    )


def _refuse_infinite(file: Path, table: pd.DataFrame) -> None:
    """Refuse an omic table (float64) that holds infinite values."""
    infinite = np.isinf(table.to_numpy())
    if infinite.any():
        row, col = (int(i[0]) for i in np.nonzero(infinite))
        raise ValueError(
            f"{file} holds {int(infinite.sum())} infinite value(s) (e.g. row "
            f"{table.index[row]!r}, column {table.columns[col]!r}): a value too large to "
            "measure is an error upstream; fix it, or leave the cell empty (missing)."
        )


def _shared_suffix(group: list[str]) -> str:
    """What the table names of ``group`` (per-sample files) share at their end."""
    return os.path.commonprefix([k[::-1] for k in group])[::-1]


def _named_by_file_ids(group: list[str]) -> bool:
    """Whether the table names of ``group`` start with file ids (GDC's, UUIDs)
    before their shared ending."""
    cut = len(_shared_suffix(group))
    return all(
        re.fullmatch(r"[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}-?[0-9a-f]{12}[._-]?", k[: len(k) - cut], re.IGNORECASE)
        for k in group
    )


def _refuse_per_sample_files(request: _Request, found: _Tables) -> None:
    """Refuse an omic split into a file per sample (three or more tables with
    the same rows and columns, named by file ids), unless ``omics`` or
    ``transpose`` is given."""
    files, tables = found.files, found.tables
    alike: dict[tuple, list[str]] = {}
    for stem, table in tables.items():
        key = (tuple(map(str, table.columns)), tuple(map(str, table.index)))
        alike.setdefault(key, []).append(stem)
    transpose = request.transpose
    chosen = request.omics is not None or transpose is True or transpose is False  # (the user's say)
    split = None if chosen else next(
        (g for g in alike.values() if len(g) >= 3 and len(_shared_suffix(g)) >= 8 and _named_by_file_ids(g)), None
    )
    if split is not None:
        # GDC's per-sample files (one STAR count table per sample, named by a
        # file id before a common ending): every table has the same rows and
        # columns, and each would be read as an omic
        shown = ", ".join(files[k].name for k in split[:3])
        columns = list(map(str, tables[split[0]].columns[:4]))
        raise ValueError(
            f"{len(split)} tables of {request.folder} ({shown}{', ...' if len(split) > 3 else ''}) have "
            f"the same rows and the same columns ({', '.join(columns)}"
            f"{', ...' if tables[split[0]].shape[1] > 4 else ''}): "
            f"one omic split into a file per sample (as GDC downloads are), which would be read as "
            f"{len(split)} omics. Merge them into one table per omic first: "
            "skpoems.datasets.merge_gdc_download(download) names each file's sample from the "
            "download's sample sheet and writes one table per omic."
        )


def _drop_derived_tables(found: _Tables) -> list[str]:
    """Leave out, with a warning, the omics that hold the same measurements as
    another (z-scores of a table, copy-number calls beside their log2 ratios);
    returns their table names."""
    files, tables, named = found.files, found.tables, found.named
    derived = []
    # cBioPortal's data_mrna_seq_v2_rsem_zscores_ref_all_samples.txt beside
    # data_mrna_seq_v2_rsem.txt: the same measurements again, which read as
    # another omic would count twice
    for stem in list(tables):
        # cBioPortal's data_cna.txt (GISTIC calls -2..2) beside data_log2_cna.txt
        # (the log2 ratios they are called from): the ratios are kept
        ratios = next(
            (k for k in tables if k != stem and re.sub(r"log2_|_log2", "", k, count=1) == stem), None
        ) if re.search(r"cna|cnv|copy|gistic", stem, re.IGNORECASE) else None
        if ratios is not None:
            derived.append(stem)
            del tables[stem], named[stem]
            warnings.warn(
                f"{files[stem]} is not read as an omic: {files[ratios].name} holds the same "
                "copy numbers as log2 ratios, from which such calls are made; both would count "
                "them twice. To read it instead, name the omics to read (omics=[...]).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            continue
        source = _ZSCORES.sub("", stem)
        if source != stem and source in tables:
            derived.append(stem)
            del tables[stem], named[stem]
            warnings.warn(
                f"{files[stem]} is not read as an omic: it holds z-scores of {files[source].name}, "
                "the same measurements again, which would count twice. To read it instead, "
                "name the omics to read (omics=[...]).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
    return derived


def _has_column(table: pd.DataFrame, label_column: str) -> bool:
    """Whether a table has a column (or, attributes x samples, a row) ``label_column``."""
    return label_column in map(str, table.columns) or (
        table.shape[1] > 0 and label_column in set(map(str, table.iloc[:, 0]))
    )


def _label_file_among_others(request: _Request, found: _Tables, label_file: Path | None) -> Path | None:
    """The label file, where neither ``labels`` nor a ``label*`` table gave one:
    the one table not read as an omic that has ``label_column``, else the one
    table without numbers that can be the omics' labels (which then leaves
    ``found.text_only``); otherwise ``label_file`` as it was."""
    files, raw, text_only = found.files, found.raw, found.text_only
    labels, label_column = request.labels, request.label_column
    if label_file is None and labels is None and label_column is not None:
        # label_column names the file too: the one table passed over (a clinical
        # table, Xena's clinicalMatrix) that has such a column (or row)
        holders = [
            stem for stem in [*found.annotations, *text_only] if stem in raw and _has_column(raw[stem], label_column)
        ]
        if len(holders) != 1:
            raise ValueError(
                f"label_column={label_column!r} goes with a label file, and "
                + (
                    f"several tables of {request.folder} have such a column "
                    f"({', '.join(files[k].name for k in holders)})"
                    if holders else f"no table of {request.folder} that is not an omic has such a column"
                )
                + ": pass labels=FILE."
            )
        label_file = files[holders[0]]
        if holders[0] in text_only:
            text_only.remove(holders[0])
    if label_file is None and labels is None and len(text_only) == 1:
        candidate = files[text_only[0]]
        if _could_be_labels(raw[text_only[0]], found.tables):
            label_file = candidate
            text_only.pop()
    return label_file


def _refuse_text_omics(request: _Request, found: _Tables) -> None:
    """Refuse a table read as text whose cells are mostly numbers (an omic that
    could not be read), among the tables without numbers (those ``omics``
    names, where it does); one named as sample annotations is passed over with
    a warning instead."""
    files, raw, text_only, omics = found.files, found.raw, found.text_only, request.omics
    wanted = request.wanted
    for stem in text_only if omics is None else [s for s in text_only if s in wanted]:
        # numbers with text in every column (a missing-value marker, a second
        # header line): pandas reads the table as text, and an omic would be left
        # out without a word (or, named in omics, reported as absent). A table
        # named as sample annotations (clinical.csv: ages and sizes with
        # "[Not Available]") is passed over with a warning instead.
        table = _with_names(raw[stem], labels=False)[0]
        if omics is None and _ANNOTATION_NAME.match(stem):
            cell = _numbers_among_text(table)
            if cell is not None:
                warnings.warn(
                    f"{files[stem]} is not read as an omic (its name says sample annotations): "
                    f"its values are mostly numbers, but every column also holds text, such as "
                    f"{cell[1]!r} in column {cell[0]!r}. If it is an omic, rename it, or name "
                    "the omics to read (omics=[...]).",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
            continue
        _refuse_numbers_among_text(files[stem], table)


def _select_omics(request: _Request, found: _Tables) -> None:
    """Keep the omics that ``omics`` names, in its order (refusing an unknown
    one), and refuse a folder without any omic table."""
    folder, omics = request.folder, request.omics
    if omics is not None:
        wanted = [str(name) for name in omics]
        unknown = [name for name in wanted if name not in found.tables]
        if unknown:
            raise ValueError(
                f"No numeric table named {unknown[0]!r} in {folder}; the omic tables are "
                f"{list(found.tables)}."
            )
        found.tables = {name: found.tables[name] for name in wanted}
    if not found.tables:
        _refuse_no_omics(folder, found)


def _refuse_no_omics(folder: Path, found: _Tables) -> None:
    """The error of a folder without an omic table: what it holds instead."""
    files, text_only, annotations = found.files, found.text_only, found.annotations
    present = sorted(entry.name for entry in folder.iterdir() if entry.is_file() and not entry.name.startswith("."))
    passed = (
        f" Passed over: {', '.join(files[k].name for k in annotations)} (sample "
        "annotations, mutation lists or manifests: not omics)." if annotations else ""
    ) + (
        f" Without numbers: {', '.join(files[k].name for k in text_only)}." if text_only else ""
    )
    subfolders = sum(1 for entry in folder.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    inside = (
        f" Its {subfolders} subfolder(s) are not read (a GDC download puts each file in a "
        "folder of its own: merge one omic's per-sample files into one table per omic first, "
        "with skpoems.datasets.merge_gdc_download(download))."
        if subfolders else ""
    )
    raise ValueError(
        f"No omic table in {folder}: expected files such as mrna.csv or mirna.csv.gz "
        "with a header row and numeric values (one per omic)."
        + (
            f"{passed} The folder holds {len(present)} file(s): "
            f"{', '.join(present[:20])}{', ...' if len(present) > 20 else ''}."
            if present else " The folder holds no file."
        )
        + inside
    )


def _read_labels(label_file: Path | None, label_column: str | None) -> _Labels:
    """The label file read (a GEO series matrix: its sample characteristics),
    with its sample names where it has them; an attributes x samples table
    whose row ``label_column`` is turned. Without a label file, no labels."""
    label = _Labels(file=label_file)
    if label_file is not None:
        geo = _geo_samples(label_file)  # a GEO series matrix: its sample characteristics
        if geo is not None and geo.shape[1] == 1:
            raise ValueError(
                f"{label_file} is a GEO series matrix without !Sample_characteristics lines: it "
                "holds no labels to take. Write a label file (sample, label) instead."
            )
        label.raw = _read_table(label_file) if geo is None else geo
        label.table, label.named = _with_names(label.raw, labels=True)
        if (
            label_column is not None and label.named
            and label_column not in set(map(str, label.table.columns))
            and label_column in set(map(str, label.table.index))
        ):
            # attributes x samples (Firehose's clin.merged.picked, LinkedOmics'
            # .tsi): the label column is a row
            label.table = label.table.T
            label.table.index = pd.Index([str(s) for s in label.table.index], dtype=object)
            label.table.columns = [str(c) for c in label.table.columns]
    return label


def _use_id_columns(request: _Request, found: _Tables, label: _Labels) -> _IdColumns:
    """Name the rows of the omics (and labels) without sample names whose first
    column of whole numbers recurs in another file's (see
    :func:`_shared_id_columns`) by those numbers; returns the columns and their
    clashes, checked once the labels are matched (:func:`_refuse_id_clashes`)."""
    tables, named = found.tables, found.named
    # a first column of whole numbers, all different, under a header that does
    # not say they are sample ids (SubjectNo, index): the sample ids where they
    # recur in the other files' first column, else a feature (a count); matched
    # by position, rows listed in other orders would pair different patients
    id_columns: dict[Any, tuple[str, pd.Index]] = {}
    if request.transpose is not True:
        for key in tables:
            column = None if named[key] else _id_column(tables[key])
            if column is not None:
                id_columns[key] = column
        if label.raw is not None and not label.named and str(label.raw.columns[0]) != request.label_column:
            column = _id_column(label.raw)
            if column is not None:
                id_columns[None] = column  # None: the label file
    shared_ids, id_clashes = _shared_id_columns(id_columns)
    for key in shared_ids:
        if key is None:
            label.table, label.named = label.raw.iloc[:, 1:].set_axis(id_columns[key][1], axis=0), True
        else:
            tables[key], named[key] = tables[key].iloc[:, 1:].set_axis(id_columns[key][1], axis=0), True
    return _IdColumns(id_columns, id_clashes)


def _canonical_sample_names(found: _Tables) -> None:
    """Write the TCGA barcodes of the omics with names on both axes in their
    defined form (upper case, ``-``)."""
    tables = found.tables
    # TCGA barcodes as the barcode defines them: Firehose's clinical files write
    # them in lower case, R's make.names with dots (tcga-a1-a0sb, TCGA.A1.A0SB)
    for key in tables:
        if found.named[key]:
            tables[key] = tables[key].set_axis(_canonical_barcodes(tables[key].index), axis=0).set_axis(
                _canonical_barcodes(tables[key].columns), axis=1
            )


def _label_rows(request: _Request, found: _Tables, label: _Labels) -> None:
    """The label table's rows named by sample (from another of its columns
    where need be), of the sample types kept, and its ``label_column`` alone."""
    tables, named = found.tables, found.named
    label_column, label_file, keep_sample = request.label_column, label.file, request.keep_sample
    sample_name_length = request.sample_name_length
    if not label.named:
        label.table, label.named = _names_in_other_column(
            label.raw, [t for k, t in tables.items() if named[k]], label_column, label_file
        )
    else:
        label.table = _exact_name_column(
            label.raw, label.table, [t for k, t in tables.items() if named[k]], label_column
        )
    if label.named:
        _check_label_header(label_file, str(label.raw.columns[0]), label.table, tables)
        label.table = label.table.set_axis(_canonical_barcodes(label.table.index), axis=0)
        if keep_sample is not None:  # (rows of samples of other types; patients stay)
            # (all the names still tell the tables' orientation)
            label.orient_ids = (
                _cut(label.table.index, sample_name_length) if sample_name_length else label.table.index
            )
            kept = [keep_sample(str(n)) is not False for n in label.table.index]
            if not any(kept):
                raise ValueError(
                    f"{label_file} lists no sample of the sample types {_types_text(request.sample_types)} "
                    f"(e.g. {str(label.table.index[0])!r}): no label is left to match."
                )
            label.table = label.table[kept]
    elif keep_sample is not None:
        raise ValueError(
            f"{label_file} has no sample names (its labels are matched by position), so "
            "sample_types cannot leave out the labels of the samples it leaves out: add a "
            "first column of sample names to it."
        )
    if label_column is not None:
        if label_column not in label.table.columns:  # (before any count of labels)
            raise ValueError(
                f"{label_file} has no column {label_column!r}; its columns are "
                f"{list(map(str, label.table.columns))}."
            )
        label.table = label.table[[label_column]]


def _drop_unlabelled(request: _Request, found: _Tables, label: _Labels) -> None:
    """Leave out the label rows without a label (``.`` and the like are
    missing), counting those of samples that the omics list; refused without
    sample names, and with join="strict" unless keep_unlabelled."""
    label_file, label_named, sample_name_length = label.file, label.named, request.sample_name_length
    # "." is a missing value (SAS, Stata and VCF write it so), never a class
    as_written = label.table
    label_table = _dots_as_missing(label.table)
    if label_table.shape[1] > 2 and label_table.notna().all(axis=1).any():
        # a table of several columns is labels only if one-hot: else the
        # error that asks for label_column, before blanks in other columns count
        _labels_of(label_table[label_table.notna().all(axis=1)], str(label_file), None)
    unlabelled = label_table.isna().any(axis=1).to_numpy()
    if unlabelled.any() and label_named:
        # only the samples that the omics list count (a clinical table lists
        # patients of other studies or normal samples the omics lack)
        listed = {
            str(n)[:sample_name_length] if sample_name_length is not None else str(n)
            for t in found.tables.values() for axis in (t.index, t.columns) for n in axis
        }
        names = [
            str(n)[:sample_name_length] if sample_name_length is not None else str(n) for n in label_table.index
        ]
        # (when none is among them, the names do not match yet: the join's
        # error says so, with the length that would match them)
        elsewhere = unlabelled & ~np.isin(names, list(listed))
        label_table, as_written = label_table[~elsewhere], as_written[~elsewhere]
        unlabelled = unlabelled[~elsewhere]
    if unlabelled.any():
        row = int(np.flatnonzero(unlabelled)[0])
        if not label_named:
            raise ValueError(
                f"{label_file}: {int(unlabelled.sum())} sample(s) have no label (e.g. "
                f"line {row + 2}). Without sample names to match them by, every "
                "sample needs a label; add a first column of sample names to leave "
                "unlabelled samples out."
            )
        label.n_unlabelled = n_unlabelled = int(unlabelled.sum())
        label.unlabelled_ids = pd.Index(label_table.index[unlabelled])
        if sample_name_length is not None:
            label.unlabelled_ids = _cut(label.unlabelled_ids, sample_name_length)
        if request.join == "strict" and not request.keep_unlabelled:
            cell = as_written.iloc[row][label_table.iloc[row].isna().to_numpy()].iloc[0]
            written = "" if pd.isna(cell) else f": its label reads {str(cell).strip()!r}, a missing value"
            raise ValueError(
                f"{label_file} has no label for {n_unlabelled} sample(s) (e.g. "
                f"{label_table.index[row]!r}{written}); pass join='inner' or join='outer' to "
                "leave them out."
            )
        label_table = label_table[~unlabelled]
    label.table = label_table


def _label_codes(request: _Request, label: _Labels) -> None:
    """The labels as integer codes (and class names), indexed by the sample
    names cut to ``sample_name_length`` where named; refuses a sample listed
    twice."""
    label_file, sample_name_length = label.file, request.sample_name_length
    codes, label.names = _labels_of(label.table, str(label_file), None)
    if label.named and sample_name_length is not None:
        codes.index = _cut(codes.index, sample_name_length)
    if label.named:
        if codes.index.duplicated().any():
            cut = (
                f" after cutting the names to {sample_name_length} characters"
                if sample_name_length is not None else ""
            )
            twice = codes.index[codes.index.duplicated()][0]
            rows = [str(n) for n in label.table.index if str(n)[:sample_name_length] == twice][:3]
            raise ValueError(
                f"{label_file} lists sample {twice!r} more than once{cut}"
                + (
                    f" ({', '.join(map(repr, rows))}): a patient's several samples. Keep one "
                    "sample per patient (sample_types=['01'] keeps the primary tumours) or "
                    "cut the names to a length that keeps them apart."
                    if sample_name_length is not None and len(set(rows)) > 1 else "."
                )
            )
        label.ids = codes.index
    label.codes = codes


def _name_by_numeric_first_column(request: _Request, found: _Tables, label: _Labels) -> None:
    """Name the rows of the omics without sample names by their first column
    of whole numbers, all different, where those are names: feature ids of a
    features x samples table, or sample ids that the labels list."""
    tables, named, transpose, label_ids = found.tables, found.named, request.transpose, label.ids
    for key, table in tables.items():
        if named[key] or table.shape[1] < 2 or not table.iloc[:, 0].is_unique:
            continue
        ids = _ids_as_text(table.iloc[:, 0].to_numpy())
        if ids is None:
            continue
        # a first column of numbers that are names: numeric feature ids (Entrez
        # gene ids) of a features x samples table whose header holds the samples
        # (the labelled ones, or without labels those of the other omics, or all
        # of them when the tables are said to be features x samples), or numeric
        # sample ids that the labels list
        if transpose is not False and (
            transpose is True
            or (label_ids is not None and _header_names_samples(table, label_ids))
            or (label_ids is None and _header_shared(table, key, tables, named))
        ):
            tables[key], named[key] = table.iloc[:, 1:].set_axis(ids), True
        elif label_ids is not None and (set(ids) <= set(map(str, label_ids)) or set(map(str, label_ids)) <= set(ids)):
            # every number a labelled sample's name (or every labelled sample
            # among them): not a feature that happens to overlap the ids
            tables[key], named[key] = table.iloc[:, 1:].set_axis(ids), True


def _refuse_id_clashes(found: _Tables, label: _Labels, id_columns: _IdColumns) -> None:
    """Refuse two files of which neither is matched by name whose first
    columns of whole numbers have one header but share too few numbers."""
    for a, b in id_columns.clashes:
        if (label.named if a is None else found.named[a]) and (label.named if b is None else found.named[b]):
            continue  # both matched by name (with a third file, or the labels)
        file_a, file_b = (label.file if k is None else found.files[k] for k in (a, b))
        (header, ids_a), (_, ids_b) = id_columns.columns[a], id_columns.columns[b]
        raise ValueError(
            f"{file_a.name} and {file_b.name} both start with a column {header!r} of whole "
            f"numbers, all different ({', '.join(ids_a[:2])}, ...; {', '.join(ids_b[:2])}, ...), "
            f"but share only {len(set(ids_a) & set(ids_b))} of them: sample ids that the "
            "files give differently, or a feature (a count)? Matched by position, the "
            "rows of different patients could be paired. If the column holds the sample "
            "ids, head it as such in every file (sample_id, patient_id, subject_id, ...: "
            "numbers under such a header are sample names, matched by name); if it is a "
            "feature, add a first column of sample names to every file (or pass "
            "transpose=True if the files are features x samples)."
        )


def _samples_x_features(request: _Request, found: _Tables, label: _Labels) -> _Oriented:
    """Turn every omic into samples x features (:func:`_orient`), keep the
    samples of the sample types asked for and cut the sample names to
    ``sample_name_length``."""
    sample_name_length = request.sample_name_length
    known = {stem for stem in found.tables if found.raw[stem].attrs.get("features_x_samples")}
    found.tables = _orient(
        found.tables, found.named, label.ids if label.orient_ids is None or label.ids is None else label.orient_ids,
        request.transpose, sample_name_length, known,
        {stem: axis for stem in found.tables if (axis := _header_axis(found.raw[stem])) is not None},
    )
    n_other_types = 0
    if request.keep_sample is not None:
        found.tables, n_other_types = _keep_sample_types(
            found.tables, found.files, request.keep_sample, request.sample_types
        )
    uncut: dict[str, pd.Index] = {}
    if sample_name_length is not None:
        for key, table in found.tables.items():
            if not isinstance(table.index, pd.RangeIndex):  # sample names
                uncut[key] = table.index
                table.index = _cut(table.index, sample_name_length)
    return _Oriented(uncut, n_other_types)


def _refuse_repeated_features(found: _Tables, names: list[str]) -> None:
    """Refuse an omic (samples x features) that names a feature twice."""
    for key in names:
        columns = found.tables[key].columns
        if columns.duplicated().any():
            repeated = list(dict.fromkeys(str(c) for c in columns[columns.duplicated()]))
            raise ValueError(
                f"{found.files[key]} names {len(repeated)} feature(s) more than once "
                f"({', '.join(map(repr, repeated[:5]))}{' ...' if len(repeated) > 5 else ''}): "
                "feature names must be unique. Average the repeated rows or columns "
                "(e.g. table.groupby(level=0).mean() on a features x samples table) "
                "or keep one of each."
            )


def _matched_by_name(request: _Request, found: _Tables, label: _Labels, names: list[str]) -> bool:
    """Whether the omics are matched by sample name (else by position);
    refuses omics of which only some name their samples, and labels without
    sample names beside omics that list their samples in different orders."""
    files, tables, named = found.files, found.tables, found.named
    by_name = all(named[k] or request.transpose is True for k in names)
    if not by_name and any(named[k] for k in names):
        _refuse_partly_named(found, names)
    if by_name and label.codes is not None and label.ids is None:
        orders = {files[k].name: tables[k].index for k in names}
        first_file, first = next(iter(orders.items()))
        differs = [f for f, index in orders.items() if not index.equals(first)]
        if differs:
            raise ValueError(
                f"{label.file} has no sample names, so its labels could only be "
                "matched by position, but the omic tables list different samples "
                f"or the same in different orders ({first_file}: "
                f"{', '.join(map(repr, first[:3].tolist()))}, ...; {differs[0]}: "
                f"{', '.join(map(repr, orders[differs[0]][:3].tolist()))}, ...). "
                f"Add a first column of sample names to {label.file.name}."
            )
    return by_name


def _refuse_partly_named(found: _Tables, names: list[str]) -> None:
    """The error of omics of which some name their samples and others do not."""
    files, tables, named = found.files, found.tables, found.named
    with_names = [files[k].name for k in names if named[k]]
    without = [files[k].name for k in names if not named[k]]
    numbers = [
        f"{files[k].name}: {column[0]!r}" for k in names
        if not named[k] and (column := _id_column(tables[k])) is not None
    ]
    # a header that holds other files' sample names (along either axis, before
    # any table is turned): a features x samples table with numeric feature ids
    turned = [
        files[k].name for k in names
        if not named[k] and _id_column(tables[k]) is not None and any(
            _matches(pd.Index([str(a) for a in axis]), pd.Index([str(c) for c in tables[k].columns[1:]]))
            >= min(len(axis), tables[k].shape[1] - 1) / 2
            for other in names if other != k
            for axis in (tables[other].index, tables[other].columns)
        )
    ]
    raise ValueError(
        f"{', '.join(with_names)} name their samples but {', '.join(without)} "
        f"{'does' if len(without) == 1 else 'do'} not (no first column of sample "
        "names): the omics cannot be matched by name, and matching by position "
        "would pair rows of different patients unless every file lists them in "
        "the same order. Add a first column of sample names to "
        f"{', '.join(without)}."
        + (
            f" Its first column ({'; '.join(numbers)}) holds whole numbers, all "
            "different: if they are the sample ids, head the column as such "
            "(sample_id, patient_id, subject_id, ...)."
            if numbers else ""
        )
        + (
            f" The header of {', '.join(turned)} holds names that the other files "
            "hold too: if those are the sample names and the first column feature "
            "ids (e.g. Entrez gene ids; a features x samples table), pass "
            "transpose=True (skpoems: --layout features-x-samples) instead."
            if turned else ""
        )
    )


def _names_hint(indexes: list[pd.Index], label_ids: pd.Index | None, keep_unlabelled: bool) -> str:
    """:func:`_prefix_hint` of the omics' names, with the labels' where the
    samples are kept without them (keep_unlabelled): a length or spelling
    at which the labels would match too, first."""
    found = _prefix_hint([*indexes, label_ids], _CUT_HINT) if keep_unlabelled and label_ids is not None else ""
    return found or _prefix_hint(indexes, _CUT_HINT)


def _refuse_repeated_samples(request: _Request, found: _Tables, names: list[str], uncut: dict[str, pd.Index]) -> None:
    """Refuse an omic (samples x features) that lists a sample twice, saying
    so where cutting the names made two samples one."""
    for key in names:
        index = found.tables[key].index
        if index.duplicated().any():
            first = index[index.duplicated()][0]
            if key in uncut and not uncut[key].duplicated().any():
                # distinct names made one by the cut: a patient's samples
                merged = [str(u) for u, c in zip(uncut[key], index, strict=True) if c == first]
                raise ValueError(
                    f"{found.files[key]} lists sample {first!r} more than once after cutting the "
                    f"names to {request.sample_name_length} characters: {' and '.join(map(repr, merged[:3]))} "
                    f"become one ({int(index.duplicated().sum())} name(s) in all). "
                    + _merged_samples_cause(merged)
                )
            raise ValueError(
                f"{found.files[key]} lists sample {first!r} more than "
                "once (if its rows are features, not samples, pass transpose=True)."
            )


def _outer_samples(
    request: _Request, found: _Tables, label: _Labels, names: list[str], indexes: list[pd.Index], sources: list[str]
) -> _Samples:
    """The samples of join="outer": every sample of any omic (labelled, unless
    keep_unlabelled), in the order of the omics; refuses an omic that would be
    missing for every sample, and omics that share no sample."""
    files, tables, label_ids = found.files, found.tables, label.ids
    not_listed = no_data = pd.Index([])
    samples = pd.Index(
        list(dict.fromkeys(s for i in indexes[: len(names)] for s in i)),
        dtype=object,
    )
    if label_ids is not None:
        not_listed = samples[~samples.isin(label_ids) & ~samples.isin(label.unlabelled_ids)]
        # labelled samples of no omic table: nothing to embed them from
        no_data = label_ids[~label_ids.isin(samples)]
        if not request.keep_unlabelled:
            samples = samples[samples.isin(label_ids)]
    if len(samples) == 0:
        raise ValueError(
            f"No labelled sample in {', '.join(sources)}."
            + _prefix_hint([pd.Index([s for i in indexes[:-1] for s in i]), label_ids], _CUT_HINT)
        )
    for key in names:
        if len(tables[key]) == 0 and request.keep_sample is not None:
            raise ValueError(
                f"{files[key]} holds no sample of the sample types "
                f"{_types_text(request.sample_types)}: the omic would be missing for every "
                "sample. Leave it out (omics=[...])."
            )
        if not tables[key].index.isin(samples).any():
            # the omic would be missing for every patient
            raise ValueError(
                f"{files[key]} lists none of the "
                f"{'labelled ' if label_ids is not None else ''}samples kept "
                f"(e.g. {', '.join(map(repr, samples[:2].tolist()))}; it lists "
                f"{', '.join(map(repr, tables[key].index[:2].tolist()))}, ...)."
                + _prefix_hint([tables[key].index, samples], _CUT_HINT)
            )
    if len(names) > 1 and not any(
        tables[a].index.isin(tables[b].index).any()
        for i, a in enumerate(names) for b in names[i + 1:]
    ):  # every patient would have one omic only: names that differ
        raise ValueError(
            f"No sample is in more than one of {', '.join(sources[: len(names)])}: "
            "the omics name their samples differently (e.g. "
            + "; ".join(f"{files[k].name}: {tables[k].index[0]!r}" for k in names)
            + "), or a table is read the wrong way round (--layout / transpose)."
            + _names_hint([tables[k].index for k in names], label_ids, request.keep_unlabelled)
        )
    return _Samples(samples, not_listed, no_data)


#: the remedy where the omic tables list the same samples and the label file not
_UNLABELLED_HINT = (
    "The omic tables list the same samples, and the labels do not cover them: pass "
    "join='inner' to keep the labelled samples, or keep_unlabelled=True to keep every "
    "sample, those without a label too."
)
_MORE_LABELS_HINT = (
    "The omic tables list the same samples, all labelled, and the labels others too: "
    "pass join='inner' to keep the samples of the omic tables."
)


def _common_samples(
    request: _Request, label: _Labels, names: list[str], indexes: list[pd.Index], sources: list[str]
) -> _Samples:
    """The samples of join="strict" (every file lists the same samples, else
    an error) or join="inner" (those that every file lists):
    :func:`_match_samples`."""
    label_ids = label.ids
    not_listed = pd.Index([])
    omics_agree = all(
        len(index) == len(indexes[0]) and index.isin(indexes[0]).all() for index in indexes[1 : len(names)]
    )
    samples = _match_samples(
        indexes,
        sources,
        request.join,
        # (labels matched to no sample, kept_unlabelled: their names too)
        hint_indexes=[*indexes, label_ids] if request.keep_unlabelled and label_ids is not None else None,
        # where only the labels disagree, join='outer' keeps no more samples: the
        # labels decide which are kept
        hint=(_UNLABELLED_HINT if (~indexes[0].isin(label_ids)).any() else _MORE_LABELS_HINT)
        if label_ids is not None and len(indexes) > len(names) and omics_agree
        else "Pass join='inner' to keep the samples common to all files, or "
        "join='outer' to keep every sample, with NaN for the omics it lacks "
        "(skpoems run: --join inner or --join outer).",
        cut_hint=_CUT_HINT,
    )
    if label_ids is not None and request.join == "inner":
        common = indexes[0]
        for other in indexes[1: len(names)]:
            common = common[common.isin(other)]
        not_listed = common[~common.isin(label_ids) & ~common.isin(label.unlabelled_ids)]
    return _Samples(samples, not_listed, pd.Index([]))


def _join_omics(
    request: _Request, found: _Tables, label: _Labels, names: list[str], by_name: bool, oriented: _Oriented
) -> _Joined:
    """The omics (and the labels) joined into one row per sample: by sample
    name as ``join`` says, or by position (every omic with as many rows)."""
    files, tables, label_ids = found.files, found.tables, label.ids
    target = label.codes
    samples = _Samples(None, pd.Index([]), pd.Index([]))
    if by_name:
        _refuse_repeated_samples(request, found, names, oriented.uncut)
        indexes = [tables[k].index for k in names]
        sources = [str(files[k]) for k in names]
        if label_ids is not None and not request.keep_unlabelled:
            indexes.append(label_ids)
            sources.append(str(label.file))
        if request.join == "outer":
            samples = _outer_samples(request, found, label, names, indexes, sources)
        else:
            samples = _common_samples(request, label, names, indexes, sources)
        blocks = [tables[k].reindex(samples.kept) for k in names]
        index = pd.Index(samples.kept, dtype=object, name="sample")
        if target is not None and label_ids is not None:
            target = target.reindex(samples.kept) if request.keep_unlabelled else target.loc[samples.kept]
    else:
        rows = {str(files[k]): tables[k].shape[0] for k in names}
        if len(set(rows.values())) > 1:
            raise ValueError(
                "The omic tables have different numbers of rows and no sample names to "
                f"match them by ({', '.join(f'{f}: {n}' for f, n in rows.items())}); add a "
                "first column of sample names, or pass transpose=True for features x "
                "samples files."
            )
        blocks = [tables[k].reset_index(drop=True) for k in names]
        index = pd.RangeIndex(blocks[0].shape[0], name="sample")
    return _Joined(
        names, blocks, index, by_name, target, samples.not_listed, samples.no_data, oriented.n_other_types
    )


def _target_series(request: _Request, label: _Labels, joined: _Joined) -> pd.Series | None:
    """The labels of the joined samples as the Series ``label`` (int64 codes,
    float64 with NaN, or nullable Int64 with keep_unlabelled); refuses labels
    that are not one per sample. None without labels."""
    target, index = joined.target, joined.index
    if target is None:
        return None
    if len(target) != len(index):
        hint = ""
        if not label.named and len(target) + 1 == len(index) and label.table.shape[1] == 1:
            # the first label read as the header
            first = str(label.table.columns[0]).strip()
            labels_read = set(map(str, label.names)) if label.names is not None else {str(v) for v in target}
            code = pd.to_numeric(first, errors="coerce")  # a numeric code read as the header
            if first in labels_read or (np.isfinite(code) and float(code).is_integer()):
                hint = (
                    f" Its first line ({first!r}) looks like a label, read as the header: "
                    "add a header line (e.g. 'label'), or better a first column of "
                    "sample names with a header (e.g. 'sample,label')."
                )
        raise ValueError(
            f"{label.file} has {len(target)} labels but the omics have {len(index)} samples"
            + (
                " (matched by position: the omic tables have no sample names)."
                if not joined.by_name
                else "."
            )
            + hint
        )
    target = pd.Series(
        target.to_numpy(dtype=np.float64 if target.isna().any() else np.int64),
        index=index.copy(), name="label",
    )
    if request.keep_unlabelled:  # missing labels as <NA>, the codes as integers
        target = target.astype("Int64")
    return target


def _omics_bunch(
    request: _Request, found: _Tables, label: _Labels, joined: _Joined, *, return_X_y: bool, as_frame: bool
) -> Bunch | tuple[Any, Any]:
    """The Bunch (or ``(data, target)``) of the joined omics and labels, with
    its DESCR; warns of TCGA normal-tissue samples among them."""
    index, names = joined.index, joined.names
    frame = _omics_frame([b.set_axis(index, axis=0) for b in joined.blocks], names)
    frame.index = index
    normal = _tcga_normal_note(index)
    if normal:
        warnings.warn(f"{request.folder}: {normal}", UserWarning, stacklevel=user_stacklevel())
    return _make_bunch(
        frame=frame,
        target=joined.target,
        target_names=label.names,
        omic_names=names,
        descr=_description(request, found, label, joined, normal),
        as_frame=as_frame,
        return_X_y=return_X_y,
        not_read=[found.files[k].name for k in found.text_only],
    )


def _description(request: _Request, found: _Tables, label: _Labels, joined: _Joined, normal: str) -> str:
    """The DESCR of the result: the omics, how their samples were matched, the
    labels, the samples left out and the tables not read."""
    files, index, target = found.files, joined.index, joined.target
    descr = [f"Multi-omics data read from the folder {request.folder}", ""]
    descr += [
        f"  {k}: {t.shape[1]} features ({files[k].name})"
        for k, t in zip(joined.names, joined.blocks, strict=True)
    ]
    descr.append(
        f"Samples: {len(index)} ("
        + (f"matched by name, join={request.join!r}" if joined.by_name else "matched by position")
        + ")"
    )
    if target is not None:
        descr.append(
            f"Labels from {label.file.name}: {_label_counts(target.dropna(), label.names)}"
        )
    if normal:
        descr.append(f"Note: {normal}")
    descr += _left_out_lines(request, label, joined)
    if joined.by_name and request.join == "outer":
        lacking = [
            f"{k} {int(b.isna().all(axis=1).sum())}"
            for k, b in zip(joined.names, joined.blocks, strict=True)
        ]
        descr.append(f"Samples lacking each omic (join='outer'): {', '.join(lacking)}")
    if found.text_only:
        descr.append(
            f"Not read (no numbers): {', '.join(files[k].name for k in found.text_only)}"
        )
    if found.annotations:
        descr.append(
            "Not read (sample annotations, mutation lists or manifests: not omics): "
            + ", ".join(files[k].name for k in found.annotations)
        )
    if found.derived:
        descr.append(f"Not read (derived from another table): {', '.join(files[k].name for k in found.derived)}")
    if found.passed_over:
        descr.append(
            f"Not read (label files; the labels came from {label.file.name}): "
            + ", ".join(found.passed_over)
        )
    return "\n".join(descr) + "\n"


def _left_out_lines(request: _Request, label: _Labels, joined: _Joined) -> list[str]:
    """The lines of DESCR on the samples kept without labels and left out
    (other sample types, without a label, not listed by the labels, no data)."""
    label_file, label_ids, target, index = label.file, label.ids, joined.target, joined.index
    not_listed, no_data = joined.not_listed, joined.no_data
    n_unlabelled, n_not_listed = label.n_unlabelled, len(not_listed)
    descr = []
    if request.keep_unlabelled and target is not None and target.isna().any():
        descr.append(
            f"Unlabelled: {int(target.isna().sum())} sample(s) that {label_file.name} "
            "does not list or lists without a label (kept: keep_unlabelled=True)"
        )
        n_unlabelled = n_not_listed = 0
    if joined.n_other_types:
        descr.append(
            f"Left out: {joined.n_other_types} sample(s) of other sample types than "
            f"{_types_text(request.sample_types)} (by their barcodes)"
        )
    if n_unlabelled:
        descr.append(
            f"Left out: {n_unlabelled} sample(s) without a label in {label_file.name}"
        )
    if n_not_listed:
        # names the labels spell otherwise (TCGA.3C.AAAU for TCGA-3C-AAAU): said,
        # not matched
        unmatched = label_ids[~label_ids.isin(index)]
        respelled = _spelling_hint(
            [[str(s) for s in not_listed], [str(s) for s in unmatched]], 0, "labelled"
        ) if len(not_listed) and len(unmatched) else ""
        descr.append(
            f"Left out: {n_not_listed} sample(s) of the omic tables that {label_file.name} "
            "does not list" + (f".{respelled}" if respelled else "")
        )
    if len(no_data):
        descr.append(
            f"Left out: {len(no_data)} labelled sample(s) that no omic table lists "
            f"(e.g. {', '.join(map(repr, [str(s) for s in no_data[:3]]))})"
        )
    return descr



@overload
def load_omics_tables(
    path: _PathLike,
    *,
    labels: _PathLike | Literal[False] | None = ...,
    label_column: str | None = ...,
    omics: Sequence[str] | None = ...,
    transpose: bool | Literal["auto"] = ...,
    join: Literal["strict", "inner", "outer"] = ...,
    sample_name_length: int | None = ...,
    sample_types: str | Collection[str] = ...,
    keep_unlabelled: bool = ...,
    return_X_y: Literal[False] = ...,
    as_frame: bool = ...,
) -> Bunch: ...
@overload
def load_omics_tables(
    path: _PathLike,
    *,
    labels: _PathLike | Literal[False] | None = ...,
    label_column: str | None = ...,
    omics: Sequence[str] | None = ...,
    transpose: bool | Literal["auto"] = ...,
    join: Literal["strict", "inner", "outer"] = ...,
    sample_name_length: int | None = ...,
    sample_types: str | Collection[str] = ...,
    keep_unlabelled: bool = ...,
    return_X_y: Literal[True],
    as_frame: bool = ...,
) -> tuple[Any, Any]: ...
@overload
def load_omics_tables(
    path: _PathLike,
    *,
    labels: _PathLike | Literal[False] | None = ...,
    label_column: str | None = ...,
    omics: Sequence[str] | None = ...,
    transpose: bool | Literal["auto"] = ...,
    join: Literal["strict", "inner", "outer"] = ...,
    sample_name_length: int | None = ...,
    sample_types: str | Collection[str] = ...,
    keep_unlabelled: bool = ...,
    return_X_y: bool,
    as_frame: bool = ...,
) -> Bunch | tuple[Any, Any]: ...


@validate_params(
    {
        "path": [str, os.PathLike],
        "labels": [str, os.PathLike, None, Options(bool, {False})],
        "label_column": [str, None],
        "omics": ["array-like", None],
        "transpose": ["boolean", StrOptions({"auto"})],
        "join": [StrOptions({"strict", "inner", "outer"})],
        "sample_name_length": [_Count(1), None],
        "sample_types": [str, Collection],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_omics_tables(
    path: _PathLike,
    *,
    labels: _PathLike | Literal[False] | None = None,
    label_column: str | None = None,
    omics: Sequence[str] | None = None,
    transpose: bool | Literal["auto"] = "auto",
    join: Literal["strict", "inner", "outer"] = "strict",
    sample_name_length: int | None = None,
    sample_types: str | Collection[str] = "all",
    keep_unlabelled: bool = False,
    return_X_y: bool = False,
    as_frame: bool = True,
) -> Bunch | tuple[Any, Any]:
    """Load a folder of named omic tables, one file per omic, and their labels.

    Every ``*.csv``, ``*.tsv``, ``*.txt`` or ``*.tab`` file of the folder (each
    optionally compressed, ``.csv.gz``), LinkedOmics' ``*.cct``/``*.cbt`` and
    GCT ``*.gct`` files, with a header row, is read (a GEO series matrix file:
    the table between its ``!series_matrix_table_begin`` and ``_end`` lines),
    and so is a file without an ending whose first line is split by tabs
    (UCSC Xena's ``HiSeqV2``, ``HiSeqV2.gz``); other files that may hold data
    (``.xlsx``, a comma table without an ending) are named in a warning, hidden
    files are ignored, and two tables whose names differ by a
    copy's mark (``mrna.tsv`` and ``mrna (1).tsv``) are refused. The file name
    without its ending is the omic's name (``mrna.csv.gz`` -> ``"mrna"``) and
    the header gives the feature names. Values are separated by commas, tabs
    or semicolons, whichever the header line uses (where it uses several, as
    in a semicolon table with a feature named 2,3-butanediol, the one that
    splits every line alike); a header without a field for the
    row names and space-separated tables (R's ``write.table``) are understood.
    Numbers written with commas: in semicolon tables decimal commas ("0,5",
    "9,877", as spreadsheets write them in many locales); in comma tables
    thousands separators ("1,234", quoted); in tab tables decimal commas, or
    thousands separators where the values say so (1,234,567; 1,234 beside
    whole numbers below 1000 written without one); a table whose numbers
    could be either (every one 5,877: 5877 or 5.877?) is an error naming
    both readings, never an omic silently left out. A name repeated in the
    header row is an error, and so are a table without its header row (its
    first line numbers that lie among the values below them), a header row
    without data rows, and two files of one name with different endings
    (``mrna.csv`` and ``mrna.csv.gz``). This is the layout of the data bundled
    with skpoems (``mrna.csv.gz``, ``methylation.csv.gz``, ``mirna.csv.gz``,
    ``labels.csv``) and of most exports from R or pandas. Rows of bare
    separators (``,,,,``) are ignored; a table that is not UTF-8 (UTF-16,
    Latin-1) is an error that says so.

    * Sample names: a first column with an empty header or non-numeric values
      holds the sample names (TCGA barcodes, say), and so does a first column
      of numbers under a header that names ids (``patient_id``, ``sample``,
      ``Sample ID``, ``subject``, ``SubjectNo``, ...; read as text, so
      ``00123`` keeps its zeros) or whose numbers the labels list as sample
      names. A first column of whole numbers, all different, under another
      header (``index``) holds sample names where another file's first
      column holds the same numbers, or at least half of them under the same
      header; under the same header but with fewer in common (ids that
      differ, or a count that is a feature?) it is an error that says how to
      head a column of ids. Spaces around names and labels
      are dropped, and so is an empty last column (a separator at the end of
      every line, or of every data row but not of the header; data rows with
      a value beyond a header that has a field for the row names are an
      error, and so is a line of fewer fields than the table's, whose values
      could not be matched to their columns). Omics with sample names are
      matched by name (see ``join``); without them, rows are matched by
      position, so every omic must list the same samples in the same order.
    * Orientation: with ``transpose="auto"`` a table whose header, rather than
      its first column, holds the sample names of the labels (or, without
      labels, the names all omics share) is read as features x samples; its
      first column names the features, numbers too (Entrez gene ids).
      Without labels, omics that also share feature names (mRNA and copy
      numbers, both by gene) share names along both axes: that is refused
      rather than guessed; pass ``transpose`` or labels. Without labels,
      formats that are features x samples by definition are read so (a GEO
      series matrix, LinkedOmics' ``.cct``/``.cbt``, GCT, and tables with
      cBioPortal's ``Hugo_Symbol``, ``Entrez_Gene_Id`` columns), and so is
      a table whose header holds sample ids by their shape (TCGA and TARGET
      barcodes, GEO's GSM ids) and whose rows do not (or the other way round).
    * Labels: ``labels`` names the label file; by default the one table whose
      name starts with ``label`` (``labels.csv``, ``label.csv.gz``), else the
      one table of the folder that holds no numbers (e.g. ``diet.csv``). A
      label table is one column of labels (class names or integer codes),
      optionally after a column of sample names; two columns of integer codes
      ``0 .. C-1`` and one class name per code (``pam50_code, pam50``); or one
      0/1 column per class (one-hot). ``label_column`` picks one column of any
      other table.
    * Other tables that hold no numbers (sample annotations) are not read as
      omics; ``DESCR`` lists them. Neither are tables of numbers named as
      sample annotations (``survival.csv``, ``TCGA-BRCA.survival.tsv``,
      ``clinical_data.csv``: a word of the name), with a warning; ``omics``
      reads them. Tables that mix numeric and text columns are passed over
      with a warning when their name says sample annotations, when they are a
      mutation list (MAF columns such as ``Tumor_Sample_Barcode``) or a
      download manifest (``filename``, ``md5``), or when words fill at least
      half of their columns and the name does not say a measurement (cBioPortal's
      ``data_timeline_*.txt``); other such tables (an omic with a stray text
      column, MaxQuant's ``proteinGroups.txt`` with its name columns) are
      errors, all named in one message. Gene-annotation columns after the first column of a
      features x samples table (``Entrez_ID``, ``Symbol``, ``Ensembl``,
      ``Description``, ...) are not samples. The one such table is taken for the labels
      only where it names some of the omics' samples (or, without sample
      names, has as many rows): a ``README.txt`` is not. Files with other
      endings (``README.md``, ``LICENSE``) are ignored. With ``omics`` given,
      the other tables are not required to be readable or numeric. A table
      read as text whose cells are mostly numbers (a missing-value marker such
      as ``-`` in every column, or a second header line) is an omic that cannot
      be read: ValueError naming the cell, rather than a cohort without it.
    * A label column that names most samples of an omic but repeats a name or
      has a blank is refused (it cannot be matched by name, and matching by
      position would pair labels with other patients). A label ``.`` (or
      TCGA's ``[Not Available]``, ``[Unknown]``, ..., GDC's ``not reported``) is a
      missing label, and a first column ``1 .. n`` with an empty header (R's
      ``write.csv``) before a column of sample names is dropped.

    Parameters
    ----------
    path : str or path-like
        The folder.
    labels : str, path-like, None or False, default=None
        The label file: a name in the folder or a path. A GEO series matrix
        gives the ``!Sample_characteristics`` of its samples (``subtype: LumA``:
        a column ``subtype``) and is still read as an omic. None: found as above;
        no labels when the folder has none. False: read no labels, even where
        the folder has them (e.g. to embed new samples: every sample of the
        omic tables is kept, labelled or not).
    label_column : str, default=None
        The column of the label table that holds the labels.
    omics : sequence of str, default=None
        The omics to read, by name (the file name without its ending) and in
        this order. None: every table of the folder that holds numbers, in
        alphabetical order of the file names.
    transpose : bool or "auto", default="auto"
        True: every omic file is features x samples; False: samples x features;
        "auto": decided per file from the sample names of the labels, else those
        all omics share, the known formats that are features x samples, and a
        first column headed as features (``gene``, ``probe_id``); samples x
        features when there is nothing to go by.
    join : {"strict", "inner", "outer"}, default="strict"
        With sample names: ``"strict"`` requires every omic and the labels to
        list the same samples (any order); ``"inner"`` keeps the samples present
        in every omic and labelled; ``"outer"`` keeps every labelled sample of
        any omic, and a sample that an omic's file lacks gets a row of NaN for
        that omic: a missing omic, which the models handle (cohorts where not
        every patient was profiled for every omic). The samples keep the order
        of the first omic (then those only in later omics). An empty label
        counts as no label.
    sample_name_length : int, default=None
        Cut every sample name (of the omics and the labels) to its first this
        many characters before matching them: TCGA tables name a patient with
        12 characters (``TCGA-A1-A0SB``) and a sample with 15 or 16
        (``TCGA-A1-A0SB-01``, ``...-01A``), and files from different portals cut
        them differently (an error names the length that would match them). Two
        samples that become one name (a patient's tumour and normal samples at
        12 characters) are an error. None: names as they are. (TCGA barcodes
        are matched in their defined form, upper case with ``-``, whatever the
        file wrote: ``tcga-a1-a0sb`` and ``TCGA.A1.A0SB`` are ``TCGA-A1-A0SB``.)
    sample_types : {"all", "tumor", "normal"} or collection of str, default="all"
        The samples of the omic tables to keep, by the sample type of their
        TCGA or TARGET barcode (characters 14-15: 01-09 and 40-42 tumour, 10-19 normal),
        before the names are cut (``sample_name_length``): ``"tumor"``,
        ``"normal"`` or two-digit codes (``["01"]``: primary tumours). A
        portal's table of a cohort (Xena, Firehose, cBioPortal) holds the normal
        tissue of some patients beside the tumours, which clusters would part
        from the tumours rather than tumour subtypes. Label rows named by a
        sample barcode of another type are left out too; labels named by
        patient (12 characters) are kept. Every omic table must name its
        samples by such barcodes.
    keep_unlabelled : bool, default=False
        With labels matched by name: keep the samples of the omic tables that
        the label file does not list, or lists without a label, rather than
        leaving them out; their ``target`` is missing (``<NA>`` in a nullable
        ``Int64`` Series, NaN in the float array of ``as_frame=False``), and
        ``join`` matches the omics alone. For uses where the labels only check
        an unsupervised result (``skpoems discover`` clusters every sample).
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame with ``("omic", "feature")``
        MultiIndex columns and the sample names (or 0, 1, ...) as its index
        (named ``"sample"``), and ``target`` a Series named ``"label"``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``, ``target`` (int64 codes, or None without labels),
        ``target_names`` (class names in code order, or None for numeric
        labels), ``omic_names``, ``omic_dims``, ``feature_names``,
        ``sample_names`` (the rows' names, also where ``data`` is an array) and
        ``DESCR``, as for the other loaders, and ``not_read``: the files of tables without
        numbers that were not read as omics (possible label files).
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        For a missing folder, a folder without numeric tables, a table that
        mixes numbers with text columns, omics or labels that disagree on the
        samples (by name with ``join="strict"``, or by count when matched by
        position), an unknown omic or label column, or labels that cannot be
        told apart from the omics. Every message names the file.

    See Also
    --------
    load_omics_folder : The headerless MOGONET/MOCSS layout (``1_all.csv``, ...).
    load_omics_files : Named tables given one by one.

    Notes
    -----
    The values are read as they are: scale the features (e.g. min-max, as the
    POEMS paper does) on the training samples only. Empty cells and ``NA`` are
    NaN; a sample whose values of one omic are all NaN lacks that omic.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from skpoems.datasets import load_omics_tables
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ids = pd.Index(["p1", "p2", "p3"], name="patient")
    >>> pd.DataFrame({"g1": [1.0, 2, 3], "g2": [0.5, 0, 1]}, index=ids).to_csv(folder / "mrna.csv")
    >>> pd.DataFrame({"p3": [7.0], "p1": [5.0], "p2": [6.0]}, index=["mir1"]).to_csv(folder / "mirna.csv")
    >>> pd.DataFrame({"code": [0, 1, 0], "subtype": ["LumA", "Basal", "LumA"]},
    ...              index=ids).to_csv(folder / "labels.csv")
    >>> cohort = load_omics_tables(folder)
    >>> cohort.omic_names, cohort.omic_dims, cohort.target_names.tolist()
    (['mirna', 'mrna'], (1, 2), ['LumA', 'Basal'])
    >>> cohort.data.index.tolist()  # the order of the first omic, mirna.csv
    ['p3', 'p1', 'p2']
    >>> cohort.data["mirna"]["mir1"].tolist(), cohort.data["mrna"]["g1"].tolist()
    ([7.0, 5.0, 6.0], [3.0, 1.0, 2.0])
    >>> cohort.target.tolist()
    [0, 0, 1]
    """
    keep_sample = sample_type_filter(sample_types)  # (checks sample_types)
    request = _Request(
        Path(path), labels, label_column, omics, transpose, join, sample_name_length, sample_types,
        keep_unlabelled, keep_sample,
    )
    # the folder's tables, sorted into omics and others
    files = _table_files(request.folder)
    _warn_unread_files(request)
    choice = _choose_label_file(request, files)
    _refuse_copies(request, choice.files)
    found = _sort_tables(request, choice, _read_tables(request, choice.files, choice.label_file))
    _refuse_per_sample_files(request, found)
    if omics is None:
        found.derived = _drop_derived_tables(found)
    label_file = _label_file_among_others(request, found, choice.label_file)
    _refuse_text_omics(request, found)
    _select_omics(request, found)
    # the labels, and the sample names of the omics and the labels
    label = _read_labels(label_file, label_column)
    id_columns = _use_id_columns(request, found, label)
    _canonical_sample_names(found)
    if label.file is not None:
        _label_rows(request, found, label)
        _drop_unlabelled(request, found, label)
        _label_codes(request, label)
    _name_by_numeric_first_column(request, found, label)
    _refuse_id_clashes(found, label, id_columns)
    # the omics as samples x features, joined with the labels
    oriented = _samples_x_features(request, found, label)
    names = list(found.tables)
    _refuse_repeated_features(found, names)
    by_name = _matched_by_name(request, found, label, names)
    joined = _join_omics(request, found, label, names, by_name, oriented)
    joined.target = _target_series(request, label, joined)
    return _omics_bunch(request, found, label, joined, return_X_y=return_X_y, as_frame=as_frame)
