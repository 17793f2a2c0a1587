"""Loaders for users' own copies of multi-omics data (MOGONET/MOCSS/POEMS layouts)."""

from __future__ import annotations

import contextlib
import csv
import itertools
import lzma
import os
import re
import warnings
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

from .._params import _Count
from ..utils._warnings import user_stacklevel
from ._base import _make_bunch, _omics_frame, open_text, strip_compression

__all__ = ["load_omics_folder", "load_omics_files"]

#: numbered omic files, optionally compressed (callers detect the layout by it)
_NUMBERED_FILE = re.compile(r"^(\d+)_(all|tr|te|featname)\.csv(?:\.gz|\.bz2|\.xz)?$")
_LABEL_FILE = re.compile(r"^labels_(all|tr|te)\.csv(?:\.gz|\.bz2|\.xz)?$")
#: names of that layout in a format that is not read (1_all.xlsx, 3_all.csv.zip)
_LAYOUT_NAME = re.compile(
    r"^(?:\d+_(?:all|tr|te|featname)|labels_(?:all|tr|te))"
    r"\.(?:csv\.(?:zip|zst)|xlsx|xls|tsv|txt|parquet|feather|h5|rds)(?:\.(?:gz|bz2|xz|zip))?$",
    re.IGNORECASE,
)
#: the strings that pandas.read_csv reads as missing by default (as the data files
#: and load_omics_tables' label tables are read)
_MISSING_VALUES = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
     "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)
_PathLike = str | os.PathLike[str]

#: missing-value markers of label tables that pandas reads as text: SAS's and
#: Stata's ".", TCGA's clinical placeholders, GDC's "not reported" and "'--"
_MISSING_LABELS = frozenset({
    ".", "[not available]", "[unknown]", "[not evaluated]", "[not applicable]", "[discrepancy]",
    "[not reported]", "[completed]", "not reported", "--", "'--",
})


def _dots_as_missing(table: pd.DataFrame) -> pd.DataFrame:
    """A label table whose "." cells (a missing value as SAS, Stata and many
    clinical exports write it; pandas reads it as text) or TCGA's and GDC's
    placeholders (``[Not Available]``, ``not reported``, ...) are missing: a
    sample without a label, never a class named so."""
    out = table
    for j in range(table.shape[1]):
        values = table.iloc[:, j]
        if pd.api.types.is_numeric_dtype(values):
            continue
        text = values.astype("string").str.strip().str.lower()
        dot = text.isin(_MISSING_LABELS).fillna(False).to_numpy(dtype=bool)
        if dot.any():
            if out is table:
                out = table.copy()
            out.iloc[:, j] = values.mask(dot)
    return out


# --------------------------------------------------------------------------- #
# file readers
# --------------------------------------------------------------------------- #
def _not_utf8(file: Path, exc: UnicodeDecodeError) -> ValueError:
    return ValueError(
        f"{file} is not UTF-8 text ({exc.reason}: byte "
        f"{exc.object[exc.start:exc.end]!r}). Save it as UTF-8 (in Excel: CSV UTF-8)."
    )


def _read_rows(file: Path, n_rows: int | None = None) -> list[list[str]]:
    """The CSV rows of a file (its first ``n_rows``, if given): UTF-8 with or
    without a byte order mark, gunzipped when the name ends in ``.gz``."""
    with _reading(file), open_text(file, encoding="utf-8-sig", newline="") as fh:
        return list(itertools.islice(csv.reader(fh), n_rows))


@contextlib.contextmanager
def _reading(file: Path):
    """Errors of reading the CSV rows of ``file`` as ValueErrors that name it."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise _not_utf8(file, exc) from exc
    except _READ_ERRORS as exc:
        raise _unreadable(file, exc) from exc
    except csv.Error as exc:
        raise ValueError(f"{file} could not be read: {exc}") from exc


#: what reading a file raises where it cannot be read, or is no valid compressed
#: file (gzip.BadGzipFile is an OSError; a truncated one ends in an EOFError)
_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)
_COMPRESSION_NAMES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}


def _unreadable(file: Path, exc: BaseException, omic: str | None = None) -> ValueError:
    """The error for a file that could not be read (one of ``_READ_ERRORS``): a
    compressed one is not what its ending says, or is cut short (an interrupted
    download or copy)."""
    of_omic = f" (omic {omic!r})" if omic is not None else ""
    name = file.name.lower()
    ending = next((e for e in _COMPRESSION_NAMES if name.endswith(e)), None)
    missing = (FileNotFoundError, PermissionError, IsADirectoryError)
    if ending is None or isinstance(exc, missing):
        return ValueError(f"{file}{of_omic} could not be read: {exc}")
    kind = _COMPRESSION_NAMES[ending]
    return ValueError(
        f"{file}{of_omic} is not valid {kind} data, or is incomplete "
        f"({type(exc).__name__}: {exc}): an interrupted download or copy, or a file "
        f"named {ending} that is not {kind}-compressed? Download or compress it again "
        f"(or name it without {ending})."
    )


def _short_row(file: Path, fields: int, skip: int, sep: str = ",") -> tuple[int, int] | None:
    """(line number, number of fields) of the first line after the first ``skip``
    of a ``sep``-separated file that holds fewer than ``fields`` fields, or None.

    Blank lines are passed over (pandas skips them); an empty field between
    separators ("1,,3") is a missing value, not a short row. Lines with a quote
    are split by the csv module (a quoted field may hold commas or line breaks),
    the others by counting their commas, without building their fields.
    """
    with _reading(file), open_text(file, encoding="utf-8-sig", newline="") as fh:
        lines = iter(fh)
        line_no = 0
        for line in lines:
            line_no += 1
            start = line_no
            if '"' in line:
                reader = csv.reader(itertools.chain([line], lines), delimiter=sep)
                count = len(next(reader, []))
                line_no += reader.line_num - 1
            else:
                count = line.count(sep) + 1
            if start > skip and line.strip() and count < fields:
                return start, count
    return None


def _refuse_short_rows(file: Path, table: pd.DataFrame, fields: int, skip: int, sep: str = ",") -> None:
    """Refuse a ``sep``-separated table (read by pandas into ``table``, whose rows
    hold ``fields`` fields) with a line of fewer fields: pandas fills the missing
    fields of such a row with NaN, so a separator or value lost in the middle of
    a line would silently move the values after it into other columns. A short
    line leaves its last column missing: the file is read again only where the
    last column holds a missing value."""
    if table.shape[1] == 0 or not table.iloc[:, -1].isna().any():
        return
    # a separator ending the header line alone: an empty last column (dropped
    # later) that the lines one field short lack, and nothing else
    if str(table.columns[-1]).startswith("Unnamed:") and table.iloc[:, -1].isna().all():
        fields -= 1
    short = _short_row(file, fields, skip, sep)
    if short is not None:
        line_no, count = short
        kind = {",": "comma", "\t": "tab", ";": "semicolon"}.get(sep, repr(sep))
        raise ValueError(
            f"{file}, line {line_no}: {count} {kind}-separated field(s) where the "
            f"table has {fields}: a value or a separator is missing, and the values of "
            "that line cannot be matched to their columns. Write a missing value as an "
            "empty field between separators (1,,3) or as NA, keeping every line's "
            "separators."
        )


def _without_empty_last_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A table without the empty, unnamed last columns that a separator at the
    end of every line (the header's too: a spreadsheet export) makes."""
    while (
        table.shape[1] > 1 and str(table.columns[-1]).startswith("Unnamed:")
        and table.iloc[:, -1].isna().all()
    ):
        table = table.iloc[:, :-1]
    return table


#: headers of a first column that holds sample ids, even numeric ones: sample_id,
#: Sample ID, patient, barcode, subject, SubjectNo, Patient No., ...
_ID_HEADER = re.compile(
    r"^(?:(?:sample|patient|subject|case|donor|specimen|individual|participant|barcode|mouse|animal)"
    r"(?:[ _.-]?(?:id|ids|name|names|barcode|barcodes|sample|samples|patient|patients|no|nr|num|number)\.?)?"
    r"|[ _.-]?(?:id|ids|name|names|barcode|barcodes|sample|samples|patient|patients))$",
    re.IGNORECASE,
)
#: headers of a first column that holds feature names: gene, gene_symbol,
#: probe_id, symbol, ...
_FEATURE_HEADER = re.compile(
    r"^(?:(?:gene|feature|probe|cpg|mirna|transcript|protein)s?"
    r"(?:[ _.-]?(?:id|ids|name|names|symbol|symbols))?|symbols?)$",
    re.IGNORECASE,
)


def _is_id_header(header: Any) -> bool:
    return isinstance(header, str) and bool(_ID_HEADER.match(header.strip()))


