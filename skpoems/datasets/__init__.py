"""Multi-omics data sets: bundled real data, folder loaders and a generator.

- :func:`load_tcga_brca`: TCGA breast cancer, 769 patients, mRNA / methylation /
  miRNA, 5 PAM50 subtypes (bundled).
- :func:`load_nutrimouse`: 40 mice, gene / lipid, diet or genotype (bundled).
- :func:`load_omics_folder`: users' copies in the MOGONET/MOCSS folder layout
  (``1_all.csv``, ``labels_all.csv``, ... or ``1_tr.csv``/``1_te.csv``, ...).
- :func:`load_omics_files`: users' tables with sample and feature names (the POEMS
  KIRC layout, features x samples).
- :func:`load_omics_tables`: a folder of named tables, one per omic, plus labels
  (``mrna.csv.gz``, ``mirna.csv``, ``labels.csv``: the layout of the bundled data).
- :func:`merge_gdc_download`: a GDC portal download (one file per sample and data
  type, and its sample sheet) merged into one table per omic.
- :func:`make_multiomics`: synthetic data with planted sparse factors and subtypes;
  :data:`PLANTED_FACTORS` is the planted-factor benchmark of its recovery tests.
"""

from ._folder import load_omics_files, load_omics_folder
from ._gdc import merge_gdc_download
from ._synthetic import PLANTED_FACTORS, make_multiomics
from ._tables import load_omics_tables
from ._tcga import load_nutrimouse, load_tcga_brca

__all__ = [
    "PLANTED_FACTORS",
    "load_nutrimouse",
    "load_omics_files",
    "load_omics_folder",
    "load_omics_tables",
    "load_tcga_brca",
    "make_multiomics",
    "merge_gdc_download",
]
