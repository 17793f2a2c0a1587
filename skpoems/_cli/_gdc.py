"""``skpoems gdc``: a GDC portal download merged into one table per omic, and
the run command that reads them."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import _DataError, _in_cli_terms


def _cmd_gdc(args: argparse.Namespace) -> int:
    from ..datasets import merge_gdc_download

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
    if logged:
        notes.append(f"{' and '.join(logged)}: the GDC's linear-scale values, log-transformed with --log")
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
    from ..datasets._base import NORMAL_CODES, SAMPLE_BARCODE, TUMOR_CODES

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