def _one_field_more(
    file: Path, table: pd.DataFrame, first_row: Sequence[str] | None
) -> pd.DataFrame:
    """A table whose data rows hold one field more than its header row, as
    ``pandas.read_csv`` reads it: the first field of every row becomes the index
    and the header's names go over the other fields (``table``). ``first_row``:
    the fields of the first data row as written (None where not read).

    * The first data row ends with an empty field, and the last column is empty
      throughout, under a header whose first field names the rows (empty,
      sample, gene, ...): a separator at the end of every data row but not of
      the header (a script's or a spreadsheet's export). Returns the table as
      its header names it: the rows' names as the index, named by the header's
      first field, the other header names over their values, without the
      empty last column. Under another first field (``s1``) the file may as
      well be R's header with a last sample missing everywhere: ValueError.
    * The first data row ends with an empty field, other rows with a value,
      under a header whose first field names the rows: ValueError (which rows
      hold what cannot be told); under another first field, R's header with
      missing values (``write.table(na="")``): returns ``table``.
    * A value there: R's ``write.table``, whose header has no field for the row
      names. Returns ``table``, unless the header's first field names the row
      names' column (sample, sample_id, gene, ...) and holds numbers under
      names that are not R's row numbers: its rows then hold one value too many
      (ValueError).
    """
    last = table.iloc[:, -1]
    first = table.columns[0]
    names_rows = isinstance(first, str) and (
        first.startswith("Unnamed:") or _is_id_header(first) or bool(_FEATURE_HEADER.match(first.strip()))
    )
    if first_row is None or not first_row[-1].strip():
        if last.isna().all():
            if not (names_rows or first_row is None):
                raise ValueError(
                    f"{file}: its data rows hold one field more than its header row, the "
                    "last one empty in every row. Either a separator ends every data row "
                    f"(and the header's first field, {first!r}, names the rows), or the "
                    "header is R's, without a field for the row names, and its last "
                    f"column ({table.columns[-1]!r}) is empty in every row: the two "
                    "readings put every value under another name. Write the file so that "
                    "it says which: no separator at the end of the data rows, or a first "
                    "header field that names the rows (e.g. gene or sample)."
                )
            out = table.iloc[:, :-1].set_axis(table.columns[1:], axis=1)
            out.index = out.index.rename(first)
            return out
        if first_row is not None and names_rows:
            there = last.dropna()
            raise ValueError(
                f"{file}: its first data row ends with a separator (an empty field "
                f"beyond the {table.shape[1]} fields of its header row), but "
                f"{len(there)} other row(s) hold a value there (row "
                f"{there.index[0]!r}: {there.iloc[0]}): its rows hold more fields than "
                "its header row, so their values cannot be matched to the header's "
                "names. Write every row with one field per header field (a separator "
                "at the end of every row is read, and so is R's header without a "
                "field for the row names)."
            )
    values = table.iloc[:, 0]
    if (
        names_rows and not first.startswith("Unnamed:") and pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
        and not _is_row_index(table.index.to_numpy())
    ):
        raise ValueError(
            f"{file}: its data rows hold one field more than its header row (row "
            f"{table.index[0]!r}: {table.shape[1] + 1} fields, header: "
            f"{table.shape[1]}), whose first field {first!r} names the column of row "
            f"names: read as they are, {first!r} would be a column of numbers and "
            "every value would lie under the name of the column before its own. Write "
            "every row with one field per header field (a separator at the end of "
            "every row is read, and so is R's header without a field for the row "
            "names)."
        )
    return table


def _read_numbers(file: Path, skip_header: bool) -> np.ndarray:
    """Read a numeric CSV table (after its first line if ``skip_header``).

    Empty cells and ``NA`` become NaN. Any other non-numeric value is an error,
    and so is a line of fewer fields than the others. An empty last column
    after a separator that ends every line (``1,2,``) is dropped.
    """
    try:
        frame = pd.read_csv(
            file, header=None, skiprows=int(skip_header), dtype=np.float64,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{file} is empty.") from exc
    except pd.errors.ParserError as exc:
        raise ValueError(f"{file} could not be parsed as a CSV table: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise _not_utf8(file, exc) from exc
    except ValueError as exc:
        raise ValueError(
            f"{file} contains a non-numeric value ({exc}). The file must hold "
            "numbers only, one sample per line, with no header row and no index "
            "column."
        ) from exc
    except _READ_ERRORS as exc:
        raise _unreadable(file, exc) from exc
    if frame.shape[1] > 1 and frame.iloc[:, -1].isna().all():
        # a separator ending the lines (1,2,): no feature, where the first
        # data line's last field is empty (not NA)
        first = _read_rows(file, 1 + int(skip_header))[-1:]
        if first and first[0] and not first[0][-1].strip():
            frame = frame.iloc[:, :-1]
    _refuse_short_rows(file, frame, frame.shape[1], int(skip_header))
    return frame.to_numpy(dtype=np.float64)


def _other_separator(text: str) -> str | None:
    """The separator a line read as one comma-separated field uses instead
    ("tab" or "semicolon"), or None."""
    if "\t" in text:
        return "tab"
    if ";" in text:
        return "semicolon"
    return None


def _is_number_or_missing(cell: str) -> bool:
    """Whether a CSV cell holds a number or a missing-value marker (``NA``, an
    empty cell, ...), as data cells do, rather than a name, as header cells do."""
    if cell.strip() in _MISSING_VALUES:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_row_index(column: np.ndarray) -> bool:
    """Whether a column counts the rows: ``0 .. n-1`` or ``1 .. n``."""
    n = len(column)
    return n > 0 and any(
        np.array_equal(column, np.arange(start, n + start)) for start in (0, 1)
    )


def _read_matrix(file: Path) -> tuple[np.ndarray, list[str] | None]:
    """Read a numbered data file (samples x features) as float64.

    The file holds numbers only, without a header row. A table that pandas'
    ``DataFrame.to_csv`` wrote with its row index is also read: a header row
    whose first cell is empty, then a first column ``0 .. n-1`` (or ``1 .. n``),
    which is dropped. Returns the values and the header's feature names (None
    without a header, or for pandas' default column names ``0 .. p-1``).
    """
    first = next(iter(_read_rows(file, 1)), [])
    has_text = not all(_is_number_or_missing(cell) for cell in first)
    default_names = [str(j) for j in range(len(first) - 1)]
    written_by_pandas = len(first) > 1 and first[0].strip() in ("", "Unnamed: 0") and (
        has_text or first[1:] == default_names
    )
    if written_by_pandas:
        body = _read_numbers(file, skip_header=True)
        if body.shape[1] == len(first) and _is_row_index(body[:, 0]):
            names = first[1:]
            return np.ascontiguousarray(body[:, 1:]), (
                None if names == default_names else [name.strip() for name in names]
            )
    separator = _other_separator(first[0]) if len(first) == 1 else None
    if separator:
        raise ValueError(
            f"{file} is not comma-separated: its first line holds {separator}s "
            f"({first[0][:40]!r}). The numbered files are comma-separated "
            "(np.savetxt(file, X, delimiter=',') writes them so; numbers with "
            "decimal points, not commas)."
        )
    if has_text:
        cell = next(cell for cell in first if not _is_number_or_missing(cell))
        number = _NUMBERED_FILE.match(file.name).group(1)
        raise ValueError(
            f"{file} contains a non-numeric value in its first line ({cell!r}): a "
            "header row? The numbered files hold numbers only, one sample per line, "
            "with no header row and no index column. Remove the header row "
            "(np.savetxt(file, X, delimiter=',') or DataFrame.to_csv(file, "
            "header=False, index=False) write none) and put the feature names in "
            f"{number}_featname.csv, one per line."
        )
    return np.ascontiguousarray(_read_numbers(file, skip_header=False)), None


def _read_lines(file: Path, what: str) -> list[tuple[int, str]]:
    """Read a one-value-per-line CSV file: ``(line number, value)`` pairs.

    A blank line gives ``""``; blank lines at the end of the file are dropped.
    """
    values: list[tuple[int, str]] = []
    for line_no, row in enumerate(_read_rows(file), start=1):
        if len(row) > 1:
            raise ValueError(
                f"{file}, line {line_no}: found {len(row)} comma-separated "
                f"values; expected one {what} per line."
            )
        values.append((line_no, row[0].strip() if row else ""))
    while values and not values[-1][1]:
        values.pop()
    if not values:
        raise ValueError(f"{file} is empty.")
    return values


def _read_feature_names(file: Path) -> list[str]:
    """Read ``N_featname.csv``: one feature name per line, blank lines skipped."""
    return [name for _, name in _read_lines(file, "feature name") if name]


def _read_labels(file: Path) -> list[str]:
    """Read a label file, one label per line; refuse missing labels.

    A blank line, ``NA``, ``NaN``, ``null``, ... (pandas' missing values) is a
    sample without a label: the rows are matched by position, so that sample
    cannot be left out of the label file alone.
    """
    rows = _read_lines(file, "label")
    # (and ".", the missing value of SAS, Stata and clinical exports, as the
    # label tables of named folders read it)
    missing = [(line_no, value) for line_no, value in rows if value in _MISSING_VALUES or value == "."]
    if missing:
        lines = ", ".join(str(n) for n, _ in missing[:5]) + (", ..." if len(missing) > 5 else "")
        tokens = sorted({v for _, v in missing if v})
        read_as = (
            f" ({', '.join(map(repr, tokens))} read as missing; a class "
            "of that name must be renamed)" if tokens else ""
        )
        raise ValueError(
            f"{file}: {len(missing)} sample(s) have no label (line(s) {lines}){read_as}. The "
            "numbered layout matches labels to samples by position, so every sample "
            "needs a label: label them, or remove those lines from the label file and "
            "the same rows from every N_*.csv file."
        )
    return [value for _, value in rows]


#: more different whole numbers than this in a label column: a quantity, not class codes?
_MAX_NUMERIC_CLASSES = 20


def _encode_labels(
    values: Sequence[Any], source: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Turn raw labels into int64 codes.

    Numeric labels (``2``, ``2.0``, ``2.000000000000000000e+00``) must be integral
    and are returned as they are, with ``target_names=None``; more than
    ``_MAX_NUMERIC_CLASSES`` different numbers get a warning (an age read as
    classes). Any other labels are class names: the codes index into the sorted
    unique names.
    """
    try:
        numbers = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        names, codes = np.unique(np.asarray(values, dtype=str), return_inverse=True)
        return codes.astype(np.int64), names
    bad = ~np.isfinite(numbers) | (numbers != np.round(numbers))
    if bad.any():
        raise ValueError(
            f"{source}: numeric labels must be integer class codes; found "
            f"{numbers[bad][0].item()!r}."
        )
    distinct = np.unique(numbers)
    if len(distinct) > _MAX_NUMERIC_CLASSES:
        # (an age or a count picked as the label column: scored as classes, k-means
        # with that many clusters finds "agreement" in noise)
        warnings.warn(
            f"{source}: the labels are {len(distinct)} different whole numbers "
            f"({distinct[0]:.0f} to {distinct[-1]:.0f}), read as {len(distinct)} classes: a quantity "
            "(an age, a count, a time) rather than class codes? The evaluation scores labels as "
            "classes; pick a column of classes (subtypes, groups), or bin the quantity first.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return numbers.astype(np.int64), None


def _default_feature_names(omic_name: str, n_features: int) -> list[str]:
    """Return ``[f"{omic_name}_f000", ...]`` with at least three digits."""
    width = max(3, len(str(n_features - 1)))
    return [f"{omic_name}_f{j:0{width}d}" for j in range(n_features)]


def _check_omic_names(
    omic_names: Sequence[str] | None, n_omics: int, default: list[str]
) -> list[str]:
    """Validate user-given omic names, or return the defaults."""
    if omic_names is None:
        return default
    names = [str(name) for name in omic_names]
    if len(names) != n_omics:
        raise ValueError(
            f"omic_names has {len(names)} names but {n_omics} omics were found "
            f"({', '.join(default)})."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"omic_names must be unique; got {names}.")
    return names


# --------------------------------------------------------------------------- #
# MOGONET / MOCSS folder layout
# --------------------------------------------------------------------------- #
def _layout_files(folder: Path, pattern: re.Pattern[str]) -> dict[str, Path]:
    """The files of ``folder`` whose names match ``pattern``, keyed by their name
    without its compression ending; refuse a file present both plain and
    compressed."""
    files: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if pattern.match(entry.name) is None or not entry.is_file():
            continue
        key = strip_compression(entry.name)
        if key in files:
            raise ValueError(
                f"{files[key]} and {entry} both exist: keep only one of them."
            )
        files[key] = entry
    return files


def _scan_folder(folder: Path) -> tuple[int, dict[int, dict[str, Path]]]:
    """Find the numbered omic files of ``folder``; check the numbering.

    Returns the number of omics and, for each omic number, its files by kind
    (``"all"``, ``"tr"``, ``"te"``, ``"featname"``).
    """
    entries = [entry for entry in folder.iterdir() if entry.is_file()]
    readable = {
        entry.name.split(".")[0] for entry in entries
        if _NUMBERED_FILE.match(entry.name) or _LABEL_FILE.match(entry.name)
    }
    # a table in a format not read (3_all.xlsx) where no readable file of that
    # name is (a 3_all.tsv beside 3_all.csv, a backup 1_all.csv.bak are ignored)
    unread = sorted(
        entry.name for entry in entries
        if _LAYOUT_NAME.match(entry.name) and entry.name.split(".")[0] not in readable
    )
    if unread:  # an omic left out silently (the last one leaves no gap) is worse
        raise ValueError(
            f"{folder} holds {', '.join(unread)}, named like the numbered layout's files "
            "but not read: they are read as comma-separated .csv files, optionally "
            ".gz, .bz2 or .xz, named in lower case (1_all.csv, labels_all.csv.gz). "
            "Save them so, or move them out of the folder."
        )
    kinds: dict[int, dict[str, Path]] = {}
    for key, entry in _layout_files(folder, _NUMBERED_FILE).items():
        number_text, kind = _NUMBERED_FILE.match(key).groups()
        number = int(number_text)
        if number == 0 or number_text != str(number):
            raise ValueError(
                f"Unexpected file {entry}: omic files are numbered 1, 2, 3, ... "
                "without leading zeros."
            )
        kinds.setdefault(number, {})[kind] = entry

    data_numbers = sorted(n for n, k in kinds.items() if k.keys() & {"all", "tr", "te"})
    if not data_numbers:
        raise ValueError(
            f"No omic data files in {folder}: expected 1_all.csv, 2_all.csv, ... "
            "or 1_tr.csv and 1_te.csv, 2_tr.csv and 2_te.csv, ..."
        )
    for number in sorted(kinds):
        if number not in data_numbers:
            raise ValueError(
                f"{kinds[number]['featname']} has no matching data file "
                f"({number}_all.csv or {number}_tr.csv and {number}_te.csv)."
            )
    n_omics = data_numbers[-1]
    missing = sorted(set(range(1, n_omics + 1)) - set(data_numbers))
    if missing:
        found = ", ".join(str(n) for n in data_numbers)
        raise ValueError(
            f"Gap in the omic numbering of {folder}: found omics {found} but no "
            f"{missing[0]}_all.csv (nor {missing[0]}_tr.csv/{missing[0]}_te.csv). "
            "Omic files must be numbered 1, 2, ... without gaps."
        )
    return n_omics, kinds


def _choose_layout(
    folder: Path, n_omics: int, kinds: dict[int, dict[str, Path]]
) -> tuple[Literal["all", "split"], bool]:
    """Decide between the ``_all`` and the ``_tr``/``_te`` layout.

    Returns the layout and whether the ``_all`` files are also complete (then they
    must agree with the split files).
    """
    for number in range(1, n_omics + 1):
        has_tr, has_te = "tr" in kinds[number], "te" in kinds[number]
        if has_tr != has_te:
            present, absent = ("tr", "te") if has_tr else ("te", "tr")
            raise ValueError(
                f"{kinds[number][present]} exists but "
                f"{folder / f'{number}_{absent}.csv'} does not."
            )
    with_all = [n for n in range(1, n_omics + 1) if "all" in kinds[n]]
    with_split = [n for n in range(1, n_omics + 1) if "tr" in kinds[n]]
    complete_all = len(with_all) == n_omics
    complete_split = len(with_split) == n_omics
    if complete_split:
        return "split", complete_all
    if complete_all:
        return "all", False
    only_split = sorted(set(range(1, n_omics + 1)) - set(with_all))
    raise ValueError(
        f"Mixed layouts in {folder}: {with_all[0]}_all.csv exists but "
        f"{only_split[0]}_all.csv does not (omic {only_split[0]} only has "
        f"{only_split[0]}_tr.csv and {only_split[0]}_te.csv). Use N_all.csv for "
        "every omic, or N_tr.csv and N_te.csv for every omic."
    )


def _check_rows(sizes: dict[str, int], what: str) -> int:
    """Check that all files of one role hold the same number of samples."""
    (first_file, first_rows), *others = sizes.items()
    for file, rows in others:
        if rows != first_rows:
            raise ValueError(
                f"Inconsistent sample counts: {file} has {rows} rows but "
                f"{first_file} has {first_rows}. Every omic must list the same "
                f"{what}samples in the same order."
            )
    return first_rows


def _check_label_count(file: Path, n_labels: int, n_rows: int, data_file: Path) -> None:
    """Check that a label file has one label per sample."""
    if n_labels != n_rows:
        hint = (
            " (does the label file have a header row?)"
            if n_labels == n_rows + 1
            else ""
        )
        raise ValueError(
            f"{file} has {n_labels} labels but {data_file} has {n_rows} samples{hint}."
        )


def _header_names(
    read: Sequence[tuple[Path, list[str] | None]],
) -> tuple[Path, list[str]] | None:
    """The feature names that the header rows of one omic's files give, with the
    first file that gives them; the files that have a header must agree."""
    named = [(file, names) for file, names in read if names is not None]
    for file, names in named[1:]:
        if names != named[0][1]:
            raise ValueError(
                f"{file} and {named[0][0]} name different features in their header "
                "rows: every file of one omic must hold the same features."
            )
    return named[0] if named else None


def _read_all_layout(
    folder: Path, kinds: dict[int, dict[str, Path]], labels: dict[str, Path]
) -> tuple[list[np.ndarray], list[Path], list, list[str] | None, str]:
    """Read ``N_all.csv`` and ``labels_all.csv``.

    Returns the blocks, their files, their header names (see :func:`_header_names`),
    the raw labels (or None) and the label source.
    """
    stray = sorted(labels.keys() & {"labels_tr.csv", "labels_te.csv"})
    if stray:
        raise ValueError(
            f"Mixed layouts in {folder}: {labels[stray[0]].name} exists but the data "
            "files are N_all.csv; use labels_all.csv with N_all.csv."
        )
    sources = [kinds[number]["all"] for number in sorted(kinds)]
    read = [_read_matrix(file) for file in sources]
    blocks = [block for block, _ in read]
    n_rows = _check_rows(
        {str(f): b.shape[0] for f, b in zip(sources, blocks, strict=True)}, ""
    )
    label_file = labels.get("labels_all.csv", folder / "labels_all.csv")
    raw_labels = None
    if "labels_all.csv" in labels:
        raw_labels = _read_labels(label_file)
        _check_label_count(label_file, len(raw_labels), n_rows, sources[0])
    headers = [
        _header_names([(file, names)])
        for file, (_, names) in zip(sources, read, strict=True)
    ]
    return blocks, sources, headers, raw_labels, str(label_file)


def _read_split_layout(
    folder: Path,
    kinds: dict[int, dict[str, Path]],
    labels: dict[str, Path],
    also_all: bool,
) -> tuple[list[np.ndarray], list[Path], list, np.ndarray, list[str] | None, str]:
    """Read ``N_tr.csv``/``N_te.csv`` and their labels; stack train then test.

    When ``also_all``, the ``N_all.csv`` (and ``labels_all.csv``) files must agree.
    Returns the blocks, their files, their header names (see
    :func:`_header_names`), ``is_train``, the raw labels (or None) and the label
    source.
    """
    train_parts, test_parts, header_parts = [], [], []
    for number in sorted(kinds):
        tr_file, te_file = kinds[number]["tr"], kinds[number]["te"]
        (tr, tr_names), (te, te_names) = _read_matrix(tr_file), _read_matrix(te_file)
        if tr.shape[1] != te.shape[1]:
            raise ValueError(
                f"{tr_file} has {tr.shape[1]} columns but {te_file} has "
                f"{te.shape[1]}: both must hold the same features."
            )
        train_parts.append((tr_file, tr))
        test_parts.append((te_file, te))
        header_parts.append([(tr_file, tr_names), (te_file, te_names)])
    n_train = _check_rows({str(f): m.shape[0] for f, m in train_parts}, "training ")
    n_test = _check_rows({str(f): m.shape[0] for f, m in test_parts}, "test ")

    blocks, sources, headers = [], [], []
    for number, (tr_file, tr), (te_file, te), header in zip(
        sorted(kinds), train_parts, test_parts, header_parts, strict=True
    ):
        block = np.vstack([tr, te])
        if also_all:
            all_file = kinds[number]["all"]
            full, full_names = _read_matrix(all_file)
            if full.shape != block.shape or not np.allclose(
                full, block, rtol=1e-6, atol=1e-9, equal_nan=True
            ):
                raise ValueError(
                    f"{all_file} disagrees with {tr_file.name} followed by "
                    f"{te_file.name}: keep only one layout in the folder."
                )
            header.append((all_file, full_names))
        blocks.append(block)
        sources.append(tr_file)
        headers.append(_header_names(header))
    is_train = np.zeros(n_train + n_test, dtype=bool)
    is_train[:n_train] = True

    tr_label, te_label, all_label = (
        labels.get(name, folder / name)
        for name in ("labels_tr.csv", "labels_te.csv", "labels_all.csv")
    )
    has_tr, has_te = "labels_tr.csv" in labels, "labels_te.csv" in labels
    if has_tr != has_te:
        there, missing = (tr_label, te_label) if has_tr else (te_label, tr_label)
        raise ValueError(f"{there} exists but {missing} does not.")
    raw_labels = None
    label_source = f"{tr_label} and {te_label.name}"
    if has_tr:
        lab_tr = _read_labels(tr_label)
        lab_te = _read_labels(te_label)
        _check_label_count(tr_label, len(lab_tr), n_train, train_parts[0][0])
        _check_label_count(te_label, len(lab_te), n_test, test_parts[0][0])
        raw_labels = lab_tr + lab_te
    if "labels_all.csv" in labels:
        lab_all = _read_labels(all_label)
        if raw_labels is None:
            if not also_all:
                raise ValueError(
                    f"Mixed layouts in {folder}: {all_label.name} exists but the "
                    "data files are N_tr.csv/N_te.csv; provide labels_tr.csv and "
                    "labels_te.csv."
                )
            _check_label_count(
                all_label, len(lab_all), n_train + n_test, kinds[1]["all"]
            )
            raw_labels, label_source = lab_all, str(all_label)
        elif not _same_labels(lab_all, raw_labels):
            raise ValueError(
                f"{all_label} disagrees with {tr_label.name} followed by "
                f"{te_label.name}: keep only one layout in the folder."
            )
    return blocks, sources, headers, is_train, raw_labels, label_source


@overload
def load_omics_folder(
    path: _PathLike,
    *,
    omic_names: Sequence[str] | None = ...,
    return_X_y: Literal[False] = ...,
    as_frame: bool = ...,
) -> Bunch: ...
@overload
def load_omics_folder(
    path: _PathLike,
    *,
    omic_names: Sequence[str] | None = ...,
    return_X_y: Literal[True],
    as_frame: bool = ...,
) -> tuple[Any, Any]: ...
@overload
def load_omics_folder(
    path: _PathLike,
    *,
    omic_names: Sequence[str] | None = ...,
    return_X_y: bool,
    as_frame: bool = ...,
) -> Bunch | tuple[Any, Any]: ...


@validate_params(
    {
        "path": [str, os.PathLike],
        "omic_names": ["array-like", None],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_omics_folder(
    path: _PathLike,
    *,
    omic_names: Sequence[str] | None = None,
    return_X_y: bool = False,
    as_frame: bool = True,
) -> Bunch | tuple[Any, Any]:
    """Load a multi-omics folder in the layout that MOGONET and MOCSS distribute.

    The folder holds one headerless CSV file per omic, numbered from 1, with one
    sample per line and one feature per column. Two layouts are read:

    - all samples: ``1_all.csv``, ``2_all.csv``, ... and optionally
      ``labels_all.csv``;
    - a train/test split (MOGONET): ``1_tr.csv``, ``1_te.csv``, ``2_tr.csv``, ...
      and optionally ``labels_tr.csv``, ``labels_te.csv``. The Bunch then holds
      the training rows first, then the test rows, and ``is_train`` marks them.

    ``N_featname.csv`` (optional) gives omic ``N``'s feature names, one per line.
    Label files hold one label per line: numbers written as floats
    (``2.000000000000000000e+00``) become integer codes; other values are class
    names, encoded as indices into the sorted names (``target_names``).
    Every sample needs a label: the labels are matched to the samples by
    position, so a missing one (a blank line, ``NA``, ``NaN``, ``null``, ``None``
    ... as in :func:`pandas.read_csv`) is an error rather than a class.
    Any number of omics is read (``1_*``, ``2_*``, ... until the last one found);
    other files in the folder are ignored, except files named like these in
    another format (``3_all.xlsx``, ``3_all.csv.zip``), which are refused rather
    than left out.

    Every file may be compressed (``1_all.csv.gz``, ``labels_all.csv.gz``,
    ``2_all.csv.bz2``, ``3_all.csv.xz``; not both ``1_all.csv`` and
    ``1_all.csv.gz``) and is read as UTF-8, with
    or without a byte order mark (Excel's "CSV UTF-8"). A separator at the end
    of every line (``1,2,``) makes no feature; a line with fewer fields than
    the others is an error (empty fields, ``1,,3``, are missing values). A
    data file that :meth:`pandas.DataFrame.to_csv` wrote with its row index is
    also read: a
    header row with an empty first cell, then a first column ``0, 1, 2, ...``
    (or ``1, 2, 3, ...``). The index column is dropped and the header gives the
    feature names, unless ``N_featname.csv`` does (both must then agree) or the
    header is pandas' default ``0, 1, 2, ...``. Any other header row is an error.

    Parameters
    ----------
    path : str or path-like
        The folder.

    omic_names : array-like of str, default=None
        One name per omic, in file-number order. By default ``"omic1"``,
        ``"omic2"``, ... (matching the file numbers).

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``data`` is a :class:`pandas.DataFrame` whose columns are a
        :class:`pandas.MultiIndex` with levels ``("omic", "feature")`` (index: a
        RangeIndex named ``"sample"``) and ``target`` a :class:`pandas.Series`
        named ``"label"``. If False, both are ndarrays.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : {ndarray, DataFrame} of shape (n_samples, n_features)
            The omics side by side in file-number order (float64). Empty cells
            and ``NA`` are NaN.
        target : {ndarray, Series} of shape (n_samples,) or None
            Integer labels (int64); None when the folder has no label files.
        target_names : ndarray or None
            Sorted class names when the labels are not numeric, else None.
        omic_names : list of str
            Names of the omics.
        omic_dims : tuple of int
            Number of features of each omic.
        feature_names : ndarray of shape (n_features,)
            Feature names in column order: from ``N_featname.csv``, else from
            the data files' header row (see above), else ``"<omic name>_f000"``,
            ``"<omic name>_f001"``, ...
        sample_names : ndarray of shape (n_samples,)
            The rows' index in ``data`` (the files name no samples: 0, 1, ...).
        is_train : ndarray of shape (n_samples,) of bool or None
            True for the rows of ``N_tr.csv``; None for the ``_all`` layout.
        DESCR : str
            A short description of what was read.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` entries described above.

    Raises
    ------
    ValueError
        If the folder does not exist or holds no omic files, the numbering has
        a gap, the files disagree on the number of samples (between omics or
        with the labels), a ``N_featname.csv`` file has a different number of
        lines than ``N_*.csv`` has columns, a value is not numeric, a data file
        has a header row (other than pandas' with its row index), a line holds
        fewer fields than the others, a label is missing, a file is not UTF-8
        or is present both plain and as ``.gz`` (or is not valid ``.gz`` data),
        or the ``_all`` and ``_tr``/``_te`` files are mixed and disagree. Every
        message names the offending file.

    See Also
    --------
    load_omics_files : Load features x samples files with sample barcodes (KIRC).
    load_tcga_brca : The bundled TCGA BRCA data set.

    Notes
    -----
    When a folder holds both layouts for every omic, the ``_all`` files must
    equal the ``_tr`` rows followed by the ``_te`` rows (up to float rounding);
    the split layout is then returned. The paper's BRCA files are already scaled
    to [0, 1]; this loader never rescales.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from skpoems.datasets import load_omics_folder
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rng = np.random.default_rng(0)
    >>> np.savetxt(folder / "1_all.csv", rng.random((6, 4)), delimiter=",")
    >>> np.savetxt(folder / "2_all.csv", rng.random((6, 3)), delimiter=",")
    >>> np.savetxt(folder / "labels_all.csv", [0.0, 1, 2, 0, 1, 2])
    >>> omics = load_omics_folder(folder, omic_names=["mRNA", "miRNA"])
    >>> omics.data.shape, omics.omic_dims
    ((6, 7), (4, 3))
    >>> omics.target.tolist()
    [0, 1, 2, 0, 1, 2]
    >>> omics.feature_names[:2].tolist()
    ['mRNA_f000', 'mRNA_f001']
    >>> print(omics.is_train)
    None
    """
    folder = Path(path)
    if not folder.exists():
        raise ValueError(f"Folder not found: {folder}")
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder.")

    n_omics, kinds = _scan_folder(folder)
    layout, also_all = _choose_layout(folder, n_omics, kinds)
    names = _check_omic_names(
        omic_names, n_omics, [f"omic{n}" for n in range(1, n_omics + 1)]
    )
    labels = _layout_files(folder, _LABEL_FILE)
    if layout == "all":
        blocks, sources, headers, raw_labels, label_source = _read_all_layout(
            folder, kinds, labels
        )
        is_train = None
    else:
        blocks, sources, headers, is_train, raw_labels, label_source = (
            _read_split_layout(folder, kinds, labels, also_all)
        )

    frames = []
    for number, name, block, source, header in zip(
        sorted(kinds), names, blocks, sources, headers, strict=True
    ):
        features = _feature_names(
            name, block.shape[1], source, kinds[number].get("featname"), header
        )
        frames.append(pd.DataFrame(block, columns=pd.Index(features, dtype=object)))
    frame = _omics_frame(frames, names)
    frame.index = pd.RangeIndex(frame.shape[0], name="sample")

    target = target_names = None
    if raw_labels is not None:
        codes, target_names = _encode_labels(raw_labels, label_source)
        target = pd.Series(codes, index=frame.index.copy(), name="label")

    descr = _folder_descr(folder, layout, names, frame, sources, is_train, target)
    return _make_bunch(
        frame=frame,
        target=target,
        target_names=target_names,
        omic_names=names,
        descr=descr,
        as_frame=as_frame,
        return_X_y=return_X_y,
        is_train=is_train,
    )


def _feature_names(
    omic_name: str,
    n_features: int,
    source: Path,
    featname_file: Path | None,
    header: tuple[Path, list[str]] | None,
) -> list[str]:
    """An omic's feature names: from ``N_featname.csv``, else from the data files'
    header row, else the defaults; ``N_featname.csv`` and a header must agree."""
    if featname_file is None:
        return header[1] if header else _default_feature_names(omic_name, n_features)
    features = _read_feature_names(featname_file)
    if len(features) != n_features:
        raise ValueError(
            f"{featname_file} has {len(features)} names but {source} has "
            f"{n_features} columns."
        )
    if header is not None and header[1] != features:
        raise ValueError(
            f"{featname_file} and the header row of {header[0]} name different "
            "features: remove the header row or make them agree."
        )
    return features


def _same_labels(first: Sequence[str], second: Sequence[str]) -> bool:
    """Compare two label lists as numbers when possible, else as strings."""
    if len(first) != len(second):
        return False
    try:
        return bool(
            np.array_equal(
                np.asarray(first, dtype=np.float64),
                np.asarray(second, dtype=np.float64),
            )
        )
    except ValueError:
        return list(first) == list(second)


def _folder_descr(
    folder: Path,
    layout: str,
    names: list[str],
    frame: pd.DataFrame,
    sources: list[Path],
    is_train: np.ndarray | None,
    target: pd.Series | None,
) -> str:
    """Describe what :func:`load_omics_folder` read."""
    omics = frame.columns.get_level_values("omic")
    lines = [
        f"Multi-omics data read from {folder}",
        "",
        f"Layout: {'N_all.csv' if layout == 'all' else 'N_tr.csv + N_te.csv'}",
        f"Samples: {frame.shape[0]}"
        + (
            ""
            if is_train is None
            else f" ({int(is_train.sum())} train first, {int((~is_train).sum())} test)"
        ),
        "Omics:",
    ]
    for name, source in zip(names, sources, strict=True):
        lines.append(f"  {name}: {int((omics == name).sum())} features ({source.name})")
    if target is None:
        lines.append("Labels: none")
    else:
        values, counts = np.unique(target.to_numpy(), return_counts=True)
        table = ", ".join(f"{v}: {c}" for v, c in zip(values, counts, strict=True))
        lines.append(f"Labels (code: count): {table}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- #
# POEMS KIRC layout: features x samples with a header row of barcodes
# --------------------------------------------------------------------------- #
try:  # the strings that pandas.read_csv reads as missing by default
    from pandas._libs.parsers import STR_NA_VALUES as _NA_STRINGS
except ImportError:  # pragma: no cover
    _NA_STRINGS = _MISSING_VALUES


def check_header_unique(
    file: Path, sep: str = ",", skiprows: int = 0, fields: list[str] | None = None
) -> None:
    """Refuse a table whose header row lists a name twice.

    pandas reads a repeated header as ``"TCGA-01"`` and ``"TCGA-01.1"``, which
    would silently turn a sample or feature listed twice into two. ``fields``:
    the header line's fields when already read (as ``read_csv(..., dtype=str,
    keep_default_na=False)`` reads them); else it is read from ``file``.
    """
    if fields is None:
        header = pd.read_csv(file, sep=sep, header=None, nrows=1, dtype=str, skiprows=skiprows).iloc[0]
    else:  # pandas' own missing-value strings are no names, as read_csv reads them
        header = pd.Series([None if f in _NA_STRINGS else f for f in fields], dtype=object)
    repeated = header[header.duplicated() & header.notna()]
    if len(repeated):
        first = repeated.iloc[0]
        where = [int(i) + 1 for i in np.flatnonzero(header.to_numpy() == first)]
        if len(header) and str(header.iloc[0]).strip().lower() == "hybridization ref":
            raise ValueError(
                f"{file} is a TCGA Level 3 table as Firehose and the GDC legacy archive "
                f"ship it (its header starts 'Hybridization REF'): each sample, such as "
                f"{first!r} (columns {', '.join(map(str, where[:4]))}), has several columns, "
                "named in its second header row (methylation: Beta_value, Gene_Symbol, ...; "
                "miRNA: read_count, reads_per_million_miRNA_mapped, cross-mapped). Keep one "
                "column per sample (Beta_value, reads_per_million_miRNA_mapped or "
                "normalized_count) and drop the second header row, or use Firehose's "
                "preprocessed files, which hold one."
            )
        raise ValueError(
            f"{file} lists {first!r} more than once in its header row (columns "
            f"{', '.join(map(str, where))}): every sample and every feature must be "
            "listed once. Average the repeats or keep one of each."
        )


def _first_line(file: Path) -> str:
    """The first line of a text file (UTF-8, with or without a byte order mark),
    or "" when it cannot be read."""
    try:
        with open_text(file, encoding="utf-8-sig", newline="") as fh:
            return fh.readline()
    except (OSError, EOFError, UnicodeDecodeError):
        return ""


def _not_comma_separated(file: Path, separator: str) -> ValueError:
    excel = (
        " (an Excel export in a locale with decimal commas?)"
        if separator == "semicolon" else ""
    )
    return ValueError(
        f"{file} is not comma-separated: its header holds {separator}s{excel}. "
        "load_omics_files reads comma-separated tables (load_omics_tables "
        "also reads tab- and semicolon-separated ones, with decimal commas)."
    )


def _read_table(
    file: Path, transpose: bool, name: str, sample_name_length: int | None = None
) -> pd.DataFrame:
    """Read one omic table with sample and feature names; samples as rows (their
    names cut to ``sample_name_length`` characters, if given)."""
    if not file.is_file():
        raise ValueError(f"File not found for omic {name!r}: {file}")
    try:
        table = pd.read_csv(file, index_col=0)
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{file} is empty.") from exc
    except pd.errors.ParserError as exc:
        # a semicolon-separated file with decimal commas (Excel with a European
        # locale): its rows split at the commas into more fields than its header
        header = _first_line(file)
        separator = _other_separator(header) if "," not in header else None
        if separator:
            raise _not_comma_separated(file, separator) from exc
        raise ValueError(f"{file} could not be parsed as a CSV table: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise _not_utf8(file, exc) from exc
    except _READ_ERRORS as exc:
        raise _unreadable(file, exc, name) from exc
    if table.shape[1] == 0 or (table.shape[1] == 1 and _other_separator(str(table.columns[0]))):
        separator = _other_separator(f"{table.index.name}") or _other_separator(str(table.columns[0]))
        if separator:
            raise _not_comma_separated(file, separator)
    check_header_unique(file)
    rows = [row for row in _read_rows(file, 16) if row][:2]  # (pandas skips blank lines)
    if len(rows) == 2 and len(rows[1]) == len(rows[0]) + 1 == table.shape[1] + 1:
        # the data rows hold one field more than the header: pandas made their
        # first fields the index (a separator ending every data row, or R's header)
        table = _one_field_more(file, table, rows[1])
    table = _without_empty_last_columns(table)
    _refuse_short_rows(file, table, table.shape[1] + 1, 1)
    if transpose:
        table = table.T
    repeated = list(dict.fromkeys(str(c) for c in table.columns[table.columns.duplicated()]))
    if repeated:
        raise ValueError(
            f"{file} (omic {name!r}) names {len(repeated)} feature(s) more than once "
            f"({', '.join(map(repr, repeated[:5]))}{' ...' if len(repeated) > 5 else ''}): "
            "feature names must be unique. Average the repeated "
            f"{'rows' if transpose else 'columns'} (e.g. table.groupby(level=0).mean() on a "
            "features x samples table) or keep one of each."
        )
    try:
        table = table.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{file} contains a non-numeric value ({exc}). Expected "
            f"{'features x samples' if transpose else 'samples x features'} with "
            "the names in the first row and the first column."
        ) from exc
    table.index = pd.Index([str(s)[:sample_name_length] for s in table.index], dtype=object)
    table.columns = pd.Index([str(c) for c in table.columns], dtype=object)
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise ValueError(f"{file} holds no data (shape {table.shape}).")
    duplicated = table.index[table.index.duplicated()]
    if len(duplicated):
        cut = (
            f" after cutting the names to {sample_name_length} characters"
            if sample_name_length is not None else ""
        )
        raise ValueError(f"{file} lists sample {duplicated[0]!r} more than once{cut}.")
    return table


#: the patient part of a TCGA or TARGET barcode
_PATIENT_BARCODE = re.compile(r"(?:TCGA-\w{2}-\w{4}|TARGET-\w{2}-\w{6})(?=$|[-.])", re.IGNORECASE)


def _prefix_hint(indexes: Sequence[pd.Index], how: str = "e.g. table.index.str[:{length}]") -> str:
    """A hint when tables name the same samples at different lengths or cases.

    TCGA barcodes name a patient with 12 characters (``TCGA-A1-A0SB``) and a
    sample with 15 or 16 (``TCGA-A1-A0SB-01``, ``...-01A``); tables from different
    portals cut them differently. If cutting every table's names to one length
    makes many more of them common to all tables, say so; else nothing.
    """
    names = [[str(s) for s in index] for index in indexes]
    if len(names) < 2 or not all(names):
        return ""
    matched = len(set.intersection(*(set(n) for n in names)))
    spelling = _spelling_hint(names, matched)
    if spelling:
        return spelling
    # the names' lengths, where a part of them ends (TCGA-A1-A0SB|-01A|-11R) and
    # TCGA's patient, sample and sample-with-vial lengths (aliquot barcodes of 28)
    lengths = {len(s) for n in names for s in n} | {12, 15, 16}
    lengths |= {m.start() for n in names for s in n[:200] for m in re.finditer(r"[-_.|]", s)}
    # no cut into a TCGA or TARGET patient barcode (TCGA-A1-A0SB, TARGET-20-PABGKN):
    # shorter, different patients fall together
    patient = max((m.end() for n in names for s in n[:200] if (m := _PATIENT_BARCODE.match(s))), default=0)
    n_names = len({s for n in names for s in n})
    for length in sorted(lengths, reverse=True):
        if length < max(4, patient):
            break
        cut = [{s[:length] for s in n} for n in names]
        if n_names > 1 and len(set.union(*cut)) == 1:
            continue  # every name cut to one ("TCGA", "GSM1"): no sample in common, a prefix
        common = set.intersection(*cut)
        if len(common) > matched and len(common) >= min(map(len, cut)) / 2:
            key = sorted(common)[0]
            examples = list(dict.fromkeys(next(s for s in n if s[:length] == key) for n in names))
            merged = sum(len(set(n)) - len(c) for n, c in zip(names, cut, strict=True))
            return (
                f" The names agree in their first {length} characters "
                f"({' and '.join(map(repr, examples))}), which would make {len(common)} "
                f"samples common to all: cut them to one length first "
                f"({how.format(length=length)}). TCGA barcodes name a patient with 12 "
                "characters and a sample with 15 or 16."
                + (
                    f" At {length} characters {merged} name(s) of a table would fall together "
                    "with another of the same table (a patient's tumour and normal samples?): "
                    "keep one sample per patient first."
                    if merged else ""
                )
            )
    return "" if patient else _suffix_hint(names, matched)


def _suffix_hint(names: Sequence[Sequence[str]], matched: int) -> str:
    """A hint when the sample names of ``names`` (one list per file) agree before
    their last separator (``P1_RNA``, ``P10_miR``: each assay's suffix), which no
    one length cuts alike."""
    for sep in "_-.|":
        def stem(name: str, sep: str = sep) -> str:
            return name.rsplit(sep, 1)[0]

        if any(len({stem(s) for s in n}) < len(set(n)) for n in names):
            continue  # (names of one file that would fall together)
        agreeing = _agreeing(names, stem, matched)
        if agreeing is not None:
            n_common, examples = agreeing
            return (
                f" The names agree before their last {sep!r} ({' and '.join(map(repr, examples))}), "
                f"which would make {n_common} samples common to all: write each sample's name "
                f"alike in every file (pandas: table.index = table.index.str.rsplit({sep!r}, n=1).str[0] "
                "where the suffix names the assay)."
            )
    return ""


#: ways in which files spell the same sample names differently, and what the
#: names agree under: R's make.names (read.csv, data.frame) writes "-" as "."
_MAKE_NAMES = (
    "; R writes '-' in column names as '.' (make.names: read.csv and data.frame do so "
    "unless given check.names=FALSE)"
)
_RESPELLINGS = (
    (str.casefold, "when upper and lower case are not told apart", ""),
    (lambda s: s.replace(".", "-"), "when '.' is read as '-'", _MAKE_NAMES),
    (lambda s: s.replace(".", "-").casefold(), "when '.' is read as '-' and upper and "
     "lower case are not told apart", _MAKE_NAMES),
)


def _spelling_hint(names: Sequence[Sequence[str]], matched: int, common_to: str = "common to all") -> str:
    """A hint when the sample names of ``names`` (one list per file) agree in
    another case or with "." for "-" (R's make.names): they are not matched
    so, only named."""
    dots = any("." in s for n in names for s in n)
    for fold, how, why in _RESPELLINGS if dots else _RESPELLINGS[:1]:
        agreeing = _agreeing(names, fold, matched)
        if agreeing is not None:
            n_common, examples = agreeing
            return (
                f" The names agree {how} ({' and '.join(map(repr, examples))}{why}), which would "
                f"make {n_common} samples {common_to}: write them alike in every file "
                "(they are not matched otherwise)."
            )
    return ""


def _agreeing(names: Sequence[Sequence[str]], fold: Any, matched: int) -> tuple[int, list[str]] | None:
    """How many names all files of ``names`` (one list per file) share once
    written as ``fold`` writes them, and one such name as each file writes it,
    where that is more than the ``matched`` ones and at least half of a file's;
    else None."""
    folded = [{fold(s): s for s in n} for n in names]
    common = set.intersection(*(set(f) for f in folded))
    if len(common) > matched and len(common) >= min(map(len, folded)) / 2:
        key = sorted(common)[0]
        return len(common), list(dict.fromkeys(f[key] for f in folded))
    return None


#: a TCGA sample barcode's sample type (characters 14-15: 01-09 and 40-42 tumour, 10-19 normal)
_TCGA_TYPE = re.compile(r"^TCGA[-.]\w{2}[-.]\w{4}[-.](\d{2})", re.IGNORECASE)


def _examples(names: pd.Index) -> str:
    """`` (e.g. ['S1', 'S2', 'S3'])``, or "" without names."""
    return f" (e.g. {names[:3].tolist()})" if len(names) else ""


def _match_samples(
    indexes: Sequence[pd.Index],
    sources: Sequence[str],
    join: str,
    hint: str = "Pass join='inner' to keep the common samples.",
    cut_hint: str = "e.g. table.index.str[:{length}]",
    hint_indexes: Sequence[pd.Index] | None = None,
) -> pd.Index:
    """The samples of named tables: all the same (``"strict"``) or the common ones
    (``"inner"``), in the order of the first table. ``hint_indexes``: the names
    by which to say how the names would agree (:func:`_prefix_hint`), where not
    ``indexes`` (labels that are not matched, but should agree too)."""
    samples = indexes[0]

    def names_hint() -> str:
        found = _prefix_hint(hint_indexes, cut_hint) if hint_indexes is not None else ""
        return found or _prefix_hint(indexes, cut_hint)

    for source, index in zip(sources[1:], indexes[1:], strict=True):
        if join == "strict":
            if len(index) != len(samples) or not index.isin(samples).all():
                only_here = index.difference(samples)
                only_first = samples.difference(index)
                normal = [
                    str(n) for n in only_here.append(only_first)
                    if (m := _TCGA_TYPE.match(str(n))) and "10" <= m.group(1) <= "19"
                ]
                names = names_hint()
                if names and not index.isin(samples).any():
                    # no name in common, but a cut would match them: joining
                    # (outer) would read each patient twice, once per omic
                    raise ValueError(
                        f"{source} and {sources[0]} have no sample name in common (e.g. "
                        f"{index[:1].tolist()[0]!r} and {samples[:1].tolist()[0]!r})." + names
                    )
                raise ValueError(
                    f"{source} lists {len(index)} samples and {sources[0]} lists "
                    f"{len(samples)}; {len(only_here)} are only in the former"
                    f"{_examples(only_here)} and {len(only_first)} only in the latter"
                    f"{_examples(only_first)}. "
                    + (
                        f"Of those, {len(normal)} are TCGA normal tissue (sample type 10-19, e.g. "
                        f"{normal[0]!r}), which omics measured on tumours alone lack "
                        "(sample_types='tumor' leaves them out). "
                        if normal else ""
                    )
                    + hint
                    + names
                )
        else:
            common = samples[samples.isin(index)]
            if len(common) == 0:
                raise ValueError(
                    f"No sample is common to all of {', '.join(sources)}."
                    + names_hint()
                )
            samples = common
    if len(samples) == 0:
        raise ValueError(f"No sample is common to all of {', '.join(sources)}.")
    return samples


def _label_counts(target: pd.Series, target_names: np.ndarray | None) -> str:
    """``"0: 12, 1: 30"``, or ``"LumA: 12, ..."`` with class names."""
    values, counts = np.unique(np.asarray(target), return_counts=True)
    return ", ".join(
        f"{target_names[v] if target_names is not None else v}: {c}"
        for v, c in zip(values, counts, strict=True)
    )


def _labels_from_table(
    labels: pd.DataFrame | pd.Series, source: str
) -> tuple[pd.Series, np.ndarray | None]:
    """Turn a label column or a one-hot table into integer codes."""
    if isinstance(labels, pd.DataFrame) and labels.shape[1] == 1:
        labels = labels.iloc[:, 0]
    if isinstance(labels, pd.Series):
        codes, names = _encode_labels(labels.astype(str).tolist(), source)
        return pd.Series(codes, index=labels.index), names
    values = labels.to_numpy()
    try:
        values = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{source}: a label table with several columns must be one-hot "
            f"(0/1 values); {exc}."
        ) from exc
    if not (np.isin(values, (0.0, 1.0)).all() and (values.sum(axis=1) == 1).all()):
        raise ValueError(
            f"{source}: a label table with several columns must be one-hot: each "
            "row holds exactly one 1 and 0 elsewhere."
        )
    codes = values.argmax(axis=1).astype(np.int64)
    names = np.asarray([str(c) for c in labels.columns])
    return pd.Series(codes, index=labels.index), names


def _without_missing_labels(
    labels: pd.Series | pd.DataFrame,
    source: str,
    tables: Sequence[pd.DataFrame],
    join: str,
    sample_name_length: int | None,
) -> tuple[pd.Series | pd.DataFrame, int]:
    """The labels without the samples whose label is missing, as
    :func:`load_omics_tables` reads them: a missing value (NaN, None,
    ``pd.NA``, and in text the strings pandas reads as missing: ``""``, ``NA``,
    ``null``, ...) or a placeholder such as TCGA's ``[Not Available]`` is a
    sample without a label, never a class named so. With ``join="strict"``, a
    sample of the omics without a label is an error; with ``"inner"`` it is left
    out. Returns the labels left and how many samples of the omics were left out."""
    as_written = labels.to_frame() if isinstance(labels, pd.Series) else labels
    frame = _dots_as_missing(as_written)
    for j in range(frame.shape[1]):  # (in memory: what a file of them would read as missing)
        values = frame.iloc[:, j]
        if pd.api.types.is_numeric_dtype(values):
            continue
        text = values.astype("string").str.strip()
        blank = text.isin(_MISSING_VALUES).fillna(False).to_numpy(dtype=bool)
        if blank.any():
            frame = frame.copy() if frame is as_written else frame
            frame.iloc[:, j] = values.mask(blank)
    missing = frame.isna().any(axis=1).to_numpy()
    if not missing.any():
        return labels, 0
    if missing.all():
        raise ValueError(
            f"{source} holds no label: all of its {len(frame)} sample(s) have a missing "
            "value (empty, NA, [Not Available], ...)."
        )
    names = pd.Index([str(s)[:sample_name_length] for s in frame.index], dtype=object)
    listed = set().union(*(set(t.index) for t in tables))
    # (a sample that no omic lists: left out, as load_omics_tables does)
    of_omics = missing & names.isin(listed)
    if join == "strict" and of_omics.any():
        row = int(np.flatnonzero(of_omics)[0])
        cell = as_written.iloc[row][frame.iloc[row].isna().to_numpy()].iloc[0]
        written = "" if pd.isna(cell) else f": its label reads {str(cell).strip()!r}, a missing value"
        raise ValueError(
            f"{source} has no label for {int(of_omics.sum())} sample(s) (e.g. "
            f"{names[row]!r}{written}); pass join='inner' to leave them out."
        )
    kept = frame[~missing]
    return (kept.iloc[:, 0] if isinstance(labels, pd.Series) else kept), int(of_omics.sum())


@overload
def load_omics_files(
    files: Mapping[str, _PathLike],
    labels: _PathLike | pd.Series | pd.DataFrame | None = ...,
    *,
    transpose: bool = ...,
    join: Literal["strict", "inner"] = ...,
    sample_name_length: int | None = ...,
    return_X_y: Literal[False] = ...,
    as_frame: bool = ...,
) -> Bunch: ...
@overload
def load_omics_files(
    files: Mapping[str, _PathLike],
    labels: _PathLike | pd.Series | pd.DataFrame | None = ...,
    *,
    transpose: bool = ...,
    join: Literal["strict", "inner"] = ...,
    sample_name_length: int | None = ...,
    return_X_y: Literal[True],
    as_frame: bool = ...,
) -> tuple[Any, Any]: ...
@overload
def load_omics_files(
    files: Mapping[str, _PathLike],
    labels: _PathLike | pd.Series | pd.DataFrame | None = ...,
    *,
    transpose: bool = ...,
    join: Literal["strict", "inner"] = ...,
    sample_name_length: int | None = ...,
    return_X_y: bool,
    as_frame: bool = ...,
) -> Bunch | tuple[Any, Any]: ...


@validate_params(
    {
        "files": [Mapping],
        "labels": [str, os.PathLike, pd.Series, pd.DataFrame, None],
        "transpose": ["boolean"],
        "join": [StrOptions({"strict", "inner"})],
        "sample_name_length": [_Count(1), None],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_omics_files(
    files: Mapping[str, _PathLike],
    labels: _PathLike | pd.Series | pd.DataFrame | None = None,
    *,
    transpose: bool = True,
    join: Literal["strict", "inner"] = "strict",
    sample_name_length: int | None = None,
    return_X_y: bool = False,
    as_frame: bool = True,
) -> Bunch | tuple[Any, Any]:
    """Load omic tables that carry sample and feature names (the POEMS KIRC layout).

    Each file is a CSV table (compressed if its name ends in ``.gz``, ``.bz2`` or
    ``.xz``) with
    names in its first row and first column (R's header without a field for the
    row names, and a separator at the end of every data row, are read; a line
    with fewer fields than the others is an error). By default
    (``transpose=True``) the rows are features and the columns samples, as in
    the KIRC files distributed with POEMS (``gene1.csv.gz``, ``methyl.csv.gz``,
    ``miRNA1.csv.gz``). Samples are matched between omics and labels by name.

    Parameters
    ----------
    files : dict or other mapping of str to path-like
        ``{omic_name: file}``, in the order the omics should appear.

    labels : path-like, Series or DataFrame, default=None
        Sample labels, indexed by sample name (a file: names in its first column).
        One column of labels (integer codes or class names), or several one-hot
        columns such as KIRC's ``label.csv.gz`` (``class1``, ``class2``): the code is
        the index of the column holding the 1 and the column names become
        ``target_names``. None: no labels.

    transpose : bool, default=True
        True for features x samples files, False for samples x features.

    join : {"strict", "inner"}, default="strict"
        ``"strict"``: every omic (and the labels) must list the same samples, else
        a ValueError. ``"inner"``: keep the samples present everywhere.
        Either way the samples keep the order of the first file.

    sample_name_length : int, default=None
        Cut every sample name (of the omics and the labels) to its first this
        many characters before matching them, for TCGA files that cut the
        barcodes differently (12 characters name a patient, 15 or 16 a sample).
        None: names as they are.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``data`` is a :class:`pandas.DataFrame` whose columns are a
        :class:`pandas.MultiIndex` with levels ``("omic", "feature")`` and whose
        index holds the sample names (named ``"sample"``); ``target`` is a
        :class:`pandas.Series` named ``"label"``. If False, both are ndarrays.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : {ndarray, DataFrame} of shape (n_samples, n_features)
            The omics side by side (float64).
        target : {ndarray, Series} of shape (n_samples,) or None
            Integer labels (int64), or None without ``labels``.
        target_names : ndarray or None
            Class names (one-hot column names, or the sorted names of non-numeric
            labels); None for numeric labels or no labels.
        omic_names : list of str
            The keys of ``files``.
        omic_dims : tuple of int
            Number of features of each omic.
        feature_names : ndarray of shape (n_features,)
            Feature names in column order.
        sample_names : ndarray of shape (n_samples,)
            The rows' sample names, in the order of ``data`` (object dtype),
            also where ``data`` is an array.
        DESCR : str
            A short description of what was read.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` entries described above.

    See Also
    --------
    load_omics_folder : Load the headerless MOGONET/MOCSS folder layout.

    Notes
    -----
    The POEMS authors keep each KIRC omic's top 25% features by variance and
    min-max scale each feature; this loader does neither (fit such steps on
    training data only). TCGA barcodes ending in ``-01`` are tumour samples,
    ``-11`` normal tissue.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from skpoems.datasets import load_omics_files
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> samples = ["TCGA-A-01", "TCGA-B-01", "TCGA-C-11"]
    >>> gene = pd.DataFrame([[1.0, 2, 3], [4, 5, 6]], index=["g1", "g2"],
    ...                     columns=samples)
    >>> gene.to_csv(folder / "gene1.csv.gz")
    >>> label = pd.DataFrame({"class1": [1, 1, 0], "class2": [0, 0, 1]},
    ...                      index=samples)
    >>> label.to_csv(folder / "label.csv.gz")
    >>> kirc = load_omics_files({"mRNA": folder / "gene1.csv.gz"},
    ...                         labels=folder / "label.csv.gz")
    >>> kirc.data.shape, kirc.target.tolist(), kirc.target_names.tolist()
    ((3, 2), [0, 0, 1], ['class1', 'class2'])
    """
    if not files:
        raise ValueError("files is empty: give at least one {omic_name: file}.")
    names = [str(name) for name in files]
    paths = [Path(file) for file in files.values()]
    tables = [
        _read_table(file, transpose, name, sample_name_length)
        for name, file in zip(names, paths, strict=True)
    ]
    sources = [str(file) for file in paths]

    label_codes: pd.Series | None = None
    target_names = None
    n_unlabelled = 0
    if labels is not None:
        if isinstance(labels, (pd.Series, pd.DataFrame)):
            label_table, label_source = labels, "labels"
        else:
            label_file = Path(labels)
            if not label_file.is_file():
                raise ValueError(f"Label file not found: {label_file}")
            try:
                label_table = pd.read_csv(label_file, index_col=0)
            except UnicodeDecodeError as exc:
                raise _not_utf8(label_file, exc) from exc
            except _READ_ERRORS as exc:
                raise _unreadable(label_file, exc) from exc
            label_source = str(label_file)
        label_table, n_unlabelled = _without_missing_labels(
            label_table, label_source, tables, join, sample_name_length
        )
        label_codes, target_names = _labels_from_table(label_table, label_source)
        label_codes.index = pd.Index(
            [str(s)[:sample_name_length] for s in label_codes.index], dtype=object
        )
        if label_codes.index.duplicated().any():
            twice = list(dict.fromkeys(label_codes.index[label_codes.index.duplicated()]))
            cut = (
                f" after cutting the names to {sample_name_length} characters"
                if sample_name_length is not None else ""
            )
            raise ValueError(
                f"{label_source} lists {len(twice)} sample(s) more than once{cut} "
                f"({', '.join(map(repr, twice[:5]))}{' ...' if len(twice) > 5 else ''}): "
                "give each sample one label."
            )
        sources.append(label_source)

    indexes = [table.index for table in tables]
    if label_codes is not None:
        indexes.append(label_codes.index)
    samples = _match_samples(
        indexes, sources, join, cut_hint="sample_name_length={length}"
    )

    frame = _omics_frame([table.loc[samples] for table in tables], names)
    frame.index = pd.Index(samples, dtype=object, name="sample")
    target = None
    if label_codes is not None:
        target = pd.Series(
            label_codes.loc[samples].to_numpy(dtype=np.int64),
            index=frame.index.copy(),
            name="label",
        )

    descr_lines = [f"Multi-omics data read from {len(paths)} file(s)", ""]
    descr_lines += [
        f"  {name}: {table.shape[1]} features ({file})"
        for name, table, file in zip(names, tables, paths, strict=True)
    ]
    descr_lines.append(f"Samples: {frame.shape[0]} (join={join!r})")
    if target is not None:
        descr_lines.append(f"Labels (code: count): {_label_counts(target, None)}")
    if n_unlabelled:
        descr_lines.append(
            f"Left out: {n_unlabelled} sample(s) without a label in {sources[-1]}"
        )
    return _make_bunch(
        frame=frame,
        target=target,
        target_names=target_names,
        omic_names=names,
        descr="\n".join(descr_lines) + "\n",
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
